# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2015  # "A && B || die" is meant
# The two-cloud test topology, in three network namespaces named per run
# (suffix = the calling script's PID, so parallel runs never collide):
#
#   mcv-aws-PID                   mcv-inet-PID                            mcv-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | (vti1: the daemon's) |      | nft: the clouds' 1:1 NAT       |      | (vti1: the daemon's)   |
#  | vti1 192.168.2.1/30  |      |  198.51.100.10 <-> 10.3.1.200  |      | vti1 192.168.2.2/30    |
#  | lo   10.2.0.10/32    |      |  203.0.113.20 <-> 10.106.1.200 |      | lo   10.105.0.10/32    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#   default via 10.3.1.1                                                   default via 10.106.1.1
#   routes 10.105/16, 10.106/16 -> vti1                                    routes 10.2/16, 10.3/16 -> vti1
#
# The middle namespace plays the internet plus both clouds' 1:1 NAT. It drops
# forwarded packets that were not NATed, so the private subnets (10.2/16,
# 10.3/16 on one side, 10.105/16, 10.106/16 on the other) are reachable only
# through the tunnel, as between two real clouds.
#
# Needs common.sh (at_exit, die).

NS_AWS="mcv-aws-$$"
NS_OCI="mcv-oci-$$"
NS_INET="mcv-inet-$$"
NS_OCI2="mcv-oci2-$$"	# a second peer, made by the tests that need one
TOPO_REGISTERED=0

# ns_of SIDE: the namespace of "aws", "oci", "inet" or "oci2".
ns_of() {
	case $1 in
	aws) printf '%s' "$NS_AWS" ;;
	oci) printf '%s' "$NS_OCI" ;;
	inet) printf '%s' "$NS_INET" ;;
	oci2) printf '%s' "$NS_OCI2" ;;
	*) die "ns_of: unknown side '$1'" ;;
	esac
}

