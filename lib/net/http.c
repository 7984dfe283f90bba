/* http.c — many model calls in flight on one thread, each sent and parsed
 * with its target's wire format (lib/wire/) and classified for the engine's
 * retry logic. Loopback http:// targets go through the lean client
 * (h1_multi.c); every other target through libcurl's multi interface. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/http_int.h"

#define BODY_MAX OFS_HTTP_BODY_MAX

/* Finished calls keep their easy handle (its options, its header list) on
 * the idle list for the next call: no handle created, set up and freed per
 * request. The connections stay in the multi handle's cache either way. */
struct ofs_http {
	CURLM *m;
	struct ofs__h1m *lean;
	struct call *calls;
	struct call *idle; /* at most IDLE_MAX */
	int n, nidle;
	int ncurl; /* calls in flight on libcurl */
};

#define IDLE_MAX 1024

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct ofs_http *ofs_http_new(int max_connections)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, curl_init_once);
	struct ofs_http *h = ofs_xcalloc(1, sizeof *h);
	h->m = curl_multi_init();
	if (!h->m)
		ofs_oom();
	if (max_connections > 0) {
		curl_multi_setopt(h->m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_connections);
		curl_multi_setopt(h->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)max_connections);
	}
	curl_multi_setopt(h->m, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	h->lean = ofs__h1m_new(max_connections);
	return h;
}

static void call_free(struct call *c)
{
	if (c->e)
		curl_easy_cleanup(c->e);
	ofs_buf_free(&c->req);
	curl_slist_free_all(c->hdrs);
	free(c->hdrs_key);
	ofs_buf_free(&c->body);
	ofs_sse_release(&c->sse);
	free(c);
}

/* A finished call's handle back on the idle list (or freed). */
static void call_park(struct ofs_http *h, struct call *c)
{
	if (h->nidle >= IDLE_MAX) {
		call_free(c);
		return;
	}
	if (c->stream) /* a whole answer never touched it */
		ofs_sse_release(&c->sse);
	ofs_buf_reset(&c->body);
	ofs_buf_reset(&c->req);
	c->next = h->idle;
	h->idle = c;
	h->nidle++;
}

void ofs_http_free(struct ofs_http *h)
{
	if (!h)
		return;
	for (struct call *c = h->calls, *n; c; c = n) {
		n = c->next;
		if (c->e)
			curl_multi_remove_handle(h->m, c->e);
		call_free(c);
	}
	ofs__h1m_free(h->lean);
	for (struct call *c = h->idle, *n; c; c = n) {
		n = c->next;
		call_free(c);
	}
	curl_multi_cleanup(h->m);
	free(h);
}

int ofs_http_in_flight(const struct ofs_http *h)
{
	return h->n;
}

void ofs__http_status(struct call *c, int status)
{
	c->status = status;
}

void ofs__http_retry_after(struct call *c, const char *v, size_t n)
{
	char tmp[64];
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	size_t l = n < sizeof tmp - 1 ? n : sizeof tmp - 1;
	memcpy(tmp, v, l);
	tmp[l] = 0;
	char *end;
	double s = strtod(tmp, &end);
	if (end != tmp && s >= 0)
		c->retry_after = s;
	else {
		time_t when = curl_getdate(tmp, NULL); /* an HTTP date */
		if (when > 0)
			c->retry_after = difftime(when, time(NULL)) > 0 ? difftime(when, time(NULL)) : 0;
	}
}

int ofs__http_body(struct call *c, const char *p, size_t len)
{
	if (c->stream && c->status == 200) {
		if (c->sse.seen + len > BODY_MAX)
			c->over = 1;
		return ofs_sse_feed(&c->sse, p, len) ? -1 : 0; /* malformed or oversized stream */
	}
	if (c->body.len + len > BODY_MAX) {
		c->over = 1;
		return -1;
	}
	ofs_buf_add(&c->body, p, len);
	return 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct call *c = ud;
	size_t len = size * n;
	if (len > 5 && !strncmp(p, "HTTP/", 5)) {
		const char *sp = memchr(p, ' ', len);
		ofs__http_status(c, sp ? atoi(sp + 1) : 0);
		c->retry_after = -1;
	} else if (len > 12 && !strncasecmp(p, "retry-after:", 12))
		ofs__http_retry_after(c, p + 12, len - 12);
	return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	size_t len = size * n;
	return ofs__http_body(ud, p, len) ? 0 : len;
}

