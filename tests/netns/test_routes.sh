#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Routes that behave: mcvpnd's routes carry their own protocol (proto
# mcvpn), never replace or delete a route someone else made, and fail over
# between two tunnels by metric with routes-when-down=withdraw.
#
#                                 mcv-inet-PID (1:1 NAT)
#   mcv-aws-PID                  198.51.100.10 <-> 10.3.1.200       mcv-oci-PID
#  +---------------------+       203.0.113.20 <-> 10.106.1.200    +----------------------+
#  | lo 10.2.0.10        |       203.0.113.40 <-> 10.107.1.200    | lo 10.105.0.10       |
#  | wan0 10.3.1.200/24  +------+ aws0 10.3.1.1                   | vti1 192.168.2.2/30  |
#  | vti1 -> oci         |      |           oci0 10.106.1.1 +-----+ wan0 10.106.1.200/24 |
#  | vti2 -> oci2        |      |           oci20 10.107.1.1 +-+  +----------------------+
#  +---------------------+      +-------------------------------+ |  mcv-oci2-PID (phase 4)
#   default via 10.3.1.1                                          | +----------------------+
#                                                                 | | lo 10.105.0.10 (too) |
#                                                                 | | vti1 192.168.3.2/30  |
#                                                                 +-+ wan0 10.107.1.200/24 |
#                                                                   +----------------------+
# Phases, each with its own daemons:
#  1. the example pair: aws's routes are "proto mcvpn" (ip(8) names it
#     through rt_protos.d/mcvpn.conf); a route someone adds for one of its
#     prefixes while ours is gone keeps ours out (logged) and ours comes back
#     when it goes; at SIGTERM only mcvpnd's routes go, someone's route to
#     the same prefix stays.
#  2. routes=0.0.0.0/0 with routes-replace=yes (the peer pinned): mcvpnd's
#     default route goes in front of the namespace's, which is never
#     replaced and is the same after SIGTERM.
#  3. mss-clamp=yes on aws: a crafted SYN (MSS 1460) from aws reaches oci's
#     TUN as 1398, a crafted SYN-ACK from oci reaches aws's TUN as 1398,
#     checksums right, a smaller MSS untouched; mss-clamp=1300 by a reload:
#     a real TCP connection's SYN and SYN-ACK both carry 1300 (phase 1
#     checks that without mss-clamp= an MSS of 1460 crosses as it is).
#  4. failover: aws has two conns routing 10.105.0.0/16, to oci (metric 100)
#     and to oci2 (metric 200), routes-when-down=withdraw; oci's daemon is
#     killed: once DPD declares it dead the vti1 route is withdrawn and
#     pings go through vti2; oci's daemon back: the vti1 route comes back
#     and carries them again.
# Every wait is bounded and tied to what it waits for.
#
# Usage: sudo tests/netns/test_routes.sh   (after a build).  Ends with
# "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

# ip(8) as an installed system has it: the packaged rt_protos.d/mcvpn.conf
# bind-mounted over the directory (ip netns exec's mount namespace is
# private: the host's /etc is untouched).
PROTOS="$WORK/rt_protos.d"
mkdir -p "$PROTOS" && cp "$REPO/packaging/rt_protos.conf" "$PROTOS/mcvpn.conf" ||
	die "cannot copy rt_protos.conf"
ip_named() {
	local side=$1
	shift
	nsx "$side" sh -c 'mount --bind "$0" /etc/iproute2/rt_protos.d && exec ip "$@"' "$PROTOS" "$@"
}

