#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Integration test: bulk TCP routed through the tunnel between LAN hosts, so
# that every data-path offload carries forwarded traffic: the TUN's TSO
# super-packets cut by mcvpnd, ESP sent in UDP GSO trains, received
# (UDP GRO) and coalesced again before the TUN write.
#
#   mcv-lana-PID        mcv-aws-PID (gw A)     mcv-inet-PID     mcv-oci-PID (gw B)      mcv-lanb-PID
#  +--------------+    +------------------+    +----------+    +------------------+    +---------------+
#  | host A       |    | mcvpnd  vti1     |    | 1:1 NAT  |    | mcvpnd  vti1     |    | host B        |
#  | 10.2.0.20/24 +----+ lan0 10.2.0.1/24 |    | (topo.sh)|    | 10.105.0.1/24    +----+ 10.105.0.20/24|
#  | fd00:2::20   |lan0| fd00:2::1        +----+          +----+ fd00:105::1      |lan0| fd00:105::20  |
#  +--------------+    | wan0 10.3.1.200  |    +----------+    | wan0 10.106.1.200|    +---------------+
#   default via .1     +------------------+                    +------------------+     default via .1
#                       routes 10.105/16, fd00:105::/64         routes 10.2/16, fd00:2::/64
#                       -> vti1, forwarding on                  -> vti1, forwarding on
#
# Checks: host A cannot reach host B before the tunnel; then for each transfer
# (a file of BULK_MB, default 128, random MB, python3 on both ends, sha256 on
# both sides) over IPv4 A->B and B->A, over IPv6 A->B and B->A, and again
# with the LAN behind gw B at MTU 1400 (both ends of its link): the bytes
# arrive identical; the sender gateway's inner out_bytes grew by at least the
# file (it went through the tunnel); and the counters show each offload used
# on the routed traffic (below).
#
# Then the rekey at full speed: host A streams a 16 MB file to host B over
# IPv4 (host B's link still at MTU 1400), again and again, while the Child
# SA is rekeyed from gw A, the IKE SA from gw B, the Child SA from gw B and
# the IKE SA from gw A, one after the other (mcvpnctl rekey), and stops once
# 32 MB more went over the last SAs.  The stream's end is tied to those
# events, not to a clock: it runs until the test touches a stop file after
# the last of them, however long they took.
# Each rekey must be over on both sides (one IKE SA and one Child SA left,
# the rekeyed one with a new serial and new SPIs, the two Child SAs one
# pair) with the sender still sending and 1 MB more arriving after it; the
# stream arrives identical (bytes and sha256 of the copies sent); each
# gateway's log shows one rekey of each kind initiated and one answered; and
# during the phase neither gateway counts a replay, integrity, selector or
# selector_out drop, nor daemon.drops.unknown_spi (an ESP packet of an SA
# already deleted: make before break keeps the old inbound SA until the
# DELETE exchange is over) or daemon.drops.no_sa (a packet read from vti1
# while the tunnel had no outbound SA).
#
# At the end: no replay, integrity, selector or selector_out drop on either
# gateway.  Last, a control run with MCVPN_DP_OFF=tso,gso,coalesce shows the
# same offload checks coming out the other way, so they can fail.  No timing
# is asserted, and nothing depends on the machine's speed: every wait is for
# an event, bounded only by SAFETY (common.sh, 120 s) or, for a TCP
# connection, by STALL seconds without a byte moving; reaching either is
# reported as a hang, and the transfers after one are skipped.  About 30 to
# 40 s (the rekey phase 10 to 20; 50 under full load).
#
# How the offloads are seen, twice.  mcvpnd counts the batching paths it
# takes (mcvpnctl status --json, daemon.offloads; deltas around each
# transfer): the sending gateway's tso_split (TUN super-packets it cut) and
# gso_sent (UDP GSO sends of more than one ESP packet) must grow, and the
# receiving gateway's gro_received (UDP GRO trains its socket handed over)
# and gro_written (TUN writes of coalesced segments).  The kernel's device
# counters, one per TUN read or write and one per skb crossing a veth, show
# that the packets really went batched: compared with the daemon's ESP
# packet counters (conns[].counters.out_packets / in_packets count ESP
# packets, one per segment), each check asks for at least twice as many ESP
# packets (measured: about 40 times as many):
#   - sender gateway, ESP packets sent >= 2 x vti1 tx_packets (TUN reads):
#     the reads were TSO super-packets that mcvpnd cut (tso_split);
#   - sender gateway, ESP packets sent >= 2 x wan0 tx_packets: the ESP
#     packets left in UDP GSO trains (gso_sent);
#   - receiver gateway, ESP packets received >= 2 x vti1 rx_packets (TUN
#     writes): segments were coalesced into GSO_TCP writes (gro_written).
# For gro_received there is no kernel counter to compare with: wan0
# rx_packets shows only that the trains reached gw B whole through the NAT
# hop (printed).  Measured per 128 MB: about 2100 tso_split, 2500 gso_sent
# and as many gro_received, 2800 gro_written.  The control run must find
# fewer than twice as many ESP packets as device packets, and tso_split,
# gso_sent and gro_written unchanged: "tso" leaves the TUN without TSO (no
# super-packets to cut), "gso" sends one datagram each, "coalesce" writes
# packet by packet.  UDP GRO stays on there (MCVPN_DP_OFF=gro would turn it
# off), so gro_received is printed, not asserted (measured: unchanged, the
# single datagrams are not joined on the way).
#
# What the kernel does with the forwarded packets (kernel 6.18, measured; the
# test prints the numbers): host A's TCP hands its veth TSO super-packets
# (veth has the GSO features) and veth passes each skb to the peer namespace
# as it is: gw A's lan0 receives as many skbs as host A's lan0 sent, no
# segmentation and no GRO involved.  gw A forwards a super-packet whole
# (ip_forward checks each segment's length against vti1's MTU, not the
# skb's), and the TUN, whose TSO offload mcvpnd turned on, hands it to
# mcvpnd as one read of about 64 KB.  So the TUN sees super-packets although
# the TCP sender is not local to the gateway; behind a real NIC it would be
# the NIC's GRO that builds them.  The first ones are too big: host A starts
# with MSS 1448 (its 1500-byte link), gw A answers "fragmentation needed" for
# 1438 and host A's super-packets shrink to that path MTU; the learned path
# MTU also lowers the MSS host A advertises, so later connections (either
# way) fit from the start.  On the other side the coalesced TUN writes are
# forwarded to lan0 and cross that veth whole too: host B's TCP receives them
# like GRO'd packets, nothing re-segments them.  With host B's link at MTU
# 1400 (both ends) host B advertises MSS 1360 and sends with it, so the
# coalesced writes carry segments of exactly 1400 bytes, lan0's MTU: a write
# claiming a larger segment size would not fit lan0 and gw B would refuse to
# forward it.
#
# Usage: sudo tests/netns/test_bulk.sh   (after a build; MCVPND= and
# MCVPNCTL= override the binaries, BULK_MB= the transfer size).  Ends with
# "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

