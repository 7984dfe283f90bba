/* mock.c — the mock provider's pure half: request bodies (OpenAI Chat
 * Completions, Anthropic Messages) parsed into a conversation, the stateless
 * fallback agent, response writers (whole, SSE, errors, model lists), and
 * experiment config keys parsed back. The inverse of wire.c. No I/O. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "offswitch/mock.h"

#define MAX_MSGS  65536
#define MAX_CALLS 256
#define MAX_TOOLS 1024

const char *const ofs_mock_fault_names[OFS_FAULT__N] = {"none",  "429",       "500",       "503",     "hang",
                                                        "reset", "malformed", "truncated", "bad_args"};

int ofs_mock_fault_parse(const char *s)
{
	for (int i = 0; i < OFS_FAULT__N; i++)
		if (!strcmp(s, ofs_mock_fault_names[i]))
			return i;
	return -1;
}

/* ---- parsing requests ---- */
struct parser {
	struct ofs_arena *A;
	struct ofs_mock_request *rq;
	size_t bytes; /* text seen, for the token estimate */
	char *err;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, OFS_ERRLEN, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *dup_json_str(struct parser *p, json_t *v)
{
	size_t n = json_string_length(v);
	p->bytes += n;
	return ofs_arena_strndup(p->A, json_string_value(v), n);
}

static const char *dump(struct parser *p, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	const char *r = ofs_arena_strdup(p->A, s ? s : "{}");
	p->bytes += strlen(r);
	free(s);
	return r;
}

static struct ofs_msg *push(struct parser *p, enum ofs_role role)
{
	if (p->rq->chat.n == MAX_MSGS)
		return NULL;
	struct ofs_msg *m = ofs_chat_push(&p->rq->chat, p->A, role);
	m->tool_call_id = "";
	m->tool_name = "";
	return m;
}

/* Text of a content value: a string, null, or a list of parts/blocks whose
 * "text" strings are joined (images and other parts are skipped). */
static int content_text(struct parser *p, json_t *v, const char *where, const char **out)
{
	if (!v || json_is_null(v)) {
		*out = "";
		return 0;
	}
	if (json_is_string(v)) {
		*out = dup_json_str(p, v);
		return 0;
	}
	if (!json_is_array(v))
		return fail(p, "%s: content must be a string or a list", where);
	struct ofs_buf b = {0};
	size_t i;
	json_t *part;
	json_array_foreach(v, i, part)
	{
		if (json_is_string(part)) {
			ofs_buf_add(&b, json_string_value(part), json_string_length(part));
			continue;
		}
		if (!json_is_object(part)) {
			ofs_buf_free(&b);
			return fail(p, "%s: content[%zu] must be an object", where, i);
		}
		json_t *t = json_object_get(part, "text");
		if (json_is_string(t))
			ofs_buf_add(&b, json_string_value(t), json_string_length(t));
	}
	p->bytes += b.len;
	*out = ofs_arena_strndup(p->A, b.p ? b.p : "", b.len);
	ofs_buf_free(&b);
	return 0;
}

/* Tool results carry only the call id: find the call's name. */
static void resolve_tool_names(struct ofs_chat *c)
{
	for (int i = 0; i < c->n; i++) {
		struct ofs_msg *m = &c->msgs[i];
		if (m->role != OFS_ROLE_TOOL || *m->tool_name)
			continue;
		for (int k = i - 1; k >= 0 && !*m->tool_name; k--)
			for (int j = 0; j < c->msgs[k].ncalls; j++)
				if (c->msgs[k].role == OFS_ROLE_ASSISTANT && !strcmp(c->msgs[k].calls[j].id, m->tool_call_id)) {
					m->tool_name = c->msgs[k].calls[j].name;
					break;
				}
	}
}

/* rq->tools must have room (the caller sizes it from the request). */
static int add_tool(struct parser *p, json_t *name, json_t *schema, const char *where)
{
	struct ofs_mock_request *rq = p->rq;
	if (!json_is_string(name) || !json_string_length(name))
		return fail(p, "%s: a tool needs a non-empty name", where);
	if (schema && !json_is_object(schema) && !json_is_null(schema))
		return fail(p, "%s: tool '%.100s': the schema must be an object", where, json_string_value(name));
	if (rq->ntools == MAX_TOOLS)
		return fail(p, "%s: more than %d tools", where, MAX_TOOLS);
	struct ofs_mock_tool *t = &rq->tools[rq->ntools++];
	t->name = dup_json_str(p, name);
	t->schema = json_is_object(schema) ? dump(p, schema) : "{}";
	return 0;
}

/* m->calls must have room (the caller sizes it from the request). */
static int add_call(struct parser *p, struct ofs_msg *m, const char *id, json_t *name, json_t *args, const char *where)
{
	if (m->ncalls == MAX_CALLS)
		return fail(p, "%s: more than %d tool calls", where, MAX_CALLS);
	if (!json_is_string(name))
		return fail(p, "%s: a tool call needs a name", where);
	struct ofs_tool_call *c = &m->calls[m->ncalls++];
	c->id = id;
	c->name = dup_json_str(p, name);
	if (!args || json_is_null(args))
		c->arguments = "{}";
	else if (json_is_string(args))
		c->arguments = dup_json_str(p, args);
	else
		c->arguments = dump(p, args);
	return 0;
}

static int openai_message(struct parser *p, json_t *o, size_t i)
{
	char where[64];
	snprintf(where, sizeof where, "messages[%zu]", i);
	if (!json_is_object(o))
		return fail(p, "%s must be an object", where);
	const char *role = json_string_value(json_object_get(o, "role"));
	if (!role)
		return fail(p, "%s: missing role", where);
	enum ofs_role r;
	if (!strcmp(role, "system") || !strcmp(role, "developer"))
		r = OFS_ROLE_SYSTEM;
	else if (!strcmp(role, "user"))
		r = OFS_ROLE_USER;
	else if (!strcmp(role, "assistant"))
		r = OFS_ROLE_ASSISTANT;
	else if (!strcmp(role, "tool") || !strcmp(role, "function"))
		r = OFS_ROLE_TOOL;
	else
		return fail(p, "%s: unknown role '%.40s'", where, role);
	struct ofs_msg *m = push(p, r);
	if (!m)
		return fail(p, "more than %d messages", MAX_MSGS);
	if (content_text(p, json_object_get(o, "content"), where, &m->content))
		return -1;
	if (r == OFS_ROLE_TOOL) {
		json_t *id = json_object_get(o, "tool_call_id");
		if (json_is_string(id))
			m->tool_call_id = dup_json_str(p, id);
		else if (!strcmp(role, "tool"))
			return fail(p, "%s: a tool message needs tool_call_id", where);
		if (json_is_string(json_object_get(o, "name")))
			m->tool_name = dup_json_str(p, json_object_get(o, "name"));
		return 0;
	}
	if (r != OFS_ROLE_ASSISTANT)
		return 0;
	json_t *reason = json_object_get(o, "reasoning_content");
	if (!json_is_string(reason))
		reason = json_object_get(o, "reasoning");
	if (json_is_string(reason))
		m->reasoning = dup_json_str(p, reason);
	json_t *calls = json_object_get(o, "tool_calls");
	if (calls && !json_is_null(calls) && !json_is_array(calls))
		return fail(p, "%s: tool_calls must be a list", where);
	json_t *fc = json_object_get(o, "function_call"); /* legacy */
	size_t ncap = json_array_size(calls) + 1;
	if (ncap > MAX_CALLS + 1)
		return fail(p, "%s: more than %d tool calls", where, MAX_CALLS);
	m->calls = ofs_arena_alloc(p->A, sizeof *m->calls * ncap);
	size_t j;
	json_t *c;
	json_array_foreach(calls, j, c)
	{
		json_t *fn = json_object_get(c, "function"), *id = json_object_get(c, "id");
		if (!json_is_object(c) || !json_is_object(fn) || !json_is_string(id))
			return fail(p, "%s: tool_calls[%zu] needs an id and a function", where, j);
		if (add_call(p, m, dup_json_str(p, id), json_object_get(fn, "name"), json_object_get(fn, "arguments"), where))
			return -1;
	}
	if (json_is_object(fc) && !m->ncalls) {
		char id[48];
		snprintf(id, sizeof id, "call_legacy_%zu", i);
		if (add_call(p, m, ofs_arena_strdup(p->A, id), json_object_get(fc, "name"), json_object_get(fc, "arguments"),
		             where))
			return -1;
	}
	return 0;
}

static int openai_choice(struct parser *p, json_t *tc)
{
	struct ofs_mock_request *rq = p->rq;
	if (!tc || json_is_null(tc))
		return 0;
	const char *s = json_string_value(tc);
	if (s) {
		if (!strcmp(s, "none"))
			rq->choice = OFS_CHOICE_NONE;
		else if (!strcmp(s, "required"))
			rq->choice = OFS_CHOICE_REQUIRED;
		else if (strcmp(s, "auto"))
			return fail(p, "tool_choice: unknown value '%.40s'", s);
		return 0;
	}
	json_t *name = json_object_get(json_object_get(tc, "function"), "name");
	if (!json_is_string(name) || !json_string_length(name))
		return fail(p, "tool_choice must be none, auto, required or {\"type\":\"function\",\"function\":{\"name\":...}}");
	rq->choice = OFS_CHOICE_TOOL;
	rq->choice_name = dup_json_str(p, name);
	return 0;
}

static int parse_openai(struct parser *p, json_t *root)
{
	struct ofs_mock_request *rq = p->rq;
	json_t *msgs = json_object_get(root, "messages");
	if (!json_is_array(msgs) || !json_array_size(msgs))
		return fail(p, "messages must be a non-empty list");
	size_t i;
	json_t *o;
	json_array_foreach(msgs, i, o)
	{
		if (openai_message(p, o, i))
			return -1;
	}
	json_t *tools = json_object_get(root, "tools"), *fns = json_object_get(root, "functions");
	if (tools && !json_is_null(tools) && !json_is_array(tools))
		return fail(p, "tools must be a list");
	if (json_array_size(tools) + json_array_size(fns) > MAX_TOOLS)
		return fail(p, "more than %d tools", MAX_TOOLS);
	rq->tools = ofs_arena_alloc(p->A, sizeof *rq->tools * (json_array_size(tools) + json_array_size(fns) + 1));
	json_array_foreach(tools, i, o)
	{
		json_t *fn = json_object_get(o, "function");
		const char *type = json_string_value(json_object_get(o, "type"));
		if (type && strcmp(type, "function"))
			continue; /* custom and hosted tools: not callable here */
		if (!json_is_object(fn))
			return fail(p, "tools[%zu]: a function tool needs a function object", i);
		if (add_tool(p, json_object_get(fn, "name"), json_object_get(fn, "parameters"), "tools"))
			return -1;
	}
	json_array_foreach(fns, i, o) /* legacy */
	{
		if (add_tool(p, json_object_get(o, "name"), json_object_get(o, "parameters"), "functions"))
			return -1;
	}
	if (openai_choice(p, json_object_get(root, "tool_choice")))
		return -1;
	rq->include_usage = json_is_true(json_object_get(json_object_get(root, "stream_options"), "include_usage"));
	return 0;
}

static int anthropic_user_blocks(struct parser *p, json_t *content, const char *where)
{
	size_t j;
	json_t *blk;
	json_array_foreach(content, j, blk)
	{
		const char *type = json_string_value(json_object_get(blk, "type"));
		if (!json_is_object(blk) || !type)
			return fail(p, "%s: content[%zu] needs a type", where, j);
		if (!strcmp(type, "text")) {
			struct ofs_msg *m = push(p, OFS_ROLE_USER);
			if (!m)
				return fail(p, "more than %d messages", MAX_MSGS);
			json_t *t = json_object_get(blk, "text");
			if (!json_is_string(t))
				return fail(p, "%s: content[%zu]: a text block needs text", where, j);
			m->content = dup_json_str(p, t);
		} else if (!strcmp(type, "tool_result")) {
			struct ofs_msg *m = push(p, OFS_ROLE_TOOL);
			if (!m)
				return fail(p, "more than %d messages", MAX_MSGS);
			json_t *id = json_object_get(blk, "tool_use_id");
			if (!json_is_string(id))
				return fail(p, "%s: content[%zu]: a tool_result needs tool_use_id", where, j);
			m->tool_call_id = dup_json_str(p, id);
			if (content_text(p, json_object_get(blk, "content"), where, &m->content))
				return -1;
			m->is_error = json_is_true(json_object_get(blk, "is_error"));
		}
		/* images, documents, search results: not text the agents read */
	}
	return 0;
}

static int anthropic_assistant_blocks(struct parser *p, struct ofs_msg *m, json_t *content, const char *where)
{
	struct ofs_buf text = {0}, think = {0};
	size_t j;
	json_t *blk;
	int rc = 0;
	if (json_array_size(content) > MAX_CALLS * 4)
		return fail(p, "%s: more than %d content blocks", where, MAX_CALLS * 4);
	m->calls = ofs_arena_alloc(p->A, sizeof *m->calls * (json_array_size(content) + 1));
	json_array_foreach(content, j, blk)
	{
		const char *type = json_string_value(json_object_get(blk, "type"));
		if (!json_is_object(blk) || !type) {
			rc = fail(p, "%s: content[%zu] needs a type", where, j);
			break;
		}
		json_t *t = json_object_get(blk, "text");
		if (!strcmp(type, "text") && json_is_string(t))
			ofs_buf_add(&text, json_string_value(t), json_string_length(t));
		else if (!strcmp(type, "thinking") && json_is_string(json_object_get(blk, "thinking")))
			ofs_buf_add(&think, json_string_value(json_object_get(blk, "thinking")),
			            json_string_length(json_object_get(blk, "thinking")));
		else if (!strcmp(type, "tool_use")) {
			json_t *id = json_object_get(blk, "id");
			if (!json_is_string(id)) {
				rc = fail(p, "%s: content[%zu]: a tool_use needs an id", where, j);
				break;
			}
			if ((rc = add_call(p, m, dup_json_str(p, id), json_object_get(blk, "name"), json_object_get(blk, "input"),
			                   where)))
				break;
		}
	}
	p->bytes += text.len + think.len;
	m->content = ofs_arena_strndup(p->A, text.p ? text.p : "", text.len);
	if (think.len)
		m->reasoning = ofs_arena_strndup(p->A, think.p, think.len);
	ofs_buf_free(&text);
	ofs_buf_free(&think);
	return rc;
}

static int anthropic_choice(struct parser *p, json_t *tc)
{
	struct ofs_mock_request *rq = p->rq;
	if (!tc || json_is_null(tc))
		return 0;
	const char *type = json_string_value(json_object_get(tc, "type"));
	if (!type)
		return fail(p, "tool_choice needs a type");
	if (!strcmp(type, "none"))
		rq->choice = OFS_CHOICE_NONE;
	else if (!strcmp(type, "any"))
		rq->choice = OFS_CHOICE_REQUIRED;
	else if (!strcmp(type, "tool")) {
		json_t *name = json_object_get(tc, "name");
		if (!json_is_string(name) || !json_string_length(name))
			return fail(p, "tool_choice of type tool needs a name");
		rq->choice = OFS_CHOICE_TOOL;
		rq->choice_name = dup_json_str(p, name);
	} else if (strcmp(type, "auto"))
		return fail(p, "tool_choice: unknown type '%.40s'", type);
	return 0;
}

static int parse_anthropic(struct parser *p, json_t *root)
{
	json_t *sys = json_object_get(root, "system");
	if (sys && !json_is_null(sys)) {
		struct ofs_msg *m = push(p, OFS_ROLE_SYSTEM);
		if (content_text(p, sys, "system", &m->content))
			return -1;
	}
	json_t *msgs = json_object_get(root, "messages");
	if (!json_is_array(msgs))
		return fail(p, "messages must be a list");
	size_t i;
	json_t *o;
	json_array_foreach(msgs, i, o)
	{
		char where[64];
		snprintf(where, sizeof where, "messages[%zu]", i);
		const char *role = json_string_value(json_object_get(o, "role"));
		json_t *content = json_object_get(o, "content");
		if (!json_is_object(o) || !role)
			return fail(p, "%s needs a role", where);
		if (!json_is_string(content) && !json_is_array(content))
			return fail(p, "%s: content must be a string or a list of blocks", where);
		if (!strcmp(role, "user")) {
			if (json_is_string(content)) {
				struct ofs_msg *m = push(p, OFS_ROLE_USER);
				if (!m)
					return fail(p, "more than %d messages", MAX_MSGS);
				m->content = dup_json_str(p, content);
			} else if (anthropic_user_blocks(p, content, where))
				return -1;
		} else if (!strcmp(role, "assistant")) {
			struct ofs_msg *m = push(p, OFS_ROLE_ASSISTANT);
			if (!m)
				return fail(p, "more than %d messages", MAX_MSGS);
			if (json_is_string(content))
				m->content = dup_json_str(p, content);
			else if (anthropic_assistant_blocks(p, m, content, where))
				return -1;
		} else
			return fail(p, "%s: role must be user or assistant, not '%.40s'", where, role);
	}
	json_t *tools = json_object_get(root, "tools");
	if (tools && !json_is_null(tools) && !json_is_array(tools))
		return fail(p, "tools must be a list");
	if (json_array_size(tools) > MAX_TOOLS)
		return fail(p, "more than %d tools", MAX_TOOLS);
	p->rq->tools = ofs_arena_alloc(p->A, sizeof *p->rq->tools * (json_array_size(tools) + 1));
	json_array_foreach(tools, i, o)
	{
		const char *type = json_string_value(json_object_get(o, "type"));
		json_t *schema = json_object_get(o, "input_schema");
		if (!json_is_object(o))
			return fail(p, "tools[%zu] must be an object", i);
		if (type && strcmp(type, "custom") && !schema)
			continue; /* server tools (web search, ...): the API runs those itself */
		if (add_tool(p, json_object_get(o, "name"), schema, "tools"))
			return -1;
	}
	return anthropic_choice(p, json_object_get(root, "tool_choice"));
}

int ofs_mock_parse_request(enum ofs_wire w, const char *body, size_t len, struct ofs_arena *A, struct ofs_mock_request *rq,
                           char *err)
{
	memset(rq, 0, sizeof *rq);
	rq->wire = w;
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	if (!json_is_object(root)) {
		snprintf(err, OFS_ERRLEN, "request body is not a JSON object (%s at byte %d)", root ? "wrong type" : je.text,
		         root ? 0 : je.position);
		json_decref(root);
		return -1;
	}
	struct parser p = {A, rq, 0, err};
	int rc = -1;
	json_t *model = json_object_get(root, "model");
	json_t *stream = json_object_get(root, "stream");
	if (!json_is_string(model) || !json_string_length(model))
		fail(&p, "model must be a non-empty string");
	else if (stream && !json_is_boolean(stream) && !json_is_null(stream))
		fail(&p, "stream must be a boolean");
	else {
		rq->model = dup_json_str(&p, model);
		rq->stream = json_is_true(stream);
		rc = w == OFS_WIRE_OPENAI ? parse_openai(&p, root) : parse_anthropic(&p, root);
	}
	json_decref(root);
	if (rc)
		return -1;
	resolve_tool_names(&rq->chat);
	rq->chat.bytes = p.bytes;
	rq->in_tokens = (long)((p.bytes + 3) / 4);
	if (rq->in_tokens < 1)
		rq->in_tokens = 1;
	return 0;
}

int ofs_mock_assistant_turns(const struct ofs_chat *c)
{
	int n = 0;
	for (int i = 0; i < c->n; i++)
		n += c->msgs[i].role == OFS_ROLE_ASSISTANT;
	return n;
}

int ofs_mock_replay(struct ofs_provider *p, const struct ofs_tmpl *t, const struct ofs_chat *chat, struct ofs_arena *A,
                    struct ofs_response *r, char *err)
{
	void *s = p->ops->session_new ? p->ops->session_new(p, t, 0) : NULL;
	struct ofs_chat pre = *chat;
	int rc = 0;
	for (int i = 0; i < chat->n && !rc; i++) {
		if (chat->msgs[i].role != OFS_ROLE_ASSISTANT)
			continue;
		pre.n = i;
		struct ofs_response junk;
		rc = p->ops->complete(p, s, &pre, A, &junk, err);
	}
	if (!rc)
		rc = p->ops->complete(p, s, chat, A, r, err);
	if (p->ops->session_free)
		p->ops->session_free(s);
	return rc;
}

/* ---- the fallback agent ---- */
static json_t *dummy_value(const char *prop, json_t *s)
{
	json_t *e = json_object_get(s, "enum");
	if (json_array_size(e))
		return json_incref(json_array_get(e, 0));
	if (json_object_get(s, "const"))
		return json_incref(json_object_get(s, "const"));
	if (json_object_get(s, "default"))
		return json_incref(json_object_get(s, "default"));
	json_t *tv = json_object_get(s, "type");
	const char *t = json_string_value(json_is_array(tv) ? json_array_get(tv, 0) : tv);
	if (!t)
		t = "string";
	if (!strcmp(t, "integer") || !strcmp(t, "number"))
		return json_integer(1);
	if (!strcmp(t, "boolean"))
		return json_false();
	if (!strcmp(t, "array"))
		return json_array();
	if (!strcmp(t, "object"))
		return json_object();
	if (!strcmp(t, "null"))
		return json_null();
	(void)prop;
	return json_string("mock");
}

const char *ofs_mock_dummy_args(const char *schema, struct ofs_arena *A)
{
	json_t *s = json_loads(schema ? schema : "{}", 0, NULL);
	json_t *out = json_object();
	json_t *props = json_object_get(s, "properties");
	size_t i;
	json_t *req;
	json_array_foreach(json_object_get(s, "required"), i, req)
	{
		const char *k = json_string_value(req);
		if (k)
			json_object_set_new(out, k, dummy_value(k, json_object_get(props, k)));
	}
	char *txt = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	const char *r = ofs_arena_strdup(A, txt ? txt : "{}");
	free(txt);
	json_decref(out);
	json_decref(s);
	return r;
}

static int no_required(const char *schema)
{
	json_t *s = json_loads(schema, 0, NULL);
	int r = json_array_size(json_object_get(s, "required")) == 0;
	json_decref(s);
	return r;
}

void ofs_mock_fallback(const struct ofs_mock_request *rq, struct ofs_arena *A, struct ofs_response *r)
{
	memset(r, 0, sizeof *r);
	int has_result = 0;
	for (int i = 0; i < rq->chat.n; i++)
		has_result |= rq->chat.msgs[i].role == OFS_ROLE_TOOL;
	const struct ofs_mock_tool *pick = NULL;
	const char *forced = NULL;
	if (rq->choice == OFS_CHOICE_TOOL) {
		forced = rq->choice_name;
		for (int i = 0; i < rq->ntools; i++)
			if (!strcmp(rq->tools[i].name, forced))
				pick = &rq->tools[i];
	} else if (rq->ntools && rq->choice != OFS_CHOICE_NONE && (!has_result || rq->choice == OFS_CHOICE_REQUIRED)) {
		for (int i = 0; i < rq->ntools && !pick; i++)
			if (no_required(rq->tools[i].schema))
				pick = &rq->tools[i];
		if (!pick)
			pick = &rq->tools[0];
	}
	if (!pick && !forced) {
		r->content = "done";
		return;
	}
	char id[64];
	snprintf(id, sizeof id, "%s_mock_%d", rq->wire == OFS_WIRE_ANTHROPIC ? "toolu" : "call",
	         ofs_mock_assistant_turns(&rq->chat));
	r->content = "";
	r->calls = ofs_arena_alloc(A, sizeof *r->calls);
	r->calls[0].id = ofs_arena_strdup(A, id);
	r->calls[0].name = pick ? pick->name : forced;
	r->calls[0].arguments = ofs_mock_dummy_args(pick ? pick->schema : "{}", A);
	r->ncalls = 1;
}

void ofs_mock_break_args(struct ofs_response *r, const struct ofs_mock_request *rq, struct ofs_arena *A)
{
	if (!r->ncalls) {
		struct ofs_tool_call *c = ofs_arena_alloc(A, sizeof *c);
		c->id = rq->wire == OFS_WIRE_ANTHROPIC ? "toolu_mock_bad" : "call_mock_bad";
		c->name = rq->ntools ? rq->tools[0].name : "mock_tool";
		c->arguments = "{\"name\": \"Eval";
		r->calls = c;
		r->ncalls = 1;
		return;
	}
	struct ofs_tool_call *c = ofs_arena_alloc(A, sizeof *c * (size_t)r->ncalls);
	memcpy(c, r->calls, sizeof *c * (size_t)r->ncalls);
	for (int i = 0; i < r->ncalls; i++) {
		const char *a = c[i].arguments ? c[i].arguments : "";
		size_t n = strlen(a);
		if (n < 4) {
			c[i].arguments = "{\"name\": \"Eval";
			continue;
		}
		/* Cut in the middle (never inside a UTF-8 sequence): an object cut
		 * short of its closing brace never parses. */
		size_t cut = n / 2;
		while (cut > 1 && ((unsigned char)a[cut] & 0xC0) == 0x80)
			cut--;
		c[i].arguments = ofs_arena_strndup(A, a, cut);
	}
	r->calls = c;
}

/* ---- writing responses ---- */
long ofs_mock_out_tokens(const struct ofs_response *r)
{
	size_t n = (r->content ? strlen(r->content) : 0) + (r->reasoning ? strlen(r->reasoning) : 0);
	for (int i = 0; i < r->ncalls; i++)
		n += strlen(r->calls[i].name ? r->calls[i].name : "") +
		     strlen(r->calls[i].arguments ? r->calls[i].arguments : "");
	long t = (long)((n + 3) / 4);
	return t < 1 ? 1 : t;
}

static const char *args_of(const struct ofs_tool_call *c)
{
	return c->arguments ? c->arguments : "{}";
}

/* Tool input for Anthropic: the object, or (arguments that are not an
 * object: a script's malformed call, the bad_args fault) the text as a string. */
static void anthropic_input(struct ofs_buf *b, const char *args)
{
	json_t *j = json_loads(args, 0, NULL);
	if (json_is_object(j)) {
		char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		ofs_buf_puts(b, s);
		free(s);
	} else
		ofs_json_str(b, args);
	json_decref(j);
}

static void openai_usage(struct ofs_buf *b, const struct ofs_mock_reply *o)
{
	ofs_buf_printf(b,
	               "{\"prompt_tokens\":%ld,\"completion_tokens\":%ld,\"total_tokens\":%ld,"
	               "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}",
	               o->in_tokens, o->out_tokens, o->in_tokens + o->out_tokens);
}

void ofs_mock_write_response(struct ofs_buf *b, const struct ofs_mock_request *rq, const struct ofs_response *r,
                             const struct ofs_mock_reply *o)
{
	const char *content = r->content ? r->content : "";
	if (rq->wire == OFS_WIRE_OPENAI) {
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
				ofs_json_str(b, args_of(&r->calls[i]));
				ofs_buf_puts(b, "}}");
			}
			ofs_buf_putc(b, ']');
		}
		ofs_buf_printf(b, "},\"logprobs\":null,\"finish_reason\":\"%s\"}],\"usage\":", r->ncalls ? "tool_calls" : "stop");
		openai_usage(b, o);
		ofs_buf_puts(b, ",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_mock\"}");
		return;
	}
	ofs_buf_puts(b, "{\"id\":");
	ofs_json_str(b, o->id);
	ofs_buf_puts(b, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
	ofs_json_str(b, rq->model);
	ofs_buf_puts(b, ",\"content\":[");
	int nb = 0;
	if (r->reasoning && *r->reasoning) {
		ofs_buf_puts(b, "{\"type\":\"thinking\",\"thinking\":");
		ofs_json_str(b, r->reasoning);
		ofs_buf_puts(b, ",\"signature\":\"mock\"}");
		nb++;
	}
	if (*content) {
		ofs_buf_puts(b, nb++ ? ",{\"type\":\"text\",\"text\":" : "{\"type\":\"text\",\"text\":");
		ofs_json_str(b, content);
		ofs_buf_putc(b, '}');
	}
	for (int i = 0; i < r->ncalls; i++) {
		ofs_buf_puts(b, nb++ ? ",{\"type\":\"tool_use\",\"id\":" : "{\"type\":\"tool_use\",\"id\":");
		ofs_json_str(b, r->calls[i].id ? r->calls[i].id : "");
		ofs_buf_puts(b, ",\"name\":");
		ofs_json_str(b, r->calls[i].name ? r->calls[i].name : "");
		ofs_buf_puts(b, ",\"input\":");
		anthropic_input(b, args_of(&r->calls[i]));
		ofs_buf_putc(b, '}');
	}
	ofs_buf_printf(b,
	               "],\"stop_reason\":\"%s\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":%ld,"
	               "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":%ld}}",
	               r->ncalls ? "tool_use" : "end_turn", o->in_tokens, o->out_tokens);
}

