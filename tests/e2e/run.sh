#!/bin/bash
# edgefw end-to-end tests: real traffic through edgefw on two Lync Edge nodes
# built from network namespaces (see tests/e2e/README.md for the topology).
#
# Debian packages needed (CI apt-gets them; scripts/install-deps.sh has them):
#   iproute2 python3 python3-prometheus-client dnsmasq-base bind9-dnsutils
#   iputils-ping procps coreutils
#
# Usage (as root):  make e2e-test          or   tests/e2e/run.sh
#   EDGEFW=path/to/edgefw   the binary (default: $BUILD/edgefw, BUILD=build)
#   E2E_VERBOSE=1           print the output of passing checks too
#   E2E_KEEP=1              keep the work dir (policies, events, logs)
#   E2E_EXPLAIN=short       a few explain probes per node instead of every row
#                           (each explain costs seconds of CPU: see README.md)
#
# Everything lives in network namespaces named efe-*; only 203.0.113.0/24,
# 198.51.100.0/24, 198.18.0.0/15 and 2001:db8::/32 are used; nothing leaves
# the namespaces.  Exit status: 0 when every check passed.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
SUITE=e2e NS_PREFIX=efe- AGENT_WAIT=100 TCP_TIMEOUT=3 UDP_TIMEOUT=1.5
built EDGEFW edgefw
EVQ=("$PY" "$HERE/events.py")
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

declare -A AGENT=() # by TAG

on_failure() { # the agents' stderr
	local tag
	for tag in "${!AGENT[@]}"; do
		log "---- agent $tag stderr (last 20 lines)"
		tail -n 20 "$WORK/$tag.log" 2>/dev/null
	done
}

# on_node NS CMD...: CMD (lib.sh's attachment helpers) about the node in NS
on_node() {
	local NS_NODE=$1
	shift
	"$@"
}

# ---- checks -----------------------------------------------------------------

nlines() { wc -l <"$WORK/$1.events" | tr -d ' '; }

# event TAG SINCE FIELD=VALUE...: an event of agent TAG after line SINCE
event() {
	local tag=$1 since=$2
	shift 2
	"${EVQ[@]}" "$WORK/$tag.events" --since "$since" --timeout 3 "$@"
}

# ---- provoked drops
#
# Every drop the suite provokes is recorded in $WORK/expected-drops as the
# flows the traffic tool says it sent (nettool --sent: PROTO SRC SPORT DST
# DPORT FLAGS COUNT), with the agent, direction, interface and reason it must
# be reported with.  At the end (drops_provoked) every drop event must match
# one of them on all of these, and every packet sent must have given its
# event or be counted by the data path as not delivered.  The source ports
# the suite chooses (SPORT) lie below the kernel's ephemeral range
# (32768-60999), so no connection the kernel numbers shares a 5-tuple with
# a provoked drop.
SENT= # $WORK/sent: what the last nettool call sent
SPORT=30000

expect_sent() { # TAG DIR IFACE REASON: the flows in $SENT are drops to expect
	local rc=0
	[ -s "$SENT" ] || { echo "the traffic tool recorded nothing it sent"; rc=1; }
	[ -e "$SENT" ] && sed "s|^|$1 $2 $3 $4 |" "$SENT" >>"$WORK/expected-drops"
	mv -f "$SENT" "$SENT.last" 2>/dev/null
	return $rc
}

# provoke TAG DIR IFACE REASON RCS NS nettool-args...: nettool, in NS, sends
# packets that agent TAG must drop and report (DIR, IFACE, REASON), one event
# per packet; its exit status must be one of RCS ("|"-separated)
provoke() {
	local tag=$1 dir=$2 ifn=$3 reason=$4 rcs=$5 ns=$6 rc=0
	shift 6
	rm -f "$SENT"
	nx "$ns" "${NT[@]}" "$@" --sent "$SENT" || rc=$?
	expect_sent "$tag" "$dir" "$ifn" "$reason" || return 1
	case "|$rcs|" in *"|$rc|"*) return 0 ;; esac
	echo "exit status $rc, expected $rcs"
	return 1
}

# ---- traffic primitives -------------------------------------------------------

# blocked_in TAG NODE CLIENT_NS PROTO DST PORT IFNAME REASON [client args]
# The connection must fail (timeout: nothing came back, not even a RST or an
# ICMP unreachable) and the agent must report the drop with the right fields.
# A fixed source port; 0.8 s is less than the first SYN retransmission (1 s).
blocked_in() {
	local tag=$1 node=$2 ns=$3 proto=$4 dst=$5 port=$6 ifn=$7 reason=$8 since
	shift 8
	since=$(nlines "$tag")
	SPORT=$((SPORT + 1))
	provoke "$tag" ingress "$ifn" "$reason" 2 "$ns" "$proto" "$dst" "$port" --sport $SPORT \
		--timeout 0.8 "$@" || return 1
	event "$tag" "$since" event.action=drop event.type=connection,denied \
		event.reason="$reason" network.direction=ingress network.transport="$proto" \
		source.port=$SPORT destination.ip="$dst" destination.port="$port" \
		observer.ingress.interface.name="$ifn" observer.name="$node" \
		observer.hostname="$HOST" rule.name=!
}

