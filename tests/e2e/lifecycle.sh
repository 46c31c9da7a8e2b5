#!/bin/bash
# edgefw lifecycle tests: the agent as a service, over real traffic on one
# Lync Edge node built from network namespaces (see tests/e2e/README.md).
#
#   systemd unit verifies; sd_notify READY/RELOADING/STOPPING/STATUS; kill -9
#   and restart under traffic (pinned state adopted, nothing lost, counters
#   kept); 100 reloads under traffic; apply --confirm-within with rollback and
#   confirm; the SSH lockout guard; pickup of established connections; drift
#   repair; --keep-on-exit and detach.
#
# Debian packages needed: iproute2 python3 procps coreutils util-linux
# (nsenter) systemd (systemd-analyze; systemd need not be running).
#
# Usage (as root):  make e2e-test     or   tests/e2e/lifecycle.sh
#   EDGEFW=path/to/edgefw   the binary (default: $BUILD/edgefw, BUILD=build)
#   E2E_VERBOSE=1           print the output of passing checks too
#   E2E_KEEP=1              keep the work dir (policies, logs, probe results)
#
# Everything lives in network namespaces named efl-* (run.sh uses efe-*) with
# pins under /sys/fs/bpf/efl-*; only 203.0.113.0/24 and 198.18.0.0/15 are
# used; nothing leaves the namespaces.  Exit status: 0 when every check passed.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "$0")/../lib.sh"
SUITE=lifecycle NS_PREFIX=efl- PIN_DIR_GONE=1
built EDGEFW edgefw
UNIT_SRC=$ROOT/packaging/systemd/edgefw.service

# ---- names and addresses ---------------------------------------------------

NS_NODE=efl-edge   # edge1, local model: edgefw on the node's own NICs
NS_INET=efl-inet   # the internet
NS_CORP=efl-corp   # the corporate side (Front End / Director)
EXT=efl-ext INTIF=efl-int          # the node's NICs
ACC=203.0.113.200 WEB=203.0.113.201 AV=203.0.113.202
INT=198.18.100.10
INET=203.0.113.193                 # an internet client, on the link
CORP=198.18.100.100                # a corporate host, on the link

# ---- bookkeeping ------------------------------------------------------------

declare -A AGENT=() # by TAG

bg_nx() { # NS CMD...: a background helper (bounded by its own --max too)
	local ns=$1
	shift
	timeout 150 ip netns exec "$ns" "$@"
}

# ---- agents -------------------------------------------------------------------

# Each agent has its own pin directory on the host's bpffs, run directory
# and policy file (apply and confirm write the policy file): lib.sh's TAGs.
# start_agent TAG NAME [run options]: logs in NAME.log, events in NAME.events;
# waits until it says it is enforcing.  XENV: extra environment.
start_agent() {
	launch_agent "$1" "$WORK/$2.events" "$WORK/$2.log" --policy "$WORK/policy-$1.json" --node edge1 "${@:3}" ||
		{ cat "$WORK/$2.log"; echo "agent $2 did not say it is enforcing"; return 1; }
	cat "$WORK/$2.log"
}

detached_tag() { detached "/sys/fs/bpf/efl-$1"; } # TAG: nothing attached, no pins of TAG
stop_and_detached() { stop_agent "$1" && detached_tag "$1"; }

status_json() { efw "$1" status --json >"$WORK/status-$1.json" 2>&1 || true; }
stat_of() { # TAG RULE: packets credited to RULE
	efw "$1" stats --json >"$WORK/stats-$1.json" 2>&1 || true
	jget "$WORK/stats-$1.json" "rules.$2.packets"
}

# ---- topology and services -----------------------------------------------------

build_topology() {
	# Access first: it is the primary address and the default route's source
	one_node 26 $ACC $WEB $AV
}

start_services() {
	# TCP echo on the wildcard address of every port used (a blocked port is
	# blocked by edgefw, not by a missing listener); UDP echo on access:3478
	# (blocked: the log shows what reached it) and av:3478 (allowed)
	start_server $NS_NODE node --lifetime 400 --tcp 80,443,5061,8080 --udp "$ACC:3478,$AV:3478" \
		--log "$WORK/udp-node.log"
}

# ---- policies -----------------------------------------------------------------

write_policies() {
	write_policy "$WORK/A.json" &&
		write_policy "$WORK/B.json" "$POLICY_B" && # port P: TCP av:443
		write_policy "$WORK/invalid.json" "$POLICY_INVALID" &&
		# a management rule: SSH to the internal address from the corporate host
		write_policy "$WORK/mgmt.json" "p['management'].append({
    'name': 'mgmt-ssh-internal-test', 'interface': 'internal', 'direction': 'in',
    'service': 'internal', 'protocol': 'tcp', 'ports': '22', 'peer': ['$CORP'],
    'note': 'lifecycle.sh: SSH from the corporate test host'})"
}

