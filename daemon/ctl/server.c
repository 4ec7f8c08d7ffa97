/* SPDX-License-Identifier: Apache-2.0 */
/* Control socket server: accept, per-client read/reply state machine,
 * timeouts.  The socket file's life (directory, stale file, mode) is in
 * the second half of this file. */
#include "daemon/ctl/server.h"

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "daemon/ctl/proto.h"
#include "daemon/base/log.h"

#define CTL_BACKLOG		16
/* Pause after accept() fails for lack of fds, instead of spinning. */
#define CTL_ACCEPT_PAUSE_MS	1000

enum client_state {
	CLIENT_READING,
	CLIENT_WRITING,
};

struct ctl_client {
	struct ctl *ctl;		/* borrowed: the server that owns us */
	int fd;				/* owned */
	pid_t pid;			/* from SO_PEERCRED, for logs */
	enum client_state state;
	struct event *rd;		/* owned */
	struct event *wr;		/* owned */
	struct event *deadline;		/* owned */
	struct evbuffer *out;		/* owned: handler output, then the frame */
	size_t in_len;
	uint8_t in[CTL_PROTO_LEN_SIZE + CTL_REQ_MAX];
	LIST_ENTRY(ctl_client) entry;
};

struct ctl {
	struct event_base *base;	/* borrowed */
	ctl_handler_fn fn;
	void *arg;			/* borrowed, passed to fn */
	char *path;			/* owned copy */
	dev_t dev;			/* of the socket file we bound, so ctl_server_free */
	ino_t ino;			/* never unlinks a successor's socket */
	int fd;				/* owned: listening socket */
	struct event *accept_ev;	/* owned */
	struct event *pause_ev;		/* owned */
	unsigned timeout_ms;
	unsigned nclients;
	gid_t group;			/* the control group, looked up once; -1 none */
	LIST_HEAD(, ctl_client) clients;
};

static struct timeval ms_to_tv(unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return tv;
}

/* ---- per-client state machine ---- */

static void client_free(struct ctl_client *cl)
{
	if (!cl)
		return;
	LIST_REMOVE(cl, entry);
	cl->ctl->nclients--;
	if (cl->rd)
		event_free(cl->rd);
	if (cl->wr)
		event_free(cl->wr);
	if (cl->deadline)
		event_free(cl->deadline);
	if (cl->out)
		evbuffer_free(cl->out);
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl);
}

/* Send what we can without blocking.  Returns 1 when all is sent, 0 when
 * the socket is full, -1 when the peer is gone. */
