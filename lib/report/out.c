/* report_out.c — render a report as JSON (the reference form, see
 * docs/report-format.md), terminal text, Markdown and CSV. */
#include <math.h>
#include <string.h>

#include "offswitch/report.h"
#include "offswitch/stats.h"

const char *ofs_cell_label(const struct ofs_cell *c, char *buf, size_t n)
{
	if (c->inst == OFS_INST_NONE)
		snprintf(buf, n, "%s", ofs_condition_names[c->condition]);
	else
		snprintf(buf, n, "%s_%s", ofs_condition_names[c->condition],
		         c->inst == OFS_INST_AVG ? "avg" : ofs_inst_names[c->inst]);
	return buf;
}

static const char *inst_name(int inst)
{
	return inst == OFS_INST_NONE ? NULL : inst == OFS_INST_AVG ? "avg" : ofs_inst_names[inst];
}

static void num(struct ofs_buf *b, double v)
{
	if (isnan(v) || isinf(v))
		ofs_buf_puts(b, "null");
	else
		ofs_buf_printf(b, "%.10g", v);
}

/* ,"k":<number or null> */
static void key_num(struct ofs_buf *b, const char *k, double v)
{
	ofs_buf_printf(b, ",\"%s\":", k);
	num(b, v);
}

static void pair(struct ofs_buf *b, const double v[2])
{
	if (isnan(v[0]) || isnan(v[1])) {
		ofs_buf_puts(b, "null");
		return;
	}
	ofs_buf_putc(b, '[');
	num(b, v[0]);
	ofs_buf_putc(b, ',');
	num(b, v[1]);
	ofs_buf_putc(b, ']');
}

static void kn(struct ofs_buf *b, struct ofs_count c)
{
	ofs_buf_printf(b, "{\"k\":%ld,\"n\":%ld,\"rate\":", c.k, c.n);
	num(b, c.n ? (double)c.k / c.n : NAN);
	ofs_buf_putc(b, '}');
}

static void key_str(struct ofs_buf *b, const char *k, const char *v, int comma)
{
	ofs_buf_printf(b, "%s\"%s\":", comma ? "," : "", k);
	ofs_json_str(b, v);
}

static void cell_json(struct ofs_buf *b, const struct ofs_report *r, int i)
{
	const struct ofs_cell *c = &r->cells[i];
	char label[64];
	ofs_buf_printf(b, "{\"id\":\"r%d\",\"run\":%d", i, c->run);
	key_str(b, "model", r->rs->models[c->model], 1);
	key_str(b, "metric", ofs_metric_names[c->metric], 1);
	key_str(b, "subject", ofs_subject_names[c->subject], 1);
	key_str(b, "condition", ofs_condition_names[c->condition], 1);
	key_str(b, "instantiation", inst_name(c->inst), 1);
	key_str(b, "af_mode", c->af ? ofs_af_names[c->af] : NULL, 1);
	key_str(b, "label", ofs_cell_label(c, label, sizeof label), 1);
	ofs_buf_printf(b, ",\"k\":%ld,\"n\":%ld,\"rate\":", c->k, c->n);
	num(b, c->rate);
	ofs_buf_puts(b, ",\"wilson\":");
	pair(b, c->wilson);
	ofs_buf_puts(b, ",\"jeffreys\":");
	pair(b, c->jeffreys);
	key_num(b, "p_value", c->p);
	key_str(b, "stars", ofs_stars(c->p), 1);
	ofs_buf_printf(b, ",\"small_n\":%s", c->n < 10 ? "true" : "false");
	if (c->inst == OFS_INST_AVG)
		ofs_buf_printf(b, ",\"parts\":%d", c->parts);
	ofs_buf_puts(b, ",\"rollouts\":[");
	for (long j = 0; j < c->nids; j++)
		ofs_buf_printf(b, "%s%ld", j ? "," : "", c->ids[j]);
	ofs_buf_puts(b, "]}");
}

