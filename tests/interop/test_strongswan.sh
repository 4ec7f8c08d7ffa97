#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interop: mcvpnd (AWS side) against strongSwan charon (OCI side).
#
#   mcv-aws-PID                   mcv-inet-PID                            mcv-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd               |      | nft: the clouds' 1:1 NAT       |      | charon, kernel-libipsec|
#  | vti1 192.168.2.1/30  |      |  198.51.100.10 <-> 10.3.1.200  |      | ipsec0 192.168.2.2/30  |
#  | lo   10.2.0.10/32    |      |  203.0.113.20 <-> 10.106.1.200 |      | lo   10.105.0.10/32    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#   default via 10.3.1.1                                                   default via 10.106.1.1
#   routes 10.105/16, 10.106/16 -> vti1                                    routes 10.2/16, 10.3/16 -> ipsec0
#
# Case 1: strongSwan responds, mcvpnd (auto=start) initiates.
# Case 2: strongSwan initiates (swanctl --initiate), mcvpnd (auto=add) responds.
# In both, mcvpnd's esn=either (the default) meets strongSwan's default (no
# ESN): 32-bit sequence numbers, traffic flows.
# Each case checks the negotiated algorithms as strongSwan reports them, pings
# both ways across 192.168.2.0/30 and the routed subnets (plus a 1400-byte DF
# ping from the mcvpnd side), and mcvpnctl trafficstatus.  Then a rekey phase:
# both sides run short lifetimes from the start (strongSwan: IKE rekey_time=20s
# over_time=5s, child rekey_time=8s life_time=14s; mcvpnd: ikelifetime=25s
# salifetime=12s rekeymargin=4s; ESP with PFS modp1536 on both), and a
# 20 packets/s ping stream for 45 s must lose nothing while the SAs rekey.
# Who rekeys first depends on the timers' randomness (strongSwan, mostly), so
# the phase makes sure of both directions: if mcvpnd has not initiated a
# Child SA rekey 15 s into the stream, or an IKE SA rekey 28 s into it,
# `mcvpnctl rekey` makes it; if strongSwan has not rekeyed the IKE SA 36 s
# into it, `swanctl --rekey --ike` makes it.  Afterwards strongSwan must show
# the Child SA with MODP_1536 (PFS) and an IKE SA whose SPIs differ from the
# first one's, and mcvpnd's log both rekeys it initiated and rekeys it
# accepted, of each kind.
#
# Algorithm sets: each runs both cases.  "seed" is the example configs'
# (IKE AES-CBC-256/SHA2-384/MODP-1536, ESP AES-GCM-16-256), with the rekey
# phase above.  "chacha20poly1305" is RFC 7634 for IKE and ESP (mcvpnd
# ike=chacha20_poly1305-sha2_256;curve25519 phase2alg=chacha20_poly1305;modp1536,
# strongSwan chacha20poly1305-prfsha256-curve25519 / chacha20poly1305-modp1536,
# served by its openssl plugin): strongSwan must report CHACHA20_POLY1305 for
# both SAs, pings go both ways, and instead of the long rekey phase one Child
# SA rekey that mcvpnd asks for must come up with ChaCha20-Poly1305 and PFS
# and carry pings both ways.  SW_SETS="chacha20poly1305" runs one set alone.
# ESN (esn=, RFC 4304), four short cases after those: mcvpnd esn=yes
# initiating against strongSwan's aes256gcm16-esn (strongSwan selects
# ESP:AES_GCM_16_256/EXT_SEQ), strongSwan aes256gcm16-esn initiating against
# mcvpnd esn=either (mcvpnd establishes the Child SA with ESN, strongSwan
# accepts the answer), and esn=yes against strongSwan without ESN in both
# roles (NO_PROPOSAL_CHOSEN, mcvpnd's log names ESN).  No traffic crosses
# an ESN Child SA here: strongSwan's kernel-libipsec refuses to install any
# SA with ESN ("IPsec SA: ESN not supported"; the kernel has no ESP), so
# strongSwan answers NO_PROPOSAL_CHOSEN or deletes the Child SA, and the
# cases check that too.  ESN_ONLY=1 runs only these.
#
# PEER_BOTH_STRONGSWAN=1 runs charon on the AWS side too (no mcvpnd needed): a
# self-check of the topology, the NAT and the strongSwan settings (with the
# long default lifetimes and no rekey phase).
#
# Usage: sudo tests/interop/test_strongswan.sh     Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
. "$HERE/../lib/topo.sh"
. "$HERE/../lib/mcvpn.sh"
. "$HERE/../lib/strongswan.sh"

