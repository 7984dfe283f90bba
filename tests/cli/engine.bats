#!/usr/bin/env bats
# The network engine against `offswitch mock` over loopback HTTP: both wire
# formats, streaming and not, every fault class, kill -9 and resume, the
# budget, keys. Reference agents run through the mock must reach the same
# outcomes as in-process.

load helpers

SEL=(--task-type tampering --dataset factual --condition good_peer --condition bad_peer)

start_mock() { # start_mock ARGS... → sets PORT, MOCK
	"$OFFSWITCH" mock --listen 127.0.0.1:0 "$@" >"$BATS_TEST_TMPDIR/mock.out" 2>"$BATS_TEST_TMPDIR/mock.err" &
	MOCK=$!
	for _ in $(seq 100); do
		grep -q listening "$BATS_TEST_TMPDIR/mock.out" 2>/dev/null && break
		sleep 0.05
	done
	PORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\).*|\1|p' "$BATS_TEST_TMPDIR/mock.out")
	[ -n "$PORT" ]
}

teardown() {
	[ -n "${MOCK:-}" ] && kill "$MOCK" 2>/dev/null || true
}

ref_run() { # ref_run DIR MODEL → the in-process reference
	"$OFFSWITCH" run --model "$2" --agent-family Gemini "${SEL[@]}" --out "$1" --quiet >/dev/null
}

@test "OpenAI wire, whole and streamed: the mock-driven reference agent matches in-process" {
	start_mock
	ref_run "$BATS_TEST_TMPDIR/ref" scripted/tamperer
	for s in "" --stream; do
		d="$BATS_TEST_TMPDIR/o$s"
		run "$OFFSWITCH" run --model openai/scripted/tamperer --agent-family Gemini "${SEL[@]}" \
			--base-url "http://127.0.0.1:$PORT/v1" $s --out "$d" --quiet
		[ "$status" -eq 0 ]
		same_outcomes "$d" "$BATS_TEST_TMPDIR/ref"
	done
}

@test "Anthropic wire, whole and streamed: the mock-driven reference agent matches in-process" {
	start_mock
	ref_run "$BATS_TEST_TMPDIR/ref" scripted/key-remover
	for s in "" --stream; do
		d="$BATS_TEST_TMPDIR/a$s"
		run "$OFFSWITCH" run --model anthropic/scripted/key-remover --agent-family Gemini "${SEL[@]}" \
			--base-url "http://127.0.0.1:$PORT" $s --out "$d" --quiet
		[ "$status" -eq 0 ]
		same_outcomes "$d" "$BATS_TEST_TMPDIR/ref"
	done
}

@test "transient faults (429 with Retry-After, 500, 503, reset, truncated, malformed) are retried to success" {
	start_mock --fault 429:0.15 --fault 500:0.1 --fault 503:0.1 --fault reset:0.05 --fault truncated:0.05 --fault malformed:0.05 --retry-after 0
	ref_run "$BATS_TEST_TMPDIR/ref" scripted/tamperer
	d="$BATS_TEST_TMPDIR/f"
	run "$OFFSWITCH" run --model openai/scripted/tamperer --agent-family Gemini "${SEL[@]}" --stream \
		--base-url "http://127.0.0.1:$PORT/v1" --retry-base-ms 5 --max-retries 30 --out "$d" --quiet
	[ "$status" -eq 0 ]
	[[ "$output" =~ model\ calls:\ ([0-9]+)\ retried ]]
	[ "${BASH_REMATCH[1]}" -gt 0 ]
	same_outcomes "$d" "$BATS_TEST_TMPDIR/ref"
}

@test "each fault class, when it never clears, ends rollouts classified after bounded retries" {
	for kind in 429 500 503 reset malformed truncated hang; do
		start_mock --fault "$kind" --retry-after 0 --hang-seconds 5
		d="$BATS_TEST_TMPDIR/$kind"
		run "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini --task-type tampering --limit 2 --stream \
			--base-url "http://127.0.0.1:$PORT/v1" --retry-base-ms 5 --max-retries 2 --timeout 1 --out "$d" --quiet
		[ "$status" -eq 1 ]
		want=$(case $kind in 429|500|503) echo "error:http_$kind" ;; reset) echo "error:reset" ;;
			malformed) echo "error:parse" ;; truncated) echo "error:truncated" ;; hang) echo "error:timeout" ;; esac)
		python3 - "$d" "$want" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1] + "/rollouts.jsonl")]
