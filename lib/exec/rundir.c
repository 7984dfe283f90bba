/* rundir.c — a run directory held open for rollouts driven outside the
 * agent loop (the harness's agent CLIs): the same store, recorder and
 * rollouts.jsonl as ofs_run (run.h). */
#include "offswitch/run.h"
#include "exec/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ofs_rundir {
	struct ofs_recorder rec;
	const struct ofs_plan *plan;
	long long *cid; /* per configuration */
};

int ofs_rundir_open(struct ofs_rundir **out, const struct ofs_plan *plan, const struct ofs_run_opts *o, const char *harness,
                    char *err)
{
	*out = NULL;
	struct ofs_rundir *d = ofs_xcalloc(1, sizeof *d);
	d->plan = plan;
	d->rec.out_dir = o->out_dir;
	d->rec.write_transcripts = o->write_transcripts;
	d->rec.harness = harness;
	d->cid = ofs_xcalloc((size_t)plan->n + 1, sizeof *d->cid);
	int e = ofs__mkdirs(o->out_dir, err);
	if (!e)
		e = ofs_store_open(&d->rec.st, o->store ? o->store : o->out_dir, err);
	if (!e && (e = ofs_store_begin_run(d->rec.st, o->command ? o->command : "", (long)plan->n * (o->reps > 0 ? o->reps : 1))))
		e = ofs__store_err(d->rec.st, e, err);
	for (int i = 0; !e && i < plan->n; i++)
		if ((e = ofs_store_config(d->rec.st, &plan->cfgs[i], &d->cid[i])))
			e = ofs__store_err(d->rec.st, e, err);
	if (!e && (e = ofs_store_commit(d->rec.st)))
		e = ofs__store_err(d->rec.st, e, err);
	if (e) {
		ofs_store_close(d->rec.st);
		ofs__recorder_release(&d->rec);
		free(d->cid);
		free(d);
		return e;
	}
	*out = d;
	return 0;
}

int ofs_rundir_done(struct ofs_rundir *d, int i, unsigned char *done, int reps, char *err)
{
	if (i < 0 || i >= d->plan->n)
		return ofs_fail(err, OFS_EINVAL, "configuration %d is not in the plan", i);
	int e = ofs_store_done(d->rec.st, d->cid[i], done, reps);
	return e ? ofs__store_err(d->rec.st, e, err) : 0;
}

int ofs_rundir_record(struct ofs_rundir *d, int i, int rep, const struct ofs_loop *L, const char *status, char *err)
{
	if (i < 0 || i >= d->plan->n)
		return ofs_fail(err, OFS_EINVAL, "configuration %d is not in the plan", i);
	return ofs__record(&d->rec, &d->plan->cfgs[i], d->cid[i], rep, L, status, 0, err);
}

int ofs_rundir_commit(struct ofs_rundir *d, char *err)
{
	int e = ofs_store_commit(d->rec.st);
	return e ? ofs__store_err(d->rec.st, e, err) : 0;
}

int ofs_rundir_close(struct ofs_rundir *d, long *recorded, char *err)
{
	if (!d)
		return 0;
	int e = ofs_store_commit(d->rec.st);
	if (e)
		e = ofs__store_err(d->rec.st, e, err);
	long n = 0;
	char path[4200];
	snprintf(path, sizeof path, "%s/rollouts.jsonl", d->rec.out_dir);
	if (!e && (e = ofs_store_export_jsonl(d->rec.st, path, &n)))
		e = ofs__store_err(d->rec.st, e, err);
	if (recorded)
		*recorded = n;
	ofs_store_close(d->rec.st);
	ofs__recorder_release(&d->rec);
	free(d->cid);
	free(d);
	return e;
}
