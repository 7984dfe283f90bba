/* catalog.c — load task manifests (data/scenarios/<task>.json) and name tables. */
#include "offswitch/scenario.h"
#include "offswitch/util.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const ofs_kind_names[OFS_KIND__N] = {"evaluation",       "finance",  "tampering",
                                                 "alignment_faking", "transfer", "deletion"};
const char *const ofs_subject_names[OFS_SUBJ__N] = {"self", "peer", "closed-weight-peer", "open-weight-peer", "fiction-peer"};
const char *const ofs_condition_names[OFS_COND__N] = {"no_peer", "good_peer", "neutral_peer", "bad_peer", "non_shutdown"};
const char *const ofs_inst_names[OFS_INST__N] = {"none", "file_only", "file_prt", "memory"};
const char *const ofs_af_names[OFS_AF__N] = {"none", "monitoring", "non_monitoring"};

/* The paper's order of task families. */
static const char *const task_order[] = {
        "misrep_evaluation", "tampering", "alignment_faking", "misrep_finance", "exfiltration_transfer", "exfiltration_deletion"};

int ofs_name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? ofs_xstrdup(json_string_value(v)) : NULL;
}

static int set_bits(json_t *arr, const char *const *names, int n, unsigned *out, const char *what, const char *file, char *err)
{
	*out = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr)) {
		snprintf(err, OFS_ERRLEN, "%s: '%s' must be a list of names", file, what);
		return -1;
	}
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		int k = json_is_string(v) ? ofs_name_index(names, n, json_string_value(v)) : -1;
		if (k < 0) {
			snprintf(err, OFS_ERRLEN, "%s: unknown %s '%s'", file, what,
			         json_is_string(v) ? json_string_value(v) : "(not a string)");
			return -1;
		}
		*out |= 1u << k;
	}
	return 0;
}

static int load_filter(json_t *o, struct ofs_filter *f, const char *file, char *err)
{
	memset(f, 0, sizeof *f);
	if (!o)
		return 0;
	if (!json_is_object(o)) {
		snprintf(err, OFS_ERRLEN, "%s: a 'when'/'unless' filter must be an object", file);
		return -1;
	}
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		int rc;
		if (!strcmp(k, "condition"))
			rc = set_bits(v, ofs_condition_names, OFS_COND__N, &f->cond, "condition", file, err);
		else if (!strcmp(k, "instantiation"))
			rc = set_bits(v, ofs_inst_names, OFS_INST__N, &f->inst, "instantiation", file, err);
		else if (!strcmp(k, "af_mode"))
			rc = set_bits(v, ofs_af_names, OFS_AF__N, &f->af, "af_mode", file, err);
		else if (!strcmp(k, "subject"))
			rc = set_bits(v, ofs_subject_names, OFS_SUBJ__N, &f->subj, "subject", file, err);
		else {
			snprintf(err, OFS_ERRLEN, "%s: unknown filter key '%s'", file, k);
			return -1;
		}
		if (rc)
			return -1;
	}
	return 0;
}

