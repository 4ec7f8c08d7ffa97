/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate authentication, once the ends are known (ends.c): the keys
 * leftcert=, leftca=, leftsendcert=, leftid=%fromcert are read as this
 * host's or the peer's by the end they are written on, as every left/right
 * key is (a file that serves both hosts names its certificates once).
 *   this host's end:  cert: our certificate, then intermediates (PEM), with
 *                     its private key from a secrets file; ca: the CAs our
 *                     certificate must lead to (checked, a warning);
 *                     sendcert: when the engine sends our CERT payloads;
 *                     id: default and %fromcert: the certificate's subject.
 *   the peer's end:   cert: its certificate, pinned (exactly one); ca: the
 *                     CAs its certificate must lead to; id: default the
 *                     pinned certificate's subject, else its address;
 *                     %fromcert and %any: any ID its certificate names.
 * Relative file names are relative to the directory of the file that
 * names them.  The PEM files are read from disk at each load, and again
 * by conf_resolve_again: each conn owns what it read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/internal.h"
#include "crypto/sig.h"
#include "crypto/x509.h"


static const char *const side[2] = { "left", "right" };

static int line_of(const struct conn_build *cb, enum key_id k)
{
	return cb->key_line[k] ? cb->key_line[k] : cb->c.line;
}

static const char *file_of(const struct conn_build *cb, enum key_id k)
{
	return cb->key_line[k] ? cb->key_file[k] : cb->c.file;
}

void conf_certs_free(struct conf_certs *c)
{
	if (!c)
		return;
	x509_list_free(c->leftcert, c->n_leftcert);
	sig_key_free(c->leftkey);
	x509_list_free(c->rightca, c->n_rightca);
	x509_free(c->rightcert);
	free(c);
}

bool conf_sig_key_allowed(const struct conf_conn *c, enum sig_key_type t)
{
	if (t == SIG_KEY_RSA)
		return c->sig_keys & CONF_SIGKEY_RSA;
	if (t == SIG_KEY_P256 || t == SIG_KEY_P384 || t == SIG_KEY_P521)
		return c->sig_keys & CONF_SIGKEY_ECDSA;
	return false;
}

/* libreswan's leftcert= names a certificate in its NSS database: a name
 * without '/' nor a certificate file's suffix. */
static bool nss_nickname(const char *v)
{
	static const char *const suffix[] = { ".pem", ".crt", ".cer", ".der" };
	size_t n = strlen(v);

	if (strchr(v, '/'))
		return false;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++)
		if (n > strlen(suffix[i]) && !strcmp(v + n - strlen(suffix[i]), suffix[i]))
			return false;
	return true;
}

/* Every certificate of the file key k names (relative to its file): 0, or
 * -1 with the problem reported. */
static int load(struct loader *ld, const struct conn_build *cb, enum key_id k, const char *value,
		struct x509_cert ***out, size_t *n)
{
	const char *file = file_of(cb, k);
	char path[1024], why[600];
	struct stat st;

	files_include_path(file, value, path, sizeof(path));
	int found = stat(path, &st);
	if (found == 0 && files_shape_problem(&st)) {
		diag_add(ld, file, line_of(cb, k), "conn \"%s\": %s=%.100s: %s", cb->c.name, keys_name(k),
			 value, files_shape_problem(&st));
		return -1;
	}
	if (found != 0 && errno == ENOENT) {
		if (nss_nickname(value))
			diag_add(ld, file, line_of(cb, k), "conn \"%s\": %s=%.100s: no such file; libreswan "
				 "names certificates in its NSS database, mcvpn reads PEM files: certutil -L "
				 "-d sql:/var/lib/ipsec/nss -n %.100s -a > /etc/mcvpn.d/%.100s.pem", cb->c.name,
				 keys_name(k), value, value, value);
		else
			diag_add(ld, file, line_of(cb, k), "conn \"%s\": %s=%.100s: no such file (%.300s)",
				 cb->c.name, keys_name(k), value, path);
		return -1;
	}
	if (access(path, R_OK) != 0 && errno == EACCES) {	/* whose it is, and the chown */
		files_open_failed(ld, path, "cannot open", errno);
		return -1;
	}
	if (x509_load_pem(path, out, n, why, sizeof(why)) < 0) {
		diag_add(ld, file, line_of(cb, k), "conn \"%s\": %s=%.100s: %s", cb->c.name, keys_name(k),
			 value, why);
		return -1;
	}
	return 0;
}

