#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The in-tunnel probe (probe=): the seed pair, aws probing oci's tunnel
# address every second, aws's daemon with only the unit's two capabilities
# (CAP_NET_ADMIN, CAP_NET_BIND_SERVICE: no CAP_NET_RAW) and the kernel's
# net.ipv4.ping_group_range ("1 0": no ICMP socket for anyone).
#
#   mcp-aws-PID                   mcp-inet-PID                            mcp-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd (setpriv)     |      | nft: the clouds' 1:1 NAT       |      | mcvpnd                 |
#  |  probe=192.168.2.2   |      |  198.51.100.10 <-> 10.3.1.200  |      |                        |
#  | vti1 192.168.2.1/30  |      |  203.0.113.20 <-> 10.106.1.200 |      | vti1 192.168.2.2/30    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      | table inet cut: drops all      |      | lo fd00:105::10 (IPv6) |
#                                |   forwarded (the cut path)     |      +------------------------+
#                                +--------------------------------+
# Checks: --check's warning for probe= without interface-ip=; probes
# answered, with an RTT, in status --json (its keys and types as
# mcvpnctl(8) lists them) and status; the path cut: the
# probe fails (up false, losses counted), logged once; the path back:
# answered again, logged once; the peer stopped (DELETE): the probe stops,
# up false; the peer back: answered again; a reload that changes
# probe-interval= keeps the Child SA; an IPv6 probe (interface-ip= and
# probe= IPv6, selectors ::/0).  Every wait is for a state polled from
# status --json, bounded by SAFETY (common.sh): nothing depends on the
# machine's speed.
#
# Usage: sudo tests/netns/test_probe.sh   (after a build).  Ends with
# "N passed, N failed".  About 40 s.
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

# our own namespace names: never those of another test running at the same time
NS_AWS="mcp-aws-$$"
NS_OCI="mcp-oci-$$"
NS_INET="mcp-inet-$$"
REAL_MCVPND=$MCVPND

# probe SIDE FIELD: a field of the first conn's probe in status --json.
probe() { mcvpn_json "$1" "c['probe']['$2']"; }
# probe_is SIDE PYTHON-EXPR: the expression over p (the probe) holds.
probe_is() { [ "$(mcvpn_json "$1" "(lambda p: bool($2))(c['probe'])")" = True ]; }

# probe_schema SIDE: "ok" when the first conn's probe in status --json has
# the keys and types mcvpnctl(8) documents, else what is wrong.
probe_schema() {
	mcvpnctl "$1" status --json 2>/dev/null | python3 -c '
import json, sys
p = json.load(sys.stdin)["conns"][0]["probe"]
num = (int, float)
want = {"address": str, "source": str, "interval": int, "timeout": int, "state": str,
        "up": bool, "sent": int, "received": int, "lost": int, "last_rtt": num,
        "loss_ratio": num, "window": int, "rtt": dict}
bad = [k for k in want if k not in p or not isinstance(p[k], want[k])
       or (want[k] is int and isinstance(p[k], bool))]
bad += ["unknown key " + k for k in p if k not in want]
h = p.get("rtt", {})
if sorted(h) != ["buckets", "count", "sum"] or \
   any(sorted(b) != ["count", "le"] for b in h.get("buckets", [])):
    bad.append("rtt")
print("ok" if not bad else "wrong: " + ", ".join(bad))'
}

# The daemon as the unit runs it (tests/netns/test_service.sh does the same).
write_wrapper() {
	local w="$WORK/mcvpnd-unit"
	cat >"$w" <<-EOF
	#!/bin/sh
	exec setpriv --bounding-set=-all,+net_admin,+net_bind_service --inh-caps=-all \\
		--no-new-privs "$REAL_MCVPND" "\$@"
	EOF
	chmod 755 "$w"
}

cut_path() {
	nsx inet nft -f - <<-'EOF'
	table inet cut {
		chain drop_all {
			type filter hook forward priority -10; policy drop;
		}
	}
	EOF
}

# wait_probe DESC SIDE PYTHON-EXPR: pass when the probe's state satisfies it.
wait_probe() {
	local start
	start=$(now_ms)
	if wait_for "$SAFETY" probe_is "$2" "$3"; then
		pass "$1 (after $(secs_since "$start") s)"
		return 0
	fi
	fail "$1" "expected: $3" "got: $(mcvpn_json "$2" "c['probe']") after $SAFETY s (SAFETY): a hang"
	mcvpn_dump_logs
	return 1
}

test_check() {
	local dir="$WORK/check" out line
	section "mcvpnd --check"
	mcvpn_write_config aws start "$dir"
	sed -i '/interface-ip=/d' "$dir/$CONN.conf"
	printf '    probe=192.168.2.2\n' >>"$dir/$CONN.conf"
	line=$(grep -n 'probe=' "$dir/$CONN.conf" | cut -d: -f1)
	out=$(nsx aws timeout "$SAFETY" "$REAL_MCVPND" --check --config-dir "$dir" 2>&1)
	check_eq "--check accepts probe= without interface-ip= (exit status)" 0 $?
	check_match "--check warns that such a probe is not sent, at FILE:LINE" \
		"$CONN\\.conf:$line: warning: conn \"$CONN\": probe=192\\.168\\.2\\.2 is not sent" "$out"
}

