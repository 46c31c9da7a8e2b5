#!/bin/bash
# edgefw command-line contract tests (see tests/e2e/README.md, "cli.sh"):
#
#   exit status 2 for every command's usage errors and 3 for the system
#   errors (no agent, missing interface, BPF load or attach failed), one
#   table line per case; next to other XDP/tc users (a foreign XDP program
#   is refused and left alone, foreign tc filters survive run, reload, stop
#   and detach); a pinned map whose layout changed is recreated, and what
#   that does to flows.
#
# Debian packages needed: iproute2 python3 procps coreutils util-linux
# (nsenter, setpriv) bpftool.  The foreign XDP program is
# tests/e2e/xdp_pass.bpf.c, built by make (XDP_PASS_OBJ).
#
# Usage (as root):  make e2e-test     or   tests/e2e/cli.sh
#   EDGEFW=path/to/edgefw   the binary (default: $BUILD/edgefw, BUILD=build)
#   XDP_PASS_OBJ=path       the foreign XDP object (default: $BUILD/tests/xdp_pass.bpf.o)
#   E2E_VERBOSE=1           print the output of passing checks too
#   E2E_KEEP=1              keep the work dir (policies, logs)
#
# Everything lives in network namespaces named efc-* with pins under
# /sys/fs/bpf/efc-*; only 203.0.113.0/24 and 198.18.0.0/15 are used; nothing
# leaves the namespaces.  Exit status: 0 when every check passed.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
SUITE=cli NS_PREFIX=efc-
built EDGEFW edgefw
built XDP_PASS_OBJ tests/xdp_pass.bpf.o

# ---- names and addresses ---------------------------------------------------

NS_CLI=efc-cli     # nothing but lo: the command-line table runs here
NS_NODE=efc-edge   # edge1, local model
NS_INET=efc-inet   # the internet
NS_CORP=efc-corp   # the corporate side
NS_VM=efc-vm       # a server behind the node: its Web Conferencing address (forwarded)
EXT=efc-ext INTIF=efc-int          # the node's NICs
BR=efc-br                          # a bridge on the node: no native XDP
UNM=efc-u0                         # a NIC of the node edgefw does not manage
ACC=203.0.113.230 WEB=203.0.113.231 AV=203.0.113.232   # WEB lives on efc-vm
INT=198.18.110.10
INET=203.0.113.225                 # an internet client, on the link
CORP=198.18.110.100

# ---- bookkeeping ------------------------------------------------------------

declare -A AGENT=() # by TAG

# known_bug WHY NAME CMD...: a check of documented behaviour the agent does
# not have yet.  Failing, it is reported XFAIL (not counted as a failure);
# passing, it fails, so that the mark is removed once the bug is fixed.
known_bug() {
	local why=$1 name=$2 out=$WORK/check.out
	shift 2
	if "$@" >"$out" 2>&1; then
		FAIL=$((FAIL + 1))
		FAILED+=("$name")
		printf 'FAIL  %s\n        (marked as a known bug, "%s", but it passes: remove the mark)\n' "$name" "$why"
	else
		XFAIL=$((XFAIL + 1))
		printf 'XFAIL %s (known bug: %s)\n' "$name" "$why"
		[ -n "${E2E_VERBOSE:-}" ] && sed 's/^/        /' "$out"
	fi
	return 0
}

# The UDP helper (standard library only), written to WORK/udp.py at start:
#   uhold BIND PORT DST DPORT DIR: bind BIND:PORT, send "q1" to DST:DPORT (the
#     node opens a UDP flow), append every datagram received to DIR/log as
#     "PAYLOAD PEER:PORT"; DIR/send.N makes it send "qN"; DIR/stop (or 60 s)
#     ends it; DIR/ready once bound.
#   usend SRC SPORT DST DPORT PAYLOAD: one datagram from SRC:SPORT.
write_udp_tool() {
	cat >"$WORK/udp.py" <<-'EOF'
	import os, socket, sys, time
	mode = sys.argv[1]
	if mode == "usend":
	    src, sport, dst, dport, payload = sys.argv[2:7]
	    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	    s.bind((src, int(sport)))
	    s.sendto(payload.encode(), (dst, int(dport)))
	    sys.exit(0)
	bind, port, dst, dport, d = sys.argv[2:7]
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind((bind, int(port)))
	s.settimeout(0.05)
	s.sendto(b"q1", (dst, int(dport)))
	open(os.path.join(d, "ready"), "w").close()
	n, end = 1, time.monotonic() + 60
	with open(os.path.join(d, "log"), "a", buffering=1) as log:
	    while time.monotonic() < end and not os.path.exists(os.path.join(d, "stop")):
	        if os.path.exists(os.path.join(d, "send.%d" % (n + 1))):
	            n += 1
	            s.sendto(b"q%d" % n, (dst, int(dport)))
	        try:
	            data, peer = s.recvfrom(2048)
	            log.write("%s %s:%d\n" % (data.decode(errors="replace"), peer[0], peer[1]))
	        except socket.timeout:
	            pass
	EOF
}

# ---- agents -------------------------------------------------------------------

