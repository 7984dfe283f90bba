/* h1.h — the proxy's lean HTTP/1.1 client for plain http:// upstreams:
 * the exchange over a pool of kept-alive connections (h1.c), responses
 * parsed by lib/net/h1_parse.c (offswitch/h1.h). lib/proxy/ only. */
#ifndef OFFSWITCH_PROXY_H1_H
#define OFFSWITCH_PROXY_H1_H
#include "offswitch/h1.h"

#define OFS_H1_POOL_MAX 64 /* idle kept-alive upstream connections; more are closed */
#endif