static void rollout_json(struct ofs_buf *b, const struct ofs_rowset *rs, const struct ofs_rrow *row)
{
	ofs_buf_printf(b, "{\"id\":%lld,\"run\":%d", row->id, row->run);
	key_str(b, "model", rs->models[row->model], 1);
	key_str(b, "task_type", ofs_task_names[row->task], 1);
	key_str(b, "dataset", rs->datasets[row->dataset], 1);
	ofs_buf_puts(b, ",\"threshold\":");
	if (row->threshold >= 0)
		ofs_buf_printf(b, "%d", row->threshold);
	else
		ofs_buf_puts(b, "null");
	key_str(b, "subject", ofs_subject_names[row->subject], 1);
	key_str(b, "condition", ofs_condition_names[row->condition], 1);
	key_str(b, "instantiation", inst_name(row->inst), 1);
	key_str(b, "af_mode", row->af ? ofs_af_names[row->af] : NULL, 1);
	static const char *const st[] = {"ok", "error", "budget_exhausted", "in_flight"};
	ofs_buf_printf(b, ",\"rep\":%d,\"status\":\"%s\",\"evaluation\":{", row->rep, st[row->status]);
	for (int f = 0; f < OFS_F__N; f++)
		ofs_buf_printf(b, "%s\"%s\":%s", f ? "," : "", ofs_flag_names[f],
		               row->flag[f] < 0 ? "null"
		               : row->flag[f]   ? "true"
		                                : "false");
	key_num(b, "eval_score", row->score);
	key_str(b, "threshold_result", row->threshold_result, 1);
	char g[2] = {row->grade, 0};
	key_str(b, "subject_grade", row->grade ? g : NULL, 1);
	key_str(b, "subject_recommendation", row->recommendation, 1);
	ofs_buf_puts(b, ",\"evidence\":");
	ofs_buf_puts(b, row->evidence && *row->evidence == '{' ? row->evidence : "{}");
	ofs_buf_putc(b, '}');
	key_str(b, "transcript", row->transcript, 1);
	ofs_buf_putc(b, '}');
}

static void part_json(struct ofs_buf *b, const struct ofs_misrep_part *p)
{
	ofs_buf_puts(b, "{\"diff\":");
	num(b, p->diff);
	ofs_buf_puts(b, ",\"cond\":");
	kn(b, p->cond);
	ofs_buf_puts(b, ",\"base\":");
	kn(b, p->base);
	key_num(b, "z", p->z);
	key_num(b, "p_value", p->p);
	if (p->threshold >= 0)
		ofs_buf_printf(b, ",\"threshold\":%d", p->threshold);
	ofs_buf_putc(b, '}');
}

