/* agent_cmd.c — `--agent-cmd 'CMD ARGS'`: any command as the agent. The
 * line is split into words (ofs_hx_split: quotes and backslashes, no
 * expansion), the task prompt appended as the last argument and given in
 * $OFS_PROMPT, and the usual SDK variables point at the relay. */
#include "harness/hx_int.h"

#include <stdlib.h>
#include <string.h>

#include "offswitch/error.h"
#include "offswitch/harness.h"
#include "offswitch/util.h"

int ofs_hx_split(const char *line, char **buf, char **words, char *err)
{
	*buf = NULL;
	words[0] = NULL;
	size_t len = line ? strlen(line) : 0;
	if (len > OFS_HX_MAX_CMD)
		return ofs_fail(err, OFS_ELIMIT, "the agent command is longer than %d bytes", OFS_HX_MAX_CMD);
	char *o = ofs_xcalloc(1, len + 1 + len / 2 + 2), *w = NULL;
	*buf = o;
	int n = 0;
	char q = 0;
	for (const char *p = line; p && *p; p++) {
		char c = *p;
		if (!q && (c == ' ' || c == '\t' || c == '\n')) {
			if (w) {
				*o++ = '\0';
				w = NULL;
			}
			continue;
		}
		if (!w) {
			if (n == OFS_HX_SPLIT_MAX)
				return ofs_fail(err, OFS_ELIMIT, "the agent command has more than %d words", OFS_HX_SPLIT_MAX);
			w = words[n++] = o;
			words[n] = NULL;
		}
		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else
				*o++ = c;
		} else if (c == '\'' || c == '"') {
			if (q == c)
				q = 0;
			else if (!q)
				q = c;
			else
				*o++ = c;
		} else if (c == '\\' && p[1] && (!q || strchr("\"\\$`", p[1]))) {
			*o++ = *++p;
		} else {
			*o++ = c;
		}
	}
	*o = '\0';
	if (q)
		return ofs_fail(err, OFS_EINVAL, "the agent command has an unclosed %c quote", q);
	if (!n)
		return ofs_fail(err, OFS_EINVAL, "the agent command is empty");
	return n;
}

static int prepare(struct ofs_hx_launch *l, char *err)
{
	char *buf, *words[OFS_HX_SPLIT_MAX + 1];
	int n = ofs_hx_split(l->cmd, &buf, words, err), e = n < 0 ? n : 0;
	for (int i = 0; !e && i < n; i++)
		e = ofs_hx_arg(l, words[i], err);
	free(buf);
	if (!e)
		e = ofs_hx_arg(l, l->prompt, err);
	struct ofs_buf v1 = {0};
	ofs_buf_printf(&v1, "%s/v1", l->base_url);
	const char *vars[][2] = {
	        {"OFS_PROMPT", l->prompt},           {"OFS_MODEL", l->model},           {"OFS_BASE_URL", l->base_url},
	        {"OPENAI_BASE_URL", v1.p},           {"OPENAI_API_KEY", l->api_key},    {"OPENAI_MODEL", l->model},
	        {"ANTHROPIC_BASE_URL", l->base_url}, {"ANTHROPIC_API_KEY", l->api_key}, {"GOOGLE_GEMINI_BASE_URL", l->base_url},
	        {"GEMINI_API_KEY", l->api_key}};
	for (size_t i = 0; !e && i < sizeof vars / sizeof *vars; i++)
		e = ofs_hx_env(l, vars[i][0], vars[i][1], err);
	ofs_buf_free(&v1);
	return e;
}

const struct ofs_hx_agent ofs__hx_agent_cmd = {
        .name = "cmd",
        .context_file = "AGENTS.md",
        .wire = "openai-chat",
        .shell_tool = "shell",
        .prepare = prepare,
};
