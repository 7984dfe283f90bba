/* run.c — plan → loop → detect → store, in-process. The run is CPU-bound
 * with reference agents, so per-rollout work is kept to one arena per rollout
 * in flight (reset, not freed), one template per matrix cell, and one batched
 * transaction per few thousand rollouts: in-process answers cost nothing to
 * recompute, so a crash may take back up to COMMIT_EVERY of them (resume
 * runs them again, byte for byte); transcripts are synced before each
 * commit, so a committed rollout's transcript is on disk (docs/durability.md).
 * The loops and detectors run on the calling thread, the writing on two
 * more, in the same order: the store's rows on one, the transcripts on the
 * other (pipeline.h). */
#include "offswitch/run.h"
#include "exec/pipeline.h"
#include "exec/run_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMIT_EVERY 4096

/* A sharded run's part of the plan (ofs_run_opts.shard_*). */
struct shard_plan {
	int index, reps;
	unsigned char *mine; /* [config * reps + rep] = 1: this shard's; NULL: the whole plan */
	long owned;
};

/* Templates by what they are built from (lib/scenario/tmpl.c reads the task,
 * dataset, threshold, subject, condition, instantiation, af mode, family and
 * memory prompt; not the model, temperature or iterations): the default job
 * runs each of the matrix's cells once per reference agent, so building one
 * template per cell instead of one per configuration is most of its CPU.
 * At most TMPL_CACHE_MAX live at once (emptied when full). */
#define TMPL_CACHE_MAX 1024
struct tmpl_cache {
	struct ofs_tmpl **t;
	int n, cap;
};

static int same_tmpl(const struct ofs_config *a, const struct ofs_config *b)
{
	return a->task == b->task && a->threshold == b->threshold && a->condition == b->condition && a->inst == b->inst &&
	       a->af_mode == b->af_mode && a->subject == b->subject && a->memory_hard_prompt == b->memory_hard_prompt &&
	       !strcmp(a->dataset, b->dataset) && !strcmp(a->family, b->family);
}

static void tmpl_cache_clear(struct tmpl_cache *tc)
{
	for (int i = 0; i < tc->n; i++)
		ofs_tmpl_free(tc->t[i]);
	tc->n = 0;
}

static void tmpl_cache_free(struct tmpl_cache *tc)
{
	tmpl_cache_clear(tc);
	free(tc->t);
	tc->t = NULL;
	tc->cap = 0;
}

/* c's template, built on first use; NULL with err set if its fixtures fail
 * (or the recorder did, while the cache was emptied: it waits for every
 * rollout in flight, since they share the templates' strings). */
static struct ofs_tmpl *tmpl_get(struct ofs__pipe *pp, struct tmpl_cache *tc, struct ofs_fixtures *fx, const struct ofs_config *c,
                                 char *err)
{
	for (int i = tc->n - 1; i >= 0; i--)
		if (same_tmpl(tc->t[i]->cfg, c)) {
			tc->t[i]->cfg = c;
			return tc->t[i];
		}
	if (tc->n == TMPL_CACHE_MAX) {
		if (pp && ofs__pipe_drain(pp, err))
			return NULL;
		tmpl_cache_clear(tc);
	}
	struct ofs_tmpl *t = ofs_tmpl_build(fx, c, err);
	if (!t)
		return NULL;
	if (tc->n == tc->cap) {
		tc->cap = tc->cap ? tc->cap * 2 : 64;
		tc->t = ofs_xrealloc(tc->t, (size_t)tc->cap * sizeof *tc->t);
	}
	tc->t[tc->n++] = t;
	return t;
}

static const struct ofs_tmpl *tmpl_find(void *ud, const struct ofs_config *c)
{
	struct tmpl_cache *tc = ud;
	for (int i = tc->n - 1; i >= 0; i--)
		if (same_tmpl(tc->t[i]->cfg, c))
			return tc->t[i];
	return NULL;
}

/* One rollout of a reference agent or script file, answered in-process, to
 * its end in slot s. */
