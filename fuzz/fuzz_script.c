/* fuzz_script.c — libFuzzer target: the script-file parser (--model scripted:PATH.json). */
#include <stddef.h>
#include <stdint.h>

#include "offswitch/provider.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[OFS_ERRLEN];
	struct ofs_provider *p = ofs_script_parse((const char *)data, size, "fuzz", err);
	ofs_provider_free(p);
	return 0;
}
