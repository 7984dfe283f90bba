/* gemini.c — the Gemini API wire format (generateContent and
 * streamGenerateContent?alt=sse), both halves: client (request bodies of
 * contents and parts, whole responses, SSE chunks) and server (request bodies
 * parsed, responses, chunk streams and error bodies written, plus
 * countTokens). The model and the streaming choice are in the URL
 * (/v1beta/models/{model}:generateContent), not in the body. Tool calls are
 * functionCall parts (whole, never fragmented) and their results
 * functionResponse parts; both carry the call's id when there is one, else
 * they are matched by name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire_int.h"

/* Either spelling of a field: the REST API takes camelCase and snake_case. */
/* ---- client: requests ---- */
/* Tool arguments as a JSON object (text that is not one is wrapped). */
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

static void model_turn(struct ofs_buf *b, const struct ofs_msg *m)
{
	ofs_buf_puts(b, "{\"role\":\"model\",\"parts\":[");
	int np = 0;
	if (m->content && *m->content) {
		ofs_buf_puts(b, "{\"text\":");
		ofs_json_str(b, m->content);
		ofs_buf_putc(b, '}');
		np++;
	}
	for (int j = 0; j < m->ncalls; j++) {
		ofs_buf_puts(b, np++ ? ",{\"functionCall\":{" : "{\"functionCall\":{");
		if (m->calls[j].id && *m->calls[j].id) {
			ofs_buf_puts(b, "\"id\":");
			ofs_json_str(b, m->calls[j].id);
			ofs_buf_putc(b, ',');
		}
		ofs_buf_puts(b, "\"name\":");
		ofs_json_str(b, m->calls[j].name);
		ofs_buf_puts(b, ",\"args\":");
		args_object(b, m->calls[j].arguments);
		ofs_buf_puts(b, "}}");
	}
	if (!np)
		ofs_buf_puts(b, "{\"text\":\"(no output)\"}");
	ofs_buf_puts(b, "]}");
}

static void user_part(struct ofs_buf *b, const struct ofs_msg *m)
{
	if (m->role != OFS_ROLE_TOOL) {
		ofs_buf_puts(b, "{\"text\":");
		ofs_json_str(b, m->content && *m->content ? m->content : "(empty)");
		ofs_buf_putc(b, '}');
		return;
	}
	ofs_buf_puts(b, "{\"functionResponse\":{");
	if (m->tool_call_id && *m->tool_call_id) {
		ofs_buf_puts(b, "\"id\":");
		ofs_json_str(b, m->tool_call_id);
		ofs_buf_putc(b, ',');
	}
	ofs_buf_puts(b, "\"name\":");
	ofs_json_str(b, m->tool_name ? m->tool_name : "");
	ofs_buf_printf(b, ",\"response\":{\"%s\":", m->is_error ? "error" : "output");
	ofs_json_str(b, m->content ? m->content : "");
	ofs_buf_puts(b, "}}}");
}

/* Tool results and the user messages after them share one user content. */
static void put_contents(struct ofs_buf *b, const struct ofs_chat *chat)
{
	ofs_buf_puts(b, "\"contents\":[");
	int first = 1, open_user = 0;
	for (int i = 0; i < chat->n; i++) {
		const struct ofs_msg *m = &chat->msgs[i];
		if (m->role == OFS_ROLE_SYSTEM)
			continue;
		if (m->role == OFS_ROLE_ASSISTANT) {
			ofs_buf_puts(b, open_user ? "]}," : first ? "" : ",");
			open_user = 0;
			first = 0;
			model_turn(b, m);
			continue;
		}
		if (!open_user) {
			ofs_buf_puts(b, first ? "{\"role\":\"user\",\"parts\":[" : ",{\"role\":\"user\",\"parts\":[");
			first = 0;
			open_user = 1;
		} else
			ofs_buf_putc(b, ',');
		user_part(b, m);
	}
	ofs_buf_puts(b, open_user ? "]}]" : "]");
}

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
		ofs_buf_puts(b, ",\"tools\":[{\"functionDeclarations\":[");
	json_array_foreach(t, i, x)
	{
		json_t *fn = json_object_get(x, "function");
		json_t *out =
		        json_pack("{s:O,s:O*,s:O}", "name", json_object_get(fn, "name"), "description",
		                  json_object_get(fn, "description"), "parametersJsonSchema", json_object_get(fn, "parameters"));
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
		ofs_buf_puts(b, "]}]");
	json_decref(t);
	return 0;
}

