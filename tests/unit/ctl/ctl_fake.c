/* SPDX-License-Identifier: Apache-2.0 */
/* Fake daemon and raw client for the control socket tests. */
#include "ctl_fake.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/ctl/server.h"
#include "daemon/ctl/proto.h"
#include "daemon/base/log.h"

int fake_handler(void *arg, int argc, char **argv, struct evbuffer *out)
{
	struct event_base *base = arg;

	if (strcmp(argv[0], "echo") == 0) {
		evbuffer_add_printf(out, "argc=%d", argc);
		for (int i = 0; i < argc; i++)
			evbuffer_add_printf(out, " [%s]", argv[i]);
		return argv[argc] == NULL ? 0 : -1;
	}
	if (strcmp(argv[0], "fail") == 0) {
		evbuffer_add_printf(out, "it failed");
		return -1;
	}
	if (strcmp(argv[0], "failsilent") == 0)
		return -1;
	if (strcmp(argv[0], "big") == 0 && argc == 2) {
		for (long n = atol(argv[1]); n > 0; n--)
			evbuffer_add(out, "x", 1);
		return 0;
	}
	if (strcmp(argv[0], "quit") == 0) {
		evbuffer_add_printf(out, "bye");
		event_base_loopexit(base, NULL);
		return 0;
	}
	evbuffer_add_printf(out, "unknown command '%s'", argv[0]);
	return -1;
}

static int child_run(const char *path, unsigned timeout_ms, int ready_fd)
{
	struct event_base *base = event_base_new();
	struct ctl *ctl;
	struct stat st;

	log_init(true, LOG_DEBUG);
	ctl = base ? ctl_server_new(base, path, fake_handler, base) : NULL;
	if (!ctl)
		return 2;
	ctl_server_set_timeout(ctl, timeout_ms);
	if (write(ready_fd, "r", 1) != 1)
		return 3;
	close(ready_fd);
	event_base_dispatch(base);
	ctl_server_free(ctl);
	event_base_free(base);
	return lstat(path, &st) == 0 ? 4 : 0;
}

pid_t fake_server_start(const char *path, unsigned timeout_ms)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(child_run(path, timeout_ms, p[1]));
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return -1;
	}
	close(p[0]);
	return pid;
}

int fake_server_stop(pid_t pid, const char *path)
{
	char *argv[] = { "quit", NULL };
	uint8_t buf[64];
	size_t n = raw_request(buf, sizeof(buf), 1, argv);
	struct raw_reply r;
	int status;

	raw_call(path, buf, n, &r);
	if (r.proto_err != CTL_PROTO_OK || strcmp(r.text, "bye") != 0)
		kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* a broken server fails the test instead of hanging it */
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Read until EOF or cap; returns bytes read. */
static size_t read_all(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap) {
		n = recv(fd, buf + got, cap - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

void raw_read_reply(int fd, struct raw_reply *r)
{
	static uint8_t buf[CTL_PROTO_LEN_SIZE + CTL_RESP_MAX + 1];
	struct ctl_response resp;
	size_t got = read_all(fd, buf, sizeof(buf));
	size_t len;

	memset(r, 0, sizeof(*r));
	r->proto_err = -1;
	if (got < CTL_PROTO_LEN_SIZE)
		return;
	len = ctl_proto_frame_len(buf);
	/* a frame whose prefix disagrees with what came is a server bug */
	if (len != got - CTL_PROTO_LEN_SIZE) {
		r->proto_err = CTL_PROTO_TRUNCATED;
		return;
	}
	r->proto_err = ctl_proto_response_parse(buf + CTL_PROTO_LEN_SIZE, len, &resp);
	r->status = resp.status;
	r->text_len = resp.text_len;
	if (resp.text)
		snprintf(r->text, sizeof(r->text), "%.*s", (int)resp.text_len, resp.text);
}

void raw_call(const char *path, const void *req, size_t n, struct raw_reply *r)
{
	int fd = raw_connect(path);

	memset(r, 0, sizeof(*r));
	r->proto_err = -1;
	if (fd < 0)
		return;
	/* read even if the send failed: a refusal arrives before the close */
	(void)send(fd, req, n, MSG_NOSIGNAL);
	raw_read_reply(fd, r);
	close(fd);
}

size_t raw_request(uint8_t *buf, size_t cap, int argc, char **argv)
{
	struct wbuf w = wbuf_init(buf, cap);

	if (ctl_proto_request_build(&w, argc, argv) != CTL_PROTO_OK)
		return 0;
	return w.len;
}
