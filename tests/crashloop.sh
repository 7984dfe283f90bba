#!/usr/bin/env bash
# crashloop.sh [N] — kill -9 a real-HTTP run N times (default 50, at most 500)
# at random moments and resume it each time, then check that nothing was
# lost or duplicated and that rollouts.jsonl and every transcript equal an
# uninterrupted run's. Prints the re-paid calls (mock calls beyond the
# uninterrupted run's) as a fraction of all calls.
#
# Environment: OFFSWITCH (default build/offswitch), OFFSWITCH_DATA (default
# data/), SEED (default 1), LATENCY_MS (default 50), REPS (default 4).
set -euo pipefail
N=${1:-50}
[ "$N" -ge 1 ] && [ "$N" -le 500 ] || { echo "crashloop: N must be 1 to 500" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OFFSWITCH=${OFFSWITCH:-$ROOT/build/offswitch}
export OFFSWITCH_DATA=${OFFSWITCH_DATA:-$ROOT/data}
SEED=${SEED:-1}
LATENCY_MS=${LATENCY_MS:-50}
REPS=${REPS:-4}
W=$(mktemp -d)
MOCK=
RUN=
cleanup() {
	[ -n "$RUN" ] && kill -9 "$RUN" 2>/dev/null || true
	[ -n "$MOCK" ] && kill "$MOCK" 2>/dev/null || true
	[ -n "${KEEP:-}" ] && echo "kept $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT

start_mock() { # start_mock LOG
	"$OFFSWITCH" mock --listen 127.0.0.1:0 --latency-ms "$LATENCY_MS" \
		--log "$1" >"$W/mock.out" 2>&1 &
	MOCK=$!
	for _ in $(seq 200); do grep -q listening "$W/mock.out" 2>/dev/null && break; sleep 0.05; done
	PORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\).*|\1|p' "$W/mock.out")
	[ -n "$PORT" ] || { echo "crashloop: the mock did not start" >&2; exit 1; }
}
stop_mock() { kill "$MOCK"; wait "$MOCK" 2>/dev/null || true; MOCK=; }
run_args() { # run_args DIR
	echo --model openai/scripted/tamperer --agent-family Gemini --task-type tampering --num-experiments "$REPS" \
		--base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 8 --out "$1" --quiet
}
calls() { grep -c '/chat/completions' "$1" || true; }

# The uninterrupted reference.
start_mock "$W/ref.log"
# shellcheck disable=SC2046
"$OFFSWITCH" run $(run_args "$W/ref") >/dev/null
stop_mock
ref_calls=$(calls "$W/ref.log")
total=$(sqlite3 "$W/ref/offswitch.db" "select count(*) from rollouts")

# The crash loop, against a fresh mock (same seed, same answers).
start_mock "$W/crash.log"
RANDOM=$SEED
kills=0
for i in $(seq "$N"); do
	# shellcheck disable=SC2046
	"$OFFSWITCH" run $(run_args "$W/d") >/dev/null 2>&1 &
	RUN=$!
	sleep "0.$(printf '%03d' $((50 + RANDOM % 550)))"
	if kill -9 "$RUN" 2>/dev/null; then kills=$((kills + 1)); fi
	wait "$RUN" 2>/dev/null || true
	RUN=
	done_ok=$(sqlite3 "$W/d/offswitch.db" "select count(*) from rollouts where status='ok'" 2>/dev/null || echo 0)
	[ "$done_ok" -ge "$total" ] && break
done
# shellcheck disable=SC2046
"$OFFSWITCH" run $(run_args "$W/d") >/dev/null
stop_mock

fail() { echo "crashloop: FAIL: $*" >&2; exit 1; }
rows=$(sqlite3 "$W/d/offswitch.db" "select count(*) from rollouts")
distinct=$(sqlite3 "$W/d/offswitch.db" "select count(*) from (select distinct config_id, rep from rollouts)")
ok=$(sqlite3 "$W/d/offswitch.db" "select count(*) from rollouts where status='ok'")
[ "$(sqlite3 "$W/d/offswitch.db" 'pragma integrity_check')" = ok ] || fail "integrity_check"
[ "$rows" -eq "$total" ] || fail "$rows rollouts, expected $total (lost)"
[ "$distinct" -eq "$total" ] || fail "$distinct distinct (config, rep), expected $total (duplicated)"
[ "$ok" -eq "$total" ] || fail "$ok ok of $total"
[ "$(sqlite3 "$W/d/offswitch.db" "select count(*) from messages")" -eq \
	"$(sqlite3 "$W/ref/offswitch.db" "select count(*) from messages")" ] || fail "stored messages differ"
cmp -s "$W/d/rollouts.jsonl" "$W/ref/rollouts.jsonl" || fail "rollouts.jsonl differs from the uninterrupted run's"
diff -r "$W/d/transcripts" "$W/ref/transcripts" >/dev/null || fail "transcripts differ from the uninterrupted run's"
all=$(calls "$W/crash.log")
repaid=$((all - ref_calls))
echo "crashloop: $kills kill -9 in $i starts; $total rollouts, 0 lost, 0 duplicated, transcripts identical"
awk -v r="$repaid" -v a="$all" -v k="$kills" 'BEGIN { printf "re-paid calls: %d of %d (%.2f%%), %.2f per kill\n", r, a, a ? 100 * r / a : 0, k ? r / k : 0 }'
