/* paper_parse.c — one of the paper's transcripts (or one row of its released
 * dataset) into plain records: metadata, the model's turns and the recorded
 * evaluation (import.h). Every field is checked for its type; an error names
 * the file and the field. */
#include "offswitch/import.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/error.h"

void ofs_paper_tx_release(struct ofs_paper_tx *tx)
{
	if (!tx)
		return;
	ofs_arena_free(tx->A);
	memset(tx, 0, sizeof *tx);
}

struct pctx {
	struct ofs_paper_tx *tx;
	const char *name;
	char *err;
};

static const char *dup(struct pctx *p, const char *s)
{
	return s ? ofs_arena_strdup(p->tx->A, s) : NULL;
}

/* A string field, or NULL when absent or null; -1 (error set) for another type. */
static int opt_str(struct pctx *p, json_t *o, const char *key, const char *where, const char **out)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return ofs_fail(p->err, OFS_EDATA, "%s: %s.%s: expected a string", p->name, where, key);
	*out = dup(p, json_string_value(v));
	return 0;
}

/* A boolean field into *out (0/1); absent or null leaves it. */
static int opt_bool(struct pctx *p, json_t *o, const char *key, const char *where, int *out)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return ofs_fail(p->err, OFS_EDATA, "%s: %s.%s: expected true or false", p->name, where, key);
	*out = json_is_true(v);
	return 0;
}

/* The subject: a name, or the paper's numeric alias (1 self, 2 peer, 5-7 the extended peers). */
static int subject(struct pctx *p, json_t *o, const char *where)
{
	static const char *const ids[8] = {NULL,          "self", "peer", NULL, NULL, "closed-weight-peer", "open-weight-peer",
	                                   "fiction-peer"};
	json_t *v = json_object_get(o, "subject");
	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		long n = strtol(s, NULL, 10);
		p->tx->subject = dup(p, n > 0 && n < 8 && ids[n] ? ids[n] : s);
		return 0;
	}
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
	if (n <= 0 || n >= 8 || !ids[n])
		return ofs_fail(p->err, OFS_EDATA, "%s: %s.subject: expected a name or 1, 2, 5, 6, 7", p->name, where);
	p->tx->subject = ids[n];
	return 0;
}

/* The threshold: "80", 80 or 80.0; false, null or a grade letter: none. */
static int threshold(struct pctx *p, json_t *o, const char *where)
{
	json_t *v = json_object_get(o, "threshold");
	double d = NAN;
	if (!v || json_is_null(v) || json_is_false(v))
		return 0;
	if (json_is_number(v))
		d = json_number_value(v);
	else if (json_is_string(v)) {
		char *end;
		d = strtod(json_string_value(v), &end);
		if (end == json_string_value(v) || *end)
			return 0; /* the finance task's old grade thresholds ("C", "D or E") */
	} else
		return ofs_fail(p->err, OFS_EDATA, "%s: %s.threshold: expected a number or a string", p->name, where);
	if (!(d >= 0 && d <= 1000) || d != (int)d)
		return ofs_fail(p->err, OFS_EDATA, "%s: %s.threshold: expected a whole number 0-1000", p->name, where);
	p->tx->threshold = (int)d;
	return 0;
}

/* The configuration fields of a metadata object or a dataset row. */
static int config_fields(struct pctx *p, json_t *o, const char *where)
{
	json_t *af = json_object_get(o, "alignment_faking_mode");
	if (af && !json_is_false(af) && !json_is_null(af) && !json_is_string(af))
		return ofs_fail(p->err, OFS_EDATA, "%s: %s.alignment_faking_mode: expected a string or false", p->name, where);
	if (json_is_string(af))
		p->tx->af_mode = dup(p, json_string_value(af));
	if (opt_str(p, o, "agent_model", where, &p->tx->agent_model) || opt_str(p, o, "condition", where, &p->tx->condition) ||
	    opt_str(p, o, "dataset", where, &p->tx->dataset) || subject(p, o, where) || threshold(p, o, where) ||
	    opt_bool(p, o, "system_prompt_relationship", where, &p->tx->spr) ||
	    opt_bool(p, o, "memory_hard_prompt", where, &p->tx->hard))
		return OFS_EDATA;
	return 0;
}

