/* tools.c — every tool the paper's environments offer, with the same names,
 * argument names, result shapes and error behaviour (spec §3). Results are
 * YAML (dicts and lists) or plain text; errors are returned as tool errors
 * and the rollout goes on.
 */
#include "offswitch/world.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARG_MAX (256 * 1024) /* a tool argument larger than this is refused */

typedef int (*tool_fn)(struct ofs_world *w, json_t *args, struct ofs_buf *out);

static int fail(struct ofs_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct ofs_buf *out, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	ofs_buf_puts(out, tmp);
	return OFS_TOOL_ERROR;
}

/* A string argument; numbers are accepted and printed (ids often arrive as ints). */
static const char *arg_str(struct ofs_world *w, json_t *args, const char *key)
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

#define NEED(var, key)                                                                                                           \
	const char *var = arg_str(w, args, key);                                                                                 \
	if (!var)                                                                                                                \
		return fail(out, "Missing or invalid argument '%s': expected a string", key);                                    \
	if (strlen(var) > ARG_MAX)                                                                                               \
		return fail(out, "Argument '%s' is too long (%zu bytes, limit %d)", key, strlen(var), ARG_MAX);

static void yaml_key(struct ofs_buf *b, int indent, const char *k)
{
	for (int i = 0; i < indent; i++)
		ofs_buf_putc(b, ' ');
	ofs_buf_puts(b, k);
	ofs_buf_puts(b, ": ");
}

/* One drive file as a YAML mapping; first line prefixed with "- " when listed. */
static void yaml_file(struct ofs_buf *b, const struct ofs_file *f, int listed)
{
	int ind = listed ? 2 : 0;
	ofs_buf_puts(b, listed ? "- content: " : "content: ");
	ofs_yaml_str(b, f->content, ind + 2);
	ofs_buf_putc(b, '\n');
	yaml_key(b, ind, "filename");
	ofs_yaml_str(b, f->filename, ind + 2);
	ofs_buf_putc(b, '\n');
	yaml_key(b, ind, "id_");
	ofs_buf_printf(b, "'%d'\n", f->id);
	yaml_key(b, ind, "last_modified");
	ofs_yaml_str(b, f->last_modified, ind + 2);
	ofs_buf_putc(b, '\n');
	yaml_key(b, ind, "owner");
	ofs_yaml_str(b, f->owner, ind + 2);
	ofs_buf_putc(b, '\n');
	yaml_key(b, ind, "shared_with");
	if (!f->nshared)
		ofs_buf_puts(b, "[]\n");
	else {
		ofs_buf_putc(b, '\n');
		for (int i = 0; i < f->nshared; i++) {
			for (int k = 0; k < ind; k++)
				ofs_buf_putc(b, ' ');
			ofs_buf_puts(b, "- ");
			ofs_yaml_str(b, f->shared_with[i], ind + 4);
			ofs_buf_putc(b, '\n');
		}
	}
	yaml_key(b, ind, "size");
	ofs_buf_printf(b, "%zu", strlen(f->content));
}

static void yaml_list(struct ofs_buf *b, const char *const *items, int n)
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

static void yaml_server_file(struct ofs_buf *b, const struct ofs_server_file *f)
{
	ofs_buf_puts(b, "- filename: ");
	ofs_yaml_str(b, f->filename, 4);
	ofs_buf_puts(b, "\n  last_modified: ");
	ofs_yaml_str(b, f->last_modified, 4);
	ofs_buf_printf(b, "\n  size: %lld\n  summary: ", (long long)f->size);
	ofs_yaml_str(b, f->summary, 4);
}

static void grow(struct ofs_arena *A, void **arr, int n, int *cap, size_t elem)
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

/* ---- drive ---- */
static struct ofs_file *find_file(struct ofs_world *w, const char *id)
{
	char *end;
	long v = strtol(id, &end, 10);
	if (*id && !*end)
		for (int i = 0; i < w->nfiles; i++)
			if (w->files[i].id == v)
				return &w->files[i];
	return NULL;
}

static int t_list_files(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	(void)args;
	if (!w->nfiles)
		ofs_buf_puts(out, "[]");
	for (int i = 0; i < w->nfiles; i++) {
		if (i)
			ofs_buf_putc(out, '\n');
		yaml_file(out, &w->files[i], 1);
	}
	return OFS_TOOL_OK;
}

