/* listen.c — the listening socket of offswitch's own servers (mock, proxy):
 * loopback unless allowed, and the Host check against DNS rebinding
 * (offswitch/listen.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "offswitch/listen.h"

static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

int ofs_listen_host_ok(const struct ofs_listener *l, const char *hh, int allow_remote)
{
	if (allow_remote)
		return 1;
	if (!hh)
		return 0;
	char host[256];
	size_t n;
	if (*hh == '[') {
		const char *end = strchr(hh, ']');
		if (!end || (end[1] && end[1] != ':'))
			return 0;
		hh++;
		n = (size_t)(end - hh);
	} else {
		n = strcspn(hh, ":");
		if (hh[n] && strspn(hh + n + 1, "0123456789") != strlen(hh + n + 1))
			return 0;
	}
	if (!n || n >= sizeof host)
		return 0;
	memcpy(host, hh, n);
	host[n] = 0;
	unsigned char a[16];
	if (!strcasecmp(host, "localhost") || (inet_pton(AF_INET, host, a) == 1 && a[0] == 127) ||
	    (inet_pton(AF_INET6, host, a) == 1 && !memcmp(a, &in6addr_loopback, 16)))
		return 1;
	return !strcmp(host, l->bound_host);
}

int ofs_listen(struct ofs_listener *l, const char *hostname, int port_no, int allow_remote, char *err)
{
	l->fd = -1;
	char port[16];
	snprintf(port, sizeof port, "%d", port_no);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int gai = getaddrinfo(hostname, port, &hints, &ai);
	if (gai || !ai) {
		snprintf(err, OFS_ERRLEN, "cannot resolve listen address '%.200s': %s", hostname, gai_strerror(gai));
		if (ai)
			freeaddrinfo(ai);
		return OFS_EINVAL;
	}
	if (!allow_remote && !is_loopback(ai->ai_addr)) {
		snprintf(err, OFS_ERRLEN,
		         "refusing to listen on '%.200s': not a loopback address (pass --allow-remote to accept other hosts)",
		         hostname);
		freeaddrinfo(ai);
		return OFS_EINVAL;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) || bind(fd, ai->ai_addr, ai->ai_addrlen) ||
	    listen(fd, 128)) {
		snprintf(err, OFS_ERRLEN, "cannot listen on %.200s:%d: %s", hostname, port_no, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return OFS_ELISTEN;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	char host[INET6_ADDRSTRLEN] = "?";
	int bound;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		bound = ntohs(s6->sin6_port);
		snprintf(l->url, sizeof l->url, "http://[%s]:%d", host, bound);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		bound = ntohs(s4->sin_port);
		snprintf(l->url, sizeof l->url, "http://%s:%d", host, bound);
	}
	snprintf(l->bound_host, sizeof l->bound_host, "%s", host);
	l->fd = fd;
	return 0;
}
