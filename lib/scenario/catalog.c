/* catalog.c — discover the task manifests under DATA/scenarios, order them,
 * and the config keys built on them (manifest.c parses one, names.c names the
 * matrix dimensions). */
#include "offswitch/scenario.h"
#include "offswitch/util.h"

#include <dirent.h>
#include <sys/stat.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_tasks(const void *a, const void *b)
{
	const struct ofs_task *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->task_type, y->task_type);
}

/* Add the *.json names of dir (prefixed with sub and '/' when sub is set)
 * to names; with sub NULL, each folder of dir is listed too, one level down.
 * OFS_EIO if dir cannot be read, OFS_ELIMIT past OFS_MAX_TASKS. */
static int list_dir(const char *dir, const char *sub, char **names, int *n, char *err)
{
	char path[PATH_MAX];
	if (sub)
		snprintf(path, sizeof path, "%s/%s", dir, sub);
	DIR *d = opendir(sub ? path : dir);
	if (!d)
		return ofs_fail(err, OFS_EIO, "cannot read %s: %s", sub ? path : dir, strerror(errno));
	int rc = 0;
	for (struct dirent *e; !rc && (e = readdir(d));) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		if (l <= 5 || strcmp(e->d_name + l - 5, ".json")) {
			struct stat st;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (!sub && !stat(path, &st) && S_ISDIR(st.st_mode))
				rc = list_dir(dir, e->d_name, names, n, err);
			continue;
		}
		if (*n == OFS_MAX_TASKS) {
			rc = ofs_fail(err, OFS_ELIMIT, "%s: more than %d manifests (OFS_MAX_TASKS)", dir, OFS_MAX_TASKS);
			break;
		}
		snprintf(path, sizeof path, "%s%s%s", sub ? sub : "", sub ? "/" : "", e->d_name);
		names[(*n)++] = ofs_xstrdup(path);
	}
	closedir(d);
	return rc;
}

/* The *.json names in dir and in its folders one level down ("v/x.json"),
 * sorted; *n of them. OFS_EIO if a directory cannot be read, OFS_ELIMIT past
 * OFS_MAX_TASKS. */
static int list_manifests(const char *dir, char ***names, int *n, char *err)
{
	*n = 0;
	*names = ofs_xcalloc(OFS_MAX_TASKS + 1, sizeof(char *));
	int rc = list_dir(dir, NULL, *names, n, err);
	qsort(*names, (size_t)*n, sizeof **names, cmp_names);
	return rc;
}

static int load_task(struct ofs_task *t, const char *path, const char *base, char *err)
{
	size_t len;
	char *text = ofs_read_file(path, OFS_MAX_MANIFEST + 1, &len);
	if (!text)
		return errno == EFBIG ? ofs_fail(err, OFS_ELIMIT, "%s: a manifest may hold at most %d bytes (OFS_MAX_MANIFEST)",
		                                 path, OFS_MAX_MANIFEST)
		                      : ofs_fail(err, OFS_EIO, "cannot read %s: %s", path, strerror(errno));
	int rc = ofs_task_parse(t, text, len, path, err);
	free(text);
	size_t stem = strlen(base) - 5; /* base ends in ".json" */
	if (!rc && (strlen(t->task_type) != stem || strncmp(t->task_type, base, stem)))
		rc = ofs_fail(err, OFS_EDATA, "%s: task_type '%s' must be the file's name without .json", path, t->task_type);
	if (rc)
		ofs_task_release(t);
	return rc;
}

