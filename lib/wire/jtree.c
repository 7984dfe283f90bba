/* jtree.c — the arena JSON parser of jtree.h: recursive descent over the
 * bytes, members of the open containers on one scratch stack, each
 * container's members copied into the arena when it closes. The accepted
 * language is jansson's (json_loadb with no flags); see jtree.h. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "wire/jtree.h"

struct jp {
	struct ofs_arena *A;
	const unsigned char *s;
	size_t n, i;
	int depth;
	struct ofs_jv *stk; /* members of the open containers */
	size_t sn, scap;
	char *err;
};

static int fail(struct jp *p, size_t at, const char *what)
{
	snprintf(p->err, OFS_ERRLEN, "%s at byte %zu", what, at);
	return OFS_EDATA;
}

static void ws(struct jp *p)
{
	while (p->i < p->n) {
		unsigned char c = p->s[p->i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		p->i++;
	}
}

static int isdig(struct jp *p)
{
	return p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9';
}

static void push(struct jp *p, const struct ofs_jv *v)
{
	if (p->sn == p->scap) {
		p->scap = p->scap ? p->scap * 2 : 256;
		p->stk = ofs_xrealloc(p->stk, p->scap * sizeof *p->stk);
	}
	p->stk[p->sn++] = *v;
}

/* The first index from i below e whose byte needs a look (a quote, a
 * backslash, a control character or a non-ASCII byte), or e: eight bytes
 * at a time. */
static size_t plain_run(const unsigned char *s, size_t i, size_t e)
{
#ifdef __SSE2__
	/* sixteen bytes a step; the first one that ends the run found by its bit */
	while (i + 16 <= e) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i stop =
		        _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), /* signed: 0x80-0xff too */
		                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
		unsigned mask = (unsigned)_mm_movemask_epi8(stop);
		if (mask)
			return i + (unsigned)__builtin_ctz(mask);
		i += 16;
	}
#endif
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	while (i + 8 <= e) {
		uint64_t x, q, b;
		memcpy(&x, s + i, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		/* a byte below 0x20, a zero byte of q or b (a quote, a backslash), a high bit */
		if ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x) & high)
			break;
		i += 8;
	}
	while (i < e && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
}

