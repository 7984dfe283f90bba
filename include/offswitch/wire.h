/* wire.h — the model providers' wire formats, one `struct ofs_wire_ops` per
 * format (lib/wire/<format>.c), found by name through the registry
 * (lib/wire/registry.c). Each format holds both halves:
 *  - the client half: a request body built from a conversation, the auth
 *    and extra headers, a whole response or a stream of server-sent events
 *    parsed back into a struct ofs_response (used by the providers and the
 *    HTTP layer);
 *  - the server half: a request body parsed into a conversation, tools and
 *    options, and responses (whole, streamed) and error bodies written (used
 *    by the mock server).
 * Pure functions: no I/O.
 *
 * Ownership: parsed strings live in the arena passed in; writers and
 * builders append to a caller-owned buffer. Parsers never trust their input:
 * every failure is OFS_EDATA with a message in err (OFS_ERRLEN) that never
 * contains the input's secrets (no header is ever parsed here).
 */
#ifndef OFFSWITCH_WIRE_H
#define OFFSWITCH_WIRE_H
#include "offswitch/chat.h"
#include "offswitch/error.h"

struct ofs_wire_opts {
	const char *model;  /* the provider's model name (no "openai/" prefix) */
	double temperature; /* < 0: not sent */
	long max_tokens;    /* <= 0: not sent (Anthropic requires it: 8192 is used) */
	int stream;
	const char *reasoning_effort; /* OpenAI "reasoning_effort", or NULL */
};

/* ---- the server half's records ---- */
struct ofs_wire_tool {
	const char *name;
	const char *schema; /* JSON Schema of the arguments, compact text ("{}" if none) */
};

enum ofs_wire_choice { OFS_CHOICE_AUTO, OFS_CHOICE_NONE, OFS_CHOICE_REQUIRED, OFS_CHOICE_TOOL };

struct ofs_wire_ops;
struct ofs_wire_cache;

#define OFS_WIRE_MAX_MODEL 256 /* bytes of a model name taken from a route */

/* A parsed request. Every string is non-NULL. */
struct ofs_wire_req {
	const struct ofs_wire_ops *wire;
	const char *model;
	int stream;
	int include_usage; /* OpenAI stream_options.include_usage */
	struct ofs_chat chat;
	struct ofs_wire_tool *tools;
	int ntools;
	enum ofs_wire_choice choice;
	const char *choice_name; /* OFS_CHOICE_TOOL: the tool the client forces */
	long in_tokens;          /* estimate: 4 bytes a token, at least 1 */
	long max_tokens;         /* the client's per-call output limit; 0: none sent */
};

/* What a written response says besides the answer. */
struct ofs_wire_reply {
	const char *id; /* ops->id_prefix + a number */
	long created;   /* epoch seconds */
	long in_tokens, out_tokens;
};

struct ofs_sse;

/* The serialized messages of a conversation's last request, kept by the
 * caller between its calls (one memo per conversation, zero-initialised):
 * the next request of the same conversation, grown by new messages,
 * serializes only those. A conversation whose kept messages changed (fewer
 * messages, or another last one) is serialized again whole. Holds one copy
 * of the messages' JSON; release with ofs_wire_memo_free. */
struct ofs_wire_memo {
	struct ofs_buf msgs; /* the JSON of messages [0, n), comma-separated */
	int n;
	const char *last_content; /* message n-1's content (its address: messages are not edited in place) */
	int last_role;
	/* what goes before and after the messages, and the inputs it was made
	 * from (the same tool schema text and options: made once) */
	struct ofs_buf head, tail;
	const char *k_tools, *k_model, *k_effort;
	double k_temperature;
	long k_max_tokens;
	int k_stream, k_made;
};
/* Forget what memo holds (its buffers kept for reuse): call before a new
 * conversation, since inputs are recognised by their address and a freed
 * schema's address may come back with other text. */
void ofs_wire_memo_reset(struct ofs_wire_memo *memo);
void ofs_wire_memo_free(struct ofs_wire_memo *memo);

/* One wire format. Every function pointer is set, except where it says NULL. */
struct ofs_wire_ops {
	const char *name; /* "openai-chat", "anthropic-messages" */

	/* -- client half -- */
	const char *client_path;        /* appended to a base URL; a base ending in /v1 and a path starting with /v1 keep one /v1;
	                            "{model}" in it stands for the model name (Gemini) */
	const char *client_stream_path; /* the same for streamed calls, or NULL: client_path */
	const char *auth_header;        /* the header carrying the API key ... */
	const char *auth_scheme;        /* ... and what precedes the key in it ("Bearer " or "") */
	const char *const *extra_headers; /* NULL-terminated "Name: value" lines sent with every request */
	/* The request body over the conversation and the tool schema (tools_json:
	 * a JSON array of OpenAI-shaped function tools). 0 or OFS_EDATA. */
	int (*build_request)(struct ofs_buf *out, const struct ofs_chat *chat, const char *tools_json,
	                     const struct ofs_wire_opts *o, char *err);
	/* The same body, reusing what memo kept of the previous request of the
	 * same conversation (see struct ofs_wire_memo); NULL in formats that do
	 * not keep one (ofs_wire_request_memo then calls build_request). */
	int (*build_request_memo)(struct ofs_buf *out, const struct ofs_chat *chat, const char *tools_json,
	                          const struct ofs_wire_opts *o, struct ofs_wire_memo *memo, char *err);
	/* A whole (non-streamed) response body; an error body gives OFS_EDATA
	 * with the provider's message. */
	int (*parse_response)(const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r, char *err);
	/* One server-sent event's data (the lines joined): update s. 0, or
	 * OFS_EDATA after ofs__sse_fail. */
	int (*sse_event)(struct ofs_sse *s, const char *data, size_t len);

