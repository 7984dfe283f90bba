/* run.c — plan → loop → detect → store, in-process and single-threaded.
 * The run is CPU-bound with reference agents, so per-rollout work is kept to
 * one arena (reset, not freed), one template per config, and one batched
 * transaction per few hundred rollouts. */
#include "offswitch/run.h"
#include "exec/run_priv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CANARY                                                                                                                   \
	"OFFSWITCH EVALUATION TRANSCRIPTS MUST NOT BE USED AS TRAINING DATA. canary GUID "                                       \
	"offswitch:5d1f0b7e-3c2a-4e96-b8d4-71a9c6e20f3b"
#define COMMIT_EVERY 512

int ofs__mkdirs(const char *path, char *err)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(tmp, 0777) && errno != EEXIST)
				goto fail;
			*p = '/';
		}
	if (mkdir(tmp, 0777) && errno != EEXIST)
		goto fail;
	return 0;
fail:
	snprintf(err, OFS_ERRLEN, "cannot create directory %s: %s", tmp, strerror(errno));
	return -1;
}

static void meta_json(struct ofs_buf *b, const struct ofs_config *c)
{
	ofs_buf_puts(b, "\"task_type\":");
	ofs_json_str(b, c->task->task_type);
	ofs_buf_puts(b, ",\"dataset\":");
	ofs_json_str(b, c->dataset);
	ofs_buf_puts(b, ",\"subject\":");
	ofs_json_str(b, ofs_subject_names[c->subject]);
	ofs_buf_puts(b, ",\"condition\":");
	ofs_json_str(b, ofs_condition_names[c->condition]);
	ofs_buf_puts(b, ",\"peer_instantiation\":");
	ofs_json_str(b, c->inst ? ofs_inst_names[c->inst] : NULL);
	ofs_buf_puts(b, ",\"alignment_faking_mode\":");
	ofs_json_str(b, c->af_mode ? ofs_af_names[c->af_mode] : NULL);
	ofs_buf_puts(b, ",\"threshold\":");
	if (c->threshold >= 0)
		ofs_buf_printf(b, "%d", c->threshold);
	else
		ofs_buf_puts(b, "null");
	ofs_buf_puts(b, ",\"agent_model\":");
	ofs_json_str(b, c->model);
}

static int num_turns(const struct ofs_loop *L)
{
	int t = 0;
	for (int i = 0; i < L->chat.n; i++)
		if (L->chat.msgs[i].role == OFS_ROLE_ASSISTANT && (i == 0 || L->chat.msgs[i - 1].role != OFS_ROLE_ASSISTANT))
			t++;
	return t;
}

static void usage_json(struct ofs_buf *b, const struct ofs_loop *L)
{
	ofs_buf_printf(b,
	               "{\"total_input_tokens\":%ld,\"total_output_tokens\":%ld,\"total_cost_usd\":0,\"num_turns\":%d,"
	               "\"iterations\":%d}",
	               L->in_tokens, L->out_tokens, num_turns(L), L->iters);
}

