#!/usr/bin/env bats
# Files offswitch rewrites are replaced whole (temporary file, fsync, rename):
# kill -9 at any moment leaves the old file or the new one, never a part.

load helpers

# Count the transcripts of DIR that do not parse as JSON.
broken_transcripts() {
	python3 - "$1" <<'PY'
import glob, json, sys
bad = 0
for f in glob.glob(sys.argv[1] + "/transcripts/**/transcript_*.json", recursive=True):
    try:
        with open(f) as h:
            json.load(h)
    except Exception:
        bad += 1
print(bad)
PY
}

@test "kill -9 during rescore never leaves a truncated transcript; a final rescore restores every one" {
	a="$BATS_TEST_TMPDIR/a"
	"$OFFSWITCH" run --out "$a" --quiet >/dev/null # every reference agent: ~3000 transcripts
	cp -r "$a/transcripts" "$BATS_TEST_TMPDIR/want"
	cp "$a/rollouts.jsonl" "$BATS_TEST_TMPDIR/want.jsonl"
	for i in $(seq 12); do
		"$OFFSWITCH" rescore --from "$a" >/dev/null 2>&1 &
		pid=$!
		sleep "0.$((RANDOM % 7 + 1))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		n=$(broken_transcripts "$a")
		[ "$n" -eq 0 ] || { echo "trial $i: $n transcript(s) do not parse" >&2; false; }
		jq -e . "$a/rollouts.jsonl" >/dev/null
	done
	run "$OFFSWITCH" rescore --from "$a"
	expect_status 0
	diff -r "$BATS_TEST_TMPDIR/want" "$a/transcripts"
	cmp "$BATS_TEST_TMPDIR/want.jsonl" "$a/rollouts.jsonl"
	[ -z "$(find "$a" -name '*.tmp')" ]
}

@test "report --html FILE replaces the file whole and leaves no temporary" {
	a="$BATS_TEST_TMPDIR/a" h="$BATS_TEST_TMPDIR/r.html"
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$a" --quiet >/dev/null
	echo "old" >"$h"
	run "$OFFSWITCH" report "$a" --html "$h"
	expect_status 0
	grep -q '</html>' "$h"
	[ ! -e "$h.tmp" ]
	# An unwritable target (a directory with an entry): the error names it, nothing is left.
	mkdir -p "$BATS_TEST_TMPDIR/d.html/x"
	run --separate-stderr "$OFFSWITCH" report "$a" --html "$BATS_TEST_TMPDIR/d.html"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"d.html"* ]]
	[ -d "$BATS_TEST_TMPDIR/d.html/x" ]
	[ ! -e "$BATS_TEST_TMPDIR/d.html.tmp" ]
}

@test "a transcript that cannot be written mid-run: exit 4 naming it, every recorded rollout has its transcript, the same command then completes it" {
	ref="$BATS_TEST_TMPDIR/ref" d="$BATS_TEST_TMPDIR/d"
	sel=(--model scripted/honest --task-type tampering --num-experiments 200 --quiet)
	"$OFFSWITCH" run "${sel[@]}" --out "$ref" >/dev/null
	# the 5,000th rollout's transcript path, taken by a folder: its write fails
	rel=$(sed -n 5000p "$ref/rollouts.jsonl" | jq -r .transcript)
	[ -n "$rel" ] && [ "$rel" != null ]
	mkdir -p "$d/$rel/blocker"
	run --separate-stderr "$OFFSWITCH" run "${sel[@]}" --out "$d"
	expect_status 4
	[[ "$stderr" == *"$rel"* ]]
	# what was recorded is whole: each line's transcript is there and parses
	n=$(wc -l <"$d/rollouts.jsonl")
	[ "$n" -ge 1 ] && [ "$n" -lt 5000 ]
	run "$OFFSWITCH" check "$d"
	expect_status 0
	rm -rf "${d:?}/$rel"
	run "$OFFSWITCH" run "${sel[@]}" --out "$d"
	expect_status 0
	cmp "$d/rollouts.jsonl" "$ref/rollouts.jsonl"
	diff -r "$d/transcripts" "$ref/transcripts"
}
