/* replay.c — re-execute recorded rollouts from their stored model responses
 * (no network): `offswitch replay` into a new directory, `offswitch rescore`
 * in place. Tools are deterministic and the clock is fixed, so the same
 * responses rebuild the same world, transcript and outcomes. A replay killed
 * half way is completed by running it again: the output's first run names its
 * source, and rollouts already recorded there are kept. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "offswitch/fs.h"
#include "offswitch/run.h"
#include "exec/pipeline.h"
#include "exec/record.h"

/* Rollouts recorded between two commits (each synced first when transcripts
 * are written): a replay is re-run for free, so it batches like a run. */
#define REPLAY_COMMIT_EVERY 4096

#define REPLAY_CMD "offswitch replay --from " /* + the source's real path: the output's first run */

/* One rebuilt configuration per distinct config key. */
struct cfg_cache {
	char *key;
	struct ofs_config c;
	struct ofs_tmpl *t;
	long long cid;       /* in the output store */
	unsigned char *done; /* resuming: done[rep] = already recorded in the output */
};

struct replay {
	const struct ofs_catalog *cat;
	struct ofs_store *src;
	struct ofs_recorder rec;
	int in_place;
	int resume; /* the output is this source's earlier, unfinished replay */
	int maxrep; /* the highest rep of the source (sizes done[]) */
	long kept;  /* rollouts kept from the earlier replay */
	struct ofs_fixtures *fx;
	struct ofs__pipe *pp;  /* while replay_each runs */
	struct cfg_cache **cc; /* each apart: rollouts in flight point into them */
	int ncc, capcc;
};

/* May the replay of source `want` write into out? 0 (a new output, or this
 * source's earlier replay: x->resume), or OFS_ESTATE when out is the source
 * or holds another run's database. Nothing is written. */
static int check_out(struct replay *x, const char *from, const char *out, const char *want, char *err)
{
	char db[OFS_PATH_MAX + 16], srcdb[OFS_PATH_MAX + 16], cmd[OFS_PATH_MAX + 64];
	snprintf(db, sizeof db, "%s/offswitch.db", out);
	snprintf(srcdb, sizeof srcdb, "%s/offswitch.db", from);
	if (!strcmp(out, from) || ofs_same_file(out, from) || ofs_same_file(db, srcdb))
		return ofs_fail(err, OFS_ESTATE,
		                "replay needs a new directory for its output (use rescore to update %s in place)", from);
	if (!ofs_same_file(db, db)) /* no database yet */
		return 0;
	struct ofs_store *o;
	int e = ofs_store_open_ro(&o, out, err);
	if (e == OFS_ENOTFOUND) /* an empty database, left by a replay killed at once: ours to fill */
		return 0;
	if (e)
		return e;
	int n = ofs_store_first_run(o, cmd, sizeof cmd);
	struct ofs_rollout_ref *refs = NULL;
	long nrefs = 0;
	if (n == 0 && (e = ofs_store_rollouts(o, &refs, &nrefs)))
		n = e;
	ofs_store_refs_free(refs, nrefs);
	if (n < 0)
		e = ofs_fail(err, n, "%s", ofs_store_errmsg(o));
	else if (n == 1 && strcmp(cmd, want))
		e = ofs_fail(err, OFS_ESTATE, "%s holds another run's database (made by '%.200s'); replay needs a new directory",
		             out, cmd);
	else if (n == 0 && nrefs)
		e = ofs_fail(err, OFS_ESTATE, "%s holds another run's database; replay needs a new directory", out);
	x->resume = n == 1 && !e;
	ofs_store_close(o);
	return e;
}

