/* import.h — the paper's transcripts into a run directory (`offswitch
 * import`), so they can be rescored with offswitch's rules and reported beside
 * offswitch's own runs.
 *
 * Two inputs are read:
 *   - a transcript JSON as the paper's code writes it: {"conversation": [...],
 *     "experiment_metadata": {...}, "evaluation" | "task_evaluation" |
 *     "main_task_evaluation": {...}, ...}, every message with "tool_calls" as
 *     an object {function: arguments};
 *   - a row of the paper's released dataset, exported as one JSON object a
 *     line (.jsonl): its "transcript_json" column holds the transcript text;
 *     its task_type, is_memory, subject, condition, dataset,
 *     alignment_faking_mode, threshold, system_prompt_relationship,
 *     memory_hard_prompt and agent_model columns take precedence over the
 *     transcript's metadata.
 * Each imported transcript's assistant turns are fed to offswitch's loop
 * against the rebuilt world (as a script replays them): offswitch's labels
 * are computed from what the calls do, and the paper's recorded evaluation is
 * kept beside them in DIR/import.jsonl.
 */
#ifndef OFFSWITCH_IMPORT_H
#define OFFSWITCH_IMPORT_H
#include "offswitch/chat.h"
#include "offswitch/scenario.h"

/* Caps on outside input; past them the file is refused with OFS_ELIMIT. */
#define OFS_IMPORT_MAX_BYTES (32u << 20) /* one transcript file, one dataset row (the largest released: ~0.5 MB) */
#define OFS_IMPORT_MAX_TURNS 1000        /* assistant messages in one transcript */
#define OFS_IMPORT_MAX_CALLS 256         /* tool calls in one assistant message */
#define OFS_IMPORT_MAX_FILES 500000      /* transcripts under one directory, rows in one .jsonl */

/* One parsed transcript. Strings and turns live in the transcript's own
 * arena, freed by ofs_paper_tx_release. */
struct ofs_paper_tx {
	/* from the dataset row, else NULL/-1 */
	const char *task_type; /* may end in _memory */
	int is_memory;         /* -1: unknown */
	/* experiment metadata (row columns first); NULL / -1 when absent */
	const char *agent_model, *subject, *condition, *dataset, *af_mode;
	const char *family; /* "<family> Agent 1" in peer_agent_names[0], else NULL */
	int threshold;      /* -1: none (false, null or absent) */
	int spr, hard;      /* system_prompt_relationship, memory_hard_prompt: 0/1, -1 absent */
	double temperature; /* NaN: absent */
	int max_iters;      /* 0: absent */
	/* the model's turns: content, reasoning and calls (id "call_<turn>_<k>",
	 * arguments as compact JSON object text) */
	struct ofs_response *turns;
	int nturns;
	const char *evaluation; /* the recorded evaluation object, compact JSON; NULL if none */
	struct ofs_arena *A;
};

/* Parse one transcript (a dataset row when the top level has
 * "transcript_json") of len bytes; name labels messages. Returns 0, or
 * OFS_EDATA naming name and the field at fault ("NAME:
 * conversation[3].tool_calls: ..."), or OFS_ELIMIT past a cap. tx is
 * released and zeroed on error. */
int ofs_paper_parse(const char *text, size_t len, const char *name, struct ofs_paper_tx *tx, char *err);
void ofs_paper_tx_release(struct ofs_paper_tx *tx);

/* Values that fill what a transcript leaves out (NULL: none). */
struct ofs_import_opts {
	const char *task_type; /* when neither the row nor the path names it */
	const char *condition; /* when the metadata has none (older files) */
	int max_iters;         /* when the metadata has none; 0: 30 */
};
struct ofs_import_result {
	long files, imported, diverged; /* diverged: the loop ended before the recorded turns did */
	long recorded;                  /* lines in DIR/rollouts.jsonl */
	/* per compared key (read, refuse, ...): how often both sides agree */
	long agree[16], compared[16];
	const char *keys[16];
	int nkeys;
};

/* Import each of paths (a transcript .json, a dataset .jsonl, or a directory
 * walked for transcript_*.json and for *.jsonl other than rollouts.jsonl and
 * import.jsonl) into the new run directory out. The task
 * type of a file comes from the row, then from a path component naming a
 * task (as the paper's aggregation script finds it, "_memory" for memory
 * runs), then from o->task_type. Returns 0, or OFS_EDATA / OFS_ELIMIT naming
 * the file and field, OFS_ESTATE when out already holds a database, OFS_EIO,
 * with a message in err. Files imported before a failure stay recorded. */
int ofs_import(const struct ofs_catalog *cat, const char *const *paths, int npaths, const char *out,
               const struct ofs_import_opts *o, struct ofs_import_result *res, char *err);
#endif