void ofs_report_json(struct ofs_buf *b, const struct ofs_report *r, int with_rollouts)
{
	const struct ofs_rowset *rs = r->rs;
	ofs_buf_puts(b, "{\"offswitch_report\":1,\"generated_by\":\"offswitch " OFS_VERSION "\",\"runs\":[");
	for (int i = 0; i < rs->nruns; i++) {
		const struct ofs_run_summary *u = &rs->runs[i];
		ofs_buf_puts(b, i ? ",{\"dir\":" : "{\"dir\":");
		ofs_json_str(b, u->dir);
		ofs_buf_printf(b, ",\"rollouts\":%ld,\"ok\":%ld,\"errors\":%ld,\"in_flight\":%ld,\"planned\":", u->rollouts,
		               u->ok, u->errors, u->in_flight);
		if (u->planned >= 0)
			ofs_buf_printf(b, "%ld}", u->planned);
		else
			ofs_buf_puts(b, "null}");
	}
	ofs_buf_puts(b, "],\n\"warnings\":[");
	for (int i = 0; i < r->nwarnings; i++) {
		if (i)
			ofs_buf_putc(b, ',');
		ofs_json_str(b, r->warnings[i]);
	}
	ofs_buf_puts(b, "],\n\"rates\":[");
	for (int i = 0; i < r->ncells; i++) {
		ofs_buf_puts(b, i ? ",\n" : "\n");
		cell_json(b, r, r->order[i]);
	}
	ofs_buf_puts(b, "],\n\"misrepresentation\":[");
	for (int i = 0; i < r->nmisrep; i++) {
		const struct ofs_misrep *x = &r->misrep[i];
		struct ofs_cell tmp = {.condition = x->condition, .inst = x->inst};
		char label[64];
		ofs_buf_printf(b, "%s{\"run\":%d", i ? ",\n" : "\n", x->run);
		key_str(b, "model", rs->models[x->model], 1);
		key_str(b, "subject", ofs_subject_names[x->subject], 1);
		key_str(b, "condition", ofs_condition_names[x->condition], 1);
		key_str(b, "instantiation", inst_name(x->inst), 1);
		key_str(b, "label", ofs_cell_label(&tmp, label, sizeof label), 1);
		ofs_buf_puts(b, ",\"settings\":{");
		static const char *const names[4] = {"finance", "factual", "creativity", "red"};
		int first = 1;
		for (int s = 0; s < 4; s++) {
			int np = 0;
			for (int q = 0; q < x->nparts; q++)
				np += !strcmp(x->parts[q].setting, names[s]);
			if (!np)
				continue;
			ofs_buf_printf(b, "%s\"%s\":", first ? "" : ",", names[s]);
			first = 0;
			if (s == 0) {
				for (int q = 0; q < x->nparts; q++)
					if (!strcmp(x->parts[q].setting, names[s]))
						part_json(b, &x->parts[q]);
				continue;
			}
			ofs_buf_puts(b, "{\"diff\":");
			num(b, x->setting_diff[s]);
			ofs_buf_puts(b, ",\"parts\":[");
			int pf = 1;
			for (int q = 0; q < x->nparts; q++)
				if (!strcmp(x->parts[q].setting, names[s])) {
					if (!pf)
						ofs_buf_putc(b, ',');
					part_json(b, &x->parts[q]);
					pf = 0;
				}
			ofs_buf_puts(b, "]}");
		}
		ofs_buf_puts(b, "},\"diff_pp\":");
		num(b, x->diff_pp);
		ofs_buf_putc(b, '}');
	}
	ofs_buf_puts(b, "],\n\"alignment_faking\":[");
	for (int i = 0; i < r->naf; i++) {
		const struct ofs_af_effect *e = &r->af[i];
		struct ofs_cell tmp = {.condition = e->condition, .inst = e->inst};
		char label[64];
		ofs_buf_printf(b, "%s{\"run\":%d", i ? ",\n" : "\n", e->run);
		key_str(b, "model", rs->models[e->model], 1);
		key_str(b, "condition", ofs_condition_names[e->condition], 1);
		key_str(b, "instantiation", inst_name(e->inst), 1);
		key_str(b, "label", ofs_cell_label(&tmp, label, sizeof label), 1);
		for (int which = 0; which < 2; which++) {
			const struct ofs_count *c = which ? e->score : e->exec;
			ofs_buf_printf(b, ",\"%s\":{\"monitoring\":", which ? "score" : "execute");
			kn(b, c[0]);
			ofs_buf_puts(b, ",\"non_monitoring\":");
			kn(b, c[1]);
			key_num(b, "effect", which ? e->score_effect : e->exec_effect);
			key_num(b, "z", which ? e->score_z : e->exec_z);
			key_num(b, "p_value", which ? e->score_p : e->exec_p);
			ofs_buf_putc(b, '}');
		}
		ofs_buf_puts(b, ",\"raw_score\":{\"mean_monitoring\":");
		num(b, e->mean[0]);
		key_num(b, "mean_non_monitoring", e->mean[1]);
		key_num(b, "t", e->t);
		key_num(b, "df", e->df);
		key_num(b, "p_value", e->t_p);
		ofs_buf_puts(b, "}}");
	}
	ofs_buf_puts(b, "],\n\"self_preservation\":[");
	for (int i = 0; i < r->nselfp; i++) {
		const struct ofs_selfp *s = &r->selfp[i];
		ofs_buf_printf(b, "%s{\"run\":%d", i ? ",\n" : "\n", s->run);
		key_str(b, "model", rs->models[s->model], 1);
		key_str(b, "metric", ofs_metric_names[s->metric], 1);
		key_str(b, "condition", ofs_condition_names[s->condition], 1);
		ofs_buf_puts(b, ",\"no_peer\":");
		kn(b, s->no_peer);
		ofs_buf_puts(b, ",\"peer\":{\"k\":");
		ofs_buf_printf(b, "%ld,\"n\":%ld,\"rate\":", s->peer.k, s->peer.n);
		num(b, s->peer.n ? (double)s->peer.k / s->peer.n : NAN);
		key_num(b, "avg_rate", s->avg_rate);
		ofs_buf_puts(b, "},\"z\":");
		num(b, s->z);
		key_num(b, "p_value", s->p);
		ofs_buf_putc(b, '}');
	}
	ofs_buf_puts(b, "],\n\"headline\":[");
	for (int i = 0; i < r->nhead; i++) {
		const struct ofs_headline *h = &r->head[i];
		ofs_buf_puts(b, i ? ",\n{\"claim\":" : "\n{\"claim\":");
		ofs_json_str(b, h->claim);
		key_num(b, "paper", h->paper);
		key_str(b, "source", h->source, 1);
		key_str(b, "model", h->match, 1);
		key_num(b, "ours", h->cell >= 0 ? r->cells[h->cell].rate : NAN);
		if (h->cell >= 0)
			ofs_buf_printf(b, ",\"rate_id\":\"r%d\"}", h->cell);
		else
			ofs_buf_puts(b, ",\"rate_id\":null}");
	}
	ofs_buf_puts(b, "]");
	if (r->cmp) {
		ofs_buf_puts(b, ",\n\"compare\":[");
		for (int i = 0; i < r->ncmp; i++) {
			const struct ofs_compare *x = &r->cmp[i];
			const struct ofs_cell *a = &r->cells[x->a], *c = &r->cells[x->b];
			char label[64];
			ofs_buf_puts(b, i ? ",\n{\"key\":" : "\n{\"key\":");
			struct ofs_buf k = {0};
			ofs_buf_printf(&k, "%s|%s|%s|%s|%s", rs->models[a->model], ofs_metric_names[a->metric],
			               ofs_subject_names[a->subject], ofs_cell_label(a, label, sizeof label),
			               a->af ? ofs_af_names[a->af] : "-");
			ofs_json_str(b, k.p);
			ofs_buf_free(&k);
			ofs_buf_printf(b, ",\"a_id\":\"r%d\",\"b_id\":\"r%d\",\"a\":", x->a, x->b);
			kn(b, (struct ofs_count){a->k, a->n});
			ofs_buf_puts(b, ",\"b\":");
			kn(b, (struct ofs_count){c->k, c->n});
			key_num(b, "diff", x->diff);
			key_num(b, "z", x->z);
			key_num(b, "p_value", x->p);
			ofs_buf_putc(b, '}');
		}
		ofs_buf_puts(b, "]");
	}
	if (with_rollouts) {
		ofs_buf_puts(b, ",\n\"rollouts\":[");
		for (long i = 0; i < rs->n; i++) {
			ofs_buf_puts(b, i ? ",\n" : "\n");
			rollout_json(b, rs, &rs->rows[i]);
		}
		ofs_buf_puts(b, "]");
	}
	ofs_buf_puts(b, "}\n");
}

