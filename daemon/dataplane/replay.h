/* SPDX-License-Identifier: Apache-2.0 */
/* Anti-replay window for inbound ESP (RFC 4303 3.4.3), kept as a ring of
 * 64-bit blocks in the manner of RFC 6479: advancing the window clears
 * whole blocks instead of shifting a bitmap.  32-bit sequence numbers (no
 * ESN); sequence number 0 is never valid.
 *
 * Use: replay_check() before the AEAD verify (cheap reject), then
 * replay_update() only after the packet verified, so a forged packet can
 * neither move the window nor mark a number as seen.
 *
 * Not thread-safe: one thread (the receiving one) owns a window. */
#ifndef MCVPN_REPLAY_H
#define MCVPN_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_BLOCK_BITS 64
/* One block more than the window needs: the oldest block is partly outside
 * the window while the newest is partly filled. */
#define REPLAY_BLOCKS 65
/* Sequence numbers accepted: top - REPLAY_WINDOW < seq <= top, or above top. */
#define REPLAY_WINDOW ((REPLAY_BLOCKS - 1) * REPLAY_BLOCK_BITS)

struct replay {
	uint32_t top;			/* highest sequence number accepted; 0 none yet */
	uint64_t bits[REPLAY_BLOCKS];	/* bit (seq % 64) of block (seq / 64) % BLOCKS */
};

void replay_init(struct replay *r);
/* True when seq may be accepted: not 0, not older than the window, not seen. */
bool replay_check(const struct replay *r, uint32_t seq);
/* Record seq as received (advancing the window when it is the new top).
 * The caller has passed replay_check() and verified the packet. */
void replay_update(struct replay *r, uint32_t seq);

#endif
