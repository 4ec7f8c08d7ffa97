#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Two mcvpnds authenticating with certificates, from files as an operator
# writes them: authby=rsasig,ecdsa, leftcert= (the certificate and its
# intermediate in one PEM file), rightca=, the private key in the secrets
# file as ": RSA aws.key" (relative to it), IDs as a DN and %fromcert.
# The PKI is made by openssl(1) (tests/unit/crypto/mkcerts.sh), not by
# the code under test.
#
#   mct-aws-PID                   mct-inet-PID                            mct-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd               |      | nft: the clouds' 1:1 NAT       |      | mcvpnd                 |
#  |  a-rsa (CN=a.example,|      |  198.51.100.10 <-> 10.3.1.200  |      |  rsa (CN=vpn.example.  |
#  |  IP 198.51.100.10)   |      |  203.0.113.20 <-> 10.106.1.200 |      |  com, IP 203.0.113.20) |
#  | vti1 192.168.2.1/30  |      |                                |      | vti1 192.168.2.2/30    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#
# Checks: mcvpnd --check takes both configurations; the tunnel comes up,
# pings pass both ways, status and status --json say which certificate
# each peer showed and how it signed; a reload that gives oci an ECDSA
# P-384 certificate restarts the conn and aws then sees that one; oci with
# an expired certificate: aws refuses it and says so (expired), oci's
# conn does not come up; oci back on its valid certificate: up again;
# with fragmentation=no the IKE_AUTH messages cross the NAT in IP fragments.
# Every wait is for a state polled from the daemons, bounded by SAFETY.
#
# Usage: sudo tests/netns/test_cert.sh   (after a build).  Ends with
# "N passed, N failed".  About 10 s.
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
. "$(dirname "$0")/../lib/netns_test.sh"

NS_AWS="mct-aws-$$"
NS_OCI="mct-oci-$$"
NS_INET="mct-inet-$$"
PKI="$WORK/pki"

command -v openssl >/dev/null || die "openssl(1) is not installed (run tests/deps.sh)"

# make_pki: mkcerts.sh's PKI, plus an expired certificate for oci (its
# address and name, the intermediate's signature, valid until yesterday).
make_pki() {
	mkdir -p "$PKI" && "$REPO/tests/unit/crypto/mkcerts.sh" "$PKI" ||
		die "mkcerts.sh failed"
	(
		cd "$PKI" || exit 1
		printf 'subjectAltName=DNS:vpn.example.com,IP:203.0.113.20\nkeyUsage=digitalSignature\n' \
			>old.ext
		openssl req -new -key rsa.key -out old.csr -subj "/O=mcvpn test/CN=vpn.example.com" &&
			openssl x509 -req -in old.csr -CA int.pem -CAkey int.key -CAcreateserial \
				-days -1 -extfile old.ext -out old.pem &&
			cat old.pem int.pem >old-chain.pem
	) >/dev/null 2>&1 || die "making the expired certificate failed"
}

# cert_config SIDE CERT KEY KIND: SIDE's conn with certificates; CERT and
# KEY are copied next to the conf (mode 600 for the key), KIND is RSA or
# ECDSA (the secrets file's word).
cert_config() {
	local side=$1 cert=$2 key=$3 kind=$4 dir f
	dir="$(mcvpn_dir "$side")/conf"
	f="$dir/$CONN.conf"
	install -m 644 "$PKI/$cert" "$dir/$side.pem" && install -m 644 "$PKI/ca.pem" "$dir/ca.pem" &&
		install -m 600 "$PKI/$key" "$dir/$side.key" || die "copying $side's files failed"
	sed -i '/authby=/d; /leftid=/d; /rightid=/d' "$f"
	mcvpn_conf_set "$side" authby=rsasig,ecdsa leftcert="$side.pem" rightca=ca.pem
	printf ': %s %s.key\n' "$kind" "$side" >"$dir/$CONN.secrets"
}

check_up() {
	local what=$1
	if wait_for "$SAFETY" mcvpn_both_up; then
		pass "tunnel up $what"
	else
		fail "tunnel up $what" "no IKE SA on both sides after $SAFETY s (SAFETY)"
		mcvpn_dump_logs
		return 1
	fi
	check "ping aws -> oci 192.168.2.2 ($what)" topo_ping aws 192.168.2.2
	check "ping oci -> aws 192.168.2.1 ($what)" topo_ping oci 192.168.2.1
}

# peer_auth_is SIDE TEXT: status --json's peer_auth of the first IKE SA.
peer_auth_is() { [ "$(mcvpn_json "$1" 'c["ike_sas"][0]["peer_auth"]')" = "$2" ]; }