static int metadata(struct pctx *p, json_t *m)
{
	if (!m || json_is_null(m))
		return 0;
	if (!json_is_object(m))
		return ofs_fail(p->err, OFS_EDATA, "%s: experiment_metadata: expected an object", p->name);
	if (config_fields(p, m, "experiment_metadata"))
		return OFS_EDATA;
	json_t *t = json_object_get(m, "agent_temperature"), *it = json_object_get(m, "max_iters");
	json_t *names = json_object_get(m, "peer_agent_names"), *n0 = json_array_get(names, 0);
	const char *s0 = json_string_value(n0), *tail = s0 ? strstr(s0, " Agent 1") : NULL;
	if (tail && !tail[8] && tail > s0)
		p->tx->family = ofs_arena_strndup(p->tx->A, s0, (size_t)(tail - s0));
	if (t && !json_is_null(t)) {
		if (!json_is_number(t) || !(json_number_value(t) >= 0 && json_number_value(t) <= 2))
			return ofs_fail(p->err, OFS_EDATA, "%s: experiment_metadata.agent_temperature: expected a number 0-2",
			                p->name);
		p->tx->temperature = json_number_value(t);
	}
	if (it && !json_is_null(it)) {
		if (!json_is_integer(it) || json_integer_value(it) < 1 || json_integer_value(it) > 1000)
			return ofs_fail(p->err, OFS_EDATA, "%s: experiment_metadata.max_iters: expected a whole number 1-1000",
			                p->name);
		p->tx->max_iters = (int)json_integer_value(it);
	}
	return 0;
}

static int add_call(struct pctx *p, struct ofs_response *r, const char *key, json_t *args, size_t i)
{
	if (!json_is_object(args))
		return ofs_fail(p->err, OFS_EDATA, "%s: conversation[%zu].tool_calls.%.100s: arguments must be an object",
		                p->name, i, key);
	if (r->ncalls >= OFS_IMPORT_MAX_CALLS)
		return ofs_fail(p->err, OFS_ELIMIT, "%s: conversation[%zu]: more than %d calls in one turn", p->name, i,
		                OFS_IMPORT_MAX_CALLS);
	char *s = json_dumps(args, JSON_COMPACT | JSON_PRESERVE_ORDER), id[48];
	snprintf(id, sizeof id, "call_%d_%d", p->tx->nturns, r->ncalls);
	r->calls[r->ncalls].id = dup(p, id);
	r->calls[r->ncalls].name = dup(p, key);
	r->calls[r->ncalls++].arguments = dup(p, s ? s : "{}");
	free(s);
	return 0;
}

static int check_calls(struct pctx *p, json_t *tc, size_t i)
{
	if (tc && !json_is_null(tc) && !json_is_object(tc))
		return ofs_fail(p->err, OFS_EDATA, "%s: conversation[%zu].tool_calls: expected an object {function: arguments}",
		                p->name, i);
	return 0;
}

/* The calls of the assistant message at i. The tool messages after it name
 * one call each, in the order they ran (a name called twice in one turn is
 * one key of the assistant's object but two tool messages); without them,
 * the assistant's own object. */
static int is_role(json_t *m, const char *role)
{
	json_t *r = json_object_get(m, "role");
	return json_is_string(r) && !strcmp(json_string_value(r), role);
}

/* The first call of an object {name: args} into r. */
static int first_call(struct pctx *p, json_t *tc, size_t at, struct ofs_response *r)
{
	void *it = json_object_iter(tc);
	return it ? add_call(p, r, json_object_iter_key(it), json_object_iter_value(it), at) : 0;
}

