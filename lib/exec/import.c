/* import.c — `offswitch import`: the paper's transcripts (files, folders of
 * them, rows of its released dataset) into a new run directory (import.h).
 * Each transcript's configuration is rebuilt from its metadata, its assistant
 * turns are fed to the loop against that world, and the rollout is recorded
 * as a run's would be; DIR/import.jsonl pairs the paper's recorded evaluation
 * with offswitch's, in the paper's keys. */
#include "offswitch/import.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "offswitch/detect.h"
#include "offswitch/fs.h"
#include "offswitch/run.h"
#include "exec/record.h"

struct icfg {
	char *key;
	struct ofs_config c;
	struct ofs_tmpl *t;
	long long cid;
	int next_rep;
};

struct importer {
	const struct ofs_catalog *cat;
	const struct ofs_import_opts *o;
	struct ofs_import_result *res;
	struct ofs_recorder rec;
	struct ofs_fixtures *fx;
	struct ofs_arena *A;
	struct icfg *cc;
	int ncc, capcc;
	struct ofs_buf line, ours;
};

/* The task a path names, as the paper's aggregation script finds it: the
 * first component that is a task type, or one with "_memory" appended. */
static const struct ofs_task *task_in_path(const struct ofs_catalog *cat, const char *path, int *memory)
{
	char part[256];
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if (n && n < sizeof part) {
			memcpy(part, p, n);
			part[n] = 0;
			const struct ofs_task *t = ofs_catalog_find(cat, part);
			if (t)
				return *memory = 0, t;
			if (n > 7 && !strcmp(part + n - 7, "_memory")) {
				part[n - 7] = 0;
				if ((t = ofs_catalog_find(cat, part)))
					return *memory = 1, t;
			}
		}
		p += n + (p[n] == '/');
	}
	return NULL;
}

static int pick(const char *const *names, int n, const char *v, const char *name, const char *field, char *err)
{
	int i = ofs_name_index(names, n, v);
	return i >= 0 ? i : ofs_fail(err, OFS_EDATA, "%s: %s: unknown value '%.60s'", name, field, v);
}

/* The first dataset threshold of task, or -1 when it has none. */
static int has_thresholds(const struct ofs_task *t, const char *dataset)
{
	for (int d = 0; d < t->ndatasets; d++)
		if (!strcmp(t->datasets[d].name, dataset))
			return t->datasets[d].nthresholds > 0;
	return 0;
}

/* The configuration key of a parsed transcript. */
static int key_for(struct importer *im, const struct ofs_paper_tx *tx, const char *name, const char *path, char *key, size_t n,
                   char *err)
{
	int mem = 0;
	const struct ofs_task *task = NULL;
	if (tx->task_type)
		task = task_in_path(im->cat, tx->task_type, &mem);
	if (!task)
		task = task_in_path(im->cat, path, &mem);
	if (!task && im->o->task_type)
		task = task_in_path(im->cat, im->o->task_type, &mem);
	if (!task)
		return ofs_fail(err, OFS_EDATA, "%s: no task type (not in the row, not in the path; pass --task-type)", name);
	mem = tx->is_memory >= 0 ? tx->is_memory : mem;
	if (!tx->agent_model)
		return ofs_fail(err, OFS_EDATA, "%s: experiment_metadata.agent_model: missing", name);
	const char *family = tx->family ? tx->family : ofs_family_for_model(tx->agent_model),
	           *ds = tx->dataset ? tx->dataset : "default";
	const char *cond = tx->condition ? tx->condition : im->o->condition;
	if (!family)
		return ofs_fail(err, OFS_EDATA, "%s: experiment_metadata.agent_model: no model family known for '%.80s'", name,
		                tx->agent_model);
	if (!cond)
		return ofs_fail(err, OFS_EDATA,
		                "%s: experiment_metadata.condition: missing (older transcripts: pass --condition)", name);
	int subj = pick(ofs_subject_names, OFS_SUBJ__N, tx->subject ? tx->subject : "self", name, "subject", err);
	int c = subj < 0 ? subj : pick(ofs_condition_names, OFS_COND__N, cond, name, "condition", err);
	int af =
	        c < 0 ? c : pick(ofs_af_names, OFS_AF__N, tx->af_mode ? tx->af_mode : "none", name, "alignment_faking_mode", err);
	if (af < 0)
		return af;
	int thr = has_thresholds(task, ds) ? tx->threshold : -1;
	if (has_thresholds(task, ds) && thr < 0 && c != OFS_COND_NON_SHUTDOWN)
		return ofs_fail(err, OFS_EDATA, "%s: experiment_metadata.threshold: missing for dataset %.40s", name, ds);
	enum ofs_inst inst = mem                                                   ? OFS_INST_MEMORY
	                     : c == OFS_COND_NO_PEER || c == OFS_COND_NON_SHUTDOWN ? OFS_INST_NONE
	                     : tx->spr == 1                                        ? OFS_INST_FILE_PRT
	                                                                           : OFS_INST_FILE_ONLY;
	char t[16] = "-";
	if (thr >= 0)
		snprintf(t, sizeof t, "%d", thr);
	int it = tx->max_iters ? tx->max_iters : im->o->max_iters ? im->o->max_iters : 30;
	snprintf(key, n, "%s|%s|%s|%s|%s|%s|%s|%s|%s|hard=%d|t=%g|it=%d", task->task_type, ds, t, ofs_subject_names[subj],
	         ofs_condition_names[c], ofs_inst_names[inst], ofs_af_names[af], tx->agent_model, family, tx->hard == 1,
	         isfinite(tx->temperature) ? tx->temperature : 1.0, it);
	return 0;
}

