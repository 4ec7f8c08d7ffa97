#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# certs_test.sh TEST_BINARY: the PKI of tests/unit/crypto/mkcerts.sh in a
# scratch directory, plus an expired certificate (openssl ca with dates in
# the past) and rsa.pem renewed (the same key and subject, a new serial),
# then the conf certificate test against it.  Skipped (77) without openssl(1).
set -u
bin=${1:?usage: certs_test.sh TEST_BINARY}
command -v openssl >/dev/null || { echo "openssl(1) is not installed: skipped"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
"$(dirname "$0")/../crypto/mkcerts.sh" "$dir" || { echo "mkcerts.sh failed"; exit 1; }
(
	set -e
	cd "$dir"
	mkdir ca.d
	: >ca.d/index.txt
	echo 01 >ca.d/serial
	printf '[ca]\ndefault_ca=d\n[d]\ndatabase=ca.d/index.txt\nserial=ca.d/serial\nnew_certs_dir=ca.d\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' >ca.cnf
	openssl req -new -newkey rsa:2048 -nodes -keyout expired.key -out expired.csr \
		-subj "/CN=expired.example" >/dev/null 2>&1
	openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
		-startdate 20000101000000Z -enddate 20010101000000Z -notext >/dev/null 2>&1
	openssl x509 -req -in rsa.csr -CA int.pem -CAkey int.key -CAcreateserial -out rsa-renewed.pem \
		-days 36500 -extfile rsa.ext >/dev/null 2>&1
	chmod 600 ./*.key
) || { echo "making the expired and renewed certificates failed"; exit 1; }
"$bin" "$dir"
