/* cmd_export.c — `offswitch export`: a run's transcript files on demand,
 * re-executed from its stored responses (ofs_export). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "offswitch/run.h"

static const char usage[] = "Usage: offswitch export --from DIR [--layout offswitch|paper] [--data-dir DIR]\n"
                            "\n"
                            "Write the transcript file of every rollout recorded in the run directory DIR,\n"
                            "re-executed from its stored model responses (no network, no model calls), and\n"
                            "record where each is. Afterwards DIR reads as a run made with transcripts in\n"
                            "that layout: the same files, byte for byte, and a rollouts.jsonl whose lines\n"
                            "name them. A run made with --no-transcripts therefore loses nothing: its\n"
                            "transcripts can be written when they are wanted.\n"
                            "\n"
                            "Every transcript is written again, each file replaced whole; a stopped export\n"
                            "(even by kill -9) is completed by running the same command again. Outcomes are\n"
                            "worked out again as by offswitch rescore: with the rules of the run's version\n"
                            "they come out the same. The paper layout numbers each folder from 0 in the\n"
                            "order the rollouts were recorded, as a run with --layout paper does.\n"
                            "When DIR already has transcripts (its rollouts.jsonl names them), --layout must\n"
                            "be theirs: exporting the other layout there is refused (exit 4); make a copy in\n"
                            "it with offswitch replay --from DIR --out NEWDIR --layout L.\n"
                            "\n"
                            "  --from DIR              the run directory (its offswitch.db)\n"
                            "  --layout offswitch|paper  offswitch's layout (default) or the paper's\n"
                            "                          (docs/cli.md, \"Transcript layouts\")\n"
                            "  --data-dir DIR          scenario data (default: $OFFSWITCH_DATA or the installed data)\n"
                            "  -h, --help              show this help\n"
                            "\n"
                            "Exit status: 0 done; 1 some rollouts diverged from their record; 2 bad flags\n"
                            "(a --from that is a shared store's URL among them: export works in a directory);\n"
                            "3 bad or missing scenario data, or a stored configuration this version cannot\n"
                            "rebuild; 4 DIR is not a run directory, is in use, or cannot be written.\n";

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {{"from", required_argument, 0, 'f'},
	                                     {"layout", required_argument, 0, 'l'},
	                                     {"data-dir", required_argument, 0, 'd'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	const char *from = NULL, *data = NULL;
	int layout = OFS_TRANSCRIPTS_OFFSWITCH, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(usage, stdout); return EXIT_OK;
		case 'f': from = optarg; break;
		case 'l':
			if (strcmp(optarg, "paper") && strcmp(optarg, "offswitch"))
				die_usage("export", "invalid value '%s' for --layout (expected offswitch or paper)", optarg);
			layout = strcmp(optarg, "paper") ? OFS_TRANSCRIPTS_OFFSWITCH : OFS_TRANSCRIPTS_PAPER;
			break;
		case 'd': data = optarg; break;
		default: die_usage("export", "unrecognised option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("export", "unexpected argument '%s'", argv[optind]);
	if (!from || !*from)
		die_usage("export", "--from DIR is required");
	struct ofs_catalog cat;
	int r = load_catalog(&cat, data);
	if (r)
		return exit_for(r);
	char err[OFS_ERRLEN];
	struct ofs_run_result res;
	r = ofs_export(&cat, from, layout, &res, err);
	ofs_catalog_release(&cat);
	if (r) {
		fprintf(stderr, "offswitch export: %s\n", err);
		return exit_for(r);
	}
	printf("%ld transcript(s) written under %s/transcripts from stored responses, %ld diverged; %s/rollouts.jsonl has %ld\n",
	       res.done, from, res.errors, from, res.recorded);
	return res.errors ? EXIT_FAILED : EXIT_OK;
}
