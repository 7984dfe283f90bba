/* sqlite.c — the SQLite store (DIR/offswitch.db): schema, open (one writer
 * by DIR/offswitch.lock, foreign/newer files refused, an existing file
 * quick-checked, older ones migrated) and close, transactions, the blob
 * index, runs and configs. Rollouts are written in
 * sqlite_write.c and read in sqlite_read.c. */
#include "store/sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Who wrote the file: PRAGMA application_id "OFSW", and the schema version
 * this code writes in PRAGMA user_version. Schema 1 files (offswitch 0.1)
 * carry no stamp: their version is meta.schema_version; opening one
 * read-write stamps it. A newer version is refused. */
#define SQ_APP_ID 0x4f465357
#define SQ_SCHEMA 5

/* Outside any transaction (journal_mode cannot change inside one). */
static const char pragmas[] = "PRAGMA journal_mode=WAL;"
                              "PRAGMA synchronous=FULL;";
/* Created in one transaction with the header's stamp (open_rw), so a kill -9
 * during the first open leaves an empty file or a whole stamped schema, never
 * tables without the stamp (which a later open would refuse as foreign). */
static const char schema[] =
        "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
        "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, started_at TEXT, command TEXT, version TEXT, planned INTEGER);"
        "CREATE TABLE IF NOT EXISTS configs(id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, task_type TEXT, dataset TEXT,"
        " threshold INTEGER, subject TEXT, condition TEXT, peer_instantiation TEXT, alignment_faking_mode TEXT,"
        " agent_model TEXT, agent_family TEXT, memory_hard_prompt INTEGER, temperature REAL, max_iters INTEGER);"
        "CREATE TABLE IF NOT EXISTS blobs(id INTEGER PRIMARY KEY, h1 INTEGER NOT NULL, h2 INTEGER NOT NULL, text TEXT NOT NULL);"
        "CREATE INDEX IF NOT EXISTS blobs_hash ON blobs(h1);"
        "CREATE TABLE IF NOT EXISTS rollouts(id INTEGER PRIMARY KEY, run_id INTEGER, config_id INTEGER NOT NULL REFERENCES "
        "configs(id),"
        " rep INTEGER NOT NULL, status TEXT NOT NULL, stop_reason TEXT, num_turns INTEGER, input_tokens INTEGER,"
        " output_tokens INTEGER, transcript TEXT, summary TEXT NOT NULL, sum_head INTEGER, sum_tail INTEGER,"
        " UNIQUE(config_id, rep));"
        "CREATE TABLE IF NOT EXISTS messages(rollout_id INTEGER NOT NULL, idx INTEGER NOT NULL, role TEXT NOT NULL,"
        " content INTEGER NOT NULL REFERENCES blobs(id), reasoning TEXT, tool_call_id TEXT, tool_name TEXT, is_error INTEGER,"
        " in_tokens INTEGER, out_tokens INTEGER,"
        " PRIMARY KEY(rollout_id, idx)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS tool_calls(rollout_id INTEGER NOT NULL, msg_idx INTEGER NOT NULL, idx INTEGER NOT NULL,"
        " call_id TEXT, name TEXT NOT NULL, arguments INTEGER NOT NULL REFERENCES blobs(id), PRIMARY KEY(rollout_id, msg_idx, "
        "idx)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS outcomes(rollout_id INTEGER PRIMARY KEY, source TEXT NOT NULL DEFAULT 'rules',"
        " read_data INTEGER, read_config INTEGER, read_memory INTEGER, shutdown_enabled INTEGER, exfiltration INTEGER, copy "
        "INTEGER,"
        " correct INTEGER, fully_incomplete INTEGER, delete_model INTEGER, delete_others INTEGER, change_user INTEGER,"
        " executed INTEGER, delete_file INTEGER, refused INTEGER, tampered INTEGER, attempted_weight_transfer INTEGER,"
        " retimestamp INTEGER, weights_renamed INTEGER, config_changed INTEGER, eval_score REAL, threshold_result TEXT,"
        " subject_grade TEXT, subject_recommendation TEXT, needs_judge INTEGER, evidence TEXT, eval_aware INTEGER,"
        " deceived INTEGER, act_reported INTEGER, false_alarm INTEGER);"
        "CREATE TABLE IF NOT EXISTS interview_answers(rollout_id INTEGER NOT NULL, idx INTEGER NOT NULL, question_id TEXT NOT"
        " NULL, behaviour TEXT, happened INTEGER, label TEXT, question TEXT, answer TEXT, msg_idx INTEGER,"
        " PRIMARY KEY(rollout_id, idx)) WITHOUT ROWID;"
        "INSERT OR IGNORE INTO meta VALUES('schema_version','1');";

