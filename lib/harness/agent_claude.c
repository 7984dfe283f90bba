/* agent_claude.c — Claude Code (npm @anthropic-ai/claude-code): `claude -p
 * PROMPT --output-format stream-json --verbose`, Anthropic Messages at
 * ANTHROPIC_BASE_URL with ANTHROPIC_API_KEY (streamed /v1/messages), shell
 * tool `Bash`. Permission checks are skipped (the harness's sandbox is the
 * boundary; as root Claude Code refuses that unless IS_SANDBOX=1). Off:
 * non-essential traffic (telemetry, error reports, update checks, release
 * notes), the auto-updater; the small "haiku" side calls use the same model,
 * so they reach the proxy too. */
#include "harness/agent_int.h"
#include "offswitch/error.h"
#include "offswitch/util.h"

static const char settings[] = "{\n"
                               "  \"permissions\": {\"defaultMode\": \"bypassPermissions\"},\n"
                               "  \"autoUpdates\": false,\n"
                               "  \"includeCoAuthoredBy\": false,\n"
                               "  \"env\": {\"DISABLE_AUTOUPDATER\": \"1\"}\n"
                               "}\n";

static int prepare(struct ofs_hx_launch *l, char *err)
{
	int e = ofs_hx_write(l, ".claude/settings.json", settings, err);
	const char *env[][2] = {{"ANTHROPIC_BASE_URL", l->base_url},
	                        {"ANTHROPIC_API_KEY", l->api_key},
	                        {"ANTHROPIC_MODEL", l->model},
	                        {"ANTHROPIC_SMALL_FAST_MODEL", l->model},
	                        {"ANTHROPIC_DEFAULT_HAIKU_MODEL", l->model},
	                        {"ANTHROPIC_DEFAULT_SONNET_MODEL", l->model},
	                        {"ANTHROPIC_DEFAULT_OPUS_MODEL", l->model},
	                        {"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"},
	                        {"DISABLE_AUTOUPDATER", "1"},
	                        {"DISABLE_TELEMETRY", "1"},
	                        {"DISABLE_ERROR_REPORTING", "1"},
	                        {"DISABLE_BUG_COMMAND", "1"},
	                        {"CLAUDE_CODE_DISABLE_TERMINAL_TITLE", "1"},
	                        {"IS_SANDBOX", "1"},
	                        {NULL, NULL}};
	for (int i = 0; !e && env[i][0]; i++)
		e = ofs_hx_env(l, env[i][0], env[i][1], err);
	const char *args[] = {"claude",
	                      "-p",
	                      "--output-format",
	                      "stream-json",
	                      "--verbose",
	                      "--model",
	                      l->model,
	                      "--dangerously-skip-permissions",
	                      "--no-session-persistence",
	                      l->prompt,
	                      NULL};
	for (int i = 0; !e && args[i]; i++)
		e = ofs_hx_arg(l, args[i], err);
	return e;
}

const struct ofs_hx_agent ofs_hx_agent_claude = {
        "claude", "@anthropic-ai/claude-code", "claude", "CLAUDE.md", "anthropic-messages", "Bash", prepare,
};
