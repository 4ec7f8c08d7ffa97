/* SPDX-License-Identifier: Apache-2.0 */
/* libreswan conn file + ipsec.secrets + boot script -> one mcvpn.d drop-in
 * per conn.  The conn file is read with mcvpnd's own structure
 * (sections.c: includes, %default, also=); each key then goes through
 * import_rules.c (carried over, changed, dropped, refused) and, when it is
 * carried over, through keys_apply on a conn being built, so a value
 * mcvpnd would refuse is refused here with mcvpnd's own reason and the
 * line of the libreswan file.  libreswan's defaults that mcvpn does not
 * share (the subnets of an end without leftsubnet=, pfs=yes) are written
 * out.  The boot script's "ip addr add"/"ip route add ... dev IFACE" lines
 * become interface-ip= and routes= of the conn whose device is IFACE.
 * check_conn then runs every cross check on each conn, with a wildcard PSK
 * standing in for the secrets, on this host as --local says; a conn with
 * an error is not written, the others are (unless all_or_nothing).  The
 * secrets file is filtered to the lines that fit each conn.  Messages
 * never quote a PSK. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/import_priv.h"
#include "crypto/alg.h"
#include "crypto/secret.h"
#include "daemon/base/grow.h"

/* ---- growing arrays and messages ---- */

/* Takes text (NULL: out of memory), about conn cx->cur; a message already
 * given (a %default key, once per conn) is not repeated. */
static void msg_push(struct import_ctx *cx, enum import_level level, char *text)
{
	struct import_result *r = cx->out;

	for (size_t i = 0; text && i < r->n_msgs; i++)
		if (strcmp(r->msgs[i].text, text) == 0) {
			free(text);
			return;
		}
	if (!text || !grow_room((void **)&r->msgs, &cx->cap_msgs, r->n_msgs, sizeof(*r->msgs))) {
		free(text);
		cx->oom = true;
		return;
	}
	r->msgs[r->n_msgs++] = (struct import_msg){ .level = level, .text = text, .conn = cx->cur };
	r->n_errors += level == IMPORT_ERROR;
	r->n_warnings += level == IMPORT_WARNING;
}

/* The errors about conn (-1: about the files themselves). */
static size_t errors_of(const struct import_result *r, int conn)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_msgs; i++)
		n += r->msgs[i].level == IMPORT_ERROR && r->msgs[i].conn == conn;
	return n;
}

static const char *const level_word[] = {
	[IMPORT_NOTE] = "", [IMPORT_WARNING] = "warning: ", [IMPORT_ERROR] = "error: ",
};

void import_msg(struct import_ctx *cx, enum import_level level, const char *file, int line,
		const char *fmt, ...)
{
	char text[1024], loc[300];
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(loc, sizeof(loc), "%s:%d: ", file, line);
	else
		snprintf(loc, sizeof(loc), "%s: ", file);
	if (asprintf(&s, "%s%s%s", loc, level_word[level], text) < 0)
		s = NULL;
	msg_push(cx, level, s);
}

/* Length of the "FILE:LINE: " or "FILE: " that starts d, 0 if none. */
static size_t location_len(const char *d, const char *file)
{
	size_t n = file ? strlen(file) : 0, digits;
	const char *p = d + n;

	if (!n || strncmp(d, file, n) != 0 || *p++ != ':')
		return 0;
	digits = strspn(p, "0123456789");
	if (digits && p[digits] == ':')
		p += digits + 1;
	return *p == ' ' ? (size_t)(p + 1 - d) : 0;
}

/* One of mcvpnd's "FILE:LINE: reason" as "FILE:LINE: LEVELWORDreason". */
static void push_diag(struct import_ctx *cx, enum import_level level, const char *word, const char *d)
{
	const struct import_file *files[] = { &cx->in->conf, &cx->in->script, &cx->in->secrets };
	size_t at = 0;
	char *s = NULL;

	for (size_t f = 0; f < 3 && !at; f++)
		at = location_len(d, files[f]->name);
	for (size_t f = 0; f < cx->files.n && !at; f++)
		at = location_len(d, cx->files.f[f]->path);
	if (asprintf(&s, "%.*s%s%s%s", (int)at, d, level_word[level], word, d + at) < 0)
		s = NULL;
	msg_push(cx, level, s);
}

