/* merkle.c — RFC 6962 / RFC 9162 Merkle tree hashing: leaf and node hashes
 * with distinct prefixes, MTH, inclusion and consistency proofs over an
 * array of leaf hashes, and the incremental frontier the log keeps. */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_*: far cheaper per call than EVP for 65-byte inputs */
#include <openssl/sha.h>
#include <string.h>

#include "audit/internal.h"

#define H OFS_AUDIT_HASHLEN

void ofs_audit_leaf_hash(const void *payload, size_t len, uint8_t out[H])
{
	SHA256_CTX c;
	static const uint8_t zero = 0x00;
	SHA256_Init(&c);
	SHA256_Update(&c, &zero, 1);
	SHA256_Update(&c, payload, len);
	SHA256_Final(out, &c);
}

/* The SHA256_* calls, not SHA256(): OpenSSL 3's one-shot fetches the
 * algorithm on every call, which costs more than hashing 65 bytes. */
static void sha(const void *in, size_t n, uint8_t out[H])
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, in, n);
	SHA256_Final(out, &c);
}

void ofs_audit_node_hash(const uint8_t l[H], const uint8_t r[H], uint8_t out[H])
{
	uint8_t in[1 + 2 * H];
	in[0] = 0x01;
	memcpy(in + 1, l, H);
	memcpy(in + 1 + H, r, H);
	sha(in, sizeof in, out);
}

void chain_next(uint8_t chain[H], const uint8_t leaf[H])
{
	uint8_t in[2 * H];
	memcpy(in, chain, H);
	memcpy(in + H, leaf, H);
	sha(in, sizeof in, chain);
}

void frontier_add(struct frontier *fr, const uint8_t leaf[H])
{
	uint8_t h[H];
	int level = 0;
	memcpy(h, leaf, H);
	while (fr->n >> level & 1) {
		ofs_audit_node_hash(fr->f[level], h, h);
		level++;
	}
	memcpy(fr->f[level], h, H);
	fr->n++;
}

void frontier_root(const struct frontier *fr, uint8_t out[H])
{
	if (fr->n == 0) {
		sha("", 0, out);
		return;
	}
	int level = 0;
	while (!(fr->n >> level & 1))
		level++;
	memcpy(out, fr->f[level], H);
	for (level++; level < 64; level++)
		if (fr->n >> level & 1)
			ofs_audit_node_hash(fr->f[level], out, out);
}

/* The largest power of two smaller than n (n > 1). */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

void ofs_audit_mth(const uint8_t *leaves, uint64_t n, uint8_t out[H])
{
	struct frontier fr;
	fr.n = 0;
	for (uint64_t i = 0; i < n; i++)
		frontier_add(&fr, leaves + i * H);
	frontier_root(&fr, out);
}

/* PATH(m, D[lo, lo+n)) appended at path[*k]. */
static void incl(const uint8_t *leaves, uint64_t n, uint64_t m, uint8_t path[][H], int *k)
{
	if (n <= 1)
		return;
	uint64_t s = split(n);
	if (m < s) {
		incl(leaves, s, m, path, k);
		ofs_audit_mth(leaves + s * H, n - s, path[(*k)++]);
	} else {
		incl(leaves + s * H, n - s, m - s, path, k);
		ofs_audit_mth(leaves, s, path[(*k)++]);
	}
}

int ofs_audit_inclusion(const uint8_t *leaves, uint64_t n, uint64_t m, uint8_t path[][H])
{
	if (m >= n)
		return OFS_EINVAL;
	int k = 0;
	incl(leaves, n, m, path, &k);
	return k;
}

/* SUBPROOF(m, D[n], b) of RFC 9162 section 2.1.4.1. */
static void subproof(const uint8_t *leaves, uint64_t n, uint64_t m, int b, uint8_t path[][H], int *k)
{
	if (m == n) {
		if (!b)
			ofs_audit_mth(leaves, n, path[(*k)++]);
		return;
	}
	uint64_t s = split(n);
	if (m <= s) {
		subproof(leaves, s, m, b, path, k);
		ofs_audit_mth(leaves + s * H, n - s, path[(*k)++]);
	} else {
		subproof(leaves + s * H, n - s, m - s, 0, path, k);
		ofs_audit_mth(leaves, s, path[(*k)++]);
	}
}

int ofs_audit_consistency(const uint8_t *leaves, uint64_t n, uint64_t m, uint8_t path[][H])
{
	if (m == 0 || m > n)
		return OFS_EINVAL;
	int k = 0;
	subproof(leaves, n, m, 1, path, &k);
	return k;
}
