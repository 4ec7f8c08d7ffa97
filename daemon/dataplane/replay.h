/* SPDX-License-Identifier: Apache-2.0 */
/* Anti-replay window for inbound ESP (RFC 4303 3.4.3), kept as a ring of
 * 64-bit blocks in the manner of RFC 6479: advancing the window clears
 * whole blocks instead of shifting a bitmap.  Sequence numbers are 64 bits
 * wide: without ESN only the low 32 are ever used; with ESN (RFC 4304) the
 * packet carries the low 32 and replay_esn_infer() gives the high 32 from
 * the window (RFC 4303 appendix A2.2).  Sequence number 0 is never valid
 * (with ESN the 64-bit 0 only: 2^32 has 32 zero bits on the wire and is
 * valid).
 *
 * Use: with ESN replay_esn_infer() first; replay_check() before the AEAD
 * verify (cheap reject), then replay_update() only after the packet
 * verified (with the inferred high bits in its ICV input), so a forged
 * packet can neither move the window nor mark a number as seen.
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
	uint64_t top;			/* highest sequence number accepted; 0 none yet */
	uint64_t bits[REPLAY_BLOCKS];	/* bit (seq % 64) of block (seq / 64) % BLOCKS */
};

void replay_init(struct replay *r);
/* ESN: the full sequence number of a packet whose low 32 bits are low.
 * The window's bottom B = top - REPLAY_WINDOW + 1 decides (RFC 4303
 * A2.2): low at or above B's low bits lies in B's 2^32 epoch, below them
 * in the next one.  So a number inside the window or above it comes back
 * as sent, and one below the window is taken for the next epoch (its ICV
 * then fails: that is how such a packet is refused).  0 when the epoch
 * would lie below 0 (a window still in epoch 0 and low behind it). */
uint64_t replay_esn_infer(const struct replay *r, uint32_t low);
/* True when seq may be accepted: not 0, not older than the window, not seen. */
bool replay_check(const struct replay *r, uint64_t seq);
/* Record seq as received (advancing the window when it is the new top).
 * The caller has passed replay_check() and verified the packet. */
void replay_update(struct replay *r, uint64_t seq);

#endif
