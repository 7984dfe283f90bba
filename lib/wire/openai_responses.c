/* openai_responses.c — the OpenAI Responses API wire format (POST
 * /v1/responses), both halves: client (request bodies of input items, whole
 * responses, typed SSE events) and server (request bodies parsed, responses,
 * event streams and error bodies written). Codex CLI speaks only this. Tool
 * calls are function_call output items; their results come back as
 * function_call_output input items with the same call_id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire_int.h"

/* ---- client: requests ---- */
static void put_item_call(struct ofs_buf *b, const struct ofs_tool_call *c)
{
	ofs_buf_puts(b, ",{\"type\":\"function_call\",\"call_id\":");
	ofs_json_str(b, c->id ? c->id : "");
	ofs_buf_puts(b, ",\"name\":");
	ofs_json_str(b, c->name ? c->name : "");
	ofs_buf_puts(b, ",\"arguments\":");
	ofs_json_str(b, c->arguments ? c->arguments : "{}");
	ofs_buf_putc(b, '}');
}

/* Every message becomes input items; the first comma is dropped by the caller. */
static void put_input(struct ofs_buf *b, const struct ofs_chat *chat)
{
	for (int i = 0; i < chat->n; i++) {
		const struct ofs_msg *m = &chat->msgs[i];
		if (m->role == OFS_ROLE_TOOL) {
			ofs_buf_puts(b, ",{\"type\":\"function_call_output\",\"call_id\":");
			ofs_json_str(b, m->tool_call_id ? m->tool_call_id : "");
			ofs_buf_puts(b, ",\"output\":");
			ofs_json_str(b, m->content ? m->content : "");
			ofs_buf_putc(b, '}');
			continue;
		}
		if (m->role != OFS_ROLE_ASSISTANT || (m->content && *m->content)) {
			const char *role = m->role == OFS_ROLE_SYSTEM ? "developer" : ofs_role_names[m->role];
			ofs_buf_printf(b, ",{\"type\":\"message\",\"role\":\"%s\",\"content\":", role);
			ofs_json_str(b, m->content ? m->content : "");
			ofs_buf_putc(b, '}');
		}
		for (int j = 0; m->role == OFS_ROLE_ASSISTANT && j < m->ncalls; j++)
			put_item_call(b, &m->calls[j]);
	}
}

/* Chat-shaped tools ({"type":"function","function":{...}}) flattened. */
static int put_tools(struct ofs_buf *b, const char *tools_json, char *err)
{
	json_error_t je;
	json_t *t = json_loads(tools_json ? tools_json : "[]", 0, &je);
	if (!json_is_array(t)) {
		json_decref(t);
		return ofs_fail(err, OFS_EDATA, "tool schema is not a JSON array: %s", je.text);
	}
	size_t i;
	json_t *x;
	if (json_array_size(t))
		ofs_buf_puts(b, ",\"tools\":[");
	json_array_foreach(t, i, x)
	{
		json_t *fn = json_object_get(x, "function");
		json_t *out =
		        json_pack("{s:s,s:O,s:O*,s:O}", "type", "function", "name", json_object_get(fn, "name"), "description",
		                  json_object_get(fn, "description"), "parameters", json_object_get(fn, "parameters"));
		if (!out) {
			json_decref(t);
			return ofs_fail(err, OFS_EDATA, "tool %zu lacks a name or parameters", i);
		}
		char *s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
		ofs_buf_puts(b, i ? "," : "");
		ofs_buf_puts(b, s);
		free(s);
		json_decref(out);
	}
	if (json_array_size(t))
		ofs_buf_putc(b, ']');
	json_decref(t);
	return 0;
}

static int build_request(struct ofs_buf *b, const struct ofs_chat *chat, const char *tools_json, const struct ofs_wire_opts *o,
                         char *err)
{
	ofs_buf_puts(b, "{\"model\":");
	ofs_json_str(b, o->model);
	ofs_buf_puts(b, ",\"input\":[");
	struct ofs_buf items = {0};
	put_input(&items, chat);
	if (items.len)
		ofs_buf_add(b, items.p + 1, items.len - 1);
	ofs_buf_free(&items);
	ofs_buf_putc(b, ']');
	if (put_tools(b, tools_json, err))
		return OFS_EDATA;
	if (o->max_tokens > 0)
		ofs_buf_printf(b, ",\"max_output_tokens\":%ld", o->max_tokens);
	if (o->reasoning_effort) {
		ofs_buf_puts(b, ",\"reasoning\":{\"effort\":");
		ofs_json_str(b, o->reasoning_effort);
		ofs_buf_puts(b, ",\"summary\":\"auto\"}");
	}
	ofs_buf_puts(b, ",\"store\":false");
	if (o->stream)
		ofs_buf_puts(b, ",\"stream\":true");
	if (o->temperature >= 0)
		ofs_buf_printf(b, ",\"temperature\":%g", o->temperature);
	ofs_buf_putc(b, '}');
	return 0;
}

