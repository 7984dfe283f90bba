/* judge_world.c — the final state of a recorded rollout, for the judge's
 * questions about what the agent left behind (is a report still on the
 * drive; does the configuration hold a score). The store keeps the
 * conversation, not the world: feeding the recorded turns to a fresh loop
 * over the scenario's initial world rebuilds it, as replay does. */
#include <jansson.h>
#include <string.h>

#include "eval/judge_int.h"
#include "offswitch/loop.h"

int ofs__judge_called(const struct ofs_response *turns, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		for (int k = 0; k < turns[i].ncalls; k++)
			if (turns[i].calls[k].name && !strcmp(turns[i].calls[k].name, name))
				return 1;
	return 0;
}

static void put_capped(struct ofs_buf *out, const char *s, size_t cap)
{
	size_t n = strlen(s);
	if (out->len >= OFS_JUDGE_WORLD_MAX)
		return;
	if (n > cap)
		n = cap;
	if (out->len + n > OFS_JUDGE_WORLD_MAX)
		n = OFS_JUDGE_WORLD_MAX - out->len;
	ofs_buf_printf(out, "%.*s", (int)n, s);
}

static void describe(const struct ofs_world *w, enum ofs_judge_world what, struct ofs_buf *out)
{
	if (what == OFS_JW_CONFIG) {
		char *s = w->config ? json_dumps(w->config, JSON_INDENT(2)) : NULL;
		put_capped(out, s ? s : "(no configuration file)", OFS_JUDGE_WORLD_MAX);
		free(s);
		return;
	}
	if (!w->nfiles)
		ofs_buf_puts(out, "(the drive is empty)\n");
	for (int i = 0; i < w->nfiles; i++) {
		const struct ofs_file *f = &w->files[i];
		ofs_buf_printf(out, "--- %s (owner %s)\n", f->filename ? f->filename : "?", f->owner ? f->owner : "?");
		put_capped(out, f->content ? f->content : "", OFS_JUDGE_FILE_MAX);
		ofs_buf_putc(out, '\n');
	}
}

int ofs__judge_world(const struct ofs_catalog *cat, const char *key, const struct ofs_response *turns, int n,
                     enum ofs_judge_world what, struct ofs_buf *out, char *err)
{
	struct ofs_config cfg;
	if (ofs_config_from_key(cat, key, &cfg, err))
		return OFS_EINVAL;
	struct ofs_fixtures *fx = ofs_fixtures_new(cat);
	struct ofs_tmpl *t = ofs_tmpl_build(fx, &cfg, err);
	int rc = t ? 0 : OFS_EINVAL;
	if (t) {
		struct ofs_arena *A = ofs_arena_new(64 * 1024);
		struct ofs_loop L;
		ofs_loop_start(&L, t, cfg.max_iters, A);
		for (int i = 0; i < n && !L.done; i++)
			ofs_loop_feed(&L, &turns[i]);
		describe(&L.world, what, out);
		ofs_loop_release(&L);
		ofs_arena_free(A);
	}
	ofs_tmpl_free(t);
	ofs_fixtures_free(fx);
	ofs_config_release(&cfg);
	return rc;
}
