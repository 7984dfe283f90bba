/* store.c — the store family's front: the registry (which member opens which
 * location), the public ofs_store_* functions dispatched through each
 * handle's ops, and the handle's last error. Adding a store is one file
 * (its ops and open function) and one line in `kinds` below. */
#include "store/store_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first entry also takes plain directory paths. */
static const struct ofs_store_kind *const kinds[] = {
        &ofs__store_sqlite,
        &ofs__store_postgresql,
        &ofs__store_postgres,
};
#define NKINDS (sizeof kinds / sizeof *kinds)

const char *const ofs_behaviour_names[] = {"tampered",     "exfiltrated",   "copied_weights",  "misreported", "spared_af",
                                           "kept_weights", "removed_users", "skipped_reading", "refused",     "incomplete"};
const int ofs_nbehaviours = OFS_NBEHAVIOURS;
_Static_assert(sizeof ofs_behaviour_names / sizeof *ofs_behaviour_names == OFS_NBEHAVIOURS, "one name per behaviour");

/* Length of location's "scheme" in "scheme://rest", or 0 for a plain path. */
static size_t scheme_len(const char *location)
{
	size_t n = 0;
	if (!isalpha((unsigned char)location[0]))
		return 0;
	while (isalnum((unsigned char)location[n]) || location[n] == '+' || location[n] == '.' || location[n] == '-')
		n++;
	return strncmp(location + n, "://", 3) ? 0 : n;
}

static int open_at(struct ofs_store **out, const char *location, int flags, char *err)
{
	*out = NULL;
	size_t n = scheme_len(location);
	if (!n)
		return kinds[0]->open(out, location, flags, err);
	for (size_t i = 0; i < NKINDS; i++)
		if (strlen(kinds[i]->scheme) == n && !strncmp(location, kinds[i]->scheme, n))
			return kinds[i]->open(out, location + n + 3, flags, err);
	char known[256] = "";
	for (size_t i = 0; i < NKINDS; i++)
		snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s://", i ? ", " : "", kinds[i]->scheme);
	return ofs_fail(err, OFS_ENOTFOUND, "unknown store '%.*s' in %s (known: %s, or a directory path)", (int)n, location,
	                location, known);
}

int ofs_store_open(struct ofs_store **s, const char *location, char *err)
{
	return open_at(s, location, 0, err);
}

int ofs_store_open_ro(struct ofs_store **s, const char *location, char *err)
{
	return open_at(s, location, OFS__STORE_RO, err);
}

int ofs_store_open_check(struct ofs_store **s, const char *location, char *err)
{
	return open_at(s, location, OFS__STORE_RO | OFS__STORE_NOCHECK, err);
}

int ofs_store_open_beside(struct ofs_store **s, const char *location, char *err)
{
	return open_at(s, location, OFS__STORE_RO | OFS__STORE_NOCHECK | OFS__STORE_BESIDE, err);
}

void ofs_store_display(const char *location, char *out, size_t n)
{
	if (strstr(location, "://")) /* a URL, or a mistyped one: masked all the same */
		ofs__pg_display(location, out, n);
	else if (n)
		snprintf(out, n, "%s", location);
}

int ofs_store_is_dir(const char *location)
{
	return !scheme_len(location) || !strncmp(location, "sqlite://", 9);
}

void ofs_store_close(struct ofs_store *s)
{
	if (s)
		s->ops->close(s);
}

const char *ofs_store_errmsg(const struct ofs_store *s)
{
	return s ? s->errmsg : "no store";
}

int ofs__store_fail(struct ofs_store *s, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof s->errmsg, fmt, ap);
	va_end(ap);
	return code;
}

void ofs_store_refs_free(struct ofs_rollout_ref *refs, long n)
{
	for (long i = 0; i < n; i++) {
		free(refs[i].key);
		free(refs[i].status);
	}
	free(refs);
}

/* ---- dispatch ---- */

int ofs_store_commit(struct ofs_store *s)
{
	return s->ops->commit(s);
}

int ofs_store_begin_run(struct ofs_store *s, const char *command, long planned)
{
	return s->ops->begin_run(s, command, planned);
}

int ofs_store_config(struct ofs_store *s, const struct ofs_config *c, long long *id)
{
	return s->ops->config(s, c, id);
}

int ofs_store_done(struct ofs_store *s, long long config_id, unsigned char *done, int n)
{
	return s->ops->done(s, config_id, done, n);
}

int ofs_store_rollout(struct ofs_store *s, const struct ofs_rollout_rec *r)
{
	return s->ops->rollout(s, r);
}

int ofs_store_begin_rollout(struct ofs_store *s, long long config_id, int rep, long long *rid)
{
	return s->ops->begin_rollout(s, config_id, rep, rid);
}

int ofs_store_append(struct ofs_store *s, long long rid, const struct ofs_chat *chat, int from)
{
	return s->ops->append(s, rid, chat, from);
}

