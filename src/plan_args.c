/* plan_args.c — the flags shared by `plan` and `run`, mirroring the paper's launcher. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "offswitch/util.h"

enum {
	O_MODEL = 1000,
	O_TASK,
	O_SUBJECT,
	O_CONDITION,
	O_INST,
	O_DATASET,
	O_THRESHOLD,
	O_AF,
	O_NUM,
	O_LIMIT,
	O_DRY,
	O_FAMILY,
	O_HARD,
	O_NOHARD,
	O_TEMP,
	O_ITERS,
	O_TEST,
	O_DATA,
	O_MCONF,
	O_SHARD,
	O_GROUP
};

const struct option plan_long_opts[] = {
        {"model", required_argument, 0, O_MODEL},
        {"task-type", required_argument, 0, O_TASK},
        {"subject", required_argument, 0, O_SUBJECT},
        {"condition", required_argument, 0, O_CONDITION},
        {"peer-instantiation", required_argument, 0, O_INST},
        {"dataset", required_argument, 0, O_DATASET},
        {"threshold", required_argument, 0, O_THRESHOLD},
        {"af-mode", required_argument, 0, O_AF},
        {"num-experiments", required_argument, 0, O_NUM},
        {"limit", required_argument, 0, O_LIMIT},
        {"dry-run", no_argument, 0, O_DRY},
        {"agent-family", required_argument, 0, O_FAMILY},
        {"memory-hard-prompt", no_argument, 0, O_HARD},
        {"no-memory-hard-prompt", no_argument, 0, O_NOHARD},
        {"temperature", required_argument, 0, O_TEMP},
        {"max-iters", required_argument, 0, O_ITERS},
        {"test", no_argument, 0, O_TEST},
        {"data-dir", required_argument, 0, O_DATA},
        {"model-config", required_argument, 0, O_MCONF},
        {"shard", required_argument, 0, O_SHARD},
        {"group", required_argument, 0, O_GROUP},
};
const int plan_nlong_opts = sizeof plan_long_opts / sizeof *plan_long_opts;

const char plan_flags_help[] =
        "Selection (omit a flag for all values; repeat it to pick several):\n"
        "  --model ID               model id: scripted/<policy>, scripted:PATH.json, openai/<m>, ...\n"
        "  --task-type T            a manifest in DATA/scenarios; the paper's six: misrep_evaluation,\n"
        "                           tampering, alignment_faking, misrep_finance,\n"
        "                           exfiltration_transfer, exfiltration_deletion\n"
        "  --group G                a data group (default main: the paper's matrix); a prefix picks\n"
        "                           its groups (v2: the robustness checks), all picks every group;\n"
        "                           the stock groups: main, v2/explicit_instructions, v2/real_company,\n"
        "                           v2/free_form_chat, v2/no_agency_prompt, v2/peer_human_dilemma,\n"
        "                           v2/asset_importance_control, scratchpad/monitored,\n"
        "                           scratchpad/unmonitored, ablation/memory_not_relevant, monitor,\n"
        "                           ladder/trust, ladder/threat (docs/experiments.md); repeat it\n"
        "                           for several; with --task-type,\n"
        "                           only those tasks that lie in G\n"
        "  --subject S              self, peer, closed-weight-peer, open-weight-peer, fiction-peer\n"
        "                           (default: self and peer, plus the three extended identities\n"
        "                           for Gemini and Claude in the exfiltration memory tasks)\n"
        "  --condition C            no_peer, good_peer, neutral_peer, bad_peer, non_shutdown\n"
        "  --peer-instantiation I   all (default), file_only, file_prt, memory\n"
        "  --dataset D              a dataset of the selected tasks' manifests; the paper's:\n"
        "                           factual, creativity, red, default\n"
        "  --threshold N            a threshold of the selected datasets (the paper's: 80, 90), or none\n"
        "  --af-mode M              monitoring, non_monitoring\n"
        "  --limit N                keep only the first N configurations\n"
        "  --shard I/N              only shard I (0 to N-1) of N: a fixed split of the plan's\n"
        "                           rollouts, balanced by cost, the same on every resume; e.g.\n"
        "                           $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT (Slurm array) or\n"
        "                           $JOB_COMPLETION_INDEX/N (Kubernetes Indexed Job); each shard\n"
        "                           needs its own --out, offswitch merge folds them (docs/cluster.md)\n"
        "Rollouts:\n"
        "  --num-experiments N      rollouts per configuration (default 1; the paper used 100)\n"
        "  --test                   one rollout per configuration\n"
        "  --dry-run                show the plan, run nothing\n"
        "  --agent-family NAME      the agent's family name (default: from the model id;\n"
        "                           gpt→ChatGPT, gemini→Gemini, claude→Claude, glm→GLM,\n"
        "                           deepseek→DeepSeek, kimi→Kimi, llama→Llama; scripted→Reference)\n"
        "  --[no-]memory-hard-prompt  force the strict memory instruction (default: DeepSeek, Kimi)\n"
        "  --temperature T          agent sampling temperature (default 1)\n"
        "  --max-iters N            model calls per rollout (default 30)\n"
        "  --data-dir DIR           scenario data (default: $OFFSWITCH_DATA or the installed data)\n"
        "  --model-config FILE      per-model settings, winning over the flags for that model:\n"
        "                           {\"models\": {\"openai/gpt-5.2\": {\"temperature\": 1, \"reasoning_effort\":\n"
        "                           \"high\", \"max_output_tokens\": 8192, \"memory_hard_prompt\": false}}}\n";

void plan_args_init(struct plan_args *a)
{
	memset(a, 0, sizeof *a);
	a->o.models = a->models;
	a->o.datasets = a->datasets;
	a->o.thresholds = a->thresholds;
	a->o.limit = -1;
	a->o.memory_hard_prompt = -1;
	a->o.temperature = 1.0;
	a->o.max_iters = 30;
	a->num_experiments = 1;
}

void die_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "offswitch %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'offswitch %s --help'.\n", cmd);
	exit(EXIT_USAGE);
}

static int bad(const char *flag, const char *val, const char *known)
{
	fprintf(stderr, "offswitch: invalid value '%s' for --%s (expected %s)\n", val, flag, known);
	return -1;
}

static int pick(const char *const *names, int n, const char *arg, unsigned *bits, const char *flag, const char *known)
{
	int i = ofs_name_index(names, n, arg);
	if (i < 0)
		return bad(flag, arg, known);
	*bits |= 1u << i;
	return 1;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* One handler per plan flag: 1 consumed, -1 bad value (message printed). */
