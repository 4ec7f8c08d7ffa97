#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration test: the AWS side behind a port-translating NAT that forgets
# its mapping mid-session (RFC 7296 2.23, RFC 3948).
#
#   mcv-aws-PID                  mcv-inet-PID                               mcv-oci-PID
#  +---------------------+      +-----------------------------------+      +----------------------+
#  | mcvpnd  auto=start  |      | nft: aws 10.3.1.200:p ->          |      | mcvpnd  auto=add     |
#  | vti1 192.168.2.1/30 |      |   198.51.100.10:40000-40099,      |      | vti1 192.168.2.2/30  |
#  | nat-keepalive=2s    |      |   then 41000-41099 (conntrack -D) |      |                      |
#  | wan0 10.3.1.200/24  +------+ no way in to aws but replies;     +------+ wan0 10.106.1.200/24 |
#  +---------------------+      | oci 1:1 as 203.0.113.20           |      +----------------------+
#                               +-----------------------------------+
#
# Checks: the tunnel comes up through the port-translating NAT (OCI sees
# AWS at a port of the first range); keepalives from AWS are seen on the wire
# (an nft counter of 1-byte UDP payloads to port 4500) and counted by OCI
# while the tunnel is idle; then the NAT changes its mapping (new port range,
# conntrack flushed): OCI's packets to the old port are lost, and once AWS's
# traffic comes from the new port the tunnel carries pings both ways again
# within 30 s, on the same IKE SA and Child SA (no renegotiation), with OCI
# logging the authenticated move and seeing AWS at a port of the new range.
# The 30 s bound only turns a hang into a failure; recovery takes a second
# or two.
#
# Usage: sudo tests/netns/test_nat.sh   (after a build).  Ends with
# "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"
command -v conntrack >/dev/null || die "conntrack not found (apt-get install conntrack; tests/deps.sh)"

# The middle namespace's rules with AWS behind a port-translating NAT:
# outgoing flows get a port from the range; nothing comes in to AWS but
# replies to them (a cone NAT would let more in; this is the strict kind).
nat_rules() {
	cat <<-END
	table ip mcvpn_test
	delete table ip mcvpn_test
	table ip mcvpn_test {
		chain nat_pre {
			type nat hook prerouting priority dstnat; policy accept;
			ip daddr 203.0.113.20 dnat to 10.106.1.200
		}
		chain nat_post {
			type nat hook postrouting priority srcnat; policy accept;
			ip saddr 10.3.1.200 meta l4proto udp snat to 198.51.100.10:$1
			ip saddr 10.3.1.200 snat to 198.51.100.10
			ip saddr 10.106.1.200 snat to 203.0.113.20
		}
		chain filter_fwd {
			type filter hook forward priority filter; policy drop;
			ip saddr 10.3.1.200 udp dport 4500 udp length 9 counter name keepalives
			ct status dnat accept
			ct state established,related accept
		}
		counter keepalives { }
	}
	END
}

keepalives_seen() {
	nsx inet nft list counter ip mcvpn_test keepalives | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}
keepalives_on_wire() { [ "$(keepalives_seen)" -ge 2 ]; }
oci_keepalives() { mcvpn_json oci 'd["daemon"]["keepalives_rx"]'; }
oci_counted_keepalives() { [ "$(oci_keepalives)" -gt "$KA_BASE" ]; }

# The port at which OCI sees AWS (its IKE SA's remote).
oci_peer_port() { mcvpn_json oci 'c["ike_sas"][0]["remote"].rsplit(":", 1)[1]'; }
oci_sa_ids() { mcvpn_json oci '(c["ike_sas"][0]["serial"], c["ike_sas"][0]["child_sas"][0]["serial"])'; }

ping_ok() { nsx "$1" ping -n -c 1 -W 1 "$2" >/dev/null 2>&1; }
both_ways() { ping_ok aws 192.168.2.2 && ping_ok oci 192.168.2.1; }

section "topology: AWS behind a port-translating NAT"
topo_up
nat_rules 40000-40099 | nsx inet nft -f - || die "nft rules failed"
mcvpn_write_config aws start
mcvpn_write_config oci add
mcvpn_conf_set aws nat-keepalive=2s dpddelay=10s dpdtimeout=60s
mcvpnd_start aws || die "mcvpnd (aws) did not start"
mcvpnd_start oci || die "mcvpnd (oci) did not start"

section "tunnel through the NAT"
if ! check "tunnel up within 20 s" wait_for 20 mcvpn_both_up; then
	mcvpn_dump_logs
	summary
	exit 1
fi
check "ping aws -> oci and oci -> aws" wait_for 5 both_ways
port=$(oci_peer_port)
check_match "OCI sees AWS at a port of the NAT's first range" '^400[0-9][0-9]$' "$port"

section "keepalives while idle"
KA_BASE=$(oci_keepalives)
check "keepalives from AWS on the wire (nft counter)" wait_for 10 keepalives_on_wire
check "OCI counts keepalives from AWS" wait_for 10 oci_counted_keepalives

section "the NAT forgets its mapping"
ids=$(oci_sa_ids)
mark=$(mcvpn_log_mark oci)
nat_rules 41000-41099 | nsx inet nft -f - || die "nft rules (new range) failed"
nsx inet conntrack -D -p udp >/dev/null 2>&1
start=$(now_ms)
check_not "OCI's packets to the old mapping are lost" ping_ok oci 192.168.2.1
if check "pings both ways again within 30 s" wait_for 30 both_ways; then
	info "tunnel carried traffic both ways again $(secs_since "$start") s after the change"
else
	mcvpn_dump_logs
fi
check_match "OCI sees AWS at a port of the new range" '^410[0-9][0-9]$' "$(oci_peer_port)"
check_eq "the same IKE SA and Child SA (no renegotiation)" "$ids" "$(oci_sa_ids)"
check_gt "OCI logged the authenticated move" \
	"$(mcvpn_log_count oci "$mark" 'peer moved from 198\.51\.100\.10:400[0-9]+ to 198\.51\.100\.10:410[0-9]+ \(authenticated\)')" 0
check_eq "no selector, replay or integrity drops at OCI" "0 0 0" \
	"$(mcvpn_drops oci selector) $(mcvpn_drops oci replay) $(mcvpn_drops oci integrity)"

summary
