#!/usr/bin/env bats
# SQLite schema 5 (issue 14): a rollouts.jsonl line is stored as two shared
# blobs (head: the configuration's fields; tail: evaluation, usage, status)
# around its rep and transcript path. The lines read back byte for byte, a
# schema-2 file (whole lines, no sum_head/sum_tail) is read and migrated in
# place, and its old lines stay as they were.

load helpers

# The file as schema 2 wrote it: whole lines in summary, no compact columns.
to_schema2() {
	sqlite3 "$1/offswitch.db" "UPDATE rollouts SET summary = CASE WHEN sum_head IS NULL THEN summary ELSE
		(SELECT text FROM blobs WHERE id = sum_head) || ',\"rep\":' || rep || ',' ||
		(SELECT text FROM blobs WHERE id = sum_tail) || COALESCE(',\"transcript\":\"' || transcript || '\"', '') || '}'
		END;
		ALTER TABLE rollouts DROP COLUMN sum_head; ALTER TABLE rollouts DROP COLUMN sum_tail; PRAGMA user_version=2;"
}

@test "many reps share one head and one tail; the lines read back exactly (check, export)" {
	local d=$BATS_TEST_TMPDIR/c
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --num-experiments 5 --out "$d" --quiet >/dev/null
	[ "$(wc -l <"$d/rollouts.jsonl")" -eq 10 ]
	# 2 configurations x 5 reps: 10 compact rows over 2 heads and at most 2 tails
	[ "$(sqlite3 "$d/offswitch.db" 'SELECT count(*), count(DISTINCT sum_head), count(DISTINCT sum_tail) <= 2 FROM rollouts WHERE summary = ""')" = "10|2|1" ]
	run "$OFFSWITCH" check "$d"
	expect_status 0
	cp "$d/rollouts.jsonl" "$BATS_TEST_TMPDIR/before"
	"$OFFSWITCH" rescore --from "$d" >/dev/null
	cmp "$d/rollouts.jsonl" "$BATS_TEST_TMPDIR/before"
}

@test "a schema-2 database is read as it is and migrated by the next run; its lines are kept" {
	local d=$BATS_TEST_TMPDIR/old
	seed_run "$d"
	to_schema2 "$d"
	cp "$d/rollouts.jsonl" "$BATS_TEST_TMPDIR/before"
	run "$OFFSWITCH" check "$d"
	expect_status 0
	run --separate-stderr "$OFFSWITCH" report "$d" --format json
	expect_status 0
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --num-experiments 2 --out "$d" --quiet >/dev/null
	[ "$(sqlite3 "$d/offswitch.db" 'pragma user_version')" -eq 5 ]
	[ "$(sqlite3 "$d/offswitch.db" 'SELECT count(*) FROM rollouts WHERE sum_head IS NULL')" -eq 2 ]
	[ "$(sqlite3 "$d/offswitch.db" 'SELECT count(*) FROM rollouts WHERE sum_head IS NOT NULL')" -eq 2 ]
	# the old rows' lines are unchanged, the new ones are what a fresh run writes
	grep -F -x -f "$BATS_TEST_TMPDIR/before" "$d/rollouts.jsonl" | cmp - "$BATS_TEST_TMPDIR/before"
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --num-experiments 2 --out "$BATS_TEST_TMPDIR/fresh" --quiet >/dev/null
	cmp "$d/rollouts.jsonl" "$BATS_TEST_TMPDIR/fresh/rollouts.jsonl"
	run "$OFFSWITCH" check "$d"
	expect_status 0
}
