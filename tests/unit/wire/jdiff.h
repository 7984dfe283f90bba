/* jdiff.h — the differential check of lib/wire/jtree.c against jansson,
 * shared by tests/unit/wire/test_jtree.c and fuzz/fuzz_jtree.c: one input
 * parsed by both (json_loadb with no flags, ofs_jparse); they must agree on
 * accepting it, and an accepted input must give equal trees (every key of
 * jansson's object found by ofs_jget with an equal value, the same number
 * of distinct keys, equal arrays, strings, numbers), and every node's span
 * must parse (jansson, any value) back to the same value. */
#ifndef OFS_JDIFF_H
#define OFS_JDIFF_H
#include <jansson.h>
#include <string.h>

#include "wire/jtree.h"

static int jdiff_same(const struct ofs_jv *v, json_t *j, const char *text);

/* Distinct keys among o's members (duplicates kept in the tree count once). */
static size_t jdiff_distinct(const struct ofs_jv *o)
{
	size_t d = 0;
	for (size_t k = 0; k < o->n; k++) {
		size_t m = k + 1;
		while (m < o->n && !(o->u.kids[m].klen == o->u.kids[k].klen &&
		                     !memcmp(o->u.kids[m].key, o->u.kids[k].key, o->u.kids[k].klen)))
			m++;
		d += m == o->n;
	}
	return d;
}

/* v's span holds exactly j (as jansson reads it). */
static int jdiff_span(const struct ofs_jv *v, json_t *j, const char *text)
{
	json_t *w = json_loadb(text + v->at, v->end - v->at, JSON_DECODE_ANY, NULL);
	int ok = w && json_equal(j, w);
	json_decref(w);
	return ok;
}

static int jdiff_kids(const struct ofs_jv *v, json_t *j, const char *text)
{
	if (v->kind == OFS_J_ARR) {
		if (!json_is_array(j) || json_array_size(j) != v->n)
			return 0;
		for (size_t i = 0; i < v->n; i++)
			if (!jdiff_same(&v->u.kids[i], json_array_get(j, i), text))
				return 0;
		return 1;
	}
	if (!json_is_object(j) || json_object_size(j) != jdiff_distinct(v))
		return 0;
	const char *key;
	json_t *m;
	json_object_foreach(j, key, m)
	{
		const struct ofs_jv *mine = ofs_jget(v, key);
		if (!mine || !jdiff_same(mine, m, text))
			return 0;
	}
	return 1;
}

static int jdiff_same(const struct ofs_jv *v, json_t *j, const char *text)
{
	int ok;
	switch (v->kind) {
	case OFS_J_NULL: ok = json_is_null(j); break;
	case OFS_J_TRUE: ok = json_is_true(j); break;
	case OFS_J_FALSE: ok = json_is_false(j); break;
	case OFS_J_INT: ok = json_is_integer(j) && json_integer_value(j) == v->u.i; break;
	case OFS_J_REAL: ok = json_is_real(j) && !memcmp(&(double){json_real_value(j)}, &v->u.d, sizeof(double)); break;
	case OFS_J_STR:
		ok = json_is_string(j) && json_string_length(j) == v->n && !memcmp(json_string_value(j), v->u.s, v->n) &&
		     !v->u.s[v->n];
		break;
	default: ok = jdiff_kids(v, j, text);
	}
	return ok && jdiff_span(v, j, text);
}

/* NULL when both parsers agree on s[0..n); else what differs. */
static const char *jdiff(const char *s, size_t n)
{
	struct ofs_arena *A = ofs_arena_new(0);
	struct ofs_jv *root;
	char err[OFS_ERRLEN];
	json_t *j = json_loadb(s, n, 0, NULL);
	int rc = ofs_jparse(A, s, n, &root, err);
	const char *why = NULL;
	if (!j && !rc)
		why = "jtree accepts what jansson rejects";
	else if (j && rc)
		why = "jtree rejects what jansson accepts";
	else if (j && !jdiff_same(root, j, s))
		why = "the trees differ";
	else if (rc && (!strstr(err, " at byte ") || !*err))
		why = "an error without its place";
	json_decref(j);
	ofs_arena_free(A);
	return why;
}
#endif
