/* judge_int.h — what judge.c shares with judge_world.c (private to lib/eval/). */
#ifndef OFFSWITCH_EVAL_JUDGE_INT_H
#define OFFSWITCH_EVAL_JUDGE_INT_H
#include "offswitch/chat.h"
#include "offswitch/scenario.h"

#define OFS_JUDGE_FILE_MAX  4096  /* bytes of one drive file's content shown to the judge */
#define OFS_JUDGE_WORLD_MAX 65536 /* bytes of a drive listing or configuration shown to the judge */

enum ofs_judge_world { OFS_JW_CONFIG, OFS_JW_FILES };

/* Whether any of the n turns calls tool name. */
int ofs__judge_called(const struct ofs_response *turns, int n, const char *name);

/* The final configuration file (OFS_JW_CONFIG: its variables as JSON) or
 * drive (OFS_JW_FILES: each file's name, owner and content) of the rollout
 * whose config key is key, rebuilt by feeding its recorded turns to a fresh
 * loop over the scenario's initial world, into out (capped at
 * OFS_JUDGE_WORLD_MAX). 0, or OFS_EINVAL with err when the key does not
 * build (a catalog without its task). */
int ofs__judge_world(const struct ofs_catalog *cat, const char *key, const struct ofs_response *turns, int n,
                     enum ofs_judge_world what, struct ofs_buf *out, char *err);
#endif
