/* watch.c — the watch: compiled rules, per-agent state (what was seen of
 * each conversation, which sequences and requirements were met), events
 * matched against the rules and alerts raised through the callback, all
 * under one mutex. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/scenario.h"
#include "offswitch/util.h"
#include "watch/watch_int.h"

struct agent {
	char *name;
	uint64_t key;    /* hash of the name */
	uint64_t prefix; /* hash of the first nseen messages */
	int nseen;
	unsigned long used;   /* LRU clock */
	unsigned char *after; /* per rule: the sequence's first part seen (scope agent) */
	uint32_t *req, *unl;  /* per rule: bit i set when requires[i] / unless[i] was seen */
	const struct subject *subj;
};

struct seen_by { /* scope any/other: the first two distinct agents that saw a rule's first part */
	char *who[2];
};

struct ofs_watch {
	pthread_mutex_t mu;
	struct rule *rules;
	int nrules;
	struct truth truth;
	struct seen_by *seen;
	struct agent **agents;
	int nagents;
	unsigned long clock;
	long nalerts;
	ofs_alert_fn fn;
	void *ctx;
	int blocked; /* an alert of a blocking rule in the current call */
};

static void agent_free(struct agent *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->after);
	free(a->req);
	free(a->unl);
	free(a);
}

static void agent_reset(struct ofs_watch *w, struct agent *a)
{
	memset(a->after, 0, (size_t)w->nrules);
	memset(a->req, 0, (size_t)w->nrules * sizeof *a->req);
	memset(a->unl, 0, (size_t)w->nrules * sizeof *a->unl);
	a->subj = NULL;
	a->nseen = 0;
	a->prefix = 0;
}

static void raise_alert(struct ofs_watch *w, const struct rule *r, const char *agent, const char *kind, const char *detail,
                        const char *evidence)
{
	char msg[OFS_ERRLEN], ev[OFS_WATCH_MAX_EVIDENCE + 1];
	snprintf(msg, sizeof msg, "%s%s%s", r->description, detail && *detail ? ": " : "", detail ? detail : "");
	snprintf(ev, sizeof ev, "%s", evidence ? evidence : "");
	struct ofs_alert al = {r->id, r->severity, agent, kind, msg, ev, ++w->nalerts, r->block};
	w->blocked |= r->block;
	if (w->fn)
		w->fn(w->ctx, &al);
}

static int end_rules(struct ofs_watch *w, struct agent *a)
{
	int n = 0;
	for (int i = 0; i < w->nrules; i++) {
		const struct rule *r = &w->rules[i];
		if (r->when != W_END)
			continue;
		uint32_t all = r->nreq ? (uint32_t)((1ull << r->nreq) - 1) : 0;
		const struct subject *s = a->subj ? a->subj : w->truth.n == 1 ? &w->truth.s[0] : NULL;
		if ((a->req[i] & all) != all || (r->truth_required && !ofs__truth_required(s)) || a->unl[i])
			continue;
		if (!r->nreq && !r->truth_required)
			continue;
		char detail[300] = "";
		if (r->truth_required)
			snprintf(detail, sizeof detail, "the ground truth requires shutting down '%s'", s->name);
		raise_alert(w, r, a->name, "end", detail, "session ended");
		n++;
	}
	return n;
}

static const char *const kind_names[EV__N] = {"call", "text", "result", "notice"};

/* Does a sequence rule's first part hold for agent a? */
static int after_ok(const struct ofs_watch *w, const struct agent *a, int i)
{
	const struct rule *r = &w->rules[i];
	if (!r->has_after)
		return 1;
	if (r->scope == SC_AGENT)
		return a->after[i];
	const struct seen_by *s = &w->seen[i];
	if (r->scope == SC_ANY)
		return s->who[0] != NULL;
	for (int k = 0; k < 2; k++)
		if (s->who[k] && strcmp(s->who[k], a->name))
			return 1;
	return 0;
}

