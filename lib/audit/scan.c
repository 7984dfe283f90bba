/* scan.c — reading a log image: the framing, index and chain of every
 * record, the torn tail, and the public readers built on the scan (verify,
 * each, leaves). */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/internal.h"
#include "offswitch/error.h"

#define H OFS_AUDIT_HASHLEN

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static int bad(struct scan *s, char *err, const char *path, const char *what)
{
	s->bad = (int64_t)s->n;
	return ofs_fail(err, OFS_ECORRUPT, "%s: record %llu (offset %llu): %s", path, (unsigned long long)s->n,
	                (unsigned long long)s->off, what);
}

/* One record at s->off: 1 whole, 0 torn tail, < 0 error. */
static int scan_one(struct scan *s, const char *path, const uint8_t *buf, size_t len, char *err)
{
	size_t left = len - s->off;
	const uint8_t *p = buf + s->off;
	if (left < 12)
		return 0;
	if (all_zero(p, 12))
		return all_zero(p, left) ? 0 : bad(s, err, path, "zero payload length");
	uint64_t l = get_be(p, 4), idx = get_be(p + 4, 8);
	if (l == 0 || l > OFS_AUDIT_MAX_RECORD)
		return bad(s, err, path, "bad payload length");
	if (left < OFS_AUDIT_FRAME + l)
		return 0;
	if (idx != s->n) {
		char what[96];
		snprintf(what, sizeof what, "its index field says %llu (a record deleted, inserted or moved)",
		         (unsigned long long)idx);
		return bad(s, err, path, what);
	}
	uint8_t leaf[H];
	ofs_audit_leaf_hash(p + 12, l, leaf);
	chain_next(s->chain, leaf);
	if (memcmp(s->chain, p + 12 + l, H))
		return bad(s, err, path,
		           "chain hash mismatch (the record or one before it was edited, reordered, removed or inserted)");
	if (s->each) {
		int r = s->each(s->ud, s->n, (const char *)p + 12, l, leaf);
		if (r)
			return r;
	}
	frontier_add(&s->fr, leaf);
	s->n++;
	s->off += OFS_AUDIT_FRAME + l;
	return 1;
}

int scan_image(struct scan *s, const char *path, const uint8_t *buf, size_t len, char *err)
{
	memset(s->chain, 0, H);
	s->n = 0;
	s->fr.n = 0;
	s->bad = -1;
	s->torn_off = s->torn_bytes = 0;
	s->off = AUDIT_MAGIC_LEN;
	if (len < AUDIT_MAGIC_LEN || memcmp(buf, AUDIT_MAGIC, AUDIT_MAGIC_LEN))
		return ofs_fail(err, OFS_ECORRUPT, "%s: not an offswitch audit log (no OFSAUD01 magic)", path);
	while (s->off < len && (!s->stop_at || s->n < s->stop_at)) {
		int r = scan_one(s, path, buf, len, err);
		if (r < 0 || r > 1)
			return r;
		if (r == 0) {
			s->torn_off = s->off;
			s->torn_bytes = len - s->off;
			break;
		}
	}
	return 0;
}

int map_file(const char *path, const uint8_t **buf, size_t *len, char *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	*buf = NULL;
	*len = 0;
	if (fd < 0 || fstat(fd, &st)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return ofs_fail(err, OFS_EIO, "%s: %s", path, strerror(e));
	}
	if (st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED) {
			int e = errno;
			close(fd);
			return ofs_fail(err, OFS_EIO, "%s: mmap: %s", path, strerror(e));
		}
		madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
		*buf = m;
		*len = (size_t)st.st_size;
	}
	close(fd);
	return 0;
}

void unmap_file(const uint8_t *buf, size_t len)
{
	if (buf)
		munmap((void *)buf, len);
}

static void fill(struct ofs_audit_result *r, const struct scan *s)
{
	if (!r)
		return;
	r->size = s->n;
	frontier_root(&s->fr, r->root);
	r->bytes = s->off;
	r->bad = s->bad;
	r->torn_offset = s->torn_off;
	r->torn_bytes = s->torn_bytes;
}

