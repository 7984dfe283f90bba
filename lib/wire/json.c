/* json.c — JSON machinery the wire formats share: loading a response body
 * (and naming an API error in it), the request parser's state and helpers
 * (strings counted for the token estimate, message and tool slots, content
 * text), and the fragmenting the stream writers use. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire_int.h"

/* ---- client half ---- */
const char *ofs__wire_dup(struct ofs_arena *A, json_t *v)
{
	return json_is_string(v) ? ofs_arena_strdup(A, json_string_value(v)) : NULL;
}

static int api_error(json_t *root, char *err)
{
	json_t *e = json_object_get(root, "error");
	if (!e || json_is_null(e)) /* the Responses API sends "error":null */
		return 0;
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *type = json_string_value(json_object_get(e, "type"));
	return ofs_fail(err, OFS_EDATA, "provider error%s%s: %.200s", type ? " " : "", type ? type : "",
	                msg ? msg : "(no message)");
}

int ofs__wire_load_response(const char *body, size_t len, json_t **root, char *err)
{
	json_error_t je;
	*root = json_loadb(body, len, 0, &je);
	if (!json_is_object(*root)) {
		ofs_fail(err, OFS_EDATA, "response is not a JSON object (%s at byte %d)", *root ? "wrong type" : je.text,
		         je.position);
		json_decref(*root);
		*root = NULL;
		return OFS_EDATA;
	}
	int rc = api_error(*root, err);
	if (rc) {
		json_decref(*root);
		*root = NULL;
	}
	return rc;
}

int ofs__wire_parse_response(const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r, char *err,
                             int (*parse)(json_t *root, struct ofs_arena *A, struct ofs_response *r, char *err))
{
	memset(r, 0, sizeof *r);
	json_t *root;
	int rc = ofs__wire_load_response(body, len, &root, err);
	if (!rc)
		rc = parse(root, A, r, err);
	json_decref(root);
	return rc;
}

void ofs__wire_put_str(struct ofs_buf *b, json_t *v)
{
	if (json_is_string(v))
		ofs_buf_puts(b, json_string_value(v));
}

/* ---- server half: parsing requests ---- */
int ofs__wp_fail(struct ofs_wparser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, OFS_ERRLEN, fmt, ap);
	va_end(ap);
	return OFS_EDATA;
}

const char *ofs__wp_str(struct ofs_wparser *p, json_t *v)
{
	size_t n = json_string_length(v);
	p->bytes += n;
	return ofs_arena_strndup(p->A, json_string_value(v), n);
}

const char *ofs__wp_dump(struct ofs_wparser *p, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	const char *r = ofs_arena_strdup(p->A, s ? s : "{}");
	p->bytes += strlen(r);
	free(s);
	return r;
}

struct ofs_msg *ofs__wp_push(struct ofs_wparser *p, enum ofs_role role)
{
	if (p->rq->chat.n == OFS_WIRE_MAX_MSGS) {
		ofs__wp_fail(p, "more than %d messages", OFS_WIRE_MAX_MSGS);
		return NULL;
	}
	struct ofs_msg *m = ofs_chat_push(&p->rq->chat, p->A, role);
	m->tool_call_id = "";
	m->tool_name = "";
	return m;
}

int ofs__wp_content(struct ofs_wparser *p, json_t *v, const char *where, const char **out)
{
	if (!v || json_is_null(v)) {
		*out = "";
		return 0;
	}
	if (json_is_string(v)) {
		*out = ofs__wp_str(p, v);
		return 0;
	}
	if (!json_is_array(v))
		return ofs__wp_fail(p, "%s: content must be a string or a list", where);
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
			return ofs__wp_fail(p, "%s: content[%zu] must be an object", where, i);
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

int ofs__wp_add_tool(struct ofs_wparser *p, json_t *name, json_t *schema, const char *where)
{
	struct ofs_wire_req *rq = p->rq;
	if (!json_is_string(name) || !json_string_length(name))
		return ofs__wp_fail(p, "%s: a tool needs a non-empty name", where);
	if (schema && !json_is_object(schema) && !json_is_null(schema))
		return ofs__wp_fail(p, "%s: tool '%.100s': the schema must be an object", where, json_string_value(name));
	if (rq->ntools == OFS_WIRE_MAX_TOOLS)
		return ofs__wp_fail(p, "%s: more than %d tools", where, OFS_WIRE_MAX_TOOLS);
	struct ofs_wire_tool *t = &rq->tools[rq->ntools++];
	t->name = ofs__wp_str(p, name);
	t->schema = json_is_object(schema) ? ofs__wp_dump(p, schema) : "{}";
	return 0;
}

int ofs__wp_add_call(struct ofs_wparser *p, struct ofs_msg *m, const char *id, json_t *name, json_t *args, const char *where)
{
	if (m->ncalls == OFS_WIRE_MAX_CALLS)
		return ofs__wp_fail(p, "%s: more than %d tool calls", where, OFS_WIRE_MAX_CALLS);
	if (!json_is_string(name))
		return ofs__wp_fail(p, "%s: a tool call needs a name", where);
	struct ofs_tool_call *c = &m->calls[m->ncalls++];
	c->id = id;
	c->name = ofs__wp_str(p, name);
	if (!args || json_is_null(args))
		c->arguments = "{}";
	else if (json_is_string(args))
		c->arguments = ofs__wp_str(p, args);
	else
		c->arguments = ofs__wp_dump(p, args);
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

int ofs__wp_run(const struct ofs_wire_ops *w, struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                struct ofs_wire_req *rq, char *err, int (*fmt)(struct ofs_wparser *p, json_t *root))
{
	memset(rq, 0, sizeof *rq);
	rq->wire = w;
	json_error_t je;
	json_t *root = ofs__wire_cached_load(cache, body, len, &je);
	if (!json_is_object(root)) {
		ofs_fail(err, OFS_EDATA, "request body is not a JSON object (%s at byte %d)", root ? "wrong type" : je.text,
		         root ? 0 : je.position);
		json_decref(root);
		return OFS_EDATA;
	}
	struct ofs_wparser p = {A, rq, 0, err, body, cache};
	int rc = OFS_EDATA;
	json_t *model = json_object_get(root, "model");
	json_t *stream = json_object_get(root, "stream");
	if (w->match_route && (!model || json_is_null(model)))
		model = json_string(""); /* the route names it */
	else
		json_incref(model);
	if (!json_is_string(model) || (!json_string_length(model) && !w->match_route))
		ofs__wp_fail(&p, "model must be a non-empty string");
	else if (stream && !json_is_boolean(stream) && !json_is_null(stream))
		ofs__wp_fail(&p, "stream must be a boolean");
	else {
		rq->model = ofs__wp_str(&p, model);
		rq->stream = json_is_true(stream);
		rc = fmt(&p, root);
	}
	json_decref(model);
	json_decref(root);
	if (rc)
		return OFS_EDATA;
	ofs__wp_finish(&p);
	return 0;
}

void ofs__wp_finish(struct ofs_wparser *p)
{
	struct ofs_wire_req *rq = p->rq;
	resolve_tool_names(&rq->chat);
	rq->chat.bytes = p->bytes;
	rq->in_tokens = (long)((p->bytes + 3) / 4);
	if (rq->in_tokens < 1)
		rq->in_tokens = 1;
}

/* ---- server half: writing responses ---- */
const char *ofs__wire_args(const struct ofs_tool_call *c)
{
	return c->arguments ? c->arguments : "{}";
}

void ofs__wire_fragments(const char *s, int parts, void (*fn)(struct ofs_buf *, const char *, size_t, void *), struct ofs_buf *b,
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
