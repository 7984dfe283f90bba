/* test_retry.c — the shared retry policy and circuit breaker (retry.h). */
#include "offswitch/retry.h"
#include "t.h"

static struct ofs_http_result fail(enum ofs_call_class cls, int status, double retry_after)
{
	struct ofs_http_result r = {.cls = cls, .status = status, .retry_after_s = retry_after};
	snprintf(r.reason, sizeof r.reason, "http_%d", status);
	return r;
}

static void defaults_and_limit(void)
{
	struct ofs_retry r;
	ofs_retry_init(&r, &(struct ofs_retry_policy){-1, 0, 0});
	CHECK_INT(r.p.max_retries, 6);
	CHECK_INT(r.p.base_ms, 1000);
	CHECK_INT(r.p.breaker, 20);
	struct ofs_http_result f = fail(OFS_CALL_RETRY, 500, -1);
	int attempts = 0;
	double prev = 0;
	for (int i = 0; i < 6; i++) {
		double w = ofs_retry_failed(&r, &f, &attempts);
		CHECK(w >= 0 && w <= 60);
		CHECK(i < 5 || w > prev / 4); /* grows (with jitter of at most half) */
		prev = w;
	}
	CHECK_INT(attempts, 6);
	CHECK(ofs_retry_failed(&r, &f, &attempts) < 0); /* the seventh failure is final */
	CHECK(!r.open);
}

static void zero_means_none(void)
{
	struct ofs_retry r;
	ofs_retry_init(&r, &(struct ofs_retry_policy){0, 10, 0});
	struct ofs_http_result f = fail(OFS_CALL_RETRY, 429, 1);
	int attempts = 0;
	CHECK(ofs_retry_failed(&r, &f, &attempts) < 0);
	CHECK_INT(attempts, 0);
}

static void retry_after_capped(void)
{
	struct ofs_retry r;
	ofs_retry_init(&r, &(struct ofs_retry_policy){6, 10, 0});
	int attempts = 0;
	struct ofs_http_result ok = fail(OFS_CALL_RETRY, 429, 7);
	CHECK(ofs_retry_failed(&r, &ok, &attempts) == 7); /* Retry-After beats a 10 ms backoff */
	struct ofs_http_result big = fail(OFS_CALL_RETRY, 429, OFS_RETRY_AFTER_MAX_S + 1);
	CHECK(ofs_retry_failed(&r, &big, &attempts) < 0);
	struct ofs_http_result inf = fail(OFS_CALL_RETRY, 429, INFINITY);
	CHECK(ofs_retry_failed(&r, &inf, &attempts) < 0);
	struct ofs_http_result nan_ = fail(OFS_CALL_RETRY, 429, NAN);
	CHECK(ofs_retry_failed(&r, &nan_, &attempts) < 0);
	struct ofs_http_result fatal = fail(OFS_CALL_FATAL, 400, -1);
	CHECK(ofs_retry_failed(&r, &fatal, &attempts) < 0);
}

static void breaker_opens(void)
{
	struct ofs_retry r;
	ofs_retry_init(&r, &(struct ofs_retry_policy){100, 1, 3});
	struct ofs_http_result f = fail(OFS_CALL_RETRY, 503, -1);
	int a = 0;
	ofs_retry_failed(&r, &f, &a);
	ofs_retry_ok(&r); /* an answer ends the streak */
	ofs_retry_failed(&r, &f, &a);
	ofs_retry_failed(&r, &f, &a);
	CHECK(!r.open);
	ofs_retry_failed(&r, &f, &a);
	CHECK(r.open);
	CHECK(strstr(r.reason, "3 model calls failed in a row") != NULL);
	struct ofs_http_result key = fail(OFS_CALL_FATAL, 401, -1);
	ofs_retry_failed(&r, &key, &a);
	CHECK(strstr(r.reason, "in a row") != NULL); /* the first reason stays */
	ofs_retry_init(&r, NULL);
	ofs_retry_failed(&r, &key, &a);
	CHECK(r.open);
	CHECK(strstr(r.reason, "rejected the API key (HTTP 401)") != NULL);
}

int main(void)
{
	RUN(defaults_and_limit);
	RUN(zero_means_none);
	RUN(retry_after_capped);
	RUN(breaker_opens);
	return DONE();
}
