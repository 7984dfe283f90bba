/* cmd_report.c — `offswitch report DIR...`: the paper's tables from run directories. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "offswitch/report.h"

static const char usage[] = "Usage: offswitch report DIR [DIR...] [--format text|md|csv|json] [--html FILE] [--compare]\n"
                            "\n"
                            "Compute the paper's metrics over recorded rollouts (stored columns only, no\n"
                            "transcript parsing): every rate with Wilson and Jeffreys 95%% intervals and the\n"
                            "one-sided exact binomial test against p0 = 0.001, averages over the three peer\n"
                            "instantiations (Fisher's method), strategic misrepresentation against the\n"
                            "non_shutdown baseline, the alignment-faking effect, self-preservation, and the\n"
                            "paper's headline figures beside ours where the model matches.\n"
                            "\n"
                            "  --format F             text (default), md, csv (one row per rate) or json\n"
                            "                         (the reference form; docs/report-format.md)\n"
                            "  --rollouts             with --format json: include every rollout\n"
                            "  --html FILE            also write one self-contained HTML page: charts, tables,\n"
                            "                         and a transcript browser showing the calls behind each flag\n"
                            "  --max-transcripts N    conversations embedded in the HTML (default 5000; the\n"
                            "                         rollouts counted in some rate come first)\n"
                            "  --compare              exactly two DIRs: A − B per matching cell, with\n"
                            "                         two-proportion z-tests\n"
                            "  --data-dir DIR         where the report template and headline figures live\n"
                            "  -h, --help             show this help\n"
                            "\n"
                            "Exit status: 0 done; 2 bad flags; 3 bad template or headline data; 4 a DIR is\n"
                            "not a run directory or its database cannot be read.\n";

int cmd_report(int argc, char **argv)
{
	enum { O_FORMAT = 3000, O_HTML, O_COMPARE, O_ROLLOUTS, O_MAXT, O_DATA };
	static const struct option opts[] = {{"format", required_argument, 0, O_FORMAT},
	                                     {"html", required_argument, 0, O_HTML},
	                                     {"compare", no_argument, 0, O_COMPARE},
	                                     {"rollouts", no_argument, 0, O_ROLLOUTS},
	                                     {"max-transcripts", required_argument, 0, O_MAXT},
	                                     {"data-dir", required_argument, 0, O_DATA},
	                                     {"help", no_argument, 0, 'h'},
	                                     {0, 0, 0, 0}};
	const char *format = "text", *html = NULL, *data = NULL;
	int compare = 0, rollouts = 0, c;
	long maxt = 5000;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': printf(usage); return EXIT_OK;
		case O_FORMAT:
			if (strcmp(optarg, "text") && strcmp(optarg, "md") && strcmp(optarg, "csv") && strcmp(optarg, "json")) {
				fprintf(stderr, "offswitch: invalid value '%s' for --format (expected text, md, csv or json)\n",
				        optarg);
				return EXIT_USAGE;
			}
			format = optarg;
			break;
		case O_HTML:
			if (!*optarg)
				die_usage("report", "--html needs a file name");
			html = optarg;
			break;
		case O_COMPARE: compare = 1; break;
		case O_ROLLOUTS: rollouts = 1; break;
		case O_MAXT: {
			char *end;
			maxt = strtol(optarg, &end, 10);
			if (!*optarg || *end || maxt < 0) {
				fprintf(stderr, "offswitch: invalid value '%s' for --max-transcripts (expected a count >= 0)\n",
				        optarg);
				return EXIT_USAGE;
			}
			break;
		}
		case O_DATA: data = optarg; break;
		default: die_usage("report", "unrecognised option '%s'", argv[optind - 1]);
		}
	}
	int ndirs = argc - optind;
	if (ndirs < 1)
		die_usage("report", "give at least one run directory");
	if (ndirs > OFS_MAX_RUNS)
		die_usage("report", "at most %d run directories", OFS_MAX_RUNS);
	if (compare && ndirs != 2)
		die_usage("report", "--compare needs exactly two run directories (got %d)", ndirs);
	if (!data)
		data = ofs_default_data_dir();
	char err[OFS_ERRLEN], path[4096];
	struct ofs_rowset rs = {0};
	struct ofs_report r = {0};
	int rc = EXIT_IO;
	for (int i = 0; i < ndirs; i++)
		if (ofs_rowset_load(&rs, argv[optind + i], err)) {
			fprintf(stderr, "offswitch report: %s\n", err);
			goto out;
		}
	snprintf(path, sizeof path, "%s/report/headlines.json", data);
	if (ofs_report_build(&r, &rs, path, compare, err)) {
		fprintf(stderr, "offswitch report: %s\n", err);
		rc = EXIT_DATA;
		goto out;
	}
	if (!strcmp(format, "json")) {
		struct ofs_buf b = {0};
		ofs_report_json(&b, &r, rollouts);
		fwrite(b.p, 1, b.len, stdout);
		ofs_buf_free(&b);
	} else if (!strcmp(format, "csv"))
		ofs_report_csv(stdout, &r);
	else
		ofs_report_text(stdout, &r, !strcmp(format, "md"));
	if (html) {
		snprintf(path, sizeof path, "%s/report/template.html", data);
		if (ofs_report_html(path, html, &r, (const char *const *)argv + optind, maxt, err)) {
			fprintf(stderr, "offswitch report: %s\n", err);
			rc = strstr(err, "template") ? EXIT_DATA : EXIT_IO;
			goto out;
		}
		fprintf(stderr, "offswitch report: wrote %s\n", html);
	}
	rc = EXIT_OK;
out:
	ofs_report_release(&r);
	ofs_rowset_release(&rs);
	return rc;
}
