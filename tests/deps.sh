#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install what mcvpn needs to build and to run its tests (Debian 12).
# Idempotent and fast when nothing is missing: it asks dpkg first and runs
# apt-get (one update, --no-install-recommends) only for missing packages.
#
# Usage: sudo tests/deps.sh
set -euo pipefail

PKGS=(
	# build
	build-essential meson ninja-build pkg-config
	libssl-dev libmnl-dev libevent-dev libsystemd-dev
	# the manual pages' test (tests/unit/docs) renders them, and runs under
	# each awk that Debian may make /usr/bin/awk
	groff-base man-db gawk mawk
	# fuzzing (libFuzzer ships in libclang-rt)
	clang libclang-rt-14-dev
	# netns tests (python3 listens on NOTIFY_SOCKET; setpriv is in util-linux)
	iproute2 nftables iputils-ping procps python3 util-linux
	# the NAT test makes the NAT forget its mappings
	conntrack
	# the metrics test: Prometheus (and promtool) scrape mcvpnd in a
	# namespace; the rules test runs promtool
	prometheus curl
	# the BGP test: Debian's FRR (zebra, bgpd, vtysh), run by the test in
	# its namespaces with paths of its own; the package's frr.service
	# (started by the install only where systemd runs: zebra, staticd) stays
	# in the host's namespace with its own sockets, and the two never meet
	frr
	# the service test (systemd-analyze) and the packaging test (a .deb, the
	# firewalld service checked with xmllint, the SELinux module compiled)
	systemd debhelper dpkg-dev libxml2-utils selinux-policy-dev checkpolicy make
	# ...and the source RPM (rpmbuild -bs/-ts) from the meson dist tarball
	rpm git
	# the certificate tests make their PKI with openssl(1)
	openssl
	# strongSwan as the interop peer (kernel-libipsec is in the extra plugins,
	# openssl and gcm in the standard ones).  Never add libreswan: it conflicts.
	strongswan-charon strongswan-swanctl libcharon-extra-plugins
	libstrongswan-standard-plugins libstrongswan-extra-plugins
	# ...and its pki tool, which makes the certificates of the interop
	# test with certificates (tests/interop/test_strongswan_cert.sh)
	strongswan-pki
	# libreswan's pluto as a peer (tests/interop/test_libreswan.sh unpacks
	# the libreswan .deb itself, never installed): the libraries it needs
	# that nothing above brings, and certutil for its NSS database
	libldns3 libunbound8 libcurl3-nss libevent-pthreads-2.1-7 libnss3 libnss3-tools
)

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages installed"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "deps: missing ${missing[*]}; run as root" >&2; exit 1; }
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-q -y -o DPkg::Lock::Timeout=300)
apt-get "${apt_opts[@]}" update
apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}" </dev/null
echo "deps: done"
