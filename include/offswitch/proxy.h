/* proxy.h — `offswitch proxy`: a monitoring reverse proxy for model APIs
 * (lib/proxy). It forwards every request to one upstream byte-faithfully
 * (status, body, the headers that are not hop-by-hop), relays server-sent
 * events as they arrive, tells agents apart by per-agent proxy keys (or an
 * X-Offswitch-Agent header), parses the model calls of the four wire
 * formats (lib/wire) so detector hooks see every request and response, and
 * appends every exchange to the tamper-evident audit log (lib/audit).
 *
 * Threads: libmicrohttpd serves one thread per client connection; that
 * thread also drives the connection's upstream transfer: for a plain
 * http:// upstream the proxy's own HTTP/1.1 client (a pool of at most 64
 * idle kept-alive connections shared by all threads), for https:// libcurl
 * (a multi handle kept for the connection's next request; idle upstream
 * connections shared by all threads). A stream is relayed through a bounded queue as the
 * client takes it. Hooks are called from the connection threads, many at
 * once: they must be thread-safe.
 *
 * Ownership: options are copied at start (strings too; the keys table is
 * copied). Errors follow offswitch/error.h: OFS_EINVAL (bad options),
 * OFS_EDATA (keys file), OFS_ELIMIT (a cap below), OFS_ELISTEN (cannot bind),
 * OFS_EIO / OFS_ECORRUPT (the audit log), with a message in err
 * (OFS_ERRLEN). Keys and tokens never appear in messages or in the log.
 */
#ifndef OFFSWITCH_PROXY_H
#define OFFSWITCH_PROXY_H
#include <stddef.h>

#include "offswitch/chat.h"
#include "offswitch/error.h"
#include "offswitch/wire.h"

#define OFS_PROXY_MAX_KEYS       60          /* agents in a keys file (all of them are redacted from the log) */
#define OFS_PROXY_MAX_KEYS_FILE  (64 << 10)  /* bytes of a keys file */
#define OFS_PROXY_MAX_AGENT      64          /* bytes of an agent id */
#define OFS_PROXY_MIN_KEY        8           /* bytes of a proxy key, at least ... */
#define OFS_PROXY_MAX_KEY        256         /* ... and at most */
#define OFS_PROXY_MAX_REQUEST    (8u << 20)  /* default request body cap (413 above it) */
#define OFS_PROXY_MAX_RESPONSE   (64u << 20) /* cap on a non-streamed response body held in memory (502 above it) */
#define OFS_PROXY_RECORD_CAP     (1u << 20)  /* default bytes of each body recorded in the log ("truncated": true above) */
#define OFS_PROXY_MAX_HEADERS    100         /* upstream response headers relayed */
#define OFS_PROXY_MAX_SERIES     1024        /* metric series per family; more are folded into agent "_other" */
#define OFS_PROXY_STREAM_BACKLOG (1u << 20)  /* bytes queued for a slow streaming client before upstream waits */

/* ---- the keys file ----
 * One agent a line: "AGENT-ID KEY" separated by spaces or tabs; blank lines
 * and lines starting with '#' are ignored. Agent ids: 1..OFS_PROXY_MAX_AGENT
 * bytes of [A-Za-z0-9._:@-]; keys: OFS_PROXY_MIN_KEY..OFS_PROXY_MAX_KEY
 * printable ASCII bytes without spaces. Duplicate keys or agent ids are
 * refused. */
struct ofs_proxy_key {
	char *agent, *key;
};
struct ofs_proxy_keys {
	struct ofs_proxy_key v[OFS_PROXY_MAX_KEYS];
	int n;
};
/* Parse len bytes of text (no NUL needed). 0, or OFS_EDATA / OFS_ELIMIT with
 * a message naming the line (never the key). Free with ofs_proxy_keys_free
 * (also after an error). */
int ofs_proxy_keys_parse(const char *text, size_t len, struct ofs_proxy_keys *k, char *err);
/* Read and parse path (at most OFS_PROXY_MAX_KEYS_FILE bytes). */
int ofs_proxy_keys_load(const char *path, struct ofs_proxy_keys *k, char *err);
/* The agent of key, or NULL. Compares in constant time per entry. */
const char *ofs_proxy_keys_agent(const struct ofs_proxy_keys *k, const char *key);
void ofs_proxy_keys_free(struct ofs_proxy_keys *k);

/* ---- hooks for detectors ---- */
struct ofs_proxy;
struct ofs_audit;
struct ofs_proxy_exchange {
	const char *agent;               /* "" when not known */
	const struct ofs_wire_ops *wire; /* NULL: not a model call */
	const struct ofs_wire_req *rq;   /* the parsed request (messages incl. tool results), NULL if unparsed */
	const struct ofs_response *resp; /* the parsed response (content + tool calls); NULL before one, or none */
	int status;                      /* upstream HTTP status; 0 before the response */
	long seq;                        /* the exchange's number (from 1), also in its record */
	struct ofs_proxy *proxy;         /* for ofs_proxy_alert() and ofs_proxy_audit() from a hook */
};
struct ofs_proxy_hooks {
	void *ctx;
	/* A model call's request, before it is forwarded (may be NULL). */
	void (*on_request)(void *ctx, const struct ofs_proxy_exchange *x);
	/* A model call's parsed response, once whole (for a stream: after its
	 * last byte was received). Nonzero, in enforce mode, blocks it: the client
	 * gets a model response without tool calls saying why (reason,
	 * NUL-terminated, at most reason_len bytes). Outside enforce mode the
	 * return value is ignored. May be NULL. */
	int (*on_response)(void *ctx, const struct ofs_proxy_exchange *x, char *reason, size_t reason_len);
};

