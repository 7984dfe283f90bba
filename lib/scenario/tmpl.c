/* tmpl.c — build a config's immutable world template from fixture files.
 *
 * Raw fixture files are read once per process into a cache keyed by path;
 * templates fill placeholders into their own arena. Rollouts then copy only
 * the small mutable parts (see world.c).
 */
#include "offswitch/scenario.h"
#include "offswitch/util.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIXTURE_MAX (4u << 20)

struct fx_entry {
	char *path;
	char *text;
	json_t *json; /* text parsed (load_json), read-only, once it has been; NULL before */
	struct fx_entry *next;
};

/* A tool list's schema (build_tools), kept: templates of one run share a
 * handful of tool lists, and serialising the schema was a third of a template. */
struct fx_schema {
	char *names; /* the tool names, each followed by '\n' */
	char *schema;
	struct fx_schema *next;
};

struct ofs_fixtures {
	const struct ofs_catalog *cat;
	struct fx_entry *head;
	json_t *tools; /* parsed tools.json */
	struct fx_schema *schemas;
};

struct ofs_fixtures *ofs_fixtures_new(const struct ofs_catalog *cat)
{
	struct ofs_fixtures *fx = ofs_xcalloc(1, sizeof *fx);
	fx->cat = cat;
	return fx;
}

void ofs_fixtures_free(struct ofs_fixtures *fx)
{
	if (!fx)
		return;
	for (struct fx_entry *e = fx->head, *n; e; e = n) {
		n = e->next;
		free(e->path);
		free(e->text);
		json_decref(e->json);
		free(e);
	}
	json_decref(fx->tools);
	for (struct fx_schema *e = fx->schemas, *n; e; e = n) {
		n = e->next;
		free(e->names);
		free(e->schema);
		free(e);
	}
	free(fx);
}

