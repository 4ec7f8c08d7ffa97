#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration test of an SA's life: rekeying, dead peer detection, recovery.
# Two mcvpnd, both auto=start, with lifetimes short enough that a minute holds
# several Child SA and IKE SA rekeys:
#   salifetime=12s ikelifetime=25s rekeymargin=4s dpddelay=2s dpdtimeout=8s
#
#   mcv-aws-PID                   mcv-inet-PID                            mcv-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd               |      | nft: the clouds' 1:1 NAT       |      | mcvpnd                 |
#  | vti1 192.168.2.1/30  |      |  198.51.100.10 <-> 10.3.1.200  |      | vti1 192.168.2.2/30    |
#  | lo   10.2.0.10/32    |      |  203.0.113.20 <-> 10.106.1.200 |      | lo   10.105.0.10/32    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      | table inet leak: counts private|      +------------------------+
#   routes 10.105/16,            |   destinations arriving in the |       routes 10.2/16,
#   10.106/16 -> vti1            |   clear (must stay 0)          |       10.3/16 -> vti1
#                                | table inet cut: (d) only, drops|
#                                |   everything forwarded         |
#                                +--------------------------------+
# Cases:
#  (a) a 20 packets/s ping stream for 60 s across several Child and IKE SA
#      rekeys loses nothing; one Child SA per side afterwards;
#  (b) forced rekey collisions (mcvpnctl rekey on both sides at the same
#      instant, 5x child, 3x ike) under a ping stream: no loss, one SA pair;
#  (c) the OCI daemon killed with SIGKILL and restarted: tunnel back, one
#      Child SA per side;
#  (d) the path cut until aws declares the peer dead (DPD, after dpdtimeout
#      of silence by its own count): vti1 with its address and routes stays,
#      nothing leaks in the clear; then the path back and traffic flowing;
#  (e) route, address and vti1 deleted by hand: each back;
#  (f) mcvpnctl down / up, and bad mcvpnctl rekey commands.
# No check depends on the machine's speed: each waits for its event (the
# times it took are printed), bounded by SAFETY (common.sh), a hang bound.
# The daemons' own timers (lifetimes, DPD) set the pace; what the test can
# say about them without a clock of its own it asserts from their logs.
#
# Usage: sudo tests/netns/test_lifecycle.sh   (after a build; MCVPND= and
# MCVPNCTL= override the binaries; KEEP_WORK=1 keeps the daemons' logs).
# Ends with "N passed, N failed".  Takes about 4 minutes.
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

LIFE_KEYS=(salifetime=12s ikelifetime=25s rekeymargin=4s dpddelay=2s dpdtimeout=8s)
DPD_TIMEOUT=8		# dpdtimeout above
AWS_ROUTES="10.105.0.0/16 10.106.0.0/16"

# ------------------------------------------------------------ helpers

# log_has SIDE MARK REGEX: SIDE's log has a line matching REGEX after MARK.
log_has() { [ "$(mcvpn_log_count "$1" "$2" "$3")" -gt 0 ]; }

# ping_ok SIDE DEST: one echo answered within a second.
ping_ok() { nsx "$1" ping -n -c 1 -W 1 "$2" >/dev/null 2>&1; }

# wait_ping DESC SIDE DEST START_MS: passes when DEST answers SIDE (polled;
# the time since START_MS, a now_ms value, is printed), fails after SAFETY.
wait_ping() {
	local desc=$1 side=$2 dest=$3 start=$4
	while :; do
		if ping_ok "$side" "$dest"; then
			pass "$desc (after $(secs_since "$start") s)"
			return 0
		fi
		[ $(( $(now_ms) - start )) -lt $((SAFETY * 1000)) ] || break
		sleep 0.2
	done
	fail "$desc" "expected: an answer, got: none after $(secs_since "$start") s (SAFETY): a hang"
	return 1
}

