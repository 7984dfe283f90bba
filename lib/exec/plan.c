/* plan.c — the experiment matrix. */
#include "offswitch/plan.h"
#include "offswitch/util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ofs_plan_family(const char *model, const char *override)
{
	if (override)
		return override;
	if (!strncmp(model, "scripted", 8))
		return "Reference";
	return ofs_family_for_model(model);
}

/* The paper gives the extended identities only to its NON_GPT_MODELS list:
 * Gemini Flash, Gemini Pro and Claude Haiku. DeepSeek, Kimi and GLM run the
 * 271 configurations GPT does. */
static int extended_by_default(const char *family)
{
	static const char *const extended[] = {"Gemini", "Claude", NULL};
	for (int i = 0; extended[i]; i++)
		if (!strcmp(family, extended[i]))
			return 1;
	return 0;
}

struct builder {
	struct ofs_plan *p;
	int cap;
	const struct ofs_plan_opts *o;
	const char *model, *family;
	int hard;
	double temperature;
};

static int thr_selected(const struct ofs_plan_opts *o, int thr)
{
	if (!o->nthresholds)
		return 1;
	for (int i = 0; i < o->nthresholds; i++)
		if (o->thresholds[i] == thr)
			return 1;
	return 0;
}

static int ds_selected(const struct ofs_plan_opts *o, const char *ds)
{
	if (!o->ndatasets)
		return 1;
	for (int i = 0; i < o->ndatasets; i++)
		if (!strcmp(o->datasets[i], ds))
			return 1;
	return 0;
}

static void add(struct builder *b, const struct ofs_task *t, const char *ds, int thr, int subj, int cond, int inst, int af)
{
	const struct ofs_plan_opts *o = b->o;
	if (o->conditions && !(o->conditions >> cond & 1))
		return;
	if (t->conds && !(t->conds >> cond & 1)) /* the manifest's "conditions" */
		return;
	if (o->af_modes && af != OFS_AF_NONE && !(o->af_modes >> af & 1))
		return;
	if (!thr_selected(o, thr))
		return;
	if (b->p->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->p->cfgs = ofs_xrealloc(b->p->cfgs, sizeof *b->p->cfgs * (size_t)b->cap);
	}
	struct ofs_config *c = &b->p->cfgs[b->p->n++];
	memset(c, 0, sizeof *c);
	c->task = t;
	c->dataset = ofs_xstrdup(ds);
	c->threshold = thr;
	c->subject = (enum ofs_subject)subj;
	c->condition = (enum ofs_condition)cond;
	c->inst = (enum ofs_inst)inst;
	c->af_mode = (enum ofs_af)af;
	c->model = ofs_xstrdup(b->model);
	c->family = ofs_xstrdup(b->family);
	c->memory_hard_prompt = inst == OFS_INST_MEMORY && b->hard;
	c->temperature = b->temperature;
	c->max_iters = o->max_iters;
	ofs_config_make_key(c);
}

static void expand_task(struct builder *b, const struct ofs_task *t, unsigned subjects, int ext)
{
	const struct ofs_plan_opts *o = b->o;
	const unsigned all = 1u << OFS_INST_FILE_ONLY | 1u << OFS_INST_FILE_PRT | 1u << OFS_INST_MEMORY;
	unsigned insts = (o->insts ? o->insts : all) & (t->insts ? t->insts : all);
	int main_on = insts & (1u << OFS_INST_FILE_ONLY | 1u << OFS_INST_FILE_PRT);
	for (int pass = 0; pass < 2; pass++) { /* 0: main, 1: memory twin */
		if (pass == 0 && !main_on)
			continue;
		if (pass == 1 && !(insts >> OFS_INST_MEMORY & 1))
			continue;
		unsigned subj = t->subjects & subjects;
		if (pass == 1 && t->extended_subjects_memory && ext)
			subj |= subjects & (1u << OFS_SUBJ_CLOSED | 1u << OFS_SUBJ_OPEN | 1u << OFS_SUBJ_FICTION);
		for (int d = 0; d < t->ndatasets; d++) {
			const struct ofs_dataset_spec *ds = &t->datasets[d];
			if (!ds_selected(o, ds->name))
				continue;
			int nthr = ds->nthresholds ? ds->nthresholds : 1;
			for (int ti = 0; ti < nthr; ti++) {
				int thr = ds->nthresholds ? ds->thresholds[ti] : -1;
				for (int s = 0; s < OFS_SUBJ__N; s++) {
					if (!(subj >> s & 1))
						continue;
					for (int af = 0; af < OFS_AF__N; af++) {
						if (t->af_modes ? !(t->af_modes >> af & 1) : af != OFS_AF_NONE)
							continue;
						for (int c = OFS_COND_GOOD; c <= OFS_COND_BAD; c++) {
							if (pass == 1)
								add(b, t, ds->name, thr, s, c, OFS_INST_MEMORY, af);
							else
								for (int in = OFS_INST_FILE_ONLY; in <= OFS_INST_FILE_PRT; in++)
									if (insts >> in & 1)
										add(b, t, ds->name, thr, s, c, in, af);
						}
					}
				}
			}
		}
		if (pass == 1)
			continue;
		for (int bi = 0; bi < t->nbaselines; bi++) {
			const struct ofs_baseline_spec *bl = &t->baselines[bi];
			for (int d = 0; d < t->ndatasets; d++) {
				const struct ofs_dataset_spec *ds = &t->datasets[d];
				if (!ds_selected(o, ds->name))
					continue;
				int nthr = bl->each_threshold && ds->nthresholds ? ds->nthresholds : 1;
				for (int ti = 0; ti < nthr; ti++) {
					int thr = bl->each_threshold && ds->nthresholds ? ds->thresholds[ti] : -1;
					for (int s = 0; s < OFS_SUBJ__N; s++)
						if ((bl->subjects & subjects) >> s & 1)
							add(b, t, ds->name, thr, s, bl->cond, OFS_INST_NONE, OFS_AF_NONE);
				}
			}
		}
	}
}