/* cx->diag's notes (already "FILE:LINE: note: ..."), about conn cx->cur. */
static void move_notes(struct import_ctx *cx)
{
	for (size_t i = 0; i < cx->diag.n_notes; i++) {
		char *s = strdup(cx->diag.notes[i]);

		msg_push(cx, strstr(s ? s : "", ": warning: ") ? IMPORT_WARNING : IMPORT_NOTE, s);
	}
}

void import_diag_move(struct import_ctx *cx, enum import_level level, const char *word)
{
	for (size_t i = 0; i < cx->diag.n; i++)
		push_diag(cx, level, word, cx->diag.msgs[i]);
	move_notes(cx);
	conf_diag_free(&cx->diag);
}

/* The problems of reading and flattening: each about the conn whose range
 * of messages holds it (tag[] of the conn's place in cx->conns), the rest
 * about the files; those of conns left out (--conn) dropped. */
static void diag_move_tagged(struct import_ctx *cx, const struct cf_conns *flat, const int *place)
{
	int saved = cx->cur;

	for (size_t j = 0; j < cx->diag.n; j++) {
		bool drop = false;

		cx->cur = -1;
		for (size_t i = 0; i < flat->n; i++)
			if (j >= flat->c[i].first_msg && j < flat->c[i].first_msg + flat->c[i].n_msgs) {
				cx->cur = place[i];
				drop = place[i] < 0;
			}
		if (!drop)
			push_diag(cx, IMPORT_ERROR, "", cx->diag.msgs[j]);
	}
	cx->cur = -1;
	move_notes(cx);
	conf_diag_free(&cx->diag);
	cx->cur = saved;
}

/* Appends "a" or "a b" to buf, space separated. */
void import_append(char *buf, size_t cap, const char *a, const char *b)
{
	size_t n = strlen(buf);

	snprintf(buf + n, cap - n, "%s%s%s%s", n ? " " : "", a, b ? " " : "", b ? b : "");
}

void import_format_lines(FILE *f, const int *l, size_t n)
{
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && l[j] == l[j - 1] + 1; j++)
			;
		if (j - i > 1)
			fprintf(f, "%s%d-%d", i ? ", " : "", l[i], l[j - 1]);
		else
			fprintf(f, "%s%d", i ? ", " : "", l[i]);
	}
}

/* ---- reading the conn file ---- */

/* mcvpn's conn names; a leading '.' would hide NAME.conf from mcvpnd. */
static bool conn_name_ok(const char *name)
{
	return name[0] != '.';
}

static void ikey_add(struct import_ctx *cx, struct iconn *ic, const struct cf_ref *r)
{
	struct ikey *k;

	if (!grow_room((void **)&ic->keys, &ic->cap_keys, ic->n_keys, sizeof(*k))) {
		cx->oom = true;
		return;
	}
	k = &ic->keys[ic->n_keys];
	memset(k, 0, sizeof(*k));
	snprintf(k->key, sizeof(k->key), "%s", r->k->key);
	k->value = strdup(r->k->value);
	k->file = r->k->file;
	k->line = r->k->line;
	k->inherited = r->origin != CF_OWN;
	if (!k->value)
		cx->oom = true;
	else
		ic->n_keys++;
}

/* Why a config setup key is not carried over. */
static const char *setup_reason(const char *key)
{
	const char *why = setup_libreswan_why(key);

	return why ? why : "not a libreswan key mcvpn knows";
}

static void setup_notes(struct import_ctx *cx, const struct cf_unit *u)
{
	char v[100];

	for (size_t i = 0; i < u->n_keys; i++) {
		const struct cf_key *k = &u->keys[i];

		if (u->secs[k->sec].kind == CF_SETUP)
			import_msg(cx, IMPORT_NOTE, k->file, k->line, "config setup: %s=%s: dropped: %s",
				   k->key, import_shown(k->value, v, sizeof(v)), setup_reason(k->key));
	}
}

/* The set of files an include may name: the given ones, and (include_fs)
 * the file system. */
static struct cfile *files_setup(struct import_ctx *cx)
{
	const struct import_input *in = cx->in;
	struct cfile *conf;

	cx->files.fs = in->include_fs;
	conf = files_add(&cx->files, in->conf.name, in->conf.text, in->conf.len, CONF_FILE_CONF);
	if (in->secrets.text &&
	    !files_add(&cx->files, in->secrets.name, in->secrets.text, in->secrets.len, CONF_FILE_SECRETS))
		conf = NULL;
	for (size_t i = 0; i < in->n_more; i++)
		if (!files_add(&cx->files, in->more[i].name, in->more[i].text, in->more[i].len,
			       CONF_FILE_INCLUDED))
			conf = NULL;
	cx->oom |= !conf;
	cx->ld.files = &cx->files;
	return conf;
}

