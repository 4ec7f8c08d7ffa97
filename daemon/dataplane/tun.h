/* SPDX-License-Identifier: Apache-2.0 */
/* The TUN device the tunnel routes into: layer 3, no packet-info header,
 * IFF_VNET_HDR: each read() is one virtio_net_hdr then one IP packet (a
 * super-packet once the data plane turned the offloads on), each write()
 * injects one the same way.  Only the data plane reads and writes it. */
#ifndef MCVPN_TUN_H
#define MCVPN_TUN_H

#include <stdbool.h>

/* Create the TUN device name, or attach to it if it exists (and we may).
 * Returns the fd (O_NONBLOCK, O_CLOEXEC), which the caller owns and closes
 * with tun_close, or -errno: -EINVAL for an empty name, -ENAMETOOLONG for
 * one that does not fit IFNAMSIZ.  On success *ifindex (if not NULL) is
 * the device's interface index.  A device we created disappears with its
 * last fd. */
int tun_open(const char *name, int *ifindex);

/* Give the device a carrier (on) or take it away (TUNSETCARRIER, Linux
 * 5.0): without one the link is NO-CARRIER, operationally down, while it
 * stays administratively up with its address.  0 or -errno. */
int tun_set_carrier(int fd, bool on);

/* Close a fd from tun_open; a negative fd is a no-op. */
void tun_close(int fd);

#endif
