/* collect.h — each rollout's conversation as the proxy saw it (collect.c).
 * Private to lib/harness/. */
#ifndef OFFSWITCH_HARNESS_COLLECT_H
#define OFFSWITCH_HARNESS_COLLECT_H
#include <pthread.h>

#include "offswitch/chat.h"
#include "offswitch/proxy.h"

/* One per sandbox slot; the proxy's agent "slot<i>" (the slot's key) feeds v[i]. */
struct ofs__hx_collect {
	pthread_mutex_t mu;
	struct ofs_arena *A;  /* owns chat */
	struct ofs_chat chat; /* the last request's messages, then its response */
	long calls;           /* model calls seen */
	int open;             /* 0: exchanges are ignored (between rollouts) */
};
struct ofs__hx_collectors {
	struct ofs__hx_collect *v;
	int n;
};
void ofs__hx_collect_init(struct ofs__hx_collect *c);
/* open 1: forget the conversation and keep the next exchanges; 0: ignore
 * them from now on (the harness then reads c->chat: no hook writes it). */
void ofs__hx_collect_reset(struct ofs__hx_collect *c, int open);
/* Hooks whose ctx is cs (borrowed until the proxy stops). */
struct ofs_proxy_hooks ofs__hx_collect_hooks(struct ofs__hx_collectors *cs);
void ofs__hx_collect_release(struct ofs__hx_collect *c);
#endif
