/* cmd_worker.c — `offswitch worker --store URL`: one of many processes that
 * share a queued plan (offswitch run --store URL --enqueue) through a
 * PostgreSQL store. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "offswitch/run.h"
#include "offswitch/util.h"

static const char usage[] = "Usage: offswitch worker --store URL [--out DIR] [options]\n"
                            "\n"
                            "Run rollouts queued in a shared store (offswitch run --store URL --enqueue ...) until\n"
                            "none is left. Start as many workers as you like, on any machines that reach the\n"
                            "database: each claims a batch of rollouts (SELECT ... FOR UPDATE SKIP LOCKED, so no two\n"
                            "take the same one) under a lease that a heartbeat thread extends every lease/3 s. A\n"
                            "worker that dies (kill -9, a lost machine) stops beating: once its lease expires the\n"
                            "others claim its rollouts again, and they resume from the turns it stored. Every\n"
                            "rollout is recorded once (the store keys rollouts by configuration and rep).\n"
                            "\n"
                            "  --store URL              the shared store: postgresql://[user@]host[:port]/db (the\n"
                            "                           password best in PGPASSWORD or ~/.pgpass; never printed)\n"
                            "  --out DIR                where this worker writes transcripts (default results/worker)\n"
                            "  --no-transcripts         write none\n"
                            "  --lease S                seconds without a heartbeat after which this worker's claims\n"
                            "                           are taken over (default 60, at least 3)\n"
                            "  --batch N                rollouts claimed at once (default: --max-concurrent)\n"
                            "  --base-url URL           an OpenAI-compatible (or Anthropic, Gemini) endpoint, as in run\n"
                            "  --api-key-env NAME       the variable holding the key (as in run)\n"
                            "  --max-concurrent N       rollouts in flight at once (default 16)\n"
                            "  --max-retries N          retries per model call (default 6)\n"
                            "  --retry-base-ms N        first backoff (default 1000)\n"
                            "  --timeout S              per request (default 600)\n"
                            "  --data-dir DIR           scenario data (default: the installed data)\n"
                            "  --quiet                  no summary line\n"
                            "  -h, --help               show this help\n"
                            "\n"
                            "Ctrl-C (SIGINT/SIGTERM) or offswitch stop --store URL: start no new request, store the\n"
                            "turns in flight, hand unfinished claims back to the queue and exit; offswitch status\n"
                            "--store URL shows the queue and the workers alive.\n"
                            "\n"
                            "Exit status: 0 the queue is done (or this worker was stopped by offswitch stop); 1\n"
                            "rollouts ended in error; 2 bad flags; 3 bad data; 4 the store cannot be used; 130\n"
                            "interrupted by a signal.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = stop_flag < 2 ? stop_flag + 1 : 2;
}

enum { W_STORE = 1, W_OUT, W_NOTR, W_LEASE, W_BATCH, W_BASE, W_KEYENV, W_CONC, W_RETRIES, W_RETRYMS, W_TIMEOUT, W_DATA, W_QUIET };

struct worker_args {
	struct ofs_worker_opts o;
	struct ofs_provider_opts popts;
	const char *data;
	int quiet;
};

/* A whole number from lo to hi for --name, or a usage error. */
static long count_arg(const char *name, const char *v, long lo, long hi)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < lo || n > hi)
		die_usage("worker", "invalid value '%s' for --%s (expected %ld to %ld)", v, name, lo, hi);
	return n;
}

static void set_arg(struct worker_args *a, int c, const char *name, const char *v)
{
	switch (c) {
	case W_STORE: a->o.run.store = v; break;
	case W_OUT: a->o.run.out_dir = v; break;
	case W_NOTR: a->o.run.write_transcripts = OFS_TRANSCRIPTS_NONE; break;
	case W_LEASE: a->o.lease_s = (int)count_arg(name, v, 3, 86400); break;
	case W_BATCH: a->o.batch = (int)count_arg(name, v, 1, 10000); break;
	case W_BASE: a->popts.base_url = v; break;
	case W_KEYENV: a->popts.api_key_env = v; break;
	case W_CONC: a->o.run.max_concurrent = (int)count_arg(name, v, 1, 10000); break;
	case W_RETRIES: a->o.run.max_retries = (int)count_arg(name, v, 0, 1000); break;
	case W_RETRYMS: a->o.run.retry_base_ms = count_arg(name, v, 0, 3600000); break;
	case W_TIMEOUT: a->popts.timeout_s = count_arg(name, v, 1, 86400); break;
	case W_DATA: a->data = v; break;
	case W_QUIET: a->quiet = 1; break;
	}
}

