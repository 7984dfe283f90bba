/* mock.h — `offswitch mock`: a local model-provider server that speaks
 * every registered wire format (lib/wire/: OpenAI Chat Completions and
 * Anthropic Messages, whole and streamed, with tool calls), answers with the
 * reference agents, a script file or a stateless fallback agent, and
 * injects faults on request.
 *
 * Two halves:
 *  - pure functions (lib/mock/mock.c): the fallback agent, faults, replay of
 *    an agent over a conversation, model lists. Requests are parsed and
 *    answers written by the wire format's server half (struct ofs_wire_ops).
 *    No I/O; fuzzed.
 *  - the server (lib/mock/server.c, lib/mock/agents.c): libmicrohttpd, one
 *    thread per connection, loopback only unless allowed; routes come from
 *    the wire registry (each format names its paths).
 *
 * Ownership: parsed requests live in the arena passed in; writers append to
 * a caller-owned buffer. Request headers are never parsed here except the
 * two the server documents (X-Offswitch-Config, X-Mock-Fault) and the one a
 * wire format sniffs (anthropic-version): API keys are never read, logged or
 * echoed. Errors: OFS_E* codes with a message in err (OFS_ERRLEN).
 */
#ifndef OFFSWITCH_MOCK_H
#define OFFSWITCH_MOCK_H
#include <stdint.h>
#include <stdio.h>

#include "offswitch/provider.h"
#include "offswitch/wire.h"

/* Assistant messages in a conversation. */
int ofs_mock_assistant_turns(const struct ofs_chat *c);

/* Answer with a provider statelessly: a fresh session (template t; NULL for
 * script files) is replayed over the conversation, one complete() per
 * assistant message already in it (each seeing the conversation before that
 * message; outputs discarded), then asked for the next turn. Returns 0, or
 * the provider's OFS_E* code with its message copied into err. */
int ofs_mock_replay(struct ofs_provider *p, const struct ofs_tmpl *t, const struct ofs_chat *chat, struct ofs_arena *A,
                    struct ofs_response *r, char *err);

/* The stateless fallback agent: if tools are offered and no tool result is
 * in the conversation yet, call the first tool whose schema has no required
 * arguments (else the first tool, with dummy arguments from its schema);
 * otherwise answer "done". tool_choice none / required / a named tool is
 * honoured. Strings live in A. */
void ofs_mock_fallback(const struct ofs_wire_req *rq, struct ofs_arena *A, struct ofs_response *r);

/* Dummy arguments for a JSON Schema: every required property gets a value of
 * its type (first enum value, "mock", 1, false, [], {}). Compact JSON in A. */
const char *ofs_mock_dummy_args(const char *schema, struct ofs_arena *A);

/* The bad_args fault: every tool call's arguments become a cut-off JSON
 * prefix that does not parse; a response without calls gets one (to the
 * first tool offered, or "mock_tool") with `{"name": "Eval`. */
void ofs_mock_break_args(struct ofs_response *r, const struct ofs_wire_req *rq, struct ofs_arena *A);

/* ---- responses ---- */
/* Output tokens of a response (4 bytes a token, at least 1). */
long ofs_mock_out_tokens(const struct ofs_response *r);
/* GET /v1/models: a list both official SDKs accept (OpenAI and Anthropic fields). */
void ofs_mock_write_models(struct ofs_buf *b, long created);
/* GET /v1/models/ID. */
void ofs_mock_write_model(struct ofs_buf *b, const char *id, long created);
/* The malformed fault: turn a body into one that is not valid JSON (for a
 * stream, the second event's data). */
void ofs_mock_malform(struct ofs_buf *b, int stream);

/* ---- faults ---- */
enum ofs_mock_fault {
	OFS_FAULT_NONE,
	OFS_FAULT_429,
	OFS_FAULT_500,
	OFS_FAULT_503,
	OFS_FAULT_HANG,
	OFS_FAULT_RESET,
	OFS_FAULT_MALFORMED,
	OFS_FAULT_TRUNCATED,
	OFS_FAULT_BAD_ARGS,
	OFS_FAULT__N
};
extern const char *const ofs_mock_fault_names[OFS_FAULT__N];
/* The fault named s, or -1. */
int ofs_mock_fault_parse(const char *s);

/* ---- the server ---- */
#define OFS_MOCK_MAX_FAULTS 16

struct ofs_mock_opts {
	const char *host; /* numeric address or name; must be loopback unless allow_remote */
	int port;         /* 0: any free port */
	int allow_remote;
	const char *data_dir;    /* catalog for the reference agents (NULL: ofs_default_data_dir()) */
	const char *script_path; /* default script file for models that name no agent, or NULL */
	const char *script_dir;  /* "script:NAME" models read NAME under this directory only; NULL: refused */
	struct {
		enum ofs_mock_fault kind;
		double p;
	} faults[OFS_MOCK_MAX_FAULTS];
	int nfaults;
	uint64_t seed;
	int retry_after;  /* seconds, for 429 */
	int hang_seconds; /* how long a hang holds the request */
	int latency_ms, latency_jitter_ms;
	size_t max_body; /* request bodies above it get 413 */
	FILE *log;       /* borrowed; one JSON line per request, or NULL */
};

struct ofs_mock;
/* Load the catalog and the script, bind, start serving on background
 * threads. Returns 0, or with a message in err: OFS_EINVAL (an address that
 * does not resolve or is not loopback without allow_remote), OFS_EDATA (the
 * catalog or the script file), OFS_ELISTEN (cannot bind or serve). */
int ofs_mock_start(struct ofs_mock **out, const struct ofs_mock_opts *o, char *err);
/* "http://127.0.0.1:PORT" of the bound socket; owned by the server. */
const char *ofs_mock_url(const struct ofs_mock *m);
/* Stop serving (held requests end at once), free everything. */
void ofs_mock_stop(struct ofs_mock *m);
#endif
