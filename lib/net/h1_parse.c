/* h1_parse.c — an incremental HTTP/1.1 response parser: the status line,
 * header lines (capped), 1xx answers skipped, then the body by
 * Content-Length, chunked transfer-encoding (extensions and trailers
 * ignored) or until the connection closes. No allocation: lines are
 * gathered in the parser's own buffer. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "offswitch/h1.h"

enum { S_STATUS, S_HEADER, S_BODY_LEN, S_CHUNK_SIZE, S_CHUNK_DATA, S_CHUNK_END, S_TRAILER, S_BODY_CLOSE, S_DONE, S_ERROR };

void ofs_h1_parser_init(struct ofs_h1_parser *ps, int head_req, const struct ofs_h1_cb *cb)
{
	memset(ps, 0, offsetof(struct ofs_h1_parser, line));
	ps->cb = *cb;
	ps->head_req = head_req;
	ps->state = S_STATUS;
}

static int fail(struct ofs_h1_parser *ps, const char *why)
{
	snprintf(ps->err, sizeof ps->err, "%s", why);
	ps->state = S_ERROR;
	return -1;
}

static int status_line(struct ofs_h1_parser *ps, const char *l, size_t n)
{
	/* HTTP/1.x SP 3DIGIT [SP reason] */
	if (n < 12 || strncmp(l, "HTTP/1.", 7) || (l[7] != '0' && l[7] != '1') || l[8] != ' ')
		return fail(ps, "malformed status line");
	int st = 0;
	for (int i = 9; i < 12; i++) {
		if (l[i] < '0' || l[i] > '9')
			return fail(ps, "malformed status line");
		st = st * 10 + (l[i] - '0');
	}
	if (st < 100 || (n > 12 && l[12] != ' '))
		return fail(ps, "malformed status line");
	ps->status = st;
	ps->v10 = l[7] == '0';
	ps->chunked = ps->has_len = ps->keep_alive = 0;
	ps->state = S_HEADER;
	return 0;
}

