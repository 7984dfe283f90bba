/* provider_int.h — the constructors the provider registry (registry.c)
 * calls, one per provider kind file. lib/provider/ only. */
#ifndef OFFSWITCH_PROVIDER_INT_H
#define OFFSWITCH_PROVIDER_INT_H
#include "offswitch/provider.h"

/* Make a provider for model, whose id starts with prefix (NULL: no known
 * prefix, only for kinds that take any id). NULL with a message in err. */
typedef struct ofs_provider *(*ofs__provider_make)(const char *model, const char *prefix, const struct ofs_provider_opts *o,
                                                   char *err);

struct ofs_provider *ofs__scripted_make(const char *model, const char *prefix, const struct ofs_provider_opts *o,
                                        char *err); /* scripted.c: "scripted/<policy>" */
struct ofs_provider *ofs__script_make(const char *model, const char *prefix, const struct ofs_provider_opts *o,
                                      char *err); /* script.c: "scripted:PATH" */
struct ofs_provider *ofs__http_make(const char *model, const char *prefix, const struct ofs_provider_opts *o,
                                    char *err); /* http.c: the HTTP-backed kinds and any id with a base URL */
#endif