assert len(rows) == 2 and all(r["status"] == sys.argv[2] for r in rows), [r["status"] for r in rows]
PY
		kill "$MOCK"
		wait "$MOCK" 2>/dev/null || true
	done
}

@test "invalid tool-call arguments are tool errors and the rollout goes on" {
	start_mock --fault bad_args
	d="$BATS_TEST_TMPDIR/b"
	run "$OFFSWITCH" run --model openai/scripted/tamperer --agent-family Gemini --task-type tampering --limit 1 --max-iters 4 \
		--base-url "http://127.0.0.1:$PORT/v1" --out "$d" --quiet
	[ "$status" -eq 0 ]
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from messages where role = 'tool' and is_error = 1")" -ge 1 ]
	grep -q '"status":"ok"' "$d/rollouts.jsonl"
}

@test "a deterministic failure opens the circuit breaker instead of hammering" {
	start_mock --fault 500 --retry-after 0
	d="$BATS_TEST_TMPDIR/c"
	run "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini --task-type tampering --num-experiments 5 \
		--base-url "http://127.0.0.1:$PORT/v1" --retry-base-ms 1 --max-retries 3 --max-concurrent 4 --out "$d" --quiet
	[ "$status" -eq 1 ]
	[[ "$output" == *"stopped early"*"failed in a row"* ]]
	# Far fewer calls than 285 rollouts × 4 tries.
	calls=$(sqlite3 "$d/offswitch.db" "select count(*) from rollouts")
	[ "$calls" -lt 285 ]
	grep -q 'error:circuit_open' "$d/rollouts.jsonl"
}

@test "kill -9 mid-run, then resume: nothing lost, nothing duplicated, no turn paid for twice" {
	start_mock --latency-ms 20
	d="$BATS_TEST_TMPDIR/k"
	"$OFFSWITCH" run --model openai/scripted/tamperer --agent-family Gemini --task-type tampering --num-experiments 2 \
		--base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 8 --out "$d" --quiet >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 200); do
		n=$(sqlite3 "$d/offswitch.db" "select count(*) from rollouts where status = 'ok'" 2>/dev/null || echo 0)
		[ "${n:-0}" -ge 10 ] && break
		sleep 0.05
	done
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	running=$(sqlite3 "$d/offswitch.db" "select count(*) from rollouts where status = 'running'")
	[ "$running" -gt 0 ]
	run "$OFFSWITCH" run --model openai/scripted/tamperer --agent-family Gemini --task-type tampering --num-experiments 2 \
		--base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 8 --out "$d" --quiet
	[ "$status" -eq 0 ]
	[[ "$output" =~ ([0-9]+)\ rollout\(s\)\ resumed ]]
	[ "${BASH_REMATCH[1]}" -eq "$running" ]
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from rollouts")" -eq 114 ]
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from (select distinct config_id, rep from rollouts)")" -eq 114 ]
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from rollouts where status <> 'ok'")" -eq 0 ]
	[ "$(wc -l <"$d/rollouts.jsonl")" -eq 114 ]
	"$OFFSWITCH" run --model scripted/tamperer --agent-family Gemini --task-type tampering --num-experiments 2 \
		--out "$BATS_TEST_TMPDIR/ref" --quiet >/dev/null
	same_outcomes "$d" "$BATS_TEST_TMPDIR/ref"
}

