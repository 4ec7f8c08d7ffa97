/* SPDX-License-Identifier: Apache-2.0 */
/* ctl server: a forked server with the fake handler (ctl_fake.c), driven
 * by raw sockets: normal and failing commands, every malformed frame, a
 * stalled client, concurrent clients, the client limit, SIGPIPE, peer uid,
 * and the socket file's life (mode, directory, stale and live files). */
#include <errno.h>
#include <grp.h>
#include <unistd.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "check.h"
#include "ctl_fake.h"
#include "daemon/ctl/server.h"
#include "daemon/ctl/proto.h"
#include "daemon/base/log.h"

#define TIMEOUT_MS 300

static char dir[40];
static char path[80];

static size_t req_of(uint8_t *buf, size_t cap, int argc, char **argv)
{
	return raw_request(buf, cap, argc, argv);
}

static void call_argv(int argc, char **argv, struct raw_reply *r)
{
	uint8_t buf[CTL_PROTO_LEN_SIZE + CTL_REQ_MAX];

	raw_call(path, buf, req_of(buf, sizeof(buf), argc, argv), r);
}

static void call_hex(const char *hex, struct raw_reply *r)
{
	uint8_t buf[256];

	raw_call(path, buf, check_unhex(hex, buf, sizeof(buf)), r);
}

/* The server still answers normally: nothing above left it wedged. */
static void check_alive(void)
{
	struct raw_reply r;

	call_argv(2, (char *[]){ "echo", "alive", NULL }, &r);
	CHECK_INT(r.proto_err, CTL_PROTO_OK);
	CHECK_STR(r.text, "argc=2 [echo] [alive]");
}

#ifdef MCVPN_CTL_GROUP
#define SOCK_MODE 0660	/* group members may connect */
#else
#define SOCK_MODE 0600
#endif

static void test_socket_file(void)
{
	struct stat st;
	char sub[160];

	CHECK(lstat(path, &st) == 0);
	CHECK(S_ISSOCK(st.st_mode));
	CHECK_INT(st.st_mode & 07777, SOCK_MODE);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_INT(st.st_mode & 07777, 0755);
}

static void test_commands(void)
{
	struct raw_reply r;

	call_argv(4, (char *[]){ "echo", "a b", "", "-x", NULL }, &r);
	CHECK_INT(r.proto_err, CTL_PROTO_OK);
	CHECK_INT(r.status, CTL_STATUS_OK);
	CHECK_STR(r.text, "argc=4 [echo] [a b] [] [-x]");

	call_argv(1, (char *[]){ "frobnicate", NULL }, &r);
	CHECK_INT(r.proto_err, CTL_PROTO_OK);
	CHECK_INT(r.status, CTL_STATUS_ERROR);
	CHECK_STR(r.text, "unknown command 'frobnicate'");

	call_argv(1, (char *[]){ "fail", NULL }, &r);
	CHECK_INT(r.status, CTL_STATUS_ERROR);
	CHECK_STR(r.text, "it failed");

	/* an error without text still tells the user something */
	call_argv(1, (char *[]){ "failsilent", NULL }, &r);
	CHECK_INT(r.status, CTL_STATUS_ERROR);
	CHECK_STR(r.text, "failsilent failed");

	call_argv(2, (char *[]){ "big", "200000", NULL }, &r);
	CHECK_INT(r.proto_err, CTL_PROTO_OK);
	CHECK_INT(r.status, CTL_STATUS_OK);
	CHECK_INT(r.text_len, 200000);

	/* over CTL_RESP_MAX: refused by the server, not sent */
	call_argv(2, (char *[]){ "big", "2000000", NULL }, &r);
	CHECK_INT(r.proto_err, CTL_PROTO_OK);
	CHECK_INT(r.status, CTL_STATUS_ERROR);
	CHECK_CONTAINS(r.text, "reply too large");
}

