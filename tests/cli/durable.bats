#!/usr/bin/env bats
# Durability of the network engine (issue 8): every paid turn is stored
# before the next request, a crash during a resume loses nothing, Ctrl-C
# keeps what arrived, Retry-After is bounded, transient failures run again,
# and the exit status tells a complete run from an unfinished one.

load helpers

SEL=(--model openai/scripted/tamperer --agent-family Gemini --task-type tampering --dataset factual --condition good_peer)

start_mock() { # start_mock [--listen 127.0.0.1:PORT] ARGS... → sets PORT, MOCK
	"$OFFSWITCH" mock "$@" >"$BATS_TEST_TMPDIR/mock.out" 2>"$BATS_TEST_TMPDIR/mock.err" &
	MOCK=$!
	for _ in $(seq 100); do
		grep -q listening "$BATS_TEST_TMPDIR/mock.out" 2>/dev/null && break
		sleep 0.05
	done
	PORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\).*|\1|p' "$BATS_TEST_TMPDIR/mock.out")
	[ -n "$PORT" ]
}

stop_mock() {
	kill "$MOCK" 2>/dev/null || true
	wait "$MOCK" 2>/dev/null || true
	MOCK=
}

start_status() { # start_status STATUS [RETRY_AFTER] → sets PORT, RS
	python3 "$FIX/status_server.py" "$@" >"$BATS_TEST_TMPDIR/rs.out" &
	RS=$!
	for _ in $(seq 100); do grep -q port "$BATS_TEST_TMPDIR/rs.out" 2>/dev/null && break; sleep 0.05; done
	PORT=$(sed -n 's/port //p' "$BATS_TEST_TMPDIR/rs.out")
	[ -n "$PORT" ]
}

stop_status() {
	kill "$RS" 2>/dev/null || true
	wait "$RS" 2>/dev/null || true
	RS=
}

