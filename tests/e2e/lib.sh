#!/bin/bash
# Helpers shared by the end-to-end suites (run.sh, lifecycle.sh, shield.sh):
# sourced, not run.  The suite defines WORK, PASS, FAIL and FAILED.

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
