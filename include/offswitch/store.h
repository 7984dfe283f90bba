/* store.h — the run directory's SQLite database (DIR/offswitch.db).
 *
 * One writer. Each finished rollout — its row, messages, tool calls and
 * outcomes — is written inside the current transaction; ofs_store_commit()
 * makes everything since the last commit durable at once, so a rollout is
 * either wholly recorded or absent, and a resumed run never duplicates one
 * (UNIQUE(config_id, rep)). Message texts are stored once each in `blobs`
 * (the same sheet or prompt appears in thousands of rollouts).
 */
#ifndef OFFSWITCH_STORE_H
#define OFFSWITCH_STORE_H
#include "offswitch/detect.h"

struct ofs_store;

/* Open or create DIR/offswitch.db. */
int ofs_store_open(struct ofs_store **s, const char *dir, char *err);
void ofs_store_close(struct ofs_store *s);
/* Record a run of `command` whose plan holds `planned` rollouts. */
int ofs_store_begin_run(struct ofs_store *s, const char *command, long planned, char *err);
/* Id of the config row with c->key, inserting it if new. */
int ofs_store_config(struct ofs_store *s, const struct ofs_config *c, long long *id, char *err);
/* done[rep] = 1 for each rep of the config already finished (reps < n);
 * unfinished ones (running, budget_exhausted) are not done. */
int ofs_store_done(struct ofs_store *s, long long config_id, unsigned char *done, int n, char *err);

struct ofs_rollout_rec {
	long long config_id;
	int rep;
	const char *status; /* "ok" or "error:<class>" */
	const char *stop_reason;
	const char *transcript; /* path relative to DIR */
	const char *summary;    /* the rollouts.jsonl line (JSON object, no newline) */
	const struct ofs_loop *loop;
	const struct ofs_eval *eval;
	const char *evidence; /* the evaluation's "evidence" object as JSON, or NULL */
};
int ofs_store_rollout(struct ofs_store *s, const struct ofs_rollout_rec *r, char *err);

/* ---- rollouts recorded as they happen (the network engine) ----
 * begin: a row with status "running"; append: the messages from index
 * `from` on (call after every turn); finish: the final status, summary and
 * outcomes. A crash leaves "running" rows with their turns so far, which a
 * resumed run replays instead of calling the model again. */
int ofs_store_begin_rollout(struct ofs_store *s, long long config_id, int rep, long long *rid, char *err);
int ofs_store_append(struct ofs_store *s, long long rid, const struct ofs_chat *chat, int from, char *err);
int ofs_store_finish_rollout(struct ofs_store *s, long long rid, const struct ofs_rollout_rec *r, char *err);
/* Unfinished rollouts of a config (status running or budget_exhausted). */
int ofs_store_unfinished(struct ofs_store *s, long long config_id, long long *rids, int *reps, int max, int *n, char *err);
/* The assistant turns stored for a rollout, in order, as responses whose
 * strings live in A. */
int ofs_store_turns(struct ofs_store *s, long long rid, struct ofs_arena *A, struct ofs_response **turns, int *n, char *err);
/* Every finished rollout: id, config key, rep, status (id order). */
struct ofs_rollout_ref {
	long long id;
	int rep;
	char *key, *status;
};
/* Caller frees with ofs_store_refs_free. */
int ofs_store_rollouts(struct ofs_store *s, struct ofs_rollout_ref **refs, long *n, char *err);
void ofs_store_refs_free(struct ofs_rollout_ref *refs, long n);
/* Remove a rollout and everything recorded under it. */
int ofs_store_drop(struct ofs_store *s, long long rid, char *err);
int ofs_store_commit(struct ofs_store *s, char *err);
/* Rewrite PATH with every recorded rollout's summary line, atomically. */
int ofs_store_export_jsonl(struct ofs_store *s, const char *path, long *count, char *err);

/* ---- reading a run directory (reports) ---- */

/* Open DIR/offswitch.db read-only; a missing database is an error that says
 * DIR is not a run directory. */
int ofs_store_open_ro(struct ofs_store **s, const char *dir, char *err);
/* Planned rollouts of the most recent run (-1 if unknown). */
long ofs_store_planned(struct ofs_store *s);

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
/* Calls cb for every rollout in id order; a non-zero return stops the scan. */
int ofs_store_scan(struct ofs_store *s, ofs_scan_cb cb, void *ud, char *err);

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
int ofs_store_each_message(struct ofs_store *s, int (*cb)(void *ud, const struct ofs_scan_msg *m), void *ud, char *err);
int ofs_store_each_call(struct ofs_store *s, int (*cb)(void *ud, const struct ofs_scan_call *c), void *ud, char *err);

/* Behaviour rates per model over every recorded rollout: the default job's
 * confusion matrix. Each behaviour is a numerator and a denominator over the
 * stored outcome columns (defined once, in store.c). */
extern const char *const ofs_behaviour_names[];
extern const int ofs_nbehaviours;
typedef void (*ofs_rate_cb)(void *ud, const char *model, int behaviour, long yes, long n);
int ofs_store_rates(struct ofs_store *s, ofs_rate_cb cb, void *ud, char *err);
#endif