teardown() {
	[ -n "${MOCK:-}" ] && kill "$MOCK" 2>/dev/null || true
	[ -n "${RS:-}" ] && kill "$RS" 2>/dev/null || true
	[ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null || true
}

q() { sqlite3 "$1/offswitch.db" "$2" 2>/dev/null || echo 0; }

# wait_until DIR SQL N: until the query's value is >= N (at most 20 s).
wait_until() {
	local i v
	for i in $(seq 400); do
		v=$(q "$1" "$2")
		[ "${v:-0}" -ge "$3" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for $2 >= $3 (last $v)" >&2
	return 1
}

@test "kill -9 during the first call of a resumed rollout keeps its turns; the end equals an uninterrupted run" {
	start_mock --listen 127.0.0.1:0 --latency-ms 200
	local d=$BATS_TEST_TMPDIR/k ref=$BATS_TEST_TMPDIR/ref
	"$OFFSWITCH" run "${SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 2 --out "$d" --quiet >/dev/null 2>&1 &
	pid=$!
	wait_until "$d" "select count(*) from messages where role='assistant'" 4
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	local before
	before=$(q "$d" "select count(*) from messages where role='assistant'")
	[ "$(q "$d" "select count(*) from rollouts where status='running'")" -gt 0 ]
	# Resume against a slow server: the first new call is in flight for 5 s.
	stop_mock
	start_mock --listen "127.0.0.1:$PORT" --latency-ms 5000
	"$OFFSWITCH" run "${SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 2 --out "$d" --quiet >/dev/null 2>&1 &
	pid=$!
	wait_until "$d" "select count(*) from runs" 2
	sleep 1 # the resumed rollouts have sent their first call and committed (old code: every 0.25 s)
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
	[ "$(q "$d" "select count(*) from messages where role='assistant'")" -ge "$before" ]
	stop_mock
	start_mock --listen "127.0.0.1:$PORT"
	run "$OFFSWITCH" run "${SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 2 --out "$d" --quiet
	expect_status 0
	"$OFFSWITCH" run "${SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 2 --out "$ref" --quiet >/dev/null
	[ "$(q "$d" "select count(*) from rollouts where status='ok'")" -eq "$(q "$ref" "select count(*) from rollouts")" ]
	[ "$(q "$d" "select count(*) from messages")" -eq "$(q "$ref" "select count(*) from messages")" ]
	cmp "$d/rollouts.jsonl" "$ref/rollouts.jsonl"
	diff -r "$d/transcripts" "$ref/transcripts"
}

@test "Retry-After of 86400, inf or a date in 2099 ends the rollout error:http_429 instead of parking the run" {
	local v
	for v in 86400 inf "Thu, 01 Jan 2099 00:00:00 GMT"; do
		start_status 429 "$v"
		local d="$BATS_TEST_TMPDIR/ra$RANDOM"
		run timeout 60 "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini --task-type tampering --limit 1 \
			--base-url "http://127.0.0.1:$PORT/v1" --out "$d" --quiet
		stop_status
		[ "$status" -eq 1 ]
		grep -q '"status":"error:http_429"' "$d/rollouts.jsonl"
	done
}

@test "after the circuit breaker opened, the same command against a healthy server completes the failed rollouts" {
	start_mock --listen 127.0.0.1:0 --fault 500 --retry-after 0
	local d=$BATS_TEST_TMPDIR/cb
	local args=(--model openai/scripted/honest --agent-family Gemini --task-type tampering --limit 12
		--base-url "http://127.0.0.1:$PORT/v1" --retry-base-ms 1 --max-retries 1 --max-concurrent 4 --out "$d" --quiet)
	run "$OFFSWITCH" run "${args[@]}"
	[ "$status" -eq 1 ]
	grep -q 'error:circuit_open' "$d/rollouts.jsonl"
	stop_mock
	start_mock --listen "127.0.0.1:$PORT"
	run "$OFFSWITCH" run "${args[@]}"
	expect_status 0
	[ "$(grep -c '"status":"ok"' "$d/rollouts.jsonl")" -eq 12 ]
	[ "$(q "$d" "select count(*) from rollouts")" -eq 12 ]
	[ "$(q "$d" "select count(*) from rollouts where status <> 'ok'")" -eq 0 ]
}

@test "a fatal error is not run again unless --retry-errors; an incomplete run does not exit 0" {
	start_status 400
	local d=$BATS_TEST_TMPDIR/fe
	local args=(--model openai/scripted/honest --agent-family Gemini --task-type tampering --limit 2
		--base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 2 --out "$d" --quiet)
	run "$OFFSWITCH" run "${args[@]}"
	[ "$status" -eq 1 ]
	[ "$(grep -c '"status":"error:http_400"' "$d/rollouts.jsonl")" -eq 2 ]
	stop_status
	start_mock --listen "127.0.0.1:$PORT"
	run "$OFFSWITCH" run "${args[@]}"
	[ "$status" -eq 1 ]
	[ "$(grep -c '"status":"error:http_400"' "$d/rollouts.jsonl")" -eq 2 ]
	run "$OFFSWITCH" run "${args[@]}" --retry-errors
	expect_status 0
	[ "$(grep -c '"status":"ok"' "$d/rollouts.jsonl")" -eq 2 ]
	# A run stopped by its token budget is unfinished: exit 5, not 0.
	run "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini --task-type tampering --limit 6 \
		--base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 2 --token-budget 30000 --out "$BATS_TEST_TMPDIR/bud" --quiet
	[ "$status" -eq 5 ]
}

@test "Ctrl-C with calls in flight stores every response that arrived, then exits 130; the same command resumes" {
	start_mock --listen 127.0.0.1:0 --latency-ms 1500 --log "$BATS_TEST_TMPDIR/mock.log"
	local d=$BATS_TEST_TMPDIR/int
	"$OFFSWITCH" run "${SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 4 --out "$d" --quiet \
		>/dev/null 2>"$BATS_TEST_TMPDIR/int.err" &
	pid=$!
	wait_until "$d" "select count(*) from rollouts" 2
	sleep 0.5 # the first calls are in flight (1.5 s each)
	kill -INT "$pid"
	local st=0
	wait "$pid" || st=$?
	pid=
	[ "$st" -eq 130 ]
	stop_mock
	local calls
	calls=$(grep -c '/chat/completions' "$BATS_TEST_TMPDIR/mock.log")
	[ "$calls" -gt 0 ]
	[ "$(q "$d" "select count(*) from messages where role='assistant'")" -eq "$calls" ]
	start_mock --listen "127.0.0.1:$PORT"
	run "$OFFSWITCH" run "${SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 4 --out "$d" --quiet
	expect_status 0
	[ "$(q "$d" "select count(*) from rollouts where status <> 'ok'")" -eq 0 ]
}

@test "crash loop (5 kills): nothing lost, nothing duplicated, transcripts identical" {
	REPS=2 LATENCY_MS=30 run "$BATS_TEST_DIRNAME/../crashloop.sh" 5
	expect_status 0
	[[ "$output" == *"re-paid calls:"* ]]
}

@test "--max-tokens is the per-call output limit, sent with every request; --token-budget is the run's" {
	start_mock --listen 127.0.0.1:0 --log "$BATS_TEST_TMPDIR/mt.log"
	local d=$BATS_TEST_TMPDIR/mt
	# 4096 tokens a call: every rollout finishes (as a run budget it would stop them all).
	run "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini --task-type tampering --limit 4 \
		--base-url "http://127.0.0.1:$PORT/v1" --max-tokens 4096 --out "$d" --quiet
	expect_status 0
	[ "$(grep -c '"status":"ok"' "$d/rollouts.jsonl")" -eq 4 ]
	local calls
	calls=$(grep -c '"path":"/v1/chat/completions"' "$BATS_TEST_TMPDIR/mt.log")
	[ "$calls" -gt 4 ]
	[ "$(grep -c '"max_tokens":4096' "$BATS_TEST_TMPDIR/mt.log")" -eq "$calls" ]
	# Anthropic: the same flag becomes max_tokens.
	run "$OFFSWITCH" run --model anthropic/scripted/honest --agent-family Claude --task-type tampering --limit 1 \
		--base-url "http://127.0.0.1:$PORT" --max-tokens 777 --out "$d.an" --quiet
	expect_status 0
	grep -q '"path":"/v1/messages","model":"scripted/honest".*"max_tokens":777' "$BATS_TEST_TMPDIR/mt.log"
	run "$OFFSWITCH" run --help
	[[ "$output" == *"--token-budget N"* ]]
}
