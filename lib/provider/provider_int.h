/* provider_int.h — the constructors the provider registry (registry.c)
 * calls, one per provider kind file. lib/provider/ only. */
#ifndef OFFSWITCH_PROVIDER_INT_H
#define OFFSWITCH_PROVIDER_INT_H
#include "offswitch/provider.h"

/* Make a provider for model, whose id starts with prefix (NULL: no known
 * prefix, only for kinds that take any id) into *out. 0, or a negative
 * OFS_E* code with *out NULL and a message in err: OFS_ENOTFOUND when the
 * kind has no such model (an unknown reference agent), OFS_EDATA when it
 * refused the id or its set-up (a bad script, a missing key). */
typedef int (*ofs__provider_make)(struct ofs_provider **out, const char *model, const char *prefix,
                                  const struct ofs_provider_opts *o, char *err);

int ofs__scripted_make(struct ofs_provider **out, const char *model, const char *prefix, const struct ofs_provider_opts *o,
                       char *err); /* scripted.c: "scripted/<policy>" */
int ofs__script_make(struct ofs_provider **out, const char *model, const char *prefix, const struct ofs_provider_opts *o,
                     char *err); /* script.c: "scripted:PATH" */
int ofs__http_make(struct ofs_provider **out, const char *model, const char *prefix, const struct ofs_provider_opts *o,
                   char *err); /* http.c: the HTTP-backed kinds and any id with a base URL */
/* scripted_interview.c: a reference agent's answer to a follow-up question
 * (policy: its name; acted: 0 where it did not do its act in this rollout). */
const char *ofs__scripted_answer(const char *policy, int acted, const char *question);
#endif
