/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration: the *.conf (libreswan conn syntax) and *.secrets (libreswan
 * ipsec.secrets syntax) files in /etc/mcvpn.d -> an immutable struct conf.  Only conf/
 * knows the syntax; the daemon sees typed values. */
#ifndef MCVPN_CONF_H
#define MCVPN_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "crypto/sig.h"

struct secret;

struct conf_prefix {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network byte order; first 4 bytes for IPv4 */
	uint8_t len;		/* prefix length */
};

/* One proposal as written in ike= / phase2alg= (esp=). Values are crypto/alg.h
 * numbers; integ is AUTH_NONE for AES-GCM and ChaCha20-Poly1305; prf is
 * PRF_NONE for ESP; dh is DH_NONE when no group is given (for ESP: no PFS). */
struct conf_alg {
	uint16_t encr;
	uint16_t encr_keybits;
	uint16_t integ;
	uint16_t prf;
	uint16_t dh;
	uint16_t esn;		/* ESP: enum conf_esn, the conn's esn= copied into each
				 * proposal (the proposals carry it to the engine);
				 * zeroed (no ESN) for IKE */
};

/* esn=: extended sequence numbers (RFC 4304) for the Child SAs.  EITHER
 * (libreswan's default) offers both, ESN first, and as responder takes
 * ESN when the peer offers it. */
enum conf_esn { CONF_ESN_NO, CONF_ESN_YES, CONF_ESN_EITHER };

enum conf_auto { CONF_AUTO_IGNORE, CONF_AUTO_ADD, CONF_AUTO_START };

/* routes-when-down=: the conn's routes stay while it has no Child SA (the
 * traffic is dropped, never sent in the clear), or are withdrawn until
 * one is up again (the traffic follows the next route: another tunnel's
 * by its metric, for a failover). */
enum conf_routes_down { CONF_ROUTES_KEEP, CONF_ROUTES_WITHDRAW };

/* fragmentation= (libreswan's key, RFC 7383 for IKEv2): yes announces
 * support and, once the peer announced it too, sends an encrypted message
 * too large for one datagram of ike-fragment-size= in Encrypted Fragments;
 * force is the same (libreswan's force differs only for IKEv1); no
 * announces nothing, and sends and accepts no fragments. */
enum conf_frag { CONF_FRAG_YES, CONF_FRAG_NO, CONF_FRAG_FORCE };
#define CONF_FRAG_SIZE_MIN 256		/* ike-fragment-size=: IP packet bytes, the least ... */
#define CONF_FRAG_SIZE_MAX 65535	/* ... and the most */
/* routing=: who routes into the tunnel device.  mcvpnd (the default):
 * routes= and, with vti-routing=yes, rightsubnet=.  external: a routing
 * daemon (FRR's bgpd) peering over the device's address; mcvpnd installs
 * no route at all and gives the device a carrier only while the conn has
 * a Child SA, so that the daemon sees the tunnel go down and come back. */
enum conf_routing { CONF_ROUTING_MCVPND, CONF_ROUTING_EXTERNAL };

#define CONF_TABLE_MAIN 254		/* RT_TABLE_MAIN */
#define CONF_MSS_MIN 536		/* mss-clamp=N: the IPv4 default MSS (RFC 879) ... */
#define CONF_MSS_MAX 65495		/* ... up to what a 64 KB IPv4 packet carries */
#define CONF_PROBE_INTERVAL 10		/* probe-interval= default, seconds ... */
#define CONF_PROBE_INTERVAL_MAX 3600	/* ... and the longest */

/* After DPD declares the peer dead: restart (initiate again), clear (drop the SAs
 * and wait), hold (drop the SAs, keep the interface, wait for the peer). */
enum conf_dpdaction { CONF_DPD_RESTART, CONF_DPD_CLEAR, CONF_DPD_HOLD };

/* IKEv2 ID types (RFC 7296 3.5): @fqdn, user@fqdn, an address, @[key id]. */
/* CONF_ID_DN: a distinguished name, rightid="C=JP, O=Example, CN=vpn" (or
 * leftid=%fromcert / no leftid with leftcert=: the certificate's subject),
 * kept as DER and compared as X.509 names are (crypto/x509.h,
 * x509_dn_equal).  CONF_ID_ANY: rightid=%fromcert (or %any) with
 * certificates: whatever ID the peer sends, as long as its certificate
 * names it (the certificate and rightca=/rightcert= decide). */
