/* merge.c — `offswitch merge`: the directories of one plan's shards folded
 * into one run directory that equals a single run of the plan (run.h). The
 * rollouts are re-executed from their stored turns, as replay does, in
 * (configuration, rep) order: the order a single run records them in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/fs.h"
#include "offswitch/run.h"
#include "exec/record.h"

#define COMMIT_EVERY 512

struct input {
	const char *dir;
	struct ofs_store *st;
	struct ofs_shard_meta m;
	struct ofs_rollout_ref *refs;
	long nrefs;
	char **sums; /* [ref]: the summary line, for rollouts that overlap another input's */
};

/* One finished rollout of one input, at its place in the plan. */
struct entry {
	int pos, rep, in;
	long ref;
};

struct keypos {
	const char *key;
	int pos;
};

struct merge {
	const struct ofs_catalog *cat;
	struct input *in;
	int nin;
	char **keys; /* the plan's configuration keys, in order */
	int nkeys;
	struct keypos *bykey; /* keys sorted, for lookup */
	struct entry *ent;
	long nent;
	struct ofs_recorder rec;
	struct ofs_fixtures *fx;
	struct ofs_arena *A, *B;
};

static int cmp_keypos(const void *a, const void *b)
{
	return strcmp(((const struct keypos *)a)->key, ((const struct keypos *)b)->key);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	if (x->rep != y->rep)
		return x->rep < y->rep ? -1 : 1;
	return (x->in > y->in) - (x->in < y->in);
}

/* Each input: a shard of the same plan as the first, locked as its writer. */
static int open_inputs(struct merge *x, const char *const *dirs, char *err)
{
	for (int i = 0; i < x->nin; i++) {
		struct input *in = &x->in[i];
		in->dir = dirs[i];
		int e = ofs_shard_meta_read(in->dir, &in->m, err);
		if (e < 0)
			return e;
		if (!e)
			return ofs_fail(err, OFS_ESTATE,
			                "%s is not a shard directory (no " OFS_SHARD_META "): merge folds the directories of "
			                "offswitch run --shard I/N",
			                in->dir);
		for (int k = 0; k < i; k++)
			if (ofs_same_file(in->dir, x->in[k].dir))
				return ofs_fail(err, OFS_ESTATE, "%s is named twice (also as %s)", in->dir, x->in[k].dir);
		const struct ofs_shard_meta *a = &x->in[0].m, *b = &in->m;
		if (strcmp(a->plan, b->plan) || a->reps != b->reps || a->count != b->count)
			return ofs_fail(err, OFS_ESTATE,
			                "%s and %s are shards of different plans (%s/%d rep(s)/%d shards against "
			                "%s/%d/%d): merge folds the shards of one plan",
			                x->in[0].dir, in->dir, a->plan, a->reps, a->count, b->plan, b->reps, b->count);
		if (strcmp(a->version, b->version))
			return ofs_fail(err, OFS_ESTATE,
			                "%s was written by offswitch %s and %s by %s: merge shards of one version", x->in[0].dir,
			                a->version, in->dir, b->version);
		if ((e = ofs_store_open(&in->st, in->dir, err)))
			return e;
	}
	return 0;
}

static int add_key(void *ud, long long id, const char *key)
{
	struct merge *x = ud;
	(void)id;
	if (!(x->nkeys & (x->nkeys + 1)) || !x->keys) /* grow at 0, 1, 3, 7, ... */
		x->keys = ofs_xrealloc(x->keys, sizeof *x->keys * (size_t)(2 * x->nkeys + 2));
	x->keys[x->nkeys++] = ofs_xstrdup(key);
	return 0;
}

struct cmp_keys {
	char **keys;
	int n, at, differ;
};

static int same_key(void *ud, long long id, const char *key)
{
	struct cmp_keys *c = ud;
	(void)id;
	if (c->at >= c->n || strcmp(c->keys[c->at], key)) {
		c->differ = 1;
		return 1;
	}
	c->at++;
	return 0;
}

/* The plan's configurations from the first input; every other must hold the same, in the same order. */
static int load_keys(struct merge *x, char *err)
{
	int e = ofs_store_each_config(x->in[0].st, add_key, x);
	if (e)
		return ofs__store_err(x->in[0].st, e, err);
	for (int i = 1; i < x->nin; i++) {
		struct cmp_keys c = {x->keys, x->nkeys, 0, 0};
		if ((e = ofs_store_each_config(x->in[i].st, same_key, &c)))
			return ofs__store_err(x->in[i].st, e, err);
		if (c.differ || c.at != c.n)
			return ofs_fail(err, OFS_ESTATE, "%s and %s hold different plans (their configurations differ)",
			                x->in[0].dir, x->in[i].dir);
	}
	x->bykey = ofs_xcalloc((size_t)x->nkeys + 1, sizeof *x->bykey);
	for (int k = 0; k < x->nkeys; k++)
		x->bykey[k] = (struct keypos){x->keys[k], k};
	qsort(x->bykey, (size_t)x->nkeys, sizeof *x->bykey, cmp_keypos);
	return 0;
}

