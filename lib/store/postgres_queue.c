/* postgres_queue.c — the PostgreSQL store's work queue (store.h, "the work
 * queue of a shared store"): tables work (a row per rollout to do: pending,
 * claimed under a lease, done), workers (who joined, their heartbeats) and
 * control (a stop asked at a time). Claims take rows with SELECT ... FOR
 * UPDATE SKIP LOCKED, so concurrent workers never take the same one and
 * never wait on each other; a claimed row whose lease has lapsed (its worker
 * died) is claimable again. Every call commits before it returns. */
#include "store/pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Commit what the handle has pending, so the queue's change stands alone. */
static int flush(struct pg *s)
{
	if (s->ro)
		return ofs__pg_tx(s); /* the read-only error */
	return ofs__pg_commit(&s->base);
}

int ofs__pg_enqueue(struct ofs_store *st, long long config_id, int reps, long *added)
{
	struct pg *s = (struct pg *)st;
	int e = flush(s);
	if (e)
		return e;
	char c[24], r[24];
	const char *v[2] = {ofs__pg_num(c, config_id), ofs__pg_num(r, reps)};
	PGresult *res;
	/* a rollout already finished in the store (an earlier run) is done */
	if ((e = ofs__pg_exec(s,
	                      "INSERT INTO work(config_id, rep, state) SELECT $1::bigint, g, CASE WHEN EXISTS (SELECT 1 FROM"
	                      " rollouts o WHERE o.config_id = $1::bigint AND o.rep = g AND o.status NOT IN ('running',"
	                      " 'budget_exhausted')) THEN 'done' ELSE 'pending' END FROM generate_series(0, $2::int - 1) g"
	                      " ON CONFLICT DO NOTHING",
	                      2, v, PGRES_COMMAND_OK, &res, "enqueue")))
		return e;
	*added = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

int ofs__pg_worker_join(struct ofs_store *st, const char *host, long pid, int lease_s, long long *wid)
{
	struct pg *s = (struct pg *)st;
	int e = flush(s);
	if (e)
		return e;
	char p[24], l[24];
	const char *v[3] = {host, ofs__pg_num(p, pid), ofs__pg_num(l, lease_s)};
	PGresult *res;
	if ((e = ofs__pg_exec(s,
	                      "INSERT INTO workers(host, pid, lease_s, joined_at, heartbeat) VALUES($1, $2, $3,"
	                      " clock_timestamp(), clock_timestamp()) RETURNING id",
	                      3, v, PGRES_TUPLES_OK, &res, "worker join")))
		return e;
	*wid = PQntuples(res) == 1 ? ofs__pg_ll(res, 0, 0) : 0;
	PQclear(res);
	/* from now on blobs go through a connection of their own (pg_int.h) */
	if (s->bconn == s->conn)
		s->bconn = NULL;
	s->shared = 1;
	return *wid > 0 ? 0 : ofs__store_fail(st, OFS_EIO, "%s: worker join: no id returned", s->show);
}

int ofs__pg_claim(struct ofs_store *st, long long wid, int max, struct ofs_claim *c, int *n)
{
	struct pg *s = (struct pg *)st;
	*n = 0;
	int e = flush(s);
	if (e)
		return e;
	char w[24], m[24];
	const char *v[2] = {ofs__pg_num(w, wid), ofs__pg_num(m, max)};
	PGresult *res;
	if ((e = ofs__pg_exec(s,
	                      "WITH free AS (SELECT config_id, rep FROM work WHERE state = 'pending' OR (state = 'claimed' AND"
	                      " lease_until < clock_timestamp()) ORDER BY config_id, rep LIMIT $2 FOR UPDATE SKIP LOCKED)"
	                      " UPDATE work k SET state = 'claimed', worker = $1, attempts = k.attempts + 1,"
	                      " lease_until = clock_timestamp() + make_interval(secs => (SELECT lease_s FROM workers WHERE"
	                      " id = $1)) FROM free WHERE k.config_id = free.config_id AND k.rep = free.rep"
	                      " RETURNING k.config_id, k.rep, (SELECT key FROM configs WHERE id = k.config_id)",
	                      2, v, PGRES_TUPLES_OK, &res, "claim")))
		return e;
	for (int i = 0; i < PQntuples(res) && *n < max; i++) {
		const char *key = ofs__pg_text(res, i, 2);
		if (!key || strlen(key) >= OFS_CLAIM_KEY_MAX) {
			PQclear(res);
			return ofs__store_fail(st, OFS_ECORRUPT,
			                       "%s: claim: a configuration key is missing or longer than %d bytes", s->show,
			                       OFS_CLAIM_KEY_MAX - 1);
		}
		c[*n].config_id = ofs__pg_ll(res, i, 0);
		c[*n].rep = (int)ofs__pg_ll(res, i, 1);
		snprintf(c[*n].key, sizeof c[*n].key, "%s", key);
		(*n)++;
	}
	PQclear(res);
	return 0;
}

int ofs__pg_heartbeat(struct ofs_store *st, long long wid, int *stop)
{
	struct pg *s = (struct pg *)st;
	*stop = 0;
	int e = flush(s);
	if (e)
		return e;
	char w[24];
	const char *v[1] = {ofs__pg_num(w, wid)};
	PGresult *res;
	if ((e = ofs__pg_exec(s,
	                      "UPDATE work SET lease_until = clock_timestamp() + make_interval(secs => (SELECT lease_s FROM"
	                      " workers WHERE id = $1)) WHERE worker = $1 AND state = 'claimed'",
	                      1, v, PGRES_COMMAND_OK, NULL, "heartbeat")) ||
	    (e = ofs__pg_exec(s,
	                      "UPDATE workers SET heartbeat = clock_timestamp() WHERE id = $1 RETURNING coalesce((SELECT at"
	                      " FROM control WHERE key = 'stop') > joined_at, false)",
	                      1, v, PGRES_TUPLES_OK, &res, "heartbeat")))
		return e;
	int found = PQntuples(res) == 1;
	*stop = found && !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	return found ? 0 : ofs__store_fail(st, OFS_ESTATE, "%s: heartbeat: worker %lld is not registered", s->show, wid);
}

int ofs__pg_settle(struct ofs_store *st, long long wid, long long config_id, int rep, int done)
{
	struct pg *s = (struct pg *)st;
	int e = flush(s);
	if (e)
		return e;
	char w[24], c[24], r[24];
	const char *v[4] = {ofs__pg_num(w, wid), ofs__pg_num(c, config_id), ofs__pg_num(r, rep), done ? "done" : "pending"};
	return ofs__pg_exec(s,
	                    "UPDATE work SET state = $4, worker = CASE WHEN $4 = 'done' THEN worker END, lease_until = NULL"
	                    " WHERE config_id = $2 AND rep = $3 AND worker = $1 AND state = 'claimed'",
	                    4, v, PGRES_COMMAND_OK, NULL, "settle");
}

int ofs__pg_worker_leave(struct ofs_store *st, long long wid, const char *state)
{
	struct pg *s = (struct pg *)st;
	char w[24];
	const char *v[2] = {ofs__pg_num(w, wid), state};
	int e = flush(s);
	if (!e)
		e = ofs__pg_tx(s);
	if (!e)
		e = ofs__pg_exec(s,
		                 "UPDATE work SET state = 'pending', worker = NULL, lease_until = NULL WHERE worker = $1 AND"
		                 " state = 'claimed'",
		                 1, v, PGRES_COMMAND_OK, NULL, "worker leave");
	if (!e)
		e = ofs__pg_exec(s, "UPDATE workers SET state = $2, heartbeat = clock_timestamp() WHERE id = $1", 2, v,
		                 PGRES_COMMAND_OK, NULL, "worker leave");
	return e ? e : ofs__pg_commit(st);
}

int ofs__pg_request_stop(struct ofs_store *st)
{
	struct pg *s = (struct pg *)st;
	int e = flush(s);
	return e ? e
	         : ofs__pg_exec(s,
	                        "INSERT INTO control(key, at) VALUES('stop', clock_timestamp()) ON CONFLICT (key) DO UPDATE"
	                        " SET at = EXCLUDED.at",
	                        0, NULL, PGRES_COMMAND_OK, NULL, "stop");
}

int ofs__pg_queue(struct ofs_store *st, struct ofs_queue_counts *q)
{
	struct pg *s = (struct pg *)st;
	memset(q, 0, sizeof *q);
	if (s->version < 2)
		return 0; /* written before the queue existed: nothing queued */
	PGresult *r;
	int e = ofs__pg_exec(s,
	                     "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'claimed'),"
	                     " count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'claimed' AND"
	                     " lease_until < clock_timestamp()) FROM work",
	                     0, NULL, PGRES_TUPLES_OK, &r, "queue");
	if (e)
		return e;
	q->pending = (long)ofs__pg_ll(r, 0, 0);
	q->claimed = (long)ofs__pg_ll(r, 0, 1);
	q->done = (long)ofs__pg_ll(r, 0, 2);
	q->expired = (long)ofs__pg_ll(r, 0, 3);
	PQclear(r);
	return 0;
}

struct worker_ctx {
	ofs_worker_cb cb;
	void *ud;
};

static int worker_one(PGresult *r, int i, void *ctx)
{
	struct worker_ctx *x = ctx;
	struct ofs_worker_row w = {.id = ofs__pg_ll(r, i, 0),
	                           .host = ofs__pg_text(r, i, 1),
	                           .state = ofs__pg_text(r, i, 2),
	                           .pid = (long)ofs__pg_ll(r, i, 3),
	                           .claimed = (long)ofs__pg_ll(r, i, 4),
	                           .alive = !strcmp(PQgetvalue(r, i, 5), "t"),
	                           .heartbeat_age = strtod(PQgetvalue(r, i, 6), NULL)};
	return x->cb(x->ud, &w);
}

int ofs__pg_each_worker(struct ofs_store *st, ofs_worker_cb cb, void *ud)
{
	struct pg *s = (struct pg *)st;
	if (s->version < 2)
		return 0;
	struct worker_ctx x = {cb, ud};
	return ofs__pg_pages(s,
	                     "SELECT w.id, w.host, w.state, w.pid, (SELECT count(*) FROM work k WHERE k.worker = w.id AND"
	                     " k.state = 'claimed'), w.state = 'running' AND w.heartbeat + make_interval(secs => w.lease_s)"
	                     " > clock_timestamp(), extract(epoch FROM clock_timestamp() - w.heartbeat) FROM workers w"
	                     " WHERE w.id > $1 ORDER BY w.id LIMIT 1000",
	                     1, "workers", worker_one, &x);
}
