#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# BGP over the tunnel: Debian's FRR (zebra, bgpd and bfdd on each VM, each
# with its own config, pid files and sockets) peering over mcvpn's /30 with
# routing=external, each VM announcing its LAN.
#
#   mcf-aws-PID                   mcf-inet-PID                            mcf-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd routing=ext.  |      | nft: the clouds' 1:1 NAT       |      | mcvpnd routing=ext.    |
#  |  (the unit's caps)   |      |                                |      |                        |
#  | FRR: bgpd AS 65001   |      |  198.51.100.10 <-> 10.3.1.200  |      | FRR: bgpd AS 65002     |
#  |  network 10.2/16     |      |  203.0.113.20 <-> 10.106.1.200 |      |  network 10.105/16     |
#  | vti1 192.168.2.1/30  |      |                                |      | vti1 192.168.2.2/30    |
#  | lo   10.2.0.10/32    |      | table inet cut: drops all      |      | lo   10.105.0.10/32    |
#  | wan0 10.3.1.200/24   +------+   forwarded (the cut path)     +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#   BGP 192.168.2.1 <-> 192.168.2.2 through the tunnel, keepalive 1 s, hold 3 s
#
# Checks: --check refuses routes= with routing=external; aws's mcvpnd
# with the unit's two capabilities (the carrier is its to change); the session
# establishes over the tunnel; each side's kernel has the other's LAN
# prefix from bgpd (proto bgp, via the peer's /30 address, dev vti1) and
# none from mcvpnd (proto mcvpn); a ping from LAN to LAN passes; a Child
# SA and an IKE SA rekey keep the carrier and the session.  Then the
# tunnel's ways down, each followed by its way back (routes back, ping
# passes): mcvpnctl down on both sides (a DELETE: both devices lose their
# carrier, the routes go at once; the device deleted meanwhile comes back
# without one); the path cut in the middle (nobody tells mcvpnd: the
# carrier stays, bgpd's hold time withdraws the routes); aws's mcvpnd
# stopped (its device goes; oci's loses its carrier).  Every wait is for
# the state itself, bounded by SAFETY (common.sh): no speed is asserted.
#
# Usage: sudo tests/netns/test_frr.sh   (after a build; needs Debian's frr,
# tests/deps.sh).  Ends with "N passed, N failed".  About 25 s.
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

NS_AWS="mcf-aws-$$"
NS_OCI="mcf-oci-$$"
NS_INET="mcf-inet-$$"
FRR_BIN=/usr/lib/frr

if [ ! -x "$FRR_BIN/zebra" ] || [ ! -x "$FRR_BIN/bgpd" ] || ! command -v vtysh >/dev/null; then
	echo "SKIP: FRR is not installed (Debian's frr: tests/deps.sh)"
	exit 77
fi
getent passwd frr >/dev/null || die "FRR is installed but there is no user frr"

declare -A LAN=([aws]=10.2.0.0/16 [oci]=10.105.0.0/16)
declare -A LAN_HOST=([aws]=10.2.0.10 [oci]=10.105.0.10)
declare -A TUN_IP=([aws]=192.168.2.1 [oci]=192.168.2.2)
declare -A ASN=([aws]=65001 [oci]=65002)
other() { [ "$1" = aws ] && echo oci || echo aws; }

frr_dir() { printf '%s/frr-%s' "$WORK" "$1"; }

# frr_conf SIDE: zebra's, bgpd's and bfdd's configs, as the README's.
# eBGP over the /30 (directly connected: no ebgp-multihop), the LAN
# announced as a network (no route for it in the RIB: import-check off),
# only the peer's LAN accepted and only ours sent (route maps: FRR's eBGP
# sends and takes nothing without them), short timers so a dead session is
# seen in 3 s and tried again every second.
frr_conf() {
	local side=$1 peer dir
	peer=$(other "$side")
	dir=$(frr_dir "$side")
	printf 'hostname %s\nlog file %s/zebra.log\n' "$side" "$dir" >"$dir/zebra.conf"
	printf 'hostname %s\nlog file %s/bfdd.log\n' "$side" "$dir" >"$dir/bfdd.conf"
	cat >"$dir/bgpd.conf" <<-EOF
	hostname $side
	log file $dir/bgpd.log
	ip prefix-list OURS seq 5 permit ${LAN[$side]}
	ip prefix-list THEIRS seq 5 permit ${LAN[$peer]}
	route-map FROM-PEER permit 10
	 match ip address prefix-list THEIRS
	route-map TO-PEER permit 10
	 match ip address prefix-list OURS
	router bgp ${ASN[$side]}
	 bgp router-id ${TUN_IP[$side]}
	 no bgp network import-check
	 neighbor ${TUN_IP[$peer]} remote-as ${ASN[$peer]}
	 neighbor ${TUN_IP[$peer]} timers 1 3
	 neighbor ${TUN_IP[$peer]} timers connect 1
	 address-family ipv4 unicast
	  network ${LAN[$side]}
	  neighbor ${TUN_IP[$peer]} route-map FROM-PEER in
	  neighbor ${TUN_IP[$peer]} route-map TO-PEER out
	 exit-address-family
	EOF
}

