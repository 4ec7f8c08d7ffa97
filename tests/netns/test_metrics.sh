#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Metrics: both daemons serve GET /metrics at metrics-listen= on their own
# loopback (aws on 127.0.0.1, oci on [::1]), Debian's Prometheus scrapes
# aws's every second, and its HTTP API sees what happens to the tunnel.
#
#   mcm-aws-PID                      mcm-inet-PID              mcm-oci-PID
#  +--------------------------+     +-------------+     +--------------------------+
#  | prometheus 127.0.0.1:9090|     | the clouds' |     |                          |
#  |   scrapes every 1 s,     |     | 1:1 NAT     |     |                          |
#  |   loads mcvpn-rules.yml  |     |             |     |                          |
#  | mcvpnd                   +-----+             +-----+ mcvpnd                   |
#  |   metrics 127.0.0.1:9447 |     |             |     |   metrics [::1]:9447     |
#  |   probe=192.168.2.2 (1s) |     |             |     |   (no probe)             |
#  | vti1 192.168.2.1/30      |     |             |     | vti1 192.168.2.2/30      |
#  +--------------------------+     +-------------+     +--------------------------+
#
# Checks: promtool check metrics accepts the exposition from curl and from
# mcvpnctl metrics, on both sides, and both have the same families; aws's
# in-tunnel probe in its series (answered, up, the RTT histogram cumulative
# and as many as the answers; oci has none); the listener answers only
# GET/HEAD /metrics (404, 501), with the Prometheus content type, and
# serves while clients hold connections open and after oversized headers;
# through Prometheus's API: the tunnel and the probe up, bytes and packets
# growing after pings, a rekey by hand counted on both sides (by reason),
# the tunnel down (up=0, the alert MCVPNTunnelDown pending) and the probe
# down once the peer daemon stops; a reload that changes metrics-listen=
# moves the listener.  Every wait is bounded polling for an event (up to 60
# tries of 0.5 s, or SAFETY); nothing depends on the machine's speed.
#
# Usage: sudo tests/netns/test_metrics.sh   (after a build; needs Debian's
# prometheus (prometheus, promtool) and curl: tests/deps.sh).  Ends with
# "N passed, N failed"; exits 77 when prometheus is missing.
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

# Namespaces of our own prefix: never the names another test uses.
NS_AWS="mcm-aws-$$"
NS_OCI="mcm-oci-$$"
NS_INET="mcm-inet-$$"

PROM_PORT=9090
PROM_PID=
TRIES=60	# polls of 0.5 s: a hang bound, not a timing assertion

for b in prometheus promtool curl; do
	if ! command -v "$b" >/dev/null 2>&1; then
		echo "$b is not installed (Debian: prometheus, curl; tests/deps.sh installs them)"
		exit 77
	fi
done

