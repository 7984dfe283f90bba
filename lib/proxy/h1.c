/* h1.c — the lean upstream client for plain http:// upstreams (https://
 * goes through libcurl, upstream.c): a pool of kept-alive connections
 * shared by all client threads (capped at OFS_H1_POOL_MAX idle ones), the
 * request written with one sendmsg (request line, headers, Content-Length,
 * body), the response parsed as it arrives (h1_parse.c) into the same
 * header and body callbacks the libcurl path uses. A pooled connection that
 * fails before the first response byte is retried once on a new one. Errors
 * are reported as the libcurl codes they match, so both paths answer alike. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "proxy/h1.h"
#include "proxy/proxy_int.h"

#define RBUF 16384

struct ofs_h1_up {
	struct ofs_h1_url u; /* its addresses; u.auth, the Host header, points into p->upstream */
	char *base;          /* the URL's path ("" or "/v1" …) */
	pthread_mutex_t mu;
	int idle[OFS_H1_POOL_MAX], nidle;
};

/* A client connection's transfer state, kept for its next request. */
struct h1conn {
	int fd, pooled; /* pooled: fd came from the pool (a retry is allowed) */
	int short_wait; /* SO_RCVTIMEO was cut below a second for the last wait */
	double deadline;
	struct ofs_buf head; /* the request line and headers */
	struct ofs_h1_parser ps;
	char rbuf[RBUF];
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* http://host[:port][/path] (no userinfo, query or fragment: those go to
 * libcurl): host and port resolved now, once. */
void ofs__h1_init(struct ofs_proxy *p)
{
	struct ofs_h1_url u;
	if (strchr(p->upstream, '?') || strchr(p->upstream, '#') || ofs_h1_url(p->upstream, &u))
		return; /* unusual URLs are left to libcurl */
	struct ofs_h1_up *h = ofs_xcalloc(1, sizeof *h);
	h->u = u;
	h->base = ofs_xstrdup(u.rest);
	size_t bl = strlen(h->base);
	while (bl && h->base[bl - 1] == '/')
		h->base[--bl] = 0;
	pthread_mutex_init(&h->mu, NULL);
	p->h1 = h;
}

void ofs__h1_free(struct ofs_proxy *p)
{
	struct ofs_h1_up *h = p->h1;
	if (!h)
		return;
	for (int i = 0; i < h->nidle; i++)
		close(h->idle[i]);
	pthread_mutex_destroy(&h->mu);
	free(h->base);
	free(h);
	p->h1 = NULL;
}

static int pool_get(struct ofs_h1_up *h)
{
	int fd = -1;
	pthread_mutex_lock(&h->mu);
	if (h->nidle)
		fd = h->idle[--h->nidle];
	pthread_mutex_unlock(&h->mu);
	return fd;
}

static void pool_put(struct ofs_h1_up *h, int fd)
{
	pthread_mutex_lock(&h->mu);
	if (h->nidle < OFS_H1_POOL_MAX) {
		h->idle[h->nidle++] = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&h->mu);
	if (fd >= 0)
		close(fd);
}

/* Wait for ev on fd until the deadline. 1 ready, -1 the deadline passed. */
static int wait_fd(int fd, short ev, double deadline)
{
	double left = deadline - mono();
	if (left <= 0)
		return -1;
	int ms = (int)(left * 1000) + 1;
	struct pollfd pf = {fd, ev, 0};
	int r = poll(&pf, 1, ms);
	if (r > 0)
		return 1;
	return mono() >= deadline ? -1 : 0;
}

/* A new connection to address i, or -1 with *rc a CURLcode. */
static int dial_one(struct ofs_h1_up *h, int i, double deadline, int *rc)
{
	int fd = socket(h->u.addr[i].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*rc = CURLE_COULDNT_CONNECT;
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&h->u.addr[i], h->u.alen[i]) && errno != EINPROGRESS) {
		close(fd);
		*rc = CURLE_COULDNT_CONNECT;
		return -1;
	}
	double cd = mono() + 10.0; /* the connect timeout */
	int w = wait_fd(fd, POLLOUT, cd < deadline ? cd : deadline);
	int err = 0;
	socklen_t el = sizeof err;
	if (w <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
		close(fd);
		*rc = w <= 0 ? CURLE_OPERATION_TIMEDOUT : CURLE_COULDNT_CONNECT;
		return -1;
	}
	/* blocking from now on, each wait a second at most: a read is one
	 * system call, not a poll and a read */
	struct timeval tv = {1, 0};
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
}

