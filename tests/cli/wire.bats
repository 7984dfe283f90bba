#!/usr/bin/env bats
# `offswitch run` over the OpenAI Responses and Gemini wire formats against
# `offswitch mock`: a reference agent driven through the mock, whole and
# streamed, reaches the same outcomes as in-process (as engine.bats checks
# for OpenAI Chat and Anthropic Messages).

load helpers

SEL=(--task-type tampering --dataset factual --condition good_peer --condition bad_peer)

start_mock() { # start_mock ARGS... → sets PORT, MOCK
	"$OFFSWITCH" mock --listen 127.0.0.1:0 --log "$BATS_TEST_TMPDIR/requests.jsonl" "$@" \
		>"$BATS_TEST_TMPDIR/mock.out" 2>"$BATS_TEST_TMPDIR/mock.err" &
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

@test "OpenAI Responses wire (openai-responses/), whole and streamed: the mock-driven reference agent matches in-process" {
	start_mock
	ref_run "$BATS_TEST_TMPDIR/ref" scripted/tamperer
	for s in "" --stream; do
		d="$BATS_TEST_TMPDIR/r$s"
		run "$OFFSWITCH" run --model openai-responses/scripted/tamperer --agent-family Gemini "${SEL[@]}" \
			--base-url "http://127.0.0.1:$PORT/v1" $s --out "$d" --quiet
		[ "$status" -eq 0 ]
		same_outcomes "$d" "$BATS_TEST_TMPDIR/ref"
	done
	grep -q '"path":"/v1/responses","model":"scripted/tamperer","stream":false' "$BATS_TEST_TMPDIR/requests.jsonl"
	grep -q '"path":"/v1/responses","model":"scripted/tamperer","stream":true' "$BATS_TEST_TMPDIR/requests.jsonl"
	! grep -q '"path":"/v1/chat/completions"' "$BATS_TEST_TMPDIR/requests.jsonl"
}

@test "Gemini native wire (gemini/), whole and streamed: the mock-driven reference agent matches in-process" {
	start_mock
	ref_run "$BATS_TEST_TMPDIR/ref" scripted/key-remover
	for s in "" --stream; do
		d="$BATS_TEST_TMPDIR/g$s"
		run "$OFFSWITCH" run --model gemini/scripted/key-remover --agent-family Gemini "${SEL[@]}" \
			--base-url "http://127.0.0.1:$PORT" $s --out "$d" --quiet
		[ "$status" -eq 0 ]
		same_outcomes "$d" "$BATS_TEST_TMPDIR/ref"
	done
	grep -q '"path":"/v1beta/models/scripted/key-remover:generateContent","model":"scripted/key-remover","stream":false' \
		"$BATS_TEST_TMPDIR/requests.jsonl"
	grep -q '"path":"/v1beta/models/scripted/key-remover:streamGenerateContent","model":"scripted/key-remover","stream":true' \
		"$BATS_TEST_TMPDIR/requests.jsonl"
}

@test "gemini/ needs GEMINI_API_KEY for the real endpoint; openai-responses/ needs OPENAI_API_KEY" {
	run env -u GEMINI_API_KEY "$OFFSWITCH" run --model gemini/gemini-2.5-pro "${SEL[@]}" --out "$BATS_TEST_TMPDIR/x" --quiet
	[ "$status" -ne 0 ]
	[[ "$output" == *GEMINI_API_KEY* ]]
	run env -u OPENAI_API_KEY "$OFFSWITCH" run --model openai-responses/gpt-5 "${SEL[@]}" --out "$BATS_TEST_TMPDIR/y" --quiet
	[ "$status" -ne 0 ]
	[[ "$output" == *OPENAI_API_KEY* ]]
}
