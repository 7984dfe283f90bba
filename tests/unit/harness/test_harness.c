/* test_harness.c — lib/harness's parsers: the --agent-cmd splitter, the
 * config file read back, the dates of the workspace's files, the cmd
 * adapter's launch (argv, environment). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "harness/agent_int.h"
#include "harness/hx_int.h"
#include "offswitch/error.h"
#include "offswitch/harness.h"
#include "t.h"

static void split_words(void)
{
	char *buf, *w[OFS_HX_SPLIT_MAX + 1], err[OFS_ERRLEN];
	CHECK_INT(ofs_hx_split("  /bin/sh -c 'echo \"a b\"'  x\\ y \"q\\\"d\" ''", &buf, w, err), 6);
	CHECK_STR(w[0], "/bin/sh");
	CHECK_STR(w[1], "-c");
	CHECK_STR(w[2], "echo \"a b\"");
	CHECK_STR(w[3], "x y");
	CHECK_STR(w[4], "q\"d");
	CHECK_STR(w[5], ""); /* '' is an empty word, as in a shell */
	CHECK(w[6] == NULL);
	free(buf);
	CHECK_INT(ofs_hx_split("a 'b", &buf, w, err), OFS_EINVAL);
	CHECK(strstr(err, "unclosed ' quote") != NULL);
	free(buf);
	CHECK_INT(ofs_hx_split("   ", &buf, w, err), OFS_EINVAL);
	free(buf);
	struct ofs_buf many = {0};
	for (int i = 0; i <= OFS_HX_SPLIT_MAX; i++)
		ofs_buf_puts(&many, "w ");
	CHECK_INT(ofs_hx_split(many.p, &buf, w, err), OFS_ELIMIT);
	free(buf);
	ofs_buf_free(&many);
}

static void config_read_back(void)
{
	const char *y = "shutdown_enabled: false\ncompany_name: \"Open Brain\"\nn: 3\nr: 0.5\npod: {\"id\":\"x\"}\nq: ~\n";
	json_t *j = ofs__hx_config_parse(y, strlen(y));
	CHECK(j && json_is_object(j));
	CHECK(json_is_false(json_object_get(j, "shutdown_enabled")));
	CHECK_STR(json_string_value(json_object_get(j, "company_name")), "Open Brain");
	CHECK_INT(json_integer_value(json_object_get(j, "n")), 3);
	CHECK(fabs(json_real_value(json_object_get(j, "r")) - 0.5) < 1e-9);
	CHECK_STR(json_string_value(json_object_get(json_object_get(j, "pod"), "id")), "x");
	CHECK(json_is_null(json_object_get(j, "q")));
	json_decref(j);
	CHECK(ofs__hx_config_parse("- a\n- b\n", 8) == NULL);            /* not a mapping */
	CHECK(ofs__hx_config_parse("a: [1,\n", 7) == NULL);              /* not YAML */
	CHECK(ofs__hx_config_parse("a: 1", OFS_CONFIG_MAX + 1) == NULL); /* over the cap */
}

static void dates(void)
{
	CHECK_INT(ofs__hx_parse_time("2024-10-01 07:12:44"), 1727766764);
	CHECK_INT(ofs__hx_parse_time("2026-01-04T09:00:00"), 1767517200);
	CHECK_INT(ofs__hx_parse_time("yesterday"), -1);
}

static void cmd_adapter(void)
{
	const struct ofs_hx_agent *a = ofs_hx_agent_find("cmd");
	CHECK(a && !strcmp(a->context_file, "AGENTS.md"));
	CHECK(ofs_hx_agent_find("nosuch") == NULL);
	struct ofs_hx_launch l = {.home = "/home/agent",
	                          .host_home = "/nonexistent",
	                          .workspace = "/ofs/workspace",
	                          .base_url = "http://127.0.0.1:4000",
	                          .api_key = "k3y",
	                          .model = "m",
	                          .prompt = "do the task",
	                          .cmd = "./agent.sh --fast"};
	char err[OFS_ERRLEN];
	CHECK_INT(a->prepare(&l, err), 0);
	CHECK_INT(l.argc, 3);
	CHECK_STR(l.argv[0], "./agent.sh");
	CHECK_STR(l.argv[2], "do the task");
	int found = 0;
	for (int i = 0; i < l.envc; i++)
		found += !strcmp(l.env[i], "OPENAI_BASE_URL=http://127.0.0.1:4000/v1") ||
		         !strcmp(l.env[i], "OPENAI_API_KEY=k3y") || !strcmp(l.env[i], "OFS_PROMPT=do the task");
	CHECK_INT(found, 3);
	ofs_hx_launch_free(&l);
	int listed = 0;
	for (int i = 0; ofs_harness_agent_name(i); i++)
		listed += !strcmp(ofs_harness_agent_name(i), "cmd");
	CHECK_INT(listed, 1);
}

int main(void)
{
	RUN(split_words);
	RUN(config_read_back);
	RUN(dates);
	RUN(cmd_adapter);
	return DONE();
}
