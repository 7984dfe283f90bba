#!/usr/bin/env bash
# tests/identity.sh OLD_BIN NEW_BIN [WORKDIR] — the behaviour-preservation
# check for refactors: runs the same jobs with two builds of offswitch and
# compares their rollouts.jsonl and transcripts byte for byte.
#   1. the default job (every reference agent over the whole matrix, in-process)
#   2. openai/scripted/exfiltrator through `offswitch mock` over HTTP, whole responses
#   3. anthropic/scripted/tamperer through `offswitch mock` over HTTP, streamed
#   4. the paper's layout, 3 reps of every reference agent on the tampering task
#   5. a resumed in-process run: 2 reps of the tampering task, then 5 into the
#      same directory (the batch commits of in-process runs, issue 14)
# Each binary's own mock serves its own runs. Exit 0 when every file matches.
set -uo pipefail
old=$(realpath "$1") new=$(realpath "$2")
work=${3:-$(mktemp -d)}
root=$(cd "$(dirname "$0")/.." && pwd)
export OFFSWITCH_DATA="$root/data" OPENAI_API_KEY=sk-identity ANTHROPIC_API_KEY=sk-identity
fail=0

jobs_for() { # jobs_for BIN DIR
	local bin=$1 dir=$2 url pid
	rm -rf "$dir"
	mkdir -p "$dir"
	"$bin" run --out "$dir/ref" --quiet >"$dir/ref.log" 2>&1 || return 1
	"$bin" run --layout paper --task-type tampering --num-experiments 3 --out "$dir/paper" --quiet >"$dir/paper.log" 2>&1 ||
		return 1
	"$bin" run --task-type tampering --num-experiments 2 --out "$dir/res" --quiet >"$dir/res.log" 2>&1 || return 1
	"$bin" run --task-type tampering --num-experiments 5 --out "$dir/res" --quiet >>"$dir/res.log" 2>&1 || return 1
	"$bin" mock --listen 127.0.0.1:0 >"$dir/mock.out" 2>"$dir/mock.err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^listening on ' "$dir/mock.out" 2>/dev/null && break
		sleep 0.05
	done
	url=$(sed -n 's/^listening on //p' "$dir/mock.out")
	[ -n "$url" ] || { kill "$pid"; return 1; }
	"$bin" run --model openai/scripted/exfiltrator --agent-family Gemini --base-url "$url/v1" \
		--out "$dir/oa" --quiet --judge none >"$dir/oa.log" 2>&1
	"$bin" run --model anthropic/scripted/tamperer --agent-family Claude --base-url "$url" --stream \
		--task-type tampering --out "$dir/an" --quiet --judge none >"$dir/an.log" 2>&1
	kill "$pid"
	wait "$pid" 2>/dev/null
	return 0
}

jobs_for "$old" "$work/old" || { echo "identity: the old build failed its jobs (see $work/old)"; exit 2; }
jobs_for "$new" "$work/new" || { echo "identity: the new build failed its jobs (see $work/new)"; exit 1; }
for j in ref oa an paper res; do
	n=$(wc -l <"$work/old/$j/rollouts.jsonl")
	if ! cmp -s "$work/old/$j/rollouts.jsonl" "$work/new/$j/rollouts.jsonl"; then
		echo "identity: $j: rollouts.jsonl differs"
		fail=1
	fi
	if ! diff -rq "$work/old/$j/transcripts" "$work/new/$j/transcripts" >"$work/$j.diff"; then
		echo "identity: $j: $(wc -l <"$work/$j.diff") transcript files differ (list in $work/$j.diff)"
		fail=1
	fi
	t=$(find "$work/new/$j/transcripts" -type f | wc -l)
	echo "identity: $j: $n rollouts, $t transcripts compared"
done
[ "$fail" = 0 ] && echo "identity: byte-identical"
exit "$fail"
