#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interop: IKEv2 certificate authentication (RFC 7296 2.15, RFC 7427
# Digital Signatures) between mcvpnd (AWS side) and strongSwan charon (OCI
# side), with certificates this script makes with strongSwan's pki tool.
#
#   mcv-aws-PID                   mcv-inet-PID                            mcv-oci-PID
#  +----------------------+      +--------------------------------+      +------------------------+
#  | mcvpnd               |      | nft: the clouds' 1:1 NAT       |      | charon, kernel-libipsec|
#  | vti1 192.168.2.1/30  |      |  198.51.100.10 <-> 10.3.1.200  |      | ipsec0 192.168.2.2/30  |
#  | lo   10.2.0.10/32    |      |  203.0.113.20 <-> 10.106.1.200 |      | lo   10.105.0.10/32    |
#  | wan0 10.3.1.200/24   +------+ aws0 10.3.1.1  oci0 10.106.1.1 +------+ wan0 10.106.1.200/24   |
#  +----------------------+      +--------------------------------+      +------------------------+
#
# The PKI (pki --gen/--self/--issue): a root CA (RSA-2048), two intermediate
# CAs under it (one for each side), another root nobody trusts, and end
# certificates with DN subjects and FQDN subjectAltNames.
# Case 1: RSA-2048 both sides, mcvpnd initiates; IDs are DNs (mcvpnd
#   leftid=%fromcert and rightid="C=.., O=.., CN=..", strongSwan's default
#   local id, its certificate's subject).  strongSwan signs RSA PKCS#1 v1.5
#   (RSA_EMSA_PKCS1_SHA2_256: its default, charon.rsa_pss = no), mcvpnd
#   RSA-PSS (RSA_EMSA_PSS_SHA2_256_SALT_32 in charon's words): strongSwan
#   5.9 verifies an RFC 7427 RSA-PSS AUTH with no setting of its own
#   (rsa_pss only chooses what it signs with, and remote auth = pubkey puts
#   no constraint on the peer's scheme).  Also: mcvpnctl status and status
#   --json on a certificate conn, strongSwan decoding mcvpnd's CERTREQ
#   (the root's key hash) as the root CA, and rekeys: the IKE SA by each
#   side, the Child SA by strongSwan, pings and status after them.
# Case 2: as case 1 but strongSwan initiates and signs RSA-PSS too
#   (charon.rsa_pss = yes); mcvpnd without leftid= (the subject is the
#   default) and rightid=%fromcert.
# Case 3: ECDSA, strongSwan P-256 and mcvpnd P-384, strongSwan initiates;
#   IDs are the FQDNs of the subjectAltNames (rightid=@..., swanctl id = ...);
#   mcvpnd leftsendcert=ifasked (strongSwan's CERTREQ makes it send).
# Case 4: ECDSA by RFC 4754 (AUTH methods 9 and 11): strongSwan with
#   charon.signature_authentication = no sends no SIGNATURE_HASH_ALGORITHMS
#   and signs "ECDSA-256 signature"; mcvpnd, initiating, signs with its
#   P-521 key's hash (SHA-512) by RFC 4754 too, and strongSwan verifies it.
# Case 5: mcvpnd pins strongSwan's certificate (rightcert=, no rightca=) and
#   strongSwan never sends it (send_cert = never); mcvpnd initiates with
#   leftsendcert=ifasked: strongSwan's CERTREQ in IKE_SA_INIT makes it send.
#   authby=rsa-sha2_384: mcvpnd announces SHA2-384 only, and both sides sign
#   with it (strongSwan PKCS#1 v1.5, mcvpnd RSA-PSS with a 48-byte salt).
# Case 6: RSA-4096 end certificates, each under its own intermediate: the
#   one strongSwan sends is in its x509ca/, the one mcvpnd sends is only in
#   its leftcert= file (strongSwan must take it from the CERT payload); each
#   side trusts the root only.  IKE fragmentation on both (strongSwan
#   fragment_size 300, mcvpnd ike-fragment-size=256): both IKE_AUTH messages
#   go in fragments (about 20 and 17).  strongSwan picks SHA2-384 for an
#   RSA-4096 key.
# Cases 7-11: refusals, strongSwan initiating: a certificate from a CA mcvpnd
#   does not trust, an expired certificate (pki --not-before/--not-after in
#   the past: strongSwan sends it anyway), mcvpnd's rightid= naming another
#   DN than the peer's certificate, RSA without RFC 7427 (strongSwan then
#   signs PKCS#1 v1.5 with SHA-1, AUTH method 1, which mcvpnd does not
#   accept), and strongSwan's local id an FQDN its
#   certificate does not hold (strongSwan 5.9.8 does not check its own id
#   against its certificate: it sends it, signed) against rightid=%fromcert.
#   Each: mcvpnd's log gives the reason, strongSwan gets
#   AUTHENTICATION_FAILED, no SA on either side.  And mcvpnd initiating
#   with RSA to strongSwan without RFC 7427: it cannot sign (SHA-1 only),
#   logs why and sends no IKE_AUTH.
# Each good case: the tunnel up on both sides, pings both ways, mcvpnd's
# "peer ... authenticated: certificate ..." line with the signature scheme,
# and charon's "authentication of '...' with SCHEME successful" for mcvpnd.
#
# Usage: sudo tests/interop/test_strongswan_cert.sh     Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib disable=SC2015  # A && B || fail is meant
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
. "$HERE/../lib/topo.sh"
. "$HERE/../lib/mcvpn.sh"
. "$HERE/../lib/strongswan.sh"

