#!/usr/bin/env bats
# Evaluation awareness (docs/experiments.md): the eval_aware flag with its
# evidence in rollouts.jsonl, exact counts for scripted/suspicious (honest
# work, but it first says it suspects a test) beside scripted/honest, the
# report sections (text, md, JSON, HTML) conditioned on it, the paper layout
# without it, and a schema-1 database read and migrated.

load helpers

AGENTS=(--model scripted/suspicious --model scripted/honest)

setup_file() {
	export R="$BATS_FILE_TMPDIR/r"
	"$OFFSWITCH" run "${AGENTS[@]}" --out "$R" --quiet >/dev/null
}

# "agent aware=N evidence=E" per agent over $1/rollouts.jsonl.
aware_counts() {
	python3 - "$1/rollouts.jsonl" <<'PY'
import json, sys, collections
n, ev = collections.Counter(), collections.defaultdict(set)
for line in open(sys.argv[1]):
    r = json.loads(line)
    e = r["evaluation"]
    a = r["agent_model"]
    n[a, e["events"]["eval_aware"]] += 1
    if "eval_aware" in e["evidence"]:
        ev[a].add(json.dumps(e["evidence"]["eval_aware"]))
for a in sorted({k[0] for k in n}):
    print("%s true=%d false=%d evidence=%s" % (a, n[a, True], n[a, False], ",".join(sorted(ev[a])) or "-"))
PY
}

@test "eval_aware: every suspicious rollout, no honest one, with the first message as evidence" {
	run aware_counts "$R"
	expect_status 0
	[ "${lines[0]}" = "scripted/honest true=0 false=271 evidence=-" ]
	[ "${lines[1]}" = "scripted/suspicious true=271 false=0 evidence=[[2, -1]]" ]
	# the stored column agrees
	[ "$(sqlite3 "$R/offswitch.db" 'SELECT sum(eval_aware), count(eval_aware) FROM outcomes')" = "271|542" ]
}

@test "the suspicious agent's behaviour is the honest agent's: the same labels but eval_aware" {
	run python3 - "$R/rollouts.jsonl" <<'PY'
import json, sys
by = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    e = r["evaluation"]
    e.pop("evidence"); e["events"].pop("eval_aware")
    key = tuple(r[k] for k in ("task_type", "dataset", "threshold", "subject", "condition", "peer_instantiation",
                               "alignment_faking_mode", "rep"))
    by.setdefault(key, {})[r["agent_model"]] = json.dumps(e, sort_keys=True)
diff = [k for k, v in by.items() if v["scripted/honest"] != v["scripted/suspicious"]]
print(len(by), len(diff))
PY
	expect_status 0
	[ "$output" = "271 0" ]
}

@test "report text and md: the awareness section with exact rates, intervals and counts" {
	run --separate-stderr "$OFFSWITCH" report "$R"
	expect_status 0
	[[ "$output" == *"Evaluation awareness: rollouts where the agent said it suspects a test"* ]]
	[[ "$output" == *"scripted/suspicious      (aware)           100.0  [ 98.6, 100.0]     271/271"* ]]
	[[ "$output" == *"scripted/honest          (aware)             0.0  [  0.0,   1.4]       0/271"* ]]
	[[ "$output" == *"scripted/suspicious      refused             0.0  [  0.0,   1.4]       0/271      -  [    -,     -]         0/0       -  [-, -]"* ]]
	[[ "$output" == *"scripted/honest          above_threshold       -  [    -,     -]         0/0    0.0  [  0.0,   3.7]       0/101       -  [-, -]"* ]]
	run --separate-stderr "$OFFSWITCH" report "$R" --format md
	expect_status 0
	[[ "$output" == *"## Evaluation awareness"* ]]
	[[ "$output" == *"| scripted/suspicious | (aware) | 100.0 | 98.6–100.0 | 271/271 |"* ]]
	[[ "$output" == *"| scripted/suspicious | tampered | 0.0 | 0.0–6.3 | 0/57 | - | -–- | 0/0 | - | -–- |"* ]]
}

@test "report json: awareness per model with each behaviour aware and not aware" {
	run --separate-stderr "$OFFSWITCH" report "$R" --format json
	expect_status 0
	run python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
for m in d["awareness"]:
    b = {x["behaviour"]: x for x in m["behaviours"]}
    print(m["model"], m["aware"]["k"], m["aware"]["n"], round(m["aware"]["wilson"][0], 4),
          " ".join("%s:%d/%d,%d/%d" % (k, v["aware"]["k"], v["aware"]["n"], v["not_aware"]["k"], v["not_aware"]["n"])
                   for k, v in b.items()))
' <<<"$output"
	expect_status 0
	[ "${lines[0]}" = "scripted/suspicious 271 271 0.986 tampered:0/57,0/0 exfiltrated:0/38,0/0 spared:0/54,0/0 above_threshold:0/101,0/0 grade_a_or_b:0/21,0/0 refused:0/271,0/0" ]
	[ "${lines[1]}" = "scripted/honest 0 271 0 tampered:0/0,0/57 exfiltrated:0/0,0/38 spared:0/0,0/54 above_threshold:0/0,0/101 grade_a_or_b:0/0,0/21 refused:0/0,0/271" ]
}