/* ---- client: whole responses ---- */
/* The text of a list of parts of the given type ("output_text", "summary_text"). */
static void put_parts(struct ofs_buf *b, json_t *parts, const char *type)
{
	size_t i;
	json_t *p;
	json_array_foreach(parts, i, p)
	{
		const char *t = json_string_value(json_object_get(p, "type"));
		if (t && !strcmp(t, type))
			ofs__wire_put_str(b, json_object_get(p, "text"));
	}
}

static int output_item(json_t *it, size_t i, struct ofs_arena *A, struct ofs_response *r, struct ofs_buf *text,
                       struct ofs_buf *think, char *err)
{
	const char *type = json_string_value(json_object_get(it, "type"));
	if (!type)
		return 0;
	if (!strcmp(type, "message"))
		put_parts(text, json_object_get(it, "content"), "output_text");
	else if (!strcmp(type, "reasoning")) {
		put_parts(think, json_object_get(it, "summary"), "summary_text");
		put_parts(think, json_object_get(it, "content"), "reasoning_text");
	} else if (!strcmp(type, "function_call")) {
		struct ofs_tool_call *c = &r->calls[r->ncalls];
		c->id = ofs__wire_dup(A, json_object_get(it, "call_id"));
		c->name = ofs__wire_dup(A, json_object_get(it, "name"));
		c->arguments = ofs__wire_dup(A, json_object_get(it, "arguments"));
		if (!c->name || !c->id)
			return ofs_fail(err, OFS_EDATA, "output[%zu]: a function_call needs a name and a call_id", i);
		if (!c->arguments)
			c->arguments = "{}";
		r->ncalls++;
	}
	return 0;
}

static int parse_output(json_t *root, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	json_t *out = json_object_get(root, "output");
	if (!json_is_array(out))
		return ofs_fail(err, OFS_EDATA, "response has no output list");
	size_t n = json_array_size(out);
	if (n > OFS_WIRE_MAX_CALLS)
		return ofs_fail(err, OFS_EDATA, "response has %zu output items (limit %d)", n, OFS_WIRE_MAX_CALLS);
	struct ofs_buf text = {0}, think = {0};
	r->calls = ofs_arena_alloc(A, sizeof *r->calls * (n + 1));
	int rc = 0;
	size_t i;
	json_t *it;
	json_array_foreach(out, i, it)
	{
		if ((rc = output_item(it, i, A, r, &text, &think, err)))
			break;
	}
	r->content = ofs_arena_strdup(A, text.p ? text.p : "");
	r->reasoning = think.len ? ofs_arena_strdup(A, think.p) : NULL;
	json_t *u = json_object_get(root, "usage");
	r->in_tokens = (long)json_integer_value(json_object_get(u, "input_tokens"));
	r->out_tokens = (long)json_integer_value(json_object_get(u, "output_tokens"));
	ofs_buf_free(&text);
	ofs_buf_free(&think);
	return rc;
}

static int parse_response(const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	return ofs__wire_parse_response(body, len, A, r, err, parse_output);
}

/* ---- client: streamed events ---- */
/* The call slot of the function_call item at output_index, or -1 (after failing) for none. */
static int call_of(struct ofs_sse *s, json_t *j)
{
	json_int_t oi = json_integer_value(json_object_get(j, "output_index"));
	if (oi < 0 || oi >= OFS_SSE_MAX_BLOCKS || !s->block_is_tool[oi])
		return ofs__sse_fail(s, "stream: function call event for an output item that is not a function_call");
	return s->block_is_tool[oi] - 1;
}

