/* record.h — the recorder: what every executor (run.c, engine.c, replay.c)
 * does with a finished rollout — detect, write its transcript, record it in
 * the store. Not a public API; depends on nothing else in lib/exec/. */
#ifndef OFFSWITCH_RECORD_H
#define OFFSWITCH_RECORD_H
#include "offswitch/loop.h"
#include "offswitch/store.h"

struct ofs_recorder {
	const char *out_dir;
	int write_transcripts;
	struct ofs_store *st;
	struct ofs_buf tr, sum, evj;
	char lastdir[4096];
	int unsynced; /* transcripts written since the last sync */
};

/* Free the recorder's buffers (not its store). */
void ofs__recorder_release(struct ofs_recorder *rc);
/* mkdir -p (ofs_mkdirs); 0 or OFS_EIO with a message in err. */
int ofs__mkdirs(const char *path, char *err);
/* Copy the store's last message into err and return code (for callers that
 * report through an err buffer). */
int ofs__store_err(struct ofs_store *st, int code, char *err);
/* Detect, write the transcript and record a finished rollout: whole (rid 0)
 * or finishing a row begun with ofs_store_begin_rollout. 0 or OFS_EIO /
 * OFS_ECORRUPT with a message in err. */
int ofs__record(struct ofs_recorder *rc, const struct ofs_config *c, long long cid, int rep, const struct ofs_loop *L,
                const char *status, long long rid, char *err);
#endif
