/* wire_int.h — machinery the wire formats share (lib/wire/ only): JSON
 * helpers for responses, the SSE decoder's hooks for a format's event
 * handler, and the request parser's state and helpers for the server half. */
#ifndef OFFSWITCH_WIRE_INT_H
#define OFFSWITCH_WIRE_INT_H
#include <jansson.h>

#include "offswitch/wire.h"
#include "wire/jtree.h"

#define OFS_WIRE_MAX_MSGS  65536 /* messages in one parsed request */
#define OFS_WIRE_MAX_CALLS 256   /* tool calls in one message or response */
#define OFS_WIRE_MAX_TOOLS 1024  /* tools offered in one request */

/* ---- client half ---- */
/* A copy of a JSON string in A, or NULL for anything else. */
const char *ofs__wire_dup(struct ofs_arena *A, json_t *v);
/* Load a response body: 0 with *root set (the caller decrefs), or OFS_EDATA
 * with a message in err (not an object; an API error body, named). */
int ofs__wire_load_response(const char *body, size_t len, json_t **root, char *err);
/* Zero r, load body and hand its root to the format's parse(); 0 or OFS_EDATA with err set. */
int ofs__wire_parse_response(const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r, char *err,
                             int (*parse)(json_t *root, struct ofs_arena *A, struct ofs_response *r, char *err));
/* Append v to b when it is a JSON string (a streamed fragment); anything else adds nothing. */
void ofs__wire_put_str(struct ofs_buf *b, json_t *v);
/* Mark the stream failed with msg (the first failure's message is kept); OFS_EDATA. */
int ofs__sse_fail(struct ofs_sse *s, const char *msg);
/* The call slot for index idx (grows ncalls), or OFS_EDATA when out of range. */
int ofs__sse_call_slot(struct ofs_sse *s, int idx);
/* An event's data as a JSON object: the object (caller decrefs), or NULL after ofs__sse_fail. */
json_t *ofs__sse_json(struct ofs_sse *s, const char *data, size_t len);

/* ---- server half: parsing requests ---- */
struct ofs_wparser {
	struct ofs_arena *A;
	struct ofs_wire_req *rq;
	size_t bytes; /* text seen, for the token estimate */
	char *err;
	const char *body; /* the request (tree parsers: the nodes' spans index it) */
	struct ofs_wire_cache *cache;
};
/* Format a message into p->err; OFS_EDATA. */
int ofs__wp_fail(struct ofs_wparser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A new message (tool ids ""), or NULL past OFS_WIRE_MAX_MSGS (after ofs__wp_fail). */
struct ofs_msg *ofs__wp_push(struct ofs_wparser *p, enum ofs_role role);
/* Resolve tool names and set the token estimate: the end of a parse. */
void ofs__wp_finish(struct ofs_wparser *p);

/* ---- server half: the request parser's helpers over the arena tree of
 * jtree.h (jreq.c); every format parses its requests with ofs_jparse ---- */
const char *ofs__wpj_str(struct ofs_wparser *p, const struct ofs_jv *v);  /* a string node's text (not copied), counted */
const char *ofs__wpj_dump(struct ofs_wparser *p, const struct ofs_jv *v); /* compact text as jansson dumps it, counted */
/* Text of a content value: a string, null, or a list of parts/blocks whose
 * "text" strings are joined (images and other parts are skipped). */
int ofs__wpj_content(struct ofs_wparser *p, const struct ofs_jv *v, const char *where, const char **out);
/* rq->tools must have room (the caller sizes it from the request). */
int ofs__wpj_add_tool(struct ofs_wparser *p, const struct ofs_jv *name, const struct ofs_jv *schema, const char *where);
/* m->calls must have room (the caller sizes it from the request). */
int ofs__wpj_add_call(struct ofs_wparser *p, struct ofs_msg *m, const char *id, const struct ofs_jv *name,
                      const struct ofs_jv *args, const char *where);
/* The request's "tools" member: NULL/null or a list (else an error), with
 * room made in rq->tools for n tools (the format counts them; at most
 * OFS_WIRE_MAX_TOOLS). 0 or OFS_EDATA. */
int ofs__wpj_tools_room(struct ofs_wparser *p, const struct ofs_jv *tools, size_t n);
/* conv(p, tools) adds the tools of a non-empty "tools" list to rq->tools
 * (room made by the caller); its result is cached by the list's text
 * (p->cache), so a list seen before is copied instead. */
int ofs__wpj_tools(struct ofs_wparser *p, const struct ofs_jv *tools,
                   int (*conv)(struct ofs_wparser *p, const struct ofs_jv *tools));
/* v (a node of a tree parsed from text) as jansson's json_dumps(flags)
 * writes it, in A; NULL if jansson cannot. */
const char *ofs__wire_jdump(struct ofs_arena *A, const char *text, const struct ofs_jv *v, size_t flags);
/* ofs__wire_parse_response with ofs_jparse (the tree in A): the same
 * results, the same API-error message; a syntax error is named by jtree. */
int ofs__wire_parse_response_j(const char *body, size_t len, struct ofs_arena *A, struct ofs_response *r, char *err,
                               int (*parse)(const struct ofs_jv *root, const char *body, struct ofs_arena *A,
                                            struct ofs_response *r, char *err));
/* Parse the body (ofs_jparse) as a JSON object with "model" and "stream",
 * then call fmt(p, root) for the rest; finishes tool names and the token estimate. */
int ofs__wpj_run(const struct ofs_wire_ops *w, struct ofs_wire_cache *cache, const char *body, size_t len, struct ofs_arena *A,
                 struct ofs_wire_req *rq, char *err, int (*fmt)(struct ofs_wparser *p, const struct ofs_jv *root));
/* Tool lists already converted (cache.c), keyed by the exact text of the
 * request's tools value (at most 64 lists of 64 B to 256 KiB): get copies the n tools (strings owned by the
 * cache) into out (room for OFS_WIRE_MAX_TOOLS) and returns 0, or -1 when
 * not there; put keeps a copy (when there is room). NULL cache: nothing. */
int ofs__wire_tools_get(struct ofs_wire_cache *c, const char *text, size_t len, struct ofs_wire_tool *out, int *n, size_t *bytes);
void ofs__wire_tools_put(struct ofs_wire_cache *c, const char *text, size_t len, const struct ofs_wire_tool *t, int n,
                         size_t bytes);

/* ---- server half: writing responses ---- */
/* A call's arguments, "{}" when NULL. */
const char *ofs__wire_args(const struct ofs_tool_call *c);
/* Split s into at most `parts` pieces of about equal size, never inside a
 * UTF-8 sequence; calls fn for each non-empty piece. */
void ofs__wire_fragments(const char *s, int parts, void (*fn)(struct ofs_buf *, const char *, size_t, void *), struct ofs_buf *b,
                         void *ud);
#endif
