#!/usr/bin/env bash
# tests/tsan.sh TSAN_BIN REF_BIN — the in-process run's threads (the
# loops, and the recorder of lib/exec/pipeline.c; replay and export too) under ThreadSanitizer: each
# case must end without a report, and give the same rollouts.jsonl as the
# reference build. TAP output.
set -u
tsan=$(realpath "$1") ref=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
export OFFSWITCH_DATA="$root/data"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
result() { # result OK DESCRIPTION [LOG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
		[ -n "${3:-}" ] && sed 's/^/# /' "$3" | head -60
	fi
}
clean() { # clean LOG: no sanitizer report in it
	! grep -q "ThreadSanitizer" "$1"
}
same() { # same DIR_A DIR_B: equal rollouts.jsonl
	cmp -s "$1/rollouts.jsonl" "$2/rollouts.jsonl"
}
echo "1..6"

# 1. every reference agent on the tampering task with the interview (its hook
#    is read by the recorder thread)
args=(run --quiet --interview --task-type tampering --num-experiments 2)
"$tsan" "${args[@]}" --out "$work/t1" >"$work/t1.log" 2>&1
rc=$?
"$ref" "${args[@]}" --out "$work/r1" >/dev/null 2>&1
[ $rc = 0 ] && clean "$work/t1.log" && same "$work/t1" "$work/r1"
result $? "every reference agent, interviewed: no data race, rollouts.jsonl equal to the reference build's" "$work/t1.log"

# 2. the paper layout, resumed: numbered files picked by the recorder thread
args=(run --quiet --layout paper --task-type tampering)
"$tsan" "${args[@]}" --num-experiments 2 --out "$work/t2" >"$work/t2.log" 2>&1 &&
	"$tsan" "${args[@]}" --num-experiments 4 --out "$work/t2" >>"$work/t2.log" 2>&1
rc=$?
"$ref" "${args[@]}" --num-experiments 2 --out "$work/r2" >/dev/null 2>&1 &&
	"$ref" "${args[@]}" --num-experiments 4 --out "$work/r2" >/dev/null 2>&1
[ $rc = 0 ] && clean "$work/t2.log" && same "$work/t2" "$work/r2" && diff -r "$work/t2/transcripts" "$work/r2/transcripts" >/dev/null
result $? "the paper layout, resumed: no data race, the same files as the reference build's" "$work/t2.log"

# 3. interrupted while both threads are busy, then resumed
args=(run --quiet --no-transcripts --model scripted/honest --num-experiments 40)
"$tsan" "${args[@]}" --out "$work/t3" >"$work/t3.log" 2>&1 &
pid=$!
for _ in $(seq 100); do # until the first batch is on disk, or 10 s
	[ -s "$work/t3/offswitch.db-wal" ] && break
	sleep 0.1
done
sleep 0.5
kill -INT $pid 2>/dev/null
wait $pid
rc=$?
"$tsan" "${args[@]}" --out "$work/t3" >>"$work/t3.log" 2>&1
rc2=$?
"$ref" "${args[@]}" --out "$work/r3" >/dev/null 2>&1
[ $rc = 130 ] && [ $rc2 = 0 ] && clean "$work/t3.log" && same "$work/t3" "$work/r3"
result $? "Ctrl-C while the loop and the recorder run (exit $rc), then the same command: no data race, the same results" \
	"$work/t3.log"
# 4. a transcript that cannot be written: the writers stop at it, no race
args=(run --quiet --model scripted/honest --task-type tampering --num-experiments 20)
"$ref" "${args[@]}" --out "$work/r4" >/dev/null 2>&1
rel=$(sed -n 300p "$work/r4/rollouts.jsonl" | jq -r .transcript)
mkdir -p "$work/t4/$rel/blocker"
"$tsan" "${args[@]}" --out "$work/t4" >"$work/t4.log" 2>&1
rc=$?
"$ref" check "$work/t4" >>"$work/t4.log" 2>&1
rc2=$?
[ $rc = 4 ] && [ $rc2 = 0 ] && clean "$work/t4.log"
result $? "a transcript that cannot be written (exit $rc): no data race, what was recorded checks clean" "$work/t4.log"

# 5. export (replay in place on the pipeline: turns read through a second
#    handle while the row thread writes): the run with transcripts, exactly
args=(run --quiet --model scripted/tamperer --model scripted/faker --task-type tampering --num-experiments 3)
"$ref" "${args[@]}" --no-transcripts --out "$work/t5" >/dev/null 2>&1
"$ref" "${args[@]}" --out "$work/r5" >/dev/null 2>&1
"$tsan" export --from "$work/t5" >"$work/t5.log" 2>&1
rc=$?
[ $rc = 0 ] && clean "$work/t5.log" && same "$work/t5" "$work/r5" && diff -r "$work/t5/transcripts" "$work/r5/transcripts" >/dev/null
result $? "export: no data race, the run with transcripts byte for byte" "$work/t5.log"

# 6. replay into a new directory (configurations registered under the
#    pipeline's lock while the row thread stores)
"$tsan" replay --from "$work/r5" --out "$work/t6" >"$work/t6.log" 2>&1
rc=$?
[ $rc = 0 ] && clean "$work/t6.log" && same "$work/t6" "$work/r5" && diff -r "$work/t6/transcripts" "$work/r5/transcripts" >/dev/null
result $? "replay: no data race, byte-identical" "$work/t6.log"
exit $failed
