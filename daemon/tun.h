/* The TUN device the tunnel routes into: layer 3, no packet-info header,
 * so each read() is one IP packet and each write() injects one. */
#ifndef MCVPN_TUN_H
#define MCVPN_TUN_H

/* Create the TUN device name, or attach to it if it exists (and we may).
 * Returns the fd (O_NONBLOCK, O_CLOEXEC), which the caller owns and closes
 * with tun_close, or -errno: -EINVAL for an empty name, -ENAMETOOLONG for
 * one that does not fit IFNAMSIZ.  On success *ifindex (if not NULL) is
 * the device's interface index.  A device we created disappears with its
 * last fd. */
int tun_open(const char *name, int *ifindex);

/* Close a fd from tun_open; a negative fd is a no-op. */
void tun_close(int fd);

#endif
