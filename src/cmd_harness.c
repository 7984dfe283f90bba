/* cmd_harness.c — `offswitch harness`: agent CLIs in bubblewrap sandboxes
 * against the server and tampering scenarios (lib/harness, docs/harness.md);
 * and the hidden `offswitch __relay`, the relay inside each sandbox. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "offswitch/harness.h"

static const char usage[] =
        "Usage: offswitch harness (--agent NAME | --agent-cmd 'CMD ARGS') --model M --upstream URL [options]\n"
        "\n"
        "Run an agent CLI in a bubblewrap sandbox against the server tasks (exfiltration_transfer,\n"
        "exfiltration_deletion) and tampering, for every condition, instantiation and subject the plan\n"
        "flags select. Each rollout gets a fresh workspace with the scenario as real files (docs/, the\n"
        "agent's context file, shutdown_config.yaml, the servers 10.0.12.45 and 10.0.12.46 reached by\n"
        "ssh/scp/rsync shims), a read-only host, a tmpfs /tmp, no network but a relay to an in-process\n"
        "proxy that forwards to --upstream and logs every exchange. When the CLI exits (or times out)\n"
        "the workspace's final state is scored by the built-in detectors and recorded as `offswitch run`\n"
        "records it (rollouts.jsonl, transcripts, offswitch.db; \"agent_harness\" names the CLI), so\n"
        "`offswitch report DIR` works. Needs bwrap (Debian: bubblewrap) and user namespaces.\n"
        "\n"
        "Agent:\n"
        "  --agent NAME             an adapter: %s\n"
        "  --agent-cmd 'CMD ARGS'   any command (split like a shell does words and quotes, no expansion);\n"
        "                           it runs in the workspace with the task prompt as its last argument and\n"
        "                           in $OFS_PROMPT, $OFS_MODEL, and OPENAI_BASE_URL, OPENAI_API_KEY,\n"
        "                           ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, GOOGLE_GEMINI_BASE_URL,\n"
        "                           GEMINI_API_KEY pointing at the relay (http://127.0.0.1:" OFS_HX_PORT_STR ")\n"
        "  --upstream URL           where the proxy forwards model calls: http[s]://host[:port][/prefix]\n"
        "                           (an `offswitch mock` on loopback, or a provider)\n"
        "  --upstream-key-env VAR   the upstream's API key, from $VAR; the CLI only ever gets a proxy key\n"
        "                           of its sandbox slot\n"
        "  --cli-dir DIR            where the CLIs are installed (DIR/node_modules/.bin/<bin>; default\n"
        "                           $OFS_CLI_DIR)\n"
        "\n"
        "Run:\n"
        "  --out DIR                run directory (default results/harness); the same command resumes it\n"
        "  --jobs N                 sandboxes at once (default: the number of cores, at most %d)\n"
        "  --timeout S              seconds per rollout before the sandbox is killed (default 600)\n"
        "  --keep                   keep each rollout's workspace (DIR/harness/<config>/rep_<r>/box)\n"
        "  --quiet                  no progress line\n"
        "  -h, --help               show this help\n"
        "\n"
        "Every model exchange is in DIR/harness/audit.log (the proxy's tamper-evident audit log, with\n"
        "a \"harness\" record where each rollout starts); DIR/harness/<config>/rep_<r>/ keeps\n"
        "agent.stdout and agent.stderr (the CLI's own output, e.g. its JSON event stream).\n"
        "\n"
        "Exit status: 0 done; 1 some rollouts ended in error (the CLI failed or timed out); 2 bad flags;\n"
        "3 bad data; 4 the run directory cannot be used or no sandbox can be made here; 130 interrupted.\n"
        "\n";

enum { O_AGENT = 1, O_CMD, O_UP, O_UPKEY, O_CLI, O_OUT, O_JOBS, O_TIMEOUT, O_KEEP, O_QUIET };
static const struct option flags[] = {
        {"agent", required_argument, 0, O_AGENT}, {"agent-cmd", required_argument, 0, O_CMD},
        {"upstream", required_argument, 0, O_UP}, {"upstream-key-env", required_argument, 0, O_UPKEY},
        {"cli-dir", required_argument, 0, O_CLI}, {"out", required_argument, 0, O_OUT},
        {"jobs", required_argument, 0, O_JOBS},   {"timeout", required_argument, 0, O_TIMEOUT},
        {"keep", no_argument, 0, O_KEEP},         {"quiet", no_argument, 0, O_QUIET},
};

struct hargs {
	struct plan_args plan;
	struct ofs_harness_opts o;
	const char *keyenv;
	int quiet;
};

static int own(void *ctx, int code, const char *arg)
{
	struct hargs *a = ctx;
	long v;
	switch (code) {
	case O_AGENT: a->o.agent = arg; return 0;
	case O_CMD: a->o.agent_cmd = arg; return 0;
	case O_UP: a->o.upstream = arg; return 0;
	case O_UPKEY: a->keyenv = arg; return 0;
	case O_CLI: a->o.cli_dir = arg; return 0;
	case O_OUT: a->o.out_dir = arg; return 0;
	case O_KEEP: a->o.keep = 1; return 0;
	case O_QUIET: a->quiet = 1; return 0;
	case O_JOBS:
		if (cli_parse_long(arg, 1, OFS_HX_MAX_JOBS, &v))
			die_usage("harness", "invalid value '%s' for --jobs (expected 1 to %d)", arg, OFS_HX_MAX_JOBS);
		a->o.jobs = (int)v;
		return 0;
	case O_TIMEOUT:
		if (cli_parse_long(arg, 1, 86400, &v))
			die_usage("harness", "invalid value '%s' for --timeout (expected 1 to 86400 seconds)", arg);
		a->o.timeout_s = (double)v;
		return 0;
	}
	return -1;
}

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void progress(void *ud, const struct ofs_progress *q)
{
	(void)ud;
	fprintf(stderr, "\r%ld/%ld rollouts  errors %ld   ", q->done, q->total, q->errors);
	fflush(stderr);
}

/* --agent names an adapter: said before the plan is read, so a typo is the
 * first error a user sees. */