enum conf_id_type {
	CONF_ID_ANY = 0,
	CONF_ID_IPV4 = 1, CONF_ID_FQDN = 2, CONF_ID_RFC822 = 3, CONF_ID_IPV6 = 5, CONF_ID_DN = 9,
	CONF_ID_KEY_ID = 11,
};

struct conf_id {
	enum conf_id_type type;
	uint8_t data[512];	/* 4 or 16 address bytes, the FQDN without '@', the
				 * user@fqdn, the key ID's text without "@[" "]", or
				 * the DN's DER; nothing for CONF_ID_ANY */
	size_t len;
	char text[520];		/* as an operator reads it: "198.51.100.10", "@vpn.example",
				 * "ops@vpn.example", "@[key-id]", "C=JP, O=Example, CN=vpn",
				 * "%fromcert" */
};

/* authby=: a pre-shared key (secret, psk: the default), or digital
 * signatures with certificates (rsasig, ecdsa, rsa-sha2, rsa-sha2_256, ...,
 * ecdsa-sha2_384, and comma lists of them; strongSwan's pubkey). */
enum conf_authby { CONF_AUTHBY_SECRET, CONF_AUTHBY_SIG };
#define CONF_SIGKEY_RSA 1u	/* authby= allows RSA keys (ours and the peer's) */
#define CONF_SIGKEY_ECDSA 2u	/* ... ECDSA keys */
/* leftsendcert= (libreswan's and strongSwan's key): our CERT payloads
 * always (the default), only when the peer sent a CERTREQ, or never (the
 * peer has our certificate pinned). */
enum conf_sendcert { CONF_SENDCERT_ALWAYS, CONF_SENDCERT_IFASKED, CONF_SENDCERT_NEVER };

/* leftcert=: what one IKE_AUTH message carries (IKE_MAX_CERT CERT
 * payloads, and room in its 16 KB buffer) */
#define CONF_LEFTCERT_MAX 8
#define CONF_LEFTCERT_BYTES 12288

struct x509_cert;
/* A conn's certificates and key, read when the configuration is loaded
 * (PEM files; the key named in a secrets file as `: RSA FILE` or
 * `: ECDSA FILE`); owned by the conn (conf_free). */
struct conf_certs {
	struct x509_cert **leftcert;	/* leftcert=: ours first, then the intermediates
					 * that followed it in the file (sent as CERT too) */
	size_t n_leftcert;
	struct sig_key *leftkey;	/* the private key whose public half is leftcert's */
	struct x509_cert **rightca;	/* rightca=: the CAs a peer's certificate must lead to */
	size_t n_rightca;
	struct x509_cert *rightcert;	/* rightcert=: the peer's own certificate, pinned (its
					 * CERT payload must be this one, or it may send none) */
};

#define CONF_MAX_ALGS 8
#define CONF_MAX_ROUTES 32

/* A program and its arguments as updown= writes them, split by the rules of
 * conf/command.c (mcvpn.conf(5), updown=): mcvpnd runs it without a shell. */
#define CONF_COMMAND_LEN 1024
#define CONF_COMMAND_ARGS 32
struct conf_command {
	char words[CONF_COMMAND_LEN];	/* each word ended by its NUL, back to back */
	uint8_t argc;			/* 0: none */
};
#define CONF_UPDOWN_TIMEOUT 30		/* updown-timeout= by default, seconds */

struct conf_conn {
	char name[64];
	char file[256];		/* where it was defined, for messages */
	int line;

	/* The ends, local first: "left" is this host's end, whichever of
	 * left= and right= named it (swapped: right= did, and every left and
	 * right key was read the other way round). */
	struct sockaddr_storage left;	/* local address (port 0); AF_UNSPEC while a
					 * %defaultroute has no default route to follow */
	struct sockaddr_storage right;	/* peer address (port 0) */
	struct conf_id leftid;		/* defaults to left's address; with leftcert=
					 * (and for %fromcert) its subject (CONF_ID_DN) */
	struct conf_id rightid;		/* defaults to right's address; with rightcert=
					 * its subject; %fromcert, %any: CONF_ID_ANY */
	bool swapped;
	bool left_defaultroute;		/* the local end is %defaultroute: the address of
					 * the default route's source, found again when
					 * the routes change (conf_resolve_again) */

