#!/usr/bin/env bats
# The PostgreSQL store (issue 12): a run into PostgreSQL reports the same as
# into SQLite; kill -9 and resume; status counts; the password never shown;
# bad URLs and unreachable servers; migrations; and the shared work queue —
# three workers over the mock with latency, one killed with kill -9, every
# rollout recorded once with no turn lost; a clean stop. A PostgreSQL 15
# server is started for the file (pg_helpers.bash) on a unix socket in a
# temporary directory and on 127.0.0.1 at a free port.

load helpers
load pg_helpers

REF_SEL=(--model scripted/honest --model scripted/tamperer --task-type tampering --dataset factual)
NET_SEL=(--model openai/scripted/tamperer --model openai/scripted/honest --agent-family Gemini --task-type tampering --dataset factual)

setup_file() {
	pg_start
}

teardown_file() {
	pg_stop
}

setup() {
	pg_require
	DB=t$BATS_TEST_NUMBER
	pg_createdb "$DB"
	URL=$(pg_url "$DB")
}

teardown() {
	[ -n "${MOCK:-}" ] && kill "$MOCK" 2>/dev/null || true
	local p
	for p in ${PIDS:-}; do kill -9 "$p" 2>/dev/null || true; done
	true
}

start_mock() { # start_mock ARGS... → sets PORT, MOCK
	"$OFFSWITCH" mock --listen 127.0.0.1:0 "$@" >"$BATS_TEST_TMPDIR/mock.out" 2>"$BATS_TEST_TMPDIR/mock.err" &
	MOCK=$!
	for _ in $(seq 200); do
		grep -q listening "$BATS_TEST_TMPDIR/mock.out" 2>/dev/null && break
		sleep 0.05
	done
	PORT=$(sed -n 's|.*127.0.0.1:\([0-9]*\).*|\1|p' "$BATS_TEST_TMPDIR/mock.out")
	[ -n "$PORT" ]
}

