/* cmd_mock.c — `offswitch mock`: serve the OpenAI and Anthropic wire formats
 * on a local port, answered by the reference agents, a script file or the
 * fallback agent, with faults on request, until SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "offswitch/mock.h"

static const char usage[] =
        "Usage: offswitch mock [--listen HOST:PORT] [options]\n"
        "\n"
        "A local model provider for testing set-ups: speaks the OpenAI Chat Completions and\n"
        "Anthropic Messages wire formats (whole and streamed, with tool calls) and injects faults.\n"
        "Prints one line 'listening on http://HOST:PORT' and serves until SIGINT or SIGTERM.\n"
        "\n"
        "Endpoints (with or without the /v1 prefix):\n"
        "  GET  /v1/models, /v1/models/ID        model list (both SDKs' models.list accept it)\n"
        "  POST /v1/chat/completions              OpenAI; \"stream\": true gives SSE ending in [DONE]\n"
        "  POST /v1/messages[?beta=true]          Anthropic; \"stream\": true gives the event sequence\n"
        "  POST /v1/messages/count_tokens         {\"input_tokens\": N} (4 bytes a token)\n"
        "\n"
        "Who answers, by the request's \"model\":\n"
        "  scripted/<policy> or <policy>         that reference agent, given the header\n"
        "                                         X-Offswitch-Config: <config key> (as 'offswitch plan --list'\n"
        "                                         prints); without the header, the fallback agent\n"
        "  script:PATH or scripted:PATH           the script file's turns (turn i answers when the\n"
        "                                         conversation holds i assistant messages)\n"
        "  anything else                          --script FILE if given, else the fallback agent: it calls\n"
        "                                         the first tool with no required arguments (else the first\n"
        "                                         tool, with dummy arguments) until a tool result is present,\n"
        "                                         then answers \"done\"\n"
        "\n"
        "Options:\n"
        "  --listen HOST:PORT       address to serve (default 127.0.0.1:0; port 0 picks a free port)\n"
        "  --allow-remote           allow a non-loopback listen address (script: models are then refused)\n"
        "  --data-dir DIR           scenario data for the reference agents (default: $OFFSWITCH_DATA or the\n"
        "                           data directory next to the binary)\n"
        "  --script FILE            default script for models that name no agent\n"
        "  --fault KIND[:P]         inject KIND into a fraction P (default 1) of model calls; repeatable,\n"
        "                           probabilities add up to at most 1. KIND: 429 (with Retry-After), 500,\n"
        "                           503, hang, reset, malformed, truncated, bad_args\n"
        "  --seed N                 seed of the fault and latency draws (default 1: runs are repeatable)\n"
        "  --retry-after N          seconds in the Retry-After header of 429 (default 1)\n"
        "  --hang-seconds N         how long 'hang' holds a request before closing it (default 30)\n"
        "  --latency-ms MEAN[:JIT]  wait MEAN ms (uniform +-JIT) before answering each model call\n"
        "  --max-body BYTES         larger request bodies get 413 (default 8388608)\n"
        "  --log FILE               append one JSON line per request (method, path, model, stream, agent,\n"
        "                           fault, status, ms); never a header, so never an API key\n"
        "  -h, --help               show this help\n"
        "\n"
        "A request header X-Mock-Fault: KIND overrides --fault for that request (KIND 'none' too).\n"
        "Faults: 429/500/503 answer with the wire's error body; hang holds the request without an\n"
        "answer; reset closes the connection without a response; malformed answers 200 with a body\n"
        "that is not JSON; truncated drops the connection half-way through the body or stream;\n"
        "bad_args makes the tool call's arguments invalid JSON.\n"
        "\n"
        "Exit status: 0 stopped by SIGINT/SIGTERM; 2 bad flags or a non-loopback address without\n"
        "--allow-remote; 3 bad data or script file; 4 cannot listen or cannot open the log file.\n";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fputs("offswitch mock: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see 'offswitch mock --help')\n", stderr);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *e;
	errno = 0;
	long v = strtol(s, &e, 10);
	if (!*s || *e || errno || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* HOST:PORT, [V6]:PORT. host is written into buf. */
static int parse_listen(const char *s, char *buf, size_t n, int *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return -1;
	const char *h = s;
	size_t hl = (size_t)(colon - s);
	if (h[0] == '[') {
		if (hl < 3 || h[hl - 1] != ']')
			return -1;
		h++;
		hl -= 2;
	}
	long p;
	if (hl >= n || parse_long(colon + 1, 0, 65535, &p))
		return -1;
	memcpy(buf, h, hl);
	buf[hl] = 0;
	*port = (int)p;
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
}

enum { O_LISTEN = 1, O_ALLOW_REMOTE, O_DATA, O_SCRIPT, O_FAULT, O_SEED, O_RETRY, O_HANG, O_LATENCY, O_MAXBODY, O_LOG };

