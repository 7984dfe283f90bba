/* fuzz_paper.c — libFuzzer target: the parser of the paper's transcripts and
 * dataset rows (offswitch import). */
#include <stddef.h>
#include <stdint.h>

#include "offswitch/error.h"
#include "offswitch/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[OFS_ERRLEN];
	struct ofs_paper_tx tx;
	if (!ofs_paper_parse((const char *)data, size, "fuzz", &tx, err))
		ofs_paper_tx_release(&tx);
	return 0;
}
