/* SPDX-License-Identifier: Apache-2.0 */
/* What an import writes for each conn that passed: NAME.conf (the keys as
 * carried over, libreswan's defaults that mcvpn does not share written
 * out, the boot script's address and routes), NAME.secrets (see
 * import_secrets.c) and a one-line summary; then the result is read back
 * as mcvpnd will read it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/import_priv.h"
#include "crypto/secret.h"

const char *import_shown(const char *v, char *buf, size_t cap)
{
	snprintf(buf, cap, strpbrk(v, " \t#") ? "\"%.80s\"" : "%.80s", v);
	return buf;
}

static char *conf_text(struct import_ctx *cx, const struct iconn *ic)
{
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	if (!m) {
		cx->oom = true;
		return NULL;
	}
	fprintf(m, "# Imported by mcvpnctl import-libreswan from %s (conn %s)", cx->in->conf.name,
		ic->name);
	if (ic->n_taken)
		fprintf(m, "\n# and %s line%s ", cx->in->script.name, ic->n_taken > 1 ? "s" : "");
	import_format_lines(m, ic->taken, ic->n_taken);
	fprintf(m, ".\nconn %s\n", ic->name);
	for (size_t i = 0; i < ic->n_keys; i++)
		if (ic->keys[i].key[0])
			fprintf(m, strpbrk(ic->keys[i].value, "# \t") ? "    %s=\"%s\"\n" : "    %s=%s\n",
				ic->keys[i].key, ic->keys[i].value);
	if (ic->addr[0])
		fprintf(m, "    interface-ip=%s\n", ic->addr);
	for (size_t i = 0; i < ic->n_routes; i++)
		fprintf(m, "%s%s", i ? "," : "    routes=", ic->routes[i]);
	fputs(ic->n_routes ? "\n" : "", m);
	if (ic->metric.applied)
		fprintf(m, "    route-metric=%s\n", ic->metric.value);
	if (ic->table.applied)
		fprintf(m, "    route-table=%s\n", ic->table.value);
	if (ic->mss[0])
		fprintf(m, "    mss-clamp=%s\n", ic->mss);
	if (fclose(m) != 0) {
		free(out);
		cx->oom = true;
		return NULL;
	}
	return out;
}

/* "this host is left=10.3.1.200 (--local)" for the summary. */
static void this_host(FILE *m, const struct import_ctx *cx, const struct conn_build *cb)
{
	int local = ends_local(cx->in->local ? &cx->host : NULL, cb);
	char a[64] = "%defaultroute";
	struct conf_id id;

	if (cb->end[local].kind == END_IP) {
		id_from_addr(&cb->end[local].addr, &id);
		snprintf(a, sizeof(a), "%.63s", id.text);
	}
	fprintf(m, "this host is %s=%s", local ? "right" : "left", a);
	if (cx->in->local || cb->end[local].kind != END_DEFAULTROUTE)
		fprintf(m, " (%s)", cx->in->local ? "--local" : "taken as left; --local ADDR says otherwise");
}

static char *summary(struct import_ctx *cx, size_t i, const char *auth)
{
	const struct iconn *ic = &cx->conns[i];
	const struct conf_conn *c = &cx->ld.conns[i].c;
	char *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	if (!m) {
		cx->oom = true;
		return NULL;
	}
	fprintf(m, "conn \"%s\": ", ic->name);
	this_host(m, cx, &cx->ld.conns[i]);
	fprintf(m, "; %zu key%s carried over, %zu dropped, %zu changed", ic->n[0],
		ic->n[0] == 1 ? "" : "s", ic->n[1], ic->n[2]);
	if (!ic->had_device)
		fprintf(m, "; policy-based in libreswan: tunnel device %s made for it", c->vti_interface);
	if (ic->addr[0] || ic->n_routes || ic->mss[0]) {
		fprintf(m, "; %s%s%s%zu route%s%s%s from %s line%s ", ic->addr[0] ? "interface-ip=" : "",
			ic->addr, ic->addr[0] ? (ic->mss[0] ? ", " : " and ") : "", ic->n_routes,
			ic->n_routes == 1 ? "" : "s", ic->mss[0] ? " and mss-clamp=" : "", ic->mss,
			cx->in->script.name, ic->n_taken > 1 ? "s" : "");
		import_format_lines(m, ic->taken, ic->n_taken);
	} else if (cx->in->script.text) {
		fprintf(m, "; nothing from %s", cx->in->script.name);
	}
	fprintf(m, "; %s", auth);
	if (fclose(m) != 0) {
		free(out);
		cx->oom = true;
		return NULL;
	}
	return out;
}

/* The output read back as mcvpnd will read it, on this host as --local
 * says (a wildcard PSK when none matched): what it refuses is a bug of
 * this importer, and said so. */
