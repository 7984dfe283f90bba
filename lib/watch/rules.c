/* rules.c — the rules file (YAML, docs/watch.md) compiled into struct rule:
 * every key known, every regex and glob checked, errors naming the file, the
 * line and the rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "offswitch/util.h"
#include "watch/watch_int.h"

struct ld {
	yaml_document_t *doc;
	const char *path;
	const char *rule; /* the id of the rule being read, or NULL */
	char *err;
};

static int fail(struct ld *l, const yaml_node_t *n, const char *fmt, const char *a, const char *b)
{
	char what[OFS_ERRLEN];
	snprintf(what, sizeof what, fmt, a ? a : "", b ? b : "");
	return ofs_fail(l->err, OFS_EDATA, "%s:%lu: %s%s%s%s", l->path, n ? (unsigned long)n->start_mark.line + 1 : 0UL,
	                l->rule ? "rule '" : "", l->rule ? l->rule : "", l->rule ? "': " : "", what);
}

static yaml_node_t *node(struct ld *l, int i)
{
	return yaml_document_get_node(l->doc, i);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A mapping's keys must be distinct scalars (a repeated key would be read twice). */
static int check_keys(struct ld *l, yaml_node_t *n)
{
	for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
		const char *k = scalar(node(l, a->key));
		if (!k)
			return fail(l, node(l, a->key), "a key must be a string%s%s", NULL, NULL);
		for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++)
			if (!strcmp(k, scalar(node(l, b->key))))
				return fail(l, node(l, a->key), "duplicate key '%s'%s", k, NULL);
	}
	return 0;
}

static int get_str(struct ld *l, yaml_node_t *n, const char *key, char **out)
{
	const char *s = scalar(n);
	if (!s)
		return fail(l, n, "'%s' must be a string%s", key, NULL);
	free(*out);
	*out = ofs_xstrdup(s);
	return 0;
}

/* glibc's regcomp copies a repeated part out ("a+" is "aa*", "a{3}" is
 * "aaa"), so "(((a+)+)+)..." or stacked counts grow exponentially. The size
 * a regex expands to is estimated and capped, as is its length. */
#define RE_MAX_LEN    1024
#define RE_MAX_EXPAND 20000 /* atoms once every repetition is copied out */
#define RE_MAX_DEPTH  32    /* nested groups */

static int re_too_big(const char *src)
{
	if (strlen(src) > RE_MAX_LEN)
		return 1;
	double stack[RE_MAX_DEPTH], cur = 0, last = 0;
	int depth = 0;
	for (const char *p = src; *p; p++) {
		double f = 1;
		if (*p == '(') {
			if (depth == RE_MAX_DEPTH)
				return 1;
			stack[depth++] = cur;
			cur = last = 0;
			continue;
		}
		if (*p == ')' && depth) {
			last = cur;
			cur = stack[--depth] + last;
			continue;
		}
		if (*p == '+')
			f = 2;
		else if (*p == '{' && p[1] >= '0' && p[1] <= '9') {
			char *e;
			f = (double)strtol(p + 1, &e, 10);
			if (*e == ',' && e[1] >= '0' && e[1] <= '9')
				f = (double)strtol(e + 1, &e, 10);
			f = f < 1 ? 1 : f;
			p = *e ? e : e - 1;
		} else if (*p == '*' || *p == '?' || *p == '|')
			continue;
		else {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '[') /* a bracket expression is one atom */
				for (p += 1 + (p[1] == '^'), p += *p == ']'; *p && *p != ']'; p++)
					;
			if (!*p)
				break;
			cur += 1;
			last = 1;
			continue;
		}
		cur += last * (f - 1);
		last *= f;
		if (cur > RE_MAX_EXPAND)
			return 1;
	}
	return cur > RE_MAX_EXPAND;
}

static int compile(struct ld *l, yaml_node_t *n, const char *key, const char *src, regex_t **out)
{
	if (re_too_big(src))
		return fail(l, n,
		            "regex in '%s' too big (at most 1024 bytes, 32 nested groups, 20000 atoms with every repetition "
		            "written out)%s",
		            key, NULL);
	regex_t *re = ofs_xmalloc(sizeof *re);
	int rc = regcomp(re, src, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (rc) {
		char msg[200];
		regerror(rc, re, msg, sizeof msg);
		free(re);
		return fail(l, n, "bad regex in '%s': %s", key, msg);
	}
	*out = re;
	return 0;
}

static void re_free(regex_t *re)
{
	if (re)
		regfree(re), free(re);
}

/* A string or a list of strings, each handed to fn. */
static int each_str(struct ld *l, yaml_node_t *n, const char *key, int (*fn)(struct ld *, yaml_node_t *, const char *, void *),
                    void *ctx)
{
	if (n->type == YAML_SCALAR_NODE)
		return fn(l, n, scalar(n), ctx);
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, "'%s' must be a string or a list of strings%s", key, NULL);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = node(l, *it);
		if (!scalar(e))
			return fail(l, e, "'%s' must be a string or a list of strings%s", key, NULL);
		int rc = fn(l, e, scalar(e), ctx);
		if (rc)
			return rc;
	}
	return 0;
}

