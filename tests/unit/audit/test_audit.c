/* test_audit.c — lib/audit: the RFC 6962 test vectors (MTH of 0..8 leaves,
 * inclusion and consistency paths, from the certificate-transparency test
 * data), the log's round trip, every kind of tampering named at its record,
 * the torn tail reported and repaired, redaction, group commit across
 * threads, kill -9 during appends, and signed checkpoints. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "offswitch/audit.h"
#include "offswitch/util.h"
#include "t.h"

static char dir[64];
static const uint8_t L0[] = {0}, L1[] = {0x00}, L2[] = {0x10}, L3[] = {0x20, 0x21}, L4[] = {0x30, 0x31},
                     L5[] = {0x40, 0x41, 0x42, 0x43}, L6[] = {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57},
                     L7[] = {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f};
static const uint8_t *const vec[] = {L0, L1, L2, L3, L4, L5, L6, L7};
static const size_t veclen[] = {0, 1, 1, 2, 2, 4, 8, 16};
static uint8_t leaves[8][32];

static void hex(const uint8_t *h, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}

static void test_rfc6962_mth(void)
{
	static const char *const want[] = {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	                                   "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	                                   "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	                                   "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	                                   "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	                                   "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	                                   "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	                                   "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	                                   "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
	for (int i = 0; i < 8; i++)
		ofs_audit_leaf_hash(vec[i], veclen[i], leaves[i]);
	for (int n = 0; n <= 8; n++) {
		uint8_t root[32];
		char h[65];
		ofs_audit_mth((const uint8_t *)leaves, (uint64_t)n, root);
		hex(root, h);
		CHECK_STR(h, want[n]);
	}
}

static void check_path(int k, uint8_t path[][32], int want_n, const char *const *want)
{
	CHECK_INT(k, want_n);
	for (int i = 0; i < k && i < want_n; i++) {
		char h[65];
		hex(path[i], h);
		CHECK_STR(h, want[i]);
	}
}

static void test_rfc6962_proofs(void)
{
	uint8_t path[OFS_AUDIT_MAX_PROOF][32];
	static const char *const incl_0_8[] = {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	                                       "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	                                       "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"};
	static const char *const incl_5_8[] = {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	                                       "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	                                       "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"};
	static const char *const cons_6_8[] = {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	                                       "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	                                       "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"};
	static const char *const cons_2_5[] = {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	                                       "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"};
	const uint8_t *lv = (const uint8_t *)leaves;
	check_path(ofs_audit_inclusion(lv, 8, 0, path), path, 3, incl_0_8);
	check_path(ofs_audit_inclusion(lv, 8, 5, path), path, 3, incl_5_8);
	check_path(ofs_audit_consistency(lv, 8, 1, path), path, 3, incl_0_8);
	check_path(ofs_audit_consistency(lv, 8, 6, path), path, 3, cons_6_8);
	check_path(ofs_audit_consistency(lv, 5, 2, path), path, 2, cons_2_5);
	CHECK_INT(ofs_audit_consistency(lv, 8, 8, path), 0);
	CHECK_INT(ofs_audit_inclusion(lv, 8, 8, path), OFS_EINVAL);
	CHECK_INT(ofs_audit_consistency(lv, 8, 0, path), OFS_EINVAL);
}

/* A fresh log at dir/name with n records; the path in p. */
static void make_log(const char *name, int n, char *p)
{
	char err[OFS_ERRLEN], data[64];
	snprintf(p, 128, "%s/%s", dir, name);
	unlink(p);
	struct ofs_audit *a;
	CHECK_INT(ofs_audit_open(&a, p, NULL, err), 0);
	for (int i = 0; i < n; i++) {
		snprintf(data, sizeof data, "{\"n\":%d,\"text\":\"record number %d\"}", i, i);
		CHECK_INT(ofs_audit_append(a, i % 2 ? "verdict" : "exchange", "2026-01-01T00:00:00Z", data, NULL), 0);
	}
	CHECK_INT(ofs_audit_close(a), 0);
}

static char *slurp(const char *p, size_t *n)
{
	return ofs_read_file(p, 1 << 24, n);
}

