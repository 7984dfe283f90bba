/* retry.h — the one retry policy and circuit breaker every caller of a model
 * API shares (the run engine and the LLM judge), so that `--max-retries`,
 * backoff, the Retry-After cap and the breaker mean the same everywhere.
 *
 * A failed call is retried when it is transient (OFS_CALL_RETRY: 429, 5xx,
 * timeout, reset, truncated), its Retry-After is at most
 * OFS_RETRY_AFTER_MAX_S, and the call has been retried fewer than
 * max_retries times. The wait is the larger of Retry-After and an
 * exponential backoff (base, doubling, capped at 60 s, with jitter drawn
 * from a fixed seed so runs repeat). The circuit opens on a rejected key
 * (HTTP 401/403) or after `breaker` failed calls in a row; once open it
 * stays open, and the caller starts nothing new. Not thread-safe: one
 * breaker per event loop. No allocation; nothing to free.
 */
#ifndef OFFSWITCH_RETRY_H
#define OFFSWITCH_RETRY_H
#include <stdint.h>

#include "offswitch/http.h"

struct ofs_retry_policy {
	int max_retries; /* retries per call: 0 none; negative: 6 */
	long base_ms;    /* first backoff; <= 0: 1000 */
	int breaker;     /* failed calls in a row that open the circuit; <= 0: 20 */
};

struct ofs_retry {
	struct ofs_retry_policy p; /* defaults filled in */
	int consecutive_fail;
	int open;         /* the circuit is open */
	char reason[160]; /* why it opened (the first reason), "" while closed */
	uint64_t jitter;  /* xorshift state */
};

void ofs_retry_init(struct ofs_retry *r, const struct ofs_retry_policy *p);
/* A call answered: the failure streak ends. */
void ofs_retry_ok(struct ofs_retry *r);
/* A call failed (res->cls != OFS_CALL_OK). *attempts is the caller's count
 * of retries of this call so far. Returns the seconds to wait before trying
 * again (and increments *attempts), or -1 when the call has failed for good
 * (its status is "error:" res->reason). May open the circuit either way. */
double ofs_retry_failed(struct ofs_retry *r, const struct ofs_http_result *res, int *attempts);
#endif
