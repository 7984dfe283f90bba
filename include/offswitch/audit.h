/* audit.h — a tamper-evident, append-only audit log (lib/audit).
 *
 * A log file is an 8-byte magic "OFSAUD01" followed by records. Each record
 * is framed as
 *     u32 big-endian payload length L (1..OFS_AUDIT_MAX_RECORD)
 *     u64 big-endian record index (0, 1, 2, ...)
 *     L bytes of payload: one line of compact JSON {"kind":..,"ts":..,"data":..}
 *     32-byte chain hash = SHA-256(previous chain hash || leaf hash)
 *                          (the previous chain hash of record 0 is 32 zero bytes)
 * The payloads are the leaves of an RFC 6962 / RFC 9162 Merkle tree: leaf
 * hash SHA-256(0x00 || payload), node hash SHA-256(0x01 || left || right),
 * MTH of non-powers of two as in RFC 9162 section 2.1.1. The chain lets
 * verification name the first edited, reordered, deleted or inserted record;
 * a signed checkpoint (C2SP tlog-checkpoint + signed-note, Ed25519) pins a
 * tree size and root so that truncation at a record boundary, or a rewrite
 * that recomputes the chain, is detected too. docs/audit.md has the rest.
 *
 * Errors follow offswitch/error.h: OFS_EIO (file), OFS_ECORRUPT (the log is
 * damaged or tampered with: the message names the record and its offset, or
 * the torn tail's offset), OFS_EDATA (a bad key or checkpoint text),
 * OFS_ELIMIT (a cap below), OFS_ESTATE (the log is held by another writer,
 * or a write failed earlier and the handle refuses further appends). The
 * library never prints; secrets never appear in messages.
 */
#ifndef OFFSWITCH_AUDIT_H
#define OFFSWITCH_AUDIT_H
#include <stddef.h>
#include <stdint.h>

#include "offswitch/error.h"

#define OFS_AUDIT_HASHLEN     32
#define OFS_AUDIT_MAX_RECORD  (16u << 20) /* cap on one record's payload (bytes) */
#define OFS_AUDIT_MAX_LEAVES  (1u << 24)  /* cap on the records a proof is computed over */
#define OFS_AUDIT_MAX_SECRETS 64          /* cap on configured secrets (strings + env names) */
#define OFS_AUDIT_MIN_SECRET  4           /* shorter secrets are refused (would redact noise) */
#define OFS_AUDIT_MAX_PROOF   64          /* hashes in any proof of a tree below 2^64 */
#define OFS_AUDIT_MAX_NAME    200         /* cap on a key name or checkpoint origin */
#define OFS_AUDIT_FRAME       44          /* framing bytes per record (length, index, chain) */
#define OFS_AUDIT_REDACTED    "[REDACTED]"

struct ofs_audit;

struct ofs_audit_opts {
	const char *const *secrets; /* strings never to be written (copied at open) */
	int nsecrets;
	const char *const *secret_envs; /* names of environment variables whose values are secrets */
	int nsecret_envs;
	int repair;         /* truncate a torn tail at open instead of failing */
	size_t batch_bytes; /* pending bytes that force a commit inside append (0: 1 MiB) */
};

/* Open (creating it, mode 0600) the log at path for appending. Every existing
 * record is checked (framing, index, chain) and the tree rebuilt. A torn tail
 * (a partial last record, or zero bytes after the last whole one) is
 * OFS_ECORRUPT "PATH: torn tail at offset N (M bytes)" unless o->repair, which
 * truncates it (ofs_audit_repaired() says how many bytes); a repair larger than
 * one record frame is refused (OFS_ECORRUPT: that is damage, not a crash).
 * Another writer holding the file: OFS_ESTATE. o may be NULL. *out is NULL on
 * error and err says why. Close with ofs_audit_close(). */