static void spit(const char *p, const char *b, size_t n)
{
	FILE *f = fopen(p, "wb");
	fwrite(b, 1, n, f);
	fclose(f);
}

/* Offsets of the record frames of the image b (at most 16). */
static int frames(const char *b, size_t n, size_t *off)
{
	int k = 0;
	size_t o = 8;
	while (o + 12 <= n && k < 16) {
		const uint8_t *p = (const uint8_t *)b + o;
		size_t l = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
		off[k++] = o;
		o += 44 + l;
	}
	off[k] = o;
	return k;
}

static void test_roundtrip(void)
{
	char p[128], err[OFS_ERRLEN];
	make_log("rt.log", 7, p);
	struct ofs_audit_result r;
	CHECK_INT(ofs_audit_verify(p, NULL, &r, err), 0);
	CHECK_INT(r.size, 7);
	uint8_t *lv, root[32], hroot[32];
	uint64_t n, hs;
	CHECK_INT(ofs_audit_leaves(p, &lv, &n, err), 0);
	CHECK_INT(n, 7);
	ofs_audit_mth(lv, n, root);
	CHECK(!memcmp(root, r.root, 32));
	free(lv);
	struct ofs_audit *a;
	CHECK_INT(ofs_audit_open(&a, p, NULL, err), 0);
	ofs_audit_head(a, &hs, hroot);
	CHECK_INT(hs, 7);
	CHECK(!memcmp(hroot, root, 32));
	struct ofs_audit *b;
	CHECK_INT(ofs_audit_open(&b, p, NULL, err), OFS_ESTATE); /* one writer */
	ofs_audit_close(a);
	struct stat st;
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
}

/* Rewrite the 5-record log with fn, verify, expect the bad record. */
static void tamper(const char *what, void (*fn)(char *b, size_t *n, const size_t *off), int64_t bad)
{
	char p[128], err[OFS_ERRLEN];
	make_log("t.log", 5, p);
	size_t n, off[17];
	char *b = slurp(p, &n);
	frames(b, n, off);
	char *c = malloc(n * 2);
	memcpy(c, b, n);
	fn(c, &n, off);
	spit(p, c, n);
	struct ofs_audit_result r;
	int rc = ofs_audit_verify(p, NULL, &r, err);
	if (rc != OFS_ECORRUPT || r.bad != bad)
		printf("#   %s: rc %d bad %lld (%s)\n", what, rc, (long long)r.bad, err);
	CHECK_INT(rc, OFS_ECORRUPT);
	CHECK_INT(r.bad, bad);
	char want[32];
	snprintf(want, sizeof want, "record %lld ", (long long)bad);
	CHECK(strstr(err, want) != NULL);
	struct ofs_audit *a;
	CHECK_INT(ofs_audit_open(&a, p, NULL, err), OFS_ECORRUPT); /* no appending to a tampered log */
	free(b);
	free(c);
}

static void edit(char *b, size_t *n, const size_t *off)
{
	b[off[2] + 20] ^= 1;
}
static void swap12(char *b, size_t *n, const size_t *off)
{
	size_t l1 = off[2] - off[1], l2 = off[3] - off[2];
	char *t = malloc(l1 + l2);
	memcpy(t, b + off[2], l2);
	memcpy(t + l2, b + off[1], l1);
	memcpy(b + off[1], t, l1 + l2);
	free(t);
}
static void delete2(char *b, size_t *n, const size_t *off)
{
	memmove(b + off[2], b + off[3], *n - off[3]);
	*n -= off[3] - off[2];
}
static void insert3(char *b, size_t *n, const size_t *off)
{
	size_t l = off[2] - off[1];
	memmove(b + off[3] + l, b + off[3], *n - off[3]);
	memcpy(b + off[3], b + off[1], l);
	*n += l;
}
static void chain_edit(char *b, size_t *n, const size_t *off)
{
	b[off[4] - 1] ^= 0x80; /* the chain hash of record 3 */
}

static void test_tampering(void)
{
	tamper("edit a byte", edit, 2);
	tamper("reorder", swap12, 1);
	tamper("delete", delete2, 2);
	tamper("insert", insert3, 3);
	tamper("edit a chain hash", chain_edit, 3);
}

