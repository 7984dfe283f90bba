#!/usr/bin/env bats
# Resuming a run directory: rerunning, adding repetitions, and recovering from
# SIGINT and SIGKILL without losing or duplicating rollouts.

load helpers

# The whole reference matrix for one agent is 271 configurations.
BIG_REPS=20
BIG_TOTAL=$((271 * BIG_REPS))

# Wait until the run writing DIR (process $2) has committed its first batch of
# rollouts (the runner commits every 512), so a signal sent now lands mid-run.
wait_for_first_commit() {
	local d=$1 p=$2 i n
	for i in $(seq 1 3000); do
		n=$(sqlite3 "$d/offswitch.db" 'SELECT count(*) FROM rollouts;' 2>/dev/null) || n=0
		[ "${n:-0}" -gt 0 ] && return 0
		kill -0 "$p" 2>/dev/null || break
		sleep 0.01
	done
	echo "the run into $d recorded nothing before exiting or timing out" >&2
	return 1
}

# Start the whole matrix for scripted/honest × BIG_REPS in the background into
# DIR; sets $pid; returns once the first rollouts are committed.
start_big_run() {
	local d=$1
	"$OFFSWITCH" run --model scripted/honest --num-experiments "$BIG_REPS" --no-transcripts --out "$d" --quiet \
		>"$BATS_TEST_TMPDIR/big.out" 2>"$BATS_TEST_TMPDIR/big.err" 3>&- &
	pid=$!
	wait_for_first_commit "$d" "$pid"
}

