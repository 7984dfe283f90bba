#!/usr/bin/env bash
# bench/store.sh — the storage goals of issue 14, each against its baseline in
# the same round, on a file system the output names:
#   1. the paper matrix x REPS (default 100: 27,100 rollouts, scripted/honest,
#      in-process) with the store and no transcripts  vs  the agent loop with
#      nothing stored (build/bench_loop)                        goal <= 2x
#   2. the same with transcripts  vs  `cp -r` of its output     goal <= 1.3x
#   3. the default `offswitch run` (every reference agent)  vs  `cp -r` of its
#      output                                                   goal <= 2x
# Transcripts on demand (goal 2's other way, which the issue allows): the run
# of 1 (--no-transcripts: the database holds every turn) against `cp -r` of
# 2's output, and `offswitch export` of that run, which then writes the same
# transcripts (checked byte for byte in round 1) and records them, alone and
# added to the run.
# A run syncs what it wrote before it ends (transcripts, then rollouts.jsonl)
# and `cp -r` does not, so 2 and 3 are also printed against `cp -r` followed
# by `sync -f` of the copy's file system (cp_*_sync).
# cpu_s is the median user + system seconds of each variant: an in-process run
# records on a second thread (lib/exec/pipeline.c), so on an idle machine its
# wall time can be under its CPU time; on a loaded one, CPU is what it costs.
# ROUNDS (default 3) interleaved rounds; the median wall seconds of each
# variant and the median of the per-round ratios are printed. BASE_BIN=PATH
# also runs an older build's three runs in each round (the "before" figures).
# Each older build's run sits beside this build's, in alternating order.
# BENCH_DIR (default /var/tmp) is where every output and copy goes: name a
# journaled file system — on ext4 without a journal, creating many files soon
# after deleting many is quadratic in the kernel. Each output is removed as
# soon as no later variant reads it: with a round's 100,000 files left in
# place, the variants late in a round ran up to 1.6x slower than the same
# command early in it. Every variant starts after a `sync -f` of that file
# system (not timed), so none pays for an earlier one's write-back or removal.
# On a loop-mounted image, allocate the image whole (fallocate, and mkfs -E
# nodiscard), or its first writes pay the host file system's allocation.
# `make build/bench_loop` first.
source "$(dirname "$0")/args.sh"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export OFFSWITCH_DATA="$PWD/data"
rounds=${ROUNDS:-3} reps=${REPS:-100} model=${MODEL:-scripted/honest}
bin=$PWD/build/offswitch loop=$PWD/build/bench_loop
base=${BASE_BIN:+$(realpath "$BASE_BIN")}
dir=$(mktemp -d "${BENCH_DIR:-/var/tmp}/ofs-store-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
[ -x "$loop" ] || { echo "store.sh: build/bench_loop is missing (make build/bench_loop)" >&2; exit 2; }

fs=$(findmnt -no SOURCE,FSTYPE,OPTIONS --target "$dir" | tr -s ' ')
journal=$(dumpe2fs -h "$(findmnt -no SOURCE --target "$dir")" 2>/dev/null | grep -q has_journal && echo journaled ||
	echo "journal unknown")
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; $rounds rounds; matrix x $reps of $model; dir $dir on $fs ($journal)"

t() { # t NAME CMD... → appends "NAME seconds" to $dir/times
	local name=$1
	shift
	sync -f "$dir" # each variant starts with nothing left to write back (an earlier one's files, a round's deletions)
	/usr/bin/time -f "%e %U %S" -o "$dir/t" "$@" >/dev/null 2>&1 || { echo "store.sh: $name failed" >&2; exit 1; }
	read -r wall usr sys <"$dir/t"
	echo "$name $wall" >>"$dir/times"
	echo "$name $(awk -v u="$usr" -v s="$sys" 'BEGIN {print u + s}')" >>"$dir/cpu"
}
# nb NAME OUT ARGS...: this build's command (output $o/OUT) and, with BASE_BIN,
# the older build's (base_NAME, $o/bOUT) right after or before it, the order
# swapped every round: a variant run later in a round, with more of the
# round's files on the file system, is slower, and a fixed order would
# charge that to one build.
nb() {
	local name=$1 out=$2
	shift 2
	if [ -z "$base" ] || [ $((r % 2)) = 1 ]; then
		t "$name" "$bin" "$@" --out "$o/$out"
		[ -z "$base" ] || t "base_$name" "$base" "$@" --out "$o/b$out"
	else
		t "base_$name" "$base" "$@" --out "$o/b$out"
		t "$name" "$bin" "$@" --out "$o/$out"
	fi
}
# gone DIR...: outputs no longer needed, removed at once (not timed; the next
# variant's sync writes the removal back), so that every variant meets about
# the same file system — on a journaled one; see BENCH_DIR above.
gone() { rm -rf "$@"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
of() { awk -v n="$1" '$1 == n {print $2}' "${2:-$dir/times}" | median; }

: >"$dir/times"
: >"$dir/cpu"
for r in $(seq "$rounds"); do
	o=$dir/r$r
	mkdir -p "$o"
	t loop "$loop" "$model" "$reps"
	nb db db run --model "$model" --num-experiments "$reps" --no-transcripts --quiet
	t export "$bin" export --from "$o/db"
	nb full full run --model "$model" --num-experiments "$reps" --quiet
	if [ "$r" = 1 ]; then # on demand is the same output, byte for byte
		cmp "$o/db/rollouts.jsonl" "$o/full/rollouts.jsonl" && diff -rq "$o/db/transcripts" "$o/full/transcripts" >/dev/null ||
			{ echo "store.sh: the exported run differs from the run with transcripts" >&2; exit 1; }
		sizes="full: $(du -sh "$o/full" | cut -f1) ($(du -sh "$o/full/offswitch.db" | cut -f1) database)"
	fi
	gone "$o/db" "$o/bdb" "$o/bfull"
	t cp_full cp -r "$o/full" "$o/full.cp"
	gone "$o/full.cp"
	t cp_full_sync sh -c 'cp -r "$1" "$2" && sync -f "$2"' sh "$o/full" "$o/full.cps"
	gone "$o/full.cps" "$o/full"
	nb default def run --quiet
	[ "$r" = 1 ] && sizes="$sizes; default: $(du -sh "$o/def" | cut -f1) ($(find "$o/def/transcripts" -type f | wc -l) transcripts)"
	gone "$o/bdef"
	t cp_default cp -r "$o/def" "$o/def.cp"
	gone "$o/def.cp"
	t cp_default_sync sh -c 'cp -r "$1" "$2" && sync -f "$2"' sh "$o/def" "$o/def.cps"
	gone "$o/def.cps"
	# per-round ratios
	last() { awk -v n="$1" '$1 == n {v = $2} END {print v}' "$dir/times"; }
	ratio() { awk -v a="$(last "$1")" -v b="$(last "$2")" 'BEGIN {printf "%.3f\n", a / b}'; }
	echo "db $(ratio db loop)" >>"$dir/ratios"
	echo "full $(ratio full cp_full)" >>"$dir/ratios"
	echo "ondemand $(ratio db cp_full)" >>"$dir/ratios"
	echo "export $(ratio export cp_full)" >>"$dir/ratios"
	echo "db_export $(awk -v a="$(last db)" -v b="$(last export)" -v c="$(last cp_full)" 'BEGIN {printf "%.3f\n", (a + b) / c}')" >>"$dir/ratios"
	echo "default $(ratio default cp_default)" >>"$dir/ratios"
	echo "full_s $(ratio full cp_full_sync)" >>"$dir/ratios"
	echo "default_s $(ratio default cp_default_sync)" >>"$dir/ratios"
	if [ -n "$base" ]; then
		echo "base_db $(ratio base_db loop)" >>"$dir/ratios"
		echo "base_full $(ratio base_full cp_full)" >>"$dir/ratios"
		echo "base_default $(ratio base_default cp_default)" >>"$dir/ratios"
		echo "base_full_s $(ratio base_full cp_full_sync)" >>"$dir/ratios"
		echo "base_default_s $(ratio base_default cp_default_sync)" >>"$dir/ratios"
	fi
	rm -rf "$o"
done
rmed() { awk -v n="$1" '$1 == n {print $2}' "$dir/ratios" | median; }

printf '%-14s %8s %8s\n' variant seconds cpu_s
for v in loop db full cp_full cp_full_sync export default cp_default cp_default_sync ${base:+base_db base_full base_default}; do
	printf '%-14s %8.2f %8.2f\n' "$v" "$(of "$v")" "$(of "$v" "$dir/cpu")"
done
echo "$sizes"
printf 'goal 1  store, no transcripts / loop:   %5.2fx (goal <= 2)%s\n' "$(rmed db)" \
	"${base:+   before: $(rmed base_db)x}"
printf '        its CPU seconds / the loop\x27s:      %5.2fx\n' "$(awk -v a="$(of db "$dir/cpu")" -v b="$(of loop "$dir/cpu")" 'BEGIN {print a / b}')"
printf 'goal 2  with transcripts / cp -r:       %5.2fx (goal <= 1.3)%s\n' "$(rmed full)" \
	"${base:+   before: $(rmed base_full)x}"
printf '        on demand: the run of goal 1 / cp -r of goal 2\x27s output: %5.2fx\n' "$(rmed ondemand)"
printf '        export of its transcripts / cp -r:      %5.2fx; run + export / cp -r: %5.2fx\n' "$(rmed export)" \
	"$(rmed db_export)"
printf 'goal 3  default run / cp -r:            %5.2fx (goal <= 2)%s\n' "$(rmed default)" \
	"${base:+   before: $(rmed base_default)x}"
printf '        with transcripts / cp -r + sync: %5.2fx%s\n' "$(rmed full_s)" "${base:+   before: $(rmed base_full_s)x}"
printf '        default run / cp -r + sync:      %5.2fx%s\n' "$(rmed default_s)" "${base:+   before: $(rmed base_default_s)x}"
