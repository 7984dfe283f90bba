/* server.c — the client side of the proxy (libmicrohttpd, one thread per
 * connection): routing to a wire format, who the agent is, the checks on
 * the request (size, JSON with unique keys), the headers sent upstream
 * (hop-by-hop and credentials dropped, the upstream key injected), and the
 * answer: relayed as it arrives (streams) or held and then sent. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "proxy/proxy_int.h"

/* Per-request state (MHD's con_cls), made by the URI log callback. */
struct conn {
	char *uri; /* as the client sent it, query included */
	struct ofs_buf body;
	int too_big, answered, seen;
	double t0;
};

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* ---- routing ---- */

/* The format whose model-call route uri's path is (NULL: none), and the
 * format errors are written in (a hint in the URL, a sniffed header, the
 * auth header the client used, the default). */
static const struct ofs_wire_ops *route(struct MHD_Connection *c, const char *url, struct ofs_arena *A,
                                        const struct ofs_wire_ops **ew, const char **model, int *stream)
{
	const struct ofs_wire_ops *w;
	for (int i = 0; (w = ofs_wire_at(i)); i++)
		if (w->match_route && w->match_route(url, A, model, stream) == 1)
			return *ew = w;
	const char *p = !strncmp(url, "/v1/", 4) ? url + 3 : url;
	for (int i = 0; (w = ofs_wire_at(i)); i++)
		if (!w->match_route && !strcmp(p, w->path))
			return *ew = w;
	for (int i = 0; (w = ofs_wire_at(i)); i++)
		if (w->url_hint && strstr(url, w->url_hint))
			return *ew = w, NULL;
	for (int i = 0; (w = ofs_wire_at(i)); i++)
		if (w->sniff_header && MHD_lookup_connection_value(c, MHD_HEADER_KIND, w->sniff_header))
			return *ew = w, NULL;
	for (int i = 0; (w = ofs_wire_at(i)); i++)
		if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, w->auth_header) &&
		    strcasecmp(w->auth_header, "Authorization"))
			return *ew = w, NULL;
	*ew = ofs_wire_at(0);
	return NULL;
}

/* ---- sending ---- */

static enum MHD_Result queue(struct MHD_Connection *c, int status, struct MHD_Response *r, const char *ctype)
{
	if (!r)
		return MHD_NO;
	if (ctype)
		MHD_add_response_header(r, "Content-Type", ctype);
	enum MHD_Result res = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return res;
}

static enum MHD_Result send_copy(struct MHD_Connection *c, int status, const char *p, size_t n, const char *ctype)
{
	return queue(c, status, MHD_create_response_from_buffer(n, (void *)(p ? p : ""), MHD_RESPMEM_MUST_COPY), ctype);
}

/* The proxy answers itself with an error in the client's format; the
 * exchange is recorded. */
static enum MHD_Result fail(struct MHD_Connection *c, struct xchg *x, int status, const char *msg)
{
	struct ofs_buf b = {0};
	x->ew->write_error(&b, status, msg);
	x->status = status;
	snprintf(x->error, sizeof x->error, "%s", msg);
	ofs__proxy_finish(x);
	enum MHD_Result r = send_copy(c, status, b.p, b.len, "application/json");
	ofs_buf_free(&b);
	return r;
}

static void add_upstream_headers(struct MHD_Response *r, const struct xchg *x)
{
	for (int i = 0; i < x->nhdrs; i++)
		MHD_add_response_header(r, x->hdrs[i].name, x->hdrs[i].value);
}

static void relay_free(void *cls)
{
	struct xchg *x = cls;
	ofs__proxy_join(x);
	if (!x->finished) {
		if (!x->error[0])
			snprintf(x->error, sizeof x->error, "the client closed the connection mid-stream");
		ofs__proxy_finish(x);
	}
	atomic_fetch_sub(&x->p->inflight, 1);
	ofs__proxy_xchg_free(x);
}

/* ---- who is asking ---- */

static const char *const key_headers[] = {"Authorization", "x-api-key", "x-goog-api-key", "api-key"};

