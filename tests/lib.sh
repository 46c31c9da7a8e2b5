#!/bin/bash
# What the test suites share (tests/e2e/*.sh, tests/systemd/run.sh,
# tests/packaging/*.sh, tests/valgrind.sh): sourced first, never run.
#
#   . "$(dirname "$0")/../lib.sh"      strict mode, paths, bookkeeping
#   SUITE=shield NS_PREFIX=efs-        its name in messages, its namespaces and pins
#   ...                                the suite's own helpers and hooks
#   suite_begin shield 240             traps, sweep, work dir, watchdog
#   check "NAME" CMD...                one PASS or FAIL line per check
#   summary                            the summary; the exit status
#
# Hooks a suite may define (after sourcing): on_failure (what a failed
# run shows before it cleans up; default: the last lines of each
# agent-*.log), on_cleanup (its own cleanup, after the agents and PIDS
# are stopped, before the namespaces are swept); efw (how it runs edgefw
# next to its agent, if not in $NS_NODE).
#
# shellcheck disable=SC2034 # (variables the suites use)
# shellcheck disable=SC2120 # (optional arguments)

set -euo pipefail

# ---- paths and tools ------------------------------------------------------------

HERE=$(cd "$(dirname "$0")" && pwd)                   # the suite's folder
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) # the tree
E2E=$ROOT/tests/e2e
BUILD_DIR=${BUILD:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)
NT=("$PY" "$E2E/nettool.py")
LT=("$PY" "$E2E/lifecycle_tool.py")
POLICY_SRC=$ROOT/policies/lync2013-scaled-edge-dnslb-public.json
POLICY_NAME=lync2013-scaled-edge-dnslb-public
# the lockout guard reads it: only the checks that mean to set it do
unset SSH_CONNECTION

