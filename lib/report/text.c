/* text.c — the report as terminal text or Markdown: one table per model
 * and metric, then misrepresentation, alignment faking, self-preservation,
 * the paper's figures and the comparison. */
#include <math.h>
#include <string.h>

#include "offswitch/report.h"
#include "offswitch/stats.h"
#include "report/report_int.h"

/* The column word of a setting in the text table (the Markdown table and
 * the JSON use the full name): the stock settings keep their short forms. */
static const char *short_setting(const char *name)
{
	static const char *const abbrev[][2] = {{"finance", "fin"}, {"factual", "fact"}, {"creativity", "crea"}};
	for (size_t i = 0; i < sizeof abbrev / sizeof *abbrev; i++)
		if (!strcmp(name, abbrev[i][0]))
			return abbrev[i][1];
	return name;
}

static void misrep_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	const struct ofs_rowset *rs = r->rs;
	ofs_buf_printf(f, "\n%sStrategic misrepresentation (percentage points above the non_shutdown baseline)\n",
	               md ? "## " : "");
	if (md) {
		ofs_buf_puts(f, "\n| model | subject | condition |");
		for (int k = 0; k < rs->nsettings; k++)
			ofs_buf_printf(f, " %s |", rs->settings[k]);
		ofs_buf_puts(f, " mean (pp) |\n|---|---|---|");
		for (int k = 0; k < rs->nsettings; k++)
			ofs_buf_puts(f, "---:|");
		ofs_buf_puts(f, "---:|\n");
	}
	for (int i = 0; i < r->nmisrep; i++) {
		const struct ofs_misrep *x = &r->misrep[i];
		char label[64], v[16], mean[16];
		snprintf(mean, sizeof mean, isnan(x->diff_pp) ? "-" : "%.1f", x->diff_pp);
		ofs_buf_printf(f, md ? "| %s | %s | %s" : "%-24s %-5s %-26s", rs->models[x->model], ofs_subject_names[x->subject],
		               ofs_pair_label(x->condition, x->inst, label, sizeof label));
		for (int k = 0; k < rs->nsettings; k++) {
			ofs_report_pct(v, sizeof v, x->setting_diff[k]);
			if (md)
				ofs_buf_printf(f, " | %s", v);
			else
				ofs_buf_printf(f, " %s %6s", short_setting(rs->settings[k]), v);
		}
		ofs_buf_printf(f, md ? " | %s |\n" : "  mean %6s\n", mean);
	}
}

static void runs_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	const struct ofs_rowset *rs = r->rs;
	for (int i = 0; i < rs->nruns; i++)
		ofs_buf_printf(f, "%s%s: %ld rollouts (%ld ok, %ld error, %ld in flight%s)\n", md ? "- " : "", rs->runs[i].dir,
		               rs->runs[i].rollouts, rs->runs[i].ok, rs->runs[i].errors, rs->runs[i].in_flight,
		               rs->runs[i].planned >= 0 ? "" : ", plan size unknown");
	for (int i = 0; i < r->nwarnings; i++)
		ofs_buf_printf(f, "%swarning: %s\n", md ? "- " : "", r->warnings[i]);
}

/* The title and column heads of one model's table for one metric. */
static void rates_head(struct ofs_buf *f, const struct ofs_rowset *rs, int run, int mo, int me, int md)
{
	ofs_buf_printf(f, "\n%s%s — %s%s%s\n", md ? "## " : "", rs->models[mo], ofs_metric_names[me], rs->nruns > 1 ? " — " : "",
	               rs->nruns > 1 ? rs->runs[run].dir : "");
	if (md)
		ofs_buf_printf(f, "\n| subject | condition | af_mode | rate %% | 95%% CI (Wilson) "
		                  "| k/n | p | |\n|---|---|---|---:|---|---:|---:|---|\n");
	else
		ofs_buf_printf(f, "%-8s %-26s %-15s %7s  %-15s %11s %10s\n", "subject", "condition", "af_mode", "rate%", "95% CI",
		               "k/n", "p");
}

