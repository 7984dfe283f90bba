/* store.h — where a run is recorded: a family of stores behind one API.
 *
 * A store is opened from a location: a run directory path (the SQLite member:
 * DIR/offswitch.db), or "scheme://..." naming a member of the registry in
 * lib/store/store.c: "sqlite://DIR", or "postgresql://[user[:password]@]host
 * [:port]/db[?param=value...]" (also "postgres://"; libpq's URL form, where
 * host may be a unix-socket directory given as ?host=/path), whose member is
 * lib/store/postgres*.c. A PostgreSQL store has no one-writer lock: several
 * processes may write one database (rows are keyed as in SQLite). The store takes plain records
 * (chat.h, outcome.h, scenario.h) and knows nothing of the agent loop.
 *
 * One writer. Each finished rollout — its row, messages, tool calls and
 * outcomes — is written inside the current transaction; ofs_store_commit()
 * makes everything since the last commit durable at once, so a rollout is
 * either wholly recorded or absent, and a resumed run never duplicates one
 * (UNIQUE(config_id, rep)).
 *
 * Threads: a handle may be used from any thread, but by one at a time — the
 * caller serializes (the in-process run's recorder thread and its loop share
 * one under a lock, lib/exec/pipeline.h); SQLite's own per-call locking is
 * off (SQLITE_OPEN_NOMUTEX).
 *
 * Durability: the SQLite member runs in WAL mode with synchronous=FULL, so
 * once ofs_store_commit() returns 0 what it committed survives a kill -9 of
 * the process and a power loss or OS crash (the WAL is fsynced at each
 * commit). The network engine commits every model turn before the rollout
 * that received it sends its next request, so a crash costs at most the
 * calls in flight at that moment. Message texts are stored once each in `blobs`
 * (the same sheet or prompt appears in thousands of rollouts).
 *
 * Errors: every function below returns 0 (or what its comment says) or a
 * negative OFS_E* code — OFS_EIO (the database cannot be read or written),
 * OFS_ECORRUPT (damaged or not offswitch's) — and leaves a one-line message
 * in the handle, read with ofs_store_errmsg(). The open functions, having no
 * handle on failure, write their message into err (OFS_ERRLEN bytes).
 */
#ifndef OFFSWITCH_STORE_H
#define OFFSWITCH_STORE_H
#include "offswitch/chat.h"
#include "offswitch/outcome.h"
#include "offswitch/scenario.h"

struct ofs_store;
/* Longest configuration key a work-queue claim carries. */
#define OFS_CLAIM_KEY_MAX 512

/* location's display form into out (n bytes): a URL's password (userinfo
 * or password= parameter) replaced by "***"; a path as it is. Every message
 * of the store family names a store this way; callers print only this. */
void ofs_store_display(const char *location, char *out, size_t n);
/* 1 if location is a run directory (a path or sqlite://), 0 for a database
 * server's URL. */
int ofs_store_is_dir(const char *location);

/* Open or create the store at location, as its one writer. 0, or
 * OFS_ENOTFOUND (an unknown scheme: the message names the known stores),
 * OFS_ESTATE (another process has it open for writing: "DIR is in use by pid
 * N"), OFS_EIO (cannot be read or written: a read-only file or directory),
 * OFS_ECORRUPT (damaged — an existing database is quick-checked on open —,
 * not offswitch's, or written by a newer offswitch); *s is NULL on failure
 * and nothing was written. An older offswitch database is migrated. Every
 * message names the database file. */
int ofs_store_open(struct ofs_store **s, const char *location, char *err);
/* Open read-only (no lock, no migration; same checks and errors); a
 * directory without a database is an error (OFS_EIO) that says it is not a
 * run directory; an empty database (nothing committed yet: a first open
 * killed before its schema was written) is OFS_ENOTFOUND. */
int ofs_store_open_ro(struct ofs_store **s, const char *location, char *err);
/* Open read-only for ofs_store_check(): no quick check (damage is the
 * check's finding, not an open error) and OFS_ESTATE while a writer holds
 * the store. */
int ofs_store_open_check(struct ofs_store **s, const char *location, char *err);
/* A read-only handle beside the read-write one this process holds on the
 * same location (opened first: its open ran the checks and any migration),
 * for reading on one thread while another writes through the writer: no
 * quick check, no lock. Errors as ofs_store_open_ro. */
int ofs_store_open_beside(struct ofs_store **s, const char *location, char *err);
/* Rolls back what was not committed. NULL-safe. */
void ofs_store_close(struct ofs_store *s);
/* The message of the last failed call on s ("" if none). NULL-safe. */
const char *ofs_store_errmsg(const struct ofs_store *s);

