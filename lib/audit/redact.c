/* redact.c — building a record's payload: {"kind","ts","data"} as compact
 * JSON with every configured secret and every credential field redacted
 * before a byte of it is written. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/redact.h"
#include "offswitch/util.h"

static const char *const key_fields[] = {"authorization", "proxy-authorization", "x-api-key", "api-key", "api_key",
                                         "apikey",        "x-goog-api-key"};

static int is_key_field(const char *k)
{
	for (size_t i = 0; i < sizeof key_fields / sizeof *key_fields; i++)
		if (!strcasecmp(k, key_fields[i]))
			return 1;
	return 0;
}

/* The first secret in s at or after p: its position (NULL: none), *len its length. */
static const char *next_secret(const char *p, const struct redactor *r, size_t *len)
{
	const char *best = NULL;
	for (int i = 0; i < r->n; i++) {
		const char *q = strstr(p, r->secrets[i]);
		size_t l = strlen(r->secrets[i]);
		if (q && (!best || q < best || (q == best && l > *len))) {
			best = q;
			*len = l;
		}
	}
	return best;
}

/* s with every secret replaced; NULL when s holds none. */
static char *scrub(const char *s, const struct redactor *r)
{
	size_t len = 0;
	const char *q = r->n ? next_secret(s, r, &len) : NULL;
	if (!q)
		return NULL;
	struct ofs_buf b = {0};
	const char *p = s;
	while (q) {
		ofs_buf_add(&b, p, (size_t)(q - p));
		ofs_buf_puts(&b, OFS_AUDIT_REDACTED);
		p = q + len;
		q = next_secret(p, r, &len);
	}
	ofs_buf_puts(&b, p);
	return ofs_buf_detach(&b);
}

static json_t *walk(json_t *v, const struct redactor *r);

static json_t *walk_object(json_t *v, const struct redactor *r)
{
	json_t *out = json_object();
	const char *k;
	json_t *x;
	json_object_foreach(v, k, x)
	{
		char *ks = scrub(k, r);
		json_t *nv = is_key_field(k) ? json_string(OFS_AUDIT_REDACTED) : walk(x, r);
		json_object_set_new(out, ks ? ks : k, nv);
		free(ks);
	}
	return out;
}

static json_t *walk(json_t *v, const struct redactor *r)
{
	if (json_is_object(v))
		return walk_object(v, r);
	if (json_is_array(v)) {
		json_t *out = json_array();
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			json_array_append_new(out, walk(x, r));
		}
		return out;
	}
	if (json_is_string(v)) {
		char *s = scrub(json_string_value(v), r);
		if (s) {
			json_t *o = json_string(s);
			free(s);
			return o;
		}
	}
	return json_incref(v);
}

char *redact_payload(const struct redactor *r, const char *kind, const char *ts, const char *data, size_t *len)
{
	json_t *d = NULL;
	if (data) {
		d = json_loads(data, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
		if (!d)
			d = json_string(data);
		if (!d) /* not UTF-8: keep the bytes visible but safe */
			d = json_stringn_nocheck(data, strlen(data));
	}
	char *out = redact_value(r, kind, ts, d, len);
	json_decref(d);
	return out;
}

char *redact_value(const struct redactor *r, const char *kind, const char *ts, json_t *data, size_t *len)
{
	json_t *rec = json_object();
	json_object_set_new(rec, "kind", json_string(kind));
	json_object_set_new(rec, "ts", json_string(ts));
	if (data)
		json_object_set(rec, "data", data);
	json_t *clean = walk(rec, r);
	json_decref(rec);
	char *out = json_dumps(clean, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(clean);
	*len = out ? strlen(out) : 0;
	if (!out)
		ofs_oom();
	return out;
}

int redactor_init(struct redactor *r, const struct ofs_audit_opts *o, char *err)
{
	memset(r, 0, sizeof *r);
	int ns = o ? o->nsecrets : 0, ne = o ? o->nsecret_envs : 0;
	if (ns < 0 || ne < 0 || ns + ne > OFS_AUDIT_MAX_SECRETS)
		return ofs_fail(err, OFS_ELIMIT, "more than %d secrets (OFS_AUDIT_MAX_SECRETS)", OFS_AUDIT_MAX_SECRETS);
	r->secrets = ofs_xcalloc((size_t)(ns + ne) + 1, sizeof *r->secrets);
	for (int i = 0; i < ns + ne; i++) {
		const char *s = i < ns ? o->secrets[i] : getenv(o->secret_envs[i - ns]);
		if (!s || !*s)
			continue; /* an unset variable holds no secret */
		if (strlen(s) < OFS_AUDIT_MIN_SECRET) {
			redactor_release(r);
			if (i < ns)
				return ofs_fail(err, OFS_EINVAL, "secret %d is shorter than %d bytes", i + 1,
				                OFS_AUDIT_MIN_SECRET);
			return ofs_fail(err, OFS_EINVAL, "$%s is shorter than %d bytes", o->secret_envs[i - ns],
			                OFS_AUDIT_MIN_SECRET);
		}
		r->secrets[r->n++] = ofs_xstrdup(s);
	}
	return 0;
}

void redactor_release(struct redactor *r)
{
	for (int i = 0; i < r->n; i++) {
		/* wipe before freeing: the process should not keep spare copies */
		memset(r->secrets[i], 0, strlen(r->secrets[i]));
		free(r->secrets[i]);
	}
	free(r->secrets);
	memset(r, 0, sizeof *r);
}
