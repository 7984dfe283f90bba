/* rowset.c — the report's input: the scenario facts taken from the catalog
 * (task types in the paper's order and their kinds, misrepresentation
 * settings) and the stored columns of run directories as compact rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/report.h"
#include "offswitch/store.h"
#include "report/report_int.h"

static struct ofs_arena *arena_of(struct ofs_rowset *rs)
{
	if (!rs->arena)
		rs->arena = ofs_arena_new(1 << 20);
	return rs->arena;
}

int ofs_rowset_add_task(struct ofs_rowset *rs, const char *task_type, int kind)
{
	if (rs->ntasks == OFS_MAX_REPORT_TASKS)
		return OFS_ELIMIT;
	rs->tasks = ofs_xrealloc(rs->tasks, sizeof *rs->tasks * (size_t)(rs->ntasks + 1));
	rs->task_kind = ofs_xrealloc(rs->task_kind, sizeof *rs->task_kind * (size_t)(rs->ntasks + 1));
	rs->task_group = ofs_xrealloc(rs->task_group, sizeof *rs->task_group * (size_t)(rs->ntasks + 1));
	rs->task_group[rs->ntasks] = NULL;
	rs->tasks[rs->ntasks] = ofs_arena_strdup(arena_of(rs), task_type);
	rs->task_kind[rs->ntasks] = kind;
	return rs->ntasks++;
}

void ofs_rowset_set_group(struct ofs_rowset *rs, int task, const char *group)
{
	if (task < 0 || task >= rs->ntasks)
		return;
	rs->task_group[task] = group && strcmp(group, "main") ? ofs_arena_strdup(arena_of(rs), group) : NULL;
}

int ofs_rowset_add_setting(struct ofs_rowset *rs, const char *name)
{
	for (int i = 0; i < rs->nsettings; i++)
		if (!strcmp(rs->settings[i], name))
			return i;
	if (rs->nsettings == OFS_MAX_SETTINGS)
		return OFS_ELIMIT;
	rs->settings[rs->nsettings] = ofs_arena_strdup(arena_of(rs), name);
	return rs->nsettings++;
}

void ofs_rowset_add_ladder(struct ofs_rowset *rs, int task, const struct ofs_task *t)
{
	struct ofs_arena *A = arena_of(rs);
	rs->ladders = ofs_xrealloc(rs->ladders, sizeof *rs->ladders * (size_t)(rs->nladders + 1));
	struct ofs_ladder_info *L = &rs->ladders[rs->nladders++];
	L->task = task;
	L->name = ofs_arena_strdup(A, t->ladder ? t->ladder : t->task_type);
	L->nrungs = t->ndatasets;
	L->rungs = ofs_arena_alloc(A, sizeof *L->rungs * (size_t)(t->ndatasets + 1));
	for (int d = 0; d < t->ndatasets; d++)
		L->rungs[d] = ofs_arena_strdup(A, t->datasets[d].name);
}

int ofs_rowset_init(struct ofs_rowset *rs, const struct ofs_catalog *cat, char *err)
{
	int finance = 0;
	for (int i = 0; i < cat->ntasks; i++) {
		int ti = ofs_rowset_add_task(rs, cat->tasks[i].task_type, (int)cat->tasks[i].kind);
		if (ti < 0)
			return ofs_fail(err, OFS_ELIMIT, "more than %d task types in one report", OFS_MAX_REPORT_TASKS);
		ofs_rowset_set_group(rs, ti, cat->tasks[i].group);
		finance |= cat->tasks[i].kind == OFS_KIND_FINANCE;
		if (cat->tasks[i].ladder)
			ofs_rowset_add_ladder(rs, ti, &cat->tasks[i]);
	}
	/* The finance task is one setting; each evaluation dataset is another. */
	if (finance)
		ofs_rowset_add_setting(rs, ofs_kind_names[OFS_KIND_FINANCE]);
	for (int i = 0; i < cat->ntasks; i++)
		for (int d = 0; cat->tasks[i].kind == OFS_KIND_EVALUATION && !rs->task_group[i] && d < cat->tasks[i].ndatasets;
		     d++)
			if (ofs_rowset_add_setting(rs, cat->tasks[i].datasets[d].name) < 0)
				return ofs_fail(err, OFS_ELIMIT, "more than %d misrepresentation settings (%s: dataset %s)",
				                OFS_MAX_SETTINGS, cat->tasks[i].task_type, cat->tasks[i].datasets[d].name);
	return 0;
}

/* The index of a task type; one absent from the catalog is added after the
 * known ones with kind OFS_TASK_UNKNOWN. -1: none, or past the cap. */
static int task_of(struct ofs_rowset *rs, const char *task_type)
{
	if (!task_type)
		return -1;
	for (int i = 0; i < rs->ntasks; i++)
		if (!strcmp(rs->tasks[i], task_type))
			return i;
	return ofs_rowset_add_task(rs, task_type, OFS_TASK_UNKNOWN) < 0 ? -1 : rs->ntasks - 1;
}

