/* http_int.h — between http.c (the call API and its libcurl path) and
 * h1_multi.c (the lean path for loopback http:// targets). lib/net/ only.
 *
 * A call is one request in flight on either path. Both fill the same
 * fields (status, retry_after, body or sse, over) through the same
 * functions below, and end with a libcurl code, so http.c classifies the
 * outcome of either path alike. */
#ifndef OFFSWITCH_NET_HTTP_INT_H
#define OFFSWITCH_NET_HTTP_INT_H
#include <curl/curl.h>

#include "offswitch/h1.h"
#include "offswitch/http.h"

struct h1conn;

struct call {
	CURL *e; /* libcurl path: created on first use, kept for the next call */
	struct curl_slist *hdrs;
	const struct ofs_http_target *t;
	const struct ofs_http_target *set_for; /* the target e's options and hdrs were set for */
	char *hdrs_key;                        /* ... and the config key hdrs name (owned), or NULL */
	struct ofs_arena *A;
	void *ud;
	int status, stream, over;
	double retry_after;
	struct ofs_buf body;
	struct ofs_sse sse;
	struct call *next;
	/* lean path */
	struct h1conn *conn; /* the connection carrying it, or NULL while it waits for one */
	struct ofs_buf req;  /* the whole request, kept until its answer begins (a stale connection is retried) */
	double deadline;     /* CLOCK_MONOTONIC seconds: the call's total timeout */
	int cc;              /* how it ended: CURLE_OK or the libcurl code of the failure */
	struct call *qnext;  /* the lean client's queue: waiting for a connection, or finished */
};

/* Response pieces, from either path. */
void ofs__http_status(struct call *c, int status);
void ofs__http_retry_after(struct call *c, const char *v, size_t n);
/* Body bytes: 0, or -1 to abort the call (too large, or a malformed stream). */
int ofs__http_body(struct call *c, const char *p, size_t n);

/* The lean client: HTTP/1.1 over nonblocking sockets on one epoll set, a
 * pool of kept-alive connections per target, for targets that are loopback
 * http:// URLs with no proxy in the environment (libcurl does the rest). */
struct ofs__h1m;
struct ofs__h1m *ofs__h1m_new(int max_connections);
/* Closes every connection; calls still in flight are the caller's to free. */
void ofs__h1m_free(struct ofs__h1m *m);
/* Whether t goes through the lean client (decided once per target). */
int ofs__h1m_takes(struct ofs__h1m *m, const struct ofs_http_target *t);
/* Queue c (c->t, c->deadline set) with its request; never fails: a call
 * that cannot start ends through the finished queue with its code. */
void ofs__h1m_start(struct ofs__h1m *m, struct call *c, const char *body, size_t len, const char *config_key);
/* The descriptor to wait on beside libcurl's (readable when there is work). */
int ofs__h1m_fd(const struct ofs__h1m *m);
/* Calls started and not yet handed back by ofs__h1m_next. */
int ofs__h1m_pending(const struct ofs__h1m *m);
/* Wait up to timeout_ms (0: don't) for the sockets, then move every call
 * that can move; finished calls go on the finished queue. */
void ofs__h1m_run(struct ofs__h1m *m, int timeout_ms);
/* The next finished call (c->cc says how), or NULL. */
struct call *ofs__h1m_next(struct ofs__h1m *m);
#endif
