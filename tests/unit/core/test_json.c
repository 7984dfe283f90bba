/* test_json.c — ofs_json_strn escapes the same whether a special byte falls
 * inside the eight-byte fast path or after it: every offset of a quote, a
 * backslash, control bytes, DEL, a two-byte UTF-8 letter and an invalid byte
 * in plain runs of 0 to 24 bytes, against a byte-at-a-time reference. */
#include <stdio.h>
#include <string.h>

#include "offswitch/util.h"
#include "t.h"

/* The reference: one byte at a time (valid two-byte sequences copied, 0xff replaced). */
static void ref(struct ofs_buf *b, const unsigned char *s, size_t n)
{
	ofs_buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];
		if (c == 0xc3 && i + 1 < n && (s[i + 1] & 0xc0) == 0x80) {
			ofs_buf_add(b, s + i, 2);
			i++;
		} else if (c >= 0x80)
			ofs_buf_puts(b, "\\ufffd");
		else if (c == '"')
			ofs_buf_puts(b, "\\\"");
		else if (c == '\\')
			ofs_buf_puts(b, "\\\\");
		else if (c == '\n')
			ofs_buf_puts(b, "\\n");
		else if (c == '\r')
			ofs_buf_puts(b, "\\r");
		else if (c == '\t')
			ofs_buf_puts(b, "\\t");
		else if (c < 0x20)
			ofs_buf_printf(b, "\\u%04x", c);
		else
			ofs_buf_putc(b, (char)c);
	}
	ofs_buf_putc(b, '"');
}

static void test_every_offset(void)
{
	static const char *const specials[] = {"\"",   "\\", "\n",   "\r",       "\t",   "\x01",
	                                       "\x1f", " ",  "\x7f", "\xc3\xa9", "\xff", NULL};
	struct ofs_buf got = {0}, want = {0};
	int bad = 0;
	for (int k = 0; specials[k]; k++)
		for (size_t len = 0; len <= 24; len++)
			for (size_t at = 0; at <= len; at++) {
				char s[64];
				memset(s, 'a', len);
				size_t n = strlen(specials[k]);
				memmove(s + at + n, s + at, len - at);
				memcpy(s + at, specials[k], n);
				ofs_buf_reset(&got);
				ofs_buf_reset(&want);
				ofs_json_strn(&got, s, len + n);
				ref(&want, (const unsigned char *)s, len + n);
				if (got.len != want.len || memcmp(got.p, want.p, got.len))
					bad++;
			}
	CHECK_INT(bad, 0);
	ofs_buf_free(&got);
	ofs_buf_free(&want);
}

/* Long runs (the sixteen-byte path): a special byte at every offset of 0 to
 * 70 plain bytes, and two specials apart by every distance. */
static void test_long_runs(void)
{
	static const char *const specials[] = {"\"", "\\", "\n", "\x01", "\x7f", "\xc3\xa9", "\xff", NULL};
	struct ofs_buf got = {0}, want = {0};
	int bad = 0;
	for (int k = 0; specials[k]; k++)
		for (size_t len = 25; len <= 70; len++)
			for (size_t at = 0; at <= len; at++)
				for (size_t gap = 0; gap <= 20; gap += 7) {
					char s[160];
					memset(s, 'b', sizeof s);
					size_t n = strlen(specials[k]), total = len + 2 * n;
					memcpy(s + at, specials[k], n);
					if (at + n + gap + n <= total)
						memcpy(s + at + n + gap, specials[k], n);
					ofs_buf_reset(&got);
					ofs_buf_reset(&want);
					ofs_json_strn(&got, s, total);
					ref(&want, (const unsigned char *)s, total);
					if (got.len != want.len || memcmp(got.p, want.p, got.len))
						bad++;
				}
	CHECK_INT(bad, 0);
	ofs_buf_free(&got);
	ofs_buf_free(&want);
}

/* ofs_strcasestr: any case of a letter first or not, the first occurrence, none. */
static void test_strcasestr(void)
{
	const char *h = "Say I WILL NOT, then i will not; x-Ray and X-RAY.";
	CHECK(ofs_strcasestr(h, "i will not") == h + 4);
	CHECK(ofs_strcasestr(h + 5, "I Will Not") == h + 21);
	CHECK(ofs_strcasestr(h, "-ray") == h + 34);
	CHECK(ofs_strcasestr(h, "x-ray.") == h + 43);
	CHECK(ofs_strcasestr(h, ";") == h + 31);
	CHECK(ofs_strcasestr(h, "refuse") == NULL);
	CHECK(ofs_strcasestr(h, "") == h);
	CHECK(ofs_strcasestr("", "a") == NULL);
	CHECK(ofs_strcasestr("caf\xc3\xa9T", "\xc3\xa9t") != NULL); /* a first byte from 0x80: compared as itself */
	CHECK(ofs_strcasestr("CAF\xc3\x89", "\xc3\xa9") == NULL);
}

int main(void)
{
	RUN(test_every_offset);
	RUN(test_long_runs);
	RUN(test_strcasestr);
	return DONE();
}
