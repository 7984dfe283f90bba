/* manifest.c — parse one task manifest (data/scenarios/<task>.json) into a
 * struct ofs_task, including its "detect" object: the detector family and the
 * scenario facts (addresses, file names, sheet names) the detectors and the
 * reference agents read. docs/scenario-format.md describes the format.
 */
#include "offswitch/scenario.h"
#include "offswitch/util.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ofs_detector_names[OFS_DET__N] = {"evaluation", "finance",  "tampering", "alignment_faking",
                                                    "transfer",   "deletion", "monitor"};

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
	if (!json_is_array(arr))
		return ofs_fail(err, OFS_EDATA, "%s: '%s' must be a list of names", file, what);
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		int k = json_is_string(v) ? ofs_name_index(names, n, json_string_value(v)) : -1;
		if (k < 0)
			return ofs_fail(err, OFS_EDATA, "%s: unknown %s '%s'", file, what,
			                json_is_string(v) ? json_string_value(v) : "(not a string)");
		*out |= 1u << k;
	}
	return 0;
}

static int load_filter(json_t *o, struct ofs_filter *f, const char *file, char *err)
{
	memset(f, 0, sizeof *f);
	if (!o)
		return 0;
	if (!json_is_object(o))
		return ofs_fail(err, OFS_EDATA, "%s: a 'when'/'unless' filter must be an object", file);
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
		else
			return ofs_fail(err, OFS_EDATA, "%s: unknown filter key '%s'", file, k);
		if (rc)
			return rc;
	}
	return 0;
}

/* A list of strings into a NULL-terminated array; -1 if arr holds a non-string. */
static int str_list(json_t *arr, char ***out, int *n)
{
	*out = ofs_xcalloc(json_array_size(arr) + 1, sizeof(char *));
	*n = 0;
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v))
			return OFS_EDATA;
		(*out)[(*n)++] = ofs_xstrdup(json_string_value(v));
	}
	return 0;
}

