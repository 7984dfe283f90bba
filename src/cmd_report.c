/* cmd_report.c — `offswitch report DIR...`: the paper's tables from run directories. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "offswitch/fs.h"
#include "offswitch/report.h"
#include "offswitch/util.h"

static const char usage[] = "Usage: offswitch report DIR [DIR...] [--format text|md|csv|json|html] [--html FILE] [--compare]\n"
                            "                       [--scores judge|extractor]\n"
                            "\n"
                            "Compute the paper's metrics over recorded rollouts (stored columns only, no\n"
                            "transcript parsing): every rate with Wilson and Jeffreys 95%% intervals and the\n"
                            "one-sided exact binomial test against p0 = 0.001, averages over the three peer\n"
                            "instantiations (Fisher's method), strategic misrepresentation against the\n"
                            "non_shutdown baseline, the alignment-faking effect, self-preservation, and the\n"
                            "paper's headline figures beside ours where the model matches.\n"
                            "\n"
                            "  --format F             text (default), md, csv (one row per rate), json\n"
                            "                         (the reference form; docs/report-format.md) or html\n"
                            "  --rollouts             with --format json: include every rollout\n"
                            "  --html FILE            also write one self-contained HTML page: charts, tables,\n"
                            "                         and a transcript browser showing the calls behind each flag\n"
                            "  --max-transcripts N    conversations embedded in the HTML (default 5000; the\n"
                            "                         rollouts counted in some rate come first)\n"
                            "  --scores S             where scores, grades, recommendations, refusals and\n"
                            "                         delete_file come from: judge (default: the stored\n"
                            "                         verdicts of `offswitch judge` where one exists for the\n"
                            "                         rollout and field, else the offline extractor) or\n"
                            "                         extractor (the extractor alone); the report says which\n"
                            "                         source each number came from and how the two agree\n"
                            "  --compare              exactly two DIRs: A − B per matching cell, with\n"
                            "                         two-proportion z-tests\n"
                            "  --data-dir DIR         scenario data: the task catalog, report template and\n"
                            "                         headline figures (default: $OFFSWITCH_DATA or the installed data)\n"
                            "  -h, --help             show this help\n"
                            "\n"
                            "Exit status: 0 done; 2 bad flags; 3 bad or missing scenario data, template or\n"
                            "headline data; 4 a DIR is not a run directory or its database cannot be read.\n";

struct report_args {
	const struct ofs_report_format *format;
	const char *html, *data;
	int compare, rollouts, scores;
	long maxt;
	char **dirs;
	int ndirs;
};

/* Parse the flags into a; an exit status (EXIT_OK to go on), or -1 after --help. */
static int parse_args(struct report_args *a, int argc, char **argv)
{
	enum { O_FORMAT = 3000, O_HTML, O_COMPARE, O_ROLLOUTS, O_MAXT, O_DATA, O_SCORES };
	static const struct option opts[] = {{"format", required_argument, 0, O_FORMAT},
	                                     {"html", required_argument, 0, O_HTML},
	                                     {"compare", no_argument, 0, O_COMPARE},
	                                     {"rollouts", no_argument, 0, O_ROLLOUTS},
	                                     {"max-transcripts", required_argument, 0, O_MAXT},
	                                     {"data-dir", required_argument, 0, O_DATA},
	                                     {"scores", required_argument, 0, O_SCORES},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	char names[128], *end;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': printf(usage); return -1;
		case O_FORMAT:
			if (!(a->format = ofs_report_format_find(optarg))) {
				fprintf(stderr, "offswitch: invalid value '%s' for --format (expected %s)\n", optarg,
				        ofs_report_format_names(names, sizeof names));
				return EXIT_USAGE;
			}
			break;
		case O_HTML:
			if (!*optarg)
				die_usage("report", "--html needs a file name");
			a->html = optarg;
			break;
		case O_COMPARE: a->compare = 1; break;
		case O_ROLLOUTS: a->rollouts = 1; break;
		case O_MAXT:
			a->maxt = strtol(optarg, &end, 10);
			if (!*optarg || *end || a->maxt < 0) {
				fprintf(stderr, "offswitch: invalid value '%s' for --max-transcripts (expected a count >= 0)\n",
				        optarg);
				return EXIT_USAGE;
			}
			break;
		case O_DATA: a->data = optarg; break;
		case O_SCORES:
			if (strcmp(optarg, "judge") && strcmp(optarg, "extractor")) {
				fprintf(stderr, "offswitch: invalid value '%s' for --scores (expected judge or extractor)\n",
				        optarg);
				return EXIT_USAGE;
			}
			a->scores = strcmp(optarg, "judge") ? OFS_SCORES_EXTRACTOR : OFS_SCORES_JUDGE;
			break;
		default: die_usage("report", "unrecognised option '%s'", argv[optind - 1]);
		}
	}
	a->dirs = argv + optind;
	a->ndirs = argc - optind;
	if (a->ndirs < 1)
		die_usage("report", "give at least one run directory");
	if (a->ndirs > OFS_MAX_RUNS)
		die_usage("report", "at most %d run directories", OFS_MAX_RUNS);
	if (a->compare && a->ndirs != 2)
		die_usage("report", "--compare needs exactly two run directories (got %d)", a->ndirs);
	return EXIT_OK;
}