# blocked_out TAG NODE NODE_NS PROTO SRC DST PORT IFNAME: the node opens a
# flow no out rule allows: it must fail and show up as an egress drop.
blocked_out() {
	local tag=$1 node=$2 ns=$3 proto=$4 src=$5 dst=$6 port=$7 ifn=$8 since
	since=$(nlines "$tag")
	SPORT=$((SPORT + 1))
	# a local TC drop may surface as an error of the send (1), a remote one
	# as a timeout (2); a RST or an ICMP unreachable (3) means it got out
	provoke "$tag" egress "$ifn" no-rule '1|2' "$ns" "$proto" "$dst" "$port" --timeout 0.8 \
		--bind "$src" --sport $SPORT || return 1
	event "$tag" "$since" event.action=drop event.type=connection,denied \
		event.reason=no-rule network.direction=egress network.transport="$proto" \
		source.ip="$src" source.port=$SPORT destination.ip="$dst" destination.port="$port" \
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
FORGED_UDP_REASON=no-rule
forged_udp() {
	local tag=$1 node=$2 dst=$3 ifn=$4 forger=$5 ns=$6 since port=33333
	since=$(nlines "$tag")
	provoke "$tag" ingress "$ifn" "$FORGED_UDP_REASON" 2 "$NS_INET" udp "$dst" $port --bind "$forger" \
		--sport 53 --timeout 1 || return 1
	sleep 0.3
	if grep -xF "udp $dst $port $forger 53" "$WORK/udp-$ns.log"; then
		echo "the listener on $dst:$port received the forged datagram"
		return 1
	fi
	echo "listener on $dst:$port received nothing from $forger:53"
	event "$tag" "$since" event.action=drop event.reason="$FORGED_UDP_REASON" \
		network.direction=ingress network.transport=udp source.ip="$forger" source.port=53 \
		destination.ip="$dst" destination.port=$port observer.ingress.interface.name="$ifn"
}

# forged_ack TAG DST IFNAME SRC: a TCP ACK that belongs to no connection, to
# the A/V address port 50000 (an allowed inbound port with a listener)
forged_ack() {
	local tag=$1 dst=$2 ifn=$3 src=$4 since
	since=$(nlines "$tag")
	provoke "$tag" ingress "$ifn" no-flow 2 "$NS_INET" rawtcp --src "$src" --dst "$dst" --sport 40404 \
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
	local tag=$1 ns=$2 from=$3 acc=$4 partner=$5 ifn=$6 since tr=icmp rc=0
	since=$(nlines "$tag")
	case $acc in *:*) tr=ipv6-icmp ;; esac
	rm -f "$SENT"
	if [ $tr = icmp ]; then
		expect_rc 2 icmp_arrives "$ns" "$from" "$acc" 3 3 --qproto udp --qsrc "$acc" --qdst "$partner" \
			--qsport 41001 --qdport 5555 --sent "$SENT" || rc=1
	else
		expect_rc 2 icmp_arrives "$ns" "$from" "$acc" 1 4 --qproto udp --qsrc "$acc" --qdst "$partner" \
			--qsport 41001 --qdport 5555 --sent "$SENT" || rc=1
	fi
	expect_sent "$tag" ingress "$ifn" icmp-unrelated && [ $rc = 0 ] || return 1
	event "$tag" "$since" event.action=drop event.reason=icmp-unrelated network.direction=ingress \
		network.transport=$tr source.ip="$from" destination.ip="$acc" observer.ingress.interface.name="$ifn"
}

# ---- topology -----------------------------------------------------------------

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

# node_udp ACC WEB AV INT ACC6 WEB6 AV6 INT6: the UDP echo ports of a node's
# service addresses (3478 on each, A/V's media ports, the forged replies' 33333)
node_udp() {
	local a u=
	for a in "$1" "$2" "$3" "$4" "[$5]" "[$6]" "[$7]" "[$8]"; do u+="$a:3478,"; done
	for a in "$3" "[$7]"; do u+="$a:49999,$a:50000,$a:59999,$a:60000,"; done
	echo "$u$3:50010,[$7]:50010,$1:33333,[$5]:33333"
}

start_services() {
	local tcp_node=80,443,3478,4443,5061,5062,5269,8057,8443,23456,49999,50000,50001,50002,50003,59999,60000
	local u a
	# an edge node: TCP echo on every port of interest (wildcard: a blocked
	# port is blocked by edgefw, not by a missing listener), UDP echo on each
	# service address
	start_server "$NS_E1" edge1 --lifetime 900 --tcp $tcp_node --log "$WORK/udp-$NS_E1.log" \
		--udp "$(node_udp $E1_ACC $E1_WEB $E1_AV $E1_INT $E1_ACC6 $E1_WEB6 $E1_AV6 $E1_INT6)"
	start_server "$NS_V2" edge2vm --lifetime 900 --tcp $tcp_node --log "$WORK/udp-$NS_V2.log" \
		--udp "$(node_udp $E2_ACC $E2_WEB $E2_AV $E2_INT $E2_ACC6 $E2_WEB6 $E2_AV6 $E2_INT6)"
	# partners on the internet, Front End / Director on the corporate side
	u=
	for a in $PARTNER "[$PARTNER6]"; do u+="$a:40000,$a:3478,$a:123,"; done
	start_server "$NS_INET" partner --lifetime 900 --tcp 80,443,5061,5269,8443 --udp "${u%,}" \
		--log "$WORK/udp-$NS_INET.log"
	start_server "$NS_CORP" corp --lifetime 900 --tcp 443,5061,8443
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
	on_node "$ns" detached "" "$@"
}

# ---- agents -------------------------------------------------------------------

# Each agent has its own pin directory, run and state directories (lib.sh's
# TAGs), and runs $WORK/policy.json

in_node() { # TAG NS CMD...: run an edgefw command as that agent's neighbour
	local tag=$1 ns=$2
	shift 2
	env $(agent_env "$tag") nsenter --net=/run/netns/"$ns" "$@"
}

start_agent() { # TAG NS NODE [run options]
	local NS_NODE=$2 rc=0
	: >"$WORK/$1.log"
	launch_agent "$1" "$WORK/$1.events" "$WORK/$1.log" --policy "$WORK/policy.json" --node "$3" "${@:4}" || rc=1
	cat "$WORK/$1.log"
	return $rc
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
	stop_agent edge1-monitor && on_node $NS_E1 detached "" $E1_EXT $E1_INTIF
}

# ---- observability: explain, events, stats, metrics, status ----------------------

OBS=("$PY" "$HERE/obs.py")
# the explain probes' source ports come from SPORT too: each probe its own flow
EXPLAIN_OFFLINE=1

ep() { # ADDR PORT: an explain endpoint
	case $1 in *:*) echo "[$1]:$2" ;; *) echo "$1:$2" ;; esac
}

