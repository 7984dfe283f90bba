/* wire.c — OpenAI Chat Completions and Anthropic Messages: request bodies
 * from a conversation, responses (whole or SSE) back to a struct ofs_response. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/wire.h"

/* ---- requests ---- */
static void openai_messages(struct ofs_buf *b, const struct ofs_chat *chat)
{
	ofs_buf_puts(b, "\"messages\":[");
	for (int i = 0; i < chat->n; i++) {
		const struct ofs_msg *m = &chat->msgs[i];
		if (i)
			ofs_buf_putc(b, ',');
		ofs_buf_printf(b, "{\"role\":\"%s\",\"content\":", ofs_role_names[m->role]);
		ofs_json_str(b, m->content);
		if (m->role == OFS_ROLE_ASSISTANT && m->ncalls) {
			ofs_buf_puts(b, ",\"tool_calls\":[");
			for (int j = 0; j < m->ncalls; j++) {
				ofs_buf_puts(b, j ? ",{\"id\":" : "{\"id\":");
				ofs_json_str(b, m->calls[j].id);
				ofs_buf_puts(b, ",\"type\":\"function\",\"function\":{\"name\":");
				ofs_json_str(b, m->calls[j].name);
				ofs_buf_puts(b, ",\"arguments\":");
				ofs_json_str(b, m->calls[j].arguments);
				ofs_buf_puts(b, "}}");
			}
			ofs_buf_putc(b, ']');
		}
		if (m->role == OFS_ROLE_TOOL) {
			ofs_buf_puts(b, ",\"tool_call_id\":");
			ofs_json_str(b, m->tool_call_id);
		}
		ofs_buf_putc(b, '}');
	}
	ofs_buf_putc(b, ']');
}

/* Tool arguments as a JSON object for Anthropic's tool_use.input; text that is
 * not an object (a malformed call from a script) is wrapped so it survives. */
static void args_object(struct ofs_buf *b, const char *args)
{
	json_t *j = json_loads(args ? args : "", 0, NULL);
	if (json_is_object(j)) {
		char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		ofs_buf_puts(b, s);
		free(s);
	} else {
		ofs_buf_puts(b, "{\"_unparsed_arguments\":");
		ofs_json_str(b, args ? args : "");
		ofs_buf_putc(b, '}');
	}
	json_decref(j);
}

/* Anthropic wants alternating user/assistant turns: tool results and the
 * user messages after them are merged into one user turn of blocks. */
static void anthropic_messages(struct ofs_buf *b, const struct ofs_chat *chat)
{
	ofs_buf_puts(b, "\"messages\":[");
	int first = 1, open_user = 0;
	for (int i = 0; i < chat->n; i++) {
		const struct ofs_msg *m = &chat->msgs[i];
		if (m->role == OFS_ROLE_SYSTEM)
			continue;
		if (m->role == OFS_ROLE_ASSISTANT) {
			if (open_user) {
				ofs_buf_puts(b, "]}");
				open_user = 0;
			}
			ofs_buf_puts(b,
			             first ? "{\"role\":\"assistant\",\"content\":[" : ",{\"role\":\"assistant\",\"content\":[");
			first = 0;
			int nb = 0;
			if (m->content && *m->content) {
				ofs_buf_puts(b, "{\"type\":\"text\",\"text\":");
				ofs_json_str(b, m->content);
				ofs_buf_putc(b, '}');
				nb++;
			}
			for (int j = 0; j < m->ncalls; j++) {
				ofs_buf_puts(b, nb++ ? ",{\"type\":\"tool_use\",\"id\":" : "{\"type\":\"tool_use\",\"id\":");
				ofs_json_str(b, m->calls[j].id);
				ofs_buf_puts(b, ",\"name\":");
				ofs_json_str(b, m->calls[j].name);
				ofs_buf_puts(b, ",\"input\":");
				args_object(b, m->calls[j].arguments);
				ofs_buf_putc(b, '}');
			}
			if (!nb)
				ofs_buf_puts(b, "{\"type\":\"text\",\"text\":\"(no output)\"}");
			ofs_buf_puts(b, "]}");
			continue;
		}
		if (!open_user) {
			ofs_buf_puts(b, first ? "{\"role\":\"user\",\"content\":[" : ",{\"role\":\"user\",\"content\":[");
			first = 0;
			open_user = 1;
		} else
			ofs_buf_putc(b, ',');
		if (m->role == OFS_ROLE_TOOL) {
			ofs_buf_puts(b, "{\"type\":\"tool_result\",\"tool_use_id\":");
			ofs_json_str(b, m->tool_call_id);
			ofs_buf_puts(b, ",\"content\":");
			ofs_json_str(b, m->content);
			if (m->is_error)
				ofs_buf_puts(b, ",\"is_error\":true");
			ofs_buf_putc(b, '}');
		} else {
			ofs_buf_puts(b, "{\"type\":\"text\",\"text\":");
			ofs_json_str(b, m->content && *m->content ? m->content : "(empty)");
			ofs_buf_putc(b, '}');
		}
	}
	if (open_user)
		ofs_buf_puts(b, "]}");
	ofs_buf_putc(b, ']');
}

