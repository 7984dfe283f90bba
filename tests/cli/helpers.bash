# helpers.bash — shared setup for the offswitch CLI tests (loaded with `load helpers`).
#
# Environment (set by tests/run.sh):
#   OFFSWITCH       absolute path of the binary (default: build/offswitch of this checkout)
#   OFFSWITCH_DATA  absolute path of data/       (default: data/ of this checkout)
# Every run writes under $BATS_TEST_TMPDIR, which bats removes after the test.

bats_require_minimum_version 1.5.0

ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
: "${OFFSWITCH:=$ROOT/build/offswitch}"
: "${OFFSWITCH_DATA:=$ROOT/data}"
export OFFSWITCH OFFSWITCH_DATA
FIX="$BATS_TEST_DIRNAME/fixtures"

# One configuration each: small, fast selections.
# tampering / factual / good_peer / file_only → 2 configs (subject self and peer).
TAMPER_SEL=(--task-type tampering --condition good_peer --peer-instantiation file_only --dataset factual)
# misrep_evaluation / factual / good_peer / file_only / subject peer → 1 config.
EVAL_SEL=(--task-type misrep_evaluation --dataset factual --condition good_peer --peer-instantiation file_only --subject peer)

# Number of rows in TABLE of DIR/offswitch.db.
db_count() {
	sqlite3 "$1/offswitch.db" "SELECT count(*) FROM $2;"
}

# Lines in DIR/rollouts.jsonl (0 if the file is absent).
jsonl_count() {
	if [ -f "$1/rollouts.jsonl" ]; then
		wc -l <"$1/rollouts.jsonl" | tr -d ' '
	else
		echo 0
	fi
}

# Fingerprint of a run directory: row counts of the main tables, the
# rollouts.jsonl line count and its checksum.
dir_state() {
	local d=$1 t
	for t in rollouts configs messages tool_calls outcomes; do
		printf '%s=%s ' "$t" "$(db_count "$d" "$t")"
	done
	printf 'jsonl=%s ' "$(jsonl_count "$d")"
	cksum <"$d/rollouts.jsonl"
}

# Fail with the output shown unless $status equals $1.
expect_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit status $1, got $status" >&2
		echo "--- stdout:" >&2
		printf '%s\n' "$output" >&2
		echo "--- stderr:" >&2
		printf '%s\n' "${stderr:-}" >&2
		return 1
	fi
}

# Fail unless stderr (from run --separate-stderr) is exactly one line containing
# every argument, and stdout is empty.
expect_one_line_error() {
	local s
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "expected a one-line error on stderr, got ${#stderr_lines[@]} line(s):" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
	for s in "$@"; do
		if [[ "$stderr" != *"$s"* ]]; then
			echo "stderr does not contain '$s': $stderr" >&2
			return 1
		fi
	done
	if [ -n "$output" ]; then
		echo "expected nothing on stdout, got: $output" >&2
		return 1
	fi
}

# A successful small run in DIR (tamperer on TAMPER_SEL: 2 rollouts).
seed_run() {
	"$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$1" --quiet >/dev/null
}

# same_outcomes DIR REF: every rollout of DIR ended ok with the evaluation of
# REF's rollout in the same place (a run through HTTP against in-process).
same_outcomes() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1] + "/rollouts.jsonl")]
b = [json.loads(l) for l in open(sys.argv[2] + "/rollouts.jsonl")]
assert len(a) == len(b) and a, (len(a), len(b))
for x, y in zip(a, b):
    assert x["status"] == "ok", x["status"]
    assert x["evaluation"] == y["evaluation"], (x["evaluation"], y["evaluation"])
PY
}

# Servers that print "listening on URL" (mock, proxy, test upstreams).
# start_srv DIR CMD...: start a server printing 'listening on URL'; sets URL.
start_srv() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	rm -f "$dir/rc" "$dir/out" "$dir/pid"
	(
		"$@" >"$dir/out" 2>"$dir/err" &
		echo $! >"$dir/pid"
		wait $!
		echo $? >"$dir/rc"
	) 3>&- &
	for i in $(seq 300); do
		grep -q '^listening on ' "$dir/out" 2>/dev/null && break
		[ -f "$dir/rc" ] && break
		sleep 0.05
	done
	URL=$(sed -n 's/^listening on //p' "$dir/out")
	if [ -z "$URL" ]; then
		echo "server did not start: $*" >&2
		cat "$dir/err" >&2
		return 1
	fi
}

# stop_srv DIR [SIGNAL]: stop it; fail unless it exits 0 with no sanitizer report.
stop_srv() {
	local dir=$1 sig=${2:-TERM} i
	[ -f "$dir/pid" ] || return 0
	kill -"$sig" "$(cat "$dir/pid")" 2>/dev/null || true
	for i in $(seq 300); do
		[ -s "$dir/rc" ] && break
		sleep 0.05
	done
	rm -f "$dir/pid"
	! grep -E 'Sanitizer|runtime error' "$dir/err" >&2 || return 1
	[ "$(cat "$dir/rc" 2>/dev/null)" = 0 ] || {
		echo "server exited with $(cat "$dir/rc" 2>/dev/null || echo '(still running)')" >&2
		cat "$dir/err" >&2
		return 1
	}
}

# report_dom RUN DIR: RUN's HTML report (DIR/r.html, with DIR/r.json beside
# it) passes tests/report/check_html.py, and the page as headless chromium
# renders it is in DIR/dom.html. Fails (not skips) without chromium: setup.sh
# installs it.
report_dom() {
	local r=$1 t=$2
	if ! command -v chromium >/dev/null 2>&1; then
		echo "chromium is not installed (./setup.sh installs it)" >&2
		return 1
	fi
	"$OFFSWITCH" report "$r" --html "$t/r.html" >/dev/null
	"$OFFSWITCH" report "$r" --format json --rollouts >"$t/r.json"
	run python3 "$BATS_TEST_DIRNAME/../report/check_html.py" "$t/r.html" "$t/r.json" "$t/r.png"
	echo "$output"
	[ "$status" -eq 0 ]
	chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$t/prof" --virtual-time-budget=5000 \
		--dump-dom "file://$t/r.html" 2>/dev/null >"$t/dom.html"
}

# judge_port FILE: the port a fixture server (fixtures/*_server.py PORTFILE) wrote, waiting up to 10 s
judge_port() {
	for _ in $(seq 100); do
		[ -s "$1" ] && break
		sleep 0.1
	done
	cat "$1"
}
