# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2015  # "A && B || die" is meant
# strongSwan (charon with kernel-libipsec) as a peer inside a test namespace.
# Needs common.sh and topo.sh.  See shared/notes/strongswan-peer.md for why
# it is set up this way:
#  - the kernel here has no ESP: kernel-libipsec does ESP in userspace over a
#    TUN named ipsec0, and must come before kernel-netlink in the load list;
#  - each instance gets its own strongswan.conf (STRONGSWAN_CONF), vici
#    socket and log, and its own /run (bind mount; the pid file is fixed);
#  - with 0.0.0.0/0 selectors charon routes everything into ipsec0 through
#    table 220; we delete that rule and route the test subnets ourselves;
#  - ipsec0's MTU is fixed at 1400 in 5.9.8 (no setting; libipsec reads the
#    TUN with a buffer of that size, so raising it with `ip link` truncates
#    packets): the largest DF ping from the strongSwan side is -s 1372.
#
# Per side everything lives in $RUNDIR/sw-SIDE/ ($RUNDIR defaults to $WORK):
# strongswan.conf, swanctl.conf, charon.vici, charon.log, run/ (over /run).

CHARON=${CHARON:-/usr/lib/ipsec/charon}
SW_CONN=oracle-tunnel-1
# openssl also brings ChaCha20-Poly1305 (EVP_chacha20_poly1305) to IKE and to
# kernel-libipsec's ESP; the separate chapoly plugin is not needed.
SW_PLUGINS="random nonce openssl aes sha1 sha2 hmac gcm gmp kdf pem pkcs1 x509 pubkey curve25519 kernel-libipsec kernel-netlink socket-default vici updown"

# Proposals written into swanctl.conf (an algorithm set of a test sets them
# before sw_write_config): the seed's, as the example configs have them.
SW_IKE_PROPOSALS=${SW_IKE_PROPOSALS:-aes256-sha384-modp1536}
SW_ESP_PROPOSALS=${SW_ESP_PROPOSALS:-aes256gcm16-modp1536}

# Lifetimes written into swanctl.conf (a test of rekeying sets short ones
# before sw_write_config); an empty *_OVER / *_LIFE leaves strongSwan's default.
SW_IKE_REKEY=${SW_IKE_REKEY:-28800s}
SW_IKE_OVER=${SW_IKE_OVER:-}
SW_CHILD_REKEY=${SW_CHILD_REKEY:-3600s}
SW_CHILD_LIFE=${SW_CHILD_LIFE:-}
# IKE fragmentation (RFC 7383): swanctl's fragmentation= and strongswan.conf's
# charon.fragment_size= (the largest IP packet of a fragment); empty leaves
# strongSwan's defaults (yes, 1280).
SW_FRAGMENTATION=${SW_FRAGMENTATION:-}
SW_FRAGMENT_SIZE=${SW_FRAGMENT_SIZE:-}
# charon.rsa_pss: "yes" makes charon sign RSA with RSA-PSS (RFC 7427) instead
# of PKCS#1 v1.5; empty leaves its default (no).  It does not restrict what
# charon accepts: it verifies a peer's PSS signature either way.
SW_RSA_PSS=${SW_RSA_PSS:-}
# charon.signature_authentication: "no" turns RFC 7427 off (no
# SIGNATURE_HASH_ALGORITHMS, the classic AUTH methods: RSA with SHA-1, RFC
# 4754 ECDSA); empty leaves its default (yes).
SW_SIG_AUTH=${SW_SIG_AUTH:-}