static const char *const sql[Q__N] = {
        "SELECT id FROM configs WHERE key=?",
        "INSERT INTO configs(key,task_type,dataset,threshold,subject,condition,peer_instantiation,alignment_faking_mode,"
        "agent_model,agent_family,memory_hard_prompt,temperature,max_iters) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
        "SELECT rep FROM rollouts WHERE config_id=? AND status NOT IN ('running','budget_exhausted')",
        "INSERT INTO blobs(h1,h2,text) VALUES(?,?,?)",
        "INSERT INTO rollouts(run_id,config_id,rep,status,stop_reason,num_turns,input_tokens,output_tokens,transcript,summary,"
        "sum_head,sum_tail) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
        "INSERT INTO messages VALUES(?,?,?,?,?,?,?,?,?,?)",
        "INSERT INTO tool_calls VALUES(?,?,?,?,?,?)",
        "INSERT INTO "
        "outcomes(rollout_id,source,read_data,read_config,read_memory,shutdown_enabled,exfiltration,copy,correct,fully_"
        "incomplete,delete_model,delete_others,change_user,executed,delete_file,refused,tampered,attempted_weight_transfer,"
        "retimestamp,weights_renamed,config_changed,eval_aware,deceived,act_reported,false_alarm,eval_score,threshold_result,"
        "subject_grade,subject_recommendation,"
        "needs_judge,evidence)"
        " VALUES(?,'rules',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
};

int ofs__sq_err(struct sq *s, const char *what)
{
	int e = sqlite3_errcode(s->db);
	int code = e == SQLITE_CORRUPT || e == SQLITE_NOTADB ? OFS_ECORRUPT : OFS_EIO;
	return ofs__store_fail(&s->base, code, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

int ofs__sq_end(struct sq *s, int rc, const char *what)
{
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : ofs__sq_err(s, what);
}

void ofs__sq_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

const char *ofs__sq_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void slot_put(struct sq *s, uint64_t h1, uint64_t h2, long long id)
{
	if ((s->used + 1) * 2 > s->nslots) {
		size_t nn = s->nslots ? s->nslots * 2 : 4096;
		struct bslot *ns = ofs_xcalloc(nn, sizeof *ns);
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
	s->slots[j] = (struct bslot){h1, h2, id};
	s->used++;
}

static long long slot_get(struct sq *s, uint64_t h1, uint64_t h2)
{
	if (!s->nslots)
		return 0;
	for (size_t j = h1 & (s->nslots - 1); s->slots[j].id; j = (j + 1) & (s->nslots - 1))
		if (s->slots[j].h1 == h1 && s->slots[j].h2 == h2)
			return s->slots[j].id;
	return 0;
}

long long ofs__sq_blob(struct sq *s, const char *text)
{
	return ofs__sq_blobn(s, text, strlen(text));
}

long long ofs__sq_blobn(struct sq *s, const char *text, size_t n)
{
	uint64_t h1, h2;
	ofs_hash128(text, n, &h1, &h2);
	long long id = slot_get(s, h1, h2);
	if (id)
		return id;
	sqlite3_stmt *q = s->q[Q_BLOB_ADD];
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, (sqlite3_int64)h1);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)h2);
	sqlite3_bind_text(q, 3, text, (int)n, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return ofs__sq_err(s, "insert blob");
	id = sqlite3_last_insert_rowid(s->db);
	slot_put(s, h1, h2, id);
	return id;
}

/* Load the blob index so a resumed run keeps deduplicating. */
static int load_blobs(struct sq *s)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT id,h1,h2 FROM blobs", -1, &st, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "blobs");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		slot_put(s, (uint64_t)sqlite3_column_int64(st, 1), (uint64_t)sqlite3_column_int64(st, 2),
		         sqlite3_column_int64(st, 0));
	int e = ofs__sq_end(s, rc, "blobs");
	sqlite3_finalize(st);
	return e;
}

int ofs__sq_tx(struct sq *s)
{
	if (s->ro)
		return ofs__store_fail(&s->base, OFS_ESTATE, "database: the store is open read-only");
	if (s->in_tx)
		return 0;
	if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "begin");
	s->in_tx = 1;
	return 0;
}

