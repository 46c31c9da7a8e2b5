#!/bin/bash
# valgrind over `edgefw validate` (every example policy, valid and not) and
# a short `edgefw run` in a namespace of its own, stopped with SIGTERM: no
# memory error, no definite leak.  valgrind prints "unhandled eBPF command"
# for BPF commands it does not model (map batch, link create): harmless.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
SUITE=valgrind NS_PREFIX=efv # the namespace efv-node, the pins /sys/fs/bpf/efv
built EDGEFW edgefw
cd "$ROOT"
NS=efv-node
VG=(valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite -q
	--suppressions=tests/valgrind.supp)
on_cleanup() { rm -rf /tmp/efv; }

vg_validate() {
	local p rc fail=0
	for p in policies/*.json tests/schema/valid/*.json tests/schema/invalid/*.json; do
		case $p in *.schema.json) continue ;; esac
		rc=0
		"${VG[@]}" "$EDGEFW" validate --quiet "$p" >/dev/null 2>"$WORK/vg.err" || rc=$?
		if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
			echo "edgefw validate $p (exit $rc)"
			cat "$WORK/vg.err"
			fail=1
		fi
	done
	return $fail
}

vg_run() {
	local rc=0
	EDGEFW_BPFFS_DIR=/sys/fs/bpf/efv EDGEFW_RUN_DIR=/tmp/efv EDGEFW_STATE_DIR=/tmp/efv/state \
		nsenter --net=/run/netns/$NS timeout --preserve-status -s TERM 10 "${VG[@]}" "$EDGEFW" run \
		--policy policies/lync2013-scaled-edge-dnslb-public.json --node edge1 \
		>"$WORK/vg-run.out" 2>"$WORK/vg-run.err" || rc=$?
	[ $rc -eq 0 ] && grep -q 'enforcing policy' "$WORK/vg-run.err" && return 0
	echo "edgefw run: exit $rc"
	grep -v 'unhandled eBPF command' "$WORK/vg-run.err" | tail -30
	return 1
}

suite_begin valgrind
rm -rf /tmp/efv
check "valgrind: edgefw validate on every example policy: no error, no leak" vg_validate
ip netns add $NS
veth $NS eth1 $NS eth1p
veth $NS eth0 $NS eth0p
check "valgrind: edgefw run for 10 s, then SIGTERM: exit 0, no error, no leak" vg_run
summary