static int sign_head(const char *p, struct ofs_audit_key *k, struct ofs_audit_checkpoint *cp)
{
	char err[OFS_ERRLEN], text[1024];
	struct ofs_audit_result r;
	int rc = ofs_audit_verify(p, NULL, &r, err);
	if (!rc)
		rc = ofs_audit_checkpoint_sign(k, "example.com/audit", r.size, r.root, text, sizeof text, err);
	if (!rc)
		rc = ofs_audit_checkpoint_parse(cp, text, strlen(text), k, err);
	return rc;
}

static void test_checkpoint_pins(void)
{
	char p[128], err[OFS_ERRLEN];
	struct ofs_audit_key k;
	struct ofs_audit_checkpoint cp;
	CHECK_INT(ofs_audit_keygen(&k, "example.com/audit", err), 0);
	make_log("cp.log", 5, p);
	CHECK_INT(sign_head(p, &k, &cp), 0);
	CHECK_INT(ofs_audit_verify(p, &cp, NULL, err), 0);
	/* truncation at a record boundary: only the checkpoint sees it */
	size_t n, off[17];
	char *b = slurp(p, &n);
	frames(b, n, off);
	spit(p, b, off[4]);
	CHECK_INT(ofs_audit_verify(p, NULL, NULL, err), 0);
	CHECK_INT(ofs_audit_verify(p, &cp, NULL, err), OFS_ECORRUPT);
	CHECK(strstr(err, "truncated") != NULL);
	/* a rewrite that recomputes the chain: record 1 replaced */
	struct ofs_audit *a;
	unlink(p);
	CHECK_INT(ofs_audit_open(&a, p, NULL, err), 0);
	for (int i = 0; i < 5; i++)
		ofs_audit_append(a, "exchange", "t", i == 1 ? "{\"forged\":true}" : "{}", NULL);
	ofs_audit_close(a);
	CHECK_INT(ofs_audit_verify(p, NULL, NULL, err), 0);
	CHECK_INT(ofs_audit_verify(p, &cp, NULL, err), OFS_ECORRUPT);
	CHECK(strstr(err, "checkpoint") != NULL);
	free(b);
}

static void test_torn_tail(void)
{
	char p[128], err[OFS_ERRLEN];
	make_log("torn.log", 3, p);
	size_t n;
	char *b = slurp(p, &n);
	/* a fourth record cut short: a header and part of its payload */
	FILE *f = fopen(p, "ab");
	fwrite(b + 8, 1, 30, f);
	fclose(f);
	struct ofs_audit *a;
	CHECK_INT(ofs_audit_open(&a, p, NULL, err), OFS_ECORRUPT);
	char want[64];
	snprintf(want, sizeof want, "torn tail at offset %zu (30 bytes", n);
	CHECK(strstr(err, want) != NULL);
	CHECK_INT(ofs_audit_verify(p, NULL, NULL, err), OFS_ECORRUPT);
	struct ofs_audit_opts o = {.repair = 1};
	CHECK_INT(ofs_audit_open(&a, p, &o, err), 0);
	CHECK_INT(ofs_audit_repaired(a), 30);
	CHECK_INT(ofs_audit_append(a, "exchange", "t", "{}", NULL), 0);
	ofs_audit_close(a);
	struct ofs_audit_result r;
	CHECK_INT(ofs_audit_verify(p, NULL, &r, err), 0);
	CHECK_INT(r.size, 4);
	free(b);
}

