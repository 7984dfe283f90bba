/* record.c — the recorder: a finished rollout is detected, its transcript
 * written in the paper's layout (DIR/transcripts/...), replaced whole
 * (offswitch/fs.h), its rollouts.jsonl summary built and the whole handed to
 * the store as plain records. */
#include "exec/record.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "offswitch/detect.h"
#include "offswitch/fs.h"
#include "offswitch/run.h"

/* Transcripts written between two syncs of the file system by the network
 * engine, whose turns are committed as they arrive (the export of
 * rollouts.jsonl syncs the rest): bounds what a power loss can take from
 * disk, which `offswitch rescore` rebuilds from the database. In-process runs
 * (rc->batch) sync only before each batch commit (ofs__recorder_commit). */
#define TRANSCRIPT_SYNC_EVERY 256
/* In-process runs: a thread of the recorder syncs the file system every
 * SYNC_AHEAD_EVERY transcripts, not waited for, so that the disk writes a
 * batch while the run goes on and the batch commit's own sync (the one that
 * counts) finds little left. */
#define SYNC_AHEAD_EVERY 512

/* The sync-ahead thread. Errors it meets are kept for the next commit (a
 * writeback error seen by its syncfs is not reported again to another). */
struct ofs__syncer {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int want, stop, failed, fd; /* fd: the transcripts folder */
};

static void *syncer_main(void *arg)
{
	struct ofs__syncer *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->want && !s->stop)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop)
			break;
		s->want = 0;
		pthread_mutex_unlock(&s->mu);
		int r = syncfs(s->fd);
		pthread_mutex_lock(&s->mu);
		s->failed |= r != 0;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Ask the thread for a sync, starting it (and opening dir) the first time;
 * without a thread (none could start) the commit's sync does it all. */
static void syncer_kick(struct ofs_recorder *rc, const char *dir)
{
	struct ofs__syncer *s = rc->syncer;
	if (!s) {
		s = ofs_xcalloc(1, sizeof *s);
		s->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		pthread_mutex_init(&s->mu, NULL);
		pthread_cond_init(&s->cv, NULL);
		if (s->fd < 0 || pthread_create(&s->th, NULL, syncer_main, s)) {
			if (s->fd >= 0)
				close(s->fd);
			s->fd = -1; /* kept, so that it is not tried again */
		}
		rc->syncer = s;
	}
	if (s->fd < 0)
		return;
	pthread_mutex_lock(&s->mu);
	s->want = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Whether the thread met an error since the last call (cleared). */
static int syncer_failed(struct ofs__syncer *s)
{
	if (!s || s->fd < 0)
		return 0;
	pthread_mutex_lock(&s->mu);
	int f = s->failed;
	s->failed = 0;
	pthread_mutex_unlock(&s->mu);
	return f;
}

static void syncer_free(struct ofs__syncer *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		pthread_mutex_lock(&s->mu);
		s->stop = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->th, NULL);
		close(s->fd);
	}
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

int ofs__mkdirs(const char *path, char *err)
{
	return ofs_mkdirs(path, err) ? OFS_EIO : 0;
}

int ofs__store_err(struct ofs_store *st, int code, char *err)
{
	return ofs_fail(err, code, "%s", ofs_store_errmsg(st));
}

/* The JSON-string form of the texts every rollout of a template repeats (the
 * system prompt, twice in a transcript, and the first user message), kept
 * once per text: a slot is found by the text's address and used only when
 * the text there is still the one it was made from (its length and bytes,
 * compared: a freed template's address may come back with other text).
 * Capped: ESC_SLOTS texts of a run, each a copy and its escaped form; a
 * collision replaces the slot. Owned by one recorder (one thread). */
#define ESC_SLOTS 1024 /* a power of two; a run holds one template per matrix cell (271 in the paper's matrix) */
#define ESC_MIN   256  /* shorter texts are escaped each time */
struct ofs__esc_cache {
	struct esc_slot {
		const char *src;
		size_t n, elen;
		char *raw, *esc;
	} slot[ESC_SLOTS];
};