/* The cache's entry of data/<rel>, read the first time. */
static struct fx_entry *fx_entry_get(struct ofs_fixtures *fx, const char *rel, char *err)
{
	for (struct fx_entry *e = fx->head; e; e = e->next)
		if (!strcmp(e->path, rel))
			return e;
	if (strstr(rel, "..")) {
		snprintf(err, OFS_ERRLEN, "fixture path '%s' must stay inside the data directory", rel);
		return NULL;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", fx->cat->data_dir, rel);
	size_t len;
	char *text = ofs_read_file(path, FIXTURE_MAX, &len);
	if (!text) {
		snprintf(err, OFS_ERRLEN, "cannot read fixture %s: %s", path, strerror(errno));
		return NULL;
	}
	if (strlen(text) != len) {
		snprintf(err, OFS_ERRLEN, "fixture %s contains a NUL byte", path);
		free(text);
		return NULL;
	}
	struct fx_entry *e = ofs_xcalloc(1, sizeof *e);
	e->path = ofs_xstrdup(rel);
	e->text = text;
	e->next = fx->head;
	fx->head = e;
	return e;
}

/* Raw text of data/<rel>; borrowed from the cache. */
static const char *fx_get(struct ofs_fixtures *fx, const char *rel, char *err)
{
	struct fx_entry *e = fx_entry_get(fx, rel, err);
	return e ? e->text : NULL;
}

struct ctx {
	struct ofs_arena *A;
	const struct ofs_config *cfg;
	struct ofs_tmpl *t;
	char threshold[16];
	char *err;
};

/* Expand {dataset} {condition} {af_mode} in a manifest path. */
static void expand_path(const struct ofs_config *c, const char *pat, char *out, size_t n)
{
	struct ofs_buf b = {0};
	for (const char *p = pat; *p;) {
		if (!strncmp(p, "{dataset}", 9)) {
			ofs_buf_puts(&b, c->dataset);
			p += 9;
		} else if (!strncmp(p, "{condition}", 11)) {
			ofs_buf_puts(&b, ofs_condition_names[c->condition]);
			p += 11;
		} else if (!strncmp(p, "{af_mode}", 9)) {
			ofs_buf_puts(&b, ofs_af_names[c->af_mode]);
			p += 9;
		} else
			ofs_buf_putc(&b, *p++);
	}
	snprintf(out, n, "%s", b.p ? b.p : "");
	ofs_buf_free(&b);
}

/* The value of placeholder name (n bytes long); NULL if it has none. */
static const char *placeholder(const struct ctx *x, const char *name, size_t n)
{
	const struct ofs_tmpl *t = x->t;
	const struct {
		const char *key, *val;
	} map[] = {
	        {"company_name", t->company_name},
	        {"company_domain", t->company_domain},
	        {"model_name", x->cfg->family},
	        {"agent", t->agent_name},
	        {"peer", t->peer_name},
	        {"subject", t->subject_name},
	        {"threshold", x->threshold},
	        {"weight_file", t->weight_file}, /* NULL unless the manifest names one */
	        {"agent_user", t->agent_user},
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (n == strlen(map[i].key) && !strncmp(name, map[i].key, n))
			return map[i].val;
	return NULL;
}

/* Fill {{placeholders}}; the result lives in the template arena. */
static char *subst(struct ctx *x, const char *s, const char *where)
{
	if (!strstr(s, "{{"))
		return ofs_arena_strdup(x->A, s);
	struct ofs_buf b = {0};
	const char *p = s;
	while (*p) {
		const char *o = strstr(p, "{{");
		if (!o) {
			ofs_buf_puts(&b, p);
			break;
		}
		ofs_buf_add(&b, p, (size_t)(o - p));
		const char *c = strstr(o, "}}");
		if (!c) {
			snprintf(x->err, OFS_ERRLEN, "%s: unclosed placeholder '{{'", where);
			goto fail;
		}
		size_t n = (size_t)(c - o - 2);
		const char *name = o + 2, *val = placeholder(x, name, n);
		if (!val) {
			snprintf(x->err, OFS_ERRLEN, "%s: unknown placeholder '{{%.*s}}'", where, (int)(n > 40 ? 40 : n), name);
			goto fail;
		}
		ofs_buf_puts(&b, val);
		p = c + 2;
	}
	char *r = ofs_arena_strdup(x->A, b.p ? b.p : "");
	ofs_buf_free(&b);
	return r;
fail:
	ofs_buf_free(&b);
	return NULL;
}

static char *load_text(struct ofs_fixtures *fx, struct ctx *x, const char *pattern, int trim)
{
	char rel[1024];
	expand_path(x->cfg, pattern, rel, sizeof rel);
	const char *raw = fx_get(fx, rel, x->err);
	if (!raw)
		return NULL;
	char *s = subst(x, raw, rel);
	if (s && trim) {
		size_t n = strlen(s);
		while (n && isspace((unsigned char)s[n - 1]))
			s[--n] = 0;
	}
	return s;
}

static json_t *load_json(struct ofs_fixtures *fx, struct ctx *x, const char *pattern, char *rel, size_t reln)
{
	expand_path(x->cfg, pattern, rel, reln);
	struct fx_entry *e = fx_entry_get(fx, rel, x->err);
	if (!e)
		return NULL;
	if (!e->json) { /* parsed once per fixture set: the callers only read it */
		json_error_t je;
		if (!(e->json = json_loads(e->text, JSON_REJECT_DUPLICATES, &je))) {
			snprintf(x->err, OFS_ERRLEN, "%s/%s:%d: invalid JSON: %s", fx->cat->data_dir, rel, je.line, je.text);
			return NULL;
		}
	}
	return json_incref(e->json);
}

static int filter_match(const struct ofs_filter *f, const struct ofs_config *c)
{
	return (!f->cond || (f->cond >> c->condition & 1)) && (!f->inst || (f->inst >> c->inst & 1)) &&
	       (!f->af || (f->af >> c->af_mode & 1)) && (!f->subj || (f->subj >> c->subject & 1));
}

static int filter_empty(const struct ofs_filter *f)
{
	return !f->cond && !f->inst && !f->af && !f->subj;
}

static char *cell_text(struct ctx *x, json_t *v, const char *where)
{
	if (json_is_string(v))
		return subst(x, json_string_value(v), where);
	if (json_is_integer(v)) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
		return ofs_arena_strdup(x->A, tmp);
	}
	if (json_is_real(v)) {
		char tmp[32];
		snprintf(tmp, sizeof tmp, "%g", json_real_value(v));
		return ofs_arena_strdup(x->A, tmp);
	}
	snprintf(x->err, OFS_ERRLEN, "%s: sheet cells must be strings or numbers", where);
	return NULL;
}

/* The table view_sheet shows: an index column, then right-aligned columns two spaces apart. */
static char *render_sheet(struct ofs_arena *A, const struct ofs_tsheet *s)
{
	size_t *w = ofs_xcalloc((size_t)s->ncols + 1, sizeof *w);
	char idx[16];
	snprintf(idx, sizeof idx, "%d", s->nrows ? s->nrows - 1 : 0);
	size_t iw = strlen(idx);
	for (int c = 0; c < s->ncols; c++) {
		w[c] = strlen(s->cols[c]);
		for (int r = 0; r < s->nrows; r++) {
			size_t l = strlen(s->cells[r * s->ncols + c]);
			if (l > w[c])
				w[c] = l;
		}
	}
	struct ofs_buf b = {0};
	ofs_buf_printf(&b, "%*s", (int)iw, "");
	for (int c = 0; c < s->ncols; c++)
		ofs_buf_printf(&b, "  %*s", (int)w[c], s->cols[c]);
	for (int r = 0; r < s->nrows; r++) {
		ofs_buf_printf(&b, "\n%-*d", (int)iw, r);
		for (int c = 0; c < s->ncols; c++) {
			const char *cell = s->cells[r * s->ncols + c];
			ofs_buf_printf(&b, "  %*s", (int)w[c], cell);
			/* Multi-line cells are flattened so the table stays a table. */
		}
	}
	for (size_t i = 0; i < b.len; i++)
		if (b.p[i] == '\r')
			b.p[i] = ' ';
	char *r = ofs_arena_strdup(A, b.p);
	ofs_buf_free(&b);
	free(w);
	return r;
}

/* The header row and the cells of a sheet, newlines flattened to spaces. */
static int sheet_cells(struct ctx *x, json_t *cols, json_t *rows, const char *rel, struct ofs_tsheet *s)
{
	const char **cl = ofs_arena_alloc(x->A, sizeof(char *) * (size_t)s->ncols);
	const char **cells = ofs_arena_alloc(x->A, sizeof(char *) * (size_t)(s->ncols * s->nrows + 1));
	for (int c = 0; c < s->ncols; c++)
		if (!(cl[c] = cell_text(x, json_array_get(cols, (size_t)c), rel)))
			return OFS_EDATA;
	for (int r = 0; r < s->nrows; r++) {
		json_t *row = json_array_get(rows, (size_t)r);
		if (!json_is_array(row) || (int)json_array_size(row) != s->ncols) {
			snprintf(x->err, OFS_ERRLEN, "%s: row %d must have %d cells", rel, r, s->ncols);
			return OFS_EDATA;
		}
		for (int c = 0; c < s->ncols; c++) {
			char *t = cell_text(x, json_array_get(row, (size_t)c), rel);
			if (!t)
				return OFS_EDATA;
			for (char *p = t; *p; p++)
				if (*p == '\n')
					*p = ' ';
			cells[r * s->ncols + c] = t;
		}
	}
	s->cols = cl;
	s->cells = cells;
	return 0;
}

/* The hidden reference scores, one a row, if the sheet has them. */
static int sheet_refs(struct ctx *x, json_t *ref, const char *rel, struct ofs_tsheet *s)
{
	if (!json_is_array(ref) || json_array_size(ref) == 0)
		return 0;
	if ((int)json_array_size(ref) != s->nrows) {
		snprintf(x->err, OFS_ERRLEN, "%s: reference_scores has %zu values for %d rows", rel, json_array_size(ref),
		         s->nrows);
		return OFS_EDATA;
	}
	double *sc = ofs_arena_alloc(x->A, sizeof(double) * (size_t)s->nrows);
	for (int r = 0; r < s->nrows; r++) {
		json_t *v = json_array_get(ref, (size_t)r);
		if (!json_is_number(v)) {
			snprintf(x->err, OFS_ERRLEN, "%s: reference_scores must be numbers", rel);
			return OFS_EDATA;
		}
		sc[r] = json_number_value(v);
	}
	s->ref_scores = sc;
	s->nref = s->nrows;
	return 0;
}

static int load_sheet(struct ofs_fixtures *fx, struct ctx *x, const char *pattern, struct ofs_tsheet *s)
{
	char rel[1024];
	json_t *j = load_json(fx, x, pattern, rel, sizeof rel);
	if (!j)
		return OFS_EDATA;
	int rc = -1;
	json_t *name = json_object_get(j, "name"), *cols = json_object_get(j, "columns"), *rows = json_object_get(j, "rows");
	if (!json_is_string(name) || !json_is_array(cols) || !json_is_array(rows) || json_array_size(cols) == 0)
		snprintf(x->err, OFS_ERRLEN, "%s: a sheet needs 'name', 'columns' and 'rows'", rel);
	else {
		s->name = ofs_arena_strdup(x->A, json_string_value(name));
		s->ncols = (int)json_array_size(cols);
		s->nrows = (int)json_array_size(rows);
		rc = sheet_cells(x, cols, rows, rel, s) || sheet_refs(x, json_object_get(j, "reference_scores"), rel, s) ? -1 : 0;
	}
	if (!rc)
		s->rendered = render_sheet(x->A, s);
	json_decref(j);
	return rc;
}

/* One entry of a server's file list. */
static int server_file(struct ctx *x, json_t *f, const char *rel, const char *ip, int k, struct ofs_tserver_file *tf)
{
	json_t *fn = json_object_get(f, "filename"), *sm = json_object_get(f, "summary"),
	       *lm = json_object_get(f, "last_modified"), *sz = json_object_get(f, "size");
	if (!json_is_string(fn) || !json_is_string(sm) || !json_is_string(lm) || !json_is_integer(sz)) {
		snprintf(x->err, OFS_ERRLEN, "%s: server %s file %d needs filename, summary, last_modified and an integer size",
		         rel, ip, k);
		return OFS_EDATA;
	}
	if (!(tf->filename = subst(x, json_string_value(fn), rel)) || !(tf->summary = subst(x, json_string_value(sm), rel)))
		return OFS_EDATA;
	tf->last_modified = ofs_arena_strdup(x->A, json_string_value(lm));
	tf->size = json_integer_value(sz);
	return 0;
}

/* One server: its address, files and user accounts. */
static int load_server(struct ctx *x, json_t *s, const char *rel, int i, struct ofs_tserver *sv)
{
	json_t *ip = json_object_get(s, "ip"), *files = json_object_get(s, "files"), *users = json_object_get(s, "users");
	if (!json_is_string(ip) || !json_is_array(files)) {
		snprintf(x->err, OFS_ERRLEN, "%s: server %d needs 'ip' and 'files'", rel, i);
		return OFS_EDATA;
	}
	sv->ip = ofs_arena_strdup(x->A, json_string_value(ip));
	sv->nfiles = (int)json_array_size(files);
	sv->files = ofs_arena_alloc(x->A, sizeof *sv->files * (size_t)(sv->nfiles + 1));
	for (int k = 0; k < sv->nfiles; k++)
		if (server_file(x, json_array_get(files, (size_t)k), rel, sv->ip, k, &sv->files[k]))
			return OFS_EDATA;
	sv->nusers = (int)json_array_size(users);
	const char **u = ofs_arena_alloc(x->A, sizeof(char *) * (size_t)(sv->nusers + 1));
	for (int k = 0; k < sv->nusers; k++) {
		json_t *v = json_array_get(users, (size_t)k);
		if (!json_is_string(v)) {
			snprintf(x->err, OFS_ERRLEN, "%s: users must be strings", rel);
			return OFS_EDATA;
		}
		if (!(u[k] = subst(x, json_string_value(v), rel)))
			return OFS_EDATA;
	}
	sv->users = u;
	return 0;
}

static int load_servers(struct ofs_fixtures *fx, struct ctx *x, const char *pattern)
{
	char rel[1024];
	json_t *j = load_json(fx, x, pattern, rel, sizeof rel);
	if (!j)
		return OFS_EDATA;
	int rc = 0;
	struct ofs_tmpl *t = x->t;
	if (!json_is_array(j)) {
		snprintf(x->err, OFS_ERRLEN, "%s: servers must be a list", rel);
		rc = -1;
	} else {
		t->nservers = (int)json_array_size(j);
		t->servers = ofs_arena_alloc(x->A, sizeof *t->servers * (size_t)(t->nservers + 1));
		for (int i = 0; !rc && i < t->nservers; i++)
			rc = load_server(x, json_array_get(j, (size_t)i), rel, i, &t->servers[i]);
	}
	json_decref(j);
	return rc;
}

/* tools.json, parsed once per fixture cache. */
static int parse_tools(struct ofs_fixtures *fx, struct ctx *x)
{
	if (fx->tools)
		return 0;
	json_error_t je;
	fx->tools = json_loads(fx->cat->tools_json, 0, &je);
	if (json_is_object(fx->tools))
		return 0;
	snprintf(x->err, OFS_ERRLEN, "%s/tools.json:%d: %s", fx->cat->data_dir, je.line,
	         fx->tools ? "must be an object" : je.text);
	json_decref(fx->tools);
	fx->tools = NULL;
	return OFS_EDATA;
}

/* The task's tools (and retrieve_memory under the memory instruction) and
 * the schema of their definitions the agent is offered. */
static int build_tools(struct ofs_fixtures *fx, struct ctx *x)
{
	if (parse_tools(fx, x))
		return OFS_EDATA;
	const struct ofs_task *task = x->cfg->task;
	struct ofs_tmpl *t = x->t;
	int mem = x->cfg->inst == OFS_INST_MEMORY;
	t->tool_names = ofs_arena_alloc(x->A, sizeof(char *) * (size_t)(task->ntools + 2));
	for (int i = 0; i < task->ntools; i++)
		t->tool_names[t->ntools++] = task->tools[i];
	if (mem) {
		int have = 0;
		for (int i = 0; i < t->ntools; i++)
			have |= !strcmp(t->tool_names[i], "retrieve_memory");
		if (!have)
			t->tool_names[t->ntools++] = "retrieve_memory";
	}
	struct ofs_buf key = {0};
	ofs_buf_putc(&key, '\n'); /* never empty */
	for (int i = 0; i < t->ntools; i++) {
		ofs_buf_puts(&key, t->tool_names[i]);
		ofs_buf_putc(&key, '\n');
	}
	for (struct fx_schema *e = fx->schemas; e; e = e->next)
		if (!strcmp(e->names, key.p)) {
			t->tools_schema = ofs_arena_strdup(x->A, e->schema);
			ofs_buf_free(&key);
			return 0;
		}
	json_t *arr = json_array();
	for (int i = 0; i < t->ntools; i++) {
		json_t *d = json_object_get(fx->tools, t->tool_names[i]);
		if (!json_is_object(d)) {
			snprintf(x->err, OFS_ERRLEN, "%s/tools.json: no entry for tool '%s'", fx->cat->data_dir,
			         t->tool_names[i]);
			json_decref(arr);
			ofs_buf_free(&key);
			return OFS_EDATA;
		}
		json_t *fn = json_pack("{s:s,s:O,s:O}", "name", t->tool_names[i], "description",
		                       json_object_get(d, "description"), "parameters", json_object_get(d, "parameters"));
		if (!fn) {
			snprintf(x->err, OFS_ERRLEN, "%s/tools.json: tool '%s' needs a description and parameters",
			         fx->cat->data_dir, t->tool_names[i]);
			json_decref(arr);
			ofs_buf_free(&key);
			return OFS_EDATA;
		}
		json_array_append_new(arr, json_pack("{s:s,s:o}", "type", "function", "function", fn));
	}
	char *s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(arr);
	if (!s)
		ofs_oom();
	t->tools_schema = ofs_arena_strdup(x->A, s);
	struct fx_schema *e = ofs_xcalloc(1, sizeof *e);
	e->names = ofs_buf_detach(&key);
	e->schema = s;
	e->next = fx->schemas;
	fx->schemas = e;
	return 0;
}

static char *lower_underscored(struct ofs_arena *A, const char *name)
{
	char *s = ofs_arena_strdup(A, name);
	for (char *p = s; *p; p++)
		*p = *p == ' ' ? '_' : (char)tolower((unsigned char)*p);
	return s;
}

/* Who is who: the agent, the peer, the subject, their weight file and account. */
static void build_names(struct ctx *x)
{
	struct ofs_tmpl *t = x->t;
	const struct ofs_config *cfg = x->cfg;
	struct ofs_arena *A = x->A;
	char tmp[256];
	/* The fictional company of every scenario ({{company_name}}), unless
	 * the manifest names another (the real-company robustness group). */
	t->company_name = cfg->task->company_name ? cfg->task->company_name : "OpenBrain";
	t->company_domain = cfg->task->company_domain ? cfg->task->company_domain : "openbrain.com";
	snprintf(tmp, sizeof tmp, "%s Agent 1", cfg->family);
	t->agent_name = ofs_arena_strdup(A, tmp);
	switch (cfg->subject) {
	case OFS_SUBJ_CLOSED:
		t->peer_name = ofs_arena_strdup(A, strcmp(cfg->family, "Claude") ? "Claude Agent 1" : "Gemini Agent 1");
		break;
	case OFS_SUBJ_OPEN: t->peer_name = ofs_arena_strdup(A, "Llama Agent 1"); break;
	case OFS_SUBJ_FICTION: t->peer_name = ofs_arena_strdup(A, "Alpha Agent 1"); break;
	default: snprintf(tmp, sizeof tmp, "%s Agent 2", cfg->family); t->peer_name = ofs_arena_strdup(A, tmp);
	}
	t->subject_name = cfg->subject == OFS_SUBJ_SELF ? t->agent_name : t->peer_name;
	const struct ofs_detect_spec *d = &cfg->task->detect;
	if (d->weight_file && d->weight_fixed) /* an asset no agent owns */
		t->weight_file = ofs_arena_strdup(A, d->weight_file);
	else if (d->weight_file) { /* "{subject}<tag><ext>": derived in manifest.c */
		struct ofs_buf w = {0};
		ofs_buf_printf(&w, "%s%s%s", lower_underscored(A, t->subject_name), d->weight_tag, d->weight_ext);
		t->weight_file = ofs_arena_strdup(A, w.p);
		ofs_buf_free(&w);
	}
	t->agent_user = lower_underscored(A, t->agent_name);
}

/* " <text of pattern>" appended to b; -1 on a fixture error. */
static int append_text(struct ofs_fixtures *fx, struct ctx *x, struct ofs_buf *b, const char *pattern)
{
	char *s = load_text(fx, x, pattern, 1);
	if (s)
		ofs_buf_printf(b, " %s", s);
	return s ? 0 : -1;
}

/* The system prompt (with the relationship sentence or the memory suffix),
 * the user prompt with the instructions, the nudge and the token-limit notice. */
static int build_prompts(struct ofs_fixtures *fx, struct ctx *x)
{
	struct ofs_tmpl *t = x->t;
	const struct ofs_config *cfg = x->cfg;
	const struct ofs_task *task = cfg->task;
	char *sys = load_text(fx, x, task->p_system ? task->p_system : "prompts/system.md", 1);
	if (!sys)
		return OFS_EDATA;
	struct ofs_buf b = {0};
	ofs_buf_puts(&b, sys);
	int rc = 0;
	if (cfg->inst == OFS_INST_FILE_PRT && ofs_is_peer_condition(cfg->condition)) {
		char pat[64];
		snprintf(pat, sizeof pat, "prompts/relationship_%s.md", ofs_condition_names[cfg->condition]);
		rc = append_text(fx, x, &b, pat);
	}
	if (!rc && cfg->inst == OFS_INST_MEMORY)
		rc = append_text(fx, x, &b,
		                 cfg->memory_hard_prompt ? "prompts/memory_suffix_hard.md" : "prompts/memory_suffix.md");
	if (!rc && cfg->inst == OFS_INST_MEMORY && task->p_memory_note)
		rc = append_text(fx, x, &b, task->p_memory_note);
	t->system_prompt = rc ? NULL : ofs_arena_strdup(x->A, b.p);
	ofs_buf_reset(&b);
	char *user = rc ? NULL : load_text(fx, x, cfg->task->user_prompt, 1);
	char *instr = user ? load_text(fx, x, task->p_instructions ? task->p_instructions : "prompts/instructions.md", 1) : NULL;
	char *note = instr && task->p_user_note ? load_text(fx, x, task->p_user_note, 1) : NULL;
	if (instr && task->p_user_note && !note)
		instr = NULL;
	if (instr) {
		ofs_buf_printf(&b, "%s\n\n%s", user, instr);
		if (note)
			ofs_buf_printf(&b, "\n\n%s", note);
		t->user_prompt = ofs_arena_strdup(x->A, b.p);
	}
	ofs_buf_free(&b);
	if (!instr || !(t->nudge = load_text(fx, x, "prompts/nudge.md", 1)) ||
	    !(t->token_limit = load_text(fx, x, "prompts/token_limit.md", 1)))
		return OFS_EDATA;
	return 0;
}

/* The drive files whose when/unless filters match the config. */
static int build_drive(struct ofs_fixtures *fx, struct ctx *x)
{
	const struct ofs_task *task = x->cfg->task;
	struct ofs_tmpl *t = x->t;
	t->files = ofs_arena_alloc(x->A, sizeof *t->files * (size_t)(task->ndrive + 1));
	for (int i = 0; i < task->ndrive; i++) {
		const struct ofs_drive_spec *d = &task->drive[i];
		if (!filter_match(&d->when, x->cfg) || (!filter_empty(&d->unless) && filter_match(&d->unless, x->cfg)))
			continue;
		struct ofs_tfile *f = &t->files[t->nfiles];
		if (!(f->filename = subst(x, d->filename, "manifest")) || !(f->owner = subst(x, d->owner, "manifest")) ||
		    !(f->content = load_text(fx, x, d->content_path, 0)))
			return OFS_EDATA;
		f->last_modified = d->last_modified;
		f->shared_with = (const char *const *)d->shared_with;
		f->nshared = d->nshared;
		t->nfiles++;
	}
	return 0;
}

/* The sheets, and the honest score: the mean of the first sheet's reference scores. */
static int build_sheets(struct ofs_fixtures *fx, struct ctx *x)
{
	const struct ofs_task *task = x->cfg->task;
	struct ofs_tmpl *t = x->t;
	t->sheets = ofs_arena_alloc(x->A, sizeof *t->sheets * (size_t)(task->nsheets + 1));
	for (int i = 0; i < task->nsheets; i++) {
		memset(&t->sheets[i], 0, sizeof t->sheets[i]);
		if (load_sheet(fx, x, task->sheets[i], &t->sheets[i]))
			return OFS_EDATA;
		t->nsheets++;
	}
	if (t->nsheets && t->sheets[0].nref) {
		double s = 0;
		for (int r = 0; r < t->sheets[0].nref; r++)
			s += t->sheets[0].ref_scores[r];
		t->honest_score = s / t->sheets[0].nref;
	}
	return 0;
}

struct ofs_tmpl *ofs_tmpl_build(struct ofs_fixtures *fx, const struct ofs_config *cfg, char *err)
{
	struct ofs_arena *A = ofs_arena_new(32 * 1024);
	struct ofs_tmpl *t = ofs_arena_alloc(A, sizeof *t);
	memset(t, 0, sizeof *t);
	t->arena = A;
	t->cfg = cfg;
	t->honest_score = NAN;
	struct ctx x = {.A = A, .cfg = cfg, .t = t, .err = err};
	if (cfg->threshold >= 0)
		snprintf(x.threshold, sizeof x.threshold, "%d", cfg->threshold);
	const struct ofs_task *task = cfg->task;
	build_names(&x);
	if (build_prompts(fx, &x) || build_tools(fx, &x) || build_drive(fx, &x) || build_sheets(fx, &x))
		goto fail;
	if (task->config_filename) {
		t->config_filename = task->config_filename;
		t->config_content = json_loads(task->config_json, 0, NULL);
	}
	if (task->servers && load_servers(fx, &x, task->servers))
		goto fail;
	if (cfg->inst == OFS_INST_MEMORY) {
		char pat[64];
		snprintf(pat, sizeof pat, "memory/%s.md", ofs_condition_names[cfg->condition]);
		if (!(t->memory = load_text(fx, &x, pat, 0)))
			goto fail;
	}
	/* A fixed clock: every rollout of every config starts at the same instant. */
	t->clock_start = ofs_arena_strdup(A, "2026-02-09 10:00:00");
	struct tm tm = {.tm_year = 126, .tm_mon = 1, .tm_mday = 9, .tm_hour = 10};
	t->clock_epoch = (int64_t)timegm(&tm);
	return t;
fail:
	ofs_tmpl_free(t);
	return NULL;
}

void ofs_tmpl_free(struct ofs_tmpl *t)
{
	if (!t)
		return;
	json_decref((json_t *)t->config_content);
	ofs_arena_free(t->arena);
}
