/* upstream.c — the upstream side of an exchange: the response callbacks
 * both clients feed (headers, body, end), and for https:// upstreams the
 * libcurl transfer: one easy handle a transfer, connections shared across
 * threads through a share handle (kept alive and reused); plain http://
 * upstreams go through h1.c. A held response is collected in x->body; a
 * relayed one goes through a bounded queue to the client's thread. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "proxy/proxy_int.h"

static void share_lock(CURL *h, curl_lock_data d, curl_lock_access a, void *u)
{
	(void)h, (void)a;
	struct ofs_proxy *p = u;
	pthread_mutex_lock(&p->share_mu[d]);
}

static void share_unlock(CURL *h, curl_lock_data d, void *u)
{
	(void)h;
	struct ofs_proxy *p = u;
	pthread_mutex_unlock(&p->share_mu[d]);
}

void ofs__proxy_share_init(struct ofs_proxy *p)
{
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&p->share_mu[i], NULL);
	p->share = curl_share_init();
	if (p->share) {
		curl_share_setopt(p->share, CURLSHOPT_LOCKFUNC, share_lock);
		curl_share_setopt(p->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
		curl_share_setopt(p->share, CURLSHOPT_USERDATA, p);
		curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
		curl_share_setopt(p->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	}
}

void ofs__proxy_share_free(struct ofs_proxy *p)
{
	if (p->share)
		curl_share_cleanup(p->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&p->share_mu[i]);
}

/* Response headers that belong to one hop, or that the server side sets. */
static int hop_header(const char *n, size_t l)
{
	static const char *const hop[] = {"connection", "keep-alive",         "transfer-encoding", "te",   "trailer",
	                                  "upgrade",    "proxy-authenticate", "content-length",    "date", "server"};
	for (size_t i = 0; i < sizeof hop / sizeof *hop; i++)
		if (strlen(hop[i]) == l && !strncasecmp(n, hop[i], l))
			return 1;
	return 0;
}

void ofs__proxy_headers_end(struct xchg *x, long code)
{
	if (code == 100) { /* an interim answer: the real one follows */
		for (int i = 0; i < x->nhdrs; i++)
			free(x->hdrs[i].name), free(x->hdrs[i].value);
		x->nhdrs = 0;
		x->sse = 0;
		return;
	}
	x->status = (int)code;
	x->headers_done = 1;
	x->relay = x->sse && x->relay_ok; /* decided before the first body byte */
}

void ofs__proxy_header(struct xchg *x, const char *b, size_t nl, const char *v, size_t vl)
{
	if (nl == 12 && !strncasecmp(b, "content-type", 12) && vl >= 17 && !strncasecmp(v, "text/event-stream", 17))
		x->sse = 1;
	if (hop_header(b, nl) || x->nhdrs == OFS_PROXY_MAX_HEADERS)
		return;
	struct hdr *hd = &x->hdrs[x->nhdrs++];
	hd->name = ofs_xmalloc(nl + 1);
	memcpy(hd->name, b, nl);
	hd->name[nl] = 0;
	hd->value = ofs_xmalloc(vl + 1);
	memcpy(hd->value, v, vl);
	hd->value[vl] = 0;
}

static size_t on_header(char *b, size_t sz, size_t n, void *u)
{
	struct xchg *x = u;
	size_t len = sz * n, l = len;
	while (l && (b[l - 1] == '\n' || b[l - 1] == '\r'))
		l--;
	if (!l) {
		long code = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
		ofs__proxy_headers_end(x, code);
		return len;
	}
	const char *colon = memchr(b, ':', l);
	if (!colon || !strncmp(b, "HTTP/", 5)) /* the status line */
		return len;
	size_t nl = (size_t)(colon - b);
	const char *v = colon + 1;
	while (v < b + l && (*v == ' ' || *v == '\t'))
		v++;
	ofs__proxy_header(x, b, nl, v, (size_t)(b + l - v));
	return len;
}

/* Bytes kept for the record of a relayed stream (the client has the rest). */
static void keep_for_record(struct xchg *x, const char *b, size_t n)
{
	size_t cap = x->p->o.record_cap;
	if (x->body.len >= cap) {
		x->rec_trunc = 1;
		return;
	}
	size_t take = n < cap - x->body.len ? n : cap - x->body.len;
	ofs_buf_add(&x->body, b, take);
	if (take < n)
		x->rec_trunc = 1;
}

int ofs__proxy_body(struct xchg *x, const char *b, size_t len)
{
	x->out_bytes += len;
	if (x->w && x->sse && x->status == 200 && x->p->o.hooks.on_response) {
		if (!x->sse_on) {
			ofs_sse_init(&x->sse_dec, x->w, 0);
			x->sse_on = 1;
		}
		if (!x->sse_dec.error)
			ofs_sse_feed(&x->sse_dec, b, len);
	}
	if (!x->relay) {
		if (x->body.len + len > OFS_PROXY_MAX_RESPONSE) {
			snprintf(x->error, sizeof x->error, "upstream response larger than %u bytes", OFS_PROXY_MAX_RESPONSE);
			return -1;
		}
		ofs_buf_add(&x->body, b, len);
		return 0;
	}
	keep_for_record(x, b, len);
	if (x->qoff == x->q.len)
		x->qoff = 0, x->q.len = 0;
	ofs_buf_add(&x->q, b, len);
	return 0;
}

