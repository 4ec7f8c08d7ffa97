#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The hook (updown=) and debug logging switched at run time, on two real
# daemons.  aws runs the hook, a script this test writes that appends its
# arguments and the variables it was given to a file, one record per run;
# oci (auto=add) only answers.
#
#   mch-aws-PID                   mch-inet-PID                            mch-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd, updown=      |      | nft: the clouds' 1:1 NAT       |      | mcvpnd (auto=add)      |
#  |   hook.sh 'first arg'|      |  198.51.100.10 <-> 10.3.1.200  |      |                        |
#  | vti1 192.168.2.1/30  |      |  203.0.113.20 <-> 10.106.1.200 |      | vti1 192.168.2.2/30    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#
# Cases: up at the start with the conn's facts (argv, IDs, addresses,
# device, selectors, SPIs as status shows them, no PSK); rekey after
# "mcvpnctl rekey" (child, then ike); "mcvpnctl debug on NAME" makes that
# conn's debug lines appear without a restart and not the daemon's own
# (a garbage datagram's), "debug on" those too, "debug off" stops them;
# while a hook runs the tunnel works and the next event waits its turn; a
# shorter updown-timeout= by reload (no restart), and a hook that hangs
# is killed at it, the next event running after; down on "mcvpnctl down",
# up on "mcvpnctl up", down when the peer stops, and down when aws itself
# stops.  Every
# wait is for an event (a record in the file, a log line, a state),
# bounded by SAFETY (common.sh); no time is asserted.
#
# Usage: sudo tests/netns/test_hooks.sh   (after a build).  Ends with
# "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

# namespaces of our own prefix (topo.sh's functions read these)
NS_AWS="mch-aws-$$"
NS_OCI="mch-oci-$$"
NS_INET="mch-inet-$$"

EVENTS="$WORK/events"
PSK=$(sed -n 's/.*PSK "\([^"]*\)".*/\1/p' "$REPO/tests/configs/aws/$CONN.secrets")

write_hook() {
	cat >"$WORK/hook.sh" <<EOF
#!/bin/sh
# one record per run: BEGIN verb, the arguments, the variables, END
{
	echo "BEGIN \$MCVPN_VERB"
	printf 'ARG:%s\n' "\$@"
	env | grep -E '^(PATH|PLUTO_[A-Z_]*|MCVPN_[A-Z_]*|SPI_IN|SPI_OUT|VTI_[A-Z]*|INTERFACE_IP|HOME|PWD)=' | sort
	echo END
} >>"$EVENTS"
if [ "\$MCVPN_VERB" = rekey ] && [ -e "$WORK/block" ]; then
	echo "blocked until $WORK/block goes"
	i=0
	while [ -e "$WORK/block" ] && [ \$i -lt 6000 ]; do sleep 0.05; i=\$((i + 1)); done
fi
if [ "\$MCVPN_VERB" = rekey ] && [ -e "$WORK/hang" ]; then
	echo "hanging now"
	exec sleep 1000
fi
echo "hook \$MCVPN_VERB: done"
EOF
	chmod 755 "$WORK/hook.sh"
}

# records: the complete records in the file (a run writes its record in
# several writes: one counts once its END is there)
records() {
	if [ -f "$EVENTS" ]; then grep -c '^END$' "$EVENTS"; else echo 0; fi
}
# has_records N: at least N complete records in the file
has_records() { [ "$(records)" -ge "$1" ]; }

# rec N VAR: VAR's value in record N ("ARG" for the arguments, joined by |)
rec() {
	awk -v n="$1" -v var="$2" '
		/^BEGIN/ { i++; next }
		i == n && var == "ARG" && /^ARG:/ { out = out (got++ ? "|" : "") substr($0, 5) }
		i == n && var != "ARG" && index($0, var "=") == 1 { print substr($0, length(var) + 2); exit }
		END { if (var == "ARG") print out }' "$EVENTS"
}

verb_of() { awk -v n="$1" '/^BEGIN/ { if (++i == n) { print $2; exit } }' "$EVENTS"; }

# wait_record DESC N VERB: record N appears and is VERB
wait_record() {
	if ! wait_for "$SAFETY" has_records "$2"; then
		fail "$1" "no record $2 in $EVENTS after $SAFETY s (SAFETY); $(records) there"
		mcvpn_dump_logs
		return 1
	fi
	check_eq "$1" "$3" "$(verb_of "$2")"
}

