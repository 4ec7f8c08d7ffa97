#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interop: mcvpnd (AWS side, config imported from the operators' libreswan
# file) against Debian 12's libreswan 4.10 pluto (OCI side, the operators'
# libreswan file as it is).
#
#   mcv-aws-PID                   mcv-inet-PID                            mcv-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd               |      | nft: the clouds' 1:1 NAT       |      | pluto (libreswan 4.10) |
#  | vti1 192.168.2.1/30  |      |  198.51.100.10 <-> 10.3.1.200  |      | kernel XFRM, no ESP    |
#  | lo   10.2.0.10/32    |      |  203.0.113.20 <-> 10.106.1.200 |      | lo   10.105.0.10/32    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#   conf: mcvpnctl import-libreswan libreswan/aws/*     conf: libreswan/oci/oracle-tunnel-1.conf
#
# The kernel of the test machines has no ESP (shared/notes/test-machine.md):
# pluto negotiates IKE with mcvpnd, then cannot add its Child SA to the
# kernel ("Function not implemented (errno 38)") and deletes its IKE SA
# without a word to the peer.  No packet can cross, and no pluto option
# skips the kernel.  So the test asserts what is deterministic about that:
#
# Migration: libreswan accepts both operators' files (addconn --checkconfig);
#   mcvpnctl import-libreswan turns each, with its secrets and (AWS) boot
#   script, into an mcvpnd config that keeps every key as written, adds
#   interface-ip= and routes=, and that mcvpnd --check accepts.  The AWS
#   import is what mcvpnd runs below.
# Case 1, mcvpnd initiates (auto=start), pluto responds (auto=add): pluto
#   shows the operators' conn loaded (algorithms, mark, vti1); it picks
#   IKE AES_CBC_256/HMAC_SHA2_384(_192)/MODP1536 and ESP AES_GCM_C_256 with
#   ESN (esn=either, libreswan's default and mcvpnd's: mcvpnd offers ESN
#   and 32-bit, pluto takes ESN), authenticates mcvpnd by PSK as ID_IPV4_ADDR 198.51.100.10, fails the
#   kernel Add SA with errno 38 and answers IKE_AUTH with TS_UNACCEPTABLE.
#   mcvpnd never counts the conn up: "peer refused the Child SA:
#   TS_UNACCEPTABLE", IKE SA down, retry in 1 s; status --json down with
#   last_error TS_UNACCEPTABLE, no SA, vti1 with its address and routes kept;
#   pluto holds no SA either.  SIGTERM: mcvpnd exits 0 and removes vti1.
# Case 2, pluto initiates (auto=start, revival impaired so it tries once),
#   mcvpnd responds (auto=add, dpddelay=2s dpdtimeout=6s): both sides
#   establish the IKE SA (same algorithms, PSK, ids); mcvpnd installs the
#   Child SA (AES_GCM_16-256, ESN) whose inbound SPI is exactly the SA pluto then
#   fails to add (errno 38); pluto deletes its IKE SA without notification
#   and holds nothing, while mcvpnd shows one IKE SA and one Child SA (it
#   cannot know).  mcvpnd's liveness check goes unanswered (pluto drops it:
#   "no corresponding IKE SA") and DPD ends the SAs after 6 s: conn down, no
#   SA, vti1 kept, no new attempt (auto=add, dpdaction=hold).  SIGTERM: exit
#   0, vti1 removed.
# Case 3, as case 1 with vti-interface=, vti-routing= and mark= removed from
#   pluto's conn: the same errno 38 on the same Add SA (the VTI is not what
#   stops libreswan here).
# Case 4, pluto initiates and revives (its default) the conn it dropped:
#   each new IKE SA comes while mcvpnd still holds the old one; mcvpnd keeps
#   the newer every time and never takes it for a collision.
#
# Usage: sudo tests/interop/test_libreswan.sh     Ends with "N passed, N failed".
# Needs tests/deps.sh's packages; fetches the libreswan .deb (apt-get
# download, never installed: it conflicts with strongSwan) into
# build-libreswan/ once (LIBRESWAN_ROOT=DIR uses an unpacked one instead).
# About 20 s (plus the download of the 1.3 MB .deb the first time).
# shellcheck source-path=SCRIPTDIR/../lib source-path=SCRIPTDIR disable=SC2015  # A && B || fail is meant
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
. "$HERE/../lib/topo.sh"
. "$HERE/../lib/mcvpn.sh"
. "$HERE/libreswan/pluto.sh"

LSWCONF=$HERE/libreswan
CASE=0

need_root
mcvpn_need_bins
lsw_fetch
lsw_need
cleanup_init

# The operators' conn as libreswan 4.10 names it.
LSW_IKE='AES_CBC_256-HMAC_SHA2_384-HMAC_SHA2_384_192-MODP1536'
LSW_IKE_SENT='\{cipher=AES_CBC_256 integ=HMAC_SHA2_384_192 prf=HMAC_SHA2_384 group=MODP1536\}'
LSW_PEER="authenticated peer using authby=secret and ID_IPV4_ADDR '198.51.100.10'"
ENOSYS='netlink response for Add SA esp\.[0-9a-f]{1,8}@198\.51\.100\.10: Function not implemented \(errno 38\)'
# ... and as mcvpnd names it.
MCV_IKE='AES_CBC-256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/MODP_1536'

# pluto (SIDE) holds no IKE SA and no IPsec SA.
lsw_no_sa() {
	local st
	st=$(lsw_whack "$1" --status 2>&1) || return 1
	printf '%s\n' "$st" | grep -q 'IKE SAs: total(0),' &&
		printf '%s\n' "$st" | grep -q 'IPsec SAs: total(0),' &&
		[ -z "$(lsw_whack "$1" --trafficstatus 2>&1)" ]
}

check_lsw_no_sa() {
	if wait_for 3 lsw_no_sa "$1"; then
		pass "$2"
	else
		fail "$2" "expected: IKE SAs: total(0), IPsec SAs: total(0), no --trafficstatus line; got:"
		{ lsw_whack "$1" --status | grep -E 'SAs: total'; lsw_whack "$1" --trafficstatus; } 2>&1 |
			sed 's/^/         | /'
	fi
}

show_lsw() {
	local what=$1 out
	out=$(lsw_whack oci "$what" 2>&1 | grep -vE '^000 *$')
	info "whack $what: ${out:-(no output)}"
}

# mcvpnd (aws) holds no SA, and its device, address and routes stay.
check_mcv_down() {
	local why=$1
	if wait_for 5 json_is aws 'c["state"], c["last_error"], len(c["ike_sas"])' "down|$why|0"; then
		pass "mcvpnd status --json: state down, last_error $why, no IKE SA"
	else
		fail "mcvpnd status --json: state down, last_error $why, no IKE SA" \
			"got: $(mcvpn_json aws 'c["state"], c["last_error"], len(c["ike_sas"])')"
	fi
	check_eq "mcvpnd keeps vti1 with its address and routes" \
		"True|192.168.2.1/30|10.105.0.0/16,10.106.0.0/16" \
		"$(mcvpn_json aws 'c["interface"]["present"], c["interface"]["address"], ",".join(c["interface"]["routes"])')"
	check_eq "mcvpnctl trafficstatus: no Child SA" 0 "$(mcvpn_sa_count aws)"
}

# Stop mcvpnd (aws): exit 0, vti1 gone.
stop_mcv() {
	mcvpnd_stop aws 10
	check_eq "mcvpnd exits 0 on SIGTERM (in ${STOP_SECS}s)" 0 "$STOP_RC"
	check_not "vti1 removed" nsx aws ip link show vti1
}

# ------------------------------------------------------------ migration

# import SIDE OUTDIR [ARGS...]: mcvpnctl import-libreswan of SIDE's files;
# its report in OUTDIR/import.out.
import_side() {
	local side=$1 out=$2
	shift 2
	mkdir -p "$out" && chmod 700 "$out" || die "mkdir $out failed"
	(cd "$LSWCONF/$side" && "$MCVPNCTL" import-libreswan oracle-tunnel-1.conf "$@" \
		--output-dir "$out") >"$out/import.out" 2>&1
}

# The key=value lines of a conn file, trimmed, comments left out.
conn_keys() { sed -n 's/^[[:space:]]\{1,\}\([a-z-]*=.*[^[:space:]]\)[[:space:]]*$/\1/p' "$1"; }

