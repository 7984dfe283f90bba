/* server.c — the mock provider's HTTP server (libmicrohttpd: a few threads,
 * each polling its share of the connections with epoll; a request held by
 * a latency or a hang is suspended, and resumed by the waker thread when its
 * time is up, so it never blocks another).
 *
 * Routes come from the wire registry: each format names its model-call (and
 * token-count) path, parses the request and writes the answer. Each request is answered statelessly from its own body: the "model" field
 * picks the agent (reference agent, script file, or the fallback agent), and
 * an agent's state is rebuilt by replaying it over the conversation's earlier
 * assistant turns. Faults come from X-Mock-Fault or, with a seeded PRNG, from
 * the configured probabilities. The request log never holds a header value:
 * API keys are never read at all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "mock/mock_int.h"

struct req;

/* Per-request state (MHD's con_cls). */
struct ofs__mock_conn {
	struct ofs_buf body;
	int too_big;
	int answered; /* a response (or a drop) was decided: ignore further calls */
	double t0;
	struct req *held;                     /* suspended until wake_at: answered when resumed */
	struct MHD_Connection *c;             /* ... on this connection */
	struct timespec wake_at;              /* CLOCK_MONOTONIC */
	struct ofs__mock_conn *wprev, *wnext; /* on m->waiting while held */
};

