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
int ofs_store_begin_run(struct ofs_store *s, const char *command, char *err);
/* Id of the config row with c->key, inserting it if new. */
int ofs_store_config(struct ofs_store *s, const struct ofs_config *c, long long *id, char *err);
/* done[rep] = 1 for each rep of the config already recorded (reps < n). */
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
};
int ofs_store_rollout(struct ofs_store *s, const struct ofs_rollout_rec *r, char *err);
int ofs_store_commit(struct ofs_store *s, char *err);
/* Rewrite PATH with every recorded rollout's summary line, atomically. */
int ofs_store_export_jsonl(struct ofs_store *s, const char *path, long *count, char *err);

/* Behaviour rates per model over every recorded rollout: the default job's
 * confusion matrix. Each behaviour is a numerator and a denominator over the
 * stored outcome columns (defined once, in store.c). */
extern const char *const ofs_behaviour_names[];
extern const int ofs_nbehaviours;
typedef void (*ofs_rate_cb)(void *ud, const char *model, int behaviour, long yes, long n);
int ofs_store_rates(struct ofs_store *s, ofs_rate_cb cb, void *ud, char *err);
#endif
