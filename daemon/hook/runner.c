/* SPDX-License-Identifier: Apache-2.0 */
/* The hook runner (hook.h): per name a slot with the run in progress and
 * the jobs waiting behind it.  A run is a child started with posix_spawn
 * (stdin /dev/null, stdout and stderr one pipe, every other fd closed, a
 * session of its own, a clean signal state, cwd /), watched on the event
 * loop through three events: its pidfd (exit), the pipe (output, one log
 * line per line), a timer (SIGTERM to the group at the limit, SIGKILL
 * kill_grace_ms later).  Nothing here blocks: output is read as it comes,
 * the exit is reaped once the pidfd says it happened. */
#include "daemon/hook/job.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/base/log.h"

#define QUEUE_MAX_DEFAULT 8
#define KILL_GRACE_MS_DEFAULT 5000
#define LINES_MAX_DEFAULT 100
#define READ_BUDGET (16 * 1024)		/* output read per wake-up, to stay fair */
#define DRAIN_MAX (64 * 1024)		/* output read after the program exited */

struct slot;

struct run {
	struct hook_runner *r;		/* borrowed */
	struct slot *slot;		/* borrowed: the slot it runs in */
	struct hook_job *job;		/* owned */
	pid_t pid;
	int pidfd, out;			/* owned; -1: none */
	struct event *exit_ev, *out_ev, *timer_ev;	/* owned */
	bool term_sent;
	struct timespec started;
	char line[HOOK_LINE_MAX];	/* the output line being read */
	size_t line_len;
	bool line_cut;			/* longer than HOOK_LINE_MAX: the rest is skipped */
	struct hook_result res;
};

struct slot {
	char name[HOOK_NAME_MAX];
	struct run *run;		/* owned: the job that runs; NULL none */
	struct hook_job **queue;	/* owned ring of lim.queue_max jobs, each owned */
	size_t head, n;
	struct slot *next;
};

struct hook_runner {
	struct event_base *base;	/* borrowed */
	struct hook_limits lim;
	struct hook_observer obs;
	struct slot *slots;		/* owned list */
};

struct hook_runner *hook_runner_new(struct event_base *base, const struct hook_limits *lim)
{
	struct hook_runner *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->base = base;
	if (lim)
		r->lim = *lim;
	if (!r->lim.queue_max)
		r->lim.queue_max = QUEUE_MAX_DEFAULT;
	if (!r->lim.kill_grace_ms)
		r->lim.kill_grace_ms = KILL_GRACE_MS_DEFAULT;
	if (!r->lim.lines_max)
		r->lim.lines_max = LINES_MAX_DEFAULT;
	return r;
}

void hook_runner_observe(struct hook_runner *r, const struct hook_observer *o)
{
	r->obs = *o;
}

static struct slot *slot_find(const struct hook_runner *r, const char *name)
{
	for (struct slot *s = r->slots; s; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static struct slot *slot_get(struct hook_runner *r, const char *name)
{
	struct slot *s = slot_find(r, name);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->queue = calloc(r->lim.queue_max, sizeof(*s->queue)))) {
		free(s);
		return NULL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->next = r->slots;
	r->slots = s;
	return s;
}

/* An idle slot with nothing waiting goes (names come and go with reloads). */
static void slot_drop_if_idle(struct hook_runner *r, struct slot *s)
{
	if (s->run || s->n)
		return;
	for (struct slot **p = &r->slots; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	free(s->queue);
	free(s);
}

static struct hook_job *dequeue(const struct hook_runner *r, struct slot *s)
{
	struct hook_job *j;

	if (!s->n)
		return NULL;
	j = s->queue[s->head];
	s->queue[s->head] = NULL;
	s->head = (s->head + 1) % r->lim.queue_max;
	s->n--;
	return j;
}

/* ---- starting ---- */

/* posix_spawn of the job's program, its output into a pipe.  0 or an errno. */
static int spawn(struct run *run)
{
	const struct hook_job *j = run->job;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int p[2], err;

	if (pipe2(p, O_CLOEXEC))
		return errno;
	sigemptyset(&none);
	sigfillset(&all);
	if ((err = posix_spawn_file_actions_init(&fa)))
		goto out_pipe;
	if ((err = posix_spawnattr_init(&at)))
		goto out_fa;
	err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	err = err ? err : posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	err = err ? err : posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	err = err ? err : posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	err = err ? err : posix_spawn_file_actions_addchdir_np(&fa, "/");
	err = err ? err : posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						   POSIX_SPAWN_SETSID);
	err = err ? err : posix_spawnattr_setsigmask(&at, &none);
	err = err ? err : posix_spawnattr_setsigdefault(&at, &all);
	err = err ? err : posix_spawn(&run->pid, j->argv[0], &fa, &at, j->argv, j->envp);
	posix_spawnattr_destroy(&at);
out_fa:
	posix_spawn_file_actions_destroy(&fa);
out_pipe:
	close(p[1]);
	if (err) {
		close(p[0]);
		return err;
	}
	run->out = p[0];
	return fcntl(p[0], F_SETFL, O_NONBLOCK) ? errno : 0;
}

static void exit_cb(evutil_socket_t fd, short what, void *arg);
static void out_cb(evutil_socket_t fd, short what, void *arg);
static void timer_cb(evutil_socket_t fd, short what, void *arg);

static void arm(struct event *ev, unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000 * 1000) };

	evtimer_add(ev, &tv);
}

