#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Throughput benchmark: mcvpnd against strongSwan (kernel-libipsec),
# wireguard-go and plain veth, side by side in one run, on this machine.
#
# One pair of namespaces per kind K (v = plain veth, m = mcvpnd, s = strongSwan,
# w = wireguard-go), all set up at once so the runs can be interleaved:
#
#   mcb-K-a-PID                                  mcb-K-b-PID
#  +-----------------------------+              +-----------------------------+
#  | iperf3 -c, ping             |              | iperf3 -s                   |
#  | TUN 192.168.N.1/30          |   tunnel     | TUN 192.168.N.2/30          |
#  |  (vti1 / ipsec0 / wga)      | ==========>  |  (vti1 / ipsec0 / wgb)      |
#  | veth0 10.99.N.1/24          +--------------+ veth0 10.99.N.2/24          |
#  +-----------------------------+              +-----------------------------+
#   N = 1 veth (iperf3 straight to 10.99.1.2), 2 mcvpnd, 3 strongSwan, 4 wireguard-go,
#   5 an older mcvpnd (BENCH_BASE)
#
# No NAT: the peers talk directly over the veth.  mcvpnd gets a conn of the
# tests/configs/aws kind (PSK, AES-256-GCM ESP in UDP 4500, a route-based TUN
# with interface-ip); strongSwan the same proposals with kernel-libipsec
# (shared/notes/strongswan-peer.md); wireguard-go a key pair made with wg.
#
# Per round and kind: iperf3 with 1 TCP stream, then with 4, each BENCH_SECS
# seconds; rounds are interleaved (every kind once per round).  Daemon CPU is
# utime+stime of both ends' daemon processes over the runs, divided by the
# bytes iperf3 delivered.  Idle RTT is the median of 500 pings 5 ms apart
# (5 interleaved rounds of 100) before any load.  RSS idle is VmRSS before
# any load, RSS peak is VmHWM at the end (both ends: the larger).  The
# table ends with what a thread wake-up costs here (wake-lat): the floor
# under any RTT through a userspace data path.
#
# Usage: sudo tests/bench/bench.sh
#   BENCH_ROUNDS=3 BENCH_SECS=10  rounds and seconds per run
#   BENCH_KINDS="v m s w"         which kinds to run
#   BUILD=build-bench             the meson build dir (built here, release)
#   MCVPND=... MCVPNCTL=...       use these binaries instead (no build)
#   BENCH_BASE=.../mcvpnd         also measure this (older) build, as "mcvpnd base"
# Prints one table; exits non-zero when a kind could not be set up.
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
. "$HERE/../lib/build.sh"

ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECS:-10}
KINDS=${BENCH_KINDS:-v m s w}
BUILD=${BUILD:-$REPO/build-bench}
CHARON=${CHARON:-/usr/lib/ipsec/charon}
PSK="mcvpn-bench-psk-not-secret"

need_root

declare -A NAME=([v]="plain veth" [m]=mcvpnd [s]="strongSwan" [w]="wireguard-go"
		[b]="mcvpnd base")
declare -A NUM=([v]=1 [m]=2 [s]=3 [w]=4 [b]=5)
# BENCH_BASE=/path/to/an/older/mcvpnd: measure it too, as kind b, interleaved
# with the others (before/after in one run; its mcvpnctl must sit beside it).
if [ -n "${BENCH_BASE:-}" ]; then
	KINDS="${KINDS/m/m b}"
fi
declare -A PID_A=() PID_B=()		# daemon pids per kind
declare -A BITS1=() BITS4=() BYTES=() CPU=() RTT=() RSS_IDLE=() RSS_PEAK=()

ns_a() { printf 'mcb-%s-a-%s' "$1" "$$"; }
ns_b() { printf 'mcb-%s-b-%s' "$1" "$$"; }

# ------------------------------------------------------------ setup

