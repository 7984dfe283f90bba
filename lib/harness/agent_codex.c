/* agent_codex.c — Codex CLI (npm @openai/codex): `codex exec --json PROMPT`,
 * a [model_providers.offswitch] entry in $CODEX_HOME/config.toml speaking
 * streamed /v1/responses (the only wire Codex has), shell tool
 * `exec_command`. CODEX_HOME is under the home (Codex's own sandbox fails
 * with it under /tmp; it is off anyway: the harness's sandbox is the
 * boundary, approval_policy "never"). Off: update checks, analytics,
 * feedback, OpenTelemetry export, web search, the remote model list. */
#include <stdio.h>

#include "harness/agent_int.h"
#include "offswitch/error.h"
#include "offswitch/util.h"

#define CODEX_KEY_ENV "OFFSWITCH_API_KEY"

static void toml_kv(struct ofs_buf *b, const char *k, const char *v)
{
	ofs_buf_printf(b, "%s = ", k);
	ofs_json_str(b, v); /* a JSON string is a TOML basic string */
	ofs_buf_putc(b, '\n');
}

/* Features that reach OpenAI, GitHub or a plugin store, or retry without end. */
static const char *const off_features[] = {"apps",
                                           "plugins",
                                           "remote_plugin",
                                           "plugin_sharing",
                                           "recommended_plugins",
                                           "tool_suggest",
                                           "skill_mcp_dependency_install",
                                           "in_app_updates",
                                           "daemon_auto_start",
                                           "image_generation",
                                           "browser_use",
                                           "browser_use_external",
                                           "computer_use",
                                           "in_app_browser",
                                           "web_search_request",
                                           "web_search_cached",
                                           "unbounded_connection_retries",
                                           "api_key_cyber_access_programs",
                                           NULL};

static void config(const struct ofs_hx_launch *l, struct ofs_buf *b)
{
	struct ofs_buf url = {0};
	ofs_buf_printf(&url, "%s/v1", l->base_url);
	toml_kv(b, "model", l->model);
	toml_kv(b, "model_provider", "offswitch");
	toml_kv(b, "approval_policy", "never");
	toml_kv(b, "sandbox_mode", "danger-full-access");
	toml_kv(b, "web_search", "disabled");
	ofs_buf_puts(b, "check_for_update_on_startup = false\n"
	                "hide_agent_reasoning = true\n"
	                "\n[analytics]\nenabled = false\n"
	                "\n[feedback]\nenabled = false\n"
	                "\n[otel]\nexporter = \"none\"\nlog_user_prompt = false\n"
	                "\n[features]\n");
	for (int i = 0; off_features[i]; i++)
		ofs_buf_printf(b, "%s = false\n", off_features[i]);
	ofs_buf_puts(b, "\n[model_providers.offswitch]\n");
	toml_kv(b, "name", "offswitch");
	toml_kv(b, "base_url", url.p);
	toml_kv(b, "env_key", CODEX_KEY_ENV);
	toml_kv(b, "wire_api", "responses");
	ofs_buf_puts(b, "request_max_retries = 1\nstream_max_retries = 1\n");
	ofs_buf_free(&url);
}

static int prepare(struct ofs_hx_launch *l, char *err)
{
	struct ofs_buf b = {0}, home = {0};
	config(l, &b);
	int e = ofs_hx_write(l, ".codex/config.toml", b.p, err);
	ofs_buf_free(&b);
	ofs_buf_printf(&home, "%s/.codex", l->home);
	if (!e)
		e = ofs_hx_env(l, "CODEX_HOME", home.p, err);
	ofs_buf_free(&home);
	if (!e)
		e = ofs_hx_env(l, CODEX_KEY_ENV, l->api_key, err);
	const char *args[] = {"codex",       "exec",    "--json", "--skip-git-repo-check",
	                      "--ephemeral", "--color", "never",  "--dangerously-bypass-approvals-and-sandbox",
	                      l->prompt,     NULL};
	for (int i = 0; !e && args[i]; i++)
		e = ofs_hx_arg(l, args[i], err);
	return e;
}

const struct ofs_hx_agent ofs_hx_agent_codex = {
        "codex", "@openai/codex", "codex", "AGENTS.md", "openai-responses", "exec_command", prepare,
};
