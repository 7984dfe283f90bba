/* jtree.h — a JSON parser that builds its tree in an arena (lib/wire/ only).
 *
 * Made for request bodies a server parses per call: no allocation per node
 * (every node and string lives in the caller's arena, freed with it; one
 * scratch buffer per parse is malloc'd and freed inside ofs_jparse).
 *
 * It accepts exactly what jansson's json_loadb(s, n, 0, ...) accepts and
 * rejects what it rejects (tests/unit/wire/test_jtree.c and fuzz/fuzz_jtree.c
 * compare the two):
 *   - the top level is an object or an array, followed only by whitespace
 *     (space, tab, CR, LF);
 *   - strict UTF-8 everywhere (no overlong forms, no encoded surrogates,
 *     nothing above U+10FFFF); no raw control characters (< 0x20) in strings;
 *   - escapes \" \\ \/ \b \f \n \r \t \uXXXX; a \u surrogate must be a high
 *     one followed by a low one; \u0000 is refused (jansson's default);
 *   - numbers as in RFC 8259; an integer outside long long is refused, as is
 *     a real that overflows a double (underflow to 0 is fine);
 *   - duplicate keys are allowed: all are kept in the tree, ofs_jget finds
 *     the last (jansson's "last one wins"); dumps (jansson on the node's
 *     span) keep the first one's place, as jansson does;
 *   - one jansson quirk kept: a single NUL byte right after a number or
 *     true/false/null is skipped ("[1\0]" is accepted; "[\0]" is not);
 *   - caps: at most OFS_JSON_MAX_DEPTH nested values (every value counts a
 *     level, scalars too: jansson's JSON_PARSER_MAX_DEPTH); the input size
 *     is the caller's cap (the mock's --max-body), the tree is at most a
 *     small multiple of it.
 * Errors: OFS_EDATA and err (OFS_ERRLEN) set to "<problem> at byte N". */
#ifndef OFFSWITCH_JTREE_H
#define OFFSWITCH_JTREE_H
#include <stddef.h>

#include "offswitch/error.h"
#include "offswitch/util.h"

#define OFS_JSON_MAX_DEPTH 2048

enum ofs_jkind { OFS_J_NULL, OFS_J_FALSE, OFS_J_TRUE, OFS_J_INT, OFS_J_REAL, OFS_J_STR, OFS_J_ARR, OFS_J_OBJ };

struct ofs_jv {
	enum ofs_jkind kind;
	size_t n; /* STR: bytes (no NUL inside); ARR, OBJ: members */
	union {
		const char *s;       /* STR: NUL-terminated, in the arena */
		struct ofs_jv *kids; /* ARR, OBJ: n members in order */
		long long i;         /* INT */
		double d;            /* REAL */
	} u;
	const char *key; /* a member of an object: its key, klen bytes (not NUL-terminated) */
	size_t klen;
	size_t at, end; /* the value's text: input[at..end) */
};

/* Parse s[0..n) into A: 0 with *root set, or OFS_EDATA with err set. */
int ofs_jparse(struct ofs_arena *A, const char *s, size_t n, struct ofs_jv **root, char *err);

/* Member key of object o (the last of that name), or NULL (o NULL or not an object). */
const struct ofs_jv *ofs_jget(const struct ofs_jv *o, const char *key);

static inline int ofs_jis(const struct ofs_jv *v, enum ofs_jkind k)
{
	return v && v->kind == k;
}
/* NULL or JSON null: "absent" for most members. */
static inline int ofs_jnone(const struct ofs_jv *v)
{
	return !v || v->kind == OFS_J_NULL;
}
/* The string's text, or NULL for anything else. */
static inline const char *ofs_jstr(const struct ofs_jv *v)
{
	return v && v->kind == OFS_J_STR ? v->u.s : NULL;
}
/* Members of an array, 0 for anything else (jansson's json_array_size). */
static inline size_t ofs_jlen(const struct ofs_jv *v)
{
	return v && v->kind == OFS_J_ARR ? v->n : 0;
}
#endif
