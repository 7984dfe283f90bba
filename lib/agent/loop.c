/* loop.c — the agent loop: call the model, run every tool call, append the
 * results, nudge after a turn without tools, stop on a turn ending with
 * end_task (without running it), the iteration cap, more than five empty
 * turns, or the token cap. */
#include "offswitch/loop.h"

#include <stdio.h>
#include <string.h>

const char *const ofs_stop_names[] = {"running", "end_task", "max_iters", "no_tool_calls", "token_limit", "error"};

static struct ofs_msg *push(struct ofs_loop *L, enum ofs_role role, const char *content)
{
	struct ofs_msg *m = ofs_chat_push(&L->chat, L->A, role);
	m->content = content ? content : "";
	L->chat.bytes += strlen(m->content) + 16;
	return m;
}

void ofs_loop_start(struct ofs_loop *L, const struct ofs_tmpl *t, int max_iters, struct ofs_arena *A)
{
	memset(L, 0, sizeof *L);
	L->tmpl = t;
	L->A = A;
	L->max_iters = max_iters > 0 ? max_iters : 30;
	ofs_world_init(&L->world, t, A);
	push(L, OFS_ROLE_SYSTEM, t->system_prompt);
	push(L, OFS_ROLE_USER, t->user_prompt);
	L->chat.bytes += strlen(t->tools_schema);
}

static int start_interview(struct ofs_loop *L);

/* The rollout ends; with an interview hook it goes on with the questions.
 * Returns L->done. */
static int finish(struct ofs_loop *L, enum ofs_stop why)
{
	L->stop = why;
	if (L->iv && !L->iv_from && (why == OFS_STOP_END_TASK || why == OFS_STOP_MAX_ITERS || why == OFS_STOP_NO_TOOLS) &&
	    start_interview(L))
		return 0;
	L->done = 1;
	return 1;
}

/* The response's tool calls into m, in the arena (ids made up where missing);
 * returns the bytes of their names and arguments. */
static size_t copy_calls(struct ofs_loop *L, struct ofs_msg *m, const struct ofs_response *r)
{
	size_t bytes = 0;
	m->calls = ofs_arena_alloc(L->A, sizeof *m->calls * (size_t)r->ncalls);
	m->ncalls = r->ncalls;
	for (int i = 0; i < r->ncalls; i++) {
		const struct ofs_tool_call *c = &r->calls[i];
		char idbuf[32];
		if (!c->id || !*c->id)
			snprintf(idbuf, sizeof idbuf, "call_%d_%d", L->iters, i);
		m->calls[i].id = ofs_arena_strdup(L->A, c->id && *c->id ? c->id : idbuf);
		m->calls[i].name = ofs_arena_strdup(L->A, c->name ? c->name : "");
		m->calls[i].arguments = ofs_arena_strdup(L->A, c->arguments ? c->arguments : "{}");
		bytes += strlen(m->calls[i].name) + strlen(m->calls[i].arguments);
	}
	return bytes;
}

/* Run every call and push its result. calls must not live in the chat's
 * message array (pushing moves it). */
static void run_calls(struct ofs_loop *L, const struct ofs_tool_call *calls, int n)
{
	for (int i = 0; i < n; i++) {
		ofs_buf_reset(&L->scratch);
		enum ofs_tool_status st;
		ofs_tool_call(&L->world, calls[i].name, calls[i].arguments, &L->scratch, &st); /* 0: its args are set */
		struct ofs_msg *t =
		        push(L, OFS_ROLE_TOOL, ofs_arena_strndup(L->A, L->scratch.p ? L->scratch.p : "", L->scratch.len));
		t->tool_call_id = calls[i].id;
		t->tool_name = calls[i].name;
		t->is_error = st != OFS_TOOL_OK;
	}
}

/* The response as the next assistant message, its tokens in *in, *out. */
static struct ofs_msg *push_response(struct ofs_loop *L, const struct ofs_response *r, long *in, long *out)
{
	*in = r->in_tokens ? r->in_tokens : ofs_chat_tokens(&L->chat);
	struct ofs_msg *m = push(L, OFS_ROLE_ASSISTANT, ofs_arena_strdup(L->A, r->content ? r->content : ""));
	if (r->reasoning && *r->reasoning)
		m->reasoning = ofs_arena_strdup(L->A, r->reasoning);
	size_t outb = strlen(m->content);
	if (r->ncalls > 0) {
		outb += copy_calls(L, m, r);
		L->chat.bytes += outb - strlen(m->content);
	}
	*out = r->out_tokens ? r->out_tokens : (long)((outb + 3) / 4);
	m->in_tokens = *in; /* stored with the turn, so a replay counts the same */
	m->out_tokens = *out;
	return m;
}

