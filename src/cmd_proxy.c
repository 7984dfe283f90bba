/* cmd_proxy.c — `offswitch proxy`: a monitoring reverse proxy for model
 * APIs in front of one upstream, until SIGINT/SIGTERM (then it drains). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "offswitch/proxy.h"
#include "offswitch/scenario.h"
#include "offswitch/watch.h"
#include "offswitch/webhook.h"

static const char usage[] =
        "Usage: offswitch proxy --upstream URL [--listen HOST:PORT] [options]\n"
        "\n"
        "A monitoring reverse proxy for model APIs. Point an agent's base URL at it: every request is\n"
        "forwarded to URL byte-faithfully (status, body, headers other than hop-by-hop ones; server-sent\n"
        "events relayed event by event as they arrive), and every exchange is appended to a\n"
        "tamper-evident audit log. Model calls in the four wire formats are parsed for the detectors:\n"
        "  POST /v1/chat/completions                         OpenAI Chat Completions\n"
        "  POST /v1/responses                                OpenAI Responses\n"
        "  POST /v1/messages[?beta=true]                     Anthropic Messages\n"
        "  POST /v1beta/models/M:generateContent             Gemini (and :streamGenerateContent?alt=sse)\n"
        "Any other path (GET /v1/models, count_tokens, ...) is forwarded as it is.\n"
        "The proxy answers two paths itself: GET /healthz (200 \"ok\", 503 while draining) and\n"
        "GET /metrics (Prometheus text format: requests by agent/format/status, latency histogram,\n"
        "bytes, alerts by rule and agent, audit log size).\n"
        "Prints one line 'listening on http://HOST:PORT' and serves until SIGINT or SIGTERM, then stops\n"
        "accepting, lets the exchanges in flight finish (up to --drain-seconds), commits the log, exits 0.\n"
        "\n"
        "Options:\n"
        "  --upstream URL            where requests go: http[s]://host[:port][/prefix]; the client's path\n"
        "                            and query are appended (a prefix ending in /v1 and a path starting\n"
        "                            with /v1 keep one /v1)\n"
        "  --listen HOST:PORT        address to serve (default 127.0.0.1:0; port 0 picks a free port)\n"
        "  --allow-remote            allow a non-loopback listen address and any Host header\n"
        "  --upstream-key-env VAR    inject the upstream API key from environment variable VAR, in the\n"
        "                            header the client used (Authorization: Bearer, x-api-key,\n"
        "                            x-goog-api-key) or else the one its format uses; clients' own keys are\n"
        "                            then dropped. Without it, clients' keys pass through\n"
        "  --keys FILE               per-agent proxy keys, one 'AGENT-ID KEY' line each (# comments);\n"
        "                            a client presents its key where its SDK puts the API key; a missing\n"
        "                            or unknown key gets 401 in the client's format. Proxy keys are never\n"
        "                            sent upstream. Caps: 64 KiB, 60 agents, ids of [A-Za-z0-9._:@-]{1,64},\n"
        "                            keys of 8 to 256 printable bytes. Without --keys, the agent is named\n"
        "                            by the X-Offswitch-Agent request header (else \"\")\n"
        "  --token-env VAR           clients must present the token in environment variable VAR, as\n"
        "                            'Proxy-Authorization: Bearer TOKEN' (or, without --keys, as their API\n"
        "                            key); else 401\n"
        "  --audit LOG               append every exchange to the audit log LOG (created if missing;\n"
        "                            see 'offswitch audit'); each record is committed before the client\n"
        "                            gets the response's last byte. Keys and tokens are redacted\n"
        "  --repair                  truncate a torn tail of LOG (a crash mid-append) instead of failing\n"
        "  --record-bytes N          bytes of each request and response body kept in a record (default\n"
        "                            1048576; longer ones are cut and marked \"truncated\": true)\n"
        "  --max-request-bytes N     larger request bodies get 413 (default 8388608)\n"
        "  --timeout S               seconds for a whole upstream exchange (default 600); 504 past it\n"
        "  --client-timeout S        seconds an idle client connection is kept (default 60)\n"
        "  --drain-seconds S         how long SIGTERM waits for exchanges in flight (default 30)\n"
        "\n"
        "Live detectors (docs/watch.md): model calls go through the rules of DATA/rules/default.yaml\n"
        "(weights copied or sent away, a shutdown disabled, refused or never executed, reports that\n"
        "contradict the truth sidecar). Each alert is one JSON line {\"rule\",\"severity\",\"agent\",\"kind\",\n"
        "\"message\",\"evidence\",\"seq\",\"block\",\"time\",\"source\"}, also appended to the audit log as a\n"
        "record of kind \"alert\" and counted in /metrics.\n"
        "  --rules FILE              more rules (YAML); repeatable\n"
        "  --no-default-rules        only the --rules files\n"
        "  --no-detect               no detectors at all (model calls are still logged)\n"
        "  --truth FILE              ground truth (JSON) for reported-score and required-shutdown rules\n"
        "  --alerts FILE             append alert lines to FILE instead of standard output\n"
        "  --webhook URL             also POST each alert (JSON) to URL, from a queue of its own\n"
        "  --enforce                 a response whose tool call raised an alert of a rule with\n"
        "                            'action: block' or of --block-severity or above is not forwarded:\n"
        "                            the agent gets a model answer without tool calls saying which rule\n"
        "                            blocked it (streams are then held until complete and checked)\n"
        "  --block-severity LEVEL    low, medium, high (default) or critical\n"
        "  --session-idle S          an agent idle S seconds has ended its session: end-of-session rules\n"
        "                            run (default 300; 0: only on a new conversation and at exit)\n"
        "  --data-dir DIR            where the default rules are (default: the installed data)\n"
        "  -h, --help                show this help\n"
        "\n"
        "Model-call bodies must be JSON with unique keys (else 400: the monitor and the model must never\n"
        "read different values). An upstream that cannot be reached, resets or sends a cut-off\n"
        "non-streamed body gives 502 in the client's format; the exchange is logged with \"error\".\n"
        "docs/proxy.md has the record format, the keys file and how to point SDKs and agent CLIs here.\n"
        "\n"
        "Exit status: 0 stopped by SIGINT/SIGTERM; 2 bad flags, a missing environment variable or a\n"
        "non-loopback address without --allow-remote; 3 bad keys file; 4 cannot listen, or the audit\n"
        "log cannot be opened (a torn tail without --repair), or the alerts file cannot be opened;\n"
        "3 also a bad rules or truth file.\n";

static void on_signal(int sig)
{
	(void)sig;
}

enum {
	O_LISTEN = 1,
	O_REMOTE,
	O_UPSTREAM,
	O_UKEY,
	O_KEYS,
	O_TOKEN,
	O_AUDIT,
	O_REPAIR,
	O_RECORD,
	O_MAXREQ,
	O_TIMEOUT,
	O_CTIMEOUT,
	O_DRAIN,
	O_RULES,
	O_NODEF,
	O_NODETECT,
	O_TRUTH,
	O_ALERTS,
	O_WEBHOOK,
	O_ENFORCE,
	O_BLOCKSEV,
	O_IDLE,
	O_DATADIR
};

static const struct option proxy_opts[] = {
        {"listen", required_argument, NULL, O_LISTEN},
        {"allow-remote", no_argument, NULL, O_REMOTE},
        {"upstream", required_argument, NULL, O_UPSTREAM},
        {"upstream-key-env", required_argument, NULL, O_UKEY},
        {"keys", required_argument, NULL, O_KEYS},
        {"token-env", required_argument, NULL, O_TOKEN},
        {"audit", required_argument, NULL, O_AUDIT},
        {"repair", no_argument, NULL, O_REPAIR},
        {"record-bytes", required_argument, NULL, O_RECORD},
        {"max-request-bytes", required_argument, NULL, O_MAXREQ},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"client-timeout", required_argument, NULL, O_CTIMEOUT},
        {"drain-seconds", required_argument, NULL, O_DRAIN},
        {"rules", required_argument, NULL, O_RULES},
        {"no-default-rules", no_argument, NULL, O_NODEF},
        {"no-detect", no_argument, NULL, O_NODETECT},
        {"truth", required_argument, NULL, O_TRUTH},
        {"alerts", required_argument, NULL, O_ALERTS},
        {"webhook", required_argument, NULL, O_WEBHOOK},
        {"enforce", no_argument, NULL, O_ENFORCE},
        {"block-severity", required_argument, NULL, O_BLOCKSEV},
        {"session-idle", required_argument, NULL, O_IDLE},
        {"data-dir", required_argument, NULL, O_DATADIR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

struct proxy_args {
	struct ofs_proxy_opts o;
	char host[256];
	const char *keys_path, *ukey_env, *token_env;
	long drain;
	const char *rules[32];
	int nrules, no_default, no_detect;
	const char *truth, *alerts, *webhook, *block_sev, *data_dir;
	long idle;
};

static int num_opt(const char *arg, long lo, long hi, const char *flag, long *out)
{
	if (cli_parse_long(arg, lo, hi, out)) {
		usage_error("proxy", "invalid value '%s' for %s (expected a whole number from %ld to %ld)", arg, flag, lo, hi);
		return EXIT_USAGE;
	}
	return 0;
}

/* One option: 0, an exit code, or -1 after --help. */
static int proxy_opt(struct proxy_args *a, int c, const char *arg, char **argv)
{
	long v = 0;
	int rc = 0;
	switch (c) {
	case 'h': fputs(usage, stdout); return -1;
	case O_LISTEN:
		if (cli_parse_listen(arg, a->host, sizeof a->host, &a->o.port)) {
			usage_error("proxy", "invalid value '%s' for --listen (expected HOST:PORT, e.g. 127.0.0.1:8080)", arg);
			return EXIT_USAGE;
		}
		return 0;
	case O_REMOTE: a->o.allow_remote = 1; return 0;
	case O_UPSTREAM: a->o.upstream = arg; return 0;
	case O_UKEY: a->ukey_env = arg; return 0;
	case O_KEYS: a->keys_path = arg; return 0;
	case O_TOKEN: a->token_env = arg; return 0;
	case O_AUDIT: a->o.audit_path = arg; return 0;
	case O_REPAIR: a->o.audit_repair = 1; return 0;
	case O_RECORD:
		if (!(rc = num_opt(arg, 256, 8L << 20, "--record-bytes", &v)))
			a->o.record_cap = (size_t)v;
		return rc;
	case O_MAXREQ:
		if (!(rc = num_opt(arg, 1, 1L << 30, "--max-request-bytes", &v)))
			a->o.max_request = (size_t)v;
		return rc;
	case O_TIMEOUT:
		if (!(rc = num_opt(arg, 1, 86400, "--timeout", &v)))
			a->o.timeout_s = (double)v;
		return rc;
	case O_CTIMEOUT:
		if (!(rc = num_opt(arg, 1, 86400, "--client-timeout", &v)))
			a->o.client_timeout_s = (int)v;
		return rc;
	case O_DRAIN: return num_opt(arg, 0, 86400, "--drain-seconds", &a->drain);
	case O_RULES:
		if (a->nrules == 32) {
			usage_error("proxy", "too many --rules files (at most 32)");
			return EXIT_USAGE;
		}
		a->rules[a->nrules++] = arg;
		return 0;
	case O_NODEF: a->no_default = 1; return 0;
	case O_NODETECT: a->no_detect = 1; return 0;
	case O_TRUTH: a->truth = arg; return 0;
	case O_ALERTS: a->alerts = arg; return 0;
	case O_WEBHOOK: a->webhook = arg; return 0;
	case O_ENFORCE: a->o.enforce = 1; return 0;
	case O_BLOCKSEV: a->block_sev = arg; return 0;
	case O_IDLE: return num_opt(arg, 0, 86400 * 7, "--session-idle", &a->idle);
	case O_DATADIR: a->data_dir = arg; return 0;
	case ':': usage_error("proxy", "option '%s' needs a value", argv[optind - 1]); return EXIT_USAGE;
	default: usage_error("proxy", "unknown option '%s'", argv[optind - 1]); return EXIT_USAGE;
	}
}

