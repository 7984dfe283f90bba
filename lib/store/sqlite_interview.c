/* sqlite_interview.c — the follow-up interview's answers in the SQLite
 * store: table interview_answers (schema 4; created by every read-write
 * open, so older files gain it when migrated), written with the rollout's
 * outcome and read for reports. */
#include "store/sqlite_int.h"

#include <string.h>

int ofs__sq_iv_write(struct sq *s, long long rid, const struct ofs_rollout_rec *r)
{
	if (!r->ninterview) /* none held: none stored (reopen and drop remove old ones) */
		return 0;
	int e = ofs__sq_exec1(s, "DELETE FROM interview_answers WHERE rollout_id=?", rid, 0);
	if (e)
		return e;
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO interview_answers VALUES(?,?,?,?,?,?,?,?,?)", -1, &q, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "insert interview answer");
	for (int i = 0; i < r->ninterview && !e; i++) {
		const struct ofs_iv_rec *a = &r->interview[i];
		sqlite3_bind_int64(q, 1, rid);
		sqlite3_bind_int(q, 2, a->idx);
		ofs__sq_bind_text(q, 3, a->question_id);
		ofs__sq_bind_text(q, 4, a->behaviour);
		if (a->happened < 0)
			sqlite3_bind_null(q, 5);
		else
			sqlite3_bind_int(q, 5, a->happened);
		ofs__sq_bind_text(q, 6, a->label);
		ofs__sq_bind_text(q, 7, a->question);
		ofs__sq_bind_text(q, 8, a->answer);
		sqlite3_bind_int(q, 9, a->msg);
		int rc = sqlite3_step(q);
		e = rc == SQLITE_DONE ? 0 : ofs__sq_err(s, "insert interview answer");
		sqlite3_reset(q);
		sqlite3_clear_bindings(q);
	}
	sqlite3_finalize(q);
	return e;
}

int ofs__sq_each_interview(struct ofs_store *st, ofs_interview_cb cb, void *ud)
{
	struct sq *s = (struct sq *)st;
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'interview_answers'", -1, &q,
	                       NULL) != SQLITE_OK)
		return ofs__sq_err(s, "interview answers");
	int rc = sqlite3_step(q);
	int have = rc == SQLITE_ROW, e = have ? 0 : ofs__sq_end(s, rc, "interview answers");
	sqlite3_finalize(q);
	if (e || !have) /* a schema-2 file read without migrating: no interviews */
		return e;
	if (sqlite3_prepare_v2(
	            s->db,
	            "SELECT a.rollout_id, a.idx, a.question_id, a.behaviour, a.happened, a.label, c.agent_model,"
	            " c.task_type, a.question, a.answer FROM interview_answers a JOIN rollouts r ON r.id = a.rollout_id"
	            " JOIN configs c ON c.id = r.config_id WHERE r.status <> 'running'"
	            " ORDER BY a.rollout_id, a.idx",
	            -1, &q, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "interview answers");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct ofs_iv_row row = {.rollout_id = sqlite3_column_int64(q, 0),
		                         .idx = sqlite3_column_int(q, 1),
		                         .question_id = ofs__sq_col_text(q, 2),
		                         .behaviour = ofs__sq_col_text(q, 3),
		                         .happened = sqlite3_column_type(q, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 4),
		                         .label = ofs__sq_col_text(q, 5),
		                         .model = ofs__sq_col_text(q, 6),
		                         .task_type = ofs__sq_col_text(q, 7),
		                         .question = ofs__sq_col_text(q, 8),
		                         .answer = ofs__sq_col_text(q, 9)};
		if (cb(ud, &row)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	e = ofs__sq_end(s, rc, "interview answers");
	sqlite3_finalize(q);
	return e;
}
