#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Packaging: `meson install` into a scratch root puts every file where the
# unit and the man pages say it is; its sysusers.d file makes the user
# mcvpn that the unit runs as; the Debian package builds from
# packaging/debian and unpacks into a scratch root with the same files and
# modes (/etc/mcvpn.d 0700), its postinst makes the user and gives it
# /etc/mcvpn.d; the RPM spec names every installed file and makes the user
# in %pre; the firewalld service opens UDP 500 and 4500; the SELinux module
# compiles, labels the paths the unit and the daemon use, and lets mcvpnd
# --user switch.  Ends with "N passed, N failed".
# shellcheck source-path=SCRIPTDIR/../lib
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"

cleanup_init

EXPECTED=(
	usr/sbin/mcvpnd
	usr/sbin/mcvpnctl
	lib/systemd/system/mcvpnd.service
	usr/share/man/man8/mcvpnd.8
	usr/share/man/man8/mcvpnctl.8
	usr/share/man/man5/mcvpn.conf.5
	usr/share/doc/mcvpn/examples/aws/oracle-tunnel-1.conf
	usr/share/doc/mcvpn/examples/oci/oracle-tunnel-1.conf
	usr/share/doc/mcvpn/examples/prometheus/mcvpn-rules.yml
	usr/share/doc/mcvpn/examples/90-mcvpn.conf
	etc/mcvpn.d
	etc/iproute2/rt_protos.d/mcvpn.conf
	usr/lib/firewalld/services/mcvpn.xml
	usr/share/selinux/packages/mcvpn.pp
	usr/share/selinux/devel/include/contrib/mcvpn.if
	usr/share/bash-completion/completions/mcvpnctl
	usr/lib/sysusers.d/mcvpn.conf
)

# has_files ROOT LABEL: every expected path exists under ROOT (man pages may be gzipped).
has_files() {
	local root=$1 label=$2 f
	for f in "${EXPECTED[@]}"; do
		if [ -e "$root/$f" ] || [ -e "$root/$f.gz" ]; then
			pass "$label: /$f"
		else
			fail "$label: /$f" "not found under $root" "got: $(cd "$root" && find . -type f | head -n 20 | tr '\n' ' ')"
		fi
	done
}

test_meson_install() {
	local b="$WORK/build" root="$WORK/root"
	section "meson install into a scratch root"
	if ! meson setup --prefix=/usr --sysconfdir=/etc "$b" "$REPO" >"$WORK/setup.log" 2>&1 ||
	   ! ninja -C "$b" >"$WORK/ninja.log" 2>&1; then
		fail "build for install" "$(tail -n 5 "$WORK/setup.log" "$WORK/ninja.log")"
		return
	fi
	DESTDIR="$root" meson install -C "$b" --no-rebuild >"$WORK/install.log" 2>&1 ||
		fail "meson install" "$(tail -n 5 "$WORK/install.log")"
	has_files "$root" "meson install"
	check_match "installed unit runs /usr/sbin/mcvpnd" '^ExecStart=/usr/sbin/mcvpnd$' \
		"$(cat "$root/lib/systemd/system/mcvpnd.service" 2>/dev/null)"
	check_eq "/etc/mcvpn.d is mode 0700" 700 "$(stat -c %a "$root/etc/mcvpn.d" 2>/dev/null)"
	check_match "installed unit runs as User=mcvpn" '^User=mcvpn$' \
		"$(cat "$root/lib/systemd/system/mcvpnd.service" 2>/dev/null)"
	check_sysusers "$root"
	check "installed mcvpnd --check accepts the installed AWS example" \
		"$root/usr/sbin/mcvpnd" --check --config-dir "$(example_dir "$root")"
}

# check_sysusers ROOT: systemd-sysusers makes, from the installed file, the
# user mcvpn and its group (in a scratch root of its own).
check_sysusers() {
	local sys="$WORK/sysusers-root"
	mkdir -p "$sys/etc"
	if systemd-sysusers --root="$sys" "$1/usr/lib/sysusers.d/mcvpn.conf" >"$WORK/sysusers.log" 2>&1; then
		pass "systemd-sysusers reads mcvpn.conf"
	else
		fail "systemd-sysusers reads mcvpn.conf" "$(cat "$WORK/sysusers.log")"
	fi
	check_match "it makes the system user mcvpn, no login" '^mcvpn:x:[0-9]+:[0-9]+:.*:/:/usr/sbin/nologin$' \
		"$(cat "$sys/etc/passwd" 2>/dev/null)"
	check_match "and its group mcvpn" '^mcvpn:x:[0-9]+:' "$(cat "$sys/etc/group" 2>/dev/null)"
}

