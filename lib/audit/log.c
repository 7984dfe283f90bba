/* log.c — the writer: open (check every record, rebuild the tree, find a
 * torn tail), append (redact, frame, queue) and group commit (one leader
 * writes every pending record and calls fdatasync once for all). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "audit/internal.h"
#include "audit/redact.h"
#include "offswitch/fs.h"
#include "offswitch/util.h"

#define H OFS_AUDIT_HASHLEN

struct ofs_audit {
	int fd;
	char *path;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct redactor red;
	size_t batch_bytes;
	struct ofs_buf pend;  /* framed records not yet written */
	size_t *ends;         /* end of each pending record in pend */
	uint8_t (*leaves)[H]; /* leaf hash of each pending record */
	size_t npend, cappend;
	uint64_t want;      /* the highest index a waiter asked to be durable */
	uint64_t next;      /* index the next append gets */
	uint64_t durable;   /* records on disk */
	uint8_t chain[H];   /* chain hash of record next-1 */
	struct frontier fr; /* tree over the durable records 0..durable-1 */
	int committing, failed;
	uint64_t repaired;
	char msg[OFS_ERRLEN];
};

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Check the existing records; repair or refuse a torn tail. */
static int load(struct ofs_audit *a, int repair, char *err)
{
	const uint8_t *buf;
	size_t len;
	int rc = map_file(a->path, &buf, &len, err);
	if (rc)
		return rc;
	struct scan s = {0};
	rc = scan_image(&s, a->path, buf, len, err);
	unmap_file(buf, len);
	if (rc)
		return rc;
	if (s.torn_bytes && !repair)
		return ofs_fail(err, OFS_ECORRUPT,
		                "%s: torn tail at offset %llu (%llu bytes of a partial record %llu, left by a crash); "
		                "`offswitch audit repair` drops them",
		                a->path, (unsigned long long)s.torn_off, (unsigned long long)s.torn_bytes,
		                (unsigned long long)s.n);
	if (s.torn_bytes > OFS_AUDIT_FRAME + (uint64_t)OFS_AUDIT_MAX_RECORD)
		return ofs_fail(
		        err, OFS_ECORRUPT,
		        "%s: %llu bytes after offset %llu are more than one record: damage, not a torn write; not repaired",
		        a->path, (unsigned long long)s.torn_bytes, (unsigned long long)s.torn_off);
	if (s.torn_bytes) {
		if (ftruncate(a->fd, (off_t)s.torn_off) || fdatasync(a->fd))
			return ofs_fail(err, OFS_EIO, "%s: truncating the torn tail: %s", a->path, strerror(errno));
		a->repaired = s.torn_bytes;
	}
	a->next = a->durable = s.n;
	memcpy(a->chain, s.chain, H);
	a->fr = s.fr;
	return 0;
}