# fire_both WHAT: "mcvpnctl rekey CONN WHAT" on both sides at the same
# instant: both clients block opening a FIFO for reading, and one open for
# writing releases them together.  The writer holds the FIFO open until both
# clients are done, so a client that reaches its open late (a slow machine)
# still goes, only not at the same instant: a collision is not asserted.
# FIRE_OK counts the commands accepted.
FIRE_OK=0
FIRE_BAD=()
fire_both() {
	local what=$1 fifo side rc
	local -A pid=()
	fifo="$WORK/go.$RANDOM"
	mkfifo "$fifo" || return 1
	for side in aws oci; do
		# shellcheck disable=SC2016  # expanded by the inner shell
		timeout 30 sh -c 'exec 3<"$1"; shift; exec "$@"' sh "$fifo" \
			"$MCVPNCTL" --socket "$(mcvpn_sock "$side")" rekey "$CONN" "$what" \
			>"$WORK/fire.$side" 2>&1 &
		pid[$side]=$!
	done
	sleep 0.2	# most likely both wait in their open by now: not required
	exec 4<>"$fifo"	# read-write: never blocks, and releases both
	for side in aws oci; do
		wait "${pid[$side]}"
		rc=$?
		if [ "$rc" -eq 0 ] && grep -q 'rekeying the' "$WORK/fire.$side"; then
			FIRE_OK=$((FIRE_OK + 1))
		else
			FIRE_BAD+=("$side rekey $what: exit $rc: $(tr '\n' ' ' <"$WORK/fire.$side")")
		fi
	done
	exec 4<&-
	rm -f "$fifo"
}

# The age in seconds of SIDE's established IKE SA (from mcvpnctl status).
ike_age() {
	mcvpnctl "$1" status 2>/dev/null |
		sed -nE 's/^ *IKE SA #[0-9]+: established ([0-9]+)s ago.*/\1/p' | head -n 1
}
ike_young() { local a; a=$(ike_age "$1"); [ -n "$a" ] && [ "$a" -le "$2" ]; }

# Packets to the far side's private subnets seen in the clear by the middle
# namespace, before its NAT (the tunnel carries them to public addresses).
leak_rules() {
	cat <<-'EOF'
	table inet leak {
		counter from_aws {}
		counter from_oci {}
		chain pre {
			type filter hook prerouting priority -300; policy accept;
			iifname "aws0" ip daddr { 10.105.0.0/16, 10.106.0.0/16 } counter name "from_aws"
			iifname "oci0" ip daddr { 10.2.0.0/16, 10.3.0.0/16 } counter name "from_oci"
		}
	}
	EOF
}
leak_count() {
	nsx inet nft list counter inet leak "from_$1" 2>/dev/null |
		sed -nE 's/.*packets ([0-9]+).*/\1/p'
}
leak_reset() { nsx inet nft reset counters table inet leak >/dev/null 2>&1; }

cut_path() {
	nsx inet nft -f - <<-'EOF'
	table inet cut {
		chain drop_all {
			type filter hook forward priority -10; policy drop;
		}
	}
	EOF
}
heal_path() { nsx inet nft delete table inet cut 2>/dev/null; }

# iface_ok SIDE: vti1 up with its address and both routes.
iface_ok() {
	local r
	nsx aws ip -o link show dev vti1 2>/dev/null | grep -q '[<,]UP[,>]' &&
		nsx aws ip -o addr show dev vti1 2>/dev/null | grep -q 'inet 192.168.2.1/30 ' || return 1
	for r in $AWS_ROUTES; do
		nsx aws ip route show "$r" dev vti1 2>/dev/null | grep -q . || return 1
	done
}

# check_iface DESC: aws's vti1, address and routes, with what is there on failure.
check_iface() {
	# a deleted route is re-added: wait for that
	if wait_for "$SAFETY" iface_ok; then
		pass "$1"
		return 0
	fi
	fail "$1" "expected: vti1 UP, inet 192.168.2.1/30, routes $AWS_ROUTES dev vti1" \
		"got (after $SAFETY s, SAFETY):"
	{ nsx aws ip -o addr show dev vti1; nsx aws ip route show dev vti1; } 2>&1 |
		sed 's/^/         | /'
	return 1
}

# check_route_via_vti DESC: the kernel would send 10.106.1.200 into vti1.
check_route_via_vti() {
	check_match "$1" ' dev vti1 ' "$(nsx aws ip route get 10.106.1.200 2>&1)"
}