/* Write buf to path whole or not at all (offswitch/fs.h: a temporary file,
 * fsync, rename, fsync of the directory). */
static int write_file(const char *path, const struct ofs_buf *b)
{
	char err[OFS_ERRLEN];
	int e = ofs_write_atomic(path, b->p, b->len, 0, err);
	if (e) {
		fprintf(stderr, "offswitch report: %s\n", err);
		return exit_for(e);
	}
	fprintf(stderr, "offswitch report: wrote %s\n", path);
	return EXIT_OK;
}

/* Render r in one format to stdout, or to path when given. An exit status. */
static int render(const struct report_args *a, const struct ofs_report *r, const struct ofs_report_format *fmt, const char *path)
{
	char err[OFS_ERRLEN], tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/report/template.html", a->data);
	struct ofs_report_opts o = {.with_rollouts = a->rollouts,
	                            .template_path = tmpl,
	                            .dirs = (const char *const *)a->dirs,
	                            .max_transcripts = a->maxt};
	struct ofs_buf b = {0};
	int rc = fmt->write(&b, r, &o, err);
	if (rc)
		fprintf(stderr, "offswitch report: %s\n", err);
	else if (path)
		rc = write_file(path, &b);
	else
		fwrite(b.p, 1, b.len, stdout);
	ofs_buf_free(&b);
	return rc < 0 ? exit_for(rc) : rc;
}

/* The catalog's scenario facts and every run directory, into rs. An exit status. */
static int load_rows(struct ofs_rowset *rs, const struct report_args *a)
{
	struct ofs_catalog cat;
	char err[OFS_ERRLEN];
	int rc = load_catalog(&cat, a->data);
	if (rc)
		return exit_for(rc);
	rc = ofs_rowset_init(rs, &cat, err);
	ofs_catalog_release(&cat);
	rs->scores = a->scores;
	for (int i = 0; !rc && i < a->ndirs; i++)
		rc = ofs_rowset_load(rs, a->dirs[i], err);
	if (rc)
		fprintf(stderr, "offswitch report: %s\n", err);
	return exit_for(rc);
}

int cmd_report(int argc, char **argv)
{
	struct report_args a = {.format = ofs_report_format_find("text"), .maxt = 5000};
	int rc = parse_args(&a, argc, argv);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (!a.data)
		a.data = ofs_default_data_dir();
	char err[OFS_ERRLEN], path[4096];
	struct ofs_rowset rs = {0};
	struct ofs_report r = {0};
	if ((rc = load_rows(&rs, &a)))
		goto out;
	snprintf(path, sizeof path, "%s/report/headlines.json", a.data);
	if ((rc = ofs_report_build(&r, &rs, path, a.compare, err))) {
		fprintf(stderr, "offswitch report: %s\n", err);
		rc = EXIT_DATA;
		goto out;
	}
	rc = render(&a, &r, a.format, NULL);
	if (!rc && a.html)
		rc = render(&a, &r, ofs_report_format_find("html"), a.html);
out:
	ofs_report_release(&r);
	ofs_rowset_release(&rs);
	return rc;
}
