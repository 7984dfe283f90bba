/* postgres_write.c — the PostgreSQL store's write path: whole rollouts,
 * rollouts recorded turn by turn, outcomes, the rollouts.jsonl export and
 * the judge's verdicts. Every write goes into the handle's open transaction;
 * every result is checked (pg_int.h). */
#include "store/pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/fs.h"

/* Parameters as text: a small pool of number buffers per statement. */
struct params {
	const char *v[32];
	char num[32][32];
	int n;
};

static void p_text(struct params *p, const char *t)
{
	p->v[p->n++] = t;
}

static void p_ll(struct params *p, long long x)
{
	p->v[p->n] = ofs__pg_num(p->num[p->n], x);
	p->n++;
}

static void p_flag(struct params *p, signed char f)
{
	if (f < 0)
		p_text(p, NULL);
	else
		p_ll(p, f);
}

static void p_double(struct params *p, double x)
{
	if (x != x) {
		p_text(p, NULL);
		return;
	}
	snprintf(p->num[p->n], sizeof p->num[p->n], "%.17g", x);
	p->v[p->n] = p->num[p->n];
	p->n++;
}

/* The blob ids of messages [from, n) of chat and of their tool calls'
 * arguments, in order, into ids (the caller frees it). */
static int resolve_blobs(struct pg *s, const struct ofs_chat *chat, int from, long long **ids)
{
	size_t k = 0, n = 0;
	for (int i = from; i < chat->n; i++)
		n += 1 + (size_t)chat->msgs[i].ncalls;
	*ids = ofs_xcalloc(n + 1, sizeof **ids);
	for (int i = from; i < chat->n; i++) {
		const struct ofs_msg *m = &chat->msgs[i];
		long long b = ofs__pg_blob(s, m->content);
		for (int j = 0; b >= 0 && j < m->ncalls; j++) {
			long long a = ofs__pg_blob(s, m->calls[j].arguments);
			if (a < 0)
				b = a;
			(*ids)[k + 1 + (size_t)j] = a;
		}
		if (b < 0)
			return (int)b;
		(*ids)[k] = b;
		k += 1 + (size_t)m->ncalls;
	}
	return 0;
}

static void send_calls(struct pg *s, long long rid, int i, const struct ofs_msg *m, const long long *ids)
{
	for (int j = 0; j < m->ncalls; j++) {
		struct params p = {.n = 0};
		p_ll(&p, rid);
		p_ll(&p, i);
		p_ll(&p, j);
		p_text(&p, m->calls[j].id);
		p_text(&p, m->calls[j].name);
		p_ll(&p, ids[j]);
		ofs__pg_batch_send(s, PQ_CALL, p.n, p.v, "insert tool call");
	}
}

/* Messages from index `from` on and their tool calls, sent as one pipeline
 * (one round trip per OFS_PG_BATCH statements, not one each). */
static int insert_messages(struct pg *s, long long rid, const struct ofs_chat *chat, int from)
{
	long long *ids;
	int e = resolve_blobs(s, chat, from, &ids);
	if (!e)
		e = ofs__pg_batch_begin(s);
	size_t k = 0;
	for (int i = from; !e && i < chat->n; i++) {
		const struct ofs_msg *m = &chat->msgs[i];
		struct params p = {.n = 0};
		p_ll(&p, rid);
		p_ll(&p, i);
		p_text(&p, ofs_role_names[m->role]);
		p_ll(&p, ids[k]);
		p_text(&p, m->reasoning);
		p_text(&p, m->tool_call_id);
		p_text(&p, m->tool_name);
		p_ll(&p, m->is_error);
		p_ll(&p, m->in_tokens);
		p_ll(&p, m->out_tokens);
		ofs__pg_batch_send(s, PQ_MSG, p.n, p.v, "insert message");
		send_calls(s, rid, i, m, ids + k + 1);
		k += 1 + (size_t)m->ncalls;
	}
	if (!e)
		e = ofs__pg_batch_end(s);
	free(ids);
	return e;
}

static int insert_outcome(struct pg *s, long long rid, const struct ofs_rollout_rec *r)
{
	const struct ofs_eval *ev = r->eval;
	struct params p = {.n = 0};
	p_ll(&p, rid);
	for (int f = 0; f < OFS_F__N; f++)
		p_flag(&p, ev->flag[f]);
	p_double(&p, ev->eval_score);
	p_text(&p, ev->threshold_result);
	p_text(&p, ev->subject_grade[0] ? ev->subject_grade : NULL);
	p_text(&p, ev->subject_recommendation[0] ? ev->subject_recommendation : NULL);
	p_ll(&p, (int)ev->needs_judge);
	p_text(&p, r->evidence);
	return ofs__pg_prepared(s, PQ_OUTCOME, p.n, p.v, PGRES_COMMAND_OK, NULL, "insert outcome");
}

