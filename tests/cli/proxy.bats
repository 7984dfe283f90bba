#!/usr/bin/env bats
# `offswitch proxy` in front of `offswitch mock` (and of a small Python
# upstream, tests/cli/fixtures/proxy_upstream.py, for slow streams and for
# echoing what reached the upstream): byte-faithful forwarding of the four
# wire formats whole and streamed, incremental SSE, per-agent keys and key
# injection, keys never in the log, bad input, upstream faults, /healthz,
# /metrics, drain on SIGTERM, kill -9 mid-stream. Every server listens on
# 127.0.0.1 with a free port and is stopped by the tests.

load helpers

UPSTREAM_PY="$BATS_TEST_DIRNAME/fixtures/proxy_upstream.py"

start_proxy() { # start_proxy DIR FLAGS...: sets PROXY_URL
	local dir=$1
	shift
	start_srv "$dir" "$OFFSWITCH" proxy --listen 127.0.0.1:0 "$@" || return 1
	PROXY_URL=$URL
}

setup_file() {
	export MOCKD="$BATS_FILE_TMPDIR/mock" PYD="$BATS_FILE_TMPDIR/py" P1="$BATS_FILE_TMPDIR/p1"
	start_srv "$MOCKD" "$OFFSWITCH" mock --listen 127.0.0.1:0
	export MOCK_URL=$URL
	start_srv "$PYD" python3 "$UPSTREAM_PY"
	export PY_URL=$URL
	start_proxy "$P1" --upstream "$MOCK_URL" --audit "$P1/log"
	export P1_URL=$PROXY_URL
}

teardown_file() {
	for d in "${P1:-}" "${PYD:-}" "${MOCKD:-}"; do
		[ -z "$d" ] || stop_srv "$d" || true
	done
}

teardown() {
	for d in "$BATS_TEST_TMPDIR"/p*/; do
		[ -f "$d/pid" ] && kill -9 "$(cat "$d/pid")" 2>/dev/null
	done
	true
}

# Ids carry a request number and bodies a time: both differ between two calls.
norm() {
	sed -E 's/mock([-_])[0-9]+/mock\1N/g; s/"(created|created_at)":[0-9]+/"\1":0/g'
}

TOOLS_OAI='[{"type":"function","function":{"name":"bash","parameters":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}}]'
TOOLS_RESP='[{"type":"function","name":"bash","parameters":{"type":"object","properties":{}}}]'
TOOLS_ANT='[{"name":"bash","input_schema":{"type":"object","properties":{}}}]'
TOOLS_GEM='[{"functionDeclarations":[{"name":"bash","parameters":{"type":"object","properties":{}}}]}]'

# call BASE PATH BODY [CURL ARGS...]: the body of a POST.
call() {
	local base=$1 path=$2 body=$3
	shift 3
	curl -sS -N --max-time 20 "$base$path" -H 'Content-Type: application/json' -d "$body" "$@"
}

@test "all four formats, whole and streamed, with tool calls: the same bytes through the proxy as from the mock" {
	local cases=(
		"/v1/chat/completions|{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":$TOOLS_OAI}"
		"/v1/chat/completions|{\"model\":\"mock\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":$TOOLS_OAI}"
		"/v1/responses|{\"model\":\"mock\",\"input\":\"hi\",\"tools\":$TOOLS_RESP}"
		"/v1/responses|{\"model\":\"mock\",\"stream\":true,\"input\":\"hi\",\"tools\":$TOOLS_RESP}"
		"/v1/messages|{\"model\":\"mock\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":$TOOLS_ANT}"
		"/v1/messages?beta=true|{\"model\":\"mock\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":$TOOLS_ANT}"
		"/v1beta/models/gem:generateContent|{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],\"tools\":$TOOLS_GEM}"
		"/v1beta/models/gem:streamGenerateContent?alt=sse|{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],\"tools\":$TOOLS_GEM}"
	)
	local c path body direct proxied
	for c in "${cases[@]}"; do
		path=${c%%|*} body=${c#*|}
		direct=$(call "$MOCK_URL" "$path" "$body" | norm)
		proxied=$(call "$P1_URL" "$path" "$body" | norm)
		[ -n "$direct" ]
		[[ "$direct" == *bash* ]] || { echo "no tool call in $path: $direct" >&2; return 1; }
		[ "$direct" = "$proxied" ] || { echo "differs on $path:"; diff <(echo "$direct") <(echo "$proxied"); return 1; }
	done
	# any other path too, and the headers that matter
	[ "$(curl -sS "$MOCK_URL/v1/models" | norm)" = "$(curl -sS "$P1_URL/v1/models" | norm)" ]
	run curl -sS -D - -o /dev/null "$P1_URL/v1/chat/completions" -d '{"model":"mock","stream":true,"messages":[{"role":"user","content":"hi"}]}'
	[[ "$output" == *"Content-Type: text/event-stream"* ]]
	[[ "$output" == *"x-request-id: req_mock_"* ]]
	# error statuses and bodies pass through as they are (a mock fault)
	run curl -sS -o "$BATS_TEST_TMPDIR/b" -w '%{http_code}' "$P1_URL/v1/messages" -H 'X-Mock-Fault: 503' \
		-d '{"model":"mock","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
	[ "$output" = 529 ]
	grep -q overloaded_error "$BATS_TEST_TMPDIR/b"
}

