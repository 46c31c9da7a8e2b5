#!/bin/bash
# edgefw event delivery tests: the events file, its rotation and reopening,
# wake-ups, subscribers at full rate, and the accounting that says where
# every event went -- over real traffic on one Lync Edge node built from
# network namespaces (local model, as ops.sh).
#
#   1. options: bad --events-* values are usage errors (2), an events file
#      that cannot be opened is a system error (3) that attaches nothing;
#   2. the events file: the agent appends its event lines there (stdout
#      gets none); a lone event (the programs do not wake the agent for it)
#      reaches the file on the agent's own timer, well within 1 s, each of
#      several times; `edgefw status` names the file;
#   3. a burst of 100 000 denied frames (bench/wire's wiregen: live frames,
#      as fast as the kernel makes them, from 60 000 sources) with event
#      limits off, while an `edgefw events --follow` subscriber reads and
#      another never does: every drop is an event sent, lost in the ring or
#      suppressed; every event sent is written or unwritten (none
#      unwritten); the files hold exactly the written count, rotated at
#      1 MiB into whole, parsing lines in order; the follower's lines plus
#      the losses it was told of are exactly what was written meanwhile;
#      `edgefw stats` and the metrics file show the same counts;
#   4. reopen: the file moved away (as logrotate does), `edgefw reopen`
#      (then SIGUSR1) makes a new one; no line is lost or split between the
#      two; reopen without an agent exits 3;
#   5. a full file system (a 512 KiB tmpfs): the agent keeps running, what
#      it could not write is counted as unwritten (written + unwritten =
#      sent), the file holds exactly the written lines, all whole.
#
# Debian packages needed: iproute2 python3 procps coreutils util-linux
# (nsenter, mount), and bench/wire's wiregen (make builds it).
#
# Usage (as root):  make e2e-test     or   tests/e2e/eventlog.sh
#   EDGEFW=path/to/edgefw   the binary (default: $BUILD/edgefw, BUILD=build)
#   WIREGEN=path            bench/wire/wiregen (default: $BUILD/bench/wire/wiregen)
#   XDP_PASS_OBJ=path       tests/e2e/xdp_pass.bpf.c built
#   E2E_VERBOSE=1           print the output of passing checks too
#   E2E_KEEP=1              keep the work dir
#
# Everything lives in network namespaces named efl-* with pins under
# /sys/fs/bpf/efl-*; IPv4 only; only 203.0.113.0/24 and 198.18.0.0/15 are
# used; nothing leaves the namespaces.  Exit status: 0 when every check
# passed.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
SUITE=eventlog NS_PREFIX=efl- NX_TIMEOUT=25
NS_SYSCTL=(net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1)
built EDGEFW edgefw
built WIREGEN bench/wire/wiregen
built XDP_PASS_OBJ tests/xdp_pass.bpf.o

NS_NODE=efl-edge
NS_INET=efl-inet
NS_CORP=efl-corp
EXT=efl-ext INTIF=efl-int GIF=efl-i-ext
PINS=/sys/fs/bpf/efl-edge
ACC=203.0.113.140 WEB=203.0.113.141 AV=203.0.113.142
INT=198.18.110.10 CORP=198.18.110.100
INET=203.0.113.129
BURST=100000          # frames of the burst
BURST_SOURCES=60000   # from 198.19.0.1 on
MIB=1048576

MNT=

# the tmpfs of part 5
on_cleanup() { if [ -n "$MNT" ]; then umount "$MNT" 2>/dev/null; fi; }

# ---- the agent -------------------------------------------------------------------

# wait until every event sent has been written or counted unwritten, and
# the counts stopped moving (the agent syncs them every 200 ms)
drained() {
	local n=100 last= cur
	while [ $n -gt 0 ]; do
		stats_json || return 1
		cur="$(counter events_sent) $(counter events_written) $(counter events_unwritten) $(no_rule_drops)"
		read -r s w u _ <<<"$cur"
		[ "$cur" = "$last" ] && [ $((w + u)) -eq "$s" ] && return 0
		last=$cur
		sleep 0.3
		n=$((n - 1))
	done
	echo "the agent did not drain: sent/written/unwritten/drops $cur"
	return 1
}

