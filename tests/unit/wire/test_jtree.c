/* test_jtree.c — the arena JSON parser (lib/wire/jtree.c) against jansson:
 * a corpus of valid and invalid inputs, deep nesting around the depth
 * limit, and a few thousand deterministic mutations of them, each checked
 * by jdiff.h (same verdict, same tree); plus its own results and errors. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "jdiff.h"

#define S(x)                                                                                                                     \
	{                                                                                                                        \
		x, sizeof x - 1                                                                                                  \
	}
static const struct {
	const char *s;
	size_t n;
} corpus[] = {
        /* valid */
        S("{}"),
        S("[]"),
        S(" \t\r\n{ } \n"),
        S("{\"a\":1}"),
        S("[1,-0,0,0.5,1e5,1E-5,-1.5e+3,123456789012345678]"),
        S("[9223372036854775807,-9223372036854775808]"),
        S("[1e-400,-1e-400,0e0,0.0e-0]"),
        S("[true,false,null]"),
        S("{\"a\":{\"b\":[{\"c\":[]},{}]},\"d\":\"\"}"),
        S("[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"]"),
        S("[\"\\u00e9\\u20AC\\uD83D\\uDE00\\u0001\\u007f\"]"),
        S("[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x7f\"]"),
        S("{\"k\\u00e9y\":1,\"k\\ny\":2,\"\xc3\xa9\":3,\"\":4}"),
        S("{\"a\":1,\"a\":2}"),
        S("{\"a\":1,\"b\":2,\"a\":[3]}"),
        S("{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}]}"),
        S("[\"abcdefghijklmnopqrstuvwxyz0123456789 long enough for the eight-byte scan \\n and more text here\"]"),
        S("[\"\xf4\x8f\xbf\xbf\xef\xbf\xbf\xe0\xa0\x80\xc2\x80\"]"),
        /* invalid */
        S(""),
        S(" "),
        S("1"),
        S("\"a\""),
        S("null"),
        S("{"),
        S("["),
        S("}"),
        S("[1,]"),
        S("{\"a\":1,}"),
        S("[01]"),
        S("[-01]"),
        S("[-]"),
        S("[1.]"),
        S("[1e]"),
        S("[1e+]"),
        S("[.5]"),
        S("[+1]"),
        S("[1 2]"),
        S("{\"a\" 1}"),
        S("{1:2}"),
        S("{\"a\":}"),
        S("{,}"),
        S("[,1]"),
        S("[\"\\x\"]"),
        S("[\"\\u12\"]"),
        S("[\"\\u12g4\"]"),
        S("[\"\\uD800\"]"),
        S("[\"\\uDC00\"]"),
        S("[\"\\uD800\\u0041\"]"),
        S("[\"\\uD800\\n\"]"),
        S("[\"\\uD800\\uD800\"]"),
        S("[\"\\u0000\"]"),
        S("{\"\\u0000\":1}"),
        S("[\"a\x01\"]"),
        S("[\"a\x1f\"]"),
        S("[\"a\tb\"]"),
        S("[\"\xc0\x80\"]"),
        S("[\"\xc1\xbf\"]"),
        S("[\"\xe0\x80\x80\"]"),
        S("[\"\xed\xa0\x80\"]"),
        S("[\"\xf0\x80\x80\x80\"]"),
        S("[\"\xf4\x90\x80\x80\"]"),
        S("[\"\xf5\x80\x80\x80\"]"),
        S("[\"\xff\"]"),
        S("[\"\x80\"]"),
        S("[\"\xc3\"]"),
        S("[\"\xe2\x82\"]"),
        S("[\"\xc3\x28\"]"),
        S("{\"\xc3\":1}"),
        S("[\xc3\xa9]"),
        S("[9223372036854775808]"),
        S("[-9223372036854775809]"),
        S("[1e400]"),
        S("[-1e400]"),
        S("[tru]"),
        S("[truex]"),
        S("[nul]"),
        S("[True]"),
        S("[nan]"),
        S("[Infinity]"),
        S("{}x"),
        S("{} {}"),
        S("[]]"),
        S("\xef\xbb\xbf{}"),
        S("{}\0"),
        S("[\"a\0\"]"),
        S("[\0]"),
        S("[9\0]"),
        S("[true\0,null\0]"),
        S("{\"a\":1\0}"),
        S("[1\0\0]"),
        S("[1 \0]"),
        S("[\"a\"\0]"),
        S("[-\0]"),
        S("[\"abc"),
        S("[\"abc\\\"]"),
        S("[\"abc\\"),
        S("{\"a\""),
        S("{\"a\":"),
        S("[1"),
        S("[1,"),
        S("{'a':1}"),
        S("[0x10]"),
        S("[1.5e]"),
        S("[--1]"),
        S("[\"\\u\"]"),
        S("[\"\\"),
        S("/* c */ {}"),
};

static void test_corpus(void)
{
	for (size_t i = 0; i < sizeof corpus / sizeof *corpus; i++) {
		const char *why = jdiff(corpus[i].s, corpus[i].n);
		if (why)
			printf("#   corpus[%zu] %.60s: %s\n", i, corpus[i].s, why);
		CHECK(!why);
	}
}

/* d arrays nested, with inner (or nothing) in the middle. */
static char *nest(int d, const char *inner)
{
	size_t n = strlen(inner);
	char *s = malloc((size_t)d * 2 + n + 1);
	memset(s, '[', (size_t)d);
	memcpy(s + d, inner, n);
	memset(s + d + n, ']', (size_t)d);
	s[(size_t)d * 2 + n] = 0;
	return s;
}

