/* cache.c — parsed "tools" members kept across requests (for formats
 * parsed with jansson as a jansson value; for those parsed with jtree as
 * the converted tool list, ofs__wire_tools_get/put). Every call of a
 * conversation (and every conversation of a task) sends the same tool list,
 * most of a request's bytes: the server parses it once and gives the parser
 * a reference to the shared, never-modified jansson value. The request is
 * scanned (not parsed) for the member's byte span; anything unusual (no
 * top-level object, "tools" twice, an escaped key, bad JSON) falls back to
 * parsing the whole body, so results and error messages do not change. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire_int.h"

#define CACHE_MAX       64           /* entries kept; further tool lists are parsed per request */
#define CACHE_MIN_BYTES 64           /* shorter spans are not worth a lookup */
#define CACHE_MAX_BYTES (256u << 10) /* longer spans are parsed per request */

struct entry {
	char *text;
	size_t len;
	json_t *v;
};

/* A tool list already converted (ofs__wire_tools_get/put). */
struct tentry {
	char *text;
	size_t len;
	struct ofs_wire_tool *t;
	int n;
	size_t bytes;
};

struct ofs_wire_cache {
	pthread_mutex_t mu;
	struct entry e[CACHE_MAX];
	int n;
	struct tentry te[CACHE_MAX];
	int tn;
	struct ofs_arena *ta; /* the tentries' text and tools */
};

struct ofs_wire_cache *ofs_wire_cache_new(void)
{
	struct ofs_wire_cache *c = ofs_xcalloc(1, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	c->ta = ofs_arena_new(0);
	return c;
}

void ofs_wire_cache_free(struct ofs_wire_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n; i++) {
		free(c->e[i].text);
		json_decref(c->e[i].v);
	}
	ofs_arena_free(c->ta);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static size_t ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* s[i] is '"': the index after the closing quote, or n. *esc set when the
 * string holds a backslash. */
static size_t skip_string(const char *s, size_t i, size_t n, int *esc)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\') {
			*esc = 1;
			i++;
		} else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/* The index after the value starting at s[i] (structure only), or n. */
