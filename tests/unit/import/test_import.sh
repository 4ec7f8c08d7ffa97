#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# mcvpnctl import-libreswan on the operators' own files (tests/import/).
#
#   test_import.sh SOURCE_ROOT MCVPNCTL MCVPND
#
# For each case (aws, oci, two: the two VMs' sides, and a file with two conns
# and one boot script for both; policy: a policy-based conn; seed-aws,
# seed-oci: the operators' how-to's files as it prints them; cloud: a
# cloud's generated file, %defaultroute and VTIs), run in the
# case's directory with the arguments in its "args" file, expecting exit
# status 0 (or the one in its "status" file):
#   1. printed: stdout (the files) and stderr (notes, summary) against
#      expected/stdout and expected/stderr;
#   2. written with --output-dir: stderr against expected/stderr-dir, every
#      file against expected/NAME.conf and NAME.secrets, nothing else written,
#      the modes (0644, secrets 0600), and "mcvpnd --check --config-dir" OK
#      (the output directory reads as OUT in expected/stderr-dir);
#   3. each line of tests/configs/SIDE/*.conf (the reference drop-in) is in
#      the imported file of that side;
#   4. run again: refused (the files exist), exit 1, files untouched; with
#      --force: replaced.
# Then every refusal of tests/import/refuse/, each with its exit status and
# its whole stderr against refuse/expected/NAME.stderr.  In all stderr,
# the temporary directory reads as TMP.
set -u