int ofs_audit_open(struct ofs_audit **out, const char *path, const struct ofs_audit_opts *o, char *err);
/* Bytes dropped from a torn tail when the log was opened with repair (0: none). */
uint64_t ofs_audit_repaired(const struct ofs_audit *a);
/* Queue one record: kind (non-empty), ts (the caller's timestamp text) and
 * data (JSON text; NULL for none; text that is not JSON, or has duplicate
 * keys, is stored as a JSON string). Secrets are redacted first: every
 * occurrence of a configured secret in any string becomes OFS_AUDIT_REDACTED,
 * and the values of the fields named authorization, proxy-authorization,
 * x-api-key, api-key, api_key, apikey and x-goog-api-key (any case) are
 * replaced whole. The record is durable only after ofs_audit_sync() or
 * ofs_audit_commit(); *index (may be NULL) gets its index. Thread-safe. */
int ofs_audit_append(struct ofs_audit *a, const char *kind, const char *ts, const char *data, uint64_t *index);
/* The same with data already parsed (a jansson json_t; NULL for none; not
 * modified, the caller keeps its reference): no second parse. */
struct json_t;
int ofs_audit_append_json(struct ofs_audit *a, const char *kind, const char *ts, struct json_t *data, uint64_t *index);
/* Group commit: wait until record index is on disk. When no commit is in
 * flight the caller becomes the leader: one write of the pending records up
 * to the highest index any waiter has asked for (later ones stay queued, so
 * a caller syncing every N records gets batches of N), one fdatasync; the
 * other waiters are released by it. A write or sync that
 * fails makes this and every later append/sync fail (OFS_ESTATE after the
 * first OFS_EIO): reopen, which reports the torn tail. Thread-safe. */
int ofs_audit_sync(struct ofs_audit *a, uint64_t index);
/* Commit every pending record (no-op when none). Thread-safe. */
int ofs_audit_commit(struct ofs_audit *a);
/* Size and root of the durable tree (records committed). */
void ofs_audit_head(struct ofs_audit *a, uint64_t *size, uint8_t root[OFS_AUDIT_HASHLEN]);
const char *ofs_audit_errmsg(const struct ofs_audit *a);
/* Commit what is pending, release the file and free a. NULL-safe. Returns the
 * commit's result. */
int ofs_audit_close(struct ofs_audit *a);

/* ---- reading and verifying (no lock taken; a writer may be appending) ---- */

struct ofs_audit_checkpoint {
	char origin[OFS_AUDIT_MAX_NAME + 1];
	uint64_t size;
	uint8_t root[OFS_AUDIT_HASHLEN];
};

struct ofs_audit_result {
	uint64_t size;                    /* whole records read */
	uint8_t root[OFS_AUDIT_HASHLEN];  /* MTH of them */
	uint64_t bytes;                   /* file bytes covered by them (magic included) */
	int64_t bad;                      /* first bad record index; -1 none or unknown */
	uint64_t torn_offset, torn_bytes; /* a torn tail (torn_bytes 0: none) */
};

/* Recompute everything in the log at path: magic, framing, indexes, chain,
 * tree. With cp (NULL: none), its size and root must match the tree at that
 * size, and the log must have at least cp->size records. 0 when all holds;
 * OFS_ECORRUPT naming the first bad record (r->bad) or the torn tail; OFS_EIO.
 * r may be NULL. */
int ofs_audit_verify(const char *path, const struct ofs_audit_checkpoint *cp, struct ofs_audit_result *r, char *err);
/* Call fn for each record in order (payload not NUL-terminated); a non-zero
 * return from fn stops and is returned. Checks as ofs_audit_verify() does
 * (without a checkpoint), stopping before the first bad record. */
int ofs_audit_each(const char *path, int (*fn)(void *ud, uint64_t index, const char *payload, size_t len), void *ud, char *err);
/* The leaf hashes of the log's valid records into *leaves (malloc'd, n * 32
 * bytes; caller frees), *n their count. OFS_ELIMIT over OFS_AUDIT_MAX_LEAVES. */
