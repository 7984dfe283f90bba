/* checkpoint.c — parsing a C2SP tlog-checkpoint signed note and checking its
 * Ed25519 signature by a known verifier key. */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"

#define EMDASH   "\xe2\x80\x94"
#define MAX_NOTE 4096 /* cap on a checkpoint's text, signatures included */

static int verify_sig(const struct ofs_audit_key *vk, const char *msg, size_t n, const uint8_t sig[64])
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, vk->pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = pk && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
	         EVP_DigestVerify(ctx, sig, 64, (const uint8_t *)msg, n) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

/* The body: origin, size, root (extension lines after them are allowed). */
static int parse_body(struct ofs_audit_checkpoint *cp, const char *t, size_t n, char *err)
{
	const char *l2 = memchr(t, '\n', n), *l3 = l2 ? memchr(l2 + 1, '\n', (size_t)(t + n - l2 - 1)) : NULL;
	const char *l4 = l3 ? memchr(l3 + 1, '\n', (size_t)(t + n - l3 - 1)) : NULL;
	if (!l4)
		return ofs_fail(err, OFS_EDATA, "checkpoint: origin, tree size and root hash lines expected");
	size_t ol = (size_t)(l2 - t);
	if (ol == 0 || ol > OFS_AUDIT_MAX_NAME)
		return ofs_fail(err, OFS_EDATA, "checkpoint: origin line of 1 to %d bytes expected", OFS_AUDIT_MAX_NAME);
	memcpy(cp->origin, t, ol);
	cp->origin[ol] = 0;
	char num[24] = {0};
	size_t sl = (size_t)(l3 - l2 - 1);
	if (sl == 0 || sl > 20 || (sl > 1 && l2[1] == '0'))
		return ofs_fail(err, OFS_EDATA, "checkpoint: tree size line: a decimal number without leading zeros expected");
	memcpy(num, l2 + 1, sl);
	char *end;
	cp->size = strtoull(num, &end, 10);
	if (*end || num[0] < '0' || num[0] > '9')
		return ofs_fail(err, OFS_EDATA, "checkpoint: tree size '%s' is not a number", num);
	if (b64_decode(l3 + 1, (size_t)(l4 - l3 - 1), cp->root, sizeof cp->root) != OFS_AUDIT_HASHLEN)
		return ofs_fail(err, OFS_EDATA, "checkpoint: root hash line: base64 of 32 bytes expected");
	return 0;
}

/* One signature line "— name b64\n" at s (len n): 1 verified by vk, 0 not
 * vk's, < 0 vk's but bad. */
static int check_line(const struct ofs_audit_key *vk, const char *note, size_t nlen, const char *s, size_t n, char *err)
{
	if (n < 4 || memcmp(s, EMDASH " ", 4))
		return ofs_fail(err, OFS_EDATA, "checkpoint: a signature line must start with an em dash and a space");
	const char *name = s + 4, *sp = memchr(name, ' ', n - 4);
	if (!sp)
		return ofs_fail(err, OFS_EDATA, "checkpoint: signature line without a signature");
	if (!vk || (size_t)(sp - name) != strlen(vk->name) || memcmp(name, vk->name, (size_t)(sp - name)))
		return 0;
	uint8_t sig[68];
	if (b64_decode(sp + 1, (size_t)(s + n - sp - 1), sig, sizeof sig) != 68)
		return 0; /* another algorithm's signature under the same name */
	uint32_t id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
	if (id != vk->id)
		return 0;
	if (!verify_sig(vk, note, nlen, sig + 4))
		return ofs_fail(err, OFS_EDATA, "checkpoint: the signature by %s does not verify", vk->name);
	return 1;
}

int ofs_audit_checkpoint_parse(struct ofs_audit_checkpoint *cp, const char *text, size_t len, const struct ofs_audit_key *vk,
                               char *err)
{
	memset(cp, 0, sizeof *cp);
	if (len > MAX_NOTE)
		return ofs_fail(err, OFS_ELIMIT, "checkpoint: over %d bytes", MAX_NOTE);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 && text[i] != '\n')
			return ofs_fail(err, OFS_EDATA, "checkpoint: a control character at byte %zu", i);
	const char *blank = NULL;
	for (size_t i = 0; i + 1 < len && !blank; i++)
		if (text[i] == '\n' && text[i + 1] == '\n')
			blank = text + i;
	if (!blank || text[len - 1] != '\n')
		return ofs_fail(err, OFS_EDATA, "checkpoint: a note text, a blank line and signature lines expected");
	size_t nlen = (size_t)(blank - text) + 1;
	int rc = parse_body(cp, text, nlen, err);
	int found = 0;
	for (const char *s = blank + 2; !rc && s < text + len;) {
		const char *e = memchr(s, '\n', (size_t)(text + len - s));
		int r = check_line(vk, text, nlen, s, (size_t)(e - s), err);
		if (r < 0)
			rc = r;
		found |= r > 0;
		s = e + 1;
	}
	if (!rc && vk && !found)
		rc = ofs_fail(err, OFS_EDATA, "checkpoint: no signature by key %s+%08" PRIx32, vk->name, vk->id);
	if (rc)
		memset(cp, 0, sizeof *cp);
	return rc;
}
