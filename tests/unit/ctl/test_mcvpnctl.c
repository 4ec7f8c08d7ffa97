/* SPDX-License-Identifier: Apache-2.0 */
/* mcvpnctl end to end: the built binary (argv[1]) against a forked ctl
 * server with the fake handler, and against hand-rolled bad daemons, for
 * its output, its messages and its exit codes (0 ok, 1 daemon error,
 * 2 usage, 3 cannot connect / protocol error). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ctl_fake.h"
#include "daemon/ctl/proto.h"

static const char *bin;
static int as_nobody;	/* run() drops to uid 65534 before exec */
static char dir[40];
static char path[80];

struct run {
	int code;
	char out[8192];
	char err[8192];
};

static void slurp(const char *file, char *buf, size_t cap)
{
	int fd = open(file, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, cap - 1) : -1;

	buf[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	unlink(file);
}

/* Run the binary with args (NULL-terminated, without argv[0]). */
static void run(struct run *r, char **args)
{
	char out[160], err[160];
	char *argv[16] = { (char *)bin };
	int status = 0;
	pid_t pid;

	for (int i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int o = open(out, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		int e = open(err, O_CREAT | O_TRUNC | O_WRONLY, 0600);

		dup2(o, 1);
		dup2(e, 2);
		if (as_nobody && (setgid(65534) != 0 || setuid(65534) != 0))
			_exit(126);
		execv(bin, argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

static void test_against_server(void)
{
	struct run r;

	run(&r, (char *[]){ "--socket", path, "echo", "a", "b c", NULL });
	CHECK_INT(r.code, 0);
	CHECK_STR(r.out, "argc=3 [echo] [a] [b c]\n");
	CHECK_STR(r.err, "");

	/* dashed words after the command belong to the command */
	run(&r, (char *[]){ "-s", path, "echo", "-x", "--socket", NULL });
	CHECK_INT(r.code, 0);
	CHECK_STR(r.out, "argc=3 [echo] [-x] [--socket]\n");

	{
		char opt[160];

		snprintf(opt, sizeof(opt), "--socket=%s", path);
		run(&r, (char *[]){ opt, "echo", NULL });
		CHECK_INT(r.code, 0);
		CHECK_STR(r.out, "argc=1 [echo]\n");
	}

	run(&r, (char *[]){ "--socket", path, "nosuchcommand", NULL });
	CHECK_INT(r.code, 1);
	CHECK_STR(r.out, "");
	CHECK_STR(r.err, "unknown command 'nosuchcommand'\n");

	run(&r, (char *[]){ "--socket", path, "failsilent", NULL });
	CHECK_INT(r.code, 1);
	CHECK_STR(r.err, "failsilent failed\n");

	run(&r, (char *[]){ "--socket", path, "big", "2000000", NULL });
	CHECK_INT(r.code, 1);
	CHECK_CONTAINS(r.err, "reply too large");
}

static void test_usage(void)
{
	static char longword[CTL_REQ_MAX + 16];
	struct run r;

	run(&r, (char *[]){ NULL });
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "no command given");
	run(&r, (char *[]){ "--socket", path, NULL });
	CHECK_INT(r.code, 2);
	run(&r, (char *[]){ "--bogus", "status", NULL });
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "--help");
	run(&r, (char *[]){ "--socket", path, "", NULL });
	CHECK_INT(r.code, 2);
	CHECK_CONTAINS(r.err, "empty command name");

	/* refused before connecting: no daemon needed to get exit 2 */
	memset(longword, 'a', sizeof(longword) - 1);
	run(&r, (char *[]){ "--socket", "/nonexistent/x.sock", "echo", longword, NULL });
	CHECK_INT(r.code, 2);
	CHECK_STR(r.err, "mcvpnctl: command too long (limit 4096 bytes)\n");

	run(&r, (char *[]){ "--help", NULL });
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "Usage: mcvpnctl [--socket PATH] COMMAND");
	CHECK_CONTAINS(r.out, "/run/mcvpn/mcvpnd.sock");
	run(&r, (char *[]){ "--version", NULL });
	CHECK_INT(r.code, 0);
	CHECK_CONTAINS(r.out, "mcvpnctl ");
	CHECK_CONTAINS(r.out, "control protocol 1");
}

static void test_no_daemon(void)
{
	char stale[100];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct run r;
	int fd;

	run(&r, (char *[]){ "--socket", "/nonexistent/x.sock", "status", NULL });
	CHECK_INT(r.code, 3);
	CHECK_STR(r.err, "mcvpnctl: cannot connect to mcvpnd at /nonexistent/x.sock: "
		  "No such file or directory (is mcvpnd running?)\n");

	/* not root: the 0600 socket (in a 0700 directory) is out of reach */
	if (geteuid() == 0) {
		as_nobody = 1;
		run(&r, (char *[]){ "--socket", path, "status", NULL });
		as_nobody = 0;
		CHECK_INT(r.code, 3);
		CHECK_CONTAINS(r.err, "Permission denied (mcvpnctl must run as root)");
	}

	/* a socket file nobody listens on */
	snprintf(stale, sizeof(stale), "%s/stale.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
	run(&r, (char *[]){ "--socket", stale, "status", NULL });
	CHECK_INT(r.code, 3);
	CHECK_CONTAINS(r.err, "Connection refused (is mcvpnd running?)");
	unlink(stale);
}

/* A daemon stand-in that reads the request and answers with raw bytes
 * (n may be 0: hang up without a reply). */
static pid_t bad_daemon(const char *sock, const uint8_t *reply, size_t n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	unlink(sock);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 1) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		uint8_t buf[256];
		int fd = accept(lfd, NULL, NULL);

		if (read(fd, buf, sizeof(buf)) <= 0)
			_exit(1);
		_exit(n && write(fd, reply, n) != (ssize_t)n ? 1 : 0);
	}
	close(lfd);
	return pid;
}

static void bad_reply_case(const char *hex, const char *want_err)
{
	char sock[100];
	uint8_t b[64];
	size_t n = check_unhex(hex, b, sizeof(b));
	struct run r;
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s/bad.sock", dir);
	pid = bad_daemon(sock, b, n);
	CHECK(pid > 0);
	run(&r, (char *[]){ "--socket", sock, "status", NULL });
	waitpid(pid, NULL, 0);
	unlink(sock);
	CHECK_INT(r.code, 3);
	CHECK_STR(r.out, "");
	CHECK_CONTAINS(r.err, want_err);
}

static void test_bad_daemon(void)
{
	bad_reply_case("", "mcvpnd closed the connection before replying");
	bad_reply_case("0000", "mcvpnd closed the connection before replying");
	bad_reply_case("00000009 4d435650 01 00 6869",
		       "mcvpnd closed the connection in the middle of its reply");
	bad_reply_case("00000008 4d435650 02 00 6869",
		       "mcvpnd speaks control protocol version 2, this mcvpnctl speaks 1");
	bad_reply_case("00000008 58585858 01 00 6869", "bad reply from mcvpnd: not a mcvpn");
	bad_reply_case("00000008 4d435650 01 05 6869", "unknown response status");
	bad_reply_case("00000003 4d4356", "message truncated");
	bad_reply_case("00100001", "bad reply from mcvpnd: 1048577 bytes (limit 1048576)");
	/* the good case through the same stand-in, so the cases above can fail */
	{
		char sock[100];
		uint8_t b[32];
		size_t n = check_unhex("00000008 4d435650 01 00 6869", b, sizeof(b));
		struct run r;
		pid_t pid;

		snprintf(sock, sizeof(sock), "%s/bad.sock", dir);
		pid = bad_daemon(sock, b, n);
		run(&r, (char *[]){ "--socket", sock, "status", NULL });
		waitpid(pid, NULL, 0);
		unlink(sock);
		CHECK_INT(r.code, 0);
		CHECK_STR(r.out, "hi\n");
	}
}

int main(int argc, char **argv)
{
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-MCVPNCTL\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	snprintf(dir, sizeof(dir), "/tmp/mcvpnctl-test.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/mcvpnd.sock", dir);
	pid = fake_server_start(path, 2000);
	CHECK(pid > 0);
	if (pid > 0) {
		test_against_server();
		test_usage();
		CHECK_INT(fake_server_stop(pid, path), 0);
	}
	test_no_daemon();
	test_bad_daemon();
	rmdir(dir);
	return check_summary("mcvpnctl");
}
