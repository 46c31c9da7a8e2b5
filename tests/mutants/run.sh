#!/bin/bash
# make mutants: apply each break of tests/mutants/mutants.txt to a copy of
# the working tree, build the fast suites there and run them; every break
# must be caught.  Prints one line per mutant and a summary; exits 1 if one
# survived (or no longer applies).  Root (the program tests load BPF).
#   MUTANTS=name1,name2   only these
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${MUTANTS_DIR:-$ROOT/build/mutants}
LIST=$ROOT/tests/mutants/mutants.txt
PY=/usr/bin/python3
mkdir -p "$WORK"
rm -rf "$WORK/tree" "$WORK/orig"
mkdir -p "$WORK/tree" "$WORK/orig"
# the working tree as it is now (tracked and untracked files, not ignored
# ones); every mutant starts from this snapshot, whatever happens in ROOT
(cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$WORK/orig")
cp -a "$WORK/orig/." "$WORK/tree/"
ROOT_SRC=$WORK/orig

names=$("$PY" "$ROOT/tests/mutants/mutants.py" names "$LIST")
killed=0 survived=0 broken=0
declare -a SURV=()
for name in $names; do
	if [ -n "${MUTANTS:-}" ] && ! grep -qw "$name" <<<"${MUTANTS//,/ }"; then
		continue
	fi
	log=$WORK/$name.log
	# restore every file, then apply this mutant
	file=$("$PY" "$ROOT/tests/mutants/mutants.py" apply "$LIST" "$name" "$ROOT_SRC" "$WORK/tree")
	case $file in
	NOAPPLY*)
		echo "BROKEN   $name: ${file#NOAPPLY }"
		broken=$((broken + 1)); SURV+=("$name (does not apply)"); continue ;;
	esac
	start=$(date +%s)
	if ! make -C "$WORK/tree" -j2 --no-print-directory BUILD=build BPF_EXTRA=-Wno-unused-function \
		build/tests/test_prog \
		build/fuzz/seq_ref >"$log" 2>&1; then
		echo "BROKEN   $name: does not build (see $log)"
		broken=$((broken + 1)); SURV+=("$name (does not build)")
	else
		caught=()
		(cd "$WORK/tree" && build/tests/test_prog) >>"$log" 2>&1 || caught+=(program-tests)
		(cd "$WORK/tree" && build/fuzz/seq_ref tests/fuzz/corpus-seq && \
			build/fuzz/seq_ref --seeds 1 --count 60) >"$WORK/$name.seq" 2>&1 || caught+=(stateful-model)
		if [ ${#caught[@]} -gt 0 ]; then
			killed=$((killed + 1))
			first=$(grep -m1 '^MODEL' "$WORK/$name.seq" | cut -c1-150)
			printf 'KILLED   %-24s by %s (%ss)%s\n' "$name" "${caught[*]}" $(($(date +%s) - start)) \
				"${first:+
         first: $first}"
		else
			survived=$((survived + 1)); SURV+=("$name")
			printf 'SURVIVED %-24s (%ss)\n' "$name" $(($(date +%s) - start))
		fi
	fi
	# undo
	cp "$ROOT_SRC/$file" "$WORK/tree/$file"
done
echo "mutants: $killed killed, $survived survived, $broken broken${SURV:+ (${SURV[*]})}"
[ $survived -eq 0 ] && [ $broken -eq 0 ]
