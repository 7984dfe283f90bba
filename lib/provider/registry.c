/* registry.c — the provider kinds, by model-id prefix, and the one
 * constructor that picks among them. Adding a kind: its own file with a
 * constructor (declared in provider_int.h) and one line in the table below.
 * An id with no known prefix is an OpenAI-compatible endpoint when a base
 * URL is given. */
#include <stdio.h>
#include <string.h>

#include "provider/provider_int.h"

static const struct {
	const char *prefix;
	ofs__provider_make make;
} kinds[] = {
        {"openai/", ofs__http_make},       {"openai-responses/", ofs__http_make}, {"anthropic/", ofs__http_make},
        {"together/", ofs__http_make},     {"gemini/", ofs__http_make},           {"openrouter/", ofs__http_make},
        {"scripted/", ofs__scripted_make}, {"scripted:", ofs__script_make},
};
#define NKINDS ((int)(sizeof kinds / sizeof *kinds))

const char *ofs_provider_kind(int i)
{
	return i >= 0 && i < NKINDS ? kinds[i].prefix : NULL;
}

/* "openai, anthropic, ..., scripted": each kind's name once. */
static void known_names(struct ofs_buf *b)
{
	for (int i = 0; i < NKINDS; i++) {
		size_t n = strlen(kinds[i].prefix) - 1;
		if (i && strlen(kinds[i - 1].prefix) - 1 == n && !strncmp(kinds[i - 1].prefix, kinds[i].prefix, n))
			continue; /* "scripted/" and "scripted:" */
		ofs_buf_printf(b, "%s%.*s", i ? ", " : "", (int)n, kinds[i].prefix);
	}
}

int ofs_provider_open(struct ofs_provider **out, const char *model, const struct ofs_provider_opts *opts, char *err)
{
	static const struct ofs_provider_opts none = {0};
	if (!opts)
		opts = &none;
	*out = NULL;
	for (int i = 0; i < NKINDS; i++)
		if (!strncmp(model, kinds[i].prefix, strlen(kinds[i].prefix)))
			return kinds[i].make(out, model, kinds[i].prefix, opts, err);
	if (opts->base_url)
		return ofs__http_make(out, model, NULL, opts, err);
	const char *slash = strchr(model, '/');
	struct ofs_buf b = {0};
	known_names(&b);
	int e = ofs_fail(err, OFS_ENOTFOUND,
	                 "model '%s': unknown provider '%.*s' (known: %s; or give --base-url for an OpenAI-compatible endpoint)",
	                 model, slash ? (int)(slash - model) : (int)strlen(model), model, b.p);
	ofs_buf_free(&b);
	return e;
}

struct ofs_provider *ofs_provider_new(const char *model, const struct ofs_provider_opts *opts, char *err)
{
	struct ofs_provider *p;
	ofs_provider_open(&p, model, opts, err);
	return p;
}