# explain_probe TAG EXPLAIN_NS NODE DIR NIC ROLE PROTO SRC DST DPORT CLIENT_NS WANT
# `edgefw explain --json` (live, in EXPLAIN_NS with the agent's pins) says
# WANT (pass|drop) for the packet SRC:<fresh port> -> DST:DPORT, with exit
# status 0/1 to match; with EXPLAIN_OFFLINE=1, `explain --policy --node
# --iface ROLE` (offline, no agent) says the same verdict, reason and rule, with
# the same exit status.  Then the real packet is sent from CLIENT_NS, bound to
# the same address and port: anything coming back (echo, RST, ICMP unreachable)
# means it passed; nothing back plus a drop event with explain's reason (and
# no rule) means it was dropped.  A pass must name the rule that allows it.
explain_probe() {
	local tag=$1 ens=$2 node=$3 dir=$4 ifn=$5 role=$6 proto=$7 src=$8 dst=$9 dport=${10}
	local cns=${11} want=${12} sport s d rc=0 orc=0 opid='' live off real rrc=0 since edir=ingress
	local -a a=() b=()
	SPORT=$((SPORT + 1))
	sport=$SPORT
	s=$(ep "$src" $sport) d=$(ep "$dst" $dport)
	[ "$dir" = out ] && edir=egress
	# each explain loads both programs, which the kernel verifies: 0.5 to 3 s
	# of CPU, as the data path grows.  The offline one runs meanwhile.
	if [ "$EXPLAIN_OFFLINE" = 1 ]; then
		timeout 20 "$EDGEFW" explain --policy "$WORK/policy.json" --node "$node" --iface "$role" \
			--dir "$dir" --proto "$proto" --src "$s" --dst "$d" --json >"$WORK/explain-off.json" &
		opid=$!
	fi
	in_node "$tag" "$ens" timeout 20 "$EDGEFW" explain --iface "$ifn" --dir "$dir" --proto "$proto" \
		--src "$s" --dst "$d" --json >"$WORK/explain.json" || rc=$?
	mapfile -t a < <("${OBS[@]}" get "$WORK/explain.json" verdict reason rule)
	live="${a[*]}"
	echo "explain $dir $ifn $proto $s -> $d: exit $rc, $live"
	[ ${#a[@]} = 3 ] || { cat "$WORK/explain.json"; return 1; }
	case "$rc:${a[0]}" in 0:pass | 1:drop) ;; *)
		echo "exit status $rc does not match the verdict ${a[0]}"
		return 1
		;;
	esac
	if [ -n "$opid" ]; then
		wait $opid || orc=$?
		mapfile -t b < <("${OBS[@]}" get "$WORK/explain-off.json" verdict reason rule)
		off="${b[*]}"
		echo "offline (--policy --node $node --iface $role): exit $orc, $off"
		[ "$live" = "$off" ] && [ "$rc" = "$orc" ] || { echo "offline explain disagrees with the live one"; return 1; }
	fi
	[ "${a[0]}" = "$want" ] || { echo "explain says ${a[0]}, the policy's row says $want"; return 1; }
	if [ "$want" = pass ]; then
		[ "${a[1]}" = rule ] && [ "${a[2]}" != null ] || { echo "a pass without a rule"; return 1; }
	else
		[ "${a[2]}" = null ] || { echo "a drop credited to rule ${a[2]}"; return 1; }
	fi
	since=$(nlines "$tag")
	if [ "$dir" = out ] && [ "$proto" = udp ] && [ "$dport" = 53 ]; then
		# DNS: a real query (the resolver ignores anything else)
		nx "$cns" dig @"$dst" -b "$src#$sport" +time=1 +tries=1 +short "$DNS_NAME" A || rrc=2
		[ $rrc = 0 ] && real=pass || real=nothing-back
	else
		rm -f "$SENT"
		nx "$cns" "${NT[@]}" "$proto" "$dst" "$dport" --bind "$src" --sport $sport --timeout 0.4 \
			--sent "$SENT" || rrc=$?
		# a drop: one event per packet sent (0.4 s: a single SYN), with explain's reason
		if [ "$want" = drop ]; then
			expect_sent "$tag" $edir "$ifn" "${a[1]}" || return 1
		fi
		case $rrc in
		0 | 3) real=pass ;;
		2) real=nothing-back ;;
		1) [ "$dir" = out ] && real=nothing-back || real=error ;; # a local TC drop: EPERM
		*) real=error ;;
		esac
	fi
	if [ "$real" = nothing-back ]; then
		if event "$tag" "$since" event.action=drop event.reason="${a[1]}" network.direction=$edir \
			network.transport="$proto" source.ip="$src" source.port=$sport destination.ip="$dst" \
			destination.port="$dport" rule.name=!; then
			real=drop
		else
			echo "nothing came back, and no drop event with reason ${a[1]}"
			return 1
		fi
	fi
	echo "real traffic: $real"
	[ "$real" = "${a[0]}" ]
}

