/* util.h — growable byte buffers, a bump arena, JSON/YAML string emitters.
 *
 * Ownership: a struct ofs_buf owns its bytes (ofs_buf_free releases them); an
 * arena owns every allocation made from it and releases all of them at once in
 * ofs_arena_free. Nothing here prints or exits; allocation failure aborts via
 * ofs_oom() because every caller would have to do the same.
 */
#ifndef OFFSWITCH_UTIL_H
#define OFFSWITCH_UTIL_H
#include <stddef.h>
#include <stdint.h>

struct ofs_buf {
	char *p; /* NUL-terminated when len > 0 or after any append */
	size_t len;
	size_t cap;
};

void ofs_oom(void);
void *ofs_xmalloc(size_t n);
void *ofs_xcalloc(size_t n, size_t m);
void *ofs_xrealloc(void *p, size_t n);
char *ofs_xstrdup(const char *s);

void ofs_buf_reserve(struct ofs_buf *b, size_t extra);
void ofs_buf_add(struct ofs_buf *b, const void *p, size_t n);
void ofs_buf_puts(struct ofs_buf *b, const char *s);
void ofs_buf_putc(struct ofs_buf *b, char c);
void ofs_buf_printf(struct ofs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ofs_buf_reset(struct ofs_buf *b);
void ofs_buf_free(struct ofs_buf *b);
/* Takes the bytes out of the buffer: the caller owns the returned string. */
char *ofs_buf_detach(struct ofs_buf *b);

/* JSON string literal (with quotes) of s[0..n). Invalid UTF-8 bytes become U+FFFD. */
void ofs_json_str(struct ofs_buf *b, const char *s);
void ofs_json_strn(struct ofs_buf *b, const char *s, size_t n);
/* A double as JSON: integers print without a fraction, NaN/inf as null. */
void ofs_json_num(struct ofs_buf *b, double v);

/* YAML scalar for a string value at the given indentation (block literal for
 * multi-line text, single-quoted where a plain scalar would be misread). */
void ofs_yaml_str(struct ofs_buf *b, const char *s, int indent);

struct ofs_arena;
struct ofs_arena *ofs_arena_new(size_t chunk);
void *ofs_arena_alloc(struct ofs_arena *a, size_t n);
char *ofs_arena_strdup(struct ofs_arena *a, const char *s);
char *ofs_arena_strndup(struct ofs_arena *a, const char *s, size_t n);
/* Releases every chunk but the first and rewinds it: cheap reuse per rollout. */
void ofs_arena_reset(struct ofs_arena *a);
void ofs_arena_free(struct ofs_arena *a);

/* Read a whole file (caller owns the result); NULL with errno set on failure.
 * Files larger than max are refused with EFBIG. */
char *ofs_read_file(const char *path, size_t max, size_t *len);

/* 64-bit FNV-1a (small keys). */
uint64_t ofs_hash64(const void *p, size_t n);
/* A 128-bit content hash, eight bytes a step (blob deduplication). Not
 * cryptographic: two independent 64-bit lanes over the same words. */
void ofs_hash128(const void *p, size_t n, uint64_t *h1, uint64_t *h2);

/* s past prefix if s starts with it, else NULL. */
const char *ofs_strprefix(const char *s, const char *prefix);
/* Case-insensitive substring search. */
const char *ofs_strcasestr(const char *hay, const char *needle);
#endif
