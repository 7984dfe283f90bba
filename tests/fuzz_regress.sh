#!/usr/bin/env bash
# tests/fuzz_regress.sh TARGET... — run each libFuzzer target over its seed
# corpus and then explore for a bounded time (FUZZ_SECONDS, default 15) on a
# scratch copy; prints TAP lines so tests/run.sh can count them.
set -u
cd "$(dirname "$0")/.." || exit 1
export OFFSWITCH_DATA="$PWD/data"
secs=${FUZZ_SECONDS:-15}
n=0
rc_all=0
for t in "$@"; do
	n=$((n + 1))
	work=$(mktemp -d)
	cp fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
	if build-fuzz/fuzz_"$t" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work.artifact-" \
		"$work" >"$work.log" 2>&1; then
		echo "ok $n fuzz_$t ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$work.log" | tail -1 | awk '{print $2}') runs)"
		grep -E '^#[0-9]+ +DONE' "$work.log" | sed 's/^/# /'
	else
		echo "not ok $n fuzz_$t"
		tail -40 "$work.log" | sed 's/^/# /'
		for a in "$work".artifact-*; do [ -f "$a" ] && echo "# reproducer (base64): $(base64 -w0 "$a")"; done
		rc_all=1
	fi
	rm -rf "$work" "$work.log" "$work".artifact-*
done
exit $rc_all
