/* SPDX-License-Identifier: Apache-2.0 */
/* harden_process(): the process is undumpable afterwards, and a secret lives
 * in a mapping that core dumps leave out (VmFlags "dd" in /proc/self/smaps:
 * MADV_DONTDUMP). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "check.h"
#include "crypto/secret.h"
#include "daemon/harden.h"

/* The VmFlags line of the mapping that holds p, or "" when none does. */
static void vmflags_of(const void *p, char *out, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool inside = false;
	uintptr_t a = (uintptr_t)p;

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			inside = a >= lo && a < hi;
		else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(out, cap, "%s", line);
			break;
		}
	}
	if (f)
		fclose(f);
}

int main(void)
{
	char flags[512];
	struct secret *before = secret_new(32);

	CHECK(!secret_is_guarded(before));	/* the ordinary heap until then */
	CHECK_INT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 1);
	CHECK_INT(harden_process(), 0);
	CHECK_INT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	struct secret *s = secret_new(64);
	CHECK(s != NULL && secret_is_guarded(s));
	vmflags_of(s, flags, sizeof(flags));
	CHECK_CONTAINS(flags, " dd");
	vmflags_of(before, flags, sizeof(flags));
	CHECK(strstr(flags, " dd") == NULL);
	secret_free(s);
	secret_free(before);		/* from the ordinary heap: freed there */
	return check_summary("daemon-harden");
}
