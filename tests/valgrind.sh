#!/bin/bash
# valgrind over `edgefw validate` (every example policy, valid and not) and
# a short `edgefw run` in a namespace of its own, stopped with SIGTERM: no
# memory error, no definite leak.  valgrind prints "unhandled eBPF command"
# for BPF commands it does not model (map batch, link create): harmless.
set -euo pipefail
cd "$(dirname "$0")/.."
EDGEFW=${EDGEFW:-build/edgefw}
NS=efv-node
VG=(valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite -q
    --suppressions=tests/valgrind.supp)
cleanup() { ip netns del $NS 2>/dev/null || true; rm -rf /sys/fs/bpf/efv /tmp/efv; }
trap cleanup EXIT
cleanup
fail=0
for p in policies/*.json tests/schema/valid/*.json tests/schema/invalid/*.json; do
	case $p in *.schema.json) continue ;; esac
	rc=0
	"${VG[@]}" "$EDGEFW" validate --quiet "$p" >/dev/null 2>/tmp/vg.err || rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
		echo "FAIL  valgrind: edgefw validate $p (exit $rc)"; cat /tmp/vg.err; fail=1
	fi
done
[ $fail = 0 ] && echo "PASS  valgrind: edgefw validate on every example policy: no error, no leak"
ip netns add $NS
ip link add eth1 netns $NS type veth peer name eth1p netns $NS
ip link add eth0 netns $NS type veth peer name eth0p netns $NS
ip -n $NS link set eth1 up
ip -n $NS link set eth0 up
rc=0
EDGEFW_BPFFS_DIR=/sys/fs/bpf/efv EDGEFW_RUN_DIR=/tmp/efv EDGEFW_STATE_DIR=/tmp/efv/state nsenter --net=/run/netns/$NS \
	timeout --preserve-status -s TERM 10 "${VG[@]}" "$EDGEFW" run \
	--policy policies/lync2013-scaled-edge-dnslb-public.json --node edge1 \
	>/tmp/vg-run.out 2>/tmp/vg-run.err || rc=$?
if [ $rc -eq 0 ] && grep -q 'enforcing policy' /tmp/vg-run.err; then
	echo "PASS  valgrind: edgefw run for 10 s, then SIGTERM: exit 0, no error, no leak"
else
	echo "FAIL  valgrind: edgefw run (exit $rc)"; grep -v 'unhandled eBPF command' /tmp/vg-run.err | tail -30
	fail=1
fi
exit $fail
