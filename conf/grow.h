/* SPDX-License-Identifier: Apache-2.0 */
/* Arrays that grow by doubling, for the config's lists. */
#ifndef MCVPN_CONF_GROW_H
#define MCVPN_CONF_GROW_H

#include <stdbool.h>
#include <stddef.h>

/* Room for element n (0-based) of size bytes in *p of *cap elements: the
 * array doubles (from 8) when full.  false when memory runs out (*p kept). */
bool conf_grow(void **p, size_t *cap, size_t n, size_t size);

#endif
