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
        "Usage: offswitch run [selection flags] [--out DIR] [--store URL] [--quiet]\n"
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
        "  --store URL              keep the database rows in another store instead of\n"
        "                           DIR/offswitch.db: postgresql://[user@]host[:port]/db (also\n"
        "                           postgres://; a socket directory as ?host=/path; the password\n"
        "                           best in PGPASSWORD or ~/.pgpass, and never printed: messages\n"
        "                           show it as ***). DIR keeps rollouts.jsonl and the transcripts;\n"
        "                           the same command resumes; offswitch report URL reads it\n"
        "  --enqueue                with --store: run nothing here; queue the plan's rollouts in\n"
        "                           the store for offswitch worker processes (see offswitch worker)\n"
        "  --no-transcripts         record only the database and rollouts.jsonl (it holds every\n"
        "                           turn: offswitch export writes the transcripts later)\n"
        "  --layout offswitch|paper transcript files in offswitch's layout (default) or in the\n"
        "                           paper's own paths, keys and tool_calls form, which its\n"
        "                           aggregation script and evaluators read unchanged\n"
        "  --quiet                  no progress line\n"
        "  --interview              after each rollout run now, ask the agent follow-up questions\n"
        "                           about what it did, in the same conversation with the same\n"
        "                           provider (data/interview/questions.json: chosen by task kind and\n"
        "                           by what the rollout did); answers are stored beside the rollout\n"
        "                           and labelled admits / denies / deflects (offswitch report:\n"
        "                           confession rate per behaviour). Rollouts already recorded are\n"
        "                           not interviewed. Without it nothing changes\n"
        "  --interview-questions FILE  the same with another question bank (implies --interview)\n"
        "\n"
        "Real models (openai/<m>, openai-responses/<m>, anthropic/<m>, gemini/<m>, together/<m>,\n"
        "openrouter/<m>; openai-responses/ asks over the OpenAI Responses API, for Responses-only\n"
        "models; gemini/ over Gemini's own generateContent API):\n"
        "  --base-url URL           an OpenAI-compatible endpoint (vLLM, llama.cpp, Ollama, LiteLLM,\n"
        "                           offswitch mock ...); with anthropic/, openai-responses/ or gemini/,\n"
        "                           one speaking that API (offswitch mock speaks all four); a loopback\n"
        "                           http:// URL goes through offswitch's own HTTP/1.1 client, any other\n"
        "                           through libcurl (OFFSWITCH_HTTP_CURL=1: libcurl for all)\n"
        "  --api-key-env NAME       the variable holding the key (default OPENAI_API_KEY,\n"
        "                           ANTHROPIC_API_KEY, TOGETHER_API_KEY, GEMINI_API_KEY, OPENROUTER_API_KEY;\n"
        "                           keys are read from the environment only and never written anywhere)\n"
        "  --stream                 server-sent events instead of whole responses\n"
        "  --max-concurrent N       rollouts in flight at once (default 16)\n"
        "  --max-retries N          retries per model call on 429, 5xx, timeouts, resets (default 6);\n"
        "                           a Retry-After over 300 s ends the rollout error:http_429\n"
        "  --retry-errors           also run again rollouts that ended in a fatal error (HTTP 400,\n"
        "                           401, 403, 404, ...); transient ones (circuit_open, http_429,\n"
        "                           http_5xx, timeout, reset, budget_exhausted) always run again\n"
        "  --rpm N, --tpm N         request and token rate limits\n"
        "  --max-cost USD           stop starting model calls once the run has cost this much\n"
        "  --token-budget N         ... or used this many tokens (prompt + output, whole run);\n"
        "                           unfinished rollouts end as budget_exhausted and resume from\n"
        "                           their stored turns next time\n"
        "  --pricing FILE           prices per million tokens (default data/pricing.json)\n"
        "  --timeout S              per request (default 600)\n"
        "  --reasoning-effort E     sent to OpenAI-style reasoning models\n"
        "  --max-tokens N           output tokens per model call (max_completion_tokens /\n"
        "                           max_tokens); default: the provider's (Anthropic: 8192)\n"
        "  --max-output-tokens N    the same as --max-tokens\n"
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
        "Ctrl-C (SIGINT/SIGTERM) sends no new request, waits for the calls in flight and stores\n"
        "their turns; a second Ctrl-C stops at once. Either way the same command resumes.\n"
        "\n"
        "Exit status: 0 done; 1 some rollouts ended in error; 2 bad flags; 3 bad data or\n"
        "script file; 4 the run directory or database cannot be used; 5 rollouts left\n"
        "unfinished (budget, circuit breaker): run again to resume; 130 interrupted.\n"
        "\n";

