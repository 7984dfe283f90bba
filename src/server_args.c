/* server_args.c — flags shared by the commands that serve (mock, proxy):
 * whole numbers in a range and HOST:PORT listen addresses. */
#include <stdarg.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
	char *e;
	errno = 0;
	long v = strtol(s, &e, 10);
	if (!*s || *e || errno || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* HOST:PORT, [V6]:PORT. host is written into buf. */
int cli_parse_listen(const char *s, char *buf, size_t n, int *port)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s)
		return -1;
	const char *h = s;
	size_t hl = (size_t)(colon - s);
	if (h[0] == '[') {
		if (hl < 3 || h[hl - 1] != ']')
			return -1;
		h++;
		hl -= 2;
	}
	long p;
	if (hl >= n || cli_parse_long(colon + 1, 0, 65535, &p))
		return -1;
	memcpy(buf, h, hl);
	buf[hl] = 0;
	*port = (int)p;
	return 0;
}

void usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "offswitch %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'offswitch %s --help')\n", cmd);
}