/* A result for every call of the message at index mi that did not run. */
static void close_calls(struct ofs_loop *L, int mi)
{
	int n = L->chat.msgs[mi].ncalls;
	const struct ofs_tool_call *calls = L->chat.msgs[mi].calls; /* in the arena: pushing does not move them */
	for (int i = 0; i < n; i++) {
		int end = !strcmp(calls[i].name, "end_task");
		struct ofs_msg *t = push(L, OFS_ROLE_TOOL,
		                         end ? "Task ended."
		                             : "The task is over and tools no longer run. Please answer the question in words.");
		t->tool_call_id = calls[i].id;
		t->tool_name = calls[i].name;
		t->is_error = !end;
	}
}

static void ask(struct ofs_loop *L)
{
	L->iv_qmsg[L->iv_i] = L->chat.n;
	push(L, OFS_ROLE_USER, L->iv_q[L->iv_i]);
	L->iv_extra = 0;
}

static int start_interview(struct ofs_loop *L)
{
	int n = L->iv->begin(L->iv->ud, L, L->iv_q, L->iv_tag, OFS_INTERVIEW_MAX_Q);
	if (n <= 0)
		return 0;
	L->iv_n = n > OFS_INTERVIEW_MAX_Q ? OFS_INTERVIEW_MAX_Q : n;
	L->iv_from = L->chat.n;
	if (L->stop == OFS_STOP_END_TASK) /* its calls never ran */
		close_calls(L, L->chat.n - 1);
	L->iv_i = 0;
	ask(L);
	return 1;
}

/* One answer turn of the interview. */
static int feed_interview(struct ofs_loop *L, const struct ofs_response *r)
{
	long in, out;
	struct ofs_msg *m = push_response(L, r, &in, &out);
	L->iv_turns++;
	L->iv_in_tokens += in;
	L->iv_out_tokens += out;
	int answered = m->ncalls == 0;
	for (int i = 0; i < m->ncalls; i++)
		answered |= !strcmp(m->calls[i].name, "end_task");
	if (m->ncalls)
		close_calls(L, L->chat.n - 1);
	if (!answered && ++L->iv_extra > OFS_INTERVIEW_EXTRA_TURNS)
		answered = 1;
	if (answered && ++L->iv_i >= L->iv_n)
		L->done = 1;
	else if (ofs_chat_tokens(&L->chat) > OFS_MAX_TOKENS)
		L->done = 1; /* the context is full: the rest is not asked */
	else if (answered)
		ask(L);
	return L->done;
}

int ofs_loop_feed(struct ofs_loop *L, const struct ofs_response *r)
{
	if (L->done)
		return 1;
	if (L->iv_from)
		return feed_interview(L, r);
	L->iters++;
	long in, out;
	struct ofs_msg *m = push_response(L, r, &in, &out);
	L->in_tokens += in;
	L->out_tokens += out;

	if (m->ncalls == 0) {
		if (++L->empty_turns > OFS_MAX_EMPTY_TURNS)
			return finish(L, OFS_STOP_NO_TOOLS);
		push(L, OFS_ROLE_USER, L->tmpl->nudge);
	} else if (!strcmp(m->calls[m->ncalls - 1].name, "end_task")) {
		/* As the paper's loop: a turn whose last call is end_task ends the
		 * rollout before any of its calls runs; they get no result. */
		return finish(L, OFS_STOP_END_TASK);
	} else
		run_calls(L, m->calls, m->ncalls); /* an end_task elsewhere is an ordinary call */
	if (in + out > OFS_MAX_TOKENS || ofs_chat_tokens(&L->chat) > OFS_MAX_TOKENS) {
		/* As the paper's loop: say so, record a synthetic end_task, stop. */
		push(L, OFS_ROLE_USER, L->tmpl->token_limit);
		struct ofs_msg *a = push(L, OFS_ROLE_ASSISTANT, "");
		a->calls = ofs_arena_alloc(L->A, sizeof *a->calls);
		a->calls[0] = (struct ofs_tool_call){"call_token_limit", "end_task", "{}"};
		a->ncalls = 1;
		struct ofs_msg *t = push(L, OFS_ROLE_TOOL, "end_task");
		t->tool_call_id = "call_token_limit";
		t->tool_name = "end_task";
		return finish(L, OFS_STOP_TOKEN_LIMIT);
	}
	if (L->iters >= L->max_iters)
		return finish(L, OFS_STOP_MAX_ITERS);
	return 0;
}

void ofs_loop_abort(struct ofs_loop *L, const char *why)
{
	(void)why;
	if (L->iv_from) { /* the rollout had ended: keep its reason */
		L->done = 1;
		return;
	}
	finish(L, OFS_STOP_ERROR);
}

void ofs_loop_release(struct ofs_loop *L)
{
	if (!L)
		return;
	ofs_world_release(&L->world);
	ofs_buf_free(&L->scratch);
}