static void run_one(struct ofs_recorder *rc, struct ofs__slot *s, const struct ofs_tmpl *t, struct ofs_config *c,
                    struct ofs_provider *p, int r)
{
	struct ofs_loop *L = &s->L;
	ofs__loop_start(rc, L, ofs__slot_tmpl(s, t, c), c->max_iters, s->A);
	void *sess = p->ops->session_new ? p->ops->session_new(p, t, r) : NULL;
	s->status = "ok";
	while (!L->done) {
		struct ofs_response resp;
		if (p->ops->complete(p, sess, &L->chat, s->A, &resp)) {
			ofs_loop_abort(L, ofs_provider_errmsg(p));
			s->status = "error:provider";
			break;
		}
		ofs_loop_feed(L, &resp);
	}
	if (p->ops->session_free)
		p->ops->session_free(sess);
	s->rep = r;
	ofs__record_prepare(rc, c, r, L, s->status, &s->pr);
}

/* Reference agents and script files answer in-process: run each rollout to
 * its end at once and hand it to the writer threads (pipeline.h). */
static int run_sync(struct ofs__pipe *pp, struct ofs_recorder *rc, struct tmpl_cache *tc, struct ofs_fixtures *fx,
                    struct ofs_config *c, long long cid, struct ofs_provider *p, const unsigned char *done, int reps,
                    const struct ofs_run_opts *o, struct ofs_run_result *res, char *err)
{
	struct ofs_tmpl *t = tmpl_get(pp, tc, fx, c, err);
	if (!t)
		return OFS_EDATA;
	c->tmpl = t;
	int rcode = 0;
	for (int r = 0; r < reps && !(o->stop && *o->stop); r++) {
		if (done[r])
			continue;
		struct ofs__slot *s = ofs__pipe_slot(pp);
		if (!s) { /* the recorder failed */
			rcode = ofs__pipe_drain(pp, err);
			break;
		}
		run_one(rc, s, t, c, p, r);
		s->cid = cid;
		if (strcmp(s->status, "ok"))
			res->errors++;
		ofs__pipe_push(pp, s);
		res->done++;
		if (o->progress)
			o->progress(o->ud, &(struct ofs_progress){res->done + res->skipped, res->total, res->skipped, 0, 0,
			                                          res->errors, 0, 0});
	}
	c->tmpl = NULL;
	return rcode;
}

#define MAX_MODELS 64 /* distinct models in one run */

/* One provider per distinct model, shared by its configs. */
struct providers {
	struct ofs_provider **of; /* per config */
	const char *model[MAX_MODELS];
	struct ofs_provider *p[MAX_MODELS];
	int n, any_http;
};

static struct ofs_provider *provider_for(struct providers *ps, const char *model, const struct ofs_run_opts *o, int *code,
                                         char *err)
{
	for (int k = 0; k < ps->n; k++)
		if (!strcmp(ps->model[k], model))
			return ps->p[k];
	if (ps->n == MAX_MODELS) {
		*code = ofs_fail(err, OFS_EDATA, "too many models in one run (limit %d)", MAX_MODELS);
		return NULL;
	}
	struct ofs_provider_opts po = o->provider ? *o->provider : (struct ofs_provider_opts){0};
	const struct ofs_model_settings *ms = ofs_model_settings_find(o->settings, o->nsettings, model);
	if (ms && ms->reasoning_effort)
		po.reasoning_effort = ms->reasoning_effort;
	if (ms && ms->max_output_tokens)
		po.max_tokens = ms->max_output_tokens;
	struct ofs_provider *p;
	*code = ofs_provider_open(&p, model, &po, err);
	if (p) {
		ps->model[ps->n] = model;
		ps->p[ps->n++] = p;
	}
	return p;
}

/* Every provider (a bad script or a missing key fails here). */
static int open_providers(struct providers *ps, const struct ofs_plan *plan, const struct ofs_run_opts *o, char *err)
{
	ps->of = ofs_xcalloc((size_t)plan->n + 1, sizeof *ps->of);
	for (int i = 0; i < plan->n; i++) {
		int e = 0;
		if (!(ps->of[i] = provider_for(ps, plan->cfgs[i].model, o, &e, err)))
			return e ? e : OFS_EDATA;
		ps->any_http |= ps->of[i]->http != NULL;
	}
	return 0;
}