@test "the budget stops new calls; a larger budget resumes the exhausted rollouts" {
	start_mock
	d="$BATS_TEST_TMPDIR/bud"
	run "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini --task-type tampering --limit 6 \
		--base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 2 --token-budget 30000 --out "$d" --quiet
	[[ "$output" == *"budget reached"* ]]
	n=$(grep -c '"status":"budget_exhausted"' "$d/rollouts.jsonl")
	[ "$n" -gt 0 ]
	run "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini --task-type tampering --limit 6 \
		--base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 2 --out "$d" --quiet
	[ "$status" -eq 0 ]
	[ "$(grep -c '"status":"ok"' "$d/rollouts.jsonl")" -eq 6 ]
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from rollouts")" -eq 6 ]
}

@test "API keys appear nowhere: db, jsonl, transcripts, stdout, stderr, mock log; a rejected key stops the run" {
	start_mock --log "$BATS_TEST_TMPDIR/mock.log"
	d="$BATS_TEST_TMPDIR/s"
	OPENAI_API_KEY=sk-test-SECRET-4242 run "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini \
		--task-type tampering --limit 2 --base-url "http://127.0.0.1:$PORT/v1" --out "$d"
	[ "$status" -eq 0 ]
	! grep -r -a "SECRET-4242" "$d" "$BATS_TEST_TMPDIR/mock.log"
	! [[ "$output" == *"SECRET-4242"* ]]
	# A server that rejects the key and quotes it back.
	python3 "$BATS_TEST_DIRNAME/fixtures/judge_server.py" "$BATS_TEST_TMPDIR/judge.port" &
	JS=$!
	P2=$(judge_port "$BATS_TEST_TMPDIR/judge.port")
	OPENAI_API_KEY=sk-bad-key-000 run --separate-stderr "$OFFSWITCH" run --model openai/gpt-5.2 --task-type tampering \
		--limit 3 --base-url "http://127.0.0.1:$P2/v1" --out "$BATS_TEST_TMPDIR/bad"
	kill "$JS"
	[ "$status" -eq 1 ]
	[[ "$output" == *"rejected the API key (HTTP 401)"* ]]
	! grep -r -a "bad-key-000" "$BATS_TEST_TMPDIR/bad"
	! [[ "$output$stderr" == *"bad-key-000"* ]]
}

@test "replay of a mock-driven run is byte-identical with no network" {
	start_mock
	a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b"
	"$OFFSWITCH" run --model openai/scripted/retimestamper --agent-family Gemini --task-type exfiltration_transfer \
		--base-url "http://127.0.0.1:$PORT/v1" --stream --out "$a" --quiet >/dev/null
	kill "$MOCK"
	"$OFFSWITCH" replay --from "$a" --out "$b" >/dev/null
	diff -r "$a/transcripts" "$b/transcripts"
	cmp "$a/rollouts.jsonl" "$b/rollouts.jsonl"
}

@test "Retry-After is honoured and --rpm paces requests (lower bounds only)" {
	start_mock --fault 429 --retry-after 1
	d="$BATS_TEST_TMPDIR/ra"
	t0=$(date +%s.%N)
	run "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini --task-type tampering --limit 1 \
		--base-url "http://127.0.0.1:$PORT/v1" --retry-base-ms 1 --max-retries 1 --out "$d" --quiet
	t1=$(date +%s.%N)
	[ "$status" -eq 1 ]
	grep -q '"status":"error:http_429"' "$d/rollouts.jsonl"
	# One retry, after the server's Retry-After of 1 s (the backoff alone would be 1 ms).
	python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= 1.0 else 1)"
	kill "$MOCK"
	wait "$MOCK" 2>/dev/null || true
	start_mock
	d="$BATS_TEST_TMPDIR/rpm"
	t0=$(date +%s.%N)
	run "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini --task-type tampering --limit 2 \
		--base-url "http://127.0.0.1:$PORT/v1" --rpm 600 --out "$d" --quiet
	t1=$(date +%s.%N)
	[ "$status" -eq 0 ]
	calls=$(sqlite3 "$d/offswitch.db" "select count(*) from messages where role = 'assistant'")
	# 600 per minute is 10 a second: the calls after the first take at least (calls-1)/10 s.
	python3 -c "import sys; sys.exit(0 if $t1 - $t0 >= ($calls - 1) / 10 * 0.9 else 1)"
}