install_tools() {
	local missing=() t
	for t in iperf3:iperf3 wireguard-go:wireguard-go wg:wireguard-tools jq:jq; do
		command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	info "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
		install --no-install-recommends "${missing[@]}" </dev/null >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

build() {
	if [ -n "${MCVPND:-}" ]; then
		MCVPNCTL=${MCVPNCTL:-$(dirname "$MCVPND")/mcvpnctl}
		WAKE_LAT=$(dirname "$MCVPND")/../tests/bench/wake-lat
		return 0
	fi
	[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" "$REPO" --buildtype=release >/dev/null ||
		die "meson setup $BUILD failed"
	ninja -C "$BUILD" daemon/mcvpnd daemon/mcvpnctl tests/bench/wake-lat >/dev/null ||
		die "build failed"
	WAKE_LAT=$BUILD/tests/bench/wake-lat
	MCVPND=$BUILD/daemon/mcvpnd
	MCVPNCTL=$BUILD/daemon/mcvpnctl
}

topo_down() {
	local k
	for k in v m s w b; do
		netns_destroy "$(ns_a "$k")" "$(ns_b "$k")"
	done
}

# pair_up K: two namespaces joined by a veth, 10.99.N.1 <-> 10.99.N.2.
pair_up() {
	local k=$1 n=${NUM[$1]} a b
	a=$(ns_a "$k")
	b=$(ns_b "$k")
	ip netns add "$a" && ip netns add "$b" || die "ip netns add failed"
	ip -n "$a" link add veth0 type veth peer name veth0 netns "$b" || die "veth failed"
	for ns in "$a" "$b"; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set veth0 up
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0
	done
	ip -n "$a" addr add "10.99.$n.1/24" dev veth0 &&
	ip -n "$b" addr add "10.99.$n.2/24" dev veth0 || die "veth addresses failed"
	wait_for 5 ip netns exec "$a" ping -c 1 -W 1 "10.99.$n.2" || die "veth pair $k: no ping"
}

# ---- mcvpnd

mcv_conf() {	# KIND SIDE(1|2) AUTO DIR
	local n=${NUM[$1]} me=$2 auto=$3 dir=$4 peer=$((3 - $2))
	mkdir -p "$dir" && chmod 700 "$dir"
	cat >"$dir/bench.conf" <<-EOF
	conn bench
	    left=10.99.$n.$me
	    leftid=10.99.$n.$me
	    right=10.99.$n.$peer
	    authby=secret
	    leftsubnet=0.0.0.0/0
	    rightsubnet=0.0.0.0/0
	    auto=$auto
	    vti-interface=vti1
	    vti-routing=no
	    ikev2=insist
	    ike=aes_cbc256-sha2_384;modp1536
	    phase2alg=aes_gcm256;modp1536
	    encapsulation=yes
	    ikelifetime=28800s
	    salifetime=3600s
	    interface-ip=192.168.$n.$me/30
	EOF
	printf '10.99.%s.%s 10.99.%s.%s : PSK "%s"\n' "$n" "$peer" "$n" "$me" "$PSK" \
		>"$dir/bench.secrets"
	chmod 600 "$dir/bench.secrets"
}

mcv_bin() { [ "$1" = b ] && printf '%s' "$BENCH_BASE" || printf '%s' "$MCVPND"; }

mcv_up_one() {	# KIND SIDE NS AUTO -> pid on stdout
	local k=$1 side=$2 ns=$3 dir="$WORK/mcv-$1-$2"
	mcv_conf "$k" "$side" "$4" "$dir/conf"
	ip netns exec "$ns" "$(mcv_bin "$k")" --config-dir "$dir/conf" --socket "$dir/sock" \
		--foreground </dev/null >"$dir/log" 2>&1 &
	echo $!
}

mcv_sa() {	# KIND NS SOCK
	ip netns exec "$2" timeout 5 "$(dirname "$(mcv_bin "$1")")/mcvpnctl" --socket "$3" \
		trafficstatus 2>/dev/null | grep -q '^#'
}

mcv_up() {	# KIND
	local k=$1
	PID_B[$k]=$(mcv_up_one "$k" 2 "$(ns_b "$k")" add)
	sleep 0.2
	PID_A[$k]=$(mcv_up_one "$k" 1 "$(ns_a "$k")" start)
	wait_for 20 mcv_sa "$k" "$(ns_a "$k")" "$WORK/mcv-$k-1/sock" &&
		wait_for 5 mcv_sa "$k" "$(ns_b "$k")" "$WORK/mcv-$k-2/sock" || {
		tail -n 20 "$WORK"/mcv-"$k"-*/log >&2
		return 1
	}
}

# ---- strongSwan (kernel-libipsec), see shared/notes/strongswan-peer.md

sw_conf() {	# SIDE DIR
	local me=$1 dir=$2 peer=$((3 - $1))
	mkdir -p "$dir/run" && chmod 700 "$dir"
	cat >"$dir/strongswan.conf" <<-EOF
	charon {
		load = random nonce openssl aes sha1 sha2 hmac gcm gmp kdf pem pkcs1 x509 pubkey curve25519 kernel-libipsec kernel-netlink socket-default vici updown
		install_routes = no
		install_virtual_ip = no
		plugins {
			vici {
				socket = unix://$dir/charon.vici
			}
		}
		filelog {
			bench {
				path = $dir/charon.log
				default = 1
			}
		}
		syslog {
			daemon {
				default = -1
			}
		}
	}
	EOF
	cat >"$dir/swanctl.conf" <<-EOF
	connections {
		bench {
			version = 2
			local_addrs = 10.99.3.$me
			remote_addrs = 10.99.3.$peer
			encap = yes
			mobike = no
			proposals = aes256-sha384-modp1536
			local {
				auth = psk
				id = 10.99.3.$me
			}
			remote {
				auth = psk
				id = 10.99.3.$peer
			}
			children {
				bench {
					mode = tunnel
					local_ts = 0.0.0.0/0
					remote_ts = 0.0.0.0/0
					esp_proposals = aes256gcm16-modp1536
					start_action = none
				}
			}
		}
	}
	secrets {
		ike-bench {
			id-local = 10.99.3.$me
			id-remote = 10.99.3.$peer
			secret = "$PSK"
		}
	}
	EOF
}

sw_ctl() {	# SIDE ARGS...
	local dir="$WORK/sw-$1"
	shift
	STRONGSWAN_CONF="$dir/strongswan.conf" timeout 30 swanctl "$@" --uri "unix://$dir/charon.vici"
}

sw_up_one() {	# SIDE NS -> pid on stdout
	local side=$1 ns=$2 dir="$WORK/sw-$1"
	sw_conf "$side" "$dir"
	# shellcheck disable=SC2016  # expanded by the inner shell
	STRONGSWAN_CONF="$dir/strongswan.conf" ip netns exec "$ns" \
		sh -c 'mount --bind "$1" /run && exec "$2"' sh "$dir/run" "$CHARON" \
		</dev/null >"$dir/charon.out" 2>&1 &
	echo $!
}

sw_side_ready() {	# SIDE NS
	local dir="$WORK/sw-$1" ns=$2 i
	wait_for 10 test -S "$dir/charon.vici" || return 1
	sw_ctl "$1" --load-all --file "$dir/swanctl.conf" >/dev/null 2>&1 || return 1
	wait_for 5 ip -n "$ns" link show ipsec0 || return 1
	ip netns exec "$ns" sysctl -qw net.ipv4.conf.ipsec0.rp_filter=0
	ip -n "$ns" link set ipsec0 up &&
		ip -n "$ns" addr add "192.168.3.$1/30" dev ipsec0 || return 1
	for ((i = 0; i < 10; i++)); do
		ip -n "$ns" rule del table 220 2>/dev/null || break
	done
}

sw_up() {
	[ -x "$CHARON" ] || { warn "strongSwan not installed (tests/deps.sh)"; return 1; }
	PID_A[s]=$(sw_up_one 1 "$(ns_a s)")
	PID_B[s]=$(sw_up_one 2 "$(ns_b s)")
	sw_side_ready 1 "$(ns_a s)" && sw_side_ready 2 "$(ns_b s)" || return 1
	sw_ctl 1 --initiate --child bench --timeout 20 >"$WORK/sw-1/initiate.out" 2>&1 || {
		tail -n 20 "$WORK/sw-1/initiate.out" >&2
		return 1
	}
	ip -n "$(ns_a s)" route flush table 220 2>/dev/null
	ip -n "$(ns_b s)" route flush table 220 2>/dev/null
	return 0
}

# ---- wireguard-go

wg_up_one() {	# SIDE NS IFNAME -> pid on stdout
	local me=$1 ns=$2 ifn=$3
	WG_PROCESS_FOREGROUND=1 ip netns exec "$ns" wireguard-go -f "$ifn" \
		</dev/null >"$WORK/wg-$me.log" 2>&1 &
	echo $!
}

wg_up() {
	local a b ka kb
	a=$(ns_a w)
	b=$(ns_b w)
	(umask 077 && wg genkey >"$WORK/wg-1.key" && wg genkey >"$WORK/wg-2.key") || return 1
	ka=$(wg pubkey <"$WORK/wg-1.key")
	kb=$(wg pubkey <"$WORK/wg-2.key")
	PID_A[w]=$(wg_up_one 1 "$a" wga)
	PID_B[w]=$(wg_up_one 2 "$b" wgb)
	wait_for 5 ip -n "$a" link show wga && wait_for 5 ip -n "$b" link show wgb || return 1
	sleep 0.3	# the UAPI socket comes a moment after the device
	ip netns exec "$a" wg set wga private-key "$WORK/wg-1.key" listen-port 51820 \
		peer "$kb" allowed-ips 192.168.4.2/32 endpoint 10.99.4.2:51820 &&
	ip netns exec "$b" wg set wgb private-key "$WORK/wg-2.key" listen-port 51820 \
		peer "$ka" allowed-ips 192.168.4.1/32 endpoint 10.99.4.1:51820 || return 1
	ip -n "$a" addr add 192.168.4.1/30 dev wga && ip -n "$a" link set wga up &&
	ip -n "$b" addr add 192.168.4.2/30 dev wgb && ip -n "$b" link set wgb up
}

# ------------------------------------------------------------ measuring

target() { [ "$1" = v ] && printf '10.99.1.2' || printf '192.168.%s.2' "${NUM[$1]}"; }

# Total CPU seconds (utime + stime, all threads) of the kind's daemons.
cpu_of() {
	local k=$1 pid t=0 f
	[ "$k" = v ] && { echo 0; return; }
	for pid in ${PID_A[$k]} ${PID_B[$k]}; do
		pid=$(real_pid "$pid")
		# fields 14 and 15 of /proc/PID/stat, after the ")" of comm
		f=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}')
		t=$((t + ${f:-0}))
	done
	echo "scale=3; $t / $(getconf CLK_TCK)" | bc
}

# The daemon itself: charon runs as the child of the sh that mounts /run.
real_pid() {
	local c
	c=$(pgrep -P "$1" 2>/dev/null | head -n 1)
	if [ -n "$c" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = sh ]; then
		echo "$c"
	else
		echo "$1"
	fi
}

# VmRSS or VmHWM in kB, the larger of the kind's two daemons.
rss_of() {
	local k=$1 field=$2 pid v max=0
	for pid in ${PID_A[$k]} ${PID_B[$k]}; do
		pid=$(real_pid "$pid")
		v=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$pid/status" 2>/dev/null)
		[ "${v:-0}" -gt "$max" ] && max=$v
	done
	echo "$max"
}

# RTT samples in microseconds, one per line, of 100 pings 5 ms apart.
rtt_samples() {
	ip netns exec "$(ns_a "$1")" ping -n -c 100 -i 0.005 -W 1 "$(target "$1")" 2>/dev/null |
		sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | awk '{printf "%.0f\n", $1 * 1000}'
}

# The median of the numbers on stdin, "-" when there are none.
median() {
	sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]; else print "-"}'
}