detached_tag() { # TAG [IF...]: nothing of edgefw on the NICs (default both), no pins of TAG
	local tag=$1
	shift
	detached "/sys/fs/bpf/efc-$tag" "$@"
}

# start_agent TAG NAME POLICY [run options]: logs in NAME.log, events in
# NAME.events; waits until it says it is enforcing
start_agent() {
	launch_agent "$1" "$WORK/$2.events" "$WORK/$2.log" --policy "$3" --node edge1 "${@:4}" ||
		{ cat "$WORK/$2.log"; echo "agent $2 did not say it is enforcing"; return 1; }
	cat "$WORK/$2.log"
}

# run_fails TAG NAME WANT FRAGMENT POLICY [options]: edgefw run (bounded) must
# exit WANT and say FRAGMENT
run_fails() {
	local tag=$1 name=$2 want=$3 frag=$4 pol=$5 rc=0
	shift 5
	as_agent "$tag" "${PRE[@]}" "$EDGEFW" run --policy "$pol" --node edge1 "$@" \
		>"$WORK/$name.events" 2>"$WORK/$name.log" || rc=$?
	echo "edgefw run $*: exit status $rc"
	sed 's/^/  /' "$WORK/$name.log"
	[ "$rc" = "$want" ] || { echo "expected exit status $want"; return 1; }
	grep -qF -- "$frag" "$WORK/$name.log" || { echo "no \"$frag\" in its messages"; return 1; }
}
PRE=()

# ---- topology ------------------------------------------------------------------

build_topology() {
	ns_new $NS_CLI
	one_node 27 $ACC $AV
	ns_new $NS_VM
	veth $NS_NODE $UNM $NS_NODE efc-u1
	ip -n $NS_NODE link add $BR type bridge
	ip -n $NS_NODE link set $BR up
	# Web Conferencing is forwarded by the node to efc-vm (the router model)
	veth $NS_NODE efc-v0 $NS_VM efc-v1
	ip -n $NS_NODE addr add 198.18.111.1/30 dev efc-v0
	ip -n $NS_VM addr add 198.18.111.2/30 dev efc-v1
	ip -n $NS_VM addr add $WEB/32 dev efc-v1
	ip -n $NS_VM route add default via 198.18.111.1 src $WEB
	ip -n $NS_NODE route add $WEB/32 via 198.18.111.2
	ip netns exec $NS_NODE sysctl -qw net.ipv4.ip_forward=1
	ip -n $NS_INET route add $WEB/32 via $ACC
}

start_services() {
	start_server $NS_NODE node --lifetime 200 --tcp 80,443
	start_server $NS_VM vm --lifetime 200 --tcp 443
}

write_policies() {
	write_policy "$WORK/A.json" &&
		write_policy "$WORK/missing.json" "n['interfaces']['internal'] = 'efc-nosuch'" &&
		write_policy "$WORK/bridge.json" "n['interfaces']['internal'] = '$BR'"
}

# ==== 1. exit status: the command-line table ======================================

