#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mcvpn demo: the AWS <-> OCI tunnel, both VMs emulated in network namespaces
# on this machine, with the clouds' 1:1 NAT in between.
#
#   mcv-aws-PID (AWS VM)          mcv-inet-PID (internet)                 mcv-oci-PID (OCI VM)
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd               |      | nft: the clouds' 1:1 NAT       |      | mcvpnd                 |
#  | vti1 192.168.2.1/30  |      |  198.51.100.10 <-> 10.3.1.200  |      | vti1 192.168.2.2/30    |
#  | lo   10.2.0.10/32    |      |  203.0.113.20 <-> 10.106.1.200 |      | lo   10.105.0.10/32    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#   default via 10.3.1.1                                                   default via 10.106.1.1
#   routes 10.105/16, 10.106/16 -> vti1                                    routes 10.2/16, 10.3/16 -> vti1
#
# It installs the build dependencies (tests/deps.sh), builds (build/), sets up
# the namespaces, writes both configs (tests/configs/), starts both daemons,
# waits for the tunnel, shows status, pings across it, stops the daemons and
# shows that vti1 and its routes are gone.  Everything is removed at exit, also
# on failure or Ctrl-C (KEEP_WORK=1 keeps the configs and logs).
#
# Usage: sudo tests/netns/demo.sh
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
. "$HERE/../lib/topo.sh"
. "$HERE/../lib/mcvpn.sh"
. "$HERE/../lib/build.sh"

need_root

# on SIDE CMD...: show "[SIDE]# CMD" as an operator would type it on that VM,
# run it in SIDE's namespace, indent its output.  Returns CMD's status.
on() {
	local side=$1 rc args
	shift
	args="${*:2}"
	printf '  [%s]# %s\n' "$side" "${1##*/}${args:+ $args}"
	nsx "$side" "$@" 2>&1 | sed 's/^/      /'
	rc=${PIPESTATUS[0]}
	return "$rc"
}

ctl() {
	local side=$1
	shift
	on "$side" "$MCVPNCTL" --socket "$(mcvpn_sock "$side")" "$@"
}

# ping_step SIDE DEST [OPTIONS...]: a counted step.
ping_step() {
	local side=$1 dest=$2
	shift 2
	if on "$side" ping -n -c 3 -i 0.2 -W 2 "$@" "$dest"; then
		pass "[$side] ping ${*:+$* }$dest"
	else
		fail "[$side] ping ${*:+$* }$dest"
	fi
}

addrs() {
	nsx "$1" ip -4 -o addr show | awk -v s="$1" '{ printf "      [%s] %-6s %s\n", s, $2, $4 }'
}

section "Dependencies"
"$REPO/tests/deps.sh" || die "installing dependencies failed"

section "Build"
if [ -z "${MCVPN_NO_BUILD:-}" ]; then
	(cd "$REPO" && build_ensure build) || die "build failed"
fi
mcvpn_need_bins
info "mcvpnd:   $MCVPND"
info "mcvpnctl: $MCVPNCTL"

cleanup_init

section "Topology"
sed -n '/^#   mcv-aws/,/^#   routes/p' "$0" | sed 's/^#/ /'
topo_up
info "namespaces: $NS_AWS, $NS_INET, $NS_OCI"
addrs aws
addrs oci

section "Configuration"
mcvpn_write_config aws start
mcvpn_write_config oci start
for side in aws oci; do
	dir="$(mcvpn_dir "$side")/conf"
	info "$side: $dir/$CONN.conf"
	sed 's/^/      /' "$dir/$CONN.conf"
	info "$side: $dir/$CONN.secrets (mode $(stat -c %a "$dir/$CONN.secrets"))"
	sed 's/PSK ".*"/PSK "(hidden)"/; s/^/      /' "$dir/$CONN.secrets"
done

section "Start both daemons"
for side in aws oci; do
	if mcvpnd_start "$side"; then
		info "$side: mcvpnd pid ${MCVPND_PID[$side]}, log $(mcvpn_log "$side")"
	else
		die "mcvpnd ($side) did not start"
	fi
done

section "Waiting for the tunnel (up to 20 s)"
start=$(date +%s)
if wait_for 20 mcvpn_both_up; then
	pass "tunnel up after $(($(date +%s) - start)) s"
else
	fail "tunnel up within 20 s"
	mcvpn_dump_logs
fi

section "Status"
for side in aws oci; do
	ctl "$side" status
	ctl "$side" trafficstatus
done

section "Interface and routes"
for side in aws oci; do
	on "$side" ip addr show dev vti1
	on "$side" ip route show dev vti1
done

section "Pings across 192.168.2.0/30"
ping_step aws 192.168.2.2
ping_step oci 192.168.2.1

section "Pings between the routed subnets"
ping_step aws 10.105.0.10 -I 10.2.0.10
ping_step aws 10.106.1.200
ping_step oci 10.2.0.10 -I 10.105.0.10
ping_step oci 10.3.1.200

section "1400-byte ping, don't fragment"
ping_step aws 192.168.2.2 -M "do" -s 1400
ping_step oci 192.168.2.1 -M "do" -s 1400

section "Traffic counters"
ctl aws trafficstatus
ctl oci trafficstatus

section "Stop (SIGTERM)"
for side in aws oci; do
	if mcvpnd_stop "$side" 5; then
		pass "$side: mcvpnd exited with status 0 after ${STOP_SECS} s"
	else
		fail "$side: mcvpnd exit status $STOP_RC after ${STOP_SECS} s (expected 0 within 5 s)"
	fi
done
for side in aws oci; do
	info "$side: vti1 and its routes should be gone:"
	if on "$side" ip link show vti1; then
		fail "$side: vti1 still exists"
	else
		pass "$side: vti1 removed"
	fi
	on "$side" ip route
done

section "Result"
if [ "$FAIL" -eq 0 ]; then
	say "demo: all $PASS steps worked"
else
	say "demo: $FAIL of $((PASS + FAIL)) steps failed (see above; KEEP_WORK=1 keeps $WORK)"
	mcvpn_dump_logs
fi
summary