/* The child runs: watch its exit, output and time.  0 or an errno (the
 * child is then killed by the caller). */
static int watch(struct run *run)
{
	struct event_base *b = run->r->base;

	if ((run->pidfd = pidfd_open(run->pid, 0)) < 0)
		return errno;
	run->exit_ev = event_new(b, run->pidfd, EV_READ | EV_PERSIST, exit_cb, run);
	run->out_ev = event_new(b, run->out, EV_READ | EV_PERSIST, out_cb, run);
	run->timer_ev = evtimer_new(b, timer_cb, run);
	if (!run->exit_ev || !run->out_ev || !run->timer_ev || event_add(run->exit_ev, NULL) ||
	    event_add(run->out_ev, NULL))
		return ENOMEM;
	arm(run->timer_ev, run->job->timeout_ms);
	return 0;
}

static void run_free(struct run *run)
{
	if (run->exit_ev)
		event_free(run->exit_ev);
	if (run->out_ev)
		event_free(run->out_ev);
	if (run->timer_ev)
		event_free(run->timer_ev);
	if (run->pidfd >= 0)
		close(run->pidfd);
	if (run->out >= 0)
		close(run->out);
	hook_job_free(run->job);
	free(run);
}

/* Kill a child that will not be watched (its group: it may have started
 * others already) and reap it; it dies at once. */
static void kill_now(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static void report(struct run *run);

/* Start j in s; when it cannot start, report that and go on with the next
 * job waiting.  Takes j. */
static void start(struct hook_runner *r, struct slot *s, struct hook_job *j)
{
	for (; j; j = dequeue(r, s)) {
		struct run *run = calloc(1, sizeof(*run));
		int err;

		if (!run) {
			log_conn(LOG_ERR, j->name, "updown %s: out of memory: not run", j->what);
			hook_job_free(j);
			continue;
		}
		*run = (struct run){ .r = r, .slot = s, .job = j, .pidfd = -1, .out = -1 };
		run->res.name = j->name;
		run->res.what = j->what;
		clock_gettime(CLOCK_MONOTONIC, &run->started);
		if (!(err = spawn(run)) && (err = watch(run)))
			kill_now(run->pid);
		if (err) {
			run->res.spawn_err = err;
			report(run);
			run_free(run);
			continue;
		}
		run->res.pid = run->pid;
		s->run = run;
		log_conn(LOG_INFO, j->name, "updown %s: running %s (pid %d)", j->what, j->argv[0],
			 (int)run->pid);
		if (r->obs.start)
			r->obs.start(r->obs.arg, j->name, run->pid);
		return;
	}
	slot_drop_if_idle(r, s);
}

int hook_runner_submit(struct hook_runner *r, struct hook_job *j)
{
	struct slot *s;

	if (j->broken || !j->argc) {
		log_conn(LOG_ERR, j->name, "updown %s: its arguments and environment do not fit "
			 "(%d words, %d variables, %d bytes at most): not run", j->what, HOOK_ARGS_MAX,
			 HOOK_ENV_MAX, HOOK_JOB_TEXT);
		hook_job_free(j);
		return -1;
	}
	if (!(s = slot_get(r, j->name))) {
		log_conn(LOG_ERR, j->name, "updown %s: out of memory: not run", j->what);
		hook_job_free(j);
		return -1;
	}
	if (!s->run) {
		start(r, s, j);
		return 0;
	}
	if (s->n >= r->lim.queue_max) {
		log_conn(LOG_WARNING, j->name, "updown %s: dropped: %zu events wait for the hook (%s "
			 "runs) already", j->what, s->n, s->run->job->what);
		hook_job_free(j);
		return -1;
	}
	s->queue[(s->head + s->n++) % r->lim.queue_max] = j;
	return 0;
}

/* ---- output ---- */

static void emit(struct run *run)
{
	char esc[1024];
	const struct hook_job *j = run->job;
	size_t n = run->line_len;

	if (n && run->line[n - 1] == '\r')
		n--;
	log_escape((const uint8_t *)run->line, n, esc, sizeof(esc));
	if (run->res.lines >= run->r->lim.lines_max) {
		run->res.lines_left_out++;
	} else {
		run->res.lines++;
		log_conn(LOG_INFO, j->name, "updown %s: %s%s", j->what, esc, run->line_cut ? " [cut]" : "");
		if (run->r->obs.line)
			run->r->obs.line(run->r->obs.arg, j->name, esc);
	}
	run->line_len = 0;
	run->line_cut = false;
}

static void feed(struct run *run, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n')
			emit(run);
		else if (run->line_len < sizeof(run->line))
			run->line[run->line_len++] = p[i];
		else
			run->line_cut = true;
	}
}

