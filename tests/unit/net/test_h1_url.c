/* test_h1_url.c — the plain http:// URL parse both lean clients use
 * (ofs_h1_url, lib/net/h1_url.c): what it takes, what it leaves to libcurl,
 * and the split it makes before resolving (ofs_h1_url_split). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "offswitch/h1.h"
#include "t.h"

static int port_of(const struct ofs_h1_url *u, int i)
{
	const struct sockaddr_storage *a = &u->addr[i];
	return a->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)a)->sin6_port)
	                                : ntohs(((const struct sockaddr_in *)a)->sin_port);
}

static void takes_plain_urls(void)
{
	struct ofs_h1_url u;
	const char *url = "http://127.0.0.1:8080/v1/chat/completions";
	CHECK_INT(ofs_h1_url(url, &u), 0);
	CHECK(u.naddr >= 1);
	CHECK_INT(u.addr[0].ss_family, AF_INET);
	CHECK_INT(port_of(&u, 0), 8080);
	CHECK_INT((int)u.auth_len, 14);
	CHECK(!strncmp(u.auth, "127.0.0.1:8080", u.auth_len));
	CHECK_STR(u.rest, "/v1/chat/completions");
	CHECK(u.auth == url + 7); /* borrowed, not copied */

	CHECK_INT(ofs_h1_url("HTTP://[::1]:9?x=1", &u), 0);
	CHECK_INT(u.addr[0].ss_family, AF_INET6);
	CHECK_INT(port_of(&u, 0), 9);
	CHECK(!strncmp(u.auth, "[::1]:9", u.auth_len) && u.auth_len == 7);
	CHECK_STR(u.rest, "?x=1");

	CHECK_INT(ofs_h1_url("http://127.0.0.1", &u), 0); /* port 80, nothing after */
	CHECK_INT(port_of(&u, 0), 80);
	CHECK_STR(u.rest, "");
}

static void declines_the_rest(void)
{
	struct ofs_h1_url u;
	static const char *const no[] = {
	        "https://127.0.0.1/v1",       /* TLS: libcurl's */
	        "http://[::1]@127.0.0.1/",    /* userinfo (one that would resolve, were it taken for the host) */
	        "http:///v1",                 /* no host */
	        "http://[::1/v1",             /* an unclosed v6 bracket */
	        "http://[::1]junk:5/v1",      /* junk after the bracket (once taken as [::1]:80) */
	        "ftp://127.0.0.1/",           /* not http */
	        "http://127.0.0.1:notaport/", /* the resolver refuses the service */
	        "127.0.0.1:8080/v1",          /* no scheme */
	};
	for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
		CHECK_INT(ofs_h1_url(no[i], &u), -1);
		CHECK_INT(u.naddr, 0);
	}
	/* An authority over 300 bytes, one that would resolve without the cap:
	 * 127.0.0.1 and port 80 written with 300 leading zeros. */
	char big[400] = "http://127.0.0.1:";
	size_t n = strlen(big);
	memset(big + n, '0', 300);
	memcpy(big + n + 300, "80/v1", 6);
	CHECK_INT(ofs_h1_url(big, &u), -1);
	memcpy(big + n + 20, "80/v1", 6); /* the same with 20 zeros is taken */
	CHECK_INT(ofs_h1_url(big, &u), 0);
	CHECK_INT(port_of(&u, 0), 80);
}

/* The split alone: no resolver, so hosts that name nothing are fine. */
static void splits_without_resolving(void)
{
	struct ofs_h1_url_parts p;
	const char *url = "HTTP://api.example.invalid:8443/v1?x#y";
	CHECK_INT(ofs_h1_url_split(url, &p), 0);
	CHECK_STR(p.host, "api.example.invalid");
	CHECK_STR(p.port, "8443");
	CHECK(p.auth == url + 7 && p.auth_len == 24);
	CHECK_STR(p.rest, "/v1?x#y");

	CHECK_INT(ofs_h1_url_split("http://[fe80::1%eth0]", &p), 0); /* brackets stripped, port 80 */
	CHECK_STR(p.host, "fe80::1%eth0");
	CHECK_STR(p.port, "80");
	CHECK_STR(p.rest, "");

	CHECK_INT(ofs_h1_url_split("http://h:/x", &p), 0); /* an empty port is 80 */
	CHECK_STR(p.host, "h");
	CHECK_STR(p.port, "80");
	CHECK_INT(ofs_h1_url_split("http://:9#f", &p), 0); /* an empty host: the resolver declines it */
	CHECK_STR(p.host, "");
	CHECK_STR(p.port, "9");
	CHECK_STR(p.rest, "#f");
	static const char *const no[] = {"http://",       "http:///x",           "http://u@h/",  "http://[::1",
	                                 "http://[::1]x", "http://[::1]junk:5/", "https://h/",   "h:80/",
	                                 "http://]80/",   "http://a[b]:1/",      "http://[a[b]/"};
	for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
		CHECK_INT(ofs_h1_url_split(no[i], &p), -1);
		CHECK(p.host == NULL && p.auth == NULL);
	}
	char big[OFS_H1_AUTH_MAX + 16] = "http://";
	memset(big + 7, 'a', OFS_H1_AUTH_MAX - 1); /* OFS_H1_AUTH_MAX - 1 bytes: taken */
	CHECK_INT(ofs_h1_url_split(big, &p), 0);
	CHECK_INT((int)strlen(p.host), OFS_H1_AUTH_MAX - 1);
	big[7 + OFS_H1_AUTH_MAX - 1] = 'a'; /* one more: declined */
	CHECK_INT(ofs_h1_url_split(big, &p), -1);
}

int main(void)
{
	RUN(takes_plain_urls);
	RUN(splits_without_resolving);
	RUN(declines_the_rest);
	return DONE();
}