/* Every input's finished rollouts, in (configuration, rep, input) order. */
static int gather(struct merge *x, char *err)
{
	long cap = 0;
	for (int i = 0; i < x->nin; i++) {
		struct input *in = &x->in[i];
		int e = ofs_store_rollouts(in->st, &in->refs, &in->nrefs);
		if (e)
			return ofs__store_err(in->st, e, err);
		in->sums = ofs_xcalloc((size_t)in->nrefs + 1, sizeof *in->sums);
		for (long r = 0; r < in->nrefs; r++) {
			struct keypos k = {in->refs[r].key, 0}, *f;
			f = bsearch(&k, x->bykey, (size_t)x->nkeys, sizeof k, cmp_keypos);
			if (!f)
				return ofs_fail(err, OFS_ECORRUPT, "%s: rollout %lld names a configuration outside the plan",
				                in->dir, in->refs[r].id);
			if (x->nent == cap) {
				cap = cap ? cap * 2 : 1024;
				x->ent = ofs_xrealloc(x->ent, sizeof *x->ent * (size_t)cap);
			}
			x->ent[x->nent++] = (struct entry){f->pos, in->refs[r].rep, i, r};
		}
	}
	if (x->nent)
		qsort(x->ent, (size_t)x->nent, sizeof *x->ent, cmp_entry);
	return 0;
}

static int cmp_ref_id(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = ((const struct ofs_rollout_ref *)b)->id;
	return (x > y) - (x < y);
}

/* Keep the summary lines of the rollouts marked (sums[r] == "") in an input. */
static int pick_sum(void *ud, const struct ofs_store_record *r)
{
	struct input *in = ud;
	const struct ofs_rollout_ref *f = bsearch(&r->id, in->refs, (size_t)in->nrefs, sizeof *in->refs, cmp_ref_id);
	if (f && in->sums[f - in->refs]) {
		free(in->sums[f - in->refs]);
		in->sums[f - in->refs] = ofs_xstrdup(r->summary ? r->summary : "");
	}
	return 0;
}

/* The summary lines of every rollout that overlaps another input's. */
static int load_overlap_sums(struct merge *x, long *overlaps, char *err)
{
	*overlaps = 0;
	for (long k = 1; k < x->nent; k++) {
		struct entry *a = &x->ent[k - 1], *b = &x->ent[k];
		if (a->pos == b->pos && a->rep == b->rep) {
			for (struct entry *e = a; e <= b; e++)
				if (!x->in[e->in].sums[e->ref])
					x->in[e->in].sums[e->ref] = ofs_xstrdup("");
			++*overlaps;
		}
	}
	for (int i = 0; i < x->nin && *overlaps; i++) {
		int e = ofs_store_records(x->in[i].st, pick_sum, &x->in[i]);
		if (e)
			return ofs__store_err(x->in[i].st, e, err);
	}
	return 0;
}

static int streq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b)) || (!a && b && !*b) || (!b && a && !*a);
}

static int same_turns(const struct ofs_response *a, int na, const struct ofs_response *b, int nb)
{
	if (na != nb)
		return 0;
	for (int t = 0; t < na; t++) {
		if (!streq(a[t].content, b[t].content) || !streq(a[t].reasoning, b[t].reasoning) || a[t].ncalls != b[t].ncalls ||
		    a[t].in_tokens != b[t].in_tokens || a[t].out_tokens != b[t].out_tokens)
			return 0;
		for (int c = 0; c < a[t].ncalls; c++)
			if (!streq(a[t].calls[c].id, b[t].calls[c].id) || !streq(a[t].calls[c].name, b[t].calls[c].name) ||
			    !streq(a[t].calls[c].arguments, b[t].calls[c].arguments))
				return 0;
	}
	return 1;
}