policy_for() { cp "$WORK/${2:-A}.json" "$WORK/policy-$1.json"; }

validate_all() {
	local f rc=0
	for f in A B mgmt; do
		"$EDGEFW" validate --node edge1 "$WORK/$f.json" || rc=1
	done
	expect_rc 1 "$EDGEFW" validate --node edge1 "$WORK/invalid.json" || rc=1
	return $rc
}

# ==== 1. systemd unit ==================================================================

unit_verifies() {
	local d=$WORK/unit
	mkdir -p "$d"
	sed "s#/usr/sbin/edgefw#$EDGEFW#g" "$UNIT_SRC" >"$d/edgefw.service"
	grep -n '^Exec' "$d/edgefw.service"
	grep -q /usr/sbin/edgefw "$d/edgefw.service" && { echo "a /usr/sbin/edgefw is left"; return 1; }
	command -v systemd-analyze >/dev/null || { echo "systemd-analyze is missing (apt-get install systemd)"; return 1; }
	systemd-analyze verify "$d/edgefw.service"
}

# ==== 2. sd_notify ==========================================================================

NOTIFY_PID=
notify_ready() {
	local sock=$WORK/notify.sock n=0
	policy_for notify
	: >"$WORK/sdnotify.log"
	# the receiver runs in the internet namespace (a path socket is reachable
	# from every network namespace) so that it can probe the node when
	# READY=1 arrives
	bg_nx $NS_INET "${LT[@]}" notify --socket "$sock" --log "$WORK/sdnotify.log" \
		--probe-tcp "$ACC:80" --lifetime 60 --ready "$WORK/ready-notify" &
	NOTIFY_PID=$!
	PIDS+=($NOTIFY_PID)
	wait_file "$WORK/ready-notify" || { echo "notify receiver did not start"; return 1; }
	echo "control, before edgefw: TCP access:80 connects"
	tcp_ok $NS_INET $ACC 80 || return 1
	XENV=(NOTIFY_SOCKET="$sock")
	start_agent notify notify || { XENV=(); return 1; }
	XENV=()
	while ! grep -q probe-at-ready "$WORK/sdnotify.log" && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	echo "-- notifications:"
	cat "$WORK/sdnotify.log"
	"$PY" - "$WORK/sdnotify.log" "$POLICY_NAME" <<-'EOF'
	import sys
	msgs = [l.split(" ", 1)[1].rstrip("\n") for l in open(sys.argv[1]) if " " in l]
	name = sys.argv[2]
	if "READY=1" not in msgs:
	    sys.exit("no READY=1")
	r = msgs.index("READY=1")
	st = [m for m in msgs[:r] if m.startswith("STATUS=")]
	if not st or name not in st[-1]:
	    sys.exit("no STATUS= naming policy %s before READY=1" % name)
	probe = [m for m in msgs if m.startswith("probe-at-ready")]
	if not probe or not probe[0].startswith("probe-at-ready blocked"):
	    sys.exit("when READY=1 arrived, TCP access:80 was not blocked yet: %s" % (probe or "no probe"))
	print("READY=1 after %r; access:80 already blocked when it arrived" % st[-1])
	EOF
}

notify_reload() {
	local n=0 out
	out=$(efw notify reload 2>&1) || { echo "$out"; return 1; }
	echo "$out"
	while [ "$(grep -c ' READY=1$' "$WORK/sdnotify.log")" -lt 2 ] && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
	cat "$WORK/sdnotify.log"
	"$PY" - "$WORK/sdnotify.log" "$POLICY_NAME" <<-'EOF'
	import sys
	msgs = [l.split(" ", 1)[1].rstrip("\n") for l in open(sys.argv[1]) if " " in l]
	msgs = [m for m in msgs if not m.startswith("probe")]
	r = msgs.index("READY=1")
	rest = msgs[r + 1:]
	if "RELOADING=1" not in rest:
	    sys.exit("no RELOADING=1 after the first READY=1")
	k = rest.index("RELOADING=1")
	after = rest[k + 1:]
	if "READY=1" not in after:
	    sys.exit("no READY=1 after RELOADING=1")
	between = after[:after.index("READY=1")]
	print("RELOADING=1, %s, READY=1" % between)
	EOF
}

notify_stopping() {
	local n=0
	stop_agent notify || return 1
	while ! grep -q ' STOPPING=1$' "$WORK/sdnotify.log" && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
	tail -n 3 "$WORK/sdnotify.log"
	grep -q ' STOPPING=1$' "$WORK/sdnotify.log" || { echo "no STOPPING=1"; return 1; }
	detached_tag notify
}