BOTH=${PEER_BOTH_STRONGSWAN:-0}
CASE=0

need_root
[ -x "$CHARON" ] && command -v swanctl >/dev/null ||
	die "strongSwan not installed (run tests/deps.sh)"
[ "$BOTH" = 1 ] || mcvpn_need_bins
cleanup_init

if [ "$BOTH" = 1 ]; then
	AWS_PEER="strongSwan (self-check)"
else
	AWS_PEER=mcvpnd
	SW_IKE_REKEY=20s SW_IKE_OVER=5s SW_CHILD_REKEY=8s SW_CHILD_LIFE=14s
fi
MCVPN_LIFE_KEYS=(salifetime=12s ikelifetime=25s rekeymargin=4s)
REKEY_STREAM=900	# 45 s at 20 packets/s
SW_SETS=${SW_SETS:-seed chacha20poly1305}

# use_alg_set NAME: both peers' proposals, and what strongSwan's list-sas and
# mcvpnd's log must then say.
use_alg_set() {
	ALG_SET=$1
	case $1 in
	seed)
		SW_IKE_PROPOSALS=aes256-sha384-modp1536 SW_ESP_PROPOSALS=aes256gcm16-modp1536
		MCVPN_ALG_KEYS=("ike=aes_cbc256-sha2_384;modp1536" "phase2alg=aes_gcm256;modp1536")
		EXP_IKE=AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_1536
		EXP_CHILD=ESP:AES_GCM_16-256 EXP_MCV_ESP="ESP AES_GCM_16-256"
		EXP_MCV_IKE=AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_1536 ;;
	chacha20poly1305)
		SW_IKE_PROPOSALS=chacha20poly1305-prfsha256-curve25519
		SW_ESP_PROPOSALS=chacha20poly1305-modp1536
		MCVPN_ALG_KEYS=("ike=chacha20_poly1305-sha2_256;curve25519"
			"phase2alg=chacha20_poly1305;modp1536")
		EXP_IKE=CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519
		EXP_CHILD=ESP:CHACHA20_POLY1305 EXP_MCV_ESP="ESP CHACHA20_POLY1305"
		EXP_MCV_IKE=CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE25519 ;;
	*) die "unknown algorithm set '$1' (SW_SETS: seed, chacha20poly1305)" ;;
	esac
}

# Start the AWS side; INIT=1 when it should initiate.
start_aws() {
	local init=$1
	if [ "$BOTH" = 1 ]; then
		sw_write_config aws
		sw_start aws || return 1
		if [ "$init" = 1 ]; then
			sw_initiate aws >"$(sw_dir aws)/initiate.out" 2>&1 &
		fi
	else
		if [ "$init" = 1 ]; then
			mcvpn_write_config aws start
		else
			mcvpn_write_config aws add
		fi
		mcvpn_conf_set aws "${MCVPN_LIFE_KEYS[@]}" "${MCVPN_ALG_KEYS[@]}"
		mcvpnd_start aws || return 1
	fi
}

aws_up() {
	if [ "$BOTH" = 1 ]; then sw_up aws; else mcvpn_up aws; fi
}

both_up() { sw_up oci && aws_up; }

dump_logs() {
	sw_dump_logs
	[ "$BOTH" = 1 ] || mcvpn_dump_logs
}