/* Two records of one rollout: 1 the same (status, turns, summary), 0 not, or an OFS_E* code. */
static int same_record(struct merge *x, const struct entry *a, const struct entry *b, char *err)
{
	const struct input *ia = &x->in[a->in], *ib = &x->in[b->in];
	const struct ofs_rollout_ref *ra = &ia->refs[a->ref], *rb = &ib->refs[b->ref];
	if (strcmp(ra->status, rb->status) || !streq(ia->sums[a->ref], ib->sums[b->ref]))
		return 0;
	struct ofs_response *ta, *tb;
	int na, nb, e;
	ofs_arena_reset(x->A);
	ofs_arena_reset(x->B);
	if ((e = ofs_store_turns(ia->st, ra->id, x->A, &ta, &na)))
		return ofs__store_err(ia->st, e, err);
	if ((e = ofs_store_turns(ib->st, rb->id, x->B, &tb, &nb)))
		return ofs__store_err(ib->st, e, err);
	return same_turns(ta, na, tb, nb);
}

/* Drop the second of every agreeing pair; refuse a pair that disagrees. */
static int dedupe(struct merge *x, struct ofs_merge_result *res, char *err)
{
	long overlaps, w = 0;
	int e = load_overlap_sums(x, &overlaps, err);
	if (e)
		return e;
	for (long k = 0; k < x->nent; k++) {
		struct entry *b = &x->ent[k];
		if (w > 0 && x->ent[w - 1].pos == b->pos && x->ent[w - 1].rep == b->rep) {
			struct entry *a = &x->ent[w - 1];
			int same = same_record(x, a, b, err);
			if (same < 0)
				return same;
			if (!same)
				return ofs_fail(err, OFS_ESTATE,
				                "%s and %s both recorded rollout %s rep %d, differently (status %s / %s, or "
				                "their turns or outcomes): merge refuses to choose",
				                x->in[a->in].dir, x->in[b->in].dir, x->keys[b->pos], b->rep,
				                x->in[a->in].refs[a->ref].status, x->in[b->in].refs[b->ref].status);
			res->duplicates++;
			continue;
		}
		x->ent[w++] = *b;
	}
	x->nent = w;
	return 0;
}

/* out: a new directory, none of the inputs; the plan's configurations registered in order. */
static int open_out(struct merge *x, const char *out, long long *cid, struct ofs_config *cfgs, char *err)
{
	char db[OFS_PATH_MAX + 16];
	snprintf(db, sizeof db, "%s/offswitch.db", out);
	for (int i = 0; i < x->nin; i++)
		if (ofs_same_file(out, x->in[i].dir) || !strcmp(out, x->in[i].dir))
			return ofs_fail(err, OFS_ESTATE, "the output %s is one of the inputs: merge into a new directory", out);
	if (ofs_same_file(db, db))
		return ofs_fail(err, OFS_ESTATE, "%s holds a run already (%s): merge into a new directory", out, db);
	int e = ofs__mkdirs(out, err);
	if (e || (e = ofs_store_open(&x->rec.st, out, err)))
		return e;
	struct ofs_buf cmd = {0};
	ofs_buf_printf(&cmd, "offswitch merge %s", out);
	for (int i = 0; i < x->nin; i++)
		ofs_buf_printf(&cmd, " %s", x->in[i].dir);
	e = ofs_store_begin_run(x->rec.st, cmd.p, x->in[0].m.plan_rollouts);
	ofs_buf_free(&cmd);
	for (int k = 0; k < x->nkeys && !e; k++) {
		if (ofs_config_from_key(x->cat, x->keys[k], &cfgs[k], err))
			return OFS_EDATA;
		e = ofs_store_config(x->rec.st, &cfgs[k], &cid[k]);
	}
	if (!e)
		e = ofs_store_commit(x->rec.st);
	return e ? ofs__store_err(x->rec.st, e, err) : 0;
}

/* Re-execute one input's rollout from its stored turns and record it in out. */
static int replay_into(struct merge *x, const struct entry *en, struct ofs_config *c, long long cid, struct ofs_merge_result *res,
                       char *err)
{
	const struct input *in = &x->in[en->in];
	const struct ofs_rollout_ref *ref = &in->refs[en->ref];
	struct ofs_response *turns;
	int nturns, e;
	ofs_arena_reset(x->A);
	if ((e = ofs_store_turns(in->st, ref->id, x->A, &turns, &nturns)))
		return ofs__store_err(in->st, e, err);
	struct ofs_loop L;
	int used = ofs__loop_replay(&x->rec, &L, c->tmpl, c->max_iters, x->A, turns, nturns);
	int ok = !strcmp(ref->status, "ok");
	if (!L.done && !ok) /* ended early (error, budget): stop where the record stops */
		ofs_loop_abort(&L, ref->status);
	if ((ok && !L.done) || used != nturns)
		res->diverged++;
	e = ofs__record(&x->rec, c, cid, ref->rep, &L, ref->status, 0, err);
	ofs_loop_release(&L);
	return e;
}

