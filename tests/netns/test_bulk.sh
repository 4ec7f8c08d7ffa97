#!/usr/bin/env bash
# Integration test: bulk TCP routed through the tunnel between LAN hosts, so
# that every data-path offload carries forwarded traffic: the TUN's TSO
# super-packets cut by mcvpnd, ESP sent in UDP GSO trains, received
# (UDP GRO) and coalesced again before the TUN write.
#
#   mcv-lana-PID        mcv-aws-PID (gw A)     mcv-inet-PID     mcv-oci-PID (gw B)      mcv-lanb-PID
#  +--------------+    +------------------+    +----------+    +------------------+    +---------------+
#  | host A       |    | mcvpnd  vti1     |    | 1:1 NAT  |    | mcvpnd  vti1     |    | host B        |
#  | 10.2.0.20/24 +----+ lan0 10.2.0.1/24 |    | (topo.sh)|    | 10.105.0.1/24    +----+ 10.105.0.20/24|
#  | fd00:2::20   |lan0| fd00:2::1        +----+          +----+ fd00:105::1      |lan0| fd00:105::20  |
#  +--------------+    | wan0 10.3.1.200  |    +----------+    | wan0 10.106.1.200|    +---------------+
#   default via .1     +------------------+                    +------------------+     default via .1
#                       routes 10.105/16, fd00:105::/64         routes 10.2/16, fd00:2::/64
#                       -> vti1, forwarding on                  -> vti1, forwarding on
#
# Checks: host A cannot reach host B before the tunnel; then for each transfer
# (a file of BULK_MB, default 128, random MB, python3 on both ends, sha256 on
# both sides) over IPv4 A->B and B->A, over IPv6 A->B and B->A, and again
# with the LAN behind gw B at MTU 1400 (both ends of its link): the bytes
# arrive identical; the sender gateway's inner out_bytes grew by at least the
# file (it went through the tunnel); and the counters show each offload used
# on the routed traffic (below).  At the end: no replay, integrity, selector
# or selector_out drop on either gateway.  Last, a control run with MCVPN_DP_OFF=tso,gso,
# coalesce shows the same offload checks coming out the other way, so they
# can fail.  No timing is asserted.  About 20 s.
#
# How the offloads are seen.  mcvpnd's own offload counters (tso_split,
# gso_sent, gro_received, gro_written in struct dp_global_stats) are not in
# mcvpnctl status --json, so the test compares the daemon's ESP packet
# counters (conns[].counters.out_packets / in_packets count ESP packets, one
# per segment) with the kernel's device counters, which count one per TUN
# read or write and one per skb crossing a veth.  Each check asks for at
# least twice as many ESP packets (measured: about 40 times as many):
#   - sender gateway, ESP packets sent >= 2 x vti1 tx_packets (TUN reads):
#     the reads were TSO super-packets that mcvpnd cut (tso_split);
#   - sender gateway, ESP packets sent >= 2 x wan0 tx_packets: the ESP
#     packets left in UDP GSO trains (gso_sent);
#   - receiver gateway, ESP packets received >= 2 x vti1 rx_packets (TUN
#     writes): segments were coalesced into GSO_TCP writes (gro_written).
# The control run (offloads off) must find fewer than twice as many.
# Whether the receiving socket took the trains with UDP_GRO (gro_received)
# cannot be seen from outside: wan0 rx_packets shows only that the trains
# reached gw B whole through the NAT hop; it is printed, not asserted.
#
# What the kernel does with the forwarded packets (kernel 6.18, measured; the
# test prints the numbers): host A's TCP hands its veth TSO super-packets
# (veth has the GSO features) and veth passes each skb to the peer namespace
# as it is: gw A's lan0 receives as many skbs as host A's lan0 sent, no
# segmentation and no GRO involved.  gw A forwards a super-packet whole
# (ip_forward checks each segment's length against vti1's MTU, not the
# skb's), and the TUN, whose TSO offload mcvpnd turned on, hands it to
# mcvpnd as one read of about 64 KB.  So the TUN sees super-packets although
# the TCP sender is not local to the gateway; behind a real NIC it would be
# the NIC's GRO that builds them.  The first ones are too big: host A starts
# with MSS 1448 (its 1500-byte link), gw A answers "fragmentation needed" for
# 1438 and host A's super-packets shrink to that path MTU; the learned path
# MTU also lowers the MSS host A advertises, so later connections (either
# way) fit from the start.  On the other side the coalesced TUN writes are
# forwarded to lan0 and cross that veth whole too: host B's TCP receives them
# like GRO'd packets, nothing re-segments them.  With host B's link at MTU
# 1400 (both ends) host B advertises MSS 1360 and sends with it, so the
# coalesced writes carry segments of exactly 1400 bytes, lan0's MTU: a write
# claiming a larger segment size would not fit lan0 and gw B would refuse to
# forward it.
#
# Usage: sudo tests/netns/test_bulk.sh   (after a build; MCVPND= and
# MCVPNCTL= override the binaries, BULK_MB= the transfer size).  Ends with
# "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
. "$HERE/../lib/topo.sh"
. "$HERE/../lib/mcvpn.sh"