# ==== 3. kill -9 under traffic ==================================================================

KILL_STATS=()
kill9_restart() {
	local t0 rc=0 s
	policy_for kill
	start_agent kill kill-1 >/dev/null || { cat "$WORK/kill-1.log"; return 1; }
	KILL_STATS=("$(stat_of kill ext-av-stun-udp-3478-in)")
	probe_start kill 25 41003 50 || return 1
	sleep 1.5
	KILL_STATS+=("$(stat_of kill ext-av-stun-udp-3478-in)")
	t0=$(now)
	kill -KILL "${AGENT[kill]}"
	wait "${AGENT[kill]}" 2>/dev/null || true
	AGENT[kill]=
	echo "kill -9 sent; pins: $(ls /sys/fs/bpf/efl-kill | tr '\n' ' ')"
	sleep 1
	KILL_STATS+=("$(stat_of kill ext-av-stun-udp-3478-in)")
	start_agent kill kill-2 >/dev/null || rc=1
	echo "restarted, enforcing $(since "$t0") s after the kill"
	KILL_STATS+=("$(stat_of kill ext-av-stun-udp-3478-in)")
	sleep 1.5
	probe_stop kill
	KILL_STATS+=("$(stat_of kill ext-av-stun-udp-3478-in)")
	echo "-- second agent's log:"
	cat "$WORK/kill-2.log"
	[ $rc -eq 0 ] || return 1
	grep -q 'adopted [0-9]* pinned maps' "$WORK/kill-2.log" &&
		grep -q 'taking over policy generation' "$WORK/kill-2.log" &&
		grep -q "took over $EXT" "$WORK/kill-2.log" &&
		grep -q "took over $INTIF" "$WORK/kill-2.log" || {
		echo "expected: adopted N pinned maps, taking over policy generation, took over $EXT and $INTIF"
		return 1
	}
}

# SIGUSR2: the agent hands over (exit 0, everything stays attached and
# pinned); the next one adopts it.  Under traffic: nothing lost, nothing
# blocked passes, the stream never breaks.
handover() {
	local t0 rc=0 arc=0 got
	policy_for hand
	start_agent hand hand-1 >/dev/null || { cat "$WORK/hand-1.log"; return 1; }
	probe_start hand 25 41004 50 || return 1
	sleep 1
	t0=$(now)
	kill -USR2 "${AGENT[hand]}"
	wait "${AGENT[hand]}" || arc=$?
	AGENT[hand]=
	echo "SIGUSR2: the agent exited with status $arc after $(since "$t0") s"
	tail -n 1 "$WORK/hand-1.log"
	attached || rc=1
	[ -e /sys/fs/bpf/efl-hand/ef_flows ] || { echo "pins missing"; rc=1; }
	sleep 0.5
	start_agent hand hand-2 >/dev/null || rc=1
	echo "the next agent is enforcing $(since "$t0") s after the signal"
	sleep 1
	probe_stop hand
	cat "$WORK/probe-hand.json"
	got=$(udp_arrived 41004)
	echo "blocked probes that reached access:3478: $got"
	[ $arc -eq 0 ] && [ $rc -eq 0 ] || return 1
	grep -q 'handing over' "$WORK/hand-1.log" && grep -q "took over $EXT" "$WORK/hand-2.log" || {
		echo "expected 'handing over' in the first log and 'took over $EXT' in the second"
		return 1
	}
	[ "$(jget "$WORK/probe-hand.json" udp.sent)" -ge 200 ] 2>/dev/null &&
		[ "$(jget "$WORK/probe-hand.json" udp.lost)" = 0 ] && [ "$got" = 0 ] &&
		[ "$(jget "$WORK/probe-hand.json" stream.complete)" = True ] &&
		[ -z "$(jget "$WORK/probe-hand.json" stream.error)" ] || return 1
	stop_and_detached hand
}

# the first agent started on empty pins: its log must not claim a takeover
# (operators read "adopted"/"took over" as "an earlier agent's state was here")
kill9_fresh_log() {
	echo "-- first agent's log (fresh start, no pins):"
	cat "$WORK/kill-1.log"
	! grep -E 'adopted [0-9]+ pinned maps|taking over|took over' "$WORK/kill-1.log" >"$WORK/fresh.out" || {
		echo "-- a fresh start (no pins existed) claims to have taken over pinned state:"
		cat "$WORK/fresh.out"
		return 1
	}
}

kill9_udp_allowed() {
	local f=$WORK/probe-kill.json
	cat "$f"
	[ "$(jget "$f" udp.sent)" -ge 400 ] 2>/dev/null || { echo "too few probes sent"; return 1; }
	[ "$(jget "$f" udp.lost)" = 0 ]
}

