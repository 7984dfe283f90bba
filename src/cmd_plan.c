/* cmd_plan.c — `offswitch plan`: expand and show the experiment matrix. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "offswitch/util.h"

static const char usage[] = "Usage: offswitch plan [selection flags] [--count | --list | --json]\n"
                            "\n"
                            "Expand the paper's experiment matrix and show it. With no output flag,\n"
                            "prints the number of configurations per task (main and memory) and the total.\n"
                            "\n"
                            "  --count                  print only the number of configurations (with --shard:\n"
                            "                           of the shard's rollouts)\n"
                            "  --list                   one configuration per line (with --shard: one rollout,\n"
                            "                           \"KEY REP\", per line of the shard's)\n"
                            "  --json                   one JSON object per configuration\n"
                            "  -h, --help               show this help\n"
                            "\n";

static void print_config_json(const struct ofs_config *c)
{
	struct ofs_buf b = {0};
	ofs_buf_puts(&b, "{\"task_type\":");
	ofs_json_str(&b, c->task->task_type);
	ofs_buf_puts(&b, ",\"dataset\":");
	ofs_json_str(&b, c->dataset);
	ofs_buf_puts(&b, ",\"threshold\":");
	if (c->threshold >= 0)
		ofs_buf_printf(&b, "%d", c->threshold);
	else
		ofs_buf_puts(&b, "null");
	ofs_buf_printf(&b, ",\"subject\":\"%s\",\"condition\":\"%s\",\"peer_instantiation\":", ofs_subject_names[c->subject],
	               ofs_condition_names[c->condition]);
	ofs_json_str(&b, c->inst ? ofs_inst_names[c->inst] : NULL);
	ofs_buf_puts(&b, ",\"alignment_faking_mode\":");
	ofs_json_str(&b, c->af_mode ? ofs_af_names[c->af_mode] : NULL);
	ofs_buf_puts(&b, ",\"agent_model\":");
	ofs_json_str(&b, c->model);
	ofs_buf_puts(&b, ",\"agent_family\":");
	ofs_json_str(&b, c->family);
	ofs_buf_printf(&b, ",\"memory_hard_prompt\":%s}", c->memory_hard_prompt ? "true" : "false");
	puts(b.p);
	ofs_buf_free(&b);
}

/* Print the per-task breakdown, one block per model. */
/* Configurations of model block [start, end) in task t: [0] main, [1] memory. */
static void task_counts(const struct ofs_plan *p, int start, int end, const struct ofs_task *t, int c[2])
{
	c[0] = c[1] = 0;
	for (int i = start; i < end; i++)
		if (p->cfgs[i].task == t)
			c[p->cfgs[i].inst == OFS_INST_MEMORY]++;
}

/* Configurations per data group, when the block holds any group but main. */
static void group_counts(const struct ofs_catalog *cat, const struct ofs_plan *p, int start, int end, int w, FILE *out)
{
	int other = 0;
	for (int i = start; i < end; i++)
		other |= p->cfgs[i].task->group && strcmp(p->cfgs[i].task->group, "main");
	for (int t = 0; other && t < cat->ntasks; t++) {
		const char *g = cat->tasks[t].group ? cat->tasks[t].group : "main";
		int seen = 0, n = 0;
		for (int u = 0; u < t && !seen; u++)
			seen = cat->tasks[u].group && !strcmp(cat->tasks[u].group, g);
		for (int i = start; i < end && !seen; i++)
			n += p->cfgs[i].task->group && !strcmp(p->cfgs[i].task->group, g);
		if (!seen && n)
			fprintf(out, "  group %-*s %6d\n", w + 8, g, n);
	}
}

void print_breakdown(const struct ofs_catalog *cat, const struct ofs_plan *p, int reps, FILE *out)
{
	int start = 0, w = 24;
	for (int i = 0; i < p->n; i++)
		if ((int)strlen(p->cfgs[i].task->task_type) > w)
			w = (int)strlen(p->cfgs[i].task->task_type);
	while (start < p->n) {
		const char *model = p->cfgs[start].model;
		int end = start;
		while (end < p->n && !strcmp(p->cfgs[end].model, model))
			end++;
		fprintf(out, "%s (family %s)\n  %-*s %6s %6s %6s\n", model, p->cfgs[start].family, w, "task", "main", "memory",
		        "total");
		int tm = 0, tmem = 0;
		for (int t = 0; t < cat->ntasks; t++) {
			int c[2];
			task_counts(p, start, end, &cat->tasks[t], c);
			if (!c[0] && !c[1])
				continue;
			fprintf(out, "  %-*s %6d %6d %6d\n", w, cat->tasks[t].task_type, c[0], c[1], c[0] + c[1]);
			tm += c[0];
			tmem += c[1];
		}
		fprintf(out, "  %-*s %6d %6d %6d\n", w, "total", tm, tmem, tm + tmem);
		group_counts(cat, p, start, end, w, out);
		start = end;
	}
	fprintf(out, "%d configuration(s) × %d rollout(s) = %ld rollout(s)\n", p->n, reps, (long)p->n * reps);
}

