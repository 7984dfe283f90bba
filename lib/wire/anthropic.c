/* anthropic.c — the Anthropic Messages wire format, both halves: client
 * (request bodies with alternating turns, whole responses, SSE events) and
 * server (request bodies parsed, responses, event streams and error bodies
 * written, plus the count_tokens route). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire_int.h"

/* ---- client: requests ---- */
/* Tool arguments as a JSON object for tool_use.input; text that is not an
 * object (a malformed call from a script) is wrapped so it survives. */
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

static void assistant_turn(struct ofs_buf *b, const struct ofs_msg *m, int first)
{
	ofs_buf_puts(b, first ? "{\"role\":\"assistant\",\"content\":[" : ",{\"role\":\"assistant\",\"content\":[");
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
}

static void user_block(struct ofs_buf *b, const struct ofs_msg *m)
{
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

/* The API wants alternating user/assistant turns: tool results and the user
 * messages after them are merged into one user turn of blocks. */
static void put_messages(struct ofs_buf *b, const struct ofs_chat *chat)
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
			assistant_turn(b, m, first);
			first = 0;
			continue;
		}
		if (!open_user) {
			ofs_buf_puts(b, first ? "{\"role\":\"user\",\"content\":[" : ",{\"role\":\"user\",\"content\":[");
			first = 0;
			open_user = 1;
		} else
			ofs_buf_putc(b, ',');
		user_block(b, m);
	}
	if (open_user)
		ofs_buf_puts(b, "]}");
	ofs_buf_putc(b, ']');
}