kill9_udp_blocked() {
	local f=$WORK/probe-kill.json got
	got=$(udp_arrived 41003)
	echo "blocked probes sent: $(jget "$f" blocked_udp.sent), reached the listener on access:3478: $got"
	[ "$(jget "$f" blocked_udp.sent)" -ge 400 ] 2>/dev/null && [ "$got" = 0 ]
}

stream_intact() { # TAG N: the probe's TCP stream to access:443 never broke, N messages at least
	local f=$WORK/probe-$1.json
	jget "$f" stream
	[ "$(jget "$f" stream.complete)" = True ] && [ -z "$(jget "$f" stream.error)" ] &&
		[ "$(jget "$f" stream.messages_sent)" -ge "$2" ] 2>/dev/null
}

kill9_stream() { stream_intact kill 400; }

kill9_counters() {
	local prev=-1 v i=0 names=("start" "before kill" "agent dead" "restarted" "end")
	for v in "${KILL_STATS[@]}"; do
		echo "ext-av-stun-udp-3478-in packets, ${names[$i]}: ${v:-?}"
		[[ $v =~ ^[0-9]+$ ]] || { echo "  not a number (stats --json: $(head -c 300 "$WORK/stats-kill.json"))"; return 1; }
		[ "$v" -ge "$prev" ] || { echo "  the counter went down"; return 1; }
		prev=$v
		i=$((i + 1))
	done
	[ "${KILL_STATS[4]}" -gt "${KILL_STATS[2]}" ] || { echo "no growth after the restart"; return 1; }
}

# ==== 4. 100 reloads under traffic ===================================================================

RELOAD_FAILS=0
reload_100() {
	local i f out t0
	policy_for reload
	start_agent reload reload >/dev/null || { cat "$WORK/reload.log"; return 1; }
	status_json reload
	echo "generation at start: $(jget "$WORK/status-reload.json" policy.generation)"
	probe_start reload 120 41004 50 --p-tcp "$AV:443" --r-tcp "$ACC:80" || return 1
	sleep 0.5
	t0=$(now)
	RELOAD_FAILS=0
	for i in $(seq 1 100); do
		if [ $((i % 2)) = 1 ]; then f=B; else f=A; fi
		if [ $((i % 10)) = 0 ]; then
			# every tenth: apply (it also writes the policy file)
			out=$(efw reload apply "$WORK/$f.json" 2>&1) || {
				RELOAD_FAILS=$((RELOAD_FAILS + 1))
				echo "apply #$i ($f) failed: $out"
			}
		else
			cp "$WORK/$f.json" "$WORK/policy-reload.json"
			out=$(efw reload reload 2>&1) || {
				RELOAD_FAILS=$((RELOAD_FAILS + 1))
				echo "reload #$i ($f) failed: $out"
			}
		fi
	done
	echo "100 reloads in $(since "$t0") s, $RELOAD_FAILS failed; last: $out"
	sleep 0.5
	probe_stop reload
	cat "$WORK/probe-reload.json"
	[ $RELOAD_FAILS = 0 ]
}

reload_q() {
	local f=$WORK/probe-reload.json
	jget "$f" udp
	[ "$(jget "$f" udp.sent)" -ge 200 ] 2>/dev/null && [ "$(jget "$f" udp.lost)" = 0 ]
}

reload_r() {
	local f=$WORK/probe-reload.json got
	got=$(udp_arrived 41004)
	echo "UDP to access:3478 sent: $(jget "$f" blocked_udp.sent), reached the listener: $got"
	echo "TCP to access:80 attempts: $(jget "$f" r_tcp.results)"
	[ "$(jget "$f" blocked_udp.sent)" -ge 200 ] 2>/dev/null && [ "$got" = 0 ] || return 1
	"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["r_tcp"]["results"]; sys.exit(0 if r and set(r) == {"timeout-connect"} else 1)' "$f"
}

reload_stream() { stream_intact reload 200; }

reload_p() {
	local f=$WORK/probe-reload.json
	echo "TCP av:443 attempts: $(jget "$f" p_tcp.results) $(jget "$f" p_tcp.errors)"
	"$PY" - "$f" <<-'EOF'
	import json, sys
	r = json.load(open(sys.argv[1]))["p_tcp"]["results"]
	bad = {k: v for k, v in r.items() if k not in ("ok", "timeout-connect", "timeout-echo")}
	if bad:
	    sys.exit("attempts that neither passed nor were silently dropped: %s" % bad)
	if not r.get("ok"):
	    sys.exit("P never passed although policy A was live half of the time")
	EOF
}

