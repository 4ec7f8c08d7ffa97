#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mcvpnd as the unprivileged user mcvpn, both ways the issue names: the AWS
# side started as root with --user mcvpn (it switches itself), the OCI side
# started as mcvpn from the start with the two capabilities as ambient ones
# (setpriv, as the unit's User= and AmbientCapabilities= do).
#
#   mcv-aws-PID                    mcv-inet-PID                 mcv-oci-PID
#   mcvpnd --user mcvpn            1:1 NAT                      setpriv --reuid mcvpn ... mcvpnd
#   vti1 192.168.2.1/30   -------  198.51.100.10 <-> 10.3.1.200  -------  vti1 192.168.2.2/30
#   lo   10.2.0.10/32              203.0.113.20 <-> 10.106.1.200          lo   10.105.0.10/32
#   wan0 10.3.1.200/24                                                    wan0 10.106.1.200/24
#   (+ by reload: vti2, 10.200/16,                             (+ by reload: vti2, 10.201/16,
#    UDP 500/4500 on 10.3.1.201, mark 7)                        UDP 500/4500 on 10.106.1.201, mark 7)
#
# Checks: each daemon's /proc/PID/status shows mcvpn's uid and gid and
# only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE (CapEff, CapPrm, CapAmb,
# CapBnd), with no_new_privs; the tunnel comes up and carries pings; the
# updown= hook runs as mcvpn with the two capabilities (ambient);
# mcvpnctl status works as root, and the control socket is mcvpn's, 0600;
# what the daemon does later works as mcvpn: a reload that adds a conn (its
# config read again, a new TUN device and its route, new sockets on ports
# 500 and 4500 of another address with SO_MARK), a deleted TUN device made
# again, SIGTERM removing the devices, routes and the control socket; the
# permission check refuses, at start and at reload, a world-readable
# secrets file, a secrets file mcvpn cannot read (naming the chown), a
# directory others may write to, and an unknown --user; import-libreswan
# run as root gives the files it writes into mcvpn's directory to mcvpn.
#
# The user mcvpn is created (useradd --system) if missing, and removed at
# the end if this test created it.  Every wait is for an event, bounded by
# SAFETY (common.sh).
#
# Usage: sudo tests/netns/test_unpriv.sh   (after a build; MCVPND= and
# MCVPNCTL= override the binaries).  Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

USER_NAME=$MCVPN_USER
TWO_CAPS=0000000000001400	# CAP_NET_ADMIN (12) and CAP_NET_BIND_SERVICE (10)
REAL_MCVPND=$MCVPND

# ------------------------------------------------------------ set-up

# The OCI daemon as the unit starts it: already mcvpn, the two
# capabilities ambient, nothing else in the bounding set, no_new_privs.
write_setpriv_wrapper() {
	local w="$WORK/mcvpnd-as-user"
	cat >"$w" <<EOF
#!/bin/sh
exec setpriv --reuid=$USER_NAME --regid=$USER_NAME --clear-groups \\
	--inh-caps=-all,+net_admin,+net_bind_service \\
	--ambient-caps=-all,+net_admin,+net_bind_service \\
	--bounding-set=-all,+net_admin,+net_bind_service --no-new-privs \\
	"$REAL_MCVPND" "\$@"
EOF
	chmod 755 "$w"
	SETPRIV_MCVPND=$w
}

# side_config SIDE: the example config, with a hook (updown=) that writes
# its own uid and capabilities down, and the side's directory (config,
# control socket, the hook's record) given to mcvpn: 0700 and 0600 as the
# packages leave them.
side_config() {
	local hook="$WORK/hook-$1"
	mcvpn_write_config "$1" start
	printf '#!/bin/sh\ngrep -E "^(Uid|CapEff|CapAmb):" /proc/self/status >"%s/hook.out"\n' \
		"$(mcvpn_dir "$1")" >"$hook"
	chmod 755 "$hook"
	mcvpn_conf_set "$1" "updown=$hook"
	chown -R "$USER_NAME:$USER_NAME" "$(mcvpn_dir "$1")" || die "chown $(mcvpn_dir "$1") failed"
}

# hook_ran SIDE: the hook wrote its record.
hook_ran() { grep -q '^CapAmb:' "$(mcvpn_dir "$1")/hook.out" 2>/dev/null; }

