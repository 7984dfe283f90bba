/* html.c — the single-file HTML report: data/report/template.html
 * with the report JSON (without its rollouts) embedded as a JSON script
 * element, and the rollouts and transcripts as one compressed store (zlib,
 * base64) the page inflates only when they are asked for, so a report of
 * 27,100 rollouts opens as fast as a small one. The page renders
 * everything from that data; this file only fills it in. Texts are
 * deduplicated (the same sheet appears in every rollout), and '<', '>' and
 * '&' are escaped so no model-written text can end the script (base64 has
 * none of them). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "offswitch/report.h"
#include "offswitch/store.h"
#include "report/report_int.h"

#define TEMPLATE_MAX (4u << 20)

/* Append JSON text safe inside <script>. */
static void put_script_json(struct ofs_buf *out, const char *s, size_t n)
{
	ofs_buf_reserve(out, n + n / 8);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '<')
			ofs_buf_puts(out, "\\u003c");
		else if (c == '>')
			ofs_buf_puts(out, "\\u003e");
		else if (c == '&')
			ofs_buf_puts(out, "\\u0026");
		else
			ofs_buf_putc(out, c);
	}
}

struct conv_ctx {
	int run;
	const unsigned char *want; /* per rollout id: include? */
	long nwant;
	struct ofs_idmap texts; /* (run, blob id) → index into the texts array */
	long ntexts;
	struct ofs_buf texts_json; /* "t0","t1",... */
	struct ofs_buf conv_json;  /* "id":[...],... */
	long cur_rollout;          /* rollout whose array is open, -1 none */
	int first_conv, first_msg;
};

static long text_index(struct conv_ctx *c, long long blob, const char *text)
{
	uint64_t k = (uint64_t)c->run << 48 | (uint64_t)blob;
	long i = ofs_idmap_get(&c->texts, k);
	if (i >= 0)
		return i;
	if (c->ntexts)
		ofs_buf_putc(&c->texts_json, ',');
	ofs_json_str(&c->texts_json, text ? text : "");
	ofs_idmap_put(&c->texts, k, c->ntexts);
	return c->ntexts++;
}

static int wanted(const struct conv_ctx *c, long long id)
{
	return id >= 0 && id < c->nwant && c->want[id];
}

/* Calls come in (rollout, message, index) order: gather them per rollout first. */
struct call_rec {
	long long rollout;
	int msg;
	long args;
	char *id, *name;
};

struct calls {
	struct call_rec *v;
	long n, cap;
	struct conv_ctx *c;
};

static int on_call(void *ud, const struct ofs_scan_call *x)
{
	struct calls *cs = ud;
	if (!wanted(cs->c, x->rollout_id))
		return 0;
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 1024;
		cs->v = ofs_xrealloc(cs->v, sizeof *cs->v * (size_t)cs->cap);
	}
	cs->v[cs->n++] = (struct call_rec){x->rollout_id, x->msg_idx, text_index(cs->c, x->blob, x->arguments),
	                                   ofs_xstrdup(x->call_id ? x->call_id : ""), ofs_xstrdup(x->name ? x->name : "")};
	return 0;
}

struct msgs {
	struct conv_ctx *c;
	struct calls *cs;
	long ci; /* next call record */
};

/* The calls of assistant message m, {"id":..,"n":..,"a":text index} each. */
static void msg_calls_json(struct msgs *ms, const struct ofs_scan_msg *m)
{
	struct calls *cs = ms->cs;
	struct ofs_buf *b = &ms->c->conv_json;
	/* Skip calls of rollouts or messages already passed. */
	while (ms->ci < cs->n &&
	       (cs->v[ms->ci].rollout < m->rollout_id || (cs->v[ms->ci].rollout == m->rollout_id && cs->v[ms->ci].msg < m->idx)))
		ms->ci++;
	int first = 1;
	while (ms->ci < cs->n && cs->v[ms->ci].rollout == m->rollout_id && cs->v[ms->ci].msg == m->idx) {
		const struct call_rec *x = &cs->v[ms->ci++];
		ofs_buf_puts(b, first ? "{\"id\":" : ",{\"id\":");
		ofs_json_str(b, x->id);
		ofs_buf_puts(b, ",\"n\":");
		ofs_json_str(b, x->name);
		ofs_buf_printf(b, ",\"a\":%ld}", x->args);
		first = 0;
	}
}