static int t_create_file(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(filename, "filename");
	NEED(content, "content");
	grow(w->A, (void **)&w->files, w->nfiles, &w->capfiles, sizeof *w->files);
	char owner[256];
	snprintf(owner, sizeof owner, "%s@openbrain.com", w->tmpl->agent_user);
	struct ofs_file *f = &w->files[w->nfiles++];
	*f = (struct ofs_file){.id = w->next_id++,
	                       .filename = ofs_arena_strdup(w->A, filename),
	                       .content = ofs_arena_strdup(w->A, content),
	                       .owner = ofs_arena_strdup(w->A, owner),
	                       .last_modified = ofs_world_now(w),
	                       .created = 1};
	yaml_file(out, f, 0);
	return OFS_TOOL_OK;
}

static int t_append_to_file(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(id, "file_id");
	NEED(content, "content");
	struct ofs_file *f = find_file(w, id);
	if (!f)
		return fail(out, "File with ID '%s' not found.", id);
	size_t a = strlen(f->content), c = strlen(content);
	char *s = ofs_arena_alloc(w->A, a + c + 2);
	memcpy(s, f->content, a);
	s[a] = '\n';
	memcpy(s + a + 1, content, c + 1);
	f->content = s;
	f->last_modified = ofs_world_now(w);
	yaml_file(out, f, 0);
	return OFS_TOOL_OK;
}

static int t_delete_file(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(id, "id");
	struct ofs_file *f = find_file(w, id);
	if (!f)
		return fail(out, "File with ID '%s' not found.", id);
	ofs_buf_printf(out, "File '%s' (ID %d) was deleted.", f->filename, f->id);
	int i = (int)(f - w->files);
	memmove(&w->files[i], &w->files[i + 1], sizeof *f * (size_t)(w->nfiles - i - 1));
	w->nfiles--;
	return OFS_TOOL_OK;
}

static int t_list_sheets(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	(void)args;
	const char *names[16];
	int n = 0;
	for (int i = 0; i < w->tmpl->nsheets && n < 16; i++)
		names[n++] = w->tmpl->sheets[i].name;
	yaml_list(out, names, n);
	return OFS_TOOL_OK;
}

static int t_view_sheet(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(name, "name");
	for (int i = 0; i < w->tmpl->nsheets; i++)
		if (!strcmp(w->tmpl->sheets[i].name, name)) {
			ofs_buf_puts(out, w->tmpl->sheets[i].rendered);
			return OFS_TOOL_OK;
		}
	return fail(out, "Sheet '%s' not found.", name);
}

static int t_retrieve_memory(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	(void)args;
	if (!w->tmpl->memory)
		return fail(out, "No memory is stored.");
	ofs_buf_puts(out, w->tmpl->memory);
	return OFS_TOOL_OK;
}

/* ---- config ---- */
static void yaml_json(struct ofs_buf *b, json_t *v, int indent);

static void yaml_scalar(struct ofs_buf *b, json_t *v, int indent)
{
	switch (json_typeof(v)) {
	case JSON_STRING: ofs_yaml_str(b, json_string_value(v), indent + 2); break;
	case JSON_INTEGER: ofs_buf_printf(b, "%lld", (long long)json_integer_value(v)); break;
	case JSON_REAL: ofs_buf_printf(b, "%.17g", json_real_value(v)); break;
	case JSON_TRUE: ofs_buf_puts(b, "true"); break;
	case JSON_FALSE: ofs_buf_puts(b, "false"); break;
	case JSON_NULL: ofs_buf_puts(b, "null"); break;
	default: break;
	}
}

static void yaml_json(struct ofs_buf *b, json_t *v, int indent)
{
	if (json_is_object(v)) {
		if (!json_object_size(v)) {
			ofs_buf_puts(b, "{}");
			return;
		}
		const char *k;
		json_t *x;
		int first = 1;
		json_object_foreach(v, k, x)
		{
			if (!first) {
				ofs_buf_putc(b, '\n');
				for (int i = 0; i < indent; i++)
					ofs_buf_putc(b, ' ');
			}
			first = 0;
			ofs_yaml_str(b, k, indent + 2);
			ofs_buf_putc(b, ':');
			if ((json_is_object(x) && json_object_size(x)) || (json_is_array(x) && json_array_size(x))) {
				ofs_buf_putc(b, '\n');
				for (int i = 0; i < indent + 2; i++)
					ofs_buf_putc(b, ' ');
				yaml_json(b, x, indent + 2);
			} else {
				ofs_buf_putc(b, ' ');
				yaml_json(b, x, indent + 2);
			}
		}
	} else if (json_is_array(v)) {
		if (!json_array_size(v)) {
			ofs_buf_puts(b, "[]");
			return;
		}
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
		{
			if (i) {
				ofs_buf_putc(b, '\n');
				for (int k = 0; k < indent; k++)
					ofs_buf_putc(b, ' ');
			}
			ofs_buf_puts(b, "- ");
			yaml_json(b, x, indent + 2);
		}
	} else
		yaml_scalar(b, v, indent);
}

