/* sqlite_write.c — the SQLite store's write path: whole rollouts, rollouts
 * recorded turn by turn, outcomes, the rollouts.jsonl export and the judge's
 * verdicts. Every write goes into the handle's open transaction. */
#include "store/sqlite_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "offswitch/fs.h"

static void bind_flag(sqlite3_stmt *q, int i, signed char v)
{
	if (v < 0)
		sqlite3_bind_null(q, i);
	else
		sqlite3_bind_int(q, i, v);
}

/* Step a prepared statement once and reset it. */
static int step_reset(struct sq *s, sqlite3_stmt *q, const char *what)
{
	int rc = sqlite3_step(q);
	int e = rc == SQLITE_DONE ? 0 : ofs__sq_err(s, what);
	sqlite3_reset(q);
	return e;
}

static int insert_calls(struct sq *s, long long rid, int i, const struct ofs_msg *m)
{
	for (int j = 0; j < m->ncalls; j++) {
		long long a = ofs__sq_blob(s, m->calls[j].arguments);
		if (a < 0)
			return (int)a;
		sqlite3_stmt *q = s->q[Q_CALL];
		sqlite3_reset(q);
		sqlite3_bind_int64(q, 1, rid);
		sqlite3_bind_int(q, 2, i);
		sqlite3_bind_int(q, 3, j);
		sqlite3_bind_text(q, 4, m->calls[j].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, m->calls[j].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 6, a);
		int e = step_reset(s, q, "insert tool call");
		if (e)
			return e;
	}
	return 0;
}

static int insert_messages(struct sq *s, long long rid, const struct ofs_chat *chat, int from)
{
	for (int i = from; i < chat->n; i++) {
		const struct ofs_msg *m = &chat->msgs[i];
		long long b = ofs__sq_blob(s, m->content);
		if (b < 0)
			return (int)b;
		sqlite3_stmt *q = s->q[Q_MSG];
		sqlite3_reset(q);
		sqlite3_bind_int64(q, 1, rid);
		sqlite3_bind_int(q, 2, i);
		sqlite3_bind_text(q, 3, ofs_role_names[m->role], -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 4, b);
		ofs__sq_bind_text(q, 5, m->reasoning);
		ofs__sq_bind_text(q, 6, m->tool_call_id);
		ofs__sq_bind_text(q, 7, m->tool_name);
		sqlite3_bind_int(q, 8, m->is_error);
		sqlite3_bind_int64(q, 9, m->in_tokens);
		sqlite3_bind_int64(q, 10, m->out_tokens);
		int e = step_reset(s, q, "insert message");
		if (!e)
			e = insert_calls(s, rid, i, m);
		if (e)
			return e;
	}
	return 0;
}

static int insert_outcome(struct sq *s, long long rid, const struct ofs_rollout_rec *r)
{
	const struct ofs_eval *ev = r->eval;
	sqlite3_stmt *q = s->q[Q_OUTCOME];
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, rid);
	for (int f = 0; f < OFS_F__N; f++)
		bind_flag(q, 2 + f, ev->flag[f]);
	int col = 2 + OFS_F__N;
	if (ev->eval_score == ev->eval_score)
		sqlite3_bind_double(q, col, ev->eval_score);
	else
		sqlite3_bind_null(q, col);
	ofs__sq_bind_text(q, col + 1, ev->threshold_result);
	ofs__sq_bind_text(q, col + 2, ev->subject_grade[0] ? ev->subject_grade : NULL);
	ofs__sq_bind_text(q, col + 3, ev->subject_recommendation[0] ? ev->subject_recommendation : NULL);
	sqlite3_bind_int(q, col + 4, (int)ev->needs_judge);
	ofs__sq_bind_text(q, col + 5, r->evidence);
	return step_reset(s, q, "insert outcome");
}

/* Open the write transaction and prepare sql into *q (the caller finalizes
 * it); 0 or the store's error code, named by what. */
static int tx_prepare(struct sq *s, const char *sql, sqlite3_stmt **q, const char *what)
{
	int e = ofs__sq_tx(s);
	if (e)
		return e;
	if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) != SQLITE_OK)
		return ofs__sq_err(s, what);
	return 0;
}

/* A rollout's result columns status, stop_reason, num_turns, input_tokens,
 * output_tokens, transcript, summary, sum_head, sum_tail as parameters at,
 * at+1, ... at+8 of q (schema 5: a summary that splits is stored as two
 * blobs and '', sqlite_summary.c). */