# wait_pg SQL N: until the query's value is >= N (at most 60 s).
wait_pg() {
	local i v
	for i in $(seq 600); do
		v=$(pg_q "$DB" "$1" 2>/dev/null || echo 0)
		[ "${v:-0}" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1 >= $2 (last $v)" >&2
	return 1
}

# The report's text without its first line (which names the store).
report_body() {
	"$OFFSWITCH" report "$1" | tail -n +2
}

@test "a run into PostgreSQL gives the same report, rollouts.jsonl and transcripts as the same run into SQLite" {
	local d=$BATS_TEST_TMPDIR
	run "$OFFSWITCH" run "${REF_SEL[@]}" --out "$d/pg" --store "$URL" --quiet
	expect_status 0
	[[ "$output" == *"Results: postgresql:///$DB"* ]]
	"$OFFSWITCH" run "${REF_SEL[@]}" --out "$d/sq" --quiet >/dev/null
	report_body "$URL" >"$d/pg.txt"
	report_body "$d/sq" >"$d/sq.txt"
	[ -s "$d/sq.txt" ]
	diff "$d/pg.txt" "$d/sq.txt"
	"$OFFSWITCH" report "$URL" --format csv | python3 -c 'import sys; sys.stdout.write(sys.stdin.read().replace(sys.argv[1], "S"))' "$URL" >"$d/pg.csv"
	"$OFFSWITCH" report "$d/sq" --format csv | python3 -c 'import sys; sys.stdout.write(sys.stdin.read().replace(sys.argv[1], "S"))' "$d/sq" >"$d/sq.csv"
	[ -s "$d/sq.csv" ]
	diff "$d/pg.csv" "$d/sq.csv"
	cmp "$d/pg/rollouts.jsonl" "$d/sq/rollouts.jsonl"
	diff -r "$d/pg/transcripts" "$d/sq/transcripts"
	[ ! -e "$d/pg/offswitch.db" ]
	[ "$(pg_q "$DB" 'select count(*) from rollouts')" -eq "$(db_count "$d/sq" rollouts)" ]
	[ "$(pg_q "$DB" 'select count(*) from messages')" -eq "$(db_count "$d/sq" messages)" ]
	[ "$(pg_q "$DB" 'select count(*) from tool_calls')" -eq "$(db_count "$d/sq" tool_calls)" ]
	# the same command again resumes: nothing new
	run "$OFFSWITCH" run "${REF_SEL[@]}" --out "$d/pg" --store "$URL" --quiet
	expect_status 0
	[[ "$output" == *"0 run now"* ]]
	[ "$(pg_q "$DB" 'select count(*) from rollouts')" -eq "$(db_count "$d/sq" rollouts)" ]
	# the schema version table
	[ "$(pg_q "$DB" 'select max(version) from offswitch_schema')" -ge 2 ]
}

@test "kill -9 during a network run into PostgreSQL: the same command resumes from the stored turns and ends equal to an uninterrupted run" {
	start_mock --latency-ms 150
	local d=$BATS_TEST_TMPDIR
	"$OFFSWITCH" run "${NET_SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 4 --out "$d/pg" --store "$URL" \
		--quiet >/dev/null 2>&1 &
	local pid=$!
	PIDS=$pid
	wait_pg "select count(*) from messages where role='assistant'" 8
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	[ "$(pg_q "$DB" "select count(*) from rollouts where status='running'")" -gt 0 ]
	# status shows the rollouts left running
	run "$OFFSWITCH" status "$URL" --json
	expect_status 0
	python3 -c 'import json,sys; j=json.loads(sys.argv[1]); assert sum(c["running"] for c in j["by_model_task"]) > 0, j' "$output"
	local before
	before=$(pg_q "$DB" "select count(*) from messages where role='assistant'")
	run "$OFFSWITCH" run "${NET_SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 4 --out "$d/pg" --store "$URL" --quiet
	expect_status 0
	[[ "$output" == *"resumed from stored turns"* ]]
	"$OFFSWITCH" run "${NET_SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 4 --out "$d/sq" --quiet >/dev/null
	[ "$(pg_q "$DB" "select count(*) from messages where role='assistant'")" -ge "$before" ]
	[ "$(pg_q "$DB" "select count(*) from rollouts where status='ok'")" -eq "$(db_count "$d/sq" rollouts)" ]
	[ "$(pg_q "$DB" 'select count(*) from messages')" -eq "$(db_count "$d/sq" messages)" ]
	cmp "$d/pg/rollouts.jsonl" "$d/sq/rollouts.jsonl"
	diff -r "$d/pg/transcripts" "$d/sq/transcripts"
	diff <(report_body "$URL") <(report_body "$d/sq")
}

@test "status counts done / running / failed per model and task, for a run directory and for a PostgreSQL store" {
	local d=$BATS_TEST_TMPDIR
	"$OFFSWITCH" run "${REF_SEL[@]}" --out "$d/pg" --store "$URL" --quiet >/dev/null
	"$OFFSWITCH" run "${REF_SEL[@]}" --out "$d/sq" --quiet >/dev/null
	local n
	n=$(db_count "$d/sq" rollouts)
	# one rollout marked failed, one left running, in the PostgreSQL store
	pg_q "$DB" "update rollouts set status='error:http_500' where id=(select min(id) from rollouts)" >/dev/null
	pg_q "$DB" "update rollouts set status='running' where id=(select max(id) from rollouts)" >/dev/null
	run "$OFFSWITCH" status "$URL" --json
	expect_status 0
	python3 - "$output" "$n" <<'EOF'
import json, sys
j = json.loads(sys.argv[1]); n = int(sys.argv[2])
cells = {(c["model"], c["task"]): c for c in j["by_model_task"]}
assert set(cells) == {("scripted/honest", "tampering"), ("scripted/tamperer", "tampering")}, cells
assert sum(c["done"] for c in cells.values()) == n - 2
assert sum(c["failed"] for c in cells.values()) == 1
assert sum(c["running"] for c in cells.values()) == 1
assert j["planned"] == n and j["recorded"] == n
assert j["queue"] == {"pending": 0, "claimed": 0, "expired": 0, "done": 0}, j["queue"]
assert j["workers"] == []
EOF
	run "$OFFSWITCH" status --store "$URL"
	expect_status 0
	[[ "$output" == *"scripted/honest"*"tampering"* ]]
	[[ "$output" == *"planned $n; recorded $n; not started 0"* ]]
	# a run directory
	run "$OFFSWITCH" status "$d/sq" --json
	expect_status 0
	python3 -c 'import json,sys; j=json.loads(sys.argv[1]); assert sum(c["done"] for c in j["by_model_task"]) == int(sys.argv[2]) and "queue" not in j' "$output" "$n"
	run "$OFFSWITCH" status "$d/nothing-here"
	expect_status 4
}

@test "the password is never printed: not in output, errors, status, report or the recorded command" {
	local d=$BATS_TEST_TMPDIR
	local tcp="postgresql://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/$DB"
	run --separate-stderr "$OFFSWITCH" run "${REF_SEL[@]}" --out "$d/pg" --store "$tcp"
	expect_status 0
	[[ "$output" == *"postgresql://postgres:***@127.0.0.1:$PG_PORT/$DB"* ]]
	[[ "$output$stderr" != *"$PG_PASSWORD"* ]]
	[ "$(pg_q "$DB" "select count(*) from runs where command like '%$PG_PASSWORD%'")" -eq 0 ]
	[ "$(pg_q "$DB" "select count(*) from runs where command like '%:***@%'")" -ge 1 ]
	local out
	out=$("$OFFSWITCH" status "$tcp" 2>&1; "$OFFSWITCH" report "$tcp" 2>&1)
	[[ "$out" == *"postgres:***@"* ]]
	[[ "$out" != *"$PG_PASSWORD"* ]]
	! grep -rqF "$PG_PASSWORD" "$d/pg"
	# a wrong password: a clear error, the given password masked
	run --separate-stderr "$OFFSWITCH" report "postgresql://postgres:Wrong-$PG_PASSWORD@127.0.0.1:$PG_PORT/$DB"
	expect_status 4
	[[ "$stderr" == *"postgres:***@127.0.0.1"*"cannot connect"*"password authentication failed"* ]]
	[[ "$stderr" != *"$PG_PASSWORD"* ]]
	# the password as a parameter, and percent-encoded
	run --separate-stderr "$OFFSWITCH" status "postgresql://postgres@127.0.0.1:$PG_PORT/$DB?password=$PG_PASSWORD&sslmode=disable"
	expect_status 0
	[[ "$output" == *"password=***&sslmode=disable"* ]]
	[[ "$output$stderr" != *"$PG_PASSWORD"* ]]
	# a malformed URL that libpq quotes back: scrubbed too
	run --separate-stderr "$OFFSWITCH" status "postgresql://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/$DB?nosuchparam=1"
	expect_status 2
	[[ "$stderr" == *"not a valid PostgreSQL URL"* ]]
	[[ "$output$stderr" != *"$PG_PASSWORD"* ]]
}

@test "a bad URL, an unknown scheme, an unreachable server and a database offswitch never wrote: clear errors and exit codes" {
	run --separate-stderr "$OFFSWITCH" run "${REF_SEL[@]}" --out "$BATS_TEST_TMPDIR/x" --store "postgresql://u:pw@[::1/db"
	expect_status 2
	[[ "$stderr" == *"postgresql://u:***@[::1/db is not a valid PostgreSQL URL"* ]]
	[[ "$stderr" != *":pw@"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/x/offswitch.db" ]
	# a value libpq checks only when it connects: still one clear line, exit 4
	run --separate-stderr "$OFFSWITCH" run "${REF_SEL[@]}" --out "$BATS_TEST_TMPDIR/x" --store "postgresql://u:pw@127.0.0.1:notaport/db"
	expect_status 4
	[[ "$stderr" == *"postgresql://u:***@127.0.0.1:notaport/db: cannot connect: invalid integer value \"notaport\""* ]]
	run --separate-stderr "$OFFSWITCH" run "${REF_SEL[@]}" --out "$BATS_TEST_TMPDIR/x" --store "mysql://127.0.0.1/db"
	expect_status 2
	[[ "$stderr" == *"unknown store 'mysql'"*"postgresql://"* ]]
	run --separate-stderr "$OFFSWITCH" report "mysql://127.0.0.1/db"
	expect_status 4
	local port
	port=$(pg_free_port)
	run --separate-stderr "$OFFSWITCH" run "${REF_SEL[@]}" --out "$BATS_TEST_TMPDIR/y" --store "postgres://u:secretpw@127.0.0.1:$port/db?connect_timeout=5"
	expect_status 4
	[[ "$stderr" == *"postgresql://u:***@127.0.0.1:$port/db"*"cannot connect"* ]]
	[[ "$stderr" != *"secretpw"* ]]
	run --separate-stderr "$OFFSWITCH" report "$URL"
	expect_status 4
	[[ "$stderr" == *"holds no run yet"* ]]
	run --separate-stderr "$OFFSWITCH" status "$URL"
	expect_status 2
	[[ "$stderr" == *"holds no run yet"* ]]
	run --separate-stderr "$OFFSWITCH" worker --store "$BATS_TEST_TMPDIR/dir"
	expect_status 2
	[[ "$stderr" == *"database server's URL"* ]]
	run --separate-stderr "$OFFSWITCH" run "${REF_SEL[@]}" --out "$BATS_TEST_TMPDIR/z" --enqueue
	expect_status 2
}

@test "migrations: an older schema is brought up to date; a newer one is refused, naming the version" {
	local d=$BATS_TEST_TMPDIR
	"$OFFSWITCH" run "${REF_SEL[@]}" --out "$d/pg" --store "$URL" --quiet >/dev/null
	# back to schema 1 (before the work queue and the awareness/deception columns)
	pg_q "$DB" "drop table work, workers, control, interview_answers; alter table outcomes drop column eval_aware,
		drop column deceived, drop column act_reported, drop column false_alarm;
		delete from offswitch_schema where version in (2, 3, 4, 5)" >/dev/null
	run "$OFFSWITCH" status "$URL" --json
	expect_status 0
	run "$OFFSWITCH" run "${REF_SEL[@]}" --out "$d/pg" --store "$URL" --quiet
	expect_status 0
	[ "$(pg_q "$DB" 'select max(version) from offswitch_schema')" -eq 5 ]
	[ "$(pg_q "$DB" "select count(*) from interview_answers")" -eq 0 ]
	[ "$(pg_q "$DB" "select count(*) from work")" -eq 0 ]
	# the columns are back; the rollouts recorded before them read as unknown
	[ "$(pg_q "$DB" "select count(*) - count(eval_aware), count(*) - count(deceived) from outcomes")" = "38|38" ]
	pg_q "$DB" "insert into offswitch_schema(version) values (99)" >/dev/null
	run --separate-stderr "$OFFSWITCH" report "$URL"
	expect_status 4
	[[ "$stderr" == *"newer offswitch (schema version 99"* ]]
}

@test "three workers over the mock with latency, one killed with kill -9: every rollout recorded once, no turn lost, the report equals a single-machine run" {
	start_mock --latency-ms 200:50
	local d=$BATS_TEST_TMPDIR i
	run "$OFFSWITCH" run "${NET_SEL[@]}" --store "$URL" --enqueue
	expect_status 0
	local n
	n=$(pg_q "$DB" "select count(*) from work where state='pending'")
	[ "$n" -gt 10 ]
	local pids=()
	for i in 1 2 3; do
		"$OFFSWITCH" worker --store "$URL" --base-url "http://127.0.0.1:$PORT/v1" --out "$d/w$i" --lease 3 --max-concurrent 4 \
			>"$d/w$i.out" 2>"$d/w$i.err" &
		pids+=($!)
	done
	PIDS="${pids[*]}"
	local victim=${pids[1]}
	# the victim holds claims and some of their turns are stored
	wait_pg "select count(*) from work k join workers w on w.id = k.worker where w.pid = $victim and k.state = 'claimed'" 1
	wait_pg "select count(*) from messages where role='assistant'" 6
	run "$OFFSWITCH" status "$URL"
	expect_status 0
	[[ "$output" == *"workers: 3 joined, 3 alive"* ]]
	kill -STOP "$victim" # frozen: its claims in the store are exactly what it holds
	local held
	held=$(pg_q "$DB" "select count(*) from work k join workers w on w.id = k.worker where w.pid = $victim and k.state = 'claimed'")
	kill -9 "$victim"
	wait "$victim" 2>/dev/null || true
	local rc=0
	wait "${pids[0]}" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$d/w1.err" >&2; false; }
	wait "${pids[2]}" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$d/w3.err" >&2; false; }
	PIDS=
	# every rollout recorded once, all ok; the queue is done
	[ "$(pg_q "$DB" "select count(*) from rollouts")" -eq "$n" ]
	[ "$(pg_q "$DB" "select count(*) from rollouts where status='ok'")" -eq "$n" ]
	[ "$(pg_q "$DB" "select count(*) from (select config_id, rep from rollouts group by 1, 2 having count(*) > 1) x")" -eq 0 ]
	[ "$(pg_q "$DB" "select count(*) from work where state='done'")" -eq "$n" ]
	# the dead worker's claims were taken over
	[ "$held" -eq 0 ] || [ "$(pg_q "$DB" "select count(*) from work where attempts > 1")" -ge "$held" ]
	# no turn lost or duplicated: the same conversations as one machine's run
	"$OFFSWITCH" run "${NET_SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --max-concurrent 4 --out "$d/sq" --quiet >/dev/null
	[ "$(pg_q "$DB" 'select count(*) from messages')" -eq "$(db_count "$d/sq" messages)" ]
	[ "$(pg_q "$DB" 'select count(*) from tool_calls')" -eq "$(db_count "$d/sq" tool_calls)" ]
	diff <(report_body "$URL") <(report_body "$d/sq")
	# the survivors say so; status shows them finished and the dead one not alive
	run "$OFFSWITCH" status "$URL" --json
	expect_status 0
	python3 - "$output" "$n" <<'EOF'
import json, sys
j = json.loads(sys.argv[1]); n = int(sys.argv[2])
assert j["queue"]["done"] == n and j["queue"]["pending"] == 0 and j["queue"]["claimed"] == 0, j["queue"]
states = sorted(w["state"] for w in j["workers"])
assert states == ["finished", "finished", "running"], states
assert not any(w["alive"] for w in j["workers"]), j["workers"]
EOF
	# exporting the whole run: the same command without --enqueue, nothing left to run
	run "$OFFSWITCH" run "${NET_SEL[@]}" --base-url "http://127.0.0.1:$PORT/v1" --out "$d/all" --store "$URL" --no-transcripts --quiet
	expect_status 0
	[[ "$output" == *"0 run now"* ]]
	cmp "$d/all/rollouts.jsonl" "$d/sq/rollouts.jsonl"
	# the workers' transcripts are spread over three machines; replay gathers the whole run
	# from the store into one directory, its transcripts byte-identical to the single-machine run
	run "$OFFSWITCH" replay --from "$URL" --out "$d/gathered"
	expect_status 0
	# (in the order the workers finished them: the same lines, sorted)
	cmp <(sort "$d/gathered/rollouts.jsonl") <(sort "$d/sq/rollouts.jsonl")
	diff -r "$d/gathered/transcripts" "$d/sq/transcripts"
	"$OFFSWITCH" check "$d/gathered"
}

@test "offswitch stop: workers stop cleanly and hand their claims back; workers started later finish the queue" {
	start_mock --latency-ms 300
	local d=$BATS_TEST_TMPDIR
	"$OFFSWITCH" run "${NET_SEL[@]}" --store "$URL" --enqueue >/dev/null
	local n
	n=$(pg_q "$DB" "select count(*) from work")
	"$OFFSWITCH" worker --store "$URL" --base-url "http://127.0.0.1:$PORT/v1" --out "$d/w1" --lease 3 --max-concurrent 2 \
		>"$d/w1.out" 2>&1 &
	local w=$!
	PIDS=$w
	wait_pg "select count(*) from messages where role='assistant'" 2
	run "$OFFSWITCH" stop --store "$URL"
	expect_status 0
	local rc=0
	wait "$w" || rc=$?
	PIDS=
	[ "$rc" -eq 0 ] || { cat "$d/w1.out" >&2; false; }
	grep -q 'stopped (offswitch stop)' "$d/w1.out"
	[ "$(pg_q "$DB" "select count(*) from work where state='claimed'")" -eq 0 ]
	[ "$(pg_q "$DB" "select count(*) from work where state='pending'")" -gt 0 ]
	[ "$(pg_q "$DB" "select state from workers")" = stopped ]
	run "$OFFSWITCH" worker --store "$URL" --base-url "http://127.0.0.1:$PORT/v1" --out "$d/w2" --lease 3 --max-concurrent 8
	expect_status 0
	[[ "$output" == *"the queue is done"* ]]
	[ "$(pg_q "$DB" "select count(*) from rollouts where status='ok'")" -eq "$n" ]
	run "$OFFSWITCH" stop --store "$d/w2"
	expect_status 2
}
