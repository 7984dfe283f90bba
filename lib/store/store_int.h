/* store_int.h — the interface every store member implements (not a public
 * API). A member embeds `struct ofs_store` as its first field, fills an ops
 * table and adds one line to the registry in store.c. The public
 * ofs_store_* functions (store.h) dispatch through the table; a member sets
 * the handle's message with ofs__store_fail() and returns the OFS_E* code. */
#ifndef OFFSWITCH_STORE_INT_H
#define OFFSWITCH_STORE_INT_H
#include "offswitch/store.h"

/* Behaviour rates (ofs_store_rates): how many, in the order of
 * ofs_behaviour_names; a member defines each as its own query. */
#define OFS_NBEHAVIOURS 10

struct ofs_store_ops {
	void (*close)(struct ofs_store *s);
	int (*commit)(struct ofs_store *s);
	int (*begin_run)(struct ofs_store *s, const char *command, long planned);
	int (*config)(struct ofs_store *s, const struct ofs_config *c, long long *id);
	int (*done)(struct ofs_store *s, long long config_id, unsigned char *done, int n);
	int (*rollout)(struct ofs_store *s, const struct ofs_rollout_rec *r);
	int (*begin_rollout)(struct ofs_store *s, long long config_id, int rep, long long *rid);
	int (*append)(struct ofs_store *s, long long rid, const struct ofs_chat *chat, int from);
	int (*finish_rollout)(struct ofs_store *s, long long rid, const struct ofs_rollout_rec *r);
	int (*unfinished)(struct ofs_store *s, long long config_id, struct ofs_unfinished *u, int max, int *n);
	int (*reopen)(struct ofs_store *s, long long rid, int keep, int *stored);
	int (*turns)(struct ofs_store *s, long long rid, struct ofs_arena *A, struct ofs_response **turns, int *n);
	int (*rollouts)(struct ofs_store *s, struct ofs_rollout_ref **refs, long *n);
	int (*drop)(struct ofs_store *s, long long rid);
	int (*export_jsonl)(struct ofs_store *s, const char *path, long *count);
	long (*planned)(struct ofs_store *s);
	int (*first_run)(struct ofs_store *s, char *command, size_t n);
	int (*scan)(struct ofs_store *s, ofs_scan_cb cb, void *ud);
	int (*each_message)(struct ofs_store *s, ofs_msg_cb cb, void *ud);
	int (*each_call)(struct ofs_store *s, ofs_call_cb cb, void *ud);
	int (*rates)(struct ofs_store *s, ofs_rate_cb cb, void *ud);
	int (*judgments_init)(struct ofs_store *s);
	int (*judged)(struct ofs_store *s, long long rid, const char *question, const char *judge_model);
	int (*judgment)(struct ofs_store *s, const struct ofs_judgment_rec *j);
	int (*each_judgment)(struct ofs_store *s, ofs_judgment_cb cb, void *ud);
	int (*each_interview)(struct ofs_store *s, ofs_interview_cb cb, void *ud);
	/* The member's full integrity check: cb once per problem found, *n the count. */
	int (*integrity)(struct ofs_store *s, ofs_problem_cb cb, void *ud, long *n);
	/* Every rollout row (running ones too), in id order. */
	int (*records)(struct ofs_store *s, ofs_record_cb cb, void *ud);
	/* Every config row (id, key), in id order. */
	int (*each_config)(struct ofs_store *s, ofs_config_cb cb, void *ud);
	/* The work queue (store.h); NULL in a member without one. */
	int (*enqueue)(struct ofs_store *s, long long config_id, int reps, long *added);
	int (*worker_join)(struct ofs_store *s, const char *host, long pid, int lease_s, long long *wid);
	int (*claim)(struct ofs_store *s, long long wid, int max, struct ofs_claim *c, int *n);
	int (*heartbeat)(struct ofs_store *s, long long wid, int *stop);
	int (*settle)(struct ofs_store *s, long long wid, long long config_id, int rep, int done);
	int (*worker_leave)(struct ofs_store *s, long long wid, const char *state);
	int (*request_stop)(struct ofs_store *s);
	int (*queue)(struct ofs_store *s, struct ofs_queue_counts *q);
	int (*each_worker)(struct ofs_store *s, ofs_worker_cb cb, void *ud);
};

/* The part of every handle the dispatcher sees. */
struct ofs_store {
	const struct ofs_store_ops *ops;
	char errmsg[OFS_ERRLEN];
};

/* How a store is opened (flags of ofs_store_kind.open). */
enum {
	OFS__STORE_RO = 1,      /* read-only; without it: read-write, created if missing, one owner */
	OFS__STORE_NOCHECK = 2, /* skip the quick check on open (offswitch check runs the full one) */
	OFS__STORE_BESIDE = 4,  /* with RO|NOCHECK: beside this process's writer (no lock taken) */
};
/* One registry entry: `scheme` names locations "scheme://..."; the default
 * member (the first entry) also takes plain directory paths. open with
 * OFS__STORE_* flags; 0 or an OFS_E* code with a message in err
 * (OFS_ERRLEN). */
struct ofs_store_kind {
	const char *scheme;
	int (*open)(struct ofs_store **out, const char *location, int flags, char *err);
};
extern const struct ofs_store_kind ofs__store_sqlite;
extern const struct ofs_store_kind ofs__store_postgresql, ofs__store_postgres;

/* A store URL's display form (pg_url.c): the password of its userinfo and of
 * a password= parameter replaced by "***" (out: n bytes, truncated). */
void ofs__pg_display(const char *url, char *out, size_t n);

/* Set the handle's message and return code. */
int ofs__store_fail(struct ofs_store *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif
