# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2015  # "A && B || die" is meant
# libreswan's pluto as a peer inside a test namespace.  Needs common.sh and
# topo.sh.  Found by running Debian 12's libreswan 4.10 here:
#  - The package conflicts with strongSwan's (both provide ike-server), so it
#    is never installed: lsw_fetch gets the .deb with `apt-get download` and
#    unpacks it under $LSW_ROOT (build-libreswan/, ignored by git).  Its
#    libraries that are not on the machine anyway (libldns3, and certutil
#    from libnss3-tools) come from tests/deps.sh.
#  - pluto runs /usr/libexec/ipsec/addconn itself at start (it refuses to start
#    without it) and later the _updown script from there, by those fixed
#    paths: in pluto's private mount namespace (ip netns exec) an overlay puts
#    the unpacked /usr/libexec/ipsec over /usr/libexec; the host sees nothing.
#    /run is bind-mounted to a per-instance directory (pid file, core dumps).
#  - Its own ipsec.conf, ipsec.secrets and NSS database (certutil -N, what
#    `ipsec initnss` does) come through --config, --secretsfile, --nssdir,
#    --ipsecdir and --rundir; its log goes to stderr (--stderrlog).
#  - The kernel here has XFRM but no ESP: pluto negotiates IKE, then adding
#    the Child SA fails ("netlink response for Add SA ...: Function not
#    implemented (errno 38)") and pluto deletes the IKE SA without telling
#    the peer.  No option of pluto 4.10 skips the kernel (--use-bsdkame and
#    --use-pfkeyv2 are "not supported"); vti-interface= and mark= change
#    nothing (the SA fails before the VTI would be made).
#
# Per side everything lives in $RUNDIR/lsw-SIDE/ ($RUNDIR defaults to $WORK):
# ipsec.conf, ipsec.secrets, nss/, ipsec.d/, run/ (over /run), pluto.log.

LSW_ROOT=${LIBRESWAN_ROOT:-$REPO/build-libreswan/root}
LSW_EXEC=$LSW_ROOT/usr/libexec/ipsec
LSW_CONN=oracle-tunnel-1

declare -A PLUTO_PID=()
PLUTO_REGISTERED=0

lsw_dir()  { printf '%s/lsw-%s' "${RUNDIR:-$WORK}" "$1"; }
lsw_ctl()  { printf '%s/run/pluto/pluto.ctl' "$(lsw_dir "$1")"; }
lsw_log()  { printf '%s/pluto.log' "$(lsw_dir "$1")"; }

# The version apt would give now (the candidate).
lsw_candidate() {
	apt-cache policy libreswan 2>/dev/null | sed -n 's/^ *Candidate: *//p'
}