# timed_back DESC CMD...: CMD succeeds (polled every 50 ms; fails after
# SAFETY); the message says how long it took.
timed_back() {
	local desc=$1 limit=$((SAFETY * 1000)) start
	shift
	start=$(now_ms)
	while ! "$@" >/dev/null 2>&1; do
		if [ $(( $(now_ms) - start )) -ge "$limit" ]; then
			fail "$desc" "expected: back, got: still missing after $(( $(now_ms) - start )) ms (SAFETY): a hang"
			return 1
		fi
		sleep 0.05
	done
	pass "$desc (after $(( $(now_ms) - start )) ms)"
}

no_sa_both() { [ "$(mcvpn_sa_count aws)" -eq 0 ] && [ "$(mcvpn_sa_count oci)" -eq 0 ]; }

both_alive() {
	local s
	for s in aws oci; do
		if [ -n "${MCVPND_PID[$s]:-}" ] && pid_alive "${MCVPND_PID[$s]}"; then
			pass "$s: mcvpnd still running"
		else
			fail "$s: mcvpnd still running" "expected: a live process, got: none (crashed?)"
		fi
	done
}

# ------------------------------------------------------------ start

start() {
	local s
	section "start: both sides auto=start, ${LIFE_KEYS[*]}"
	topo_up
	leak_rules | nsx inet nft -f - || die "nft leak counters failed"
	pass "namespaces $NS_AWS, $NS_INET, $NS_OCI with 1:1 NAT and leak counters"
	for s in aws oci; do
		mcvpn_write_config "$s" start
		mcvpn_conf_set "$s" "${LIFE_KEYS[@]}"
	done
	check "mcvpnd --check accepts the short lifetimes" \
		nsx aws timeout "$SAFETY" "$MCVPND" --check --config-dir "$(mcvpn_dir aws)/conf"
	mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs"
	if wait_for "$SAFETY" mcvpn_both_up; then
		pass "tunnel up on both sides"
	else
		fail "tunnel up on both sides" "not after $SAFETY s (SAFETY): a hang" \
			"Child SAs: aws $(mcvpn_sa_count aws), oci $(mcvpn_sa_count oci)"
	fi
	mcvpn_check_one_pair "one IKE SA and one Child SA per side after the start"
	check "ping aws -> oci 192.168.2.2" topo_ping aws 192.168.2.2
}

# ------------------------------------------------------------ (a)

case_a() {
	local ma mo child ike
	section "(a) rekeys under a 20 packets/s ping stream (60 s)"
	ma=$(mcvpn_log_mark aws)
	mo=$(mcvpn_log_mark oci)
	stream_start aws 192.168.2.2 1200
	stream_check "1200 pings aws -> oci 192.168.2.2 across the rekeys, none lost"
	child=$(( $(mcvpn_log_count aws "$ma" 'established by rekey') + $(mcvpn_log_count oci "$mo" 'established by rekey') ))
	ike=$(( $(mcvpn_log_count aws "$ma" 'rekeyed into') + $(mcvpn_log_count oci "$mo" 'rekeyed into') ))
	info "Child SA rekeys: $child, IKE SA rekeys: $ike (both logs)"
	check_gt "at least 3 Child SA rekeys (\"established by rekey\", got $child)" "$child" 2
	check_gt "at least 1 IKE SA rekey (\"rekeyed into\", got $ike)" "$ike" 0
	mcvpn_check_one_pair "one Child SA per side after the stream"
}

# ------------------------------------------------------------ (b)

