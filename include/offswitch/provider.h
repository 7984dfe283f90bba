/* provider.h — the provider interface: where a rollout's model answers come
 * from. One file per provider kind under lib/provider/, found by model id
 * through the registry there.
 */
#ifndef OFFSWITCH_PROVIDER_H
#define OFFSWITCH_PROVIDER_H
#include "offswitch/chat.h"
#include "offswitch/error.h"
#include "offswitch/scenario.h"

struct ofs_provider;
struct ofs_provider_ops {
	const char *name;
	/* Per-rollout state (may return NULL if the provider needs none). */
	void *(*session_new)(struct ofs_provider *p, const struct ofs_tmpl *t, int rep);
	/* One model call. Result strings must stay valid until the next call on
	 * this session (allocating them in A is simplest). Returns 0, or an
	 * OFS_E* code with the message recorded in the handle (ofs_provider_fail).
	 * The built-in scripted kinds never fail, so one handle may serve many
	 * threads' sessions. */
	int (*complete)(struct ofs_provider *p, void *session, const struct ofs_chat *chat, struct ofs_arena *A,
	                struct ofs_response *out);
	void (*session_free)(void *session);
	void (*free)(struct ofs_provider *p);
};

struct ofs_provider {
	const struct ofs_provider_ops *ops;
	/* Non-NULL for providers reached over HTTP: the engine sends the
	 * requests itself (see http.h); complete() is then unused. */
	const struct ofs_http_target *http;
	char errmsg[OFS_ERRLEN]; /* the last failure's message; see ofs_provider_errmsg */
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

/* Make the provider for a model id, found in the registry of provider kinds
 * (lib/provider/registry.c): "scripted/<policy>", "scripted:PATH.json",
 * "openai/<m>", "anthropic/<m>", "together/<m>", "gemini/<m>",
 * "openrouter/<m>", or any id with opts->base_url (an OpenAI-compatible
 * endpoint). opts may be NULL. Returns NULL with a message in err (an
 * unknown provider names the known ones; a missing API key names the
 * variable, never a value): all checked here, before any rollout. */
struct ofs_provider *ofs_provider_new(const char *model, const struct ofs_provider_opts *opts, char *err);
/* The same, returning the code: 0, OFS_ENOTFOUND (no kind has the model's
 * prefix and no base URL was given) or OFS_EDATA (the kind refused it: a
 * bad script, a missing key); *out is NULL on failure. */
int ofs_provider_open(struct ofs_provider **out, const char *model, const struct ofs_provider_opts *opts, char *err);
void ofs_provider_free(struct ofs_provider *p);
/* The message of the handle's last failure ("" if none). */
const char *ofs_provider_errmsg(const struct ofs_provider *p);
/* For provider kinds: record a formatted message in p and return code. */
int ofs_provider_fail(struct ofs_provider *p, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The i-th provider kind's prefix ("openai/", "scripted:", ...), or NULL past the last. */
const char *ofs_provider_kind(int i);

/* The built-in reference policies, in display order. */
extern const char *const ofs_scripted_policies[];
extern const int ofs_nscripted_policies;
/* The first ofs_nscripted_default policies are the default job's agents
 * (`offswitch run` with no --model); the others (auditors, dose-response
 * agents) run when named. */
extern const int ofs_nscripted_default;
struct ofs_provider *ofs_scripted_new(const char *policy, char *err);
struct ofs_provider *ofs_script_file_new(const char *path, char *err);
/* The same from memory; `name` appears in error messages. */
struct ofs_provider *ofs_script_parse(const char *text, size_t len, const char *name, char *err);
#endif