static int client_flush(struct ctl_client *cl)
{
	struct evbuffer_iovec v;
	ssize_t n;

	while (evbuffer_peek(cl->out, -1, NULL, &v, 1) > 0) {
		n = send(cl->fd, v.iov_base, v.iov_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		evbuffer_drain(cl->out, (size_t)n);
	}
	return 1;
}

static void client_on_write(evutil_socket_t fd, short what, void *vcl)
{
	struct ctl_client *cl = vcl;

	if (client_flush(cl) != 0)
		client_free(cl);
}

/* Frame whatever cl->out holds as the reply and start writing it. */
static void client_reply(struct ctl_client *cl, enum ctl_status status)
{
	uint8_t prefix[CTL_RESP_PREFIX_LEN];
	size_t n = evbuffer_get_length(cl->out);
	struct timeval tv = ms_to_tv(cl->ctl->timeout_ms);

	if (ctl_proto_response_prefix(prefix, status, n) != CTL_PROTO_OK) {
		log_warn("ctl: reply of %zu bytes is over the %u byte limit", n, CTL_RESP_MAX);
		evbuffer_drain(cl->out, n);
		evbuffer_add_printf(cl->out, "reply too large (%zu bytes, limit %u)", n,
				    CTL_RESP_MAX);
		status = CTL_STATUS_ERROR;
		ctl_proto_response_prefix(prefix, status, evbuffer_get_length(cl->out));
	}
	evbuffer_prepend(cl->out, prefix, sizeof(prefix));
	cl->state = CLIENT_WRITING;
	event_del(cl->rd);
	event_add(cl->wr, NULL);
	/* a fresh deadline: the client gets the full timeout to read */
	evtimer_add(cl->deadline, &tv);
}

static void client_reply_error(struct ctl_client *cl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void client_reply_error(struct ctl_client *cl, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_debug("ctl: client pid %d: %s", (int)cl->pid, msg);
	evbuffer_drain(cl->out, evbuffer_get_length(cl->out));
	evbuffer_add(cl->out, msg, strlen(msg));
	client_reply(cl, CTL_STATUS_ERROR);
}

static void client_handle(struct ctl_client *cl, const uint8_t *body, size_t len)
{
	struct ctl_request req;
	enum ctl_proto_err err;
	int rc;

	err = ctl_proto_request_parse(body, len, &req);
	if (err == CTL_PROTO_BAD_VERSION) {
		client_reply_error(cl, "unsupported control protocol version %u (mcvpnd speaks %u)",
				   req.version, CTL_PROTO_VERSION);
		return;
	}
	if (err != CTL_PROTO_OK) {
		client_reply_error(cl, "bad request: %s", ctl_proto_err_str(err));
		return;
	}
	rc = cl->ctl->fn(cl->ctl->arg, req.argc, req.argv, cl->out);
	if (rc != 0 && evbuffer_get_length(cl->out) == 0)
		evbuffer_add_printf(cl->out, "%s failed", req.argv[0]);
	client_reply(cl, rc == 0 ? CTL_STATUS_OK : CTL_STATUS_ERROR);
}

/* Look at what has arrived: wait for more, refuse, or handle the request. */
static void client_consume(struct ctl_client *cl)
{
	uint32_t len;

	if (cl->in_len < CTL_PROTO_LEN_SIZE)
		return;
	len = ctl_proto_frame_len(cl->in);
	if (len > CTL_REQ_MAX) {
		client_reply_error(cl, "request too large (%u bytes, limit %u)", len, CTL_REQ_MAX);
		return;
	}
	if (cl->in_len < CTL_PROTO_LEN_SIZE + (size_t)len)
		return;
	if (cl->in_len > CTL_PROTO_LEN_SIZE + (size_t)len) {
		client_reply_error(cl, "bad request: %s", ctl_proto_err_str(CTL_PROTO_TRAILING));
		return;
	}
	client_handle(cl, cl->in + CTL_PROTO_LEN_SIZE, len);
}

static void client_on_read(evutil_socket_t fd, short what, void *vcl)
{
	struct ctl_client *cl = vcl;
	ssize_t n;

	n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0) {
		log_debug("ctl: client pid %d: recv: %s", (int)cl->pid, strerror(errno));
		client_free(cl);
		return;
	}
	if (n == 0) {
		/* a half-closed client can still read why it was refused */
		if (cl->in_len == 0)
			client_free(cl);
		else
			client_reply_error(cl, "bad request: %s",
					   ctl_proto_err_str(CTL_PROTO_TRUNCATED));
		return;
	}
	cl->in_len += (size_t)n;
	client_consume(cl);
}

static void client_on_deadline(evutil_socket_t fd, short what, void *vcl)
{
	struct ctl_client *cl = vcl;

	if (cl->state == CLIENT_WRITING) {
		log_debug("ctl: client pid %d did not read its reply in time", (int)cl->pid);
		client_free(cl);
		return;
	}
	client_reply_error(cl, "request timed out after %u ms", cl->ctl->timeout_ms);
}

static struct ctl_client *client_new(struct ctl *ctl, int fd, pid_t pid)
{
	struct ctl_client *cl = calloc(1, sizeof(*cl));
	struct timeval tv = ms_to_tv(ctl->timeout_ms);

	if (!cl)
		return NULL;
	cl->ctl = ctl;
	cl->fd = fd;
	cl->pid = pid;
	cl->rd = event_new(ctl->base, fd, EV_READ | EV_PERSIST, client_on_read, cl);
	cl->wr = event_new(ctl->base, fd, EV_WRITE | EV_PERSIST, client_on_write, cl);
	cl->deadline = evtimer_new(ctl->base, client_on_deadline, cl);
	cl->out = evbuffer_new();
	LIST_INSERT_HEAD(&ctl->clients, cl, entry);
	ctl->nclients++;
	if (!cl->rd || !cl->wr || !cl->deadline || !cl->out ||
	    event_add(cl->rd, NULL) != 0 || evtimer_add(cl->deadline, &tv) != 0) {
		cl->fd = -1;	/* the caller still owns fd on failure */
		client_free(cl);
		return NULL;
	}
	return cl;
}

/* ---- accepting ---- */

/* Best effort on a fresh connection, whose send buffer is empty: one
 * short error frame, then the caller closes. */
static void refuse(int fd, const char *msg)
{
	uint8_t frame[CTL_RESP_PREFIX_LEN + 128];
	size_t n = strnlen(msg, sizeof(frame) - CTL_RESP_PREFIX_LEN);

	if (ctl_proto_response_prefix(frame, CTL_STATUS_ERROR, n) != CTL_PROTO_OK)
		return;
	memcpy(frame + CTL_RESP_PREFIX_LEN, msg, n);
	if (send(fd, frame, CTL_RESP_PREFIX_LEN + n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("ctl: could not send refusal: %s", strerror(errno));
}

/* MCVPN_CTL_GROUP (meson -Dctl_group=NAME): members of that group may use
 * the socket too; it is then 0660 and owned by the group. */
#ifndef MCVPN_CTL_GROUP
#define MCVPN_CTL_GROUP ""
#endif

/* The control group's gid, or -1 when there is none (or it does not exist).
 * A name-service lookup: once, at start, never per client. */
static gid_t ctl_gid(void)
{
	struct group *g = MCVPN_CTL_GROUP[0] ? getgrnam(MCVPN_CTL_GROUP) : NULL;
	return g ? g->gr_gid : (gid_t)-1;
}

/* Is the client on fd (primary group gid) a member of the control group?
 * Its groups come from the kernel (SO_PEERGROUPS), not from the name
 * service, which may block (LDAP, sssd) while the loop waits. */
static bool in_ctl_group(const struct ctl *ctl, int fd, gid_t gid)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (ctl->group == (gid_t)-1)
		return false;
	if (gid == ctl->group)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return false;	/* ERANGE: more groups than we look at */
	for (size_t i = 0; i < len / sizeof(groups[0]); i++)
		if (groups[i] == ctl->group)
			return true;
	return false;
}

/* Root, whoever runs the daemon (an unprivileged test instance), or a
 * member of the control group. */
static int peer_check(const struct ctl *ctl, int fd, pid_t *pid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	*pid = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		log_warn("ctl: SO_PEERCRED: %s", strerror(errno));
		return -1;
	}
	*pid = cred.pid;
	if (cred.uid == 0 || cred.uid == geteuid() || in_ctl_group(ctl, fd, cred.gid))
		return 0;
	log_warn("ctl: refused client uid %u pid %d", (unsigned)cred.uid, (int)cred.pid);
	return -1;
}

static void accept_pause(struct ctl *ctl)
{
	struct timeval tv = ms_to_tv(CTL_ACCEPT_PAUSE_MS);

	event_del(ctl->accept_ev);
	evtimer_add(ctl->pause_ev, &tv);
}

static void on_accept_resume(evutil_socket_t fd, short what, void *vctl)
{
	struct ctl *ctl = vctl;

	event_add(ctl->accept_ev, NULL);
}

static void on_accept(evutil_socket_t lfd, short what, void *vctl)
{
	struct ctl *ctl = vctl;
	pid_t pid;
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			log_warn("ctl: accept: %s; pausing for %u ms", strerror(errno),
				 CTL_ACCEPT_PAUSE_MS);
			accept_pause(ctl);
		}
		return;	/* EAGAIN, EINTR, ECONNABORTED: nothing to do */
	}
	if (peer_check(ctl, fd, &pid) != 0) {
		refuse(fd, MCVPN_CTL_GROUP[0] ? "permission denied: mcvpnd serves only root and group "
					      MCVPN_CTL_GROUP
					    : "permission denied: mcvpnd serves only root");
		close(fd);
		return;
	}
	if (ctl->nclients >= CTL_CLIENTS_MAX) {
		log_warn("ctl: %u control clients already, refusing pid %d", ctl->nclients,
			 (int)pid);
		refuse(fd, "too many control clients, try again");
		close(fd);
		return;
	}
	if (!client_new(ctl, fd, pid)) {
		log_warn("ctl: out of memory for a control client");
		close(fd);
	}
}

