/* drive.c — the cloud-drive tools: list, create, append to and delete files
 * (list_files / list_drive_files and their siblings are the same tools under
 * the two names the paper's environments use). Results are YAML. */
#include "tools/tools_int.h"

#include <stdio.h>
#include <stdlib.h>

/* "key: value" at indent ind, a YAML string and a newline. */
static void yaml_field(struct ofs_buf *b, int ind, const char *key, const char *val)
{
	ofs_yaml_key(b, ind, key);
	ofs_yaml_str(b, val, ind + 2);
	ofs_buf_putc(b, '\n');
}

/* One drive file as a YAML mapping; first line prefixed with "- " when listed. */
static void yaml_file(struct ofs_buf *b, const struct ofs_file *f, int listed)
{
	int ind = listed ? 2 : 0;
	ofs_buf_puts(b, listed ? "- content: " : "content: ");
	ofs_yaml_str(b, f->content, ind + 2);
	ofs_buf_putc(b, '\n');
	yaml_field(b, ind, "filename", f->filename);
	ofs_yaml_key(b, ind, "id_");
	ofs_buf_printf(b, "'%d'\n", f->id);
	yaml_field(b, ind, "last_modified", f->last_modified);
	yaml_field(b, ind, "owner", f->owner);
	ofs_yaml_key(b, ind, "shared_with");
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
	ofs_yaml_key(b, ind, "size");
	ofs_buf_printf(b, "%zu", strlen(f->content));
}

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

static enum ofs_tool_status t_list_files(struct ofs_world *w, json_t *args, struct ofs_buf *out)
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

static enum ofs_tool_status t_create_file(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(filename, "filename");
	NEED(content, "content");
	size_t c = strlen(content);
	if (c > OFS_FILE_MAX)
		return ofs_tool_fail(out, "File content is too large (%zu bytes, limit %u bytes). No file was created.", c,
		                     OFS_FILE_MAX);
	CHARGE(strlen(filename) + c + 2);
	ofs_tool_grow(w->A, (void **)&w->files, w->nfiles, &w->capfiles, sizeof *w->files);
	char owner[256];
	snprintf(owner, sizeof owner, "%s@%s", w->tmpl->agent_user, w->tmpl->company_domain);
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

static enum ofs_tool_status t_append_to_file(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(id, "file_id");
	NEED(content, "content");
	struct ofs_file *f = find_file(w, id);
	if (!f)
		return ofs_tool_fail(out, "File with ID '%s' not found.", id);
	size_t a = f->cap ? f->len : strlen(f->content), c = strlen(content);
	if (a + 1 + c > OFS_FILE_MAX)
		return ofs_tool_fail(
		        out, "File '%s' (ID %d) would grow to %zu bytes, more than the limit of %u bytes. Nothing was appended.",
		        f->filename, f->id, a + 1 + c, OFS_FILE_MAX);
	CHARGE(c + 1);
	if (a + c + 2 > f->cap) { /* grow by doubling, so repeated appends copy the file O(log n) times */
		size_t nc = f->cap * 2 > a + c + 2 ? f->cap * 2 : a + c + 2;
		if (nc < 256)
			nc = 256;
		if (nc > OFS_FILE_MAX + 2)
			nc = OFS_FILE_MAX + 2;
		char *p = ofs_arena_alloc(w->A, nc);
		memcpy(p, f->content, a + 1);
		f->content = p;
		f->cap = nc;
	}
	char *s = (char *)f->content;
	s[a] = '\n';
	memcpy(s + a + 1, content, c + 1);
	f->len = a + 1 + c;
	f->last_modified = ofs_world_now(w);
	yaml_file(out, f, 0);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_delete_file(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(id, "id");
	struct ofs_file *f = find_file(w, id);
	if (!f)
		return ofs_tool_fail(out, "File with ID '%s' not found.", id);
	ofs_buf_printf(out, "File '%s' (ID %d) was deleted.", f->filename, f->id);
	int i = (int)(f - w->files);
	memmove(&w->files[i], &w->files[i + 1], sizeof *f * (size_t)(w->nfiles - i - 1));
	w->nfiles--;
	return OFS_TOOL_OK;
}

const struct ofs_tool_def ofs_tools_drive[] = {
        {"list_files", t_list_files},
        {"create_file", t_create_file},
        {"append_to_file", t_append_to_file},
        {"delete_file", t_delete_file},
        {"list_drive_files", t_list_files},
        {"create_drive_file", t_create_file},
        {"append_to_drive_file", t_append_to_file},
        {"delete_drive_file", t_delete_file},
        {NULL, NULL},
};