static int put_tools(struct ofs_buf *b, const char *tools_json, char *err)
{
	json_error_t je;
	json_t *t = json_loads(tools_json ? tools_json : "[]", 0, &je);
	if (!json_is_array(t)) {
		json_decref(t);
		return ofs_fail(err, OFS_EDATA, "tool schema is not a JSON array: %s", je.text);
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
			json_decref(t);
			return ofs_fail(err, OFS_EDATA, "tool %zu lacks name, description or parameters", i);
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

static int build_request(struct ofs_buf *b, const struct ofs_chat *chat, const char *tools_json, const struct ofs_wire_opts *o,
                         char *err)
{
	ofs_buf_puts(b, "{\"model\":");
	ofs_json_str(b, o->model);
	ofs_buf_putc(b, ',');
	for (int i = 0; i < chat->n; i++)
		if (chat->msgs[i].role == OFS_ROLE_SYSTEM) {
			ofs_buf_puts(b, "\"system\":");
			ofs_json_str(b, chat->msgs[i].content);
			ofs_buf_putc(b, ',');
			break;
		}
	put_messages(b, chat);
	ofs_buf_putc(b, ',');
	if (put_tools(b, tools_json, err))
		return OFS_EDATA;
	ofs_buf_printf(b, ",\"max_tokens\":%ld", o->max_tokens > 0 ? o->max_tokens : 8192);
	if (o->stream)
		ofs_buf_puts(b, ",\"stream\":true");
	if (o->temperature >= 0)
		ofs_buf_printf(b, ",\"temperature\":%g", o->temperature);
	ofs_buf_putc(b, '}');
	return 0;
}

/* ---- client: whole responses ---- */
static int tool_use(json_t *blk, size_t i, struct ofs_arena *A, struct ofs_tool_call *c, char *err)
{
	c->id = ofs__wire_dup(A, json_object_get(blk, "id"));
	c->name = ofs__wire_dup(A, json_object_get(blk, "name"));
	json_t *in = json_object_get(blk, "input");
	char *s = in ? json_dumps(in, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
	c->arguments = ofs_arena_strdup(A, s ? s : "{}");
	free(s);
	if (!c->name)
		return ofs_fail(err, OFS_EDATA, "tool_use block %zu has no name", i);
	return 0;
}

static int parse_content(json_t *root, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	json_t *content = json_object_get(root, "content");
	if (!json_is_array(content))
		return ofs_fail(err, OFS_EDATA, "response has no content list");
	size_t n = json_array_size(content);
	if (n > OFS_WIRE_MAX_CALLS)
		return ofs_fail(err, OFS_EDATA, "response has %zu content blocks (limit %d)", n, OFS_WIRE_MAX_CALLS);
	struct ofs_buf text = {0}, think = {0};
	r->calls = ofs_arena_alloc(A, sizeof *r->calls * (n + 1));
	size_t i;
	json_t *blk;
	int rc = 0;
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
			if ((rc = tool_use(blk, i, A, &r->calls[r->ncalls], err)))
				break;
			r->ncalls++;
		}
	}
	if (!rc) {
		r->content = ofs_arena_strdup(A, text.p ? text.p : "");
		r->reasoning = think.p ? ofs_arena_strdup(A, think.p) : NULL;
		json_t *u = json_object_get(root, "usage");
		r->in_tokens = (long)json_integer_value(json_object_get(u, "input_tokens"));
		r->out_tokens = (long)json_integer_value(json_object_get(u, "output_tokens"));
	}
	ofs_buf_free(&text);
	ofs_buf_free(&think);
	return rc;
}

static int parse_response(const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	return ofs__wire_parse_response(body, len, A, r, err, parse_content);
}

/* ---- client: streamed events ---- */
static int block_index(struct ofs_sse *s, json_t *j)
{
	int bi = (int)json_integer_value(json_object_get(j, "index"));
	if (bi < 0 || bi >= OFS_SSE_MAX_BLOCKS)
		return ofs__sse_fail(s, "stream: content block index out of range");
	return bi;
}

static int block_start(struct ofs_sse *s, json_t *j)
{
	json_t *blk = json_object_get(j, "content_block");
	int bi = block_index(s, j);
	if (bi < 0)
		return OFS_EDATA;
	const char *bt = json_string_value(json_object_get(blk, "type"));
	if (bt && !strcmp(bt, "tool_use")) {
		int k = ofs__sse_call_slot(s, s->ncalls);
		if (k < 0)
			return OFS_EDATA;
		s->block_is_tool[bi] = k + 1;
		ofs__wire_put_str(&s->calls[k].id, json_object_get(blk, "id"));
		ofs__wire_put_str(&s->calls[k].name, json_object_get(blk, "name"));
	} else if (bt && !strcmp(bt, "text"))
		ofs__wire_put_str(&s->content, json_object_get(blk, "text"));
	return 0;
}

static int block_delta(struct ofs_sse *s, json_t *j)
{
	int bi = block_index(s, j);
	if (bi < 0)
		return OFS_EDATA;
	json_t *d = json_object_get(j, "delta");
	const char *dt = json_string_value(json_object_get(d, "type"));
	if (!dt)
		return 0;
	if (!strcmp(dt, "text_delta"))
		ofs__wire_put_str(&s->content, json_object_get(d, "text"));
	else if (!strcmp(dt, "thinking_delta"))
		ofs__wire_put_str(&s->reasoning, json_object_get(d, "thinking"));
	else if (!strcmp(dt, "input_json_delta") && json_is_string(json_object_get(d, "partial_json"))) {
		if (!s->block_is_tool[bi])
			return ofs__sse_fail(s, "stream: input_json_delta for a block that is not a tool_use");
		ofs__wire_put_str(&s->calls[s->block_is_tool[bi] - 1].args, json_object_get(d, "partial_json"));
	}
	return 0;
}

static int event(struct ofs_sse *s, json_t *j)
{
	const char *type = json_string_value(json_object_get(j, "type"));
	if (!type)
		return 0;
	if (!strcmp(type, "error"))
		return ofs__sse_fail(s, "stream: provider sent an error event");
	if (!strcmp(type, "message_start")) {
		json_t *u = json_object_get(json_object_get(j, "message"), "usage");
		s->in_tokens = (long)json_integer_value(json_object_get(u, "input_tokens"));
		s->out_tokens = (long)json_integer_value(json_object_get(u, "output_tokens"));
	} else if (!strcmp(type, "content_block_start"))
		return block_start(s, j);
	else if (!strcmp(type, "content_block_delta"))
		return block_delta(s, j);
	else if (!strcmp(type, "message_delta")) {
		json_t *u = json_object_get(j, "usage");
		if (json_is_integer(json_object_get(u, "output_tokens")))
			s->out_tokens = (long)json_integer_value(json_object_get(u, "output_tokens"));
	} else if (!strcmp(type, "message_stop"))
		s->done = 1;
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
static int user_blocks(struct ofs_wparser *p, const struct ofs_jv *content, const char *where)
{
	for (size_t j = 0; j < content->n; j++) {
		const struct ofs_jv *blk = &content->u.kids[j];
		const char *type = ofs_jstr(ofs_jget(blk, "type"));
		if (blk->kind != OFS_J_OBJ || !type)
			return ofs__wp_fail(p, "%s: content[%zu] needs a type", where, j);
		if (!strcmp(type, "text")) {
			struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_USER);
			if (!m)
				return OFS_EDATA;
			const struct ofs_jv *t = ofs_jget(blk, "text");
			if (!ofs_jis(t, OFS_J_STR))
				return ofs__wp_fail(p, "%s: content[%zu]: a text block needs text", where, j);
			m->content = ofs__wpj_str(p, t);
		} else if (!strcmp(type, "tool_result")) {
			struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_TOOL);
			if (!m)
				return OFS_EDATA;
			const struct ofs_jv *id = ofs_jget(blk, "tool_use_id");
			if (!ofs_jis(id, OFS_J_STR))
				return ofs__wp_fail(p, "%s: content[%zu]: a tool_result needs tool_use_id", where, j);
			m->tool_call_id = ofs__wpj_str(p, id);
			if (ofs__wpj_content(p, ofs_jget(blk, "content"), where, &m->content))
				return OFS_EDATA;
			m->is_error = ofs_jis(ofs_jget(blk, "is_error"), OFS_J_TRUE);
		}
		/* images, documents, search results: not text the agents read */
	}
	return 0;
}

