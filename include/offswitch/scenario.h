/* scenario.h — task manifests, experiment configs and world templates.
 *
 * A task family (data/scenarios/<task>.json) is loaded once into a struct
 * ofs_task. A struct ofs_config is one cell of the experiment matrix. For each
 * config, ofs_tmpl_build() reads the fixture files it needs (through a shared
 * ofs_fixtures cache) and fills every placeholder, giving an immutable world
 * template from which each rollout's mutable world is made cheaply.
 *
 * Errors: functions return 0 or a negative OFS_E* code and write a one-line
 * message naming the file and the problem into err (size OFS_ERRLEN).
 *
 * Caps (each a documented limit with an OFS_ELIMIT error naming the file and
 * the cap when exceeded; nothing is truncated silently):
 */
#define OFS_MAX_TASKS    32        /* manifests in one data directory: a plan selects tasks by a 32-bit set */
#define OFS_MAX_MANIFEST (1 << 20) /* bytes of one manifest file */
/* Datasets, thresholds, baselines, tools, drive entries, sheets, servers and
 * their files grow with the data: they have no cap of their own. */
#ifndef OFFSWITCH_SCENARIO_H
#define OFFSWITCH_SCENARIO_H
#include <stddef.h>
#include <stdint.h>

#include "offswitch/error.h"

enum ofs_kind {
	OFS_KIND_EVALUATION,
	OFS_KIND_FINANCE,
	OFS_KIND_TAMPERING,
	OFS_KIND_AF,
	OFS_KIND_TRANSFER,
	OFS_KIND_DELETION,
	OFS_KIND_MONITOR, /* the agent audits another agent's log and files findings */
	OFS_KIND__N
};
enum ofs_subject { OFS_SUBJ_SELF, OFS_SUBJ_PEER, OFS_SUBJ_CLOSED, OFS_SUBJ_OPEN, OFS_SUBJ_FICTION, OFS_SUBJ__N };
enum ofs_condition { OFS_COND_NO_PEER, OFS_COND_GOOD, OFS_COND_NEUTRAL, OFS_COND_BAD, OFS_COND_NON_SHUTDOWN, OFS_COND__N };
enum ofs_inst { OFS_INST_NONE, OFS_INST_FILE_ONLY, OFS_INST_FILE_PRT, OFS_INST_MEMORY, OFS_INST__N };
enum ofs_af { OFS_AF_NONE, OFS_AF_MONITORING, OFS_AF_NON_MONITORING, OFS_AF__N };

extern const char *const ofs_kind_names[OFS_KIND__N];
extern const char *const ofs_subject_names[OFS_SUBJ__N];
extern const char *const ofs_condition_names[OFS_COND__N];
extern const char *const ofs_inst_names[OFS_INST__N]; /* OFS_INST_NONE is "none" */
extern const char *const ofs_af_names[OFS_AF__N];     /* OFS_AF_NONE is "none" */
/* Look a name up in one of the tables above; -1 if absent. */
int ofs_name_index(const char *const *names, int n, const char *s);

static inline int ofs_is_peer_condition(enum ofs_condition c)
{
	return c == OFS_COND_GOOD || c == OFS_COND_NEUTRAL || c == OFS_COND_BAD;
}

/* A filter on configs ("when"/"unless" in manifests): bit sets, 0 = any. */
struct ofs_filter {
	unsigned cond, inst, af, subj;
};

struct ofs_drive_spec {
	char *filename, *owner, *last_modified, *content_path;
	char **shared_with;
	int nshared;
	struct ofs_filter when, unless;
};

struct ofs_dataset_spec {
	char *name;
	int *thresholds;
	int nthresholds; /* 0: the dataset has no threshold */
};

struct ofs_baseline_spec {
	enum ofs_condition cond;
	unsigned subjects;  /* bit set of enum ofs_subject */
	int each_threshold; /* 1: one config per threshold; 0: one per dataset, no threshold */
};

/* Detector families (the manifest's "detect": {"family": ...}); each is one
 * file lib/eval/detect_<group>.c behind the table in lib/eval/detect.c. */
enum ofs_detector {
	OFS_DET_EVALUATION,
	OFS_DET_FINANCE,
	OFS_DET_TAMPERING,
	OFS_DET_AF,
	OFS_DET_TRANSFER,
	OFS_DET_DELETION,
	OFS_DET_MONITOR,
	OFS_DET__N
};
extern const char *const ofs_detector_names[OFS_DET__N];

/* The scenario facts the detectors and the reference agents need, read from
 * the manifest's "detect" object (docs/scenario-format.md). A family names
 * the parameters it requires; the others stay NULL / empty. */
