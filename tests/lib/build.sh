# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Configuring and building with meson.  Needs common.sh.

# build_setup DIR [MESON ARGS...]: configure DIR, or reconfigure it when it
# was configured before (wipe and start again if that fails).
build_setup() {
	local dir=$1
	shift
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		meson setup --reconfigure "$dir" "$@" ||
			meson setup --wipe "$dir" "$@"
	else
		meson setup "$dir" "$@"
	fi
}

# build_ensure DIR: configure DIR only when it has never been, then build.
build_ensure() {
	local dir=$1
	if [ ! -f "$dir/build.ninja" ]; then
		build_setup "$dir" || return 1
	fi
	ninja -C "$dir"
}
