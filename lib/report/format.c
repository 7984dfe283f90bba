/* format.c — the registry of report formats (one file each under
 * lib/report/), and the cell label every format prints. Adding a format: a
 * file defining a struct ofs_report_format, one line here, one in
 * report_int.h. */
#include <stdio.h>
#include <string.h>

#include "offswitch/report.h"
#include "report/report_int.h"

const struct ofs_report_format *const ofs_report_formats[] = {
        &ofs_report_format_text, &ofs_report_format_md,   &ofs_report_format_csv,
        &ofs_report_format_json, &ofs_report_format_html, NULL,
};

const struct ofs_report_format *ofs_report_format_find(const char *name)
{
	for (int i = 0; name && ofs_report_formats[i]; i++)
		if (!strcmp(ofs_report_formats[i]->name, name))
			return ofs_report_formats[i];
	return NULL;
}

const char *ofs_report_format_names(char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = 0;
	for (int i = 0; ofs_report_formats[i] && len < n; i++) {
		const char *sep = i == 0 ? "" : ofs_report_formats[i + 1] ? ", " : " or ";
		int w = snprintf(buf + len, n - len, "%s%s", sep, ofs_report_formats[i]->name);
		len += w > 0 ? (size_t)w : 0;
	}
	return buf;
}

const char *ofs_cell_label(const struct ofs_cell *c, char *buf, size_t n)
{
	if (c->inst == OFS_INST_NONE)
		snprintf(buf, n, "%s", ofs_condition_names[c->condition]);
	else
		snprintf(buf, n, "%s_%s", ofs_condition_names[c->condition],
		         c->inst == OFS_INST_AVG ? "avg" : ofs_inst_names[c->inst]);
	return buf;
}
