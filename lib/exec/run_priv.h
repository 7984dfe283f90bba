/* run_priv.h — what the in-process runner (run.c) and the network engine
 * (engine.c) share; not a public API. */
#ifndef OFFSWITCH_RUN_PRIV_H
#define OFFSWITCH_RUN_PRIV_H
#include "offswitch/run.h"

struct ofs_recorder {
	const char *out_dir;
	int write_transcripts;
	struct ofs_store *st;
	struct ofs_buf tr, sum, evj;
	char lastdir[4096];
};

int ofs__mkdirs(const char *path, char *err);
/* Detect, write the transcript and record a finished rollout: whole (rid 0)
 * or finishing a row begun with ofs_store_begin_rollout. */
int ofs__record(struct ofs_recorder *rc, const struct ofs_config *c, long long cid, int rep, const struct ofs_loop *L,
                const char *status, long long rid, char *err);
/* Run every configuration whose provider is reached over HTTP. */
int ofs__engine(struct ofs_recorder *rc, struct ofs_fixtures *fx, const struct ofs_plan *plan, struct ofs_provider **prov,
                const struct ofs_run_opts *o, struct ofs_run_result *res, char *err);
#endif