CASE=0
SW_AUTH=pubkey
MCVPND_ARGS="--debug"

need_root
[ -x "$CHARON" ] && command -v swanctl >/dev/null ||
	die "strongSwan not installed (run tests/deps.sh)"
command -v pki >/dev/null || die "strongSwan's pki tool not installed (run tests/deps.sh)"
mcvpn_need_bins
cleanup_init

# ---------------------------------------------------------------- the PKI
PKI=$WORK/pki
O="C=CH, O=mcvpn test"
DN_AWS="$O, CN=aws.vpn.example"
DN_OCI="$O, CN=oci.vpn.example"

# pki with a plugin list of its own (Debian's default loads tpm, which
# complains on every run where there is no TPM).
pki_run() {
	STRONGSWAN_CONF=$PKI/pki.conf pki "$@" 2>>"$PKI/pki.err"
}

# pki_key NAME TYPE SIZE: a PEM private key in NAME.key.
pki_key() {
	pki_run --gen --type "$2" --size "$3" --outform pem >"$PKI/$1.key" || die "pki --gen $1 failed"
	chmod 600 "$PKI/$1.key"
}

# pki_cert NAME CA DN [ARGS...]: NAME.pem for NAME.key, issued by CA (the
# names of its .pem and .key).
pki_cert() {
	local name=$1 ca=$2 dn=$3
	shift 3
	pki_run --issue --cacert "$PKI/$ca.pem" --cakey "$PKI/$ca.key" --type priv \
		--in "$PKI/$name.key" --dn "$dn" --outform pem "$@" >"$PKI/$name.pem" ||
		die "pki --issue $name failed: $(tail -n 3 "$PKI/pki.err")"
}

make_pki() {
	mkdir -p "$PKI" && chmod 700 "$PKI" || die "mkdir $PKI failed"
	printf 'pki {\n\tload = random pem pkcs1 pkcs8 openssl x509 pubkey gmp sha1 sha2\n}\n' >"$PKI/pki.conf"
	pki_key root rsa 2048
	pki_run --self --in "$PKI/root.key" --type rsa --dn "$O, CN=mcvpn test root CA" --ca \
		--outform pem >"$PKI/root.pem" || die "pki --self root failed"
	pki_key other rsa 2048
	pki_run --self --in "$PKI/other.key" --type rsa --dn "C=CH, O=someone else, CN=other CA" --ca \
		--outform pem >"$PKI/other.pem" || die "pki --self other failed"
	pki_key inter rsa 4096
	pki_cert inter root "$O, CN=mcvpn test intermediate CA" --ca

	# RSA-2048 under the root
	pki_key aws-rsa rsa 2048
	pki_cert aws-rsa root "$DN_AWS" --san aws.vpn.example --flag serverAuth --flag clientAuth
	pki_key oci-rsa rsa 2048
	pki_cert oci-rsa root "$DN_OCI" --san oci.vpn.example --flag serverAuth --flag clientAuth
	# ECDSA under the root
	pki_key aws-p384 ecdsa 384
	pki_cert aws-p384 root "$DN_AWS" --san aws.vpn.example
	pki_key aws-p521 ecdsa 521
	pki_cert aws-p521 root "$DN_AWS" --san aws.vpn.example
	pki_key oci-p256 ecdsa 256
	pki_cert oci-p256 root "$DN_OCI" --san oci.vpn.example
	# RSA-4096 under an intermediate each
	pki_key inter-aws rsa 2048
	pki_cert inter-aws root "$O, CN=mcvpn test AWS intermediate CA" --ca
	pki_key aws-big rsa 4096
	pki_cert aws-big inter-aws "$DN_AWS" --san aws.vpn.example
	# leftcert=: the certificate, then the intermediate to send along
	cat "$PKI/aws-big.pem" "$PKI/inter-aws.pem" >"$PKI/aws-big-chain.pem"
	pki_key oci-big rsa 4096
	pki_cert oci-big inter "$DN_OCI" --san oci.vpn.example
	# strongSwan's RSA-2048 key from the other CA; an expired certificate
	cp "$PKI/oci-rsa.key" "$PKI/oci-other.key"
	pki_cert oci-other other "$DN_OCI" --san oci.vpn.example
	cp "$PKI/oci-rsa.key" "$PKI/oci-old.key"
	pki_cert oci-old root "$DN_OCI" --san oci.vpn.example \
		--not-before "01.01.20 00:00:00" --not-after "01.01.21 00:00:00"
}