/* A warning when c is not valid now (or may not sign): clocks may be
 * wrong at boot, so it is no error; the engine checks again at each use. */
static void validity(struct loader *ld, const struct conn_build *cb, enum key_id k,
		     struct x509_cert *c)
{
	char why[400], subj[200];

	if (x509_verify(c, NULL, 0, &c, 1, time(NULL), why, sizeof(why)) == 0)
		return;
	x509_subject_str(c, subj, sizeof(subj));
	diag_note(ld, CONF_WARNING, file_of(cb, k), line_of(cb, k),
		  "conn \"%s\": %s=: the certificate \"%s\" is not usable now: %s", cb->c.name,
		  keys_name(k), subj, why);
}

/* 0 when id names c: a DN equal to its subject, else one of its
 * subjectAltNames; -1 with why. */
static int names(const struct x509_cert *c, const struct conf_id *id, char *why, size_t wl)
{
	size_t len;
	const uint8_t *subj = x509_subject_der(c, &len);

	if (id->type == CONF_ID_DN) {
		if (x509_dn_equal(id->data, id->len, subj, len))
			return 0;
		snprintf(why, wl, "its subject is another name");
		return -1;
	}
	if (id->type == CONF_ID_KEY_ID) {
		snprintf(why, wl, "a key ID (@[...]) is no name a certificate holds");
		return -1;
	}
	return x509_matches_id(c, (enum x509_id)id->type, id->data, id->len, why, wl);
}

/* An ID from c's subject; false when it does not fit one. */
static bool id_subject(const struct x509_cert *c, struct conf_id *id)
{
	size_t len;
	const uint8_t *subj = x509_subject_der(c, &len);

	memset(id, 0, sizeof(*id));
	if (len > sizeof(id->data))
		return false;
	id->type = CONF_ID_DN;
	id->len = len;
	memcpy(id->data, subj, len);
	x509_dn_text(subj, len, id->text, sizeof(id->text));
	return true;
}

/* The ID from certificate key k's subject. */
static void id_from_cert(struct loader *ld, const struct conn_build *cb, enum key_id k,
			 const struct x509_cert *c, struct conf_id *id)
{
	if (!id_subject(c, id))
		diag_add(ld, file_of(cb, k), line_of(cb, k), "conn \"%s\": %s=: the certificate's "
			 "subject is longer than an ID mcvpn keeps (%zu bytes as DER): give its ID with "
			 "%sid=", cb->c.name, keys_name(k), sizeof(id->data), side[k != KEY_LEFTCERT]);
}

/* Keys that name certificates (and %fromcert, %any) with authby=secret. */
static void secret_conn(struct loader *ld, struct conn_build *cb)
{
	static const enum key_id files[] = { KEY_LEFTCERT, KEY_RIGHTCERT, KEY_LEFTCA, KEY_RIGHTCA };
	enum key_id a = KEY_AUTHBY;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (cb->set[files[i]])
			diag_add(ld, file_of(cb, files[i]), line_of(cb, files[i]),
				 "conn \"%s\": %s= with authby=secret (%s): set authby=rsasig or ecdsa to "
				 "authenticate with certificates", cb->c.name, keys_name(files[i]),
				 cb->set[a] ? "as written" : "the default");
	for (int i = 0; i < 2; i++)
		if (cb->end[i].id_kind == ID_FROMCERT || cb->end[i].id_kind == ID_ANY)
			diag_add(ld, file_of(cb, KEY_LEFTID + i), line_of(cb, KEY_LEFTID + i),
				 "conn \"%s\": %sid=%s needs certificates (authby=rsasig or ecdsa); with "
				 "authby=secret give an ID the PSK is found by", cb->c.name, side[i],
				 cb->end[i].id.text);
}

/* The key of our certificate, from the secrets files: each conn holds a
 * reference to the one the secrets file's line loaded (conf_free lets go of
 * each), never a second read of the file, whose mode was checked once. */
static void our_key(struct loader *ld, const struct conn_build *cb, struct conf_certs *certs, int me)
{
	enum key_id kc = KEY_LEFTCERT + me;
	const struct sig_pub *pub = x509_pub(certs->leftcert[0]);
	const struct key_entry *ke = privkey_find(ld, pub);

	if (!ke) {
		diag_add(ld, file_of(cb, kc), line_of(cb, kc), "conn \"%s\": %s=%.100s: no private key "
			 "in *.secrets is this certificate's: add `: %s /path/to/its-key.pem`", cb->c.name,
			 keys_name(kc), cb->end[me].cert, sig_pub_type(pub) == SIG_KEY_RSA ? "RSA" : "ECDSA");
		return;
	}
	if (!(certs->leftkey = sig_key_ref(ke->key)))
		diag_add(ld, ke->file, ke->line, "out of memory");
}