static size_t skip_value(const char *s, size_t i, size_t n)
{
	int depth = 0, esc = 0;
	while (i < n) {
		char ch = s[i];
		if (ch == '"')
			i = skip_string(s, i, n, &esc);
		else {
			if (ch == '{' || ch == '[')
				depth++;
			else if (ch == '}' || ch == ']')
				depth--;
			else if (!depth && (ch == ',' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'))
				return i;
			if (depth < 0)
				return i; /* the enclosing object's end */
			i++;
		}
		if (!depth && (ch == '"' || ch == '}' || ch == ']'))
			return i;
	}
	return n;
}

/* The span [*a, *b) of the top-level member "tools" of body: 0, or -1 when
 * there is no single plain one. */
static int find_tools(const char *s, size_t n, size_t *a, size_t *b)
{
	size_t i = ws(s, 0, n);
	int found = 0;
	if (i >= n || s[i] != '{')
		return -1;
	i = ws(s, i + 1, n);
	while (i < n && s[i] == '"') {
		int esc = 0;
		size_t k = i, e = skip_string(s, i, n, &esc);
		if (esc || e >= n)
			return -1;
		i = ws(s, e, n);
		if (i >= n || s[i] != ':')
			return -1;
		i = ws(s, i + 1, n);
		size_t v = i;
		i = skip_value(s, i, n);
		if (i >= n || i == v)
			return -1;
		if (e - k == 7 && !memcmp(s + k, "\"tools\"", 7)) {
			if (found++)
				return -1;
			*a = v;
			*b = i;
		}
		i = ws(s, i, n);
		if (i < n && s[i] == ',')
			i = ws(s, i + 1, n);
		else
			break;
	}
	return found == 1 && i < n && s[i] == '}' ? 0 : -1;
}

/* The cached value for s[0..n), parsed and added when missing; a new
 * reference, or NULL (not JSON, or too many entries: parse it in place). */
static json_t *lookup(struct ofs_wire_cache *c, const char *s, size_t n)
{
	json_t *v = NULL;
	pthread_mutex_lock(&c->mu);
	for (int i = 0; i < c->n && !v; i++)
		if (c->e[i].len == n && !memcmp(c->e[i].text, s, n))
			v = json_incref(c->e[i].v);
	pthread_mutex_unlock(&c->mu);
	if (v)
		return v;
	v = json_loadb(s, n, JSON_DECODE_ANY, NULL);
	if (!v)
		return NULL;
	pthread_mutex_lock(&c->mu);
	if (c->n < CACHE_MAX) {
		char *t = ofs_xmalloc(n);
		memcpy(t, s, n);
		c->e[c->n++] = (struct entry){t, n, json_incref(v)};
	}
	pthread_mutex_unlock(&c->mu);
	return v;
}

json_t *ofs__wire_cached_load(struct ofs_wire_cache *c, const char *body, size_t len, json_error_t *je)
{
	size_t a = 0, b = 0;
	if (!c || find_tools(body, len, &a, &b) || b - a < CACHE_MIN_BYTES || b - a > CACHE_MAX_BYTES)
		return json_loadb(body, len, 0, je);
	json_t *tools = lookup(c, body + a, b - a);
	if (!tools)
		return json_loadb(body, len, 0, je);
	/* the body with the member's value replaced by null */
	char *rest = ofs_xmalloc(len - (b - a) + 4);
	memcpy(rest, body, a);
	memcpy(rest + a, "null", 4);
	memcpy(rest + a + 4, body + b, len - b);
	json_t *root = json_loadb(rest, len - (b - a) + 4, 0, je);
	free(rest);
	if (!json_is_object(root))
		json_decref(tools);
	else if (!json_object_set_new(root, "tools", tools)) /* takes tools, even on failure */
		return root;
	json_decref(root);
	return json_loadb(body, len, 0, je);
}

int ofs__wire_tools_get(struct ofs_wire_cache *c, const char *text, size_t len, struct ofs_wire_tool *out, int *n, size_t *bytes)
{
	int rc = -1;
	if (!c || len < CACHE_MIN_BYTES || len > CACHE_MAX_BYTES)
		return -1;
	pthread_mutex_lock(&c->mu);
	for (int i = 0; i < c->tn && rc; i++)
		if (c->te[i].len == len && !memcmp(c->te[i].text, text, len)) {
			memcpy(out, c->te[i].t, sizeof *out * (size_t)c->te[i].n);
			*n = c->te[i].n;
			*bytes = c->te[i].bytes;
			rc = 0;
		}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void ofs__wire_tools_put(struct ofs_wire_cache *c, const char *text, size_t len, const struct ofs_wire_tool *t, int n,
                         size_t bytes)
{
	if (!c || len < CACHE_MIN_BYTES || len > CACHE_MAX_BYTES)
		return;
	pthread_mutex_lock(&c->mu);
	int dup = 0;
	for (int i = 0; i < c->tn && !dup; i++)
		dup = c->te[i].len == len && !memcmp(c->te[i].text, text, len);
	if (!dup && c->tn < CACHE_MAX) {
		struct tentry *e = &c->te[c->tn++];
		e->text = ofs_arena_strndup(c->ta, text, len);
		e->len = len;
		e->t = ofs_arena_alloc(c->ta, sizeof *e->t * (size_t)(n + 1));
		for (int i = 0; i < n; i++) {
			e->t[i].name = ofs_arena_strdup(c->ta, t[i].name);
			e->t[i].schema = ofs_arena_strdup(c->ta, t[i].schema);
		}
		e->n = n;
		e->bytes = bytes;
	}
	pthread_mutex_unlock(&c->mu);
}