# built VAR PATH: VAR from the environment, else $BUILD_DIR/PATH; made
# absolute (relative to the tree)
built() {
	local v=${!1:-$BUILD_DIR/$2}
	case $v in /*) ;; *) v=$ROOT/$v ;; esac
	printf -v "$1" %s "$v"
}

# ---- bookkeeping ------------------------------------------------------------------

SUITE=$(basename "$0" .sh) # the name in messages
NS_PREFIX=                 # the suite's namespaces and pins: $NS_PREFIX*
VERBOSE=${E2E_VERBOSE:-}   # show the output of passing checks too
KEEP=${E2E_KEEP:-}         # keep the work dir
TERM_RC=130                # the exit status on SIGTERM (the watchdog's)
NX_TIMEOUT=20              # nx's bound
EFW_TIMEOUT=30             # efw's bound
AGENT_WAIT=150             # tenths of a second an agent has to say it enforces
AGENT_GRACE=2              # seconds an agent has to stop at cleanup
WORK=
PIDS=()    # helpers to stop at the end
AGENT=     # the agent's pid; suites with several: declare -A AGENT=() (by TAG)
AGENT_N=0  # agents started so far (start_agent)
PINS=      # the only agent's pin directory
EVENTS=    # the last agent's stdout (start_agent)
XENV=()    # extra environment for the next agent
PASS=0 FAIL=0 XFAIL=0
FAILED=()
WATCHDOG=
START=

log() { printf '%s\n' "$*"; }
die() { printf '%s: %s\n' "$SUITE" "$*" >&2; exit 1; }

# ns_sweep PREFIX: the namespaces PREFIX* (with whatever still runs in them)
# and the pins /sys/fs/bpf/PREFIX* of this or an earlier, killed run
ns_sweep() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$1" || true); do
		for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf /sys/fs/bpf/"$1"* 2>/dev/null || true
}

stop_pid() { # PID [seconds]: TERM, then KILL after a bounded wait
	local pid=$1 n=$((${2:-3} * 10))
	kill -TERM "$pid" 2>/dev/null || return 0
	while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

on_failure() { agent_logs; }
on_cleanup() { :; }

agent_logs() { # the last 20 lines of each $WORK/agent-*.log
	local f
	for f in "$WORK"/agent-*.log; do
		[ -e "$f" ] || continue
		log "---- $(basename "$f") (last 20 lines)"
		tail -n 20 "$f"
	done
}

cleanup() {
	local rc=$? pid
	set +e
	trap - EXIT INT TERM
	[ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
	if [ -n "$WORK" ] && { [ $rc -ne 0 ] || [ $FAIL -ne 0 ]; }; then
		on_failure
	fi
	local -n agents=AGENT # one pid, or the pids by TAG
	for pid in "${agents[@]}"; do
		[ -n "$pid" ] && stop_pid "$pid" "$AGENT_GRACE"
	done
	for pid in "${PIDS[@]}"; do
		[ -n "$pid" ] && stop_pid "$pid" 2
	done
	on_cleanup
	[ -n "$NS_PREFIX" ] && ns_sweep "$NS_PREFIX"
	if [ -n "$WORK" ]; then
		if [ -n "$KEEP" ]; then log "$SUITE: work dir kept: $WORK"; else rm -rf "$WORK"; fi
	fi
	exit $rc
}

on_exit() { # cleanup on exit, on SIGINT (130) and on SIGTERM ($TERM_RC)
	trap cleanup EXIT
	trap 'exit 130' INT
	# shellcheck disable=SC2064 # (now: TERM_RC is set by then)
	trap "exit $TERM_RC" TERM
}

watchdog() { # SECONDS (in the background): the whole suite is bounded too
	local s
	sleep "$1" &
	s=$!
	trap 'kill $s 2>/dev/null; exit 0' TERM
	wait $s
	# only if the suite is still our parent (not a reused pid after a kill -9)
	[ "$(ps -o ppid= -p $BASHPID | tr -d ' ')" = $$ ] || exit 0
	echo "$SUITE: watchdog: the suite ran for $1 s, stopping it" >&2
	kill -TERM $$
}

# suite_begin NAME [SECONDS]: on_exit, the namespaces and pins an earlier
# run left ($NS_PREFIX*), the work dir /tmp/edgefw-NAME.*, a watchdog of
# SECONDS, START
suite_begin() {
	on_exit
	if [ -n "$NS_PREFIX" ]; then ns_sweep "$NS_PREFIX"; fi
	WORK=$(mktemp -d "/tmp/edgefw-$1.XXXXXX")
	if [ -n "${2:-}" ]; then
		watchdog "$2" &
		WATCHDOG=$!
	fi
	START=$(date +%s)
}

# summary [MORE]: the failed checks, the counts (and MORE); the exit
# status: 0 when every check passed
summary() {
	local f
	log ""
	log "== summary ($(($(date +%s) - START)) s)"
	for f in "${FAILED[@]}"; do log "  failed: $f"; done
	log "$PASS passed, $FAIL failed${1:+, $1}"
	[ $FAIL -eq 0 ]
}

# ---- what a suite needs ----------------------------------------------------------------

needs_root() { [ "$(id -u)" = 0 ] || die "run as root (${1:-network namespaces, BPF})"; } # [WHY]

needs_built() { # VAR...: each built file $VAR (EDGEFW, XDP_PASS_OBJ, WIREGEN) there
	local v
	for v; do [ -e "${!v}" ] || die "no $v at ${!v} (make it, or set $v or BUILD)"; done
}

needs_tools() { # HOW TOOL...: each TOOL installed, else the suite stops saying HOW
	local how=$1 t
	shift
	for t; do command -v "$t" >/dev/null || die "missing $t ($how)"; done
}

# ---- checks -------------------------------------------------------------------------

# check NAME CMD...: runs CMD (its output is shown when it fails)
check() {
	local name=$1 out=$WORK/check.out
	shift
	if "$@" >"$out" 2>&1; then
		PASS=$((PASS + 1))
		printf 'PASS  %s\n' "$name"
		[ -n "$VERBOSE" ] && sed 's/^/        /' "$out"
	else
		FAIL=$((FAIL + 1))
		FAILED+=("$name")
		printf 'FAIL  %s\n' "$name"
		sed 's/^/        /' "$out"
	fi
	return 0
}

# expect_rc WANT(s, "|"-separated) CMD...: run CMD, require its exit status
expect_rc() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	case "|$want|" in *"|$rc|"*) return 0 ;; esac
	echo "exit status $rc, expected $want: $*"
	return 1
}

now() { date +%s.%N; }

since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# wait_file FILE [tenths]: bounded wait for FILE to exist
wait_file() {
	local n=${2:-50}
	while [ ! -e "$1" ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	[ -e "$1" ]
}

# jget FILE PATH: a value from a JSON document ("a.b.0.c"; rules by name:
# "rules.NAME.packets"); prints "" when absent
jget() {
	"$PY" - "$1" "$2" <<-'EOF'
	import json, sys
	try:
	    o = json.load(open(sys.argv[1]))
	except Exception:
	    print("")
	    sys.exit(0)
	for k in sys.argv[2].split("."):
	    if isinstance(o, list):
	        if k.isdigit():
	            o = o[int(k)]
	        else:
	            o = next((x for x in o if isinstance(x, dict) and x.get("name") == k), None)
	    elif isinstance(o, dict):
	        o = o.get(k)
	    if o is None:
	        break
	print("" if o is None else (json.dumps(o) if isinstance(o, (dict, list)) else o))
	EOF
}

# count_lines FILE...: every line of the files parses as JSON; prints
# "EVENTS OTHER" (event lines, the others: notices)
count_lines() {
	"$PY" - "$@" <<-'EOF'
	import json, sys
	ev = other = 0
	for path in sys.argv[1:]:
	    with open(path, "rb") as f:
	        data = f.read()
	    if data and not data.endswith(b"\n"):
	        sys.exit("%s: ends inside a line" % path)
	    for i, line in enumerate(data.splitlines()):
	        try:
	            d = json.loads(line)
	        except ValueError:
	            sys.exit("%s:%d: not JSON: %r" % (path, i + 1, line[:120]))
	        if d.get("event", {}).get("kind") == "event":
	            ev += 1
	        else:
	            other += 1
	print(ev, other)
	EOF
}

# ---- namespaces ---------------------------------------------------------------------

NS_SYSCTL=(net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0) # and no rp_filter

nx() { # NS CMD...: a command in a namespace, always bounded
	local ns=$1
	shift
	timeout "$NX_TIMEOUT" ip netns exec "$ns" "$@"
}

ns_new() { # NS: a namespace with lo up and the sysctls NS_SYSCTL
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw "${NS_SYSCTL[@]}" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	ip -n "$1" link set lo up
}

veth() { # NS1 IF1 NS2 IF2: a veth pair, both ends up
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

addrs() { # NS IF ADDR/LEN...: addresses on IF, in this order (IPv6 without DAD)
	local ns=$1 ifn=$2 a
	shift 2
	for a in "$@"; do
		case $a in *:*) ip -n "$ns" addr add "$a" dev "$ifn" nodad ;; *) ip -n "$ns" addr add "$a" dev "$ifn" ;; esac
	done
}

# one_node LEN ADDR...: the namespaces $NS_NODE, $NS_INET and $NS_CORP; the
# internet's ${NS_PREFIX}i-ext ($INET/LEN) linked to the node's $EXT
# (ADDR.../LEN: the first is the primary, the source of the node's default
# route via $INET), the corporate side's ${NS_PREFIX}c-int ($CORP/24) to
# the node's $INTIF ($INT/24)
one_node() {
	local len=$1 a
	shift
	ns_new "$NS_NODE"
	ns_new "$NS_INET"
	ns_new "$NS_CORP"
	veth "$NS_INET" "${NS_PREFIX}i-ext" "$NS_NODE" "$EXT"
	veth "$NS_CORP" "${NS_PREFIX}c-int" "$NS_NODE" "$INTIF"
	ip -n "$NS_INET" addr add "$INET/$len" dev "${NS_PREFIX}i-ext"
	ip -n "$NS_CORP" addr add "$CORP/24" dev "${NS_PREFIX}c-int"
	for a in "$@"; do ip -n "$NS_NODE" addr add "$a/$len" dev "$EXT"; done
	ip -n "$NS_NODE" addr add "$INT/24" dev "$INTIF"
	ip -n "$NS_NODE" route add default via "$INET" src "$1"
}

# static_neighbours ADDR...: no ARP on the wire once a test runs: the node
# knows ADDR... (the internet's, on the link) and $CORP, the internet and
# the corporate side know the node's addresses
static_neighbours() {
	local a m
	m=$(mac_of "$NS_INET" "${NS_PREFIX}i-ext")
	for a in "$@"; do ip -n "$NS_NODE" neigh replace "$a" lladdr "$m" dev "$EXT" nud permanent; done
	m=$(mac_of "$NS_NODE" "$EXT")
	for a in $ACC $WEB $AV; do ip -n "$NS_INET" neigh replace "$a" lladdr "$m" dev "${NS_PREFIX}i-ext" nud permanent; done
	ip -n "$NS_NODE" neigh replace "$CORP" lladdr "$(mac_of "$NS_CORP" "${NS_PREFIX}c-int")" dev "$INTIF" nud permanent
	ip -n "$NS_CORP" neigh replace "$INT" lladdr "$(mac_of "$NS_NODE" "$INTIF")" dev "${NS_PREFIX}c-int" nud permanent
}

# start_server NS NAME ARGS...: nettool's echo server (serve ARGS) in NS,
# output in $WORK/server-NAME.out; the suite stops unless it is ready in 10 s
start_server() {
	local ns=$1 name=$2
	shift 2
	ip netns exec "$ns" "${NT[@]}" serve --ready "$WORK/ready-$name" "$@" >"$WORK/server-$name.out" 2>&1 &
	PIDS+=($!)
	wait_file "$WORK/ready-$name" 100 || { cat "$WORK/server-$name.out"; die "the echo server $name did not start"; }
}

mac_of() { ip -n "$1" -j link show dev "$2" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }

# ---- traffic (nettool) -----------------------------------------------------------------

TCP_TIMEOUT=2 UDP_TIMEOUT=1
tcp_ok() { nx "$1" "${NT[@]}" tcp "$2" "$3" --timeout "$TCP_TIMEOUT" "${@:4}"; } # NS DST PORT [args]
udp_ok() { nx "$1" "${NT[@]}" udp "$2" "$3" --timeout "$UDP_TIMEOUT" --tries 2 "${@:4}"; }
# tcp_blocked NS DST PORT [seconds]: nothing at all comes back (no RST, no ICMP): a drop
tcp_blocked() { expect_rc 2 nx "$1" "${NT[@]}" tcp "$2" "$3" --timeout "${4:-1}"; }
# udp_arrived SPORT: datagrams from the internet client's SPORT that reached
# the listener on access:3478 (its log: $WORK/udp-node.log)
udp_arrived() { grep -cxF "udp $ACC 3478 $INET $1" "$WORK/udp-node.log" || true; }

# probe_start TAG MAX SPORT TENTHS [probe args]: lifecycle_tool's probe from
# $NS_INET until $WORK/stop-TAG (MAX s at most): a numbered UDP echo to
# av:3478 every 5 ms (allowed: each must come back), a datagram to
# access:3478 from SPORT (blocked: the listener's log shows any that
# arrives), a message on an established TCP connection to access:443.
# PROBE: its pid; results in $WORK/probe-TAG.json; it must be ready
# within TENTHS
PROBE=
probe_start() {
	local tag=$1 max=$2 sport=$3 tenths=$4
	shift 4
	rm -f "$WORK/stop-$tag" "$WORK/ready-$tag"
	timeout 150 ip netns exec "$NS_INET" "${LT[@]}" probe --stop "$WORK/stop-$tag" --ready "$WORK/ready-$tag" \
		--max "$max" --udp "$AV:3478" --blocked-udp "$ACC:3478" --blocked-sport "$sport" --stream "$ACC:443" "$@" \
		>"$WORK/probe-$tag.json" 2>"$WORK/probe-$tag.err" &
	PROBE=$!
	PIDS+=("$PROBE")
	wait_file "$WORK/ready-$tag" "$tenths" || { echo "the prober did not start"; cat "$WORK/probe-$tag.err"; return 1; }
}

probe_stop() { # TAG: the probe ends, its results are written
	touch "$WORK/stop-$1"
	wait "$PROBE" || true
}

# ---- what is attached to the node's NICs (in $NS_NODE) --------------------------------

xdp_id() { # IF: the id of the XDP program on IF, "" when none
	ip -n "$NS_NODE" -d link show dev "$1" | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}' || true
}

tc_on() { # IF: edgefw's filter (bpf, handle 0xef1, prio 1) on the clsact egress hook
	local out
	out=$(tc -n "$NS_NODE" filter show dev "$1" egress 2>/dev/null) &&
		[[ $out == *"handle 0xef1"* && $out == *bpf* && $out == *edgefw* ]]
}

attached() { # [IF...]: XDP and edgefw's egress filter on each IF (default $EXT $INTIF)
	local ifn rc=0
	# shellcheck disable=SC2048 # (interface names: no spaces)
	for ifn in ${*:-$EXT $INTIF}; do
		if [ -n "$(xdp_id "$ifn")" ]; then echo "$ifn: XDP attached"; else echo "$ifn: no XDP"; rc=1; fi
		if tc_on "$ifn"; then echo "$ifn: TC egress filter attached"; else echo "$ifn: no TC egress filter"; rc=1; fi
	done
	return $rc
}

# detached PINDIR [IF...]: no XDP and no edgefw egress filter on each IF
# (default $EXT $INTIF), no pins in PINDIR ("": not looked at; with
# PIN_DIR_GONE set, not even the directory)
PIN_DIR_GONE=
detached() {
	local pins=$1 ifn rc=0 ifs
	shift
	ifs=${*:-$EXT $INTIF}
	for ifn in $ifs; do
		if [ -n "$(xdp_id "$ifn")" ]; then
			echo "$ifn: XDP still attached:"
			ip -n "$NS_NODE" -d link show dev "$ifn" | sed 's/^/  /'
			rc=1
		fi
		if tc_on "$ifn"; then
			echo "$ifn: TC egress filter still attached:"
			tc -n "$NS_NODE" filter show dev "$ifn" egress | sed 's/^/  /'
			rc=1
		fi
	done
	if [ -n "$pins" ] && { [ -n "$(ls -A "$pins" 2>/dev/null)" ] || { [ -n "$PIN_DIR_GONE" ] && [ -e "$pins" ]; }; }; then
		# shellcheck disable=SC2012 # (pin names: plain)
		echo "pins left in $pins: $(ls "$pins" | tr '\n' ' ')"
		rc=1
	fi
	[ $rc -eq 0 ] && echo "nothing of edgefw on $ifs${pins:+; no pins in $pins}"
	return $rc
}

# ---- agents --------------------------------------------------------------------------
#
# A suite runs one agent at a time (AGENT: its pid; pins $PINS, run and
# state directories $WORK/run and $WORK/state), or several side by side
# (declare -A AGENT: their pids by TAG; pins /sys/fs/bpf/$NS_PREFIX$TAG,
# directories $WORK/run-TAG and $WORK/state-TAG).  With several, efw and
# stop_agent take the TAG first, and the suite writes its start_agent on
# launch_agent.  Agents run in $NS_NODE, through nsenter: it keeps the
# host's /sys/fs/bpf, which `ip netns exec` would hide.

assign() { printf -v "$1" %s "$2"; } # NAME VALUE: NAME (AGENT or AGENT[TAG]) is VALUE
tagged() { [[ $(declare -p AGENT 2>/dev/null) == "declare -A"* ]]; }

agent_env() { # [TAG]: the environment of agent TAG (none: the only agent)
	if [ -n "${1:-}" ]; then
		echo "EDGEFW_BPFFS_DIR=/sys/fs/bpf/$NS_PREFIX$1" "EDGEFW_RUN_DIR=$WORK/run-$1" "EDGEFW_STATE_DIR=$WORK/state-$1"
	else
		echo "EDGEFW_BPFFS_DIR=$PINS" "EDGEFW_RUN_DIR=$WORK/run" "EDGEFW_STATE_DIR=$WORK/state"
	fi
}

# as_agent TAG CMD...: CMD next to agent TAG ("": the only agent): its
# environment, its namespace; bounded
as_agent() {
	local tag=$1
	shift
	# shellcheck disable=SC2046 # (agent_env: words without spaces)
	timeout "$EFW_TIMEOUT" env $(agent_env "$tag") nsenter --net=/run/netns/"$NS_NODE" "$@"
}

efw() { # [TAG] ARGS...: edgefw ARGS next to the agent
	local tag=
	if tagged; then
		tag=$1
		shift
	fi
	as_agent "$tag" "$EDGEFW" "$@"
}

# launch_agent TAG OUT LOG RUN-ARGS...: `edgefw run RUN-ARGS` as agent TAG
# ("": the only agent), XENV added to its environment, stdout to OUT and
# stderr to LOG; its pid in AGENT[TAG] (AGENT).  0 once LOG says it is
# enforcing; 1 when it exits first or does not within AGENT_WAIT tenths
launch_agent() {
	local tag=$1 out=$2 log=$3 n=$AGENT_WAIT pid
	shift 3
	# a simple command, so that $! is the agent itself (env and nsenter exec)
	# shellcheck disable=SC2046 # (agent_env: words without spaces)
	env $(agent_env "$tag") "${XENV[@]}" nsenter --net=/run/netns/"$NS_NODE" \
		"$EDGEFW" run "$@" >"$out" 2>"$log" &
	pid=$!
	assign "AGENT${tag:+[$tag]}" "$pid"
	wait_line "$log" 'enforcing policy' "$pid" "$n"
}

# wait_line FILE PATTERN PID TENTHS: 0 once FILE has a line matching
# PATTERN; 1 when process PID exits first or after TENTHS tenths of a second
wait_line() {
	local n=$4
	while [ "$n" -gt 0 ]; do
		grep -qs "$2" "$1" && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# start_agent POLICY [run options]: the next agent (its stdout, EVENTS, in
# $WORK/agent-N.events, its stderr in agent-N.log) for node edge1; waits
# until it says it is enforcing
start_agent() {
	local p=$1
	shift
	AGENT_N=$((AGENT_N + 1))
	EVENTS=$WORK/agent-$AGENT_N.events
	launch_agent "" "$EVENTS" "$WORK/agent-$AGENT_N.log" --policy "$p" --node edge1 "$@" && return 0
	cat "$WORK/agent-$AGENT_N.log"
	echo "the agent did not say it is enforcing"
	return 1
}

# stop_agent: SIGTERM to the agent, exit status 0 (none running: 0)
# stop_agent TAG [SIGNAL]: SIGNAL (TERM) to agent TAG, exit status 0 within 5 s
stop_agent() {
	local tag=${1:-} sig=${2:-TERM} pid n=50 rc=0
	if ! tagged; then
		[ -n "$AGENT" ] || return 0
		kill -TERM "$AGENT"
		wait "$AGENT" || rc=$?
		AGENT=
		[ $rc -eq 0 ] || echo "the agent exited with status $rc"
		return $rc
	fi
	pid=AGENT[$tag]
	pid=${!pid:-}
	[ -n "$pid" ] || { echo "no agent $tag"; return 1; }
	kill -"$sig" "$pid" || return 1
	while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	if kill -0 "$pid" 2>/dev/null; then
		echo "agent $tag still running 5 s after SIG$sig"
		return 1
	fi
	wait "$pid" || rc=$?
	assign "AGENT[$tag]" ""
	echo "agent $tag: SIG$sig, exit status $rc"
	[ $rc -eq 0 ]
}

# stats_json [FILE]: `edgefw stats --json` into $WORK/FILE (stats.json)
stats_json() {
	local f=$WORK/${1:-stats.json}
	efw stats --json >"$f" 2>&1 || { cat "$f"; return 1; }
}

counter() { jget "$WORK/${2:-stats.json}" "counters.$1"; } # NAME [FILE]

# no_rule_drops [FILE]: the ingress drops with reason no-rule in a stats_json FILE
no_rule_drops() {
	"$PY" - "$WORK/${1:-stats.json}" <<-'EOF'
	import json, sys
	s = json.load(open(sys.argv[1]))
	print(sum(v["packets"] for v in s["verdicts"]
	          if v["hook"] == "ingress" and v["verdict"] == "drop" and v["reason"] == "no-rule"))
	EOF
}

# ---- the edgefw package (tests/packaging) -----------------------------------------------

pkg_state() { dpkg-query -W -f='${db:Status-Status}' edgefw 2>/dev/null || echo not-installed; }

purge_pkg() { # the package, if installed (at cleanup)
	if [ "$(pkg_state)" != not-installed ]; then timeout 300 apt-get purge -y -q edgefw >/dev/null 2>&1; fi
}

purge_leftover() { # the package an earlier run left installed; the suite stops if it stays
	if [ "$(pkg_state)" != not-installed ]; then
		log "== purging the edgefw package an earlier run left ($(pkg_state))"
		timeout 300 apt-get purge -y -q edgefw >"$WORK/purge0.log" 2>&1 ||
			{ cat "$WORK/purge0.log"; die "cannot purge the installed edgefw"; }
	fi
}

# ---- policies --------------------------------------------------------------------------

jlist() { # VALUE...: a JSON list of the non-empty VALUEs
	local v out=
	for v; do [ -n "$v" ] && out+="${out:+, }\"$v\""; done
	echo "[$out]"
}

# write_policy FILE [PYTHON]: the shipped policy without its template mark,
# node edge1 on this topology ($EXT, $INTIF; $ACC, $WEB, $AV, $INT and,
# when set, $ACC6 and $AV6), then PYTHON run on it (p: the policy, n: the
# node, rules: the rules by name, settings), written to FILE
write_policy() {
	"$PY" - "$POLICY_SRC" "$1" "${2:-}" <<-EOF
	import copy, json, sys
	p = json.load(open(sys.argv[1]))
	p.pop("template", None)
	n = next(x for x in p["nodes"] if x["name"] == "edge1")
	n["interfaces"] = {"external": "$EXT", "internal": "$INTIF"}
	n["addresses"] = {"access": $(jlist "$ACC" "${ACC6:-}"), "webconf": $(jlist "$WEB"),
	                  "av": $(jlist "$AV" "${AV6:-}"), "internal": $(jlist "$INT")}
	rules = {r["name"]: r for r in p["rules"]}
	settings = p.setdefault("settings", {})
	exec(sys.argv[3])
	json.dump(p, open(sys.argv[2], "w"), indent=2)
	EOF
}

# PYTHON for write_policy: policy B, without the A/V STUN/MSTURN TCP 443 row
# (TCP av:443); an invalid policy, with a reversed port range
POLICY_B='k = len(p["rules"])
p["rules"] = [r for r in p["rules"] if r["name"] != "ext-av-stun-tcp-443-in"]
assert len(p["rules"]) == k - 1'
POLICY_INVALID='rules["ext-av-rtp-tcp-in"]["ports"] = "59999-50000"'