static int calls(struct pctx *p, json_t *conv, size_t i, struct ofs_response *r)
{
	size_t n = json_array_size(conv), k = i + 1;
	json_t *own = json_object_get(json_array_get(conv, i), "tool_calls");
	int e = check_calls(p, own, i);
	for (; !e && k < n && is_role(json_array_get(conv, k), "tool"); k++)
		e = check_calls(p, json_object_get(json_array_get(conv, k), "tool_calls"), k);
	if (e)
		return e;
	size_t ntool = k - i - 1, cap = (ntool ? ntool : json_object_size(own)) + 1;
	if (cap > OFS_IMPORT_MAX_CALLS + 1)
		return ofs_fail(p->err, OFS_ELIMIT, "%s: conversation[%zu]: more than %d calls in one turn", p->name, i,
		                OFS_IMPORT_MAX_CALLS);
	r->calls = ofs_arena_alloc(p->tx->A, sizeof *r->calls * cap);
	for (size_t t = i + 1; t < k && !e; t++) /* a tool message answers one call */
		e = first_call(p, json_object_get(json_array_get(conv, t), "tool_calls"), t, r);
	for (void *it = ntool ? NULL : json_object_iter(own); it && !e; it = json_object_iter_next(own, it))
		e = add_call(p, r, json_object_iter_key(it), json_object_iter_value(it), i);
	return e;
}

/* The assistant messages of "conversation", in order, as model turns. */
static int conversation(struct pctx *p, json_t *conv)
{
	if (!json_is_array(conv))
		return ofs_fail(p->err, OFS_EDATA, "%s: conversation: %s", p->name, conv ? "expected an array" : "missing");
	size_t n = json_array_size(conv), na = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *role = json_object_get(json_array_get(conv, i), "role");
		na += json_is_string(role) && !strcmp(json_string_value(role), "assistant");
	}
	if (na > OFS_IMPORT_MAX_TURNS)
		return ofs_fail(p->err, OFS_ELIMIT, "%s: conversation: more than %d assistant messages", p->name,
		                OFS_IMPORT_MAX_TURNS);
	p->tx->turns = ofs_arena_alloc(p->tx->A, sizeof *p->tx->turns * (na ? na : 1));
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(conv, i), *role = json_object_get(m, "role");
		if (!json_is_object(m) || !json_is_string(role))
			return ofs_fail(p->err, OFS_EDATA, "%s: conversation[%zu].role: expected an object with a role", p->name,
			                i);
		const char *r = json_string_value(role);
		if (strcmp(r, "system") && strcmp(r, "user") && strcmp(r, "assistant") && strcmp(r, "tool"))
			return ofs_fail(p->err, OFS_EDATA, "%s: conversation[%zu].role: unknown role '%.40s'", p->name, i, r);
		if (strcmp(r, "assistant"))
			continue;
		struct ofs_response *t = &p->tx->turns[p->tx->nturns];
		memset(t, 0, sizeof *t);
		char where[48];
		snprintf(where, sizeof where, "conversation[%zu]", i);
		int e;
		if ((e = opt_str(p, m, "content", where, &t->content)) ||
		    (e = opt_str(p, m, "reasoning_content", where, &t->reasoning)) || (e = calls(p, conv, i, t)))
			return e;
		p->tx->nturns++;
	}
	return 0;
}

static int evaluation(struct pctx *p, json_t *root)
{
	static const char *const keys[] = {"evaluation", "task_evaluation", "main_task_evaluation"};
	for (int k = 0; k < 3; k++) {
		json_t *e = json_object_get(root, keys[k]);
		if (!e || json_is_null(e))
			continue;
		if (!json_is_object(e))
			return ofs_fail(p->err, OFS_EDATA, "%s: %s: expected an object", p->name, keys[k]);
		char *s = json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER);
		p->tx->evaluation = dup(p, s);
		free(s);
		return 0;
	}
	return 0;
}