reload_generation() {
	status_json reload
	echo "generation $(jget "$WORK/status-reload.json" policy.generation), crc32 $(jget "$WORK/status-reload.json" policy.crc32)"
	[ "$(jget "$WORK/status-reload.json" policy.generation)" = 101 ] || return 1
	echo "policy A is live: P (TCP av:443) connects"
	tcp_ok $NS_INET $AV 443
}

reload_invalid() {
	local rc=0 vmsg gen0 crc0
	status_json reload
	gen0=$(jget "$WORK/status-reload.json" policy.generation)
	crc0=$(jget "$WORK/status-reload.json" policy.crc32)
	cp "$WORK/policy-reload.json" "$WORK/policy-reload.good"
	cp "$WORK/invalid.json" "$WORK/policy-reload.json"
	vmsg=$("$EDGEFW" validate --node edge1 "$WORK/policy-reload.json" 2>&1 | grep -F 'is reversed' | head -n 1) || true
	echo "validate says: $vmsg"
	efw reload reload >"$WORK/reload-invalid.out" 2>"$WORK/reload-invalid.err" || rc=$?
	cp "$WORK/policy-reload.good" "$WORK/policy-reload.json"
	echo "edgefw reload exited $rc; stderr:"
	sed 's/^/  /' "$WORK/reload-invalid.err"
	[ $rc = 1 ] || { echo "expected exit status 1"; return 1; }
	[ -n "$vmsg" ] && grep -qxF "$vmsg" "$WORK/reload-invalid.err" || { echo "validate's message is missing"; return 1; }
	kill -0 "${AGENT[reload]}" || { echo "the agent died"; return 1; }
	status_json reload
	echo "generation $(jget "$WORK/status-reload.json" policy.generation) (was $gen0), crc32 $(jget "$WORK/status-reload.json" policy.crc32) (was $crc0)"
	[ "$(jget "$WORK/status-reload.json" policy.generation)" = "$gen0" ] &&
		[ "$(jget "$WORK/status-reload.json" policy.crc32)" = "$crc0" ] || return 1
	echo "the old policy (A) is enforced: P connects, TCP access:80 and UDP access:3478 stay blocked"
	tcp_ok $NS_INET $AV 443 && tcp_blocked $NS_INET $ACC 80 &&
		expect_rc 2 nx $NS_INET "${NT[@]}" udp $ACC 3478 --sport 41005 --timeout 0.5 &&
		[ "$(udp_arrived 41005)" = 0 ]
}

# ==== 5. apply --confirm-within ========================================================================

CRC_A='' GEN_A=''
confirm_rollback() {
	local t0 n=0 out opened='' crc gen
	status_json reload
	CRC_A=$(jget "$WORK/status-reload.json" policy.crc32)
	GEN_A=$(jget "$WORK/status-reload.json" policy.generation)
	echo "before: generation $GEN_A, crc32 $CRC_A (policy A)"
	t0=$(now)
	out=$(efw reload apply "$WORK/B.json" --confirm-within 3 2>&1) || { echo "$out"; return 1; }
	echo "$out"
	echo "P (TCP av:443) closes at once:"
	tcp_blocked $NS_INET $AV 443 1 || return 1
	status_json reload
	echo "status while unconfirmed: generation $(jget "$WORK/status-reload.json" policy.generation), confirm_by $(jget "$WORK/status-reload.json" confirm_by_epoch_seconds)"
	while [ $n -lt 40 ]; do
		if nx $NS_INET "${NT[@]}" tcp $AV 443 --timeout 0.25 >/dev/null 2>&1; then
			opened=$(since "$t0")
			break
		fi
		n=$((n + 1))
	done
	echo "P reopened ${opened:-never} s after the apply"
	grep -E 'rolling back|rolled back|reloaded policy' "$WORK/reload.log" | tail -n 3
	[ -n "$opened" ] || return 1
	awk -v t="$opened" 'BEGIN { exit !(t >= 2.0 && t <= 5.5) }' || { echo "expected 2-5.5 s (3 s, checked once a second)"; return 1; }
	status_json reload
	crc=$(jget "$WORK/status-reload.json" policy.crc32)
	gen=$(jget "$WORK/status-reload.json" policy.generation)
	echo "after the rollback: generation $gen, crc32 $crc, confirm_by '$(jget "$WORK/status-reload.json" confirm_by_epoch_seconds)'"
	[ "$crc" = "$CRC_A" ] && [ "$gen" -gt "$GEN_A" ] && [ -z "$(jget "$WORK/status-reload.json" confirm_by_epoch_seconds)" ] &&
		cmp "$WORK/A.json" "$WORK/policy-reload.json" && echo "the policy file is A's"
}

