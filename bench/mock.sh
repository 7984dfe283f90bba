#!/usr/bin/env bash
# bench/mock.sh — `offswitch mock` throughput on the full matrix (271 configs ×
# REPS, default 2; reference agent scripted/honest over OpenAI Chat,
# --max-concurrent 64). For each mock binary (this build's, and BASE_BIN —
# an older build — when given; ORIG_BIN, a second older one, as mock-orig)
# the same engine (this build) runs the matrix through it; printed: wall
# seconds, the engine's CPU seconds (user + sys, bash's `time`; for
# in-process, the whole run's), the mock's CPU seconds (utime + stime from
# /proc), model calls, calls per mock CPU-second (its capacity on this
# machine, independent of the engine's share of the cores) and per wall
# second. Baseline in the same run: the matrix in-process (no HTTP), and the
# ratio HTTP/in-process. With BASE_BIN, also http-before: BASE_BIN's engine
# through BASE_BIN's mock (the whole HTTP path as it was), beside mock-now
# (this build's engine and mock). ROUNDS (default 3) interleaved rounds, best
# kept; then each HTTP variant's ratio round by round (median, range). Both
# cores are busy in the HTTP runs (engine + mock CPU near 2x the wall), so the
# CPU columns say where a gain can come from.
source "$(dirname "$0")/args.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
export OFFSWITCH_DATA="$PWD/data"
reps=${REPS:-2}
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
mock_pid=
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
tck=$(getconf CLK_TCK)
TIMEFORMAT='%3R %3U %3S'
# timed FILE CMD... → CMD's output discarded; "wall cpu" (user + sys) in FILE
timed() {
	local f=$1
	shift
	{ time "$@" >/dev/null 2>&1; } 2>"$f" || true
	awk '{ print $1, $2 + $3 }' "$f"
}
# through NAME MOCK_BIN [ENGINE_BIN] → "NAME wall eng_cpu mock_cpu calls" (engine: this build's)
through() {
	rm -rf "$tmp/b" "$tmp/mock.out"
	"$2" mock --listen 127.0.0.1:0 >"$tmp/mock.out" 2>/dev/null &
	mock_pid=$!
	for _ in $(seq 100); do grep -q listening "$tmp/mock.out" 2>/dev/null && break; sleep 0.05; done
	local url eng cpu calls
	url=$(sed -n 's/^listening on //p' "$tmp/mock.out")/v1
	eng=$(timed "$tmp/time" "${3:-build/offswitch}" run --model openai/scripted/honest --agent-family Gemini --num-experiments "$reps" \
		--no-transcripts --quiet --max-concurrent 64 --base-url "$url" --out "$tmp/b")
	cpu=$(awk -v t="$tck" '{print ($14 + $15) / t}' "/proc/$mock_pid/stat")
	kill "$mock_pid" && wait "$mock_pid" 2>/dev/null || true
	mock_pid=
	calls=$(sqlite3 "$tmp/b/offswitch.db" "select count(*) from messages where role = 'assistant'")
	echo "$1 $eng $cpu $calls"
}
inproc() {
	rm -rf "$tmp/a"
	echo "in-process $(timed "$tmp/time" build/offswitch run --model scripted/honest --agent-family Gemini --num-experiments "$reps" \
		--no-transcripts --quiet --out "$tmp/a") 0 0"
}
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, full matrix x $reps, best of $rounds interleaved rounds"
: >"$tmp/all"
for _ in $(seq "$rounds"); do
	inproc >>"$tmp/all"
	[ -n "${ORIG_BIN:-}" ] && through mock-orig "$ORIG_BIN" >>"$tmp/all"
	[ -n "${BASE_BIN:-}" ] && through mock-before "$BASE_BIN" >>"$tmp/all"
	[ -n "${BASE_BIN:-}" ] && through http-before "$BASE_BIN" "$BASE_BIN" >>"$tmp/all"
	through mock-now build/offswitch >>"$tmp/all"
done
# best (lowest wall; lowest cpu) per variant
awk '{ if (!($1 in w) || $2 < w[$1]) w[$1] = $2; if (!($1 in e) || $3 < e[$1]) e[$1] = $3; if (!($1 in c) || $4 < c[$1]) c[$1] = $4
	n[$1] = $5; if (!($1 in o)) o[$1] = ++k }
END {
	printf "%-12s %8s %8s %9s %7s %13s %13s %9s\n", "variant", "wall_s", "eng_cpu", "mock_cpu", "calls", "calls/cpu_s", "calls/wall_s", "x_inproc"
	for (v in o) ord[o[v]] = v
	for (i = 1; i <= k; i++) { v = ord[i]
		printf "%-12s %8.3f %8.3f %9.2f %7d %13.0f %13.0f %9.2f\n", v, w[v], e[v], c[v], n[v], (c[v] > 0 ? n[v] / c[v] : 0), (n[v] > 0 ? n[v] / w[v] : 0), w[v] / w["in-process"] }
}' "$tmp/all"
# The same ratio round by round (each HTTP run against the in-process run of
# its own round), median and range: steadier than best-of when the machine's
# speed drifts within the run.
awk '$1 == "in-process" { base = $2; next } { r[$1] = r[$1] " " $2 / base; if (!($1 in o)) o[$1] = ++k }
END {
	for (v in o) ord[o[v]] = v
	for (i = 1; i <= k; i++) { v = ord[i]; m = split(substr(r[v], 2), a, " ")
		for (x = 2; x <= m; x++) for (y = x; y > 1 && a[y - 1] + 0 > a[y] + 0; y--) { t = a[y]; a[y] = a[y - 1]; a[y - 1] = t }
		med = m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
		printf "%-12s x_inproc per round: median %.2f, range %.2f-%.2f (%d rounds)\n", v, med, a[1], a[m], m }
}' "$tmp/all"
