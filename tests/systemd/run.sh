#!/bin/bash
# edgefw under a real systemd: the Debian package installed in a booted
# Debian 12 container (systemd as PID 1), driven with systemctl and dpkg the
# way production does, with real traffic from client namespaces:
#
#   boot; install (disabled, not started; the template refused); start
#   (Type=notify: `systemctl start` returns only once enforcing);
#   enforcement; `systemctl reload` (generation +1, each way); a refused
#   reload (invalid policy: reload fails, the old policy keeps enforcing);
#   SIGKILL of the agent under traffic (Restart= brings it back, the pins
#   are adopted, nothing leaks, nothing is lost); an upgrade under traffic
#   (`dpkg -i` of a newer version built from a copy of the tree with a
#   bumped changelog: the postinst's SIGUSR2 handover, no blocked probe
#   arrives, no allowed echo is lost, the established stream survives);
#   the same for a service that runs but is not enabled; `systemctl
#   restart`; `systemctl stop` (nothing left attached or pinned).
#
# How the container runs (no systemd on the host; none needed):
#   root    mmdebstrap --variant=minbase bookworm with systemd, dbus, iproute2
#           and the package's run-time libraries, cached at $BUILD/systemd-root
#           (rebuilt when its package list changes; ~25 s with a mirror)
#   boot    systemd-nspawn -b --volatile=overlay (the cached root stays
#           pristine: every run starts from it, its changes go to a tmpfs)
#           --register=no --keep-unit (no machined, no host systemd)
#           --network-namespace-path=/run/netns/efy-node (the node namespace
#           this script builds: the container's network is the edge node's)
#           --capability=all --system-call-filter='bpf perf_event_open'
#           --bind=/sys/fs/bpf/efy-sysd:/sys/fs/bpf (a directory of the host's
#           bpffs: the agent's pins show up under /sys/fs/bpf/efy-sysd/edgefw)
#           --hostname=edge1 (the root has no /etc/hostname: the unit's
#           default node, the short hostname, is the policy's edge1)
#   inside  nsenter -t LEADER -a CMD (LEADER: the container's PID 1 seen from
#           the host, the child of systemd-nspawn); `systemctl` talks to the
#           container's systemd through its private socket.  systemd-run
#           --machine and machinectl need machined: not used.
#   stop    SIGTERM to systemd-nspawn: the container halts (systemd stops
#           edgefw), then the namespaces and pins are removed.
#
# Traffic runs from the host in the client namespaces (efy-inet, efy-corp)
# and the echo server in the node namespace, with tests/e2e/nettool.py and
# tests/e2e/lifecycle_tool.py; the container needs no python.
#
# Debian packages needed (scripts/install-deps.sh): mmdebstrap
# systemd-container (systemd-nspawn) util-linux (nsenter) iproute2 python3,
# and what `make deb` needs (dpkg-dev debhelper clang llvm libbpf-dev bpftool
# libelf-dev zlib1g-dev libjson-c-dev pkg-config jq).  A Debian mirror
# (deb.debian.org) the first time, to build the root.
#
# Usage (as root):  make check-systemd    or   tests/systemd/run.sh
#   BUILD=DIR          the build directory for the root cache and the package
#                      (default build)
#   SYSD_VERBOSE=1     print the output of passing checks too
#   SYSD_KEEP=1        keep the work dir (logs, probe results, journal)
#   SYSD_MIRROR=URL    the Debian mirror for mmdebstrap (default its own)
#   SYSD_WATCHDOG=S    stop the whole suite after S seconds (default 1500)
#   SYSD_MUTATE=restart-upgrade
#                      self-test: the NEWER package's postinst stops the
#                      service instead of handing over (stop + start: a gap);
#                      the upgrade's leak check must then FAIL
#
# Only namespaces efy-* and pins /sys/fs/bpf/efy-*; addresses only from
# 203.0.113.0/24 and 198.18.0.0/15; nothing is sent outside the namespaces.
# Exit status: 0 when every check passed.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
SUITE=check-systemd NS_PREFIX=efy- VERBOSE=${SYSD_VERBOSE:-$VERBOSE} KEEP=${SYSD_KEEP:-}
built WIREGEN bench/wire/wiregen           # the burst's generator
built XDP_PASS_OBJ tests/xdp_pass.bpf.o    # for its XDP_TX
export LC_ALL=C.UTF-8

# ---- the root filesystem -------------------------------------------------------

ROOTFS=$BUILD_DIR/systemd-root
# what the container needs: systemd as init; the package's Depends (libbpf1,
# libjson-c5, libelf1, zlib1g, libc6: checked against the .deb below); ip
ROOT_PKGS=systemd,systemd-sysv,dbus,iproute2,libbpf1,libjson-c5,libelf1,zlib1g
ROOT_STAMP="edgefw systemd-root v1: bookworm minbase $ROOT_PKGS"

# ---- names and addresses -----------------------------------------------------------

NS_NODE=efy-node   # the edge node edge1: the container's network namespace
NS_INET=efy-inet   # the internet
NS_CORP=efy-corp   # the corporate side
EXT=efy-ext INTIF=efy-int          # the node's NICs
ACC=203.0.113.200 WEB=203.0.113.201 AV=203.0.113.202
INT=198.18.100.10
INET=203.0.113.193                 # an internet client, on the link
CORP=198.18.100.100                # a corporate host, on the link
PINS=/sys/fs/bpf/efy-sysd          # the container's /sys/fs/bpf
MACHINE=efy-edge1

