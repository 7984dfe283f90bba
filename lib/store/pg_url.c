/* pg_url.c — a PostgreSQL URL's display form: the password never leaves the
 * handle. "postgresql://user:secret@host/db?password=x" shows as
 * "postgresql://user:***@host/db?password=***"; libpq's own messages (which
 * may quote the URL) are scrubbed of the password too. Parses outside input
 * (a command-line URL): fuzz/fuzz_pg_url.c. */
#include "store/pg_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The userinfo password of url: [*at, *end) or 0 when there is none. */
static int userinfo_password(const char *url, size_t *at, size_t *end)
{
	const char *p = strstr(url, "://");
	if (!p)
		return 0;
	p += 3;
	size_t auth = strcspn(p, "/?#"); /* the authority */
	const char *last_at = NULL;
	for (size_t i = 0; i < auth; i++)
		if (p[i] == '@')
			last_at = p + i;
	if (!last_at)
		return 0;
	const char *colon = memchr(p, ':', (size_t)(last_at - p));
	if (!colon)
		return 0;
	*at = (size_t)(colon + 1 - url);
	*end = (size_t)(last_at - url);
	return 1;
}

/* Next "password=" parameter value of the query at or after from: [*at, *end). */
static int param_password(const char *url, size_t from, size_t *at, size_t *end)
{
	const char *q = strchr(url, '?');
	if (!q)
		return 0;
	for (const char *p = url + from > q ? url + from : q + 1; *p; p++) {
		if ((p[-1] == '?' || p[-1] == '&') && !strncmp(p, "password=", 9)) {
			*at = (size_t)(p + 9 - url);
			*end = *at + strcspn(p + 9, "&#");
			return 1;
		}
	}
	return 0;
}

/* Append s[0..k) to out (n bytes, *len used), truncating. */
static void put(char *out, size_t n, size_t *len, const char *s, size_t k)
{
	if (*len + 1 >= n)
		return;
	if (k > n - 1 - *len)
		k = n - 1 - *len;
	memcpy(out + *len, s, k);
	*len += k;
	out[*len] = 0;
}

void ofs__pg_display(const char *url, char *out, size_t n)
{
	if (!n)
		return;
	out[0] = 0;
	size_t len = 0, pos = 0, at, end;
	if (userinfo_password(url, &at, &end)) {
		put(out, n, &len, url, at);
		put(out, n, &len, "***", 3);
		pos = end;
	}
	while (param_password(url, pos, &at, &end)) {
		put(out, n, &len, url + pos, at - pos);
		put(out, n, &len, "***", 3);
		pos = end;
	}
	put(out, n, &len, url + pos, strlen(url + pos));
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Replace every occurrence of secret[0..k) in msg by "***". */
static void mask(char *msg, size_t n, const char *secret, size_t k)
{
	if (!k)
		return;
	char out[OFS_ERRLEN * 2];
	size_t len = 0;
	out[0] = 0;
	for (const char *p = msg; *p;) {
		if (!strncmp(p, secret, k)) {
			put(out, sizeof out, &len, "***", 3);
			p += k;
		} else
			put(out, sizeof out, &len, p++, 1);
	}
	snprintf(msg, n, "%s", out);
}

/* Mask the password in [at, end) of url as written and percent-decoded. */
static void scrub_one(char *msg, size_t n, const char *url, size_t at, size_t end)
{
	char raw[PG_URL_MAX], dec[PG_URL_MAX];
	size_t k = end - at < sizeof raw - 1 ? end - at : sizeof raw - 1, d = 0;
	memcpy(raw, url + at, k);
	raw[k] = 0;
	for (size_t i = 0; i < k; i++) {
		int hi, lo;
		if (raw[i] == '%' && i + 2 < k && (hi = hexval((unsigned char)raw[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)raw[i + 2])) >= 0) {
			dec[d++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			dec[d++] = raw[i];
	}
	dec[d] = 0;
	mask(msg, n, raw, k);
	mask(msg, n, dec, d);
}

void ofs__pg_scrub(char *msg, size_t n, const char *url)
{
	size_t at, end, pos = 0;
	if (userinfo_password(url, &at, &end))
		scrub_one(msg, n, url, at, end);
	while (param_password(url, pos, &at, &end)) {
		scrub_one(msg, n, url, at, end);
		pos = end;
	}
}