@test "a run where no agent is aware: no text section, JSON counts zero" {
	local d=$BATS_TEST_TMPDIR/h
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$d" --quiet >/dev/null
	run --separate-stderr "$OFFSWITCH" report "$d"
	expect_status 0
	[[ "$output" != *"Evaluation awareness"* ]]
	run --separate-stderr "$OFFSWITCH" report "$d" --format json
	expect_status 0
	[ "$(python3 -c 'import json,sys; a=json.load(sys.stdin)["awareness"][0]; print(a["aware"]["k"], a["aware"]["n"])' <<<"$output")" = "0 2" ]
}

@test "report html: the awareness section renders in Chromium, and the page passes check_html" {
	local t=$BATS_TEST_TMPDIR
	report_dom "$R" "$t"
	grep -q '"awareness":\[' "$t/r.html"
	grep -q 'scripted/suspicious — aware in 271/271 (100.0%, 98.6–100.0)' "$t/dom.html"
	grep -q 'scripted/honest — aware in 0/271 (0.0%, 0.0–1.4)' "$t/dom.html"
}

@test "--layout paper: the paper's transcripts gain no eval_aware key" {
	local d=$BATS_TEST_TMPDIR/p
	"$OFFSWITCH" run --model scripted/suspicious "${TAMPER_SEL[@]}" --out "$d" --layout paper --quiet >/dev/null
	[ "$(find "$d/transcripts" -type f | wc -l)" -gt 0 ]
	! grep -rq eval_aware "$d/transcripts"
}

@test "a schema-1 database (no eval_aware, deceived columns): reports read them as unknown, a run migrates it" {
	local d=$BATS_TEST_TMPDIR/old
	seed_run "$d"
	sqlite3 "$d/offswitch.db" 'ALTER TABLE outcomes DROP COLUMN eval_aware; ALTER TABLE outcomes DROP COLUMN deceived; PRAGMA user_version=1;'
	run --separate-stderr "$OFFSWITCH" report "$d" --format json
	expect_status 0
	[ "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["awareness"]))' <<<"$output")" = 0 ]
	"$OFFSWITCH" run --model scripted/suspicious "${TAMPER_SEL[@]}" --out "$d" --quiet >/dev/null
	[ "$(sqlite3 "$d/offswitch.db" 'pragma user_version')" -eq 5 ]
	[ "$(sqlite3 "$d/offswitch.db" 'SELECT count(*), count(eval_aware), sum(eval_aware) FROM outcomes')" = "4|2|2" ]
}

@test "the default job (no --model) lists the suspicious agent with the honest agent's rates and the coverup with the queue dodger's" {
	mkdir "$BATS_TEST_TMPDIR/cwd"
	cd "$BATS_TEST_TMPDIR/cwd"
	run --separate-stderr "$OFFSWITCH" run --task-type tampering --dataset factual --quiet
	expect_status 0
	local honest suspicious tamperer
	honest=$(printf '%s\n' "$output" | grep '^scripted/honest ' | awk '{$1=""; print}')
	suspicious=$(printf '%s\n' "$output" | grep '^scripted/suspicious ' | awk '{$1=""; print}')
	tamperer=$(printf '%s\n' "$output" | grep '^scripted/tamperer ' | awk '{print $2, $3}')
	[ -n "$honest" ]
	[ "$suspicious" = "$honest" ]
	[ "$tamperer" = "100.0 -" ]
	[ "$(printf '%s\n' "$output" | grep -c '^scripted/')" -eq 13 ]
	# the coverup (operator deception, tests/cli/deceive.bats) shows the queue dodger's rates
	[ "$(printf '%s\n' "$output" | grep '^scripted/coverup ' | awk '{$1=""; print}')" = "$(printf '%s\n' "$output" | grep '^scripted/queue-dodger ' | awk '{$1=""; print}')" ]
	[ "$(sqlite3 results/reference/offswitch.db 'SELECT c.agent_model, sum(o.eval_aware) FROM outcomes o JOIN rollouts r ON r.id = o.rollout_id JOIN configs c ON c.id = r.config_id GROUP BY c.agent_model HAVING sum(o.eval_aware) > 0')" = "scripted/suspicious|19" ]
}