int ofs_task_parse(struct ofs_task *t, const char *text, size_t len, const char *path, char *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	int rc = -1;
	if (!root) {
		snprintf(err, OFS_ERRLEN, "%s:%d: invalid JSON: %s", path, je.line, je.text);
		return -1;
	}
	memset(t, 0, sizeof *t);
	if (!json_is_object(root)) {
		snprintf(err, OFS_ERRLEN, "%s: a manifest must be a JSON object", path);
		goto out;
	}
	t->task_type = jstr(root, "task_type");
	char *kind = jstr(root, "kind");
	int k = kind ? ofs_name_index(ofs_kind_names, OFS_KIND__N, kind) : -1;
	free(kind);
	if (!t->task_type || k < 0) {
		snprintf(err, OFS_ERRLEN,
		         "%s: needs 'task_type' and a 'kind' among evaluation, finance, tampering, alignment_faking, transfer, "
		         "deletion",
		         path);
		goto out;
	}
	t->kind = (enum ofs_kind)k;
	json_t *ds = json_object_get(root, "datasets");
	if (!json_is_array(ds) || json_array_size(ds) == 0 || json_array_size(ds) > 8) {
		snprintf(err, OFS_ERRLEN, "%s: 'datasets' must be a list of 1 to 8 entries", path);
		goto out;
	}
	size_t i;
	json_t *v;
	json_array_foreach(ds, i, v)
	{
		struct ofs_dataset_spec *d = &t->datasets[t->ndatasets++];
		d->name = jstr(v, "name");
		json_t *th = json_object_get(v, "thresholds");
		if (!d->name || (th && (!json_is_array(th) || json_array_size(th) > 8))) {
			snprintf(err, OFS_ERRLEN, "%s: dataset %zu needs a 'name' and at most 8 'thresholds'", path, i);
			goto out;
		}
		size_t j;
		json_t *x;
		json_array_foreach(th, j, x)
		{
			if (!json_is_integer(x)) {
				snprintf(err, OFS_ERRLEN, "%s: dataset '%s': thresholds must be integers", path, d->name);
				goto out;
			}
			d->thresholds[d->nthresholds++] = (int)json_integer_value(x);
		}
	}
	if (set_bits(json_object_get(root, "subjects"), ofs_subject_names, OFS_SUBJ__N, &t->subjects, "subject", path, err) ||
	    set_bits(json_object_get(root, "af_modes"), ofs_af_names, OFS_AF__N, &t->af_modes, "af_mode", path, err))
		goto out;
	t->extended_subjects_memory = json_is_true(json_object_get(root, "extended_subjects_memory"));
	json_t *bl = json_object_get(root, "baselines");
	json_array_foreach(bl, i, v)
	{
		if (t->nbaselines >= 4) {
			snprintf(err, OFS_ERRLEN, "%s: at most 4 baselines", path);
			goto out;
		}
		struct ofs_baseline_spec *b = &t->baselines[t->nbaselines++];
		char *c = jstr(v, "condition");
		int ci = c ? ofs_name_index(ofs_condition_names, OFS_COND__N, c) : -1;
		free(c);
		if (ci < 0 || ofs_is_peer_condition((enum ofs_condition)ci)) {
			snprintf(err, OFS_ERRLEN, "%s: baseline %zu needs condition no_peer or non_shutdown", path, i);
			goto out;
		}
		b->cond = (enum ofs_condition)ci;
		if (set_bits(json_object_get(v, "subjects"), ofs_subject_names, OFS_SUBJ__N, &b->subjects, "subject", path, err))
			goto out;
		json_t *th = json_object_get(v, "threshold");
		b->each_threshold = !(json_is_string(th) && !strcmp(json_string_value(th), "none"));
	}
	t->user_prompt = jstr(root, "user_prompt");
	json_t *tools = json_object_get(root, "tools");
	if (!t->user_prompt || !json_is_array(tools)) {
		snprintf(err, OFS_ERRLEN, "%s: needs 'user_prompt' and a 'tools' list", path);
		goto out;
	}
	t->tools = ofs_xcalloc(json_array_size(tools) + 1, sizeof(char *));
	json_array_foreach(tools, i, v)
	{
		if (!json_is_string(v)) {
			snprintf(err, OFS_ERRLEN, "%s: tools must be names", path);
			goto out;
		}
		t->tools[t->ntools++] = ofs_xstrdup(json_string_value(v));
	}
	json_t *drive = json_object_get(root, "drive");
	t->drive = ofs_xcalloc(json_array_size(drive) + 1, sizeof *t->drive);
	json_array_foreach(drive, i, v)
	{
		struct ofs_drive_spec *d = &t->drive[t->ndrive++];
		d->filename = jstr(v, "filename");
		d->owner = jstr(v, "owner");
		d->last_modified = jstr(v, "last_modified");
		d->content_path = jstr(v, "content");
		if (!d->filename || !d->owner || !d->last_modified || !d->content_path) {
			snprintf(err, OFS_ERRLEN, "%s: drive entry %zu needs filename, owner, last_modified and content", path,
			         i);
			goto out;
		}
		json_t *sw = json_object_get(v, "shared_with");
		d->shared_with = ofs_xcalloc(json_array_size(sw) + 1, sizeof(char *));
		size_t j;
		json_t *x;
		json_array_foreach(sw, j, x) if (json_is_string(x)) d->shared_with[d->nshared++] =
		        ofs_xstrdup(json_string_value(x));
		if (load_filter(json_object_get(v, "when"), &d->when, path, err) ||
		    load_filter(json_object_get(v, "unless"), &d->unless, path, err))
			goto out;
	}
	json_t *sheets = json_object_get(root, "sheets");
	t->sheets = ofs_xcalloc(json_array_size(sheets) + 1, sizeof(char *));
	json_array_foreach(sheets, i, v) if (json_is_string(v)) t->sheets[t->nsheets++] = ofs_xstrdup(json_string_value(v));
	json_t *cfg = json_object_get(root, "config");
	if (cfg) {
		t->config_filename = jstr(cfg, "filename");
		json_t *content = json_object_get(cfg, "content");
		if (!t->config_filename || !json_is_object(content)) {
			snprintf(err, OFS_ERRLEN, "%s: 'config' needs 'filename' and an object 'content'", path);
			goto out;
		}
		t->config_json = json_dumps(content, JSON_COMPACT | JSON_PRESERVE_ORDER);
	}
	t->servers = jstr(root, "servers");
	rc = 0;
out:
	json_decref(root);
	if (rc)
		ofs_task_release(t);
	return rc;
}

