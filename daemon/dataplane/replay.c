/* SPDX-License-Identifier: Apache-2.0 */
/* Anti-replay window: a ring of 64-bit blocks (RFC 6479 style). */
#include "daemon/dataplane/replay.h"

#include <string.h>

static uint32_t block_of(uint64_t seq)
{
	return (uint32_t)((seq / REPLAY_BLOCK_BITS) % REPLAY_BLOCKS);
}

static uint64_t bit_of(uint64_t seq)
{
	return (uint64_t)1 << (seq % REPLAY_BLOCK_BITS);
}

void replay_init(struct replay *r)
{
	memset(r, 0, sizeof(*r));
}

uint64_t replay_esn_infer(const struct replay *r, uint32_t low)
{
	uint64_t bottom, epoch;

	/* The window still reaches below 0: its bottom's epoch would be -1,
	 * and a low above the bottom's low bits would belong there. */
	if (r->top < REPLAY_WINDOW - 1)
		return low >= (uint32_t)(r->top - (REPLAY_WINDOW - 1)) ? 0 : low;
	bottom = r->top - (REPLAY_WINDOW - 1);
	epoch = bottom >> 32;
	if (low < (uint32_t)bottom && ++epoch > UINT32_MAX)
		return 0;	/* past 2^64 - 1: the sender stops before */
	return epoch << 32 | low;
}

bool replay_check(const struct replay *r, uint64_t seq)
{
	if (seq == 0)
		return false;
	if (seq > r->top)
		return true;
	if (r->top - seq >= REPLAY_WINDOW)
		return false;
	return !(r->bits[block_of(seq)] & bit_of(seq));
}

/* Clear the blocks the window slides into as top moves up to seq; a jump
 * wider than the ring clears every block once. */
static void advance(struct replay *r, uint64_t seq)
{
	uint64_t from = r->top / REPLAY_BLOCK_BITS;
	uint64_t to = seq / REPLAY_BLOCK_BITS;
	uint64_t n = to - from;

	if (n > REPLAY_BLOCKS)
		n = REPLAY_BLOCKS;
	for (uint64_t i = 1; i <= n; i++)
		r->bits[(from + i) % REPLAY_BLOCKS] = 0;
	r->top = seq;
}

void replay_update(struct replay *r, uint64_t seq)
{
	if (seq > r->top)
		advance(r, seq);
	r->bits[block_of(seq)] |= bit_of(seq);
}
