/* pg_int.h — what the PostgreSQL store's files share (postgres.c: open,
 * schema and migrations, transactions, blobs, runs and configs;
 * postgres_write.c: rollouts and verdicts; postgres_read.c: scans and
 * lookups; pg_url.c: the URL's display form). Not a public API.
 *
 * Every libpq call's result is checked; a failure sets the handle's message
 * "<url with the password masked>: WHAT: <libpq's message, scrubbed of the
 * password>" and returns OFS_EIO. */
#ifndef OFFSWITCH_PG_INT_H
#define OFFSWITCH_PG_INT_H
#include <libpq-fe.h>

#include "store/store_int.h"

/* Statements prepared once per read-write connection (PQprepare). */
enum { PQ_CONFIG_GET, PQ_CONFIG_ADD, PQ_BLOB_ADD, PQ_ROLLOUT, PQ_MSG, PQ_CALL, PQ_OUTCOME, PQ__N };

/* In-memory index of blob ids by hash (as in the SQLite member). */
struct pg_bslot {
	uint64_t h1, h2;
	long long id;
};

/* Rows fetched per round trip by the paged scans (the cap on what one
 * scan holds in memory). */
#define PG_PAGE 1000
/* Longest connection URL accepted (and its display form). */
#define PG_URL_MAX 2048

struct pg {
	struct ofs_store base; /* first: the dispatcher's view */
	PGconn *conn;
	/* Where blobs are inserted: conn itself for a single writer; for a
	 * shared writer (a worker) a second connection where each insert
	 * commits at once — two writers storing the same texts in their open
	 * transactions would otherwise wait on each other. NULL until needed. */
	PGconn *bconn;
	int shared; /* joined the work queue: other writers share the store */
	/* the pipeline of ofs__pg_batch_*: statements sent and not yet read,
	 * and its first failure (0: none) */
	int batch_sent, batch_err;
	char url[PG_URL_MAX];  /* as given, with the password: never printed */
	char show[PG_URL_MAX]; /* the display form: password masked */
	long long run_id;
	int in_tx, ro;
	int version; /* the database's schema version */
	struct pg_bslot *slots;
	size_t nslots, used;
};

/* ---- pg_url.c ---- */
/* ofs__pg_display: store_int.h. */
/* msg with every occurrence of url's password (as written and
 * percent-decoded, when at least 1 character long) replaced by "***", in place. */
void ofs__pg_scrub(char *msg, size_t n, const char *url);

/* ---- postgres.c ---- */
/* Set the message "DISPLAY: what: <libpq's message>" (scrubbed); OFS_EIO. */
int ofs__pg_err(struct pg *s, const char *what);
/* Check a result: 0 when its status is want (PQclear'd by the caller), else
 * the error (res cleared, *res NULL). */
int ofs__pg_ok(struct pg *s, PGresult **res, ExecStatusType want, const char *what);
/* Run sql with text parameters (NULL: SQL NULL); the result in *res when res
 * is given (the caller PQclears it), else cleared. want: PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK. */
int ofs__pg_exec(struct pg *s, const char *sql, int n, const char *const *v, ExecStatusType want, PGresult **res,
                 const char *what);
/* The same with a statement prepared at open (PQ_*). */
int ofs__pg_prepared(struct pg *s, int q, int n, const char *const *v, ExecStatusType want, PGresult **res, const char *what);
/* Open the transaction the writes go into (no-op when one is open);
 * OFS_ESTATE when read-only. */
int ofs__pg_tx(struct pg *s);
int ofs__pg_commit(struct ofs_store *st);
/* Id of the blob holding text, inserting it if new; negative OFS_E* on error. */
long long ofs__pg_blob(struct pg *s, const char *text);
/* Column helpers: NULL for SQL NULL; integers 0 / -1 for NULL. */
const char *ofs__pg_text(const PGresult *r, int row, int col);
long long ofs__pg_ll(const PGresult *r, int row, int col);
/* A number as text into buf (24 bytes). */
const char *ofs__pg_num(char *buf, long long v);

/* Statements without results sent as one pipeline (libpq's pipeline
 * mode): begin; send each (a prepared PQ_* with text parameters; a failure
 * is kept, the rest of the batch is then skipped by the server); end: sync,
 * read every result, leave pipeline mode; 0 or the first failure's code with
 * its message. Every OFS_PG_BATCH statements are synced and read on the way
 * (so neither side's buffers fill up). No other query between begin and end. */
