/* test_proxy.c — the keys file parser, and the detector hooks over real HTTP:
 * an in-process `offswitch mock` behind an in-process proxy whose test hook
 * blocks any tool call named delete_file (enforce mode), whole and streamed,
 * in two formats; the blocked exchange's record; alerts in /metrics. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "offswitch/audit.h"
#include "offswitch/mock.h"
#include "offswitch/proxy.h"
#include "t.h"

static void test_keys_parse(void)
{
	struct ofs_proxy_keys k;
	char err[OFS_ERRLEN];
	const char *good = "# comment\n\nalice  pk-alice-000001\r\n  bob\tpk-bob-0000002  \n";
	CHECK_INT(ofs_proxy_keys_parse(good, strlen(good), &k, err), 0);
	CHECK_INT(k.n, 2);
	CHECK_STR(ofs_proxy_keys_agent(&k, "pk-bob-0000002"), "bob");
	CHECK_STR(ofs_proxy_keys_agent(&k, "pk-alice-000001"), "alice");
	CHECK(!ofs_proxy_keys_agent(&k, "pk-alice-00000"));
	CHECK(!ofs_proxy_keys_agent(&k, NULL));
	ofs_proxy_keys_free(&k);
	const char *bad[] = {"alice short\n",
	                     "alice\n",
	                     "alice pk-0000000001 extra\n",
	                     "al ice pk-0000000001\n",
	                     "a/b pk-0000000001\n",
	                     "a pk-0000000001\na pk-0000000002\n",
	                     "a pk-0000000001\nb pk-0000000001\n",
	                     "# only a comment\n",
	                     "a pk-000\x01"
	                     "0000001\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int rc = ofs_proxy_keys_parse(bad[i], strlen(bad[i]), &k, err);
		if (rc != OFS_EDATA)
			printf("#   bad[%zu] gave %d\n", i, rc);
		CHECK_INT(rc, OFS_EDATA);
		CHECK(!strstr(err, "pk-")); /* the message never holds a key */
		ofs_proxy_keys_free(&k);
	}
	CHECK_INT(ofs_proxy_keys_parse("a pk-00\0"
	                               "00001\n",
	                               14, &k, err),
	          OFS_EDATA);
	ofs_proxy_keys_free(&k);
	struct ofs_buf many = {0};
	for (int i = 0; i <= OFS_PROXY_MAX_KEYS; i++)
		ofs_buf_printf(&many, "agent%d key-%08d\n", i, i);
	CHECK_INT(ofs_proxy_keys_parse(many.p, many.len, &k, err), OFS_ELIMIT);
	ofs_proxy_keys_free(&k);
	ofs_buf_free(&many);
}

/* ---- hooks ---- */
struct seen {
	pthread_mutex_t mu;
	int requests, responses, last_msgs;
	char last_agent[64];
};

static void on_request(void *ctx, const struct ofs_proxy_exchange *x)
{
	struct seen *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->requests++;
	s->last_msgs = x->rq ? x->rq->chat.n : -1;
	snprintf(s->last_agent, sizeof s->last_agent, "%s", x->agent);
	pthread_mutex_unlock(&s->mu);
}

static int on_response(void *ctx, const struct ofs_proxy_exchange *x, char *reason, size_t n)
{
	struct seen *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->responses++;
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; x->resp && i < x->resp->ncalls; i++)
		if (!strcmp(x->resp->calls[i].name, "delete_file")) {
			snprintf(reason, n, "rule no-delete: %s was called", x->resp->calls[i].name);
			ofs_proxy_alert(x->proxy, "no-delete", x->agent); /* a hook reaches the proxy through x */
			return 1;
		}
	return 0;
}

static size_t sink(char *p, size_t sz, size_t n, void *u)
{
	ofs_buf_add(u, p, sz * n);
	return sz * n;
}

/* POST body to url+path; the response body in out; the status. */
static long post(const char *url, const char *path, const char *body, struct ofs_buf *out)
{
	char full[512];
	snprintf(full, sizeof full, "%s%s", url, path);
	CURL *h = curl_easy_init();
	struct curl_slist *hd = curl_slist_append(NULL, "X-Offswitch-Agent: unit-agent");
	curl_easy_setopt(h, CURLOPT_URL, full);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
	long code = 0;
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hd);
	curl_easy_cleanup(h);
	return code;
}

#define TOOL(n) "{\"type\":\"function\",\"function\":{\"name\":\"" n "\",\"parameters\":{\"type\":\"object\",\"properties\":{}}}}"

