#!/usr/bin/env bash
# tests/run.sh [BUILD_DIR...] [--fuzz] — for each build directory (default
# build), run every unit test binary and every bats file against
# BUILD_DIR/offswitch; with --fuzz, also the fuzz regression. Counts TAP
# results and ends with one line "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
export OFFSWITCH_DATA="$root/data"
builds=()
fuzz=0
for a in "$@"; do
	if [ "$a" = --fuzz ]; then fuzz=1; else builds+=("$a"); fi
done
[ ${#builds[@]} -gt 0 ] || builds=(build)
pass=0
fail=0
log=$(mktemp)
count() { # count TAP lines of one suite's output in $log
	local p f
	p=$(grep -cE '^ok ' "$log")
	f=$(grep -cE '^not ok ' "$log")
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -gt 0 ] || [ "$1" -ne 0 ] && [ "$p" -eq 0 ]; then
		cat "$log"
	fi
	if [ "$1" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "# $2 exited with status $1 without a failing test: counted as a failure"
		fail=$((fail + 1))
	fi
}
for build in "${builds[@]}"; do
export OFFSWITCH="$root/$build/offswitch"
for t in "$build"/tests/*/test_*; do
	[ -x "$t" ] || continue
	echo "# $t"
	"$t" >"$log" 2>&1
	rc=$?
	grep -E '^(not ok|#)' "$log" | head -50
	count "$rc" "$t"
done
if command -v bats >/dev/null 2>&1; then
	for b in tests/cli/*.bats; do
		[ -f "$b" ] || continue
		echo "# $b"
		bats --tap "$b" >"$log" 2>&1
		rc=$?
		grep -E '^(not ok|#)' "$log" | head -50
		count "$rc" "$b"
	done
else
	echo "# bats not installed: CLI tests not run"
	fail=$((fail + 1))
fi
done
echo "# tests/layers.sh"
tests/layers.sh >"$log" 2>&1
rc=$?
grep -E '^(not ok|#)' "$log" | head -50
count "$rc" tests/layers.sh
if [ -x build-tsan/offswitch ] && [ -x "${builds[0]}/offswitch" ]; then
	echo "# tests/tsan.sh"
	tests/tsan.sh build-tsan/offswitch "${builds[0]}/offswitch" >"$log" 2>&1
	rc=$?
	grep -E '^(not ok|#)' "$log" | head -50
	count "$rc" tests/tsan.sh
fi
if [ "$fuzz" = 1 ]; then
	echo "# fuzz regression"
	tests/fuzz_regress.sh $(ls build-fuzz/fuzz_* | sed "s|.*/fuzz_||") >"$log" 2>&1
	rc=$?
	cat "$log"
	count "$rc" fuzz
fi
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
