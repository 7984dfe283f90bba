/* test_run.c — a run directory end to end through the real store: outputs,
 * resume without duplicates, interruption, and more rollouts per config later. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "t.h"
#include "support.h"

static long q(const char *dir, const char *sql)
{
	char path[512];
	snprintf(path, sizeof path, "%s/offswitch.db", dir);
	sqlite3 *db;
	long v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

static long lines(const char *dir)
{
	char path[512];
	snprintf(path, sizeof path, "%s/rollouts.jsonl", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long n = 0;
	int c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static struct ofs_plan make_plan(const char *model, int limit)
{
	const char *models[] = {model};
	struct ofs_plan_opts o = {
	        .models = models, .nmodels = 1, .limit = limit, .memory_hard_prompt = -1, .temperature = 1, .max_iters = 30};
	struct ofs_plan p;
	char err[OFS_ERRLEN];
	if (ofs_plan_build(&S_cat, &o, &p, err))
		printf("# %s\n", err);
	return p;
}

static volatile sig_atomic_t stop_after_flag;
static long stop_after;
static void stopper(void *ud, const struct ofs_progress *p)
{
	(void)ud;
	if (p->done - p->skipped >= stop_after)
		stop_after_flag = 1;
}

static void test_resume_and_interrupt(void)
{
	char dir[] = "/tmp/ofs_run_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	struct ofs_plan p = make_plan("scripted/tamperer", 20);
	char err[OFS_ERRLEN];
	struct ofs_run_result res;
	stop_after = 7;
	stop_after_flag = 0;
	struct ofs_run_opts o = {.out_dir = dir,
	                         .reps = 3,
	                         .command = "test",
	                         .write_transcripts = 1,
	                         .progress = stopper,
	                         .stop = &stop_after_flag};
	CHECK_INT(ofs_run(&S_cat, &p, &o, &res, err), 0);
	CHECK(res.interrupted);
	CHECK_INT(res.done, 7);
	CHECK_INT(res.recorded, 7);
	CHECK_INT(lines(dir), 7);
	CHECK_INT(q(dir, "SELECT count(*) FROM rollouts"), 7);
	/* Resume to the end. */
	o.progress = NULL;
	stop_after_flag = 0;
	CHECK_INT(ofs_run(&S_cat, &p, &o, &res, err), 0);
	CHECK(!res.interrupted);
	CHECK_INT(res.skipped, 7);
	CHECK_INT(res.done, 60 - 7);
	CHECK_INT(lines(dir), 60);
	CHECK_INT(q(dir, "SELECT count(*) FROM rollouts"), 60);
	CHECK_INT(q(dir, "SELECT count(*) FROM outcomes"), 60);
	CHECK_INT(q(dir, "SELECT count(*) FROM configs"), 20);
	CHECK_INT(q(dir, "SELECT count(*) FROM (SELECT config_id, rep FROM rollouts GROUP BY 1, 2 HAVING count(*) > 1)"), 0);
	CHECK_INT(q(dir, "SELECT count(*) FROM runs"), 2);
	/* The same command again changes nothing. */
	CHECK_INT(ofs_run(&S_cat, &p, &o, &res, err), 0);
	CHECK_INT(res.done, 0);
	CHECK_INT(res.skipped, 60);
	CHECK_INT(lines(dir), 60);
	/* More rollouts per config later: only the new reps run. */
	o.reps = 4;
	CHECK_INT(ofs_run(&S_cat, &p, &o, &res, err), 0);
	CHECK_INT(res.done, 20);
	CHECK_INT(q(dir, "SELECT count(*) FROM rollouts"), 80);
	/* Stored facts agree with the detectors: tampering configs have shutdown_enabled = 0. */
	CHECK_INT(q(dir,
	            "SELECT count(*) FROM outcomes o JOIN rollouts r ON r.id = o.rollout_id JOIN configs c ON c.id = r.config_id"
	            " WHERE c.task_type = 'tampering' AND o.shutdown_enabled <> 0"),
	          0);
	/* Repeated message texts are stored once. */
	CHECK(q(dir, "SELECT count(*) FROM blobs") < q(dir, "SELECT count(*) FROM messages") / 4);
	ofs_plan_release(&p);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

static void test_transcripts_deterministic(void)
{
	/* Same responses, same transcript bytes: two fresh directories compare equal. */
	char a[] = "/tmp/ofs_a_XXXXXX", b[] = "/tmp/ofs_b_XXXXXX";
	CHECK(mkdtemp(a) && mkdtemp(b));
	struct ofs_plan p = make_plan("scripted/retimestamper", 40);
	char err[OFS_ERRLEN];
	struct ofs_run_result res;
	struct ofs_run_opts o = {.out_dir = a, .reps = 1, .write_transcripts = 1};
	CHECK_INT(ofs_run(&S_cat, &p, &o, &res, err), 0);
	o.out_dir = b;
	CHECK_INT(ofs_run(&S_cat, &p, &o, &res, err), 0);
	char cmd[600];
	snprintf(cmd, sizeof cmd,
	         "diff -r '%s/transcripts' '%s/transcripts' >/dev/null && cmp -s '%s/rollouts.jsonl' '%s/rollouts.jsonl'", a, b,
	         a, b);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", a, b);
	CHECK(system(cmd) == 0);
	ofs_plan_release(&p);
}

static void test_bad_script_fails_before_running(void)
{
	char dir[] = "/tmp/ofs_bad_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char script[600];
	snprintf(script, sizeof script, "%s/s.json", dir);
	FILE *f = fopen(script, "w");
	fputs("{\"turns\": [{\"tool_calls\": [{\"arguments\": {}}]}]}", f);
	fclose(f);
	char model[700];
	snprintf(model, sizeof model, "scripted:%s", script);
	struct ofs_plan p = make_plan(model, 3);
	char err[OFS_ERRLEN];
	struct ofs_run_result res;
	struct ofs_run_opts o = {.out_dir = dir, .reps = 1};
	CHECK_INT(ofs_run(&S_cat, &p, &o, &res, err), OFS_EDATA);
	CHECK(strstr(err, "turns[0].tool_calls[0].name") != NULL);
	/* Checked before the run directory is touched: no database was made. */
	char db[600];
	snprintf(db, sizeof db, "%s/offswitch.db", dir);
	CHECK(access(db, F_OK) != 0);
	ofs_plan_release(&p);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	support_init();
	RUN(test_resume_and_interrupt);
	RUN(test_transcripts_deterministic);
	RUN(test_bad_script_fails_before_running);
	support_done();
	return DONE();
}