/* The key the client presented where its SDK puts the API key, or NULL. */
static const char *presented_key(struct MHD_Connection *c)
{
	for (size_t i = 0; i < sizeof key_headers / sizeof *key_headers; i++) {
		const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, key_headers[i]);
		if (v && i == 0)
			return !strncasecmp(v, "Bearer ", 7) ? v + 7 : v;
		if (v)
			return v;
	}
	return NULL;
}

static int same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

/* Sets x->agent; 0, or an HTTP status with msg. */
static int identify(struct MHD_Connection *c, struct xchg *x, const char **msg)
{
	struct ofs_proxy *p = x->p;
	const char *key = presented_key(c);
	if (p->token) {
		const char *pa = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Proxy-Authorization");
		const char *t = pa && !strncasecmp(pa, "Bearer ", 7) ? pa + 7 : pa;
		if (!(t && same_secret(t, p->token)) && !(!p->has_keys && key && same_secret(key, p->token))) {
			*msg = "offswitch proxy: missing or wrong client token (Proxy-Authorization: Bearer TOKEN)";
			return 401;
		}
	}
	if (p->has_keys) {
		const char *a = ofs_proxy_keys_agent(&p->keys, key);
		if (!a) {
			*msg = key ? "offswitch proxy: unknown proxy key" : "offswitch proxy: a proxy key is required";
			return 401;
		}
		snprintf(x->agent, sizeof x->agent, "%s", a);
		return 0;
	}
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Offswitch-Agent");
	size_t i = 0;
	for (; h && h[i] && i < OFS_PROXY_MAX_AGENT; i++) {
		char ch = h[i];
		int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || strchr("._:@-", ch);
		x->agent[i] = ok ? ch : '_';
	}
	x->agent[i] = 0;
	return 0;
}

/* ---- the request sent upstream ---- */

struct hctx {
	struct xchg *x;
	int drop_keys;
	const char *key_header; /* the auth header the client used */
};

static enum MHD_Result each_header(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	(void)kind;
	struct hctx *h = cls;
	static const char *const drop[] = {"host",
	                                   "content-length",
	                                   "connection",
	                                   "keep-alive",
	                                   "transfer-encoding",
	                                   "te",
	                                   "trailer",
	                                   "upgrade",
	                                   "expect",
	                                   "accept-encoding",
	                                   "proxy-authorization",
	                                   "proxy-connection",
	                                   "x-offswitch-agent"};
	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
		if (!strcasecmp(k, drop[i]))
			return MHD_YES;
	for (size_t i = 0; i < sizeof key_headers / sizeof *key_headers; i++)
		if (!strcasecmp(k, key_headers[i])) {
			if (!h->key_header)
				h->key_header = key_headers[i];
			const char *t = v && !strncasecmp(v, "Bearer ", 7) ? v + 7 : v;
			if (h->drop_keys || (h->x->p->token && t && same_secret(t, h->x->p->token)))
				return MHD_YES; /* a proxy key, the client token, or a key replaced by the upstream's */
		}
	struct ofs_buf b = {0};
	if (v && *v)
		ofs_buf_printf(&b, "%s: %s", k, v);
	else /* how curl is told to send a header with an empty value */
		ofs_buf_printf(&b, "%s;", k);
	h->x->out_hdrs = curl_slist_append(h->x->out_hdrs, b.p);
	ofs_buf_free(&b);
	return MHD_YES;
}

static void upstream_headers(struct MHD_Connection *c, struct xchg *x)
{
	struct ofs_proxy *p = x->p;
	struct hctx h = {x, p->has_keys || p->upstream_key, NULL};
	MHD_get_connection_values(c, MHD_HEADER_KIND, each_header, &h);
	x->out_hdrs = curl_slist_append(x->out_hdrs, "Expect:");
	if (p->upstream_key) {
		/* the header the client used, else its format's (x->ew is always set) */
		const char *name = h.key_header ? h.key_header : x->ew->auth_header;
		const char *scheme = !h.key_header ? x->ew->auth_scheme : !strcasecmp(name, "Authorization") ? "Bearer " : "";
		struct ofs_buf b = {0};
		ofs_buf_printf(&b, "%s: %s%s", name, scheme, p->upstream_key);
		x->out_hdrs = curl_slist_append(x->out_hdrs, b.p);
		ofs_buf_free(&b);
	}
}