BULK_MB=${BULK_MB:-128}
CONTROL_MB=16
NS_LANA="mcv-lana-$$"
NS_LANB="mcv-lanb-$$"
HOST_A4=10.2.0.20
HOST_B4=10.105.0.20
HOST_A6=fd00:2::20
HOST_B6=fd00:105::20
PORT=5201
STALL=60		# seconds without a byte moving on a transfer: a hang
XFER_BOUND=$((SAFETY * 8))	# a transfer's processes, whatever happens
HUNG=			# set by the first hang: what hung
XFER_PID=
XFER_OUT=
SEND_PID=

# ------------------------------------------------------------ topology

# lan_of SIDE: the LAN host namespace behind gateway SIDE.
lan_of() { [ "$1" = aws ] && printf '%s' "$NS_LANA" || printf '%s' "$NS_LANB"; }

# lan_add SIDE NS V4NET V6NET: a host namespace NS on a veth behind gateway
# SIDE, the gateway .1 / ::1, the host .20 / ::20, IPv6 forwarding on.
lan_add() {
	local side=$1 ns=$2 v4=$3 v6=$4 gw
	gw=$(ns_of "$side")
	ip netns add "$ns" && ip -n "$ns" link set lo up || die "ip netns add $ns failed"
	ip -n "$gw" link add lan0 type veth peer name lan0 netns "$ns" &&
	ip -n "$gw" addr add "$v4.1/24" dev lan0 &&
	ip -n "$gw" addr add "$v6::1/64" dev lan0 nodad &&
	ip -n "$gw" link set lan0 up &&
	ip -n "$ns" addr add "$v4.20/24" dev lan0 &&
	ip -n "$ns" addr add "$v6::20/64" dev lan0 nodad &&
	ip -n "$ns" link set lan0 up &&
	ip -n "$ns" route add default via "$v4.1" &&
	ip -n "$ns" -6 route add default via "$v6::1" || die "LAN behind $side failed"
	# forwarding=1 under "all" turns it on for every interface, vti1 to come
	ip netns exec "$gw" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/forwarding' ||
		die "IPv6 forwarding in $gw failed"
}

lan_down() { netns_destroy "$NS_LANA" "$NS_LANB"; }

# The ends of a transfer cut short (a bulk sender runs in the foreground, a
# streaming one in the background).
xfer_stop() {
	stop_pid "$SEND_PID"
	stop_pid "$XFER_PID"
}

# ------------------------------------------------------------ the transfer