int cmd_mock(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"listen", required_argument, NULL, O_LISTEN},
	        {"allow-remote", no_argument, NULL, O_ALLOW_REMOTE},
	        {"data-dir", required_argument, NULL, O_DATA},
	        {"script", required_argument, NULL, O_SCRIPT},
	        {"fault", required_argument, NULL, O_FAULT},
	        {"seed", required_argument, NULL, O_SEED},
	        {"retry-after", required_argument, NULL, O_RETRY},
	        {"hang-seconds", required_argument, NULL, O_HANG},
	        {"latency-ms", required_argument, NULL, O_LATENCY},
	        {"max-body", required_argument, NULL, O_MAXBODY},
	        {"log", required_argument, NULL, O_LOG},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	struct ofs_mock_opts o = {.retry_after = 1, .hang_seconds = 30, .seed = 1, .max_body = 8u << 20};
	char host[256] = "127.0.0.1";
	const char *log_path = NULL;
	double psum = 0;
	int c;
	long v;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(usage, stdout); return EXIT_OK;
		case O_LISTEN:
			if (parse_listen(optarg, host, sizeof host, &o.port)) {
				usage_error("invalid value '%s' for --listen (expected HOST:PORT, e.g. 127.0.0.1:8080)", optarg);
				return EXIT_USAGE;
			}
			break;
		case O_ALLOW_REMOTE: o.allow_remote = 1; break;
		case O_DATA: o.data_dir = optarg; break;
		case O_SCRIPT: o.script_path = optarg; break;
		case O_FAULT: {
			char kind[32];
			const char *colon = strchr(optarg, ':');
			size_t kl = colon ? (size_t)(colon - optarg) : strlen(optarg);
			double p = 1;
			char *e = NULL;
			int f = -1;
			if (kl < sizeof kind) {
				memcpy(kind, optarg, kl);
				kind[kl] = 0;
				f = ofs_mock_fault_parse(kind);
			}
			if (colon) {
				errno = 0;
				p = strtod(colon + 1, &e);
			}
			if (f <= 0 || (colon && (!colon[1] || *e || errno || !(p >= 0 && p <= 1)))) {
				usage_error("invalid value '%s' for --fault (expected KIND[:P] with KIND one of 429, 500, 503, "
				            "hang, reset, malformed, truncated, bad_args and 0 <= P <= 1)",
				            optarg);
				return EXIT_USAGE;
			}
			if (o.nfaults == OFS_MOCK_MAX_FAULTS) {
				usage_error("at most %d --fault flags", OFS_MOCK_MAX_FAULTS);
				return EXIT_USAGE;
			}
			psum += p;
			if (psum > 1 + 1e-9) {
				usage_error("the --fault probabilities add up to more than 1");
				return EXIT_USAGE;
			}
			o.faults[o.nfaults].kind = (enum ofs_mock_fault)f;
			o.faults[o.nfaults++].p = p;
			break;
		}
		case O_SEED: {
			char *e;
			errno = 0;
			unsigned long long s = strtoull(optarg, &e, 10);
			if (!*optarg || *e || errno || *optarg == '-') {
				usage_error("invalid value '%s' for --seed (expected a non-negative integer)", optarg);
				return EXIT_USAGE;
			}
			o.seed = s;
			break;
		}
		case O_RETRY:
			if (parse_long(optarg, 0, 86400, &v)) {
				usage_error("invalid value '%s' for --retry-after (expected seconds, 0 to 86400)", optarg);
				return EXIT_USAGE;
			}
			o.retry_after = (int)v;
			break;
		case O_HANG:
			if (parse_long(optarg, 0, 86400, &v)) {
				usage_error("invalid value '%s' for --hang-seconds (expected seconds, 0 to 86400)", optarg);
				return EXIT_USAGE;
			}
			o.hang_seconds = (int)v;
			break;
		case O_LATENCY: {
			char buf[64];
			snprintf(buf, sizeof buf, "%s", optarg);
			char *colon = strchr(buf, ':');
			long mean, jit = 0;
			if (colon)
				*colon = 0;
			if (strlen(optarg) >= sizeof buf || parse_long(buf, 0, 600000, &mean) ||
			    (colon && parse_long(colon + 1, 0, 600000, &jit))) {
				usage_error("invalid value '%s' for --latency-ms (expected MEAN[:JITTER] in milliseconds)",
				            optarg);
				return EXIT_USAGE;
			}
			o.latency_ms = (int)mean;
			o.latency_jitter_ms = (int)jit;
			break;
		}
		case O_MAXBODY:
			if (parse_long(optarg, 1, LONG_MAX, &v)) {
				usage_error("invalid value '%s' for --max-body (expected a positive number of bytes)", optarg);
				return EXIT_USAGE;
			}
			o.max_body = (size_t)v;
			break;
		case O_LOG: log_path = optarg; break;
		case ':': usage_error("option '%s' needs a value", argv[optind - 1]); return EXIT_USAGE;
		default: usage_error("unknown option '%s'", argv[optind - 1]); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage_error("unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	o.host = host;
	if (log_path && !(o.log = fopen(log_path, "a"))) {
		fprintf(stderr, "offswitch mock: cannot open log file %s: %s\n", log_path, strerror(errno));
		return EXIT_IO;
	}

	/* Signals: the server threads inherit the blocked mask; this thread
	 * waits. A handler (never run while blocked) replaces an inherited
	 * SIG_IGN, which would discard the signal before sigwait sees it. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct ofs_mock *m;
	char err[OFS_ERRLEN];
	int rc = ofs_mock_start(&m, &o, err);
	if (rc) {
		fprintf(stderr, "offswitch mock: %s\n", err);
		if (o.log)
			fclose(o.log);
		return exit_for(rc);
	}
	printf("listening on %s\n", ofs_mock_url(m));
	fflush(stdout);
	int sig;
	sigwait(&set, &sig);
	ofs_mock_stop(m);
	if (o.log)
		fclose(o.log);
	return EXIT_OK;
}
