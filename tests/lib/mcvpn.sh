# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2015  # "A && B || die" is meant
# Running mcvpnd inside the test namespaces.  Needs common.sh and topo.sh.
#
# Per side ("aws" or "oci") everything lives in $RUNDIR/SIDE/ ($RUNDIR
# defaults to $WORK; a script with several cases sets one per case):
#   conf/      the config dir (oracle-tunnel-1.conf, .secrets mode 0600)
#   mcvpnd.sock  the control socket      mcvpnd.log  the daemon's stderr

# MCVPND, MCVPNCTL: the binaries; MCVPND_ARGS: extra options (e.g. --debug).
MCVPND=${MCVPND:-$REPO/build/daemon/mcvpnd}
MCVPNCTL=${MCVPNCTL:-$REPO/build/daemon/mcvpnctl}
CONN=oracle-tunnel-1

declare -A MCVPND_PID=()
MCVPND_REGISTERED=0
STOP_RC=
STOP_SECS=

mcvpn_need_bins() {
	local b
	for b in "$MCVPND" "$MCVPNCTL"; do
		[ -x "$b" ] || die "$b not found: build first (meson setup build && ninja -C build)"
	done
}

# The system user the unit runs mcvpnd as (packaging/sysusers/mcvpn.conf).
MCVPN_USER=mcvpn
MCVPN_UID=
MCVPN_GID=

# mcvpn_user_ensure: make MCVPN_USER (useradd --system) if it is missing,
# and remove it at exit, after the daemons (call it before the first
# mcvpnd_start: cleanup runs last-in, first-out); sets MCVPN_UID and
# MCVPN_GID.  $WORK becomes 0711, so that the user can reach the
# directories given to it there.
mcvpn_user_ensure() {
	if ! getent passwd "$MCVPN_USER" >/dev/null; then
		useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin \
			--user-group "$MCVPN_USER" || die "useradd $MCVPN_USER failed"
		at_exit "userdel $MCVPN_USER"
		info "created the system user $MCVPN_USER (removed at the end)"
	fi
	# shellcheck disable=SC2034  # for the calling script
	MCVPN_UID=$(id -u "$MCVPN_USER") MCVPN_GID=$(id -g "$MCVPN_USER")
	chmod 711 "$WORK" || die "chmod $WORK failed"
}

mcvpn_dir()  { printf '%s/%s' "${RUNDIR:-$WORK}" "$1"; }
mcvpn_sock() { printf '%s/mcvpnd.sock' "$(mcvpn_dir "$1")"; }
mcvpn_log()  { printf '%s/mcvpnd.log' "$(mcvpn_dir "$1")"; }

# mcvpn_write_config SIDE AUTO [DIR]: copy the example config of SIDE from
# tests/configs/SIDE with auto=AUTO ("start" or "add") to DIR (default: the
# config dir the daemon of SIDE is started with).
mcvpn_write_config() {
	local side=$1 auto=$2 dir=${3:-}
	[ -n "$dir" ] || dir="$(mcvpn_dir "$side")/conf"
	mkdir -p "$dir" && chmod 700 "$dir" || die "mkdir $dir failed"
	sed "s/^\([[:space:]]*auto=\).*/\1$auto/" "$REPO/tests/configs/$side/$CONN.conf" \
		>"$dir/$CONN.conf" || die "writing $dir/$CONN.conf failed"
	install -m 600 "$REPO/tests/configs/$side/$CONN.secrets" "$dir/$CONN.secrets" ||
		die "writing $dir/$CONN.secrets failed"
}

# mcvpn_conf_set SIDE KEY=VALUE...: set keys in SIDE's written config (after
# mcvpn_write_config): an existing KEY= line is replaced, a new one appended
# to the conn (the example files hold one conn, ending the file).
mcvpn_conf_set() {
	local side=$1 kv key f
	shift
	f="$(mcvpn_dir "$side")/conf/$CONN.conf"
	[ -f "$f" ] || die "mcvpn_conf_set: no $f (call mcvpn_write_config first)"
	for kv in "$@"; do
		key=${kv%%=*}
		if grep -q "^[[:space:]]*$key=" "$f"; then
			sed -i "s|^\([[:space:]]*\)$key=.*|\1$kv|" "$f"
		else
			printf '    %s\n' "$kv" >>"$f"
		fi
	done
}

mcvpnd_stop_all() {
	local side
	for side in "${!MCVPND_PID[@]}"; do
		stop_pid "${MCVPND_PID[$side]}"
		unset "MCVPND_PID[$side]"
	done
}

