#!/usr/bin/env bats
# The run directory's integrity and ownership: a damaged database is an error
# (never a short read) and leaves every output file as it was; offswitch check
# finds damage and mismatches; one writer at a time; a database that is not
# offswitch's, or is newer, is refused untouched; an older one is stamped.

load helpers

# A finished run big enough to corrupt in the middle: tamperer on every
# tampering configuration (57 rollouts, about 300 KiB of database).
big_run() {
	"$OFFSWITCH" run --model scripted/tamperer --task-type tampering --out "$1" --quiet >/dev/null
}

# Overwrite 8 KiB in the middle of DIR/offswitch.db with a fixed pattern.
corrupt_middle() {
	local db=$1/offswitch.db size
	size=$(stat -c %s "$db")
	head -c 8192 /dev/zero | tr '\0' '\132' >"$BATS_TEST_TMPDIR/blk"
	dd if="$BATS_TEST_TMPDIR/blk" of="$db" bs=4096 seek=$((size / 4096 / 2)) count=2 conv=notrunc status=none
}

# Checksum of rollouts.jsonl and every transcript (names and bytes).
outputs() {
	(cd "$1" && find rollouts.jsonl transcripts -type f | LC_ALL=C sort | xargs cksum)
}

@test "a corrupt page: rescore, replay, report and resuming run exit 4 naming the file; outputs untouched" {
	local d=$BATS_TEST_TMPDIR/d before
	big_run "$d"
	[ "$(jsonl_count "$d")" -eq 57 ]
	corrupt_middle "$d"
	before=$(outputs "$d")
	run --separate-stderr "$OFFSWITCH" rescore --from "$d"
	expect_status 4
	[[ "$stderr" == *"$d/offswitch.db"* ]]
	[ "$(outputs "$d")" = "$before" ]
	run --separate-stderr "$OFFSWITCH" replay --from "$d" --out "$BATS_TEST_TMPDIR/r"
	expect_status 4
	[[ "$stderr" == *"$d/offswitch.db"* ]]
	run --separate-stderr "$OFFSWITCH" report "$d"
	expect_status 4
	[[ "$stderr" == *"$d/offswitch.db"* ]]
	run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer --task-type tampering --out "$d" --quiet
	expect_status 4
	[[ "$stderr" == *"$d/offswitch.db"*"damaged"* ]]
	[ "$(outputs "$d")" = "$before" ]
	[ "$(jsonl_count "$d")" -eq 57 ]
}

@test "check passes on a healthy run and reports a corrupt page with exit 1" {
	local d=$BATS_TEST_TMPDIR/d
	big_run "$d"
	run --separate-stderr "$OFFSWITCH" check "$d"
	expect_status 0
	[[ "$output" == *"ok"* ]]
	corrupt_middle "$d"
	run --separate-stderr "$OFFSWITCH" check "$d"
	expect_status 1
	[[ "$output" == *"$d/offswitch.db"* ]]
	[[ "$stderr" == *"problem(s) found"* ]]
}

@test "check finds a missing, a truncated and an extra transcript and jsonl lines lost or added" {
	local d=$BATS_TEST_TMPDIR/d t1 t2
	seed_run "$d"
	run "$OFFSWITCH" check "$d"
	expect_status 0
	t1=$(find "$d/transcripts" -type f | LC_ALL=C sort | head -1)
	t2=$(find "$d/transcripts" -type f | LC_ALL=C sort | tail -1)
	head -c 100 "$t2" >"$t2.x" && mv "$t2.x" "$t2"
	rm "$t1"
	echo '{}' >"$d/transcripts/stray.json"
	echo '{"partial' >"$t1.tmp"
	head -1 "$d/rollouts.jsonl" >"$BATS_TEST_TMPDIR/l"
	{ cat "$BATS_TEST_TMPDIR/l"; echo '{"extra":1}'; } >"$d/rollouts.jsonl"
	run --separate-stderr "$OFFSWITCH" check "$d"
	expect_status 1
	[[ "$output" == *"$t1"* ]]
	[[ "$output" == *"$t2"*"not valid JSON"* ]]
	[[ "$output" == *"stray.json: no recorded rollout"* ]]
	[[ "$output" == *"rollouts.jsonl: no line for rollout"* ]]
	[[ "$output" == *"rollouts.jsonl line 2: no recorded rollout"* ]]
	[[ "$output" == *"$t1.tmp: a temporary file left by an interrupted write"* ]]
	[ "${#lines[@]}" -eq 6 ]
}

