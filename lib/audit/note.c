/* note.c — Ed25519 keys in the C2SP signed-note texts, and checkpoints in the
 * C2SP tlog-checkpoint format signed as a note:
 *   <origin>\n<tree size>\n<base64 root>\n\n— <key name> <base64(key id || sig)>\n
 * The key id is SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"

#define EMDASH "\xe2\x80\x94"

size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

size_t ofs_audit_b64(const uint8_t *in, size_t n, char *out)
{
	return b64_encode(in, n, out);
}

int b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	if (n == 0 || n % 4 || n / 4 * 3 > cap + 2)
		return -1;
	uint8_t tmp[(OFS_AUDIT_MAX_NAME + 128) / 4 * 3 + 3];
	if (n / 4 * 3 > sizeof tmp)
		return -1;
	int m = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)n);
	if (m < 0)
		return -1;
	m -= (in[n - 1] == '=') + (in[n - 2] == '=');
	if ((size_t)m > cap)
		return -1;
	memcpy(out, tmp, (size_t)m);
	return m;
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > OFS_AUDIT_MAX_NAME)
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '+')
			return 0;
	return 1;
}

static uint32_t key_id(const char *name, const uint8_t pub[32])
{
	uint8_t in[OFS_AUDIT_MAX_NAME + 34], h[32];
	size_t n = strlen(name);
	memcpy(in, name, n);
	in[n] = 0x0a;
	in[n + 1] = 0x01;
	memcpy(in + n + 2, pub, 32);
	SHA256(in, n + 34, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static int pub_of_seed(const uint8_t seed[32], uint8_t pub[32])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	size_t n = 32;
	int ok = k && EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == 32;
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}

int ofs_audit_keygen(struct ofs_audit_key *k, const char *name, char *err)
{
	memset(k, 0, sizeof *k);
	if (!name_ok(name))
		return ofs_fail(err, OFS_EINVAL, "key name '%.*s': 1 to %d printable characters, no spaces and no '+'", 64, name,
		                OFS_AUDIT_MAX_NAME);
	if (RAND_priv_bytes(k->seed, 32) != 1 || pub_of_seed(k->seed, k->pub))
		return ofs_fail(err, OFS_EIO, "cannot make an Ed25519 key (OpenSSL)");
	strcpy(k->name, name);
	k->id = key_id(name, k->pub);
	k->has_private = 1;
	return 0;
}

static int key_text(const struct ofs_audit_key *k, const char *prefix, const uint8_t raw[32], char *buf, size_t cap)
{
	uint8_t typed[33];
	char b64[64];
	typed[0] = 0x01;
	memcpy(typed + 1, raw, 32);
	b64_encode(typed, 33, b64);
	int n = snprintf(buf, cap, "%s%s+%08" PRIx32 "+%s", prefix, k->name, k->id, b64);
	memset(typed, 0, sizeof typed);
	return n < 0 || (size_t)n >= cap ? OFS_ELIMIT : 0;
}

int ofs_audit_key_private_text(const struct ofs_audit_key *k, char *buf, size_t cap)
{
	return k->has_private ? key_text(k, "PRIVATE+KEY+", k->seed, buf, cap) : OFS_ESTATE;
}

int ofs_audit_key_verifier_text(const struct ofs_audit_key *k, char *buf, size_t cap)
{
	return key_text(k, "", k->pub, buf, cap);
}

int ofs_audit_key_parse(struct ofs_audit_key *k, const char *text, char *err)
{
	memset(k, 0, sizeof *k);
	while (*text == ' ' || *text == '\n' || *text == '\t' || *text == '\r')
		text++;
	int priv = !strncmp(text, "PRIVATE+KEY+", 12);
	const char *p = priv ? text + 12 : text, *plus1 = strchr(p, '+'), *plus2 = plus1 ? strchr(plus1 + 1, '+') : NULL;
	if (!plus2 || plus1 - p > OFS_AUDIT_MAX_NAME || plus2 - plus1 != 9)
		return ofs_fail(err, OFS_EDATA, "not a note key: NAME+HEXID+BASE64 (or PRIVATE+KEY+...) expected");
	memcpy(k->name, p, (size_t)(plus1 - p));
	char hex[9] = {0}, *end;
	memcpy(hex, plus1 + 1, 8);
	uint32_t id = (uint32_t)strtoul(hex, &end, 16);
	size_t n = strcspn(plus2 + 1, " \t\r\n");
	if (plus2[1 + n + strspn(plus2 + 1 + n, " \t\r\n")])
		return ofs_fail(err, OFS_EDATA, "note key: unexpected text after the key");
	uint8_t raw[33];
	if (!name_ok(k->name) || *end || b64_decode(plus2 + 1, n, raw, sizeof raw) != 33 || raw[0] != 0x01)
		return ofs_fail(err, OFS_EDATA, "note key '%s': a bad name, id or key (Ed25519, type 0x01, expected)", k->name);
	if (priv) {
		memcpy(k->seed, raw + 1, 32);
		k->has_private = 1;
		if (pub_of_seed(k->seed, k->pub))
			return ofs_fail(err, OFS_EDATA, "note key '%s': not an Ed25519 private key", k->name);
	} else {
		memcpy(k->pub, raw + 1, 32);
	}
	memset(raw, 0, sizeof raw);
	k->id = key_id(k->name, k->pub);
	if (k->id != id)
		return ofs_fail(err, OFS_EDATA, "note key '%s': key id %s does not match the key (%08" PRIx32 ")", k->name, hex,
		                k->id);
	return 0;
}

int ofs_audit_checkpoint_sign(const struct ofs_audit_key *k, const char *origin, uint64_t size,
                              const uint8_t root[OFS_AUDIT_HASHLEN], char *buf, size_t cap, char *err)
{
	if (!k->has_private)
		return ofs_fail(err, OFS_ESTATE, "key '%s' has no private key", k->name);
	if (!name_ok(origin))
		return ofs_fail(err, OFS_EINVAL, "origin: 1 to %d printable characters, no spaces", OFS_AUDIT_MAX_NAME);
	char rb[64];
	b64_encode(root, OFS_AUDIT_HASHLEN, rb);
	int n = snprintf(buf, cap, "%s\n%" PRIu64 "\n%s\n", origin, size, rb);
	if (n < 0 || (size_t)n >= cap)
		return ofs_fail(err, OFS_ELIMIT, "checkpoint buffer too small");
	uint8_t sig[68];
	size_t slen = 64;
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->seed, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = pk && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1 &&
	         EVP_DigestSign(ctx, sig + 4, &slen, (const uint8_t *)buf, (size_t)n) == 1 && slen == 64;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	if (!ok)
		return ofs_fail(err, OFS_EIO, "Ed25519 signing failed (OpenSSL)");
	sig[0] = (uint8_t)(k->id >> 24), sig[1] = (uint8_t)(k->id >> 16), sig[2] = (uint8_t)(k->id >> 8), sig[3] = (uint8_t)k->id;
	char sb[100];
	b64_encode(sig, sizeof sig, sb);
	int m = snprintf(buf + n, cap - (size_t)n, "\n" EMDASH " %s %s\n", k->name, sb);
	if (m < 0 || (size_t)m >= cap - (size_t)n)
		return ofs_fail(err, OFS_ELIMIT, "checkpoint buffer too small");
	return 0;
}