/* Every kept rollout, in order, into out; then out's rollouts.jsonl. */
static int write_out(struct merge *x, struct ofs_config *cfgs, const long long *cid, struct ofs_merge_result *res, char *err)
{
	int e = 0, built = -1;
	struct ofs_tmpl *t = NULL;
	for (long k = 0; k < x->nent && !e; k++) {
		const struct entry *en = &x->ent[k];
		if (en->pos != built) {
			if (built >= 0)
				cfgs[built].tmpl = NULL;
			ofs_tmpl_free(t);
			if (!(t = ofs_tmpl_build(x->fx, &cfgs[en->pos], err))) {
				e = OFS_EDATA;
				break;
			}
			built = en->pos;
			cfgs[built].tmpl = t;
		}
		e = replay_into(x, en, &cfgs[en->pos], cid[en->pos], res, err);
		if (!e && ++res->rollouts % COMMIT_EVERY == 0 && (e = ofs_store_commit(x->rec.st)))
			e = ofs__store_err(x->rec.st, e, err);
	}
	if (built >= 0)
		cfgs[built].tmpl = NULL;
	ofs_tmpl_free(t);
	if (e)
		return e;
	char path[OFS_PATH_MAX + 32];
	long recorded;
	snprintf(path, sizeof path, "%s/rollouts.jsonl", x->rec.out_dir);
	if ((e = ofs_store_export_jsonl(x->rec.st, path, &recorded)))
		return ofs__store_err(x->rec.st, e, err);
	return 0;
}

/* Which shards were given, and how much of the plan is in none. */
static void tally(const struct merge *x, struct ofs_merge_result *res)
{
	int count = x->in[0].m.count;
	unsigned char *seen = ofs_xcalloc((size_t)count, 1);
	for (int i = 0; i < x->nin; i++)
		if (!seen[x->in[i].m.index]++)
			res->shards_given++;
	free(seen);
	res->shard_count = count;
	snprintf(res->plan, sizeof res->plan, "%s", x->in[0].m.plan);
	res->missing = x->in[0].m.plan_rollouts - x->nent;
}

static void merge_free(struct merge *x)
{
	for (int i = 0; i < x->nin; i++) {
		for (long r = 0; x->in[i].sums && r < x->in[i].nrefs; r++)
			free(x->in[i].sums[r]);
		free(x->in[i].sums);
		ofs_store_refs_free(x->in[i].refs, x->in[i].nrefs);
		ofs_store_close(x->in[i].st);
	}
	free(x->in);
	for (int k = 0; k < x->nkeys; k++)
		free(x->keys[k]);
	free(x->keys);
	free(x->bykey);
	free(x->ent);
	ofs_fixtures_free(x->fx);
	ofs_arena_free(x->A);
	ofs_arena_free(x->B);
}

int ofs_merge(const struct ofs_catalog *cat, const char *out, const char *const *dirs, int ndirs, int write_transcripts,
              struct ofs_merge_result *res, char *err)
{
	memset(res, 0, sizeof *res);
	if (ndirs < 1 || ndirs > OFS_MERGE_MAX_DIRS)
		return ofs_fail(err, OFS_EINVAL, "merge takes 1 to %d directories, not %d", OFS_MERGE_MAX_DIRS, ndirs);
	struct merge x = {.cat = cat,
	                  .nin = ndirs,
	                  .in = ofs_xcalloc((size_t)ndirs, sizeof *x.in),
	                  .rec = {.out_dir = out, .write_transcripts = write_transcripts, .data_dir = cat->data_dir},
	                  .fx = ofs_fixtures_new(cat),
	                  .A = ofs_arena_new(256 * 1024),
	                  .B = ofs_arena_new(256 * 1024)};
	struct ofs_config *cfgs = NULL;
	long long *cid = NULL;
	int e = open_inputs(&x, dirs, err);
	if (!e)
		e = load_keys(&x, err);
	if (!e)
		e = gather(&x, err);
	if (!e)
		e = dedupe(&x, res, err);
	if (!e) {
		cfgs = ofs_xcalloc((size_t)x.nkeys + 1, sizeof *cfgs);
		cid = ofs_xcalloc((size_t)x.nkeys + 1, sizeof *cid);
		e = open_out(&x, out, cid, cfgs, err);
	}
	if (!e)
		e = write_out(&x, cfgs, cid, res, err);
	if (!e)
		tally(&x, res);
	if (x.rec.st && e)
		ofs_store_commit(x.rec.st);
	ofs_store_close(x.rec.st);
	ofs__recorder_release(&x.rec);
	for (int k = 0; cfgs && k < x.nkeys; k++)
		ofs_config_release(&cfgs[k]);
	free(cfgs);
	free(cid);
	merge_free(&x);
	return e;
}