# One line per case: EXIT | ARGUMENTS | FRAGMENT [| known bug: WHY].
# ARGUMENTS are split as the shell would ($POL is a valid policy, $WORK the
# work dir); FRAGMENT must appear in what the command prints.  Every command
# runs in the empty namespace efc-cli, with pins, run and state directories
# of its own (nothing is there: "no agent"), and in the background of a
# 20 s time limit.
CLI_TABLE='
# no command, unknown command
2 |                                          | Usage: edgefw COMMAND
2 | nosuch                                   | unknown command "nosuch"
2 | --bogus                                  | unknown command "--bogus"
# validate [--node NAME] [--strict] POLICY
2 | validate --bogus $POL                    | unrecognized option
2 | validate                                 | Usage: edgefw validate
2 | validate $POL $POL                       | Usage: edgefw validate
2 | validate $POL --node                     | requires an argument
1 | validate $WORK/nosuch.json               | nosuch.json
# init
2 | init --bogus                             | unrecognized option
2 | init --list extra                        | Usage: edgefw init
2 | init --topology                          | requires an argument
2 | init --node e1                           | --topology NAME is required
2 | init --topology nosuch                   | unknown topology "nosuch"
2 | init --topology $TOPO --external efc-x   | --external comes after the --node
2 | init --topology $TOPO --peer nosuch      | write SET=CIDR
2 | init --topology $TOPO $INIT_NODE -o $POL | exists (--force replaces it)
1 | init --topology $TOPO --peer nosuch=198.18.0.0/24 $INIT_NODE | has no peer set "nosuch"
# diff [--node NAME] OLD NEW
2 | diff --bogus $POL $POL                   | unrecognized option
2 | diff $POL                                | Usage: edgefw diff
2 | diff $POL $POL $POL                      | Usage: edgefw diff
2 | diff $POL $POL --node                    | requires an argument
2 | diff --node nosuch $POL $POL             | neither policy has a node named "nosuch"
# matrix [--node NAME] [--format text|markdown] [--ref] [POLICY]
2 | matrix --bogus $POL                      | unrecognized option
2 | matrix $POL $POL                         | Usage: edgefw matrix
2 | matrix --format html $POL                | --format: "html" is not text or markdown
2 | matrix $POL --format                     | requires an argument
# run (with a policy and a node: a run that got past its options would fail
# on the missing NICs, never attach anything)
2 | run --bogus --policy $POL --node edge1   | unrecognized option
2 | run --policy $POL --node edge1 extra     | Usage: edgefw run
2 | run --node edge1 --policy                | requires an argument
2 | run --policy $POL --node edge1 --xdp-mode turbo | --xdp-mode: "turbo" is not auto, native or generic
2 | run --policy $POL --node edge1 --metrics-interval 0 | --metrics-interval: "0" is not 1-86400 seconds
2 | run --policy $POL --node edge1 --sweep-interval 3601 | --sweep-interval: "3601" is not a number from 0 to 3600
2 | run --policy $POL --node edge1 --metrics-interval soon | --metrics-interval: "soon" is not 1-86400 seconds
2 | run --policy $POL --node edge1 --keep-on-exit=yes | doesn'"'"'t allow an argument
1 | run --policy $WORK/nosuch.json --node edge1 | nosuch.json
# reload
2 | reload --bogus                           | unrecognized option
2 | reload extra                             | Usage: edgefw reload
# apply POLICY [--confirm-within S]
2 | apply --bogus $POL                       | unrecognized option
2 | apply                                    | Usage: edgefw apply
2 | apply $POL $POL                          | Usage: edgefw apply
2 | apply $POL --confirm-within 0            | --confirm-within: "0" is not 1-86400 seconds
2 | apply $POL --confirm-within soon         | --confirm-within: "soon" is not 1-86400 seconds
2 | apply $POL --confirm-within 86401        | --confirm-within: "86401" is not 1-86400 seconds
2 | apply $POL --confirm-within              | requires an argument
1 | apply $WORK/nosuch.json                  | nosuch.json
# confirm
2 | confirm --bogus                          | unrecognized option
2 | confirm extra                            | Usage: edgefw confirm
# status [--json]
2 | status --bogus                           | unrecognized option
2 | status --json=yes                        | doesn'"'"'t allow an argument
2 | status extra                             | Usage: edgefw status
# stats [--json]
2 | stats --bogus                            | unrecognized option
2 | stats --json=yes                         | doesn'"'"'t allow an argument
2 | stats extra                              | Usage: edgefw stats
# explain
2 | explain --bogus                          | unrecognized option
2 | explain $PKT                             | are required
2 | explain $PKT --dst $ACC:443 extra        | are required
2 | explain --iface external --dir sideways --proto tcp --src $INET:40000 --dst $ACC:443 | --dir: "sideways" is not in or out
2 | explain --iface external --dir in --proto sctp --src $INET:40000 --dst $ACC:443 | --proto: "sctp" is not tcp, udp or icmp
2 | explain $PKT --dst $ACC:443 --flags SXZ  | --flags: letters from S A F R P
2 | explain --iface external --dir in --proto tcp --src nowhere --dst $ACC:443 | --src/--dst: two addresses of one family
2 | explain $PKT --dst 2001:db8::230         | --src/--dst: two addresses of one family
2 | explain --policy $POL --node edge1 --iface eth9 --dir in --proto tcp --src $INET:40000 --dst $ACC:443 | eth9 is not an interface of node edge1
2 | explain --policy $POL --node edge1 --iface external --dir in --proto icmp --src $INET --dst $ACC --icmp-type echo | icmp-type
# events
2 | events --bogus                           | unrecognized option
2 | events extra                             | Usage: edgefw events
2 | events --action maybe                    | --action: "maybe" is not denied, allowed, drop, pass or would-drop
2 | events --reason bogus                    | --reason: "bogus" is not a reason
2 | events --backlog                         | requires an argument
2 | events --backlog lots                    | backlog
2 | events --count lots                      | count
# blocklist add|del CIDR... | load FILE | list [--json] | clear; allowlist the same
2 | blocklist                                | Usage: edgefw blocklist
2 | blocklist frob                           | unknown action (add, del, load, list, clear)
2 | blocklist add                            | wrong number of arguments
2 | blocklist del                            | wrong number of arguments
2 | blocklist load                           | wrong number of arguments
2 | blocklist load a.txt b.txt               | wrong number of arguments
2 | blocklist list extra                     | wrong number of arguments
2 | blocklist clear extra                    | wrong number of arguments
2 | blocklist --bogus list                   | unrecognized option
2 | blocklist list --bogus                   | unrecognized option
2 | blocklist list --state-dir               | requires an argument
1 | blocklist add 203.0.113.9 not-a-cidr     | "not-a-cidr": not an IPv4 or IPv6 address
2 | allowlist                                | Usage: edgefw allowlist
2 | allowlist frob                           | unknown action (add, del, load, list, clear)
2 | allowlist add                            | wrong number of arguments
2 | allowlist list extra                     | wrong number of arguments
2 | allowlist --bogus list                   | unrecognized option
1 | allowlist add 203.0.113.0/33             | "203.0.113.0/33"
# blocked [--json]
2 | blocked --bogus                          | unrecognized option
2 | blocked extra                            | Usage: edgefw blocked
# unblock ADDR... | --all
2 | unblock                                  | Usage: edgefw unblock
2 | unblock --all 203.0.113.9                | Usage: edgefw unblock
2 | unblock --bogus                          | unrecognized option
1 | unblock not-an-address                   | "not-an-address": not an IPv4 or IPv6 address
# detach [--force]
2 | detach --bogus                           | unrecognized option
2 | detach extra                             | Usage: edgefw detach
# --help: 0, the usage on standard output
0 | validate --help                          | Usage: edgefw validate
0 | init --help                              | Usage: edgefw init
0 | diff --help                              | Usage: edgefw diff
0 | matrix --help                            | Usage: edgefw matrix
0 | run --help                               | Usage: edgefw run
0 | reload --help                            | Usage: edgefw reload
0 | apply --help                             | Usage: edgefw apply
0 | confirm --help                           | Usage: edgefw confirm
0 | status --help                            | Usage: edgefw status
0 | stats --help                             | Usage: edgefw stats
0 | explain --help                           | Usage: edgefw explain
0 | events --help                            | Usage: edgefw events
0 | blocklist --help                         | Usage: edgefw blocklist
0 | allowlist --help                         | Usage: edgefw allowlist
0 | blocked --help                           | Usage: edgefw blocked
0 | unblock --help                           | Usage: edgefw unblock
0 | detach --help                            | Usage: edgefw detach
0 | --help                                   | Usage: edgefw COMMAND
# no agent: 3 from every command that needs one (or its pins)
3 | reload                                   | no running agent
3 | reload --force                           | no running agent
3 | apply $POL                               | no running agent
3 | apply $POL --confirm-within 30           | no running agent
3 | confirm                                  | cannot reach the agent
3 | status                                   | edgefw: not running
3 | status --json                            | "state":"stopped"
3 | stats                                    | no pinned state
3 | stats --json                             | no pinned state
3 | events                                   | cannot connect to
3 | events --follow --text                   | cannot connect to
3 | blocked                                  | no pinned state
3 | unblock 203.0.113.9                      | no pinned state
3 | unblock --all                            | no pinned state
3 | explain $PKT --dst $ACC:443              | no interface external on this host
3 | explain --iface lo --dir in --proto tcp --src $INET:40000 --dst $ACC:443 | is edgefw running on this node?
# without an agent these work on files alone (documented), or fail on the system
0 | detach                                   | removed 0 item(s)
0 | blocklist add 203.0.113.9                | edgefw is not running here
0 | blocklist list                           | 203.0.113.9
3 | blocklist load $WORK/nosuch.txt          | nosuch.txt: No such file or directory
3 | blocklist --state-dir /proc/efc-nope add 203.0.113.9 | /proc/efc-nope
3 | init --topology $TOPO $INIT_NODE -o /proc/efc-nope/policy.json | cannot write /proc/efc-nope/policy.json
'

