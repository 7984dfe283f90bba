#!/usr/bin/env bats
# Sharded runs (run --shard I/N) and merging their directories (offswitch merge):
# the shards split the plan exactly, survive kill -9, and merge into what a single
# run of the plan records, byte for byte.

load helpers

teardown() {
	[ -n "${MOCK:-}" ] && kill "$MOCK" 2>/dev/null || true
}

# A small plan with several tasks, agents and reps (plan --list order).
SMALL=(--model scripted/honest --model scripted/tamperer --model scripted/exfiltrator --task-type tampering
	--task-type exfiltration_transfer --num-experiments 2)

# Run the default job (every reference agent, whole matrix) as one run into
# $T/single/run and as shards 0..2 of 3 into $T/s0 $T/s1 $T/s2.
run_default_three_ways() {
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/single" "$T/merged"
	for i in 0 1 2; do
		run "$OFFSWITCH" run --shard "$i/3" --out "$T/s$i" --quiet
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[[ "$output" == *"in shard $i/3 of the plan"* ]]
	done
	run "$OFFSWITCH" run --out "$T/single/run" --quiet
	[ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "plan --shard: the N shards' rollouts are disjoint and their union is the plan, for N = 1, 2, 3, 7" {
	run "$OFFSWITCH" plan "${SMALL[@]}" --list
	[ "$status" -eq 0 ]
	for k in $output; do printf '%s 0\n%s 1\n' "$k" "$k"; done | sort >"$BATS_TEST_TMPDIR/plan"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/plan")" -gt 20 ]
	for n in 1 2 3 7; do
		: >"$BATS_TEST_TMPDIR/union"
		for ((i = 0; i < n; i++)); do
			"$OFFSWITCH" plan "${SMALL[@]}" --list --shard "$i/$n" >>"$BATS_TEST_TMPDIR/union"
		done
		# disjoint: no rollout twice; union: exactly the plan's
		[ -z "$(sort "$BATS_TEST_TMPDIR/union" | uniq -d)" ]
		sort "$BATS_TEST_TMPDIR/union" | diff - "$BATS_TEST_TMPDIR/plan"
	done
	# The same shard of the same plan is the same rollouts every time.
	a=$("$OFFSWITCH" plan "${SMALL[@]}" --list --shard 1/3)
	b=$("$OFFSWITCH" plan "${SMALL[@]}" --list --shard 1/3)
	[ "$a" = "$b" ]
	run "$OFFSWITCH" plan "${SMALL[@]}" --shard 1/3
	[ "$status" -eq 0 ]
	[[ "$output" == *"shard 1/3: 152 of 456 rollout(s)"* ]]
	[ "$("$OFFSWITCH" plan "${SMALL[@]}" --count --shard 2/7)" -eq "$("$OFFSWITCH" plan "${SMALL[@]}" --list --shard 2/7 | wc -l)" ]
}

@test "merge of shards 0/3, 1/3, 2/3 of the default job equals one run: rollouts.jsonl, transcripts, report; shards balanced" {
	run_default_three_ways
	run "$OFFSWITCH" merge "$T/merged/run" "$T/s2" "$T/s0" "$T/s1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"merged into $T/merged/run from 3 of 3 shard(s)"* ]]
	cmp "$T/merged/run/rollouts.jsonl" "$T/single/run/rollouts.jsonl"
	diff -r "$T/merged/run/transcripts" "$T/single/run/transcripts"
	# The same report, read from directories of the same name.
	a=$(cd "$T/merged" && "$OFFSWITCH" report run)
	b=$(cd "$T/single" && "$OFFSWITCH" report run)
	[ -n "$a" ] && [ "$a" = "$b" ]
	run "$OFFSWITCH" check "$T/merged/run"
	[ "$status" -eq 0 ]
	# Shards: disjoint, together the plan, each recorded in shard.json.
	cat "$T"/s{0,1,2}/rollouts.jsonl | sort | diff - <(sort "$T/single/run/rollouts.jsonl")
	grep -q '"shard": 1, "of": 3' "$T/s1/shard.json"
	# Balance by what the rollouts actually cost (model turns): the busiest shard
	# within 5% of the mean (docs/cluster.md; measured: 1.001).
	python3 - "$T"/s{0,1,2}/rollouts.jsonl <<-'EOF'
		import json, sys
		turns = [sum(json.loads(l)["usage"]["num_turns"] for l in open(p)) for p in sys.argv[1:]]
		ratio = max(turns) / (sum(turns) / len(turns))
		print("turns per shard", turns, "max/mean", ratio)
		assert ratio <= 1.05, ratio
	EOF
}

# Start shard 1/2 of scripted/honest × 20 reps in the background into DIR; $pid.
# 100 reps (13,550 rollouts in the shard): in-process runs commit every 4,096
# rollouts, so the kill after the first commit lands mid-run.
start_big_shard() {
	"$OFFSWITCH" run --model scripted/honest --num-experiments 100 --no-transcripts --shard 1/2 --out "$1" --quiet \
		>/dev/null 2>&1 3>&- &
	pid=$!
	local i n
	for i in $(seq 1 1000); do
		n=$(sqlite3 "$1/offswitch.db" 'SELECT count(*) FROM rollouts;' 2>/dev/null) || n=0
		[ "${n:-0}" -gt 0 ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	echo "the shard recorded nothing before exiting" >&2
	return 1
}

@test "a shard killed with kill -9 mid-run resumes to exactly its rollouts, the same as an uninterrupted run of it" {
	d=$BATS_TEST_TMPDIR/killed
	start_big_shard "$d"
	kill -9 "$pid"
	wait "$pid" || true
	before=$(db_count "$d" rollouts)
	[ "$before" -lt 13550 ] # 271 configurations × 100 reps / 2
	run "$OFFSWITCH" run --model scripted/honest --num-experiments 100 --no-transcripts --shard 1/2 --out "$d" --quiet
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"13550 rollout(s) in shard 1/2 of the plan"* ]]
	[ "$(db_count "$d" rollouts)" -eq 13550 ]
	"$OFFSWITCH" run --model scripted/honest --num-experiments 100 --no-transcripts --shard 1/2 --out "$BATS_TEST_TMPDIR/whole" --quiet
	cmp "$d/rollouts.jsonl" "$BATS_TEST_TMPDIR/whole/rollouts.jsonl"
	cmp "$d/shard.json" "$BATS_TEST_TMPDIR/whole/shard.json"
}