/* A new connection: the addresses in turn until one answers. */
static int dial(struct ofs_h1_up *h, double deadline, int *rc)
{
	int fd = -1;
	*rc = CURLE_COULDNT_CONNECT;
	for (int i = 0; i < h->u.naddr && fd < 0 && *rc != CURLE_OPERATION_TIMEDOUT; i++)
		fd = dial_one(h, i, deadline, rc);
	return fd;
}

/* The request line and headers (x->out_hdrs in libcurl's notation: "Name;"
 * an empty value, "Name:" none) and the Content-Length of the body. */
static void build_head(struct xchg *x, struct ofs_buf *b, int *with_body)
{
	struct ofs_h1_up *h = x->p->h1;
	b->len = 0;
	char *path = ofs__proxy_target(h->base, x->uri);
	ofs_buf_printf(b, "%s %s%s HTTP/1.1\r\nHost: %.*s\r\n", x->method, *path == '/' ? "" : "/", path, (int)h->u.auth_len,
	               h->u.auth);
	free(path);
	for (struct curl_slist *s = x->out_hdrs; s; s = s->next) {
		size_t l = strlen(s->data);
		if (l && s->data[l - 1] == ':')
			continue;
		if (l && s->data[l - 1] == ';') {
			ofs_buf_add(b, s->data, l - 1);
			ofs_buf_puts(b, ":\r\n");
			continue;
		}
		ofs_buf_add(b, s->data, l);
		ofs_buf_puts(b, "\r\n");
	}
	*with_body = strcmp(x->method, "HEAD") && (strcmp(x->method, "GET") || x->req_len);
	if (*with_body)
		ofs_buf_printf(b, "Content-Length: %zu\r\n", x->req_len);
	ofs_buf_puts(b, "\r\n");
}

/* Write head and body; 0, or a CURLcode. */
static int send_all(struct h1conn *c, const char *body, size_t blen)
{
	size_t off = 0, total = c->head.len + blen;
	while (off < total) {
		struct iovec iov[2];
		int n = 0;
		if (off < c->head.len)
			iov[n].iov_base = c->head.p + off, iov[n++].iov_len = c->head.len - off;
		size_t bo = off > c->head.len ? off - c->head.len : 0;
		if (blen > bo)
			iov[n].iov_base = (char *)body + bo, iov[n++].iov_len = blen - bo;
		struct msghdr m = {0};
		m.msg_iov = iov;
		m.msg_iovlen = (size_t)n;
		ssize_t w = sendmsg(c->fd, &m, MSG_NOSIGNAL);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { /* a second passed */
			if (mono() >= c->deadline)
				return CURLE_OPERATION_TIMEDOUT;
			continue;
		}
		return CURLE_SEND_ERROR;
	}
	return 0;
}

static void cb_header(void *u, const char *n, size_t nl, const char *v, size_t vl)
{
	ofs__proxy_header(u, n, nl, v, vl);
}

static void cb_headers_end(void *u, int status)
{
	ofs__proxy_headers_end(u, status);
}

static int cb_body(void *u, const char *b, size_t n)
{
	return ofs__proxy_body(u, b, n);
}

/* A connection (pooled if one is idle), the request sent; 0 or a CURLcode. */
static int open_and_send(struct xchg *x, struct h1conn *c, int allow_pool)
{
	struct ofs_h1_up *h = x->p->h1;
	int rc = 0;
	c->fd = allow_pool ? pool_get(h) : -1;
	c->pooled = c->fd >= 0;
	if (c->fd < 0 && (c->fd = dial(h, c->deadline, &rc)) < 0)
		return rc;
	int with_body = strcmp(x->method, "HEAD") && (strcmp(x->method, "GET") || x->req_len);
	rc = send_all(c, with_body ? x->req_body : NULL, with_body ? x->req_len : 0);
	if (rc && c->pooled && rc != CURLE_OPERATION_TIMEDOUT) { /* a stale pooled connection: once more, new */
		close(c->fd);
		c->fd = -1;
		return open_and_send(x, c, 0);
	}
	return rc;
}

