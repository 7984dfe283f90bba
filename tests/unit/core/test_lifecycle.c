/* test_lifecycle.c — every _free, _release, _close and _stop of the public
 * API accepts NULL (include/offswitch/error.h), and a released struct can be
 * released again, so that cleanup paths never need a guard. */
#include "offswitch/http.h"
#include "offswitch/loop.h"
#include "offswitch/mock.h"
#include "offswitch/plan.h"
#include "offswitch/provider.h"
#include "offswitch/report.h"
#include "offswitch/store.h"
#include "offswitch/wire.h"
#include "t.h"

static void test_null_safe(void)
{
	ofs_arena_free(NULL);
	ofs_buf_free(NULL);
	ofs_catalog_release(NULL);
	ofs_config_release(NULL);
	ofs_fixtures_free(NULL);
	ofs_http_free(NULL);
	ofs_loop_release(NULL);
	ofs_mock_stop(NULL);
	ofs_model_settings_free(NULL, 0);
	ofs_plan_release(NULL);
	ofs_provider_free(NULL);
	ofs_report_release(NULL);
	ofs_rowset_release(NULL);
	ofs_sse_release(NULL);
	ofs_store_close(NULL);
	ofs_store_refs_free(NULL, 0);
	ofs_task_release(NULL);
	ofs_tmpl_free(NULL);
	ofs_world_release(NULL);
	/* The calls above fail this test by crashing; the handles' message
	 * getters are NULL-safe too. */
	CHECK_STR(ofs_store_errmsg(NULL), "no store");
	CHECK_STR(ofs_provider_errmsg(NULL), "");
}

static void test_release_twice(void)
{
	struct ofs_plan p = {0};
	ofs_plan_release(&p);
	ofs_plan_release(&p);
	struct ofs_buf b = {0};
	ofs_buf_puts(&b, "x");
	ofs_buf_free(&b);
	ofs_buf_free(&b);
	CHECK(b.p == NULL && b.len == 0);
	struct ofs_sse s;
	ofs_sse_init(&s, ofs_wire_at(0), 1024);
	CHECK_INT(ofs_sse_feed(&s, "data: {\"x\":1}\n", 15), 0);
	ofs_sse_release(&s);
	CHECK(s.line.p == NULL && s.data.p == NULL && s.content.p == NULL);
	ofs_sse_release(&s);
}

int main(void)
{
	RUN(test_null_safe);
	RUN(test_release_twice);
	return DONE();
}