	enum conf_auto autostart;	/* default CONF_AUTO_IGNORE, as libreswan */
	bool encapsulation;		/* encapsulation=yes: force UDP 4500 (fake NAT) */
	enum conf_frag fragmentation;	/* fragmentation=, default yes */
	uint16_t ike_fragment_size;	/* ike-fragment-size=: an IKE fragment's whole IP
					 * packet; 0 (default): 576 for IPv4, 1280 for IPv6 */
	bool has_mark;
	uint32_t mark, mark_mask;	/* see mcvpn.conf(5): fwmark on the tunnel's outer packets */
	char vti_interface[IFNAMSIZ];	/* TUN device: vti-interface=, ipsec-interface=
					 * (ipsecN), else the conn's name (see mcvpn.conf(5)) */
	bool vti_routing;		/* vti-routing=yes (libreswan's default): install routes for
					 * rightsubnet too, never 0.0.0.0/0 or ::/0 */

	/* Without ike=: aes_gcm256-sha2_512;dh19, aes_cbc256-sha2_256;modp2048.
	 * Without phase2alg=: aes_gcm256 (no PFS). */
	struct conf_alg ike[CONF_MAX_ALGS];
	size_t n_ike;
	struct conf_alg esp[CONF_MAX_ALGS];
	size_t n_esp;
	enum conf_esn esn;		/* esn=; default either (libreswan's) */

	uint32_t ikelifetime;		/* seconds; default 28800 */
	uint32_t salifetime;		/* seconds; default 28800 (libreswan) */
	bool rekey;			/* rekey=yes (default): rekey before the lifetimes end */
	uint32_t rekeymargin;		/* seconds before expiry to rekey; default 540 */
	uint32_t rekeyfuzz;		/* percent of rekeymargin added at random; default 100 */
	uint32_t dpddelay;		/* seconds of silence before a liveness check; 0 = off */
	uint32_t dpdtimeout;		/* seconds without an answer until the peer is dead */
	enum conf_dpdaction dpdaction;
	uint32_t nat_keepalive;		/* seconds between NAT-T keepalives while behind a NAT;
					 * 0 none; default 20 (libreswan's keep-alive=) */

#define CONF_MAX_SUBNETS 4
	/* Traffic selectors (leftsubnet= or leftsubnets=); default 0.0.0.0/0 (::/0 when
	 * left is IPv6). A comma list may add ::/0 for IPv6 inner traffic. */
	struct conf_prefix leftsubnet[CONF_MAX_SUBNETS];
	size_t n_leftsubnet;
	struct conf_prefix rightsubnet[CONF_MAX_SUBNETS];
	size_t n_rightsubnet;
	bool has_interface_ip;
	struct conf_prefix interface_ip;	/* address with its prefix length, 192.168.2.1/30:
						 * interface-ip=, or the local leftvti= /
						 * leftinterface-ip= */
	struct conf_prefix routes[CONF_MAX_ROUTES];
	size_t n_routes;
	bool routes_replace;		/* routes-replace=yes: the operator lets routes= take
					 * precedence over a destination routed by someone
					 * else (the default route too), whose route stays;
					 * see mcvpn.conf(5) */
	uint32_t route_metric;		/* route-metric= (libreswan's metric=); 0: none,
					 * the kernel's default (IPv6: 1024) */
	uint32_t route_table;		/* route-table=; CONF_TABLE_MAIN by default */
	enum conf_routes_down routes_when_down;	/* routes-when-down=keep (default)|withdraw */
	enum conf_routing routing;	/* routing=mcvpnd (default)|external */
	bool mss_clamp;			/* mss-clamp=yes or N: clamp the MSS of TCP SYNs */
	uint16_t mss_clamp_to;		/* N; 0: the tunnel device's MTU less the IP and
					 * TCP headers */
	struct conf_command updown;	/* updown=, or this host's end's leftupdown= /
					 * rightupdown=: run on up, down and rekey */
	uint32_t updown_timeout;	/* updown-timeout=: seconds until it is killed */

