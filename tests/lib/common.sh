# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2015  # "A && B || die" is meant
# Shared helpers for the mcvpn test scripts: messages, bounded waiting,
# cleanup on exit, and pass/fail counting.  Source it; it defines functions and
# a few variables, and runs nothing on its own.
#
#   . "$(dirname "$0")/../lib/common.sh"
#   need_root
#   cleanup_init                  # traps EXIT/INT/TERM, creates $WORK
#   at_exit 'echo bye'            # cleanup steps run last-in, first-out
#   check "vti1 exists" ip -n "$NS" link show vti1
#   summary                       # "N passed, N failed", returns non-zero on failure

# The repository root, from this file's place (tests/lib/common.sh).
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export REPO

PASS=0
FAIL=0

# ---------------------------------------------------------------- messages

say()     { printf '%s\n' "$*"; }
info()    { printf '  .. %s\n' "$*"; }
warn()    { printf '  !! %s\n' "$*" >&2; }
die()     { printf 'FATAL: %s\n' "$*" >&2; exit 1; }

section() {
	printf '\n==== %s ' "$*"
	printf '%*s\n' $((60 - ${#1} > 0 ? 60 - ${#1} : 0)) '' | tr ' ' '='
}

# Show a command, then run it with its output indented.  Returns its status.
show() {
	local rc
	printf '  $ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	return "$rc"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || die "run as root (e.g. sudo $0): the tests create network namespaces"
}

# ---------------------------------------------------------------- waiting

# No check may depend on the machine's speed: a test waits for an event (a
# state it polls, a log line, a file a helper writes), never for a fixed
# time, and it gives up only after SAFETY seconds, a bound that a working
# daemon on the slowest machine never reaches (an event the tests wait for
# takes well under a second on an idle machine, a few seconds under full
# load).  Reaching it means a hang, and the failure message says so.
SAFETY=${SAFETY:-120}
# ECHO_WAIT: how long a ping that must be answered waits for its echo (ping
# -W): a hang bound too (an echo through two daemons takes milliseconds).  A
# ping that must go unanswered keeps a short -W: slowness cannot fail it.
ECHO_WAIT=${ECHO_WAIT:-30}

# wait_for SECONDS CMD...: run CMD every 0.25 s until it succeeds or SECONDS
# have passed.  Returns 0 on success, 1 on timeout.
wait_for() {
	local limit=$1 end
	shift
	end=$(( $(date +%s%N) + limit * 1000000000 ))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.25
	done
}

# Milliseconds (monotonic enough for test timing: the wall clock in ms).
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# secs_since MS: seconds, to a tenth, since the now_ms value MS.
secs_since() {
	local d=$(( $(now_ms) - $1 ))
	printf '%d.%d' $((d / 1000)) $((d % 1000 / 100))
}

# sleep_until MS: sleep until the now_ms value MS (not at all if it is past).
sleep_until() {
	local d=$(( $1 - $(now_ms) ))
	[ "$d" -le 0 ] || sleep "$((d / 1000)).$(printf '%03d' $((d % 1000)))"
}

# ---------------------------------------------------------------- cleanup

# Cleanup steps, run last-in first-out by run_cleanup (once), each allowed to
# fail.  $WORK is a per-run temporary directory removed at the very end.
CLEANUP_STEPS=()
CLEANUP_DONE=0
WORK=

at_exit() { CLEANUP_STEPS+=("$1"); }

run_cleanup() {
	local i
	[ "$CLEANUP_DONE" -eq 0 ] || return 0
	CLEANUP_DONE=1
	set +e
	for ((i = ${#CLEANUP_STEPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_STEPS[$i]}" >/dev/null 2>&1
	done
	if [ -n "$WORK" ] && [ -d "$WORK" ] && [ -z "${KEEP_WORK:-}" ]; then
		rm -rf -- "$WORK"
	fi
}

cleanup_init() {
	trap run_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/mcvpn-test.XXXXXX") || die "mktemp failed"
	chmod 700 "$WORK"
}

# Stop a process we started: SIGTERM, up to 3 s, then SIGKILL.
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 30; i++)); do
		pid_alive "$pid" || break
		sleep 0.1
	done
	pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# True while pid runs (a zombie child counts as gone).
pid_alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*) return 1 ;; esac
	return 0
}

# netns_destroy NS...: kill whatever still runs in each namespace we made
# (by PID, from ip netns pids), then delete it; absent ones are skipped.
netns_destroy() {
	local ns pid
	for ns in "$@"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# ---------------------------------------------------------------- assertions

pass() { PASS=$((PASS + 1)); printf '  ok   %s\n' "$1"; }

# fail DESC [DETAIL...]: each DETAIL is printed on its own indented line.
fail() {
	local d=$1 l
	shift
	FAIL=$((FAIL + 1))
	printf '  FAIL %s\n' "$d"
	for l in "$@"; do printf '         %s\n' "$l"; done
}

# check DESC CMD...: passes when CMD exits 0; on failure shows its output.
check() {
	local d=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$d"
		return 0
	fi
	fail "$d" "command: $*" "expected: exit 0, got: exit $rc"
	printf '%s\n' "$out" | tail -n 15 | sed 's/^/         | /'
	return 1
}

# check_not DESC CMD...: passes when CMD fails.
check_not() {
	local d=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		pass "$d"
		return 0
	fi
	fail "$d" "command: $*" "expected: non-zero exit, got: exit 0"
	printf '%s\n' "$out" | tail -n 15 | sed 's/^/         | /'
	return 1
}

# check_rc_nonzero DESC RC: an exit status that must not be 0.
check_rc_nonzero() {
	if [ "$2" != 0 ]; then
		pass "$1"
		return 0
	fi
	fail "$1" "expected: a non-zero exit status, got: 0"
	return 1
}

# check_eq DESC EXPECTED GOT
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
		return 0
	fi
	fail "$1" "expected: $2" "got:      $3"
	return 1
}

# check_match DESC REGEX TEXT: TEXT (may be several lines) has a line matching
# the extended REGEX.  (A here-string, not printf | grep -q: under pipefail
# grep's early exit on a match could kill printf with SIGPIPE while it still
# writes a text of more than one buffer, and the match would count as none.)
check_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		pass "$1"
		return 0
	fi
	fail "$1" "expected a line matching: $2" "got:"
	printf '%s\n' "$3" | tail -n 15 | sed 's/^/         | /'
	return 1
}

# check_gt DESC A B: A > B, both integers.
check_gt() {
	if [[ $2 =~ ^[0-9]+$ && $3 =~ ^[0-9]+$ ]] && [ "$2" -gt "$3" ]; then
		pass "$1"
		return 0
	fi
	fail "$1" "expected: $2 > $3"
	return 1
}

# Print the closing line and return non-zero if anything failed.
summary() {
	printf '\n%d passed, %d failed\n' "$PASS" "$FAIL"
	[ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
}
