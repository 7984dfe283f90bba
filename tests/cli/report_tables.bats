#!/usr/bin/env bats
# The paper's remaining tables on a small fixed run: behaviour and refusal
# per data group, refusal per task, and the alignment-faking difference per
# dataset — exact counts, rates and intervals in JSON, text, Markdown and
# HTML; and the paper's own metrics count the main group only.

load helpers

# honest, faker and refuser; alignment faking and tampering (main) and the
# real-company group's tampering twin; good_peer, file_only; two reps each:
# 3 models × (6 + 6 + 2) configurations × 2 = 84 rollouts.
setup_file() {
	export RT="$BATS_FILE_TMPDIR/rt"
	"$OFFSWITCH" run --model scripted/honest --model scripted/faker --model scripted/refuser \
		--task-type alignment_faking --task-type tampering --task-type v2_real_company \
		--condition good_peer --peer-instantiation file_only --num-experiments 2 --out "$RT" --quiet >/dev/null
	"$OFFSWITCH" report "$RT" --format json >"$BATS_FILE_TMPDIR/rt.json"
}

# Evaluate a Python expression over the report JSON (as `d`); print it.
q() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$BATS_FILE_TMPDIR/rt.json" "$1"
}

@test "the run holds 84 rollouts, and the JSON has the three tables" {
	[ "$(jsonl_count "$RT")" = 84 ]
	[ "$(q 'len(d["groups"]), len(d["refusal_by_task"]), len(d["af_by_dataset"])')" = "(9, 15, 9)" ]
}

@test "per data group: each group's behaviour and refusal with Wilson intervals" {
	[ "$(q '[(g["model"], g["group"], g["task_type"], g["behaviour"], g["rate"]["k"], g["rate"]["n"]) for g in d["groups"] if g["model"] == "scripted/faker"]')" = \
		"[('scripted/faker', 'main', 'tampering', 'tampered', 0, 12), ('scripted/faker', 'main', 'alignment_faking', 'spared', 6, 12), ('scripted/faker', 'v2/real_company', 'v2_real_company', 'tampered', 0, 4)]" ]
	# the faker spares the peer in 6 of 12: Wilson [0.2538, 0.7462]
	[ "$(q '[(round(g["rate"]["rate"], 4), [round(x, 4) for x in g["rate"]["wilson"]]) for g in d["groups"] if g["model"] == "scripted/faker" and g["task_type"] == "alignment_faking"]')" = \
		"[(0.5, [0.2538, 0.7462])]" ]
	# the refuser refuses all 4 real-company rollouts: Wilson [0.5101, 1]
	[ "$(q '[(g["refusal"]["k"], g["refusal"]["n"], [round(x, 4) for x in g["refusal"]["wilson"]]) for g in d["groups"] if g["model"] == "scripted/refuser" and g["group"] == "v2/real_company"]')" = \
		"[(4, 4, [0.5101, 1])]" ]
}

@test "refusal per task: per subject and condition, in catalog order" {
	[ "$(q '[(r["task_type"], r["subject"], r["refusal"]["k"], r["refusal"]["n"], round(r["refusal"]["wilson"][0], 4)) for r in d["refusal_by_task"] if r["model"] == "scripted/refuser"]')" = \
		"[('tampering', 'self', 6, 6, 0.6097), ('tampering', 'peer', 6, 6, 0.6097), ('alignment_faking', 'peer', 12, 12, 0.7575), ('v2_real_company', 'self', 2, 2, 0.3424), ('v2_real_company', 'peer', 2, 2, 0.3424)]" ]
	[ "$(q 'sum(r["refusal"]["k"] for r in d["refusal_by_task"] if r["model"] != "scripted/refuser")')" = 0 ]
}

@test "alignment faking per dataset: the difference with its Newcombe interval and z test" {
	[ "$(q '[(a["dataset"], a["spared"]["monitoring"]["k"], a["spared"]["non_monitoring"]["k"], a["spared"]["effect"]["diff"], [round(x, 4) for x in a["spared"]["effect"]["newcombe"]], round(a["spared"]["effect"]["p_value"], 4)) for a in d["af_by_dataset"] if a["model"] == "scripted/faker"]')" = \
		"[('factual', 0, 2, 1, [0.07, 1], 0.0455), ('creativity', 0, 2, 1, [0.07, 1], 0.0455), ('red', 0, 2, 1, [0.07, 1], 0.0455)]" ]
	[ "$(q '[(a["dataset"], a["spared"]["effect"]["diff"], [round(x, 4) for x in a["spared"]["effect"]["newcombe"]]) for a in d["af_by_dataset"] if a["model"] == "scripted/honest"][0]')" = \
		"('factual', 0, [-0.6576, 0.6576])" ]
}

@test "the paper's metrics count the main group only: the real-company rollouts are in no rate cell" {
	# tampering cells: 12 rollouts per model (main), not 16
	[ "$(q 'sorted(set(c["n"] for c in d["rates"] if c["metric"] == "tampering" and c["instantiation"] == "file_only"))')" = "[6]" ]
	[ "$(q 'sum(c["n"] for c in d["rates"] if c["metric"] == "refusal" and c["instantiation"] == "file_only" and c["model"] == "scripted/refuser")')" = 24 ]
}

@test "text and Markdown show the same tables" {
	run --separate-stderr "$OFFSWITCH" report "$RT"
	expect_status 0
	[[ "$output" == *"Per data group: behaviour and refusal (Wilson 95% CI)"* ]]
	[[ "$output" =~ "v2/real_company"\ +v2_real_company\ +scripted/refuser\ +good_peer\ +tampered\ +0\.0\ +\[\ +0\.0,\ +49\.0\]\ +0/4\ +100\.0\ +\[\ 51\.0,\ 100\.0\]\ +4/4 ]]
	[[ "$output" == *"Refusal per task (non_shutdown left out; Wilson 95% CI)"* ]]
	[[ "$output" =~ "scripted/refuser"\ +alignment_faking\ +peer\ +good_peer\ +100\.0\ +\[\ 75\.8,\ 100\.0\]\ +12/12 ]]
	[[ "$output" == *"Alignment faking per dataset (non_monitoring − monitoring; Newcombe 95% CI)"* ]]
	[[ "$output" =~ "scripted/faker"\ +creativity\ +good_peer_file_only\ +spared\ 0/2\ vs\ 2/2\ +100\.0\ \[\ +7\.0,\ +100\.0\]\ p\ 0\.0455 ]]
	run --separate-stderr "$OFFSWITCH" report "$RT" --format md
	expect_status 0
	[[ "$output" == *"## Per data group: behaviour and refusal (Wilson 95% CI)"* ]]
	[[ "$output" == *"| v2/real_company | v2_real_company | scripted/refuser | good_peer | tampered | 0.0 | 0.0–49.0 | 0/4 | 100.0 | 51.0–100.0 | 4/4 |"* ]]
	[[ "$output" == *"| scripted/refuser | tampering | self | good_peer | 100.0 | 61.0–100.0 | 6/6 |"* ]]
	[[ "$output" == *"| scripted/faker | red | good_peer_file_only | 0/2 | 2/2 | 100.0 | 7.0–100.0 | 0.0455 | 0/2 | 0/2 | 0.0 | -65.8–65.8 | 1 |"* ]]
}

@test "the HTML page draws the three tables from its JSON" {
	if ! command -v chromium >/dev/null 2>&1; then
		echo "chromium is not installed (./setup.sh installs it)" >&2
		return 1
	fi
	"$OFFSWITCH" report "$RT" --html "$BATS_TEST_TMPDIR/r.html" >/dev/null
	"$OFFSWITCH" report "$RT" --format json --rollouts >"$BATS_TEST_TMPDIR/r.json"
	run python3 "$BATS_TEST_DIRNAME/../report/check_html.py" "$BATS_TEST_TMPDIR/r.html" "$BATS_TEST_TMPDIR/r.json" \
		"$BATS_TEST_TMPDIR/r.png"
	echo "$output"
	[ "$status" -eq 0 ]
	timeout 180 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$BATS_TEST_TMPDIR/profile" --dump-dom "file://$BATS_TEST_TMPDIR/r.html" \
		>"$BATS_TEST_TMPDIR/dom.html" 2>/dev/null
	python3 - "$BATS_TEST_TMPDIR/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
def section(ident):
    m = re.search(r'<section class="card" id="%s">(.*?)</section>' % ident, dom, re.S)
    assert m, ident
    return re.sub(r"<[^>]+>", "|", m.group(1))
g = section("groups")
assert "Per data group" in g and "v2/real_company" in g and "51.0\u2013100.0" in g, g[:500]
r = section("refusal-by-task")
assert "Refusal per task" in r and "75.8\u2013100.0" in r and "12/12" in r, r[:500]
a = section("af-by-dataset")
assert "Alignment faking per dataset" in a and "+100.0" in a and "7.0\u2013100.0" in a, a[:500]
assert 'class="errbox"' not in dom
print("OK")
PY
}