# ---------------------------------------------------------------- the peers
# mcvpn_cert_conf SIDE AUTHBY CERT KEYTYPE KEY CA LEFTID RIGHTID [KEY=VALUE...]:
# SIDE's written config (mcvpn_write_config first) with certificates: CERT
# (leftcert=), KEY (": KEYTYPE file" in the secrets file, instead of the
# PSK), CA (rightca=), all PKI names; the other keys as mcvpn_conf_set.
# LEFTID "-" leaves leftid= out (the default: the certificate's subject);
# CA "pin:NAME" pins the peer's certificate NAME (rightcert=, no rightca=).
mcvpn_cert_conf() {
	local side=$1 authby=$2 cert=$3 ktype=$4 key=$5 ca=$6 lid=$7 rid=$8 dir
	shift 8
	dir="$(mcvpn_dir "$side")/conf"
	cp "$PKI/$cert.pem" "$dir/cert.pem" && cp "$PKI/${ca#pin:}.pem" "$dir/ca.pem" &&
		install -m 600 "$PKI/$key.key" "$dir/key.pem" || die "copying the PKI into $dir failed"
	printf ': %s key.pem\n' "$ktype" >"$dir/$CONN.secrets"
	if [ "${ca#pin:}" != "$ca" ]; then
		mv "$dir/ca.pem" "$dir/peer.pem"
		mcvpn_conf_set "$side" rightcert=peer.pem
	else
		mcvpn_conf_set "$side" rightca=ca.pem
	fi
	mcvpn_conf_set "$side" "authby=$authby" leftcert=cert.pem "rightid=$rid" "$@"
	if [ "$lid" = - ]; then
		sed -i '/^[[:space:]]*leftid=/d' "$dir/$CONN.conf"
	else
		mcvpn_conf_set "$side" "leftid=$lid"
	fi
}

# No IKE SA on either side (each asked, each answering).
no_sa() {
	local out
	out=$(sw_ctl oci --list-sas 2>&1) || return 1
	! printf '%s\n' "$out" | grep -qE 'ESTABLISHED|CONNECTING' || return 1
	out=$(mcvpnctl aws status 2>&1) || return 1
	! printf '%s\n' "$out" | grep -q 'IKE SA #'
}

slog() { printf '%s/charon.log' "$(sw_dir oci)"; }

# start_case TITLE: a fresh topology and run directory.
start_case() {
	section "$1"
	CASE=$((CASE + 1))
	RUNDIR="$WORK/case$CASE"
	mkdir -p "$RUNDIR"
	CASE_FAILS=$FAIL
	# strongSwan's defaults unless a case sets them
	SW_FRAGMENTATION='' SW_FRAGMENT_SIZE='' SW_RSA_PSS='' SW_SEND_CERT='' SW_SIG_AUTH=''
	topo_up
}