void ofs__h1_start(struct xchg *x)
{
	struct cstate *cs = x->cs;
	if (!cs->h1)
		cs->h1 = ofs_xcalloc(1, sizeof *cs->h1), cs->h1->fd = -1;
	struct h1conn *c = cs->h1;
	cs->busy = 1;
	x->h1 = c;
	c->fd = -1;
	c->short_wait = 0;
	c->deadline = mono() + x->p->o.timeout_s;
	int with_body;
	build_head(x, &c->head, &with_body);
	struct ofs_h1_cb cb = {x, cb_header, cb_headers_end, cb_body};
	ofs_h1_parser_init(&c->ps, !strcmp(x->method, "HEAD"), &cb);
	int rc = open_and_send(x, c, 1);
	if (rc)
		ofs__proxy_ended(x, rc);
}

/* The response ended (rc 0) or failed: the connection pooled or closed. */
static void finish(struct xchg *x, struct h1conn *c, int rc)
{
	if (!rc && ofs_h1_reusable(&c->ps)) {
		if (c->short_wait) {
			struct timeval tv = {1, 0};
			setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		}
		pool_put(x->p->h1, c->fd);
	} else if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ofs__proxy_ended(x, rc);
}

/* Nothing came on a pooled connection before it closed: it was stale. */
static int retry_stale(struct xchg *x, struct h1conn *c)
{
	if (!c->pooled || c->ps.any)
		return 0;
	close(c->fd);
	c->fd = -1;
	int rc = open_and_send(x, c, 0);
	if (rc)
		ofs__proxy_ended(x, rc);
	return 1;
}

/* Why the parser stopped, in x->error unless a callback said already. */
static void say(struct xchg *x, struct h1conn *c)
{
	if (!x->error[0])
		snprintf(x->error, sizeof x->error, "upstream %s: %s", x->headers_done ? "response cut off" : "failed",
		         c->ps.err);
}

void ofs__h1_step(struct xchg *x)
{
	struct h1conn *c = x->h1;
	if (c->fd < 0) {
		if (!x->done)
			ofs__proxy_ended(x, CURLE_FAILED_INIT);
		return;
	}
	double left = c->deadline - mono();
	if (left <= 0) {
		finish(x, c, CURLE_OPERATION_TIMEDOUT);
		return;
	}
	if (left < 1.0) { /* the last wait: only what is left */
		struct timeval tv = {0, (suseconds_t)(left * 1e6) + 1};
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		c->short_wait = 1;
	}
	ssize_t n = recv(c->fd, c->rbuf, sizeof c->rbuf, 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return; /* the wait is over: the caller looks again */
	if (n <= 0 && retry_stale(x, c))
		return;
	if (n < 0) {
		finish(x, c, CURLE_RECV_ERROR);
		return;
	}
	if (n == 0) {
		if (ofs_h1_eof(&c->ps))
			say(x, c);
		finish(x, c, c->ps.err[0] ? c->ps.any ? CURLE_PARTIAL_FILE : CURLE_GOT_NOTHING : 0);
		return;
	}
	size_t used = 0;
	if (ofs_h1_feed(&c->ps, c->rbuf, (size_t)n, &used)) {
		say(x, c);
		finish(x, c, CURLE_WEIRD_SERVER_REPLY);
		return;
	}
	if (ofs_h1_done(&c->ps)) {
		if (used < (size_t)n)
			c->ps.close = 1; /* bytes past the response: not reused */
		finish(x, c, 0);
	}
}

void ofs__h1_join(struct xchg *x)
{
	struct h1conn *c = x->h1;
	if (c->fd >= 0) { /* abandoned mid-response */
		close(c->fd);
		c->fd = -1;
	}
	x->h1 = NULL;
}

void ofs__h1_cstate_free(struct cstate *cs)
{
	if (!cs->h1)
		return;
	if (cs->h1->fd >= 0)
		close(cs->h1->fd);
	ofs_buf_free(&cs->h1->head);
	free(cs->h1);
	cs->h1 = NULL;
}
