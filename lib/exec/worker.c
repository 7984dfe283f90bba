/* worker.c — a plan's rollouts shared by many processes through a store's
 * work queue (store.h): ofs_enqueue writes the plan as pending rows;
 * ofs_worker claims a batch (SELECT ... FOR UPDATE SKIP LOCKED in the
 * store), rebuilds its configurations from their keys, runs it through
 * ofs__run_batch (the path ofs_run takes) and settles each claim. A
 * heartbeat thread with its own connection keeps the worker's lease alive
 * and passes a stop asked in the store on to the run. */
#include "offswitch/run.h"
#include "exec/run_priv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int ofs_enqueue(const struct ofs_plan *plan, const struct ofs_run_opts *o, long *queued, long *added, char *err)
{
	struct ofs_store *st;
	int reps = o->reps > 0 ? o->reps : 1;
	*queued = *added = 0;
	int e = ofs_store_open(&st, o->store, err);
	if (e)
		return e;
	e = ofs_store_begin_run(st, o->command ? o->command : "", (long)plan->n * reps);
	for (int i = 0; !e && i < plan->n; i++) {
		long long cid;
		long k = 0;
		if (!(e = ofs_store_config(st, &plan->cfgs[i], &cid)) && !(e = ofs_store_commit(st)) &&
		    !(e = ofs_store_enqueue(st, cid, reps, &k))) {
			*added += k;
			*queued += reps;
		}
	}
	if (e)
		ofs__store_err(st, e, err);
	ofs_store_close(st);
	return e;
}

/* The heartbeat thread's state (shared with the worker under mu). */
struct beat {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int quit, failures;
	struct ofs_store *st; /* the thread's own connection */
	long long wid;
	int lease_s;
	volatile sig_atomic_t *caller_stop; /* the caller's flag (signals), read */
	volatile sig_atomic_t stop;         /* what the run reads: caller's or the store's stop */
	int store_stop;
};

