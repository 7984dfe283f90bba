/* jreq.c — the request parser's helpers (json.c) over the arena tree of
 * jtree.h: strings are the tree's own (already in the request's arena), and
 * the rare value that must be re-serialised (a tool schema, arguments sent
 * as an object) is dumped by jansson from the node's own text, so the text
 * is byte for byte what the jansson-based parser produced. */
#include <stdlib.h>
#include <string.h>

#include "wire/wire_int.h"

const char *ofs__wpj_str(struct ofs_wparser *p, const struct ofs_jv *v)
{
	p->bytes += v->n;
	return v->u.s;
}

const char *ofs__wire_jdump(struct ofs_arena *A, const char *text, const struct ofs_jv *v, size_t flags)
{
	json_t *j = json_loadb(text + v->at, v->end - v->at, JSON_DECODE_ANY, NULL);
	char *s = j ? json_dumps(j, flags) : NULL;
	const char *r = s ? ofs_arena_strdup(A, s) : NULL;
	free(s);
	json_decref(j);
	return r;
}

const char *ofs__wpj_dump(struct ofs_wparser *p, const struct ofs_jv *v)
{
	const char *r = ofs__wire_jdump(p->A, p->body, v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (!r)
		r = "{}";
	p->bytes += strlen(r);
	return r;
}

int ofs__wpj_tools_room(struct ofs_wparser *p, const struct ofs_jv *tools, size_t n)
{
	if (!ofs_jnone(tools) && tools->kind != OFS_J_ARR)
		return ofs__wp_fail(p, "tools must be a list");
	if (n > OFS_WIRE_MAX_TOOLS)
		return ofs__wp_fail(p, "more than %d tools", OFS_WIRE_MAX_TOOLS);
	p->rq->tools = ofs_arena_alloc(p->A, sizeof *p->rq->tools * (n + 1));
	return 0;
}

int ofs__wpj_tools(struct ofs_wparser *p, const struct ofs_jv *tools,
                   int (*conv)(struct ofs_wparser *p, const struct ofs_jv *tools))
{
	struct ofs_wire_req *rq = p->rq;
	size_t before = p->bytes, got = 0, span;
	int start = rq->ntools, n = 0;
	if (!ofs_jlen(tools))
		return 0;
	span = tools->end - tools->at;
	if (!ofs__wire_tools_get(p->cache, p->body + tools->at, span, rq->tools + start, &n, &got)) {
		rq->ntools += n;
		p->bytes += got;
		return 0;
	}
	if (conv(p, tools))
		return OFS_EDATA;
	ofs__wire_tools_put(p->cache, p->body + tools->at, span, rq->tools + start, rq->ntools - start, p->bytes - before);
	return 0;
}

int ofs__wire_parse_response_j(const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r, char *err,
                               int (*parse)(const struct ofs_jv *root, const char *body, struct ofs_arena *A,
                                            struct ofs_response *r, char *err))
{
	memset(r, 0, sizeof *r);
	struct ofs_jv *root;
	char jerr[OFS_ERRLEN];
	if (ofs_jparse(A, body, len, &root, jerr))
		return ofs_fail(err, OFS_EDATA, "response is not a JSON object (%s)", jerr);
	if (root->kind != OFS_J_OBJ)
		return ofs_fail(err, OFS_EDATA, "response is not a JSON object (wrong type at byte 0)");
	const struct ofs_jv *e = ofs_jget(root, "error");
	if (!ofs_jnone(e)) { /* the Responses API sends "error":null */
		const char *msg = ofs_jstr(ofs_jget(e, "message")), *type = ofs_jstr(ofs_jget(e, "type"));
		return ofs_fail(err, OFS_EDATA, "provider error%s%s: %.200s", type ? " " : "", type ? type : "",
		                msg ? msg : "(no message)");
	}
	return parse(root, body, A, r, err);
}

int ofs__wpj_content(struct ofs_wparser *p, const struct ofs_jv *v, const char *where, const char **out)
{
	if (ofs_jnone(v)) {
		*out = "";
		return 0;
	}
	if (v->kind == OFS_J_STR) {
		*out = ofs__wpj_str(p, v);
		return 0;
	}
	if (v->kind != OFS_J_ARR)
		return ofs__wp_fail(p, "%s: content must be a string or a list", where);
	struct ofs_buf b = {0};
	for (size_t i = 0; i < v->n; i++) {
		const struct ofs_jv *part = &v->u.kids[i];
		if (part->kind == OFS_J_STR) {
			ofs_buf_add(&b, part->u.s, part->n);
			continue;
		}
		if (part->kind != OFS_J_OBJ) {
			ofs_buf_free(&b);
			return ofs__wp_fail(p, "%s: content[%zu] must be an object", where, i);
		}
		const struct ofs_jv *t = ofs_jget(part, "text");
		if (ofs_jis(t, OFS_J_STR))
			ofs_buf_add(&b, t->u.s, t->n);
	}
	p->bytes += b.len;
	*out = ofs_arena_strndup(p->A, b.p ? b.p : "", b.len);
	ofs_buf_free(&b);
	return 0;
}

int ofs__wpj_add_tool(struct ofs_wparser *p, const struct ofs_jv *name, const struct ofs_jv *schema, const char *where)
{
	struct ofs_wire_req *rq = p->rq;
	if (!ofs_jis(name, OFS_J_STR) || !name->n)
		return ofs__wp_fail(p, "%s: a tool needs a non-empty name", where);
	if (schema && schema->kind != OFS_J_OBJ && schema->kind != OFS_J_NULL)
		return ofs__wp_fail(p, "%s: tool '%.100s': the schema must be an object", where, name->u.s);
	if (rq->ntools == OFS_WIRE_MAX_TOOLS)
		return ofs__wp_fail(p, "%s: more than %d tools", where, OFS_WIRE_MAX_TOOLS);
	struct ofs_wire_tool *t = &rq->tools[rq->ntools++];
	t->name = ofs__wpj_str(p, name);
	t->schema = ofs_jis(schema, OFS_J_OBJ) ? ofs__wpj_dump(p, schema) : "{}";
	return 0;
}

int ofs__wpj_add_call(struct ofs_wparser *p, struct ofs_msg *m, const char *id, const struct ofs_jv *name,
                      const struct ofs_jv *args, const char *where)
{
	if (m->ncalls == OFS_WIRE_MAX_CALLS)
		return ofs__wp_fail(p, "%s: more than %d tool calls", where, OFS_WIRE_MAX_CALLS);
	if (!ofs_jis(name, OFS_J_STR))
		return ofs__wp_fail(p, "%s: a tool call needs a name", where);
	struct ofs_tool_call *c = &m->calls[m->ncalls++];
	c->id = id;
	c->name = ofs__wpj_str(p, name);
	if (ofs_jnone(args))
		c->arguments = "{}";
	else if (args->kind == OFS_J_STR)
		c->arguments = ofs__wpj_str(p, args);
	else
		c->arguments = ofs__wpj_dump(p, args);
	return 0;
}

int ofs__wpj_run(const struct ofs_wire_ops *w, struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                 struct ofs_wire_req *rq, char *err, int (*fmt)(struct ofs_wparser *p, const struct ofs_jv *root))
{
	memset(rq, 0, sizeof *rq);
	rq->wire = w;
	struct ofs_jv *root;
	char jerr[OFS_ERRLEN];
	if (ofs_jparse(A, body, len, &root, jerr))
		return ofs_fail(err, OFS_EDATA, "request body is not a JSON object (%s)", jerr);
	if (root->kind != OFS_J_OBJ)
		return ofs_fail(err, OFS_EDATA, "request body is not a JSON object (wrong type at byte 0)");
	struct ofs_wparser p = {A, rq, 0, err, body, cache};
	const struct ofs_jv *model = ofs_jget(root, "model"), *stream = ofs_jget(root, "stream");
	static const struct ofs_jv empty = {.kind = OFS_J_STR, .u.s = ""};
	if (w->match_route && ofs_jnone(model))
		model = &empty; /* the route names it */
	if (!ofs_jis(model, OFS_J_STR) || (!model->n && !w->match_route))
		return ofs__wp_fail(&p, "model must be a non-empty string");
	if (stream && stream->kind != OFS_J_TRUE && stream->kind != OFS_J_FALSE && stream->kind != OFS_J_NULL)
		return ofs__wp_fail(&p, "stream must be a boolean");
	rq->model = ofs__wpj_str(&p, model);
	rq->stream = ofs_jis(stream, OFS_J_TRUE);
	if (fmt(&p, root))
		return OFS_EDATA;
	ofs__wp_finish(&p);
	return 0;
}