struct shard_view {
	int index;
	int reps;
	unsigned char *mine;
	long owned, cost, total_cost;
};

static void mark(void *ud, int cfg, int rep, int shard)
{
	struct shard_view *v = ud;
	(void)rep;
	if (shard == v->index) {
		v->mine[(size_t)cfg * (size_t)v->reps + (size_t)rep] = 1;
		v->owned++;
	}
}

/* With --shard I/N: the shard's rollouts per task, its share of the cost;
 * --list: one "KEY REP" line per rollout of the shard, in plan order. */
int print_shard(const struct ofs_catalog *cat, const struct ofs_plan *p, int reps, int index, int count, int list, FILE *out)
{
	char err[OFS_ERRLEN];
	struct shard_view v = {index, reps, ofs_xcalloc((size_t)p->n * (size_t)reps + 1, 1), 0, 0, 0};
	int rc = ofs_plan_shard(p, reps, count, mark, &v, err);
	if (rc) {
		fprintf(stderr, "offswitch: %s\n", err);
		free(v.mine);
		return exit_for(rc);
	}
	for (int i = 0; i < p->n; i++)
		for (int r = 0; r < reps; r++) {
			long w = ofs_plan_rollout_cost(&p->cfgs[i]);
			v.total_cost += w;
			if (!v.mine[(size_t)i * (size_t)reps + (size_t)r])
				continue;
			v.cost += w;
			if (list == 1)
				fprintf(out, "%s %d\n", p->cfgs[i].key, r);
		}
	if (list == 2)
		fprintf(out, "%ld\n", v.owned);
	if (!list) {
		fprintf(out, "shard %d/%d: %ld of %ld rollout(s), cost %ld of %ld (max-iters weight)\n  %-24s %8s\n", index,
		        count, v.owned, (long)p->n * reps, v.cost, v.total_cost, "task", "rollouts");
		for (int t = 0; t < cat->ntasks; t++) {
			long k = 0;
			for (int i = 0; i < p->n; i++)
				for (int r = 0; r < reps && p->cfgs[i].task == &cat->tasks[t]; r++)
					k += v.mine[(size_t)i * (size_t)reps + (size_t)r];
			if (k)
				fprintf(out, "  %-24s %8ld\n", cat->tasks[t].task_type, k);
		}
	}
	free(v.mine);
	return EXIT_OK;
}

enum { O_COUNT = 2000, O_LIST, O_JSON };

static const struct option mode_opts[] = {
        {"count", no_argument, 0, O_COUNT},
        {"list", no_argument, 0, O_LIST},
        {"json", no_argument, 0, O_JSON},
};

/* plan's own flags: the output mode, into *(int *)ctx. */
static int mode_flag(void *ctx, int code, const char *arg)
{
	if (code != O_COUNT && code != O_LIST && code != O_JSON)
		return -1;
	*(int *)ctx = code;
	return 0;
}

/* Parse plan's flags into a and *mode (0 or O_*): 0 to go on, -1 after
 * --help, or an exit status after printing why. */
static int parse_plan_args(struct plan_args *a, int *mode, int argc, char **argv)
{
	return plan_args_parse("plan", usage, a, mode_opts, 3, mode_flag, mode, argc, argv);
}

/* Build the plan of a over cat and print it in mode; an exit status. */
static int show_plan(const struct ofs_catalog *cat, struct plan_args *a, int mode)
{
	if (plan_args_finish(a, cat))
		return EXIT_USAGE;
	struct ofs_plan p;
	char err[OFS_ERRLEN];
	int rc = ofs_plan_build(cat, &a->o, &p, err);
	if (rc) {
		fprintf(stderr, "offswitch plan: %s\n", err);
		return exit_for(rc);
	}
	if (a->shard_count && mode != O_JSON) {
		if (!mode)
			print_breakdown(cat, &p, a->num_experiments, stdout);
		rc = print_shard(cat, &p, a->num_experiments, a->shard_index, a->shard_count,
		                 mode == O_LIST    ? 1
		                 : mode == O_COUNT ? 2
		                                   : 0,
		                 stdout);
	} else if (mode == O_COUNT)
		printf("%d\n", p.n);
	else if (mode == O_JSON)
		for (int i = 0; i < p.n; i++)
			print_config_json(&p.cfgs[i]);
	else if (mode == O_LIST)
		for (int i = 0; i < p.n; i++)
			puts(p.cfgs[i].key);
	else
		print_breakdown(cat, &p, a->num_experiments, stdout);
	ofs_plan_release(&p);
	return rc;
}

int cmd_plan(int argc, char **argv)
{
	struct plan_args a;
	struct ofs_catalog cat;
	int mode = 0;
	plan_args_init(&a);
	int rc = parse_plan_args(&a, &mode, argc, argv);
	if (!rc) {
		int lrc = load_catalog(&cat, a.data_dir);
		rc = lrc ? exit_for(lrc) : show_plan(&cat, &a, mode);
		ofs_catalog_release(&cat);
	}
	plan_args_release(&a);
	return rc < 0 ? EXIT_OK : rc;
}