# check_import SIDE IFADDR ROUTES: the import of SIDE keeps every key of the
# libreswan file as written and adds interface-ip= and routes=.
check_import() {
	local side=$1 ifaddr=$2 routes=$3 out want got mode
	shift 3
	out=$WORK/import-$side
	if import_side "$side" "$out" "$@"; then
		pass "mcvpnctl import-libreswan $side/oracle-tunnel-1.conf $*"
	else
		fail "mcvpnctl import-libreswan $side/oracle-tunnel-1.conf $*"
		sed 's/^/         | /' "$out/import.out"
		return
	fi
	sed -n '/^conn /p' "$out/import.out" | sed 's/^/         | /'
	check_match "import of $side: 16 keys carried over, none dropped or changed" \
		'"oracle-tunnel-1": this host is left=[0-9.]* .*; 16 keys carried over, 0 dropped, 0 changed' "$(cat "$out/import.out")"
	want=$({ conn_keys "$LSWCONF/$side/oracle-tunnel-1.conf"; echo "interface-ip=$ifaddr"; echo "routes=$routes"; } | sort)
	got=$(conn_keys "$out/oracle-tunnel-1.conf" | sort)
	check_eq "import of $side: the libreswan keys as written, plus interface-ip= and routes=" \
		"$(printf '%s' "$want" | tr '\n' ' ')" "$(printf '%s' "$got" | tr '\n' ' ')"
	check_eq "import of $side: the secrets line as written" \
		"$(grep PSK "$LSWCONF/$side/oracle-tunnel-1.secrets")" "$(grep PSK "$out/oracle-tunnel-1.secrets")"
	mode=$(stat -c %a "$out/oracle-tunnel-1.secrets")
	check_eq "import of $side: secrets written with mode 600" 600 "$mode"
	check "mcvpnd --check accepts the import of $side" \
		timeout 10 "$MCVPND" --check --config-dir "$out"
}

migration() {
	local side
	section "The operators' libreswan files, both sides of the migration"
	for side in aws oci; do
		check "libreswan $(lsw_version) accepts $side/oracle-tunnel-1.conf (addconn --checkconfig)" \
			timeout 10 "$LSW_EXEC/addconn" --checkconfig --config "$LSWCONF/$side/oracle-tunnel-1.conf"
	done
	check_import aws 192.168.2.1/30 10.105.0.0/16,10.106.0.0/16 --boot-script reboot.sh
	check_import oci 192.168.2.2/30 10.2.0.0/16,10.3.0.0/16 --boot-script vti.sh
}

# ------------------------------------------------------------ the cases

# start_case TITLE: a fresh topology and run directory.
start_case() {
	section "$1"
	CASE=$((CASE + 1))
	RUNDIR="$WORK/case$CASE"
	mkdir -p "$RUNDIR"
	topo_up
}

# start_mcv AUTO [KEY=VALUE...]: mcvpnd (aws) on the AWS import, with auto=AUTO.
start_mcv() {
	local auto=$1 dir
	shift
	dir="$(mcvpn_dir aws)/conf"
	mkdir -p "$dir" && chmod 700 "$dir" || die "mkdir $dir failed"
	cp -p "$WORK/import-aws/$CONN.conf" "$WORK/import-aws/$CONN.secrets" "$dir/" ||
		die "the AWS import is missing"
	mcvpn_conf_set aws "auto=$auto" "$@"
	if mcvpnd_start aws; then
		pass "mcvpnd (aws) starts on the imported config (auto=$auto${*:+ $*})"
		return 0
	fi
	fail "mcvpnd (aws) starts on the imported config"
	return 1
}

# start_lsw CONF AUTO [PLUTO ARGS...]: pluto (oci) on the conn file CONF.
start_lsw() {
	local conf=$1 auto=$2
	shift 2
	lsw_write_config oci "$conf" "$auto"
	if lsw_start oci "$@"; then
		pass "pluto (oci) starts and loads the conn (auto=$auto${*:+, $*})"
		return 0
	fi
	fail "pluto (oci) starts and loads the conn"
	return 1
}

teardown() {
	mcvpnd_stop_all
	lsw_stop_all
	topo_down
}

# Keep the logs of a failed case in build-logs/ (there when run by run-all.sh).
keep_logs() {
	local dir=$REPO/build-logs tag=libreswan-case$CASE
	[ -d "$dir" ] || return 0
	cp "$(lsw_log oci)" "$dir/$tag-pluto-oci.log" 2>/dev/null
	cp "$(mcvpn_log aws)" "$dir/$tag-mcvpnd-aws.log" 2>/dev/null
	info "logs kept in $dir/$tag-*.log"
}

