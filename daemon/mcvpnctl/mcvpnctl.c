/* SPDX-License-Identifier: Apache-2.0 */
/* mcvpnctl: send one command to mcvpnd over its control socket and print
 * the reply.  The commands and their arguments are checked against the
 * catalog the daemon shares (ctl/catalog.c) before connecting, so a typo is a
 * usage error (exit 2) whether or not mcvpnd runs.  The control socket's own
 * test builds this file with MCVPNCTL_PASS_THROUGH: its fake server's
 * commands go through unchecked. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/ctl/catalog.h"
#include "daemon/ctl/server.h"
#include "daemon/ctl/proto.h"
#ifdef MCVPNCTL_IMPORT		/* not in the ctl unit test's build of this file */
#include "daemon/mcvpnctl/import.h"
#include "daemon/mcvpnctl/verify.h"
#endif

#ifndef MCVPN_VERSION
#define MCVPN_VERSION "unknown"
#endif

/* How long to wait for mcvpnd to take the request and answer it. */
#define REPLY_TIMEOUT_S 10

#ifdef MCVPNCTL_IMPORT
/* verify [--config-dir DIR]: offline, no daemon needed. */
static int verify_main(int argc, char **argv, const char *ctl_path)
{
	const char *dir = "/etc/mcvpn.d";

	if (argc == 3 && strcmp(argv[1], "--config-dir") == 0)
		dir = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: mcvpnctl verify [--config-dir DIR]\n");
		return 2;
	}
	return verify_run(dir, ctl_path, getenv("MCVPN_PROC_ROOT") ? getenv("MCVPN_PROC_ROOT") : "",
			  stdout) ? 1 : 0;
}
#endif

enum exit_code {
	EXIT_OK = 0,
	EXIT_DAEMON_ERROR = 1,	/* mcvpnd answered with an error */
	EXIT_USAGE = 2,
	EXIT_NO_DAEMON = 3,	/* cannot connect, timeout, protocol error */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mcvpnctl [--socket PATH] COMMAND [ARGS...]\n"
		"Send COMMAND to mcvpnd and print its reply.\n");
	for (int offline = 0; offline <= 1; offline++) {
		fprintf(f, "\n%s\n", offline ? "Offline commands (run by mcvpnctl itself; mcvpnd need not run):"
					     : "Commands (answered by mcvpnd):");
		for (size_t i = 0; i < ctl_catalog_len; i++) {
			const struct ctl_command *c = &ctl_catalog[i];

			if (c->offline != offline)
				continue;
			if (strlen(c->usage) < 24)
				fprintf(f, "  %-24s%s\n", c->usage, c->summary);
			else
				fprintf(f, "  %s\n  %-24s%s\n", c->usage, "", c->summary);
		}
	}
	fprintf(f,
		"\n"
		"Options:\n"
		"  -s, --socket PATH  control socket (default %s)\n"
		"  -h, --help         show this help\n"
		"  -V, --version      show the version\n"
		"\n"
		"Exit status: 0 ok, 1 mcvpnd reported an error, 2 usage error,\n"
		"3 cannot reach mcvpnd or bad reply.\n",
		CTL_SOCKET_PATH);
}

/* A command mcvpnd answers, with a number of arguments it takes; else the
 * reason on stderr and EXIT_USAGE (no daemon needed to say so). */
static int check_command(int argc, char **argv)
{
#ifdef MCVPNCTL_PASS_THROUGH
	return 0;
#else
	const struct ctl_command *c = ctl_catalog_find(argv[0]);

	if (!c) {
		fprintf(stderr, "mcvpnctl: unknown command '%.64s'; 'mcvpnctl --help' lists them\n",
			argv[0]);
		return EXIT_USAGE;
	}
	if (argc - 1 < c->min_args || argc - 1 > c->max_args) {
		fprintf(stderr, "usage: mcvpnctl %s\n", c->usage);
		return EXIT_USAGE;
	}
	return 0;
#endif
}

/* Returns the index of COMMAND in argv, or -1 with *code set to exit now. */
static int parse_options(int argc, char **argv, const char **path, int *code)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* '+': stop at COMMAND, so its own dashed arguments pass through */
	while ((c = getopt_long(argc, argv, "+s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			*path = optarg;
			break;
		case 'h':
			usage(stdout);
			*code = EXIT_OK;
			return -1;
		case 'V':
			printf("mcvpnctl %s (control protocol %u)\n", MCVPN_VERSION,
			       CTL_PROTO_VERSION);
			*code = EXIT_OK;
			return -1;
		default:
			fprintf(stderr, "Try 'mcvpnctl --help'.\n");
			*code = EXIT_USAGE;
			return -1;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "mcvpnctl: no command given\n");
		usage(stderr);
		*code = EXIT_USAGE;
		return -1;
	}
	return optind;
}

static const char *connect_hint(int err)
{
	if (err == EACCES || err == EPERM)
		return "mcvpnctl must run as root";
	return "is mcvpnd running?";
}