static void test_depth(void)
{
	static const int depths[] = {1, 100, 2046, 2047, 2048, 2049, 3000};
	static const char *inner[] = {"", "1", "{\"a\":[]}", "\"s\""};
	for (size_t i = 0; i < sizeof depths / sizeof *depths; i++)
		for (size_t k = 0; k < sizeof inner / sizeof *inner; k++) {
			char *s = nest(depths[i], inner[k]);
			const char *why = jdiff(s, strlen(s));
			if (why)
				printf("#   depth %d with '%s': %s\n", depths[i], inner[k], why);
			CHECK(!why);
			free(s);
		}
	/* the limit itself: 2048 levels pass, one more fails, naming the problem */
	struct ofs_arena *A = ofs_arena_new(0);
	struct ofs_jv *root;
	char err[OFS_ERRLEN], *ok = nest(2048, ""), *deep = nest(2048, "1");
	CHECK_INT(ofs_jparse(A, ok, strlen(ok), &root, err), 0);
	CHECK_INT(ofs_jparse(A, deep, strlen(deep), &root, err), OFS_EDATA);
	CHECK(strstr(err, "nested too deep") && strstr(err, "at byte 2048"));
	free(ok);
	free(deep);
	ofs_arena_free(A);
}

static unsigned long rng_next(unsigned long *x)
{
	*x = *x * 6364136223846793005ul + 1442695040888963407ul;
	return *x >> 33;
}

/* Deterministic mutations of the corpus: replace, insert or delete bytes
 * chosen among those that matter to a JSON lexer. */
static void test_mutations(void)
{
	static const char pick[] = "\"\\{}[]:,0019-+.eEuDdcC ntfal\x01\x80\xbf\xc3\xed\xf0\xf4\xff";
	unsigned long x = 14;
	char buf[512];
	int bad = 0;
	for (int it = 0; it < 20000 && bad < 5; it++) {
		size_t c = rng_next(&x) % (sizeof corpus / sizeof *corpus), n = corpus[c].n;
		if (n > sizeof buf - 8)
			continue;
		memcpy(buf, corpus[c].s, n);
		for (int m = 1 + (int)(rng_next(&x) % 3); m > 0; m--) {
			size_t at = n ? rng_next(&x) % (n + 1) : 0;
			char ch = pick[rng_next(&x) % (sizeof pick - 1)];
			unsigned op = (unsigned)(rng_next(&x) % 3);
			if (op == 0 && at < n)
				buf[at] = ch;
			else if (op == 1 && n < sizeof buf - 1) {
				memmove(buf + at + 1, buf + at, n - at);
				buf[at] = ch, n++;
			} else if (at < n) {
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
			}
		}
		const char *why = jdiff(buf, n);
		if (why) {
			printf("#   mutation %d (%zu bytes):", it, n);
			for (size_t k = 0; k < n; k++)
				printf(" %02x", (unsigned char)buf[k]);
			printf(": %s\n", why);
			bad++;
		}
	}
	CHECK_INT(bad, 0);
}

static void test_tree(void)
{
	struct ofs_arena *A = ofs_arena_new(0);
	struct ofs_jv *root;
	char err[OFS_ERRLEN];
	const char *s = " {\"a\":[1,2.5,\"x\\ny\"],\"b\":{\"c\":true},\"a\":null,\"k\\u00e9\":\"v\"} ";
	CHECK_INT(ofs_jparse(A, s, strlen(s), &root, err), 0);
	CHECK_INT(root->kind, OFS_J_OBJ);
	CHECK_INT(root->n, 4);
	CHECK_INT(root->at, 1);
	CHECK_INT(root->end, strlen(s) - 1);
	CHECK(ofs_jnone(ofs_jget(root, "a"))); /* the last "a" wins */
	const struct ofs_jv *a = &root->u.kids[0];
	CHECK_INT(ofs_jlen(a), 3);
	CHECK_INT(a->u.kids[0].u.i, 1);
	CHECK(a->u.kids[1].kind == OFS_J_REAL && a->u.kids[1].u.d == 2.5);
	CHECK_STR(ofs_jstr(&a->u.kids[2]), "x\ny");
	CHECK(ofs_jis(ofs_jget(ofs_jget(root, "b"), "c"), OFS_J_TRUE));
	CHECK_STR(ofs_jstr(ofs_jget(root, "k\xc3\xa9")), "v");
	CHECK(!ofs_jget(root, "z") && !ofs_jget(a, "a") && !ofs_jget(NULL, "a"));
	struct {
		const char *in, *msg;
	} errs[] = {{"[\"\\uD800\"]", "without a low one) at byte 2"},
	            {"[\"\xc3(\"]", "invalid UTF-8 at byte 2"},
	            {"[1,]", "invalid token at byte 3"},
	            {"{\"a\":1} x", "end of input expected at byte 8"},
	            {"[\"\\u0000\"]", "\\u0000 is not allowed at byte 2"},
	            {"[01]", "leading zero"},
	            {"[1e999]", "real number overflow at byte 1"},
	            {"[99999999999999999999]", "integer out of range at byte 1"},
	            {"[\"a\x01\"]", "control character in a string at byte 3"},
	            {"\"a\"", "'[' or '{' expected at byte 0"}};
	for (size_t i = 0; i < sizeof errs / sizeof *errs; i++) {
		CHECK_INT(ofs_jparse(A, errs[i].in, strlen(errs[i].in), &root, err), OFS_EDATA);
		if (!strstr(err, errs[i].msg))
			printf("#   '%s': got '%s'\n", errs[i].in, err);
		CHECK(strstr(err, errs[i].msg) != NULL);
	}
	ofs_arena_free(A);
}

int main(void)
{
	RUN(test_corpus);
	RUN(test_depth);
	RUN(test_mutations);
	RUN(test_tree);
	return DONE();
}