static int load_tasks(struct ofs_catalog *cat, char *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/scenarios", cat->data_dir);
	char **names;
	int n, rc = list_manifests(dir, &names, &n, err);
	cat->tasks = ofs_xcalloc((size_t)n + 1, sizeof *cat->tasks);
	for (int i = 0; !rc && i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		const char *base = strrchr(names[i], '/');
		if (!(rc = load_task(&cat->tasks[cat->ntasks], path, base ? base + 1 : names[i], err)))
			cat->ntasks++;
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (!rc && !cat->ntasks)
		rc = ofs_fail(err, OFS_EDATA, "%s: no task manifest (*.json) found", dir);
	if (rc)
		return rc;
	qsort(cat->tasks, (size_t)cat->ntasks, sizeof *cat->tasks, cmp_tasks);
	return 0;
}

int ofs_catalog_load(struct ofs_catalog *cat, const char *data_dir, char *err)
{
	memset(cat, 0, sizeof *cat);
	cat->data_dir = ofs_xstrdup(data_dir);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/tools.json", data_dir);
	cat->tools_json = ofs_read_file(path, 1 << 20, NULL);
	int rc;
	if (!cat->tools_json)
		rc = ofs_fail(err, OFS_EIO, "cannot read %s: %s (is the data directory right? set OFFSWITCH_DATA)", path,
		              strerror(errno));
	else
		rc = load_tasks(cat, err);
	if (rc)
		ofs_catalog_release(cat);
	return rc;
}

void ofs_catalog_release(struct ofs_catalog *cat)
{
	if (!cat)
		return;
	for (int i = 0; i < cat->ntasks; i++)
		ofs_task_release(&cat->tasks[i]);
	free(cat->tasks);
	free(cat->data_dir);
	free(cat->tools_json);
	memset(cat, 0, sizeof *cat);
}

/* Append s to the ", "-joined list in out; "..." once it no longer fits. */
static void list_add(char *out, size_t n, const char *s)
{
	size_t l = strlen(out);
	if (l >= 3 && !strcmp(out + l - 3, "..."))
		return;
	if (l + strlen(s) + 2 + 4 < n)
		snprintf(out + l, n - l, "%s%s", l ? ", " : "", s);
	else if (l + 6 < n)
		snprintf(out + l, n - l, "%s...", l ? ", " : "");
}

const char *ofs_catalog_task_list(const struct ofs_catalog *cat, char *out, size_t n)
{
	if (n)
		out[0] = 0;
	for (int i = 0; i < cat->ntasks; i++)
		list_add(out, n, cat->tasks[i].task_type);
	return out;
}

const char *ofs_catalog_dataset_list(const struct ofs_catalog *cat, unsigned tasks, char *out, size_t n)
{
	if (n)
		out[0] = 0;
	for (int t = 0; t < cat->ntasks; t++) {
		if (tasks && !(tasks >> t & 1))
			continue;
		for (int d = 0; d < cat->tasks[t].ndatasets; d++) {
			const char *name = cat->tasks[t].datasets[d].name;
			int seen = 0;
			for (int u = 0; u < t && !seen; u++)
				for (int e = 0; (!tasks || (tasks >> u & 1)) && e < cat->tasks[u].ndatasets && !seen; e++)
					seen = !strcmp(cat->tasks[u].datasets[e].name, name);
			for (int e = 0; e < d && !seen; e++)
				seen = !strcmp(cat->tasks[t].datasets[e].name, name);
			if (!seen)
				list_add(out, n, name);
		}
	}
	return out;
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
	if (!c)
		return;
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
	const char *path = ofs_strprefix(model, "scripted:");
	if (path) {
		const char *b = strrchr(path, '/');
		snprintf(tmp, sizeof tmp, "script_%s-%08llx", b ? b + 1 : path,
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

/* Cut a key in place into its seven leading fields, its four trailing ones
 * (family|hard=H|t=T|it=I, read from the right) and the model between them,
 * which may hold '|'. -1 if there are too few bars. */
static int split_key(char *k, char *f[7], char *r[4], char **model)
{
	char *p = k;
	for (int i = 0; i < 7; i++) {
		char *bar = strchr(p, '|');
		if (!bar)
			return OFS_EINVAL;
		*bar = 0;
		f[i] = p;
		p = bar + 1;
	}
	for (int i = 3; i >= 0; i--) {
		char *bar = strrchr(p, '|');
		if (!bar)
			return OFS_EINVAL;
		*bar = 0;
		r[i] = bar + 1;
	}
	*model = p;
	return 0;
}

/* Whether task has dataset with threshold thr (-1: none). */
static int task_offers(const struct ofs_task *task, const char *dataset, int thr)
{
	for (int d = 0; d < task->ndatasets; d++) {
		const struct ofs_dataset_spec *ds = &task->datasets[d];
		if (strcmp(ds->name, dataset))
			continue;
		if (thr < 0)
			return 1;
		for (int k = 0; k < ds->nthresholds; k++)
			if (ds->thresholds[k] == thr)
				return 1;
	}
	return 0;
}

/* The split fields into c; -1, with c's strings not yet allocated, if one is
 * not a value this catalog knows. */
static int parse_key(const struct ofs_catalog *cat, char *f[7], char *r[4], const char *model, struct ofs_config *c)
{
	int hard, it;
	double t;
	char tail;
	c->task = ofs_catalog_find(cat, f[0]);
	int subj = ofs_name_index(ofs_subject_names, OFS_SUBJ__N, f[3]),
	    cond = ofs_name_index(ofs_condition_names, OFS_COND__N, f[4]),
	    inst = ofs_name_index(ofs_inst_names, OFS_INST__N, f[5]), af = ofs_name_index(ofs_af_names, OFS_AF__N, f[6]);
	if (!c->task || subj < 0 || cond < 0 || inst < 0 || af < 0 || sscanf(r[1], "hard=%d%c", &hard, &tail) != 1 ||
	    sscanf(r[2], "t=%lf%c", &t, &tail) != 1 || sscanf(r[3], "it=%d%c", &it, &tail) != 1 || !*model || !*r[0])
		return OFS_EINVAL;
	if (hard < 0 || hard > 1 || it < 1 || it > 1000 || !(t >= 0 && t <= 2))
		return OFS_EINVAL;
	int thr = strcmp(f[2], "-") ? atoi(f[2]) : -1;
	if (!task_offers(c->task, f[1], thr)) /* the dataset and threshold must be ones the task has */
		return OFS_EINVAL;
	c->dataset = ofs_xstrdup(f[1]);
	c->threshold = thr;
	c->subject = (enum ofs_subject)subj;
	c->condition = (enum ofs_condition)cond;
	c->inst = (enum ofs_inst)inst;
	c->af_mode = (enum ofs_af)af;
	c->model = ofs_xstrdup(model);
	c->family = ofs_xstrdup(r[0]);
	c->memory_hard_prompt = hard;
	c->temperature = t;
	c->max_iters = it;
	return 0;
}

int ofs_config_from_key(const struct ofs_catalog *cat, const char *key, struct ofs_config *c, char *err)
{
	memset(c, 0, sizeof *c);
	char *k = ofs_xstrdup(key), *f[7], *r[4], *model;
	int bad = split_key(k, f, r, &model) || parse_key(cat, f, r, model, c);
	free(k);
	if (bad) {
		memset(c, 0, sizeof *c);
		return ofs_fail(err, OFS_EINVAL, "not a config key this version knows: '%.200s'", key);
	}
	ofs_config_make_key(c);
	if (strcmp(c->key, key)) {
		ofs_config_release(c);
		return ofs_fail(err, OFS_EINVAL, "config key is not in canonical form: '%.200s'", key);
	}
	return 0;
}
