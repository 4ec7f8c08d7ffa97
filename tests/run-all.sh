#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run every mcvpn test: dependencies, build, unit tests (meson test: the unit
# and exchange tests), the same tests again in a second build with
# AddressSanitizer, LeakSanitizer and UBSan (unit-asan: any finding fails the
# test), a short libFuzzer run per fuzz target, the netns integration tests
# (the tunnel, then its life: rekeys, DPD, recovery) and the strongSwan and
# libreswan interop tests.  Each suite's output streams as it runs and is
# kept in build-logs/SUITE.log; the last line sums them up as "N passed, N
# failed, N skipped" (a suite that prints its own "N passed, N failed" adds
# those numbers, any other suite counts as one).  Exit status non-zero on any
# failure.  About 10 minutes (unit-asan about 1 of them, mostly its build).
#
# Usage: sudo tests/run-all.sh
# Environment: FUZZ_SECONDS (per fuzz target, default 20),
#              SKIP_ASAN=1, SKIP_FUZZ=1, SKIP_NETNS=1 (netns and lifecycle),
#              SKIP_INTEROP=1 to leave suites out,
#              BUILDDIR (default build), ASAN_BUILDDIR (default build-asan),
#              FUZZ_BUILDDIR (default build-fuzz).
# shellcheck source-path=SCRIPTDIR
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/common.sh"
. "$HERE/lib/build.sh"

need_root
cd "$REPO" || die "cannot cd to $REPO"