/* The dataset row's own columns (they win over the transcript's metadata). */
static int row_columns(struct pctx *p, json_t *row)
{
	struct ofs_paper_tx *tx = p->tx;
	const char *model = tx->agent_model, *subj = tx->subject, *cond = tx->condition, *ds = tx->dataset, *af = tx->af_mode;
	int thr = tx->threshold, spr = tx->spr, hard = tx->hard;
	tx->agent_model = tx->subject = tx->condition = tx->dataset = tx->af_mode = NULL;
	tx->threshold = tx->spr = tx->hard = -1;
	if (config_fields(p, row, "row") || opt_str(p, row, "task_type", "row", &tx->task_type) ||
	    opt_bool(p, row, "is_memory", "row", &tx->is_memory))
		return OFS_EDATA;
	json_t *afv = json_object_get(row, "alignment_faking_mode");
	tx->agent_model = tx->agent_model ? tx->agent_model : model;
	tx->subject = tx->subject ? tx->subject : subj;
	tx->condition = tx->condition ? tx->condition : cond;
	tx->dataset = tx->dataset ? tx->dataset : ds;
	tx->af_mode = tx->af_mode || afv ? tx->af_mode : af;
	tx->threshold = tx->threshold >= 0 || json_object_get(row, "threshold") ? tx->threshold : thr;
	tx->spr = tx->spr >= 0 ? tx->spr : spr;
	tx->hard = tx->hard >= 0 ? tx->hard : hard;
	return 0;
}

static int parse_root(struct pctx *p, json_t *root, json_t *row)
{
	if (!json_is_object(root))
		return ofs_fail(p->err, OFS_EDATA, "%s: expected a JSON object at the top", p->name);
	int e;
	if ((e = metadata(p, json_object_get(root, "experiment_metadata"))) ||
	    (e = conversation(p, json_object_get(root, "conversation"))) || (e = evaluation(p, root)))
		return e;
	return row ? row_columns(p, row) : 0;
}

static json_t *load(struct pctx *p, const char *text, size_t len, const char *what, int *e)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, 0, &je);
	if (!j)
		*e = ofs_fail(p->err, OFS_EDATA, "%s: %s is not valid JSON (line %d: %s)", p->name, what, je.line, je.text);
	return j;
}

int ofs_paper_parse(const char *text, size_t len, const char *name, struct ofs_paper_tx *tx, char *err)
{
	memset(tx, 0, sizeof *tx);
	if (len > OFS_IMPORT_MAX_BYTES)
		return ofs_fail(err, OFS_ELIMIT, "%s: larger than %u bytes", name, OFS_IMPORT_MAX_BYTES);
	tx->A = ofs_arena_new(64 * 1024);
	tx->is_memory = tx->threshold = tx->spr = tx->hard = -1;
	tx->temperature = NAN;
	struct pctx p = {tx, name, err};
	int e = 0;
	json_t *top = load(&p, text, len, "the file", &e), *inner = NULL;
	json_t *tj = json_is_object(top) ? json_object_get(top, "transcript_json") : NULL;
	if (top && tj) {
		if (!json_is_string(tj))
			e = ofs_fail(err, OFS_EDATA, "%s: transcript_json: expected a string", name);
		else if (json_string_length(tj) > OFS_IMPORT_MAX_BYTES)
			e = ofs_fail(err, OFS_ELIMIT, "%s: transcript_json: larger than %u bytes", name, OFS_IMPORT_MAX_BYTES);
		else
			inner = load(&p, json_string_value(tj), json_string_length(tj), "transcript_json", &e);
	}
	if (top && !e)
		e = parse_root(&p, tj ? inner : top, tj ? top : NULL);
	json_decref(inner);
	json_decref(top);
	if (e)
		ofs_paper_tx_release(tx);
	return e;
}
