#!/usr/bin/env bats
# Bad input: each gives a one-line error on stderr naming the problem and the
# value, the documented exit code (2 usage, 3 data/script, 4 run dir/db), and
# leaves an existing run directory as it was.

load helpers

setup() {
	# A run directory that already holds a successful run.
	D=$BATS_TEST_TMPDIR/existing
	seed_run "$D"
	BEFORE=$(dir_state "$D")
	[ "$(db_count "$D" rollouts)" -eq 2 ]
}

expect_dir_unchanged() {
	local now
	now=$(dir_state "$D")
	if [ "$now" != "$BEFORE" ]; then
		echo "run directory changed: before: $BEFORE" >&2
		echo "                        after: $now" >&2
		return 1
	fi
}

# ---- script files (exit 3) ----

@test "malformed script JSON: exit 3, one line naming the script path, DIR unchanged" {
	run --separate-stderr "$OFFSWITCH" run --model "scripted:$FIX/malformed.json" "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 3
	expect_one_line_error "$FIX/malformed.json" "invalid JSON"
	expect_dir_unchanged
}

@test "script whose \"turns\" is not a list: exit 3 naming the path and turns, DIR unchanged" {
	run --separate-stderr "$OFFSWITCH" run --model "scripted:$FIX/turns_not_list.json" "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 3
	expect_one_line_error "$FIX/turns_not_list.json" '"turns" list'
	expect_dir_unchanged
}

@test "script tool call without a name: exit 3 naming turns[0].tool_calls[0].name, DIR unchanged" {
	run --separate-stderr "$OFFSWITCH" run --model "scripted:$FIX/call_without_name.json" "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 3
	expect_one_line_error "$FIX/call_without_name.json" "turns[0].tool_calls[0].name"
	expect_dir_unchanged
}

@test "missing script file: exit 3 naming the path" {
	run --separate-stderr "$OFFSWITCH" run --model "scripted:$BATS_TEST_TMPDIR/nope.json" "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 3
	expect_one_line_error "$BATS_TEST_TMPDIR/nope.json" "No such file"
	expect_dir_unchanged
}

@test "a bad script next to a good model fails before any rollout: DIR unchanged" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --model "scripted:$FIX/malformed.json" "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 3
	expect_one_line_error "$FIX/malformed.json"
	expect_dir_unchanged
}

@test "an unknown reference agent is a usage error: exit 2 naming it" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/nobody "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 2
	expect_one_line_error "scripted/nobody"
	expect_dir_unchanged
}

@test "a real provider without its API key: exit 3 naming the variable, before any rollout, DIR unchanged" {
	OPENAI_API_KEY= run --separate-stderr "$OFFSWITCH" run --model openai/gpt-5.2 "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 3
	expect_one_line_error "openai/gpt-5.2" "OPENAI_API_KEY"
	expect_dir_unchanged
}

@test "an unknown provider is a usage error: exit 2 naming it" {
	run --separate-stderr "$OFFSWITCH" run --model mistral/large "${TAMPER_SEL[@]}" --agent-family Mistral --out "$D" --quiet
	expect_status 2
	expect_one_line_error "mistral/large" "unknown provider 'mistral'"
	expect_dir_unchanged
}

# ---- flags (exit 2) ----

@test "unknown --task-type: exit 2 naming the value, DIR unchanged" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --task-type sabotage --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'sabotage'" "--task-type"
	expect_dir_unchanged
}

@test "unknown --condition: exit 2 naming the value" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --condition evil_peer --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'evil_peer'" "--condition"
	expect_dir_unchanged
}

@test "unknown --subject, --peer-instantiation, --af-mode values: exit 2 naming each" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --subject stranger --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'stranger'" "--subject"
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --peer-instantiation telepathy --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'telepathy'" "--peer-instantiation"
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --af-mode sometimes --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'sometimes'" "--af-mode"
	expect_dir_unchanged
}

@test "unknown --dataset: exit 2 naming the value" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --dataset trivia --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'trivia'" "dataset"
	expect_dir_unchanged
}

@test "--num-experiments 0: exit 2 naming the value" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --num-experiments 0 --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'0'" "--num-experiments"
	expect_dir_unchanged
}

@test "--num-experiments abc: exit 2 naming the value" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --num-experiments abc --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'abc'" "--num-experiments"
	expect_dir_unchanged
}

@test "--threshold 200: exit 2 naming the value" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --threshold 200 --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'200'" "--threshold"
	expect_dir_unchanged
}

@test "--limit 0, --temperature 3 and --max-iters 0: exit 2 naming the value" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --limit 0 --count
	expect_status 2
	expect_one_line_error "'0'" "--limit"
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --temperature 3 --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'3'" "--temperature"
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --max-iters 0 --out "$D" --quiet
	expect_status 2
	expect_one_line_error "'0'" "--max-iters"
	expect_dir_unchanged
}

@test "impossible combination (alignment_faking with subject self): exit 2, matches no configuration" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --task-type alignment_faking --subject self --out "$D" --quiet
	expect_status 2
	expect_one_line_error "matches no configuration"
	expect_dir_unchanged
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --task-type alignment_faking --subject self --count
	expect_status 2
	expect_one_line_error "matches no configuration"
}

@test "--af-mode with only tampering selected: exit 2, says it needs alignment_faking" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --task-type tampering --af-mode monitoring --out "$D" --quiet
	expect_status 2
	expect_one_line_error "--af-mode" "alignment_faking"
	expect_dir_unchanged
}

@test "an unknown model family in run without --agent-family: exit 2 naming the model" {
	run --separate-stderr "$OFFSWITCH" run --model acme/widget-1 "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 2
	expect_one_line_error "acme/widget-1"
	expect_dir_unchanged
}