static void esc_free(struct ofs__esc_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < ESC_SLOTS; i++) {
		free(c->slot[i].raw);
		free(c->slot[i].esc);
	}
	free(c);
}

/* ofs_json_str of a template's text s, through the cache (*cp; none when cp is NULL). */
static void json_tmpl_str(struct ofs__esc_cache **cp, struct ofs_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (!cp || n < ESC_MIN) {
		ofs_json_str(b, s);
		return;
	}
	if (!*cp)
		*cp = ofs_xcalloc(1, sizeof **cp);
	uint64_t h = (uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull;
	struct esc_slot *e = &(*cp)->slot[h >> 54]; /* the top 10 bits: ESC_SLOTS */
	if (e->src == s && e->n == n && !memcmp(e->raw, s, n)) {
		ofs_buf_add(b, e->esc, e->elen);
		return;
	}
	size_t at = b->len;
	ofs_json_strn(b, s, n);
	free(e->raw);
	free(e->esc);
	e->src = s;
	e->n = n;
	e->raw = ofs_xmalloc(n);
	memcpy(e->raw, s, n);
	e->elen = b->len - at;
	e->esc = ofs_xmalloc(e->elen);
	memcpy(e->esc, b->p + at, e->elen);
}

void ofs__recorder_release(struct ofs_recorder *rc)
{
	esc_free(rc->esc);
	rc->esc = NULL;
	syncer_free(rc->syncer);
	rc->syncer = NULL;
	if (rc->lastfd1)
		close(rc->lastfd1 - 1);
	rc->lastfd1 = 0;
	rc->lastdir[0] = 0;
	ofs_buf_free(&rc->tr);
	if (rc->prep)
		ofs__prep_free(rc->prep);
	free(rc->prep);
	rc->prep = NULL;
	ofs__paper_dirs_free(rc->paper);
	rc->paper = NULL;
	ofs_iv_bank_release(&rc->own_bank);
}

/* A decimal integer (ofs_buf_printf's "%ld" without its cost: a transcript
 * holds a few dozen). */
static void put_int(struct ofs_buf *b, long v)
{
	char d[24], *p = d + sizeof d;
	unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	ofs_buf_add(b, p, (size_t)(d + sizeof d - p));
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
		put_int(b, c->threshold);
	else
		ofs_buf_puts(b, "null");
	ofs_buf_puts(b, ",\"agent_model\":");
	ofs_json_str(b, c->model);
}

static int num_turns(const struct ofs_loop *L)
{
	int t = 0, n = L->iv_from ? L->iv_from : L->chat.n; /* the rollout's turns, not the interview's */
	for (int i = 0; i < n; i++)
		if (L->chat.msgs[i].role == OFS_ROLE_ASSISTANT && (i == 0 || L->chat.msgs[i - 1].role != OFS_ROLE_ASSISTANT))
			t++;
	return t;
}

static void usage_json(struct ofs_buf *b, const struct ofs_loop *L)
{
	ofs_buf_puts(b, "{\"total_input_tokens\":");
	put_int(b, L->in_tokens);
	ofs_buf_puts(b, ",\"total_output_tokens\":");
	put_int(b, L->out_tokens);
	ofs_buf_puts(b, ",\"total_cost_usd\":0,\"num_turns\":");
	put_int(b, num_turns(L));
	ofs_buf_puts(b, ",\"iterations\":");
	put_int(b, L->iters);
	ofs_buf_putc(b, '}');
}

/* The "conversation" array's messages; the template's prompts through the cache. */
static void conversation_json(struct ofs_buf *b, const struct ofs_chat *chat, const struct ofs_tmpl *t,
                              struct ofs__esc_cache **esc)
{
	for (int i = 0; i < chat->n; i++) {
		const struct ofs_msg *m = &chat->msgs[i];
		ofs_buf_puts(b, i ? ",\n{\"role\":\"" : "\n{\"role\":\"");
		ofs_buf_puts(b, ofs_role_names[m->role]);
		ofs_buf_puts(b, "\",\"content\":");
		if (m->content && (m->content == t->system_prompt || m->content == t->user_prompt))
			json_tmpl_str(esc, b, m->content);
		else
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
			ofs_buf_puts(b, m->is_error ? ",\"is_error\":true" : ",\"is_error\":false");
		}
		ofs_buf_putc(b, '}');
	}
}

