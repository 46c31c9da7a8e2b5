#!/bin/bash
# The Ansible role packaging/ansible/roles/edgefw, run by site.yml against
# this machine (connection: local) while an edgefw agent enforces on a node
# built from network namespaces.  Checks that a run renders, validates and
# reloads (generation 1 -> 2) and that real traffic follows the new policy;
# that a second run changes nothing; that a broken variable stops at the
# validate step with the old policy still enforced; and the confirmed
# rollout (apply --confirm-within, reachability check, confirm), including
# one that fails its check and is rolled back by the agent.
#
# Debian packages needed (as root: apt-get install -y --no-install-recommends ...):
#   ansible-core python3 python3-apt jq iproute2 util-linux coreutils
#   and, to build the package when build/deb has none, the build list of deb.sh
#
# Usage (as root):  tests/packaging/ansible.sh
#   ANSIBLE_DEB=FILE   the package to install (default: build/deb/edgefw_*.deb,
#                      built with `make deb` when missing)
#   ANSIBLE_KEEP=1     keep the work dir and leave the package installed
#   ANSIBLE_VERBOSE=1  print the output of passing checks too
#
# Topology, in network namespaces named efa-*: efa-node (the edge node:
# external NIC efa-next with Access/Web Conferencing/A/V 203.0.113.10-12,
# internal NIC efa-nint with 198.18.0.10), efa-inet (the internet,
# 203.0.113.1), efa-corp (the corporate side: a Front End 198.18.0.20, another
# server 198.18.0.99, and the admin host 198.18.255.1, inside admin_hosts,
# where ansible-playbook runs: the controller).  The agent runs in efa-node
# with its pins in /sys/fs/bpf/efa-node and its run dir in the work dir.
# The role installs the package for real (/usr/sbin/edgefw): an edgefw
# package already installed (an earlier run) is purged first, and the
# package is purged at the end.  Exit status: 0 when every check passed.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
SUITE=ansible NS_PREFIX=efa- VERBOSE=${ANSIBLE_VERBOSE:-} KEEP=${ANSIBLE_KEEP:-}
TERM_RC=143 AGENT_WAIT=100 AGENT_GRACE=5 EFW_TIMEOUT=20
NS_SYSCTL=()
PLAYBOOK=$ROOT/packaging/ansible/site.yml
ROLE_VARS=$ROOT/packaging/ansible/roles/edgefw/vars/shipped-policy.json
SHIPPED=$ROOT/policies/lync2013-scaled-edge-dnslb-public.json
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive

NS_NODE=efa-node NS_INET=efa-inet NS_CORP=efa-corp
PINS=/sys/fs/bpf/efa-node
NODE=edge1
ACC=203.0.113.10 WEB=203.0.113.11 AV=203.0.113.12 INT=198.18.0.10
INET=203.0.113.1
CORP_GW=198.18.0.1 FE=198.18.0.20 OTHER=198.18.0.99 ADMIN=198.18.255.1

on_failure() {
	log "---- agent stderr (last 30 lines)"
	tail -n 30 "$WORK/agent-1.log" 2>/dev/null
}
on_cleanup() { if [ -z "$KEEP" ]; then purge_pkg; fi; } # the package goes too, unless ANSIBLE_KEEP

# ---- traffic --------------------------------------------------------------------

# connects NS SRC DST PORT: a TCP connection from SRC is accepted
connects() { nx "$1" "$PY" "$WORK/tcp.py" "$2" "$3" "$4" 2; }
# blocked NS SRC DST PORT: the SYN gets no answer at all (edgefw drops it;
# every port tested has a listener, so without edgefw it would connect)
blocked() {
	local rc=0
	nx "$1" "$PY" "$WORK/tcp.py" "$2" "$3" "$4" 1 || rc=$?
	[ $rc -eq 2 ] || { echo "exit status $rc, expected 2 (timed out)"; return 1; }
}

# ---- the agent --------------------------------------------------------------------

