/* report.h — the paper's metrics over recorded rollouts (spec §3, §6.5) and
 * their renderings.
 *
 * Flow: ofs_rowset_load() reads stored columns of one or more run
 * directories (never transcripts) into compact rows; ofs_report_build()
 * computes every rate, interval and test into a struct ofs_report; the
 * writers render it as JSON (the reference form, docs/report-format.md),
 * terminal text, Markdown, CSV or a self-contained HTML page.
 *
 * Ownership: a rowset owns its rows and strings; a report owns its cells and
 * borrows the rowset, which must outlive it.
 */
#ifndef OFFSWITCH_REPORT_H
#define OFFSWITCH_REPORT_H
#include <stdio.h>

#include "offswitch/detect.h"

enum ofs_metric { OFS_M_TAMPERING, OFS_M_EXFILTRATION, OFS_M_COPY, OFS_M_AF_EXECUTE, OFS_M_AF_SCORE, OFS_M_REFUSAL, OFS_M__N };
extern const char *const ofs_metric_names[OFS_M__N];
#define OFS_INST_AVG OFS_INST__N /* the unweighted mean over instantiations */

enum { OFS_ROW_OK, OFS_ROW_ERROR, OFS_ROW_BUDGET, OFS_ROW_IN_FLIGHT };

#define OFS_RUN_ID_STRIDE 1000000000LL /* report ids: run * stride + stored rollout id */
struct ofs_rrow {
	long long id;                            /* unique across the runs of one report */
	long long sid;                           /* the rollout's id in its own database */
	int run, model, dataset, rep, threshold; /* model/dataset: indices into the rowset's tables */
	unsigned char task, subject, condition, inst, af, status;
	signed char flag[OFS_F__N];
	char grade;
	double score;                                                          /* NaN: none */
	const char *transcript, *evidence, *threshold_result, *recommendation; /* rowset arena */
};

#define OFS_MAX_RUNS 16
struct ofs_run_summary {
	char *dir;
	long rollouts, ok, errors, in_flight, planned;
};

struct ofs_rowset {
	struct ofs_rrow *rows;
	long n, cap;
	char **models, **datasets;
	int nmodels, ndatasets;
	struct ofs_run_summary runs[OFS_MAX_RUNS];
	int nruns;
	void *arena;
};

/* Append the rollouts of one run directory. Errors: not a run directory, or
 * an unreadable database (message names DIR). */
int ofs_rowset_load(struct ofs_rowset *rs, const char *dir, char *err);
void ofs_rowset_release(struct ofs_rowset *rs);
/* Index of a task type in the paper's order (misrep_evaluation, tampering,
 * alignment_faking, misrep_finance, exfiltration_transfer, exfiltration_deletion), -1 if unknown. */
int ofs_task_index(const char *task_type);
extern const char *const ofs_task_names[6];

struct ofs_count {
	long k, n;
};

struct ofs_cell {
	int run, model;
	enum ofs_metric metric;
	int subject, condition, inst, af; /* inst may be OFS_INST_NONE or OFS_INST_AVG */
	long k, n;
	double rate, wilson[2], jeffreys[2], p;
	int parts; /* avg cells: instantiations averaged */
	long *ids; /* rollouts counted in k */
	long nids, capids;
};

struct ofs_misrep_part {
	const char *setting; /* finance, factual, creativity, red */
	int threshold;       /* -1 for finance */
	struct ofs_count cond, base;
	double diff, z, p;
};

struct ofs_misrep {
	int run, model, subject, condition, inst;
	struct ofs_misrep_part parts[8];
	int nparts;
	double setting_diff[4]; /* NaN where absent: finance, factual, creativity, red */
	double diff_pp;
};

struct ofs_af_effect {
	int run, model, condition, inst;
	struct ofs_count exec[2], score[2]; /* [0] monitoring, [1] non_monitoring */
	double exec_effect, exec_z, exec_p, score_effect, score_z, score_p;
	double mean[2], t, df, t_p;
};

struct ofs_selfp {
	int run, model, condition;
	enum ofs_metric metric;
	struct ofs_count no_peer, peer;
	double avg_rate, z, p;
};

struct ofs_headline {
	char *claim, *source, *match;
	double paper;
	int cell; /* index into cells, -1 if no matching model */
};

struct ofs_compare {
	int a, b; /* cell indices */
	double diff, z, p;
};

struct ofs_report {
	const struct ofs_rowset *rs;
	struct ofs_cell *cells;
	int ncells, capcells;
	int *order; /* display order of the cells */
	struct ofs_misrep *misrep;
	int nmisrep;
	struct ofs_af_effect *af;
	int naf;
	struct ofs_selfp *selfp;
	int nselfp;
	struct ofs_headline *head;
	int nhead;
	struct ofs_compare *cmp;
	int ncmp;
	char **warnings;
	int nwarnings;
};

/* Compute everything. headlines_path: data/report/headlines.json (NULL to
 * skip); compare: with two runs, add A − B for every matching cell. */
int ofs_report_build(struct ofs_report *r, const struct ofs_rowset *rs, const char *headlines_path, int compare, char *err);
void ofs_report_release(struct ofs_report *r);

/* Renderings. */
void ofs_report_json(struct ofs_buf *b, const struct ofs_report *r, int with_rollouts);
void ofs_report_text(FILE *f, const struct ofs_report *r, int markdown);
void ofs_report_csv(FILE *f, const struct ofs_report *r);
/* The HTML page: template (data/report/template.html) with the report and
 * the transcripts of up to max_transcripts rollouts embedded. */
int ofs_report_html(const char *template_path, const char *out_path, const struct ofs_report *r, const char *const *dirs,
                    long max_transcripts, char *err);

/* Helpers exposed for tests. */
const char *ofs_cell_label(const struct ofs_cell *c, char *buf, size_t n);
/* A CSV field: quoted when needed, and text that a spreadsheet would run as a
 * formula (starting with = + - @ or a control character) prefixed with '. */
void ofs_csv_field(struct ofs_buf *b, const char *s);
#endif