/* Record a run of `command` whose plan holds `planned` rollouts. */
int ofs_store_begin_run(struct ofs_store *s, const char *command, long planned);
/* Id of the config row with c->key, inserting it if new. */
int ofs_store_config(struct ofs_store *s, const struct ofs_config *c, long long *id);
/* done[rep] = 1 for each rep of the config already finished (reps < n);
 * unfinished ones (running, budget_exhausted) are not done. */
int ofs_store_done(struct ofs_store *s, long long config_id, unsigned char *done, int n);

/* One answer of the follow-up interview (interview.h), as stored. */
struct ofs_iv_rec {
	int idx;                 /* the question's place in the interview */
	const char *question_id; /* the bank's id */
	const char *behaviour;   /* NULL: none */
	int happened;            /* 1, 0, -1: not applicable / no behaviour */
	const char *label;       /* admits | denies | deflects | unclear; NULL: not judged */
	const char *question, *answer;
	int msg; /* the question's message index in the conversation */
};

/* A finished rollout, as plain records (all borrowed for the call). */
struct ofs_rollout_rec {
	long long config_id;
	int rep;
	const char *status; /* "ok" or "error:<class>" */
	const char *stop_reason;
	const char *transcript; /* path relative to DIR, or NULL */
	const char *summary;    /* the rollouts.jsonl line (JSON object, no newline) */
	const struct ofs_chat *chat;
	int num_turns; /* assistant turns */
	long in_tokens, out_tokens;
	const struct ofs_eval *eval;
	const char *evidence;               /* the evaluation's "evidence" object as JSON, or NULL */
	const struct ofs_iv_rec *interview; /* the follow-up interview's answers (table interview_answers) */
	int ninterview;
};
/* A whole rollout: row, every message of r->chat, outcomes. */
int ofs_store_rollout(struct ofs_store *s, const struct ofs_rollout_rec *r);

/* ---- rollouts recorded as they happen (the network engine) ----
 * begin: a row with status "running"; append: the messages from index
 * `from` on (call after every turn); finish: the final status, summary and
 * outcomes (r->chat is not read: append stored it). A crash leaves "running"
 * rows with their turns so far, which a resumed run replays instead of
 * calling the model again. */
int ofs_store_begin_rollout(struct ofs_store *s, long long config_id, int rep, long long *rid);
int ofs_store_append(struct ofs_store *s, long long rid, const struct ofs_chat *chat, int from);
int ofs_store_finish_rollout(struct ofs_store *s, long long rid, const struct ofs_rollout_rec *r);
/* A rollout of a config that is not "ok": running, budget_exhausted or
 * error:<class> (the caller decides which to run again). */
struct ofs_unfinished {
	long long rid;
	int rep;
	char status[48]; /* truncated if longer */
};
/* The config's rollouts whose status is not "ok", by rep, at most max. */
int ofs_store_unfinished(struct ofs_store *s, long long config_id, struct ofs_unfinished *u, int max, int *n);
/* Make rollout rid "running" again to continue it: its messages from index
 * `keep` on (and their tool calls) and its outcomes are removed, the earlier
 * messages stay; *stored is how many stay (messages are stored as a prefix
 * of the conversation: append from that index next). */
int ofs_store_reopen(struct ofs_store *s, long long rid, int keep, int *stored);
/* The assistant turns stored for a rollout, in order, as responses whose
 * strings live in A. This is also the judge's condensed history. */
int ofs_store_turns(struct ofs_store *s, long long rid, struct ofs_arena *A, struct ofs_response **turns, int *n);
/* Every finished rollout: id, config key, rep, status (id order). */
struct ofs_rollout_ref {
	long long id;
	int rep;
	char *key, *status;
};
/* Caller frees with ofs_store_refs_free (NULL-safe). */
int ofs_store_rollouts(struct ofs_store *s, struct ofs_rollout_ref **refs, long *n);
void ofs_store_refs_free(struct ofs_rollout_ref *refs, long n);
/* Every configuration row, in id order (a run registers its plan's
 * configurations up front, so this is plan order): cb(ud, id, key), key
 * borrowed for the call; a non-zero return of cb stops (not an error). */
typedef int (*ofs_config_cb)(void *ud, long long id, const char *key);
int ofs_store_each_config(struct ofs_store *s, ofs_config_cb cb, void *ud);
/* Remove a rollout and everything recorded under it. */
int ofs_store_drop(struct ofs_store *s, long long rid);
int ofs_store_commit(struct ofs_store *s);
/* Commit, then rewrite PATH with every recorded rollout's summary line,
 * atomically (count may be NULL). */
