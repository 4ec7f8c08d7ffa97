#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Operating a running mcvpnd: reload without disruption under a ping stream
# (unchanged conn untouched, new conn started, removed conn deleted, broken
# config refused as a whole, changed conn restarted), the JSON outputs
# checked against the schema documented in mcvpnctl(8), a rekeyed
# inbound SA left to drain for 5 s (rekeyed_sas_draining), and the CLI: every
# command mcvpnctl --help lists is one the daemon answers, the bash
# completion completes commands and the running daemon's conn names.
#
#   mcv-aws-PID                 mcv-inet-PID                mcv-oci-PID
#   mcvpnd (reloaded) ---- 1:1 NAT ---- mcvpnd
#   vti1 192.168.2.1/30                               vti1 192.168.2.2/30
#   vti2 (a second conn, auto=add, added and removed by reloads)
#
# Every wait is for an event, bounded by SAFETY (common.sh); the one thing
# with a clock is the drain itself (the daemon's 5 s), watched by polling.
#
# Usage: sudo tests/netns/test_control.sh   (after a build).  Ends with
# "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015
. "$(dirname "$0")/../lib/netns_test.sh"

CONFDIR=

# The second conn: another peer (nobody there), auto=add, its own device.
write_second() {
	cat >"$CONFDIR/second.conf" <<'EOF'
conn second
    left=10.3.1.200
    right=203.0.113.99
    leftid=198.51.100.10
    authby=secret
    auto=add
    vti-interface=vti2
    ike=aes_cbc256-sha2_384;modp1536
    phase2alg=aes_gcm256
    interface-ip=192.168.3.1/30
    routes=10.200.0.0/16
EOF
	printf '203.0.113.99 198.51.100.10 : PSK "second-test-psk-0123456789"\n' >"$CONFDIR/second.secrets"
	chmod 600 "$CONFDIR/second.secrets"
}

reload() {
	RELOAD_OUT=$(mcvpnctl aws reload 2>&1)
	RELOAD_RC=$?
}

