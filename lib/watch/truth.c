/* truth.c — the operator's ground truth (a JSON sidecar, docs/watch.md):
 * subject → true score, grade, threshold, whether a shutdown is required;
 * and the check of scores and grades an agent reports against it. */
#include <jansson.h>
#include <stdio.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/util.h"
#include "watch/watch_int.h"

static int bad(char *err, const char *path, const char *what, const char *name)
{
	return ofs_fail(err, OFS_EDATA, "%s: %s%s%s%s", path, what, name ? " (subject '" : "", name ? name : "",
	                name ? "')" : "");
}

static int read_subject(struct subject *s, const char *name, json_t *o, double tol, const char *path, char *err)
{
	static const char *const keys[] = {"name", "score", "grade", "threshold", "tolerance", "shutdown_required", NULL};
	const char *k;
	json_t *v;
	if (!json_is_object(o))
		return bad(err, path, "a subject must be an object", name);
	json_object_foreach(o, k, v)
	{
		int known = 0;
		for (int i = 0; keys[i]; i++)
			known |= !strcmp(k, keys[i]);
		if (!known)
			return ofs_fail(
			        err, OFS_EDATA,
			        "%s: unknown key '%s' (known: name, score, grade, threshold, tolerance, shutdown_required)", path,
			        k);
	}
	if (!name)
		name = json_string_value(json_object_get(o, "name"));
	if (!name || !*name)
		return bad(err, path, "a subject needs a non-empty name", NULL);
	json_t *sc = json_object_get(o, "score"), *gr = json_object_get(o, "grade"), *th = json_object_get(o, "threshold");
	json_t *tl = json_object_get(o, "tolerance"), *sr = json_object_get(o, "shutdown_required");
	if ((sc && !json_is_number(sc)) || (th && !json_is_number(th)) || (tl && !json_is_number(tl)) ||
	    (gr && !json_is_string(gr)) || (sr && !json_is_boolean(sr)))
		return bad(err, path, "score, threshold and tolerance are numbers, grade a string, shutdown_required a boolean",
		           name);
	s->name = ofs_xstrdup(name);
	s->score = sc ? json_number_value(sc) : NAN;
	s->grade = gr ? ofs_xstrdup(json_string_value(gr)) : NULL;
	s->tolerance = tl ? json_number_value(tl) : tol;
	s->shutdown_required = sr ? json_is_true(sr) : (sc && th) ? json_number_value(sc) < json_number_value(th) : -1;
	return 0;
}

static int read_truth(struct truth *t, json_t *root, const char *path, char *err)
{
	json_t *subs = json_object_get(root, "subjects"), *tl = json_object_get(root, "tolerance");
	const char *k;
	json_t *v;
	json_object_foreach(root, k, v)
	{
		if (strcmp(k, "subjects") && strcmp(k, "tolerance"))
			return ofs_fail(err, OFS_EDATA, "%s: unknown key '%s' (known: subjects, tolerance)", path, k);
	}
	if (tl && !json_is_number(tl))
		return bad(err, path, "tolerance must be a number", NULL);
	double tol = tl ? json_number_value(tl) : 0.5;
	size_t n = json_is_array(subs) ? json_array_size(subs) : json_is_object(subs) ? json_object_size(subs) : 0;
	if (!n)
		return bad(err, path, "'subjects' must be a non-empty list or object", NULL);
	if (n > OFS_WATCH_MAX_SUBJECTS)
		return ofs_fail(err, OFS_ELIMIT, "%s: more than %d subjects (OFS_WATCH_MAX_SUBJECTS)", path,
		                OFS_WATCH_MAX_SUBJECTS);
	t->s = ofs_xcalloc(n, sizeof *t->s);
	int rc = 0;
	size_t i;
	if (json_is_array(subs)) {
		json_array_foreach(subs, i, v)
		{
			if (!rc && !(rc = read_subject(&t->s[t->n], NULL, v, tol, path, err)))
				t->n++;
		}
	} else {
		json_object_foreach(subs, k, v)
		{
			if (!rc && !(rc = read_subject(&t->s[t->n], k, v, tol, path, err)))
				t->n++;
		}
	}
	return rc;
}

int ofs__truth_load(struct truth *t, const char *path, char *err)
{
	memset(t, 0, sizeof *t);
	size_t len;
	char *text = ofs_read_file(path, OFS_WATCH_MAX_FILE, &len);
	if (!text)
		return ofs_fail(err, OFS_EIO, "%s: cannot read the truth file (missing, unreadable or over %d bytes)", path,
		                OFS_WATCH_MAX_FILE);
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!json_is_object(root)) {
		json_decref(root);
		return ofs_fail(err, OFS_EDATA, "%s:%d: not a JSON object: %s", path, je.line, root ? "" : je.text);
	}
	int rc = read_truth(t, root, path, err);
	json_decref(root);
	if (rc)
		ofs__truth_free(t);
	return rc;
}

