/* SPDX-License-Identifier: Apache-2.0 */
/* Private to conf/import*.c: the state of one import and the helpers its
 * files share (import.c: the conn file and its keys; import_rules.c: what
 * becomes of each libreswan key; import_out.c: the files and summaries
 * written; import_script.c: the boot script; import_secrets.c: the
 * secrets). */
#ifndef MCVPN_CONF_IMPORT_PRIV_H
#define MCVPN_CONF_IMPORT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conf/import.h"
#include "conf/internal.h"

#define TOKENS_MAX 64
#define TEXT_MAX 160

/* One key=value of a libreswan conn, as written. */
struct ikey {
	char key[64];			/* "" once dropped */
	char *value;			/* owned */
	const char *file;		/* borrowed from cx->files */
	int line;
	bool inherited;			/* from conn %default or also= */
	bool added;			/* libreswan's default written out */
};

/* One option of the script's routes for a device ("metric 100", "table
 * 7"): carried over only when every route has the same (mcvpn gives all of
 * a conn's routes one metric and one table). */
struct route_opt {
	char value[24];			/* the first route's; "" none */
	int line;			/* where a route first had it or differed */
	bool mixed;			/* the routes differ */
	bool applied;			/* carried over: written as its key */
};

struct iconn {
	char name[64];
	const char *file;		/* borrowed from cx->files */
	int line;
	struct ikey *keys;		/* owned */
	size_t n_keys, cap_keys;
	size_t n[3];			/* keys carried over, dropped, changed */
	bool had_device;		/* vti-interface= or ipsec-interface= in libreswan's file */
	char addr[64];			/* interface-ip= from the script, "" if none */
	int addr_line;
	char routes[CONF_MAX_ROUTES][64];	/* routes= from the script */
	size_t n_routes;
	int routes_line;
	int *taken;			/* owned: script lines mcvpnd now does, ascending */
	size_t n_taken, cap_taken;
	struct route_opt metric, table;	/* of the script's routes: route-metric=, route-table= */
	char mss[16];			/* mss-clamp= from an iptables TCPMSS rule, "" none */
	char nick[2][104];		/* leftcert=, rightcert= as libreswan's NSS nicknames
					 * (changed to /etc/mcvpn.d/NICK.pem); "" none */
	int mss_line;
};

/* What a boot script command does to a device. */
enum sline_kind { SL_ADDR, SL_ROUTE, SL_DEVICE, SL_OTHER };

struct sline {
	enum sline_kind kind;
	int line;
	char dev[IFNAMSIZ];
	char value[64];			/* ADDR: address; ROUTE: prefix */
	char extra[TEXT_MAX];		/* options that cannot be carried over */
	char text[TEXT_MAX];		/* the command, for messages */
	bool mtu;			/* DEVICE: sets the MTU */
	bool multipath;			/* ROUTE: over several devices (dev is "") */
	char metric[24];		/* ROUTE: its metric (priority, preference); "" none */
	char table[24];			/* ROUTE: its table; "" none */
	char mss[16];			/* OTHER: an iptables TCPMSS rule for the device:
					 * "yes" (--clamp-mss-to-pmtu) or its --set-mss */
};

struct import_ctx {
	const struct import_input *in;
	struct import_result *out;
	int cur;			/* the conn messages concern now; -1: none */
	struct conf_host_addr local;	/* --local */
	struct conf_host host;		/* this host as --local says it */
	struct cfiles files;		/* the conn file, the secrets file and what they include */
	struct iconn *conns;		/* owned */
	size_t n_conns, cap_conns;
	struct sline *slines;		/* owned */
	size_t n_slines, cap_slines;
	struct loader ld;		/* the conns as mcvpnd would build them */
	struct conf_diag diag;		/* ld's messages, moved to out->msgs */
	size_t cap_msgs;
	bool oom;
};

/* import.c: arrays and messages */
/* "FILE:LINE: [warning: |error: ]text" (line 0: "FILE: ...") into out->msgs. */
void import_msg(struct import_ctx *cx, enum import_level level, const char *file, int line,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Moves cx->diag (mcvpnd's own "FILE:LINE: reason") to out->msgs, with the
 * level word, then word, after the location. */
void import_diag_move(struct import_ctx *cx, enum import_level level, const char *word);
/* key=value applied to cb as mcvpnd would; what it refuses becomes an error. */
void import_apply(struct import_ctx *cx, struct conn_build *cb, const char *file, int line,
		  const char *key, const char *value);
/* Appends "a" or "a b" to buf, space separated. */
void import_append(char *buf, size_t cap, const char *a, const char *b);
/* Ascending line numbers to f as "3-5, 7". */
void import_format_lines(FILE *f, const int *l, size_t n);

/* import_rules.c: what becomes of a libreswan key: NULL carried over as
 * it is (mcvpnd reads it), else carried over with a note of what to check,
 * changed, dropped (a note, or a warning when something is lost) or
 * refused.  The result is static. */
enum import_action { IA_CHANGE, IA_DROP, IA_WARN, IA_REFUSE, IA_KEEP };
struct import_rule {
	enum import_action act;
	const char *to;			/* IA_CHANGE: the new value */
	const char *why;
};
const struct import_rule *import_rule_for(const char *key, const char *value, bool mcvpn_knows_it);
/* Whether leftcert='s value is a libreswan NSS nickname (no file name). */
bool import_cert_nickname(const char *v);
/* The file name a nickname is exported to (without directory and suffix). */
void import_nick_file(const char *nick, char *out, size_t len);

/* import_out.c: NAME.conf, NAME.secrets and the summary of conn i, once
 * its checks passed (sl: the secrets file, parsed). */
void import_finish_conn(struct import_ctx *cx, size_t i, const struct loader *sl);
/* A value as an operator would write it in a message: quoted when it holds
 * blanks or '#', cut at 80 bytes. */
const char *import_shown(const char *v, char *buf, size_t cap);

/* import_script.c: the script's commands about devices -> cx->slines (call
 * once the conns' vti-interface are known); the lines for cb's device ->
 * interface-ip= and routes= of ic, applied to cb; notes for the lines of
 * other devices. */
void import_script_read(struct import_ctx *cx);
void import_script_conn(struct import_ctx *cx, struct iconn *ic, struct conn_build *cb);
void import_script_others(struct import_ctx *cx);

/* import_secrets.c: NAME.secrets for cb from the entries of sl (parsed from
 * cx->in->secrets) that fit it, copied as written; NULL, with a warning, when
 * none fits.  where gets "line 1" for the summary.  Caller wipes and frees. */
char *import_secrets_for(struct import_ctx *cx, const struct loader *sl,
			 const struct conn_build *cb, char *where, size_t where_len);

#endif