@test "resuming a shard directory as another shard, another plan or unsharded is refused (exit 4); so is sharding an unsharded run" {
	d=$BATS_TEST_TMPDIR/s
	"$OFFSWITCH" run "${SMALL[@]}" --shard 0/3 --out "$d" --quiet
	state=$(dir_state "$d")
	run "$OFFSWITCH" run "${SMALL[@]}" --shard 1/3 --out "$d" --quiet
	[ "$status" -eq 4 ]
	[[ "$output" == *"holds shard 0/3, not 1/3: resume it with --shard 0/3"* ]]
	run "$OFFSWITCH" run "${SMALL[@]}" --shard 0/4 --out "$d" --quiet
	[ "$status" -eq 4 ]
	run "$OFFSWITCH" run "${SMALL[@]}" --out "$d" --quiet
	[ "$status" -eq 4 ]
	[[ "$output" == *"holds shard 0/3 of a plan: resume it with --shard 0/3"* ]]
	run "$OFFSWITCH" run "${SMALL[@]}" --num-experiments 3 --shard 0/3 --out "$d" --quiet
	[ "$status" -eq 4 ]
	[[ "$output" == *"of another plan"* ]]
	[ "$(dir_state "$d")" = "$state" ]
	run "$OFFSWITCH" run "${SMALL[@]}" --shard 0/3 --out "$d" --quiet
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 run now"* ]]
	"$OFFSWITCH" run "${SMALL[@]}" --out "$BATS_TEST_TMPDIR/u" --quiet
	run "$OFFSWITCH" run "${SMALL[@]}" --shard 0/3 --out "$BATS_TEST_TMPDIR/u" --quiet
	[ "$status" -eq 4 ]
	[[ "$output" == *"holds an unsharded run"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/u/shard.json" ]
}

@test "bad --shard values are usage errors (exit 2) naming the flag, for run and plan" {
	for v in 3/3 0/0 -1/3 x 1/ /3 1/3/4 a/b 0/100001 ""; do
		for cmd in run plan; do
			run "$OFFSWITCH" "$cmd" --model scripted/honest --shard "$v" --out "$BATS_TEST_TMPDIR/o"
			[ "$status" -eq 2 ] || { echo "$cmd --shard '$v': $status $output"; false; }
			[[ "$output" == *"--shard"* ]]
		done
	done
	[ ! -e "$BATS_TEST_TMPDIR/o" ]
	run "$OFFSWITCH" run --model scripted/honest --shard 3/3
	[[ "$output" == *"below N"* ]]
}

@test "merge: an identical duplicate is taken once; an overlap that disagrees is refused naming both directories and the rollout" {
	T=$BATS_TEST_TMPDIR
	for i in 0 1 2; do "$OFFSWITCH" run "${SMALL[@]}" --shard "$i/3" --out "$T/s$i" --quiet; done
	"$OFFSWITCH" run "${SMALL[@]}" --out "$T/single" --quiet
	cp -r "$T/s1" "$T/copy"
	run "$OFFSWITCH" merge "$T/m1" "$T/s0" "$T/s1" "$T/copy" "$T/s2"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"(152 duplicate(s) taken once)"* ]]
	cmp "$T/m1/rollouts.jsonl" "$T/single/rollouts.jsonl"
	# The copy's first rollout now ended differently.
	sqlite3 "$T/copy/offswitch.db" "UPDATE rollouts SET status = 'error:http_400' WHERE id = (SELECT min(id) FROM rollouts);"
	run "$OFFSWITCH" merge "$T/m2" "$T/s0" "$T/s1" "$T/copy" "$T/s2"
	[ "$status" -eq 4 ]
	[[ "$output" == *"$T/s1 and $T/copy both recorded rollout tampering|"*" rep "*", differently"* ]]
	[ ! -e "$T/m2/offswitch.db" ]
	# A changed turn (same status) is refused too.
	cp -r "$T/s1" "$T/copy2"
	sqlite3 "$T/copy2/offswitch.db" "UPDATE messages SET content = (SELECT min(id) FROM blobs)
		WHERE role = 'assistant' AND rollout_id = (SELECT min(id) FROM rollouts) AND idx = (SELECT min(idx)
		FROM messages WHERE role = 'assistant' AND rollout_id = (SELECT min(id) FROM rollouts));"
	run "$OFFSWITCH" merge "$T/m3" "$T/s1" "$T/copy2"
	[ "$status" -eq 4 ]
	[[ "$output" == *"both recorded rollout"* ]]
}