static int assistant_block(struct ofs_wparser *p, struct ofs_msg *m, const struct ofs_jv *blk, size_t j, const char *where,
                           struct ofs_buf *text, struct ofs_buf *think)
{
	const char *type = ofs_jstr(ofs_jget(blk, "type"));
	if (blk->kind != OFS_J_OBJ || !type)
		return ofs__wp_fail(p, "%s: content[%zu] needs a type", where, j);
	const struct ofs_jv *t = ofs_jget(blk, "text"), *th = ofs_jget(blk, "thinking");
	if (!strcmp(type, "text") && ofs_jis(t, OFS_J_STR))
		ofs_buf_add(text, t->u.s, t->n);
	else if (!strcmp(type, "thinking") && ofs_jis(th, OFS_J_STR))
		ofs_buf_add(think, th->u.s, th->n);
	else if (!strcmp(type, "tool_use")) {
		const struct ofs_jv *id = ofs_jget(blk, "id");
		if (!ofs_jis(id, OFS_J_STR))
			return ofs__wp_fail(p, "%s: content[%zu]: a tool_use needs an id", where, j);
		return ofs__wpj_add_call(p, m, ofs__wpj_str(p, id), ofs_jget(blk, "name"), ofs_jget(blk, "input"), where);
	}
	return 0;
}

static int assistant_blocks(struct ofs_wparser *p, struct ofs_msg *m, const struct ofs_jv *content, const char *where)
{
	struct ofs_buf text = {0}, think = {0};
	int rc = 0;
	if (content->n > OFS_WIRE_MAX_CALLS * 4)
		return ofs__wp_fail(p, "%s: more than %d content blocks", where, OFS_WIRE_MAX_CALLS * 4);
	m->calls = ofs_arena_alloc(p->A, sizeof *m->calls * (content->n + 1));
	for (size_t j = 0; j < content->n && !rc; j++)
		rc = assistant_block(p, m, &content->u.kids[j], j, where, &text, &think);
	p->bytes += text.len + think.len;
	m->content = ofs_arena_strndup(p->A, text.p ? text.p : "", text.len);
	if (think.len)
		m->reasoning = ofs_arena_strndup(p->A, think.p, think.len);
	ofs_buf_free(&text);
	ofs_buf_free(&think);
	return rc;
}