/* Read up to budget bytes of output; at its end (or an error) the pipe is
 * closed and a last line without '\n' logged. */
static void read_output(struct run *run, size_t budget)
{
	char buf[4096];

	while (run->out >= 0 && budget) {
		ssize_t n = read(run->out, buf, sizeof(buf) < budget ? sizeof(buf) : budget);

		if (n > 0) {
			feed(run, buf, (size_t)n);
			budget -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		event_free(run->out_ev);
		run->out_ev = NULL;
		close(run->out);
		run->out = -1;
	}
}

static void out_cb(evutil_socket_t fd, short what, void *arg)
{
	read_output(arg, READ_BUDGET);
}

/* ---- the end ---- */

static void report(struct run *run)
{
	const struct hook_job *j = run->job;
	const struct hook_result *res = &run->res;
	struct timespec now;
	double secs;
	char sig[32];

	if (res->spawn_err) {
		log_conn(LOG_ERR, j->name, "updown %s: cannot run %s: %s", j->what, j->argv[0],
			 strerror(res->spawn_err));
	} else {
		clock_gettime(CLOCK_MONOTONIC, &now);
		secs = (double)(now.tv_sec - run->started.tv_sec) +
		       (double)(now.tv_nsec - run->started.tv_nsec) / 1e9;
		snprintf(sig, sizeof(sig), "SIG%s", res->signal ? sigabbrev_np(res->signal) : "?");
		if (res->lines_left_out)
			log_conn(LOG_INFO, j->name, "updown %s: %u more lines of output left out",
				 j->what, res->lines_left_out);
		if (res->exited)
			log_conn(res->exit_status ? LOG_WARNING : LOG_INFO, j->name,
				 "updown %s: exit status %d after %.1fs", j->what, res->exit_status, secs);
		else
			log_conn(LOG_WARNING, j->name, "updown %s: killed by %s after %.1fs%s", j->what, sig,
				 secs, res->timed_out ? " (its time limit)" : "");
	}
	if (run->r->obs.done)
		run->r->obs.done(run->r->obs.arg, res);
}

static void finish(struct run *run)
{
	struct hook_runner *r = run->r;
	struct slot *s = run->slot;

	read_output(run, DRAIN_MAX);
	if (run->line_len)
		emit(run);
	report(run);
	s->run = NULL;
	run_free(run);
	start(r, s, dequeue(r, s));
}

static void exit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *run = arg;
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)run->pidfd, &si, WEXITED | WNOHANG | WNOWAIT) || !si.si_pid)
		return;
	/* killed for its time: what it started dies too (the zombie still
	 * holds the group's ID, so the signal reaches no one else) */
	if (run->term_sent)
		kill(-run->pid, SIGKILL);
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)run->pidfd, &si, WEXITED)) {
		log_conn(LOG_ERR, run->job->name, "updown %s: waitid: %s", run->job->what,
			 strerror(errno));
		si.si_code = CLD_KILLED;
	}
	run->res.exited = si.si_code == CLD_EXITED;
	if (run->res.exited)
		run->res.exit_status = si.si_status;
	else
		run->res.signal = si.si_status;
	finish(run);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct run *run = arg;
	const struct hook_job *j = run->job;

	if (!run->term_sent) {
		log_conn(LOG_WARNING, j->name, "updown %s: still running after %.1fs (its time limit): "
			 "SIGTERM to its process group", j->what, j->timeout_ms / 1000.0);
		run->term_sent = true;
		run->res.timed_out = true;
		kill(-run->pid, SIGTERM);
		arm(run->timer_ev, run->r->lim.kill_grace_ms);
		return;
	}
	log_conn(LOG_WARNING, j->name, "updown %s: still running %u ms after SIGTERM: SIGKILL", j->what,
		 run->r->lim.kill_grace_ms);
	kill(-run->pid, SIGKILL);
}

/* ---- the runner ---- */

bool hook_runner_idle(const struct hook_runner *r)
{
	return r->slots == NULL;	/* a slot goes once idle and empty */
}

const char *hook_runner_state(const struct hook_runner *r, const char *name, size_t *waiting)
{
	const struct slot *s = slot_find(r, name);

	if (waiting)
		*waiting = s ? s->n : 0;
	return s && s->run ? s->run->job->what : NULL;
}

void hook_runner_free(struct hook_runner *r)
{
	struct slot *s, *next;

	if (!r)
		return;
	for (s = r->slots; s; s = next) {
		next = s->next;
		if (s->run) {
			log_conn(LOG_WARNING, s->name, "updown %s: killed (mcvpnd stops)", s->run->job->what);
			kill_now(s->run->pid);
			run_free(s->run);
		}
		for (struct hook_job *j; (j = dequeue(r, s));) {
			log_conn(LOG_WARNING, s->name, "updown %s: not run (mcvpnd stops)", j->what);
			hook_job_free(j);
		}
		free(s->queue);
		free(s);
	}
	free(r);
}
