/* fuzz_h1_url.c — libFuzzer target: the split of a --base-url (or a proxy
 * upstream) before the lean HTTP clients resolve it (ofs_h1_url_split). A
 * URL taken must give pieces that hold together: the authority inside the
 * URL and under its cap, the rest right after it, host and port
 * NUL-terminated inside the parts' buffer, no userinfo, no bracket left in
 * the host. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/h1.h"

static int inside(const struct ofs_h1_url_parts *p, const char *s)
{
	return s >= p->buf && s < p->buf + sizeof p->buf && memchr(s, 0, (size_t)(p->buf + sizeof p->buf - s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char url[1024];
	if (size >= sizeof url)
		return 0;
	memcpy(url, data, size);
	url[size] = 0;
	struct ofs_h1_url_parts p;
	if (ofs_h1_url_split(url, &p))
		return 0;
	size_t n = strlen(url);
	if (p.auth != url + 7 || !p.auth_len || p.auth_len >= OFS_H1_AUTH_MAX || p.rest != p.auth + p.auth_len ||
	    p.rest > url + n)
		abort();
	if (*p.rest && !strchr("/?#", *p.rest))
		abort();
	if (memchr(p.auth, '@', p.auth_len) || memchr(p.auth, '/', p.auth_len))
		abort();
	if (!inside(&p, p.host) || (strcmp(p.port, "80") && !inside(&p, p.port)))
		abort();
	if (strlen(p.host) > p.auth_len || strpbrk(p.host, "[]"))
		abort();
	return 0;
}
