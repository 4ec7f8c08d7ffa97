#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interop: certificate authentication between mcvpnd (AWS side, config
# imported from a libreswan certificate conn) and Debian 12's libreswan 4.10
# pluto (OCI side), migrated the way an operator would: the AWS host's
# certificate and key are exported from its pluto's NSS database with the
# commands mcvpnctl import-libreswan prints.  Same topology as
# test_libreswan.sh (mcv-aws-PID, mcv-inet-PID with the clouds' 1:1 NAT,
# mcv-oci-PID).
#
# The PKI (openssl, made here): a root CA "Example Root CA", end certificates
# aws.example.net and oci.example.net (RSA-2048, and P-256 for case 5; DN
# subjects, DNS subjectAltNames), and a root "Rogue Root CA" nobody trusts
# with another oci.example.net under it.  Each pluto gets its own the
# libreswan way: pk12util -i of a PKCS#12 (nickname aws or oci) and
# certutil -A of the CA with trust CT,,.  libreswan's conns
# (libreswan/aws-cert, libreswan/oci-cert): authby=rsasig, leftcert=NICK,
# leftid=%fromcert, leftrsasigkey=%cert, rightid="C=US, O=Example, CN=...",
# rightca=%same (the forms of libreswan 4.10's ipsec.conf(5); %same is its
# default for rightca=).
#
# Migration: addconn --checkconfig accepts both files; the AWS import names
#   /etc/mcvpn.d/aws.pem, /etc/mcvpn.d/ca.pem and /etc/mcvpn.d/aws.key,
#   exits 2 (mcvpnd would refuse: exactly those three files missing) and
#   prints the certutil/pk12util/openssl commands; those run as printed (no
#   terminal, in a scratch directory; /etc/mcvpn.d and /var/lib/ipsec/nss
#   replaced by the test's directories, CANICK by the CA's nickname) against
#   the AWS pluto's NSS database and give the certificate, the CA and the
#   key (mode 600, the .p12 removed); mcvpnd --check accepts the result.
# Case 1, mcvpnd initiates, pluto responds: pluto authenticates mcvpnd's
#   certificate (RSA-PSS, RFC 7427) and mcvpnd pluto's; then pluto cannot add
#   its Child SA (no kernel ESP, errno 38) and answers TS_UNACCEPTABLE, as in
#   test_libreswan.sh case 1.
# Case 2, pluto initiates once, mcvpnd responds: both authenticate, mcvpnd
#   installs the Child SA pluto then fails to add, as in test_libreswan.sh
#   case 2 (up to pluto's errno 38; mcvpnd's DPD is that test's business).
# Case 3, refusal: pluto's certificate is from the Rogue CA; pluto
#   initiates once; mcvpnd refuses it with the reason in its log and answers
#   AUTHENTICATION_FAILED; no SA on either side.
# Case 4, refusal the other way: pluto trusts only the Rogue root (its
#   certificate from there); mcvpnd initiates; NSS refuses mcvpnd's
#   certificate (SEC_ERROR_UNKNOWN_ISSUER), pluto answers
#   AUTHENTICATION_FAILED and mcvpnd says so and retries.
# Cases 5 and 6: pluto with authby=rsa-sha2_384
#   (RSASSA-PSS with SHA2-384 only) against mcvpnd's authby=rsasig, pluto
#   responding, then initiating once: both sign RSASSA-PSS with SHA2-384.
# Case 7, authby=ecdsa with P-256 certificates both sides (the libreswan
#   files but for authby=; the migration run again for them: the import
#   writes ": ECDSA .../aws.key"), mcvpnd initiating: both authenticate
#   ECDSA with SHA2-256 by RFC 7427, then the Child SA fails as in case 1.
#
# What pluto 4.10 sends and does (seen with pluto --debug all): with
# authby=rsasig it allows RSASSA-PSS and PKCS#1 v1.5 ("RSASIG+RSASIG_v1_5")
# and signs RSASSA-PSS; SIGNATURE_HASH_ALGORITHMS SHA2-256, 384, 512 in its
# IKE_SA_INIT message either role; a CERTREQ with the root's key hash in its
# IKE_SA_INIT response (responder) and its IKE_AUTH request (initiator); its
# own certificate in CERT (rightca=%same: the CA of its own certificate is
# the one it requires of the peer).  It logs "peer certificate
# subjectAltName extension does not match ID_DER_ASN1_DN" for its own DN id
# (the SAN is a DNS name) and goes on: a DN id matches the subject.
#
# Usage: sudo tests/interop/test_libreswan_cert.sh     Ends with "N passed, N failed".
# Needs what test_libreswan.sh needs (LIBRESWAN_ROOT=DIR as there).  About 15 s.
# shellcheck source-path=SCRIPTDIR/../lib source-path=SCRIPTDIR disable=SC2015  # A && B || fail is meant
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
. "$HERE/../lib/topo.sh"
. "$HERE/../lib/mcvpn.sh"
. "$HERE/libreswan/pluto.sh"