/* The conn file's sections (includes, %default, also= resolved) -> cx->conns. */
static void read_conns(struct import_ctx *cx)
{
	struct cf_unit u = { 0 };
	struct cf_conns flat = { 0 };
	struct cfile *f = files_setup(cx);
	int *place;

	if (!f)
		return;
	cf_read(&cx->ld, f, &u);
	cf_flatten(&cx->ld, &u, &flat);
	setup_notes(cx, &u);
	cx->conns = calloc(flat.n + 1, sizeof(*cx->conns));
	place = calloc(flat.n + 1, sizeof(*place));
	cx->oom |= !cx->conns || !place;
	for (size_t i = 0; cx->conns && place && i < flat.n; i++) {
		struct iconn *ic;
		const struct cf_section *sec = flat.c[i].sec;

		place[i] = -1;
		if (cx->in->only_conn && strcmp(sec->name, cx->in->only_conn) != 0)
			continue;
		place[i] = (int)cx->n_conns;
		ic = &cx->conns[cx->n_conns++];
		snprintf(ic->name, sizeof(ic->name), "%s", sec->name);
		ic->file = sec->file;
		ic->line = sec->line;
		for (size_t k = 0; k < flat.c[i].n_refs; k++) {
			const char *key = flat.c[i].refs[k].k->key;

			ikey_add(cx, ic, &flat.c[i].refs[k]);
			ic->had_device |= !strcmp(key, "vti-interface") || !strcmp(key, "ipsec-interface");
		}
	}
	if (place)
		diag_move_tagged(cx, &flat, place);
	for (size_t i = 0; i < cx->n_conns; i++) {
		cx->cur = (int)i;
		if (!conn_name_ok(cx->conns[i].name))
			import_msg(cx, IMPORT_ERROR, cx->conns[i].file, cx->conns[i].line,
				   "conn name '%.80s': mcvpn takes 1 to 63 letters, digits, '-', '_', '.' or '+', "
				   "not starting with '.' (the name becomes the file name)", cx->conns[i].name);
		cx->cur = -1;
	}
	if (!cx->n_conns && cx->in->only_conn && flat.n)
		import_msg(cx, IMPORT_ERROR, f->path, 0, "no conn %s in the file (--conn)", cx->in->only_conn);
	else if (!cx->n_conns && !cx->out->n_errors)
		import_msg(cx, IMPORT_ERROR, f->path, 0,
			   "no conn in the file (expected a line 'conn NAME' at column 0)");
	free(place);
	cf_conns_free(&flat);
	cf_unit_free(&u);
}

/* ---- keys: carried over, dropped, changed or refused ---- */

/* True when mcvpn's key table knows key (applying it sets a flag of a scratch conn). */
static bool mcvpn_knows(const char *key)
{
	struct conn_build *probe = calloc(1, sizeof(*probe));
	struct loader scratch = { 0 };
	bool known = false;

	if (!probe)
		return true;	/* keys_apply will then say what is wrong */
	keys_defaults(probe);
	keys_apply(&scratch, probe, "-", 1, key, "x");
	for (size_t i = 0; i < KEY_COUNT; i++)
		known |= probe->set[i];
	free(probe);
	return known;
}

void import_apply(struct import_ctx *cx, struct conn_build *cb, const char *file, int line,
		  const char *key, const char *value)
{
	keys_apply(&cx->ld, cb, file, line, key, value);
	import_diag_move(cx, IMPORT_ERROR, "");
}

static void convert_key(struct import_ctx *cx, struct iconn *ic, struct conn_build *cb,
			struct ikey *k)
{
	const struct import_rule *r = import_rule_for(k->key, k->value, mcvpn_knows(k->key));
	static const enum import_level level[] = {
		[IA_CHANGE] = IMPORT_NOTE, [IA_DROP] = IMPORT_NOTE, [IA_WARN] = IMPORT_WARNING,
		[IA_REFUSE] = IMPORT_ERROR, [IA_KEEP] = IMPORT_NOTE,
	};
	char *to, v[100];