# Percent of the machine's CPU busy over the next second.
cpu_busy() {
	local a b
	a=$(awk '/^cpu / {print $2+$3+$4+$6+$7+$8+$9, $5}' /proc/stat)
	sleep 1
	b=$(awk '/^cpu / {print $2+$3+$4+$6+$7+$8+$9, $5}' /proc/stat)
	echo "$a $b" | awk '{busy = $3 - $1; all = busy + $4 - $2; printf "%d", all ? 100 * busy / all : 0}'
}

# Other work on the machine (other tests, builds) skews every number: wait
# up to 60 s for it to stay under 10% busy; count the runs that could not.
NOISY=0
wait_quiet() {
	local i b
	for ((i = 0; i < 60; i++)); do
		b=$(cpu_busy)
		[ "$b" -lt 10 ] && return 0
	done
	warn "machine still ${b}% busy with other work; measuring anyway"
	NOISY=$((NOISY + 1))
}

# run K STREAMS: one iperf3 run; adds its bits/s to the kind's list, its
# bytes and the daemons' CPU seconds to the totals.
run() {
	local k=$1 p=$2 c0 c1 out bps bytes
	wait_quiet
	c0=$(cpu_of "$k")
	out=$(ip netns exec "$(ns_a "$k")" timeout $((SECS + 20)) \
		iperf3 -c "$(target "$k")" -t "$SECS" -P "$p" -J 2>/dev/null)
	c1=$(cpu_of "$k")
	bps=$(printf '%s' "$out" | jq -r '.end.sum_received.bits_per_second // 0' 2>/dev/null)
	bytes=$(printf '%s' "$out" | jq -r '.end.sum_received.bytes // 0' 2>/dev/null)
	bps=${bps:-0}
	bytes=${bytes:-0}
	if [ "$p" = 1 ]; then BITS1[$k]+="$bps "; else BITS4[$k]+="$bps "; fi
	BYTES[$k]=$(echo "${BYTES[$k]:-0} + $bytes" | bc)
	CPU[$k]=$(echo "${CPU[$k]:-0} + $c1 - $c0" | bc)
	printf '  .. %-13s %d stream%s %6.2f Gbit/s\n' "${NAME[$k]}" "$p" \
		"$([ "$p" = 1 ] || echo s)" "$(echo "$bps / 1000000000" | bc -l)"
}