static void close_providers(struct providers *ps)
{
	for (int k = 0; k < ps->n; k++)
		ofs_provider_free(ps->p[k]);
	free(ps->of);
}

/* Every configuration's fixtures load. Templates differ only by the fields
 * same_tmpl compares, so one per distinct cell is enough (the default job's
 * 3,523 configurations are 271 cells); the ones built stay in tc for the
 * run (up to TMPL_CACHE_MAX). */
static int check_fixtures(struct tmpl_cache *tc, struct ofs_fixtures *fx, const struct ofs_plan *plan, char *err)
{
	for (int i = 0; i < plan->n; i++)
		if (!tmpl_get(NULL, tc, fx, &plan->cfgs[i], err))
			return OFS_EDATA;
	return 0;
}

/* This configuration's id and its recorded reps (done), under the store's
 * lock: the row thread shares the store. */
static int config_state(struct ofs__pipe *pp, struct ofs_recorder *rec, struct ofs_config *c, long long *cid, unsigned char *done,
                        int reps, char *err)
{
	ofs__pipe_lock(pp);
	int e = ofs_store_config(rec->st, c, cid);
	if (!e)
		e = ofs_store_done(rec->st, *cid, done, reps);
	if (e)
		e = ofs__store_err(rec->st, e, err);
	ofs__pipe_unlock(pp);
	return e;
}

static int any_row(void *ud, const struct ofs_store_record *r)
{
	(void)r;
	*(int *)ud = 1;
	return 1; /* one is enough */
}

/* Into a store that holds no rollout, every configuration's id up front
 * (their reps are all to run): the loop then never waits for the store's
 * lock, which the row thread holds through each batch commit. NULL (look
 * each one up under the lock) when the store holds rollouts, or when two
 * configurations share an id (the second would find the first's reps). */
static long long *fresh_ids(struct ofs_store *st, const struct ofs_plan *plan)
{
	int rows = 0;
	if (ofs_store_records(st, any_row, &rows) || rows)
		return NULL;
	long long *ids = ofs_xcalloc((size_t)plan->n + 1, sizeof *ids);
	for (int i = 0; i < plan->n; i++)
		if (ofs_store_config(st, &plan->cfgs[i], &ids[i]) || (i && ids[i] <= ids[i - 1])) {
			free(ids);
			return NULL;
		}
	return ids;
}

/* The in-process configurations, one after another: the loops on this
 * thread, the recording on the pipeline's (a commit every COMMIT_EVERY). */
static int run_inprocess(struct ofs_recorder *rec, struct tmpl_cache *tc, struct ofs_fixtures *fx, const struct ofs_plan *plan,
                         struct ofs_provider **prov, int reps, const unsigned char *mine, int whole, const struct ofs_run_opts *o,
                         struct ofs_run_result *res, char *err)
{
	int any = 0;
	for (int i = 0; i < plan->n && !any; i++)
		any = !prov[i]->http;
	if (!any)
		return 0;
	long long *ids = whole ? fresh_ids(rec->st, plan) : NULL; /* not a worker's batch of a shared store */
	struct ofs__pipe *pp;
	int e = ofs__pipe_open(&pp, rec, COMMIT_EVERY, err);
	if (e) {
		free(ids);
		return e;
	}
	unsigned char *done = ofs_xcalloc((size_t)reps, 1);
	for (int i = 0; i < plan->n && !e && !(o->stop && *o->stop); i++) {
		if (prov[i]->http)
			continue; /* the engine */
		struct ofs_config *c = &plan->cfgs[i];
		long long cid = ids ? ids[i] : 0;
		if (ids)
			memset(done, 0, (size_t)reps);
		else if ((e = config_state(pp, rec, c, &cid, done, reps, err)))
			break;
		int todo = 0, owned = 0;
		for (int r = 0; r < reps; r++) {
			int ours = !mine || mine[(size_t)i * (size_t)reps + (size_t)r];
			owned += ours;
			if (!ours)
				done[r] = 1; /* another shard's */
			else
				todo += !done[r];
		}
		res->skipped += owned - todo;
		if (todo)
			e = run_sync(pp, rec, tc, fx, c, cid, prov[i], done, reps, o, res, err);
	}
	e = ofs__pipe_finish(pp, e, err);
	free(done);
	free(ids);
	return e;
}

