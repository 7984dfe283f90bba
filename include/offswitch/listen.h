/* listen.h — the listening socket of offswitch's own servers (lib/net/listen.c),
 * shared by `offswitch mock` and `offswitch proxy`: loopback unless the caller
 * allows remote clients, and the Host check that keeps a DNS-rebinding page
 * away from a server on loopback.
 *
 * Errors: OFS_EINVAL (a name that does not resolve, or a non-loopback address
 * without allow_remote), OFS_ELISTEN (socket, bind or listen failed), with a
 * message in err (OFS_ERRLEN). */
#ifndef OFFSWITCH_LISTEN_H
#define OFFSWITCH_LISTEN_H
#include "offswitch/error.h"

struct ofs_listener {
	int fd;              /* the listening socket (close-on-exec); the caller owns it */
	char url[128];       /* "http://HOST:PORT" or "http://[V6]:PORT" of the bound socket */
	char bound_host[64]; /* the numeric address bound (accepted in Host) */
};

/* Resolve host, bind port (0: any free one) and listen. */
int ofs_listen(struct ofs_listener *l, const char *host, int port, int allow_remote, char *err);
/* Whether a Host header value names this machine (localhost, 127.0.0.0/8,
 * ::1) or the bound address; any host with allow_remote. NULL: no. */
int ofs_listen_host_ok(const struct ofs_listener *l, const char *host_header, int allow_remote);
#endif