# ---- bookkeeping ---------------------------------------------------------------

NSPAWN=
LEADER=
VERSION='' NEWVERSION='' ARCH=''

# poweroff: SIGTERM to systemd-nspawn halts the container (systemd stops
# its units: edgefw detaches); bounded, then SIGKILL to both
poweroff() {
	local n=200
	[ -n "$NSPAWN" ] || return 0
	if kill -0 "$NSPAWN" 2>/dev/null; then
		kill -TERM "$NSPAWN" 2>/dev/null || true
		while [ $n -gt 0 ] && kill -0 "$NSPAWN" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
		if kill -0 "$NSPAWN" 2>/dev/null; then
			echo "the container did not halt within 20 s: SIGKILL"
			[ -n "$LEADER" ] && kill -KILL "$LEADER" 2>/dev/null
			kill -KILL "$NSPAWN" 2>/dev/null
		fi
	fi
	wait "$NSPAWN" 2>/dev/null || true
	NSPAWN='' LEADER=''
}

on_cleanup() { # the journal, then the container halts
	if [ -n "$NSPAWN" ]; then
		[ -n "$WORK" ] && [ -n "$LEADER" ] && cx journalctl --no-pager -o short-monotonic \
			>"$WORK/journal.txt" 2>&1
		poweroff
	fi
}

