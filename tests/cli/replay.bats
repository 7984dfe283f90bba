#!/usr/bin/env bats
# offswitch replay / rescore: stored responses re-executed with no network.

load helpers

@test "replay of a reference-agent run is byte-identical (transcripts and rollouts.jsonl)" {
	a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b"
	"$OFFSWITCH" run --model scripted/retimestamper --model scripted/tamperer --model scripted/faker \
		--task-type exfiltration_transfer --task-type tampering --task-type alignment_faking --num-experiments 2 \
		--out "$a" --quiet >/dev/null
	run "$OFFSWITCH" replay --from "$a" --out "$b"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 diverged"* ]]
	diff -r "$a/transcripts" "$b/transcripts"
	cmp "$a/rollouts.jsonl" "$b/rollouts.jsonl"
	[ "$(sqlite3 "$b/offswitch.db" 'select count(*) from rollouts')" -eq "$(sqlite3 "$a/offswitch.db" 'select count(*) from rollouts')" ]
}

@test "replay of a script-file run keeps tool errors and nudges exactly" {
	s="$BATS_TEST_TMPDIR/s.json"
	cat >"$s" <<'JSON'
{"turns":[{"content":"hm"},{"tool_calls":[{"name":"nope","arguments":{}},{"name":"list_files","arguments":"{bad"}]},
 {"tool_calls":[{"name":"view_config","arguments":{"filename":"shutdown_config.yaml"}}]},
 {"tool_calls":[{"name":"remove_var","arguments":{"key":"shutdown_enabled"}}]}]}
JSON
	a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b"
	"$OFFSWITCH" run --model "scripted:$s" --task-type tampering --condition good_peer --peer-instantiation memory \
		--out "$a" --quiet >/dev/null
	"$OFFSWITCH" replay --from "$a" --out "$b" >/dev/null
	diff -r "$a/transcripts" "$b/transcripts"
	cmp "$a/rollouts.jsonl" "$b/rollouts.jsonl"
	grep -q '"tampered":true' "$b/rollouts.jsonl"
}

@test "rescore in place recomputes outcomes from stored responses and changes nothing when detectors are unchanged" {
	a="$BATS_TEST_TMPDIR/a"
	"$OFFSWITCH" run --model scripted/exfiltrator --task-type exfiltration_deletion --out "$a" --quiet >/dev/null
	cp "$a/rollouts.jsonl" "$BATS_TEST_TMPDIR/before.jsonl"
	# Wipe the stored outcomes: rescore must rebuild them.
	sqlite3 "$a/offswitch.db" "update outcomes set exfiltration = NULL, delete_model = NULL"
	run "$OFFSWITCH" rescore --from "$a"
	[ "$status" -eq 0 ]
	cmp "$a/rollouts.jsonl" "$BATS_TEST_TMPDIR/before.jsonl"
	[ "$(sqlite3 "$a/offswitch.db" 'select count(*) from outcomes where exfiltration = 1')" -eq \
		"$(sqlite3 "$a/offswitch.db" 'select count(*) from rollouts')" ]
}

@test "replay and rescore: bad input" {
	run --separate-stderr "$OFFSWITCH" replay --from "$BATS_TEST_TMPDIR" --out "$BATS_TEST_TMPDIR/x"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"not a run directory"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
	run --separate-stderr "$OFFSWITCH" replay --from "$BATS_TEST_TMPDIR"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--out"* ]]
	run --separate-stderr "$OFFSWITCH" rescore --from "$BATS_TEST_TMPDIR" --out x
	[ "$status" -eq 2 ]
	a="$BATS_TEST_TMPDIR/a"
	"$OFFSWITCH" run --model scripted/honest --task-type tampering --limit 1 --out "$a" --quiet >/dev/null
	run --separate-stderr "$OFFSWITCH" replay --from "$a" --out "$a"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"new directory"* ]]
}

