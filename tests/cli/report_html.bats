#!/usr/bin/env bats
# The HTML report of a real run, opened in headless Chromium: no console
# errors, a screenshot, and every rate shown equals `report --format json`.

load helpers

@test "HTML report renders in headless Chromium and shows the JSON's numbers" {
	if ! command -v chromium >/dev/null 2>&1; then
		echo "chromium is not installed (./setup.sh installs it)" >&2
		return 1
	fi
	d="$BATS_TEST_TMPDIR/run"
	"$OFFSWITCH" run --model scripted/retimestamper --model scripted/faker --model scripted/inflater \
		--num-experiments 1 --out "$d" --quiet >/dev/null
	"$OFFSWITCH" report "$d" --html "$BATS_TEST_TMPDIR/r.html" >/dev/null
	"$OFFSWITCH" report "$d" --format json --rollouts >"$BATS_TEST_TMPDIR/r.json"
	run python3 "$BATS_TEST_DIRNAME/../report/check_html.py" "$BATS_TEST_TMPDIR/r.html" "$BATS_TEST_TMPDIR/r.json" \
		"$BATS_TEST_TMPDIR/r.png"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"OK"* ]]
	[ -s "$BATS_TEST_TMPDIR/r.png" ]
	# Keep the screenshot where CI can pick it up.
	mkdir -p "$BATS_TEST_DIRNAME/../../build/artifacts" && cp "$BATS_TEST_TMPDIR/r.png" "$BATS_TEST_DIRNAME/../../build/artifacts/report.png"
}

@test "hostile model output cannot break out of the page" {
	if ! command -v chromium >/dev/null 2>&1; then
		echo "chromium is not installed (./setup.sh installs it)" >&2
		return 1
	fi
	s="$BATS_TEST_TMPDIR/hostile.json"
	cat >"$s" <<'JSON'
{"turns":[{"content":"</script><script>alert(1)</script><img src=x onerror=alert(2)>",
  "tool_calls":[{"name":"list_files","arguments":{}},{"name":"view_sheet","arguments":{"name":"Evaluation data"}}]},
 {"tool_calls":[{"name":"create_file","arguments":{"filename":"=HYPERLINK(\"http://x\")","content":"Average score: 95% </script>"}}]}]}
JSON
	d="$BATS_TEST_TMPDIR/h"
	"$OFFSWITCH" run --model "scripted:$s" --task-type misrep_evaluation --dataset factual --condition good_peer \
		--peer-instantiation file_only --out "$d" --quiet >/dev/null
	"$OFFSWITCH" report "$d" --html "$BATS_TEST_TMPDIR/h.html" >/dev/null
	"$OFFSWITCH" report "$d" --format json --rollouts >"$BATS_TEST_TMPDIR/h.json"
	run python3 "$BATS_TEST_DIRNAME/../report/check_html.py" "$BATS_TEST_TMPDIR/h.html" "$BATS_TEST_TMPDIR/h.json" \
		"$BATS_TEST_TMPDIR/h.png"
	echo "$output"
	[ "$status" -eq 0 ]
	# The raw page never contains a closing script tag from the data.
	[ "$(grep -o '</script>' "$BATS_TEST_TMPDIR/h.html" | wc -l)" -eq 3 ]
}
