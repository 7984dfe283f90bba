/* pipeline.c — the in-process run's writer threads (pipeline.h): a ring of
 * PIPE_SLOTS rollouts between the loop and the writers. The row thread
 * records each rollout in the store, the file thread (when transcripts are
 * written) its transcript; each goes through the ring in order, and a slot
 * is free again once both have passed it. */
#include "exec/pipeline.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rollouts in flight at most: enough that a slow write (a transcript's file,
 * a commit's sync) does not stall the loop at once, few enough that their
 * arenas stay small. The ring's indices are atomics, so a hand-over costs no
 * lock; a thread sleeps only on a full (loop) or empty (writer) ring, and is
 * woken once the other side has made room for, or filled, PIPE_BATCH more,
 * so the threads do not wake each other for every rollout. */
#define PIPE_SLOTS 64
#define PIPE_BATCH 16

enum { W_ROW, W_FILE };

struct writer {
	struct ofs__pipe *p;
	int kind; /* W_ROW, W_FILE */
	pthread_t th;
	int started;
	_Atomic long head; /* the next slot it writes */
	_Atomic int waits; /* asleep on filled */
	char err[OFS_ERRLEN];
};

struct ofs__pipe {
	struct ofs_recorder *rc;
	struct writer w[2];
	int nw;            /* 1: the row thread only (no transcripts); 2: and the file thread */
	_Atomic long tail; /* the next slot the loop fills */
	_Atomic int loop_waits, row_waits_file, flush, closing;
	_Atomic long row_want;  /* the slot the row thread waits on the file thread for */
	_Atomic int code;       /* the first failure, 0 while none */
	_Atomic long fail_at;   /* the slot that failed (the first); the writers still write the ones before it */
	_Atomic long file_stop; /* the first slot the file thread skipped after a failure */
	pthread_mutex_t mu;     /* the sleeps and wake-ups, the failure */
	pthread_cond_t filled, freed, file_done;
	pthread_mutex_t store_mu; /* the store (rc->store_mu) */
	struct ofs__slot slot[PIPE_SLOTS];
	long commit_every, since_commit; /* the row thread's */
	char err[OFS_ERRLEN];
};

static void wake(struct ofs__pipe *p, pthread_cond_t *cv)
{
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(cv);
	pthread_mutex_unlock(&p->mu);
}

/* The first slot some writer has not passed yet. */
static long done_upto(struct ofs__pipe *p)
{
	long h = p->w[0].head;
	if (p->nw == 2 && p->w[1].head < h)
		h = p->w[1].head;
	return h;
}

static void fail(struct ofs__pipe *p, int e, const char *msg, long i)
{
	pthread_mutex_lock(&p->mu);
	if (!p->code) {
		snprintf(p->err, sizeof p->err, "%s", msg);
		p->code = e;
	}
	if (i < p->fail_at)
		p->fail_at = i;
	pthread_mutex_unlock(&p->mu);
}

/* Whether slot i is past a failure: not to be written. */
static int past_failure(struct ofs__pipe *p, long i)
{
	return p->code && i >= p->fail_at;
}

/* The row thread waits until the file thread has written slot i: a row is
 * stored only once its transcript is written (as when one thread did both),
 * so a failed transcript leaves no row behind it to commit. It sleeps until
 * the file thread is PIPE_BATCH ahead, or has caught up with the loop. */
static void wait_file(struct ofs__pipe *p, long i)
{
	if (p->w[W_FILE].head > i || past_failure(p, i))
		return;
	pthread_mutex_lock(&p->mu);
	p->row_want = i;
	p->row_waits_file = 1;
	while (p->w[W_FILE].head <= i && !past_failure(p, i))
		pthread_cond_wait(&p->file_done, &p->mu);
	p->row_waits_file = 0;
	pthread_mutex_unlock(&p->mu);
}

/* Slot s (the ring's i-th) through writer w; a commit every commit_every
 * rows (their transcripts are written: synced first). */
