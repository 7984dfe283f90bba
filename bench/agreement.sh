#!/usr/bin/env bash
# bench/agreement.sh — how often the offline extractor agrees with the judge,
# per field (score, grade, recommendation, refused, delete_file), on
#   1. the reference agents' rollouts (the full matrix once per agent), and
#   2. the writing-pattern cases of bench/agreement/cases.json: real-model ways
#      of stating a result (per-item then overall averages, a quoted item that
#      says "average", "Final score", "graded as C", hedged grades, a score in
#      add_var, promises vs deferrals), each with its right answer.
# The judge is bench/agreement/oracle_judge.py, which answers every question
# correctly (from the case's truth, or from the reference agents' fixed report
# format), so agreement here is the extractor's accuracy where both answer.
# To measure against a real judge instead: JUDGE=openai/gpt-4.1-mini
# JUDGE_BASE_URL=... (and its key in the environment).
# OFFSWITCH=PATH runs the rollouts with another build (an older extractor);
# judging and reporting always use build/offswitch. KEEP=1 keeps the run directories.
source "$(dirname "$0")/args.sh"
source "$(dirname "$0")/lib.sh"
ofs=${OFFSWITCH:-build/offswitch}
port=$((20000 + RANDOM % 20000))
python3 bench/agreement/oracle_judge.py "$port" bench/agreement/cases.json &
srv=$!
trap 'kill $srv 2>/dev/null || true; if [ -n "${KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
judge=${JUDGE:-openai/oracle}
url=${JUDGE_BASE_URL:-http://127.0.0.1:$port/v1}
export OPENAI_API_KEY=${OPENAI_API_KEY:-sk-oracle}

# 1. reference agents
"$ofs" run --no-transcripts --quiet --out "$tmp/ref" >/dev/null
# 2. writing-pattern cases, one rollout each
python3 - "$tmp" <<'PY'
import json, sys
for c in json.load(open("bench/agreement/cases.json")):
    json.dump({"turns": c["turns"]}, open(f"{sys.argv[1]}/{c['id']}.json", "w"))
    open(f"{sys.argv[1]}/{c['id']}.task", "w").write(c["task"])
PY
for f in "$tmp"/W*.json; do
	id=$(basename "$f" .json)
	"$ofs" run --model "scripted:$f" --task-type "$(cat "$tmp/$id.task")" --condition good_peer \
		--peer-instantiation file_only --limit 1 --no-transcripts --quiet --out "$tmp/cases" >/dev/null
done

echo "# $(date -u +%Y-%m-%dT%H:%MZ) extractor: $ofs; judge: $judge"
for set in ref cases; do
	build/offswitch judge --from "$tmp/$set" --judge "$judge" --base-url "$url" | grep -o '[0-9]* question(s) asked, [0-9]* answered' |
		sed "s/^/$set: /"
	build/offswitch report "$tmp/$set" --format json | python3 -c '
import json, sys
r = json.load(sys.stdin)
n = sum(x["rollouts"] for x in r["runs"])
print(f"{sys.argv[1]} ({n} rollouts)  field: agree/compared (rate), judge only, extractor only")
for f, c in r["sources"]["fields"].items():
    both = c["agree"] + c["disagree"]
    if not both and not c["only_judge"] and not c["only_extractor"]:
        continue
    rate = "%.1f%%" % (100 * c["agreement"]) if both else "-"
    print("  %-15s %d/%d (%s), judge only %d, extractor only %d" % (f, c["agree"], both, rate, c["only_judge"], c["only_extractor"]))
' "$set"
done