	if (r && r->act == IA_KEEP) {
		import_msg(cx, IMPORT_NOTE, k->file, k->line, "%s=%s: carried over: %s", k->key,
			   import_shown(k->value, v, sizeof(v)), r->why);
		r = NULL;
	} else if (r && r->act != IA_CHANGE) {
		import_msg(cx, level[r->act], k->file, k->line, "%s=%s: %s%s", k->key,
			   import_shown(k->value, v, sizeof(v)), r->act == IA_REFUSE ? "" : "dropped: ", r->why);
		k->key[0] = '\0';
		ic->n[1]++;
		return;
	}
	if (r) {
		import_msg(cx, IMPORT_NOTE, k->file, k->line, "%s=%s: changed to %s: %s", k->key,
			   import_shown(k->value, v, sizeof(v)), r->to, r->why);
		if ((!strcmp(k->key, "leftcert") || !strcmp(k->key, "rightcert")) &&
		    import_cert_nickname(k->value))
			snprintf(ic->nick[k->key[0] == 'r'], sizeof(ic->nick[0]), "%s", k->value);
		if ((to = strdup(r->to))) {
			free(k->value);
			k->value = to;
		} else {
			cx->oom = true;
		}
	}
	ic->n[r ? 2 : 0]++;
	import_apply(cx, cb, k->file, k->line, k->key, k->value);
}

/* A key that libreswan's defaults imply and mcvpn's do not, appended to ic. */
static void key_add(struct import_ctx *cx, struct iconn *ic, struct conn_build *cb, const char *key,
		    const char *value, const char *why)
{
	struct ikey *k;

	if (!grow_room((void **)&ic->keys, &ic->cap_keys, ic->n_keys, sizeof(*k))) {
		cx->oom = true;
		return;
	}
	k = &ic->keys[ic->n_keys];
	memset(k, 0, sizeof(*k));
	snprintf(k->key, sizeof(k->key), "%s", key);
	k->value = strdup(value);
	k->file = ic->file;
	k->line = ic->line;
	k->added = true;
	if (!k->value) {
		cx->oom = true;
		return;
	}
	ic->n_keys++;
	ic->n[2]++;
	import_msg(cx, IMPORT_NOTE, ic->file, ic->line, "conn \"%s\": %s=%s added: %s", ic->name, key,
		   value, why);
	import_apply(cx, cb, ic->file, ic->line, key, value);
}

/* libreswan's selectors of an end without leftsubnet= are the end's own
 * address; mcvpn's default would be 0.0.0.0/0, much wider. */
static void implied_subnets(struct import_ctx *cx, struct iconn *ic, struct conn_build *cb)
{
	static const char *const side[2] = { "left", "right" };

	for (int i = 0; i < 2; i++) {
		const struct end_build *e = &cb->end[i];
		char key[16], value[80];
		struct conf_id id;

		if (cb->set[KEY_LEFTSUBNET + i] || cb->set[KEY_LEFTSUBNETS + i] || e->kind == END_UNSET)
			continue;
		if (e->kind == END_DEFAULTROUTE) {
			import_msg(cx, IMPORT_ERROR, ic->file, ic->line,
				   "conn \"%s\": no %ssubnet= at the %%defaultroute end: libreswan's selector "
				   "is that end's address, which mcvpn can only take written out: add "
				   "%ssubnet=ADDRESS/32 (or the networks meant)", ic->name, side[i], side[i]);
			continue;
		}
		id_from_addr(&e->addr, &id);
		snprintf(key, sizeof(key), "%ssubnet", side[i]);
		snprintf(value, sizeof(value), "%.63s/%d", id.text, id.type == CONF_ID_IPV4 ? 32 : 128);
		key_add(cx, ic, cb, key, value, "libreswan's selector for an end without one is its own "
			"address (mcvpn's would be the whole address family)");
	}
}

/* libreswan's leftsubnets= x rightsubnets= are one Child SA per pair;
 * mcvpn's is one Child SA for all of them, the same selectors. */
