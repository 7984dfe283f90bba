#!/usr/bin/env bash
# bench/ab.sh OLD_BIN NEW_BIN [ROUNDS] — two builds of offswitch on the same
# job, interleaved (old, new, old, new, ...) so that drift in the machine's
# speed hits both alike. The job is the default suite (every reference agent
# over the whole matrix) with the store and no transcripts, into a fresh
# directory each time. Prints each build's median CPU seconds (user + sys,
# from /usr/bin/time) and peak RSS, and the median of the per-round ratios
# new/old: the figure to quote after a refactor.
BENCH_MIN_ARGS=2 BENCH_MAX_ARGS=3
source "$(dirname "$0")/args.sh"
set -euo pipefail
old=$(realpath "$1") new=$(realpath "$2") rounds=${3:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
export OFFSWITCH_DATA="$root/data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

one() { # one BIN → "cpu_s rss_kib"
	rm -rf "$tmp/out"
	/usr/bin/time -f '%U %S %M' -o "$tmp/t" "$1" run --out "$tmp/out" --quiet --no-transcripts >/dev/null
	awk '{printf "%.3f %d\n", $1 + $2, $3}' "$tmp/t"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

: >"$tmp/old" && : >"$tmp/new" && : >"$tmp/ratio"
one "$old" >/dev/null # warm-up: page cache, data files
for _ in $(seq "$rounds"); do
	a=$(one "$old")
	b=$(one "$new")
	echo "$a" >>"$tmp/old"
	echo "$b" >>"$tmp/new"
	awk -v a="${a%% *}" -v b="${b%% *}" 'BEGIN {printf "%.4f\n", b / a}' >>"$tmp/ratio"
done
printf 'old  cpu %ss  rss %s KiB\n' "$(cut -d' ' -f1 "$tmp/old" | median)" "$(cut -d' ' -f2 "$tmp/old" | median)"
printf 'new  cpu %ss  rss %s KiB\n' "$(cut -d' ' -f1 "$tmp/new" | median)" "$(cut -d' ' -f2 "$tmp/new" | median)"
printf 'new/old cpu, median of %d rounds: %s (min %s, max %s)\n' "$rounds" "$(median <"$tmp/ratio")" \
	"$(sort -g "$tmp/ratio" | head -1)" "$(sort -g "$tmp/ratio" | tail -1)"
