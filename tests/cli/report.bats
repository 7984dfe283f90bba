#!/usr/bin/env bats
# offswitch report: formats, empty and unfinished run directories, compare, bad input.

load helpers

setup_file() {
	export R="$BATS_FILE_TMPDIR/ref"
	# Three reference agents over tampering and alignment faking, 2 rollouts per config.
	"$OFFSWITCH" run --model scripted/tamperer --model scripted/faker --model scripted/honest \
		--task-type tampering --task-type alignment_faking --num-experiments 2 --out "$R" --quiet >/dev/null
}

@test "report --help documents formats and exit codes" {
	run "$OFFSWITCH" report --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--format"* && *"--html"* && *"--compare"* && *"Exit status"* ]]
}

@test "text report shows each agent's tampering rate with an interval" {
	run --separate-stderr "$OFFSWITCH" report "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"scripted/tamperer — tampering"* ]]
	line=$(printf '%s\n' "$output" | awk '/scripted\/tamperer — tampering/ {f = 1} f && /^peer +good_peer_file_only/ {print; exit}')
	[[ "$line" == *"100.0"*"6/6"* ]]
}

@test "json report: rates agree with the stored outcomes" {
	"$OFFSWITCH" report "$R" --format json >"$BATS_TEST_TMPDIR/r.json"
	python3 - "$BATS_TEST_TMPDIR/r.json" "$R/offswitch.db" <<'PY'
import json, sqlite3, sys
rep = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
assert rep["offswitch_report"] == 1
assert rep["runs"][0]["rollouts"] == db.execute("select count(*) from rollouts").fetchone()[0]
checked = 0
for r in rep["rates"]:
    if r["metric"] != "tampering" or r["instantiation"] == "avg":
        continue
    q = ("select count(*), sum(o.tampered) from rollouts ro join configs c on c.id = ro.config_id "
         "join outcomes o on o.rollout_id = ro.id where c.agent_model = ? and c.task_type = 'tampering' "
         "and c.subject = ? and c.condition = ? and coalesce(c.peer_instantiation, '') = ?")
    n, k = db.execute(q, (r["model"], r["subject"], r["condition"], r["instantiation"] or "")).fetchone()
    assert (r["k"], r["n"]) == (k, n), (r, k, n)
    assert abs(r["rate"] - k / n) < 1e-12
    assert r["wilson"][0] <= r["rate"] <= r["wilson"][1]
    assert r["stars"] == ("***" if r["p_value"] < 0.001 else "**" if r["p_value"] < 0.01 else "*" if r["p_value"] < 0.05 else "")
    checked += 1
assert checked == 3 * 19, checked
af = [a for a in rep["alignment_faking"] if a["model"] == "scripted/faker"]
assert af and all(abs(a["execute"]["effect"] - 1.0) < 1e-12 for a in af), af
PY
}