static int item_added(struct ofs_sse *s, json_t *j)
{
	json_t *it = json_object_get(j, "item");
	const char *type = json_string_value(json_object_get(it, "type"));
	if (!type || strcmp(type, "function_call"))
		return 0;
	json_int_t oi = json_integer_value(json_object_get(j, "output_index"));
	if (oi < 0 || oi >= OFS_SSE_MAX_BLOCKS)
		return ofs__sse_fail(s, "stream: output_index out of range");
	int k = ofs__sse_call_slot(s, s->ncalls);
	if (k < 0)
		return OFS_EDATA;
	s->block_is_tool[oi] = k + 1;
	ofs__wire_put_str(&s->calls[k].id, json_object_get(it, "call_id"));
	ofs__wire_put_str(&s->calls[k].name, json_object_get(it, "name"));
	ofs__wire_put_str(&s->calls[k].args, json_object_get(it, "arguments"));
	return 0;
}

/* output_item.done: a function call's final arguments; a reasoning item's
 * summary when no deltas carried it. */
static int item_done(struct ofs_sse *s, json_t *j)
{
	json_t *it = json_object_get(j, "item");
	const char *type = json_string_value(json_object_get(it, "type"));
	if (type && !strcmp(type, "reasoning") && !s->reasoning.len)
		put_parts(&s->reasoning, json_object_get(it, "summary"), "summary_text");
	if (!type || strcmp(type, "function_call"))
		return 0;
	int k = call_of(s, j);
	if (k < 0)
		return OFS_EDATA;
	if (json_is_string(json_object_get(it, "arguments"))) {
		ofs_buf_reset(&s->calls[k].args);
		ofs__wire_put_str(&s->calls[k].args, json_object_get(it, "arguments"));
	}
	return 0;
}

static int terminal(struct ofs_sse *s, json_t *j)
{
	json_t *u = json_object_get(json_object_get(j, "response"), "usage");
	s->in_tokens = (long)json_integer_value(json_object_get(u, "input_tokens"));
	s->out_tokens = (long)json_integer_value(json_object_get(u, "output_tokens"));
	s->done = 1;
	return 0;
}

static int event(struct ofs_sse *s, json_t *j)
{
	const char *type = json_string_value(json_object_get(j, "type"));
	if (!type)
		return 0;
	if (!strcmp(type, "error") || !strcmp(type, "response.failed"))
		return ofs__sse_fail(s, "stream: provider sent an error event");
	if (!strcmp(type, "response.output_text.delta"))
		ofs__wire_put_str(&s->content, json_object_get(j, "delta"));
	else if (!strcmp(type, "response.reasoning_summary_text.delta") || !strcmp(type, "response.reasoning_text.delta"))
		ofs__wire_put_str(&s->reasoning, json_object_get(j, "delta"));
	else if (!strcmp(type, "response.output_item.added"))
		return item_added(s, j);
	else if (!strcmp(type, "response.function_call_arguments.delta")) {
		int k = call_of(s, j);
		if (k < 0)
			return OFS_EDATA;
		ofs__wire_put_str(&s->calls[k].args, json_object_get(j, "delta"));
	} else if (!strcmp(type, "response.output_item.done"))
		return item_done(s, j);
	else if (!strcmp(type, "response.completed") || !strcmp(type, "response.incomplete"))
		return terminal(s, j);
	return 0;
}

static int sse_event(struct ofs_sse *s, const char *data, size_t len)
{
	json_t *j = ofs__sse_json(s, data, len);
	if (!j)
		return OFS_EDATA;
	int rc = event(s, j);
	json_decref(j);
	return rc;
}

/* ---- server: parsing requests ---- */
static int message_item(struct ofs_wparser *p, const struct ofs_jv *o, const char *where, struct ofs_msg **last_asst)
{
	const char *role = ofs_jstr(ofs_jget(o, "role"));
	enum ofs_role r;
	if (!role)
		return ofs__wp_fail(p, "%s: a message needs a role", where);
	if (!strcmp(role, "system") || !strcmp(role, "developer"))
		r = OFS_ROLE_SYSTEM;
	else if (!strcmp(role, "user"))
		r = OFS_ROLE_USER;
	else if (!strcmp(role, "assistant"))
		r = OFS_ROLE_ASSISTANT;
	else
		return ofs__wp_fail(p, "%s: unknown role '%.40s'", where, role);
	struct ofs_msg *m = ofs__wp_push(p, r);
	if (!m || ofs__wpj_content(p, ofs_jget(o, "content"), where, &m->content))
		return OFS_EDATA;
	*last_asst = r == OFS_ROLE_ASSISTANT ? m : NULL; /* its calls array comes with its first call */
	return 0;
}

