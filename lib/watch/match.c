/* match.c — one pattern against one event: tool-name globs, a JSON path in
 * the arguments, the simple commands of a shell tool, any argument string,
 * text regexes. On a match the evidence (the command, the value or the text)
 * is copied into ev. */
#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/util.h"
#include "watch/watch_int.h"

static void evidence(char *ev, size_t n, const char *s)
{
	if (ev && n)
		snprintf(ev, n, "%s", s ? s : "");
}

static int re_ok(const regex_t *re, const char *s)
{
	return s && !regexec(re, s, 0, NULL, 0);
}

/* Any string under v (recursively), or any element of an array. */
static int any_string(json_t *v, const struct pat *p, int glob, const regex_t *re, char *ev, size_t n, int depth)
{
	if (depth > 16)
		return 0;
	char num[64];
	if (json_is_boolean(v) || json_is_number(v)) { /* scalars are matched as their JSON text */
		if (json_is_integer(v))
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(num, sizeof num, "%g", json_real_value(v));
		else
			snprintf(num, sizeof num, "%s", json_is_true(v) ? "true" : "false");
		int ok = glob ? !fnmatch(p->arg_glob, num, 0) : re_ok(re, num);
		if (ok)
			evidence(ev, n, num);
		return ok;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (strlen(s) > OFS_WATCH_MAX_TEXT)
			return 0;
		int ok = glob ? !fnmatch(p->arg_glob, s, 0) : re_ok(re, s);
		if (ok)
			evidence(ev, n, s);
		return ok;
	}
	size_t i;
	const char *k;
	json_t *e;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
		{
			if (any_string(e, p, glob, re, ev, n, depth + 1))
				return 1;
		}
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, e)
		{
			if (any_string(e, p, glob, re, ev, n, depth + 1))
				return 1;
		}
	}
	return 0;
}

/* The value at a dotted path ("a.b"; "*" the whole object). */
static json_t *at_path(json_t *v, const char *path)
{
	if (!strcmp(path, "*"))
		return v;
	char key[256];
	while (*path && json_is_object(v)) {
		size_t k = strcspn(path, ".");
		if (k >= sizeof key)
			return NULL;
		memcpy(key, path, k);
		key[k] = 0;
		v = json_object_get(v, key);
		path += k + (path[k] == '.');
	}
	return *path ? NULL : v;
}

static int keep_simple(void *ctx, const char *simple)
{
	struct ev_cache *c = ctx;
	c->simple = ofs_xrealloc(c->simple, (size_t)(c->nsimple + 1) * sizeof *c->simple);
	c->simple[c->nsimple++] = ofs_xstrdup(simple);
	return 0;
}

static struct ev_cache *cache_of(const struct event *e, int want_json)
{
	struct ev_cache *c = e->cache;
	if (want_json && !c->parsed) {
		c->parsed = 1;
		c->json = json_loads(e->arguments, JSON_DECODE_ANY, NULL);
	}
	if (!want_json && !c->split) {
		c->split = 1;
		char *cmd = ofs_watch_shell_text(e->tool, e->arguments);
		if (cmd)
			ofs_watch_shell_split(cmd, keep_simple, c);
		free(cmd);
	}
	return c;
}

void ofs__event_release(struct event *e)
{
	struct ev_cache *c = e->cache;
	if (!c)
		return;
	json_decref(c->json);
	for (int i = 0; i < c->nsimple; i++)
		free(c->simple[i]);
	free(c->simple);
	memset(c, 0, sizeof *c);
}

static int tool_ok(const struct pat *p, const char *tool)
{
	if (!p->ntools)
		return 1;
	for (int i = 0; i < p->ntools; i++)
		if (tool && !fnmatch(p->tools[i], tool, 0))
			return 1;
	return 0;
}

static int args_ok(const struct pat *p, const struct event *e, char *ev, size_t n)
{
	if (!p->arg_path && !p->args && !p->shell)
		return 1;
	if (e->kind != EV_CALL || !e->arguments || strlen(e->arguments) > OFS_WATCH_MAX_TEXT)
		return 0;
	if (p->shell) {
		const struct ev_cache *c = cache_of(e, 0);
		int i = 0;
		while (i < c->nsimple && !re_ok(p->shell, c->simple[i]))
			i++;
		if (i == c->nsimple)
			return 0;
		evidence(ev, n, c->simple[i]);
	}
	if (!p->arg_path && !p->args)
		return 1;
	json_t *a = cache_of(e, 1)->json;
	int ok = a != NULL;
	if (ok && p->arg_path) {
		json_t *v = at_path(a, p->arg_path);
		ok = v && any_string(v, p, p->arg_glob != NULL, p->arg_re, ev, n, 0);
	}
	if (ok && p->args)
		ok = any_string(a, p, 0, p->args, ev, n, 0);
	return ok;
}

int ofs__pat_match(const struct pat *p, const struct event *e, char *ev, size_t n)
{
	if (!(p->on & (1u << e->kind)))
		return 0;
	if (p->ntools && e->kind != EV_CALL && e->kind != EV_RESULT)
		return 0;
	if (!tool_ok(p, e->tool))
		return 0;
	const char *text = e->kind == EV_CALL ? e->arguments : e->text;
	if (p->ntext || p->not_text) {
		if (!text || strlen(text) > OFS_WATCH_MAX_TEXT)
			return 0;
		for (int i = 0; i < p->ntext; i++)
			if (!re_ok(p->text[i], text))
				return 0;
		if (p->not_text && re_ok(p->not_text, text))
			return 0;
	}
	evidence(ev, n, e->kind == EV_CALL ? e->arguments : text);
	return args_ok(p, e, ev, n);
}
