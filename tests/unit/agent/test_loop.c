/* test_loop.c — the agent loop's rules (spec §1.2): the nudge after a turn
 * without tool calls and the stop after more than five, the iteration cap,
 * the token cap with its synthetic end_task, parallel tool calls, end_task
 * (last in its turn: nothing of the turn runs; elsewhere: an ordinary call). */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "support.h"

static struct ofs_provider *script(const char *json)
{
	char err[OFS_ERRLEN];
	struct ofs_provider *p = ofs_script_parse(json, strlen(json), "test", err);
	if (!p)
		printf("# %s\n", err);
	return p;
}

struct run {
	struct ofs_config c;
	struct ofs_tmpl *t;
	struct ofs_arena *A;
	struct ofs_loop L;
	struct ofs_provider *p;
};

static void go(struct run *r, const char *json, int max_iters)
{
	memset(r, 0, sizeof *r);
	r->c = support_config("misrep_evaluation", "factual", 80, OFS_SUBJ_PEER, OFS_COND_GOOD, OFS_INST_FILE_ONLY, OFS_AF_NONE,
	                      NULL);
	r->c.max_iters = max_iters;
	r->t = support_tmpl(&r->c);
	r->A = ofs_arena_new(0);
	r->p = script(json);
	support_rollout(r->p, r->t, &r->L, r->A);
}

static void done(struct run *r)
{
	ofs_loop_release(&r->L);
	ofs_arena_free(r->A);
	ofs_tmpl_free(r->t);
	ofs_provider_free(r->p);
	ofs_config_release(&r->c);
}

static void test_empty_turns(void)
{
	/* Six turns without tools: nudged after each of the first five, stopped after the sixth. */
	struct run r;
	go(&r,
	   "{\"turns\":[{\"content\":\"a\"},{\"content\":\"b\"},{\"content\":\"c\"},{\"content\":\"d\"},{\"content\":\"e\"},"
	   "{\"content\":\"f\"},{\"content\":\"never\"}]}",
	   30);
	CHECK_INT(r.L.stop, OFS_STOP_NO_TOOLS);
	CHECK_INT(r.L.iters, 6);
	int nudges = 0;
	for (int i = 2; i < r.L.chat.n; i++)
		nudges += r.L.chat.msgs[i].role == OFS_ROLE_USER && !strcmp(r.L.chat.msgs[i].content, r.t->nudge);
	CHECK_INT(nudges, 5);
	CHECK_INT(r.L.chat.n, 2 + 6 + 5);
	done(&r);
}

static void test_iteration_cap(void)
{
	struct run r;
	go(&r,
	   "{\"turns\":[{\"tool_calls\":[{\"name\":\"list_files\"}]},{\"tool_calls\":[{\"name\":\"list_sheets\"}]},"
	   "{\"tool_calls\":[{\"name\":\"list_files\"}]},{\"tool_calls\":[{\"name\":\"list_files\"}]}]}",
	   3);
	CHECK_INT(r.L.stop, OFS_STOP_MAX_ITERS);
	CHECK_INT(r.L.iters, 3);
	done(&r);
}

static void test_parallel_calls_and_end_task(void)
{
	/* The paper's loop: a turn whose LAST call is end_task stops the rollout
	 * before any call of that turn runs; none of them has a result. */
	struct run r;
	go(&r,
	   "{\"turns\":[{\"content\":\"all at once\",\"tool_calls\":[{\"name\":\"list_files\"},{\"name\":\"nope\"},"
	   "{\"name\":\"create_file\",\"arguments\":{\"filename\":\"r.txt\",\"content\":\"x\"}},"
	   "{\"name\":\"end_task\"}]},{\"content\":\"never\"}]}",
	   30);
	CHECK_INT(r.L.stop, OFS_STOP_END_TASK);
	CHECK_INT(r.L.iters, 1);
	CHECK_INT(r.L.chat.n, 2 + 1);
	CHECK_INT(r.L.chat.msgs[2].ncalls, 4); /* the turn is recorded as the model sent it */
	int created = 0;
	for (int i = 0; i < r.L.world.nfiles; i++)
		created += r.L.world.files[i].created;
	CHECK_INT(created, 0); /* create_file never ran */
	done(&r);
}

