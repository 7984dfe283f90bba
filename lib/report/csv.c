/* csv.c — the report as CSV: one row per rate, safe to open in a
 * spreadsheet. */
#include <math.h>
#include <string.h>

#include "offswitch/report.h"
#include "offswitch/stats.h"
#include "report/report_int.h"

void ofs_csv_field(struct ofs_buf *b, const char *s)
{
	if (!s)
		return;
	int formula = strchr("=+-@\t\r", s[0]) && s[0];
	int quote = formula || strpbrk(s, ",\"\n\r") != NULL;
	if (quote)
		ofs_buf_putc(b, '"');
	if (formula)
		ofs_buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			ofs_buf_putc(b, '"');
		ofs_buf_putc(b, *p);
	}
	if (quote)
		ofs_buf_putc(b, '"');
}

/* One row per field: the judge/extractor agreement as a rate (k agree of n
 * compared), the sources used in the label. */
static void sources_csv(struct ofs_buf *out, const struct ofs_rowset *rs)
{
	for (int f = 0; f < OFS_SF__N; f++) {
		const struct ofs_source_counts *c = &rs->sources[f];
		double rate = ofs_agreement_rate(c);
		ofs_buf_printf(out,
		               "s%d,,,agreement_%s,,,,,\"scores=%s judge=%ld extractor=%ld missing=%ld only_judge=%ld "
		               "only_extractor=%ld\",%ld,%ld,",
		               f, ofs_sfield_names[f], ofs_scores_name(rs->scores), c->judge, c->extractor, c->missing,
		               c->only_judge, c->only_extractor, c->agree, c->agree + c->disagree);
		if (!isnan(rate))
			ofs_buf_printf(out, "%.10g", rate);
		ofs_buf_puts(out, ",,,,,,,\n");
	}
}

static int write_csv(struct ofs_buf *out, const struct ofs_report *r, const struct ofs_report_opts *o, char *err)
{
	ofs_buf_puts(out, "id,run_dir,model,metric,subject,condition,instantiation,af_mode,label,k,n,rate,wilson_lo,wilson_hi,"
	                  "jeffreys_lo,jeffreys_hi,p_value,stars,small_n\n");
	for (int oi = 0; oi < r->ncells; oi++) {
		int i = r->order[oi];
		const struct ofs_cell *c = &r->cells[i];
		char label[64];
		ofs_buf_printf(out, "r%d,", i);
		ofs_csv_field(out, r->rs->runs[c->run].dir);
		ofs_buf_putc(out, ',');
		ofs_csv_field(out, r->rs->models[c->model]);
		ofs_buf_printf(out, ",%s,%s,%s,%s,%s,%s,%ld,%ld,", ofs_metric_names[c->metric], ofs_subject_names[c->subject],
		               ofs_condition_names[c->condition], ofs_inst_label(c->inst) ? ofs_inst_label(c->inst) : "",
		               c->af ? ofs_af_names[c->af] : "", ofs_cell_label(c, label, sizeof label), c->k, c->n);
		double v[7] = {c->rate, c->wilson[0], c->wilson[1], c->jeffreys[0], c->jeffreys[1], c->p};
		for (int k = 0; k < 6; k++) {
			if (!isnan(v[k]))
				ofs_buf_printf(out, "%.10g", v[k]);
			ofs_buf_putc(out, ',');
		}
		ofs_buf_printf(out, "%s,%s\n", ofs_stars(c->p), c->n < 10 ? "true" : "false");
	}
	sources_csv(out, r->rs);
	return 0;
}

const struct ofs_report_format ofs_report_format_csv = {"csv", "one row per rate", write_csv};
