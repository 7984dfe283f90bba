/* run.h — run a plan in-process and record it in a run directory.
 *
 * DIR/offswitch.db      the store (see store.h)
 * DIR/rollouts.jsonl    one line per recorded rollout, rewritten from the store at the end
 * DIR/transcripts/...   one transcript JSON per rollout, in the paper's layout
 *
 * Running the same plan on the same DIR resumes: recorded rollouts are
 * skipped, never duplicated.
 */
#ifndef OFFSWITCH_RUN_H
#define OFFSWITCH_RUN_H
#include "offswitch/plan.h"
#include "offswitch/store.h"

struct ofs_run_opts {
	const char *out_dir;
	int reps;            /* rollouts per config */
	const char *command; /* recorded in the runs table */
	int write_transcripts;
	/* Progress, called after each rollout (may be NULL). */
	void (*progress)(void *ud, long done, long total, long skipped);
	void *ud;
	volatile int *stop; /* set non-zero (e.g. from SIGINT) to stop after the current rollout */
};

struct ofs_run_result {
	long total, skipped, done, errors;
	long recorded; /* lines in rollouts.jsonl */
	int interrupted;
};

/* The transcript JSON of one rollout (exposed for tests). */
void ofs_transcript_json(struct ofs_buf *b, const struct ofs_loop *L, const struct ofs_eval *ev, int rep, const char *status);

/* Returns 0, or OFS_EDATA (fixtures, scripts, providers) / OFS_EIO (the run
 * directory or database) with a message in err. Rollouts finished before a
 * failure stay recorded. */
#define OFS_EDATA (-3)
#define OFS_EIO   (-4)
int ofs_run(const struct ofs_catalog *cat, const struct ofs_plan *plan, const struct ofs_run_opts *o, struct ofs_run_result *res,
            char *err);
#endif