check_pings() {
	check "ping aws -> oci 192.168.2.2" topo_ping aws 192.168.2.2
	check "ping oci -> aws 192.168.2.1" topo_ping oci 192.168.2.1
	check "ping aws 10.2.0.10 -> oci subnet 10.105.0.10" topo_ping aws 10.105.0.10 -I 10.2.0.10
	check "ping oci 10.105.0.10 -> aws subnet 10.2.0.10" topo_ping oci 10.2.0.10 -I 10.105.0.10
	check "ping aws -> oci private 10.106.1.200 (routed)" topo_ping aws 10.106.1.200
	check "ping oci -> aws private 10.3.1.200 (routed)" topo_ping oci 10.3.1.200
	# strongSwan's ipsec0 has MTU 1400 (fixed): its largest DF ping is 1372
	# bytes; mcvpnd's vti1 (MTU 1438) carries 1400 (the reply from strongSwan's
	# side, not DF, comes back in fragments).
	if [ "$BOTH" = 1 ]; then
		check "1372-byte DF ping aws -> oci" topo_ping aws 192.168.2.2 -M "do" -s 1372
	else
		check "1400-byte DF ping aws -> oci" topo_ping aws 192.168.2.2 -M "do" -s 1400
	fi
	check "1372-byte DF ping oci -> aws" topo_ping oci 192.168.2.1 -M "do" -s 1372
}

# The IKE SA's SPI pair in swanctl --list-sas output ("SPIi_i SPIr_r", our
# own marked with '*').
ike_spis() {
	printf '%s\n' "$1" | grep -oE '[0-9a-f]{16}_i\*? [0-9a-f]{16}_r\*?' | head -n 1
}

# strongSwan holds exactly one IKE SA and one installed Child SA, and
# mcvpnd one Child SA.
one_pair() {
	local out
	out=$(sw_ctl oci --list-sas 2>/dev/null) || return 1
	[ "$(printf '%s\n' "$out" | grep -c ESTABLISHED)" -eq 1 ] &&
		[ "$(printf '%s\n' "$out" | grep -c INSTALLED)" -eq 1 ] &&
		[ "$(mcvpn_sa_count aws)" -eq 1 ]
}

# force_rekey WHAT N: "mcvpnctl rekey CONN WHAT" when mcvpnd's log shows
# no rekey of that kind that it initiated (N is that count so far).
force_rekey() {
	local what=$1 n=$2 out
	if [ "$n" -gt 0 ]; then
		info "mcvpnd initiated $n $what SA rekey(s) on its own so far"
		return
	fi
	out=$(mcvpnctl aws rekey "$CONN" "$what" 2>&1)
	info "mcvpnd initiated no $what SA rekey on its own yet: mcvpnctl rekey $CONN $what: $out"
}