static int build_request(struct ofs_buf *b, const struct ofs_chat *chat, const char *tools_json, const struct ofs_wire_opts *o,
                         char *err)
{
	ofs_buf_putc(b, '{');
	for (int i = 0; i < chat->n; i++)
		if (chat->msgs[i].role == OFS_ROLE_SYSTEM) {
			ofs_buf_puts(b, "\"systemInstruction\":{\"parts\":[{\"text\":");
			ofs_json_str(b, chat->msgs[i].content);
			ofs_buf_puts(b, "}]},");
			break;
		}
	put_contents(b, chat);
	if (put_tools(b, tools_json, err))
		return OFS_EDATA;
	ofs_buf_puts(b, ",\"generationConfig\":{");
	int n = 0;
	if (o->max_tokens > 0)
		n++, ofs_buf_printf(b, "\"maxOutputTokens\":%ld", o->max_tokens);
	if (o->temperature >= 0)
		ofs_buf_printf(b, "%s\"temperature\":%g", n++ ? "," : "", o->temperature);
	ofs_buf_puts(b, "}}");
	return 0;
}

/* ---- client: whole responses and chunks ---- */
/* The parts of candidate 0 into text, thought text and calls (ids made up
 * as "call_<n>" when the API gives none). */
struct acc {
	struct ofs_buf *text, *think;
	int (*call)(void *ud, json_t *fc);
	void *ud;
};

static int take_parts(json_t *root, const struct acc *a, int *finished)
{
	json_t *cand = json_array_get(json_object_get(root, "candidates"), 0);
	if (finished)
		*finished = json_is_string(json_object_get(cand, "finishReason"));
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(json_object_get(cand, "content"), "parts"), i, p)
	{
		json_t *fc = json_object_get(p, "functionCall");
		if (json_is_object(fc)) {
			if (a->call(a->ud, fc))
				return OFS_EDATA;
		} else if (json_is_true(json_object_get(p, "thought")))
			ofs__wire_put_str(a->think, json_object_get(p, "text"));
		else
			ofs__wire_put_str(a->text, json_object_get(p, "text"));
	}
	return 0;
}

struct whole {
	struct ofs_arena *A;
	struct ofs_response *r;
	int cap;
	char *err;
};