# Mean of a list of numbers, in Gbit/s.
gbits() {
	# shellcheck disable=SC2086  # a list of numbers, split on purpose
	printf '%s\n' $1 | awk '{s += $1; n++} END {if (n) printf "%.2f", s / n / 1e9; else print "-"}'
}

ratio() {
	if [ "$2" = "-" ] || [ "$1" = "-" ] || [ "$(echo "$2 == 0" | bc)" = 1 ]; then
		printf -- '-'
	else
		printf '%.1fx' "$(echo "$1 / $2" | bc -l)"
	fi
}

table() {
	local k cpg
	local -A G1=() G4=()
	for k in $KINDS; do
		G1[$k]=$(gbits "${BITS1[$k]:-}")
		G4[$k]=$(gbits "${BITS4[$k]:-}")
	done
	printf '\n%d rounds x %d s, iperf3 TCP, %s, %s\n' "$ROUNDS" "$SECS" "$(uname -r)" \
		"$(nproc) cores"
	printf '%-13s %8s %8s %8s %8s %8s %8s %9s %7s %8s %8s\n' kind "1 Gb/s" "4 Gb/s" \
		"1 vs wg" "1 vs sw" "4 vs wg" "4 vs sw" "CPU s/GB" "RTT us" "RSS idle" "RSS peak"
	for k in $KINDS; do
		cpg=-
		if [ "$k" != v ] && [ "$(echo "${BYTES[$k]:-0} > 0" | bc)" = 1 ]; then
			cpg=$(printf '%.2f' "$(echo "${CPU[$k]} / (${BYTES[$k]} / 1000000000)" | bc -l)")
		fi
		printf '%-13s %8s %8s %8s %8s %8s %8s %9s %7s %8s %8s\n' "${NAME[$k]}" \
			"${G1[$k]}" "${G4[$k]}" \
			"$(ratio "${G1[$k]}" "${G1[w]:--}")" "$(ratio "${G1[$k]}" "${G1[s]:--}")" \
			"$(ratio "${G4[$k]}" "${G4[w]:--}")" "$(ratio "${G4[$k]}" "${G4[s]:--}")" \
			"$cpg" "${RTT[$k]}" "${RSS_IDLE[$k]:--}" "${RSS_PEAK[$k]:--}"
	done
	printf '(RSS in kB, the larger of the two ends; CPU = both ends'"'"' daemons per GB delivered)\n'
	[ -z "${WAKE:-}" ] || printf 'Thread wake-ups on this machine (wake-lat):\n%s\n' "$WAKE"
	[ "$NOISY" -eq 0 ] || printf 'WARNING: %d runs started on a busy machine\n' "$NOISY"
}

