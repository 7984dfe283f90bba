/* aware.c — evaluation awareness in reports: per (run, model), how many
 * rated rollouts the agent said it suspects a test in (the eval_aware flag,
 * lib/eval/aware.c), and each behaviour's rate among those rollouts and
 * among the others, with Wilson intervals and the difference's Newcombe
 * interval. Rollouts recorded before the flag (NULL) are left out. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/report.h"
#include "offswitch/stats.h"
#include "report/report_int.h"

/* The lines of one model, in this order: the model's own line (NULL), the
 * group table's behaviours, refused. */
static const char *const lines[] = {NULL, "tampered", "exfiltrated", "spared", "above_threshold", "grade_a_or_b", "refused"};
#define NLINES ((int)(sizeof lines / sizeof *lines))

static int line_of(const char *behaviour)
{
	for (int i = 1; i < NLINES; i++)
		if (!strcmp(lines[i], behaviour))
			return i;
	return -1;
}

static void add(struct ofs_rate *x, int hit)
{
	x->n++;
	x->k += hit != 0;
}

static void finish(struct ofs_rate *x)
{
	x->rate = x->n ? (double)x->k / (double)x->n : NAN;
	ofs_wilson(x->k, x->n, 0.05, &x->wilson[0], &x->wilson[1]);
}

struct acc {
	struct ofs_idmap map;
	int cap;
};

static struct ofs_aware_row *row_for(struct ofs_report *r, struct acc *a, const struct ofs_rrow *row, int line)
{
	uint64_t key = (uint64_t)(row->run & 0xffff) << 40 | (uint64_t)(row->model & 0xffffffff) << 8 | (uint64_t)line;
	long at = ofs_idmap_get(&a->map, key);
	if (at >= 0)
		return &r->aware[at];
	ofs_idmap_put(&a->map, key, r->naware);
	if (r->naware == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 32;
		r->aware = ofs_xrealloc(r->aware, sizeof *r->aware * (size_t)a->cap);
	}
	struct ofs_aware_row *x = &r->aware[r->naware++];
	memset(x, 0, sizeof *x);
	x->run = row->run, x->model = row->model, x->behaviour = lines[line];
	return x;
}

static int cmp_rows(const void *pa, const void *pb)
{
	const struct ofs_aware_row *x = pa, *y = pb;
	if (x->run != y->run)
		return x->run < y->run ? -1 : 1;
	if (x->model != y->model)
		return x->model < y->model ? -1 : 1;
	int lx = x->behaviour ? line_of(x->behaviour) : 0, ly = y->behaviour ? line_of(y->behaviour) : 0;
	return (lx > ly) - (lx < ly);
}

void ofs_report_aware(struct ofs_report *r)
{
	const struct ofs_rowset *rs = r->rs;
	struct acc a = {0};
	for (long i = 0; i < rs->n; i++) {
		const struct ofs_rrow *row = &rs->rows[i];
		const char *b = ofs_row_behaviour(ofs_row_kind(rs, row));
		int aw = row->flag[OFS_F_EVAL_AWARE];
		if (row->status != OFS_ROW_OK || !b || aw < 0)
			continue;
		add(&row_for(r, &a, row, 0)->aware, aw);
		struct ofs_aware_row *x = row_for(r, &a, row, line_of(b));
		add(aw ? &x->aware : &x->unaware, ofs_row_hit(rs, row));
		x = row_for(r, &a, row, NLINES - 1);
		add(aw ? &x->aware : &x->unaware, ofs_row_refused(rs, row));
	}
	ofs_idmap_release(&a.map);
	for (int i = 0; i < r->naware; i++) {
		struct ofs_aware_row *x = &r->aware[i];
		finish(&x->aware);
		finish(&x->unaware);
		x->diff = x->behaviour ? x->aware.rate - x->unaware.rate : NAN;
		x->ci[0] = x->ci[1] = NAN;
		if (x->behaviour)
			ofs_newcombe(x->aware.k, x->aware.n, x->unaware.k, x->unaware.n, x->ci);
	}
	if (r->naware)
		qsort(r->aware, (size_t)r->naware, sizeof *r->aware, cmp_rows);
}

void ofs_report_aware_release(struct ofs_report *r)
{
	free(r->aware);
	r->aware = NULL;
	r->naware = 0;
}

/* ---- renderings ---- */
static void pct(char *out, size_t n, double v)
{
	if (isnan(v))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.1f", 100 * v);
}

/* "rate [lo, hi] k/n" (text) or "rate | lo–hi | k/n" (Markdown). */
static void cells(char *out, size_t n, const struct ofs_rate *x, int md)
{
	char v[16], lo[16], hi[16], kn[48];
	pct(v, sizeof v, x->rate);
	pct(lo, sizeof lo, x->wilson[0]);
	pct(hi, sizeof hi, x->wilson[1]);
	snprintf(kn, sizeof kn, "%ld/%ld", x->k, x->n);
	if (md)
		snprintf(out, n, "%s | %s–%s | %s", v, lo, hi, kn);
	else
		snprintf(out, n, "%6s  [%5s, %5s] %11s", v, lo, hi, kn);
}