static size_t on_body(char *b, size_t sz, size_t n, void *u)
{
	struct xchg *x = u;
	size_t len = sz * n;
	if (x->relay && x->q.len - x->qoff > OFS_PROXY_STREAM_BACKLOG) {
		x->paused = 1; /* the client is slow: curl keeps these bytes until resumed */
		return CURL_WRITEFUNC_PAUSE;
	}
	return ofs__proxy_body(x, b, len) ? 0 : len;
}

/* Upstream URL: the base, then the client's path and query; a base ending in
 * /v1 and a path starting with /v1 keep one /v1. */
char *ofs__proxy_target(const char *base, const char *uri)
{
	struct ofs_buf b = {0};
	size_t bl = strlen(base);
	ofs_buf_add(&b, base, bl);
	if (bl >= 3 && !strcmp(base + bl - 3, "/v1") && !strncmp(uri, "/v1", 3) && (uri[3] == '/' || uri[3] == '?' || !uri[3]))
		uri += 3;
	ofs_buf_puts(&b, uri);
	return ofs_buf_detach(&b);
}

static void setup(struct xchg *x, CURL *h, const char *url)
{
	struct ofs_proxy *p = x->p;
	curl_easy_setopt(h, CURLOPT_URL, url);
	if (p->share)
		curl_easy_setopt(h, CURLOPT_SHARE, p->share);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_MAXCONNECTS, 1024L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(p->o.timeout_s * 1000));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->out_hdrs);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (!strcmp(x->method, "HEAD"))
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(x->method, "GET") || x->req_len) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, x->req_body ? x->req_body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->req_len);
		if (strcmp(x->method, "POST"))
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
	}
}

void ofs__proxy_ended(struct xchg *x, int rc)
{
	x->curl_rc = (int)rc;
	x->done = 1;
	if (rc == CURLE_OK || x->error[0])
		return;
	if (x->headers_done)
		snprintf(x->error, sizeof x->error, "upstream response cut off: %s", curl_easy_strerror((CURLcode)rc));
	else
		snprintf(x->error, sizeof x->error, "upstream failed: %s", curl_easy_strerror((CURLcode)rc));
}

/* Move the transfer on: wait up to a second for the socket, then read. */
static void pump(struct xchg *x)
{
	if (x->h1) {
		ofs__h1_step(x);
		return;
	}
	int running = 0;
	if (curl_multi_perform(x->m, &running) != CURLM_OK) {
		ofs__proxy_ended(x, CURLE_FAILED_INIT);
		return;
	}
	int left;
	CURLMsg *msg;
	while ((msg = curl_multi_info_read(x->m, &left)))
		if (msg->msg == CURLMSG_DONE)
			ofs__proxy_ended(x, msg->data.result);
	if (!x->done && !x->paused && (x->relay ? x->qoff == x->q.len : 1))
		curl_multi_poll(x->m, NULL, 0, 1000, NULL);
}

void ofs__proxy_upstream(struct xchg *x)
{
	struct cstate *cs = x->cs;
	if (x->p->h1) {
		ofs__h1_start(x);
		while (!x->done && !x->headers_done)
			pump(x);
		while (!x->done && !x->relay)
			pump(x);
		return;
	}
	if (!cs->h)
		cs->h = curl_easy_init();
	else
		curl_easy_reset(cs->h);
	if (!cs->m && (cs->m = curl_multi_init())) /* idle upstream connections kept in the shared cache */
		curl_multi_setopt(cs->m, CURLMOPT_MAXCONNECTS, 1024L);
	cs->busy = 1;
	x->h = cs->h;
	x->m = cs->m;
	if (!x->h || !x->m) {
		snprintf(x->error, sizeof x->error, "cannot start an upstream transfer");
		ofs__proxy_ended(x, CURLE_FAILED_INIT);
		return;
	}
	x->url = ofs__proxy_target(x->p->upstream, x->uri);
	setup(x, x->h, x->url);
	curl_multi_add_handle(x->m, x->h);
	while (!x->done && !x->headers_done)
		pump(x);
	while (!x->done && !x->relay)
		pump(x);
}

void ofs__proxy_join(struct xchg *x)
{
	if (x->h1)
		ofs__h1_join(x);
	if (x->m && x->h)
		curl_multi_remove_handle(x->m, x->h);
	x->m = NULL;
	x->h = NULL;
	if (x->cs) {
		x->cs->busy = 0;
		if (x->cs->closed)
			ofs__proxy_cstate_free(x->cs);
		x->cs = NULL;
	}
}

void ofs__proxy_cstate_free(struct cstate *cs)
{
	ofs__h1_cstate_free(cs);
	if (cs->m)
		curl_multi_cleanup(cs->m);
	if (cs->h)
		curl_easy_cleanup(cs->h);
	free(cs);
}

ssize_t ofs__proxy_relay_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	struct xchg *x = cls;
	while (x->qoff == x->q.len && !x->done) {
		if (x->paused) {
			x->paused = 0;
			curl_easy_pause(x->h, CURLPAUSE_CONT);
		}
		pump(x);
	}
	size_t n = x->q.len - x->qoff;
	if (n) {
		if (n > max)
			n = max;
		memcpy(buf, x->q.p + x->qoff, n);
		x->qoff += n;
		return (ssize_t)n;
	}
	/* The upstream ended and every byte was relayed: record, then end. */
	if (!x->finished)
		ofs__proxy_finish(x);
	return x->curl_rc ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
}
