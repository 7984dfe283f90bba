/* h1.h — an incremental HTTP/1.1 response parser (lib/net/h1_parse.c,
 * fuzzed by fuzz/fuzz_h1.c): the status line, capped header lines, 1xx
 * answers skipped, then the body by Content-Length, chunked
 * transfer-encoding or until the connection closes. Used by the engine's
 * lean client for loopback http:// targets (lib/net/h1_multi.c) and by the
 * proxy's upstream client (lib/proxy/h1.c).
 *
 * Ownership: the parser allocates nothing; it lives in the caller's memory
 * and gathers lines in its own buffer. Errors: ofs_h1_feed and ofs_h1_eof
 * return -1 with a one-line reason in ps->err.
 *
 * Also here: ofs_h1_url, the one parse of a plain http:// URL's authority
 * both lean clients use (lib/net/h1_url.c). */
#ifndef OFFSWITCH_H1_H
#define OFFSWITCH_H1_H
#include <stddef.h>
#include <sys/socket.h>

#define OFS_H1_LINE_MAX 8192        /* one status, header, chunk-size or trailer line (longer: error) */
#define OFS_H1_HEAD_MAX (64 * 1024) /* all header lines of one response, interim ones included */
#define OFS_H1_INTERIM  16          /* 1xx answers skipped before the final one (more: error) */

struct ofs_h1_cb {
	void *ctx;
	/* a header line of the final response: name and value trimmed, not NUL-terminated */
	void (*header)(void *ctx, const char *name, size_t nl, const char *v, size_t vl);
	/* the final response's headers are in */
	void (*headers_end)(void *ctx, int status);
	/* body bytes, de-chunked; nonzero stops the parser (an error the callee recorded) */
	int (*body)(void *ctx, const char *b, size_t n);
};

struct ofs_h1_parser {
	struct ofs_h1_cb cb;
	int head_req; /* the request was HEAD: no body whatever the headers say */
	int state, status, interim;
	int chunked, has_len, close, v10, keep_alive;
	unsigned long long left; /* bytes left of the body (Content-Length) or of the chunk */
	size_t head_bytes, ll;
	int any; /* a byte of the response was seen */
	char err[128];
	char line[OFS_H1_LINE_MAX];
};

void ofs_h1_parser_init(struct ofs_h1_parser *ps, int head_req, const struct ofs_h1_cb *cb);
/* Feed n bytes. Returns 0 (all consumed, or the response ended: see
 * ofs_h1_done; *used says how many were), -1 on a malformed response (ps->err)
 * or when a callback stopped it. */
int ofs_h1_feed(struct ofs_h1_parser *ps, const char *b, size_t n, size_t *used);
/* The peer closed the connection: 0 if that ends the response (a body read
 * until close), -1 if the response is cut off (ps->err). */
int ofs_h1_eof(struct ofs_h1_parser *ps);
int ofs_h1_done(const struct ofs_h1_parser *ps);
/* Whether the response was complete and the connection may carry another. */
int ofs_h1_reusable(const struct ofs_h1_parser *ps);

#define OFS_H1_NADDR 4 /* addresses of a URL's host tried in turn (more are dropped) */
/* A plain http:// URL: "http://host[:port]REST" or "http://[v6][:port]REST",
 * REST empty or starting with '/', '?' or '#'. Borrowed pointers into the
 * URL; the addresses are the host's, resolved by ofs_h1_url (port 80 by
 * default). */
struct ofs_h1_url {
	struct sockaddr_storage addr[OFS_H1_NADDR];
	socklen_t alen[OFS_H1_NADDR];
	int naddr;
	const char *auth; /* the authority (host[:port], for a Host header), auth_len bytes */
	size_t auth_len;
	const char *rest; /* what follows it, to the end of the URL */
};
/* 0 when url is such a URL (no userinfo, an authority under
 * OFS_H1_AUTH_MAX bytes) and its host resolves; -1 otherwise — the caller
 * leaves it to libcurl. May block on the resolver: call once per URL. */
int ofs_h1_url(const char *url, struct ofs_h1_url *u);

#define OFS_H1_AUTH_MAX 300 /* a URL's authority must be shorter (in bytes); a longer one is declined */
/* The split ofs_h1_url makes before it resolves, no I/O: host and port are
 * NUL-terminated pieces of buf (the host's brackets stripped; port "80"
 * when the URL names none; either may be empty, or not a name or a number —
 * the resolver is the judge of that); auth and rest as in struct
 * ofs_h1_url. host and port point into the struct itself: do not copy it. */
struct ofs_h1_url_parts {
	char buf[OFS_H1_AUTH_MAX];
	const char *host, *port;
	const char *auth;
	size_t auth_len;
	const char *rest;
};
/* 0, or -1 when url is not "http://" (any case), then an authority with no
 * '@', not empty, under OFS_H1_AUTH_MAX bytes, whose only brackets are a
 * leading '[' and a ']' followed by nothing or ':'. */
int ofs_h1_url_split(const char *url, struct ofs_h1_url_parts *p);
#endif