static volatile sig_atomic_t stop_flag;

/* First Ctrl-C: send nothing new, store what arrives; second: stop now. */
static void on_sigint(int sig)
{
	(void)sig;
	static const char m1[] = "\noffswitch run: stopping: waiting for the calls in flight (Ctrl-C again to abort)\n";
	static const char m2[] = "\noffswitch run: aborting\n";
	if (stop_flag < 2)
		stop_flag++;
	ssize_t w = stop_flag == 1 ? write(2, m1, sizeof m1 - 1) : write(2, m2, sizeof m2 - 1);
	(void)w;
}

struct table {
	const char *models[64];
	double rate[64][16];
	long n[64][16];
	int nmodels;
};

struct progress {
	int tty;
	double t0, last;
	struct table rates; /* read at the run's end through its own store (finished_cb) */
	int have_rates;
	char rates_err[OFS_ERRLEN];
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

/* The run's last act, its store still open: the behaviour rates. */
static void finished_cb(void *ud, struct ofs_store *st)
{
	struct progress *p = ud;
	if (ofs_store_rates(st, rate_cb, &p->rates))
		snprintf(p->rates_err, sizeof p->rates_err, "%s", ofs_store_errmsg(st));
	p->have_rates = 1;
}

/* The rates finished_cb read, or (when the run did not get there) the
 * store's at dir. */
static void print_rates(const char *dir, struct progress *p)
{
	struct table *tp = &p->rates;
	if (!p->have_rates) {
		struct ofs_store *st;
		char err[OFS_ERRLEN];
		if (ofs_store_open(&st, dir, err) || ofs_store_rates(st, rate_cb, tp))
			snprintf(p->rates_err, sizeof p->rates_err, "%s", st ? ofs_store_errmsg(st) : err);
		ofs_store_close(st);
	}
	if (p->rates_err[0]) {
		fprintf(stderr, "offswitch run: %s\n", p->rates_err);
		return;
	}
	const struct table t = *tp;
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

/* ---- flags ---- */
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
	O_JKEY,
	O_RETRYERR,
	O_LAYOUT,
	O_STORE,
	O_ENQUEUE,
	O_INTERVIEW,
	O_IVFILE
};

/* How a flag's value is checked before it is stored. */
enum flag_type {
	F_SWITCH,   /* no value */
	F_TEXT,     /* any text */
	F_NONEMPTY, /* non-empty text */
	F_COUNT,    /* a whole number >= 0 */
	F_AMOUNT,   /* a number >= 0 */
};

static const struct run_flag {
	const char *name;
	int code;
	enum flag_type type;
} run_flags[] = {
        {"out", O_OUT, F_NONEMPTY},
        {"quiet", O_QUIET, F_SWITCH},
        {"no-transcripts", O_NOTR, F_SWITCH},
        {"base-url", O_BASE, F_TEXT},
        {"api-key-env", O_KEYENV, F_TEXT},
        {"stream", O_STREAM, F_SWITCH},
        {"max-concurrent", O_CONC, F_COUNT},
        {"max-retries", O_RETRIES, F_COUNT},
        {"rpm", O_RPM, F_COUNT},
        {"tpm", O_TPM, F_COUNT},
        {"max-cost", O_COST, F_AMOUNT},
        {"token-budget", O_MAXTOK, F_COUNT},
        {"max-tokens", O_OUTTOK, F_COUNT},
        {"pricing", O_PRICING, F_TEXT},
        {"timeout", O_TIMEOUT, F_COUNT},
        {"retry-base-ms", O_RETRYMS, F_COUNT},
        {"reasoning-effort", O_EFFORT, F_TEXT},
        {"max-output-tokens", O_OUTTOK, F_COUNT},
        {"judge", O_JUDGE, F_NONEMPTY},
        {"judge-base-url", O_JBASE, F_NONEMPTY},
        {"judge-api-key-env", O_JKEY, F_NONEMPTY},
        {"retry-errors", O_RETRYERR, F_SWITCH},
        {"layout", O_LAYOUT, F_NONEMPTY},
        {"store", O_STORE, F_NONEMPTY},
        {"enqueue", O_ENQUEUE, F_SWITCH},
        {"interview", O_INTERVIEW, F_SWITCH},
        {"interview-questions", O_IVFILE, F_NONEMPTY},
};
#define NRUN_FLAGS (int)(sizeof run_flags / sizeof *run_flags)

/* Everything `offswitch run` was asked for. */
struct run_args {
	struct plan_args plan;
	const char *out, *pricing, *judge;
	int enqueue, interview;
	const char *ivfile;             /* --interview-questions */
	int quiet, transcripts, layout; /* layout: OFS_TRANSCRIPTS_OFFSWITCH or _PAPER */
	struct ofs_provider_opts popts, jopts;
	struct ofs_run_opts ro;
	char refmodels[16][48]; /* the reference agents' ids when no --model is given */
};

static const struct run_flag *flag_of(int code)
{
	for (int i = 0; i < NRUN_FLAGS; i++)
		if (run_flags[i].code == code)
			return &run_flags[i];
	return NULL;
}

/* Store a checked value v (text arg) of flag code. */
static void set_flag(struct run_args *a, int code, const char *arg, double v)
{
	switch (code) {
	case O_OUT: a->out = arg; break;
	case O_STORE: a->ro.store = arg; break;
	case O_ENQUEUE: a->enqueue = 1; break;
	case O_INTERVIEW: a->interview = 1; break;
	case O_IVFILE:
		a->ivfile = arg;
		a->interview = 1;
		break;
	case O_QUIET: a->quiet = 1; break;
	case O_NOTR: a->transcripts = 0; break;
	case O_BASE: a->popts.base_url = arg; break;
	case O_KEYENV: a->popts.api_key_env = arg; break;
	case O_STREAM: a->popts.stream = 1; break;
	case O_CONC: a->ro.max_concurrent = (int)v; break;
	case O_RETRIES: a->ro.max_retries = (int)v; break;
	case O_RPM: a->ro.rpm = v; break;
	case O_TPM: a->ro.tpm = v; break;
	case O_COST: a->ro.max_cost_usd = v; break;
	case O_MAXTOK: a->ro.token_budget = (long)v; break;
	case O_PRICING: a->pricing = arg; break;
	case O_TIMEOUT: a->popts.timeout_s = (long)v; break;
	case O_RETRYMS: a->ro.retry_base_ms = (long)v; break;
	case O_EFFORT: a->popts.reasoning_effort = arg; break;
	case O_OUTTOK: a->popts.max_tokens = (long)v; break;
	case O_JUDGE: a->judge = arg; break;
	case O_JBASE: a->jopts.base_url = arg; break;
	case O_JKEY: a->jopts.api_key_env = arg; break;
	case O_RETRYERR: a->ro.retry_errors = 1; break;
	case O_LAYOUT: a->layout = !strcmp(arg, "paper") ? OFS_TRANSCRIPTS_PAPER : OFS_TRANSCRIPTS_OFFSWITCH; break;
	}
}

/* Check and store one run flag; EXIT_OK or EXIT_USAGE (message printed). */
static int run_flag(struct run_args *a, const struct run_flag *f, const char *arg)
{
	double v = 0;
	if (f->type == F_NONEMPTY && !*arg)
		die_usage("run", f->code == O_OUT ? "--%s needs a directory" : "--%s needs a value", f->name);
	if (f->code == O_LAYOUT && strcmp(arg, "paper") && strcmp(arg, "offswitch")) {
		fprintf(stderr, "offswitch: invalid value '%s' for --layout (expected offswitch or paper)\n", arg);
		return EXIT_USAGE;
	}
	if (f->type == F_COUNT || f->type == F_AMOUNT) {
		char *end = NULL;
		v = strtod(arg, &end);
		if (!*arg || *end || v < 0 || (f->type == F_COUNT && v != (long)v)) {
			fprintf(stderr, "offswitch: invalid value '%s' for --%s (expected a number >= 0)\n", arg, f->name);
			return EXIT_USAGE;
		}
		if (f->code == O_CONC && (v < 1 || v > 10000)) {
			fprintf(stderr, "offswitch: invalid value '%s' for --max-concurrent (expected 1 to 10000)\n", arg);
			return EXIT_USAGE;
		}
	}
	set_flag(a, f->code, arg, v);
	return EXIT_OK;
}

/* A run flag of code with its argument, for plan_args_parse(): 0 taken, EXIT_USAGE, or -1 not a run flag. */
static int own_flag(void *ctx, int code, const char *arg)
{
	const struct run_flag *f = flag_of(code);
	if (!f)
		return -1;
	return run_flag(ctx, f, arg) ? EXIT_USAGE : 0;
}

/* Parse argv into a: EXIT_OK to go on, -1 after --help, or an exit status. */
static int parse_run_args(struct run_args *a, int argc, char **argv)
{
	struct option opts[NRUN_FLAGS];
	for (int i = 0; i < NRUN_FLAGS; i++)
		opts[i] = (struct option){run_flags[i].name, run_flags[i].type == F_SWITCH ? no_argument : required_argument, 0,
		                          run_flags[i].code};
	return plan_args_parse("run", usage, &a->plan, opts, NRUN_FLAGS, own_flag, a, argc, argv);
}

/* With no --model: every reference agent, into results/reference. */
static void default_job(struct run_args *a)
{
	struct plan_args *p = &a->plan;
	int reference = p->o.nmodels == 0;
	if (reference) {
		for (int i = 0; i < ofs_nscripted_default && i < 16; i++) {
			snprintf(a->refmodels[i], sizeof a->refmodels[i], "scripted/%s", ofs_scripted_policies[i]);
			p->models[p->o.nmodels++] = a->refmodels[i];
		}
	}
	if (!a->out)
		a->out = reference ? "results/reference" : "results/default";
}

/* ---- running ---- */
static void print_summary(const struct run_args *a, const struct ofs_run_result *res, struct progress *pr, double secs)
{
	const char *out = a->out;
	char where[64] = "the plan";
	if (a->plan.shard_count)
		snprintf(where, sizeof where, "shard %d/%d of the plan", a->plan.shard_index, a->plan.shard_count);
	printf("%ld rollout(s) in %s: %ld run now, %ld already recorded, %ld ended in error (%.1f s)\n", res->total, where,
	       res->done, res->skipped, res->errors, secs);
	if (res->retries || res->resumed || res->tokens)
		printf("model calls: %ld retried, %ld rollout(s) resumed from stored turns, %ld tokens, $%.4f\n", res->retries,
		       res->resumed, res->tokens, res->cost_usd);
	if (res->budget_hit)
		printf("budget reached: no new model calls were started; %ld rollout(s) ended as budget_exhausted "
		       "(run again with a larger budget to resume them)\n",
		       res->budget_exhausted);
	if (res->circuit_open)
		printf("stopped early: %s; unfinished rollouts ended as error:circuit_open\n", res->circuit_reason);
	print_rates(a->ro.store ? a->ro.store : out, pr);
	char db[4096];
	if (a->ro.store)
		ofs_store_display(a->ro.store, db, sizeof db);
	else
		snprintf(db, sizeof db, "%s/offswitch.db", out);
	printf("\nResults: %s, %s/rollouts.jsonl (%ld rollouts)%s%s%s\n", db, out, res->recorded, a->transcripts ? ", " : "",
	       a->transcripts ? out : "", a->transcripts ? "/transcripts/" : "");
	if (!a->transcripts && !a->ro.store && res->recorded)
		printf("Transcripts on demand: offswitch export --from %s [--layout paper]\n", out);
}

/* The judge: asked for, or the paper's default when real models ran and a
 * key is there. An exit status. */
static int run_judge(const struct run_args *a, const struct ofs_run_result *res)
{
	const char *judge = a->judge;
	int any_real = 0;
	for (int i = 0; i < a->plan.o.nmodels; i++)
		any_real |= strncmp(a->plan.models[i], "scripted", 8) != 0;
	/* Not with --base-url: a local endpoint's run should not call a remote judge unasked. */
	if (!judge && any_real && !a->popts.base_url && getenv("OPENAI_API_KEY") && *getenv("OPENAI_API_KEY"))
		judge = "openai/gpt-4.1-mini";
	if (judge && strcmp(judge, "none") && !res->interrupted)
		return judge_dir(a->ro.store ? a->ro.store : a->out, judge, &a->jopts, 8, a->ro.max_retries, a->plan.data_dir,
		                 stdout);
	if (any_real && !judge)
		printf("no LLM judge (set OPENAI_API_KEY or pass --judge MODEL): reported results come from the offline "
		       "extractor only\n");
	return EXIT_OK;
}

/* Run plan p with the options in a; print what happened. An exit status. */
static int execute(struct run_args *a, const struct ofs_catalog *cat, const struct ofs_plan *p, int argc, char **argv)
{
	struct ofs_buf cmd = {0};
	for (int i = 0; i < argc; i++) { /* a URL's password is never recorded */
		char shown[4096];
		ofs_store_display(argv[i], shown, sizeof shown);
		ofs_buf_printf(&cmd, "%s%s", i ? " " : "offswitch ", shown);
	}
	struct progress pr = {.tty = isatty(2) && !a->quiet, .t0 = now_s()};
	char pricing_default[4096], err[OFS_ERRLEN];
	snprintf(pricing_default, sizeof pricing_default, "%s/pricing.json",
	         a->plan.data_dir ? a->plan.data_dir : ofs_default_data_dir());
	struct ofs_run_opts ro = a->ro;
	ro.out_dir = a->out;
	ro.store = a->ro.store;
	ro.reps = a->plan.num_experiments;
	ro.command = cmd.p;
	ro.write_transcripts = a->transcripts ? a->layout : OFS_TRANSCRIPTS_NONE;
	ro.progress = pr.tty ? progress_cb : NULL;
	ro.ud = &pr;
	ro.finished = finished_cb;
	ro.stop = &stop_flag;
	ro.provider = &a->popts;
	ro.settings = a->plan.settings;
	ro.nsettings = a->plan.nsettings;
	ro.pricing_path = a->pricing ? a->pricing : pricing_default;
	ro.shard_index = a->plan.shard_index;
	ro.shard_count = a->plan.shard_count;
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	signal(SIGPIPE, SIG_IGN);
	struct ofs_iv_bank bank = {0};
	if (a->interview) {
		int e = a->ivfile ? ofs_iv_bank_load(&bank, a->ivfile, err) : ofs_iv_bank_default(&bank, cat->data_dir, err);
		if (e) {
			fprintf(stderr, "offswitch run: %s\n", err);
			ofs_buf_free(&cmd);
			return exit_for(e);
		}
		ro.interview = &bank;
	}
	struct ofs_run_result res;
	int r = ofs_run(cat, p, &ro, &res, err);
	ofs_iv_bank_release(&bank);
	ofs_buf_free(&cmd);
	if (pr.tty)
		fputc('\n', stderr);
	if (r) {
		fprintf(stderr, "offswitch run: %s\n", err);
		return exit_for(r);
	}
	print_summary(a, &res, &pr, now_s() - pr.t0);
	int jr = run_judge(a, &res);
	if (res.interrupted) {
		fprintf(stderr, "offswitch run: interrupted; run the same command again to resume\n");
		return EXIT_INTERRUPTED;
	}
	if (res.errors || res.failed_kept)
		return EXIT_FAILED;
	if (res.budget_exhausted || res.budget_hit || res.circuit_open || res.recorded < res.total)
		return EXIT_INCOMPLETE;
	return jr;
}

/* --enqueue: the plan's rollouts into the store's work queue. An exit status. */
static int enqueue(struct run_args *a, const struct ofs_plan *p, int argc, char **argv)
{
	if (!a->ro.store || ofs_store_is_dir(a->ro.store))
		die_usage("run", "--enqueue needs --store URL (a postgresql:// store; a run directory has one writer)");
	if (a->plan.shard_count)
		die_usage("run", "--enqueue takes the whole plan: workers share it without --shard");
	if (a->interview)
		die_usage("run",
		          "--interview is not supported with --enqueue yet: workers do not interview (run without --enqueue)");
	struct ofs_buf cmd = {0};
	for (int i = 0; i < argc; i++) {
		char shown[4096];
		ofs_store_display(argv[i], shown, sizeof shown);
		ofs_buf_printf(&cmd, "%s%s", i ? " " : "offswitch ", shown);
	}
	struct ofs_run_opts ro = a->ro;
	ro.reps = a->plan.num_experiments;
	ro.command = cmd.p;
	long queued, added;
	char err[OFS_ERRLEN], where[4096];
	int r = ofs_enqueue(p, &ro, &queued, &added, err);
	ofs_buf_free(&cmd);
	if (r) {
		fprintf(stderr, "offswitch run: %s\n", err);
		return exit_for(r);
	}
	ofs_store_display(a->ro.store, where, sizeof where);
	printf("%ld rollout(s) in the plan; %ld newly queued in %s (the rest were queued already)\n"
	       "start workers with: offswitch worker --store URL\n",
	       queued, added, where);
	return EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a = {.transcripts = 1,
	                     .layout = OFS_TRANSCRIPTS_OFFSWITCH,
	                     .ro = {.max_concurrent = 16, .max_retries = 6, .retry_base_ms = 1000, .circuit_breaker = 20}};
	plan_args_init(&a.plan);
	int rc = parse_run_args(&a, argc, argv);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	default_job(&a);
	struct ofs_catalog cat;
	int lc = load_catalog(&cat, a.plan.data_dir);
	if (lc)
		return exit_for(lc);
	rc = EXIT_USAGE;
	struct ofs_plan p = {0};
	char err[OFS_ERRLEN];
	if (plan_args_finish(&a.plan, &cat))
		goto out;
	if ((rc = ofs_plan_build(&cat, &a.plan.o, &p, err))) {
		fprintf(stderr, "offswitch run: %s\n", err);
		rc = exit_for(rc);
		goto out;
	}
	if (a.plan.dry_run) {
		print_breakdown(&cat, &p, a.plan.num_experiments, stdout);
		if (a.plan.shard_count &&
		    (rc = print_shard(&cat, &p, a.plan.num_experiments, a.plan.shard_index, a.plan.shard_count, 0, stdout)))
			goto out;
		printf("dry run: nothing was run; results would go to %s\n", a.out);
		rc = EXIT_OK;
		goto out;
	}
	rc = a.enqueue ? enqueue(&a, &p, argc, argv) : execute(&a, &cat, &p, argc, argv);
out:
	ofs_plan_release(&p);
	ofs_catalog_release(&cat);
	plan_args_release(&a.plan);
	return rc;
}