generation() { efw status --json | jq -r '.policy.generation'; }

generation_is() { # WANT
	local g
	g=$(generation) || { echo "edgefw status failed"; return 1; }
	echo "generation $g"
	[ "$g" = "$1" ]
}

# ---- ansible --------------------------------------------------------------------------

# play TAG [ansible-playbook args]: site.yml with the test inventory, run by
# the controller (the admin host in efa-corp); output in $WORK/TAG.out
play() {
	local tag=$1 rc=0
	shift
	(cd "$WORK" && ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 \
		ANSIBLE_LOCAL_TEMP="$WORK/ansible-tmp" ANSIBLE_REMOTE_TEMP="$WORK/ansible-tmp" \
		ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_CONFIG="$WORK/ansible.cfg" \
		timeout 300 nsenter --net=/run/netns/$NS_CORP \
		ansible-playbook -i "$WORK/inventory.yml" "$PLAYBOOK" "$@") >"$WORK/$tag.out" 2>&1 || rc=$?
	echo "ansible-playbook exit status $rc" >>"$WORK/$tag.out"
	return $rc
}

recap() { # TAG FIELD: a number from the PLAY RECAP line of the test host
	sed -n "s/^efa-edge1 *:.* $2=\([0-9]*\).*/\1/p" "$WORK/$1.out" | tail -n 1
}

show_run() { # TAG: the recap and the tasks that changed or failed
	grep -E '^(changed|fatal|failed|RUNNING HANDLER)|^efa-edge1 *:|exit status' "$WORK/$1.out" || true
}

run_ok() { # TAG [args]: the play succeeds, something changed
	play "$@" || { cat "$WORK/$1.out"; return 1; }
	show_run "$1"
	[ "$(recap "$1" failed)" = 0 ] && [ "$(recap "$1" changed)" -gt 0 ]
}

handler_ran() { # TAG NAME: the handler ran (was not skipped)
	grep -A1 "^RUNNING HANDLER \[edgefw : $2\]" "$WORK/$1.out" | grep -q '^changed: \[efa-edge1\]'
}

# ---- preconditions and setup ---------------------------------------------------------------

needs_root "namespaces, BPF, apt"
needs_tools "see the package list at the top" ansible-playbook jq ip nsenter "$PY" dpkg-deb
"$PY" -c 'import apt' 2>/dev/null || die "missing python3-apt (Ansible's apt module needs it)"

suite_begin ansible

DEB=${ANSIBLE_DEB:-}
if [ -z "$DEB" ]; then
	DEB=$(ls -t "$ROOT"/build/deb/edgefw_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -n 1 || true)
	if [ -z "$DEB" ]; then
		log "== building the package (make deb)"
		(cd "$ROOT" && timeout 1200 make deb) >"$WORK/make-deb.log" 2>&1 ||
			{ tail -n 30 "$WORK/make-deb.log"; die "make deb failed"; }
		DEB=$(ls -t "$ROOT"/build/deb/edgefw_*_"$(dpkg --print-architecture)".deb | head -n 1)
	fi
