#!/bin/bash
# edgefw end-to-end tests: real traffic through edgefw on two Lync Edge nodes
# built from network namespaces (see tests/e2e/README.md for the topology).
#
# Debian packages needed (CI apt-gets them; scripts/install-deps.sh has them):
#   iproute2 python3 dnsmasq-base bind9-dnsutils iputils-ping procps coreutils
#
# Usage (as root):  make e2e-test          or   tests/e2e/run.sh
#   EDGEFW=path/to/edgefw   the binary (default: $BUILD/edgefw, BUILD=build)
#   E2E_VERBOSE=1           print the output of passing checks too
#   E2E_KEEP=1              keep the work dir (policies, events, logs)
#
# Everything lives in network namespaces named efe-*; only 203.0.113.0/24,
# 198.51.100.0/24, 198.18.0.0/15 and 2001:db8::/32 are used; nothing leaves
# the namespaces.  Exit status: 0 when every check passed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
EDGEFW=${EDGEFW:-$ROOT/${BUILD:-build}/edgefw}
case $EDGEFW in /*) ;; *) EDGEFW=$ROOT/$EDGEFW ;; esac
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
NT=("$PY" "$HERE/nettool.py")
EVQ=("$PY" "$HERE/events.py")
POLICY_SRC=$ROOT/policies/lync2013-scaled-edge-dnslb-public.json
HOST=$(uname -n)

# ---- names and addresses ---------------------------------------------------

NS_INET=efe-inet      # the internet: clients, partners, DNS resolver
NS_CORP=efe-corp      # corporate side: Front End / Director
NS_E1=efe-edge1       # edge1, LOCAL model: edgefw on the node's own NICs
NS_R2=efe-router2     # edge2, FORWARDING model: edgefw on this router's NICs
NS_V2=efe-edge2vm     # edge2's service addresses (the "VM" behind the router)
ALL_NS="$NS_INET $NS_CORP $NS_E1 $NS_R2 $NS_V2"

# edge1 (local model)
E1_EXT=efe-e1ext E1_INTIF=efe-e1int
E1_ACC=203.0.113.10 E1_WEB=203.0.113.11 E1_AV=203.0.113.12 E1_INT=198.18.0.10
E1_ACC6=2001:db8:a::10 E1_WEB6=2001:db8:a::11 E1_AV6=2001:db8:a::12 E1_INT6=2001:db8:c1::10
# edge2 (forwarding model): edgefw on the router's NICs, addresses on the VM
R2_EXT=efe-r2ext R2_INTIF=efe-r2int
E2_ACC=203.0.113.130 E2_WEB=203.0.113.131 E2_AV=203.0.113.132 E2_INT=198.18.2.20
E2_ACC6=2001:db8:22::130 E2_WEB6=2001:db8:22::131 E2_AV6=2001:db8:22::132 E2_INT6=2001:db8:c3::20
# the internet
INET_A=203.0.113.1 INET_A6=2001:db8:a::1     # on the link to edge1
INET_B=203.0.113.65 INET_B6=2001:db8:b::1    # on the link to router2
R2_EXT_IP=203.0.113.70 R2_EXT_IP6=2001:db8:b::70
RESOLVER=198.51.100.53 RESOLVER6=2001:db8:5::53
PARTNER=198.51.100.61 PARTNER6=2001:db8:5::61
FORGER=198.51.100.54 FORGER6=2001:db8:5::54
DNS_NAME=sip.partner.example.test
# corporate
CORP_1=198.18.0.100 CORP_16=2001:db8:c1::100  # on the link to edge1
CORP_2=198.18.1.100 CORP_26=2001:db8:c2::100  # on the link to router2

# ---- bookkeeping ------------------------------------------------------------

WORK=
PIDS=()
declare -A AGENT=()
PASS=0 FAIL=0
FAILED=()
WATCHDOG=

log() { printf '%s\n' "$*"; }
die() { printf 'e2e: %s\n' "$*" >&2; exit 1; }

ns_del_all() {
	local ns pid
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^efe-' || true); do
		# processes an earlier run of this suite left in its own namespace
		for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	# pins of agents an earlier run killed (they outlive the namespaces)
	rm -rf /sys/fs/bpf/efe-* 2>/dev/null || true
}

stop_pid() { # PID [seconds]: TERM, then KILL after a bounded wait
	local pid=$1 n=$((${2:-3} * 10))
	kill -TERM "$pid" 2>/dev/null || return 0
	while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$? pid tag
	set +e
	trap - EXIT INT TERM
	[ -n "$WATCHDOG" ] && kill "$WATCHDOG" 2>/dev/null
	if [ -n "$WORK" ] && { [ $rc -ne 0 ] || [ $FAIL -ne 0 ]; }; then
		for tag in "${!AGENT[@]}"; do
			log "---- agent $tag stderr (last 20 lines)"
			tail -n 20 "$WORK/$tag.log" 2>/dev/null
		done
	fi
	for pid in "${AGENT[@]}" "${PIDS[@]}"; do
		[ -n "$pid" ] && stop_pid "$pid" 2
	done
	ns_del_all
	if [ -n "$WORK" ]; then
		if [ -n "${E2E_KEEP:-}" ]; then log "e2e: work dir kept: $WORK"; else rm -rf "$WORK"; fi
	fi
	exit $rc
}

# ---- checks -----------------------------------------------------------------

# check NAME CMD...: runs CMD (its output is shown when it fails)
check() {
	local name=$1 out
	shift
	out=$WORK/check.out
	if "$@" >"$out" 2>&1; then
		PASS=$((PASS + 1))
		printf 'PASS  %s\n' "$name"
		[ -n "${E2E_VERBOSE:-}" ] && sed 's/^/        /' "$out"
	else
		FAIL=$((FAIL + 1))
		FAILED+=("$name")
		printf 'FAIL  %s\n' "$name"
		sed 's/^/        /' "$out"
	fi
	return 0
}

nx() { # NS CMD...: a command in a namespace, always bounded
	local ns=$1
	shift
	timeout 20 ip netns exec "$ns" "$@"
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

nlines() { wc -l <"$WORK/$1.events" | tr -d ' '; }

# event TAG SINCE FIELD=VALUE...: an event of agent TAG after line SINCE
event() {
	local tag=$1 since=$2
	shift 2
	"${EVQ[@]}" "$WORK/$tag.events" --since "$since" --timeout 3 "$@"
}

expect_drop() { # TAG PROTO DST PORT: a drop the suite provoked on purpose
	echo "$1 $2 $3 $4" >>"$WORK/expected-drops"
}

# ---- traffic primitives -------------------------------------------------------

tcp_ok() { nx "$1" "${NT[@]}" tcp "$2" "$3" --timeout 3 "${@:4}"; }
udp_ok() { nx "$1" "${NT[@]}" udp "$2" "$3" --timeout 1.5 --tries 2 "${@:4}"; }

# blocked_in TAG NODE CLIENT_NS PROTO DST PORT IFNAME REASON [client args]
# The connection must fail (timeout: nothing came back, not even a RST or an
# ICMP unreachable) and the agent must report the drop with the right fields.
blocked_in() {
	local tag=$1 node=$2 ns=$3 proto=$4 dst=$5 port=$6 ifn=$7 reason=$8 since
	shift 8
	since=$(nlines "$tag")
	expect_drop "$tag" "$proto" "$dst" "$port"
	if [ "$proto" = tcp ]; then
		expect_rc 2 nx "$ns" "${NT[@]}" tcp "$dst" "$port" --timeout 1 "$@" || return 1
	else
		expect_rc 2 nx "$ns" "${NT[@]}" udp "$dst" "$port" --timeout 1 "$@" || return 1
	fi
	event "$tag" "$since" event.action=drop event.type=connection,denied \
		event.reason="$reason" network.direction=ingress network.transport="$proto" \
		destination.ip="$dst" destination.port="$port" \
		observer.ingress.interface.name="$ifn" observer.name="$node" \
		observer.hostname="$HOST" rule.name=!
}

# blocked_out TAG NODE NODE_NS PROTO SRC DST PORT IFNAME: the node opens a
# flow no out rule allows: it must fail and show up as an egress drop.
blocked_out() {
	local tag=$1 node=$2 ns=$3 proto=$4 src=$5 dst=$6 port=$7 ifn=$8 since
	since=$(nlines "$tag")
	expect_drop "$tag" "$proto" "$dst" "$port"
	# a local TC drop may surface as an error of the send (1), a remote one
	# as a timeout (2); a RST or an ICMP unreachable (3) means it got out
	expect_rc '1|2' nx "$ns" "${NT[@]}" "$proto" "$dst" "$port" --timeout 1 --bind "$src" || return 1
	event "$tag" "$since" event.action=drop event.type=connection,denied \
		event.reason=no-rule network.direction=egress network.transport="$proto" \
		source.ip="$src" destination.ip="$dst" destination.port="$port" \
		observer.egress.interface.name="$ifn" observer.name="$node" rule.name=!
}

dig_ok() { # NS SERVER SOURCE TYPE WANT [+tcp]
	local out
	out=$(nx "$1" dig @"$2" -b "$3" +time=2 +tries=1 +short "${@:6}" "$DNS_NAME" "$4") || {
		echo "dig failed: $out"
		return 1
	}
	echo "dig @$2 -b $3 ${*:6} $DNS_NAME $4: $out"
	[ "$out" = "$5" ]
}

ping_ok() { nx "$1" ping -c 1 -W 2 "${@:2}"; }

# forged_udp TAG NODE DST IFNAME [v6]: a "reply" from source port 53 of a
# host the node never queried, to a port the node listens on.
forged_udp() {
	local tag=$1 node=$2 dst=$3 ifn=$4 forger=$5 ns=$6 since port=33333
	since=$(nlines "$tag")
	expect_drop "$tag" udp "$dst" $port
	expect_rc 2 nx "$NS_INET" "${NT[@]}" udp "$dst" $port --bind "$forger" --sport 53 --timeout 1 || return 1
	sleep 0.3
	if grep -xF "udp $dst $port $forger 53" "$WORK/udp-$ns.log"; then
		echo "the listener on $dst:$port received the forged datagram"
		return 1
	fi
	echo "listener on $dst:$port received nothing from $forger:53"
	event "$tag" "$since" event.action=drop 'event.reason=no-rule|no-flow' \
		network.direction=ingress network.transport=udp source.ip="$forger" source.port=53 \
		destination.ip="$dst" destination.port=$port observer.ingress.interface.name="$ifn"
}

# forged_ack TAG DST IFNAME SRC: a TCP ACK that belongs to no connection, to
# the A/V address port 50000 (an allowed inbound port with a listener)
forged_ack() {
	local tag=$1 dst=$2 ifn=$3 src=$4 since
	since=$(nlines "$tag")
	expect_drop "$tag" tcp "$dst" 50000
	expect_rc 2 nx "$NS_INET" "${NT[@]}" rawtcp --src "$src" --dst "$dst" --sport 40404 \
		--dport 50000 --flags A --wait 1.5 || return 1
	event "$tag" "$since" event.action=drop event.reason=no-flow network.direction=ingress \
		network.transport=tcp source.ip="$src" source.port=40404 \
		destination.ip="$dst" destination.port=50000 observer.ingress.interface.name="$ifn"
}

# icmp_arrives NODE_NS FROM TO TYPE CODE icmperr-args...: send an ICMP error
# from the internet; exit 0 when a raw socket on the node sees it arrive
icmp_arrives() {
	local ns=$1 from=$2 to=$3 type=$4 code=$5 ready out pid n=50 rc=0
	shift 5
	ready=$WORK/ready-icmp.$RANDOM out=$WORK/icmp.out
	nx "$ns" "${NT[@]}" rawlisten --src "$from" --type "$type" --wait 2 --ready "$ready" >"$out" 2>&1 &
	pid=$!
	while [ ! -e "$ready" ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	nx "$NS_INET" "${NT[@]}" icmperr --src "$from" --dst "$to" --type "$type" --code "$code" "$@"
	wait $pid || rc=$?
	cat "$out"
	return $rc
}

# pmtu_passes NODE_NS FROM ACC PARTNER: "fragmentation needed" (ICMPv6
# "packet too big") about a packet the node sent from its access address
pmtu_passes() {
	case $3 in
	*:*) icmp_arrives "$1" "$2" "$3" 2 0 --mtu 1280 --qsrc "$3" --qdst "$4" --qsport 41000 --qdport 5061 ;;
	*) icmp_arrives "$1" "$2" "$3" 3 4 --mtu 1300 --qsrc "$3" --qdst "$4" --qsport 41000 --qdport 5061 ;;
	esac
}

# icmp_unrelated TAG NODE_NS FROM ACC PARTNER IFNAME: "port unreachable"
# about a datagram the node never sent: dropped, reported icmp-unrelated
icmp_unrelated() {
	local tag=$1 ns=$2 from=$3 acc=$4 partner=$5 ifn=$6 since tr=icmp
	since=$(nlines "$tag")
	case $acc in *:*) tr=ipv6-icmp ;; esac
	expect_drop "$tag" $tr "$acc" 0
	if [ $tr = icmp ]; then
		expect_rc 2 icmp_arrives "$ns" "$from" "$acc" 3 3 --qproto udp --qsrc "$acc" --qdst "$partner" \
			--qsport 41001 --qdport 5555 || return 1
	else
		expect_rc 2 icmp_arrives "$ns" "$from" "$acc" 1 4 --qproto udp --qsrc "$acc" --qdst "$partner" \
			--qsport 41001 --qdport 5555 || return 1
	fi
	event "$tag" "$since" event.action=drop event.reason=icmp-unrelated network.direction=ingress \
		network.transport=$tr source.ip="$from" destination.ip="$acc" observer.ingress.interface.name="$ifn"
}

xdp_on() { # NS IF: an XDP program is attached
	local out
	out=$(ip -n "$1" -d link show dev "$2") && [[ $out == *prog/xdp* ]]
}

tc_on() { # NS IF: a BPF filter on the clsact egress hook
	local out
	out=$(tc -n "$1" filter show dev "$2" egress 2>/dev/null) && [[ $out == *bpf* ]]
}

attached() { # NS IF...: XDP and the TC egress filter on every IF
	local ns=$1 ifn rc=0
	shift
	for ifn in "$@"; do
		if xdp_on "$ns" "$ifn"; then echo "$ifn: XDP attached"; else echo "$ifn: no XDP"; rc=1; fi
		if tc_on "$ns" "$ifn"; then
			echo "$ifn: TC egress filter attached"
		else
			echo "$ifn: no TC egress filter"
			rc=1
		fi
	done
	return $rc
}

detached() { # NS IF...: no XDP program and no egress filter left
	local ns=$1 ifn rc=0
	shift
	for ifn in "$@"; do
		ip -n "$ns" -d link show dev "$ifn" | sed 's/^/  /'
		if xdp_on "$ns" "$ifn"; then echo "$ifn: XDP still attached"; rc=1; fi
		if tc_on "$ns" "$ifn"; then
			echo "$ifn: TC egress filter still attached"
			rc=1
		fi
	done
	return $rc
}

# ---- topology -----------------------------------------------------------------

ns_new() {
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	ip -n "$1" link set lo up
}

veth() { # NS1 IF1 NS2 IF2
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

addrs() { # NS IF ADDR/LEN...
	local ns=$1 ifn=$2 a
	shift 2
	for a in "$@"; do
		case $a in *:*) ip -n "$ns" addr add "$a" dev "$ifn" nodad ;; *) ip -n "$ns" addr add "$a" dev "$ifn" ;; esac
	done
}

build_topology() {
	local ns
	for ns in $ALL_NS; do ns_new "$ns"; done

	# internet <-> edge1 external (link A), internet <-> router2 external (link B)
	veth "$NS_INET" efe-i-e1 "$NS_E1" "$E1_EXT"
	veth "$NS_INET" efe-i-r2 "$NS_R2" "$R2_EXT"
	# corporate <-> edge1 internal (link D), corporate <-> router2 internal (link E)
	veth "$NS_CORP" efe-c-e1 "$NS_E1" "$E1_INTIF"
	veth "$NS_CORP" efe-c-r2 "$NS_R2" "$R2_INTIF"
	# router2 <-> the VM's external and internal vNICs (links C, F)
	veth "$NS_R2" efe-r2vx "$NS_V2" efe-v2ext
	veth "$NS_R2" efe-r2vi "$NS_V2" efe-v2int

	# internet: link addresses, remote hosts on lo
	addrs "$NS_INET" efe-i-e1 $INET_A/26 $INET_A6/64
	addrs "$NS_INET" efe-i-r2 $INET_B/26 $INET_B6/64
	addrs "$NS_INET" lo $RESOLVER/32 $PARTNER/32 $FORGER/32 $RESOLVER6/128 $PARTNER6/128 $FORGER6/128
	ip -n "$NS_INET" route add 203.0.113.128/26 via $R2_EXT_IP
	ip -n "$NS_INET" route add 2001:db8:22::/64 via $R2_EXT_IP6
	# routes that point the internet at the nodes' internal addresses, so
	# that edgefw (not routing) is what keeps them out
	ip -n "$NS_INET" route add 198.18.0.0/24 via $E1_ACC
	ip -n "$NS_INET" route add 2001:db8:c1::/64 via $E1_ACC6
	ip -n "$NS_INET" route add 198.18.2.0/24 via $R2_EXT_IP
	ip -n "$NS_INET" route add 2001:db8:c3::/64 via $R2_EXT_IP6

	# corporate
	addrs "$NS_CORP" efe-c-e1 $CORP_1/24 $CORP_16/64
	addrs "$NS_CORP" efe-c-r2 $CORP_2/24 $CORP_26/64
	ip -n "$NS_CORP" route add 198.18.2.0/24 via 198.18.1.1
	ip -n "$NS_CORP" route add 2001:db8:c3::/64 via 2001:db8:c2::1
	# and routes that point it at the nodes' public addresses through their
	# internal NICs: edgefw must keep those out too
	ip -n "$NS_CORP" route add 203.0.113.0/26 via $E1_INT
	ip -n "$NS_CORP" route add 2001:db8:a::/64 via $E1_INT6
	ip -n "$NS_CORP" route add 203.0.113.128/26 via 198.18.1.1
	ip -n "$NS_CORP" route add 2001:db8:22::/64 via 2001:db8:c2::1

	# edge1: three public service addresses on the external NIC (Access is
	# primary and carries the default route), the internal one on eth0
	addrs "$NS_E1" "$E1_EXT" $E1_ACC/26 $E1_WEB/26 $E1_AV/26 $E1_ACC6/64 $E1_WEB6/64 $E1_AV6/64
	addrs "$NS_E1" "$E1_INTIF" $E1_INT/24 $E1_INT6/64
	ip -n "$NS_E1" route add default via $INET_A src $E1_ACC
	ip -n "$NS_E1" -6 route add default via $INET_A6 src $E1_ACC6

	# router2: forwards between the networks and the VM
	addrs "$NS_R2" "$R2_EXT" $R2_EXT_IP/26 $R2_EXT_IP6/64
	addrs "$NS_R2" "$R2_INTIF" 198.18.1.1/24 2001:db8:c2::1/64
	addrs "$NS_R2" efe-r2vx 203.0.113.129/26 2001:db8:22::1/64
	addrs "$NS_R2" efe-r2vi 198.18.2.1/24 2001:db8:c3::1/64
	ip -n "$NS_R2" route add default via $INET_B
	ip -n "$NS_R2" -6 route add default via $INET_B6
	ip netns exec "$NS_R2" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0

	# the edge2 VM: service addresses, default route to the router (external
	# side only), a static route for the corporate network
	addrs "$NS_V2" efe-v2ext $E2_ACC/26 $E2_WEB/26 $E2_AV/26 $E2_ACC6/64 $E2_WEB6/64 $E2_AV6/64
	addrs "$NS_V2" efe-v2int $E2_INT/24 $E2_INT6/64
	ip -n "$NS_V2" route add default via 203.0.113.129 src $E2_ACC
	ip -n "$NS_V2" -6 route add default via 2001:db8:22::1 src $E2_ACC6
	ip -n "$NS_V2" route add 198.18.1.0/24 via 198.18.2.1
	ip -n "$NS_V2" -6 route add 2001:db8:c2::/64 via 2001:db8:c3::1
}

start_server() { # NS NAME nettool-serve-args...
	local ns=$1 name=$2 ready n=100
	shift 2
	ready=$WORK/ready-$name
	ip netns exec "$ns" "${NT[@]}" serve --lifetime 400 --ready "$ready" "$@" \
		>"$WORK/server-$name.out" 2>&1 &
	PIDS+=($!)
	while [ ! -e "$ready" ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	[ -e "$ready" ] || { cat "$WORK/server-$name.out"; die "server $name did not start"; }
}

start_services() {
	local tcp_node=80,443,3478,4443,5061,5062,5269,8057,8443,23456,50000,50001,50002,50003,59999
	local u a
	# an edge node: TCP echo on every port of interest (wildcard: a blocked
	# port is blocked by edgefw, not by a missing listener), UDP echo on each
	# service address
	u=
	for a in $E1_ACC $E1_WEB $E1_AV $E1_INT "[$E1_ACC6]" "[$E1_WEB6]" "[$E1_AV6]" "[$E1_INT6]"; do
		u+="$a:3478,"
	done
	u+="$E1_AV:50010,[$E1_AV6]:50010,$E1_ACC:33333,[$E1_ACC6]:33333"
	start_server "$NS_E1" edge1 --tcp $tcp_node --udp "$u" --log "$WORK/udp-$NS_E1.log"
	u=
	for a in $E2_ACC $E2_WEB $E2_AV $E2_INT "[$E2_ACC6]" "[$E2_WEB6]" "[$E2_AV6]" "[$E2_INT6]"; do
		u+="$a:3478,"
	done
	u+="$E2_AV:50010,[$E2_AV6]:50010,$E2_ACC:33333,[$E2_ACC6]:33333"
	start_server "$NS_V2" edge2vm --tcp $tcp_node --udp "$u" --log "$WORK/udp-$NS_V2.log"
	# partners on the internet, Front End / Director on the corporate side
	u=
	for a in $PARTNER "[$PARTNER6]"; do u+="$a:40000,$a:3478,$a:123,"; done
	start_server "$NS_INET" partner --tcp 80,443,5061,5269,8443 --udp "${u%,}" --log "$WORK/udp-$NS_INET.log"
	start_server "$NS_CORP" corp --tcp 443,5061,8443
	# the DNS resolver
	ip netns exec "$NS_INET" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--bind-interfaces --listen-address=$RESOLVER --listen-address=$RESOLVER6 \
		--pid-file="$WORK/dnsmasq.pid" --host-record=$DNS_NAME,$PARTNER,$PARTNER6 \
		--log-facility="$WORK/dnsmasq.log" >"$WORK/dnsmasq.out" 2>&1 &
	PIDS+=($!)
	local n=50
	while [ $n -gt 0 ] && ! nx "$NS_INET" dig @$RESOLVER +time=1 +tries=1 +short $DNS_NAME A >/dev/null 2>&1; do
		sleep 0.1
		n=$((n - 1))
	done
}

# ---- policies -----------------------------------------------------------------

write_policies() {
	"$PY" - "$POLICY_SRC" "$WORK" <<-EOF
	import json, sys
	src, work = sys.argv[1], sys.argv[2]
	p = json.load(open(src))
	p["nodes"] = [
	    {"name": "edge1",
	     "interfaces": {"external": "$E1_EXT", "internal": "$E1_INTIF"},
	     "addresses": {"access": ["$E1_ACC", "$E1_ACC6"], "webconf": ["$E1_WEB", "$E1_WEB6"],
	                   "av": ["$E1_AV", "$E1_AV6"], "internal": ["$E1_INT", "$E1_INT6"]}},
	    {"name": "edge2",
	     "interfaces": {"external": "$R2_EXT", "internal": "$R2_INTIF"},
	     "addresses": {"access": ["$E2_ACC", "$E2_ACC6"], "webconf": ["$E2_WEB", "$E2_WEB6"],
	                   "av": ["$E2_AV", "$E2_AV6"], "internal": ["$E2_INT", "$E2_INT6"]}},
	]
	json.dump(p, open(work + "/policy.json", "w"), indent=2)
	# the invalid one: the same, with one reversed port range
	i = next(n for n, r in enumerate(p["rules"]) if r["name"] == "ext-av-rtp-tcp-in")
	p["rules"][i]["ports"] = "59999-50000"
	json.dump(p, open(work + "/invalid.json", "w"), indent=2)
	# for a reload: the valid one, with the OCS 2007 rows excluded by tag
	p["rules"][i]["ports"] = "50000-59999"
	p["settings"]["exclude_tags"] = ["ocs2007"]
	json.dump(p, open(work + "/no-ocs2007.json", "w"), indent=2)
	print(i)
	EOF
}

policy_same_rules() { # the test policy differs from the shipped one only in nodes
	"$PY" - "$POLICY_SRC" "$WORK/policy.json" <<-'EOF'
	import json, sys
	a, b = (json.load(open(f)) for f in sys.argv[1:3])
	assert len(a["rules"]) == 37, len(a["rules"])
	for k in set(a) | set(b):
	    if k != "nodes" and a.get(k) != b.get(k):
	        sys.exit("key %s differs" % k)
	print("%d rules, only nodes rewritten" % len(b["rules"]))
	EOF
}

validate_ok() { "$EDGEFW" validate --node "$1" "$WORK/policy.json"; }

# invalid_refused NS NODE IF...: run with the invalid policy exits 1, prints
# the message validate prints, attaches nothing
invalid_refused() {
	local ns=$1 node=$2 rc=0 vmsg
	shift 2
	vmsg=$("$EDGEFW" validate "$WORK/invalid.json" 2>&1) && {
		echo "validate accepted the invalid policy"
		return 1
	}
	vmsg=$(grep -F 'is reversed' <<<"$vmsg" | head -n 1)
	echo "validate says: $vmsg"
	[ -n "$vmsg" ] || return 1
	timeout 20 ip netns exec "$ns" "$EDGEFW" run --policy "$WORK/invalid.json" --node "$node" \
		>"$WORK/invalid-$node.out" 2>"$WORK/invalid-$node.err" || rc=$?
	echo "run exited $rc; stderr:"
	sed 's/^/  /' "$WORK/invalid-$node.err"
	[ $rc -eq 1 ] || { echo "expected exit status 1"; return 1; }
	grep -qxF "$vmsg" "$WORK/invalid-$node.err" || { echo "the validate message is missing"; return 1; }
	detached "$ns" "$@"
}

# ---- agents -------------------------------------------------------------------

# Each agent has its own pin directory on the host's bpffs (nsenter keeps
# /sys/fs/bpf, which `ip netns exec` would hide) and its own run directory.
agent_env() { # TAG
	echo "EDGEFW_BPFFS_DIR=/sys/fs/bpf/efe-$1" "EDGEFW_RUN_DIR=$WORK/run-$1"
}

in_node() { # TAG NS CMD...: run an edgefw command as that agent's neighbour
	local tag=$1 ns=$2
	shift 2
	env $(agent_env "$tag") nsenter --net=/run/netns/"$ns" "$@"
}

start_agent() { # TAG NS NODE [run options]
	local tag=$1 ns=$2 node=$3 n=100 pid
	# a simple command, so that $! is the agent itself (env and nsenter exec)
	env $(agent_env "$tag") nsenter --net=/run/netns/"$ns" \
		"$EDGEFW" run --policy "$WORK/policy.json" --node "$node" "${@:4}" \
		>"$WORK/$tag.events" 2>"$WORK/$tag.log" &
	pid=$!
	AGENT[$tag]=$pid
	while [ $n -gt 0 ]; do
		grep -q 'enforcing policy' "$WORK/$tag.log" && { cat "$WORK/$tag.log"; return 0; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		n=$((n - 1))
	done
	cat "$WORK/$tag.log"
	return 1
}

# stop_agent TAG: SIGTERM, exit status 0 within 5 s
stop_agent() {
	local tag=$1 pid=${AGENT[$1]} n=50 rc=0
	kill -TERM "$pid" || return 1
	while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	if kill -0 "$pid" 2>/dev/null; then
		echo "still running 5 s after SIGTERM"
		return 1
	fi
	wait "$pid" || rc=$?
	AGENT[$tag]=
	tail -n 2 "$WORK/$tag.log"
	echo "exit status $rc"
	[ $rc -eq 0 ]
}

# reload_to TAG FILE: put FILE in place of the running policy, SIGHUP, wait
# for the agent to say it reloaded or refused; prints that log line
reload_to() {
	local tag=$1 file=$2 before n=50
	before=$(grep -cE 'reloaded policy|reload refused' "$WORK/$tag.log" || true)
	cp "$file" "$WORK/policy.json"
	kill -HUP "${AGENT[$tag]}" || return 1
	while [ $n -gt 0 ]; do
		[ "$(grep -cE 'reloaded policy|reload refused' "$WORK/$tag.log" || true)" -gt "$before" ] && break
		sleep 0.1
		n=$((n - 1))
	done
	grep -E 'reloaded policy|reload refused' "$WORK/$tag.log" | tail -n +$((before + 1))
}

# SIGHUP with an invalid policy: refused, the running policy stays in force
reload_invalid_refused() {
	local out
	out=$(reload_to edge1 "$WORK/invalid.json")
	cp "$WORK/policy.good" "$WORK/policy.json"
	echo "$out"
	[[ $out == *"reload refused"* ]] || return 1
	kill -0 "${AGENT[edge1]}" && tcp_ok $NS_INET $E1_AV 50000 &&
		blocked_in edge1 edge1 $NS_INET tcp $E1_ACC 80 $E1_EXT no-rule
}

# SIGHUP with exclude_tags ["ocs2007"]: the OCS 2007 rows close (TCP 50000
# to A/V), the others stay; then back to the full policy
reload_excludes_ocs2007() {
	local out
	out=$(reload_to edge1 "$WORK/no-ocs2007.json")
	echo "$out"
	[[ $out == *"reloaded policy"* ]] || return 1
	tcp_ok $NS_INET $E1_AV 443 &&
		blocked_in edge1 edge1 $NS_INET tcp $E1_AV 50000 $E1_EXT no-rule || return 1
	out=$(reload_to edge1 "$WORK/policy.good")
	echo "$out"
	[[ $out == *"reloaded policy"* ]] && tcp_ok $NS_INET $E1_AV 50000
}

# run --monitor: what enforce would drop passes and is reported as would-drop
monitor_mode() {
	start_agent edge1-monitor $NS_E1 edge1 --monitor || return 1
	tcp_ok $NS_INET $E1_ACC 80 &&
		event edge1-monitor 0 event.action=would-drop event.type=connection,denied \
			event.reason=no-rule network.direction=ingress network.transport=tcp \
			destination.ip=$E1_ACC destination.port=80 observer.ingress.interface.name=$E1_EXT &&
		tcp_ok $NS_E1 $PARTNER 8443 --bind $E1_ACC &&
		event edge1-monitor 0 event.action=would-drop event.reason=no-rule network.direction=egress \
			source.ip=$E1_ACC destination.ip=$PARTNER destination.port=8443 || {
		stop_agent edge1-monitor
		return 1
	}
	stop_agent edge1-monitor && detached $NS_E1 $E1_EXT $E1_INTIF
}

# Every drop an agent reported must be one the suite provoked on purpose:
# a dropped SYN-ACK, ACK, FIN, DNS answer or neighbour discovery would show.
no_unexpected_drops() {
	"$PY" - "$WORK/$1.events" "$1" "$WORK/expected-drops" <<-'EOF'
	import ipaddress, json, sys
	events, tag, exp = sys.argv[1:4]
	want = set()
	for line in open(exp):
	    t, proto, dst, port = line.split()
	    if t == tag:
	        want.add((proto, str(ipaddress.ip_address(dst)), int(port)))
	bad = n = 0
	for line in open(events):
	    e = json.loads(line)
	    if e["event"]["action"] != "drop":
	        continue
	    n += 1
	    d = e.get("destination", {})
	    k = (e["network"].get("transport"), str(ipaddress.ip_address(d.get("ip", "::"))), d.get("port", 0))
	    if k not in want:
	        bad += 1
	        if bad <= 5:
	            print("unexpected: " + line.rstrip())
	print("%d drop events, %d provoked by the suite, %d unexpected" % (n, n - bad, bad))
	sys.exit(1 if bad else 0)
	EOF
}

# ==== main =======================================================================

[ "$(id -u)" = 0 ] || die "run as root (network namespaces, BPF)"
[ -x "$EDGEFW" ] || die "no edgefw binary at $EDGEFW (make, or set EDGEFW / BUILD)"
for t in ip tc dnsmasq dig ping timeout; do
	command -v $t >/dev/null || die "missing $t (apt-get install iproute2 dnsmasq-base bind9-dnsutils iputils-ping coreutils)"
done

trap cleanup EXIT
trap 'exit 130' INT TERM
ns_del_all # leftovers of an earlier run
WORK=$(mktemp -d /tmp/edgefw-e2e.XXXXXX)
: >"$WORK/expected-drops"
watchdog() { # the whole suite is bounded too
	local s
	sleep "$1" &
	s=$!
	trap 'kill $s 2>/dev/null; exit 0' TERM
	wait $s
	echo "e2e: watchdog: the suite ran for $1 s, stopping it" >&2
	kill -TERM $$
}
watchdog 400 &
WATCHDOG=$!
START=$(date +%s)

log "== edgefw end-to-end: $EDGEFW ($("$EDGEFW" --version))"
build_topology
start_services

log "== topology (no edgefw yet)"
check "topology: internet -> edge1 access TCP 443 without edgefw" tcp_ok $NS_INET $E1_ACC 443
check "topology: internet -> edge2 access TCP 443 through router2 without edgefw" tcp_ok $NS_INET $E2_ACC 443
check "topology: corporate -> edge2 internal TCP 5061 through router2 without edgefw" tcp_ok $NS_CORP $E2_INT 5061
check "topology: resolver answers" dig_ok $NS_INET $RESOLVER $RESOLVER A $PARTNER
[ $FAIL -eq 0 ] || die "the test topology does not work; not testing edgefw"

log "== policies"
write_policies >/dev/null
check "policy: test copy keeps all 37 rules, only nodes rewritten" policy_same_rules
check "policy: edgefw validate --node edge1" validate_ok edge1
check "policy: edgefw validate --node edge2" validate_ok edge2
check "invalid policy: edge1 run exits 1 with the validate message, attaches nothing" \
	invalid_refused $NS_E1 edge1 $E1_EXT $E1_INTIF
check "invalid policy: edge2 (router) run exits 1 with the validate message, attaches nothing" \
	invalid_refused $NS_R2 edge2 $R2_EXT $R2_INTIF

log "== start agents"
check "agent edge1 (local model) starts enforcing" start_agent edge1 $NS_E1 edge1
check "agent edge2 (forwarding model, on router2) starts enforcing" start_agent edge2 $NS_R2 edge2
check "edge1: XDP and TC egress attached on both NICs" attached $NS_E1 $E1_EXT $E1_INTIF
check "edge2: XDP and TC egress attached on router2's NICs" attached $NS_R2 $R2_EXT $R2_INTIF
[ -n "${AGENT[edge1]}" ] && [ -n "${AGENT[edge2]}" ] && kill -0 "${AGENT[edge1]}" "${AGENT[edge2]}" ||
	die "an agent did not start; see above"

# ---- per-node suites ---------------------------------------------------------------

# node_suite TAG NODE FAM ACC WEB AV INT EXTIF INTIF CORP RESOLVER PARTNER FORGER GW
node_suite() {
	local tag=$1 node=$2 fam=$3 acc=$4 web=$5 av=$6 int=$7 extif=$8 intif=$9
	local corp=${10} resolver=${11} partner=${12} forger=${13} gw=${14} p x="$tag $fam"
	local aaaa=A
	[ "$fam" = v6 ] && aaaa=AAAA

	log "== $x: inbound rows that must connect"
	check "$x in: TCP 443 -> access (ext-access-sip-tls-443-in)" tcp_ok $NS_INET $acc 443
	check "$x in: TCP 5061 -> access (ext-access-sip-mtls-5061-in)" tcp_ok $NS_INET $acc 5061
	check "$x in: TCP 5269 -> access, XMPP (ext-xmpp-5269-in)" tcp_ok $NS_INET $acc 5269
	check "$x in: TCP 443 -> webconf (ext-webconf-psom-443-in)" tcp_ok $NS_INET $web 443
	check "$x in: TCP 443 -> av, STUN/MSTURN (ext-av-stun-tcp-443-in)" tcp_ok $NS_INET $av 443
	check "$x in: UDP 3478 -> av, echo comes back (ext-av-stun-udp-3478-in)" udp_ok $NS_INET $av 3478
	check "$x in: TCP 50000 and 59999 -> av (ext-av-rtp-tcp-in)" \
		eval "tcp_ok $NS_INET $av 50000 && tcp_ok $NS_INET $av 59999"
	check "$x in: UDP 50010 -> av, echo comes back (ext-av-rtp-udp-in)" udp_ok $NS_INET $av 50010
	for p in 5061 5062 8057 4443 23456 443 50001 50002 50003; do
		check "$x in: corporate -> internal TCP $p" tcp_ok $NS_CORP $int $p
	done
	check "$x in: corporate -> internal UDP 3478, echo comes back (int-stun-udp-3478-in)" udp_ok $NS_CORP $int 3478

	log "== $x: real payloads (replies larger than a few headers, full-size segments, fragments)"
	check "$x in: TCP 443 -> access, a 1 KiB message echoed" tcp_ok $NS_INET $acc 443 --bytes 1024
	check "$x in: TCP 443 -> webconf, 256 KiB echoed (full-size segments both ways)" \
		tcp_ok $NS_INET $web 443 --bytes 262144
	check "$x in: corporate -> internal TCP 5061, 64 KiB echoed" tcp_ok $NS_CORP $int 5061 --bytes 65536
	check "$x out: TCP access -> partner 5061, 64 KiB echoed" tcp_ok $NS_NODE $partner 5061 --bind $acc --bytes 65536
	check "$x in: UDP 3478 -> av, a 4000-byte datagram (IP fragments both ways) echoes" \
		udp_ok $NS_INET $av 3478 --size 4000

	log "== $x: inbound that must be dropped and reported"
	check "$x blocked: TCP 5061 -> webconf" blocked_in $tag $node $NS_INET tcp $web 5061 $extif no-rule
	check "$x blocked: TCP 80 -> access" blocked_in $tag $node $NS_INET tcp $acc 80 $extif no-rule
	check "$x blocked: UDP 3478 -> access" blocked_in $tag $node $NS_INET udp $acc 3478 $extif no-rule
	check "$x blocked: TCP 8057 -> access on the external NIC" blocked_in $tag $node $NS_INET tcp $acc 8057 $extif no-rule
	check "$x blocked: TCP 443 -> internal address from the internet" \
		blocked_in $tag $node $NS_INET tcp $int 443 $extif not-a-service-address
	check "$x blocked: TCP 5061 -> access address from the corporate side" \
		blocked_in $tag $node $NS_CORP tcp $acc 5061 $intif not-a-service-address --timeout 1

	log "== $x: outbound"
	check "$x out: DNS over UDP from access to the resolver (ext-access-dns-udp-53-out)" \
		dig_ok $NS_NODE $resolver $acc $aaaa $partner
	check "$x out: DNS over TCP from access to the resolver (ext-access-dns-tcp-53-out)" \
		dig_ok $NS_NODE $resolver $acc $aaaa $partner +tcp
	check "$x out: TCP access -> partner 5061 (ext-access-sip-mtls-5061-out)" tcp_ok $NS_NODE $partner 5061 --bind $acc
	check "$x out: TCP access -> partner 5269 (xmpp-5269-out)" tcp_ok $NS_NODE $partner 5269 --bind $acc
	check "$x out: TCP access -> partner 80, CRL (ext-access-http-80-out)" tcp_ok $NS_NODE $partner 80 --bind $acc
	check "$x out: TCP av -> partner 443 (ext-av-stun-tcp-443-out)" tcp_ok $NS_NODE $partner 443 --bind $av
	check "$x out: TCP av:50123 -> partner 8443 (ext-av-rtp-tcp-out, local ports)" \
		tcp_ok $NS_NODE $partner 8443 --bind $av --sport 50123
	check "$x out: UDP av:50500 -> partner 40000, reply comes back (ext-av-rtp-udp-out)" \
		udp_ok $NS_NODE $partner 40000 --bind $av --sport 50500
	check "$x out: UDP av -> partner 3478, reply comes back (ext-av-stun-udp-3478-out)" \
		udp_ok $NS_NODE $partner 3478 --bind $av
	check "$x out: TCP internal -> corporate 5061 (int-sip-mtls-5061-out)" tcp_ok $NS_NODE $corp 5061 --bind $int
	check "$x out denied: TCP access -> partner 8443 (egress event)" \
		blocked_out $tag $node $NS_NODE tcp $acc $partner 8443 $extif
	check "$x out denied: UDP access -> partner 123 (egress event)" \
		blocked_out $tag $node $NS_NODE udp $acc $partner 123 $extif
	check "$x out denied: TCP webconf -> partner 443 (egress event)" \
		blocked_out $tag $node $NS_NODE tcp $web $partner 443 $extif
	check "$x out denied: TCP internal -> corporate 8443 (egress event)" \
		blocked_out $tag $node $NS_NODE tcp $int $corp 8443 $intif

	log "== $x: forged replies"
	check "$x forged: control: the listener on access:33333 logs a local datagram" \
		listener_works $NS_NODE $acc
	check "$x forged: UDP from source port 53 -> access:33333 never reaches the listener" \
		forged_udp $tag $node $acc $extif $forger $NS_NODE
	check "$x forged: TCP ACK without SYN -> av:50000 dropped (no-flow), no RST back" \
		forged_ack $tag $av $extif $forger

	log "== $x: ICMP errors"
	check "$x icmp: path-MTU signal about a packet sent from access reaches the node" \
		pmtu_passes $NS_NODE $gw $acc $partner
	check "$x icmp: an error about a datagram never sent is dropped (icmp-unrelated)" \
		icmp_unrelated $tag $NS_NODE $gw $acc $partner $extif

	log "== $x: ping"
	check "$x ping: access, webconf, av from the internet" \
		eval "ping_ok $NS_INET $acc && ping_ok $NS_INET $web && ping_ok $NS_INET $av"
	check "$x ping: internal from the corporate side" ping_ok $NS_CORP $int
	check "$x ping: the node pings a partner from its access address" ping_ok $NS_NODE -I $acc $partner
}

listener_works() { # NS ADDR: a local datagram to ADDR:33333 is logged (control)
	nx "$1" "${NT[@]}" udp "$2" 33333 --timeout 1 &&
		grep -qF "udp $2 33333" "$WORK/udp-$1.log"
}

NS_NODE=$NS_E1
node_suite edge1 edge1 v4 $E1_ACC $E1_WEB $E1_AV $E1_INT $E1_EXT $E1_INTIF $CORP_1 $RESOLVER $PARTNER $FORGER $INET_A
node_suite edge1 edge1 v6 $E1_ACC6 $E1_WEB6 $E1_AV6 $E1_INT6 $E1_EXT $E1_INTIF $CORP_16 $RESOLVER6 $PARTNER6 $FORGER6 $INET_A6
NS_NODE=$NS_V2
node_suite edge2 edge2 v4 $E2_ACC $E2_WEB $E2_AV $E2_INT $R2_EXT $R2_INTIF $CORP_2 $RESOLVER $PARTNER $FORGER $INET_B
node_suite edge2 edge2 v6 $E2_ACC6 $E2_WEB6 $E2_AV6 $E2_INT6 $R2_EXT $R2_INTIF $CORP_26 $RESOLVER6 $PARTNER6 $FORGER6 $INET_B6

log "== reload (SIGHUP)"
cp "$WORK/policy.json" "$WORK/policy.good"
check "edge1 reload: an invalid policy is refused, the running one stays in force" reload_invalid_refused
check "edge1 reload: exclude_tags ocs2007 closes TCP 50000 to av, reloading back reopens it" \
	reload_excludes_ocs2007

log "== events"
check "edge1: every drop event was provoked by the suite" no_unexpected_drops edge1
check "edge2: every drop event was provoked by the suite" no_unexpected_drops edge2
check "edge1: agent still running" kill -0 "${AGENT[edge1]}"
check "edge2: agent still running" kill -0 "${AGENT[edge2]}"

log "== SIGTERM detaches"
check "edge1: SIGTERM stops the agent, exit status 0" stop_agent edge1
check "edge1: no XDP program or egress filter left on its NICs" detached $NS_E1 $E1_EXT $E1_INTIF
check "edge2: SIGTERM stops the agent, exit status 0" stop_agent edge2
check "edge2: no XDP program or egress filter left on router2's NICs" detached $NS_R2 $R2_EXT $R2_INTIF

log "== controls: without edgefw the blocked traffic gets through (so edgefw blocked it)"
for n in 1 2; do
	if [ $n = 1 ]; then
		ns=$NS_E1 acc=$E1_ACC web=$E1_WEB av=$E1_AV int=$E1_INT
	else
		ns=$NS_V2 acc=$E2_ACC web=$E2_WEB av=$E2_AV int=$E2_INT
	fi
	check "edge$n control: TCP 80 -> access connects" tcp_ok $NS_INET $acc 80
	check "edge$n control: TCP 5061 -> webconf connects" tcp_ok $NS_INET $web 5061
	check "edge$n control: UDP 3478 -> access echoes" udp_ok $NS_INET $acc 3478
	check "edge$n control: TCP 443 -> internal address from the internet connects" tcp_ok $NS_INET $int 443
	check "edge$n control: TCP access -> partner 8443 connects" tcp_ok $ns $PARTNER 8443 --bind $acc
	check "edge$n control: corporate -> access TCP 5061 connects" tcp_ok $NS_CORP $acc 5061
	check "edge$n control: forged UDP from port 53 reaches the listener" \
		eval "nx $NS_INET ${NT[*]} udp $acc 33333 --bind $FORGER --sport 53 --timeout 1 --tries 2 && grep -F 'udp $acc 33333 $FORGER 53' $WORK/udp-$ns.log"
	check "edge$n control: the forged ACK to av:50000 is answered (RST)" \
		nx $NS_INET "${NT[@]}" rawtcp --src $FORGER --dst $av --sport 40405 --dport 50000 --flags A --wait 1.5
done

log "== monitor mode"
check "edge1 run --monitor: TCP 80 in and 8443 out pass, reported as would-drop; SIGTERM detaches" monitor_mode

END=$(date +%s)
log ""
log "== summary ($((END - START)) s)"
for f in "${FAILED[@]}"; do log "  failed: $f"; done
log "$PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