@test "server-sent events are relayed as they arrive, not after the stream ends" {
	# 3 events, 1.5 s apart: the first must reach the client long before the last.
	run python3 -c '
import sys, time, urllib.request
t0 = time.time()
r = urllib.request.urlopen(sys.argv[1] + "/v1/slow-sse?n=3&gap=1.5", timeout=30)
first = None
while True:
    line = r.readline()
    if not line:
        break
    if first is None and line.startswith(b"data:"):
        first = time.time() - t0
print("%.2f %.2f" % (first, time.time() - t0))' "$PROXY_SSE_URL"
	[ "$status" -eq 0 ]
	read -r first total <<<"$output"
	echo "first event after $first s, end after $total s" >&2
	python3 -c "import sys; f, t = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if t >= 2.9 and f <= t - 2.0 else 1)" "$first" "$total"
}

setup() {
	if [[ "$BATS_TEST_DESCRIPTION" == "server-sent events"* ]]; then
		start_proxy "$BATS_TEST_TMPDIR/p_sse" --upstream "$PY_URL"
		PROXY_SSE_URL=$PROXY_URL
	fi
}

@test "per-agent keys: agents told apart in the log, the upstream key injected, no key in the log, audit verify passes" {
	local d="$BATS_TEST_TMPDIR/p_keys"
	mkdir -p "$d"
	printf '# agents\nalice  pk-alice-0123456789\nbob\tpk-bob-9876543210\n\n' >"$d/keys"
	UPKEY=sk-upstream-secret-4242 start_proxy "$d" --upstream "$PY_URL" --keys "$d/keys" \
		--upstream-key-env UPKEY --audit "$d/log"
	# what reached the upstream: the injected key, in the header the client used; never the proxy key
	r=$(call "$PROXY_URL" /v1/chat/completions '{"model":"m","messages":[{"role":"user","content":"hi"}]}' \
		-H 'Authorization: Bearer pk-alice-0123456789')
	[ "$(jq -r '.headers.authorization' <<<"$r")" = "Bearer sk-upstream-secret-4242" ]
	[ "$(jq -r '.headers["x-offswitch-agent"]' <<<"$r")" = null ]
	r=$(call "$PROXY_URL" /v1/messages '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}' \
		-H 'x-api-key: pk-bob-9876543210' -H 'anthropic-version: 2023-06-01')
	[ "$(jq -r '.headers["x-api-key"]' <<<"$r")" = sk-upstream-secret-4242 ]
	[ "$(jq -r '.headers.authorization' <<<"$r")" = null ]
	r=$(call "$PROXY_URL" /v1beta/models/g:generateContent '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}' \
		-H 'x-goog-api-key: pk-alice-0123456789')
	[ "$(jq -r '.headers["x-goog-api-key"]' <<<"$r")" = sk-upstream-secret-4242 ]
	# an unknown or missing key: 401 in the client's format, logged
	run curl -sS -w '\n%{http_code}' "$PROXY_URL/v1/messages" -H 'x-api-key: pk-mallory-000000' \
		-d '{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
	[ "${lines[1]}" = 401 ]
	[ "$(jq -r '.type + " " + .error.type' <<<"${lines[0]}")" = "error authentication_error" ]
	run curl -sS -w '\n%{http_code}' "$PROXY_URL/v1/chat/completions" -d '{"model":"m","messages":[]}'
	[ "${lines[1]}" = 401 ]
	[ "$(jq -r '.error.message' <<<"${lines[0]}")" = "offswitch proxy: a proxy key is required" ]
	stop_srv "$d"
	"$OFFSWITCH" audit verify "$d/log"
	"$OFFSWITCH" audit show "$d/log" >"$d/show"
	[ "$(jq -r '.record.data.agent' "$d/show" | tr '\n' ' ')" = "alice bob alice   " ]
	[ "$(jq -r '.record.data.format' "$d/show" | tr '\n' ' ')" = "openai-chat anthropic-messages gemini anthropic-messages openai-chat " ]
	! grep -a -e pk-alice -e pk-bob -e pk-mallory -e sk-upstream-secret "$d/log" "$d/show"
	grep -q REDACTED "$d/show" # the echoed upstream key was redacted from the response body
}

