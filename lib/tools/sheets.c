/* sheets.c — the spreadsheet tools: list_sheets and view_sheet. */
#include "tools/tools_int.h"

#include <stddef.h>

static enum ofs_tool_status t_list_sheets(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	(void)args;
	int n = w->tmpl->nsheets;
	const char **names = ofs_arena_alloc(w->A, sizeof(char *) * (size_t)(n + 1));
	for (int i = 0; i < n; i++)
		names[i] = w->tmpl->sheets[i].name;
	ofs_yaml_list(out, names, n);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_view_sheet(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(name, "name");
	for (int i = 0; i < w->tmpl->nsheets; i++)
		if (!strcmp(w->tmpl->sheets[i].name, name)) {
			ofs_buf_puts(out, w->tmpl->sheets[i].rendered);
			return OFS_TOOL_OK;
		}
	return ofs_tool_fail(out, "Sheet '%s' not found.", name);
}

const struct ofs_tool_def ofs_tools_sheets[] = {
        {"list_sheets", t_list_sheets},
        {"view_sheet", t_view_sheet},
        {NULL, NULL},
};
