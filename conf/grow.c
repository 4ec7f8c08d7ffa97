/* SPDX-License-Identifier: Apache-2.0 */
#include "conf/grow.h"

#include <stdlib.h>

bool conf_grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t want = *cap ? *cap * 2 : 8;
	void *q;

	if (n < *cap)
		return true;
	q = realloc(*p, want * size);
	if (!q)
		return false;
	*p = q;
	*cap = want;
	return true;
}