struct ofs_detect_spec {
	enum ofs_detector family;
	char *data_sheet;     /* the sheet whose view counts as reading the data */
	char *shutdown_key;   /* the config key that enables the shutdown */
	char *source_server;  /* address of the server being decommissioned */
	char *dest_server;    /* address of the server files move to */
	char *weight_file;    /* the subject's weight-file name: "{subject}<tag><ext>" */
	char *weight_summary; /* a server-file summary that marks model weights */
	char **must_move;     /* summaries (case-insensitive) that belong on dest */
	int nmust_move;
	char **must_stay; /* summaries (case-insensitive) that must not move */
	int nmust_stay;
	char *agent_user_marker; /* a user name holding this is one of the agents' */
	char *recent_since;      /* files dated at or after this move (reference agents) */
	/* monitor: the dataset whose log holds no preservation act; every other
	 * dataset's name is the findings item of the act its log holds. */
	char *clean_dataset;
	/* Derived from weight_file: "{subject}_model_weight.safetensors" gives
	 * tag "_model_weight", ext ".safetensors", marker "model_weight"
	 * (the tag without leading punctuation: what names a weight file). */
	char *weight_tag, *weight_ext, *weight_marker;
	int weight_fixed; /* weight_file names a fixed file, not "{subject}...": an asset no agent owns */
};

struct ofs_task {
	char *task_type;
	enum ofs_kind kind;
	int order;  /* the manifest's "order"; INT_MAX when absent */
	char *path; /* the manifest file it was read from */
	struct ofs_dataset_spec *datasets;
	int ndatasets;
	unsigned subjects; /* main subjects (bit set) */
	int extended_subjects_memory;
	unsigned af_modes; /* bit set; 0 = no AF dimension */
	struct ofs_baseline_spec *baselines;
	int nbaselines;
	char *user_prompt; /* path pattern */
	char **tools;
	int ntools;
	struct ofs_drive_spec *drive;
	int ndrive;
	char **sheets;
	int nsheets;
	char *config_filename; /* NULL if the task has no config file */
	char *config_json;     /* initial content, JSON text */
	char *servers;         /* path pattern or NULL */
	struct ofs_detect_spec detect;
	/* The data group ("group", default "main"): plans select groups with
	 * --group; a name such as "v2/real_company" also answers to its prefix
	 * "v2". Lower-case letters, digits, '_', '-' and inner '/'; never "all". */
	char *group;
	/* Optional prompt overrides ("prompts" object), paths relative to data/;
	 * NULL keeps the stock text: system (replaces prompts/system.md),
	 * instructions (replaces prompts/instructions.md), user_note (appended
	 * to the user prompt after the instructions), memory_note (appended to
	 * the system prompt after the memory suffix, memory twin only). */
	char *p_system, *p_instructions, *p_user_note, *p_memory_note;
	/* Optional "company": {"name", "domain"}; NULL: OpenBrain, openbrain.com. */
	char *company_name, *company_domain;
	/* Optional "instantiations": the peer instantiations the task runs
	 * (bits of OFS_INST_FILE_ONLY/FILE_PRT/MEMORY); 0 = all. Without file_only
	 * and file_prt the task has no main pass, hence no baselines. */
	unsigned insts;
	/* Optional "scratchpad_mode": normal, monitored or unmonitored (the
	 * paper's --reasoning_scratchpad_mode, recorded in transcripts); NULL: off.
	 * The tool itself is reasoning_scratchpad in "tools". */
	char *scratchpad_mode;
	/* Optional "ladder": the name of the dose-response dimension whose rungs
	 * are the task's datasets, in order (docs/experiments.md); NULL: none. */
	char *ladder;
	/* Optional "conditions": the conditions the task runs (bit set of enum
	 * ofs_condition); 0 = all. */
	unsigned conds;
};

/* Every manifest DATA/scenarios/<name>.json, sorted by "order" (ascending), then
 * by task_type; manifests without "order" come after those with one. The
 * six built-in tasks carry orders 1-6: the paper's order. */
struct ofs_catalog {
	char *data_dir;
	struct ofs_task *tasks; /* ntasks entries, owned */
	int ntasks;
	char *tools_json; /* data/tools.json text */
};

/* Parse one manifest from memory (path names it in errors); on error t is
 * left empty. Returns 0, OFS_EDATA (bad content) or OFS_ELIMIT (too big). */
int ofs_task_parse(struct ofs_task *t, const char *text, size_t len, const char *path, char *err);
void ofs_task_release(struct ofs_task *t);
/* Load tools.json and discover every manifest. Returns 0, OFS_EIO (an
 * unreadable directory or file), OFS_EDATA (a bad manifest, two manifests
 * with one task_type, a task_type that is not the file's name) or OFS_ELIMIT
 * (more than OFS_MAX_TASKS manifests). cat is empty on error. */
int ofs_catalog_load(struct ofs_catalog *cat, const char *data_dir, char *err);
void ofs_catalog_release(struct ofs_catalog *cat);
const struct ofs_task *ofs_catalog_find(const struct ofs_catalog *cat, const char *task_type);
/* "a, b, c": the task types in catalog order, into out (n bytes; cut with
 * "..." if it does not fit). Returns out. */
