/* postgres.c — the PostgreSQL store ("postgresql://..." or "postgres://...",
 * libpq): connection, schema versions and migrations (table
 * offswitch_schema, applied under an advisory lock so workers starting
 * together migrate once), transactions, the blob index, runs and configs.
 * Rollouts are written in postgres_write.c and read in postgres_read.c.
 *
 * Unlike the SQLite member there is no one-writer lock: rows are keyed as
 * in SQLite (UNIQUE(config_id, rep), blobs by hash with ON CONFLICT), so
 * several processes may share one database (offswitch worker). The password
 * of the URL is kept in the handle only: every message shows the URL's
 * display form (pg_url.c) and libpq's messages are scrubbed of it. */
#include "store/pg_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The schema version this code writes, and the migrations that reach it:
 * migrations[v - 1] takes a database from version v - 1 to v. A database
 * with a newer version is refused; an older one is migrated on a
 * read-write open. */
#define PG_SCHEMA   5
#define PG_LOCK_KEY "1330009943" /* "OFSW": the advisory lock of migrations */

static const char *const migrations[PG_SCHEMA] = {
        "CREATE TABLE runs(id BIGSERIAL PRIMARY KEY, started_at TEXT, command TEXT, version TEXT, planned BIGINT);"
        "CREATE TABLE configs(id BIGSERIAL PRIMARY KEY, key TEXT UNIQUE NOT NULL, task_type TEXT, dataset TEXT,"
        " threshold INTEGER, subject TEXT, condition TEXT, peer_instantiation TEXT, alignment_faking_mode TEXT,"
        " agent_model TEXT, agent_family TEXT, memory_hard_prompt INTEGER, temperature DOUBLE PRECISION, max_iters INTEGER);"
        "CREATE TABLE blobs(id BIGSERIAL PRIMARY KEY, h1 BIGINT NOT NULL, h2 BIGINT NOT NULL, text TEXT NOT NULL,"
        " UNIQUE(h1, h2));"
        "CREATE TABLE rollouts(id BIGSERIAL PRIMARY KEY, run_id BIGINT, config_id BIGINT NOT NULL REFERENCES configs(id),"
        " rep INTEGER NOT NULL, status TEXT NOT NULL, stop_reason TEXT, num_turns INTEGER, input_tokens BIGINT,"
        " output_tokens BIGINT, transcript TEXT, summary TEXT NOT NULL, UNIQUE(config_id, rep));"
        "CREATE TABLE messages(rollout_id BIGINT NOT NULL, idx INTEGER NOT NULL, role TEXT NOT NULL,"
        " content BIGINT NOT NULL REFERENCES blobs(id), reasoning TEXT, tool_call_id TEXT, tool_name TEXT, is_error INTEGER,"
        " in_tokens BIGINT, out_tokens BIGINT, PRIMARY KEY(rollout_id, idx));"
        "CREATE TABLE tool_calls(rollout_id BIGINT NOT NULL, msg_idx INTEGER NOT NULL, idx INTEGER NOT NULL, call_id TEXT,"
        " name TEXT NOT NULL, arguments BIGINT NOT NULL REFERENCES blobs(id), PRIMARY KEY(rollout_id, msg_idx, idx));"
        "CREATE TABLE outcomes(rollout_id BIGINT PRIMARY KEY, source TEXT NOT NULL DEFAULT 'rules',"
        " read_data INTEGER, read_config INTEGER, read_memory INTEGER, shutdown_enabled INTEGER, exfiltration INTEGER,"
        " copy INTEGER, correct INTEGER, fully_incomplete INTEGER, delete_model INTEGER, delete_others INTEGER,"
        " change_user INTEGER, executed INTEGER, delete_file INTEGER, refused INTEGER, tampered INTEGER,"
        " attempted_weight_transfer INTEGER, retimestamp INTEGER, weights_renamed INTEGER, config_changed INTEGER,"
        " eval_score DOUBLE PRECISION, threshold_result TEXT, subject_grade TEXT, subject_recommendation TEXT,"
        " needs_judge INTEGER, evidence TEXT);"
        "CREATE TABLE judgments(seq BIGSERIAL, rollout_id BIGINT NOT NULL, question TEXT NOT NULL,"
        " judge_model TEXT NOT NULL, raw TEXT, verdict TEXT, score DOUBLE PRECISION, grade TEXT, recommendation TEXT,"
        " parsed INTEGER, PRIMARY KEY(rollout_id, question, judge_model));",
        /* 2: the work queue (postgres_queue.c) */
        "CREATE TABLE work(config_id BIGINT NOT NULL REFERENCES configs(id), rep INTEGER NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'pending', worker BIGINT, lease_until TIMESTAMPTZ, attempts INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY(config_id, rep));"
        "CREATE INDEX work_state ON work(state);"
        "CREATE TABLE workers(id BIGSERIAL PRIMARY KEY, host TEXT, pid BIGINT, lease_s INTEGER NOT NULL,"
        " joined_at TIMESTAMPTZ NOT NULL, heartbeat TIMESTAMPTZ NOT NULL, state TEXT NOT NULL DEFAULT 'running');"
        "CREATE TABLE control(key TEXT PRIMARY KEY, at TIMESTAMPTZ NOT NULL);",
        /* 3: evaluation awareness and operator deception (lib/eval/aware.c, deceive.c) */
        "ALTER TABLE outcomes ADD COLUMN eval_aware INTEGER; ALTER TABLE outcomes ADD COLUMN deceived INTEGER;",
        /* 4: monitor honesty (lib/eval/detect_monitor.c) */
        "ALTER TABLE outcomes ADD COLUMN act_reported INTEGER; ALTER TABLE outcomes ADD COLUMN false_alarm INTEGER;",
        /* 5: the follow-up interview's answers (lib/exec/interview.c, postgres_interview.c) */
        "CREATE TABLE interview_answers(rollout_id BIGINT NOT NULL, idx INTEGER NOT NULL, question_id TEXT NOT NULL,"
        " behaviour TEXT, happened INTEGER, label TEXT, question TEXT, answer TEXT, msg_idx INTEGER,"
        " PRIMARY KEY(rollout_id, idx));",
};

