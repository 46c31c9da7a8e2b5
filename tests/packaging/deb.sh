#!/bin/bash
# edgefw Debian package: build it, lint it, install it, check what it
# installed, remove and reinstall it (the admin's policy and the block and
# allow lists in /var/lib/edgefw survive), purge it (nothing left, the lists
# included).
#
# Debian packages needed (as root: apt-get install -y --no-install-recommends ...):
#   build:   build-essential dpkg-dev debhelper clang llvm libbpf-dev bpftool
#            libelf-dev zlib1g-dev libjson-c-dev pkg-config jq
#            libcmocka-dev (the package build runs the unit tests)
#   checks:  lintian man-db groff-base; systemd for systemd-analyze (optional:
#            the check is skipped without it; PID 1 need not be systemd)
#
# Usage (as root):  tests/packaging/deb.sh
#   DEB_KEEP=1     leave the package installed at the end (default: purged)
#   DEB_NOBUILD=1  use the build/deb/edgefw_*.deb already there
#
# Builds with `make deb`.  An edgefw package
# left installed by an earlier run is purged first.  Exit status: 0 when
# every check passed.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
SUITE=deb VERBOSE=${DEB_VERBOSE:-} KEEP='' TERM_RC=143 # the work dir goes, always
cd "$ROOT"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

on_cleanup() { if [ -z "${DEB_KEEP:-}" ]; then purge_pkg; fi; } # the package goes too, unless DEB_KEEP
on_exit

# ---- preconditions --------------------------------------------------------------

needs_root "apt-get install/purge"
missing=
for p in build-essential dpkg-dev debhelper clang llvm libbpf-dev bpftool libelf-dev \
	zlib1g-dev libjson-c-dev pkg-config jq libcmocka-dev lintian man-db groff-base; do
	dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=" $p"
done
[ -z "$missing" ] || die "missing packages; apt-get install -y --no-install-recommends$missing"

suite_begin deb
VERSION=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
ARCH=$(dpkg --print-architecture)
DEB=$ROOT/build/deb/edgefw_${VERSION}_${ARCH}.deb
CHANGES=$ROOT/build/deb/edgefw_${VERSION}_${ARCH}.changes
SHIPPED=policies/lync2013-scaled-edge-dnslb-public.json

# an earlier run that failed half-way may have left it installed
purge_leftover

# ---- build and lint -------------------------------------------------------------

build_deb() {
	timeout 1200 make deb
}

lintian_clean() { # LEVELS TAGLETTERS: no tag at these levels (overrides honoured)
	local out rc=0
	out=$(timeout 300 lintian -i -E --pedantic --display-info --fail-on "$1" "$CHANGES" 2>&1) || rc=$?
	out=$(grep -v '^running with root privileges' <<<"$out" || true)
	echo "${out:-lintian: no tags}"
	[ $rc -eq 0 ] || { echo "lintian exit status $rc"; return 1; }
	! grep -q "^[$2]:" <<<"$out"
}

deb_contents() {
	local list
	list=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|')
	echo "$list"
	local f rc=0
	for f in /usr/sbin/edgefw /lib/systemd/system/edgefw.service /etc/edgefw/policy.json \
		/etc/default/edgefw /usr/share/man/man8/edgefw.8.gz /usr/share/man/man5/edgefw-policy.5.gz \
		/usr/share/doc/edgefw/README.md /usr/share/doc/edgefw/policy.md \
		/usr/share/doc/edgefw/copyright /usr/share/doc/edgefw/changelog.gz \
		/usr/share/edgefw/policies/lync2013-scaled-edge-dnslb-public.json; do
		grep -qx "$f" <<<"$list" || { echo "missing: $f"; rc=1; }
	done
	if [ -e policies/edgefw-policy.schema.json ]; then
		grep -qx /usr/share/edgefw/policies/edgefw-policy.schema.json <<<"$list" ||
			{ echo "missing: the JSON Schema"; rc=1; }
	fi
	# the BPF object is embedded through the skeleton: no separate .o
	if grep -E '\.o$|\.bpf' <<<"$list"; then echo "a BPF object is shipped separately"; rc=1; fi
	return $rc
}

deb_fields() {
	local f
	f=$(dpkg-deb -f "$DEB" Package Version Architecture Depends)
	echo "$f"
	grep -qx "Version: $VERSION" <<<"$f" &&
		grep -q '^Depends:.*libbpf1' <<<"$f" && grep -q '^Depends:.*libjson-c5' <<<"$f"
}

log "== build ($VERSION, $ARCH)"
if [ -z "${DEB_NOBUILD:-}" ]; then
	check "make deb builds build/deb/edgefw_${VERSION}_${ARCH}.deb" \
		eval 'build_deb && test -s "$DEB"'
else
	check "build/deb/edgefw_${VERSION}_${ARCH}.deb exists (DEB_NOBUILD)" test -s "$DEB"
