#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interop: IKE fragmentation (RFC 7383) between mcvpnd (AWS side) and
# strongSwan charon (OCI side), both cutting their encrypted messages small.
#
#   mcv-aws-PID                   mcv-inet-PID                            mcv-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd               |      | nft: the clouds' 1:1 NAT       |      | charon, kernel-libipsec|
#  | vti1 192.168.2.1/30  |      |  198.51.100.10 <-> 10.3.1.200  |      | ipsec0 192.168.2.2/30  |
#  | lo   10.2.0.10/32    |      |  203.0.113.20 <-> 10.106.1.200 |      | lo   10.105.0.10/32    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#
# mcvpnd: fragmentation=force (libreswan's key; for IKEv2 the same as yes),
# ike-fragment-size=256: an encrypted message that does not fit in a 256-byte
# IP packet goes in fragments (IKE_AUTH and the rekeys do; a DELETE fits).
# strongSwan: fragmentation = yes (its "force" is IKEv1's only) and
# charon.fragment_size = 200: its IKE_AUTH and CREATE_CHILD_SA messages
# (about 250-450 bytes with a PSK and a MODP-1536 KE) need several.
# Case 1: mcvpnd initiates; case 2: strongSwan initiates.  Each case: the
# tunnel comes up and pings pass both ways; the logs show each side split
# its IKE_AUTH message into two fragments or more and took the peer's in
# fragments (mcvpnd --debug: "sending IKE_AUTH ... in N fragments",
# "... reassembled from N fragments"; charon: "splitting IKE message ...
# into N fragments", "parsed IKE_AUTH ... [ EF(i/N) ]"); then a Child SA
# rekey started by each side (CREATE_CHILD_SA with a MODP-1536 KE, in
# fragments both ways) and pings again; an IKE SA rekey by mcvpnd, then a
# Child SA rekey by strongSwan on the new IKE SA (both keep fragmenting).
# Case 3: as case 1 with AES-GCM for IKE (the fragments' AEAD, whose
# associated data runs to the end of the Total Fragments field).
#
# Usage: sudo tests/interop/test_strongswan_frag.sh     Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
. "$HERE/../lib/topo.sh"
. "$HERE/../lib/mcvpn.sh"
. "$HERE/../lib/strongswan.sh"

CASE=0
SW_FRAGMENTATION=yes
SW_FRAGMENT_SIZE=200
MCVPND_ARGS="--debug"

need_root
[ -x "$CHARON" ] && command -v swanctl >/dev/null ||
	die "strongSwan not installed (run tests/deps.sh)"
mcvpn_need_bins
cleanup_init


# max_frags FILE REGEX: the largest N of "N fragments" in the lines of FILE
# matching the extended REGEX (which ends in "[0-9]+ fragments").
max_frags() {
	grep -oE -- "$2" "$1" 2>/dev/null | sed -E 's/.* ([0-9]+) fragments$/\1/' | sort -n | tail -n 1
}

# A Child SA established by rekey in mcvpnd's log after line MARK.
rekeyed_since() { [ "$(mcvpn_log_count aws "$1" 'established by rekey')" -ge 1 ]; }

# A Child SA rekey started by SIDE (aws: mcvpnctl, oci: swanctl): a new
# Child SA on both sides, the old one gone, the tunnel carries pings.
rekey_by() {
	local side=$1 mark before
	mark=$(mcvpn_log_mark aws)
	before=$(grep -c 'splitting IKE message' "$(sw_dir oci)/charon.log")
	if [ "$side" = aws ]; then
		info "mcvpnctl rekey: $(mcvpnctl aws rekey "$CONN" child 2>&1)"
	else
		info "swanctl --rekey: $(sw_ctl oci --rekey --child "$SW_CONN" 2>&1 | tail -n 1)"
	fi
	if wait_for 20 rekeyed_since "$mark"; then
		pass "Child SA rekeyed ($side started it)"
	else
		fail "Child SA rekeyed ($side started it)" "expected: 'established by rekey' in mcvpnd's log" \
			"got: $(mcvpn_log_since aws "$mark" | tail -n 5)"
	fi
	check_gt "mcvpnd sent the CREATE_CHILD_SA $([ "$side" = aws ] && echo request || echo response) in fragments" \
		"$(mcvpn_log_count aws "$mark" 'sending CREATE_CHILD_SA (request|response) [0-9]+ in [0-9]+ fragments')" 0
	check_gt "mcvpnd reassembled strongSwan's CREATE_CHILD_SA $([ "$side" = aws ] && echo response || echo request)" \
		"$(mcvpn_log_count aws "$mark" 'CREATE_CHILD_SA (request|response) [0-9]+ reassembled from [2-9]')" 0
	check_gt "strongSwan split a message again" \
		"$(grep -c 'splitting IKE message' "$(sw_dir oci)/charon.log")" "$before"
	sw_drop_table220 oci
	check "ping aws -> oci 192.168.2.2 after the rekey" topo_ping aws 192.168.2.2
	check "ping oci -> aws 192.168.2.1 after the rekey" topo_ping oci 192.168.2.1
}

