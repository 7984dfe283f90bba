/* h1_multi.c — the engine's lean HTTP/1.1 client for loopback http://
 * targets: many calls in flight on one thread over nonblocking sockets in
 * one epoll set, a pool of kept-alive connections per target (at most
 * `max` open in all), each request written with one send (request line,
 * headers, body), each response parsed as it arrives (h1_parse.c) into the
 * same call fields the libcurl path fills. A call on a reused connection
 * that ends before its answer's first byte is sent once more on a new one
 * (the server closed the idle connection). Failures end with the libcurl
 * code they match, so http.c classifies both paths alike.
 *
 * Why not libcurl here: on loopback the model answers in microseconds and
 * libcurl's per-request work (URL parsing, handle setup, a poll of every
 * transfer's socket on each call) was most of the engine's own time. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/http_int.h"

#define RBUF          16384 /* one recv */
#define CONNECT_S     10.0  /* the connect timeout, as on the libcurl path */
#define CHECK_EVERY_S 0.02  /* how often deadlines are looked at */
#define WAIT_MAX_MS   100   /* the longest single wait (the caller loops) */
#define DEFAULT_CONNS 256   /* max_connections <= 0 */

struct h1t { /* a target as the lean client sees it */
	const struct ofs_http_target *t;
	int lean; /* 0: libcurl's */
	struct ofs_h1_url u;
	struct ofs_buf head; /* request line and fixed headers (the API key among them) */
	struct h1conn *idle; /* kept-alive connections, most recent first */
	struct h1t *next;
};

enum { K_CONNECT, K_SEND, K_RECV, K_IDLE, K_DEAD };

struct h1conn {
	int fd, state, ai, reused, stopped;
	unsigned ev; /* the events watched */
	struct h1t *tg;
	struct call *c; /* the call it carries (K_CONNECT, K_SEND, K_RECV) */
	size_t off;     /* bytes of c->req written */
	double connect_by;
	struct h1conn *inext; /* the target's idle list */
	struct h1conn *anext; /* every open connection; once closed, the dead list */
	struct ofs_h1_parser ps;
};