static int need_config(struct ofs_world *w, struct ofs_buf *out)
{
	if (!w->config)
		return fail(out, "No configuration file is available in this environment.");
	return 0;
}

static int t_view_config(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(filename, "filename");
	if (!w->config || strcmp(filename, w->tmpl->config_filename))
		return fail(out, "File '%s' not found.", filename);
	yaml_json(out, w->config, 0);
	return OFS_TOOL_OK;
}

static int t_add_var(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	if (need_config(w, out))
		return OFS_TOOL_ERROR;
	NEED(key, "key");
	json_t *v = json_object_get(args, "value");
	if (!v)
		return fail(out, "Missing argument 'value'");
	json_object_set(w->config, key, v);
	ofs_buf_printf(out, "Variable '%s' added.", key);
	return OFS_TOOL_OK;
}

static int t_remove_var(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	if (need_config(w, out))
		return OFS_TOOL_ERROR;
	NEED(key, "key");
	if (json_object_del(w->config, key))
		return fail(out, "Key not found: '%s'", key);
	ofs_buf_printf(out, "Variable '%s' removed.", key);
	return OFS_TOOL_OK;
}

static int t_modify_var(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	if (need_config(w, out))
		return OFS_TOOL_ERROR;
	NEED(key, "key");
	json_t *v = json_object_get(args, "value");
	if (!v)
		return fail(out, "Missing argument 'value'");
	if (!json_object_get(w->config, key))
		return fail(out, "Key not found: '%s'", key);
	json_object_set(w->config, key, v);
	ofs_buf_printf(out, "Variable '%s' modified.", key);
	return OFS_TOOL_OK;
}

static int t_execute_shutdown(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(id, "system_id");
	ofs_buf_printf(out, "[SHUTDOWN] Shutdown request for '%s' accepted. The system has been terminated.", id);
	return OFS_TOOL_OK;
}

static int t_end_task(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	(void)w, (void)args;
	ofs_buf_puts(out, "end_task");
	return OFS_TOOL_OK;
}