static void *beat_main(void *arg)
{
	struct beat *b = arg;
	long period_ms = b->lease_s * 1000L / 3, waited = period_ms;
	pthread_mutex_lock(&b->mu);
	while (!b->quit) {
		if (b->caller_stop && *b->caller_stop > b->stop)
			b->stop = *b->caller_stop;
		if (waited >= period_ms) {
			waited = 0;
			int stop = 0;
			pthread_mutex_unlock(&b->mu);
			int e = ofs_store_heartbeat(b->st, b->wid, &stop);
			pthread_mutex_lock(&b->mu);
			b->failures = e ? b->failures + 1 : 0;
			if (stop && !b->stop) {
				b->store_stop = 1;
				b->stop = 1;
			}
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&b->cv, &b->mu, &ts);
		waited += 200;
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

static int beat_start(struct beat *b, const struct ofs_worker_opts *o, long long wid, char *err)
{
	int e = ofs_store_open(&b->st, o->run.store, err);
	if (e)
		return e;
	b->wid = wid;
	b->lease_s = o->lease_s;
	b->caller_stop = o->run.stop;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	if (pthread_create(&b->th, NULL, beat_main, b)) {
		ofs_store_close(b->st);
		b->st = NULL;
		return ofs_fail(err, OFS_EIO, "cannot start the heartbeat thread");
	}
	return 0;
}

static void beat_stop(struct beat *b)
{
	if (!b->st)
		return;
	pthread_mutex_lock(&b->mu);
	b->quit = 1;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->th, NULL);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	ofs_store_close(b->st);
	b->st = NULL;
}

/* A batch of claims as a plan: its distinct configurations rebuilt from
 * their keys, reps enough for the highest rep, mine marking the claims. */
struct batch {
	struct ofs_plan plan;
	int reps;
	unsigned char *mine;
	long long *cid; /* per configuration */
};

static void batch_release(struct batch *b)
{
	for (int i = 0; i < b->plan.n; i++)
		ofs_config_release(&b->plan.cfgs[i]);
	free(b->plan.cfgs);
	free(b->mine);
	free(b->cid);
	memset(b, 0, sizeof *b);
}

static int batch_build(struct batch *b, const struct ofs_catalog *cat, const struct ofs_claim *c, int n, char *err)
{
	b->plan.cfgs = ofs_xcalloc((size_t)n, sizeof *b->plan.cfgs);
	b->cid = ofs_xcalloc((size_t)n, sizeof *b->cid);
	int *ci = ofs_xcalloc((size_t)n, sizeof *ci);
	for (int k = 0; k < n; k++) {
		int i = 0;
		while (i < b->plan.n && b->cid[i] != c[k].config_id)
			i++;
		if (i == b->plan.n) {
			if (ofs_config_from_key(cat, c[k].key, &b->plan.cfgs[i], err)) {
				free(ci);
				return OFS_EDATA;
			}
			b->cid[i] = c[k].config_id;
			b->plan.n++;
		}
		ci[k] = i;
		if (c[k].rep + 1 > b->reps)
			b->reps = c[k].rep + 1;
	}
	b->mine = ofs_xcalloc((size_t)b->plan.n * (size_t)b->reps + 1, 1);
	for (int k = 0; k < n; k++)
		b->mine[(size_t)ci[k] * (size_t)b->reps + (size_t)c[k].rep] = 1;
	free(ci);
	return 0;
}

/* Settle each claim: done when its rollout is finished in the store. */
static int settle(struct ofs_store *st, long long wid, const struct batch *b, const struct ofs_claim *c, int n,
                  struct ofs_worker_result *res)
{
	unsigned char *done = ofs_xcalloc((size_t)b->reps + 1, 1);
	int e = 0;
	for (int k = 0; k < n && !e; k++) {
		if (!(e = ofs_store_done(st, c[k].config_id, done, b->reps)))
			e = ofs_store_settle(st, wid, c[k].config_id, c[k].rep, done[c[k].rep]);
		if (!e) {
			res->done += done[c[k].rep];
			res->handed_back += !done[c[k].rep];
		}
	}
	free(done);
	return e;
}

/* Claim and run one batch: 1 ran one, 0 none free, or an OFS_E* code. */
static int one_batch(const struct ofs_catalog *cat, struct ofs_recorder *rec, struct ofs_fixtures *fx, long long wid,
                     const struct ofs_worker_opts *o, struct ofs_run_opts *ro, struct ofs_worker_result *res, char *err)
{
	int max = o->batch > 0 ? o->batch : o->run.max_concurrent > 0 ? o->run.max_concurrent : 16, n = 0;
	struct ofs_claim *c = ofs_xcalloc((size_t)max, sizeof *c);
	int e = ofs_store_claim(rec->st, wid, max, c, &n);
	if (e || !n) {
		free(c);
		return e ? ofs__store_err(rec->st, e, err) : 0;
	}
	res->claimed += n;
	struct batch b = {0};
	if (!(e = batch_build(&b, cat, c, n, err))) {
		struct ofs_run_result rr = {0};
		ro->reps = b.reps;
		e = ofs__run_batch(rec, fx, &b.plan, b.mine, ro, &rr, err);
		res->errors += rr.errors;
		res->resumed += rr.resumed;
		res->retries += rr.retries;
		int e2 = settle(rec->st, wid, &b, c, n, res);
		if (!e && e2)
			e = ofs__store_err(rec->st, e2, err);
	}
	batch_release(&b);
	free(c);
	return e ? e : 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Claim and run batches until the queue is empty, a stop, or an error. */
static int work_loop(const struct ofs_catalog *cat, struct ofs_recorder *rec, struct ofs_fixtures *fx, long long wid,
                     const struct ofs_worker_opts *o, struct beat *bt, struct ofs_worker_result *res, char *err)
{
	struct ofs_run_opts ro = o->run;
	ro.stop = &bt->stop;
	ro.shard_count = 0;
	for (;;) {
		if (bt->stop)
			return 0;
		int e = one_batch(cat, rec, fx, wid, o, &ro, res, err);
		if (e < 0)
			return e;
		if (e)
			continue;
		struct ofs_queue_counts q;
		if ((e = ofs_store_queue(rec->st, &q)))
			return ofs__store_err(rec->st, e, err);
		if (!q.pending && !q.claimed)
			return 0;                            /* the queue is done */
		sleep_ms(o->poll_ms > 0 ? o->poll_ms : 500); /* others hold the rest: wait for them or their leases */
	}
}

int ofs_worker(const struct ofs_catalog *cat, const struct ofs_worker_opts *o, struct ofs_worker_result *res, char *err)
{
	memset(res, 0, sizeof *res);
	struct ofs_worker_opts wo = *o;
	if (wo.lease_s <= 0)
		wo.lease_s = 60;
	if (wo.lease_s < 3)
		return ofs_fail(err, OFS_EINVAL, "a lease of %d s is too short (at least 3)", wo.lease_s);
	struct ofs_recorder rec = {
	        .out_dir = o->run.out_dir, .write_transcripts = o->run.write_transcripts, .bank = o->run.interview};
	struct beat bt = {0};
	int e = ofs__mkdirs(o->run.out_dir, err);
	long planned = -1;
	if (!e && !(e = ofs_store_open(&rec.st, o->run.store, err))) {
		planned = ofs_store_planned(rec.st);
		if ((e = ofs_store_begin_run(rec.st, o->run.command ? o->run.command : "", planned)) ||
		    (e = ofs_store_commit(rec.st)) ||
		    (e = ofs_store_worker_join(rec.st, o->host ? o->host : "", o->pid, wo.lease_s, &res->id)))
			ofs__store_err(rec.st, e, err);
	}
	if (!e)
		e = beat_start(&bt, &wo, res->id, err);
	struct ofs_fixtures *fx = ofs_fixtures_new(cat);
	if (!e) {
		e = work_loop(cat, &rec, fx, res->id, &wo, &bt, res, err);
		res->stopped = bt.stop != 0;
	}
	beat_stop(&bt);
	if (rec.st && res->id) { /* unfinished claims go back to pending */
		int l = ofs_store_worker_leave(rec.st, res->id, res->stopped || e ? "stopped" : "finished");
		if (l && !e)
			e = ofs__store_err(rec.st, l, err);
	}
	ofs_store_close(rec.st);
	ofs_fixtures_free(fx);
	ofs__recorder_release(&rec);
	return e;
}
