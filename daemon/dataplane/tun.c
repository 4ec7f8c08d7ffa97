/* SPDX-License-Identifier: Apache-2.0 */
/* The TUN device: open /dev/net/tun and bind the fd to one interface, with
 * a virtio_net_hdr before every packet so the data plane can take the
 * offloads (dp_tun_offloads: TSO/USO reads, GSO writes). */
#include "daemon/dataplane/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define TUN_CLONE_DEV "/dev/net/tun"

/* The kernel fills ifr_ifindex for SIOCGIFINDEX on any socket; the tun fd
 * itself does not answer it, so ask through a throwaway datagram socket. */
static int tun_ifindex(const char ifname[IFNAMSIZ], int *ifindex)
{
	struct ifreq ifr;
	int s, r = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, IFNAMSIZ);
	if (ioctl(s, SIOCGIFINDEX, &ifr) < 0)
		r = -errno;
	else
		*ifindex = ifr.ifr_ifindex;
	close(s);
	return r;
}

int tun_open(const char *name, int *ifindex)
{
	struct ifreq ifr;
	size_t len = name ? strlen(name) : 0;
	int fd, r;

	if (len == 0)
		return -EINVAL;
	if (len >= IFNAMSIZ)
		return -ENAMETOOLONG;
	fd = open(TUN_CLONE_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, len);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		goto fail;
	}
	/* The kernel wrote back the final name (a "%d" template expands). */
	r = ifindex ? tun_ifindex(ifr.ifr_name, ifindex) : 0;
	if (r < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return r;
}

int tun_set_carrier(int fd, bool on)
{
	int v = on;

	return ioctl(fd, TUNSETCARRIER, &v) < 0 ? -errno : 0;
}

void tun_close(int fd)
{
	if (fd >= 0)
		close(fd);
}
