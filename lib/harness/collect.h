/* collect.h — a rollout's conversation as the proxy saw it (collect.c).
 * Private to lib/harness/. */
#ifndef OFFSWITCH_HARNESS_COLLECT_H
#define OFFSWITCH_HARNESS_COLLECT_H
#include <pthread.h>

#include "offswitch/chat.h"
#include "offswitch/proxy.h"

struct ofs__hx_collect {
	pthread_mutex_t mu;
	struct ofs_arena *A;  /* owns chat */
	struct ofs_chat chat; /* the last request's messages, then its response */
	long calls;           /* model calls seen */
};
void ofs__hx_collect_init(struct ofs__hx_collect *c);
struct ofs_proxy_hooks ofs__hx_collect_hooks(struct ofs__hx_collect *c);
/* Read c->chat only once the proxy is stopped. */
void ofs__hx_collect_release(struct ofs__hx_collect *c);
#endif
