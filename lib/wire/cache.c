/* cache.c — converted "tools" lists kept across requests. Every call of a
 * conversation (and every conversation of a task) sends the same tool list,
 * most of a request's bytes: the server converts it (names, schemas dumped
 * as compact text) once and copies the result for later requests whose
 * "tools" value has the very same text (jreq.c, ofs__wpj_tools). A list
 * that fails to convert is never kept, so errors do not change. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire_int.h"

#define CACHE_MAX       64           /* entries kept; further tool lists are converted per request */
#define CACHE_MIN_BYTES 64           /* shorter spans are not worth a lookup */
#define CACHE_MAX_BYTES (256u << 10) /* longer spans are converted per request */

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
	ofs_arena_free(c->ta);
	pthread_mutex_destroy(&c->mu);
	free(c);
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