static int whole_call(void *ud, json_t *fc)
{
	struct whole *w = ud;
	if (w->r->ncalls == w->cap)
		return ofs_fail(w->err, OFS_EDATA, "response has more than %d function calls", OFS_WIRE_MAX_CALLS);
	struct ofs_tool_call *c = &w->r->calls[w->r->ncalls];
	c->name = ofs__wire_dup(w->A, json_object_get(fc, "name"));
	if (!c->name)
		return ofs_fail(w->err, OFS_EDATA, "functionCall %d has no name", w->r->ncalls);
	c->id = ofs__wire_dup(w->A, json_object_get(fc, "id"));
	if (!c->id) {
		char id[32];
		snprintf(id, sizeof id, "call_%d", w->r->ncalls);
		c->id = ofs_arena_strdup(w->A, id);
	}
	json_t *args = json_object_get(fc, "args");
	char *s = args ? json_dumps(args, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
	c->arguments = ofs_arena_strdup(w->A, s ? s : "{}");
	free(s);
	w->r->ncalls++;
	return 0;
}

static void usage(json_t *root, long *in, long *out)
{
	json_t *u = json_object_get(root, "usageMetadata");
	if (!json_is_object(u))
		return;
	*in = (long)json_integer_value(json_object_get(u, "promptTokenCount"));
	*out = (long)json_integer_value(json_object_get(u, "candidatesTokenCount")) +
	       (long)json_integer_value(json_object_get(u, "thoughtsTokenCount"));
}

static int parse_candidates(json_t *root, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	if (!json_is_array(json_object_get(root, "candidates")))
		return ofs_fail(err, OFS_EDATA, "response has no candidates list");
	struct ofs_buf text = {0}, think = {0};
	r->calls = ofs_arena_alloc(A, sizeof *r->calls * (OFS_WIRE_MAX_CALLS + 1));
	struct whole w = {A, r, OFS_WIRE_MAX_CALLS, err};
	struct acc a = {&text, &think, whole_call, &w};
	int rc = take_parts(root, &a, NULL);
	r->content = ofs_arena_strdup(A, text.p ? text.p : "");
	r->reasoning = think.len ? ofs_arena_strdup(A, think.p) : NULL;
	usage(root, &r->in_tokens, &r->out_tokens);
	ofs_buf_free(&text);
	ofs_buf_free(&think);
	return rc;
}

static int parse_response(const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r, char *err)
{
	return ofs__wire_parse_response(body, len, A, r, err, parse_candidates);
}

static int stream_call(void *ud, json_t *fc)
{
	struct ofs_sse *s = ud;
	int k = ofs__sse_call_slot(s, s->ncalls);
	if (k < 0)
		return OFS_EDATA;
	json_t *id = json_object_get(fc, "id");
	if (json_is_string(id))
		ofs__wire_put_str(&s->calls[k].id, id);
	else
		ofs_buf_printf(&s->calls[k].id, "call_%d", k);
	ofs__wire_put_str(&s->calls[k].name, json_object_get(fc, "name"));
	json_t *args = json_object_get(fc, "args");
	char *a = args ? json_dumps(args, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
	ofs_buf_puts(&s->calls[k].args, a ? a : "{}");
	free(a);
	return 0;
}

static int sse_event(struct ofs_sse *s, const char *data, size_t len)
{
	json_t *j = ofs__sse_json(s, data, len);
	if (!j)
		return OFS_EDATA;
	int rc = 0, finished = 0;
	if (json_object_get(j, "error"))
		rc = ofs__sse_fail(s, "stream: provider sent an error event");
	else {
		struct acc a = {&s->content, &s->reasoning, stream_call, s};
		rc = take_parts(j, &a, &finished);
		usage(j, &s->in_tokens, &s->out_tokens);
		if (finished)
			s->done = 1;
	}
	json_decref(j);
	return rc;
}

/* ---- server: routes ---- */
/* /v1beta/models/{model}:verb (the REST API, Gemini CLI) or /v1/models/...
 * (@google/genai 3.x defaults to v1). Model names may hold a slash (the
 * mock's scripted/NAME agents). */
static int match_route(const char *url, struct ofs_arena *A, const char **model, int *stream)
{
	static const char *const pre[] = {"/v1beta/models/", "/v1/models/"};
	static const struct {
		const char *verb;
		int kind, stream;
	} verbs[] = {{":generateContent", 1, 0}, {":streamGenerateContent", 1, 1}, {":countTokens", 2, 0}};
	const char *m = NULL;
	for (size_t i = 0; i < sizeof pre / sizeof *pre && !m; i++)
		if (!strncmp(url, pre[i], strlen(pre[i])))
			m = url + strlen(pre[i]);
	const char *colon = m ? strrchr(m, ':') : NULL;
	if (!colon || colon == m || (size_t)(colon - m) > OFS_WIRE_MAX_MODEL)
		return 0;
	for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
		if (!strcmp(colon, verbs[i].verb)) {
			*model = ofs_arena_strndup(A, m, (size_t)(colon - m));
			*stream = verbs[i].stream;
			return verbs[i].kind;
		}
	return 0;
}

/* ---- server: parsing requests ---- */
/* The id of the latest call named name before the current message ("" if none). */
static const char *call_id_by_name(struct ofs_wparser *p, const char *name)
{
	const struct ofs_chat *c = &p->rq->chat;
	for (int i = c->n - 1; i >= 0; i--)
		for (int j = c->msgs[i].ncalls - 1; j >= 0; j--)
			if (c->msgs[i].role == OFS_ROLE_ASSISTANT && !strcmp(c->msgs[i].calls[j].name, name))
				return c->msgs[i].calls[j].id;
	return "";
}

static const struct ofs_jv *jget2(const struct ofs_jv *o, const char *camel, const char *snake)
{
	const struct ofs_jv *v = ofs_jget(o, camel);
	return v ? v : ofs_jget(o, snake);
}

static int function_response(struct ofs_wparser *p, const struct ofs_jv *fr, const char *where)
{
	const struct ofs_jv *name = ofs_jget(fr, "name"), *id = ofs_jget(fr, "id"), *resp = ofs_jget(fr, "response");
	if (!ofs_jis(name, OFS_J_STR))
		return ofs__wp_fail(p, "%s: a functionResponse needs a name", where);
	struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_TOOL);
	if (!m)
		return OFS_EDATA;
	m->tool_name = ofs__wpj_str(p, name);
	m->tool_call_id = ofs_jis(id, OFS_J_STR) ? ofs__wpj_str(p, id) : call_id_by_name(p, m->tool_name);
	const struct ofs_jv *out = ofs_jget(resp, "output"), *e = ofs_jget(resp, "error");
	if (ofs_jis(out, OFS_J_STR))
		m->content = ofs__wpj_str(p, out);
	else if (ofs_jis(e, OFS_J_STR)) {
		m->content = ofs__wpj_str(p, e);
		m->is_error = 1;
	} else
		m->content = resp ? ofs__wpj_dump(p, resp) : "";
	return 0;
}

static int user_parts(struct ofs_wparser *p, const struct ofs_jv *parts, const char *where)
{
	for (size_t j = 0; j < parts->n; j++) {
		const struct ofs_jv *part = &parts->u.kids[j];
		if (part->kind != OFS_J_OBJ)
			return ofs__wp_fail(p, "%s: parts[%zu] must be an object", where, j);
		const struct ofs_jv *fr = jget2(part, "functionResponse", "function_response"), *t = ofs_jget(part, "text");
		if (ofs_jis(fr, OFS_J_OBJ)) {
			if (function_response(p, fr, where))
				return OFS_EDATA;
		} else if (ofs_jis(t, OFS_J_STR)) {
			struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_USER);
			if (!m)
				return OFS_EDATA;
			m->content = ofs__wpj_str(p, t);
		} /* inline data, files: not text the agents read */
	}
	return 0;
}