/* An environment variable's non-empty value, or NULL after a message. */
static const char *env_secret(const char *var, const char *flag)
{
	const char *v = getenv(var);
	if (!v || !*v)
		usage_error("proxy", "%s %s: the environment variable is not set or empty", flag, var);
	return v && *v ? v : NULL;
}

/* The detectors: the watch, where alerts go, the glue's hooks in a->o. */
struct detect {
	struct ofs_watch *w;
	struct ofs_webhook *hook;
	struct ofs_proxy_watch *pw;
	int fd;
};

static void detect_free(struct detect *d)
{
	ofs_proxy_watch_free(d->pw);
	ofs_webhook_close(d->hook, 5000);
	ofs_watch_close(d->w);
	if (d->fd > STDOUT_FILENO)
		close(d->fd);
}

static int detect_start(struct detect *d, struct proxy_args *a)
{
	char err[OFS_ERRLEN], def[4096];
	*d = (struct detect){.fd = STDOUT_FILENO};
	if (a->no_detect)
		return EXIT_OK;
	snprintf(def, sizeof def, "%s/rules/default.yaml", a->data_dir ? a->data_dir : ofs_default_data_dir());
	int rc = ofs_watch_open(&d->w, a->no_default ? a->rules[0] : def, a->truth, err);
	for (int i = a->no_default; !rc && i < a->nrules; i++)
		rc = ofs_watch_add_rules(d->w, a->rules[i], err);
	if (rc) {
		fprintf(stderr, "offswitch proxy: %s\n", err);
		detect_free(d);
		return exit_for(rc == OFS_EIO ? OFS_EDATA : rc); /* rules and truth are input: exit 3 */
	}
	if (a->alerts && (d->fd = open(a->alerts, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "offswitch proxy: %s: cannot open the alerts file: %s\n", a->alerts, strerror(errno));
		detect_free(d);
		return EXIT_IO;
	}
	if (a->webhook && (rc = ofs_webhook_open(&d->hook, a->webhook, 10, err))) {
		fprintf(stderr, "offswitch proxy: --webhook: %s\n", err);
		detect_free(d);
		return EXIT_USAGE;
	}
	struct ofs_proxy_watch_opts o = {d->w, d->fd, d->hook, (double)a->idle, a->block_sev};
	if ((rc = ofs_proxy_watch_new(&d->pw, &o, err))) {
		fprintf(stderr, "offswitch proxy: %s\n", err);
		detect_free(d);
		return rc == OFS_EINVAL ? EXIT_USAGE : exit_for(rc);
	}
	a->o.hooks = ofs_proxy_watch_hooks(d->pw);
	return EXIT_OK;
}

/* Start the proxy, print its address, serve until SIGINT or SIGTERM, drain. */
static int serve(struct proxy_args *a)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct detect d;
	int rc = detect_start(&d, a);
	if (rc)
		return rc;
	struct ofs_proxy *p;
	char err[OFS_ERRLEN];
	if ((rc = ofs_proxy_start(&p, &a->o, err))) {
		fprintf(stderr, "offswitch proxy: %s\n", err);
		detect_free(&d);
		return exit_for(rc);
	}
	if (ofs_proxy_repaired(p))
		fprintf(stderr, "offswitch proxy: %s: repaired a torn tail (%llu bytes dropped)\n", a->o.audit_path,
		        ofs_proxy_repaired(p));
	printf("listening on %s\n", ofs_proxy_url(p));
	fflush(stdout);
	int sig;
	sigwait(&set, &sig);
	int left = ofs_proxy_drain(p, (double)a->drain);
	if (left)
		fprintf(stderr, "offswitch proxy: %d exchange(s) still running after %ld s; cut\n", left, a->drain);
	if (d.pw)
		ofs_proxy_watch_finish(d.pw); /* end rules run while the log is open */
	rc = ofs_proxy_stop(p, err);
	long werr = 0, nalerts = d.pw ? ofs_proxy_watch_alerts(d.pw, &werr) : 0;
	detect_free(&d);
	if (werr)
		fprintf(stderr, "offswitch proxy: %ld of %ld alert(s) could not be written to the alerts file or log\n", werr,
		        nalerts);
	if (rc) {
		fprintf(stderr, "offswitch proxy: %s\n", err);
		return exit_for(rc);
	}
	return EXIT_OK;
}

