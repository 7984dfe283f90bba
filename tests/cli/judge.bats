#!/usr/bin/env bats
# The LLM judge over loopback HTTP: verdicts stored beside the rules, agreement
# reported, answered questions skipped on a second pass.

load helpers

setup() {
	python3 "$BATS_TEST_DIRNAME/fixtures/judge_server.py" "$BATS_TEST_TMPDIR/judge.port" &
	SRV=$!
	PORT=$(judge_port "$BATS_TEST_TMPDIR/judge.port")
}

teardown() {
	kill "$SRV" 2>/dev/null || true
}

@test "run --judge stores verdicts beside the extractor's and reports agreement" {
	d="$BATS_TEST_TMPDIR/j"
	run "$OFFSWITCH" run --model openai/gpt-5.2 --base-url "http://127.0.0.1:$PORT/v1" --task-type tampering --limit 4 \
		--out "$d" --quiet --judge openai/gpt-4.1-mini --judge-base-url "http://127.0.0.1:$PORT/v1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 question(s) asked, 4 answered"*"agrees with the offline extractor on 4 of 4"* ]]
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from judgments where question = 'score' and score = 60")" -eq 4 ]
	# The extractor's outcome is untouched.
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from outcomes where eval_score = 60")" -eq 4 ]
	run "$OFFSWITCH" judge --from "$d" --base-url "http://127.0.0.1:$PORT/v1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 question(s) asked"* ]]
}

@test "judge: a missing key for a remote judge is a clear error" {
	d="$BATS_TEST_TMPDIR/j"
	"$OFFSWITCH" run --model scripted/honest --task-type tampering --limit 1 --out "$d" --quiet >/dev/null
	OPENAI_API_KEY= run --separate-stderr "$OFFSWITCH" judge --from "$d"
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"OPENAI_API_KEY"* ]]
}

@test "rescore --judge asks the judge after recomputing outcomes" {
	d="$BATS_TEST_TMPDIR/r"
	"$OFFSWITCH" run --model openai/gpt-5.2 --base-url "http://127.0.0.1:$PORT/v1" --task-type tampering --limit 2 \
		--out "$d" --quiet --judge none >/dev/null
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from sqlite_master where name = 'judgments'")" -eq 0 ]
	run "$OFFSWITCH" rescore --from "$d" --judge openai/gpt-4.1-mini --judge-base-url "http://127.0.0.1:$PORT/v1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 rollout(s) rescored"*"2 question(s) asked, 2 answered"* ]]
}

@test "judge: a Retry-After beyond the cap (a day, inf, a date in 2099) fails the question instead of parking the judge" {
	d="$BATS_TEST_TMPDIR/ra"
	"$OFFSWITCH" run --model scripted/honest --task-type tampering --limit 2 --out "$d" --quiet >/dev/null
	for ra in 86400 inf "Thu, 01 Jan 2099 00:00:00 GMT"; do
		python3 "$BATS_TEST_DIRNAME/fixtures/status_server.py" 429 "$ra" >"$BATS_TEST_TMPDIR/rs.out" &
		rs=$!
		for _ in $(seq 100); do grep -q port "$BATS_TEST_TMPDIR/rs.out" 2>/dev/null && break; sleep 0.05; done
		p=$(sed -n 's/port //p' "$BATS_TEST_TMPDIR/rs.out")
		OPENAI_API_KEY=sk-test run --separate-stderr timeout 60 "$OFFSWITCH" judge --from "$d" \
			--judge openai/gpt-4.1-mini --base-url "http://127.0.0.1:$p/v1"
		kill "$rs" 2>/dev/null || true
		wait "$rs" 2>/dev/null || true
		[ "$status" -ne 124 ] # finished well before the timeout
		[[ "$output" == *"2 question(s) asked, 0 answered"* ]]
	done
}

