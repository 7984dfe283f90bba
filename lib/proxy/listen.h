/* listen.h — the proxy's socket and Host check (listen.c). lib/proxy/ only. */
#ifndef OFFSWITCH_PROXY_LISTEN_H
#define OFFSWITCH_PROXY_LISTEN_H
#include "proxy/proxy_int.h"

/* Bind and listen on o->host:o->port (loopback unless o->allow_remote); sets
 * m->url and m->bound_host. 0, OFS_EINVAL or OFS_ELISTEN with err. */
int ofs__proxy_bind(struct ofs_proxy *m, const struct ofs_proxy_opts *o, int *fd_out, char *err);
/* Whether the Host header hh names this machine or the bound address. */
int ofs__proxy_host_ok(const struct ofs_proxy *m, const char *hh);
#endif
