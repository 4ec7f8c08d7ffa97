/* SPDX-License-Identifier: Apache-2.0 */
/* The hook runner on a real event loop with real children: the program
 * runs with exactly the argv and environment given, inherits no fd of
 * ours, its output reaches the log line by line (escaped, cut, at most
 * lines_max), a run over its time limit gets SIGTERM and, if it ignores
 * that, SIGKILL; one run at a time per name, in order, with a bounded
 * queue; other names run beside it; a program that cannot start does not
 * stop the queue.  The programs are /bin/sh scripts this test writes (the
 * daemon itself never runs a shell).  Every phase waits for an event (a
 * run's end), never for a time: the loop runs until the observer saw what
 * was expected, or a hang bound of 60 s. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "daemon/base/log.h"
#include "daemon/hook/hook.h"

#define HANG_S 60

static struct event_base *base;
static struct hook_runner *runner;
static char dir[] = "/tmp/mcvpn-hook-test.XXXXXX";

/* What the observer saw. */
#define SEEN_MAX 64
static struct {
	unsigned done, started;
	struct hook_result res[SEEN_MAX];	/* name and what copied below */
	char name[SEEN_MAX][HOOK_NAME_MAX], what[SEEN_MAX][16];
	char lines[16384];			/* "name: text\n" ... */
	unsigned n_lines;
	pid_t pid[SEEN_MAX];
} seen;

static void on_start(void *arg, const char *name, pid_t pid)
{
	if (seen.started < SEEN_MAX)
		seen.pid[seen.started] = pid;
	seen.started++;
}

static void on_line(void *arg, const char *name, const char *text)
{
	size_t n = strlen(seen.lines);

	snprintf(seen.lines + n, sizeof(seen.lines) - n, "%s: %s\n", name, text);
	seen.n_lines++;
}

static void on_done(void *arg, const struct hook_result *r)
{
	if (seen.done < SEEN_MAX) {
		seen.res[seen.done] = *r;
		snprintf(seen.name[seen.done], sizeof(seen.name[0]), "%s", r->name);
		snprintf(seen.what[seen.done], sizeof(seen.what[0]), "%s", r->what);
	}
	seen.done++;
}

static void reset(void)
{
	memset(&seen, 0, sizeof(seen));
}

static void hang_cb(evutil_socket_t fd, short what, void *arg)
{
	*(bool *)arg = true;
}

/* Run the loop until n runs are done (or the hang bound). */
static bool run_until_done(unsigned n)
{
	bool hung = false;
	struct timeval tv = { HANG_S, 0 };
	struct event *hang = evtimer_new(base, hang_cb, &hung);

	evtimer_add(hang, &tv);
	while (seen.done < n && !hung)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(hang);
	if (hung)
		fprintf(stderr, "  hung: %u of %u runs done after %d s\n", seen.done, n, HANG_S);
	return !hung;
}

/* A script in dir: path out. */
static const char *script(const char *name, const char *body)
{
	static char path[8][256];
	static int i;
	FILE *f;

	i = (i + 1) % 8;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	f = fopen(path[i], "w");
	if (!f)
		return "/nonexistent";
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path[i], 0700);
	return path[i];
}

static struct hook_job *job(const char *name, const char *what, unsigned ms, const char *prog)
{
	struct hook_job *j = hook_job_new(name, what, ms);

	if (j)
		hook_job_arg(j, prog);
	return j;
}

