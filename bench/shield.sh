#!/bin/bash
# bench/shield.sh [OUT.json]: a spoofed SYN flood against the Access Edge's
# TLS port (access:443) on a veth link, with and without edgefw's shield.
#
# Three cases, interleaved round by round (RUNS rounds, median/min/max):
#   none    no edgefw: the node's kernel alone (its own SYN cookies)
#   off     edgefw enforcing the shipped policy, settings.syn_flood "off":
#           the flood's SYNs are allowed by the TLS 443 row and reach the node
#   shield  edgefw with settings.syn_flood "auto" (the default): above the
#           threshold, unverified sources get cookie challenges from XDP
# Per round: wiregen (bench/wire) sends SYNs from 65536 spoofed sources
# (198.18.0.0/16) for FLOOD_S seconds at the highest rate it reaches, while
# CLIENTS fresh real clients (each its own address) connect to access:443
# with a 5 s timeout, starting 1 s into the flood.  Reported per case: the
# offered rate, the rate the edge's XDP program saw, the legitimate
# connections that succeeded and how long they took, the SYN-ACKs the node's
# kernel had to send (SYN cookies included), and for edgefw the challenges
# sent and the untrusted flows opened.  Nothing is asserted.
#
# Namespaces efb-s-*, pins /sys/fs/bpf/efb-s-*, addresses 203.0.113.0/24,
# 198.18.0.0/15, 198.51.100.0/24 only; removed on exit and at start.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${1:-$ROOT/bench/out/shield.json}
EDGEFW=${EDGEFW:-$ROOT/${BUILD:-build}/edgefw}
case $EDGEFW in /*) ;; *) EDGEFW=$ROOT/$EDGEFW ;; esac
WB=${WIRE_BUILD:-$ROOT/${BUILD:-build}/bench/wire}
case $WB in /*) ;; *) WB=$ROOT/$WB ;; esac
RUNS=${RUNS:-5}
FLOOD_S=${FLOOD_S:-4}
CLIENTS=${CLIENTS:-20}
GEN_CPU=${GEN_CPU:-0}
PY=/usr/bin/python3

NS_I=efb-s-inet NS_E=efb-s-edge NS_C=efb-s-corp
GIF=efb-s-i0 EXT=efb-s-e0 INTIF=efb-s-int CIF=efb-s-c0
ACC=203.0.113.10 WEB=203.0.113.11 AV=203.0.113.12 INET=203.0.113.1
INT=198.19.0.10 CORP=198.19.0.100
SRC_BASE=198.18.0.0 # the flood's sources: 198.18.0.0 + 0..65535
NSRC=65536
CLIENT_NET=203.0.113 CLIENT_FIRST=64 # clients 203.0.113.64.. (fresh each round)
WORK=
AGENT=

log() { printf '%s\n' "$*" >&2; }

cleanup_ns() {
	local ns pid
	for ns in $NS_I $NS_E $NS_C; do
		for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf /sys/fs/bpf/efb-s-* 2>/dev/null || true
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	[ -n "$AGENT" ] && kill -TERM "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	cleanup_ns
	[ -n "$WORK" ] && [ -z "${KEEP:-}" ] && rm -rf "$WORK"
	exit $rc
}

[ "$(id -u)" = 0 ] || { log "bench/shield.sh: needs root"; exit 1; }
[ -x "$EDGEFW" ] || { log "bench/shield.sh: no $EDGEFW (make first)"; exit 1; }
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup_ns
WORK=$(mktemp -d /dev/shm/efb-shield.XXXXXX)
make -s -C "$ROOT/bench/wire" OUT="$WB" >&2

# ---- topology --------------------------------------------------------------------

for ns in $NS_I $NS_E $NS_C; do
	ip netns add $ns
	ip -n $ns link set lo up
	ip netns exec $ns sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
ip link add $GIF netns $NS_I type veth peer name $EXT netns $NS_E
ip link add $CIF netns $NS_C type veth peer name $INTIF netns $NS_E
for x in "$NS_I $GIF" "$NS_E $EXT" "$NS_C $CIF" "$NS_E $INTIF"; do
	set -- $x
	ip -n "$1" link set "$2" up
done
ip -n $NS_I addr add $INET/24 dev $GIF
for i in $(seq 0 $((RUNS * CLIENTS - 1))); do
	ip -n $NS_I addr add $CLIENT_NET.$((CLIENT_FIRST + i))/24 dev $GIF
done
# the spoofed sources are routed to the internet side (the node's SYN-ACKs
# to them go there and die: the internet namespace does not forward)
ip -n $NS_E addr add $ACC/24 dev $EXT
ip -n $NS_E addr add $WEB/24 dev $EXT
ip -n $NS_E addr add $AV/24 dev $EXT
ip -n $NS_E addr add $INT/24 dev $INTIF
ip -n $NS_C addr add $CORP/24 dev $CIF
ip -n $NS_E route add 198.18.0.0/16 via $INET
# the generator's veth takes the challenges (XDP_TX) only with native XDP
ip -n $NS_I link set dev $GIF xdpdrv obj "$WB/pass.bpf.o" sec xdp
EDGE_MAC=$(ip -n $NS_E -j link show $EXT | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
# a listener on access:443 with a backlog like a busy server's
ip netns exec $NS_E $PY - <<-'EOF' &
	import socket, threading, time
	s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	s.bind(("203.0.113.10", 443))
	s.listen(1024)
	end = time.monotonic() + 900
	s.settimeout(1)
	while time.monotonic() < end:
	    try:
	        c, _ = s.accept()
	        c.close()
	    except socket.timeout:
	        pass
	EOF
LISTENER=$!

# ---- the policies ------------------------------------------------------------------

for mode in off auto; do
	$PY - "$ROOT/policies/lync2013-scaled-edge-dnslb-public.json" "$WORK/$mode.json" "$mode" <<-EOF
	import json, sys
	p = json.load(open(sys.argv[1]))
	p.pop("template", None)
	n = next(x for x in p["nodes"] if x["name"] == "edge1")
	n["interfaces"] = {"external": "$EXT", "internal": "$INTIF"}
	n["addresses"] = {"access": ["$ACC"], "webconf": ["$WEB"], "av": ["$AV"], "internal": ["$INT"]}
	p.setdefault("settings", {})["syn_flood"] = {"mode": sys.argv[3]}
	json.dump(p, open(sys.argv[2], "w"))
	EOF
done

agent_env() { echo EDGEFW_BPFFS_DIR=/sys/fs/bpf/efb-s-edge EDGEFW_RUN_DIR=$WORK/run EDGEFW_STATE_DIR=$WORK/state; }

start_agent() { # MODE
	local n=100
	rm -f "$WORK/agent.log" # (not the previous agent's "enforcing")
	env $(agent_env) nsenter --net=/run/netns/$NS_E "$EDGEFW" run --policy "$WORK/$1.json" \
		--node edge1 >/dev/null 2>"$WORK/agent.log" &
	AGENT=$!
	while ! grep -qs 'enforcing policy' "$WORK/agent.log"; do
		n=$((n - 1))
		[ $n -gt 0 ] && kill -0 $AGENT 2>/dev/null || { cat "$WORK/agent.log" >&2; exit 1; }
		sleep 0.1
	done
}

stop_agent() {
	kill -TERM $AGENT
	wait $AGENT || true
	AGENT=
}

agent_counters() {
	env $(agent_env) nsenter --net=/run/netns/$NS_E "$EDGEFW" stats --json
}

xdp_packets() { # what the edge's XDP program saw
	ip netns exec $NS_E ethtool -S $EXT | awk '/rx_queue_0_xdp_packets/ { print $2 }'
}

nstat_node() { # the node's kernel: SYN-ACKs sent and SYN cookies
	ip netns exec $NS_E $PY - <<-'EOF'
	import json
	v = {}
	for f in ("/proc/net/snmp", "/proc/net/netstat"):
	    lines = open(f).read().splitlines()
	    for a, b in zip(lines[::2], lines[1::2]):
	        ka, kb = a.split(), b.split()
	        for k, x in zip(ka[1:], kb[1:]):
	            v[ka[0].rstrip(":") + "." + k] = int(x)
	print(json.dumps({"out_segs": v["Tcp.OutSegs"], "syncookies_sent": v["TcpExt.SyncookiesSent"],
	                  "listen_drops": v["TcpExt.ListenDrops"], "passive_opens": v["Tcp.PassiveOpens"]}))
	EOF
}

# CLIENTS real clients from fresh addresses: connect times (s) or null
clients() { # FIRST
	ip netns exec $NS_I $PY - "$1" "$CLIENTS" "$ACC" "$CLIENT_NET" <<-'EOF'
	import json, socket, sys, threading, time
	first, n, dst, net = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
	res = [None] * n
	def one(i):
	    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	    s.bind(("%s.%d" % (net, first + i), 0))
	    s.settimeout(5)
	    t0 = time.monotonic()
	    try:
	        s.connect((dst, 443))
	        res[i] = round(time.monotonic() - t0, 3)
	    except OSError:
	        pass
	    s.close()
	ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
	for t in ts:
	    t.start()
	for t in ts:
	    t.join()
	print(json.dumps(res))
	EOF
}

one_case() { # CASE ROUND -> one JSON object
	local case=$1 round=$2 first x0 x1 n0 n1 a0 a1 g c cpid
	first=$((CLIENT_FIRST + (round - 1) * CLIENTS))
	case $case in
	none) ip -n $NS_E link set dev $EXT xdpdrv obj "$WB/pass.bpf.o" sec xdp ;;
	off) start_agent off ;;
	shield) start_agent auto ;;
	esac
	x0=$(xdp_packets)
	n0=$(nstat_node)
	a0=$( [ "$case" = none ] && echo '{}' || agent_counters)
	# the flood, then the clients 1 s into it
	ip netns exec $NS_I "$WB/wiregen" --ifname $GIF --dst-mac "$EDGE_MAC" --dst $ACC \
		--proto tcp --dport 443 --src-base $SRC_BASE --src-count $NSRC \
		--frames 100000000 --time-cap "$FLOOD_S" --cpu "$GEN_CPU" >"$WORK/gen.json" &
	g=$!
	sleep 1
	c=$(clients $first)
	wait $g
	x1=$(xdp_packets)
	n1=$(nstat_node)
	a1=$( [ "$case" = none ] && echo '{}' || agent_counters)
	echo "$a1" >"$WORK/stats-$case-$round.json"
	case $case in
	none) ip -n $NS_E link set dev $EXT xdp off ;;
	*) stop_agent ;;
	esac
	$PY - "$case" "$round" "$WORK/gen.json" "$x0" "$x1" "$n0" "$n1" "$a0" "$a1" "$c" <<-'EOF'
	import json, statistics, sys
	case, rnd, genf = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	x0, x1 = int(sys.argv[4]), int(sys.argv[5])
	n0, n1 = json.loads(sys.argv[6]), json.loads(sys.argv[7])
	a0, a1 = json.loads(sys.argv[8]), json.loads(sys.argv[9])
	c = json.loads(sys.argv[10])
	g = json.load(open(genf))
	ok = [t for t in c if t is not None]
	secs = g["elapsed_s"]
	r = {"case": case, "round": rnd, "frames": g["frames"], "flood_s": secs,
	     "offered_pps": g["frames"] / secs if secs else 0,
	     "xdp_pps": (x1 - x0) / secs if secs else 0,
	     "clients": len(c), "clients_ok": len(ok),
	     "connect_s_median": statistics.median(ok) if ok else None,
	     "connect_s_max": max(ok) if ok else None,
	     "node_tcp_out_segs": n1["out_segs"] - n0["out_segs"],
	     "node_syncookies_sent": n1["syncookies_sent"] - n0["syncookies_sent"],
	     "node_listen_drops": n1["listen_drops"] - n0["listen_drops"],
	     "node_passive_opens": n1["passive_opens"] - n0["passive_opens"]}
	if a1:
	    d = lambda k: a1["counters"][k] - a0["counters"][k]
	    r.update({"challenges": d("syncookies_sent"), "verified": d("syncookies_valid"),
	              "untrusted_flows_opened": d("flows_created_untrusted"),
	              "untrusted_flows_at_end": a1["tables"]["flows_untrusted"]["entries"],
	              "untrusted_table_size": a1["tables"]["flows_untrusted"]["size"]})
	print(json.dumps(r))
	EOF
}

# ---- the rounds ---------------------------------------------------------------------

: >"$WORK/raw.jsonl"
T0=$(date +%s)
for round in $(seq 1 "$RUNS"); do
	for case in none off shield; do
		one_case $case $round >>"$WORK/raw.jsonl"
		log "shield bench: round $round $case: $(tail -n 1 "$WORK/raw.jsonl" | cut -c1-200)"
	done
done
kill $LISTENER 2>/dev/null || true

mkdir -p "$(dirname "$OUT")"
$PY - "$WORK/raw.jsonl" "$OUT" "$RUNS" "$FLOOD_S" "$CLIENTS" "$(($(date +%s) - T0))" "$(nproc)" <<-'EOF'
import json, statistics, sys
raw = [json.loads(l) for l in open(sys.argv[1])]
out = {"meta": {"runs": int(sys.argv[3]), "flood_s": float(sys.argv[4]), "clients_per_round": int(sys.argv[5]),
                "wall_s": int(sys.argv[6]), "cpus": int(sys.argv[7]), "sources": 65536, "target": "access:443 (TCP, allowed by ext-access-sip-tls-443-in)"},
       "cases": {}, "runs": raw}
keys = ["offered_pps", "xdp_pps", "clients_ok", "connect_s_median", "node_tcp_out_segs",
        "node_syncookies_sent", "node_passive_opens", "challenges", "verified", "untrusted_flows_opened",
        "untrusted_flows_at_end"]
for case in ("none", "off", "shield"):
    rs = [r for r in raw if r["case"] == case]
    agg = {}
    for k in keys:
        v = [r[k] for r in rs if r.get(k) is not None]
        if v:
            agg[k] = {"median": statistics.median(v), "min": min(v), "max": max(v)}
    agg["clients_ok_ratio"] = sum(r["clients_ok"] for r in rs) / max(1, sum(r["clients"] for r in rs))
    out["cases"][case] = agg
json.dump(out, open(sys.argv[2], "w"), indent=1)
for case, a in out["cases"].items():
    print("%-7s offered %8.0f pps  xdp saw %8.0f pps  clients ok %5.1f%%  connect median %s s  node SYN-ACK segs %s  challenges %s  untrusted flows %s" % (
        case, a["offered_pps"]["median"], a.get("xdp_pps", {}).get("median", 0), 100 * a["clients_ok_ratio"],
        a.get("connect_s_median", {}).get("median"), a["node_tcp_out_segs"]["median"],
        a.get("challenges", {}).get("median", "-"), a.get("untrusted_flows_opened", {}).get("median", "-")), file=sys.stderr)
EOF
log "bench/shield.sh: wrote $OUT"