static void test_redaction(void)
{
	char p[128], err[OFS_ERRLEN];
	snprintf(p, sizeof p, "%s/red.log", dir);
	setenv("OFS_TEST_AUDIT_KEY", "sk-env-0123456789abcdef", 1);
	const char *secrets[] = {"sk-live-SECRETSECRET"}, *envs[] = {"OFS_TEST_AUDIT_KEY", "OFS_TEST_UNSET_VAR"};
	struct ofs_audit_opts o = {.secrets = secrets, .nsecrets = 1, .secret_envs = envs, .nsecret_envs = 2};
	struct ofs_audit *a;
	CHECK_INT(ofs_audit_open(&a, p, &o, err), 0);
	CHECK_INT(ofs_audit_append(a, "exchange", "t",
	                           "{\"headers\":{\"Authorization\":\"Bearer anything\",\"x-api-key\":\"k-unlisted\"},"
	                           "\"body\":\"use sk-live-SECRETSECRET and sk-env-0123456789abcdef\","
	                           "\"list\":[\"sk-live-SECRETSECRET\"]}",
	                           NULL),
	          0);
	CHECK_INT(ofs_audit_append(a, "exchange", "t", "not json sk-live-SECRETSECRET", NULL), 0);
	ofs_audit_close(a);
	size_t n;
	char *b = slurp(p, &n);
	CHECK(memmem(b, n, "SECRETSECRET", 12) == NULL);
	CHECK(memmem(b, n, "0123456789abcdef", 16) == NULL);
	CHECK(memmem(b, n, "anything", 8) == NULL);
	CHECK(memmem(b, n, "k-unlisted", 10) == NULL);
	CHECK(memmem(b, n, "use [REDACTED] and [REDACTED]", 29) != NULL);
	free(b);
	const char *tiny[] = {"abc"};
	struct ofs_audit_opts t = {.secrets = tiny, .nsecrets = 1};
	CHECK_INT(ofs_audit_open(&a, p, &t, err), OFS_EINVAL);
}

/* sync(i) makes records up to i durable and leaves later ones queued: one
 * group commit per batch, of the batch's size. */
static void test_sync_commits_up_to_index(void)
{
	char p[128], err[OFS_ERRLEN];
	snprintf(p, sizeof p, "%s/upto.log", dir);
	struct ofs_audit *a;
	CHECK_INT(ofs_audit_open(&a, p, NULL, err), 0);
	uint64_t idx = 0, size;
	uint8_t root[32];
	for (int i = 0; i < 10; i++)
		ofs_audit_append(a, "exchange", "t", "{}", &idx);
	CHECK_INT(idx, 9);
	CHECK_INT(ofs_audit_sync(a, 4), 0);
	ofs_audit_head(a, &size, root);
	CHECK_INT(size, 5);
	struct ofs_audit_result r;
	CHECK_INT(ofs_audit_verify(p, NULL, &r, err), 0);
	CHECK_INT(r.size, 5);
	CHECK(!memcmp(r.root, root, 32));
	CHECK_INT(ofs_audit_sync(a, 2), 0); /* already durable: nothing to do */
	CHECK_INT(ofs_audit_commit(a), 0);
	ofs_audit_head(a, &size, root);
	CHECK_INT(size, 10);
	CHECK_INT(ofs_audit_verify(p, NULL, &r, err), 0);
	CHECK_INT(r.size, 10);
	CHECK(!memcmp(r.root, root, 32));
	ofs_audit_close(a);
}

static struct ofs_audit *shared;
static void *appender(void *arg)
{
	for (int i = 0; i < 200; i++) {
		uint64_t idx;
		if (ofs_audit_append(shared, "exchange", "t", "{\"thread\":true}", &idx) || ofs_audit_sync(shared, idx))
			return (void *)1;
	}
	return NULL;
}

static void test_group_commit_threads(void)
{
	char p[128], err[OFS_ERRLEN];
	snprintf(p, sizeof p, "%s/gc.log", dir);
	CHECK_INT(ofs_audit_open(&shared, p, NULL, err), 0);
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, appender, NULL);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(th[i], &r);
		CHECK(r == NULL);
	}
	uint64_t size;
	uint8_t root[32];
	ofs_audit_head(shared, &size, root);
	CHECK_INT(size, 800);
	ofs_audit_close(shared);
	struct ofs_audit_result r;
	CHECK_INT(ofs_audit_verify(p, NULL, &r, err), 0);
	CHECK_INT(r.size, 800);
	CHECK(!memcmp(root, r.root, 32));
}

/* kill -9 while a child appends in batches: every record it was told is
 * durable is there, and the log verifies (after repairing a torn tail). */