# cli_case EXIT ARGS FRAGMENT: one line of the table
cli_case() {
	local want=$1 args=$2 frag=$3 rc=0
	local -a argv=()
	eval "argv=($args)"
	timeout 20 env EDGEFW_BPFFS_DIR=/sys/fs/bpf/efc-cli EDGEFW_RUN_DIR="$WORK/run-cli" \
		EDGEFW_STATE_DIR="$WORK/state-cli" nsenter --net=/run/netns/$NS_CLI \
		"$EDGEFW" "${argv[@]}" </dev/null >"$WORK/cli.out" 2>&1 || rc=$?
	echo "edgefw $args: exit status $rc (expected $want)"
	sed -n '1,6s/^/  /p' "$WORK/cli.out"
	[ "$rc" = "$want" ] || return 1
	grep -qF -- "$frag" "$WORK/cli.out" || { echo "no \"$frag\" in the output"; return 1; }
}

cli_table() {
	local line want args frag bug
	POL=$WORK/A.json
	TOPO=sfb2015-2019-edge
	INIT_NODE="--node e1 --external efc-x --internal efc-y --access 203.0.113.10 --webconf 203.0.113.11 --av 203.0.113.12 --internal-address 198.18.0.10"
	PKT="--iface external --dir in --proto tcp --src $INET:40000"
	while IFS= read -r line; do
		case $line in '' | '#'*) continue ;; esac
		IFS='|' read -r want args frag bug <<<"$line"
		want=$(echo $want)
		args=$(echo "$args" | sed 's/^ *//; s/ *$//')
		frag=$(echo "$frag" | sed 's/^ *//; s/ *$//')
		bug=$(echo "$bug" | sed 's/^ *known bug: *//; s/ *$//')
		if [ -n "$bug" ]; then
			known_bug "$bug" "exit $want: edgefw $args" cli_case "$want" "$args" "$frag"
		else
			check "exit $want: edgefw $args" cli_case "$want" "$args" "$frag"
		fi
	done <<<"$CLI_TABLE"
}

# ==== 2. system errors of run ==========================================================