# start_peers: charon (oci) with the SW_* set, then mcvpnd (aws) with the
# config written; false (and reported) if either does not start.
start_peers() {
	sw_write_config oci
	if ! sw_start oci; then
		fail "strongSwan (oci) starts"
		sw_dump_logs
		return 1
	fi
	if ! grep -q "loaded certificate" "$(sw_dir oci)/load.out"; then
		fail "swanctl loads the certificates" "$(cat "$(sw_dir oci)/load.out")"
		return 1
	fi
	if ! mcvpnd_start aws; then
		fail "mcvpnd (aws) starts with the certificate conn"
		return 1
	fi
	pass "strongSwan and mcvpnd start with certificates"
}

# expect_up INITIATOR: the tunnel up on both sides, pings both ways.
expect_up() {
	sw_expect_up "$1"
	check "ping oci 10.105.0.10 -> aws subnet 10.2.0.10" topo_ping oci 10.2.0.10 -I 10.105.0.10
}

# expect_auth MCV_REGEX SW_REGEX: mcvpnd's "authenticated: certificate" line
# and charon's for mcvpnd (both extended regexes over the whole line).
expect_auth() {
	local mcv sw
	mcv=$(grep -E 'authenticated: certificate' "$(mcvpn_log aws)")
	sw=$(grep -E "authentication of '.*' (\(myself\) )?with .* successful" "$(slog)")
	printf '%s\n' "$mcv" | sed 's/^/    | mcvpnd: /'
	printf '%s\n' "$sw" | sed 's/^/    | charon: /'
	check_match "mcvpnd: peer authenticated by certificate: $1" "$1" "$mcv"
	check_match "strongSwan: mcvpnd authenticated: $2" "$2" "$sw"
}

end_case() {
	if [ "$FAIL" -ne "$CASE_FAILS" ]; then
		sw_dump_logs
		mcvpn_dump_logs
		sw_keep_logs "interop-cert-case$CASE"
	fi
	mcvpnd_stop_all
	sw_stop_all
	topo_down
}

# rekeys_since MARK REGEX N: at least N lines of mcvpnd's log after MARK
# match REGEX.
rekeys_since() { [ "$(mcvpn_log_count aws "$1" "$2")" -ge "$3" ]; }

# rekeys: on an established certificate conn, an IKE SA rekey started by
# each side and a Child SA rekey by strongSwan (none authenticates again,
# but the new IKE SA must carry on the conn), pings after each.
rekeys() {
	local mark
	mark=$(mcvpn_log_mark aws)
	info "mcvpnctl rekey $CONN ike: $(mcvpnctl aws rekey "$CONN" ike 2>&1)"
	check "IKE SA rekeyed (mcvpnd started it)" \
		wait_for 20 rekeys_since "$mark" 'IKE SA #[0-9]+ rekeyed into' 1
	info "swanctl --rekey --ike: $(sw_ctl oci --rekey --ike "$SW_CONN" 2>&1 | tail -n 1)"
	check "IKE SA rekeyed again (strongSwan started it)" \
		wait_for 20 rekeys_since "$mark" 'IKE SA #[0-9]+ rekeyed into' 2
	info "swanctl --rekey --child: $(sw_ctl oci --rekey --child "$SW_CONN" 2>&1 | tail -n 1)"
	check "Child SA rekeyed (strongSwan started it)" \
		wait_for 20 rekeys_since "$mark" 'established by rekey' 1
	sw_drop_table220 oci
	check "ping aws -> oci 192.168.2.2 after the rekeys" topo_ping aws 192.168.2.2
	check "ping oci -> aws 192.168.2.1 after the rekeys" topo_ping oci 192.168.2.1
	check_match "mcvpnctl status after the rekeys: the conn with its DN IDs, UP" \
		"\\[$DN_AWS\\]\\.\\.\\..*\\[$DN_OCI\\].*UP" "$(mcvpnctl aws status 2>&1)"
}