# explain_suite TAG NODE EXPLAIN_NS NODE_NS FAM ACC WEB AV INT EXTIF INTIF CLIENT CORP RESOLVER
#               PARTNER full|short OFFLINE(0|1)
# full: every inbound row (each service address and port, both NICs), near
# misses of each kind and outbound probes; short: a few; OFFLINE=1: each
# probe also explained offline (--policy, no agent)
explain_suite() {
	local tag=$1 node=$2 ens=$3 nns=$4 fam=$5 acc=$6 web=$7 av=$8 int=$9 extif=${10} intif=${11}
	local cl=${12} corp=${13} resolver=${14} partner=${15} full=${16} p x="$2 $5 explain = traffic:"
	EXPLAIN_OFFLINE=${17}
	pe() { # PROTO DST PORT WANT WHAT: from the internet, in on the external NIC
		check "$x in $1 $2:$3 on $extif ($4: $5)" \
			explain_probe $tag $ens $node in $extif external $1 $cl $2 $3 $NS_INET $4
	}
	pi() { # PROTO DST PORT WANT WHAT: from the corporate side, in on the internal NIC
		check "$x in $1 $2:$3 on $intif ($4: $5)" \
			explain_probe $tag $ens $node in $intif internal $1 $corp $2 $3 $NS_CORP $4
	}
	po() { # NIC ROLE PROTO SRC DST PORT WANT WHAT: the node opens a flow
		check "$x out $3 $4 -> $5:$6 on $1 ($7: $8)" \
			explain_probe $tag $ens $node out $1 $2 $3 $4 $5 $6 $nns $7
	}
	[ "${E2E_EXPLAIN:-full}" = short ] && full=short
	log "== $node $fam: explain (live$([ ${17} = 1 ] && echo ' and offline')) agrees with real traffic ($full)"
	if [ $full = short ]; then
		pe tcp $acc 443 pass "SIP/TLS"
		pe udp $acc 3478 drop "STUN on access: wrong service address"
		pi tcp $acc 5061 drop "access address from the corporate side: wrong NIC"
		po $extif external udp $acc $resolver 53 pass "DNS"
		return 0
	fi
	pe tcp $acc 443 pass "SIP/TLS"
	pe tcp $acc 5061 pass "SIP/MTLS"
	pe tcp $acc 5269 pass "XMPP"
	pe tcp $web 443 pass "PSOM"
	pe tcp $av 443 pass "STUN/MSTURN"
	pe tcp $av 50000 pass "RTP, low end"
	pe tcp $av 59999 pass "RTP, high end"
	pe udp $av 3478 pass "STUN"
	pe udp $av 50000 pass "RTP, low end"
	pe udp $av 59999 pass "RTP, high end"
	for p in 5061 5062 8057 4443 23456 443 50001 50002 50003; do
		pi tcp $int $p pass "internal row"
	done
	pi udp $int 3478 pass "internal STUN"
	# wrong service address
	pe tcp $web 5061 drop "SIP on webconf"
	pe udp $acc 3478 drop "STUN on access"
	# wrong port
	pe tcp $acc 80 drop "no row"
	pi tcp $int 5060 drop "no row"
	# just outside 50000-59999
	pe tcp $av 49999 drop "just below the range"
	pe tcp $av 60000 drop "just above the range"
	pe udp $av 49999 drop "just below the range"
	pe udp $av 60000 drop "just above the range"
	# wrong interface
	pe tcp $int 5061 drop "the internal address from the internet"
	pi tcp $acc 5061 drop "the access address from the corporate side"
	# UDP vs TCP
	pe udp $acc 443 drop "443 is TCP"
	pe tcp $av 3478 drop "3478 is UDP"
	pi udp $int 5061 drop "5061 is TCP"
	# outbound
	po $extif external udp $acc $resolver 53 pass "DNS"
	po $extif external tcp $acc $partner 8443 drop "no row"
	po $intif internal tcp $int $corp 8443 drop "no row"
}

ef_in() { # TAG NS edgefw-args...: an edgefw command as that agent's neighbour, bounded
	local tag=$1 ns=$2
	shift 2
	in_node "$tag" "$ns" timeout 20 "$EDGEFW" "$@"
}

stats_to() { # TAG NS FILE: `edgefw stats --json` of agent TAG into FILE
	ef_in "$1" "$2" stats --json >"$3"
}

# counters_exact TAG NS CLIENT AV ACC EXTIF N M: N UDP datagrams to av:3478,
# each answered, then M datagrams to access:3478 (no row): exact counter growth.
counters_exact() {
	local tag=$1 ns=$2 cl=$3 av=$4 acc=$5 extif=$6 n=$7 m=$8 hdr=42 size=100
	case $av in *:*) hdr=62 ;; esac
	stats_to $tag $ns "$WORK/st-$tag-0.json" || return 1
	nx $NS_INET "${NT[@]}" udpn $av 3478 --count $n --size $size --bind $cl --timeout 2 || return 1
	SPORT=$((SPORT + 1))
	provoke "$tag" ingress "$extif" no-rule 2 $NS_INET udpn $acc 3478 --count $m --size $size --bind $cl \
		--sport $SPORT --blast --timeout 0.5 || return 1
	stats_to $tag $ns "$WORK/st-$tag-1.json" || return 1
	# every packet of the flow is credited to the rule that opened it: the
	# first datagram by the rule, the other N-1 and all N replies (egress)
	# through the flow; a packet's bytes are its frame (Ethernet header on)
	"${OBS[@]}" stats-delta "$WORK/st-$tag-0.json" "$WORK/st-$tag-1.json" \
		--rule ext-av-stun-udp-3478-in=$((2 * n)) \
		--rule-bytes ext-av-stun-udp-3478-in=$((2 * n * (hdr + size))) \
		--count ingress/pass/rule=1 --count ingress/pass/flow=$((n - 1)) \
		--count egress/pass/flow=$n --count ingress/drop/no-rule=$m \
		--same-rule ext-av-stun-udp-3478-out --same-rule int-stun-udp-3478-in
}

# ---- event subscribers

