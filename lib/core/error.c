/* error.c — names of the library's error codes (see offswitch/error.h). */
#include <stdarg.h>
#include <stdio.h>

#include "offswitch/error.h"

static const char *const names[] = {
        [-OFS_OK] = "no error",
        [-OFS_EINVAL] = "invalid argument",
        [-OFS_ENOTFOUND] = "not found",
        [-OFS_EDATA] = "bad data",
        [-OFS_EIO] = "input/output error",
        [-OFS_ECORRUPT] = "damaged or foreign database",
        [-OFS_ENET] = "network failure",
        [-OFS_ELISTEN] = "cannot listen",
        [-OFS_ELIMIT] = "limit reached",
        [-OFS_EINTR] = "interrupted",
        [-OFS_ESTATE] = "not allowed in this state",
};

const char *ofs_strerror(int code)
{
	if (code > 0 || code < OFS_E__MIN)
		return "unknown error";
	return names[-code];
}

int ofs_fail(char *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, OFS_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return code;
}