# nsx SIDE CMD...: run CMD inside SIDE's namespace.
nsx() {
	local ns
	ns=$(ns_of "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}

# sysctls every namespace gets: forwarding on, reverse-path filter off (packets
# for lo addresses arrive on vti1 / ipsec0).
topo_sysctls() {
	# shellcheck disable=SC2016  # expanded by the inner shell
	ip netns exec "$1" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward &&
		for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >"$f" || exit 1; done'
}

topo_nat_rules() {
	cat <<-'EOF'
	table ip mcvpn_test {
		chain nat_pre {
			type nat hook prerouting priority dstnat; policy accept;
			ip daddr 198.51.100.10 dnat to 10.3.1.200
			ip daddr 203.0.113.20 dnat to 10.106.1.200
		}
		chain nat_post {
			type nat hook postrouting priority srcnat; policy accept;
			ip saddr 10.3.1.200 snat to 198.51.100.10
			ip saddr 10.106.1.200 snat to 203.0.113.20
		}
		chain filter_fwd {
			type filter hook forward priority filter; policy drop;
			ct status dnat accept
			ct state established,related accept
		}
	}
	EOF
}

topo_up() {
	local ns
	if [ "$TOPO_REGISTERED" -eq 0 ]; then
		at_exit topo_down
		TOPO_REGISTERED=1
	fi
	for ns in "$NS_INET" "$NS_AWS" "$NS_OCI"; do
		ip netns add "$ns" || die "ip netns add $ns failed"
		ip -n "$ns" link set lo up || die "lo up in $ns failed"
		topo_sysctls "$ns" || die "sysctl in $ns failed"
	done

	ip -n "$NS_INET" link add aws0 type veth peer name wan0 netns "$NS_AWS" ||
		die "veth inet<->aws failed"
	ip -n "$NS_INET" link add oci0 type veth peer name wan0 netns "$NS_OCI" ||
		die "veth inet<->oci failed"

	ip -n "$NS_INET" addr add 10.3.1.1/24 dev aws0 &&
	ip -n "$NS_INET" addr add 10.106.1.1/24 dev oci0 &&
	ip -n "$NS_INET" link set aws0 up &&
	ip -n "$NS_INET" link set oci0 up || die "inet addresses failed"
	topo_nat_rules | ip netns exec "$NS_INET" nft -f - || die "nft NAT rules failed"

	ip -n "$NS_AWS" addr add 10.3.1.200/24 dev wan0 &&
	ip -n "$NS_AWS" link set wan0 up &&
	ip -n "$NS_AWS" route add default via 10.3.1.1 &&
	ip -n "$NS_AWS" addr add 10.2.0.10/32 dev lo || die "aws addresses failed"

	ip -n "$NS_OCI" addr add 10.106.1.200/24 dev wan0 &&
	ip -n "$NS_OCI" link set wan0 up &&
	ip -n "$NS_OCI" route add default via 10.106.1.1 &&
	ip -n "$NS_OCI" addr add 10.105.0.10/32 dev lo || die "oci addresses failed"

	for ns in "$NS_INET" "$NS_AWS" "$NS_OCI"; do
		topo_sysctls "$ns" || die "sysctl in $ns failed"
	done

	# The public addresses answer through the NAT before anything else runs.
	wait_for "$SAFETY" ip netns exec "$NS_AWS" ping -c 1 -W 1 203.0.113.20 ||
		die "topology: aws cannot reach 203.0.113.20 through the NAT (tried for $SAFETY s)"
	wait_for "$SAFETY" ip netns exec "$NS_OCI" ping -c 1 -W 1 198.51.100.10 ||
		die "topology: oci cannot reach 198.51.100.10 through the NAT (tried for $SAFETY s)"
}

# Kill whatever still runs in our namespaces (by PID), then delete them.
topo_down() {
	netns_destroy "$NS_AWS" "$NS_OCI" "$NS_INET"
}

# topo_ping SIDE DEST [ping options...]: 3 echoes, success if any comes back
# (within ECHO_WAIT).
topo_ping() {
	local side=$1 dest=$2
	shift 2
	nsx "$side" ping -n -c 3 -i 0.2 -W "$ECHO_WAIT" "$@" "$dest"
}

# Before any tunnel: the far side's private addresses must be unreachable
# (the middle namespace forwards NATed flows only), or a ping through "the
# tunnel" would prove nothing.  Uses check_not from common.sh.
topo_check_isolation() {
	check_not "without a tunnel aws cannot reach oci's 10.106.1.200" \
		nsx aws ping -n -c 1 -W 1 10.106.1.200
	check_not "without a tunnel oci cannot reach aws's 10.3.1.200" \
		nsx oci ping -n -c 1 -W 1 10.3.1.200
}

# A background ping stream: stream_start SIDE DEST COUNT sends COUNT echoes,
# 20 per second; stream_check DESC waits for its end and passes when every
# echo came back (late ones count: ping waits for them up to SAFETY s past
# the stream's nominal length).  One stream at a time; stream_stop (registered by
# stream_start) ends it early on exit.  Needs common.sh.
STREAM_PID=
STREAM_OUT=
STREAM_COUNT=0
STREAM_REGISTERED=0
stream_start() {
	local side=$1 dest=$2 count=$3
	if [ "$STREAM_REGISTERED" -eq 0 ]; then
		at_exit stream_stop
		STREAM_REGISTERED=1
	fi
	STREAM_OUT="$WORK/stream.$RANDOM.out"
	STREAM_COUNT=$count
	nsx "$side" ping -n -i 0.05 -W 1 -c "$count" -w $((count / 20 + SAFETY)) "$dest" \
		>"$STREAM_OUT" 2>&1 &
	STREAM_PID=$!
}

stream_check() {
	local line sent recv
	[ -n "$STREAM_PID" ] && wait "$STREAM_PID"
	STREAM_PID=
	line=$(grep -E 'packets transmitted' "$STREAM_OUT")
	sent=$(printf '%s' "$line" | sed -nE 's/^([0-9]+) packets transmitted.*/\1/p')
	recv=$(printf '%s' "$line" | sed -nE 's/.* ([0-9]+) (packets )?received.*/\1/p')
	if check_eq "$1" "$STREAM_COUNT sent, $STREAM_COUNT received" "${sent:-?} sent, ${recv:-?} received"; then
		return 0
	fi
	printf '%s\n' "${line:-no ping summary; its output:}" | sed 's/^/         | /'
	[ -n "$line" ] || tail -n 5 "$STREAM_OUT" | sed 's/^/         | /'
	return 1
}

stream_stop() { [ -z "$STREAM_PID" ] || kill -INT "$STREAM_PID" 2>/dev/null; }