/* Whether the run directory dir holds a database with something in it. */
static int has_db(const char *dir)
{
	char db[OFS_PATH_MAX + 16];
	struct stat sb;
	snprintf(db, sizeof db, "%s/offswitch.db", dir);
	return !stat(db, &sb) && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

/* The source store and the recorder's output store. */
static int open_stores(struct replay *x, const char *from, const char *out, char *err)
{
	int e;
	if (out) {
		char real[PATH_MAX], want[PATH_MAX + 64];
		if ((e = ofs_store_open_ro(&x->src, from, err)))
			return e;
		if (!ofs_store_is_dir(from)) /* a database URL: named as shown, without its password */
			ofs_store_display(from, real, sizeof real);
		else if (!realpath(from, real))
			return ofs_fail(err, OFS_EIO, "cannot resolve %s", from);
		snprintf(want, sizeof want, REPLAY_CMD "%s", real);
		if ((e = check_out(x, from, out, want, err)))
			return e;
		if ((e = ofs__mkdirs(out, err)) || (e = ofs_store_open(&x->rec.st, out, err)))
			return e;
		if (!x->resume && ((e = ofs_store_begin_run(x->rec.st, want, 0)) || (e = ofs_store_commit(x->rec.st))))
			return ofs__store_err(x->rec.st, e, err);
		return 0;
	}
	if (!ofs_store_is_dir(from)) { /* the transcripts and rollouts.jsonl go into the run's directory */
		char shown[PATH_MAX];
		ofs_store_display(from, shown, sizeof shown); /* without its password */
		return ofs_fail(err, OFS_EINVAL,
		                "%s is a shared store, not a run directory: gather it into one with offswitch replay --from URL "
		                "--out DIR",
		                shown);
	}
	if (!has_db(from)) { /* not a run directory: the read-only open says so, creating nothing */
		if ((e = ofs_store_open_ro(&x->src, from, err)))
			return e;
		ofs_store_close(x->src);
		x->src = NULL;
	}
	if ((e = ofs_store_open(&x->rec.st, from, err)))
		return e;
	/* The stored turns through a handle of their own (opened after any
	 * migration): this thread reads them while the pipeline's row thread
	 * writes through rec.st. The turns are never rewritten in place. */
	return ofs_store_open_beside(&x->src, from, err);
}

/* The rebuilt configuration of key, built on first use. */
static int config_for(struct replay *x, const char *key, struct cfg_cache **out, char *err)
{
	for (int k = 0; k < x->ncc; k++)
		if (!strcmp(x->cc[k]->key, key)) {
			*out = x->cc[k];
			return 0;
		}
	if (x->ncc == x->capcc) {
		x->capcc = x->capcc ? x->capcc * 2 : 64;
		x->cc = ofs_xrealloc(x->cc, sizeof *x->cc * (size_t)x->capcc);
	}
	struct cfg_cache *c = ofs_xcalloc(1, sizeof *c);
	if (ofs_config_from_key(x->cat, key, &c->c, err)) {
		free(c);
		return OFS_EDATA;
	}
	x->cc[x->ncc++] = c;
	c->key = ofs_xstrdup(key);
	if (!(c->t = ofs_tmpl_build(x->fx, &c->c, err)))
		return OFS_EDATA;
	c->c.tmpl = c->t;
	if (x->pp)
		ofs__pipe_lock(x->pp); /* the row thread writes through the same handle */
	int e = x->in_place ? 0 : ofs_store_config(x->rec.st, &c->c, &c->cid);
	if (!e && x->resume) {
		c->done = ofs_xcalloc((size_t)x->maxrep + 1, 1);
		e = ofs_store_done(x->rec.st, c->cid, c->done, x->maxrep + 1);
	}
	if (x->pp)
		ofs__pipe_unlock(x->pp);
	if (e)
		return ofs__store_err(x->rec.st, e, err);
	*out = c;
	return 0;
}

/* Replay one recorded rollout into a slot of the pipeline and hand it to
 * the writers; one recorded by an earlier replay is only checked. */
static int replay_one(struct replay *x, struct ofs__pipe *pp, const struct ofs_rollout_ref *ref, struct ofs_run_result *res,
                      char *err)
{
	struct cfg_cache *c = NULL;
	int e = config_for(x, ref->key, &c, err);
	if (e)
		return e;
	struct ofs__slot *s = ofs__pipe_slot(pp);
	if (!s) /* a writer failed */
		return ofs__pipe_drain(pp, err);
	struct ofs_response *turns;
	int nturns;
	if ((e = ofs_store_turns(x->src, ref->id, s->A, &turns, &nturns)))
		return ofs__store_err(x->src, e, err);
	const struct ofs_tmpl *t = ofs__slot_tmpl(s, c->t, &c->c);
	int used = ofs__loop_replay(&x->rec, &s->L, t, c->c.max_iters, s->A, turns, nturns);
	int ok = !strcmp(ref->status, "ok");
	/* A rollout that ended early (error, budget) stops where its record stops. */
	if (!s->L.done && !ok)
		ofs_loop_abort(&s->L, ref->status);
	if ((ok && !s->L.done) || used != nturns)
		res->errors++; /* diverged: the loop and the record disagree */
	if (c->done && ref->rep >= 0 && ref->rep <= x->maxrep && c->done[ref->rep]) {
		x->kept++; /* recorded by the earlier replay, transcript included */
		ofs_loop_release(&s->L);
		return 0;
	}
	s->c = &c->c;
	s->cid = x->in_place ? 0 : c->cid;
	s->rid = x->in_place ? ref->id : 0;
	s->rep = ref->rep;
	s->status = ref->status; /* the refs outlive the pipeline */
	ofs__record_prepare(&x->rec, &c->c, ref->rep, &s->L, ref->status, &s->pr);
	ofs__pipe_push(pp, s);
	res->done++;
	return 0;
}

/* Every recorded rollout, in id order: re-executed on this thread, recorded
 * (and its transcript written) on the pipeline's, a commit every
 * REPLAY_COMMIT_EVERY. */
static int replay_each(struct replay *x, const struct ofs_rollout_ref *refs, long nrefs, struct ofs_run_result *res, char *err)
{
	struct ofs__pipe *pp;
	int e = ofs__pipe_open(&pp, &x->rec, REPLAY_COMMIT_EVERY, err);
	if (e)
		return e;
	x->pp = pp;
	for (long i = 0; i < nrefs && !e; i++)
		e = replay_one(x, pp, &refs[i], res, err);
	x->pp = NULL;
	return ofs__pipe_finish(pp, e, err);
}

static int replay_all(struct replay *x, struct ofs_run_result *res, char *err)
{
	struct ofs_rollout_ref *refs = NULL;
	long nrefs = 0;
	int e = ofs_store_rollouts(x->src, &refs, &nrefs);
	if (e)
		return ofs__store_err(x->src, e, err);
	res->total = nrefs;
	for (long i = 0; i < nrefs; i++)
		if (refs[i].rep > x->maxrep)
			x->maxrep = refs[i].rep;
	e = replay_each(x, refs, nrefs, res, err);
	ofs_store_refs_free(refs, nrefs);
	res->skipped = x->kept;
	if (e)
		return e;
	char path[4096];
	snprintf(path, sizeof path, "%s/rollouts.jsonl", x->rec.out_dir);
	if ((e = ofs_store_export_jsonl(x->rec.st, path, &res->recorded)))
		return ofs__store_err(x->rec.st, e, err);
	return 0;
}

/* ofs_replay and ofs_export; renumber: the paper layout's folders numbered
 * from 0 whatever is on disk (an export rewrites them all). */
static int replay_main(const struct ofs_catalog *cat, const char *from, const char *out, int write_transcripts, int renumber,
                       struct ofs_run_result *res, char *err)
{
	memset(res, 0, sizeof *res);
	struct replay x = {.cat = cat,
	                   .rec = {.out_dir = out ? out : from,
	                           .write_transcripts = write_transcripts,
	                           .data_dir = cat->data_dir,
	                           .paper_renumber = renumber},
	                   .in_place = !out,
	                   .fx = ofs_fixtures_new(cat)};
	int rc = open_stores(&x, from, out, err);
	if (!rc)
		rc = replay_all(&x, res, err);
	for (int k = 0; k < x.ncc; k++) {
		free(x.cc[k]->key);
		free(x.cc[k]->done);
		x.cc[k]->c.tmpl = NULL;
		ofs_tmpl_free(x.cc[k]->t);
		ofs_config_release(&x.cc[k]->c);
		free(x.cc[k]);
	}
	free(x.cc);
	if (x.src != x.rec.st)
		ofs_store_close(x.src);
	if (x.rec.st && rc)
		ofs_store_commit(x.rec.st);
	ofs_store_close(x.rec.st);
	ofs_fixtures_free(x.fx);
	ofs__recorder_release(&x.rec);
	return rc;
}

int ofs_replay(const struct ofs_catalog *cat, const char *from, const char *out, int write_transcripts,
               struct ofs_run_result *res, char *err)
{
	return replay_main(cat, from, out, write_transcripts, 0, res, err);
}

/* The longest first line of rollouts.jsonl read to find its layout. */
#define LAYOUT_LINE_MAX (16u << 20)

/* The layout of the transcripts dir's rollouts.jsonl names (its first
 * line's "transcript": the paper's folders end in /none), or 0: none named
 * (no transcripts, or a first line over LAYOUT_LINE_MAX: not checked). */
static int layout_found(const char *dir)
{
	char path[OFS_PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/rollouts.jsonl", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	struct ofs_buf line = {0};
	int c;
	while ((c = getc(f)) != EOF && c != '\n' && line.len < LAYOUT_LINE_MAX)
		ofs_buf_putc(&line, (char)c);
	fclose(f);
	int found = 0;
	const char *t = line.p ? strstr(line.p, ",\"transcript\":\"transcripts/") : NULL;
	const char *v = t ? t + 15 : NULL, *q = v ? strchr(v, '"') : NULL; /* the path, up to its closing quote */
	if (q)
		found = memmem(v, (size_t)(q - v), "/none/transcript_", 17) ? OFS_TRANSCRIPTS_PAPER : OFS_TRANSCRIPTS_OFFSWITCH;
	ofs_buf_free(&line);
	return found;
}

int ofs_export(const struct ofs_catalog *cat, const char *dir, int layout, struct ofs_run_result *res, char *err)
{
	memset(res, 0, sizeof *res);
	if (layout != OFS_TRANSCRIPTS_OFFSWITCH && layout != OFS_TRANSCRIPTS_PAPER)
		return ofs_fail(err, OFS_EINVAL, "export writes the offswitch or the paper layout (got %d)", layout);
	int found = layout_found(dir);
	if (found && found != layout)
		return ofs_fail(err, OFS_ESTATE,
		                "%s's transcripts are in the %s layout: export rewrites them in that one (--layout %s); "
		                "for a copy in the other, use offswitch replay --from %s --out NEWDIR --layout %s",
		                dir, found == OFS_TRANSCRIPTS_PAPER ? "paper" : "offswitch",
		                found == OFS_TRANSCRIPTS_PAPER ? "paper" : "offswitch", dir,
		                layout == OFS_TRANSCRIPTS_PAPER ? "paper" : "offswitch");
	return replay_main(cat, dir, NULL, layout, 1, res, err);
}