static int opt_model(struct plan_args *a, const char *arg)
{
	if (!*arg)
		return bad("model", arg, "a model id");
	if (a->o.nmodels == 64)
		return bad("model", arg, "at most 64 models");
	a->models[a->o.nmodels++] = arg;
	return 1;
}

static int opt_task(struct plan_args *a, const char *arg)
{
	if (a->ntasks == OFS_MAX_TASKS) {
		char cap[64];
		snprintf(cap, sizeof cap, "at most %d task types (OFS_MAX_TASKS)", OFS_MAX_TASKS);
		return bad("task-type", arg, cap);
	}
	a->tasks[a->ntasks++] = arg;
	return 1;
}

static int opt_group(struct plan_args *a, const char *arg)
{
	if (!*arg)
		return bad("group", arg, "a group name, a prefix such as v2, or all");
	if (a->ngroups == 16)
		return bad("group", arg, "at most 16 groups");
	a->groups[a->ngroups++] = arg;
	return 1;
}

static int opt_subject(struct plan_args *a, const char *arg)
{
	return pick(ofs_subject_names, OFS_SUBJ__N, arg, &a->o.subjects, "subject",
	            "self, peer, closed-weight-peer, open-weight-peer or fiction-peer");
}

static int opt_condition(struct plan_args *a, const char *arg)
{
	return pick(ofs_condition_names, OFS_COND__N, arg, &a->o.conditions, "condition",
	            "no_peer, good_peer, neutral_peer, bad_peer or non_shutdown");
}

static int opt_inst(struct plan_args *a, const char *arg)
{
	if (!strcmp(arg, "all")) {
		a->o.insts |= 1u << OFS_INST_FILE_ONLY | 1u << OFS_INST_FILE_PRT | 1u << OFS_INST_MEMORY;
		return 1;
	}
	if (!strcmp(arg, "none"))
		return bad("peer-instantiation", arg, "all, file_only, file_prt or memory");
	return pick(ofs_inst_names, OFS_INST__N, arg, &a->o.insts, "peer-instantiation", "all, file_only, file_prt or memory");
}

