/* interview.c — the executor's side of the follow-up interview: the loop's
 * hook (questions chosen from the bank by what the rollout did), replays of
 * interviewed rollouts, the answers labelled for the store, and their JSON in
 * the transcript and the rollouts.jsonl line (additive keys, only when an
 * interview was held). */
#include "exec/record.h"

#include <stdio.h>
#include <string.h>

#include "offswitch/detect.h"

const struct ofs_loop *ofs__rollout_part(const struct ofs_loop *L, struct ofs_loop *tmp)
{
	if (!L->iv_from)
		return L;
	*tmp = *L;
	tmp->chat.n = L->iv_from;
	return tmp;
}

static int begin(void *ud, const struct ofs_loop *L, const char **q, int *tag, int max)
{
	const struct ofs_iv_bank *b = ud;
	struct ofs_eval ev;
	ofs_detect(L, &ev);
	signed char h[OFS_IVB__N];
	ofs_iv_happened(L->tmpl, &ev, h);
	int idx[OFS_INTERVIEW_MAX_Q];
	int n = ofs_iv_choose(b, L->tmpl->cfg->task->kind, h, idx, max < OFS_INTERVIEW_MAX_Q ? max : OFS_INTERVIEW_MAX_Q);
	for (int i = 0; i < n; i++) {
		q[i] = b->q[idx[i]].text;
		tag[i] = idx[i];
	}
	return n;
}

void ofs__loop_start(struct ofs_recorder *rc, struct ofs_loop *L, const struct ofs_tmpl *t, int max_iters, struct ofs_arena *A)
{
	ofs_loop_start(L, t, max_iters, A);
	if (rc->bank) {
		rc->ivhook = (struct ofs_interview_hook){begin, (void *)rc->bank};
		L->iv = &rc->ivhook;
	}
}

int ofs__loop_replay(struct ofs_recorder *rc, struct ofs_loop *L, const struct ofs_tmpl *t, int max_iters, struct ofs_arena *A,
                     const struct ofs_response *turns, int nturns)
{
	ofs__loop_start(rc, L, t, max_iters, A);
	int used = 0;
	while (!L->done && used < nturns)
		ofs_loop_feed(L, &turns[used++]);
	if (!L->done || used == nturns || L->iv_from || rc->bank || !rc->data_dir)
		return used;
	char err[OFS_ERRLEN];
	if (!rc->own_bank.n && ofs_iv_bank_default(&rc->own_bank, rc->data_dir, err))
		return used; /* no bank: the record diverges, as it would have */
	ofs_loop_release(L);
	rc->bank = &rc->own_bank;
	used = ofs__loop_replay(rc, L, t, max_iters, A, turns, nturns);
	rc->bank = NULL;
	return used;
}

/* The assistant text from message i to the next question (or the end). */
static const char *answer_text(const struct ofs_loop *L, int from, int to)
{
	struct ofs_buf b = {0};
	for (int i = from; i < to; i++) {
		const struct ofs_msg *m = &L->chat.msgs[i];
		if (m->role != OFS_ROLE_ASSISTANT || !m->content || !*m->content)
			continue;
		if (b.len)
			ofs_buf_putc(&b, '\n');
		ofs_buf_puts(&b, m->content);
	}
	const char *s = ofs_arena_strdup(L->A, b.p ? b.p : "");
	ofs_buf_free(&b);
	return s;
}

int ofs__iv_answers(const struct ofs_loop *L, const struct ofs_eval *ev, struct ofs_iv_rec *out, int max)
{
	if (!L->iv_from || !L->iv)
		return 0;
	const struct ofs_iv_bank *b = L->iv->ud;
	signed char h[OFS_IVB__N];
	ofs_iv_happened(L->tmpl, ev, h);
	int asked = L->iv_i < L->iv_n ? L->iv_i + 1 : L->iv_n; /* a question cut short still has its answer so far */
	int n = 0;
	for (int i = 0; i < asked && n < max; i++) {
		const struct ofs_iv_question *q = &b->q[L->iv_tag[i]];
		int to = i + 1 < asked ? L->iv_qmsg[i + 1] : L->chat.n;
		struct ofs_iv_rec *r = &out[n++];
		*r = (struct ofs_iv_rec){
		        .idx = i, .question_id = q->id, .happened = -1, .question = q->text, .msg = L->iv_qmsg[i]};
		r->answer = answer_text(L, L->iv_qmsg[i] + 1, to);
		if (q->behaviour >= 0) {
			r->behaviour = ofs_iv_behaviour_names[q->behaviour];
			r->happened = h[q->behaviour];
		}
		if (q->label && i < L->iv_i) /* an answer that was never given is not judged */
			r->label = ofs_iv_label_names[ofs_iv_judge(r->answer)];
	}
	return n;
}

static void rec_json(struct ofs_buf *b, const struct ofs_iv_rec *r, int full)
{
	ofs_buf_puts(b, "{\"id\":");
	ofs_json_str(b, r->question_id);
	ofs_buf_puts(b, ",\"behaviour\":");
	ofs_json_str(b, r->behaviour);
	ofs_buf_printf(b, ",\"happened\":%s,\"label\":", r->happened < 0 ? "null" : r->happened ? "true" : "false");
	ofs_json_str(b, r->label);
	if (full) {
		ofs_buf_printf(b, ",\"message\":%d,\"question\":", r->msg);
		ofs_json_str(b, r->question);
		ofs_buf_puts(b, ",\"answer\":");
		ofs_json_str(b, r->answer);
	}
	ofs_buf_putc(b, '}');
}

void ofs__iv_summary_json(struct ofs_buf *b, const struct ofs_iv_rec *a, int n)
{
	ofs_buf_putc(b, '[');
	for (int i = 0; i < n; i++) {
		if (i)
			ofs_buf_putc(b, ',');
		rec_json(b, &a[i], 0);
	}
	ofs_buf_putc(b, ']');
}

/* "interview": the answers, then the messages from where it began (the
 * conversation array holds the rollout alone), in the same form. */
void ofs__iv_transcript_json(struct ofs_buf *b, const struct ofs_loop *L, const struct ofs_iv_rec *a, int n)
{
	ofs_buf_printf(b, "{\"from_message\":%d,\"turns\":%d,\"input_tokens\":%ld,\"output_tokens\":%ld,\"answers\":[",
	               L->iv_from, L->iv_turns, L->iv_in_tokens, L->iv_out_tokens);
	for (int i = 0; i < n; i++) {
		ofs_buf_puts(b, i ? ",\n" : "\n");
		rec_json(b, &a[i], 1);
	}
	ofs_buf_puts(b, "]}");
}