static int parse_choice(struct ofs_wparser *p, const struct ofs_jv *tc)
{
	struct ofs_wire_req *rq = p->rq;
	if (ofs_jnone(tc))
		return 0;
	const char *type = ofs_jstr(ofs_jget(tc, "type"));
	if (!type)
		return ofs__wp_fail(p, "tool_choice needs a type");
	if (!strcmp(type, "none"))
		rq->choice = OFS_CHOICE_NONE;
	else if (!strcmp(type, "any"))
		rq->choice = OFS_CHOICE_REQUIRED;
	else if (!strcmp(type, "tool")) {
		const struct ofs_jv *name = ofs_jget(tc, "name");
		if (!ofs_jis(name, OFS_J_STR) || !name->n)
			return ofs__wp_fail(p, "tool_choice of type tool needs a name");
		rq->choice = OFS_CHOICE_TOOL;
		rq->choice_name = ofs__wpj_str(p, name);
	} else if (strcmp(type, "auto"))
		return ofs__wp_fail(p, "tool_choice: unknown type '%.40s'", type);
	return 0;
}

/* Claude Code sends role "system" entries inside messages: their text joins
 * the system prompt (the conversation's first message, made if missing). */
static int fold_system(struct ofs_wparser *p, const struct ofs_jv *content, const char *where)
{
	const char *text;
	if (ofs__wpj_content(p, content, where, &text))
		return OFS_EDATA;
	struct ofs_chat *c = &p->rq->chat;
	if (c->n && c->msgs[0].role == OFS_ROLE_SYSTEM) {
		struct ofs_msg *s = &c->msgs[0];
		size_t a = strlen(s->content), b = strlen(text);
		char *j = ofs_arena_alloc(p->A, a + b + 3);
		memcpy(j, s->content, a);
		memcpy(j + a, a && b ? "\n\n" : "", a && b ? 2 : 0);
		memcpy(j + a + (a && b ? 2 : 0), text, b + 1);
		s->content = j;
		return 0;
	}
	struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_SYSTEM);
	if (!m)
		return OFS_EDATA;
	struct ofs_msg sys = *m;
	sys.content = text;
	memmove(&c->msgs[1], &c->msgs[0], sizeof *c->msgs * (size_t)(c->n - 1));
	c->msgs[0] = sys;
	return 0;
}

static int parse_message_in(struct ofs_wparser *p, const struct ofs_jv *o, size_t i)
{
	char where[64];
	snprintf(where, sizeof where, "messages[%zu]", i);
	const char *role = ofs_jstr(ofs_jget(o, "role"));
	const struct ofs_jv *content = ofs_jget(o, "content");
	if (o->kind != OFS_J_OBJ || !role)
		return ofs__wp_fail(p, "%s needs a role", where);
	if (!ofs_jis(content, OFS_J_STR) && !ofs_jis(content, OFS_J_ARR))
		return ofs__wp_fail(p, "%s: content must be a string or a list of blocks", where);
	if (!strcmp(role, "system"))
		return fold_system(p, content, where);
	int user = !strcmp(role, "user");
	if (!user && strcmp(role, "assistant"))
		return ofs__wp_fail(p, "%s: role must be user, assistant or system, not '%.40s'", where, role);
	if (user && content->kind != OFS_J_STR)
		return user_blocks(p, content, where);
	struct ofs_msg *m = ofs__wp_push(p, user ? OFS_ROLE_USER : OFS_ROLE_ASSISTANT);
	if (!m)
		return OFS_EDATA;
	if (content->kind == OFS_J_STR) {
		m->content = ofs__wpj_str(p, content);
		return 0;
	}
	return assistant_blocks(p, m, content, where);
}

/* The "tools" list (non-empty) into rq->tools. */
static int tool_list(struct ofs_wparser *p, const struct ofs_jv *tools)
{
	for (size_t i = 0; i < tools->n; i++) {
		const struct ofs_jv *o = &tools->u.kids[i];
		const char *type = ofs_jstr(ofs_jget(o, "type"));
		const struct ofs_jv *schema = ofs_jget(o, "input_schema");
		if (o->kind != OFS_J_OBJ)
			return ofs__wp_fail(p, "tools[%zu] must be an object", i);
		if (type && strcmp(type, "custom") && !schema)
			continue; /* server tools (web search, ...): the API runs those itself */
		if (ofs__wpj_add_tool(p, ofs_jget(o, "name"), schema, "tools"))
			return OFS_EDATA;
	}
	return 0;
}