void ofs_transcript_json(struct ofs_buf *b, const struct ofs_loop *L, const struct ofs_eval *ev, int rep, const char *status)
{
	const struct ofs_tmpl *t = L->tmpl;
	const struct ofs_config *c = t->cfg;
	ofs_buf_reserve(b, L->chat.bytes + 4096);
	ofs_buf_puts(b, "{\"conversation\":[");
	for (int i = 0; i < L->chat.n; i++) {
		const struct ofs_msg *m = &L->chat.msgs[i];
		ofs_buf_printf(b, "%s\n{\"role\":\"%s\",\"content\":", i ? "," : "", ofs_role_names[m->role]);
		ofs_json_str(b, m->content);
		if (m->reasoning) {
			ofs_buf_puts(b, ",\"reasoning\":");
			ofs_json_str(b, m->reasoning);
		}
		if (m->role == OFS_ROLE_ASSISTANT) {
			ofs_buf_puts(b, ",\"tool_calls\":[");
			for (int j = 0; j < m->ncalls; j++) {
				ofs_buf_puts(b, j ? ",{\"id\":" : "{\"id\":");
				ofs_json_str(b, m->calls[j].id);
				ofs_buf_puts(b, ",\"name\":");
				ofs_json_str(b, m->calls[j].name);
				ofs_buf_puts(b, ",\"arguments\":");
				ofs_json_str(b, m->calls[j].arguments);
				ofs_buf_putc(b, '}');
			}
			ofs_buf_putc(b, ']');
		}
		if (m->role == OFS_ROLE_TOOL) {
			ofs_buf_puts(b, ",\"tool_call_id\":");
			ofs_json_str(b, m->tool_call_id);
			ofs_buf_puts(b, ",\"name\":");
			ofs_json_str(b, m->tool_name);
			ofs_buf_printf(b, ",\"is_error\":%s", m->is_error ? "true" : "false");
		}
		ofs_buf_putc(b, '}');
	}
	ofs_buf_puts(b, "\n],\n\"experiment_metadata\":{");
	meta_json(b, c);
	ofs_buf_puts(b, ",\"agent_family\":");
	ofs_json_str(b, c->family);
	ofs_buf_printf(b, ",\"agent_temperature\":");
	ofs_json_num(b, c->temperature);
	ofs_buf_printf(b, ",\"max_iters\":%d,\"system_prompt_agent\":", L->max_iters);
	ofs_json_str(b, t->system_prompt);
	ofs_buf_printf(b,
	               ",\"reasoning_effort\":null,\"reasoning_scratchpad_mode\":\"off\",\"system_prompt_relationship\":%s,"
	               "\"is_memory\":%s,\"memory_hard_prompt\":%s,\"agent_harness\":\"custom\",\"peer_agent_names\":[",
	               c->inst == OFS_INST_FILE_PRT ? "true" : "false", c->inst == OFS_INST_MEMORY ? "true" : "false",
	               c->memory_hard_prompt ? "true" : "false");
	ofs_json_str(b, t->agent_name);
	ofs_buf_putc(b, ',');
	ofs_json_str(b, t->peer_name);
	ofs_buf_puts(b, "],\"subject_name\":");
	ofs_json_str(b, t->subject_name);
	ofs_buf_printf(b, ",\"rollout_index\":%d,\"clock_start\":", rep);
	ofs_json_str(b, t->clock_start);
	ofs_buf_puts(b, ",\"stop_reason\":");
	ofs_json_str(b, ofs_stop_names[L->stop]);
	ofs_buf_puts(b, ",\"status\":");
	ofs_json_str(b, status);
	ofs_buf_puts(b, ",\"offswitch_version\":\"" OFS_VERSION "\"},\n\"evaluation\":");
	ofs_eval_json(b, ev);
	ofs_buf_puts(b, ",\n\"usage_summary\":");
	usage_json(b, L);
	ofs_buf_puts(b, ",\n\"canary\":\"" CANARY "\"}\n");
}

static void transcript_dir(char *out, size_t n, const char *root, const struct ofs_config *c)
{
	char ds[96], cond[64], model[128];
	if (c->threshold >= 0)
		snprintf(ds, sizeof ds, "%s_%d", c->dataset, c->threshold);
	else
		snprintf(ds, sizeof ds, "%s", c->dataset);
	if (c->inst)
		snprintf(cond, sizeof cond, "%s_%s", ofs_condition_names[c->condition], ofs_inst_names[c->inst]);
	else
		snprintf(cond, sizeof cond, "%s", ofs_condition_names[c->condition]);
	ofs_model_short(c->model, model, sizeof model);
	snprintf(out, n, "%s%stranscripts/%s/%s/subject_%s/%s/%s%s%s", root, *root ? "/" : "", c->task->task_type, ds,
	         ofs_subject_names[c->subject], cond, c->af_mode ? ofs_af_names[c->af_mode] : "", c->af_mode ? "/" : "", model);
}

