/* fuzz_wire.c — libFuzzer target: provider responses, whole and streamed.
 * The first byte picks the wire format (bits 0 and 7), whole vs SSE, and the chunk size the
 * stream is fed in. */
#include <stddef.h>
#include <stdint.h>

#include "offswitch/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	/* bits 0 and 7: openai-chat, anthropic-messages, openai-responses, gemini */
	const struct ofs_wire_ops *w = ofs_wire_at((data[0] & 1) | ((data[0] >> 6) & 2));
	int sse = data[0] & 2;
	size_t chunk = 1 + (data[0] >> 2);
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	struct ofs_arena *A = ofs_arena_new(0);
	struct ofs_response r;
	char err[OFS_ERRLEN];
	if (!sse)
		ofs_wire_parse_response(w, p, n, A, &r, err);
	else {
		struct ofs_sse s;
		ofs_sse_init(&s, w, 1 << 20);
		for (size_t i = 0; i < n; i += chunk)
			if (ofs_sse_feed(&s, p + i, n - i < chunk ? n - i : chunk))
				break;
		ofs_sse_finish(&s, A, &r, err);
		ofs_sse_release(&s);
	}
	ofs_arena_free(A);
	return 0;
}
