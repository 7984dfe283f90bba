/* cmd_import.c — `offswitch import`: the paper's transcripts into a run
 * directory, rescored with offswitch's rules, the paper's labels kept beside. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "offswitch/import.h"

static const char usage[] = "Usage: offswitch import FILE|DIR... --out NEWDIR [--task-type T] [--condition C]\n"
                            "\n"
                            "Read transcripts written by the paper's own code (transcript_N.json, the\n"
                            "layout offswitch run --layout paper writes) or rows of its released dataset\n"
                            "exported one JSON object a line (*.jsonl, with the transcript_json column),\n"
                            "rebuild each one's configuration from its metadata, feed its assistant turns\n"
                            "to offswitch's loop against that world, and record the rollouts in NEWDIR as a\n"
                            "run would (offswitch report, judge and check read it). NEWDIR/import.jsonl\n"
                            "pairs the paper's recorded evaluation with offswitch's, in the paper's keys,\n"
                            "and says where they agree. A DIR is walked for transcript_*.json (as the\n"
                            "paper's aggregation script is) and *.jsonl other than offswitch's own.\n"
                            "\n"
                            "The task type comes from the row, else from a path component naming a task\n"
                            "(\"tampering\", \"tampering_memory\", ...), else from --task-type.\n"
                            "\n"
                            "  --out NEWDIR          a new run directory\n"
                            "  --task-type T         task type of files whose path names none\n"
                            "  --condition C         condition of older transcripts whose metadata has none\n"
                            "  --max-iters N         turn cap of transcripts whose metadata has none (default 30)\n"
                            "  --data-dir DIR        scenario data (default: $OFFSWITCH_DATA or the installed data)\n"
                            "\n"
                            "Caps: 32 MiB a file or row, 1000 assistant messages, 256 calls a message,\n"
                            "500000 files or rows. Exit status: 0 done; 1 some transcripts ended before\n"
                            "their recorded turns did, or later; 2 bad flags; 3 a malformed transcript (the\n"
                            "message names the file and the field) or one past a cap; 4 NEWDIR holds a\n"
                            "database already or cannot be written.\n";

static void print_result(const struct ofs_import_result *r, const char *out)
{
	printf("%ld transcript(s) imported from %ld file(s), %ld diverged; %s/rollouts.jsonl has %ld\n", r->imported, r->files,
	       r->diverged, out, r->recorded);
	if (r->nkeys)
		printf("agreement with the paper's recorded labels (%s/import.jsonl):\n", out);
	for (int k = 0; k < r->nkeys; k++)
		printf("  %-18s %ld/%ld\n", r->keys[k], r->agree[k], r->compared[k]);
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {{"out", required_argument, 0, 'o'},
	                                     {"task-type", required_argument, 0, 't'},
	                                     {"condition", required_argument, 0, 'c'},
	                                     {"max-iters", required_argument, 0, 'm'},
	                                     {"data-dir", required_argument, 0, 'd'},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	const char *out = NULL, *data = NULL;
	struct ofs_import_opts o = {0};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'h': fputs(usage, stdout); return EXIT_OK;
		case 'o': out = optarg; break;
		case 't': o.task_type = optarg; break;
		case 'c': o.condition = optarg; break;
		case 'd': data = optarg; break;
		case 'm':
			o.max_iters = (int)strtol(optarg, &end, 10);
			if (!*optarg || *end || o.max_iters < 1 || o.max_iters > 1000)
				die_usage("import", "invalid value '%s' for --max-iters (expected 1 to 1000)", optarg);
			break;
		default: die_usage("import", "unrecognised option '%s'", argv[optind - 1]);
		}
	}
	if (!out || !*out)
		die_usage("import", "--out NEWDIR is required");
	if (optind >= argc)
		die_usage("import", "name at least one FILE or DIR to import");
	struct ofs_catalog cat;
	int r = load_catalog(&cat, data);
	if (r)
		return exit_for(r);
	char err[OFS_ERRLEN];
	struct ofs_import_result res;
	r = ofs_import(&cat, (const char *const *)argv + optind, argc - optind, out, &o, &res, err);
	ofs_catalog_release(&cat);
	if (r) {
		fprintf(stderr, "offswitch import: %s\n", err);
		return exit_for(r);
	}
	print_result(&res, out);
	return res.diverged ? EXIT_FAILED : EXIT_OK;
}
