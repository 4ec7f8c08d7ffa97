# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# The preamble of a netns test script: the shared helpers (common.sh,
# topo.sh, mcvpn.sh), root, the built binaries, and the cleanup at exit.
# Source it first thing: . "$(dirname "$0")/../lib/netns_test.sh"
# HERE is then the calling script's directory.
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$LIB/common.sh"
. "$LIB/topo.sh"
. "$LIB/mcvpn.sh"

need_root
mcvpn_need_bins
cleanup_init
