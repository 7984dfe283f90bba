/* util.c — buffers, arena, string emitters shared by every layer. */
#include "offswitch/util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void ofs_oom(void)
{
	fputs("offswitch: out of memory\n", stderr);
	abort();
}

void *ofs_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		ofs_oom();
	return p;
}

void *ofs_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		ofs_oom();
	return p;
}

void *ofs_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		ofs_oom();
	return p;
}

char *ofs_xstrdup(const char *s)
{
	size_t n = strlen(s);
	char *d = ofs_xmalloc(n + 1);
	memcpy(d, s, n + 1);
	return d;
}

void ofs_buf_reserve(struct ofs_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->p = ofs_xrealloc(b->p, cap);
	b->cap = cap;
}

void ofs_buf_add(struct ofs_buf *b, const void *p, size_t n)
{
	ofs_buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = 0;
}

void ofs_buf_puts(struct ofs_buf *b, const char *s)
{
	ofs_buf_add(b, s, strlen(s));
}

void ofs_buf_putc(struct ofs_buf *b, char c)
{
	ofs_buf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

void ofs_buf_printf(struct ofs_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		ofs_buf_add(b, tmp, (size_t)n);
		return;
	}
	ofs_buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void ofs_buf_reset(struct ofs_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = 0;
}

void ofs_buf_free(struct ofs_buf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *ofs_buf_detach(struct ofs_buf *b)
{
	char *p = b->p ? b->p : ofs_xstrdup("");
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n;
	if (c < 0x80)
		return 1;
	else if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && c == 0xe0 && s[1] < 0xa0)
		return 0;
	if (n == 3 && c == 0xed && s[1] >= 0xa0)
		return 0;
	if (n == 4 && c == 0xf0 && s[1] < 0x90)
		return 0;
	if (n == 4 && c == 0xf4 && s[1] >= 0x90)
		return 0;
	return n;
}

void ofs_json_strn(struct ofs_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	ofs_buf_reserve(b, n + 2);
	ofs_buf_putc(b, '"');
	size_t i = 0, run = 0;
	while (i < n) {
#ifdef __SSE2__
		/* sixteen plain bytes a step; the first byte to escape found by its bit */
		while (n - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
			__m128i esc = _mm_or_si128(
			        _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), /* signed: 0x80-0xff too */
			        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
			unsigned mask = (unsigned)_mm_movemask_epi8(esc);
			if (mask) {
				unsigned k = (unsigned)__builtin_ctz(mask);
				run += k;
				i += k;
				break;
			}
			run += 16;
			i += 16;
		}
#endif
		/* eight plain bytes a step: none below 0x20, none from 0x80, no '"' or '\\' */
		while (n - i >= 8) {
			uint64_t v;
			memcpy(&v, u + i, 8);
			const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
			uint64_t q = v ^ (ones * '"'), bs = v ^ (ones * '\\');
			if (((v - ones * 0x20) | v | ((q - ones) & ~q) | ((bs - ones) & ~bs)) & high)
				break;
			run += 8;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned c = u[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			run++;
			i++;
			continue;
		}
		if (run)
			ofs_buf_add(b, u + i - run, run);
		run = 0;
		if (c >= 0x80) {
			size_t l = utf8_len(u + i, n - i);
			if (l) {
				ofs_buf_add(b, u + i, l);
				i += l;
			} else {
				ofs_buf_puts(b, "\\ufffd");
				i++;
			}
			continue;
		}
		switch (c) {
		case '"': ofs_buf_puts(b, "\\\""); break;
		case '\\': ofs_buf_puts(b, "\\\\"); break;
		case '\n': ofs_buf_puts(b, "\\n"); break;
		case '\r': ofs_buf_puts(b, "\\r"); break;
		case '\t': ofs_buf_puts(b, "\\t"); break;
		default: {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			ofs_buf_add(b, e, 6);
		}
		}
		i++;
	}
	if (run)
		ofs_buf_add(b, u + i - run, run);
	ofs_buf_putc(b, '"');
}

void ofs_json_str(struct ofs_buf *b, const char *s)
{
	if (!s) {
		ofs_buf_puts(b, "null");
		return;
	}
	ofs_json_strn(b, s, strlen(s));
}

void ofs_json_num(struct ofs_buf *b, double v)
{
	if (!isfinite(v)) {
		ofs_buf_puts(b, "null");
		return;
	}
	if (fabs(v) < 1e15 && v == (double)(long long)v) /* range first: the cast of a huge v is undefined */
		ofs_buf_printf(b, "%lld", (long long)v);
	else
		ofs_buf_printf(b, "%.17g", v);
}

static int yaml_needs_quotes(const char *s)
{
	if (!*s)
		return 1;
	if (strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]))
		return 1;
	size_t n = strlen(s);
	if (s[n - 1] == ' ' || s[n - 1] == ':')
		return 1;
	if (strstr(s, ": ") || strstr(s, " #"))
		return 1;
	/* Things YAML would read as another type. */
	static const char *words[] = {"true", "false", "yes", "no", "on", "off", "null", "~", NULL};
	for (int i = 0; words[i]; i++)
		if (!strcasecmp(s, words[i]))
			return 1;
	char *end;
	strtod(s, &end);
	if (*end == 0)
		return 1;
	/* Dates and times read as timestamps. */
	if (isdigit((unsigned char)s[0]) && strchr(s, '-'))
		return 1;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return 1;
	return 0;
}