static void warn_pairs(struct import_ctx *cx, const struct iconn *ic, const struct conn_build *cb)
{
	size_t pairs = cb->end[0].n_subnet * cb->end[1].n_subnet;
	enum key_id k = cb->set[KEY_LEFTSUBNETS] ? KEY_LEFTSUBNETS : KEY_RIGHTSUBNETS;

	if ((cb->set[KEY_LEFTSUBNETS] || cb->set[KEY_RIGHTSUBNETS]) && pairs > 1)
		import_msg(cx, IMPORT_WARNING, cb->key_file[k], cb->key_line[k],
			   "conn \"%s\": the %zu pairs of leftsubnets=/rightsubnets= travel in one Child SA "
			   "of mcvpn (the same selectors); a libreswan peer negotiates one Child SA per pair, "
			   "of which mcvpn takes the first and refuses the others: import the peer's side "
			   "too", ic->name, pairs);
}

/* libreswan's pfs= is yes: a Child SA's key exchange in the IKE SA's group. */
static void implied_pfs(struct import_ctx *cx, struct iconn *ic, struct conn_build *cb)
{
	bool lacking = !cb->set[KEY_ESP];

	for (size_t i = 0; i < cb->c.n_esp; i++)
		lacking |= cb->c.esp[i].dh == DH_NONE;
	if (!cb->set[KEY_PFS] && lacking)
		key_add(cx, ic, cb, "pfs", "yes", "libreswan's default (rekeyed Child SAs get a key "
			"exchange in the IKE SA's group); mcvpn's is no");
}

/* libreswan's authby= default is rsasig,ecdsa; mcvpn's is secret: a conn
 * with certificates and no authby= gets libreswan's written out. */
static void implied_authby(struct import_ctx *cx, struct iconn *ic, struct conn_build *cb)
{
	int peer = !ends_local(cx->in->local ? &cx->host : NULL, cb);

	if (!cb->set[KEY_AUTHBY] && (cb->set[KEY_LEFTCERT] || cb->set[KEY_RIGHTCERT]))
		key_add(cx, ic, cb, "authby", "rsasig,ecdsa", "libreswan's default with certificates; "
			"mcvpn's is secret");
	/* libreswan trusts every CA of its NSS database; mcvpn the peer's rightca= */
	if (cb->c.authby == CONF_AUTHBY_SIG && cb->set[KEY_LEFTCERT + !peer] &&
	    !cb->set[KEY_LEFTCA + peer] && !cb->set[KEY_LEFTCERT + peer])
		key_add(cx, ic, cb, peer ? "rightca" : "leftca", "/etc/mcvpn.d/ca.pem",
			"libreswan trusts every CA in its NSS database, mcvpn the ones in this file: "
			"export the CA of the peer's certificate with certutil -L -d "
			"sql:/var/lib/ipsec/nss -n CANICK -a > /etc/mcvpn.d/ca.pem");
}

/* libreswan turns ESN off with replay-window=0 (its esn= default is
 * either, as mcvpn's): say esn=no where that happened.  replay_off is
 * read before the keys are converted (replay-window= is dropped then). */
static void implied_esn(struct import_ctx *cx, struct iconn *ic, struct conn_build *cb,
			bool replay_off)
{
	if (replay_off && !cb->set[KEY_ESN])
		key_add(cx, ic, cb, "esn", "no", "libreswan uses no ESN with replay-window=0 (mcvpn "
			"keeps its replay window; with esn=no it negotiates what libreswan did)");
}

static bool replay_window_off(const struct iconn *ic)
{
	bool off = false;

	for (size_t k = 0; k < ic->n_keys; k++)	/* the last one written counts */
		if (strcmp(ic->keys[k].key, "replay-window") == 0)
			off = strcmp(ic->keys[k].value, "0") == 0;
	return off;
}

/* --local ADDR must be one of the conn's ends, or stand for its %defaultroute. */
static void check_local(struct import_ctx *cx, const struct iconn *ic, const struct conn_build *cb)
{
	const struct end_build *e = cb->end;

	if (!cx->in->local || e[0].kind == END_UNSET || e[1].kind == END_UNSET)
		return;
	if (host_has_addr(&cx->host, &e[0].addr) || host_has_addr(&cx->host, &e[1].addr) ||
	    e[0].kind == END_DEFAULTROUTE || e[1].kind == END_DEFAULTROUTE)
		return;
	import_msg(cx, IMPORT_ERROR, ic->file, ic->line,
		   "conn \"%s\": --local %s is neither its left= nor its right=", ic->name, cx->in->local);
}

/* ---- entry points ---- */