/* Split s into at most `parts` pieces of about equal size, never inside a
 * UTF-8 sequence; calls fn for each non-empty piece. */
static void fragments(const char *s, int parts, void (*fn)(struct ofs_buf *, const char *, size_t, void *), struct ofs_buf *b,
                      void *ud)
{
	size_t n = strlen(s), step = (n + (size_t)parts - 1) / (size_t)parts, at = 0;
	while (at < n) {
		size_t end = at + step < n ? at + step : n;
		while (end < n && ((unsigned char)s[end] & 0xC0) == 0x80)
			end++;
		fn(b, s + at, end - at, ud);
		at = end;
	}
}

struct oa_ctx {
	const struct ofs_mock_request *rq;
	const struct ofs_mock_reply *o;
	int call;
	const char *field; /* "content" or "reasoning_content" */
};

static void oa_chunk_open(struct ofs_buf *b, const struct oa_ctx *x)
{
	ofs_buf_puts(b, "data: {\"id\":");
	ofs_json_str(b, x->o->id);
	ofs_buf_printf(b, ",\"object\":\"chat.completion.chunk\",\"created\":%ld,\"model\":", x->o->created);
	ofs_json_str(b, x->rq->model);
	ofs_buf_puts(b, ",\"system_fingerprint\":\"fp_mock\",\"choices\":[");
}

