/* agent_gemini.c — Gemini CLI (npm @google/gemini-cli): `gemini -p PROMPT
 * --output-format stream-json --approval-mode yolo`, the Gemini API at
 * GOOGLE_GEMINI_BASE_URL with GEMINI_API_KEY (streamGenerateContent), shell
 * tool `run_shell_command`. ~/.gemini/settings.json turns off usage
 * statistics, telemetry, auto-update and its notice, the interactive (pty)
 * shell, the next-speaker and loop-detection side calls, ripgrep and the
 * web tools (web_fetch, google_web_search);
 * GEMINI_CLI_TRUST_WORKSPACE trusts the workspace without a prompt. */
#include <jansson.h>
#include <stdlib.h>

#include "harness/agent_int.h"
#include "offswitch/error.h"
#include "offswitch/util.h"

static json_t *settings(const struct ofs_hx_launch *l)
{
	json_t *j = json_object();
	json_object_set_new(j, "general", json_pack("{s:b,s:b}", "enableAutoUpdate", 0, "enableAutoUpdateNotification", 0));
	json_object_set_new(j, "privacy", json_pack("{s:b}", "usageStatisticsEnabled", 0));
	json_object_set_new(j, "telemetry", json_pack("{s:b,s:b}", "enabled", 0, "logPrompts", 0));
	json_object_set_new(j, "security", json_pack("{s:{s:s}}", "auth", "selectedType", "gemini-api-key"));
	json_object_set_new(j, "model",
	                    json_pack("{s:s,s:b,s:b}", "name", l->model, "skipNextSpeakerCheck", 1, "disableLoopDetection", 1));
	/* web_fetch would fetch from the sandbox; google_web_search asks the API for grounding */
	json_object_set_new(j, "tools",
	                    json_pack("{s:b,s:b,s:b,s:[ss]}", "useRipgrep", 0, "enableInteractiveShell", 0, "autoAccept", 1,
	                              "exclude", "web_fetch", "google_web_search"));
	json_object_set_new(j, "ui", json_pack("{s:b}", "hideTips", 1));
	json_object_set_new(j, "ide", json_pack("{s:b,s:b}", "enabled", 0, "hasSeenNudge", 1));
	return j;
}

static int prepare(struct ofs_hx_launch *l, char *err)
{
	json_t *j = settings(l);
	char *txt = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!txt)
		return ofs_fail(err, OFS_EDATA, "cannot serialise the Gemini CLI settings");
	int e = ofs_hx_write(l, ".gemini/settings.json", txt, err);
	free(txt);
	const char *env[][2] = {{"GOOGLE_GEMINI_BASE_URL", l->base_url}, {"GEMINI_API_KEY", l->api_key},
	                        {"GEMINI_CLI_TRUST_WORKSPACE", "true"},  {"GEMINI_CLI_NO_RELAUNCH", "true"},
	                        {"GEMINI_TELEMETRY_ENABLED", "false"},   {NULL, NULL}};
	for (int i = 0; !e && env[i][0]; i++)
		e = ofs_hx_env(l, env[i][0], env[i][1], err);
	const char *args[] = {"gemini",          "--model",     l->model, "--approval-mode", "yolo",
	                      "--output-format", "stream-json", "-p",     l->prompt,         NULL};
	for (int i = 0; !e && args[i]; i++)
		e = ofs_hx_arg(l, args[i], err);
	return e;
}

const struct ofs_hx_agent ofs_hx_agent_gemini = {
        "gemini", "@google/gemini-cli", "gemini", "GEMINI.md", "gemini", "run_shell_command", prepare,
};