fi
[ -s "$DEB" ] || die "no package to test"
check "the package holds the binary, unit, policy, defaults, man pages, docs, policies" deb_contents
check "control: version $VERSION, Depends from shlibs (libbpf1, libjson-c5)" deb_fields
check "lintian: no error or warning" lintian_clean error,warning EW
check "lintian: no info, pedantic or experimental tag either" lintian_clean error,warning,info,pedantic,experimental EWIPX

# ---- install ----------------------------------------------------------------------

install_deb() { timeout 300 apt-get install -y -q "$@" "$DEB"; }

installed_files() {
	local f rc=0
	for f in /usr/sbin/edgefw /lib/systemd/system/edgefw.service /etc/edgefw/policy.json \
		/etc/default/edgefw /usr/share/man/man8/edgefw.8.gz /usr/share/man/man5/edgefw-policy.5.gz \
		/usr/share/doc/edgefw/README.md /usr/share/doc/edgefw/policy.md /usr/share/doc/edgefw/copyright \
		/usr/share/edgefw/policies/lync2013-scaled-edge-dnslb-public.json; do
		if [ -f "$f" ]; then echo "ok: $f"; else echo "missing: $f"; rc=1; fi
	done
	[ -x /usr/sbin/edgefw ] || { echo "/usr/sbin/edgefw is not executable"; rc=1; }
	return $rc
}

conffiles() {
	local c
	c=$(dpkg-query -W -f='${Conffiles}\n' edgefw)
	echo "$c"
	grep -q '^ /etc/edgefw/policy.json [0-9a-f]\{32\}$' <<<"$c" &&
		grep -q '^ /etc/default/edgefw [0-9a-f]\{32\}$' <<<"$c"
}

man_clean() { # PAGE SECTION: renders, with no warning from man/groff
	local page=$1 sec=$2 path err
	path=$(man -w "$sec" "$page") || return 1
	echo "man -w $sec $page: $path"
	err=$(MANWIDTH=80 man --warnings -l "$path" 2>&1 >/dev/null)
	[ -z "$err" ] || { echo "$err"; return 1; }
	err=$(zcat "$path" | groff -ww -z -man -Tutf8 2>&1)
	[ -z "$err" ] || { echo "$err"; return 1; }
	MANWIDTH=80 man -l "$path" 2>/dev/null | grep -q "^NAME"
}

version_ok() {
	local v
	v=$(/usr/sbin/edgefw --version)
	echo "$v"
	[[ $v == "edgefw $VERSION (libbpf "* ]]
}

template_refused() {
	local out rc=0
	out=$(/usr/sbin/edgefw validate /etc/edgefw/policy.json 2>&1) || rc=$?
	echo "$out"
	[ $rc -eq 1 ] || { echo "exit status $rc, expected 1"; return 1; }
	grep -q '^/etc/edgefw/policy.json: template: this is the policy template edgefw ships' <<<"$out" ||
		return 1
	# nothing else is wrong with it: the template is the shipped policy
	[ "$(grep -c . <<<"$out")" -eq 1 ] || { echo "more than the template message"; return 1; }
}

run_refuses_template() {
	local out rc=0
	out=$(EDGEFW_RUN_DIR=$WORK/run EDGEFW_STATE_DIR=$WORK/state EDGEFW_BPFFS_DIR=/sys/fs/bpf/efp-nothing \
		timeout 20 /usr/sbin/edgefw run --policy /etc/edgefw/policy.json --node CHANGE-ME 2>&1) || rc=$?
	echo "$out"
	[ $rc -eq 1 ] && grep -q 'policy template' <<<"$out" && [ ! -e /sys/fs/bpf/efp-nothing ]
}

template_is_shipped() { # the template = the shipped policy + "template": true, nodes replaced
	jq -e --slurpfile s "$SHIPPED" '
		.template == true and (.nodes | length) == 1 and
		(del(.template, .nodes) == ($s[0] | del(.nodes))) and
		(.rules | length) == 37' /etc/edgefw/policy.json
}

shipped_valid() { /usr/sbin/edgefw validate /usr/share/edgefw/policies/lync2013-scaled-edge-dnslb-public.json; }

unit_ok() {
	local rc=0
	grep -q '^ExecStart=/usr/sbin/edgefw run ' /lib/systemd/system/edgefw.service || rc=1
	# enabling is the admin's decision, after filling the policy in
	if [ -e /etc/systemd/system/multi-user.target.wants/edgefw.service ]; then
		echo "the unit was enabled on install"
		rc=1
	fi
	if command -v systemd-analyze >/dev/null; then
		# the unit's paths (ExecStart, ...) resolve against what was installed
		SYSTEMD_LOG_LEVEL=err timeout 60 systemd-analyze verify /lib/systemd/system/edgefw.service ||
			rc=1
	fi
	return $rc
}