# A confirm disarms the rollback for good: a short window (8 s), and the
# checks run well after it ended (13 s after the apply; the agent looks once
# a second), so a confirm that left the rollback armed is caught.
CONFIRM_WITHIN=8 CONFIRM_WAIT=13
confirm_keeps() {
	local out crc gen crc1 gen1 rb0 rb1 t0 left
	rb0=$(grep -c 'not confirmed in time' "$WORK/reload.log" || true)
	t0=$(now)
	out=$(efw reload apply "$WORK/B.json" --confirm-within $CONFIRM_WITHIN 2>&1) || { echo "$out"; return 1; }
	echo "$out"
	out=$(efw reload confirm 2>&1) || { echo "confirm failed: $out"; return 1; }
	echo "$out"
	status_json reload
	crc1=$(jget "$WORK/status-reload.json" policy.crc32)
	gen1=$(jget "$WORK/status-reload.json" policy.generation)
	echo "confirmed $(since "$t0") s after the apply: generation $gen1, crc32 $crc1 (A was $CRC_A)"
	left=$(awk -v t0="$t0" -v now="$(now)" -v w=$CONFIRM_WAIT 'BEGIN { d = t0 + w - now; printf "%.2f", (d > 0 ? d : 0) }')
	sleep "$left"
	echo "$(since "$t0") s after apply --confirm-within $CONFIRM_WITHIN, P (TCP av:443) is still closed:"
	tcp_blocked $NS_INET $AV 443 1 || return 1
	status_json reload
	crc=$(jget "$WORK/status-reload.json" policy.crc32)
	gen=$(jget "$WORK/status-reload.json" policy.generation)
	rb1=$(grep -c 'not confirmed in time' "$WORK/reload.log" || true)
	echo "generation $gen (was $gen1), crc32 $crc (was $crc1), confirm_by '$(jget "$WORK/status-reload.json" confirm_by_epoch_seconds)', rollbacks logged: $rb1 (before the apply: $rb0)"
	[ -n "$crc1" ] && [ "$crc1" != "$CRC_A" ] && [ "$crc" = "$crc1" ] && [ "$gen" = "$gen1" ] &&
		[ "$rb1" = "$rb0" ] && [ -z "$(jget "$WORK/status-reload.json" confirm_by_epoch_seconds)" ] &&
		cmp "$WORK/B.json" "$WORK/policy-reload.json" && echo "the confirmed policy (B) is still live and is the policy file"
}

confirm_again() {
	expect_rc 1 efw reload confirm
}

# ==== 6. lockout guard ===================================================================================

SSH_CONN="$CORP 50000 $INT 22"

lockout_refuses() {
	local rc=0
	policy_for lock
	timeout 20 env $(agent_env lock) SSH_CONNECTION="$SSH_CONN" nsenter --net=/run/netns/$NS_NODE \
		"$EDGEFW" run --policy "$WORK/policy-lock.json" --node edge1 \
		>"$WORK/lock-refused.events" 2>"$WORK/lock-refused.log" || rc=$?
	echo "SSH_CONNECTION=\"$SSH_CONN\" edgefw run: exit $rc"
	sed 's/^/  /' "$WORK/lock-refused.log"
	[ $rc = 1 ] || { echo "expected exit status 1"; return 1; }
	grep -q 'would cut the connection' "$WORK/lock-refused.log" || { echo "no 'would cut the connection'"; return 1; }
	detached_tag lock
}

lockout_force() {
	XENV=(SSH_CONNECTION="$SSH_CONN")
	start_agent lock lock-force --force || { XENV=(); return 1; }
	XENV=()
	stop_and_detached lock
}

lockout_mgmt() {
	policy_for lock mgmt
	XENV=(SSH_CONNECTION="$SSH_CONN")
	start_agent lock lock-mgmt || { XENV=(); return 1; }
	XENV=()
	stop_and_detached lock
}

# ==== 7. established connections ============================================================================

PICKUP_OK=
pickup_start() {
	local p
	policy_for pickup
	rm -f "$WORK/marker" "$WORK/stop-hold" "$WORK"/ready-hold-*
	for p in 5061 8080; do
		bg_nx $NS_CORP "${LT[@]}" hold $INT $p --marker "$WORK/marker" --stop "$WORK/stop-hold" --max 30 \
			--ready "$WORK/ready-hold-$p" >"$WORK/hold-$p.json" 2>&1 &
		PIDS+=($!)
		HOLD[$p]=$!
	done
	wait_file "$WORK/ready-hold-5061" && wait_file "$WORK/ready-hold-8080" || { echo "the connections did not open"; cat "$WORK"/hold-*.json; return 1; }
	sleep 0.5
	start_agent pickup pickup || return 1
	touch "$WORK/marker"
	sleep 2
	touch "$WORK/stop-hold"
	wait "${HOLD[5061]}" "${HOLD[8080]}" || true
	PICKUP_OK=1
	grep -E 'kept [0-9]+ established TCP connection' "$WORK/pickup.log"
}

