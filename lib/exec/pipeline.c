/* pipeline.c — the in-process run's recorder thread (pipeline.h): a ring of
 * PIPE_SLOTS rollouts between the loop and the store, recorded in order. */
#include "exec/pipeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rollouts in flight at most: enough that a slow record (a transcript's
 * file, a commit's sync) does not stall the loop at once, few enough that
 * their arenas stay small. The ring's indices are atomics, so a hand-over
 * costs no lock; a thread sleeps only on a full (loop) or empty (recorder)
 * ring, and is woken once the other has made room for PIPE_BATCH more, so
 * the threads do not wake each other for every rollout. */
#define PIPE_SLOTS 64
#define PIPE_BATCH 16

struct ofs__pipe {
	struct ofs_recorder *rc;
	pthread_t th;
	int started;
	_Atomic long head, tail; /* next to record (recorder's), next to fill (loop's): tail - head in flight */
	_Atomic int loop_waits, rec_waits, flush, closing;
	_Atomic int code;   /* the recorder's first failure, 0 while none */
	pthread_mutex_t mu; /* the sleeps and wake-ups */
	pthread_cond_t filled, freed;
	pthread_mutex_t store_mu; /* the store (rc->store_mu) */
	struct ofs__slot slot[PIPE_SLOTS];
	long commit_every, since_commit;
	char err[OFS_ERRLEN];
};

static void wake(struct ofs__pipe *p, pthread_cond_t *cv)
{
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(cv);
	pthread_mutex_unlock(&p->mu);
}

/* Record s (unless an earlier rollout failed) and commit every commit_every;
 * the loop is released either way. Runs on the recorder thread. */
static void record_slot(struct ofs__pipe *p, struct ofs__slot *s)
{
	int e = 0;
	if (!p->code) {
		e = ofs__record_eval(p->rc, s->c, s->cid, s->rep, &s->L, &s->ev, s->status, 0, p->err);
		if (!e && ++p->since_commit >= p->commit_every) {
			pthread_mutex_lock(&p->store_mu);
			e = ofs__recorder_commit(p->rc, p->err);
			pthread_mutex_unlock(&p->store_mu);
			p->since_commit = 0;
		}
	}
	ofs_loop_release(&s->L);
	if (e && !p->code)
		p->code = e;
	long left = p->tail - ++p->head;
	if (p->loop_waits && (left <= PIPE_SLOTS - PIPE_BATCH || !left || p->code))
		wake(p, &p->freed);
}

/* Sleep until the loop has handed over PIPE_BATCH rollouts, or asks for
 * what it handed over to be recorded (flush, closing). */
static void recorder_wait(struct ofs__pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->rec_waits = 1;
	while (p->tail - p->head < PIPE_BATCH && !p->flush && !p->closing)
		pthread_cond_wait(&p->filled, &p->mu);
	p->rec_waits = 0;
	pthread_mutex_unlock(&p->mu);
}

static void *recorder_main(void *arg)
{
	struct ofs__pipe *p = arg;
	for (;;) {
		if (p->head == p->tail) {
			if (p->closing)
				break;
			recorder_wait(p);
			continue;
		}
		record_slot(p, &p->slot[p->head % PIPE_SLOTS]);
	}
	return NULL;
}

int ofs__pipe_open(struct ofs__pipe **pp, struct ofs_recorder *rc, long commit_every, char *err)
{
	struct ofs__pipe *p = ofs_xcalloc(1, sizeof *p);
	p->rc = rc;
	p->commit_every = commit_every > 0 ? commit_every : 1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->store_mu, NULL);
	pthread_cond_init(&p->filled, NULL);
	pthread_cond_init(&p->freed, NULL);
	for (int i = 0; i < PIPE_SLOTS; i++)
		p->slot[i].A = ofs_arena_new(256 * 1024);
	int e = pthread_create(&p->th, NULL, recorder_main, p);
	if (e) {
		ofs__pipe_close(p, err);
		*pp = NULL;
		return ofs_fail(err, OFS_EIO, "cannot start the recorder thread: %s", strerror(e));
	}
	p->started = 1;
	rc->store_mu = &p->store_mu;
	*pp = p;
	return 0;
}

struct ofs__slot *ofs__pipe_slot(struct ofs__pipe *p)
{
	if (p->tail - p->head >= PIPE_SLOTS && !p->code) {
		pthread_mutex_lock(&p->mu);
		p->loop_waits = 1;
		while (p->tail - p->head > PIPE_SLOTS - PIPE_BATCH && !p->code)
			pthread_cond_wait(&p->freed, &p->mu);
		p->loop_waits = 0;
		pthread_mutex_unlock(&p->mu);
	}
	if (p->code)
		return NULL;
	struct ofs__slot *s = &p->slot[p->tail % PIPE_SLOTS];
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
	if (s->L.iv) { /* the recorder's hook is rewritten by the next start: keep this rollout's own */
		s->iv = *s->L.iv;
		s->L.iv = &s->iv;
	}
	long n = ++p->tail - p->head;
	if (p->rec_waits && n >= PIPE_BATCH)
		wake(p, &p->filled);
}

int ofs__pipe_drain(struct ofs__pipe *p, char *err)
{
	p->flush = 1;
	if (p->rec_waits)
		wake(p, &p->filled);
	pthread_mutex_lock(&p->mu);
	p->loop_waits = 1;
	while (p->head != p->tail)
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

long ofs__pipe_uncommitted(struct ofs__pipe *p)
{
	return p->since_commit;
}

int ofs__pipe_close(struct ofs__pipe *p, char *err)
{
	if (!p)
		return 0;
	int e = 0;
	if (p->started) {
		e = ofs__pipe_drain(p, err);
		p->closing = 1;
		wake(p, &p->filled);
		pthread_join(p->th, NULL);
		p->rc->store_mu = NULL;
	}
	for (int i = 0; i < PIPE_SLOTS; i++)
		ofs_arena_free(p->slot[i].A);
	pthread_cond_destroy(&p->filled);
	pthread_cond_destroy(&p->freed);
	pthread_mutex_destroy(&p->store_mu);
	pthread_mutex_destroy(&p->mu);
	free(p);
	return e;
}