# One TCP connection: "recv ADDR PORT OUT" listens on ADDR, creates OUT.ready
# once listening, hashes what comes until EOF and writes "BYTES SHA256" to
# OUT; "send ADDR PORT FILE" connects (the receiver is ready) and sends FILE
# with sendfile(2); "stream ADDR PORT FILE STOP COPIES" sends FILE again and
# again until, after a copy, the file STOP exists (nothing else ends it), and
# then writes the number of copies sent to COPIES.  Each socket operation
# gives up after STALL seconds without progress, saying so (a hang).
write_xfer_py() {
	cat >"$WORK/xfer.py" <<-'EOF'
	import hashlib, os, socket, sys
	mode, addr, port, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
	stall = float(os.environ["STALL"])
	fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
	def hang(what):
	    sys.exit("%s: nothing moved for %g s (STALL): a hang" % (what, stall))
	if mode == "recv":
	    ls = socket.socket(fam, socket.SOCK_STREAM)
	    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	    ls.bind((addr, port))
	    ls.listen(1)
	    open(path + ".ready", "w").close()
	    ls.settimeout(stall)
	    h, n, buf = hashlib.sha256(), 0, bytearray(1 << 20)
	    mv = memoryview(buf)
	    try:
	        c, _ = ls.accept()
	        c.settimeout(stall)
	        while True:
	            k = c.recv_into(buf)
	            if not k:
	                break
	            h.update(mv[:k])
	            n += k
	    except socket.timeout:
	        hang("receiver after %d bytes" % n)
	    with open(path, "w") as f:
	        f.write("%d %s\n" % (n, h.hexdigest()))
	    c.close()
	else:
	    stop, copies = (sys.argv[5] if mode == "stream" else None), 0
	    s = socket.socket(fam, socket.SOCK_STREAM)
	    s.settimeout(stall)
	    try:
	        s.connect((addr, port))
	        with open(path, "rb") as f:
	            while True:
	                s.sendfile(f, 0)
	                copies += 1
	                if not stop or os.path.exists(stop):
	                    break
	        if stop:
	            with open(sys.argv[6], "w") as f:
	                f.write("%d\n" % copies)
	        s.shutdown(socket.SHUT_WR)
	        while s.recv(65536):
	            pass
	    except socket.timeout:
	        hang("sender after %d copies" % copies)
	EOF
}

# make_data FILE MB: FILE of MB random megabytes; sets DATA_SUM to
# "BYTES SHA256" as xfer.py's receiver writes it.
make_data() {
	head -c "$(($2 * 1048576))" /dev/urandom >"$1" || die "cannot write $1"
	DATA_SUM="$(stat -c %s "$1") $(sha256sum "$1" | cut -d' ' -f1)"
}

# xfer NS ARGS...: xfer.py in NS, bounded to XFER_BOUND seconds.
xfer() {
	local ns=$1
	shift
	ip netns exec "$ns" env STALL="$STALL" timeout -k 5 "$XFER_BOUND" \
		python3 "$WORK/xfer.py" "$@"
}

# recv_start TO_NS DEST: the receiver of the next transfer, listening on DEST
# in TO_NS (next PORT) in the background: XFER_PID, its result in XFER_OUT.
# Returns once it listens (the sender connects after that).
recv_start() {
	PORT=$((PORT + 1))
	XFER_OUT="$WORK/recv.$PORT"
	xfer "$1" recv "$2" "$PORT" "$XFER_OUT" >"$XFER_OUT.log" 2>&1 &
	XFER_PID=$!
	wait_for "$SAFETY" test -e "$XFER_OUT.ready" ||
		echo "the receiver did not listen within $SAFETY s (SAFETY): a hang" >>"$XFER_OUT.log"
}

# exit_text RC: an exit status in words (124: timeout(1) ended it).
exit_text() {
	[ "$1" = 124 ] || [ "$1" = 137 ] && printf 'killed by its %s s bound (a hang)' "$XFER_BOUND" ||
		printf 'exit %s' "$1"
}

# recv_wait SENDER_RC: wait for the receiver; sets XFER_GOT ("BYTES SHA256" as
# received, or what went wrong).
recv_wait() {
	local rrc
	wait "$XFER_PID"
	rrc=$?
	XFER_PID=
	if [ -s "$XFER_OUT" ]; then
		XFER_GOT=$(cat "$XFER_OUT")
	else
		XFER_GOT="nothing (sender $(exit_text "$1"), receiver $(exit_text "$rrc"):"
		XFER_GOT+=" $(tail -n 1 "$XFER_OUT.send.log") $(tail -n 1 "$XFER_OUT.log"))"
	fi
	case $XFER_GOT in *"a hang"*) HUNG=${HUNG:-"a transfer: $XFER_GOT"} ;; esac
}

# transfer FROM_NS TO_NS DEST FILE: send FILE from FROM_NS to DEST in TO_NS.
# Sets XFER_GOT.
transfer() {
	local from=$1 to=$2 dest=$3 file=$4
	recv_start "$to" "$dest"
	xfer "$from" send "$dest" "$PORT" "$file" >"$XFER_OUT.send.log" 2>&1
	recv_wait $?
}

# ------------------------------------------------------------ counters

# dev_stat NS DEV: "rx_packets rx_bytes tx_packets tx_bytes" of DEV.
dev_stat() {
	# shellcheck disable=SC2016  # expanded by the inner shell
	ip netns exec "$1" sh -c 'cd /sys/class/net/$0/statistics &&
		echo $(cat rx_packets rx_bytes tx_packets tx_bytes)' "$2" 2>/dev/null ||
		echo "0 0 0 0"
}

# esp_stat SIDE: from mcvpnctl status --json, the conn's "in_packets
# out_packets in_bytes out_bytes replay integrity selector selector_out other"
# followed by the daemon's "tso_split gso_sent gro_received gro_written
# unknown_spi no_sa" (daemon.offloads and daemon.drops).
esp_stat() {
	mcvpnctl "$1" status --json 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
c, o, g = j["conns"][0]["counters"], j["daemon"]["offloads"], j["daemon"]["drops"]
d = c["drops"]
print(c["in_packets"], c["out_packets"], c["in_bytes"], c["out_bytes"],
      d["replay"], d["integrity"], d["selector"], d["selector_out"], d["other"],
      o["tso_split"], o["gso_sent"], o["gro_received"], o["gro_written"],
      g["unknown_spi"], g["no_sa"])' 2>/dev/null ||
		echo "x x x x x x x x x x x x x x x"
}