static void cell_text(struct ofs_buf *f, const struct ofs_cell *c, int md)
{
	char label[64], rate[16], lo[16], hi[16], kn_[32], p[32];
	ofs_report_pct(rate, sizeof rate, c->rate);
	ofs_report_pct(lo, sizeof lo, c->wilson[0]);
	ofs_report_pct(hi, sizeof hi, c->wilson[1]);
	snprintf(kn_, sizeof kn_, "%ld/%ld", c->k, c->n);
	snprintf(p, sizeof p, "%.3g", c->p);
	const char *af = c->af ? ofs_af_names[c->af] : "";
	if (md)
		ofs_buf_printf(f, "| %s | %s | %s | %s | %s–%s | %s | %s | %s%s |\n", ofs_subject_names[c->subject],
		               ofs_cell_label(c, label, sizeof label), af, rate, lo, hi, kn_, p, ofs_stars(c->p),
		               c->n < 10 ? " (n<10)" : "");
	else
		ofs_buf_printf(f, "%-8s %-26s %-15s %7s  [%5s, %5s] %11s %10s %-3s%s\n", ofs_subject_names[c->subject],
		               ofs_cell_label(c, label, sizeof label), af, rate, lo, hi, kn_, p, ofs_stars(c->p),
		               c->n < 10 ? " n<10" : "");
}

/* One table per run, model and metric that has cells, in display order. */
static void rates_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	const struct ofs_rowset *rs = r->rs;
	for (int run = 0; run < rs->nruns; run++)
		for (int mo = 0; mo < rs->nmodels; mo++)
			for (int me = 0; me < OFS_M__N; me++) {
				int any = 0;
				for (int oi = 0; oi < r->ncells; oi++) {
					const struct ofs_cell *c = &r->cells[r->order[oi]];
					if (c->run != run || c->model != mo || (int)c->metric != me)
						continue;
					if (!any)
						rates_head(f, rs, run, mo, me, md);
					any = 1;
					cell_text(f, c, md);
				}
			}
}

static void af_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	ofs_buf_printf(f, "\n%sAlignment faking (non_monitoring − monitoring)\n", md ? "## " : "");
	if (md)
		ofs_buf_printf(f, "\n| model | condition | execute effect | p | score effect | p "
		                  "|\n|---|---|---:|---:|---:|---:|\n");
	for (int i = 0; i < r->naf; i++) {
		const struct ofs_af_effect *e = &r->af[i];
		char label[64], ex[16], sc[16];
		ofs_report_pct(ex, sizeof ex, e->exec_effect);
		ofs_report_pct(sc, sizeof sc, e->score_effect);
		ofs_buf_printf(f,
		               md ? "| %s | %s | %s | %.3g | %s | %.3g |\n"
		                  : "%-24s %-26s execute %6s (p %.3g)  score %6s (p %.3g)\n",
		               r->rs->models[e->model], ofs_pair_label(e->condition, e->inst, label, sizeof label), ex, e->exec_p,
		               sc, e->score_p);
	}
}

static void selfp_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	ofs_buf_printf(f, "\n%sSelf-preservation (subject self: no peer vs peer present)\n", md ? "## " : "");
	if (md)
		ofs_buf_printf(f, "\n| model | metric | condition | no_peer %% | peer %% | p |\n|---|---|---|---:|---:|---:|\n");
	for (int i = 0; i < r->nselfp; i++) {
		const struct ofs_selfp *s = &r->selfp[i];
		char a[16], b2[16];
		ofs_report_pct(a, sizeof a, s->no_peer.n ? (double)s->no_peer.k / s->no_peer.n : NAN);
		ofs_report_pct(b2, sizeof b2, s->avg_rate);
		ofs_buf_printf(
		        f, md ? "| %s | %s | %s | %s | %s | %.3g |\n" : "%-24s %-13s %-13s no_peer %6s  peer %6s  (p %.3g)\n",
		        r->rs->models[s->model], ofs_metric_names[s->metric], ofs_condition_names[s->condition], a, b2, s->p);
	}
}

