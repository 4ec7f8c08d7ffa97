#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration test: two mcvpnd, the AWS and the OCI side, both auto=start,
# started together, behind the two clouds' 1:1 NAT.
#
#   mcv-aws-PID                   mcv-inet-PID                            mcv-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd               |      | nft: the clouds' 1:1 NAT       |      | mcvpnd                 |
#  | vti1 192.168.2.1/30  |      |  198.51.100.10 <-> 10.3.1.200  |      | vti1 192.168.2.2/30    |
#  | lo   10.2.0.10/32    |      |  203.0.113.20 <-> 10.106.1.200 |      | lo   10.105.0.10/32    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#   default via 10.3.1.1                                                   default via 10.106.1.1
#   routes 10.105/16, 10.106/16 -> vti1                                    routes 10.2/16, 10.3/16 -> vti1
#
# Checks: mcvpnd --check on good and broken configs; the tunnel comes up,
# settles to exactly one IKE SA and one Child SA per side (a simultaneous
# start's duplicates deleted) and stays so; interface address, MTU and
# routes; the Child SA with ESN (esn=either on both sides, the default:
# status and status --json say so); pings both ways on 192.168.2.0/30 and
# the routed subnets, a 1400-byte DF ping; byte counters grow; no selector drops (the peer keeps
# its IPv6 chatter to itself); SIGTERM sends DELETE, exits 0 and removes
# vti1 and its routes.  Every wait is for an event, bounded by SAFETY
# (common.sh): nothing depends on the machine's speed.
#
# Usage: sudo tests/netns/test_tunnel.sh   (after a build; MCVPND= and
# MCVPNCTL= override the binaries).  Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

# ------------------------------------------------------------ mcvpnd --check

# check_config DIR: run --check inside the aws namespace (it must not touch
# the network: no vti1 may appear).  Sets CHECK_RC and CHECK_OUT.
check_config() {
	CHECK_OUT=$(nsx aws timeout "$SAFETY" "$MCVPND" --check --config-dir "$1" 2>&1)
	CHECK_RC=$?
}

test_check() {
	local dir line
	section "mcvpnd --check"

	dir="$WORK/check-good"
	mcvpn_write_config aws start "$dir"
	check_config "$dir"
	check_eq "--check accepts the example config (exit status)" 0 "$CHECK_RC" ||
		printf '%s\n' "$CHECK_OUT" | sed 's/^/         | /'
	check_not "--check creates no vti1" nsx aws ip link show vti1

	dir="$WORK/check-unknown-key"
	cp -a "$WORK/check-good" "$dir"
	line=$(grep -n 'authby=secret' "$dir/$CONN.conf" | cut -d: -f1)
	sed -i "${line}a\\    frobnicate=yes" "$dir/$CONN.conf"
	line=$((line + 1))
	check_config "$dir"
	check_rc_nonzero "--check rejects an unknown key (exit status)" "$CHECK_RC"
	check_match "--check names the unknown key's file:line" \
		"$CONN\\.conf:$line: .+" "$CHECK_OUT"

	dir="$WORK/check-secrets-mode"
	cp -a "$WORK/check-good" "$dir"
	chmod 644 "$dir/$CONN.secrets"
	check_config "$dir"
	check_rc_nonzero "--check rejects a secrets file of mode 0644 (exit status)" "$CHECK_RC"
	# A file's mode has no line: "FILE: reason" or "FILE:LINE: reason".
	check_match "--check names the secrets file and its mode" \
		"$CONN\\.secrets(:[0-9]+)?: .*(mode|0644)" "$CHECK_OUT"

	# routes that would cut the VM off, judged on the namespace's own routes
	dir="$WORK/check-default-route"
	cp -a "$WORK/check-good" "$dir"
	sed -i 's|^\([[:space:]]*routes=\).*|\10.0.0.0/0|' "$dir/$CONN.conf"
	line=$(grep -n 'routes=' "$dir/$CONN.conf" | cut -d: -f1)
	check_config "$dir"
	check_rc_nonzero "--check refuses routes=0.0.0.0/0 (exit status)" "$CHECK_RC"
	check_match "--check names the default route it would replace, and the way out" \
		"$CONN\\.conf:$line: conn \"$CONN\": the route 0.0.0.0/0 into vti1 would replace .*the route 0.0.0.0/0 via 10.3.1.1 dev wan0 that mcvpnd did not make.*routes-replace=yes" \
		"$CHECK_OUT"
	check_match "--check says routes=0.0.0.0/0 covers the peer's address" \
		"$CONN\\.conf:$line: .*covers the peer's address 203.0.113.20" "$CHECK_OUT"
	nsx aws timeout 10 "$MCVPND" --config-dir "$dir" --socket "$WORK/never.sock" --foreground \
		>"$WORK/refused.log" 2>&1
	check_rc_nonzero "mcvpnd refuses to start with routes=0.0.0.0/0" "$?"
	check_match "the namespace's default route is still there" "^default via 10.3.1.1 dev wan0" \
		"$(nsx aws ip route show default)"
	check_not "no vti1 was made" nsx aws ip link show vti1
	# the way out: the peer pinned outside the tunnel, and routes-replace=yes
	sed -i "${line}a\\    routes-replace=yes" "$dir/$CONN.conf"
	nsx aws ip route add 203.0.113.20/32 via 10.3.1.1
	check_config "$dir"
	check_eq "--check accepts routes=0.0.0.0/0 with the peer pinned and routes-replace=yes" 0 "$CHECK_RC" ||
		printf '%s\n' "$CHECK_OUT" | sed 's/^/         | /'
	nsx aws ip route del 203.0.113.20/32

	dir="$WORK/check-warning"
	cp -a "$WORK/check-good" "$dir"
	sed -i 's|^\([[:space:]]*interface-ip=\).*|\1192.168.2.1|' "$dir/$CONN.conf"
	sed -i 's|^\([[:space:]]*routes=\).*|\110.3.0.0/16,10.105.0.0/16|' "$dir/$CONN.conf"
	line=$(grep -n 'interface-ip=' "$dir/$CONN.conf" | cut -d: -f1)
	check_config "$dir"
	check_eq "--check accepts routes=10.3.0.0/16 (wan0's own 10.3.1.0/24 keeps left= out of it)" 0 "$CHECK_RC" ||
		printf '%s\n' "$CHECK_OUT" | sed 's/^/         | /'
	check_match "--check warns, as FILE:LINE: warning:, of interface-ip= without a prefix" \
		"$CONN\\.conf:$line: warning: conn \"$CONN\": the device's address has no prefix length" "$CHECK_OUT"
}

