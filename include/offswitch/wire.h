/* wire.h — the model providers' wire formats: OpenAI Chat Completions and
 * Anthropic Messages, as request bodies built from a conversation and
 * responses (whole or streamed as server-sent events) parsed back into a
 * struct ofs_response. Pure functions: no I/O. Shared by the providers (which
 * send requests and parse responses) and the mock server (which parses
 * requests and writes responses).
 *
 * Ownership: parsed strings live in the arena passed in; builders append to
 * a caller-owned buffer. Parsers never trust their input: every failure is
 * -1 with a message in err (OFS_ERRLEN) that never contains the input's
 * secrets (no header is ever parsed here).
 */
#ifndef OFFSWITCH_WIRE_H
#define OFFSWITCH_WIRE_H
#include "offswitch/chat.h"
#include "offswitch/error.h"

enum ofs_wire { OFS_WIRE_OPENAI, OFS_WIRE_ANTHROPIC };

struct ofs_wire_opts {
	const char *model;  /* the provider's model name (no "openai/" prefix) */
	double temperature; /* < 0: not sent */
	long max_tokens;    /* <= 0: not sent (Anthropic requires it: 8192 is used) */
	int stream;
	const char *reasoning_effort; /* OpenAI "reasoning_effort", or NULL */
};

/* The request body for one model call over the conversation and the tool
 * schema (tools_json: a JSON array of OpenAI-shaped function tools). */
int ofs_wire_request(enum ofs_wire w, struct ofs_buf *out, const struct ofs_chat *chat, const char *tools_json,
                     const struct ofs_wire_opts *o, char *err);

/* Parse a whole (non-streamed) response body. */
int ofs_wire_parse_response(enum ofs_wire w, const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r,
                            char *err);

/* Incremental server-sent-events decoder for streamed responses: feed bytes
 * as they arrive; ofs_sse_finish() fills the response once the stream has
 * ended, and fails on a truncated stream (no terminal event). */
struct ofs_sse {
	enum ofs_wire wire;
	struct ofs_buf line, data, event;
	struct ofs_buf content, reasoning;
	struct {
		struct ofs_buf id, name, args;
	} calls[64];
	int ncalls;
	int block_is_tool[256]; /* Anthropic: content block index → tool call index + 1, or 0 */
	long in_tokens, out_tokens;
	int done;  /* terminal event seen */
	int error; /* an error event or malformed data */
	char err[OFS_ERRLEN];
	size_t max_bytes, seen;
};
void ofs_sse_init(struct ofs_sse *s, enum ofs_wire w, size_t max_bytes);
/* Returns 0, or -1 (malformed stream or over max_bytes; message in s->err). */
int ofs_sse_feed(struct ofs_sse *s, const char *p, size_t n);
int ofs_sse_finish(struct ofs_sse *s, struct ofs_arena *A, struct ofs_response *r, char *err);
void ofs_sse_release(struct ofs_sse *s);
#endif
