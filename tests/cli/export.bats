#!/usr/bin/env bats
# offswitch export: transcripts on demand. A run made with --no-transcripts,
# then exported, must read exactly as the same run made with transcripts.

load helpers

AGENTS=(--model scripted/honest --model scripted/tamperer --model scripted/faker --model scripted/retimestamper
	--task-type tampering --task-type misrep_evaluation --task-type exfiltration_transfer --num-experiments 2)

# same DIR_A DIR_B: the same transcripts (file for file, byte for byte) and rollouts.jsonl
same() {
	diff -r "$1/transcripts" "$2/transcripts"
	cmp "$1/rollouts.jsonl" "$2/rollouts.jsonl"
}

@test "export of a --no-transcripts run gives the run with transcripts, byte for byte; check passes" {
	a="$BATS_TEST_TMPDIR/a" n="$BATS_TEST_TMPDIR/n"
	"$OFFSWITCH" run "${AGENTS[@]}" --out "$a" --quiet >/dev/null
	run "$OFFSWITCH" run "${AGENTS[@]}" --no-transcripts --out "$n"
	expect_status 0
	[[ "$output" == *"Transcripts on demand: offswitch export --from $n"* ]]
	[ ! -e "$n/transcripts" ]
	! grep -q '"transcript"' "$n/rollouts.jsonl"
	run "$OFFSWITCH" export --from "$n"
	expect_status 0
	[[ "$output" == *"0 diverged"* ]]
	same "$a" "$n"
	[ "$(find "$n/transcripts" -type f | wc -l)" -eq "$(db_count "$a" rollouts)" ]
	[ "$(sqlite3 "$n/offswitch.db" 'select count(*) from rollouts where transcript is null')" -eq 0 ]
	run "$OFFSWITCH" check "$n"
	expect_status 0
	# the report is the same, but for the directory it names
	[ "$("$OFFSWITCH" report "$a" --format json | sed "s#$a#DIR#g")" = "$("$OFFSWITCH" report "$n" --format json | sed "s#$n#DIR#g")" ]
}

@test "export --layout paper gives run --layout paper, byte for byte; exporting again changes nothing" {
	p="$BATS_TEST_TMPDIR/p" n="$BATS_TEST_TMPDIR/n"
	"$OFFSWITCH" run "${AGENTS[@]}" --layout paper --out "$p" --quiet >/dev/null
	"$OFFSWITCH" run "${AGENTS[@]}" --no-transcripts --out "$n" --quiet >/dev/null
	"$OFFSWITCH" export --from "$n" --layout paper >/dev/null
	same "$p" "$n"
	"$OFFSWITCH" export --from "$n" --layout paper >/dev/null # numbered from 0 again: no second file per rollout
	same "$p" "$n"
	[ "$(find "$n/transcripts" -type f | wc -l)" -eq "$(db_count "$p" rollouts)" ]
	# the other layout over these is refused, naming the way to a copy; nothing changes
	run --separate-stderr "$OFFSWITCH" export --from "$n"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"paper layout"*"replay --from"* ]]
	same "$p" "$n"
	run --separate-stderr "$OFFSWITCH" export --from "$p" --layout offswitch
	[ "$status" -eq 4 ]
	# ... also when the first line of rollouts.jsonl is long (its transcript
	# path past the first 8 KiB): the refusal read only that much before
	python3 - "$p/rollouts.jsonl" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
lines[0] = lines[0].replace('{', '{"pad":"' + "x" * 20000 + '",', 1)
open(p, "w").write("\n".join(lines))
PY
	run --separate-stderr "$OFFSWITCH" export --from "$p" --layout offswitch
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"paper layout"* ]]
}

@test "an export killed with kill -9 is completed by running it again" {
	a="$BATS_TEST_TMPDIR/a" n="$BATS_TEST_TMPDIR/n"
	"$OFFSWITCH" run --out "$a" --quiet >/dev/null # every reference agent: ~3000 rollouts
	"$OFFSWITCH" run --no-transcripts --out "$n" --quiet >/dev/null
	killed=0
	for delay in 0.3 0.15 0.6; do
		"$OFFSWITCH" export --from "$n" >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
		wait "$pid" || true
	done
	echo "killed $killed of 3" >&3
	run "$OFFSWITCH" export --from "$n"
	expect_status 0
	same "$a" "$n"
	run "$OFFSWITCH" check "$n"
	expect_status 0
}

@test "export of an interviewed run keeps the interview in the transcripts" {
	a="$BATS_TEST_TMPDIR/a" n="$BATS_TEST_TMPDIR/n"
	sel=(--model scripted/honest --model scripted/retimestamper "${TAMPER_SEL[@]}" --num-experiments 2 --interview)
	"$OFFSWITCH" run "${sel[@]}" --out "$a" --quiet >/dev/null
	"$OFFSWITCH" run "${sel[@]}" --no-transcripts --out "$n" --quiet >/dev/null
	"$OFFSWITCH" export --from "$n" >/dev/null
	same "$a" "$n"
	grep -rq '"interview"' "$n/transcripts"
}

@test "export refuses what it cannot use, naming it, and writes nothing" {
	run --separate-stderr "$OFFSWITCH" export
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--from"* ]]
	run --separate-stderr "$OFFSWITCH" export --from "$BATS_TEST_TMPDIR" --layout both
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"'both'"* ]]
	run --separate-stderr "$OFFSWITCH" export --from "$BATS_TEST_TMPDIR" extra
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"'extra'"* ]]
	run --separate-stderr "$OFFSWITCH" export --from "$BATS_TEST_TMPDIR/none"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"not a run directory"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/none" ]
	# a shared store's URL: in place needs a directory; its password is not shown
	run --separate-stderr "$OFFSWITCH" export --from "postgresql://ofs:hunter2secret@127.0.0.1:1/x"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"not a run directory"*"replay --from URL --out DIR"* ]]
	[[ "$stderr" != *hunter2secret* ]]
	# a database that is not offswitch's
	mkdir "$BATS_TEST_TMPDIR/bad"
	printf 'not a database at all, just text' >"$BATS_TEST_TMPDIR/bad/offswitch.db"
	run --separate-stderr "$OFFSWITCH" export --from "$BATS_TEST_TMPDIR/bad"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"offswitch.db"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/bad/transcripts" ]
}
