/* SPDX-License-Identifier: Apache-2.0 */
/* libreswan -> mcvpn.d: a libreswan conn file, its ipsec.secrets file and
 * the boot script that configured the VTI device become one NAME.conf and
 * one NAME.secrets per conn.  Pure functions of text: the caller reads the
 * input files and writes the output ones (mcvpnctl/import.c). */
#ifndef MCVPN_CONF_IMPORT_H
#define MCVPN_CONF_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

/* One input file: name is used in messages, text need not end in a NUL
 * (len counts its bytes).  All borrowed. */
struct import_file {
	const char *name;
	const char *text;
	size_t len;
};

struct import_input {
	struct import_file conf;	/* required */
	struct import_file secrets;	/* text NULL: no secrets file */
	struct import_file script;	/* text NULL: no boot script */
	/* What an include of the conn or secrets file names: read from the
	 * file system when include_fs, else looked up among more[] only. */
	bool include_fs;
	const struct import_file *more;
	size_t n_more;
	const char *only_conn;		/* --conn NAME: this conn alone; NULL: all */
	const char *local;		/* --local ADDR: this host's address; NULL: not
					 * known (the end written %defaultroute, else left) */
	bool all_or_nothing;		/* a conn refused: none written */
};

/* note: a key dropped or changed that changes nothing the conn means, a
 * script line not taken over;
 * warning: written, but something is lost or incomplete (no PSK matched,
 * an updown script not run, nothing routed);
 * error: the conn it concerns is not written (a key whose loss would
 * change its selectors, algorithms, authentication, IKE version or
 * reachability; a value mcvpnd refuses); an error in no conn (the files
 * themselves) stops everything. */
enum import_level { IMPORT_NOTE, IMPORT_WARNING, IMPORT_ERROR };

struct import_msg {
	enum import_level level;
	char *text;			/* owned; "FILE:LINE: ..." with no secret in it */
	int conn;			/* the conn (index in conns) it concerns; -1: the files */
};

struct import_conn {
	char name[64];
	char vti_interface[16];		/* its tunnel device */
	bool refused;			/* an error concerns it: conf and secrets are NULL */
	bool libreswan_device;		/* libreswan had a device of that name (VTI, XFRM) */
	char *conf;			/* owned: the NAME.conf text */
	char *secrets;			/* owned, wiped on free: the NAME.secrets text,
					 * NULL when no line matched */
	char *summary;			/* owned: one line saying what was carried over */
};

struct import_result {
	struct import_conn *conns;	/* owned array, in file order */
	size_t n_conns;
	struct import_msg *msgs;	/* owned, in the order found */
	size_t n_msgs;
	size_t n_errors, n_warnings;
	size_t n_written;		/* conns not refused */
	char *script_taken;		/* owned: "3-5, 7" (the script lines mcvpnd now
					 * does), "" when none */
};

/* Converts in to *out (caller-owned, zeroed by this call; free it with
 * import_result_free even on failure).  Returns 0 when some conn may be
 * written (those with refused set may not; with all_or_nothing there are
 * none), -1 when nothing may be: out->msgs says why. */
int import_libreswan(const struct import_input *in, struct import_result *out);

/* Frees what out owns (secrets wiped) and zeroes it; NULL is a no-op. */
void import_result_free(struct import_result *out);

#endif
