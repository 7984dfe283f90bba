/* fuzz_manifest.c — libFuzzer target: the task manifest parser (data/scenarios/<task>.json). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "offswitch/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ofs_task t;
	memset(&t, 0, sizeof t);
	char err[OFS_ERRLEN];
	if (ofs_task_parse(&t, (const char *)data, size, "fuzz", err) == 0)
		ofs_task_release(&t);
	/* --model-config files are user-written JSON too. */
	struct ofs_model_settings *ms;
	int n;
	if (ofs_model_settings_parse((const char *)data, size, "fuzz", &ms, &n, err) == 0)
		ofs_model_settings_free(ms, n);
	return 0;
}
