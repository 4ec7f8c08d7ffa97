#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mcvpnctl verify in a namespace of its own: every check says [OK] on a host
# set up as a gateway, and each deliberately broken setting turns its line
# into [FAILED] with the fix, and the exit status into 1.
# Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
. "$HERE/../lib/mcvpn.sh"

need_root
mcvpn_need_bins
cleanup_init

NS="mcv-verify-$$"
CONF="$WORK/conf"
OUT=
RC=

ns_down() { ip netns del "$NS" 2>/dev/null; }

good_host() {
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.all.accept_redirects=0
	mkdir -p "$CONF"
	cp "$REPO/tests/configs/aws/"* "$CONF/"
	chmod 700 "$CONF"
	chmod 600 "$CONF"/*.secrets
}

run_verify() {
	OUT=$(ip netns exec "$NS" "$MCVPNCTL" --socket "$WORK/none.sock" verify --config-dir "$CONF" 2>&1)
	RC=$?
}

# expect_failed WHAT LINE-PATTERN FIX-PATTERN
expect_failed() {
	run_verify
	check_eq "$1: exit status 1" 1 "$RC"
	check_match "$1: its line says FAILED" "$2.*\\[FAILED\\]" "$OUT"
	check_match "$1: the fix is given" "$3" "$OUT"
}

ip netns add "$NS" || die "ip netns add failed"
at_exit ns_down
ip -n "$NS" link set lo up

section "a gateway set up right"
good_host
run_verify
printf '%s\n' "$OUT" | sed 's/^/    | /'
check_eq "verify exits 0" 0 "$RC"
check_eq "no line says FAILED" 0 "$(printf '%s\n' "$OUT" | grep -c FAILED)"
check_eq "thirteen checks say OK" 13 "$(printf '%s\n' "$OUT" | grep -c '\[OK\]')"

section "the shipped sysctl.d drop-in sets what verify wants"
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=0 net.ipv4.conf.all.rp_filter=1 \
	net.ipv4.conf.default.rp_filter=1 net.ipv4.conf.all.send_redirects=1 \
	net.ipv4.conf.all.accept_redirects=1
run_verify
check_eq "with everything wrong, five sysctl lines fail" 5 \
	"$(printf '%s\n' "$OUT" | grep -c '^net\..*\[FAILED\]')"
check "sysctl -p packaging/sysctl/90-mcvpn.conf" \
	ip netns exec "$NS" sysctl -q -p "$REPO/packaging/sysctl/90-mcvpn.conf"
run_verify
check_eq "then verify exits 0" 0 "$RC"

section "broken one at a time"
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=0
expect_failed "ip_forward=0" "ip_forward" "sysctl -w net.ipv4.ip_forward=1"
check_match "ip_forward=0: the fix that lasts (a sysctl.d drop-in)" \
	"and at boot: echo 'net.ipv4.ip_forward = 1' >> /etc/sysctl.d/90-mcvpn.conf" "$OUT"
good_host
ip netns exec "$NS" sysctl -qw net.ipv4.conf.all.rp_filter=1
expect_failed "rp_filter=1" "all.rp_filter" "rp_filter=0"
good_host
ip netns exec "$NS" sysctl -qw net.ipv4.conf.all.send_redirects=1
expect_failed "send_redirects=1" "send_redirects" "send_redirects=0"
good_host
chmod 644 "$CONF"/*.secrets
expect_failed "secrets mode 0644" "mode 0600" "chmod 600 $CONF/oracle-tunnel-1.secrets"
good_host
chmod 755 "$CONF"
expect_failed "config directory mode 0755" "$CONF is private" \
	"mode 0755 lets others list it and read its .conf files; chmod 700 $CONF"
good_host
printf '    dpdaction=sometimes\n' >>"$CONF/oracle-tunnel-1.conf"
expect_failed "a bad config key" "is valid" "dpdaction=sometimes: expected restart, clear or hold"
good_host
cp "$REPO/tests/configs/aws/"* "$CONF/"
chmod 600 "$CONF"/*.secrets

# Something else holds UDP 500 (another IKE daemon): verify runs once it is
# bound (the holder says so with a file), and the holder until it is stopped.
ip netns exec "$NS" timeout $((SAFETY * 2)) python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 500))
open(sys.argv[1], "w").close()
time.sleep(86400)' "$WORK/holder.ready" &
HOLDER=$!
at_exit "stop_pid $HOLDER"
wait_for "$SAFETY" test -e "$WORK/holder.ready" || fail "a program holds UDP 500" "not bound after $SAFETY s"
expect_failed "UDP 500 taken by another program" "port 500" "another IKE daemon"
check_match "verify names the program that holds UDP 500" \
	"cannot bind UDP 500: python3 \\(pid [0-9]+\\) holds it" "$OUT"
stop_pid "$HOLDER"

# A host firewall (nftables) that lets in ssh and nothing of IKE: verify
# says which chain drops it and the command that opens it; that command,
# run as printed, turns both lines OK.  A rule for 4500 alone leaves 500
# refused.
section "the firewall: nftables"
ip netns exec "$NS" nft -f - <<'NFT' || fail "nft -f" "the test ruleset did not load"
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iifname "lo" accept
		tcp dport 22 accept
	}
}
NFT
expect_failed "policy drop without IKE" "the firewall lets UDP 500 in" \
	"table inet filter, chain input: policy drop, and no rule accepts UDP 500"
check_match "the fix for 4500 too" "the firewall lets UDP 4500 in.*\\[FAILED\\]" "$OUT"
cmd=$(printf '%s\n' "$OUT" | grep -o "nft insert rule inet filter input udp dport '{ 500, 4500 }' accept" | head -n 1)
check_eq "the fix is an nft command for that chain" \
	"nft insert rule inet filter input udp dport '{ 500, 4500 }' accept" "$cmd"
ip netns exec "$NS" nft insert rule inet filter input udp dport 4500 accept
run_verify
check_match "UDP 4500 alone opened: 4500 OK" "the firewall lets UDP 4500 in +\\[OK\\]" "$OUT"
check_match "UDP 4500 alone opened: 500 still FAILED" "the firewall lets UDP 500 in +\\[FAILED\\]" "$OUT"
ip netns exec "$NS" nft flush chain inet filter input
ip netns exec "$NS" nft add rule inet filter input tcp dport 22 accept
ip netns exec "$NS" nft insert rule inet filter input udp dport '{ 500, 4500 }' accept
run_verify
check_eq "the printed fix applied: verify exits 0" 0 "$RC"
check_match "and says which rule lets it in" \
	"nftables: table inet filter, chain input: 'udp dport \\{ 500, 4500 \\} accept' accepts it" "$OUT"
ip netns exec "$NS" nft flush ruleset

# firewalld, when it runs, answers for its zones (firewall-cmd's exit
# status is its answer).  firewalld needs D-Bus, which a test namespace has
# not: a firewall-cmd of the test's stands in, answering from a file.
section "the firewall: firewalld"
mkdir -p "$WORK/bin"
cat >"$WORK/bin/firewall-cmd" <<'FWCMD'
#!/bin/sh
grep -qxF -- "$1" "${0%/*}/open" 2>/dev/null
FWCMD
chmod 755 "$WORK/bin/firewall-cmd"
printf '%s\n' --state >"$WORK/bin/open"
OUT=$(PATH="$WORK/bin:$PATH" ip netns exec "$NS" "$MCVPNCTL" --socket "$WORK/none.sock" verify --config-dir "$CONF" 2>&1)
RC=$?
check_eq "firewalld without the service: exit status 1" 1 "$RC"
check_match "firewalld without the service: its fix" \
	"firewall-cmd --permanent --add-service=mcvpn && firewall-cmd --reload" "$OUT"
printf '%s\n' --state --query-service=mcvpn >"$WORK/bin/open"
OUT=$(PATH="$WORK/bin:$PATH" ip netns exec "$NS" "$MCVPNCTL" --socket "$WORK/none.sock" verify --config-dir "$CONF" 2>&1)
RC=$?
check_eq "firewalld with the service: exit status 0" 0 "$RC"
check_match "firewalld with the service: said" "firewalld: service mcvpn is open" "$OUT"
printf '%s\n' --state --query-port=500/udp >"$WORK/bin/open"
OUT=$(PATH="$WORK/bin:$PATH" ip netns exec "$NS" "$MCVPNCTL" --socket "$WORK/none.sock" verify --config-dir "$CONF" 2>&1)
check_match "firewalld with port 500 alone: 500 OK" "the firewall lets UDP 500 in +\\[OK\\]" "$OUT"
check_match "firewalld with port 500 alone: 4500 FAILED" "the firewall lets UDP 4500 in +\\[FAILED\\]" "$OUT"

summary
