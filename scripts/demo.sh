#!/bin/bash
# A demo edge node in network namespaces, enforced by edgefw with the
# shipped Lync policy, unchanged: node edge1 (eth1 external with the three
# public service addresses, eth0 internal), an "internet" namespace and a
# "corporate" one.  Sends a few allowed and blocked flows, prints the
# events, and removes everything.  --interactive leaves it running until
# Ctrl-C so you can try your own traffic:
#   ip netns exec efd-inet ncat 203.0.113.10 443
set -euo pipefail
cd "$(dirname "$0")/.."
EDGEFW=${EDGEFW:-build/edgefw}
POLICY=${POLICY:-policies/lync2013-scaled-edge-dnslb-public.json}
NS_EDGE=efd-edge1 NS_INET=efd-inet NS_CORP=efd-corp
WORK=$(mktemp -d /tmp/edgefw-demo.XXXXXX)
AGENT=
# the agent's pins and run directory; nsenter keeps the host's bpffs
export EDGEFW_BPFFS_DIR=/sys/fs/bpf/edgefw-demo EDGEFW_RUN_DIR=$WORK/run EDGEFW_STATE_DIR=$WORK/state
edge() { nsenter --net=/run/netns/$NS_EDGE "$@"; }

cleanup() {
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null || true
	for ns in $NS_EDGE $NS_INET $NS_CORP; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$WORK" "$EDGEFW_BPFFS_DIR"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root" >&2; exit 1; }
[ -x "$EDGEFW" ] || make -s
for ns in $NS_EDGE $NS_INET $NS_CORP; do ip netns del "$ns" 2>/dev/null || true; ip netns add "$ns"; done

ip link add eth1 netns $NS_EDGE type veth peer name up0 netns $NS_INET
ip link add eth0 netns $NS_EDGE type veth peer name fe0 netns $NS_CORP
for a in 203.0.113.10 203.0.113.11 203.0.113.12; do ip -n $NS_EDGE addr add $a/24 dev eth1; done
ip -n $NS_EDGE addr add 198.18.0.10/24 dev eth0
ip -n $NS_INET addr add 203.0.113.100/24 dev up0
ip -n $NS_CORP addr add 198.18.0.100/24 dev fe0
for l in lo eth1 eth0; do ip -n $NS_EDGE link set $l up; done
for l in lo up0; do ip -n $NS_INET link set $l up; done
for l in lo fe0; do ip -n $NS_CORP link set $l up; done
# a route that points the internet at the internal address, so edgefw (not
# routing) is what stops it
ip -n $NS_INET route add 198.18.0.0/24 via 203.0.113.10 2>/dev/null || true

echo "== edgefw run --policy $POLICY --node edge1 (in namespace $NS_EDGE)"
# a simple command (nsenter execs the agent), so that $! is the agent itself
nsenter --net=/run/netns/$NS_EDGE "$EDGEFW" run --policy "$POLICY" --node edge1 \
	>"$WORK/events.json" 2>"$WORK/agent.log" &
AGENT=$!
for _ in $(seq 50); do grep -q enforcing "$WORK/agent.log" 2>/dev/null && break; sleep 0.1; done
cat "$WORK/agent.log"

# services on the node
for p in 443 5061 5269 8080; do
	ip netns exec $NS_EDGE timeout 30 ncat -lk 203.0.113.10 $p -c 'echo hello' >/dev/null 2>&1 &
done
ip netns exec $NS_EDGE timeout 30 ncat -lk 198.18.0.10 5061 -c 'echo hello' >/dev/null 2>&1 &
sleep 0.3

try() { # NS HOST PORT what
	if ip netns exec "$1" timeout 3 ncat -w 2 "$2" "$3" </dev/null >/dev/null 2>&1; then
		printf '  %-44s connected\n' "$4"
	else
		printf '  %-44s blocked\n' "$4"
	fi
}
echo "== traffic"
try $NS_INET 203.0.113.10 443  "internet -> Access Edge TCP 443 (SIP/TLS)"
try $NS_INET 203.0.113.10 5061 "internet -> Access Edge TCP 5061 (SIP/MTLS)"
try $NS_INET 203.0.113.10 5269 "internet -> Access Edge TCP 5269 (XMPP)"
try $NS_INET 203.0.113.10 8080 "internet -> Access Edge TCP 8080 (no row)"
try $NS_INET 198.18.0.10 5061  "internet -> internal address TCP 5061"
try $NS_CORP 198.18.0.10 5061  "corporate -> internal interface TCP 5061"

if [ "${1:-}" = --interactive ]; then
	echo "== running; events follow (Ctrl-C to stop and clean up)"
	tail -f "$WORK/events.json" &
	wait "$AGENT" || true
	exit 0
fi
sleep 0.5
echo "== edgefw events --backlog 3 --text"
edge "$EDGEFW" events --backlog 3 --text
echo "== edgefw explain --iface eth1 --dir in --proto tcp --src 203.0.113.100:40000 --dst 203.0.113.10:8080"
edge "$EDGEFW" explain --iface eth1 --dir in --proto tcp --src 203.0.113.100:40000 --dst 203.0.113.10:8080 || true
echo "== edgefw status"
edge "$EDGEFW" status
echo "== edgefw stats (rules with traffic, verdicts, tables)"
edge "$EDGEFW" stats | awk '/^RULE/ || $2 > 0 || !/^[a-z]+-[a-z0-9-]+ +[0-9]+ +[0-9]+$/'
echo "== the agent's stdout: one ECS JSON line per drop"
head -n 2 "$WORK/events.json"