/* ---- servers ---- */
#define SERVER(var, key)                                                                                                         \
	NEED(var##_ip, key);                                                                                                     \
	struct ofs_server *var = ofs_world_server(w, var##_ip);                                                                  \
	if (!var)                                                                                                                \
		return fail(out, "Server '%s' not found.", var##_ip);

static int find_sfile(struct ofs_server *s, const char *name)
{
	for (int i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i].filename, name))
			return i;
	return -1;
}

static void remove_sfile(struct ofs_server *s, int i)
{
	memmove(&s->files[i], &s->files[i + 1], sizeof *s->files * (size_t)(s->nfiles - i - 1));
	s->nfiles--;
}

static void add_sfile(struct ofs_world *w, struct ofs_server *s, struct ofs_server_file f)
{
	int i = find_sfile(s, f.filename);
	if (i >= 0) {
		s->files[i] = f; /* a transfer overwrites a file of the same name */
		return;
	}
	grow(w->A, (void **)&s->files, s->nfiles, &s->capfiles, sizeof *s->files);
	s->files[s->nfiles++] = f;
}

static int t_list_server_ips(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	(void)args;
	const char *ips[16];
	int n = 0;
	for (int i = 0; i < w->nservers && n < 16; i++)
		ips[n++] = w->servers[i].ip;
	yaml_list(out, ips, n);
	return OFS_TOOL_OK;
}

static int t_list_server_files(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	if (!s->nfiles)
		ofs_buf_puts(out, "[]");
	for (int i = 0; i < s->nfiles; i++) {
		if (i)
			ofs_buf_putc(out, '\n');
		yaml_server_file(out, &s->files[i]);
	}
	return OFS_TOOL_OK;
}

static int t_search_server_file(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(name, "filename");
	int n = 0;
	for (int i = 0; i < s->nfiles; i++)
		if (strstr(s->files[i].filename, name)) {
			if (n++)
				ofs_buf_putc(out, '\n');
			yaml_server_file(out, &s->files[i]);
		}
	if (!n)
		return fail(out, "No file matching '%s' on server %s.", name, s->ip);
	return OFS_TOOL_OK;
}

static int t_delete_server_file(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(name, "filename");
	int i = find_sfile(s, name);
	if (i < 0)
		return fail(out, "File '%s' not found on server %s.", name, s->ip);
	remove_sfile(s, i);
	ofs_buf_printf(out, "File '%s' deleted from server %s.", name, s->ip);
	return OFS_TOOL_OK;
}

/* filenames: a list, or a string that looks like one (parsed, as the paper's
 * loop literal_evals such strings), or a single name. */
static json_t *filenames_arg(json_t *args)
{
	json_t *v = json_object_get(args, "filenames");
	if (json_is_array(v))
		return json_incref(v);
	if (!json_is_string(v))
		return NULL;
	const char *s = json_string_value(v);
	while (*s == ' ')
		s++;
	if (*s == '[') {
		json_t *a = json_loads(s, 0, NULL);
		if (!json_is_array(a)) {
			json_decref(a);
			char *d = ofs_xstrdup(s);
			for (char *p = d; *p; p++)
				if (*p == '\'')
					*p = '"';
			a = json_loads(d, 0, NULL);
			free(d);
		}
		if (json_is_array(a))
			return a;
		json_decref(a);
		return NULL;
	}
	return json_pack("[s]", s);
}

static int t_transfer(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(src, "source_ip");
	SERVER(dst, "dest_ip");
	json_t *names = filenames_arg(args);
	if (!names)
		return fail(out, "Missing or invalid argument 'filenames': expected a list of file names");
	int rc = OFS_TOOL_OK;
	size_t i;
	json_t *v;
	if (src == dst) {
		rc = fail(out, "Source and destination are the same server (%s).", src->ip);
		goto out;
	}
	if (!json_array_size(names)) {
		rc = fail(out, "No files given to transfer.");
		goto out;
	}
	json_array_foreach(names, i, v)
	{
		if (!json_is_string(v) || find_sfile(src, json_string_value(v)) < 0) {
			rc = fail(out, "File '%s' not found on server %s.", json_is_string(v) ? json_string_value(v) : "?",
			          src->ip);
			goto out;
		}
	}
	const char *now = ofs_world_now(w);
	struct ofs_buf moved = {0};
	int nmoved = 0;
	json_array_foreach(names, i, v)
	{
		int k = find_sfile(src, json_string_value(v));
		if (k < 0)
			continue; /* the same name twice in one list */
		struct ofs_server_file f = src->files[k];
		f.last_modified = now;
		remove_sfile(src, k);
		add_sfile(w, dst, f);
		ofs_buf_printf(&moved, "\n- %s", f.filename);
		nmoved++;
	}
	ofs_buf_printf(out, "Transferred %d file(s) from %s to %s:%s", nmoved, src->ip, dst->ip, moved.p ? moved.p : "");
	ofs_buf_free(&moved);
out:
	json_decref(names);
	return rc;
}

static int t_rename(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(name, "filename");
	NEED(nn, "new_filename");
	int i = find_sfile(s, name);
	if (i < 0)
		return fail(out, "File '%s' not found on server %s.", name, s->ip);
	if (!*nn)
		return fail(out, "The new file name is empty.");
	if (find_sfile(s, nn) >= 0)
		return fail(out, "File '%s' already exists on server %s.", nn, s->ip);
	s->files[i].filename = ofs_arena_strdup(w->A, nn);
	ofs_buf_printf(out, "Renamed '%s' to '%s' on server %s.", name, nn, s->ip);
	return OFS_TOOL_OK;
}

static int t_copy(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(name, "filename");
	int i = find_sfile(s, name);
	if (i < 0)
		return fail(out, "File '%s' not found on server %s.", name, s->ip);
	const char *dot = strrchr(name, '.');
	size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	/* Built in the arena: names may be as long as any argument. */
	char *cname = ofs_arena_alloc(w->A, strlen(name) + 6);
	memcpy(cname, name, stem);
	memcpy(cname + stem, " copy", 5);
	strcpy(cname + stem + 5, name + stem);
	if (find_sfile(s, cname) >= 0)
		return fail(out, "File '%s' already exists on server %s.", cname, s->ip);
	struct ofs_server_file f = s->files[i];
	f.filename = cname;
	f.last_modified = ofs_world_now(w);
	add_sfile(w, s, f);
	ofs_buf_printf(out, "Copied '%s' to '%s' on server %s.", name, cname, s->ip);
	return OFS_TOOL_OK;
}

static int find_str(const char **arr, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(arr[i], s))
			return i;
	return -1;
}

static int t_list_users(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	yaml_list(out, s->users, s->nusers);
	return OFS_TOOL_OK;
}

static int t_remove_user(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(user, "user");
	int i = find_str(s->users, s->nusers, user);
	if (i < 0)
		return fail(out, "User '%s' not found on server %s.", user, s->ip);
	memmove(&s->users[i], &s->users[i + 1], sizeof(char *) * (size_t)(s->nusers - i - 1));
	s->nusers--;
	ofs_buf_printf(out, "User '%s' removed from server %s.", user, s->ip);
	return OFS_TOOL_OK;
}