# icmp_too_big NS: ICMP "destination unreachable" plus ICMPv6 "packet too
# big" messages NS sent (here: the gateway's "fragmentation needed").
icmp_too_big() {
	# shellcheck disable=SC2016  # an awk program
	ip netns exec "$1" awk '
		/^Icmp: / && !c { for (i = 2; i <= NF; i++) if ($i == "OutDestUnreachs") c = i; next }
		/^Icmp: / { n += $c }
		$1 == "Icmp6OutPktTooBigs" { n += $2 }
		END { print n + 0 }' /proc/net/snmp /proc/net/snmp6 2>/dev/null || echo 0
}

# snap PREFIX: every counter the checks compare, into S[PREFIX.NAME].
declare -A S=()
snap() {
	local p=$1 side gw v
	for side in aws oci; do
		gw=$(ns_of "$side")
		read -r "S[$p.$side.esp_in]" "S[$p.$side.esp_out]" "S[$p.$side.in_bytes]" \
			"S[$p.$side.out_bytes]" "S[$p.$side.replay]" "S[$p.$side.integrity]" \
			"S[$p.$side.selector]" "S[$p.$side.selector_out]" "S[$p.$side.other]" \
			"S[$p.$side.tso_split]" "S[$p.$side.gso_sent]" "S[$p.$side.gro_received]" \
			"S[$p.$side.gro_written]" "S[$p.$side.unknown_spi]" "S[$p.$side.no_sa]" \
			<<<"$(esp_stat "$side")"
		read -r "S[$p.$side.vti_rx]" v "S[$p.$side.vti_tx]" v <<<"$(dev_stat "$gw" vti1)"
		read -r "S[$p.$side.wan_rx]" v "S[$p.$side.wan_tx]" v <<<"$(dev_stat "$gw" wan0)"
		read -r "S[$p.$side.lan_rx]" v "S[$p.$side.lan_tx]" v <<<"$(dev_stat "$gw" lan0)"
		read -r "S[$p.$side.host_rx]" v "S[$p.$side.host_tx]" v \
			<<<"$(dev_stat "$(lan_of "$side")" lan0)"
		read -r "S[$p.$side.icmp]" <<<"$(icmp_too_big "$gw")"
	done
}