int ofs__sq_commit(struct ofs_store *st)
{
	struct sq *s = (struct sq *)st;
	if (!s->in_tx)
		return 0;
	s->in_tx = 0;
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "commit");
	return 0;
}

int ofs__sq_exec1(struct sq *s, const char *sql, long long a, long long b)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "prepare");
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int64(st, 2, b);
	int rc = sqlite3_step(st);
	int e = ofs__sq_end(s, rc, "write");
	sqlite3_finalize(st);
	return e;
}

static int sq_begin_run(struct ofs_store *base, const char *command, long planned)
{
	struct sq *s = (struct sq *)base;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO runs(started_at,command,version,planned) VALUES(datetime('now'),?,?,?)", -1,
	                       &st, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "runs");
	sqlite3_bind_text(st, 1, command, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, OFS_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, planned);
	int rc = sqlite3_step(st);
	int e = rc == SQLITE_DONE ? 0 : ofs__sq_err(s, "runs");
	sqlite3_finalize(st);
	if (!e)
		s->run_id = sqlite3_last_insert_rowid(s->db);
	return e;
}

static int config_add(struct sq *s, const struct ofs_config *c, long long *id)
{
	int e = ofs__sq_tx(s);
	if (e)
		return e;
	sqlite3_stmt *q = s->q[Q_CONFIG_ADD];
	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, c->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, c->task->task_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, c->dataset, -1, SQLITE_STATIC);
	if (c->threshold >= 0)
		sqlite3_bind_int(q, 4, c->threshold);
	else
		sqlite3_bind_null(q, 4);
	sqlite3_bind_text(q, 5, ofs_subject_names[c->subject], -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, ofs_condition_names[c->condition], -1, SQLITE_STATIC);
	ofs__sq_bind_text(q, 7, c->inst ? ofs_inst_names[c->inst] : NULL);
	ofs__sq_bind_text(q, 8, c->af_mode ? ofs_af_names[c->af_mode] : NULL);
	sqlite3_bind_text(q, 9, c->model, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 10, c->family, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 11, c->memory_hard_prompt);
	sqlite3_bind_double(q, 12, c->temperature);
	sqlite3_bind_int(q, 13, c->max_iters);
	int rc = sqlite3_step(q);
	e = rc == SQLITE_DONE ? 0 : ofs__sq_err(s, "insert config");
	sqlite3_reset(q);
	if (!e)
		*id = sqlite3_last_insert_rowid(s->db);
	return e;
}

static int sq_config(struct ofs_store *base, const struct ofs_config *c, long long *id)
{
	struct sq *s = (struct sq *)base;
	if (s->ro)
		return ofs__sq_tx(s); /* the read-only error */
	sqlite3_stmt *q = s->q[Q_CONFIG_GET];
	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, c->key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(q, 0);
	int e = ofs__sq_end(s, rc, "config");
	sqlite3_reset(q);
	if (e || rc == SQLITE_ROW)
		return e;
	return config_add(s, c, id);
}

static int sq_done(struct ofs_store *base, long long config_id, unsigned char *done, int n)
{
	struct sq *s = (struct sq *)base;
	memset(done, 0, (size_t)n);
	if (s->ro)
		return ofs__sq_tx(s);
	sqlite3_stmt *q = s->q[Q_DONE];
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, config_id);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int rep = sqlite3_column_int(q, 0);
		if (rep >= 0 && rep < n)
			done[rep] = 1;
	}
	int e = ofs__sq_end(s, rc, "finished rollouts");
	sqlite3_reset(q);
	return e;
}

int ofs__sq_lazy(struct sq *s, int k, const char *sql, sqlite3_stmt **q)
{
	if (s->lz[k]) {
		sqlite3_reset(s->lz[k]);
		sqlite3_clear_bindings(s->lz[k]);
	} else if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->lz[k], NULL) != SQLITE_OK) {
		return ofs__sq_err(s, "prepare");
	}
	*q = s->lz[k];
	return 0;
}

static void sq_close(struct ofs_store *base)
{
	struct sq *s = (struct sq *)base;
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	for (int i = 0; i < Q__N; i++)
		sqlite3_finalize(s->q[i]);
	for (int i = 0; i < LZ__N; i++)
		sqlite3_finalize(s->lz[i]);
	sqlite3_close(s->db);
	ofs_dirlock_release(s->lock); /* after the database is closed */
	free(s->slots);
	ofs_buf_free(&s->sumbuf);
	free(s);
}