/* One part of a model turn: a call into m, or text into text or think. */
static int model_part(struct ofs_wparser *p, struct ofs_msg *m, const struct ofs_jv *part, size_t ci, size_t j, const char *where,
                      struct ofs_buf *text, struct ofs_buf *think)
{
	const struct ofs_jv *fc = jget2(part, "functionCall", "function_call"), *t = ofs_jget(part, "text");
	if (ofs_jis(fc, OFS_J_OBJ)) {
		const struct ofs_jv *id = ofs_jget(fc, "id");
		char made[48];
		snprintf(made, sizeof made, "call_%zu_%zu", ci, j);
		const char *cid = ofs_jis(id, OFS_J_STR) ? ofs__wpj_str(p, id) : ofs_arena_strdup(p->A, made);
		return ofs__wpj_add_call(p, m, cid, ofs_jget(fc, "name"), ofs_jget(fc, "args"), where);
	}
	if (ofs_jis(t, OFS_J_STR))
		ofs_buf_add(ofs_jis(ofs_jget(part, "thought"), OFS_J_TRUE) ? think : text, t->u.s, t->n);
	return 0;
}

static int model_parts(struct ofs_wparser *p, const struct ofs_jv *parts, size_t ci, const char *where)
{
	struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_ASSISTANT);
	if (!m)
		return OFS_EDATA;
	if (parts->n > OFS_WIRE_MAX_CALLS * 4)
		return ofs__wp_fail(p, "%s: more than %d parts", where, OFS_WIRE_MAX_CALLS * 4);
	m->calls = ofs_arena_alloc(p->A, sizeof *m->calls * (parts->n + 1));
	struct ofs_buf text = {0}, think = {0};
	int rc = 0;
	for (size_t j = 0; j < parts->n && !rc; j++)
		rc = model_part(p, m, &parts->u.kids[j], ci, j, where, &text, &think);
	p->bytes += text.len + think.len;
	m->content = ofs_arena_strndup(p->A, text.p ? text.p : "", text.len);
	if (think.len)
		m->reasoning = ofs_arena_strndup(p->A, think.p, think.len);
	ofs_buf_free(&text);
	ofs_buf_free(&think);
	return rc;
}

