/* postgres_interview.c — the follow-up interview's answers in the
 * PostgreSQL store: table interview_answers (migration 5), written with the
 * rollout's outcome and read, paged, for reports. */
#include "store/pg_int.h"

#include <stdio.h>
#include <string.h>

int ofs__pg_iv_write(struct pg *s, long long rid, const struct ofs_rollout_rec *r)
{
	if (!r->ninterview) /* none held: none stored (reopen and drop remove old ones) */
		return 0;
	char id[24], idx[24], hap[24], msg[24];
	const char *del[1] = {ofs__pg_num(id, rid)};
	int e = ofs__pg_exec(s, "DELETE FROM interview_answers WHERE rollout_id=$1", 1, del, PGRES_COMMAND_OK, NULL,
	                     "interview answers");
	for (int i = 0; i < r->ninterview && !e; i++) {
		const struct ofs_iv_rec *a = &r->interview[i];
		const char *v[9] = {id,
		                    ofs__pg_num(idx, a->idx),
		                    a->question_id,
		                    a->behaviour,
		                    a->happened < 0 ? NULL : ofs__pg_num(hap, a->happened),
		                    a->label,
		                    a->question,
		                    a->answer,
		                    ofs__pg_num(msg, a->msg)};
		e = ofs__pg_exec(s, "INSERT INTO interview_answers VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9)", 9, v, PGRES_COMMAND_OK,
		                 NULL, "insert interview answer");
	}
	return e;
}

struct iv_cb {
	ofs_interview_cb cb;
	void *ud;
};

static int iv_one(PGresult *q, int i, void *ctx)
{
	struct iv_cb *c = ctx;
	struct ofs_iv_row row = {.rollout_id = ofs__pg_ll(q, i, 0),
	                         .idx = (int)ofs__pg_ll(q, i, 1),
	                         .question_id = ofs__pg_text(q, i, 2),
	                         .behaviour = ofs__pg_text(q, i, 3),
	                         .happened = PQgetisnull(q, i, 4) ? -1 : (int)ofs__pg_ll(q, i, 4),
	                         .label = ofs__pg_text(q, i, 5),
	                         .model = ofs__pg_text(q, i, 6),
	                         .task_type = ofs__pg_text(q, i, 7),
	                         .question = ofs__pg_text(q, i, 8),
	                         .answer = ofs__pg_text(q, i, 9)};
	return c->cb(c->ud, &row);
}

int ofs__pg_each_interview(struct ofs_store *st, ofs_interview_cb cb, void *ud)
{
	struct pg *s = (struct pg *)st;
	if (s->version < 5) /* read-only, before migration 5: no interviews */
		return 0;
	struct iv_cb c = {cb, ud};
	return ofs__pg_pages(
	        s,
	        "SELECT a.rollout_id, a.idx, a.question_id, a.behaviour, a.happened, a.label, c.agent_model,"
	        " c.task_type, a.question, a.answer FROM interview_answers a JOIN rollouts r ON r.id = a.rollout_id"
	        " JOIN configs c ON c.id = r.config_id WHERE r.status <> 'running' AND (a.rollout_id, a.idx) > ($1, $2)"
	        " ORDER BY a.rollout_id, a.idx LIMIT 1000",
	        2, "interview answers", iv_one, &c);
}