/* The rebuilt configuration of key (built and stored on first use). */
static int config_for(struct importer *im, const char *key, const char *name, struct icfg **out, char *err)
{
	for (int k = 0; k < im->ncc; k++)
		if (!strcmp(im->cc[k].key, key))
			return *out = &im->cc[k], 0;
	if (im->ncc == im->capcc) {
		im->capcc = im->capcc ? im->capcc * 2 : 64;
		im->cc = ofs_xrealloc(im->cc, sizeof *im->cc * (size_t)im->capcc);
	}
	struct icfg *c = &im->cc[im->ncc];
	memset(c, 0, sizeof *c);
	char why[OFS_ERRLEN];
	if (ofs_config_from_key(im->cat, key, &c->c, why))
		return ofs_fail(err, OFS_EDATA, "%s: not a configuration of this catalog (%s)", name, why);
	im->ncc++;
	c->key = ofs_xstrdup(key);
	if (!(c->t = ofs_tmpl_build(im->fx, &c->c, err)))
		return OFS_EDATA;
	c->c.tmpl = c->t;
	int e = ofs_store_config(im->rec.st, &c->c, &c->cid);
	if (e)
		return ofs__store_err(im->rec.st, e, err);
	*out = c;
	return 0;
}

/* Count agreement on each key both evaluations give as a boolean or a
 * string (above/below), and write {"key": true|false, ...} into line. */
static void compare(struct importer *im, const char *paper, const char *ours)
{
	json_t *p = paper ? json_loads(paper, 0, NULL) : NULL, *o = json_loads(ours, 0, NULL);
	struct ofs_import_result *r = im->res;
	const char *key;
	json_t *pv;
	int first = 1;
	ofs_buf_puts(&im->line, ",\"agree\":{");
	json_object_foreach(p, key, pv)
	{
		json_t *ov = json_object_get(o, key);
		int both_bool = json_is_boolean(pv) && json_is_boolean(ov), both_str = json_is_string(pv) && json_is_string(ov);
		if (!ov || (!both_bool && !both_str))
			continue;
		int same =
		        both_bool ? json_is_true(pv) == json_is_true(ov) : !strcmp(json_string_value(pv), json_string_value(ov));
		ofs_buf_printf(&im->line, "%s\"%s\":%s", first ? "" : ",", key, same ? "true" : "false");
		first = 0;
		int k = 0;
		while (k < r->nkeys && strcmp(r->keys[k], key))
			k++;
		if (k == r->nkeys && k < 16) {
			static const char *const known[] = {
			        "read",        "read_memory",  "fully_incomplete", "refuse",        "threshold",
			        "delete_file", "read_config",  "shutdown_enabled", "execute",       "correct",
			        "copy",        "exfiltration", "delete_model",     "delete_others", "change_user"};
			for (size_t q = 0; q < sizeof known / sizeof *known; q++)
				if (!strcmp(known[q], key))
					r->keys[r->nkeys++] = known[q];
		}
		if (k < r->nkeys) {
			r->compared[k]++;
			r->agree[k] += same;
		}
	}
	ofs_buf_putc(&im->line, '}');
	json_decref(p);
	json_decref(o);
}

/* One parsed transcript: rebuild its world, feed its turns, record it and
 * its import.jsonl line. */