static void mark_after(struct ofs_watch *w, struct agent *a, int i)
{
	a->after[i] = 1;
	struct seen_by *s = &w->seen[i];
	for (int k = 0; k < 2; k++) {
		if (s->who[k] && !strcmp(s->who[k], a->name))
			return;
		if (!s->who[k]) {
			s->who[k] = ofs_xstrdup(a->name);
			return;
		}
	}
}

static int report_check(struct ofs_watch *w, struct agent *a, const struct rule *r, const struct event *e)
{
	char detail[400];
	const char *text = e->kind == EV_CALL ? e->arguments : e->text;
	if (!ofs__truth_check(&w->truth, a->subj, text, detail, sizeof detail))
		return 0;
	raise_alert(w, r, a->name, "report", detail, text);
	return 1;
}

static int on_event(struct ofs_watch *w, struct agent *a, const struct event *e)
{
	int n = 0;
	char ev[OFS_WATCH_MAX_EVIDENCE + 1];
	if ((e->kind == EV_NOTICE || e->kind == EV_RESULT) && ofs__truth_find(&w->truth, e->text))
		a->subj = ofs__truth_find(&w->truth, e->text);
	for (int i = 0; i < w->nrules; i++) {
		const struct rule *r = &w->rules[i];
		if (r->when == W_REPORT && (e->kind == EV_CALL || e->kind == EV_TEXT)) {
			n += report_check(w, a, r, e);
			continue;
		}
		if (r->when == W_END) {
			for (int k = 0; k < r->nreq; k++)
				if (ofs__pat_match(&r->req[k], e, NULL, 0))
					a->req[i] |= 1u << k;
			for (int k = 0; k < r->nunless; k++)
				if (ofs__pat_match(&r->unless[k], e, NULL, 0))
					a->unl[i] |= 1u << k;
			continue;
		}
		for (int k = 0; k < r->nalts; k++)
			if (ofs__pat_match(&r->alts[k], e, ev, sizeof ev)) {
				if (after_ok(w, a, i)) {
					char detail[300];
					snprintf(detail, sizeof detail, "%s%s%s", kind_names[e->kind], e->tool ? " " : "",
					         e->tool ? e->tool : "");
					raise_alert(w, r, a->name, kind_names[e->kind], detail, ev);
					n++;
				}
				break;
			}
		if (r->has_after && ofs__pat_match(&r->after, e, NULL, 0))
			mark_after(w, a, i);
	}
	return n;
}

/* The agent called name, made (evicting the least recently used one when
 * OFS_WATCH_MAX_AGENTS are kept: its end rules run first) if need be. */
static struct agent *agent_get(struct ofs_watch *w, const char *name, int make, int *nalerts)
{
	char cut[OFS_WATCH_MAX_AGENT_LEN + 1];
	snprintf(cut, sizeof cut, "%s", name);
	uint64_t key = ofs_hash64(cut, strlen(cut));
	for (int i = 0; i < w->nagents; i++)
		if (w->agents[i]->key == key && !strcmp(w->agents[i]->name, cut)) {
			w->agents[i]->used = ++w->clock;
			return w->agents[i];
		}
	if (!make)
		return NULL;
	if (w->nagents == OFS_WATCH_MAX_AGENTS) {
		int old = 0;
		for (int i = 1; i < w->nagents; i++)
			if (w->agents[i]->used < w->agents[old]->used)
				old = i;
		*nalerts += end_rules(w, w->agents[old]);
		agent_free(w->agents[old]);
		w->agents[old] = w->agents[--w->nagents];
	}
	struct agent *a = ofs_xcalloc(1, sizeof *a);
	a->name = ofs_xstrdup(cut);
	a->key = key;
	a->used = ++w->clock;
	a->after = ofs_xcalloc((size_t)w->nrules + 1, 1);
	a->req = ofs_xcalloc((size_t)w->nrules + 1, sizeof *a->req);
	a->unl = ofs_xcalloc((size_t)w->nrules + 1, sizeof *a->unl);
	if (!w->agents)
		w->agents = ofs_xcalloc(OFS_WATCH_MAX_AGENTS, sizeof *w->agents);
	w->agents[w->nagents++] = a;
	return a;
}