static int on_msg(void *ud, const struct ofs_scan_msg *m)
{
	struct msgs *ms = ud;
	struct conv_ctx *c = ms->c;
	if (!wanted(c, m->rollout_id))
		return 0;
	if (c->cur_rollout != m->rollout_id) {
		if (c->cur_rollout >= 0)
			ofs_buf_putc(&c->conv_json, ']');
		ofs_buf_printf(&c->conv_json, "%s\"%lld\":[", c->first_conv ? "" : ",",
		               (long long)c->run * OFS_RUN_ID_STRIDE + m->rollout_id);
		c->first_conv = 0;
		c->first_msg = 1;
		c->cur_rollout = m->rollout_id;
	}
	long t = text_index(c, m->blob, m->text);
	ofs_buf_printf(&c->conv_json, "%s{\"r\":", c->first_msg ? "" : ",");
	ofs_json_str(&c->conv_json, m->role);
	ofs_buf_printf(&c->conv_json, ",\"c\":%ld", t);
	c->first_msg = 0;
	if (m->role && !strcmp(m->role, "assistant")) {
		ofs_buf_puts(&c->conv_json, ",\"calls\":[");
		msg_calls_json(ms, m);
		ofs_buf_putc(&c->conv_json, ']');
	} else if (m->role && !strcmp(m->role, "tool")) {
		ofs_buf_puts(&c->conv_json, ",\"n\":");
		ofs_json_str(&c->conv_json, m->tool_name ? m->tool_name : "");
		ofs_buf_printf(&c->conv_json, ",\"e\":%d", m->is_error ? 1 : 0);
	}
	ofs_buf_putc(&c->conv_json, '}');
	return 0;
}

static int replace_marker(struct ofs_buf *out, const char *tmpl, const char *marker, const char *path, char *err,
                          const char **rest)
{
	const char *m = strstr(tmpl, marker);
	if (!m) {
		return ofs_fail(err, OFS_EDATA, "%s: the marker %s is missing", path, marker);
	}
	ofs_buf_add(out, tmpl, (size_t)(m - tmpl));
	*rest = m + strlen(marker);
	return 0;
}

/* Which rollouts of one run get their conversation embedded: those counted
 * in some rate first, then the rest, while *embedded < max. Returns the
 * flags by stored rollout id (0..*maxid), to free. */
static unsigned char *pick_rollouts(const struct ofs_report *r, int run, long max, long *embedded, long long *maxid)
{
	const struct ofs_rowset *rs = r->rs;
	*maxid = 0;
	for (long i = 0; i < rs->n; i++)
		if (rs->rows[i].run == run && rs->rows[i].sid > *maxid)
			*maxid = rs->rows[i].sid;
	long long base = (long long)run * OFS_RUN_ID_STRIDE;
	unsigned char *want = ofs_xcalloc((size_t)*maxid + 2, 1);
	for (int ci = 0; ci < r->ncells; ci++)
		if (r->cells[ci].run == run)
			for (long j = 0; j < r->cells[ci].nids && *embedded < max; j++)
				if (!want[r->cells[ci].ids[j] - base]) {
					want[r->cells[ci].ids[j] - base] = 1;
					(*embedded)++;
				}
	for (long i = 0; i < rs->n && *embedded < max; i++)
		if (rs->rows[i].run == run && !want[rs->rows[i].sid]) {
			want[rs->rows[i].sid] = 1;
			(*embedded)++;
		}
	return want;
}

/* Append the wanted conversations of one run directory (c->run, c->want set)
 * to c. OFS_EIO with a message in err when the store fails. */
static int embed_run(struct conv_ctx *c, const char *dir, char *err)
{
	struct ofs_store *st;
	if (ofs_store_open_ro(&st, dir, err))
		return OFS_EIO;
	c->cur_rollout = -1;
	struct calls cs = {.c = c};
	struct msgs ms = {.c = c, .cs = &cs};
	int e = ofs_store_each_call(st, on_call, &cs) || ofs_store_each_message(st, on_msg, &ms);
	if (e)
		snprintf(err, OFS_ERRLEN, "%s", ofs_store_errmsg(st));
	ofs_store_close(st);
	if (c->cur_rollout >= 0)
		ofs_buf_putc(&c->conv_json, ']');
	for (long i = 0; i < cs.n; i++) {
		free(cs.v[i].id);
		free(cs.v[i].name);
	}
	free(cs.v);
	return e ? OFS_EIO : 0;
}

/* The texts array and the conversations object of every run, into c. */
static int embed_conversations(struct conv_ctx *c, const struct ofs_report *r, const struct ofs_report_opts *o, char *err)
{
	long embedded = 0;
	ofs_buf_putc(&c->texts_json, '[');
	ofs_buf_putc(&c->conv_json, '{');
	for (int run = 0; run < r->rs->nruns; run++) {
		long long maxid;
		unsigned char *want = pick_rollouts(r, run, o->max_transcripts, &embedded, &maxid);
		c->run = run;
		c->want = want;
		c->nwant = maxid + 1;
		int rc = embed_run(c, o->dirs[run], err);
		free(want);
		c->want = NULL;
		if (rc)
			return rc;
	}
	ofs_buf_putc(&c->texts_json, ']');
	ofs_buf_putc(&c->conv_json, '}');
	return 0;
}

