/* fuzz_audit.c — libFuzzer target: the audit log's readers, which take
 * files anyone may have edited: the record scanner (framing, index, chain,
 * torn tail), the checkpoint (signed note) parser and the note key parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[OFS_ERRLEN];
	struct scan s = {0};
	scan_image(&s, "fuzz", data, size, err);
	/* a log image is also tried with the magic in front */
	uint8_t *img = malloc(size + AUDIT_MAGIC_LEN);
	memcpy(img, AUDIT_MAGIC, AUDIT_MAGIC_LEN);
	memcpy(img + AUDIT_MAGIC_LEN, data, size);
	scan_image(&s, "fuzz", img, size + AUDIT_MAGIC_LEN, err);
	free(img);
	static struct ofs_audit_key vk;
	if (!vk.id)
		ofs_audit_keygen(&vk, "fuzz.example/log", err);
	struct ofs_audit_checkpoint cp;
	ofs_audit_checkpoint_parse(&cp, (const char *)data, size, NULL, err);
	ofs_audit_checkpoint_parse(&cp, (const char *)data, size, &vk, err);
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	struct ofs_audit_key k;
	ofs_audit_key_parse(&k, text, err);
	free(text);
	return 0;
}
