#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# mkcerts.sh DIR: a small PKI for the certificate tests, made with the
# openssl command (not with the code under test): a root CA and an
# intermediate, end-entity certificates (RSA from the intermediate with
# DNS, IP and e-mail subjectAltNames; ECDSA P-256 and P-384 from the root;
# one whose key usage allows no signatures; one for e-mail only; one from
# another CA; the exchange tests' two ends, RSA and ECDSA), an encrypted key, signatures of data.bin made by openssl
# (PKCS#1 v1.5, PSS, ECDSA) and the SHA-1 of the root's
# SubjectPublicKeyInfo.  Valid for a century from now.
set -eu
d=${1:?usage: mkcerts.sh DIR}
cd "$d"
days=36500
q() { "$@" >/dev/null 2>&1; }

ca() {	# NAME SUBJECT
	q openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days $days \
		-subj "$2" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign"
}

# issue NAME ISSUER KEYSPEC SUBJECT EXTENSIONS
issue() {
	printf '%b\n' "$5" >"$1.ext"
	q openssl req -new $3 -nodes -keyout "$1.key" -out "$1.csr" -subj "$4"
	q openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
		-out "$1.pem" -days $days -extfile "$1.ext"
}

ca ca "/O=mcvpn test/CN=Test Root CA"
ca other "/O=somebody else/CN=Other CA"
issue int ca "-newkey rsa:2048" "/O=mcvpn test/CN=Test Intermediate CA" \
	"basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign"
issue rsa int "-newkey rsa:2048" "/O=mcvpn test/CN=vpn.example.com" \
	"subjectAltName=DNS:vpn.example.com,IP:203.0.113.20,IP:2001:db8::20,email:ops@example.com\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth"
issue p256 ca "-newkey ec -pkeyopt ec_paramgen_curve:P-256" "/O=mcvpn test/CN=p256.example" \
	"subjectAltName=DNS:p256.example\nkeyUsage=digitalSignature"
issue p384 ca "-newkey ec -pkeyopt ec_paramgen_curve:P-384" "/O=mcvpn test/CN=p384.example" \
	"keyUsage=digitalSignature"
issue noku ca "-newkey rsa:2048" "/O=mcvpn test/CN=noku.example" \
	"subjectAltName=DNS:noku.example\nkeyUsage=critical,keyEncipherment"
issue mail ca "-newkey rsa:2048" "/O=mcvpn test/CN=mail.example" \
	"subjectAltName=DNS:mail.example\nextendedKeyUsage=emailProtection"
issue stranger other "-newkey rsa:2048" "/O=somebody else/CN=vpn.example.com" \
	"subjectAltName=DNS:vpn.example.com"
# the two ends of tests/exchange (harness.h): A 198.51.100.10, B 203.0.113.20
issue a-rsa int "-newkey rsa:2048" "/O=mcvpn test/CN=a.example" \
	"subjectAltName=DNS:a.example,IP:198.51.100.10\nkeyUsage=critical,digitalSignature"
issue a-p256 ca "-newkey ec -pkeyopt ec_paramgen_curve:P-256" "/O=mcvpn test/CN=a256.example" \
	"subjectAltName=DNS:a256.example,IP:198.51.100.10\nkeyUsage=digitalSignature"
issue b-p384 ca "-newkey ec -pkeyopt ec_paramgen_curve:P-384" "/O=mcvpn test/CN=b384.example" \
	"subjectAltName=DNS:b384.example,IP:203.0.113.20\nkeyUsage=digitalSignature"
# too weak for IKE today: RSA-1024, and a SHA-1 signature by the root
issue weak ca "-newkey rsa:1024" "/O=mcvpn test/CN=weak.example" \
	"subjectAltName=DNS:weak.example\nkeyUsage=digitalSignature"
q openssl req -new -newkey rsa:2048 -nodes -keyout sha1.key -out sha1.csr \
	-subj "/O=mcvpn test/CN=sha1.example"
q openssl x509 -req -sha1 -in sha1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out sha1.pem \
	-days $days
cat rsa.pem int.pem >rsa-chain.pem
cat a-rsa.pem int.pem >a-rsa-chain.pem
q openssl pkey -in rsa.key -aes256 -passout pass:secret -out encrypted.key

printf 'the octets IKE signs' >data.bin
q openssl dgst -sha256 -sign rsa.key -out rsa-pkcs1.sig data.bin
q openssl dgst -sha384 -sign rsa.key -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 \
	-out rsa-pss.sig data.bin
q openssl dgst -sha256 -sign p256.key -out p256.sig data.bin
openssl x509 -in ca.pem -pubkey -noout | openssl pkey -pubin -outform DER |
	openssl dgst -sha1 -r | cut -c1-40 >ca.spki.sha1
openssl x509 -in rsa.pem -outform DER -out rsa.der
