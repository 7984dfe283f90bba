#!/usr/bin/env bats
# The official clients (tests/sdk/*.mjs, as in sdk.bats) through
# `offswitch proxy` in front of `offswitch mock`: every check the scripts make
# against the mock directly must hold through the proxy too (same results,
# streaming and not, with tool calls), and every exchange lands in the audit
# log, which verifies and holds no API key.

load helpers

SDK_DIR="$BATS_TEST_DIRNAME/../sdk"

setup_file() {
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		skip "node and npm are needed for the SDK tests"
	fi
	if [ ! -d "$SDK_DIR/node_modules/openai" ]; then
		(cd "$SDK_DIR" && npm ci --no-audit --no-fund --loglevel=error) >"$BATS_FILE_TMPDIR/npm.log" 2>&1 || {
			cat "$BATS_FILE_TMPDIR/npm.log" >&2
			return 1
		}
	fi
	export SRV="$BATS_FILE_TMPDIR/srv" PRX="$BATS_FILE_TMPDIR/prx"
	start_srv "$SRV" "$OFFSWITCH" mock --listen 127.0.0.1:0
	start_srv "$PRX" "$OFFSWITCH" proxy --listen 127.0.0.1:0 --upstream "$URL" --audit "$PRX/log"
	# the scripts take their base URL from MOCK_URL: here, the proxy's
	export MOCK_URL=$URL OFS_VIA_PROXY=1
}

teardown_file() {
	[ -z "${PRX:-}" ] || stop_srv "$PRX" || true
	[ -z "${SRV:-}" ] || stop_srv "$SRV" || true
}

sdk_run() {
	run --separate-stderr node "$SDK_DIR/$1"
	if [ "$status" -ne 0 ] || [[ "$output" == *"not ok"* ]] || [[ "$output" != *$'\n1..'* ]]; then
		printf '%s\n' "$output" >&2
		printf '%s\n' "$stderr" | tail -n 20 >&2
		return 1
	fi
}

@test "openai through the proxy: chat whole and streamed, tool calls, faults" {
	sdk_run openai_test.mjs
}

@test "openai Responses API through the proxy" {
	sdk_run responses_test.mjs
}

@test "@anthropic-ai/sdk through the proxy" {
	sdk_run anthropic_test.mjs
}

@test "@google/genai through the proxy" {
	sdk_run gemini_test.mjs
}

@test "every SDK exchange is in the audit log, which verifies and holds no API key" {
	stop_srv "$PRX"
	"$OFFSWITCH" audit verify "$PRX/log"
	"$OFFSWITCH" audit show "$PRX/log" | jq -c .record.data >"$PRX/show"
	for f in openai-chat openai-responses anthropic-messages gemini other; do
		[ "$(jq -r .format "$PRX/show" | grep -cx "$f")" -gt 0 ] || { echo "no $f record" >&2; return 1; }
	done
	[ "$(jq -r 'select(.stream) | .format' "$PRX/show" | sort -u | tr '\n' ' ')" = "anthropic-messages gemini openai-chat openai-responses " ]
	[ "$(jq -r 'select(.status == 200 and .format != "other") | .request | type' "$PRX/show" | sort -u)" = object ]
	! grep -a -q 'sk-mock' "$PRX/log"
}