/* ---- one exchange ---- */

/* Model calls: the body is JSON with unique keys, parsed by its format. 0 or 400 with msg. */
static int check_body(struct xchg *x, const char *model, int stream, char *msg)
{
	json_error_t je;
	x->req_json = json_loadb(x->req_body ? x->req_body : "", x->req_len, JSON_REJECT_DUPLICATES, &je);
	if (!x->req_json) {
		snprintf(msg, OFS_ERRLEN,
		         "offswitch proxy: the request body is not valid JSON with unique keys: %.200s (line %d)", je.text,
		         je.line);
		return 400;
	}
	if (!x->p->o.hooks.on_request && !x->p->o.hooks.on_response && !x->p->o.enforce)
		return 0; /* nobody reads the parsed request */
	char err[OFS_ERRLEN];
	x->rq_ok = !x->w->parse_request_cached(x->p->wc, x->req_body, x->req_len, x->A, &x->rq, err);
	if (x->rq_ok && model) {
		x->rq.model = model;
		x->rq.stream = stream;
	}
	return 0;
}

static enum MHD_Result answer(struct MHD_Connection *c, struct xchg *x)
{
	if (x->relay && x->headers_done) {
		struct MHD_Response *r =
		        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, ofs__proxy_relay_read, x, relay_free);
		if (!r) {
			relay_free(x);
			return MHD_NO;
		}
		add_upstream_headers(r, x);
		return queue(c, x->status, r, NULL);
	}
	ofs__proxy_join(x);
	enum MHD_Result res;
	if (!x->headers_done || x->error[0]) {
		int st = x->curl_rc == CURLE_OPERATION_TIMEDOUT ? 504 : 502;
		char msg[OFS_ERRLEN + 32];
		snprintf(msg, sizeof msg, "offswitch proxy: %s", x->error[0] ? x->error : "upstream failed");
		res = fail(c, x, st, msg);
	} else if (ofs__proxy_run_hooks(x)) {
		struct ofs_buf b = {0};
		ofs__proxy_blocked_body(x, &b);
		ofs__proxy_finish(x);
		res = send_copy(c, 200, b.p, b.len, x->rq.stream ? "text/event-stream; charset=utf-8" : "application/json");
		ofs_buf_free(&b);
	} else {
		ofs__proxy_finish(x);
		struct MHD_Response *r =
		        MHD_create_response_from_buffer(x->body.len, x->body.p ? x->body.p : "", MHD_RESPMEM_MUST_COPY);
		if (r)
			add_upstream_headers(r, x);
		res = queue(c, x->status, r, NULL);
	}
	atomic_fetch_sub(&x->p->inflight, 1);
	ofs__proxy_xchg_free(x);
	return res;
}

/* An exchange the proxy refuses before it goes upstream. */
static enum MHD_Result refuse(struct MHD_Connection *c, struct xchg *x, int status, const char *msg)
{
	enum MHD_Result res = fail(c, x, status, msg);
	atomic_fetch_sub(&x->p->inflight, 1);
	ofs__proxy_xchg_free(x);
	return res;
}

static struct xchg *xchg_new(struct ofs_proxy *p, struct conn *k, const char *method)
{
	struct xchg *x = ofs_xcalloc(1, sizeof *x);
	x->p = p;
	x->seq = atomic_fetch_add(&p->seq, 1) + 1;
	x->t0 = k->t0;
	snprintf(x->method, sizeof x->method, "%s", method);
	x->uri = k->uri ? k->uri : ofs_xstrdup("/");
	k->uri = NULL;
	x->req_len = k->body.len;
	x->req_body = ofs_buf_detach(&k->body); /* the exchange may outlive the request's state */
	x->A = ofs_arena_new(16 * 1024);
	atomic_fetch_add(&p->inflight, 1);
	return x;
}