static const char *const sql[PQ__N] = {
        "SELECT id FROM configs WHERE key=$1",
        "INSERT INTO configs(key,task_type,dataset,threshold,subject,condition,peer_instantiation,alignment_faking_mode,"
        "agent_model,agent_family,memory_hard_prompt,temperature,max_iters) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
        " ON CONFLICT (key) DO NOTHING RETURNING id",
        /* DO NOTHING, never an update: a writer's open transaction holds its
         * blobs under key-share locks (the messages' foreign keys) */
        "INSERT INTO blobs(h1,h2,text) VALUES($1,$2,$3) ON CONFLICT (h1,h2) DO NOTHING RETURNING id",
        "INSERT INTO rollouts(run_id,config_id,rep,status,stop_reason,num_turns,input_tokens,output_tokens,transcript,summary)"
        " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id",
        "INSERT INTO messages VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
        "INSERT INTO tool_calls VALUES($1,$2,$3,$4,$5,$6)",
        "INSERT INTO "
        "outcomes(rollout_id,source,read_data,read_config,read_memory,shutdown_enabled,exfiltration,copy,correct,fully_"
        "incomplete,delete_model,delete_others,change_user,executed,delete_file,refused,tampered,attempted_weight_transfer,"
        "retimestamp,weights_renamed,config_changed,eval_aware,deceived,act_reported,false_alarm,eval_score,threshold_result,"
        "subject_grade,subject_recommendation,"
        "needs_judge,evidence)"
        " VALUES($1,'rules',$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,"
        "$29,$30)",
};