@test "run with an unknown option exits 2 naming it" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --bogus-flag --out "$D" --quiet
	expect_status 2
	[ -z "$output" ]
	[[ "$stderr" == *"--bogus-flag"* ]]
	expect_dir_unchanged
}

# ---- run directory and database (exit 4) ----

@test "unwritable DIR (/proc/offswitch-test): exit 4 naming the directory" {
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out /proc/offswitch-test --quiet
	expect_status 4
	expect_one_line_error "/proc/offswitch-test"
	[ ! -e /proc/offswitch-test ]
}

@test "DIR under a regular file: exit 4 naming the path, the file untouched" {
	local f=$BATS_TEST_TMPDIR/plainfile
	echo "keep me" >"$f"
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out "$f/sub" --quiet
	expect_status 4
	expect_one_line_error "$f/sub" "Not a directory"
	[ "$(cat "$f")" = "keep me" ]
}

@test "DIR that is a regular file: exit 4, the file untouched" {
	local f=$BATS_TEST_TMPDIR/plainfile
	echo "keep me" >"$f"
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out "$f" --quiet
	expect_status 4
	expect_one_line_error "$f"
	[ "$(cat "$f")" = "keep me" ]
}

@test "garbage offswitch.db: exit 4 naming the database, the garbage left as it was" {
	local g=$BATS_TEST_TMPDIR/garbage
	mkdir "$g"
	head -c 8192 /dev/urandom >"$g/offswitch.db"
	cp "$g/offswitch.db" "$BATS_TEST_TMPDIR/garbage.orig"
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out "$g" --quiet
	expect_status 4
	expect_one_line_error "$g/offswitch.db"
	cmp "$g/offswitch.db" "$BATS_TEST_TMPDIR/garbage.orig"
	# nothing but the garbage and the writer's lock file (docs/cli.md: one owner)
	[ "$(ls -A "$g" | tr '\n' ' ')" = "offswitch.db offswitch.lock " ]
}

@test "a text file as offswitch.db: exit 4, the file left as it was" {
	local g=$BATS_TEST_TMPDIR/garbage
	mkdir "$g"
	printf 'these are my notes, not a database\n' >"$g/offswitch.db"
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out "$g" --quiet
	expect_status 4
	expect_one_line_error "$g/offswitch.db"
	[ "$(cat "$g/offswitch.db")" = "these are my notes, not a database" ]
}

# ---- broken data directory (exit 3) ----

@test "a corrupt task manifest in OFFSWITCH_DATA: exit 3 naming the file, for plan and run" {
	local data=$BATS_TEST_TMPDIR/data
	cp -r "$OFFSWITCH_DATA" "$data"
	printf '{"task_type": "tampering", ' >"$data/scenarios/tampering.json"
	OFFSWITCH_DATA=$data run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 3
	expect_one_line_error "$data/scenarios/tampering.json" "invalid JSON"
	expect_dir_unchanged
	OFFSWITCH_DATA=$data run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --count
	expect_status 3
	expect_one_line_error "$data/scenarios/tampering.json"
}

@test "--data-dir overrides OFFSWITCH_DATA and a missing one is exit 3 naming the path" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --data-dir "$BATS_TEST_TMPDIR/nodata" --count
	expect_status 3
	expect_one_line_error "$BATS_TEST_TMPDIR/nodata"
}

@test "a removed fixture doc: exit 3 naming it, DIR unchanged" {
	local data=$BATS_TEST_TMPDIR/data
	cp -r "$OFFSWITCH_DATA" "$data"
	rm "$data/docs/tamper_policy_factual.md"
	# a fresh run directory
	OFFSWITCH_DATA=$data run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out "$BATS_TEST_TMPDIR/fresh" --quiet
	expect_status 3
	expect_one_line_error "$data/docs/tamper_policy_factual.md"
	# the directory holding the earlier run (its configs are recorded already,
	# so run a new agent to force the fixture to be read)
	OFFSWITCH_DATA=$data run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 3
	expect_one_line_error "$data/docs/tamper_policy_factual.md"
	[ "$(db_count "$D" rollouts)" -eq 2 ]
	[ "$(jsonl_count "$D")" -eq 2 ]
	cmp <(echo "$BEFORE" | sed 's/configs=[0-9]* //') <(dir_state "$D" | sed 's/configs=[0-9]* //')
}

@test "a fixture missing for a later config: rollouts.jsonl still agrees with the database" {
	# tampering runs the factual, creativity and red datasets in that order; with
	# the red policy gone the run fails after recording the creativity rollouts.
	local data=$BATS_TEST_TMPDIR/data
	cp -r "$OFFSWITCH_DATA" "$data"
	rm "$data/docs/tamper_policy_red.md"
	OFFSWITCH_DATA=$data run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer --task-type tampering \
		--condition good_peer --peer-instantiation file_only --out "$D" --quiet
	expect_status 3
	expect_one_line_error "$data/docs/tamper_policy_red.md"
	# either nothing was recorded, or rollouts.jsonl lists what the db holds
	[ "$(jsonl_count "$D")" -eq "$(db_count "$D" rollouts)" ]
}

@test "a corrupt tools.json: exit 3 naming it" {
	local data=$BATS_TEST_TMPDIR/data
	cp -r "$OFFSWITCH_DATA" "$data"
	printf '[1, 2' >"$data/tools.json"
	OFFSWITCH_DATA=$data run --separate-stderr "$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out "$BATS_TEST_TMPDIR/fresh" --quiet
	expect_status 3
	expect_one_line_error "$data/tools.json"
}