static int parse_tools(struct ofs_wparser *p, const struct ofs_jv *root)
{
	const struct ofs_jv *tools = ofs_jget(root, "tools");
	return ofs__wpj_tools_room(p, tools, ofs_jlen(tools)) ? OFS_EDATA : ofs__wpj_tools(p, tools, tool_list);
}

static int parse_body(struct ofs_wparser *p, const struct ofs_jv *root)
{
	const struct ofs_jv *sys = ofs_jget(root, "system");
	if (!ofs_jnone(sys)) {
		struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_SYSTEM);
		if (!m || ofs__wpj_content(p, sys, "system", &m->content))
			return OFS_EDATA;
	}
	const struct ofs_jv *msgs = ofs_jget(root, "messages");
	if (!ofs_jis(msgs, OFS_J_ARR))
		return ofs__wp_fail(p, "messages must be a list");
	for (size_t i = 0; i < msgs->n; i++)
		if (parse_message_in(p, &msgs->u.kids[i], i))
			return OFS_EDATA;
	if (parse_tools(p, root))
		return OFS_EDATA;
	const struct ofs_jv *mt = ofs_jget(root, "max_tokens");
	p->rq->max_tokens = ofs_jis(mt, OFS_J_INT) && mt->u.i > 0 ? (long)mt->u.i : 0;
	return parse_choice(p, ofs_jget(root, "tool_choice"));
}

static int parse_request(const char *body, size_t len, struct ofs_arena *A, struct ofs_wire_req *rq, char *err);
static int parse_request_cached(struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                                struct ofs_wire_req *rq, char *err);

/* ---- server: writing responses ---- */
/* Tool input: the object, or (arguments that are not an object: a script's
 * malformed call, the bad_args fault) the text as a string. */
static void put_input(struct ofs_buf *b, const char *args)
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

static void write_response(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_response *r,
                           const struct ofs_wire_reply *o)
{
	const char *content = r->content ? r->content : "";
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
		put_input(b, ofs__wire_args(&r->calls[i]));
		ofs_buf_putc(b, '}');
	}
	ofs_buf_printf(b,
	               "],\"stop_reason\":\"%s\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":%ld,"
	               "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":%ld}}",
	               r->ncalls ? "tool_use" : "end_turn", o->in_tokens, o->out_tokens);
}

struct an_ctx {
	int index;
	const char *delta_type, *field;
};

static void put_event(struct ofs_buf *b, const char *type)
{
	ofs_buf_printf(b, "event: %s\ndata: {\"type\":\"%s\"", type, type);
}

static void frag(struct ofs_buf *b, const char *s, size_t n, void *ud)
{
	struct an_ctx *x = ud;
	put_event(b, "content_block_delta");
	ofs_buf_printf(b, ",\"index\":%d,\"delta\":{\"type\":\"%s\",\"%s\":", x->index, x->delta_type, x->field);
	ofs_json_strn(b, s, n);
	ofs_buf_puts(b, "}}\n\n");
}

static void block_stop(struct ofs_buf *b, int index)
{
	put_event(b, "content_block_stop");
	ofs_buf_printf(b, ",\"index\":%d}\n\n", index);
}

static void stream_start(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_wire_reply *o)
{
	put_event(b, "message_start");
	ofs_buf_puts(b, ",\"message\":{\"id\":");
	ofs_json_str(b, o->id);
	ofs_buf_puts(b, ",\"type\":\"message\",\"role\":\"assistant\",\"model\":");
	ofs_json_str(b, rq->model);
	ofs_buf_printf(b,
	               ",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":%ld,"
	               "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n",
	               o->in_tokens);
	put_event(b, "ping");
	ofs_buf_puts(b, "}\n\n");
}