static void test_malformed(void)
{
	struct raw_reply r;

	call_hex("0000000c 58585858 01 01 0004 65636f6f", &r);
	CHECK_INT(r.status, CTL_STATUS_ERROR);
	CHECK_CONTAINS(r.text, "bad magic");
	check_alive();

	call_hex("0000000c 4d435650 02 01 0004 6563686f", &r);
	CHECK_INT(r.proto_err, CTL_PROTO_OK);
	CHECK_INT(r.status, CTL_STATUS_ERROR);
	CHECK_STR(r.text, "unsupported control protocol version 2 (mcvpnd speaks 1)");

	/* oversized: refused from the length alone, body never sent */
	call_hex("00001001", &r);
	CHECK_INT(r.status, CTL_STATUS_ERROR);
	CHECK_STR(r.text, "request too large (4097 bytes, limit 4096)");
	call_hex("ffffffff", &r);
	CHECK_CONTAINS(r.text, "request too large (4294967295 bytes");
	check_alive();

	/* length says 12, word says 5 of the 4 bytes left */
	call_hex("0000000c 4d435650 01 01 0005 6563686f", &r);
	CHECK_STR(r.text, "bad request: message truncated");
	/* length covers a byte the fields do not */
	call_hex("0000000d 4d435650 01 01 0004 6563686f 00", &r);
	CHECK_STR(r.text, "bad request: trailing bytes after message");
	/* a whole frame, then bytes beyond it in the same write */
	call_hex("0000000c 4d435650 01 01 0004 6563686f 0000", &r);
	CHECK_STR(r.text, "bad request: trailing bytes after message");
	call_hex("00000006 4d435650 01 00", &r);
	CHECK_STR(r.text, "bad request: no command given");
	call_hex("00000000", &r);
	CHECK_STR(r.text, "bad request: message truncated");
	check_alive();
}