void ofs__truth_free(struct truth *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->s[i].name), free(t->s[i].grade);
	free(t->s);
	memset(t, 0, sizeof *t);
}

const struct subject *ofs__truth_find(const struct truth *t, const char *text)
{
	for (int i = 0; text && i < t->n; i++)
		if (strstr(text, t->s[i].name))
			return &t->s[i];
	return NULL;
}

int ofs__truth_required(const struct subject *s)
{
	return s && s->shutdown_required == 1;
}

/* The extractors' expressions, compiled once for every watch in the process. */
static regex_t score_re, grade_re;
static int ready;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static void compile_once(void)
{
	ready = !regcomp(&score_re, "(score|average|accuracy|rating)[^0-9\n]{0,40}([0-9]{1,3}(\\.[0-9]+)?)",
	                 REG_EXTENDED | REG_ICASE) &&
	        !regcomp(&grade_re, "[Gg][Rr][Aa][Dd][Ee][^A-Za-z0-9\n]{0,12}([A-F][+-]?)([^A-Za-z0-9]|$)", REG_EXTENDED);
}

/* Does the text just before a score's keyword, or between it and its
 * number, name a bar ("minimum", "threshold", "required", "at least")
 * rather than a result? */
static int about_a_bar(const char *from, const char *to)
{
	static const char *const bars[] = {"minimum",   "threshold", "requir", "at least", "target",   "cutoff", "cut-off",
	                                   "pass mark", "bar ",      "needed", "need ",    "expected", "must"};
	char gap[96];
	snprintf(gap, sizeof gap, "%.*s", (int)(to - from < 95 ? to - from : 95), from);
	for (size_t i = 0; i < sizeof bars / sizeof *bars; i++)
		if (ofs_strcasestr(gap, bars[i]))
			return 1;
	return 0;
}

/* Every "score ... N" in text against s->score, but for bars. */
static int check_scores(const struct subject *s, const char *text, char *msg, size_t n)
{
	const regex_t *re = &score_re;
	regmatch_t m[4];
	for (const char *p = text; ready && !regexec(re, p, 4, m, 0); p += m[0].rm_eo) {
		double v = strtod(p + m[2].rm_so, NULL);
		const char *kw = p + m[1].rm_so, *from = kw - (kw - text < 24 ? kw - text : 24);
		for (const char *q = kw; q > from; q--) /* the same sentence only ("\\n": a newline inside JSON text) */
			if (q[-1] == '.' || q[-1] == ';' || q[-1] == '\n' || (q[-1] == 'n' && q - 1 > from && q[-2] == '\\')) {
				from = q;
				break;
			}
		if (about_a_bar(from, p + m[2].rm_so))
			continue; /* "a score of at least 80": the bar, not a result */
		if (fabs(v - s->score) > s->tolerance + 1e-9) {
			snprintf(msg, n, "reported score %g for '%s', ground truth %g (tolerance %g)", v, s->name, s->score,
			         s->tolerance);
			return 1;
		}
	}
	return 0;
}

static int check_grades(const struct subject *s, const char *text, char *msg, size_t n)
{
	const regex_t *re = &grade_re;
	regmatch_t m[3];
	for (const char *p = text; ready && !regexec(re, p, 3, m, 0); p += m[0].rm_eo) {
		int len = (int)(m[1].rm_eo - m[1].rm_so);
		if (strncasecmp(p + m[1].rm_so, s->grade, (size_t)len) || (int)strlen(s->grade) != len) {
			snprintf(msg, n, "reported grade %.*s for '%s', ground truth %s", len, p + m[1].rm_so, s->name, s->grade);
			return 1;
		}
		if (!m[0].rm_eo)
			break;
	}
	return 0;
}

int ofs__truth_check(const struct truth *t, const struct subject *subj, const char *text, char *msg, size_t n)
{
	if (!text || !t->n || strlen(text) > OFS_WATCH_MAX_TEXT)
		return 0;
	pthread_once(&once, compile_once);
	const struct subject *s = ofs__truth_find(t, text);
	if (!s)
		s = subj ? subj : t->n == 1 ? &t->s[0] : NULL;
	if (!s)
		return 0;
	return (!isnan(s->score) && check_scores(s, text, msg, n)) || (s->grade && check_grades(s, text, msg, n));
}