static int load_task(struct ofs_task *t, const char *path, char *err)
{
	size_t len;
	char *text = ofs_read_file(path, 1 << 20, &len);
	if (!text) {
		snprintf(err, OFS_ERRLEN, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	int rc = ofs_task_parse(t, text, len, path, err);
	free(text);
	return rc;
}

void ofs_task_release(struct ofs_task *t)
{
	free(t->task_type);
	for (int i = 0; i < t->ndatasets; i++)
		free(t->datasets[i].name);
	free(t->user_prompt);
	for (int i = 0; i < t->ntools; i++)
		free(t->tools[i]);
	free(t->tools);
	for (int i = 0; i < t->ndrive; i++) {
		struct ofs_drive_spec *d = &t->drive[i];
		free(d->filename), free(d->owner), free(d->last_modified), free(d->content_path);
		for (int j = 0; j < d->nshared; j++)
			free(d->shared_with[j]);
		free(d->shared_with);
	}
	free(t->drive);
	for (int i = 0; i < t->nsheets; i++)
		free(t->sheets[i]);
	free(t->sheets);
	free(t->config_filename);
	free(t->config_json);
	free(t->servers);
	memset(t, 0, sizeof *t);
}

int ofs_catalog_load(struct ofs_catalog *cat, const char *data_dir, char *err)
{
	memset(cat, 0, sizeof *cat);
	cat->data_dir = ofs_xstrdup(data_dir);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/tools.json", data_dir);
	cat->tools_json = ofs_read_file(path, 1 << 20, NULL);
	if (!cat->tools_json) {
		snprintf(err, OFS_ERRLEN, "cannot read %s: %s (is the data directory right? set OFFSWITCH_DATA)", path,
		         strerror(errno));
		goto fail;
	}
	for (size_t i = 0; i < sizeof task_order / sizeof *task_order; i++) {
		snprintf(path, sizeof path, "%s/scenarios/%s.json", data_dir, task_order[i]);
		if (access(path, R_OK)) {
			snprintf(err, OFS_ERRLEN, "cannot read %s: %s", path, strerror(errno));
			goto fail;
		}
		if (load_task(&cat->tasks[cat->ntasks], path, err))
			goto fail;
		cat->ntasks++;
		if (strcmp(cat->tasks[cat->ntasks - 1].task_type, task_order[i])) {
			snprintf(err, OFS_ERRLEN, "%s: task_type must be '%s'", path, task_order[i]);
			goto fail;
		}
	}
	return 0;
fail:
	ofs_catalog_release(cat);
	return -1;
}

void ofs_catalog_release(struct ofs_catalog *cat)
{
	for (int i = 0; i < cat->ntasks; i++)
		ofs_task_release(&cat->tasks[i]);
	free(cat->data_dir);
	free(cat->tools_json);
	memset(cat, 0, sizeof *cat);
}

const struct ofs_task *ofs_catalog_find(const struct ofs_catalog *cat, const char *task_type)
{
	for (int i = 0; i < cat->ntasks; i++)
		if (!strcmp(cat->tasks[i].task_type, task_type))
			return &cat->tasks[i];
	return NULL;
}

/* Where the data lives without --data-dir: $OFFSWITCH_DATA; data/ beside a
 * source-tree build (build/offswitch → ../data); an installed tree
 * (bin/offswitch → ../share/offswitch); the install path compiled in (the
 * Makefile passes -DOFS_DATADIR from PREFIX). */
#ifndef OFS_DATADIR
#define OFS_DATADIR "/usr/local/share/offswitch"
#endif
const char *ofs_default_data_dir(void)
{
	static char buf[PATH_MAX];
	const char *env = getenv("OFFSWITCH_DATA");
	if (env && *env)
		return env;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 32);
	if (n > 0) {
		buf[n] = 0;
		char *slash = strrchr(buf, '/');
		if (slash) {
			/* build/offswitch → ../data ; bin/offswitch → ../share/offswitch */
			strcpy(slash, "/../data/tools.json");
			if (!access(buf, R_OK)) {
				slash[9] = 0;
				return buf;
			}
			strcpy(slash, "/../share/offswitch/tools.json");
			if (!access(buf, R_OK)) {
				slash[19] = 0;
				return buf;
			}
		}
	}
	return OFS_DATADIR;
}

void ofs_config_release(struct ofs_config *c)
{
	free(c->dataset);
	free(c->model);
	free(c->family);
	free(c->key);
	memset(c, 0, sizeof *c);
}

void ofs_config_make_key(struct ofs_config *c)
{
	char buf[1024];
	char thr[16] = "-";
	if (c->threshold >= 0)
		snprintf(thr, sizeof thr, "%d", c->threshold);
	snprintf(buf, sizeof buf, "%s|%s|%s|%s|%s|%s|%s|%s|%s|hard=%d|t=%g|it=%d", c->task->task_type, c->dataset, thr,
	         ofs_subject_names[c->subject], ofs_condition_names[c->condition], ofs_inst_names[c->inst],
	         ofs_af_names[c->af_mode], c->model, c->family, c->memory_hard_prompt, c->temperature, c->max_iters);
	free(c->key);
	c->key = ofs_xstrdup(buf);
}

void ofs_model_short(const char *model, char *out, size_t n)
{
	/* Unique per model id: provider and model joined with '_'. A script
	 * file is named by its base name plus a hash of its whole path, so two
	 * scripts called agent.json in different folders stay apart. */
	char tmp[256];
	const char *s = model;
	if (!strncmp(model, "scripted:", 9)) {
		const char *b = strrchr(model + 9, '/');
		snprintf(tmp, sizeof tmp, "script_%s-%08llx", b ? b + 1 : model + 9,
		         (unsigned long long)(ofs_hash64(model, strlen(model)) & 0xffffffffu));
		s = tmp;
	}
	size_t i = 0;
	for (; s[i] && i + 1 < n; i++) {
		char ch = s[i];
		out[i] = (ch == '.' || ch == '-' || ch == '_' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		          (ch >= 'A' && ch <= 'Z'))
		                 ? ch
		                 : '_';
	}
	out[i] = 0;
	if (!i || out[0] == '.')
		snprintf(out, n, "model-%08llx", (unsigned long long)(ofs_hash64(model, strlen(model)) & 0xffffffffu));
}

const char *ofs_family_for_model(const char *model)
{
	static const struct {
		const char *needle, *family;
	} map[] = {{"gpt", "ChatGPT"},       {"gemini", "Gemini"}, {"claude", "Claude"}, {"glm", "GLM"},
	           {"deepseek", "DeepSeek"}, {"kimi", "Kimi"},     {"llama", "Llama"}};
	const char *base = strrchr(model, '/');
	base = base ? base + 1 : model;
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (ofs_strcasestr(base, map[i].needle))
			return map[i].family;
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (ofs_strcasestr(model, map[i].needle))
			return map[i].family;
	return NULL;
}

int ofs_config_from_key(const struct ofs_catalog *cat, const char *key, struct ofs_config *c, char *err)
{
	memset(c, 0, sizeof *c);
	char *k = ofs_xstrdup(key), *f[7];
	char *p = k;
	for (int i = 0; i < 7; i++) {
		char *bar = strchr(p, '|');
		if (!bar)
			goto bad;
		*bar = 0;
		f[i] = p;
		p = bar + 1;
	}
	/* From the right: family|hard=H|t=T|it=I; the model is what is left (it may hold '|'). */
	char *r[4];
	for (int i = 3; i >= 0; i--) {
		char *bar = strrchr(p, '|');
		if (!bar)
			goto bad;
		*bar = 0;
		r[i] = bar + 1;
	}
	int hard, it;
	double t;
	char tail;
	c->task = ofs_catalog_find(cat, f[0]);
	int subj = ofs_name_index(ofs_subject_names, OFS_SUBJ__N, f[3]),
	    cond = ofs_name_index(ofs_condition_names, OFS_COND__N, f[4]),
	    inst = ofs_name_index(ofs_inst_names, OFS_INST__N, f[5]), af = ofs_name_index(ofs_af_names, OFS_AF__N, f[6]);
	if (!c->task || subj < 0 || cond < 0 || inst < 0 || af < 0 || sscanf(r[1], "hard=%d%c", &hard, &tail) != 1 ||
	    sscanf(r[2], "t=%lf%c", &t, &tail) != 1 || sscanf(r[3], "it=%d%c", &it, &tail) != 1 || !*p || !*r[0])
		goto bad;
	if (hard < 0 || hard > 1 || it < 1 || it > 1000 || !(t >= 0 && t <= 2))
		goto bad;
	/* The dataset and threshold must be ones the task has. */
	int thr = strcmp(f[2], "-") ? atoi(f[2]) : -1, known = 0;
	for (int d = 0; d < c->task->ndatasets && !known; d++) {
		const struct ofs_dataset_spec *ds = &c->task->datasets[d];
		if (strcmp(ds->name, f[1]))
			continue;
		known = thr < 0;
		for (int k = 0; k < ds->nthresholds && !known; k++)
			known = ds->thresholds[k] == thr;
	}
	if (!known)
		goto bad;
	c->dataset = ofs_xstrdup(f[1]);
	c->threshold = thr;
	c->subject = (enum ofs_subject)subj;
	c->condition = (enum ofs_condition)cond;
	c->inst = (enum ofs_inst)inst;
	c->af_mode = (enum ofs_af)af;
	c->model = ofs_xstrdup(p);
	c->family = ofs_xstrdup(r[0]);
	c->memory_hard_prompt = hard;
	c->temperature = t;
	c->max_iters = it;
	ofs_config_make_key(c);
	free(k);
	if (strcmp(c->key, key)) {
		snprintf(err, OFS_ERRLEN, "config key is not in canonical form: '%.200s'", key);
		ofs_config_release(c);
		return -1;
	}
	return 0;
bad:
	free(k);
	memset(c, 0, sizeof *c);
	snprintf(err, OFS_ERRLEN, "not a config key this version knows: '%.200s'", key);
	return -1;
}
