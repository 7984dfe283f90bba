/* record.c — the end of an exchange: its response parsed, the detector
 * hooks called (enforce mode may replace the response), the audit record
 * appended and committed, the metrics counted. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "proxy/proxy_int.h"

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* The parsed response of a model call, or NULL. */
static const struct ofs_response *parsed_response(struct xchg *x, struct ofs_response *r)
{
	char err[OFS_ERRLEN];
	if (!x->w || x->status != 200 || !x->p->o.hooks.on_response)
		return NULL; /* nobody reads the parsed response */
	memset(r, 0, sizeof *r);
	if (x->sse_on) {
		int rc = ofs_sse_finish(&x->sse_dec, x->A, r, err);
		return rc ? NULL : r;
	}
	if (x->sse || x->error[0])
		return NULL;
	return ofs_wire_parse_response(x->w, x->body.p ? x->body.p : "", x->body.len, x->A, r, err) ? NULL : r;
}

/* Call on_response; in enforce mode a nonzero answer sets x->blocked. */
static void response_hook(struct xchg *x, const struct ofs_response *r)
{
	const struct ofs_proxy_hooks *h = &x->p->o.hooks;
	if (!h->on_response || !x->w)
		return;
	struct ofs_proxy_exchange e = {x->agent, x->w, x->rq_ok ? &x->rq : NULL, r, x->status, x->seq, x->p};
	char reason[sizeof x->blocked] = "";
	int block = h->on_response(h->ctx, &e, reason, sizeof reason);
	if (block && x->p->o.enforce && !x->relay && x->rq_ok) {
		reason[sizeof reason - 1] = 0;
		snprintf(x->blocked, sizeof x->blocked, "%s", reason[0] ? reason : "blocked by a detector");
	}
}

int ofs__proxy_run_hooks(struct xchg *x)
{
	struct ofs_response r;
	const struct ofs_response *rp = parsed_response(x, &r);
	response_hook(x, rp);
	return x->blocked[0] != 0;
}

void ofs__proxy_blocked_body(struct xchg *x, struct ofs_buf *b)
{
	struct ofs_buf t = {0};
	ofs_buf_printf(&t, "offswitch blocked this response's tool call: %s", x->blocked);
	struct ofs_response r = {.content = t.p};
	char id[64];
	snprintf(id, sizeof id, "%sofs-blocked-%ld", x->w->id_prefix, x->seq);
	struct ofs_wire_reply o = {id, (long)time(NULL), x->rq.in_tokens, 1 + (long)t.len / 4};
	if (x->rq.stream)
		x->w->write_stream(b, &x->rq, &r, &o);
	else
		x->w->write_response(b, &x->rq, &r, &o);
	ofs_buf_free(&t);
}

/* A body as recorded: its JSON value when it is whole JSON within the cap,
 * else a string (cut at cap). */
static json_t *body_value(const char *p, size_t len, size_t cap, int as_json, int *trunc)
{
	if (!p)
		p = "", len = 0;
	if (as_json && len <= cap && len) {
		json_t *j = json_loadb(p, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
		if (j)
			return j;
	}
	if (len > cap) {
		len = cap;
		*trunc = 1;
	}
	json_t *s = json_stringn_nocheck(p, len);
	return s ? s : json_string("");
}

static void time_text(char *buf, size_t n, double t)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	char d[32];
	strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03dZ", d, (int)((t - (double)s) * 1000));
}

static json_t *record(struct xchg *x, double lat)
{
	size_t cap = x->p->o.record_cap;
	int trunc = x->rec_trunc;
	json_t *o = json_object();
	char ts[48];
	time_text(ts, sizeof ts, x->t0);
	json_object_set_new(o, "kind", json_string("exchange"));
	json_object_set_new(o, "seq", json_integer(x->seq));
	json_object_set_new(o, "time", json_string(ts));
	json_object_set_new(o, "agent", json_string(x->agent));
	json_object_set_new(o, "format", json_string(x->w ? x->w->name : "other"));
	json_object_set_new(o, "method", json_string(x->method));
	json_object_set_new(o, "path", json_stringn_nocheck(x->uri, strlen(x->uri)));
	json_object_set_new(o, "status", json_integer(x->status));
	json_object_set_new(o, "stream", json_boolean(x->sse));
	json_object_set_new(o, "latency_ms", json_real((double)(long)(lat * 10000 + 0.5) / 10));
	if (x->req_json && x->req_len <= cap)
		json_object_set(o, "request", x->req_json);
	else
		json_object_set_new(o, "request", body_value(x->req_body, x->req_len, cap, 1, &trunc));
	json_object_set_new(o, "response", body_value(x->body.p, x->body.len, cap, !x->sse && !x->rec_trunc, &trunc));
	if (trunc)
		json_object_set_new(o, "truncated", json_true());
	if (x->error[0])
		json_object_set_new(o, "error", json_string(x->error));
	if (x->blocked[0])
		json_object_set_new(o, "blocked", json_string(x->blocked));
	return o;
}

void ofs__proxy_finish(struct xchg *x)
{
	if (x->finished)
		return;
	x->finished = 1;
	if (x->relay) /* a held response ran its hooks before it was sent */
		ofs__proxy_run_hooks(x);
	double t1 = now_s(), lat = t1 - x->t0;
	struct ofs_proxy *p = x->p;
	if (p->audit) {
		json_t *o = record(x, lat);
		char ts[48];
		time_text(ts, sizeof ts, t1);
		uint64_t idx;
		int rc = ofs_audit_append_json(p->audit, "exchange", ts, o, &idx);
		if (!rc)
			rc = ofs_audit_sync(p->audit, idx);
		json_decref(o);
		if (rc) {
			pthread_mutex_lock(&p->m.mu);
			p->m.audit_errors++;
			pthread_mutex_unlock(&p->m.mu);
		}
	}
	ofs__proxy_count(p, x->agent, x->w ? x->w->name : "other", x->status, lat, x->req_len, x->out_bytes);
}

void ofs__proxy_xchg_free(struct xchg *x)
{
	if (!x)
		return;
	ofs__proxy_join(x);
	if (x->sse_on)
		ofs_sse_release(&x->sse_dec);
	for (int i = 0; i < x->nhdrs; i++)
		free(x->hdrs[i].name), free(x->hdrs[i].value);
	curl_slist_free_all(x->out_hdrs);
	if (x->req_json)
		json_decref(x->req_json);
	ofs_buf_free(&x->body);
	ofs_buf_free(&x->q);
	ofs_arena_free(x->A);
	free(x->url);
	free(x->uri);
	free(x->req_body);
	free(x);
}