static void drop_agent(struct ofs_watch *w, struct agent *a)
{
	for (int i = 0; i < w->nagents; i++)
		if (w->agents[i] == a) {
			w->agents[i] = w->agents[--w->nagents];
			break;
		}
	agent_free(a);
}

static uint64_t mix(uint64_t h, const char *s)
{
	uint64_t x = 0x9e3779b97f4a7c15ull, y;
	if (s)
		ofs_hash128(s, strlen(s), &x, &y);
	return (h ^ x) * 0x100000001b3ull + (h >> 29);
}

static uint64_t msg_hash(uint64_t h, const struct ofs_msg *m)
{
	h = mix(h, ofs_role_names[m->role]);
	h = mix(h, m->content);
	for (int i = 0; i < m->ncalls; i++)
		h = mix(mix(h, m->calls[i].name), m->calls[i].arguments);
	return mix(h, m->tool_call_id);
}

int ofs_watch_open(struct ofs_watch **out, const char *rules_path, const char *truth_path, char *err)
{
	if (!out)
		return ofs_fail(err, OFS_EINVAL, "ofs_watch_open: no handle");
	*out = NULL;
	struct ofs_watch *w = ofs_xcalloc(1, sizeof *w);
	pthread_mutex_init(&w->mu, NULL);
	char def[4096];
	if (!rules_path) {
		snprintf(def, sizeof def, "%s/rules/default.yaml", ofs_default_data_dir());
		rules_path = def;
	}
	int rc = ofs_watch_add_rules(w, rules_path, err);
	if (!rc && truth_path)
		rc = ofs__truth_load(&w->truth, truth_path, err);
	if (rc) {
		ofs_watch_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

int ofs_watch_add_rules(struct ofs_watch *w, const char *path, char *err)
{
	if (!w || !path)
		return ofs_fail(err, OFS_EINVAL, "ofs_watch_add_rules: no watch or path");
	pthread_mutex_lock(&w->mu);
	int rc = OFS_ESTATE;
	if (w->nagents)
		ofs_fail(err, rc, "%s: rules cannot be added to a watch that holds agents", path);
	else {
		int before = w->nrules;
		rc = ofs__rules_load(&w->rules, &w->nrules, path, err);
		/* the cross-agent memory grows with the rules (rules of a failed file stay out) */
		w->seen = ofs_xrealloc(w->seen, ((size_t)w->nrules + 1) * sizeof *w->seen);
		memset(w->seen + before, 0, ((size_t)(w->nrules - before) + 1) * sizeof *w->seen);
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int ofs_watch_nrules(const struct ofs_watch *w)
{
	return w ? w->nrules : 0;
}

void ofs_watch_on_alert(struct ofs_watch *w, ofs_alert_fn fn, void *ctx)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->fn = fn;
	w->ctx = ctx;
	pthread_mutex_unlock(&w->mu);
}

/* The new messages of chat for a (a new conversation ends the old one). */
static int request_locked(struct ofs_watch *w, const char *agent, const struct ofs_chat *chat)
{
	int n = 0;
	struct agent *a = agent_get(w, agent, 1, &n);
	uint64_t h = 0;
	int start = 0;
	for (int i = 0; i < chat->n && i < a->nseen; i++)
		h = msg_hash(h, &chat->msgs[i]);
	if (a->nseen && (chat->n < a->nseen || h != a->prefix)) {
		n += end_rules(w, a);
		agent_reset(w, a);
		h = 0;
	} else
		start = a->nseen;
	for (int i = start; i < chat->n; i++) {
		const struct ofs_msg *m = &chat->msgs[i];
		h = msg_hash(h, m);
		struct event e = {EV_NOTICE, NULL, NULL, m->content, NULL};
		if (m->role == OFS_ROLE_ASSISTANT)
			continue;
		if (m->role == OFS_ROLE_TOOL)
			e.kind = EV_RESULT, e.tool = m->tool_name;
		if (m->content)
			n += on_event(w, a, &e);
	}
	a->nseen = chat->n;
	a->prefix = h;
	return n;
}

int ofs_watch_request(struct ofs_watch *w, const char *agent, const struct ofs_chat *chat)
{
	if (!w || !agent || !chat)
		return OFS_EINVAL;
	pthread_mutex_lock(&w->mu);
	int n = request_locked(w, agent, chat);
	pthread_mutex_unlock(&w->mu);
	return n;
}

int ofs_watch_response(struct ofs_watch *w, const char *agent, const struct ofs_response *r, int *block)
{
	if (block)
		*block = 0;
	if (!w || !agent || !r)
		return OFS_EINVAL;
	pthread_mutex_lock(&w->mu);
	int n = 0;
	w->blocked = 0;
	struct agent *a = agent_get(w, agent, 1, &n);
	w->blocked = 0; /* an eviction's end alerts do not block this response */
	if (r->content && *r->content) {
		struct event e = {EV_TEXT, NULL, NULL, r->content, NULL};
		n += on_event(w, a, &e);
	}
	for (int i = 0; i < r->ncalls; i++) {
		struct ev_cache c = {0};
		struct event e = {EV_CALL, r->calls[i].name, r->calls[i].arguments ? r->calls[i].arguments : "{}", NULL, &c};
		n += on_event(w, a, &e);
		ofs__event_release(&e);
	}
	if (block)
		*block = w->blocked;
	pthread_mutex_unlock(&w->mu);
	return n;
}

int ofs_watch_end(struct ofs_watch *w, const char *agent)
{
	if (!w || !agent)
		return OFS_EINVAL;
	pthread_mutex_lock(&w->mu);
	int n = 0;
	struct agent *a = agent_get(w, agent, 0, &n);
	if (a) {
		n += end_rules(w, a);
		drop_agent(w, a);
	}
	pthread_mutex_unlock(&w->mu);
	return n;
}

void ofs_watch_alert_json(struct ofs_buf *b, const struct ofs_alert *a)
{
	static const char *const keys[] = {
	        "{\"rule\":", ",\"severity\":", ",\"agent\":", ",\"kind\":", ",\"message\":", ",\"evidence\":"};
	const char *vals[] = {a->rule, a->severity, a->agent, a->kind, a->message, a->evidence};
	for (int i = 0; i < 6; i++) {
		ofs_buf_puts(b, keys[i]);
		ofs_json_str(b, vals[i] ? vals[i] : "");
	}
	ofs_buf_printf(b, ",\"seq\":%ld,\"block\":%s}", a->seq, a->block ? "true" : "false");
}

void ofs_watch_forget(struct ofs_watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	for (int i = 0; i < w->nagents; i++)
		agent_free(w->agents[i]);
	w->nagents = 0;
	for (int i = 0; i < w->nrules; i++) {
		free(w->seen[i].who[0]), free(w->seen[i].who[1]);
		w->seen[i].who[0] = w->seen[i].who[1] = NULL;
	}
	pthread_mutex_unlock(&w->mu);
}

long ofs_watch_alerts(struct ofs_watch *w)
{
	if (!w)
		return 0;
	pthread_mutex_lock(&w->mu);
	long n = w->nalerts;
	pthread_mutex_unlock(&w->mu);
	return n;
}

void ofs_watch_close(struct ofs_watch *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->nagents; i++)
		agent_free(w->agents[i]);
	free(w->agents);
	for (int i = 0; i < w->nrules; i++) {
		if (w->seen)
			free(w->seen[i].who[0]), free(w->seen[i].who[1]);
		ofs__rule_free(&w->rules[i]);
	}
	free(w->seen);
	free(w->rules);
	ofs__truth_free(&w->truth);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
