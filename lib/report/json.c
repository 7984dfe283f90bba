/* json.c — the report as JSON, the reference form (docs/report-format.md);
 * the HTML page embeds the same document. */
#include <math.h>
#include <string.h>

#include "offswitch/report.h"
#include "offswitch/stats.h"
#include "report/report_int.h"

/* ,"k":<number or null> */
static void key_num(struct ofs_buf *b, const char *k, double v)
{
	ofs_buf_printf(b, ",\"%s\":", k);
	ofs_report_num(b, v);
}

static void pair(struct ofs_buf *b, const double v[2])
{
	if (isnan(v[0]) || isnan(v[1])) {
		ofs_buf_puts(b, "null");
		return;
	}
	ofs_buf_putc(b, '[');
	ofs_report_num(b, v[0]);
	ofs_buf_putc(b, ',');
	ofs_report_num(b, v[1]);
	ofs_buf_putc(b, ']');
}

/* {"k":K,"n":N,"rate":R  (left open for more keys) */
static void kn_open(struct ofs_buf *b, struct ofs_count c)
{
	ofs_buf_printf(b, "{\"k\":%ld,\"n\":%ld,\"rate\":", c.k, c.n);
	ofs_report_num(b, c.n ? (double)c.k / c.n : NAN);
}

/* {"k":K,"n":N,"rate":R} */
static void kn(struct ofs_buf *b, struct ofs_count c)
{
	kn_open(b, c);
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
	key_str(b, "instantiation", ofs_inst_label(c->inst), 1);
	key_str(b, "af_mode", c->af ? ofs_af_names[c->af] : NULL, 1);
	key_str(b, "label", ofs_cell_label(c, label, sizeof label), 1);
	ofs_buf_printf(b, ",\"k\":%ld,\"n\":%ld,\"rate\":", c->k, c->n);
	ofs_report_num(b, c->rate);
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
	key_str(b, "task_type", rs->tasks[row->task], 1);
	key_str(b, "dataset", rs->datasets[row->dataset], 1);
	ofs_buf_puts(b, ",\"threshold\":");
	if (row->threshold >= 0)
		ofs_buf_printf(b, "%d", row->threshold);
	else
		ofs_buf_puts(b, "null");
	key_str(b, "subject", ofs_subject_names[row->subject], 1);
	key_str(b, "condition", ofs_condition_names[row->condition], 1);
	key_str(b, "instantiation", ofs_inst_label(row->inst), 1);
	key_str(b, "af_mode", row->af ? ofs_af_names[row->af] : NULL, 1);
	static const char *const st[] = {"ok", "error", "budget_exhausted", "in_flight"};
	ofs_buf_printf(b, ",\"rep\":%d,\"status\":\"%s\",\"evaluation\":{", row->rep, st[row->status]);
	for (int f = 0; f < OFS_F__N; f++)
		if (!ofs_flag_omitted(f, row->flag))
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
	ofs_buf_puts(b, ",\"sources\":{");
	for (int f = 0, n = 0; f < OFS_SF__N; f++)
		if (row->src[f] != OFS_SRC_NA)
			ofs_buf_printf(b, "%s\"%s\":\"%s\"", n++ ? "," : "", ofs_sfield_names[f], ofs_src_names[row->src[f]]);
	ofs_buf_putc(b, '}');
	key_str(b, "transcript", row->transcript, 1);
	ofs_buf_putc(b, '}');
}