/* Length of the strict UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], v;
	size_t len;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, v = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, v = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, v = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[k] & 0x3F);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	return len;
}

static size_t put_utf8(char *o, unsigned v)
{
	if (v < 0x80)
		return o[0] = (char)v, 1;
	if (v < 0x800)
		return o[0] = (char)(0xC0 | v >> 6), o[1] = (char)(0x80 | (v & 0x3F)), 2;
	if (v < 0x10000)
		return o[0] = (char)(0xE0 | v >> 12), o[1] = (char)(0x80 | (v >> 6 & 0x3F)), o[2] = (char)(0x80 | (v & 0x3F)), 3;
	o[0] = (char)(0xF0 | v >> 18), o[1] = (char)(0x80 | (v >> 12 & 0x3F));
	o[2] = (char)(0x80 | (v >> 6 & 0x3F)), o[3] = (char)(0x80 | (v & 0x3F));
	return 4;
}

/* Four hex digits at s[k..k+4) (below e): the value, or -1. */
static long hex4(const unsigned char *s, size_t k, size_t e)
{
	long v = 0;
	if (k + 4 > e)
		return -1;
	for (size_t j = k; j < k + 4; j++) {
		unsigned c = s[j];
		int d = c >= '0' && c <= '9'   ? (int)c - '0'
		        : c >= 'a' && c <= 'f' ? (int)c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? (int)c - 'A' + 10
		                               : -1;
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* The escape at s[*k] (after the backslash) written to o: bytes written, or 0 after fail(). */
static size_t escape(struct jp *p, size_t *k, size_t e, char *o)
{
	const unsigned char *s = p->s;
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *f = s[*k] ? strchr(from, s[*k]) : NULL;
	if (f) {
		(*k)++;
		return o[0] = to[f - from], 1;
	}
	long v = s[*k] == 'u' ? hex4(s, *k + 1, e) : -1;
	if (v < 0)
		return fail(p, *k - 1, "invalid escape"), 0;
	*k += 5;
	if (v >= 0xD800 && v <= 0xDBFF) {
		long lo = *k + 1 < e && s[*k] == '\\' && s[*k + 1] == 'u' ? hex4(s, *k + 2, e) : -1;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return fail(p, *k - 6, "invalid Unicode escape (a high surrogate without a low one)"), 0;
		v = ((v - 0xD800) << 10) + (lo - 0xDC00) + 0x10000;
		*k += 6;
	} else if (v >= 0xDC00 && v <= 0xDFFF)
		return fail(p, *k - 6, "invalid Unicode escape (a lone low surrogate)"), 0;
	if (!v)
		return fail(p, *k - 6, "\\u0000 is not allowed"), 0;
	return put_utf8(o, (unsigned)v);
}

/* The string at s[i] == '"'. Keys without escapes point into the input
 * (not NUL-terminated); everything else is decoded into the arena. */
static int string(struct jp *p, int key, const char **out, size_t *len)
{
	const unsigned char *s = p->s;
	size_t a = p->i + 1, e = a, plain = 1;
	while ((e = plain_run(s, e, p->n)) < p->n && s[e] != '"') {
		unsigned char c = s[e];
		if (c == '\\')
			plain = 0, e++;
		else if (c < 0x20)
			return fail(p, e, "control character in a string");
		else if (c >= 0x80)
			plain = 0;
		e++;
	}
	if (e >= p->n)
		return fail(p, p->i, "unterminated string");
	p->i = e + 1;
	if (plain && key) {
		*out = (const char *)s + a, *len = e - a;
		return 0;
	}
	char *o = ofs_arena_alloc(p->A, e - a + 1);
	size_t k = plain ? e : a, w = plain ? e - a : 0;
	if (plain)
		memcpy(o, s + a, e - a);
	while (k < e) {
		size_t r = plain_run(s, k, e);
		memcpy(o + w, s + k, r - k), w += r - k, k = r;
		if (k == e)
			break;
		unsigned char c = s[k];
		if (c >= 0x80) {
			size_t l = utf8_seq(s + k, e - k);
			if (!l)
				return fail(p, k, "invalid UTF-8");
			memcpy(o + w, s + k, l), w += l, k += l;
		} else {
			k++;
			size_t l = escape(p, &k, e, o + w);
			if (!l)
				return OFS_EDATA;
			w += l;
		}
	}
	o[w] = 0;
	*out = o, *len = w;
	return 0;
}

static int number(struct jp *p, struct ofs_jv *v)
{
	size_t a = p->i;
	int real = 0;
	if (p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0') {
		p->i++;
		if (isdig(p))
			return fail(p, a, "invalid number (a leading zero)");
	} else if (isdig(p)) {
		while (isdig(p))
			p->i++;
	} else
		return fail(p, a, "invalid number");
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++, real = 1;
		if (!isdig(p))
			return fail(p, a, "invalid number (no digit after '.')");
		while (isdig(p))
			p->i++;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++, real = 1;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!isdig(p))
			return fail(p, a, "invalid number (no digit in the exponent)");
		while (isdig(p))
			p->i++;
	}
	char small[64], *t = small;
	size_t len = p->i - a;
	if (len >= sizeof small)
		t = ofs_arena_alloc(p->A, len + 1);
	memcpy(t, p->s + a, len);
	t[len] = 0;
	errno = 0;
	if (!real) {
		v->kind = OFS_J_INT, v->u.i = strtoll(t, NULL, 10);
		if (errno == ERANGE)
			return fail(p, a, "integer out of range");
	} else {
		v->kind = OFS_J_REAL, v->u.d = strtod(t, NULL);
		if (errno == ERANGE && (v->u.d == HUGE_VAL || v->u.d == -HUGE_VAL))
			return fail(p, a, "real number overflow");
	}
	return 0;
}

static int literal(struct jp *p, struct ofs_jv *v)
{
	static const struct {
		const char *w;
		enum ofs_jkind k;
	} lits[] = {{"true", OFS_J_TRUE}, {"false", OFS_J_FALSE}, {"null", OFS_J_NULL}};
	for (size_t j = 0; j < sizeof lits / sizeof *lits; j++) {
		size_t l = strlen(lits[j].w);
		if (p->n - p->i >= l && !memcmp(p->s + p->i, lits[j].w, l)) {
			v->kind = lits[j].k;
			p->i += l;
			return 0;
		}
	}
	return fail(p, p->i, "invalid token");
}

static int value(struct jp *p, struct ofs_jv *v);