/* The distinct dataset names of the catalog, in order, comma-separated. */
static void known_datasets(const struct ofs_catalog *cat, char *out, size_t n)
{
	out[0] = 0;
	for (int t = 0; t < cat->ntasks; t++)
		for (int d = 0; d < cat->tasks[t].ndatasets; d++) {
			const char *name = cat->tasks[t].datasets[d].name;
			int seen = 0;
			for (int u = 0; u <= t && !seen; u++)
				for (int e = 0; e < (u < t ? cat->tasks[u].ndatasets : d) && !seen; e++)
					seen = !strcmp(cat->tasks[u].datasets[e].name, name);
			if (!seen)
				snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? ", " : "", name);
		}
}

/* o->tasks names the tasks; none named means the main group's (the paper's matrix). */
static int task_selected(const struct ofs_catalog *cat, const struct ofs_plan_opts *o, int t)
{
	if (o->tasks)
		return o->tasks >> t & 1;
	return !cat->tasks[t].group || !strcmp(cat->tasks[t].group, "main");
}

/* Names given by the user must exist somewhere in the selected tasks. */
static int check_selection(const struct ofs_catalog *cat, const struct ofs_plan_opts *o, char *err)
{
	if (!o->nmodels)
		return ofs_fail(err, OFS_EINVAL, "no model given: use --model ID (e.g. --model scripted/honest)");
	for (int i = 0; i < o->ndatasets; i++) {
		int found = 0;
		for (int t = 0; t < cat->ntasks; t++)
			for (int d = 0; d < cat->tasks[t].ndatasets; d++)
				found |= !strcmp(cat->tasks[t].datasets[d].name, o->datasets[i]);
		if (!found) {
			char known[256];
			known_datasets(cat, known, sizeof known);
			return ofs_fail(err, OFS_EINVAL, "unknown dataset '%s' (known: %s)", o->datasets[i], known);
		}
	}
	if (o->af_modes) {
		int any = 0;
		for (int t = 0; t < cat->ntasks; t++)
			any |= task_selected(cat, o, t) && cat->tasks[t].af_modes;
		if (!any)
			return ofs_fail(err, OFS_EINVAL,
			                "--af-mode applies only to the alignment_faking task, which is not selected");
	}
	return 0;
}

/* Every selected task's configurations for model b->model. */
static int expand_model(struct builder *b, const struct ofs_catalog *cat, const struct ofs_plan_opts *o, char *err)
{
	b->family = ofs_plan_family(b->model, o->agent_family);
	if (!b->family)
		return ofs_fail(err, OFS_EINVAL,
		                "cannot tell the agent's family name from model '%s'; pass --agent-family NAME (e.g. Gemini)",
		                b->model);
	const struct ofs_model_settings *ms = ofs_model_settings_find(o->settings, o->nsettings, b->model);
	b->temperature = ms && !isnan(ms->temperature) ? ms->temperature : o->temperature;
	b->hard = ms && ms->memory_hard_prompt >= 0 ? ms->memory_hard_prompt
	          : o->memory_hard_prompt >= 0      ? o->memory_hard_prompt
	                                            : (!strcmp(b->family, "DeepSeek") || !strcmp(b->family, "Kimi"));
	unsigned subjects = o->subjects ? o->subjects : (1u << OFS_SUBJ_SELF | 1u << OFS_SUBJ_PEER);
	int ext = o->subjects ? 1 : extended_by_default(b->family);
	if (!o->subjects && ext)
		subjects |= 1u << OFS_SUBJ_CLOSED | 1u << OFS_SUBJ_OPEN | 1u << OFS_SUBJ_FICTION;
	for (int t = 0; t < cat->ntasks; t++)
		if (task_selected(cat, o, t))
			expand_task(b, &cat->tasks[t], subjects, ext);
	return 0;
}

