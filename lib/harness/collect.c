/* collect.c — the proxy hook that keeps a rollout's conversation: the last
 * model call's request (every message the CLI sent) and its response, deep
 * copied (the proxy's are borrowed for the call). Thread-safe: the proxy's
 * connection threads call it. */
#include "harness/collect.h"

#include <stdio.h>
#include <string.h>

static const char *cdup(struct ofs_arena *A, const char *s)
{
	return s ? ofs_arena_strdup(A, s) : NULL;
}

static void copy_calls(struct ofs_arena *A, struct ofs_tool_call **out, int *nout, const struct ofs_tool_call *c, int n)
{
	*out = n ? ofs_arena_alloc(A, sizeof **out * (size_t)n) : NULL;
	*nout = n;
	for (int i = 0; i < n; i++)
		(*out)[i] = (struct ofs_tool_call){cdup(A, c[i].id), cdup(A, c[i].name), cdup(A, c[i].arguments)};
}

static int on_response(void *ctx, const struct ofs_proxy_exchange *x, char *reason, size_t n)
{
	(void)reason;
	(void)n;
	struct ofs__hx_collectors *cs = ctx;
	int i = -1;
	if (!x->rq || !x->resp || !x->agent || sscanf(x->agent, "slot%d", &i) != 1 || i < 0 || i >= cs->n)
		return 0;
	struct ofs__hx_collect *c = &cs->v[i];
	pthread_mutex_lock(&c->mu);
	if (!c->open) {
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	ofs_arena_reset(c->A);
	memset(&c->chat, 0, sizeof c->chat);
	for (int i = 0; i < x->rq->chat.n; i++) {
		const struct ofs_msg *m = &x->rq->chat.msgs[i];
		struct ofs_msg *d = ofs_chat_push(&c->chat, c->A, m->role);
		*d = *m;
		d->content = cdup(c->A, m->content ? m->content : "");
		d->reasoning = cdup(c->A, m->reasoning);
		d->tool_call_id = cdup(c->A, m->tool_call_id);
		d->tool_name = cdup(c->A, m->tool_name);
		copy_calls(c->A, &d->calls, &d->ncalls, m->calls, m->ncalls);
	}
	struct ofs_msg *r = ofs_chat_push(&c->chat, c->A, OFS_ROLE_ASSISTANT);
	r->content = cdup(c->A, x->resp->content ? x->resp->content : "");
	r->reasoning = cdup(c->A, x->resp->reasoning);
	copy_calls(c->A, &r->calls, &r->ncalls, x->resp->calls, x->resp->ncalls);
	r->in_tokens = x->resp->in_tokens;
	r->out_tokens = x->resp->out_tokens;
	c->calls++;
	pthread_mutex_unlock(&c->mu);
	return 0;
}

void ofs__hx_collect_init(struct ofs__hx_collect *c)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	c->A = ofs_arena_new(64 * 1024);
}

void ofs__hx_collect_reset(struct ofs__hx_collect *c, int open)
{
	pthread_mutex_lock(&c->mu);
	if (open) {
		ofs_arena_reset(c->A);
		memset(&c->chat, 0, sizeof c->chat);
		c->calls = 0;
	}
	c->open = open;
	pthread_mutex_unlock(&c->mu);
}

struct ofs_proxy_hooks ofs__hx_collect_hooks(struct ofs__hx_collectors *cs)
{
	return (struct ofs_proxy_hooks){.ctx = cs, .on_response = on_response};
}

void ofs__hx_collect_release(struct ofs__hx_collect *c)
{
	ofs_arena_free(c->A);
	pthread_mutex_destroy(&c->mu);
	memset(c, 0, sizeof *c);
}