@test "merge refuses what it cannot fold: no shard.json, other plans, OUT not new, a shard in use; a missing shard is exit 5" {
	T=$BATS_TEST_TMPDIR
	for i in 0 1; do "$OFFSWITCH" run "${SMALL[@]}" --shard "$i/2" --out "$T/s$i" --quiet; done
	"$OFFSWITCH" run "${SMALL[@]}" --out "$T/plain" --quiet
	"$OFFSWITCH" run "${SMALL[@]}" --num-experiments 1 --shard 1/2 --out "$T/other" --quiet
	run "$OFFSWITCH" merge "$T/m" "$T/s0" "$T/plain"
	[ "$status" -eq 4 ]
	[[ "$output" == *"$T/plain is not a shard directory"* ]]
	run "$OFFSWITCH" merge "$T/m" "$T/s0" "$T/other"
	[ "$status" -eq 4 ]
	[[ "$output" == *"$T/s0 and $T/other are shards of different plans"* ]]
	run "$OFFSWITCH" merge "$T/plain" "$T/s0" "$T/s1"
	[ "$status" -eq 4 ]
	[[ "$output" == *"holds a run already"* ]]
	run "$OFFSWITCH" merge "$T/s0" "$T/s0" "$T/s1"
	[ "$status" -eq 4 ]
	[ ! -e "$T/m" ]
	# Only one of two shards: merged, but the plan is not whole.
	run "$OFFSWITCH" merge "$T/half" "$T/s1"
	[ "$status" -eq 5 ]
	[[ "$output" == *"from 1 of 2 shard(s)"* ]]
	[[ "$output" == *"rollout(s) of the plan are in no directory given"* ]]
	# A shard being written is refused, not read half way.
	exec 9>"$T/s0/offswitch.lock"
	flock -n 9
	run "$OFFSWITCH" merge "$T/m4" "$T/s0" "$T/s1"
	exec 9>&-
	[ "$status" -eq 4 ]
	[[ "$output" == *"in use"* ]]
	run "$OFFSWITCH" merge
	[ "$status" -eq 2 ]
	run "$OFFSWITCH" merge "$T/m5"
	[ "$status" -eq 2 ]
	run "$OFFSWITCH" merge --layout nope "$T/m5" "$T/s0"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--layout"* ]]
}

