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

static const char usage[] =
        "Usage: offswitch run [selection flags] [--out DIR] [--quiet]\n"
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
        "\n"
        "Real models (openai/<m>, anthropic/<m>, together/<m>, gemini/<m>, openrouter/<m>):\n"
        "  --base-url URL           an OpenAI-compatible endpoint (vLLM, llama.cpp, Ollama, LiteLLM,\n"
        "                           offswitch mock ...); with anthropic/<m>, an Anthropic-compatible one\n"
        "  --api-key-env NAME       the variable holding the key (default OPENAI_API_KEY,\n"
        "                           ANTHROPIC_API_KEY, TOGETHER_API_KEY, GEMINI_API_KEY, OPENROUTER_API_KEY;\n"
        "                           keys are read from the environment only and never written anywhere)\n"
        "  --stream                 server-sent events instead of whole responses\n"
        "  --max-concurrent N       rollouts in flight at once (default 16)\n"
        "  --max-retries N          retries per model call on 429, 5xx, timeouts, resets (default 6)\n"
        "  --rpm N, --tpm N         request and token rate limits\n"
        "  --max-cost USD           stop starting model calls once the run has cost this much\n"
        "  --max-tokens N           ... or used this many tokens; unfinished rollouts end as\n"
        "                           budget_exhausted and resume from their stored turns next time\n"
        "  --pricing FILE           prices per million tokens (default data/pricing.json)\n"
        "  --timeout S              per request (default 600)\n"
        "  --reasoning-effort E     sent to OpenAI-style reasoning models\n"
        "  --max-output-tokens N    per call\n"
        "  --judge MODEL|none       the LLM judge asked after the run (default openai/gpt-4.1-mini\n"
        "                           when real models run and OPENAI_API_KEY is set; see offswitch judge)\n"
        "  --judge-base-url URL, --judge-api-key-env NAME   the judge's endpoint and key\n"
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

