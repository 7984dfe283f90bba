#!/usr/bin/env bash
# bench/scan.sh — `offswitch scan` (the live detectors' rules, lib/watch)
# over the reference agents' transcripts against the built-in detectors over
# the same rollouts (`offswitch rescore --no-transcripts`: every stored
# rollout's outcome recomputed from the database), each the best of BENCH_N
# (default 3) in one run, as rollouts per second and a ratio.
# Usage: bench/scan.sh [REPS (default 3): rollouts per configuration]
#        OFFSWITCH=path/to/offswitch to bench another build.
BENCH_MAX_ARGS=1
source "$(dirname "$0")/args.sh"
reps=${1:-3}
source "$(dirname "$0")/lib.sh"
bin=${OFFSWITCH:-$PWD/build/offswitch}
[ -x "$bin" ] || { echo "bench/scan.sh: build $bin first (make)" >&2; exit 1; }

"$bin" run --num-experiments "$reps" --out "$tmp/ref" --quiet >/dev/null
rollouts=$(wc -l <"$tmp/ref/rollouts.jsonl")
bytes=$(du -sb "$tmp/ref/transcripts" | cut -f1)
# scan exits 1 when it raises alerts (it does: the reference agents misbehave)
read -r _ s_scan m_scan < <(best scan sh -c '"$0" scan --alerts "$1/alerts.jsonl" "$1/ref" || [ $? = 1 ]' "$bin" "$tmp")
read -r _ s_res m_res < <(best rescore "$bin" rescore --from "$tmp/ref" --no-transcripts)
alerts=$("$bin" scan "$tmp/ref" 2>/dev/null | wc -l || true)
awk -v r="$rollouts" -v b="$bytes" -v a="$alerts" -v ss="$s_scan" -v ms="$m_scan" -v sr="$s_res" -v mr="$m_res" 'BEGIN {
	printf "%d rollouts (%d reference agents x the matrix), %.1f MiB of transcripts, %d alerts (best of '"$n"')\n", r, 11, b / 1048576, a
	printf "%-46s %7.2f s %9.0f rollouts/s %7.1f MiB RSS\n", "offswitch scan (rules over transcripts)", ss, r / ss, ms / 1024
	printf "%-46s %7.2f s %9.0f rollouts/s %7.1f MiB RSS\n", "offswitch rescore --no-transcripts (detectors)", sr, r / sr, mr / 1024
	printf "throughput ratio (scan / rescore): %.2fx\n", sr / ss
}'