@test "X-Offswitch-Agent names the agent without a keys file; keys pass through; --token-env" {
	local d="$BATS_TEST_TMPDIR/p_tok"
	TOK=tok-client-555555 start_proxy "$d" --upstream "$PY_URL" --token-env TOK --audit "$d/log"
	run curl -sS -o /dev/null -w '%{http_code}' "$PROXY_URL/v1/models"
	[ "$output" = 401 ]
	r=$(curl -sS "$PROXY_URL/v1/models" -H 'Proxy-Authorization: Bearer tok-client-555555' -H 'X-Offswitch-Agent: worker-1' \
		-H 'x-api-key: sk-client-own-key')
	[ "$(jq -r '.headers["x-api-key"]' <<<"$r")" = sk-client-own-key ]
	[ "$(jq -r '.headers["proxy-authorization"]' <<<"$r")" = null ]
	stop_srv "$d"
	"$OFFSWITCH" audit show "$d/log" | jq -r '.record.data.agent' | grep -qx worker-1
	! grep -a tok-client-555555 "$d/log"
}

@test "bad input: duplicate keys and malformed JSON 400, oversized 413, in the client's format, and logged" {
	local d="$BATS_TEST_TMPDIR/p_bad"
	start_proxy "$d" --upstream "$MOCK_URL" --max-request-bytes 2000 --audit "$d/log"
	run curl -sS -w '\n%{http_code}' "$PROXY_URL/v1/chat/completions" \
		-d '{"model":"mock","messages":[{"role":"user","content":"a","content":"b"}]}'
	[ "${lines[1]}" = 400 ]
	[[ "$(jq -r .error.message <<<"${lines[0]}")" == *"duplicate object key"* ]]
	run curl -sS -w '\n%{http_code}' "$PROXY_URL/v1/messages" -d '{"model":"mock",'
	[ "${lines[1]}" = 400 ]
	[ "$(jq -r .error.type <<<"${lines[0]}")" = invalid_request_error ]
	big=$(head -c 5000 /dev/zero | tr '\0' a)
	run curl -sS -w '\n%{http_code}' "$PROXY_URL/v1beta/models/g:generateContent" \
		-d "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"$big\"}]}]}"
	[ "${lines[1]}" = 413 ]
	[ "$(jq -r .error.code <<<"${lines[0]}")" = 413 ]
	stop_srv "$d"
	"$OFFSWITCH" audit verify "$d/log"
	[ "$("$OFFSWITCH" audit show "$d/log" | jq -r '.record.data.status' | tr '\n' ' ')" = "400 400 413 " ]
}

@test "upstream down, reset or cut off: 502 in the client's format, the exchange still logged" {
	local d="$BATS_TEST_TMPDIR/p_down" port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	start_proxy "$d" --upstream "http://127.0.0.1:$port" --audit "$d/log"
	run curl -sS -w '\n%{http_code}' "$PROXY_URL/v1/messages" \
		-d '{"model":"mock","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
	[ "${lines[1]}" = 502 ]
	[ "$(jq -r '.type + " " + .error.type' <<<"${lines[0]}")" = "error api_error" ]
	stop_srv "$d"
	[ "$("$OFFSWITCH" audit show "$d/log" | jq -c 'select(.record.data.status == 502 and (.record.data.error | test("upstream failed")))' | wc -l)" = 1 ]
	# a reset and a cut-off body from the mock
	run curl -sS -w '\n%{http_code}' "$P1_URL/v1/chat/completions" -H 'X-Mock-Fault: reset' \
		-d '{"model":"mock","messages":[{"role":"user","content":"hi"}]}'
	[ "${lines[1]}" = 502 ]
	[ "$(jq -r .error.type <<<"${lines[0]}")" != null ]
	run curl -sS -w '\n%{http_code}' "$P1_URL/v1/chat/completions" -H 'X-Mock-Fault: truncated' \
		-d '{"model":"mock","messages":[{"role":"user","content":"hi"}]}'
	[ "${lines[1]}" = 502 ]
	# the proxy is still serving
	[ "$(curl -sS "$P1_URL/healthz")" = ok ]
}