static int has_token(const char *v, size_t vl, const char *tok)
{
	size_t tl = strlen(tok);
	for (size_t i = 0; i + tl <= vl; i++)
		if (!strncasecmp(v + i, tok, tl) && (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
		    (i + tl == vl || v[i + tl] == ',' || v[i + tl] == ' ' || v[i + tl] == '\t'))
			return 1;
	return 0;
}

static int content_length(struct ofs_h1_parser *ps, const char *v, size_t vl)
{
	unsigned long long n = 0;
	if (!vl)
		return fail(ps, "malformed Content-Length");
	for (size_t i = 0; i < vl; i++) {
		if (v[i] < '0' || v[i] > '9' || n > (~0ULL - 9) / 10)
			return fail(ps, "malformed Content-Length");
		n = n * 10 + (unsigned)(v[i] - '0');
	}
	if (ps->has_len && n != ps->left)
		return fail(ps, "conflicting Content-Length headers");
	ps->has_len = 1;
	ps->left = n;
	return 0;
}

static int header_line(struct ofs_h1_parser *ps, const char *l, size_t n)
{
	const char *colon = memchr(l, ':', n);
	if (!colon || colon == l || l[0] == ' ' || l[0] == '\t')
		return fail(ps, "malformed header line");
	size_t nl = (size_t)(colon - l);
	const char *v = colon + 1, *e = l + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	size_t vl = (size_t)(e - v);
	if (ps->status >= 200) {
		if (nl == 14 && !strncasecmp(l, "content-length", 14) && content_length(ps, v, vl))
			return -1;
		if (nl == 17 && !strncasecmp(l, "transfer-encoding", 17))
			ps->chunked = vl >= 7 && !strncasecmp(e - 7, "chunked", 7) ? 1 : 2; /* 2: read until close */
		if (nl == 10 && !strncasecmp(l, "connection", 10)) {
			if (has_token(v, vl, "close"))
				ps->close = 1;
			if (has_token(v, vl, "keep-alive"))
				ps->keep_alive = 1;
		}
		if (ps->cb.header)
			ps->cb.header(ps->cb.ctx, l, nl, v, vl);
	}
	return 0;
}

/* The blank line after the headers: where the body comes from. */
static int headers_end(struct ofs_h1_parser *ps)
{
	if (ps->status < 200) {
		if (ps->status == 101)
			return fail(ps, "the upstream switched protocols");
		if (++ps->interim > OFS_H1_INTERIM)
			return fail(ps, "too many interim (1xx) answers");
		ps->state = S_STATUS; /* an interim answer: the real one follows */
		return 0;
	}
	if (ps->v10 && !ps->keep_alive)
		ps->close = 1;
	if (ps->cb.headers_end)
		ps->cb.headers_end(ps->cb.ctx, ps->status);
	if (ps->head_req || ps->status == 204 || ps->status == 304)
		ps->state = S_DONE;
	else if (ps->chunked == 1)
		ps->state = S_CHUNK_SIZE;
	else if (ps->chunked == 2 || !ps->has_len)
		ps->state = S_BODY_CLOSE, ps->close = 1;
	else
		ps->state = ps->left ? S_BODY_LEN : S_DONE;
	return 0;
}

static int chunk_size(struct ofs_h1_parser *ps, const char *l, size_t n)
{
	unsigned long long v = 0;
	size_t i = 0;
	for (; i < n; i++) {
		char c = l[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (d < 0)
			break;
		if (v >> 60)
			return fail(ps, "chunk size too large");
		v = v * 16 + (unsigned)d;
	}
	if (!i || (i < n && l[i] != ';' && l[i] != ' ' && l[i] != '\t'))
		return fail(ps, "malformed chunk size");
	ps->left = v;
	ps->state = v ? S_CHUNK_DATA : S_TRAILER;
	return 0;
}

/* One complete line (CR LF or LF stripped) in the state that reads lines. */
static int line(struct ofs_h1_parser *ps, const char *l, size_t n)
{
	switch (ps->state) {
	case S_STATUS: return status_line(ps, l, n);
	case S_HEADER: return n ? header_line(ps, l, n) : headers_end(ps);
	case S_CHUNK_SIZE: return chunk_size(ps, l, n);
	case S_CHUNK_END:
		if (n)
			return fail(ps, "missing CRLF after a chunk");
		ps->state = S_CHUNK_SIZE;
		return 0;
	default: /* S_TRAILER: trailer fields are not relayed */
		if (!n)
			ps->state = S_DONE;
		return 0;
	}
}

/* Bytes for a line-reading state: gathered up to a LF. Returns bytes used. */
static size_t take_line(struct ofs_h1_parser *ps, const char *b, size_t n, int *rc)
{
	const char *nl = memchr(b, '\n', n);
	size_t take = nl ? (size_t)(nl - b) + 1 : n;
	int head = ps->state == S_STATUS || ps->state == S_HEADER;
	if (ps->ll + take > OFS_H1_LINE_MAX || (head && (ps->head_bytes += take) > OFS_H1_HEAD_MAX)) {
		*rc = fail(ps, head ? "upstream response headers too large" : "chunk line too long");
		return take;
	}
	memcpy(ps->line + ps->ll, b, take);
	ps->ll += take;
	if (!nl)
		return take;
	size_t l = ps->ll - 1;
	if (l && ps->line[l - 1] == '\r')
		l--;
	ps->ll = 0;
	*rc = line(ps, ps->line, l);
	return take;
}

static size_t take_body(struct ofs_h1_parser *ps, const char *b, size_t n, int *rc)
{
	size_t take = n;
	if (ps->state != S_BODY_CLOSE && take > ps->left)
		take = (size_t)ps->left;
	if (ps->state != S_BODY_CLOSE)
		ps->left -= take;
	if (ps->cb.body && ps->cb.body(ps->cb.ctx, b, take)) {
		*rc = fail(ps, "stopped by the body callback");
		return take;
	}
	if (ps->state == S_BODY_LEN && !ps->left)
		ps->state = S_DONE;
	else if (ps->state == S_CHUNK_DATA && !ps->left)
		ps->state = S_CHUNK_END;
	return take;
}

int ofs_h1_feed(struct ofs_h1_parser *ps, const char *b, size_t n, size_t *used)
{
	size_t off = 0;
	int rc = 0;
	if (n)
		ps->any = 1;
	while (off < n && !rc && ps->state != S_DONE && ps->state != S_ERROR) {
		if (ps->state == S_BODY_LEN || ps->state == S_CHUNK_DATA || ps->state == S_BODY_CLOSE)
			off += take_body(ps, b + off, n - off, &rc);
		else
			off += take_line(ps, b + off, n - off, &rc);
	}
	if (used)
		*used = off;
	return ps->state == S_ERROR ? -1 : 0;
}

int ofs_h1_eof(struct ofs_h1_parser *ps)
{
	if (ps->state == S_BODY_CLOSE) {
		ps->state = S_DONE;
		return 0;
	}
	if (ps->state == S_DONE)
		return 0;
	if (ps->state != S_ERROR)
		fail(ps, ps->state == S_STATUS || ps->state == S_HEADER ? "the upstream closed before its headers ended"
		                                                        : "the upstream closed mid-body");
	return -1;
}

int ofs_h1_done(const struct ofs_h1_parser *ps)
{
	return ps->state == S_DONE;
}

int ofs_h1_reusable(const struct ofs_h1_parser *ps)
{
	return ps->state == S_DONE && !ps->close;
}