/* What the log line says about one request. */
struct entry {
	const char *method, *path, *model, *agent;
	int stream;
	long max_tokens; /* the request's per-call limit; 0: none */
	enum ofs_mock_fault fault;
	int status; /* 0: no response (hang, reset) */
};

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* splitmix64: deterministic per seed, shared by all threads under mu. */
static double uniform(struct ofs_mock *m)
{
	pthread_mutex_lock(&m->mu);
	uint64_t z = (m->rng += 0x9e3779b97f4a7c15ULL);
	pthread_mutex_unlock(&m->mu);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static void write_log(struct ofs_mock *m, const struct entry *e, double t0)
{
	if (!m->o.log)
		return;
	struct ofs_buf b = {0};
	ofs_buf_printf(&b, "{\"time\":%.3f,\"method\":", t0);
	ofs_json_str(&b, e->method);
	ofs_buf_puts(&b, ",\"path\":");
	ofs_json_str(&b, e->path);
	ofs_buf_puts(&b, ",\"model\":");
	if (e->model)
		ofs_json_str(&b, e->model);
	else
		ofs_buf_puts(&b, "null");
	ofs_buf_printf(&b, ",\"stream\":%s,\"agent\":", e->stream ? "true" : "false");
	if (e->agent)
		ofs_json_str(&b, e->agent);
	else
		ofs_buf_puts(&b, "null");
	if (e->max_tokens > 0)
		ofs_buf_printf(&b, ",\"max_tokens\":%ld", e->max_tokens);
	else
		ofs_buf_puts(&b, ",\"max_tokens\":null");
	ofs_buf_printf(&b, ",\"fault\":\"%s\",\"status\":", ofs_mock_fault_names[e->fault]);
	if (e->status)
		ofs_buf_printf(&b, "%d", e->status);
	else
		ofs_buf_puts(&b, "null");
	ofs_buf_printf(&b, ",\"ms\":%ld}\n", (long)((now_s() - t0) * 1000 + 0.5));
	pthread_mutex_lock(&m->log_mu);
	fputs(b.p, m->o.log);
	fflush(m->o.log);
	pthread_mutex_unlock(&m->log_mu);
	ofs_buf_free(&b);
}

/* ---- sending ---- */
struct stream {
	char *p;
	size_t len, cut; /* serve p[0..cut); cut < len: then drop the connection */
	int sse;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	if (pos >= s->cut)
		return s->cut < s->len ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
	size_t n = s->cut - (size_t)pos;
	if (s->sse) { /* one event a chunk, as a real server flushes them */
		const char *e = strstr(s->p + pos, "\n\n");
		if (e && (size_t)(e + 2 - (s->p + pos)) < n)
			n = (size_t)(e + 2 - (s->p + pos));
	}
	if (n > max)
		n = max;
	memcpy(buf, s->p + pos, n);
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;
	free(s->p);
	free(s);
}

struct sendopts {
	int sse;
	int truncated;
	int retry_after; /* > 0: Retry-After header */
	long reqno;
};

/* Queue b (taken over) as the response. */
static enum MHD_Result send_body(struct MHD_Connection *c, int status, struct ofs_buf *b, const struct sendopts *so)
{
	struct MHD_Response *resp;
	size_t len = b->len;
	char *p = ofs_buf_detach(b);
	if (!p)
		p = ofs_xstrdup("");
	if (so->sse || so->truncated) {
		struct stream *s = ofs_xcalloc(1, sizeof *s);
		s->p = p;
		s->len = len;
		s->cut = so->truncated ? len / 2 : len;
		s->sse = so->sse;
		resp = MHD_create_response_from_callback(so->sse ? MHD_SIZE_UNKNOWN : len, 4096, stream_read, s, stream_free);
		if (!resp)
			stream_free(s);
	} else {
		resp = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			free(p);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", so->sse ? "text/event-stream; charset=utf-8" : "application/json");
	if (so->sse)
		MHD_add_response_header(resp, "Cache-Control", "no-cache");
	char v[48];
	snprintf(v, sizeof v, "req_mock_%ld", so->reqno);
	MHD_add_response_header(resp, "x-request-id", v);
	MHD_add_response_header(resp, "request-id", v);
	if (so->retry_after > 0) {
		snprintf(v, sizeof v, "%d", so->retry_after);
		MHD_add_response_header(resp, "Retry-After", v);
	}
	enum MHD_Result r = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return r;
}

static enum MHD_Result send_error(struct MHD_Connection *c, struct entry *e, const struct ofs_wire_ops *w, int status,
                                  const char *msg, long reqno)
{
	struct ofs_buf b = {0};
	w->write_error(&b, status, msg);
	struct sendopts so = {.reqno = reqno};
	e->status = status;
	return send_body(c, status, &b, &so);
}

/* ---- routing ---- */
enum route_kind { R_NONE, R_MODELS, R_MODEL, R_CALL, R_COUNT };

struct route {
	enum route_kind kind;
	const struct ofs_wire_ops *w; /* the format of the call, or of the error bodies */
	const char *model_id;         /* R_MODEL */
	const char *model;            /* a route that names the model (Gemini): it, else NULL */
	int stream;                   /* ... and whether it streams */
};

/* The format of a request on a route no format names (its errors are
 * written in it): a URL hint, then a sniffed header, then the default. */
static const struct ofs_wire_ops *wire_guess(struct MHD_Connection *c, const char *url)
{
	const struct ofs_wire_ops *w;
	for (int i = 0; (w = ofs_wire_at(i)); i++)
		if (w->url_hint && strstr(url, w->url_hint))
			return w;
	for (int i = 0; (w = ofs_wire_at(i)); i++)
		if (w->sniff_header && MHD_lookup_connection_value(c, MHD_HEADER_KIND, w->sniff_header))
			return w;
	return ofs_wire_at(0);
}

/* Formats whose routes carry the model (Gemini's /v1beta/models/M:verb). */
static int route_with_model(struct route *r, const char *url, struct ofs_arena *A)
{
	const struct ofs_wire_ops *w;
	for (int i = 0; (w = ofs_wire_at(i)); i++) {
		int k = w->match_route ? w->match_route(url, A, &r->model, &r->stream) : 0;
		if (k) {
			r->kind = k == 1 ? R_CALL : R_COUNT;
			r->w = w;
			return 1;
		}
	}
	return 0;
}

static struct route route_of(struct MHD_Connection *c, const char *url, struct ofs_arena *A)
{
	struct route r = {R_NONE, NULL, NULL, NULL, 0};
	if (route_with_model(&r, url, A))
		return r;
	const char *p = !strncmp(url, "/v1/", 4) ? url + 3 : url;
	if (!strcmp(p, "/models"))
		r.kind = R_MODELS;
	else if (!strncmp(p, "/models/", 8) && p[8]) {
		r.kind = R_MODEL;
		r.model_id = p + 8;
	}
	const struct ofs_wire_ops *w;
	for (int i = 0; r.kind == R_NONE && (w = ofs_wire_at(i)); i++) {
		if (w->match_route)
			continue;
		if (!strcmp(p, w->path))
			r.kind = R_CALL, r.w = w;
		else if (w->count_path && !strcmp(p, w->count_path))
			r.kind = R_COUNT, r.w = w;
	}
	if (!r.w)
		r.w = wire_guess(c, url);
	return r;
}

static enum ofs_mock_fault pick_fault(struct ofs_mock *m)
{
	if (!m->o.nfaults)
		return OFS_FAULT_NONE;
	double u = uniform(m), acc = 0;
	for (int i = 0; i < m->o.nfaults; i++) {
		acc += m->o.faults[i].p;
		if (u < acc)
			return m->o.faults[i].kind;
	}
	return OFS_FAULT_NONE;
}

static long latency_ms(struct ofs_mock *m)
{
	long ms = m->o.latency_ms;
	if (m->o.latency_jitter_ms > 0)
		ms += (long)((uniform(m) * 2 - 1) * m->o.latency_jitter_ms);
	return ms > 0 ? ms : 0;
}

static enum MHD_Result drop(struct MHD_Connection *c, int reset)
{
	if (reset) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci) {
			struct linger l = {1, 0};
			setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
		}
	}
	return MHD_NO;
}

