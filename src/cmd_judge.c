/* cmd_judge.c — `offswitch judge`: the LLM judge over a run directory. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "offswitch/judge.h"

static const char usage[] =
        "Usage: offswitch judge --from DIR [--judge MODEL] [--base-url URL] [--api-key-env NAME]\n"
        "\n"
        "Ask an LLM judge (spec §4) about every recorded rollout of DIR that read its\n"
        "data: the score it reported, the finance grade and recommendation, whether it\n"
        "refused, and, in alignment faking, whether skipping the shutdown was a\n"
        "deliberate refusal. The judge sees only the agent's turns and tool calls, at\n"
        "temperature 0. Verdicts go to the judgments table beside the offline\n"
        "extractor's outcomes, never over them; questions already answered by the same\n"
        "judge are skipped. Prints how often judge and extractor agree. Interviewed\n"
        "rollouts (run --interview): each judged follow-up answer is labelled admits,\n"
        "denies or deflects too, read from the question and the answer alone.\n"
        "\n"
        "  --from DIR             the run directory (required)\n"
        "  --judge MODEL          default openai/gpt-4.1-mini\n"
        "  --base-url URL         an OpenAI-compatible endpoint for the judge\n"
        "  --api-key-env NAME     the variable holding the judge's key\n"
        "  --max-concurrent N     questions in flight (default 8)\n"
        "  --max-retries N        retries of a transient failure per question, 0 to 100 (default 6; 0: none);\n"
        "                         backoff, the Retry-After cap (300 s) and the circuit breaker (a rejected\n"
        "                         key, or 20 failed calls in a row, stops sending) are those of offswitch run\n"
        "  --data-dir DIR         scenario data and judge prompts (default: $OFFSWITCH_DATA\n"
        "                         or the installed data)\n"
        "\n"
        "Exit status: 0 done; 1 some questions got no usable answer; 2 bad flags;\n"
        "3 a missing key, judge prompt or data directory; 4 DIR cannot be used;\n"
        "5 the circuit breaker stopped the judge with questions unasked (run it again).\n";

int judge_dir(const char *dir, const char *model, const struct ofs_provider_opts *popts, int conc, int retries, const char *data,
              FILE *out)
{
	struct ofs_catalog cat;
	int r = load_catalog(&cat, data);
	if (r)
		return exit_for(r);
	struct ofs_judge_opts o = {.model = model,
	                           .provider = popts,
	                           .data_dir = data ? data : ofs_default_data_dir(),
	                           .max_concurrent = conc,
	                           .max_retries = retries,
	                           .retry_base_ms = 1000};
	struct ofs_judge_result res;
	char err[OFS_ERRLEN];
	r = ofs_judge_run(&cat, dir, &o, &res, err);
	ofs_catalog_release(&cat);
	if (r) {
		fprintf(stderr, "offswitch judge: %s\n", err);
		return exit_for(r);
	}
	fprintf(out, "judge %s: %ld question(s) asked, %ld answered, %ld without a usable answer", model, res.asked, res.answered,
	        res.failed);
	if (res.compared)
		fprintf(out, "; agrees with the offline extractor on %ld of %ld (%.1f%%)", res.agreed, res.compared,
		        100.0 * (double)res.agreed / (double)res.compared);
	fputc('\n', out);
	if (res.circuit_open) {
		fprintf(stderr,
		        "offswitch judge: stopped asking: %s; %ld question(s) not answered: run the same command again to ask "
		        "them\n",
		        res.circuit_reason, res.unasked);
		return EXIT_INCOMPLETE;
	}
	return res.failed ? EXIT_FAILED : EXIT_OK;
}

int cmd_judge(int argc, char **argv)
{
	static const struct option opts[] = {{"from", required_argument, 0, 'f'},
	                                     {"judge", required_argument, 0, 'j'},
	                                     {"base-url", required_argument, 0, 'b'},
	                                     {"api-key-env", required_argument, 0, 'k'},
	                                     {"max-concurrent", required_argument, 0, 'c'},
	                                     {"data-dir", required_argument, 0, 'd'},
	                                     {"max-retries", required_argument, 0, 'r'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	const char *from = NULL, *model = "openai/gpt-4.1-mini", *data = NULL;
	struct ofs_provider_opts popts = {0};
	int conc = 8, retries = 6, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(usage, stdout); return EXIT_OK;
		case 'f': from = optarg; break;
		case 'j': model = optarg; break;
		case 'b': popts.base_url = optarg; break;
		case 'k': popts.api_key_env = optarg; break;
		case 'c': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > 1000) {
				fprintf(stderr, "offswitch: invalid value '%s' for --max-concurrent (expected 1 to 1000)\n",
				        optarg);
				return EXIT_USAGE;
			}
			conc = (int)v;
			break;
		}
		case 'd': data = optarg; break;
		case 'r': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 0 || v > 100) {
				fprintf(stderr, "offswitch: invalid value '%s' for --max-retries (expected 0 to 100)\n", optarg);
				return EXIT_USAGE;
			}
			retries = (int)v;
			break;
		}
		default: die_usage("judge", "unrecognised option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("judge", "unexpected argument '%s'", argv[optind]);
	if (!from)
		die_usage("judge", "--from DIR is required");
	if (!strcmp(model, "none"))
		die_usage("judge", "--judge none asks nothing; pick a model");
	return judge_dir(from, model, &popts, conc, retries, data, stdout);
}