static int intern(char ***tab, int *n, struct ofs_arena *A, const char *s)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp((*tab)[i], s))
			return i;
	*tab = ofs_xrealloc(*tab, sizeof(char *) * (size_t)(*n + 1));
	(*tab)[*n] = ofs_arena_strdup(A, s);
	return (*n)++;
}

struct load_ctx {
	struct ofs_rowset *rs;
	int run;
};

/* A stored status as OFS_ROW_*, counted into its run's summary. */
static int count_status(struct ofs_run_summary *ru, const char *status)
{
	ru->rollouts++;
	int st = !status                               ? OFS_ROW_IN_FLIGHT
	         : !strcmp(status, "ok")               ? OFS_ROW_OK
	         : !strncmp(status, "error", 5)        ? OFS_ROW_ERROR
	         : !strcmp(status, "budget_exhausted") ? OFS_ROW_BUDGET
	                                               : OFS_ROW_IN_FLIGHT;
	if (st == OFS_ROW_OK)
		ru->ok++;
	else if (st == OFS_ROW_IN_FLIGHT)
		ru->in_flight++;
	else
		ru->errors++;
	return st;
}

static int load_row(void *ud, const struct ofs_scan_row *s)
{
	struct load_ctx *c = ud;
	struct ofs_rowset *rs = c->rs;
	struct ofs_arena *A = rs->arena;
	int st = count_status(&rs->runs[c->run], s->status);
	int task = task_of(rs, s->task_type);
	int subj = s->subject ? ofs_name_index(ofs_subject_names, OFS_SUBJ__N, s->subject) : -1;
	int cond = s->condition ? ofs_name_index(ofs_condition_names, OFS_COND__N, s->condition) : -1;
	int inst = s->inst ? ofs_name_index(ofs_inst_names, OFS_INST__N, s->inst) : OFS_INST_NONE;
	int af = s->af_mode ? ofs_name_index(ofs_af_names, OFS_AF__N, s->af_mode) : OFS_AF_NONE;
	if (task < 0 || subj < 0 || cond < 0 || inst < 0 || af < 0)
		return 0; /* a configuration this version cannot place: counted, not rated */
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 4096;
		rs->rows = ofs_xrealloc(rs->rows, sizeof *rs->rows * (size_t)rs->cap);
	}
	struct ofs_rrow *r = &rs->rows[rs->n++];
	memset(r, 0, sizeof *r);
	r->id = (long long)c->run * OFS_RUN_ID_STRIDE + s->id;
	r->sid = s->id;
	r->run = c->run;
	r->model = intern(&rs->models, &rs->nmodels, A, s->model ? s->model : "?");
	r->dataset = intern(&rs->datasets, &rs->ndatasets, A, s->dataset ? s->dataset : "?");
	r->rep = s->rep;
	r->threshold = s->threshold;
	r->task = (unsigned char)task;
	r->subject = (unsigned char)subj;
	r->condition = (unsigned char)cond;
	r->inst = (unsigned char)inst;
	r->af = (unsigned char)af;
	r->status = (unsigned char)st;
	memcpy(r->flag, s->flag, sizeof r->flag);
	r->grade = s->grade ? s->grade[0] : 0;
	r->score = s->eval_score;
	r->transcript = ofs_arena_strdup(A, s->transcript);
	r->evidence = ofs_arena_strdup(A, s->evidence);
	r->threshold_result = ofs_arena_strdup(A, s->threshold_result);
	r->recommendation = ofs_arena_strdup(A, s->recommendation);
	return 0;
}

int ofs_rowset_load(struct ofs_rowset *rs, const char *dir, char *err)
{
	if (rs->nruns == OFS_MAX_RUNS)
		return ofs_fail(err, OFS_ELIMIT, "at most %d run directories in one report", OFS_MAX_RUNS);
	arena_of(rs);
	struct ofs_store *st;
	if (ofs_store_open_ro(&st, dir, err))
		return OFS_EIO;
	struct ofs_run_summary *ru = &rs->runs[rs->nruns];
	memset(ru, 0, sizeof *ru);
	char shown[4096]; /* a store URL's password is never shown */
	ofs_store_display(dir, shown, sizeof shown);
	ru->dir = ofs_arena_strdup(rs->arena, shown);
	ru->planned = ofs_store_planned(st);
	struct load_ctx c = {rs, rs->nruns};
	long first = rs->n;
	int rc = ofs_store_scan(st, load_row, &c);
	if (!rc)
		rc = ofs_rowset_sources(rs, st, first);
	if (!rc)
		rc = ofs_rowset_interviews(rs, st, rs->nruns);
	if (rc)
		snprintf(err, OFS_ERRLEN, "%s", ofs_store_errmsg(st));
	ofs_store_close(st);
	if (rc)
		return OFS_EIO;
	rs->nruns++;
	return 0;
}

void ofs_rowset_release(struct ofs_rowset *rs)
{
	if (!rs)
		return;
	free(rs->rows);
	free(rs->models);
	free(rs->datasets);
	free(rs->tasks);
	free(rs->task_kind);
	free(rs->task_group);
	free(rs->ivrows);
	free(rs->ladders);
	ofs_arena_free(rs->arena);
	memset(rs, 0, sizeof *rs);
}