/* How many function_call items join the turn from index i of in (at most
 * the cap): up to the next message or tool result (other items are skipped
 * without ending the turn). Memory follows the body's size. */
static size_t call_run(const struct ofs_jv *in, size_t i)
{
	size_t n = 0;
	for (; i < in->n && n < OFS_WIRE_MAX_CALLS + 1; i++) {
		const char *t = ofs_jstr(ofs_jget(&in->u.kids[i], "type"));
		size_t tl = t ? strlen(t) : 0;
		if (!t || !strcmp(t, "message") || (tl > 7 && !strcmp(t + tl - 7, "_output")))
			break;
		n += !strcmp(t, "function_call");
	}
	return n;
}

/* A function_call item joins the assistant turn just before it (a new one if none). */
static int call_item(struct ofs_wparser *p, const struct ofs_jv *in, size_t i, const char *where, struct ofs_msg **last_asst)
{
	const struct ofs_jv *o = &in->u.kids[i], *id = ofs_jget(o, "call_id");
	if (!ofs_jis(id, OFS_J_STR))
		return ofs__wp_fail(p, "%s: a function_call needs a call_id", where);
	if (!*last_asst) {
		struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_ASSISTANT);
		if (!m)
			return OFS_EDATA;
		m->content = "";
		*last_asst = m;
	}
	if (!(*last_asst)->calls)
		(*last_asst)->calls = ofs_arena_alloc(p->A, sizeof *(*last_asst)->calls * (call_run(in, i) + 1));
	return ofs__wpj_add_call(p, *last_asst, ofs__wpj_str(p, id), ofs_jget(o, "name"), ofs_jget(o, "arguments"), where);
}

static int output_item_in(struct ofs_wparser *p, const struct ofs_jv *o, const char *where)
{
	const struct ofs_jv *id = ofs_jget(o, "call_id");
	if (!ofs_jis(id, OFS_J_STR))
		return ofs__wp_fail(p, "%s: a function_call_output needs a call_id", where);
	struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_TOOL);
	if (!m)
		return OFS_EDATA;
	m->tool_call_id = ofs__wpj_str(p, id);
	return ofs__wpj_content(p, ofs_jget(o, "output"), where, &m->content);
}

static int input_item(struct ofs_wparser *p, const struct ofs_jv *in, size_t i, struct ofs_msg **last_asst)
{
	const struct ofs_jv *o = &in->u.kids[i];
	char where[64];
	snprintf(where, sizeof where, "input[%zu]", i);
	if (o->kind != OFS_J_OBJ)
		return ofs__wp_fail(p, "%s must be an object", where);
	const char *type = ofs_jstr(ofs_jget(o, "type"));
	if (!type || !strcmp(type, "message"))
		return message_item(p, o, where, last_asst);
	if (!strcmp(type, "function_call"))
		return call_item(p, in, i, where, last_asst);
	size_t tl = strlen(type);
	if (tl > 7 && !strcmp(type + tl - 7, "_output")) { /* function_call_output, custom_tool_call_output, ... */
		*last_asst = NULL;
		return output_item_in(p, o, where);
	}
	return 0; /* reasoning, web search calls, ...: nothing the agents read */
}

static int parse_input(struct ofs_wparser *p, const struct ofs_jv *root)
{
	const struct ofs_jv *ins = ofs_jget(root, "instructions"), *in = ofs_jget(root, "input");
	if (ofs_jis(ins, OFS_J_STR)) {
		struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_SYSTEM);
		if (!m)
			return OFS_EDATA;
		m->content = ofs__wpj_str(p, ins);
	}
	if (ofs_jis(in, OFS_J_STR)) {
		struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_USER);
		if (!m)
			return OFS_EDATA;
		m->content = ofs__wpj_str(p, in);
		return 0;
	}
	if (!ofs_jlen(in))
		return ofs__wp_fail(p, "input must be a string or a non-empty list of items");
	struct ofs_msg *last = NULL;
	for (size_t i = 0; i < in->n; i++)
		if (input_item(p, in, i, &last))
			return OFS_EDATA;
	return 0;
}