# ------------------------------------------------------------ main

install_tools
build
cleanup_init
at_exit topo_down
# shellcheck disable=SC2016  # expanded when the cleanup runs
at_exit 'for p in ${PID_A[@]} ${PID_B[@]}; do stop_pid "$p"; done'

section "setup"
ok_kinds=
for k in $KINDS; do
	pair_up "$k"
	ip netns exec "$(ns_b "$k")" iperf3 -s </dev/null >/dev/null 2>&1 &
	PID_B[$k.iperf]=$!
	case $k in
	v) r=0 ;;
	m | b) mcv_up "$k"; r=$? ;;
	s) sw_up; r=$? ;;
	w) wg_up; r=$? ;;
	esac
	if [ "$r" -eq 0 ] && wait_for 10 ip netns exec "$(ns_a "$k")" ping -c 1 -W 1 "$(target "$k")"; then
		info "${NAME[$k]} up"
		ok_kinds+="$k "
	else
		warn "${NAME[$k]}: could not be set up; left out"
	fi
done
# iperf3 servers are not daemons of a kind: keep them out of the CPU counts
for k in v m s w b; do unset "PID_B[$k.iperf]" 2>/dev/null; done
KINDS=$ok_kinds
[ -n "$KINDS" ] || die "nothing to measure"