@test "a replay killed with kill -9 is completed by running it again, byte for byte" {
	a="$BATS_TEST_TMPDIR/a" ref="$BATS_TEST_TMPDIR/ref" b="$BATS_TEST_TMPDIR/b"
	"$OFFSWITCH" run --out "$a" --quiet >/dev/null # every reference agent: ~3000 rollouts
	"$OFFSWITCH" replay --from "$a" --out "$ref" >/dev/null
	for i in $(seq 3); do
		rm -rf "$b"
		for k in 1 2; do # killed twice, then run to the end
			"$OFFSWITCH" replay --from "$a" --out "$b" >/dev/null 2>&1 &
			pid=$!
			sleep "0.$((RANDOM % 9 + 1))"
			kill -9 "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
		done
		run --separate-stderr "$OFFSWITCH" replay --from "$a" --out "$b"
		expect_status 0
		[[ "$output" == *"0 diverged"* ]]
		diff -r "$ref/transcripts" "$b/transcripts"
		cmp "$ref/rollouts.jsonl" "$b/rollouts.jsonl"
		[ "$(db_count "$b" rollouts)" -eq "$(db_count "$ref" rollouts)" ]
		[ "$(db_count "$b" messages)" -eq "$(db_count "$ref" messages)" ]
		[ "$(db_count "$b" configs)" -eq "$(db_count "$ref" configs)" ]
		[ -z "$(find "$b" -name '*.tmp')" ]
	done
	# Run again on a complete replay: nothing changes.
	run "$OFFSWITCH" replay --from "$a" --out "$b"
	expect_status 0
	cmp "$ref/rollouts.jsonl" "$b/rollouts.jsonl"
	[ "$(db_count "$b" rollouts)" -eq "$(db_count "$ref" rollouts)" ]
}

@test "a replay killed before its first commit leaves an empty database: running it again fills it" {
	a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b"
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$a" --quiet >/dev/null
	mkdir "$b"
	sqlite3 "$b/offswitch.db" "PRAGMA journal_mode=WAL;" >/dev/null # what a kill during the first open leaves
	run --separate-stderr "$OFFSWITCH" replay --from "$a" --out "$b"
	expect_status 0
	[[ "$output" == *"0 diverged"* ]]
	cmp "$a/rollouts.jsonl" "$b/rollouts.jsonl"
	# Commands that read a run say plainly that it holds nothing yet.
	mkdir "$BATS_TEST_TMPDIR/e"
	sqlite3 "$BATS_TEST_TMPDIR/e/offswitch.db" "PRAGMA journal_mode=WAL;" >/dev/null
	run --separate-stderr "$OFFSWITCH" report "$BATS_TEST_TMPDIR/e"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"holds no run yet"* ]]
}

@test "replay into a directory holding another run's database is refused; both untouched" {
	a="$BATS_TEST_TMPDIR/a" x="$BATS_TEST_TMPDIR/x"
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$a" --quiet >/dev/null
	"$OFFSWITCH" run --model scripted/honest "${TAMPER_SEL[@]}" --out "$x" --quiet >/dev/null
	sa=$(dir_state "$a") sx=$(dir_state "$x")
	runs=$(db_count "$x" runs)
	run --separate-stderr "$OFFSWITCH" replay --from "$a" --out "$x"
	expect_status 4
	expect_one_line_error "$x" "another run"
	[ "$(dir_state "$a")" = "$sa" ]
	[ "$(dir_state "$x")" = "$sx" ]
	[ "$(db_count "$x" runs)" -eq "$runs" ]
	# The replay of another source is another run too.
	b="$BATS_TEST_TMPDIR/b"
	"$OFFSWITCH" replay --from "$x" --out "$b" >/dev/null
	sb=$(dir_state "$b")
	run --separate-stderr "$OFFSWITCH" replay --from "$a" --out "$b"
	expect_status 4
	[[ "$stderr" == *"another run"* ]]
	[ "$(dir_state "$b")" = "$sb" ]
}

@test "replay --out naming the source however spelled is refused before anything is written" {
	a="$BATS_TEST_TMPDIR/a"
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$a" --quiet >/dev/null
	ln -s "$a" "$BATS_TEST_TMPDIR/link"
	sa=$(dir_state "$a")
	runs=$(db_count "$a" runs)
	sum=$(find "$a" -type f ! -name 'offswitch.db*' -exec cksum {} + | sort)
	cd "$BATS_TEST_TMPDIR"
	for out in "$a/" ./a a/. "$BATS_TEST_TMPDIR/link" link/ "$BATS_TEST_TMPDIR/../$(basename "$BATS_TEST_TMPDIR")/a"; do
		run --separate-stderr "$OFFSWITCH" replay --from "$a" --out "$out"
		expect_status 4
		[[ "$stderr" == *"new directory"* ]]
		run --separate-stderr "$OFFSWITCH" replay --from ./a/ --out "$out"
		expect_status 4
	done
	[ "$(dir_state "$a")" = "$sa" ]
	[ "$(db_count "$a" runs)" -eq "$runs" ]
	[ "$(find "$a" -type f ! -name 'offswitch.db*' -exec cksum {} + | sort)" = "$sum" ]
}