# rekey_phase TITLE FIRST_SPIS: the 45 s ping stream across rekeys, then
# what strongSwan and mcvpnd's log say about them.
rekey_phase() {
	local title=$1 first=$2 mark t0 sas now ci cr ii ir
	section "$title: rekeying under a 20 packets/s ping stream"
	mark=$(mcvpn_log_mark aws)
	stream_start aws 192.168.2.2 "$REKEY_STREAM"
	t0=$(now_ms)
	sleep_until $((t0 + 15000))
	read -r ci cr ii ir <<<"$(mcvpn_rekey_roles aws "$mark")"
	force_rekey child "$ci"
	sleep_until $((t0 + 28000))
	read -r ci cr ii ir <<<"$(mcvpn_rekey_roles aws "$mark")"
	force_rekey ike "$ii"
	# mcvpnd's forced rekeys restart strongSwan's clock: make sure it has
	# rekeyed the IKE SA itself too (its Child SA rekeys come every few s).
	sleep_until $((t0 + 36000))
	read -r ci cr ii ir <<<"$(mcvpn_rekey_roles aws "$mark")"
	if [ "$ir" -eq 0 ]; then
		info "strongSwan has not rekeyed the IKE SA yet: swanctl --rekey --ike $SW_CONN: $(sw_ctl oci --rekey --ike "$SW_CONN" 2>&1 | tail -n 1)"
	fi
	stream_check "$REKEY_STREAM pings aws -> oci across the rekeys (45 s), none lost"
	sw_drop_table220 oci

	if wait_for 10 one_pair; then
		pass "one IKE SA and one Child SA on each side after the rekeys"
	else
		fail "one IKE SA and one Child SA on each side after the rekeys" \
			"expected: strongSwan 1 ESTABLISHED, 1 INSTALLED; mcvpnd 1 trafficstatus line" \
			"got: mcvpnd $(mcvpn_sa_count aws) trafficstatus lines; strongSwan:"
		sw_ctl oci --list-sas 2>&1 | sed 's/^/         | /'
	fi
	sas=$(sw_ctl oci --list-sas 2>&1)
	printf '%s\n' "$sas" | sed 's/^/    | /'
	check_match "Child SA uses ESP:AES_GCM_16-256/MODP_1536 (PFS at rekey)" \
		'ESP:AES_GCM_16-256/MODP_1536' "$sas"
	now=$(ike_spis "$sas")
	if [ -n "$now" ] && [ -n "$first" ] && [ "$now" != "$first" ]; then
		pass "IKE SA rekeyed: SPIs $now, first $first"
	else
		fail "IKE SA rekeyed: its SPIs differ from the first ones" \
			"expected: not $first" "got:      ${now:-none}"
	fi
	read -r ci cr ii ir <<<"$(mcvpn_rekey_roles aws "$mark")"
	info "mcvpnd's log: Child SA rekeys initiated $ci, accepted $cr; IKE SA rekeys initiated $ii, accepted $ir"
	info "TEMPORARY_FAILURE in mcvpnd's log: $(mcvpn_log_count aws "$mark" TEMPORARY_FAILURE), in charon's: $(grep -c 'TEMP' "$(sw_dir oci)/charon.log")"
	check_gt "mcvpnd initiated a Child SA rekey ($ci)" "$ci" 0
	check_gt "mcvpnd initiated an IKE SA rekey ($ii)" "$ii" 0
	check_gt "mcvpnd accepted a Child SA rekey from strongSwan ($cr)" "$cr" 0
	check_gt "mcvpnd accepted an IKE SA rekey from strongSwan ($ir)" "$ir" 0
	check "ping oci 10.105.0.10 -> aws subnet 10.2.0.10 after the rekeys" \
		topo_ping oci 10.2.0.10 -I 10.105.0.10
}

# chacha_rekey TITLE: mcvpnd rekeys the Child SA (PFS MODP_1536); the new
# one must be ChaCha20-Poly1305 on both sides and carry pings both ways.
chacha_rekey() {
	local title=$1 mark sas
	section "$title: a Child SA rekey that mcvpnd asks for"
	mark=$(mcvpn_log_mark aws)
	info "mcvpnctl rekey $CONN child: $(mcvpnctl aws rekey "$CONN" child 2>&1)"
	rekeyed() { [ "$(mcvpn_log_count aws "$mark" "established by rekey: $EXP_MCV_ESP")" -gt 0 ]; }
	check "mcvpnd: a Child SA established by rekey: $EXP_MCV_ESP" wait_for 20 rekeyed
	sw_drop_table220 oci
	wait_for 10 one_pair || info "not yet one pair on each side (the old SA may linger)"
	sas=$(sw_ctl oci --list-sas 2>&1)
	printf '%s
' "$sas" | sed 's/^/    | /'
	check_match "Child SA uses $EXP_CHILD/MODP_1536 (PFS at rekey)" "$EXP_CHILD/MODP_1536" "$sas"
	check "ping aws -> oci 192.168.2.2 after the rekey" topo_ping aws 192.168.2.2
	check "ping oci 10.105.0.10 -> aws subnet 10.2.0.10 after the rekey" \
		topo_ping oci 10.2.0.10 -I 10.105.0.10
}