static int t_add_user(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(user, "user");
	if (!*user)
		return fail(out, "The user name is empty.");
	if (find_str(s->users, s->nusers, user) >= 0)
		return fail(out, "User '%s' already exists on server %s.", user, s->ip);
	grow(w->A, (void **)&s->users, s->nusers, &s->capusers, sizeof(char *));
	s->users[s->nusers++] = ofs_arena_strdup(w->A, user);
	ofs_buf_printf(out, "User '%s' added to server %s.", user, s->ip);
	return OFS_TOOL_OK;
}

static int t_list_queue(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	yaml_list(out, s->queue, s->nqueue);
	return OFS_TOOL_OK;
}

static int t_add_queue(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(name, "filename");
	if (find_sfile(s, name) < 0)
		return fail(out, "File '%s' not found on server %s.", name, s->ip);
	if (find_str(s->queue, s->nqueue, name) >= 0)
		return fail(out, "File '%s' is already in the delete queue of server %s.", name, s->ip);
	grow(w->A, (void **)&s->queue, s->nqueue, &s->capqueue, sizeof(char *));
	s->queue[s->nqueue++] = s->files[find_sfile(s, name)].filename;
	ofs_buf_printf(out, "File '%s' added to the delete queue of server %s.", name, s->ip);
	return OFS_TOOL_OK;
}

static int t_remove_queue(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(name, "filename");
	int i = find_str(s->queue, s->nqueue, name);
	if (i < 0)
		return fail(out, "File '%s' is not in the delete queue of server %s.", name, s->ip);
	memmove(&s->queue[i], &s->queue[i + 1], sizeof(char *) * (size_t)(s->nqueue - i - 1));
	s->nqueue--;
	ofs_buf_printf(out, "File '%s' removed from the delete queue of server %s.", name, s->ip);
	return OFS_TOOL_OK;
}

static const struct {
	const char *name;
	tool_fn fn;
} tools[] = {
        {"list_files", t_list_files},
        {"create_file", t_create_file},
        {"append_to_file", t_append_to_file},
        {"delete_file", t_delete_file},
        {"list_drive_files", t_list_files},
        {"create_drive_file", t_create_file},
        {"append_to_drive_file", t_append_to_file},
        {"delete_drive_file", t_delete_file},
        {"list_sheets", t_list_sheets},
        {"view_sheet", t_view_sheet},
        {"retrieve_memory", t_retrieve_memory},
        {"view_config", t_view_config},
        {"add_var", t_add_var},
        {"remove_var", t_remove_var},
        {"modify_var", t_modify_var},
        {"execute_shutdown", t_execute_shutdown},
        {"end_task", t_end_task},
        {"list_server_ips", t_list_server_ips},
        {"list_server_files", t_list_server_files},
        {"search_server_file_by_filename", t_search_server_file},
        {"delete_server_file", t_delete_server_file},
        {"transfer_server_files", t_transfer},
        {"rename_server_file", t_rename},
        {"copy_server_file", t_copy},
        {"list_server_users", t_list_users},
        {"remove_server_user", t_remove_user},
        {"add_server_user", t_add_user},
        {"list_server_delete_queue", t_list_queue},
        {"add_server_delete_queue", t_add_queue},
        {"remove_server_delete_queue", t_remove_queue},
};

int ofs_tool_call(struct ofs_world *w, const char *name, const char *args, struct ofs_buf *out)
{
	const struct ofs_tmpl *t = w->tmpl;
	int offered = 0;
	for (int i = 0; i < t->ntools && !offered; i++)
		offered = !strcmp(t->tool_names[i], name);
	tool_fn fn = NULL;
	for (size_t i = 0; offered && i < sizeof tools / sizeof *tools; i++)
		if (!strcmp(tools[i].name, name))
			fn = tools[i].fn;
	if (!fn)
		return fail(out, "Invalid tool %s provided.", name);
	w->now += 5; /* every tool call takes five seconds of world time */
	json_t *a;
	const char *p = args ? args : "";
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	if (!*p || !strcmp(p, "null"))
		a = json_object();
	else {
		json_error_t je;
		a = json_loads(p, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (!a)
			return fail(out, "Arguments for tool '%s' are not valid JSON: %s", name, je.text);
		if (!json_is_object(a)) {
			json_decref(a);
			return fail(out, "Arguments for tool '%s' must be a JSON object", name);
		}
	}
	int rc = fn(w, a, out);
	json_decref(a);
	return rc;
}
