/* h1_url.c — the authority of a plain http:// URL, resolved once, for the
 * two lean HTTP/1.1 clients (the engine's, h1_multi.c; the proxy's upstream,
 * lib/proxy/h1.c). Anything unusual is declined, for libcurl. The split is
 * apart from the resolving so that it can be fuzzed (fuzz/fuzz_h1_url.c). */
#include <netdb.h>
#include <string.h>
#include <strings.h>

#include "offswitch/h1.h"

int ofs_h1_url_split(const char *url, struct ofs_h1_url_parts *p)
{
	memset(p, 0, sizeof *p);
	if (strncasecmp(url, "http://", 7))
		return -1;
	const char *a = url + 7, *e = a + strcspn(a, "/?#");
	size_t n = (size_t)(e - a);
	if (!n || memchr(a, '@', n) || n >= sizeof p->buf)
		return -1;
	char *hp = p->buf, *host = hp, *port = NULL;
	memcpy(hp, a, n);
	hp[n] = 0;
	if (hp[0] == '[') { /* [v6address][:port] */
		char *rb = strchr(hp, ']');
		if (!rb || (rb[1] && rb[1] != ':')) /* unclosed, or junk after the bracket */
			return -1;
		*rb = 0, host = hp + 1;
		port = rb[1] == ':' ? rb + 2 : NULL;
	} else if ((port = strchr(hp, ':')))
		*port++ = 0;
	if (strpbrk(host, "[]")) /* a bracket anywhere else: not a host */
		return -1;
	p->host = host;
	p->port = port && *port ? port : "80";
	p->auth = a;
	p->auth_len = n;
	p->rest = e;
	return 0;
}

int ofs_h1_url(const char *url, struct ofs_h1_url *u)
{
	memset(u, 0, sizeof *u);
	struct ofs_h1_url_parts p;
	if (ofs_h1_url_split(url, &p))
		return -1;
	struct addrinfo hints = {0}, *res = NULL;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(p.host, p.port, &hints, &res) || !res)
		return -1;
	for (struct addrinfo *ai = res; ai && u->naddr < OFS_H1_NADDR; ai = ai->ai_next)
		if (ai->ai_addrlen <= sizeof u->addr[0]) {
			memcpy(&u->addr[u->naddr], ai->ai_addr, ai->ai_addrlen);
			u->alen[u->naddr++] = ai->ai_addrlen;
		}
	freeaddrinfo(res);
	u->auth = p.auth;
	u->auth_len = p.auth_len;
	u->rest = p.rest;
	return u->naddr ? 0 : -1;
}