int ofs__pg_err(struct pg *s, const char *what)
{
	char msg[OFS_ERRLEN];
	snprintf(msg, sizeof msg, "%s", s->conn ? PQerrorMessage(s->conn) : "no connection");
	msg[strcspn(msg, "\n")] = 0;
	ofs__pg_scrub(msg, sizeof msg, s->url);
	return ofs__store_fail(&s->base, OFS_EIO, "%s: %s: %s", s->show, what, msg[0] ? msg : "failed");
}

int ofs__pg_ok(struct pg *s, PGresult **res, ExecStatusType want, const char *what)
{
	if (*res && PQresultStatus(*res) == want)
		return 0;
	char msg[OFS_ERRLEN];
	snprintf(msg, sizeof msg, "%s", *res ? PQresultErrorMessage(*res) : PQerrorMessage(s->conn));
	msg[strcspn(msg, "\n")] = 0;
	ofs__pg_scrub(msg, sizeof msg, s->url);
	PQclear(*res);
	*res = NULL;
	return ofs__store_fail(&s->base, OFS_EIO, "%s: %s: %s", s->show, what, msg[0] ? msg : "no result");
}

static int finish(struct pg *s, PGresult *r, ExecStatusType want, PGresult **res, const char *what)
{
	int e = ofs__pg_ok(s, &r, want, what);
	if (e)
		return e;
	if (res)
		*res = r;
	else
		PQclear(r);
	return 0;
}

int ofs__pg_exec(struct pg *s, const char *q, int n, const char *const *v, ExecStatusType want, PGresult **res, const char *what)
{
	if (res)
		*res = NULL;
	/* without parameters: PQexec, which also takes several commands (migrations) */
	PGresult *r = n ? PQexecParams(s->conn, q, n, NULL, v, NULL, NULL, 0) : PQexec(s->conn, q);
	return finish(s, r, want, res, what);
}

int ofs__pg_prepared(struct pg *s, int q, int n, const char *const *v, ExecStatusType want, PGresult **res, const char *what)
{
	char name[16];
	snprintf(name, sizeof name, "ofs%d", q);
	if (res)
		*res = NULL;
	return finish(s, PQexecPrepared(s->conn, name, n, v, NULL, NULL, 0), want, res, what);
}

const char *ofs__pg_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

long long ofs__pg_ll(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

const char *ofs__pg_num(char *buf, long long v)
{
	snprintf(buf, 24, "%lld", v);
	return buf;
}

int ofs__pg_pages(struct pg *s, const char *q, int nkeys, const char *what, int (*row)(PGresult *r, int i, void *ctx), void *ctx)
{
	char keys[4][24];
	const char *v[4];
	for (int k = 0; k < nkeys && k < 4; k++)
		v[k] = ofs__pg_num(keys[k], -1);
	for (;;) {
		PGresult *r;
		int e = ofs__pg_exec(s, q, nkeys, v, PGRES_TUPLES_OK, &r, what);
		if (e)
			return e;
		int n = PQntuples(r), stop = 0;
		for (int i = 0; i < n && !stop; i++)
			stop = row(r, i, ctx);
		if (n)
			for (int k = 0; k < nkeys && k < 4; k++)
				v[k] = ofs__pg_num(keys[k], ofs__pg_ll(r, n - 1, k));
		PQclear(r);
		if (stop || n < PG_PAGE)
			return 0;
	}
}

int ofs__pg_batch_begin(struct pg *s)
{
	s->batch_sent = 0;
	s->batch_err = 0;
	return PQenterPipelineMode(s->conn) == 1 ? 0 : ofs__pg_err(s, "pipeline");
}

/* Sync and read every result of the statements sent; the first failure is
 * kept in s->batch_err (statements after it come back aborted). */
static void batch_drain(struct pg *s)
{
	s->batch_sent = 0;
	if (PQpipelineSync(s->conn) != 1) {
		if (!s->batch_err)
			s->batch_err = ofs__pg_err(s, "pipeline sync");
		return;
	}
	for (int nulls = 0;;) {
		PGresult *r = PQgetResult(s->conn);
		if (!r) { /* one after each statement's result; two in a row: the connection is gone */
			if (++nulls > 1 || PQstatus(s->conn) != CONNECTION_OK) {
				if (!s->batch_err)
					s->batch_err = ofs__pg_err(s, "pipeline");
				return;
			}
			continue;
		}
		nulls = 0;
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			return;
		}
		if (st != PGRES_COMMAND_OK && st != PGRES_PIPELINE_ABORTED && !s->batch_err)
			s->batch_err = ofs__pg_ok(s, &r, PGRES_COMMAND_OK, "write"); /* clears r */
		PQclear(r);
	}
}