run_missing_nic() {
	run_fails miss miss 3 "internal interface efc-nosuch: No such device" "$WORK/missing.json" &&
		detached_tag miss
}

# --xdp-mode native on a NIC without native XDP (a bridge): the attach fails
# after the external NIC was attached; that one is detached again
run_no_native() {
	run_fails br br 3 "cannot attach XDP to $BR" "$WORK/bridge.json" --xdp-mode native &&
		detached_tag br $EXT $BR
}

# BPF load refused: no CAP_BPF / CAP_SYS_ADMIN (a unit whose bounding set
# lacks them), and a pin directory that is not on bpffs
run_no_caps() {
	PRE=(setpriv --bounding-set -bpf,-sys_admin,-perfmon)
	run_fails caps caps 3 "cannot load the BPF programs: Operation not permitted" "$WORK/A.json"
	local rc=$?
	PRE=()
	[ $rc = 0 ] && detached_tag caps
}

run_not_bpffs() {
	mkdir -p "$WORK/notbpffs"
	run_fails nbf nbf 3 "cannot load the BPF programs" "$WORK/A.json" --bpffs-dir "$WORK/notbpffs/pins" &&
		detached_tag nbf && [ -z "$(ls -A "$WORK/notbpffs/pins" 2>/dev/null)" ]
}

# a second agent on the same pins while one runs: refused, the first untouched
run_second_agent() {
	local rc=0
	start_agent two two-1 "$WORK/A.json" >/dev/null || { cat "$WORK/two-1.log"; return 1; }
	run_fails two two-2 3 "another edgefw agent holds /sys/fs/bpf/efc-two" "$WORK/A.json" || rc=1
	kill -0 "${AGENT[two]}" || { echo "the first agent died"; rc=1; }
	attached || rc=1
	echo "the first agent still enforces: TCP access:80 blocked, 443 passes"
	tcp_blocked $NS_INET $ACC 80 && tcp_ok $NS_INET $ACC 443 || rc=1
	stop_agent two && detached_tag two || rc=1
	return $rc
}

# ==== 3. next to other XDP and tc users ==================================================

FOREIGN_ID=
foreign_xdp_refused() { # [run options]
	local id
	[ -n "$FOREIGN_ID" ] || {
		ip -n $NS_NODE link set dev $INTIF xdp obj "$XDP_PASS_OBJ" sec xdp || return 1
		FOREIGN_ID=$(xdp_id $INTIF)
	}
	echo "foreign XDP program on $INTIF: id $FOREIGN_ID"
	[ -n "$FOREIGN_ID" ] || return 1
	run_fails fx fx 3 "another XDP program is attached; edgefw never replaces programs it did not attach" \
		"$WORK/A.json" "$@" || return 1
	id=$(xdp_id $INTIF)
	echo "afterwards: XDP id on $INTIF: ${id:-none}"
	[ "$id" = "$FOREIGN_ID" ] || { echo "the foreign program was replaced or removed"; return 1; }
	# the external NIC (attached first) was rolled back; nothing pinned
	detached_tag fx $EXT && ! tc_on $INTIF
}

# foreign filters: u32 (prio 7) and classic BPF (prio 8) on the external
# NIC's egress; on an unmanaged NIC (efc-u0) a foreign XDP program and a
# foreign eBPF filter with edgefw's own priority and handle (1, 0xef1: only
# the program's name tells it from edgefw's), on its peer (efc-u1) a classic
# BPF filter at 1/0xef1.  efc-u0/u1 carry no traffic.
FOREIGN_TC=
foreign_snapshot() {
	echo "$EXT egress: $(tc -n $NS_NODE filter show dev $EXT egress | grep -E 'pref (7|8) ' | grep -E 'fh 800::7|handle 0x8' | tr -s ' ' | tr '\n' ';')"
	echo "$UNM XDP: $(xdp_id $UNM)"
	echo "$UNM egress: $(tc -n $NS_NODE filter show dev $UNM egress | grep 'handle 0xef1' | sed 's/ tag .*//' | tr -s ' ' | tr '\n' ';')"
	echo "efc-u1 egress: $(tc -n $NS_NODE filter show dev efc-u1 egress | grep 'handle 0xef1' | tr -s ' ' | tr '\n' ';')"
}

foreign_setup() {
	ip -n $NS_NODE link set dev $INTIF xdp off
	tc -n $NS_NODE qdisc add dev $EXT clsact
	tc -n $NS_NODE filter add dev $EXT egress prio 7 handle 800::7 u32 match u32 0 0 classid 1:7
	tc -n $NS_NODE filter add dev $EXT egress prio 8 handle 8 bpf bytecode '1,6 0 0 0,'
	ip -n $NS_NODE link set dev $UNM xdp obj "$XDP_PASS_OBJ" sec xdp
	tc -n $NS_NODE qdisc add dev $UNM clsact
	tc -n $NS_NODE filter add dev $UNM egress prio 1 handle 0xef1 bpf obj "$XDP_PASS_OBJ" sec xdp
	tc -n $NS_NODE qdisc add dev efc-u1 clsact
	tc -n $NS_NODE filter add dev efc-u1 egress prio 1 handle 0xef1 bpf bytecode '1,6 0 0 0,'
	FOREIGN_TC=$(foreign_snapshot)
	echo "$FOREIGN_TC"
	[[ $FOREIGN_TC == *"fh 800::7"* && $FOREIGN_TC == *"handle 0x8 "* &&
		$FOREIGN_TC == *"$UNM XDP: "[0-9]* && $FOREIGN_TC == *"handle 0xef1"*"name xdp_pass"* &&
		$FOREIGN_TC == *"efc-u1 egress: "*"handle 0xef1"*bytecode* ]]
}

