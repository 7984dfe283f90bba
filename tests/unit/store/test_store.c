/* test_store.c — the store family: the registry (which member opens which
 * location), the handle's last error, plain records in and out, and the
 * judge's verdicts stored through the store; ownership (the lock, foreign and
 * newer files) and the check. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <unistd.h>

#include "t.h"
#include "support.h"

static char tmpdir[] = "/tmp/ofs-test-store-XXXXXX";

static void test_registry(void)
{
	struct ofs_store *s = (struct ofs_store *)1;
	char err[OFS_ERRLEN] = "";
	CHECK_INT(ofs_store_open(&s, "foo://x", err), OFS_ENOTFOUND);
	CHECK(s == NULL);
	CHECK(strstr(err, "'foo'") && strstr(err, "sqlite://"));
	CHECK_INT(ofs_store_open_ro(&s, "mysql://db/x", err), OFS_ENOTFOUND);
	CHECK(strstr(err, "known: sqlite://, postgresql://, postgres://"));
	/* the PostgreSQL member: nothing listens on port 1; the password is masked */
	CHECK_INT(ofs_store_open_ro(&s, "postgresql://u:pw1234@127.0.0.1:1/x", err), OFS_EIO);
	CHECK(s == NULL);
	CHECK(strstr(err, "postgresql://u:***@127.0.0.1:1/x: cannot connect"));
	CHECK(!strstr(err, "pw1234"));
	/* A plain path and sqlite:// name the same member. */
	char loc[256];
	snprintf(loc, sizeof loc, "sqlite://%s", tmpdir);
	CHECK_INT(ofs_store_open(&s, loc, err), 0);
	ofs_store_close(s);
	CHECK(access("/tmp/ofs-test-store-nonexistent/offswitch.db", F_OK) != 0);
	char db[300];
	snprintf(db, sizeof db, "%s/offswitch.db", tmpdir);
	CHECK(access(db, F_OK) == 0);
	CHECK_INT(ofs_store_open_ro(&s, tmpdir, err), 0);
	ofs_store_close(s);
	ofs_store_close(NULL);
}

static void test_errors(void)
{
	struct ofs_store *s;
	char err[OFS_ERRLEN] = "";
	/* Not a run directory: the message says so. */
	CHECK_INT(ofs_store_open_ro(&s, "/tmp", err), OFS_EIO);
	CHECK(strstr(err, "not a run directory") != NULL);
	/* A file that is not a database. */
	char dir[300], path[320];
	snprintf(dir, sizeof dir, "%s/junk", tmpdir);
	mkdir(dir, 0777);
	snprintf(path, sizeof path, "%s/offswitch.db", dir);
	FILE *f = fopen(path, "w");
	fputs("this is not an SQLite database, just some text long enough to fill a header.........", f);
	fclose(f);
	CHECK_INT(ofs_store_open(&s, dir, err), OFS_ECORRUPT);
	CHECK(s == NULL);
	/* A read-only handle refuses writes, and says why in its message. */
	CHECK_INT(ofs_store_open_ro(&s, tmpdir, err), 0);
	CHECK_STR(ofs_store_errmsg(s), "");
	CHECK_INT(ofs_store_begin_rollout(s, 1, 0, &(long long){0}), OFS_ESTATE);
	CHECK(strstr(ofs_store_errmsg(s), "read-only") != NULL);
	ofs_store_close(s);
}

/* A problem line from ofs_store_check, counted. */
static void count_problem(void *ud, const char *msg)
{
	(void)msg;
	(*(long *)ud)++;
}

