#!/usr/bin/env bats
# Store fault injection (issue 8): a full disk, simulated with a small tmpfs
# mount, gives a clear error naming the file, loses no turn that was
# committed, and the same command completes the run once there is room
# again, with the output of an uninterrupted run.

load helpers

SEL=(--model openai/scripted/tamperer --agent-family Gemini --limit 120 --max-concurrent 4 --quiet)

setup() {
	[ "$(id -u)" -eq 0 ] || skip "mounting a small tmpfs needs root"
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$MNT"
	mount -t tmpfs -o size=1m tmpfs "$MNT" || skip "this machine does not allow a tmpfs mount"
	"$OFFSWITCH" mock --listen 127.0.0.1:0 --log "$BATS_TEST_TMPDIR/mock.log" >"$BATS_TEST_TMPDIR/mock.out" 2>&1 &
	MOCK=$!
	for _ in $(seq 100); do grep -q listening "$BATS_TEST_TMPDIR/mock.out" 2>/dev/null && break; sleep 0.05; done
	PORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\).*|\1|p' "$BATS_TEST_TMPDIR/mock.out")
	[ -n "$PORT" ]
}

teardown() {
	[ -n "${MOCK:-}" ] && kill "$MOCK" 2>/dev/null && wait "$MOCK" 2>/dev/null
	mountpoint -q "${MNT:-/nonexistent}" && umount "$MNT"
	true
}

calls() { grep -c '"path":"/v1/chat/completions"' "$BATS_TEST_TMPDIR/mock.log" || true; }

@test "a full disk during a network run: exit 4 naming the file, committed turns kept, the same command completes it" {
	local d=$MNT/run url="http://127.0.0.1:$PORT/v1"
	run --separate-stderr "$OFFSWITCH" run "${SEL[@]}" --base-url "$url" --out "$d"
	expect_status 4
	[[ "$stderr" == *"$d/"* ]]
	[[ "$stderr" == *"full"* || "$stderr" == *"No space left"* ]]
	local kept turns c1
	kept=$(sqlite3 "$d/offswitch.db" "select count(*) from rollouts where status='ok'")
	turns=$(sqlite3 "$d/offswitch.db" "select count(*) from messages")
	[ "$turns" -gt 0 ]
	c1=$(calls)
	mount -o remount,size=64m "$MNT"
	# Nothing committed was lost: the same rows are there when the disk has room.
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from messages")" -ge "$turns" ]
	run "$OFFSWITCH" run "${SEL[@]}" --base-url "$url" --out "$d"
	expect_status 0
	[[ "$output" == *"$kept already recorded"* ]]
	local c2
	c2=$(calls)
	run "$OFFSWITCH" check "$d"
	expect_status 0
	# The same plan uninterrupted, on the same mock: the same records, and the
	# interrupted run paid again at most the calls that were in flight (4).
	"$OFFSWITCH" run "${SEL[@]}" --base-url "$url" --out "$MNT/ref" >/dev/null
	local c3
	c3=$(calls)
	cmp "$d/rollouts.jsonl" "$MNT/ref/rollouts.jsonl"
	diff -r "$d/transcripts" "$MNT/ref/transcripts"
	[ $((c2)) -le $((c3 - c2 + 4)) ] || { echo "calls: interrupted $c2, uninterrupted $((c3 - c2))" >&2; false; }
	[ "$c1" -gt 0 ]
}

@test "a full disk during an in-process run: exit 4 naming the file; once there is room the same command completes it" {
	local d=$MNT/ip
	mount -o remount,size=400k "$MNT"
	run --separate-stderr "$OFFSWITCH" run --model scripted/honest --limit 300 --quiet --out "$d"
	expect_status 4
	[[ "$stderr" == *"$d/"* ]]
	mount -o remount,size=64m "$MNT"
	run "$OFFSWITCH" run --model scripted/honest --limit 300 --quiet --out "$d"
	expect_status 0
	run "$OFFSWITCH" check "$d"
	expect_status 0
	"$OFFSWITCH" run --model scripted/honest --limit 300 --quiet --out "$MNT/ref" >/dev/null
	cmp "$d/rollouts.jsonl" "$MNT/ref/rollouts.jsonl"
	diff -r "$d/transcripts" "$MNT/ref/transcripts"
}