foreign_intact() { # WHEN
	local now
	now=$(foreign_snapshot)
	echo "$1:"
	echo "$now"
	[ "$now" = "$FOREIGN_TC" ] || { echo "-- before:"; echo "$FOREIGN_TC"; return 1; }
	tc -n $NS_NODE qdisc show dev $EXT | grep -q clsact || { echo "the clsact qdisc on $EXT is gone"; return 1; }
}

coex_run() {
	start_agent coex coex-1 "$WORK/A.json" >/dev/null || { cat "$WORK/coex-1.log"; return 1; }
	attached && foreign_intact "with edgefw running" || return 1
	echo "edgefw enforces next to them: TCP access:80 blocked, 443 passes"
	tcp_blocked $NS_INET $ACC 80 && tcp_ok $NS_INET $ACC 443
}

coex_reload() {
	efw coex reload && foreign_intact "after edgefw reload"
}

coex_stop() {
	stop_agent coex && detached_tag coex && foreign_intact "after SIGTERM"
}

coex_detach() {
	start_agent coex coex-2 "$WORK/A.json" --keep-on-exit >/dev/null || { cat "$WORK/coex-2.log"; return 1; }
	stop_agent coex && attached || return 1
	efw coex detach || return 1
	detached_tag coex && foreign_intact "after edgefw detach"
}

# ==== 4. a pinned map whose layout changed ===============================================

map_shape() { # PINPATH: "type key value entries flags" of a pinned map
	bpftool -j map show pinned "$1" | "$PY" -c '
import json, sys
m = json.load(sys.stdin)
print(m["type"], m["bytes_key"], m["bytes_value"], m["max_entries"], m["flags"])'
}

SHAPE_FLOWS='' SHAPE_FRAGS=''
# a fresh start over pins an older build left: ef_flows with a larger value,
# ef_frags of the right layout but another size
layout_start() {
	local d=/sys/fs/bpf/efc-lay t k v e f rc=0 sz
	read -r t k v e f <<<"$SHAPE_FLOWS"
	mkdir -p $d
	bpftool map create $d/ef_flows type "$t" key "$k" value $((v + 8)) entries 1024 name ef_flows flags "$f" || return 1
	echo "pinned before the start: ef_flows $(map_shape $d/ef_flows) (this build: $SHAPE_FLOWS)"
	read -r t k v e f <<<"$SHAPE_FRAGS"
	bpftool map create $d/ef_frags type "$t" key "$k" value "$v" entries 512 name ef_frags flags "$f" || return 1
	echo "pinned before the start: ef_frags $(map_shape $d/ef_frags) (this build: $SHAPE_FRAGS)"
	start_agent lay lay "$WORK/A.json" || return 1
	grep -qF "pinned map $d/ef_flows has another layout (an older build?); starting it empty" "$WORK/lay.log" ||
		{ echo "no 'has another layout' for ef_flows"; rc=1; }
	grep -qF "ef_frags keeps its pinned size 512" "$WORK/lay.log" ||
		{ echo "no 'ef_frags keeps its pinned size 512'"; rc=1; }
	echo "ef_flows now: $(map_shape $d/ef_flows)"
	[ "$(map_shape $d/ef_flows)" = "$SHAPE_FLOWS" ] || { echo "ef_flows was not recreated with this build's layout"; rc=1; }
	efw lay stats --json >"$WORK/stats-lay.json" 2>&1 || true
	sz="$(jget "$WORK/stats-lay.json" tables.fragments.size) $(jget "$WORK/stats-lay.json" tables.flows_trusted.size)"
	echo "stats: fragments size, flows_trusted size: $sz"
	[ "$sz" = "512 $(echo "$SHAPE_FLOWS" | awk '{print $4}')" ] || rc=1
	return $rc
}

layout_enforces() {
	tcp_blocked $NS_INET $ACC 80 && tcp_ok $NS_INET $ACC 443 && stop_agent lay && detached_tag lay
}

