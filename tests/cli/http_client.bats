#!/usr/bin/env bats
# The engine's two HTTP clients against servers that frame their answers in
# every way HTTP/1.1 allows: the lean client (loopback http:// targets,
# lib/net/h1_multi.c) and libcurl (OFFSWITCH_HTTP_CURL=1 forces it). A relay
# (fixtures/h1_relay.py) passes each call to `offswitch mock` and reframes
# the answer; with no retries allowed, every rollout must still reach the
# in-process reference's outcome.

load helpers

SEL=(--task-type tampering --dataset factual --condition good_peer --condition bad_peer)

teardown() { # relays and the mute server killed; the mock must stop cleanly
	for d in "$BATS_TEST_TMPDIR"/srv-relay-* "$BATS_TEST_TMPDIR/srv-mute"; do
		[ -f "$d/pid" ] && kill "$(cat "$d/pid")" 2>/dev/null
	done
	stop_srv "$BATS_TEST_TMPDIR/srv-mock"
}

# through MODE CLIENT [RUN ARGS...]: the run through a relay in MODE with
# CLIENT (lean or curl); leaves the relay's log in $LOG
through() {
	local mode=$1 client=$2
	shift 2
	LOG="$BATS_TEST_TMPDIR/relay-$mode-$client.log"
	: >"$LOG"
	start_srv "$BATS_TEST_TMPDIR/srv-relay-$mode-$client-$RANDOM" python3 "$BATS_TEST_DIRNAME/fixtures/h1_relay.py" "$MOCK_URL" "$mode" "$LOG"
	local d env=()
	d=$(mktemp -d -p "$BATS_TEST_TMPDIR" "$mode-$client.XXXX")
	[ "$client" = curl ] && env=(OFFSWITCH_HTTP_CURL=1)
	run env "${env[@]}" "$OFFSWITCH" run --model openai/scripted/tamperer --agent-family Gemini "${SEL[@]}" \
		--base-url "$URL/v1" --max-retries "${RETRIES:-0}" --retry-base-ms 5 --max-concurrent 4 --timeout 20 --out "$d" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ model\ calls:\ ([0-9]+)\ retried ]]
	RETRIED=${BASH_REMATCH[1]}
	[ "${RETRIES:-0}" -gt 0 ] || [ "$RETRIED" -eq 0 ]
	same_outcomes "$d" "$BATS_TEST_TMPDIR/ref"
}

setup() {
	start_srv "$BATS_TEST_TMPDIR/srv-mock" "$OFFSWITCH" mock --listen 127.0.0.1:0
	MOCK_URL=$URL
	"$OFFSWITCH" run --model scripted/tamperer --agent-family Gemini "${SEL[@]}" --out "$BATS_TEST_TMPDIR/ref" --quiet >/dev/null
}

@test "kept-alive connections carry many calls each, with either client" {
	for client in lean curl; do
		through keep "$client"
		conns=$(grep -c '^conn$' "$LOG")
		reqs=$(grep -c '^req$' "$LOG")
		echo "$client: $conns connections for $reqs requests"
		[ "$reqs" -ge 20 ]
		[ "$conns" -le 4 ]
	done
}

@test "a kept-alive connection the server closed as it was reused: the lean client sends the call again on a new one, not counted as a retry" {
	through stale lean
	[ "$(grep -c '^drop$' "$LOG")" -ge 1 ]
	# libcurl (7.88) ends such a POST as "Empty reply from server": the
	# engine's retry covers it, counted as a retry
	RETRIES=3 through stale curl
	[ "$(grep -c '^drop$' "$LOG")" -ge 1 ]
	[ "$RETRIED" -ge 1 ]
}

@test "answers framed every other way arrive whole: Connection: close, HTTP/1.0 until close, chunked with a trailer, 7 bytes at a time, 1xx first" {
	for mode in close http10 chunked dribble interim; do
		for client in lean curl; do
			through "$mode" "$client"
		done
	done
	through chunked lean --stream
	through dribble lean --stream
}

@test "a refused connection and a server that never answers end as connect and timeout, alike on both clients" {
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	start_srv "$BATS_TEST_TMPDIR/srv-mute" python3 -c 'import socket
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",0)); s.listen(8)
print("listening on http://127.0.0.1:%d" % s.getsockname()[1], flush=True)
c=[]
while True: c.append(s.accept()[0])'
	mute=$URL
	for client in lean curl; do
		env=()
		[ "$client" = curl ] && env=(OFFSWITCH_HTTP_CURL=1)
		for target in "http://127.0.0.1:$port/v1 error:connect" "$mute/v1 error:timeout"; do
			set -- $target
			d="$BATS_TEST_TMPDIR/$client-${2#error:}"
			run env "${env[@]}" "$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini --task-type tampering \
				--limit 2 --base-url "$1" --max-retries 0 --timeout 1 --out "$d" --quiet
			[ "$status" -eq 1 ]
			python3 - "$d" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1] + "/rollouts.jsonl")]
assert len(rows) == 2 and all(r["status"] == sys.argv[2] for r in rows), [r["status"] for r in rows]
PY
		done
	done
}