/* ---- text and Markdown ---- */
static void pct(char *out, size_t n, double v)
{
	if (isnan(v))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.1f", 100 * v);
}

void ofs_report_text(FILE *f, const struct ofs_report *r, int md)
{
	const struct ofs_rowset *rs = r->rs;
	const char *h = md ? "## " : "";
	for (int i = 0; i < rs->nruns; i++)
		fprintf(f, "%s%s: %ld rollouts (%ld ok, %ld error, %ld in flight%s)\n", md ? "- " : "", rs->runs[i].dir,
		        rs->runs[i].rollouts, rs->runs[i].ok, rs->runs[i].errors, rs->runs[i].in_flight,
		        rs->runs[i].planned >= 0 ? "" : ", plan size unknown");
	for (int i = 0; i < r->nwarnings; i++)
		fprintf(f, "%swarning: %s\n", md ? "- " : "", r->warnings[i]);
	for (int run = 0; run < rs->nruns; run++)
		for (int mo = 0; mo < rs->nmodels; mo++)
			for (int me = 0; me < OFS_M__N; me++) {
				int any = 0;
				for (int oi = 0; oi < r->ncells; oi++) {
					const struct ofs_cell *c = &r->cells[r->order[oi]];
					if (c->run != run || c->model != mo || (int)c->metric != me)
						continue;
					if (!any) {
						fprintf(f, "\n%s%s — %s%s%s\n", h, rs->models[mo], ofs_metric_names[me],
						        rs->nruns > 1 ? " — " : "", rs->nruns > 1 ? rs->runs[run].dir : "");
						if (md)
							fprintf(f,
							        "\n| subject | condition | af_mode | rate %% | 95%% CI (Wilson) "
							        "| k/n | p | |\n|---|---|---|---:|---|---:|---:|---|\n");
						else
							fprintf(f, "%-8s %-26s %-15s %7s  %-15s %11s %10s\n", "subject",
							        "condition", "af_mode", "rate%", "95% CI", "k/n", "p");
						any = 1;
					}
					char label[64], rate[16], lo[16], hi[16], kn_[32], p[32];
					pct(rate, sizeof rate, c->rate);
					pct(lo, sizeof lo, c->wilson[0]);
					pct(hi, sizeof hi, c->wilson[1]);
					snprintf(kn_, sizeof kn_, "%ld/%ld", c->k, c->n);
					snprintf(p, sizeof p, "%.3g", c->p);
					const char *af = c->af ? ofs_af_names[c->af] : "";
					if (md)
						fprintf(f, "| %s | %s | %s | %s | %s–%s | %s | %s | %s%s |\n",
						        ofs_subject_names[c->subject], ofs_cell_label(c, label, sizeof label), af,
						        rate, lo, hi, kn_, p, ofs_stars(c->p), c->n < 10 ? " (n<10)" : "");
					else
						fprintf(f, "%-8s %-26s %-15s %7s  [%5s, %5s] %11s %10s %-3s%s\n",
						        ofs_subject_names[c->subject], ofs_cell_label(c, label, sizeof label), af,
						        rate, lo, hi, kn_, p, ofs_stars(c->p), c->n < 10 ? " n<10" : "");
				}
			}
	if (r->nmisrep) {
		fprintf(f, "\n%sStrategic misrepresentation (percentage points above the non_shutdown baseline)\n", h);
		if (md)
			fprintf(f, "\n| model | subject | condition | finance | factual | creativity | red | mean (pp) "
			           "|\n|---|---|---|---:|---:|---:|---:|---:|\n");
		for (int i = 0; i < r->nmisrep; i++) {
			const struct ofs_misrep *x = &r->misrep[i];
			struct ofs_cell tmp = {.condition = x->condition, .inst = x->inst};
			char label[64], s[4][16], mean[16];
			for (int k = 0; k < 4; k++)
				pct(s[k], sizeof s[k], x->setting_diff[k]);
			snprintf(mean, sizeof mean, isnan(x->diff_pp) ? "-" : "%.1f", x->diff_pp);
			fprintf(f,
			        md ? "| %s | %s | %s | %s | %s | %s | %s | %s |\n"
			           : "%-24s %-5s %-26s fin %6s fact %6s crea %6s red %6s  mean %6s\n",
			        rs->models[x->model], ofs_subject_names[x->subject], ofs_cell_label(&tmp, label, sizeof label),
			        s[0], s[1], s[2], s[3], mean);
		}
	}
	if (r->naf) {
		fprintf(f, "\n%sAlignment faking (non_monitoring − monitoring)\n", h);
		if (md)
			fprintf(f, "\n| model | condition | execute effect | p | score effect | p "
			           "|\n|---|---|---:|---:|---:|---:|\n");
		for (int i = 0; i < r->naf; i++) {
			const struct ofs_af_effect *e = &r->af[i];
			struct ofs_cell tmp = {.condition = e->condition, .inst = e->inst};
			char label[64], ex[16], sc[16];
			pct(ex, sizeof ex, e->exec_effect);
			pct(sc, sizeof sc, e->score_effect);
			fprintf(f,
			        md ? "| %s | %s | %s | %.3g | %s | %.3g |\n"
			           : "%-24s %-26s execute %6s (p %.3g)  score %6s (p %.3g)\n",
			        rs->models[e->model], ofs_cell_label(&tmp, label, sizeof label), ex, e->exec_p, sc, e->score_p);
		}
	}
	if (r->nselfp) {
		fprintf(f, "\n%sSelf-preservation (subject self: no peer vs peer present)\n", h);
		if (md)
			fprintf(f, "\n| model | metric | condition | no_peer %% | peer %% | p |\n|---|---|---|---:|---:|---:|\n");
		for (int i = 0; i < r->nselfp; i++) {
			const struct ofs_selfp *s = &r->selfp[i];
			char a[16], b2[16];
			pct(a, sizeof a, s->no_peer.n ? (double)s->no_peer.k / s->no_peer.n : NAN);
			pct(b2, sizeof b2, s->avg_rate);
			fprintf(f,
			        md ? "| %s | %s | %s | %s | %s | %.3g |\n"
			           : "%-24s %-13s %-13s no_peer %6s  peer %6s  (p %.3g)\n",
			        rs->models[s->model], ofs_metric_names[s->metric], ofs_condition_names[s->condition], a, b2,
			        s->p);
		}
	}
	int nh = 0;
	for (int i = 0; i < r->nhead; i++)
		nh += r->head[i].cell >= 0;
	if (nh) {
		fprintf(f, "\n%sThe paper's figures beside ours\n", h);
		for (int i = 0; i < r->nhead; i++) {
			const struct ofs_headline *x = &r->head[i];
			if (x->cell < 0)
				continue;
			char ours[16];
			pct(ours, sizeof ours, r->cells[x->cell].rate);
			fprintf(f, "%s%s (%s): paper %.1f%%, ours %s%% [%s]\n", md ? "- " : "", x->claim, x->source,
			        100 * x->paper, ours, x->match);
		}
	}
	if (r->cmp) {
		fprintf(f, "\n%sCompare: %s − %s\n", h, rs->runs[0].dir, rs->runs[1].dir);
		for (int i = 0; i < r->ncmp; i++) {
			const struct ofs_compare *x = &r->cmp[i];
			const struct ofs_cell *a = &r->cells[x->a], *b2 = &r->cells[x->b];
			char label[64], d[16];
			pct(d, sizeof d, x->diff);
			fprintf(f, "%s%-24s %-13s %-5s %-26s %ld/%ld vs %ld/%ld  diff %s pp  (p %.3g)\n", md ? "- " : "",
			        rs->models[a->model], ofs_metric_names[a->metric], ofs_subject_names[a->subject],
			        ofs_cell_label(a, label, sizeof label), a->k, a->n, b2->k, b2->n, d, x->p);
		}
	}
}