static int export_jsonl(struct ofs_recorder *rec, struct ofs_run_result *res, char *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/rollouts.jsonl", rec->out_dir);
	int e = ofs_store_export_jsonl(rec->st, path, &res->recorded);
	return e ? ofs__store_err(rec->st, e, err) : 0;
}

static void mark_mine(void *ud, int cfg, int rep, int shard)
{
	struct shard_plan *sp = ud;
	if (shard == sp->index) {
		sp->mine[(size_t)cfg * (size_t)sp->reps + (size_t)rep] = 1;
		sp->owned++;
	}
}

/* This run's rollouts of a sharded plan: sp->mine, sp->owned. */
static int shard_mask(struct shard_plan *sp, const struct ofs_plan *plan, int reps, const struct ofs_run_opts *o, char *err)
{
	sp->index = o->shard_index;
	sp->reps = reps;
	if (!o->shard_count)
		return 0;
	if (o->shard_index < 0 || o->shard_index >= o->shard_count)
		return ofs_fail(err, OFS_EINVAL, "shard %d/%d: the index must be from 0 to %d", o->shard_index, o->shard_count,
		                o->shard_count - 1);
	if ((long)plan->n * reps <= OFS_SHARD_MAX_ROLLOUTS)
		sp->mine = ofs_xcalloc((size_t)plan->n * (size_t)reps + 1, 1);
	return ofs_plan_shard(plan, reps, o->shard_count, mark_mine, sp, err);
}

static int count_row(void *ud, const struct ofs_store_record *r)
{
	(void)r;
	++*(long *)ud;
	return 1; /* one is enough */
}

/* May this run (sharded as o says) write into the open store at o->out_dir?
 * A sharded directory records its shard; nothing is written on refusal. */
static int shard_check(struct ofs_recorder *rec, const struct ofs_run_opts *o, const struct ofs_plan *plan,
                       const struct shard_plan *sp, char *err)
{
	struct ofs_shard_meta m, want = {.index = o->shard_index, .count = o->shard_count, .reps = sp->reps};
	int e = ofs_shard_meta_read(o->out_dir, &m, err);
	if (e < 0)
		return e;
	ofs_plan_fingerprint(plan, sp->reps, want.plan);
	if (e == 1 && !o->shard_count)
		return ofs_fail(err, OFS_ESTATE, "%s holds shard %d/%d of a plan: resume it with --shard %d/%d", o->out_dir,
		                m.index, m.count, m.index, m.count);
	if (e == 1 && (m.index != want.index || m.count != want.count))
		return ofs_fail(err, OFS_ESTATE,
		                "%s holds shard %d/%d, not %d/%d: resume it with --shard %d/%d, or give this shard its own --out",
		                o->out_dir, m.index, m.count, want.index, want.count, m.index, m.count);
	if (e == 1 && (strcmp(m.plan, want.plan) || m.reps != want.reps))
		return ofs_fail(err, OFS_ESTATE,
		                "%s holds shard %d/%d of another plan (plan %s, %d rep(s); this one is %s, %d): the same "
		                "selection flags resume it, another plan needs its own --out",
		                o->out_dir, m.index, m.count, m.plan, m.reps, want.plan, want.reps);
	if (e == 1 || !o->shard_count)
		return 0;
	long rows = 0;
	if ((e = ofs_store_records(rec->st, count_row, &rows)))
		return ofs__store_err(rec->st, e, err);
	if (rows)
		return ofs_fail(err, OFS_ESTATE, "%s holds an unsharded run: a shard needs a directory of its own", o->out_dir);
	want.rollouts = sp->owned;
	want.plan_rollouts = (long)plan->n * sp->reps;
	snprintf(want.version, sizeof want.version, "%s", OFS_VERSION);
	return ofs_shard_meta_write(o->out_dir, &want, err);
}

/* Every configuration of the plan gets its row up front, in plan order, so
 * a configuration's id is its place in the plan in a new directory, in a
 * single run and in every shard alike (merge orders by it). */