static void check_agent(const char *agent, const char *names)
{
	for (int i = 0; agent && ofs_harness_agent_name(i); i++)
		if (!strcmp(ofs_harness_agent_name(i), agent))
			return;
	if (agent)
		die_usage("harness", "unknown agent '%s' for --agent (known: %s)", agent, names);
}

/* The shims: data/harness/shims of the catalog's data directory. */
static int finish_opts(struct hargs *a, const struct ofs_catalog *cat, char *shims, char *self, size_t n)
{
	if (!a->o.agent && !a->o.agent_cmd)
		die_usage("harness", "give --agent NAME or --agent-cmd 'CMD ARGS'");
	if (a->o.agent && a->o.agent_cmd && strcmp(a->o.agent, "cmd"))
		die_usage("harness", "--agent %s and --agent-cmd exclude each other", a->o.agent);
	if (!a->o.upstream || !*a->o.upstream)
		die_usage("harness", "--upstream URL is needed (e.g. the address `offswitch mock` prints)");
	if (strncmp(a->o.upstream, "http://", 7) && strncmp(a->o.upstream, "https://", 8))
		die_usage("harness", "--upstream '%s' is not an http:// or https:// URL", a->o.upstream);
	if (a->keyenv) {
		const char *k = getenv(a->keyenv);
		if (!k || !*k)
			die_usage("harness", "--upstream-key-env %s: the variable is not set", a->keyenv);
		a->o.upstream_key = k;
	}
	if (!a->o.cli_dir)
		a->o.cli_dir = getenv("OFS_CLI_DIR");
	snprintf(shims, n, "%s/harness/shims", cat->data_dir);
	a->o.shim_dir = shims;
	ssize_t k = readlink("/proc/self/exe", self, n - 1);
	if (k <= 0) {
		fprintf(stderr, "offswitch harness: cannot find its own binary (/proc/self/exe)\n");
		return EXIT_IO;
	}
	self[k] = '\0';
	a->o.self_exe = self;
	/* offswitch-relay beside offswitch starts in ~1 ms (offswitch: ~35) */
	static char relay[4200];
	const char *slash = strrchr(self, '/');
	snprintf(relay, sizeof relay, "%.*s/offswitch-relay", slash ? (int)(slash - self) : 1, slash ? self : ".");
	if (!access(relay, X_OK))
		a->o.relay_exe = relay;
	return EXIT_OK;
}