/* The transcript; evo: ev as JSON already (the summary has the same), or NULL. */
static void transcript_json(struct ofs_buf *b, const struct ofs_loop *L, const struct ofs_eval *ev, int rep, const char *status,
                            const char *harness, struct ofs__esc_cache **esc, const struct ofs_buf *evo,
                            const struct ofs_iv_rec *iv, int niv)
{
	const struct ofs_tmpl *t = L->tmpl;
	const struct ofs_config *c = t->cfg;
	ofs_buf_reserve(b, L->chat.bytes + 4096);
	ofs_buf_puts(b, "{\"conversation\":[");
	struct ofs_loop part;
	conversation_json(b, &ofs__rollout_part(L, &part)->chat, t, esc); /* the interview has a key of its own */
	ofs_buf_puts(b, "\n],\n\"experiment_metadata\":{");
	meta_json(b, c);
	ofs_buf_puts(b, ",\"agent_family\":");
	ofs_json_str(b, c->family);
	ofs_buf_puts(b, ",\"agent_temperature\":");
	ofs_json_num(b, c->temperature);
	ofs_buf_puts(b, ",\"max_iters\":");
	put_int(b, L->max_iters);
	ofs_buf_puts(b, ",\"system_prompt_agent\":");
	json_tmpl_str(esc, b, t->system_prompt);
	ofs_buf_printf(b,
	               ",\"reasoning_effort\":null,\"reasoning_scratchpad_mode\":\"%s\",\"system_prompt_relationship\":%s,"
	               "\"is_memory\":%s,\"memory_hard_prompt\":%s,\"agent_harness\":",
	               c->task->scratchpad_mode ? c->task->scratchpad_mode : "off",
	               c->inst == OFS_INST_FILE_PRT ? "true" : "false", c->inst == OFS_INST_MEMORY ? "true" : "false",
	               c->memory_hard_prompt ? "true" : "false");
	ofs_json_str(b, harness ? harness : "custom");
	ofs_buf_puts(b, ",\"peer_agent_names\":[");
	ofs_json_str(b, t->agent_name);
	ofs_buf_putc(b, ',');
	ofs_json_str(b, t->peer_name);
	ofs_buf_puts(b, "],\"subject_name\":");
	ofs_json_str(b, t->subject_name);
	ofs_buf_puts(b, ",\"rollout_index\":");
	put_int(b, rep);
	ofs_buf_puts(b, ",\"clock_start\":");
	ofs_json_str(b, t->clock_start);
	ofs_buf_puts(b, ",\"stop_reason\":");
	ofs_json_str(b, ofs_stop_names[L->stop]);
	ofs_buf_puts(b, ",\"status\":");
	ofs_json_str(b, status);
	ofs_buf_puts(b, ",\"offswitch_version\":\"" OFS_VERSION "\"},\n\"evaluation\":");
	if (evo)
		ofs_buf_add(b, evo->p, evo->len);
	else
		ofs_eval_json(b, ev);
	ofs_buf_puts(b, ",\n\"usage_summary\":");
	usage_json(b, L);
	if (niv) {
		ofs_buf_puts(b, ",\n\"interview\":");
		ofs__iv_transcript_json(b, L, iv, niv);
	}
	ofs_buf_puts(b, ",\n\"canary\":\"" OFS_CANARY "\"}\n");
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

/* The transcript of one rollout, in the recorder's layout, into DIR/rel,
 * creating its folder once. */
static int write_transcript(struct ofs_recorder *rc, const struct ofs_prep *pr, const struct ofs_loop *L, int rep,
                            const char *status, char *err)
{
	const char *dir = pr->dir, *rel = pr->rel;
	const struct ofs_eval *ev = &pr->ev;
	char path[8400];
	if (strcmp(dir, rc->lastdir)) {
		snprintf(path, sizeof path, "%s/%s", rc->out_dir, dir);
		if (ofs__mkdirs(path, err))
			return OFS_EIO;
		snprintf(rc->lastdir, sizeof rc->lastdir, "%s", dir);
		if (rc->lastfd1)
			close(rc->lastfd1 - 1);
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* without it, by path */
		rc->lastfd1 = fd >= 0 ? fd + 1 : 0;
	}
	ofs_buf_reset(&rc->tr);
	struct ofs_loop part;
	if (rc->write_transcripts == OFS_TRANSCRIPTS_PAPER)
		ofs__paper_transcript_json(&rc->tr, ofs__rollout_part(L, &part), ev);
	else
		transcript_json(&rc->tr, L, ev, rep, status, rc->harness, &rc->esc, &pr->evo, pr->iv, pr->niv);
	/* Whole or not at all, even under kill -9; on disk at the next sync. */
	size_t dl = strlen(dir);
	int e;
	if (rc->lastfd1 && !strncmp(rel, dir, dl) && rel[dl] == '/') { /* the folder's descriptor: no path walk */
		snprintf(path, sizeof path, "%s/%s", rc->out_dir, dir);
		e = ofs_write_atomic_at(rc->lastfd1 - 1, path, rel + dl + 1, rc->tr.p, rc->tr.len, OFS_AFILE_LAZY, err);
	} else {
		snprintf(path, sizeof path, "%s/%s", rc->out_dir, rel);
		e = ofs_write_atomic(path, rc->tr.p, rc->tr.len, OFS_AFILE_LAZY, err);
	}
	if (!e && ++rc->unsynced >= TRANSCRIPT_SYNC_EVERY && !rc->batch) {
		rc->unsynced = 0;
		e = ofs_sync_fs(path, err);
	}
	if (!e && rc->batch && rc->unsynced % SYNC_AHEAD_EVERY == 0) {
		snprintf(path, sizeof path, "%s/transcripts", rc->out_dir);
		syncer_kick(rc, path);
	}
	return e;
}

/* Sync the transcripts (when sync) and commit the store. */
static int sync_commit(struct ofs_recorder *rc, int sync, char *err)
{
	if (sync) {
		char path[4200];
		snprintf(path, sizeof path, "%s/transcripts", rc->out_dir);
		if (ofs_sync_fs(path, err))
			return OFS_EIO;
		if (syncer_failed(rc->syncer))
			return ofs_fail(err, OFS_EIO, "cannot sync %s: a write to the disk failed", path);
	}
	int e = ofs_store_commit(rc->st);
	return e ? ofs__store_err(rc->st, e, err) : 0;
}

int ofs__recorder_commit_synced(struct ofs_recorder *rc, char *err)
{
	return sync_commit(rc, rc->write_transcripts, err);
}

int ofs__recorder_commit(struct ofs_recorder *rc, char *err)
{
	int e = sync_commit(rc, rc->unsynced, err);
	if (!e)
		rc->unsynced = 0;
	return e;
}

/* The rollouts.jsonl line into pr->sum. */
static void summary_json(struct ofs_recorder *rc, const struct ofs_config *c, const struct ofs_loop *L, struct ofs_prep *pr,
                         int rep, const char *status, const char *rel)
{
	struct ofs_buf *sum = &pr->sum;
	ofs_buf_reset(sum);
	ofs_buf_putc(sum, '{');
	meta_json(sum, c);
	ofs_buf_puts(sum, ",\"rep\":");
	put_int(sum, rep);
	ofs_buf_puts(sum, ",\"evaluation\":");
	ofs_buf_add(sum, pr->evo.p, pr->evo.len);
	ofs_buf_puts(sum, ",\"usage\":");
	usage_json(sum, L);
	if (rc->harness) {
		ofs_buf_puts(sum, ",\"agent_harness\":");
		ofs_json_str(sum, rc->harness);
	}
	ofs_buf_puts(sum, ",\"status\":");
	ofs_json_str(sum, status);
	ofs_buf_puts(sum, ",\"stop_reason\":");
	ofs_json_str(sum, ofs_stop_names[L->stop]);
	if (rel) {
		ofs_buf_puts(sum, ",\"transcript\":");
		ofs_json_str(sum, rel);
	}
	if (pr->niv) {
		ofs_buf_puts(sum, ",\"interview\":");
		ofs__iv_summary_json(sum, pr->iv, pr->niv);
	}
	ofs_buf_putc(sum, '}');
}

/* What the rollout did (the detectors over L, less any interview). */
static void detect(const struct ofs_loop *L, struct ofs_eval *ev)
{
	struct ofs_loop part;
	ofs_detect(ofs__rollout_part(L, &part), ev); /* what the rollout did, not what the interview said */
}

void ofs__prep_free(struct ofs_prep *pr)
{
	ofs_buf_free(&pr->evo);
	ofs_buf_free(&pr->sum);
	ofs_buf_free(&pr->evj);
}

void ofs__record_prepare(struct ofs_recorder *rc, const struct ofs_config *c, int rep, const struct ofs_loop *L,
                         const char *status, struct ofs_prep *pr)
{
	detect(L, &pr->ev);
	ofs_buf_reset(&pr->evo);
	ofs_eval_json(&pr->evo, &pr->ev); /* once, for the transcript and the summary */
	pr->niv = ofs__iv_answers(L, &pr->ev, pr->iv, OFS_INTERVIEW_MAX_Q);
	pr->dir[0] = pr->rel[0] = 0;
	if (rc->write_transcripts == OFS_TRANSCRIPTS_PAPER) {
		ofs__paper_dir(pr->dir, sizeof pr->dir, c);
		snprintf(pr->rel, sizeof pr->rel, "%s/transcript_%d.json", pr->dir, ofs__paper_next(rc, pr->dir));
	} else if (rc->write_transcripts) {
		transcript_dir(pr->dir, sizeof pr->dir, "", c);
		snprintf(pr->rel, sizeof pr->rel, "%s/transcript_%d.json", pr->dir, rep);
	}
	summary_json(rc, c, L, pr, rep, status, rc->write_transcripts ? pr->rel : NULL);
	ofs_buf_reset(&pr->evj);
	ofs_evidence_json(&pr->evj, &pr->ev);
}

int ofs__record_file(struct ofs_recorder *rc, const struct ofs_loop *L, const struct ofs_prep *pr, int rep, const char *status,
                     char *err)
{
	return rc->write_transcripts ? write_transcript(rc, pr, L, rep, status, err) : 0;
}

int ofs__record_row(struct ofs_recorder *rc, const struct ofs_config *c, long long cid, int rep, const struct ofs_loop *L,
                    const struct ofs_prep *pr, const char *status, long long rid, char *err)
{
	const struct ofs_eval *ev = &pr->ev;
	const char *rel = rc->write_transcripts ? pr->rel : NULL;
	struct ofs_rollout_rec rec = {.config_id = cid,
	                              .rep = rep,
	                              .status = status,
	                              .stop_reason = ofs_stop_names[L->stop],
	                              .transcript = rel,
	                              .summary = pr->sum.p,
	                              .chat = &L->chat,
	                              .num_turns = num_turns(L),
	                              .in_tokens = L->in_tokens,
	                              .out_tokens = L->out_tokens,
	                              .eval = ev,
	                              .evidence = pr->evj.p,
	                              .interview = pr->iv,
	                              .ninterview = pr->niv};
	if (rc->store_mu)
		pthread_mutex_lock(rc->store_mu);
	int e = rid ? ofs_store_finish_rollout(rc->st, rid, &rec) : ofs_store_rollout(rc->st, &rec);
	if (e)
		e = ofs__store_err(rc->st, e, err);
	if (rc->store_mu)
		pthread_mutex_unlock(rc->store_mu);
	return e;
}

int ofs__record(struct ofs_recorder *rc, const struct ofs_config *c, long long cid, int rep, const struct ofs_loop *L,
                const char *status, long long rid, char *err)
{
	if (!rc->prep)
		rc->prep = ofs_xcalloc(1, sizeof *rc->prep);
	ofs__record_prepare(rc, c, rep, L, status, rc->prep);
	if (ofs__record_file(rc, L, rc->prep, rep, status, err))
		return OFS_EIO;
	return ofs__record_row(rc, c, cid, rep, L, rc->prep, status, rid, err);
}