/* Returns a connected fd, or -1 with the reason printed and *code set. */
static int daemon_connect(const char *path, int *code)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "mcvpnctl: socket path too long (max %zu bytes): %s\n",
			sizeof(sa.sun_path) - 1, path);
		*code = EXIT_USAGE;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		return fd;
	}
	fprintf(stderr, "mcvpnctl: cannot connect to mcvpnd at %s: %s (%s)\n", path,
		strerror(errno), connect_hint(errno));
	if (fd >= 0)
		close(fd);
	*code = EXIT_NO_DAEMON;
	return -1;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* 0 when n bytes came, -1 on error (errno set), 1 on early end of stream. */
static int recv_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = recv(fd, p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int io_error(const char *what, int rc)
{
	if (rc > 0)
		fprintf(stderr, "mcvpnctl: mcvpnd closed the connection %s\n", what);
	else if (errno == EAGAIN || errno == EWOULDBLOCK)
		fprintf(stderr, "mcvpnctl: mcvpnd did not answer within %d s\n", REPLY_TIMEOUT_S);
	else
		fprintf(stderr, "mcvpnctl: %s: %s\n", what, strerror(errno));
	return EXIT_NO_DAEMON;
}

/* Encode argv into w before connecting, so a bad command line is a usage
 * error whether or not mcvpnd runs. */
static int build_request(struct wbuf *w, int argc, char **argv)
{
	enum ctl_proto_err err = ctl_proto_request_build(w, argc, argv);

	if (err == CTL_PROTO_OK)
		return EXIT_OK;
	if (err == CTL_PROTO_TOO_LONG)
		fprintf(stderr, "mcvpnctl: command too long (limit %u bytes)\n", CTL_REQ_MAX);
	else if (err == CTL_PROTO_TOO_MANY_ARGS)
		fprintf(stderr, "mcvpnctl: too many arguments (limit %u)\n", CTL_ARGC_MAX);
	else
		fprintf(stderr, "mcvpnctl: %s\n", ctl_proto_err_str(err));
	return EXIT_USAGE;
}

/* Print the text, ending it with a newline if the daemon did not. */
static void print_text(FILE *f, const char *text, size_t n)
{
	fwrite(text, 1, n, f);
	if (n > 0 && text[n - 1] != '\n')
		fputc('\n', f);
}

static int show_response(const uint8_t *body, size_t len)
{
	struct ctl_response resp;
	enum ctl_proto_err err = ctl_proto_response_parse(body, len, &resp);

	if (err == CTL_PROTO_BAD_VERSION) {
		fprintf(stderr, "mcvpnctl: mcvpnd speaks control protocol version %u, "
			"this mcvpnctl speaks %u\n", resp.version, CTL_PROTO_VERSION);
		return EXIT_NO_DAEMON;
	}
	if (err != CTL_PROTO_OK) {
		fprintf(stderr, "mcvpnctl: bad reply from mcvpnd: %s\n", ctl_proto_err_str(err));
		return EXIT_NO_DAEMON;
	}
	if (resp.status == CTL_STATUS_OK) {
		print_text(stdout, resp.text, resp.text_len);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_NO_DAEMON;
	}
	if (resp.text_len == 0)
		fprintf(stderr, "mcvpnctl: mcvpnd reported an error without a message\n");
	print_text(stderr, resp.text, resp.text_len);
	return EXIT_DAEMON_ERROR;
}

static int recv_response(int fd)
{
	uint8_t prefix[CTL_PROTO_LEN_SIZE];
	uint8_t *body;
	uint32_t len;
	int rc;

	rc = recv_all(fd, prefix, sizeof(prefix));
	if (rc != 0)
		return io_error("before replying", rc);
	len = ctl_proto_frame_len(prefix);
	if (len > CTL_RESP_MAX) {
		fprintf(stderr, "mcvpnctl: bad reply from mcvpnd: %u bytes (limit %u)\n", len,
			CTL_RESP_MAX);
		return EXIT_NO_DAEMON;
	}
	body = malloc(len ? len : 1);
	if (!body) {
		fprintf(stderr, "mcvpnctl: out of memory\n");
		return EXIT_NO_DAEMON;
	}
	rc = recv_all(fd, body, len);
	rc = rc != 0 ? io_error("in the middle of its reply", rc) : show_response(body, len);
	free(body);
	return rc;
}

int main(int argc, char **argv)
{
	uint8_t req[CTL_PROTO_LEN_SIZE + CTL_REQ_MAX];
	struct wbuf w = wbuf_init(req, sizeof(req));
	const char *path = CTL_SOCKET_PATH;
	int code = EXIT_OK;
	int first, fd;

	first = parse_options(argc, argv, &path, &code);
	if (first < 0)
		return code;
#ifdef MCVPNCTL_IMPORT
	if (strcmp(argv[first], "import-libreswan") == 0)
		return mcvpnctl_import(argc - first, argv + first);
	if (strcmp(argv[first], "verify") == 0)
		return verify_main(argc - first, argv + first, path);
#endif
	code = check_command(argc - first, argv + first);
	if (code != EXIT_OK)
		return code;
	code = build_request(&w, argc - first, argv + first);
	if (code != EXIT_OK)
		return code;
	fd = daemon_connect(path, &code);
	if (fd < 0)
		return code;
	/* a daemon that refused us (uid, too many clients) closes early, but
	 * its reason may be waiting to be read */
	if (send_all(fd, req, w.len) != 0 && errno != EPIPE && errno != ECONNRESET)
		code = io_error("sending the request", -1);
	else
		code = recv_response(fd);
	close(fd);
	return code;
}
