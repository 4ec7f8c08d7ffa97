/* SPDX-License-Identifier: Apache-2.0 */
/* Certificates for a harness side from a PKI directory (certs.h). */
#include "certs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sig.h"
#include "crypto/x509.h"

#define ALL_HASHES ((1u << SIG_SHA256) | (1u << SIG_SHA384) | (1u << SIG_SHA512))
#define BOTH_KEYS (CONF_SIGKEY_RSA | CONF_SIGKEY_ECDSA)

static const char *at(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

/* Every certificate of the file name (NULL: none); -1 when it does not load. */
static int load_list(const char *dir, const char *name, struct x509_cert ***list, size_t *n)
{
	char path[512], why[300];

	*list = NULL;
	*n = 0;
	if (!name)
		return 0;
	if (x509_load_pem(at(path, sizeof(path), dir, name), list, n, why, sizeof(why))) {
		fprintf(stderr, "  %s\n", why);
		return -1;
	}
	return 0;
}

struct conf_certs *certs_load(const char *dir, const struct certs *o)
{
	struct conf_certs *cc = o->psk ? NULL : calloc(1, sizeof(*cc));
	char path[512], why[300];
	int r = 0;

	if (!cc)
		return NULL;
	r |= load_list(dir, o->cert, &cc->leftcert, &cc->n_leftcert);
	if (sig_key_load(at(path, sizeof(path), dir, o->key), &cc->leftkey, why, sizeof(why))) {
		fprintf(stderr, "  %s\n", why);
		r = -1;
	}
	r |= load_list(dir, o->ca, &cc->rightca, &cc->n_rightca);
	if (o->pin) {
		struct x509_cert **l;
		size_t n;
		r |= load_list(dir, o->pin, &l, &n);
		if (l) {
			cc->rightcert = l[0];
			l[0] = NULL;
		}
		x509_list_free(l, n);
	}
	if (r || !cc->n_leftcert || !cc->leftkey || !(cc->n_rightca || cc->rightcert)) {
		fprintf(stderr, "  certificates %s, key %s: not a whole set\n", o->cert, o->key);
		certs_free(cc);
		return NULL;
	}
	return cc;
}

void certs_free(struct conf_certs *cc)
{
	if (!cc)
		return;
	x509_list_free(cc->leftcert, cc->n_leftcert);
	x509_list_free(cc->rightca, cc->n_rightca);
	x509_free(cc->rightcert);
	sig_key_free(cc->leftkey);
	free(cc);
}

static void set_id_dn(struct conf_id *id, const uint8_t *der, size_t len, const char *text)
{
	id->type = CONF_ID_DN;
	memcpy(id->data, der, len);
	id->len = len;
	snprintf(id->text, sizeof(id->text), "%s", text);
}

/* leftid= and rightid= as o says. */
static int set_ids(struct conf_conn *cfg, const struct certs *o, const struct conf_certs *cc)
{
	char why[300];

	if (o->leftid_dn) {
		size_t len;
		const uint8_t *der = x509_subject_der(cc->leftcert[0], &len);
		char text[300];
		if (len > sizeof(cfg->leftid.data))
			return -1;
		x509_subject_str(cc->leftcert[0], text, sizeof(text));
		set_id_dn(&cfg->leftid, der, len, text);
	}
	if (o->rightid_dn) {
		uint8_t der[512];
		size_t len;
		if (x509_dn_parse(o->rightid_dn, der, sizeof(der), &len, why, sizeof(why))) {
			fprintf(stderr, "  rightid=\"%s\": %s\n", o->rightid_dn, why);
			return -1;
		}
		set_id_dn(&cfg->rightid, der, len, o->rightid_dn);
	}
	if (o->rightid_any) {
		memset(&cfg->rightid, 0, sizeof(cfg->rightid));
		cfg->rightid.type = CONF_ID_ANY;
		snprintf(cfg->rightid.text, sizeof(cfg->rightid.text), "%%fromcert");
	}
	if (o->leftid_fqdn) {
		cfg->leftid.type = CONF_ID_FQDN;
		cfg->leftid.len = strlen(o->leftid_fqdn);
		memcpy(cfg->leftid.data, o->leftid_fqdn, cfg->leftid.len);
		snprintf(cfg->leftid.text, sizeof(cfg->leftid.text), "@%s", o->leftid_fqdn);
	}
	return 0;
}

int side_certs_lend(struct side *s, const struct certs *o, struct conf_certs *cc)
{
	struct conf_conn *cfg = (struct conf_conn *)s->conn.cfg;

	if (o->psk)
		return 0;
	if (!cc)
		return -1;
	cfg->authby = CONF_AUTHBY_SIG;
	cfg->sig_keys = o->keys ? o->keys : BOTH_KEYS;
	cfg->sig_hashes = o->hashes ? o->hashes : ALL_HASHES;
	cfg->sendcert = o->send;
	cfg->certs = cc;
	return set_ids(cfg, o, cc);
}

void side_certs_return(struct side *s)
{
	((struct conf_conn *)s->conn.cfg)->certs = NULL;
}

int side_certs(struct side *s, const char *dir, const struct certs *o)
{
	if (o->psk)
		return 0;
	struct conf_certs *cc = certs_load(dir, o);
	if (side_certs_lend(s, o, cc)) {
		side_certs_return(s);
		certs_free(cc);
		return -1;
	}
	return 0;
}

void side_certs_free(struct side *s)
{
	certs_free(s->conn.cfg->certs);
	side_certs_return(s);
}
