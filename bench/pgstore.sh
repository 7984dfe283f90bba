#!/usr/bin/env bash
# bench/pgstore.sh — the PostgreSQL store against SQLite in the same run,
# and offswitch worker scaling (issue 12). A throwaway PostgreSQL 15 is
# started as the tests start it (tests/cli/pg_helpers.bash: unix socket,
# fsync off — a local server, so the figures are the store's own cost, not
# a network's). Prints:
#   1. in-process: the reference agents over the tampering task (PG_REPS
#      rollouts per configuration, no transcripts) into SQLite and into
#      PostgreSQL: best-of-N seconds and µs per rollout; ratio PG/SQLite.
#   2. network: the same plan over `offswitch mock --latency-ms 50` (every
#      turn stored before the next request): seconds per run, both stores.
#   3. workers: 1, 2 and 4 `offswitch worker` processes over the mock with
#      latency (WORKER_LATENCY ms per call, --max-concurrent 4 each) on one
#      queued plan: rollouts per second and scaling efficiency
#      (throughput_n / (n × throughput_1)).
source "$(dirname "$0")/args.sh"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export OFFSWITCH_DATA="$root/data"
OFS=${OFFSWITCH:-$root/build/offswitch}
N=${BENCH_N:-3}
REPS=${PG_REPS:-20}
LAT=${WORKER_LATENCY:-100}
tmp=$(mktemp -d)
BATS_TEST_DIRNAME=$root/tests/cli
# shellcheck source=/dev/null
. "$root/tests/cli/pg_helpers.bash"
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL 15 not installed ($PG_BIN)" >&2; exit 1; }
mock=
cleanup() {
	[ -n "$mock" ] && kill "$mock" 2>/dev/null || true
	pg_stop
	rm -rf "$tmp"
}
trap cleanup EXIT
pg_start

start_mock() {
	[ -n "$mock" ] && kill "$mock" 2>/dev/null && wait "$mock" 2>/dev/null || true
	"$OFS" mock --listen 127.0.0.1:0 --latency-ms "$1" >"$tmp/mock.out" 2>/dev/null &
	mock=$!
	for _ in $(seq 100); do grep -q listening "$tmp/mock.out" && break; sleep 0.05; done
	base="http://127.0.0.1:$(sed -n 's|.*127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/mock.out")/v1"
}
now() { date +%s.%N; }
db=0
fresh_db() { db=$((db + 1)); pg_createdb "b$db"; u=$(pg_url "b$db"); } # sets u
best() { sort -g | head -1; }

REF=(--model scripted/honest --model scripted/tamperer --task-type tampering --num-experiments "$REPS" --no-transcripts --quiet)
rollouts=$("$OFS" plan --model scripted/honest --model scripted/tamperer --task-type tampering --num-experiments "$REPS" |
	sed -n 's/.* = \([0-9]*\) rollout(s)$/\1/p')
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on a unix socket"
echo "## in-process, $rollouts rollouts (reference agents, no transcripts), best of $N"
: >"$tmp/sq" && : >"$tmp/pg"
for _ in $(seq "$N"); do
	rm -rf "$tmp/o"
	t0=$(now); "$OFS" run "${REF[@]}" --out "$tmp/o" >/dev/null; t1=$(now)
	echo "$t1 - $t0" | bc >>"$tmp/sq"
	fresh_db; rm -rf "$tmp/o"
	t0=$(now); "$OFS" run "${REF[@]}" --out "$tmp/o" --store "$u" >/dev/null; t1=$(now)
	echo "$t1 - $t0" | bc >>"$tmp/pg"
done
s=$(best <"$tmp/sq") p=$(best <"$tmp/pg")
printf 'store       seconds  us_per_rollout  ratio\n'
printf 'sqlite     %8.3f  %14.0f  %5.2f\n' "$s" "$(echo "$s * 1000000 / $rollouts" | bc -l)" 1
printf 'postgresql %8.3f  %14.0f  %5.2f\n' "$p" "$(echo "$p * 1000000 / $rollouts" | bc -l)" "$(echo "$p / $s" | bc -l)"
printf 'overhead of postgresql: %.0f us per rollout\n' "$(echo "($p - $s) * 1000000 / $rollouts" | bc -l)"

NET=(--model openai/scripted/tamperer --model openai/scripted/honest --agent-family Gemini --task-type tampering --dataset factual)
echo "## network engine over the mock (--latency-ms 50, --max-concurrent 8), $("$OFS" plan "${NET[@]}" | sed -n 's/.* = \([0-9]*\) rollout(s)$/\1/p') rollouts, best of $N"
start_mock 50
: >"$tmp/sq" && : >"$tmp/pg"
for _ in $(seq "$N"); do
	rm -rf "$tmp/o"
	t0=$(now); "$OFS" run "${NET[@]}" --base-url "$base" --max-concurrent 8 --out "$tmp/o" --quiet >/dev/null; t1=$(now)
	echo "$t1 - $t0" | bc >>"$tmp/sq"
	fresh_db; rm -rf "$tmp/o"
	t0=$(now); "$OFS" run "${NET[@]}" --base-url "$base" --max-concurrent 8 --out "$tmp/o" --store "$u" --quiet >/dev/null; t1=$(now)
	echo "$t1 - $t0" | bc >>"$tmp/pg"
done
s=$(best <"$tmp/sq") p=$(best <"$tmp/pg")
printf 'sqlite %.3f s, postgresql %.3f s, ratio %.2f\n' "$s" "$p" "$(echo "$p / $s" | bc -l)"

WSEL=("${NET[@]}" --num-experiments "${WORKER_REPS:-3}")
echo "## workers over the mock (--latency-ms $LAT, --max-concurrent 4 each)"
start_mock "$LAT"
printf 'workers  rollouts  seconds  rollouts_per_s  efficiency\n'
t1rate=
for w in 1 2 4; do
	fresh_db
	"$OFS" run "${WSEL[@]}" --store "$u" --enqueue >/dev/null
	n=$(pg_q "b$db" "select count(*) from work")
	t0=$(now)
	pids=()
	for i in $(seq "$w"); do
		"$OFS" worker --store "$u" --base-url "$base" --max-concurrent 4 --no-transcripts --quiet --out "$tmp/w$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$(now)
	secs=$(echo "$t1 - $t0" | bc -l)
	rate=$(echo "$n / $secs" | bc -l)
	[ -z "$t1rate" ] && t1rate=$rate
	printf '%7d  %8d  %7.2f  %14.2f  %10.2f\n' "$w" "$n" "$secs" "$rate" "$(echo "$rate / ($w * $t1rate)" | bc -l)"
done
