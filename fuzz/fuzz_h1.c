/* fuzz_h1.c — libFuzzer target: the HTTP/1.1 response parser
 * (lib/net/h1_parse.c). The first byte picks HEAD or not and a split
 * step; the rest is fed whole and again in pieces of that step: both must
 * give the same status, headers, body and end state, and never more body
 * bytes than were fed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/h1.h"

struct seen {
	int status, nhdr, ends;
	size_t body;
	unsigned long long sum;
};

static void on_header(void *u, const char *n, size_t nl, const char *v, size_t vl)
{
	struct seen *s = u;
	if (!nl || memchr(n, ':', nl) || (vl && (v[0] == ' ' || v[vl - 1] == ' ')))
		abort();
	s->nhdr++;
}

static void on_end(void *u, int status)
{
	struct seen *s = u;
	if (status < 200 || status > 999)
		abort();
	s->status = status;
	s->ends++;
}

static int on_body(void *u, const char *b, size_t n)
{
	struct seen *s = u;
	for (size_t i = 0; i < n; i++)
		s->sum = s->sum * 31 + (unsigned char)b[i];
	s->body += n;
	return 0;
}

static int run(const uint8_t *d, size_t n, int head, size_t step, struct seen *s, struct ofs_h1_parser *ps)
{
	struct ofs_h1_cb cb = {s, on_header, on_end, on_body};
	ofs_h1_parser_init(ps, head, &cb);
	size_t off = 0;
	while (off < n && !ofs_h1_done(ps)) {
		size_t k = n - off < step ? n - off : step, used = 0;
		if (ofs_h1_feed(ps, (const char *)d + off, k, &used))
			return -1;
		if (used > k || (used < k && !ofs_h1_done(ps)))
			abort();
		off += used;
	}
	return ofs_h1_eof(ps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int head = data[0] & 1;
	size_t step = (size_t)(data[0] >> 1) + 1;
	static struct ofs_h1_parser a, b;
	struct seen sa = {0}, sb = {0};
	int ra = run(data + 1, size - 1, head, size, &sa, &a);
	int rb = run(data + 1, size - 1, head, step, &sb, &b);
	if (ra != rb || sa.status != sb.status || sa.nhdr != sb.nhdr || sa.body != sb.body || sa.sum != sb.sum ||
	    sa.ends != sb.ends)
		abort();
	if (sa.body > size || sa.ends > 1 || (head && sa.body))
		abort();
	return 0;
}