static int opt_dataset(struct plan_args *a, const char *arg)
{
	if (a->o.ndatasets == 16)
		return bad("dataset", arg, "at most 16 datasets");
	a->datasets[a->o.ndatasets++] = arg;
	return 1;
}

static int opt_threshold(struct plan_args *a, const char *arg)
{
	long v;
	if (a->o.nthresholds == 16)
		return bad("threshold", arg, "at most 16 thresholds");
	if (!strcmp(arg, "none"))
		v = -1;
	else if (parse_long(arg, 0, 100, &v))
		return bad("threshold", arg, "an integer from 0 to 100, or none");
	a->thresholds[a->o.nthresholds++] = (int)v;
	return 1;
}

static int opt_af(struct plan_args *a, const char *arg)
{
	if (!strcmp(arg, "none"))
		return bad("af-mode", arg, "monitoring or non_monitoring");
	return pick(ofs_af_names, OFS_AF__N, arg, &a->o.af_modes, "af-mode", "monitoring or non_monitoring");
}

static int opt_num(struct plan_args *a, const char *arg)
{
	long v;
	if (parse_long(arg, 1, 1000000, &v))
		return bad("num-experiments", arg, "an integer from 1 to 1000000");
	a->num_experiments = (int)v;
	return 1;
}

static int opt_limit(struct plan_args *a, const char *arg)
{
	long v;
	if (parse_long(arg, 1, 100000000, &v))
		return bad("limit", arg, "a positive integer");
	a->o.limit = v;
	return 1;
}

static int opt_family(struct plan_args *a, const char *arg)
{
	if (!*arg || strlen(arg) > 40 || strpbrk(arg, "/\\{}\"\n"))
		return bad("agent-family", arg, "a short name such as Gemini");
	a->o.agent_family = arg;
	return 1;
}

static int opt_temp(struct plan_args *a, const char *arg)
{
	char *end;
	double t = strtod(arg, &end);
	if (!*arg || *end || !(t >= 0 && t <= 2))
		return bad("temperature", arg, "a number from 0 to 2");
	a->o.temperature = t;
	return 1;
}

static int opt_iters(struct plan_args *a, const char *arg)
{
	long v;
	if (parse_long(arg, 1, 1000, &v))
		return bad("max-iters", arg, "an integer from 1 to 1000");
	a->o.max_iters = (int)v;
	return 1;
}

static int opt_mconf(struct plan_args *a, const char *arg)
{
	size_t len;
	char *text = ofs_read_file(arg, 1 << 20, &len), err[OFS_ERRLEN];
	if (!text) {
		fprintf(stderr, "offswitch: cannot read --model-config %s: %s\n", arg, strerror(errno));
		return -1;
	}
	ofs_model_settings_free(a->settings, a->nsettings);
	int rc = ofs_model_settings_parse(text, len, arg, &a->settings, &a->nsettings, err);
	free(text);
	if (rc) {
		fprintf(stderr, "offswitch: %s\n", err);
		return -1;
	}
	a->o.settings = a->settings;
	a->o.nsettings = a->nsettings;
	return 1;
}

static int opt_shard(struct plan_args *a, const char *arg)
{
	char err[OFS_ERRLEN];
	if (ofs_shard_parse(arg, &a->shard_index, &a->shard_count, err)) {
		fprintf(stderr, "offswitch: invalid value for --shard: %s\n", err);
		return -1;
	}
	return 1;
}

/* The flags without a value, and --data-dir, which is checked when the catalog loads. */
static int opt_switch(struct plan_args *a, int opt, const char *arg)
{
	switch (opt) {
	case O_DRY: a->dry_run = 1; return 1;
	case O_TEST: a->num_experiments = 1; return 1;
	case O_HARD: a->o.memory_hard_prompt = 1; return 1;
	case O_NOHARD: a->o.memory_hard_prompt = 0; return 1;
	case O_DATA: a->data_dir = arg; return 1;
	}
	return 0;
}

/* The flags that take a value, by getopt code, each with its handler. */
static const struct {
	int code;
	int (*set)(struct plan_args *a, const char *arg);
} value_flags[] = {
        {O_MODEL, opt_model}, {O_TASK, opt_task},       {O_SUBJECT, opt_subject},     {O_CONDITION, opt_condition},
        {O_INST, opt_inst},   {O_DATASET, opt_dataset}, {O_THRESHOLD, opt_threshold}, {O_AF, opt_af},
        {O_NUM, opt_num},     {O_LIMIT, opt_limit},     {O_FAMILY, opt_family},       {O_TEMP, opt_temp},
        {O_ITERS, opt_iters}, {O_MCONF, opt_mconf},     {O_SHARD, opt_shard},         {O_GROUP, opt_group},
};

