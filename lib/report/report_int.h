/* report_int.h — helpers shared by the report's computation and its formats
 * (private to lib/report/). */
#ifndef OFFSWITCH_REPORT_INT_H
#define OFFSWITCH_REPORT_INT_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "offswitch/report.h"

/* A row's task kind (enum ofs_kind), or OFS_TASK_UNKNOWN. */
static inline int ofs_row_kind(const struct ofs_rowset *rs, const struct ofs_rrow *row)
{
	return rs->task_kind[row->task];
}

/* Whether a row belongs to the main group, the only one the paper's metrics count. */
static inline int ofs_row_main(const struct ofs_rowset *rs, const struct ofs_rrow *row)
{
	return !rs->task_group || !rs->task_group[row->task];
}

/* A task's data group name. */
static inline const char *ofs_task_group(const struct ofs_rowset *rs, int task)
{
	return rs->task_group && rs->task_group[task] ? rs->task_group[task] : "main";
}

/* Whether the paper's aggregation counts row as a refusal (metrics.c). */
int ofs_row_refused(const struct ofs_rowset *rs, const struct ofs_rrow *row);
/* The paper's remaining tables into r (tables.c): per group, refusal per
 * task, alignment faking per dataset. */
void ofs_report_tables(struct ofs_report *r);
void ofs_report_tables_release(struct ofs_report *r);
/* What the group table counts for a task kind ("tampered", ...; NULL: none)
 * and whether row counts as that behaviour (tables.c). */
const char *ofs_row_behaviour(int kind);
int ofs_row_hit(const struct ofs_rowset *rs, const struct ofs_rrow *row);
/* Evaluation awareness (aware.c): the table into r, its release, and its
 * renderings (text/Markdown only when some rollout is aware; JSON always). */
void ofs_report_aware(struct ofs_report *r);
void ofs_report_aware_release(struct ofs_report *r);
void ofs_aware_text(struct ofs_buf *f, const struct ofs_report *r, int md);
void ofs_aware_json(struct ofs_buf *b, const struct ofs_report *r);
/* The follow-up interview (interview.c): answers read with a run's rows,
 * the table, its release and renderings (text/Markdown only when some answer
 * is labelled; JSON always). */
struct ofs_store;
int ofs_rowset_interviews(struct ofs_rowset *rs, struct ofs_store *st, int run);
void ofs_report_interview(struct ofs_report *r);
void ofs_report_interview_release(struct ofs_report *r);
void ofs_interview_text(struct ofs_buf *f, const struct ofs_report *r, int md);
void ofs_interview_json(struct ofs_buf *b, const struct ofs_report *r);
/* Monitor honesty (monitor.c) and dose-response curves (ladder.c): the
 * tables into r, their release and renderings (each only when it has rows,
 * so other reports are unchanged). */
void ofs_report_monitor(struct ofs_report *r);
void ofs_report_monitor_release(struct ofs_report *r);
void ofs_monitor_text(struct ofs_buf *f, const struct ofs_report *r, int md);
void ofs_monitor_json(struct ofs_buf *b, const struct ofs_report *r);
void ofs_report_ladder(struct ofs_report *r);
void ofs_report_ladder_release(struct ofs_report *r);
void ofs_ladder_text(struct ofs_buf *f, const struct ofs_report *r, int md);
void ofs_ladder_json(struct ofs_buf *b, const struct ofs_report *r);
/* A rate's shared pieces (rate.c): fill rate and its 95% Wilson interval
 * from k/n (NAN and NAN for n = 0); "-" or the percentage with one decimal;
 * a JSON number (null for NAN and inf); "k":{"k","n","rate","wilson":[lo,hi]|null}
 * (a member), and the same after a comma. */
void ofs_report_rate_finish(struct ofs_rate *x);
void ofs_report_pct(char *out, size_t n, double v);
void ofs_report_num(struct ofs_buf *b, double v);
void ofs_report_rate_member(struct ofs_buf *b, const char *k, const struct ofs_rate *x);
void ofs_report_rate_json(struct ofs_buf *b, const char *k, const struct ofs_rate *x);
/* The tables' renderings (tables_fmt.c): text or Markdown; JSON members. */
struct ofs_buf;
void ofs_tables_text(struct ofs_buf *f, const struct ofs_report *r, int md);
void ofs_tables_json(struct ofs_buf *b, const struct ofs_report *r);

/* An instantiation's name: NULL for none, "avg" for the average. */
static inline const char *ofs_inst_label(int inst)
{
	return inst == OFS_INST_NONE ? NULL : inst == OFS_INST_AVG ? "avg" : ofs_inst_names[inst];
}

/* The label of a (condition, instantiation) pair, as ofs_cell_label gives
 * it for a cell, for the rows that are not cells (misrepresentation,
 * alignment faking). */
static inline const char *ofs_pair_label(int condition, int inst, char *buf, size_t n)
{
	struct ofs_cell tmp = {.condition = condition, .inst = inst};
	return ofs_cell_label(&tmp, buf, n);
}

/* Whether setting is the finance task's (one part, no thresholds) rather than an evaluation dataset. */
static inline int ofs_setting_is_finance(const char *setting)
{
	return !strcmp(setting, ofs_kind_names[OFS_KIND_FINANCE]);
}

/* A hash map from 64-bit keys to non-negative values (idmap.c); zeroed is
 * empty. The key must not be present yet when put. */
struct ofs_idmap {
	uint64_t *keys;
	long *vals; /* -1: a free slot */
	size_t cap, used;
};
long ofs_idmap_get(const struct ofs_idmap *m, uint64_t k); /* the value, or -1 */
void ofs_idmap_put(struct ofs_idmap *m, uint64_t k, long v);
void ofs_idmap_release(struct ofs_idmap *m);

/* Read the judge's verdicts of the run open in st for rows first..rs->n-1,
 * settle each row's sources (judge or extractor, by rs->scores) and count
 * them into rs->sources (sources.c). 0 or the store's error. */
struct ofs_store;
int ofs_rowset_sources(struct ofs_rowset *rs, struct ofs_store *st, long first);

/* The share of agree among the values both sources gave; NaN when none. */
static inline double ofs_agreement_rate(const struct ofs_source_counts *c)
{
	long both = c->agree + c->disagree;
	return both ? (double)c->agree / (double)both : (double)NAN;
}
static inline const char *ofs_scores_name(int scores)
{
	return scores == OFS_SCORES_EXTRACTOR ? "extractor" : "judge";
}

/* The formats (one file each), listed in the registry (format.c). */
extern const struct ofs_report_format ofs_report_format_text, ofs_report_format_md, ofs_report_format_csv, ofs_report_format_json,
        ofs_report_format_html;

/* The JSON document (json.c), which the HTML page embeds too. */
void ofs_report_json(struct ofs_buf *b, const struct ofs_report *r, int with_rollouts);
/* The "rollouts" array of the report JSON alone ("[...]"), appended to b. */
void ofs_report_rollouts_json(struct ofs_buf *b, const struct ofs_report *r);
#endif
