#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build mcvpn.pp with the reference policy's devel Makefile in a scratch
# directory (the Makefile writes beside its sources).
#   build.sh MAKEFILE OUTDIR mcvpn.te mcvpn.if mcvpn.fc
set -eu
makefile=$1 outdir=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$@" "$work"/
make -s -C "$work" -f "$makefile" mcvpn.pp >"$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
cp "$work/mcvpn.pp" "$outdir/mcvpn.pp"
