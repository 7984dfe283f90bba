/* h1_url.c — the authority of a plain http:// URL, resolved once, for the
 * two lean HTTP/1.1 clients (the engine's, h1_multi.c; the proxy's upstream,
 * lib/proxy/h1.c). Anything unusual is declined, for libcurl. */
#include <netdb.h>
#include <string.h>
#include <strings.h>

#include "offswitch/h1.h"

int ofs_h1_url(const char *url, struct ofs_h1_url *u)
{
	memset(u, 0, sizeof *u);
	if (strncasecmp(url, "http://", 7))
		return -1;
	const char *a = url + 7, *e = a + strcspn(a, "/?#");
	char hp[300], *host = hp, *port = NULL;
	if (e == a || memchr(a, '@', (size_t)(e - a)) || (size_t)(e - a) >= sizeof hp)
		return -1;
	memcpy(hp, a, (size_t)(e - a));
	hp[e - a] = 0;
	if (hp[0] == '[') { /* [v6address][:port] */
		char *rb = strchr(hp, ']');
		if (!rb)
			return -1;
		*rb = 0, host = hp + 1;
		port = rb[1] == ':' ? rb + 2 : NULL;
	} else if ((port = strchr(hp, ':')))
		*port++ = 0;
	struct addrinfo hints = {0}, *res = NULL;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port && *port ? port : "80", &hints, &res) || !res)
		return -1;
	for (struct addrinfo *ai = res; ai && u->naddr < OFS_H1_NADDR; ai = ai->ai_next)
		if (ai->ai_addrlen <= sizeof u->addr[0]) {
			memcpy(&u->addr[u->naddr], ai->ai_addr, ai->ai_addrlen);
			u->alen[u->naddr++] = ai->ai_addrlen;
		}
	freeaddrinfo(res);
	u->auth = a;
	u->auth_len = (size_t)(e - a);
	u->rest = e;
	return u->naddr ? 0 : -1;
}