log "== install"
check "apt-get install -y ./build/deb/edgefw_${VERSION}_${ARCH}.deb" install_deb
check "installed: binary, unit, policy, defaults, man pages, docs, shipped policies" installed_files
check "/etc/edgefw/policy.json and /etc/default/edgefw are conffiles" conffiles
check "man edgefw (8) renders without warnings" man_clean edgefw 8
check "man edgefw-policy (5) renders without warnings" man_clean edgefw-policy 5
check "edgefw --version says $VERSION" version_ok
check "edgefw validate /etc/edgefw/policy.json fails (1) with the template message only" template_refused
check "edgefw run refuses the template before loading anything" run_refuses_template
check "the template is the shipped policy: 37 rules, template: true, one placeholder node" template_is_shipped
check "the shipped policy under /usr/share/edgefw/policies validates" shipped_valid
check "the unit runs /usr/sbin/edgefw, is not enabled, systemd-analyze verify passes" unit_ok

# ---- the admin's policy survives remove and reinstall ----------------------------------

edit_policy() { # the admin fills the template in
	jq 'del(.template) | .nodes[0].name = "edge-pkgtest"' /etc/edgefw/policy.json >"$WORK/filled.json" &&
		cp "$WORK/filled.json" /etc/edgefw/policy.json &&
		/usr/sbin/edgefw validate --node edge-pkgtest /etc/edgefw/policy.json
}

removed_keeps_conffiles() {
	timeout 300 apt-get remove -y -q edgefw || return 1
	[ "$(pkg_state)" = config-files ] || { echo "state $(pkg_state), expected config-files"; return 1; }
	[ ! -e /usr/sbin/edgefw ] || { echo "/usr/sbin/edgefw still there"; return 1; }
	cmp /etc/edgefw/policy.json "$WORK/filled.json"
}

reinstall_keeps_policy() {
	install_deb -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold || return 1
	cmp /etc/edgefw/policy.json "$WORK/filled.json"
}

# The block and allow lists: /var/lib/edgefw (the default --state-dir), written
# by the list commands without an agent (no pins: only the files change)
LISTS=/var/lib/edgefw
NOPINS=/sys/fs/bpf/efp-nothing
lists_written() {
	[ ! -e $LISTS ] || { echo "$LISTS exists before the test wrote anything:"; ls -la $LISTS; return 1; }
	/usr/sbin/edgefw blocklist --bpffs-dir $NOPINS add 203.0.113.99 &&
		/usr/sbin/edgefw allowlist --bpffs-dir $NOPINS add 198.51.100.0/25 || return 1
	ls -la $LISTS
	cp $LISTS/blocklist.txt "$WORK/blocklist.txt" && cp $LISTS/allowlist.txt "$WORK/allowlist.txt" &&
		grep -qx 203.0.113.99/32 $LISTS/blocklist.txt && grep -qx 198.51.100.0/25 $LISTS/allowlist.txt
}

removed_keeps_lists() { # after apt-get remove
	[ "$(pkg_state)" = config-files ] || { echo "state $(pkg_state), expected config-files"; return 1; }
	ls -la $LISTS || return 1
	cmp $LISTS/blocklist.txt "$WORK/blocklist.txt" && cmp $LISTS/allowlist.txt "$WORK/allowlist.txt"
}

reinstall_reads_lists() {
	local out
	out=$(/usr/sbin/edgefw blocklist list && /usr/sbin/edgefw allowlist list) || return 1
	echo "$out"
	[ "$out" = "$(printf '203.0.113.99/32\n198.51.100.0/25')" ]
}

log "== remove and reinstall"
check "the admin fills the policy in: it validates" edit_policy
check "edgefw blocklist add / allowlist add (no agent) write $LISTS/{blocklist,allowlist}.txt" lists_written
check "apt-get remove: binary gone, the edited policy stays (config-files)" removed_keeps_conffiles
check "apt-get remove: the block and allow lists in $LISTS stay, unchanged" removed_keeps_lists
check "reinstall: the edited policy is kept, not replaced by the template" reinstall_keeps_policy
check "reinstall: edgefw blocklist/allowlist list show the kept lists" reinstall_reads_lists

# ---- purge ----------------------------------------------------------------------------

nothing_left() {
	local f rc=0
	timeout 300 apt-get purge -y -q edgefw || return 1
	[ "$(pkg_state)" = not-installed ] || { echo "state $(pkg_state)"; rc=1; }
	for f in /usr/sbin/edgefw /etc/edgefw /etc/default/edgefw /lib/systemd/system/edgefw.service \
		/usr/share/edgefw /usr/share/doc/edgefw /usr/share/man/man8/edgefw.8.gz \
		/usr/share/man/man5/edgefw-policy.5.gz $LISTS \
		/var/lib/systemd/deb-systemd-helper-enabled/edgefw.service.dsh-also; do
		if [ -e "$f" ]; then echo "left behind: $f"; rc=1; fi
	done
	return $rc
}

if [ -z "${DEB_KEEP:-}" ]; then
	log "== purge"
	check "apt-get purge -y edgefw: nothing left (/usr/sbin/edgefw, /etc/edgefw, $LISTS, ...)" nothing_left
fi

summary