test_up() {
	local out
	section "certificates from files"
	mcvpn_write_config aws start
	mcvpn_write_config oci start
	cert_config aws a-rsa-chain.pem a-rsa.key RSA
	cert_config oci rsa-chain.pem rsa.key RSA
	mcvpn_conf_set aws 'rightid="O=mcvpn test, CN=vpn.example.com"'
	mcvpn_conf_set oci rightid=%fromcert
	for side in aws oci; do
		out=$(nsx "$side" timeout "$SAFETY" "$MCVPND" --check --config-dir "$(mcvpn_dir "$side")/conf" 2>&1)
		check_eq "$side: mcvpnd --check takes the certificate conn" 0 $? ||
			printf '%s\n' "$out" | sed 's/^/    | /'
	done
	mcvpnd_start oci && mcvpnd_start aws || fail "both daemons start" "see the logs"
	check_up "with RSA certificates" || return
	local want_aws='certificate "O=mcvpn test, CN=vpn.example.com", RSA-PSS SHA2-256'
	local want_oci='certificate "O=mcvpn test, CN=a.example", RSA-PSS SHA2-256'
	check "aws: status --json peer_auth is \"$want_aws\"" peer_auth_is aws "$want_aws"
	check "oci: status --json peer_auth is \"$want_oci\"" peer_auth_is oci "$want_oci"
	check_match "aws: mcvpnctl status says which certificate" \
		"peer authenticated by certificate \"O=mcvpn test, CN=vpn.example.com\"" \
		"$(mcvpnctl aws status 2>&1)"
	check_match "aws's log names oci's certificate and the signature" \
		"peer \"O=mcvpn test, CN=vpn.example.com\" authenticated: certificate" \
		"$(cat "$(mcvpn_log aws)")"
}

# oci's new certificate (ECDSA, another subject): aws's rightid= names the
# old subject, so it becomes %fromcert first (a reload too).
test_reload() {
	local want='certificate "O=mcvpn test, CN=b384.example", ECDSA SHA2-384'
	section "reload: oci gets an ECDSA certificate"
	mcvpn_conf_set aws rightid=%fromcert
	check "aws: mcvpnctl reload" mcvpnctl aws reload
	cert_config oci b-p384.pem b-p384.key ECDSA
	mcvpn_conf_set oci rightid=%fromcert
	check "oci: mcvpnctl reload" mcvpnctl oci reload
	if wait_for "$SAFETY" peer_auth_is aws "$want"; then
		pass "aws sees oci's new certificate: $want"
	else
		fail "aws sees oci's new certificate" "expected: $want" \
			"got: $(mcvpn_json aws 'c["ike_sas"][0]["peer_auth"]' 2>&1)"
		mcvpn_dump_logs
	fi
	check_up "with oci's ECDSA certificate"
}

refused_expired() { grep -q 'AUTHENTICATION_FAILED: peer .*certificate has expired' "$(mcvpn_log aws)"; }

test_expired() {
	section "oci's certificate expired"
	mcvpnd_stop oci
	cert_config oci old-chain.pem rsa.key RSA
	mcvpn_conf_set oci rightid=%fromcert
	: >"$(mcvpn_log oci)"
	mcvpnd_start oci || fail "oci starts with an expired certificate (a warning, not an error)"
	check_match "oci's log warns that its certificate has expired" 'warning: .*expired' \
		"$(cat "$(mcvpn_log oci)")"
	if wait_for "$SAFETY" refused_expired; then
		pass "aws refuses oci: certificate has expired"
	else
		fail "aws refuses oci: certificate has expired" \
			"got: $(grep -E 'AUTHENTICATION|refused' "$(mcvpn_log aws)" | tail -n 3)"
	fi
	check_not "oci's conn is not up" mcvpn_up oci
	section "oci back on its valid certificate"
	cert_config oci rsa-chain.pem rsa.key RSA
	mcvpn_conf_set oci rightid=%fromcert
	check "oci: mcvpnctl reload" mcvpnctl oci reload
	check_up "again"
}

# Without IKE fragmentation the IKE_AUTH messages (two RSA chains, ~3 KB)
# go as one UDP datagram each, which IP fragments through the NAT.
test_ip_fragments() {
	section "fragmentation=no: IKE_AUTH in IP fragments"
	mcvpnd_stop_all
	mcvpn_conf_set aws fragmentation=no
	mcvpn_conf_set oci fragmentation=no
	: >"$(mcvpn_log aws)"
	mcvpnd_start oci && mcvpnd_start aws || fail "both daemons start" "see the logs"
	check_up "with fragmentation=no" || return
	check_not "aws: no IKE fragmentation on the IKE SA" \
		grep -q 'IKE SA established as .*IKE fragmentation' "$(mcvpn_log aws)"
	check_match "aws: status says IKE fragmentation: no" 'IKE fragmentation: no' \
		"$(mcvpnctl aws status 2>&1)"
}

make_pki
topo_up
test_up
test_reload
test_expired
test_ip_fragments
summary