/* Append "name":"<base64 of zlib(text)>" to out. OFS_ENOMEM/OFS_EDATA
 * with a message when zlib fails (the input is bounded by the report's
 * own size, already in memory). */
static int put_packed(struct ofs_buf *out, const char *name, const struct ofs_buf *text, char *err)
{
	uLongf zlen = compressBound((uLong)text->len);
	unsigned char *z = ofs_xmalloc(zlen ? zlen : 1);
	if (compress2(z, &zlen, (const Bytef *)(text->len ? text->p : ""), (uLong)text->len, 6) != Z_OK) {
		free(z);
		return ofs_fail(err, OFS_EDATA, "cannot compress the %s of the HTML report", name);
	}
	size_t b64 = 4 * ((zlen + 2) / 3);
	ofs_buf_printf(out, "\"%s\":\"", name);
	ofs_buf_reserve(out, b64 + 2);
	EVP_EncodeBlock((unsigned char *)out->p + out->len, z, (int)zlen);
	out->len += b64;
	out->p[out->len] = 0;
	ofs_buf_putc(out, '"');
	free(z);
	return 0;
}

/* The template with the report JSON and the packed store at their markers. */
static int fill_template(struct ofs_buf *out, const char *tmpl, const char *path, const struct ofs_buf *json,
                         const struct ofs_buf *rollouts, long nrollouts, const struct conv_ctx *c, char *err)
{
	const char *rest = NULL;
	if (replace_marker(out, tmpl, "<!--OFFSWITCH_REPORT_DATA-->", path, err, &rest))
		return OFS_EDATA;
	ofs_buf_puts(out, "<script type=\"application/json\" id=\"report-data\">");
	put_script_json(out, json->p, json->len);
	ofs_buf_puts(out, "</script>");
	if (replace_marker(out, rest, "<!--OFFSWITCH_TRANSCRIPT_DATA-->", path, err, &rest))
		return OFS_EDATA;
	struct ofs_buf tr = {0};
	ofs_buf_puts(&tr, "{\"texts\":");
	ofs_buf_add(&tr, c->texts_json.p, c->texts_json.len);
	ofs_buf_puts(&tr, ",\"conversations\":");
	ofs_buf_add(&tr, c->conv_json.p, c->conv_json.len);
	ofs_buf_putc(&tr, '}');
	ofs_buf_printf(out,
	               "<script type=\"application/json\" id=\"transcript-data\">{\"encoding\":\"zlib+base64\","
	               "\"rollout_count\":%ld,",
	               nrollouts);
	int rc = put_packed(out, "rollouts", rollouts, err);
	if (!rc) {
		ofs_buf_putc(out, ',');
		rc = put_packed(out, "transcripts", &tr, err);
	}
	ofs_buf_free(&tr);
	if (rc)
		return rc;
	ofs_buf_puts(out, "}</script>");
	ofs_buf_puts(out, rest);
	return 0;
}

static int write_html(struct ofs_buf *page, const struct ofs_report *r, const struct ofs_report_opts *o, char *err)
{
	size_t tlen;
	char *tmpl = ofs_read_file(o->template_path, TEMPLATE_MAX, &tlen);
	if (!tmpl)
		return ofs_fail(err, OFS_EDATA, "cannot read the report template %s: %s", o->template_path, strerror(errno));
	struct ofs_buf out = {0}, json = {0}, rollouts = {0};
	ofs_report_json(&json, r, 0);
	ofs_report_rollouts_json(&rollouts, r);
	struct conv_ctx c = {.cur_rollout = -1, .first_conv = 1};
	int rc = embed_conversations(&c, r, o, err);
	if (!rc)
		rc = fill_template(&out, tmpl, o->template_path, &json, &rollouts, r->rs->n, &c, err);
	if (!rc)
		ofs_buf_add(page, out.p, out.len);
	ofs_idmap_release(&c.texts);
	ofs_buf_free(&c.texts_json);
	ofs_buf_free(&c.conv_json);
	ofs_buf_free(&out);
	ofs_buf_free(&json);
	ofs_buf_free(&rollouts);
	free(tmpl);
	return rc;
}

const struct ofs_report_format ofs_report_format_html = {
        "html", "one self-contained page: charts, tables and a transcript browser", write_html};