case_b() {
	local ma mo t0 i coll tf
	section "(b) forced rekey collisions under a ping stream"
	ma=$(mcvpn_log_mark aws)
	mo=$(mcvpn_log_mark oci)
	FIRE_OK=0
	FIRE_BAD=()
	stream_start aws 192.168.2.2 720	# 36 s
	t0=$(now_ms)
	for i in 1 2 3 4 5; do
		sleep_until $((t0 + 2000 + (i - 1) * 3000))
		fire_both child
	done
	for i in 1 2 3; do
		sleep_until $((t0 + 18000 + (i - 1) * 5000))
		fire_both ike
	done
	check_eq "16 rekey commands (5 child, 3 ike, both sides) accepted" 16 "$FIRE_OK" ||
		printf '%s\n' "${FIRE_BAD[@]}" | sed 's/^/         | /'
	stream_check "720 pings aws -> oci during the collisions, none lost"
	coll=$(( $(mcvpn_log_count aws "$ma" 'simultaneous rekey: keeping Child') + $(mcvpn_log_count oci "$mo" 'simultaneous rekey: keeping Child') ))
	icoll=$(( $(mcvpn_log_count aws "$ma" 'simultaneous rekey of IKE SA') + $(mcvpn_log_count oci "$mo" 'simultaneous rekey of IKE SA') ))
	tf=$(( $(mcvpn_log_count aws "$ma" 'TEMPORARY_FAILURE') + $(mcvpn_log_count oci "$mo" 'TEMPORARY_FAILURE') ))
	if [ $((coll + icoll + tf)) -gt 0 ]; then
		info "collisions seen: $coll Child SA, $icoll IKE SA (log lines), $tf TEMPORARY_FAILURE"
	else
		warn "no rekey collision happened this run: not a failure"
	fi
	mcvpn_check_one_pair "one SA pair per side after the collisions"
	check "ping aws -> oci 192.168.2.2 after the collisions" topo_ping aws 192.168.2.2
}

# ------------------------------------------------------------ (c)

case_c() {
	local t0
	section "(c) the OCI daemon killed (SIGKILL) and restarted"
	mcvpnd_kill oci
	if wait_for "$SAFETY" sh -c "! ip -n $NS_OCI link show vti1"; then
		pass "oci: vti1 vanished with the killed daemon"
	else
		fail "oci: vti1 vanished with the killed daemon" "expected: no vti1, got: $(ip -n "$NS_OCI" -o link show vti1 2>&1)"
	fi
	sleep 1
	rm -f "$(mcvpn_sock oci)"	# stale, so that mcvpnd_start waits for the new one
	t0=$(now_ms)
	if ! mcvpnd_start oci; then
		fail "oci: mcvpnd restarts"
		return
	fi
	wait_ping "tunnel back (ping aws -> oci) after the restart" aws 192.168.2.2 "$t0"
	check "ping oci -> aws 192.168.2.1" topo_ping oci 192.168.2.1
	mcvpn_check_one_pair "one Child SA per side after the restart"
}

# ------------------------------------------------------------ (d)