need_root
mcvpn_need_bins
cleanup_init

BULK_MB=${BULK_MB:-128}
CONTROL_MB=16
NS_LANA="mcv-lana-$$"
NS_LANB="mcv-lanb-$$"
HOST_A4=10.2.0.20
HOST_B4=10.105.0.20
HOST_A6=fd00:2::20
HOST_B6=fd00:105::20
PORT=5201
XFER_PID=

# ------------------------------------------------------------ topology

# lan_of SIDE: the LAN host namespace behind gateway SIDE.
lan_of() { [ "$1" = aws ] && printf '%s' "$NS_LANA" || printf '%s' "$NS_LANB"; }

# lan_add SIDE NS V4NET V6NET: a host namespace NS on a veth behind gateway
# SIDE, the gateway .1 / ::1, the host .20 / ::20, IPv6 forwarding on.
lan_add() {
	local side=$1 ns=$2 v4=$3 v6=$4 gw
	gw=$(ns_of "$side")
	ip netns add "$ns" && ip -n "$ns" link set lo up || die "ip netns add $ns failed"
	ip -n "$gw" link add lan0 type veth peer name lan0 netns "$ns" &&
	ip -n "$gw" addr add "$v4.1/24" dev lan0 &&
	ip -n "$gw" addr add "$v6::1/64" dev lan0 nodad &&
	ip -n "$gw" link set lan0 up &&
	ip -n "$ns" addr add "$v4.20/24" dev lan0 &&
	ip -n "$ns" addr add "$v6::20/64" dev lan0 nodad &&
	ip -n "$ns" link set lan0 up &&
	ip -n "$ns" route add default via "$v4.1" &&
	ip -n "$ns" -6 route add default via "$v6::1" || die "LAN behind $side failed"
	# forwarding=1 under "all" turns it on for every interface, vti1 to come
	ip netns exec "$gw" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/forwarding' ||
		die "IPv6 forwarding in $gw failed"
}

