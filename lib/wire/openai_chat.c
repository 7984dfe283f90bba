/* openai_chat.c — the OpenAI Chat Completions wire format, both halves:
 * client (request bodies, whole responses, SSE chunks) and server (request
 * bodies parsed, responses, chunk streams and error bodies written). Also
 * spoken by the OpenAI-compatible providers (Together, Gemini, OpenRouter). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire_int.h"

/* ---- client: requests ---- */
static void put_calls(struct ofs_buf *b, const struct ofs_tool_call *calls, int n)
{
	ofs_buf_puts(b, ",\"tool_calls\":[");
	for (int j = 0; j < n; j++) {
		ofs_buf_puts(b, j ? ",{\"id\":" : "{\"id\":");
		ofs_json_str(b, calls[j].id);
		ofs_buf_puts(b, ",\"type\":\"function\",\"function\":{\"name\":");
		ofs_json_str(b, calls[j].name);
		ofs_buf_puts(b, ",\"arguments\":");
		ofs_json_str(b, calls[j].arguments);
		ofs_buf_puts(b, "}}");
	}
	ofs_buf_putc(b, ']');
}

static void put_message(struct ofs_buf *b, const struct ofs_msg *m)
{
	ofs_buf_puts(b, "{\"role\":\"");
	ofs_buf_puts(b, ofs_role_names[m->role]);
	ofs_buf_puts(b, "\",\"content\":");
	ofs_json_str(b, m->content);
	if (m->role == OFS_ROLE_ASSISTANT && m->ncalls)
		put_calls(b, m->calls, m->ncalls);
	if (m->role == OFS_ROLE_TOOL) {
		ofs_buf_puts(b, ",\"tool_call_id\":");
		ofs_json_str(b, m->tool_call_id);
	}
	ofs_buf_putc(b, '}');
}

static void put_head(struct ofs_buf *b, const struct ofs_wire_opts *o)
{
	ofs_buf_puts(b, "{\"model\":");
	ofs_json_str(b, o->model);
	ofs_buf_puts(b, ",\"messages\":[");
}

