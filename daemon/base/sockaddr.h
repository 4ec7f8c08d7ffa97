/* SPDX-License-Identifier: Apache-2.0 */
/* IPv4/IPv6 socket addresses in struct sockaddr_storage: compare, set the
 * port, length for the socket calls, and text for logs and status. */
#ifndef MCVPN_SOCKADDR_H
#define MCVPN_SOCKADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Same family and address; ports ignored. */
bool sockaddr_same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/* Same family, address and port. */
bool sockaddr_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
void sockaddr_set_port(struct sockaddr_storage *ss, uint16_t port);
/* sizeof the family's sockaddr; 0 for a family that is neither. */
socklen_t sockaddr_len(const struct sockaddr_storage *ss);
/* "192.0.2.1" or with port "192.0.2.1:500"; "?" for an unknown family. */
void sockaddr_str(const struct sockaddr_storage *ss, char *buf, size_t len, bool port);

#endif
