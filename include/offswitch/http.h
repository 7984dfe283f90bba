/* http.h — model calls over HTTP with libcurl's multi interface: many
 * requests in flight on one thread, each a whole or streamed (SSE) response.
 *
 * The engine (run.c) owns one struct ofs_http and starts calls on it; each
 * finished call is reported once through ofs_http_poll()'s callback with its
 * outcome classified for retrying. Secrets: the API key is only ever put in
 * a request header; no message produced here contains it.
 */
#ifndef OFFSWITCH_HTTP_H
#define OFFSWITCH_HTTP_H
#include "offswitch/wire.h"

struct ofs_http_target {
	const struct ofs_wire_ops *wire; /* the wire format (see the registry in wire.h) */
	char *url;                       /* the full endpoint, e.g. https://api.openai.com/v1/chat/completions */
	char *api_key;                   /* from the environment; NULL for keyless local servers */
	char *key_env;                   /* the variable's name, for messages */
	char *model;                     /* the provider's own model name */
	int local;                       /* a loopback endpoint: also send X-Offswitch-Config */
	struct ofs_wire_opts opts;
	long timeout_s;
};

/* The most bytes one response body (plain or streamed) may hold; a larger one
 * ends the call OFS_CALL_FATAL with reason "too_large" (a model that answered
 * 8 MiB once is not retried into doing it again). */
#define OFS_HTTP_BODY_MAX (8u << 20)
/* The longest Retry-After anyone here waits for, in seconds: the engine and
 * the judge. A 429 or 503 asking for more (or for "inf", or a date further
 * away) ends that call with its error status (a rollout's error:http_429,
 * which a later run retries; a judge question counted as failed). */
#define OFS_RETRY_AFTER_MAX_S 300.0

/* How a call ended. */
enum ofs_call_class {
	OFS_CALL_OK,    /* a response was parsed */
	OFS_CALL_RETRY, /* 429, 5xx, timeout, reset, truncated or unparsable: worth another try */
	OFS_CALL_FATAL, /* 400/401/403/404 and other client errors: retrying will not help */
};

struct ofs_http_result {
	enum ofs_call_class cls;
	int status;               /* HTTP status, 0 if none */
	double retry_after_s;     /* from Retry-After, or -1 */
	char reason[96];          /* short class for the rollout status: "http_429", "timeout", "reset", "parse", ... */
	char err[OFS_ERRLEN];     /* a one-line description (no secrets) */
	struct ofs_response resp; /* OFS_CALL_OK: strings in the arena given to ofs_http_start */
};

struct ofs_http;
struct ofs_http *ofs_http_new(int max_connections);
void ofs_http_free(struct ofs_http *h);
/* Start a call; `config_key` is sent as X-Offswitch-Config to local targets.
 * t must stay valid and unchanged while h exists (finished calls keep their
 * handle set up for their target, for the next call to it). The body is copied. A is where the parsed response's strings go.
 * Returns 0, or OFS_ENET with a message in err. */
int ofs_http_start(struct ofs_http *h, const struct ofs_http_target *t, const char *body, size_t len, const char *config_key,
                   struct ofs_arena *A, void *ud, char *err);
/* Wait up to timeout_ms for progress; call done() for each finished call.
 * Returns the number of calls still in flight. */
typedef void (*ofs_http_done)(void *ud, struct ofs_http_result *r);
int ofs_http_poll(struct ofs_http *h, int timeout_ms, ofs_http_done done);
int ofs_http_in_flight(const struct ofs_http *h);
#endif