pickup_kept() {
	local f=$WORK/hold-5061.json
	cat "$f"
	[ -n "$PICKUP_OK" ] || return 1
	[ "$(jget "$f" sent.after)" -ge 10 ] 2>/dev/null && [ "$(jget "$f" echoed.after)" = "$(jget "$f" sent.after)" ] &&
		[ "$(jget "$f" echoed.before)" = "$(jget "$f" sent.before)" ] && [ -z "$(jget "$f" error)" ]
}

pickup_cut() {
	local f=$WORK/hold-8080.json
	cat "$f"
	[ -n "$PICKUP_OK" ] || return 1
	[ "$(jget "$f" echoed.before)" -ge 1 ] 2>/dev/null || { echo "the connection never worked"; return 1; }
	[ "$(jget "$f" sent.after)" -ge 10 ] 2>/dev/null && [ "$(jget "$f" echoed.after)" = 0 ]
}

# ==== 8. drift ====================================================================================================

drift_repaired() {
	local n=0 t0
	status_json pickup
	echo "drift_total before: $(jget "$WORK/status-pickup.json" drift_total)"
	nx $NS_NODE tc filter del dev $EXT egress handle 0xef1 prio 1 bpf || return 1
	t0=$(now)
	tc_on $EXT && { echo "the filter is still there"; return 1; }
	echo "egress filter deleted from $EXT"
	while ! tc_on $EXT && [ $n -lt 130 ]; do sleep 0.1; n=$((n + 1)); done
	tc_on $EXT || { echo "not back after 13 s"; return 1; }
	echo "back after $(since "$t0") s:"
	tc -n $NS_NODE filter show dev $EXT egress | sed 's/^/  /'
	grep 'drift:' "$WORK/pickup.log"
	status_json pickup
	echo "drift_total $(jget "$WORK/status-pickup.json" drift_total), drift_last: $(jget "$WORK/status-pickup.json" drift_last)"
	[ "$(jget "$WORK/status-pickup.json" drift_total)" -ge 1 ] 2>/dev/null
}

# ==== 9. --keep-on-exit and detach ====================================================================================

keep_on_exit() {
	policy_for keep
	start_agent keep keep-1 --keep-on-exit >/dev/null || { cat "$WORK/keep-1.log"; return 1; }
	stop_agent keep || return 1
	tail -n 1 "$WORK/keep-1.log"
	attached || return 1
	echo "pins: $(ls /sys/fs/bpf/efl-keep | tr '\n' ' ')"
	compgen -G '/sys/fs/bpf/efl-keep/xdp_link_*' >/dev/null && [ -e /sys/fs/bpf/efl-keep/ef_flows ] ||
		{ echo "pins missing"; return 1; }
	echo "still enforcing without an agent: TCP access:80 blocked, TCP access:443 passes"
	tcp_blocked $NS_INET $ACC 80 && tcp_ok $NS_INET $ACC 443
}

detach_refuses() {
	local rc=0
	start_agent keep keep-2 --keep-on-exit >/dev/null || { cat "$WORK/keep-2.log"; return 1; }
	grep -E 'took over|adopted' "$WORK/keep-2.log"
	efw keep detach >"$WORK/detach-refused.out" 2>&1 || rc=$?
	echo "edgefw detach with agent running: exit $rc"
	cat "$WORK/detach-refused.out"
	[ $rc = 1 ] || return 1
	attached && [ -e /sys/fs/bpf/efl-keep/ef_flows ] || { echo "detach removed something"; return 1; }
	stop_agent keep
}

detach_removes() {
	efw keep detach || return 1
	detached_tag keep || return 1
	echo "nothing enforces any more: TCP access:80 connects"
	tcp_ok $NS_INET $ACC 80
}

detach_force() {
	local rc=0
	policy_for keep
	start_agent keep keep-3 >/dev/null || { cat "$WORK/keep-3.log"; return 1; }
	efw keep detach --force >"$WORK/detach-force.out" 2>&1 || rc=$?
	echo "edgefw detach --force with agent running: exit $rc"
	cat "$WORK/detach-force.out"
	[ $rc = 0 ] || return 1
	# --force stops the agent first (SIGTERM; it detaches itself), so
	# nothing holds the XDP links and nothing re-attaches the filters
	local pid=${AGENT[keep]}
	wait "$pid" || { echo "the agent exited with status $?"; rc=1; }
	AGENT[keep]=
	detached_tag keep || rc=1
	sleep 11 # longer than the drift check's interval: nothing comes back
	detached_tag keep || rc=1
	return $rc
}

# ==== main =======================================================================

needs_root
needs_built EDGEFW
needs_tools "apt-get install iproute2 util-linux coreutils" ip tc nsenter timeout