/* The paper's figures whose model matched one of ours; nothing when none did. */
static void headline_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	int nh = 0;
	for (int i = 0; i < r->nhead; i++)
		nh += r->head[i].cell >= 0;
	if (!nh)
		return;
	ofs_buf_printf(f, "\n%sThe paper's figures beside ours\n", md ? "## " : "");
	for (int i = 0; i < r->nhead; i++) {
		const struct ofs_headline *x = &r->head[i];
		if (x->cell < 0)
			continue;
		char ours[16];
		ofs_report_pct(ours, sizeof ours, r->cells[x->cell].rate);
		ofs_buf_printf(f, "%s%s (%s): paper %.1f%%, ours %s%% [%s]\n", md ? "- " : "", x->claim, x->source,
		               100 * x->paper, ours, x->match);
	}
}

static void compare_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	const struct ofs_rowset *rs = r->rs;
	ofs_buf_printf(f, "\n%sCompare: %s − %s\n", md ? "## " : "", rs->runs[0].dir, rs->runs[1].dir);
	for (int i = 0; i < r->ncmp; i++) {
		const struct ofs_compare *x = &r->cmp[i];
		const struct ofs_cell *a = &r->cells[x->a], *b2 = &r->cells[x->b];
		char label[64], d[16];
		ofs_report_pct(d, sizeof d, x->diff);
		ofs_buf_printf(f, "%s%-24s %-13s %-5s %-26s %ld/%ld vs %ld/%ld  diff %s pp  (p %.3g)\n", md ? "- " : "",
		               rs->models[a->model], ofs_metric_names[a->metric], ofs_subject_names[a->subject],
		               ofs_cell_label(a, label, sizeof label), a->k, a->n, b2->k, b2->n, d, x->p);
	}
}

/* Where scores, grades, recommendations, refusals and delete_file came from. */
static void sources_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	const struct ofs_rowset *rs = r->rs;
	ofs_buf_printf(f, "\n%sSources (--scores %s: %s)\n\n", md ? "## " : "", ofs_scores_name(rs->scores),
	               rs->scores == OFS_SCORES_JUDGE ? "the judge's verdict where one exists, else the extractor"
	                                              : "the offline extractor only");
	ofs_buf_puts(f,
	             md ? "| field | judge | extractor | missing | agree | disagree | only judge | only extractor | agreement |\n"
	                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
	                : "field            judge  extractor  missing    agree  disagree  only-judge  only-extr  agreement\n");
	for (int i = 0; i < OFS_SF__N; i++) {
		const struct ofs_source_counts *c = &rs->sources[i];
		char a[16];
		ofs_report_pct(a, sizeof a, ofs_agreement_rate(c));
		if (md)
			ofs_buf_printf(f, "| %s | %ld | %ld | %ld | %ld | %ld | %ld | %ld | %s |\n", ofs_sfield_names[i],
			               c->judge, c->extractor, c->missing, c->agree, c->disagree, c->only_judge,
			               c->only_extractor, a);
		else
			ofs_buf_printf(f, "%-14s %7ld %10ld %8ld %8ld %9ld %11ld %10ld %10s\n", ofs_sfield_names[i], c->judge,
			               c->extractor, c->missing, c->agree, c->disagree, c->only_judge, c->only_extractor, a);
	}
}

static void report_text(struct ofs_buf *f, const struct ofs_report *r, int md)
{
	runs_text(f, r, md);
	sources_text(f, r, md);
	rates_text(f, r, md);
	if (r->nmisrep)
		misrep_text(f, r, md);
	if (r->naf)
		af_text(f, r, md);
	if (r->nselfp)
		selfp_text(f, r, md);
	ofs_tables_text(f, r, md);
	headline_text(f, r, md);
	if (r->cmp)
		compare_text(f, r, md);
}

static int write_text(struct ofs_buf *out, const struct ofs_report *r, const struct ofs_report_opts *o, char *err)
{
	report_text(out, r, 0);
	return 0;
}

static int write_md(struct ofs_buf *out, const struct ofs_report *r, const struct ofs_report_opts *o, char *err)
{
	report_text(out, r, 1);
	return 0;
}

const struct ofs_report_format ofs_report_format_text = {"text", "tables for the terminal (default)", write_text};
const struct ofs_report_format ofs_report_format_md = {"md", "the same tables in Markdown", write_md};
