/* SPDX-License-Identifier: Apache-2.0 */
/* A hook job: argv and environment in one bounded buffer, built word by
 * word.  What does not fit marks the job broken rather than cutting it. */
#include "daemon/hook/job.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hook_job *hook_job_new(const char *name, const char *what, unsigned timeout_ms)
{
	struct hook_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	snprintf(j->name, sizeof(j->name), "%s", name);
	snprintf(j->what, sizeof(j->what), "%s", what);
	j->timeout_ms = timeout_ms;
	return j;
}

void hook_job_free(struct hook_job *j)
{
	free(j);
}

/* Room for n more bytes of text, or the job is broken. */
static char *take(struct hook_job *j, size_t n)
{
	char *p = j->text + j->used;

	if (j->broken || n > sizeof(j->text) - j->used) {
		j->broken = true;
		return NULL;
	}
	j->used += n;
	return p;
}

int hook_job_arg(struct hook_job *j, const char *arg)
{
	size_t n = strlen(arg) + 1;
	char *p;

	if (j->argc >= HOOK_ARGS_MAX || !(p = take(j, n))) {
		j->broken = true;
		return -1;
	}
	memcpy(p, arg, n);
	j->argv[j->argc++] = p;
	j->argv[j->argc] = NULL;
	return 0;
}

/* Letters, digits and '_', not starting with a digit: a name every shell reads. */
static bool name_ok(const char *name)
{
	if (!*name || (*name >= '0' && *name <= '9'))
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '_'))
			return false;
	return true;
}

int hook_job_env(struct hook_job *j, const char *name, const char *fmt, ...)
{
	size_t room = sizeof(j->text) - j->used;
	char *p = j->text + j->used;
	va_list ap;
	int n, v;

	if (j->broken || j->envc >= HOOK_ENV_MAX || !name_ok(name) || hook_job_getenv(j, name)) {
		j->broken = true;
		return -1;
	}
	n = snprintf(p, room, "%s=", name);
	va_start(ap, fmt);
	v = n >= 0 && (size_t)n < room ? vsnprintf(p + n, room - (size_t)n, fmt, ap) : -1;
	va_end(ap);
	if (v < 0 || !take(j, (size_t)n + (size_t)v + 1)) {
		j->broken = true;
		return -1;
	}
	j->envp[j->envc++] = p;
	j->envp[j->envc] = NULL;
	return 0;
}

const char *hook_job_getenv(const struct hook_job *j, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < j->envc; i++)
		if (strncmp(j->envp[i], name, n) == 0 && j->envp[i][n] == '=')
			return j->envp[i] + n + 1;
	return NULL;
}

char *const *hook_job_envp(const struct hook_job *j, size_t *n)
{
	*n = j->envc;
	return j->envp;
}

char *const *hook_job_argv(const struct hook_job *j, size_t *n)
{
	*n = j->argc;
	return j->argv;
}