src=${1:?usage: test_import.sh SOURCE_ROOT MCVPNCTL MCVPND}
mcvpnctl=${2:?usage: test_import.sh SOURCE_ROOT MCVPNCTL MCVPND}
mcvpnd=${3:?usage: test_import.sh SOURCE_ROOT MCVPNCTL MCVPND}
# the runs happen in the fixtures' directories
case $mcvpnctl in /*) ;; *) mcvpnctl=$(pwd)/$mcvpnctl ;; esac
case $mcvpnd in /*) ;; *) mcvpnd=$(pwd)/$mcvpnd ;; esac
case $src in /*) ;; *) src=$(pwd)/$src ;; esac
cases=$src/tests/import
failures=0
checks=0
tmp=$(mktemp -d) || exit 1
chmod 755 "$tmp"	# an unprivileged run reads the fixtures copied here
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run DIR ARGS...: mcvpnctl import-libreswan ARGS in DIR; sets $code,
# $tmp/stdout and $tmp/stderr (the temporary directory as TMP).
run() {
	dir=$1
	shift
	code=0
	(cd "$dir" && "$mcvpnctl" import-libreswan "$@") >"$tmp/stdout" 2>"$tmp/stderr.raw" || code=$?
	sed "s#$tmp#TMP#g" "$tmp/stderr.raw" >"$tmp/stderr"
}

# same WHAT GOT EXPECTED_FILE
same() {
	checks=$((checks + 1))
	if [ ! -f "$3" ]; then
		fail "$1: no expected file $3"
	elif ! diff -u "$3" "$2" >"$tmp/diff"; then
		fail "$1 differs from $3 (- expected, + got):"
		sed 's/^/    /' "$tmp/diff"
	fi
}

# status WHAT EXPECTED
status() {
	checks=$((checks + 1))
	[ "$code" = "$2" ] || { fail "$1: exit status $code, expected $2; stderr:"; sed 's/^/    /' "$tmp/stderr"; }
}

# mode WHAT FILE EXPECTED (octal, as stat prints it)
mode() {
	checks=$((checks + 1))
	got=$(stat -c %a "$2" 2>/dev/null || echo missing)
	[ "$got" = "$3" ] || fail "$1: mode of $2 is $got, expected $3"
}

# ---- the operators' files ----
for case in aws oci two policy seed-aws seed-oci cloud updown; do
	dir=$cases/$case
	exp=$dir/expected
	args=$(cat "$dir/args")
	want=0		# 2 for a case written with warnings (its "status" file)
	[ -f "$dir/status" ] && want=$(cat "$dir/status")

	# 1. printed
	# shellcheck disable=SC2086 # args holds several words
	run "$dir" $args
	status "$case: printed" "$want"
	same "$case: printed files (stdout)" "$tmp/stdout" "$exp/stdout"
	same "$case: printed notes (stderr)" "$tmp/stderr" "$exp/stderr"

	# 2. written
	out=$tmp/$case.d
	# shellcheck disable=SC2086
	run "$dir" $args --output-dir "$out"
	status "$case: written" "$want"
	sed "s#TMP/$case.d#OUT#g" "$tmp/stderr" >"$tmp/stderr.out"
	same "$case: written notes (stderr)" "$tmp/stderr.out" "$exp/stderr-dir"
	checks=$((checks + 1))
	[ -s "$tmp/stdout" ] && fail "$case: with --output-dir, stdout should be empty, got: $(head -c 200 "$tmp/stdout")"
	for f in "$exp"/*.conf "$exp"/*.secrets; do
		same "$case: written $(basename "$f")" "$out/$(basename "$f")" "$f"
	done
	for f in "$out"/*; do
		checks=$((checks + 1))
		[ -f "$exp/$(basename "$f")" ] || fail "$case: wrote $(basename "$f"), which is not in $exp"
		case $f in
		*.secrets) mode "$case" "$f" 600 ;;
		*) mode "$case" "$f" 644 ;;
		esac
	done
	checks=$((checks + 1))
	if ! "$mcvpnd" --check --config-dir "$out" >"$tmp/check" 2>&1; then
		fail "$case: mcvpnd --check --config-dir refuses the imported files:"
		sed 's/^/    /' "$tmp/check"
	fi

	# 3. the reference drop-in of this side
	for ref in "$src/tests/configs/$case"/*.conf; do
		[ -f "$ref" ] || continue
		grep -v '^#' "$ref" | while IFS= read -r line; do
			grep -qxF -- "$line" "$out/$(basename "$ref")" ||
				echo "$case: '$line' of $ref is not in the imported $(basename "$ref")"
		done >"$tmp/missing"
		checks=$((checks + 1))
		[ -s "$tmp/missing" ] && fail "$(cat "$tmp/missing")"
	done

	# 4. again: refused, then --force
	cp -p "$out"/* "$tmp/" 2>/dev/null
	echo "# changed by the operator" >>"$out/$(ls "$exp" | grep '\.conf$' | head -n 1)"
	ls -l "$out" >"$tmp/before"
	# shellcheck disable=SC2086
	run "$dir" $args --output-dir "$out"
	status "$case: run again" 1
	checks=$((checks + 1))
	grep -q "exists: not overwritten (--force replaces it)" "$tmp/stderr" &&
		grep -q "nothing written" "$tmp/stderr" ||
		fail "$case: run again: expected 'exists: not overwritten' and 'nothing written', got: $(cat "$tmp/stderr")"
	checks=$((checks + 1))
	ls -l "$out" | cmp -s - "$tmp/before" && grep -q "changed by the operator" "$out"/*.conf ||
		fail "$case: run again changed $out"
	# shellcheck disable=SC2086
	run "$dir" $args --output-dir "$out" --force
	status "$case: --force" "$want"
	for f in "$exp"/*.conf "$exp"/*.secrets; do
		same "$case: --force $(basename "$f")" "$out/$(basename "$f")" "$f"
	done
	mode "$case: --force" "$(ls "$out"/*.secrets | head -n 1)" 600
done

# ---- refusals ----
ref=$cases/refuse
rexp=$ref/expected

# refuse NAME EXPECTED_STATUS ARGS... (run in tests/import/refuse)
refuse() {
	name=$1
	want=$2
	shift 2
	run "$ref" "$@"
	status "refuse $name" "$want"
	same "refuse $name: stderr" "$tmp/stderr" "$rexp/$name.stderr"
}

refuse missing-file 1 missing.conf
refuse missing-secrets 1 ../aws/oracle-tunnel-1.conf --secrets missing.secrets
refuse missing-script 1 ../aws/oracle-tunnel-1.conf --boot-script missing.sh
refuse no-conn 1 no-conn.conf
refuse bad-values 1 bad-values.conf --secrets ../aws/oracle-tunnel-1.secrets
refuse no-args 1
refuse two-files 1 no-conn.conf bad-values.conf
refuse bad-option 1 --bogus no-conn.conf
refuse no-option-value 1 no-conn.conf --secrets
refuse output-not-dir 1 ../aws/oracle-tunnel-1.conf --boot-script ../aws/reboot.sh \
	--output-dir no-conn.conf

# an existing file: nothing written, not even the other one
mkdir "$tmp/exists.d"
echo "# the operator's own" >"$tmp/exists.d/oracle-tunnel-1.secrets"
chmod 600 "$tmp/exists.d/oracle-tunnel-1.secrets"
refuse exists 1 ../aws/oracle-tunnel-1.conf --boot-script ../aws/reboot.sh --output-dir "$tmp/exists.d"
checks=$((checks + 1))
[ "$(ls "$tmp/exists.d")" = "oracle-tunnel-1.secrets" ] && grep -q "operator's own" "$tmp/exists.d/oracle-tunnel-1.secrets" ||
	fail "refuse exists: $tmp/exists.d changed: $(ls "$tmp/exists.d")"

# secrets without a matching line: the conf is written all the same, exit 2
refuse secrets-no-match 2 ../aws/oracle-tunnel-1.conf --secrets other.secrets \
	--boot-script ../aws/reboot.sh --output-dir "$tmp/nomatch.d"
checks=$((checks + 1))
[ "$(ls "$tmp/nomatch.d")" = "oracle-tunnel-1.conf" ] ||
	fail "refuse secrets-no-match: expected only oracle-tunnel-1.conf written, got: $(ls "$tmp/nomatch.d")"
grep -v '^#' "$cases/aws/expected/oracle-tunnel-1.conf" >"$tmp/aws.conf"
grep -v '^#' "$tmp/nomatch.d/oracle-tunnel-1.conf" >"$tmp/nomatch.conf"
same "refuse secrets-no-match: the conf (comments aside)" "$tmp/nomatch.conf" "$tmp/aws.conf"

# a conn refused does not block the other (exit 2, it alone written),
# unless --all-or-nothing (exit 1, nothing written); --conn takes one
refuse mixed 2 mixed.conf --secrets ../aws/oracle-tunnel-1.secrets --output-dir "$tmp/mixed.d"
checks=$((checks + 1))
[ "$(ls "$tmp/mixed.d" | tr '\n' ' ')" = "to-oci.conf to-oci.secrets " ] ||
	fail "refuse mixed: expected to-oci.conf and to-oci.secrets written, got: $(ls "$tmp/mixed.d")"
refuse mixed-all-or-nothing 1 mixed.conf --secrets ../aws/oracle-tunnel-1.secrets --all-or-nothing \
	--output-dir "$tmp/mixed-aon.d"
checks=$((checks + 1))
[ -z "$(ls "$tmp/mixed-aon.d" 2>/dev/null)" ] ||
	fail "refuse mixed-all-or-nothing: expected nothing written, got: $(ls "$tmp/mixed-aon.d")"
refuse mixed-conn 0 mixed.conf --secrets ../aws/oracle-tunnel-1.secrets --conn to-oci --local 10.3.1.200
refuse mixed-conn-refused 1 mixed.conf --conn to-gcp

# an unreadable file: as nobody when we are root (root reads mode 000 files)
cp "$cases/aws/oracle-tunnel-1.conf" "$tmp/unreadable.conf"
chmod 000 "$tmp/unreadable.conf"
if [ "$(id -u)" -ne 0 ]; then
	refuse unreadable 1 "$tmp/unreadable.conf"
elif command -v setpriv >/dev/null 2>&1; then
	code=0
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$mcvpnctl" import-libreswan "$tmp/unreadable.conf" >"$tmp/stdout" 2>"$tmp/stderr.raw" || code=$?
	sed "s#$tmp#TMP#g" "$tmp/stderr.raw" >"$tmp/stderr"
	status "refuse unreadable" 1
	same "refuse unreadable: stderr" "$tmp/stderr" "$rexp/unreadable.stderr"
else
	echo "SKIP: unreadable file (root without setpriv)"
fi

# no secret ever reaches stderr
checks=$((checks + 1))
if grep -rh -e 'tests-only' -e 'old-peer-psk' "$cases"/*/expected/stderr* "$rexp" >/dev/null; then
	fail "a PSK appears in an expected stderr file"
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures of $checks checks failed"
	exit 1
fi
echo "import-libreswan: $checks checks passed"
