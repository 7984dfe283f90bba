/* internal.h — lib/audit's private pieces: the incremental tree (a frontier
 * of perfect subtree roots), the record framing scanner and base64. */
#ifndef OFS_AUDIT_INTERNAL_H
#define OFS_AUDIT_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "offswitch/audit.h"

#define AUDIT_MAGIC     "OFSAUD01"
#define AUDIT_MAGIC_LEN 8

/* The right edge of an RFC 9162 tree of n leaves: f[h] is the root of the
 * perfect subtree of 2^h leaves for each bit h set in n. */
struct frontier {
	uint64_t n;
	uint8_t f[64][OFS_AUDIT_HASHLEN];
};
void frontier_add(struct frontier *fr, const uint8_t leaf[OFS_AUDIT_HASHLEN]);
void frontier_root(const struct frontier *fr, uint8_t out[OFS_AUDIT_HASHLEN]);
/* SHA-256(prev || leaf) into out (out may be prev). */
void chain_next(uint8_t chain[OFS_AUDIT_HASHLEN], const uint8_t leaf[OFS_AUDIT_HASHLEN]);

/* State of a scan over a log image. */
struct scan {
	uint64_t n;   /* whole valid records */
	uint64_t off; /* end of the last valid record */
	uint8_t chain[OFS_AUDIT_HASHLEN];
	struct frontier fr;
	uint64_t torn_off, torn_bytes; /* a torn tail after off */
	int64_t bad;                   /* index of a bad record, -1 none */
	/* optional: called per valid record; non-zero stops the scan */
	int (*each)(void *ud, uint64_t index, const char *payload, size_t len, const uint8_t leaf[OFS_AUDIT_HASHLEN]);
	void *ud;
	/* optional: stop after this many records (0: no stop) and keep their root */
	uint64_t stop_at;
};
/* Scan len bytes of a log image (magic included). 0: whole (possibly with a
 * torn tail in s->torn_bytes); OFS_ECORRUPT naming the bad record in err and
 * s->bad; a non-zero return of each is passed on. */
int scan_image(struct scan *s, const char *path, const uint8_t *buf, size_t len, char *err);
/* Map path read-only (*len 0: *buf NULL). 0 or OFS_EIO. */
int map_file(const char *path, const uint8_t **buf, size_t *len, char *err);
void unmap_file(const uint8_t *buf, size_t len);

/* Standard base64 (RFC 4648 section 4, padded). b64_encode returns the text
 * length (cap must be >= 4 * ceil(n / 3) + 1); b64_decode the byte count or
 * -1 on bad text or more than cap bytes. */
size_t b64_encode(const uint8_t *in, size_t n, char *out);
int b64_decode(const char *in, size_t n, uint8_t *out, size_t cap);
#endif