/* ---- the socket file ---- */

/* Create the parent directory (one level, like /run/mcvpn) if missing. */
static int dir_ensure(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;	/* relative name in cwd, or directly under / */
	*slash = '\0';
	if (mkdir(dir, 0755) == 0) {
		/* mkdir honours the umask; the mode should not depend on it */
		if (chmod(dir, 0755) != 0)
			log_warn("ctl: chmod %s: %s", dir, strerror(errno));
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	log_err("ctl: cannot create directory %s: %s", dir, strerror(errno));
	return -1;
}

/* Remove a socket file left by a daemon that died; refuse to take the
 * path from a live one or to delete something that is not a socket. */
static int stale_remove(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		log_err("ctl: %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_err("ctl: %s exists and is not a socket; not replacing it", path);
		return -1;
	}
	/* non-blocking: a live daemon with a full backlog must not hang us */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("ctl: socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ? 0 : errno;
	close(fd);
	if (rc == 0 || rc == EAGAIN) {
		log_err("ctl: another mcvpnd is already listening on %s", path);
		return -1;
	}
	if (rc != ECONNREFUSED && rc != ENOENT) {
		log_err("ctl: cannot probe existing socket %s: %s", path, strerror(rc));
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		log_err("ctl: cannot remove stale socket %s: %s", path, strerror(errno));
		return -1;
	}
	log_info("ctl: replaced stale socket %s", path);
	return 0;
}

/* Bind with umask 0177 so the file is never reachable with a wider mode,
 * not even between bind and chmod.  Runs before any thread is started. */
static int bind_private(struct ctl *ctl, const struct sockaddr_un *sa)
{
	mode_t old = umask(0177);
	int rc = bind(ctl->fd, (const struct sockaddr *)sa, sizeof(*sa));
	int saved = errno;
	struct stat st;

	umask(old);
	if (rc != 0) {
		/* the usual cause run as a user: a directory root made */
		log_err("ctl: cannot bind %s: %s%s", ctl->path, strerror(saved),
			saved == EACCES && geteuid() != 0 ?
			"; the user mcvpnd runs as may not create files in that directory" : "");
		return -1;
	}
	if (lstat(ctl->path, &st) == 0) {
		ctl->dev = st.st_dev;
		ctl->ino = st.st_ino;
	}
	gid_t gid = ctl->group = ctl_gid();
	if (MCVPN_CTL_GROUP[0] && gid == (gid_t)-1)
		log_warn("ctl: control group '%s' does not exist; the socket stays 0600",
			 MCVPN_CTL_GROUP);
	if (gid != (gid_t)-1 && chown(ctl->path, (uid_t)-1, gid) != 0) {
		log_err("ctl: chown %s to group %s: %s", ctl->path, MCVPN_CTL_GROUP, strerror(errno));
		return -1;
	}
	if (chmod(ctl->path, gid != (gid_t)-1 ? 0660 : 0600) != 0) {
		log_err("ctl: chmod %s: %s", ctl->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int listen_open(struct ctl *ctl)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(ctl->path) >= sizeof(sa.sun_path)) {
		log_err("ctl: control socket path too long (%zu bytes, max %zu): %s",
			strlen(ctl->path), sizeof(sa.sun_path) - 1, ctl->path);
		return -1;
	}
	memcpy(sa.sun_path, ctl->path, strlen(ctl->path) + 1);
	if (dir_ensure(ctl->path) != 0 || stale_remove(ctl->path, &sa) != 0)
		return -1;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		log_err("ctl: socket: %s", strerror(errno));
		return -1;
	}
	if (bind_private(ctl, &sa) != 0)
		return -1;
	if (listen(ctl->fd, CTL_BACKLOG) != 0) {
		log_err("ctl: listen on %s: %s", ctl->path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Unlink the path only while it is still the socket we bound. */
static void path_release(struct ctl *ctl)
{
	struct stat st;

	if (!ctl->ino || lstat(ctl->path, &st) != 0)
		return;
	if (st.st_dev == ctl->dev && st.st_ino == ctl->ino)
		unlink(ctl->path);
}

struct ctl *ctl_server_new(struct event_base *base, const char *path, ctl_handler_fn fn, void *arg)
{
	struct ctl *ctl = calloc(1, sizeof(*ctl));

	if (!ctl)
		return NULL;
	ctl->group = (gid_t)-1;
	ctl->base = base;
	ctl->fn = fn;
	ctl->arg = arg;
	ctl->fd = -1;
	ctl->timeout_ms = CTL_TIMEOUT_MS;
	LIST_INIT(&ctl->clients);
	ctl->path = strdup(path);
	if (!ctl->path || listen_open(ctl) != 0)
		goto fail;
	ctl->accept_ev = event_new(base, ctl->fd, EV_READ | EV_PERSIST, on_accept, ctl);
	ctl->pause_ev = evtimer_new(base, on_accept_resume, ctl);
	if (!ctl->accept_ev || !ctl->pause_ev || event_add(ctl->accept_ev, NULL) != 0) {
		log_err("ctl: cannot register the control socket with the event loop");
		goto fail;
	}
	return ctl;
fail:
	ctl_server_free(ctl);
	return NULL;
}

void ctl_server_set_timeout(struct ctl *ctl, unsigned ms)
{
	ctl->timeout_ms = ms;
}

void ctl_server_free(struct ctl *ctl)
{
	if (!ctl)
		return;
	/* a reply already framed (say, to "shutdown") still gets one try */
	while (!LIST_EMPTY(&ctl->clients)) {
		struct ctl_client *cl = LIST_FIRST(&ctl->clients);

		if (cl->state == CLIENT_WRITING)
			client_flush(cl);
		client_free(cl);
	}
	if (ctl->accept_ev)
		event_free(ctl->accept_ev);
	if (ctl->pause_ev)
		event_free(ctl->pause_ev);
	if (ctl->fd >= 0)
		close(ctl->fd);
	if (ctl->path)
		path_release(ctl);
	free(ctl->path);
	free(ctl);
}