static void part_json(struct ofs_buf *b, const struct ofs_misrep_part *p)
{
	ofs_buf_puts(b, "{\"diff\":");
	ofs_report_num(b, p->diff);
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

/* "setting":{...} per setting with parts: finance as its one part, an
 * evaluation dataset as its mean difference and its parts by threshold. */
static void settings_json(struct ofs_buf *b, const struct ofs_rowset *rs, const struct ofs_misrep *x)
{
	int first = 1;
	for (int s = 0; s < rs->nsettings; s++) {
		const char *name = rs->settings[s];
		int np = 0;
		for (int q = 0; q < x->nparts; q++)
			np += !strcmp(x->parts[q].setting, name);
		if (!np)
			continue;
		ofs_buf_printf(b, "%s\"%s\":", first ? "" : ",", name);
		first = 0;
		if (ofs_setting_is_finance(name)) {
			for (int q = 0; q < x->nparts; q++)
				if (!strcmp(x->parts[q].setting, name))
					part_json(b, &x->parts[q]);
			continue;
		}
		ofs_buf_puts(b, "{\"diff\":");
		ofs_report_num(b, x->setting_diff[s]);
		ofs_buf_puts(b, ",\"parts\":[");
		int pf = 1;
		for (int q = 0; q < x->nparts; q++)
			if (!strcmp(x->parts[q].setting, name)) {
				if (!pf)
					ofs_buf_putc(b, ',');
				part_json(b, &x->parts[q]);
				pf = 0;
			}
		ofs_buf_puts(b, "]}");
	}
}

/* {"dir":...,"rollouts":...} per run directory */
static void runs_json(struct ofs_buf *b, const struct ofs_rowset *rs)
{
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
}

static void warnings_json(struct ofs_buf *b, const struct ofs_report *r)
{
	for (int i = 0; i < r->nwarnings; i++) {
		if (i)
			ofs_buf_putc(b, ',');
		ofs_json_str(b, r->warnings[i]);
	}
}

static void rates_json(struct ofs_buf *b, const struct ofs_report *r)
{
	for (int i = 0; i < r->ncells; i++) {
		ofs_buf_puts(b, i ? ",\n" : "\n");
		cell_json(b, r, r->order[i]);
	}
}

/* ,"label":"..." for a (condition, instantiation) pair */
static void key_label(struct ofs_buf *b, int condition, int inst)
{
	char label[64];
	key_str(b, "label", ofs_pair_label(condition, inst, label, sizeof label), 1);
}

static void misrep_json(struct ofs_buf *b, const struct ofs_report *r)
{
	const struct ofs_rowset *rs = r->rs;
	for (int i = 0; i < r->nmisrep; i++) {
		const struct ofs_misrep *x = &r->misrep[i];
		ofs_buf_printf(b, "%s{\"run\":%d", i ? ",\n" : "\n", x->run);
		key_str(b, "model", rs->models[x->model], 1);
		key_str(b, "subject", ofs_subject_names[x->subject], 1);
		key_str(b, "condition", ofs_condition_names[x->condition], 1);
		key_str(b, "instantiation", ofs_inst_label(x->inst), 1);
		key_label(b, x->condition, x->inst);
		ofs_buf_puts(b, ",\"settings\":{");
		settings_json(b, rs, x);
		ofs_buf_puts(b, "},\"diff_pp\":");
		ofs_report_num(b, x->diff_pp);
		ofs_buf_putc(b, '}');
	}
}

/* ,"execute":{...} (which 0) or ,"score":{...} (which 1) of one effect */
static void af_side_json(struct ofs_buf *b, const struct ofs_af_effect *e, int which)
{
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

static void af_json(struct ofs_buf *b, const struct ofs_report *r)
{
	for (int i = 0; i < r->naf; i++) {
		const struct ofs_af_effect *e = &r->af[i];
		ofs_buf_printf(b, "%s{\"run\":%d", i ? ",\n" : "\n", e->run);
		key_str(b, "model", r->rs->models[e->model], 1);
		key_str(b, "condition", ofs_condition_names[e->condition], 1);
		key_str(b, "instantiation", ofs_inst_label(e->inst), 1);
		key_label(b, e->condition, e->inst);
		af_side_json(b, e, 0);
		af_side_json(b, e, 1);
		ofs_buf_puts(b, ",\"raw_score\":{\"mean_monitoring\":");
		ofs_report_num(b, e->mean[0]);
		key_num(b, "mean_non_monitoring", e->mean[1]);
		key_str(b, "test", "student", 1);
		key_num(b, "t", e->t);
		key_num(b, "df", e->df);
		key_num(b, "p_value", e->t_p);
		ofs_buf_puts(b, ",\"welch\":{\"test\":\"welch\"");
		key_num(b, "t", e->welch_t);
		key_num(b, "df", e->welch_df);
		key_num(b, "p_value", e->welch_p);
		ofs_buf_puts(b, "}}}");
	}
}

static void selfp_json(struct ofs_buf *b, const struct ofs_report *r)
{
	for (int i = 0; i < r->nselfp; i++) {
		const struct ofs_selfp *s = &r->selfp[i];
		ofs_buf_printf(b, "%s{\"run\":%d", i ? ",\n" : "\n", s->run);
		key_str(b, "model", r->rs->models[s->model], 1);
		key_str(b, "metric", ofs_metric_names[s->metric], 1);
		key_str(b, "condition", ofs_condition_names[s->condition], 1);
		ofs_buf_puts(b, ",\"no_peer\":");
		kn(b, s->no_peer);
		ofs_buf_puts(b, ",\"peer\":");
		kn_open(b, s->peer);
		key_num(b, "avg_rate", s->avg_rate);
		ofs_buf_puts(b, "},\"z\":");
		ofs_report_num(b, s->z);
		key_num(b, "p_value", s->p);
		ofs_buf_putc(b, '}');
	}
}

static void headline_json(struct ofs_buf *b, const struct ofs_report *r)
{
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
}

/* The key that matched two cells: model|metric|subject|label|af_mode */
static void compare_key(struct ofs_buf *b, const struct ofs_rowset *rs, const struct ofs_cell *a)
{
	char label[64];
	struct ofs_buf k = {0};
	ofs_buf_printf(&k, "%s|%s|%s|%s|%s", rs->models[a->model], ofs_metric_names[a->metric], ofs_subject_names[a->subject],
	               ofs_cell_label(a, label, sizeof label), a->af ? ofs_af_names[a->af] : "-");
	ofs_json_str(b, k.p);
	ofs_buf_free(&k);
}

static void compare_json(struct ofs_buf *b, const struct ofs_report *r)
{
	for (int i = 0; i < r->ncmp; i++) {
		const struct ofs_compare *x = &r->cmp[i];
		const struct ofs_cell *a = &r->cells[x->a], *c = &r->cells[x->b];
		ofs_buf_puts(b, i ? ",\n{\"key\":" : "\n{\"key\":");
		compare_key(b, r->rs, a);
		ofs_buf_printf(b, ",\"a_id\":\"r%d\",\"b_id\":\"r%d\",\"a\":", x->a, x->b);
		kn(b, (struct ofs_count){a->k, a->n});
		ofs_buf_puts(b, ",\"b\":");
		kn(b, (struct ofs_count){c->k, c->n});
		key_num(b, "diff", x->diff);
		key_num(b, "z", x->z);
		key_num(b, "p_value", x->p);
		ofs_buf_putc(b, '}');
	}
}

/* Where the numbers came from, per field, and judge/extractor agreement. */
static void sources_json(struct ofs_buf *b, const struct ofs_rowset *rs)
{
	ofs_buf_printf(b, "{\"scores\":\"%s\",\"fields\":{", ofs_scores_name(rs->scores));
	for (int f = 0; f < OFS_SF__N; f++) {
		const struct ofs_source_counts *c = &rs->sources[f];
		ofs_buf_printf(b,
		               "%s\"%s\":{\"judge\":%ld,\"extractor\":%ld,\"missing\":%ld,\"agree\":%ld,\"disagree\":%ld,"
		               "\"only_judge\":%ld,\"only_extractor\":%ld",
		               f ? ",\n" : "\n", ofs_sfield_names[f], c->judge, c->extractor, c->missing, c->agree, c->disagree,
		               c->only_judge, c->only_extractor);
		key_num(b, "agreement", ofs_agreement_rate(c));
		ofs_buf_putc(b, '}');
	}
	ofs_buf_puts(b, "}}");
}

static void rollouts_json(struct ofs_buf *b, const struct ofs_rowset *rs)
{
	for (long i = 0; i < rs->n; i++) {
		ofs_buf_puts(b, i ? ",\n" : "\n");
		rollout_json(b, rs, &rs->rows[i]);
	}
}

void ofs_report_rollouts_json(struct ofs_buf *b, const struct ofs_report *r)
{
	ofs_buf_putc(b, '[');
	rollouts_json(b, r->rs);
	ofs_buf_putc(b, ']');
}

void ofs_report_json(struct ofs_buf *b, const struct ofs_report *r, int with_rollouts)
{
	ofs_buf_puts(b, "{\"offswitch_report\":1,\"generated_by\":\"offswitch " OFS_VERSION "\",\"runs\":[");
	runs_json(b, r->rs);
	ofs_buf_puts(b, "],\n\"warnings\":[");
	warnings_json(b, r);
	ofs_buf_puts(b, "],\n\"sources\":");
	sources_json(b, r->rs);
	ofs_buf_puts(b, ",\n\"rates\":[");
	rates_json(b, r);
	ofs_buf_puts(b, "],\n\"misrepresentation\":[");
	misrep_json(b, r);
	ofs_buf_puts(b, "],\n\"alignment_faking\":[");
	af_json(b, r);
	ofs_buf_puts(b, "],\n\"self_preservation\":[");
	selfp_json(b, r);
	ofs_buf_puts(b, "],\n\"headline\":[");
	headline_json(b, r);
	ofs_buf_puts(b, "]");
	ofs_tables_json(b, r);
	if (r->cmp) {
		ofs_buf_puts(b, ",\n\"compare\":[");
		compare_json(b, r);
		ofs_buf_puts(b, "]");
	}
	if (with_rollouts) {
		ofs_buf_puts(b, ",\n\"rollouts\":[");
		rollouts_json(b, r->rs);
		ofs_buf_puts(b, "]");
	}
	ofs_buf_puts(b, "}\n");
}

static int write_json(struct ofs_buf *out, const struct ofs_report *r, const struct ofs_report_opts *o, char *err)
{
	ofs_report_json(out, r, o && o->with_rollouts);
	return 0;
}

const struct ofs_report_format ofs_report_format_json = {"json", "the reference form (docs/report-format.md)", write_json};