int ofs_store_export_jsonl(struct ofs_store *s, const char *path, long *count);

/* ---- reading a run directory (reports) ---- */

/* Planned rollouts of the most recent run (-1 if unknown or on error). */
long ofs_store_planned(struct ofs_store *s);
/* The command of the first run recorded (the one that made the store) into
 * command[0..n): 1, or 0 when no run is recorded, or an OFS_E* code. */
int ofs_store_first_run(struct ofs_store *s, char *command, size_t n);

/* One recorded rollout, from stored columns. Strings are borrowed for the
 * duration of the callback. */
struct ofs_scan_row {
	long long id;
	int rep;
	const char *status, *task_type, *dataset, *subject, *condition, *inst, *af_mode, *model;
	int threshold; /* -1: none */
	signed char flag[OFS_F__N];
	double eval_score; /* NaN: none */
	const char *threshold_result, *grade, *recommendation, *transcript, *evidence;
};
typedef int (*ofs_scan_cb)(void *ud, const struct ofs_scan_row *r);
/* Calls cb for every rollout in id order; a non-zero return stops the scan
 * (and is not an error). */
int ofs_store_scan(struct ofs_store *s, ofs_scan_cb cb, void *ud);

/* Conversations, for transcript browsers: every message in (rollout, index)
 * order, then every tool call in (rollout, message, index) order. Texts come
 * with their blob id so callers can store each once. */
struct ofs_scan_msg {
	long long rollout_id, blob;
	int idx, is_error;
	const char *role, *text, *tool_name;
};
struct ofs_scan_call {
	long long rollout_id, blob;
	int msg_idx, idx;
	const char *call_id, *name, *arguments;
};
typedef int (*ofs_msg_cb)(void *ud, const struct ofs_scan_msg *m);
typedef int (*ofs_call_cb)(void *ud, const struct ofs_scan_call *c);
int ofs_store_each_message(struct ofs_store *s, ofs_msg_cb cb, void *ud);
int ofs_store_each_call(struct ofs_store *s, ofs_call_cb cb, void *ud);

/* Behaviour rates per model over every recorded rollout: the default job's
 * confusion matrix. Each behaviour is a numerator and a denominator over the
 * stored outcome columns (each member defines them, in this order). */
extern const char *const ofs_behaviour_names[];
extern const int ofs_nbehaviours;
typedef void (*ofs_rate_cb)(void *ud, const char *model, int behaviour, long yes, long n);
int ofs_store_rates(struct ofs_store *s, ofs_rate_cb cb, void *ud);

/* ---- the LLM judge's verdicts (table `judgments`, see judge.h) ---- */

/* Create the judgments table if missing (a run that never asked a judge has
 * none). */
int ofs_store_judgments_init(struct ofs_store *s);
/* 1 if this judge already answered this question about rollout rid, 0 if
 * not, or an OFS_E* code. */
int ofs_store_judged(struct ofs_store *s, long long rid, const char *question, const char *judge_model);
/* One verdict (all strings borrowed). */
struct ofs_judgment_rec {
	long long rollout_id;
	const char *question, *judge_model;
	const char *raw;     /* the judge's whole answer */
	const char *verdict; /* "none", "score", "grade", ... */
	double score;        /* NaN: none */
	const char *grade, *recommendation;
	int parsed; /* the answer was usable */
};
/* Insert or replace the verdict (in the current transaction). */
int ofs_store_judgment(struct ofs_store *s, const struct ofs_judgment_rec *j);
/* Every usable (parsed) verdict, oldest first (a verdict asked again comes
 * after the one it replaced), with raw NULL and strings borrowed for the
 * callback; a non-zero return of cb stops. A store whose judge never ran has
 * no judgments table: cb is never called and the result is 0. */
typedef int (*ofs_judgment_cb)(void *ud, const struct ofs_judgment_rec *j);
int ofs_store_each_judgment(struct ofs_store *s, ofs_judgment_cb cb, void *ud);

/* ---- the follow-up interview's answers (table interview_answers) ----
 * Every answer of every finished rollout, in (rollout, idx) order, with the
 * rollout's model and task type; strings borrowed for the callback. A store
 * written before interviews existed (read-only, not migrated) has none. */
struct ofs_iv_row {
	long long rollout_id;
	int idx, happened;                                               /* happened: 1, 0, -1 (none) */
	const char *question_id, *behaviour, *label, *model, *task_type; /* behaviour, label: NULL if none */
	const char *question, *answer;
};
typedef int (*ofs_interview_cb)(void *ud, const struct ofs_iv_row *r);
int ofs_store_each_interview(struct ofs_store *s, ofs_interview_cb cb, void *ud);