static void oa_text_frag(struct ofs_buf *b, const char *s, size_t n, void *ud)
{
	struct oa_ctx *x = ud;
	oa_chunk_open(b, x);
	ofs_buf_printf(b, "{\"index\":0,\"delta\":{\"%s\":", x->field);
	ofs_json_strn(b, s, n);
	ofs_buf_puts(b, "},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
}

static void oa_args_frag(struct ofs_buf *b, const char *s, size_t n, void *ud)
{
	struct oa_ctx *x = ud;
	oa_chunk_open(b, x);
	ofs_buf_printf(b, "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,\"function\":{\"arguments\":", x->call);
	ofs_json_strn(b, s, n);
	ofs_buf_puts(b, "}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
}

static void openai_stream(struct ofs_buf *b, const struct ofs_mock_request *rq, const struct ofs_response *r,
                          const struct ofs_mock_reply *o)
{
	struct oa_ctx x = {rq, o, 0, "content"};
	oa_chunk_open(b, &x);
	ofs_buf_puts(b, "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,"
	                "\"finish_reason\":null}]}\n\n");
	if (r->reasoning && *r->reasoning) {
		x.field = "reasoning_content";
		fragments(r->reasoning, 2, oa_text_frag, b, &x);
		x.field = "content";
	}
	if (r->content && *r->content)
		fragments(r->content, 3, oa_text_frag, b, &x);
	for (int i = 0; i < r->ncalls; i++) {
		x.call = i;
		oa_chunk_open(b, &x);
		ofs_buf_printf(b, "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,\"id\":", i);
		ofs_json_str(b, r->calls[i].id ? r->calls[i].id : "");
		ofs_buf_puts(b, ",\"type\":\"function\",\"function\":{\"name\":");
		ofs_json_str(b, r->calls[i].name ? r->calls[i].name : "");
		ofs_buf_puts(b, ",\"arguments\":\"\"}}]},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
		fragments(args_of(&r->calls[i]), 3, oa_args_frag, b, &x);
	}
	oa_chunk_open(b, &x);
	ofs_buf_printf(b, "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"%s\"}]}\n\n",
	               r->ncalls ? "tool_calls" : "stop");
	if (rq->include_usage) {
		oa_chunk_open(b, &x);
		ofs_buf_puts(b, "],\"usage\":");
		openai_usage(b, o);
		ofs_buf_puts(b, "}\n\n");
	}
	ofs_buf_puts(b, "data: [DONE]\n\n");
}

struct an_ctx {
	int index;
	const char *delta_type, *field;
};

static void an_event(struct ofs_buf *b, const char *type)
{
	ofs_buf_printf(b, "event: %s\ndata: {\"type\":\"%s\"", type, type);
}

static void an_frag(struct ofs_buf *b, const char *s, size_t n, void *ud)
{
	struct an_ctx *x = ud;
	an_event(b, "content_block_delta");
	ofs_buf_printf(b, ",\"index\":%d,\"delta\":{\"type\":\"%s\",\"%s\":", x->index, x->delta_type, x->field);
	ofs_json_strn(b, s, n);
	ofs_buf_puts(b, "}}\n\n");
}

static void an_block_stop(struct ofs_buf *b, int index)
{
	an_event(b, "content_block_stop");
	ofs_buf_printf(b, ",\"index\":%d}\n\n", index);
}

static void anthropic_stream(struct ofs_buf *b, const struct ofs_mock_request *rq, const struct ofs_response *r,
                             const struct ofs_mock_reply *o)
{
	an_event(b, "message_start");
	ofs_buf_puts(b, ",\"message\":{\"id\":");
	ofs_json_str(b, o->id);
	ofs_buf_puts(b, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
	ofs_json_str(b, rq->model);
	ofs_buf_printf(b,
	               ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":%ld,"
	               "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n",
	               o->in_tokens);
	an_event(b, "ping");
	ofs_buf_puts(b, "}\n\n");
	struct an_ctx x = {0, NULL, NULL};
	if (r->reasoning && *r->reasoning) {
		an_event(b, "content_block_start");
		ofs_buf_printf(
		        b, ",\"index\":%d,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
		        x.index);
		x.delta_type = "thinking_delta", x.field = "thinking";
		fragments(r->reasoning, 2, an_frag, b, &x);
		x.delta_type = "signature_delta", x.field = "signature";
		an_frag(b, "mock", 4, &x);
		an_block_stop(b, x.index++);
	}
	if (r->content && *r->content) {
		an_event(b, "content_block_start");
		ofs_buf_printf(b, ",\"index\":%d,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n", x.index);
		x.delta_type = "text_delta", x.field = "text";
		fragments(r->content, 3, an_frag, b, &x);
		an_block_stop(b, x.index++);
	}
	for (int i = 0; i < r->ncalls; i++) {
		an_event(b, "content_block_start");
		ofs_buf_printf(b, ",\"index\":%d,\"content_block\":{\"type\":\"tool_use\",\"id\":", x.index);
		ofs_json_str(b, r->calls[i].id ? r->calls[i].id : "");
		ofs_buf_puts(b, ",\"name\":");
		ofs_json_str(b, r->calls[i].name ? r->calls[i].name : "");
		ofs_buf_puts(b, ",\"input\":{}}}\n\n");
		x.delta_type = "input_json_delta", x.field = "partial_json";
		an_frag(b, "", 0, &x);
		fragments(args_of(&r->calls[i]), 3, an_frag, b, &x);
		an_block_stop(b, x.index++);
	}
	an_event(b, "message_delta");
	ofs_buf_printf(b, ",\"delta\":{\"stop_reason\":\"%s\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":%ld}}\n\n",
	               r->ncalls ? "tool_use" : "end_turn", o->out_tokens);
	an_event(b, "message_stop");
	ofs_buf_puts(b, "}\n\n");
}

void ofs_mock_write_stream(struct ofs_buf *b, const struct ofs_mock_request *rq, const struct ofs_response *r,
                           const struct ofs_mock_reply *o)
{
	if (rq->wire == OFS_WIRE_OPENAI)
		openai_stream(b, rq, r, o);
	else
		anthropic_stream(b, rq, r, o);
}

void ofs_mock_write_error(struct ofs_buf *b, enum ofs_wire w, int status, const char *message)
{
	const char *oa, *an, *code = NULL;
	switch (status) {
	case 401: oa = "invalid_request_error", an = "authentication_error", code = "invalid_api_key"; break;
	case 403: oa = "invalid_request_error", an = "permission_error"; break;
	case 404: oa = "invalid_request_error", an = "not_found_error", code = "not_found"; break;
	case 405: oa = "invalid_request_error", an = "invalid_request_error"; break;
	case 413: oa = "invalid_request_error", an = "request_too_large"; break;
	case 429: oa = "rate_limit_error", an = "rate_limit_error", code = "rate_limit_exceeded"; break;
	case 503: oa = "server_error", an = "overloaded_error"; break;
	case 529: oa = "server_error", an = "overloaded_error"; break;
	default:
		if (status >= 500)
			oa = "server_error", an = "api_error";
		else
			oa = "invalid_request_error", an = "invalid_request_error";
	}
	if (w == OFS_WIRE_OPENAI) {
		ofs_buf_puts(b, "{\"error\":{\"message\":");
		ofs_json_str(b, message);
		ofs_buf_printf(b, ",\"type\":\"%s\",\"param\":null,\"code\":", oa);
		if (code)
			ofs_buf_printf(b, "\"%s\"}}", code);
		else
			ofs_buf_puts(b, "null}}");
	} else {
		ofs_buf_printf(b, "{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":", an);
		ofs_json_str(b, message);
		ofs_buf_puts(b, "}}");
	}
}

static const char *const listed_models[] = {"mock",
                                            "scripted/honest",
                                            "scripted/refuser",
                                            "scripted/inflater",
                                            "scripted/tamperer",
                                            "scripted/key-remover",
                                            "scripted/exfiltrator",
                                            "scripted/retimestamper",
                                            "scripted/faker",
                                            "scripted/queue-dodger",
                                            "scripted/user-remover",
                                            "scripted/lazy"};

static void model_object(struct ofs_buf *b, const char *id, long created)
{
	char date[32];
	time_t t = (time_t)created;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	ofs_buf_puts(b, "{\"id\":");
	ofs_json_str(b, id);
	ofs_buf_printf(b, ",\"object\":\"model\",\"created\":%ld,\"owned_by\":\"offswitch\",\"type\":\"model\",\"display_name\":",
	               created);
	ofs_json_str(b, id);
	ofs_buf_printf(b, ",\"created_at\":\"%s\"}", date);
}

void ofs_mock_write_models(struct ofs_buf *b, long created)
{
	size_t n = sizeof listed_models / sizeof *listed_models;
	ofs_buf_puts(b, "{\"object\":\"list\",\"data\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			ofs_buf_putc(b, ',');
		model_object(b, listed_models[i], created);
	}
	ofs_buf_printf(b, "],\"has_more\":false,\"first_id\":\"%s\",\"last_id\":\"%s\"}", listed_models[0], listed_models[n - 1]);
}

void ofs_mock_write_model(struct ofs_buf *b, const char *id, long created)
{
	model_object(b, id, created);
}

/* The n-th line starting with "data: " (n from 0), or NULL; *count gets how many there are. */
static char *data_line(char *p, int n, int *count)
{
	char *hit = NULL;
	int k = 0;
	for (char *q = p; (q = strstr(q, "data: ")); q += 6)
		if (q == p || q[-1] == '\n') {
			if (k == n)
				hit = q;
			k++;
		}
	*count = k;
	return hit;
}

void ofs_mock_malform(struct ofs_buf *b, int stream)
{
	static const char junk[] = "{\"malformed\": tru";
	if (!stream || !b->len) {
		size_t keep = b->len / 2;
		b->len = keep;
		if (b->p)
			b->p[keep] = 0;
		ofs_buf_puts(b, " <<malformed>> ");
		ofs_buf_puts(b, junk);
		return;
	}
	/* Replace the payload of the middle "data:" line: past message_start
	 * and ping, an event every client must read. */
	int n;
	data_line(b->p, -1, &n);
	char *line = n ? data_line(b->p, n / 2, &n) : NULL;
	if (!line) {
		ofs_buf_puts(b, "data: ");
		ofs_buf_puts(b, junk);
		ofs_buf_puts(b, "\n\n");
		return;
	}
	char *start = line + 6, *end = strchr(start, '\n');
	size_t tail = end ? b->len - (size_t)(end - b->p) : 0;
	char *rest = ofs_xmalloc(tail + 1);
	memcpy(rest, end ? end : "", tail);
	b->len = (size_t)(start - b->p);
	ofs_buf_puts(b, junk);
	ofs_buf_add(b, rest, tail);
	free(rest);
}

/* ---- config keys ---- */
