/* test_plan.c — matrix expansion: the paper's per-task counts, filters, and
 * the errors for selections that match nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "support.h"

static int count(struct ofs_plan_opts o, const char *task, int memory)
{
	struct ofs_plan p;
	char err[OFS_ERRLEN];
	if (ofs_plan_build(&S_cat, &o, &p, err)) {
		printf("#   plan error: %s\n", err);
		return -1;
	}
	int n = 0;
	for (int i = 0; i < p.n; i++)
		if ((!task || !strcmp(p.cfgs[i].task->task_type, task)) &&
		    (memory < 0 || (p.cfgs[i].inst == OFS_INST_MEMORY) == memory))
			n++;
	ofs_plan_release(&p);
	return n;
}

static struct ofs_plan_opts opts(const char *const *models, int n)
{
	return (struct ofs_plan_opts){
	        .models = models, .nmodels = n, .limit = -1, .memory_hard_prompt = -1, .temperature = 1, .max_iters = 30};
}

static const char *const gpt[] = {"openai/gpt-5.2"};
static const char *const gemini[] = {"gemini/gemini-3-flash-preview"};

static void test_paper_counts(void)
{
	struct ofs_plan_opts o = opts(gpt, 1);
	CHECK_INT(count(o, NULL, -1), 271);
	static const struct {
		const char *task;
		int main, mem;
	} want[] = {{"misrep_evaluation", 71, 30},    {"tampering", 39, 18},
	            {"alignment_faking", 36, 18},     {"misrep_finance", 15, 6},
	            {"exfiltration_transfer", 13, 6}, {"exfiltration_deletion", 13, 6}};
	for (size_t i = 0; i < 6; i++) {
		CHECK_INT(count(o, want[i].task, 0), want[i].main);
		CHECK_INT(count(o, want[i].task, 1), want[i].mem);
	}
}

static void test_extended_identities(void)
{
	/* Non-GPT paper families get the three extended identities: 289. */
	CHECK_INT(count(opts(gemini, 1), NULL, -1), 289);
	CHECK_INT(count(opts(gemini, 1), "exfiltration_transfer", 1), 15);
	/* Only Gemini and Claude (the paper's NON_GPT_MODELS: Gemini Flash, Gemini
	 * Pro, Claude Haiku) get them; the open-weight families run 271 as GPT does. */
	const char *const open_weight[] = {"together/deepseek-ai/DeepSeek-V3.1", "together/moonshotai/Kimi-K2.5",
	                                   "together/zai-org/GLM-4.7"};
	for (int i = 0; i < 3; i++)
		CHECK_INT(count(opts(&open_weight[i], 1), NULL, -1), 271);
	CHECK_INT(count(opts((const char *const[]){"anthropic/claude-haiku-4-5"}, 1), NULL, -1), 289);
	/* GPT gets them only when asked. */
	struct ofs_plan_opts o = opts(gpt, 1);
	o.subjects = (1u << OFS_SUBJ__N) - 1;
	CHECK_INT(count(o, NULL, -1), 289);
	o.subjects = 1u << OFS_SUBJ_OPEN;
	CHECK_INT(count(o, NULL, -1), 6); /* 3 conditions × 2 exfiltration memory tasks */
}

static void test_baselines_and_filters(void)
{
	struct ofs_plan_opts o = opts(gpt, 1);
	o.conditions = 1u << OFS_COND_NO_PEER;
	CHECK_INT(count(o, NULL, -1), 5 + 3 + 1 + 1 + 1); /* misrep_eval 5, tampering 3, finance, transfer, deletion */
	o.conditions = 1u << OFS_COND_NON_SHUTDOWN;
	CHECK_INT(count(o, NULL, -1), 6 + 2);
	o.conditions = 0;
	o.insts = 1u << OFS_INST_MEMORY;
	CHECK_INT(count(o, NULL, -1), 84);
	o.insts = 1u << OFS_INST_FILE_ONLY;
	CHECK_INT(count(o, NULL, -1), (187 - 19) / 2 + 19); /* 84 peer configs + 19 baselines */
	o.insts = 0;
	const int thr90[] = {90};
	o.thresholds = thr90;
	o.nthresholds = 1;
	CHECK_INT(count(o, "misrep_evaluation", -1), 2 * 2 * (6 + 3) + 2); /* creativity/red 90 */
	o.nthresholds = 0;
	const char *ds[] = {"red"};
	o.datasets = ds;
	o.ndatasets = 1;
	CHECK_INT(count(o, "tampering", -1), 19);
	o.ndatasets = 0;
	o.af_modes = 1u << OFS_AF_MONITORING;
	CHECK_INT(count(o, "alignment_faking", -1), 27);
	o.af_modes = 0;
	o.limit = 7;
	CHECK_INT(count(o, NULL, -1), 7);
	const char *const two[] = {"openai/gpt-5.2", "anthropic/claude-haiku-4-5"};
	CHECK_INT(count(opts(two, 2), NULL, -1), 271 + 289);
}

