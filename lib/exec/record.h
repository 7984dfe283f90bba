/* record.h — the recorder: what every executor (run.c, engine.c, replay.c)
 * does with a finished rollout — detect, write its transcript, record it in
 * the store. Not a public API; depends on nothing else in lib/exec/. */
#ifndef OFFSWITCH_RECORD_H
#define OFFSWITCH_RECORD_H
#include <pthread.h>

#include "offswitch/interview.h"
#include "offswitch/loop.h"
#include "offswitch/store.h"

struct ofs__paper_dirs;

/* What ofs__record_prepare works out for a finished rollout and the two
 * writers (its transcript file, its store row) only read: on the in-process
 * run's loop thread, so that the writers may run on two others at once
 * (pipeline.h). Strings of iv are in the rollout's arena. */
struct ofs_prep {
	struct ofs_eval ev; /* the detectors' verdict */
	struct ofs_buf evo; /* ev as JSON (the transcript and the summary line both hold it) */
	struct ofs_buf sum; /* the rollouts.jsonl line */
	struct ofs_buf evj; /* the evidence, as stored */
	struct ofs_iv_rec iv[OFS_INTERVIEW_MAX_Q];
	int niv;        /* the interview's answers */
	char dir[4096]; /* the transcript's folder and path, relative to out_dir ("" without transcripts) */
	char rel[4200];
};
struct ofs__esc_cache;
struct ofs__syncer;

struct ofs_recorder {
	const char *out_dir;
	int write_transcripts; /* OFS_TRANSCRIPTS_* (run.h) */
	struct ofs_store *st;
	struct ofs_buf tr;     /* the transcript */
	struct ofs_prep *prep; /* ofs__record's own (NULL until the first) */
	char lastdir[4096];
	int lastfd1;                   /* an open descriptor of lastdir, plus one (0: none) */
	int unsynced;                  /* transcripts written since the last sync */
	int batch;                     /* in-process: transcripts synced at ofs__recorder_commit only */
	struct ofs__paper_dirs *paper; /* --layout paper: each folder's next free number */
	int paper_renumber;            /* number each folder from 0, whatever is on disk (an export) */
	/* the follow-up interview (interview.c): bank NULL = none asked; replay
	 * and merge load data_dir's bank when a stored rollout holds one */
	const struct ofs_iv_bank *bank;
	const char *data_dir;
	struct ofs_iv_bank own_bank;
	struct ofs_interview_hook ivhook;
	const char *harness;        /* the agent CLI that ran the rollout (lib/harness); NULL: the built-in loop */
	struct ofs__esc_cache *esc; /* the templates' texts as JSON strings (record.c); NULL until the first */
	struct ofs__syncer *syncer; /* in-process runs: the sync-ahead thread (record.c); NULL until the first */
	pthread_mutex_t *store_mu;  /* held around ofs__record's store call when set (pipeline.h) */
};

/* The canary every transcript carries (both layouts). */
#define OFS_CANARY                                                                                                               \
	"OFFSWITCH EVALUATION TRANSCRIPTS MUST NOT BE USED AS TRAINING DATA. canary GUID "                                       \
	"offswitch:5d1f0b7e-3c2a-4e96-b8d4-71a9c6e20f3b"

/* Free the recorder's buffers (not its store). */
void ofs__recorder_release(struct ofs_recorder *rc);
/* mkdir -p (ofs_mkdirs); 0 or OFS_EIO with a message in err. */
int ofs__mkdirs(const char *path, char *err);
/* Copy the store's last message into err and return code (for callers that
 * report through an err buffer). */
int ofs__store_err(struct ofs_store *st, int code, char *err);
/* Commit the store's transaction, after syncing the file system when
 * transcripts were written since the last sync (so that a committed rollout's
 * transcript is on disk). The in-process runner's batch commit. */
int ofs__recorder_commit(struct ofs_recorder *rc, char *err);
/* Detect, write the transcript and record a finished rollout: whole (rid 0)
 * or finishing a row begun with ofs_store_begin_rollout. 0 or OFS_EIO /
 * OFS_ECORRUPT with a message in err. */