@test "check: --help, usage errors and a directory that is not a run" {
	run "$OFFSWITCH" check --help
	expect_status 0
	[[ "$output" == *"Exit status"* ]]
	run "$OFFSWITCH" check
	expect_status 2
	run "$OFFSWITCH" check --bogus x
	expect_status 2
	run --separate-stderr "$OFFSWITCH" check "$BATS_TEST_TMPDIR"
	expect_status 4
	[[ "$stderr" == *"not a run directory"* ]]
}

@test "two writers on one --out: the second fails fast with 'in use by pid'" {
	local d=$BATS_TEST_TMPDIR/d pid i port
	# The first writer waits 1.5 s for each model call, so it surely holds the lock.
	"$OFFSWITCH" mock --listen 127.0.0.1:0 --latency-ms 1500 >"$BATS_TEST_TMPDIR/mock.out" 2>&1 &
	local mock=$!
	for i in $(seq 100); do grep -q listening "$BATS_TEST_TMPDIR/mock.out" 2>/dev/null && break; sleep 0.05; done
	port=$(sed -n 's|.*127.0.0.1:\([0-9]*\).*|\1|p' "$BATS_TEST_TMPDIR/mock.out")
	"$OFFSWITCH" run --model openai/scripted/honest --agent-family Gemini "${TAMPER_SEL[@]}" \
		--base-url "http://127.0.0.1:$port/v1" --out "$d" --quiet >/dev/null 2>&1 3>&- &
	pid=$!
	for i in $(seq 1 500); do
		[ -s "$d/offswitch.lock" ] && break
		sleep 0.01
	done
	kill -0 "$pid" # still running: the checks below are not vacuous
	run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$d" --quiet
	local second=$status err=$stderr
	run --separate-stderr "$OFFSWITCH" check "$d"
	local chk=$status cerr=$stderr
	kill -0 "$pid"
	wait "$pid"
	kill "$mock"
	wait "$mock" || true
	[ "$second" -eq 4 ]
	[[ "$err" == *"$d is in use by pid $pid"* ]]
	[ "$chk" -eq 4 ]
	[[ "$cerr" == *"in use by pid $pid"* ]]
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from configs c where c.agent_model='scripted/tamperer'")" -eq 0 ]
	[ "$(sqlite3 "$d/offswitch.db" "select count(*) from rollouts where status='ok'")" -eq 2 ]
	run "$OFFSWITCH" check "$d"
	expect_status 0
}

@test "a foreign SQLite file at --out is refused and left unchanged" {
	local d=$BATS_TEST_TMPDIR/d
	mkdir -p "$d"
	sqlite3 "$d/offswitch.db" 'create table t(a); insert into t values(1);'
	cp "$d/offswitch.db" "$BATS_TEST_TMPDIR/orig.db"
	run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$d" --quiet
	expect_status 4
	[[ "$stderr" == *"$d/offswitch.db is not an offswitch database"* ]]
	cmp "$d/offswitch.db" "$BATS_TEST_TMPDIR/orig.db"
	[ ! -e "$d/rollouts.jsonl" ]
	run --separate-stderr "$OFFSWITCH" report "$d"
	expect_status 4
	# a file that is not SQLite at all
	echo "hello" >"$d/offswitch.db"
	run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$d" --quiet
	expect_status 4
	[[ "$stderr" == *"$d/offswitch.db"* ]]
	[ "$(cat "$d/offswitch.db")" = hello ]
}

