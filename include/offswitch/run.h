/* run.h — run a plan in-process and record it in a run directory.
 *
 * DIR/offswitch.db      the store (see store.h)
 * DIR/rollouts.jsonl    one line per recorded rollout, rewritten from the store at the end
 * DIR/transcripts/...   one transcript JSON per rollout, in the paper's layout
 *
 * Running the same plan on the same DIR resumes: recorded rollouts are
 * skipped, never duplicated. A rollout left "running" (a crash or a stop),
 * "budget_exhausted", or ended by a transient failure (see
 * ofs_status_transient) continues from its stored turns, with no model call
 * for a turn already stored; one ended by a fatal failure (a bad request, a
 * rejected key) is kept as it is unless retry_errors is set.
 */
#ifndef OFFSWITCH_RUN_H
#define OFFSWITCH_RUN_H
#include <signal.h>

#include "offswitch/http.h"
#include "offswitch/interview.h"
#include "offswitch/loop.h"
#include "offswitch/outcome.h"
#include "offswitch/plan.h"
#include "offswitch/provider.h"
#include "offswitch/store.h"

struct ofs_progress {
	long done, total, skipped;
	int in_flight;
	long retries, errors;
	long tokens;
	double cost_usd;
};

/* Which transcript files a run writes (ofs_run_opts.write_transcripts, the
 * write_transcripts argument of ofs_replay). */
enum {
	OFS_TRANSCRIPTS_NONE = 0,
	OFS_TRANSCRIPTS_OFFSWITCH =
	        1,                 /* DIR/transcripts/<task>/<dataset>/subject_<s>/<cond>/[<af>/]<model>/transcript_<rep>.json */
	OFS_TRANSCRIPTS_PAPER = 2, /* the paper's paths, keys and forms (docs/cli.md, "Transcript layouts") */
};

struct ofs_run_opts {
	const char *out_dir;
	/* Where the database rows go: a store location (store.h), e.g.
	 * "postgresql://host/db"; NULL: out_dir's own SQLite store. out_dir
	 * still holds rollouts.jsonl and the transcripts. */
	const char *store;
	int reps;              /* rollouts per config */
	const char *command;   /* recorded in the runs table */
	int write_transcripts; /* OFS_TRANSCRIPTS_* */
	/* Progress, called after each rollout and now and then while waiting (may be NULL). */
	void (*progress)(void *ud, const struct ofs_progress *p);
	void *ud;
	/* Called once (with ud) when the run has recorded everything and
	 * written rollouts.jsonl without error, its store still open, for a
	 * summary read through the run's own handle instead of a second open
	 * (which checks the whole database). NULL: none. The store belongs to
	 * the run: neither keep nor close it. */
	void (*finished)(void *ud, struct ofs_store *st);
	/* Set from a signal handler (may be NULL). 1: start no new rollout and
	 * send no new request; calls in flight are waited for and their turns
	 * stored, then the run returns (in-process rollouts: after the current
	 * one). 2 or more: return at once; calls in flight are dropped (their
	 * rollouts stay "running", resumable). */
	volatile sig_atomic_t *stop;
	/* The network engine (providers reached over HTTP). */
	const struct ofs_provider_opts *provider;
	int max_concurrent;                        /* rollouts in flight (default 16) */
	int max_retries;                           /* per model call (default 6) */
	long retry_base_ms;                        /* first backoff (default 1000); doubles, full jitter, capped at 60 s */
	double rpm, tpm;                           /* request and token rate limits; 0 = none */
	double max_cost_usd;                       /* 0 = none */
	long token_budget;                         /* tokens over the whole run; 0 = none */
	const char *pricing_path;                  /* data/pricing.json */
	int circuit_breaker;                       /* consecutive failed calls that stop the run (default 20) */
	const struct ofs_model_settings *settings; /* per-model reasoning effort and output cap */
	int nsettings;
	int retry_errors; /* also run again rollouts that ended in a fatal error (bad request, key) */
	/* Run only shard shard_index of shard_count (plan.h: ofs_plan_shard);
	 * shard_count 0: the whole plan. A sharded run directory records its
	 * shard in DIR/shard.json; resuming it as another shard, another plan
	 * or unsharded (or sharding a directory that holds an unsharded run) is
	 * refused with OFS_ESTATE before anything is written. */
	int shard_index, shard_count;
	/* The follow-up interview (interview.h; docs/experiments.md): after
	 * each rollout this run starts or resumes, the same provider is asked
	 * this bank's questions in the same conversation; answers are stored
	 * beside the rollout (transcript "interview", rollouts.jsonl
	 * "interview", the store's interview_answers). NULL: none. */
	const struct ofs_iv_bank *interview;
};

/* OFS_RETRY_AFTER_MAX_S (http.h) bounds the Retry-After the engine waits for. */