LSWCONF=$HERE/libreswan
CASE=0
CANICK=example-ca

need_root
mcvpn_need_bins
lsw_fetch
lsw_need
command -v pk12util >/dev/null || die "pk12util not found (libnss3-tools; run tests/deps.sh)"
cleanup_init

ENOSYS='netlink response for Add SA esp\.[0-9a-f]{1,8}@198\.51\.100\.10: Function not implemented \(errno 38\)'
AWS_DN='C=US, O=Example, CN=aws.example.net'
OCI_DN='C=US, O=Example, CN=oci.example.net'

lsw_no_sa() {
	local st
	st=$(lsw_whack "$1" --status 2>&1) || return 1
	printf '%s\n' "$st" | grep -q 'IKE SAs: total(0),' &&
		printf '%s\n' "$st" | grep -q 'IPsec SAs: total(0),'
}

check_lsw_no_sa() {
	if wait_for 3 lsw_no_sa oci; then
		pass "pluto holds no SA (whack --status)"
	else
		fail "pluto holds no SA (whack --status)" \
			"$(lsw_whack oci --status 2>&1 | grep -E 'SAs: total')"
	fi
}

# ------------------------------------------------------------ the PKI

PKI=$WORK/pki

# pki_end NAME CN CA [KEYOPTS]: an end certificate NAME.pem (key NAME.key,
# RSA-2048 unless KEYOPTS says otherwise) for CN under CA (ca or rogue), and
# NAME.p12 with nickname ${NAME%%-*}.
# shellcheck disable=SC2086  # KEYOPTS is a list of words
pki_end() {
	local name=$1 cn=$2 ca=$3 keyopts=${4:-rsa:2048}
	printf 'subjectAltName=DNS:%s\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:false\n' \
		"$cn" >"$PKI/$name.ext" &&
		openssl req -new -newkey $keyopts -nodes -keyout "$PKI/$name.key" \
			-subj "/C=US/O=Example/CN=$cn" -out "$PKI/$name.csr" 2>/dev/null &&
		openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.pem" -CAkey "$PKI/$ca.key" \
			-CAcreateserial -days 30 -extfile "$PKI/$name.ext" -out "$PKI/$name.pem" 2>/dev/null &&
		openssl pkcs12 -export -in "$PKI/$name.pem" -inkey "$PKI/$name.key" -name "${name%%-*}" \
			-passout pass:p12 -out "$PKI/$name.p12" ||
		die "making the certificate $name failed"
}

pki_root() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -subj "$2" -days 30 \
		-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign \
		-out "$PKI/$1.pem" 2>/dev/null || die "making the CA $1 failed"
}

make_pki() {
	mkdir -p "$PKI" && chmod 700 "$PKI" || die "mkdir $PKI failed"
	pki_root ca "/C=US/O=Example/CN=Example Root CA"
	pki_root rogue "/C=US/O=Rogue/CN=Rogue Root CA"
	pki_end aws aws.example.net ca
	pki_end oci oci.example.net ca
	pki_end oci-rogue oci.example.net rogue
	pki_end aws-ecdsa aws.example.net ca "ec -pkeyopt ec_paramgen_curve:P-256"
	pki_end oci-ecdsa oci.example.net ca "ec -pkeyopt ec_paramgen_curve:P-256"
}

# nss_load NSSDIR P12 [CA]: the libreswan way: the certificate with its key
# from a PKCS#12 (ipsec import), the CA (ca or rogue) with trust CT,,.
nss_load() {
	pk12util -i "$2" -d "sql:$1" -W p12 >/dev/null 2>&1 &&
		certutil -A -d "sql:$1" -n "$CANICK" -t 'CT,,' -i "$PKI/${3:-ca}.pem"
}