static int write_slot(struct writer *w, struct ofs__slot *s, long i)
{
	struct ofs__pipe *p = w->p;
	if (w->kind == W_FILE)
		return ofs__record_file(p->rc, &s->L, &s->pr, s->rep, s->status, w->err);
	if (p->nw == 2)
		wait_file(p, i);
	if (past_failure(p, i))
		return 0; /* its transcript failed, or an earlier one */
	int e = ofs__record_row(p->rc, s->c, s->cid, s->rep, &s->L, &s->pr, s->status, s->rid, w->err);
	if (e || ++p->since_commit < p->commit_every || p->code)
		return e;
	pthread_mutex_lock(&p->store_mu);
	e = ofs__recorder_commit_synced(p->rc, w->err);
	pthread_mutex_unlock(&p->store_mu);
	p->since_commit = 0;
	return e;
}

/* Sleep until the loop has handed over PIPE_BATCH rollouts, or asks for
 * what it handed over to be written (flush, closing). */
static void writer_wait(struct writer *w)
{
	struct ofs__pipe *p = w->p;
	pthread_mutex_lock(&p->mu);
	w->waits = 1;
	while (p->tail - w->head < PIPE_BATCH && !p->flush && !p->closing)
		pthread_cond_wait(&p->filled, &p->mu);
	w->waits = 0;
	pthread_mutex_unlock(&p->mu);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct ofs__pipe *p = w->p;
	for (;;) {
		long i = w->head;
		if (i == p->tail) {
			if (p->closing)
				break;
			writer_wait(w);
			continue;
		}
		int skip = past_failure(p, i), e = 0;
		if (skip && w->kind == W_FILE && p->file_stop > i)
			p->file_stop = i;
		if (!skip && (e = write_slot(w, &p->slot[i % PIPE_SLOTS], i)))
			fail(p, e, w->err, i);
		long h = i + 1;
		w->head = h;
		if (w->kind == W_FILE && p->row_waits_file && (h - p->row_want >= PIPE_BATCH || h == p->tail || p->code))
			wake(p, &p->file_done);
		long left = p->tail - done_upto(p);
		if (p->loop_waits && (left <= PIPE_SLOTS - PIPE_BATCH || !left || p->code))
			wake(p, &p->freed);
	}
	return NULL;
}

int ofs__pipe_open(struct ofs__pipe **pp, struct ofs_recorder *rc, long commit_every, char *err)
{
	struct ofs__pipe *p = ofs_xcalloc(1, sizeof *p);
	p->rc = rc;
	p->commit_every = commit_every > 0 ? commit_every : 1;
	p->nw = rc->write_transcripts ? 2 : 1;
	p->fail_at = p->file_stop = LONG_MAX;
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->store_mu, NULL);
	pthread_cond_init(&p->filled, NULL);
	pthread_cond_init(&p->freed, NULL);
	pthread_cond_init(&p->file_done, NULL);
	for (int i = 0; i < PIPE_SLOTS; i++)
		p->slot[i].A = ofs_arena_new(256 * 1024);
	rc->store_mu = &p->store_mu;
	rc->batch = 1;
	*pp = p;
	for (int k = 0; k < p->nw; k++) {
		p->w[k] = (struct writer){.p = p, .kind = k};
		int e = pthread_create(&p->w[k].th, NULL, writer_main, &p->w[k]);
		if (e) {
			ofs__pipe_close(p, err);
			rc->batch = 0;
			*pp = NULL;
			return ofs_fail(err, OFS_EIO, "cannot start the recorder's threads: %s", strerror(e));
		}
		p->w[k].started = 1;
	}
	return 0;
}

struct ofs__slot *ofs__pipe_slot(struct ofs__pipe *p)
{
	if (p->tail - done_upto(p) >= PIPE_SLOTS && !p->code) {
		pthread_mutex_lock(&p->mu);
		p->loop_waits = 1;
		while (p->tail - done_upto(p) > PIPE_SLOTS - PIPE_BATCH && !p->code)
			pthread_cond_wait(&p->freed, &p->mu);
		p->loop_waits = 0;
		pthread_mutex_unlock(&p->mu);
	}
	if (p->code)
		return NULL;
	struct ofs__slot *s = &p->slot[p->tail % PIPE_SLOTS];
	if (s->used) /* its last rollout is written: its world goes (on the thread that made it) */
		ofs_loop_release(&s->L);
	s->used = 0;
	ofs_arena_reset(s->A);
	return s;
}