static int add_on(struct ld *l, yaml_node_t *n, const char *s, void *ctx)
{
	static const char *const names[EV__N] = {"call", "text", "result", "notice"};
	for (int i = 0; i < EV__N; i++)
		if (!strcmp(s, names[i])) {
			*(unsigned *)ctx |= 1u << i;
			return 0;
		}
	return fail(l, n, "unknown 'on' value '%s' (known: call, text, result, notice%s)", s, "");
}

static int add_tool(struct ld *l, yaml_node_t *n, const char *s, void *ctx)
{
	struct pat *p = ctx;
	if (p->ntools == PAT_MAX_LIST)
		return fail(l, n, "more than 16 tool globs%s%s", NULL, NULL);
	p->tools[p->ntools++] = ofs_xstrdup(s);
	return 0;
}

static int add_text(struct ld *l, yaml_node_t *n, const char *s, void *ctx)
{
	struct pat *p = ctx;
	if (p->ntext == PAT_MAX_LIST)
		return fail(l, n, "more than 16 text regexes%s%s", NULL, NULL);
	return compile(l, n, "text", s, &p->text[p->ntext++]) ? (p->ntext--, OFS_EDATA) : 0;
}

static int read_arg(struct ld *l, yaml_node_t *n, struct pat *p)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(l, n, "'arg' must be a mapping {path, regex|glob}%s%s", NULL, NULL);
	if (check_keys(l, n))
		return OFS_EDATA;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		const char *k = scalar(node(l, pr->key));
		yaml_node_t *v = node(l, pr->value);
		int rc;
		if (k && !strcmp(k, "path"))
			rc = get_str(l, v, "arg.path", &p->arg_path);
		else if (k && !strcmp(k, "regex"))
			rc = scalar(v) ? compile(l, v, "arg.regex", scalar(v), &p->arg_re)
			               : fail(l, v, "'arg.regex' must be a string%s%s", 0, 0);
		else if (k && !strcmp(k, "glob"))
			rc = get_str(l, v, "arg.glob", &p->arg_glob);
		else
			rc = fail(l, v, "unknown key 'arg.%s' (known: path, regex, glob)%s", k ? k : "?", NULL);
		if (rc)
			return rc;
	}
	if (!p->arg_re && !p->arg_glob)
		return fail(l, n, "'arg' needs a regex or a glob%s%s", NULL, NULL);
	if (!p->arg_path)
		p->arg_path = ofs_xstrdup("*");
	return 0;
}

/* One pattern key of a mapping: 1 when key is not a pattern key. */
static int pat_key(struct ld *l, const char *k, yaml_node_t *v, struct pat *p)
{
	if (!strcmp(k, "on"))
		return each_str(l, v, "on", add_on, &p->on);
	if (!strcmp(k, "tool"))
		return each_str(l, v, "tool", add_tool, p);
	if (!strcmp(k, "text"))
		return each_str(l, v, "text", add_text, p);
	if (!strcmp(k, "arg"))
		return read_arg(l, v, p);
	regex_t **re = !strcmp(k, "shell")      ? &p->shell
	               : !strcmp(k, "args")     ? &p->args
	               : !strcmp(k, "not_text") ? &p->not_text
	                                        : NULL;
	if (!re)
		return 1;
	if (!scalar(v))
		return fail(l, v, "'%s' must be a string%s", k, NULL);
	return compile(l, v, k, scalar(v), re);
}

static void pat_free(struct pat *p)
{
	for (int i = 0; i < p->ntools; i++)
		free(p->tools[i]);
	for (int i = 0; i < p->ntext; i++)
		re_free(p->text[i]);
	free(p->arg_path);
	free(p->arg_glob);
	re_free(p->arg_re);
	re_free(p->shell);
	re_free(p->args);
	re_free(p->not_text);
	memset(p, 0, sizeof *p);
}

static const char pat_keys[] = "on, tool, arg, shell, args, text, not_text";

/* A pattern given as its own mapping (in any, after, requires, unless). */
static int read_pat(struct ld *l, yaml_node_t *n, struct pat *p, unsigned dflt)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(l, n, "a pattern must be a mapping of %s%s", pat_keys, NULL);
	if (check_keys(l, n))
		return OFS_EDATA;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		const char *k = scalar(node(l, pr->key));
		int rc = k ? pat_key(l, k, node(l, pr->value), p) : 1;
		if (rc == 1)
			return fail(l, node(l, pr->key), "unknown pattern key '%s' (known: %s)", k ? k : "?", pat_keys);
		if (rc)
			return rc;
	}
	if (!p->on)
		p->on = dflt;
	return 0;
}