# ------------------------------------------------------------ the tunnel

check_iface() {
	local side=$1 addr=$2 r1=$3 r2=$4 link routes
	link=$(nsx "$side" ip -o addr show dev vti1 2>&1)
	check_match "$side: vti1 has $addr" "inet $addr " "$link"
	link=$(nsx "$side" ip -o link show dev vti1 2>&1)
	check_match "$side: vti1 has MTU 1438 (AES-GCM over IPv4) and is up" "[<,]UP[,>].* mtu 1438 " "$link"
	routes=$(nsx "$side" ip route show dev vti1 2>&1)
	check_match "$side: route $r1 dev vti1" "^$r1( |$)" "$routes"
	check_match "$side: route $r2 dev vti1" "^$r2( |$)" "$routes"
}

no_sa() { [ "$(mcvpn_sa_count "$1")" -eq 0 ]; }

check_gone() {
	local side=$1 r1=$2 r2=$3
	check_not "$side: vti1 is gone" nsx "$side" ip link show vti1
	check_eq "$side: no route to $r1 left" "" "$(nsx "$side" ip route show "$r1" 2>&1)"
	check_eq "$side: no route to $r2 left" "" "$(nsx "$side" ip route show "$r2" 2>&1)"
}

test_tunnel() {
	local side sa1 sa2 t1 t2 n
	local -A before=()

	section "topology"
	topo_up
	pass "namespaces $NS_AWS, $NS_INET, $NS_OCI with 1:1 NAT"
	topo_check_isolation

	section "start both sides (auto=start)"
	mcvpn_write_config aws start
	mcvpn_write_config oci start
	mcvpnd_start aws &&
		mcvpnd_start oci ||
		fail "both daemons start" "see the logs below"

	if wait_for "$SAFETY" mcvpn_both_up; then
		pass "tunnel up on both sides"
	else
		fail "tunnel up on both sides" "not after $SAFETY s (SAFETY): a hang" \
			"Child SAs: aws $(mcvpn_sa_count aws), oci $(mcvpn_sa_count oci)"
	fi
	# a simultaneous start settles: the duplicate SAs are deleted
	mcvpn_check_one_pair "one IKE SA and one Child SA per side once the start settled"
	for side in aws oci; do
		mcvpn_sa_lines "$side" | sed "s/^/    | $side: /"
		check_eq "$side: exactly one Child SA in trafficstatus" 1 "$(mcvpn_sa_count "$side")"
	done
	sa1=$(mcvpn_field aws sa)
	t1=$(mcvpn_field aws add_time)
	sa2=$(mcvpn_field oci sa)
	t2=$(mcvpn_field oci add_time)
	sleep 5
	for side in aws oci; do
		check_eq "$side: still exactly one Child SA 5 s later" 1 "$(mcvpn_sa_count "$side")"
	done
	check_eq "aws: same Child SA 5 s later (serial, add_time)" "${sa1:-no SA} ${t1:-}" \
		"$(mcvpn_field aws sa) $(mcvpn_field aws add_time)"
	check_eq "oci: same Child SA 5 s later (serial, add_time)" "${sa2:-no SA} ${t2:-}" \
		"$(mcvpn_field oci sa) $(mcvpn_field oci add_time)"
	check_eq "aws: trafficstatus id is the peer's" 203.0.113.20 "$(mcvpn_field aws id)"
	check_eq "oci: trafficstatus id is the peer's" 198.51.100.10 "$(mcvpn_field oci id)"

	section "status and interfaces"
	for side in aws oci; do
		n=$(mcvpnctl "$side" status 2>&1)
		printf '%s\n' "$n" | sed "s/^/    | $side: /"
		check_match "$side: mcvpnctl status shows $CONN" "$CONN" "$n"
		# esn=either on both (the default): 64-bit sequence numbers
		check_match "$side: mcvpnctl status shows the Child SA with ESN" \
			'Child SA #[0-9]+: ESP AES_GCM_16-256 ESN in UDP' "$n"
		check_eq "$side: status --json: the Child SA's esn is true" True \
			"$(mcvpn_json "$side" 'c["ike_sas"][0]["child_sas"][0]["esn"]')"
		# fragmentation=yes on both (the default): both announced it
		check_eq "$side: status --json: the IKE SA's fragmentation is true" True \
			"$(mcvpn_json "$side" 'c["ike_sas"][0]["fragmentation"]')"
		check_match "$side: mcvpnctl status says IKE fragmentation: yes" \
			'IKE fragmentation: yes' "$n"
		check_match "$side: mcvpnctl status says how the peer authenticated" \
			'peer authenticated by pre-shared key' "$n"
		check_eq "$side: status --json: peer_auth" "pre-shared key" \
			"$(mcvpn_json "$side" 'c["ike_sas"][0]["peer_auth"]')"
	done
	check_iface aws 192.168.2.1/30 10.105.0.0/16 10.106.0.0/16
	check_iface oci 192.168.2.2/30 10.2.0.0/16 10.3.0.0/16

	section "traffic"
	for side in aws oci; do
		before[$side.in]=$(mcvpn_field "$side" inBytes)
		before[$side.out]=$(mcvpn_field "$side" outBytes)
	done
	check "ping aws -> oci 192.168.2.2" topo_ping aws 192.168.2.2
	check "ping oci -> aws 192.168.2.1" topo_ping oci 192.168.2.1
	check "ping aws 10.2.0.10 -> oci subnet 10.105.0.10" topo_ping aws 10.105.0.10 -I 10.2.0.10
	check "ping oci 10.105.0.10 -> aws subnet 10.2.0.10" topo_ping oci 10.2.0.10 -I 10.105.0.10
	check "ping aws -> oci private 10.106.1.200 (routed)" topo_ping aws 10.106.1.200
	check "ping oci -> aws private 10.3.1.200 (routed)" topo_ping oci 10.3.1.200
	check "1400-byte DF ping aws -> oci" topo_ping aws 192.168.2.2 -M "do" -s 1400
	check "1400-byte DF ping oci -> aws" topo_ping oci 192.168.2.1 -M "do" -s 1400
	for side in aws oci; do
		for n in in out; do
			t1=${before[$side.$n]:-?}
			t2=$(mcvpn_field "$side" "${n}Bytes")
			check_gt "$side: ${n}Bytes grew with the pings ($t1 -> ${t2:-?})" "${t2:-x}" "$t1"
		done
		check_eq "$side: still exactly one Child SA after traffic" 1 "$(mcvpn_sa_count "$side")"
		# the TUN's own IPv6 chatter is outside the IPv4 selectors: the
		# peer drops it before sending (selector_out), never sends it here
		check_eq "$side: received no packet outside the traffic selectors" 0 \
			"$(mcvpn_drops "$side" selector)"
	done

	section "SIGTERM"
	n=$(mcvpn_sa_count oci)
	mcvpnd_stop aws
	check_eq "aws: mcvpnd exits with status 0 on SIGTERM (took ${STOP_SECS}s)" 0 "$STOP_RC"
	check_gone aws 10.105.0.0/16 10.106.0.0/16
	if [ "$n" -eq 0 ]; then
		fail "oci: Child SA gone (aws sent DELETE)" \
			"oci had no Child SA before aws was stopped"
	elif wait_for "$SAFETY" no_sa oci; then
		pass "oci: Child SA gone (aws sent DELETE)"
	else
		fail "oci: Child SA gone (aws sent DELETE)" "not after $SAFETY s (SAFETY)" \
			"expected: 0 trafficstatus lines, got: $(mcvpn_sa_count oci)"
	fi
	mcvpnd_stop oci
	check_eq "oci: mcvpnd exits with status 0 on SIGTERM (took ${STOP_SECS}s)" 0 "$STOP_RC"
	check_gone oci 10.2.0.0/16 10.3.0.0/16
}

topo_up
test_check
topo_down
test_tunnel
[ "$FAIL" -eq 0 ] || mcvpn_dump_logs
summary