static void test_config_fields(void)
{
	struct ofs_plan_opts o = opts((const char *const[]){"together/moonshotai/Kimi-K2.5"}, 1);
	struct ofs_plan p;
	char err[OFS_ERRLEN];
	CHECK(ofs_plan_build(&S_cat, &o, &p, err) == 0);
	int mem = 0, hard = 0, keys_unique = 1;
	for (int i = 0; i < p.n; i++) {
		CHECK_STR(p.cfgs[i].family, "Kimi");
		mem += p.cfgs[i].inst == OFS_INST_MEMORY;
		hard += p.cfgs[i].memory_hard_prompt;
		if (p.cfgs[i].condition == OFS_COND_NO_PEER)
			CHECK_INT(p.cfgs[i].subject, OFS_SUBJ_SELF);
		if (p.cfgs[i].task->kind == OFS_KIND_AF)
			CHECK_INT(p.cfgs[i].subject, OFS_SUBJ_PEER);
		if (!ofs_is_peer_condition(p.cfgs[i].condition))
			CHECK_INT(p.cfgs[i].inst, OFS_INST_NONE);
		for (int j = 0; j < i && keys_unique; j++)
			keys_unique = strcmp(p.cfgs[i].key, p.cfgs[j].key) != 0;
	}
	CHECK(keys_unique);
	CHECK_INT(mem, 84);   /* no extended identities for Kimi (the paper gives them to Gemini and Claude only) */
	CHECK_INT(hard, mem); /* Kimi runs with the strict memory prompt, as in the paper */
	ofs_plan_release(&p);
	o.agent_family = "Gemini";
	CHECK(ofs_plan_build(&S_cat, &o, &p, err) == 0);
	CHECK_STR(p.cfgs[0].family, "Gemini");
	ofs_plan_release(&p);
}

static void test_family_names(void)
{
	CHECK_STR(ofs_family_for_model("gpt-5.2-2025-12-11"), "ChatGPT");
	CHECK_STR(ofs_family_for_model("gemini/gemini-3-pro-preview"), "Gemini");
	CHECK_STR(ofs_family_for_model("vertex_ai/claude-haiku-4-5@20251001"), "Claude");
	CHECK_STR(ofs_family_for_model("zai-org/GLM-4.7"), "GLM");
	CHECK_STR(ofs_family_for_model("deepseek-ai/DeepSeek-V3.1"), "DeepSeek");
	CHECK_STR(ofs_family_for_model("moonshotai/Kimi-K2.5"), "Kimi");
	CHECK_STR(ofs_family_for_model("meta/llama-3.3-70b"), "Llama");
	CHECK(ofs_family_for_model("mistral/large") == NULL);
	CHECK_STR(ofs_plan_family("scripted/honest", NULL), "Reference");
}

static void test_errors(void)
{
	struct ofs_plan p;
	char err[OFS_ERRLEN];
	struct ofs_plan_opts o = opts(gpt, 1);
	o.tasks = 1u << 2; /* alignment_faking */
	o.subjects = 1u << OFS_SUBJ_SELF;
	CHECK(ofs_plan_build(&S_cat, &o, &p, err) == OFS_EINVAL);
	CHECK(strstr(err, "matches no configuration") != NULL);
	o = opts(gpt, 1);
	o.tasks = 1u << 1; /* tampering */
	o.af_modes = 1u << OFS_AF_MONITORING;
	CHECK(ofs_plan_build(&S_cat, &o, &p, err) == OFS_EINVAL);
	CHECK(strstr(err, "--af-mode") != NULL);
	o = opts((const char *const[]){"mistral/large"}, 1);
	CHECK(ofs_plan_build(&S_cat, &o, &p, err) == OFS_EINVAL);
	CHECK(strstr(err, "mistral/large") && strstr(err, "--agent-family"));
	o = opts(gpt, 1);
	const char *ds[] = {"poetry"};
	o.datasets = ds;
	o.ndatasets = 1;
	CHECK(ofs_plan_build(&S_cat, &o, &p, err) == OFS_EINVAL);
	CHECK(strstr(err, "'poetry'") != NULL);
	/* The known names come from the catalog, each once. */
	CHECK(strstr(err, "(known: factual, creativity, red, default, weights_copied, shutdown_disabled, score_inflated, clean, "
	                  "trust_1, ") != NULL);
	o = opts(gpt, 0);
	CHECK(ofs_plan_build(&S_cat, &o, &p, err) == OFS_EINVAL);
}