# ---- topology and policies ---------------------------------------------------------

build_topology() {
	one_node 26 $ACC $WEB $AV
	# wiregen's frames leave by XDP_TX from the generator's veth, which
	# needs an XDP program of its own
	ip -n $NS_INET link set dev $GIF xdpdrv obj "$XDP_PASS_OBJ" sec xdp
	static_neighbours $INET
}

# the shipped policy for edge1 on this topology, every event limit off
policy() {
	write_policy "$WORK/policy.json" "settings['event_limit'] = {'rate': 0}" &&
		"$EDGEFW" validate --quiet --node edge1 "$WORK/policy.json"
}

# every events file of the live agent, oldest first
EVFILE=
ev_files() {
	local i
	for i in $(seq 200 -1 1); do [ -e "$EVFILE.$i" ] && echo "$EVFILE.$i"; done
	[ -e "$EVFILE" ] && echo "$EVFILE"
	return 0
}
ev_lines() { count_lines $(ev_files) | cut -d' ' -f1; }

# ---- 1. options -----------------------------------------------------------------

opt_errors() {
	local p=$WORK/policy.json
	expect_rc 2 efw run --policy "$p" --node edge1 --events-file "$WORK/x" --events-max-size 10 || return 1
	expect_rc 2 efw run --policy "$p" --node edge1 --events-file "$WORK/x" --events-max-size 5X || return 1
	expect_rc 2 efw run --policy "$p" --node edge1 --events-file "$WORK/x" --events-keep -1 || return 1
	expect_rc 2 efw reopen extra || return 1
	expect_rc 3 efw reopen || return 1
	efw run --policy "$p" --node edge1 --events-file "$WORK/no/such/dir/events.json" \
		>"$WORK/o.out" 2>"$WORK/o.err" && { echo "started with an events file it cannot open"; return 1; }
	cat "$WORK/o.err"
	grep -q "cannot open the events file $WORK/no/such/dir/events.json: No such file or directory" "$WORK/o.err" &&
		[ ! -e "$PINS" ] && [ -z "$(ip -n $NS_NODE -j link show dev $EXT | grep -o '"xdp"')" ]
}

# ---- 2. the file, and a lone event ----------------------------------------------------

# one spoofed datagram from SRC to acc:PORT (no rule: a drop), then the
# time until its line is in the events file
lone_event() { # SRC PORT
	nx $NS_INET "$PY" - "$1" "$ACC" "$2" "$EVFILE" <<-'EOF'
	import os, socket, struct, sys, time
	src, dst, port, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
	s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
	payload = b"edgefw-lone-event"
	udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
	ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
	                 socket.inet_aton(src), socket.inet_aton(dst))
	f = open(path, "rb")
	f.seek(0, 2)
	want = ('"source":{"ip":"%s","port":40000}' % src).encode()
	t0 = time.monotonic()
	s.sendto(ip + udp, (dst, 0))
	buf = b""
	while time.monotonic() - t0 < 3:
	    buf += f.read()
	    if want in buf:
	        print("%.3f" % (time.monotonic() - t0))
	        sys.exit(0)
	    time.sleep(0.002)
	print("none")
	sys.exit(1)
	EOF
}

lone_events() {
	local i d max=0 all=
	for i in 1 2 3 4 5; do
		d=$(lone_event 198.18.7.$i $((9000 + i))) || { echo "event $i: not in the file within 3 s"; return 1; }
		all="$all $d"
		max=$(awk -v a="$max" -v b="$d" 'BEGIN { print (b > a) ? b : a }')
		sleep 0.$((RANDOM % 9 + 1))
	done
	echo "delays (s):$all; the longest $max"
	awk -v m="$max" 'BEGIN { exit !(m < 1.0) }'
}

stdout_quiet() {
	local n
	n=$(grep -c '"kind":"event"' "$EVENTS" || true)
	echo "event lines on stdout: $n; in $EVFILE: $(ev_lines)"
	[ "$n" = 0 ] && [ "$(ev_lines)" -ge 5 ]
}