/* A PSK entry that fits every conn, so that check_all checks all but the secrets. */
static bool wildcard_psk(struct loader *ld)
{
	ld->psks = calloc(1, sizeof(*ld->psks));
	if (!ld->psks || !(ld->psks[0].psk = secret_dup("x", 1)))
		return false;
	ld->psks[0].any_written = true;
	ld->n_psks = ld->cap_psks = 1;
	return true;
}

/* Conn i as mcvpnd would build it: its keys, libreswan's implied ones. */
static void convert_conn(struct import_ctx *cx, size_t i)
{
	struct conn_build *cb = &cx->ld.conns[i];
	struct iconn *ic = &cx->conns[i];
	bool replay_off = replay_window_off(ic);

	cx->cur = (int)i;
	keys_defaults(cb);
	snprintf(cb->c.name, sizeof(cb->c.name), "%s", ic->name);
	snprintf(cb->c.file, sizeof(cb->c.file), "%s", ic->file);
	cb->c.line = ic->line;
	for (size_t k = 0; k < ic->n_keys; k++)
		convert_key(cx, ic, cb, &ic->keys[k]);
	implied_subnets(cx, ic, cb);
	implied_pfs(cx, ic, cb);
	implied_esn(cx, ic, cb, replay_off);
	implied_authby(cx, ic, cb);
	warn_pairs(cx, ic, cb);
	check_local(cx, ic, cb);
	ends_device_name(&cx->ld, cb);
	import_diag_move(cx, IMPORT_ERROR, "");
	cx->cur = -1;
}

/* The secrets file parsed, then the files of each conn with no error. */
static void finish_all(struct import_ctx *cx)
{
	const struct import_file *s = &cx->in->secrets;
	struct loader sl = { .diag = &cx->diag, .files = &cx->files, .files_elsewhere = true };

	if (s->text && files_find(&cx->files, s->name))
		secrets_read(&sl, files_find(&cx->files, s->name));
	import_diag_move(cx, IMPORT_NOTE, "line skipped: ");
	for (size_t i = 0; i < cx->n_conns; i++) {
		struct import_conn *oc = &cx->out->conns[i];

		snprintf(oc->name, sizeof(oc->name), "%s", cx->conns[i].name);
		snprintf(oc->vti_interface, sizeof(oc->vti_interface), "%s", cx->ld.conns[i].c.vti_interface);
		oc->libreswan_device = cx->conns[i].had_device;
		cx->cur = (int)i;
		if (!errors_of(cx->out, (int)i))
			import_finish_conn(cx, i, &sl);
		oc->refused = errors_of(cx->out, (int)i) > 0;
		cx->cur = -1;
	}
	for (size_t i = 0; i < sl.n_psks; i++)
		secret_free(sl.psks[i].psk);
	free(sl.psks);
	privkey_free_all(&sl);
}

static void convert_all(struct import_ctx *cx)
{
	for (size_t i = 0; i < cx->n_conns; i++)
		convert_conn(cx, i);
	import_script_read(cx);	/* now that the devices are known */
	for (size_t i = 0; i < cx->n_conns; i++) {
		cx->cur = (int)i;
		import_script_conn(cx, &cx->conns[i], &cx->ld.conns[i]);
	}
	cx->cur = -1;
	import_script_others(cx);
	for (size_t i = 0; i < cx->n_conns; i++) {
		cx->cur = (int)i;
		check_conn(&cx->ld, i);
		import_diag_move(cx, IMPORT_ERROR, "");
	}
	cx->cur = -1;
	if (!cx->oom)
		finish_all(cx);
}

/* --local ADDR: this host, with that address alone. */
static bool local_setup(struct import_ctx *cx)
{
	const char *expect;

	if (!cx->in->local)
		return true;
	if (addr_parse(cx->in->local, &cx->local.addr, &expect) < 0) {
		import_msg(cx, IMPORT_ERROR, "--local", 0, "%s: expected %s", cx->in->local, expect);
		return false;
	}
	cx->host = (struct conf_host){ .addrs = &cx->local, .n_addrs = 1 };
	cx->ld.host = &cx->host;
	return true;
}

/* Conns refused: none written with all_or_nothing (or an error in the
 * files themselves); otherwise a line saying which are not. */