/* The "tools" list (non-empty) into rq->tools. */
static int tool_list(struct ofs_wparser *p, const struct ofs_jv *tools)
{
	for (size_t i = 0; i < tools->n; i++) {
		const struct ofs_jv *o = &tools->u.kids[i];
		if (o->kind != OFS_J_OBJ)
			return ofs__wp_fail(p, "tools[%zu] must be an object", i);
		const char *type = ofs_jstr(ofs_jget(o, "type"));
		if (!type || strcmp(type, "function"))
			continue; /* hosted tools, namespaces, custom tools: not callable here */
		if (ofs__wpj_add_tool(p, ofs_jget(o, "name"), ofs_jget(o, "parameters"), "tools"))
			return OFS_EDATA;
	}
	return 0;
}

static int parse_tools(struct ofs_wparser *p, const struct ofs_jv *root)
{
	const struct ofs_jv *tools = ofs_jget(root, "tools");
	return ofs__wpj_tools_room(p, tools, ofs_jlen(tools)) ? OFS_EDATA : ofs__wpj_tools(p, tools, tool_list);
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
	const struct ofs_jv *name = ofs_jget(tc, "name");
	const char *type = ofs_jstr(ofs_jget(tc, "type"));
	if (type && strcmp(type, "function"))
		return 0; /* a hosted tool or allowed_tools: leave it to the agent */
	if (!ofs_jis(name, OFS_J_STR) || !name->n)
		return ofs__wp_fail(p, "tool_choice must be none, auto, required or {\"type\":\"function\",\"name\":...}");
	rq->choice = OFS_CHOICE_TOOL;
	rq->choice_name = ofs__wpj_str(p, name);
	return 0;
}

static int parse_body(struct ofs_wparser *p, const struct ofs_jv *root)
{
	if (parse_input(p, root) || parse_tools(p, root) || parse_choice(p, ofs_jget(root, "tool_choice")))
		return OFS_EDATA;
	const struct ofs_jv *mt = ofs_jget(root, "max_output_tokens");
	p->rq->max_tokens = ofs_jis(mt, OFS_J_INT) && mt->u.i > 0 ? (long)mt->u.i : 0;
	p->rq->include_usage = 1; /* response.completed always carries usage */
	return 0;
}

static int parse_request(const char *body, size_t len, struct ofs_arena *A, struct ofs_wire_req *rq, char *err);
static int parse_request_cached(struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                                struct ofs_wire_req *rq, char *err);

/* ---- server: writing responses ---- */
struct rs_ctx {
	const struct ofs_wire_req *rq;
	const struct ofs_wire_reply *o;
	const struct ofs_response *r;
	long seq;      /* sequence_number of the next event */
	int oi;        /* output_index of the item being streamed */
	char item[96]; /* its id */
};

static void put_reasoning_item(struct ofs_buf *b, const struct rs_ctx *x, int full)
{
	ofs_buf_printf(b, "{\"type\":\"reasoning\",\"id\":\"rs_%s\",\"summary\":[", x->o->id);
	if (full) {
		ofs_buf_puts(b, "{\"type\":\"summary_text\",\"text\":");
		ofs_json_str(b, x->r->reasoning);
		ofs_buf_putc(b, '}');
	}
	ofs_buf_puts(b, "]}");
}

static void put_message_item(struct ofs_buf *b, const struct rs_ctx *x, int full)
{
	ofs_buf_printf(b, "{\"type\":\"message\",\"id\":\"msg_%s\",\"status\":\"%s\",\"role\":\"assistant\",\"content\":[",
	               x->o->id, full ? "completed" : "in_progress");
	if (full) {
		ofs_buf_puts(b, "{\"type\":\"output_text\",\"text\":");
		ofs_json_str(b, x->r->content);
		ofs_buf_puts(b, ",\"annotations\":[],\"logprobs\":[]}");
	}
	ofs_buf_puts(b, "]}");
}

static void put_call_item(struct ofs_buf *b, const struct rs_ctx *x, int i, int full)
{
	const struct ofs_tool_call *c = &x->r->calls[i];
	ofs_buf_printf(b, "{\"type\":\"function_call\",\"id\":\"fc_%s_%d\",\"call_id\":", x->o->id, i);
	ofs_json_str(b, c->id ? c->id : "");
	ofs_buf_puts(b, ",\"name\":");
	ofs_json_str(b, c->name ? c->name : "");
	ofs_buf_puts(b, ",\"arguments\":");
	ofs_json_str(b, full ? ofs__wire_args(c) : "");
	ofs_buf_printf(b, ",\"status\":\"%s\"}", full ? "completed" : "in_progress");
}