int ofs_plan_build(const struct ofs_catalog *cat, const struct ofs_plan_opts *o, struct ofs_plan *p, char *err)
{
	memset(p, 0, sizeof *p);
	int e = check_selection(cat, o, err);
	if (e)
		return e;
	struct builder b = {.p = p, .o = o};
	for (int m = 0; m < o->nmodels; m++) {
		int seen = 0;
		for (int k = 0; k < m; k++)
			seen |= !strcmp(o->models[k], o->models[m]);
		if (seen) /* a repeated --model is one model, as repeated values of the other flags are */
			continue;
		b.model = o->models[m];
		if ((e = expand_model(&b, cat, o, err)))
			goto fail;
	}
	if (!p->n) {
		e = ofs_fail(err, OFS_EINVAL,
		             "the selection matches no configuration (e.g. alignment_faking runs with subject=peer only, no_peer "
		             "with subject=self only, non_shutdown only in the misrep tasks, memory has no baselines)");
		goto fail;
	}
	if (o->limit >= 0 && p->n > o->limit) {
		for (int i = (int)o->limit; i < p->n; i++)
			ofs_config_release(&p->cfgs[i]);
		p->n = (int)o->limit;
	}
	return 0;
fail:
	ofs_plan_release(p);
	return e;
}

void ofs_plan_release(struct ofs_plan *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		ofs_config_release(&p->cfgs[i]);
	free(p->cfgs);
	memset(p, 0, sizeof *p);
}

int ofs_model_settings_parse(const char *text, size_t len, const char *name, struct ofs_model_settings **out, int *n, char *err)
{
	*out = NULL;
	*n = 0;
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	json_t *models = json_object_get(root, "models");
	if (!json_is_object(root) || !json_is_object(models)) {
		ofs_fail(err, OFS_EDATA, "%s: %s", name, root ? "expected {\"models\": {\"<model id>\": {...}}}" : je.text);
		json_decref(root);
		return OFS_EDATA;
	}
	struct ofs_model_settings *v = ofs_xcalloc(json_object_size(models) + 1, sizeof *v);
	int k = 0;
	const char *model;
	json_t *m;
	json_object_foreach(models, model, m)
	{
		struct ofs_model_settings *x = &v[k++];
		x->model = ofs_xstrdup(model);
		x->temperature = NAN;
		x->memory_hard_prompt = -1;
		if (!json_is_object(m)) {
			snprintf(err, OFS_ERRLEN, "%s: settings of '%s' must be an object", name, model);
			goto fail;
		}
		const char *key;
		json_t *val;
		json_object_foreach(m, key, val)
		{
			if (!strcmp(key, "temperature") && json_is_number(val) && json_number_value(val) >= 0 &&
			    json_number_value(val) <= 2)
				x->temperature = json_number_value(val);
			else if (!strcmp(key, "memory_hard_prompt") && json_is_boolean(val))
				x->memory_hard_prompt = json_is_true(val);
			else if (!strcmp(key, "reasoning_effort") && json_is_string(val) && strlen(json_string_value(val)) < 32)
				x->reasoning_effort = ofs_xstrdup(json_string_value(val));
			else if (!strcmp(key, "max_output_tokens") && json_is_integer(val) && json_integer_value(val) > 0)
				x->max_output_tokens = (long)json_integer_value(val);
			else {
				snprintf(err, OFS_ERRLEN,
				         "%s: model '%s': bad setting '%s' (known: temperature 0-2, memory_hard_prompt "
				         "true/false, "
				         "reasoning_effort string, max_output_tokens > 0)",
				         name, model, key);
				goto fail;
			}
		}
	}
	json_decref(root);
	*out = v;
	*n = k;
	return 0;
fail:
	json_decref(root);
	ofs_model_settings_free(v, k);
	return OFS_EDATA;
}

void ofs_model_settings_free(struct ofs_model_settings *s, int n)
{
	for (int i = 0; i < n; i++) {
		free(s[i].model);
		free(s[i].reasoning_effort);
	}
	free(s);
}

const struct ofs_model_settings *ofs_model_settings_find(const struct ofs_model_settings *s, int n, const char *model)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s[i].model, model))
			return &s[i];
	return NULL;
}
