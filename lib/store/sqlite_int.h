/* sqlite_int.h — what the SQLite store's files share (sqlite.c: schema, open,
 * transactions, blobs and configs; sqlite_write.c: rollouts and verdicts;
 * sqlite_read.c: scans and lookups). Not a public API. */
#ifndef OFFSWITCH_SQLITE_INT_H
#define OFFSWITCH_SQLITE_INT_H
#include <sqlite3.h>

#include "offswitch/lock.h"
#include "store/store_int.h"

/* Statements prepared once per read-write handle. */
enum { Q_CONFIG_GET, Q_CONFIG_ADD, Q_DONE, Q_BLOB_ADD, Q_ROLLOUT, Q_MSG, Q_CALL, Q_OUTCOME, Q__N };

/* Statements prepared on first use and kept (read-only handles too): the
 * ones called once per rollout by replay, rescore and export, and by the
 * network engine (a rollout's begin, a configuration's unfinished ones). */
enum { LZ_TURNS, LZ_TURN_CALLS, LZ_FINISH, LZ_DEL_OUTCOMES, LZ_BEGIN, LZ_UNFINISHED, LZ__N };

/* In-memory index of blobs by hash, so a repeated text costs no query. */
struct bslot {
	uint64_t h1, h2;
	long long id;
};

struct sq {
	struct ofs_store base; /* first: the dispatcher's view */
	sqlite3 *db;
	char path[4096];          /* DIR/offswitch.db, for messages */
	struct ofs_dirlock *lock; /* DIR/offswitch.lock while open read-write */
	sqlite3_stmt *q[Q__N];    /* NULL when read-only */
	sqlite3_stmt *lz[LZ__N];  /* ofs__sq_lazy's, NULL until first used */
	long long run_id;
	int in_tx, ro;
	int no_aware;          /* a read-only schema-1 file: outcomes has no eval_aware and deceived columns (read as NULL) */
	int no_monitor;        /* a read-only file before schema 3: no act_reported and false_alarm columns (read as NULL) */
	int no_compact;        /* a read-only file before schema 5: rollouts has no sum_head and sum_tail columns */
	struct ofs_buf sumbuf; /* the compact summary being checked (sqlite_write.c) */
	struct bslot *slots;
	size_t nslots, used;
};

/* The handle's message "DIR/offswitch.db: WHAT: <sqlite's message>"; returns
 * OFS_ECORRUPT for a damaged or foreign file, OFS_EIO otherwise. */
int ofs__sq_err(struct sq *s, const char *what);
/* After a row loop: 0 if rc is SQLITE_DONE (or SQLITE_ROW, the callback
 * stopped early), else the error. */
int ofs__sq_end(struct sq *s, int rc, const char *what);
/* Open the transaction the writes go into (no-op when one is open). */
int ofs__sq_tx(struct sq *s);
int ofs__sq_commit(struct ofs_store *st);
/* Statement k (LZ_*) of sql, prepared on first use, else reset and its
 * bindings cleared; the caller resets it when done (a statement left
 * mid-scan would hold its read snapshot). 0 or the store's error. */
int ofs__sq_lazy(struct sq *s, int k, const char *sql, sqlite3_stmt **q);
/* Prepare, bind a and (if the statement has two parameters) b, step once. */
int ofs__sq_exec1(struct sq *s, const char *sql, long long a, long long b);
/* Id of the blob holding text, inserting it if new; negative OFS_E* on error. */
long long ofs__sq_blob(struct sq *s, const char *text);
long long ofs__sq_blobn(struct sq *s, const char *text, size_t n); /* text[0..n), n < 2 GiB */
/* A rollout's summary as schema 4's two blobs (*head, *tail), or 0, 0 when
 * it does not split exactly (stored whole); negative OFS_E* on error. */
int ofs__sq_summary_split(struct sq *s, const struct ofs_rollout_rec *r, long long *head, long long *tail);
void ofs__sq_bind_text(sqlite3_stmt *st, int i, const char *v); /* NULL binds NULL */
const char *ofs__sq_col_text(sqlite3_stmt *st, int i);

/* Schema 5 stores a rollouts.jsonl line as two blobs — its head (the
 * configuration's fields, shared by every rep) and its tail (evaluation,
 * usage, status: the same for the reps of a deterministic agent) — around the
 * rep and the transcript, which have columns of their own; summary is then ''.
 * ofs__sq_summary_cols is the select list that ofs__sq_summary_read reads from
 * column `at` on (rollouts aliased r); the line, rebuilt, goes into b. */
const char *ofs__sq_summary_cols(const struct sq *s);
const char *ofs__sq_summary_read(struct ofs_buf *b, sqlite3_stmt *q, int at);

/* The members' functions, by file. */
int ofs__sq_rollout(struct ofs_store *st, const struct ofs_rollout_rec *r);
int ofs__sq_begin_rollout(struct ofs_store *st, long long config_id, int rep, long long *rid);
int ofs__sq_append(struct ofs_store *st, long long rid, const struct ofs_chat *chat, int from);
int ofs__sq_finish_rollout(struct ofs_store *st, long long rid, const struct ofs_rollout_rec *r);
int ofs__sq_drop(struct ofs_store *st, long long rid);
int ofs__sq_reopen(struct ofs_store *st, long long rid, int keep, int *stored);
int ofs__sq_export_jsonl(struct ofs_store *st, const char *path, long *count);
int ofs__sq_judgments_init(struct ofs_store *st);
int ofs__sq_judgment(struct ofs_store *st, const struct ofs_judgment_rec *j);

int ofs__sq_unfinished(struct ofs_store *st, long long config_id, struct ofs_unfinished *u, int max, int *n);
int ofs__sq_turns(struct ofs_store *st, long long rid, struct ofs_arena *A, struct ofs_response **turns, int *n);
int ofs__sq_rollouts(struct ofs_store *st, struct ofs_rollout_ref **refs, long *n);
long ofs__sq_planned(struct ofs_store *st);
int ofs__sq_first_run(struct ofs_store *st, char *command, size_t n);
int ofs__sq_scan(struct ofs_store *st, ofs_scan_cb cb, void *ud);
int ofs__sq_each_message(struct ofs_store *st, ofs_msg_cb cb, void *ud);
int ofs__sq_each_call(struct ofs_store *st, ofs_call_cb cb, void *ud);
int ofs__sq_rates(struct ofs_store *st, ofs_rate_cb cb, void *ud);
int ofs__sq_judged(struct ofs_store *st, long long rid, const char *question, const char *judge_model);
int ofs__sq_each_judgment(struct ofs_store *st, ofs_judgment_cb cb, void *ud);
/* the follow-up interview (sqlite_interview.c) */
int ofs__sq_iv_write(struct sq *s, long long rid, const struct ofs_rollout_rec *r);
int ofs__sq_each_interview(struct ofs_store *st, ofs_interview_cb cb, void *ud);
int ofs__sq_integrity(struct ofs_store *st, ofs_problem_cb cb, void *ud, long *n);
int ofs__sq_records(struct ofs_store *st, ofs_record_cb cb, void *ud);
int ofs__sq_each_config(struct ofs_store *st, ofs_config_cb cb, void *ud);
#endif
