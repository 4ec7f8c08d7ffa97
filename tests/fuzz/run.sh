#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets (build-fuzz, clang, -Dfuzz=true) and run each
# one for N seconds (default 20) on a scratch copy of its seed corpus, so the
# committed corpus stays as it is; fuzz_ike_engine gets a PKI made by
# tests/unit/crypto/mkcerts.sh (MCVPN_FUZZ_PKI).  Exits non-zero if any target crashed,
# leaked, hit undefined behaviour or broke one of its checks; the input that
# did it is kept in build-fuzz/fuzz-artifacts/<target>/.
#
#   tests/fuzz/run.sh [SECONDS]
#
# Reproduce a crash:  build-fuzz/tests/fuzz/<target> <artifact file>
set -u

seconds=${1:-20}
case $seconds in
	'' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$src/build-fuzz
corpus=$src/tests/fuzz/corpus
targets="fuzz_ike_msg fuzz_ike_sk fuzz_esp fuzz_conf fuzz_ctl fuzz_dp_offload fuzz_import fuzz_mss fuzz_probe_echo fuzz_ike_engine"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup -Dfuzz=true "$build" "$src" || exit 1
else
	meson configure "$build" -Dfuzz=true || exit 1
fi
ninja -C "$build" $(for t in $targets; do printf 'tests/fuzz/%s ' "$t"; done) || exit 1

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# fuzz_ike_engine's certificates (CFG_CERTS): one PKI per run, read by the
# target once at start (without openssl(1) those inputs use the PSK)
if command -v openssl >/dev/null && mkdir "$scratch/pki" &&
	"$src/tests/unit/crypto/mkcerts.sh" "$scratch/pki"; then
	export MCVPN_FUZZ_PKI=$scratch/pki
else
	echo "== no PKI (openssl(1) missing or mkcerts.sh failed): certificate inputs use the PSK"
fi
failed=""
for t in $targets; do
	work=$scratch/$t
	artifacts=$build/fuzz-artifacts/$t
	mkdir -p "$work" "$artifacts"
	cp "$corpus/$t"/* "$work"/ 2>/dev/null
	echo "== $t: ${seconds}s"
	if ! "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-max_len=16384 -print_final_stats=1 -artifact_prefix="$artifacts/" \
		"$work" > "$scratch/$t.log" 2>&1; then
		failed="$failed $t"
		tail -n 60 "$scratch/$t.log"
		echo "== $t FAILED; inputs in $artifacts"
	else
		grep -E '^stat::(number_of_executed_units|new_units_added)|cov: ' "$scratch/$t.log" | tail -n 3
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed"
	exit 1
fi
echo "fuzz: all targets ran ${seconds}s without a finding"
