/* SPDX-License-Identifier: Apache-2.0 */
/* mcvpnctl import-libreswan FILE [--secrets FILE] [--boot-script FILE]
 *                           [--conn NAME] [--local ADDR] [--all-or-nothing]
 *                           [--output-dir DIR] [--force]
 *
 * Offline: reads libreswan's conn file (and what it includes), its secrets
 * and the boot script that configured the VTI device, has conf/import.c
 * turn them into one NAME.conf and NAME.secrets per conn, and prints them
 * (stdout) or writes them into DIR, never over an existing file unless
 * --force, and then reads DIR back as "mcvpnd --check" would.  A conn
 * refused is not written; the others are, unless --all-or-nothing.  Notes,
 * warnings and the summary go to stderr; stdout holds only the files.
 * Exit status: 0 written and clean, 1 nothing written, 2 written with
 * warnings (or with conns refused). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/import.h"
#include "crypto/secret.h"
#include "daemon/mcvpnctl/import.h"

#define PROG "mcvpnctl import-libreswan"
#define INPUT_MAX (1024 * 1024)

enum { IMPORT_EXIT_OK = 0, IMPORT_EXIT_NOTHING = 1, IMPORT_EXIT_WARNINGS = 2 };

struct import_opts {
	const char *conf, *secrets, *script, *dir, *conn, *local;
	bool force, all_or_nothing;
	char guessed[4096];	/* FILE.secrets next to a FILE.conf */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mcvpnctl import-libreswan FILE [--secrets FILE] [--boot-script FILE]\n"
		"                                 [--conn NAME] [--local ADDR] [--all-or-nothing]\n"
		"                                 [--output-dir DIR] [--force]\n"
		"Turn a libreswan conn file into mcvpn.d files, one NAME.conf and NAME.secrets\n"
		"per conn; interface-ip= and routes= come from the boot script's\n"
		"'ip addr add ... dev IFACE' and 'ip route add ... dev IFACE' lines.\n"
		"Works offline: mcvpnd need not run.\n"
		"\n"
		"  --secrets FILE      the ipsec.secrets file (default: FILE with .conf\n"
		"                      replaced by .secrets, if there is one)\n"
		"  --boot-script FILE  the script that set up the VTI device\n"
		"  --conn NAME         import this conn only\n"
		"  --local ADDR        this host's address: which end of each conn it is\n"
		"                      (default: the end written %%defaultroute, else left)\n"
		"  --all-or-nothing    write nothing if any conn is refused\n"
		"  --output-dir DIR    write the files into DIR (e.g. /etc/mcvpn.d) instead of\n"
		"                      printing them; secrets get mode 0600\n"
		"  --force             replace files that exist in DIR\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 written and clean, 1 nothing written, 2 written with\n"
		"warnings (or with some conns refused).\n");
}

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct import_opts *o)
{
	static const struct option import_options[] = {
		{ "secrets", required_argument, NULL, 's' },
		{ "boot-script", required_argument, NULL, 'b' },
		{ "output-dir", required_argument, NULL, 'o' },
		{ "conn", required_argument, NULL, 'c' },
		{ "local", required_argument, NULL, 'l' },
		{ "all-or-nothing", no_argument, NULL, 'a' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;		/* glibc: start over, mcvpnctl's own options were parsed */
	argv[0] = (char *)PROG;	/* for getopt's messages */
	while ((c = getopt_long(argc, argv, "-h", import_options, NULL)) != -1) {
		switch (c) {
		case 1:
			if (o->conf) {
				fprintf(stderr, "%s: one conn file at a time (got '%s' and '%s')\n", PROG,
					o->conf, optarg);
				return IMPORT_EXIT_NOTHING;
			}
			o->conf = optarg;
			break;
		case 's': o->secrets = optarg; break;
		case 'b': o->script = optarg; break;
		case 'o': o->dir = optarg; break;
		case 'c': o->conn = optarg; break;
		case 'l': o->local = optarg; break;
		case 'a': o->all_or_nothing = true; break;
		case 'f': o->force = true; break;
		case 'h':
			usage(stdout);
			return IMPORT_EXIT_OK;
		default:
			fprintf(stderr, "Try 'mcvpnctl import-libreswan --help'.\n");
			return IMPORT_EXIT_NOTHING;
		}
	}
	if (!o->conf) {
		fprintf(stderr, "%s: no libreswan conn file given\n", PROG);
		usage(stderr);
		return IMPORT_EXIT_NOTHING;
	}
	return -1;
}

/* The whole of fd into a malloc'd, NUL-terminated buffer, or NULL with
 * *why set. */
static char *read_fd(int fd, size_t *len, const char **why)
{
	struct stat st;
	char *buf;
	ssize_t r = 1;

	if (fstat(fd, &st) != 0) {
		*why = strerror(errno);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > INPUT_MAX) {
		*why = S_ISREG(st.st_mode) ? "larger than 1 MiB" : "not a regular file";
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		*why = "out of memory";
		return NULL;
	}
	for (*len = 0; *len < (size_t)st.st_size && r > 0; *len += r > 0 ? (size_t)r : 0)
		r = read(fd, buf + *len, (size_t)st.st_size - *len);
	if (r < 0 || *len < (size_t)st.st_size || memchr(buf, '\0', *len)) {
		*why = r < 0 ? strerror(errno) : *len < (size_t)st.st_size ? "file shrank while read"
			     : "contains a NUL byte (not a text file?)";
		secret_wipe(buf, *len);
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

/* The whole file (caller wipes and frees), or NULL with the reason printed. */
static char *read_input(const char *path, const char *what, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = errno;
	const char *why = strerror(err);
	char *buf = NULL;

	if (fd >= 0) {
		buf = read_fd(fd, len, &why);
		close(fd);
	}
	if (!buf)
		fprintf(stderr, "%s: error: %s %s: cannot read: %s%s\n", PROG, what, path, why,
			fd < 0 && err == EACCES ? " (run as root: libreswan's files are root's)" : "");
	return buf;
}

/* Without --secrets, FILE.secrets next to FILE.conf, if it exists. */
static void guess_secrets(struct import_opts *o)
{
	size_t n = strlen(o->conf);

	if (o->secrets || n < 6 || strcmp(o->conf + n - 5, ".conf") != 0 || n + 3 >= sizeof(o->guessed))
		return;
	snprintf(o->guessed, sizeof(o->guessed), "%.*s.secrets", (int)(n - 5), o->conf);
	if (access(o->guessed, F_OK) != 0)
		return;
	o->secrets = o->guessed;
	fprintf(stderr, "using %s for the secrets (next to %s; --secrets names another)\n",
		o->secrets, o->conf);
}

static void print_msgs(const struct import_result *r)
{
	for (size_t i = 0; i < r->n_msgs; i++)
		fprintf(stderr, "%s\n", r->msgs[i].text);
}

static void print_files(const struct import_result *r)
{
	bool first = true;

	for (size_t i = 0; i < r->n_conns; i++) {
		const struct import_conn *c = &r->conns[i];

		if (c->refused)
			continue;
		printf("%s# ===== %s.conf =====\n%s", first ? "" : "\n", c->name, c->conf);
		first = false;
		if (c->secrets)
			printf("\n# ===== %s.secrets (install with mode 0600) =====\n%s", c->name, c->secrets);
	}
}

/* DIR/NAME.EXT into path; false (and a message) when it does not fit. */
static bool out_path(char *path, size_t cap, const char *dir, const char *name, const char *ext)
{
	if ((size_t)snprintf(path, cap, "%s%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name,
			     ext) < cap)
		return true;
	fprintf(stderr, "%s: %s: path too long\n", PROG, dir);
	return false;
}

/* The files that would be overwritten; each is an error without --force. */
static int check_targets(const struct import_opts *o, const struct import_result *r)
{
	int clashes = 0;
	char path[4096];
	struct stat st;

	for (size_t i = 0; i < r->n_conns; i++)
		for (int s = 0; s < 2 && !r->conns[i].refused; s++) {
			if (s && !r->conns[i].secrets)
				continue;
			if (!out_path(path, sizeof(path), o->dir, r->conns[i].name, s ? ".secrets" : ".conf"))
				return -1;
			if (lstat(path, &st) != 0 || o->force)
				continue;
			fprintf(stderr, "%s: error: %s exists: not overwritten (--force replaces it)\n", PROG,
				path);
			clashes++;
		}
	return clashes;
}

/* A file root writes into a directory that belongs to someone else (the
 * packages give /etc/mcvpn.d to the user mcvpnd runs as) goes to that
 * owner too: mcvpnd must read it on its next reload. */
static int same_owner_as_dir(int fd, const char *dir)
{
	struct stat st;

	if (geteuid() != 0 || stat(dir, &st) != 0 || st.st_uid == 0)
		return 0;
	return fchown(fd, st.st_uid, st.st_gid);
}

/* text into path through a hidden temporary file (mcvpnd skips dot files):
 * link() refuses to replace a file that appeared meanwhile, rename() (with
 * --force) replaces it in one step. */
static int write_file(const char *dir, const char *path, const char *text, mode_t mode, bool force)
{
	char tmp[4200];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t len = strlen(text);
	int fd, r = -1;

	snprintf(tmp, sizeof(tmp), "%s%s.%s.import-tmp", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
		 base);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		goto out;
	if (fchmod(fd, mode) == 0 && same_owner_as_dir(fd, dir) == 0 &&
	    write(fd, text, len) == (ssize_t)len && fsync(fd) == 0)
		r = 0;
	if (close(fd) != 0)
		r = -1;
	if (r == 0)
		r = force ? rename(tmp, path) : link(tmp, path);
out:
	if (r != 0)
		fprintf(stderr, "%s: error: cannot write %s: %s\n", PROG, path, strerror(errno));
	unlink(tmp);
	return r;
}

static int write_all(const struct import_opts *o, const struct import_result *r)
{
	char path[4096];

	for (size_t i = 0; i < r->n_conns; i++) {
		const struct import_conn *c = &r->conns[i];

		if (c->refused)
			continue;
		if (!out_path(path, sizeof(path), o->dir, c->name, ".conf") ||
		    write_file(o->dir, path, c->conf, 0644, o->force) != 0)
			return -1;
		fprintf(stderr, "wrote %s\n", path);
		if (!c->secrets)
			continue;
		if (!out_path(path, sizeof(path), o->dir, c->name, ".secrets") ||
		    write_file(o->dir, path, c->secrets, 0600, o->force) != 0)
			return -1;
		fprintf(stderr, "wrote %s (mode 0600)\n", path);
	}
	return 0;
}

/* DIR read back as mcvpnd --check reads it; 0 when it loads. */
static int check_dir(const char *dir)
{
	struct conf_diag diag = { 0 };
	struct conf *conf = NULL;
	int r = conf_load_dir(dir, &conf, &diag);

	if (r == 0)
		fprintf(stderr, "%s: configuration OK, %zu conn%s (as mcvpnd --check --config-dir %s will say)\n",
			dir, conf->n_conns, conf->n_conns == 1 ? "" : "s", dir);
	for (size_t i = 0; i < diag.n; i++)
		fprintf(stderr, "%s\n", diag.msgs[i]);
	if (r != 0)
		fprintf(stderr, "%s: mcvpnd would refuse %s: %zu problem%s\n", PROG, dir, diag.n,
			diag.n == 1 ? "" : "s");
	conf_free(conf);
	conf_diag_free(&diag);
	return r;
}

/* Creates DIR (one level) when it is missing. */
static int ensure_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		errno = ENOTDIR;
	} else if (errno == ENOENT && mkdir(dir, 0700) == 0) {	/* it holds secrets */
		fprintf(stderr, "created %s\n", dir);
		return 0;
	}
	fprintf(stderr, "%s: error: output directory %s: %s\n", PROG, dir, strerror(errno));
	return -1;
}

static void next_steps(const struct import_opts *o, const struct import_result *r)
{
	size_t devices = 0;

	fprintf(stderr, "Next:");
	if (!o->dir)
		fprintf(stderr, " install the files above in /etc/mcvpn.d (or run again with "
			"--output-dir /etc/mcvpn.d);");
	if (o->script && r->script_taken[0])
		fprintf(stderr, " delete line%s %s of %s (mcvpnd does them now);",
			strpbrk(r->script_taken, ",-") ? "s" : "", r->script_taken, o->script);
	fprintf(stderr, " stop libreswan (systemctl disable --now ipsec)");
	for (size_t i = 0; i < r->n_conns; i++)
		devices += !r->conns[i].refused && r->conns[i].libreswan_device;
	for (size_t i = 0, n = 0; i < r->n_conns; i++) {
		if (r->conns[i].refused || !r->conns[i].libreswan_device)
			continue;
		fprintf(stderr, "%s", n ? "; " : devices > 1 ? " and delete its devices (" :
			" and delete its device (");
		fprintf(stderr, "ip link del %s%s", r->conns[i].vti_interface, ++n == devices ? ")" : "");
	}
	fprintf(stderr, "; then systemctl enable --now mcvpnd.\n");
}

/* Reads the inputs, converts, and prints or writes; returns the exit status. */
static int run(struct import_opts *o)
{
	struct import_input in = { .conf.name = o->conf, .include_fs = true, .only_conn = o->conn,
				   .local = o->local, .all_or_nothing = o->all_or_nothing };
	struct import_result r = { 0 };
	char *texts[3] = { NULL, NULL, NULL };
	int code = IMPORT_EXIT_NOTHING;

	guess_secrets(o);
	in.secrets.name = o->secrets;
	in.script.name = o->script;
	texts[0] = read_input(o->conf, "conn file", &in.conf.len);
	texts[1] = o->secrets ? read_input(o->secrets, "secrets file", &in.secrets.len) : NULL;
	texts[2] = o->script ? read_input(o->script, "boot script", &in.script.len) : NULL;
	if (!texts[0] || (o->secrets && !texts[1]) || (o->script && !texts[2]))
		goto out;
	in.conf.text = texts[0];
	in.secrets.text = texts[1];
	in.script.text = texts[2];
	if (import_libreswan(&in, &r) != 0) {
		print_msgs(&r);
		fprintf(stderr, "%s: nothing written: %zu error%s\n", PROG, r.n_errors,
			r.n_errors == 1 ? "" : "s");
		goto out;
	}
	print_msgs(&r);
	if (o->dir && (ensure_dir(o->dir) != 0 || check_targets(o, &r) != 0)) {
		fprintf(stderr, "%s: nothing written\n", PROG);
		goto out;
	}
	if (o->dir && write_all(o, &r) != 0)
		goto out;
	if (!o->dir)
		print_files(&r);
	for (size_t i = 0; i < r.n_conns; i++)
		if (!r.conns[i].refused)
			fprintf(stderr, "%s\n", r.conns[i].summary);
	if (o->dir && check_dir(o->dir) != 0) {
		code = IMPORT_EXIT_WARNINGS;	/* written, but mcvpnd would refuse the directory */
		goto out;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: cannot write the output: %s\n", PROG, strerror(errno));
		goto out;
	}
	next_steps(o, &r);
	code = r.n_warnings || r.n_errors ? IMPORT_EXIT_WARNINGS : IMPORT_EXIT_OK;
	if (r.n_warnings || r.n_errors)
		fprintf(stderr, "%s: %zu conn%s written, %zu refused; %zu warning%s above: the result is "
			"incomplete\n", PROG, r.n_written, r.n_written == 1 ? "" : "s", r.n_conns - r.n_written,
			r.n_warnings, r.n_warnings == 1 ? "" : "s");
out:
	for (int i = 0; i < 3; i++)
		if (texts[i]) {
			secret_wipe(texts[i], strlen(texts[i]));
			free(texts[i]);
		}
	import_result_free(&r);
	return code;
}

int mcvpnctl_import(int argc, char **argv)
{
	struct import_opts o = { .conf = NULL };
	int code = parse_args(argc, argv, &o);

	return code >= 0 ? code : run(&o);
}
