#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every source file names its license in its first lines
# ("SPDX-License-Identifier: Apache-2.0"), and LICENSE is the Apache License
# 2.0 that it names.  Source files: C, shell, Python, meson, the packaging
# (unit, spec, rules, SELinux policy, firewalld service, completion) and the
# manual pages; test fixtures (tests/import: an operator's files) and fuzz corpora are
# data, not source.
# Reads `git ls-files` in a clone, every file (build directories left out)
# in a release tarball.  Exits non-zero naming each file without it.
#
#   test_spdx.sh SOURCE_ROOT
set -u
src=${1:?usage: test_spdx.sh SOURCE_ROOT}
cd "$src" || exit 1

list_files() {
	if [ -e .git ] && git ls-files >/dev/null 2>&1; then
		git ls-files
		return
	fi
	# a tarball: its files, without the build directories made in it
	find . -type d -name meson-private | sed 's|^\./||; s|/meson-private$||' >"$tmp/builds"
	find . -type f | sed 's|^\./||' | grep -vFf "$tmp/builds" 2>/dev/null ||
		find . -type f | sed 's|^\./||'
}

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
list_files | grep -E '\.(c|h|sh|py|te|if|fc|spec|service|xml|[58])$|(^|/)meson\.build$|^meson_options\.txt$|^\.ci/run$|^packaging/bash-completion/|^packaging/debian/rules$|^tests/netns/fake/' |
	grep -Ev '^tests/(fuzz/corpus|import)/' >"$tmp/files"

n=0 bad=0
while IFS= read -r f; do
	n=$((n + 1))
	if ! head -n 5 "$f" | grep -q 'SPDX-License-Identifier: Apache-2\.0'; then
		echo "FAIL: $f: no 'SPDX-License-Identifier: Apache-2.0' in its first 5 lines"
		bad=$((bad + 1))
	fi
done <"$tmp/files"
[ "$n" -gt 100 ] || { echo "FAIL: only $n source files found under $src"; bad=$((bad + 1)); }

if ! grep -q '^ *Apache License$' LICENSE 2>/dev/null ||
   ! grep -q 'Version 2.0, January 2004' LICENSE; then
	echo "FAIL: LICENSE is not the Apache License 2.0"
	bad=$((bad + 1))
fi
echo "license: $n source files checked, $bad failed"
[ "$bad" -eq 0 ]