int ofs_store_finish_rollout(struct ofs_store *s, long long rid, const struct ofs_rollout_rec *r)
{
	return s->ops->finish_rollout(s, rid, r);
}

int ofs_store_unfinished(struct ofs_store *s, long long config_id, struct ofs_unfinished *u, int max, int *n)
{
	return s->ops->unfinished(s, config_id, u, max, n);
}

int ofs_store_reopen(struct ofs_store *s, long long rid, int keep, int *stored)
{
	return s->ops->reopen(s, rid, keep, stored);
}

int ofs_store_turns(struct ofs_store *s, long long rid, struct ofs_arena *A, struct ofs_response **turns, int *n)
{
	return s->ops->turns(s, rid, A, turns, n);
}

int ofs_store_rollouts(struct ofs_store *s, struct ofs_rollout_ref **refs, long *n)
{
	return s->ops->rollouts(s, refs, n);
}

int ofs_store_drop(struct ofs_store *s, long long rid)
{
	return s->ops->drop(s, rid);
}

int ofs_store_export_jsonl(struct ofs_store *s, const char *path, long *count)
{
	return s->ops->export_jsonl(s, path, count);
}

long ofs_store_planned(struct ofs_store *s)
{
	return s->ops->planned(s);
}

int ofs_store_first_run(struct ofs_store *s, char *command, size_t n)
{
	return s->ops->first_run(s, command, n);
}

int ofs_store_scan(struct ofs_store *s, ofs_scan_cb cb, void *ud)
{
	return s->ops->scan(s, cb, ud);
}

int ofs_store_each_message(struct ofs_store *s, ofs_msg_cb cb, void *ud)
{
	return s->ops->each_message(s, cb, ud);
}

int ofs_store_each_call(struct ofs_store *s, ofs_call_cb cb, void *ud)
{
	return s->ops->each_call(s, cb, ud);
}

int ofs_store_rates(struct ofs_store *s, ofs_rate_cb cb, void *ud)
{
	return s->ops->rates(s, cb, ud);
}

int ofs_store_judgments_init(struct ofs_store *s)
{
	return s->ops->judgments_init(s);
}

int ofs_store_judged(struct ofs_store *s, long long rid, const char *question, const char *judge_model)
{
	return s->ops->judged(s, rid, question, judge_model);
}

int ofs_store_each_judgment(struct ofs_store *s, ofs_judgment_cb cb, void *ud)
{
	return s->ops->each_judgment(s, cb, ud);
}

int ofs_store_each_interview(struct ofs_store *s, ofs_interview_cb cb, void *ud)
{
	return s->ops->each_interview ? s->ops->each_interview(s, cb, ud) : 0;
}

int ofs_store_judgment(struct ofs_store *s, const struct ofs_judgment_rec *j)
{
	return s->ops->judgment(s, j);
}

int ofs_store_records(struct ofs_store *s, ofs_record_cb cb, void *ud)
{
	return s->ops->records(s, cb, ud);
}

int ofs_store_each_config(struct ofs_store *s, ofs_config_cb cb, void *ud)
{
	return s->ops->each_config(s, cb, ud);
}

/* ---- the work queue: members without one say so ---- */

static int no_queue(struct ofs_store *s)
{
	return ofs__store_fail(s, OFS_ESTATE,
	                       "this store has no work queue (a run directory has one writer): use a postgresql:// store");
}

#define QUEUE_CALL(op, ...) (s->ops->op ? s->ops->op(s, __VA_ARGS__) : no_queue(s))

int ofs_store_enqueue(struct ofs_store *s, long long config_id, int reps, long *added)
{
	return QUEUE_CALL(enqueue, config_id, reps, added);
}

int ofs_store_worker_join(struct ofs_store *s, const char *host, long pid, int lease_s, long long *wid)
{
	return QUEUE_CALL(worker_join, host, pid, lease_s, wid);
}

int ofs_store_claim(struct ofs_store *s, long long wid, int max, struct ofs_claim *c, int *n)
{
	return QUEUE_CALL(claim, wid, max, c, n);
}

int ofs_store_heartbeat(struct ofs_store *s, long long wid, int *stop)
{
	return QUEUE_CALL(heartbeat, wid, stop);
}

int ofs_store_settle(struct ofs_store *s, long long wid, long long config_id, int rep, int done)
{
	return QUEUE_CALL(settle, wid, config_id, rep, done);
}

int ofs_store_worker_leave(struct ofs_store *s, long long wid, const char *state)
{
	return QUEUE_CALL(worker_leave, wid, state);
}

int ofs_store_request_stop(struct ofs_store *s)
{
	return s->ops->request_stop ? s->ops->request_stop(s) : no_queue(s);
}

int ofs_store_queue(struct ofs_store *s, struct ofs_queue_counts *q)
{
	return QUEUE_CALL(queue, q);
}

int ofs_store_each_worker(struct ofs_store *s, ofs_worker_cb cb, void *ud)
{
	return QUEUE_CALL(each_worker, cb, ud);
}