# Authentication: SW_AUTH=psk (the default: the example configs' PSK and
# addresses as IDs) or pubkey (certificates).  With pubkey, sw_write_config
# copies SW_CERT (this side's certificate, PEM) into swanctl's x509/, SW_KEY
# (its private key) into private/ and each file of SW_CACERTS (trusted CAs,
# and the intermediates charon sends along with SW_CERT: it sends those it
# finds between its certificate and a trusted root) into x509ca/, next to
# swanctl.conf (swanctl --file reads the credential directories beside the
# file).  SW_ID_LOCAL and SW_ID_REMOTE are swanctl's local and remote id=:
# empty leaves strongSwan's defaults, the certificate's subject (a DN) and
# %any.
SW_AUTH=${SW_AUTH:-psk}
SW_CERT=${SW_CERT:-}
SW_KEY=${SW_KEY:-}
SW_CACERTS=${SW_CACERTS:-}
SW_ID_LOCAL=${SW_ID_LOCAL:-}
SW_ID_REMOTE=${SW_ID_REMOTE:-}
# SW_SEND_CERT: swanctl's send_cert (always, ifasked, never); empty leaves
# its default (ifasked).
SW_SEND_CERT=${SW_SEND_CERT:-}

declare -A CHARON_PID=()
CHARON_REGISTERED=0

sw_dir() { printf '%s/sw-%s' "${RUNDIR:-$WORK}" "$1"; }
sw_uri() { printf 'unix://%s/charon.vici' "$(sw_dir "$1")"; }

# Facts of each side: local private address, remote public address, local
# id, remote id, tunnel address, subnets routed into the tunnel.
sw_side_facts() {
	case $1 in
	aws) SW_LOCAL=10.3.1.200 SW_REMOTE=203.0.113.20 SW_LID=198.51.100.10 SW_RID=203.0.113.20
	     SW_IFADDR=192.168.2.1/30 SW_ROUTES="10.105.0.0/16 10.106.0.0/16" ;;
	oci) SW_LOCAL=10.106.1.200 SW_REMOTE=198.51.100.10 SW_LID=203.0.113.20 SW_RID=198.51.100.10
	     SW_IFADDR=192.168.2.2/30 SW_ROUTES="10.2.0.0/16 10.3.0.0/16" ;;
	*) die "sw_side_facts: unknown side '$1'" ;;
	esac
}

# The PSK of the example configs, so both kinds of peer share one secret.
sw_psk() {
	sed -n 's/.*PSK "\(.*\)".*/\1/p' "$REPO/tests/configs/aws/oracle-tunnel-1.secrets" | head -n 1
}

