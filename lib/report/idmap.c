/* idmap.c — the report's one hash map: 64-bit keys to non-negative indices,
 * open addressing (cells by their key in metrics.c, texts by run and blob in
 * html.c). */
#include <stdlib.h>

#include "report/report_int.h"

static size_t slot(const struct ofs_idmap *m, uint64_t k)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 32) & (m->cap - 1);
}

long ofs_idmap_get(const struct ofs_idmap *m, uint64_t k)
{
	if (!m->cap)
		return -1;
	for (size_t i = slot(m, k);; i = (i + 1) & (m->cap - 1)) {
		if (m->vals[i] < 0)
			return -1;
		if (m->keys[i] == k)
			return m->vals[i];
	}
}

/* Double the table (1024 slots at first) and re-insert what it holds. */
static void grow(struct ofs_idmap *m)
{
	struct ofs_idmap n = {0};
	n.cap = m->cap ? m->cap * 2 : 1024;
	n.keys = ofs_xcalloc(n.cap, sizeof *n.keys);
	n.vals = ofs_xmalloc(n.cap * sizeof *n.vals);
	for (size_t i = 0; i < n.cap; i++)
		n.vals[i] = -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->vals[i] >= 0)
			ofs_idmap_put(&n, m->keys[i], m->vals[i]);
	ofs_idmap_release(m);
	*m = n;
}

void ofs_idmap_put(struct ofs_idmap *m, uint64_t k, long v)
{
	if ((m->used + 1) * 2 > m->cap)
		grow(m);
	size_t i = slot(m, k);
	while (m->vals[i] >= 0)
		i = (i + 1) & (m->cap - 1);
	m->keys[i] = k;
	m->vals[i] = v;
	m->used++;
}

void ofs_idmap_release(struct ofs_idmap *m)
{
	free(m->keys);
	free(m->vals);
	*m = (struct ofs_idmap){0};
}