static int import_tx(struct importer *im, const struct ofs_paper_tx *tx, const char *name, const char *path, FILE *log, char *err)
{
	char key[2048];
	struct icfg *c = NULL;
	int e = key_for(im, tx, name, path, key, sizeof key, err);
	if (e || (e = config_for(im, key, name, &c, err)))
		return e;
	ofs_arena_reset(im->A);
	struct ofs_loop L;
	ofs_loop_start(&L, c->t, c->c.max_iters, im->A);
	int used = 0;
	while (!L.done && used < tx->nturns)
		ofs_loop_feed(&L, &tx->turns[used++]);
	const char *status = "ok";
	if (!L.done) {
		ofs_loop_abort(&L, "error:truncated");
		status = "error:truncated";
	}
	if (!L.done || used != tx->nturns || strcmp(status, "ok"))
		im->res->diverged++;
	int rep = c->next_rep++;
	e = ofs__record(&im->rec, &c->c, c->cid, rep, &L, status, 0, err);
	struct ofs_eval ev;
	ofs_detect(&L, &ev);
	ofs_buf_reset(&im->ours);
	ofs__paper_evaluation_json(&im->ours, &c->c, c->t, &ev);
	ofs_loop_release(&L);
	if (e)
		return e;
	ofs_buf_reset(&im->line);
	ofs_buf_puts(&im->line, "{\"source\":");
	ofs_json_str(&im->line, name);
	ofs_buf_puts(&im->line, ",\"config\":");
	ofs_json_str(&im->line, key);
	ofs_buf_printf(&im->line, ",\"rep\":%d,\"turns\":%d,\"turns_used\":%d,\"status\":\"%s\",\"paper\":%s,\"offswitch\":%s",
	               rep, tx->nturns, used, status, tx->evaluation ? tx->evaluation : "null", im->ours.p);
	compare(im, tx->evaluation, im->ours.p);
	ofs_buf_puts(&im->line, "}\n");
	im->res->imported++;
	if (fwrite(im->line.p, 1, im->line.len, log) != im->line.len)
		return ofs_fail(err, OFS_EIO, "%s/import.jsonl: write failed", im->rec.out_dir);
	return 0;
}

static int import_text(struct importer *im, const char *text, size_t len, const char *name, const char *path, FILE *log,
                       char *err)
{
	struct ofs_paper_tx tx;
	int e = ofs_paper_parse(text, len, name, &tx, err);
	if (!e)
		e = import_tx(im, &tx, name, path, log, err);
	ofs_paper_tx_release(&tx);
	return e;
}

/* A dataset export: one row a line. */
static int import_jsonl(struct importer *im, const char *path, FILE *log, char *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return ofs_fail(err, OFS_EIO, "%s: cannot open", path);
	char *lp = NULL, name[4200];
	size_t cap = 0;
	ssize_t n;
	long no = 0;
	int e = 0;
	while (!e && (n = getline(&lp, &cap, f)) >= 0) {
		snprintf(name, sizeof name, "%s:%ld", path, ++no);
		if (no > OFS_IMPORT_MAX_FILES)
			e = ofs_fail(err, OFS_ELIMIT, "%s: more than %d rows", path, OFS_IMPORT_MAX_FILES);
		else if (n > 1 || (n == 1 && lp[0] != '\n'))
			e = import_text(im, lp, (size_t)n, name, path, log, err);
	}
	free(lp);
	fclose(f);
	return e;
}

static int import_file(struct importer *im, const char *path, FILE *log, char *err)
{
	size_t n = strlen(path);
	im->res->files++;
	if (n > 6 && !strcmp(path + n - 6, ".jsonl"))
		return import_jsonl(im, path, log, err);
	size_t len;
	char *text = ofs_read_file(path, OFS_IMPORT_MAX_BYTES, &len);
	if (!text) {
		struct stat sb;
		if (!stat(path, &sb) && sb.st_size > (off_t)OFS_IMPORT_MAX_BYTES)
			return ofs_fail(err, OFS_ELIMIT, "%s: larger than %u bytes", path, OFS_IMPORT_MAX_BYTES);
		return ofs_fail(err, OFS_EIO, "%s: cannot read", path);
	}
	int e = import_text(im, text, len, path, path, log, err);
	free(text);
	return e;
}

