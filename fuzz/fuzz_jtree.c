/* fuzz_jtree.c — libFuzzer target: the arena JSON parser of lib/wire/jtree.c
 * against jansson (tests/unit/wire/jdiff.h): both must accept and reject the
 * same inputs and build the same trees; a divergence aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../tests/unit/wire/jdiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = jdiff((const char *)data, size);
	if (why) {
		fprintf(stderr, "jtree and jansson differ: %s\n", why);
		abort();
	}
	return 0;
}
