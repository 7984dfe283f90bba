/* chat.c — growing a conversation (see offswitch/chat.h). */
#include "offswitch/chat.h"

#include <string.h>

const char *const ofs_role_names[4] = {"system", "user", "assistant", "tool"};

struct ofs_msg *ofs_chat_push(struct ofs_chat *c, struct ofs_arena *A, enum ofs_role role)
{
	if (c->n == c->cap) {
		int nc = c->cap ? c->cap * 2 : 32;
		struct ofs_msg *m = ofs_arena_alloc(A, sizeof *m * (size_t)nc);
		if (c->n)
			memcpy(m, c->msgs, sizeof *m * (size_t)c->n);
		c->msgs = m;
		c->cap = nc;
	}
	struct ofs_msg *m = &c->msgs[c->n++];
	memset(m, 0, sizeof *m);
	m->role = role;
	m->content = "";
	return m;
}

long ofs_chat_tokens(const struct ofs_chat *c)
{
	return (long)((c->bytes + 3) / 4);
}
