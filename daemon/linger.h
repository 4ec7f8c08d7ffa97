/* SPDX-License-Identifier: Apache-2.0 */
/* Inbound SAs kept a while after a rekey replaced them.  The peer's DELETE
 * for the old SA comes on the control path and can overtake the last ESP
 * packets it sent on that SA just before it switched (other threads, other
 * queues); dropping those as unknown SPI would lose data at every rekey
 * under load.  So a rekeyed inbound SA stays in the data plane for
 * LINGER_S seconds (strongSwan's delete_rekeyed_delay does the same), still
 * decrypting, and its last packets are added to the conn's counters when it
 * goes.  Outbound SAs go at once: we never send on them again. */
#ifndef MCVPN_LINGER_H
#define MCVPN_LINGER_H

#include <stddef.h>
#include <stdint.h>

#define LINGER_S 5

struct conn;
struct daemon;

/* Keep c's inbound SA spi_in for LINGER_S, then remove it.  Its counters up
 * to now must already be in c->past.  On failure (no memory) it is removed now. */
void linger_add(struct daemon *d, struct conn *c, uint32_t spi_in);
/* Remove c's lingering SAs now (all conns' with c NULL), counting them. */
void linger_flush(struct daemon *d, const struct conn *c);
/* How many of c's inbound SAs linger. */
size_t linger_count(const struct daemon *d, const struct conn *c);

#endif