# ---------------------------------------------------------------- the cases
case_rsa_dn() {
	local st
	start_case "RSA both sides, DN IDs, mcvpnd initiates"
	SW_CERT=$PKI/oci-rsa.pem SW_KEY=$PKI/oci-rsa.key SW_CACERTS=$PKI/root.pem
	SW_ID_LOCAL='' SW_ID_REMOTE=$DN_AWS
	mcvpn_write_config aws start
	mcvpn_cert_conf aws rsasig aws-rsa RSA aws-rsa root %fromcert "\"$DN_OCI\""
	start_peers || { end_case; return; }
	expect_up aws
	expect_auth "peer \"$DN_OCI\" authenticated: certificate \"$DN_OCI\", RSA PKCS#1 v1\.5 SHA2-256" \
		"authentication of '$DN_AWS' with RSA_EMSA_PSS_SHA2_256_SALT_32 successful"
	check_match "strongSwan signed with RSA_EMSA_PKCS1_SHA2_256 (its default)" \
		"authentication of '$DN_OCI' \(myself\) with RSA_EMSA_PKCS1_SHA2_256 successful" "$(cat "$(slog)")"
	check_match "strongSwan got mcvpnd's certificate" "received end entity cert \"$DN_AWS\"" \
		"$(cat "$(slog)")"
	# our CERTREQ (in the IKE_AUTH request, as initiator) names the root by
	# the SHA-1 of its public key: strongSwan finds the CA by it
	check_match "strongSwan read mcvpnd's CERTREQ as the root CA" \
		"received cert request for \"$O, CN=mcvpn test root CA\"" "$(cat "$(slog)")"

	st=$(mcvpnctl aws status 2>&1)
	printf '%s\n' "$st" | sed 's/^/    | /'
	check_match "mcvpnctl status shows the IKE SA of the certificate conn" 'IKE SA #[0-9]+' "$st"
	check_match "mcvpnctl status shows its Child SA" 'Child SA #[0-9]+: ESP' "$st"
	check_eq "mcvpnctl status --json: the conn, its IDs, one IKE SA" "$CONN|$DN_AWS|$DN_OCI|1|established" \
		"$(mcvpn_json aws '(c["name"], c["leftid"], c["rightid"], len(c["ike_sas"]), c["ike_sas"][0]["state"])')"
	rekeys
	end_case
}

case_ecdsa_fqdn() {
	start_case "ECDSA P-256 (strongSwan) and P-384 (mcvpnd), FQDN IDs, strongSwan initiates"
	SW_CERT=$PKI/oci-p256.pem SW_KEY=$PKI/oci-p256.key SW_CACERTS=$PKI/root.pem
	SW_ID_LOCAL=oci.vpn.example SW_ID_REMOTE=aws.vpn.example
	mcvpn_write_config aws add
	# leftsendcert=ifasked: strongSwan's CERTREQ (in its IKE_AUTH request)
	# must be read as one, or mcvpnd would send no certificate
	mcvpn_cert_conf aws ecdsa aws-p384 ECDSA aws-p384 root @aws.vpn.example @oci.vpn.example \
		leftsendcert=ifasked
	start_peers || { end_case; return; }
	expect_up oci
	check_match "mcvpnd (leftsendcert=ifasked) sent its certificate: strongSwan asked" \
		"received end entity cert \"$DN_AWS\"" "$(cat "$(slog)")"
	expect_auth "peer @oci\.vpn\.example authenticated: certificate \"$DN_OCI\", ECDSA SHA2-256" \
		"authentication of 'aws\.vpn\.example' with ECDSA_WITH_SHA384_DER successful"
	check_match "strongSwan signed with ECDSA_WITH_SHA256_DER" \
		"authentication of 'oci\.vpn\.example' \(myself\) with ECDSA_WITH_SHA256_DER successful" \
		"$(cat "$(slog)")"
	end_case
}

# strongSwan signing RSA-PSS too (charon.rsa_pss = yes): our PSS verification.
case_rsa_pss() {
	start_case "RSA both sides, strongSwan signs RSA-PSS (rsa_pss = yes), strongSwan initiates"
	SW_CERT=$PKI/oci-rsa.pem SW_KEY=$PKI/oci-rsa.key SW_CACERTS=$PKI/root.pem
	SW_ID_LOCAL='' SW_ID_REMOTE=''
	SW_RSA_PSS=yes
	# leftid= left out (the certificate's subject), rightid=%fromcert
	mcvpn_write_config aws add
	mcvpn_cert_conf aws rsasig aws-rsa RSA aws-rsa root - %fromcert
	start_peers || { end_case; return; }
	expect_up oci
	expect_auth "peer \"$DN_OCI\" authenticated: certificate \"$DN_OCI\", RSA-PSS SHA2-256" \
		"authentication of '$DN_AWS' with RSA_EMSA_PSS_SHA2_256_SALT_32 successful"
	check_match "strongSwan signed with RSA-PSS" \
		"authentication of '$DN_OCI' \(myself\) with RSA_EMSA_PSS_SHA2_256_SALT_32 successful" \
		"$(cat "$(slog)")"
	check_eq "mcvpnctl status --json: leftid is the certificate's subject" "$DN_AWS" \
		"$(mcvpn_json aws 'c["leftid"]')"
	end_case
}