static void self_check(struct import_ctx *cx, const struct import_conn *oc)
{
	struct conf_diag d = { 0 };
	struct conf *c = NULL;
	char name[80];
	struct conf_file f[2] = {
		{ name, oc->conf, CONF_FILE_CONF },
		{ "check.secrets", oc->secrets ? oc->secrets : ": PSK \"x\"\n", CONF_FILE_SECRETS },
	};

	snprintf(name, sizeof(name), "%s.conf", oc->name);
	/* the certificate and key files are exported later, elsewhere */
	if (load_files(f, 2, cx->in->local ? &cx->host : NULL, true, &c, &d) != 0) {
		import_msg(cx, IMPORT_ERROR, "mcvpnctl", 0, "internal error: the output does not load");
		for (size_t i = 0; i < d.n; i++)
			import_msg(cx, IMPORT_ERROR, "mcvpnctl", 0, "%s", d.msgs[i]);
	}
	conf_free(c);
	conf_diag_free(&d);
}

static bool routes_something(const struct conf_conn *c)
{
	for (size_t i = 0; c->vti_routing && i < c->n_rightsubnet; i++)
		if (c->rightsubnet[i].len > 0)
			return true;
	return c->n_routes > 0;
}

/* NAME.secrets of a conn with certificates: the line that names this
 * host's private key, exported from libreswan's NSS database as the note
 * says; NULL (a warning) when leftcert= was a file already. */
static char *key_secrets(struct import_ctx *cx, size_t i, char *auth, size_t len)
{
	const struct iconn *ic = &cx->conns[i];
	const struct conn_build *cb = &cx->ld.conns[i];
	const char *nick = ic->nick[cb->local], *side = cb->local ? "right" : "left";
	const char *type = cb->c.sig_keys == CONF_SIGKEY_ECDSA ? "ECDSA" : "RSA";
	char *out = NULL, file[128];

	if (!nick[0]) {
		import_msg(cx, IMPORT_WARNING, ic->file, ic->line, "conn \"%s\": %s.secrets not written: "
			   "name the private key of %scert=%s in it (mode 0600): : %s /path/to/its-key.pem",
			   ic->name, ic->name, side, cb->end[cb->local].cert, type);
		snprintf(auth, len, "no private key");
		return NULL;
	}
	import_nick_file(nick, file, sizeof(file));
	/* Commands that ask nothing: without a terminal pk12util -o fails
	 * quietly (exit 0, NSS 3.87) and openssl pkcs12 stops; the empty
	 * password leaves the key plain in NICK.p12 for a moment, so umask
	 * 077 (which also makes the .key 0600) and rm -f whatever happened. */
	import_msg(cx, IMPORT_NOTE, ic->file, ic->line, "conn \"%s\": the private key of %scert=%s "
		   "stays in libreswan's NSS database: export it with (umask 077 && pk12util -o %s.p12 "
		   "-n '%s' -d sql:/var/lib/ipsec/nss -W '' && openssl pkcs12 -in %s.p12 -passin pass: "
		   "-nocerts -nodes -out /etc/mcvpn.d/%s.key); rm -f %s.p12 (%s.secrets names it)",
		   ic->name, side, nick, file, nick, file, file, file, ic->name);
	if (asprintf(&out, "# Imported by mcvpnctl import-libreswan (conn %s): the key of %s.pem.\n"
		     ": %s /etc/mcvpn.d/%s.key\n", ic->name, file, type, file) < 0) {
		cx->oom = true;
		out = NULL;
	}
	snprintf(auth, len, "private key /etc/mcvpn.d/%s.key (to export)", file);
	return out;
}

void import_finish_conn(struct import_ctx *cx, size_t i, const struct loader *sl)
{
	const struct iconn *ic = &cx->conns[i];
	const struct conf_conn *c = &cx->ld.conns[i].c;
	struct import_conn *oc = &cx->out->conns[i];
	char where[TEXT_MAX] = "", auth[TEXT_MAX + 200];

	oc->conf = conf_text(cx, ic);
	if (c->authby == CONF_AUTHBY_SIG) {
		oc->secrets = key_secrets(cx, i, auth, sizeof(auth));
	} else {
		oc->secrets = import_secrets_for(cx, sl, &cx->ld.conns[i], where, sizeof(where));
		if (oc->secrets)
			snprintf(auth, sizeof(auth), "PSK from %s %s", cx->in->secrets.name, where);
		else
			snprintf(auth, sizeof(auth), "no PSK");
	}
	if (!routes_something(c))
		import_msg(cx, IMPORT_WARNING, ic->file, ic->line,
			   "conn \"%s\" routes nothing into %s: %s",
			   ic->name, c->vti_interface, cx->in->script.text ?
			   "the boot script has no 'ip route add ... dev' line for it; add routes=" :
			   "give the boot script with --boot-script, or add routes=");
	oc->summary = summary(cx, i, auth);
	if (oc->conf)
		self_check(cx, oc);
}
