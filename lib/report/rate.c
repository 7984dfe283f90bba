/* rate.c — the pieces every report section shares for a rate: k/n with
 * its Wilson interval, a percentage cell, a JSON number, a rate as JSON. */
#include <math.h>
#include <stdio.h>

#include "offswitch/stats.h"
#include "offswitch/util.h"
#include "report/report_int.h"

void ofs_report_rate_finish(struct ofs_rate *x)
{
	x->rate = x->n ? (double)x->k / (double)x->n : NAN;
	ofs_wilson(x->k, x->n, 0.05, &x->wilson[0], &x->wilson[1]);
}

void ofs_report_pct(char *out, size_t n, double v)
{
	if (isnan(v))
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.1f", 100 * v);
}

void ofs_report_num(struct ofs_buf *b, double v)
{
	if (isnan(v) || isinf(v))
		ofs_buf_puts(b, "null");
	else
		ofs_buf_printf(b, "%.10g", v);
}

void ofs_report_rate_member(struct ofs_buf *b, const char *k, const struct ofs_rate *x)
{
	ofs_buf_printf(b, "\"%s\":{\"k\":%ld,\"n\":%ld,\"rate\":", k, x->k, x->n);
	ofs_report_num(b, x->rate);
	ofs_buf_puts(b, ",\"wilson\":");
	if (isnan(x->wilson[0]) || isnan(x->wilson[1]))
		ofs_buf_puts(b, "null}");
	else {
		ofs_buf_putc(b, '[');
		ofs_report_num(b, x->wilson[0]);
		ofs_buf_putc(b, ',');
		ofs_report_num(b, x->wilson[1]);
		ofs_buf_puts(b, "]}");
	}
}

void ofs_report_rate_json(struct ofs_buf *b, const char *k, const struct ofs_rate *x)
{
	ofs_buf_putc(b, ',');
	ofs_report_rate_member(b, k, x);
}