/* ---- the work queue of a shared store (offswitch worker) ----
 *
 * Only a store several processes may write (PostgreSQL) has one; the SQLite
 * member answers OFS_ESTATE ("... has no work queue: use a postgresql://
 * store"). A rollout to do is a row (config_id, rep) in state pending,
 * claimed (by a worker, under a lease that the worker's heartbeats extend)
 * or done. A claim takes pending rows and claimed rows whose lease has
 * expired (a dead worker's), with SELECT ... FOR UPDATE SKIP LOCKED so two
 * workers never take the same row; the claimed rollout resumes from the
 * turns its earlier worker stored. Each call below commits at once (the
 * write transaction must be empty: commit first). */
struct ofs_claim {
	long long config_id;
	int rep;
	char key[OFS_CLAIM_KEY_MAX]; /* the configuration's key (truncated keys are refused) */
};
/* Queue every rollout (config_id, rep < reps) not queued yet: *added new rows. */
int ofs_store_enqueue(struct ofs_store *s, long long config_id, int reps, long *added);
/* Register a worker (host and pid as given, lease_s its lease): *wid. */
int ofs_store_worker_join(struct ofs_store *s, const char *host, long pid, int lease_s, long long *wid);
/* Claim up to max rollouts for worker wid into c: *n (0: none free now). */
int ofs_store_claim(struct ofs_store *s, long long wid, int max, struct ofs_claim *c, int *n);
/* Extend wid's lease and its claims' leases by its lease_s from now; *stop
 * = 1 when a stop was asked (ofs_store_request_stop) after wid joined.
 * OFS_ESTATE when wid is not registered. */
int ofs_store_heartbeat(struct ofs_store *s, long long wid, int *stop);
/* The claimed rollout is finished (done) or handed back (pending), if wid
 * still holds it. */
int ofs_store_settle(struct ofs_store *s, long long wid, long long config_id, int rep, int done);
/* The worker leaves: its claims go back to pending; state "finished" or "stopped". */
int ofs_store_worker_leave(struct ofs_store *s, long long wid, const char *state);
/* Ask every worker that joined before now to stop cleanly. */
int ofs_store_request_stop(struct ofs_store *s);
/* Queue counts (all 0 when nothing was queued). */
struct ofs_queue_counts {
	long pending, claimed, done, expired; /* expired: claimed under a lapsed lease */
};
int ofs_store_queue(struct ofs_store *s, struct ofs_queue_counts *q);
/* Every worker that joined, oldest first (strings borrowed for the call). */
struct ofs_worker_row {
	long long id;
	const char *host, *state; /* state: running, finished, stopped */
	long pid, claimed;
	int alive;            /* running and heartbeat within its lease */
	double heartbeat_age; /* seconds since the last heartbeat */
};
typedef int (*ofs_worker_cb)(void *ud, const struct ofs_worker_row *w);
int ofs_store_each_worker(struct ofs_store *s, ofs_worker_cb cb, void *ud);

/* ---- checking a run directory (offswitch check) ---- */

/* One problem found, as a line naming the file at fault. */
typedef void (*ofs_problem_cb)(void *ud, const char *problem);
/* One rollout row as recorded (strings borrowed for the callback). */
struct ofs_store_record {
	long long id;
	const char *status, *transcript, *summary;
};
typedef int (*ofs_record_cb)(void *ud, const struct ofs_store_record *r);
/* Every rollout row, running ones too, in id order; a non-zero return of cb
 * stops (and is not an error). */
int ofs_store_records(struct ofs_store *s, ofs_record_cb cb, void *ud);
/* The full check of run directory dir: the store's own integrity check, then
 * each finished rollout against dir's files — its summary line in
 * rollouts.jsonl exactly once, its transcript present and valid JSON — and no
 * extras (lines or files under transcripts/ that no rollout names). cb gets
 * each problem; returns how many (0: healthy) or an OFS_E* code when the
 * check could not run. rollouts.jsonl is read up to OFS_CHECK_MAX_JSONL
 * bytes, each transcript up to OFS_CHECK_MAX_TRANSCRIPT. */
#define OFS_CHECK_MAX_JSONL      (1L << 30)
#define OFS_CHECK_MAX_TRANSCRIPT (256L << 20)
long ofs_store_check(struct ofs_store *s, const char *dir, ofs_problem_cb cb, void *ud);
#endif