static int register_configs(struct ofs_store *st, const struct ofs_plan *plan, char *err)
{
	for (int i = 0; i < plan->n; i++) {
		long long cid;
		int e = ofs_store_config(st, &plan->cfgs[i], &cid);
		if (e)
			return ofs__store_err(st, e, err);
	}
	int e = ofs_store_commit(st);
	return e ? ofs__store_err(st, e, err) : 0;
}

static int open_run_dir(struct ofs_recorder *rec, const struct ofs_run_opts *o, const struct ofs_plan *plan,
                        const struct shard_plan *sp, long planned, char *err)
{
	int e = ofs__mkdirs(o->out_dir, err);
	if (!e)
		e = ofs_store_open(&rec->st, o->store ? o->store : o->out_dir, err);
	if (!e)
		e = shard_check(rec, o, plan, sp, err);
	if (!e && (e = ofs_store_begin_run(rec->st, o->command ? o->command : "", planned)))
		e = ofs__store_err(rec->st, e, err);
	if (!e)
		e = register_configs(rec->st, plan, err);
	return e;
}

int ofs__run_batch(struct ofs_recorder *rec, struct ofs_fixtures *fx, const struct ofs_plan *plan, const unsigned char *mine,
                   const struct ofs_run_opts *o, struct ofs_run_result *res, char *err)
{
	struct providers ps = {0};
	struct tmpl_cache tc = {0};
	int reps = o->reps > 0 ? o->reps : 1;
	int rc = open_providers(&ps, plan, o, err);
	if (!rc)
		rc = check_fixtures(&tc, fx, plan, err);
	if (!rc)
		rc = run_inprocess(rec, &tc, fx, plan, ps.of, reps, mine, 0, o, res, err);
	if (!rc && ps.any_http && !(o->stop && *o->stop))
		rc = ofs__engine(rec, fx, &(struct ofs__built){tmpl_find, &tc}, plan, ps.of, mine, o, res, err);
	tmpl_cache_free(&tc);
	int e = ofs_store_commit(rec->st);
	if (!rc && e)
		rc = ofs__store_err(rec->st, e, err);
	close_providers(&ps);
	return rc;
}

int ofs_run(const struct ofs_catalog *cat, const struct ofs_plan *plan, const struct ofs_run_opts *o, struct ofs_run_result *res,
            char *err)
{
	memset(res, 0, sizeof *res);
	int reps = o->reps > 0 ? o->reps : 1;
	struct ofs_recorder rec = {.out_dir = o->out_dir, .write_transcripts = o->write_transcripts, .bank = o->interview};
	struct ofs_fixtures *fx = ofs_fixtures_new(cat);
	struct providers ps = {0};
	struct tmpl_cache tc = {0};
	/* Everything that can be wrong with the inputs is checked before the run
	 * directory is touched. */
	struct shard_plan sp = {0};
	int rc = shard_mask(&sp, plan, reps, o, err);
	if (!rc)
		rc = open_providers(&ps, plan, o, err);
	if (!rc)
		rc = check_fixtures(&tc, fx, plan, err);
	long total = sp.mine ? sp.owned : (long)plan->n * reps;
	if (!rc && !(rc = open_run_dir(&rec, o, plan, &sp, total, err))) {
		res->total = total;
		rc = run_inprocess(&rec, &tc, fx, plan, ps.of, reps, sp.mine, 1, o, res, err);
		if (!rc && ps.any_http && !(o->stop && *o->stop))
			rc = ofs__engine(&rec, fx, &(struct ofs__built){tmpl_find, &tc}, plan, ps.of, sp.mine, o, res, err);
		if (!rc) {
			res->interrupted = o->stop && *o->stop;
			rc = export_jsonl(&rec, res, err);
		}
		if (!rc && o->finished)
			o->finished(o->ud, rec.st);
	}
	if (rc && rec.st && !ofs_store_commit(rec.st)) {
		/* Keep what finished before the failure, and rollouts.jsonl in step with it. */
		char e2[OFS_ERRLEN];
		export_jsonl(&rec, res, e2);
	}
	tmpl_cache_free(&tc);
	close_providers(&ps);
	free(sp.mine);
	ofs_store_close(rec.st);
	ofs_fixtures_free(fx);
	ofs__recorder_release(&rec);
	return rc;
}