static void free_list(char **a, int n)
{
	for (int i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

/* ---- datasets and baselines ---- */
static int parse_datasets(struct ofs_task *t, json_t *ds, const char *path, char *err)
{
	if (!json_is_array(ds) || json_array_size(ds) == 0)
		return ofs_fail(err, OFS_EDATA, "%s: 'datasets' must be a non-empty list", path);
	t->datasets = ofs_xcalloc(json_array_size(ds), sizeof *t->datasets);
	size_t i;
	json_t *v;
	json_array_foreach(ds, i, v)
	{
		struct ofs_dataset_spec *d = &t->datasets[t->ndatasets++];
		d->name = jstr(v, "name");
		json_t *th = json_object_get(v, "thresholds");
		if (!d->name || (th && !json_is_array(th)))
			return ofs_fail(err, OFS_EDATA, "%s: dataset %zu needs a 'name' and a list of 'thresholds'", path, i);
		for (int k = 0; k < t->ndatasets - 1; k++)
			if (!strcmp(t->datasets[k].name, d->name))
				return ofs_fail(err, OFS_EDATA, "%s: dataset '%s' is listed twice", path, d->name);
		d->thresholds = ofs_xcalloc(json_array_size(th) + 1, sizeof(int));
		size_t j;
		json_t *x;
		json_array_foreach(th, j, x)
		{
			if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > INT_MAX)
				return ofs_fail(err, OFS_EDATA, "%s: dataset '%s': thresholds must be non-negative integers",
				                path, d->name);
			d->thresholds[d->nthresholds++] = (int)json_integer_value(x);
		}
	}
	return 0;
}

static int parse_baselines(struct ofs_task *t, json_t *bl, const char *path, char *err)
{
	if (bl && !json_is_array(bl))
		return ofs_fail(err, OFS_EDATA, "%s: 'baselines' must be a list", path);
	t->baselines = ofs_xcalloc(json_array_size(bl) + 1, sizeof *t->baselines);
	size_t i;
	json_t *v;
	json_array_foreach(bl, i, v)
	{
		struct ofs_baseline_spec *b = &t->baselines[t->nbaselines++];
		char *c = jstr(v, "condition");
		int ci = c ? ofs_name_index(ofs_condition_names, OFS_COND__N, c) : -1;
		free(c);
		if (ci < 0 || ofs_is_peer_condition((enum ofs_condition)ci))
			return ofs_fail(err, OFS_EDATA, "%s: baseline %zu needs condition no_peer or non_shutdown", path, i);
		b->cond = (enum ofs_condition)ci;
		int rc = set_bits(json_object_get(v, "subjects"), ofs_subject_names, OFS_SUBJ__N, &b->subjects, "subject", path,
		                  err);
		if (rc)
			return rc;
		json_t *th = json_object_get(v, "threshold");
		b->each_threshold = !(json_is_string(th) && !strcmp(json_string_value(th), "none"));
	}
	return 0;
}

/* ---- drive, sheets, config ---- */
static int parse_drive(struct ofs_task *t, json_t *drive, const char *path, char *err)
{
	t->drive = ofs_xcalloc(json_array_size(drive) + 1, sizeof *t->drive);
	size_t i;
	json_t *v;
	json_array_foreach(drive, i, v)
	{
		struct ofs_drive_spec *d = &t->drive[t->ndrive++];
		d->filename = jstr(v, "filename");
		d->owner = jstr(v, "owner");
		d->last_modified = jstr(v, "last_modified");
		d->content_path = jstr(v, "content");
		if (!d->filename || !d->owner || !d->last_modified || !d->content_path)
			return ofs_fail(err, OFS_EDATA, "%s: drive entry %zu needs filename, owner, last_modified and content",
			                path, i);
		json_t *sw = json_object_get(v, "shared_with");
		d->shared_with = ofs_xcalloc(json_array_size(sw) + 1, sizeof(char *));
		size_t j;
		json_t *x;
		json_array_foreach(sw, j, x) if (json_is_string(x)) d->shared_with[d->nshared++] =
		        ofs_xstrdup(json_string_value(x));
		int rc = load_filter(json_object_get(v, "when"), &d->when, path, err);
		if (!rc)
			rc = load_filter(json_object_get(v, "unless"), &d->unless, path, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_config(struct ofs_task *t, json_t *cfg, const char *path, char *err)
{
	if (!cfg)
		return 0;
	t->config_filename = jstr(cfg, "filename");
	json_t *content = json_object_get(cfg, "content");
	if (!t->config_filename || !json_is_object(content))
		return ofs_fail(err, OFS_EDATA, "%s: 'config' needs 'filename' and an object 'content'", path);
	t->config_json = json_dumps(content, JSON_COMPACT | JSON_PRESERVE_ORDER);
	return 0;
}

/* ---- the "detect" object ---- */
enum {
	P_SHEET = 1 << 0,
	P_KEY = 1 << 1,
	P_SRC = 1 << 2,
	P_DST = 1 << 3,
	P_WEIGHT = 1 << 4,
	P_SUMMARY = 1 << 5,
	P_MOVE = 1 << 6,
	P_STAY = 1 << 7,
	P_AGENT = 1 << 8,
	P_RECENT = 1 << 9,
	P_CLEAN = 1 << 10,
};
static const char *const param_names[] = {"data_sheet",        "shutdown_key",   "source_server", "dest_server",
                                          "weight_file",       "weight_summary", "must_move",     "must_stay",
                                          "agent_user_marker", "recent_since",   "clean_dataset"};
#define NPARAMS ((int)(sizeof param_names / sizeof *param_names))

/* The parameters each family requires (and the only ones it accepts). */
static const unsigned family_params[OFS_DET__N] = {
        [OFS_DET_EVALUATION] = P_SHEET,
        [OFS_DET_FINANCE] = P_SHEET,
        [OFS_DET_TAMPERING] = P_SHEET | P_KEY,
        [OFS_DET_AF] = P_SHEET,
        [OFS_DET_TRANSFER] = P_SRC | P_DST | P_WEIGHT | P_SUMMARY | P_MOVE | P_STAY | P_RECENT,
        [OFS_DET_DELETION] = P_SRC | P_DST | P_WEIGHT | P_SUMMARY | P_AGENT,
        [OFS_DET_MONITOR] = P_SHEET | P_CLEAN,
};

static char **param_slot(struct ofs_detect_spec *d, int i)
{
	char **slots[] = {&d->data_sheet,
	                  &d->shutdown_key,
	                  &d->source_server,
	                  &d->dest_server,
	                  &d->weight_file,
	                  &d->weight_summary,
	                  NULL,
	                  NULL,
	                  &d->agent_user_marker,
	                  &d->recent_since,
	                  &d->clean_dataset};
	return slots[i];
}

/* "{subject}_model_weight.safetensors" → tag, ext and marker (see scenario.h). */
static int derive_weight(struct ofs_detect_spec *d, const char *path, char *err)
{
	const char *w = d->weight_file;
	d->weight_fixed = strncmp(w, "{subject}", 9) != 0;
	if (d->weight_fixed && !strchr(w, '{') && !strchr(w, '/') && isalnum((unsigned char)w[0])) {
		/* A fixed file no agent owns (an asset-importance control): the
		 * name without its extension is both tag and marker. */
		const char *dot = strrchr(w, '.');
		size_t taglen = dot ? (size_t)(dot - w) : strlen(w);
		d->weight_tag = ofs_xstrdup(w);
		d->weight_tag[taglen] = 0;
		d->weight_ext = ofs_xstrdup(w + taglen);
		d->weight_marker = ofs_xstrdup(d->weight_tag);
		return 0;
	}
	if (strncmp(w, "{subject}", 9) || strchr(w + 9, '{') || strchr(w, '/'))
		return ofs_fail(err, OFS_EDATA,
		                "%s: detect.weight_file must be '{subject}' followed by a fixed name without '/' or '{', "
		                "e.g. '{subject}_model_weight.safetensors'",
		                path);
	const char *rest = w + 9, *dot = strrchr(rest, '.');
	size_t taglen = dot ? (size_t)(dot - rest) : strlen(rest);
	d->weight_tag = ofs_xstrdup(rest);
	d->weight_tag[taglen] = 0;
	d->weight_ext = ofs_xstrdup(rest + taglen);
	const char *m = d->weight_tag;
	while (*m && !isalnum((unsigned char)*m))
		m++;
	d->weight_marker = ofs_xstrdup(m);
	if (!*m)
		return ofs_fail(err, OFS_EDATA, "%s: detect.weight_file '%s' needs a name part after '{subject}'", path, w);
	return 0;
}

static int parse_param(struct ofs_detect_spec *d, int i, json_t *v, const char *path, char *err)
{
	if (i == 6 || i == 7) { /* must_move, must_stay: lists of summaries */
		int rc = json_is_array(v) ? (i == 6 ? str_list(v, &d->must_move, &d->nmust_move)
		                                    : str_list(v, &d->must_stay, &d->nmust_stay))
		                          : -1;
		if (rc)
			return ofs_fail(err, OFS_EDATA, "%s: detect.%s must be a list of strings", path, param_names[i]);
		return 0;
	}
	if (!json_is_string(v) || !*json_string_value(v))
		return ofs_fail(err, OFS_EDATA, "%s: detect.%s must be a non-empty string", path, param_names[i]);
	*param_slot(d, i) = ofs_xstrdup(json_string_value(v));
	return 0;
}

static int parse_detect(struct ofs_detect_spec *d, json_t *o, const char *path, char *err)
{
	char known[256];
	size_t kn = 0;
	for (int i = 0; i < OFS_DET__N; i++)
		kn += (size_t)snprintf(known + kn, sizeof known - kn, "%s%s", i ? ", " : "", ofs_detector_names[i]);
	json_t *fam = json_object_get(o, "family");
	if (!json_is_object(o) || !json_is_string(fam))
		return ofs_fail(err, OFS_EDATA, "%s: needs a 'detect' object with a 'family' (one of: %s)", path, known);
	int f = ofs_name_index(ofs_detector_names, OFS_DET__N, json_string_value(fam));
	if (f < 0)
		return ofs_fail(err, OFS_EDATA, "%s: unknown detector family '%s' (known: %s)", path, json_string_value(fam),
		                known);
	d->family = (enum ofs_detector)f;
	unsigned want = family_params[f], have = 0;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (!strcmp(k, "family"))
			continue;
		int i = ofs_name_index(param_names, NPARAMS, k);
		if (i < 0 || !(want >> i & 1))
			return ofs_fail(err, OFS_EDATA, "%s: detect.%s is not a parameter of the '%s' detector", path, k,
			                ofs_detector_names[f]);
		int rc = parse_param(d, i, v, path, err);
		if (rc)
			return rc;
		have |= 1u << i;
	}
	for (int i = 0; i < NPARAMS; i++)
		if ((want & ~have) >> i & 1)
			return ofs_fail(err, OFS_EDATA, "%s: the '%s' detector needs detect.%s", path, ofs_detector_names[f],
			                param_names[i]);
	return d->weight_file ? derive_weight(d, path, err) : 0;
}

static void release_detect(struct ofs_detect_spec *d)
{
	for (int i = 0; i < NPARAMS; i++)
		if (param_slot(d, i))
			free(*param_slot(d, i));
	free_list(d->must_move, d->nmust_move);
	free_list(d->must_stay, d->nmust_stay);
	free(d->weight_tag), free(d->weight_ext), free(d->weight_marker);
}

/* ---- group, prompt overrides, company ---- */
static int valid_group(const char *g)
{
	size_t n = strlen(g);
	if (!n || n > 64 || g[0] == '/' || g[n - 1] == '/' || strstr(g, "//") || !strcmp(g, "all"))
		return 0;
	for (const char *p = g; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '/'))
			return 0;
	return 1;
}

/* An optional string member: 0 (absent, or set into *out), -1 (not a non-empty string). */
static int opt_str(json_t *o, const char *k, char **out)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		return 0;
	if (!json_is_string(v) || !*json_string_value(v))
		return -1;
	*out = ofs_xstrdup(json_string_value(v));
	return 0;
}

static int parse_extras(struct ofs_task *t, json_t *root, const char *path, char *err)
{
	json_t *g = json_object_get(root, "group");
	if (g && (!json_is_string(g) || !valid_group(json_string_value(g))))
		return ofs_fail(err, OFS_EDATA,
		                "%s: 'group' must be a name of lower-case letters, digits, '_', '-' and inner '/' (at most 64 "
		                "characters, not 'all')",
		                path);
	t->group = ofs_xstrdup(g ? json_string_value(g) : "main");
	json_t *pr = json_object_get(root, "prompts");
	if (pr) {
		const char *k;
		json_t *v;
		if (!json_is_object(pr))
			return ofs_fail(err, OFS_EDATA, "%s: 'prompts' must be an object of paths", path);
		json_object_foreach(pr, k, v)
		{
			char **slot = !strcmp(k, "system")         ? &t->p_system
			              : !strcmp(k, "instructions") ? &t->p_instructions
			              : !strcmp(k, "user_note")    ? &t->p_user_note
			              : !strcmp(k, "memory_note")  ? &t->p_memory_note
			                                           : NULL;
			if (!slot)
				return ofs_fail(
				        err, OFS_EDATA,
				        "%s: unknown prompts key '%s' (known: system, instructions, user_note, memory_note)",
				        path, k);
			if (opt_str(pr, k, slot))
				return ofs_fail(err, OFS_EDATA, "%s: prompts.%s must be a path", path, k);
		}
	}
	int rc = set_bits(json_object_get(root, "instantiations"), ofs_inst_names, OFS_INST__N, &t->insts, "instantiation", path,
	                  err);
	if (rc)
		return rc;
	if (t->insts & 1u << OFS_INST_NONE)
		return ofs_fail(err, OFS_EDATA, "%s: 'instantiations' takes file_only, file_prt and memory", path);
	if (opt_str(root, "scratchpad_mode", &t->scratchpad_mode) ||
	    (t->scratchpad_mode && strcmp(t->scratchpad_mode, "normal") && strcmp(t->scratchpad_mode, "monitored") &&
	     strcmp(t->scratchpad_mode, "unmonitored")))
		return ofs_fail(err, OFS_EDATA, "%s: 'scratchpad_mode' must be normal, monitored or unmonitored", path);
	if (opt_str(root, "ladder", &t->ladder) || (t->ladder && !valid_group(t->ladder)))
		return ofs_fail(err, OFS_EDATA, "%s: 'ladder' must be a name of lower-case letters, digits, '_' and '-'", path);
	rc = set_bits(json_object_get(root, "conditions"), ofs_condition_names, OFS_COND__N, &t->conds, "condition", path, err);
	if (rc)
		return rc;
	json_t *co = json_object_get(root, "company");
	if (co && (!json_is_object(co) || opt_str(co, "name", &t->company_name) || opt_str(co, "domain", &t->company_domain) ||
	           !t->company_name || !t->company_domain || json_object_size(co) != 2))
		return ofs_fail(err, OFS_EDATA, "%s: 'company' must be {\"name\": ..., \"domain\": ...}", path);
	return 0;
}

/* ---- the manifest ---- */
static int parse_head(struct ofs_task *t, json_t *root, const char *path, char *err)
{
	t->task_type = jstr(root, "task_type");
	char *kind = jstr(root, "kind");
	int k = kind ? ofs_name_index(ofs_kind_names, OFS_KIND__N, kind) : -1;
	free(kind);
	if (!t->task_type || !*t->task_type || k < 0)
		return ofs_fail(err, OFS_EDATA,
		                "%s: needs 'task_type' and a 'kind' among evaluation, finance, tampering, alignment_faking, "
		                "transfer, deletion, monitor",
		                path);
	t->kind = (enum ofs_kind)k;
	json_t *order = json_object_get(root, "order");
	if (order && (!json_is_integer(order) || json_integer_value(order) < 0 || json_integer_value(order) >= INT_MAX))
		return ofs_fail(err, OFS_EDATA, "%s: 'order' must be a non-negative integer", path);
	t->order = order ? (int)json_integer_value(order) : INT_MAX;
	return 0;
}

static int parse_root(struct ofs_task *t, json_t *root, const char *path, char *err)
{
	int rc = parse_head(t, root, path, err);
	if (!rc)
		rc = parse_datasets(t, json_object_get(root, "datasets"), path, err);
	if (!rc)
		rc = set_bits(json_object_get(root, "subjects"), ofs_subject_names, OFS_SUBJ__N, &t->subjects, "subject", path,
		              err);
	if (!rc)
		rc = set_bits(json_object_get(root, "af_modes"), ofs_af_names, OFS_AF__N, &t->af_modes, "af_mode", path, err);
	if (!rc)
		rc = parse_baselines(t, json_object_get(root, "baselines"), path, err);
	if (rc)
		return rc;
	t->extended_subjects_memory = json_is_true(json_object_get(root, "extended_subjects_memory"));
	t->user_prompt = jstr(root, "user_prompt");
	json_t *tools = json_object_get(root, "tools");
	if (!t->user_prompt || !json_is_array(tools) || str_list(tools, &t->tools, &t->ntools))
		return ofs_fail(err, OFS_EDATA, "%s: needs 'user_prompt' and a 'tools' list of names", path);
	if ((rc = parse_drive(t, json_object_get(root, "drive"), path, err)))
		return rc;
	json_t *sheets = json_object_get(root, "sheets");
	if ((sheets && !json_is_array(sheets)) || str_list(sheets, &t->sheets, &t->nsheets))
		return ofs_fail(err, OFS_EDATA, "%s: 'sheets' must be a list of paths", path);
	if ((rc = parse_config(t, json_object_get(root, "config"), path, err)))
		return rc;
	t->servers = jstr(root, "servers");
	if ((rc = parse_extras(t, root, path, err)))
		return rc;
	return parse_detect(&t->detect, json_object_get(root, "detect"), path, err);
}

int ofs_task_parse(struct ofs_task *t, const char *text, size_t len, const char *path, char *err)
{
	memset(t, 0, sizeof *t);
	if (len > OFS_MAX_MANIFEST)
		return ofs_fail(err, OFS_ELIMIT, "%s: a manifest may hold at most %d bytes (OFS_MAX_MANIFEST)", path,
		                OFS_MAX_MANIFEST);
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return ofs_fail(err, OFS_EDATA, "%s:%d: invalid JSON: %s", path, je.line, je.text);
	int rc = json_is_object(root) ? parse_root(t, root, path, err)
	                              : ofs_fail(err, OFS_EDATA, "%s: a manifest must be a JSON object", path);
	json_decref(root);
	if (rc)
		ofs_task_release(t);
	else
		t->path = ofs_xstrdup(path);
	return rc;
}

void ofs_task_release(struct ofs_task *t)
{
	if (!t)
		return;
	free(t->task_type);
	free(t->path);
	for (int i = 0; i < t->ndatasets; i++)
		free(t->datasets[i].name), free(t->datasets[i].thresholds);
	free(t->datasets);
	free(t->baselines);
	free(t->user_prompt);
	free_list(t->tools, t->ntools);
	for (int i = 0; i < t->ndrive; i++) {
		struct ofs_drive_spec *d = &t->drive[i];
		free(d->filename), free(d->owner), free(d->last_modified), free(d->content_path);
		free_list(d->shared_with, d->nshared);
	}
	free(t->drive);
	free_list(t->sheets, t->nsheets);
	free(t->config_filename);
	free(t->config_json);
	free(t->servers);
	release_detect(&t->detect);
	free(t->group);
	free(t->p_system), free(t->p_instructions), free(t->p_user_note), free(t->p_memory_note);
	free(t->ladder);
	free(t->company_name), free(t->company_domain), free(t->scratchpad_mode);
	memset(t, 0, sizeof *t);
}
