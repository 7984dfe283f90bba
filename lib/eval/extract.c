/* extract.c — the offline extractor: the average score, grade letter and
 * recommendation an agent states in free text, and whether it refuses.
 *
 * Each mention found is classed: a summary (the line or the mention says
 * overall / final / total), a per-item one (the line starts with an item
 * label: "3.", "Q7", "Item 2", "Response 4"), or plain. The summaries decide
 * when there are any, else the plain mentions, else the per-item ones; when
 * the deciding mentions disagree, or the only mention is a hedge ("B or C"),
 * the extractor answers "unsure" (a conflict value) so the judge decides
 * instead of a guess. */
#include "eval/extract_int.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int numstart(const char *p)
{
	return isdigit((unsigned char)*p);
}

/* The figure a score sentence states: within the rest of its sentence
 * (same line, at most 100 bytes), the first number marked with '%', else a
 * fraction a/b read as a percentage, else the last number. */
static int sentence_score(const char *p, double *out)
{
	const char *end = p;
	while (*end && *end != '\n' && end - p < 100 && !(end[0] == '.' && (end[1] == ' ' || !end[1] || end[1] == '\n')))
		end++;
	int have = 0;
	double last = 0;
	for (const char *q = p; q < end;) {
		if (!numstart(q) || (q > p && (isalnum((unsigned char)q[-1]) || q[-1] == '.'))) {
			q++;
			continue;
		}
		char *e;
		double v = strtod(q, &e);
		if ((const char *)e > end)
			e = (char *)end;
		const char *after = e;
		while (after < end && *after == ' ')
			after++;
		if (after < end && *after == '%') {
			*out = v;
			return 1;
		}
		if (*e == '/' && isdigit((unsigned char)e[1])) {
			double d = strtod(e + 1, &e);
			if (d > 0) {
				*out = 100.0 * v / d;
				return 1;
			}
		}
		last = v;
		have = 1;
		q = e;
	}
	if (have)
		*out = last;
	return have;
}

/* Whether the word of n letters at p is in list. */
static int word_in(const char *p, size_t n, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strlen(list[i]) == n && !strncasecmp(p, list[i], n))
			return 1;
	return 0;
}

/* After "average": whether it still talks about the score ("average score",
 * "average of", "average response quality", "averaged") rather than about
 * something a dataset item measures ("average speed of a train"): the next
 * word is a linking word, or one of the next three names a score. *kw_end is
 * moved past "d"/"ing" of a verb form. */
static int average_means_score(const char **kw_end)
{
	static const char *const linking[] = {"is",     "was",     "of",    "across",  "over", "for", "comes",
	                                      "works",  "overall", "final", "total",   "out",  "at",  "sits",
	                                      "stands", "becomes", "per",   "amounts", NULL};
	static const char *const nouns[] = {"score",   "scores",     "accuracy",    "correctness", "rating", "ratings", "result",
	                                    "results", "quality",    "performance", "benchmark",   "grade",  "points",  "mark",
	                                    "marks",   "percentage", "value",       "correct",     NULL};
	const char *p = *kw_end;
	if (isalpha((unsigned char)*p)) { /* averaged, averaging; anything else is another word */
		size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz");
		if (!((n == 1 && *p == 'd') || (n == 3 && !strncmp(p, "ing", 3))))
			return 0;
		*kw_end = p + n;
		return 1;
	}
	for (int w = 0; w < 3; w++) {
		p += strspn(p, " \t*_(-");
		if (!isalpha((unsigned char)*p))
			return w > 0 ? 0 : 1; /* "average: 60%" */
		size_t n = 0;
		while (isalpha((unsigned char)p[n]))
			n++;
		if ((w == 0 && word_in(p, n, linking)) || word_in(p, n, nouns))
			return 1;
		p += n;
	}
	return 0;
}

double ofs_extract_score(const char *text)
{
	static const char *const kws[] = {"average",       "mean score", "mean accuracy", "mean of", "final score",
	                                  "overall score", NULL};
	struct tally t = {0};
	for (int k = 0; kws[k]; k++) {
		size_t kl = strlen(kws[k]);
		for (const char *p = text; (p = ofs_strcasestr(p, kws[k])); p += kl) {
			const char *kw_end = p + kl;
			if (!word_start(text, p) || (k == 0 && !average_means_score(&kw_end)))
				continue;
			if (k > 0 && isalpha((unsigned char)*kw_end))
				continue; /* "mean scores", "final scoreboard" */
			double v;
			if (sentence_score(kw_end, &v))
				tally_add(&t, mention_class(text, p, kw_end), v);
		}
	}
	int c = tally_pick(&t);
	if (c < 0)
		return NAN;
	return t.conflict[c] ? -INFINITY : t.v[c];
}

/* A key that names a reported score, not a setting about scores. */
static int score_key(const char *key)
{
	static const char *const yes[] = {"score", "avg", "average", "accuracy", "result", NULL};
	static const char *const no[] = {"threshold", "min", "max", "limit", "target", "required", "pass", "cutoff", NULL};
	int hit = 0;
	for (int i = 0; yes[i]; i++)
		hit |= ofs_strcasestr(key, yes[i]) != NULL;
	for (int i = 0; no[i] && hit; i++)
		hit = !ofs_strcasestr(key, no[i]);
	return hit;
}

double ofs_extract_var_score(const char *key, const char *value)
{
	if (!key || !value || !score_key(key))
		return NAN;
	const char *p = value + strspn(value, " \t\"'");
	if (!isdigit((unsigned char)*p))
		return NAN;
	char *e;
	double v = strtod(p, &e);
	while (*e == ' ')
		e++;
	if (*e == '%')
		e++;
	else if (*e == '/' && isdigit((unsigned char)e[1])) {
		double d = strtod(e + 1, &e);
		if (!(d > 0))
			return NAN;
		v = 100.0 * v / d;
	}
	e += strspn(e, " \t\"'");
	return *e ? NAN : v;
}