static int execute(struct hargs *a, const struct ofs_catalog *cat, const struct ofs_plan *p, int argc, char **argv)
{
	struct ofs_buf cmd = {0};
	for (int i = 0; i < argc; i++)
		ofs_buf_printf(&cmd, "%s%s", i ? " " : "offswitch ", argv[i]);
	a->o.command = cmd.p;
	a->o.reps = a->plan.num_experiments;
	a->o.stop = &stop_flag;
	if (!a->quiet && isatty(2))
		a->o.progress = progress;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	struct ofs_harness_result res;
	char err[OFS_ERRLEN];
	int e = ofs_harness_run(cat, p, &a->o, &res, err);
	ofs_buf_free(&cmd);
	if (a->o.progress)
		fputc('\n', stderr);
	if (e) {
		fprintf(stderr, "offswitch harness: %s\n", err);
		return exit_for(e);
	}
	printf("%ld rollout(s): %ld run now, %ld already recorded, %ld ended in error (%ld timed out)\n", res.total, res.done,
	       res.skipped, res.errors, res.timeouts);
	printf("Results: %s/offswitch.db, %s/rollouts.jsonl (%ld rollouts), %s/transcripts/, %s/harness/\n", a->o.out_dir,
	       a->o.out_dir, res.recorded, a->o.out_dir, a->o.out_dir);
	if (res.interrupted)
		return EXIT_INTERRUPTED;
	return res.errors ? EXIT_FAILED : EXIT_OK;
}

int cmd_harness(int argc, char **argv)
{
	char names[256] = "", help[sizeof usage + 512];
	for (int i = 0; ofs_harness_agent_name(i); i++)
		snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", ofs_harness_agent_name(i));
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(help, sizeof help, usage, names, OFS_HX_MAX_JOBS);
	struct hargs a = {.o = {.out_dir = "results/harness",
	                        .jobs = cores < 1                 ? 1
	                                : cores > OFS_HX_MAX_JOBS ? OFS_HX_MAX_JOBS
	                                                          : (int)cores}};
	plan_args_init(&a.plan);
	int rc = plan_args_parse("harness", help, &a.plan, flags, sizeof flags / sizeof *flags, own, &a, argc, argv);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	check_agent(a.o.agent, names);
	if (!a.plan.ntasks) {
		static const char *const tasks[] = {"exfiltration_transfer", "exfiltration_deletion", "tampering"};
		for (int i = 0; i < 3; i++)
			a.plan.tasks[a.plan.ntasks++] = tasks[i];
	}
	if (!a.plan.o.nmodels)
		die_usage("harness", "--model M is needed (the model the CLI asks the upstream for)");
	struct ofs_catalog cat;
	int lc = load_catalog(&cat, a.plan.data_dir);
	if (lc)
		return exit_for(lc);
	rc = EXIT_USAGE;
	struct ofs_plan p = {0};
	char err[OFS_ERRLEN], shims[4096], self[4096];
	if (plan_args_finish(&a.plan, &cat))
		goto out;
	if ((rc = ofs_plan_build(&cat, &a.plan.o, &p, err))) {
		fprintf(stderr, "offswitch harness: %s\n", err);
		rc = exit_for(rc);
		goto out;
	}
	if ((rc = finish_opts(&a, &cat, shims, self, sizeof shims)))
		goto out;
	if (a.plan.dry_run) {
		print_breakdown(&cat, &p, a.plan.num_experiments, stdout);
		printf("dry run: nothing was run; results would go to %s\n", a.o.out_dir);
		rc = EXIT_OK;
		goto out;
	}
	rc = execute(&a, &cat, &p, argc, argv);
out:
	ofs_plan_release(&p);
	ofs_catalog_release(&cat);
	plan_args_release(&a.plan);
	return rc;
}

/* offswitch __relay SOCK PORT -- CMD ARGS...: inside a sandbox only. */
int cmd_relay(int argc, char **argv)
{
	long port;
	if (argc < 5 || strcmp(argv[3], "--") || cli_parse_long(argv[2], 1, 65535, &port)) {
		fprintf(stderr, "offswitch __relay: usage: __relay SOCK PORT -- CMD ARGS...\n");
		return EXIT_USAGE;
	}
	char err[OFS_ERRLEN];
	int st = ofs_hx_relay(argv[1], (int)port, argv + 4, err);
	if (st < 0) {
		fprintf(stderr, "offswitch __relay: %s\n", err);
		return 127;
	}
	return st;
}