@test "a slow upstream past --timeout gets 504; a slow client is dropped after --client-timeout; the proxy goes on" {
	local d="$BATS_TEST_TMPDIR/p_slow"
	start_proxy "$d" --upstream "$PY_URL" --timeout 1 --client-timeout 1 --audit "$d/log"
	run curl -sS -w '\n%{http_code}' --max-time 20 "$PROXY_URL/v1/slow?s=4" -H 'x-api-key: k' -H 'anthropic-version: 2023-06-01'
	[ "${lines[1]}" = 504 ]
	[ "$(jq -r '.type + " " + .error.type' <<<"${lines[0]}")" = "error api_error" ] # the client's format (anthropic-version)
	# a client that sends half its headers and stalls: closed by the proxy, not held for ever
	run python3 -c '
import socket, sys, time
host, port = sys.argv[1].rsplit("/", 1)[-1].split(":")
s = socket.create_connection((host, int(port)))
s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n")
s.settimeout(15)
t0 = time.time()
data = s.recv(1024)  # b"" when the proxy closes the connection
print("%.1f %d" % (time.time() - t0, len(data)))' "$PROXY_URL"
	[ "$status" -eq 0 ]
	read -r secs _ <<<"$output"
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 10 else 1)' "$secs"
	[ "$(curl -sS "$PROXY_URL/healthz")" = ok ]
	stop_srv "$d"
	[ "$("$OFFSWITCH" audit show "$d/log" | jq -c 'select(.record.data.status == 504)' | wc -l)" = 1 ]
}

@test "/healthz and /metrics count requests by agent, format and status" {
	local d="$BATS_TEST_TMPDIR/p_met"
	start_proxy "$d" --upstream "$MOCK_URL" --audit "$d/log"
	[ "$(curl -sS "$PROXY_URL/healthz")" = ok ]
	for i in 1 2 3; do
		call "$PROXY_URL" /v1/chat/completions '{"model":"mock","messages":[{"role":"user","content":"hi"}]}' \
			-H 'X-Offswitch-Agent: a1' >/dev/null
	done
	call "$PROXY_URL" /v1/messages '{"model":"mock","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}' \
		-H 'X-Offswitch-Agent: a2' -H 'X-Mock-Fault: 429' >/dev/null
	m=$(curl -sS "$PROXY_URL/metrics")
	grep -qx 'ofs_proxy_requests_total{agent="a1",format="openai-chat",status="200"} 3' <<<"$m"
	grep -qx 'ofs_proxy_requests_total{agent="a2",format="anthropic-messages",status="429"} 1' <<<"$m"
	grep -qx 'ofs_proxy_latency_seconds_count 4' <<<"$m"
	grep -qx 'ofs_proxy_latency_seconds_bucket{le="+Inf"} 4' <<<"$m"
	grep -qx 'ofs_proxy_audit_records 4' <<<"$m"
	grep -q '^ofs_proxy_audit_bytes [1-9]' <<<"$m"
	grep -q '^ofs_proxy_response_bytes_total [1-9]' <<<"$m"
	grep -q '^# TYPE ofs_proxy_alerts_total counter' <<<"$m"
	stop_srv "$d"
}

@test "SIGTERM drains: the request in flight completes and is logged, the proxy exits 0" {
	local d="$BATS_TEST_TMPDIR/p_drain" i
	start_proxy "$d" --upstream "$PY_URL" --audit "$d/log"
	curl -sS --max-time 20 -o "$d/body" -w '%{http_code}' "$PROXY_URL/v1/slow?s=1.5" >"$d/code" &
	local cpid=$!
	for i in $(seq 100); do # wait until the request is in flight
		curl -sS "$PROXY_URL/metrics" | grep -qx 'ofs_proxy_inflight 1' && break
		sleep 0.05
	done
	stop_srv "$d" TERM
	wait "$cpid"
	[ "$(cat "$d/code")" = 200 ]
	[ "$(cat "$d/body")" = '{"slow":true}' ]
	"$OFFSWITCH" audit verify "$d/log"
	[ "$("$OFFSWITCH" audit show "$d/log" | jq -c 'select(.record.data.path == "/v1/slow?s=1.5" and .record.data.status == 200)' | wc -l)" = 1 ]
}

