/* SPDX-License-Identifier: Apache-2.0 */
/* Before anything secret is in memory (the config holds the PSKs): the
 * process is made undumpable (no core file, no ptrace or /proc/PID/mem by
 * other processes of the same user; PR_SET_DUMPABLE) and key buffers come
 * from a guarded heap that core dumps leave out (crypto/secret.h).  The
 * unit adds LimitCORE=0. */
#include "daemon/harden.h"

#include <sys/prctl.h>

#include "crypto/secret.h"
#include "daemon/base/log.h"

#define SECRET_HEAP_SIZE (1u << 20)	/* keys of a few hundred IKE SAs */

int harden_process(void)
{
	int r = 0;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		log_warn("cannot make the process undumpable (PR_SET_DUMPABLE)");
		r = -1;
	}
	if (secret_heap_init(SECRET_HEAP_SIZE) != 0) {
		log_warn("no guarded heap for keys; they stay on the ordinary heap");
		r = -1;
	}
	return r;
}
