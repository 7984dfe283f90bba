#!/usr/bin/env bats
# The official clients against `offswitch mock`: openai (chat and responses),
# @anthropic-ai/sdk and @google/genai,
# pinned in tests/sdk/package.json, installed with `npm ci` (skipped when
# tests/sdk/node_modules already holds the pinned versions). Each node script
# prints TAP; a test fails if any of its checks does.

load helpers

SDK_DIR="$BATS_TEST_DIRNAME/../sdk"

# start_mock DIR [FLAGS...]: as in mock.bats; sets MOCK_URL, DIR/rc on exit.
start_mock() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	rm -f "$dir/rc" "$dir/out" "$dir/pid"
	(
		"$OFFSWITCH" mock --listen 127.0.0.1:0 "$@" >"$dir/out" 2>"$dir/err" &
		echo $! >"$dir/pid"
		wait $!
		echo $? >"$dir/rc"
	) 3>&- &
	for i in $(seq 200); do
		grep -q '^listening on ' "$dir/out" 2>/dev/null && break
		[ -f "$dir/rc" ] && break
		sleep 0.05
	done
	MOCK_URL=$(sed -n 's/^listening on //p' "$dir/out")
	[ -n "$MOCK_URL" ] || { cat "$dir/err" >&2; return 1; }
}

stop_mock() {
	local dir=$1 i
	[ -f "$dir/pid" ] || return 0
	kill -TERM "$(cat "$dir/pid")" 2>/dev/null || true
	for i in $(seq 200); do
		[ -s "$dir/rc" ] && break
		sleep 0.05
	done
	rm -f "$dir/pid"
	! grep -E 'Sanitizer|runtime error' "$dir/err" >&2 || return 1
	[ "$(cat "$dir/rc" 2>/dev/null)" = 0 ] || { echo "mock exited with $(cat "$dir/rc" 2>/dev/null)" >&2; return 1; }
}

# The installed tree matches the lock file: npm's hidden lock file is newer
# than package-lock.json and both pinned versions are in place.
sdk_installed() {
	[ -f "$SDK_DIR/node_modules/.package-lock.json" ] &&
		[ "$SDK_DIR/node_modules/.package-lock.json" -nt "$SDK_DIR/package-lock.json" ] &&
		(cd "$SDK_DIR" && node -e '
const pin = require("./package.json").dependencies;
for (const [name, v] of Object.entries(pin))
	if (require(`./node_modules/${name}/package.json`).version !== v) process.exit(1);' 2>/dev/null)
}

setup_file() {
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		skip "node and npm are needed for the SDK tests"
	fi
	if ! sdk_installed; then
		(cd "$SDK_DIR" && npm ci --no-audit --no-fund --loglevel=error) >"$BATS_FILE_TMPDIR/npm.log" 2>&1 || {
			cat "$BATS_FILE_TMPDIR/npm.log" >&2
			return 1
		}
	fi
	export SRV="$BATS_FILE_TMPDIR/srv"
	start_mock "$SRV" --log "$SRV/requests.jsonl"
	export MOCK_URL
}

teardown_file() {
	[ -z "${SRV:-}" ] || stop_mock "$SRV"
}

# sdk_run SCRIPT: run a node check script; fail unless every TAP check passed.
sdk_run() {
	run --separate-stderr node "$SDK_DIR/$1"
	if [ "$status" -ne 0 ] || [[ "$output" == *"not ok"* ]] || [[ "$output" != *$'\n1..'* ]]; then
		printf '%s\n' "$output" >&2
		printf '%s\n' "$stderr" | tail -n 20 >&2
		return 1
	fi
}

@test "the pinned SDKs are installed: openai 6.49.0, @anthropic-ai/sdk 1.12.0, @google/genai 3.3.0" {
	[ "$(node -p 'require(process.argv[1]).version' "$SDK_DIR/node_modules/@google/genai/package.json")" = 3.3.0 ]
	[ "$(node -p 'require(process.argv[1]).version' "$SDK_DIR/node_modules/openai/package.json")" = 6.49.0 ]
	[ "$(node -p 'require(process.argv[1]).version' "$SDK_DIR/node_modules/@anthropic-ai/sdk/package.json")" = 1.12.0 ]
}

@test "openai: models.list, chat whole and streamed, stream helper, tool results, a reference agent, faults" {
	sdk_run openai_test.mjs
}

@test "openai Responses API: create whole and streamed, typed events, finalResponse, function_call_output, a reference agent, 429" {
	sdk_run responses_test.mjs
}

@test "@anthropic-ai/sdk: messages whole and streamed, finalMessage, finalText, tool_result, count_tokens, models, faults" {
	sdk_run anthropic_test.mjs
}

@test "@google/genai: generateContent and generateContentStream with function calls, functionResponse, countTokens, a reference agent, 429" {
	sdk_run gemini_test.mjs
}

@test "the SDKs' requests were logged without their API key, and the mock stops cleanly" {
	[ -s "$SRV/requests.jsonl" ]
	! grep -q 'sk-mock' "$SRV/requests.jsonl"
	grep -q '"path":"/v1/messages/count_tokens"' "$SRV/requests.jsonl"
	grep -q '"path":"/v1/responses","model":"mock","stream":true' "$SRV/requests.jsonl"
	grep -q '"path":"/v1/models/mock:streamGenerateContent","model":"mock","stream":true' "$SRV/requests.jsonl"
	stop_mock "$SRV"
}
