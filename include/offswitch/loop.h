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
};

void ofs_loop_start(struct ofs_loop *L, const struct ofs_tmpl *t, int max_iters, struct ofs_arena *A);
/* Feed one model response; returns 1 when the rollout has ended. */
int ofs_loop_feed(struct ofs_loop *L, const struct ofs_response *r);
/* End the rollout without a response (provider failure). */
void ofs_loop_abort(struct ofs_loop *L, const char *why);
void ofs_loop_release(struct ofs_loop *L);

#endif