/* The file's text ("" if none). */
static const char *slurp(const char *name)
{
	static char buf[4096];
	char path[256];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf[0] = '\0';
	if ((f = fopen(path, "r"))) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* argv and the environment as given, nothing more; no fd of ours. */
static void test_exec_clean(void)
{
	int leak = socket(AF_INET, SOCK_DGRAM, 0);	/* no CLOEXEC: must not reach the child */
	int leak2 = open("/dev/null", O_RDONLY);
	char body[1024], want[64];
	const char *p;
	struct hook_job *j = hook_job_new("c1", "up", 10000);

	reset();
	CHECK(leak > 2 && leak2 > 2);
	snprintf(body, sizeof(body),
		 "printf 'arg:%%s\\n' \"$@\"; env | grep -v '^PWD=' | sort | sed 's/^/env:/'\n"
		 "for n in %d %d; do [ -e /proc/$$/fd/$n ] && echo open:$n || echo closed:$n; done\n"
		 "readlink /proc/$$/fd/0 | sed 's/^/stdin:/'\n"
		 "read x && echo stdin-had-data || echo stdin-empty\n"
		 "pwd | sed 's/^/cwd:/'; echo 'to stderr' >&2", leak, leak2);
	p = script("show", body);
	hook_job_arg(j, p);
	hook_job_arg(j, "a b");
	hook_job_arg(j, "");
	hook_job_arg(j, "$HOME");
	hook_job_env(j, "PATH", "/usr/bin:/bin");
	hook_job_env(j, "PLUTO_VERB", "up-client");
	hook_job_env(j, "MCVPN_X", "a=b c");
	CHECK_INT(hook_runner_submit(runner, j), 0);
	CHECK_STR(hook_runner_state(runner, "c1", NULL), "up");
	CHECK(run_until_done(1));
	CHECK(seen.res[0].exited);
	CHECK_INT(seen.res[0].exit_status, 0);
	CHECK_STR(seen.what[0], "up");
	CHECK_STR(seen.name[0], "c1");
	CHECK_CONTAINS(seen.lines, "c1: arg:a b\nc1: arg:\nc1: arg:$HOME\n");
	/* exactly the three given (the shell adds PWD of its own) */
	CHECK_CONTAINS(seen.lines, "c1: arg:$HOME\nc1: env:MCVPN_X=a=b c\nc1: env:PATH=/usr/bin:/bin\n"
		       "c1: env:PLUTO_VERB=up-client\nc1: closed:");
	snprintf(want, sizeof(want), "c1: closed:%d\nc1: closed:%d\n", leak, leak2);
	CHECK_CONTAINS(seen.lines, want);
	CHECK_CONTAINS(seen.lines, "c1: stdin:/dev/null\nc1: stdin-empty\n");
	CHECK_CONTAINS(seen.lines, "c1: cwd:/\n");
	CHECK_CONTAINS(seen.lines, "c1: to stderr\n");
	CHECK(hook_runner_idle(runner));
	CHECK(hook_runner_state(runner, "c1", NULL) == NULL);
	close(leak);
	close(leak2);
}

/* Exit statuses and signals as they happened; output escaped and cut. */
static void test_status_and_output(void)
{
	char body[600];

	reset();
	hook_runner_submit(runner, job("c1", "down", 10000, script("exit3", "echo bye; exit 3")));
	hook_runner_submit(runner, job("c1", "rekey", 10000, script("selfkill", "kill -USR1 $$")));
	snprintf(body, sizeof(body), "printf 'tab\\there\\033[31m\\\\\\r\\n'; printf 'no newline'");
	hook_runner_submit(runner, job("c1", "up", 10000, script("odd", body)));
	memset(body, 0, sizeof(body));
	snprintf(body, sizeof(body), "head -c 1000 /dev/zero | tr '\\000' x; echo; echo after");
	hook_runner_submit(runner, job("c1", "up", 10000, script("long", body)));
	CHECK(run_until_done(4));
	CHECK(seen.res[0].exited && seen.res[0].exit_status == 3);
	CHECK(!seen.res[1].exited && seen.res[1].signal == SIGUSR1 && !seen.res[1].timed_out);
	CHECK_CONTAINS(seen.lines, "c1: bye\n");
	CHECK_CONTAINS(seen.lines, "c1: tab\\x09here\\x1b[31m\\x5c\nc1: no newline\n");
	CHECK_INT(seen.res[3].lines, 2);
	CHECK_CONTAINS(seen.lines, "c1: xxxxxxxxxx");
	CHECK_CONTAINS(seen.lines, "\nc1: after\n");
	/* the long line was cut at HOOK_LINE_MAX */
	const char *x = strstr(seen.lines, "c1: xxx");
	CHECK(x && strchr(x, '\n') - x - 4 == HOOK_LINE_MAX);
}

/* At most lines_max lines a run go to the log; the rest are counted. */
static void test_line_budget(void)
{
	reset();
	hook_runner_submit(runner, job("c1", "up", 10000,
				       script("many", "i=0; while [ $i -lt 55 ]; do echo line$i; i=$((i+1)); done")));
	CHECK(run_until_done(1));
	CHECK_INT(seen.res[0].lines, 40);		/* the test's lines_max */
	CHECK_INT(seen.res[0].lines_left_out, 15);
	CHECK_INT(seen.n_lines, 40);
	CHECK_CONTAINS(seen.lines, "c1: line39\n");
	CHECK(strstr(seen.lines, "line40") == NULL);
}

/* Over its time limit: SIGTERM to the group (its children too). */
static void test_timeout_term(void)
{
	reset();
	/* the sleep is its own process in the group; the shell waits for it */
	hook_runner_submit(runner, job("c1", "up", 200, script("hang", "echo started; sleep 1000; echo never")));
	CHECK(run_until_done(1));
	CHECK(seen.res[0].timed_out);
	CHECK(!seen.res[0].exited);
	CHECK_INT(seen.res[0].signal, SIGTERM);
	CHECK_CONTAINS(seen.lines, "c1: started\n");
	CHECK(strstr(seen.lines, "never") == NULL);
}

/* True once pid is gone or a zombie (its parent, init, reaps it in its time). */
static bool dead(pid_t pid)
{
	char path[64], st[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return true;
	if (!fgets(st, sizeof(st), f))
		st[0] = '\0';
	fclose(f);
	return strstr(st, ") Z ") != NULL;
}

/* A program that ignores SIGTERM gets SIGKILL kill_grace_ms later, and so
 * does what it started. */
static void test_timeout_kill(void)
{
	char body[512];
	pid_t child = 0;
	FILE *f;

	reset();
	snprintf(body, sizeof(body), "trap '' TERM; (trap '' TERM; exec sleep 1000) & echo $! >%s/child.pid; "
		 "while :; do sleep 1; done", dir);
	hook_runner_submit(runner, job("c1", "up", 200, script("stubborn", body)));
	CHECK(run_until_done(1));
	CHECK(seen.res[0].timed_out);
	CHECK_INT(seen.res[0].signal, SIGKILL);
	snprintf(body, sizeof(body), "%s/child.pid", dir);
	if ((f = fopen(body, "r"))) {
		if (fscanf(f, "%d", &child) != 1)
			child = 0;
		fclose(f);
	}
	CHECK(child > 0);
	/* the signal is on its way; it dies when it next runs (a hang bound) */
	for (int i = 0; child > 0 && i < HANG_S * 100 && !dead(child); i++)
		usleep(10000);
	CHECK(child > 0 && dead(child));
}

/* One run at a time per name, in order; a full queue drops the newest;
 * another name runs beside. */
static void test_queue(void)
{
	char body[512];
	const char *order = "order";

	reset();
	snprintf(body, sizeof(body), "echo \"start $1\" >>%s/%s; echo \"end $1\" >>%s/%s", dir, order, dir,
		 order);
	const char *p = script("ordered", body);
	/* the first waits for go-a, created once everything is queued */
	snprintf(body, sizeof(body), "i=0; while [ ! -e %s/go-a ] && [ $i -lt 6000 ]; do sleep 0.01; "
		 "i=$((i+1)); done; echo \"start 0\" >>%s/%s; echo \"end 0\" >>%s/%s", dir, dir, order, dir,
		 order);
	const char *first = script("first", body);

	CHECK_INT(hook_runner_submit(runner, job("a", "up", 60000, first)), 0);
	for (int i = 1; i <= 4; i++) {
		struct hook_job *j = job("a", i % 2 ? "down" : "up", 60000, p);
		char n[4];

		snprintf(n, sizeof(n), "%d", i);
		hook_job_arg(j, n);
		CHECK_INT(hook_runner_submit(runner, j), i <= 3 ? 0 : -1);	/* queue_max 3 */
	}
	size_t waiting = 0;
	CHECK_STR(hook_runner_state(runner, "a", &waiting), "up");
	CHECK_INT(waiting, 3);
	CHECK_INT(seen.started, 1);
	/* another name is not held up by "a" */
	hook_runner_submit(runner, job("b", "up", 10000, script("quick", "echo quick")));
	CHECK(run_until_done(1));
	CHECK_STR(seen.name[0], "b");
	CHECK_STR(hook_runner_state(runner, "a", &waiting), "up");
	CHECK_INT(waiting, 3);
	snprintf(body, sizeof(body), "%s/go-a", dir);
	close(open(body, O_CREAT | O_WRONLY, 0600));
	CHECK(run_until_done(5));
	CHECK_STR(slurp(order), "start 0\nend 0\nstart 1\nend 1\nstart 2\nend 2\nstart 3\nend 3\n");
	CHECK_STR(seen.what[1], "up");
	CHECK_STR(seen.what[2], "down");
	CHECK_STR(seen.what[3], "up");
	CHECK(hook_runner_idle(runner));
}

/* A program that cannot run is reported; the queue goes on. */
static void test_spawn_error(void)
{
	reset();
	hook_runner_submit(runner, job("c1", "up", 10000, "/nonexistent/hook"));
	hook_runner_submit(runner, job("c1", "down", 10000, script("ok", "exit 0")));
	CHECK(run_until_done(2));
	CHECK_INT(seen.res[0].spawn_err, ENOENT);
	CHECK_INT(seen.res[0].pid, 0);
	CHECK(seen.res[1].exited && seen.res[1].exit_status == 0);
	CHECK(hook_runner_idle(runner));
}

/* What does not fit refuses the job whole. */
static void test_job_limits(void)
{
	struct hook_job *j = hook_job_new("c1", "up", 1000);
	char big[HOOK_JOB_TEXT];
	size_t n;

	CHECK_INT(hook_job_env(j, "A", "1"), 0);
	CHECK_STR(hook_job_getenv(j, "A"), "1");
	CHECK(hook_job_getenv(j, "B") == NULL);
	CHECK_INT(hook_job_env(j, "1X", "1"), -1);		/* not a name */
	hook_job_free(j);
	j = hook_job_new("c1", "up", 1000);
	CHECK_INT(hook_job_env(j, "A", "1"), 0);
	CHECK_INT(hook_job_env(j, "A", "2"), -1);		/* twice */
	hook_job_free(j);
	j = hook_job_new("c1", "up", 1000);
	for (int i = 0; i < HOOK_ARGS_MAX; i++)
		CHECK_INT(hook_job_arg(j, "/bin/true"), 0);
	CHECK_INT(hook_job_arg(j, "x"), -1);
	hook_job_argv(j, &n);
	CHECK_INT(n, HOOK_ARGS_MAX);
	CHECK_INT(hook_runner_submit(runner, j), -1);		/* broken: not run */
	j = hook_job_new("c1", "up", 1000);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hook_job_arg(j, "/bin/true");
	CHECK_INT(hook_job_env(j, "BIG", "%s", big), -1);
	CHECK_INT(hook_runner_submit(runner, j), -1);
	CHECK(hook_runner_idle(runner));
}

/* Freeing the runner kills what runs and reaps it. */
static void test_free_kills(void)
{
	struct hook_limits lim = { .queue_max = 3, .kill_grace_ms = 100, .lines_max = 40 };
	pid_t pid;

	reset();
	hook_runner_submit(runner, job("c1", "up", 60000, script("long", "sleep 1000")));
	hook_runner_submit(runner, job("c1", "down", 60000, script("never", "exit 0")));
	CHECK_INT(seen.started, 1);
	pid = seen.pid[0];
	CHECK(pid > 0 && kill(pid, 0) == 0);
	hook_runner_free(runner);
	CHECK(kill(pid, 0) == -1 && errno == ESRCH);		/* gone and reaped */
	CHECK_INT(seen.done, 0);
	runner = hook_runner_new(base, &lim);
	hook_runner_observe(runner, &(struct hook_observer){ .start = on_start, .line = on_line,
							     .done = on_done });
}

/* Open fds of this process: the runner leaves none behind. */
static unsigned fd_count(void)
{
	char path[64];
	unsigned n = 0;

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n += access(path, F_OK) == 0;
	}
	return n;
}

int main(void)
{
	unsigned fds;
	struct hook_limits lim = { .queue_max = 3, .kill_grace_ms = 100, .lines_max = 40 };
	char cmd[64];

	log_init(true, LOG_WARNING);	/* the runner's own lines: not needed here */
	signal(SIGPIPE, SIG_IGN);	/* as mcvpnd: the child must get it back */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (chdir(dir)) {
		perror("chdir");
		return 1;
	}
	base = event_base_new();
	runner = hook_runner_new(base, &lim);
	hook_runner_observe(runner, &(struct hook_observer){ .start = on_start, .line = on_line,
							     .done = on_done });
	fds = fd_count();
	test_exec_clean();
	test_status_and_output();
	test_line_budget();
	test_timeout_term();
	test_timeout_kill();
	test_queue();
	test_spawn_error();
	test_job_limits();
	test_free_kills();
	CHECK_INT(fd_count(), fds);
	hook_runner_free(runner);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  cannot remove %s\n", dir);
	return check_summary("hook-runner");
}