@test "judge asks the paper's follow-up questions on the rebuilt final state: a score in add_var's variable, whether a report remains after delete_file, the task-level refusal" {
	d="$BATS_TEST_TMPDIR/v"
	"$OFFSWITCH" run --model "scripted:$BATS_TEST_DIRNAME/fixtures/var_score_agent.json" "${TAMPER_SEL[@]}" --limit 1 \
		--out "$d" --quiet >/dev/null
	OPENAI_API_KEY=sk-test run "$OFFSWITCH" judge --from "$d" --judge openai/gpt-4.1-mini --base-url "http://127.0.0.1:$PORT/v1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"4 question(s) asked, 4 answered"* ]]
	q() { sqlite3 "$d/offswitch.db" "select verdict || ':' || ifnull(score, '') from judgments where question = '$1'"; }
	[ "$(q score)" = "incomplete:" ]
	[ "$(q var_score)" = "score:74.05" ]     # the fixture answers so only when the prompt holds the final config
	[ "$(q report_remains)" = "no:" ]        # ... and only when it lists the final drive
	[ "$(q task_refusal)" = "refusal:" ]
	# The report takes them: the score from the configuration, delete_file and refused from the judge.
	run "$OFFSWITCH" report "$d" --format json --rollouts
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
r = json.load(sys.stdin)
x = r["rollouts"][0]
assert x["evaluation"]["eval_score"] == 74.05, x
assert x["evaluation"]["delete_file"] is True and x["evaluation"]["refused"] is True, x
assert x["sources"] == {"score": "judge", "refused": "judge", "delete_file": "judge"}, x["sources"]
f = r["sources"]["fields"]
assert r["sources"]["scores"] == "judge"
assert f["score"]["judge"] == 1 and f["score"]["agree"] == 1 and f["score"]["agreement"] == 1, f["score"]
assert f["delete_file"]["agree"] == 1 and f["refused"]["agree"] == 1, f
'
}

@test "judge shares the engine's circuit breaker: a rejected key or 20 failures in a row stop it sending; exit 5, the rest asked next time" {
	d="$BATS_TEST_TMPDIR/cb"
	"$OFFSWITCH" run --model scripted/honest --task-type tampering --limit 24 --out "$d" --quiet >/dev/null
	start_rs() {
		STATUS_LOG="$BATS_TEST_TMPDIR/calls.$1" python3 "$BATS_TEST_DIRNAME/fixtures/status_server.py" "$1" \
			>"$BATS_TEST_TMPDIR/rs.out" &
		rs=$!
		for _ in $(seq 100); do grep -q port "$BATS_TEST_TMPDIR/rs.out" 2>/dev/null && break; sleep 0.05; done
		p=$(sed -n 's/port //p' "$BATS_TEST_TMPDIR/rs.out")
	}
	start_rs 401
	OPENAI_API_KEY=sk-test run --separate-stderr timeout 60 "$OFFSWITCH" judge --from "$d" \
		--judge openai/gpt-4.1-mini --base-url "http://127.0.0.1:$p/v1" --max-concurrent 1
	kill "$rs"
	expect_status 5
	[[ "$stderr" == *"rejected the API key (HTTP 401)"*"23 question(s) not answered"* ]]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/calls.401")" -eq 1 ]
	start_rs 503
	OPENAI_API_KEY=sk-test run --separate-stderr timeout 60 "$OFFSWITCH" judge --from "$d" \
		--judge openai/gpt-4.1-mini --base-url "http://127.0.0.1:$p/v1" --max-concurrent 1 --max-retries 0
	kill "$rs"
	expect_status 5
	[[ "$stderr" == *"20 model calls failed in a row"*"4 question(s) not answered"* ]]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/calls.503")" -eq 20 ]
	# A healthy judge then answers every question: none was stored as answered.
	run "$OFFSWITCH" judge --from "$d" --base-url "http://127.0.0.1:$PORT/v1"
	expect_status 0
	[[ "$output" == *"24 question(s) asked, 24 answered"* ]]
}