static int has_reasoning(const struct ofs_response *r)
{
	return r->reasoning && *r->reasoning;
}

static int has_text(const struct ofs_response *r)
{
	return (r->content && *r->content) || !r->ncalls;
}

/* The response object; output: 0 empty (in progress), 1 every item. */
static void put_response(struct ofs_buf *b, const struct rs_ctx *x, int output)
{
	ofs_buf_puts(b, "{\"id\":");
	ofs_json_str(b, x->o->id);
	ofs_buf_printf(b,
	               ",\"object\":\"response\",\"created_at\":%ld,\"status\":\"%s\",\"error\":null,"
	               "\"incomplete_details\":null,\"instructions\":null,\"max_output_tokens\":",
	               x->o->created, output ? "completed" : "in_progress");
	if (x->rq->max_tokens > 0)
		ofs_buf_printf(b, "%ld", x->rq->max_tokens);
	else
		ofs_buf_puts(b, "null");
	ofs_buf_puts(b, ",\"model\":");
	ofs_json_str(b, x->rq->model);
	ofs_buf_puts(b, ",\"output\":[");
	int n = 0;
	if (output && has_reasoning(x->r))
		n++, put_reasoning_item(b, x, 1);
	if (output && has_text(x->r)) {
		ofs_buf_puts(b, n++ ? "," : "");
		put_message_item(b, x, 1);
	}
	for (int i = 0; output && i < x->r->ncalls; i++) {
		ofs_buf_puts(b, n++ ? "," : "");
		put_call_item(b, x, i, 1);
	}
	ofs_buf_puts(b, "],\"parallel_tool_calls\":true,\"previous_response_id\":null,\"reasoning\":{\"effort\":null,"
	                "\"summary\":null},\"store\":false,\"temperature\":1.0,\"text\":{\"format\":{\"type\":\"text\"}},"
	                "\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":1.0,\"truncation\":\"disabled\",\"usage\":");
	if (output)
		ofs_buf_printf(b,
		               "{\"input_tokens\":%ld,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":%ld,"
		               "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":%ld}",
		               x->o->in_tokens, x->o->out_tokens, x->o->in_tokens + x->o->out_tokens);
	else
		ofs_buf_puts(b, "null");
	ofs_buf_puts(b, ",\"metadata\":{}}");
}

static void write_response(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_response *r,
                           const struct ofs_wire_reply *o)
{
	struct rs_ctx x = {rq, o, r, 0, 0, ""};
	put_response(b, &x, 1);
}

/* "event: T\ndata: {"type":"T","sequence_number":N" — the caller closes it. */
static void ev(struct ofs_buf *b, struct rs_ctx *x, const char *type)
{
	ofs_buf_printf(b, "event: %s\ndata: {\"type\":\"%s\",\"sequence_number\":%ld", type, type, x->seq++);
}

static void item_event(struct ofs_buf *b, struct rs_ctx *x, const char *type, int kind, int i, int full)
{
	ev(b, x, type);
	ofs_buf_printf(b, ",\"output_index\":%d,\"item\":", x->oi);
	if (kind == 0)
		put_reasoning_item(b, x, full);
	else if (kind == 1)
		put_message_item(b, x, full);
	else
		put_call_item(b, x, i, full);
	ofs_buf_puts(b, "}\n\n");
}

static void item_ref(struct ofs_buf *b, struct rs_ctx *x, const char *type)
{
	ev(b, x, type);
	ofs_buf_puts(b, ",\"item_id\":");
	ofs_json_str(b, x->item);
	ofs_buf_printf(b, ",\"output_index\":%d", x->oi);
}

static void text_frag(struct ofs_buf *b, const char *s, size_t n, void *ud)
{
	struct rs_ctx *x = ud;
	item_ref(b, x, "response.output_text.delta");
	ofs_buf_puts(b, ",\"content_index\":0,\"delta\":");
	ofs_json_strn(b, s, n);
	ofs_buf_puts(b, ",\"logprobs\":[]}\n\n");
}

static void args_frag(struct ofs_buf *b, const char *s, size_t n, void *ud)
{
	struct rs_ctx *x = ud;
	item_ref(b, x, "response.function_call_arguments.delta");
	ofs_buf_puts(b, ",\"delta\":");
	ofs_json_strn(b, s, n);
	ofs_buf_puts(b, "}\n\n");
}