# mcvpnd_start SIDE: start the daemon in SIDE's namespace, in the foreground,
# its log in $WORK/SIDE/mcvpnd.log.
mcvpnd_start() {
	local side=$1 ns
	ns=$(ns_of "$side")
	if [ "$MCVPND_REGISTERED" -eq 0 ]; then
		at_exit mcvpnd_stop_all
		MCVPND_REGISTERED=1
	fi
	# shellcheck disable=SC2086  # MCVPND_ARGS is a list of words
	ip netns exec "$ns" "$MCVPND" --config-dir "$(mcvpn_dir "$side")/conf" \
		--socket "$(mcvpn_sock "$side")" --foreground ${MCVPND_ARGS:-} \
		</dev/null >>"$(mcvpn_log "$side")" 2>&1 &
	MCVPND_PID[$side]=$!
	# Give it a moment to fail on its own (bad config, missing TUN ...).
	sleep 0.3
	if ! pid_alive "${MCVPND_PID[$side]}"; then
		wait "${MCVPND_PID[$side]}"
		warn "mcvpnd ($side) exited at once with status $?; its log:"
		sed 's/^/    | /' "$(mcvpn_log "$side")" >&2
		unset "MCVPND_PID[$side]"
		return 1
	fi
	wait_for "$SAFETY" test -S "$(mcvpn_sock "$side")" ||
		warn "mcvpnd ($side): no control socket at $(mcvpn_sock "$side") after $SAFETY s (SAFETY): a hang"
	return 0
}

# mcvpnd_stop SIDE [TIMEOUT]: SIGTERM, then wait up to TIMEOUT (default
# SAFETY) s.  Sets STOP_RC (exit status, or "timeout") and STOP_SECS; kills
# it on timeout.
mcvpnd_stop() {
	local side=$1 limit=${2:-$SAFETY} pid start i
	pid=${MCVPND_PID[$side]:-}
	STOP_RC=none
	STOP_SECS=0
	[ -n "$pid" ] || return 1
	start=$(date +%s%N)
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < limit * 20; i++)); do
		pid_alive "$pid" || break
		sleep 0.05
	done
	STOP_SECS=$(( ($(date +%s%N) - start) / 1000000 ))
	STOP_SECS="$((STOP_SECS / 1000)).$(printf '%03d' $((STOP_SECS % 1000)))"
	if pid_alive "$pid"; then
		STOP_RC=timeout
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	else
		wait "$pid"
		STOP_RC=$?
	fi
	unset "MCVPND_PID[$side]"
	[ "$STOP_RC" = 0 ]
}

# mcvpnd_kill SIDE: SIGKILL, as a crash would (no DELETE, no cleanup).
mcvpnd_kill() {
	local side=$1 pid
	pid=${MCVPND_PID[$side]:-}
	[ -n "$pid" ] || return 1
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "MCVPND_PID[$side]"
	return 0
}

# mcvpnctl SIDE ARGS...: the control client against SIDE's daemon (a daemon
# that accepts but never answers must not hang the test: 30 s, a hang bound
# like SAFETY but shorter, as status is polled in loops bounded by SAFETY).
mcvpnctl() {
	local side=$1
	shift
	nsx "$side" timeout 30 "$MCVPNCTL" --socket "$(mcvpn_sock "$side")" "$@"
}

# The trafficstatus lines for our conn (one per established Child SA).
mcvpn_sa_lines() {
	mcvpnctl "$1" trafficstatus 2>/dev/null | grep -E "^#[0-9]+: \"$CONN\""
}

mcvpn_sa_count() {
	local n
	n=$(mcvpn_sa_lines "$1" | wc -l)
	printf '%s' "$n"
}

mcvpn_up() { [ "$(mcvpn_sa_count "$1")" -ge 1 ]; }

mcvpn_both_up() { mcvpn_up aws && mcvpn_up oci; }

# "Child SA #" and "IKE SA #" lines of mcvpnctl status: every SA the daemon
# holds, not only the ones trafficstatus shows.
mcvpn_status_children() { mcvpnctl "$1" status 2>/dev/null | grep -c '^ *Child SA #'; }
mcvpn_status_ikes()     { mcvpnctl "$1" status 2>/dev/null | grep -c '^ *IKE SA #'; }

# mcvpn_one_pair: exactly one Child SA in trafficstatus and in status, and
# one IKE SA, on each side: nothing half done (a simultaneous start's
# duplicate SAs deleted, a rekey over).
mcvpn_one_pair() {
	local s
	for s in aws oci; do
		[ "$(mcvpn_sa_count "$s")" -eq 1 ] && [ "$(mcvpn_status_children "$s")" -eq 1 ] &&
			[ "$(mcvpn_status_ikes "$s")" -eq 1 ] || return 1
	done
}