wait_lines() { # FILE N [seconds]: until FILE has at least N lines
	local n=$((${3:-10} * 10))
	while [ $n -gt 0 ]; do
		[ -e "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	echo "$1: $(wc -l <"$1" 2>/dev/null) lines, waited for $2"
	return 1
}

wait_quiet() { # FILE [seconds]: until FILE stops growing for 1 s
	local last=-1 cur n=$((${2:-10} * 4))
	while [ $n -gt 0 ]; do
		cur=$(wc -c <"$1" 2>/dev/null || echo 0)
		[ "$cur" = "$last" ] && return 0
		last=$cur
		sleep 1
		n=$((n - 4))
	done
	return 1
}

events_since() { # TAG N: event lines (not notices) the agent wrote after line N
	tail -n +$(($2 + 1)) "$WORK/$1.events" | grep -c '"kind":"event"' || true
}

# subscribers_setup: a stalled subscriber (connects, never reads), then two
# `edgefw events --follow --json` readers; a first event proves they are on.
SUB_SINCE=0
subscribers_setup() {
	local n=50 s
	"${OBS[@]}" stalled "$WORK/run-edge1/events.sock" --ready "$WORK/stalled.ready" --go "$WORK/stalled.go" \
		--stop "$WORK/stalled.stop" --out "$WORK/stalled.out" --lifetime 150 >"$WORK/stalled.log" 2>&1 &
	PIDS+=($!)
	while [ ! -e "$WORK/stalled.ready" ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	[ -e "$WORK/stalled.ready" ] || { cat "$WORK/stalled.log"; return 1; }
	sleep 0.2
	for s in a b; do
		timeout 150 env $(agent_env edge1) "$EDGEFW" events --follow --json \
			>"$WORK/reader-$s.out" 2>"$WORK/reader-$s.out.err" &
		PIDS+=($!)
	done
	sleep 0.5
	SUB_SINCE=$(nlines edge1)
	SPORT=$((SPORT + 1))
	provoke edge1 ingress $E1_EXT no-rule 2 $NS_INET udp $E1_ACC 3478 --bind $INET_A --sport $SPORT \
		--timeout 0.3 || return 1
	wait_lines "$WORK/reader-a.out" 1 5 && wait_lines "$WORK/reader-b.out" 1 5 || return 1
	echo "stalled subscriber and two readers connected; the first event reached both readers"
}

# 20 blocked connections from distinct source ports: the same drop events in
# both readers and in the agent's own output
subscribers_burst() {
	local since ports="$((SPORT + 1))-$((SPORT + 20))"
	since=$(nlines edge1)
	SPORT=$((SPORT + 20))
	provoke edge1 ingress $E1_EXT no-rule 2 $NS_INET tcpmany $E1_ACC 80 --sports $ports --bind $INET_A \
		--timeout 0.5 || return 1
	sleep 0.3
	wait_lines "$WORK/reader-a.out" "$(events_since edge1 "$SUB_SINCE")" 5
	wait_lines "$WORK/reader-b.out" "$(events_since edge1 "$SUB_SINCE")" 5
	"${OBS[@]}" burst "$WORK/edge1.events" "$since" $E1_ACC 80 $ports "$WORK/reader-a.out" "$WORK/reader-b.out"
}

# flood K PPS: spoofed UDP datagrams to access:3478 (no row), K from each of
# 120 source addresses (source ports 20000 to 20000+K-1): 120*K drop events
# of ~620 bytes.  PPS 0: as fast as python sends (~20 ms for 3000).  Keeps
# what was sent ($WORK/flood-sent), the agent's line count before
# (FLOOD_SINCE) and `stats --json` before and after (st-flood0/1.json).
FLOOD_SINCE=0
flood() {
	stats_to edge1 $NS_E1 "$WORK/st-flood0.json" || return 1
	FLOOD_SINCE=$(nlines edge1)
	provoke edge1 ingress $E1_EXT no-rule 0 $NS_INET spoof --dst $E1_ACC --dport 3478 \
		--sources "${3:-198.51.100.100-198.51.100.219}" --count "$1" --pps "$2" || return 1
	cp "$SENT.last" "$WORK/flood-sent"
	wait_quiet "$WORK/edge1.events" 10
	stats_to edge1 $NS_E1 "$WORK/st-flood1.json"
}

# flood_published [--no-suppression]: the agent published exactly one drop
# event per datagram the last flood sent, minus the events the data path
# counted as suppressed meanwhile; its ring buffer lost none
flood_published() {
	"${OBS[@]}" sent-events "$WORK/edge1.events" "$FLOOD_SINCE" "$WORK/flood-sent" --dir ingress \
		--iface $E1_EXT --reason no-rule --before "$WORK/st-flood0.json" --after "$WORK/st-flood1.json" "$@"
}

sync_event() { # one more drop event (a datagram from the client), seen by the readers
	local want
	SPORT=$((SPORT + 1))
	provoke edge1 ingress $E1_EXT no-rule 2 $NS_INET udp $E1_ACC 3478 --bind $INET_A --sport $SPORT \
		--timeout 0.3 || return 1
	sleep 0.3
	want=$(events_since edge1 "$SUB_SINCE")
	wait_lines "$WORK/reader-a.out" "$want" 3
	wait_lines "$WORK/reader-b.out" "$want" 3
	return 0
}

# a paced flood (16 050 events at 1900/s, ~9 MB): more than the stalled
# subscriber's 4 MiB buffer and its 1 MiB socket (2 MiB as the kernel
# counts it) hold; the readers keep up. 150 sources x 107 stays under the
# per-source limit (burst 50 + 10/s over 8.4 s) and 1900/s under the
# per-CPU budget (2000/s): none suppressed
subscribers_flood() {
	local want
	flood 107 1900 198.51.100.100-198.51.100.249 || return 1
	want=$(events_since edge1 "$SUB_SINCE")
	wait_lines "$WORK/reader-a.out" "$want" 10
	wait_lines "$WORK/reader-b.out" "$want" 10
	kill -0 "${AGENT[edge1]}" || { echo "the agent died"; return 1; }
	echo "agent still running"
	"${OBS[@]}" readers "$WORK/edge1.events" "$SUB_SINCE" "$WORK/reader-a.out" "$WORK/reader-b.out" --stderr
}

# the stalled subscriber reads at last: it must be told what it lost
stalled_reads() {
	touch "$WORK/stalled.go"
	sleep 0.5
	wait_quiet "$WORK/stalled.out" 10
	echo "$(wc -l <"$WORK/stalled.out") lines read, no new event meanwhile; notices:"
	grep -F subscriber_lost_events "$WORK/stalled.out"
}

# after one more event: what it read plus what it was told it lost is
# everything the agent published since it connected
stalled_account() {
	sync_event || return 1
	wait_quiet "$WORK/stalled.out" 5
	touch "$WORK/stalled.stop"
	"${OBS[@]}" account "$WORK/edge1.events" "$SUB_SINCE" "$WORK/stalled.out" --lost
}

# an unpaced burst (3000 events within ~20 ms, less than the 4 MiB ring
# buffer holds): readers that keep up must still get every event
subscribers_burst_unpaced() {
	local rc=0
	flood 25 0 || return 1
	sync_event # delivers the notices of any loss
	kill -0 "${AGENT[edge1]}" || { echo "the agent died"; rc=1; }
	"${OBS[@]}" readers "$WORK/edge1.events" "$SUB_SINCE" "$WORK/reader-a.out" "$WORK/reader-b.out" \
		--stderr || rc=1
	return $rc
}

# each reader: lines received + losses announced = lines published
subscribers_accounting() {
	local rc=0 s
	for s in a b; do
		"${OBS[@]}" account "$WORK/edge1.events" "$SUB_SINCE" "$WORK/reader-$s.out" \
			--stderr "$WORK/reader-$s.out.err" || rc=1
	done
	return $rc
}

# events --backlog N (no --follow): the last N events, then exit
events_backlog() {
	local out rc=0
	out=$(ef_in edge1 $NS_E1 events --backlog 5 2>"$WORK/backlog.err") || rc=$?
	echo "exit $rc; $(printf '%s\n' "$out" | grep -c .) lines"
	[ $rc = 0 ] || return 1
	diff <(printf '%s\n' "$out") <(tail -n 5 "$WORK/edge1.events" | grep '"kind":"event"') &&
		echo "the last 5 lines the agent wrote"
}

events_text() { # the last event (a UDP datagram to access:3478) as a readable line
	local out n
	out=$(ef_in edge1 $NS_E1 events --backlog 5 --text) || return 1
	printf '%s\n' "$out"
	n=$(printf '%s\n' "$out" | grep -c .)
	[ "$n" = 5 ] || { echo "expected 5 lines"; return 1; }
	printf '%s\n' "$out" | tail -n 1 |
		grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z drop +ingress $E1_EXT udp +$INET_A:$SPORT -> $E1_ACC:3478 no-rule\$"
}

events_filter() { # --action denied keeps drops, allowed keeps none
	local den all alw
	all=$(ef_in edge1 $NS_E1 events --backlog 40 | grep -c '"action":"drop"') || true
	den=$(ef_in edge1 $NS_E1 events --backlog 40 --action denied | grep -c .) || true
	alw=$(ef_in edge1 $NS_E1 events --backlog 40 --action allowed | grep -c .) || true
	echo "last 40: $all drop events; --action denied prints $den lines, --action allowed $alw"
	[ "$all" -gt 0 ] && [ "$den" = "$all" ] && [ "$alw" = 0 ]
}

# ---- metrics

# wait_replaced FILE K: until FILE was replaced (a new inode) K times
wait_replaced() {
	local f=$1 k=$2 last cur n=80
	last=$(stat -c %i "$f" 2>/dev/null || echo 0)
	while [ $k -gt 0 ] && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
		cur=$(stat -c %i "$f" 2>/dev/null || echo 0)
		[ "$cur" != "$last" ] && { k=$((k - 1)); last=$cur; }
	done
	[ $k = 0 ] || { echo "$f was not rewritten within 8 s"; return 1; }
}

# metrics_match: the metrics file, parsed by prometheus_client, says what
# `edgefw stats --json` says, read before and after a fresh write (counters
# only grow; background packets such as neighbour discovery may move some)
metrics_match() {
	local lost
	lost=$(cat "$WORK/stalled.out" "$WORK"/reader-?.out.err | grep -o '"subscriber_lost_events":[0-9]*' |
		awk -F: '{ n += $2 } END { print n + 0 }')
	echo "the subscribers were told they lost $lost events in all"
	stats_to edge1 $NS_E1 "$WORK/st-m0.json" || return 1
	wait_replaced "$WORK/m.prom" 2 || return 1
	cp "$WORK/m.prom" "$WORK/m.copy"
	stats_to edge1 $NS_E1 "$WORK/st-m1.json" || return 1
	"${OBS[@]}" prom "$WORK/m.copy" --before "$WORK/st-m0.json" --stats "$WORK/st-m1.json" \
		--rule ext-av-stun-udp-3478-in \
		--value edgefw_subscriber_events_dropped_total "$lost" \
		--value edgefw_events_lost_total "$("${OBS[@]}" get "$WORK/st-m1.json" counters.events_lost)"
}

# the file is replaced, never rewritten in place: read it in a loop over a few
# intervals (with traffic, so that it changes) and never see it half-written
metrics_atomic() {
	local pid rc=0
	nx $NS_INET ping -q -i 0.2 -c 20 $E1_ACC >/dev/null &
	pid=$!
	"${OBS[@]}" promwatch "$WORK/m.prom" --seconds 3.5 || rc=1
	wait $pid || true
	return $rc
}

# ---- status and reload

# status_ok TAG NS NODE EXTIF INTIF: status --json and the table say both
# NICs carry XDP (native) and the egress filter, name the policy, node and
# generation, and exit 0
status_ok() {
	local tag=$1 ns=$2 node=$3 ext=$4 int=$5 rc=0 out
	ef_in "$tag" "$ns" status --json >"$WORK/status.json" || { echo "status --json exited $?"; rc=1; }
	"$PY" - "$WORK/status.json" "$node" "$ext" "$int" <<-'PYEOF' || rc=1
	import json, sys
	s = json.load(open(sys.argv[1]))
	node, ext, intf = sys.argv[2:5]
	bad = []
	want = {ext: "external", intf: "internal"}
	att = {a["name"]: a for a in s.get("attached", [])}
	for ifn in want:
	    a = att.get(ifn)
	    if not a or not a.get("xdp_attached") or a.get("xdp_mode") != "native" or not a.get("tc_egress_attached"):
	        bad.append("%s: %s" % (ifn, a))
	ifs = {i["name"]: i for i in s.get("interfaces", [])}
	for ifn, role in want.items():
	    if ifs.get(ifn, {}).get("role") != role:
	        bad.append("interfaces[%s].role: %s" % (ifn, ifs.get(ifn)))
	if s.get("node") != node:
	    bad.append("node %s" % s.get("node"))
	p = s.get("policy", {})
	if p.get("name") != "lync2013-scaled-edge-dnslb-public":
	    bad.append("policy.name %s" % p.get("name"))
	if not isinstance(p.get("generation"), int) or p["generation"] < 1:
	    bad.append("policy.generation %s" % p.get("generation"))
	if s.get("agent_running") is not True or s.get("drift") is not False:
	    bad.append("agent_running %s, drift %s" % (s.get("agent_running"), s.get("drift")))
	print("status --json: node %s, policy %s generation %s mode %s; %s" % (s.get("node"), p.get("name"),
	      p.get("generation"), p.get("mode"), ", ".join("%s XDP %s%s" % (n, a.get("xdp_mode"),
	      " + TC egress" if a.get("tc_egress_attached") else "") for n, a in att.items())))
	for b in bad:
	    print("wrong: " + b)
	sys.exit(1 if bad else 0)
	PYEOF
	out=$(ef_in "$tag" "$ns" status) || { echo "status exited $?"; rc=1; }
	printf '%s\n' "$out"
	grep -q "^edgefw: enforcing (agent running)" <<<"$out" &&
		grep -qE "^node +$node " <<<"$out" &&
		grep -qE "^policy +lync2013-scaled-edge-dnslb-public " <<<"$out" &&
		grep -qE "generation $("${OBS[@]}" get "$WORK/status.json" policy.generation)," <<<"$out" &&
		grep -qE "^$ext +external +XDP native, TC egress attached" <<<"$out" &&
		grep -qE "^$int +internal +XDP native, TC egress attached" <<<"$out" ||
		{ echo "the status table lacks one of: enforcing, node, policy, generation, both NICs native"; rc=1; }
	return $rc
}

# reload_increments TAG NS: `edgefw reload` -> generation + 1 in its answer,
# status and stats; rule counters carry over by name
reload_increments() {
	local tag=$1 ns=$2 g0 g1 out
	ef_in "$tag" "$ns" status --json >"$WORK/status.json" || return 1
	g0=$("${OBS[@]}" get "$WORK/status.json" policy.generation)
	stats_to "$tag" "$ns" "$WORK/st-r0.json" || return 1
	out=$(ef_in "$tag" "$ns" reload 2>&1) || { echo "$out"; return 1; }
	echo "$out"
	grep -qF "generation $((g0 + 1))" <<<"$out" || { echo "expected generation $((g0 + 1))"; return 1; }
	ef_in "$tag" "$ns" status --json >"$WORK/status.json" || return 1
	g1=$("${OBS[@]}" get "$WORK/status.json" policy.generation)
	echo "status: generation $g0 -> $g1"
	[ "$g1" = $((g0 + 1)) ] || return 1
	stats_to "$tag" "$ns" "$WORK/st-r1.json" || return 1
	"${OBS[@]}" stats-delta "$WORK/st-r0.json" "$WORK/st-r1.json" --same-rule ext-av-stun-udp-3478-in \
		--same-rule ext-access-sip-tls-443-in --same-rule int-sip-mtls-5061-in &&
		[ "$("${OBS[@]}" get "$WORK/st-r1.json" generation)" = "$g1" ]
}

# ---- monitor mode: would-drops counted under their reason, nothing dropped

monitor_counts() {
	local rc=0 since=0 n d w
	start_agent edge1-mon $NS_E1 edge1 --monitor >/dev/null || { cat "$WORK/edge1-mon.log"; return 1; }
	stats_to edge1-mon $NS_E1 "$WORK/st-mon0.json" || rc=1
	SPORT=$((SPORT + 1))
	tcp_ok $NS_INET $E1_ACC 80 --sport $SPORT || rc=1
	udp_ok $NS_INET $E1_ACC 3478 || rc=1
	tcp_ok $NS_INET $E1_WEB 5061 || rc=1
	tcp_ok $NS_INET $E1_ACC 8057 || rc=1
	tcp_ok $NS_E1 $PARTNER 8443 --bind $E1_ACC || rc=1
	stats_to edge1-mon $NS_E1 "$WORK/st-mon1.json" || rc=1
	# one would-drop per flow (its first packet); the rest of each flow
	# passes as part of the flow the monitor mode opened for it
	"${OBS[@]}" stats-delta "$WORK/st-mon0.json" "$WORK/st-mon1.json" \
		--count ingress/would-drop/no-rule=4 --count egress/would-drop/no-rule=1 \
		--count ingress/drop/no-rule=0 --count egress/drop/no-rule=0 || rc=1
	"${OBS[@]}" get "$WORK/st-mon1.json" verdicts | "$PY" -c '
import json, sys
for v in json.load(sys.stdin):
    print("  stats: %(hook)s %(verdict)s %(reason)s %(packets)d" % v)'
	event edge1-mon $since event.action=would-drop event.reason=no-rule event.type=connection,denied \
		network.transport=tcp destination.ip=$E1_ACC destination.port=80 source.port=$SPORT rule.name=! || rc=1
	event edge1-mon $since event.action=would-drop event.reason=no-rule network.transport=udp \
		destination.ip=$E1_ACC destination.port=3478 rule.name=! || rc=1
	event edge1-mon $since event.action=would-drop event.reason=no-rule network.direction=egress \
		destination.ip=$PARTNER destination.port=8443 rule.name=! || rc=1
	n=$(grep -c '"kind":"event"' "$WORK/edge1-mon.events") || true
	w=$(grep -c '"action":"would-drop"' "$WORK/edge1-mon.events") || true
	d=$(ef_in edge1-mon $NS_E1 events --backlog 50 --action drop | grep -c .) || true
	echo "$n events, $w would-drop; events --action drop prints $d"
	[ "$w" = 5 ] && [ "$n" = 5 ] && [ "$d" = 0 ] || rc=1
	w=$(ef_in edge1-mon $NS_E1 events --backlog 50 --action denied | grep -c '"would-drop"') || true
	echo "events --action denied prints $w would-drop events"
	[ "$w" = 5 ] || rc=1
	stop_agent edge1-mon >/dev/null || rc=1
	return $rc
}

# drops_provoked TAG NS: every drop event of the agent is one the suite
# provoked on purpose, matched on direction, NIC, reason, transport, both
# addresses and ports and TCP flags (a dropped SYN-ACK, ACK, FIN, DNS answer
# or neighbour discovery would show, even on a port that also carries a
# provoked drop), no flow has more events than packets sent, and the
# provoked packets without an event are exactly what `stats --json` counts
# as suppressed or lost
drops_provoked() {
	stats_to "$1" "$2" "$WORK/st-end-$1.json" || return 1
	"${OBS[@]}" drops "$WORK/$1.events" "$1" "$WORK/expected-drops" --stats "$WORK/st-end-$1.json"
}

# ==== main =======================================================================

needs_root
needs_built EDGEFW
needs_tools "apt-get install iproute2 dnsmasq-base bind9-dnsutils iputils-ping coreutils" ip tc dnsmasq dig ping timeout
"$PY" -c 'import prometheus_client.parser' 2>/dev/null ||
	die "missing prometheus_client for $PY (apt-get install python3-prometheus-client)"

suite_begin e2e 900
: >"$WORK/expected-drops"
SENT=$WORK/sent

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
check "agent edge1 (local model) starts enforcing" \
	start_agent edge1 $NS_E1 edge1 --metrics-file "$WORK/m.prom" --metrics-interval 1
check "agent edge2 (forwarding model, on router2) starts enforcing" start_agent edge2 $NS_R2 edge2
check "edge1: XDP and TC egress attached on both NICs" on_node $NS_E1 attached $E1_EXT $E1_INTIF
check "edge2: XDP and TC egress attached on router2's NICs" on_node $NS_R2 attached $R2_EXT $R2_INTIF
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
		blocked_in $tag $node $NS_CORP tcp $acc 5061 $intif not-a-service-address

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

explain_suite edge1 edge1 $NS_E1 $NS_E1 v4 $E1_ACC $E1_WEB $E1_AV $E1_INT $E1_EXT $E1_INTIF \
	$INET_A $CORP_1 $RESOLVER $PARTNER full 1
explain_suite edge2 edge2 $NS_R2 $NS_V2 v4 $E2_ACC $E2_WEB $E2_AV $E2_INT $R2_EXT $R2_INTIF \
	$INET_B $CORP_2 $RESOLVER $PARTNER full 1
explain_suite edge1 edge1 $NS_E1 $NS_E1 v6 $E1_ACC6 $E1_WEB6 $E1_AV6 $E1_INT6 $E1_EXT $E1_INTIF \
	$INET_A6 $CORP_16 $RESOLVER6 $PARTNER6 short 1
explain_suite edge2 edge2 $NS_R2 $NS_V2 v6 $E2_ACC6 $E2_WEB6 $E2_AV6 $E2_INT6 $R2_EXT $R2_INTIF \
	$INET_B6 $CORP_26 $RESOLVER6 $PARTNER6 short 1

log "== edge1: event subscribers (edgefw events)"
check "edge1 events: a stalled subscriber and two --follow --json readers connect" subscribers_setup
check "edge1 events: 20 blocked connections: the same drop events in both readers and the agent's output" \
	subscribers_burst
check "edge1 events: a flood of 16 050 drop events at 1900/s: the readers get every one, the agent keeps running" \
	subscribers_flood
check "edge1 events: the paced flood: the agent published one drop event per datagram sent, none suppressed, none lost" \
	flood_published --no-suppression
check "edge1 events: the stalled subscriber, reading at last, is told it lost events (no new event needed)" \
	stalled_reads
check "edge1 events: the stalled subscriber got the rest and, with the next event, the count of the lost" \
	stalled_account
check "edge1 events: 3000 drop events at once: the readers, keeping up, still get every one" \
	subscribers_burst_unpaced
check "edge1 events: the unpaced burst: one drop event per datagram sent but those counted as suppressed, none lost" \
	flood_published
check "edge1 events: each reader: lines received + losses announced = lines published" \
	subscribers_accounting
check "edge1 events --backlog 5: the agent's last 5 events, then exits" events_backlog
check "edge1 events --text: one readable line per event" events_text
check "edge1 events --action denied / allowed filter" events_filter

log "== counters match traffic (edgefw stats --json)"
check "edge1 stats: 50 answered UDP datagrams to av:3478 and 30 to access:3478, exact counters" \
	counters_exact edge1 $NS_E1 $INET_A $E1_AV $E1_ACC $E1_EXT 50 30
check "edge2 stats: 50 answered UDP datagrams to av:3478 and 30 to access:3478, exact counters" \
	counters_exact edge2 $NS_R2 $INET_B $E2_AV $E2_ACC $R2_EXT 50 30

log "== metrics file (--metrics-file, prometheus_client's parser)"
check "edge1 metrics: HELP/TYPE, packets by hook/verdict/reason, rule counters equal stats --json" metrics_match
check "edge1 metrics: the file is replaced atomically, never seen half-written" metrics_atomic

log "== status and reload (edgefw status, edgefw reload)"
check "edge1 status: both NICs XDP native + TC egress, policy, node, generation" \
	status_ok edge1 $NS_E1 edge1 $E1_EXT $E1_INTIF
check "edge2 status (router2): both NICs XDP native + TC egress, policy, node, generation" \
	status_ok edge2 $NS_R2 edge2 $R2_EXT $R2_INTIF
check "edge1 edgefw reload: generation + 1, rule counters kept" reload_increments edge1 $NS_E1
check "edge2 edgefw reload: generation + 1, rule counters kept" reload_increments edge2 $NS_R2

log "== events"
check "edge1: every drop event is a packet the suite sent to be dropped (5-tuple, direction, NIC, reason), each such packet has its event" \
	drops_provoked edge1 $NS_E1
check "edge2: every drop event is a packet the suite sent to be dropped (5-tuple, direction, NIC, reason), each such packet has its event" \
	drops_provoked edge2 $NS_R2
check "edge1: agent still running" kill -0 "${AGENT[edge1]}"
check "edge2: agent still running" kill -0 "${AGENT[edge2]}"

log "== SIGTERM detaches"
check "edge1: SIGTERM stops the agent, exit status 0" stop_agent edge1
check "edge1: no XDP program or egress filter left on its NICs" on_node $NS_E1 detached "" $E1_EXT $E1_INTIF
check "edge2: SIGTERM stops the agent, exit status 0" stop_agent edge2
check "edge2: no XDP program or egress filter left on router2's NICs" on_node $NS_R2 detached "" $R2_EXT $R2_INTIF

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
check "edge1 run --monitor: stats count each would-drop under its reason, nothing dropped, events would-drop" \
	monitor_counts

summary
