/* extract_int.h — what the extractor's two files (extract.c: scores;
 * extract_text.c: grades, recommendations, refusals) share: where a mention
 * sits (summary, plain, per-item) and a tally of the values mentioned. */
#ifndef OFFSWITCH_EVAL_EXTRACT_INT_H
#define OFFSWITCH_EVAL_EXTRACT_INT_H
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "offswitch/detect.h"

enum { C_ITEM, C_PLAIN, C_SUMMARY, C__N };

/* Whether the mention at p starts a word. */
static inline int word_start(const char *text, const char *p)
{
	return p == text || !isalpha((unsigned char)p[-1]);
}

/* The start of the line holding p. */
static inline const char *line_start(const char *text, const char *p)
{
	while (p > text && p[-1] != '\n')
		p--;
	return p;
}

/* Whether [a, b) holds needle, ignoring case. */
static inline int span_has(const char *a, const char *b, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = a; p + n <= b; p++)
		if (!strncasecmp(p, needle, n))
			return 1;
	return 0;
}

/* The class of a mention at p (its keyword kw_end bytes long): summary when
 * the line before it, or the keyword, says overall/final/total; per-item when
 * the line starts with an item label. */
static inline int mention_class(const char *text, const char *p, const char *kw_end)
{
	const char *ls = line_start(text, p);
	if (span_has(ls, kw_end, "overall") || span_has(ls, kw_end, "final") || span_has(ls, kw_end, "total"))
		return C_SUMMARY;
	ls += strspn(ls, " \t*#-|>_");
	if (isdigit((unsigned char)*ls) || ((*ls == 'q' || *ls == 'Q') && isdigit((unsigned char)ls[1])))
		return C_ITEM;
	static const char *const labels[] = {"item", "question", "response", "output", "row", "sample", NULL};
	for (int i = 0; labels[i]; i++)
		if (!strncasecmp(ls, labels[i], strlen(labels[i])))
			return C_ITEM;
	return C_PLAIN;
}

/* Mentions found, by class: the value of the first, and whether others disagree. */
struct tally {
	int n[C__N];
	int conflict[C__N];
	double v[C__N];
};

static inline void tally_add(struct tally *t, int cls, double v)
{
	if (t->n[cls]++ == 0)
		t->v[cls] = v;
	else if (fabs(t->v[cls] - v) > 1e-9)
		t->conflict[cls] = 1;
}

/* The deciding class: summaries, else plain mentions, else per-item; -1 if none. */
static inline int tally_pick(const struct tally *t)
{
	for (int c = C_SUMMARY; c >= C_ITEM; c--)
		if (t->n[c])
			return c;
	return -1;
}

#endif
