#!/usr/bin/env bats
# The proxy's own HTTP/1.1 client for plain http:// upstreams
# (lib/proxy/h1.c): chunked bodies, 1xx answers skipped, bodies ended by
# closing, kept-alive connections reused, a pooled connection the upstream
# closed between requests retried on a new one, big bodies, HEAD. The
# upstream is tests/cli/fixtures/proxy_upstream.py on 127.0.0.1, named as
# localhost (the name's addresses are tried in turn: ::1 may refuse).

load helpers

UPSTREAM_PY="$BATS_TEST_DIRNAME/fixtures/proxy_upstream.py"

setup_file() {
	export PYD="$BATS_FILE_TMPDIR/py" P1="$BATS_FILE_TMPDIR/p1"
	start_srv "$PYD" python3 "$UPSTREAM_PY"
	export PY_URL=$URL
	start_srv "$P1" "$OFFSWITCH" proxy --listen 127.0.0.1:0 --upstream "${PY_URL/127.0.0.1/localhost}" --audit "$P1/log" --no-detect
	export P1_URL=$URL
}

teardown_file() {
	for d in "${P1:-}" "${PYD:-}"; do
		[ -z "$d" ] || stop_srv "$d" || true
	done
}

get() { # get PATH: body, then the status on its own line
	curl -sS --max-time 20 -w '\n%{http_code}' "$P1_URL$1" "${@:2}"
}

@test "a chunked upstream body (extensions, trailer) arrives whole; a 103 interim answer is skipped" {
	run get /v1/chunked
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 200 ]
	[ "${lines[0]}" = '{"chunked":true,"parts":3}' ]
	run get /v1/interim
	[ "${lines[1]}" = 200 ]
	[ "$(jq -r .path <<<"${lines[0]}")" = /v1/interim ]
	run get '/v1/big?n=3000000'
	[ "${lines[1]}" = 200 ]
	[ "${#lines[0]}" = 3000000 ]
}

@test "an upstream that answers without Content-Length, then closes: the body is whole, the next call works" {
	run get /v1/until-close
	[ "${lines[1]}" = 200 ]
	[ "${lines[0]}" = '{"until":"close"}' ]
	run get /v1/echo
	[ "${lines[1]}" = 200 ]
	[ "$(jq -r .path <<<"${lines[0]}")" = /v1/echo ]
}

@test "kept-alive upstream connections are reused; one the upstream closed in between is retried transparently" {
	local a b c
	a=$(curl -sS --max-time 20 "$P1_URL/v1/echo" | jq -r .peer)
	b=$(curl -sS --max-time 20 "$P1_URL/v1/echo" | jq -r .peer)
	[ "$a" = "$b" ] # the same upstream connection
	# the upstream answers, then closes the connection without saying so
	c=$(curl -sS --max-time 20 "$P1_URL/v1/drop" | jq -r .peer)
	[ "$c" = "$a" ]
	sleep 0.3 # the close reaches the proxy's side
	for i in 1 2 3; do
		run get /v1/echo -X POST -H 'Content-Type: application/json' -d "{\"i\":$i}"
		[ "${lines[1]}" = 200 ]
		[ "$(jq -r .body <<<"${lines[0]}")" = "{\"i\":$i}" ]
		[ "$(jq -r .peer <<<"${lines[0]}")" != "$c" ]
		[ "$(jq -r '.headers["content-length"]' <<<"${lines[0]}")" = 7 ]
	done
	# HEAD: headers only, the connection still usable after it
	run curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -I "$P1_URL/v1/echo"
	[ "$output" = 200 ]
	run get /v1/echo
	[ "${lines[1]}" = 200 ]
}

@test "a malformed chunk size or a body cut mid-chunk: 502, logged with the reason; the proxy goes on" {
	run get /v1/bad-chunk
	[ "${lines[1]}" = 502 ]
	run get /v1/cut-chunk
	[ "${lines[1]}" = 502 ]
	run get /v1/chunked
	[ "${lines[1]}" = 200 ]
}

@test "every exchange is logged; the log verifies; the proxy stops cleanly" {
	run get /v1/chunked
	[ "${lines[1]}" = 200 ]
	stop_srv "$P1"
	"$OFFSWITCH" audit verify "$P1/log"
	[ "$("$OFFSWITCH" audit show "$P1/log" | jq -c 'select(.record.data.status == 200)' | wc -l)" -ge 10 ]
	[ "$("$OFFSWITCH" audit show "$P1/log" | jq -c 'select(.record.data.status == 502 and (.record.data.error | test("malformed chunk size")))' | wc -l)" = 1 ]
	[ "$("$OFFSWITCH" audit show "$P1/log" | jq -c 'select(.record.data.status == 502 and (.record.data.error | test("cut off: the upstream closed mid-body")))' | wc -l)" = 1 ]
}