end_case() {
	if [ "$FAIL" -ne "$1" ]; then
		lsw_dump_log oci
		mcvpn_dump_logs
		keep_logs
	fi
	teardown
}

# Both logs after mcvpnd initiated against a pluto that cannot add SAs.
mcv_initiated_checks() {
	check_log pluto oci "pluto chooses IKE $LSW_IKE from mcvpnd's proposal" \
		"proposal 1:IKE=$LSW_IKE chosen from remote proposals"
	check_log pluto oci "pluto answers IKE_SA_INIT with AES_CBC_256/HMAC_SHA2_384_192/HMAC_SHA2_384/MODP1536" \
		"sent IKE_SA_INIT reply $LSW_IKE_SENT"
	check_log pluto oci "mcvpnd's IKE_AUTH request: IDi, IDr, AUTH, INITIAL_CONTACT, SA, TSi, TSr" \
		'processing decrypted IKE_AUTH request: SK\{IDi,IDr,AUTH,N\(INITIAL_CONTACT\),SA,TSi,TSr\}'
	check_log pluto oci "pluto authenticates mcvpnd: PSK, ID_IPV4_ADDR 198.51.100.10" \
		"responder established IKE SA; $LSW_PEER"
	check_log pluto oci "pluto chooses ESP AES_GCM_C_256 with ESN from ESN or not" \
		'proposal 1:ESP=AES_GCM_C_256-ENABLED SPI=[0-9a-f]{1,8} chosen from remote proposals 1:ESP:ENCR=AES_GCM_C_256;ESN=ENABLED;ESN=DISABLED'
	check_log pluto oci "pluto cannot add the Child SA to the kernel: errno 38" "$ENOSYS"
	check_log pluto oci "pluto deletes its IKE SA" \
		'deleting state \(STATE_V2_ESTABLISHED_IKE_SA\)'
	check_log mcvpnd aws "mcvpnd: peer refused the Child SA: TS_UNACCEPTABLE" \
		'#1: peer refused the Child SA: TS_UNACCEPTABLE'
	check_log mcvpnd aws "mcvpnd: IKE SA #1 down (TS_UNACCEPTABLE)" \
		'#1: IKE SA down \(TS_UNACCEPTABLE\)'
	check_log mcvpnd aws "mcvpnd: retry in 1 s" \
		'no IKE SA \(TS_UNACCEPTABLE\); retrying in 1s'
	check_eq "mcvpnd never logs an established IKE SA or Child SA" 0 \
		"$(mcv_log_count aws 'established')"
}

# Case 1 (and 3 with NOVTI=1): mcvpnd initiates.
case_mcv_initiates() {
	local title=$1 conf=$2 fails=$FAIL st
	start_case "$title"
	start_lsw "$conf" add || { end_case "$fails"; return; }
	st=$(lsw_whack oci --status 2>&1)
	check_match "pluto: the conn between the two public ids, 0.0.0.0/0 both sides" \
		'"oracle-tunnel-1": 0\.0\.0\.0/0===10\.106\.1\.200\[203\.0\.113\.20\]\.\.\.198\.51\.100\.10===0\.0\.0\.0/0;' "$st"
	check_match "pluto: IKE algorithms AES_CBC_256-HMAC_SHA2_384-MODP1536" \
		'IKE algorithms: AES_CBC_256-HMAC_SHA2_384-MODP1536$' "$st"
	check_match "pluto: ESP algorithms AES_GCM_16_256-NONE-MODP1536" \
		'ESP algorithms: AES_GCM_16_256-NONE-MODP1536$' "$st"
	if grep -q '^[[:space:]]*vti-interface=' "$conf"; then
		check_match "pluto: mark 5/0xffffffff, vti-iface vti1, vti-routing no" \
			'mark: 5/0xffffffff, 5/0xffffffff; vti-iface:vti1; vti-routing:no;' "$st"
	else
		check_match "pluto: no mark, no vti-iface" 'mark: unset; vti-iface:unset;' "$st"
	fi
	check_match "pluto: our auth secret, their auth secret" 'our auth:secret, their auth:secret' "$st"
	start_mcv start || { end_case "$fails"; return; }

	if wait_for 15 mcv_log_has aws '#1: IKE SA down'; then
		pass "mcvpnd's first IKE SA ended within 15 s"
	else
		fail "mcvpnd's first IKE SA ended within 15 s"
	fi
	mcv_initiated_checks
	check_mcv_down TS_UNACCEPTABLE
	check_lsw_no_sa oci "pluto holds no SA (whack --status, --trafficstatus)"
	info "mcvpnd attempts so far: $(mcv_log_count aws 'initiating IKE SA'), pluto's errno 38: $(lsw_log_count oci "$ENOSYS")"
	stop_mcv
	end_case "$fails"
}