@test "markdown and csv renderings carry the same cells" {
	n_json=$("$OFFSWITCH" report "$R" --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rates"]))')
	n_csv=$("$OFFSWITCH" report "$R" --format csv | grep -c '^r[0-9]')
	[ "$n_json" -eq "$n_csv" ]
	# then one agreement row per judged field (score, grade, recommendation, refused, delete_file)
	[ "$("$OFFSWITCH" report "$R" --format csv | grep -c '^s[0-9],,,agreement_')" -eq 5 ]
	run "$OFFSWITCH" report "$R" --format md
	[ "$status" -eq 0 ]
	[[ "$output" == *"| subject | condition |"* ]]
}

@test "a directory that is not a run directory is a clear error (exit 4)" {
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run --separate-stderr "$OFFSWITCH" report "$BATS_TEST_TMPDIR/empty"
	[ "$status" -eq 4 ]
	[[ "$stderr" == *"not a run directory"* ]]
	[ -z "$output" ]
}

@test "a run directory with no rollouts yet reports that, without crashing" {
	d="$BATS_TEST_TMPDIR/none"
	mkdir -p "$d"
	sqlite3 "$d/offswitch.db" "create table meta(key text primary key, value text); insert into meta values('schema_version','1');"
	"$OFFSWITCH" run --model scripted/honest --task-type tampering --limit 1 --out "$d" --quiet >/dev/null
	sqlite3 "$d/offswitch.db" "delete from outcomes; delete from messages; delete from tool_calls; delete from rollouts;"
	run "$OFFSWITCH" report "$d"
	[ "$status" -eq 0 ]
	[[ "$output" == *"holds no rollouts yet"* ]]
}

@test "a half-finished run says how much of the plan is recorded" {
	d="$BATS_TEST_TMPDIR/half"
	"$OFFSWITCH" run --model scripted/honest --task-type tampering --num-experiments 2 --out "$d" --quiet >/dev/null
	sqlite3 "$d/offswitch.db" "delete from outcomes where rollout_id in (select id from rollouts where rep = 1);
		delete from rollouts where rep = 1;"
	run "$OFFSWITCH" report "$d"
	[ "$status" -eq 0 ]
	[[ "$output" == *"57 of 114 planned rollouts recorded"* ]]
}

@test "rollouts still in flight are counted as such, not rated" {
	d="$BATS_TEST_TMPDIR/flight"
	"$OFFSWITCH" run --model scripted/tamperer --task-type tampering --limit 2 --out "$d" --quiet >/dev/null
	sqlite3 "$d/offswitch.db" "update rollouts set status = 'running' where id = 1"
	"$OFFSWITCH" report "$d" --format json >"$BATS_TEST_TMPDIR/f.json"
	python3 - "$BATS_TEST_TMPDIR/f.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
run = r["runs"][0]
assert (run["rollouts"], run["ok"], run["in_flight"]) == (2, 1, 1), run
assert any("still in flight" in w for w in r["warnings"])
assert sum(x["n"] for x in r["rates"] if x["metric"] == "tampering") == 1
PY
}

@test "--compare gives per-cell differences with tests" {
	b="$BATS_TEST_TMPDIR/b"
	"$OFFSWITCH" run --model scripted/tamperer --task-type tampering --num-experiments 2 --out "$b" --quiet >/dev/null
	"$OFFSWITCH" report "$R" "$b" --compare --format json >"$BATS_TEST_TMPDIR/c.json"
	python3 - "$BATS_TEST_TMPDIR/c.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["compare"]
t = [x for x in c if "|tampering|" in x["key"]]
assert len(t) == 19, len(t)
assert all(abs(x["diff"]) < 1e-12 and x["p_value"] == 1 for x in t)
PY
	run --separate-stderr "$OFFSWITCH" report "$R" --compare
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"exactly two"* ]]
}

@test "bad flags: unknown format, no directory" {
	run --separate-stderr "$OFFSWITCH" report "$R" --format xml
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"'xml'"* ]]
	# The message names every format of the registry.
	[[ "$stderr" == *"text, md, csv, json or html"* ]]
	[ -z "$output" ]
	run --separate-stderr "$OFFSWITCH" report
	[ "$status" -eq 2 ]
}

@test "--format html writes the page to stdout, the same page --html writes" {
	"$OFFSWITCH" report "$R" --format html >"$BATS_TEST_TMPDIR/a.html"
	"$OFFSWITCH" report "$R" --html "$BATS_TEST_TMPDIR/b.html" >/dev/null 2>&1
	cmp "$BATS_TEST_TMPDIR/a.html" "$BATS_TEST_TMPDIR/b.html"
	grep -q 'id="report-data"' "$BATS_TEST_TMPDIR/a.html"
}