int ofs_audit_leaves(const char *path, uint8_t **leaves, uint64_t *n, char *err);

/* ---- the Merkle tree over an array of leaf hashes (RFC 9162 section 2.1) ---- */

void ofs_audit_leaf_hash(const void *payload, size_t len, uint8_t out[OFS_AUDIT_HASHLEN]);
void ofs_audit_node_hash(const uint8_t l[OFS_AUDIT_HASHLEN], const uint8_t r[OFS_AUDIT_HASHLEN], uint8_t out[OFS_AUDIT_HASHLEN]);
/* MTH of the first n leaves (n = 0: SHA-256 of the empty string). */
void ofs_audit_mth(const uint8_t *leaves, uint64_t n, uint8_t out[OFS_AUDIT_HASHLEN]);
/* Inclusion proof PATH(m, D[n]) (0 <= m < n) into path; returns the number of
 * hashes, or OFS_EINVAL when m >= n. */
int ofs_audit_inclusion(const uint8_t *leaves, uint64_t n, uint64_t m, uint8_t path[][OFS_AUDIT_HASHLEN]);
/* Consistency proof PROOF(m, D[n]) (0 < m <= n); count or OFS_EINVAL. */
int ofs_audit_consistency(const uint8_t *leaves, uint64_t n, uint64_t m, uint8_t path[][OFS_AUDIT_HASHLEN]);

/* Standard padded base64 (RFC 4648 section 4) of n bytes into out (room for
 * 4 * ((n + 2) / 3) + 1 bytes); returns the text's length. */
size_t ofs_audit_b64(const uint8_t *in, size_t n, char *out);

/* ---- keys and checkpoints (C2SP signed-note, Ed25519; C2SP tlog-checkpoint) ---- */

struct ofs_audit_key {
	char name[OFS_AUDIT_MAX_NAME + 1];
	uint32_t id; /* SHA-256(name || 0x0A || 0x01 || pub)[:4], big-endian */
	uint8_t pub[32];
	uint8_t seed[32]; /* the private key; only when has_private */
	int has_private;
};

/* A new Ed25519 key called name: no spaces, no '+', printable ASCII,
 * 1..OFS_AUDIT_MAX_NAME bytes (OFS_EINVAL otherwise). */
int ofs_audit_keygen(struct ofs_audit_key *k, const char *name, char *err);
/* "PRIVATE+KEY+<name>+<8 hex id>+<base64(0x01 || seed)>" (the Go note
 * package's private key text) or the verifier key
 * "<name>+<8 hex id>+<base64(0x01 || pub)>". OFS_ELIMIT when cap is short;
 * OFS_ESTATE for the private text of a key without one. */
int ofs_audit_key_private_text(const struct ofs_audit_key *k, char *buf, size_t cap);
int ofs_audit_key_verifier_text(const struct ofs_audit_key *k, char *buf, size_t cap);
/* Parse either text (surrounding whitespace ignored); the id must match the
 * key. OFS_EDATA with a message otherwise. */
int ofs_audit_key_parse(struct ofs_audit_key *k, const char *text, char *err);
/* Write the signed checkpoint "<origin>\n<size>\n<base64 root>\n\n— <name>
 * <base64(id || signature)>\n" into buf (NUL-terminated). OFS_ELIMIT when cap
 * is short; OFS_ESTATE without a private key. */
int ofs_audit_checkpoint_sign(const struct ofs_audit_key *k, const char *origin, uint64_t size,
                              const uint8_t root[OFS_AUDIT_HASHLEN], char *buf, size_t cap, char *err);
/* Parse a signed checkpoint text of len bytes. With vk (NULL: signatures not
 * checked), a signature line of vk's name and id must verify over the note
 * text (other keys' lines are ignored, as the spec says). OFS_EDATA naming
 * what is wrong. */
int ofs_audit_checkpoint_parse(struct ofs_audit_checkpoint *cp, const char *text, size_t len, const struct ofs_audit_key *vk,
                               char *err);
#endif
