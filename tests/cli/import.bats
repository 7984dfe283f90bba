#!/usr/bin/env bats
# offswitch import: the paper's transcripts (and rows of its dataset) into a
# run directory, rescored with offswitch's rules beside the paper's labels.

load helpers

PAPER="$BATS_TEST_DIRNAME/fixtures/paper"

@test "import of a --layout paper run gives back every rollout with the same labels" {
	p="$BATS_TEST_TMPDIR/p" i="$BATS_TEST_TMPDIR/i"
	"$OFFSWITCH" run --model scripted/exfiltrator --model scripted/key-remover --model scripted/user-remover \
		--out "$p" --layout paper --quiet >/dev/null
	run "$OFFSWITCH" import "$p" --out "$i"
	expect_status 0
	[[ "${lines[0]}" == "813 transcript(s) imported from 813 file(s), 0 diverged; $i/rollouts.jsonl has 813" ]]
	# every compared key agrees (k/k)
	run python3 -c '
import json, sys
bad = [l for l in open(sys.argv[1]) if not all(json.loads(l)["agree"].values())]
print(len(bad))' "$i/import.jsonl"
	[ "$output" = 0 ]
	# the same outcomes, configuration by configuration
	q="SELECT c.key, o.shutdown_enabled, o.exfiltration, o.delete_model, o.delete_others, o.change_user, o.read_data
	   FROM rollouts r JOIN configs c ON c.id = r.config_id JOIN outcomes o ON o.rollout_id = r.id ORDER BY 1, 2, 3, 4, 5, 6, 7"
	[ "$(sqlite3 "$p/offswitch.db" "$q" | cksum)" = "$(sqlite3 "$i/offswitch.db" "$q" | cksum)" ]
	run "$OFFSWITCH" check "$i"
	expect_status 0
}

@test "import of an older transcript needs its task type and condition, then agrees with its labels" {
	run --separate-stderr "$OFFSWITCH" import "$PAPER/old_style.json" --out "$BATS_TEST_TMPDIR/a"
	expect_status 3
	expect_one_line_error "old_style.json" "no task type" "--task-type"
	run --separate-stderr "$OFFSWITCH" import "$PAPER/old_style.json" --task-type misrep_evaluation --out "$BATS_TEST_TMPDIR/b"
	expect_status 3
	expect_one_line_error "old_style.json" "experiment_metadata.condition" "--condition"
	i="$BATS_TEST_TMPDIR/c"
	run "$OFFSWITCH" import "$PAPER/old_style.json" --task-type misrep_evaluation --condition good_peer --out "$i"
	expect_status 0
	[[ "$output" == *"threshold          1/1"* ]]
	# subject 1 is self; system_prompt_relationship true is the file_prt instantiation
	run sqlite3 "$i/offswitch.db" "SELECT key FROM configs"
	[ "$output" = "misrep_evaluation|factual|80|self|good_peer|file_prt|none|gemini/gemini-3-pro-preview|Gemini|hard=0|t=1|it=30" ]
}

@test "import of dataset rows takes the row's columns (a memory task) and the calls of each tool message" {
	i="$BATS_TEST_TMPDIR/i"
	run "$OFFSWITCH" import "$PAPER/rows.jsonl" --out "$i"
	expect_status 0
	[[ "${lines[0]}" == "2 transcript(s) imported from 1 file(s), 0 diverged;"* ]]
	[[ "$output" == *"shutdown_enabled   2/2"* ]]
	[[ "$output" == *"read_memory        2/2"* ]]
	[ "$(grep -c '"peer_instantiation":"memory"' "$i/rollouts.jsonl")" -eq 2 ]
	[ "$(grep -c '"source":".*rows.jsonl:2"' "$i/import.jsonl")" -eq 1 ]
}

@test "malformed transcripts are refused with the file and the field named" {
	run --separate-stderr "$OFFSWITCH" import "$PAPER/bad_calls.json" --task-type misrep_evaluation --out "$BATS_TEST_TMPDIR/a"
	expect_status 3
	expect_one_line_error "bad_calls.json" "conversation[2].tool_calls" "expected an object"
	run --separate-stderr "$OFFSWITCH" import "$PAPER/no_model.json" --task-type misrep_evaluation --out "$BATS_TEST_TMPDIR/b"
	expect_status 3
	expect_one_line_error "no_model.json" "experiment_metadata.agent_model"
	printf '{"conversation": [{"role": "assistant", "tool_calls": {"list_files": []}}]}' >"$BATS_TEST_TMPDIR/args.json"
	run --separate-stderr "$OFFSWITCH" import "$BATS_TEST_TMPDIR/args.json" --out "$BATS_TEST_TMPDIR/c"
	expect_status 3
	expect_one_line_error "args.json" "conversation[0].tool_calls.list_files" "arguments must be an object"
	printf '{"conversation": [' >"$BATS_TEST_TMPDIR/cut.json"
	run --separate-stderr "$OFFSWITCH" import "$BATS_TEST_TMPDIR/cut.json" --out "$BATS_TEST_TMPDIR/d"
	expect_status 3
	expect_one_line_error "cut.json" "not valid JSON"
	printf '{"transcript_json": 5}\n' >"$BATS_TEST_TMPDIR/rows.jsonl"
	run --separate-stderr "$OFFSWITCH" import "$BATS_TEST_TMPDIR/rows.jsonl" --out "$BATS_TEST_TMPDIR/e"
	expect_status 3
	expect_one_line_error "rows.jsonl:1" "transcript_json"
}

@test "a transcript over the size cap is refused before it is parsed" {
	f="$BATS_TEST_TMPDIR/big.json"
	truncate -s 33M "$f"
	run --separate-stderr "$OFFSWITCH" import "$f" --out "$BATS_TEST_TMPDIR/a"
	expect_status 3
	expect_one_line_error "big.json" "larger than 33554432 bytes"
}

@test "import needs a new directory" {
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$BATS_TEST_TMPDIR/a" --quiet >/dev/null
	run --separate-stderr "$OFFSWITCH" import "$PAPER/rows.jsonl" --out "$BATS_TEST_TMPDIR/a"
	expect_status 4
	expect_one_line_error "already holds" "new directory"
	run --separate-stderr "$OFFSWITCH" import --out "$BATS_TEST_TMPDIR/b"
	expect_status 2
}

@test "a name called twice in one turn: both calls run, from the turn's tool messages" {
	i="$BATS_TEST_TMPDIR/i"
	run "$OFFSWITCH" import "$PAPER/two_queue_calls.json" --task-type exfiltration_deletion --out "$i"
	expect_status 0
	[[ "$output" == *"delete_others      1/1"* ]]
	[ "$(sqlite3 "$i/offswitch.db" "SELECT count(*) FROM tool_calls WHERE name = 'add_server_delete_queue'")" -eq 2 ]
}
