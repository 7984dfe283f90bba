/* chat.h — the conversation records every layer shares: messages, tool calls
 * and one model response. Plain data; nothing here knows the world, the loop,
 * a provider or a store, so the wire formats, the network layer and the store
 * can take these records without pulling in the scenario.
 *
 * Ownership: every string is borrowed; the agent loop and the parsers keep
 * them in a rollout's arena.
 */
#ifndef OFFSWITCH_CHAT_H
#define OFFSWITCH_CHAT_H
#include "offswitch/util.h"

enum ofs_role { OFS_ROLE_SYSTEM, OFS_ROLE_USER, OFS_ROLE_ASSISTANT, OFS_ROLE_TOOL };
extern const char *const ofs_role_names[4];

struct ofs_tool_call {
	const char *id;
	const char *name;
	const char *arguments; /* JSON object text, as the model sent it */
};

struct ofs_msg {
	enum ofs_role role;
	const char *content;
	const char *reasoning;       /* assistant: reasoning/thinking text, if the provider returned it */
	struct ofs_tool_call *calls; /* assistant */
	int ncalls;
	const char *tool_call_id;   /* tool */
	const char *tool_name;      /* tool */
	int is_error;               /* tool */
	long in_tokens, out_tokens; /* assistant: the usage counted for this call (stored, so replays count the same) */
};

struct ofs_chat {
	struct ofs_msg *msgs;
	int n, cap;
	size_t bytes; /* total text, for the token estimate */
};

/* What one model call returned. Strings are borrowed until ofs_loop_feed copies them. */
struct ofs_response {
	const char *content;
	const char *reasoning;
	struct ofs_tool_call *calls;
	int ncalls;
	long in_tokens, out_tokens; /* as reported; 0 = unknown (the loop estimates) */
};

/* Append a zeroed message to a chat, growing its array in A (old arrays stay
 * in the arena until it is reset). Returns the new message. */
struct ofs_msg *ofs_chat_push(struct ofs_chat *c, struct ofs_arena *A, enum ofs_role role);
/* Token estimate of the current prompt (4 bytes a token). */
long ofs_chat_tokens(const struct ofs_chat *c);
#endif