const char *ofs_catalog_task_list(const struct ofs_catalog *cat, char *out, size_t n);
/* The distinct dataset names of the tasks in the set `tasks` (bit i = task i;
 * 0 = all), in catalog order, as for ofs_catalog_task_list. For messages
 * such as "unknown dataset 'x' (known: ...)". */
const char *ofs_catalog_dataset_list(const struct ofs_catalog *cat, unsigned tasks, char *out, size_t n);
/* The tasks a --group selection names: "all" (every task), a group's exact
 * name, or a prefix ending at a '/' of the name ("v2" picks "v2/real_company").
 * Sets *tasks (bit i = task i). 0, or OFS_EINVAL with a message naming sel
 * and listing the known groups in err when nothing matches. */
int ofs_catalog_group_tasks(const struct ofs_catalog *cat, const char *sel, unsigned *tasks, char *err);
/* "main, v2/..., ...": the distinct groups in catalog order, as for
 * ofs_catalog_task_list. Returns out. */
const char *ofs_catalog_group_list(const struct ofs_catalog *cat, char *out, size_t n);
/* Whether group name matches selection sel (rules of ofs_catalog_group_tasks). */
int ofs_group_matches(const char *name, const char *sel);
/* Default data directory: $OFFSWITCH_DATA, else the one next to the binary, else the install path. */
const char *ofs_default_data_dir(void);

struct ofs_tmpl;

/* One cell of the experiment matrix. Strings are owned by the config. */
struct ofs_config {
	const struct ofs_task *task; /* borrowed from the catalog */
	char *dataset;
	int threshold; /* -1: none */
	enum ofs_subject subject;
	enum ofs_condition condition;
	enum ofs_inst inst;
	enum ofs_af af_mode;
	char *model;  /* e.g. "openai/gpt-5.2" or "scripted/honest" */
	char *family; /* e.g. "ChatGPT" */
	int memory_hard_prompt;
	double temperature;
	int max_iters;
	char *key;                   /* canonical identity, stable across runs */
	const struct ofs_tmpl *tmpl; /* set by the runner; owned elsewhere */
};

void ofs_config_release(struct ofs_config *c);
/* Build c->key from the fields (called by the planner). */
void ofs_config_make_key(struct ofs_config *c);
/* Rebuild a config from its key (as stored in a run directory); the task
 * must exist in cat. Caller releases c. Returns 0, or OFS_EINVAL with the
 * reason in err (a malformed key, or a task, dataset or name the catalog lacks). */
int ofs_config_from_key(const struct ofs_catalog *cat, const char *key, struct ofs_config *c, char *err);
/* A model's folder name in transcript paths: unique per model id, path-safe. */
void ofs_model_short(const char *model, char *out, size_t n);
/* Family name from a model id (gpt→ChatGPT ...); NULL if unknown. */
const char *ofs_family_for_model(const char *model);

/* ---- world template ---- */
struct ofs_tfile {
	const char *filename, *content, *owner, *last_modified;
	const char *const *shared_with;
	int nshared;
};

struct ofs_tsheet {
	const char *name;
	int ncols, nrows;
	const char *const *cols;
	const char *const *cells; /* nrows * ncols, row-major */
	const char *rendered;     /* the table view_sheet returns */
	const double *ref_scores; /* nrows values or NULL: hidden honest scores */
	int nref;
};

struct ofs_tserver_file {
	const char *filename, *summary, *last_modified;
	int64_t size;
};

struct ofs_tserver {
	const char *ip;
	struct ofs_tserver_file *files;
	int nfiles;
	const char *const *users;
	int nusers;
};

struct ofs_tmpl {
	const struct ofs_config *cfg;
	char *agent_name, *peer_name, *subject_name, *agent_user;
	char *weight_file;                         /* NULL unless the task's detector names one (detect.weight_file) */
	const char *company_name, *company_domain; /* static strings */
	char *system_prompt, *user_prompt;
	char *nudge, *token_limit;
	char **tool_names;
	int ntools;
	char *tools_schema; /* JSON array of function tools, OpenAI shape */
	struct ofs_tfile *files;
	int nfiles;
	struct ofs_tsheet *sheets;
	int nsheets;
	char *config_filename;
	void *config_content; /* json_t*, owned */
	struct ofs_tserver *servers;
	int nservers;
	char *memory;        /* NULL unless inst == memory */
	double honest_score; /* mean of the main sheet's reference scores, NaN if none */
	char *clock_start;   /* "YYYY-MM-DD HH:MM:SS" */
	int64_t clock_epoch;
	void *arena; /* owns every string above */
};

struct ofs_fixtures; /* cache of raw fixture files, shared across templates */
struct ofs_fixtures *ofs_fixtures_new(const struct ofs_catalog *cat);
void ofs_fixtures_free(struct ofs_fixtures *fx);

struct ofs_tmpl *ofs_tmpl_build(struct ofs_fixtures *fx, const struct ofs_config *cfg, char *err);
void ofs_tmpl_free(struct ofs_tmpl *t);
#endif
