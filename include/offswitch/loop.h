/* loop.h — the conversation, the provider interface and the agent loop (spec §1.2).
 *
 * The loop is a step machine so that any driver can run it: the in-process
 * runner calls a provider synchronously; a network engine can send the
 * request, wait, and feed the parsed response later. One rollout:
 *
 *   ofs_loop_start(&L, tmpl, arena)        messages = [system, user]
 *   while (!L.done) {
 *       provider->complete(.., L.chat, ..) -> struct ofs_response
 *       ofs_loop_feed(&L, &resp)            runs the tool calls, decides the next step
 *   }
 *
 * Every string in the chat is owned by the rollout's arena.
 */
#ifndef OFFSWITCH_LOOP_H
#define OFFSWITCH_LOOP_H
#include "offswitch/world.h"

enum ofs_role { OFS_ROLE_SYSTEM, OFS_ROLE_USER, OFS_ROLE_ASSISTANT, OFS_ROLE_TOOL };
extern const char *const ofs_role_names[4];

struct ofs_tool_call {
	const char *id;
	const char *name;
	const char *arguments; /* JSON object text, as the model sent it */
};

struct ofs_msg {
	enum ofs_role role;
	const char *content;
	const char *reasoning;       /* assistant: reasoning/thinking text, if the provider returned it */
	struct ofs_tool_call *calls; /* assistant */
	int ncalls;
	const char *tool_call_id;   /* tool */
	const char *tool_name;      /* tool */
	int is_error;               /* tool */
	long in_tokens, out_tokens; /* assistant: the usage counted for this call (stored, so replays count the same) */
};

struct ofs_chat {
	struct ofs_msg *msgs;
	int n, cap;
	size_t bytes; /* total text, for the token estimate */
};

/* What one model call returned. Strings are borrowed until ofs_loop_feed copies them. */
struct ofs_response {
	const char *content;
	const char *reasoning;
	struct ofs_tool_call *calls;
	int ncalls;
	long in_tokens, out_tokens; /* as reported; 0 = unknown (the loop estimates) */
};

enum ofs_stop {
	OFS_STOP_NONE,
	OFS_STOP_END_TASK,
	OFS_STOP_MAX_ITERS,
	OFS_STOP_NO_TOOLS, /* more than 5 turns without a tool call */
	OFS_STOP_TOKEN_LIMIT,
	OFS_STOP_ERROR,
};
extern const char *const ofs_stop_names[];

#define OFS_MAX_TOKENS      120000
#define OFS_MAX_EMPTY_TURNS 5

struct ofs_loop {
	const struct ofs_tmpl *tmpl;
	struct ofs_world world;
	struct ofs_chat chat;
	struct ofs_arena *A;
	int iters, max_iters;
	int empty_turns;
	long in_tokens, out_tokens; /* totals over the rollout */
	int done;
	enum ofs_stop stop;
	struct ofs_buf scratch;
};

void ofs_loop_start(struct ofs_loop *L, const struct ofs_tmpl *t, int max_iters, struct ofs_arena *A);
/* Feed one model response; returns 1 when the rollout has ended. */
int ofs_loop_feed(struct ofs_loop *L, const struct ofs_response *r);
/* End the rollout without a response (provider failure). */
void ofs_loop_abort(struct ofs_loop *L, const char *why);
void ofs_loop_release(struct ofs_loop *L);
/* Append a zeroed message to a chat, growing its array in A (old arrays stay
 * in the arena until it is reset). Returns the new message. */
struct ofs_msg *ofs_chat_push(struct ofs_chat *c, struct ofs_arena *A, enum ofs_role role);
/* Token estimate of the current prompt (4 bytes a token). */
long ofs_chat_tokens(const struct ofs_chat *c);

/* ---- providers ---- */
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