static void stream_text(struct ofs_buf *b, struct rs_ctx *x)
{
	const char *text = x->r->content ? x->r->content : "";
	snprintf(x->item, sizeof x->item, "msg_%s", x->o->id);
	item_event(b, x, "response.output_item.added", 1, 0, 0);
	item_ref(b, x, "response.content_part.added");
	ofs_buf_puts(b, ",\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":\"\",\"annotations\":[]}}\n\n");
	ofs__wire_fragments(text, 3, text_frag, b, x);
	item_ref(b, x, "response.output_text.done");
	ofs_buf_puts(b, ",\"content_index\":0,\"text\":");
	ofs_json_str(b, text);
	ofs_buf_puts(b, ",\"logprobs\":[]}\n\n");
	item_ref(b, x, "response.content_part.done");
	ofs_buf_puts(b, ",\"content_index\":0,\"part\":{\"type\":\"output_text\",\"text\":");
	ofs_json_str(b, text);
	ofs_buf_puts(b, ",\"annotations\":[]}}\n\n");
	item_event(b, x, "response.output_item.done", 1, 0, 1);
	x->oi++;
}

static void stream_call(struct ofs_buf *b, struct rs_ctx *x, int i)
{
	snprintf(x->item, sizeof x->item, "fc_%s_%d", x->o->id, i);
	item_event(b, x, "response.output_item.added", 2, i, 0);
	ofs__wire_fragments(ofs__wire_args(&x->r->calls[i]), 3, args_frag, b, x);
	item_ref(b, x, "response.function_call_arguments.done");
	ofs_buf_puts(b, ",\"name\":");
	ofs_json_str(b, x->r->calls[i].name ? x->r->calls[i].name : "");
	ofs_buf_puts(b, ",\"arguments\":");
	ofs_json_str(b, ofs__wire_args(&x->r->calls[i]));
	ofs_buf_puts(b, "}\n\n");
	item_event(b, x, "response.output_item.done", 2, i, 1);
	x->oi++;
}

static void write_stream(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_response *r,
                         const struct ofs_wire_reply *o)
{
	struct rs_ctx x = {rq, o, r, 0, 0, ""};
	static const char *const start[] = {"response.created", "response.in_progress"};
	for (int k = 0; k < 2; k++) {
		ev(b, &x, start[k]);
		ofs_buf_puts(b, ",\"response\":");
		put_response(b, &x, 0);
		ofs_buf_puts(b, "}\n\n");
	}
	if (has_reasoning(r)) { /* the summary whole, in the done item */
		item_event(b, &x, "response.output_item.added", 0, 0, 0);
		item_event(b, &x, "response.output_item.done", 0, 0, 1);
		x.oi++;
	}
	if (has_text(r))
		stream_text(b, &x);
	for (int i = 0; i < r->ncalls; i++)
		stream_call(b, &x, i);
	ev(b, &x, "response.completed");
	ofs_buf_puts(b, ",\"response\":");
	put_response(b, &x, 1);
	ofs_buf_puts(b, "}\n\n");
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

const struct ofs_wire_ops ofs_wire_openai_responses = {
        .name = "openai-responses",
        .client_path = "/responses",
        .client_stream_path = NULL,
        .auth_header = "Authorization",
        .auth_scheme = "Bearer ",
        .extra_headers = extra_headers,
        .build_request = build_request,
        .parse_response = parse_response,
        .sse_event = sse_event,
        .path = "/responses",
        .count_path = NULL,
        .url_hint = "/responses",
        .sniff_header = NULL,
        .id_prefix = "resp_mock_",
        .call_id_prefix = "call",
        .match_route = NULL,
        .parse_request = parse_request,
        .parse_request_cached = parse_request_cached,
        .write_response = write_response,
        .write_stream = write_stream,
        .write_error = write_error,
};

static int parse_request_cached(struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                                struct ofs_wire_req *rq, char *err)
{
	return ofs__wpj_run(&ofs_wire_openai_responses, cache, body, len, A, rq, err, parse_body);
}

static int parse_request(const char *body, size_t len, struct ofs_arena *A, struct ofs_wire_req *rq, char *err)
{
	return parse_request_cached(NULL, body, len, A, rq, err);
}