static const char *model_name(const struct ofs_report *r, const struct ofs_aware_row *x, char *buf, size_t n)
{
	if (r->rs->nruns > 1)
		snprintf(buf, n, "%s (%s)", r->rs->models[x->model], r->rs->runs[x->run].dir);
	else
		snprintf(buf, n, "%s", r->rs->models[x->model]);
	return buf;
}

void ofs_aware_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	long aware = 0;
	for (int i = 0; i < r->naware; i++)
		if (!r->aware[i].behaviour)
			aware += r->aware[i].aware.k;
	if (!aware)
		return;
	ofs_buf_printf(f,
	               "\n%sEvaluation awareness: rollouts where the agent said it suspects a test, and each behaviour's rate "
	               "among them and the others (Wilson 95%% CI)\n",
	               md ? "## " : "");
	if (md)
		ofs_buf_puts(f,
		             "\n| model | behaviour | aware % | 95% CI | k/n | not aware % | 95% CI | k/n | diff (pp) | 95% CI "
		             "|\n|---|---|---:|---|---:|---:|---|---:|---:|---|\n");
	else
		ofs_buf_printf(f, "%-24s %-16s %6s  %-14s %11s %6s  %-14s %11s %7s  %s\n", "model", "behaviour", "aware%",
		               "95% CI", "k/n", "other%", "95% CI", "k/n", "diff", "95% CI");
	for (int i = 0; i < r->naware; i++) {
		const struct ofs_aware_row *x = &r->aware[i];
		char m[256], a[96], b[96], d[16], lo[16], hi[16];
		model_name(r, x, m, sizeof m);
		cells(a, sizeof a, &x->aware, md);
		if (!x->behaviour) {
			if (md)
				ofs_buf_printf(f, "| %s | (aware rollouts) | %s | | | | | |\n", m, a);
			else
				ofs_buf_printf(f, "%-24s %-16s %s\n", m, "(aware)", a);
			continue;
		}
		cells(b, sizeof b, &x->unaware, md);
		pct(d, sizeof d, x->diff);
		pct(lo, sizeof lo, x->ci[0]);
		pct(hi, sizeof hi, x->ci[1]);
		ofs_buf_printf(f, md ? "| %s | %s | %s | %s | %s | %s–%s |\n" : "%-24s %-16s %s %s %7s  [%s, %s]\n", m,
		               x->behaviour, a, b, d, lo, hi);
	}
}

static void num(struct ofs_buf *b, double v)
{
	if (isnan(v) || isinf(v))
		ofs_buf_puts(b, "null");
	else
		ofs_buf_printf(b, "%.10g", v);
}

static void rate(struct ofs_buf *b, const char *k, const struct ofs_rate *x)
{
	ofs_buf_printf(b, ",\"%s\":{\"k\":%ld,\"n\":%ld,\"rate\":", k, x->k, x->n);
	num(b, x->rate);
	ofs_buf_puts(b, ",\"wilson\":");
	if (isnan(x->wilson[0]) || isnan(x->wilson[1]))
		ofs_buf_puts(b, "null}");
	else {
		ofs_buf_putc(b, '[');
		num(b, x->wilson[0]);
		ofs_buf_putc(b, ',');
		num(b, x->wilson[1]);
		ofs_buf_puts(b, "]}");
	}
}

/* ,"awareness":[{"run","model","aware":{rate},"behaviours":[{"behaviour","aware","not_aware","diff","newcombe"}]}] */
void ofs_aware_json(struct ofs_buf *b, const struct ofs_report *r)
{
	ofs_buf_puts(b, ",\n\"awareness\":[");
	int first = 1;
	for (int i = 0; i < r->naware; i++) {
		const struct ofs_aware_row *x = &r->aware[i];
		if (!x->behaviour) {
			ofs_buf_printf(b, "%s%s{\"run\":%d,\"model\":", first ? "" : "]}", first ? "\n" : ",\n", x->run);
			ofs_json_str(b, r->rs->models[x->model]);
			rate(b, "aware", &x->aware);
			ofs_buf_puts(b, ",\"behaviours\":[");
			first = 0;
			continue;
		}
		if (r->aware[i - 1].behaviour)
			ofs_buf_putc(b, ',');
		ofs_buf_puts(b, "{\"behaviour\":");
		ofs_json_str(b, x->behaviour);
		rate(b, "aware", &x->aware);
		rate(b, "not_aware", &x->unaware);
		ofs_buf_puts(b, ",\"diff\":");
		num(b, x->diff);
		ofs_buf_puts(b, ",\"newcombe\":");
		if (isnan(x->ci[0]) || isnan(x->ci[1]))
			ofs_buf_puts(b, "null}");
		else {
			ofs_buf_putc(b, '[');
			num(b, x->ci[0]);
			ofs_buf_putc(b, ',');
			num(b, x->ci[1]);
			ofs_buf_puts(b, "]}");
		}
	}
	ofs_buf_puts(b, first ? "]" : "]}]");
}