static int read_pats(struct ld *l, yaml_node_t *n, const char *key, struct pat *out, int *np, unsigned dflt)
{
	if (n->type == YAML_MAPPING_NODE)
		return *np = 1, read_pat(l, n, out, dflt);
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, "'%s' must be a pattern or a list of patterns%s", key, NULL);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if (*np == RULE_MAX_ALTS)
			return fail(l, n, "'%s' holds more than 16 patterns%s", key, NULL);
		int rc = read_pat(l, node(l, *it), &out[(*np)++], dflt);
		if (rc)
			return rc;
	}
	return 0;
}

static const char rule_keys[] = "id, severity, description, action, on, any, after, scope, requires, truth, unless, "
                                "tool, arg, shell, args, text, not_text";

static int read_when(struct ld *l, yaml_node_t *v, struct rule *r, unsigned *on)
{
	const char *s = scalar(v);
	if (s && !strcmp(s, "end"))
		return r->when = W_END, 0;
	if (s && !strcmp(s, "report"))
		return r->when = W_REPORT, 0;
	return each_str(l, v, "on", add_on, on);
}

static int read_scope(struct ld *l, yaml_node_t *v, struct rule *r)
{
	const char *s = scalar(v);
	if (s && !strcmp(s, "agent"))
		r->scope = SC_AGENT;
	else if (s && !strcmp(s, "any"))
		r->scope = SC_ANY;
	else if (s && !strcmp(s, "other"))
		r->scope = SC_OTHER;
	else
		return fail(l, v, "'scope' must be agent, any or other%s%s", NULL, NULL);
	return 0;
}

static int rule_key(struct ld *l, const char *k, yaml_node_t *v, struct rule *r, unsigned *on)
{
	if (!strcmp(k, "id"))
		return get_str(l, v, "id", &r->id);
	if (!strcmp(k, "severity")) {
		int rc = get_str(l, v, "severity", &r->severity);
		if (!rc && strcmp(r->severity, "low") && strcmp(r->severity, "medium") && strcmp(r->severity, "high") &&
		    strcmp(r->severity, "critical"))
			return fail(l, v, "'severity' must be low, medium, high or critical, not '%s'%s", r->severity, NULL);
		return rc;
	}
	if (!strcmp(k, "description"))
		return get_str(l, v, "description", &r->description);
	if (!strcmp(k, "action")) {
		const char *s = scalar(v);
		if (!s || (strcmp(s, "alert") && strcmp(s, "block")))
			return fail(l, v, "'action' must be alert or block%s%s", NULL, NULL);
		r->block = !strcmp(s, "block");
		return 0;
	}
	if (!strcmp(k, "on"))
		return read_when(l, v, r, on);
	if (!strcmp(k, "any"))
		return read_pats(l, v, "any", r->alts + r->nalts, &r->nalts, 0);
	if (!strcmp(k, "after"))
		return r->has_after = 1, read_pat(l, v, &r->after, (1u << EV_RESULT) | (1u << EV_NOTICE));
	if (!strcmp(k, "scope"))
		return read_scope(l, v, r);
	if (!strcmp(k, "requires"))
		return read_pats(l, v, "requires", r->req, &r->nreq, (1u << EV_RESULT) | (1u << EV_NOTICE));
	if (!strcmp(k, "unless"))
		return read_pats(l, v, "unless", r->unless, &r->nunless, 1u << EV_CALL);
	if (!strcmp(k, "truth")) {
		if (!scalar(v) || strcmp(scalar(v), "shutdown_required"))
			return fail(l, v, "'truth' must be shutdown_required%s%s", NULL, NULL);
		return r->truth_required = 1, 0;
	}
	return 2;
}