/* The request headers for t and config_key into c->hdrs. */
static void set_headers(struct call *c, const struct ofs_http_target *t, const char *config_key)
{
	char hdr[1024];
	curl_slist_free_all(c->hdrs);
	c->hdrs = NULL;
	free(c->hdrs_key);
	c->hdrs_key = t->local && config_key ? ofs_xstrdup(config_key) : NULL;
	c->hdrs = curl_slist_append(c->hdrs, "Content-Type: application/json");
	c->hdrs = curl_slist_append(c->hdrs, t->opts.stream ? "Accept: text/event-stream" : "Accept: application/json");
	if (t->api_key) {
		snprintf(hdr, sizeof hdr, "%s: %s%s", t->wire->auth_header, t->wire->auth_scheme, t->api_key);
		c->hdrs = curl_slist_append(c->hdrs, hdr);
		memset(hdr, 0, sizeof hdr);
	}
	for (const char *const *x = t->wire->extra_headers; *x; x++)
		c->hdrs = curl_slist_append(c->hdrs, *x);
	if (c->hdrs_key) {
		snprintf(hdr, sizeof hdr, "X-Offswitch-Config: %s", config_key);
		c->hdrs = curl_slist_append(c->hdrs, hdr);
	}
	curl_easy_setopt(c->e, CURLOPT_HTTPHEADER, c->hdrs);
}