test_probe() {
	local pid caps sa lost mark n
	section "probe answered"
	write_wrapper
	mcvpn_write_config aws start
	mcvpn_write_config oci start
	mcvpn_conf_set aws probe=192.168.2.2 probe-interval=1s
	info "ping_group_range in $NS_AWS: $(nsx aws cat /proc/sys/net/ipv4/ping_group_range)"
	mcvpnd_start oci || fail "oci mcvpnd starts" "see its log"
	MCVPND="$WORK/mcvpnd-unit" mcvpnd_start aws || fail "aws mcvpnd starts under setpriv" "see its log"
	pid=${MCVPND_PID[aws]:-}	# ip netns exec, the wrapper and setpriv exec: one process
	caps=$(awk '/^CapEff:/ { print $2 }' "/proc/${pid:-0}/status" 2>/dev/null)
	check_eq "aws mcvpnd runs with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only" \
		0000000000001400 "${caps:-none}"
	wait_for "$SAFETY" mcvpn_both_up && pass "tunnel up" ||
		fail "tunnel up" "no Child SA after $SAFETY s (SAFETY)"
	wait_probe "status --json: 3 probes answered, up, an RTT" aws \
		"p['received'] >= 3 and p['up'] and p['state'] == 'up' and p['last_rtt'] > 0"
	check_eq "the probe's target and source" "192.168.2.2 192.168.2.1 1 1" \
		"$(mcvpn_json aws "' '.join(map(str, (c['probe'][k] for k in ('address', 'source', 'interval', 'timeout'))))")"
	check_eq "the probe object has the keys mcvpnctl(8) lists, typed" ok "$(probe_schema aws)"
	check_eq "the RTT histogram counts every answer (count = received, 13 buckets up to 5 s)" True \
		"$(mcvpn_json aws "(lambda p, h: h['count'] == p['received'] and len(h['buckets']) == 13 and h['buckets'][-1]['le'] == 5 and h['buckets'][-1]['count'] <= h['count'] and h['sum'] > 0)(c['probe'], c['probe']['rtt'])")"
	check_match "status shows the probe up with its RTT" \
		"probe 192\\.168\\.2\\.2 every 1s: up, last RTT [0-9.]+ ms; [0-9]+ sent, [0-9]+ answered, [0-9]+ lost" \
		"$(mcvpnctl aws status)"
	check_eq "oci has no probe: null in status --json" None "$(mcvpn_json oci "c['probe']")"

	section "path cut: the probe fails"
	mark=$(mcvpn_log_mark aws)
	lost=$(probe aws lost)
	cut_path || fail "cut the path (nft)" "nft refused the table"
	wait_probe "up false, 3 more lost, state failing" aws \
		"not p['up'] and p['lost'] >= ${lost:-0} + 3 and p['state'] == 'failing' and p['loss_ratio'] > 0"
	n=$(mcvpn_log_count aws "$mark" 'probe 192\.168\.2\.2: no answer within 1s: failing')
	check_eq "the failure is logged once, not per echo" 1 "$n"

	section "path back: answered again"
	mark=$(mcvpn_log_mark aws)
	n=$(probe aws received)
	nsx inet nft delete table inet cut || fail "restore the path" "nft delete failed"
	wait_probe "up again, answers counted" aws "p['up'] and p['received'] > ${n:-0}"
	n=$(mcvpn_log_count aws "$mark" 'probe 192\.168\.2\.2: answered again after [0-9]+ lost')
	check_eq "the recovery is logged once" 1 "$n"

	section "peer stopped, then back"
	mcvpnd_stop oci
	wait_probe "the peer's DELETE stops the probe: up false" aws \
		"not p['up'] and p['state'] == 'stopped'"
	check_match "status says the probe has stopped" "probe 192\\.168\\.2\\.2 every 1s: stopped \\(no Child SA\\)" \
		"$(mcvpnctl aws status)"
	n=$(probe aws received)
	mcvpnd_start oci || fail "oci mcvpnd starts again" "see its log"
	wait_probe "answered again once the tunnel is back" aws "p['up'] and p['received'] > ${n:-0}"

	section "reload: a new probe-interval=, the same Child SA"
	mcvpn_check_one_pair "one SA pair before the reload"
	sa=$(mcvpn_field aws sa)
	mcvpn_conf_set aws probe-interval=2s
	check_match "reload applies the probe without a restart" "probe changed: applied, the tunnel untouched" \
		"$(mcvpnctl aws reload 2>&1)"
	check_eq "the probe now runs every 2 s" 2 "$(probe aws interval)"
	check_eq "the same Child SA carries the traffic" "$sa" "$(mcvpn_field aws sa)"
	wait_probe "the new probe is answered" aws "p['up'] and p['received'] >= 1"
	mcvpnd_stop aws
	mcvpnd_stop oci
}

test_ipv6() {
	section "IPv6 probe"
	nsx oci ip addr add fd00:105::10/128 dev lo
	mcvpn_write_config aws start
	mcvpn_write_config oci start
	mcvpn_conf_set aws "leftsubnet=0.0.0.0/0,::/0" "rightsubnet=0.0.0.0/0,::/0" \
		interface-ip=fd00:2::1/64 probe=fd00:105::10 probe-interval=1s
	mcvpn_conf_set oci "leftsubnet=0.0.0.0/0,::/0" "rightsubnet=0.0.0.0/0,::/0" \
		"routes=10.2.0.0/16,10.3.0.0/16,fd00:2::/64"
	mcvpnd_start oci && MCVPND="$WORK/mcvpnd-unit" mcvpnd_start aws ||
		fail "both daemons start" "see the logs"
	wait_probe "ICMPv6 probes answered from fd00:105::10" aws \
		"p['up'] and p['received'] >= 2 and p['source'] == 'fd00:2::1'"
}

topo_up
test_check
test_probe
test_ipv6
summary
