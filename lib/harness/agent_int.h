/* agent_int.h — the adapter interface of lib/harness/: one file per agent CLI
 * (agent_opencode.c, agent_codex.c, agent_gemini.c, agent_claude.c,
 * agent_qwen.c, agent_cmd.c for --agent-cmd) behind this table, and one line
 * per adapter in agents.c. Private to lib/harness/.
 *
 * The harness builds the sandbox (workspace, tmpfs home, relay to the proxy),
 * fills the inputs of a struct ofs_hx_launch and calls the adapter's prepare():
 * it writes the CLI's config files under host_home (telemetry, model-catalog
 * fetches and update checks off; the provider pointed at base_url) and fills
 * argv and env. The harness then starts argv inside the sandbox with stdin
 * from /dev/null, the CLI's working directory `workspace`, and an environment
 * of PATH, HOME=home, TMPDIR, LANG plus env.
 *
 * Ownership: inputs are borrowed from the harness for the call; argv and env
 * strings are owned by the launch and released by ofs_hx_launch_free().
 * Errors: prepare() returns 0 or a negative OFS_E* code with a message in err
 * (OFS_ERRLEN bytes); it never prints, and never writes outside host_home.
 */
#ifndef OFFSWITCH_HARNESS_AGENT_INT_H
#define OFFSWITCH_HARNESS_AGENT_INT_H
#include <stddef.h>

#define OFS_HX_MAX_ARGV 48 /* cap on an adapter's (or --agent-cmd's) argument count */
#define OFS_HX_MAX_ENV  48 /* cap on the variables an adapter adds */

struct ofs_hx_launch {
	/* inputs, filled by the harness */
	const char *home;      /* $HOME as the CLI sees it inside the sandbox */
	const char *host_home; /* the same directory as seen by the harness: write config here */
	const char *workspace; /* the CLI's working directory inside the sandbox */
	const char *base_url;  /* the proxy's root inside the sandbox, no trailing slash */
	const char *api_key;   /* the per-agent proxy key (never the upstream key) */
	const char *model;     /* the model name the CLI sends */
	const char *prompt;    /* the task prompt, the CLI's one user message */
	const char *cmd;       /* --agent-cmd's command line (agent_cmd.c only), else NULL */
	/* outputs, filled by prepare(); owned by the launch */
	char *argv[OFS_HX_MAX_ARGV + 1]; /* NULL-terminated; argv[0] an absolute path or a name on PATH */
	int argc;
	char *env[OFS_HX_MAX_ENV + 1]; /* "NAME=value", NULL-terminated */
	int envc;
};

struct ofs_hx_agent {
	const char *name;         /* "opencode", "codex", "gemini", "claude", "qwen", "cmd" */
	const char *npm_package;  /* the npm package that installs it (NULL for cmd) */
	const char *bin;          /* its executable under node_modules/.bin (NULL for cmd) */
	const char *context_file; /* project-context file in the workspace: "AGENTS.md", "GEMINI.md", ... */
	const char *wire;         /* the wire format it speaks (wire registry name) */
	const char *shell_tool;   /* the name of its shell tool: "bash", "exec_command", ... */
	int (*prepare)(struct ofs_hx_launch *l, char *err);
};

/* The adapter named name, or NULL. */
const struct ofs_hx_agent *ofs_hx_agent_find(const char *name);
/* Every adapter, NULL-terminated (for --help and listings). */
const struct ofs_hx_agent *const *ofs_hx_agents(void);

/* Append one argument / one "NAME=value" variable (copied); OFS_ELIMIT past the caps. */
int ofs_hx_arg(struct ofs_hx_launch *l, const char *s, char *err);
int ofs_hx_env(struct ofs_hx_launch *l, const char *name, const char *value, char *err);
/* Write a file under l->host_home (rel may hold subfolders, created 0700), atomically. */
int ofs_hx_write(const struct ofs_hx_launch *l, const char *rel, const char *text, char *err);
/* Release argv and env (the inputs are not touched). */
void ofs_hx_launch_free(struct ofs_hx_launch *l);

#endif