# poll CMD...: run CMD every 0.5 s until it succeeds, at most TRIES times.
poll() {
	local i
	for ((i = 0; i < TRIES; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

metrics_url() {
	case $1 in
	aws) printf 'http://127.0.0.1:%s/metrics' "${2:-9447}" ;;
	oci) printf 'http://[::1]:%s/metrics' "${2:-9447}" ;;
	esac
}

# scrape SIDE [PORT]: GET /metrics as Prometheus would.
scrape() { nsx "$1" curl -sS -g --max-time 10 "$(metrics_url "$1" "${2:-}")"; }

# http_code SIDE CURL-ARGS... URL-PATH: the status code (000: no answer).
http_code() {
	local side=$1 path=${*: -1} base
	base=$(metrics_url "$side")
	set -- "${@:2:$#-2}"
	nsx "$side" curl -sS -g -o /dev/null -w '%{http_code}' --max-time 10 "$@" "${base%/metrics}$path" 2>/dev/null
}

# The sample lines of NAME{...} in text: the value of the line that has
# every LABEL="VALUE" given.  sample TEXT NAME LABEL=VALUE...
sample() {
	local text=$1 name=$2
	shift 2
	printf '%s\n' "$text" | awk -v name="$name" -v want="$*" '
		BEGIN { n = split(want, w, " ") }
		index($0, name "{") == 1 || $1 == name {
			ok = 1
			for (i = 1; i <= n; i++) {
				split(w[i], kv, "=")
				if (index($0, kv[1] "=\"" kv[2] "\"") == 0) ok = 0
			}
			if (ok) { print $NF; exit }
		}'
}

families() { printf '%s\n' "$1" | sed -n 's/^# TYPE \([^ ]*\) .*/\1 /p' | sort | tr -d '\n'; }

# ------------------------------------------------------------ the exposition

test_exposition() {
	local side out ctl bad
	section "the exposition: curl and mcvpnctl metrics, promtool check metrics"
	for side in aws oci; do
		out=$(scrape "$side")
		check_eq "$side: GET $(metrics_url "$side"): exit 0" 0 $?
		printf '%s\n' "$out" >"$WORK/$side.curl.prom"
		check "$side: promtool check metrics accepts GET /metrics" \
			sh -c "promtool check metrics <'$WORK/$side.curl.prom'"
		ctl=$(mcvpnctl "$side" metrics)
		check_eq "$side: mcvpnctl metrics: exit 0" 0 $?
		printf '%s\n' "$ctl" >"$WORK/$side.ctl.prom"
		check "$side: promtool check metrics accepts mcvpnctl metrics" \
			sh -c "promtool check metrics <'$WORK/$side.ctl.prom'"
		check_eq "$side: the same families from both" "$(families "$out")" "$(families "$ctl")"
		check_eq "$side: mcvpn_tunnel_up{conn=\"$CONN\"} is 1" 1 \
			"$(sample "$out" mcvpn_tunnel_up conn="$CONN")"
		check_eq "$side: mcvpn_ike_state{state=\"established\"} is 1" 1 \
			"$(sample "$out" mcvpn_ike_state conn="$CONN" state=established)"
		check_eq "$side: mcvpn_build_info has the version" 1 \
			"$(sample "$out" mcvpn_build_info version="$("$MCVPND" --version | awk '{ print $2 }')")"
	done
	# every family HELPed and TYPEd once, every sample under its family
	bad=$(awk '/^# TYPE / { t[$3]++ } /^# HELP / { h[$3]++ }
		END { for (f in t) if (t[f] != 1 || h[f] != 1) print f }' "$WORK/aws.curl.prom")
	check_eq "aws: one HELP and one TYPE line per family" "" "$bad"
	check_match "aws: counters of the conn's traffic" "^mcvpn_receive_bytes_total\\{conn=\"$CONN\"\\} [0-9]+$" \
		"$(cat "$WORK/aws.curl.prom")"
	check_match "aws: drops by cause" "^mcvpn_drops_total\\{conn=\"$CONN\",cause=\"replay\"\\} [0-9]+$" \
		"$(cat "$WORK/aws.curl.prom")"
}

# ------------------------------------------------------------ the probe

# probe_answered N: aws's probe has N answers or more.
probe_answered() {
	local v
	v=$(sample "$(scrape aws)" mcvpn_probe_received_total conn="$CONN")
	[ -n "$v" ] && [ "$v" -ge "$1" ]
}

# rtt_consistent TEXT: the RTT histogram of one scrape, as the format wants
# it and as the counters say: "ok", else what is wrong.
rtt_consistent() {
	printf '%s\n' "$1" | python3 -c '
import re, sys
conn = sys.argv[1]
v = {}
le = []
for line in sys.stdin:
    m = re.match(r"(mcvpn_probe_\w+)\{conn=\"" + re.escape(conn) + r"\"(?:,le=\"([^\"]+)\")?\} (\S+)$", line)
    if not m:
        continue
    name, bound, val = m.groups()
    if name == "mcvpn_probe_rtt_seconds_bucket":
        le.append((bound, float(val)))
    else:
        v[name] = float(val)
counts = [c for _, c in le]
bounds = [float(b) for b, _ in le]
if len(le) != 14 or le[-1][0] != "+Inf" or bounds[-2] != 5:
    print("buckets:", le)
elif counts != sorted(counts):
    print("buckets not cumulative:", counts)
elif counts[-1] != v.get("mcvpn_probe_rtt_seconds_count"):
    print("+Inf bucket", counts[-1], "!= _count", v.get("mcvpn_probe_rtt_seconds_count"))
elif v["mcvpn_probe_rtt_seconds_count"] != v.get("mcvpn_probe_received_total"):
    print("_count", v["mcvpn_probe_rtt_seconds_count"], "!= received", v.get("mcvpn_probe_received_total"))
elif not 0 < v.get("mcvpn_probe_rtt_seconds_sum", 0) < 5 * counts[-1]:
    print("_sum", v.get("mcvpn_probe_rtt_seconds_sum"), "for", counts[-1], "answers")
elif not v.get("mcvpn_probe_sent_total", 0) >= v["mcvpn_probe_received_total"]:
    print("sent", v.get("mcvpn_probe_sent_total"), "< received", v["mcvpn_probe_received_total"])
else:
    print("ok")' "$CONN"
}

test_probe_series() {
	local out
	section "the in-tunnel probe's series"
	poll probe_answered 3 && pass "aws's probe is answered (3 answers)" ||
		fail "aws's probe is answered (3 answers)" \
			"$(scrape aws | grep '^mcvpn_probe' | sed 's/^/         | /')"
	out=$(scrape aws)
	check_eq "mcvpn_probe_up is 1" 1 "$(sample "$out" mcvpn_probe_up conn="$CONN")"
	check_eq "the RTT histogram: 13 bounds to 5 s and +Inf, cumulative, _count = received" ok \
		"$(rtt_consistent "$out")"
	check_match "the loss ratio is a number from 0 to 1" '^(0|1|0\.[0-9e-]+)$' \
		"$(sample "$out" mcvpn_probe_loss_ratio conn="$CONN")"
	printf '%s\n' "$out" >"$WORK/aws.probe.prom"
	check "promtool check metrics accepts the probe's series" \
		sh -c "promtool check metrics <'$WORK/aws.probe.prom'"
	check_eq "oci (no probe=) has no probe samples" "" \
		"$(scrape oci | grep '^mcvpn_probe' | head -n 3)"
}

# ------------------------------------------------------------ HTTP

# hold_open N: N clients connect to aws's listener and send half a request.
hold_open() {
	nsx aws python3 - "$1" >/dev/null <<'PY' &
import socket, sys, time
conns = []
for _ in range(int(sys.argv[1])):
    s = socket.create_connection(("127.0.0.1", 9447))
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")	# never ends its headers
    conns.append(s)
print("open", flush=True)
time.sleep(600)
PY
	HOLD_PID=$!
	at_exit "stop_pid $HOLD_PID"
}

test_http() {
	local headers big
	section "HTTP: only GET /metrics, bounded"
	headers=$(nsx aws curl -sS -D - -o /dev/null --max-time 10 "$(metrics_url aws)")
	check_match "200 OK" "^HTTP/1.1 200" "$headers"
	check_match "Content-Type is the text format 0.0.4" \
		"^Content-Type: text/plain; version=0.0.4; charset=utf-8" "$(printf '%s' "$headers" | tr -d '\r')"
	check_eq "GET / is 404" 404 "$(http_code aws /)"
	check_eq "GET /metrics/x is 404" 404 "$(http_code aws /metrics/x)"
	check_eq "GET /metricsx is 404" 404 "$(http_code aws /metricsx)"
	check_eq "GET /metrics?x=1 is served" 200 "$(http_code aws /metrics?x=1)"
	check_eq "HEAD /metrics is 200" 200 "$(http_code aws -I /metrics)"
	check_eq "POST /metrics is refused (501)" 501 "$(http_code aws -X POST /metrics)"
	check_eq "PUT /metrics is refused (501)" 501 "$(http_code aws -X PUT /metrics)"
	check_eq "a request with a body is refused (413)" 413 "$(http_code aws -X POST -d x=1 /metrics)"
	big=$(head -c 12000 /dev/zero | tr '\0' a)
	check_not "12 KB of headers are not answered 200" \
		test "$(http_code aws -H "X-Big: $big" /metrics)" = 200
	hold_open 8
	check_eq "oci: GET /metrics over IPv6 [::1] is 200" 200 "$(http_code oci /metrics)"
	check_eq "served while 8 clients hold half a request" 200 "$(http_code aws /metrics)"
	stop_pid "$HOLD_PID"
	check_eq "and after they went" 200 "$(http_code aws /metrics)"
}

# ------------------------------------------------------------ Prometheus

prom_start() {
	local dir="$WORK/prometheus"
	mkdir -p "$dir/data" || die "mkdir $dir failed"
	cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $REPO/packaging/prometheus/mcvpn-rules.yml
scrape_configs:
  - job_name: mcvpn
    static_configs:
      - targets: ['127.0.0.1:9447']
EOF
	nsx aws prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
		</dev/null >"$dir/prometheus.log" 2>&1 &
	PROM_PID=$!
	at_exit "stop_pid $PROM_PID"
}

# prom QUERY: the value of the first result of an instant query ("none": no result).
prom() {
	nsx aws curl -sS --max-time 10 --get --data-urlencode "query=$1" \
		"http://127.0.0.1:$PROM_PORT/api/v1/query" 2>/dev/null | python3 -c '
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(r[0]["value"][1] if r else "none")
except Exception:
    print("none")'
}

prom_is() { [ "$(prom "$1")" = "$2" ]; }
prom_above() {
	local v
	v=$(prom "$1")
	[ "$v" != none ] && python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)' "$v" "$2"
}
prom_ready() { nsx aws curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/-/ready"; }

test_prometheus() {
	local tx0 rx0 pk0 q
	section "Prometheus scrapes aws"
	prom_start
	if ! poll prom_ready; then
		fail "Prometheus is ready" "not after $TRIES polls; its log:" "$(tail -n 5 "$WORK/prometheus/prometheus.log")"
		return
	fi
	pass "Prometheus is ready"
	poll prom_is 'up{job="mcvpn"}' 1 && pass "the scrape of mcvpnd is up" ||
		fail "the scrape of mcvpnd is up" "up{job=\"mcvpn\"} is $(prom 'up{job="mcvpn"}')"
	poll prom_is "mcvpn_tunnel_up{conn=\"$CONN\"}" 1 && pass "the API shows the tunnel up" ||
		fail "the API shows the tunnel up" "mcvpn_tunnel_up is $(prom "mcvpn_tunnel_up{conn=\"$CONN\"}")"
	poll prom_is "mcvpn_probe_up{conn=\"$CONN\"}" 1 && pass "the API shows the probe up" ||
		fail "the API shows the probe up" "mcvpn_probe_up is $(prom "mcvpn_probe_up{conn=\"$CONN\"}")"
	poll prom_is 'count(ALERTS{alertname=~"MCVPN.*"}) or vector(0)' 0 &&
		pass "the shipped rules are loaded and nothing alerts" ||
		fail "the shipped rules are loaded and nothing alerts" \
			"alerts: $(prom 'count(ALERTS{alertname=~"MCVPN.*"}) or vector(0)')"
	check_eq "the shipped rules are loaded" ok "$(nsx aws curl -sS --max-time 10 \
		"http://127.0.0.1:$PROM_PORT/api/v1/rules" | python3 -c '
import json, sys
names = {r["name"] for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]}
print("ok" if {"MCVPNTunnelDown", "MCVPNPeerNotHeard", "MCVPNDropsRising", "MCVPNProbeLoss",
               "MCVPNProbeSlow"} <= names else sorted(names))')"

	q="mcvpn_transmit_bytes_total{conn=\"$CONN\"}"
	tx0=$(prom "$q")
	rx0=$(prom "mcvpn_receive_bytes_total{conn=\"$CONN\"}")
	pk0=$(prom "mcvpn_receive_packets_total{conn=\"$CONN\"}")
	nsx aws ping -n -c 20 -i 0.05 -s 1000 -W "$ECHO_WAIT" 192.168.2.2 >/dev/null
	check_eq "20 pings of 1000 bytes through the tunnel" 0 $?
	poll prom_above "$q" "$((tx0 + 20 * 1028 - 1))" && pass "transmitted bytes grew by 20 pings ($tx0 -> $(prom "$q"))" ||
		fail "transmitted bytes grew by 20 pings" "from $tx0 to $(prom "$q")"
	poll prom_above "mcvpn_receive_bytes_total{conn=\"$CONN\"}" "$((rx0 + 20 * 1028 - 1))" &&
		pass "received bytes grew by 20 echo replies" ||
		fail "received bytes grew by 20 echo replies" "from $rx0 to $(prom "mcvpn_receive_bytes_total{conn=\"$CONN\"}")"
	poll prom_above "mcvpn_receive_packets_total{conn=\"$CONN\"}" "$((pk0 + 19))" &&
		pass "received packets grew by 20" || fail "received packets grew by 20" "from $pk0"
	# (selector_out counts the host's own IPv6 chatter on vti1: not checked)
	check_eq "no inbound drops of the conn" 0 \
		"$(prom "sum(mcvpn_drops_total{conn=\"$CONN\",cause!=\"selector_out\"})")" ||
		scrape aws | grep '^mcvpn_drops_total' | sed 's/^/         | /'
}

# rekeys SIDE REASON: mcvpn_rekeys_total{sa="child",reason=REASON} from SIDE's scrape.
rekeys() { sample "$(scrape "$1")" mcvpn_rekeys_total conn="$CONN" sa=child reason="$2"; }
rekeys_are() { [ "$(rekeys "$1" "$2")" = "$3" ]; }

test_rekey_counted() {
	section "a rekey by hand, counted by reason"
	check_eq "no Child SA rekey yet (aws, manual)" 0 "$(rekeys aws manual)"
	mcvpnctl aws rekey "$CONN" child >/dev/null
	check_eq "mcvpnctl rekey child: exit 0" 0 $?
	poll rekeys_are aws manual 1 && pass "aws counts one Child SA rekey, reason manual" ||
		fail "aws counts one Child SA rekey, reason manual" "got $(rekeys aws manual)"
	poll rekeys_are oci peer 1 && pass "oci counts one Child SA rekey, reason peer" ||
		fail "oci counts one Child SA rekey, reason peer" "got $(rekeys oci peer)"
	check_eq "oci counts none of its own" 0 "$(rekeys oci manual)"
	poll prom_is "mcvpn_rekeys_total{conn=\"$CONN\",sa=\"child\",reason=\"manual\"}" 1 &&
		pass "Prometheus sees the rekey" ||
		fail "Prometheus sees the rekey" "got $(prom "mcvpn_rekeys_total{conn=\"$CONN\",sa=\"child\",reason=\"manual\"}")"
}

test_peer_stops() {
	section "the peer daemon stops: the tunnel goes down"
	mcvpnd_stop oci
	check_eq "oci's mcvpnd exits 0" 0 "$STOP_RC"
	poll prom_is "mcvpn_tunnel_up{conn=\"$CONN\"}" 0 && pass "the API shows the tunnel down (up=0)" ||
		fail "the API shows the tunnel down (up=0)" "mcvpn_tunnel_up is $(prom "mcvpn_tunnel_up{conn=\"$CONN\"}")"
	poll prom_is "count(ALERTS{alertname=\"MCVPNTunnelDown\",conn=\"$CONN\"})" 1 &&
		pass "MCVPNTunnelDown is pending" ||
		fail "MCVPNTunnelDown is pending" "ALERTS: $(prom 'ALERTS')"
	check_eq "no ESTABLISHED state in aws's scrape" 0 \
		"$(sample "$(scrape aws)" mcvpn_ike_state conn="$CONN" state=established)"
	poll prom_is "mcvpn_probe_up{conn=\"$CONN\"}" 0 && pass "the probe is down (stopped: no Child SA)" ||
		fail "the probe is down (stopped: no Child SA)" \
			"mcvpn_probe_up is $(prom "mcvpn_probe_up{conn=\"$CONN\"}")"
}

# ------------------------------------------------------------ reload

listen_file() { printf '%s/conf/metrics.conf' "$(mcvpn_dir "$1")"; }

write_listen() { printf 'config setup\n    metrics-listen=%s\n' "$2" >"$(listen_file "$1")"; }

test_reload() {
	local out
	section "a reload moves the listener"
	write_listen aws 127.0.0.1:9448
	out=$(mcvpnctl aws reload 2>&1)
	check_eq "reload: exit 0" 0 $?
	check_match "the reload says where it listens now" "^metrics-listen: now 127.0.0.1:9448$" "$out"
	check_eq "GET /metrics at the new port" 200 "$(nsx aws curl -sS -o /dev/null -w '%{http_code}' \
		--max-time 10 http://127.0.0.1:9448/metrics 2>/dev/null)"
	check_not "nothing listens at the old port" nsx aws curl -sS --max-time 10 -o /dev/null http://127.0.0.1:9447/metrics
	out=$(mcvpnctl aws reload 2>&1)
	check_eq "a reload without a change says nothing of it" "" "$(printf '%s\n' "$out" | grep metrics-listen)"
	write_listen aws no
	out=$(mcvpnctl aws reload 2>&1)
	check_match "metrics-listen=no: off" "^metrics-listen: off$" "$out"
	check_not "nothing listens at 9448 any more" nsx aws curl -sS --max-time 10 -o /dev/null http://127.0.0.1:9448/metrics
	check_match "mcvpnctl metrics still answers" "^mcvpn_tunnel_up" "$(mcvpnctl aws metrics 2>&1)"
}

topo_up
for side in aws oci; do
	mcvpn_write_config "$side" start
done
mcvpn_conf_set aws probe=192.168.2.2 probe-interval=1s
write_listen aws 127.0.0.1:9447
write_listen oci '[::1]:9447'
mcvpnd_start aws && mcvpnd_start oci || fail "both daemons start" "see the logs"
if wait_for "$SAFETY" mcvpn_both_up; then
	pass "tunnel up"
	mcvpn_check_one_pair "one IKE SA and one Child SA per side once the start settled"
	poll scrape aws && poll scrape oci && pass "both listeners answer" ||
		fail "both listeners answer" "$(mcvpn_dump_logs)"
	test_exposition
	test_probe_series
	test_http
	test_prometheus
	test_rekey_counted
	test_peer_stops
	test_reload
else
	fail "tunnel up" "no Child SA within $SAFETY s (SAFETY)"
	mcvpn_dump_logs
fi
summary