lan_down() {
	local ns pid
	for ns in "$NS_LANA" "$NS_LANB"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# The receiver of a transfer cut short (the sender runs in the foreground).
xfer_stop() { stop_pid "$XFER_PID"; }

# ------------------------------------------------------------ the transfer

# One TCP connection: "recv ADDR PORT OUT" listens on ADDR, hashes what comes
# until EOF and writes "BYTES SHA256" to OUT; "send ADDR PORT FILE" connects
# (retrying while refused, up to 5 s) and sends FILE with sendfile(2).
write_xfer_py() {
	cat >"$WORK/xfer.py" <<-'EOF'
	import hashlib, socket, sys, time
	mode, addr, port, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
	fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
	if mode == "recv":
	    ls = socket.socket(fam, socket.SOCK_STREAM)
	    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	    ls.bind((addr, port))
	    ls.listen(1)
	    ls.settimeout(25)
	    c, _ = ls.accept()
	    c.settimeout(25)
	    h, n, buf = hashlib.sha256(), 0, bytearray(1 << 20)
	    mv = memoryview(buf)
	    while True:
	        k = c.recv_into(buf)
	        if not k:
	            break
	        h.update(mv[:k])
	        n += k
	    with open(path, "w") as f:
	        f.write("%d %s\n" % (n, h.hexdigest()))
	    c.close()
	else:
	    end = time.monotonic() + 5
	    while True:
	        s = socket.socket(fam, socket.SOCK_STREAM)
	        s.settimeout(25)
	        try:
	            s.connect((addr, port))
	            break
	        except ConnectionRefusedError:
	            s.close()
	            if time.monotonic() > end:
	                raise
	            time.sleep(0.1)
	    with open(path, "rb") as f:
	        s.sendfile(f)
	    s.shutdown(socket.SHUT_WR)
	    while s.recv(65536):
	        pass
	EOF
}

# make_data FILE MB: FILE of MB random megabytes; sets DATA_SUM to
# "BYTES SHA256" as xfer.py's receiver writes it.
make_data() {
	head -c "$(($2 * 1048576))" /dev/urandom >"$1" || die "cannot write $1"
	DATA_SUM="$(stat -c %s "$1") $(sha256sum "$1" | cut -d' ' -f1)"
}

# transfer FROM_NS TO_NS DEST FILE: send FILE from FROM_NS to DEST in TO_NS,
# both ends bounded to 30 s.  Sets XFER_GOT ("BYTES SHA256" as received, or
# what went wrong).
transfer() {
	local from=$1 to=$2 dest=$3 file=$4 out src rrc
	PORT=$((PORT + 1))
	out="$WORK/recv.$PORT"
	ip netns exec "$to" timeout 30 python3 "$WORK/xfer.py" recv "$dest" "$PORT" "$out" \
		>"$out.log" 2>&1 &
	XFER_PID=$!
	ip netns exec "$from" timeout 30 python3 "$WORK/xfer.py" send "$dest" "$PORT" "$file" \
		>"$out.send.log" 2>&1
	src=$?
	wait "$XFER_PID"
	rrc=$?
	XFER_PID=
	if [ -s "$out" ]; then
		XFER_GOT=$(cat "$out")
	else
		XFER_GOT="nothing (sender exit $src, receiver exit $rrc:"
		XFER_GOT+=" $(tail -n 1 "$out.send.log") $(tail -n 1 "$out.log"))"
	fi
}

# ------------------------------------------------------------ counters

# dev_stat NS DEV: "rx_packets rx_bytes tx_packets tx_bytes" of DEV.
dev_stat() {
	# shellcheck disable=SC2016  # expanded by the inner shell
	ip netns exec "$1" sh -c 'cd /sys/class/net/$0/statistics &&
		echo $(cat rx_packets rx_bytes tx_packets tx_bytes)' "$2" 2>/dev/null ||
		echo "0 0 0 0"
}

# esp_stat SIDE: "in_packets out_packets in_bytes out_bytes replay integrity
# selector selector_out other" of the conn, from mcvpnctl status --json.
esp_stat() {
	mcvpnctl "$1" status --json 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin)["conns"][0]["counters"]
d = c["drops"]
print(c["in_packets"], c["out_packets"], c["in_bytes"], c["out_bytes"],
      d["replay"], d["integrity"], d["selector"], d["selector_out"], d["other"])' 2>/dev/null ||
		echo "x x x x x x x x x"
}

# icmp_too_big NS: ICMP "destination unreachable" plus ICMPv6 "packet too
# big" messages NS sent (here: the gateway's "fragmentation needed").
icmp_too_big() {
	# shellcheck disable=SC2016  # an awk program
	ip netns exec "$1" awk '
		/^Icmp: / && !c { for (i = 2; i <= NF; i++) if ($i == "OutDestUnreachs") c = i; next }
		/^Icmp: / { n += $c }
		$1 == "Icmp6OutPktTooBigs" { n += $2 }
		END { print n + 0 }' /proc/net/snmp /proc/net/snmp6 2>/dev/null || echo 0
}

# snap PREFIX: every counter the checks compare, into S[PREFIX.NAME].
declare -A S=()
snap() {
	local p=$1 side gw v
	for side in aws oci; do
		gw=$(ns_of "$side")
		read -r "S[$p.$side.esp_in]" "S[$p.$side.esp_out]" v "S[$p.$side.out_bytes]" v \
			<<<"$(esp_stat "$side")"
		read -r "S[$p.$side.vti_rx]" v "S[$p.$side.vti_tx]" v <<<"$(dev_stat "$gw" vti1)"
		read -r "S[$p.$side.wan_rx]" v "S[$p.$side.wan_tx]" v <<<"$(dev_stat "$gw" wan0)"
		read -r "S[$p.$side.lan_rx]" v "S[$p.$side.lan_tx]" v <<<"$(dev_stat "$gw" lan0)"
		read -r "S[$p.$side.host_rx]" v "S[$p.$side.host_tx]" v \
			<<<"$(dev_stat "$(lan_of "$side")" lan0)"
		read -r "S[$p.$side.icmp]" <<<"$(icmp_too_big "$gw")"
	done
}