# The Child SA that carries traffic (status --json), and the IKE SA's SPI.
carrying_spi() { mcvpn_json aws '[ch["spi_in"] for sa in c["ike_sas"] for ch in sa["child_sas"] if ch["carrying_traffic"]][0]'; }
ike_spi_i() { mcvpn_json aws 'c["ike_sas"][0]["spi_i"]'; }

log_has() { [ "$(mcvpn_log_count aws "$1" "$2")" -gt 0 ]; }

test_up() {
	local n=1
	section "up at the start"
	wait_record "the hook ran 'up' once the tunnel was up" $n up || return
	mcvpn_check_one_pair "one IKE SA and one Child SA per side"
	check_eq "argv: the words of updown= ('first arg' one word)" "first arg|x" "$(rec $n ARG)"
	check_eq "PLUTO_VERB" up-client "$(rec $n PLUTO_VERB)"
	check_eq "PLUTO_CONNECTION" "$CONN" "$(rec $n PLUTO_CONNECTION)"
	check_eq "PLUTO_ME (this end's IKE address)" 10.3.1.200 "$(rec $n PLUTO_ME)"
	check_eq "PLUTO_PEER (the peer's public address)" 203.0.113.20 "$(rec $n PLUTO_PEER)"
	check_eq "PLUTO_MY_ID" 198.51.100.10 "$(rec $n PLUTO_MY_ID)"
	check_eq "PLUTO_PEER_ID" 203.0.113.20 "$(rec $n PLUTO_PEER_ID)"
	check_eq "PLUTO_MY_CLIENT (the negotiated selector)" 0.0.0.0/0 "$(rec $n PLUTO_MY_CLIENT)"
	check_eq "MCVPN_DEVICE, VTI_IFACE" "vti1 vti1" "$(rec $n MCVPN_DEVICE) $(rec $n VTI_IFACE)"
	check_eq "MCVPN_INTERFACE_IP" 192.168.2.1/30 "$(rec $n MCVPN_INTERFACE_IP)"
	check_eq "MCVPN_ROLE (aws initiated)" initiator "$(rec $n MCVPN_ROLE)"
	check_eq "MCVPN_NAT_T, MCVPN_PEER_PORT" "yes 4500" "$(rec $n MCVPN_NAT_T) $(rec $n MCVPN_PEER_PORT)"
	check_eq "MCVPN_CHILD_SPI_IN is the Child SA's, as status shows it" "$(carrying_spi)" \
		"$(rec $n MCVPN_CHILD_SPI_IN)"
	check_eq "SPI_IN in libreswan's form" "0x$(carrying_spi)" "$(rec $n SPI_IN)"
	check_eq "MCVPN_IKE_SPI_I is the IKE SA's" "$(ike_spi_i)" "$(rec $n MCVPN_IKE_SPI_I)"
	check_eq "a clean environment: PATH as documented, no HOME" \
		"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|" "$(rec $n PATH)|$(rec $n HOME)"
	check_not "no PSK in any record" grep -qF -- "$PSK" "$EVENTS"
	# the record is written before the hook's last line and its exit
	wait_for "$SAFETY" log_has 0 "\"$CONN\": updown up: exit status 0" &&
		pass "its exit status is in the log" ||
		fail "its exit status is in the log" "no such line after $SAFETY s (SAFETY)"
	check "the hook's output too, before it" log_has 0 "\"$CONN\": updown up: hook up: done"
}

test_rekeys() {
	local spi0 ike0 mark
	section "rekey: child, then ike"
	spi0=$(carrying_spi)
	ike0=$(ike_spi_i)
	mark=$(mcvpn_log_mark aws)
	check "mcvpnctl rekey child" mcvpnctl aws rekey "$CONN" child
	wait_record "the hook ran 'rekey' after the Child SA rekey" 2 rekey || return
	check_eq "MCVPN_REKEY=child, PLUTO_VERB=rekey-client" "child rekey-client" \
		"$(rec 2 MCVPN_REKEY) $(rec 2 PLUTO_VERB)"
	mcvpn_check_one_pair "one SA pair after the Child SA rekey"
	check_eq "its Child SA is the new one" "$(carrying_spi)" "$(rec 2 MCVPN_CHILD_SPI_IN)"
	[ "$(rec 2 MCVPN_CHILD_SPI_IN)" != "$spi0" ] && pass "a new Child SPI ($spi0 -> $(rec 2 MCVPN_CHILD_SPI_IN))" ||
		fail "a new Child SPI" "still $spi0"
	check "mcvpnctl rekey ike" mcvpnctl aws rekey "$CONN" ike
	wait_record "the hook ran 'rekey' after the IKE SA rekey" 3 rekey || return
	check_eq "MCVPN_REKEY=ike" ike "$(rec 3 MCVPN_REKEY)"
	mcvpn_check_one_pair "one SA pair after the IKE SA rekey"
	check_eq "its IKE SA is the new one" "$(ike_spi_i)" "$(rec 3 MCVPN_IKE_SPI_I)"
	[ "$(rec 3 MCVPN_IKE_SPI_I)" != "$ike0" ] && pass "a new IKE SPI" || fail "a new IKE SPI" "still $ike0"
	check_eq "no debug line while debug is off" 0 "$(mcvpn_log_count aws "$mark" ' debug: ')"
}

# garbage SIDE: a datagram to aws's port 500 that is no IKE message (its
# drop is a debug line about no conn)
garbage() { nsx inet bash -c 'printf "xx" >/dev/udp/10.3.1.200/500'; }

# ike_rekey_done MARK: the IKE SA rekey that follows MARK completed (the
# garbage sent before it was read by then: one loop, in order)
rekey_ike_and_wait() {
	local mark
	mark=$(mcvpn_log_mark aws)
	mcvpnctl aws rekey "$CONN" ike >/dev/null
	wait_for "$SAFETY" log_has "$mark" 'rekeyed into'
	mcvpn_check_one_pair "one SA pair after the IKE SA rekey" >/dev/null
}

test_debug() {
	local mark out n0
	section "debug logging at run time"
	out=$(mcvpnctl aws debug on nosuch 2>&1)
	check_eq "debug on an unknown conn: exit 1" 1 $?
	check_match "it says so" 'no conn named "nosuch"' "$out"
	out=$(mcvpnctl aws debug on "$CONN")
	check_eq "mcvpnctl debug on $CONN: exit 0" 0 $?
	check_match "status shows it" "^debug logging: on for \"$CONN\"" "$(mcvpnctl aws status)"
	check_eq "status --json: conn debug, daemon not" "True|False" "$(mcvpn_json aws 'c["debug"], d["daemon"]["debug"]')"
	n0=$(records)
	mark=$(mcvpn_log_mark aws)
	garbage
	rekey_ike_and_wait
	check_gt "the conn's debug lines appear (its IKE SAs' state changes)" \
		"$(mcvpn_log_count aws "$mark" "debug: \"$CONN\": #[0-9]+: .* -> ")" 0
	check_eq "no debug line of the daemon's own (the garbage datagram's drop)" 0 \
		"$(mcvpn_log_count aws "$mark" 'debug: dropping datagram')"
	wait_for "$SAFETY" has_records $((n0 + 1))

	check "mcvpnctl debug on (the whole daemon)" mcvpnctl aws debug on
	mark=$(mcvpn_log_mark aws)
	n0=$(records)
	garbage
	rekey_ike_and_wait
	check_gt "now the daemon's own too" "$(mcvpn_log_count aws "$mark" 'debug: dropping datagram')" 0
	wait_for "$SAFETY" has_records $((n0 + 1))

	check "mcvpnctl debug off" mcvpnctl aws debug off
	check_match "status: off" "^debug logging: off" "$(mcvpnctl aws status)"
	mark=$(mcvpn_log_mark aws)
	n0=$(records)
	garbage
	rekey_ike_and_wait
	check_eq "no debug line after debug off" 0 "$(mcvpn_log_count aws "$mark" ' debug: ')"
	wait_for "$SAFETY" has_records $((n0 + 1))
}

# the hook runs "rekey" now, and N events wait (status)
hook_running() { mcvpnctl aws status | grep -q "updown: .*; running: rekey, $1 waiting"; }

test_block() {
	local n0
	section "the tunnel works while the hook runs; the next event waits"
	n0=$(records)
	touch "$WORK/block"
	mcvpnctl aws rekey "$CONN" child >/dev/null
	wait_record "the hook ran" $((n0 + 1)) rekey
	wait_for "$SAFETY" hook_running 0 && pass "status: the hook runs" ||
		fail "status: the hook runs" "$(mcvpnctl aws status | grep updown)"
	mcvpn_check_one_pair "the rekey done, the hook still running"
	check "the tunnel works while the hook runs" nsx aws ping -n -c 1 -W "$ECHO_WAIT" 192.168.2.2
	mcvpnctl aws rekey "$CONN" child >/dev/null
	wait_for "$SAFETY" hook_running 1 && pass "the next rekey's run waits its turn" ||
		fail "the next rekey's run waits its turn" "$(mcvpnctl aws status | grep updown)"
	check_eq "it has not run yet" $((n0 + 1)) "$(grep -c '^BEGIN' "$EVENTS")"
	rm -f "$WORK/block"
	wait_record "once the first is done, it runs" $((n0 + 2)) rekey
}