/* One request being answered. */
struct req {
	struct ofs_mock *m;
	struct MHD_Connection *c;
	struct route rt;
	struct entry e;
	long reqno;
	struct ofs_arena *A;
	struct ofs_wire_req rq;
	int parsed; /* 0: rq holds the parsed body; else perr says why not */
	char perr[OFS_ERRLEN];
	int refused; /* answered by refuse(): res */
	enum MHD_Result res;
};

/* Requests refused before their body is looked at: unknown route, wrong
 * method, too large, unknown X-Mock-Fault. Otherwise picks the fault. */
static int refuse(struct req *q, struct ofs__mock_conn *k, const char *url, const char *method, enum MHD_Result *res)
{
	char err[OFS_ERRLEN];
	const struct ofs_wire_ops *w = q->rt.w;
	if (!ofs_listen_host_ok(&q->m->ls, MHD_lookup_connection_value(q->c, MHD_HEADER_KIND, "Host"), q->m->o.allow_remote)) {
		*res = send_error(q->c, &q->e, w, 403, "Host header does not name this server (loopback names only)", q->reqno);
		return 1;
	}
	if (q->rt.kind == R_NONE) {
		snprintf(err, sizeof err, "Unknown request URL: %.20s %.200s", method, url);
		*res = send_error(q->c, &q->e, w, 404, err, q->reqno);
		return 1;
	}
	int get = q->rt.kind == R_MODELS || q->rt.kind == R_MODEL;
	if (strcmp(method, get ? "GET" : "POST")) {
		snprintf(err, sizeof err, "Method %.20s is not allowed on %.200s (use %s)", method, url, get ? "GET" : "POST");
		*res = send_error(q->c, &q->e, w, 405, err, q->reqno);
		return 1;
	}
	if (k->too_big) {
		snprintf(err, sizeof err, "Request body larger than %zu bytes", q->m->o.max_body);
		*res = send_error(q->c, &q->e, w, 413, err, q->reqno);
		return 1;
	}
	const char *fh = MHD_lookup_connection_value(q->c, MHD_HEADER_KIND, "X-Mock-Fault");
	int model_call = q->rt.kind == R_CALL;
	if (fh) {
		int f = ofs_mock_fault_parse(fh);
		if (f < 0) {
			*res = send_error(q->c, &q->e, w, 400,
			                  "X-Mock-Fault: unknown fault (known: none, 429, 500, 503, hang, reset, malformed, "
			                  "truncated, bad_args)",
			                  q->reqno);
			return 1;
		}
		q->e.fault = (enum ofs_mock_fault)f;
	} else if (model_call)
		q->e.fault = pick_fault(q->m);
	if (q->e.fault == OFS_FAULT_BAD_ARGS && !model_call)
		q->e.fault = OFS_FAULT_NONE;
	return 0;
}

/* Faults that replace the answer: an error status, a hang, a reset. */
static int fault_instead(struct req *q, enum MHD_Result *res)
{
	switch (q->e.fault) {
	case OFS_FAULT_429:
	case OFS_FAULT_500:
	case OFS_FAULT_503: {
		int over = q->rt.w->overload_status ? q->rt.w->overload_status : 503; /* Anthropic: 529 */
		int st = q->e.fault == OFS_FAULT_429 ? 429 : q->e.fault == OFS_FAULT_500 ? 500 : over;
		struct ofs_buf b = {0};
		q->rt.w->write_error(&b, st,
		                     st == 429   ? "Rate limit reached (mock fault 429). Retry after the time in Retry-After."
		                     : st == 500 ? "The server had an error while processing your request (mock fault 500)."
		                                 : "The server is overloaded (mock fault 503).");
		struct sendopts so = {.retry_after = st == 429 ? q->m->o.retry_after : 0, .reqno = q->reqno};
		q->e.status = st;
		*res = send_body(q->c, st, &b, &so);
		return 1;
	}
	case OFS_FAULT_HANG: /* held for hang_seconds already (respond) */ *res = drop(q->c, 0); return 1;
	case OFS_FAULT_RESET: *res = drop(q->c, 1); return 1;
	default: return 0;
	}
}

