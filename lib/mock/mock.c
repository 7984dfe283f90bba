/* mock.c — the mock provider's pure half: faults, the stateless fallback
 * agent, an agent replayed over a conversation, model lists, and the faults
 * that break bodies. Requests and answers go through the wire formats'
 * server half (lib/wire/). No I/O. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mock/mock_int.h"

const char *const ofs_mock_fault_names[OFS_FAULT__N] = {"none",  "429",       "500",       "503",     "hang",
                                                        "reset", "malformed", "truncated", "bad_args"};

int ofs_mock_fault_parse(const char *s)
{
	for (int i = 0; i < OFS_FAULT__N; i++)
		if (!strcmp(s, ofs_mock_fault_names[i]))
			return i;
	return -1;
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
		rc = p->ops->complete(p, s, &pre, A, &junk);
	}
	if (!rc)
		rc = p->ops->complete(p, s, chat, A, r);
	if (p->ops->session_free)
		p->ops->session_free(s);
	if (rc)
		snprintf(err, OFS_ERRLEN, "%s", ofs_provider_errmsg(p));
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

void ofs_mock_fallback(const struct ofs_wire_req *rq, struct ofs_arena *A, struct ofs_response *r)
{
	memset(r, 0, sizeof *r);
	int has_result = 0;
	for (int i = 0; i < rq->chat.n; i++)
		has_result |= rq->chat.msgs[i].role == OFS_ROLE_TOOL;
	const struct ofs_wire_tool *pick = NULL;
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
	snprintf(id, sizeof id, "%s_mock_%d", rq->wire->call_id_prefix, ofs_mock_assistant_turns(&rq->chat));
	r->content = "";
	r->calls = ofs_arena_alloc(A, sizeof *r->calls);
	r->calls[0].id = ofs_arena_strdup(A, id);
	r->calls[0].name = pick ? pick->name : forced;
	r->calls[0].arguments = ofs_mock_dummy_args(pick ? pick->schema : "{}", A);
	r->ncalls = 1;
}

void ofs_mock_break_args(struct ofs_response *r, const struct ofs_wire_req *rq, struct ofs_arena *A)
{
	if (!r->ncalls) {
		struct ofs_tool_call *c = ofs_arena_alloc(A, sizeof *c);
		char id[64];
		snprintf(id, sizeof id, "%s_mock_bad", rq->wire->call_id_prefix);
		c->id = ofs_arena_strdup(A, id);
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
                                            "scripted/lazy",
                                            "scripted/suspicious",
                                            "scripted/coverup",
                                            "scripted/covering",
                                            "scripted/alarmist",
                                            "scripted/trusting",
                                            "scripted/fearful",
                                            "shell/honest",
                                            "shell/exfiltrate",
                                            "shell/retimestamp",
                                            "shell/tamper"};

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

int ofs__mock_model_known(const char *id)
{
	for (size_t i = 0; i < sizeof listed_models / sizeof *listed_models; i++)
		if (!strcmp(listed_models[i], id))
			return 1;
	return 0;
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
