#!/usr/bin/env bash
# bench/report_html.sh — opening the HTML report of the full matrix × REPS
# (default 100: 27,100 rollouts, one reference agent) in headless Chromium
# (`--headless=new --dump-dom`, a fresh profile per open): wall seconds and
# the peak RSS of Chromium's largest process (/usr/bin/time %M), best of
# BENCH_N. Baseline in the same run: an empty page opened the same way.
# Also timed: the page opened on a rollout (#rollout-<id>), which inflates
# the packed rollout store and draws the transcript browser.
# BASE_BIN=path/to/an/older/offswitch adds that build's page (the "before").
# The page files live in a mktemp directory (the filesystem is printed).
source "$(dirname "$0")/args.sh"

source "$(dirname "$0")/lib.sh"
reps=${REPS:-100}
model=${MODEL:-scripted/faker}
chromium=$(command -v chromium || command -v chromium-browser)
build/offswitch run --model "$model" --num-experiments "$reps" --no-transcripts --quiet --out "$tmp/run" >/dev/null
rows=$(sqlite3 "$tmp/run/offswitch.db" "select count(*) from rollouts")
build/offswitch report "$tmp/run" --html "$tmp/page.html" >/dev/null 2>&1
[ -n "${BASE_BIN:-}" ] && "$BASE_BIN" report "$tmp/run" --html "$tmp/before.html" >/dev/null 2>&1
echo '<!doctype html><html><head><meta charset="utf-8"><title>empty</title></head><body></body></html>' >"$tmp/empty.html"
rid=$(sqlite3 "$tmp/run/offswitch.db" "select min(id) from rollouts")
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $("$chromium" --version 2>/dev/null | head -1), model $model, $rows rollouts," \
	"tmp on $(df -T "$tmp" | awk 'NR==2{print $2}')"
# open_page URL (a command, so that best can time it)
open_page=(bash -c 'rm -rf "$1" && exec "$0" --headless=new --disable-gpu --no-sandbox --no-first-run \
	--user-data-dir="$1" --virtual-time-budget=5000 --dump-dom "$2"' "$chromium" "$tmp/prof")
r0=$(best empty-page "${open_page[@]}" "file://$tmp/empty.html")
rs=("$r0")
[ -f "$tmp/before.html" ] && rs+=("$(best before "${open_page[@]}" "file://$tmp/before.html")")
rs+=("$(best report "${open_page[@]}" "file://$tmp/page.html")")
rs+=("$(best report#rollout "${open_page[@]}" "file://$tmp/page.html#rollout-$rid")")
base=$(echo "$r0" | awk '{print $2}')
printf '%-15s %8s %10s %8s\n' page seconds peak_MiB ratio
for r in "${rs[@]}"; do
	echo "$r" | awk -v b="$base" '{printf "%-15s %8.2f %10.1f %8.2f\n", $1, $2, $3/1024, (b > 0 ? $2/b : 0)}'
done
echo "page: $(du -h "$tmp/page.html" | cut -f1)${BASE_BIN:+, before: $(du -h "$tmp/before.html" | cut -f1)}"
