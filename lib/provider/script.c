/* script.c — "scripted:PATH.json": replay a fixed script of turns.
 *
 * {"turns": [{"content": "...", "reasoning": "...",
 *             "tool_calls": [{"name": "list_files", "arguments": {}}]}]}
 * Turn i answers the i-th model call of each rollout; after the last turn
 * the script calls end_task. "arguments" may be an object or a JSON string
 * (sent verbatim, so scripts can exercise malformed arguments).
 * The whole file is validated at load; errors name the turn and field.
 */
#include "provider/provider_int.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRIPT_MAX (16u << 20)

struct turn {
	char *content, *reasoning;
	struct ofs_tool_call *calls;
	int ncalls;
};

struct script {
	struct ofs_provider base;
	struct turn *turns;
	int nturns;
};

struct sess {
	struct script *sc;
	int next;
};

static void script_free(struct ofs_provider *p)
{
	struct script *s = (struct script *)p;
	if (!s)
		return;
	for (int i = 0; i < s->nturns; i++) {
		free(s->turns[i].content);
		free(s->turns[i].reasoning);
		for (int k = 0; k < s->turns[i].ncalls; k++) {
			free((char *)s->turns[i].calls[k].id);
			free((char *)s->turns[i].calls[k].name);
			free((char *)s->turns[i].calls[k].arguments);
		}
		free(s->turns[i].calls);
	}
	free(s->turns);
	free(s);
}

static void *sess_new(struct ofs_provider *p, const struct ofs_tmpl *t, int rep)
{
	(void)t, (void)rep;
	struct sess *s = ofs_xcalloc(1, sizeof *s);
	s->sc = (struct script *)p;
	return s;
}

static void sess_free(void *s)
{
	free(s);
}

static int complete(struct ofs_provider *p, void *session, const struct ofs_chat *chat, struct ofs_arena *A,
                    struct ofs_response *r)
{
	(void)p, (void)chat;
	struct sess *s = session;
	memset(r, 0, sizeof *r);
	if (s->next >= s->sc->nturns) {
		r->content = "";
		r->calls = ofs_arena_alloc(A, sizeof *r->calls);
		r->calls[0] = (struct ofs_tool_call){"call_script_end", "end_task", "{}"};
		r->ncalls = 1;
		return 0;
	}
	struct turn *t = &s->sc->turns[s->next++];
	r->content = t->content;
	r->reasoning = t->reasoning;
	r->calls = t->calls;
	r->ncalls = t->ncalls;
	return 0;
}

static const struct ofs_provider_ops script_ops = {"script", sess_new, complete, sess_free, script_free};

static int opt_string(json_t *o, const char *k, char **out, const char *path, int turn, char *err)
{
	json_t *v = json_object_get(o, k);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		snprintf(err, OFS_ERRLEN, "script %s: turns[%d].%s must be a string", path, turn, k);
		return OFS_EDATA;
	}
	*out = ofs_xstrdup(json_string_value(v));
	return 0;
}

struct ofs_provider *ofs_script_file_new(const char *path, char *err)
{
	size_t len;
	char *text = ofs_read_file(path, SCRIPT_MAX, &len);
	if (!text) {
		snprintf(err, OFS_ERRLEN, "script %s: cannot read: %s", path,
		         errno == EFBIG ? "file larger than 16 MiB" : strerror(errno));
		return NULL;
	}
	struct ofs_provider *p = ofs_script_parse(text, len, path, err);
	free(text);
	return p;
}

static int parse_call(json_t *c, int ti, size_t j, struct ofs_tool_call *out, const char *path, char *err)
{
	json_t *name = json_object_get(c, "name"), *args = json_object_get(c, "arguments");
	if (!json_is_object(c) || !json_is_string(name) || !*json_string_value(name))
		return ofs_fail(err, OFS_EDATA, "script %s: turns[%d].tool_calls[%zu].name must be a non-empty string", path, ti,
		                j);
	char *a;
	if (!args)
		a = ofs_xstrdup("{}");
	else if (json_is_string(args))
		a = ofs_xstrdup(json_string_value(args));
	else if (json_is_object(args))
		a = json_dumps(args, JSON_COMPACT | JSON_PRESERVE_ORDER);
	else
		return ofs_fail(err, OFS_EDATA, "script %s: turns[%d].tool_calls[%zu].arguments must be an object or a string",
		                path, ti, j);
	char id[48];
	snprintf(id, sizeof id, "call_%d_%zu", ti, j);
	*out = (struct ofs_tool_call){ofs_xstrdup(id), ofs_xstrdup(json_string_value(name)), a};
	return 0;
}

static int parse_turn(json_t *t, int ti, struct turn *tu, const char *path, char *err)
{
	if (opt_string(t, "content", &tu->content, path, ti, err) || opt_string(t, "reasoning", &tu->reasoning, path, ti, err))
		return OFS_EDATA;
	if (!tu->content)
		tu->content = ofs_xstrdup("");
	const char *k;
	json_t *v;
	json_object_foreach(t, k, v)
	{
		if (strcmp(k, "content") && strcmp(k, "reasoning") && strcmp(k, "tool_calls"))
			return ofs_fail(err, OFS_EDATA, "script %s: turns[%d]: unknown field '%s'", path, ti, k);
	}
	json_t *calls = json_object_get(t, "tool_calls");
	if (calls && !json_is_array(calls) && !json_is_null(calls))
		return ofs_fail(err, OFS_EDATA, "script %s: turns[%d].tool_calls must be a list", path, ti);
	tu->calls = ofs_xcalloc(json_array_size(calls) + 1, sizeof *tu->calls);
	size_t j;
	json_t *c;
	json_array_foreach(calls, j, c)
	{
		if (parse_call(c, ti, j, &tu->calls[tu->ncalls], path, err))
			return OFS_EDATA;
		tu->ncalls++;
	}
	return 0;
}

struct ofs_provider *ofs_script_parse(const char *text, size_t len, const char *path, char *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		ofs_fail(err, OFS_EDATA, "script %s:%d:%d: invalid JSON: %s", path, je.line, je.column, je.text);
		return NULL;
	}
	struct script *s = ofs_xcalloc(1, sizeof *s);
	s->base.ops = &script_ops;
	json_t *turns = json_object_get(root, "turns");
	if (!json_is_object(root) || !json_is_array(turns)) {
		ofs_fail(err, OFS_EDATA, "script %s: expected an object with a \"turns\" list", path);
		goto fail;
	}
	s->turns = ofs_xcalloc(json_array_size(turns) + 1, sizeof *s->turns);
	size_t i;
	json_t *t;
	json_array_foreach(turns, i, t)
	{
		if (!json_is_object(t)) {
			ofs_fail(err, OFS_EDATA, "script %s: turns[%d] must be an object", path, (int)i);
			goto fail;
		}
		if (parse_turn(t, (int)i, &s->turns[s->nturns++], path, err))
			goto fail;
	}
	json_decref(root);
	return &s->base;
fail:
	json_decref(root);
	script_free(&s->base);
	return NULL;
}

int ofs__script_make(struct ofs_provider **out, const char *model, const char *prefix, const struct ofs_provider_opts *o,
                     char *err)
{
	(void)o;
	const char *path = model + strlen(prefix);
	*out = NULL;
	if (!*path)
		return ofs_fail(err, OFS_EDATA, "model '%s' needs a script path, e.g. %sturns.json", model, prefix);
	return (*out = ofs_script_file_new(path, err)) ? 0 : OFS_EDATA;
}
