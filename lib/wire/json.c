/* json.c — JSON machinery the wire formats share: loading a response body
 * (and naming an API error in it), the request parser's message slots and
 * its finish (tool names, token estimate; the parsing helpers are in
 * jreq.c), and the fragmenting the stream writers use. */
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