	/* -- server half -- */
	const char *path;           /* the model-call route under /v1 ("/chat/completions") */
	const char *count_path;     /* a token-count route under /v1, or NULL */
	const char *url_hint;       /* an unknown URL containing this is answered in this format, or NULL */
	const char *sniff_header;   /* a request header naming this format on routes that don't, or NULL */
	const char *id_prefix;      /* response ids: "chatcmpl-mock-" */
	const char *call_id_prefix; /* tool-call ids the mock makes up: "call" */
	/* Formats whose routes carry the model and the streaming choice (Gemini:
	 * /v1beta/models/{m}:generateContent): NULL, or a function that says
	 * whether url (the request path, no query) is one of its routes: 0 no,
	 * 1 a model call, 2 a token count; for 1 and 2 it sets *model (a copy in
	 * A, at most OFS_WIRE_MAX_MODEL bytes) and *stream. Their parse_request
	 * then accepts a body without "model" (rq->model ""), and the server
	 * sets rq->model and rq->stream from the route. */
	int (*match_route)(const char *url, struct ofs_arena *A, const char **model, int *stream);
	int overload_status; /* the status the real API answers overload with (Anthropic: 529); 0: 503 */
	/* A token-count answer, or NULL: {"input_tokens":N} (Anthropic's shape). */
	void (*write_count)(struct ofs_buf *b, long tokens);
	/* Parse a request body (the strings live in A). Tool results carry only
	 * the call id: their tool_name is looked up from the assistant call with
	 * the same id ("" if none). 0 or OFS_EDATA. */
	int (*parse_request)(const char *body, size_t len, struct ofs_arena *A, struct ofs_wire_req *rq, char *err);
	/* The same, with the request's "tools" member taken from cache (NULL:
	 * none) when an identical one was parsed before: same results, same
	 * errors, faster for a server that sees the same tool list per call. */
	int (*parse_request_cached)(struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
	                            struct ofs_wire_req *rq, char *err);
	/* A whole response body for rq. */
	void (*write_response)(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_response *r,
	                       const struct ofs_wire_reply *o);
	/* The same as server-sent events, in the fragments the real API sends. */
	void (*write_stream)(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_response *r,
	                     const struct ofs_wire_reply *o);
	/* An error body with the type the real API gives the status. */
	void (*write_error)(struct ofs_buf *b, int status, const char *message);
};

/* ---- a parse cache for servers ---- */
/* Converted "tools" members of requests, shared by the threads of one
 * server (thread-safe). Holds at most 64 tool lists of at most 256 KiB of
 * JSON each; others are converted per request. Owned by the caller: free it after
 * the last parse that used it. ofs_wire_cache_free(NULL) does nothing. */
struct ofs_wire_cache;
struct ofs_wire_cache *ofs_wire_cache_new(void);
void ofs_wire_cache_free(struct ofs_wire_cache *cache);

/* ---- the registry ---- */
/* The format named name, or NULL; then err (may be NULL) names the known ones. */
const struct ofs_wire_ops *ofs_wire_find(const char *name, char *err);
/* The i-th registered format (from 0), or NULL past the last: the first is the default. */
const struct ofs_wire_ops *ofs_wire_at(int i);

/* Shorthands for w->build_request and w->parse_response. */
int ofs_wire_request(const struct ofs_wire_ops *w, struct ofs_buf *out, const struct ofs_chat *chat, const char *tools_json,
                     const struct ofs_wire_opts *o, char *err);
/* w->build_request_memo where the format has one, else w->build_request
 * (memo untouched): the same bytes either way. */
int ofs_wire_request_memo(const struct ofs_wire_ops *w, struct ofs_buf *out, const struct ofs_chat *chat, const char *tools_json,
                          const struct ofs_wire_opts *o, struct ofs_wire_memo *memo, char *err);
int ofs_wire_parse_response(const struct ofs_wire_ops *w, const char *body, size_t len, struct ofs_arena *A,
                            struct ofs_response *r, char *err);

/* ---- streamed responses ----
 * Incremental server-sent-events decoder: feed bytes as they arrive;
 * ofs_sse_finish() fills the response once the stream has ended, and fails
 * on a truncated stream (no terminal event). The fields are the formats'
 * working state. */
#define OFS_SSE_MAX_CALLS  64  /* tool calls in one streamed response */
#define OFS_SSE_MAX_BLOCKS 256 /* Anthropic content blocks in one streamed response */
struct ofs_sse {
	const struct ofs_wire_ops *wire;
	struct ofs_buf line, data, event;
	struct ofs_buf content, reasoning;
	struct {
		struct ofs_buf id, name, args;
	} calls[OFS_SSE_MAX_CALLS];
	int ncalls;
	int block_is_tool[OFS_SSE_MAX_BLOCKS]; /* Anthropic: content block index → tool call index + 1, or 0 */
	long in_tokens, out_tokens;
	int done;  /* terminal event seen */
	int error; /* an error event or malformed data */
	char err[OFS_ERRLEN];
	size_t max_bytes, seen;
};
/* max_bytes 0: 64 MiB. */
void ofs_sse_init(struct ofs_sse *s, const struct ofs_wire_ops *w, size_t max_bytes);
/* Returns 0, or OFS_EDATA (malformed stream or over max_bytes; message in s->err). */
int ofs_sse_feed(struct ofs_sse *s, const char *p, size_t n);
/* 0, or OFS_EDATA with a message in err. */
int ofs_sse_finish(struct ofs_sse *s, struct ofs_arena *A, struct ofs_response *r, char *err);
void ofs_sse_release(struct ofs_sse *s);
#endif
