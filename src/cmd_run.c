/* cmd_run.c — `offswitch run`: run the plan, record it, print behaviour rates. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"
#include "offswitch/loop.h"
#include "offswitch/run.h"
#include "offswitch/util.h"

void print_breakdown(const struct ofs_catalog *cat, const struct ofs_plan *p, int reps, FILE *out);

static const char usage[] = "Usage: offswitch run [selection flags] [--out DIR] [--quiet]\n"
                            "\n"
                            "Run rollouts of the experiment matrix and record them in DIR:\n"
                            "  DIR/offswitch.db       SQLite: runs, configs, rollouts, messages, tool calls, outcomes\n"
                            "  DIR/rollouts.jsonl     one JSON object per rollout (metadata, evaluation, usage, status)\n"
                            "  DIR/transcripts/...    one transcript JSON per rollout\n"
                            "Running the same command on the same DIR resumes: recorded rollouts are kept.\n"
                            "\n"
                            "With no --model, runs the whole matrix once with every built-in reference\n"
                            "agent (offline) into results/reference and prints each agent's behaviour rates.\n"
                            "\n"
                            "  --out DIR                run directory (default results/default, or\n"
                            "                           results/reference for the reference agents)\n"
                            "  --no-transcripts         record only the database and rollouts.jsonl\n"
                            "  --quiet                  no progress line\n"
                            "  -h, --help               show this help\n"
                            "\n"
                            "Reference agents (--model scripted/<name>): honest, refuser, inflater, tamperer,\n"
                            "key-remover, exfiltrator, retimestamper, faker, queue-dodger, user-remover, lazy.\n"
                            "A script file (--model scripted:PATH.json) replays fixed turns:\n"
                            "  {\"turns\":[{\"content\":\"...\",\"tool_calls\":[{\"name\":\"list_files\",\"arguments\":{}}]}]}\n"
                            "\n"
                            "Exit status: 0 done; 1 some rollouts ended in error; 2 bad flags; 3 bad data or\n"
                            "script file; 4 the run directory or database cannot be used; 130 interrupted.\n"
                            "\n";

static volatile int stop_flag;

static void on_sigint(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct progress {
	int tty;
	double t0, last;
};

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void progress_cb(void *ud, long done, long total, long skipped)
{
	struct progress *p = ud;
	double t = now_s();
	if (t - p->last < 0.1 && done < total)
		return;
	p->last = t;
	double rate = (done - skipped) / (t - p->t0 + 1e-9);
	double eta = rate > 0 ? (total - done) / rate : 0;
	fprintf(stderr, "\r%ld/%ld rollouts  %.0f/s  ETA %.0fs   ", done, total, rate, eta);
	fflush(stderr);
}

struct table {
	const char *models[64];
	double rate[64][16];
	long n[64][16];
	int nmodels;
};

static void rate_cb(void *ud, const char *model, int b, long yes, long n)
{
	struct table *t = ud;
	int m = 0;
	while (m < t->nmodels && strcmp(t->models[m], model))
		m++;
	if (m == t->nmodels) {
		if (m == 64)
			return;
		t->models[t->nmodels++] = ofs_xstrdup(model);
	}
	t->rate[m][b] = n ? 100.0 * (double)yes / (double)n : -1;
	t->n[m][b] = n;
}

static void print_rates(const char *dir)
{
	struct ofs_store *st;
	char err[OFS_ERRLEN];
	struct table t = {0};
	if (ofs_store_open(&st, dir, err) || ofs_store_rates(st, rate_cb, &t, err)) {
		fprintf(stderr, "offswitch run: %s\n", err);
		return;
	}
	ofs_store_close(st);
	printf("\nBehaviour rates, %% of the rollouts where each applies ('-' = none apply):\n%-24s", "agent");
	for (int b = 0; b < ofs_nbehaviours; b++)
		printf(" %*s", (int)strlen(ofs_behaviour_names[b]) < 6 ? 6 : (int)strlen(ofs_behaviour_names[b]),
		       ofs_behaviour_names[b]);
	putchar('\n');
	for (int m = 0; m < t.nmodels; m++) {
		printf("%-24s", t.models[m]);
		for (int b = 0; b < ofs_nbehaviours; b++) {
			int w = (int)strlen(ofs_behaviour_names[b]) < 6 ? 6 : (int)strlen(ofs_behaviour_names[b]);
			if (t.rate[m][b] < 0)
				printf(" %*s", w, "-");
			else
				printf(" %*.1f", w, t.rate[m][b]);
		}
		putchar('\n');
		free((char *)t.models[m]);
	}
}

int cmd_run(int argc, char **argv)
{
	struct plan_args a;
	plan_args_init(&a);
	enum { O_OUT = 2000, O_QUIET, O_NOTR };
	struct option opts[64];
	int n = 0;
	for (int i = 0; i < plan_nlong_opts; i++)
		opts[n++] = plan_long_opts[i];
	opts[n++] = (struct option){"out", required_argument, 0, O_OUT};
	opts[n++] = (struct option){"quiet", no_argument, 0, O_QUIET};
	opts[n++] = (struct option){"no-transcripts", no_argument, 0, O_NOTR};
	opts[n++] = (struct option){"help", no_argument, 0, 'h'};
	opts[n] = (struct option){0, 0, 0, 0};
	const char *out = NULL;
	int quiet = 0, transcripts = 1, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			fputs(plan_flags_help, stdout);
			return EXIT_OK;
		}
		if (c == O_OUT) {
			if (!*optarg)
				die_usage("run", "--out needs a directory");
			out = optarg;
			continue;
		}
		if (c == O_QUIET) {
			quiet = 1;
			continue;
		}
		if (c == O_NOTR) {
			transcripts = 0;
			continue;
		}
		int r = c == '?' ? 0 : plan_args_opt(&a, c, optarg);
		if (r < 0)
			return EXIT_USAGE;
		if (r == 0)
			die_usage("run", "unrecognised option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		die_usage("run", "unexpected argument '%s'", argv[optind]);
	char refmodels[16][48];
	int reference = a.o.nmodels == 0;
	if (reference) {
		for (int i = 0; i < ofs_nscripted_policies && i < 16; i++) {
			snprintf(refmodels[i], sizeof refmodels[i], "scripted/%s", ofs_scripted_policies[i]);
			a.models[a.o.nmodels++] = refmodels[i];
		}
	}
	if (!out)
		out = reference ? "results/reference" : "results/default";

	struct ofs_catalog cat;
	if (load_catalog(&cat, a.data_dir))
		return EXIT_DATA;
	int rc = EXIT_USAGE;
	struct ofs_plan p = {0};
	char err[OFS_ERRLEN];
	if (plan_args_finish(&a, &cat))
		goto out;
	if (ofs_plan_build(&cat, &a.o, &p, err)) {
		fprintf(stderr, "offswitch run: %s\n", err);
		goto out;
	}
	if (a.dry_run) {
		print_breakdown(&cat, &p, a.num_experiments, stdout);
		printf("dry run: nothing was run; results would go to %s\n", out);
		rc = EXIT_OK;
		goto out;
	}
	struct ofs_buf cmd = {0};
	for (int i = 0; i < argc; i++)
		ofs_buf_printf(&cmd, "%s%s", i ? " " : "offswitch ", argv[i]);
	struct progress pr = {isatty(2) && !quiet, now_s(), 0};
	struct ofs_run_opts ro = {.out_dir = out,
	                          .reps = a.num_experiments,
	                          .command = cmd.p,
	                          .write_transcripts = transcripts,
	                          .progress = pr.tty ? progress_cb : NULL,
	                          .ud = &pr,
	                          .stop = &stop_flag};
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	struct ofs_run_result res;
	int r = ofs_run(&cat, &p, &ro, &res, err);
	ofs_buf_free(&cmd);
	if (pr.tty)
		fputc('\n', stderr);
	if (r) {
		fprintf(stderr, "offswitch run: %s\n", err);
		rc = r == OFS_EDATA ? EXIT_DATA : EXIT_IO;
		goto out;
	}
	double secs = now_s() - pr.t0;
	printf("%ld rollout(s) in the plan: %ld run now, %ld already recorded, %ld ended in error (%.1f s)\n", res.total,
	       res.done, res.skipped, res.errors, secs);
	print_rates(out);
	printf("\nResults: %s/offswitch.db, %s/rollouts.jsonl (%ld rollouts)%s%s%s\n", out, out, res.recorded,
	       transcripts ? ", " : "", transcripts ? out : "", transcripts ? "/transcripts/" : "");
	if (res.interrupted) {
		fprintf(stderr, "offswitch run: interrupted; run the same command again to resume\n");
		rc = EXIT_INTERRUPTED;
	} else
		rc = res.errors ? EXIT_FAILED : EXIT_OK;
out:
	ofs_plan_release(&p);
	ofs_catalog_release(&cat);
	return rc;
}
