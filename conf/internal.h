/* Private to conf/: the loader state shared by the lexer, the key table,
 * the secrets reader and the cross checks.  Nothing outside conf/ includes
 * this file. */
#ifndef MCVPN_CONF_INTERNAL_H
#define MCVPN_CONF_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

/* Every key mcvpn understands; aliases (esp, keylife...) share an id. */
enum key_id {
	KEY_LEFT, KEY_RIGHT, KEY_LEFTID, KEY_RIGHTID, KEY_AUTHBY, KEY_AUTO,
	KEY_IKEV2, KEY_KEYEXCHANGE, KEY_TYPE, KEY_IKE, KEY_ESP, KEY_PFS,
	KEY_ENCAPSULATION, KEY_MARK, KEY_VTI_INTERFACE, KEY_VTI_ROUTING,
	KEY_LEFTSUBNET, KEY_RIGHTSUBNET, KEY_IKELIFETIME, KEY_SALIFETIME,
	KEY_INTERFACE_IP, KEY_ROUTES,
	KEY_REKEY, KEY_REKEYMARGIN, KEY_REKEYFUZZ, KEY_DPDDELAY, KEY_DPDTIMEOUT, KEY_DPDACTION,
	KEY_NAT_KEEPALIVE,
	KEY_COUNT
};

/* A conn while it is being built: the typed result plus, per key, whether
 * it is set (here or inherited from %default) and the line that set it in
 * this section (0: not in this section; used for duplicates and messages). */
struct conn_build {
	struct conf_conn c;
	bool set[KEY_COUNT];
	int key_line[KEY_COUNT];
	bool pfs;			/* only meaningful when set[KEY_PFS] */
};

/* One usable line of a secrets file. Owns psk. */
#define PSK_MAX_IDS 8
struct psk_entry {
	char file[256];
	int line;
	struct conf_id ids[PSK_MAX_IDS];
	size_t n_ids;			/* %any IDs are not stored */
	bool any_written;		/* the line named %any (or no ID at all) */
	struct secret *psk;
};

/* The whole load: every conn and secret seen so far, and the problems.
 * diag may be NULL (problems are then only counted). */
struct loader {
	struct conf_diag *diag;
	size_t problems;
	struct conn_build *conns;	/* owned */
	size_t n_conns, cap_conns;
	struct psk_entry *psks;		/* owned, psks[i].psk too */
	size_t n_psks, cap_psks;
};

/* diag.c: append "FILE:LINE: reason" (line 0: "FILE: reason"). */
void diag_add(struct loader *ld, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* lexer.c: one logical item at a time from borrowed text. */
enum lex_kind { LEX_EOF, LEX_SECTION, LEX_KEY, LEX_BAD };
struct lex_item {
	enum lex_kind kind;
	int line;
	const char *a;		/* SECTION: "conn"/"config"; KEY: key; BAD: reason */
	const char *b;		/* SECTION: name; KEY: value (quotes removed) */
};
#define LEX_LINE_MAX 4096
struct lexer {
	const char *text;	/* borrowed */
	size_t len, pos;
	int line;
	char buf[LEX_LINE_MAX];
};
void lexer_init(struct lexer *lx, const char *text, size_t len);
/* Items point into lx->buf: valid until the next call. */
void lexer_next(struct lexer *lx, struct lex_item *it);
/* Shared with secrets.c: copy the next physical line (without "\r\n") into
 * buf; returns false at the end.  *too_long is set when it was cut. */
bool lexer_line(struct lexer *lx, bool *too_long);

/* parser.c: sections of one file -> ld->conns. */
void parser_run(struct loader *ld, const char *file, const char *text, size_t len);

/* keys.c: apply one key=value to a conn being built; reports its own problems. */
void keys_apply(struct loader *ld, struct conn_build *cb, const char *file,
		const struct lex_item *it);
/* The built-in values a conn starts from before any %default. */
void keys_defaults(struct conn_build *cb);
/* Canonical key name, for messages. */
const char *keys_name(enum key_id id);

/* addr.c: typed values from text. Each returns 0, or -1 with *why set to a
 * static string saying what was expected. */
int addr_parse(const char *s, struct sockaddr_storage *ss, const char **why);
int prefix_parse(const char *s, struct conf_prefix *p, const char **why);
/* True when bits past p->len are set (10.105.0.1/16); clear_host zeroes them. */
bool prefix_host_bits(const struct conf_prefix *p);
void prefix_clear_host(struct conf_prefix *p);
/* Comma list; host bits set are an error that names the network meant. */
int prefix_list_parse(const char *s, struct conf_prefix *out, size_t max, size_t *n,
		      char *why, size_t why_len);
void prefix_format(const struct conf_prefix *p, char *buf, size_t len);
int id_parse(const char *s, struct conf_id *id, const char **why);
void id_from_addr(const struct sockaddr_storage *ss, struct conf_id *id);
bool id_equal(const struct conf_id *a, const struct conf_id *b);

/* algs.c: ike= and phase2alg= lists; on error why holds the reason. */
int algs_parse_ike(const char *s, struct conf_alg *out, size_t *n, char *why, size_t why_len);
int algs_parse_esp(const char *s, struct conf_alg *out, size_t *n, char *why, size_t why_len);
/* The lists used when ike= / phase2alg= are absent. */
void algs_default_ike(struct conf_alg *out, size_t *n);
void algs_default_esp(struct conf_alg *out, size_t *n);

/* secrets.c: lines of one secrets file -> ld->psks. */
void secrets_parse(struct loader *ld, const char *file, const char *text, size_t len);
/* The best entry for a conn (specific beats single-ID beats wildcard), or NULL. */
const struct psk_entry *secrets_match(const struct loader *ld, const struct conf_conn *c);

/* check.c: defaults that depend on other keys, then every cross check. */
void check_all(struct loader *ld);
/* distinct.c: conn i against the earlier ones between the same addresses. */
void check_distinct(struct loader *ld, size_t i);

#endif
