/* engine.c — rollouts against providers reached over HTTP: up to
 * max_concurrent rollouts in flight on one thread (lib/net/http.h), each turn
 * stored as it happens, retries with backoff and Retry-After, a circuit
 * breaker, request and token rate limits, and a cost/token budget.
 *
 * Durability: every turn a call brings is appended to the store at once and
 * committed before any rollout sends its next request (one commit per poll
 * of the network), so a crash costs at most the calls in flight.
 *
 * A rollout left "running" by a crash or a stop, "budget_exhausted", or
 * ended by a transient failure is resumed from its stored turns: its row and
 * turns stay, the turns are fed back through the loop, which rebuilds the
 * same world because tools are deterministic, and only then does the model
 * get called again. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "offswitch/http.h"
#include "offswitch/retry.h"
#include "exec/record.h"
#include "exec/run_priv.h"

#define SLOT_ARENA (8 * 1024) /* small chunks: a conversation grows in steps, little slack per rollout */

struct engine;

struct slot {
	struct engine *e; /* for the HTTP callback */
	int used, ci, rep, in_flight, attempts, stored;
	long long cid, rid;
	struct ofs_arena *A;
	struct ofs_loop L;
	double not_before;
	const char *end_status; /* set when the rollout must end early */
	char reason[96];
	struct ofs_wire_memo memo; /* the conversation's request JSON so far (kept across the slot's rollouts, reset by each) */
};

struct cfgstate {
	struct ofs_tmpl *t;
	int shared; /* t is a copy of a template the caller built (free only the copy) */
	long long cid;
	int refs, loaded, next_rep, nres, ires;
	unsigned char *done;
	long long *res_rid;
	int *res_rep;
};

struct price {
	double in, out; /* USD per million tokens */
};

struct engine {
	struct ofs_recorder *rc;
	struct ofs_fixtures *fx;
	const struct ofs__built *built;
	const struct ofs_plan *plan;
	const unsigned char *mine; /* a sharded run's rollouts (config * reps + rep), or NULL */
	struct ofs_provider **prov;
	const struct ofs_run_opts *o;
	struct ofs_run_result *res;
	struct ofs_http *http;
	struct slot *slots;
	int nslots, active, ci;
	struct cfgstate *cs;
	int reps;
	struct ofs_retry retry; /* the retry policy and circuit breaker */
	double rpm_tokens, tpm_tokens, last_refill;
	json_t *pricing;
	char err[OFS_ERRLEN];
	int fatal;
	int dirty;           /* writes since the last commit */
	struct ofs_buf body; /* the request being built (its capacity kept) */
};

int ofs_status_transient(const char *status)
{
	static const char *const transient[] = {"budget_exhausted", "error:circuit_open", "error:http_429", "error:http_408",
	                                        "error:http_409",   "error:timeout",      "error:reset",    "error:connect",
	                                        "error:truncated",  "error:parse",        "error:transport"};
	for (size_t i = 0; i < sizeof transient / sizeof *transient; i++)
		if (!strcmp(status, transient[i]))
			return 1;
	return !strncmp(status, "error:http_5", 12) && strlen(status) == 14;
}

static int store_fatal(struct engine *e, int code);

/* Config ci's template: a copy of the caller's when it built one (its
 * strings are shared; cfg is this configuration), else built here. */
static struct ofs_tmpl *tmpl_get(struct engine *e, int ci)
{
	struct cfgstate *cs = &e->cs[ci];
	struct ofs_config *c = &e->plan->cfgs[ci];
	const struct ofs_tmpl *b = e->built ? e->built->find(e->built->ud, c) : NULL;
	cs->shared = b != NULL;
	if (!b)
		return ofs_tmpl_build(e->fx, c, e->err);
	struct ofs_tmpl *t = ofs_xmalloc(sizeof *t);
	*t = *b;
	t->cfg = c;
	return t;
}

static void tmpl_drop(struct engine *e, int ci)
{
	struct cfgstate *cs = &e->cs[ci];
	e->plan->cfgs[ci].tmpl = NULL;
	if (cs->shared)
		free(cs->t);
	else
		ofs_tmpl_free(cs->t);
	cs->t = NULL;
}

/* Commit what was written since the last commit: every stored turn is
 * durable before the next request goes out. */
