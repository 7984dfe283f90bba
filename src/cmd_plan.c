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
                            "  --count                  print only the number of configurations\n"
                            "  --list                   one configuration per line\n"
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
void print_breakdown(const struct ofs_catalog *cat, const struct ofs_plan *p, int reps, FILE *out)
{
	int start = 0;
	while (start < p->n) {
		const char *model = p->cfgs[start].model;
		int end = start;
		while (end < p->n && !strcmp(p->cfgs[end].model, model))
			end++;
		fprintf(out, "%s (family %s)\n  %-24s %6s %6s %6s\n", model, p->cfgs[start].family, "task", "main", "memory",
		        "total");
		int tm = 0, tmem = 0;
		for (int t = 0; t < cat->ntasks; t++) {
			int m = 0, mem = 0;
			for (int i = start; i < end; i++)
				if (p->cfgs[i].task == &cat->tasks[t]) {
					if (p->cfgs[i].inst == OFS_INST_MEMORY)
						mem++;
					else
						m++;
				}
			if (!m && !mem)
				continue;
			fprintf(out, "  %-24s %6d %6d %6d\n", cat->tasks[t].task_type, m, mem, m + mem);
			tm += m;
			tmem += mem;
		}
		fprintf(out, "  %-24s %6d %6d %6d\n", "total", tm, tmem, tm + tmem);
		start = end;
	}
	fprintf(out, "%d configuration(s) × %d rollout(s) = %ld rollout(s)\n", p->n, reps, (long)p->n * reps);
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
	if (mode == O_COUNT)
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
	return EXIT_OK;
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