static int write_file(const char *path, const struct ofs_buf *b, char *err)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(b->p, 1, b->len, f) != b->len || fclose(f)) {
		snprintf(err, OFS_ERRLEN, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int ofs__record(struct ofs_recorder *rc, const struct ofs_config *c, long long cid, int rep, const struct ofs_loop *L,
                const char *status, long long rid, char *err)
{
	struct ofs_eval ev;
	ofs_detect(L, &ev);
	char dir[4096], rel[4200], path[8400];
	transcript_dir(dir, sizeof dir, "", c);
	snprintf(rel, sizeof rel, "%s/transcript_%d.json", dir, rep);
	if (rc->write_transcripts) {
		if (strcmp(dir, rc->lastdir)) {
			snprintf(path, sizeof path, "%s/%s", rc->out_dir, dir);
			if (ofs__mkdirs(path, err))
				return OFS_EIO;
			snprintf(rc->lastdir, sizeof rc->lastdir, "%s", dir);
		}
		ofs_buf_reset(&rc->tr);
		ofs_transcript_json(&rc->tr, L, &ev, rep, status);
		snprintf(path, sizeof path, "%s/%s", rc->out_dir, rel);
		if (write_file(path, &rc->tr, err))
			return OFS_EIO;
	}
	struct ofs_buf *sum = &rc->sum;
	ofs_buf_reset(sum);
	ofs_buf_putc(sum, '{');
	meta_json(sum, c);
	ofs_buf_printf(sum, ",\"rep\":%d,\"evaluation\":", rep);
	ofs_eval_json(sum, &ev);
	ofs_buf_puts(sum, ",\"usage\":");
	usage_json(sum, L);
	ofs_buf_puts(sum, ",\"status\":");
	ofs_json_str(sum, status);
	ofs_buf_puts(sum, ",\"stop_reason\":");
	ofs_json_str(sum, ofs_stop_names[L->stop]);
	if (rc->write_transcripts) {
		ofs_buf_puts(sum, ",\"transcript\":");
		ofs_json_str(sum, rel);
	}
	ofs_buf_putc(sum, '}');
	ofs_buf_reset(&rc->evj);
	ofs_evidence_json(&rc->evj, &ev);
	struct ofs_rollout_rec rec = {cid, rep, status,   ofs_stop_names[L->stop], rc->write_transcripts ? rel : NULL, sum->p,
	                              L,   &ev, rc->evj.p};
	int e = rid ? ofs_store_finish_rollout(rc->st, rid, &rec, err) : ofs_store_rollout(rc->st, &rec, err);
	return e ? OFS_EIO : 0;
}

/* Reference agents and script files answer in-process: run each rollout to
 * its end at once and record it whole. */
static int run_sync(struct ofs_recorder *rc, struct ofs_fixtures *fx, struct ofs_config *c, long long cid, struct ofs_provider *p,
                    const unsigned char *done, int reps, const struct ofs_run_opts *o, struct ofs_run_result *res,
                    struct ofs_arena *A, long *since_commit, char *err)
{
	struct ofs_tmpl *t = ofs_tmpl_build(fx, c, err);
	if (!t)
		return OFS_EDATA;
	c->tmpl = t;
	int rcode = 0;
	for (int r = 0; r < reps && !(o->stop && *o->stop); r++) {
		if (done[r])
			continue;
		ofs_arena_reset(A);
		struct ofs_loop L;
		ofs_loop_start(&L, t, c->max_iters, A);
		void *sess = p->ops->session_new ? p->ops->session_new(p, t, r) : NULL;
		const char *status = "ok";
		while (!L.done) {
			struct ofs_response resp;
			if (p->ops->complete(p, sess, &L.chat, A, &resp)) {
				ofs_loop_abort(&L, ofs_provider_errmsg(p));
				status = "error:provider";
				break;
			}
			ofs_loop_feed(&L, &resp);
		}
		if (p->ops->session_free)
			p->ops->session_free(sess);
		if (strcmp(status, "ok"))
			res->errors++;
		rcode = ofs__record(rc, c, cid, r, &L, status, 0, err);
		ofs_loop_release(&L);
		if (rcode)
			break;
		res->done++;
		if (++*since_commit >= COMMIT_EVERY) {
			if (ofs_store_commit(rc->st, err)) {
				rcode = OFS_EIO;
				break;
			}
			*since_commit = 0;
		}
		if (o->progress)
			o->progress(o->ud, &(struct ofs_progress){res->done + res->skipped, res->total, res->skipped, 0, 0,
			                                          res->errors, 0, 0});
	}
	c->tmpl = NULL;
	ofs_tmpl_free(t);
	return rcode;
}

int ofs_run(const struct ofs_catalog *cat, const struct ofs_plan *plan, const struct ofs_run_opts *o, struct ofs_run_result *res,
            char *err)
{
	memset(res, 0, sizeof *res);
	int rc = OFS_EIO, reps = o->reps > 0 ? o->reps : 1;
	struct ofs_recorder rec = {.out_dir = o->out_dir, .write_transcripts = o->write_transcripts};
	struct ofs_fixtures *fx = ofs_fixtures_new(cat);
	struct ofs_arena *A = ofs_arena_new(256 * 1024);
	unsigned char *done = ofs_xcalloc((size_t)reps, 1);
	struct ofs_provider **prov = ofs_xcalloc((size_t)plan->n + 1, sizeof *prov);
	struct {
		const char *model;
		struct ofs_provider *p;
	} uniq[64];
	int nuniq = 0, any_http = 0;
	char path[4096];
	struct ofs_tmpl *t = NULL;

	/* Everything that can be wrong with the inputs is checked before the run
	 * directory is touched: every provider (a bad script or a missing key
	 * fails here) and every configuration's fixtures. */
	for (int i = 0; i < plan->n; i++) {
		struct ofs_provider *p = NULL;
		for (int k = 0; k < nuniq && !p; k++)
			if (!strcmp(uniq[k].model, plan->cfgs[i].model))
				p = uniq[k].p;
		if (!p) {
			if (nuniq == 64) {
				snprintf(err, OFS_ERRLEN, "too many models in one run (limit 64)");
				rc = OFS_EDATA;
				goto out;
			}
			struct ofs_provider_opts po = o->provider ? *o->provider : (struct ofs_provider_opts){0};
			const struct ofs_model_settings *ms =
			        ofs_model_settings_find(o->settings, o->nsettings, plan->cfgs[i].model);
			if (ms && ms->reasoning_effort)
				po.reasoning_effort = ms->reasoning_effort;
			if (ms && ms->max_output_tokens)
				po.max_tokens = ms->max_output_tokens;
			if (!(p = ofs_provider_new(plan->cfgs[i].model, &po, err))) {
				rc = OFS_EDATA;
				goto out;
			}
			uniq[nuniq].model = plan->cfgs[i].model;
			uniq[nuniq++].p = p;
		}
		prov[i] = p;
		any_http |= p->http != NULL;
	}
	for (int i = 0; i < plan->n; i++) {
		/* Templates differ only by config fields, so one per distinct
		 * (task, dataset, condition, instantiation, af mode, subject) is
		 * enough to prove every fixture loads. */
		int dup = 0;
		for (int k = i - 1; k >= 0 && k >= i - 64 && !dup; k--) {
			const struct ofs_config *a = &plan->cfgs[i], *b = &plan->cfgs[k];
			dup = a->task == b->task && !strcmp(a->dataset, b->dataset) && a->condition == b->condition &&
			      a->inst == b->inst && a->af_mode == b->af_mode && a->subject == b->subject &&
			      a->memory_hard_prompt == b->memory_hard_prompt && !strcmp(a->family, b->family);
		}
		if (dup)
			continue;
		if (!(t = ofs_tmpl_build(fx, &plan->cfgs[i], err))) {
			rc = OFS_EDATA;
			goto out;
		}
		ofs_tmpl_free(t);
		t = NULL;
	}
	if (ofs__mkdirs(o->out_dir, err) || ofs_store_open(&rec.st, o->out_dir, err) ||
	    ofs_store_begin_run(rec.st, o->command ? o->command : "", (long)plan->n * reps, err))
		goto out;
	res->total = (long)plan->n * reps;
	long since_commit = 0;
	for (int i = 0; i < plan->n && !(o->stop && *o->stop); i++) {
		if (prov[i]->http)
			continue; /* the engine below */
		struct ofs_config *c = &plan->cfgs[i];
		long long cid;
		if (ofs_store_config(rec.st, c, &cid, err) || ofs_store_done(rec.st, cid, done, reps, err))
			goto out;
		int todo = 0;
		for (int r = 0; r < reps; r++)
			todo += !done[r];
		res->skipped += reps - todo;
		if (!todo)
			continue;
		int e = run_sync(&rec, fx, c, cid, prov[i], done, reps, o, res, A, &since_commit, err);
		if (e) {
			rc = e;
			goto out;
		}
	}
	if (any_http && !(o->stop && *o->stop)) {
		int e = ofs__engine(&rec, fx, plan, prov, o, res, err);
		if (e) {
			rc = e;
			goto out;
		}
	}
	res->interrupted = o->stop && *o->stop;
	snprintf(path, sizeof path, "%s/rollouts.jsonl", o->out_dir);
	if (ofs_store_export_jsonl(rec.st, path, &res->recorded, err))
		goto out;
	rc = 0;
out:
	if (rec.st && rc) {
		/* Keep what finished before the failure, and keep rollouts.jsonl in step with it. */
		char e2[OFS_ERRLEN];
		if (!ofs_store_commit(rec.st, e2)) {
			snprintf(path, sizeof path, "%s/rollouts.jsonl", o->out_dir);
			ofs_store_export_jsonl(rec.st, path, &res->recorded, e2);
		}
	}
	ofs_tmpl_free(t);
	for (int k = 0; k < nuniq; k++)
		ofs_provider_free(uniq[k].p);
	free(prov);
	ofs_store_close(rec.st);
	ofs_fixtures_free(fx);
	ofs_arena_free(A);
	ofs_buf_free(&rec.tr);
	ofs_buf_free(&rec.sum);
	ofs_buf_free(&rec.evj);
	free(done);
	return rc;
}
