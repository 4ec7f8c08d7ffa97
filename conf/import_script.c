/* SPDX-License-Identifier: Apache-2.0 */
/* The boot script that set up the VTI device, as far as it concerns the
 * devices: "ip addr add A dev D" and "ip route add P [nexthop] dev D" (with
 * sudo or not, abbreviated as ip allows: "ip a add", "ip r add") become
 * interface-ip= and routes= of the conn whose vti-interface is D, the
 * routes' metric and table (when all agree) route-metric= and
 * route-table=, an iptables TCPMSS rule for D mss-clamp=; "ip link set D
 * up|mtu N", "ip link add D type vti" and the XFRM sysctls of D are what
 * mcvpnd does itself now; any other line that names D is left alone with
 * a note.  Lines about other devices are left to the operator. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/import_priv.h"
#include "daemon/base/grow.h"

/* A prefix of word, at least min characters long: ip's own abbreviations. */
static bool abbrev(const char *tok, const char *word, size_t min)
{
	size_t n = strlen(tok);

	return n >= min && n <= strlen(word) && strncmp(tok, word, n) == 0;
}

static bool is_cmd(const char *tok, const char *name)
{
	const char *slash = strrchr(tok, '/');

	return strcmp(slash ? slash + 1 : tok, name) == 0;
}

/* ip address/route options that take an argument. */
static bool takes_arg(const char *t)
{
	static const char *const w[] = {
		"via", "src", "metric", "preference", "priority", "table", "proto", "protocol",
		"scope", "realm", "realms", "mtu", "advmss", "weight", "tos", "dsfield", "expires",
		"pref", "initcwnd", "initrwnd", "peer", "remote", "broadcast", "brd", "anycast",
		"label", "valid_lft", "preferred_lft", "rtt", "rttvar", "window", "hoplimit",
		"features", "quickack", "congctl",
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (strcmp(t, w[i]) == 0)
			return true;
	return false;
}

/* The words after "ip address add" / "ip route add": the address or prefix,
 * the device ("dev D", also after "nexthop"), and the options left over. */
static void ip_args(struct sline *sl, char **t, size_t n, bool v6)
{
	bool many_devs = false;

	for (size_t i = 0; i < n; i++) {
		if ((!strcmp(t[i], "dev") || !strcmp(t[i], "oif")) && i + 1 < n) {
			many_devs |= sl->dev[0] && strcmp(sl->dev, t[i + 1]) != 0;
			snprintf(sl->dev, sizeof(sl->dev), "%s", t[++i]);
		} else if ((!strcmp(t[i], "to") || !strcmp(t[i], "local")) && i + 1 < n && !sl->value[0]) {
			snprintf(sl->value, sizeof(sl->value), "%s", t[++i]);
		} else if (sl->kind == SL_ROUTE && (!strcmp(t[i], "metric") || !strcmp(t[i], "priority") ||
						    !strcmp(t[i], "preference")) && i + 1 < n) {
			snprintf(sl->metric, sizeof(sl->metric), "%s", t[++i]);
		} else if (sl->kind == SL_ROUTE && !strcmp(t[i], "table") && i + 1 < n) {
			snprintf(sl->table, sizeof(sl->table), "%s", t[++i]);
		} else if (takes_arg(t[i]) && i + 1 < n) {
			import_append(sl->extra, sizeof(sl->extra), t[i], t[i + 1]);
			i++;
		} else if (!strcmp(t[i], "nexthop") || !strcmp(t[i], "unicast")) {
			continue;
		} else if (!sl->value[0]) {
			snprintf(sl->value, sizeof(sl->value), "%s", t[i]);
		} else {
			import_append(sl->extra, sizeof(sl->extra), t[i], NULL);
		}
	}
	if (sl->kind == SL_ROUTE && strcmp(sl->value, "default") == 0)
		snprintf(sl->value, sizeof(sl->value), "%s", v6 ? "::/0" : "0.0.0.0/0");
	if (many_devs)
		sl->dev[0] = '\0';
	sl->multipath = many_devs;
}

/* "ip link set [dev] D up mtu N", "ip link add [name] D type vti ...", "ip tunnel add D ...". */
static void ip_device(struct sline *sl, char **t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if ((!strcmp(t[i], "dev") || !strcmp(t[i], "name")) && i + 1 < n)
			snprintf(sl->dev, sizeof(sl->dev), "%s", t[++i]);
		else if (!sl->dev[0] && strcmp(t[i], "up") && strcmp(t[i], "down"))
			snprintf(sl->dev, sizeof(sl->dev), "%s", t[i]);
		sl->mtu |= strcmp(t[i], "mtu") == 0;
	}
}