# mcvpn_check_one_pair DESC: wait for mcvpn_one_pair (up to SAFETY), then
# report, with both sides' SAs on failure.
mcvpn_check_one_pair() {
	local s details=()
	if wait_for "$SAFETY" mcvpn_one_pair; then
		pass "$1"
		return 0
	fi
	for s in aws oci; do
		details+=("$s: trafficstatus lines $(mcvpn_sa_count "$s"), status Child SAs $(mcvpn_status_children "$s"), IKE SAs $(mcvpn_status_ikes "$s")")
	done
	fail "$1" "expected: 1 trafficstatus line, 1 Child SA, 1 IKE SA on each side" \
		"(not so after $SAFETY s, SAFETY)" "${details[@]}"
	for s in aws oci; do
		mcvpnctl "$s" status 2>&1 | sed "s/^/         | $s: /"
	done
	return 1
}

# mcvpn_field SIDE FIELD: a field of the first trafficstatus line
# (inBytes, outBytes, add_time, id) or "sa" for its "#N" serial.
mcvpn_field() {
	local line
	line=$(mcvpn_sa_lines "$1" | head -n 1)
	case $2 in
	sa) printf '%s' "${line%%:*}" ;;
	id) printf '%s' "$line" | sed -n "s/.* id='\([^']*\)'.*/\1/p" ;;
	*) printf '%s' "$line" | sed -n "s/.*[ ,]$2=\([^,]*\).*/\1/p" ;;
	esac
}

# mcvpn_json SIDE EXPR: a Python expression over c (the first conn of
# status --json) and d (the whole answer), printed (a tuple as its items
# joined by "|").
mcvpn_json() {
	mcvpnctl "$1" status --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = d["conns"][0]
v = eval(sys.argv[1])
print("|".join(map(str, v)) if isinstance(v, tuple) else v)' "$2" 2>/dev/null
}

# mcvpn_drops SIDE NAME: the first conn's drop counter NAME (status --json
# counters.drops: replay, auth, selector, selector_out, ...).
mcvpn_drops() { mcvpn_json "$1" "c[\"counters\"][\"drops\"][\"$2\"]"; }

# Show the last lines of both daemons' logs (on failure).
mcvpn_dump_logs() {
	local side f
	for side in aws oci; do
		f=$(mcvpn_log "$side")
		[ -s "$f" ] || continue
		printf '  --- last 40 lines of mcvpnd (%s) log %s\n' "$side" "$f"
		tail -n 40 "$f" | sed 's/^/    | /'
	done
}

# mcvpn_log_mark SIDE: the number of lines in SIDE's log now, for
# mcvpn_log_since.
mcvpn_log_mark() {
	local n
	n=$(wc -l <"$(mcvpn_log "$1")" 2>/dev/null) || n=0
	printf '%s' "${n:-0}"
}

# mcvpn_log_since SIDE MARK: the lines of SIDE's log after line MARK.
mcvpn_log_since() {
	tail -n +"$(($2 + 1))" "$(mcvpn_log "$1")" 2>/dev/null
}

# mcvpn_log_count SIDE MARK REGEX: lines of SIDE's log after MARK matching
# the extended REGEX.
mcvpn_log_count() {
	local n
	n=$(mcvpn_log_since "$1" "$2" | grep -cE -- "$3")
	printf '%s' "${n:-0}"
}

# mcvpn_rekey_roles SIDE MARK: "CI CR II IR", the Child SA and IKE SA rekeys
# in SIDE's log after MARK that it initiated (I) and that it answered (R).  A
# rekey it initiated is a "rekeying ..." line followed by its success; a
# success with none of ours pending is the peer's.
mcvpn_rekey_roles() {
	mcvpn_log_since "$1" "$2" | awk '
		/rekeying Child SA #/                   { cp = 1 }
		/peer refused the Child SA rekey|unusable Child SA rekey answer/ { cp = 0 }
		/established by rekey/                  { if (cp) { ci++; cp = 0 } else cr++ }
		/rekeying the IKE SA \(/ && !/\(ikelifetime\)/ { ip = 1 }
		/peer refused the IKE SA rekey|unusable IKE SA rekey answer/ { ip = 0 }
		/IKE SA #[0-9]+ rekeyed into/           { if (ip) { ii++; ip = 0 } else ir++ }
		END { printf "%d %d %d %d\n", ci, cr, ii, ir }'
}