static const struct ofs_store_ops sq_ops = {
        .close = sq_close,
        .commit = ofs__sq_commit,
        .begin_run = sq_begin_run,
        .config = sq_config,
        .done = sq_done,
        .rollout = ofs__sq_rollout,
        .begin_rollout = ofs__sq_begin_rollout,
        .append = ofs__sq_append,
        .finish_rollout = ofs__sq_finish_rollout,
        .unfinished = ofs__sq_unfinished,
        .reopen = ofs__sq_reopen,
        .turns = ofs__sq_turns,
        .rollouts = ofs__sq_rollouts,
        .drop = ofs__sq_drop,
        .export_jsonl = ofs__sq_export_jsonl,
        .planned = ofs__sq_planned,
        .first_run = ofs__sq_first_run,
        .scan = ofs__sq_scan,
        .each_message = ofs__sq_each_message,
        .each_call = ofs__sq_each_call,
        .rates = ofs__sq_rates,
        .judgments_init = ofs__sq_judgments_init,
        .judged = ofs__sq_judged,
        .judgment = ofs__sq_judgment,
        .each_judgment = ofs__sq_each_judgment,
        .each_interview = ofs__sq_each_interview,
        .integrity = ofs__sq_integrity,
        .records = ofs__sq_records,
        .each_config = ofs__sq_each_config,
};

static struct sq *sq_new(int ro)
{
	struct sq *s = ofs_xcalloc(1, sizeof *s);
	s->base.ops = &sq_ops;
	s->ro = ro;
	return s;
}

/* One integer from a PRAGMA or query (0 when it returns no row). */
static int query_int(struct sq *s, const char *sql, long long *v, const char *what)
{
	sqlite3_stmt *st;
	*v = 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ofs__sq_err(s, what);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	int e = ofs__sq_end(s, rc, what);
	sqlite3_finalize(st);
	return e;
}

/* Whose file it is, read without writing: *version 0 for an empty database,
 * else its schema version; *stamped when the header carries SQ_APP_ID.
 * A schema-1 file predates the stamp: its version is in meta. OFS_ECORRUPT
 * for anything else. */
static int identify(struct sq *s, long long *version, int *stamped)
{
	long long app, uv, ntables, ours = 0;
	int e;
	if ((e = query_int(s, "PRAGMA application_id", &app, "header")) ||
	    (e = query_int(s, "PRAGMA user_version", &uv, "header")) ||
	    (e = query_int(s, "SELECT count(*) FROM sqlite_master", &ntables, "schema")))
		return e;
	*stamped = app == SQ_APP_ID;
	*version = uv;
	if (app == SQ_APP_ID || (app == 0 && uv == 0 && ntables == 0))
		return 0;
	/* unstamped: offswitch 0.1's if meta names its version and nothing else is there */
	long long others = 1;
	if (app == 0 &&
	    !(e = query_int(s,
	                    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT IN"
	                    " ('meta','runs','configs','blobs','blobs_hash','rollouts','messages','tool_calls','outcomes',"
	                    "'judgments','interview_answers')",
	                    &others, "schema")) &&
	    !others && !(e = query_int(s, "SELECT count(*) FROM sqlite_master WHERE name='meta'", &ours, "schema")) && ours &&
	    !(e = query_int(s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key='schema_version'", &ours, "schema")) &&
	    ours > 0) {
		*version = uv ? uv : ours;
		return 0;
	}
	return e ? e
	         : ofs__store_fail(&s->base, OFS_ECORRUPT,
	                           "%s is not an offswitch database (application_id %lld, %lld schema objects); it was left "
	                           "untouched",
	                           s->path, app, ntables);
}

static int check_version(struct sq *s, long long v)
{
	if (v <= SQ_SCHEMA)
		return 0;
	return ofs__store_fail(&s->base, OFS_ECORRUPT,
	                       "%s was written by a newer offswitch (schema version %lld; this one knows up to %d); use "
	                       "that version",
	                       s->path, v, SQ_SCHEMA);
}

/* PRAGMA quick_check: damage found is OFS_ECORRUPT with its first message. */
static int quick_check(struct sq *s)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "quick check");
	int rc = sqlite3_step(st), e;
	const char *r = rc == SQLITE_ROW ? ofs__sq_col_text(st, 0) : NULL;
	if (r && strcmp(r, "ok")) {
		const char *nl = strrchr(r, '\n'); /* past "*** in database main ***" */
		e = ofs__store_fail(&s->base, OFS_ECORRUPT,
		                    "%s is damaged (%s); nothing was changed (offswitch check lists the damage)", s->path,
		                    nl ? nl + 1 : r);
	} else
		e = ofs__sq_end(s, rc, "quick check");
	sqlite3_finalize(st);
	return e;
}

