/* SPDX-License-Identifier: Apache-2.0 */
/* Private to conf/: the loader state shared by the lexer, the key table,
 * the secrets reader and the cross checks.  Nothing outside conf/ includes
 * this file. */
#ifndef MCVPN_CONF_INTERNAL_H
#define MCVPN_CONF_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

/* Every key mcvpn understands; aliases (esp, keylife, leftinterface-ip...)
 * share an id.  The sided keys come in pairs, left first: KEY_RIGHT... is
 * KEY_LEFT... + 1. */
enum key_id {
	KEY_LEFT, KEY_RIGHT, KEY_LEFTID, KEY_RIGHTID, KEY_LEFTSUBNET, KEY_RIGHTSUBNET,
	KEY_LEFTSUBNETS, KEY_RIGHTSUBNETS, KEY_LEFTVTI, KEY_RIGHTVTI, KEY_LEFTNEXTHOP, KEY_RIGHTNEXTHOP,
	KEY_AUTHBY, KEY_AUTO,
	KEY_IKEV2, KEY_KEYEXCHANGE, KEY_TYPE, KEY_IKE, KEY_ESP, KEY_PFS,
	KEY_ENCAPSULATION, KEY_MARK, KEY_VTI_INTERFACE, KEY_IPSEC_INTERFACE, KEY_VTI_ROUTING,
	KEY_IKELIFETIME, KEY_SALIFETIME, KEY_INTERFACE_IP, KEY_ROUTES, KEY_ROUTES_REPLACE, KEY_KEYINGTRIES,
	KEY_REKEY, KEY_REKEYMARGIN, KEY_REKEYFUZZ, KEY_DPDDELAY, KEY_DPDTIMEOUT, KEY_DPDACTION,
	KEY_NAT_KEEPALIVE, KEY_ROUTE_METRIC, KEY_ROUTE_TABLE, KEY_ROUTES_WHEN_DOWN, KEY_MSS_CLAMP,
	KEY_LEFTUPDOWN, KEY_RIGHTUPDOWN, KEY_UPDOWN, KEY_UPDOWN_TIMEOUT,
	KEY_PROBE, KEY_PROBE_INTERVAL, KEY_FRAGMENTATION, KEY_IKE_FRAGMENT_SIZE, KEY_ROUTING,
	KEY_ESN,
	KEY_LEFTCERT, KEY_RIGHTCERT, KEY_LEFTCA, KEY_RIGHTCA, KEY_LEFTSENDCERT, KEY_RIGHTSENDCERT,
	KEY_COUNT
};

/* One end of a conn as written (left= and the left... keys, or right...),
 * before ends.c decides which one is this host. */
enum end_addr { END_UNSET, END_IP, END_DEFAULTROUTE };
struct end_build {
	enum end_addr kind;
	struct sockaddr_storage addr;		/* END_IP */
	struct conf_id id;			/* as given (id_kind ID_GIVEN) */
	enum { ID_UNSET, ID_GIVEN, ID_FROMCERT, ID_ANY } id_kind;	/* leftid= not given,
						 * given, %fromcert, %any */
	char cert[1024];			/* leftcert= as written; "" none */
	char ca[1024];				/* leftca= as written; "" none */
	enum conf_sendcert sendcert;		/* leftsendcert=, when set */
	struct conf_prefix subnet[CONF_MAX_SUBNETS];
	size_t n_subnet;			/* 0: not given */
	bool has_vti, vti_bare;
	struct conf_prefix vti;			/* leftvti= / leftinterface-ip= */
	struct sockaddr_storage nexthop;	/* leftnexthop= as an address; AF_UNSPEC:
						 * none, %defaultroute or %direct */
};

/* A conn while it is being built: the typed result plus, per key, whether
 * it is set and the file and line that set it (for duplicates and messages;
 * line 0: not set). */