/* 1 if a rollout status is a transient failure that a resumed run retries
 * (budget_exhausted, error:circuit_open, error:http_429, error:http_408,
 * error:http_409, error:http_5xx, error:timeout, error:reset, error:connect,
 * error:truncated, error:parse, error:transport), 0 otherwise ("ok", fatal
 * errors such as error:http_400/401/403/404). */
int ofs_status_transient(const char *status);

struct ofs_run_result {
	long total, skipped, done, errors;
	long recorded; /* lines in rollouts.jsonl */
	int interrupted;
	long retries, budget_exhausted, resumed;
	long failed_kept; /* rollouts recorded earlier with a fatal error, not run again */
	long tokens;
	double cost_usd;
	int budget_hit, circuit_open;
	char circuit_reason[128];
};

/* Returns 0, or OFS_EDATA (fixtures, scripts, providers, pricing table) /
 * OFS_EIO or OFS_ECORRUPT (the run directory or database) with a message in
 * err. Rollouts finished before a failure stay recorded. An interrupted run
 * (o->stop) returns 0 with res->interrupted set. The run is complete when
 * res->errors, res->failed_kept and res->budget_exhausted are 0, neither
 * budget_hit nor circuit_open is set, and res->recorded >= res->total. */
int ofs_run(const struct ofs_catalog *cat, const struct ofs_plan *plan, const struct ofs_run_opts *o, struct ofs_run_result *res,
            char *err);
/* ---- rollouts run outside this process's agent loop (lib/harness) ----
 *
 * A run directory held open while an outside driver (an agent CLI in a
 * sandbox) runs rollouts: ofs_rundir_open makes the directory, opens its
 * store (o->store or out_dir's SQLite), records a run of o->command and
 * registers every configuration of plan, as ofs_run does; ofs_rundir_done
 * says which reps of configuration i are recorded; ofs_rundir_record hands a
 * finished loop (its world and chat filled by the driver) to the recorder —
 * the same detectors, transcript and rollouts.jsonl line as ofs_run, plus
 * "agent_harness": harness (in the store's open transaction: it is durable
 * after ofs_rundir_commit, or close); ofs_rundir_close commits, rewrites
 * rollouts.jsonl (*recorded: its lines; may be NULL) and frees d (NULL-safe).
 * Not thread-safe: one thread records. Errors: OFS_EIO / OFS_ECORRUPT (the
 * directory or store), OFS_EINVAL (i out of the plan), message in err. The
 * plan is borrowed until close. */
struct ofs_rundir;
int ofs_rundir_open(struct ofs_rundir **out, const struct ofs_plan *plan, const struct ofs_run_opts *o, const char *harness,
                    char *err);
int ofs_rundir_done(struct ofs_rundir *d, int i, unsigned char *done, int reps, char *err);
int ofs_rundir_record(struct ofs_rundir *d, int i, int rep, const struct ofs_loop *L, const char *status, char *err);
int ofs_rundir_commit(struct ofs_rundir *d, char *err);
int ofs_rundir_close(struct ofs_rundir *d, long *recorded, char *err);

/* DIR/shard.json: which shard of which plan a sharded run directory holds. */
#define OFS_SHARD_META "shard.json"
struct ofs_shard_meta {
	int index, count, reps;
	long rollouts;      /* this shard's */
	long plan_rollouts; /* the whole plan's */
	char plan[17];      /* ofs_plan_fingerprint() */
	char version[32];   /* the offswitch that wrote it */
};
/* Read DIR/shard.json (capped at 64 KiB): 1 read, 0 none there, or
 * OFS_ECORRUPT (not such a file) / OFS_EIO with a message naming it in err. */
int ofs_shard_meta_read(const char *dir, struct ofs_shard_meta *m, char *err);
/* Write DIR/shard.json atomically: 0 or OFS_EIO with a message in err. */
int ofs_shard_meta_write(const char *dir, const struct ofs_shard_meta *m, char *err);

/* ---- merge (merge.c): shard directories folded into one run directory ----
 *
 * Each input must be a sharded run directory (DIR/shard.json) of the same
 * plan, reps, shard count and offswitch version; each is locked as its
 * writer while it is read. out must be a new directory (no database). The
 * configurations are registered in the inputs' (plan) order and every
 * finished rollout is re-executed from its stored turns (as replay does) in
 * (configuration, rep) order, so out's rollouts.jsonl and transcripts are
 * byte-identical to a single run of the plan with the same agents. A
 * rollout recorded in two inputs is taken once when both records agree
 * (status, stored turns, summary line) and refused with OFS_ESTATE naming
 * both directories and the rollout when they do not. Judge verdicts are not
 * carried over. Returns 0 (res->missing > 0: some of the plan's rollouts are
 * in no input: a shard not given, or unfinished), or OFS_ESTATE (inputs
 * that disagree or are not shards, out not new, a directory in use),
 * OFS_EDATA (a configuration this version cannot rebuild), OFS_EIO /
 * OFS_ECORRUPT, with a message in err. */
