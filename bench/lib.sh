# bench/lib.sh — what the bench scripts share, sourced after they set their
# defaults: strict mode, the repository root as working directory, the data
# directory, BENCH_N (best-of count, default 3), a temporary directory $tmp
# removed on exit, and best().
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export OFFSWITCH_DATA="$PWD/data"
n=${BENCH_N:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# best NAME CMD... → prints "NAME secs rss_kib", the fastest of $n runs of CMD
# (its output discarded; $tmp/out removed before each run).
best() {
	local name=$1 b=999999 rss=0
	shift
	for _ in $(seq "$n"); do
		rm -rf "$tmp/out"
		/usr/bin/time -f "%e %M" -o "$tmp/t" "$@" >/dev/null 2>&1
		read -r s m <"$tmp/t"
		if awk "BEGIN{exit !($s < $b)}"; then b=$s; rss=$m; fi
	done
	echo "$name $b $rss"
}