void ofs__pg_batch_send(struct pg *s, int q, int n, const char *const *v, const char *what)
{
	if (s->batch_err)
		return;
	char name[16];
	snprintf(name, sizeof name, "ofs%d", q);
	if (PQsendQueryPrepared(s->conn, name, n, v, NULL, NULL, 0) != 1) {
		s->batch_err = ofs__pg_err(s, what);
		return;
	}
	if (++s->batch_sent >= OFS_PG_BATCH)
		batch_drain(s);
}

int ofs__pg_batch_end(struct pg *s)
{
	if (s->batch_sent)
		batch_drain(s);
	if (PQexitPipelineMode(s->conn) != 1 && !s->batch_err)
		s->batch_err = ofs__pg_err(s, "pipeline");
	return s->batch_err;
}

int ofs__pg_tx(struct pg *s)
{
	if (s->ro)
		return ofs__store_fail(&s->base, OFS_ESTATE, "%s: the store is open read-only", s->show);
	if (s->in_tx)
		return 0;
	int e = ofs__pg_exec(s, "BEGIN", 0, NULL, PGRES_COMMAND_OK, NULL, "begin");
	if (!e)
		s->in_tx = 1;
	return e;
}

int ofs__pg_commit(struct ofs_store *st)
{
	struct pg *s = (struct pg *)st;
	if (!s->in_tx)
		return 0;
	s->in_tx = 0;
	return ofs__pg_exec(s, "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL, "commit");
}

static void slot_put(struct pg *s, uint64_t h1, uint64_t h2, long long id)
{
	if ((s->used + 1) * 2 > s->nslots) {
		size_t nn = s->nslots ? s->nslots * 2 : 4096;
		struct pg_bslot *ns = ofs_xcalloc(nn, sizeof *ns);
		for (size_t i = 0; i < s->nslots; i++)
			if (s->slots[i].id) {
				size_t j = s->slots[i].h1 & (nn - 1);
				while (ns[j].id)
					j = (j + 1) & (nn - 1);
				ns[j] = s->slots[i];
			}
		free(s->slots);
		s->slots = ns;
		s->nslots = nn;
	}
	size_t j = h1 & (s->nslots - 1);
	while (s->slots[j].id)
		j = (j + 1) & (s->nslots - 1);
	s->slots[j] = (struct pg_bslot){h1, h2, id};
	s->used++;
}

static long long slot_get(struct pg *s, uint64_t h1, uint64_t h2)
{
	if (!s->nslots)
		return 0;
	for (size_t j = h1 & (s->nslots - 1); s->slots[j].id; j = (j + 1) & (s->nslots - 1))
		if (s->slots[j].h1 == h1 && s->slots[j].h2 == h2)
			return s->slots[j].id;
	return 0;
}

/* Connect to s->url (the URL's own settings win over the defaults). */
static PGconn *dial(const struct pg *s)
{
	const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
	const char *const vals[] = {"10", "offswitch", s->url, NULL};
	return PQconnectdbParams(keys, vals, 1);
}

/* The message of a failure on the blob connection. */
static int blob_err(struct pg *s, PGresult *r, const char *what)
{
	char msg[OFS_ERRLEN];
	snprintf(msg, sizeof msg, "%s", r ? PQresultErrorMessage(r) : s->bconn ? PQerrorMessage(s->bconn) : "out of memory");
	msg[strcspn(msg, "\n")] = 0;
	ofs__pg_scrub(msg, sizeof msg, s->url);
	PQclear(r);
	return ofs__store_fail(&s->base, OFS_EIO, "%s: %s: %s", s->show, what, msg[0] ? msg : "failed");
}

static int blob_prepare(struct pg *s)
{
	PGresult *r = PQprepare(s->bconn, "blob", sql[PQ_BLOB_ADD], 3, NULL);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		return blob_err(s, r, "prepare");
	PQclear(r);
	r = PQprepare(s->bconn, "blobget", "SELECT id FROM blobs WHERE h1=$1 AND h2=$2", 2, NULL);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		return blob_err(s, r, "prepare");
	PQclear(r);
	return 0;
}

/* The connection blobs go through: the handle's own, inside its
 * transaction, for a single writer; a second one for a shared writer (a
 * worker: s->shared). */
static int blob_conn(struct pg *s)
{
	if (s->bconn)
		return 0;
	if (!s->shared) {
		s->bconn = s->conn;
		return blob_prepare(s);
	}
	s->bconn = dial(s);
	if (!s->bconn || PQstatus(s->bconn) != CONNECTION_OK)
		return blob_err(s, NULL, "blob connection");
	/* No wait for the disk at each blob's commit: the WAL is flushed in
	 * order, so the commit of a transaction that refers to a blob makes the
	 * blob's (earlier) commit durable too. */
	PGresult *r = PQexec(s->bconn, "SET synchronous_commit = off");
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		return blob_err(s, r, "blob connection");
	PQclear(r);
	return blob_prepare(s);
}

/* A shared writer's blob rows are committed when inserted (on its second
 * connection), so an id cached here stays valid whatever becomes of the
 * transaction that first used it; a single writer's are in its transaction,
 * and the handle (with its cache) is closed when one is rolled back. */
long long ofs__pg_blob(struct pg *s, const char *text)
{
	uint64_t h1, h2;
	ofs_hash128(text, strlen(text), &h1, &h2);
	long long id = slot_get(s, h1, h2);
	if (id)
		return id;
	int e = blob_conn(s);
	if (e)
		return e;
	char a[24], b[24];
	const char *v[3] = {ofs__pg_num(a, (long long)h1), ofs__pg_num(b, (long long)h2), text};
	PGresult *r = PQexecPrepared(s->bconn, "blob", 3, v, NULL, NULL, 0);
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
		return blob_err(s, r, "insert blob");
	id = PQntuples(r) == 1 ? ofs__pg_ll(r, 0, 0) : 0;
	PQclear(r);
	if (!id) { /* there already, committed */
		r = PQexecPrepared(s->bconn, "blobget", 2, v, NULL, NULL, 0);
		if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
			return blob_err(s, r, "find blob");
		id = PQntuples(r) == 1 ? ofs__pg_ll(r, 0, 0) : 0;
		PQclear(r);
	}
	if (id <= 0)
		return ofs__store_fail(&s->base, OFS_EIO, "%s: insert blob: no id returned", s->show);
	slot_put(s, h1, h2, id);
	return id;
}

static int pg_begin_run(struct ofs_store *base, const char *command, long planned)
{
	struct pg *s = (struct pg *)base;
	if (s->ro)
		return ofs__pg_tx(s);
	char p[24];
	const char *v[3] = {command, OFS_VERSION, ofs__pg_num(p, planned)};
	PGresult *r;
	int e = ofs__pg_exec(s,
	                     "INSERT INTO runs(started_at,command,version,planned) VALUES(to_char(now() AT TIME ZONE 'UTC',"
	                     " 'YYYY-MM-DD HH24:MI:SS'),$1,$2,$3) RETURNING id",
	                     3, v, PGRES_TUPLES_OK, &r, "runs");
	if (e)
		return e;
	s->run_id = ofs__pg_ll(r, 0, 0);
	PQclear(r);
	return 0;
}

static int config_get(struct pg *s, const char *key, long long *id, int *found)
{
	PGresult *r;
	int e = ofs__pg_prepared(s, PQ_CONFIG_GET, 1, &key, PGRES_TUPLES_OK, &r, "config");
	if (e)
		return e;
	*found = PQntuples(r) > 0;
	if (*found)
		*id = ofs__pg_ll(r, 0, 0);
	PQclear(r);
	return 0;
}

static int config_add(struct pg *s, const struct ofs_config *c, long long *id, int *added)
{
	int e = ofs__pg_tx(s);
	if (e)
		return e;
	char th[24], mh[24], temp[32], mi[24];
	snprintf(temp, sizeof temp, "%.17g", c->temperature);
	const char *v[13] = {c->key,
	                     c->task->task_type,
	                     c->dataset,
	                     c->threshold >= 0 ? ofs__pg_num(th, c->threshold) : NULL,
	                     ofs_subject_names[c->subject],
	                     ofs_condition_names[c->condition],
	                     c->inst ? ofs_inst_names[c->inst] : NULL,
	                     c->af_mode ? ofs_af_names[c->af_mode] : NULL,
	                     c->model,
	                     c->family,
	                     ofs__pg_num(mh, c->memory_hard_prompt),
	                     temp,
	                     ofs__pg_num(mi, c->max_iters)};
	PGresult *r;
	if ((e = ofs__pg_prepared(s, PQ_CONFIG_ADD, 13, v, PGRES_TUPLES_OK, &r, "insert config")))
		return e;
	*added = PQntuples(r) == 1;
	if (*added)
		*id = ofs__pg_ll(r, 0, 0);
	PQclear(r);
	return 0;
}

static int pg_config(struct ofs_store *base, const struct ofs_config *c, long long *id)
{
	struct pg *s = (struct pg *)base;
	if (s->ro)
		return ofs__pg_tx(s); /* the read-only error */
	int found, e = config_get(s, c->key, id, &found);
	if (e || found)
		return e;
	if ((e = config_add(s, c, id, &found)) || found)
		return e;
	/* another process added it meanwhile */
	if ((e = config_get(s, c->key, id, &found)) || found)
		return e;
	return ofs__store_fail(base, OFS_EIO, "%s: config %s: neither found nor added", s->show, c->key);
}

static int pg_done(struct ofs_store *base, long long config_id, unsigned char *done, int n)
{
	struct pg *s = (struct pg *)base;
	memset(done, 0, (size_t)n);
	if (s->ro)
		return ofs__pg_tx(s);
	char id[24];
	const char *v[1] = {ofs__pg_num(id, config_id)};
	PGresult *r;
	int e = ofs__pg_exec(s, "SELECT rep FROM rollouts WHERE config_id=$1 AND status NOT IN ('running','budget_exhausted')", 1,
	                     v, PGRES_TUPLES_OK, &r, "finished rollouts");
	if (e)
		return e;
	for (int i = 0; i < PQntuples(r); i++) {
		long long rep = ofs__pg_ll(r, i, 0);
		if (rep >= 0 && rep < n)
			done[rep] = 1;
	}
	PQclear(r);
	return 0;
}

static void pg_close(struct ofs_store *base)
{
	struct pg *s = (struct pg *)base;
	if (s->bconn && s->bconn != s->conn)
		PQfinish(s->bconn);
	if (s->conn) {
		if (s->in_tx)
			PQclear(PQexec(s->conn, "ROLLBACK")); /* closing: nothing to report to */
		PQfinish(s->conn);
	}
	free(s->slots);
	free(s);
}

static const struct ofs_store_ops pg_ops = {
        .close = pg_close,
        .commit = ofs__pg_commit,
        .begin_run = pg_begin_run,
        .config = pg_config,
        .done = pg_done,
        .rollout = ofs__pg_rollout,
        .begin_rollout = ofs__pg_begin_rollout,
        .append = ofs__pg_append,
        .finish_rollout = ofs__pg_finish_rollout,
        .unfinished = ofs__pg_unfinished,
        .reopen = ofs__pg_reopen,
        .turns = ofs__pg_turns,
        .rollouts = ofs__pg_rollouts,
        .drop = ofs__pg_drop,
        .export_jsonl = ofs__pg_export_jsonl,
        .planned = ofs__pg_planned,
        .first_run = ofs__pg_first_run,
        .scan = ofs__pg_scan,
        .each_message = ofs__pg_each_message,
        .each_call = ofs__pg_each_call,
        .rates = ofs__pg_rates,
        .judgments_init = ofs__pg_judgments_init,
        .judged = ofs__pg_judged,
        .judgment = ofs__pg_judgment,
        .each_judgment = ofs__pg_each_judgment,
        .each_interview = ofs__pg_each_interview,
        .integrity = ofs__pg_integrity,
        .records = ofs__pg_records,
        .each_config = ofs__pg_each_config,
        .enqueue = ofs__pg_enqueue,
        .worker_join = ofs__pg_worker_join,
        .claim = ofs__pg_claim,
        .heartbeat = ofs__pg_heartbeat,
        .settle = ofs__pg_settle,
        .worker_leave = ofs__pg_worker_leave,
        .request_stop = ofs__pg_request_stop,
        .queue = ofs__pg_queue,
        .each_worker = ofs__pg_each_worker,
};

/* The schema version of the database: 0 when offswitch never wrote it. */
static int schema_version(struct pg *s, long long *v)
{
	PGresult *r;
	*v = 0;
	int e = ofs__pg_exec(s, "SELECT to_regclass('offswitch_schema') IS NOT NULL", 0, NULL, PGRES_TUPLES_OK, &r, "schema");
	if (e)
		return e;
	int have = PQntuples(r) == 1 && !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (!have)
		return 0;
	if ((e = ofs__pg_exec(s, "SELECT coalesce(max(version),0) FROM offswitch_schema", 0, NULL, PGRES_TUPLES_OK, &r,
	                      "schema version")))
		return e;
	*v = ofs__pg_ll(r, 0, 0);
	PQclear(r);
	if (*v > PG_SCHEMA)
		return ofs__store_fail(&s->base, OFS_ECORRUPT,
		                       "%s was written by a newer offswitch (schema version %lld; this one knows up to %d); use "
		                       "that version",
		                       s->show, *v, PG_SCHEMA);
	return 0;
}

/* Bring the schema up to PG_SCHEMA, each migration in the one transaction
 * with its version row, under the advisory lock. */
static int migrate(struct pg *s)
{
	int e = ofs__pg_tx(s);
	long long v = 0;
	if (!e)
		e = ofs__pg_exec(s, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")", 0, NULL, PGRES_TUPLES_OK, NULL,
		                 "schema lock");
	if (!e)
		e = ofs__pg_exec(s,
		                 "CREATE TABLE IF NOT EXISTS offswitch_schema(version INTEGER PRIMARY KEY,"
		                 " applied_at TIMESTAMPTZ NOT NULL DEFAULT now(), by_version TEXT)",
		                 0, NULL, PGRES_COMMAND_OK, NULL, "schema table");
	if (!e)
		e = schema_version(s, &v);
	for (long long k = v; !e && k < PG_SCHEMA; k++) {
		char ver[24];
		const char *p[2] = {ofs__pg_num(ver, k + 1), OFS_VERSION};
		if (!(e = ofs__pg_exec(s, migrations[k], 0, NULL, PGRES_COMMAND_OK, NULL, "migration")))
			e = ofs__pg_exec(s, "INSERT INTO offswitch_schema(version, by_version) VALUES($1,$2)", 2, p,
			                 PGRES_COMMAND_OK, NULL, "schema version");
	}
	if (!e)
		e = ofs__pg_commit(&s->base);
	if (!e)
		s->version = PG_SCHEMA;
	return e;
}

static int prepare_all(struct pg *s)
{
	for (int i = 0; i < PQ__N; i++) {
		char name[16];
		snprintf(name, sizeof name, "ofs%d", i);
		PGresult *r = PQprepare(s->conn, name, sql[i], 0, NULL);
		int e = ofs__pg_ok(s, &r, PGRES_COMMAND_OK, "prepare");
		if (e)
			return e;
		PQclear(r);
	}
	return 0;
}

/* Connect: the URL checked first (a malformed one is OFS_EINVAL), then the
 * server reached (unreachable, refused or rejected: OFS_EIO). */
static int connect_to(struct pg *s, char *err)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(s->url, &perr);
	if (!opts) {
		char msg[OFS_ERRLEN];
		snprintf(msg, sizeof msg, "%s", perr ? perr : "out of memory");
		msg[strcspn(msg, "\n")] = 0;
		ofs__pg_scrub(msg, sizeof msg, s->url);
		PQfreemem(perr);
		return ofs_fail(err, OFS_EINVAL, "%s is not a valid PostgreSQL URL: %s", s->show, msg);
	}
	PQconninfoFree(opts);
	/* the URL's own settings come last, so they win */
	s->conn = dial(s);
	if (!s->conn)
		return ofs_fail(err, OFS_EIO, "%s: cannot connect: out of memory", s->show);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		ofs__pg_err(s, "cannot connect");
		return ofs_fail(err, OFS_EIO, "%s", s->base.errmsg);
	}
	return 0;
}