# lsw_fetch: make sure $LSW_ROOT holds the unpacked candidate libreswan .deb
# (fetched again when Debian's candidate version changed).  Dies on failure.
lsw_fetch() {
	local want have tmp deb
	[ -n "${LIBRESWAN_ROOT:-}" ] && { [ -x "$LSW_EXEC/pluto" ] ||
		die "LIBRESWAN_ROOT=$LIBRESWAN_ROOT has no usr/libexec/ipsec/pluto"; return 0; }
	case $LSW_ROOT in *[:,]*) die "$LSW_ROOT: ':' or ',' cannot be in an overlay lowerdir" ;; esac
	want=$(lsw_candidate)
	if [ -z "$want" ] || [ "$want" = "(none)" ]; then
		apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null 2>&1
		want=$(lsw_candidate)
	fi
	have=$(cat "$LSW_ROOT/VERSION" 2>/dev/null)
	if [ -x "$LSW_EXEC/pluto" ] && { [ "$have" = "$want" ] || [ -z "$want" ]; }; then
		return 0
	fi
	[ -n "$want" ] && [ "$want" != "(none)" ] || die "apt knows no libreswan package"
	tmp=$(mktemp -d) || die "mktemp failed"
	# apt drops root to _apt for the download when the directory lets it
	id _apt >/dev/null 2>&1 && chown _apt "$tmp"
	(cd "$tmp" && timeout 120 apt-get -q download "libreswan=$want") >"$tmp/download.out" 2>&1
	deb=$(find "$tmp" -maxdepth 1 -name "libreswan_*.deb" | head -n 1)
	if [ -z "$deb" ]; then
		sed 's/^/    | /' "$tmp/download.out" >&2
		rm -rf "$tmp"
		die "apt-get download libreswan=$want failed"
	fi
	rm -rf "$LSW_ROOT.new" && mkdir -p "$LSW_ROOT.new" &&
		dpkg-deb -x "$deb" "$LSW_ROOT.new" &&
		dpkg-deb -f "$deb" Version >"$LSW_ROOT.new/VERSION" ||
		{ rm -rf "$tmp" "$LSW_ROOT.new"; die "unpacking $deb failed"; }
	rm -rf "$tmp" "$LSW_ROOT" && mv "$LSW_ROOT.new" "$LSW_ROOT" || die "cannot move $LSW_ROOT.new"
	info "libreswan $want unpacked in $LSW_ROOT"
}

# lsw_need: pluto, whack and addconn run (their libraries are there), and
# certutil exists.  Dies with what is missing.
lsw_need() {
	local b miss
	for b in pluto whack addconn; do
		[ -x "$LSW_EXEC/$b" ] || die "$LSW_EXEC/$b missing"
		miss=$(ldd "$LSW_EXEC/$b" 2>&1 | grep 'not found')
		[ -z "$miss" ] || die "$b: $(printf '%s' "$miss" | tr -s ' \t\n' ' ')(run tests/deps.sh)"
	done
	command -v certutil >/dev/null || die "certutil not found (libnss3-tools; run tests/deps.sh)"
}

lsw_version() { cat "$LSW_ROOT/VERSION" 2>/dev/null; }

# lsw_write_config SIDE CONF AUTO: pluto's files for SIDE: a config setup
# section followed by the conn file CONF as it is, but for auto=AUTO.
lsw_write_config() {
	local side=$1 conf=$2 auto=$3 dir
	dir=$(lsw_dir "$side")
	mkdir -p "$dir/run/pluto" "$dir/nss" "$dir/ipsec.d" && chmod 700 "$dir" ||
		die "mkdir $dir failed"
	{
		printf 'config setup\n\tuniqueids=yes\n\n'
		sed "s/^\([[:space:]]*auto=\).*/\1$auto/" "$conf"
	} >"$dir/ipsec.conf" || die "writing $dir/ipsec.conf failed"
	install -m 600 "${conf%.conf}.secrets" "$dir/ipsec.secrets" ||
		die "writing $dir/ipsec.secrets failed"
	certutil -N -d "sql:$dir/nss" --empty-password >"$dir/certutil.out" 2>&1 ||
		die "certutil -N (the NSS database) failed: $(cat "$dir/certutil.out")"
}

lsw_stop_all() {
	local side
	for side in "${!PLUTO_PID[@]}"; do
		lsw_stop "$side"
	done
}

# lsw_stop SIDE: SIGTERM, up to 3 s, then SIGKILL (stop_pid).  pluto's exit
# status is not checked: 4.10 died once of SIGSEGV on SIGTERM here, with
# revivals of a failed conn pending (not seen again in six tries); the
# shell's "Segmentation fault" report is kept out of the output.
lsw_stop() {
	local side=$1
	[ -n "${PLUTO_PID[$side]:-}" ] || return 0
	stop_pid "${PLUTO_PID[$side]}" 2>/dev/null
	unset "PLUTO_PID[$side]"
}

# lsw_whack SIDE ARGS...: whack against SIDE's pluto, bounded.
lsw_whack() {
	local side=$1
	shift
	nsx "$side" timeout 10 "$LSW_EXEC/whack" --ctlsocket "$(lsw_ctl "$side")" "$@"
}