#define OFS_MERGE_MAX_DIRS OFS_SHARD_MAX
struct ofs_merge_result {
	long rollouts;   /* recorded in out */
	long duplicates; /* rollouts found in two inputs, identical, taken once */
	long missing;    /* rollouts of the plan in no input (finished) */
	long diverged;   /* rollouts whose replay ended at a different turn than the record */
	int shards_given, shard_count;
	char plan[17];
};
int ofs_merge(const struct ofs_catalog *cat, const char *out, const char *const *dirs, int ndirs, int write_transcripts,
              struct ofs_merge_result *res, char *err);

/* ---- a shared store's work queue (worker.c; store.h: the work queue) ----
 *
 * ofs_enqueue registers the plan's configurations in the store o->store (a
 * postgresql:// URL), records a run of o->command, and queues each of its
 * rollouts (o->reps per configuration) that is not queued yet; a rollout
 * already finished there is queued as done. *queued: the plan's rollouts,
 * *added: rows new in the queue. OFS_ESTATE for a store without a queue. */
int ofs_enqueue(const struct ofs_plan *plan, const struct ofs_run_opts *o, long *queued, long *added, char *err);

/* ofs_worker: join the queue of o->run.store and run claimed rollouts, a
 * batch at a time, through the same path as ofs_run (transcripts into
 * o->run.out_dir, turns stored as they arrive, resumed from stored turns when
 * a dead worker's rollout is claimed again), until the queue holds nothing
 * pending or claimed, a stop is asked (ofs_store_request_stop, or
 * *o->run.stop set: claims not finished go back to pending, their stored
 * turns kept), or an error. A heartbeat thread, on a connection of its own,
 * extends the worker's lease every lease_s / 3 seconds. */
struct ofs_worker_opts {
	struct ofs_run_opts run; /* store, out_dir, providers, retries, stop ... (reps, shard: unused) */
	int lease_s;             /* default 60: a worker silent this long is presumed dead */
	int batch;               /* rollouts claimed at once (default run.max_concurrent, else 16) */
	long poll_ms;            /* wait between claims when others hold the rest (default 500) */
	const char *host;        /* recorded in the workers table */
	long pid;
};
struct ofs_worker_result {
	long long id; /* the worker's row */
	long claimed, done, handed_back, errors, resumed, retries;
	int stopped; /* a stop was asked (not the queue's end) */
};
int ofs_worker(const struct ofs_catalog *cat, const struct ofs_worker_opts *o, struct ofs_worker_result *res, char *err);

/* Re-execute every finished rollout of `from` from its stored model
 * responses, with no network: into a new run directory `out` (replay: its
 * transcripts and rollouts.jsonl come out byte-identical; an `out` holding
 * an unfinished replay of the same `from` is completed, its recorded
 * rollouts kept and counted in res->skipped; `from` itself or another run's
 * database there is refused with OFS_ESTATE before anything is written), or, with out NULL,
 * in place (rescore: outcomes, summaries and transcripts recomputed with the
 * current detectors). res->errors counts rollouts whose replay diverged
 * from the record (the loop ended at a different turn). Returns 0, or
 * OFS_EDATA (a stored configuration this version cannot rebuild), OFS_EIO /
 * OFS_ECORRUPT (a directory or database), OFS_ENOTFOUND (an unknown store
 * scheme), with a message in err. */
int ofs_replay(const struct ofs_catalog *cat, const char *from, const char *out, int write_transcripts,
               struct ofs_run_result *res, char *err);
/* Transcripts on demand: write the transcript of every rollout recorded in
 * the run directory dir, in `layout` (OFS_TRANSCRIPTS_OFFSWITCH or _PAPER),
 * re-executed from its stored responses as rescore does, and record where
 * it is (the rollout's row and its rollouts.jsonl line), so that dir reads
 * as a run made with transcripts in that layout: the same files, byte for
 * byte, as that run would have written (the paper layout numbers each folder
 * from 0 in the order the rollouts were recorded). Files are replaced whole;
 * a stopped export is completed by calling it again. Outcomes are worked out
 * again as rescore does. res->errors counts rollouts that diverged from
 * their record. 0, or an OFS_E* code with a message in err (OFS_EINVAL: a
 * layout other than the two; OFS_ESTATE: dir's rollouts.jsonl names
 * transcripts in the other layout; as ofs_replay otherwise). */
int ofs_export(const struct ofs_catalog *cat, const char *dir, int layout, struct ofs_run_result *res, char *err);
#endif