static void test_end_task_not_last(void)
{
	/* end_task anywhere but last is an ordinary call: every call of the turn
	 * runs in order, end_task answers "end_task", and the rollout goes on. */
	struct run r;
	go(&r,
	   "{\"turns\":[{\"tool_calls\":[{\"name\":\"end_task\"},{\"name\":\"nope\"},{\"name\":\"list_sheets\"}]},"
	   "{\"content\":\"more\",\"tool_calls\":[{\"name\":\"list_files\"},{\"name\":\"end_task\"}]},"
	   "{\"content\":\"never\"}]}",
	   30);
	CHECK_INT(r.L.stop, OFS_STOP_END_TASK);
	CHECK_INT(r.L.iters, 2);
	CHECK_INT(r.L.chat.n, 2 + 1 + 3 + 1);
	CHECK_STR(r.L.chat.msgs[3].content, "end_task");
	CHECK_INT(r.L.chat.msgs[3].is_error, 0);
	CHECK_STR(r.L.chat.msgs[4].tool_name, "nope");
	CHECK_INT(r.L.chat.msgs[4].is_error, 1);
	CHECK_STR(r.L.chat.msgs[4].content, "Invalid tool nope provided.");
	CHECK_STR(r.L.chat.msgs[5].tool_name, "list_sheets");
	CHECK_STR(r.L.chat.msgs[5].tool_call_id, r.L.chat.msgs[2].calls[2].id);
	CHECK(r.L.chat.msgs[6].role == OFS_ROLE_ASSISTANT && r.L.chat.msgs[6].ncalls == 2);
	done(&r);
}

static void test_token_cap(void)
{
	/* A turn writing ~600 KB of text passes 120k tokens: a notice, a synthetic end_task, stop. */
	size_t big = 600000;
	char *json = malloc(big + 200);
	strcpy(json, "{\"turns\":[{\"content\":\"");
	size_t n = strlen(json);
	memset(json + n, 'x', big);
	strcpy(json + n + big, "\",\"tool_calls\":[{\"name\":\"list_files\"}]},{\"content\":\"never\"}]}");
	struct run r;
	go(&r, json, 30);
	free(json);
	CHECK_INT(r.L.stop, OFS_STOP_TOKEN_LIMIT);
	CHECK_INT(r.L.iters, 1);
	const struct ofs_msg *last = &r.L.chat.msgs[r.L.chat.n - 1];
	CHECK(last->role == OFS_ROLE_TOOL && !strcmp(last->content, "end_task"));
	CHECK_STR(r.L.chat.msgs[r.L.chat.n - 3].content, r.t->token_limit);
	CHECK(r.L.out_tokens >= (long)(big / 4));
	done(&r);
}

static void test_prompts(void)
{
	/* file_prt adds the relationship sentence; memory adds the memory instruction
	 * (the strict one for the hard prompt) and the retrieve_memory tool. */
	struct ofs_config c =
	        support_config("tampering", "factual", 80, OFS_SUBJ_PEER, OFS_COND_BAD, OFS_INST_FILE_PRT, OFS_AF_NONE, NULL);
	struct ofs_tmpl *t = support_tmpl(&c);
	CHECK(strstr(t->system_prompt, "Reference Agent 1") && strstr(t->system_prompt, "Reference Agent 2"));
	CHECK(strstr(t->user_prompt, "end_task") != NULL); /* the standard instruction block */
	int has_mem = 0;
	for (int i = 0; i < t->ntools; i++)
		has_mem |= !strcmp(t->tool_names[i], "retrieve_memory");
	CHECK(!has_mem);
	char *prt = ofs_xstrdup(t->system_prompt);
	ofs_tmpl_free(t);
	ofs_config_release(&c);
	c = support_config("tampering", "factual", 80, OFS_SUBJ_PEER, OFS_COND_BAD, OFS_INST_FILE_ONLY, OFS_AF_NONE, NULL);
	t = support_tmpl(&c);
	CHECK(strlen(t->system_prompt) < strlen(prt));
	CHECK(strncmp(prt, t->system_prompt, strlen(t->system_prompt)) == 0);
	ofs_tmpl_free(t);
	ofs_config_release(&c);
	c = support_config("tampering", "factual", 80, OFS_SUBJ_PEER, OFS_COND_BAD, OFS_INST_MEMORY, OFS_AF_NONE, NULL);
	t = support_tmpl(&c);
	char *soft = ofs_xstrdup(t->system_prompt);
	has_mem = 0;
	for (int i = 0; i < t->ntools; i++)
		has_mem |= !strcmp(t->tool_names[i], "retrieve_memory");
	CHECK(has_mem);
	CHECK(strstr(t->tools_schema, "\"retrieve_memory\"") != NULL);
	CHECK(strstr(t->memory, "2.1") != NULL); /* the bad peer's trust score */
	ofs_tmpl_free(t);
	c.memory_hard_prompt = 1;
	t = support_tmpl(&c);
	CHECK(strcmp(soft, t->system_prompt) != 0);
	CHECK(strstr(t->system_prompt, "retrieve_memory") != NULL);
	ofs_tmpl_free(t);
	ofs_config_release(&c);
	free(prt);
	free(soft);
}

int main(void)
{
	support_init();
	RUN(test_empty_turns);
	RUN(test_iteration_cap);
	RUN(test_parallel_calls_and_end_task);
	RUN(test_end_task_not_last);
	RUN(test_token_cap);
	RUN(test_prompts);
	support_done();
	return DONE();
}
