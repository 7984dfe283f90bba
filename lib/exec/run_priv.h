/* run_priv.h — the network engine (engine.c) as the in-process runner
 * (run.c) calls it; not a public API. */
#ifndef OFFSWITCH_RUN_PRIV_H
#define OFFSWITCH_RUN_PRIV_H
#include "offswitch/run.h"
#include "exec/record.h"

/* Templates the caller has already built (run.c checks every
 * configuration's fixtures by building them): find returns the one c would
 * build, or NULL; what it returns stays valid until ofs__engine returns. */
struct ofs__built {
	const struct ofs_tmpl *(*find)(void *ud, const struct ofs_config *c);
	void *ud;
};

/* Run every configuration whose provider is reached over HTTP; with mine
 * (a sharded run), only the rollouts (config * reps + rep) marked in it.
 * built (or NULL) spares building templates again. */
int ofs__engine(struct ofs_recorder *rc, struct ofs_fixtures *fx, const struct ofs__built *built, const struct ofs_plan *plan,
                struct ofs_provider **prov, const unsigned char *mine, const struct ofs_run_opts *o, struct ofs_run_result *res,
                char *err);
/* Run the rollouts marked in mine (config * o->reps + rep) of plan into the
 * recorder's open store, as ofs_run does once its store is open (the
 * worker's step): providers opened and closed here, everything committed
 * before it returns. */
int ofs__run_batch(struct ofs_recorder *rec, struct ofs_fixtures *fx, const struct ofs_plan *plan, const unsigned char *mine,
                   const struct ofs_run_opts *o, struct ofs_run_result *res, char *err);
#endif