test_reload() {
	local sa0 in0 ping_log loss sa1 in1
	section "reload under a ping stream"
	sa0=$(mcvpn_field aws sa)
	in0=$(mcvpn_field aws inBytes)
	ping_log="$WORK/ping.log"
	# -w: an echo that comes late still counts (up to SAFETY past 15 s)
	nsx aws ping -i 0.05 -c 300 -W 1 -w $((15 + SAFETY)) 192.168.2.2 >"$ping_log" 2>&1 &
	PING=$!
	at_exit "stop_pid $PING"
	sleep 1

	printf '# a comment changes nothing\n' >>"$CONFDIR/$CONN.conf"
	reload
	check_eq "reload of an unchanged config: exit 0" 0 "$RELOAD_RC"
	check_match "reload reports the conn count" "reloaded .*: 1 conn" "$RELOAD_OUT"

	write_second
	reload
	check_eq "reload adding a conn: exit 0" 0 "$RELOAD_RC"
	check_match "reload says the new conn was added" '"second": added' "$RELOAD_OUT"
	wait_for "$SAFETY" nsx aws ip link show vti2 && pass "vti2 of the new conn exists" ||
		fail "vti2 of the new conn exists" "ip link show vti2 failed for $SAFETY s (SAFETY)"
	check_match "vti2 has its route" "10.200.0.0/16" "$(nsx aws ip route show dev vti2 2>&1)"

	printf '    mark=banana\n' >>"$CONFDIR/second.conf"
	reload
	check_eq "reload of a broken config: exit 1" 1 "$RELOAD_RC"
	check_match "the refusal gives file:line and the reason" \
		"second.conf:[0-9]+: .*mark=banana" "$RELOAD_OUT"
	check_match "the refusal says nothing changed" "running configuration is unchanged" "$RELOAD_OUT"
	check "vti2 still there after the refused reload" nsx aws ip link show vti2

	rm -f "$CONFDIR/second.conf" "$CONFDIR/second.secrets"
	reload
	check_eq "reload removing a conn: exit 0" 0 "$RELOAD_RC"
	check_match "reload says the conn was removed" '"second": removed' "$RELOAD_OUT"
	wait_for "$SAFETY" sh -c "! ip -n $(ns_of aws) link show vti2" && pass "vti2 is gone" ||
		fail "vti2 is gone" "it is still there after $SAFETY s (SAFETY)"

	wait "$PING"
	loss=$(sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$ping_log")
	check_eq "no packet lost across four reloads (ping: $(grep -o '[0-9]* received' "$ping_log"))" 0 "${loss:-none}"
	sa1=$(mcvpn_field aws sa)
	in1=$(mcvpn_field aws inBytes)
	check_eq "the unchanged conn kept its Child SA" "$sa0" "$sa1"
	check_gt "its counters carried on (inBytes $in0 -> $in1)" "$in1" "$in0"
}

test_changed() {
	section "a changed conn restarts"
	mcvpn_conf_set aws routes=10.105.0.0/16,10.106.0.0/16,10.107.0.0/16
	reload
	check_eq "reload of a changed conn: exit 0" 0 "$RELOAD_RC"
	check_match "reload says it restarts" '"oracle-tunnel-1": changed: restarting' "$RELOAD_OUT"
	wait_for "$SAFETY" mcvpn_both_up && pass "tunnel back after the restart" ||
		fail "tunnel back after the restart" "no Child SA after $SAFETY s (SAFETY)"
	check_match "the new route is installed" "10.107.0.0/16" "$(nsx aws ip route show dev vti1)"
	wait_for "$SAFETY" nsx aws ping -c 1 -W 1 192.168.2.2 && pass "ping after the restart" ||
		fail "ping after the restart" "no reply for $SAFETY s (SAFETY)"
}

# draining SIDE: the conn's rekeyed_sas_draining from status --json.
draining() { mcvpn_json "$1" 'c["rekeyed_sas_draining"]'; }

# oci_drains SA0: oci has a Child SA other than SA0 and one SA draining.
oci_drains() { [ "$(mcvpn_field oci sa)" != "$1" ] && [ "$(draining oci)" = 1 ]; }
aws_drains() { [ "$(draining aws)" = 1 ]; }
none_draining() { [ "$(draining oci)" = 0 ] && [ "$(draining aws)" = 0 ]; }

test_drain() {
	local sa0 sa1 in0 in1
	section "a rekeyed inbound SA drains for 5 s"
	sa0=$(mcvpn_field oci sa)
	in0=$(mcvpn_field oci inBytes)
	mcvpnctl aws rekey oracle-tunnel-1 child >/dev/null
	check_eq "mcvpnctl rekey child: exit 0" 0 $?
	wait_for "$SAFETY" oci_drains "$sa0" &&
		pass "oci: new Child SA, the old inbound SA still accepts late packets" ||
		fail "oci: new Child SA, the old inbound SA still accepts late packets" \
			"SA $sa0 -> $(mcvpn_field oci sa), draining $(draining oci)"
	# aws drains once the answer to its DELETE is in: may come after oci's
	wait_for "$SAFETY" aws_drains
	check_eq "aws: its old inbound SA drains too" 1 "$(draining aws)"
	nsx aws ping -c 3 -i 0.2 -W "$ECHO_WAIT" 192.168.2.2 >/dev/null
	check_eq "ping on the new Child SA" 0 $?
	wait_for "$SAFETY" none_draining &&
		pass "both drained SAs gone after 5 s" ||
		fail "both drained SAs gone after 5 s" "aws $(draining aws), oci $(draining oci) after $SAFETY s (SAFETY)"
	in1=$(mcvpn_field oci inBytes)
	check_gt "oci's counters carried on over the rekey (inBytes $in0 -> $in1)" "$in1" "$in0"
}

test_json() {
	local out
	section "JSON outputs"
	nsx aws ping -c 3 -i 0.2 -W 1 192.168.2.2 >/dev/null
	out=$(mcvpnctl aws status --json)
	check_eq "status --json: exit 0" 0 $?
	printf '%s' "$out" >"$WORK/status.json"
	mcvpnctl aws trafficstatus --json >"$WORK/traffic.json"
	mcvpnctl aws trafficstatus >"$WORK/traffic.txt"
	python3 - "$WORK/status.json" "$WORK/traffic.json" "$WORK/traffic.txt" <<'PY'
import json, re, sys
ok = fail = 0
def check(what, cond):
    global ok, fail
    print(("  ok   " if cond else "  FAIL ") + what)
    ok, fail = (ok + 1, fail) if cond else (ok, fail + 1)
def typed(obj, schema, path):
    """schema: dict of key -> type or nested dict; every key required"""
    for key, t in schema.items():
        if key not in obj:
            check("%s.%s present" % (path, key), False)
            continue
        if isinstance(t, dict):
            typed(obj[key], t, path + "." + key)
        else:
            check("%s.%s is %s" % (path, key, t.__name__ if isinstance(t, type) else t),
                  isinstance(obj[key], t) and not (t is int and isinstance(obj[key], bool)))
status = json.load(open(sys.argv[1]))
traffic = json.load(open(sys.argv[2]))
text = open(sys.argv[3]).read()
typed(status, {"version": int, "daemon": {"uptime": int, "keepalives_rx": int,
      "drops": {"unknown_spi": int, "malformed": int, "no_sa": int},
      "offloads": {"tso_split": int, "gso_sent": int, "gro_received": int, "gro_written": int},
      "ike_halfopen": int, "cookies_sent": int, "halfopen_refused": int},
      "conns": list}, "status")
check("status.version is 1", status.get("version") == 1)
conns = status.get("conns", [])
check("one conn in status", len(conns) == 1)
counters = {"in_bytes": int, "out_bytes": int, "in_packets": int, "out_packets": int,
            "drops": {"replay": int, "integrity": int, "selector": int, "other": int}}
for c in conns:
    typed(c, {"name": str, "state": str, "auto": str, "left": str, "right": str, "leftid": str,
              "rightid": str, "interface": {"name": str, "present": bool, "routes": list},
              "counters": counters, "rekeyed_sas_draining": int, "last_error": str,
              "retries": int, "next_retry_in": int,
              "last_rekey": int, "next_child_rekey_in": int, "next_ike_rekey_in": int,
              "dpd": {"delay": int, "timeout": int, "state": str, "peer_silent_for": int},
              "ike_sas": list}, "conn")
    check("conn.probe is null without probe=", "probe" in c and c["probe"] is None)
    check("conn state is up", c.get("state") == "up")
    check("conn state is one of the documented", c.get("state") in ("up", "connecting", "down", "ignored"))
    for sa in c.get("ike_sas", []):
        typed(sa, {"serial": int, "state": str, "role": str, "established": int, "local": str,
                   "remote": str, "algorithms": str, "spi_i": str, "spi_r": str, "nat_t": bool,
                   "child_sas": list}, "ike_sa")
        check("ike_sa spi_i is 16 hex digits", re.fullmatch(r"[0-9a-f]{16}", sa.get("spi_i", "")) is not None)
        for ch in sa.get("child_sas", []):
            typed(ch, {"serial": int, "spi_in": str, "spi_out": str, "algorithms": str,
                       "esn": bool, "add_time": int, "local_ts": str, "remote_ts": str,
                       "carrying_traffic": bool}, "child_sa")
typed(traffic, {"version": int, "sas": list}, "trafficstatus")
sas = traffic.get("sas", [])
check("trafficstatus --json has one SA", len(sas) == 1)
for s in sas:
    typed(s, {"serial": int, "conn": str, "type": str, "add_time": int, "in_bytes": int,
              "out_bytes": int, "in_packets": int, "out_packets": int, "id": str}, "sa")
    m = re.search(r"#(\d+): \"([^\"]+)\", type=ESP, add_time=(\d+), inBytes=(\d+), outBytes=(\d+)", text)
    check("trafficstatus text and JSON agree on the SA",
          m is not None and int(m.group(1)) == s["serial"] and m.group(2) == s["conn"]
          and int(m.group(3)) == s["add_time"])
    check("JSON byte counters are at least the earlier text ones",
          m is not None and s["in_bytes"] >= int(m.group(4)) - 10**6)
print("JSON schema: %d checks ok, %d wrong" % (ok, fail))
sys.exit(1 if fail else 0)
PY
	check_eq "the JSON schema checks passed" 0 $?
	mcvpnctl aws status --xml >/dev/null 2>&1
	check_eq "status --xml is refused with exit 1" 1 $?
}

# Every command that --help lists as the daemon's is one the daemon knows
# (the client's catalog and the daemon's handlers agree); then the bash
# completion, against this daemon.
test_cli() {
	local help cmds cmd args out n=0
	section "the CLI: --help, the daemon's commands, bash completion"
	help=$("$MCVPNCTL" --help)
	cmds=$(printf '%s\n' "$help" | awk '/^Commands/ { on = 1; next } /^$/ { on = 0 }
		on && /^  [a-z]/ { print $1 }')
	for cmd in $cmds; do
		args=()
		printf '%s\n' "$help" | grep -Eq "^  $cmd NAME" && args=("$CONN")
		printf '%s\n' "$help" | grep -Eq "^  $cmd on\|off" && args=(off)
		out=$(mcvpnctl aws "$cmd" "${args[@]}" 2>&1)
		if printf '%s' "$out" | grep -q 'unknown command'; then
			fail "mcvpnd answers '$cmd' (mcvpnctl --help lists it)" "$out"
		else
			n=$((n + 1))
		fi
	done
	check_gt "mcvpnd knows every daemon command of --help (at least 8)" "$n" 7
	check_eq "mcvpnctl conns lists the conn" "$CONN" "$(mcvpnctl aws conns)"
	mcvpnctl aws nosuchcommand >/dev/null 2>&1
	check_eq "an unknown command: exit 2" 2 $?
	"$MCVPNCTL" --socket /nonexistent/mcvpnd.sock up >/dev/null 2>&1
	check_eq "up without a name: exit 2 with no daemon" 2 $?

	local comp=$REPO/packaging/bash-completion/mcvpnctl
	check "the completion script parses (bash -n)" bash -n "$comp"
	# complete "mcvpnctl --socket SOCK re" and "mcvpnctl --socket SOCK up "
	out=$(nsx aws bash -c '
		. "$1"
		COMP_WORDS=("$2" --socket "$3" re); COMP_CWORD=3; _mcvpnctl
		echo "cmds: ${COMPREPLY[*]}"
		COMP_WORDS=("$2" --socket "$3" up ""); COMP_CWORD=4; _mcvpnctl
		echo "conns: ${COMPREPLY[*]}"
		COMP_WORDS=("$2" --socket "$3" rekey "$4" ""); COMP_CWORD=5; _mcvpnctl
		echo "rekey: ${COMPREPLY[*]}"
		COMP_WORDS=("$2" --socket "$3" debug ""); COMP_CWORD=4; _mcvpnctl
		echo "debug: ${COMPREPLY[*]}"
		COMP_WORDS=("$2" --socket "$3" debug on ""); COMP_CWORD=5; _mcvpnctl
		echo "debug on: ${COMPREPLY[*]}"' _ "$comp" "$MCVPNCTL" "$(mcvpn_sock aws)" "$CONN" 2>&1)
	check_match "completes 're' to rekey and reload" '^cmds: rekey reload$' "$out"
	check_match "completes a conn name from the running daemon" "^conns: $CONN\$" "$out"
	check_match "completes rekey's child|ike" '^rekey: child ike$' "$out"
	check_match "completes debug's on|off" '^debug: on off$' "$out"
	check_match "then a conn name" "^debug on: $CONN\$" "$out"
}

topo_up
mcvpn_write_config aws start
mcvpn_write_config oci start
CONFDIR="$(mcvpn_dir aws)/conf"
mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs"
if wait_for "$SAFETY" mcvpn_both_up; then
	pass "tunnel up"
	# the reload test compares Child SA serials: the start must have settled
	mcvpn_check_one_pair "one IKE SA and one Child SA per side once the start settled"
	test_reload
	test_json
	test_drain
	test_changed
	test_cli
else
	fail "tunnel up" "no Child SA within $SAFETY s (SAFETY)"
	mcvpn_dump_logs
fi
summary