# The examples' secrets files are installed 0644 like all docs; a copy at 0600 is what an operator makes.
example_dir() {
	local d="$WORK/example"
	mkdir -m 700 "$d"
	cp "$1/usr/share/doc/mcvpn/examples/aws/"* "$d/"
	chmod 600 "$d"/*.secrets
	printf '%s' "$d"
}

test_deb() {
	local src="$WORK/src" deb
	section "Debian package"
	if ! command -v dpkg-buildpackage >/dev/null || ! dpkg -s debhelper >/dev/null 2>&1; then
		fail "dpkg-buildpackage and debhelper installed" "run tests/deps.sh"
		return
	fi
	mkdir -p "$src"
	git -C "$REPO" ls-files -z | (cd "$REPO" && xargs -0 cp --parents -t "$src")
	cp -r "$src/packaging/debian" "$src/debian"
	# its tests are run as a user below (test_check_as_user)
	if (cd "$src" && DEB_BUILD_OPTIONS=nocheck DEB_BUILD_PROFILES=nocheck \
		dpkg-buildpackage -us -uc -b -d) >"$WORK/deb.log" 2>&1; then
		pass "dpkg-buildpackage -b"
	else
		fail "dpkg-buildpackage -b" "$(tail -n 15 "$WORK/deb.log")"
		return
	fi
	deb=$(ls "$WORK"/mcvpn_*.deb 2>/dev/null | head -n 1)
	check "the .deb exists" test -f "$deb"
	dpkg-deb -x "$deb" "$WORK/debroot" 2>/dev/null
	has_files "$WORK/debroot" "mcvpn.deb"
	check_match "package metadata names it mcvpn" '^ Package: mcvpn$' "$(dpkg-deb -I "$deb")"
	check_match "the .deb holds /etc/mcvpn.d as 0700 (it holds secrets)" \
		'^drwx------ root/root .* \./etc/mcvpn\.d/$' "$(dpkg-deb -c "$deb")"
	check_not "the .deb conflicts with neither libreswan nor strongSwan (a staged cutover)" \
		grep -q '^ Conflicts:' <<<"$(dpkg-deb -I "$deb")"
	dpkg-deb -e "$deb" "$WORK/debcontrol" 2>/dev/null
	check_match "postinst makes the user mcvpn" '^[[:space:]]*systemd-sysusers mcvpn\.conf$' \
		"$(cat "$WORK/debcontrol/postinst" 2>/dev/null)"
	check_match "postinst gives /etc/mcvpn.d to mcvpn" '^[[:space:]]*chown -R mcvpn:mcvpn /etc/mcvpn\.d$' \
		"$(cat "$WORK/debcontrol/postinst" 2>/dev/null)"
	check "postinst does both before the service is (re)started" awk '
		/chown -R mcvpn:mcvpn/ && !seen_start { ok = 1 }
		/deb-systemd-invoke|invoke-rc\.d/ { seen_start = 1 }
		END { exit !(ok && seen_start) }' "$WORK/debcontrol/postinst"
}

# The service definition firewalld reads: well-formed, UDP 500 and 4500.
test_firewalld() {
	local xml="$REPO/packaging/firewalld/mcvpn.xml" ports
	section "firewalld service"
	check "xmllint accepts mcvpn.xml" xmllint --noout "$xml"
	ports=$(xmllint --xpath '/service/port/@port' "$xml" 2>/dev/null | tr -s ' \n' ' ')
	check_match "it opens UDP 500 and 4500" 'port="500" port="4500"' "$ports"
	check_eq "every port is UDP" 2 "$(xmllint --xpath 'count(/service/port[@protocol="udp"])' "$xml")"
	check_eq "nothing else" 2 "$(xmllint --xpath 'count(/service/*[not(self::short or self::description)])' "$xml")"
}

# The SELinux module: it compiles with the reference policy's devel Makefile
# (selinux-policy-dev; what the RPM's build does with selinux-policy-devel),
# declares mcvpnd's domain, and its file contexts name the paths that the
# unit, meson and the daemon use.
test_selinux() {
	local d="$REPO/packaging/selinux" mf=/usr/share/selinux/devel/Makefile fc
	section "SELinux policy module"
	if [ ! -f "$mf" ]; then
		fail "$mf installed" "run tests/deps.sh (selinux-policy-dev, checkpolicy)"
		return
	fi
	if "$d/build.sh" "$mf" "$WORK" "$d/mcvpn.te" "$d/mcvpn.if" "$d/mcvpn.fc" >"$WORK/se.log" 2>&1; then
		pass "mcvpn.pp compiles"
	else
		fail "mcvpn.pp compiles" "$(tail -n 15 "$WORK/se.log")"
		return
	fi
	check "the module declares mcvpnd_t" grep -qa mcvpnd_t "$WORK/mcvpn.pp"
	fc=$(cat "$d/mcvpn.fc")
	check_match "mcvpnd's binary labelled mcvpnd_exec_t" '^/usr/sbin/mcvpnd[[:space:]].*mcvpnd_exec_t' "$fc"
	check_match "/etc/mcvpn.d labelled mcvpnd_conf_t" '^/etc/mcvpn\\\.d\(/\.\*\)\?[[:space:]].*mcvpnd_conf_t' "$fc"
	check_match "the unit's RuntimeDirectory is mcvpn" '^RuntimeDirectory=mcvpn$' \
		"$(cat "$REPO/packaging/mcvpnd.service")"
	check_match "the control socket is in /run/mcvpn" '"/run/mcvpn/' "$(cat "$REPO/daemon/ctl/server.h")"
	check_match "/run/mcvpn labelled mcvpnd_runtime_t" '^/run/mcvpn\(/\.\*\)\?[[:space:]].*mcvpnd_runtime_t' "$fc"
	check_match "the ipsec ports (UDP 500, 4500) may be bound" \
		'corenet_udp_bind_isakmp_port.*corenet_udp_bind_ipsecnat_port' "$(tr '\n' ' ' <"$d/mcvpn.te")"
	check_match "mcvpnd --user may switch (setuid, setgid, setpcap; setcap)" \
		'self:capability \{ setuid setgid setpcap chown \};.*self:process \{ getcap setcap \};' \
		"$(tr '\n' ' ' <"$d/mcvpn.te")"
}

test_rpm_spec() {
	local spec="$REPO/packaging/rpm/mcvpn.spec" f
	section "RPM spec"
	for f in '%{_sbindir}/mcvpnd' '%{_sbindir}/mcvpnctl' '%{_unitdir}/mcvpnd.service' \
		 'man8/mcvpnd.8' 'man8/mcvpnctl.8' 'man5/mcvpn.conf.5' '%{_sysconfdir}/mcvpn.d' \
		 '%{_sysconfdir}/iproute2/rt_protos.d/mcvpn.conf' \
		 '%{_prefix}/lib/firewalld/services/mcvpn.xml' '%{_datadir}/selinux/packages/mcvpn.pp' \
		 '%{_datadir}/bash-completion/completions/mcvpnctl' '%{_sysusersdir}/mcvpn.conf'; do
		check "spec lists $f" grep -qF -- "$f" "$spec"
	done
	check_match "spec: /etc/mcvpn.d is mcvpn's, 0700" '^%dir %attr\(0700,mcvpn,mcvpn\) %\{_sysconfdir\}/mcvpn\.d$' \
		"$(cat "$spec")"
	check_match "spec: %pre makes the user mcvpn" '^getent passwd mcvpn >/dev/null \|\| useradd -r -g mcvpn' \
		"$(sed -n '/^%pre$/,/^%post$/p' "$spec")"
	check_match "spec version matches meson.build" \
		"^Version: *$(sed -n "s/^  version: '\(.*\)',/\1/p" "$REPO/meson.build")\$" "$(cat "$spec")"
}

# The oldest meson the build claims to need: nothing newer is used (meson
# itself warns when a feature is newer than the declared minimum), and it is
# one Oracle Linux 9 ships (0.63.3, CodeReady Builder).
test_meson_version() {
	local declared
	section "meson's minimum version"
	declared=$(sed -n "s/^ *meson_version: '>= *\([0-9.]*\)',.*/\1/p" "$REPO/meson.build")
	check_match "meson.build declares a minimum" '^[0-9]+\.[0-9]+' "$declared"
	check "$declared is at most Oracle Linux 9's meson (0.63.3)" \
		dpkg --compare-versions "$declared" le 0.63.3
	check_not "meson finds nothing newer than $declared in the build files" \
		grep -q "uses features which were added in newer versions" "$WORK/setup.log"
}

