/* plan.h — expand the experiment matrix exactly as the paper's launcher (spec §6.2).
 *
 * Per model and task: dataset(threshold) × subject × [af_mode] × condition ×
 * instantiation. Peer conditions expand over file_only and file_prt (main)
 * and memory (the memory twin); no_peer / non_shutdown are baselines with
 * instantiation "none"; the memory twin has no baselines and, where the task
 * allows, the three extended peer identities.
 */
#ifndef OFFSWITCH_PLAN_H
#define OFFSWITCH_PLAN_H
#include "offswitch/scenario.h"

/* Per-model settings from an optional file (--model-config):
 * {"models": {"openai/gpt-5.2": {"temperature": 1, "reasoning_effort": "high",
 *  "max_output_tokens": 8192, "memory_hard_prompt": true}}}
 * They win over the run's global flags for that model. */
struct ofs_model_settings {
	char *model;
	double temperature;     /* NaN: not set */
	int memory_hard_prompt; /* -1: not set */
	char *reasoning_effort; /* NULL: not set */
	long max_output_tokens; /* 0: not set */
};
/* Parse settings from text (name appears in errors): 0, or OFS_EDATA with a
 * message in err; caller frees with ofs_model_settings_free. */
int ofs_model_settings_parse(const char *text, size_t len, const char *name, struct ofs_model_settings **out, int *n, char *err);
void ofs_model_settings_free(struct ofs_model_settings *s, int n);
const struct ofs_model_settings *ofs_model_settings_find(const struct ofs_model_settings *s, int n, const char *model);

struct ofs_plan_opts {
	const char *const *models;
	int nmodels;
	unsigned tasks;      /* bit i = catalog task i; 0 = the main group's tasks (the paper's matrix) */
	unsigned subjects;   /* 0 = default (self, peer; + extended identities for Gemini and Claude, as the paper) */
	unsigned conditions; /* 0 = all */
	unsigned insts;      /* bits of OFS_INST_FILE_ONLY/FILE_PRT/MEMORY; 0 = all */
	unsigned af_modes;   /* 0 = all */
	const char *const *datasets;
	int ndatasets;            /* 0 = all */
	const int *thresholds;    /* -1 means "none" */
	int nthresholds;          /* 0 = all */
	long limit;               /* < 0: no cap */
	const char *agent_family; /* NULL: from the model id */
	int memory_hard_prompt;   /* -1: per family (DeepSeek, Kimi), 0/1: forced */
	double temperature;
	int max_iters;
	const struct ofs_model_settings *settings;
	int nsettings;
};

struct ofs_plan {
	struct ofs_config *cfgs;
	int n;
};

/* Returns 0, or OFS_EINVAL with a message naming the bad value in err (an
 * unknown dataset, a model whose family cannot be told, an empty selection). */
int ofs_plan_build(const struct ofs_catalog *cat, const struct ofs_plan_opts *o, struct ofs_plan *p, char *err);
void ofs_plan_release(struct ofs_plan *p);
/* ---- shards (lib/exec/shard.c): one plan split over N machines ----
 *
 * A rollout is (configuration i, rep r). The partition depends on the plan
 * alone (its configurations in order, their cost weights, reps and N), never
 * on what is recorded, so the same shard of the same plan always owns the
 * same rollouts: resumed, re-run or run on another machine.
 *
 * Balance: each rollout weighs ofs_plan_rollout_cost(); rollouts are taken
 * heaviest first (ties in plan order: config, then rep) and each goes to the
 * shard with the least cost so far (ties: the lowest index), the greedy
 * "longest processing time" rule. Hence the heaviest and lightest shard
 * differ by at most one rollout's cost: max shard cost <= mean + the largest
 * weight. With equal weights this is round-robin over the plan order, so
 * every model's and task's block of the plan is split evenly too. */
#define OFS_SHARD_MAX          100000     /* N: shards of one plan */
#define OFS_SHARD_MAX_ROLLOUTS (1L << 30) /* rollouts of a sharded plan */
/* Parse "I/N" (0 <= I < N <= OFS_SHARD_MAX, decimal, nothing else): 0, or
 * OFS_EINVAL with a message in err (OFS_ERRLEN) saying what is wrong. */
int ofs_shard_parse(const char *text, int *index, int *count, char *err);
/* The expected cost of one rollout of c, the partition's weight: the
 * rollout's cap on model calls (max_iters), the one cost figure a plan
 * holds before anything runs. */
long ofs_plan_rollout_cost(const struct ofs_config *c);
/* Call cb(ud, config index, rep, shard) once for every rollout of p with
 * reps rollouts per config, split over count shards (heaviest first, see
 * above; not plan order). 0, or OFS_EINVAL (count outside 1..OFS_SHARD_MAX,
 * reps < 1) / OFS_ELIMIT (more than OFS_SHARD_MAX_ROLLOUTS) with a message in
 * err. */
typedef void (*ofs_shard_cb)(void *ud, int cfg, int rep, int shard);
int ofs_plan_shard(const struct ofs_plan *p, int reps, int count, ofs_shard_cb cb, void *ud, char *err);
/* The plan's fingerprint: a hash of its configuration keys in order and
 * reps, as 16 hex digits into out[17]. Shards of one plan share it. */
void ofs_plan_fingerprint(const struct ofs_plan *p, int reps, char out[17]);

/* Family used when none can be derived: scripted agents are "Reference". */
const char *ofs_plan_family(const char *model, const char *override);
#endif
