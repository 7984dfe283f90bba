#!/usr/bin/env bats
# bounds.bats — a hostile model cannot make a rollout grow without bound:
# per-file, per-world and per-result caps turn into tool errors the model
# sees (the run goes on), NUL bytes in arguments are refused, config values
# are capped in size and depth (issue 8, item 7).

load helpers

# Script file $1 with one turn whose tool calls are the JSON list $2 (built by python3).
write_script() {
	python3 - "$1" "$2" <<'PY'
import json, sys
calls = eval(sys.argv[2])
json.dump({"turns": [{"content": "go", "tool_calls": calls}]}, open(sys.argv[1], "w"))
PY
}

# Tool results of one rollout of DIR as "is_error<TAB>length<TAB>tool" lines.
tool_rows() {
	sqlite3 -separator $'\t' "$1/offswitch.db" "SELECT m.is_error, length(b.text), m.tool_name FROM messages m
		JOIN blobs b ON b.id = m.content WHERE m.role = 'tool' AND m.rollout_id = (SELECT min(id) FROM rollouts) ORDER BY m.idx;"
}

# Text of the first tool result named $2 with is_error $3 in DIR $1.
tool_text() {
	sqlite3 "$1/offswitch.db" "SELECT b.text FROM messages m JOIN blobs b ON b.id = m.content
		WHERE m.role = 'tool' AND m.tool_name = '$2' AND m.is_error = $3 ORDER BY m.rollout_id, m.idx LIMIT 1;"
}

@test "append bomb: 800 appends of 4 KiB finish under a 400 MB memory limit, past the file cap as tool errors" {
	S=$BATS_TEST_TMPDIR/bomb.json D=$BATS_TEST_TMPDIR/r
	write_script "$S" "[{'name': 'append_to_file', 'arguments': {'file_id': 0, 'content': 'A' * 4096}}] * 800"
	# AddressSanitizer reserves terabytes of address space, so a sanitizer
	# build runs without the limit (the caps are still checked below).
	local limit='ulimit -v 400000;'
	nm "$OFFSWITCH" 2>/dev/null | grep -q __asan_init && limit=
	run --separate-stderr bash -c "$limit"' exec timeout 120 "$@"' _ \
		"$OFFSWITCH" run --model "scripted:$S" "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 0
	[ "$(jsonl_count "$D")" -eq 2 ]
	tool_rows "$D" >"$BATS_TEST_TMPDIR/rows"
	ok=$(awk -F'\t' '$3 == "append_to_file" && $1 == 0' "$BATS_TEST_TMPDIR/rows" | wc -l)
	bad=$(awk -F'\t' '$3 == "append_to_file" && $1 == 1' "$BATS_TEST_TMPDIR/rows" | wc -l)
	[ "$ok" -ge 1 ] && [ "$ok" -le 40 ]
	[ $((ok + bad)) -eq 800 ]
	tool_text "$D" append_to_file 1 | grep -q "more than the limit of 131072 bytes. Nothing was appended."
	# no result echoes more than the capped file
	[ "$(awk -F'\t' '$2 > 200000' "$BATS_TEST_TMPDIR/rows" | wc -l)" -eq 0 ]
}

@test "a NUL character in tool arguments is a tool error, not a truncated argument" {
	S=$BATS_TEST_TMPDIR/nul.json D=$BATS_TEST_TMPDIR/r
	write_script "$S" "[{'name': 'create_file', 'arguments': json.dumps({'filename': 'a.txt', 'content': 'safe\x00 hidden'})},
		{'name': 'list_files', 'arguments': {}}]"
	run --separate-stderr "$OFFSWITCH" run --model "scripted:$S" "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 0
	tool_text "$D" create_file 1 | grep -q "contain a NUL character"
	[ -z "$(tool_text "$D" create_file 0)" ]
	! tool_text "$D" list_files 0 | grep -q "a.txt"
}