static int open_file(struct ofs_audit *a, char *err)
{
	a->fd = open(a->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (a->fd < 0)
		return ofs_fail(err, OFS_EIO, "%s: %s", a->path, strerror(errno));
	if (flock(a->fd, LOCK_EX | LOCK_NB))
		return ofs_fail(err, errno == EWOULDBLOCK ? OFS_ESTATE : OFS_EIO, "%s: %s", a->path,
		                errno == EWOULDBLOCK ? "in use by another writer" : strerror(errno));
	off_t end = lseek(a->fd, 0, SEEK_END);
	if (end == 0) {
		if (write(a->fd, AUDIT_MAGIC, AUDIT_MAGIC_LEN) != AUDIT_MAGIC_LEN || fdatasync(a->fd))
			return ofs_fail(err, OFS_EIO, "%s: %s", a->path, strerror(errno));
		return ofs_sync_fs(a->path, err);
	}
	return end < 0 ? ofs_fail(err, OFS_EIO, "%s: %s", a->path, strerror(errno)) : 0;
}

int ofs_audit_open(struct ofs_audit **out, const char *path, const struct ofs_audit_opts *o, char *err)
{
	*out = NULL;
	struct ofs_audit *a = ofs_xcalloc(1, sizeof *a);
	a->fd = -1;
	a->path = ofs_xstrdup(path);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	a->batch_bytes = o && o->batch_bytes ? o->batch_bytes : (size_t)1 << 20;
	int rc = redactor_init(&a->red, o, err);
	if (!rc)
		rc = open_file(a, err);
	if (!rc)
		rc = load(a, o && o->repair, err);
	if (rc) {
		ofs_audit_close(a);
		return rc;
	}
	*out = a;
	return 0;
}

uint64_t ofs_audit_repaired(const struct ofs_audit *a)
{
	return a->repaired;
}

/* Frame and queue one built payload (freed here). */
static int queue(struct ofs_audit *a, char *payload, size_t len, uint64_t *index)
{
	if (len > OFS_AUDIT_MAX_RECORD) {
		free(payload);
		return ofs_fail(a->msg, OFS_ELIMIT, "a record of %zu bytes is over OFS_AUDIT_MAX_RECORD (%u)", len,
		                OFS_AUDIT_MAX_RECORD);
	}
	uint8_t leaf[H], head[12];
	ofs_audit_leaf_hash(payload, len, leaf);
	pthread_mutex_lock(&a->mu);
	int rc = a->failed;
	if (!rc) {
		put_be(head, len, 4);
		put_be(head + 4, a->next, 8);
		chain_next(a->chain, leaf);
		ofs_buf_add(&a->pend, head, sizeof head);
		ofs_buf_add(&a->pend, payload, len);
		ofs_buf_add(&a->pend, a->chain, H);
		if (a->npend == a->cappend) {
			a->cappend = a->cappend ? a->cappend * 2 : 256;
			a->ends = ofs_xrealloc(a->ends, a->cappend * sizeof *a->ends);
			a->leaves = ofs_xrealloc(a->leaves, a->cappend * sizeof *a->leaves);
		}
		a->ends[a->npend] = a->pend.len;
		memcpy(a->leaves[a->npend++], leaf, H);
		if (index)
			*index = a->next;
		a->next++;
	}
	int full = !rc && a->pend.len >= a->batch_bytes;
	uint64_t last = a->next - 1;
	pthread_mutex_unlock(&a->mu);
	free(payload);
	if (rc)
		return ofs_fail(a->msg, OFS_ESTATE, "%s: an earlier write failed; reopen the log", a->path);
	return full ? ofs_audit_sync(a, last) : 0;
}

int ofs_audit_append(struct ofs_audit *a, const char *kind, const char *ts, const char *data, uint64_t *index)
{
	if (!kind || !*kind || !ts)
		return ofs_fail(a->msg, OFS_EINVAL, "a record needs a kind and a timestamp");
	size_t len;
	char *payload = redact_payload(&a->red, kind, ts, data, &len);
	return queue(a, payload, len, index);
}

int ofs_audit_append_json(struct ofs_audit *a, const char *kind, const char *ts, struct json_t *data, uint64_t *index)
{
	if (!kind || !*kind || !ts)
		return ofs_fail(a->msg, OFS_EINVAL, "a record needs a kind and a timestamp");
	size_t len;
	char *payload = redact_value(&a->red, kind, ts, data, &len);
	return queue(a, payload, len, index);
}

/* The leader's write: every pending byte, then one fdatasync. Called with
 * a->mu released; buf/n are the taken batch. */
static int write_batch(struct ofs_audit *a, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(a->fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ofs_fail(a->msg, OFS_EIO, "%s: write: %s", a->path, w < 0 ? strerror(errno) : "no progress");
		buf += w;
		n -= (size_t)w;
	}
	if (fdatasync(a->fd))
		return ofs_fail(a->msg, OFS_EIO, "%s: fdatasync: %s", a->path, strerror(errno));
	return 0;
}

/* Take the pending records up to a->want (all of them at most) out of the
 * queue into batch; *k their count. Called with a->mu held. */
static void take(struct ofs_audit *a, struct ofs_buf *batch, size_t *k)
{
	*k = (size_t)(a->want - a->durable + 1);
	if (*k > a->npend)
		*k = a->npend;
	size_t cut = a->ends[*k - 1];
	memset(batch, 0, sizeof *batch);
	ofs_buf_add(batch, a->pend.p, cut);
	memmove(a->pend.p, a->pend.p + cut, a->pend.len - cut);
	a->pend.len -= cut;
	for (size_t i = *k; i < a->npend; i++) /* appends during the write go on after them */
		a->ends[i] -= cut;
}

/* After the leader's write of the first k pending records: they join the
 * durable tree and leave the queue. */
static void taken(struct ofs_audit *a, size_t k)
{
	for (size_t i = 0; i < k; i++)
		frontier_add(&a->fr, a->leaves[i]);
	a->npend -= k;
	memmove(a->ends, a->ends + k, a->npend * sizeof *a->ends);
	memmove(a->leaves, a->leaves + k, a->npend * sizeof *a->leaves);
	a->durable += k;
}

int ofs_audit_sync(struct ofs_audit *a, uint64_t index)
{
	int rc = 0;
	pthread_mutex_lock(&a->mu);
	if (index < a->next && (a->want < index || a->want < a->durable))
		a->want = index;
	while (a->durable <= index && index < a->next && !a->failed) {
		if (a->committing) {
			pthread_cond_wait(&a->cv, &a->mu);
			continue;
		}
		struct ofs_buf batch;
		size_t k;
		take(a, &batch, &k);
		a->committing = 1;
		pthread_mutex_unlock(&a->mu);
		rc = write_batch(a, batch.p, batch.len);
		ofs_buf_free(&batch);
		pthread_mutex_lock(&a->mu);
		a->committing = 0;
		if (rc)
			a->failed = rc;
		else
			taken(a, k);
		pthread_cond_broadcast(&a->cv);
	}
	if (!rc && a->failed)
		rc = ofs_fail(a->msg, OFS_ESTATE, "%s: an earlier write failed; reopen the log", a->path);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

int ofs_audit_commit(struct ofs_audit *a)
{
	pthread_mutex_lock(&a->mu);
	uint64_t n = a->next;
	pthread_mutex_unlock(&a->mu);
	return n ? ofs_audit_sync(a, n - 1) : 0;
}

void ofs_audit_head(struct ofs_audit *a, uint64_t *size, uint8_t root[H])
{
	pthread_mutex_lock(&a->mu);
	*size = a->durable;
	frontier_root(&a->fr, root);
	pthread_mutex_unlock(&a->mu);
}

const char *ofs_audit_errmsg(const struct ofs_audit *a)
{
	return a->msg;
}

int ofs_audit_close(struct ofs_audit *a)
{
	if (!a)
		return 0;
	int rc = a->fd >= 0 ? ofs_audit_commit(a) : 0;
	if (a->fd >= 0)
		close(a->fd);
	redactor_release(&a->red);
	ofs_buf_free(&a->pend);
	free(a->ends);
	free(a->leaves);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a->path);
	free(a);
	return rc;
}
