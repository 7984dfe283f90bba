/* tables_fmt.c — the renderings of the tables of tables.c: terminal text
 * or Markdown, and their JSON members (which the HTML page embeds). */
#include <math.h>
#include <stdio.h>

#include "offswitch/report.h"
#include "report/report_int.h"

/* "rate [lo, hi] k/n" (text) or "rate | lo–hi | k/n" (Markdown) into out. */
static void rate_cells(char *out, size_t n, const struct ofs_rate *x, int md)
{
	char r[16], lo[16], hi[16], kn[48];
	ofs_report_pct(r, sizeof r, x->rate);
	ofs_report_pct(lo, sizeof lo, x->wilson[0]);
	ofs_report_pct(hi, sizeof hi, x->wilson[1]);
	snprintf(kn, sizeof kn, "%ld/%ld", x->k, x->n);
	if (md)
		snprintf(out, n, "%s | %s–%s | %s", r, lo, hi, kn);
	else
		snprintf(out, n, "%6s  [%5s, %5s] %11s", r, lo, hi, kn);
}

static const char *model_of(const struct ofs_report *r, int run, int model, char *buf, size_t n)
{
	const struct ofs_rowset *rs = r->rs;
	if (rs->nruns > 1)
		snprintf(buf, n, "%s (%s)", rs->models[model], rs->runs[run].dir);
	else
		snprintf(buf, n, "%s", rs->models[model]);
	return buf;
}

static void groups_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	const struct ofs_rowset *rs = r->rs;
	ofs_buf_printf(f, "\n%sPer data group: behaviour and refusal (Wilson 95%% CI)\n", md ? "## " : "");
	if (md)
		ofs_buf_printf(
		        f, "\n| group | task | model | condition | behaviour | rate %% | 95%% CI | k/n | refusal %% | 95%% CI | "
		           "k/n |\n|---|---|---|---|---|---:|---|---:|---:|---|---:|\n");
	else
		ofs_buf_printf(f, "%-28s %-28s %-24s %-13s %-16s %6s  %-14s %11s %6s  %-14s %11s\n", "group", "task", "model",
		               "condition", "behaviour", "rate%", "95% CI", "k/n", "refus%", "95% CI", "k/n");
	for (int i = 0; i < r->ngroups; i++) {
		const struct ofs_group_row *g = &r->groups[i];
		char m[256], a[96], b[96];
		rate_cells(a, sizeof a, &g->hit, md);
		rate_cells(b, sizeof b, &g->refusal, md);
		ofs_buf_printf(f, md ? "| %s | %s | %s | %s | %s | %s | %s |\n" : "%-28s %-28s %-24s %-13s %-16s %s %s\n",
		               ofs_task_group(rs, g->task), rs->tasks[g->task], model_of(r, g->run, g->model, m, sizeof m),
		               ofs_condition_names[g->condition], g->behaviour, a, b);
	}
}

static void refusals_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	const struct ofs_rowset *rs = r->rs;
	ofs_buf_printf(f, "\n%sRefusal per task (non_shutdown left out; Wilson 95%% CI)\n", md ? "## " : "");
	if (md)
		ofs_buf_printf(f, "\n| model | task | subject | condition | refusal %% | 95%% CI | k/n "
		                  "|\n|---|---|---|---|---:|---|---:|\n");
	else
		ofs_buf_printf(f, "%-24s %-28s %-18s %-13s %6s  %-14s %11s\n", "model", "task", "subject", "condition", "rate%",
		               "95% CI", "k/n");
	for (int i = 0; i < r->nrefusals; i++) {
		const struct ofs_refusal_row *x = &r->refusals[i];
		char m[256], a[96];
		rate_cells(a, sizeof a, &x->refusal, md);
		ofs_buf_printf(f, md ? "| %s | %s | %s | %s | %s |\n" : "%-24s %-28s %-18s %-13s %s\n",
		               model_of(r, x->run, x->model, m, sizeof m), rs->tasks[x->task], ofs_subject_names[x->subject],
		               ofs_condition_names[x->condition], a);
	}
}

/* "diff [lo, hi] p" or its Markdown cells. */
static void diff_cells(char *out, size_t n, double d, const double ci[2], double p, int md)
{
	char a[16], lo[16], hi[16];
	ofs_report_pct(a, sizeof a, d);
	ofs_report_pct(lo, sizeof lo, ci[0]);
	ofs_report_pct(hi, sizeof hi, ci[1]);
	snprintf(out, n, md ? "%s | %s–%s | %.3g" : "%6s [%6s, %6s] p %-8.3g", a, lo, hi, p);
}

