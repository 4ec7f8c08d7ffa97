/* SPDX-License-Identifier: Apache-2.0 */
/* grow_room (daemon/base/grow.h): room made by doubling from 8, kept when
 * there already is room, and refused (array and capacity unchanged) when
 * the size in bytes would overflow. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "daemon/base/grow.h"

int main(void)
{
	int *a = NULL;
	size_t cap = 0;

	for (size_t n = 0; n < 100; n++) {
		CHECK(grow_room((void **)&a, &cap, n, sizeof(*a)));
		a[n] = (int)n;	/* ASan: the room is there */
	}
	CHECK_INT(cap, 128);	/* 8, 16, 32, 64, 128 */
	CHECK(grow_room((void **)&a, &cap, 127, sizeof(*a)));
	CHECK_INT(cap, 128);	/* room left: nothing moves */
	for (size_t n = 0; n < 100; n++)
		if (a[n] != (int)n)
			CHECK(!"the elements are kept");

	/* a size whose doubling would not fit in size_t */
	void *p = a;
	size_t big = SIZE_MAX / 2 + 1;
	CHECK(!grow_room(&p, &big, big, 1));
	CHECK(p == a && big == SIZE_MAX / 2 + 1);
	size_t c = 1024;
	CHECK(!grow_room(&p, &c, 1024, SIZE_MAX / 1024));
	CHECK(p == a && c == 1024);
	CHECK(!grow_room(&p, &c, 1024, 0));
	free(a);
	return check_summary("base-grow");
}