# cx CMD...: a command inside the container (all its namespaces), bounded
cx() {
	timeout "${CX_TIMEOUT:-60}" nsenter -t "$LEADER" -a \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

prop() { cx systemctl show -P "$1" edgefw.service; } # a property of the unit
efw() { cx edgefw "$@"; }                               # edgefw inside, next to the unit's agent

pinned() { # XDP and the TC egress filter on both NICs, pins on the host's bpffs
	local rc=0
	attached || rc=1
	if [ -e "$PINS/edgefw/ef_flows" ]; then
		echo "pinned: $(ls "$PINS/edgefw" | wc -l) entries in $PINS/edgefw (the container's /sys/fs/bpf/edgefw)"
	else
		echo "no pins in $PINS/edgefw"
		rc=1
	fi
	return $rc
}

unpinned() { detached "$PINS/edgefw"; } # nothing on the NICs, no pins

# status: `edgefw status --json` inside, into $WORK/status.json
status_json() { efw status --json >"$WORK/status.json" 2>&1 || true; }
generation() { status_json; jget "$WORK/status.json" policy.generation; }

# the journal of the unit's current run (or of INVOCATION_ID $1)
journal_of() {
	local id=${1:-$(prop InvocationID)}
	cx journalctl --no-pager -o cat _SYSTEMD_INVOCATION_ID="$id" 2>&1
}

# enforcing: the unit is active, its agent is the status file's, everything is
# attached, and traffic says so (a blocked port blocked, an allowed one open)
enforcing() {
	local st pid spid
	st=$(prop ActiveState)
	pid=$(prop MainPID)
	status_json
	spid=$(jget "$WORK/status.json" pid)
	echo "ActiveState=$st MainPID=$pid; status: agent pid $spid, generation $(jget "$WORK/status.json" policy.generation), policy $(jget "$WORK/status.json" policy.name)"
	[ "$st" = active ] && [ "$pid" != 0 ] && [ "$pid" = "$spid" ] || return 1
	pinned || return 1
	echo "internet -> access TCP 443 connects, TCP 80 blocked; corporate -> internal TCP 5061 connects"
	tcp_ok $NS_INET $ACC 443 && tcp_blocked $NS_INET $ACC 80 && tcp_ok $NS_CORP $INT 5061
}

# ---- traffic during an action -----------------------------------------------------

# traffic_start TAG SPORT: from the internet, every 5 ms, a numbered UDP echo
# to av:3478 (allowed: every one must come back), a UDP datagram to
# access:3478 from source port SPORT (blocked: the node's listener logs any
# that arrives) and a message on an established TCP connection to access:443
traffic_start() { probe_start "$1" 120 "$2" 100 && sleep 1; }
traffic_stop() { sleep 1; probe_stop "$1"; } # TAG: a second more of traffic, then the results

# no blocked probe arrived (and enough were sent)
no_leak() { # TAG SPORT
	local f=$WORK/probe-$1.json got
	got=$(udp_arrived "$2")
	echo "blocked UDP probes to access:3478 sent: $(jget "$f" blocked_udp.sent), arrived at the node: $got"
	[ "$(jget "$f" blocked_udp.sent)" -ge 200 ] 2>/dev/null || { echo "too few probes sent"; cat "$f"; return 1; }
	[ "$got" = 0 ]
}

# every allowed echo came back, the established stream never broke
no_loss() { # TAG
	local f=$WORK/probe-$1.json
	echo "UDP echo to av:3478: sent $(jget "$f" udp.sent), lost $(jget "$f" udp.lost) (first: $(jget "$f" udp.lost_first))"
	echo "TCP stream to access:443: $(jget "$f" stream)"
	[ "$(jget "$f" udp.sent)" -ge 200 ] 2>/dev/null || { echo "too few probes sent"; cat "$f"; return 1; }
	[ "$(jget "$f" udp.lost)" = 0 ] && [ "$(jget "$f" stream.complete)" = True ] &&
		[ -z "$(jget "$f" stream.error)" ]
}

# ---- the root, the packages, the topology, the container -----------------------------

root_ready() {
	if [ -x "$ROOTFS/usr/lib/systemd/systemd" ] && [ "$(cat "$ROOTFS.stamp" 2>/dev/null)" = "$ROOT_STAMP" ]; then
		echo "cached: $ROOTFS"
		return 0
	fi
	command -v mmdebstrap >/dev/null || { echo "mmdebstrap is missing (apt-get install mmdebstrap)"; return 1; }
	echo "building $ROOTFS (mmdebstrap --variant=minbase --include=$ROOT_PKGS bookworm)"
	rm -rf "$ROOTFS" "$ROOTFS.new" "$ROOTFS.stamp"
	# no /etc/hostname: the container's hostname is the one nspawn gives it
	timeout 900 mmdebstrap --variant=minbase --include="$ROOT_PKGS" \
		--customize-hook='rm -f "$1/etc/hostname"' \
		bookworm "$ROOTFS.new" ${SYSD_MIRROR:+"$SYSD_MIRROR"} >"$WORK/mmdebstrap.log" 2>&1 ||
		{ tail -n 30 "$WORK/mmdebstrap.log"; rm -rf "$ROOTFS.new"; return 1; }
	tail -n 1 "$WORK/mmdebstrap.log"
	mv "$ROOTFS.new" "$ROOTFS"
	echo "$ROOT_STAMP" >"$ROOTFS.stamp"
}

# make deb, as the Makefile's target does it.  BUILD and the make variables
# of a parent make stay out: the package's own build uses build/ in its copy
# of the tree.  The unit tests are make package-test's (nocheck here).
make_deb() { # TREE DEB_DIR
	env -u BUILD -u MAKEFLAGS -u MAKELEVEL -u MFLAGS DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
		timeout 900 make -C "$1" DEB_DIR="$2" deb
}

build_packages() {
	local tree=$WORK/tree-new
	VERSION=$(dpkg-parsechangelog -l "$ROOT/packaging/debian/changelog" -S Version)
	NEWVERSION=$VERSION+sysdtest1
	ARCH=$(dpkg --print-architecture)
	echo "== make deb ($VERSION)"
	make_deb "$ROOT" "$BUILD_DIR/deb" >"$WORK/deb-old.log" 2>&1 || { tail -n 40 "$WORK/deb-old.log"; return 1; }
	cp "$BUILD_DIR/deb/edgefw_${VERSION}_$ARCH.deb" "$WORK/share/old.deb" || return 1
	# the newer version: a copy of the tree, a changelog entry on top
	echo "== make deb ($NEWVERSION, a copy of the tree with a bumped changelog)"
	mkdir -p "$tree"
	tar -C "$ROOT" -cf - --exclude=./.git --exclude=./build --exclude='./build-*' --exclude=__pycache__ . |
		tar -C "$tree" -xf -
	{
		printf 'edgefw (%s) bookworm; urgency=medium\n\n  * check-systemd: the upgrade under test.\n\n' "$NEWVERSION"
		printf ' -- edgefw maintainers <maintainers@users.noreply.b-seed-7b60733d.example>  %s\n\n' "$(date -R)"
		cat "$ROOT/packaging/debian/changelog"
	} >"$tree/packaging/debian/changelog"
	if [ "${SYSD_MUTATE:-}" = restart-upgrade ]; then
		# self-test: stop + start instead of the handover
		sed -i 's/kill -USR2 "$pid" || true/systemctl stop edgefw.service || true/' \
			"$tree/packaging/debian/edgefw.postinst"
		grep -q 'systemctl stop edgefw.service' "$tree/packaging/debian/edgefw.postinst" ||
			{ echo "SYSD_MUTATE: the postinst did not change"; return 1; }
		echo "SYSD_MUTATE=restart-upgrade: the $NEWVERSION postinst stops and starts instead of handing over"
	fi
	make_deb "$tree" "$tree/build/deb" >"$WORK/deb-new.log" 2>&1 || { tail -n 40 "$WORK/deb-new.log"; return 1; }
	cp "$tree/build/deb/edgefw_${NEWVERSION}_$ARCH.deb" "$WORK/share/new.deb" || return 1
	rm -rf "$tree"
	dpkg-deb -f "$WORK/share/old.deb" Version Depends
	dpkg-deb -f "$WORK/share/new.deb" Version
}

# the package's Depends are all in the root (it has no network to fetch them)
depends_in_root() {
	local d p rc=0
	d=$(dpkg-deb -f "$WORK/share/old.deb" Depends)
	for p in $(tr ',|' '\n\n' <<<"$d" | sed 's/(.*//; s/:any//' | tr -d ' ' | grep .); do
		if chroot "$ROOTFS" dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
			echo "ok: $p"
		else
			echo "missing from the root: $p (add it to ROOT_PKGS)"
			rc=1
		fi
	done
	return $rc
}

build_topology() { one_node 26 $ACC $WEB $AV; }

start_services() {
	# TCP echo on the wildcard address of every port used (a blocked port is
	# blocked by edgefw, not by a missing listener); UDP echo on access:3478
	# (blocked: the log shows what reached it) and av:3478 (allowed)
	start_server $NS_NODE node --lifetime 900 --tcp 80,443,5061,8080 --udp "$ACC:3478,$AV:3478" \
		--log "$WORK/udp-node.log"
}

write_policies() {
	write_policy "$WORK/share/A.json" &&
		write_policy "$WORK/share/B.json" "$POLICY_B" && # TCP av:443
		write_policy "$WORK/share/invalid.json" "$POLICY_INVALID" &&
		# E: every event limit off (the burst's events all raised)
		write_policy "$WORK/share/E.json" "settings['event_limit'] = {'rate': 0}" &&
		chmod 0644 "$WORK/share"/*.json
}

# boot: systemd-nspawn in the node namespace; LEADER is the container's PID 1
boot() {
	local n=300 c
	mkdir -p "$PINS"
	systemd-nspawn -b -D "$ROOTFS" --volatile=overlay --machine=$MACHINE --hostname=edge1 \
		--register=no --keep-unit --network-namespace-path=/run/netns/$NS_NODE \
		--capability=all --system-call-filter='bpf perf_event_open' \
		--bind="$PINS":/sys/fs/bpf --bind="$WORK/share":/efy --console=read-only \
		>"$WORK/container.log" 2>&1 </dev/null &
	NSPAWN=$!
	while [ $n -gt 0 ]; do
		kill -0 "$NSPAWN" 2>/dev/null || { tail -n 30 "$WORK/container.log"; echo "systemd-nspawn exited"; return 1; }
		for c in $(pgrep -P "$NSPAWN" || true); do
			[ "$(cat /proc/"$c"/comm 2>/dev/null)" = systemd ] && LEADER=$c
		done
		[ -n "$LEADER" ] && break
		sleep 0.1
		n=$((n - 1))
	done
	[ -n "$LEADER" ] || { tail -n 30 "$WORK/container.log"; echo "no systemd in the container after 30 s"; return 1; }
	echo "systemd-nspawn pid $NSPAWN, the container's PID 1 is host pid $LEADER"
	# systemctl needs the manager's private socket: it comes a moment later
	n=300
	while [ $n -gt 0 ] && ! cx test -S /run/systemd/private 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	local st
	st=$(CX_TIMEOUT=90 cx systemctl is-system-running --wait 2>&1) || true
	echo "is-system-running: $st"
	[ "$st" = running ] || { cx systemctl --failed --no-pager; return 1; }
	echo "PID 1: $(cx cat /proc/1/comm), hostname $(cx hostname), /run/systemd/system: $(cx sh -c 'test -d /run/systemd/system && echo yes || echo no')"
	[ "$(cx cat /proc/1/comm)" = systemd ] && cx test -d /run/systemd/system && [ "$(cx hostname)" = edge1 ]
}

# ==== the checks =========================================================================

install_old() {
	cx dpkg -i /efy/old.deb || return 1
	echo "installed: $(cx dpkg-query -W -f='${Version} ${db:Status-Status}' edgefw)"
	[ "$(cx dpkg-query -W -f='${Version}' edgefw)" = "$VERSION" ] || return 1
	echo "is-enabled: $(cx systemctl is-enabled edgefw || true), is-active: $(cx systemctl is-active edgefw || true)"
	[ "$(cx systemctl is-enabled edgefw || true)" = disabled ] && [ "$(cx systemctl is-active edgefw || true)" = inactive ]
}

template_refused() {
	local rc=0
	cx systemctl start edgefw >"$WORK/start-template.out" 2>&1 || rc=$?
	echo "systemctl start with the packaged template: exit $rc"
	cat "$WORK/start-template.out"
	cx journalctl --no-pager -o cat -u edgefw | tail -n 5
	[ $rc -ne 0 ] || return 1
	[ "$(prop ActiveState)" != active ] || { echo "the unit is active"; return 1; }
	cx journalctl --no-pager -o cat -u edgefw | grep -q 'policy template' || { echo "no 'policy template' in the journal"; return 1; }
	unpinned || return 1
	# Restart=on-failure retries a failed ExecStartPre every RestartSec
	# (until the start limit): stop cancels the pending restart
	echo "then: $(prop ActiveState) ($(prop SubState)); systemctl stop, reset-failed"
	cx systemctl stop edgefw || return 1
	cx systemctl reset-failed edgefw 2>/dev/null || true # (unloaded once stopped: disabled)
	[ "$(prop ActiveState)" = inactive ] && unpinned
}

start_notify() {
	local t0 rc=0 el
	cx cp /efy/A.json /etc/edgefw/policy.json || return 1
	echo "control, before the start: internet -> access TCP 80 connects"
	tcp_ok $NS_INET $ACC 80 || return 1
	cx systemctl enable edgefw || return 1
	t0=$(now)
	cx systemctl start edgefw || rc=$?
	el=$(since "$t0")
	# at once: a port the policy blocks must already be blocked
	tcp_blocked $NS_INET $ACC 80 1 >"$WORK/start-probe.out" 2>&1 || rc=9
	echo "systemctl start returned $rc after $el s; then TCP access:80 at once: $([ $rc = 9 ] && echo CONNECTED || echo blocked)"
	cat "$WORK/start-probe.out"
	[ $rc -eq 0 ] || return 1
	echo "Type=$(prop Type) ActiveState=$(prop ActiveState) SubState=$(prop SubState) StatusText=$(prop StatusText)"
	[ "$(prop Type)" = notify ] && [ "$(prop ActiveState)" = active ] || return 1
	[[ $(prop StatusText) == *"$POLICY_NAME"* ]] || { echo "STATUS= does not name the policy"; return 1; }
	journal_of | tail -n 4
}

enforcement() {
	enforcing || return 1
	echo "internet -> access TCP 8080 blocked; UDP av:3478 echoed; UDP access:3478 does not arrive"
	tcp_blocked $NS_INET $ACC 8080 && udp_ok $NS_INET $AV 3478 &&
		expect_rc 2 nx $NS_INET "${NT[@]}" udp $ACC 3478 --sport 41010 --timeout 0.5 &&
		[ "$(udp_arrived 41010)" = 0 ]
}

# reload_to FILE WANT_P: copy FILE in, systemctl reload, generation +1, and
# TCP av:443 (only in A) connects (ok) or is blocked
reload_to() {
	local g0 g1 pid0
	g0=$(generation)
	pid0=$(prop MainPID)
	cx cp "/efy/$1" /etc/edgefw/policy.json || return 1
	cx systemctl reload edgefw || { echo "systemctl reload failed"; journal_of | tail -n 5; return 1; }
	g1=$(generation)
	echo "$1: generation $g0 -> $g1, crc32 $(jget "$WORK/status.json" policy.crc32), MainPID $pid0 -> $(prop MainPID)"
	[ "$g1" = $((g0 + 1)) ] && [ "$(prop MainPID)" = "$pid0" ] && [ "$(prop ActiveState)" = active ] || return 1
	journal_of | grep -E 'reload|generation' | tail -n 2
	if [ "$2" = ok ]; then
		echo "TCP av:443 (ext-av-stun-tcp-443-in) connects"
		tcp_ok $NS_INET $AV 443
	else
		echo "TCP av:443 (ext-av-stun-tcp-443-in, not in B) is blocked"
		tcp_blocked $NS_INET $AV 443
	fi && tcp_ok $NS_INET $ACC 443 && tcp_blocked $NS_INET $ACC 80
}

reload_refused() {
	local rc=0 g0 c0 g1 c1 pid0
	status_json
	g0=$(jget "$WORK/status.json" policy.generation)
	c0=$(jget "$WORK/status.json" policy.crc32)
	pid0=$(prop MainPID)
	cx cp /efy/invalid.json /etc/edgefw/policy.json || return 1
	cx systemctl reload edgefw >"$WORK/reload-invalid.out" 2>&1 || rc=$?
	echo "systemctl reload with an invalid policy: exit $rc"
	sed 's/^/  /' "$WORK/reload-invalid.out"
	journal_of | grep -E 'reversed|refused' | tail -n 3
	# the file back, as an admin would (Restart= below validates it)
	cx cp /efy/A.json /etc/edgefw/policy.json || return 1
	[ $rc -ne 0 ] || { echo "the reload did not fail"; return 1; }
	journal_of | grep -q 'is reversed' || { echo "validate's message is not in the journal"; return 1; }
	status_json
	g1=$(jget "$WORK/status.json" policy.generation)
	c1=$(jget "$WORK/status.json" policy.crc32)
	echo "ActiveState $(prop ActiveState), MainPID $pid0 -> $(prop MainPID); generation $g0 -> $g1, crc32 $c0 -> $c1"
	[ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" = "$pid0" ] && [ "$g1" = "$g0" ] && [ "$c1" = "$c0" ] ||
		return 1
	echo "the old policy (A) keeps enforcing: TCP av:443 connects, TCP access:80 and UDP access:3478 blocked"
	tcp_ok $NS_INET $AV 443 && tcp_blocked $NS_INET $ACC 80 &&
		expect_rc 2 nx $NS_INET "${NT[@]}" udp $ACC 3478 --sport 41011 --timeout 0.5 &&
		[ "$(udp_arrived 41011)" = 0 ]
}

# took_over INVOCATION GEN: the journal of that run says it adopted the pins
# and took over generation GEN (it then writes its policy as GEN + 1)
took_over() {
	local j
	j=$(journal_of "$1")
	grep -E 'adopted|taking over|took over|enforcing policy' <<<"$j"
	grep -q 'adopted [0-9]* pinned maps' <<<"$j" && grep -q "taking over policy generation $2 " <<<"$j" &&
		grep -q "took over $EXT" <<<"$j" && grep -q "took over $INTIF" <<<"$j" || {
		echo "expected: adopted N pinned maps, taking over policy generation $2, took over $EXT and $INTIF"
		return 1
	}
}

# wait_new_main OLDPID [tenths]: the unit active again with another main pid
wait_new_main() {
	local n=${2:-150} p
	while [ $n -gt 0 ]; do
		p=$(prop MainPID)
		[ "$p" != 0 ] && [ "$p" != "$1" ] && [ "$(prop ActiveState)" = active ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

KILL_OK=
sigkill_restart() {
	local pid0 g0 r0 t0 inv0
	pid0=$(prop MainPID)
	inv0=$(prop InvocationID)
	r0=$(prop NRestarts)
	g0=$(generation)
	[[ $pid0 =~ ^[1-9][0-9]*$ ]] || { echo "no agent to kill (MainPID '$pid0')"; return 1; }
	traffic_start kill 41012 || return 1
	t0=$(now)
	cx sh -c 'kill -KILL "$1"' sh "$pid0" || { traffic_stop kill; return 1; }
	echo "SIGKILL to the agent (pid $pid0 in the container)"
	if ! wait_new_main "$pid0" 150; then
		traffic_stop kill
		echo "not back within 15 s: $(prop ActiveState) $(prop SubState)"
		return 1
	fi
	echo "back after $(since "$t0") s (RestartSec=$(prop RestartUSec)): MainPID $(prop MainPID), NRestarts $r0 -> $(prop NRestarts), Result $(prop Result)"
	traffic_stop kill
	KILL_OK=1
	journal_of "$inv0" | tail -n 2
	[ "$(prop NRestarts)" = $((r0 + 1)) ] || { echo "NRestarts did not grow"; return 1; }
	echo "generation $g0 -> $(generation) (the pinned one taken over, the policy written as the next)"
	[ "$(jget "$WORK/status.json" policy.generation)" = $((g0 + 1)) ] || return 1
	took_over "$(prop InvocationID)" "$g0" && enforcing
}

UPG_OK=
upgrade() { # TAG SPORT: dpkg -i the newer package under traffic
	local tag=$1 pid0 inv0 g0 t0 rc=0 exe
	pid0=$(prop MainPID)
	inv0=$(prop InvocationID)
	g0=$(generation)
	traffic_start "$tag" "$2" || return 1
	t0=$(now)
	cx dpkg -i --force-confdef --force-confold /efy/new.deb >"$WORK/dpkg-$tag.out" 2>&1 || rc=$?
	echo "dpkg -i new.deb ($NEWVERSION): exit $rc after $(since "$t0") s"
	sed 's/^/  /' "$WORK/dpkg-$tag.out"
	wait_new_main "$pid0" 100 || true
	traffic_stop "$tag"
	UPG_OK=1
	[ $rc -eq 0 ] || return 1
	echo "installed: $(cx dpkg-query -W -f='${Version} ${db:Status-Status}' edgefw); $(cx edgefw --version)"
	[ "$(cx dpkg-query -W -f='${Version}' edgefw)" = "$NEWVERSION" ] || return 1
	echo "-- the old agent (pid $pid0):"
	journal_of "$inv0" | tail -n 3
	journal_of "$inv0" | grep -q 'handing over' || { echo "the old agent did not hand over (no 'handing over')"; return 1; }
	echo "ActiveState $(prop ActiveState), MainPID $pid0 -> $(prop MainPID)"
	[ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" != "$pid0" ] || { echo "no new agent"; return 1; }
	exe=$(cx readlink /proc/"$(prop MainPID)"/exe)
	echo "the new agent runs $exe"
	[ "$exe" = /usr/sbin/edgefw ] || { echo "not the installed binary"; return 1; }
	echo "generation $g0 -> $(generation) (the pinned one taken over, the policy written as the next)"
	[ "$(jget "$WORK/status.json" policy.generation)" = $((g0 + 1)) ] || return 1
	took_over "$(prop InvocationID)" "$g0" || return 1
	cx cmp /efy/A.json /etc/edgefw/policy.json && echo "the admin's policy.json is kept" || return 1
	enforcing
}

restart_unit() {
	local pid0 rc=0 j
	pid0=$(prop MainPID)
	cx systemctl restart edgefw || rc=$?
	tcp_blocked $NS_INET $ACC 80 1 >"$WORK/restart-probe.out" 2>&1 || rc=9
	echo "systemctl restart: exit $rc (9: TCP access:80 connected right after it returned)"
	[ $rc -eq 0 ] || { cat "$WORK/restart-probe.out"; return 1; }
	echo "MainPID $pid0 -> $(prop MainPID)"
	[ "$(prop MainPID)" != "$pid0" ] || return 1
	j=$(journal_of)
	grep -E 'enforcing policy' <<<"$j"
	# a stop detached and unpinned everything: a fresh start, generation 1
	! grep -qE 'adopted [0-9]+ pinned maps|taking over|took over' <<<"$j" ||
		{ echo "a start after a stop claims a takeover"; return 1; }
	[ "$(generation)" = 1 ] || { echo "generation $(jget "$WORK/status.json" policy.generation), expected 1"; return 1; }
	enforcing
}

stop_unit() {
	cx systemctl stop edgefw || return 1
	echo "ActiveState $(prop ActiveState), Result $(prop Result), ExecMainStatus $(prop ExecMainStatus)"
	[ "$(prop ActiveState)" = inactive ] || return 1
	journal_of "$(prop InvocationID)" | tail -n 2
	unpinned || return 1
	cx test ! -e /run/edgefw/status.json || { echo "/run/edgefw/status.json left"; return 1; }
	echo "nothing enforces any more: TCP access:80 connects"
	tcp_ok $NS_INET $ACC 80
}

# ==== main ==================================================================================

needs_root "network namespaces, BPF, systemd-nspawn"
needs_tools "scripts/install-deps.sh: systemd-container util-linux iproute2 dpkg-dev ..." \
	systemd-nspawn nsenter ip tc timeout dpkg-buildpackage dpkg-deb

# (a container an earlier run left running dies with its namespace)
suite_begin sysd "${SYSD_WATCHDOG:-1500}"
mkdir -p "$WORK/share" "$BUILD_DIR"

# ---- events: the packaged unit writes /var/log/edgefw/events.json -------------

evdir() { echo "/proc/$LEADER/root/var/log/edgefw"; } # the container's, seen from the host

# the blocked probes of the checks so far are events in the file, none in the journal
events_file() {
	local f n j
	f=$(evdir)/events.json
	ls -l "$(evdir)" | sed 's/^/  /'
	[ -s "$f" ] || { echo "no $f"; return 1; }
	n=$(count_lines "$f") || { echo "$n"; return 1; }
	j=$(cx journalctl --no-pager -o cat -u edgefw | grep -c '"kind":"event"' || true)
	echo "events.json: $n (events, other lines); event lines in the journal: $j; the unit's command line:"
	tr '\0' ' ' <"/proc/$(prop MainPID)/cmdline" 2>/dev/null || cx cat "/proc/$(prop MainPID)/cmdline" | tr '\0' ' '
	echo
	grep -q '"destination":{"ip":"'$ACC'","port":8080}' "$f" &&
		[ "$(stat -c %a "$(evdir)")" = 750 ] && [ "$(stat -c %a "$f")" = 600 ] &&
		[ "${n% *}" -ge 1 ] && [ "$j" = 0 ] &&
		cx journalctl --no-pager -o cat -u edgefw | grep -q 'enforcing policy'
}

# 100 000 denied frames from 60 000 sources (bench/wire's wiregen) with the
# event limits off: every drop is an event sent, lost or suppressed; every
# event sent is written; the file holds exactly the written count
event_burst() {
	local g drops sent lost sup w u lines
	reload_to E.json ok >/dev/null || { echo "reload to E failed"; return 1; }
	ip -n $NS_INET link set dev efy-i-ext xdpdrv obj "$XDP_PASS_OBJ" sec xdp || return 1
	stats_json ev0.json || return 1
	g=$(nx $NS_INET "$WIREGEN" --ifname efy-i-ext --dst-mac "$(mac_of $NS_NODE $EXT)" --dst $ACC \
		--proto udp --dport 8080 --src-base 198.19.0.1 --src-count 60000 --frames 100000 \
		--time-cap 5 --cpu 0) || { echo "wiregen failed"; return 1; }
	ip -n $NS_INET link set dev efy-i-ext xdpdrv off
	echo "wiregen: $g"
	# drained: every event sent written or counted unwritten, the counts still
	local cur last=
	for _ in $(seq 1 60); do
		sleep 0.5
		stats_json ev1.json || return 1
		cur="$(counter events_sent ev1.json) $(counter events_written ev1.json) $(counter events_unwritten ev1.json) $(no_rule_drops ev1.json)"
		[ $(($(counter events_written ev1.json) + $(counter events_unwritten ev1.json))) = "$(counter events_sent ev1.json)" ] &&
			[ "$cur" = "$last" ] && break
		last=$cur
	done
	drops=$(($(no_rule_drops ev1.json) - $(no_rule_drops ev0.json)))
	sent=$(($(counter events_sent ev1.json) - $(counter events_sent ev0.json)))
	lost=$(($(counter events_lost ev1.json) - $(counter events_lost ev0.json)))
	sup=$(($(counter events_suppressed ev1.json) - $(counter events_suppressed ev0.json)))
	w=$(($(counter events_written ev1.json) - $(counter events_written ev0.json)))
	u=$(($(counter events_unwritten ev1.json) - $(counter events_unwritten ev0.json)))
	lines=$(count_lines $(ls -1 "$(evdir)"/events.json* | sort -r)) || { echo "$lines"; return 1; }
	echo "burst: $drops drops (no-rule); events sent $sent, lost in the ring $lost, suppressed $sup;" \
		"written $w, unwritten $u; the files: $lines (events, other), events_written in all $(counter events_written ev1.json)"
	reload_to A.json ok >/dev/null || { echo "reload back to A failed"; return 1; }
	[ "$drops" -ge 50000 ] && [ "$drops" -eq $((sent + lost + sup)) ] && [ "$sent" -eq $((w + u)) ] &&
		[ "$u" = 0 ] && [ "$w" -ge 25000 ] && [ "${lines% *}" = "$(counter events_written ev1.json)" ]
}

# logrotate's way: move the file, edgefw reopen; nothing lost or split: the
# probe sent after the reopen is in the new file, and the moved file, the
# new one (and any rotated ones) hold exactly events_written between them.
# (Not "the new file holds exactly what was written after the move": an
# event the agent wrote between the move and the reopen rightly went on into
# the moved file, and the last one from before the move may be written then.)
events_reopen() {
	local f n0 n1 all
	f=$(evdir)/events.json
	stats_json r0.json || return 1
	cx mv /var/log/edgefw/events.json /var/log/edgefw/events.json.moved || return 1
	cx edgefw reopen || return 1
	tcp_blocked $NS_INET $ACC 8080 || return 1
	sleep 0.5
	stats_json r1.json || return 1
	n0=$(count_lines "$f.moved") || return 1
	n1=$(count_lines "$f") || return 1
	all=$(count_lines $(ls -1 "$(evdir)"/events.json* | sort -r)) || return 1
	echo "moved file: $n0; new file: $n1; all files: $all (events, other);" \
		"events_written $(counter events_written r0.json) -> $(counter events_written r1.json)"
	cx journalctl --no-pager -o cat -u edgefw | grep 'reopened' | tail -n 1
	grep -q '"transport":"tcp".*"destination":{"ip":"'$ACC'","port":8080}' "$f" ||
		{ echo "the probe after the reopen is not in the new file"; return 1; }
	cx rm -f /var/log/edgefw/events.json.moved
	[ "${n1% *}" -ge 1 ] && [ "${all% *}" = "$(counter events_written r1.json)" ] &&
		cx journalctl --no-pager -o cat -u edgefw | grep -q "reopened /var/log/edgefw/events.json"
}

# the host's bpffs (the container gets a directory of it), as bpftool mounts it
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs at /sys/fs/bpf"

log "== edgefw under systemd (systemd-nspawn, Debian 12 root at $ROOTFS)"
check "root filesystem: Debian 12 minbase with systemd (cached, or built with mmdebstrap)" root_ready
check "packages: make deb of this tree and of a copy with a newer changelog version" build_packages
[ $FAIL -eq 0 ] || die "no root filesystem or no packages; not testing"
check "the package's Depends are all installed in the root" depends_in_root

build_topology
start_services
write_policies
check "topology, before any edgefw: internet -> access TCP 443 and 80, corporate -> internal TCP 5061" \
	eval "tcp_ok $NS_INET $ACC 443 && tcp_ok $NS_INET $ACC 80 && tcp_ok $NS_CORP $INT 5061"
check "boot: systemd is PID 1 in the container, is-system-running says running, hostname edge1" boot
[ $FAIL -eq 0 ] || die "the container or the topology does not work; not testing edgefw"

log "== install"
check "dpkg -i edgefw_$VERSION: installed, the unit disabled and not started" install_old
check "systemctl start with the packaged template: fails (ExecStartPre validate: policy template), nothing attached" template_refused

log "== start and enforce"
check "systemctl start (Type=notify) returns only once enforcing: TCP access:80 blocked at once, STATUS= names the policy" start_notify
check "enforcing: edgefw.service's agent attached to both NICs, pinned; allowed rows connect, others blocked" enforcement
if [ $FAIL -ne 0 ]; then
	cx journalctl --no-pager -o cat -u edgefw | tail -n 30 | sed 's/^/        /'
	die "edgefw.service does not start and enforce; not testing the rest"
fi

log "== reload"
check "systemctl reload to B (A minus ext-av-stun-tcp-443-in): generation +1, TCP av:443 blocked" reload_to B.json blocked
check "systemctl reload back to A: generation +1, TCP av:443 connects" reload_to A.json ok
check "systemctl reload of an invalid policy fails; the agent, generation and crc32 stay; A keeps enforcing" reload_refused

log "== events"
check "events: the unit writes /var/log/edgefw/events.json (0600, directory 0750); the journal has the agent's messages and no event" \
	events_file
check "events: a burst of 100 000 drops (event limits off): every drop an event sent, lost or suppressed, every one sent written, the files hold exactly events_written" \
	event_burst
check "events: moved away (as logrotate does) and edgefw reopen: a new file, every line accounted for" events_reopen

log "== SIGKILL of the agent under traffic"
check "SIGKILL: Restart= brings the agent back; it adopts the pins (takes over the live generation) and enforces" sigkill_restart
if [ -n "$KILL_OK" ]; then
	check "SIGKILL: no blocked UDP probe to access:3478 reached the node while the agent was dead" no_leak kill 41012
	check "SIGKILL: every allowed UDP echo (av:3478, 5 ms apart) answered, the TCP stream to access:443 intact" no_loss kill
fi

log "== upgrade under traffic: dpkg -i edgefw_$NEWVERSION"
check "upgrade: the old agent hands over (SIGUSR2), the new binary adopts the pins and the live generation, enforcing" upgrade upgrade 41013
if [ -n "$UPG_OK" ]; then
	check "upgrade: no blocked UDP probe to access:3478 reached the node during the handover" no_leak upgrade 41013
	check "upgrade: every allowed UDP echo answered, the TCP stream to access:443 intact" no_loss upgrade
fi

log "== upgrade of a service that runs but is not enabled"
UPG_OK=
check "systemctl disable (the agent keeps running)" \
	eval 'cx systemctl disable edgefw && [ "$(prop ActiveState)" = active ] && [ "$(cx systemctl is-enabled edgefw || true)" = disabled ]'
check "reinstall while disabled: the agent is handed over and started again, enforcing" upgrade reinstall 41014
if [ -n "$UPG_OK" ]; then
	check "reinstall while disabled: no blocked UDP probe reached the node" no_leak reinstall 41014
	check "reinstall while disabled: every allowed UDP echo answered, the TCP stream intact" no_loss reinstall
fi
check "systemctl enable again" cx systemctl enable edgefw

log "== restart and stop"
check "systemctl restart: a fresh agent (generation 1, no takeover) enforcing when it returns" restart_unit
check "systemctl stop: inactive, nothing attached on either NIC, nothing pinned, traffic unfiltered" stop_unit

summary