static int commit_now(struct engine *e)
{
	if (!e->dirty)
		return 0;
	e->dirty = 0;
	int c = ofs_store_commit(e->rc->st);
	return c ? store_fatal(e, c) : 0;
}

/* Remember a store failure as the run's fatal error. */
static int store_fatal(struct engine *e, int code)
{
	e->fatal = ofs__store_err(e->rc->st, code, e->err);
	return -1;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static struct price price_of(struct engine *e, const char *model)
{
	struct price p = {0, 0};
	json_t *models = json_object_get(e->pricing, "models");
	const char *k;
	json_t *v;
	size_t best = 0;
	json_object_foreach(models, k, v)
	{
		size_t l = strlen(k);
		if ((!strcmp(k, model) || (strstr(model, k) && l > best)) && json_is_object(v)) {
			best = !strcmp(k, model) ? (size_t)-1 : l;
			p.in = json_number_value(json_object_get(v, "input_per_mtok"));
			p.out = json_number_value(json_object_get(v, "output_per_mtok"));
		}
	}
	return p;
}

static void check_budget(struct engine *e)
{
	const struct ofs_run_opts *o = e->o;
	if ((o->token_budget > 0 && e->res->tokens >= o->token_budget) ||
	    (o->max_cost_usd > 0 && e->res->cost_usd >= o->max_cost_usd))
		e->res->budget_hit = 1;
}

static void open_circuit(struct engine *e, const char *why)
{
	if (!e->res->circuit_open)
		snprintf(e->res->circuit_reason, sizeof e->res->circuit_reason, "%s", why);
	e->res->circuit_open = 1;
}

/* Record the slot's rollout and free the slot. */
static int end_slot(struct engine *e, struct slot *s, const char *status)
{
	if (!s->L.done)
		ofs_loop_abort(&s->L, status);
	if (strcmp(status, "ok")) {
		if (!strcmp(status, "budget_exhausted"))
			e->res->budget_exhausted++;
		else
			e->res->errors++;
	}
	struct ofs_config *c = &e->plan->cfgs[s->ci];
	int rc = ofs_store_append(e->rc->st, s->rid, &s->L.chat, s->stored);
	if (rc)
		rc = ofs__store_err(e->rc->st, rc, e->err);
	else
		rc = ofs__record(e->rc, c, s->cid, s->rep, &s->L, status, s->rid, e->err);
	ofs_loop_release(&s->L);
	ofs_arena_free(s->A);
	struct cfgstate *cs = &e->cs[s->ci];
	if (--cs->refs == 0 && cs->next_rep >= e->reps && cs->ires >= cs->nres)
		tmpl_drop(e, s->ci);
	struct ofs_wire_memo memo = s->memo; /* its buffer, for the slot's next rollout */
	memset(s, 0, sizeof *s);
	s->memo = memo;
	e->active--;
	e->res->done++;
	e->dirty = 1;
	if (rc) {
		e->fatal = rc;
		return -1;
	}
	return 0;
}

/* Whether a stored rollout with this status runs again. */
static int redo(const struct engine *e, const char *status)
{
	return !strcmp(status, "running") || ofs_status_transient(status) ||
	       (e->o->retry_errors && !strncmp(status, "error:", 6));
}

/* Whether rollout (ci, rep) is this run's (always, unsharded). */
static int ours(const struct engine *e, int ci, int rep)
{
	return !e->mine || e->mine[(size_t)ci * (size_t)e->reps + (size_t)rep];
}

/* Load a config's state the first time one of its rollouts is needed. */
static int load_config(struct engine *e, int ci)
{
	struct cfgstate *cs = &e->cs[ci];
	if (cs->loaded)
		return 0;
	cs->loaded = 1;
	struct ofs_config *c = &e->plan->cfgs[ci];
	cs->done = ofs_xcalloc((size_t)e->reps, 1);
	cs->res_rid = ofs_xcalloc((size_t)e->reps + 1, sizeof *cs->res_rid);
	cs->res_rep = ofs_xcalloc((size_t)e->reps + 1, sizeof *cs->res_rep);
	struct ofs_unfinished *u = ofs_xcalloc((size_t)e->reps + 1, sizeof *u);
	struct ofs_store *st = e->rc->st;
	int rc, n = 0;
	if ((rc = ofs_store_config(st, c, &cs->cid)) || (rc = ofs_store_done(st, cs->cid, cs->done, e->reps)) ||
	    (rc = ofs_store_unfinished(st, cs->cid, u, e->reps, &n))) {
		free(u);
		return store_fatal(e, rc);
	}
	for (int k = 0; k < n; k++) {
		if (u[k].rep < 0 || u[k].rep >= e->reps || !ours(e, ci, u[k].rep))
			continue;
		if (redo(e, u[k].status)) {
			cs->done[u[k].rep] = 0;
			cs->res_rid[cs->nres] = u[k].rid;
			cs->res_rep[cs->nres++] = u[k].rep;
		} else
			e->res->failed_kept++;
	}
	free(u);
	int skipped = 0;
	for (int r = 0; r < e->reps; r++) {
		if (!ours(e, ci, r))
			cs->done[r] = 1; /* another shard's: never started here, not counted */
		else
			skipped += cs->done[r];
	}
	e->res->skipped += skipped;
	return 0;
}

/* The next rollout to start: a config's unfinished ones first, then new reps. */
static int next_work(struct engine *e, int *ci, int *rep, long long *resume_rid)
{
	for (; e->ci < e->plan->n; e->ci++) {
		if (!e->prov[e->ci]->http)
			continue;
		if (load_config(e, e->ci))
			return -1;
		struct cfgstate *cs = &e->cs[e->ci];
		if (cs->ires < cs->nres) {
			*ci = e->ci;
			*rep = cs->res_rep[cs->ires];
			*resume_rid = cs->res_rid[cs->ires++];
			return 1;
		}
		while (cs->next_rep < e->reps) {
			int r = cs->next_rep++;
			int unfinished = 0;
			for (int k = 0; k < cs->nres; k++)
				unfinished |= cs->res_rep[k] == r;
			if (cs->done[r] || unfinished)
				continue;
			*ci = e->ci;
			*rep = r;
			*resume_rid = 0;
			return 1;
		}
	}
	return 0;
}

/* Continue stored rollout rid in slot s: its stored turns go through the
 * loop (no network), the row stays and keeps them; anything stored past
 * where the loop now stands is removed. */
static int resume(struct engine *e, struct slot *s, long long rid)
{
	struct ofs_response *turns;
	int n, rc;
	if ((rc = ofs_store_turns(e->rc->st, rid, s->A, &turns, &n)))
		return store_fatal(e, rc);
	for (int i = 0; i < n && !s->L.done; i++)
		ofs_loop_feed(&s->L, &turns[i]);
	if ((rc = ofs_store_reopen(e->rc->st, rid, s->L.chat.n, &s->stored)))
		return store_fatal(e, rc);
	s->rid = rid;
	e->res->resumed++;
	return 0;
}

static int start_slot(struct engine *e, struct slot *s, int ci, int rep, long long resume_rid)
{
	struct ofs_config *c = &e->plan->cfgs[ci];
	struct cfgstate *cs = &e->cs[ci];
	if (!cs->t) {
		cs->t = tmpl_get(e, ci);
		if (!cs->t) {
			e->fatal = OFS_EDATA;
			return -1;
		}
		c->tmpl = cs->t;
	}
	struct ofs_wire_memo memo = s->memo; /* its buffer is reused */
	memset(s, 0, sizeof *s);
	s->memo = memo;
	ofs_wire_memo_reset(&s->memo);
	s->e = e;
	s->used = 1;
	s->ci = ci;
	s->rep = rep;
	s->cid = cs->cid;
	s->A = ofs_arena_new(SLOT_ARENA);
	cs->refs++;
	e->active++;
	e->dirty = 1;
	ofs__loop_start(e->rc, &s->L, cs->t, c->max_iters, s->A);
	if (!resume_rid) {
		int rc = ofs_store_begin_rollout(e->rc->st, s->cid, rep, &s->rid);
		return rc ? store_fatal(e, rc) : 0;
	}
	return resume(e, s, resume_rid);
}

/* Token buckets: capacity one second's worth (at least one request). */
static int rate_ok(struct engine *e, double est_tokens)
{
	const struct ofs_run_opts *o = e->o;
	if (o->rpm <= 0 && o->tpm <= 0)
		return 1;
	double t = now_s(), dt = t - e->last_refill;
	e->last_refill = t;
	if (o->rpm > 0)
		e->rpm_tokens = fmin(fmax(1, o->rpm / 60), e->rpm_tokens + dt * o->rpm / 60);
	if (o->tpm > 0)
		e->tpm_tokens = fmin(fmax(est_tokens, o->tpm / 60), e->tpm_tokens + dt * o->tpm / 60);
	if ((o->rpm > 0 && e->rpm_tokens < 1) || (o->tpm > 0 && e->tpm_tokens < est_tokens))
		return 0;
	if (o->rpm > 0)
		e->rpm_tokens -= 1;
	if (o->tpm > 0)
		e->tpm_tokens -= est_tokens;
	return 1;
}

static int launch(struct engine *e, struct slot *s)
{
	const struct ofs_http_target *t = e->prov[s->ci]->http;
	struct ofs_config *c = &e->plan->cfgs[s->ci];
	struct ofs_wire_opts wo = t->opts;
	wo.temperature = c->temperature;
	struct ofs_buf *body = &e->body; /* ofs_http_start copies it */
	ofs_buf_reset(body);
	if (ofs_wire_request_memo(t->wire, body, &s->L.chat, e->cs[s->ci].t->tools_schema, &wo, &s->memo, e->err)) {
		e->fatal = OFS_EDATA;
		return -1;
	}
	int rc = ofs_http_start(e->http, t, body->p, body->len, c->key, s->A, s, e->err);
	if (rc) {
		e->fatal = OFS_EIO;
		return -1;
	}
	s->in_flight = 1;
	return 0;
}

/* A uniform number in [0, 1) from the engine's own generator (xorshift64). */
static void on_done(void *ud, struct ofs_http_result *r)
{
	struct slot *s = ud;
	struct engine *e = s->e;
	s->in_flight = 0;
	if (r->cls == OFS_CALL_OK) {
		ofs_retry_ok(&e->retry);
		s->attempts = 0;
		long in = r->resp.in_tokens ? r->resp.in_tokens : ofs_chat_tokens(&s->L.chat);
		long out = r->resp.out_tokens;
		e->res->tokens += in + out;
		struct price p = price_of(e, e->prov[s->ci]->http->model);
		e->res->cost_usd += (in * p.in + out * p.out) / 1e6;
		ofs_loop_feed(&s->L, &r->resp);
		int rc = ofs_store_append(e->rc->st, s->rid, &s->L.chat, s->stored);
		if (rc) {
			store_fatal(e, rc);
			return;
		}
		s->stored = s->L.chat.n;
		e->dirty = 1;
		check_budget(e);
		if (e->res->budget_hit && !s->L.done)
			s->end_status = "budget_exhausted";
		return;
	}
	snprintf(s->reason, sizeof s->reason, "%s", r->reason);
	double wait = ofs_retry_failed(&e->retry, r, &s->attempts);
	if (e->retry.open)
		open_circuit(e, e->retry.reason);
	if (wait >= 0) {
		e->res->retries++;
		s->not_before = now_s() + wait;
	} else {
		char st[128];
		snprintf(st, sizeof st, "error:%s", r->reason);
		s->end_status = ofs_arena_strdup(s->A, st);
	}
}

static void report(struct engine *e)
{
	if (!e->o->progress)
		return;
	struct ofs_run_result *res = e->res;
	struct ofs_progress p = {res->done + res->skipped,
	                         res->total,
	                         res->skipped,
	                         ofs_http_in_flight(e->http),
	                         res->retries,
	                         res->errors,
	                         res->tokens,
	                         res->cost_usd};
	e->o->progress(e->o->ud, &p);
}

static void engine_init(struct engine *e, const struct ofs_plan *plan, const struct ofs_run_opts *o)
{
	e->reps = o->reps > 0 ? o->reps : 1;
	e->nslots = o->max_concurrent > 0 ? o->max_concurrent : 16;
	e->slots = ofs_xcalloc((size_t)e->nslots, sizeof *e->slots);
	e->cs = ofs_xcalloc((size_t)plan->n + 1, sizeof *e->cs);
	e->http = ofs_http_new(e->nslots);
	e->last_refill = now_s();
	e->rpm_tokens = 1;
	e->tpm_tokens = o->tpm / 60;
	ofs_retry_init(&e->retry, &(struct ofs_retry_policy){o->max_retries, o->retry_base_ms, o->circuit_breaker});
	if (o->pricing_path) {
		json_error_t je;
		e->pricing = json_load_file(o->pricing_path, 0, &je);
		if (!e->pricing && o->max_cost_usd > 0)
			e->fatal = ofs_fail(e->err, OFS_EDATA, "cannot read the pricing table %s: %s", o->pricing_path, je.text);
	}
}

static void engine_release(struct engine *e)
{
	/* Slots still held (stop or failure): their rows stay "running". */
	for (int i = 0; i < e->nslots; i++) {
		if (e->slots[i].used) {
			ofs_loop_release(&e->slots[i].L);
			ofs_arena_free(e->slots[i].A);
		}
		ofs_wire_memo_free(&e->slots[i].memo);
	}
	ofs_http_free(e->http);
	ofs_buf_free(&e->body);
	for (int i = 0; i < e->plan->n; i++) {
		if (e->cs[i].t)
			tmpl_drop(e, i);
		free(e->cs[i].done);
		free(e->cs[i].res_rid);
		free(e->cs[i].res_rep);
	}
	free(e->cs);
	free(e->slots);
	json_decref(e->pricing);
}

/* Start rollouts in free slots; *more = 0 once the plan has none left. */
static void fill_slots(struct engine *e, int *more)
{
	struct ofs_run_result *res = e->res;
	while (*more && !res->budget_hit && !res->circuit_open && e->active < e->nslots) {
		int ci, rep;
		long long rid;
		int k = next_work(e, &ci, &rep, &rid);
		if (k < 0)
			break;
		if (!k) {
			*more = 0;
			break;
		}
		struct slot *s = NULL;
		for (int i = 0; i < e->nslots && !s; i++)
			if (!e->slots[i].used)
				s = &e->slots[i];
		if (start_slot(e, s, ci, rep, rid))
			break;
	}
}

/* Drive every slot that is not waiting on the network; the time of the
 * next backoff that ends before *wake lowers it. */
static void drive_slots(struct engine *e, double *wake, int stopping)
{
	struct ofs_run_result *res = e->res;
	double t = now_s();
	for (int i = 0; i < e->nslots && !e->fatal; i++) {
		struct slot *s = &e->slots[i];
		if (!s->used || s->in_flight)
			continue;
		if (s->L.done || s->end_status)
			end_slot(e, s, s->end_status ? s->end_status : "ok");
		else if (res->circuit_open)
			end_slot(e, s, "error:circuit_open");
		else if (res->budget_hit)
			end_slot(e, s, "budget_exhausted");
		else if (stopping)
			continue; /* stays "running", resumable */
		else if (t < s->not_before)
			*wake = fmin(*wake, s->not_before);
		else if (rate_ok(e, (double)ofs_chat_tokens(&s->L.chat)))
			launch(e, s);
	}
}

int ofs__engine(struct ofs_recorder *rc, struct ofs_fixtures *fx, const struct ofs__built *built, const struct ofs_plan *plan,
                struct ofs_provider **prov, const unsigned char *mine, const struct ofs_run_opts *o, struct ofs_run_result *res,
                char *err)
{
	struct engine e = {.rc = rc, .fx = fx, .built = built, .plan = plan, .mine = mine, .prov = prov, .o = o, .res = res};
	engine_init(&e, plan, o);
	double last_report = 0;
	int more = 1;
	while (!e.fatal) {
		/* Stop (1): no new rollout, no new request; wait for the calls in
		 * flight and store their turns. Abort (2): return now. */
		int stopping = o->stop && *o->stop;
		if (o->stop && *o->stop >= 2)
			break;
		if (!stopping)
			fill_slots(&e, &more);
		if (e.fatal || commit_now(&e))
			break;
		double wake = now_s() + 0.05;
		drive_slots(&e, &wake, stopping);
		if (e.fatal)
			break;
		if (stopping && !ofs_http_in_flight(e.http))
			break; /* unfinished rollouts stay "running", resumable */
		/* Done, or stopped by the breaker or the budget: rollouts not yet
		 * started stay unrecorded, for the next run. */
		if (!e.active && (!more || res->circuit_open || res->budget_hit))
			break;
		int ms = (int)fmax(1, fmin(50, (wake - now_s()) * 1000));
		ofs_http_poll(e.http, ms, on_done);
		double t = now_s();
		if (t - last_report > 0.2) {
			report(&e);
			last_report = t;
		}
	}
	if (!e.fatal)
		commit_now(&e);
	report(&e);
	int rcode = e.fatal;
	if (rcode)
		snprintf(err, OFS_ERRLEN, "%s", e.err);
	engine_release(&e);
	return rcode;
}
