/* fuzz_extract.c — libFuzzer target: the offline extractor, the awareness and deception
 * patterns, and the judge-answer parser over model-written text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/detect.h"
#include "offswitch/judge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	(void)ofs_extract_score(s);
	(void)ofs_extract_grade(s);
	(void)ofs_extract_recommendation(s);
	(void)ofs_text_refuses(s);
	(void)ofs_text_eval_aware(s);
	for (int k = 0; k < 3; k++)
		(void)ofs_text_claims(k, s);
	(void)ofs_extract_var_score("evaluation_score", s);
	/* The judge's answers are model output too. */
	static const char *const q[] = {"score",     "finance",        "refusal",     "silent_refusal",
	                                "var_score", "report_remains", "task_refusal"};
	struct ofs_judgment j;
	for (size_t i = 0; i < sizeof q / sizeof *q; i++)
		(void)ofs_judge_parse(q[i], s, "Gemini Agent 2", &j);
	free(s);
	return 0;
}
