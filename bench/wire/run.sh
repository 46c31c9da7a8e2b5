#!/bin/bash
# edgefw wire benchmarks on veth (see bench/README.md).
#
#   bench/wire/run.sh [OUT.json]        as root; default OUT bench/out/wire.json
#
# 1. wire rate: a live-frames XDP generator (wiregen) in efb-w-inet floods the
#    edge namespace's eth1 (a veth) with 60-byte frames; packets dropped per
#    second at the receiver for edgefw (shipped policy, node edge1), a bare
#    XDP_DROP, nftables (netdev ingress, two set layouts), iptables (raw
#    PREROUTING + ipset; legacy and nft back ends) and xdp-filter; plus the
#    pass path (UDP to av:3478) with edgefw and with nothing.  Two receiver
#    placements: "split" (threaded NAPI pinned to CPU 1, generator on CPU 0)
#    and "same" (veth's default: the receiver runs in the generator's softirq
#    on CPU 0).
# 2. pass-path overhead: iperf3 TCP to access:443 through nothing, nftables,
#    an empty XDP_PASS, edgefw, edgefw with GRO switched on.
# 3. events (issue 15): edgefw under a flood from 65534 sources with events
#    effectively off (event_limit rate 1, burst 1, per_cpu 1), unlimited
#    (rate 0), and unlimited with one `edgefw events --follow` subscriber;
#    the agent alone on CPU 1 (the follower with it) writes the events file
#    ($WORK/events.out, tmpfs); lines by the generator's end and after
#    draining, every drop and every event accounted for, the agent's RSS.
# 4. policy changes: the agent started on the shipped policy and on a
#    100k-prefix one (time to enforcing, peak RSS), hot swaps between them
#    with `edgefw reload` (time, peak RSS after).
#
# Every figure: RUNS (default 5) runs, rounds interleaved (each round runs every
# case once) so that drift and other load on the machine hit all cases alike.
# Nothing is asserted: it reports.  Bounded: frames and a time cap per run, a
# watchdog for the whole script (BUDGET seconds).  Leaves nothing behind:
# namespaces efb-w-*, pins /sys/fs/bpf/efb-w-*, its work dir /dev/shm/efb-wire.*
# (trap on exit; leftovers of an earlier killed run are removed at start).
# Addresses: 203.0.113.0/24 (service side), 198.18.0.0/15 (internal, flood
# sources 198.19.0.1-198.19.255.254), random peer prefixes outside
# 192.0.2.0/24; nothing else.
#
# Environment: RUNS=5 FRAMES=5000000 CAP=1.0 (seconds per wire run)
#   IPERF_T=1.5 EV_CAP=1.5 BUDGET=480 EDGEFW=path (default: build-bench/edgefw,
#   built with `make BUILD=build-bench`) WIRE_BUILD=dir (the helpers; default
#   bench/wire/build) KEEP=1 (keep the work dir)
#   PARTS="wire events policy" (wire: measurements 1 and 2; events: 3; policy: 4)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-$ROOT/bench/out/wire.json}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
RUNS=${RUNS:-5}
FRAMES=${FRAMES:-5000000}
CAP=${CAP:-1.0}
IPERF_T=${IPERF_T:-1.5}
EV_FRAMES=${EV_FRAMES:-5000000}
EV_CAP=${EV_CAP:-1.5}
BUDGET=${BUDGET:-900}
PARTS=${PARTS:-wire stages events policy} # "wire" = measurements 1 and 2, "stages" = the stage costs, "events" = 3, "policy" = 4
WB=${WIRE_BUILD:-$HERE/build}
case $WB in /*) ;; *) WB=$PWD/$WB ;; esac
POLICY_SRC=$ROOT/policies/lync2013-scaled-edge-dnslb-public.json
NODE=edge1
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

NS_I=efb-w-inet # the internet: generator, iperf3 client
NS_E=efb-w-edge # edge1: eth1 (external), eth0 (internal)
GIF=efb-w-i0    # generator side of the external link
PIN=/sys/fs/bpf/efb-w-edge
EXT=eth1
ACC=203.0.113.10 WEB=203.0.113.11 AV=203.0.113.12 INT=198.18.0.10
INET=203.0.113.1
SRC_BASE=198.19.0.1 # flood sources: 198.19.0.1-198.19.255.254 (RFC 2544 benchmark range)
NSRC=65534
GEN_CPU=0 RX_CPU=1

WORK=
AGENT_PID=
WATCHDOG=
BPF_STATS_OLD=
LOCKFD=

log() { printf '%s\n' "$*" >&2; }
die() { printf 'wire: %s\n' "$*" >&2; exit 1; }

# ---- cleanup ---------------------------------------------------------------------

ns_del_all() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^efb-w-' || true); do
		for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf /sys/fs/bpf/efb-w-* 2>/dev/null || true
}

stop_agent() {
	local n=50
	[ -n "$AGENT_PID" ] || return 0
	kill -TERM "$AGENT_PID" 2>/dev/null || true
	while [ $n -gt 0 ] && kill -0 "$AGENT_PID" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	kill -KILL "$AGENT_PID" 2>/dev/null || true
	wait "$AGENT_PID" 2>/dev/null || true
	AGENT_PID=
}

FOLLOW_PID=
stop_follower() { # the events part's `edgefw events --follow`
	[ -n "$FOLLOW_PID" ] || return 0
	kill -TERM "$FOLLOW_PID" 2>/dev/null || true
	wait "$FOLLOW_PID" 2>/dev/null || true
	FOLLOW_PID=
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	[ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null && wait "$WATCHDOG" 2>/dev/null
	stop_follower
	stop_agent
	ns_del_all
	[ -n "$BPF_STATS_OLD" ] && sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_OLD"
	if [ -n "$WORK" ]; then
		if [ -n "${KEEP:-}" ]; then log "wire: work dir kept: $WORK"; else rm -rf "$WORK"; fi
	fi
	exit $rc
}

# ---- helpers ------------------------------------------------------------------------

nse() { ip netns exec "$NS_E" "$@"; }
nsi() { ip netns exec "$NS_I" "$@"; }

# edge-side counters, one line of k=v: the veth's receive queue (frames taken
# from its ring, XDP drops), and the stack's view (/proc/net/snmp)
edge_snap() {
	nse sh -c "ethtool -S $EXT; cat /proc/net/snmp" | awk '
		/rx_queue_0_xdp_packets:/ {p=$2} /rx_queue_0_xdp_drops:/ {d=$2}
		/^Ip: [A-Z]/ {split($0, ih)} /^Ip: [0-9]/ {for (i=2;i<=NF;i++) ip[ih[i]]=$i}
		/^Tcp: [A-Z]/ {split($0, th)} /^Tcp: [0-9]/ {for (i=2;i<=NF;i++) tcp[th[i]]=$i}
		/^Udp: [A-Z]/ {split($0, uh)} /^Udp: [0-9]/ {for (i=2;i<=NF;i++) udp[uh[i]]=$i}
		END {printf "rx=%d xdp_drops=%d ip_in=%d tcp_in=%d tcp_rst=%d udp_in=%d udp_noport=%d\n",
			p, d, ip["InReceives"], tcp["InSegs"], tcp["OutRsts"], udp["InDatagrams"], udp["NoPorts"]}'
}
# CPU 0 in /proc/stat ticks (USER_HZ): busy (user nice system irq softirq),
# idle (idle iowait), steal: who else had the generator's CPU during a run
cpu0_snap() {
	awk '$1 == "cpu'"$GEN_CPU"'" {printf "busy=%d idle=%d steal=%d\n", $2 + $3 + $4 + $7 + $8, $5 + $6, $9}' /proc/stat
}
gen_snap() {
	nsi ethtool -S "$GIF" | awk '/tx_queue_0_xdp_xmit:/ {x=$2} /tx_queue_0_xdp_xmit_errors:/ {e=$2}
		END {printf "xmit=%d xmit_err=%d\n", x, e}'
}

# delta "k=v ..." "k=v ..." -> JSON members "k":after-before,...
delta_json() {
	"$PY" -c '
import sys
b = dict(kv.split("=") for kv in sys.argv[1].split())
a = dict(kv.split("=") for kv in sys.argv[2].split())
print(",".join("\"%s\":%d" % (k, int(a[k]) - int(b[k])) for k in a))' "$1" "$2"
}

# CPU time a task has run, ns (/proc/PID/schedstat field 1); 0 when gone
sched_ns() { awk '{print $1}' "/proc/$1/schedstat" 2>/dev/null || echo 0; }
NAPI_PID=
KSOFTIRQD=

EDGE_MAC=
edge_mac() { nse cat /sys/class/net/$EXT/address; }

# set_mode split|same: where the edge veth's NAPI poll runs.  same: veth's
# default, the poll runs in the softirq of the CPU that queued the frames
# (the generator's).  split: threaded NAPI, its kthread pinned to RX_CPU.
set_mode() {
	local want=$1 before after pid
	NAPI_PID=
	if [ "$want" = same ]; then
		# (fails harmlessly when the veth has no NAPI at all)
		nse sh -c "echo 0 > /sys/class/net/$EXT/threaded" 2>/dev/null || true
		return 0
	fi
	before=$(pgrep -x "napi/$EXT-.*" 2>/dev/null | sort || true)
	nse sh -c "echo 0 > /sys/class/net/$EXT/threaded; echo 1 > /sys/class/net/$EXT/threaded"
	after=$(pgrep -x "napi/$EXT-.*" 2>/dev/null | sort || true)
	pid=$(comm -13 <(echo "$before") <(echo "$after") | head -n 1)
	[ -n "$pid" ] || die "no NAPI kthread appeared for $EXT (threaded NAPI)"
	taskset -pc "$RX_CPU" "$pid" >/dev/null
	NAPI_PID=$pid
}

# wire CASE MODE KIND PROTO DST DPORT SRCCOUNT [WIREGEN ARGS]: one generator
# run; appends a JSON line to raw.jsonl
wire() {
	local case=$1 mode=$2 kind=$3 proto=$4 dst=$5 dport=$6 nsrc=$7 r=$ROUND
	shift 7
	local eb gb ea ga g nb na kb ka sb sa
	eb=$(edge_snap)
	gb=$(gen_snap)
	sb=$(cpu0_snap)
	nb=0 na=0
	[ -n "$NAPI_PID" ] && nb=$(sched_ns "$NAPI_PID")
	kb=$(sched_ns "$KSOFTIRQD")
	g=$(nsi "$WB/wiregen" --ifname "$GIF" --dst-mac "$EDGE_MAC" --dst "$dst" \
		--proto "$proto" --dport "$dport" --src-base "$SRC_BASE" --src-count "$nsrc" \
		--frames "$FRAMES" --time-cap "$CAP" --cpu "$GEN_CPU" "$@")
	sleep 0.05 # the receiver's ring (256 frames) drains
	[ -n "$NAPI_PID" ] && na=$(sched_ns "$NAPI_PID")
	ka=$(sched_ns "$KSOFTIRQD")
	sa=$(cpu0_snap)
	ea=$(edge_snap)
	ga=$(gen_snap)
	printf '{"m":"wire","case":"%s","mode":"%s","kind":"%s","round":%d,"gen":%s,"edge":{%s},"genif":{%s},"cpu":{"napi_thread_ns":%d,"ksoftirqd_ns":%d},"cpu0_ticks":{%s}}\n' \
		"$case" "$mode" "$kind" "$r" "$g" "$(delta_json "$eb" "$ea")" "$(delta_json "$gb" "$ga")" \
		$((na - nb)) $((ka - kb)) "$(delta_json "$sb" "$sa")" >>"$WORK/raw.jsonl"
}

# both placements, the drop flow (TCP SYN to access:8080, from $NSRC sources
# or as many as given)
wire_drop() { # CASE [SOURCES]
	local case=$1 n=${2:-$NSRC} m
	for m in split same; do
		set_mode $m
		wire "$case" $m drop tcp $ACC 8080 "$n"
	done
}

# the two other floods a public edge address sees (issue 14), placement same:
# UDP reflection (sources 65534, source ports 53/123/11211/1900, random
# destination ports on the A/V address: some land in the media range the
# shipped policy opens, 50000-59999, and pass to the stack, for every case
# alike) and ACK/RST with random ports to the Access address (no flow)
wire_more() { # CASE
	local case=$1
	set_mode same
	wire "$case" same ackrst tcp $ACC 9 $NSRC --dport-random --sport-random --tcp-flags ack-rst
	wire "$case" same refl udp $AV 9 $NSRC --dport-random --sport-set 53,123,11211,1900
}

# the pass flow: one UDP flow to av:3478 (a rule: edgefw passes it to the
# stack; nothing listens there, the stack answers with rate-limited ICMP).
# Placement same only: in split, the stack's receive path in the NAPI
# kthread cost several us per packet with no XDP program at all (outside
# edgefw; not investigated), which left the ratio meaningless.
wire_pass() {
	local case=$1
	set_mode same
	wire "$case" same pass udp $AV 3478 1
}

# ---- configurations of the edge veth --------------------------------------------------

gro() { nse ethtool -K $EXT gro "$1"; }

xdp_off() { ip -n "$NS_E" link set dev $EXT xdp off 2>/dev/null || true; }
xdp_obj() { ip -n "$NS_E" link set dev $EXT xdpdrv obj "$1" sec xdp; }

nft_on() { nse nft -f "$WORK/$1.nft"; }
nft_off() { nse nft delete table netdev efb_edge 2>/dev/null || true; }

ipt_on() { # legacy|nft
	nse ipset restore <"$WORK/ipset.txt"
	nse "iptables-$1-restore" <"$WORK/iptables.txt"
}
ipt_off() {
	nse "iptables-$1" -t raw -F 2>/dev/null || true
	nse "iptables-$1" -t raw -X 2>/dev/null || true
	[ "$1" = nft ] && nse nft delete table ip raw 2>/dev/null
	nse ipset destroy 2>/dev/null || true
}

# xdp-filter pins its maps under <bpffs>/xdp-filter: it runs in a private
# mount namespace with a bpffs of its own, so that nothing is pinned on the
# host's; the program stays attached (and holds its maps) after that.
xdpfilter_on() {
	unshare -m --propagation private bash -c '
		set -e
		mount -t bpf bpf /sys/fs/bpf
		nsenter --net=/run/netns/'"$NS_E"' xdp-filter load -m native -p deny -f tcp,udp '"$EXT"'
		bpftool batch file '"$WORK"'/xdp-filter.batch >/dev/null'
}

# the agent writes its event lines to $WORK/events.out (/dev/shm: tmpfs),
# never rotated (O_APPEND: the events part truncates it between runs); its
# stdout goes to agent.out, its messages to agent.log
agent_start() { # POLICY [extra run args]
	local pol=$1 n=3000 # 30 s (a 1M-prefix block list loads first), polled every 10 ms
	shift
	: >"$WORK/agent.log"
	# a simple command, so that $! is the agent (taskset, env, nsenter exec)
	taskset -c "$RX_CPU" env EDGEFW_BPFFS_DIR="$PIN" EDGEFW_RUN_DIR="$WORK/run" \
		EDGEFW_STATE_DIR="${EDGEFW_STATE_DIR:-$WORK/state}" \
		nsenter --net=/run/netns/"$NS_E" "$EDGEFW" run --policy "$pol" --node "$NODE" \
		--events-file "$WORK/events.out" --events-max-size 0 "$@" \
		>>"$WORK/agent.out" 2>>"$WORK/agent.log" &
	AGENT_PID=$!
	while [ $n -gt 0 ]; do
		grep -q 'enforcing policy' "$WORK/agent.log" && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.01
		n=$((n - 1))
	done
	cat "$WORK/agent.log" >&2
	die "edgefw did not start"
}

agent_stats() { # edgefw stats --json, as the agent's neighbour
	env EDGEFW_BPFFS_DIR="$PIN" EDGEFW_RUN_DIR="$WORK/run" nsenter --net=/run/netns/"$NS_E" \
		"$EDGEFW" stats --json
}

# ---- topology ---------------------------------------------------------------------------

build_topology() {
	ip netns add $NS_I
	ip netns add $NS_E
	ip -n $NS_I link set lo up
	ip -n $NS_E link set lo up
	# the external link; the internal NIC is a veth whose peer stays in the
	# edge namespace (edgefw attaches to both NICs of the node)
	ip link add $GIF netns $NS_I type veth peer name $EXT netns $NS_E
	ip link add eth0 netns $NS_E type veth peer name efb-w-c0 netns $NS_E
	ip -n $NS_I addr add $INET/24 dev $GIF
	ip -n $NS_E addr add $ACC/24 dev $EXT
	ip -n $NS_E addr add $WEB/24 dev $EXT
	ip -n $NS_E addr add $AV/24 dev $EXT
	ip -n $NS_E addr add $INT/24 dev eth0
	ip -n $NS_I link set $GIF up
	ip -n $NS_E link set $EXT up
	ip -n $NS_E link set eth0 up
	ip -n $NS_E link set efb-w-c0 up
	ip -n $NS_E route add default via $INET
	nse sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv6.conf.all.disable_ipv6=1
	nsi sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	# static neighbours: no ARP in the measurements
	ip -n $NS_E neigh replace $INET lladdr "$(nsi cat /sys/class/net/$GIF/address)" dev $EXT nud permanent
	EDGE_MAC=$(edge_mac)
	ip -n $NS_I neigh replace $ACC lladdr "$EDGE_MAC" dev $GIF nud permanent
}

# ---- measurement 1 + 2: one round -------------------------------------------------------------

iperf() { # CASE: iperf3 TCP inet -> access:443, client on GEN_CPU, server on RX_CPU
	local case=$1 out
	taskset -c "$RX_CPU" ip netns exec $NS_E iperf3 -s -B $ACC -p 443 -1 >/dev/null 2>&1 &
	local spid=$! n=40
	while [ $n -gt 0 ] && ! nse ss -Hltn "sport = :443" | grep -q .; do sleep 0.05; n=$((n - 1)); done
	out=$(timeout 20 taskset -c "$GEN_CPU" ip netns exec $NS_I iperf3 -c $ACC -p 443 \
		-t "$IPERF_T" -J 2>/dev/null || true)
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	"$PY" - "$case" "$ROUND" "$out" >>"$WORK/raw.jsonl" <<'EOF'
import json, sys
case, rnd, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    d = json.loads(out)
    e = d["end"]
    r = {"gbps": e["sum_received"]["bits_per_second"] / 1e9,
         "retransmits": e["sum_sent"].get("retransmits"),
         "error": d.get("error")}
except Exception as ex:
    r = {"gbps": None, "error": "iperf3: %s" % ex}
print(json.dumps({"m": "iperf", "case": case, "round": rnd, **r}))
EOF
}

peer_tso() { nsi ethtool -k $GIF | awk '/^tcp-segmentation-offload:/ {print $2}'; }

# CASES: the cases a round runs (default all); for a quick look while
# optimising, e.g. CASES="xdp_drop edgefw"
want() { [ -z "${CASES:-}" ] || [[ " $CASES " == *" $1 "* ]]; }

round() {
	if [ -n "${CASES:-}" ]; then
		round_some
		return
	fi
	# bare XDP_DROP (ceiling)
	gro on
	xdp_obj "$WB/drop.bpf.o"
	wire_drop xdp_drop
	wire_more xdp_drop
	xdp_off
	# nothing: the pass flow's baseline; TCP throughput of a plain veth
	wire_pass none
	gro off
	iperf none
	# nftables, netdev ingress, the port matrix in two set layouts
	gro on
	nft_on nft-hash
	wire_drop nft_hash
	wire_more nft_hash
	gro off
	iperf nft_hash
	gro on
	nft_off
	nft_on nft-interval
	wire_drop nft_interval
	wire_more nft_interval
	nft_off
	# iptables raw PREROUTING + ipset, both back ends
	ipt_on legacy
	wire_drop iptables_legacy
	ipt_off legacy
	ipt_on nft
	wire_drop iptables_nft
	ipt_off nft
	# xdp-filter (deny policy + the matrix's ports, address-blind)
	if [ "$XDPFILTER_OK" = 1 ]; then
		xdpfilter_on
		wire_drop xdp_filter
		wire_more xdp_filter
		xdp_off
	fi
	# an empty XDP_PASS: what native XDP on a veth costs passed TCP by itself
	gro off
	xdp_obj "$WB/pass.bpf.o"
	iperf xdp_pass
	xdp_off
	# edgefw, the shipped policy (a copy: the agent never sees the tree's file)
	agent_start "$WORK/policy-shipped.json"
	echo "{\"m\":\"tso\",\"round\":$ROUND,\"peer_tso_with_edgefw\":\"$(peer_tso)\"}" >>"$WORK/raw.jsonl"
	gro off
	iperf edgefw
	gro on
	iperf edgefw_gro
	wire_drop edgefw
	wire_more edgefw
	wire_drop edgefw_1src 1 # the same from one source: what varied sources cost
	wire_pass edgefw
	stop_agent
	# edgefw with every shield feature configured: per-source limits on
	# Access and A/V, syn_flood auto (the default), a 1M-prefix block list
	# and an allow list loaded (the flood's sources are on neither)
	EDGEFW_STATE_DIR="$WORK/state-shield" agent_start "$WORK/policy-shield.json"
	wire_drop edgefw_shield
	wire_more edgefw_shield
	stop_agent
	gro off
}

# a partial round (CASES): the drop floods only
round_some() {
	gro on
	if want xdp_drop; then
		xdp_obj "$WB/drop.bpf.o"
		wire_drop xdp_drop
		wire_more xdp_drop
		xdp_off
	fi
	if want edgefw; then
		agent_start "$WORK/policy-shipped.json"
		wire_drop edgefw
		wire_more edgefw
		stop_agent
	fi
	if want edgefw_shield; then
		EDGEFW_STATE_DIR="$WORK/state-shield" agent_start "$WORK/policy-shield.json"
		wire_drop edgefw_shield
		wire_more edgefw_shield
		stop_agent
	fi
	gro off
}

# the cost of each stage under the SYN flood (placement same): the agent's
# XDP program swapped for the same object stopping at the end of stage N
# (bench/stageswap), N = 1..6, then the whole program again
STAGESWAP=
stages_part() {
	local st
	agent_start "$WORK/policy-shipped.json"
	set_mode same
	for ROUND in $(seq 1 "$RUNS"); do
		nsenter --net=/run/netns/"$NS_E" "$STAGESWAP" --bpffs-dir "$PIN" --ifname $EXT \
			--obj "$WB/drop.bpf.o"
		wire stage_base same drop tcp $ACC 8080 $NSRC
		if [ -n "${TOUCH_OBJ:-}" ]; then
			nsenter --net=/run/netns/"$NS_E" "$STAGESWAP" --bpffs-dir "$PIN" --ifname $EXT \
				--obj "$TOUCH_OBJ"
			wire stage_touch same drop tcp $ACC 8080 $NSRC
		fi
		for st in 1 2 3 4 5 6 0; do
			nsenter --net=/run/netns/"$NS_E" "$STAGESWAP" --bpffs-dir "$PIN" --ifname $EXT \
				--stage $st
			wire "stage$st" same drop tcp $ACC 8080 $NSRC
		done
	done
	stop_agent
}

# the shield's configuration: limits, syn_flood auto, the lists' files
shield_setup() {
	"$PY" - "$POLICY_SRC" "$WORK/policy-shield.json" "$WORK/state-shield" <<'EOF'
import ipaddress, json, os, random, sys
src, out, state = sys.argv[1:]
p = json.load(open(src))
p["settings"]["limits"] = {"access": {"new_flows_per_sec": 20, "burst": 200, "block_seconds": 60},
                           "av": {"new_flows_per_sec": 50, "burst": 500, "block_seconds": 60}}
p["settings"]["syn_flood"] = {"mode": "auto", "threshold": 1000}
json.dump(p, open(out, "w"), indent=1)
os.makedirs(state, exist_ok=True)
rng = random.Random(14)
avoid = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.18.0.0/15", "203.0.113.0/24")]
seen = set()
with open(os.path.join(state, "blocklist.txt"), "w") as f:
    f.write("# 1M prefixes: the benchmark's threat feed (none holds the flood's sources)\n")
    while len(seen) < 1000000:
        plen = 32 if rng.random() < 0.9 else rng.randint(16, 31)
        v = rng.getrandbits(32) & (0xffffffff << (32 - plen)) & 0xffffffff
        if (v >> 24) in (0, 10, 127) or (v >> 24) >= 224:
            continue
        net = ipaddress.ip_network((v, plen))
        if any(net.overlaps(a) for a in avoid) or str(net) in seen:
            continue
        seen.add(str(net))
        f.write(str(net) + "\n")
with open(os.path.join(state, "allowlist.txt"), "w") as f:
    f.write("198.51.100.0/25\n2001:db8:51::/48\n")
EOF
}

# ---- measurement 3: events --------------------------------------------------------------------

# a copy of the shipped policy with settings.event_limit set
policy_with_limit() { # RATE BURST PER_CPU OUT
	"$PY" - "$POLICY_SRC" "$@" <<'EOF'
import json, sys
src, rate, burst, per_cpu, out = sys.argv[1:]
p = json.load(open(src))
p["settings"]["event_limit"] = {"rate": int(rate), "burst": int(burst), "per_cpu": int(per_cpu)}
p["settings"]["mode"] = "enforce"
json.dump(p, open(out, "w"), indent=1)
EOF
}

bpf_prog_stats() { # run_time_ns run_cnt of the XDP program on eth1
	local id
	id=$(ip -n $NS_E -j link show dev $EXT | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
	bpftool prog show id "$id" -j | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d.get("run_time_ns",0), d.get("run_cnt",0))'
}


reload_to() { # FILE: make it the agent's policy, SIGHUP, wait for the reload
	local before n=100
	before=$(grep -c 'reloaded policy' "$WORK/agent.log" || true)
	cp "$1" "$WORK/policy-live.json"
	kill -HUP "$AGENT_PID"
	while [ $n -gt 0 ]; do
		[ "$(grep -c 'reloaded policy' "$WORK/agent.log" || true)" -gt "$before" ] && return 0
		sleep 0.05
		n=$((n - 1))
	done
	die "the agent did not reload $1"
}

size_of() { stat -c %s "$1"; }
agent_kib() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$AGENT_PID/status" 2>/dev/null || echo 0; }

# the agent adds its event counters (events_written, events_unwritten,
# subscriber_events_dropped) to the maps every 200 ms: read `edgefw stats`
# until two reads 0.25 s apart agree (at most 3 s); STATS = the last
STATS=
stats_settled() {
	local key prev= n=12
	while [ $n -gt 0 ]; do
		STATS=$(agent_stats)
		key=$(printf '%s' "$STATS" | "$PY" -c 'import json, sys
c = json.load(sys.stdin).get("counters", {})
print(*(c.get(k, 0) for k in ("events_sent", "events_written", "events_unwritten",
                              "subscriber_events_dropped")))')
		[ "$key" = "$prev" ] && return 0
		prev=$key
		sleep 0.25
		n=$((n - 1))
	done
}

# one `edgefw events --follow` (raw JSON lines) on the agent's CPU, before
# the flood: its lines to follow.out, what it is told (lost lines) to
# follow.err
follower_start() {
	: >"$WORK/follow.out"
	: >"$WORK/follow.err"
	taskset -c "$RX_CPU" env EDGEFW_BPFFS_DIR="$PIN" EDGEFW_RUN_DIR="$WORK/run" \
		"$EDGEFW" events --follow >"$WORK/follow.out" 2>"$WORK/follow.err" &
	FOLLOW_PID=$!
	sleep 0.3 # connected and subscribed (the agent's loop looks every 50 ms at most)
	kill -0 "$FOLLOW_PID" 2>/dev/null && return 0
	cat "$WORK/follow.err" >&2
	die "edgefw events --follow did not start"
}

ev_run() { # CASE (events_follow: with a follower)
	local case=$1 s0 s_end s_fin f_end=0 f_fin=0 sa fa st_b eb ea g pb pa cb ca fb=0 fe=0 kb ka same n
	local rss hwm fargs=()
	[ "$case" = events_follow ] && follower_start
	s0=$(size_of "$WORK/events.out")
	stats_settled
	st_b=$STATS
	eb=$(edge_snap)
	pb=$(bpf_prog_stats)
	cb=$(sched_ns "$AGENT_PID")
	[ -n "$FOLLOW_PID" ] && fb=$(sched_ns "$FOLLOW_PID")
	kb=$(sched_ns "$KSOFTIRQD")
	g=$(nsi "$WB/wiregen" --ifname "$GIF" --dst-mac "$EDGE_MAC" --dst $ACC \
		--proto tcp --dport 8080 --src-base "$SRC_BASE" --src-count $NSRC \
		--frames "$EV_FRAMES" --time-cap "$EV_CAP" --cpu "$GEN_CPU")
	s_end=$(size_of "$WORK/events.out")
	[ -n "$FOLLOW_PID" ] && f_end=$(size_of "$WORK/follow.out")
	ca=$(sched_ns "$AGENT_PID")
	[ -n "$FOLLOW_PID" ] && fe=$(sched_ns "$FOLLOW_PID")
	ka=$(sched_ns "$KSOFTIRQD")
	rss=$(agent_kib VmRSS) # at the end of the flood, before the ring is drained
	pa=$(bpf_prog_stats)
	# the agent drains the ring: wait until the file (and the follower's
	# output) stop growing
	same=0 n=200 s_fin=$s_end f_fin=$f_end
	while [ $n -gt 0 ] && [ $same -lt 4 ]; do
		sleep 0.05
		sa=$(size_of "$WORK/events.out")
		fa=$f_fin
		[ -n "$FOLLOW_PID" ] && fa=$(size_of "$WORK/follow.out")
		if [ "$sa" = "$s_fin" ] && [ "$fa" = "$f_fin" ]; then same=$((same + 1)); else same=0; fi
		s_fin=$sa f_fin=$fa
		n=$((n - 1))
	done
	hwm=$(agent_kib VmHWM) # the agent's peak since it started
	ea=$(edge_snap)
	stats_settled
	st_a=$STATS
	stop_follower
	[ "$case" = events_follow ] && fargs=(--follow-out "$WORK/follow.out" --follow-err "$WORK/follow.err"
		--follow-sizes "$f_end $f_fin" --follower-ns "$fb $fe")
	"$PY" "$HERE/evcount.py" "$WORK/events.out" "$s0" "$s_end" "$s_fin" \
		--case "$case" --round "$ROUND" --gen "$g" --edge "{$(delta_json "$eb" "$ea")}" \
		--stats-before "$st_b" --stats-after "$st_a" --prog "$pb $pa" \
		--agent-ns "$cb $ca" --ksoftirqd-ns $((ka - kb)) \
		--agent-rss-kib "$rss" --agent-hwm-kib "$hwm" "${fargs[@]}" >>"$WORK/raw.jsonl"
	: >"$WORK/events.out" # O_APPEND: the agent goes on at offset 0
	rm -f "$WORK/follow.out" # (tmpfs: memory)
}

# one agent on CPU 1 writing the events file, the flood's generator and data
# path on CPU 0; per round: events off, events on, events on with one
# follower (the same policy: no reload between the last two)
events() {
	policy_with_limit 0 1 1 "$WORK/policy-events-on.json"
	policy_with_limit 1 1 1 "$WORK/policy-events-off.json"
	cp "$WORK/policy-events-on.json" "$WORK/policy-live.json"
	: >"$WORK/events.out"
	agent_start "$WORK/policy-live.json"
	set_mode same # generator and receiver on CPU 0, the agent alone on CPU 1
	BPF_STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	for ROUND in $(seq 1 "$RUNS"); do
		reload_to "$WORK/policy-events-off.json"
		ev_run events_off
		reload_to "$WORK/policy-events-on.json"
		ev_run events_on
		ev_run events_follow
	done
	sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_OLD"
	BPF_STATS_OLD=
	stop_agent
}

# ---- measurement 4: policy changes with the real agent ------------------------------------

# a copy of the shipped policy whose peer set sip_next_hop (checked by the
# internal 5061 rows) holds N random, non-dense IPv4 prefixes (/16 to /32;
# none in 0/8, 127/8, 198/8, 224/3 or overlapping 192.0.2.0/24), seeded
policy_with_prefixes() { # N OUT
	"$PY" - "$POLICY_SRC" "$@" <<'EOF'
import ipaddress, json, random, sys
src, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
p = json.load(open(src))
rng = random.Random(20131)
doc = ipaddress.ip_network("192.0.2.0/24")
seen = {"198.18.2.0/24"}
while len(seen) < n:
    plen = rng.randint(16, 32)
    v = rng.getrandbits(32) & (0xffffffff << (32 - plen)) & 0xffffffff
    if (v >> 24) in (0, 127, 198) or (v >> 24) >= 224:
        continue
    net = ipaddress.ip_network((v, plen))
    if net.overlaps(doc):
        continue
    seen.add(str(net))
p["peers"]["sip_next_hop"] = sorted(seen)
json.dump(p, open(out, "w"))
EOF
}

now_ns() { date +%s%N; }
agent_hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$AGENT_PID/status"; }

# the live file becomes FILE; `edgefw reload` (synchronous: it returns when
# the agent has applied it); SECS = the seconds it took (no subshell: the
# agent's pid lives in this shell)
SECS=
reload_timed() { # FILE
	local t0 t1
	cp "$1" "$WORK/policy-live.json"
	t0=$(now_ns)
	env EDGEFW_BPFFS_DIR="$PIN" EDGEFW_RUN_DIR="$WORK/run" nsenter --net=/run/netns/"$NS_E" \
		"$EDGEFW" reload --force >>"$WORK/reload.log" 2>&1 || die "edgefw reload failed (see $WORK/reload.log)"
	t1=$(now_ns)
	SECS="$(((t1 - t0) / 1000))e-6"
}

start_timed() { # FILE: start the agent on it; SECS = the seconds to "enforcing"
	local t0 t1
	cp "$1" "$WORK/policy-live.json"
	t0=$(now_ns)
	agent_start "$WORK/policy-live.json"
	t1=$(now_ns)
	SECS="$(((t1 - t0) / 1000))e-6"
}

policy_part() {
	local lsh l100 s1 s2 h0 h1 h2 h100
	policy_with_prefixes 100000 "$WORK/policy-100k.json"
	: >"$WORK/reload.log"
	for ROUND in $(seq 1 "$RUNS"); do
		start_timed "$WORK/policy-shipped.json"
		lsh=$SECS h0=$(agent_hwm_kib)
		reload_timed "$WORK/policy-100k.json"
		s1=$SECS h1=$(agent_hwm_kib)
		reload_timed "$WORK/policy-shipped.json"
		s2=$SECS h2=$(agent_hwm_kib)
		stop_agent
		start_timed "$WORK/policy-100k.json"
		l100=$SECS h100=$(agent_hwm_kib)
		stop_agent
		printf '{"m":"policy","round":%d,"load_shipped_s":%s,"load_100k_s":%s,"swap_shipped_to_100k_s":%s,"swap_100k_to_shipped_s":%s,"peak_rss_kib_shipped":%d,"peak_rss_kib_100k":%d,"peak_rss_kib_after_swap_to_100k":%d,"peak_rss_kib_after_swap_back":%d,"loadavg":"%s"}\n' \
			"$ROUND" "$lsh" "$l100" "$s1" "$s2" "$h0" "$h100" "$h1" "$h2" "$(loadavg)" >>"$WORK/raw.jsonl"
	done
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ---- main -------------------------------------------------------------------------------------

[ "$(id -u)" = 0 ] || die "needs root"
for t in ip nft iptables-legacy iptables-nft ipset iperf3 ethtool bpftool taskset nsenter unshare clang; do
	command -v "$t" >/dev/null || die "missing $t (scripts/install-deps.sh installs it; see bench/README.md)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs"

# one run at a time: a lock on this script itself (leaves no lock file)
exec {LOCKFD}<"$0"
flock -n "$LOCKFD" || die "another bench/wire/run.sh is running"
trap cleanup EXIT INT TERM
# the watchdog: its sleep must not outlive it (it would hold our stdout open)
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep "$BUDGET" &
	sp=$!
	wait "$sp"
	log "wire: over the budget of ${BUDGET}s, stopping"
	kill -TERM $$
) &
WATCHDOG=$!
T0=$(date +%s)

KSOFTIRQD=$(pgrep -x "ksoftirqd/$GEN_CPU")
ns_del_all
# work dirs of earlier runs that were killed (we hold the lock: none is live)
for d in /dev/shm/efb-wire.*; do
	[ -d "$d" ] && [ -z "${KEEP:-}" ] && rm -rf "$d"
done
WORK=$(mktemp -d /dev/shm/efb-wire.XXXXXX)
mkdir -p "$WORK/run"

log "== build"
if [ -z "${EDGEFW:-}" ]; then
	make -s -C "$ROOT" BUILD=build-bench build-bench/edgefw >&2
	EDGEFW=$ROOT/build-bench/edgefw
fi
case $EDGEFW in /*) ;; *) EDGEFW=$PWD/$EDGEFW ;; esac
[ -x "$EDGEFW" ] || die "no edgefw at $EDGEFW"
make -s -C "$HERE" OUT="$WB" >&2

log "== topology"
build_topology
"$PY" "$HERE/matrix.py" "$POLICY_SRC" $NODE $EXT nft-hash >"$WORK/nft-hash.nft"
"$PY" "$HERE/matrix.py" "$POLICY_SRC" $NODE $EXT nft-interval >"$WORK/nft-interval.nft"
"$PY" "$HERE/matrix.py" "$POLICY_SRC" $NODE $EXT ipset >"$WORK/ipset.txt"
"$PY" "$HERE/matrix.py" "$POLICY_SRC" $NODE $EXT iptables >"$WORK/iptables.txt"
"$PY" "$HERE/matrix.py" "$POLICY_SRC" $NODE $EXT xdp-filter-batch /sys/fs/bpf/xdp-filter/filter_ports \
	>"$WORK/xdp-filter.batch"
: >"$WORK/raw.jsonl"
: >"$WORK/events.out"
cp "$POLICY_SRC" "$WORK/policy-shipped.json"

# does xdp-filter load here?
XDPFILTER_OK=0
XDPFILTER_MSG=
if command -v xdp-filter >/dev/null; then
	if XDPFILTER_MSG=$(xdpfilter_on 2>&1); then XDPFILTER_OK=1; fi
	xdp_off
else
	XDPFILTER_MSG="xdp-filter is not installed (Debian package xdp-tools)"
fi

LOAD_BEFORE=$(loadavg)
if [[ " $PARTS " == *" wire "* ]]; then
	log "== the shield's configuration (a 1M-prefix block list)"
	shield_setup
	log "== measurements 1 and 2: $RUNS rounds"
	for ROUND in $(seq 1 "$RUNS"); do
		log "   round $ROUND ($(($(date +%s) - T0))s)"
		echo "{\"m\":\"load\",\"part\":\"wire\",\"round\":$ROUND,\"loadavg\":\"$(loadavg)\"}" >>"$WORK/raw.jsonl"
		round
	done
fi
if [[ " $PARTS " == *" stages "* ]]; then
	STAGESWAP=${STAGESWAP:-$(dirname "$EDGEFW")/bench/stageswap}
	[ -x "$STAGESWAP" ] || die "no $STAGESWAP (make \$(BUILD)/bench/stageswap)"
	log "== stages: the cost of each stage under the SYN flood ($(($(date +%s) - T0))s)"
	stages_part
fi
if [[ " $PARTS " == *" events "* ]]; then
	log "== measurement 3: events ($(($(date +%s) - T0))s)"
	echo "{\"m\":\"load\",\"part\":\"events\",\"round\":0,\"loadavg\":\"$(loadavg)\"}" >>"$WORK/raw.jsonl"
	events
fi
if [[ " $PARTS " == *" policy "* ]]; then
	log "== measurement 4: policy changes ($(($(date +%s) - T0))s)"
	policy_part
fi
LOAD_AFTER=$(loadavg)

export W_KERNEL_CPUS=$(nproc) W_RUNS=$RUNS W_FRAMES=$FRAMES W_CAP=$CAP W_IPERF_T=$IPERF_T \
	W_EV_FRAMES=$EV_FRAMES W_EV_CAP=$EV_CAP W_GEN_CPU=$GEN_CPU W_RX_CPU=$RX_CPU \
	W_PARTS="$PARTS" W_NSRC=$NSRC \
	W_VERSIONS="$(dpkg-query -W -f '${Package} ${Version}, ' nftables iptables ipset iperf3 xdp-tools 2>/dev/null || true)" \
	W_LOAD_BEFORE="$LOAD_BEFORE" W_LOAD_AFTER="$LOAD_AFTER" W_WALL=$(($(date +%s) - T0)) \
	W_EDGEFW="$EDGEFW" W_POLICY="$POLICY_SRC" W_NODE=$NODE \
	W_XDPFILTER_OK=$XDPFILTER_OK W_XDPFILTER_MSG="$XDPFILTER_MSG"
"$PY" "$HERE/report.py" "$WORK/raw.jsonl" "$OUT"
log "wire: results in $OUT ($(($(date +%s) - T0))s)"
