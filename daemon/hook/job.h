/* SPDX-License-Identifier: Apache-2.0 */
/* Private to daemon/hook/: what a job holds. */
#ifndef MCVPN_HOOK_JOB_H
#define MCVPN_HOOK_JOB_H

#include "daemon/hook/hook.h"

struct hook_job {
	char name[HOOK_NAME_MAX];
	char what[16];
	unsigned timeout_ms;
	char *argv[HOOK_ARGS_MAX + 1];	/* into text, NULL-terminated */
	char *envp[HOOK_ENV_MAX + 1];	/* into text, NULL-terminated */
	size_t argc, envc;
	bool broken;			/* something did not fit: never run */
	size_t used;
	char text[HOOK_JOB_TEXT];
};

#endif