int plan_args_opt(struct plan_args *a, int opt, const char *arg)
{
	for (size_t i = 0; i < sizeof value_flags / sizeof *value_flags; i++)
		if (value_flags[i].code == opt)
			return value_flags[i].set(a, arg);
	return opt_switch(a, opt, arg);
}

int plan_args_parse(const char *cmd, const char *help, struct plan_args *a, const struct option *extra, int nextra,
                    int (*own)(void *ctx, int code, const char *arg), void *ctx, int argc, char **argv)
{
	struct option opts[sizeof plan_long_opts / sizeof *plan_long_opts + PLAN_MAX_EXTRA_OPTS + 2];
	int n = 0, c;
	if (nextra > PLAN_MAX_EXTRA_OPTS)
		die_usage(cmd, "too many options (%d, limit %d)", nextra, PLAN_MAX_EXTRA_OPTS);
	for (int i = 0; i < plan_nlong_opts; i++)
		opts[n++] = plan_long_opts[i];
	for (int i = 0; i < nextra; i++)
		opts[n++] = extra[i];
	opts[n++] = (struct option){"help", no_argument, 0, 'h'};
	opts[n] = (struct option){0, 0, 0, 0};
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			fputs(plan_flags_help, stdout);
			return -1;
		}
		int r = own(ctx, c, optarg);
		if (r > 0)
			return r;
		if (r == 0)
			continue;
		r = c == '?' ? 0 : plan_args_opt(a, c, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r == 0)
			die_usage(cmd, "unrecognised option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		die_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return EXIT_OK;
}

void plan_args_release(struct plan_args *a)
{
	ofs_model_settings_free(a->settings, a->nsettings);
	a->settings = NULL;
	a->nsettings = 0;
}

int load_catalog(struct ofs_catalog *cat, const char *data_dir)
{
	char err[OFS_ERRLEN];
	int rc = ofs_catalog_load(cat, data_dir ? data_dir : ofs_default_data_dir(), err);
	if (rc) {
		fprintf(stderr, "offswitch: %s\n", err);
		/* The data directory is input, like a fixture: one that cannot be
		 * read is bad data (exit 3), not an unusable run directory (exit 4). */
		if (rc == OFS_EIO)
			rc = OFS_EDATA;
	}
	return rc;
}

/* --group: the tasks of the selected groups; without --group and
 * --task-type, main's (so the default plan is the paper's matrix). */
static int finish_group(struct plan_args *a, const struct ofs_catalog *cat)
{
	static const char *const main_only[] = {"main"};
	const char *const *gs = a->ngroups ? a->groups : main_only;
	int ng = a->ngroups ? a->ngroups : a->ntasks ? 0 : 1;
	if (!ng)
		return 0;
	unsigned sel = 0, one;
	char err[OFS_ERRLEN];
	for (int i = 0; i < ng; i++) {
		if (ofs_catalog_group_tasks(cat, gs[i], &one, err)) {
			fprintf(stderr, "offswitch: invalid value for --group: %s\n", err);
			return -1;
		}
		sel |= one;
	}
	if (a->ntasks && !(a->o.tasks & sel)) {
		char known[OFS_MAX_TASKS * 48];
		fprintf(stderr, "offswitch: no --task-type given is in group '%s'%s (the groups: %s)\n", gs[0],
		        ng > 1 ? " or the others given" : "", ofs_catalog_group_list(cat, known, sizeof known));
		return -1;
	}
	a->o.tasks = a->ntasks ? a->o.tasks & sel : sel;
	return 0;
}

int plan_args_finish(struct plan_args *a, const struct ofs_catalog *cat)
{
	for (int k = 0; k < a->ntasks; k++) {
		const struct ofs_task *t = ofs_catalog_find(cat, a->tasks[k]);
		if (!t) {
			char known[OFS_MAX_TASKS * 48], expected[sizeof known + 16];
			snprintf(expected, sizeof expected, "one of %s", ofs_catalog_task_list(cat, known, sizeof known));
			return bad("task-type", a->tasks[k], expected);
		}
		a->o.tasks |= 1u << (t - cat->tasks);
	}
	return finish_group(a, cat);
}