static void put_tail(struct ofs_buf *b, const char *tools_json, const struct ofs_wire_opts *o)
{
	ofs_buf_putc(b, ']');
	if (tools_json && strcmp(tools_json, "[]")) {
		ofs_buf_puts(b, ",\"tools\":");
		ofs_buf_puts(b, tools_json);
	}
	if (o->max_tokens > 0)
		ofs_buf_printf(b, ",\"max_completion_tokens\":%ld", o->max_tokens);
	if (o->reasoning_effort) {
		ofs_buf_puts(b, ",\"reasoning_effort\":");
		ofs_json_str(b, o->reasoning_effort);
	}
	if (o->stream)
		ofs_buf_puts(b, ",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
	if (o->temperature >= 0)
		ofs_buf_printf(b, ",\"temperature\":%g", o->temperature);
	ofs_buf_putc(b, '}');
}

static int build_request(struct ofs_buf *b, const struct ofs_chat *chat, const char *tools_json, const struct ofs_wire_opts *o,
                         char *err)
{
	(void)err;
	put_head(b, o);
	for (int i = 0; i < chat->n; i++) {
		if (i)
			ofs_buf_putc(b, ',');
		put_message(b, &chat->msgs[i]);
	}
	put_tail(b, tools_json, o);
	return 0;
}

/* Each message's JSON depends on that message alone: the memo's are
 * reused while the conversation only grew. */
static int build_request_memo(struct ofs_buf *b, const struct ofs_chat *chat, const char *tools_json,
                              const struct ofs_wire_opts *o, struct ofs_wire_memo *memo, char *err)
{
	(void)err;
	int n = memo->n;
	if (n > chat->n ||
	    (n && (chat->msgs[n - 1].content != memo->last_content || (int)chat->msgs[n - 1].role != memo->last_role)))
		n = 0;
	if (!n)
		ofs_buf_reset(&memo->msgs);
	for (int i = n; i < chat->n; i++) {
		if (i)
			ofs_buf_putc(&memo->msgs, ',');
		put_message(&memo->msgs, &chat->msgs[i]);
	}
	memo->n = chat->n;
	memo->last_content = chat->n ? chat->msgs[chat->n - 1].content : NULL;
	memo->last_role = chat->n ? (int)chat->msgs[chat->n - 1].role : 0;
	if (!memo->k_made || memo->k_tools != tools_json || memo->k_model != o->model || memo->k_effort != o->reasoning_effort ||
	    memo->k_temperature != o->temperature || memo->k_max_tokens != o->max_tokens || memo->k_stream != o->stream) {
		ofs_buf_reset(&memo->head);
		ofs_buf_reset(&memo->tail);
		put_head(&memo->head, o);
		put_tail(&memo->tail, tools_json, o);
		memo->k_tools = tools_json, memo->k_model = o->model, memo->k_effort = o->reasoning_effort;
		memo->k_temperature = o->temperature, memo->k_max_tokens = o->max_tokens, memo->k_stream = o->stream;
		memo->k_made = 1;
	}
	ofs_buf_reserve(b, memo->head.len + memo->msgs.len + memo->tail.len);
	ofs_buf_add(b, memo->head.p, memo->head.len);
	ofs_buf_add(b, memo->msgs.p, memo->msgs.len);
	ofs_buf_add(b, memo->tail.p, memo->tail.len);
	return 0;
}

/* ---- client: whole responses ---- */
static const char *call_args(struct ofs_arena *A, const char *body, const struct ofs_jv *args)
{
	if (ofs_jis(args, OFS_J_STR))
		return args->u.s;
	if (!args)
		return "{}";
	const char *s = ofs__wire_jdump(A, body, args, JSON_COMPACT | JSON_ENCODE_ANY);
	return s ? s : "{}";
}

static int parse_message(const struct ofs_jv *root, const char *body, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	const struct ofs_jv *choices = ofs_jget(root, "choices");
	const struct ofs_jv *msg = ofs_jget(ofs_jlen(choices) ? &choices->u.kids[0] : NULL, "message");
	if (!ofs_jis(msg, OFS_J_OBJ))
		return ofs_fail(err, OFS_EDATA, "response has no choices[0].message");
	r->content = ofs_jstr(ofs_jget(msg, "content"));
	r->reasoning = ofs_jstr(ofs_jget(msg, "reasoning_content"));
	if (!r->reasoning)
		r->reasoning = ofs_jstr(ofs_jget(msg, "reasoning"));
	const struct ofs_jv *calls = ofs_jget(msg, "tool_calls");
	size_t n = ofs_jlen(calls);
	if (n > OFS_WIRE_MAX_CALLS)
		return ofs_fail(err, OFS_EDATA, "response has %zu tool calls (limit %d)", n, OFS_WIRE_MAX_CALLS);
	r->calls = ofs_arena_alloc(A, sizeof *r->calls * (n + 1));
	for (size_t i = 0; i < n; i++) {
		const struct ofs_jv *c = &calls->u.kids[i], *fn = ofs_jget(c, "function");
		r->calls[i].id = ofs_jstr(ofs_jget(c, "id"));
		r->calls[i].name = ofs_jstr(ofs_jget(fn, "name"));
		r->calls[i].arguments = call_args(A, body, ofs_jget(fn, "arguments"));
		if (!r->calls[i].name)
			return ofs_fail(err, OFS_EDATA, "tool call %zu has no function name", i);
	}
	r->ncalls = (int)n;
	const struct ofs_jv *u = ofs_jget(root, "usage"), *in = ofs_jget(u, "prompt_tokens"),
	                    *out = ofs_jget(u, "completion_tokens");
	r->in_tokens = ofs_jis(in, OFS_J_INT) ? (long)in->u.i : 0;
	r->out_tokens = ofs_jis(out, OFS_J_INT) ? (long)out->u.i : 0;
	return 0;
}

static int parse_response(const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	return ofs__wire_parse_response_j(body, len, A, r, err, parse_message);
}

/* ---- client: streamed chunks ---- */
static int delta_calls(struct ofs_sse *s, json_t *d)
{
	size_t i;
	json_t *tc;
	json_array_foreach(json_object_get(d, "tool_calls"), i, tc)
	{
		json_t *ix = json_object_get(tc, "index");
		int k = ofs__sse_call_slot(s, json_is_integer(ix) ? (int)json_integer_value(ix) : (int)i);
		if (k < 0)
			return OFS_EDATA;
		json_t *fn = json_object_get(tc, "function");
		ofs__wire_put_str(&s->calls[k].id, json_object_get(tc, "id"));
		ofs__wire_put_str(&s->calls[k].name, json_object_get(fn, "name"));
		ofs__wire_put_str(&s->calls[k].args, json_object_get(fn, "arguments"));
	}
	return 0;
}

static int chunk(struct ofs_sse *s, json_t *j)
{
	if (json_object_get(j, "error"))
		return ofs__sse_fail(s, "stream: provider sent an error event");
	json_t *u = json_object_get(j, "usage");
	if (json_is_object(u)) {
		s->in_tokens = (long)json_integer_value(json_object_get(u, "prompt_tokens"));
		s->out_tokens = (long)json_integer_value(json_object_get(u, "completion_tokens"));
	}
	json_t *ch = json_array_get(json_object_get(j, "choices"), 0);
	json_t *d = json_object_get(ch, "delta");
	ofs__wire_put_str(&s->content, json_object_get(d, "content"));
	json_t *rc = json_object_get(d, "reasoning_content");
	if (!json_is_string(rc))
		rc = json_object_get(d, "reasoning");
	ofs__wire_put_str(&s->reasoning, rc);
	return delta_calls(s, d);
}

static int sse_event(struct ofs_sse *s, const char *data, size_t len)
{
	if (!strcmp(data, "[DONE]")) {
		s->done = 1;
		return 0;
	}
	json_t *j = ofs__sse_json(s, data, len);
	if (!j)
		return OFS_EDATA;
	int rc = chunk(s, j);
	json_decref(j);
	return rc;
}

/* ---- server: parsing requests ---- */
static int role_of(struct ofs_wparser *p, const char *role, const char *where, enum ofs_role *r)
{
	if (!strcmp(role, "system") || !strcmp(role, "developer"))
		*r = OFS_ROLE_SYSTEM;
	else if (!strcmp(role, "user"))
		*r = OFS_ROLE_USER;
	else if (!strcmp(role, "assistant"))
		*r = OFS_ROLE_ASSISTANT;
	else if (!strcmp(role, "tool") || !strcmp(role, "function"))
		*r = OFS_ROLE_TOOL;
	else
		return ofs__wp_fail(p, "%s: unknown role '%.40s'", where, role);
	return 0;
}

static int tool_message(struct ofs_wparser *p, struct ofs_msg *m, const struct ofs_jv *o, const char *role, const char *where)
{
	const struct ofs_jv *id = ofs_jget(o, "tool_call_id"), *name = ofs_jget(o, "name");
	if (ofs_jis(id, OFS_J_STR))
		m->tool_call_id = ofs__wpj_str(p, id);
	else if (!strcmp(role, "tool"))
		return ofs__wp_fail(p, "%s: a tool message needs tool_call_id", where);
	if (ofs_jis(name, OFS_J_STR))
		m->tool_name = ofs__wpj_str(p, name);
	return 0;
}

static int assistant_message(struct ofs_wparser *p, struct ofs_msg *m, const struct ofs_jv *o, size_t i, const char *where)
{
	const struct ofs_jv *reason = ofs_jget(o, "reasoning_content");
	if (!ofs_jis(reason, OFS_J_STR))
		reason = ofs_jget(o, "reasoning");
	if (ofs_jis(reason, OFS_J_STR))
		m->reasoning = ofs__wpj_str(p, reason);
	const struct ofs_jv *calls = ofs_jget(o, "tool_calls");
	if (!ofs_jnone(calls) && calls->kind != OFS_J_ARR)
		return ofs__wp_fail(p, "%s: tool_calls must be a list", where);
	const struct ofs_jv *fc = ofs_jget(o, "function_call"); /* legacy */
	size_t ncap = ofs_jlen(calls) + 1;
	if (ncap > OFS_WIRE_MAX_CALLS + 1)
		return ofs__wp_fail(p, "%s: more than %d tool calls", where, OFS_WIRE_MAX_CALLS);
	m->calls = ofs_arena_alloc(p->A, sizeof *m->calls * ncap);
	for (size_t j = 0; j < ofs_jlen(calls); j++) {
		const struct ofs_jv *c = &calls->u.kids[j], *fn = ofs_jget(c, "function"), *id = ofs_jget(c, "id");
		if (c->kind != OFS_J_OBJ || !ofs_jis(fn, OFS_J_OBJ) || !ofs_jis(id, OFS_J_STR))
			return ofs__wp_fail(p, "%s: tool_calls[%zu] needs an id and a function", where, j);
		if (ofs__wpj_add_call(p, m, ofs__wpj_str(p, id), ofs_jget(fn, "name"), ofs_jget(fn, "arguments"), where))
			return OFS_EDATA;
	}
	if (ofs_jis(fc, OFS_J_OBJ) && !m->ncalls) {
		char id[48];
		snprintf(id, sizeof id, "call_legacy_%zu", i);
		return ofs__wpj_add_call(p, m, ofs_arena_strdup(p->A, id), ofs_jget(fc, "name"), ofs_jget(fc, "arguments"),
		                         where);
	}
	return 0;
}

static int parse_message_in(struct ofs_wparser *p, const struct ofs_jv *o, size_t i)
{
	char where[64];
	snprintf(where, sizeof where, "messages[%zu]", i);
	if (o->kind != OFS_J_OBJ)
		return ofs__wp_fail(p, "%s must be an object", where);
	const char *role = ofs_jstr(ofs_jget(o, "role"));
	if (!role)
		return ofs__wp_fail(p, "%s: missing role", where);
	enum ofs_role r = OFS_ROLE_USER;
	if (role_of(p, role, where, &r))
		return OFS_EDATA;
	struct ofs_msg *m = ofs__wp_push(p, r);
	if (!m)
		return OFS_EDATA;
	if (ofs__wpj_content(p, ofs_jget(o, "content"), where, &m->content))
		return OFS_EDATA;
	if (r == OFS_ROLE_TOOL)
		return tool_message(p, m, o, role, where);
	if (r != OFS_ROLE_ASSISTANT)
		return 0;
	return assistant_message(p, m, o, i, where);
}

static int parse_choice(struct ofs_wparser *p, const struct ofs_jv *tc)
{
	struct ofs_wire_req *rq = p->rq;
	if (ofs_jnone(tc))
		return 0;
	const char *s = ofs_jstr(tc);
	if (s) {
		if (!strcmp(s, "none"))
			rq->choice = OFS_CHOICE_NONE;
		else if (!strcmp(s, "required"))
			rq->choice = OFS_CHOICE_REQUIRED;
		else if (strcmp(s, "auto"))
			return ofs__wp_fail(p, "tool_choice: unknown value '%.40s'", s);
		return 0;
	}
	const struct ofs_jv *name = ofs_jget(ofs_jget(tc, "function"), "name");
	if (!ofs_jis(name, OFS_J_STR) || !name->n)
		return ofs__wp_fail(
		        p, "tool_choice must be none, auto, required or {\"type\":\"function\",\"function\":{\"name\":...}}");
	rq->choice = OFS_CHOICE_TOOL;
	rq->choice_name = ofs__wpj_str(p, name);
	return 0;
}

/* The "tools" list (non-empty) into rq->tools. */
static int function_tools(struct ofs_wparser *p, const struct ofs_jv *tools)
{
	for (size_t i = 0; i < tools->n; i++) {
		const struct ofs_jv *o = &tools->u.kids[i], *fn = ofs_jget(o, "function");
		const char *type = ofs_jstr(ofs_jget(o, "type"));
		if (type && strcmp(type, "function"))
			continue; /* custom and hosted tools: not callable here */
		if (!ofs_jis(fn, OFS_J_OBJ))
			return ofs__wp_fail(p, "tools[%zu]: a function tool needs a function object", i);
		if (ofs__wpj_add_tool(p, ofs_jget(fn, "name"), ofs_jget(fn, "parameters"), "tools"))
			return OFS_EDATA;
	}
	return 0;
}

static int parse_tools(struct ofs_wparser *p, const struct ofs_jv *root)
{
	const struct ofs_jv *tools = ofs_jget(root, "tools"), *fns = ofs_jget(root, "functions");
	if (ofs__wpj_tools_room(p, tools, ofs_jlen(tools) + ofs_jlen(fns)) || ofs__wpj_tools(p, tools, function_tools))
		return OFS_EDATA;
	for (size_t i = 0; i < ofs_jlen(fns); i++) { /* legacy */
		const struct ofs_jv *o = &fns->u.kids[i];
		if (ofs__wpj_add_tool(p, ofs_jget(o, "name"), ofs_jget(o, "parameters"), "functions"))
			return OFS_EDATA;
	}
	return 0;
}

static int parse_body(struct ofs_wparser *p, const struct ofs_jv *root)
{
	const struct ofs_jv *msgs = ofs_jget(root, "messages");
	if (!ofs_jlen(msgs))
		return ofs__wp_fail(p, "messages must be a non-empty list");
	for (size_t i = 0; i < msgs->n; i++)
		if (parse_message_in(p, &msgs->u.kids[i], i))
			return OFS_EDATA;
	if (parse_tools(p, root) || parse_choice(p, ofs_jget(root, "tool_choice")))
		return OFS_EDATA;
	p->rq->include_usage = ofs_jis(ofs_jget(ofs_jget(root, "stream_options"), "include_usage"), OFS_J_TRUE);
	const struct ofs_jv *mt = ofs_jget(root, "max_completion_tokens");
	if (!ofs_jis(mt, OFS_J_INT))
		mt = ofs_jget(root, "max_tokens"); /* the older name */
	p->rq->max_tokens = ofs_jis(mt, OFS_J_INT) && mt->u.i > 0 ? (long)mt->u.i : 0;
	return 0;
}

static int parse_request(const char *body, size_t len, struct ofs_arena *A, struct ofs_wire_req *rq, char *err);
static int parse_request_cached(struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                                struct ofs_wire_req *rq, char *err);

/* ---- server: writing responses ---- */
static void put_usage(struct ofs_buf *b, const struct ofs_wire_reply *o)
{
	ofs_buf_printf(b,
	               "{\"prompt_tokens\":%ld,\"completion_tokens\":%ld,\"total_tokens\":%ld,"
	               "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}",
	               o->in_tokens, o->out_tokens, o->in_tokens + o->out_tokens);
}

static void write_response(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_response *r,
                           const struct ofs_wire_reply *o)
{
	const char *content = r->content ? r->content : "";
	ofs_buf_puts(b, "{\"id\":");
	ofs_json_str(b, o->id);
	ofs_buf_printf(b, ",\"object\":\"chat.completion\",\"created\":%ld,\"model\":", o->created);
	ofs_json_str(b, rq->model);
	ofs_buf_puts(b, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
	if (!*content && r->ncalls)
		ofs_buf_puts(b, "null");
	else
		ofs_json_str(b, content);
	if (r->reasoning && *r->reasoning) {
		ofs_buf_puts(b, ",\"reasoning_content\":");
		ofs_json_str(b, r->reasoning);
	}
	ofs_buf_puts(b, ",\"refusal\":null,\"annotations\":[]");
	if (r->ncalls) {
		ofs_buf_puts(b, ",\"tool_calls\":[");
		for (int i = 0; i < r->ncalls; i++) {
			ofs_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
			ofs_json_str(b, r->calls[i].id ? r->calls[i].id : "");
			ofs_buf_puts(b, ",\"type\":\"function\",\"function\":{\"name\":");
			ofs_json_str(b, r->calls[i].name ? r->calls[i].name : "");
			ofs_buf_puts(b, ",\"arguments\":");
			ofs_json_str(b, ofs__wire_args(&r->calls[i]));
			ofs_buf_puts(b, "}}");
		}
		ofs_buf_putc(b, ']');
	}
	ofs_buf_printf(b, "},\"logprobs\":null,\"finish_reason\":\"%s\"}],\"usage\":", r->ncalls ? "tool_calls" : "stop");
	put_usage(b, o);
	ofs_buf_puts(b, ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_mock\"}");
}

struct oa_ctx {
	const struct ofs_wire_req *rq;
	const struct ofs_wire_reply *o;
	int call;
	const char *field; /* "content" or "reasoning_content" */
};

static void chunk_open(struct ofs_buf *b, const struct oa_ctx *x)
{
	ofs_buf_puts(b, "data: {\"id\":");
	ofs_json_str(b, x->o->id);
	ofs_buf_printf(b, ",\"object\":\"chat.completion.chunk\",\"created\":%ld,\"model\":", x->o->created);
	ofs_json_str(b, x->rq->model);
	ofs_buf_puts(b, ",\"system_fingerprint\":\"fp_mock\",\"choices\":[");
}

static void text_frag(struct ofs_buf *b, const char *s, size_t n, void *ud)
{
	struct oa_ctx *x = ud;
	chunk_open(b, x);
	ofs_buf_printf(b, "{\"index\":0,\"delta\":{\"%s\":", x->field);
	ofs_json_strn(b, s, n);
	ofs_buf_puts(b, "},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
}

static void args_frag(struct ofs_buf *b, const char *s, size_t n, void *ud)
{
	struct oa_ctx *x = ud;
	chunk_open(b, x);
	ofs_buf_printf(b, "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,\"function\":{\"arguments\":", x->call);
	ofs_json_strn(b, s, n);
	ofs_buf_puts(b, "}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
}

static void stream_calls(struct ofs_buf *b, const struct ofs_response *r, struct oa_ctx *x)
{
	for (int i = 0; i < r->ncalls; i++) {
		x->call = i;
		chunk_open(b, x);
		ofs_buf_printf(b, "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,\"id\":", i);
		ofs_json_str(b, r->calls[i].id ? r->calls[i].id : "");
		ofs_buf_puts(b, ",\"type\":\"function\",\"function\":{\"name\":");
		ofs_json_str(b, r->calls[i].name ? r->calls[i].name : "");
		ofs_buf_puts(b, ",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
		ofs__wire_fragments(ofs__wire_args(&r->calls[i]), 3, args_frag, b, x);
	}
}

static void write_stream(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_response *r,
                         const struct ofs_wire_reply *o)
{
	struct oa_ctx x = {rq, o, 0, "content"};
	chunk_open(b, &x);
	ofs_buf_puts(b, "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,"
	                "\"finish_reason\":null}]}\n\n");
	if (r->reasoning && *r->reasoning) {
		x.field = "reasoning_content";
		ofs__wire_fragments(r->reasoning, 2, text_frag, b, &x);
		x.field = "content";
	}
	if (r->content && *r->content)
		ofs__wire_fragments(r->content, 3, text_frag, b, &x);
	stream_calls(b, r, &x);
	chunk_open(b, &x);
	ofs_buf_printf(b, "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"%s\"}]}\n\n",
	               r->ncalls ? "tool_calls" : "stop");
	if (rq->include_usage) {
		chunk_open(b, &x);
		ofs_buf_puts(b, "],\"usage\":");
		put_usage(b, o);
		ofs_buf_puts(b, "}\n\n");
	}
	ofs_buf_puts(b, "data: [DONE]\n\n");
}

static void write_error(struct ofs_buf *b, int status, const char *message)
{
	const char *type = status >= 500 ? "server_error" : "invalid_request_error", *code = NULL;
	switch (status) {
	case 401: code = "invalid_api_key"; break;
	case 404: code = "not_found"; break;
	case 429: type = "rate_limit_error", code = "rate_limit_exceeded"; break;
	default: break;
	}
	ofs_buf_puts(b, "{\"error\":{\"message\":");
	ofs_json_str(b, message);
	ofs_buf_printf(b, ",\"type\":\"%s\",\"param\":null,\"code\":", type);
	if (code)
		ofs_buf_printf(b, "\"%s\"}}", code);
	else
		ofs_buf_puts(b, "null}}");
}

static const char *const extra_headers[] = {NULL};

const struct ofs_wire_ops ofs_wire_openai_chat = {
        .name = "openai-chat",
        .client_path = "/chat/completions",
        .auth_header = "Authorization",
        .auth_scheme = "Bearer ",
        .extra_headers = extra_headers,
        .build_request = build_request,
        .build_request_memo = build_request_memo,
        .parse_response = parse_response,
        .sse_event = sse_event,
        .path = "/chat/completions",
        .count_path = NULL,
        .url_hint = NULL,
        .sniff_header = NULL,
        .id_prefix = "chatcmpl-mock-",
        .call_id_prefix = "call",
        .parse_request = parse_request,
        .parse_request_cached = parse_request_cached,
        .write_response = write_response,
        .write_stream = write_stream,
        .write_error = write_error,
};

static int parse_request_cached(struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                                struct ofs_wire_req *rq, char *err)
{
	return ofs__wpj_run(&ofs_wire_openai_chat, cache, body, len, A, rq, err, parse_body);
}

static int parse_request(const char *body, size_t len, struct ofs_arena *A, struct ofs_wire_req *rq, char *err)
{
	return parse_request_cached(NULL, body, len, A, rq, err);
}
