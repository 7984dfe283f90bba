/* shard.c — a deterministic, cost-balanced split of a plan's rollouts over N
 * shards (plan.h explains the rule and its bound). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/plan.h"
#include "offswitch/util.h"

int ofs_shard_parse(const char *text, int *index, int *count, char *err)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	char *end;
	if (!slash || slash == text || !slash[1])
		return ofs_fail(err, OFS_EINVAL, "'%s' is not I/N (e.g. 0/4: the first of 4 shards)", text ? text : "");
	for (const char *q = text; *q; q++)
		if (q != slash && (*q < '0' || *q > '9'))
			return ofs_fail(err, OFS_EINVAL, "'%s' is not I/N: I and N are whole numbers (e.g. 0/4)", text);
	long i = strtol(text, &end, 10), n = strtol(slash + 1, &end, 10);
	if (slash - text > 6 || strlen(slash + 1) > 6 || n < 1 || n > OFS_SHARD_MAX)
		return ofs_fail(err, OFS_EINVAL, "'%s': N must be from 1 to %d (OFS_SHARD_MAX)", text, OFS_SHARD_MAX);
	if (i >= n)
		return ofs_fail(err, OFS_EINVAL, "'%s': the shard index I counts from 0, so it must be below N (%ld)", text, n);
	*index = (int)i;
	*count = (int)n;
	return 0;
}

long ofs_plan_rollout_cost(const struct ofs_config *c)
{
	return c->max_iters > 0 ? c->max_iters : 1;
}

/* A min-heap of shards by (cost so far, index). */
struct heap {
	long long *cost;
	int *at; /* heap position -> shard */
	int n;
};

static int less(const struct heap *h, int a, int b)
{
	int x = h->at[a], y = h->at[b];
	long long cx = h->cost[x], cy = h->cost[y];
	if (cx != cy)
		return cx < cy;
	return x < y;
}

/* The root's cost grew: sift it down. */
static void sift_down(struct heap *h)
{
	int i = 0;
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && less(h, l, m))
			m = l;
		if (r < h->n && less(h, r, m))
			m = r;
		if (m == i)
			return;
		int t = h->at[i];
		h->at[i] = h->at[m];
		h->at[m] = t;
		i = m;
	}
}

struct by_cost {
	long cost;
	int idx;
};

static int cmp_cost(const void *a, const void *b)
{
	const struct by_cost *x = a, *y = b;
	if (x->cost != y->cost)
		return x->cost > y->cost ? -1 : 1; /* heaviest first */
	return (x->idx > y->idx) - (x->idx < y->idx);
}

int ofs_plan_shard(const struct ofs_plan *p, int reps, int count, ofs_shard_cb cb, void *ud, char *err)
{
	if (count < 1 || count > OFS_SHARD_MAX || reps < 1)
		return ofs_fail(err, OFS_EINVAL, "bad shard count %d or reps %d", count, reps);
	if ((long)p->n * reps > OFS_SHARD_MAX_ROLLOUTS)
		return ofs_fail(err, OFS_ELIMIT, "%ld rollouts: a sharded plan holds at most %ld (OFS_SHARD_MAX_ROLLOUTS)",
		                (long)p->n * reps, OFS_SHARD_MAX_ROLLOUTS);
	struct by_cost *order = ofs_xcalloc((size_t)p->n + 1, sizeof *order);
	for (int i = 0; i < p->n; i++)
		order[i] = (struct by_cost){ofs_plan_rollout_cost(&p->cfgs[i]), i};
	qsort(order, (size_t)p->n, sizeof *order, cmp_cost);
	struct heap h = {ofs_xcalloc((size_t)count, sizeof *h.cost), ofs_xcalloc((size_t)count, sizeof *h.at), count};
	for (int s = 0; s < count; s++)
		h.at[s] = s; /* all costs 0: index order is a valid heap */
	for (int k = 0; k < p->n; k++)
		for (int r = 0; r < reps; r++) {
			int s = h.at[0];
			cb(ud, order[k].idx, r, s);
			h.cost[s] += order[k].cost;
			sift_down(&h);
		}
	free(h.cost);
	free(h.at);
	free(order);
	return 0;
}

void ofs_plan_fingerprint(const struct ofs_plan *p, int reps, char out[17])
{
	struct ofs_buf b = {0};
	ofs_buf_printf(&b, "reps=%d\n", reps);
	for (int i = 0; i < p->n; i++)
		ofs_buf_printf(&b, "%s\n", p->cfgs[i].key);
	snprintf(out, 17, "%016llx", (unsigned long long)ofs_hash64(b.p, b.len));
	ofs_buf_free(&b);
}
