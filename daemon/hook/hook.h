/* SPDX-License-Identifier: Apache-2.0 */
/* Running a conn's hook (updown=) beside the event loop: a program with
 * its argv and environment as given (never through a shell), stdin from
 * /dev/null, stdout and stderr read on the loop and logged line by line
 * (escaped, at most lines_max lines a run), killed when it runs too long
 * (SIGTERM to its process group, SIGKILL kill_grace_ms later), reaped
 * through a pidfd.  At most one job runs per name (a conn's); later ones
 * wait in a bounded queue, and one that does not fit is dropped and logged.
 * Nothing of the daemon is inherited: every fd above 2 is closed in the
 * child, the signal mask is empty and every signal has its default action;
 * the child leads a session of its own. */
#ifndef MCVPN_HOOK_H
#define MCVPN_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct event_base;

#define HOOK_NAME_MAX 64		/* a conn's name with its NUL */
#define HOOK_ARGS_MAX 32		/* words of argv */
#define HOOK_ENV_MAX 64			/* variables of the environment */
#define HOOK_JOB_TEXT 8192		/* bytes of argv and environment together */
#define HOOK_LINE_MAX 400		/* bytes of one output line logged; longer ones are cut */

/* One run of a hook: what it is (for the log: "up", "down", "rekey"),
 * the name it runs for, argv, the environment, its time limit. */
struct hook_job;

/* NULL when out of memory. */
struct hook_job *hook_job_new(const char *name, const char *what, unsigned timeout_ms);
/* Append one word of argv / one NAME=VALUE to the environment.  0, or -1
 * when it does not fit (the job is then refused at submit: nothing runs
 * with half its arguments or environment). */
int hook_job_arg(struct hook_job *j, const char *arg);
int hook_job_env(struct hook_job *j, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The value of name in j's environment, NULL if absent (tests). */
const char *hook_job_getenv(const struct hook_job *j, const char *name);
/* j's environment: *n entries "NAME=VALUE", borrowed from j (tests). */
char *const *hook_job_envp(const struct hook_job *j, size_t *n);
char *const *hook_job_argv(const struct hook_job *j, size_t *n);
void hook_job_free(struct hook_job *j);	/* NULL: no-op */

struct hook_limits {
	unsigned queue_max;		/* jobs waiting per name (default 8) */
	unsigned kill_grace_ms;		/* SIGTERM -> SIGKILL (default 5000) */
	unsigned lines_max;		/* output lines logged per run (default 100) */
};

/* How a run ended. */
struct hook_result {
	const char *name, *what;	/* borrowed, valid during the call */
	pid_t pid;			/* 0: it never started */
	int spawn_err;			/* errno of a start that failed; 0 */
	bool exited;			/* exit_status is valid */
	int exit_status;
	int signal;			/* killed by this signal; 0 none */
	bool timed_out;			/* killed for its time limit */
	unsigned lines, lines_left_out;	/* output lines logged, and those left out */
};

/* Who else wants to know (tests; the glue needs nothing). */
struct hook_observer {
	void *arg;
	void (*start)(void *arg, const char *name, pid_t pid);
	void (*line)(void *arg, const char *name, const char *text);	/* escaped */
	void (*done)(void *arg, const struct hook_result *r);
};

struct hook_runner;

/* base is borrowed; lim NULL: the defaults.  NULL when out of memory. */
struct hook_runner *hook_runner_new(struct event_base *base, const struct hook_limits *lim);
void hook_runner_observe(struct hook_runner *r, const struct hook_observer *o);
/* Takes j (freed whatever happens): run now, or queued behind the job of
 * the same name that runs.  0, or -1 when it was dropped (logged): a full
 * queue, or a job that did not fit (hook_job_arg/env failed). */
int hook_runner_submit(struct hook_runner *r, struct hook_job *j);
/* Nothing runs and nothing waits. */
bool hook_runner_idle(const struct hook_runner *r);
/* What name's hook does now: the running job's what (NULL: none), and how
 * many jobs wait (waiting may be NULL). */
const char *hook_runner_state(const struct hook_runner *r, const char *name, size_t *waiting);
/* Kills what runs (SIGKILL to each process group), reaps it, drops the
 * queues.  NULL: no-op. */
void hook_runner_free(struct hook_runner *r);

#endif