static void test_kill9(void)
{
	char p[128], err[OFS_ERRLEN];
	snprintf(p, sizeof p, "%s/k9.log", dir);
	int fds[2];
	CHECK(pipe(fds) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		struct ofs_audit *a;
		if (ofs_audit_open(&a, p, NULL, err))
			_exit(1);
		for (uint64_t i = 0;; i++) {
			ofs_audit_append(a, "exchange", "t", "{\"payload\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}", NULL);
			if (i % 16 == 15) {
				uint64_t done = i + 1;
				if (ofs_audit_commit(a) || write(fds[1], &done, sizeof done) != sizeof done)
					_exit(1);
			}
		}
	}
	close(fds[1]);
	uint64_t acked = 0, v;
	for (int k = 0; k < 40 && read(fds[0], &v, sizeof v) == sizeof v; k++)
		acked = v;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fds[0]);
	CHECK(acked >= 16 * 40);
	struct ofs_audit_opts o = {.repair = 1};
	struct ofs_audit *a;
	CHECK_INT(ofs_audit_open(&a, p, &o, err), 0);
	uint64_t size;
	uint8_t root[32];
	ofs_audit_head(a, &size, root);
	CHECK(size >= acked);
	ofs_audit_close(a);
	CHECK_INT(ofs_audit_verify(p, NULL, NULL, err), 0);
}

static void test_keys_and_notes(void)
{
	char err[OFS_ERRLEN], priv[256], pub[256], text[1024];
	struct ofs_audit_key k, kp, kv, other;
	CHECK_INT(ofs_audit_keygen(&k, "bad name", err), OFS_EINVAL);
	CHECK_INT(ofs_audit_keygen(&k, "a+b", err), OFS_EINVAL);
	CHECK_INT(ofs_audit_keygen(&k, "log.example/one", err), 0);
	CHECK_INT(ofs_audit_key_private_text(&k, priv, sizeof priv), 0);
	CHECK_INT(ofs_audit_key_verifier_text(&k, pub, sizeof pub), 0);
	CHECK(!strncmp(priv, "PRIVATE+KEY+log.example/one+", 28));
	CHECK_INT(ofs_audit_key_parse(&kp, priv, err), 0);
	CHECK_INT(ofs_audit_key_parse(&kv, pub, err), 0);
	CHECK(kp.has_private && !kv.has_private && kv.id == k.id && !memcmp(kv.pub, k.pub, 32));
	CHECK_INT(ofs_audit_key_private_text(&kv, priv, sizeof priv), OFS_ESTATE);
	pub[strlen("log.example/one+") + 1] ^= 1; /* a wrong key id */
	CHECK_INT(ofs_audit_key_parse(&kv, pub, err), OFS_EDATA);
	uint8_t root[32] = {1, 2, 3};
	CHECK_INT(ofs_audit_checkpoint_sign(&k, "log.example/one", 42, root, text, sizeof text, err), 0);
	CHECK(!strncmp(text, "log.example/one\n42\nAQID", 23));
	CHECK(strstr(text, "\n\n\xe2\x80\x94 log.example/one ") != NULL);
	struct ofs_audit_checkpoint cp;
	CHECK_INT(ofs_audit_checkpoint_parse(&cp, text, strlen(text), &k, err), 0);
	CHECK_INT(cp.size, 42);
	CHECK_STR(cp.origin, "log.example/one");
	CHECK(!memcmp(cp.root, root, 32));
	ofs_audit_keygen(&other, "log.example/two", err);
	CHECK_INT(ofs_audit_checkpoint_parse(&cp, text, strlen(text), &other, err), OFS_EDATA);
	CHECK(strstr(err, "no signature by key log.example/two") != NULL);
	text[17] = '3'; /* the size 42 becomes 43: the signature no longer holds */
	CHECK_INT(ofs_audit_checkpoint_parse(&cp, text, strlen(text), &k, err), OFS_EDATA);
	CHECK(strstr(err, "does not verify") != NULL);
	CHECK_INT(ofs_audit_checkpoint_parse(&cp, "x\n1\n", 4, NULL, err), OFS_EDATA);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/ofs-audit-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	RUN(test_rfc6962_mth);
	RUN(test_rfc6962_proofs);
	RUN(test_roundtrip);
	RUN(test_tampering);
	RUN(test_checkpoint_pins);
	RUN(test_torn_tail);
	RUN(test_redaction);
	RUN(test_sync_commits_up_to_index);
	RUN(test_group_commit_threads);
	RUN(test_kill9);
	RUN(test_keys_and_notes);
	char cmd[96];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return DONE();
}
