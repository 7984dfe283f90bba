/* check.c — ofs_store_check(): a member's integrity check, then the
 * cross-check of what the store recorded against the run directory's files
 * (rollouts.jsonl, transcripts/), the same for every member. */
#include "store/store_int.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* How deep transcripts/ is walked (its layout is task/config/file). */
#define CHECK_MAX_DEPTH 8

struct line { /* one rollouts.jsonl line, by hash */
	uint64_t h1, h2;
	long no;
	int seen;
};

struct checker {
	const char *dir;
	ofs_problem_cb cb;
	void *ud;
	long problems;
	struct line *lines;
	long nlines;
	int have_jsonl;
	char **names; /* transcript paths the rollouts name (relative to dir) */
	long nnames, capnames;
};

static void problem(struct checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct checker *c, const char *fmt, ...)
{
	char msg[OFS_ERRLEN + 4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->cb(c->ud, msg);
	c->problems++;
}

static int line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	if (x->h1 != y->h1)
		return x->h1 < y->h1 ? -1 : 1;
	if (x->h2 != y->h2)
		return x->h2 < y->h2 ? -1 : 1;
	return x->no < y->no ? -1 : x->no > y->no;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Hash every line of rollouts.jsonl (sorted, for lookups). */
static void load_jsonl(struct checker *c)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/rollouts.jsonl", c->dir);
	struct stat sb;
	FILE *f = fopen(path, "r");
	if (!f || fstat(fileno(f), &sb)) {
		problem(c, "%s: cannot be read: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return;
	}
	if (sb.st_size > OFS_CHECK_MAX_JSONL) {
		problem(c, "%s: larger than the %ld bytes offswitch check reads", path, OFS_CHECK_MAX_JSONL);
		fclose(f);
		return;
	}
	c->have_jsonl = 1;
	char *l = NULL;
	size_t cap = 0, have = 0;
	ssize_t n;
	while ((n = getline(&l, &cap, f)) > 0) {
		if (l[n - 1] == '\n')
			l[--n] = 0;
		else
			problem(c, "%s line %ld: no newline at the end (a truncated file?)", path, c->nlines + 1);
		if ((size_t)c->nlines == have) {
			have = have ? have * 2 : 1024;
			c->lines = ofs_xrealloc(c->lines, have * sizeof *c->lines);
		}
		struct line *x = &c->lines[c->nlines];
		ofs_hash128(l, (size_t)n, &x->h1, &x->h2);
		x->no = ++c->nlines;
		x->seen = 0;
	}
	free(l);
	fclose(f);
	if (c->nlines > 1)
		qsort(c->lines, (size_t)c->nlines, sizeof *c->lines, line_cmp);
}

/* Mark the first unseen line equal to summary; 0 if there is none. */
static int take_line(struct checker *c, const char *summary)
{
	struct line k;
	ofs_hash128(summary, strlen(summary), &k.h1, &k.h2);
	long lo = 0, hi = c->nlines;
	while (lo < hi) { /* first line with hash >= k's */
		long mid = lo + (hi - lo) / 2;
		struct line *m = &c->lines[mid];
		if (m->h1 < k.h1 || (m->h1 == k.h1 && m->h2 < k.h2))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < c->nlines && c->lines[lo].h1 == k.h1 && c->lines[lo].h2 == k.h2; lo++)
		if (!c->lines[lo].seen)
			return c->lines[lo].seen = 1;
	return 0;
}

static void check_transcript(struct checker *c, long long id, const char *rel)
{
	if (c->nnames == c->capnames) {
		c->capnames = c->capnames ? c->capnames * 2 : 1024;
		c->names = ofs_xrealloc(c->names, (size_t)c->capnames * sizeof *c->names);
	}
	c->names[c->nnames++] = ofs_xstrdup(rel);
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", c->dir, rel);
	size_t len;
	char *text = ofs_read_file(path, OFS_CHECK_MAX_TRANSCRIPT, &len);
	if (!text) {
		problem(c, "%s: transcript of rollout %lld: %s", path, id, strerror(errno));
		return;
	}
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je);
	if (!j)
		problem(c, "%s: transcript of rollout %lld is not valid JSON (line %d: %s)", path, id, je.line, je.text);
	json_decref(j);
	free(text);
}

static int on_record(void *ud, const struct ofs_store_record *r)
{
	struct checker *c = ud;
	if (r->status && !strcmp(r->status, "running"))
		return 0; /* unfinished: neither exported nor transcribed yet */
	if (c->have_jsonl && !take_line(c, r->summary ? r->summary : ""))
		problem(c, "%s/rollouts.jsonl: no line for rollout %lld (status %s)", c->dir, r->id, r->status ? r->status : "?");
	if (r->transcript)
		check_transcript(c, r->id, r->transcript);
	return 0;
}

/* A temporary file of an atomic write (lib/core/fs.c: NAME.tmp). */
static int is_tmp(const char *name)
{
	size_t n = strlen(name);
	return n > 4 && !strcmp(name + n - 4, ".tmp");
}

/* Every file under dir/rel that no rollout names is an extra. */
static void walk(struct checker *c, const char *rel, int depth)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", c->dir, rel);
	DIR *d = opendir(path);
	if (!d) {
		if (errno != ENOENT || depth)
			problem(c, "%s: cannot be read: %s", path, strerror(errno));
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", rel, de->d_name);
		char full[8192];
		snprintf(full, sizeof full, "%s/%s", c->dir, sub);
		struct stat sb;
		if (lstat(full, &sb))
			continue;
		const char *key = sub;
		if (S_ISDIR(sb.st_mode)) {
			if (depth < CHECK_MAX_DEPTH)
				walk(c, sub, depth + 1);
			else
				problem(c, "%s: deeper than offswitch writes transcripts", full);
		} else if (bsearch(&key, c->names, (size_t)c->nnames, sizeof *c->names, str_cmp)) {
			continue;
		} else if (is_tmp(de->d_name)) {
			problem(c,
			        "%s: a temporary file left by an interrupted write (running the same command again replaces it)",
			        full);
		} else {
			problem(c,
			        "%s: no recorded rollout names this file (a run stopped by kill -9 leaves the transcripts of "
			        "rollouts not yet committed; running the same command again rewrites them)",
			        full);
		}
	}
	closedir(d);
}

long ofs_store_check(struct ofs_store *s, const char *dir, ofs_problem_cb cb, void *ud)
{
	struct checker c = {.dir = dir, .cb = cb, .ud = ud};
	int e = s->ops->integrity(s, cb, ud, &c.problems);
	if (e)
		return e;
	load_jsonl(&c);
	if ((e = s->ops->records(s, on_record, &c)))
		problem(&c, "%s", s->errmsg); /* a read error is damage too */
	for (long i = 0; !e && c.have_jsonl && i < c.nlines; i++)
		if (!c.lines[i].seen)
			problem(&c, "%s/rollouts.jsonl line %ld: no recorded rollout has this line", dir, c.lines[i].no);
	if (c.nnames > 1)
		qsort(c.names, (size_t)c.nnames, sizeof *c.names, str_cmp);
	if (!e)
		walk(&c, "transcripts", 0);
	for (long i = 0; i < c.nnames; i++)
		free(c.names[i]);
	free(c.names);
	free(c.lines);
	return c.problems;
}