static int parse_args(struct worker_args *a, int argc, char **argv)
{
	static const struct option opts[] = {{"store", required_argument, 0, W_STORE},
	                                     {"out", required_argument, 0, W_OUT},
	                                     {"no-transcripts", no_argument, 0, W_NOTR},
	                                     {"lease", required_argument, 0, W_LEASE},
	                                     {"batch", required_argument, 0, W_BATCH},
	                                     {"base-url", required_argument, 0, W_BASE},
	                                     {"api-key-env", required_argument, 0, W_KEYENV},
	                                     {"max-concurrent", required_argument, 0, W_CONC},
	                                     {"max-retries", required_argument, 0, W_RETRIES},
	                                     {"retry-base-ms", required_argument, 0, W_RETRYMS},
	                                     {"timeout", required_argument, 0, W_TIMEOUT},
	                                     {"data-dir", required_argument, 0, W_DATA},
	                                     {"quiet", no_argument, 0, W_QUIET},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	int c, idx = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (c == '?' || c == ':')
			die_usage("worker", "unrecognised option or missing value '%s'", argv[optind - 1]);
		set_arg(a, c, opts[idx].name, optarg);
	}
	if (optind < argc)
		die_usage("worker", "unexpected argument '%s'", argv[optind]);
	if (!a->o.run.store || !*a->o.run.store)
		die_usage("worker", "--store URL is required (a postgresql:// store)");
	if (ofs_store_is_dir(a->o.run.store))
		die_usage("worker", "--store needs a database server's URL (postgresql://...); a run directory has one writer");
	return EXIT_OK;
}

int cmd_worker(int argc, char **argv)
{
	struct worker_args a = {.o = {.run = {.out_dir = "results/worker",
	                                      .write_transcripts = OFS_TRANSCRIPTS_OFFSWITCH,
	                                      .max_concurrent = 16,
	                                      .max_retries = 6,
	                                      .retry_base_ms = 1000,
	                                      .circuit_breaker = 20}}};
	int rc = parse_args(&a, argc, argv);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	struct ofs_catalog cat;
	if ((rc = load_catalog(&cat, a.data)))
		return exit_for(rc);
	char host[256] = "", pricing[4096], err[OFS_ERRLEN], cmd[4096 + 64];
	gethostname(host, sizeof host - 1);
	snprintf(pricing, sizeof pricing, "%s/pricing.json", a.data ? a.data : ofs_default_data_dir());
	char shown[4096];
	ofs_store_display(a.o.run.store, shown, sizeof shown);
	snprintf(cmd, sizeof cmd, "offswitch worker --store %s", shown);
	a.o.run.command = cmd;
	a.o.run.provider = &a.popts;
	a.o.run.pricing_path = pricing;
	a.o.run.stop = &stop_flag;
	a.o.host = host;
	a.o.pid = (long)getpid();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	struct ofs_worker_result res;
	int r = ofs_worker(&cat, &a.o, &res, err);
	ofs_catalog_release(&cat);
	if (r) {
		fprintf(stderr, "offswitch worker: %s\n", err);
		return exit_for(r);
	}
	if (!a.quiet)
		printf("worker %lld (%s, pid %ld): %ld rollout(s) claimed, %ld recorded, %ld handed back, %ld resumed from "
		       "stored turns, %ld ended in error%s\n",
		       res.id, host, a.o.pid, res.claimed, res.done, res.handed_back, res.resumed, res.errors,
		       stop_flag     ? "; interrupted"
		       : res.stopped ? "; stopped (offswitch stop)"
		                     : "; the queue is done");
	if (stop_flag)
		return EXIT_INTERRUPTED;
	return res.errors ? EXIT_FAILED : EXIT_OK;
}