case_d() {
	local ma t0 t_dead line silence
	section "(d) the path cut until aws declares the peer dead (nft drop in the middle)"
	# Cut with an IKE SA young enough not to expire during the outage: then
	# the only way down is dead peer detection.
	wait_for 25 ike_young aws 6 || info "aws's IKE SA is $(ike_age aws) s old; cutting anyway"
	ma=$(mcvpn_log_mark aws)
	leak_reset
	if ! cut_path; then
		fail "nft: table inet cut added"
		return
	fi
	at_exit heal_path
	t0=$(now_ms)
	info "path cut at $(date +%T)"
	check_not "ping aws -> oci 10.106.1.200 fails while the path is cut" \
		nsx aws ping -n -c 3 -i 0.2 -W 1 10.106.1.200
	check_route_via_vti "ip route get 10.106.1.200 says dev vti1 during the outage"
	# DPD's pace is the daemon's clock: its log line says how long the peer
	# was silent by that clock, which cannot be shorter than dpdtimeout
	if wait_for "$SAFETY" log_has aws "$ma" 'peer dead'; then
		t_dead=$(secs_since "$t0")
		line=$(mcvpn_log_since aws "$ma" | grep -m 1 'peer dead')
		silence=$(printf '%s' "$line" | sed -nE 's/.*nothing received for ([0-9]+)s.*/\1/p')
		pass "aws: \"peer dead\" (DPD) logged, $t_dead s after the cut"
		if [[ $silence =~ ^[0-9]+$ ]] && [ "$silence" -ge "$DPD_TIMEOUT" ]; then
			pass "aws: the peer declared dead after ${silence} s of silence, not before dpdtimeout=${DPD_TIMEOUT}s"
		else
			fail "aws: the peer declared dead after dpdtimeout=${DPD_TIMEOUT}s of silence" \
				"expected: \"nothing received for N s\" with N >= $DPD_TIMEOUT" "got: $line"
		fi
	else
		fail "aws: \"peer dead\" (DPD) logged" \
			"expected: a 'peer dead' line, got: none after $SAFETY s (SAFETY); aws log since the cut:"
		mcvpn_log_since aws "$ma" | tail -n 15 | sed 's/^/         | /'
	fi
	check_iface "aws: vti1 with its address and routes stays installed during the outage"
	check_route_via_vti "ip route get 10.106.1.200 still says dev vti1 with no SA"
	check_not "ping aws -> oci subnet 10.105.0.10 fails with no SA" \
		nsx aws ping -n -c 2 -i 0.2 -W 1 -I 10.2.0.10 10.105.0.10
	# dpdaction=restart: aws tries again while the path is still cut
	wait_for "$SAFETY" log_has aws "$ma" 'initiating IKE SA' &&
		pass "aws tries to bring the tunnel back during the outage (dpdaction=restart)" ||
		fail "aws tries to bring the tunnel back during the outage (dpdaction=restart)" \
			"expected: an 'initiating IKE SA' line, got: none after $SAFETY s (SAFETY)"
	check_eq "nothing for 10.105/16, 10.106/16 left aws in the clear during the outage (packets)" \
		0 "$(leak_count aws)"
	check_eq "nothing for 10.2/16, 10.3/16 left oci in the clear during the outage (packets)" \
		0 "$(leak_count oci)"
	info "the outage's checks are over $(secs_since "$t0") s after the cut"
	heal_path
	t0=$(now_ms)
	info "path back at $(date +%T)"
	wait_ping "traffic flows again (ping aws -> oci) after the path's return" \
		aws 192.168.2.2 "$t0"
	mcvpn_check_one_pair "one Child SA per side after the outage"
}

# ------------------------------------------------------------ (e)

route_there() { nsx aws ip route show "$1" dev vti1 | grep -q .; }
addr_there()  { nsx aws ip -o addr show dev vti1 | grep -q 'inet 192.168.2.1/30 '; }

case_e() {
	section "(e) route, address and vti1 deleted by hand in aws"
	check "ip route del 10.105.0.0/16" nsx aws ip route del 10.105.0.0/16 dev vti1 &&
		timed_back "aws: route 10.105.0.0/16 dev vti1 back" route_there 10.105.0.0/16
	check "ip addr del 192.168.2.1/30 dev vti1" nsx aws ip addr del 192.168.2.1/30 dev vti1 &&
		timed_back "aws: 192.168.2.1/30 on vti1 back" addr_there
	check "ip link del vti1" nsx aws ip link del vti1 &&
		timed_back "aws: vti1 back, UP, with its address and both routes" iface_ok
	check_match "aws: the new vti1 has the MTU of AES-GCM ESP (1438)" ' mtu 1438 ' \
		"$(nsx aws ip -o link show dev vti1 2>&1)"
	wait_ping "ping aws -> oci passes again after vti1 was re-created" aws 192.168.2.2 "$(now_ms)"
	check "ping aws 10.2.0.10 -> oci subnet 10.105.0.10" topo_ping aws 10.105.0.10 -I 10.2.0.10
	mcvpn_check_one_pair "still one Child SA per side"
}

# ------------------------------------------------------------ (f)