/* A client that half-closes in the middle of its frame is told so. */
static void test_truncated_then_eof(void)
{
	uint8_t b[16];
	size_t n = check_unhex("00000014 4d435650 01", b, sizeof(b));
	struct raw_reply r;
	int fd = raw_connect(path);

	CHECK(fd >= 0);
	CHECK(send(fd, b, n, MSG_NOSIGNAL) == (ssize_t)n);
	shutdown(fd, SHUT_WR);
	raw_read_reply(fd, &r);
	close(fd);
	CHECK_INT(r.proto_err, CTL_PROTO_OK);
	CHECK_STR(r.text, "bad request: message truncated");
	check_alive();
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A stalled client times out; while it stalls others are served. */
static void test_stall(void)
{
	struct raw_reply r;
	struct timespec t0;
	int fd = raw_connect(path);

	CHECK(fd >= 0);
	CHECK(send(fd, "\0\0", 2, MSG_NOSIGNAL) == 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	check_alive();
	raw_read_reply(fd, &r);
	close(fd);
	CHECK_INT(r.proto_err, CTL_PROTO_OK);
	CHECK_STR(r.text, "request timed out after 300 ms");
	CHECK(elapsed_ms(&t0) >= TIMEOUT_MS - 50);
	CHECK(elapsed_ms(&t0) < 5 * TIMEOUT_MS);

	/* a client that sends nothing at all is closed too */
	fd = raw_connect(path);
	raw_read_reply(fd, &r);
	close(fd);
	CHECK_STR(r.text, "request timed out after 300 ms");
}

/* Two clients with requests interleaved byte-wise both get their answer. */
static void test_concurrent(void)
{
	uint8_t a[64], b[64];
	size_t na = req_of(a, sizeof(a), 2, (char *[]){ "echo", "A", NULL });
	size_t nb = req_of(b, sizeof(b), 2, (char *[]){ "echo", "B", NULL });
	int fa = raw_connect(path), fb = raw_connect(path);
	struct raw_reply ra, rb;

	CHECK(fa >= 0 && fb >= 0);
	CHECK(send(fa, a, 5, MSG_NOSIGNAL) == 5);
	CHECK(send(fb, b, 3, MSG_NOSIGNAL) == 3);
	CHECK(send(fb, b + 3, nb - 3, MSG_NOSIGNAL) == (ssize_t)(nb - 3));
	raw_read_reply(fb, &rb);
	CHECK(send(fa, a + 5, na - 5, MSG_NOSIGNAL) == (ssize_t)(na - 5));
	raw_read_reply(fa, &ra);
	CHECK_STR(rb.text, "argc=2 [echo] [B]");
	CHECK_STR(ra.text, "argc=2 [echo] [A]");
	close(fa);
	close(fb);
}

/* Past CTL_CLIENTS_MAX idle clients, the next is refused, not queued. */
static void test_client_limit(void)
{
	int fds[CTL_CLIENTS_MAX];
	struct raw_reply r;
	int extra, i;

	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		fds[i] = raw_connect(path);
	/* let the server accept them all before the extra one */
	usleep(100 * 1000);
	extra = raw_connect(path);
	raw_read_reply(extra, &r);
	close(extra);
	CHECK_STR(r.text, "too many control clients, try again");
	for (i = 0; i < CTL_CLIENTS_MAX; i++)
		close(fds[i]);
	usleep(50 * 1000);
	check_alive();
}

/* A client gone before its big reply is written must not kill the server
 * with SIGPIPE (the child does not ignore it). */
static void test_hangup(void)
{
	uint8_t b[64];
	size_t n = req_of(b, sizeof(b), 2, (char *[]){ "big", "900000", NULL });

	for (int i = 0; i < 3; i++) {
		int fd = raw_connect(path);

		CHECK(send(fd, b, n, MSG_NOSIGNAL) == (ssize_t)n);
		usleep(20 * 1000);
		close(fd);
	}
	check_alive();
}

/* echo as uid/gid (and supplementary group sup unless -1) from a child
 * process; the reply through a pipe. */
static void call_as_groups(uid_t uid, gid_t gid, gid_t sup, struct raw_reply *r)
{
	int p[2];
	pid_t pid;

	CHECK(pipe(p) == 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (setgroups(sup == (gid_t)-1 ? 0 : 1, &sup) != 0 || setgid(gid) != 0 ||
		    setuid(uid) != 0)
			_exit(1);
		call_argv(1, (char *[]){ "echo", NULL }, r);
		_exit(write(p[1], r, sizeof(*r)) == sizeof(*r) ? 0 : 1);
	}
	close(p[1]);
	memset(r, 0, sizeof(*r));
	CHECK(read(p[0], r, sizeof(*r)) == sizeof(*r));
	close(p[0]);
	waitpid(pid, NULL, 0);
}

static void call_as(uid_t uid, gid_t gid, struct raw_reply *r)
{
	call_as_groups(uid, gid, (gid_t)-1, r);
}

#ifdef MCVPN_CTL_GROUP
/* Built with a control group ("nogroup"): its members get in, others not. */
static void test_peer_uid(void)
{
	struct raw_reply r;
	struct stat st;

	if (geteuid() != 0) {
		printf("test_peer_uid: skipped, not root\n");
		return;
	}
	CHECK(stat(path, &st) == 0);
	CHECK_INT(st.st_mode & 0777, 0660);
	CHECK_INT(st.st_gid, 65534);	/* nogroup */
	CHECK(chmod(dir, 0755) == 0);
	call_as(65534, 65534, &r);	/* nobody, in nogroup */
	CHECK_INT(r.status, CTL_STATUS_OK);
	CHECK(chmod(path, 0666) == 0);	/* let an outsider reach it: SO_PEERCRED must refuse */
	call_as(1, 1, &r);		/* daemon:daemon */
	CHECK_INT(r.status, CTL_STATUS_ERROR);
	CHECK_STR(r.text, "permission denied: mcvpnd serves only root and group nogroup");
	/* the same user with nogroup as a supplementary group: the kernel's
	 * SO_PEERGROUPS says so, no name-service lookup */
	call_as_groups(1, 1, 65534, &r);
	CHECK_INT(r.status, CTL_STATUS_OK);
	CHECK(chmod(path, 0660) == 0 && chmod(dir, 0700) == 0);
	check_alive();
}
#else
/* Only root or the daemon's uid: run a client as nobody (needs root). */
static void test_peer_uid(void)
{
	struct raw_reply r;

	if (geteuid() != 0) {
		printf("test_peer_uid: skipped, not root\n");
		return;
	}
	/* let nobody reach the socket at all, so SO_PEERCRED is what refuses */
	CHECK(chmod(dir, 0755) == 0 && chmod(path, 0666) == 0);
	call_as(65534, 65534, &r);
	CHECK_INT(r.proto_err, CTL_PROTO_OK);
	CHECK_INT(r.status, CTL_STATUS_ERROR);
	CHECK_STR(r.text, "permission denied: mcvpnd serves only root");
	CHECK(chmod(path, 0600) == 0 && chmod(dir, 0700) == 0);
	check_alive();
}
#endif

/* In-process: what ctl_server_new does with what it finds at the path. */
static void test_path_cases(void)
{
	struct event_base *base = event_base_new();
	char p2[100], longp[200];
	struct ctl *ctl;
	struct stat st;
	int fd;

	/* a live server holds the path: refused, and it keeps working */
	ctl = ctl_server_new(base, path, fake_handler, base);
	CHECK(ctl == NULL);
	ctl_server_free(ctl);
	check_alive();

	/* a stale socket (bound, nobody listening) is replaced */
	snprintf(p2, sizeof(p2), "%s/stale.sock", dir);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p2);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		close(fd);
	}
	/* and its mode does not depend on the umask */
	mode_t old = umask(0);
	ctl = ctl_server_new(base, p2, fake_handler, base);
	umask(old);
	CHECK(ctl != NULL);
	CHECK(lstat(p2, &st) == 0 && (st.st_mode & 07777) == SOCK_MODE);
	ctl_server_free(ctl);
	CHECK(lstat(p2, &st) != 0 && errno == ENOENT);

	/* a regular file is not ours to delete */
	fd = open(p2, O_CREAT | O_WRONLY, 0644);
	close(fd);
	CHECK(ctl_server_new(base, p2, fake_handler, base) == NULL);
	CHECK(lstat(p2, &st) == 0 && S_ISREG(st.st_mode));
	unlink(p2);

	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	CHECK(ctl_server_new(base, longp, fake_handler, base) == NULL);

	/* parent directory missing two levels up: a clear failure, no crash */
	snprintf(p2, sizeof(p2), "%s/no/such/x.sock", dir);
	CHECK(ctl_server_new(base, p2, fake_handler, base) == NULL);

	ctl_server_free(NULL);
	event_base_free(base);
}

int main(void)
{
	pid_t pid;

	log_init(true, LOG_INFO);
	snprintf(dir, sizeof(dir), "/tmp/mcvpn-ctl-test.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/run/mcvpnd.sock", dir);
	pid = fake_server_start(path, TIMEOUT_MS);
	CHECK(pid > 0);
	if (pid <= 0)
		return check_summary("ctl_server");
	test_socket_file();
	test_commands();
	test_malformed();
	test_truncated_then_eof();
	test_stall();
	test_concurrent();
	test_client_limit();
	test_hangup();
	test_peer_uid();
	test_path_cases();
	/* the child exits 0 only if ctl_server_free removed the socket file */
	CHECK_INT(fake_server_stop(pid, path), 0);
	{
		char sub[160];

		snprintf(sub, sizeof(sub), "%s/run", dir);
		rmdir(sub);
		rmdir(dir);
	}
	return check_summary("ctl_server");
}