# The release tarball (meson dist: the committed tree) and the source
# packages made from it: rpmbuild -bs with the spec, rpmbuild -ts from the
# tarball alone (the spec inside it), and a Debian native source package
# (dpkg-source refuses a native version with a revision).
test_source_packages() {
	local ver tarball dsrc
	section "source packages"
	ver=$(sed -n "s/^  version: '\(.*\)',/\1/p" "$REPO/meson.build")
	if ! meson dist -C "$WORK/build" --no-tests --allow-dirty --formats xztar >"$WORK/dist.log" 2>&1; then
		fail "meson dist" "$(tail -n 10 "$WORK/dist.log")"
		return
	fi
	tarball=$WORK/build/meson-dist/mcvpn-$ver.tar.xz
	check "meson dist makes mcvpn-$ver.tar.xz (the spec's Source0)" test -f "$tarball"
	check_match "the tarball holds the spec" "^mcvpn-$ver/packaging/rpm/mcvpn.spec\$" \
		"$(tar tJf "$tarball")"
	if command -v rpmbuild >/dev/null; then
		check "rpmbuild -bs accepts the spec with the tarball" rpmbuild -bs \
			--define "_topdir $WORK/rpm" --define "_sourcedir $(dirname "$tarball")" \
			"$REPO/packaging/rpm/mcvpn.spec"
		check "the source RPM is made" test -f "$WORK/rpm/SRPMS/mcvpn-$ver-1.src.rpm"
		check "rpmbuild -ts accepts the tarball alone" rpmbuild -ts \
			--define "_topdir $WORK/rpm-ts" "$tarball"
	else
		fail "rpmbuild installed" "run tests/deps.sh (Debian's rpm package)"
	fi
	dsrc=$WORK/dsrc
	mkdir -p "$dsrc" && tar xJf "$tarball" -C "$dsrc" &&
		cp -r "$dsrc/mcvpn-$ver/packaging/debian" "$dsrc/mcvpn-$ver/debian"
	check_eq "the Debian version is the release's, native, without a revision" "$ver" \
		"$(cd "$dsrc/mcvpn-$ver" && dpkg-parsechangelog -S Version)"
	if (cd "$dsrc/mcvpn-$ver" && dpkg-source -b .) >"$WORK/dsc.log" 2>&1; then
		pass "dpkg-source -b builds the Debian source package"
	else
		fail "dpkg-source -b builds the Debian source package" "$(tail -n 5 "$WORK/dsc.log")"
	fi
	check "mcvpn_$ver.dsc and mcvpn_$ver.tar.xz" test -f "$dsrc/mcvpn_$ver.dsc" -a -f "$dsrc/mcvpn_$ver.tar.xz"
}