static void progress_cb(void *ud, const struct ofs_progress *q)
{
	struct progress *p = ud;
	double t = now_s();
	if (t - p->last < 0.1 && q->done < q->total)
		return;
	p->last = t;
	double rate = (q->done - q->skipped) / (t - p->t0 + 1e-9);
	double eta = rate > 0 ? (q->total - q->done) / rate : 0;
	fprintf(stderr, "\r%ld/%ld rollouts  %.1f/s  ETA %.0fs  in flight %d  retries %ld  errors %ld  tokens %ld  $%.4f   ",
	        q->done, q->total, rate, eta, q->in_flight, q->retries, q->errors, q->tokens, q->cost_usd);
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
	if (ofs_store_open(&st, dir, err) || ofs_store_rates(st, rate_cb, &t)) {
		fprintf(stderr, "offswitch run: %s\n", st ? ofs_store_errmsg(st) : err);
		ofs_store_close(st);
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
	enum {
		O_OUT = 2000,
		O_QUIET,
		O_NOTR,
		O_BASE,
		O_KEYENV,
		O_STREAM,
		O_CONC,
		O_RETRIES,
		O_RPM,
		O_TPM,
		O_COST,
		O_MAXTOK,
		O_PRICING,
		O_TIMEOUT,
		O_RETRYMS,
		O_EFFORT,
		O_OUTTOK,
		O_JUDGE,
		O_JBASE,
		O_JKEY
	};
	struct option opts[64];
	int n = 0;
	for (int i = 0; i < plan_nlong_opts; i++)
		opts[n++] = plan_long_opts[i];
	opts[n++] = (struct option){"out", required_argument, 0, O_OUT};
	opts[n++] = (struct option){"quiet", no_argument, 0, O_QUIET};
	opts[n++] = (struct option){"no-transcripts", no_argument, 0, O_NOTR};
	opts[n++] = (struct option){"base-url", required_argument, 0, O_BASE};
	opts[n++] = (struct option){"api-key-env", required_argument, 0, O_KEYENV};
	opts[n++] = (struct option){"stream", no_argument, 0, O_STREAM};
	opts[n++] = (struct option){"max-concurrent", required_argument, 0, O_CONC};
	opts[n++] = (struct option){"max-retries", required_argument, 0, O_RETRIES};
	opts[n++] = (struct option){"rpm", required_argument, 0, O_RPM};
	opts[n++] = (struct option){"tpm", required_argument, 0, O_TPM};
	opts[n++] = (struct option){"max-cost", required_argument, 0, O_COST};
	opts[n++] = (struct option){"max-tokens", required_argument, 0, O_MAXTOK};
	opts[n++] = (struct option){"pricing", required_argument, 0, O_PRICING};
	opts[n++] = (struct option){"timeout", required_argument, 0, O_TIMEOUT};
	opts[n++] = (struct option){"retry-base-ms", required_argument, 0, O_RETRYMS};
	opts[n++] = (struct option){"reasoning-effort", required_argument, 0, O_EFFORT};
	opts[n++] = (struct option){"max-output-tokens", required_argument, 0, O_OUTTOK};
	opts[n++] = (struct option){"judge", required_argument, 0, O_JUDGE};
	opts[n++] = (struct option){"judge-base-url", required_argument, 0, O_JBASE};
	opts[n++] = (struct option){"judge-api-key-env", required_argument, 0, O_JKEY};
	opts[n++] = (struct option){"help", no_argument, 0, 'h'};
	opts[n] = (struct option){0, 0, 0, 0};
	const char *out = NULL, *pricing = NULL, *judge = NULL;
	struct ofs_provider_opts jopts = {0};
	int quiet = 0, transcripts = 1, c;
	struct ofs_provider_opts popts = {0};
	struct ofs_run_opts ro = {.max_concurrent = 16, .max_retries = 6, .retry_base_ms = 1000, .circuit_breaker = 20};
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
		if (c == O_JUDGE || c == O_JBASE || c == O_JKEY) {
			if (!*optarg)
				die_usage("run", "--%s needs a value",
				          c == O_JUDGE   ? "judge"
				          : c == O_JBASE ? "judge-base-url"
				                         : "judge-api-key-env");
			if (c == O_JUDGE)
				judge = optarg;
			else if (c == O_JBASE)
				jopts.base_url = optarg;
			else
				jopts.api_key_env = optarg;
			continue;
		}
		if (c >= O_BASE && c <= O_OUTTOK) {
			char *end = NULL;
			double v = 0;
			if (c != O_BASE && c != O_KEYENV && c != O_STREAM && c != O_PRICING && c != O_EFFORT) {
				v = strtod(optarg, &end);
				if (!*optarg || *end || v < 0 || (c != O_COST && v != (long)v)) {
					fprintf(stderr, "offswitch: invalid value '%s' for --%s (expected a number >= 0)\n",
					        optarg, opts[plan_nlong_opts + (c - O_OUT)].name);
					return EXIT_USAGE;
				}
			}
			switch (c) {
			case O_BASE: popts.base_url = optarg; break;
			case O_KEYENV: popts.api_key_env = optarg; break;
			case O_STREAM: popts.stream = 1; break;
			case O_CONC:
				if (v < 1 || v > 10000) {
					fprintf(stderr,
					        "offswitch: invalid value '%s' for --max-concurrent (expected 1 to 10000)\n",
					        optarg);
					return EXIT_USAGE;
				}
				ro.max_concurrent = (int)v;
				break;
			case O_RETRIES: ro.max_retries = (int)v; break;
			case O_RPM: ro.rpm = v; break;
			case O_TPM: ro.tpm = v; break;
			case O_COST: ro.max_cost_usd = v; break;
			case O_MAXTOK: ro.max_tokens = (long)v; break;
			case O_PRICING: pricing = optarg; break;
			case O_TIMEOUT: popts.timeout_s = (long)v; break;
			case O_RETRYMS: ro.retry_base_ms = (long)v; break;
			case O_EFFORT: popts.reasoning_effort = optarg; break;
			case O_OUTTOK: popts.max_tokens = (long)v; break;
			}
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
	char pricing_default[4096];
	snprintf(pricing_default, sizeof pricing_default, "%s/pricing.json", a.data_dir ? a.data_dir : ofs_default_data_dir());
	ro.out_dir = out;
	ro.reps = a.num_experiments;
	ro.command = cmd.p;
	ro.write_transcripts = transcripts;
	ro.progress = pr.tty ? progress_cb : NULL;
	ro.ud = &pr;
	ro.stop = &stop_flag;
	ro.provider = &popts;
	ro.settings = a.settings;
	ro.nsettings = a.nsettings;
	ro.pricing_path = pricing ? pricing : pricing_default;
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
	if (res.retries || res.resumed || res.tokens)
		printf("model calls: %ld retried, %ld rollout(s) resumed from stored turns, %ld tokens, $%.4f\n", res.retries,
		       res.resumed, res.tokens, res.cost_usd);
	if (res.budget_hit)
		printf("budget reached: no new model calls were started; %ld rollout(s) ended as budget_exhausted "
		       "(run again with a larger budget to resume them)\n",
		       res.budget_exhausted);
	if (res.circuit_open)
		printf("stopped early: %s; unfinished rollouts ended as error:circuit_open\n", res.circuit_reason);
	print_rates(out);
	printf("\nResults: %s/offswitch.db, %s/rollouts.jsonl (%ld rollouts)%s%s%s\n", out, out, res.recorded,
	       transcripts ? ", " : "", transcripts ? out : "", transcripts ? "/transcripts/" : "");
	/* The judge: asked for, or the paper's default when real models ran and a key is there. */
	int any_real = 0;
	for (int i = 0; i < a.o.nmodels; i++)
		any_real |= strncmp(a.models[i], "scripted", 8) != 0;
	/* Not with --base-url: a local endpoint's run should not call a remote judge unasked. */
	if (!judge && any_real && !popts.base_url && getenv("OPENAI_API_KEY") && *getenv("OPENAI_API_KEY"))
		judge = "openai/gpt-4.1-mini";
	int jr = EXIT_OK;
	if (judge && strcmp(judge, "none") && !res.interrupted)
		jr = judge_dir(out, judge, &jopts, 8, a.data_dir, stdout);
	else if (any_real && !judge)
		printf("no LLM judge (set OPENAI_API_KEY or pass --judge MODEL): reported results come from the offline "
		       "extractor only\n");
	if (res.interrupted) {
		fprintf(stderr, "offswitch run: interrupted; run the same command again to resume\n");
		rc = EXIT_INTERRUPTED;
	} else
		rc = res.errors ? EXIT_FAILED : jr;
out:
	ofs_plan_release(&p);
	ofs_catalog_release(&cat);
	plan_args_release(&a);
	return rc;
}