case_f() {
	local out rc t0
	section "(f) mcvpnctl down, up, and bad commands"
	out=$(mcvpnctl aws down "$CONN" 2>&1)
	rc=$?
	check_eq "aws: mcvpnctl down $CONN exits 0 ($out)" 0 "$rc"
	if wait_for "$SAFETY" no_sa_both; then
		pass "trafficstatus empty on both sides after down on aws"
	else
		fail "trafficstatus empty on both sides after down on aws" \
			"expected: 0 lines each, got: aws $(mcvpn_sa_count aws), oci $(mcvpn_sa_count oci) (after $SAFETY s, SAFETY)"
	fi
	check_iface "aws: vti1 with its address and routes stays after down"
	sleep 3
	if no_sa_both; then
		info "still down 3 s after down on aws (oci's retries did not bring it back)"
	else
		info "3 s after down on aws the tunnel is up again: aws $(mcvpn_sa_count aws), oci $(mcvpn_sa_count oci) SAs (oci is auto=start and retries; aws answered)"
	fi
	# Down on oci too, so that its retries stop: then up must bring it back.
	out=$(mcvpnctl oci down "$CONN" 2>&1)
	rc=$?
	check_eq "oci: mcvpnctl down $CONN exits 0 ($out)" 0 "$rc"
	out=$(mcvpnctl aws down "$CONN" 2>&1)
	check_eq "aws: mcvpnctl down $CONN again exits 0 ($out)" 0 "$?"
	if wait_for "$SAFETY" no_sa_both; then
		pass "trafficstatus empty on both sides after down on both"
	else
		fail "trafficstatus empty on both sides after down on both" \
			"expected: 0 lines each, got: aws $(mcvpn_sa_count aws), oci $(mcvpn_sa_count oci) (after $SAFETY s, SAFETY)"
	fi
	sleep 3
	check_eq "down on both sides: still no SA 3 s later (no retries)" "aws 0, oci 0" \
		"aws $(mcvpn_sa_count aws), oci $(mcvpn_sa_count oci)"
	if no_sa_both; then
		check_not "ping aws -> oci fails while down" nsx aws ping -n -c 2 -i 0.2 -W 1 192.168.2.2
	else
		info "ping while down not tried: the SAs are back (see the failure above)"
	fi
	check_route_via_vti "ip route get 10.106.1.200 says dev vti1 while down"
	t0=$(now_ms)
	out=$(mcvpnctl aws up "$CONN" 2>&1)
	rc=$?
	check_eq "aws: mcvpnctl up $CONN exits 0 ($out)" 0 "$rc"
	if wait_for "$SAFETY" mcvpn_both_up; then
		pass "tunnel back on both sides after up (after $(secs_since "$t0") s)"
	else
		fail "tunnel back on both sides after up" "not after $SAFETY s (SAFETY): a hang" \
			"Child SAs: aws $(mcvpn_sa_count aws), oci $(mcvpn_sa_count oci)"
	fi
	wait_ping "ping aws -> oci after up" aws 192.168.2.2 "$(now_ms)"
	mcvpn_check_one_pair "one Child SA per side after up"

	out=$(mcvpnctl aws rekey nosuch 2>&1)
	rc=$?
	check_eq "mcvpnctl rekey nosuch exits 1" 1 "$rc"
	check_match "mcvpnctl rekey nosuch says \"no conn named\"" 'no conn named' "$out"
	out=$(mcvpnctl aws rekey 2>&1)
	rc=$?
	check_eq "mcvpnctl rekey (no name) exits 2 (usage, refused before the daemon is asked)" 2 "$rc"
	check_match "mcvpnctl rekey (no name) prints the usage" 'usage' "$out"
}

finish() {
	local s
	section "end"
	both_alive
	check_eq "no packet for the far side's subnets ever left aws in the clear" 0 "$(leak_count aws)"
	for s in aws oci; do
		mcvpnd_stop "$s"
		check_eq "$s: mcvpnd exits 0 on SIGTERM after all this (took ${STOP_SECS}s)" 0 "$STOP_RC"
	done
}

keep_logs() {
	local s dir=${REPO}/build-logs
	[ -d "$dir" ] || return 0
	for s in aws oci; do
		cp "$(mcvpn_log "$s")" "$dir/lifecycle-mcvpnd-$s.log" 2>/dev/null &&
			info "full log: $dir/lifecycle-mcvpnd-$s.log"
	done
}

start
case_a
case_b
case_c
case_d
case_e
case_f
finish
if [ "$FAIL" -ne 0 ]; then
	mcvpn_dump_logs
	keep_logs
fi
summary