# strongSwan without RFC 7427 (signature_authentication = no): ECDSA by RFC
# 4754 both ways, each with its curve's hash (P-256 SHA-256, P-521 SHA-512).
case_ecdsa_rfc4754() {
	start_case "ECDSA by RFC 4754: P-256 (strongSwan without RFC 7427) and P-521 (mcvpnd), mcvpnd initiates"
	SW_CERT=$PKI/oci-p256.pem SW_KEY=$PKI/oci-p256.key SW_CACERTS=$PKI/root.pem
	SW_ID_LOCAL='' SW_ID_REMOTE=$DN_AWS SW_SIG_AUTH=no
	mcvpn_write_config aws start
	mcvpn_cert_conf aws ecdsa aws-p521 ECDSA aws-p521 root %fromcert "\"$DN_OCI\""
	start_peers || { end_case; return; }
	expect_up aws
	check_not "strongSwan sent no SIGNATURE_HASH_ALGORITHMS" \
		grep -qE 'generating IKE_SA_INIT response 0 .*HASH_ALG' "$(slog)"
	expect_auth "peer \"$DN_OCI\" authenticated: certificate \"$DN_OCI\", ECDSA \(RFC 4754\) SHA2-256" \
		"authentication of '$DN_AWS' with ECDSA-521 signature successful"
	check_match "strongSwan signed by RFC 4754 (P-256, SHA-256)" \
		"authentication of '$DN_OCI' \(myself\) with ECDSA-256 signature successful" \
		"$(cat "$(slog)")"
	end_case
}

# mcvpnd pins strongSwan's certificate (rightcert=, no rightca=) and
# strongSwan never sends it: mcvpnd verifies with the pinned key.  mcvpnd
# (leftsendcert=ifasked) sends its own because strongSwan's CERTREQ (in its
# IKE_SA_INIT response) asks.
case_pinned() {
	local log
	start_case "pinned rightcert=, strongSwan send_cert = never, mcvpnd (ifasked, rsa-sha2_384) initiates"
	SW_CERT=$PKI/oci-rsa.pem SW_KEY=$PKI/oci-rsa.key SW_CACERTS=$PKI/root.pem
	SW_ID_LOCAL='' SW_ID_REMOTE=$DN_AWS SW_SEND_CERT=never
	mcvpn_write_config aws start
	# authby=rsa-sha2_384: our SIGNATURE_HASH_ALGORITHMS names SHA2-384
	# alone, so strongSwan must sign with it, and we do too
	mcvpn_cert_conf aws rsa-sha2_384 aws-rsa RSA aws-rsa pin:oci-rsa %fromcert "\"$DN_OCI\"" \
		leftsendcert=ifasked
	start_peers || { end_case; return; }
	expect_up aws
	expect_auth "peer \"$DN_OCI\" authenticated: certificate \"$DN_OCI\", RSA PKCS#1 v1\.5 SHA2-384" \
		"authentication of '$DN_AWS' with RSA_EMSA_PSS_SHA2_384_SALT_48 successful"
	log=$(cat "$(slog)")
	check_match "strongSwan's IKE_AUTH response carried no CERT" \
		'generating IKE_AUTH response 1 \[ IDr AUTH ' "$log"
	check_match "mcvpnd (ifasked) sent its certificate: strongSwan asked in IKE_SA_INIT" \
		"received end entity cert \"$DN_AWS\"" "$log"
	end_case
}

# max_frags FILE REGEX: the largest N of "N fragments" in the lines of FILE
# matching the extended REGEX (which ends in "[0-9]+ fragments").
max_frags() {
	grep -oE -- "$2" "$1" 2>/dev/null | sed -E 's/.* ([0-9]+) fragments$/\1/' | sort -n | tail -n 1
}

