#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration test: the operators' libreswan files, exactly as their how-to
# prints them (keys at column 0 under "conn NAME", the secrets line
# "IP IP: PSK", the @reboot script that set up vti1), imported with
# "mcvpnctl import-libreswan" on each VM and brought up; then left=%defaultroute
# resolved when the default route appears, and again when it goes and comes.
#
#   mcv-aws-PID                   mcv-inet-PID                            mcv-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd               |      | nft: the clouds' 1:1 NAT       |      | mcvpnd                 |
#  | vti1 192.168.2.1/30  |      |  198.51.100.10 <-> 10.3.1.200  |      | vti1 192.168.2.2/30    |
#  | lo   10.2.0.10/32    |      |  203.0.113.20 <-> 10.106.1.200 |      | lo   10.105.0.10/32    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#   default via 10.3.1.1                                                   default via 10.106.1.1
#   (section 2: taken away before mcvpnd starts, given back later)
#
# Files: tests/import/seed-aws and seed-oci (oci-ipsec.conf, oci-ipsec.secrets,
# vpnstart.sh: the how-to's, with its placeholders filled in).
#
# Usage: sudo tests/netns/test_import.sh   (after a build; MCVPND= and
# MCVPNCTL= override the binaries).  Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

# Child SAs of any conn in SIDE's trafficstatus (the OCI VM's conn is aws-tunnel-1).
sa_count() {
	local n
	n=$(mcvpnctl "$1" trafficstatus 2>/dev/null | grep -cE '^#[0-9]+: "')
	printf '%s' "$n"
}
both_up() { [ "$(sa_count aws)" -ge 1 ] && [ "$(sa_count oci)" -ge 1 ]; }
aws_up() { [ "$(sa_count aws)" -ge 1 ]; }
aws_down() { [ "$(sa_count aws)" -eq 0 ]; }

# import SIDE: the how-to's files of SIDE into SIDE's config dir, run in SIDE's
# namespace as the operator would run it on the VM.  Sets IMPORT_RC, IMPORT_ERR.
import_side() {
	local side=$1 src="$WORK/$1-libreswan" dir
	dir="$(mcvpn_dir "$side")/conf"
	rm -rf "$src" "$dir"
	mkdir -p "$(mcvpn_dir "$side")" || die "mkdir failed"
	cp -a "$REPO/tests/import/seed-$side" "$src" && chmod 600 "$src/oci-ipsec.secrets" ||
		die "copying the seed files failed"
	IMPORT_ERR=$(cd "$src" && nsx "$side" "$MCVPNCTL" import-libreswan oci-ipsec.conf \
		--boot-script vpnstart.sh --output-dir "$dir" 2>&1 >/dev/null)
	IMPORT_RC=$?
}

test_seed() {
	local side out
	section "the operators' files, imported on both VMs"
	for side in aws oci; do
		import_side "$side"
		check_eq "$side: import-libreswan exits 0 (written, clean)" 0 "$IMPORT_RC" ||
			printf '%s\n' "$IMPORT_ERR" | sed 's/^/         | /'
		check_match "$side: the keys at column 0 are taken, with a note" \
			'oci-ipsec.conf:2: note: conn ".*": key lines at column 0' "$IMPORT_ERR"
		check_match "$side: the boot script's address and routes are taken" \
			'interface-ip=192.168.2.[12]/30 and 2 routes from vpnstart.sh lines 3-5' "$IMPORT_ERR"
		out=$(nsx "$side" "$MCVPND" --check --config-dir "$(mcvpn_dir "$side")/conf" 2>&1)
		check_eq "$side: mcvpnd --check accepts the imported files, without a warning (exit $?)" "" \
			"$(printf '%s\n' "$out" | grep -E 'warning|problem')"
	done
	check "aws: oracle-tunnel-1.secrets written mode 0600" \
		test "$(stat -c %a "$(mcvpn_dir aws)/conf/oracle-tunnel-1.secrets")" = 600
	check "oci: aws-tunnel-1.conf written (the OCI VM's conn name)" \
		test -f "$(mcvpn_dir oci)/conf/aws-tunnel-1.conf"

	section "the tunnel from the imported files"
	mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs below"
	if wait_for 20 both_up; then
		pass "tunnel up on both sides within 20 s"
	else
		fail "tunnel up on both sides within 20 s" "Child SAs: aws $(sa_count aws), oci $(sa_count oci)"
	fi
	check "ping aws -> oci 192.168.2.2 (interface-ip from vpnstart.sh)" topo_ping aws 192.168.2.2
	check "ping oci -> aws 192.168.2.1" topo_ping oci 192.168.2.1
	check "ping aws 10.2.0.10 -> oci 10.105.0.10 (routes from vpnstart.sh)" \
		topo_ping aws 10.105.0.10 -I 10.2.0.10
	check "ping oci 10.105.0.10 -> aws 10.2.0.10" topo_ping oci 10.2.0.10 -I 10.105.0.10
	mcvpnd_stop aws 5
	check_eq "aws: mcvpnd exits 0 on SIGTERM" 0 "$STOP_RC"
	mcvpnd_stop oci 5
	check_eq "oci: mcvpnd exits 0 on SIGTERM" 0 "$STOP_RC"
}

# left=%defaultroute on the AWS VM, started while its namespace has no
# default route: the conn waits, comes up when the route comes, goes when
# it goes, and comes back with it.
test_defaultroute() {
	local left
	section "left=%defaultroute, resolved when the default route changes"
	mcvpn_write_config aws start
	mcvpn_write_config oci start
	mcvpn_conf_set aws left=%defaultroute
	nsx aws ip route del default || die "cannot delete aws's default route"
	mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs below"
	sleep 3
	check_eq "aws: no Child SA while there is no default route" 0 "$(sa_count aws)"
	check_match "aws: the log says the conn waits for a default route" \
		"waiting for a default route" "$(cat "$(mcvpn_log aws)")"
	check_match "aws: mcvpnctl up says the conn waits for a default route" \
		"waiting for a default route \\(left=%defaultroute\\)" "$(mcvpnctl aws up "$CONN" 2>&1)"
	nsx aws ip route add default via 10.3.1.1 || die "cannot add aws's default route"
	if wait_for 20 both_up; then
		pass "tunnel up within 20 s of the default route's return"
	else
		fail "tunnel up within 20 s of the default route's return" \
			"Child SAs: aws $(sa_count aws), oci $(sa_count oci)"
	fi
	left=$(mcvpn_json aws 'c["left"]')
	check_eq "aws: status --json shows left= as the default route's source" 10.3.1.200 "$left"
	check "ping aws -> oci 192.168.2.2" topo_ping aws 192.168.2.2
	nsx aws ip route del default
	if wait_for 10 aws_down; then
		pass "aws: the conn goes down within 10 s of the default route's going"
	else
		fail "aws: the conn goes down within 10 s of the default route's going" \
			"Child SAs: $(sa_count aws)"
	fi
	nsx aws ip route add default via 10.3.1.1
	if wait_for 30 aws_up; then
		pass "aws: up again within 30 s of the default route's return"
	else
		fail "aws: up again within 30 s of the default route's return" "Child SAs: $(sa_count aws)"
	fi
	check "ping aws -> oci 192.168.2.2 again" topo_ping aws 192.168.2.2
	mcvpnd_stop aws 5
	mcvpnd_stop oci 5
}

topo_up
topo_check_isolation
test_seed
RUNDIR="$WORK/defaultroute"
test_defaultroute
[ "$FAIL" -eq 0 ] || mcvpn_dump_logs
summary