#define OFS_PG_BATCH 256
int ofs__pg_batch_begin(struct pg *s);
void ofs__pg_batch_send(struct pg *s, int q, int n, const char *const *v, const char *what);
int ofs__pg_batch_end(struct pg *s);

/* Paged scan: sql selects its nkeys key columns first and takes them as
 * $1..$nkeys ("WHERE (k1,k2) > ($1,$2) ORDER BY k1,k2 LIMIT <PG_PAGE>");
 * row(r, i, ctx) gets each row until it returns nonzero. */
int ofs__pg_pages(struct pg *s, const char *sql, int nkeys, const char *what, int (*row)(PGresult *r, int i, void *ctx),
                  void *ctx);

/* The member's functions, by file. */
int ofs__pg_rollout(struct ofs_store *st, const struct ofs_rollout_rec *r);
int ofs__pg_begin_rollout(struct ofs_store *st, long long config_id, int rep, long long *rid);
int ofs__pg_append(struct ofs_store *st, long long rid, const struct ofs_chat *chat, int from);
int ofs__pg_finish_rollout(struct ofs_store *st, long long rid, const struct ofs_rollout_rec *r);
int ofs__pg_drop(struct ofs_store *st, long long rid);
int ofs__pg_reopen(struct ofs_store *st, long long rid, int keep, int *stored);
int ofs__pg_export_jsonl(struct ofs_store *st, const char *path, long *count);
int ofs__pg_judgments_init(struct ofs_store *st);
int ofs__pg_judgment(struct ofs_store *st, const struct ofs_judgment_rec *j);
/* the follow-up interview (postgres_interview.c) */
int ofs__pg_iv_write(struct pg *s, long long rid, const struct ofs_rollout_rec *r);
int ofs__pg_each_interview(struct ofs_store *st, ofs_interview_cb cb, void *ud);

int ofs__pg_unfinished(struct ofs_store *st, long long config_id, struct ofs_unfinished *u, int max, int *n);
int ofs__pg_turns(struct ofs_store *st, long long rid, struct ofs_arena *A, struct ofs_response **turns, int *n);
int ofs__pg_rollouts(struct ofs_store *st, struct ofs_rollout_ref **refs, long *n);
long ofs__pg_planned(struct ofs_store *st);
int ofs__pg_first_run(struct ofs_store *st, char *command, size_t n);
int ofs__pg_scan(struct ofs_store *st, ofs_scan_cb cb, void *ud);
int ofs__pg_each_message(struct ofs_store *st, ofs_msg_cb cb, void *ud);
int ofs__pg_each_call(struct ofs_store *st, ofs_call_cb cb, void *ud);
int ofs__pg_rates(struct ofs_store *st, ofs_rate_cb cb, void *ud);
int ofs__pg_judged(struct ofs_store *st, long long rid, const char *question, const char *judge_model);
int ofs__pg_each_judgment(struct ofs_store *st, ofs_judgment_cb cb, void *ud);
int ofs__pg_integrity(struct ofs_store *st, ofs_problem_cb cb, void *ud, long *n);
int ofs__pg_records(struct ofs_store *st, ofs_record_cb cb, void *ud);
int ofs__pg_each_config(struct ofs_store *st, ofs_config_cb cb, void *ud);

int ofs__pg_enqueue(struct ofs_store *st, long long config_id, int reps, long *added);
int ofs__pg_worker_join(struct ofs_store *st, const char *host, long pid, int lease_s, long long *wid);
int ofs__pg_claim(struct ofs_store *st, long long wid, int max, struct ofs_claim *c, int *n);
int ofs__pg_heartbeat(struct ofs_store *st, long long wid, int *stop);
int ofs__pg_settle(struct ofs_store *st, long long wid, long long config_id, int rep, int done);
int ofs__pg_worker_leave(struct ofs_store *st, long long wid, const char *state);
int ofs__pg_request_stop(struct ofs_store *st);
int ofs__pg_queue(struct ofs_store *st, struct ofs_queue_counts *q);
int ofs__pg_each_worker(struct ofs_store *st, ofs_worker_cb cb, void *ud);
#endif