# frr_start SIDE: zebra, then bgpd and bfdd, in SIDE's namespace,
# daemonized as the user frr, everything in SIDE's own directory (-i pid
# file, -z zebra's API socket, --vty_socket for vtysh, bfdd's --bfdctl);
# no vty TCP port (-P 0).
FRR_PIDFILES=()
frr_start() {
	local side=$1 dir d
	dir=$(frr_dir "$side")
	mkdir -p "$dir" && frr_conf "$side" && chown -R frr:frr "$dir" ||
		die "cannot prepare $dir"
	for d in zebra bgpd bfdd; do
		FRR_PIDFILES+=("$dir/$d.pid")
		# shellcheck disable=SC2046  # bfdd's option or none
		nsx "$side" "$FRR_BIN/$d" -d -i "$dir/$d.pid" -z "$dir/zserv.api" --vty_socket "$dir" \
			-f "$dir/$d.conf" -A 127.0.0.1 -P 0 $([ "$d" != bfdd ] || echo --bfdctl "$dir/bfdd.sock") \
			</dev/null >>"$dir/start.log" 2>&1 ||
			die "$d ($side) did not start: $(tail -n 3 "$dir/start.log")"
		wait_for "$SAFETY" test -S "$dir/$d.vty" ||
			die "$d ($side): no vty socket in $dir after $SAFETY s (SAFETY)"
	done
}

frr_stop_all() {
	local f
	for f in "${FRR_PIDFILES[@]}"; do
		[ -s "$f" ] && stop_pid "$(cat "$f")"
	done
}

vtysh_in() {
	local side=$1
	shift
	nsx "$side" timeout 30 vtysh --vty_socket "$(frr_dir "$side")" "$@"
}

# bgp_state SIDE: the session's state as bgpd says it (Established, Active, ...).
bgp_state() { bgp_field "$1" bgpState; }

# bgp_field SIDE FIELD: a field of bgpd's neighbor (show bgp neighbors
# PEER json): bgpState, bgpTimerHoldTimeMsecs (negotiated),
# lastNotificationReason (the last NOTIFICATION: "Cease/BFD Down", "Hold
# Timer Expired/..."), ...
bgp_field() {
	local peer
	peer=$(other "$1")
	vtysh_in "$1" -c "show bgp neighbors ${TUN_IP[$peer]} json" 2>/dev/null |
		python3 -c 'import json, sys; print(next(iter(json.load(sys.stdin).values())).get(sys.argv[1], ""))' \
		"$2" 2>/dev/null
}

# bfd_up SIDE: bfdd has its session with the peer's tunnel address up.
bfd_up() {
	local peer
	peer=$(other "$1")
	vtysh_in "$1" -c "show bfd peers json" 2>/dev/null | python3 -c '
import json, sys
print(any(p.get("peer") == sys.argv[1] and p.get("status") == "up" for p in json.load(sys.stdin)))' \
		"${TUN_IP[$peer]}" 2>/dev/null | grep -qx True
}
both_bfd_up() { bfd_up aws && bfd_up oci; }

# bgp_set SIDE COMMAND...: router bgp's configuration commands, live.
bgp_set() {
	local side=$1 c args=()
	shift
	for c in "$@"; do args+=(-c "$c"); done
	vtysh_in "$side" -c 'configure terminal' -c "router bgp ${ASN[$side]}" "${args[@]}"
}

