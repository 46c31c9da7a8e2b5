#!/bin/bash
# Differential check: every packet of CORPUS through the reference
# classifier and through the real program; the verdicts, reasons and
# rules must be the same for every input.  Usage: diff.sh BUILD CORPUS
set -euo pipefail
build=$1 corpus=$2
"$build/bpf_verdicts" "$corpus" >"$build/verdicts.bpf"
# compare the inputs the kernel could run
"$build/ref_verdicts" "$corpus" | awk 'NR == FNR { run[$1] = 1; next } ($1 in run)' \
	"$build/verdicts.bpf" - >"$build/verdicts.ref"
n=$(wc -l <"$build/verdicts.bpf")
if ! diff -u "$build/verdicts.bpf" "$build/verdicts.ref" >"$build/verdicts.diff"; then
	echo "differential: the reference and the kernel disagree (< kernel, > reference):"
	grep '^[-+][^-+]' "$build/verdicts.diff" | head -40
	exit 1
fi
[ "$n" -gt 0 ] || { echo "differential: no input was classified"; exit 1; }
echo "differential: $n inputs, the reference and the kernel agree on every verdict, reason and rule"