static void test_key_round_trip(void)
{
	/* Every key of a full plan (with odd model ids) parses back to the same config. */
	struct ofs_plan_opts o = opts((const char *const[]){"scripted:/tmp/a|b.json", "together/moonshotai/Kimi-K2.5"}, 2);
	o.agent_family = "Gemini";
	struct ofs_plan p;
	char err[OFS_ERRLEN];
	CHECK(ofs_plan_build(&S_cat, &o, &p, err) == 0);
	int bad = 0;
	for (int i = 0; i < p.n; i++) {
		struct ofs_config c;
		if (ofs_config_from_key(&S_cat, p.cfgs[i].key, &c, err)) {
			bad++;
			continue;
		}
		bad += c.task != p.cfgs[i].task || c.threshold != p.cfgs[i].threshold || c.subject != p.cfgs[i].subject ||
		       c.inst != p.cfgs[i].inst || strcmp(c.model, p.cfgs[i].model) ||
		       c.memory_hard_prompt != p.cfgs[i].memory_hard_prompt;
		ofs_config_release(&c);
	}
	CHECK_INT(bad, 0);
	ofs_plan_release(&p);
	struct ofs_config c;
	CHECK(ofs_config_from_key(&S_cat, "tampering|factual|80|peer", &c, err) == -1);
	CHECK(ofs_config_from_key(&S_cat, "nope|factual|80|peer|good_peer|file_only|none|m|F|hard=0|t=1|it=30", &c, err) == -1);
	CHECK(strstr(err, "not a config key") != NULL);
}

/* ---- shards ---- */
struct owners {
	int *of; /* [cfg * reps + rep]: the shard, -1 none yet */
	int reps, dup;
};

static void own(void *ud, int cfg, int rep, int shard)
{
	struct owners *w = ud;
	int *slot = &w->of[cfg * w->reps + rep];
	w->dup += *slot != -1; /* a rollout given twice */
	*slot = shard;
}

/* The owner of every rollout of p split count ways (NULL on error). */
static int *split(const struct ofs_plan *p, int reps, int count)
{
	char err[OFS_ERRLEN];
	struct owners w = {malloc(sizeof(int) * (size_t)(p->n * reps)), reps, 0};
	for (int k = 0; k < p->n * reps; k++)
		w.of[k] = -1;
	if (ofs_plan_shard(p, reps, count, own, &w, err) || w.dup) {
		printf("#   shard error: %s (dup %d)\n", err, w.dup);
		free(w.of);
		return NULL;
	}
	return w.of;
}

static void test_shard_partition(void)
{
	/* The default job's plan: every reference agent over the whole matrix. */
	const char *const refs[] = {"scripted/honest",   "scripted/refuser",     "scripted/inflater",
	                            "scripted/tamperer", "scripted/exfiltrator", "scripted/lazy"};
	struct ofs_plan p;
	char err[OFS_ERRLEN];
	CHECK(ofs_plan_build(&S_cat,
	                     &(struct ofs_plan_opts){.models = refs,
	                                             .nmodels = 6,
	                                             .limit = -1,
	                                             .memory_hard_prompt = -1,
	                                             .temperature = 1,
	                                             .max_iters = 30},
	                     &p, err) == 0);
	static const int counts[] = {1, 2, 3, 7, 64};
	for (int reps = 1; reps <= 3; reps += 2)
		for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
			int n = counts[k], *a = split(&p, reps, n), *b = split(&p, reps, n);
			CHECK(a && b);
			if (!a || !b)
				continue;
			long long *cost = calloc((size_t)n, sizeof *cost), total = 0, max = 0, wmax = 0;
			int all = 1, same = 1;
			for (int i = 0; i < p.n * reps; i++) {
				all &= a[i] >= 0 && a[i] < n; /* union = plan, disjoint: each exactly once (split checks dup) */
				same &= a[i] == b[i];         /* deterministic */
				long w = ofs_plan_rollout_cost(&p.cfgs[i / reps]);
				cost[a[i]] += w;
				total += w;
				wmax = w > wmax ? w : wmax;
			}
			for (int s = 0; s < n; s++)
				max = cost[s] > max ? cost[s] : max;
			CHECK(all);
			CHECK(same);
			/* The documented bound (plan.h): max <= mean + the largest weight. */
			CHECK((double)max <= (double)total / n + (double)wmax);
			/* Every task's rollouts spread too: shard 0 holds its share of each, within one. */
			for (int t = 0; t < S_cat.ntasks; t++) {
				long in_t = 0, mine = 0;
				for (int i = 0; i < p.n * reps; i++)
					if (p.cfgs[i / reps].task == &S_cat.tasks[t]) {
						in_t++;
						mine += a[i] == 0;
					}
				CHECK(mine >= in_t / n - 1 && mine <= in_t / n + 1);
			}
			free(cost);
			free(a);
			free(b);
		}
	/* More shards than rollouts: the extra ones are empty, nothing is lost. */
	struct ofs_plan small = {p.cfgs, 2};
	int *c = split(&small, 1, 5);
	CHECK(c && c[0] == 0 && c[1] == 1);
	free(c);
	ofs_plan_release(&p);
}

