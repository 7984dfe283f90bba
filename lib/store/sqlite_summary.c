/* sqlite_summary.c — schema 5's compact rollouts.jsonl lines. A line is
 *
 *   HEAD ,"rep":REP, TAIL [,"transcript":"PATH"] }
 *
 * where HEAD is the configuration's fields (the same for every rep), TAIL the
 * evaluation, usage, status and stop reason (the same for every rep of a
 * deterministic agent), and REP and PATH have columns of their own. HEAD and
 * TAIL go to the blobs table, deduplicated like every other text, so the
 * reference matrix × 100 stores each line's 1.1 KB once per configuration
 * instead of once per rollout. A line that does not split this way exactly
 * (checked by rebuilding it) is stored whole, as before schema 5. */
#include "store/sqlite_int.h"

#include <stdio.h>
#include <string.h>

/* Rebuild the line from its parts into b (reset first). */
static void rebuild(struct ofs_buf *b, const char *head, size_t nhead, long long rep, const char *tail, size_t ntail,
                    const char *transcript)
{
	ofs_buf_reset(b);
	ofs_buf_reserve(b, nhead + ntail + 64 + (transcript ? strlen(transcript) + 16 : 0));
	ofs_buf_add(b, head, nhead);
	ofs_buf_printf(b, ",\"rep\":%lld,", rep);
	ofs_buf_add(b, tail, ntail);
	if (transcript) {
		ofs_buf_puts(b, ",\"transcript\":");
		ofs_json_str(b, transcript);
	}
	ofs_buf_putc(b, '}');
}

int ofs__sq_summary_split(struct sq *s, const struct ofs_rollout_rec *r, long long *head, long long *tail)
{
	*head = *tail = 0;
	const char *sum = r->summary, *at = sum ? strstr(sum, ",\"rep\":") : NULL;
	if (!at)
		return 0;
	char rep[40];
	int nrep = snprintf(rep, sizeof rep, ",\"rep\":%d,", r->rep);
	if (strncmp(at, rep, (size_t)nrep))
		return 0;
	size_t nhead = (size_t)(at - sum), len = strlen(sum);
	/* the suffix the rebuild adds: transcript and the closing brace */
	struct ofs_buf *b = &s->sumbuf;
	ofs_buf_reset(b);
	if (r->transcript) {
		ofs_buf_puts(b, ",\"transcript\":");
		ofs_json_str(b, r->transcript);
	}
	size_t nsuf = b->len + 1, from = nhead + (size_t)nrep;
	if (len < from + nsuf)
		return 0;
	size_t ntail = len - from - nsuf;
	rebuild(b, sum, nhead, r->rep, sum + from, ntail, r->transcript);
	if (b->len != len || memcmp(b->p, sum, len))
		return 0; /* stored whole */
	long long t = ofs__sq_blobn(s, sum + from, ntail);
	if (t < 0)
		return (int)t;
	long long h = ofs__sq_blobn(s, sum, nhead);
	if (h < 0)
		return (int)h;
	*head = h;
	*tail = t;
	return 0;
}

const char *ofs__sq_summary_cols(const struct sq *s)
{
	if (s->no_compact)
		return "r.summary, r.rep, r.transcript, NULL, NULL";
	return "r.summary, r.rep, r.transcript, (SELECT text FROM blobs WHERE id = r.sum_head),"
	       " (SELECT text FROM blobs WHERE id = r.sum_tail)";
}

const char *ofs__sq_summary_read(struct ofs_buf *b, sqlite3_stmt *q, int at)
{
	const char *head = ofs__sq_col_text(q, at + 3), *tail = ofs__sq_col_text(q, at + 4);
	if (!head || !tail)
		return ofs__sq_col_text(q, at);
	rebuild(b, head, strlen(head), sqlite3_column_int64(q, at + 1), tail, strlen(tail), ofs__sq_col_text(q, at + 2));
	return b->p;
}