/* status, stop_reason, num_turns, input_tokens, output_tokens, transcript, summary. */
static void p_result(struct params *p, const struct ofs_rollout_rec *r)
{
	p_text(p, r->status);
	p_text(p, r->stop_reason);
	p_ll(p, r->num_turns);
	p_ll(p, r->in_tokens);
	p_ll(p, r->out_tokens);
	p_text(p, r->transcript);
	p_text(p, r->summary);
}

/* One id from a RETURNING result. */
static int returned_id(struct pg *s, PGresult *res, long long *id, const char *what)
{
	int ok = PQntuples(res) == 1;
	if (ok)
		*id = ofs__pg_ll(res, 0, 0);
	PQclear(res);
	return ok ? 0 : ofs__store_fail(&s->base, OFS_EIO, "%s: %s: no id returned", s->show, what);
}

int ofs__pg_rollout(struct ofs_store *st, const struct ofs_rollout_rec *r)
{
	struct pg *s = (struct pg *)st;
	int e = ofs__pg_tx(s);
	if (e)
		return e;
	struct params p = {.n = 0};
	p_ll(&p, s->run_id);
	p_ll(&p, r->config_id);
	p_ll(&p, r->rep);
	p_result(&p, r);
	PGresult *res;
	long long rid;
	if ((e = ofs__pg_prepared(s, PQ_ROLLOUT, p.n, p.v, PGRES_TUPLES_OK, &res, "insert rollout")) ||
	    (e = returned_id(s, res, &rid, "insert rollout")) || (e = insert_messages(s, rid, r->chat, 0)))
		return e;
	e = insert_outcome(s, rid, r);
	return e ? e : ofs__pg_iv_write(s, rid, r);
}

int ofs__pg_begin_rollout(struct ofs_store *st, long long config_id, int rep, long long *rid)
{
	struct pg *s = (struct pg *)st;
	int e = ofs__pg_tx(s);
	if (e)
		return e;
	struct params p = {.n = 0};
	p_ll(&p, s->run_id);
	p_ll(&p, config_id);
	p_ll(&p, rep);
	PGresult *res;
	if ((e = ofs__pg_exec(s,
	                      "INSERT INTO rollouts(run_id,config_id,rep,status,summary) VALUES($1,$2,$3,'running','{}')"
	                      " RETURNING id",
	                      p.n, p.v, PGRES_TUPLES_OK, &res, "begin rollout")))
		return e;
	return returned_id(s, res, rid, "begin rollout");
}

int ofs__pg_append(struct ofs_store *st, long long rid, const struct ofs_chat *chat, int from)
{
	struct pg *s = (struct pg *)st;
	int e = ofs__pg_tx(s);
	return e ? e : insert_messages(s, rid, chat, from);
}

/* Run sql with one or two integer parameters. */
static int exec_ll(struct pg *s, const char *sql, int n, long long a, long long b, const char *what)
{
	struct params p = {.n = 0};
	p_ll(&p, a);
	if (n > 1)
		p_ll(&p, b);
	return ofs__pg_exec(s, sql, n, p.v, PGRES_COMMAND_OK, NULL, what);
}

int ofs__pg_finish_rollout(struct ofs_store *st, long long rid, const struct ofs_rollout_rec *r)
{
	struct pg *s = (struct pg *)st;
	int e = ofs__pg_tx(s);
	if (e)
		return e;
	struct params p = {.n = 0};
	p_result(&p, r);
	p_ll(&p, rid);
	if ((e = ofs__pg_exec(s,
	                      "UPDATE rollouts SET status=$1, stop_reason=$2, num_turns=$3, input_tokens=$4, output_tokens=$5,"
	                      " transcript=$6, summary=$7 WHERE id=$8",
	                      p.n, p.v, PGRES_COMMAND_OK, NULL, "finish rollout")) ||
	    (e = exec_ll(s, "DELETE FROM outcomes WHERE rollout_id=$1", 1, rid, 0, "finish rollout")))
		return e;
	e = insert_outcome(s, rid, r);
	return e ? e : ofs__pg_iv_write(s, rid, r);
}