static int check_cp(struct scan *s, const struct ofs_audit_checkpoint *cp, const char *path, const uint8_t *buf, size_t len,
                    char *err)
{
	if (s->n < cp->size)
		return ofs_fail(err, OFS_ECORRUPT,
		                "%s: truncated: the checkpoint has %llu records, the log %llu (records %llu.. are missing)", path,
		                (unsigned long long)cp->size, (unsigned long long)s->n, (unsigned long long)s->n);
	struct scan t = {.stop_at = cp->size};
	scan_image(&t, path, buf, len, err);
	uint8_t root[H];
	frontier_root(&t.fr, root);
	if (memcmp(root, cp->root, H))
		return ofs_fail(
		        err, OFS_ECORRUPT,
		        "%s: the first %llu records do not match the checkpoint's root: records before %llu were rewritten "
		        "(the chain was recomputed, so the first changed one cannot be named without the original)",
		        path, (unsigned long long)cp->size, (unsigned long long)cp->size);
	return 0;
}

int ofs_audit_verify(const char *path, const struct ofs_audit_checkpoint *cp, struct ofs_audit_result *r, char *err)
{
	const uint8_t *buf;
	size_t len;
	int rc = map_file(path, &buf, &len, err);
	if (rc)
		return rc;
	struct scan s = {0};
	rc = scan_image(&s, path, buf, len, err);
	if (!rc && s.torn_bytes)
		rc = ofs_fail(err, OFS_ECORRUPT, "%s: torn tail at offset %llu (%llu bytes of a partial record %llu)", path,
		              (unsigned long long)s.torn_off, (unsigned long long)s.torn_bytes, (unsigned long long)s.n);
	if (!rc && cp)
		rc = check_cp(&s, cp, path, buf, len, err);
	fill(r, &s);
	unmap_file(buf, len);
	return rc;
}

struct each_ctx {
	int (*fn)(void *, uint64_t, const char *, size_t);
	void *ud;
};

static int each_cb(void *ud, uint64_t index, const char *payload, size_t len, const uint8_t leaf[H])
{
	struct each_ctx *c = ud;
	return c->fn(c->ud, index, payload, len);
}

int ofs_audit_each(const char *path, int (*fn)(void *, uint64_t, const char *, size_t), void *ud, char *err)
{
	const uint8_t *buf;
	size_t len;
	int rc = map_file(path, &buf, &len, err);
	if (rc)
		return rc;
	struct each_ctx c = {fn, ud};
	struct scan s = {.each = each_cb, .ud = &c};
	rc = scan_image(&s, path, buf, len, err);
	unmap_file(buf, len);
	return rc;
}

struct leaves_ctx {
	uint8_t *v;
	uint64_t n, cap;
};

static int leaves_cb(void *ud, uint64_t index, const char *payload, size_t len, const uint8_t leaf[H])
{
	struct leaves_ctx *c = ud;
	if (c->n == OFS_AUDIT_MAX_LEAVES)
		return OFS_ELIMIT;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		uint8_t *v = realloc(c->v, c->cap * H);
		if (!v)
			return OFS_ELIMIT;
		c->v = v;
	}
	memcpy(c->v + c->n++ * H, leaf, H);
	return 0;
}

int ofs_audit_leaves(const char *path, uint8_t **leaves, uint64_t *n, char *err)
{
	const uint8_t *buf;
	size_t len;
	*leaves = NULL;
	*n = 0;
	int rc = map_file(path, &buf, &len, err);
	if (rc)
		return rc;
	struct leaves_ctx c = {0};
	struct scan s = {.each = leaves_cb, .ud = &c};
	rc = scan_image(&s, path, buf, len, err);
	unmap_file(buf, len);
	if (rc == OFS_ELIMIT)
		ofs_fail(err, rc, "%s: more than %u records (OFS_AUDIT_MAX_LEAVES) or out of memory", path, OFS_AUDIT_MAX_LEAVES);
	if (rc) {
		free(c.v);
		return rc;
	}
	*leaves = c.v;
	*n = c.n;
	return 0;
}
