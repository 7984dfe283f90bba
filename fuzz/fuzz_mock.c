/* fuzz_mock.c — libFuzzer target: a wire format's request parser (OpenAI
 * Chat, Anthropic, OpenAI Responses and Gemini bodies), then the mock's fallback agent and the format's
 * response writers on whatever parsed, whose output must parse back with the
 * same format's client half. The first byte picks the wire format and
 * whether the answer is streamed. The cached parser (a tool-list cache,
 * missed then hit) must give the same result and the same error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/mock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	/* bits 0 and 7: openai-chat, anthropic-messages, openai-responses, gemini */
	const struct ofs_wire_ops *w = ofs_wire_at((data[0] & 1) | ((data[0] >> 6) & 2));
	struct ofs_arena *A = ofs_arena_new(0);
	struct ofs_wire_req rq;
	char err[OFS_ERRLEN];
	if (w->parse_request((const char *)data + 1, size - 1, A, &rq, err) == 0) {
		struct ofs_response r, back;
		ofs_mock_fallback(&rq, A, &r);
		if (data[0] & 4)
			ofs_mock_break_args(&r, &rq, A);
		struct ofs_wire_reply o = {"id", 1, rq.in_tokens, ofs_mock_out_tokens(&r)};
		struct ofs_buf b = {0};
		int rc;
		if (data[0] & 2) {
			w->write_stream(&b, &rq, &r, &o);
			struct ofs_sse s;
			ofs_sse_init(&s, w, 0);
			ofs_sse_feed(&s, b.p, b.len);
			rc = ofs_sse_finish(&s, A, &back, err);
			ofs_sse_release(&s);
		} else {
			w->write_response(&b, &rq, &r, &o);
			rc = ofs_wire_parse_response(w, b.p, b.len, A, &back, err);
		}
		if (rc) /* the mock's own output must always parse */
			abort();
		ofs_mock_malform(&b, data[0] & 2);
		ofs_buf_free(&b);
	}
	struct ofs_wire_cache *wc = ofs_wire_cache_new();
	struct ofs_wire_req cq;
	char cerr[OFS_ERRLEN];
	int want = w->parse_request((const char *)data + 1, size - 1, A, &rq, err);
	for (int i = 0; i < 2; i++) {
		int got = w->parse_request_cached(wc, (const char *)data + 1, size - 1, A, &cq, cerr);
		if (got != want || (got && strcmp(err, cerr)) ||
		    (!got && (cq.chat.n != rq.chat.n || cq.ntools != rq.ntools || cq.in_tokens != rq.in_tokens)))
			abort();
		for (int t = 0; !got && t < cq.ntools; t++)
			if (strcmp(cq.tools[t].name, rq.tools[t].name) || strcmp(cq.tools[t].schema, rq.tools[t].schema))
				abort();
	}
	ofs_wire_cache_free(wc);
	ofs_arena_free(A);
	return 0;
}