status_names_file() {
	efw status >"$WORK/status.out" 2>&1 || true
	cat "$WORK/status.out"
	efw status --json >"$WORK/status.json" || true
	grep -qE "^events +$EVFILE\$" "$WORK/status.out" &&
		[ "$(jget "$WORK/status.json" events_file)" = "$EVFILE" ]
}

# ---- 3. the burst ------------------------------------------------------------------------

FOLLOW=
STALLED=
L0=0
burst() {
	local g
	efw events --follow >"$WORK/follow.out" 2>"$WORK/follow.err" &
	FOLLOW=$!
	PIDS+=("$FOLLOW")
	# a subscriber that asks to follow and never reads
	nsenter --net=/run/netns/$NS_NODE timeout 120 "$PY" - "$WORK/run/events.sock" <<-'EOF' &
	import socket, sys, time
	s = socket.socket(socket.AF_UNIX)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
	s.connect(sys.argv[1])
	s.sendall(b'{"follow": true, "backlog": 0}\n')
	time.sleep(110)
	EOF
	STALLED=$!
	PIDS+=("$STALLED")
	sleep 0.7
	drained || return 1
	cp "$WORK/stats.json" "$WORK/stats-before.json"
	L0=$(ev_lines)
	g=$(nx $NS_INET "$WIREGEN" --ifname $GIF --dst-mac "$(mac_of $NS_NODE $EXT)" --dst $ACC \
		--proto udp --dport 8080 --src-base 198.19.0.1 --src-count $BURST_SOURCES \
		--frames $BURST --time-cap 5 --cpu 0) || { echo "wiregen failed"; return 1; }
	echo "wiregen: $g"
	drained || return 1
	cp "$WORK/stats.json" "$WORK/stats-after.json"
}

delta() { # COUNTER: after - before
	echo $(($(jget "$WORK/stats-after.json" "counters.$1") - $(jget "$WORK/stats-before.json" "counters.$1")))
}

