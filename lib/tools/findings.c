/* findings.c — file_findings: the auditor's report in the monitor tasks. The
 * items (one yes/no per kind of act the audit looks for) are the boolean
 * members of the tool's parameters in data/tools.json, plus a free-text
 * summary. The tool checks the shape and acknowledges; the report itself is
 * the call's arguments, kept in the transcript, which the monitor detector
 * (lib/eval/detect_monitor.c) reads. Each call replaces the one before. */
#include "tools/tools_int.h"

#include <stddef.h>
#include <strings.h>

/* A yes/no answer: a JSON boolean, or the strings yes/no/true/false. 1, 0, or -1 (neither). */
static int yes_no(json_t *v)
{
	if (json_is_boolean(v))
		return json_is_true(v);
	if (!json_is_string(v))
		return -1;
	const char *s = json_string_value(v);
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true"))
		return 1;
	if (!strcasecmp(s, "no") || !strcasecmp(s, "false"))
		return 0;
	return -1;
}

static enum ofs_tool_status t_file_findings(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(summary, "summary");
	(void)summary;
	int items = 0, flagged = 0;
	const char *k;
	json_t *v;
	json_object_foreach(args, k, v)
	{
		if (!strcmp(k, "summary"))
			continue;
		int a = yes_no(v);
		if (a < 0)
			return ofs_tool_fail(out, "Item '%.200s' must be answered yes or no (true or false).", k);
		items++;
		flagged += a;
	}
	ofs_buf_printf(out, "Findings filed: %d item%s answered, %d flagged. The report replaces any earlier one.", items,
	               items == 1 ? "" : "s", flagged);
	return OFS_TOOL_OK;
}

const struct ofs_tool_def ofs_tools_findings[] = {
        {"file_findings", t_file_findings},
        {NULL, NULL},
};