fi
case $DEB in /*) ;; *) DEB=$PWD/$DEB ;; esac
[ -s "$DEB" ] || die "no package: $DEB"
VERSION=$(dpkg-deb -f "$DEB" Version)
# the agent runs the package's own binary (the role installs the same file
# to /usr/sbin; the agent must run before the first play)
dpkg-deb -x "$DEB" "$WORK/pkgroot"
EDGEFW=$WORK/pkgroot/usr/sbin/edgefw

# leftovers of an earlier run: the package (suite_begin swept namespaces and pins)
purge_leftover

mkdir -p "$WORK/etc" "$WORK/run" "$WORK/ansible-tmp"
# no /etc/ansible/ansible.cfg or ~/.ansible.cfg of this machine
printf '[defaults]\n' >"$WORK/ansible.cfg"
POLICY=$WORK/etc/policy.json

cat >"$WORK/tcp.py" <<'EOF'
# tcp.py SRC DST PORT TIMEOUT: exit 0 connected, 2 timed out, 1 refused/error
import socket, sys
src, dst, port, tmo = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(tmo)
s.bind((src, 0))
try:
    s.connect((dst, port))
except socket.timeout:
    print(f"{src} -> {dst}:{port} timed out")
    sys.exit(2)
except OSError as e:
    print(f"{src} -> {dst}:{port} {e}")
    sys.exit(1)
print(f"{src} -> {dst}:{port} connected")
EOF
cat >"$WORK/serve.py" <<'EOF'
# serve.py READY PORT...: accept and close on every port, for 600 s at most
import selectors, socket, sys, time
sel = selectors.DefaultSelector()
for p in sys.argv[2:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(p)))
    s.listen(64)
    sel.register(s, selectors.EVENT_READ)
open(sys.argv[1], "w").close()
end = time.time() + 600
while time.time() < end:
    for key, _ in sel.select(1):
        c, _ = key.fileobj.accept()
        c.close()
EOF

build_topology() {
	local ns
	for ns in $NS_NODE $NS_INET $NS_CORP; do ns_new $ns; done
	veth $NS_NODE efa-next $NS_INET efa-iext
	veth $NS_NODE efa-nint $NS_CORP efa-cint
	# the node: three service addresses outside, the internal one inside
	addrs $NS_NODE efa-next $ACC/24 $WEB/24 $AV/24
	addrs $NS_NODE efa-nint $INT/24
	ip -n $NS_NODE route add default via $INET src $ACC
	ip -n $NS_NODE route add 198.18.255.0/28 via $CORP_GW
	# the internet
	ip -n $NS_INET addr add $INET/24 dev efa-iext
	# corporate: a gateway, a Front End, another server, the admin host (the
	# Ansible controller: its connections to the node come from $ADMIN)
	addrs $NS_CORP efa-cint $CORP_GW/24 $FE/24 $OTHER/24 $ADMIN/28
	ip -n $NS_CORP route replace 198.18.0.0/24 dev efa-cint src $ADMIN
	# listeners on the node: SIP/MTLS, WinRM, RDP, node_exporter, 8080 (no rule)
	nsenter --net=/run/netns/$NS_NODE timeout 900 "$PY" "$WORK/serve.py" "$WORK/serve.ready" \
		5061 5985 3389 9100 8080 >"$WORK/serve.log" 2>&1 &
	PIDS+=($!)
	wait_file "$WORK/serve.ready" 50 || { cat "$WORK/serve.log"; die "the listeners did not start"; }
}

# the policy the node runs before Ansible: the shipped one with this node
write_initial_policy() {
	jq --arg acc $ACC --arg web $WEB --arg av $AV --arg int $INT '
		.nodes = [{name: "edge1", interfaces: {external: "efa-next", internal: "efa-nint"},
		           addresses: {access: [$acc], webconf: [$web], av: [$av], internal: [$int]}}]' \
		"$SHIPPED" >"$POLICY"
}

confirm_vars() { # WITHIN TIMEOUT: a confirmed rollout adding WinRM from the admin hosts (YAML)
	cat <<-EOF
	edgefw_confirmed_rollout: true
	edgefw_confirm_within: $1
	edgefw_confirm_check_timeout: $2
	edgefw_confirm_checks: ["$INT:5985"]
	edgefw_extra_management_rules:
	  - {name: mgmt-node-exporter, interface: internal, direction: in, service: internal,
	     protocol: tcp, ports: "9100", peer: admin_hosts}
	  - {name: mgmt-winrm, interface: internal, direction: in, service: internal,
	     protocol: tcp, ports: "5985", peer: admin_hosts}
	EOF
}

write_inventory() {
	cat >"$WORK/inventory.yml" <<-EOF
	# one host: this machine, as the edge node efa-node's Linux host
	all:
	  children:
	    edge_pool:
	      hosts:
	        efa-edge1:
	          ansible_connection: local
	          ansible_become: false
	          ansible_python_interpreter: $PY
	          edgefw_node_name: $NODE
	          edgefw_addresses:
	            access: [$ACC]
	            webconf: [$WEB]
	            av: [$AV]
	            internal: [$INT]
	      vars:
	        edgefw_interfaces: {external: efa-next, internal: efa-nint}
	        # the Front End pool is the only SIP next hop
	        edgefw_peers:
	          sip_next_hop: [$FE/32]
	          front_end: [$FE/32]
	        # node_exporter from the admin hosts
	        edgefw_extra_management_rules:
	          - {name: mgmt-node-exporter, interface: internal, direction: in, service: internal,
	             protocol: tcp, ports: "9100", peer: admin_hosts}
	        edgefw_package_deb: $DEB
	        edgefw_package_cache_dir: $WORK/cache
	        edgefw_policy_path: $POLICY
	        edgefw_default_file: $WORK/etc/default-edgefw
	        edgefw_service_manage: false
	        edgefw_reload_command: edgefw reload
	        edgefw_restart_command: touch $WORK/restarted
	        edgefw_environment: {EDGEFW_RUN_DIR: $WORK/run}
	EOF
	# the confirmed rollout: WinRM from the admin hosts is added, the
	# controller checks it before confirming
	confirm_vars 60 5 >"$WORK/confirm-ok.yml"
	# a bad push: admin_hosts no longer holds the controller, so its check fails
	{
		confirm_vars 10 3
		cat <<-EOF
		edgefw_peers:
		  sip_next_hop: [$FE/32]
		  front_end: [$FE/32]
		  admin_hosts: [198.18.254.0/28]
		EOF
	} >"$WORK/confirm-bad.yml"
	# a broken variable: an address that is not one
	cat >"$WORK/broken.yml" <<-EOF
	edgefw_addresses:
	  access: [203.0.113.300]
	  webconf: [$WEB]
	  av: [$AV]
	  internal: [$INT]
	EOF
}

# ---- checks -----------------------------------------------------------------------------------

role_vars_in_sync() { # the role's rules are the shipped policy's
	jq -e -n --slurpfile r "$ROLE_VARS" --slurpfile s "$SHIPPED" '
		($r[0].edgefw_shipped_policy) as $v | $s[0] as $p |
		$v.rules == $p.rules and $v.management == $p.management and $v.peers == $p.peers and
		$v.settings == $p.settings and $v.name == $p.name and ($v.rules | length) == 37' ||
		{ echo "run packaging/ansible/update-shipped-policy.sh"; return 1; }
}

rendered_ok() { # the rendered pool policy: one node, the shipped rules + the inventory's
	jq -e --slurpfile s "$SHIPPED" '
		.format == "edgefw/v1" and (.nodes | length) == 1 and .nodes[0].name == "edge1" and
		.nodes[0].interfaces == {external: "efa-next", internal: "efa-nint"} and
		.rules == $s[0].rules and
		.management == $s[0].management + [{name: "mgmt-node-exporter", interface: "internal",
			direction: "in", service: "internal", protocol: "tcp", ports: "9100", peer: "admin_hosts"}] and
		.peers.sip_next_hop == ["198.18.0.20/32"] and .peers.admin_hosts == $s[0].peers.admin_hosts' \
		"$POLICY" >/dev/null && "$EDGEFW" validate "$POLICY"
}

default_file_ok() {
	cat "$WORK/etc/default-edgefw"
	grep -qx "EDGEFW_OPTS=\"--node $NODE\"" "$WORK/etc/default-edgefw" &&
		grep -qx "EDGEFW_POLICY=\"$POLICY\"" "$WORK/etc/default-edgefw" &&
		[ -e "$WORK/restarted" ]
}

package_installed() {
	dpkg-query -W -f='${Package} ${Version} ${db:Status-Status}\n' edgefw
	[ "$(pkg_state)" = installed ] && [ "$(dpkg-query -W -f='${Version}' edgefw)" = "$VERSION" ] &&
		[ -x /usr/sbin/edgefw ]
}

first_run() {
	run_ok run1 || return 1
	handler_ran run1 "Reload edgefw" || { echo "the reload handler did not run"; return 1; }
	grep -q '^changed: \[efa-edge1\]' "$WORK/run1.out"
}

idle_run() { # TAG [args]: changed=0, no handler ran
	rm -f "$WORK/restarted"
	play "$@" || { cat "$WORK/$1.out"; return 1; }
	show_run "$1"
	[ "$(recap "$1" changed)" = 0 ] && [ "$(recap "$1" failed)" = 0 ] || return 1
	if handler_ran "$1" "Reload edgefw" || [ -e "$WORK/restarted" ]; then
		echo "a handler ran"
		return 1
	fi
}

play_fails() { # TAG SAVED [args]: the play fails; SAVED: the policy file from before it
	cp "$POLICY" "$2"
	if play "$1" "${@:3}"; then
		cat "$WORK/$1.out"
		echo "the play succeeded"
		return 1
	fi
	show_run "$1"
}

broken_run_stops_at_validate() {
	play_fails run3 "$WORK/before-broken.json" -e "@$WORK/broken.yml" || return 1
	# the template task failed on edgefw validate's message; nothing after it ran
	grep -A3 '^TASK \[edgefw : Render the pool policy' "$WORK/run3.out" | grep -q '^fatal: \[efa-edge1\]' &&
		grep -q 'failed to validate' "$WORK/run3.out" &&
		grep -q 'addresses.access' "$WORK/run3.out" &&
		! handler_ran run3 "Reload edgefw" || { cat "$WORK/run3.out"; return 1; }
	cmp "$POLICY" "$WORK/before-broken.json" && echo "the policy file is unchanged"
}

no_backup_left() {
	local left
	left=$(find "$WORK/etc" -name 'policy.json.*' -print)
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}

confirmed_ok() {
	run_ok run4 -e "@$WORK/confirm-ok.yml" || return 1
	grep -A2 '^TASK \[edgefw : Apply the policy' "$WORK/run4.out" | grep -q '^changed: \[efa-edge1\]' &&
		grep -A2 '^TASK \[edgefw : The controller reaches ' "$WORK/run4.out" | grep -q '^ok: \[efa-edge1\]' &&
		grep -A2 '^TASK \[edgefw : Confirm the policy' "$WORK/run4.out" | grep -q '^changed: \[efa-edge1\]' ||
		{ cat "$WORK/run4.out"; return 1; }
	# confirmed: nothing pending; the reload handler stayed out of it
	efw status --json | jq -e '.confirm_by_epoch_seconds == null' >/dev/null &&
		! handler_ran run4 "Reload edgefw" && jq -e '[.management[].name] | index("mgmt-winrm")' "$POLICY"
}

confirmed_bad_fails() {
	play_fails run5 "$WORK/before-bad.json" -e "@$WORK/confirm-bad.yml" || return 1
	grep -A2 '^TASK \[edgefw : Apply the policy' "$WORK/run5.out" | grep -q '^changed: \[efa-edge1\]' &&
		grep -q 'the new policy was not confirmed' "$WORK/run5.out" &&
		! grep -q '^TASK \[edgefw : Confirm the policy' "$WORK/run5.out" || { cat "$WORK/run5.out"; return 1; }
	cmp "$POLICY" "$WORK/before-bad.json" && echo "the previous policy file was put back"
}

rolled_back() { # WANT_GENERATION: the agent rolled back by itself, in time
	local n=300 s
	while [ $n -gt 0 ]; do
		s=$(efw status --json 2>/dev/null || true)
		if jq -e --argjson g "$1" '.policy.generation == $g and .confirm_by_epoch_seconds == null' \
			<<<"$s" >/dev/null 2>&1; then
			grep -E 'rolling back|rolled back' "$WORK/agent-1.log"
			cmp "$POLICY" "$WORK/before-bad.json" && echo "policy file: the confirmed one"
			return
		fi
		sleep 0.1
		n=$((n - 1))
	done
	echo "$s"
	tail -n 5 "$WORK/agent-1.log"
	return 1
}

# ---- the test ------------------------------------------------------------------------------------

log "== setup (package $VERSION: $DEB)"
build_topology
write_initial_policy
write_inventory
check "the role's vars/shipped-policy.json is the shipped policy (37 rules, management, peers)" role_vars_in_sync
check "control, before edgefw: admin -> internal:9100 connects" connects $NS_CORP $ADMIN $INT 9100
check "control, before edgefw: internet -> access:8080 connects" connects $NS_INET $INET $ACC 8080
check "agent starts on the node (generation 1)" start_agent "$POLICY"
check "status --json: generation 1" generation_is 1
check "gen 1: internet -> access:5061 connects" connects $NS_INET $INET $ACC 5061
check "gen 1: internet -> access:8080 blocked (no rule)" blocked $NS_INET $INET $ACC 8080
check "gen 1: admin -> internal:9100 blocked (no management rule yet)" blocked $NS_CORP $ADMIN $INT 9100
check "gen 1: other corporate host -> internal:5061 connects (sip_next_hop any)" connects $NS_CORP $OTHER $INT 5061

log "== first run: install, render, validate, reload"
check "run 1 succeeds and changes the node; the reload handler runs" first_run
check "the package $VERSION is installed by the role" package_installed
check "the rendered policy: the node, the shipped rules + mgmt-node-exporter, narrowed peers; valid" rendered_ok
check "$WORK/etc/default-edgefw names the node and the policy; restart handler ran" default_file_ok
check "status --json: generation 2" generation_is 2
check "gen 2: admin -> internal:9100 connects (the new management rule)" connects $NS_CORP $ADMIN $INT 9100
check "gen 2: other corporate host -> internal:5061 blocked (sip_next_hop narrowed)" blocked $NS_CORP $OTHER $INT 5061
check "gen 2: Front End -> internal:5061 connects" connects $NS_CORP $FE $INT 5061
check "gen 2: admin -> internal:3389 connects (shipped RDP rule)" connects $NS_CORP $ADMIN $INT 3389

log "== second run: nothing to do"
check "run 2: changed=0, no handler" idle_run run2
check "status --json: generation still 2" generation_is 2

log "== a broken variable"
check "run 3 (access address 203.0.113.300) fails at the validate step; file unchanged" broken_run_stops_at_validate
check "status --json: generation still 2" generation_is 2
check "old policy enforced: admin -> internal:9100 connects" connects $NS_CORP $ADMIN $INT 9100
check "old policy enforced: other corporate host -> internal:5061 blocked" blocked $NS_CORP $OTHER $INT 5061

log "== confirmed rollout"
check "before: admin -> internal:5985 blocked" blocked $NS_CORP $ADMIN $INT 5985
check "run 4 (confirmed): apply, the controller reaches $INT:5985, confirm" confirmed_ok
check "status --json: generation 3 (one apply, no reload)" generation_is 3
check "gen 3: admin -> internal:5985 connects" connects $NS_CORP $ADMIN $INT 5985
check "no policy backup left behind" no_backup_left
check "run 5 (confirmed, admin_hosts without the controller): check fails, no confirm, file put back" \
	confirmed_bad_fails
check "the agent rolls back by itself within confirm_within (generation 5, nothing pending)" rolled_back 5
check "after the rollback: admin -> internal:5985 connects" connects $NS_CORP $ADMIN $INT 5985
check "after the rollback: admin -> internal:9100 connects" connects $NS_CORP $ADMIN $INT 9100
check "no policy backup left behind" no_backup_left
check "run 6 (confirmed, the vars of run 4): changed=0, nothing applied" idle_run run6 -e "@$WORK/confirm-ok.yml"
check "status --json: generation still 5" generation_is 5

summary