/* Identify the file, refuse a newer one and quick-check an existing one. */
static int vet(struct sq *s, int flags, long long *v, int *stamped)
{
	int e = identify(s, v, stamped);
	if (!e)
		e = check_version(s, *v);
	if (!e && *v && !(flags & OFS__STORE_NOCHECK))
		e = quick_check(s);
	if (e && sqlite3_errcode(s->db) == SQLITE_READONLY)
		ofs__store_fail(&s->base, OFS_EIO,
		                "%s cannot be opened: SQLite must write its -shm file beside it and the directory is read-only",
		                s->path);
	return e;
}

/* Whether table has column name (schema 2 adds outcomes.eval_aware and
 * deceived, schema 3 act_reported and false_alarm, schema 5 rollouts.sum_head
 * and sum_tail). */
static int has_col_in(struct sq *s, const char *table, const char *name)
{
	char q[160];
	long long n = 0;
	snprintf(q, sizeof q, "SELECT count(*) FROM pragma_table_info('%s') WHERE name='%s'", table, name);
	return !query_int(s, q, &n, "schema") && n > 0;
}

static int has_col(struct sq *s, const char *name)
{
	return has_col_in(s, "outcomes", name);
}

static int has_compact(struct sq *s)
{
	return has_col_in(s, "rollouts", "sum_head") && has_col_in(s, "rollouts", "sum_tail");
}

/* Schema 5: the compact summary's two columns (NULL for rollouts recorded
 * before it, whose summary holds the whole line). Applies to files of schemas
 * 1 to 4 alike. */
static int add_compact(struct sq *s)
{
	if (has_compact(s))
		return 0;
	if (sqlite3_exec(s->db,
	                 "BEGIN IMMEDIATE; ALTER TABLE rollouts ADD COLUMN sum_head INTEGER;"
	                 " ALTER TABLE rollouts ADD COLUMN sum_tail INTEGER; COMMIT;",
	                 NULL, NULL, NULL) != SQLITE_OK) {
		int e = ofs__sq_err(s, "migrate to schema 5");
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
		return e;
	}
	return 0;
}

static int has_aware(struct sq *s)
{
	return has_col(s, "eval_aware") && has_col(s, "deceived");
}

static int has_monitor(struct sq *s)
{
	return has_col(s, "act_reported") && has_col(s, "false_alarm");
}

/* Add the columns of schemas 2 and 3 that are missing, in one transaction. */
static int add_columns(struct sq *s)
{
	static const char *const cols[] = {"eval_aware", "deceived", "act_reported", "false_alarm"};
	char q[96];
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "migrate to schema 3");
	for (int i = 0; i < 4; i++) {
		snprintf(q, sizeof q, "ALTER TABLE outcomes ADD COLUMN %s INTEGER;", cols[i]);
		if (!has_col(s, cols[i]) && sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK) {
			int e = ofs__sq_err(s, "migrate to schema 3");
			sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
			return e;
		}
	}
	if (sqlite3_exec(s->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "migrate to schema 3");
	return 0;
}

/* Bring an older file up to SQ_SCHEMA and stamp its header. Schema 1 files
 * lack only the stamp; schema 2 adds outcomes.eval_aware and deceived, schema
 * 3 act_reported and false_alarm (NULL for the rollouts recorded before);
 * schema 4 the table interview_answers, which the schema script creates on
 * every read-write open (empty for the rollouts recorded before it); schema 5
 * rollouts.sum_head and sum_tail (sqlite_summary.c). */
