/* cmd_merge.c — `offswitch merge`: fold the shard directories of one plan into one run directory. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "offswitch/run.h"

static const char usage[] = "Usage: offswitch merge OUT DIR... [--layout offswitch|paper] [--no-transcripts] [--data-dir DIR]\n"
                            "\n"
                            "Fold the run directories of one plan's shards (offswitch run --shard I/N --out DIR)\n"
                            "into OUT, a new run directory that reads as a single run of the plan: OUT/offswitch.db,\n"
                            "OUT/rollouts.jsonl and OUT/transcripts/, with the rollouts in the plan's order, so\n"
                            "they are byte-identical to one unsharded run with the same agents, and offswitch\n"
                            "report, check and judge read OUT as they read that run.\n"
                            "\n"
                            "Every rollout is re-executed from its stored model turns (no network), as replay\n"
                            "does. Each DIR must hold a shard of the same plan (same selection flags,\n"
                            "--num-experiments and N; DIR/shard.json says which) written by the same offswitch\n"
                            "version; each DIR and OUT is locked while merge runs. A rollout recorded in two\n"
                            "DIRs is taken once when both records agree (status, turns, outcomes) and refused\n"
                            "when they differ. Judge verdicts are not carried over: run offswitch judge OUT.\n"
                            "\n"
                            "  --layout offswitch|paper transcript files in offswitch's layout (default) or the paper's\n"
                            "  --no-transcripts         write only the database and rollouts.jsonl\n"
                            "  --data-dir DIR           scenario data (default: $OFFSWITCH_DATA or the installed data)\n"
                            "  -h, --help               show this help\n"
                            "\n"
                            "Exit status: 0 done, the whole plan merged; 1 some rollouts replayed differently\n"
                            "from their record; 2 bad flags; 3 a stored configuration this version cannot\n"
                            "rebuild; 4 a DIR is not a shard, the DIRs are of different plans or versions, two\n"
                            "DIRs recorded the same rollout differently (the message names both and the\n"
                            "rollout), OUT is not new, or a directory is in use; 5 merged, but some of the plan's\n"
                            "rollouts are in no DIR (a shard not given or unfinished: finish it, merge again\n"
                            "into a new OUT).\n";

static int parse_layout(const char *arg, int *layout)
{
	if (!strcmp(arg, "offswitch"))
		*layout = OFS_TRANSCRIPTS_OFFSWITCH;
	else if (!strcmp(arg, "paper"))
		*layout = OFS_TRANSCRIPTS_PAPER;
	else
		die_usage("merge", "invalid value '%s' for --layout (expected offswitch or paper)", arg);
	return 0;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {{"layout", required_argument, 0, 'l'},
	                                     {"no-transcripts", no_argument, 0, 'n'},
	                                     {"data-dir", required_argument, 0, 'd'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	const char *data = NULL;
	int layout = OFS_TRANSCRIPTS_OFFSWITCH, transcripts = 1, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(usage, stdout); return EXIT_OK;
		case 'l': parse_layout(optarg, &layout); break;
		case 'n': transcripts = 0; break;
		case 'd': data = optarg; break;
		default: die_usage("merge", "unrecognised option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc || !*argv[optind])
		die_usage("merge", "name the new directory OUT, then the shard directories");
	if (optind + 1 >= argc)
		die_usage("merge", "name at least one shard directory after OUT");
	const char *out = argv[optind];
	struct ofs_catalog cat;
	int r = load_catalog(&cat, data);
	if (r)
		return exit_for(r);
	char err[OFS_ERRLEN];
	struct ofs_merge_result res;
	r = ofs_merge(&cat, out, (const char *const *)argv + optind + 1, argc - optind - 1,
	              transcripts ? layout : OFS_TRANSCRIPTS_NONE, &res, err);
	ofs_catalog_release(&cat);
	if (r) {
		fprintf(stderr, "offswitch merge: %s\n", err);
		return exit_for(r);
	}
	printf("%ld rollout(s) merged into %s from %d of %d shard(s) of plan %s (%ld duplicate(s) taken once)\n", res.rollouts,
	       out, res.shards_given, res.shard_count, res.plan, res.duplicates);
	if (res.diverged) {
		fprintf(stderr, "offswitch merge: %ld rollout(s) replayed differently from their record\n", res.diverged);
		return EXIT_FAILED;
	}
	if (res.missing) {
		fprintf(stderr, "offswitch merge: %ld rollout(s) of the plan are in no directory given (%d of %d shards given)\n",
		        res.missing, res.shards_given, res.shard_count);
		return EXIT_INCOMPLETE;
	}
	return EXIT_OK;
}