# The hook runs as the daemon's user with the two capabilities, so that a
# program such as ip(8) can change the network.
check_hook() {
	local side=$1 rec
	if ! wait_for "$SAFETY" hook_ran "$side"; then
		fail "$side: the updown= hook ran" "no record after $SAFETY s (SAFETY)"
		return
	fi
	rec=$(awk '{ print $2 }' "$(mcvpn_dir "$side")/hook.out" | tr '\n' ' ')
	check_eq "$side: the updown= hook runs as $USER_NAME with the two capabilities (Uid, CapEff, CapAmb)" \
		"$MCVPN_UID $TWO_CAPS $TWO_CAPS " "$rec"
}

# daemon_pid SIDE: mcvpnd's pid (ip netns exec, sh and setpriv exec it).
daemon_pid() {
	local pid=${MCVPND_PID[$1]:-}
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = mcvpnd ] && printf '%s' "$pid"
}

# field PID NAME: a line of /proc/PID/status without its name, blanks squeezed.
field() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status" 2>/dev/null; }

# ------------------------------------------------------------ the checks

check_identity() {
	local side=$1 how=$2 pid f
	pid=$(daemon_pid "$side")
	if [ -z "$pid" ]; then
		fail "$side ($how): mcvpnd runs" "no mcvpnd at pid ${MCVPND_PID[$side]:-none}"
		return
	fi
	check_eq "$side ($how): uid is $USER_NAME's (real, effective, saved, fs)" \
		"$MCVPN_UID $MCVPN_UID $MCVPN_UID $MCVPN_UID" "$(field "$pid" Uid)"
	check_eq "$side ($how): gid is $USER_NAME's" \
		"$MCVPN_GID $MCVPN_GID $MCVPN_GID $MCVPN_GID" "$(field "$pid" Gid)"
	for f in CapEff CapPrm CapAmb CapBnd; do
		check_eq "$side ($how): $f holds only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE" \
			"$TWO_CAPS" "$(field "$pid" "$f")"
	done
	check_eq "$side ($how): no_new_privs" 1 "$(field "$pid" NoNewPrivs)"
	# every thread (the data plane's two), not only the first
	check_eq "$side ($how): every thread holds the same two capabilities" "$TWO_CAPS" \
		"$(cat /proc/"$pid"/task/*/status | awk '/^CapEff:|^CapPrm:/ { print $2 }' | sort -u)"
}

test_up() {
	local s
	section "both daemons as $USER_NAME"
	topo_up
	topo_check_isolation
	side_config aws
	side_config oci
	MCVPND_ARGS="--user $USER_NAME" mcvpnd_start aws ||
		fail "aws: mcvpnd --user $USER_NAME starts" "see its log above"
	MCVPND=$SETPRIV_MCVPND mcvpnd_start oci ||
		fail "oci: mcvpnd started as $USER_NAME (setpriv) starts" "see its log above"
	check_identity aws "--user"
	check_identity oci "setpriv"
	if wait_for "$SAFETY" mcvpn_both_up; then
		pass "the tunnel comes up between the two unprivileged daemons"
	else
		fail "the tunnel comes up between the two unprivileged daemons" \
			"no Child SA on both sides after $SAFETY s (SAFETY)"
		mcvpn_dump_logs
	fi
	check "ping aws -> oci across the tunnel" topo_ping aws 192.168.2.2
	check "ping between the routed subnets (10.2.0.10 -> 10.105.0.10)" \
		topo_ping aws 10.105.0.10 -I 10.2.0.10
	for s in aws oci; do
		check_match "$s: mcvpnctl status works as root" "\"$CONN\"" "$(mcvpnctl "$s" status 2>&1)"
		check_eq "$s: the control socket is $USER_NAME's, mode 0600" "$USER_NAME 600" \
			"$(stat -c '%U %a' "$(mcvpn_sock "$s")" 2>&1)"
	done
	check_hook aws
	check_hook oci
	check_eq "no warning that SO_MARK or a bind failed" 0 \
		"$(cat "$(mcvpn_log aws)" "$(mcvpn_log oci)" | grep -cE 'cannot set SO_MARK|cannot bind')"
}

# second_conf SIDE LEFT RIGHT ID NET: a second conn (auto=add, nobody at its
# right=) on another local address, with a mark, its own device and route.
second_conf() {
	local dir
	dir="$(mcvpn_dir "$1")/conf"
	cat >"$dir/second.conf" <<EOF
conn second
    left=$2
    right=$3
    leftid=$4
    authby=secret
    auto=add
    mark=7/0xffffffff
    vti-interface=vti2
    ike=aes_cbc256-sha2_384;modp1536
    phase2alg=aes_gcm256
    interface-ip=192.168.3.1/30
    routes=$5
EOF
	printf '%s %s : PSK "second-test-psk-0123456789"\n' "$3" "$4" >"$dir/second.secrets"
	chmod 600 "$dir/second.secrets"
	chown "$USER_NAME:$USER_NAME" "$dir/second.conf" "$dir/second.secrets"
}

