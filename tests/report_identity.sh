#!/usr/bin/env bash
# tests/report_identity.sh OLD_BIN NEW_BIN RUN_DIR — the report's
# behaviour-preservation check: both builds' `offswitch report` over the same
# finished run directory, in every format (and --rollouts, --compare, the HTML
# page), must match byte for byte. Exit 0 when every output matches.
set -uo pipefail
old=$(realpath "$1") new=$(realpath "$2") dir=$(realpath "$3")
root=$(cd "$(dirname "$0")/.." && pwd)
export OFFSWITCH_DATA="$root/data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
cases=("--format text" "--format md" "--format csv" "--format json" "--format json --rollouts")
for i in "${!cases[@]}"; do
	# shellcheck disable=SC2086
	"$old" report "$dir" ${cases[$i]} >"$work/old.$i" 2>&1
	# shellcheck disable=SC2086
	"$new" report "$dir" ${cases[$i]} >"$work/new.$i" 2>&1
	cmp -s "$work/old.$i" "$work/new.$i" || { echo "report-identity: differs: ${cases[$i]}"; fail=1; }
done
"$old" report "$dir" "$dir" --compare --format json >"$work/old.cmp" 2>&1
"$new" report "$dir" "$dir" --compare --format json >"$work/new.cmp" 2>&1
cmp -s "$work/old.cmp" "$work/new.cmp" || { echo "report-identity: differs: --compare"; fail=1; }
"$old" report "$dir" --html "$work/old.html" >/dev/null 2>&1
"$new" report "$dir" --html "$work/new.html" >/dev/null 2>&1
cmp -s "$work/old.html" "$work/new.html" || { echo "report-identity: differs: --html"; fail=1; }
[ "$fail" = 0 ] && echo "report-identity: byte-identical"
exit "$fail"
