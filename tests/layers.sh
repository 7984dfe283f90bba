#!/usr/bin/env bash
# tests/layers.sh — the library's layering, checked from its #include lines
# (TAP). Each folder of lib/ sits on a floor; a file may include the public
# header of its own floor or a lower one, and the private headers of its own
# folder only. docs/architecture.md draws the same floors.
set -u
cd "$(dirname "$0")/.." || exit 1

# floor of each lib/ folder, lowest first
declare -A floor=(
	[core]=1 [records]=2 [scenario]=2 [tools]=3 [agent]=4 [wire]=5 [net]=6 [provider]=7
	[store]=8 [audit]=2 [eval]=9 [watch]=9 [exec]=10 [stats]=11 [report]=12 [mock]=13 [proxy]=13 [harness]=14
)
# the folder that implements each public header
declare -A home=(
	[util.h]=core [error.h]=core [lock.h]=core [fs.h]=core [chat.h]=records [outcome.h]=records
	[scenario.h]=scenario [world.h]=scenario [loop.h]=agent [wire.h]=wire [http.h]=net [h1.h]=net [retry.h]=net [webhook.h]=net [listen.h]=net
	[provider.h]=provider [store.h]=store [detect.h]=eval [judge.h]=eval [interview.h]=eval [plan.h]=exec
	[run.h]=exec [import.h]=exec [audit.h]=audit [watch.h]=watch [stats.h]=stats [report.h]=report [mock.h]=mock [proxy.h]=proxy [harness.h]=harness
)

n=0 bad=0
check() { # check WHERE FLOOR FOLDER INCLUDE
	local where=$1 f=$2 dir=$3 inc=$4 h d
	n=$((n + 1))
	case $inc in
	offswitch/*)
		h=${inc#offswitch/}
		d=${home[$h]:-}
		if [ -z "$d" ]; then
			echo "not ok $n - $where includes $inc, a public header with no floor in tests/layers.sh"
			bad=$((bad + 1))
		elif [ "${floor[$d]}" -gt "$f" ]; then
			echo "not ok $n - $where (floor $f) includes $inc from lib/$d (floor ${floor[$d]}): a lower layer includes a higher one"
			bad=$((bad + 1))
		fi
		;;
	*/*)
		if [ "${inc%%/*}" != "$dir" ]; then
			echo "not ok $n - $where includes $inc, another folder's private header"
			bad=$((bad + 1))
		fi
		;;
	esac
}

for d in "${!floor[@]}"; do
	[ -d "lib/$d" ] || { echo "not ok - lib/$d is listed in tests/layers.sh but does not exist"; bad=$((bad + 1)); continue; }
done
for dir in lib/*/; do
	d=$(basename "$dir")
	if [ -z "${floor[$d]:-}" ]; then
		echo "not ok - lib/$d has no floor in tests/layers.sh"
		bad=$((bad + 1))
		continue
	fi
	for file in "$dir"*.[ch]; do
		while read -r inc; do
			check "$file" "${floor[$d]}" "$d" "$inc"
		done < <(sed -n 's/^#include "\(.*\)".*/\1/p' "$file")
	done
done
for hdr in include/offswitch/*.h; do
	h=$(basename "$hdr")
	d=${home[$h]:-}
	if [ -z "$d" ]; then
		echo "not ok - $hdr has no floor in tests/layers.sh"
		bad=$((bad + 1))
		continue
	fi
	while read -r inc; do
		check "$hdr" "${floor[$d]}" "$d" "$inc"
	done < <(sed -n 's/^#include "\(.*\)".*/\1/p' "$hdr")
done
if [ "$bad" -eq 0 ]; then
	echo "ok 1 - $n #include lines follow the floors of lib/"
	exit 0
fi
exit 1
