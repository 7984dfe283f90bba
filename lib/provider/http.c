/* provider_http.c — providers reached over HTTP: openai/, anthropic/, and
 * OpenAI-compatible endpoints (together/, gemini/, openrouter/, or any
 * --base-url). Keys come from the environment only, are checked before any
 * rollout starts, and are never part of a message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/http.h"
#include "offswitch/provider.h"

struct http_provider {
	struct ofs_provider base;
	struct ofs_http_target t;
};

static int http_complete(struct ofs_provider *p, void *s, const struct ofs_chat *c, struct ofs_arena *A, struct ofs_response *r,
                         char *err)
{
	(void)p, (void)s, (void)c, (void)A, (void)r;
	snprintf(err, OFS_ERRLEN, "an HTTP provider is driven by the engine, not called directly");
	return -1;
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

static const struct {
	const char *prefix, *base, *key_env, *path;
	enum ofs_wire wire;
} providers[] = {
        {"openai/", "https://api.openai.com/v1", "OPENAI_API_KEY", "/chat/completions", OFS_WIRE_OPENAI},
        {"anthropic/", "https://api.anthropic.com", "ANTHROPIC_API_KEY", "/v1/messages", OFS_WIRE_ANTHROPIC},
        {"together/", "https://api.together.xyz/v1", "TOGETHER_API_KEY", "/chat/completions", OFS_WIRE_OPENAI},
        {"gemini/", "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY", "/chat/completions",
         OFS_WIRE_OPENAI},
        {"openrouter/", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "/chat/completions", OFS_WIRE_OPENAI},
};

static int is_loopback(const char *url)
{
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	return !strncmp(h, "127.", 4) || !strncmp(h, "localhost", 9) || !strncmp(h, "[::1]", 5);
}

struct ofs_provider *ofs_provider_new_opts(const char *model, const struct ofs_provider_opts *o, char *err)
{
	static const struct ofs_provider_opts none = {0};
	if (!o)
		o = &none;
	if (!strncmp(model, "scripted/", 9) || !strncmp(model, "scripted:", 9))
		return ofs_provider_new(model, err);
	int k = -1;
	for (size_t i = 0; i < sizeof providers / sizeof *providers; i++)
		if (!strncmp(model, providers[i].prefix, strlen(providers[i].prefix)))
			k = (int)i;
	if (k < 0 && !o->base_url) {
		const char *slash = strchr(model, '/');
		snprintf(err, OFS_ERRLEN,
		         "model '%s': unknown provider '%.*s' (known: openai, anthropic, together, gemini, openrouter, scripted; "
		         "or give --base-url for an OpenAI-compatible endpoint)",
		         model, slash ? (int)(slash - model) : (int)strlen(model), model);
		return NULL;
	}
	enum ofs_wire wire = k >= 0 ? providers[k].wire : OFS_WIRE_OPENAI;
	const char *name = k >= 0 ? model + strlen(providers[k].prefix) : model;
	if (!*name) {
		snprintf(err, OFS_ERRLEN, "model '%s' names no model after the provider", model);
		return NULL;
	}
	char url[2048];
	const char *base = o->base_url ? o->base_url : providers[k].base;
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	const char *path = wire == OFS_WIRE_ANTHROPIC ? "/v1/messages" : "/chat/completions";
	/* An Anthropic base URL given with /v1 already keeps a single /v1. */
	if (wire == OFS_WIRE_ANTHROPIC && bl >= 3 && !strncmp(base + bl - 3, "/v1", 3))
		path = "/messages";
	if (strncmp(base, "http://", 7) && strncmp(base, "https://", 8)) {
		snprintf(err, OFS_ERRLEN, "--base-url '%s' must start with http:// or https://", base);
		return NULL;
	}
	snprintf(url, sizeof url, "%.*s%s", (int)bl, base, path);
	const char *env = o->api_key_env ? o->api_key_env : k >= 0 ? providers[k].key_env : "OPENAI_API_KEY";
	const char *key = getenv(env);
	int local = is_loopback(url);
	if ((!key || !*key) && !local) {
		snprintf(err, OFS_ERRLEN, "model '%s' needs an API key: set %s in the environment%s", model, env,
		         o->api_key_env ? "" : " (or name another variable with --api-key-env)");
		return NULL;
	}
	struct http_provider *h = ofs_xcalloc(1, sizeof *h);
	h->base.ops = &http_ops;
	h->base.http = &h->t;
	h->t.wire = wire;
	h->t.url = ofs_xstrdup(url);
	h->t.api_key = key && *key ? ofs_xstrdup(key) : NULL;
	h->t.key_env = ofs_xstrdup(env);
	h->t.model = ofs_xstrdup(name);
	h->t.local = local;
	h->t.opts.model = h->t.model;
	h->t.opts.stream = o->stream;
	h->t.opts.max_tokens = o->max_tokens;
	h->t.opts.reasoning_effort = o->reasoning_effort ? ofs_xstrdup(o->reasoning_effort) : NULL;
	h->t.opts.temperature = -1; /* set per configuration by the engine */
	h->t.timeout_s = o->timeout_s > 0 ? o->timeout_s : 600;
	return &h->base;
}
