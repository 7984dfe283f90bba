/* provider.h — the provider interface: where a rollout's model answers come
 * from. One file per provider kind under lib/provider/, found by model id
 * through the registry there.
 */
#ifndef OFFSWITCH_PROVIDER_H
#define OFFSWITCH_PROVIDER_H
#include "offswitch/chat.h"
#include "offswitch/scenario.h"

struct ofs_provider;
struct ofs_provider_ops {
	const char *name;
	/* Per-rollout state (may return NULL if the provider needs none). */
	void *(*session_new)(struct ofs_provider *p, const struct ofs_tmpl *t, int rep);
	/* One model call. Result strings must stay valid until the next call on
	 * this session (allocating them in A is simplest). Returns 0, or -1 with
	 * a message in err (OFS_ERRLEN). */
	int (*complete)(struct ofs_provider *p, void *session, const struct ofs_chat *chat, struct ofs_arena *A,
	                struct ofs_response *out, char *err);
	void (*session_free)(void *session);
	void (*free)(struct ofs_provider *p);
};

struct ofs_provider {
	const struct ofs_provider_ops *ops;
	/* Non-NULL for providers reached over HTTP: the engine sends the
	 * requests itself (see http.h); complete() is then unused. */
	const struct ofs_http_target *http;
};

/* Options for providers reached over HTTP (ignored by scripted ones). */
struct ofs_provider_opts {
	const char *base_url;    /* overrides the provider's default endpoint */
	const char *api_key_env; /* overrides the provider's key variable */
	int stream;              /* use server-sent events */
	long max_tokens;         /* per call; <= 0: provider default */
	const char *reasoning_effort;
	long timeout_s; /* per request; <= 0: 600 */
};

/* Make the provider for a model id: "scripted/<policy>", "scripted:PATH.json",
 * "openai/<m>", "anthropic/<m>", "together/<m>", "gemini/<m>", "openrouter/<m>",
 * or any id with opts->base_url (an OpenAI-compatible endpoint). A missing
 * API key is an error here, before any rollout; its message names the
 * variable, never a value. opts may be NULL. */
struct ofs_provider *ofs_provider_new(const char *model, char *err);
struct ofs_provider *ofs_provider_new_opts(const char *model, const struct ofs_provider_opts *opts, char *err);
void ofs_provider_free(struct ofs_provider *p);

/* The built-in reference policies, in display order. */
extern const char *const ofs_scripted_policies[];
extern const int ofs_nscripted_policies;
struct ofs_provider *ofs_scripted_new(const char *policy, char *err);
struct ofs_provider *ofs_script_file_new(const char *path, char *err);
/* The same from memory; `name` appears in error messages. */
struct ofs_provider *ofs_script_parse(const char *text, size_t len, const char *name, char *err);
#endif
