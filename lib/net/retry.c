/* retry.c — the shared retry policy and circuit breaker (offswitch/retry.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "offswitch/retry.h"

void ofs_retry_init(struct ofs_retry *r, const struct ofs_retry_policy *p)
{
	memset(r, 0, sizeof *r);
	r->p.max_retries = p && p->max_retries >= 0 ? p->max_retries : 6;
	r->p.base_ms = p && p->base_ms > 0 ? p->base_ms : 1000;
	r->p.breaker = p && p->breaker > 0 ? p->breaker : 20;
	r->jitter = 12345;
}

void ofs_retry_ok(struct ofs_retry *r)
{
	r->consecutive_fail = 0;
}

static void open_circuit(struct ofs_retry *r, const char *why)
{
	if (!r->open)
		snprintf(r->reason, sizeof r->reason, "%s", why);
	r->open = 1;
}

static double jitter01(struct ofs_retry *r)
{
	uint64_t x = r->jitter;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->jitter = x;
	return (double)(x >> 11) / 9007199254740992.0;
}

double ofs_retry_failed(struct ofs_retry *r, const struct ofs_http_result *res, int *attempts)
{
	char why[160];
	r->consecutive_fail++;
	if (res->status == 401 || res->status == 403) {
		snprintf(why, sizeof why, "the provider rejected the API key (HTTP %d)", res->status);
		open_circuit(r, why);
	}
	if (r->consecutive_fail >= r->p.breaker) {
		snprintf(why, sizeof why, "%d model calls failed in a row (last: %.60s)", r->consecutive_fail, res->reason);
		open_circuit(r, why);
	}
	/* A Retry-After beyond the cap (or "inf") ends the call: a later run retries it. */
	if (res->cls != OFS_CALL_RETRY || !(res->retry_after_s <= OFS_RETRY_AFTER_MAX_S) || *attempts >= r->p.max_retries)
		return -1;
	++*attempts;
	double d = fmin(60, r->p.base_ms / 1000.0 * pow(2, *attempts - 1));
	d *= 0.5 + 0.5 * jitter01(r);
	return fmax(d, res->retry_after_s);
}