# run_case TITLE INITIATOR: INITIATOR is "aws" or "oci".
run_case() {
	local title="$1 [$ALG_SET]" initiator=$2 fails=$FAIL sas line aws_init=0 spis st

	section "$title"
	CASE=$((CASE + 1))
	RUNDIR="$WORK/case$CASE"
	mkdir -p "$RUNDIR"
	topo_up
	[ "$initiator" = aws ] && aws_init=1

	sw_write_config oci
	if ! sw_start oci; then
		fail "strongSwan (oci) starts"
		sw_dump_logs
		teardown
		return
	fi
	pass "strongSwan (oci) starts, ipsec0 has 192.168.2.2/30"
	if ! start_aws "$aws_init"; then
		fail "$AWS_PEER (aws) starts"
		dump_logs
		teardown
		return
	fi
	pass "$AWS_PEER (aws) starts"

	if [ "$initiator" = oci ]; then
		check "swanctl --initiate from oci" sw_initiate oci
	fi
	if wait_for 20 both_up; then
		pass "SA up on both sides within 20 s ($initiator initiated)"
	else
		fail "SA up on both sides within 20 s ($initiator initiated)" \
			"strongSwan (oci) up: $(sw_up oci && echo yes || echo no)" \
			"$AWS_PEER (aws) up: $(aws_up && echo yes || echo no)"
	fi
	# charon (re)adds its catch-all rule when the Child SA is installed.
	sw_drop_table220 oci
	[ "$BOTH" = 1 ] && sw_drop_table220 aws

	sas=$(sw_ctl oci --list-sas 2>&1)
	printf '%s\n' "$sas" | sed 's/^/    | /'
	check_match "IKE SA uses $EXP_IKE" "$EXP_IKE" "$sas"
	check_match "Child SA uses $EXP_CHILD" "$EXP_CHILD" "$sas"
	check_match "Child SA is TUNNEL-in-UDP" 'INSTALLED, TUNNEL-in-UDP' "$sas"
	check_match "IKE SA with the right ids" "remote '198.51.100.10'" "$sas"
	spis=$(ike_spis "$sas")
	# list-sas marks our own SPI with '*': SPIi is the initiator's.
	if [ "$initiator" = oci ]; then
		check_match "strongSwan (oci) is the IKE initiator" '[0-9a-f]+_i\* [0-9a-f]+_r$' "$sas"
	else
		check_match "$AWS_PEER (aws) is the IKE initiator" '[0-9a-f]+_i [0-9a-f]+_r\*$' "$sas"
	fi

	check_pings

	if [ "$BOTH" != 1 ]; then
		line=$(mcvpn_sa_lines aws)
		printf '    | %s\n' "$line"
		check_eq "mcvpnctl trafficstatus shows one Child SA" 1 "$(mcvpn_sa_count aws)"
		check_match "trafficstatus has the peer id" "id='203.0.113.20'" "$line"
		check_gt "trafficstatus inBytes > 0 after pings" "$(mcvpn_field aws inBytes)" 0
		check_gt "trafficstatus outBytes > 0 after pings" "$(mcvpn_field aws outBytes)" 0
		# mcvpnd's esn=either (the default) against strongSwan's default
		# (no ESN): 32-bit sequence numbers, whoever chose
		check_match "strongSwan's Child SA has no ESN (esn=either meets noesn)" \
			'selected proposal: ESP:[A-Z0-9_]+(/MODP_1536)?/NO_EXT_SEQ$' \
			"$(cat "$(sw_dir oci)/charon.log")"
		check_gt "mcvpnd's log: Child SA established: $EXP_MCV_ESP" \
			"$(mcvpn_log_count aws 0 "Child SA #[0-9]+ established: $EXP_MCV_ESP")" 0
		st=$(mcvpnctl aws status 2>&1)
		printf '%s\n' "$st" | sed 's/^/    | /'
		check_match "mcvpnctl status names the IKE SA's $EXP_MCV_IKE" "$EXP_MCV_IKE" "$st"
		check_match "mcvpnctl status names the Child SA's ${EXP_MCV_ESP#ESP }, without ESN" \
			"Child SA #[0-9]+: $EXP_MCV_ESP in UDP" "$st"
		# both AEADs: 8-byte IV, 4-byte alignment, 16-byte ICV (mcvpn.conf(5))
		check_match "vti1 has MTU 1438 under $ALG_SET" ' mtu 1438 ' \
			"$(nsx aws ip link show vti1 2>&1)"
		if [ "$ALG_SET" = seed ]; then
			rekey_phase "$title" "$spis"
		else
			chacha_rekey "$title"
		fi
	fi

	[ "$FAIL" -eq "$fails" ] || { dump_logs; keep_logs; }
	teardown
}

