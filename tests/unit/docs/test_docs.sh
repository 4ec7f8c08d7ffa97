#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The manual pages against the code they describe.
#
#   test_docs.sh SOURCE_ROOT [MCVPND]
#
# 1. Every page renders without a single groff or man warning.
# 2. Every key in the key table of conf/keys.c has an entry of its own in
#    mcvpn.conf(5) (a .TP tag "key=..."), every key of its not-supported list is
#    named in the page's KEYS NOT SUPPORTED section, and that section names no
#    other key.
# 3. Every long option of mcvpnd and mcvpnctl has an entry in its page; every
#    daemon command of the catalog (daemon/ctl/catalog.c) has an entry in
#    mcvpnctl(8)'s COMMANDS whose tag matches the command's usage string, and
#    COMMANDS has no entry for a command the catalog lacks; mcvpnctl(8)'s
#    SYNOPSIS names every command of the catalog, offline ones too, and no
#    other.
# 4. The EXAMPLES of mcvpn.conf(5) are the AWS/OCI pair of tests/configs,
#    and (given MCVPND) each side passes "mcvpnd --check".
# 5. The route protocol: packaging/rt_protos.conf names NL_RTPROT_MCVPN of
#    netlink/nl.h "mcvpn", and mcvpnd(8) says "proto mcvpn".
# 6. Every key of conf/setup.c's setup_keys[] table has an entry in
#    mcvpn.conf(5)'s CONFIG SETUP; every metric family the daemon writes (a
#    "mcvpn_..." string in daemon/) has an entry in mcvpnd(8)'s METRICS (a
#    .TP tag "mcvpn_name{labels}"), and METRICS has none the daemon lacks.
# Needs groff (Debian: groff-base) and man (Debian: man-db).
set -u

src=${1:?usage: test_docs.sh SOURCE_ROOT [MCVPND]}
mcvpnd=${2:-}
man_dir=$src/man
conf_page=$man_dir/mcvpn.conf.5
pages="$man_dir/mcvpnd.8 $man_dir/mcvpnctl.8 $conf_page"
failures=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# roff source -> the words a reader sees: "\-" is "-", font changes go.
plain() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\&//g' \
	    -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' "$1"
}

# Tag lines (plain) -> the text a reader sees: the arguments of .B and .I
# joined by blanks, those of the alternating macros (.BR, .BI, .RB, ...) run
# together, as groff prints them; a line that is no macro call stays.
tag_text() {
	awk '{
		if ($0 !~ /^\.[BIR][BIR]? /) { print; next }
		mac = substr($0, 2, index($0, " ") - 2); rest = substr($0, length(mac) + 3)
		sep = length(mac) == 1 ? " " : ""; out = ""; n = 0
		while (rest != "") {
			sub(/^ +/, "", rest)
			if (rest == "") break
			if (substr(rest, 1, 1) == "\"") {
				rest = substr(rest, 2); i = index(rest, "\"")
				arg = i ? substr(rest, 1, i - 1) : rest; rest = i ? substr(rest, i + 1) : ""
			} else {
				i = index(rest, " ")
				arg = i ? substr(rest, 1, i - 1) : rest; rest = i ? substr(rest, i) : ""
			}
			out = out (n++ ? sep : "") arg
		}
		gsub(/  +/, " ", out); sub(/ +$/, "", out); print out
	}'
}

# The lines of file ("-": stdin) between the first line matching start and
# the next line matching end (both EREs), neither included.  Only POSIX forms
# that every awk reads alike: the EREs come through ENVIRON, not -v (which
# reads escapes, and gawk and mawk read "\[" differently), and they escape
# nothing: a bracket expression stands for a literal ("[[]", "[.]", "[{]").
between() {
	S=$2 E=$3 awk 'BEGIN { s = ENVIRON["S"]; e = ENVIRON["E"] }
		on && $0 ~ e { exit } on { print } $0 ~ s { on = 1 }' "$1"
}