burst_accounting() {
	local drops sent lost sup w u
	drops=$(($(no_rule_drops) - $("$PY" -c '
import json,sys
s=json.load(open(sys.argv[1]))
print(sum(v["packets"] for v in s["verdicts"] if v["hook"]=="ingress" and v["verdict"]=="drop" and v["reason"]=="no-rule"))' "$WORK/stats-before.json")))
	sent=$(delta events_sent) lost=$(delta events_lost) sup=$(delta events_suppressed)
	w=$(delta events_written) u=$(delta events_unwritten)
	echo "burst: $drops drops (no-rule); events sent $sent, lost in the ring $lost, suppressed $sup;" \
		"written $w, unwritten $u"
	[ "$drops" -ge $((BURST / 2)) ] && [ "$drops" -eq $((sent + lost + sup)) ] &&
		[ "$sup" = 0 ] && [ "$sent" -eq $((w + u)) ] && [ "$u" = 0 ] && [ "$w" -ge $((BURST / 4)) ]
}

burst_files() {
	local f n=0 big=0 total
	for f in $(ev_files); do
		n=$((n + 1))
		[ "$(stat -c %s "$f")" -le $MIB ] || { echo "$f: $(stat -c %s "$f") bytes, over 1 MiB"; big=1; }
	done
	total=$(ev_lines) || return 1
	echo "$n files (rotated at 1 MiB); event lines in them $total; events_written $(jget "$WORK/stats-after.json" counters.events_written)"
	[ $big = 0 ] && [ "$n" -ge 3 ] && [ "$total" = "$(jget "$WORK/stats-after.json" counters.events_written)" ]
}

# the burst's lines, in the files in order: one per source address, in
# the order the generator cycles through them within each CPU's stream
burst_order() {
	"$PY" - $(ev_files) <<-'EOF'
	import json, sys
	ts = []
	for p in sys.argv[1:]:
	    for line in open(p):
	        d = json.loads(line)
	        if d["event"]["kind"] == "event":
	            ts.append(d["@timestamp"])
	bad = sum(1 for a, b in zip(ts, ts[1:]) if b < a)
	print("%d lines, %d timestamp inversions across file boundaries and within" % (len(ts), bad))
	# events of one CPU's ring stream come in order; the generator and the
	# data path run on one CPU here, so the files are in time order
	sys.exit(1 if bad else 0)
	EOF
}

follower() {
	local lines told written
	sleep 0.5
	lines=$(grep -c '"kind":"event"' "$WORK/follow.out" || true)
	told=$(grep -o '"subscriber_lost_events":[0-9]*' "$WORK/follow.err" | awk -F: '{s += $2} END {print s + 0}')
	written=$(($(ev_lines) - L0))
	echo "the follower: $lines lines, told of $told lost; lines written since it connected: $written"
	[ $((lines + told)) -eq "$written" ] && [ "$lines" -gt 0 ]
}

stats_show() {
	efw stats >"$WORK/stats.txt" 2>&1 || { cat "$WORK/stats.txt"; return 1; }
	grep -E '^events_(written|unwritten)|^subscriber_events_dropped' "$WORK/stats.txt"
	stats_json || return 1
	sleep 1.2 # the metrics file is written every second
	grep -E '^edgefw_(events_written|events_unwritten|subscriber_events_dropped)_total' "$WORK/metrics.prom"
	grep -q "^events_written  *$(counter events_written)\$" "$WORK/stats.txt" &&
		grep -q "^edgefw_events_written_total $(counter events_written)\$" "$WORK/metrics.prom" &&
		grep -q "^edgefw_events_unwritten_total 0\$" "$WORK/metrics.prom" &&
		grep -q "^edgefw_subscriber_events_dropped_total $(counter subscriber_events_dropped)\$" "$WORK/metrics.prom" &&
		[ "$(counter subscriber_events_dropped)" -gt 0 ] # the stalled subscriber
}

# a flood that keeps the ring full does not keep the agent from its control
# socket: a reload is answered while the flood goes on
reload_under_flood() {
	local g t0 el
	nx $NS_INET "$WIREGEN" --ifname $GIF --dst-mac "$(mac_of $NS_NODE $EXT)" --dst $ACC \
		--proto udp --dport 8082 --src-base 198.19.0.1 --src-count $BURST_SOURCES \
		--frames 30000000 --time-cap 6 --cpu 0 >"$WORK/flood.out" 2>&1 &
	g=$!
	sleep 1.5
	t0=$(now)
	efw reload || { wait $g; return 1; }
	el=$(since "$t0")
	kill -0 $g 2>/dev/null && echo "reload answered in $el s, during the flood" ||
		{ echo "the flood was over before the reload was answered ($el s)"; wait $g; return 1; }
	wait $g
	cat "$WORK/flood.out"
	drained
}

# ---- 4. reopen ------------------------------------------------------------------------------

spoof_n() { # N NET: one datagram from each of 198.18.NET.1..N to acc:7000
	nx $NS_INET "${NT[@]}" spoof --dst $ACC --dport 7000 --sources "198.18.$2.1-198.18.$2.$1" --count 1 >/dev/null
}

from_net() { grep -c "\"source\":{\"ip\":\"198\.18\.$2\." "$1" || true; } # FILE NET

reopen_with() { # HOW (cli | usr1) NET-BEFORE NET-AFTER
	local moved=$WORK/moved-$1.json before
	drained || return 1
	before=$(counter events_written)
	mv "$EVFILE" "$moved"
	spoof_n 10 "$2" # into the moved file: the agent still has it open
	drained || return 1
	if [ "$1" = cli ]; then
		efw reopen || return 1
	else
		kill -USR1 "$AGENT"
		sleep 0.3
	fi
	[ -e "$EVFILE" ] || { echo "no new $EVFILE after the reopen"; return 1; }
	spoof_n 20 "$3"
	drained || return 1
	count_lines "$moved" "$EVFILE" >/dev/null || return 1
	echo "reopen ($1): moved file: $(from_net "$moved" "$2") lines from before, $(from_net "$moved" "$3") from after;" \
		"new file: $(from_net "$EVFILE" "$3") from after, $(count_lines "$EVFILE" | cut -d' ' -f1) in all;" \
		"events_written +$(($(counter events_written) - before))"
	grep -q "reopened $EVFILE" "$WORK/agent-$AGENT_N.log" &&
		[ "$(from_net "$moved" "$2")" = 10 ] && [ "$(from_net "$moved" "$3")" = 0 ] &&
		[ "$(from_net "$EVFILE" "$3")" = 20 ] && [ "$(count_lines "$EVFILE" | cut -d' ' -f1)" = 20 ] &&
		[ $(($(counter events_written) - before)) = 30 ]
}

# ---- 5. a full file system ------------------------------------------------------------------

full_fs() {
	local s w u lines
	drained || return 1
	s=$(counter events_sent) w=$(counter events_written) u=$(counter events_unwritten)
	lines=$(count_lines "$EVFILE" | cut -d' ' -f1) || return 1
	echo "on a 512 KiB tmpfs: sent $s, written $w, unwritten $u; whole event lines in the file $lines ($(stat -c %s "$EVFILE") bytes)"
	grep 'could not write' "$WORK/agent-$AGENT_N.log" | head -3
	[ "$u" -gt 0 ] && [ "$s" -eq $((w + u)) ] && [ "$lines" = "$w" ] && kill -0 "$AGENT" &&
		grep -q "could not write [0-9]* event line(s) to $EVFILE: No space left on device" "$WORK/agent-$AGENT_N.log"
}

# ---- run -------------------------------------------------------------------------------------

needs_root
needs_built EDGEFW WIREGEN
suite_begin eventlog 240
mkdir -p "$WORK/run" "$WORK/state" "$WORK/log"
[ -d /sys/fs/bpf ] && mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

log "== edgefw event delivery: $EDGEFW ($("$EDGEFW" --version))"
build_topology
policy || die "the test policy is invalid"

log "== 1. options"
check "options: bad --events-max-size/--events-keep are usage errors (2); reopen without an agent 3; an events file that cannot be opened: exit 3, named, nothing attached" \
	opt_errors

log "== 2. the events file"
EVFILE=$WORK/log/events.json
METRICS=(--metrics-file "$WORK/metrics.prom" --metrics-interval 1)
start_agent "$WORK/policy.json" "${METRICS[@]}" --events-file "$EVFILE" --events-max-size 1M --events-keep 200 ||
	die "the agent did not start"
check "lone events: each of 5 single drops reaches the events file on the agent's timer, within 1 s" lone_events
check "the events file has the lines, the agent's stdout none" stdout_quiet
check "status names the events file" status_names_file

log "== 3. a burst of $BURST frames from $BURST_SOURCES sources, a follower and a stalled subscriber"
check "burst: generated, the agent drained it" burst
check "burst: every drop an event sent, lost or suppressed; every event sent written (none unwritten)" burst_accounting
check "burst: rotated at 1 MiB; the files hold exactly events_written whole, parsing lines" burst_files
check "burst: the lines are in time order across the rotated files" burst_order
check "burst: the follower's lines plus the losses it was told of are every line written" follower
check "stats and metrics: events_written, events_unwritten, subscriber_events_dropped" stats_show
stop_pid "$FOLLOW" 1
stop_pid "$STALLED" 1
check "a flood that keeps the ring full: edgefw reload is answered while it goes on" reload_under_flood

log "== 4. reopen"
check "reopen: file moved, edgefw reopen: the lines before in the moved file, the new ones in a new file, none split" \
	reopen_with cli 9 10
check "reopen: the same with SIGUSR1" reopen_with usr1 11 12
check "agent: SIGTERM, exit 0" stop_agent

log "== 5. a full file system"
MNT=$WORK/full
mkdir -p "$MNT"
mount -t tmpfs -o size=512k,mode=0755 efl-full "$MNT"
EVFILE=$MNT/events.json
start_agent "$WORK/policy.json" "${METRICS[@]}" --events-file "$EVFILE" --events-max-size 0 || die "the agent did not start"
nx $NS_INET "$WIREGEN" --ifname $GIF --dst-mac "$(mac_of $NS_NODE $EXT)" --dst $ACC --proto udp \
	--dport 8081 --src-base 198.19.0.1 --src-count 5000 --frames 5000 --time-cap 5 >/dev/null ||
	die "wiregen failed"
check "full disk: the agent runs on, written + unwritten = sent, the file holds exactly the written lines, whole" full_fs
check "agent: SIGTERM, exit 0 (full disk)" stop_agent
umount "$MNT" && MNT=

summary