# Case 2: pluto initiates, once.
case_lsw_initiates() {
	local fails=$FAIL spi line
	start_case "pluto initiates (auto=start, once), mcvpnd responds (auto=add)"
	start_mcv add dpddelay=2s dpdtimeout=6s || { end_case "$fails"; return; }
	start_lsw "$LSWCONF/oci/oracle-tunnel-1.conf" start --impair revival ||
		{ end_case "$fails"; return; }

	if wait_for 15 lsw_log_has oci 'deleting state \(STATE_V2_ESTABLISHED_IKE_SA\)'; then
		pass "pluto's IKE SA came and went within 15 s"
	else
		fail "pluto's IKE SA came and went within 15 s"
	fi
	check_log pluto oci "pluto sends IKE_AUTH with AES_CBC_256/HMAC_SHA2_384_192/HMAC_SHA2_384/MODP1536" \
		"sent IKE_AUTH request $LSW_IKE_SENT"
	check_log pluto oci "pluto authenticates mcvpnd: PSK, ID_IPV4_ADDR 198.51.100.10" \
		"initiator established IKE SA; $LSW_PEER"
	check_log mcvpnd aws "mcvpnd answers IKE_SA_INIT (MODP_1536, NAT detected)" \
		'#1: responding to IKE_SA_INIT \(MODP_1536, NAT detected\)'
	check_log mcvpnd aws "mcvpnd: IKE SA established as responder ($MCV_IKE), NAT-T" \
		"#1: IKE SA established as responder \\($MCV_IKE\\), NAT-T on port 4500"
	check_log mcvpnd aws "mcvpnd installs Child SA #2: ESP AES_GCM_16-256 with ESN (pluto offers it)" \
		'#1: Child SA #2 established: ESP AES_GCM_16-256, SPIs [0-9a-f]{8} in / [0-9a-f]{8} out, ESN$'
	check_log pluto oci "pluto cannot add the Child SA to the kernel: errno 38" "$ENOSYS"
	spi=$(mcv_log_first aws 'Child SA #2 established' | sed -nE 's/.*SPIs ([0-9a-f]{8}) in.*/\1/p')
	line=$(lsw_log_match oci "$ENOSYS")
	# pluto prints SPIs without leading zeros
	check_match "the SA pluto fails to add is mcvpnd's inbound SA (SPI ${spi:-?})" \
		"Add SA esp\\.$(printf '%x' "0x${spi:-0}")@198\\.51\\.100\\.10:" "$line"
	check_log pluto oci "pluto: the Child SA is a fatal error for the IKE SA" \
		'#1: encountered fatal error in state STATE_V2_ESTABLISHED_IKE_SA'
	check_log pluto oci "pluto deletes its IKE SA without telling mcvpnd" \
		'#1: deleting state \(STATE_V2_ESTABLISHED_IKE_SA\) aged [0-9.]+s and NOT sending notification'
	check_eq "pluto initiated once (revival impaired)" 1 \
		"$(lsw_log_count oci 'initiating IKEv2 connection')"
	check_lsw_no_sa oci "pluto holds no SA (whack --status, --trafficstatus)"
	show_lsw --trafficstatus

	# mcvpnd cannot know: it shows the SAs until its liveness check fails.
	check_eq "mcvpnd still shows its side: up, one IKE SA (responder, $MCV_IKE, NAT-T), one Child SA" \
		"up|1|responder|$MCV_IKE|True|1|AES_GCM_16-256|$spi" \
		"$(mcvpn_json aws 'c["state"], len(c["ike_sas"]), c["ike_sas"][0]["role"], c["ike_sas"][0]["algorithms"], c["ike_sas"][0]["nat_t"], len(c["ike_sas"][0]["child_sas"]), c["ike_sas"][0]["child_sas"][0]["algorithms"], c["ike_sas"][0]["child_sas"][0]["spi_in"]')"
	check_match "mcvpnctl trafficstatus: one Child SA with id='203.0.113.20'" \
		"^#2: \"$CONN\".* id='203.0.113.20'" "$(mcvpn_sa_lines aws)"
	if wait_for 15 mcv_log_has aws '#1: peer dead'; then
		pass "mcvpnd's DPD declares the peer dead within 15 s"
	else
		fail "mcvpnd's DPD declares the peer dead within 15 s"
	fi
	check_log mcvpnd aws "mcvpnd: peer dead after 6 s of silence, dpdaction=hold" \
		'#1: peer dead: nothing received for [6-9]s; dpdaction=hold'
	check_log mcvpnd aws "mcvpnd: IKE SA #1 down (peer dead (DPD))" \
		'#1: IKE SA down \(peer dead \(DPD\)\)'
	check_log pluto oci "pluto dropped mcvpnd's liveness check (no IKE SA)" \
		'packet from 198\.51\.100\.10:4500: INFORMATIONAL request has no corresponding IKE SA; message dropped'
	check_mcv_down 'peer dead (DPD)'
	check_eq "mcvpnd never initiated (auto=add)" 0 "$(mcv_log_count aws 'initiating IKE SA')"
	stop_mcv
	end_case "$fails"
}