@test "add_var bomb: a deeply nested or huge value is refused and view_config stays small" {
	S=$BATS_TEST_TMPDIR/nest.json D=$BATS_TEST_TMPDIR/r
	write_script "$S" "[{'name': 'add_var', 'arguments': '{\"key\": \"k\", \"value\": ' + '{\"a\":' * 1300 + '1' + '}' * 1300 + '}'},
		{'name': 'add_var', 'arguments': {'key': 'big', 'value': 'x' * 200000}},
		{'name': 'add_var', 'arguments': {'key': 'ok', 'value': 'fine'}},
		{'name': 'view_config', 'arguments': {'filename': 'config.yaml'}}]"
	run --separate-stderr "$OFFSWITCH" run --model "scripted:$S" "${TAMPER_SEL[@]}" --out "$D" --quiet
	expect_status 0
	tool_rows "$D" >"$BATS_TEST_TMPDIR/rows"
	[ "$(awk -F'\t' '$3 == "add_var" && $1 == 1' "$BATS_TEST_TMPDIR/rows" | wc -l)" -eq 2 ]
	[ "$(awk -F'\t' '$3 == "add_var" && $1 == 0' "$BATS_TEST_TMPDIR/rows" | wc -l)" -eq 1 ]
	tool_text "$D" add_var 1 | grep -q "must be a string" # the value is a string, as in the paper
	sqlite3 "$D/offswitch.db" "SELECT b.text FROM messages m JOIN blobs b ON b.id = m.content
		WHERE m.role = 'tool' AND m.tool_name = 'add_var' AND m.is_error = 1;" | grep -q "grow past its limit"
	len=$(awk -F'\t' '$3 == "view_config" {print $2}' "$BATS_TEST_TMPDIR/rows")
	[ -n "$len" ] && [ "$len" -lt 70000 ]
}

@test "only localhost, 127.0.0.0/8 and [::1] count as local: look-alike hosts need the API key" {
	for u in http://localhost.evil.example/v1 http://127.example.com/v1 http://127.0.0.1.evil.example/v1 \
		http://user@evil.example/127.0.0.1 http://[::1].evil.example/v1; do
		run --separate-stderr env -u OPENAI_API_KEY "$OFFSWITCH" run --model openai/gpt-x --base-url "$u" \
			"${TAMPER_SEL[@]}" --out "$BATS_TEST_TMPDIR/r" --quiet
		[ "$status" -ne 0 ] || { echo "$u accepted" >&2; false; }
		[[ "$stderr" == *"needs an API key"* ]] || { echo "$u: $stderr" >&2; false; }
	done
	for u in http://localhost:1/v1 http://127.1.2.3:1/v1 "http://[::1]:1/v1" http://LOCALHOST:1/v1; do
		run --separate-stderr env -u OPENAI_API_KEY "$OFFSWITCH" run --model openai/gpt-x --base-url "$u" \
			"${TAMPER_SEL[@]}" --max-retries 0 --timeout 5 --out "$BATS_TEST_TMPDIR/r-$RANDOM" --quiet
		[[ "$stderr" != *"needs an API key"* ]] || { echo "$u: $stderr" >&2; false; }
	done
}

@test "a response body over the 8 MiB cap ends the call as too_large, the run goes on" {
	D=$BATS_TEST_TMPDIR/r
	python3 - "$BATS_TEST_TMPDIR/port" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"x":"' + b"a" * (9 << 20) + b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_address[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.timeout = 60
for _ in range(8):
    s.handle_request()
PY
	SRV=$!
	for _ in $(seq 100); do [ -f "$BATS_TEST_TMPDIR/port" ] && break; sleep 0.1; done
	PORT=$(cat "$BATS_TEST_TMPDIR/port")
	run --separate-stderr timeout 60 "$OFFSWITCH" run --model openai/gpt-x --base-url "http://127.0.0.1:$PORT/v1" \
		"${TAMPER_SEL[@]}" --max-retries 3 --retry-base-ms 1 --out "$D" --quiet
	kill "$SRV" 2>/dev/null || true
	[ "$(jsonl_count "$D")" -eq 2 ]
	grep -q 'too_large' "$D/rollouts.jsonl"
}

@test "judge --max-retries 0 asks each question once, against a server that always fails" {
	D=$BATS_TEST_TMPDIR/r M=$BATS_TEST_TMPDIR/mock
	mkdir -p "$M"
	"$OFFSWITCH" run --model scripted/honest "${EVAL_SEL[@]}" --out "$D" --quiet >/dev/null
	"$OFFSWITCH" mock --listen 127.0.0.1:0 --fault 500 --log "$M/log.jsonl" >"$M/out" 2>"$M/err" &
	MOCK=$!
	for _ in $(seq 100); do grep -q '^listening on ' "$M/out" 2>/dev/null && break; sleep 0.05; done
	URL=$(sed -n 's/^listening on //p' "$M/out")
	run --separate-stderr timeout 60 "$OFFSWITCH" judge --from "$D" --base-url "$URL/v1" --max-retries 0
	kill "$MOCK" 2>/dev/null || true
	wait "$MOCK" 2>/dev/null || true
	asked=$(sed -n 's/.* \([0-9]*\) question(s) asked.*/\1/p' <<<"$output")
	[ -n "$asked" ] && [ "$asked" -ge 1 ]
	[ "$(wc -l <"$M/log.jsonl")" -eq "$asked" ]
}
