#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# IPv6 inner traffic through the IPv4 tunnel: traffic selectors 0.0.0.0/0
# and ::/0 on both sides, an IPv6 route into vti1, pings both ways between
# IPv6 hosts behind each side; and IPv6 packets refused by a tunnel whose
# selectors are IPv4 only: dropped by the sender before encryption (counted
# as selector_out, RFC 4301), so the receiver sees no selector violation.
#
#   mcv-aws-PID (lo fd00:2::10)  ---- 1:1 NAT ----  mcv-oci-PID (lo fd00:105::10)
#   route fd00:105::/64 -> vti1                     route fd00:2::/64 -> vti1
#
# Every wait is for an event, bounded by SAFETY (common.sh).
#
# Usage: sudo tests/netns/test_ipv6.sh   (after a build).  Ends with
# "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015
. "$(dirname "$0")/../lib/netns_test.sh"

topo_up
nsx aws ip addr add fd00:2::10/128 dev lo
nsx oci ip addr add fd00:105::10/128 dev lo
mcvpn_write_config aws start
mcvpn_write_config oci start
mcvpn_conf_set aws "leftsubnet=0.0.0.0/0,::/0" "rightsubnet=0.0.0.0/0,::/0" \
	"routes=10.105.0.0/16,10.106.0.0/16,fd00:105::/64"
mcvpn_conf_set oci "leftsubnet=0.0.0.0/0,::/0" "rightsubnet=0.0.0.0/0,::/0" \
	"routes=10.2.0.0/16,10.3.0.0/16,fd00:2::/64"

section "IPv6 inner packets"
mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs"
wait_for "$SAFETY" mcvpn_both_up && pass "tunnel up" || fail "tunnel up" "no Child SA in $SAFETY s (SAFETY)"
check_match "the Child SA carries ::/0 as well" '0.0.0.0/0,::/0 === 0.0.0.0/0,::/0' \
	"$(mcvpnctl aws status)"
check_match "aws: route fd00:105::/64 dev vti1" 'fd00:105::/64' "$(nsx aws ip -6 route show dev vti1)"
check "ping6 aws fd00:2::10 -> oci fd00:105::10" \
	nsx aws ping -6 -c 3 -i 0.2 -W "$ECHO_WAIT" -I fd00:2::10 fd00:105::10
check "ping6 oci fd00:105::10 -> aws fd00:2::10" \
	nsx oci ping -6 -c 3 -i 0.2 -W "$ECHO_WAIT" -I fd00:105::10 fd00:2::10
check "a 1300-byte IPv6 ping" nsx aws ping -6 -c 2 -s 1300 -W "$ECHO_WAIT" -I fd00:2::10 fd00:105::10
mcvpnd_stop aws
mcvpnd_stop oci

section "IPv4-only selectors refuse IPv6"
mcvpn_conf_set aws "leftsubnet=0.0.0.0/0" "rightsubnet=0.0.0.0/0"
mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start again" "see the logs"
wait_for "$SAFETY" mcvpn_both_up && pass "tunnel up (aws selectors IPv4 only)" ||
	fail "tunnel up (aws selectors IPv4 only)" "no Child SA in $SAFETY s (SAFETY)"
# oci still routes IPv6 into its tunnel; the agreed Child SA is IPv4 only, so
# oci must drop it before encrypting it, and aws must see none of it
nsx oci ping -6 -c 3 -i 0.2 -W 1 -I fd00:105::10 fd00:2::10 >/dev/null 2>&1
check_rc_nonzero "no IPv6 reply through an IPv4-only Child SA" $?
# the data plane counts them on its own thread: wait for the three
three_dropped() { [ "$(mcvpn_drops oci selector_out)" -ge 3 ] 2>/dev/null; }
wait_for "$SAFETY" three_dropped
out=$(mcvpn_drops oci selector_out)
check_gt "oci dropped the IPv6 packets unsent, as selector_out ($out)" "$out" 2
check_eq "aws received no packet outside the selectors (selector drops)" 0 "$(mcvpn_drops aws selector)"
summary