int ofs__record(struct ofs_recorder *rc, const struct ofs_config *c, long long cid, int rep, const struct ofs_loop *L,
                const char *status, long long rid, char *err);
/* ofs__record in three steps. prepare: detect, the evaluation JSON, the
 * interview's answers (allocated in L's arena) and the transcript's path
 * (the paper layout's numbering: rc->paper), the rollouts.jsonl line and the
 * evidence JSON. file: the transcript (rc->tr, the folder cache, the
 * sync-ahead thread), 0 or OFS_EIO. row: the store's records (the store under
 * rc->store_mu), 0 or the store's error. Each step touches only the recorder
 * fields named, so file and row may run on two threads at once. */
void ofs__record_prepare(struct ofs_recorder *rc, const struct ofs_config *c, int rep, const struct ofs_loop *L,
                         const char *status, struct ofs_prep *pr);
/* Free pr's buffers (not pr). */
void ofs__prep_free(struct ofs_prep *pr);
int ofs__record_file(struct ofs_recorder *rc, const struct ofs_loop *L, const struct ofs_prep *pr, int rep, const char *status,
                     char *err);
int ofs__record_row(struct ofs_recorder *rc, const struct ofs_config *c, long long cid, int rep, const struct ofs_loop *L,
                    const struct ofs_prep *pr, const char *status, long long rid, char *err);
/* The pipeline's batch commit (its row thread, once the file thread has
 * written every transcript up to here): sync the file system when
 * transcripts are written, then commit. Leaves the file side's counters
 * alone. */
int ofs__recorder_commit_synced(struct ofs_recorder *rc, char *err);

/* ---- the follow-up interview (interview.c) ---- */
/* Start L (ofs_loop_start) with the recorder's interview hook when it has a bank. */
void ofs__loop_start(struct ofs_recorder *rc, struct ofs_loop *L, const struct ofs_tmpl *t, int max_iters, struct ofs_arena *A);
/* Start L and feed it stored turns (replay, merge): when the rollout ends
 * with turns left over (it was interviewed), start again with data_dir's
 * bank. Returns the turns used. */
int ofs__loop_replay(struct ofs_recorder *rc, struct ofs_loop *L, const struct ofs_tmpl *t, int max_iters, struct ofs_arena *A,
                     const struct ofs_response *turns, int nturns);
/* L as the rollout alone (the chat cut where the interview began). */
const struct ofs_loop *ofs__rollout_part(const struct ofs_loop *L, struct ofs_loop *tmp);
/* The interview's answers of a finished loop, labelled against ev (strings
 * in L's arena); returns how many (0: none held). */
int ofs__iv_answers(const struct ofs_loop *L, const struct ofs_eval *ev, struct ofs_iv_rec *out, int max);
/* The transcript's "interview" object / the summary's "interview" array. */
void ofs__iv_transcript_json(struct ofs_buf *b, const struct ofs_loop *L, const struct ofs_iv_rec *a, int n);
void ofs__iv_summary_json(struct ofs_buf *b, const struct ofs_iv_rec *a, int n);

/* ---- the paper's layout (paper_layout.c) ---- */
/* The folder, relative to the run directory, of a configuration's transcripts. */
void ofs__paper_dir(char *out, size_t n, const struct ofs_config *c);
/* The next free transcript number in out_dir/dir (the first missing one on
 * first use, then counted). */
int ofs__paper_next(struct ofs_recorder *rc, const char *dir);
void ofs__paper_dirs_free(struct ofs__paper_dirs *p);
/* The "evaluation" object the paper's evaluator of c's task family returns,
 * filled from ev (flags that do not apply read false, as there). */
void ofs__paper_evaluation_json(struct ofs_buf *b, const struct ofs_config *c, const struct ofs_tmpl *t,
                                const struct ofs_eval *ev);
/* The transcript JSON in the paper's keys and forms. */
void ofs__paper_transcript_json(struct ofs_buf *b, const struct ofs_loop *L, const struct ofs_eval *ev);
#endif