# ------------------------------------------------------------ migration

# use_kind rsa|ecdsa: the libreswan files (authby=rsasig: libreswan/*-cert
# as they are; authby=ecdsa: the same with that authby=), certificates and
# migration directories of the one or the other.
use_kind() {
	local side
	KIND=$1
	IMP=$WORK/import-aws-$KIND	# what mcvpnctl import-libreswan writes
	ETC=$WORK/etc-mcvpn.d-$KIND	# /etc/mcvpn.d of the AWS host
	AWSNSS=$WORK/aws-nss-$KIND	# /var/lib/ipsec/nss of the AWS host
	if [ "$KIND" = rsa ]; then
		LSWSRC=$LSWCONF CERTS=aws,oci AUTHBY=rsasig KEYTYPE=RSA
		return
	fi
	LSWSRC=$WORK/lsw-$KIND CERTS=aws-$KIND,oci-$KIND AUTHBY=$KIND KEYTYPE=ECDSA
	for side in aws oci; do
		mkdir -p "$LSWSRC/$side-cert" &&
			sed "s/^\([[:space:]]*authby=\).*/\1$AUTHBY/" "$LSWCONF/$side-cert/oracle-tunnel-1.conf" \
				>"$LSWSRC/$side-cert/oracle-tunnel-1.conf" &&
			cp "$LSWCONF/$side-cert/oracle-tunnel-1.secrets" "$LSWSRC/$side-cert/" ||
			die "writing $LSWSRC/$side-cert failed"
	done
	ln -sfn "$LSWCONF/aws" "$LSWSRC/aws" || die "ln failed"
}

# The command of the import's note or change on line LINE after "WITH ".
import_cmd() {
	sed -nE "s/^oracle-tunnel-1\\.conf:$1: .*$2 with (.*)\$/\\1/p" "$IMP/import.out" | head -n 1
}