/* Members pushed since base become v's kids. */
static void close_container(struct jp *p, struct ofs_jv *v, size_t base)
{
	v->n = p->sn - base;
	v->u.kids = NULL;
	if (v->n) {
		v->u.kids = ofs_arena_alloc(p->A, v->n * sizeof *v->u.kids);
		memcpy(v->u.kids, p->stk + base, v->n * sizeof *v->u.kids);
	}
	p->sn = base;
}

static int array(struct jp *p, struct ofs_jv *v)
{
	size_t base = p->sn;
	v->kind = OFS_J_ARR;
	p->i++;
	ws(p);
	if (p->i < p->n && p->s[p->i] == ']') {
		p->i++;
		close_container(p, v, base);
		return 0;
	}
	for (;;) {
		struct ofs_jv m = {0};
		if (value(p, &m))
			return OFS_EDATA;
		push(p, &m);
		ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			ws(p);
		} else if (p->i < p->n && p->s[p->i] == ']') {
			p->i++;
			break;
		} else
			return fail(p, p->i, "',' or ']' expected");
	}
	close_container(p, v, base);
	return 0;
}

static int object(struct jp *p, struct ofs_jv *v)
{
	size_t base = p->sn;
	v->kind = OFS_J_OBJ;
	p->i++;
	ws(p);
	if (p->i < p->n && p->s[p->i] == '}') {
		p->i++;
		close_container(p, v, base);
		return 0;
	}
	for (;;) {
		struct ofs_jv m = {0};
		if (p->i >= p->n || p->s[p->i] != '"')
			return fail(p, p->i, "string or '}' expected");
		if (string(p, 1, &m.key, &m.klen))
			return OFS_EDATA;
		ws(p);
		if (p->i >= p->n || p->s[p->i] != ':')
			return fail(p, p->i, "':' expected");
		p->i++;
		ws(p);
		if (value(p, &m))
			return OFS_EDATA;
		push(p, &m);
		ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			ws(p);
		} else if (p->i < p->n && p->s[p->i] == '}') {
			p->i++;
			break;
		} else
			return fail(p, p->i, "',' or '}' expected");
	}
	close_container(p, v, base);
	return 0;
}

/* The value at s[i] (whitespace skipped by the caller) into v, keeping v's key. */
static int value(struct jp *p, struct ofs_jv *v)
{
	if (++p->depth > OFS_JSON_MAX_DEPTH)
		return fail(p, p->i, "nested too deep (the limit is 2048 levels)");
	if (p->i >= p->n)
		return fail(p, p->i, "premature end of input");
	v->at = p->i;
	unsigned char c = p->s[p->i];
	int rc;
	if (c == '{')
		rc = object(p, v);
	else if (c == '[')
		rc = array(p, v);
	else if (c == '"') {
		v->kind = OFS_J_STR;
		rc = string(p, 0, &v->u.s, &v->n);
	} else {
		rc = c == '-' || (c >= '0' && c <= '9') ? number(p, v) : literal(p, v);
		v->end = p->i;
		/* jansson's lexer reads one byte past a number or a literal and puts
		 * it back; a NUL put back is lost, so "[1\0]" is accepted: same here */
		if (!rc && p->i < p->n && !p->s[p->i])
			p->i++;
		p->depth--;
		return rc;
	}
	v->end = p->i;
	p->depth--;
	return rc;
}

int ofs_jparse(struct ofs_arena *A, const char *s, size_t n, struct ofs_jv **root, char *err)
{
	struct jp p = {.A = A, .s = (const unsigned char *)s, .n = n, .err = err};
	*root = NULL;
	ws(&p);
	if (p.i >= n || (s[p.i] != '{' && s[p.i] != '['))
		return fail(&p, p.i, "'[' or '{' expected");
	struct ofs_jv *v = ofs_arena_alloc(A, sizeof *v);
	memset(v, 0, sizeof *v);
	int rc = value(&p, v);
	free(p.stk);
	if (rc)
		return rc;
	ws(&p);
	if (p.i < n)
		return fail(&p, p.i, "end of input expected");
	*root = v;
	return 0;
}

const struct ofs_jv *ofs_jget(const struct ofs_jv *o, const char *key)
{
	if (!o || o->kind != OFS_J_OBJ)
		return NULL;
	size_t len = strlen(key);
	for (size_t k = o->n; k-- > 0;)
		if (o->u.kids[k].klen == len && !memcmp(o->u.kids[k].key, key, len))
			return &o->u.kids[k];
	return NULL;
}
