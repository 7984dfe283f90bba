/* fuzz_extract.c — libFuzzer target: the offline extractor over model-written text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	(void)ofs_extract_score(s);
	(void)ofs_extract_grade(s);
	(void)ofs_extract_recommendation(s);
	(void)ofs_text_refuses(s);
	free(s);
	return 0;
}