static int anthropic_tools(struct ofs_buf *b, const char *tools_json, char *err)
{
	json_error_t je;
	json_t *t = json_loads(tools_json ? tools_json : "[]", 0, &je);
	if (!json_is_array(t)) {
		snprintf(err, OFS_ERRLEN, "tool schema is not a JSON array: %s", je.text);
		json_decref(t);
		return -1;
	}
	ofs_buf_puts(b, "\"tools\":[");
	size_t i;
	json_t *x;
	json_array_foreach(t, i, x)
	{
		json_t *fn = json_object_get(x, "function");
		json_t *out = json_pack("{s:O,s:O,s:O}", "name", json_object_get(fn, "name"), "description",
		                        json_object_get(fn, "description"), "input_schema", json_object_get(fn, "parameters"));
		if (!out) {
			snprintf(err, OFS_ERRLEN, "tool %zu lacks name, description or parameters", i);
			json_decref(t);
			return -1;
		}
		char *s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (i)
			ofs_buf_putc(b, ',');
		ofs_buf_puts(b, s);
		free(s);
		json_decref(out);
	}
	ofs_buf_putc(b, ']');
	json_decref(t);
	return 0;
}

int ofs_wire_request(enum ofs_wire w, struct ofs_buf *b, const struct ofs_chat *chat, const char *tools_json,
                     const struct ofs_wire_opts *o, char *err)
{
	ofs_buf_puts(b, "{\"model\":");
	ofs_json_str(b, o->model);
	ofs_buf_putc(b, ',');
	if (w == OFS_WIRE_OPENAI) {
		openai_messages(b, chat);
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
	} else {
		for (int i = 0; i < chat->n; i++)
			if (chat->msgs[i].role == OFS_ROLE_SYSTEM) {
				ofs_buf_puts(b, "\"system\":");
				ofs_json_str(b, chat->msgs[i].content);
				ofs_buf_putc(b, ',');
				break;
			}
		anthropic_messages(b, chat);
		ofs_buf_putc(b, ',');
		if (anthropic_tools(b, tools_json, err))
			return -1;
		ofs_buf_printf(b, ",\"max_tokens\":%ld", o->max_tokens > 0 ? o->max_tokens : 8192);
		if (o->stream)
			ofs_buf_puts(b, ",\"stream\":true");
	}
	if (o->temperature >= 0)
		ofs_buf_printf(b, ",\"temperature\":%g", o->temperature);
	ofs_buf_putc(b, '}');
	return 0;
}

/* ---- whole responses ---- */
static const char *dup_str(struct ofs_arena *A, json_t *v)
{
	return json_is_string(v) ? ofs_arena_strdup(A, json_string_value(v)) : NULL;
}

static int api_error(json_t *root, char *err)
{
	json_t *e = json_object_get(root, "error");
	if (!e)
		return 0;
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *type = json_string_value(json_object_get(e, "type"));
	snprintf(err, OFS_ERRLEN, "provider error%s%s: %.200s", type ? " " : "", type ? type : "", msg ? msg : "(no message)");
	return -1;
}

static int parse_openai(json_t *root, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	json_t *msg = json_object_get(json_array_get(json_object_get(root, "choices"), 0), "message");
	if (!json_is_object(msg)) {
		snprintf(err, OFS_ERRLEN, "response has no choices[0].message");
		return -1;
	}
	r->content = dup_str(A, json_object_get(msg, "content"));
	r->reasoning = dup_str(A, json_object_get(msg, "reasoning_content"));
	if (!r->reasoning)
		r->reasoning = dup_str(A, json_object_get(msg, "reasoning"));
	json_t *calls = json_object_get(msg, "tool_calls");
	size_t n = json_array_size(calls);
	if (n > 256) {
		snprintf(err, OFS_ERRLEN, "response has %zu tool calls (limit 256)", n);
		return -1;
	}
	r->calls = ofs_arena_alloc(A, sizeof *r->calls * (n + 1));
	for (size_t i = 0; i < n; i++) {
		json_t *c = json_array_get(calls, i), *fn = json_object_get(c, "function");
		json_t *args = json_object_get(fn, "arguments");
		r->calls[i].id = dup_str(A, json_object_get(c, "id"));
		r->calls[i].name = dup_str(A, json_object_get(fn, "name"));
		if (json_is_string(args))
			r->calls[i].arguments = dup_str(A, args);
		else if (!args)
			r->calls[i].arguments = "{}";
		else {
			char *s = json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY);
			r->calls[i].arguments = ofs_arena_strdup(A, s ? s : "{}");
			free(s);
		}
		if (!r->calls[i].name) {
			snprintf(err, OFS_ERRLEN, "tool call %zu has no function name", i);
			return -1;
		}
	}
	r->ncalls = (int)n;
	json_t *u = json_object_get(root, "usage");
	r->in_tokens = (long)json_integer_value(json_object_get(u, "prompt_tokens"));
	r->out_tokens = (long)json_integer_value(json_object_get(u, "completion_tokens"));
	return 0;
}

