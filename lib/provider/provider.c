/* provider.c — what every provider handle shares, whatever its kind: freeing
 * it and its last error message (see offswitch/provider.h). The kinds call
 * ofs_provider_fail; the registry (registry.c) only makes handles. */
#include <stdarg.h>
#include <stdio.h>

#include "offswitch/provider.h"

void ofs_provider_free(struct ofs_provider *p)
{
	if (p)
		p->ops->free(p);
}

const char *ofs_provider_errmsg(const struct ofs_provider *p)
{
	return p ? p->errmsg : "";
}

int ofs_provider_fail(struct ofs_provider *p, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof p->errmsg, fmt, ap);
	va_end(ap);
	return code;
}
