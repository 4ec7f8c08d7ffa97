#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Soak test (not in the default CI run): the seed pair in the test topology
# (tests/lib/topo.sh: two namespaces behind the clouds' 1:1 NAT) with
# lifetimes of seconds, so that both daemons also rekey on their own, and
# SOAK_REKEYS (default 1000) rekeys forced one after the other with
# mcvpnctl rekey (Child SA and IKE SA, from both sides in turn), under a
# ping stream both ways.  After the first SOAK_WARMUP (50) rekeys and at
# the end, each daemon's RSS, open fds and SA counts are taken; the end may
# be no higher than after the warm-up (RSS within SOAK_RSS_SLACK_KB, 512,
# for allocator noise), the tunnel must be one IKE SA and one Child SA per
# side, and the pings lost are reported.  Bounded: every rekey waits at
# most 20 s for its completion, the whole run at most SOAK_MAX_S (1800) s.
#
# Usage: sudo tests/soak/soak.sh   (after a build; MCVPND=, MCVPNCTL=)
# Prints the figures and ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
. "$HERE/../lib/topo.sh"
. "$HERE/../lib/mcvpn.sh"

REKEYS=${SOAK_REKEYS:-1000}
WARMUP=${SOAK_WARMUP:-50}
MAX_S=${SOAK_MAX_S:-1800}
RSS_SLACK=${SOAK_RSS_SLACK_KB:-512}

need_root
mcvpn_need_bins
cleanup_init

# figures SIDE: "RSS_KB FDS IKE_SAS CHILD_SAS DRAINING"
figures() {
	local pid=${MCVPND_PID[$1]} rss fds sas
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
	sas=$(mcvpn_json "$1" '(len(c["ike_sas"]), sum(len(s["child_sas"]) for s in c["ike_sas"]), c["rekeyed_sas_draining"])')
	printf '%s %s %s' "$rss" "$fds" "${sas//|/ }"
}

# settled: one IKE SA with one Child SA on both sides (rekeyed inbound SAs
# may still drain, 5 s); quiet: nothing draining either.
settled_side() { [ "$(figures "$1" | cut -d' ' -f3-4)" = "1 1" ]; }
settled() { settled_side aws && settled_side oci; }
quiet_side() { [ "$(figures "$1" | cut -d' ' -f3-)" = "1 1 0" ]; }
quiet() { quiet_side aws && quiet_side oci; }

# rekey_once N: the N-th forced rekey (side and kind by N), done when the
# side's Child SA serial (child) or IKE SA serial (ike) changed and both
# sides have settled.
rekey_once() {
	local n=$1 side what before field
	side=$([ $((n % 2)) -eq 0 ] && echo aws || echo oci)
	what=$([ $((n / 2 % 2)) -eq 0 ] && echo child || echo ike)
	field=$([ "$what" = child ] && echo 'c["ike_sas"][0]["child_sas"][0]["serial"]' ||
		echo 'c["ike_sas"][0]["serial"]')
	before=$(mcvpn_json "$side" "$field")
	if ! out=$(mcvpnctl "$side" rekey "$CONN" "$what" 2>&1); then
		warn "rekey $n ($side $what): $out"
		return 1
	fi
	changed() { local now; now=$(mcvpn_json "$side" "$field"); [ -n "$now" ] && [ "$now" != "$before" ]; }
	wait_for 20 changed && wait_for 20 settled
}

section "soak: $REKEYS forced rekeys under traffic, lifetimes of seconds"
topo_up
for side in aws oci; do
	mcvpn_write_config "$side" start
	mcvpn_conf_set "$side" salifetime=20s ikelifetime=45s rekeymargin=5s rekeyfuzz=50% \
		dpddelay=5s dpdtimeout=30s
	mcvpnd_start "$side" || die "mcvpnd ($side) did not start"
done
check "tunnel up within 20 s" wait_for 20 mcvpn_both_up || { mcvpn_dump_logs; summary; exit 1; }
wait_for 20 settled

start=$(date +%s)
# ip netns exec execs ping: $! is ping's PID (a shell function would be a subshell's)
ip netns exec "$(ns_of aws)" ping -n -q -i 0.02 -s 1000 -w "$MAX_S" 192.168.2.2 \
	>"$WORK/ping.aws" 2>&1 &
PING_A=$!
ip netns exec "$(ns_of oci)" ping -n -q -i 0.02 -s 1000 -w "$MAX_S" 192.168.2.1 \
	>"$WORK/ping.oci" 2>&1 &
PING_O=$!
at_exit "stop_pid $PING_A"
at_exit "stop_pid $PING_O"

done_n=0 failed_n=0
for ((i = 0; i < REKEYS; i++)); do
	if [ $(($(date +%s) - start)) -ge "$MAX_S" ]; then
		warn "time bound of $MAX_S s reached after $i rekeys"
		break
	fi
	if rekey_once "$i"; then
		done_n=$((done_n + 1))
	else
		failed_n=$((failed_n + 1))
		warn "rekey $i did not complete within 20 s"
		[ "$failed_n" -lt 5 ] || break
	fi
	[ $(((i + 1) % 100)) -ne 0 ] || info "$((i + 1)) rekeys, $(($(date +%s) - start)) s"
	if [ "$i" -eq $((WARMUP - 1)) ]; then
		wait_for 30 quiet
		W_AWS=$(figures aws)
		W_OCI=$(figures oci)
		info "after $WARMUP rekeys: aws $W_AWS, oci $W_OCI (RSS KB, fds, IKE SAs, Child SAs, draining)"
	fi
done
elapsed=$(($(date +%s) - start))
wait_for 30 quiet
E_AWS=$(figures aws)
E_OCI=$(figures oci)
kill -INT "$PING_A" "$PING_O" 2>/dev/null
wait "$PING_A" "$PING_O" 2>/dev/null
child=$(( $(mcvpn_log_count aws 0 'established by rekey') + $(mcvpn_log_count oci 0 'established by rekey') ))
ike=$(( $(mcvpn_log_count aws 0 'rekeyed into') + $(mcvpn_log_count oci 0 'rekeyed into') ))

section "figures"
info "$done_n forced rekeys in $elapsed s ($failed_n did not complete); both logs: $child Child SA and $ike IKE SA rekeys"
info "end: aws $E_AWS, oci $E_OCI"
for side in aws oci; do
	info "pings $side: $(grep -E 'packets transmitted' "$WORK/ping.$side")"
done
check_eq "all $REKEYS forced rekeys completed" "$REKEYS" "$done_n"
for side in aws oci; do
	w=$([ $side = aws ] && echo "${W_AWS:-0 0 0 0 0}" || echo "${W_OCI:-0 0 0 0 0}")
	e=$([ $side = aws ] && echo "$E_AWS" || echo "$E_OCI")
	read -r wr wf _ <<<"$w"
	read -r er ef esas <<<"$e"
	check "$side: RSS $er KB no higher than after the warm-up ($wr KB + $RSS_SLACK)" \
		test "$er" -le $((wr + RSS_SLACK))
	check_eq "$side: open fds as after the warm-up" "$wf" "$ef"
	check_eq "$side: one IKE SA, one Child SA, nothing draining" "1 1 0" "$esas"
done
summary