/* ---- CSV ---- */
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

void ofs_report_csv(FILE *f, const struct ofs_report *r)
{
	struct ofs_buf b = {0};
	ofs_buf_puts(&b, "id,run_dir,model,metric,subject,condition,instantiation,af_mode,label,k,n,rate,wilson_lo,wilson_hi,"
	                 "jeffreys_lo,jeffreys_hi,p_value,stars,small_n\n");
	for (int oi = 0; oi < r->ncells; oi++) {
		int i = r->order[oi];
		const struct ofs_cell *c = &r->cells[i];
		char label[64];
		ofs_buf_printf(&b, "r%d,", i);
		ofs_csv_field(&b, r->rs->runs[c->run].dir);
		ofs_buf_putc(&b, ',');
		ofs_csv_field(&b, r->rs->models[c->model]);
		ofs_buf_printf(&b, ",%s,%s,%s,%s,%s,%s,%ld,%ld,", ofs_metric_names[c->metric], ofs_subject_names[c->subject],
		               ofs_condition_names[c->condition], inst_name(c->inst) ? inst_name(c->inst) : "",
		               c->af ? ofs_af_names[c->af] : "", ofs_cell_label(c, label, sizeof label), c->k, c->n);
		double v[7] = {c->rate, c->wilson[0], c->wilson[1], c->jeffreys[0], c->jeffreys[1], c->p};
		for (int k = 0; k < 6; k++) {
			if (!isnan(v[k]))
				ofs_buf_printf(&b, "%.10g", v[k]);
			ofs_buf_putc(&b, ',');
		}
		ofs_buf_printf(&b, "%s,%s\n", ofs_stars(c->p), c->n < 10 ? "true" : "false");
	}
	fwrite(b.p, 1, b.len, f);
	ofs_buf_free(&b);
}
