/* keys.c — the proxy's keys file: "AGENT-ID KEY" lines (proxy.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/proxy.h"
#include "offswitch/util.h"

static int agent_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("._:@-", c);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One non-blank, non-comment line [p, e): 0 or OFS_EDATA/OFS_ELIMIT. */
static int parse_line(struct ofs_proxy_keys *k, const char *p, const char *e, int lineno, char *err)
{
	const char *a = p;
	while (p < e && !is_space(*p))
		p++;
	size_t al = (size_t)(p - a);
	while (p < e && is_space(*p))
		p++;
	const char *key = p;
	while (p < e && !is_space(*p))
		p++;
	size_t kl = (size_t)(p - key);
	while (p < e && is_space(*p))
		p++;
	if (!kl || p < e) {
		snprintf(err, OFS_ERRLEN, "keys file line %d: expected 'AGENT-ID KEY'", lineno);
		return OFS_EDATA;
	}
	if (al > OFS_PROXY_MAX_AGENT) {
		snprintf(err, OFS_ERRLEN, "keys file line %d: agent id longer than %d bytes", lineno, OFS_PROXY_MAX_AGENT);
		return OFS_EDATA;
	}
	for (size_t i = 0; i < al; i++)
		if (!agent_char(a[i])) {
			snprintf(err, OFS_ERRLEN, "keys file line %d: agent id may hold only A-Z a-z 0-9 . _ : @ -", lineno);
			return OFS_EDATA;
		}
	if (kl < OFS_PROXY_MIN_KEY || kl > OFS_PROXY_MAX_KEY) {
		snprintf(err, OFS_ERRLEN, "keys file line %d: a key must be %d to %d bytes", lineno, OFS_PROXY_MIN_KEY,
		         OFS_PROXY_MAX_KEY);
		return OFS_EDATA;
	}
	for (size_t i = 0; i < kl; i++)
		if ((unsigned char)key[i] < 0x21 || (unsigned char)key[i] > 0x7e) {
			snprintf(err, OFS_ERRLEN, "keys file line %d: a key must be printable ASCII", lineno);
			return OFS_EDATA;
		}
	if (k->n == OFS_PROXY_MAX_KEYS) {
		snprintf(err, OFS_ERRLEN, "keys file line %d: more than %d agents", lineno, OFS_PROXY_MAX_KEYS);
		return OFS_ELIMIT;
	}
	for (int i = 0; i < k->n; i++) {
		if (strlen(k->v[i].agent) == al && !memcmp(k->v[i].agent, a, al)) {
			snprintf(err, OFS_ERRLEN, "keys file line %d: agent '%.*s' is listed twice", lineno, (int)al, a);
			return OFS_EDATA;
		}
		if (strlen(k->v[i].key) == kl && !memcmp(k->v[i].key, key, kl)) {
			snprintf(err, OFS_ERRLEN, "keys file line %d: the same key is given to two agents", lineno);
			return OFS_EDATA;
		}
	}
	char *as = ofs_xmalloc(al + 1), *ks = ofs_xmalloc(kl + 1);
	memcpy(as, a, al);
	as[al] = 0;
	memcpy(ks, key, kl);
	ks[kl] = 0;
	k->v[k->n].agent = as;
	k->v[k->n++].key = ks;
	return 0;
}

int ofs_proxy_keys_parse(const char *text, size_t len, struct ofs_proxy_keys *k, char *err)
{
	memset(k, 0, sizeof *k);
	if (len > OFS_PROXY_MAX_KEYS_FILE) {
		snprintf(err, OFS_ERRLEN, "keys file larger than %d bytes", OFS_PROXY_MAX_KEYS_FILE);
		return OFS_ELIMIT;
	}
	const char *p = text, *end = text + len;
	for (int lineno = 1; p < end; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *q = p;
		while (q < e && is_space(*q))
			q++;
		if (q < e && memchr(q, 0, (size_t)(e - q))) {
			snprintf(err, OFS_ERRLEN, "keys file line %d: NUL byte", lineno);
			return OFS_EDATA;
		}
		if (q < e && *q != '#') {
			int rc = parse_line(k, q, e, lineno, err);
			if (rc)
				return rc;
		}
		p = nl ? nl + 1 : end;
	}
	if (!k->n) {
		snprintf(err, OFS_ERRLEN, "keys file lists no agent");
		return OFS_EDATA;
	}
	return 0;
}

int ofs_proxy_keys_load(const char *path, struct ofs_proxy_keys *k, char *err)
{
	memset(k, 0, sizeof *k);
	size_t len;
	char *text = ofs_read_file(path, OFS_PROXY_MAX_KEYS_FILE, &len);
	if (!text) {
		snprintf(err, OFS_ERRLEN, "%.300s: cannot read the keys file (missing, unreadable or over %d bytes)", path,
		         OFS_PROXY_MAX_KEYS_FILE);
		return OFS_EDATA;
	}
	char e2[OFS_ERRLEN];
	int rc = ofs_proxy_keys_parse(text, len, k, e2);
	if (rc)
		snprintf(err, OFS_ERRLEN, "%.200s: %s", path, e2);
	free(text);
	return rc;
}

/* Constant-time equality of two NUL-terminated strings (the length leaks). */
static int same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;
	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return !d;
}

const char *ofs_proxy_keys_agent(const struct ofs_proxy_keys *k, const char *key)
{
	const char *hit = NULL;
	for (int i = 0; k && key && i < k->n; i++)
		if (same(k->v[i].key, key))
			hit = k->v[i].agent;
	return hit;
}

void ofs_proxy_keys_free(struct ofs_proxy_keys *k)
{
	for (int i = 0; i < k->n; i++) {
		free(k->v[i].agent);
		free(k->v[i].key);
	}
	k->n = 0;
}