# run_printed DESC CMD: CMD as the importer printed it, with the AWS host's
# paths replaced by the test's, in a scratch directory, without a terminal.
run_printed() {
	local desc=$1 cmd=$2 out
	if [ -z "$cmd" ]; then
		fail "$desc" "the importer printed no command"
		return 1
	fi
	printf '         $ %s\n' "$cmd"
	cmd=${cmd//\/etc\/mcvpn.d/$ETC}
	cmd=${cmd//sql:\/var\/lib\/ipsec\/nss/sql:$AWSNSS}
	cmd=${cmd//CANICK/$CANICK}
	if out=$(cd "$WORK/scratch" && setsid -w sh -c "$cmd" </dev/null 2>&1); then
		pass "$desc"
		return 0
	fi
	fail "$desc" "$out"
	return 1
}

# same_cert A B: the same certificate (DER).
same_cert() {
	[ "$(openssl x509 -in "$1" -outform der 2>/dev/null | sha256sum)" = \
		"$(openssl x509 -in "$2" -outform der 2>/dev/null | sha256sum)" ]
}

# same_key A B: the same public key.
same_key() {
	local a b
	a=$(openssl pkey -in "$1" -pubout 2>/dev/null) && b=$(openssl pkey -in "$2" -pubout 2>/dev/null) &&
		[ -n "$a" ] && [ "$a" = "$b" ]
}

migration() {
	local side rc st cmd awscert=${CERTS%,*}
	section "Migration ($AUTHBY): libreswan's certificate conn, imported, its certificate and key exported"
	for side in aws oci; do
		check "libreswan $(lsw_version) accepts $side-cert/oracle-tunnel-1.conf, authby=$AUTHBY (addconn --checkconfig)" \
			timeout 10 "$LSW_EXEC/addconn" --checkconfig --config "$LSWSRC/$side-cert/oracle-tunnel-1.conf"
	done
	mkdir -p "$AWSNSS" "$ETC" "$IMP" "$WORK/scratch" && chmod 700 "$AWSNSS" "$ETC" "$IMP" ||
		die "mkdir failed"
	certutil -N -d "sql:$AWSNSS" --empty-password >/dev/null 2>&1 && nss_load "$AWSNSS" "$PKI/$awscert.p12" ||
		die "the AWS host's NSS database failed"

	(cd "$LSWSRC/aws-cert" && "$MCVPNCTL" import-libreswan oracle-tunnel-1.conf \
		--boot-script ../aws/reboot.sh --output-dir "$IMP") >"$IMP/import.out" 2>&1
	rc=$?
	sed -n '/^conn /p' "$IMP/import.out" | sed 's/^/         | /'
	check_eq "import-libreswan aws-cert/: written, exit 2 (mcvpnd would refuse until the export)" 2 "$rc"
	st=$(grep -E 'no such file|would refuse' "$IMP/import.out" | sed "s|^$IMP/||" | tr '\n' ' ')
	check_eq "import: the only problems are the three files to export" \
		"oracle-tunnel-1.secrets:2: key file /etc/mcvpn.d/aws.key: no such file oracle-tunnel-1.conf:6: conn \"oracle-tunnel-1\": leftcert=/etc/mcvpn.d/aws.pem: no such file (/etc/mcvpn.d/aws.pem) oracle-tunnel-1.conf:9: conn \"oracle-tunnel-1\": rightca=/etc/mcvpn.d/ca.pem: no such file (/etc/mcvpn.d/ca.pem) mcvpnctl import-libreswan: mcvpnd would refuse $IMP: 3 problems " \
		"$st"
	check_match "import: 17 keys carried over, leftrsasigkey=%cert dropped, leftcert= and rightca= changed" \
		'"oracle-tunnel-1": this host is left=10\.3\.1\.200 .*; 17 keys carried over, 1 dropped, 2 changed; interface-ip=192\.168\.2\.1/30 and 2 routes from \.\./aws/reboot\.sh lines 5-7; private key /etc/mcvpn.d/aws.key \(to export\)' \
		"$(cat "$IMP/import.out")"
	check_eq "import: leftcert=, rightca=, ids and authby= as mcvpn reads them" \
		"leftid=%fromcert|leftcert=/etc/mcvpn.d/aws.pem|rightid=\"$OCI_DN\"|rightca=/etc/mcvpn.d/ca.pem|authby=$AUTHBY|" \
		"$(grep -E '^ *(leftid|leftcert|rightid|rightca|authby)=' "$IMP/oracle-tunnel-1.conf" | tr -d ' ' | tr '\n' '|' | sed 's/C=US,O=Example,CN=/C=US, O=Example, CN=/')"
	check_eq "import: the secrets name the key to export" ": $KEYTYPE /etc/mcvpn.d/aws.key" \
		"$(grep -v '^#' "$IMP/oracle-tunnel-1.secrets")"

	run_printed "the printed certutil command exports leftcert=aws" \
		"$(import_cmd 7 'export it')"
	run_printed "the printed certutil command exports the CA (CANICK: $CANICK)" \
		"$(import_cmd 11 'export the CA certificate')"
	cmd=$(sed -nE "s/.*the private key of leftcert=aws stays in libreswan's NSS database: export it with (.*) \\(oracle-tunnel-1\\.secrets names it\\)\$/\\1/p" "$IMP/import.out")
	run_printed "the printed pk12util/openssl commands export the key (no terminal)" "$cmd"
	same_cert "$ETC/aws.pem" "$PKI/$awscert.pem" && pass "aws.pem is the AWS certificate" ||
		fail "aws.pem is the AWS certificate"
	same_cert "$ETC/ca.pem" "$PKI/ca.pem" && pass "ca.pem is the root CA" || fail "ca.pem is the root CA"
	same_key "$ETC/aws.key" "$PKI/$awscert.key" && pass "aws.key is the AWS certificate's key" ||
		fail "aws.key is the AWS certificate's key"
	check_eq "aws.key has mode 600" 600 "$(stat -c %a "$ETC/aws.key" 2>/dev/null)"
	check_eq "no .p12 left behind" "" "$(ls -A "$WORK/scratch")"

	# the host's /etc/mcvpn.d is $ETC here
	sed -i "s|/etc/mcvpn.d/|$ETC/|g" "$IMP/oracle-tunnel-1.conf" "$IMP/oracle-tunnel-1.secrets" ||
		die "rewriting the import failed"
	check "mcvpnd --check accepts the import with the exported files" \
		timeout 10 "$MCVPND" --check --config-dir "$IMP"
}

# ------------------------------------------------------------ the cases

start_case() {
	section "$1"
	CASE=$((CASE + 1))
	RUNDIR="$WORK/case$CASE"
	mkdir -p "$RUNDIR"
	topo_up
}

# start_mcv AUTO: mcvpnd (aws) on the migrated import with auto=AUTO.
start_mcv() {
	local dir
	dir="$(mcvpn_dir aws)/conf"
	mkdir -p "$dir" && chmod 700 "$dir" || die "mkdir $dir failed"
	cp -p "$IMP/$CONN.conf" "$IMP/$CONN.secrets" "$dir/" || die "the AWS import is missing"
	mcvpn_conf_set aws "auto=$1"
	if mcvpnd_start aws; then
		pass "mcvpnd (aws) starts on the migrated config (auto=$1)"
		return 0
	fi
	fail "mcvpnd (aws) starts on the migrated config"
	return 1
}

# start_lsw AUTO P12 [PLUTO ARGS...]: pluto (oci) on oci-cert/ ($KIND) with the
# certificate and key of P12 and the CA $LSW_CA (default ca) in its NSS
# database.
start_lsw() {
	local auto=$1 p12=$2
	shift 2
	lsw_write_config oci "$LSWSRC/oci-cert/oracle-tunnel-1.conf" "$auto"
	nss_load "$(lsw_dir oci)/nss" "$p12" "${LSW_CA:-ca}" >/dev/null || die "loading $p12 into pluto's NSS database failed"
	if lsw_start oci "$@"; then
		pass "pluto (oci) starts and loads the certificate conn (auto=$auto${*:+, $*})"
		return 0
	fi
	fail "pluto (oci) starts and loads the certificate conn"
	return 1
}

end_case() {
	if [ "$FAIL" -ne "$1" ]; then
		lsw_dump_log oci
		mcvpn_dump_logs
		if [ -d "$REPO/build-logs" ]; then
			cp "$(lsw_log oci)" "$REPO/build-logs/libreswan-cert-case$CASE-pluto-oci.log" 2>/dev/null
			cp "$(mcvpn_log aws)" "$REPO/build-logs/libreswan-cert-case$CASE-mcvpnd-aws.log" 2>/dev/null
		fi
	fi
	mcvpnd_stop_all
	lsw_stop_all
	topo_down
}

PLUTO_AUTH="authenticated peer '2048-bit RSASSA-PSS with SHA2_256' digital signature using peer certificate '$AWS_DN' issued by CA 'C=US, O=Example, CN=Example Root CA'"
MCV_AUTH="peer \"$OCI_DN\" authenticated: certificate \"$OCI_DN\", RSA-PSS SHA2-"

# pluto's view of the loaded conn: certificates, ids, CA.
lsw_conn_checks() {
	local st
	st=$(lsw_whack oci --status 2>&1)
	printf '%s\n' "$st" | grep -E '"oracle-tunnel-1":.*(auth|id|CAs)' | sed 's/^/         | /'
	check_match "pluto: authby=rsasig is RSA-PSS or PKCS#1 v1.5 both ways, hashes SHA2-256/384/512" \
		'our auth:rsasig\(RSASIG\+RSASIG_v1_5\), their auth:RSASIG\+RSASIG_v1_5,.*v2-auth-hash-policy: SHA2_256\+SHA2_384\+SHA2_512;' \
		"$(printf '%s' "$st" | tr '\n' ' ')"
	check_match "pluto: its id from its certificate, mcvpnd's the DN of rightid=" \
		"our idtype: ID_DER_ASN1_DN; our id=$OCI_DN; their idtype: ID_DER_ASN1_DN; their id=$AWS_DN" "$st"
	check_match "pluto: CA of both ends the root (rightca=%same)" \
		"CAs: 'C=US, O=Example, CN=Example Root CA'...'C=US, O=Example, CN=Example Root CA'" "$st"
}

# Case 1: mcvpnd initiates.
case_mcv_initiates() {
	local fails=$FAIL
	start_case "mcvpnd initiates (auto=start), pluto responds (auto=add): certificates"
	start_lsw add "$PKI/oci.p12" || { end_case "$fails"; return; }
	lsw_conn_checks
	start_mcv start || { end_case "$fails"; return; }
	if wait_for 15 mcv_log_has aws '#1: IKE SA down'; then
		pass "mcvpnd's first IKE SA ended within 15 s"
	else
		fail "mcvpnd's first IKE SA ended within 15 s"
	fi
	check_log mcvpnd aws "mcvpnd initiates to the DN of rightid=" \
		"#1: initiating IKE SA with $OCI_DN \\(MODP_1536\\)"
	check_log pluto oci "mcvpnd's IKE_AUTH request: IDi, CERT, CERTREQ, IDr, AUTH, ... (pluto's words)" \
		'processing decrypted IKE_AUTH request: SK\{IDi,CERT,CERTREQ,IDr,AUTH,N\(INITIAL_CONTACT\),SA,TSi,TSr\}'
	check_log pluto oci "pluto authenticates mcvpnd's certificate: RSASSA-PSS with SHA2_256 under the root" \
		"responder established IKE SA; $PLUTO_AUTH"
	# pluto responding signs with the hash and scheme of the initiator's
	# AUTH (mcvpnd's: RSA-PSS SHA2-256); initiating (case 2) it takes the
	# strongest of the peer's SIGNATURE_HASH_ALGORITHMS (SHA2-512)
	check_log mcvpnd aws "mcvpnd authenticates pluto's certificate (RSA-PSS SHA2-256)" "#1: ${MCV_AUTH}256\$"
	check_log pluto oci "pluto cannot add the Child SA to the kernel: errno 38" "$ENOSYS"
	check_log mcvpnd aws "mcvpnd: peer refused the Child SA: TS_UNACCEPTABLE" \
		'#1: peer refused the Child SA: TS_UNACCEPTABLE'
	check_log mcvpnd aws "mcvpnd: retry in 1 s" 'no IKE SA \(TS_UNACCEPTABLE\); retrying in 1s'
	check_eq "mcvpnd never logs an established IKE SA or Child SA" 0 "$(mcv_log_count aws 'SA.*established')"
	if wait_for 5 json_is aws 'c["state"], c["last_error"], len(c["ike_sas"])' "down|TS_UNACCEPTABLE|0"; then
		pass "mcvpnd status --json: down, last_error TS_UNACCEPTABLE, no IKE SA"
	else
		fail "mcvpnd status --json: down, last_error TS_UNACCEPTABLE, no IKE SA" \
			"got: $(mcvpn_json aws 'c["state"], c["last_error"], len(c["ike_sas"])')"
	fi
	check_lsw_no_sa
	end_case "$fails"
}

# Case 2: pluto initiates, once.
case_lsw_initiates() {
	local fails=$FAIL spi
	start_case "pluto initiates (auto=start, once), mcvpnd responds (auto=add): certificates"
	start_mcv add || { end_case "$fails"; return; }
	start_lsw start "$PKI/oci.p12" --impair revival || { end_case "$fails"; return; }
	if wait_for 15 lsw_log_has oci 'deleting state \(STATE_V2_ESTABLISHED_IKE_SA\)'; then
		pass "pluto's IKE SA came and went within 15 s"
	else
		fail "pluto's IKE SA came and went within 15 s"
	fi
	check_log mcvpnd aws "mcvpnd authenticates pluto's certificate (RSA-PSS SHA2-512)" "#1: ${MCV_AUTH}512\$"
	check_log pluto oci "pluto authenticates mcvpnd's certificate: RSASSA-PSS with SHA2_256 under the root" \
		"initiator established IKE SA; $PLUTO_AUTH"
	check_log mcvpnd aws "mcvpnd installs Child SA #2: ESP AES_GCM_16-256 with ESN" \
		'#1: Child SA #2 established: ESP AES_GCM_16-256, SPIs [0-9a-f]{8} in / [0-9a-f]{8} out, ESN$'
	spi=$(mcv_log_first aws 'Child SA #2 established' | sed -nE 's/.*SPIs ([0-9a-f]{8}) in.*/\1/p')
	check_match "the SA pluto fails to add (errno 38) is mcvpnd's inbound SA (SPI ${spi:-?})" \
		"Add SA esp\\.$(printf '%x' "0x${spi:-0}")@198\\.51\\.100\\.10: Function not implemented \\(errno 38\\)" \
		"$(lsw_log_match oci "$ENOSYS")"
	check_log pluto oci "pluto deletes its IKE SA without telling mcvpnd" \
		'#1: deleting state \(STATE_V2_ESTABLISHED_IKE_SA\) aged [0-9.]+s and NOT sending notification'
	check_lsw_no_sa
	check_eq "mcvpnd still shows its side: up, one IKE SA, one Child SA" "up|1|1" \
		"$(mcvpn_json aws 'c["state"], len(c["ike_sas"]), len(c["ike_sas"][0]["child_sas"])')"
	end_case "$fails"
}

# Case 3: pluto's certificate from a CA mcvpnd does not trust.
case_rogue() {
	local fails=$FAIL
	start_case "refusal: pluto's certificate from a CA mcvpnd does not trust (pluto initiates once)"
	start_mcv add || { end_case "$fails"; return; }
	start_lsw start "$PKI/oci-rogue.p12" --impair revival || { end_case "$fails"; return; }
	if wait_for 15 lsw_log_has oci 'deleting state'; then
		pass "pluto's IKE SA ended within 15 s"
	else
		fail "pluto's IKE SA ended within 15 s"
	fi
	check_log mcvpnd aws "mcvpnd refuses the certificate: unable to get local issuer certificate" \
		"#1: AUTHENTICATION_FAILED: peer \"$OCI_DN\": its certificate: unable to get local issuer certificate"
	check_log pluto oci "pluto gets AUTHENTICATION_FAILED" \
		'#1: IKE SA authentication request rejected by peer: AUTHENTICATION_FAILED'
	check_eq "mcvpnd never authenticated the peer nor established an SA" 0 \
		"$(mcv_log_count aws 'authenticated:|established')"
	if wait_for 5 json_is aws 'c["state"], len(c["ike_sas"])' "down|0"; then
		pass "mcvpnd holds no SA (status --json)"
	else
		fail "mcvpnd holds no SA (status --json)" "got: $(mcvpn_json aws 'c["state"], len(c["ike_sas"])')"
	fi
	check_lsw_no_sa
	end_case "$fails"
}

# Case 4: pluto trusts another CA than mcvpnd's (its own certificate and
# the Rogue root in its NSS database): it refuses mcvpnd's certificate.
case_lsw_refuses() {
	local fails=$FAIL
	start_case "refusal: pluto trusts another CA than mcvpnd's (mcvpnd initiates)"
	LSW_CA=rogue start_lsw add "$PKI/oci-rogue.p12" || { end_case "$fails"; return; }
	start_mcv start || { end_case "$fails"; return; }
	if wait_for 15 mcv_log_has aws '#1: IKE SA down'; then
		pass "mcvpnd's first IKE SA ended within 15 s"
	else
		fail "mcvpnd's first IKE SA ended within 15 s"
	fi
	check_log pluto oci "pluto (NSS) refuses mcvpnd's certificate: unknown issuer" \
		'NSS: ERROR: IPsec certificate CN=aws\.example\.net,O=Example,C=US invalid: SEC_ERROR_UNKNOWN_ISSUER'
	check_log pluto oci "pluto: authentication failed, no certificate for mcvpnd's RSASSA-PSS signature" \
		"#1: authentication failed: no certificate matched RSASSA-PSS with SHA2_256 and '$AWS_DN'"
	check_log pluto oci "pluto answers AUTHENTICATION_FAILED" \
		'#1: responding to IKE_AUTH message \(ID 1\) from 198\.51\.100\.10:4500 with encrypted notification AUTHENTICATION_FAILED'
	check_log mcvpnd aws "mcvpnd: peer refused IKE_AUTH: AUTHENTICATION_FAILED" \
		'#1: peer refused IKE_AUTH: AUTHENTICATION_FAILED'
	check_log mcvpnd aws "mcvpnd: retry in 1 s" 'no IKE SA \(AUTHENTICATION_FAILED\); retrying in 1s'
	check_eq "mcvpnd never authenticated the peer nor established an SA" 0 \
		"$(mcv_log_count aws 'authenticated:|established')"
	check_lsw_no_sa
	end_case "$fails"
}

# Case 7: authby=ecdsa, P-256 certificates both sides (the migration run
# again for them), mcvpnd initiates.
case_ecdsa() {
	local fails=$FAIL
	start_case "authby=ecdsa, P-256 both sides: mcvpnd initiates, pluto responds"
	start_lsw add "$PKI/oci-ecdsa.p12" || { end_case "$fails"; return; }
	check_match "pluto: our auth and theirs ECDSA (authby=ecdsa)" 'our auth:ecdsa, their auth:ecdsa,' \
		"$(lsw_whack oci --status 2>&1)"
	start_mcv start || { end_case "$fails"; return; }
	if wait_for 15 mcv_log_has aws '#1: IKE SA down'; then
		pass "mcvpnd's first IKE SA ended within 15 s"
	else
		fail "mcvpnd's first IKE SA ended within 15 s"
	fi
	check_log pluto oci "pluto authenticates mcvpnd's P-256 certificate: ECDSA with SHA2_256 (RFC 7427)" \
		"responder established IKE SA; authenticated peer 'P-256 ECDSA with SHA2_256' digital signature using peer certificate '$AWS_DN' issued by CA 'C=US, O=Example, CN=Example Root CA'"
	check_log mcvpnd aws "mcvpnd authenticates pluto's ECDSA certificate (SHA2-256)" \
		"#1: peer \"$OCI_DN\" authenticated: certificate \"$OCI_DN\", ECDSA SHA2-256\$"
	check_log pluto oci "pluto cannot add the Child SA to the kernel: errno 38" "$ENOSYS"
	check_log mcvpnd aws "mcvpnd: peer refused the Child SA: TS_UNACCEPTABLE" \
		'#1: peer refused the Child SA: TS_UNACCEPTABLE'
	check_lsw_no_sa
	end_case "$fails"
}

# Cases 5 and 6: pluto with authby=rsa-sha2_384 (RSASSA-PSS with SHA2-384
# only: its SIGNATURE_HASH_ALGORITHMS), mcvpnd with the migrated
# authby=rsasig; pluto responding (5), initiating once (6): both sign
# SHA2-384.
case_sha384() {
	local role=$1 fails=$FAIL
	start_case "pluto authby=rsa-sha2_384, mcvpnd authby=rsasig: pluto $role"
	mkdir -p "$WORK/lsw-sha384/oci-cert" &&
		sed 's/^\([[:space:]]*authby=\).*/\1rsa-sha2_384/' "$LSWCONF/oci-cert/oracle-tunnel-1.conf" \
			>"$WORK/lsw-sha384/oci-cert/oracle-tunnel-1.conf" &&
		cp "$LSWCONF/oci-cert/oracle-tunnel-1.secrets" "$WORK/lsw-sha384/oci-cert/" ||
		die "writing $WORK/lsw-sha384 failed"
	if [ "$role" = responds ]; then
		LSWSRC=$WORK/lsw-sha384 start_lsw add "$PKI/oci.p12" || { end_case "$fails"; return; }
	fi
	if [ "$role" = responds ]; then
		start_mcv start || { end_case "$fails"; return; }
		wait_for 15 mcv_log_has aws '#1: IKE SA down' && pass "mcvpnd's first IKE SA ended within 15 s" ||
			fail "mcvpnd's first IKE SA ended within 15 s"
	else
		start_mcv add || { end_case "$fails"; return; }
		LSWSRC=$WORK/lsw-sha384 start_lsw start "$PKI/oci.p12" --impair revival ||
			{ end_case "$fails"; return; }
		wait_for 15 lsw_log_has oci 'deleting state' && pass "pluto's IKE SA came and went within 15 s" ||
			fail "pluto's IKE SA came and went within 15 s"
	fi
	check_match "pluto: RSA (no PKCS#1 v1.5 fallback listed), SHA2-384 only" \
		'our auth:rsasig, their auth:rsasig,.*v2-auth-hash-policy: SHA2_384;' \
		"$(lsw_whack oci --status 2>&1 | tr '\n' ' ')"
	check_log pluto oci "pluto authenticates mcvpnd's certificate: RSASSA-PSS with SHA2_384" \
		"established IKE SA; authenticated peer '2048-bit RSASSA-PSS with SHA2_384' digital signature using peer certificate '$AWS_DN'"
	check_log mcvpnd aws "mcvpnd authenticates pluto's certificate (RSA-PSS SHA2-384)" "#1: ${MCV_AUTH}384\$"
	check_log pluto oci "pluto cannot add the Child SA to the kernel: errno 38" "$ENOSYS"
	check_lsw_no_sa
	end_case "$fails"
}

say "aws side: $("$MCVPND" --version 2>/dev/null | head -n 1); oci side: libreswan $(lsw_version) (unpacked in $LSW_ROOT)"
make_pki
use_kind rsa
migration
case_mcv_initiates
case_lsw_initiates
case_rogue
case_lsw_refuses
case_sha384 responds
case_sha384 initiates
use_kind ecdsa
migration
case_ecdsa
summary
