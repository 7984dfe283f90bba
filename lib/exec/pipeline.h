/* pipeline.h — the in-process run on three threads: the caller runs the
 * agent loops and prepares each finished rollout (ofs__record_prepare:
 * detectors, evaluation JSON, interview answers, transcript path); a row
 * thread records it in the store (ofs__record_row) and commits every
 * `commit_every`; a file thread, when transcripts are written, writes its
 * transcript (ofs__record_file). Both go in the order rollouts were handed
 * over; a commit waits until the file thread has written every transcript
 * it names, and syncs them first. Not a public API.
 *
 * Ownership: a slot belongs to the caller from ofs__pipe_slot until
 * ofs__pipe_push, then to the writers until both have passed it (the caller
 * releases its loop when it takes the slot again). Each slot owns an arena (the rollout's memory) and a
 * copy of its template's struct whose `cfg` is the slot's configuration: the
 * template's strings are shared, so a template may not be freed while a
 * rollout built from it is in flight (ofs__pipe_drain first).
 *
 * The store is shared: the caller takes ofs__pipe_lock around its own store
 * calls; the row thread holds the same lock around each of its store calls
 * (struct ofs_recorder.store_mu) and its commits.
 *
 * Errors: the writers stop writing at the first failure; from then on
 * ofs__pipe_slot returns NULL, and ofs__pipe_drain / ofs__pipe_close return
 * the failure's code and copy its message into err. */
#ifndef OFFSWITCH_PIPELINE_H
#define OFFSWITCH_PIPELINE_H
#include "exec/record.h"

struct ofs__pipe;

struct ofs__slot {
	struct ofs_arena *A; /* reset by ofs__pipe_slot */
	struct ofs_loop L;   /* started by the caller on &t */
	struct ofs_tmpl t;   /* ofs__slot_tmpl: a copy with cfg = c */
	const struct ofs_config *c;
	long long cid;
	long long rid; /* 0: a new row; else the recorded rollout it finishes again (replay in place) */
	int rep;
	const char *status; /* "ok", "error:provider", or a stored status that outlives the pipeline */
	struct ofs_prep pr; /* ofs__record_prepare, on the loop's thread */
	int used;           /* L holds a rollout not yet released */
};

/* Start the writer threads over rc (its store open) and put rc in batch
 * mode (transcripts synced before each commit only). 0, or OFS_EIO with a
 * message in err when a thread cannot start (rc as it was). */
int ofs__pipe_open(struct ofs__pipe **pp, struct ofs_recorder *rc, long commit_every, char *err);
/* A free slot with its arena reset (waits while every slot is in flight);
 * NULL once a writer has failed. */
struct ofs__slot *ofs__pipe_slot(struct ofs__pipe *p);
/* The template the slot's loop starts on: s->t = *t with cfg = c. */
const struct ofs_tmpl *ofs__slot_tmpl(struct ofs__slot *s, const struct ofs_tmpl *t, const struct ofs_config *c);
/* Hand a filled and prepared slot to the writers. */
void ofs__pipe_push(struct ofs__pipe *p, struct ofs__slot *s);
/* Wait until every pushed rollout is written; 0 or the writers' first error. */
int ofs__pipe_drain(struct ofs__pipe *p, char *err);
void ofs__pipe_lock(struct ofs__pipe *p);
void ofs__pipe_unlock(struct ofs__pipe *p);
/* Drain, stop the threads and free everything (p may be NULL); 0 or the
 * writers' first error (message in err). Does not commit what is
 * uncommitted. */
int ofs__pipe_close(struct ofs__pipe *p, char *err);
/* The end of a caller's use: drain and close p, take rc out of batch mode
 * and commit what is uncommitted (syncing first). e is the caller's own
 * error (its message already in err), which wins; else the writers' first
 * error or the commit's, with its message in err; else 0. */
int ofs__pipe_finish(struct ofs__pipe *p, int e, char *err);
#endif