# sw_auth_blocks SIDE: the local { }, remote { } and secrets { } parts of
# swanctl.conf for SW_AUTH (psk or pubkey), with the certificates and key in
# place for pubkey.
sw_auth_blocks() {
	local side=$1 dir psk f
	dir=$(sw_dir "$side")
	if [ "$SW_AUTH" = psk ]; then
		psk=$(sw_psk)
		[ -n "$psk" ] || die "no PSK found in tests/configs/aws/oracle-tunnel-1.secrets"
		cat <<-EOF
		local {
			auth = psk
			id = $SW_LID
		}
		remote {
			auth = psk
			id = $SW_RID
		}
		EOF
		SW_SECRETS=$(printf 'ike-%s {\nid-local = %s\nid-remote = %s\nsecret = "%s"\n}' \
			"$SW_CONN" "$SW_LID" "$SW_RID" "$psk")
		return
	fi
	[ "$SW_AUTH" = pubkey ] || die "sw_write_config: SW_AUTH is psk or pubkey, not '$SW_AUTH'"
	[ -f "$SW_CERT" ] && [ -f "$SW_KEY" ] || die "sw_write_config: SW_AUTH=pubkey needs SW_CERT and SW_KEY"
	rm -rf "$dir/x509" "$dir/x509ca" "$dir/private"
	mkdir -p "$dir/x509" "$dir/x509ca" "$dir/private" || die "mkdir in $dir failed"
	cp "$SW_CERT" "$dir/x509/local.pem" && install -m 600 "$SW_KEY" "$dir/private/local.key" ||
		die "copying SW_CERT, SW_KEY into $dir failed"
	for f in $SW_CACERTS; do
		cp "$f" "$dir/x509ca/" || die "copying $f into $dir/x509ca failed"
	done
	cat <<-EOF
	local {
		auth = pubkey
		certs = local.pem
		${SW_ID_LOCAL:+id = \"$SW_ID_LOCAL\"}
	}
	remote {
		auth = pubkey
		${SW_ID_REMOTE:+id = \"$SW_ID_REMOTE\"}
	}
	EOF
	SW_SECRETS=
}

# sw_write_config SIDE: strongswan.conf and swanctl.conf for SIDE.
sw_write_config() {
	local side=$1 dir auth
	dir=$(sw_dir "$side")
	sw_side_facts "$side"
	mkdir -p "$dir/run" && chmod 700 "$dir" || die "mkdir $dir failed"
	# not in a $( ): it sets SW_SECRETS
	sw_auth_blocks "$side" >"$dir/auth.part" || return 1
	auth=$(cat "$dir/auth.part")

	cat >"$dir/strongswan.conf" <<-EOF
	charon {
		load = $SW_PLUGINS
		install_routes = no
		install_virtual_ip = no
		retransmit_tries = 3
		${SW_FRAGMENT_SIZE:+fragment_size = $SW_FRAGMENT_SIZE}
		${SW_RSA_PSS:+rsa_pss = $SW_RSA_PSS}
		${SW_SIG_AUTH:+signature_authentication = $SW_SIG_AUTH}
		plugins {
			vici {
				socket = $(sw_uri "$side")
			}
		}
		filelog {
			test {
				path = $dir/charon.log
				flush_line = yes
				time_format = %H:%M:%S
				ike_name = yes
				flush_line = yes
				default = 1
				ike = 2
				cfg = 1
				knl = 1
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
		$SW_CONN {
			version = 2
			local_addrs = $SW_LOCAL
			remote_addrs = $SW_REMOTE
			encap = yes
			mobike = no
			${SW_FRAGMENTATION:+fragmentation = $SW_FRAGMENTATION}
			${SW_SEND_CERT:+send_cert = $SW_SEND_CERT}
			proposals = $SW_IKE_PROPOSALS
			rekey_time = $SW_IKE_REKEY
			${SW_IKE_OVER:+over_time = $SW_IKE_OVER}
	$auth
			children {
				$SW_CONN {
					mode = tunnel
					local_ts = 0.0.0.0/0
					remote_ts = 0.0.0.0/0
					esp_proposals = $SW_ESP_PROPOSALS
					rekey_time = $SW_CHILD_REKEY
					${SW_CHILD_LIFE:+life_time = $SW_CHILD_LIFE}
					start_action = none
				}
			}
		}
	}
	secrets {
	$SW_SECRETS
	}
	EOF
	chmod 600 "$dir/swanctl.conf"
}

sw_stop_all() {
	local side
	for side in "${!CHARON_PID[@]}"; do
		stop_pid "${CHARON_PID[$side]}"
		unset "CHARON_PID[$side]"
	done
}

sw_stop() {
	local side=$1
	[ -n "${CHARON_PID[$side]:-}" ] || return 0
	stop_pid "${CHARON_PID[$side]}"
	unset "CHARON_PID[$side]"
}

# swanctl SIDE ARGS...: swanctl against SIDE's charon.
sw_ctl() {
	local side=$1
	shift
	STRONGSWAN_CONF="$(sw_dir "$side")/strongswan.conf" \
		timeout 30 swanctl "$@" --uri "$(sw_uri "$side")"
}

# Delete the catch-all policy-routing rule charon adds (table 220).
sw_drop_table220() {
	local side=$1 i
	for ((i = 0; i < 10; i++)); do
		nsx "$side" ip rule del table 220 2>/dev/null || break
	done
	nsx "$side" ip route flush table 220 2>/dev/null
	return 0
}

# sw_start SIDE: start charon in SIDE's namespace, load swanctl.conf, put the
# tunnel address and routes on ipsec0.
sw_start() {
	local side=$1 dir ns r
	dir=$(sw_dir "$side")
	ns=$(ns_of "$side")
	sw_side_facts "$side"
	if [ "$CHARON_REGISTERED" -eq 0 ]; then
		at_exit sw_stop_all
		CHARON_REGISTERED=1
	fi
	# shellcheck disable=SC2016  # $1/$2 expand in the inner shell
	STRONGSWAN_CONF="$dir/strongswan.conf" ip netns exec "$ns" \
		sh -c 'mount --bind "$1" /run && exec "$2"' sh "$dir/run" "$CHARON" \
		</dev/null >"$dir/charon.out" 2>&1 &
	CHARON_PID[$side]=$!
	if ! wait_for 10 test -S "$dir/charon.vici"; then
		warn "charon ($side) did not open its vici socket; output and log:"
		tail -n 30 "$dir/charon.out" "$dir/charon.log" 2>/dev/null | sed 's/^/    | /' >&2
		return 1
	fi
	sw_ctl "$side" --load-all --file "$dir/swanctl.conf" >"$dir/load.out" 2>&1 || {
		warn "swanctl --load-all ($side) failed:"
		sed 's/^/    | /' "$dir/load.out" >&2
		return 1
	}
	wait_for 5 nsx "$side" ip link show ipsec0 || {
		warn "charon ($side): no ipsec0 after 5 s"
		return 1
	}
	nsx "$side" sysctl -qw net.ipv4.conf.ipsec0.rp_filter=0
	nsx "$side" ip link set ipsec0 up &&
	nsx "$side" ip addr add "$SW_IFADDR" dev ipsec0 || return 1
	for r in $SW_ROUTES; do
		nsx "$side" ip route add "$r" dev ipsec0 || return 1
	done
	sw_drop_table220 "$side"
}

# True when SIDE has an established IKE SA with an installed Child SA.
sw_up() {
	local out
	out=$(sw_ctl "$1" --list-sas 2>/dev/null) || return 1
	printf '%s\n' "$out" | grep -q ESTABLISHED &&
		printf '%s\n' "$out" | grep -q INSTALLED
}

# Initiate the Child SA (and its IKE SA) from SIDE.
sw_initiate() {
	sw_ctl "$1" --initiate --child "$SW_CONN" --timeout 20
}

sw_dump_logs() {
	local side f
	for side in aws oci; do
		f="$(sw_dir "$side")/charon.log"
		[ -s "$f" ] || continue
		printf '  --- last 40 lines of charon (%s) log %s\n' "$side" "$f"
		tail -n 40 "$f" | sed 's/^/    | /'
	done
}

# sw_expect_up INITIATOR: strongSwan on oci and mcvpnd on aws, INITIATOR
# (oci: swanctl --initiate; aws: mcvpnd's auto=start) brings the SA up
# on both sides within 20 s, and pings pass both ways over the tunnel
# addresses.  The interop tests' common opening of a case.
sw_expect_up() {
	local initiator=$1
	[ "$initiator" = oci ] && check "swanctl --initiate from oci" sw_initiate oci
	if wait_for 20 sw_mcvpn_both_up; then
		pass "SA up on both sides within 20 s ($initiator initiated)"
	else
		fail "SA up on both sides within 20 s ($initiator initiated)" \
			"strongSwan up: $(sw_up oci && echo yes || echo no)" \
			"mcvpnd up: $(mcvpn_up aws && echo yes || echo no)"
	fi
	sw_drop_table220 oci	# charon adds its catch-all rule with the Child SA
	check "ping aws -> oci 192.168.2.2" topo_ping aws 192.168.2.2
	check "ping oci -> aws 192.168.2.1" topo_ping oci 192.168.2.1
}
sw_mcvpn_both_up() { sw_up oci && mcvpn_up aws; }

# sw_keep_logs TAG: charon's (oci) and mcvpnd's (aws) logs of a failed
# case into $REPO/build-logs (CI keeps that directory), as TAG-*.log.
sw_keep_logs() {
	local dir=$REPO/build-logs
	[ -d "$dir" ] || return 0
	cp "$(sw_dir oci)/charon.log" "$dir/$1-charon-oci.log" 2>/dev/null
	cp "$(mcvpn_log aws)" "$dir/$1-mcvpnd-aws.log" 2>/dev/null
	info "logs kept in $dir/$1-*.log"
}