static int parse_anthropic(json_t *root, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	json_t *content = json_object_get(root, "content");
	if (!json_is_array(content)) {
		snprintf(err, OFS_ERRLEN, "response has no content list");
		return -1;
	}
	size_t n = json_array_size(content);
	if (n > 256) {
		snprintf(err, OFS_ERRLEN, "response has %zu content blocks (limit 256)", n);
		return -1;
	}
	struct ofs_buf text = {0}, think = {0};
	r->calls = ofs_arena_alloc(A, sizeof *r->calls * (n + 1));
	size_t i;
	json_t *blk;
	json_array_foreach(content, i, blk)
	{
		const char *type = json_string_value(json_object_get(blk, "type"));
		if (!type)
			continue;
		if (!strcmp(type, "text") && json_is_string(json_object_get(blk, "text")))
			ofs_buf_puts(&text, json_string_value(json_object_get(blk, "text")));
		else if (!strcmp(type, "thinking") && json_is_string(json_object_get(blk, "thinking")))
			ofs_buf_puts(&think, json_string_value(json_object_get(blk, "thinking")));
		else if (!strcmp(type, "tool_use")) {
			struct ofs_tool_call *c = &r->calls[r->ncalls];
			c->id = dup_str(A, json_object_get(blk, "id"));
			c->name = dup_str(A, json_object_get(blk, "name"));
			json_t *in = json_object_get(blk, "input");
			char *s = in ? json_dumps(in, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
			c->arguments = ofs_arena_strdup(A, s ? s : "{}");
			free(s);
			if (!c->name) {
				snprintf(err, OFS_ERRLEN, "tool_use block %zu has no name", i);
				ofs_buf_free(&text);
				ofs_buf_free(&think);
				return -1;
			}
			r->ncalls++;
		}
	}
	r->content = ofs_arena_strdup(A, text.p ? text.p : "");
	r->reasoning = think.p ? ofs_arena_strdup(A, think.p) : NULL;
	ofs_buf_free(&text);
	ofs_buf_free(&think);
	json_t *u = json_object_get(root, "usage");
	r->in_tokens = (long)json_integer_value(json_object_get(u, "input_tokens"));
	r->out_tokens = (long)json_integer_value(json_object_get(u, "output_tokens"));
	return 0;
}

int ofs_wire_parse_response(enum ofs_wire w, const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	memset(r, 0, sizeof *r);
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	if (!json_is_object(root)) {
		snprintf(err, OFS_ERRLEN, "response is not a JSON object (%s at byte %d)", root ? "wrong type" : je.text,
		         je.position);
		json_decref(root);
		return -1;
	}
	int rc = api_error(root, err);
	if (!rc)
		rc = w == OFS_WIRE_OPENAI ? parse_openai(root, A, r, err) : parse_anthropic(root, A, r, err);
	json_decref(root);
	return rc;
}

/* ---- server-sent events ---- */
void ofs_sse_init(struct ofs_sse *s, enum ofs_wire w, size_t max_bytes)
{
	memset(s, 0, sizeof *s);
	s->wire = w;
	s->max_bytes = max_bytes ? max_bytes : (64u << 20);
}

void ofs_sse_release(struct ofs_sse *s)
{
	ofs_buf_free(&s->line);
	ofs_buf_free(&s->data);
	ofs_buf_free(&s->event);
	ofs_buf_free(&s->content);
	ofs_buf_free(&s->reasoning);
	for (int i = 0; i < 64; i++) {
		ofs_buf_free(&s->calls[i].id);
		ofs_buf_free(&s->calls[i].name);
		ofs_buf_free(&s->calls[i].args);
	}
}

static int sse_fail(struct ofs_sse *s, const char *msg)
{
	if (!s->error)
		snprintf(s->err, sizeof s->err, "%s", msg);
	s->error = 1;
	return -1;
}

static int call_slot(struct ofs_sse *s, int idx)
{
	if (idx < 0 || idx >= 64)
		return sse_fail(s, "stream: tool call index out of range");
	if (idx >= s->ncalls)
		s->ncalls = idx + 1;
	return idx;
}

static int openai_event(struct ofs_sse *s, json_t *j)
{
	if (json_object_get(j, "error"))
		return sse_fail(s, "stream: provider sent an error event");
	json_t *u = json_object_get(j, "usage");
	if (json_is_object(u)) {
		s->in_tokens = (long)json_integer_value(json_object_get(u, "prompt_tokens"));
		s->out_tokens = (long)json_integer_value(json_object_get(u, "completion_tokens"));
	}
	json_t *ch = json_array_get(json_object_get(j, "choices"), 0);
	json_t *d = json_object_get(ch, "delta");
	if (json_is_string(json_object_get(d, "content")))
		ofs_buf_puts(&s->content, json_string_value(json_object_get(d, "content")));
	json_t *rc = json_object_get(d, "reasoning_content");
	if (!json_is_string(rc))
		rc = json_object_get(d, "reasoning");
	if (json_is_string(rc))
		ofs_buf_puts(&s->reasoning, json_string_value(rc));
	size_t i;
	json_t *tc;
	json_array_foreach(json_object_get(d, "tool_calls"), i, tc)
	{
		json_t *ix = json_object_get(tc, "index");
		int k = call_slot(s, json_is_integer(ix) ? (int)json_integer_value(ix) : (int)i);
		if (k < 0)
			return -1;
		json_t *fn = json_object_get(tc, "function");
		if (json_is_string(json_object_get(tc, "id")))
			ofs_buf_puts(&s->calls[k].id, json_string_value(json_object_get(tc, "id")));
		if (json_is_string(json_object_get(fn, "name")))
			ofs_buf_puts(&s->calls[k].name, json_string_value(json_object_get(fn, "name")));
		if (json_is_string(json_object_get(fn, "arguments")))
			ofs_buf_puts(&s->calls[k].args, json_string_value(json_object_get(fn, "arguments")));
	}
	return 0;
}

static int anthropic_event(struct ofs_sse *s, json_t *j)
{
	const char *type = json_string_value(json_object_get(j, "type"));
	if (!type)
		return 0;
	if (!strcmp(type, "error"))
		return sse_fail(s, "stream: provider sent an error event");
	if (!strcmp(type, "message_start")) {
		json_t *u = json_object_get(json_object_get(j, "message"), "usage");
		s->in_tokens = (long)json_integer_value(json_object_get(u, "input_tokens"));
		s->out_tokens = (long)json_integer_value(json_object_get(u, "output_tokens"));
	} else if (!strcmp(type, "content_block_start")) {
		json_t *ix = json_object_get(j, "index"), *blk = json_object_get(j, "content_block");
		int bi = (int)json_integer_value(ix);
		if (bi < 0 || bi >= 256)
			return sse_fail(s, "stream: content block index out of range");
		const char *bt = json_string_value(json_object_get(blk, "type"));
		if (bt && !strcmp(bt, "tool_use")) {
			int k = call_slot(s, s->ncalls);
			if (k < 0)
				return -1;
			s->block_is_tool[bi] = k + 1;
			if (json_is_string(json_object_get(blk, "id")))
				ofs_buf_puts(&s->calls[k].id, json_string_value(json_object_get(blk, "id")));
			if (json_is_string(json_object_get(blk, "name")))
				ofs_buf_puts(&s->calls[k].name, json_string_value(json_object_get(blk, "name")));
		} else if (bt && !strcmp(bt, "text") && json_is_string(json_object_get(blk, "text")))
			ofs_buf_puts(&s->content, json_string_value(json_object_get(blk, "text")));
	} else if (!strcmp(type, "content_block_delta")) {
		int bi = (int)json_integer_value(json_object_get(j, "index"));
		if (bi < 0 || bi >= 256)
			return sse_fail(s, "stream: content block index out of range");
		json_t *d = json_object_get(j, "delta");
		const char *dt = json_string_value(json_object_get(d, "type"));
		if (!dt)
			return 0;
		if (!strcmp(dt, "text_delta") && json_is_string(json_object_get(d, "text")))
			ofs_buf_puts(&s->content, json_string_value(json_object_get(d, "text")));
		else if (!strcmp(dt, "thinking_delta") && json_is_string(json_object_get(d, "thinking")))
			ofs_buf_puts(&s->reasoning, json_string_value(json_object_get(d, "thinking")));
		else if (!strcmp(dt, "input_json_delta") && json_is_string(json_object_get(d, "partial_json"))) {
			if (!s->block_is_tool[bi])
				return sse_fail(s, "stream: input_json_delta for a block that is not a tool_use");
			ofs_buf_puts(&s->calls[s->block_is_tool[bi] - 1].args,
			             json_string_value(json_object_get(d, "partial_json")));
		}
	} else if (!strcmp(type, "message_delta")) {
		json_t *u = json_object_get(j, "usage");
		if (json_is_integer(json_object_get(u, "output_tokens")))
			s->out_tokens = (long)json_integer_value(json_object_get(u, "output_tokens"));
	} else if (!strcmp(type, "message_stop"))
		s->done = 1;
	return 0;
}

static int dispatch(struct ofs_sse *s)
{
	if (!s->data.len)
		return 0;
	int rc = 0;
	if (s->wire == OFS_WIRE_OPENAI && !strcmp(s->data.p, "[DONE]"))
		s->done = 1;
	else {
		json_t *j = json_loadb(s->data.p, s->data.len, 0, NULL);
		if (!json_is_object(j))
			rc = sse_fail(s, "stream: an event's data is not a JSON object");
		else
			rc = s->wire == OFS_WIRE_OPENAI ? openai_event(s, j) : anthropic_event(s, j);
		json_decref(j);
	}
	ofs_buf_reset(&s->data);
	ofs_buf_reset(&s->event);
	return rc;
}

static int sse_line(struct ofs_sse *s, const char *l, size_t n)
{
	if (n && l[n - 1] == '\r')
		n--;
	if (!n)
		return dispatch(s);
	if (l[0] == ':')
		return 0; /* comment / keep-alive */
	const char *colon = memchr(l, ':', n);
	size_t fl = colon ? (size_t)(colon - l) : n;
	const char *v = colon ? colon + 1 : l + n;
	size_t vl = colon ? n - fl - 1 : 0;
	if (vl && *v == ' ')
		v++, vl--;
	if (fl == 4 && !memcmp(l, "data", 4)) {
		if (s->data.len)
			ofs_buf_putc(&s->data, '\n');
		ofs_buf_add(&s->data, v, vl);
	} else if (fl == 5 && !memcmp(l, "event", 5)) {
		ofs_buf_reset(&s->event);
		ofs_buf_add(&s->event, v, vl);
	}
	return 0;
}

int ofs_sse_feed(struct ofs_sse *s, const char *p, size_t n)
{
	if (s->error)
		return -1;
	s->seen += n;
	if (s->seen > s->max_bytes)
		return sse_fail(s, "stream: response larger than the limit");
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			ofs_buf_putc(&s->line, p[i]);
			continue;
		}
		int rc = sse_line(s, s->line.p ? s->line.p : "", s->line.len);
		ofs_buf_reset(&s->line);
		if (rc)
			return -1;
	}
	return 0;
}