# d NAME: S[a.NAME] - S[b.NAME], or "x" when either is missing.
d() {
	local a=${S[a.$1]:-x} b=${S[b.$1]:-x}
	[[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] && echo $((a - b)) || echo x
}

# avg BYTES PACKETS
avg() { [ "${2:-0}" != 0 ] && [ "$2" != x ] && echo $(($1 / $2)) || echo 0; }

# check_many DESC N N_WHAT M M_WHAT: passes when N >= 2 * M > 0, i.e. on
# average at least two of N per one of M: an offload joined packets.  The
# counters are read at slightly different instants (a stray packet may fall
# between), so no check asks for an exact count.
check_many() {
	if [[ $2 =~ ^[0-9]+$ && $4 =~ ^[0-9]+$ ]] && [ "$4" -gt 0 ] && [ "$2" -ge $(($4 * 2)) ]; then
		pass "$1 ($2 $3 for $4 $5)"
		return 0
	fi
	fail "$1" "expected: $3 >= 2 x $5 (> 0)" "got:      $2 $3, $4 $5"
	return 1
}

# check_many_not DESC N N_WHAT M M_WHAT: the control: 0 < N < 2 * M.
check_many_not() {
	if [[ $2 =~ ^[0-9]+$ && $4 =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] && [ "$2" -lt $(($4 * 2)) ]; then
		pass "$1 ($2 $3 for $4 $5)"
		return 0
	fi
	fail "$1" "expected: 0 < $3 < 2 x $5" "got:      $2 $3, $4 $5"
	return 1
}

# ------------------------------------------------------------ one check set

# bulk DESC FROM TO DEST MODE: transfer the data file from gateway side FROM's
# LAN host to DEST behind TO; MODE "on" expects the offloads used, "off" (the
# control run) expects none of them.
bulk() {
	local desc=$1 from=$2 to=$3 dest=$4 mode=$5 file=$DATA esp_out tso_in wan_out esp_in wr
	[ "$mode" = on ] || file=$CONTROL
	snap b
	transfer "$(lan_of "$from")" "$(lan_of "$to")" "$dest" "$file"
	snap a
	if [ "$mode" = on ]; then
		check_eq "$desc: arrives byte-identical (bytes, sha256)" "$DATA_SUM" "$XFER_GOT"
	else
		check_eq "$desc: arrives byte-identical (bytes, sha256)" "$CONTROL_SUM" "$XFER_GOT"
	fi
	check_gt "$desc: $from's inner out_bytes grew by the file or more (it went through the tunnel)" \
		"$(d "$from.out_bytes")" "$(( $(stat -c %s "$file") - 1 ))"

	esp_out=$(d "$from.esp_out")
	tso_in=$(d "$from.vti_tx")
	wan_out=$(d "$from.wan_tx")
	esp_in=$(d "$to.esp_in")
	wr=$(d "$to.vti_rx")
	info "$from: host lan0 sent $(d "$from.host_tx") skbs, gw lan0 got $(d "$from.lan_rx"), gw sent $(d "$from.icmp") ICMP too-big"
	info "$from: vti1 gave mcvpnd $tso_in reads (avg $(avg "$(d "$from.out_bytes")" "$tso_in") B), mcvpnd sent $esp_out ESP packets in $wan_out wan0 skbs"
	info "$to: wan0 got $(d "$to.wan_rx") skbs ($esp_in ESP packets), mcvpnd wrote $wr to vti1, the host's lan0 got $(d "$to.host_rx") skbs"
	if [ "$mode" = on ]; then
		check_many "$desc: $from: TUN reads were TSO super-packets, cut by mcvpnd" \
			"$esp_out" "ESP packets" "$tso_in" "TUN reads"
		check_many "$desc: $from: ESP left in UDP GSO trains" \
			"$esp_out" "ESP packets" "$wan_out" "wan0 skbs"
		check_many "$desc: $to: segments coalesced before the TUN write" \
			"$esp_in" "ESP packets" "$wr" "TUN writes"
	else
		check_many_not "$desc: $from: one TUN read per ESP packet (no TSO)" \
			"$esp_out" "ESP packets" "$tso_in" "TUN reads"
		check_many_not "$desc: $from: one wan0 skb per ESP packet (no UDP GSO)" \
			"$esp_out" "ESP packets" "$wan_out" "wan0 skbs"
		check_many_not "$desc: $to: one TUN write per ESP packet (no coalescing)" \
			"$esp_in" "ESP packets" "$wr" "TUN writes"
	fi
}

# no_bad_drops SIDE: replay, integrity, selector and selector_out drops all 0
# (other, e.g. a train the socket refused, is TCP's to repair: printed only).
no_bad_drops() {
	local v
	v=$(esp_stat "$1" | cut -d' ' -f5-9)
	info "$1: drops replay, integrity, selector, selector_out, other: $v"
	check_eq "$1: no replay, integrity, selector or selector_out drop" "0 0 0 0" \
		"$(echo "$v" | cut -d' ' -f1-4)"
}

# start_tunnel [NOTE]: both daemons, the tunnel up within 20 s, or the test
# ends here (every transfer would only wait for its timeout).
start_tunnel() {
	mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs below"
	if wait_for 20 mcvpn_both_up; then
		pass "tunnel up on both sides within 20 s${1:+ ($1)}"
		return 0
	fi
	fail "tunnel up on both sides within 20 s${1:+ ($1)}" \
		"Child SAs: aws $(mcvpn_sa_count aws), oci $(mcvpn_sa_count oci)"
	mcvpn_dump_logs
	summary
	exit 1
}

# ------------------------------------------------------------ the test

at_exit lan_down
at_exit xfer_stop
section "topology: a LAN host behind each gateway"
topo_up
lan_add aws "$NS_LANA" 10.2.0 fd00:2
lan_add oci "$NS_LANB" 10.105.0 fd00:105
pass "namespaces $NS_LANA, $NS_AWS, $NS_INET, $NS_OCI, $NS_LANB"
check "host A reaches its gateway" ip netns exec "$NS_LANA" ping -n -c 1 -W 2 10.2.0.1
check "host B reaches its gateway" ip netns exec "$NS_LANB" ping -n -c 1 -W 2 10.105.0.1
check_not "without a tunnel host A cannot reach host B" \
	ip netns exec "$NS_LANA" ping -n -c 1 -W 1 "$HOST_B4"
check_not "without a tunnel host A cannot reach host B over IPv6" \
	ip netns exec "$NS_LANA" ping -6 -n -c 1 -W 1 "$HOST_B6"

section "tunnel"
mcvpn_write_config aws start
mcvpn_write_config oci start
mcvpn_conf_set aws "leftsubnet=0.0.0.0/0,::/0" "rightsubnet=0.0.0.0/0,::/0" \
	"routes=10.105.0.0/16,10.106.0.0/16,fd00:105::/64"
mcvpn_conf_set oci "leftsubnet=0.0.0.0/0,::/0" "rightsubnet=0.0.0.0/0,::/0" \
	"routes=10.2.0.0/16,10.3.0.0/16,fd00:2::/64"
start_tunnel
check "ping host A -> host B through the gateways" \
	ip netns exec "$NS_LANA" ping -n -c 2 -i 0.2 -W 2 "$HOST_B4"
check "ping6 host B -> host A through the gateways" \
	ip netns exec "$NS_LANB" ping -6 -n -c 2 -i 0.2 -W 2 "$HOST_A6"

write_xfer_py
DATA="$WORK/data"
CONTROL="$WORK/control"
make_data "$CONTROL" "$CONTROL_MB"
CONTROL_SUM=$DATA_SUM
make_data "$DATA" "$BULK_MB"
info "data: $BULK_MB MB, sha256 ${DATA_SUM#* }"

section "IPv4 bulk TCP, $BULK_MB MB each way"
bulk "IPv4 A->B" aws oci "$HOST_B4" on
bulk "IPv4 B->A" oci aws "$HOST_A4" on

section "IPv6 bulk TCP, $BULK_MB MB each way"
bulk "IPv6 A->B" aws oci "$HOST_B6" on
bulk "IPv6 B->A" oci aws "$HOST_A6" on

section "the LAN behind gw B at MTU 1400"
ip -n "$NS_OCI" link set lan0 mtu 1400 && ip -n "$NS_LANB" link set lan0 mtu 1400 ||
	fail "set MTU 1400 on the LAN behind gw B"
check_match "gw B's lan0 has MTU 1400" ' mtu 1400 ' "$(ip -n "$NS_OCI" -o link show lan0)"
check_match "host B's lan0 has MTU 1400" ' mtu 1400 ' "$(ip -n "$NS_LANB" -o link show lan0)"
bulk "MTU 1400 IPv4 A->B" aws oci "$HOST_B4" on
bulk "MTU 1400 IPv4 B->A" oci aws "$HOST_A4" on
bulk "MTU 1400 IPv6 A->B" aws oci "$HOST_B6" on
bulk "MTU 1400 IPv6 B->A" oci aws "$HOST_A6" on

section "drops"
no_bad_drops aws
no_bad_drops oci

section "control: MCVPN_DP_OFF=tso,gso,coalesce, $CONTROL_MB MB"
mcvpnd_stop aws
mcvpnd_stop oci
MCVPN_DP_OFF=tso,gso,coalesce start_tunnel "offloads off"
bulk "no offloads IPv4 A->B" aws oci "$HOST_B4" off

[ "$FAIL" -eq 0 ] || mcvpn_dump_logs
summary
