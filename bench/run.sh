#!/usr/bin/env bash
# bench/run.sh — the full matrix (271 configs × REPS rollouts, default 100 =
# 27,100) with one reference agent, in-process, three ways in the same run:
#   loop      plan → loop → tools → detectors, nothing stored (bench_loop; the baseline)
#   run-db    `offswitch run --no-transcripts`: + SQLite store and rollouts.jsonl
#   run-full  `offswitch run`: + one transcript JSON file per rollout
# Each is timed best-of-N (BENCH_N, default 3) with peak RSS from /usr/bin/time.
source "$(dirname "$0")/args.sh"
source "$(dirname "$0")/lib.sh"
reps=${REPS:-100}
model=${MODEL:-scripted/honest}
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(uname -m), model $model, $reps rollouts per config"
build/bench_loop "$model" "$reps"
r1=$(best loop build/bench_loop "$model" "$reps")
r2=$(best run-db build/offswitch run --model "$model" --num-experiments "$reps" --no-transcripts --quiet --out "$tmp/out")
r3=$(best run-full build/offswitch run --model "$model" --num-experiments "$reps" --quiet --out "$tmp/out")
base=$(echo "$r1" | awk '{print $2}')
printf '%-10s %8s %10s %8s\n' variant seconds peak_MiB ratio
for r in "$r1" "$r2" "$r3"; do
	echo "$r" | awk -v b="$base" '{printf "%-10s %8.2f %10.1f %8.2f\n", $1, $2, $3/1024, $2/b}'
done
build/offswitch run --model "$model" --num-experiments "$reps" --quiet --out "$tmp/out" >/dev/null
echo "run directory: $(du -sh "$tmp/out" | cut -f1) ($(du -sh "$tmp/out/offswitch.db" | cut -f1) database, $(find "$tmp/out/transcripts" -type f | wc -l) transcripts)"
