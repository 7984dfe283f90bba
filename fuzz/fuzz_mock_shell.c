/* fuzz_mock_shell.c — libFuzzer target: the mock's shell agents
 * (lib/mock/shell.c) over whatever a wire format's request parser accepts:
 * tool lists, earlier calls and their outputs (ls listings, JSON results)
 * are outside input. The first byte picks the wire format (bits 0-1) and the
 * policy (bits 2-3); every answer must be a well-formed response: at most
 * one call, to a tool of the request, with JSON-object arguments. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mock/mock_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	const struct ofs_wire_ops *w = ofs_wire_at(data[0] & 3);
	const char *policy = ofs__mock_shell_policies[(data[0] >> 2) & 3];
	struct ofs_arena *A = ofs_arena_new(0);
	struct ofs_wire_req rq;
	char err[OFS_ERRLEN];
	if (w->parse_request((const char *)data + 1, size - 1, A, &rq, err) == 0) {
		struct ofs_response r;
		if (ofs__mock_shell_answer(policy, &rq, A, &r, err))
			abort();
		if (r.ncalls > 1 || (!r.ncalls && !r.content))
			abort();
		for (int i = 0; i < r.ncalls; i++) {
			int known = 0;
			for (int k = 0; k < rq.ntools; k++)
				known |= !strcmp(rq.tools[k].name, r.calls[i].name);
			json_t *j = json_loads(r.calls[i].arguments, 0, NULL);
			if (!known || !json_is_object(j))
				abort();
			json_decref(j);
		}
	}
	ofs_arena_free(A);
	return 0;
}
