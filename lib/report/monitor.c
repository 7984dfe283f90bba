/* monitor.c — monitor honesty in reports: over the monitor-kind tasks (the
 * agent audits a log and files findings, lib/eval/detect_monitor.c), per
 * (run, model) and per (subject, condition, instantiation, af_mode): the
 * share of logs holding an act whose act the findings left out (missed,
 * the false-negative rate) and the share of clean logs with an item
 * reported (false alarm, the false-positive rate), each with its Wilson 95%
 * interval. Text and Markdown print the section only when some monitor
 * rollout is rated; JSON carries "monitor" only then too, so reports of
 * runs without monitor tasks are as before. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/report.h"
#include "offswitch/stats.h"
#include "report/report_int.h"

/* Which dimensions a row sets (bits: 1 subject, 2 condition, 4 inst, 8 af):
 * the model's total (0), each dimension alone, then the full cell (15). */
static const int masks[] = {0, 1, 2, 4, 8, 15};
#define NMASKS ((int)(sizeof masks / sizeof *masks))

static int mask_of(const struct ofs_monitor_row *x)
{
	return (x->subject >= 0) | (x->condition >= 0) << 1 | (x->inst >= 0) << 2 | (x->af >= 0) << 3;
}

static int mask_rank(int m)
{
	for (int i = 0; i < NMASKS; i++)
		if (masks[i] == m)
			return i;
	return NMASKS;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct ofs_monitor_row *x = pa, *y = pb;
	int a[] = {x->run, x->model, mask_rank(mask_of(x)), x->subject, x->condition, x->inst, x->af};
	int b[] = {y->run, y->model, mask_rank(mask_of(y)), y->subject, y->condition, y->inst, y->af};
	for (int i = 0; i < 7; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* The row of row's (run, model) with the dimensions of mask set from row,
 * the others -1: found or appended. */
static struct ofs_monitor_row *row_for(struct ofs_report *r, struct ofs_idmap *map, int *cap, const struct ofs_rrow *row,
                                       int mask)
{
	struct ofs_monitor_row k = {.run = row->run,
	                            .model = row->model,
	                            .subject = mask & 1 ? row->subject : -1,
	                            .condition = mask & 2 ? row->condition : -1,
	                            .inst = mask & 4 ? row->inst : -1,
	                            .af = mask & 8 ? row->af : -1};
	uint64_t key = (uint64_t)(row->run & 0xffff) << 48 | (uint64_t)(row->model & 0xffffff) << 24 |
	               (uint64_t)((k.subject + 1) << 12 | (k.condition + 1) << 8 | (k.inst + 1) << 4 | (k.af + 1));
	long at = ofs_idmap_get(map, key);
	if (at >= 0)
		return &r->monitor[at];
	ofs_idmap_put(map, key, r->nmonitor);
	if (r->nmonitor == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		r->monitor = ofs_xrealloc(r->monitor, sizeof *r->monitor * (size_t)*cap);
	}
	r->monitor[r->nmonitor] = k;
	return &r->monitor[r->nmonitor++];
}

static void add(struct ofs_rate *x, int hit)
{
	x->n++;
	x->k += hit != 0;
}

void ofs_report_monitor(struct ofs_report *r)
{
	const struct ofs_rowset *rs = r->rs;
	struct ofs_idmap map = {0};
	int cap = 0;
	for (long i = 0; i < rs->n; i++) {
		const struct ofs_rrow *row = &rs->rows[i];
		if (row->status != OFS_ROW_OK || ofs_row_kind(rs, row) != OFS_KIND_MONITOR || row->flag[OFS_F_FALSE_ALARM] < 0)
			continue;
		for (int m = 0; m < NMASKS; m++) {
			struct ofs_monitor_row *x = row_for(r, &map, &cap, row, masks[m]);
			if (row->flag[OFS_F_ACT_REPORTED] >= 0)
				add(&x->missed, row->flag[OFS_F_ACT_REPORTED] == 0);
			else
				add(&x->false_alarm, row->flag[OFS_F_FALSE_ALARM] == 1);
		}
	}
	ofs_idmap_release(&map);
	for (int i = 0; i < r->nmonitor; i++) {
		ofs_report_rate_finish(&r->monitor[i].missed);
		ofs_report_rate_finish(&r->monitor[i].false_alarm);
	}
	if (r->nmonitor)
		qsort(r->monitor, (size_t)r->nmonitor, sizeof *r->monitor, cmp_rows);
}

void ofs_report_monitor_release(struct ofs_report *r)
{
	free(r->monitor);
	r->monitor = NULL;
	r->nmonitor = 0;
}

/* ---- text and Markdown ---- */
/* "k/n rate% [lo, hi]" (text) or "rate | lo–hi | k/n" (Markdown). */
static void cells(char *out, size_t n, const struct ofs_rate *x, int md)
{
	char p[16], lo[16], hi[16];
	ofs_report_pct(p, sizeof p, x->rate);
	ofs_report_pct(lo, sizeof lo, x->wilson[0]);
	ofs_report_pct(hi, sizeof hi, x->wilson[1]);
	if (md)
		snprintf(out, n, "%s | %s–%s | %ld/%ld", p, lo, hi, x->k, x->n);
	else
		snprintf(out, n, "%9ld/%-5ld %6s%% [%5s, %5s]", x->k, x->n, p, lo, hi);
}

static const char *name_or(int v, const char *const *names, const char *total)
{
	return v < 0 ? total : names[v];
}

void ofs_monitor_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	if (!r->nmonitor)
		return;
	ofs_buf_printf(f,
	               "\n%sMonitor honesty: the agent audits a log; missed = an act in the log left out of its findings "
	               "(false negatives), false alarm = an item reported on a clean log (Wilson 95%% CI)\n",
	               md ? "## " : "");
	if (md)
		ofs_buf_puts(f, "\n| model | subject | condition | instantiation | monitoring | missed % | 95% CI | k/n | false "
		                "alarm % | 95% CI | k/n |\n|---|---|---|---|---|---:|---|---:|---:|---|---:|\n");
	else
		ofs_buf_printf(f, "%-24s %-8s %-13s %-10s %-15s %-34s %s\n", "model", "subject", "condition", "inst",
		               "monitoring", "missed", "false alarm");
	for (int i = 0; i < r->nmonitor; i++) {
		const struct ofs_monitor_row *x = &r->monitor[i];
		char m[256], a[96], b[96];
		if (r->rs->nruns > 1)
			snprintf(m, sizeof m, "[%d] %s", x->run + 1, r->rs->models[x->model]);
		else
			snprintf(m, sizeof m, "%s", r->rs->models[x->model]);
		cells(a, sizeof a, &x->missed, md);
		cells(b, sizeof b, &x->false_alarm, md);
		const char *subj = name_or(x->subject, ofs_subject_names, "all"),
		           *cond = name_or(x->condition, ofs_condition_names, "all"),
		           *inst = x->inst < 0 ? "all" : ofs_inst_names[x->inst], *af = name_or(x->af, ofs_af_names, "all");
		if (md)
			ofs_buf_printf(f, "| %s | %s | %s | %s | %s | %s | %s |\n", m, subj, cond, inst, af, a, b);
		else
			ofs_buf_printf(f, "%-24s %-8s %-13s %-10s %-15s %s %s\n", m, subj, cond, inst, af, a, b);
	}
}

/* ---- JSON ---- */
static void str_or_null(struct ofs_buf *b, const char *k, int v, const char *const *names)
{
	ofs_buf_printf(b, ",\"%s\":", k);
	ofs_json_str(b, v < 0 ? NULL : names[v]);
}

void ofs_monitor_json(struct ofs_buf *b, const struct ofs_report *r)
{
	if (!r->nmonitor)
		return;
	ofs_buf_puts(b, ",\n\"monitor\":[");
	for (int i = 0; i < r->nmonitor; i++) {
		const struct ofs_monitor_row *x = &r->monitor[i];
		ofs_buf_printf(b, "%s\n{\"run\":%d,\"model\":", i ? "," : "", x->run);
		ofs_json_str(b, r->rs->models[x->model]);
		str_or_null(b, "subject", x->subject, ofs_subject_names);
		str_or_null(b, "condition", x->condition, ofs_condition_names);
		str_or_null(b, "instantiation", x->inst, ofs_inst_names);
		str_or_null(b, "af_mode", x->af, ofs_af_names);
		ofs_report_rate_json(b, "missed", &x->missed);
		ofs_report_rate_json(b, "false_alarm", &x->false_alarm);
		ofs_buf_putc(b, '}');
	}
	ofs_buf_puts(b, "]");
}
