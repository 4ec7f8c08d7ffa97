#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mcvpnd as a systemd service, without systemd: the unit file passes
# `systemd-analyze verify` and scores EXPOSURE_MAX (1.8) or lower in
# `systemd-analyze security` (2.2 before it ran as User=mcvpn); the daemon
# speaks the notify protocol (READY=1, a STATUS= that follows the tunnel,
# WATCHDOG=1 from the loop, RELOADING=1 on SIGHUP) to a NOTIFY_SOCKET this
# test listens on; and it works as the unit runs it: as the user mcvpn
# (made if missing, see mcvpn_user_ensure), with only the two capabilities
# the unit grants (CAP_NET_ADMIN, CAP_NET_BIND_SERVICE) and no_new_privs.
#
#   mcv-aws-PID (mcvpnd as mcvpn under      mcv-inet-PID      mcv-oci-PID
#   setpriv, NOTIFY_SOCKET=$WORK/notify.sock)  1:1 NAT  ----  (mcvpnd)
#
# Every wait is for an event (a line in the notify log), bounded by SAFETY
# (common.sh); the listeners run until the test stops them.
#
# Usage: sudo tests/netns/test_service.sh   (after a build).  Ends with
# "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015
. "$(dirname "$0")/../lib/netns_test.sh"

UNIT_IN="$REPO/packaging/mcvpnd.service"
REAL_MCVPND=$MCVPND
# systemd-analyze security's "Overall exposure level" the unit may not go
# above (systemd 252): lower it when the unit gets tighter.
EXPOSURE_MAX=1.8

# ------------------------------------------------------------- the unit file

test_unit() {
	local unit="$WORK/mcvpnd.service" out score
	section "unit file"
	sed "s|@sbindir@/mcvpnd|$REAL_MCVPND|" "$UNIT_IN" >"$unit"
	if ! command -v systemd-analyze >/dev/null; then
		fail "systemd-analyze is installed" "not found (apt-get install systemd)"
		return
	fi
	# Documentation= lines need installed man pages; judge only the unit's own lines.
	out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no "$unit" 2>&1)
	check_eq "systemd-analyze verify: no complaints" "" "$out"
	out=$(systemd-analyze security --offline=true "$unit" 2>&1)
	score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -n "$score" ] && awk -v s="$score" -v m="$EXPOSURE_MAX" 'BEGIN { exit !(s <= m) }'; then
		pass "systemd-analyze security: exposure $score <= $EXPOSURE_MAX"
	else
		fail "systemd-analyze security: exposure <= $EXPOSURE_MAX" "got '${score:-no score}'" \
			"$(printf '%s\n' "$out" | grep '✗')"
	fi
	check_match "unit: Type=notify" '^Type=notify$' "$(cat "$unit")"
	check_match "unit: WatchdogSec=" '^WatchdogSec=' "$(cat "$unit")"
	check_match "unit: ExecReload= sends SIGHUP" '^ExecReload=.*-HUP' "$(cat "$unit")"
	check_match "unit: only two capabilities" \
		'^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE$' "$(cat "$unit")"
	check_match "unit: runs as User=$MCVPN_USER" "^User=$MCVPN_USER\$" "$(cat "$unit")"
}

# ------------------------------------------------- notify listener and wrapper

NOTIFY_LOG=
NOTIFY_PID=

notify_listen() {
	NOTIFY_LOG="$WORK/notify.log"
	: >"$NOTIFY_LOG"
	timeout $((SAFETY * 10)) python3 -u - "$WORK/notify.sock" "$NOTIFY_LOG" <<'PY' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)    # the daemon runs as mcvpn, as systemd's socket allows
s.settimeout(1)
with open(sys.argv[2], "a") as log:
    while True:
        try:
            data = s.recv(4096).decode(errors="replace")
        except socket.timeout:
            continue
        for line in data.splitlines():
            log.write("%.3f %s\n" % (time.time(), line))
            log.flush()
PY
	NOTIFY_PID=$!
	at_exit "stop_pid $NOTIFY_PID"
	wait_for "$SAFETY" test -S "$WORK/notify.sock" || fail "notify listener up" "no socket"
}

# The daemon as the unit starts it: as mcvpn (User=, Group=), the two
# capabilities ambient and nothing else in the bounding set, no_new_privs,
# a watchdog of 2 s and our NOTIFY_SOCKET.
write_wrapper() {
	local w="$WORK/mcvpnd-service"
	cat >"$w" <<EOF
#!/bin/sh
exec env NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=2000000 \\
	setpriv --reuid=$MCVPN_USER --regid=$MCVPN_USER --init-groups \\
	--inh-caps=-all,+net_admin,+net_bind_service \\
	--ambient-caps=-all,+net_admin,+net_bind_service \\
	--bounding-set=-all,+net_admin,+net_bind_service --no-new-privs "$REAL_MCVPND" "\$@"
EOF
	chmod 755 "$w"
	MCVPND=$w
}

notified() { grep -q -- "$1" "$NOTIFY_LOG"; }
status_up() { grep -q 'STATUS=1 conn: oracle-tunnel-1 up' "$NOTIFY_LOG"; }
watchdogs() { [ "$(grep -c 'WATCHDOG=1' "$NOTIFY_LOG")" -ge "$1" ]; }