static int bind_result(struct sq *s, sqlite3_stmt *q, int at, const struct ofs_rollout_rec *r)
{
	long long head, tail;
	int e = ofs__sq_summary_split(s, r, &head, &tail);
	if (e)
		return e;
	sqlite3_bind_text(q, at, r->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, at + 1, r->stop_reason, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, at + 2, r->num_turns);
	sqlite3_bind_int64(q, at + 3, r->in_tokens);
	sqlite3_bind_int64(q, at + 4, r->out_tokens);
	ofs__sq_bind_text(q, at + 5, r->transcript);
	sqlite3_bind_text(q, at + 6, head ? "" : r->summary, -1, SQLITE_STATIC);
	if (head) {
		sqlite3_bind_int64(q, at + 7, head);
		sqlite3_bind_int64(q, at + 8, tail);
	} else {
		sqlite3_bind_null(q, at + 7);
		sqlite3_bind_null(q, at + 8);
	}
	return 0;
}

int ofs__sq_rollout(struct ofs_store *st, const struct ofs_rollout_rec *r)
{
	struct sq *s = (struct sq *)st;
	int e = ofs__sq_tx(s);
	if (e)
		return e;
	sqlite3_stmt *q = s->q[Q_ROLLOUT];
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, s->run_id);
	sqlite3_bind_int64(q, 2, r->config_id);
	sqlite3_bind_int(q, 3, r->rep);
	if ((e = bind_result(s, q, 4, r)) || (e = step_reset(s, q, "insert rollout")))
		return e;
	long long rid = sqlite3_last_insert_rowid(s->db);
	if ((e = insert_messages(s, rid, r->chat, 0)))
		return e;
	e = insert_outcome(s, rid, r);
	return e ? e : ofs__sq_iv_write(s, rid, r);
}

int ofs__sq_begin_rollout(struct ofs_store *st, long long config_id, int rep, long long *rid)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int e = ofs__sq_tx(s);
	if (e || (e = ofs__sq_lazy(s, LZ_BEGIN,
	                           "INSERT INTO rollouts(run_id,config_id,rep,status,summary) VALUES(?,?,?,'running','{}')", &q)))
		return e;
	sqlite3_bind_int64(q, 1, s->run_id);
	sqlite3_bind_int64(q, 2, config_id);
	sqlite3_bind_int(q, 3, rep);
	e = step_reset(s, q, "begin rollout");
	if (!e)
		*rid = sqlite3_last_insert_rowid(s->db);
	return e;
}

int ofs__sq_append(struct ofs_store *st, long long rid, const struct ofs_chat *chat, int from)
{
	struct sq *s = (struct sq *)st;
	int e = ofs__sq_tx(s);
	return e ? e : insert_messages(s, rid, chat, from);
}

int ofs__sq_finish_rollout(struct ofs_store *st, long long rid, const struct ofs_rollout_rec *r)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int e = ofs__sq_tx(s);
	if (!e)
		e = ofs__sq_lazy(s, LZ_FINISH,
		                 "UPDATE rollouts SET status=?, stop_reason=?, num_turns=?, input_tokens=?, output_tokens=?,"
		                 " transcript=?, summary=?, sum_head=?, sum_tail=? WHERE id=?",
		                 &q);
	if (e)
		return e;
	sqlite3_bind_int64(q, 10, rid);
	if (!(e = bind_result(s, q, 1, r)))
		e = step_reset(s, q, "finish rollout");
	sqlite3_reset(q);
	if (!e && !(e = ofs__sq_lazy(s, LZ_DEL_OUTCOMES, "DELETE FROM outcomes WHERE rollout_id=?", &q))) {
		sqlite3_bind_int64(q, 1, rid);
		e = step_reset(s, q, "finish rollout");
	}
	if (!e)
		e = insert_outcome(s, rid, r);
	return e ? e : ofs__sq_iv_write(s, rid, r);
}

int ofs__sq_drop(struct ofs_store *st, long long rid)
{
	struct sq *s = (struct sq *)st;
	static const char *const del[] = {"DELETE FROM tool_calls WHERE rollout_id=?", "DELETE FROM messages WHERE rollout_id=?",
	                                  "DELETE FROM outcomes WHERE rollout_id=?",
	                                  "DELETE FROM interview_answers WHERE rollout_id=?", "DELETE FROM rollouts WHERE id=?"};
	int e = ofs__sq_tx(s);
	for (size_t i = 0; !e && i < sizeof del / sizeof *del; i++)
		e = ofs__sq_exec1(s, del[i], rid, 0);
	return e;
}

