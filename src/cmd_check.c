/* cmd_check.c — `offswitch check DIR`: is a run directory whole? The
 * database's full integrity check and the cross-check of its rollouts
 * against rollouts.jsonl and the transcript files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "offswitch/store.h"

static const char check_usage[] = "Usage: offswitch check DIR\n"
                                  "\n"
                                  "Check that the run directory DIR is whole, changing nothing: the database's\n"
                                  "full integrity check (PRAGMA integrity_check), then every finished rollout\n"
                                  "against the files beside it — its line in rollouts.jsonl exactly once, its\n"
                                  "transcript present and valid JSON — and no extras (lines or files under\n"
                                  "transcripts/ that no recorded rollout names). Each problem is one line on\n"
                                  "stdout naming the file; at most 100 are shown, then their count.\n"
                                  "\n"
                                  "Exit status: 0 DIR is whole; 1 problems were found; 2 bad flags; 4 DIR cannot\n"
                                  "be checked (not a run directory, not offswitch's database, written by a\n"
                                  "newer offswitch, damaged beyond opening, or in use by a writer).\n";

/* How many problems are printed; the rest are only counted. */
#define CHECK_SHOW 100

static void on_problem(void *ud, const char *msg)
{
	long *shown = ud;
	if ((*shown)++ < CHECK_SHOW)
		printf("%s\n", msg);
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(check_usage, stdout);
			return EXIT_OK;
		}
		die_usage("check", "unrecognised option '%s'", argv[optind - 1]);
	}
	if (optind != argc - 1)
		die_usage("check", optind < argc ? "one run directory at a time" : "DIR is required");
	const char *dir = argv[optind];
	if (!ofs_store_is_dir(dir))
		die_usage("check", "check takes a run directory (a database server's own tools check its databases)");
	char err[OFS_ERRLEN];
	struct ofs_store *st;
	int r = ofs_store_open_check(&st, dir, err);
	if (r) {
		fprintf(stderr, "offswitch check: %s\n", err);
		return EXIT_IO;
	}
	long shown = 0;
	long n = ofs_store_check(st, dir, on_problem, &shown);
	if (n < 0)
		fprintf(stderr, "offswitch check: %s\n", ofs_store_errmsg(st));
	ofs_store_close(st);
	if (n < 0)
		return EXIT_IO;
	if (n > CHECK_SHOW)
		printf("... and %ld more\n", n - CHECK_SHOW);
	if (n) {
		fprintf(stderr, "offswitch check: %s: %ld problem(s) found\n", dir, n);
		return EXIT_FAILED;
	}
	printf("%s: ok (database intact; rollouts.jsonl and transcripts match it)\n", dir);
	return EXIT_OK;
}
