/* registry.c — the known wire formats, by name. Adding a format: its own
 * file defining one `const struct ofs_wire_ops`, and one line in the table
 * below. The first entry is the default (OpenAI-compatible endpoints). */
#include <string.h>

#include "offswitch/wire.h"

extern const struct ofs_wire_ops ofs_wire_openai_chat, ofs_wire_anthropic, ofs_wire_openai_responses, ofs_wire_gemini;

static const struct ofs_wire_ops *const formats[] = {
        &ofs_wire_openai_chat,
        &ofs_wire_anthropic,
        &ofs_wire_openai_responses,
        &ofs_wire_gemini,
};
#define NFORMATS ((int)(sizeof formats / sizeof *formats))

const struct ofs_wire_ops *ofs_wire_at(int i)
{
	return i >= 0 && i < NFORMATS ? formats[i] : NULL;
}

const struct ofs_wire_ops *ofs_wire_find(const char *name, char *err)
{
	for (int i = 0; i < NFORMATS; i++)
		if (name && !strcmp(formats[i]->name, name))
			return formats[i];
	if (err) {
		struct ofs_buf b = {0};
		for (int i = 0; i < NFORMATS; i++)
			ofs_buf_printf(&b, "%s%s", i ? ", " : "", formats[i]->name);
		ofs_fail(err, OFS_ENOTFOUND, "unknown wire format '%.100s' (known: %s)", name ? name : "", b.p);
		ofs_buf_free(&b);
	}
	return NULL;
}

int ofs_wire_request(const struct ofs_wire_ops *w, struct ofs_buf *out, const struct ofs_chat *chat, const char *tools_json,
                     const struct ofs_wire_opts *o, char *err)
{
	return w->build_request(out, chat, tools_json, o, err);
}

int ofs_wire_request_memo(const struct ofs_wire_ops *w, struct ofs_buf *out, const struct ofs_chat *chat, const char *tools_json,
                          const struct ofs_wire_opts *o, struct ofs_wire_memo *memo, char *err)
{
	if (!w->build_request_memo || !memo)
		return w->build_request(out, chat, tools_json, o, err);
	return w->build_request_memo(out, chat, tools_json, o, memo, err);
}

void ofs_wire_memo_reset(struct ofs_wire_memo *memo)
{
	memo->n = 0;
	memo->k_made = 0;
	memo->last_content = NULL;
}

void ofs_wire_memo_free(struct ofs_wire_memo *memo)
{
	ofs_buf_free(&memo->msgs);
	ofs_buf_free(&memo->head);
	ofs_buf_free(&memo->tail);
	memset(memo, 0, sizeof *memo);
}

int ofs_wire_parse_response(const struct ofs_wire_ops *w, const char *body, size_t len, struct ofs_arena *A,
                            struct ofs_response *r, char *err)
{
	return w->parse_response(body, len, A, r, err);
}