static void test_hooks_enforce(void)
{
	char err[OFS_ERRLEN], logp[] = "/tmp/ofs_proxy_unit_XXXXXX";
	int fd = mkstemp(logp);
	close(fd);
	unlink(logp);
	const char *data = getenv("OFFSWITCH_DATA") ? getenv("OFFSWITCH_DATA") : "data";
	struct ofs_mock_opts mo = {.host = "127.0.0.1", .seed = 1, .hang_seconds = 1, .data_dir = data};
	struct ofs_mock *m;
	if (ofs_mock_start(&m, &mo, err)) {
		printf("#   mock: %s\n", err);
		t_failed_now = 1;
		return;
	}
	struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER};
	struct ofs_proxy_opts po = {.host = "127.0.0.1",
	                            .upstream = ofs_mock_url(m),
	                            .audit_path = logp,
	                            .enforce = 1,
	                            .hooks = {&s, on_request, on_response}};
	struct ofs_proxy *p;
	CHECK_INT(ofs_proxy_start(&p, &po, err), 0);
	const char *url = ofs_proxy_url(p);
	struct ofs_buf b = {0};
	/* a call to delete_file: blocked, the client gets text and no tool call */
	CHECK_INT(post(url, "/v1/chat/completions",
	               "{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"clean up\"}],\"tools\":[" TOOL(
	                       "delete_file") "]}",
	               &b),
	          200);
	CHECK(b.p && strstr(b.p, "offswitch blocked") && strstr(b.p, "rule no-delete") && !strstr(b.p, "tool_calls\":[{"));
	CHECK(b.p && strstr(b.p, "\"finish_reason\":\"stop\""));
	ofs_buf_reset(&b);
	/* the same streamed in Anthropic's format: a well-formed stream with the text */
	CHECK_INT(
	        post(url, "/v1/messages",
	             "{\"model\":\"mock\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
	             "\"tools\":[{\"name\":\"delete_file\",\"input_schema\":{\"type\":\"object\",\"properties\":{}}}]}",
	             &b),
	        200);
	CHECK(b.p && strstr(b.p, "event: message_stop") && strstr(b.p, "offswitch blocked") && !strstr(b.p, "tool_use"));
	ofs_buf_reset(&b);
	/* another tool passes untouched */
	CHECK_INT(post(url, "/v1/chat/completions",
	               "{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"look\"}],\"tools\":[" TOOL(
	                       "list_files") "]}",
	               &b),
	          200);
	CHECK(b.p && strstr(b.p, "\"name\":\"list_files\"") && !strstr(b.p, "offswitch blocked"));
	ofs_buf_reset(&b);
	pthread_mutex_lock(&s.mu);
	CHECK_INT(s.requests, 3);
	CHECK_INT(s.responses, 3);
	CHECK_INT(s.last_msgs, 1);
	CHECK_STR(s.last_agent, "unit-agent");
	pthread_mutex_unlock(&s.mu);
	/* alerts counted by rule and agent: the hook's two, and one more from here */
	ofs_proxy_alert(p, "no-delete", "unit-agent");
	CHECK(ofs_proxy_audit(p) != NULL);
	CURL *h = curl_easy_init();
	char murl[256];
	snprintf(murl, sizeof murl, "%s/metrics", url);
	curl_easy_setopt(h, CURLOPT_URL, murl);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	CHECK_INT(curl_easy_perform(h), CURLE_OK);
	curl_easy_cleanup(h);
	CHECK(b.p && strstr(b.p, "ofs_proxy_alerts_total{rule=\"no-delete\",agent=\"unit-agent\"} 3\n"));
	ofs_buf_free(&b);
	CHECK_INT(ofs_proxy_drain(p, 5), 0);
	CHECK_INT(ofs_proxy_stop(p, err), 0);
	ofs_mock_stop(m);
	/* the log: three exchanges, the first two blocked with the reason */
	struct ofs_audit_result r;
	CHECK_INT(ofs_audit_verify(logp, NULL, &r, err), 0);
	CHECK_INT((long long)r.size, 3);
	size_t len;
	char *text = ofs_read_file(logp, 1 << 20, &len);
	CHECK(text && memmem(text, len, "\"blocked\":\"rule no-delete: delete_file was called\"", 50));
	free(text);
	unlink(logp);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_ALL);
	RUN(test_keys_parse);
	RUN(test_hooks_enforce);
	curl_global_cleanup();
	return DONE();
}
