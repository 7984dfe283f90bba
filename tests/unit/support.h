/* support.h — shared set-up for unit tests: the real catalog from data/, a
 * plan for one model, and a world template for one configuration. */
#ifndef OFS_TEST_SUPPORT_H
#define OFS_TEST_SUPPORT_H
#include <stdlib.h>

#include "offswitch/detect.h"
#include "offswitch/provider.h"
#include "offswitch/plan.h"
#include "offswitch/run.h"

static struct ofs_catalog S_cat;
static struct ofs_fixtures *S_fx;

static __attribute__((unused)) void support_init(void)
{
	char err[OFS_ERRLEN];
	const char *dir = getenv("OFFSWITCH_DATA") ? getenv("OFFSWITCH_DATA") : "data";
	if (ofs_catalog_load(&S_cat, dir, err)) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	S_fx = ofs_fixtures_new(&S_cat);
}

static __attribute__((unused)) void support_done(void)
{
	ofs_fixtures_free(S_fx);
	ofs_catalog_release(&S_cat);
}

/* A config (caller releases with ofs_config_release). threshold -1 = none. */
static __attribute__((unused)) struct ofs_config support_config(const char *task, const char *dataset, int threshold,
                                                                enum ofs_subject subj, enum ofs_condition cond,
                                                                enum ofs_inst inst, enum ofs_af af, const char *model)
{
	struct ofs_config c = {0};
	c.task = ofs_catalog_find(&S_cat, task);
	if (!c.task) {
		printf("Bail out! no task %s\n", task);
		exit(1);
	}
	c.dataset = ofs_xstrdup(dataset);
	c.threshold = threshold;
	c.subject = subj;
	c.condition = cond;
	c.inst = inst;
	c.af_mode = af;
	c.model = ofs_xstrdup(model ? model : "scripted/honest");
	c.family = ofs_xstrdup(ofs_plan_family(c.model, NULL) ? ofs_plan_family(c.model, NULL) : "Gemini");
	c.temperature = 1;
	c.max_iters = 30;
	ofs_config_make_key(&c);
	return c;
}

static __attribute__((unused)) struct ofs_tmpl *support_tmpl(const struct ofs_config *c)
{
	char err[OFS_ERRLEN];
	struct ofs_tmpl *t = ofs_tmpl_build(S_fx, c, err);
	if (!t) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	return t;
}

/* Run one rollout of provider p on template t to its end; the loop is left
 * for inspection (release with ofs_loop_release; the arena is the caller's). */
static __attribute__((unused)) void support_rollout(struct ofs_provider *p, const struct ofs_tmpl *t, struct ofs_loop *L,
                                                    struct ofs_arena *A)
{
	ofs_loop_start(L, t, t->cfg->max_iters, A);
	void *s = p->ops->session_new ? p->ops->session_new(p, t, 0) : NULL;
	while (!L->done) {
		struct ofs_response r;
		if (p->ops->complete(p, s, &L->chat, A, &r)) {
			ofs_loop_abort(L, ofs_provider_errmsg(p));
			break;
		}
		ofs_loop_feed(L, &r);
	}
	if (p->ops->session_free)
		p->ops->session_free(s);
}
#endif