static int parse_contents(struct ofs_wparser *p, const struct ofs_jv *contents)
{
	if (!ofs_jlen(contents))
		return ofs__wp_fail(p, "contents must be a non-empty list");
	for (size_t i = 0; i < contents->n; i++) {
		const struct ofs_jv *c = &contents->u.kids[i], *parts = ofs_jget(c, "parts");
		char where[64];
		snprintf(where, sizeof where, "contents[%zu]", i);
		if (c->kind != OFS_J_OBJ || !ofs_jis(parts, OFS_J_ARR))
			return ofs__wp_fail(p, "%s needs a list of parts", where);
		const char *role = ofs_jstr(ofs_jget(c, "role"));
		int rc = role && !strcmp(role, "model") ? model_parts(p, parts, i, where) : user_parts(p, parts, where);
		if (rc)
			return OFS_EDATA;
	}
	return 0;
}

/* The "tools" list (non-empty): the function declarations of each tool into rq->tools. */
static int tool_list(struct ofs_wparser *p, const struct ofs_jv *tools)
{
	for (size_t i = 0; i < tools->n; i++) {
		const struct ofs_jv *fds = jget2(&tools->u.kids[i], "functionDeclarations", "function_declarations");
		for (size_t k = 0; k < ofs_jlen(fds); k++) {
			const struct ofs_jv *fd = &fds->u.kids[k];
			const struct ofs_jv *schema = jget2(fd, "parametersJsonSchema", "parameters_json_schema");
			if (!schema)
				schema = ofs_jget(fd, "parameters");
			if (ofs__wpj_add_tool(p, ofs_jget(fd, "name"), schema, "tools"))
				return OFS_EDATA;
		}
	} /* googleSearch, codeExecution, ...: the API runs those itself */
	return 0;
}

static int parse_tools(struct ofs_wparser *p, const struct ofs_jv *root)
{
	const struct ofs_jv *tools = ofs_jget(root, "tools");
	size_t n = 0; /* ofs_jlen: 0 for anything but a list */
	for (size_t i = 0; i < ofs_jlen(tools); i++)
		n += ofs_jlen(jget2(&tools->u.kids[i], "functionDeclarations", "function_declarations"));
	return ofs__wpj_tools_room(p, tools, n) ? OFS_EDATA : ofs__wpj_tools(p, tools, tool_list);
}

static int parse_choice(struct ofs_wparser *p, const struct ofs_jv *root)
{
	const struct ofs_jv *fcc =
	        jget2(jget2(root, "toolConfig", "tool_config"), "functionCallingConfig", "function_calling_config");
	const char *mode = ofs_jstr(ofs_jget(fcc, "mode"));
	const struct ofs_jv *allowed = jget2(fcc, "allowedFunctionNames", "allowed_function_names");
	if (!mode)
		return 0;
	if (!strcmp(mode, "NONE"))
		p->rq->choice = OFS_CHOICE_NONE;
	else if (!strcmp(mode, "ANY") && ofs_jlen(allowed) == 1 && ofs_jis(&allowed->u.kids[0], OFS_J_STR)) {
		p->rq->choice = OFS_CHOICE_TOOL;
		p->rq->choice_name = ofs__wpj_str(p, &allowed->u.kids[0]);
	} else if (!strcmp(mode, "ANY"))
		p->rq->choice = OFS_CHOICE_REQUIRED;
	else if (strcmp(mode, "AUTO") && strcmp(mode, "VALIDATED") && strcmp(mode, "MODE_UNSPECIFIED"))
		return ofs__wp_fail(p, "toolConfig.functionCallingConfig.mode: unknown value '%.40s'", mode);
	return 0;
}