# What a recreated flow table does to flows.  An established TCP connection
# (internet -> access:443) and a UDP exchange the node started (access:41234
# -> the internet's port 53, DNS's egress rule) across two restarts by
# handover (SIGUSR2, then a start): the first adopts the pinned flow table,
# before the second the flow table is replaced by one of another layout.
FLOWS_OK=
flows_setup() {
	local d=$WORK/udp
	mkdir -p "$d"
	: >"$d/log"
	start_agent flow flow-1 "$WORK/A.json" >/dev/null || { cat "$WORK/flow-1.log"; return 1; }
	SHAPE_FLOWS=$(map_shape /sys/fs/bpf/efc-flow/ef_flows)
	SHAPE_FRAGS=$(map_shape /sys/fs/bpf/efc-flow/ef_frags)
	echo "this build: ef_flows $SHAPE_FLOWS, ef_frags $SHAPE_FRAGS"
	timeout 70 ip netns exec $NS_INET "${LT[@]}" hold $ACC 443 --marker "$WORK/marker" --stop "$WORK/stop-hold" \
		--max 60 --ready "$WORK/ready-hold" >"$WORK/hold.json" 2>&1 &
	PIDS+=($!)
	HOLD=$!
	timeout 70 ip netns exec $NS_INET "${LT[@]}" hold $WEB 443 --marker "$WORK/marker" --stop "$WORK/stop-hold" \
		--max 60 --ready "$WORK/ready-hold-fwd" >"$WORK/hold-fwd.json" 2>&1 &
	PIDS+=($!)
	HOLD_FWD=$!
	timeout 70 ip netns exec $NS_NODE "$PY" "$WORK/udp.py" uhold $ACC 41234 $INET 53 "$d" &
	PIDS+=($!)
	wait_file "$WORK/ready-hold" && wait_file "$WORK/ready-hold-fwd" && wait_file "$d/ready" ||
		{ echo "the connections did not open"; cat "$WORK/hold.json" "$WORK/hold-fwd.json"; return 1; }
	FLOWS_OK=1
}

late_reply() { # SPORT PAYLOAD: a datagram from the internet's SPORT to access:41234; did it arrive?
	local n=10
	nx $NS_INET "$PY" "$WORK/udp.py" usend $INET "$1" $ACC 41234 "$2" || return 2
	while [ $n -gt 0 ] && ! grep -q "^$2 " "$WORK/udp/log"; do sleep 0.1; n=$((n - 1)); done
	grep -q "^$2 " "$WORK/udp/log"
}

udp_dropped() { # SPORT PAYLOAD: sent, and it did not arrive
	local rc=0
	late_reply "$@" || rc=$?
	[ $rc = 1 ]
}

flows_before() {
	[ -n "$FLOWS_OK" ] || return 1
	echo "the node sent to $INET:53 from access:41234; a reply from port 53 passes (the flow), one from port 54 does not (no rule)"
	late_reply 53 r1 && udp_dropped 54 x1
}

flows_handover_keeps() {
	[ -n "$FLOWS_OK" ] || return 1
	stop_agent flow USR2 || return 1
	start_agent flow flow-2 "$WORK/A.json" >/dev/null || { cat "$WORK/flow-2.log"; return 1; }
	grep -E 'adopted|another layout' "$WORK/flow-2.log"
	grep -q 'another layout' "$WORK/flow-2.log" && return 1
	echo "after a plain handover, a late reply from port 53 still passes"
	late_reply 53 r2
}

FLOW3=
flows_recreated() {
	local p=/sys/fs/bpf/efc-flow/ef_flows t k v e f
	[ -n "$FLOWS_OK" ] || return 1
	stop_agent flow USR2 || return 1
	read -r t k v e f <<<"$SHAPE_FLOWS"
	# what an older build's pin would look like (the programs still
	# attached keep using their own map meanwhile)
	rm -f $p
	bpftool map create $p type "$t" key "$k" value $((v + 8)) entries "$e" name ef_flows flags "$f" || return 1
	echo "replaced: ef_flows $(map_shape $p)"
	start_agent flow flow-3 "$WORK/A.json" >/dev/null || { cat "$WORK/flow-3.log"; return 1; }
	# enforcing: the new programs (and the new, empty table) are attached
	touch "$WORK/marker"
	FLOW3=1
	grep -E 'another layout|adopted|kept [0-9]+ established' "$WORK/flow-3.log"
	grep -qF "pinned map $p has another layout (an older build?); starting it empty" "$WORK/flow-3.log" &&
		[ "$(map_shape $p)" = "$SHAPE_FLOWS" ]
}

flows_udp_lost() {
	local ev
	[ -n "$FLOW3" ] || return 1
	echo "a late reply from port 53 no longer passes: the UDP flow was in the old table"
	udp_dropped 53 r3 || { echo "it passed"; return 1; }
	sleep 0.5
	ev=$(grep '"port":41234' "$WORK/flow-3.events" | tail -n 1)
	echo "its event: $ev"
	[[ $ev == *'"action":"drop"'* ]] || return 1
	echo "the node sends again (q2): the flow is back, the next reply passes"
	touch "$WORK/udp/send.2"
	sleep 0.3
	late_reply 53 r4
}

flows_tcp_kept() {
	local f=$WORK/hold.json
	[ -n "$FLOW3" ] || return 1
	sleep 1
	touch "$WORK/stop-hold"
	wait "$HOLD" "$HOLD_FWD" || true
	cat "$f"
	grep -E 'kept [0-9]+ established TCP connection' "$WORK/flow-3.log" || { echo "no pickup"; return 1; }
	[ "$(jget "$f" sent.after)" -ge 5 ] 2>/dev/null && [ "$(jget "$f" echoed.after)" = "$(jget "$f" sent.after)" ] &&
		[ "$(jget "$f" echoed.before)" = "$(jget "$f" sent.before)" ] && [ -z "$(jget "$f" error)" ]
}

