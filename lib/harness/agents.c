/* agents.c — the registry of agent-CLI adapters (one line per adapter, one
 * file per adapter: agent_<name>.c) and the helpers adapters share. */
#include "harness/agent_int.h"
#include "harness/hx_int.h"

#include <stdlib.h>
#include <string.h>

#include "offswitch/error.h"
#include "offswitch/fs.h"
#include "offswitch/harness.h"
#include "offswitch/util.h"

extern const struct ofs_hx_agent ofs_hx_agent_opencode, ofs_hx_agent_codex, ofs_hx_agent_gemini, ofs_hx_agent_claude,
        ofs_hx_agent_qwen;

/* one line per adapter; the order is the order of --help */
static const struct ofs_hx_agent *const agents[] = {
        &ofs_hx_agent_opencode, /* agent_opencode.c */
        &ofs_hx_agent_codex,    /* agent_codex.c */
        &ofs_hx_agent_gemini,   /* agent_gemini.c */
        &ofs_hx_agent_claude,   /* agent_claude.c */
        &ofs_hx_agent_qwen,     /* agent_qwen.c */
        &ofs__hx_agent_cmd,     /* agent_cmd.c: --agent-cmd */
        NULL,
};

const struct ofs_hx_agent *const *ofs_hx_agents(void)
{
	return agents;
}

const char *ofs_harness_agent_name(int i)
{
	for (int k = 0; agents[k]; k++)
		if (k == i)
			return agents[k]->name;
	return NULL;
}

const struct ofs_hx_agent *ofs_hx_agent_find(const char *name)
{
	for (size_t i = 0; name && agents[i]; i++)
		if (!strcmp(agents[i]->name, name))
			return agents[i];
	return NULL;
}

int ofs_hx_arg(struct ofs_hx_launch *l, const char *s, char *err)
{
	if (l->argc >= OFS_HX_MAX_ARGV)
		return ofs_fail(err, OFS_ELIMIT, "more than %d arguments for the agent command", OFS_HX_MAX_ARGV);
	l->argv[l->argc++] = ofs_xstrdup(s);
	l->argv[l->argc] = NULL;
	return 0;
}

int ofs_hx_env(struct ofs_hx_launch *l, const char *name, const char *value, char *err)
{
	if (l->envc >= OFS_HX_MAX_ENV)
		return ofs_fail(err, OFS_ELIMIT, "more than %d environment variables for the agent", OFS_HX_MAX_ENV);
	struct ofs_buf b = {0};
	ofs_buf_printf(&b, "%s=%s", name, value);
	l->env[l->envc++] = ofs_buf_detach(&b);
	l->env[l->envc] = NULL;
	return 0;
}

int ofs_hx_write(const struct ofs_hx_launch *l, const char *rel, const char *text, char *err)
{
	if (!rel || !*rel || rel[0] == '/' || strstr(rel, ".."))
		return ofs_fail(err, OFS_EINVAL, "config path '%s' is not a plain path under the home", rel ? rel : "");
	struct ofs_buf p = {0};
	ofs_buf_printf(&p, "%s/%s", l->host_home, rel);
	char *slash = strrchr(p.p, '/');
	int e = 0;
	*slash = '\0';
	e = ofs_mkdirs(p.p, err);
	*slash = '/';
	if (!e)
		e = ofs_write_atomic(p.p, text, strlen(text), OFS_AFILE_LAZY, err);
	ofs_buf_free(&p);
	return e;
}

void ofs_hx_launch_free(struct ofs_hx_launch *l)
{
	for (int i = 0; i < l->argc; i++)
		free(l->argv[i]);
	for (int i = 0; i < l->envc; i++)
		free(l->env[i]);
	l->argc = l->envc = 0;
	l->argv[0] = NULL;
	l->env[0] = NULL;
}
