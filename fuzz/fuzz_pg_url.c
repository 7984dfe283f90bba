/* fuzz_pg_url.c — libFuzzer target: a store URL from the command line. Its
 * display form must not show its userinfo password, and scrubbing a
 * message that quotes the URL must remove every occurrence of it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= PG_URL_MAX)
		return 0;
	char url[PG_URL_MAX], shown[PG_URL_MAX], msg[OFS_ERRLEN];
	memcpy(url, data, size);
	url[size] = 0;
	ofs_store_display(url, shown, sizeof shown);
	snprintf(msg, sizeof msg, "error in \"%s\"", url);
	ofs__pg_scrub(msg, sizeof msg, url);
	/* the userinfo password, when one of 4+ bytes is there, is gone from both */
	const char *p = strstr(url, "://");
	if (p) {
		p += 3;
		size_t auth = strcspn(p, "/?#");
		const char *at = NULL;
		for (size_t i = 0; i < auth; i++)
			if (p[i] == '@')
				at = p + i;
		const char *colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
		if (colon && at - colon - 1 >= 4 && !memchr(colon + 1, '*', (size_t)(at - colon - 1))) {
			char pw[PG_URL_MAX + 2];
			size_t k = (size_t)(at - colon - 1);
			pw[0] = ':';
			memcpy(pw + 1, colon + 1, k);
			pw[k + 1] = '@';
			pw[k + 2] = 0;
			const char *rest = strstr(shown, "://");
			char authority[PG_URL_MAX];
			size_t ak = rest ? strcspn(rest + 3, "/?#") : 0;
			memcpy(authority, rest ? rest + 3 : "", ak);
			authority[ak] = 0;
			if (strstr(authority, pw)) /* ":password@" in the shown authority */
				abort();
			pw[k + 1] = 0;
			if (strstr(msg, pw + 1)) /* the message's whole quote was within OFS_ERRLEN */
				if (strlen(url) + 16 < OFS_ERRLEN)
					abort();
		}
	}
	return 0;
}