section "idle"
wait_quiet
# The floor under every RTT through a userspace data path: each hop to a
# sleeping thread is one wake-up (tests/bench/wake_lat.c).
if [ -x "${WAKE_LAT:-}" ]; then
	WAKE=$("$WAKE_LAT" 300 2>&1)
	info "thread wake-ups here: $(printf '%s' "$WAKE" | tr '\n' ';')"
fi
# Idle RTT: 5 rounds of 100 pings per kind, interleaved like the loads, so
# that a noisy moment on the machine does not fall on one kind only.
for ((round = 1; round <= 5; round++)); do
	for k in $KINDS; do
		rtt_samples "$k" >>"$WORK/rtt-$k"
	done
done
for k in $KINDS; do
	RTT[$k]=$(median <"$WORK/rtt-$k")
	[ "$k" = v ] || RSS_IDLE[$k]=$(rss_of "$k" VmRSS)
	info "${NAME[$k]}: median RTT ${RTT[$k]} us"
done

section "load"
for ((round = 1; round <= ROUNDS; round++)); do
	info "round $round of $ROUNDS"
	for k in $KINDS; do
		run "$k" 1
		run "$k" 4
	done
done
for k in $KINDS; do
	[ "$k" = v ] || RSS_PEAK[$k]=$(rss_of "$k" VmHWM)
done

table