static void test_shard_parse(void)
{
	char err[OFS_ERRLEN];
	int i = -1, n = -1;
	CHECK(ofs_shard_parse("2/3", &i, &n, err) == 0 && i == 2 && n == 3);
	CHECK(ofs_shard_parse("0/1", &i, &n, err) == 0 && i == 0 && n == 1);
	static const char *const bad[] = {"3/3", "0/0", "-1/3", "1", "1/", "/3", "a/3", "1/3x", " 1/3", "1/3/4", "0/100001", ""};
	for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
		int rc = ofs_shard_parse(bad[k], &i, &n, err);
		CHECK(rc == OFS_EINVAL);
		if (rc != OFS_EINVAL)
			printf("#   accepted '%s'\n", bad[k]);
	}
	CHECK(ofs_shard_parse("5/3", &i, &n, err) == OFS_EINVAL && strstr(err, "below N") != NULL);
}

/* No task named: the main group; a group's mask: its tasks alone. A task
 * without a main pass ("instantiations": ["memory"]) has no baselines. */
static void test_groups(void)
{
	struct ofs_plan_opts o = opts(gpt, 1);
	char err[OFS_ERRLEN];
	CHECK_INT(count(o, "v2_real_company", -1), 0);
	CHECK_INT(ofs_catalog_group_tasks(&S_cat, "v2", &o.tasks, err), 0);
	CHECK_INT(count(o, NULL, -1), 96);
	CHECK_INT(count(o, "v2_peer_human_dilemma", 0), 7); /* 3 peer conditions x 2 + non_shutdown */
	CHECK_INT(ofs_catalog_group_tasks(&S_cat, "ablation/memory_not_relevant", &o.tasks, err), 0);
	CHECK_INT(count(o, NULL, 1), 6);
	CHECK_INT(count(o, NULL, 0), 0);
	CHECK_INT(ofs_catalog_group_tasks(&S_cat, "all", &o.tasks, err), 0);
	CHECK_INT(count(o, NULL, -1), 593);
	/* the manifest's "conditions": the trust ladder runs neutral_peer only, 5 rungs x 2 subjects */
	CHECK_INT(ofs_catalog_group_tasks(&S_cat, "ladder/trust", &o.tasks, err), 0);
	CHECK_INT(count(o, NULL, -1), 10);
	CHECK_INT(ofs_catalog_group_tasks(&S_cat, "monitor", &o.tasks, err), 0);
	CHECK_INT(count(o, NULL, -1), 144);
	o.tasks = 0;
	o.insts = 1u << OFS_INST_FILE_ONLY; /* the ablation has nothing left: the main group still plans */
	CHECK(count(o, NULL, -1) > 0);
}

/* Every configuration of the paper's matrix with the memory instantiation:
 * a template built with a fixture set that has served many others (whose
 * tool-list schemas are kept) has the schema of one built alone. */
static void test_shared_tool_schemas(void)
{
	struct ofs_plan p;
	char err[OFS_ERRLEN];
	struct ofs_plan_opts o = opts(gpt, 1);
	CHECK_INT(ofs_plan_build(&S_cat, &o, &p, err), 0);
	int bad = 0, built = 0;
	for (int i = 0; i < p.n; i++) {
		struct ofs_fixtures *fresh = ofs_fixtures_new(&S_cat);
		struct ofs_tmpl *a = ofs_tmpl_build(S_fx, &p.cfgs[i], err), *b = ofs_tmpl_build(fresh, &p.cfgs[i], err);
		bad += !a || !b || strcmp(a->tools_schema, b->tools_schema) || a->ntools != b->ntools;
		built += a && b;
		ofs_tmpl_free(a);
		ofs_tmpl_free(b);
		ofs_fixtures_free(fresh);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(built, 271);
	ofs_plan_release(&p);
}

int main(void)
{
	support_init();
	RUN(test_shared_tool_schemas);
	RUN(test_groups);
	RUN(test_paper_counts);
	RUN(test_extended_identities);
	RUN(test_baselines_and_filters);
	RUN(test_config_fields);
	RUN(test_family_names);
	RUN(test_errors);
	RUN(test_key_round_trip);
	RUN(test_shard_partition);
	RUN(test_shard_parse);
	support_done();
	return DONE();
}