# a process named sleep in aws's namespace (the hanging hook's exec)
aws_has_sleep() {
	local pid
	for pid in $(ip netns pids "$NS_AWS"); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != sleep ] || return 0
	done
	return 1
}

test_hang() {
	local mark n0 sa0 out
	section "a hook that hangs is killed at updown-timeout="
	mcvpn_check_one_pair "settled" >/dev/null
	sa0=$(mcvpn_field aws sa)
	mcvpn_conf_set aws updown-timeout=1s
	out=$(mcvpnctl aws reload)
	check_eq "a changed updown-timeout= is no change of the tunnel, and said" \
		"\"$CONN\": hook changed: applied from its next run, the tunnel untouched
reloaded $(mcvpn_dir aws)/conf: 1 conn" "$out"
	check_eq "its Child SA stays" "$sa0" "$(mcvpn_field aws sa)"
	check_match "status shows the new limit" "updown: .* \\(timeout 1s\\)" "$(mcvpnctl aws status)"
	n0=$(records)
	mark=$(mcvpn_log_mark aws)
	touch "$WORK/hang"
	mcvpnctl aws rekey "$CONN" child >/dev/null
	wait_record "the hook ran" $((n0 + 1)) rekey
	rm -f "$WORK/hang"
	mcvpnctl aws rekey "$CONN" child >/dev/null	# its run comes after the kill
	wait_for "$SAFETY" log_has "$mark" "updown rekey: killed by SIGTERM .*its time limit" &&
		pass "the hanging hook was killed (SIGTERM)" ||
		fail "the hanging hook was killed (SIGTERM)" "no such line after $SAFETY s (SAFETY)"
	check "its output up to then is in the log" log_has "$mark" "updown rekey: hanging now"
	check_not "nothing of it is left in aws's namespace" aws_has_sleep
	wait_record "the next event's run came after" $((n0 + 2)) rekey
	check "mcvpnd still answers" mcvpnctl aws status
	check "the tunnel still works" nsx aws ping -n -c 1 -W "$ECHO_WAIT" 192.168.2.2
}

test_down_up() {
	local n0 mark
	section "down and up"
	mcvpn_check_one_pair "settled before down" >/dev/null
	n0=$(records)
	check "mcvpnctl down" mcvpnctl aws down "$CONN"
	wait_record "the hook ran 'down'" $((n0 + 1)) down
	check_eq "MCVPN_REASON, PLUTO_VERB" "mcvpnctl down|down-client" \
		"$(rec $((n0 + 1)) MCVPN_REASON)|$(rec $((n0 + 1)) PLUTO_VERB)"
	check "mcvpnctl up" mcvpnctl aws up "$CONN"
	wait_record "the hook ran 'up'" $((n0 + 2)) up

	section "down when the peer stops"
	mcvpn_check_one_pair "up again" >/dev/null
	mcvpnd_stop oci
	wait_record "the hook ran 'down'" $((n0 + 3)) down
	check_eq "MCVPN_REASON" "deleted by peer" "$(rec $((n0 + 3)) MCVPN_REASON)"

	section "down when mcvpnd itself stops"
	mcvpnd_start oci
	wait_record "the hook ran 'up' once the peer was back (aws retries)" $((n0 + 4)) up
	mark=$(mcvpn_log_mark aws)
	mcvpnd_stop aws
	check_eq "mcvpnd stopped (exit 0)" 0 "$STOP_RC"
	check_eq "its hook ran 'down' before it exited" down "$(verb_of $((n0 + 5)))"
	check_eq "MCVPN_REASON" "shutting down" "$(rec $((n0 + 5)) MCVPN_REASON)"
	check "it waited for the hook" log_has "$mark" "updown down: exit status 0"
}

topo_up
write_hook
mcvpn_write_config aws start
mcvpn_write_config oci add
mcvpn_conf_set aws "updown=\"$WORK/hook.sh 'first arg' x\"" updown-timeout=60s
mcvpnd_start oci && mcvpnd_start aws || fail "both daemons start" "see the logs"
if wait_for "$SAFETY" mcvpn_both_up; then
	pass "tunnel up"
	test_up
	test_rekeys
	test_debug
	test_block
	test_hang
	test_down_up
else
	fail "tunnel up" "no Child SA within $SAFETY s (SAFETY)"
	mcvpn_dump_logs
fi
summary