# bound SIDE ADDR PORT: a UDP socket of mcvpnd on ADDR:PORT, owned by
# mcvpn, with firewall mark 7.
bound() {
	nsx "$1" ss -Huanpe "src $2:$3" | grep 'mcvpnd' | grep "uid:$MCVPN_UID" | grep -q 'fwmark:0x7'
}

check_reload_adds() {
	local side=$1 left=$2 net=$3 out
	out=$(mcvpnctl "$side" reload 2>&1)
	check_match "$side: reload adding a conn, as $USER_NAME" '"second": added' "$out"
	wait_for "$SAFETY" nsx "$side" ip link show vti2 && pass "$side: its new TUN device vti2 exists" ||
		fail "$side: its new TUN device vti2 exists" "not after $SAFETY s (SAFETY)" "reload: $out"
	# proto 77: mcvpn's, by number (the name needs the installed rt_protos.d file)
	wait_for "$SAFETY" sh -c "ip -n $(ns_of "$side") route show proto 77 dev vti2 | grep -q '^$net'" &&
		pass "$side: its route $net is installed (proto mcvpn)" ||
		fail "$side: its route $net is installed (proto mcvpn)" \
			"got: $(nsx "$side" ip route show dev vti2 2>&1)"
	check "$side: UDP 500 on $left is bound, by $USER_NAME, with SO_MARK 7" bound "$side" "$left" 500
	check "$side: UDP 4500 on $left is bound, by $USER_NAME, with SO_MARK 7" bound "$side" "$left" 4500
}

test_later() {
	local dir out mark
	section "what the daemon does later, as $USER_NAME"
	second_conf aws 10.3.1.201 203.0.113.99 198.51.100.10 10.200.0.0/16
	second_conf oci 10.106.1.201 198.51.100.99 203.0.113.20 10.201.0.0/16
	check_reload_adds aws 10.3.1.201 10.200.0.0/16
	check_reload_adds oci 10.106.1.201 10.201.0.0/16

	# a secrets file root wrote and did not give to mcvpn: refused, by name
	dir="$(mcvpn_dir aws)/conf"
	chown root:root "$dir/second.secrets"
	out=$(mcvpnctl aws reload 2>&1)
	check_match "reload: a secrets file $USER_NAME cannot read is named, with the chown" \
		"second\\.secrets: cannot open: owned by root \\(mode 0600\\), but mcvpnd reads it as $USER_NAME; chown $USER_NAME .*second\\.secrets" \
		"$out"
	check_match "reload: and refused as a whole" "running configuration is unchanged" "$out"
	chown "$USER_NAME:$USER_NAME" "$dir/second.secrets"
	chmod 644 "$dir/second.secrets"
	out=$(mcvpnctl aws reload 2>&1)
	check_match "reload: a world-readable secrets file is refused" \
		"second\\.secrets: mode 0644 is readable by others; chmod 600" "$out"
	chmod 600 "$dir/second.secrets"
	check "vti2 is still there after the refused reloads" nsx aws ip link show vti2

	# a TUN device someone deletes is made again by the daemon
	mark=$(mcvpn_log_mark aws)
	nsx aws ip link del vti1
	wait_for "$SAFETY" nsx aws ip link show vti1 && pass "a deleted vti1 is made again by $USER_NAME" ||
		fail "a deleted vti1 is made again by $USER_NAME" "log: $(mcvpn_log_since aws "$mark" | tail -n 5)"
	wait_for "$SAFETY" nsx aws ping -c 1 -W 1 192.168.2.2 && pass "ping across the tunnel again" ||
		fail "ping across the tunnel again" "no echo for $SAFETY s (SAFETY)"
	check_identity aws "--user, after all that"

	mcvpnd_stop aws
	check_eq "SIGTERM: exit status 0" 0 "$STOP_RC"
	check_not "SIGTERM: vti1 removed" nsx aws ip link show vti1
	check_not "SIGTERM: vti2 removed" nsx aws ip link show vti2
	check_eq "SIGTERM: no proto mcvpn route left" "" "$(nsx aws ip route show table all proto 77 2>&1)"
	check_not "SIGTERM: the control socket removed (by $USER_NAME)" test -e "$(mcvpn_sock aws)"
	mcvpnd_stop oci
	check_eq "oci: SIGTERM: exit status 0" 0 "$STOP_RC"
}

