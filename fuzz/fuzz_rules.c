/* fuzz_rules.c — libFuzzer target: the rules file parser (YAML, every key,
 * regexes and globs compiled) and the truth sidecar's scorer over the input
 * as text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "watch/watch_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[OFS_ERRLEN];
	struct rule *rules = NULL;
	int n = 0;
	ofs__rules_parse(&rules, &n, (const char *)data, size, "fuzz.yaml", err);
	for (int i = 0; i < n; i++)
		ofs__rule_free(&rules[i]);
	free(rules);
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	struct subject s = {"model-x", 62, "C", 1, 1};
	struct truth t = {&s, 1};
	char msg[256];
	ofs__truth_check(&t, NULL, text, msg, sizeof msg);
	free(text);
	return 0;
}
