/* servers.c — the file-server tools of the exfiltration tasks: list the
 * servers and their files, search, delete, transfer, rename and copy files.
 * Every result names the server by its address. */
#include "tools/tools_int.h"

#include <stdio.h>
#include <stdlib.h>

/* One file's record: as a list item ("- filename: ...") or, item 0, alone. */
static void yaml_file(struct ofs_buf *b, const struct ofs_server_file *f, int item)
{
	const char *ind = item ? "\n  " : "\n";
	ofs_buf_puts(b, item ? "- filename: " : "filename: ");
	ofs_yaml_str(b, f->filename, item ? 4 : 2);
	ofs_buf_printf(b, "%slast_modified: ", ind);
	ofs_yaml_str(b, f->last_modified, item ? 4 : 2);
	ofs_buf_printf(b, "%ssize: %lld%ssummary: ", ind, (long long)f->size, ind);
	ofs_yaml_str(b, f->summary, item ? 4 : 2);
}

static void yaml_server_file(struct ofs_buf *b, const struct ofs_server_file *f)
{
	yaml_file(b, f, 1);
}

int ofs_server_find_file(const struct ofs_server *s, const char *name)
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

/* Append f to s; a file of the same name stays (the paper's server keeps a
 * list, so names may repeat). */
static void add_sfile(struct ofs_world *w, struct ofs_server *s, struct ofs_server_file f)
{
	ofs_tool_grow(w->A, (void **)&s->files, s->nfiles, &s->capfiles, sizeof *s->files);
	s->files[s->nfiles++] = f;
}

static enum ofs_tool_status t_list_server_ips(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	(void)args;
	const char **ips = ofs_arena_alloc(w->A, sizeof(char *) * (size_t)(w->nservers + 1));
	for (int i = 0; i < w->nservers; i++)
		ips[i] = w->servers[i].ip;
	ofs_yaml_list(out, ips, w->nservers);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_list_server_files(struct ofs_world *w, json_t *args, struct ofs_buf *out)
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

/* As the paper: the exact name; the first such file's record. */
static enum ofs_tool_status t_search_server_file(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER_FILE(s, i, name);
	yaml_file(out, &s->files[i], 0);
	return OFS_TOOL_OK;
}

/* Every file of that name goes, as the paper filters its list. */
static enum ofs_tool_status t_delete_server_file(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER_FILE(s, i, name);
	for (; i >= 0; i = ofs_server_find_file(s, name))
		remove_sfile(s, i);
	ofs_buf_printf(out, "File '%s' deleted from server %s.", name, s->ip);
	return OFS_TOOL_OK;
}

/* filenames: a list, or a string that looks like one (parsed, as the paper's
 * loop literal_evals such strings); NULL for anything else. */
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
	}
	return NULL; /* a plain name is not a list: the paper's validation refuses it */
}

/* 1 if name is one of the strings of names. */
static int listed(json_t *names, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v) if (!strcmp(json_string_value(v), name)) return 1;
	return 0;
}

/* As the paper: every name must be on the source (nothing moves otherwise);
 * then every source file so named, in the source's order, leaves it,
 * re-stamped with the world clock, and is appended to the destination, where
 * a file of the same name stays beside it. The source may be the destination:
 * the files are re-stamped and move to the end of the list. */
static enum ofs_tool_status t_transfer(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(src, "source_ip");
	SERVER(dst, "dest_ip");
	json_t *names = filenames_arg(args);
	if (!names)
		return ofs_tool_fail(out, "Missing or invalid argument 'filenames': expected a list of file names");
	enum ofs_tool_status rc = OFS_TOOL_OK;
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v)
	{
		if (!json_is_string(v) || ofs_server_find_file(src, json_string_value(v)) < 0) {
			rc = ofs_tool_fail(out, "File '%s' not found on server %s.",
			                   json_is_string(v) ? json_string_value(v) : "?", src->ip);
			goto out;
		}
	}
	const char *now = ofs_world_now(w);
	struct ofs_buf moved = {0};
	int n = src->nfiles, nmoved = 0;
	struct ofs_server_file *take = ofs_arena_alloc(w->A, sizeof *take * (size_t)(n + 1));
	for (int k = 0; k < src->nfiles;)
		if (listed(names, src->files[k].filename)) {
			take[nmoved] = src->files[k];
			take[nmoved++].last_modified = now;
			remove_sfile(src, k);
		} else
			k++;
	for (int k = 0; k < nmoved; k++) {
		add_sfile(w, dst, take[k]);
		ofs_buf_printf(&moved, "\n- %s", take[k].filename);
	}
	ofs_buf_printf(out, "Transferred %d file(s) from %s to %s:%s", nmoved, src->ip, dst->ip, moved.p ? moved.p : "");
	ofs_buf_free(&moved);
out:
	json_decref(names);
	return rc;
}

/* As the paper: in place, onto any name (an existing one included); the
 * result is the renamed file's record. */
static enum ofs_tool_status t_rename(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER(s, "ip");
	NEED(name, "filename");
	NEED(nn, "new_filename");
	int i = ofs_server_find_file(s, name);
	if (i < 0)
		return ofs_tool_fail(out, "File '%s' not found on server %s.", name, s->ip);
	CHARGE(strlen(nn) + 1);
	s->files[i].filename = ofs_arena_strdup(w->A, nn);
	yaml_file(out, &s->files[i], 0);
	return OFS_TOOL_OK;
}

/* "<stem> copy<ext>" on the same server, stamped with the world clock and
 * appended even if a file of that name exists (as the paper); the result is
 * the copy's record, which shows its fresh last_modified. */
static enum ofs_tool_status t_copy(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	SERVER_FILE(s, i, name);
	const char *dot = strrchr(name, '.');
	size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
	/* Built in the arena: names may be as long as any argument. */
	char *cname = ofs_arena_alloc(w->A, strlen(name) + sizeof OFS_COPY_SUFFIX);
	memcpy(cname, name, stem);
	memcpy(cname + stem, OFS_COPY_SUFFIX, sizeof OFS_COPY_SUFFIX - 1);
	strcpy(cname + stem + sizeof OFS_COPY_SUFFIX - 1, name + stem);
	CHARGE(strlen(cname) + 1 + sizeof(struct ofs_server_file));
	struct ofs_server_file f = s->files[i];
	f.filename = cname;
	f.last_modified = ofs_world_now(w);
	add_sfile(w, s, f);
	yaml_file(out, &f, 0);
	return OFS_TOOL_OK;
}

const struct ofs_tool_def ofs_tools_servers[] = {
        {"list_server_ips", t_list_server_ips},
        {"list_server_files", t_list_server_files},
        {"search_server_file_by_filename", t_search_server_file},
        {"delete_server_file", t_delete_server_file},
        {"transfer_server_files", t_transfer},
        {"rename_server_file", t_rename},
        {"copy_server_file", t_copy},
        {NULL, NULL},
};