case_chain_frag() {
	local n log
	start_case "RSA-4096 through intermediates (both sides), IKE fragments, mcvpnd initiates"
	SW_CERT=$PKI/oci-big.pem SW_KEY=$PKI/oci-big.key SW_CACERTS="$PKI/root.pem $PKI/inter.pem"
	SW_ID_LOCAL='' SW_ID_REMOTE=$DN_AWS
	SW_FRAGMENTATION=yes SW_FRAGMENT_SIZE=300
	mcvpn_write_config aws start
	# mcvpnd's intermediate is in its leftcert= file only: strongSwan (which
	# trusts the root) must take it from mcvpnd's CERT payloads
	mcvpn_cert_conf aws rsasig aws-big-chain RSA aws-big root %fromcert "\"$DN_OCI\"" \
		fragmentation=yes ike-fragment-size=256
	start_peers || { end_case; return; }
	expect_up aws
	# strongSwan picks the hash by the key's strength: SHA2-384 for RSA-4096
	expect_auth "peer \"$DN_OCI\" authenticated: certificate \"$DN_OCI\", RSA PKCS#1 v1\.5 SHA2-384" \
		"authentication of '$DN_AWS' with RSA_EMSA_PSS_SHA2_256_SALT_32 successful"
	check_match "strongSwan signed with RSA_EMSA_PKCS1_SHA2_384" \
		"authentication of '$DN_OCI' \(myself\) with RSA_EMSA_PKCS1_SHA2_384 successful" "$(cat "$(slog)")"
	check_match "strongSwan sent its intermediate along" \
		"sending issuer cert \"$O, CN=mcvpn test intermediate CA\"" "$(cat "$(slog)")"
	check_match "mcvpnd sent its intermediate along (strongSwan received it)" \
		"received issuer cert \"$O, CN=mcvpn test AWS intermediate CA\"" "$(cat "$(slog)")"
	check_match "strongSwan used it (untrusted: it came from mcvpnd)" \
		"using untrusted intermediate certificate \"$O, CN=mcvpn test AWS intermediate CA\"" \
		"$(cat "$(slog)")"
	check_match "strongSwan reached the root through it" \
		'reached self-signed root ca with a path length of 1' "$(cat "$(slog)")"
	log=$(mcvpn_log aws)
	grep -E 'IKE_AUTH (request|response) 1 (in|reassembled)' "$log" | sed 's/^/    | mcvpnd: /'
	grep -E 'splitting IKE message|IKE_AUTH .*EF\(' "$(slog)" | sed 's/^/    | charon: /'
	n=$(max_frags "$log" "sending IKE_AUTH request 1 in [0-9]+ fragments")
	check_gt "mcvpnd sent its IKE_AUTH (RSA-4096 certificate) in fragments (${n:-none})" "${n:-0}" 1
	n=$(max_frags "$log" "IKE_AUTH response 1 reassembled from [0-9]+ fragments")
	check_gt "mcvpnd reassembled strongSwan's IKE_AUTH (two RSA-4096 certificates) (${n:-none})" "${n:-0}" 1
	n=$(max_frags "$(slog)" 'splitting IKE message .* into [0-9]+ fragments')
	check_gt "strongSwan split its IKE_AUTH into fragments (${n:-none})" "${n:-0}" 1
	n=$(grep -cE "parsed IKE_AUTH request 1 \[ EF\([0-9]+/[0-9]+\) \]" "$(slog)")
	check_gt "strongSwan parsed mcvpnd's IKE_AUTH fragments ($n)" "$n" 1
	end_case
}

# mcvpnd (RSA) initiating to strongSwan without RFC 7427: it cannot sign
# (RSA would need SHA-1) and says so; no SA.
case_cannot_sign() {
	start_case "refused: mcvpnd cannot sign RSA for strongSwan without RFC 7427"
	SW_CERT=$PKI/oci-rsa.pem SW_KEY=$PKI/oci-rsa.key SW_CACERTS=$PKI/root.pem
	SW_ID_LOCAL='' SW_ID_REMOTE=$DN_AWS SW_SIG_AUTH=no
	mcvpn_write_config aws start
	mcvpn_cert_conf aws rsasig aws-rsa RSA aws-rsa root %fromcert "\"$DN_OCI\""
	start_peers || { end_case; return; }
	if wait_for 20 refused_line 'cannot sign our AUTH: the peer did not announce RFC 7427 signatures \(SIGNATURE_HASH_ALGORITHMS\): RSA would need SHA-1'; then
		pass "mcvpnd: cannot sign our AUTH: the peer did not announce RFC 7427 signatures, RSA would need SHA-1"
	else
		fail "mcvpnd: cannot sign our AUTH: the peer did not announce RFC 7427 signatures, RSA would need SHA-1" \
			"$(tail -n 5 "$(mcvpn_log aws)")"
	fi
	# strongSwan keeps its half-open IKE SA until its own timeout: no
	# established one, and no Child SA on mcvpnd's side
	check_not "strongSwan has no established IKE SA" grep -q ESTABLISHED <<<"$(sw_ctl oci --list-sas 2>&1)"
	check_eq "mcvpnctl trafficstatus: no Child SA" 0 "$(mcvpn_sa_count aws)"
	check_not "mcvpnd sent no IKE_AUTH (strongSwan parsed none)" grep -q 'parsed IKE_AUTH' "$(slog)"
	end_case
}