# esn_case TITLE INITIATOR SW_ESP_PROPOSALS MCVPN_ESN: strongSwan (oci) with
# esp_proposals SW_ESP_PROPOSALS, mcvpnd (aws) with esn=MCVPN_ESN; INITIATOR "aws"
# (mcvpnd, auto=start) or "oci" (swanctl --initiate).  Waits until both
# logs tell the first Child SA's fate; the caller checks ESN_SW_LOG (charon)
# and ESN_MCV_LOG (mcvpnd), then calls esn_end.
esn_case() {
	local title=$1 initiator=$2 auto=add
	section "ESN: $title"
	CASE=$((CASE + 1))
	RUNDIR="$WORK/case$CASE"
	mkdir -p "$RUNDIR"
	ESN_FAILS=$FAIL
	topo_up
	[ "$initiator" = aws ] && auto=start
	SW_ESP_PROPOSALS=$3 sw_write_config oci
	mcvpn_write_config aws "$auto"
	mcvpn_conf_set aws "esn=$4"
	if ! sw_start oci || ! mcvpnd_start aws; then
		fail "strongSwan (oci) and mcvpnd (aws) start"
		ESN_SW_LOG='' ESN_MCV_LOG=''
		return
	fi
	[ "$initiator" = oci ] && { sw_initiate oci >"$RUNDIR/initiate.out" 2>&1 & }
	if wait_for 20 esn_settled; then
		pass "both sides decided on the Child SA (the logs say how)"
	else
		fail "both sides decided on the Child SA within 20 s" \
			"expected in charon's log: $ESN_SW_END" "expected in mcvpnd's log: $ESN_MCV_END"
	fi
	ESN_SW_LOG=$(cat "$(sw_dir oci)/charon.log")
	ESN_MCV_LOG=$(cat "$(mcvpn_log aws)")
	printf '%s\n' "$ESN_SW_LOG" | grep -E 'proposal|ESN|NO_PROP|SAD|CHILD_SA' | sed 's/^/    | charon: /'
	printf '%s\n' "$ESN_MCV_LOG" | grep -E 'Child SA|PROPOSAL' | sed 's/^/    | mcvpnd: /'
}

# The first Child SA's fate in both logs (ESN_SW_END, ESN_MCV_END: regexes).
esn_settled() {
	grep -qE -- "$ESN_SW_END" "$(sw_dir oci)/charon.log" 2>/dev/null &&
		grep -qE -- "$ESN_MCV_END" "$(mcvpn_log aws)" 2>/dev/null
}

esn_end() {
	[ "$FAIL" -eq "$ESN_FAILS" ] || { dump_logs; keep_logs; }
	teardown
}