/* How many messages rollout rid has stored. */
static int count_messages(struct sq *s, long long rid, int *n)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM messages WHERE rollout_id=?", -1, &q, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "count messages");
	sqlite3_bind_int64(q, 1, rid);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int(q, 0);
	int e = rc == SQLITE_ROW ? 0 : ofs__sq_err(s, "count messages");
	sqlite3_finalize(q);
	return e;
}

int ofs__sq_reopen(struct ofs_store *st, long long rid, int keep, int *stored)
{
	struct sq *s = (struct sq *)st;
	int e = ofs__sq_tx(s);
	if (!e)
		e = ofs__sq_exec1(s, "DELETE FROM tool_calls WHERE rollout_id=? AND msg_idx>=?", rid, keep);
	if (!e)
		e = ofs__sq_exec1(s, "DELETE FROM messages WHERE rollout_id=? AND idx>=?", rid, keep);
	if (!e)
		e = ofs__sq_exec1(s, "DELETE FROM outcomes WHERE rollout_id=?", rid, 0);
	if (!e)
		e = ofs__sq_exec1(s, "DELETE FROM interview_answers WHERE rollout_id=?", rid, 0);
	if (!e)
		e = ofs__sq_exec1(s, "UPDATE rollouts SET status='running' WHERE id=?", rid, 0);
	if (!e)
		e = count_messages(s, rid, stored);
	return e;
}

/* The summary lines into f; their count in *n. */
static int write_summaries(struct sq *s, FILE *f, long *n)
{
	sqlite3_stmt *q;
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT %s FROM rollouts r WHERE r.status <> 'running' ORDER BY r.config_id, r.rep",
	         ofs__sq_summary_cols(s));
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "export");
	int rc;
	struct ofs_buf b = {0};
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *line = ofs__sq_summary_read(&b, q, 0);
		fputs(line ? line : "", f);
		fputc('\n', f);
		(*n)++;
	}
	ofs_buf_free(&b);
	int e = ofs__sq_end(s, rc, "export");
	sqlite3_finalize(q);
	return e;
}

int ofs__sq_export_jsonl(struct ofs_store *st, const char *path, long *count)
{
	struct sq *s = (struct sq *)st;
	int e = ofs__sq_commit(st);
	if (e)
		return e;
	char err[OFS_ERRLEN];
	struct ofs_afile a; /* replaced whole: temporary, fsync, rename, fsync of the directory */
	if (ofs_sync_fs(path, err) || ofs_afile_open(&a, path, 0, err)) /* transcripts first */
		return ofs__store_fail(st, OFS_EIO, "%s", err);
	long n = 0;
	if ((e = write_summaries(s, a.f, &n))) {
		ofs_afile_abort(&a);
		return e;
	}
	if (ofs_afile_commit(&a, err))
		return ofs__store_fail(st, OFS_EIO, "%s", err);
	if (count)
		*count = n;
	return 0;
}

int ofs__sq_judgments_init(struct ofs_store *st)
{
	struct sq *s = (struct sq *)st;
	if (s->ro)
		return ofs__sq_tx(s);
	if (sqlite3_exec(s->db,
	                 "CREATE TABLE IF NOT EXISTS judgments(rollout_id INTEGER NOT NULL, question TEXT NOT NULL, judge_model "
	                 "TEXT NOT NULL,"
	                 " raw TEXT, verdict TEXT, score REAL, grade TEXT, recommendation TEXT, parsed INTEGER,"
	                 " PRIMARY KEY(rollout_id, question, judge_model))",
	                 NULL, NULL, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "cannot prepare the judgments table");
	return 0;
}

int ofs__sq_judgment(struct ofs_store *st, const struct ofs_judgment_rec *j)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	int e = tx_prepare(s,
	                   "INSERT OR REPLACE INTO "
	                   "judgments(rollout_id,question,judge_model,raw,verdict,score,grade,recommendation,parsed)"
	                   " VALUES(?,?,?,?,?,?,?,?,?)",
	                   &q, "insert judgment");
	if (e)
		return e;
	sqlite3_bind_int64(q, 1, j->rollout_id);
	sqlite3_bind_text(q, 2, j->question, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, j->judge_model, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, j->raw ? j->raw : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, j->verdict, -1, SQLITE_STATIC);
	if (j->score == j->score)
		sqlite3_bind_double(q, 6, j->score);
	else
		sqlite3_bind_null(q, 6);
	ofs__sq_bind_text(q, 7, j->grade);
	ofs__sq_bind_text(q, 8, j->recommendation);
	sqlite3_bind_int(q, 9, j->parsed);
	e = step_reset(s, q, "insert judgment");
	sqlite3_finalize(q);
	return e;
}