# ---- 1. rendering ----
for tool in groff man; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "FAIL: '$tool' is not installed (Debian packages: groff-base man-db)"
		exit 1
	fi
done
for page in $pages; do
	name=$(basename "$page")
	if [ ! -f "$page" ]; then
		fail "$name: missing"
		continue
	fi
	LC_ALL=C groff -man -ww -z "$page" 2>"$tmp/groff.err"
	if [ -s "$tmp/groff.err" ]; then
		fail "$name: groff -man -ww warns (expected no output):"
		sed 's/^/    /' "$tmp/groff.err"
	fi
	LC_ALL=C MANWIDTH=80 MANPAGER=cat PAGER=cat \
		man --warnings -E UTF-8 -l "$page" >"$tmp/man.out" 2>"$tmp/man.err"
	if [ -s "$tmp/man.err" ]; then
		fail "$name: man --warnings warns (expected no output):"
		sed 's/^/    /' "$tmp/man.err"
	fi
	if [ "$(wc -l <"$tmp/man.out")" -lt 20 ]; then
		fail "$name: man rendered only $(wc -l <"$tmp/man.out") lines"
	fi
done

# ---- 2. configuration keys ----
plain "$conf_page" >"$tmp/conf.txt"
between "$src/conf/keys.c" 'struct key_def keys[[][]] *= *[{]' '^[}];' |
	sed -n 's/^[[:space:]]*{[[:space:]]*"\([^"]*\)".*/\1/p' >"$tmp/keys"
between "$src/conf/keys.c" 'not_yet[[][]] *= *[{]' '^[}];' |
	grep -o '"[^"]*"' | tr -d '"' >"$tmp/not_yet"
n_keys=$(wc -l <"$tmp/keys")
n_not_yet=$(wc -l <"$tmp/not_yet")
if [ "$n_keys" -lt 15 ]; then
	fail "found $n_keys keys in conf/keys.c's key table (expected at least 15: did the table's layout change?)"
fi
if [ "$n_not_yet" -lt 20 ]; then
	fail "found $n_not_yet keys in conf/keys.c's not_yet list (expected at least 20: did its layout change?)"
fi
# The keys that have an entry of their own: a tag line after .TP or .TQ.
awk 'prev ~ /^\.T[PQ]$/ && /^\.B[IR]? [a-z0-9_-]+=/ {
	sub(/^\.B[IR]? /, ""); sub(/=.*/, ""); print } { prev = $0 }' "$tmp/conf.txt" >"$tmp/tags"
while read -r key; do
	case $key in
	*[!a-z0-9_-]*) fail "odd key name '$key' extracted from conf/keys.c"; continue ;;
	esac
	grep -qx "$key" "$tmp/tags" ||
		fail "mcvpn.conf.5 has no entry for '$key=' (a .TP/.TQ tag '.B $key=...'; it is in conf/keys.c's key table)"
done <"$tmp/keys"
between "$tmp/conf.txt" '^[.]SH KEYS NOT SUPPORTED' '^[.]SH' >"$tmp/not_yet.txt"
while read -r key; do
	case $key in
	*[!a-z0-9_-]*) fail "odd key name '$key' extracted from conf/keys.c"; continue ;;
	esac
	grep -Eq "^\.BR? $key( |$)" "$tmp/not_yet.txt" ||
		fail "mcvpn.conf.5 KEYS NOT SUPPORTED does not list '$key' as '.B $key' or '.BR $key ,' (it is in conf/keys.c's not_yet list)"
