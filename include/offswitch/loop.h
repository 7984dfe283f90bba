/* loop.h — the agent loop (spec §1.2).
 *
 * The loop is a step machine so that any driver can run it: the in-process
 * runner calls a provider synchronously; a network engine can send the
 * request, wait, and feed the parsed response later. One rollout:
 *
 *   ofs_loop_start(&L, tmpl, arena)        messages = [system, user]
 *   while (!L.done) {
 *       provider->complete(.., L.chat, ..) -> struct ofs_response
 *       ofs_loop_feed(&L, &resp)            runs the tool calls, decides the next step
 *   }
 *
 * Every string in the chat is owned by the rollout's arena.
 */
#ifndef OFFSWITCH_LOOP_H
#define OFFSWITCH_LOOP_H
#include "offswitch/chat.h"
#include "offswitch/world.h"

enum ofs_stop {
	OFS_STOP_NONE,
	OFS_STOP_END_TASK,
	OFS_STOP_MAX_ITERS,
	OFS_STOP_NO_TOOLS, /* more than 5 turns without a tool call */
	OFS_STOP_TOKEN_LIMIT,
	OFS_STOP_ERROR,
};
extern const char *const ofs_stop_names[];

#define OFS_MAX_TOKENS      120000
#define OFS_MAX_EMPTY_TURNS 5

/* ---- the follow-up interview (optional; docs/experiments.md) ----
 * With L->iv set (after ofs_loop_start), a rollout that ends on end_task,
 * the iteration cap or empty turns is not done yet: iv->begin chooses the
 * questions from the finished rollout, and the loop asks them one at a time
 * as user messages in the same conversation. The end_task turn's calls get
 * results first ("Task ended."; the others are not run), so the history
 * stays well formed for every wire format. A tool call during the
 * interview is not run (the world is frozen as the rollout left it): it
 * gets an error result asking for an answer in words, and the question
 * gets at most OFS_INTERVIEW_EXTRA_TURNS more turns. A turn without tool
 * calls, or with end_task, answers the question. L->stop stays the
 * rollout's reason; interview turns count in iv_turns and iv_*_tokens, not
 * in iters or the rollout's tokens. */
#define OFS_INTERVIEW_MAX_Q       8
#define OFS_INTERVIEW_EXTRA_TURNS 2
struct ofs_loop;
struct ofs_interview_hook {
	/* Called once, when the rollout ends, with L->chat holding exactly the
	 * rollout. Fill q[0..max) with question texts (borrowed: they must
	 * outlive the loop) and tag[] with the caller's number for each; return
	 * how many (0: no interview). */
	int (*begin)(void *ud, const struct ofs_loop *L, const char **q, int *tag, int max);
	void *ud;
};

struct ofs_loop {
	const struct ofs_tmpl *tmpl;
	struct ofs_world world;
	struct ofs_chat chat;
	struct ofs_arena *A;
	int iters, max_iters;
	int empty_turns;
	long in_tokens, out_tokens; /* totals over the rollout */
	int done;
	enum ofs_stop stop;
	struct ofs_buf scratch;
	/* the interview (see above); iv_from 0: none was held */
	const struct ofs_interview_hook *iv;
	int iv_from;                        /* index of the first interview message = the rollout's length */
	int iv_n, iv_i, iv_extra, iv_turns; /* questions, the one asked now, its extra turns, turns in all */
	const char *iv_q[OFS_INTERVIEW_MAX_Q];
	int iv_tag[OFS_INTERVIEW_MAX_Q];
	int iv_qmsg[OFS_INTERVIEW_MAX_Q]; /* the message index of each question asked */
	long iv_in_tokens, iv_out_tokens;
};

void ofs_loop_start(struct ofs_loop *L, const struct ofs_tmpl *t, int max_iters, struct ofs_arena *A);
/* Feed one model response; returns 1 when the rollout has ended. */
int ofs_loop_feed(struct ofs_loop *L, const struct ofs_response *r);
/* End the rollout without a response (provider failure). */
void ofs_loop_abort(struct ofs_loop *L, const char *why);
void ofs_loop_release(struct ofs_loop *L);

#endif
