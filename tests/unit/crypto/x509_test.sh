#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# x509_test.sh TEST_BINARY: a fresh PKI from mkcerts.sh in a scratch
# directory, then the test against it.  Skipped (77) without openssl(1).
set -u
bin=${1:?usage: x509_test.sh TEST_BINARY}
command -v openssl >/dev/null || { echo "openssl(1) is not installed: skipped"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
"$(dirname "$0")/mkcerts.sh" "$dir" || { echo "mkcerts.sh failed"; exit 1; }
"$bin" "$dir"