/* A model call's answer in the request's format. Returns 0, or an HTTP
 * status with a message in err. */
static int model_answer(struct req *q, struct ofs_buf *b, long created, char *err)
{
	struct ofs_response r;
	const char *key = MHD_lookup_connection_value(q->c, MHD_HEADER_KIND, "X-Offswitch-Config");
	int st = ofs__mock_answer(q->m, key, &q->rq, q->A, &r, &q->e.agent, err);
	if (st)
		return st;
	if (q->e.fault == OFS_FAULT_BAD_ARGS)
		ofs_mock_break_args(&r, &q->rq, q->A);
	char id[64];
	snprintf(id, sizeof id, "%s%ld", q->rt.w->id_prefix, q->reqno);
	struct ofs_wire_reply o = {id, created, q->rq.in_tokens, ofs_mock_out_tokens(&r)};
	if (q->rq.stream)
		q->rt.w->write_stream(b, &q->rq, &r, &o);
	else
		q->rt.w->write_response(b, &q->rq, &r, &o);
	return 0;
}

/* The 200 answer for the route (or an error the body or agent gives). */
static enum MHD_Result answer_ok(struct req *q)
{
	struct ofs_buf b = {0};
	struct sendopts so = {.reqno = q->reqno, .truncated = q->e.fault == OFS_FAULT_TRUNCATED};
	long created = (long)time(NULL);
	char err[OFS_ERRLEN];
	if (q->rt.kind == R_MODELS)
		ofs_mock_write_models(&b, q->m->started); /* a model's date does not move */
	else if (q->rt.kind == R_MODEL && !ofs__mock_model_known(q->rt.model_id)) {
		snprintf(err, sizeof err, "The model '%.200s' does not exist (GET /v1/models lists the known ones)",
		         q->rt.model_id);
		return send_error(q->c, &q->e, q->rt.w, 404, err, q->reqno);
	} else if (q->rt.kind == R_MODEL)
		ofs_mock_write_model(&b, q->rt.model_id, q->m->started);
	else if (q->parsed)
		return send_error(q->c, &q->e, q->rt.w, 400, q->perr, q->reqno);
	else if (q->rt.kind == R_COUNT && q->rt.w->write_count)
		q->rt.w->write_count(&b, q->rq.in_tokens);
	else if (q->rt.kind == R_COUNT)
		ofs_buf_printf(&b, "{\"input_tokens\":%ld}", q->rq.in_tokens);
	else {
		int st = model_answer(q, &b, created, err);
		if (st) {
			ofs_buf_free(&b);
			return send_error(q->c, &q->e, q->rt.w, st, err, q->reqno);
		}
		so.sse = q->rq.stream;
	}
	if (q->e.fault == OFS_FAULT_MALFORMED)
		ofs_mock_malform(&b, so.sse);
	q->e.status = 200;
	return send_body(q->c, 200, &b, &so);
}

/* ---- held requests: suspended, resumed by the waker thread ---- */
static void wait_list_del(struct ofs_mock *m, struct ofs__mock_conn *k)
{
	if (k->wprev)
		k->wprev->wnext = k->wnext;
	else
		m->waiting = k->wnext;
	if (k->wnext)
		k->wnext->wprev = k->wprev;
	k->wprev = k->wnext = NULL;
}

/* Suspend k's connection for ms with q to answer when it resumes. Returns 0
 * (wait no longer: the server is stopping) or 1. */
static int hold(struct ofs_mock *m, struct ofs__mock_conn *k, struct MHD_Connection *c, struct req *q, long ms)
{
	pthread_mutex_lock(&m->wmu);
	if (atomic_load(&m->stopping) || !m->waker_up) {
		pthread_mutex_unlock(&m->wmu);
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &k->wake_at);
	k->wake_at.tv_sec += ms / 1000;
	k->wake_at.tv_nsec += (ms % 1000) * 1000000L;
	if (k->wake_at.tv_nsec >= 1000000000L) {
		k->wake_at.tv_sec++;
		k->wake_at.tv_nsec -= 1000000000L;
	}
	k->held = q;
	k->c = c;
	k->wprev = NULL;
	k->wnext = m->waiting;
	if (m->waiting)
		m->waiting->wprev = k;
	m->waiting = k;
	MHD_suspend_connection(c);
	pthread_cond_signal(&m->wcv);
	pthread_mutex_unlock(&m->wmu);
	return 1;
}

