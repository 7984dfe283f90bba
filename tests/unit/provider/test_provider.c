/* test_provider.c — the provider registry: each kind found by its prefix,
 * an unknown prefix naming every known kind, the HTTP kinds' endpoints and
 * key checks, and a handle keeping its last error message. */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "offswitch/http.h"
#include "offswitch/provider.h"

static void test_unknown_names_known(void)
{
	char err[OFS_ERRLEN] = "";
	CHECK(ofs_provider_new("mistral/large", NULL, err) == NULL);
	CHECK(strstr(err, "unknown provider 'mistral'") != NULL);
	/* Every registered kind is named, once, by its prefix without the separator. */
	int n = 0;
	for (const char *k; (k = ofs_provider_kind(n)); n++) {
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)strlen(k) - 1, k);
		CHECK(strstr(err, name) != NULL);
	}
	CHECK(n >= 7);
	CHECK(strstr(err, "known: openai, openai-responses, anthropic, together, gemini, openrouter, scripted;") != NULL);
	CHECK(ofs_provider_new("nomodel", NULL, err) == NULL);
	CHECK(strstr(err, "unknown provider 'nomodel'") != NULL);
}

static void test_scripted_kinds(void)
{
	char err[OFS_ERRLEN] = "";
	struct ofs_provider *p = ofs_provider_new("scripted/honest", NULL, err);
	CHECK(p != NULL && p->http == NULL);
	CHECK_STR(ofs_provider_errmsg(p), "");
	ofs_provider_free(p);
	CHECK(ofs_provider_new("scripted/nobody", NULL, err) == NULL);
	CHECK(strstr(err, "unknown reference agent 'scripted/nobody'") != NULL);
	CHECK(ofs_provider_new("scripted:", NULL, err) == NULL);
	CHECK(strstr(err, "needs a script path") != NULL);
	CHECK(ofs_provider_new("scripted:/nonexistent/turns.json", NULL, err) == NULL);
	CHECK(strstr(err, "cannot read") != NULL);
	ofs_provider_free(NULL);
}

static void test_http_kinds(void)
{
	char err[OFS_ERRLEN] = "";
	unsetenv("OFFSWITCH_TEST_NO_KEY");
	struct ofs_provider_opts o = {.api_key_env = "OFFSWITCH_TEST_NO_KEY"};
	CHECK(ofs_provider_new("together/llama", &o, err) == NULL);
	CHECK(strstr(err, "set OFFSWITCH_TEST_NO_KEY") != NULL);
	/* Loopback endpoints need no key; an Anthropic base with /v1 keeps one /v1. */
	o.base_url = "http://127.0.0.1:9/v1/";
	struct ofs_provider *p = ofs_provider_new("anthropic/claude-x", &o, err);
	CHECK(p != NULL && p->http != NULL);
	if (p) {
		CHECK_STR(p->http->url, "http://127.0.0.1:9/v1/messages");
		CHECK_STR(p->http->model, "claude-x");
		CHECK_STR(p->http->wire->name, "anthropic-messages");
		CHECK(p->http->local);
		/* complete() is the engine's job: the handle keeps why. */
		struct ofs_response r;
		CHECK_INT(p->ops->complete(p, NULL, NULL, NULL, &r), OFS_ESTATE);
		CHECK(strstr(ofs_provider_errmsg(p), "driven by the engine") != NULL);
		ofs_provider_free(p);
	}
	/* Any id with a base URL: an OpenAI-compatible endpoint. */
	o.base_url = "http://localhost:8080/v1";
	p = ofs_provider_new("my-model", &o, err);
	CHECK(p != NULL);
	if (p) {
		CHECK_STR(p->http->url, "http://localhost:8080/v1/chat/completions");
		CHECK_STR(p->http->wire->name, "openai-chat");
		ofs_provider_free(p);
	}
	/* gemini/: the native API, the model in the path, its own streaming path;
	 * openai-responses/: the Responses API. */
	struct {
		const char *model, *base;
		int stream;
		const char *url, *wire;
	} cases[] = {
	        {"gemini/gemini-2.5-pro", "http://127.0.0.1:9", 0,
	         "http://127.0.0.1:9/v1beta/models/gemini-2.5-pro:generateContent", "gemini"},
	        {"gemini/g", "http://127.0.0.1:9/v1beta/", 1, "http://127.0.0.1:9/v1beta/models/g:streamGenerateContent?alt=sse",
	         "gemini"},
	        {"openai-responses/gpt-5", "http://127.0.0.1:9/v1", 1, "http://127.0.0.1:9/v1/responses", "openai-responses"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		o.base_url = cases[i].base;
		o.stream = cases[i].stream;
		p = ofs_provider_new(cases[i].model, &o, err);
		CHECK(p != NULL);
		if (p) {
			CHECK_STR(p->http->url, cases[i].url);
			CHECK_STR(p->http->wire->name, cases[i].wire);
			ofs_provider_free(p);
		}
	}
	o.stream = 0;
	o.base_url = "http://127.0.0.1:9";
	CHECK(ofs_provider_new("gemini/bad?name", &o, err) == NULL);
	CHECK(strstr(err, "cannot go in a URL path") != NULL);
	o.base_url = "ftp://127.0.0.1/";
	CHECK(ofs_provider_new("openai/gpt", &o, err) == NULL);
	CHECK(strstr(err, "must start with http://") != NULL);
	CHECK(ofs_provider_new("openai/", NULL, err) == NULL);
	CHECK(strstr(err, "names no model") != NULL);
}

int main(void)
{
	RUN(test_unknown_names_known);
	RUN(test_scripted_kinds);
	RUN(test_http_kinds);
	return DONE();
}