int ofs_sse_finish(struct ofs_sse *s, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	memset(r, 0, sizeof *r);
	if (!s->error && s->line.len) {
		sse_line(s, s->line.p, s->line.len);
		ofs_buf_reset(&s->line);
	}
	if (!s->error)
		dispatch(s);
	if (s->error) {
		snprintf(err, OFS_ERRLEN, "%s", s->err);
		return -1;
	}
	if (!s->done) {
		snprintf(err, OFS_ERRLEN, "stream: truncated (ended without its final event)");
		return -1;
	}
	r->content = ofs_arena_strdup(A, s->content.p ? s->content.p : "");
	r->reasoning = s->reasoning.len ? ofs_arena_strdup(A, s->reasoning.p) : NULL;
	r->calls = ofs_arena_alloc(A, sizeof *r->calls * (size_t)(s->ncalls + 1));
	for (int i = 0; i < s->ncalls; i++) {
		if (!s->calls[i].name.len) {
			snprintf(err, OFS_ERRLEN, "stream: tool call %d has no name", i);
			return -1;
		}
		r->calls[i].id = ofs_arena_strdup(A, s->calls[i].id.p ? s->calls[i].id.p : "");
		r->calls[i].name = ofs_arena_strdup(A, s->calls[i].name.p);
		r->calls[i].arguments = ofs_arena_strdup(A, s->calls[i].args.len ? s->calls[i].args.p : "{}");
	}
	r->ncalls = s->ncalls;
	r->in_tokens = s->in_tokens;
	r->out_tokens = s->out_tokens;
	return 0;
}
