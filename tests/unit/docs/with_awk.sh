#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# with_awk.sh AWK CMD...: run CMD with "awk" in PATH being AWK (gawk, mawk:
# a program found in PATH), so that a script is checked under each awk that
# Debian may make /usr/bin/awk (mawk by default, gawk once installed).
# Exits 77 (meson: skipped) when AWK is not installed.
set -u
want=${1:?usage: with_awk.sh AWK CMD...}
shift
prog=$(command -v "$want") || { echo "$want is not installed: skipped"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
ln -s "$prog" "$dir/awk"
echo "awk is $prog"
PATH=$dir:$PATH "$@"