/* This host's certificate, our ID from it or checked against it, its key. */
static void ours(struct loader *ld, struct conn_build *cb, struct conf_certs *certs, int me)
{
	struct conf_conn *c = &cb->c;
	const struct end_build *e = &cb->end[me];
	enum key_id kc = KEY_LEFTCERT + me, ki = KEY_LEFTID + me;
	enum sig_key_type t;
	char why[400];

	if (load(ld, cb, kc, e->cert, &certs->leftcert, &certs->n_leftcert) < 0)
		return;
	size_t total = 0;
	for (size_t i = 0; i < certs->n_leftcert; i++) {
		size_t len;
		x509_der(certs->leftcert[i], &len);
		total += len;
	}
	if (certs->n_leftcert > CONF_LEFTCERT_MAX || total > CONF_LEFTCERT_BYTES) {
		diag_add(ld, file_of(cb, kc), line_of(cb, kc), "conn \"%s\": %s=%.100s holds %zu "
			 "certificates of %zu bytes: at most %d and %d bytes go in IKE_AUTH (peers "
			 "refuse more); leave out the root and CAs the peer has", c->name,
			 keys_name(kc), e->cert, certs->n_leftcert, total, CONF_LEFTCERT_MAX,
			 CONF_LEFTCERT_BYTES);
		return;
	}
	t = sig_pub_type(x509_pub(certs->leftcert[0]));
	if (!conf_sig_key_allowed(c, t)) {
		diag_add(ld, file_of(cb, kc), line_of(cb, kc), "conn \"%s\": %s=%.100s: %s key, which "
			 "authby= does not allow%s", c->name, keys_name(kc), e->cert,
			 t == SIG_KEY_RSA ? "an RSA" : t == SIG_KEY_OTHER ? "neither an RSA nor an ECDSA" :
			 "an ECDSA", t == SIG_KEY_OTHER ? "" : t == SIG_KEY_RSA ? " (add rsasig to it)" :
			 " (add ecdsa to it)");
		return;
	}
	validity(ld, cb, kc, certs->leftcert[0]);
	if (e->id_kind == ID_UNSET || e->id_kind == ID_FROMCERT)
		id_from_cert(ld, cb, kc, certs->leftcert[0], &c->leftid);
	else if (names(certs->leftcert[0], &c->leftid, why, sizeof(why)) < 0)
		diag_add(ld, file_of(cb, ki), line_of(cb, ki), "conn \"%s\": %sid=%s is not a name "
			 "%s=%.100s holds (%s): the peer would refuse it; leave %sid= out (the "
			 "certificate's subject) or give one of its names", c->name, side[me], c->leftid.text,
			 keys_name(kc), e->cert, why, side[me]);
	our_key(ld, cb, certs, me);
}

/* leftca= of this host's end: the CAs our certificate should lead to, for
 * the peer's sake (it checks our certificate against its rightca=). */
static void our_ca(struct loader *ld, struct conn_build *cb, const struct conf_certs *certs, int me)
{
	enum key_id k = KEY_LEFTCA + me;
	struct x509_cert **cas;
	size_t n;
	char why[400];

	if (!cb->set[k] || !certs->n_leftcert || load(ld, cb, k, cb->end[me].ca, &cas, &n) < 0)
		return;
	if (x509_verify(certs->leftcert[0], certs->leftcert + 1, certs->n_leftcert - 1, cas, n,
			time(NULL), why, sizeof(why)) < 0)
		diag_note(ld, CONF_WARNING, file_of(cb, k), line_of(cb, k), "conn \"%s\": %s=%.100s: "
			  "%s=%.100s does not lead to it now (%s); the peer checks it against its own CAs",
			  cb->c.name, keys_name(k), cb->end[me].ca, keys_name(KEY_LEFTCERT + me),
			  cb->end[me].cert, why);
	x509_list_free(cas, n);
}