	/* The in-tunnel probe (daemon/probe/): ICMP echoes from the address of
	 * interface-ip= through the tunnel to probe= while a Child SA is up.
	 * Not part of the tunnel: conf_conn_equal leaves them out, a reload
	 * applies them without a restart. */
	struct sockaddr_storage probe;	/* probe=; AF_UNSPEC: no probe */
	uint32_t probe_interval;	/* probe-interval=, seconds: 1 to 3600, default 10 */

	struct secret *psk;		/* owned; matched from the secrets files (authby=secret) */

	enum conf_authby authby;
	uint8_t sig_keys;		/* CONF_SIGKEY_*: the key types authby= allows */
	uint8_t sig_hashes;		/* 1 << enum sig_hash (crypto/sig.h) for each hash
					 * authby= allows: SHA2-256/384/512 by default, one
					 * with rsa-sha2_384 and the like */
	enum conf_sendcert sendcert;	/* leftsendcert= */
	struct conf_certs *certs;	/* owned; NULL with authby=secret */
};

/* config setup: the daemon-wide settings (conf/setup.c holds their table);
 * libreswan's keys there are read with a note. */
struct conf_setup {
	char file[256];		/* where the first config setup section is; "" none */
	int line;
	/* metrics-listen=ADDR:PORT: where mcvpnd serves GET /metrics (the
	 * Prometheus text format); ss_family AF_UNSPEC: nowhere (the default,
	 * and metrics-listen=no) */
	struct sockaddr_storage metrics_listen;
};

/* The same daemon-wide settings (for reload: what changed). */
bool conf_setup_metrics_equal(const struct conf_setup *a, const struct conf_setup *b);

struct conf_sources;

struct conf {
	struct conf_conn *conns;	/* owned array */
	size_t n_conns;
	struct conf_setup setup;
	struct conf_sources *sources;	/* owned: every file read, for conf_resolve_again */
};

/* What a load found, never with secret content: problems, each "FILE:LINE:
 * reason" (any problem refuses the whole configuration), and notes, each
 * "FILE:LINE: warning: reason" or "FILE:LINE: note: reason" (the
 * configuration loads all the same; n_warnings of them are warnings). */
struct conf_diag {
	char **msgs;
	size_t n;
	char **notes;
	size_t n_notes, n_warnings;
};

/* One file given as text (tests, a configuration resolved again): kind
 * CONF and SECRETS are read as the directory's *.conf and *.secrets files,
 * in the order given; INCLUDED only when an include names it. */
enum conf_file_kind { CONF_FILE_CONF, CONF_FILE_SECRETS, CONF_FILE_INCLUDED };
struct conf_file {
	const char *name;
	const char *text;
	enum conf_file_kind kind;
};

/* The host a configuration is resolved on, as far as conf needs it: its
 * addresses (which end of a conn is local: libreswan matches left= and
 * right= against them), and the unicast routes of its tables (the main
 * table's default route for left=%defaultroute; the routes a conn's own
 * routes would replace or capture).  The daemon fills it from netlink, tests by
 * hand.  Everything is borrowed. */
struct conf_host_addr {
	struct sockaddr_storage addr;
	char dev[IFNAMSIZ];
};
struct conf_host_route {
	struct conf_prefix dst;
	char dev[IFNAMSIZ];		/* "" when none or several (multipath) */
	struct sockaddr_storage gw;	/* AF_UNSPEC: none */
	struct sockaddr_storage src;	/* preferred source; AF_UNSPEC: none */
	uint32_t metric;		/* as the kernel has it (IPv6: 1024 by default) */
	uint32_t table;			/* 0 or CONF_TABLE_MAIN: the main table */
	bool mcvpnd;			/* made by mcvpnd (its routing protocol) */
};
struct conf_host {
	const struct conf_host_addr *addrs;
	size_t n_addrs;
	const struct conf_host_route *routes;
	size_t n_routes;
};

