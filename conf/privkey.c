/* SPDX-License-Identifier: Apache-2.0 */
/* Private keys named in a secrets file, as strongSwan's ipsec.secrets(5)
 * writes them:
 *     : RSA /etc/mcvpn.d/host.key      : ECDSA host-ec.key      : PKCS8 host.p8
 * (IDs before the ':' are allowed and ignored: a key is found by the
 * certificate it belongs to).  The file is PEM, unencrypted (mcvpnd starts
 * unattended), with no group or other bits, like the secrets files; a
 * relative name is relative to the secrets file's directory.  libreswan's
 * forms (an NSS nickname in quotes, a raw key in braces) and passphrases
 * are refused, each saying what to do instead.  Every key is read when
 * its line is, so a bad one is reported whether a conn uses it or not. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/base/grow.h"
#include "conf/internal.h"
#include "crypto/sig.h"


bool privkey_type(const char *type)
{
	return !strcasecmp(type, "RSA") || !strcasecmp(type, "ECDSA") || !strcasecmp(type, "PKCS8");
}

/* libreswan's `: RSA "nickname"` against a quoted file name: a nickname
 * has no '/' and no key file's suffix. */
static bool nss_nickname(const char *s, size_t len)
{
	static const char *const suffix[] = { ".pem", ".key", ".der", ".p8" };

	if (memchr(s, '/', len))
		return false;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		size_t n = strlen(suffix[i]);

		if (len > n && !strncasecmp(s + len - n, suffix[i], n))
			return false;
	}
	return true;
}

/* The file name (unquoted) into name; the rest must be nothing.  Returns
 * the reason, or NULL. */
static const char *value_split(const char *v, char *name, size_t len, char *why, size_t wl)
{
	const char *end, *rest;
	size_t n;

	if (*v == '{') {
		return "libreswan's raw RSA key block: mcvpn reads private keys from PEM files "
		       "(: RSA /etc/mcvpn.d/host.key; with libreswan's NSS keys, export the "
		       "certificate's key: (umask 077 && pk12util -o host.p12 -n 'NICK' -d "
		       "sql:/var/lib/ipsec/nss -W '' && openssl pkcs12 -in host.p12 -passin pass: "
		       "-nocerts -nodes -out /etc/mcvpn.d/host.key); rm -f host.p12)";
	}
	if (*v == '"' || *v == '\'') {
		end = strchr(v + 1, *v);
		if (!end)
			return "unterminated quote in the key file's name";
		n = (size_t)(end - v - 1);
		if (nss_nickname(v + 1, n)) {
			/* commands that ask nothing, as import_out.c prints them */
			snprintf(why, wl, "\"%.*s\" is a libreswan NSS nickname: mcvpn reads the private "
				 "key from a PEM file: export it ((umask 077 && pk12util -o key.p12 -n "
				 "'%.*s' -d sql:/var/lib/ipsec/nss -W '' && openssl pkcs12 -in key.p12 "
				 "-passin pass: -nocerts -nodes -out /etc/mcvpn.d/%.*s.key); rm -f key.p12) "
				 "and name the file",
				 (int)(n > 60 ? 60 : n), v + 1, (int)(n > 60 ? 60 : n), v + 1,
				 (int)(n > 60 ? 60 : n), v + 1);
			return why;
		}
		v++;
		rest = end + 1;
	} else {
		n = strcspn(v, " \t");
		rest = v + n;
	}
	if (n == 0)
		return "missing the key file's name (: RSA /etc/mcvpn.d/host.key)";
	if (n >= len)
		return "the key file's name is too long";
	memcpy(name, v, n);
	name[n] = '\0';
	rest += strspn(rest, " \t");
	if (*rest) {
		snprintf(why, wl, "a passphrase (or %%prompt) for the key: mcvpnd starts unattended and "
			 "reads only unencrypted keys; write it without one (openssl pkey -in %.200s -out "
			 "%.200s.plain; chmod 600 %.200s.plain) and name that file", name, name, name);
		return why;
	}
	return NULL;
}

/* The file's mode, as the secrets files': problems reported; false when
 * there is no file to read. */
static bool key_file_ok(struct loader *ld, const char *file, int line, const char *path)
{
	struct stat st;
	char bad[600];

	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			diag_add(ld, file, line, "key file %s: no such file", path);
		else
			files_open_failed(ld, path, "key file: cannot open", errno);
		return false;
	}
	if (files_shape_problem(&st)) {
		diag_add(ld, file, line, "key file %s: %s", path, files_shape_problem(&st));
		return false;
	}
	if (conf_perm_check(&st, path, false, bad, sizeof(bad)) != CONF_PERM_OK) {
		diag_add(ld, file, line, "key file %s: %s", path, bad);
		return false;	/* not read: it is reported, and others may have changed it */
	}
	if (access(path, R_OK) != 0) {	/* whose it is, and the chown that lets mcvpnd read it */
		files_open_failed(ld, path, "key file: cannot open", errno);
		return false;
	}
	return true;
}

/* The type written against the key's. */
static const char *type_mismatch(const char *type, enum sig_key_type t)
{
	if (!strcasecmp(type, "RSA") && t != SIG_KEY_RSA)
		return "holds an ECDSA key: write : ECDSA FILE";
	if (!strcasecmp(type, "ECDSA") && t == SIG_KEY_RSA)
		return "holds an RSA key: write : RSA FILE";
	return NULL;
}

static const char *store(struct loader *ld, const char *file, int line, const char *path,
			 struct sig_key *k)
{
	struct key_entry *e;

	if (!grow_room((void **)&ld->keys, &ld->cap_keys, ld->n_keys, sizeof(*ld->keys))) {
		sig_key_free(k);
		return "out of memory";
	}
	e = &ld->keys[ld->n_keys++];
	memset(e, 0, sizeof(*e));
	snprintf(e->file, sizeof(e->file), "%s", file);
	e->line = line;
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->key = k;
	return NULL;
}

const char *privkey_entry(struct loader *ld, const char *file, int line, const char *type,
			  const char *value, char *why, size_t wl)
{
	char name[1024], path[1024], reason[300];
	struct sig_key *k = NULL;
	const char *bad = value_split(value, name, sizeof(name), why, wl);

	if (bad)
		return bad;
	files_include_path(file, name, path, sizeof(path));
	if (ld->files_elsewhere)
		return NULL;	/* the importer: the syntax only */
	if (!key_file_ok(ld, file, line, path))
		return NULL;	/* reported */
	if (sig_key_load(path, &k, reason, sizeof(reason)) < 0) {
		snprintf(why, wl, "%s%s", reason, strstr(reason, "no private key") ?
			 " (an encrypted key: openssl pkey -in FILE -out FILE.plain writes it without "
			 "its passphrase)" : "");
		return why;
	}
	if ((bad = type_mismatch(type, sig_key_type(k)))) {
		snprintf(why, wl, "key file %s %s", path, bad);
		sig_key_free(k);
		return why;
	}
	return store(ld, file, line, path, k);
}

const struct key_entry *privkey_find(const struct loader *ld, const struct sig_pub *pub)
{
	for (size_t i = 0; i < ld->n_keys; i++)
		if (ld->keys[i].key && sig_key_matches(ld->keys[i].key, pub))
			return &ld->keys[i];
	return NULL;
}

void privkey_free_all(struct loader *ld)
{
	for (size_t i = 0; i < ld->n_keys; i++)
		sig_key_free(ld->keys[i].key);
	free(ld->keys);
	ld->keys = NULL;
	ld->n_keys = ld->cap_keys = 0;
}