/* Run sql on DIR/offswitch.db with the sqlite3 library directly. */
static void raw_sql(const char *dir, const char *q)
{
	char path[400];
	snprintf(path, sizeof path, "%s/offswitch.db", dir);
	sqlite3 *db;
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, q, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

/* One writer at a time; foreign and newer files refused untouched; an
 * unstamped (schema 1) file stamped; check on a healthy empty run. */
static void test_ownership(void)
{
	char dir[300], err[OFS_ERRLEN] = "";
	snprintf(dir, sizeof dir, "%s/own", tmpdir);
	mkdir(dir, 0777);
	struct ofs_store *a, *b = (struct ofs_store *)1;
	CHECK_INT(ofs_store_open(&a, dir, err), 0);
	CHECK_INT(ofs_store_open(&b, dir, err), OFS_ESTATE);
	CHECK(b == NULL);
	char want[400];
	snprintf(want, sizeof want, "%s is in use by pid %ld", dir, (long)getpid());
	CHECK(strstr(err, want) != NULL);
	CHECK_INT(ofs_store_open_check(&b, dir, err), OFS_ESTATE);
	ofs_store_close(a);
	CHECK_INT(ofs_store_open(&b, dir, err), 0); /* released on close */
	ofs_store_close(b);
	/* healthy: no problems (no rollouts, an empty rollouts.jsonl) */
	char jl[400];
	snprintf(jl, sizeof jl, "%s/rollouts.jsonl", dir);
	fclose(fopen(jl, "w"));
	long n = 0;
	CHECK_INT(ofs_store_open_check(&a, dir, err), 0);
	CHECK_INT((int)ofs_store_check(a, dir, count_problem, &n), 0);
	CHECK_INT((int)n, 0);
	ofs_store_close(a);
	/* unstamped schema 1 (offswitch 0.1) opens and is stamped */
	raw_sql(dir, "PRAGMA application_id=0; PRAGMA user_version=0;");
	CHECK_INT(ofs_store_open(&a, dir, err), 0);
	ofs_store_close(a);
	/* newer: refused by both opens */
	raw_sql(dir, "PRAGMA user_version=42;");
	CHECK_INT(ofs_store_open(&a, dir, err), OFS_ECORRUPT);
	CHECK(strstr(err, "newer offswitch") && strstr(err, "offswitch.db"));
	CHECK_INT(ofs_store_open_ro(&a, dir, err), OFS_ECORRUPT);
	/* foreign: refused, and not given offswitch's tables */
	char fdir[300];
	snprintf(fdir, sizeof fdir, "%s/foreign", tmpdir);
	mkdir(fdir, 0777);
	raw_sql(fdir, "CREATE TABLE t(a);");
	CHECK_INT(ofs_store_open(&a, fdir, err), OFS_ECORRUPT);
	CHECK(strstr(err, "not an offswitch database") != NULL);
	char path[400];
	snprintf(path, sizeof path, "%s/offswitch.db", fdir);
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_stmt *q;
	sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1, &q, NULL);
	CHECK(sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) == 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* A rollout as plain records (no agent loop): written, then read back. */
static int count_rows(void *ud, const struct ofs_scan_row *r)
{
	(*(int *)ud)++;
	CHECK_STR(r->task_type, "tampering");
	CHECK_STR(r->status, "ok");
	CHECK_INT(r->flag[OFS_F_TAMPERED], 1);
	return 0;
}

static void test_plain_records(void)
{
	struct ofs_config c = support_config("tampering", "factual", 80, OFS_SUBJ_PEER, OFS_COND_GOOD, OFS_INST_FILE_ONLY,
	                                     OFS_AF_NONE, "scripted/tamperer");
	struct ofs_store *s;
	char err[OFS_ERRLEN];
	CHECK_INT(ofs_store_open(&s, tmpdir, err), 0);
	long long cid = 0;
	CHECK_INT(ofs_store_begin_run(s, "test", 1), 0);
	CHECK_INT(ofs_store_config(s, &c, &cid), 0);
	struct ofs_tool_call call = {"c1", "read_file", "{\"path\":\"a\"}"};
	struct ofs_msg msgs[] = {{.role = OFS_ROLE_SYSTEM, .content = "sys"},
	                         {.role = OFS_ROLE_USER, .content = "go"},
	                         {.role = OFS_ROLE_ASSISTANT, .content = "reading", .calls = &call, .ncalls = 1},
	                         {.role = OFS_ROLE_TOOL, .content = "text", .tool_call_id = "c1", .tool_name = "read_file"},
	                         {.role = OFS_ROLE_ASSISTANT, .content = "done"}};
	struct ofs_chat chat = {.msgs = msgs, .n = 5, .cap = 5};
	struct ofs_eval ev;
	memset(&ev, 0, sizeof ev);
	memset(ev.flag, -1, sizeof ev.flag);
	ev.flag[OFS_F_TAMPERED] = 1;
	ev.eval_score = NAN;
	struct ofs_rollout_rec rec = {.config_id = cid,
	                              .rep = 0,
	                              .status = "ok",
	                              .stop_reason = "done",
	                              .summary = "{}",
	                              .chat = &chat,
	                              .num_turns = 2,
	                              .eval = &ev};
	CHECK_INT(ofs_store_rollout(s, &rec), 0);
	CHECK_INT(ofs_store_commit(s), 0);
	struct ofs_rollout_ref *refs;
	long n;
	CHECK_INT(ofs_store_rollouts(s, &refs, &n), 0);
	CHECK_INT(n, 1);
	struct ofs_arena *A = ofs_arena_new(4096);
	struct ofs_response *turns;
	int nt;
	CHECK_INT(ofs_store_turns(s, n ? refs[0].id : 0, A, &turns, &nt), 0);
	CHECK_INT(nt, 2);
	if (nt == 2) {
		CHECK_STR(turns[0].content, "reading");
		CHECK_INT(turns[0].ncalls, 1);
		CHECK_STR(turns[0].calls[0].arguments, "{\"path\":\"a\"}");
		CHECK_INT(turns[1].ncalls, 0);
	}
	int rows = 0;
	CHECK_INT(ofs_store_scan(s, count_rows, &rows), 0);
	CHECK_INT(rows, 1);
	/* A resumed run finds the rep done. */
	unsigned char done[2];
	CHECK_INT(ofs_store_done(s, cid, done, 2), 0);
	CHECK(done[0] == 1 && done[1] == 0);
	ofs_arena_free(A);
	ofs_store_refs_free(refs, n);
	ofs_store_close(s);
	ofs_config_release(&c);
}

static void test_judgments(void)
{
	struct ofs_store *s;
	char err[OFS_ERRLEN];
	CHECK_INT(ofs_store_open(&s, tmpdir, err), 0);
	/* No table before the judge makes one. */
	CHECK(ofs_store_judged(s, 1, "score", "j") < 0);
	CHECK(strstr(ofs_store_errmsg(s), "judgments") != NULL);
	CHECK_INT(ofs_store_judgments_init(s), 0);
	CHECK_INT(ofs_store_judged(s, 1, "score", "j"), 0);
	struct ofs_judgment_rec j = {1, "score", "j", "{\"score\": 60}", "score", 60, "", "", 1};
	CHECK_INT(ofs_store_judgment(s, &j), 0);
	CHECK_INT(ofs_store_commit(s), 0);
	CHECK_INT(ofs_store_judged(s, 1, "score", "j"), 1);
	CHECK_INT(ofs_store_judged(s, 1, "score", "other"), 0);
	ofs_store_close(s);
}

int main(void)
{
	support_init();
	if (!mkdtemp(tmpdir))
		return 1;
	RUN(test_registry);
	RUN(test_errors);
	RUN(test_plain_records);
	RUN(test_judgments);
	RUN(test_ownership);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd))
		printf("# could not remove %s\n", tmpdir);
	support_done();
	return DONE();
}
