/* fuzz_proxy_keys.c — libFuzzer target: the proxy's keys file parser. Every
 * accepted file must give agents and keys within the documented caps, each
 * key found again by lookup; a refused one leaves nothing to leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ofs_proxy_keys k;
	char err[OFS_ERRLEN];
	if (ofs_proxy_keys_parse((const char *)data, size, &k, err) == 0) {
		if (k.n < 1 || k.n > OFS_PROXY_MAX_KEYS)
			abort();
		for (int i = 0; i < k.n; i++) {
			size_t al = strlen(k.v[i].agent), kl = strlen(k.v[i].key);
			if (!al || al > OFS_PROXY_MAX_AGENT || kl < OFS_PROXY_MIN_KEY || kl > OFS_PROXY_MAX_KEY)
				abort();
			if (strcmp(ofs_proxy_keys_agent(&k, k.v[i].key), k.v[i].agent))
				abort();
		}
	}
	ofs_proxy_keys_free(&k);
	return 0;
}