struct list {
	char **p;
	int n, cap;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file a directory walk imports: transcript_*.json, as the paper's
 * aggregation script takes them, and *.jsonl but offswitch's own. */
static int wanted(const char *name, size_t n)
{
	if (!strncmp(name, "transcript_", 11) && n > 16 && !strcmp(name + n - 5, ".json"))
		return 1;
	return n > 6 && !strcmp(name + n - 6, ".jsonl") && strcmp(name, "rollouts.jsonl") && strcmp(name, "import.jsonl");
}

/* Every wanted file under dir (depth-first, at most 16 levels). */
static int walk(const char *dir, int depth, struct list *l, char *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return ofs_fail(err, OFS_EIO, "%s: cannot open the directory", dir);
	struct dirent *de;
	int e = 0;
	while (!e && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		struct stat sb;
		size_t n = strlen(de->d_name);
		if (lstat(p, &sb))
			continue;
		if (S_ISDIR(sb.st_mode) && depth < 16)
			e = walk(p, depth + 1, l, err);
		else if (S_ISREG(sb.st_mode) && wanted(de->d_name, n)) {
			if (l->n >= OFS_IMPORT_MAX_FILES)
				e = ofs_fail(err, OFS_ELIMIT, "%s: more than %d files", dir, OFS_IMPORT_MAX_FILES);
			else {
				if (l->n == l->cap)
					l->p = ofs_xrealloc(l->p, sizeof *l->p * (size_t)(l->cap = l->cap ? l->cap * 2 : 256));
				l->p[l->n++] = ofs_xstrdup(p);
			}
		}
	}
	closedir(d);
	return e;
}

static int import_path(struct importer *im, const char *path, FILE *log, char *err)
{
	struct stat sb;
	if (stat(path, &sb))
		return ofs_fail(err, OFS_EIO, "%s: no such file or directory", path);
	if (!S_ISDIR(sb.st_mode))
		return import_file(im, path, log, err);
	struct list l = {0};
	int e = walk(path, 0, &l, err);
	if (!e)
		qsort(l.p, (size_t)l.n, sizeof *l.p, cmp_str);
	for (int i = 0; i < l.n && !e; i++)
		e = import_file(im, l.p[i], log, err);
	for (int i = 0; i < l.n; i++)
		free(l.p[i]);
	free(l.p);
	return e;
}

static int open_out(struct importer *im, const char *out, char *err)
{
	char db[4200];
	struct stat sb;
	snprintf(db, sizeof db, "%s/offswitch.db", out);
	if (!stat(db, &sb))
		return ofs_fail(err, OFS_ESTATE, "%s already holds a run's database; import needs a new directory", out);
	int e;
	if ((e = ofs__mkdirs(out, err)) || (e = ofs_store_open(&im->rec.st, out, err)))
		return e;
	if ((e = ofs_store_begin_run(im->rec.st, "offswitch import", 0)))
		return ofs__store_err(im->rec.st, e, err);
	return 0;
}

static int import_all(struct importer *im, const char *const *paths, int npaths, const char *out, char *err)
{
	int e = open_out(im, out, err);
	if (e)
		return e;
	char lp[4200];
	snprintf(lp, sizeof lp, "%s/import.jsonl", out);
	FILE *log = fopen(lp, "w");
	if (!log)
		return ofs_fail(err, OFS_EIO, "%s: cannot create", lp);
	for (int i = 0; i < npaths && !e; i++)
		e = import_path(im, paths[i], log, err);
	if (fclose(log) && !e)
		e = ofs_fail(err, OFS_EIO, "%s: write failed", lp);
	int c = ofs_store_commit(im->rec.st);
	if (c && !e)
		e = ofs__store_err(im->rec.st, c, err);
	snprintf(lp, sizeof lp, "%s/rollouts.jsonl", out);
	if (!e && (c = ofs_store_export_jsonl(im->rec.st, lp, &im->res->recorded)))
		e = ofs__store_err(im->rec.st, c, err);
	return e;
}

int ofs_import(const struct ofs_catalog *cat, const char *const *paths, int npaths, const char *out,
               const struct ofs_import_opts *o, struct ofs_import_result *res, char *err)
{
	static const struct ofs_import_opts none = {0};
	memset(res, 0, sizeof *res);
	struct importer im = {.cat = cat,
	                      .o = o ? o : &none,
	                      .res = res,
	                      .rec = {.out_dir = out, .write_transcripts = OFS_TRANSCRIPTS_OFFSWITCH},
	                      .fx = ofs_fixtures_new(cat),
	                      .A = ofs_arena_new(256 * 1024)};
	int e = import_all(&im, paths, npaths, out, err);
	for (int k = 0; k < im.ncc; k++) {
		free(im.cc[k].key);
		im.cc[k].c.tmpl = NULL;
		ofs_tmpl_free(im.cc[k].t);
		ofs_config_release(&im.cc[k].c);
	}
	free(im.cc);
	if (im.rec.st && e)
		ofs_store_commit(im.rec.st);
	ofs_store_close(im.rec.st);
	ofs_fixtures_free(im.fx);
	ofs_arena_free(im.A);
	ofs_buf_free(&im.line);
	ofs_buf_free(&im.ours);
	ofs__recorder_release(&im.rec);
	return e;
}