done <"$tmp/not_yet"
# ...and the section names no key that is supported, or that mcvpnd would call
# unknown: the lists there are lines ".B key" or ".BR key ," (or " :"); the
# keys the text refers to are written "key=" and are not taken.
sed -n 's/^\.BR\{0,1\} \([a-z0-9_-]*\)\( [,:;)]\)\{0,1\}$/\1/p' "$tmp/not_yet.txt" >"$tmp/listed"
[ "$n_keys" -lt 15 ] || [ "$n_not_yet" -lt 20 ] || while read -r key; do
	if grep -qx "$key" "$tmp/keys"; then
		fail "mcvpn.conf.5 KEYS NOT SUPPORTED lists '$key', but conf/keys.c's key table supports it (give it an entry of its own instead)"
	elif ! grep -qx "$key" "$tmp/not_yet"; then
		fail "mcvpn.conf.5 KEYS NOT SUPPORTED lists '$key', which is not in conf/keys.c's not_yet list (mcvpnd calls it an unknown key)"
	fi
done <"$tmp/listed"
echo "checked $n_keys keys and $n_not_yet not-supported keys against mcvpn.conf.5"

# ---- 3. options and commands ----
check_options() {	# C_FILE PAGE
	between "$1" 'struct option opts[[][]] *= *[{]' '^[[:space:]]*[}];' |
		sed -n 's/^[[:space:]]*{[[:space:]]*"\([^"]*\)".*/\1/p' >"$tmp/opts"
	[ -s "$tmp/opts" ] || fail "no long options found in $1 (did its option table change?)"
	# the tag lines (after .TP) of the page: each option has one
	plain "$2" | awk 'prev == ".TP" { print } { prev = $0 }' >"$tmp/page.tags"
	while read -r opt; do
		grep -Eq -- "--$opt( |\"|$)" "$tmp/page.tags" ||
			fail "$(basename "$2") has no entry for --$opt (it is in $(basename "$1"))"
	done <"$tmp/opts"
}
check_options "$src/daemon/main.c" "$man_dir/mcvpnd.8"
# ...and mcvpnd --help names each of them too (its text is written by hand)
if [ -n "$mcvpnd" ]; then
	"$mcvpnd" --help >"$tmp/help" 2>&1 || fail "mcvpnd --help exits non-zero"
	while read -r opt; do
		grep -Eq -- "--$opt( |\]|$)" "$tmp/help" ||
			fail "mcvpnd --help does not list --$opt (it is in main.c's option table)"
	done <"$tmp/opts"
fi
check_options "$src/daemon/mcvpnctl/mcvpnctl.c" "$man_dir/mcvpnctl.8"

# The control commands: the rows '{ "name", min, max, offline, "usage",
# "summary" },' of ctl_catalog[] in daemon/ctl/catalog.c, as
# "name<TAB>usage<TAB>offline".
between "$src/daemon/ctl/catalog.c" 'ctl_catalog[[][]] *= *[{]' '^[}];' |
	sed -n 's/^[[:space:]]*{[[:space:]]*"\([^"]*\)",[^"]*,[[:space:]]*\(true\|false\),[[:space:]]*"\([^"]*\)",[[:space:]]*"[^"]*"[[:space:]]*},.*/\1	\3	\2/p' \
	>"$tmp/catalog"
grep '	false$' "$tmp/catalog" | cut -f 1,2 >"$tmp/commands"
n_cmds=$(wc -l <"$tmp/commands")
if [ "$n_cmds" -lt 2 ]; then
	fail "found $n_cmds daemon commands in ctl_catalog[] of daemon/ctl/catalog.c (expected at least 2: did the table's layout change?)"
fi
# The tags of COMMANDS' own entries (a .TP at the section's level, not the
# replies nested in .RS/.RE), as plain words: "rekey name [child|ike]".
plain "$man_dir/mcvpnctl.8" | between - '^[.]SH COMMANDS' '^[.]SH' |
	awk '/^\.RS/ { depth++ } /^\.RE/ { depth-- }
	     prev == ".TP" && depth == 0 { print } { prev = $0 }' |
	tag_text >"$tmp/command.tags"
