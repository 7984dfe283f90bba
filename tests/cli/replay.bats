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