# learnt SIDE: the kernel route to the other side's LAN, as bgpd put it.
learnt() {
	local peer
	peer=$(other "$1")
	nsx "$1" ip -4 route show "${LAN[$peer]}" proto bgp
}
# has_route SIDE / no_route SIDE: the route via the peer's tunnel
# address on vti1 is there / is not (no route to that LAN at all).
has_route() { grep -q "via ${TUN_IP[$(other "$1")]} dev vti1" <<<"$(learnt "$1")"; }
no_route() { [ -z "$(nsx "$1" ip -4 route show "${LAN[$(other "$1")]}")" ]; }
both_routes() { has_route aws && has_route oci; }
no_routes() { no_route aws && no_route oci; }
carrier_off() { grep -q NO-CARRIER <<<"$(nsx "$1" ip link show vti1 2>/dev/null)"; }
carrier_on() { nsx "$1" ip link show vti1 >/dev/null 2>&1 && ! carrier_off "$1"; }
ifindex() { nsx "$1" ip -o link show vti1 2>/dev/null | cut -d: -f1; }
# remade_without_carrier OLD-IFINDEX: aws's vti1 is another device, without a carrier.
remade_without_carrier() {
	local now
	now=$(ifindex aws)
	[ -n "$now" ] && [ "$now" != "$1" ] && carrier_off aws
}
# ike_serial SIDE: the "IKE SA #N" of mcvpnctl status.
ike_serial() { mcvpnctl "$1" status 2>/dev/null | grep -oE 'IKE SA #[0-9]+' | head -n 1; }
# rekeyed mcvpn_field|ike_serial OLD: aws's Child SA (IKE SA) is another
# than OLD, and the rekey is over (one pair on each side).
rekeyed() {
	local now
	if [ "$1" = ike_serial ]; then now=$(ike_serial aws); else now=$(mcvpn_field aws sa); fi
	[ -n "$now" ] && [ "$now" != "$2" ] && mcvpn_one_pair
}
both_carriers_on() { carrier_on aws && carrier_on oci; }
both_established() { [ "$(bgp_state aws)" = Established ] && [ "$(bgp_state oci)" = Established ]; }
both_held_30() {
	both_established && [ "$(bgp_field aws bgpTimerHoldTimeMsecs) $(bgp_field oci bgpTimerHoldTimeMsecs)" = \
		"30000 30000" ]
}

# lan_ping: from oci's LAN host to aws's, through the tunnel.
lan_ping() { topo_ping oci "${LAN_HOST[aws]}" -I "${LAN_HOST[oci]}"; }

# wait_check DESC CMD...: pass when CMD holds, within SAFETY s.
wait_check() {
	local d=$1 start
	shift
	start=$(now_ms)
	if wait_for "$SAFETY" "$@"; then
		pass "$d (after $(secs_since "$start") s)"
		return 0
	fi
	fail "$d" "not so after $SAFETY s (SAFETY): $*"
	local s
	for s in aws oci; do
		info "$s: bgp $(bgp_state "$s"); $(nsx "$s" ip -br link show vti1 2>&1); routes:"
		nsx "$s" ip -4 route | sed 's/^/         | /'
	done
	mcvpn_dump_logs
	return 1
}

# routes_back DESC: the session and both learnt routes return, and carry a ping.
routes_back() {
	wait_check "$1: each side learns the other's LAN again" both_routes
	check "$1: a ping from LAN to LAN passes" lan_ping
}

cut_path() {
	nsx inet nft -f - <<-'EOF'
	table inet cut {
		chain drop_all {
			type filter hook forward priority -10; policy drop;
		}
	}
	EOF
}

# aws's daemon as the unit runs it (CAP_NET_ADMIN and CAP_NET_BIND_SERVICE
# only, as tests/netns/test_probe.sh does): the carrier is its to change.
REAL_MCVPND=$MCVPND
write_wrapper() {
	local w="$WORK/mcvpnd-unit"
	cat >"$w" <<-EOF
	#!/bin/sh
	exec setpriv --bounding-set=-all,+net_admin,+net_bind_service --inh-caps=-all \\
		--no-new-privs "$REAL_MCVPND" "\$@"
	EOF
	chmod 755 "$w"
}

# start SIDE: oci's mcvpnd as it is, aws's under the wrapper.
start() {
	if [ "$1" = aws ]; then
		MCVPND="$WORK/mcvpnd-unit" mcvpnd_start aws
	else
		mcvpnd_start "$1"
	fi
}