/* The options that depend on the target only. */
static void set_target(struct call *c, const struct ofs_http_target *t)
{
	c->set_for = t;
	curl_easy_setopt(c->e, CURLOPT_URL, t->url);
	curl_easy_setopt(c->e, CURLOPT_POST, 1L);
	curl_easy_setopt(c->e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(c->e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->e, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c->e, CURLOPT_TIMEOUT, t->timeout_s > 0 ? t->timeout_s : 600L);
	curl_easy_setopt(c->e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(c->e, CURLOPT_ACCEPT_ENCODING, "");
	/* Smaller per-transfer buffers than libcurl's defaults (16 KiB in, 64 KiB
	 * out): hundreds of rollouts are in flight at once, and bodies arrive
	 * through on_body in pieces anyway. */
	curl_easy_setopt(c->e, CURLOPT_BUFFERSIZE, 4096L);
	curl_easy_setopt(c->e, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
}

/* An idle call (its handle set up for t if it last was), else a new one. */
static struct call *call_get(struct ofs_http *h, const struct ofs_http_target *t)
{
	struct call **pp = &h->idle;
	while (*pp && (*pp)->set_for != t)
		pp = &(*pp)->next;
	if (!*pp)
		pp = &h->idle;
	struct call *c = *pp;
	if (c) {
		*pp = c->next;
		h->nidle--;
		c->next = NULL;
		return c;
	}
	return ofs_xcalloc(1, sizeof *c);
}

/* Start c on libcurl. */
static int curl_start(struct ofs_http *h, struct call *c, const char *body, size_t len, const char *config_key, char *err)
{
	const struct ofs_http_target *t = c->t;
	if (!c->e && !(c->e = curl_easy_init()))
		return ofs_fail(err, OFS_ENET, "cannot create an HTTP handle");
	const char *key = t->local ? config_key : NULL;
	int fresh = c->set_for != t;
	if (fresh)
		set_target(c, t);
	if (fresh || !c->hdrs || (key ? !c->hdrs_key || strcmp(key, c->hdrs_key) : c->hdrs_key != NULL))
		set_headers(c, t, key);
	curl_easy_setopt(c->e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c->e, CURLOPT_COPYPOSTFIELDS, body);
	if (curl_multi_add_handle(h->m, c->e) != CURLM_OK)
		return ofs_fail(err, OFS_ENET, "cannot start an HTTP request");
	h->ncurl++;
	return 0;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int ofs_http_start(struct ofs_http *h, const struct ofs_http_target *t, const char *body, size_t len, const char *config_key,
                   struct ofs_arena *A, void *ud, char *err)
{
	struct call *c = call_get(h, t);
	c->t = t;
	c->A = A;
	c->ud = ud;
	c->stream = t->opts.stream;
	c->status = 0;
	c->over = 0;
	c->retry_after = -1;
	if (c->stream)
		ofs_sse_init(&c->sse, t->wire, BODY_MAX);
	if (ofs__h1m_takes(h->lean, t)) {
		c->deadline = mono() + (double)(t->timeout_s > 0 ? t->timeout_s : 600L);
		ofs__h1m_start(h->lean, c, body, len, config_key);
	} else if (curl_start(h, c, body, len, config_key, err)) {
		call_free(c);
		return OFS_ENET;
	}
	c->next = h->calls;
	h->calls = c;
	h->n++;
	return 0;
}

/* Provider error texts may quote a (masked) key: drop anything key-like. */
static void scrub(char *s, const char *key)
{
	if (key && *key)
		for (char *p; (p = strstr(s, key));)
			memset(p, '*', strlen(key));
	for (char *p = s; (p = strstr(p, "sk-"));)
		for (; *p && *p != ' ' && *p != '"' && *p != '.' && *p != ','; p++)
			*p = '*';
}

static void classify(struct call *c, CURLcode cc, struct ofs_http_result *r)
{
	memset(r, 0, sizeof *r);
	r->status = c->status;
	r->retry_after_s = c->retry_after;
	r->cls = OFS_CALL_RETRY;
	if (c->over) {
		r->cls = OFS_CALL_FATAL;
		snprintf(r->reason, sizeof r->reason, "too_large");
		snprintf(r->err, sizeof r->err, "too_large: the response body is larger than the limit of %u bytes", BODY_MAX);
		return;
	}
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && c->stream && c->sse.error)) {
		const char *why;
		switch (cc) {
		case CURLE_OPERATION_TIMEDOUT: why = "timeout"; break;
		case CURLE_GOT_NOTHING:
		case CURLE_RECV_ERROR:
		case CURLE_SEND_ERROR:
		case CURLE_PARTIAL_FILE:
			/* A stream that had begun and then broke off is a truncated response. */
			why = c->stream && c->status == 200 && c->sse.seen > 0 && !c->sse.done ? "truncated" : "reset";
			break;
		case CURLE_COULDNT_CONNECT:
		case CURLE_COULDNT_RESOLVE_HOST: why = "connect"; break;
		case CURLE_WRITE_ERROR: why = c->over ? "too_large" : "reset"; break;
		case CURLE_URL_MALFORMAT:
		case CURLE_UNSUPPORTED_PROTOCOL:
			why = "bad_url";
			r->cls = OFS_CALL_FATAL;
			break;
		default: why = "transport";
		}
		snprintf(r->reason, sizeof r->reason, "%s", why);
		snprintf(r->err, sizeof r->err, "%s: %s", why, curl_easy_strerror(cc));
		return;
	}
	if (c->status != 200) {
		snprintf(r->reason, sizeof r->reason, "http_%d", c->status);
		if (c->status != 429 && c->status != 408 && c->status != 409 && c->status < 500)
			r->cls = OFS_CALL_FATAL;
		/* The provider's own message, if it sent one in either shape. */
		struct ofs_response tmp;
		char perr[OFS_ERRLEN] = "";
		ofs_wire_parse_response(c->t->wire, c->body.p ? c->body.p : "", c->body.len, c->A, &tmp, perr);
		snprintf(r->err, sizeof r->err, "HTTP %d%s%.300s", c->status, *perr ? ": " : "", perr);
		scrub(r->err, c->t->api_key);
		return;
	}
	int rc = c->stream ? ofs_sse_finish(&c->sse, c->A, &r->resp, r->err)
	                   : ofs_wire_parse_response(c->t->wire, c->body.p ? c->body.p : "", c->body.len, c->A, &r->resp, r->err);
	if (rc) {
		snprintf(r->reason, sizeof r->reason, "%s", c->stream && strstr(r->err, "truncated") ? "truncated" : "parse");
		scrub(r->err, c->t->api_key);
		return;
	}
	r->cls = OFS_CALL_OK;
	snprintf(r->reason, sizeof r->reason, "ok");
}

/* c is over (cc: how): off the list, classified, handed to done(). */
static void finish(struct ofs_http *h, struct call *c, CURLcode cc, ofs_http_done done)
{
	struct call **pp = &h->calls;
	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	h->n--;
	struct ofs_http_result r;
	classify(c, cc, &r);
	void *ud = c->ud;
	call_park(h, c);
	done(ud, &r);
}

/* Wait up to timeout_ms for either path, then move both. */
static void wait_both(struct ofs_http *h, int timeout_ms)
{
	int running, lean = ofs__h1m_pending(h->lean) > 0;
	if (!h->ncurl) {
		if (lean)
			ofs__h1m_run(h->lean, timeout_ms);
		else if (timeout_ms > 0) { /* nothing in flight (a backoff, a rate limit): sleep, don't spin */
			struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		}
		return;
	}
	curl_multi_perform(h->m, &running);
	if (timeout_ms > 0) {
		struct curl_waitfd fd = {ofs__h1m_fd(h->lean), CURL_WAIT_POLLIN, 0};
		curl_multi_poll(h->m, lean ? &fd : NULL, lean ? 1 : 0, timeout_ms, NULL);
		curl_multi_perform(h->m, &running);
	}
	if (lean)
		ofs__h1m_run(h->lean, 0);
}

int ofs_http_poll(struct ofs_http *h, int timeout_ms, ofs_http_done done)
{
	wait_both(h, timeout_ms);
	for (struct call *c; (c = ofs__h1m_next(h->lean));)
		finish(h, c, (CURLcode)c->cc, done);
	CURLMsg *msg;
	int left;
	while (h->ncurl && (msg = curl_multi_info_read(h->m, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct call *c;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		CURLcode cc = msg->data.result;
		curl_multi_remove_handle(h->m, c->e);
		h->ncurl--;
		finish(h, c, cc, done);
	}
	return h->n;
}