# The packages' own test runs (the RPM's %check, the .deb's dh_auto_test)
# are meson's tests as the build's user, not root: they must pass so.
test_check_as_user() {
	local src
	section "the unit tests as a user (what %check and dh_auto_test run)"
	check_match "the spec's %check runs meson's tests" '^%meson_test$' \
		"$(awk '/^%(description|prep|build|install|check|pre|post|preun|postun|files|changelog)( |$)/ {
		on = ($1 == "%check"); next } on' "$REPO/packaging/rpm/mcvpn.spec")"
	check_not "the .deb's rules do not skip dh_auto_test" \
		grep -q '^override_dh_auto_test:' "$REPO/packaging/debian/rules"
	# outside $WORK (0700, root's): nobody must reach it
	src=$(mktemp -d /tmp/mcvpn-usertest.XXXXXX) || return
	at_exit "rm -rf $src"
	chmod 755 "$src"
	git -C "$REPO" ls-files -z | (cd "$REPO" && xargs -0 cp --parents -t "$src")
	chown -R nobody:nogroup "$src"
	if (cd "$src" && setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$src" \
		sh -c 'meson setup b && ninja -C b && meson test -C b --print-errorlogs') \
		>"$WORK/user-test.log" 2>&1; then
		pass "meson test passes as nobody ($(grep -E '^Ok: ' "$WORK/user-test.log" | tr -s ' '))"
	else
		fail "meson test passes as nobody" "$(grep -E 'FAIL|^Ok|^Fail' "$WORK/user-test.log" | tail -n 15)"
	fi
}

test_meson_install
test_meson_version
test_source_packages
test_deb
test_rpm_spec
test_check_as_user
test_firewalld
test_selinux
summary
