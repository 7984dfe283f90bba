#!/usr/bin/env bash
# bench/report.sh — `offswitch report` over the full matrix × 100 (27,100
# rollouts) of one reference agent, from stored columns. Baseline in the same run:
# the sqlite3 shell printing the same columns the report reads (the floor for
# reading them at all).
source "$(dirname "$0")/args.sh"

source "$(dirname "$0")/lib.sh"
reps=${REPS:-100}
model=${MODEL:-scripted/faker}
build/offswitch run --model "$model" --num-experiments "$reps" --no-transcripts --quiet --out "$tmp/run" >/dev/null
rows=$(sqlite3 "$tmp/run/offswitch.db" "select count(*) from rollouts")
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, model $model, $rows rollouts"
r0=$(best sqlite-read sqlite3 -csv "$tmp/run/offswitch.db" "select r.id, r.rep, r.status, c.task_type, c.dataset, c.threshold, c.subject, c.condition, c.peer_instantiation, c.alignment_faking_mode, c.agent_model, o.* from rollouts r join configs c on c.id = r.config_id left join outcomes o on o.rollout_id = r.id order by r.id")
r1=$(best report-text build/offswitch report "$tmp/run")
r2=$(best report-json build/offswitch report "$tmp/run" --format json --rollouts)
r3=$(best report-html build/offswitch report "$tmp/run" --html "$tmp/r.html")
base=$(echo "$r0" | awk '{print $2}')
printf '%-13s %8s %10s %8s\n' variant seconds peak_MiB ratio
for r in "$r0" "$r1" "$r2" "$r3"; do
	echo "$r" | awk -v b="$base" '{printf "%-13s %8.2f %10.1f %8.2f\n", $1, $2, $3/1024, (b > 0 ? $2/b : 0)}'
done
[ -f "$tmp/r.html" ] && echo "html: $(du -h "$tmp/r.html" | cut -f1)"