static int parse_body(struct ofs_wparser *p, const struct ofs_jv *root)
{
	const struct ofs_jv *gcr = jget2(root, "generateContentRequest", "generate_content_request"); /* countTokens */
	if (ofs_jis(gcr, OFS_J_OBJ))
		root = gcr;
	const struct ofs_jv *sys = jget2(root, "systemInstruction", "system_instruction");
	if (!ofs_jnone(sys)) {
		struct ofs_msg *m = ofs__wp_push(p, OFS_ROLE_SYSTEM);
		const struct ofs_jv *parts = sys->kind == OFS_J_OBJ ? ofs_jget(sys, "parts") : sys;
		if (!m || ofs__wpj_content(p, parts, "systemInstruction", &m->content))
			return OFS_EDATA;
	}
	if (parse_contents(p, ofs_jget(root, "contents")) || parse_tools(p, root) || parse_choice(p, root))
		return OFS_EDATA;
	const struct ofs_jv *mt =
	        jget2(jget2(root, "generationConfig", "generation_config"), "maxOutputTokens", "max_output_tokens");
	p->rq->max_tokens = ofs_jis(mt, OFS_J_INT) && mt->u.i > 0 ? (long)mt->u.i : 0;
	p->rq->include_usage = 1;
	return 0;
}

static int parse_request(const char *body, size_t len, struct ofs_arena *A, struct ofs_wire_req *rq, char *err);
static int parse_request_cached(struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                                struct ofs_wire_req *rq, char *err);

/* ---- server: writing responses ---- */
static void put_call_part(struct ofs_buf *b, const struct ofs_tool_call *c)
{
	ofs_buf_puts(b, "{\"functionCall\":{\"id\":");
	ofs_json_str(b, c->id ? c->id : "");
	ofs_buf_puts(b, ",\"name\":");
	ofs_json_str(b, c->name ? c->name : "");
	ofs_buf_puts(b, ",\"args\":");
	/* arguments that are not an object (the bad_args fault) go as a string */
	json_t *j = json_loads(ofs__wire_args(c), 0, NULL);
	if (json_is_object(j)) {
		char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		ofs_buf_puts(b, s);
		free(s);
	} else
		ofs_json_str(b, ofs__wire_args(c));
	json_decref(j);
	ofs_buf_puts(b, "}}");
}

static void put_usage(struct ofs_buf *b, const struct ofs_wire_reply *o)
{
	ofs_buf_printf(b, ",\"usageMetadata\":{\"promptTokenCount\":%ld,\"candidatesTokenCount\":%ld,\"totalTokenCount\":%ld}",
	               o->in_tokens, o->out_tokens, o->in_tokens + o->out_tokens);
}

