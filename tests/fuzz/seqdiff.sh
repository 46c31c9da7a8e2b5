#!/bin/bash
# The stateful differential check: the same packet sequences through the
# kernel's enforcing program (seq_bpf) and the native reference build of the
# same source (seq_ref); their traces (verdict, reason, rule, events, a
# digest of every table the program writes, after every packet) must be the
# same line for line, and both must agree with the model at every step.
#
# Usage: seqdiff.sh BUILD_FUZZ_DIR (CORPUS_DIR | --seeds FIRST COUNT)...
set -euo pipefail
dir=$1
shift
n=0
while [ $# -gt 0 ]; do
	if [ "$1" = --seeds ]; then
		args=(--seeds "$2" --count "$3")
		what="seeds $2..$(($2 + $3 - 1))"
		shift 3
	else
		args=("$1")
		what="corpus $1 ($(find "$1" -type f | wc -l) files)"
		shift
	fi
	rc=0
	"$dir/seq_bpf" "${args[@]}" >"$dir/seq.bpf" 2>"$dir/seq.bpf.err" || rc=$?
	"$dir/seq_ref" "${args[@]}" >"$dir/seq.ref" 2>"$dir/seq.ref.err" || rc=$((rc | $?))
	if ! diff -u "$dir/seq.bpf" "$dir/seq.ref" >"$dir/seq.diff"; then
		echo "stateful differential ($what): the kernel and the reference disagree (- kernel, + reference):"
		grep -m1 -B8 '^[-+] ' "$dir/seq.diff" | head -30
		exit 1
	fi
	if [ $rc -ne 0 ] || grep -q '^MODEL' "$dir/seq.ref"; then
		echo "stateful differential ($what): the model disagrees (exit $rc):"
		grep -m 20 '^MODEL' "$dir/seq.ref" || true
		cat "$dir/seq.bpf.err" "$dir/seq.ref.err" | tail -5
		exit 1
	fi
	steps=$(grep -c '=>' "$dir/seq.ref" || true)
	seqs=$(grep -c '^[^ ]' "$dir/seq.ref" || true)
	n=$((n + steps))
	echo "stateful differential ($what): $seqs sequences, $steps packets: kernel, reference and model agree on every verdict, reason, rule, event and table"
done
[ $n -gt 0 ] || { echo "stateful differential: no packet was run"; exit 1; }
