/* replay.c — re-execute recorded rollouts from their stored model responses
 * (no network): `offswitch replay` into a new directory, `offswitch rescore`
 * in place. Tools are deterministic and the clock is fixed, so the same
 * responses rebuild the same world, transcript and outcomes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/store.h"
#include "exec/run_priv.h"

struct cfg_cache {
	char *key;
	struct ofs_config c;
	struct ofs_tmpl *t;
	long long cid; /* in the output store */
};

int ofs_replay(const struct ofs_catalog *cat, const char *from, const char *out, int write_transcripts,
               struct ofs_run_result *res, char *err)
{
	memset(res, 0, sizeof *res);
	int rc = OFS_EIO;
	struct ofs_store *src = NULL;
	struct ofs_recorder rec = {.out_dir = out ? out : from, .write_transcripts = write_transcripts};
	struct ofs_rollout_ref *refs = NULL;
	long nrefs = 0;
	struct cfg_cache *cc = NULL;
	int ncc = 0, capcc = 0;
	struct ofs_fixtures *fx = ofs_fixtures_new(cat);
	struct ofs_arena *A = ofs_arena_new(256 * 1024);
	char path[4096];
	if (out) {
		if (ofs_store_open_ro(&src, from, err))
			goto out;
		if (!strcmp(out, from)) {
			snprintf(err, OFS_ERRLEN,
			         "replay needs a new directory for its output (use rescore to update %s in place)", from);
			goto out;
		}
		if (ofs__mkdirs(out, err) || ofs_store_open(&rec.st, out, err) ||
		    ofs_store_begin_run(rec.st, "offswitch replay", 0, err))
			goto out;
	} else {
		if (ofs_store_open_ro(&src, from, err)) /* proves it is a run directory */
			goto out;
		ofs_store_close(src);
		src = NULL;
		if (ofs_store_open(&rec.st, from, err))
			goto out;
		src = rec.st;
	}
	if (ofs_store_rollouts(src, &refs, &nrefs, err))
		goto out;
	res->total = nrefs;
	for (long i = 0; i < nrefs; i++) {
		struct cfg_cache *x = NULL;
		for (int k = 0; k < ncc && !x; k++)
			if (!strcmp(cc[k].key, refs[i].key))
				x = &cc[k];
		if (!x) {
			if (ncc == capcc) {
				capcc = capcc ? capcc * 2 : 64;
				cc = ofs_xrealloc(cc, sizeof *cc * (size_t)capcc);
			}
			x = &cc[ncc];
			memset(x, 0, sizeof *x);
			if (ofs_config_from_key(cat, refs[i].key, &x->c, err)) {
				rc = OFS_EDATA;
				goto out;
			}
			ncc++;
			x->key = ofs_xstrdup(refs[i].key);
			if (!(x->t = ofs_tmpl_build(fx, &x->c, err))) {
				rc = OFS_EDATA;
				goto out;
			}
			x->c.tmpl = x->t;
			if (out && ofs_store_config(rec.st, &x->c, &x->cid, err))
				goto out;
		}
		ofs_arena_reset(A);
		struct ofs_response *turns;
		int nturns;
		if (ofs_store_turns(src, refs[i].id, A, &turns, &nturns, err))
			goto out;
		struct ofs_loop L;
		ofs_loop_start(&L, x->t, x->c.max_iters, A);
		int used = 0;
		while (!L.done && used < nturns)
			ofs_loop_feed(&L, &turns[used++]);
		int ok = !strcmp(refs[i].status, "ok");
		/* A rollout that ended early (error, budget) stops where its record stops. */
		if (!L.done && !ok)
			ofs_loop_abort(&L, refs[i].status);
		if ((ok && !L.done) || used != nturns)
			res->errors++; /* diverged: the loop and the record disagree */
		int e = ofs__record(&rec, &x->c, out ? x->cid : 0, refs[i].rep, &L, refs[i].status, out ? 0 : refs[i].id, err);
		ofs_loop_release(&L);
		if (e) {
			rc = e;
			goto out;
		}
		res->done++;
		if (res->done % 512 == 0 && ofs_store_commit(rec.st, err))
			goto out;
	}
	snprintf(path, sizeof path, "%s/rollouts.jsonl", rec.out_dir);
	if (ofs_store_export_jsonl(rec.st, path, &res->recorded, err))
		goto out;
	rc = 0;
out:
	ofs_store_refs_free(refs, nrefs);
	for (int k = 0; k < ncc; k++) {
		free(cc[k].key);
		cc[k].c.tmpl = NULL;
		ofs_tmpl_free(cc[k].t);
		ofs_config_release(&cc[k].c);
	}
	free(cc);
	if (src && src != rec.st)
		ofs_store_close(src);
	if (rec.st && rc) {
		char e2[OFS_ERRLEN];
		ofs_store_commit(rec.st, e2);
	}
	ofs_store_close(rec.st);
	ofs_fixtures_free(fx);
	ofs_arena_free(A);
	ofs_buf_free(&rec.tr);
	ofs_buf_free(&rec.sum);
	ofs_buf_free(&rec.evj);
	return rc;
}
