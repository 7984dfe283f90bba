/* test_http.c — the call API (lib/net/http.c) over both of its clients
 * against a real `offswitch mock` served in this process on loopback: more
 * calls than connections (the lean client's wait queue), a refused port
 * (every call ends "connect", none left behind), and the same calls through
 * libcurl (OFFSWITCH_HTTP_CURL) with the same outcome. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "offswitch/http.h"
#include "offswitch/listen.h"
#include "offswitch/mock.h"
#include "t.h"

#define NCALLS 40

struct tally {
	int ok, fatal, retry, done;
	char reason[64];
};

static void on_done(void *ud, struct ofs_http_result *r)
{
	struct tally *t = ud;
	t->done++;
	t->ok += r->cls == OFS_CALL_OK && r->resp.content != NULL;
	t->fatal += r->cls == OFS_CALL_FATAL;
	t->retry += r->cls == OFS_CALL_RETRY;
	snprintf(t->reason, sizeof t->reason, "%s", r->reason);
}

/* NCALLS calls to url on a client with max_conns connections; the tally. */
static struct tally run_calls(const char *url, int max_conns)
{
	static const char body[] = "{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
	struct ofs_http_target t = {.wire = ofs_wire_find("openai-chat", NULL),
	                            .url = (char *)url,
	                            .model = "mock",
	                            .local = 1,
	                            .opts = {.model = "mock", .temperature = -1},
	                            .timeout_s = 20};
	struct tally tl = {0};
	struct ofs_http *h = ofs_http_new(max_conns);
	struct ofs_arena *A = ofs_arena_new(4096);
	char err[OFS_ERRLEN];
	for (int i = 0; i < NCALLS; i++)
		CHECK_INT(ofs_http_start(h, &t, body, sizeof body - 1, "key", A, &tl, err), 0);
	CHECK_INT(ofs_http_in_flight(h), NCALLS);
	for (int i = 0; i < 2000 && ofs_http_in_flight(h); i++) /* bounded: 2000 polls of at most 50 ms */
		ofs_http_poll(h, 50, on_done);
	CHECK_INT(ofs_http_in_flight(h), 0);
	ofs_http_free(h);
	ofs_arena_free(A);
	return tl;
}

static struct ofs_mock *mock;
static char url[256];

static void test_more_calls_than_connections(void)
{
	struct tally tl = run_calls(url, 3);
	CHECK_INT(tl.done, NCALLS);
	CHECK_INT(tl.ok, NCALLS);
}

static void test_refused(void)
{
	/* a port nobody listens on: bound, then closed */
	struct ofs_listener ls;
	char err[OFS_ERRLEN], dead[192];
	CHECK_INT(ofs_listen(&ls, "127.0.0.1", 0, 0, err), 0);
	snprintf(dead, sizeof dead, "%s/v1/chat/completions", ls.url);
	close(ls.fd);
	struct tally tl = run_calls(dead, 3);
	CHECK_INT(tl.done, NCALLS);
	CHECK_INT(tl.retry, NCALLS);
	CHECK_STR(tl.reason, "connect");
}

static void test_curl_alike(void)
{
	setenv("OFFSWITCH_HTTP_CURL", "1", 1); /* read when a client first sees a target */
	struct tally tl = run_calls(url, 3);
	CHECK_INT(tl.ok, NCALLS);
	unsetenv("OFFSWITCH_HTTP_CURL");
}

int main(void)
{
	const char *data = getenv("OFFSWITCH_DATA") ? getenv("OFFSWITCH_DATA") : "data";
	struct ofs_mock_opts mo = {.host = "127.0.0.1", .seed = 1, .hang_seconds = 1, .data_dir = data};
	char err[OFS_ERRLEN];
	if (ofs_mock_start(&mock, &mo, err)) {
		printf("Bail out! mock: %s\n", err);
		return 1;
	}
	snprintf(url, sizeof url, "%s/v1/chat/completions", ofs_mock_url(mock));
	RUN(test_more_calls_than_connections);
	RUN(test_refused);
	RUN(test_curl_alike);
	ofs_mock_stop(mock);
	return DONE();
}