# No (config_id, rep) pair twice, reps within range, and the exact total.
expect_exact_rollouts() {
	local d=$1 total=$2
	[ "$(sqlite3 "$d/offswitch.db" 'PRAGMA integrity_check;')" = "ok" ]
	[ "$(db_count "$d" rollouts)" -eq "$total" ]
	[ "$(sqlite3 "$d/offswitch.db" 'SELECT count(*) FROM (SELECT DISTINCT config_id, rep FROM rollouts);')" -eq "$total" ]
	[ "$(sqlite3 "$d/offswitch.db" "SELECT count(*) FROM rollouts WHERE rep < 0 OR rep >= $BIG_REPS;")" -eq 0 ]
	[ "$(db_count "$d" configs)" -eq 271 ]
	[ "$(db_count "$d" outcomes)" -eq "$total" ]
	[ "$(jsonl_count "$d")" -eq "$total" ]
	# every (config, rep) appears once in rollouts.jsonl too
	[ "$(python3 -c '
import json, sys
keys = set()
n = 0
for l in open(sys.argv[1]):
    r = json.loads(l)
    keys.add(json.dumps([r[k] for k in ("task_type", "dataset", "threshold", "subject", "condition",
                                        "peer_instantiation", "alignment_faking_mode", "agent_model", "rep")]))
    n += 1
print(n, len(keys))
' "$d/rollouts.jsonl")" = "$total $total" ]
}

@test "running the same command twice records nothing new the second time" {
	local d=$BATS_TEST_TMPDIR/o
	run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$d" --quiet
	expect_status 0
	local before
	before=$(dir_state "$d")
	run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$d" --quiet
	expect_status 0
	[[ "${lines[0]}" == "2 rollout(s) in the plan: 0 run now, 2 already recorded, 0 ended in error ("* ]]
	[ "$(dir_state "$d")" = "$before" ]
	[ "$(db_count "$d" rollouts)" -eq 2 ]
	[ "$(jsonl_count "$d")" -eq 2 ]
	[ "$(db_count "$d" runs)" -eq 2 ]
}

@test "--num-experiments 3 after --num-experiments 1 runs only the 2 missing reps per config" {
	local d=$BATS_TEST_TMPDIR/o
	run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --num-experiments 1 --out "$d" --quiet
	expect_status 0
	local first
	first=$(sqlite3 "$d/offswitch.db" 'SELECT group_concat(id || ":" || config_id || ":" || rep) FROM rollouts;')
	run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --num-experiments 3 --out "$d" --quiet
	expect_status 0
	[[ "${lines[0]}" == "6 rollout(s) in the plan: 4 run now, 2 already recorded, 0 ended in error ("* ]]
	[ "$(db_count "$d" rollouts)" -eq 6 ]
	[ "$(db_count "$d" configs)" -eq 2 ]
	[ "$(jsonl_count "$d")" -eq 6 ]
	[ "$(sqlite3 "$d/offswitch.db" 'SELECT group_concat(reps, " ") FROM (SELECT group_concat(rep, ",") AS reps FROM (SELECT config_id, rep FROM rollouts ORDER BY config_id, rep) GROUP BY config_id);')" = "0,1,2 0,1,2" ]
	# the first run's rollouts are kept as they were
	[ "$(sqlite3 "$d/offswitch.db" 'SELECT group_concat(id || ":" || config_id || ":" || rep) FROM rollouts WHERE rep = 0;')" = "$first" ]
	# and each new rep has its own transcript
	[ -f "$d/transcripts/tampering/factual_80/subject_self/good_peer_file_only/scripted_tamperer/transcript_2.json" ]
}

@test "--num-experiments 1 after 3 runs nothing and keeps all 3 reps" {
	local d=$BATS_TEST_TMPDIR/o
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --num-experiments 3 --out "$d" --quiet >/dev/null
	run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --num-experiments 1 --out "$d" --quiet
	expect_status 0
	[[ "${lines[0]}" == "2 rollout(s) in the plan: 0 run now, 2 already recorded, 0 ended in error ("* ]]
	[ "$(db_count "$d" rollouts)" -eq 6 ]
	[ "$(jsonl_count "$d")" -eq 6 ]
}

@test "a second agent on the same DIR adds its rollouts next to the first" {
	local d=$BATS_TEST_TMPDIR/o
	seed_run "$d"
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out "$d" --quiet
	expect_status 0
	[[ "${lines[0]}" == "2 rollout(s) in the plan: 2 run now, 0 already recorded, 0 ended in error ("* ]]
	[ "$(db_count "$d" rollouts)" -eq 4 ]
	[ "$(jsonl_count "$d")" -eq 4 ]
	[ "$(grep -c '"agent_model":"scripted/tamperer"' "$d/rollouts.jsonl")" -eq 2 ]
	[ "$(grep -c '"agent_model":"scripted/honest"' "$d/rollouts.jsonl")" -eq 2 ]
}

@test "SIGINT mid-run finishes the current rollout, records it, exits 130; rerun completes exactly" {
	local d=$BATS_TEST_TMPDIR/o pid rc=0
	start_big_run "$d"
	kill -INT "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	grep -q "interrupted; run the same command again to resume" "$BATS_TEST_TMPDIR/big.err"
	# what was recorded is consistent: rollouts.jsonl was written from the db
	local n
	n=$(db_count "$d" rollouts)
	[ "$n" -gt 0 ]
	[ "$n" -lt "$BIG_TOTAL" ]
	[ "$(jsonl_count "$d")" -eq "$n" ]
	grep -q "^$BIG_TOTAL rollout(s) in the plan: $n run now, 0 already recorded" "$BATS_TEST_TMPDIR/big.out"
	# resume
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --num-experiments "$BIG_REPS" --no-transcripts --out "$d" --quiet
	expect_status 0
	[[ "${lines[0]}" == "$BIG_TOTAL rollout(s) in the plan: $((BIG_TOTAL - n)) run now, $n already recorded, 0 ended in error ("* ]]
	expect_exact_rollouts "$d" "$BIG_TOTAL"
}

@test "SIGTERM mid-run is handled like SIGINT (exit 130, resumable)" {
	local d=$BATS_TEST_TMPDIR/o pid rc=0
	start_big_run "$d"
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	local n
	n=$(db_count "$d" rollouts)
	[ "$n" -gt 0 ]
	[ "$(jsonl_count "$d")" -eq "$n" ]
}

@test "kill -9 mid-run leaves a database that opens; rerun completes exactly" {
	local d=$BATS_TEST_TMPDIR/o pid rc=0
	start_big_run "$d"
	kill -KILL "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 137 ]
	[ "$(sqlite3 "$d/offswitch.db" 'PRAGMA integrity_check;')" = "ok" ]
	local n
	n=$(db_count "$d" rollouts)
	[ "$n" -gt 0 ]
	[ "$n" -lt "$BIG_TOTAL" ]
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --num-experiments "$BIG_REPS" --no-transcripts --out "$d" --quiet
	expect_status 0
	[[ "${lines[0]}" == "$BIG_TOTAL rollout(s) in the plan: $((BIG_TOTAL - n)) run now, $n already recorded, 0 ended in error ("* ]]
	expect_exact_rollouts "$d" "$BIG_TOTAL"
}

@test "kill -9 mid-run with transcripts: rerun completes and every transcript matches its rollout" {
	# 200 reps (20,200 rollouts): in-process runs commit every 4,096
	# rollouts, so the kill lands after the first commit and well before the end.
	local d=$BATS_TEST_TMPDIR/o pid rc=0
	"$OFFSWITCH" run --model scripted/honest --task-type misrep_evaluation --num-experiments 200 --out "$d" --quiet \
		>/dev/null 2>&1 3>&- &
	pid=$!
	wait_for_first_commit "$d" "$pid"
	kill -KILL "$pid"
	wait "$pid" || rc=$?
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --task-type misrep_evaluation --num-experiments 200 --out "$d" --quiet
	expect_status 0
	[ "$(db_count "$d" rollouts)" -eq $((101 * 200)) ]
	[ "$(sqlite3 "$d/offswitch.db" 'SELECT count(*) FROM (SELECT DISTINCT config_id, rep FROM rollouts);')" -eq $((101 * 200)) ]
	[ "$(jsonl_count "$d")" -eq $((101 * 200)) ]
	python3 - "$d" <<'EOF'
import json, os, sys
d = sys.argv[1]
paths = set()
for line in open(d + "/rollouts.jsonl"):
    r = json.loads(line)
    t = json.load(open(os.path.join(d, r["transcript"])))
    assert t["experiment_metadata"]["rollout_index"] == r["rep"]
    assert t["evaluation"] == r["evaluation"]
    paths.add(r["transcript"])
assert len(paths) == 101 * 200, len(paths)
EOF
}
