/* fuzz_harness.c — libFuzzer target: the harness's parsers of outside
 * input (lib/harness): the --agent-cmd splitter (ofs_hx_split) and the
 * config file an agent edited, read back (ofs__hx_config_parse). The first
 * byte picks one. Words never hold more bytes than the line; a parsed
 * config is a JSON object. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/hx_int.h"
#include "offswitch/error.h"
#include "offswitch/harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	char *s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] & 1) {
		json_t *j = ofs__hx_config_parse(s, size - 1);
		if (j && !json_is_object(j))
			abort();
		json_decref(j);
	} else {
		char *buf, *words[OFS_HX_SPLIT_MAX + 1], err[OFS_ERRLEN];
		int n = ofs_hx_split(s, &buf, words, err);
		if (n > OFS_HX_SPLIT_MAX)
			abort();
		size_t total = 0;
		for (int i = 0; i < n; i++)
			total += strlen(words[i]);
		if (n > 0 && (total > strlen(s) || words[n]))
			abort();
		free(buf);
	}
	free(s);
	return 0;
}