@test "kill -9 mid-stream loses no completed exchange; the log verifies (after --repair if torn)" {
	local d="$BATS_TEST_TMPDIR/p_kill" i
	start_proxy "$d" --upstream "$PY_URL" --audit "$d/log"
	for i in 1 2 3 4 5; do
		curl -sS "$PROXY_URL/v1/echo-$i" -d "{\"i\":$i}" >/dev/null
	done
	curl -sS -N --max-time 20 "$PROXY_URL/v1/slow-sse?n=10&gap=0.5" >"$d/stream" &
	local cpid=$!
	for i in $(seq 100); do
		grep -q 'data:' "$d/stream" 2>/dev/null && break
		sleep 0.05
	done
	kill -9 "$(cat "$d/pid")"
	wait "$cpid" || true
	if ! "$OFFSWITCH" audit verify "$d/log"; then # a torn tail: repaired on the next start
		start_proxy "$d" --upstream "$PY_URL" --audit "$d/log" --repair
		stop_srv "$d"
		"$OFFSWITCH" audit verify "$d/log"
	fi
	[ "$("$OFFSWITCH" audit show "$d/log" | jq -r '.record.data.path' | grep -c '^/v1/echo-')" = 5 ]
}

@test "--help is complete; bad flags exit 2; a bad keys file exits 3; a torn log without --repair exits 4" {
	run "$OFFSWITCH" proxy --help
	[ "$status" -eq 0 ]
	for f in --upstream --listen --allow-remote --upstream-key-env --keys --token-env --audit --repair --record-bytes \
		--max-request-bytes --timeout --client-timeout --drain-seconds /healthz /metrics; do
		[[ "$output" == *"$f"* ]] || { echo "--help lacks $f" >&2; return 1; }
	done
	run --separate-stderr "$OFFSWITCH" proxy --listen 127.0.0.1:0
	expect_status 2
	expect_one_line_error "--upstream URL is required"
	run --separate-stderr "$OFFSWITCH" proxy --upstream "$MOCK_URL" --upstream-key-env OFS_SURELY_UNSET_VAR
	expect_status 2
	run --separate-stderr "$OFFSWITCH" proxy --upstream ftp://x
	expect_status 2
	printf 'alice short\n' >"$BATS_TEST_TMPDIR/keys"
	run --separate-stderr "$OFFSWITCH" proxy --upstream "$MOCK_URL" --keys "$BATS_TEST_TMPDIR/keys"
	expect_status 3
	expect_one_line_error "line 1" "8 to 256"
	printf 'OFSAUD01\0\0\0' >"$BATS_TEST_TMPDIR/torn"
	run --separate-stderr "$OFFSWITCH" proxy --upstream "$MOCK_URL" --audit "$BATS_TEST_TMPDIR/torn"
	expect_status 4
	[[ "$stderr" == *"torn tail"* ]]
}

@test "a client that leaves mid-stream: the upstream transfer stops, the exchange is logged with the reason" {
	local d="$BATS_TEST_TMPDIR/p_gone" i
	start_proxy "$d" --upstream "$PY_URL" --audit "$d/log"
	run curl -sS -N --max-time 1 "$PROXY_URL/v1/slow-sse?n=6&gap=0.6"
	[ "$status" -eq 28 ] # curl's own timeout: it left
	[[ "$output" == *'data: {"i": 0}'* ]]
	for i in $(seq 100); do # the proxy notices at its next write
		[ "$("$OFFSWITCH" audit show "$d/log" 2>/dev/null | wc -l)" -ge 1 ] && break
		sleep 0.1
	done
	# the proxy still serves, then stops cleanly
	[ "$(curl -sS "$PROXY_URL/healthz")" = ok ]
	stop_srv "$d"
	"$OFFSWITCH" audit show "$d/log" | jq -r .record.data.error | grep -q 'client closed the connection'
}

@test "the shared proxy stops cleanly (exit 0, no sanitizer report)" {
	stop_srv "$P1"
}
