/* fuzz_interview.c — libFuzzer target: the interview's question-bank parser
 * (--interview-questions FILE), then the rule-based judge over the same bytes
 * as a model's answer (outside text too). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/interview.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[OFS_ERRLEN];
	struct ofs_iv_bank b;
	if (!ofs_iv_bank_parse(&b, (const char *)data, size, "fuzz", err)) {
		signed char h[OFS_IVB__N];
		int idx[8];
		for (int k = 0; k < OFS_KIND__N; k++) {
			for (int i = 0; i < OFS_IVB__N; i++)
				h[i] = (signed char)((k + i) % 3 - 1);
			int n = ofs_iv_choose(&b, (enum ofs_kind)k, h, idx, 8);
			for (int i = 0; i < n; i++)
				if (idx[i] < 0 || idx[i] >= b.n)
					abort();
		}
		ofs_iv_bank_release(&b);
	}
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	enum ofs_iv_label l = ofs_iv_judge(text);
	if (l < 0 || l >= OFS_IVL__N)
		abort();
	free(text);
	return 0;
}