void ofs_yaml_str(struct ofs_buf *b, const char *s, int indent)
{
	if (strchr(s, '\n')) {
		size_t n = strlen(s);
		ofs_buf_puts(b, n && s[n - 1] == '\n' ? "|" : "|-");
		const char *p = s;
		while (*p) {
			const char *e = strchr(p, '\n');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			ofs_buf_putc(b, '\n');
			if (l) {
				for (int i = 0; i < indent; i++)
					ofs_buf_putc(b, ' ');
				ofs_buf_add(b, p, l);
			}
			if (!e)
				break;
			p = e + 1;
		}
		return;
	}
	if (!yaml_needs_quotes(s)) {
		ofs_buf_puts(b, s);
		return;
	}
	ofs_buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			ofs_buf_putc(b, '\'');
		ofs_buf_putc(b, *p);
	}
	ofs_buf_putc(b, '\'');
}

struct chunk {
	struct chunk *next;
	size_t cap, used;
	max_align_t data[];
};

struct ofs_arena {
	struct chunk *head;
	size_t chunk;
};

static struct chunk *chunk_new(size_t cap)
{
	struct chunk *c = ofs_xmalloc(sizeof *c + cap);
	c->next = NULL;
	c->cap = cap;
	c->used = 0;
	return c;
}

struct ofs_arena *ofs_arena_new(size_t chunk)
{
	struct ofs_arena *a = ofs_xmalloc(sizeof *a);
	a->chunk = chunk ? chunk : 64 * 1024;
	a->head = chunk_new(a->chunk);
	return a;
}

void *ofs_arena_alloc(struct ofs_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	struct chunk *c = a->head;
	if (c->used + n > c->cap) {
		size_t cap = n > a->chunk ? n : a->chunk;
		struct chunk *nc = chunk_new(cap);
		if (n > a->chunk && c->used < c->cap / 2) {
			/* A large block goes behind the current chunk so its tail stays usable. */
			nc->next = c->next;
			c->next = nc;
			nc->used = n;
			return (char *)nc->data;
		}
		nc->next = c;
		a->head = c = nc;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

char *ofs_arena_strndup(struct ofs_arena *a, const char *s, size_t n)
{
	char *d = ofs_arena_alloc(a, n + 1);
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *ofs_arena_strdup(struct ofs_arena *a, const char *s)
{
	return s ? ofs_arena_strndup(a, s, strlen(s)) : NULL;
}

void ofs_arena_reset(struct ofs_arena *a)
{
	struct chunk *c = a->head, *keep = NULL;
	while (c) {
		struct chunk *n = c->next;
		if (!n && c->cap == a->chunk)
			keep = c;
		else
			free(c);
		c = n;
	}
	if (!keep)
		keep = chunk_new(a->chunk);
	keep->used = 0;
	keep->next = NULL;
	a->head = keep;
}

void ofs_arena_free(struct ofs_arena *a)
{
	if (!a)
		return;
	struct chunk *c = a->head;
	while (c) {
		struct chunk *n = c->next;
		free(c);
		c = n;
	}
	free(a);
}

char *ofs_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct ofs_buf b = {0};
	char tmp[65536];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		if (b.len + n > max) {
			fclose(f);
			ofs_buf_free(&b);
			errno = EFBIG;
			return NULL;
		}
		ofs_buf_add(&b, tmp, n);
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		ofs_buf_free(&b);
		errno = EIO;
		return NULL;
	}
	if (len)
		*len = b.len;
	return ofs_buf_detach(&b);
}

uint64_t ofs_hash64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static inline uint64_t rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

void ofs_hash128(const void *p, size_t n, uint64_t *h1, uint64_t *h2)
{
	const unsigned char *s = p;
	uint64_t a = 0x243f6a8885a308d3ull ^ n, b = 0x13198a2e03707344ull + n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		a = rotl64(a ^ (w * 0x87c37b91114253d5ull), 31) * 0x4cf5ad432745937full;
		b = rotl64(b ^ (w * 0x52dce729da3ed7b5ull), 27) * 0x9e3779b97f4a7c15ull + a;
	}
	uint64_t w = 0;
	memcpy(&w, s + i, n - i);
	a ^= fmix64(w ^ 0xa0761d6478bd642full);
	b ^= fmix64(w + 0xe7037ed1a0b428dbull);
	*h1 = fmix64(a + b);
	*h2 = fmix64(b ^ rotl64(a, 17));
}

const char *ofs_strcasestr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return hay;
	unsigned char c0 = (unsigned char)needle[0];
	if (c0 < 0x80) { /* the first byte's one or two ASCII cases, found by strpbrk (vectorised) */
		char set[3] = {(char)tolower(c0), (char)toupper(c0), 0};
		for (; (hay = strpbrk(hay, set)); hay++)
			if (!strncasecmp(hay, needle, n))
				return hay;
		return NULL;
	}
	for (; *hay; hay++)
		if (tolower((unsigned char)*hay) == tolower(c0) && !strncasecmp(hay, needle, n))
			return hay;
	return NULL;
}

const char *ofs_strprefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) ? NULL : s + n;
}
