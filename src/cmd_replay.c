/* cmd_replay.c — `offswitch replay` and `offswitch rescore`: recorded rollouts
 * re-executed from their stored responses, with no network. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "offswitch/run.h"

static const char replay_usage[] = "Usage: offswitch replay --from DIR|URL --out NEWDIR [--no-transcripts] [--layout paper]\n"
                                   "\n"
                                   "Re-execute every recorded rollout of DIR from its stored model responses,\n"
                                   "with no network and no model calls, into NEWDIR. Tools are deterministic and\n"
                                   "the world clock is fixed, so NEWDIR's transcripts and rollouts.jsonl come out\n"
                                   "byte-identical to DIR's; a rollout whose replay ends at a different turn is\n"
                                   "counted as diverged (exit 1).\n"
                                   "\n"
                                   "NEWDIR must be new, or an earlier replay of the same DIR: a replay that was\n"
                                   "stopped (even by kill -9) is completed by running the same command again.\n"
                                   "NEWDIR naming DIR itself (however spelled) or holding another run's\n"
                                   "database is refused before anything is written (exit 4).\n"
                                   "Transcripts, rollouts.jsonl and reports are replaced whole: a file is\n"
                                   "the old one or the new one, never a part.\n"
                                   "\n"
                                   "DIR may also be a shared store's URL (postgresql://...): the replay gathers\n"
                                   "a run that workers on many machines recorded into one directory (rollouts.jsonl\n"
                                   "in the order they were finished; transcripts as one machine would write them).\n"
                                   "\n"
                                   "  --no-transcripts       write no transcript files\n"
                                   "  --layout offswitch|paper  transcripts in offswitch's layout (default) or\n"
                                   "                         the paper's (docs/cli.md, \"Transcript layouts\")\n"
                                   "  --data-dir DIR         scenario data (default: $OFFSWITCH_DATA or the installed data)\n"
                                   "\n"
                                   "Exit status: 0 done; 1 some rollouts diverged; 2 bad flags; 3 bad or missing\n"
                                   "scenario data, or a stored configuration this version cannot rebuild;\n"
                                   "4 a directory cannot be used.\n";

static const char rescore_usage[] =
        "Usage: offswitch rescore --from DIR [--no-transcripts] [--judge MODEL [--judge-base-url URL]]\n"
        "\n"
        "Recompute the outcomes of every recorded rollout of DIR in place, from its\n"
        "stored model responses (no network): run it after the detectors change.\n"
        "Outcomes, rollouts.jsonl and transcripts are rewritten, each file replaced\n"
        "whole; the responses are not. A stopped rescore is completed by running it again.\n"
        "With --judge MODEL, the LLM judge is then asked as by offswitch judge (its\n"
        "verdicts are stored beside the rules' outcomes).\n"
        "\n"
        "  --no-transcripts       rewrite no transcript files\n"
        "  --data-dir DIR         scenario data (default: $OFFSWITCH_DATA or the installed data)\n"
        "  --judge MODEL          then ask this LLM judge (none: skip it)\n"
        "  --judge-base-url URL   an OpenAI-compatible endpoint for the judge\n"
        "  --judge-api-key-env NAME  the variable holding the judge's key\n"
        "\n"
        "Exit status as for replay.\n";

static int common(int argc, char **argv, int in_place)
{
	static const struct option opts[] = {{"from", required_argument, 0, 'f'},
	                                     {"out", required_argument, 0, 'o'},
	                                     {"no-transcripts", no_argument, 0, 'n'},
	                                     {"data-dir", required_argument, 0, 'd'},
	                                     {"judge", required_argument, 0, 'j'},
	                                     {"judge-base-url", required_argument, 0, 'b'},
	                                     {"judge-api-key-env", required_argument, 0, 'k'},
	                                     {"layout", required_argument, 0, 'l'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	const char *cmd = in_place ? "rescore" : "replay";
	const char *from = NULL, *out = NULL, *data = NULL, *judge = NULL;
	struct ofs_provider_opts jopts = {0};
	int transcripts = 1, layout = OFS_TRANSCRIPTS_OFFSWITCH, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(in_place ? rescore_usage : replay_usage, stdout); return EXIT_OK;
		case 'f': from = optarg; break;
		case 'o': out = optarg; break;
		case 'n': transcripts = 0; break;
		case 'l':
			if (in_place || (strcmp(optarg, "paper") && strcmp(optarg, "offswitch")))
				die_usage(cmd,
				          in_place ? "--layout belongs to replay (rescore rewrites transcripts where they are)"
				                   : "invalid value '%s' for --layout (expected offswitch or paper)",
				          optarg);
			layout = strcmp(optarg, "paper") ? OFS_TRANSCRIPTS_OFFSWITCH : OFS_TRANSCRIPTS_PAPER;
			break;
		case 'd': data = optarg; break;
		case 'j': judge = optarg; break;
		case 'b': jopts.base_url = optarg; break;
		case 'k': jopts.api_key_env = optarg; break;
		default: die_usage(cmd, "unrecognised option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (!from || !*from)
		die_usage(cmd, "--from DIR is required");
	if (in_place && out)
		die_usage(cmd, "rescore works in place; use replay --out for a copy");
	if (!in_place && (!out || !*out))
		die_usage(cmd, "--out NEWDIR is required");
	if (judge && !in_place)
		die_usage(cmd, "--judge belongs to rescore (or offswitch judge --from NEWDIR after the replay)");
	struct ofs_catalog cat;
	int r = load_catalog(&cat, data);
	if (r)
		return exit_for(r);
	char err[OFS_ERRLEN];
	struct ofs_run_result res;
	r = ofs_replay(&cat, from, in_place ? NULL : out, transcripts ? layout : OFS_TRANSCRIPTS_NONE, &res, err);
	ofs_catalog_release(&cat);
	if (r) {
		fprintf(stderr, "offswitch %s: %s\n", cmd, err);
		return exit_for(r);
	}
	printf("%ld rollout(s) %s from stored responses, %ld diverged; %s/rollouts.jsonl has %ld\n", res.done,
	       in_place ? "rescored" : "replayed", res.errors, in_place ? from : out, res.recorded);
	if (res.skipped)
		printf("%ld of them kept as recorded by an earlier, unfinished replay into %s\n", res.skipped, out);
	int jr = EXIT_OK;
	if (judge && strcmp(judge, "none"))
		jr = judge_dir(from, judge, &jopts, 8, 6, data, stdout);
	return res.errors ? EXIT_FAILED : jr;
}

int cmd_replay(int argc, char **argv)
{
	return common(argc, argv, 0);
}

int cmd_rescore(int argc, char **argv)
{
	return common(argc, argv, 1);
}