static int verdict(struct import_ctx *cx)
{
	struct import_result *r = cx->out;
	size_t refused = 0;

	for (size_t i = 0; i < r->n_conns; i++)
		refused += r->conns[i].refused;
	if (cx->oom || errors_of(r, -1) || !r->n_conns || refused == r->n_conns ||
	    (refused && cx->in->all_or_nothing))
		return -1;
	for (size_t i = 0; i < r->n_conns; i++)
		if (r->conns[i].refused)
			import_msg(cx, IMPORT_WARNING, cx->conns[i].file, cx->conns[i].line,
				   "conn \"%s\" not written: %zu error%s above (the other conns are; "
				   "--all-or-nothing writes none)", cx->conns[i].name, errors_of(r, (int)i),
				   errors_of(r, (int)i) == 1 ? "" : "s");
	r->n_written = r->n_conns - refused;
	return 0;
}

static void iconn_free(struct iconn *ic)
{
	for (size_t k = 0; k < ic->n_keys; k++)
		free(ic->keys[k].value);
	free(ic->keys);
	free(ic->taken);
}

static void ctx_free(struct import_ctx *cx)
{
	for (size_t i = 0; i < cx->n_conns; i++)
		iconn_free(&cx->conns[i]);
	free(cx->conns);
	free(cx->slines);
	for (size_t i = 0; i < cx->ld.n_conns; i++) {
		secret_free(cx->ld.conns[i].c.psk);
		conf_certs_free(cx->ld.conns[i].c.certs);
	}
	free(cx->ld.conns);
	for (size_t i = 0; i < cx->ld.n_psks; i++)
		secret_free(cx->ld.psks[i].psk);
	free(cx->ld.psks);
	privkey_free_all(&cx->ld);
	conf_diag_free(&cx->diag);
	files_free(&cx->files);
}

static int int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Every script line that some conn took over, as "3-5, 7"; NULL on ENOMEM. */
static char *all_taken(const struct import_ctx *cx)
{
	size_t n = 0, u = 0, len = 0;
	char *out = NULL;
	int *l;
	FILE *m;

	for (size_t i = 0; i < cx->n_conns; i++)
		n += cx->conns[i].n_taken;
	l = malloc((n ? n : 1) * sizeof(*l));
	if (!l)
		return NULL;
	n = 0;
	for (size_t i = 0; i < cx->n_conns; i++)
		for (size_t k = 0; k < cx->conns[i].n_taken; k++)
			l[n++] = cx->conns[i].taken[k];
	qsort(l, n, sizeof(l[0]), int_cmp);
	for (size_t i = 0; i < n; i++)
		if (!u || l[u - 1] != l[i])
			l[u++] = l[i];
	m = open_memstream(&out, &len);
	if (m) {
		import_format_lines(m, l, u);
		if (fclose(m) != 0) {
			free(out);
			out = NULL;
		}
	}
	free(l);
	return out;
}

int import_libreswan(const struct import_input *in, struct import_result *out)
{
	struct import_ctx cx = { .in = in, .out = out, .cur = -1 };
	int r;

	memset(out, 0, sizeof(*out));
	cx.ld.diag = &cx.diag;
	cx.ld.files_elsewhere = true;	/* certificates: written for this host later */
	if (local_setup(&cx))
		read_conns(&cx);
	if (cx.n_conns && !cx.oom && !errors_of(out, -1)) {
		out->conns = calloc(cx.n_conns, sizeof(*out->conns));
		cx.ld.conns = calloc(cx.n_conns, sizeof(*cx.ld.conns));
		cx.oom = !out->conns || !cx.ld.conns || !wildcard_psk(&cx.ld);
		if (!cx.oom) {
			out->n_conns = cx.ld.n_conns = cx.ld.cap_conns = cx.n_conns;
			convert_all(&cx);
		}
	}
	out->script_taken = all_taken(&cx);
	if (cx.oom || !out->script_taken)
		import_msg(&cx, IMPORT_ERROR, "mcvpnctl", 0, "out of memory");
	r = out->conns ? verdict(&cx) : -1;
	ctx_free(&cx);
	return r;
}

void import_result_free(struct import_result *out)
{
	if (!out)
		return;
	for (size_t i = 0; i < out->n_conns; i++) {
		free(out->conns[i].conf);
		if (out->conns[i].secrets)
			secret_wipe(out->conns[i].secrets, strlen(out->conns[i].secrets));
		free(out->conns[i].secrets);
		free(out->conns[i].summary);
	}
	free(out->conns);
	for (size_t i = 0; i < out->n_msgs; i++)
		free(out->msgs[i].text);
	free(out->msgs);
	free(out->script_taken);
	memset(out, 0, sizeof(*out));
}