# ------------------------------------------------------------ refusals at start

# start_refused DESC DIR REGEX [OPTIONS...]: mcvpnd as root with OPTIONS
# (default --user mcvpn) on DIR exits 1 with a line matching REGEX and
# makes no device.
start_refused() {
	local desc=$1 dir=$2 re=$3 out rc
	shift 3
	[ $# -gt 0 ] || set -- --user "$USER_NAME"
	out=$(nsx aws timeout "$SAFETY" "$REAL_MCVPND" "$@" --config-dir "$dir" \
		--socket "$WORK/refused/mcvpnd.sock" --foreground 2>&1)
	rc=$?
	check_eq "$desc: exit status 1" 1 "$rc"
	check_match "$desc: it says why" "$re" "$out"
	check_not "$desc: no vti1 made" nsx aws ip link show vti1
}

test_refusals() {
	local dir="$WORK/refuse/conf"
	section "the permission check at start"
	mcvpn_write_config aws start "$dir"
	chown -R "$USER_NAME:$USER_NAME" "$WORK/refuse"
	check "--check --user $USER_NAME accepts the config as the packages leave it" \
		nsx aws "$REAL_MCVPND" --check --user "$USER_NAME" --config-dir "$dir"

	chmod 644 "$dir/$CONN.secrets"
	start_refused "a world-readable secrets file" "$dir" \
		"$CONN\\.secrets: mode 0644 is readable by others; chmod 600 $dir/$CONN\\.secrets"
	chmod 600 "$dir/$CONN.secrets"

	chown root:root "$dir/$CONN.secrets"
	start_refused "a secrets file of root's" "$dir" \
		"$CONN\\.secrets: cannot open: owned by root \\(mode 0600\\), but mcvpnd reads it as $USER_NAME; chown $USER_NAME $dir/$CONN\\.secrets"
	chown "$USER_NAME:$USER_NAME" "$dir/$CONN.secrets"

	chown root:root "$dir"
	start_refused "a config directory of root's (0700)" "$dir" \
		"$dir: cannot read directory: owned by root \\(mode 0700\\), but mcvpnd reads it as $USER_NAME; chown -R $USER_NAME $dir"
	chown "$USER_NAME:$USER_NAME" "$dir"

	chmod 0777 "$dir"
	start_refused "a config directory others may write to" "$dir" \
		"$dir: mode 0777 lets others add or replace files in it; chmod 700 $dir"
	chmod 0755 "$dir"
	check_match "a config directory others may list: a warning" \
		"$dir: warning: mode 0755 lets others list it and read its \\.conf files; chmod 700 $dir" \
		"$(nsx aws "$REAL_MCVPND" --check --user "$USER_NAME" --config-dir "$dir" 2>&1)"
	chmod 0700 "$dir"

	start_refused "an unknown --user" "$dir" "--user mcvpn-no-such-user: no such user" \
		--user mcvpn-no-such-user
}

# import-libreswan run as root into a directory of mcvpn's gives the files
# to mcvpn, so that the daemon reads them.
test_import_owner() {
	local dir="$WORK/imported" out
	section "import-libreswan as root into $USER_NAME's directory"
	mkdir -m 700 "$dir" && chown "$USER_NAME:$USER_NAME" "$dir"
	out=$(cd "$REPO/tests/import/aws" && "$MCVPNCTL" import-libreswan oracle-tunnel-1.conf \
		--boot-script reboot.sh --output-dir "$dir" 2>&1)
	check_match "the files are written" "wrote $dir/$CONN\\.secrets \\(mode 0600\\)" "$out"
	check_eq "they are $USER_NAME's, the .secrets 0600" \
		"$USER_NAME 644 $CONN.conf|$USER_NAME 600 $CONN.secrets|" \
		"$(cd "$dir" && stat -c '%U %a %n' "$CONN.conf" "$CONN.secrets" | tr '\n' '|')"
	check "mcvpnd --check --user $USER_NAME reads them" \
		nsx aws "$REAL_MCVPND" --check --user "$USER_NAME" --config-dir "$dir"
}

mcvpn_user_ensure
write_setpriv_wrapper
test_up
test_later
test_refusals
test_import_owner
summary
