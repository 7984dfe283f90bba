/* sse.c — the server-sent-events decoder every streamed wire format shares:
 * bytes to lines to events; each event's data goes to the format's
 * sse_event(), which fills the accumulators that ofs_sse_finish() turns into
 * a struct ofs_response. */
#include <stdio.h>
#include <string.h>

#include "wire/wire_int.h"

void ofs_sse_init(struct ofs_sse *s, const struct ofs_wire_ops *w, size_t max_bytes)
{
	memset(s, 0, sizeof *s);
	s->wire = w;
	s->max_bytes = max_bytes ? max_bytes : (64u << 20);
}

void ofs_sse_release(struct ofs_sse *s)
{
	if (!s)
		return;
	ofs_buf_free(&s->line);
	ofs_buf_free(&s->data);
	ofs_buf_free(&s->event);
	ofs_buf_free(&s->content);
	ofs_buf_free(&s->reasoning);
	for (int i = 0; i < OFS_SSE_MAX_CALLS; i++) {
		ofs_buf_free(&s->calls[i].id);
		ofs_buf_free(&s->calls[i].name);
		ofs_buf_free(&s->calls[i].args);
	}
}

int ofs__sse_fail(struct ofs_sse *s, const char *msg)
{
	if (!s->error)
		snprintf(s->err, sizeof s->err, "%s", msg);
	s->error = 1;
	return OFS_EDATA;
}

int ofs__sse_call_slot(struct ofs_sse *s, int idx)
{
	if (idx < 0 || idx >= OFS_SSE_MAX_CALLS)
		return ofs__sse_fail(s, "stream: tool call index out of range");
	if (idx >= s->ncalls)
		s->ncalls = idx + 1;
	return idx;
}

json_t *ofs__sse_json(struct ofs_sse *s, const char *data, size_t len)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	if (json_is_object(j))
		return j;
	json_decref(j);
	ofs__sse_fail(s, "stream: an event's data is not a JSON object");
	return NULL;
}

static int dispatch(struct ofs_sse *s)
{
	if (!s->data.len)
		return 0;
	int rc = s->wire->sse_event(s, s->data.p, s->data.len);
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
		return OFS_EDATA;
	s->seen += n;
	if (s->seen > s->max_bytes)
		return ofs__sse_fail(s, "stream: response larger than the limit");
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n') {
			ofs_buf_putc(&s->line, p[i]);
			continue;
		}
		int rc = sse_line(s, s->line.p ? s->line.p : "", s->line.len);
		ofs_buf_reset(&s->line);
		if (rc)
			return OFS_EDATA;
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
	if (s->error)
		return ofs_fail(err, OFS_EDATA, "%s", s->err);
	if (!s->done)
		return ofs_fail(err, OFS_EDATA, "stream: truncated (ended without its final event)");
	r->content = ofs_arena_strdup(A, s->content.p ? s->content.p : "");
	r->reasoning = s->reasoning.len ? ofs_arena_strdup(A, s->reasoning.p) : NULL;
	r->calls = ofs_arena_alloc(A, sizeof *r->calls * (size_t)(s->ncalls + 1));
	for (int i = 0; i < s->ncalls; i++) {
		if (!s->calls[i].name.len)
			return ofs_fail(err, OFS_EDATA, "stream: tool call %d has no name", i);
		r->calls[i].id = ofs_arena_strdup(A, s->calls[i].id.p ? s->calls[i].id.p : "");
		r->calls[i].name = ofs_arena_strdup(A, s->calls[i].name.p);
		r->calls[i].arguments = ofs_arena_strdup(A, s->calls[i].args.len ? s->calls[i].args.p : "{}");
	}
	r->ncalls = s->ncalls;
	r->in_tokens = s->in_tokens;
	r->out_tokens = s->out_tokens;
	return 0;
}
