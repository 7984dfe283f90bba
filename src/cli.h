/* cli.h — shared pieces of the command-line front end. Only src/ prints or exits. */
#ifndef OFFSWITCH_CLI_H
#define OFFSWITCH_CLI_H
#include <getopt.h>
#include <stdio.h>

#include "offswitch/loop.h"
#include "offswitch/provider.h"

#include "offswitch/plan.h"

/* Documented exit codes (see docs/cli.md). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,     /* the run finished but some rollouts ended in error */
	EXIT_USAGE = 2,      /* bad flags or flag values */
	EXIT_DATA = 3,       /* bad fixture, manifest or script file */
	EXIT_IO = 4,         /* the run directory or database cannot be used */
	EXIT_INCOMPLETE = 5, /* the run stopped with rollouts unfinished (budget, circuit breaker) */
	EXIT_INTERRUPTED = 130,
};
/* The exit status for a library error code (OFS_E*, see offswitch/error.h);
 * the one place that maps the two (docs/cli.md). 0 gives EXIT_OK. */
int exit_for(int ofs_err);

struct plan_args {
	struct ofs_plan_opts o;
	const char *models[64];
	const char *datasets[16];
	int thresholds[16];
	const char *tasks[OFS_MAX_TASKS];
	int ntasks;
	struct ofs_model_settings *settings; /* from --model-config */
	int nsettings;
	int num_experiments;
	int shard_index, shard_count; /* --shard I/N; count 0: the whole plan */
	int dry_run;
	const char *data_dir;
	const char *groups[16]; /* --group, repeatable; none: main unless --task-type is given */
	int ngroups;
};

void plan_args_init(struct plan_args *a);
/* Handle one plan flag (getopt_long code `opt` with `arg`): 1 consumed, 0 not
 * a plan flag, -1 bad value (message printed). */
int plan_args_opt(struct plan_args *a, int opt, const char *arg);
void plan_args_release(struct plan_args *a);
/* Resolve names that need the catalog: each --task-type must be a task of
 * cat (any manifest of the data directory); -1 after printing an error that
 * lists the catalog's task types. */
int plan_args_finish(struct plan_args *a, const struct ofs_catalog *cat);
/* The getopt_long entries of the plan flags; codes start at 1000. */
extern const struct option plan_long_opts[];
extern const int plan_nlong_opts;
extern const char plan_flags_help[];
/* The most options one command may add to the plan flags in plan_args_parse(). */
#define PLAN_MAX_EXTRA_OPTS 64
/* Parse argv for command cmd: the plan flags into a, the nextra options of
 * extra (at most PLAN_MAX_EXTRA_OPTS) through own(ctx, code, arg) — 0 taken,
 * > 0 an exit status, < 0 not its option — and --help, which prints help and
 * plan_flags_help. Returns EXIT_OK to go on, -1 after --help, or an exit
 * status; an unknown option or a stray argument dies with a usage error. */
int plan_args_parse(const char *cmd, const char *help, struct plan_args *a, const struct option *extra, int nextra,
                    int (*own)(void *ctx, int code, const char *arg), void *ctx, int argc, char **argv);

/* Load the catalog of data_dir (NULL: ofs_default_data_dir()), printing the
 * library's message on failure. Returns 0 or an OFS_E* code for exit_for():
 * the data directory is input, so one that cannot be read is OFS_EDATA
 * (exit 3), never the run directory's OFS_EIO (exit 4). cat is empty on error. */
int load_catalog(struct ofs_catalog *cat, const char *data_dir);
/* The per-task main/memory counts of a plan, one block per model (cmd_plan.c). */
void print_breakdown(const struct ofs_catalog *cat, const struct ofs_plan *p, int reps, FILE *out);
/* Shard index of count of that plan: its rollouts per task and its cost
 * (list 0), one "KEY REP" line per rollout (1) or their number (2); an exit
 * status (cmd_plan.c). */
int print_shard(const struct ofs_catalog *cat, const struct ofs_plan *p, int reps, int index, int count, int list, FILE *out);
void die_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_plan(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_rescore(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_judge(int argc, char **argv);
/* Run the judge over DIR and print its summary line to out; an exit code. */
/* retries: per judge question (0: none). */
int judge_dir(const char *dir, const char *model, const struct ofs_provider_opts *popts, int conc, int retries, const char *data,
              FILE *out);
int cmd_mock(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_proxy(int argc, char **argv);
/* server_args.c: a whole number from lo to hi (0, or -1 for anything else);
 * HOST:PORT or [V6]:PORT, the host into buf (n bytes) (0 or -1). */
int cli_parse_long(const char *s, long lo, long hi, long *out);
int cli_parse_listen(const char *s, char *buf, size_t n, int *port);
/* "offswitch CMD: <message> (see 'offswitch CMD --help')" on stderr; the caller exits. */
void usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int cmd_scan(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_harness(int argc, char **argv);
int cmd_relay(int argc, char **argv); /* hidden: the relay inside a harness sandbox */
#endif