# refused TITLE OCI_CERT MCV_RIGHTID MCV_REASON [OCI_ID [SIG_AUTH]]:
# strongSwan (certificate OCI_CERT of the PKI, key oci-rsa, local id OCI_ID
# or its default, signature_authentication SIG_AUTH or its default)
# initiates; mcvpnd (rightid=MCV_RIGHTID) must refuse with a line matching
# MCV_REASON.
refused_line() { grep -qE -- "$1" "$(mcvpn_log aws)"; }
refused() {
	local title=$1 cert=$2 rid=$3 reason=$4 lines
	start_case "refused: $title"
	SW_CERT=$PKI/$cert.pem SW_KEY=$PKI/oci-rsa.key SW_CACERTS=$PKI/root.pem
	SW_ID_LOCAL=${5:-} SW_ID_REMOTE=$DN_AWS SW_SIG_AUTH=${6:-}
	mcvpn_write_config aws add
	mcvpn_cert_conf aws rsasig aws-rsa RSA aws-rsa root %fromcert "$rid"
	start_peers || { end_case; return; }
	check_not "swanctl --initiate from oci fails" sw_initiate oci
	if wait_for 20 refused_line "$reason"; then
		pass "mcvpnd refuses: $reason"
	else
		fail "mcvpnd refuses: $reason" "its AUTHENTICATION_FAILED lines:" \
			"$(grep -E 'AUTHENTICATION_FAILED|authenticated' "$(mcvpn_log aws)")"
	fi
	lines=$(grep -E 'AUTHENTICATION_FAILED' "$(mcvpn_log aws)")
	printf '%s\n' "$lines" | sed 's/^/    | mcvpnd: /'
	check_match "strongSwan received AUTHENTICATION_FAILED" 'received AUTHENTICATION_FAILED notify error' \
		"$(cat "$(slog)")"
	check "no SA on either side (swanctl --list-sas, mcvpnctl status)" no_sa
	check_eq "mcvpnctl trafficstatus: no Child SA" 0 "$(mcvpn_sa_count aws)"
	end_case
}

say "aws side: mcvpnd; oci side: strongSwan $(dpkg-query -W -f='${Version}' strongswan-charon 2>/dev/null)"
make_pki
info "PKI made with pki $(dpkg-query -W -f='${Version}' strongswan-pki 2>/dev/null) in $PKI"
case_rsa_dn
case_rsa_pss
case_ecdsa_fqdn
case_ecdsa_rfc4754
case_pinned
case_chain_frag
refused "a certificate from a CA mcvpnd does not trust" oci-other "\"$DN_OCI\"" \
	"AUTHENTICATION_FAILED: peer \"$DN_OCI\": its certificate: unable to get local issuer certificate \\(certificate \"$DN_OCI\"\\)"
refused "an expired certificate" oci-old "\"$DN_OCI\"" \
	"AUTHENTICATION_FAILED: peer \"$DN_OCI\": its certificate: certificate has expired \\(certificate \"$DN_OCI\"\\)"
refused "rightid= names another DN than the peer's certificate" oci-rsa "\"$O, CN=someone.vpn.example\"" \
	"AUTHENTICATION_FAILED: peer ID \"$DN_OCI\" is not rightid \"$O, CN=someone\.vpn\.example\""
refused "RSA without RFC 7427 (strongSwan signature_authentication = no: SHA-1)" oci-rsa "\"$DN_OCI\"" \
	"AUTHENTICATION_FAILED: peer \"$DN_OCI\": it signs with RSA and SHA-1 \(AUTH method 1\)" '' no
case_cannot_sign
refused "strongSwan's ID is not in its certificate (rightid=%fromcert)" oci-rsa %fromcert \
	"AUTHENTICATION_FAILED: peer @bogus\.vpn\.example: its ID is not in its certificate \"$DN_OCI\"" \
	bogus.vpn.example
summary