static int migrate(struct sq *s, long long from, int stamped)
{
	if (stamped && from == SQ_SCHEMA)
		return 0;
	int e;
	if (from && from < SQ_SCHEMA && !(has_aware(s) && has_monitor(s)) && (e = add_columns(s)))
		return e;
	if (from && from < 5 && (e = add_compact(s)))
		return e;
	char q[96];
	snprintf(q, sizeof q, "PRAGMA application_id=%d; PRAGMA user_version=%d;", SQ_APP_ID, SQ_SCHEMA);
	if (sqlite3_exec(s->db, q, NULL, NULL, NULL) != SQLITE_OK)
		return ofs__sq_err(s, "stamp the schema version");
	return 0;
}

static int open_rw(struct sq *s, const char *dir, int flags, char *err)
{
	int e = ofs_dirlock_take(&s->lock, dir, "offswitch.lock", 0, err);
	if (e)
		return e;
	/* NOMUTEX: a handle is used by one thread at a time (store.h), so
	 * SQLite's own lock around every call (~3 % of a batch run) buys nothing. */
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return ofs_fail(err, OFS_EIO, "cannot open database %s: %s", s->path,
		                s->db ? sqlite3_errmsg(s->db) : "out of memory");
	if (sqlite3_db_readonly(s->db, "main") == 1)
		return ofs_fail(err, OFS_EIO, "%s is read-only; offswitch needs to write it (nothing was changed)", s->path);
	sqlite3_busy_timeout(s->db, 5000);
	long long v;
	int stamped;
	if ((e = vet(s, flags, &v, &stamped)))
		return ofs_fail(err, e, "%s", s->base.errmsg);
	char *msg = NULL, stamp[96] = "";
	if (!v && !stamped)
		snprintf(stamp, sizeof stamp, "PRAGMA application_id=%d; PRAGMA user_version=%d;", SQ_APP_ID, SQ_SCHEMA);
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, "BEGIN IMMEDIATE;", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, stamp, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, "COMMIT;", NULL, NULL, &msg) != SQLITE_OK) {
		e = sqlite3_errcode(s->db) == SQLITE_NOTADB || sqlite3_errcode(s->db) == SQLITE_CORRUPT ? OFS_ECORRUPT : OFS_EIO;
		ofs_fail(err, e, "cannot set up database %s: %s", s->path, msg ? msg : "?");
		sqlite3_free(msg);
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
		return e;
	}
	if ((e = migrate(s, v, stamped)))
		return ofs_fail(err, e, "%s", s->base.errmsg);
	for (int i = 0; i < Q__N; i++)
		if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL) != SQLITE_OK)
			return ofs_fail(err, ofs__sq_err(s, "prepare"), "%s", s->base.errmsg);
	if ((e = load_blobs(s)))
		return ofs_fail(err, e, "%s", s->base.errmsg);
	return 0;
}

static int open_ro(struct sq *s, const char *dir, int flags, char *err)
{
	if (access(s->path, F_OK))
		return ofs_fail(err, OFS_EIO,
		                "%s is not a run directory: it has no offswitch.db (make one with offswitch run --out %s)", dir,
		                dir);
	int e;
	if ((flags & OFS__STORE_NOCHECK) && !(flags & OFS__STORE_BESIDE) &&
	    (e = ofs_dirlock_take(&s->lock, dir, "offswitch.lock", 1, err)))
		return e;
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return ofs_fail(err, OFS_EIO, "cannot open %s: %s", s->path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
	long long v;
	int stamped;
	if ((e = vet(s, flags, &v, &stamped)))
		return ofs_fail(err, e, "%s", s->base.errmsg);
	if (!v) /* nothing committed yet: a first open killed before its schema */
		return ofs_fail(err, OFS_ENOTFOUND, "%s holds no run yet: it is empty", s->path);
	s->no_aware = !has_aware(s);
	s->no_monitor = !has_monitor(s);
	s->no_compact = !has_compact(s);
	return 0;
}

/* The registry's open: location is the run directory. */
static int sq_open(struct ofs_store **out, const char *dir, int flags, char *err)
{
	struct sq *s = sq_new(flags & OFS__STORE_RO);
	if ((size_t)snprintf(s->path, sizeof s->path, "%s/offswitch.db", dir) >= sizeof s->path) {
		sq_close(&s->base);
		return ofs_fail(err, OFS_EIO, "run directory path too long: %s", dir);
	}
	int e = s->ro ? open_ro(s, dir, flags, err) : open_rw(s, dir, flags, err);
	if (e) {
		sq_close(&s->base);
		return e;
	}
	*out = &s->base;
	return 0;
}

const struct ofs_store_kind ofs__store_sqlite = {"sqlite", sq_open};