while IFS="$(printf '\t')" read -r cmd usage; do
	tag=$(awk -v c="$cmd" '$1 == c { print; exit }' "$tmp/command.tags")
	if [ -z "$tag" ]; then
		fail "mcvpnctl.8 COMMANDS has no entry for '$cmd' (a .TP tag starting with '$cmd'; daemon/ctl/catalog.c has it, usage '$usage')"
	elif [ "$tag" != "$(echo "$usage" | tr 'A-Z' 'a-z')" ]; then
		fail "mcvpnctl.8 COMMANDS shows '$cmd' as '$tag', but daemon/ctl/catalog.c's usage is '$usage' (expected the same words, argument names in lower case)"
	fi
done <"$tmp/commands"
[ "$n_cmds" -lt 2 ] || cut -d ' ' -f 1 "$tmp/command.tags" | while read -r cmd; do
	cut -f 1 "$tmp/commands" | grep -qx -- "$cmd" ||
		echo "FAIL: mcvpnctl.8 COMMANDS has an entry for '$cmd', which is not a daemon command of daemon/ctl/catalog.c (mcvpnctl refuses it)"
done >"$tmp/extra"
if [ -s "$tmp/extra" ]; then
	cat "$tmp/extra"
	failures=$((failures + $(wc -l <"$tmp/extra")))
fi
echo "checked $n_cmds control commands against mcvpnctl.8"

# SYNOPSIS: a line ".B mcvpnctl" (with options) followed by ".B command" or a
# ".B mcvpnctl command" line, for each command of the catalog.
plain "$man_dir/mcvpnctl.8" | between - '^[.]SH SYNOPSIS' '^[.]SH' |
	awk 'prev ~ /^\.B mcvpnctl$/ || prev ~ /^\.RB \[ --socket/ || prev ~ /^\.IR path \]$/ {
		if ($0 ~ /^\.B [a-z]/) { print $2 } }
	     /^\.B mcvpnctl [a-z]/ { print $3 } { prev = $0 }' | sort -u >"$tmp/synopsis"
cut -f 1 "$tmp/catalog" | sort -u >"$tmp/catalog.names"
if [ "$(wc -l <"$tmp/catalog.names")" -lt 4 ]; then
	fail "found $(wc -l <"$tmp/catalog.names") commands in daemon/ctl/catalog.c (did the table's layout change?)"
fi
comm -23 "$tmp/catalog.names" "$tmp/synopsis" | while read -r cmd; do
	echo "FAIL: mcvpnctl.8 SYNOPSIS does not name '$cmd' (daemon/ctl/catalog.c has it)"
done >"$tmp/syn.missing"
comm -13 "$tmp/catalog.names" "$tmp/synopsis" | while read -r cmd; do
	echo "FAIL: mcvpnctl.8 SYNOPSIS names '$cmd', which daemon/ctl/catalog.c lacks"
done >>"$tmp/syn.missing"
if [ -s "$tmp/syn.missing" ]; then
	cat "$tmp/syn.missing"
	failures=$((failures + $(wc -l <"$tmp/syn.missing")))
fi
echo "checked $(wc -l <"$tmp/catalog.names") commands against mcvpnctl.8's SYNOPSIS"

# ---- 4. the example pair ----
between "$tmp/conf.txt" '^[.]SH EXAMPLES' '^[.]SH' >"$tmp/examples.txt"
awk -v dir="$tmp" '
	/^\.EX/ { n++; on = 1; next }
	/^\.EE/ { on = 0; next }
	on { print > (dir "/example." n) }' "$tmp/examples.txt"
