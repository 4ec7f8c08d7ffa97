#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""TCP SYNs for the mss-clamp tests, without tcpdump: send a crafted one,
or watch a device for one and say what MSS it carries.  IPv4 only.

  tcp_syn.py send SRC DST SPORT DPORT MSS [synack]
      a SYN (or SYN-ACK) with the MSS option after a NOP (at an odd
      offset), SACK-permitted and a window scale, full checksums, through
      a raw socket (the host's routes choose the device).
  tcp_syn.py sniff DEV PORT in|out SECONDS READY
      the first TCP packet with SYN set from or to PORT that DEV receives
      (in: written into a TUN by its daemon) or sends (out: read from it),
      printed as "flags=S mss=1398 csum=ok" ("mss=none" without the
      option); READY is created once the socket listens.  Exit 1 with
      "none" if nothing came within SECONDS.
  tcp_syn.py connect SRC DST PORT SECONDS
      a real TCP connection (the kernel's SYN, checksum offloads and all);
      exit 0 once established.
  tcp_syn.py listen ADDR PORT SECONDS READY
      accept one connection; exit 0 when one came.
"""
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def tcp_ok(ip, l4, end):
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, end - l4)
    return csum(pseudo + ip[l4:end]) == 0xFFFF


def send(src, dst, sport, dport, mss, synack):
    opts = bytes([1, 2, 4]) + struct.pack("!H", mss) + bytes([4, 2, 3, 3, 7, 0, 0])
    hlen = 20 + len(opts)
    flags = 0x12 if synack else 0x02
    tcp = struct.pack("!HHIIBBHHH", sport, dport, 0x11223344, 0x55667788 if synack else 0,
                      hlen // 4 << 4, flags, 64240, 0, 0) + opts
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    c = 0xFFFF - csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0x4242, 0, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", 0xFFFF - csum(ip)) + ip[12:]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.sendto(ip + tcp, (dst, 0))
    return 0


def mss_of(tcp, hlen):
    i = 20
    while i < hlen and tcp[i] != 0:
        if tcp[i] == 1:
            i += 1
            continue
        if i + 1 >= hlen or tcp[i + 1] < 2:
            break
        if tcp[i] == 2 and tcp[i + 1] == 4 and i + 4 <= hlen:
            return struct.unpack("!H", tcp[i + 2:i + 4])[0]
        i += tcp[i + 1]
    return None


def sniff(dev, port, way, secs, ready):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
    s.bind((dev, 0))
    open(ready, "w").close()
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.time()))
        if not r:
            break
        pkt, addr = s.recvfrom(65535)
        if (addr[2] == PACKET_OUTGOING) != (way == "out"):
            continue
        if len(pkt) < 40 or pkt[0] >> 4 != 4 or pkt[9] != 6:
            continue
        l4 = (pkt[0] & 15) * 4
        end_ip = struct.unpack("!H", pkt[2:4])[0]
        tcp = pkt[l4:end_ip]
        if len(tcp) < 20 or not tcp[13] & 0x02:
            continue
        if port not in struct.unpack("!HH", tcp[:4]):
            continue
        hlen = (tcp[12] >> 4) * 4
        mss = mss_of(tcp, min(hlen, len(tcp)))
        print("flags=%s mss=%s csum=%s" % ("SA" if tcp[13] & 0x10 else "S",
                                           "none" if mss is None else mss,
                                           "ok" if tcp_ok(pkt, l4, end_ip) else "bad"))
        return 0
    print("none")
    return 1


def connect(src, dst, port, secs):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.bind((src, 0))
    c.settimeout(secs)
    c.connect((dst, port))
    c.close()
    return 0


def listen(addr, port, secs, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(1)
    s.settimeout(secs)
    open(ready, "w").close()
    c, _ = s.accept()
    c.close()
    return 0


def main(a):
    if a[0] == "send":
        return send(a[1], a[2], int(a[3]), int(a[4]), int(a[5]), len(a) > 6 and a[6] == "synack")
    if a[0] == "sniff":
        return sniff(a[1], int(a[2]), a[3], float(a[4]), a[5])
    if a[0] == "connect":
        return connect(a[1], a[2], int(a[3]), float(a[4]))
    if a[0] == "listen":
        return listen(a[1], int(a[2]), float(a[3]), a[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, IndexError, ValueError) as e:
        print("tcp_syn.py: %s" % e, file=sys.stderr)
        sys.exit(1)