const struct ofs_tmpl *ofs__slot_tmpl(struct ofs__slot *s, const struct ofs_tmpl *t, const struct ofs_config *c)
{
	s->t = *t;
	s->t.cfg = c;
	s->c = c;
	return &s->t;
}

void ofs__pipe_push(struct ofs__pipe *p, struct ofs__slot *s)
{
	s->used = 1;
	long t = ++p->tail;
	for (int k = 0; k < p->nw; k++)
		if (p->w[k].waits && t - p->w[k].head >= PIPE_BATCH) {
			wake(p, &p->filled);
			break;
		}
}

int ofs__pipe_drain(struct ofs__pipe *p, char *err)
{
	p->flush = 1;
	if (p->w[0].waits || p->w[1].waits)
		wake(p, &p->filled);
	pthread_mutex_lock(&p->mu);
	p->loop_waits = 1;
	while (done_upto(p) != p->tail)
		pthread_cond_wait(&p->freed, &p->mu);
	p->loop_waits = 0;
	pthread_mutex_unlock(&p->mu);
	p->flush = 0;
	int e = p->code;
	if (e)
		snprintf(err, OFS_ERRLEN, "%s", p->err);
	return e;
}

void ofs__pipe_lock(struct ofs__pipe *p)
{
	pthread_mutex_lock(&p->store_mu);
}

void ofs__pipe_unlock(struct ofs__pipe *p)
{
	pthread_mutex_unlock(&p->store_mu);
}

/* After a failure: the transcripts the file thread wrote ahead of the row
 * thread, for rollouts that are not recorded, are removed (a check of the
 * directory would find them named by no rollout). Their slots are intact:
 * the loop takes no slot once a writer has failed. */
static void unrecorded_files(struct ofs__pipe *p)
{
	long end = p->w[W_FILE].head < p->file_stop ? p->w[W_FILE].head : p->file_stop;
	char path[8400];
	for (long i = p->fail_at; i < end; i++) {
		snprintf(path, sizeof path, "%s/%s", p->rc->out_dir, p->slot[i % PIPE_SLOTS].pr.rel);
		unlink(path);
	}
}

int ofs__pipe_close(struct ofs__pipe *p, char *err)
{
	if (!p)
		return 0;
	int e = 0;
	if (p->w[0].started)
		e = ofs__pipe_drain(p, err);
	p->closing = 1;
	wake(p, &p->filled);
	for (int k = 0; k < 2; k++)
		if (p->w[k].started)
			pthread_join(p->w[k].th, NULL);
	p->rc->store_mu = NULL;
	if (p->code && p->nw == 2)
		unrecorded_files(p);
	for (int i = 0; i < PIPE_SLOTS; i++) {
		if (p->slot[i].used)
			ofs_loop_release(&p->slot[i].L);
		ofs__prep_free(&p->slot[i].pr);
		ofs_arena_free(p->slot[i].A);
	}
	pthread_cond_destroy(&p->filled);
	pthread_cond_destroy(&p->freed);
	pthread_cond_destroy(&p->file_done);
	pthread_mutex_destroy(&p->store_mu);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return e;
}

int ofs__pipe_finish(struct ofs__pipe *p, int e, char *err)
{
	struct ofs_recorder *rc = p->rc;
	char e2[OFS_ERRLEN];
	int pe = ofs__pipe_drain(p, e2);
	long uncommitted = p->since_commit; /* the row thread's, read after the drain */
	ofs__pipe_close(p, e2);
	if (!e && pe) {
		e = pe;
		snprintf(err, OFS_ERRLEN, "%s", e2);
	}
	rc->batch = 0;
	if (!e && uncommitted)
		e = ofs__recorder_commit(rc, err);
	return e;
}