/* Load every *.conf and *.secrets in dir (sorted by name; hidden files and other
 * names such as backups are skipped). Returns 0 and sets *out
 * (caller frees with conf_free) when there were no problems; otherwise -1, *out
 * NULL, and every problem found appended to diag (it goes on past the first).
 * diag (caller-owned, start it zeroed, free its strings with conf_diag_free) may
 * be NULL: the result still says whether there were problems. */
int conf_load_dir(const char *dir, struct conf **out, struct conf_diag *diag);
/* The same on a host: see struct conf_host (NULL: not known, as
 * conf_load_dir). */
int conf_load(const char *dir, const struct conf_host *host, struct conf **out,
	      struct conf_diag *diag);
/* old's files (as they were read, nothing is read again) resolved on host:
 * what a changed default route or address makes of the same configuration.
 * As conf_load otherwise; old is not changed. */
int conf_resolve_again(const struct conf *old, const struct conf_host *host, struct conf **out,
		       struct conf_diag *diag);

/* The same from in-memory text (for tests): name is used in messages. secrets_text
 * may be NULL (no secrets); the file mode check does not apply. */
int conf_load_text(const char *name, const char *conf_text, const char *secrets_name,
		   const char *secrets_text, struct conf **out, struct conf_diag *diag);

/* The same from texts: files[] as a directory's files and the files they
 * may include (none is read from disk).  host: see struct conf_host (NULL:
 * not known). */
int conf_load_files(const struct conf_file *files, size_t n, const struct conf_host *host,
		    struct conf **out, struct conf_diag *diag);

/* perm.c: who may read the configuration (conf_load applies it to the
 * directory and every secrets file; mcvpnctl verify to the directory).
 * The problem with st (path's, a directory or a secrets file) as
 * "reason; fix", or "" with CONF_PERM_OK.  A secrets file with any group
 * or other bit and a directory others may write to are errors; a
 * directory others may list is a warning. */
enum conf_perm { CONF_PERM_OK, CONF_PERM_WARNING, CONF_PERM_ERROR };
enum conf_perm conf_perm_check(const struct stat *st, const char *path, bool dir, char *msg,
			       size_t len);
/* Why reader (the uid that reads the configuration) could not open path,
 * whose stat is st: whose it is and the chown (or chmod) that lets it. */
void conf_perm_denied(const struct stat *st, const char *path, uid_t reader, char *msg, size_t len);

/* NULL is a no-op; PSKs are wiped. */
void conf_free(struct conf *c);
/* Frees the messages and zeroes *d (the struct itself is the caller's). */
void conf_diag_free(struct conf_diag *d);

/* The routes a conn puts on its tunnel device: routes= and, with
 * vti-routing=yes, the rightsubnet= prefixes other than /0; none with
 * routing=external.  Fills out
 * (room for max) and returns how many. */
#define CONF_MAX_CONN_ROUTES (CONF_MAX_ROUTES + CONF_MAX_SUBNETS)
size_t conf_conn_routes(const struct conf_conn *c, struct conf_prefix *out, size_t max);

/* text -> c (see struct conf_command); 0, or -1 with why set (c then has
 * no words). */
int conf_command_parse(const char *text, struct conf_command *c, char *why, size_t wl);
/* The words of c into argv (room for max pointers, NULL-terminated:
 * max - 1 words at most), pointing into c.  Returns the word count. */
size_t conf_command_argv(const struct conf_command *c, const char **argv, size_t max);

/* Whether the conn's authby= allows a key of type t: ours in leftcert=,
 * and the peer's. */
bool conf_sig_key_allowed(const struct conf_conn *c, enum sig_key_type t);

/* Field-by-field equality of two conns (psk compared in constant time), for reload.
 * file and line are not compared: moving a conn in its file is no change; nor
 * is the hook (updown=, updown-timeout=): a new one runs from the next event
 * on, without a restart of the tunnel; nor are probe= and probe-interval=,
 * which a reload applies to the running tunnel. */
bool conf_conn_equal(const struct conf_conn *a, const struct conf_conn *b);
/* The hook (updown=, updown-timeout=): left out of conf_conn_equal, as a
 * new one needs no restart; this says whether a reload changed it. */
bool conf_conn_hook_equal(const struct conf_conn *a, const struct conf_conn *b);

#endif