write_configs() {
	local side
	for side in aws oci; do
		mcvpn_write_config "$side" start
		sed -i '/^[[:space:]]*routes=/d' "$(mcvpn_dir "$side")/conf/$CONN.conf"
		# dead peer detection late, so that the cut is bgpd's to notice
		mcvpn_conf_set "$side" routing=external dpddelay=60s
	done
}

test_check() {
	local dir="$WORK/check" out rc line
	section "mcvpnd --check"
	mcvpn_write_config aws start "$dir"
	printf '    routing=external\n' >>"$dir/$CONN.conf"
	line=$(grep -n '^[[:space:]]*routes=' "$dir/$CONN.conf" | cut -d: -f1)
	out=$(nsx aws timeout "$SAFETY" "$MCVPND" --check --config-dir "$dir" 2>&1)
	rc=$?
	check_rc_nonzero "--check refuses routes= with routing=external (exit status)" "$rc"
	check_match "--check says why, at the routes= line ($line)" \
		"$CONN\\.conf:$line: conn \"$CONN\": routes= with routing=external: mcvpnd installs no route" "$out"
}

test_bgp() {
	local side
	section "BGP over the tunnel"
	chmod 711 "$WORK" || die "chmod $WORK failed"	# the user frr reaches its directories
	at_exit frr_stop_all
	write_configs
	write_wrapper
	for side in aws oci; do
		start "$side" || fail "$side mcvpnd starts" "see its log"
	done
	check_eq "aws mcvpnd runs with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only" \
		0000000000001400 "$(awk '/^CapEff:/ { print $2 }' "/proc/${MCVPND_PID[aws]:-0}/status" 2>/dev/null)"
	wait_for "$SAFETY" mcvpn_both_up && pass "tunnel up" ||
		fail "tunnel up" "no Child SA after $SAFETY s (SAFETY)"
	check "vti1 has its carrier on aws while the Child SA is up" carrier_on aws
	check "vti1 has its carrier on oci while the Child SA is up" carrier_on oci
	for side in aws oci; do
		frr_start "$side"
	done
	wait_check "the BGP session is established over the tunnel" both_established
	wait_check "each side learns the other's LAN" both_routes
	check_match "aws: oci's LAN via oci's tunnel address on vti1, from bgpd" \
		"^10\\.105\\.0\\.0/16 .*via 192\\.168\\.2\\.2 dev vti1 proto bgp" "$(nsx aws ip -4 route)"
	check_match "oci: aws's LAN via aws's tunnel address on vti1, from bgpd" \
		"^10\\.2\\.0\\.0/16 .*via 192\\.168\\.2\\.1 dev vti1 proto bgp" "$(nsx oci ip -4 route)"
	# mcvpnd's routing protocol by number: ip(8) knows its name only from
	# the packaged rt_protos.d/mcvpn.conf
	check_eq "mcvpnd installed no route (routing=external): ip route show proto mcvpn (77)" "|" \
		"$(nsx aws ip route show proto 77)|$(nsx oci ip route show proto 77)"
	check "a ping from LAN to LAN passes" lan_ping
	check_eq "status --json: routing external, carrier true, no routes" "external|True|[]" \
		"$(mcvpn_json aws "(c['interface']['routing'], c['interface']['carrier'], c['interface']['routes'])")"
	check_match "status: the routes are a routing daemon's, the carrier on" \
		"^  interface vti1, address 192\\.168\\.2\\.1/30, routes by a routing daemon \\(routing=external\\), carrier on$" \
		"$(mcvpnctl aws status)"

	section "rekeys: the carrier and the session stay"
	local mark_a mark_o est sa0 ike0
	mark_a=$(mcvpn_log_mark aws)
	mark_o=$(mcvpn_log_mark oci)
	est=$(bgp_field aws connectionsEstablished)
	sa0=$(mcvpn_field aws sa)
	ike0=$(ike_serial aws)
	check "mcvpnctl rekey child" mcvpnctl aws rekey "$CONN" child
	wait_check "a new Child SA, the old one gone" rekeyed mcvpn_field "$sa0"
	check "mcvpnctl rekey ike" mcvpnctl aws rekey "$CONN" ike
	wait_check "a new IKE SA, the old one gone" rekeyed ike_serial "$ike0"
	check_eq "no carrier lost in either log over the rekeys (make before break)" "0 0" \
		"$(mcvpn_log_count aws "$mark_a" 'no carrier') $(mcvpn_log_count oci "$mark_o" 'no carrier')"
	check "both carriers on" both_carriers_on
	check_eq "the BGP session never dropped: still Established, the same connection" \
		"Established $est" "$(bgp_state aws) $(bgp_field aws connectionsEstablished)"
	check "a ping from LAN to LAN passes" lan_ping

	section "mcvpnctl down: carrier off, routes withdrawn at once"
	# on both sides: a side that is not down answers the other and starts
	# the conn again itself (auto=start)
	check_eq "mcvpnctl down on aws says the device loses its carrier" \
		"\"$CONN\": SAs deleted; interface stays, without a carrier (routing=external)" \
		"$(mcvpnctl aws down "$CONN" 2>&1)"
	wait_check "aws's vti1 loses its carrier" carrier_off aws
	wait_check "oci's vti1 loses its carrier (the DELETE)" carrier_off oci
	check "mcvpnctl down on oci" mcvpnctl oci down "$CONN"
	check_eq "status --json: carrier false" False "$(mcvpn_json oci "c['interface']['carrier']")"
	check_match "status: no carrier" "routes by a routing daemon \\(routing=external\\), no carrier$" \
		"$(mcvpnctl oci status)"
	wait_check "both learnt routes are withdrawn" no_routes
	check_not "no ping from LAN to LAN" nsx oci ping -n -c 1 -W 1 -I "${LAN_HOST[oci]}" "${LAN_HOST[aws]}"
	# someone deletes the device meanwhile: mcvpnd makes it again, still
	# without a carrier (a new TUN has one)
	local idx
	idx=$(ifindex aws)
	nsx aws ip link del vti1 || fail "delete aws's vti1" "ip link del refused"
	wait_check "aws's vti1 is made again, without a carrier" remade_without_carrier "$idx"
	check "mcvpnctl up on oci" mcvpnctl oci up "$CONN"
	check "mcvpnctl up on aws" mcvpnctl aws up "$CONN"
	wait_check "both carriers are back with the Child SA" both_carriers_on
	routes_back "up again"

	section "path cut: the hold time withdraws the routes"
	cut_path || fail "cut the path (nft)" "nft refused the table"
	wait_check "both learnt routes are withdrawn" no_routes
	check "the carriers stay on: mcvpnd has not seen the tunnel die" both_carriers_on
	check_match "aws's bgpd dropped the session at its hold time" "^Hold Timer Expired" \
		"$(bgp_field aws lastNotificationReason)"
	nsx inet nft delete table inet cut || fail "restore the path" "nft refused"
	routes_back "path back"

	section "BFD: a cut path seen before the hold time"
	# a hold time of 30 s, renegotiated by a new session, so that only BFD
	# can withdraw the routes in the time the hold time leaves
	for side in aws oci; do
		bgp_set "$side" "neighbor ${TUN_IP[$(other "$side")]} timers 10 30" \
			"neighbor ${TUN_IP[$(other "$side")]} bfd" ||
			fail "$side: bgpd takes bfd and timers 10 30" "vtysh refused"
	done
	vtysh_in aws -c "clear bgp ${TUN_IP[oci]}" >/dev/null 2>&1
	wait_check "BFD sessions up over the tunnel" both_bfd_up
	wait_check "a new BGP session is established, its hold time 30 s on both sides" both_held_30
	wait_check "each side learns the other's LAN" both_routes
	cut_path || fail "cut the path (nft)" "nft refused the table"
	wait_check "both learnt routes are withdrawn" no_routes
	check_eq "aws's bgpd dropped the session for BFD (its NOTIFICATION), not its hold time" \
		"Cease/BFD Down" "$(bgp_field aws lastNotificationReason)"
	check_eq "oci's bgpd dropped the session for BFD (its NOTIFICATION), not its hold time" \
		"Cease/BFD Down" "$(bgp_field oci lastNotificationReason)"
	nsx inet nft delete table inet cut || fail "restore the path" "nft refused"
	routes_back "path back (BFD)"

	section "aws's mcvpnd stopped"
	mcvpnd_stop aws
	check_eq "aws mcvpnd exits 0" 0 "$STOP_RC"
	wait_check "oci's vti1 loses its carrier (the DELETE)" carrier_off oci
	wait_check "both learnt routes are withdrawn" no_routes
	start aws || fail "aws mcvpnd starts again" "see its log"
	routes_back "aws's mcvpnd back"
	mcvpnd_stop aws
	mcvpnd_stop oci
}

topo_up
test_check
test_bgp
summary