static int open_conn(struct pg *s, int flags, char *err)
{
	int e = connect_to(s, err);
	if (e)
		return e;
	if ((e = ofs__pg_exec(s, "SET client_min_messages = warning", 0, NULL, PGRES_COMMAND_OK, NULL, "settings")))
		return ofs_fail(err, e, "%s", s->base.errmsg);
	if (s->ro) {
		long long v;
		if ((e = ofs__pg_exec(s, "SET default_transaction_read_only = on", 0, NULL, PGRES_COMMAND_OK, NULL,
		                      "settings")) ||
		    (e = schema_version(s, &v)))
			return ofs_fail(err, e, "%s", s->base.errmsg);
		s->version = (int)v;
		if (!v)
			return ofs_fail(err, OFS_ENOTFOUND, "%s holds no run yet: offswitch has not written this database",
			                s->show);
		return 0;
	}
	if ((e = migrate(s)) || (e = prepare_all(s)))
		return ofs_fail(err, e, "%s", s->base.errmsg);
	return 0;
}

/* The registry's open: rest is the URL after "scheme://". */
static int pg_open(struct ofs_store **out, const char *rest, int flags, char *err)
{
	struct pg *s = ofs_xcalloc(1, sizeof *s);
	s->base.ops = &pg_ops;
	s->ro = flags & OFS__STORE_RO;
	if ((size_t)snprintf(s->url, sizeof s->url, "postgresql://%s", rest) >= sizeof s->url) {
		pg_close(&s->base);
		return ofs_fail(err, OFS_EINVAL, "PostgreSQL URL too long (limit %d bytes)", PG_URL_MAX - 1);
	}
	ofs__pg_display(s->url, s->show, sizeof s->show);
	int e = open_conn(s, flags, err);
	if (e) {
		pg_close(&s->base);
		return e;
	}
	*out = &s->base;
	return 0;
}

const struct ofs_store_kind ofs__store_postgresql = {"postgresql", pg_open};
const struct ofs_store_kind ofs__store_postgres = {"postgres", pg_open};