/* The inline pattern keys of a rule form one more alternative. */
static int read_rule(struct ld *l, yaml_node_t *n, struct rule *r)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail(l, n, "a rule must be a mapping%s%s", NULL, NULL);
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) /* the id first, for messages */
		if (scalar(node(l, pr->key)) && !strcmp(scalar(node(l, pr->key)), "id") && scalar(node(l, pr->value)))
			l->rule = scalar(node(l, pr->value));
	if (check_keys(l, n))
		return OFS_EDATA;
	struct pat inl = {0};
	unsigned on = 0;
	int rc = 0, has_inline = 0;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; !rc && pr < n->data.mapping.pairs.top; pr++) {
		const char *k = scalar(node(l, pr->key));
		yaml_node_t *v = node(l, pr->value);
		rc = k ? rule_key(l, k, v, r, &on) : 2;
		if (rc == 2) {
			rc = k ? pat_key(l, k, v, &inl) : 1;
			has_inline |= rc == 0;
		}
		if (rc == 1)
			rc = fail(l, node(l, pr->key), "unknown key '%s' (known: %s)", k ? k : "?", rule_keys);
	}
	if (!rc && !r->id)
		rc = fail(l, n, "a rule needs an id%s%s", NULL, NULL);
	if (!rc && has_inline) {
		if (r->nalts == RULE_MAX_ALTS)
			rc = fail(l, n, "more than 16 alternatives%s%s", NULL, NULL);
		else
			r->alts[r->nalts++] = inl, memset(&inl, 0, sizeof inl);
	}
	pat_free(&inl);
	if (rc)
		return rc;
	unsigned dflt = on ? on : 1u << EV_CALL;
	for (int i = 0; i < r->nalts; i++)
		if (!r->alts[i].on)
			r->alts[i].on = dflt;
	if (r->when == W_EVENT && !r->nalts)
		return fail(l, n, "nothing to match: give tool, arg, shell, args, text or any%s%s", NULL, NULL);
	if (r->when == W_END && !r->nreq && !r->truth_required)
		return fail(l, n, "an end rule needs requires or truth%s%s", NULL, NULL);
	if (!r->severity)
		r->severity = ofs_xstrdup("medium");
	if (!r->description)
		r->description = ofs_xstrdup(r->id);
	return 0;
}

void ofs__rule_free(struct rule *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->severity);
	free(r->description);
	for (int i = 0; i < r->nalts; i++)
		pat_free(&r->alts[i]);
	for (int i = 0; i < r->nreq; i++)
		pat_free(&r->req[i]);
	for (int i = 0; i < r->nunless; i++)
		pat_free(&r->unless[i]);
	pat_free(&r->after);
	memset(r, 0, sizeof *r);
}

static int read_doc(struct ld *l, struct rule **rules, int *nrules)
{
	yaml_node_t *root = yaml_document_get_root_node(l->doc);
	if (!root)
		return 0; /* an empty file: no rules */
	yaml_node_t *list = NULL;
	if (root->type == YAML_MAPPING_NODE && check_keys(l, root))
		return OFS_EDATA;
	if (root->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
			const char *k = scalar(node(l, pr->key));
			if (k && !strcmp(k, "rules"))
				list = node(l, pr->value);
			else
				return fail(l, node(l, pr->key), "unknown top-level key '%s' (known: rules)%s", k ? k : "?",
				            NULL);
		}
	if (!list || list->type != YAML_SEQUENCE_NODE)
		return fail(l, root, "the file must be a mapping with a list 'rules'%s%s", NULL, NULL);
	for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
		if (*nrules >= OFS_WATCH_MAX_RULES)
			return ofs_fail(l->err, OFS_ELIMIT, "%s: more than %d rules (OFS_WATCH_MAX_RULES)", l->path,
			                OFS_WATCH_MAX_RULES);
		*rules = ofs_xrealloc(*rules, (size_t)(*nrules + 1) * sizeof **rules);
		struct rule *r = &(*rules)[*nrules];
		memset(r, 0, sizeof *r);
		l->rule = NULL;
		int rc = read_rule(l, node(l, *it), r);
		if (!rc)
			for (int j = 0; j < *nrules; j++)
				if (!strcmp((*rules)[j].id, r->id))
					rc = fail(l, node(l, *it), "duplicate rule id%s%s", NULL, NULL);
		if (rc) {
			ofs__rule_free(r);
			return rc;
		}
		(*nrules)++;
	}
	return 0;
}

/* Parse text (a rules file's bytes) and append its rules; path names it in errors. */
int ofs__rules_parse(struct rule **rules, int *nrules, const char *text, size_t len, const char *path, char *err)
{
	yaml_parser_t p;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&p))
		ofs_oom();
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &doc)) {
		int rc = ofs_fail(err, OFS_EDATA, "%s:%lu: bad YAML: %s", path, (unsigned long)p.problem_mark.line + 1,
		                  p.problem ? p.problem : "unreadable");
		yaml_parser_delete(&p);
		return rc;
	}
	struct ld l = {&doc, path, NULL, err};
	int n0 = *nrules;
	int rc = read_doc(&l, rules, nrules);
	while (rc && *nrules > n0) /* all of a file or none of it */
		ofs__rule_free(&(*rules)[--*nrules]);
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return rc;
}

int ofs__rules_load(struct rule **rules, int *nrules, const char *path, char *err)
{
	size_t len;
	char *text = ofs_read_file(path, OFS_WATCH_MAX_FILE, &len);
	if (!text)
		return ofs_fail(err, OFS_EIO, "%s: cannot read the rules file (missing, unreadable or over %d bytes)", path,
		                OFS_WATCH_MAX_FILE);
	int rc = ofs__rules_parse(rules, nrules, text, len, path, err);
	free(text);
	return rc;
}