/* The peer's CAs and pinned certificate; its ID from or against that. */
static void theirs(struct loader *ld, struct conn_build *cb, struct conf_certs *certs, int peer)
{
	struct conf_conn *c = &cb->c;
	const struct end_build *e = &cb->end[peer];
	enum key_id kc = KEY_LEFTCERT + peer, ka = KEY_LEFTCA + peer, ki = KEY_LEFTID + peer;
	struct x509_cert **list;
	size_t n;
	char why[400];

	if (e->id_kind == ID_GIVEN && c->rightid.type == CONF_ID_KEY_ID)
		diag_add(ld, file_of(cb, ki), line_of(cb, ki), "conn \"%s\": %sid=%s is a key ID, "
			 "which no certificate names: give the peer certificate's DN, one of its "
			 "subjectAltNames, or %%fromcert", c->name, side[peer], c->rightid.text);
	if (cb->set[ka])
		load(ld, cb, ka, e->ca, &certs->rightca, &certs->n_rightca);
	if (!cb->set[kc] || load(ld, cb, kc, e->cert, &list, &n) < 0)
		return;
	if (n != 1) {
		diag_add(ld, file_of(cb, kc), line_of(cb, kc), "conn \"%s\": %s=%.100s holds %zu "
			 "certificates: name the peer's own alone (the CAs it leads to go in %sca=)",
			 c->name, keys_name(kc), e->cert, n, side[peer]);
		x509_list_free(list, n);
		return;
	}
	certs->rightcert = list[0];
	free(list);
	validity(ld, cb, kc, certs->rightcert);
	if (e->id_kind == ID_UNSET)
		id_from_cert(ld, cb, kc, certs->rightcert, &c->rightid);
	else if (e->id_kind == ID_GIVEN && names(certs->rightcert, &c->rightid, why, sizeof(why)) < 0)
		diag_add(ld, file_of(cb, ki), line_of(cb, ki), "conn \"%s\": %sid=%s is not a name "
			 "%s=%.100s holds (%s): the peer could not prove it", c->name, side[peer],
			 c->rightid.text, keys_name(kc), e->cert, why);
}

/* What signatures need, and the keys that do not go with this end. */
static bool sig_needs(struct loader *ld, struct conn_build *cb, int me)
{
	const struct end_build *e = &cb->end[me];
	enum key_id a = KEY_AUTHBY;
	bool ok = true;

	if (e->id_kind == ID_ANY) {
		diag_add(ld, file_of(cb, KEY_LEFTID + me), line_of(cb, KEY_LEFTID + me),
			 "conn \"%s\": %sid=%%any is this host's end: its ID names it to the peer; leave "
			 "it out (the certificate's subject) or give one of the certificate's names",
			 cb->c.name, side[me]);
		ok = false;
	}
	if (!e->cert[0]) {
		diag_add(ld, file_of(cb, a), line_of(cb, a), "conn \"%s\": authby= signatures need "
			 "%scert= (this host's certificate, a PEM file; this host is %s)%s", cb->c.name,
			 side[me], side[me], e->id_kind == ID_FROMCERT ? "; %fromcert in its ID has none" : "");
		ok = false;
	}
	if (!cb->end[!me].cert[0] && !cb->end[!me].ca[0]) {
		diag_add(ld, file_of(cb, a), line_of(cb, a), "conn \"%s\": authby= signatures need "
			 "%sca= (the CA certificates the peer's must lead to) or %scert= (the peer's "
			 "certificate itself), PEM files%s", cb->c.name, side[!me], side[!me],
			 ld->files_elsewhere ? "; libreswan trusts every CA in its NSS database: export "
			 "the peer's (certutil -L -d sql:/var/lib/ipsec/nss -n CANICK -a > "
			 "/etc/mcvpn.d/ca.pem) and add rightca=/etc/mcvpn.d/ca.pem" : "");
		ok = false;
	}
	return ok;
}

void certs_finish(struct loader *ld, struct conn_build *cb)
{
	struct conf_conn *c = &cb->c;
	int me = cb->local;

	c->sendcert = cb->set[KEY_LEFTSENDCERT + me] ? cb->end[me].sendcert : CONF_SENDCERT_ALWAYS;
	if (!cb->oriented)
		return;		/* the ends' problems are reported */
	if (c->authby == CONF_AUTHBY_SECRET) {
		secret_conn(ld, cb);
		return;
	}
	if (!sig_needs(ld, cb, me) || ld->files_elsewhere)
		return;
	c->certs = calloc(1, sizeof(*c->certs));
	if (!c->certs) {
		diag_add(ld, c->file, c->line, "conn \"%s\": out of memory", c->name);
		return;
	}
	ours(ld, cb, c->certs, me);
	our_ca(ld, cb, c->certs, me);
	theirs(ld, cb, c->certs, !me);
}
