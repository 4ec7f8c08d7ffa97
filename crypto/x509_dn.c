/* SPDX-License-Identifier: Apache-2.0 */
/* Distinguished names: the text operators write in rightid= (libreswan's and
 * strongSwan's "C=JP, O=Example, CN=vpn", or OpenSSL's "/C=JP/O=..."), the
 * DER that ID_DER_ASN1_DN carries, and X.509's comparison of two names. */
#include "crypto/x509.h"

#include "crypto/sig_priv.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* libreswan and strongSwan write E= for the e-mail attribute. */
static int attr_nid(const char *name)
{
	if (strcmp(name, "E") == 0 || strcasecmp(name, "Email") == 0)
		return NID_pkcs9_emailAddress;
	int nid = OBJ_txt2nid(name);
	return nid == NID_undef ? OBJ_ln2nid(name) : nid;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One "NAME=value" (blanks around both trimmed) from s up to sep or the
 * end; *end after it.  In the value "\x" keeps x and "\XX" (two hex
 * digits) is that byte (RFC 4514 2.4: how x509_dn_text writes bytes that
 * are not printable ASCII).  0, or -1 with why. */
static int one_rdn(X509_NAME *n, const char *s, char sep, const char **end, char *why, size_t wl)
{
	char name[64], value[256];
	size_t nl = 0, vl = 0, kept = 0;	/* kept: value bytes no trim may take */
	const char *p = s;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != '=' && *p != sep && nl + 1 < sizeof(name))
		name[nl++] = *p++;
	while (nl && (name[nl - 1] == ' ' || name[nl - 1] == '\t'))
		nl--;
	name[nl] = 0;
	if (*p != '=' || !nl) {
		snprintf(why, wl, "\"%.40s\" is not NAME=value", s);
		return -1;
	}
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != sep) {
		int c = (unsigned char)*p++;
		if (c == '\\' && *p) {
			int hi = hexval(p[0]), lo = hi < 0 ? -1 : hexval(p[1]);
			c = lo < 0 ? (unsigned char)*p++ : hi << 4 | lo;
			p += lo < 0 ? 0 : 2;
			kept = vl + 1;
		}
		if (vl + 1 >= sizeof(value)) {
			snprintf(why, wl, "the value of %s= is too long", name);
			return -1;
		}
		value[vl++] = (char)c;
	}
	while (vl > kept && (value[vl - 1] == ' ' || value[vl - 1] == '\t'))
		vl--;
	value[vl] = 0;
	int nid = attr_nid(name);
	if (nid == NID_undef) {
		snprintf(why, wl, "%s= is not an attribute of a distinguished name (C, ST, L, O, OU, CN, E, ...)",
			 name);
		return -1;
	}
	if (!vl || !X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8, (const unsigned char *)value,
					       (int)vl, -1, 0)) {
		snprintf(why, wl, "%s=%s is not a valid value for that attribute", name, value);
		return -1;
	}
	*end = *p ? p + 1 : p;
	return 0;
}

int x509_dn_parse(const char *text, uint8_t *der, size_t cap, size_t *len, char *why, size_t wl)
{
	X509_NAME *n = X509_NAME_new();
	unsigned char *out = NULL;
	char sep = ',';
	const char *p = text;
	int r = -1;

	if (!n) {
		snprintf(why, wl, "out of memory");
		return -1;
	}
	if (*p == '/') {	/* OpenSSL's one-line form */
		sep = '/';
		p++;
	}
	while (*p)
		if (one_rdn(n, p, sep, &p, why, wl))
			goto out;
	if (X509_NAME_entry_count(n) == 0) {
		snprintf(why, wl, "an empty distinguished name");
		goto out;
	}
	int dl = i2d_X509_NAME(n, &out);
	if (dl <= 0 || (size_t)dl > cap) {
		snprintf(why, wl, "the distinguished name is too long (%d bytes as DER, at most %zu)", dl,
			 cap);
		goto out;
	}
	memcpy(der, out, (size_t)dl);
	*len = (size_t)dl;
	r = 0;
out:
	OPENSSL_free(out);
	X509_NAME_free(n);
	ERR_clear_error();
	return r;
}

static X509_NAME *name_of(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *n = len <= 65535 ? d2i_X509_NAME(NULL, &p, (long)len) : NULL;

	if (n && p != der + len) {	/* trailing bytes: not one name */
		X509_NAME_free(n);
		n = NULL;
	}
	ERR_clear_error();	/* a peer's bytes: nothing for OpenSSL's queue */
	return n;
}

#define DN_FLAGS (XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | XN_FLAG_DUMP_UNKNOWN_FIELDS | \
		  ASN1_STRFLGS_RFC2253)

void x509_name_text(const X509_NAME *n, char *buf, size_t buflen)
{
	BIO *b = BIO_new(BIO_s_mem());
	long got;
	char *mem;

	/* RFC 2253's escaping, in the order of the DER, ", " between, as
	 * libreswan and strongSwan print them; every byte that is not
	 * printable ASCII as \XX (a peer's certificate may hold anything:
	 * terminal controls, bidi overrides), so the text is safe in a log
	 * line and x509_dn_parse reads it back */
	if (b && X509_NAME_print_ex(b, n, 0, DN_FLAGS) >= 0 &&
	    (got = BIO_get_mem_data(b, &mem)) >= 0) {
		snprintf(buf, buflen, "%.*s", (int)got, mem);
		for (char *c = buf; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';	/* never: the flags escape them */
	}
	BIO_free(b);
}

void x509_dn_text(const uint8_t *der, size_t len, char *buf, size_t buflen)
{
	X509_NAME *n = name_of(der, len);

	if (!buflen)
		return;
	snprintf(buf, buflen, "(not a DN)");
	if (n)
		x509_name_text(n, buf, buflen);
	X509_NAME_free(n);
}

bool x509_dn_equal(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	X509_NAME *na = name_of(a, alen), *nb = name_of(b, blen);
	bool same = na && nb && X509_NAME_cmp(na, nb) == 0;

	X509_NAME_free(na);
	X509_NAME_free(nb);
	return same;
}