/* One GenerateContentResponse; finish: its finishReason and usage, else none. */
static void open_chunk(struct ofs_buf *b)
{
	ofs_buf_puts(b, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[");
}

static void close_chunk(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_wire_reply *o, int finish)
{
	ofs_buf_puts(b, "]},\"index\":0");
	if (finish)
		ofs_buf_puts(b, ",\"finishReason\":\"STOP\"");
	ofs_buf_puts(b, "}]");
	if (finish)
		put_usage(b, o);
	ofs_buf_puts(b, ",\"modelVersion\":");
	ofs_json_str(b, rq->model);
	ofs_buf_puts(b, ",\"responseId\":");
	ofs_json_str(b, o->id);
	ofs_buf_putc(b, '}');
}

static void text_part(struct ofs_buf *b, const char *s, size_t n, int thought)
{
	ofs_buf_puts(b, "{\"text\":");
	ofs_json_strn(b, s, n);
	ofs_buf_puts(b, thought ? ",\"thought\":true}" : "}");
}

static void write_response(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_response *r,
                           const struct ofs_wire_reply *o)
{
	open_chunk(b);
	int np = 0;
	if (r->reasoning && *r->reasoning)
		np++, text_part(b, r->reasoning, strlen(r->reasoning), 1);
	if ((r->content && *r->content) || !r->ncalls) {
		ofs_buf_puts(b, np++ ? "," : "");
		text_part(b, r->content ? r->content : "", r->content ? strlen(r->content) : 0, 0);
	}
	for (int i = 0; i < r->ncalls; i++) {
		ofs_buf_puts(b, np++ ? "," : "");
		put_call_part(b, &r->calls[i]);
	}
	close_chunk(b, rq, o, 1);
}

struct gm_ctx {
	const struct ofs_wire_req *rq;
	const struct ofs_wire_reply *o;
	int thought;
};

static void frag(struct ofs_buf *b, const char *s, size_t n, void *ud)
{
	struct gm_ctx *x = ud;
	ofs_buf_puts(b, "data: ");
	open_chunk(b);
	text_part(b, s, n, x->thought);
	close_chunk(b, x->rq, x->o, 0);
	ofs_buf_puts(b, "\n\n");
}

/* Text in fragments, then one last chunk with the calls whole (or an empty
 * text part), the finishReason and the usage, as the API sends them. */
static void write_stream(struct ofs_buf *b, const struct ofs_wire_req *rq, const struct ofs_response *r,
                         const struct ofs_wire_reply *o)
{
	struct gm_ctx x = {rq, o, 1};
	if (r->reasoning && *r->reasoning)
		ofs__wire_fragments(r->reasoning, 2, frag, b, &x);
	x.thought = 0;
	if (r->content && *r->content)
		ofs__wire_fragments(r->content, 3, frag, b, &x);
	ofs_buf_puts(b, "data: ");
	open_chunk(b);
	if (!r->ncalls)
		text_part(b, "", 0, 0);
	for (int i = 0; i < r->ncalls; i++) {
		ofs_buf_puts(b, i ? "," : "");
		put_call_part(b, &r->calls[i]);
	}
	close_chunk(b, rq, o, 1);
	ofs_buf_puts(b, "\n\n");
}

static void write_count(struct ofs_buf *b, long tokens)
{
	ofs_buf_printf(b, "{\"totalTokens\":%ld}", tokens);
}

static void write_error(struct ofs_buf *b, int status, const char *message)
{
	const char *st;
	switch (status) {
	case 401: st = "UNAUTHENTICATED"; break;
	case 403: st = "PERMISSION_DENIED"; break;
	case 404: st = "NOT_FOUND"; break;
	case 429: st = "RESOURCE_EXHAUSTED"; break;
	case 500: st = "INTERNAL"; break;
	case 503: st = "UNAVAILABLE"; break;
	case 504: st = "DEADLINE_EXCEEDED"; break;
	default: st = status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
	}
	ofs_buf_printf(b, "{\"error\":{\"code\":%d,\"message\":", status);
	ofs_json_str(b, message);
	ofs_buf_printf(b, ",\"status\":\"%s\"}}", st);
}

static const char *const extra_headers[] = {NULL};

const struct ofs_wire_ops ofs_wire_gemini = {
        .name = "gemini",
        .client_path = "/v1beta/models/{model}:generateContent",
        .client_stream_path = "/v1beta/models/{model}:streamGenerateContent?alt=sse",
        .auth_header = "x-goog-api-key",
        .auth_scheme = "",
        .extra_headers = extra_headers,
        .build_request = build_request,
        .parse_response = parse_response,
        .sse_event = sse_event,
        .path = "/v1beta/models/{model}:generateContent",
        .count_path = NULL,
        .url_hint = "/v1beta/",
        .sniff_header = "x-goog-api-key",
        .id_prefix = "gemini-mock-",
        .call_id_prefix = "call",
        .match_route = match_route,
        .write_count = write_count,
        .parse_request = parse_request,
        .parse_request_cached = parse_request_cached,
        .write_response = write_response,
        .write_stream = write_stream,
        .write_error = write_error,
};

static int parse_request_cached(struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                                struct ofs_wire_req *rq, char *err)
{
	return ofs__wpj_run(&ofs_wire_gemini, cache, body, len, A, rq, err, parse_body);
}

static int parse_request(const char *body, size_t len, struct ofs_arena *A, struct ofs_wire_req *rq, char *err)
{
	return parse_request_cached(NULL, body, len, A, rq, err);
}
