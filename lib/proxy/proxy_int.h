/* proxy_int.h — the proxy's state, shared by server.c (HTTP side, routing,
 * auth), upstream.c (the response callbacks, libcurl for https://, the
 * stream queue), h1.c (the HTTP/1.1 client for http://), record.c (audit
 * records, hooks, enforce) and metrics.c. lib/proxy/ only. */
#ifndef OFFSWITCH_PROXY_INT_H
#define OFFSWITCH_PROXY_INT_H
#include <curl/curl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sys/types.h>
#include <stdatomic.h>

#include "offswitch/audit.h"
#include "offswitch/listen.h"
#include "offswitch/proxy.h"

struct series {
	char *agent, *format; /* requests: agent, format; alerts: agent, rule */
	int status;
	unsigned long long n;
};

#define NBUCKETS 14
struct metrics {
	pthread_mutex_t mu;
	struct series *req, *alert;
	int nreq, nalert;
	unsigned long long bucket[NBUCKETS + 1]; /* the last: +Inf */
	double lat_sum;
	unsigned long long lat_n, bytes_in, bytes_out, audit_errors;
};

struct ofs_proxy {
	struct ofs_proxy_opts o; /* strings point into copies below */
	char *upstream, *upstream_key, *token;
	struct ofs_proxy_keys keys;
	int has_keys;
	struct MHD_Daemon *d;
	int listen_fd;
	struct ofs_listener ls; /* the socket: its URL and bound address */
	struct ofs_audit *audit;
	CURLSH *share;
	struct ofs_h1_up *h1;      /* a plain http:// upstream: the lean client (h1.c); NULL: libcurl */
	struct ofs_wire_cache *wc; /* parsed tool lists: an agent sends the same one each call */
	pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
	atomic_long seq;
	atomic_int inflight;
	atomic_int stopping;
	struct metrics m;
};

struct hdr {
	char *name, *value;
};

/* A client connection's transfer handles, kept for its next request
 * (MHD's socket context): no handle setup per request. An exchange that
 * outlives the connection (closed mid-stream) frees them. */
struct cstate {
	CURL *h;
	CURLM *m;
	struct h1conn *h1; /* the lean client's state (h1.c), made on first use */
	int busy, closed;
};

/* One exchange, from the request's last byte to its record. */
struct xchg {
	struct ofs_proxy *p;
	long seq;
	double t0;
	char agent[OFS_PROXY_MAX_AGENT + 1];
	char method[32];               /* a copy: a relayed exchange outlives MHD's request strings */
	char *uri;                     /* path and query as the client sent them */
	const struct ofs_wire_ops *w;  /* model call: its format; else NULL */
	const struct ofs_wire_ops *ew; /* the format errors are written in */
	struct ofs_arena *A;
	struct ofs_wire_req rq;
	int rq_ok;
	struct json_t *req_json; /* the request body if it is JSON */
	char *req_body;          /* owned */
	size_t req_len;
	struct curl_slist *out_hdrs;
	/* the response */
	int status;
	struct hdr hdrs[OFS_PROXY_MAX_HEADERS];
	int nhdrs;
	int sse;             /* upstream said text/event-stream */
	int relay;           /* bytes go to the client as they come (a stream, not enforce) */
	struct ofs_buf body; /* held (not relayed) response body, or the recorded prefix of a relayed one */
	int rec_trunc;
	size_t out_bytes;
	struct ofs_sse sse_dec;
	int sse_on;
	char error[OFS_ERRLEN]; /* the proxy failed the exchange: why */
	char blocked[512];
	int curl_rc;
	/* the transfer (libcurl multi, driven from the client's thread) and the
	 * queue of relayed bytes the client has not taken yet */
	struct cstate *cs; /* the connection's handles (h, m borrowed from it) */
	CURL *h;
	CURLM *m;
	struct h1conn *h1; /* the lean client's transfer (borrowed from cs), or NULL */
	char *url;
	struct ofs_buf q;
	size_t qoff;
	int headers_done, done, finished, paused;
	int relay_ok; /* a stream may be relayed (not held for enforce mode) */
};

/* upstream.c */
/* Build the transfer and run it on this thread: until it ends, or (a stream
 * that may be relayed: x->relay set) until its headers are in; then
 * ofs__proxy_relay_read() moves it on as the client takes the bytes. */
void ofs__proxy_upstream(struct xchg *x);
/* Give the transfer's handles back to the connection. */
void ofs__proxy_join(struct xchg *x);
void ofs__proxy_cstate_free(struct cstate *cs);
void ofs__proxy_share_init(struct ofs_proxy *p);
void ofs__proxy_share_free(struct ofs_proxy *p);
/* The response as either client gives it: a header line of the final
 * answer, the end of its headers (code), body bytes (0, or -1 with x->error
 * set), the end of the transfer (rc a CURLcode; x->error set from it). */
void ofs__proxy_header(struct xchg *x, const char *name, size_t nl, const char *v, size_t vl);
void ofs__proxy_headers_end(struct xchg *x, long code);
int ofs__proxy_body(struct xchg *x, const char *b, size_t len);
void ofs__proxy_ended(struct xchg *x, int rc);
/* The upstream URL for the client's uri under base (owned by the caller). */
char *ofs__proxy_target(const char *base, const char *uri);
/* Relay reader for MHD_create_response_from_callback. */
ssize_t ofs__proxy_relay_read(void *cls, uint64_t pos, char *buf, size_t max);

/* h1.c: the lean client for plain http:// upstreams */
/* p->h1 set when p->upstream is plain http:// and resolves; else left NULL (libcurl). */
void ofs__h1_init(struct ofs_proxy *p);
void ofs__h1_free(struct ofs_proxy *p);
/* Send x's request (a pooled connection or a new one); x->h1 set. */
void ofs__h1_start(struct xchg *x);
/* Wait up to a second for the upstream, then read and parse what came. */
void ofs__h1_step(struct xchg *x);
/* The transfer done or abandoned: its connection pooled or closed. */
void ofs__h1_join(struct xchg *x);
void ofs__h1_cstate_free(struct cstate *cs);

/* record.c */
/* The response parsed, hooks called, the record appended and committed,
 * metrics counted. Once per exchange. */
void ofs__proxy_finish(struct xchg *x);
/* Enforce mode: x's held response replaced by a blocked one (x->blocked says why). */
void ofs__proxy_blocked_body(struct xchg *x, struct ofs_buf *b);
int ofs__proxy_run_hooks(struct xchg *x);
void ofs__proxy_xchg_free(struct xchg *x);

/* server.c */
void *ofs__proxy_uri_log(void *cls, const char *uri, struct MHD_Connection *c);
enum MHD_Result ofs__proxy_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                                   const char *upload, size_t *upload_size, void **con_cls);
void ofs__proxy_conn_notify(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe);
void ofs__proxy_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe);

/* metrics.c */
void ofs__proxy_metrics_init(struct metrics *m);
void ofs__proxy_metrics_free(struct metrics *m);
void ofs__proxy_count(struct ofs_proxy *p, const char *agent, const char *format, int status, double secs, size_t in, size_t out);
void ofs__proxy_metrics_text(struct ofs_proxy *p, struct ofs_buf *b);
#endif
