/* http.c — providers reached over HTTP: openai/ (Chat Completions),
 * openai-responses/ (the Responses API, for Responses-only models),
 * anthropic/, gemini/ (the native generateContent API), and OpenAI-compatible
 * endpoints (together/, openrouter/, or any --base-url), with their endpoint
 * table. The engine sends the requests
 * (net/http.c) in the endpoint's wire format. Keys come from the environment
 * only, are checked before any rollout starts, and are never part of a
 * message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/http.h"
#include "provider/provider_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>

struct http_provider {
	struct ofs_provider base;
	struct ofs_http_target t;
};

static int http_complete(struct ofs_provider *p, void *s, const struct ofs_chat *c, struct ofs_arena *A, struct ofs_response *r)
{
	(void)s, (void)c, (void)A, (void)r;
	return ofs_provider_fail(p, OFS_ESTATE, "an HTTP provider is driven by the engine, not called directly");
}

static void http_free(struct ofs_provider *p)
{
	struct http_provider *h = (struct http_provider *)p;
	if (h->t.api_key) {
		memset(h->t.api_key, 0, strlen(h->t.api_key));
		free(h->t.api_key);
	}
	free(h->t.url);
	free(h->t.key_env);
	free(h->t.model);
	free((char *)h->t.opts.reasoning_effort);
	free(h);
}

static const struct ofs_provider_ops http_ops = {"http", NULL, http_complete, NULL, http_free};

/* The endpoints by model-id prefix (the registry's HTTP-backed kinds). */
static const struct endpoint {
	const char *prefix, *base, *key_env, *wire;
} endpoints[] = {
        {"openai/", "https://api.openai.com/v1", "OPENAI_API_KEY", "openai-chat"},
        {"openai-responses/", "https://api.openai.com/v1", "OPENAI_API_KEY", "openai-responses"},
        {"anthropic/", "https://api.anthropic.com", "ANTHROPIC_API_KEY", "anthropic-messages"},
        {"together/", "https://api.together.xyz/v1", "TOGETHER_API_KEY", "openai-chat"},
        {"gemini/", "https://generativelanguage.googleapis.com", "GEMINI_API_KEY", "gemini"},
        {"openrouter/", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "openai-chat"},
};

static const struct endpoint *endpoint_of(const char *prefix)
{
	for (size_t i = 0; prefix && i < sizeof endpoints / sizeof *endpoints; i++)
		if (!strcmp(endpoints[i].prefix, prefix))
			return &endpoints[i];
	return NULL;
}

/* Whether url's host is this machine: "localhost", an address in 127.0.0.0/8
 * or [::1] — parsed, not matched by prefix ("localhost.evil.example" and
 * "127.example.com" are remote). */
static int is_loopback(const char *url)
{
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	size_t auth = strcspn(h, "/?#");
	const char *at = memchr(h, '@', auth);
	if (at) {
		auth -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	char host[256];
	size_t n;
	if (*h == '[') {
		const char *end = memchr(h, ']', auth);
		if (!end || (end + 1 < h + auth && end[1] != ':'))
			return 0;
		h++;
		n = (size_t)(end - h);
	} else
		n = strcspn(h, ":/?#");
	if (n >= sizeof host || n > auth)
		return 0;
	memcpy(host, h, n);
	host[n] = 0;
	if (!strcasecmp(host, "localhost"))
		return 1;
	unsigned char a[16];
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	return inet_pton(AF_INET6, host, a) == 1 && !memcmp(a, &in6addr_loopback, 16);
}

/* base + the format's path (its streaming one when o->stream), "{model}" in
 * it replaced by the model name; a base ending in the path's first segment
 * ("/v1", "/v1beta") keeps a single one (base URLs are given either way). */
static int endpoint_url(char *url, size_t size, const char *base, const struct ofs_wire_ops *w, const char *model, int stream,
                        char *err)
{
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	const char *path = stream && w->client_stream_path ? w->client_stream_path : w->client_path;
	size_t seg = path[0] == '/' ? strcspn(path + 1, "/") + 1 : 0;
	if (!strncmp(path, "/v1", 3) && path[seg] == '/' && bl >= seg && !strncmp(base + bl - seg, path, seg))
		path += seg;
	if (strncmp(base, "http://", 7) && strncmp(base, "https://", 8))
		return ofs_fail(err, OFS_EINVAL, "--base-url '%s' must start with http:// or https://", base);
	const char *at = strstr(path, "{model}");
	if (at && strcspn(model, "?#% \t\r\n") != strlen(model))
		return ofs_fail(err, OFS_EINVAL, "model name '%.200s' cannot go in a URL path", model);
	int n = at ? snprintf(url, size, "%.*s%.*s%s%s", (int)bl, base, (int)(at - path), path, model, at + 7)
	           : snprintf(url, size, "%.*s%s", (int)bl, base, path);
	if (n < 0 || (size_t)n >= size)
		return ofs_fail(err, OFS_EINVAL, "endpoint URL longer than %zu bytes", size - 1);
	return 0;
}

static struct ofs_provider *target_new(const char *url, const struct ofs_wire_ops *w, const char *key, const char *env,
                                       const char *name, const struct ofs_provider_opts *o)
{
	struct http_provider *h = ofs_xcalloc(1, sizeof *h);
	h->base.ops = &http_ops;
	h->base.http = &h->t;
	h->t.wire = w;
	h->t.url = ofs_xstrdup(url);
	h->t.api_key = key && *key ? ofs_xstrdup(key) : NULL;
	h->t.key_env = ofs_xstrdup(env);
	h->t.model = ofs_xstrdup(name);
	h->t.local = is_loopback(url);
	h->t.opts.model = h->t.model;
	h->t.opts.stream = o->stream;
	h->t.opts.max_tokens = o->max_tokens;
	h->t.opts.reasoning_effort = o->reasoning_effort ? ofs_xstrdup(o->reasoning_effort) : NULL;
	h->t.opts.temperature = -1; /* set per configuration by the engine */
	h->t.timeout_s = o->timeout_s > 0 ? o->timeout_s : 600;
	return &h->base;
}

static struct ofs_provider *http_make(const char *model, const char *prefix, const struct ofs_provider_opts *o, char *err)
{
	const struct endpoint *ep = endpoint_of(prefix);
	if (!ep && !o->base_url) {
		ofs_fail(err, OFS_EINVAL, "model '%s': no endpoint known and no --base-url given", model);
		return NULL;
	}
	const struct ofs_wire_ops *w = ep ? ofs_wire_find(ep->wire, err) : ofs_wire_at(0);
	if (!w)
		return NULL;
	const char *name = ep ? model + strlen(ep->prefix) : model;
	if (!*name) {
		ofs_fail(err, OFS_EINVAL, "model '%s' names no model after the provider", model);
		return NULL;
	}
	char url[2048];
	if (endpoint_url(url, sizeof url, o->base_url ? o->base_url : ep->base, w, name, o->stream, err))
		return NULL;
	const char *env = o->api_key_env ? o->api_key_env : ep ? ep->key_env : "OPENAI_API_KEY";
	const char *key = getenv(env);
	if ((!key || !*key) && !is_loopback(url)) {
		ofs_fail(err, OFS_EINVAL, "model '%s' needs an API key: set %s in the environment%s", model, env,
		         o->api_key_env ? "" : " (or name another variable with --api-key-env)");
		return NULL;
	}
	return target_new(url, w, key, env, name, o);
}

int ofs__http_make(struct ofs_provider **out, const char *model, const char *prefix, const struct ofs_provider_opts *o, char *err)
{
	return (*out = http_make(model, prefix, o, err)) ? 0 : OFS_EDATA;
}