LOGDIR="$REPO/build-logs"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
BUILDDIR=${BUILDDIR:-build}
FUZZ_BUILDDIR=${FUZZ_BUILDDIR:-build-fuzz}
ASAN_BUILDDIR=${ASAN_BUILDDIR:-build-asan}
case $BUILDDIR in /*) BUILD_ABS=$BUILDDIR ;; *) BUILD_ABS=$REPO/$BUILDDIR ;; esac
export MCVPND="$BUILD_ABS/daemon/mcvpnd" MCVPNCTL="$BUILD_ABS/daemon/mcvpnctl"
mkdir -p "$LOGDIR" || die "cannot create $LOGDIR"

T_PASS=0
T_FAIL=0
T_SKIP=0
RESULTS=()

# record NAME RESULT-TEXT
record() { RESULTS+=("$(printf '  %-28s %s' "$1" "$2")"); }

# A suite that exits 77 was skipped; its last line says why.
skip_suite() {
	T_SKIP=$((T_SKIP + 1))
	record "$1" "skipped: $2"
	say "  (skipped: $2)"
}

fail_suite() {
	T_FAIL=$((T_FAIL + 1))
	record "$1" "FAILED: $2"
}

# run_suite NAME TIMEOUT CMD...: run CMD (no stdin, bounded by TIMEOUT
# seconds), stream and keep its output, add its counts to the totals.
run_suite() {
	local name=$1 limit=$2 log rc p f start secs line
	shift 2
	log="$LOGDIR/$name.log"
	section "$name"
	start=$(date +%s)
	timeout -k 30 "$limit" "$@" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	[ "$rc" -ne 124 ] || say "  (timed out after $limit s)"
	if [ "$rc" -eq 77 ]; then
		skip_suite "$name" "$(tail -n 1 "$log")"
		return 0
	fi

	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(printf '%s' "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/')
		f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		T_PASS=$((T_PASS + p))
		T_FAIL=$((T_FAIL + f))
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			T_FAIL=$((T_FAIL + 1))
			f="$f (+1: exit status $rc)"
		fi
		record "$name" "$p passed, $f failed, ${secs}s"
	elif [ "$rc" -eq 0 ]; then
		T_PASS=$((T_PASS + 1))
		record "$name" "ok, ${secs}s"
	else
		fail_suite "$name" "exit status $rc, ${secs}s, log $log"
	fi
	return "$rc"
}

# ------------------------------------------------------------ unit tests

# unit_tests [DIR [LABEL]]: meson test in DIR (default BUILDDIR); it prints
# "Ok: N", "Fail: N" ...; turn that into our closing line, "LABEL: ...".
unit_tests() {
	local dir=${1:-$BUILDDIR} label=${2:-unit} out rc ok bad skip
	out=$(meson test -C "$dir" --print-errorlogs 2>&1)
	rc=$?
	printf '%s\n' "$out"
	if printf '%s\n' "$out" | grep -q 'No tests defined'; then
		echo "no unit tests defined yet"
		return 77
	fi
	ok=$(printf '%s\n' "$out" | awk '/^Ok:/ { s += $2 } /^Expected Fail:/ { s += $3 } END { print s + 0 }')
	bad=$(printf '%s\n' "$out" | awk '/^Fail:/ { s += $2 } /^Unexpected Pass:/ { s += $3 } /^Timeout:/ { s += $2 } END { print s + 0 }')
	skip=$(printf '%s\n' "$out" | awk '/^Skipped:/ { s += $2 } END { print s + 0 }')
	printf '\n%s: %d passed, %d failed, %d skipped\n' "$label" "$ok" "$bad" "$skip"
	return "$rc"
}

# ------------------------------------------------------------ sanitizers

# Every test meson defines (unit and exchange; the root-only ones run as
# well), built with ASan (LeakSanitizer on) and UBSan, any finding fatal:
# UBSan does not recover (-fno-sanitize-recover), ASan halts on the first
# error, LSan fails the test on a leak at exit.  Only the test programs and
# the binaries they run are built (meson-test-prereq), not the benchmarks,
# and without optimization: the build is most of the time (-O0: 50 s on 2
# cores, tests 18 s; -O2: 85 s and 15 s), and reports keep every frame.
asan_tests() {
	build_setup "$ASAN_BUILDDIR" -Dbuildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fno-sanitize-recover=undefined \
		>"$LOGDIR/unit-asan-setup.log" 2>&1 || {
		tail -n 30 "$LOGDIR/unit-asan-setup.log"
		echo "unit-asan: meson setup $ASAN_BUILDDIR failed"
		return 1
	}
	ninja -C "$ASAN_BUILDDIR" meson-test-prereq || { echo "unit-asan: build failed"; return 1; }
	ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1 \
	UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=print_suppressions=0 \
		unit_tests "$ASAN_BUILDDIR" asan
}

# ------------------------------------------------------------ fuzzing

fuzz_targets() {
	meson introspect "$FUZZ_BUILDDIR" --targets | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["type"] == "executable" and "/tests/fuzz/" in t["defined_in"]:
        for f in t["filename"]:
            print(f)'
}

# The seed corpus of target NAME: tests/fuzz/corpus/NAME (the convention),
# or a few other places one might put it.
fuzz_seeds() {
	local n=$1 d
	for d in "tests/fuzz/corpus/$n" "tests/fuzz/corpus/${n#fuzz_}" "tests/fuzz/corpus/${n#fuzz-}" \
		"tests/fuzz/$n" "tests/fuzz/${n}_corpus" "tests/fuzz/${n#fuzz_}"; do
		if [ -d "$d" ]; then
			printf '%s' "$d"
			return
		fi
	done
}

# The fuzz targets' own runner (tests/fuzz/run.sh) when there is one, else a
# generic run of every libFuzzer executable the fuzz build defines.
fuzz_all() {
	if [ -x tests/fuzz/run.sh ] && [ "$FUZZ_BUILDDIR" = build-fuzz ]; then
		tests/fuzz/run.sh "$FUZZ_SECONDS"
		return
	fi
	fuzz_generic
}

fuzz_generic() {
	local bin name seeds work rc p=0 f=0
	CC=clang build_setup "$FUZZ_BUILDDIR" -Dfuzz=true >"$LOGDIR/fuzz-setup.log" 2>&1 || {
		tail -n 30 "$LOGDIR/fuzz-setup.log"
		echo "fuzz: meson setup $FUZZ_BUILDDIR failed"
		return 1
	}
	ninja -C "$FUZZ_BUILDDIR" || { echo "fuzz: build failed"; return 1; }
	# fuzz_ike_engine's certificates (tests/fuzz/run.sh does the same)
	local pki
	pki=$(mktemp -d) || return 1
	if tests/unit/crypto/mkcerts.sh "$pki" >/dev/null 2>&1; then
		export MCVPN_FUZZ_PKI=$pki
	fi
	for bin in $(fuzz_targets); do
		name=$(basename "$bin")
		# helpers built beside the targets (corpus generators) are no targets
		grep -q LLVMFuzzerTestOneInput "$bin" || continue
		seeds=$(fuzz_seeds "$name")
		work=$(mktemp -d) || return 1
		echo "-- $name for ${FUZZ_SECONDS}s, seeds: ${seeds:-none}"
		# The first corpus dir takes new inputs: a temporary one, so the
		# checked-in seeds stay as they are.
		timeout -k 10 $((FUZZ_SECONDS + 60)) "$bin" -max_total_time="$FUZZ_SECONDS" \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$LOGDIR/$name-" "$work" ${seeds:+"$seeds"} \
			>"$LOGDIR/fuzz-$name.log" 2>&1
		rc=$?
		rm -rf "$work"
		if [ "$rc" -eq 0 ]; then
			p=$((p + 1))
			echo "  ok   $name ($(grep -Eo 'stat::number_of_executed_units: *[0-9]+' \
				"$LOGDIR/fuzz-$name.log" | grep -Eo '[0-9]+$') runs)"
		else
			f=$((f + 1))
			echo "  FAIL $name: exit status $rc; last lines of $LOGDIR/fuzz-$name.log:"
			tail -n 40 "$LOGDIR/fuzz-$name.log" | sed 's/^/         | /'
		fi
	done
	rm -rf "$pki"
	unset MCVPN_FUZZ_PKI
	if [ $((p + f)) -eq 0 ]; then
		echo "the fuzz build defines no targets"
		return 77
	fi
	printf '\nfuzz: %d passed, %d failed\n' "$p" "$f"
	[ "$f" -eq 0 ]
}

fuzz_defined() {
	grep -v '^[[:space:]]*#' tests/fuzz/meson.build 2>/dev/null | grep -q 'executable('
}

# ------------------------------------------------------------ the run

# The run is one compound command, which bash reads whole before running it:
# editing this file while it runs (adding a suite) cannot break the run.
{
# The steps that are shell functions run through this script again, so that
# run_suite can bound them with timeout(1) like the others.
if [ "${1:-}" = --suite ]; then
	case ${2:-} in
	build) build_setup "$BUILDDIR" && ninja -C "$BUILDDIR" ;;
	unit) unit_tests ;;
	unit-asan) asan_tests ;;
	fuzz) fuzz_all ;;
	*) die "unknown suite '${2:-}'" ;;
	esac
	exit
fi

say "mcvpn run-all: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), kernel $(uname -r), logs in $LOGDIR"
START=$(date +%s)

run_suite deps 1200 tests/deps.sh

BUILD_OK=0
run_suite build 1200 "$0" --suite build && BUILD_OK=1

if [ "$BUILD_OK" = 1 ]; then
	run_suite unit 900 "$0" --suite unit
else
	section unit
	fail_suite unit "not run: the build failed"
fi

if [ -n "${SKIP_ASAN:-}" ]; then
	section unit-asan
	skip_suite unit-asan "SKIP_ASAN is set"
else
	# its own build (~50 s on 2 cores) and the tests (~20 s)
	run_suite unit-asan 1200 "$0" --suite unit-asan
fi

if [ -n "${SKIP_FUZZ:-}" ]; then
	section fuzz
	skip_suite fuzz "SKIP_FUZZ is set"
elif ! fuzz_defined; then
	section fuzz
	skip_suite fuzz "no fuzz targets in tests/fuzz/meson.build yet"
else
	run_suite fuzz 1800 "$0" --suite fuzz
fi

if [ -n "${SKIP_NETNS:-}" ]; then
	section netns
	skip_suite netns "SKIP_NETNS is set"
	section lifecycle
	skip_suite lifecycle "SKIP_NETNS is set"
else
	run_suite netns 600 tests/netns/test_tunnel.sh
	# the operators' libreswan files imported and brought up; left=%defaultroute
	run_suite import 300 tests/netns/test_import.sh
	# rekeys, collisions, a killed peer, a cut path, deleted routes: ~4 min
	run_suite lifecycle 600 tests/netns/test_lifecycle.sh
	# the unit file, sd_notify, the daemon with the unit's two capabilities
	run_suite service 300 tests/netns/test_service.sh
	# both daemons as the user mcvpn (--user, and setpriv as the unit does)
	run_suite unpriv 300 tests/netns/test_unpriv.sh
	run_suite verify 300 tests/netns/test_verify.sh
	# reload under a ping stream, JSON schema
	run_suite control 300 tests/netns/test_control.sh
	# updown= hooks on two daemons, debug logging switched per conn: ~10 s
	run_suite hooks 300 tests/netns/test_hooks.sh
	run_suite ipv6 300 tests/netns/test_ipv6.sh
	# a port-translating NAT that forgets its mapping; keepalives
	run_suite nat 300 tests/netns/test_nat.sh
	# proto mcvpn, someone else's routes kept, failover by metric: ~40 s
	run_suite routes 300 tests/netns/test_routes.sh
	# GET /metrics, mcvpnctl metrics, Prometheus scraping it: ~30 s
	run_suite metrics 300 tests/netns/test_metrics.sh
	# the in-tunnel probe: answered, a cut path, the peer stopped, IPv6: ~40 s
	run_suite probe 300 tests/netns/test_probe.sh
	# two daemons with certificates from files: RSA, a reload to ECDSA, an
	# expired certificate refused and replaced: ~10 s
	run_suite cert 300 tests/netns/test_cert.sh
	# FRR's bgpd on both VMs, routing=external: routes learnt, withdrawn
	# when the tunnel goes down four ways (BFD too), back with it: ~25 s
	run_suite frr 300 tests/netns/test_frr.sh
	# ~40 s; the bound is for a hang (a CPU busy with other work: ~5 min)
	run_suite bulk 600 tests/netns/test_bulk.sh
	run_suite packaging 600 tests/packaging/test_package.sh
fi

if [ -n "${SKIP_INTEROP:-}" ]; then
	section interop
	skip_suite interop "SKIP_INTEROP is set"
else
	# The strongSwan-on-both-sides self-check first: if it fails, the
	# machine (kernel, strongSwan, NAT) is at fault, not mcvpnd.
	PEER_BOTH_STRONGSWAN=1 run_suite interop-selfcheck 300 tests/interop/test_strongswan.sh
	run_suite interop 600 tests/interop/test_strongswan.sh
	# IKE fragmentation (RFC 7383) both ways, both roles, rekeys, GCM: ~15 s
	run_suite interop-frag 180 tests/interop/test_strongswan_frag.sh
	# certificates (a pki-made PKI): RSA PKCS#1/PSS, ECDSA P-256/P-384 by
	# RFC 7427 and RFC 4754, a pinned certificate, chains both ways in IKE
	# fragments, five refusals by their reasons: ~30 s
	run_suite interop-cert 180 tests/interop/test_strongswan_cert.sh
	# libreswan 4.10's pluto: IKE both ways, its Child SA refused by this
	# kernel (no ESP), mcvpnd's side of it; ~20 s
	run_suite interop-libreswan 180 tests/interop/test_libreswan.sh
	# libreswan 4.10 with certificates: the import and the NSS export it
	# prints, RSA-PSS both roles, refusals both ways, SHA2-384 only, ECDSA; ~15 s
	run_suite interop-libreswan-cert 180 tests/interop/test_libreswan_cert.sh
fi

section "Summary ($(( $(date +%s) - START )) s)"
printf '%s\n' "${RESULTS[@]}"
printf '\n%d passed, %d failed, %d skipped\n' "$T_PASS" "$T_FAIL" "$T_SKIP"
[ "$T_FAIL" -eq 0 ]
exit
}