suite_begin lifecycle 300
declare -A HOLD=()

log "== edgefw lifecycle: $EDGEFW ($("$EDGEFW" --version))"
build_topology
start_services
write_policies >/dev/null

log "== topology and policies (no edgefw yet)"
check "topology: internet -> access TCP 443, corporate -> internal TCP 5061" \
	eval "tcp_ok $NS_INET $ACC 443 && tcp_ok $NS_CORP $INT 5061"
check "topology: the listener on access:3478 logs what reaches it" \
	eval "udp_ok $NS_INET $ACC 3478 --sport 41001 && [ \$(udp_arrived 41001) -ge 1 ]"
check "policies: A (shipped, edge1 rewritten), B (A minus ext-av-stun-tcp-443-in), mgmt valid; invalid refused" validate_all
[ $FAIL -eq 0 ] || die "the test topology or policies do not work; not testing edgefw"

log "== 1. systemd unit"
check "systemd-analyze verify edgefw.service (with the built binary)" unit_verifies

log "== 2. sd_notify"
check "sd_notify: READY=1 after STATUS= naming the policy, sent only once enforcing (access:80 already blocked)" notify_ready
check "sd_notify: RELOADING=1 then READY=1 around edgefw reload" notify_reload
check "sd_notify: STOPPING=1 on SIGTERM, exit 0, nothing left attached" notify_stopping

log "== 3. kill -9 and restart under traffic"
check "kill -9: restarted agent took over the pinned maps, generation and XDP links" kill9_restart
check "kill -9: the first (fresh) agent's log does not claim a takeover" kill9_fresh_log
check "kill -9: every allowed UDP probe to av:3478 was answered (5 ms apart, zero loss)" kill9_udp_allowed
check "kill -9: no blocked UDP probe to access:3478 reached the node" kill9_udp_blocked
check "kill -9: the established TCP stream to access:443 never broke" kill9_stream
check "kill -9: stats counters kept (ext-av-stun-udp-3478-in packets only grew)" kill9_counters
check "kill -9: SIGTERM of the restarted agent detaches everything" stop_and_detached kill
check "SIGUSR2 under traffic: exit 0 leaving it all enforcing, the next agent adopts; no probe lost, none blocked passed" handover

log "== 4. 100 reloads under traffic (A <-> B)"
check "reload x100: every reload (and every tenth, apply) succeeded" reload_100
check "reload x100: Q (UDP av:3478, in A and B) never lost a datagram" reload_q
check "reload x100: R (UDP access:3478, TCP access:80, in neither) never passed" reload_r
check "reload x100: the established TCP connection to access:443 (in A and B) never broke" reload_stream
check "reload x100: P (TCP av:443, only in A) passed or was silently dropped, nothing else" reload_p
check "reload x100: generation 101, policy A live" reload_generation
check "reload: an invalid policy is refused (exit 1, validate's message), the old one stays enforced" reload_invalid

log "== 5. apply --confirm-within"
check "apply B --confirm-within 3, no confirm: P closes, reopens after ~3 s, status shows A's crc" confirm_rollback
check "apply B --confirm-within $CONFIRM_WITHIN + confirm: nothing rolls back; ${CONFIRM_WAIT} s later B is live (P closed, same crc32 and generation) and the policy file" confirm_keeps
check "confirm with nothing pending exits 1" confirm_again
check "reload agent: SIGTERM detaches everything" stop_and_detached reload

log "== 6. lockout guard (SSH_CONNECTION=\"$SSH_CONN\")"
check "lockout: run refuses (exit 1, would cut the connection), attaches nothing" lockout_refuses
check "lockout: run --force starts" lockout_force
check "lockout: a management rule for TCP 22 from $CORP: starts without --force" lockout_mgmt

log "== 7. established connections at start"
check "pickup: agent starts with connections open to internal 5061 and 8080" pickup_start
check "pickup: corporate -> internal 5061, opened before start, keeps working" pickup_kept
check "pickup: corporate -> internal 8080 (no rule), opened before start, is cut" pickup_cut

log "== 8. drift"
check "drift: a deleted egress filter is back within 12 s, status shows drift_total >= 1" drift_repaired
check "pickup agent: SIGTERM detaches everything" stop_and_detached pickup

log "== 9. --keep-on-exit and detach"
check "keep-on-exit: SIGTERM leaves XDP, TC and pins; access:80 still blocked" keep_on_exit
check "detach: refused (exit 1) while an agent runs, nothing removed" detach_refuses
check "detach: with no agent, removes XDP, TC filters and pins" detach_removes
check "detach --force with an agent running: stops it, exit 0, nothing of edgefw left attached (and none comes back)" detach_force

summary