# The routes to PREFIX in aws's main table, one line each.
routes_to() { nsx aws ip -4 route show "$1" 2>&1; }
route_dev() { nsx aws ip -4 route get "$1" 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p'; }
has_route() { [ -n "$(nsx aws ip -4 route show "$1" dev "$2" proto 77 2>/dev/null)" ]; }
no_route() { ! has_route "$@"; }
dev_is() { [ "$(route_dev "$1")" = "$2" ]; }

# conn_field SIDE CONN EXPR: a Python expression over c, the conn named CONN
# in SIDE's status --json.
conn_field() {
	mcvpnctl "$1" status --json 2>/dev/null | python3 -c '
import json, sys
for c in json.load(sys.stdin)["conns"]:
    if c["name"] == sys.argv[1]:
        print(eval(sys.argv[2]))' "$2" "$3" 2>/dev/null
}
conn_up() { [ "$(conn_field "$1" "$2" 'c["state"]')" = up ]; }
in_packets() { conn_field aws "$1" 'c["counters"]["in_packets"]'; }
log_has() { [ "$(mcvpn_log_count "$1" "$2" "$3")" -gt 0 ]; }

ping_lan() { nsx aws ping -n -c 3 -i 0.2 -W 2 -I 10.2.0.10 10.105.0.10; }

# TCP SYNs seen on a tunnel device (tests/lib/tcp_syn.py): sniff_start SIDE
# DEV PORT in|out watches in the background (bounded: 10 s), sniff_result
# waits for it and prints "flags=S mss=N csum=ok" or "none".
TCP_SYN="$REPO/tests/lib/tcp_syn.py"
SNIFF_PID=
SNIFF_OUT=
LISTEN_PID=
at_exit 'stop_pid "$SNIFF_PID"; stop_pid "$LISTEN_PID"'
sniff_start() {
	local ready="$WORK/sniff.$RANDOM.ready"
	SNIFF_OUT="$WORK/sniff.$RANDOM.out"
	nsx "$1" python3 "$TCP_SYN" sniff "$2" "$3" "$4" 10 "$ready" >"$SNIFF_OUT" 2>&1 &
	SNIFF_PID=$!
	wait_for 5 test -e "$ready" || warn "the sniffer on $1 $2 did not start: $(cat "$SNIFF_OUT")"
}
sniff_result() {
	wait "$SNIFF_PID"
	SNIFF_PID=
	cat "$SNIFF_OUT"
}
# syn_through FROM SRC DST SPORT DPORT MSS [synack] DEV-SIDE DIR: a crafted
# SYN sent in FROM's namespace, as seen on DEV-SIDE's vti1.
syn_through() {
	sniff_start "$8" vti1 "$5" "$9"
	nsx "$1" python3 "$TCP_SYN" send "$2" "$3" "$4" "$5" "$6" "$7"
	sniff_result
}

# ------------------------------------------------------------ 1
phase_ours() {
	local mark out
	section "1. proto mcvpn; someone else's routes kept and never deleted"
	RUNDIR=$WORK/p1
	mcvpn_write_config aws start
	mcvpn_write_config oci start
	mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs"
	wait_for 20 mcvpn_both_up && pass "tunnel up" || fail "tunnel up" "no Child SA in 20 s"

	out=$(ip_named aws -4 route show proto mcvpn)
	check_match "ip route show proto mcvpn lists 10.105.0.0/16 dev vti1" \
		'^10\.105\.0\.0/16 dev vti1 scope link' "$out"
	check_match "ip route show proto mcvpn lists 10.106.0.0/16 dev vti1" '^10\.106\.0\.0/16 dev vti1' "$out"
	check_match "the routes print as proto mcvpn" 'proto mcvpn' "$(ip_named aws -4 route show dev vti1)"
	check_eq "and none as proto static" "" "$(nsx aws ip -4 route show proto static)"
	check "ping through the tunnel" ping_lan
	check_eq "without mss-clamp= a SYN's MSS 1460 crosses as it is" "flags=S mss=1460 csum=ok" \
		"$(syn_through aws 10.2.0.10 10.105.0.10 40001 5001 1460 syn oci in)"

	# someone routes 10.106/16 too (metric 50, before ours), then deletes ours
	mark=$(mcvpn_log_mark aws)
	nsx aws ip route add 10.106.0.0/16 via 10.3.1.1 dev wan0 metric 50
	nsx aws ip route del 10.106.0.0/16 dev vti1 proto 77
	if wait_for 10 log_has aws "$mark" 'route 10\.106\.0\.0/16 into vti1 not installed'; then
		pass "aws logs that someone's route keeps its 10.106.0.0/16 out"
	else
		fail "aws logs that someone's route keeps its 10.106.0.0/16 out" \
			"$(mcvpn_log_since aws "$mark" | tail -n 5)"
	fi
	check_match "the log says which route, and the way out" \
		'the table routes it dev wan0 proto boot metric 50, a route mcvpnd did not make; routes-replace=yes' \
		"$(mcvpn_log_since aws "$mark")"
	check "aws did not put its route back over it" no_route 10.106.0.0/16 vti1
	check_match "status marks it" 'routes 10\.105\.0\.0/16,10\.106\.0\.0/16 \(kept out by another route\)' \
		"$(mcvpnctl aws status)"
	check_match "someone's route is there" '^10\.106\.0\.0/16 via 10\.3\.1\.1 dev wan0 metric 50' \
		"$(routes_to 10.106.0.0/16)"
	nsx aws ip route del 10.106.0.0/16 via 10.3.1.1 dev wan0 metric 50
	if wait_for 10 has_route 10.106.0.0/16 vti1; then
		pass "someone's route gone: aws's 10.106.0.0/16 is back"
	else
		fail "someone's route gone: aws's 10.106.0.0/16 is back" "$(routes_to 10.106.0.0/16)"
	fi

	# someone's route to 10.105/16 at metric 500: ours (metric 0) wins, theirs survives the stop
	nsx aws ip route add 10.105.0.0/16 via 10.3.1.1 dev wan0 metric 500
	check_eq "10.105.0.10 still goes into vti1 (metric 0 before 500)" vti1 "$(route_dev 10.105.0.10)"
	mcvpnd_stop aws 5
	check_eq "aws: exit status 0 after SIGTERM" 0 "$STOP_RC"
	check_eq "no proto mcvpn route left in any table" "" "$(nsx aws ip route show table all proto 77)"
	check_match "someone's 10.105.0.0/16 route is still there, alone" \
		'^10\.105\.0\.0/16 via 10\.3\.1\.1 dev wan0 metric 500 ?$' "$(routes_to 10.105.0.0/16)"
	nsx aws ip route del 10.105.0.0/16 via 10.3.1.1 dev wan0 metric 500
	mcvpnd_stop oci 5
}

# ------------------------------------------------------------ 2
phase_default() {
	local before out
	section "2. routes=0.0.0.0/0 with routes-replace=yes: the default route stays"
	RUNDIR=$WORK/p2
	mcvpn_write_config aws start
	mcvpn_write_config oci start
	mcvpn_conf_set aws routes=0.0.0.0/0 routes-replace=yes
	nsx aws ip route add 203.0.113.20/32 via 10.3.1.1	# the peer pinned outside the tunnel
	before=$(nsx aws ip -4 route show default)
	check_match "the namespace's default route" '^default via 10\.3\.1\.1 dev wan0 ?$' "$before"
	mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs"
	wait_for 20 mcvpn_both_up && pass "tunnel up" || fail "tunnel up" "no Child SA in 20 s"
	out=$(nsx aws ip -4 route show default)
	check_match "aws: mcvpnd's default route dev vti1" '^default dev vti1 proto 77 scope link' "$out"
	check_match "aws: the namespace's default route is still there" '^default via 10\.3\.1\.1 dev wan0 ?$' "$out"
	check_eq "aws: the default route into vti1 is the one used" vti1 "$(route_dev 192.0.2.1)"
	check_match "aws logs that its route went in front of the other" \
		'route 0\.0\.0\.0/0 into vti1 installed in front of the route dev wan0 proto boot metric 0 that mcvpnd did not make \(routes-replace=yes\); that one stays' \
		"$(cat "$(mcvpn_log aws)")"
	check "ping through the tunnel by the default route" ping_lan
	mcvpnd_stop aws 5
	check_eq "aws: exit status 0 after SIGTERM" 0 "$STOP_RC"
	check_eq "aws: the default route is as it was" "$before" "$(nsx aws ip -4 route show default)"
	check_eq "no proto mcvpn route left" "" "$(nsx aws ip route show table all proto 77)"
	mcvpnd_stop oci 5
	nsx aws ip route del 203.0.113.20/32
}

# ------------------------------------------------------------ 3
phase_mss() {
	local ready out
	section "3. mss-clamp= on aws: SYNs both ways, crafted and the kernel's"
	RUNDIR=$WORK/p3
	mcvpn_write_config aws start
	mcvpn_write_config oci start
	mcvpn_conf_set aws mss-clamp=yes
	mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs"
	wait_for 20 mcvpn_both_up && pass "tunnel up" || fail "tunnel up" "no Child SA in 20 s"
	check_match "aws logs the clamp: MTU 1438 less 40 and 60" \
		'TCP MSS of SYNs through vti1 clamped to 1398 \(IPv4\), 1378 \(IPv6\)' "$(cat "$(mcvpn_log aws)")"
	# aws -> oci: clamped by aws before encryption (oci does not clamp)
	check_eq "aws's SYN (MSS 1460 at an odd offset) reaches oci's TUN as 1398, checksum right" \
		"flags=S mss=1398 csum=ok" "$(syn_through aws 10.2.0.10 10.105.0.10 40002 5001 1460 syn oci in)"
	# oci -> aws: clamped by aws after decryption
	check_eq "oci's SYN-ACK (MSS 1460) is written to aws's TUN as 1398, checksum right" \
		"flags=SA mss=1398 csum=ok" \
		"$(syn_through oci 10.105.0.10 10.2.0.10 5001 40003 1460 synack aws in)"
	check_eq "an MSS below the clamp (1200) is left as it is" "flags=S mss=1200 csum=ok" \
		"$(syn_through aws 10.2.0.10 10.105.0.10 40004 5001 1200 syn oci in)"

	# mss-clamp=1300 by a reload; a real connection: the kernel's SYN (its
	# checksum left to the TUN's offload) and SYN-ACK, both clamped by aws
	mcvpn_conf_set aws mss-clamp=1300
	mcvpnctl aws reload >/dev/null 2>&1
	wait_for 20 mcvpn_both_up && pass "tunnel up again after the reload" || fail "tunnel up after the reload"
	wait_for 5 log_has aws 0 'clamped to 1300 \(IPv4\), 1300 \(IPv6\)' &&
		pass "aws clamps to 1300 after the reload" || fail "aws clamps to 1300 after the reload"
	ready="$WORK/listen.ready"
	nsx oci python3 "$TCP_SYN" listen 10.105.0.10 5002 10 "$ready" >"$WORK/listen.out" 2>&1 &
	LISTEN_PID=$!
	wait_for 5 test -e "$ready" || warn "no listener on oci: $(cat "$WORK/listen.out")"
	sniff_start oci vti1 5002 in
	out=$(nsx aws python3 "$TCP_SYN" connect 10.2.0.10 10.105.0.10 5002 10 2>&1)
	check_eq "a TCP connection aws -> oci through the tunnel" "" "$out"
	check_eq "its SYN reached oci's TUN with MSS 1300, checksum right" "flags=S mss=1300 csum=ok" "$(sniff_result)"
	wait "$LISTEN_PID"
	check_eq "oci accepted it" 0 "$?"
	LISTEN_PID=
	nsx oci python3 "$TCP_SYN" listen 10.105.0.10 5003 10 "$ready.2" >/dev/null 2>&1 &
	LISTEN_PID=$!
	wait_for 5 test -e "$ready.2"
	sniff_start aws vti1 5003 in
	nsx aws python3 "$TCP_SYN" connect 10.2.0.10 10.105.0.10 5003 10 >/dev/null 2>&1
	check_eq "oci's SYN-ACK (its kernel said 1398) was written to aws's TUN with 1300" \
		"flags=SA mss=1300 csum=ok" "$(sniff_result)"
	wait "$LISTEN_PID"
	LISTEN_PID=
	mcvpnd_stop aws 5
	mcvpnd_stop oci 5
}

# ------------------------------------------------------------ 4
# The second peer: like oci, behind 203.0.113.40, with the same LAN address.
oci2_up() {
	at_exit "netns_destroy $NS_OCI2"
	ip netns add "$NS_OCI2" && ip -n "$NS_OCI2" link set lo up &&
	ip -n "$NS_INET" link add oci20 type veth peer name wan0 netns "$NS_OCI2" &&
	ip -n "$NS_INET" addr add 10.107.1.1/24 dev oci20 && ip -n "$NS_INET" link set oci20 up &&
	ip -n "$NS_OCI2" addr add 10.107.1.200/24 dev wan0 && ip -n "$NS_OCI2" link set wan0 up &&
	ip -n "$NS_OCI2" route add default via 10.107.1.1 &&
	ip -n "$NS_OCI2" addr add 10.105.0.10/32 dev lo &&
	topo_sysctls "$NS_OCI2" &&
	nsx inet nft add rule ip mcvpn_test nat_pre ip daddr 203.0.113.40 dnat to 10.107.1.200 &&
	nsx inet nft add rule ip mcvpn_test nat_post ip saddr 10.107.1.200 snat to 203.0.113.40 ||
		die "the second peer's namespace"
	wait_for 5 nsx aws ping -c 1 -W 1 203.0.113.40 || die "aws cannot reach 203.0.113.40 through the NAT"
}

# aws: two conns routing 10.105.0.0/16; oci2: the mirror of the second.
failover_configs() {
	local d
	d="$(mcvpn_dir aws)/conf"
	mkdir -p "$d" && chmod 700 "$d"
	cat >"$d/two.conf" <<-'EOF'
	conn %default
	    left=10.3.1.200
	    leftid=198.51.100.10
	    authby=secret
	    auto=start
	    leftsubnet=0.0.0.0/0
	    rightsubnet=0.0.0.0/0
	    vti-routing=no
	    ike=aes_cbc256-sha2_384;modp1536
	    phase2alg=aes_gcm256;modp1536
	    dpddelay=2s
	    dpdtimeout=6s
	    routes=10.105.0.0/16
	    routes-when-down=withdraw

	conn tunnel1
	    right=203.0.113.20
	    vti-interface=vti1
	    interface-ip=192.168.2.1/30
	    route-metric=100

	conn tunnel2
	    right=203.0.113.40
	    vti-interface=vti2
	    interface-ip=192.168.3.1/30
	    route-metric=200
	EOF
	{
		grep PSK "$REPO/tests/configs/aws/$CONN.secrets"
		printf '%s\n' '198.51.100.10 203.0.113.40 : PSK "second-tunnel-psk-for-tests-only"'
	} >"$d/two.secrets"
	chmod 600 "$d/two.secrets"
	mcvpn_write_config oci start
	d="$(mcvpn_dir oci2)/conf"
	mkdir -p "$d" && chmod 700 "$d"
	sed -e 's/10\.106\.1\.200/10.107.1.200/; s/203\.0\.113\.20/203.0.113.40/' \
		-e 's|192\.168\.2\.2/30|192.168.3.2/30|' "$(mcvpn_dir oci)/conf/$CONN.conf" >"$d/$CONN.conf"
	printf '%s\n' '203.0.113.40 198.51.100.10 : PSK "second-tunnel-psk-for-tests-only"' \
		>"$d/$CONN.secrets"
	chmod 600 "$d/$CONN.secrets"
}

# first_line SIDE MARK REGEX: the number of the first line after MARK
# matching REGEX in SIDE's log (empty if none).
first_line() { mcvpn_log_since "$1" "$2" | grep -nE -- "$3" | head -n 1 | cut -d: -f1; }

phase_failover() {
	local mark n1 n2 start dead gone
	section "4. failover by route-metric= and routes-when-down=withdraw"
	RUNDIR=$WORK/p4
	oci2_up
	failover_configs
	mcvpnd_start aws && mcvpnd_start oci && mcvpnd_start oci2 || fail "three daemons start" "see the logs"
	if wait_for 30 conn_up aws tunnel1 && wait_for 10 conn_up aws tunnel2; then
		pass "aws: both tunnels up"
	else
		fail "aws: both tunnels up" "$(mcvpnctl aws status 2>&1 | head -n 12)"
	fi
	wait_for 10 has_route 10.105.0.0/16 vti2
	check_match "aws: 10.105.0.0/16 dev vti1 metric 100" 'dev vti1 proto 77 scope link metric 100' \
		"$(routes_to 10.105.0.0/16)"
	check_match "aws: 10.105.0.0/16 dev vti2 metric 200" 'dev vti2 proto 77 scope link metric 200' \
		"$(routes_to 10.105.0.0/16)"
	check_eq "aws: 10.105.0.10 goes into vti1" vti1 "$(route_dev 10.105.0.10)"
	n1=$(in_packets tunnel1)
	check "ping 10.105.0.10 through the first tunnel" ping_lan
	check_gt "tunnel1 carried the answers ($n1 -> $(in_packets tunnel1))" "$(in_packets tunnel1)" "${n1:-x}"

	mark=$(mcvpn_log_mark aws)
	start=$(now_ms)
	mcvpnd_kill oci
	if wait_for 40 no_route 10.105.0.0/16 vti1; then
		pass "aws: the vti1 route withdrawn $(secs_since "$start") s after oci's daemon died"
	else
		fail "aws: the vti1 route withdrawn within 40 s of oci's daemon's death" "$(routes_to 10.105.0.0/16)"
	fi
	dead=$(first_line aws "$mark" '"tunnel1".*peer dead')
	gone=$(first_line aws "$mark" '"tunnel1": no Child SA: 1 route withdrawn \(routes-when-down=withdraw\)')
	if [ -n "$dead" ] && [ -n "$gone" ] && [ "$dead" -lt "$gone" ]; then
		pass "aws: DPD declared tunnel1's peer dead (log line $dead), then its route was withdrawn ($gone)"
	else
		fail "aws: DPD declared tunnel1's peer dead, then its route was withdrawn" \
			"peer dead at line ${dead:-none}, withdrawn at ${gone:-none}; the log since:" \
			"$(mcvpn_log_since aws "$mark" | grep tunnel1 | tail -n 8)"
	fi
	check_eq "aws: 10.105.0.10 goes into vti2 now" vti2 "$(route_dev 10.105.0.10)"
	check_match "aws: status says tunnel1's route is withdrawn" \
		'routes 10\.105\.0\.0/16 \(metric 100, withdrawn while down\)' "$(mcvpnctl aws status)"
	check_eq "aws: status --json: tunnel1 has no route installed" "[]" \
		"$(conn_field aws tunnel1 'c["interface"]["routes_installed"]')"
	n2=$(in_packets tunnel2)
	check "ping 10.105.0.10 through the second tunnel" ping_lan
	check_gt "tunnel2 carried the answers ($n2 -> $(in_packets tunnel2))" "$(in_packets tunnel2)" "${n2:-x}"
	check "the vti2 route stayed all along" has_route 10.105.0.0/16 vti2

	start=$(now_ms)
	mcvpnd_start oci || fail "oci's daemon starts again" "see its log"
	if wait_for 40 has_route 10.105.0.0/16 vti1; then
		pass "aws: the vti1 route back $(secs_since "$start") s after oci's daemon started"
	else
		fail "aws: the vti1 route back within 40 s" "$(mcvpnctl aws status 2>&1 | head -n 12)"
	fi
	check_eq "aws: 10.105.0.10 goes into vti1 again" vti1 "$(route_dev 10.105.0.10)"
	n1=$(in_packets tunnel1)
	check "ping 10.105.0.10 through the first tunnel again" ping_lan
	check_gt "tunnel1 carries the answers again ($n1 -> $(in_packets tunnel1))" "$(in_packets tunnel1)" "${n1:-x}"
	mcvpnd_stop aws 5
	check_eq "aws: exit status 0 after SIGTERM" 0 "$STOP_RC"
	check_eq "aws: no proto mcvpn route left" "" "$(nsx aws ip route show table all proto 77)"
	mcvpnd_stop oci 5
	mcvpnd_stop oci2 5
}

topo_up
phase_ours
phase_default
phase_mss
phase_failover
if [ "$FAIL" -ne 0 ]; then
	for RUNDIR in "$WORK"/p*; do mcvpn_dump_logs; done
fi
summary