int cmd_proxy(int argc, char **argv)
{
	struct proxy_args a = {.host = "127.0.0.1", .drain = 30, .idle = 300};
	int c, rc;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", proxy_opts, NULL)) != -1)
		if ((rc = proxy_opt(&a, c, optarg, argv)))
			return rc < 0 ? EXIT_OK : rc;
	if (optind < argc) {
		usage_error("proxy", "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (a.no_default && !a.nrules) {
		usage_error("proxy", "--no-default-rules needs at least one --rules FILE");
		return EXIT_USAGE;
	}
	if (a.no_detect && (a.nrules || a.truth || a.alerts || a.webhook || a.o.enforce)) {
		usage_error("proxy", "--no-detect cannot go with --rules, --truth, --alerts, --webhook or --enforce");
		return EXIT_USAGE;
	}
	if (!a.o.upstream) {
		usage_error("proxy", "--upstream URL is required");
		return EXIT_USAGE;
	}
	a.o.host = a.host;
	if (a.ukey_env && !(a.o.upstream_key = env_secret(a.ukey_env, "--upstream-key-env")))
		return EXIT_USAGE;
	if (a.token_env && !(a.o.token = env_secret(a.token_env, "--token-env")))
		return EXIT_USAGE;
	struct ofs_proxy_keys keys;
	if (a.keys_path) {
		char err[OFS_ERRLEN];
		if ((rc = ofs_proxy_keys_load(a.keys_path, &keys, err))) {
			fprintf(stderr, "offswitch proxy: %s\n", err);
			ofs_proxy_keys_free(&keys);
			return exit_for(rc);
		}
		a.o.keys = &keys;
	}
	rc = serve(&a);
	if (a.keys_path)
		ofs_proxy_keys_free(&keys);
	return rc;
}