# The n-th ```bash block of docs/cluster.md.
doc_block() {
	python3 - "$ROOT/docs/cluster.md" "$1" "$2" <<-'EOF'
		import re, sys
		blocks = re.findall(r"```" + sys.argv[3] + r"\n(.*?)```", open(sys.argv[1]).read(), re.S)
		sys.stdout.write(blocks[int(sys.argv[2])])
	EOF
}

@test "docs/cluster.md: the sbatch scripts run three array tasks and merge them into the single run; the Job manifests parse" {
	T=$BATS_TEST_TMPDIR
	doc_block 0 bash >"$T/shards.sbatch"
	doc_block 1 bash >"$T/merge.sbatch"
	grep -q 'SBATCH --array=0-7' "$T/shards.sbatch"
	export PATH="$(dirname "$OFFSWITCH"):$PATH" RUN=$T/run MODEL=scripted/tamperer REPS=2
	for i in 0 1 2; do
		SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=3 bash "$T/shards.sbatch"
	done
	[ -f "$T/run/shard-2/shard.json" ]
	run bash "$T/merge.sbatch"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	"$OFFSWITCH" run --model scripted/tamperer --num-experiments 2 --judge none --quiet --out "$T/single"
	cmp "$T/run/merged/rollouts.jsonl" "$T/single/rollouts.jsonl"
	# A rerun of one task (N given, as the doc says) resumes it: nothing new.
	run env SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=1 N=3 bash "$T/shards.sbatch"
	[ "$status" -eq 0 ]
	python3 - "$ROOT/docs/cluster.md" <<-'EOF'
		import re, sys, yaml
		docs = [d for b in re.findall(r"```yaml\n(.*?)```", open(sys.argv[1]).read(), re.S) for d in yaml.safe_load_all(b)]
		jobs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Job"}
		shards = jobs["offswitch-shards"]["spec"]
		assert shards["completionMode"] == "Indexed"
		args = shards["template"]["spec"]["containers"][0]["args"][0]
		assert '--shard "$JOB_COMPLETION_INDEX/%d"' % shards["completions"] in args, args
		assert "offswitch merge" in jobs["offswitch-merge"]["spec"]["template"]["spec"]["containers"][0]["args"][0]
	EOF
}

@test "shards over HTTP (the network engine, offswitch mock) merge into the single run over HTTP" {
	T=$BATS_TEST_TMPDIR
	"$OFFSWITCH" mock --listen 127.0.0.1:0 >"$T/mock.out" 2>"$T/mock.err" &
	MOCK=$!
	for _ in $(seq 100); do
		grep -q listening "$T/mock.out" 2>/dev/null && break
		sleep 0.05
	done
	PORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\).*|\1|p' "$T/mock.out")
	[ -n "$PORT" ]
	export OPENAI_API_KEY=test-key
	sel=(--model openai/scripted/tamperer --model scripted/honest --agent-family Gemini --task-type tampering
		--dataset factual --num-experiments 3 --base-url "http://127.0.0.1:$PORT/v1" --judge none --quiet)
	for i in 0 1; do
		run "$OFFSWITCH" run "${sel[@]}" --shard "$i/2" --out "$T/s$i"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
	done
	"$OFFSWITCH" run "${sel[@]}" --out "$T/single"
	kill "$MOCK"
	[ "$(jsonl_count "$T/s0")" -gt 0 ] && [ "$(jsonl_count "$T/s1")" -gt 0 ]
	grep -q '"agent_model":"openai/scripted/tamperer"' "$T/s1/rollouts.jsonl"
	[ $(($(jsonl_count "$T/s0") + $(jsonl_count "$T/s1"))) -eq "$(jsonl_count "$T/single")" ]
	run "$OFFSWITCH" merge "$T/merged" "$T/s0" "$T/s1"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cmp "$T/merged/rollouts.jsonl" "$T/single/rollouts.jsonl"
	diff -r "$T/merged/transcripts" "$T/single/transcripts"
}
