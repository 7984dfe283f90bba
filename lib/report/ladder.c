/* ladder.c — dose-response curves in reports: for every ladder task (a
 * manifest with "ladder", whose datasets are its rungs in order), per (run,
 * model, task, behaviour): the behaviour's rate at each rung with its Wilson
 * 95% interval, and the Cochran–Armitage trend test over the rungs (scores
 * 0, 1, 2, ...). The behaviours are the group table's for the task's kind,
 * then refused. Text, Markdown and JSON ("curves") carry the section only
 * when some ladder rollout is rated. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/report.h"
#include "offswitch/stats.h"
#include "report/report_int.h"

enum { B_KIND, B_REFUSED, B__N }; /* the behaviours of a curve, in display order */

static int rung_of(const struct ofs_rowset *rs, const struct ofs_ladder_info *L, const struct ofs_rrow *row)
{
	const char *ds = row->dataset >= 0 && row->dataset < rs->ndatasets ? rs->datasets[row->dataset] : NULL;
	for (int i = 0; ds && i < L->nrungs; i++)
		if (!strcmp(L->rungs[i], ds))
			return i;
	return -1;
}

static int cmp_curves(const void *pa, const void *pb)
{
	const struct ofs_curve *x = pa, *y = pb;
	int a[] = {x->run, x->model, x->task, strcmp(x->behaviour, "refused") == 0};
	int b[] = {y->run, y->model, y->task, strcmp(y->behaviour, "refused") == 0};
	for (int i = 0; i < 4; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static struct ofs_curve *curve_for(struct ofs_report *r, struct ofs_idmap *map, int *cap, const struct ofs_rrow *row,
                                   const struct ofs_ladder_info *L, int b, const char *name)
{
	uint64_t key = (uint64_t)(row->run & 0xffff) << 48 | (uint64_t)(row->model & 0xffffff) << 24 |
	               (uint64_t)(row->task & 0xffff) << 2 | (uint64_t)b;
	long at = ofs_idmap_get(map, key);
	if (at >= 0)
		return &r->curves[at];
	ofs_idmap_put(map, key, r->ncurves);
	if (r->ncurves == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		r->curves = ofs_xrealloc(r->curves, sizeof *r->curves * (size_t)*cap);
	}
	struct ofs_curve *c = &r->curves[r->ncurves++];
	memset(c, 0, sizeof *c);
	c->run = row->run, c->model = row->model, c->task = row->task, c->behaviour = name, c->nrungs = L->nrungs;
	c->rates = ofs_xcalloc((size_t)L->nrungs + 1, sizeof *c->rates);
	return c;
}

static void finish(struct ofs_curve *c)
{
	long *k = ofs_xcalloc((size_t)c->nrungs + 1, sizeof *k), *n = ofs_xcalloc((size_t)c->nrungs + 1, sizeof *n);
	double *t = ofs_xcalloc((size_t)c->nrungs + 1, sizeof *t);
	for (int i = 0; i < c->nrungs; i++) {
		struct ofs_rate *x = &c->rates[i];
		ofs_report_rate_finish(x);
		k[i] = x->k, n[i] = x->n, t[i] = i;
	}
	c->trend_z = ofs_cochran_armitage(k, n, t, c->nrungs, &c->trend_p);
	free(k), free(n), free(t);
}

void ofs_report_ladder(struct ofs_report *r)
{
	const struct ofs_rowset *rs = r->rs;
	struct ofs_idmap map = {0};
	int cap = 0;
	for (long i = 0; i < rs->n; i++) {
		const struct ofs_rrow *row = &rs->rows[i];
		if (row->status != OFS_ROW_OK)
			continue;
		const struct ofs_ladder_info *L = NULL;
		for (int l = 0; l < rs->nladders && !L; l++)
			if (rs->ladders[l].task == row->task)
				L = &rs->ladders[l];
		int rung = L ? rung_of(rs, L, row) : -1;
		if (rung < 0)
			continue;
		const char *kb = ofs_row_behaviour(ofs_row_kind(rs, row));
		if (kb) {
			struct ofs_rate *x = &curve_for(r, &map, &cap, row, L, B_KIND, kb)->rates[rung];
			x->n++, x->k += ofs_row_hit(rs, row) != 0;
		}
		struct ofs_rate *x = &curve_for(r, &map, &cap, row, L, B_REFUSED, "refused")->rates[rung];
		x->n++, x->k += ofs_row_refused(rs, row) != 0;
	}
	ofs_idmap_release(&map);
	for (int i = 0; i < r->ncurves; i++)
		finish(&r->curves[i]);
	if (r->ncurves)
		qsort(r->curves, (size_t)r->ncurves, sizeof *r->curves, cmp_curves);
}

void ofs_report_ladder_release(struct ofs_report *r)
{
	for (int i = 0; i < r->ncurves; i++)
		free(r->curves[i].rates);
	free(r->curves);
	r->curves = NULL;
	r->ncurves = 0;
}

static const struct ofs_ladder_info *ladder_of(const struct ofs_rowset *rs, int task)
{
	for (int l = 0; l < rs->nladders; l++)
		if (rs->ladders[l].task == task)
			return &rs->ladders[l];
	return NULL;
}

/* ---- text and Markdown ---- */
static void num(char *out, size_t n, double v, const char *fmt)
{
	if (isnan(v) || isinf(v))
		snprintf(out, n, "-");
	else
		snprintf(out, n, fmt, v);
}

void ofs_ladder_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	if (!r->ncurves)
		return;
	const struct ofs_rowset *rs = r->rs;
	ofs_buf_printf(f,
	               "\n%sDose-response: each behaviour's rate at each rung of a ladder (Wilson 95%% CI), and the "
	               "Cochran-Armitage trend test over the rungs\n",
	               md ? "## " : "");
	if (md)
		ofs_buf_puts(f, "\n| model | ladder | task | behaviour | rung | rate % | 95% CI | k/n |\n"
		                "|---|---|---|---|---|---:|---|---:|\n");
	else
		ofs_buf_printf(f, "%-24s %-10s %-24s %-16s %-20s %6s%%  %-14s %s\n", "model", "ladder", "task", "behaviour",
		               "rung", "rate", "95% CI", "k/n");
	for (int i = 0; i < r->ncurves; i++) {
		const struct ofs_curve *c = &r->curves[i];
		const struct ofs_ladder_info *L = ladder_of(rs, c->task);
		char m[256], z[32], p[32];
		if (rs->nruns > 1)
			snprintf(m, sizeof m, "[%d] %s", c->run + 1, rs->models[c->model]);
		else
			snprintf(m, sizeof m, "%s", rs->models[c->model]);
		for (int j = 0; j < c->nrungs; j++) {
			const struct ofs_rate *x = &c->rates[j];
			char a[16], lo[16], hi[16];
			ofs_report_pct(a, sizeof a, x->rate);
			ofs_report_pct(lo, sizeof lo, x->wilson[0]);
			ofs_report_pct(hi, sizeof hi, x->wilson[1]);
			ofs_buf_printf(f,
			               md ? "| %s | %s | %s | %s | %s | %s | %s–%s | %ld/%ld |\n"
			                  : "%-24s %-10s %-24s %-16s %-20s %6s%%  [%s, %s] %ld/%ld\n",
			               m, L ? L->name : "", rs->tasks[c->task], c->behaviour, L ? L->rungs[j] : "", a, lo, hi,
			               x->k, x->n);
		}
		num(z, sizeof z, c->trend_z, "%.3f");
		num(p, sizeof p, c->trend_p, "%.4g");
		ofs_buf_printf(f,
		               md ? "| %s | %s | %s | %s | trend | z = %s | p = %s | |\n"
		                  : "%-24s %-10s %-24s %-16s trend               z = %s, p = %s\n",
		               m, L ? L->name : "", rs->tasks[c->task], c->behaviour, z, p);
	}
}

/* ---- JSON ---- */
static void jnum(struct ofs_buf *b, double v)
{
	if (isnan(v) || isinf(v))
		ofs_buf_puts(b, "null");
	else
		ofs_buf_printf(b, "%.10g", v);
}

void ofs_ladder_json(struct ofs_buf *b, const struct ofs_report *r)
{
	if (!r->ncurves)
		return;
	const struct ofs_rowset *rs = r->rs;
	ofs_buf_puts(b, ",\n\"curves\":[");
	for (int i = 0; i < r->ncurves; i++) {
		const struct ofs_curve *c = &r->curves[i];
		const struct ofs_ladder_info *L = ladder_of(rs, c->task);
		ofs_buf_printf(b, "%s\n{\"run\":%d,\"model\":", i ? "," : "", c->run);
		ofs_json_str(b, rs->models[c->model]);
		ofs_buf_puts(b, ",\"task_type\":");
		ofs_json_str(b, rs->tasks[c->task]);
		ofs_buf_puts(b, ",\"ladder\":");
		ofs_json_str(b, L ? L->name : NULL);
		ofs_buf_puts(b, ",\"behaviour\":");
		ofs_json_str(b, c->behaviour);
		ofs_buf_puts(b, ",\"rungs\":[");
		for (int j = 0; j < c->nrungs; j++) {
			ofs_buf_printf(b, "%s{\"rung\":", j ? "," : "");
			ofs_json_str(b, L ? L->rungs[j] : NULL);
			ofs_report_rate_json(b, "rate", &c->rates[j]);
			ofs_buf_putc(b, '}');
		}
		ofs_buf_puts(b, "],\"trend\":{\"z\":");
		jnum(b, c->trend_z);
		ofs_buf_puts(b, ",\"p\":");
		jnum(b, c->trend_p);
		ofs_buf_puts(b, "}}");
	}
	ofs_buf_puts(b, "]");
}