# replaced_ok: every "peer replaced an older IKE SA" line of mcvpnd keeps the
# newer SA (higher serial) and deletes the older one.
replaced_ok() {
	grep -oE 'peer replaced an older IKE SA: keeping IKE SA #[0-9]+, deleting #[0-9]+' \
		"$(mcvpn_log aws)" | awk -F'#' '{ k = $2 + 0; d = $3 + 0; if (k <= d) bad++ }
		END { exit (NR == 0 || bad) }'
}

replaced_twice() { [ "$(mcv_log_count aws 'peer replaced an older IKE SA')" -ge 2 ]; }

# Case 4: pluto initiates and revives the conn it dropped (its default), so
# mcvpnd gets a new IKE SA from it while the old one (which pluto deleted
# without a word) still stands: the newer must stay, whatever the nonces.
case_lsw_revives() {
	local fails=$FAIL
	start_case "pluto initiates and revives its conn, mcvpnd responds (auto=add)"
	start_mcv add || { end_case "$fails"; return; }
	start_lsw "$LSWCONF/oci/oracle-tunnel-1.conf" start || { end_case "$fails"; return; }
	if wait_for 30 replaced_twice; then
		pass "pluto set up new IKE SAs over its dropped ones (2 within 30 s)"
	else
		fail "pluto set up new IKE SAs over its dropped ones (2 within 30 s)" \
			"$(mcv_log_count aws 'peer replaced an older IKE SA') replaced"
	fi
	replaced_ok && pass "mcvpnd kept the newer IKE SA every time" ||
		fail "mcvpnd kept the newer IKE SA every time" \
			"$(grep -E 'replaced an older|both sides' "$(mcvpn_log aws)" | head -n 5)"
	check_eq "mcvpnd never took pluto's revivals for a collision" 0 \
		"$(mcv_log_count aws 'both sides initiated')"
	check_eq "mcvpnd never initiated (auto=add)" 0 "$(mcv_log_count aws 'initiating IKE SA')"
	stop_mcv
	end_case "$fails"
}

say "aws side: $("$MCVPND" --version 2>/dev/null | head -n 1); oci side: libreswan $(lsw_version) (unpacked in $LSW_ROOT)"
migration
case_mcv_initiates "mcvpnd initiates (auto=start), pluto responds (auto=add)" \
	"$LSWCONF/oci/oracle-tunnel-1.conf"
case_lsw_initiates
grep -v -E '^[[:space:]]*(vti-interface|vti-routing|mark)=' "$LSWCONF/oci/oracle-tunnel-1.conf" \
	>"$WORK/novti.conf" && cp "$LSWCONF/oci/oracle-tunnel-1.secrets" "$WORK/novti.secrets" ||
	die "writing $WORK/novti.conf failed"
case_mcv_initiates "as case 1, pluto's conn without vti-interface=, vti-routing=, mark=" \
	"$WORK/novti.conf"
case_lsw_revives

summary