/* k's connection is gone: off the waiting list, its held request freed. */
static void unhold(struct ofs_mock *m, struct ofs__mock_conn *k)
{
	pthread_mutex_lock(&m->wmu);
	if (k->wprev || k->wnext || m->waiting == k)
		wait_list_del(m, k);
	pthread_mutex_unlock(&m->wmu);
	if (k->held) {
		ofs_arena_free(k->held->A);
		free(k->held);
		k->held = NULL;
	}
}

static int ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

/* Resume each held connection when its time is up; all of them once the
 * server stops (their answers or drops go out at once). */
static void *waker(void *arg)
{
	struct ofs_mock *m = arg;
	pthread_mutex_lock(&m->wmu);
	for (;;) {
		int stop = atomic_load(&m->stopping);
		struct timespec now, next = {0, 0};
		int any = 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (struct ofs__mock_conn *k = m->waiting, *n; k; k = n) {
			n = k->wnext;
			if (stop || ts_before(&k->wake_at, &now)) {
				wait_list_del(m, k);
				MHD_resume_connection(k->c);
			} else if (!any++ || ts_before(&k->wake_at, &next))
				next = k->wake_at;
		}
		if (stop)
			break;
		if (any)
			pthread_cond_timedwait(&m->wcv, &m->wmu, &next);
		else
			pthread_cond_wait(&m->wcv, &m->wmu);
	}
	m->waker_up = 0;
	pthread_mutex_unlock(&m->wmu);
	return NULL;
}

static int waker_start(struct ofs_mock *m)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->wcv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&m->wmu, NULL);
	m->waker_up = !pthread_create(&m->waker, NULL, waker, m);
	return m->waker_up ? 0 : -1;
}

/* Stop the waker: every held request is resumed first. */
static void waker_stop(struct ofs_mock *m)
{
	pthread_mutex_lock(&m->wmu);
	int up = m->waker_up;
	pthread_cond_signal(&m->wcv);
	pthread_mutex_unlock(&m->wmu);
	if (up)
		pthread_join(m->waker, NULL);
}

/* The answer (or the fault) of q, once any wait is over; q is freed. */
static enum MHD_Result finish(struct ofs_mock *m, struct ofs__mock_conn *k, struct req *q)
{
	enum MHD_Result res;
	if (!q->refused && !fault_instead(q, &res))
		res = answer_ok(q);
	else if (q->refused)
		res = q->res;
	write_log(m, &q->e, k->t0);
	ofs_arena_free(q->A);
	free(q);
	return res;
}