test_service_run() {
	local pid caps n
	section "mcvpnd with the unit's restrictions"
	mcvpn_user_ensure
	topo_up
	notify_listen
	write_wrapper
	mcvpn_write_config aws start
	mcvpn_write_config oci start
	# as the packages leave /etc/mcvpn.d: the user's (the socket's directory too)
	chown -R "$MCVPN_USER:$MCVPN_USER" "$(mcvpn_dir aws)"
	MCVPND=$REAL_MCVPND mcvpnd_start oci || fail "oci mcvpnd starts" "see its log"
	mcvpnd_start aws || fail "aws mcvpnd starts under setpriv" "see its log"
	pid=$(pgrep -f "mcvpnd --config-dir $(mcvpn_dir aws)/conf" | head -n 1)
	caps=$(awk '/^CapEff:/ { print $2 }' "/proc/${pid:-0}/status" 2>/dev/null)
	check_eq "aws mcvpnd runs with only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE" \
		0000000000001400 "${caps:-none}"
	check_eq "aws mcvpnd runs as $MCVPN_USER" "$MCVPN_UID" \
		"$(awk '/^Uid:/ { print $3 }' "/proc/${pid:-0}/status" 2>/dev/null)"
	check_eq "aws mcvpnd has no_new_privs" 1 \
		"$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/${pid:-0}/status" 2>/dev/null)"
	if wait_for "$SAFETY" mcvpn_both_up; then
		pass "tunnel up with the restricted daemon"
	else
		fail "tunnel up with the restricted daemon" "aws log: $(tail -n 5 "$(mcvpn_log aws)")"
	fi
	check "ping across the tunnel" nsx aws ping -c 2 -W "$ECHO_WAIT" 192.168.2.2

	wait_for "$SAFETY" notified 'READY=1' && pass "READY=1 sent" ||
		fail "READY=1 sent" "notify log: $(cat "$NOTIFY_LOG")"
	wait_for "$SAFETY" status_up && pass "STATUS= says the conn is up" ||
		fail "STATUS= says the conn is up" "notify log: $(grep STATUS "$NOTIFY_LOG" | tail -n 3)"
	# the pings come from the loop's timer: wait for three (how often they
	# come depends on the machine's load; printed, not asserted)
	wait_for "$SAFETY" watchdogs 3
	n=$(grep -c 'WATCHDOG=1' "$NOTIFY_LOG")
	check_gt "WATCHDOG=1 sent again and again with WATCHDOG_USEC=2s (seen $n)" "$n" 2
	info "WATCHDOG=1 intervals (s): $(awk '/WATCHDOG=1/ { if (t) printf "%.2f ", $1 - t; t = $1 }' "$NOTIFY_LOG")"

	kill -HUP "$pid"
	wait_for "$SAFETY" notified 'RELOADING=1' && pass "SIGHUP: RELOADING=1 sent" ||
		fail "SIGHUP: RELOADING=1 sent" "notify log: $(tail -n 5 "$NOTIFY_LOG")"
	check "tunnel still up after the reload" nsx aws ping -c 2 -W "$ECHO_WAIT" 192.168.2.2

	mcvpnd_stop aws
	check_eq "SIGTERM: exit status 0" 0 "$STOP_RC"
	wait_for "$SAFETY" notified 'STOPPING=1' && pass "STOPPING=1 sent" ||
		fail "STOPPING=1 sent" "notify log: $(tail -n 3 "$NOTIFY_LOG")"
}

# ------------------------------------------------------------ the journal

# Without --foreground, mcvpnd logs to the journal's native socket.  A private
# mount namespace puts our own listener at /run/systemd/journal/socket.
test_journal() {
	local jdir="$WORK/journal" jlog="$WORK/journal.log" ns pid psk
	section "journal fields"
	mkdir -p "$jdir" /run/systemd/journal
	: >"$jlog"
	timeout $((SAFETY * 10)) python3 -u - "$jdir/socket" "$jlog" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1)
with open(sys.argv[2], "a") as log:
    while True:
        try:
            data = s.recv(65536).decode(errors="replace")
        except socket.timeout:
            continue
        log.write(data.replace("\n", "|") + "\n")
        log.flush()
PY
	at_exit "stop_pid $!"
	wait_for "$SAFETY" test -S "$jdir/socket" || fail "journal listener up" "no socket"
	ns=$(ns_of aws)
	ip netns exec "$ns" sh -c "mount --bind '$jdir' /run/systemd/journal && exec '$REAL_MCVPND' \
		--config-dir '$(mcvpn_dir aws)/conf' --socket '$WORK/journal-aws.sock'" \
		</dev/null >"$WORK/journal-stderr.log" 2>&1 &
	pid=$!
	at_exit "stop_pid $pid"
	wait_for "$SAFETY" grep -q 'IKE SA established' "$jlog" &&
		pass "the IKE SA's messages reach the journal" ||
		fail "the IKE SA's messages reach the journal" "got: $(head -c 600 "$jlog")"
	check_match "journal: messages carry PRIORITY=" '^MESSAGE=.*\|PRIORITY=[0-7]\|' "$(cat "$jlog")"
	check_match "journal: MCVPN_CONN= names the conn" 'MCVPN_CONN=oracle-tunnel-1' "$(cat "$jlog")"
	check_match "journal: MCVPN_PEER= is the peer's ID" 'MCVPN_PEER=203\.0\.113\.20' "$(cat "$jlog")"
	check_match "journal: MCVPN_SA= is the SA serial" 'MCVPN_SA=[1-9]' "$(cat "$jlog")"
	check_eq "journal mode writes nothing to stderr" "" "$(cat "$WORK/journal-stderr.log")"
	psk=$(sed -n 's/.*PSK "\(.*\)".*/\1/p' "$(mcvpn_dir aws)/conf/$CONN.secrets")
	check_eq "the PSK never appears in the journal" 0 "$(grep -cF -- "$psk" "$jlog")"
	stop_pid "$pid"
}

test_unit
test_service_run
test_journal
summary