int ofs__pg_drop(struct ofs_store *st, long long rid)
{
	struct pg *s = (struct pg *)st;
	static const char *const del[] = {
	        "DELETE FROM tool_calls WHERE rollout_id=$1",        "DELETE FROM messages WHERE rollout_id=$1",
	        "DELETE FROM outcomes WHERE rollout_id=$1",          "DELETE FROM judgments WHERE rollout_id=$1",
	        "DELETE FROM interview_answers WHERE rollout_id=$1", "DELETE FROM rollouts WHERE id=$1"};
	int e = ofs__pg_tx(s);
	for (size_t i = 0; !e && i < sizeof del / sizeof *del; i++)
		e = exec_ll(s, del[i], 1, rid, 0, "drop rollout");
	return e;
}

int ofs__pg_reopen(struct ofs_store *st, long long rid, int keep, int *stored)
{
	struct pg *s = (struct pg *)st;
	int e = ofs__pg_tx(s);
	if (!e)
		e = exec_ll(s, "DELETE FROM tool_calls WHERE rollout_id=$1 AND msg_idx>=$2", 2, rid, keep, "reopen");
	if (!e)
		e = exec_ll(s, "DELETE FROM messages WHERE rollout_id=$1 AND idx>=$2", 2, rid, keep, "reopen");
	if (!e)
		e = exec_ll(s, "DELETE FROM outcomes WHERE rollout_id=$1", 1, rid, 0, "reopen");
	if (!e)
		e = exec_ll(s, "DELETE FROM interview_answers WHERE rollout_id=$1", 1, rid, 0, "reopen");
	if (!e)
		e = exec_ll(s, "UPDATE rollouts SET status='running' WHERE id=$1", 1, rid, 0, "reopen");
	if (e)
		return e;
	struct params p = {.n = 0};
	p_ll(&p, rid);
	PGresult *res;
	if ((e = ofs__pg_exec(s, "SELECT count(*) FROM messages WHERE rollout_id=$1", 1, p.v, PGRES_TUPLES_OK, &res,
	                      "count messages")))
		return e;
	*stored = (int)ofs__pg_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

struct export_ctx {
	FILE *f;
	long n;
};

static int summary_row(PGresult *r, int i, void *ctx)
{
	struct export_ctx *x = ctx;
	const char *t = ofs__pg_text(r, i, 2);
	fputs(t ? t : "{}", x->f);
	fputc('\n', x->f);
	x->n++;
	return 0;
}

int ofs__pg_export_jsonl(struct ofs_store *st, const char *path, long *count)
{
	struct pg *s = (struct pg *)st;
	int e = ofs__pg_commit(st);
	if (e)
		return e;
	char err[OFS_ERRLEN];
	struct ofs_afile a; /* replaced whole: temporary, fsync, rename, fsync of the directory */
	if (ofs_sync_fs(path, err) || ofs_afile_open(&a, path, 0, err))
		return ofs__store_fail(st, OFS_EIO, "%s", err);
	struct export_ctx x = {a.f, 0};
	if ((e = ofs__pg_pages(s,
	                       "SELECT config_id, rep, summary FROM rollouts WHERE status <> 'running' AND (config_id, rep) >"
	                       " ($1, $2) ORDER BY config_id, rep LIMIT 1000",
	                       2, "export", summary_row, &x))) {
		ofs_afile_abort(&a);
		return e;
	}
	if (ofs_afile_commit(&a, err))
		return ofs__store_fail(st, OFS_EIO, "%s", err);
	if (count)
		*count = x.n;
	return 0;
}

int ofs__pg_judgments_init(struct ofs_store *st)
{
	struct pg *s = (struct pg *)st;
	return s->ro ? ofs__pg_tx(s) : 0; /* the table is part of the schema */
}

int ofs__pg_judgment(struct ofs_store *st, const struct ofs_judgment_rec *j)
{
	struct pg *s = (struct pg *)st;
	int e = ofs__pg_tx(s);
	if (e)
		return e;
	struct params p = {.n = 0};
	p_ll(&p, j->rollout_id);
	p_text(&p, j->question);
	p_text(&p, j->judge_model);
	/* replaced, not updated: the new verdict comes after the old one (seq) */
	if ((e = ofs__pg_exec(s, "DELETE FROM judgments WHERE rollout_id=$1 AND question=$2 AND judge_model=$3", 3, p.v,
	                      PGRES_COMMAND_OK, NULL, "insert judgment")))
		return e;
	p_text(&p, j->raw ? j->raw : "");
	p_text(&p, j->verdict);
	p_double(&p, j->score);
	p_text(&p, j->grade);
	p_text(&p, j->recommendation);
	p_ll(&p, j->parsed);
	return ofs__pg_exec(s,
	                    "INSERT INTO judgments(rollout_id,question,judge_model,raw,verdict,score,grade,recommendation,parsed)"
	                    " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9)",
	                    p.n, p.v, PGRES_COMMAND_OK, NULL, "insert judgment");
}