# lsw_start SIDE [PLUTO ARGS...]: start pluto in SIDE's namespace; returns
# once it has loaded the conn (its own addconn run).
lsw_start() {
	local side=$1 dir ns
	shift
	dir=$(lsw_dir "$side")
	ns=$(ns_of "$side")
	if [ "$PLUTO_REGISTERED" -eq 0 ]; then
		at_exit lsw_stop_all
		PLUTO_REGISTERED=1
	fi
	# shellcheck disable=SC2016  # $1.. expand in the inner shell
	ip netns exec "$ns" sh -c 'run=$1 root=$2; shift 2
		mount --bind "$run" /run &&
		mount -t overlay mcvpn-libreswan -o "lowerdir=$root/usr/libexec:/usr/libexec" /usr/libexec &&
		exec /usr/libexec/ipsec/pluto "$@"' sh "$dir/run" "$LSW_ROOT" \
		--nofork --stderrlog --no-dnssec --config "$dir/ipsec.conf" \
		--secretsfile "$dir/ipsec.secrets" --nssdir "$dir/nss" --ipsecdir "$dir/ipsec.d" \
		--rundir /run/pluto "$@" </dev/null >"$(lsw_log "$side")" 2>&1 &
	PLUTO_PID[$side]=$!
	if ! wait_for 10 grep -q "\"$LSW_CONN\": added IKEv2 connection" "$(lsw_log "$side")"; then
		warn "pluto ($side) did not load $LSW_CONN in 10 s; its log:"
		tail -n 30 "$(lsw_log "$side")" | sed 's/^/    | /' >&2
		return 1
	fi
	wait_for 5 test -S "$(lsw_ctl "$side")"
}

# lsw_log_match SIDE REGEX: the first line of SIDE's pluto log matching the
# extended REGEX (empty if none).
lsw_log_match() {
	grep -E -m 1 -- "$2" "$(lsw_log "$1")" 2>/dev/null
}

lsw_log_count() {
	local n
	n=$(grep -cE -- "$2" "$(lsw_log "$1")" 2>/dev/null)
	printf '%s' "${n:-0}"
}

lsw_dump_log() {
	local side=$1 f
	f=$(lsw_log "$side")
	[ -s "$f" ] || return 0
	printf '  --- pluto (%s) log %s, without its start-up banner\n' "$side" "$f"
	sed -n '/listening for IKE messages/,$p' "$f" | grep -v 'adding UDP interface' |
		tail -n 40 | sed 's/^/    | /'
}

# ---- checks shared by the libreswan interop tests (need mcvpn.sh) ----

# json_is SIDE EXPR VALUE: for wait_for.
json_is() { [ "$(mcvpn_json "$1" "$2")" = "$3" ]; }

mcv_log_has() { grep -qE -- "$2" "$(mcvpn_log "$1")"; }
mcv_log_first() { grep -E -m 1 -- "$2" "$(mcvpn_log "$1")"; }
mcv_log_count() {
	local n
	n=$(grep -cE -- "$2" "$(mcvpn_log "$1")")
	printf '%s' "${n:-0}"
}
lsw_log_has() { grep -qE -- "$2" "$(lsw_log "$1")"; }

# check_log WHO SIDE DESC REGEX: WHO's log (pluto or mcvpnd) has a line
# matching REGEX; shows it.
check_log() {
	local who=$1 side=$2 desc=$3 re=$4 line
	if [ "$who" = pluto ]; then line=$(lsw_log_match "$side" "$re"); else line=$(mcv_log_first "$side" "$re"); fi
	if [ -n "$line" ]; then
		pass "$desc"
		printf '         | %s\n' "$line"
		return 0
	fi
	fail "$desc" "expected a line of $who's log matching: $re"
	return 1
}