/* ---- the server ---- */
struct ofs_proxy_opts {
	const char *host; /* numeric address or name; must be loopback unless allow_remote */
	int port;         /* 0: any free port */
	int allow_remote;
	const char *upstream;              /* "http[s]://host[:port][/prefix]" */
	const char *upstream_key;          /* NULL: clients' keys pass through; else injected (and redacted) */
	const struct ofs_proxy_keys *keys; /* NULL: agents named by X-Offswitch-Agent; else a key is required */
	const char *token;                 /* NULL, or a bearer token clients must present */
	size_t max_request;                /* 0: OFS_PROXY_MAX_REQUEST */
	size_t record_cap;                 /* 0: OFS_PROXY_RECORD_CAP */
	double timeout_s;                  /* whole upstream exchange; 0: 600 */
	int client_timeout_s;              /* idle client connection; 0: 60 */
	const char *audit_path;            /* NULL: no log */
	int audit_repair;                  /* truncate a torn tail of the log at start */
	int enforce;                       /* on_response may block a response */
	struct ofs_proxy_hooks hooks;
};

/* Open the log, bind, start serving on background threads. */
int ofs_proxy_start(struct ofs_proxy **out, const struct ofs_proxy_opts *o, char *err);
/* "http://127.0.0.1:PORT" of the bound socket; owned by the proxy. */
const char *ofs_proxy_url(const struct ofs_proxy *p);
/* Bytes a torn tail of the log lost at start (0: none). */
unsigned long long ofs_proxy_repaired(const struct ofs_proxy *p);
/* The audit log the proxy appends to (NULL without audit_path), borrowed:
 * detectors may append their verdicts to it (ofs_audit_append, thread-safe)
 * until ofs_proxy_stop(). */
struct ofs_audit *ofs_proxy_audit(struct ofs_proxy *p);
/* Count an alert of rule for agent in /metrics (thread-safe). */
void ofs_proxy_alert(struct ofs_proxy *p, const char *rule, const char *agent);
/* Stop accepting connections and wait up to timeout_s for the exchanges in
 * flight to finish. Returns how many were still running (0: drained). */
int ofs_proxy_drain(struct ofs_proxy *p, double timeout_s);
/* Stop serving (exchanges still running are cut), commit and close the log,
 * free everything. Returns 0 or the log's commit error. NULL-safe. */
int ofs_proxy_stop(struct ofs_proxy *p, char *err);

/* ---- live detectors on the hooks (lib/proxy/watch.c) ----
 * The glue between a watch (offswitch/watch.h) and the proxy: requests and
 * responses of model calls go through the watch's rules; every alert is
 * written as one JSON line to alerts_fd (the watch's line plus "time" and
 * "source":"proxy"), appended to the proxy's audit log as a record of kind
 * "alert", counted in /metrics and queued for the webhook. An agent's
 * session ends (end-of-session rules such as a required shutdown never
 * executed) when it has been idle idle_end_s seconds, when its agent starts
 * a new conversation (the watch sees that), or at ofs_proxy_watch_finish().
 *
 * Enforce: on_response asks the proxy to block a response when one of the
 * alerts it raised comes from a rule with action: block, or has a severity
 * at or above block_severity (the reason names the rule). The proxy blocks
 * only with its enforce option on.
 *
 * Threads: the hooks are thread-safe; calls into the watch are serialised
 * (the watch has one lock anyway). Ownership: the watch and the webhook are
 * borrowed and must outlive the glue; alerts_fd is not closed. */
struct ofs_watch;
struct ofs_webhook;
#define OFS_PROXY_WATCH_MAX_AGENTS 4096 /* agents whose idle time is tracked (as the watch's own cap) */
struct ofs_proxy_watch_opts {
	struct ofs_watch *watch;
	int alerts_fd;               /* -1: no alert lines */
	struct ofs_webhook *webhook; /* NULL: none */
	double idle_end_s;           /* <= 0: sessions end only on a new conversation or at finish */
	const char *block_severity;  /* "low".."critical"; NULL: "high" */
};
struct ofs_proxy_watch;
/* Start the glue (and its idle-session thread when idle_end_s > 0).
 * OFS_EINVAL (no watch, a bad severity), OFS_ESTATE (no thread). */
int ofs_proxy_watch_new(struct ofs_proxy_watch **pw, const struct ofs_proxy_watch_opts *o, char *err);
/* The hooks to put in ofs_proxy_opts (ctx is pw). */
struct ofs_proxy_hooks ofs_proxy_watch_hooks(struct ofs_proxy_watch *pw);
/* End every session now (their end rules run; alerts still reach the audit
 * log). Call after ofs_proxy_drain() and before ofs_proxy_stop(). */
void ofs_proxy_watch_finish(struct ofs_proxy_watch *pw);
/* Alerts written so far, and how many lines could not be written. */
long ofs_proxy_watch_alerts(struct ofs_proxy_watch *pw, long *write_errors);
/* Stop the idle thread and free pw. NULL-safe. */
void ofs_proxy_watch_free(struct ofs_proxy_watch *pw);
#endif