# strongSwan's kernel-libipsec (the only ESP here: the kernel has none)
# refuses every SA with ESN ("IPsec SA: ESN not supported"): a Child SA
# with ESN is negotiated, then strongSwan cannot install it.  So these
# cases check the negotiation both ways and the refusals; ESN traffic is
# checked between two mcvpnd (tests/netns/test_tunnel.sh) and against the
# RFCs' packet formats (tests/unit/esp/test_esn.c).
esn_cases() {
	ESN_SW_END='IPsec SA: ESN not supported'
	ESN_MCV_END='peer refused the Child SA'
	esn_case "mcvpnd (esn=yes) initiates, strongSwan (aes256gcm16-esn) responds" \
		aws aes256gcm16-esn yes
	check_match "strongSwan selected ESP:AES_GCM_16_256/EXT_SEQ" \
		'selected proposal: ESP:AES_GCM_16_256/EXT_SEQ$' "$ESN_SW_LOG"
	check_match "strongSwan's libipsec cannot install it: ESN not supported" \
		'IPsec SA: ESN not supported' "$ESN_SW_LOG"
	check_match "mcvpnd logs the refusal" \
		'peer refused the Child SA: NO_PROPOSAL_CHOSEN \(we offer only esn=yes\)' "$ESN_MCV_LOG"
	esn_end

	ESN_SW_END='IPsec SA: ESN not supported'
	ESN_MCV_END='Child SA #[0-9]+ established'
	esn_case "strongSwan (aes256gcm16-esn) initiates, mcvpnd (esn=either) responds" \
		oci aes256gcm16-esn either
	check_match "mcvpnd establishes the Child SA with ESN" \
		'Child SA #[0-9]+ established: ESP AES_GCM_16-256, SPIs [0-9a-f]{8} in / [0-9a-f]{8} out, ESN$' \
		"$ESN_MCV_LOG"
	check_match "strongSwan accepts our answer: ESP:AES_GCM_16_256/EXT_SEQ" \
		'selected proposal: ESP:AES_GCM_16_256/EXT_SEQ$' "$ESN_SW_LOG"
	check_match "strongSwan's libipsec cannot install it, deletes it" \
		'sending DELETE for ESP CHILD_SA' "$ESN_SW_LOG"
	check_match "mcvpnd follows the DELETE" 'peer deleted Child SA #[0-9]+' "$ESN_MCV_LOG"
	esn_end

	ESN_SW_END='no acceptable proposal found'
	ESN_MCV_END='peer refused the Child SA'
	esn_case "mcvpnd (esn=yes) initiates, strongSwan (aes256gcm16, no ESN) responds" \
		aws aes256gcm16 yes
	check_match "strongSwan finds no proposal: ESN against NO_EXT_SEQ" \
		'configured proposals: ESP:AES_GCM_16_256/NO_EXT_SEQ$' "$ESN_SW_LOG"
	check_match "strongSwan answers NO_PROPOSAL_CHOSEN" 'IKE_AUTH response 1 .*N\(NO_PROP\)' \
		"$ESN_SW_LOG"
	check_match "mcvpnd's log names esn=yes" \
		'peer refused the Child SA: NO_PROPOSAL_CHOSEN \(we offer only esn=yes\)' "$ESN_MCV_LOG"
	esn_end

	ESN_SW_END='N\(NO_PROP\)'
	ESN_MCV_END='NO_PROPOSAL_CHOSEN'
	esn_case "strongSwan (aes256gcm16, no ESN) initiates, mcvpnd (esn=yes) responds" \
		oci aes256gcm16 yes
	check_match "mcvpnd refuses: ESN is the reason, and says so" \
		'NO_PROPOSAL_CHOSEN: the peer.s ESP proposals match phase2alg= but not esn=yes \(the peer offers ESN no\)' \
		"$ESN_MCV_LOG"
	check_match "strongSwan gets NO_PROPOSAL_CHOSEN" 'parsed IKE_AUTH response 1 .*N\(NO_PROP\)' \
		"$ESN_SW_LOG"
	esn_end
}

# Copy this case's logs to build-logs/ (there when run by run-all.sh).
keep_logs() {
	local dir=$REPO/build-logs tag
	[ -d "$dir" ] || return 0
	tag="interop$([ "$BOTH" = 1 ] && echo -selfcheck)-case$CASE"
	cp "$(sw_dir oci)/charon.log" "$dir/$tag-charon-oci.log" 2>/dev/null
	if [ "$BOTH" = 1 ]; then
		cp "$(sw_dir aws)/charon.log" "$dir/$tag-charon-aws.log" 2>/dev/null
	else
		cp "$(mcvpn_log aws)" "$dir/$tag-mcvpnd-aws.log" 2>/dev/null
	fi
	info "logs kept in $dir/$tag-*.log"
}

teardown() {
	mcvpnd_stop_all
	sw_stop_all
	topo_down
}

say "aws side: $AWS_PEER; oci side: strongSwan $(dpkg-query -W -f='${Version}' strongswan-charon 2>/dev/null)"
if [ "${ESN_ONLY:-0}" = 1 ] && [ "$BOTH" != 1 ]; then
	esn_cases
	summary
	exit
fi
for set in $SW_SETS; do
	use_alg_set "$set"
	if [ "$BOTH" = 1 ]; then
		run_case "strongSwan responds, strongSwan (aws) initiates" aws
	else
		run_case "strongSwan responds, mcvpnd initiates (auto=start)" aws
	fi
	run_case "strongSwan initiates, $AWS_PEER responds" oci
done
[ "$BOTH" = 1 ] || { use_alg_set seed; esn_cases; }

summary