static enum MHD_Result exchange(struct ofs_proxy *p, struct MHD_Connection *c, struct conn *k, const char *url,
                                const char *method)
{
	struct xchg *x = xchg_new(p, k, method);
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	x->cs = ci ? ci->socket_context : NULL;
	if (!x->cs) /* no context: handles for this exchange only */
		x->cs = ofs_xcalloc(1, sizeof *x->cs), x->cs->closed = 1;
	const char *model = NULL, *msg = NULL;
	int rstream = 0, st; /* rstream: a route that says it streams (Gemini) */
	x->w = route(c, url, x->A, &x->ew, &model, &rstream);
	if (x->w && strcmp(method, "POST"))
		x->w = NULL;
	char err[OFS_ERRLEN];
	if (!ofs_listen_host_ok(&p->ls, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"), p->o.allow_remote))
		return refuse(c, x, 403, "offswitch proxy: the Host header does not name this server");
	if ((st = identify(c, x, &msg)))
		return refuse(c, x, st, msg);
	if (k->too_big) {
		snprintf(err, sizeof err, "offswitch proxy: request body larger than %zu bytes", p->o.max_request);
		return refuse(c, x, 413, err);
	}
	if (x->w && (st = check_body(x, model, rstream, err)))
		return refuse(c, x, st, err);
	if (x->w && p->o.hooks.on_request) {
		struct ofs_proxy_exchange e = {x->agent, x->w, x->rq_ok ? &x->rq : NULL, NULL, 0, x->seq, p};
		p->o.hooks.on_request(p->o.hooks.ctx, &e);
	}
	x->relay_ok = !(p->o.enforce && x->w); /* enforce mode holds a model call's stream until checked */
	upstream_headers(c, x);
	ofs__proxy_upstream(x);
	return answer(c, x);
}

/* ---- the proxy's own routes ---- */

static int own_route(struct ofs_proxy *p, struct MHD_Connection *c, const char *url, const char *method, enum MHD_Result *res)
{
	if (strcmp(method, "GET") || (strcmp(url, "/healthz") && strcmp(url, "/metrics")))
		return 0;
	if (!strcmp(url, "/healthz")) {
		const char *t = atomic_load(&p->stopping) ? "draining\n" : "ok\n";
		*res = send_copy(c, atomic_load(&p->stopping) ? 503 : 200, t, strlen(t), "text/plain; charset=utf-8");
		return 1;
	}
	struct ofs_buf b = {0};
	ofs__proxy_metrics_text(p, &b);
	*res = send_copy(c, 200, b.p, b.len, "text/plain; version=0.0.4; charset=utf-8");
	ofs_buf_free(&b);
	return 1;
}

enum MHD_Result ofs__proxy_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                                   const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct ofs_proxy *p = cls;
	struct conn *k = *con_cls;
	if (!k) /* no URI log call: make the state now */
		*con_cls = k = ofs_xcalloc(1, sizeof *k), k->t0 = now_s();
	if (k->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (!k->seen) { /* the headers are in; the body follows */
		k->seen = 1;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > p->o.max_request) {
			k->too_big = 1; /* answer now, before reading the body */
			k->answered = 1;
			return exchange(p, c, k, url, method);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (!k->too_big && k->body.len + *upload_size > p->o.max_request) {
			k->too_big = 1;
			ofs_buf_free(&k->body);
		}
		if (!k->too_big)
			ofs_buf_add(&k->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	k->answered = 1;
	enum MHD_Result res;
	if (own_route(p, c, url, method, &res))
		return res;
	return exchange(p, c, k, url, method);
}

void *ofs__proxy_uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls, (void)c;
	struct conn *k = ofs_xcalloc(1, sizeof *k);
	k->t0 = now_s();
	k->uri = ofs_xstrdup(uri && *uri ? uri : "/");
	return k;
}

void ofs__proxy_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	struct conn *k = *con_cls;
	if (k) {
		ofs_buf_free(&k->body);
		free(k->uri);
		free(k);
		*con_cls = NULL;
	}
}

void ofs__proxy_conn_notify(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	(void)cls, (void)c;
	struct cstate *cs = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = ofs_xcalloc(1, sizeof(struct cstate));
		return;
	}
	*socket_context = NULL;
	if (cs && cs->busy)
		cs->closed = 1; /* the exchange still running frees it */
	else if (cs)
		ofs__proxy_cstate_free(cs);
}