for side in aws oci; do
	case $side in aws) ex=$tmp/example.1 ;; oci) ex=$tmp/example.2 ;; esac
	for ref in "$src/tests/configs/$side"/*.conf; do break; done
	if [ ! -f "$ex" ] || [ ! -f "$ref" ]; then
		fail "EXAMPLES: no $side example in mcvpn.conf.5 or no tests/configs/$side/*.conf"
		continue
	fi
	grep -v '^#' "$ref" >"$tmp/ref.conf"
	if ! diff -u "$tmp/ref.conf" "$ex" >"$tmp/diff"; then
		fail "EXAMPLES: the $side example in mcvpn.conf.5 differs from $ref (expected the same conn, comments aside):"
		sed 's/^/    /' "$tmp/diff"
	fi
	[ -n "$mcvpnd" ] || continue
	mkdir -p "$tmp/$side.d"
	cp "$ex" "$tmp/$side.d/example.conf"
	grep ': PSK' "$tmp/example.3" >"$tmp/$side.d/example.secrets" 2>/dev/null
	chmod 600 "$tmp/$side.d/example.secrets"
	if ! "$mcvpnd" --config-dir "$tmp/$side.d" --check >"$tmp/check.out" 2>&1; then
		fail "EXAMPLES: mcvpnd --check refuses the $side example (expected it to load):"
		sed 's/^/    /' "$tmp/check.out"
	else
		echo "mcvpnd --check accepts the $side example"
	fi
done

# ---- 5. the route protocol ----
proto=$(sed -n 's/^#define NL_RTPROT_MCVPN \([0-9]*\).*/\1/p' "$src/netlink/nl.h")
named=$(awk '!/^#/ && $2 == "mcvpn" { print $1 }' "$src/packaging/rt_protos.conf")
if [ -z "$proto" ] || [ "$proto" != "$named" ]; then
	fail "packaging/rt_protos.conf names ${named:-no number} mcvpn, netlink/nl.h's NL_RTPROT_MCVPN is ${proto:-missing}"
fi
if ! plain "$man_dir/mcvpnd.8" | grep -q 'proto mcvpn'; then
	fail "mcvpnd.8 does not say 'proto mcvpn' (the routes' protocol)"
fi

# ---- 6. config setup keys, metric families ----
between "$src/conf/setup.c" 'struct setup_def setup_keys[[][]] *= *[{]' '^[}];' |
	sed -n 's/^[[:space:]]*{[[:space:]]*"\([^"]*\)".*/\1/p' >"$tmp/setup_keys"
[ -s "$tmp/setup_keys" ] || fail "no keys found in conf/setup.c's setup_keys[] table (did its layout change?)"
between "$tmp/conf.txt" '^[.]SH CONFIG SETUP' '^[.]SH' |
	awk 'prev ~ /^\.T[PQ]$/ { sub(/^\.B[IR]? /, ""); sub(/=.*/, ""); print } { prev = $0 }' >"$tmp/setup_tags"
while read -r key; do
	grep -qx "$key" "$tmp/setup_tags" ||
		fail "mcvpn.conf.5 CONFIG SETUP has no entry for '$key=' (it is in conf/setup.c's setup_keys[] table)"
done <"$tmp/setup_keys"
grep -rho '"mcvpn_[a-z0-9_]*"' "$src/daemon" | tr -d '"' | sort -u >"$tmp/families"
plain "$man_dir/mcvpnd.8" | between - '^[.]SH METRICS' '^[.]SH' |
	awk 'prev == ".TP" { print } { prev = $0 }' |
	sed -n 's/^\.B "\{0,1\}\(mcvpn_[a-z0-9_]*\).*/\1/p' | sort >"$tmp/family_tags"
n_families=$(wc -l <"$tmp/families")
if [ "$n_families" -lt 10 ]; then
	fail "found $n_families metric families in daemon/ (expected at least 10: are they still \"mcvpn_...\" strings?)"
fi
while read -r f; do
	grep -qx "$f" "$tmp/family_tags" ||
		fail "mcvpnd.8 METRICS has no entry for $f (a .TP tag '.B $f{labels}'; the daemon writes it)"
done <"$tmp/families"
while read -r f; do
	grep -qx "$f" "$tmp/families" ||
		fail "mcvpnd.8 METRICS documents $f, which the daemon does not write"
done <"$tmp/family_tags"
echo "checked $(wc -l <"$tmp/setup_keys") config setup keys and $n_families metric families against the pages"

if [ "$failures" -ne 0 ]; then
	echo "$failures problem(s) in the manual pages"
	exit 1
fi
echo "manual pages OK"