# An IKE SA rekey started by mcvpnd, in fragments.
ike_rekeyed_since() { [ "$(mcvpn_log_count aws "$1" 'IKE SA #[0-9]+ rekeyed into')" -ge 1 ]; }
rekey_ike() {
	local mark
	mark=$(mcvpn_log_mark aws)
	info "mcvpnctl rekey ike: $(mcvpnctl aws rekey "$CONN" ike 2>&1)"
	if wait_for 20 ike_rekeyed_since "$mark"; then
		pass "IKE SA rekeyed (mcvpnd started it)"
	else
		fail "IKE SA rekeyed (mcvpnd started it)" "expected: 'rekeyed into' in mcvpnd's log" \
			"got: $(mcvpn_log_since aws "$mark" | tail -n 5)"
	fi
	check_gt "mcvpnd sent the IKE SA rekey in fragments" \
		"$(mcvpn_log_count aws "$mark" 'sending CREATE_CHILD_SA request [0-9]+ in [0-9]+ fragments')" 0
}

# run_case TITLE INITIATOR [IKE]: INITIATOR is "aws" (mcvpnd) or "oci"
# (strongSwan); IKE "gcm" for AES-GCM IKE SAs.
run_case() {
	local title=$1 initiator=$2 ike=${3:-} fails=$FAIL auto=add log slog n dir
	section "$title"
	CASE=$((CASE + 1))
	RUNDIR="$WORK/case$CASE"
	mkdir -p "$RUNDIR"
	topo_up
	[ "$initiator" = aws ] && auto=start

	SW_IKE_PROPOSALS=aes256-sha384-modp1536
	[ "$ike" = gcm ] && SW_IKE_PROPOSALS=aes256gcm16-prfsha384-modp1536
	sw_write_config oci
	if ! sw_start oci; then
		fail "strongSwan (oci) starts"
		sw_dump_logs
		teardown
		return
	fi
	mcvpn_write_config aws "$auto"
	mcvpn_conf_set aws fragmentation=force ike-fragment-size=256
	[ "$ike" = gcm ] && mcvpn_conf_set aws "ike=aes_gcm256-sha2_384;modp1536"
	if ! mcvpnd_start aws; then
		fail "mcvpnd (aws) starts"
		teardown
		return
	fi
	pass "strongSwan (fragment_size 200) and mcvpnd (force, 256) start"
	sw_expect_up "$initiator"
	check "ping aws 10.2.0.10 -> oci subnet 10.105.0.10" topo_ping aws 10.105.0.10 -I 10.2.0.10

	log=$(mcvpn_log aws)
	slog="$(sw_dir oci)/charon.log"
	dir=request
	[ "$initiator" = oci ] && dir=response
	grep -E 'IKE_AUTH (request|response) 1 (in|reassembled)|splitting' "$log" | sed 's/^/    | /'
	grep -E 'splitting IKE message|EF\(' "$slog" | sed 's/^/    | /'
	check_gt "mcvpnd: IKE SA established with IKE fragmentation" \
		"$(grep -c 'IKE SA established as .*, IKE fragmentation' "$log")" 0
	n=$(max_frags "$log" "sending IKE_AUTH $dir 1 in [0-9]+ fragments")
	check_gt "mcvpnd sent its IKE_AUTH $dir in fragments (${n:-none})" "${n:-0}" 1
	n=$(max_frags "$log" "IKE_AUTH (request|response) 1 reassembled from [0-9]+ fragments")
	check_gt "mcvpnd reassembled strongSwan's IKE_AUTH from fragments (${n:-none})" "${n:-0}" 1
	n=$(max_frags "$slog" 'splitting IKE message .* into [0-9]+ fragments')
	check_gt "strongSwan split its IKE_AUTH into fragments (${n:-none})" "${n:-0}" 1
	n=$(grep -oE "parsed IKE_AUTH (request|response) 1 \[ EF\([0-9]+/[0-9]+\) \]" "$slog" | wc -l)
	check_gt "strongSwan parsed mcvpnd's IKE_AUTH fragments ($n)" "$n" 1

	if [ "$ike" = gcm ]; then
		check_match "IKE SA uses AES_GCM_16-256" 'AES_GCM_16-256/PRF_HMAC_SHA2_384/MODP_1536' \
			"$(sw_ctl oci --list-sas 2>&1)"
	fi
	rekey_by aws
	rekey_by oci
	rekey_ike
	rekey_by oci

	if [ "$FAIL" -ne "$fails" ]; then
		sw_dump_logs
		mcvpn_dump_logs
		sw_keep_logs "interop-frag-case$CASE"
	fi
	teardown
}

teardown() {
	mcvpnd_stop_all
	sw_stop_all
	topo_down
}

say "aws side: mcvpnd; oci side: strongSwan $(dpkg-query -W -f='${Version}' strongswan-charon 2>/dev/null)"
run_case "IKE fragments both ways, mcvpnd initiates" aws
run_case "IKE fragments both ways, strongSwan initiates" oci
run_case "IKE fragments both ways, AES-GCM IKE SA, mcvpnd initiates" aws gcm
summary