/* Fills sl from "[sudo] ip [-4|-6] address|route add ..." or "ip link|tunnel
 * set|add ..."; false for every other command. */
static bool ip_command(struct sline *sl, char **t, size_t n)
{
	size_t i = 0;
	bool v6 = false;

	while (i < n && (is_cmd(t[i], "sudo") || (i > 0 && t[i][0] == '-')))
		i++;
	if (i == n || !is_cmd(t[i++], "ip"))
		return false;
	for (; i < n && t[i][0] == '-'; i++) {
		if (!strcmp(t[i], "-n") || !strcmp(t[i], "-netns"))
			return false;	/* another namespace: not the host's devices */
		v6 |= strcmp(t[i], "-6") == 0;
		i += !strcmp(t[i], "-f") || !strcmp(t[i], "-family");
	}
	if (i + 1 >= n)
		return false;
	if ((abbrev(t[i], "address", 1) || abbrev(t[i], "route", 1)) &&
	    (abbrev(t[i + 1], "add", 1) || abbrev(t[i + 1], "replace", 3))) {
		sl->kind = t[i][0] == 'a' ? SL_ADDR : SL_ROUTE;
		ip_args(sl, t + i + 2, n - i - 2, v6);
		return sl->value[0] && (sl->dev[0] || sl->multipath);
	}
	if ((abbrev(t[i], "link", 1) || abbrev(t[i], "tunnel", 2)) &&
	    (!strcmp(t[i + 1], "set") || abbrev(t[i + 1], "add", 1))) {
		sl->kind = SL_DEVICE;
		ip_device(sl, t + i + 2, n - i - 2);
		return sl->dev[0];
	}
	return false;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* True when tok names dev as a word: "vti1", "net.ipv4.conf.vti1.disable_policy=1". */
static bool names_dev(const char *tok, const char *dev)
{
	size_t n = strlen(dev);

	for (const char *p = strstr(tok, dev); n && p; p = strstr(p + 1, dev))
		if ((p == tok || !word_char(p[-1])) && !word_char(p[n]))
			return true;
	return false;
}

/* An iptables (ip6tables) rule with the TCPMSS target: what it clamps to. */
static void tcpmss(struct sline *sl, char **t, size_t n)
{
	bool target = false;

	for (size_t i = 0; i < n; i++)
		target |= strcmp(t[i], "TCPMSS") == 0;
	for (size_t i = 0; target && i < n; i++) {
		if (!strcmp(t[i], "--clamp-mss-to-pmtu"))
			snprintf(sl->mss, sizeof(sl->mss), "yes");
		else if (!strcmp(t[i], "--set-mss") && i + 1 < n)
			snprintf(sl->mss, sizeof(sl->mss), "%s", t[i + 1]);
	}
}

/* Records one command if it is about a device: an ip command, or any other
 * command that names the vti-interface of an imported conn. */
static void script_command(struct import_ctx *cx, int line, char **t, size_t n)
{
	struct sline sl = { .line = line };

	for (size_t i = 0; i < n; i++)
		import_append(sl.text, sizeof(sl.text), t[i], NULL);
	if (!ip_command(&sl, t, n)) {
		memset(sl.dev, 0, sizeof(sl.dev));
		sl.kind = SL_OTHER;
		for (size_t c = 0; c < cx->ld.n_conns && !sl.dev[0]; c++)
			for (size_t i = 0; i < n && !sl.dev[0]; i++)
				if (names_dev(t[i], cx->ld.conns[c].c.vti_interface))
					snprintf(sl.dev, sizeof(sl.dev), "%s", cx->ld.conns[c].c.vti_interface);
		if (!sl.dev[0])
			return;		/* #!/bin/bash, sleep 30, other work: not ours */
		tcpmss(&sl, t, n);
	}
	if (!grow_room((void **)&cx->slines, &cx->cap_slines, cx->n_slines, sizeof(sl))) {
		cx->oom = true;
		return;
	}
	cx->slines[cx->n_slines++] = sl;
}

/* Splits a shell line into words and commands (at ';', '&' and '|'); a '#'
 * that starts a word starts a comment; quotes are dropped. */
static void script_line(struct import_ctx *cx, int line, const char *s)
{
	char buf[2 * LEX_LINE_MAX];	/* every byte once, plus a NUL per word */
	char *t[TOKENS_MAX];
	size_t n = 0, o = 0;
	bool in_word = false;

	for (const char *p = s;; p++) {
		bool sep = *p == ';' || *p == '&' || *p == '|';

		if (in_word && (!*p || *p == ' ' || *p == '\t' || sep)) {
			buf[o++] = '\0';
			in_word = false;
		}
		if (!*p || (*p == '#' && !in_word))
			break;
		if (sep && n)
			script_command(cx, line, t, n);
		n = sep ? 0 : n;
		if (sep || *p == ' ' || *p == '\t' || *p == '"' || *p == '\'')
			continue;
		if (!in_word && n == TOKENS_MAX)
			break;
		if (!in_word)
			t[n++] = buf + o;
		in_word = true;
		buf[o++] = *p;
	}
	if (n)
		script_command(cx, line, t, n);
}

void import_script_read(struct import_ctx *cx)
{
	const struct import_file *f = &cx->in->script;
	struct lexer lx;
	bool too_long;

	lexer_init(&lx, f->text, f->len);
	while (f->text && lexer_line(&lx, &too_long)) {
		if (too_long)
			import_msg(cx, IMPORT_WARNING, f->name, lx.line, "line too long: not read");
		else
			script_line(cx, lx.line, lx.buf);
	}
}

static void add_taken(struct import_ctx *cx, struct iconn *ic, int line)
{
	if (ic->n_taken && ic->taken[ic->n_taken - 1] == line)
		return;
	if (!grow_room((void **)&ic->taken, &ic->cap_taken, ic->n_taken, sizeof(*ic->taken)))
		cx->oom = true;
	else
		ic->taken[ic->n_taken++] = line;
}

/* value alone, as mcvpnd would read key=value; its problems are errors. */
static bool value_ok(struct import_ctx *cx, int line, const char *conn, const char *key,
		     const char *value)
{
	struct conn_build *probe = calloc(1, sizeof(*probe));
	struct loader scratch = { .diag = &cx->diag };

	if (!probe) {
		cx->oom = true;
		return false;
	}
	keys_defaults(probe);
	snprintf(probe->c.name, sizeof(probe->c.name), "%s", conn);
	keys_apply(&scratch, probe, cx->in->script.name, line, key, value);
	free(probe);
	import_diag_move(cx, IMPORT_ERROR, "");
	return scratch.problems == 0;
}

static bool xfrm_setting(const struct sline *sl)
{
	return strstr(sl->text, "disable_policy") || strstr(sl->text, "disable_xfrm");
}

/* Lines that mcvpnd makes unneeded, or that only name the device. */
static void script_device(struct import_ctx *cx, const struct sline *sl, const char *dev)
{
	const char *file = cx->in->script.name;

	if (sl->kind == SL_DEVICE && sl->mtu)
		import_msg(cx, IMPORT_NOTE, file, sl->line,
			   "%s: not carried over: mcvpnd sets %s's MTU itself (see mcvpnd(8))", sl->text, dev);
	else if (sl->kind == SL_DEVICE)
		import_msg(cx, IMPORT_NOTE, file, sl->line, "%s: not needed: mcvpnd creates %s and brings it up",
			   sl->text, dev);
	else if (xfrm_setting(sl))
		import_msg(cx, IMPORT_NOTE, file, sl->line,
			   "%s: not needed: mcvpn uses no kernel IPsec policy on %s",
			   sl->text, dev);
	else
		import_msg(cx, IMPORT_NOTE, file, sl->line,
			   "%s: left alone: it names %s; check whether mcvpn still needs it", sl->text, dev);
}

static void route_opt_add(struct route_opt *o, const char *v, int line, bool first);

static void script_route(struct import_ctx *cx, struct iconn *ic, const struct sline *sl,
			 bool has_routes)
{
	const char *file = cx->in->script.name;

	if (has_routes) {
		import_msg(cx, IMPORT_NOTE, file, sl->line, "%s: dropped: the conn sets routes= already",
			   sl->text);
		return;
	}
	if (!value_ok(cx, sl->line, ic->name, "routes", sl->value))
		return;
	for (size_t i = 0; i < ic->n_routes; i++)
		if (strcmp(ic->routes[i], sl->value) == 0) {
			import_msg(cx, IMPORT_NOTE, file, sl->line, "%s: dropped: the same route again", sl->text);
			return;
		}
	if (ic->n_routes == CONF_MAX_ROUTES) {
		import_msg(cx, IMPORT_ERROR, file, sl->line, "%s: more than %d routes (mcvpn's limit)", sl->text,
			   CONF_MAX_ROUTES);
		return;
	}
	route_opt_add(&ic->metric, sl->metric, sl->line, ic->n_routes == 0);
	route_opt_add(&ic->table, sl->table, sl->line, ic->n_routes == 0);
	ic->routes_line = ic->n_routes ? ic->routes_line : sl->line;
	snprintf(ic->routes[ic->n_routes++], sizeof(ic->routes[0]), "%s", sl->value);
}

/* A TCPMSS rule for the device: mcvpnd clamps in its data plane instead. */
static void script_mss(struct import_ctx *cx, struct iconn *ic, const struct sline *sl, bool has_mss)
{
	const char *file = cx->in->script.name;

	if (has_mss || ic->mss[0])
		import_msg(cx, IMPORT_NOTE, file, sl->line, "%s: dropped: %s", sl->text,
			   has_mss ? "the conn sets mss-clamp= already" : "mss-clamp= is taken already");
	else if (value_ok(cx, sl->line, ic->name, "mss-clamp", sl->mss)) {
		snprintf(ic->mss, sizeof(ic->mss), "%s", sl->mss);
		ic->mss_line = sl->line;
		import_msg(cx, IMPORT_NOTE, file, sl->line, "%s: becomes mss-clamp=%s: mcvpnd clamps the MSS of "
			   "TCP SYNs through %s itself, both ways", sl->text, sl->mss, sl->dev);
	}
}

/* The option of one more route: the first sets it, another value mixes. */
static void route_opt_add(struct route_opt *o, const char *v, int line, bool first)
{
	if (first) {
		snprintf(o->value, sizeof(o->value), "%s", v);
		o->line = line;
	} else if (strcmp(o->value, v) != 0 && !o->mixed) {
		o->mixed = true;
		o->line = line;
	}
}

/* The routes' metric or table as route-metric= / route-table=. */
static void route_opt_apply(struct import_ctx *cx, struct iconn *ic, struct conn_build *cb,
			    struct route_opt *o, const char *what, const char *key, enum key_id id)
{
	const char *file = cx->in->script.name;

	if (!ic->n_routes || (!o->mixed && !o->value[0]))
		return;
	if (o->mixed)
		import_msg(cx, IMPORT_WARNING, file, o->line, "the routes of %s have different %ss: mcvpn "
			   "gives all of a conn's routes one; none carried over: set %s= by hand",
			   cb->c.vti_interface, what, key);
	else if (cb->set[id])
		import_msg(cx, IMPORT_NOTE, file, o->line, "'%s %s' dropped: the conn sets %s= already", what,
			   o->value, keys_name(id));
	else if (value_ok(cx, o->line, ic->name, key, o->value)) {
		import_msg(cx, IMPORT_NOTE, file, o->line, "'%s %s' of the routes becomes %s=%s", what,
			   o->value, key, o->value);
		import_apply(cx, cb, file, o->line, key, o->value);
		o->applied = true;
	}
}

static void script_addr(struct import_ctx *cx, struct iconn *ic, const struct sline *sl,
			bool has_ip)
{
	const char *file = cx->in->script.name;

	if (has_ip || ic->addr[0])
		import_msg(cx, IMPORT_NOTE, file, sl->line, "%s: dropped: mcvpn puts one address on %s (%s)",
			   sl->text, sl->dev, has_ip ? "the conn sets interface-ip= already" : ic->addr);
	else if (value_ok(cx, sl->line, ic->name, "interface-ip", sl->value))
		snprintf(ic->addr, sizeof(ic->addr), "%s", sl->value);
	ic->addr_line = ic->addr_line ? ic->addr_line : sl->line;
}

/* The script lines for cb's device -> ic->addr, ic->routes, ic->taken. */
static void script_lines(struct import_ctx *cx, struct iconn *ic, const struct conn_build *cb)
{
	const char *dev = cb->c.vti_interface;

	for (size_t i = 0; i < cx->n_slines; i++) {
		const struct sline *sl = &cx->slines[i];

		if (strcmp(sl->dev, dev) != 0)
			continue;
		if (sl->kind != SL_OTHER || xfrm_setting(sl) || sl->mss[0])
			add_taken(cx, ic, sl->line);
		if (sl->kind == SL_OTHER && sl->mss[0]) {
			script_mss(cx, ic, sl, cb->set[KEY_MSS_CLAMP]);
			continue;
		}
		if (sl->kind == SL_DEVICE || sl->kind == SL_OTHER) {
			script_device(cx, sl, dev);
			continue;
		}
		if (sl->extra[0])
			import_msg(cx, IMPORT_NOTE, cx->in->script.name, sl->line, "%s: '%s' not carried over: %s",
				   sl->text, sl->extra, sl->kind == SL_ADDR ? "mcvpnd adds the address as it is" :
				   "mcvpnd installs routes= with scope link and no gateway");
		if (sl->kind == SL_ADDR)
			script_addr(cx, ic, sl, cb->set[KEY_INTERFACE_IP] ||
				    cb->end[ends_local(cx->in->local ? &cx->host : NULL, cb)].has_vti);
		else
			script_route(cx, ic, sl, cb->set[KEY_ROUTES]);
	}
}

/* ip lines for devices that no imported conn has: the operator keeps them. */
void import_script_others(struct import_ctx *cx)
{
	for (size_t i = 0; i < cx->n_slines; i++) {
		const struct sline *sl = &cx->slines[i];
		bool ours = false;

		for (size_t c = 0; c < cx->ld.n_conns && !ours && sl->dev[0]; c++)
			ours = strcmp(sl->dev, cx->ld.conns[c].c.vti_interface) == 0;
		if (!ours)
			import_msg(cx, IMPORT_NOTE, cx->in->script.name, sl->line, "%s: left alone: %s", sl->text,
				   sl->multipath ? "a route over several devices (routes= uses one)" :
				   "not the vti-interface of an imported conn");
	}
}

void import_script_conn(struct import_ctx *cx, struct iconn *ic, struct conn_build *cb)
{
	char routes[CONF_MAX_ROUTES * 64] = "";

	script_lines(cx, ic, cb);
	if (ic->addr[0])
		import_apply(cx, cb, cx->in->script.name, ic->addr_line, "interface-ip", ic->addr);
	for (size_t i = 0; i < ic->n_routes; i++)
		import_append(routes, sizeof(routes), ic->routes[i], NULL);
	for (char *p = routes; (p = strchr(p, ' '));)
		*p = ',';
	if (ic->n_routes)
		import_apply(cx, cb, cx->in->script.name, ic->routes_line, "routes", routes);
	route_opt_apply(cx, ic, cb, &ic->metric, "metric", "route-metric", KEY_ROUTE_METRIC);
	route_opt_apply(cx, ic, cb, &ic->table, "table", "route-table", KEY_ROUTE_TABLE);
	if (ic->mss[0])
		import_apply(cx, cb, cx->in->script.name, ic->mss_line, "mss-clamp", ic->mss);
}