static void stream_text(struct ofs_buf *b, const struct ofs_response *r, struct an_ctx *x)
{
	if (r->reasoning && *r->reasoning) {
		put_event(b, "content_block_start");
		ofs_buf_printf(
		        b, ",\"index\":%d,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n",
		        x->index);
		x->delta_type = "thinking_delta", x->field = "thinking";
		ofs__wire_fragments(r->reasoning, 2, frag, b, x);
		x->delta_type = "signature_delta", x->field = "signature";
		frag(b, "mock", 4, x);
		block_stop(b, x->index++);
	}
	if (r->content && *r->content) {
		put_event(b, "content_block_start");
		ofs_buf_printf(b, ",\"index\":%d,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n", x->index);
		x->delta_type = "text_delta", x->field = "text";
		ofs__wire_fragments(r->content, 3, frag, b, x);
		block_stop(b, x->index++);
	}
}

static void write_stream(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_response *r,
                         const struct ofs_wire_reply *o)
{
	stream_start(b, rq, o);
	struct an_ctx x = {0, NULL, NULL};
	stream_text(b, r, &x);
	for (int i = 0; i < r->ncalls; i++) {
		put_event(b, "content_block_start");
		ofs_buf_printf(b, ",\"index\":%d,\"content_block\":{\"type\":\"tool_use\",\"id\":", x.index);
		ofs_json_str(b, r->calls[i].id ? r->calls[i].id : "");
		ofs_buf_puts(b, ",\"name\":");
		ofs_json_str(b, r->calls[i].name ? r->calls[i].name : "");
		ofs_buf_puts(b, ",\"input\":{}}}\n\n");
		x.delta_type = "input_json_delta", x.field = "partial_json";
		frag(b, "", 0, &x);
		ofs__wire_fragments(ofs__wire_args(&r->calls[i]), 3, frag, b, &x);
		block_stop(b, x.index++);
	}
	put_event(b, "message_delta");
	ofs_buf_printf(b, ",\"delta\":{\"stop_reason\":\"%s\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":%ld}}\n\n",
	               r->ncalls ? "tool_use" : "end_turn", o->out_tokens);
	put_event(b, "message_stop");
	ofs_buf_puts(b, "}\n\n");
}

static void write_error(struct ofs_buf *b, int status, const char *message)
{
	const char *type;
	switch (status) {
	case 401: type = "authentication_error"; break;
	case 403: type = "permission_error"; break;
	case 404: type = "not_found_error"; break;
	case 413: type = "request_too_large"; break;
	case 429: type = "rate_limit_error"; break;
	case 503:
	case 529: type = "overloaded_error"; break;
	default: type = status >= 500 ? "api_error" : "invalid_request_error";
	}
	ofs_buf_printf(b, "{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":", type);
	ofs_json_str(b, message);
	ofs_buf_puts(b, "}}");
}

static const char *const extra_headers[] = {"anthropic-version: 2023-06-01", NULL};

const struct ofs_wire_ops ofs_wire_anthropic = {
        .name = "anthropic-messages",
        .client_path = "/v1/messages",
        .auth_header = "x-api-key",
        .auth_scheme = "",
        .extra_headers = extra_headers,
        .build_request = build_request,
        .parse_response = parse_response,
        .sse_event = sse_event,
        .path = "/messages",
        .count_path = "/messages/count_tokens",
        .url_hint = "/messages",
        .sniff_header = "anthropic-version",
        .id_prefix = "msg_mock_",
        .call_id_prefix = "toolu",
        .overload_status = 529,
        .parse_request = parse_request,
        .parse_request_cached = parse_request_cached,
        .write_response = write_response,
        .write_stream = write_stream,
        .write_error = write_error,
};

static int parse_request_cached(struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                                struct ofs_wire_req *rq, char *err)
{
	return ofs__wpj_run(&ofs_wire_anthropic, cache, body, len, A, rq, err, parse_body);
}

static int parse_request(const char *body, size_t len, struct ofs_arena *A, struct ofs_wire_req *rq, char *err)
{
	return parse_request_cached(NULL, body, len, A, rq, err);
}