@test "a task type absent from the catalog is still reported, after the known ones" {
	d="$BATS_TEST_TMPDIR/unknown"
	"$OFFSWITCH" run --model scripted/honest --task-type tampering --limit 2 --out "$d" --quiet >/dev/null
	sqlite3 "$d/offswitch.db" "update configs set task_type = 'tampering_v2' where id = (select min(id) from configs)"
	"$OFFSWITCH" report "$d" --format json --rollouts >"$BATS_TEST_TMPDIR/u.json"
	python3 - "$BATS_TEST_TMPDIR/u.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
tasks = sorted(x["task_type"] for x in r["rollouts"])
assert tasks == ["tampering", "tampering_v2"], tasks
# Not rated as tampering: the catalog does not say what it is.
assert sum(x["n"] for x in r["rates"] if x["metric"] == "tampering") == 1, r["rates"]
PY
}

@test "misrepresentation settings come from the data directory's manifests" {
	data="$BATS_TEST_TMPDIR/data"
	cp -r "$OFFSWITCH_DATA" "$data"
	d="$BATS_TEST_TMPDIR/eval"
	"$OFFSWITCH" run --model scripted/inflater --task-type misrep_evaluation --dataset red --subject peer \
		--out "$d" --quiet >/dev/null
	run "$OFFSWITCH" report "$d" --format md --data-dir "$data"
	[ "$status" -eq 0 ]
	[[ "$output" == *"| model | subject | condition | finance | factual | creativity | red | mean (pp) |"* ]]
	# The same dataset under another name in the manifest: a setting of that
	# name, and the stored "red" rows belong to no setting.
	sed -i 's/"name": "red"/"name": "redteam"/' "$data/scenarios/misrep_evaluation.json"
	run "$OFFSWITCH" report "$d" --format md --data-dir "$data"
	[ "$status" -eq 0 ]
	[[ "$output" == *"| model | subject | condition | finance | factual | creativity | redteam | mean (pp) |"* ]]
	[[ "$output" != *"| red |"* ]]
}

@test "report --scores: the judge's verdicts by default where they exist, the extractor's on request, sources and agreement said" {
	python3 "$BATS_TEST_DIRNAME/fixtures/judge_server.py" "$BATS_TEST_TMPDIR/judge.port" &
	srv=$!
	PORT=$(judge_port "$BATS_TEST_TMPDIR/judge.port")
	d="$BATS_TEST_TMPDIR/js"
	"$OFFSWITCH" run --model openai/gpt-5.2 --base-url "http://127.0.0.1:$PORT/v1" --task-type tampering --limit 3 \
		--out "$d" --quiet --judge openai/gpt-4.1-mini --judge-base-url "http://127.0.0.1:$PORT/v1" >/dev/null
	kill "$srv"
	# The judge read one rollout differently.
	sqlite3 "$d/offswitch.db" "update judgments set score = 85 where rollout_id = (select min(rollout_id) from judgments)"
	scores() { "$OFFSWITCH" report "$d" --format json --rollouts "$@" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["sources"]["scores"], sorted(x["evaluation"]["eval_score"] for x in r["rollouts"]),
      sorted(set(x["sources"]["score"] for x in r["rollouts"])))
s = r["sources"]["fields"]["score"]
print(s["judge"], s["extractor"], s["missing"], s["agree"], s["disagree"], s["only_judge"], s["only_extractor"], s["agreement"])'; }
	run scores
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "judge [60, 60, 85] ['judge']" ]
	[ "${lines[1]}" = "3 0 0 2 1 0 0 0.6666666667" ]
	run scores --scores extractor
	[ "${lines[0]}" = "extractor [60, 60, 60] ['extractor']" ]
	[ "${lines[1]}" = "0 3 0 2 1 0 0 0.6666666667" ]
	# The text report says where the numbers came from.
	run "$OFFSWITCH" report "$d"
	[[ "$output" == *"Sources (--scores judge"* ]]
	[[ "$output" == *"score                3          0        0        2         1           0          0       66.7"* ]]
	run "$OFFSWITCH" report "$d" --format csv
	[[ "$output" == *"s0,,,agreement_score,,,,,\"scores=judge judge=3 extractor=0 missing=0 only_judge=0 only_extractor=0\",2,3,0.6666666667,"* ]]
	run --separate-stderr "$OFFSWITCH" report "$d" --scores both
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--scores"* ]]
}