struct conn_build {
	struct conf_conn c;
	bool set[KEY_COUNT];
	int key_line[KEY_COUNT];
	const char *key_file[KEY_COUNT];	/* borrowed from the file set */
	struct end_build end[2];	/* left, right as written */
	bool pfs;			/* only meaningful when set[KEY_PFS] */
	bool interface_ip_bare;		/* interface-ip= (or the local leftvti=) without a
					 * prefix length */
	int local;			/* 0, 1: the end that is this host (ends.c) */
	char ipsec_interface[IFNAMSIZ];	/* "ipsecN" from ipsec-interface= */
	bool oriented;			/* ends_finish found the ends and oriented them */
	struct conf_command updown[3];	/* leftupdown=, rightupdown=, updown= as written;
					 * ends.c keeps this host's */
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

/* One private key named in a secrets file (`: RSA FILE`, `: ECDSA FILE`,
 * `: PKCS8 FILE`), loaded when the file is read; owns key. */
struct key_entry {
	char file[256];			/* the secrets file and line that name it */
	int line;
	char path[1024];		/* the key file, resolved */
	struct sig_key *key;
};

/* files.c: every file of one load, kept with the config it made. */
#define CF_DEPTH_MAX 10
struct cfile {
	char *path;			/* owned; as named in messages */
	char *text;			/* owned, NUL-terminated, wiped on free */
	size_t len;
	enum conf_file_kind kind;
	bool read;			/* parsed by this load already */
};
struct cfiles {
	struct cfile **f;		/* owned, each owned */
	size_t n, cap;
	bool fs;			/* a path not in the set is read from the file system */
	int depth;
	const char *stack[CF_DEPTH_MAX + 1];	/* the files being read, outermost first */
};

/* The whole load: every conn and secret seen so far, and the problems.
 * diag may be NULL (problems are then only counted). */
struct loader {
	struct conf_diag *diag;
	size_t problems;
	struct cfiles *files;		/* borrowed */
	struct conf_setup setup;
#define SETUP_KEYS_MAX 8
	int setup_line[SETUP_KEYS_MAX];	/* where each of mcvpn's config setup keys (by
					 * its place in setup.c's table) was set; 0 not */
	const char *setup_file[SETUP_KEYS_MAX];	/* borrowed from the file set */
	const struct conf_host *host;	/* borrowed; NULL: not known */
	struct conn_build *conns;	/* owned */
	size_t n_conns, cap_conns;
	struct psk_entry *psks;		/* owned, psks[i].psk too */
	size_t n_psks, cap_psks;
	struct key_entry *keys;		/* owned, keys[i].key too */
	size_t n_keys, cap_keys;
	bool files_elsewhere;		/* the importer: the certificate and key files are
					 * not on this host yet; only the keys are checked */
};

/* load.c: conf_load_files, and with elsewhere the certificate and key
 * files are not read (the importer's check of what it wrote). */
int load_files(const struct conf_file *files, size_t n, const struct conf_host *host,
	       bool elsewhere, struct conf **out, struct conf_diag *diag);

/* diag.c: append "FILE:LINE: reason" (line 0: "FILE: reason"): a problem. */
void diag_add(struct loader *ld, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "FILE:LINE: warning: reason" or "FILE:LINE: note: reason": the load goes on. */
enum diag_level { CONF_NOTE, CONF_WARNING };
void diag_note(struct loader *ld, enum diag_level level, const char *file, int line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* files.c: the set's files, found or read.  A cfile pointer stays valid
 * until files_free.  Problems go to ld. */
struct cfile *files_add(struct cfiles *set, const char *path, const char *text, size_t len,
			enum conf_file_kind kind);
struct cfile *files_find(const struct cfiles *set, const char *path);
/* From the set, else (set->fs) from the file system; secret: the mode check. */
struct cfile *files_open(struct loader *ld, const char *path, bool secret, enum conf_file_kind kind);
/* A file or directory that could not be opened (errno err): the problem,
 * "PATH: WHAT: reason", with whose it is when the reader may not read it. */
void files_open_failed(struct loader *ld, const char *path, const char *what, int err);
/* What keeps a file of the configuration (a conf or secrets file, a
 * certificate, a key) from being read: not a regular file, or larger than
 * 1 MiB (leftcert=/dev/zero would hang the load); NULL when nothing. */
const char *files_shape_problem(const struct stat *st);
int files_copy(struct cfiles *to, const struct cfiles *from);
void files_free(struct cfiles *set);
/* arg relative to the directory of the file from (absolute: as it is). */
void files_include_path(const char *from, const char *arg, char *out, size_t len);
int files_glob(struct loader *ld, const char *pattern, char ***out, size_t *n);
void files_glob_free(char **v, size_t n);
/* Include depth and cycles: files_enter refuses (and reports) or pushes path. */
bool files_enter(struct loader *ld, const char *path, const char *from, int line);
void files_leave(struct loader *ld);
/* "include ARG" at from:line: every match, sorted, not read before, to each(). */
void files_include(struct loader *ld, const char *from, int line, const char *arg, bool secret,
		   void (*each)(struct loader *ld, struct cfile *f, void *arg), void *earg);

/* lexer.c: one logical item at a time from borrowed text. */
enum lex_kind { LEX_EOF, LEX_SECTION, LEX_KEY, LEX_BAD };
struct lex_item {
	enum lex_kind kind;
	int line;
	bool col0;		/* KEY: written at column 0 */
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

/* sections.c: the structure of ipsec.conf files, shared by mcvpnd's
 * drop-ins (parser.c) and the importer: sections read from a file and its
 * includes (a unit), then each conn with also= and %default resolved. */
enum cf_kind { CF_SETUP, CF_CONN, CF_DEFAULT };
struct cf_key {
	char key[64];
	char *value;			/* owned */
	const char *file;		/* borrowed from the file set */
	int line;
	size_t sec;			/* the section it is written in */
};
struct cf_section {
	enum cf_kind kind;
	char name[64];
	const char *file;		/* borrowed from the file set */
	int line;
	size_t first_key, n_keys;	/* its keys, in order */
	bool col0_noted;
};
struct cf_unit {
	struct cf_section *secs;	/* owned */
	size_t n_secs, cap_secs;
	struct cf_key *keys;		/* owned */
	size_t n_keys, cap_keys;
};
enum cf_origin { CF_OWN, CF_ALSO, CF_DEFAULT_KEY };
struct cf_ref {
	const struct cf_key *k;		/* borrowed from the unit */
	enum cf_origin origin;
};
struct cf_conn {
	const struct cf_section *sec;	/* borrowed from the unit */
	struct cf_ref *refs;		/* owned: its keys, own and inserted */
	size_t n_refs, cap_refs;
	size_t first_msg, n_msgs;	/* its problems: ld->diag->msgs[first_msg...] */
};
struct cf_conns {
	struct cf_conn *c;		/* owned */
	size_t n;
};
/* f (a .conf) and what it includes -> u (caller zeroes it, frees it with
 * cf_unit_free).  Problems and notes go to ld. */
void cf_read(struct loader *ld, struct cfile *f, struct cf_unit *u);
/* The conns of u, also= and %default resolved; a conn that only serves
 * also= (used by one, without auto= of its own) is left out, and so are
 * its problems (the conns that use it report them). */
void cf_flatten(struct loader *ld, const struct cf_unit *u, struct cf_conns *out);
void cf_unit_free(struct cf_unit *u);
void cf_conns_free(struct cf_conns *c);

/* setup.c: the keys of a config setup section -> ld->setup (libreswan's
 * with a note); setup_libreswan_why: why mcvpn has no use for one of
 * libreswan's, or NULL if it is not libreswan's. */
void setup_section(struct loader *ld, const struct cf_unit *u, const struct cf_section *s);
const char *setup_libreswan_why(const char *key);

/* parser.c: a .conf file (and its includes) -> ld->conns. */
void parser_run(struct loader *ld, struct cfile *f);

/* keys.c: apply one key=value to a conn being built; reports its own problems. */
void keys_apply(struct loader *ld, struct conn_build *cb, const char *file, int line,
		const char *key, const char *value);
/* libreswan's aliases (esp, keylife, ...) -> the one name; others as they are. */
const char *keys_canonical(const char *key);
/* The built-in values a conn starts from before any %default. */
void keys_defaults(struct conn_build *cb);
/* Canonical key name, for messages. */
const char *keys_name(enum key_id id);

/* addr.c: typed values from text. Each returns 0, or -1 with *why set to a
 * static string saying what was expected. */
int addr_parse(const char *s, struct sockaddr_storage *ss, const char **why);
int prefix_parse(const char *s, struct conf_prefix *p, const char **why);
/* p covers the address a (of a's family, the first p->len bits equal). */
bool prefix_covers(const struct conf_prefix *p, const struct sockaddr_storage *a);
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

/* secrets.c: one secrets file (and its includes) -> ld->psks. */
void secrets_read(struct loader *ld, struct cfile *f);
/* The best entry for a conn (specific beats single-ID beats wildcard), or NULL. */
const struct psk_entry *secrets_match(const struct loader *ld, const struct conf_conn *c);

/* privkey.c: a secrets entry of a private key type (RSA, ECDSA, PKCS8):
 * privkey_type says whether type is one; privkey_entry reads the key file
 * that value names (relative to file's directory) into ld->keys, and
 * returns the reason it cannot (why, wl: room for one), or NULL. */
bool privkey_type(const char *type);
const char *privkey_entry(struct loader *ld, const char *file, int line, const char *type,
			  const char *value, char *why, size_t wl);
/* The key entry whose key is the private half of pub's (the first), or NULL. */
struct sig_pub;
const struct key_entry *privkey_find(const struct loader *ld, const struct sig_pub *pub);
void privkey_free_all(struct loader *ld);

/* certs.c: after ends_finish: authby= against the certificate keys, the
 * certificates and the key of this host's end and the peer's read into
 * cb->c.certs, the IDs that come from them, and the checks between them. */
void certs_finish(struct loader *ld, struct conn_build *cb);
/* The conn's certificates and key freed (NULL is a no-op). */
void conf_certs_free(struct conf_certs *c);

/* host.c: questions about the host (NULL: not known, every answer "no").
 * The default route and the route to an address are the main table's,
 * leaving out mcvpnd's own. */
bool host_route_main(const struct conf_host_route *r);
bool host_has_addr(const struct conf_host *h, const struct sockaddr_storage *a);
/* The default route of family with the lowest metric, or NULL. */
const struct conf_host_route *host_default_route(const struct conf_host *h, int family);
/* The address %defaultroute stands for: the default route's preferred
 * source, else the first address of its device (not link-local). */
bool host_default_source(const struct conf_host *h, int family, struct sockaddr_storage *out);
bool sockaddr_ip_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/* The host's route to a (the longest prefix that covers it), or NULL. */
const struct conf_host_route *host_route_to(const struct conf_host *h, const struct sockaddr_storage *a);

/* ends.c: which end is this host (libreswan's rule), then the oriented
 * left/right fields of cb->c, their defaults, interface-ip= from the local
 * leftvti=, and the tunnel device's name. */
void ends_finish(struct loader *ld, struct conn_build *cb);
/* The tunnel device's name alone (the importer needs it before the rest). */
void ends_device_name(struct loader *ld, struct conn_build *cb);
/* 0 (left) or 1 (right): this host's end, as ends_finish decides it, quietly. */
int ends_local(const struct conf_host *h, const struct conn_build *cb);

/* routes.c: what conn i's routes would do to this host (cut it off from
 * the peer or from itself, replace routes it did not make) and the other
 * checks of mcvpnd --check that warn (see mcvpn.conf(5), CHECKS). */
void routes_check(struct loader *ld, size_t i);
/* routing.c: conn i's keys against routing=external (routes= refused,
 * mcvpnd's route placing keys of no effect, the device's address). */
void routing_check(struct loader *ld, size_t i);

/* check.c: defaults that depend on other keys, then every cross check:
 * of conn i (against the conns before it), or of all. */
void check_conn(struct loader *ld, size_t i);
void check_all(struct loader *ld);
/* distinct.c: conn i against the earlier ones between the same addresses. */
void check_distinct(struct loader *ld, size_t i);

#endif