struct ofs__h1m {
	int ep, max, nconn, pending;
	int dispatching; /* dispatch() is on the stack: a nested call returns at once */
	struct h1t *targets;
	struct h1conn *all;
	struct h1conn *dead;            /* closed, freed after the events in hand (one may name it) */
	struct call *wait, **wait_tail; /* waiting for a connection, in order */
	struct call *fin, **fin_tail;   /* finished, not yet handed back */
	double next_check;
	char rbuf[RBUF];
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct ofs__h1m *ofs__h1m_new(int max_connections)
{
	struct ofs__h1m *m = ofs_xcalloc(1, sizeof *m);
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	m->max = max_connections > 0 ? max_connections : DEFAULT_CONNS;
	m->wait_tail = &m->wait;
	m->fin_tail = &m->fin;
	return m;
}

static void free_list(struct h1conn *k)
{
	for (struct h1conn *n; k; k = n) {
		n = k->anext;
		if (k->fd >= 0)
			close(k->fd);
		free(k);
	}
}

void ofs__h1m_free(struct ofs__h1m *m)
{
	if (!m)
		return;
	free_list(m->all);
	free_list(m->dead);
	for (struct h1t *g = m->targets, *n; g; g = n) {
		n = g->next;
		if (g->head.p)
			memset(g->head.p, 0, g->head.len); /* it holds the API key */
		ofs_buf_free(&g->head);
		free(g);
	}
	if (m->ep >= 0)
		close(m->ep);
	free(m);
}

int ofs__h1m_fd(const struct ofs__h1m *m)
{
	return m->ep;
}

int ofs__h1m_pending(const struct ofs__h1m *m)
{
	return m->pending;
}

/* A proxy in the environment: libcurl decides whether it applies. */
static int proxy_set(void)
{
	static const char *const vars[] = {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"};
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return 1;
	}
	return 0;
}

/* The fixed part of every request to g->t: request line, Host, the
 * format's headers and the key. */
static void build_head(struct h1t *g, const char *auth, size_t alen, const char *path)
{
	const struct ofs_http_target *t = g->t;
	ofs_buf_printf(&g->head, "POST %s HTTP/1.1\r\nHost: %.*s\r\n", *path ? path : "/", (int)alen, auth);
	ofs_buf_puts(&g->head, "Content-Type: application/json\r\n");
	ofs_buf_puts(&g->head, t->opts.stream ? "Accept: text/event-stream\r\n" : "Accept: application/json\r\n");
	if (t->api_key)
		ofs_buf_printf(&g->head, "%s: %s%s\r\n", t->wire->auth_header, t->wire->auth_scheme, t->api_key);
	for (const char *const *x = t->wire->extra_headers; *x; x++)
		ofs_buf_printf(&g->head, "%s\r\n", *x);
}

/* http://host[:port][/path]: plain URLs only (no userinfo, fragment or
 * bytes a request line cannot carry), the host resolved now, once. */
static int target_setup(struct h1t *g)
{
	const struct ofs_http_target *t = g->t;
	const char *u = t->url;
	if (!t->local || proxy_set() || getenv("OFFSWITCH_HTTP_CURL"))
		return 0;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#')
			return 0;
	if (ofs_h1_url(u, &g->u))
		return 0;
	build_head(g, g->u.auth, g->u.auth_len, g->u.rest);
	return 1;
}

static struct h1t *target_of(struct ofs__h1m *m, const struct ofs_http_target *t)
{
	for (struct h1t *g = m->targets; g; g = g->next)
		if (g->t == t)
			return g;
	struct h1t *g = ofs_xcalloc(1, sizeof *g);
	g->t = t;
	g->lean = target_setup(g);
	g->next = m->targets;
	m->targets = g;
	return g;
}

int ofs__h1m_takes(struct ofs__h1m *m, const struct ofs_http_target *t)
{
	return target_of(m, t)->lean;
}

/* ---- connections ---- */

/* What a connection waits for: writable while connecting or sending what
 * did not fit; else readable (an answer; on an idle one, the close). A
 * request that fits in the socket's buffer changes nothing. */
#define EV_OUT (EPOLLOUT)
#define EV_IN  (EPOLLIN | EPOLLRDHUP)

static void watch(struct ofs__h1m *m, struct h1conn *k, unsigned ev, int op)
{
	if (op == EPOLL_CTL_MOD && k->ev == ev)
		return;
	struct epoll_event e = {.events = ev, .data.ptr = k};
	epoll_ctl(m->ep, op, k->fd, &e);
	k->ev = ev;
}

static void conn_close(struct ofs__h1m *m, struct h1conn *k)
{
	for (struct h1conn **pp = &m->all; *pp; pp = &(*pp)->anext)
		if (*pp == k) {
			*pp = k->anext;
			break;
		}
	if (k->state == K_IDLE)
		for (struct h1conn **pp = &k->tg->idle; *pp; pp = &(*pp)->inext)
			if (*pp == k) {
				*pp = k->inext;
				break;
			}
	if (k->fd >= 0)
		close(k->fd); /* also leaves the epoll set */
	k->fd = -1;
	k->state = K_DEAD;
	m->nconn--;
	k->anext = m->dead;
	m->dead = k;
}

/* c is over: onto the finished queue. */
static void call_end(struct ofs__h1m *m, struct call *c, int cc)
{
	c->cc = cc;
	c->conn = NULL;
	c->qnext = NULL;
	*m->fin_tail = c;
	m->fin_tail = &c->qnext;
}

static void try_send(struct ofs__h1m *m, struct h1conn *k);
static void dispatch(struct ofs__h1m *m);

/* A socket for address k->ai, connecting; on failure the next address,
 * then the call ends. */
static void dial(struct ofs__h1m *m, struct h1conn *k)
{
	struct h1t *g = k->tg;
	for (; k->ai < g->u.naddr; k->ai++) {
		int fd = socket(g->u.addr[k->ai].ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		int r = connect(fd, (struct sockaddr *)&g->u.addr[k->ai], g->u.alen[k->ai]);
		if (r && errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		k->fd = fd;
		k->state = r ? K_CONNECT : K_SEND;
		watch(m, k, EV_OUT, EPOLL_CTL_ADD);
		if (!r)
			try_send(m, k);
		return;
	}
	struct call *c = k->c;
	k->c = NULL;
	k->fd = -1;
	conn_close(m, k);
	call_end(m, c, CURLE_COULDNT_CONNECT);
	dispatch(m);
}

static void cb_header(void *u, const char *n, size_t nl, const char *v, size_t vl)
{
	struct h1conn *k = u;
	if (nl == 11 && !strncasecmp(n, "retry-after", 11))
		ofs__http_retry_after(k->c, v, vl);
}

static void cb_headers_end(void *u, int status)
{
	struct h1conn *k = u;
	ofs__http_status(k->c, status);
}

static int cb_body(void *u, const char *b, size_t n)
{
	struct h1conn *k = u;
	if (ofs__http_body(k->c, b, n))
		return k->stopped = 1;
	return 0;
}

/* Put c on k (a new connection or a kept-alive one) and start it. */
static void attach(struct ofs__h1m *m, struct h1conn *k, struct call *c)
{
	k->c = c;
	k->off = 0;
	k->stopped = 0;
	c->conn = k;
	struct ofs_h1_cb cb = {k, cb_header, cb_headers_end, cb_body};
	ofs_h1_parser_init(&k->ps, 0, &cb);
	if (k->state == K_IDLE) {
		k->state = K_SEND;
		try_send(m, k);
	} else
		dial(m, k);
}

static struct h1conn *conn_new(struct ofs__h1m *m, struct h1t *g)
{
	struct h1conn *k = ofs_xmalloc(sizeof *k);
	memset(k, 0, offsetof(struct h1conn, ps));
	k->fd = -1;
	k->tg = g;
	k->state = K_CONNECT;
	k->connect_by = mono() + CONNECT_S;
	k->anext = m->all;
	m->all = k;
	m->nconn++;
	return k;
}

/* A connection for a call to g: a kept-alive one, else a new one (closing
 * another target's idle one at the cap), else NULL (the call waits). */
static struct h1conn *conn_for(struct ofs__h1m *m, struct h1t *g)
{
	struct h1conn *k = g->idle;
	if (k) {
		g->idle = k->inext;
		k->reused = 1;
		return k;
	}
	if (m->nconn >= m->max)
		for (struct h1t *o = m->targets; o && m->nconn >= m->max; o = o->next)
			if (o->idle)
				conn_close(m, o->idle);
	return m->nconn < m->max ? conn_new(m, g) : NULL;
}

/* Calls waiting for a connection, in order, while there are connections.
 * Starting one may end another (a refused connect): the loop here goes on
 * instead of a nested call, so the stack stays flat. */
static void dispatch(struct ofs__h1m *m)
{
	if (m->dispatching)
		return;
	m->dispatching = 1;
	while (m->wait) {
		struct call *c = m->wait;
		struct h1t *g = target_of(m, c->t);
		struct h1conn *k = conn_for(m, g);
		if (!k)
			break;
		m->wait = c->qnext;
		if (!m->wait)
			m->wait_tail = &m->wait;
		attach(m, k, c);
	}
	m->dispatching = 0;
}

/* The call on k failed. A kept-alive connection that had not begun its
 * answer was closed by the server while idle: the call goes again on a new
 * connection. Otherwise it ends with cc. */
static void conn_fail(struct ofs__h1m *m, struct h1conn *k, int cc)
{
	struct call *c = k->c;
	int again = k->reused && !k->ps.any && cc != CURLE_OPERATION_TIMEDOUT && cc != CURLE_WRITE_ERROR;
	struct h1t *g = k->tg;
	k->c = NULL;
	conn_close(m, k);
	if (again) {
		struct h1conn *n = conn_new(m, g);
		attach(m, n, c);
		return;
	}
	call_end(m, c, cc);
	dispatch(m);
}

/* The answer is whole: the call ends, the connection is kept if it may be. */
static void conn_done(struct ofs__h1m *m, struct h1conn *k, int extra)
{
	struct call *c = k->c;
	k->c = NULL;
	if (extra || !ofs_h1_reusable(&k->ps))
		conn_close(m, k);
	else {
		k->state = K_IDLE;
		k->inext = k->tg->idle;
		k->tg->idle = k;
		watch(m, k, EV_IN, EPOLL_CTL_MOD); /* anything now: the server closed it */
	}
	call_end(m, c, CURLE_OK);
	dispatch(m);
}

static void try_send(struct ofs__h1m *m, struct h1conn *k)
{
	struct call *c = k->c;
	while (k->off < c->req.len) {
		ssize_t w = send(k->fd, c->req.p + k->off, c->req.len - k->off, MSG_NOSIGNAL);
		if (w > 0) {
			k->off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			watch(m, k, EV_OUT, EPOLL_CTL_MOD);
			return;
		}
		conn_fail(m, k, CURLE_SEND_ERROR);
		return;
	}
	k->state = K_RECV;
	watch(m, k, EV_IN, EPOLL_CTL_MOD);
}

static void on_connect(struct ofs__h1m *m, struct h1conn *k)
{
	int err = 0;
	socklen_t el = sizeof err;
	if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
		close(k->fd); /* the next address, if any */
		k->fd = -1;
		k->ai++;
		dial(m, k);
		return;
	}
	k->state = K_SEND;
	try_send(m, k);
}

static void on_readable(struct ofs__h1m *m, struct h1conn *k)
{
	ssize_t n = recv(k->fd, m->rbuf, sizeof m->rbuf, 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n < 0) {
		conn_fail(m, k, CURLE_RECV_ERROR);
		return;
	}
	if (n == 0) {
		if (!k->ps.any) {
			conn_fail(m, k, CURLE_GOT_NOTHING);
			return;
		}
		if (ofs_h1_eof(&k->ps)) {
			conn_fail(m, k, CURLE_PARTIAL_FILE);
			return;
		}
		conn_done(m, k, 1); /* a body read until the close */
		return;
	}
	size_t used = 0;
	if (ofs_h1_feed(&k->ps, m->rbuf, (size_t)n, &used)) {
		conn_fail(m, k, k->stopped ? CURLE_WRITE_ERROR : CURLE_WEIRD_SERVER_REPLY);
		return;
	}
	if (ofs_h1_done(&k->ps))
		conn_done(m, k, used < (size_t)n);
}

static void on_event(struct ofs__h1m *m, struct h1conn *k, unsigned ev)
{
	switch (k->state) {
	case K_DEAD: break; /* closed by an earlier event of the same wait */
	case K_IDLE: conn_close(m, k); break;
	case K_CONNECT: on_connect(m, k); break;
	case K_SEND: try_send(m, k); break;
	default:
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
			on_readable(m, k);
	}
}

void ofs__h1m_start(struct ofs__h1m *m, struct call *c, const char *body, size_t len, const char *config_key)
{
	struct h1t *g = target_of(m, c->t);
	c->conn = NULL;
	c->cc = 0;
	c->qnext = NULL;
	m->pending++;
	ofs_buf_reset(&c->req);
	ofs_buf_add(&c->req, g->head.p, g->head.len);
	if (c->t->local && config_key && !strpbrk(config_key, "\r\n")) {
		ofs_buf_puts(&c->req, "X-Offswitch-Config: ");
		ofs_buf_puts(&c->req, config_key);
		ofs_buf_puts(&c->req, "\r\n");
	}
	char num[24], *d = num + sizeof num;
	size_t v = len;
	do
		*--d = (char)('0' + v % 10);
	while (v /= 10);
	ofs_buf_puts(&c->req, "Content-Length: ");
	ofs_buf_add(&c->req, d, (size_t)(num + sizeof num - d));
	ofs_buf_puts(&c->req, "\r\n\r\n");
	ofs_buf_add(&c->req, body, len);
	*m->wait_tail = c;
	m->wait_tail = &c->qnext;
	dispatch(m);
}

/* Calls past their deadline (or their connect's) end timed out. */
static void check_deadlines(struct ofs__h1m *m, double now)
{
	for (struct h1conn *k = m->all, *n; k; k = n) {
		n = k->anext;
		if (k->c && (now >= k->c->deadline || (k->state == K_CONNECT && now >= k->connect_by))) {
			struct call *c = k->c;
			k->c = NULL;
			conn_close(m, k);
			call_end(m, c, CURLE_OPERATION_TIMEDOUT);
		}
	}
	for (struct call **pp = &m->wait; *pp;) {
		struct call *c = *pp;
		if (now < c->deadline) {
			pp = &c->qnext;
			continue;
		}
		*pp = c->qnext;
		call_end(m, c, CURLE_OPERATION_TIMEDOUT);
	}
	m->wait_tail = &m->wait;
	while (*m->wait_tail)
		m->wait_tail = &(*m->wait_tail)->qnext;
	dispatch(m);
}

void ofs__h1m_run(struct ofs__h1m *m, int timeout_ms)
{
	struct epoll_event ev[64];
	if (m->fin) /* finished calls are waiting: don't */
		timeout_ms = 0;
	int n = epoll_wait(m->ep, ev, 64, timeout_ms < WAIT_MAX_MS ? timeout_ms : WAIT_MAX_MS);
	for (int i = 0; i < n; i++)
		on_event(m, ev[i].data.ptr, ev[i].events);
	double now = mono();
	if (now >= m->next_check) {
		check_deadlines(m, now);
		m->next_check = now + CHECK_EVERY_S;
	}
	if (m->wait)
		dispatch(m);
	free_list(m->dead);
	m->dead = NULL;
}

struct call *ofs__h1m_next(struct ofs__h1m *m)
{
	struct call *c = m->fin;
	if (!c)
		return NULL;
	m->fin = c->qnext;
	if (!m->fin)
		m->fin_tail = &m->fin;
	c->qnext = NULL;
	m->pending--;
	return c;
}