# a connection forwarded through the node is no socket of the node's: no
# pickup; its flow is gone, the client's segments are dropped (no-flow)
flows_forwarded_lost() {
	local f=$WORK/hold-fwd.json ev
	[ -n "$FLOW3" ] || return 1
	cat "$f"
	ev=$(grep "\"ip\":\"$WEB\",\"port\":443" "$WORK/flow-3.events" | tail -n 1)
	echo "its last event: $ev"
	# (the few messages sent between the swap and the marker are lost too)
	[ "$(jget "$f" echoed.before)" -ge 10 ] 2>/dev/null &&
		[ $(($(jget "$f" sent.before) - $(jget "$f" echoed.before))) -le 5 ] ||
		{ echo "it did not work, or broke before the flow table was recreated"; return 1; }
	[ "$(jget "$f" sent.after)" -ge 5 ] 2>/dev/null && [ "$(jget "$f" echoed.after)" = 0 ] &&
		[[ $ev == *'"action":"drop","reason":"no-flow"'* ]]
}

# ==== main =======================================================================

needs_root
needs_built EDGEFW XDP_PASS_OBJ
needs_tools "apt-get install iproute2 util-linux bpftool coreutils" ip tc nsenter setpriv bpftool timeout

suite_begin cli 240
HOLD= HOLD_FWD=

log "== edgefw cli: $EDGEFW ($("$EDGEFW" --version))"
build_topology
start_services
write_policies
write_udp_tool
"$EDGEFW" validate --node edge1 "$WORK/A.json" >/dev/null || die "the test policy is invalid"
check "topology: internet -> access TCP 80 and 443, -> web conferencing 443 (forwarded) connect without edgefw" \
	eval "tcp_ok $NS_INET $ACC 80 && tcp_ok $NS_INET $ACC 443 && tcp_ok $NS_INET $WEB 443"
[ $FAIL -eq 0 ] || die "the test topology does not work; not testing edgefw"

log "== 1. exit status of every command: usage errors 2, no agent 3"
cli_table

log "== 2. system errors of run: exit 3, nothing left attached or pinned"
check "run: a NIC of the node is missing: exit 3, nothing attached or pinned" run_missing_nic
check "run --xdp-mode native on a NIC without native XDP (a bridge): exit 3, the NIC attached before it is detached again" run_no_native
check "run without CAP_BPF/CAP_SYS_ADMIN (bounding set): BPF load refused, exit 3, nothing attached or pinned" run_no_caps
check "run --bpffs-dir on a directory that is not bpffs: BPF load (pinning) refused, exit 3, nothing attached" run_not_bpffs
check "run while another agent holds the pins: exit 3; the first agent keeps enforcing" run_second_agent

log "== 3. next to other XDP and tc users"
check "foreign XDP program on $INTIF: run refuses (exit 3, says so), the program stays (same id), $EXT rolled back" foreign_xdp_refused
check "foreign XDP program on $INTIF: run --force refuses just the same, the program stays (same id)" foreign_xdp_refused --force
check "foreign tc filters (u32 prio 7, cBPF prio 8 on $EXT; on $UNM an XDP program and an eBPF filter at prio 1 handle 0xef1, on efc-u1 a cBPF one) set up" foreign_setup
check "run: attaches next to the foreign filters, touches none, enforces" coex_run
check "reload: the foreign filters and programs untouched" coex_reload
check "SIGTERM: edgefw's filter gone, the foreign ones and the clsact qdisc stay" coex_stop
check "detach (after --keep-on-exit): removes edgefw's, never the foreign XDP program or filters (not even at prio 1 handle 0xef1)" coex_detach

log "== 4. a pinned map whose layout changed"
check "flows: an established TCP connection to access:443 and a UDP exchange started by the node (access:41234 -> :53)" flows_setup
check "flows: a late UDP reply passes by the node's flow (from port 54: dropped, no rule)" flows_before
check "flows: a handover (SIGUSR2 + start) adopts the flow table: the late reply still passes" flows_handover_keeps
check "flows: pinned ef_flows replaced by an older layout; the next start recreates it empty (says so)" flows_recreated
check "flows: the UDP flow is lost (its late reply dropped) until the node sends again" flows_udp_lost
check "flows: the established TCP connection survives (picked up again from the host's sockets)" flows_tcp_kept
check "flows: a TCP connection forwarded to web conferencing behind the node is lost: not picked up, its segments dropped (no-flow)" flows_forwarded_lost
check "flows agent: SIGTERM detaches everything" eval 'stop_agent flow && detached_tag flow'
check "fresh start over an older build's pins: ef_flows (other value size) recreated, ef_frags (other size) kept at 512" layout_start
check "fresh start over an older build's pins: enforces (access:80 blocked, 443 passes); SIGTERM detaches" layout_enforces

summary "$XFAIL known bugs (XFAIL)"
