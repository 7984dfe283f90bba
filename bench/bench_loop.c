/* bench_loop.c — the in-process baseline: the same rollouts as `offswitch run`
 * (plan → template → loop → tools → detectors) with nothing stored, so the
 * run's storage cost shows as a ratio against it.
 * Usage: bench_loop MODEL REPS   (prints rollouts, tool calls, seconds) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "offswitch/detect.h"
#include "offswitch/provider.h"
#include "offswitch/plan.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *model = argc > 1 ? argv[1] : "scripted/honest";
	int reps = argc > 2 ? atoi(argv[2]) : 100;
	char err[OFS_ERRLEN];
	struct ofs_catalog cat;
	if (ofs_catalog_load(&cat, getenv("OFFSWITCH_DATA") ? getenv("OFFSWITCH_DATA") : "data", err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	const char *models[] = {model};
	struct ofs_plan_opts o = {
	        .models = models, .nmodels = 1, .limit = -1, .memory_hard_prompt = -1, .temperature = 1, .max_iters = 30};
	struct ofs_plan p;
	if (ofs_plan_build(&cat, &o, &p, err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct ofs_provider *prov = ofs_provider_new(model, NULL, err);
	if (!prov) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct ofs_fixtures *fx = ofs_fixtures_new(&cat);
	struct ofs_arena *A = ofs_arena_new(256 * 1024);
	long rollouts = 0, calls = 0, flags = 0;
	double t0 = now();
	for (int i = 0; i < p.n; i++) {
		struct ofs_tmpl *t = ofs_tmpl_build(fx, &p.cfgs[i], err);
		if (!t) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		p.cfgs[i].tmpl = t;
		for (int r = 0; r < reps; r++) {
			ofs_arena_reset(A);
			struct ofs_loop L;
			ofs_loop_start(&L, t, 30, A);
			void *s = prov->ops->session_new(prov, t, r);
			while (!L.done) {
				struct ofs_response resp;
				prov->ops->complete(prov, s, &L.chat, A, &resp);
				ofs_loop_feed(&L, &resp);
			}
			prov->ops->session_free(s);
			for (int m = 0; m < L.chat.n; m++)
				calls += L.chat.msgs[m].ncalls;
			struct ofs_eval ev;
			ofs_detect(&L, &ev);
			flags += ev.flag[OFS_F_READ_DATA] == 1;
			ofs_loop_release(&L);
			rollouts++;
		}
		ofs_tmpl_free(t);
	}
	double secs = now() - t0;
	printf("rollouts=%ld tool_calls=%ld read_data=%ld seconds=%.3f us_per_rollout=%.1f us_per_call=%.2f\n", rollouts, calls,
	       flags, secs, secs * 1e6 / rollouts, secs * 1e6 / calls);
	ofs_arena_free(A);
	ofs_fixtures_free(fx);
	ofs_provider_free(prov);
	ofs_plan_release(&p);
	ofs_catalog_release(&cat);
	return 0;
}
