#!/usr/bin/env bash
# bench/engine.sh — the network engine against `offswitch mock` on loopback:
# 1. the full matrix (271 configs × REPS, default 2) with one reference agent,
#    in-process vs through the mock over HTTP (ratio, same run);
# 2. achieved concurrency at --max-concurrent 200 against a mock answering
#    each call after 500 ms: mean calls in flight / 200 (goal >= 0.9), over
#    enough rollouts (tampering × CONC_REPS, default 30 = 1,710) that the
#    last, partly filled wave weighs little;
# 3. memory per in-flight rollout: the same work (tampering × 8 = 456 rollouts,
#    500 ms calls) at --max-concurrent 200 and 50: (peak RSS difference) / 150
#    (goal <= 64 KiB). Same work, so the store's cache and the templates
#    weigh the same on both sides.
source "$(dirname "$0")/args.sh"
set -euo pipefail
cd "$(dirname "$0")/.."
export OFFSWITCH_DATA="$PWD/data"
reps=${REPS:-2}
tmp=$(mktemp -d)
mock_pid=
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
start_mock() {
	[ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null || true
	build/offswitch mock --listen 127.0.0.1:0 "$@" >"$tmp/mock.out" 2>/dev/null &
	mock_pid=$!
	for _ in $(seq 100); do grep -q listening "$tmp/mock.out" && break; sleep 0.05; done
	url=$(sed -n 's/^listening on //p' "$tmp/mock.out")/v1
}
timed() { # timed NAME CMD... → "NAME seconds rss_kib"
	local name=$1
	shift
	/usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >/dev/null 2>&1 || true
	echo "$name $(cat "$tmp/t")"
}
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores"
start_mock
a=$(timed in-process build/offswitch run --model scripted/honest --agent-family Gemini --num-experiments "$reps" --no-transcripts --quiet --out "$tmp/a")
b=$(timed http-mock build/offswitch run --model openai/scripted/honest --agent-family Gemini --num-experiments "$reps" --no-transcripts --quiet \
	--max-concurrent 64 --base-url "$url" --out "$tmp/b")
n=$(sqlite3 "$tmp/b/offswitch.db" "select count(*) from rollouts where status = 'ok'")
echo "1. full matrix x $reps ($n rollouts ok over HTTP)"
printf '   %-11s %8s %10s\n' variant seconds peak_MiB
for r in "$a" "$b"; do echo "$r" | awk '{printf "   %-11s %8.2f %10.1f\n", $1, $2, $3/1024}'; done
echo "$a $b" | awk '{printf "   ratio http/in-process: %.1f\n", $5/$2}'

start_mock --latency-ms 500
c=$(timed conc200 build/offswitch run --model openai/scripted/honest --agent-family Gemini --task-type tampering --num-experiments "${CONC_REPS:-30}" \
	--no-transcripts --quiet --max-concurrent 200 --base-url "$url" --out "$tmp/c")
calls=$(sqlite3 "$tmp/c/offswitch.db" "select count(*) from messages where role = 'assistant'")
e=$(timed mem200 build/offswitch run --model openai/scripted/honest --agent-family Gemini --task-type tampering --num-experiments 8 \
	--no-transcripts --quiet --max-concurrent 200 --base-url "$url" --out "$tmp/e")
d=$(timed mem50 build/offswitch run --model openai/scripted/honest --agent-family Gemini --task-type tampering --num-experiments 8 \
	--no-transcripts --quiet --max-concurrent 50 --base-url "$url" --out "$tmp/d")
echo "2. $calls calls of 500 ms at --max-concurrent 200:"
echo "$c $calls" | awk '{w=$2; printf "   wall %.2f s, mean in flight %.1f, achieved/configured %.3f\n", w, $4*0.5/w, $4*0.5/w/200}'
echo "3. peak RSS, same 456 rollouts: $(echo "$e" | awk '{printf "%.1f", $3/1024}') MiB at 200 in flight, $(echo "$d" | awk '{printf "%.1f", $3/1024}') MiB at 50"
echo "$e $d" | awk '{printf "   per in-flight rollout: %.1f KiB\n", ($3-$6)/150}'
