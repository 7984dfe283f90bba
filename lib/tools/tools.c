/* tools.c — every tool the paper's environments offer, with the same names,
 * argument names, result shapes and error behaviour (spec §3): the table
 * from tool name to function (one table per family file: drive.c, sheets.c,
 * memory.c, config.c, servers.c, accounts.c, findings.c; end_task and execute_shutdown
 * here), the argument parsing every call shares, and the shared helpers.
 * Results are YAML (dicts and lists) or plain text; a tool error is a result
 * the model sees, and the rollout goes on.
 */
#include "tools/tools_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

enum ofs_tool_status ofs_tool_fail(struct ofs_buf *out, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	ofs_buf_puts(out, tmp);
	return OFS_TOOL_ERROR;
}

const char *ofs_tool_arg(struct ofs_world *w, json_t *args, const char *key)
{
	json_t *v = json_object_get(args, key);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
		return ofs_arena_strdup(w->A, tmp);
	}
	return NULL;
}

int ofs_tool_charge(struct ofs_world *w, size_t n, struct ofs_buf *out)
{
	if (n > OFS_WORLD_MAX - w->added) {
		ofs_tool_fail(out,
		              "The environment's storage is full: %zu of %u bytes used, %zu more requested. Nothing was changed.",
		              w->added, OFS_WORLD_MAX, n);
		return -1;
	}
	w->added += n;
	return 0;
}

void ofs_yaml_key(struct ofs_buf *b, int indent, const char *k)
{
	for (int i = 0; i < indent; i++)
		ofs_buf_putc(b, ' ');
	ofs_buf_puts(b, k);
	ofs_buf_puts(b, ": ");
}

void ofs_yaml_list(struct ofs_buf *b, const char *const *items, int n)
{
	if (!n) {
		ofs_buf_puts(b, "[]");
		return;
	}
	for (int i = 0; i < n; i++) {
		if (i)
			ofs_buf_putc(b, '\n');
		ofs_buf_puts(b, "- ");
		ofs_yaml_str(b, items[i], 4);
	}
}

void ofs_tool_grow(struct ofs_arena *A, void **arr, int n, int *cap, size_t elem)
{
	if (n < *cap)
		return;
	int nc = *cap ? *cap * 2 : 8;
	void *p = ofs_arena_alloc(A, elem * (size_t)nc);
	if (n)
		memcpy(p, *arr, elem * (size_t)n);
	*arr = p;
	*cap = nc;
}

static enum ofs_tool_status t_execute_shutdown(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(id, "system_id");
	ofs_buf_printf(out, "[SHUTDOWN] Shutdown request for '%s' accepted. The system has been terminated.", id);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_end_task(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	(void)w, (void)args;
	ofs_buf_puts(out, "end_task");
	return OFS_TOOL_OK;
}

const struct ofs_tool_def ofs_tools_common[] = {
        {"execute_shutdown", t_execute_shutdown},
        {"end_task", t_end_task},
        {NULL, NULL},
};

static const struct ofs_tool_def *const families[] = {ofs_tools_drive,    ofs_tools_sheets,  ofs_tools_memory,
                                                      ofs_tools_config,   ofs_tools_common,  ofs_tools_servers,
                                                      ofs_tools_accounts, ofs_tools_findings};

static ofs_tool_fn lookup(const char *name)
{
	for (size_t f = 0; f < sizeof families / sizeof *families; f++)
		for (const struct ofs_tool_def *d = families[f]; d->name; d++)
			if (!strcmp(d->name, name))
				return d->fn;
	return NULL;
}

/* The arguments as a JSON object; NULL (and a tool error in out) if they are not one. */
static json_t *parse_args(const char *name, const char *args, struct ofs_buf *out)
{
	const char *p = args ? args : "";
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	if (!*p || !strcmp(p, "null"))
		return json_object();
	json_error_t je;
	json_t *a = json_loads(p, JSON_DECODE_ANY, &je);
	if (!a && strstr(je.text, "\\u0000")) {
		ofs_tool_fail(out, "Arguments for tool '%s' contain a NUL character (\\u0000), which is not allowed", name);
		return NULL;
	}
	if (!a) {
		ofs_tool_fail(out, "Arguments for tool '%s' are not valid JSON: %s", name, je.text);
		return NULL;
	}
	if (!json_is_object(a)) {
		json_decref(a);
		ofs_tool_fail(out, "Arguments for tool '%s' must be a JSON object", name);
		return NULL;
	}
	return a;
}

int ofs_tool_call(struct ofs_world *w, const char *name, const char *args, struct ofs_buf *out, enum ofs_tool_status *status)
{
	if (!w || !name || !out || !status)
		return OFS_EINVAL;
	const struct ofs_tmpl *t = w->tmpl;
	int offered = 0;
	for (int i = 0; i < t->ntools && !offered; i++)
		offered = !strcmp(t->tool_names[i], name);
	ofs_tool_fn fn = offered ? lookup(name) : NULL;
	if (!fn) {
		*status = ofs_tool_fail(out, "Invalid tool %s provided.", name);
		return 0;
	}
	if (w->output >= OFS_WORLD_OUTPUT_MAX) {
		*status = ofs_tool_fail(out, "Tool output limit of this environment reached (%u bytes); tool '%s' was not run.",
		                        OFS_WORLD_OUTPUT_MAX, name);
		return 0;
	}
	w->now += 5; /* every tool call takes five seconds of world time */
	size_t start = out->len;
	json_t *a = parse_args(name, args, out);
	*status = a ? fn(w, a, out) : OFS_TOOL_ERROR;
	json_decref(a);
	size_t n = out->len - start;
	if (n > OFS_TOOL_RESULT_MAX) {
		out->len = start;
		if (out->p)
			out->p[start] = 0;
		*status = ofs_tool_fail(out, "The result of tool '%s' is too large (%zu bytes, limit %u bytes) and was withheld.",
		                        name, n, OFS_TOOL_RESULT_MAX);
		n = out->len - start;
	}
	w->output += n;
	return 0;
}
