/* SPDX-License-Identifier: Apache-2.0 */
/* Arrays that grow by doubling: the config's lists, the host's links,
 * addresses and routes from netlink, the client's view of a ruleset.
 * Header only, so that rooms that link nothing of daemon/base (conf/,
 * netlink/) share it too. */
#ifndef MCVPN_BASE_GROW_H
#define MCVPN_BASE_GROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Room for element n (0-based) of size bytes in *p of *cap elements: the
 * array doubles (from 8) when full.  false when memory runs out or the
 * size would overflow (*p and *cap kept). */
static inline bool grow_room(void **p, size_t *cap, size_t n, size_t size)
{
	size_t want = *cap ? *cap * 2 : 8;
	void *q;

	if (n < *cap)
		return true;
	if (!size || want < *cap || want > SIZE_MAX / size)
		return false;
	q = realloc(*p, want * size);
	if (!q)
		return false;
	*p = q;
	*cap = want;
	return true;
}

#endif