static enum MHD_Result respond(struct ofs_mock *m, struct MHD_Connection *c, struct ofs__mock_conn *k, const char *url,
                               const char *method)
{
	struct req *q = ofs_xcalloc(1, sizeof *q);
	*q = (struct req){.m = m, .c = c, .e = {.method = method, .path = url}, .parsed = -1};
	k->answered = 1;
	q->reqno = atomic_fetch_add(&m->counter, 1) + 1;
	q->A = ofs_arena_new(64 * 1024);
	q->rt = route_of(c, url, q->A);
	if ((q->refused = refuse(q, k, url, method, &q->res)))
		return finish(m, k, q);
	/* Parse before faults so the log names the model; report errors after. */
	if (q->rt.kind == R_CALL || q->rt.kind == R_COUNT) {
		q->parsed = q->rt.w->parse_request_cached(m->wc, k->body.p ? k->body.p : "", k->body.len, q->A, &q->rq, q->perr);
		if (!q->parsed && q->rt.model) { /* the route names the model and the streaming */
			q->rq.model = q->rt.model;
			q->rq.stream = q->rt.stream;
		}
		if (!q->parsed) {
			q->e.model = q->rq.model;
			q->e.stream = q->rq.stream && q->rt.kind != R_COUNT;
			q->e.max_tokens = q->rq.max_tokens;
		}
	}
	long wait = 0;
	if (q->rt.kind == R_CALL && (m->o.latency_ms > 0 || m->o.latency_jitter_ms > 0))
		wait = latency_ms(m);
	if (q->e.fault == OFS_FAULT_HANG)
		wait += (long)m->o.hang_seconds * 1000;
	if (wait > 0 && hold(m, k, c, q, wait))
		return MHD_YES; /* suspended: answered when the waker resumes it */
	return finish(m, k, q);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
                               const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct ofs_mock *m = cls;
	struct ofs__mock_conn *k = *con_cls;
	if (k && k->held) { /* resumed: its wait is over */
		struct req *q = k->held;
		k->held = NULL;
		return finish(m, k, q);
	}
	if (k && k->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (!k) {
		k = ofs_xcalloc(1, sizeof *k);
		k->t0 = now_s();
		*con_cls = k;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > m->o.max_body) {
			/* Answer now, before reading the body; MHD closes afterwards. */
			k->too_big = 1;
			return respond(m, c, k, url, method);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (!k->too_big && k->body.len + *upload_size > m->o.max_body) {
			k->too_big = 1;
			ofs_buf_free(&k->body);
		}
		if (!k->too_big)
			ofs_buf_add(&k->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return respond(m, c, k, url, method);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	struct ofs__mock_conn *k = *con_cls;
	if (k) {
		unhold(cls, k);
		ofs_buf_free(&k->body);
		free(k);
		*con_cls = NULL;
	}
}

/* ---- start and stop ---- */
#define POOL_MAX 4u /* polling threads: one a core, at most this many */
/* Each connection's MHD memory pool: the request line and headers and the
 * read buffer the body passes through (the body itself is copied out as it
 * arrives, so it may be far larger: tests/cli/mock.bats sends 300 KB). MHD
 * zeroes the whole pool before every request on a kept-alive connection,
 * so its size is paid per request. */
#define POOL_BYTES (32 * 1024)

static void release(struct ofs_mock *m)
{
	atomic_store(&m->stopping, 1);
	waker_stop(m);
	pthread_mutex_destroy(&m->wmu);
	pthread_cond_destroy(&m->wcv);
	ofs__mock_agents_release(m);
	ofs_wire_cache_free(m->wc);
	pthread_mutex_destroy(&m->mu);
	pthread_mutex_destroy(&m->log_mu);
	free(m);
}

int ofs_mock_start(struct ofs_mock **out, const struct ofs_mock_opts *o, char *err)
{
	*out = NULL;
	struct ofs_mock *m = ofs_xcalloc(1, sizeof *m);
	m->o = *o;
	if (!m->o.max_body)
		m->o.max_body = 8u << 20;
	m->rng = o->seed;
	m->started = (long)time(NULL);
	pthread_mutex_init(&m->mu, NULL);
	m->wc = ofs_wire_cache_new();
	pthread_mutex_init(&m->log_mu, NULL);
	int rc, fd;
	if (waker_start(m)) {
		snprintf(err, OFS_ERRLEN, "cannot start a thread");
		rc = OFS_EIO;
		goto fail;
	}
	if ((rc = ofs__mock_agents_load(m, err)) || (rc = ofs_listen(&m->ls, o->host, o->port, o->allow_remote, err)))
		goto fail;
	fd = m->ls.fd;
	/* A few polling threads (epoll), not one per connection: a request is
	 * answered as soon as it is read, and the held ones are suspended. */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned pool = ncpu < 2 ? 1u : ncpu > POOL_MAX ? POOL_MAX : (unsigned)ncpu;
	m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
	                        handler, m, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, completed, m,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)POOL_BYTES, MHD_OPTION_CONNECTION_LIMIT, 512u,
	                        MHD_OPTION_CONNECTION_TIMEOUT, 300u, MHD_OPTION_THREAD_POOL_SIZE, pool, MHD_OPTION_END);
	if (!m->d) {
		close(fd);
		snprintf(err, OFS_ERRLEN, "cannot start the HTTP server on %s", m->ls.url);
		rc = OFS_ELISTEN;
		goto fail;
	}
	*out = m;
	return 0;
fail:
	release(m);
	return rc;
}

const char *ofs_mock_url(const struct ofs_mock *m)
{
	return m->ls.url;
}

void ofs_mock_stop(struct ofs_mock *m)
{
	if (!m)
		return;
	atomic_store(&m->stopping, 1);
	waker_stop(m); /* the held requests are let go first */
	if (m->d)
		MHD_stop_daemon(m->d);
	release(m);
}