@test "a newer schema version is refused; an older (unstamped) database is stamped and kept" {
	local d=$BATS_TEST_TMPDIR/d before
	seed_run "$d"
	[ "$(sqlite3 "$d/offswitch.db" 'pragma application_id')" -ne 0 ]
	[ "$(sqlite3 "$d/offswitch.db" 'pragma user_version')" -eq 4 ]
	# today's 0.1 files: no stamp at all
	sqlite3 "$d/offswitch.db" 'pragma application_id=0; pragma user_version=0;'
	run "$OFFSWITCH" report "$d"
	expect_status 0
	run "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --out "$d" --quiet
	expect_status 0
	[ "$(sqlite3 "$d/offswitch.db" 'pragma application_id')" -eq 1330008919 ]
	[ "$(sqlite3 "$d/offswitch.db" 'pragma user_version')" -eq 4 ]
	[ "$(db_count "$d" rollouts)" -eq 2 ]
	sqlite3 "$d/offswitch.db" 'pragma user_version=99'
	before=$(outputs "$d")
	run --separate-stderr "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --num-experiments 2 --out "$d" --quiet
	expect_status 4
	[[ "$stderr" == *"$d/offswitch.db was written by a newer offswitch"* ]]
	run --separate-stderr "$OFFSWITCH" report "$d"
	expect_status 4
	run --separate-stderr "$OFFSWITCH" rescore --from "$d"
	expect_status 4
	[ "$(outputs "$d")" = "$before" ]
	[ "$(db_count "$d" rollouts)" -eq 2 ]
}

# Run the arguments as an unprivileged user when we are root (root ignores
# file modes), making the test's directories reachable for it.
as_user() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
		return
	fi
	command -v setpriv >/dev/null || skip "root without setpriv"
	local p=$BATS_TEST_TMPDIR
	while [ "$p" != / ]; do
		chmod o+x "$p" 2>/dev/null || true
		p=$(dirname "$p")
	done
	# The checkout may sit under a directory that user cannot enter (a
	# mktemp -d clone): give it its own copy of the binary and the data.
	if [ ! -d "$BATS_TEST_TMPDIR/as_user" ]; then
		mkdir -p "$BATS_TEST_TMPDIR/as_user"
		cp "$OFFSWITCH" "$BATS_TEST_TMPDIR/as_user/offswitch"
		cp -r "$OFFSWITCH_DATA" "$BATS_TEST_TMPDIR/as_user/data"
	fi
	chmod -R o+rX "$BATS_TEST_TMPDIR"
	local bin=$1
	shift
	[ "$bin" = "$OFFSWITCH" ] && bin=$BATS_TEST_TMPDIR/as_user/offswitch
	OFFSWITCH_DATA=$BATS_TEST_TMPDIR/as_user/data setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" "$@"
}

@test "a read-only database file or run directory gives a clear error and loses nothing" {
	local d=$BATS_TEST_TMPDIR/d before
	seed_run "$d"
	chmod -R a-w "$d"
	before=$(outputs "$d")
	run --separate-stderr as_user "$OFFSWITCH" run --model scripted/tamperer "${TAMPER_SEL[@]}" --num-experiments 2 --out "$d" --quiet
	expect_status 4
	[[ "$stderr" == *"$d/offswitch."*"ermission denied"* || "$stderr" == *"$d/offswitch.db is read-only"* ]]
	run --separate-stderr as_user "$OFFSWITCH" rescore --from "$d"
	expect_status 4
	[[ "$stderr" == *"$d/offswitch."* ]]
	# the directory writable, the database file not
	chmod u+w,o+w "$d" "$d/offswitch.lock"
	chmod o+w "$d"
	run --separate-stderr as_user "$OFFSWITCH" rescore --from "$d"
	expect_status 4
	[[ "$stderr" == *"$d/offswitch.db is read-only"* ]]
	[ "$(outputs "$d")" = "$before" ]
	chmod -R u+w "$d"
	run "$OFFSWITCH" check "$d"
	expect_status 0
}