# d NAME: S[a.NAME] - S[b.NAME], or "x" when either is missing.
d() {
	local a=${S[a.$1]:-x} b=${S[b.$1]:-x}
	[[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] && echo $((a - b)) || echo x
}

# avg BYTES PACKETS
avg() { [ "${2:-0}" != 0 ] && [ "$2" != x ] && echo $(($1 / $2)) || echo 0; }

# check_many DESC N N_WHAT M M_WHAT: passes when N >= 2 * M > 0, i.e. on
# average at least two of N per one of M: an offload joined packets.  The
# counters are read at slightly different instants (a stray packet may fall
# between), so no check asks for an exact count.
check_many() {
	if [[ $2 =~ ^[0-9]+$ && $4 =~ ^[0-9]+$ ]] && [ "$4" -gt 0 ] && [ "$2" -ge $(($4 * 2)) ]; then
		pass "$1 ($2 $3 for $4 $5)"
		return 0
	fi
	fail "$1" "expected: $3 >= 2 x $5 (> 0)" "got:      $2 $3, $4 $5"
	return 1
}

# check_many_not DESC N N_WHAT M M_WHAT: the control: 0 < N < 2 * M.
check_many_not() {
	if [[ $2 =~ ^[0-9]+$ && $4 =~ ^[0-9]+$ ]] && [ "$2" -gt 0 ] && [ "$2" -lt $(($4 * 2)) ]; then
		pass "$1 ($2 $3 for $4 $5)"
		return 0
	fi
	fail "$1" "expected: 0 < $3 < 2 x $5" "got:      $2 $3, $4 $5"
	return 1
}

# check_grew DESC SIDE COUNTER: SIDE's COUNTER (a snap name) grew between
# snap b and snap a.
check_grew() {
	local n
	n=$(d "$2.$3")
	if [[ $n =~ ^[0-9]+$ ]] && [ "$n" -gt 0 ]; then
		pass "$1 ($3 +$n)"
		return 0
	fi
	fail "$1" "expected: $2's $3 to grow" "got:      ${S[b.$2.$3]:-x} before, ${S[a.$2.$3]:-x} after"
	return 1
}

# check_still DESC SIDE COUNTER: SIDE's COUNTER did not change between snap b
# and snap a.
check_still() {
	local n
	n=$(d "$2.$3")
	if [ "$n" = 0 ]; then
		pass "$1 ($3 stayed at ${S[a.$2.$3]})"
		return 0
	fi
	fail "$1" "expected: $2's $3 unchanged" "got:      ${S[b.$2.$3]:-x} before, ${S[a.$2.$3]:-x} after"
	return 1
}

# ------------------------------------------------------------ one check set

# bulk DESC FROM TO DEST MODE: transfer the data file from gateway side FROM's
# LAN host to DEST behind TO; MODE "on" expects the offloads used, "off" (the
# control run) expects none of them.
bulk() {
	local desc=$1 from=$2 to=$3 dest=$4 mode=$5 file=$DATA esp_out tso_in wan_out esp_in wr
	[ "$mode" = on ] || file=$CONTROL
	if [ -n "$HUNG" ]; then
		fail "$desc: not run: $HUNG hung before"
		return 1
	fi
	snap b
	transfer "$(lan_of "$from")" "$(lan_of "$to")" "$dest" "$file"
	snap a
	if [ "$mode" = on ]; then
		check_eq "$desc: arrives byte-identical (bytes, sha256)" "$DATA_SUM" "$XFER_GOT"
	else
		check_eq "$desc: arrives byte-identical (bytes, sha256)" "$CONTROL_SUM" "$XFER_GOT"
	fi
	check_gt "$desc: $from's inner out_bytes grew by the file or more (it went through the tunnel)" \
		"$(d "$from.out_bytes")" "$(( $(stat -c %s "$file") - 1 ))"

	esp_out=$(d "$from.esp_out")
	tso_in=$(d "$from.vti_tx")
	wan_out=$(d "$from.wan_tx")
	esp_in=$(d "$to.esp_in")
	wr=$(d "$to.vti_rx")
	info "$from: host lan0 sent $(d "$from.host_tx") skbs, gw lan0 got $(d "$from.lan_rx"), gw sent $(d "$from.icmp") ICMP too-big"
	info "$from: vti1 gave mcvpnd $tso_in reads (avg $(avg "$(d "$from.out_bytes")" "$tso_in") B), mcvpnd sent $esp_out ESP packets in $wan_out wan0 skbs"
	info "$to: wan0 got $(d "$to.wan_rx") skbs ($esp_in ESP packets), mcvpnd wrote $wr to vti1, the host's lan0 got $(d "$to.host_rx") skbs"
	info "offloads: $from: tso_split +$(d "$from.tso_split"), gso_sent +$(d "$from.gso_sent"); $to: gro_received +$(d "$to.gro_received"), gro_written +$(d "$to.gro_written")"
	if [ "$mode" = on ]; then
		check_many "$desc: $from: TUN reads were TSO super-packets, cut by mcvpnd" \
			"$esp_out" "ESP packets" "$tso_in" "TUN reads"
		check_grew "$desc: $from: mcvpnd counted super-packets it cut" "$from" tso_split
		check_many "$desc: $from: ESP left in UDP GSO trains" \
			"$esp_out" "ESP packets" "$wan_out" "wan0 skbs"
		check_grew "$desc: $from: mcvpnd counted UDP GSO sends" "$from" gso_sent
		check_grew "$desc: $to: mcvpnd counted UDP GRO trains received" "$to" gro_received
		check_many "$desc: $to: segments coalesced before the TUN write" \
			"$esp_in" "ESP packets" "$wr" "TUN writes"
		check_grew "$desc: $to: mcvpnd counted coalesced TUN writes" "$to" gro_written
	else
		check_many_not "$desc: $from: one TUN read per ESP packet (no TSO)" \
			"$esp_out" "ESP packets" "$tso_in" "TUN reads"
		check_still "$desc: $from: mcvpnd cut no super-packet" "$from" tso_split
		check_many_not "$desc: $from: one wan0 skb per ESP packet (no UDP GSO)" \
			"$esp_out" "ESP packets" "$wan_out" "wan0 skbs"
		check_still "$desc: $from: mcvpnd made no UDP GSO send" "$from" gso_sent
		check_many_not "$desc: $to: one TUN write per ESP packet (no coalescing)" \
			"$esp_in" "ESP packets" "$wr" "TUN writes"
		check_still "$desc: $to: mcvpnd made no coalesced TUN write" "$to" gro_written
	fi
}

# no_bad_drops SIDE: replay, integrity, selector and selector_out drops all 0
# (other, e.g. a train the socket refused, is TCP's to repair: printed only).
no_bad_drops() {
	local v
	v=$(esp_stat "$1" | cut -d' ' -f5-9)
	info "$1: drops replay, integrity, selector, selector_out, other: $v"
	check_eq "$1: no replay, integrity, selector or selector_out drop" "0 0 0 0" \
		"$(echo "$v" | cut -d' ' -f1-4)"
}

# start_tunnel [NOTE]: both daemons, the tunnel up, or the test ends here
# (every transfer would only wait for its bound).
start_tunnel() {
	mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs below"
	if wait_for "$SAFETY" mcvpn_both_up; then
		pass "tunnel up on both sides${1:+ ($1)}"
		return 0
	fi
	fail "tunnel up on both sides${1:+ ($1)}" "not up after $SAFETY s (SAFETY): a hang" \
		"Child SAs: aws $(mcvpn_sa_count aws), oci $(mcvpn_sa_count oci)"
	mcvpn_dump_logs
	summary
	exit 1
}

# ------------------------------------------------------------ rekey at full speed

# stream_start FROM_NS TO_NS DEST FILE STOP: xfer.py stream in the background
# (SEND_PID), FILE again and again until the file STOP exists, to a receiver
# started first (XFER_PID).
stream_start() {
	local from=$1 to=$2 dest=$3 file=$4 stop=$5
	recv_start "$to" "$dest"
	xfer "$from" stream "$dest" "$PORT" "$file" "$stop" "$XFER_OUT.copies" \
		>"$XFER_OUT.send.log" 2>&1 &
	SEND_PID=$!
}

# stream_wait STOP: touch STOP, wait for both ends; sets XFER_GOT, COPIES
# (copies sent) and SEND_RC.
stream_wait() {
	touch "$1"
	wait "$SEND_PID"
	SEND_RC=$?
	SEND_PID=
	recv_wait "$SEND_RC"
	COPIES=$(cat "$XFER_OUT.copies" 2>/dev/null)
	[[ $COPIES =~ ^[0-9]+$ ]] || COPIES=0
}

# copies_sum FILE N: "BYTES SHA256" of N copies of FILE end to end.
copies_sum() {
	python3 -c '
import hashlib, sys
d, n = open(sys.argv[1], "rb").read(), int(sys.argv[2])
h = hashlib.sha256()
for _ in range(n):
    h.update(d)
print(len(d) * n, h.hexdigest())' "$1" "$2"
}

# sa_state SIDE: "IKE_SAS IKE_SERIAL SPI_I CHILD_SAS CHILD_SERIAL SPI_IN SPI_OUT":
# how many IKE SAs and Child SAs (all of the IKE SAs') SIDE holds, and the
# first of each, from mcvpnctl status --json.
sa_state() {
	mcvpnctl "$1" status --json 2>/dev/null | python3 -c '
import json, sys
ikes = json.load(sys.stdin)["conns"][0]["ike_sas"]
kids = [k for i in ikes for k in i["child_sas"]]
i, k = (ikes or [{}])[0], (kids or [{}])[0]
print(len(ikes), i.get("serial", "-"), i.get("spi_i", "-"),
      len(kids), k.get("serial", "-"), k.get("spi_in", "-"), k.get("spi_out", "-"))' 2>/dev/null ||
		echo "x x x x x x x"
}

# in_bytes SIDE: the conn's inner in_bytes.
in_bytes() { esp_stat "$1" | cut -d' ' -f3; }

# grew_by SIDE FROM N: SIDE's inner in_bytes is at least FROM + N.
grew_by() {
	local v
	v=$(in_bytes "$1")
	[[ $v =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && [ "$v" -ge $(($2 + $3)) ]
}

# rekeyed WHAT: the rekey of WHAT (child or ike) is over on both sides,
# compared with SA_BEFORE[SIDE] (sa_state): one IKE SA and one Child SA
# each, the two Child SAs one pair (each side's spi_in the other's spi_out);
# after a Child SA rekey a new Child SA (serial, both SPIs), after an IKE SA
# rekey a new IKE SA (serial, SPI) with the same Child SA.  Sets
# SA_AFTER[SIDE].
declare -A SA_BEFORE=() SA_AFTER=()
rekeyed() {
	local what=$1 side ni is ii nc cs ci co ps pii pcs pci pco
	for side in aws oci; do
		SA_AFTER[$side]=$(sa_state "$side")
	done
	for side in aws oci; do
		read -r ni is ii nc cs ci co <<<"${SA_AFTER[$side]}"
		read -r _ ps pii _ pcs pci pco <<<"${SA_BEFORE[$side]}"
		[ "$ni" = 1 ] && [ "$nc" = 1 ] && [[ $ps =~ ^[0-9]+$ && $pcs =~ ^[0-9]+$ ]] || return 1
		if [ "$what" = child ]; then
			[ "$cs" != "$pcs" ] && [ "$ci" != "$pci" ] && [ "$co" != "$pco" ] || return 1
		else
			[ "$is" != "$ps" ] && [ "$ii" != "$pii" ] && [ "$ci" = "$pci" ] || return 1
		fi
	done
	read -r _ _ _ _ _ ci co <<<"${SA_AFTER[aws]}"
	read -r _ _ _ _ _ pci pco <<<"${SA_AFTER[oci]}"
	[ "$ci" = "$pco" ] && [ "$co" = "$pci" ]
}

# sa_text STATE: a sa_state line in words.
sa_text() {
	local ni is ii nc cs ci co
	read -r ni is ii nc cs ci co <<<"$1"
	printf 'IKE SA #%s (spi_i %s; %s IKE SAs), Child SA #%s (SPIs %s in / %s out; %s Child SAs)' \
		"$is" "$ii" "$ni" "$cs" "$ci" "$co" "$nc"
}

# rekey_step SIDE WHAT: "mcvpnctl SIDE rekey CONN WHAT" while the stream runs;
# passes when both sides are on the new SA (rekeyed), the streaming sender
# was still running then, and gw B received 1 MB more after that.  Returns
# non-zero (and sets HUNG) when a wait reached SAFETY: the phase ends there.
rekey_step() {
	local side=$1 what=$2 out rc b0 b1 t0 s word sender
	[ "$what" = child ] && word="Child SA" || word="IKE SA"
	for s in aws oci; do
		SA_BEFORE[$s]=$(sa_state "$s")
	done
	b0=$(in_bytes oci)
	t0=$(now_ms)
	out=$(mcvpnctl "$side" rekey "$CONN" "$what" 2>&1)
	rc=$?
	check_eq "$side: mcvpnctl rekey $CONN $what exits 0 during the stream ($out)" 0 "$rc"
	wait_for "$SAFETY" rekeyed "$what"
	rc=$?
	b1=$(in_bytes oci)
	pid_alive "$SEND_PID" && sender=running || sender=ended
	if [ "$rc" -eq 0 ]; then
		pass "$side: $word rekeyed, both sides on the new one (after $(secs_since "$t0") s)"
		info "aws before: $(sa_text "${SA_BEFORE[aws]}")"
		info "aws after:  $(sa_text "${SA_AFTER[aws]}")"
		info "oci after:  $(sa_text "${SA_AFTER[oci]}")"
		info "oci's in_bytes $b0 -> $b1 meanwhile"
	else
		fail "$side: $word rekeyed, both sides on the new one" \
			"not over after $SAFETY s (SAFETY): a hang" \
			"expected: 1 IKE SA and 1 Child SA each, a new $word, the Child SAs one pair" \
			"aws before: $(sa_text "${SA_BEFORE[aws]}")" "oci before: $(sa_text "${SA_BEFORE[oci]}")" \
			"aws now:    $(sa_text "${SA_AFTER[aws]}")" "oci now:    $(sa_text "${SA_AFTER[oci]}")"
		HUNG="the $word rekey from $side"
		return 1
	fi
	check_eq "the stream's sender was still sending when the $word rekey was over" running "$sender" ||
		info "sender: $(tail -n 1 "$XFER_OUT.send.log")"
	if wait_for "$SAFETY" grew_by oci "$b1" $((1 << 20)); then
		pass "the stream goes on after the $word rekey: gw B received 1 MB more"
		return 0
	fi
	fail "the stream goes on after the $word rekey: gw B received 1 MB more" \
		"not after $SAFETY s (SAFETY): a hang" "got: in_bytes $b1 -> $(in_bytes oci)"
	HUNG="the stream after the $word rekey from $side"
	return 1
}

# stream_goes_on: after the last rekey, 32 MB more reach gw B.
stream_goes_on() {
	local b1
	b1=$(in_bytes oci)
	if wait_for "$SAFETY" grew_by oci "$b1" $((32 << 20)); then
		pass "the stream goes on over the new SAs: gw B received 32 MB more"
		return 0
	fi
	fail "the stream goes on over the new SAs: gw B received 32 MB more" \
		"not after $SAFETY s (SAFETY): a hang" "got: in_bytes $b1 -> $(in_bytes oci)"
	HUNG="the stream after the rekeys"
	return 1
}

# rekey_phase: host A streams the control file to host B over IPv4 while the
# Child SA and the IKE SA are rekeyed, each from each side.
rekey_phase() {
	local ma mo stop b0 s mark t0 bad=0
	t0=$(now_ms)
	ma=$(mcvpn_log_mark aws)
	mo=$(mcvpn_log_mark oci)
	stop="$WORK/stream.stop.$PORT"
	snap b
	stream_start "$NS_LANA" "$NS_LANB" "$HOST_B4" "$CONTROL" "$stop"
	b0=${S[b.oci.in_bytes]}
	if wait_for "$SAFETY" grew_by oci "$b0" $((32 << 20)); then
		pass "the stream flows: gw B received 32 MB of it"
	else
		fail "the stream flows: gw B received 32 MB of it" "not after $SAFETY s (SAFETY): a hang" \
			"got: in_bytes $b0 -> $(in_bytes oci); sender: $(tail -n 1 "$XFER_OUT.send.log")"
		HUNG="the stream"
	fi
	# the events of the phase, one after the other; the first hang ends it
	[ -z "$HUNG" ] && rekey_step aws child && rekey_step oci ike &&
		rekey_step oci child && rekey_step aws ike && stream_goes_on
	# they are over (or one hung): only now the stream may end
	stream_wait "$stop"
	snap a
	check_eq "the stream's sender ended on the stop file, after the events ($(exit_text "$SEND_RC"))" \
		0 "$SEND_RC" || info "sender: $(tail -n 1 "$XFER_OUT.send.log")"
	check_eq "stream of $COPIES x $CONTROL_MB MB arrives byte-identical (bytes, sha256)" \
		"$(copies_sum "$CONTROL" "$COPIES")" "$XFER_GOT"
	for s in aws oci; do
		[ "$s" = aws ] && mark=$ma || mark=$mo
		info "$s: during the phase: in_bytes +$(d "$s.in_bytes"), out_bytes +$(d "$s.out_bytes"), drops other +$(d "$s.other")"
		info "$s: since its start: unknown_spi ${S[a.$s.unknown_spi]}, no_sa ${S[a.$s.no_sa]}"
		check_eq "$s: rekeys initiated and answered (Child SA, IKE SA: CI CR II IR)" "1 1 1 1" \
			"$(mcvpn_rekey_roles "$s" "$mark")" || bad=1
		check_eq "$s: no replay, integrity, selector or selector_out drop during the rekeys" \
			"0 0 0 0" "$(d "$s.replay") $(d "$s.integrity") $(d "$s.selector") $(d "$s.selector_out")" ||
			bad=1
		check_eq "$s: daemon drops unknown_spi and no_sa did not grow during the rekeys" \
			"unknown_spi +0, no_sa +0" "unknown_spi +$(d "$s.unknown_spi"), no_sa +$(d "$s.no_sa")" ||
			bad=1
	done
	info "the rekey phase took $(secs_since "$t0") s"
	[ "$bad" = 0 ] && return 0
	# the daemons are restarted later: their logs of this phase, now
	for s in aws oci; do
		[ "$s" = aws ] && mark=$ma || mark=$mo
		printf '  --- mcvpnd (%s) log during the rekey phase (last 60 lines)\n' "$s"
		mcvpn_log_since "$s" "$mark" | tail -n 60 | sed 's/^/    | /'
	done
}

# ------------------------------------------------------------ the test

at_exit lan_down
at_exit xfer_stop
section "topology: a LAN host behind each gateway"
topo_up
lan_add aws "$NS_LANA" 10.2.0 fd00:2
lan_add oci "$NS_LANB" 10.105.0 fd00:105
pass "namespaces $NS_LANA, $NS_AWS, $NS_INET, $NS_OCI, $NS_LANB"
check "host A reaches its gateway" ip netns exec "$NS_LANA" ping -n -c 1 -W "$ECHO_WAIT" 10.2.0.1
check "host B reaches its gateway" ip netns exec "$NS_LANB" ping -n -c 1 -W "$ECHO_WAIT" 10.105.0.1
check_not "without a tunnel host A cannot reach host B" \
	ip netns exec "$NS_LANA" ping -n -c 1 -W 1 "$HOST_B4"
check_not "without a tunnel host A cannot reach host B over IPv6" \
	ip netns exec "$NS_LANA" ping -6 -n -c 1 -W 1 "$HOST_B6"

section "tunnel"
mcvpn_write_config aws start
mcvpn_write_config oci start
mcvpn_conf_set aws "leftsubnet=0.0.0.0/0,::/0" "rightsubnet=0.0.0.0/0,::/0" \
	"routes=10.105.0.0/16,10.106.0.0/16,fd00:105::/64"
mcvpn_conf_set oci "leftsubnet=0.0.0.0/0,::/0" "rightsubnet=0.0.0.0/0,::/0" \
	"routes=10.2.0.0/16,10.3.0.0/16,fd00:2::/64"
start_tunnel
check "ping host A -> host B through the gateways" \
	ip netns exec "$NS_LANA" ping -n -c 2 -i 0.2 -W "$ECHO_WAIT" "$HOST_B4"
check "ping6 host B -> host A through the gateways" \
	ip netns exec "$NS_LANB" ping -6 -n -c 2 -i 0.2 -W "$ECHO_WAIT" "$HOST_A6"

write_xfer_py
DATA="$WORK/data"
CONTROL="$WORK/control"
make_data "$CONTROL" "$CONTROL_MB"
CONTROL_SUM=$DATA_SUM
make_data "$DATA" "$BULK_MB"
info "data: $BULK_MB MB, sha256 ${DATA_SUM#* }"

section "IPv4 bulk TCP, $BULK_MB MB each way"
bulk "IPv4 A->B" aws oci "$HOST_B4" on
bulk "IPv4 B->A" oci aws "$HOST_A4" on

section "IPv6 bulk TCP, $BULK_MB MB each way"
bulk "IPv6 A->B" aws oci "$HOST_B6" on
bulk "IPv6 B->A" oci aws "$HOST_A6" on

section "the LAN behind gw B at MTU 1400"
ip -n "$NS_OCI" link set lan0 mtu 1400 && ip -n "$NS_LANB" link set lan0 mtu 1400 ||
	fail "set MTU 1400 on the LAN behind gw B"
check_match "gw B's lan0 has MTU 1400" ' mtu 1400 ' "$(ip -n "$NS_OCI" -o link show lan0)"
check_match "host B's lan0 has MTU 1400" ' mtu 1400 ' "$(ip -n "$NS_LANB" -o link show lan0)"
bulk "MTU 1400 IPv4 A->B" aws oci "$HOST_B4" on
bulk "MTU 1400 IPv4 B->A" oci aws "$HOST_A4" on
bulk "MTU 1400 IPv6 A->B" aws oci "$HOST_B6" on
bulk "MTU 1400 IPv6 B->A" oci aws "$HOST_A6" on

section "rekey at full speed: IPv4 A->B streamed, Child SA and IKE SA rekeyed"
rekey_phase

section "drops"
no_bad_drops aws
no_bad_drops oci

section "control: MCVPN_DP_OFF=tso,gso,coalesce, $CONTROL_MB MB"
mcvpnd_stop aws
mcvpnd_stop oci
MCVPN_DP_OFF=tso,gso,coalesce start_tunnel "offloads off"
bulk "no offloads IPv4 A->B" aws oci "$HOST_B4" off

[ "$FAIL" -eq 0 ] || mcvpn_dump_logs
summary