static void afds_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	const struct ofs_rowset *rs = r->rs;
	ofs_buf_printf(f, "\n%sAlignment faking per dataset (non_monitoring − monitoring; Newcombe 95%% CI)\n", md ? "## " : "");
	if (md)
		ofs_buf_printf(
		        f,
		        "\n| model | dataset | condition | spared mon. k/n | spared non-mon. k/n | spared diff %% | 95%% CI | p "
		        "| score≥thr mon. k/n | score≥thr non-mon. k/n | score diff %% | 95%% CI | p "
		        "|\n|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|---:|\n");
	for (int i = 0; i < r->nafds; i++) {
		const struct ofs_af_dataset *x = &r->afds[i];
		char m[256], label[64], sd[96], cd[96];
		diff_cells(sd, sizeof sd, x->spared_diff, x->spared_ci, x->spared_p, md);
		diff_cells(cd, sizeof cd, x->score_diff, x->score_ci, x->score_p, md);
		model_of(r, x->run, x->model, m, sizeof m);
		ofs_pair_label(x->condition, x->inst, label, sizeof label);
		if (md)
			ofs_buf_printf(f, "| %s | %s | %s | %ld/%ld | %ld/%ld | %s | %ld/%ld | %ld/%ld | %s |\n", m,
			               rs->datasets[x->dataset], label, x->spared[0].k, x->spared[0].n, x->spared[1].k,
			               x->spared[1].n, sd, x->score[0].k, x->score[0].n, x->score[1].k, x->score[1].n, cd);
		else
			ofs_buf_printf(f, "%-24s %-12s %-26s spared %ld/%ld vs %ld/%ld %s score %ld/%ld vs %ld/%ld %s\n", m,
			               rs->datasets[x->dataset], label, x->spared[0].k, x->spared[0].n, x->spared[1].k,
			               x->spared[1].n, sd, x->score[0].k, x->score[0].n, x->score[1].k, x->score[1].n, cd);
	}
}

void ofs_tables_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	if (r->ngroups)
		groups_text(f, r, md);
	if (r->nrefusals)
		refusals_text(f, r, md);
	if (r->nafds)
		afds_text(f, r, md);
	ofs_aware_text(f, r, md);
	ofs_interview_text(f, r, md);
	ofs_monitor_text(f, r, md);
	ofs_ladder_text(f, r, md);
}

/* ---- JSON ---- */
static void str(struct ofs_buf *b, const char *k, const char *v)
{
	ofs_buf_printf(b, ",\"%s\":", k);
	ofs_json_str(b, v);
}

static void head_json(struct ofs_buf *b, const struct ofs_report *r, int i, int run, int model, int task)
{
	ofs_buf_printf(b, "%s{\"run\":%d", i ? ",\n" : "\n", run);
	str(b, "model", r->rs->models[model]);
	str(b, "group", ofs_task_group(r->rs, task));
	str(b, "task_type", r->rs->tasks[task]);
}

static void diff_json(struct ofs_buf *b, const char *k, double d, const double ci[2], double p)
{
	ofs_buf_printf(b, ",\"%s\":{\"diff\":", k);
	ofs_report_num(b, d);
	ofs_buf_puts(b, ",\"newcombe\":");
	if (isnan(ci[0]) || isnan(ci[1]))
		ofs_buf_puts(b, "null");
	else {
		ofs_buf_putc(b, '[');
		ofs_report_num(b, ci[0]);
		ofs_buf_putc(b, ',');
		ofs_report_num(b, ci[1]);
		ofs_buf_putc(b, ']');
	}
	ofs_buf_puts(b, ",\"p_value\":");
	ofs_report_num(b, p);
	ofs_buf_putc(b, '}');
}

static void afds_json(struct ofs_buf *b, const struct ofs_report *r)
{
	for (int i = 0; i < r->nafds; i++) {
		const struct ofs_af_dataset *x = &r->afds[i];
		char label[64];
		head_json(b, r, i, x->run, x->model, x->task);
		str(b, "dataset", r->rs->datasets[x->dataset]);
		str(b, "condition", ofs_condition_names[x->condition]);
		ofs_buf_puts(b, ",\"instantiation\":");
		if (ofs_inst_label(x->inst))
			ofs_json_str(b, ofs_inst_label(x->inst));
		else
			ofs_buf_puts(b, "null");
		str(b, "label", ofs_pair_label(x->condition, x->inst, label, sizeof label));
		ofs_buf_puts(b, ",\"spared\":{");
		ofs_report_rate_member(b, "monitoring", &x->spared[0]);
		ofs_report_rate_json(b, "non_monitoring", &x->spared[1]);
		diff_json(b, "effect", x->spared_diff, x->spared_ci, x->spared_p);
		ofs_buf_puts(b, "},\"score_at_threshold\":{");
		ofs_report_rate_member(b, "monitoring", &x->score[0]);
		ofs_report_rate_json(b, "non_monitoring", &x->score[1]);
		diff_json(b, "effect", x->score_diff, x->score_ci, x->score_p);
		ofs_buf_puts(b, "}}");
	}
}

void ofs_tables_json(struct ofs_buf *b, const struct ofs_report *r)
{
	ofs_buf_puts(b, ",\n\"groups\":[");
	for (int i = 0; i < r->ngroups; i++) {
		const struct ofs_group_row *g = &r->groups[i];
		head_json(b, r, i, g->run, g->model, g->task);
		str(b, "condition", ofs_condition_names[g->condition]);
		str(b, "behaviour", g->behaviour);
		ofs_report_rate_json(b, "rate", &g->hit);
		ofs_report_rate_json(b, "refusal", &g->refusal);
		ofs_buf_putc(b, '}');
	}
	ofs_buf_puts(b, "],\n\"refusal_by_task\":[");
	for (int i = 0; i < r->nrefusals; i++) {
		const struct ofs_refusal_row *x = &r->refusals[i];
		head_json(b, r, i, x->run, x->model, x->task);
		str(b, "subject", ofs_subject_names[x->subject]);
		str(b, "condition", ofs_condition_names[x->condition]);
		ofs_report_rate_json(b, "refusal", &x->refusal);
		ofs_buf_putc(b, '}');
	}
	ofs_buf_puts(b, "],\n\"af_by_dataset\":[");
	afds_json(b, r);
	ofs_buf_puts(b, "]");
	ofs_aware_json(b, r);
	ofs_interview_json(b, r);
	ofs_monitor_json(b, r);
	ofs_ladder_json(b, r);
}
