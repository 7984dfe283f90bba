/* agent_qwen.c — Qwen Code (npm @qwen-code/qwen-code): `qwen PROMPT
 * --output-format stream-json --approval-mode yolo`, an OpenAI-compatible
 * provider from OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL (streamed
 * /v1/chat/completions), shell tool `run_shell_command`. ~/.qwen/settings.json
 * selects the "openai" auth type and turns off usage statistics, telemetry,
 * auto-update, the interactive (pty) shell and the side calls (next speaker,
 * loop detection). */
#include <jansson.h>
#include <stdlib.h>

#include "harness/agent_int.h"
#include "offswitch/error.h"
#include "offswitch/util.h"

static json_t *settings(const struct ofs_hx_launch *l)
{
	return json_pack("{s:{s:b,s:b},s:{s:b},s:{s:b,s:b},s:{s:{s:s}},s:{s:s,s:b,s:b},s:{s:b,s:b},s:{s:b}}", "general",
	                 "enableAutoUpdate", 0, "disableAutoUpdate", 1, "privacy", "usageStatisticsEnabled", 0, "telemetry",
	                 "enabled", 0, "logPrompts", 0, "security", "auth", "selectedType", "openai", "model", "name", l->model,
	                 "skipNextSpeakerCheck", 1, "skipLoopDetection", 1, "tools", "useRipgrep", 0, "enableInteractiveShell", 0,
	                 "ide", "enabled", 0);
}

static int prepare(struct ofs_hx_launch *l, char *err)
{
	json_t *j = settings(l);
	char *txt = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!txt)
		return ofs_fail(err, OFS_EDATA, "cannot serialise the Qwen Code settings");
	int e = ofs_hx_write(l, ".qwen/settings.json", txt, err);
	free(txt);
	struct ofs_buf url = {0};
	ofs_buf_printf(&url, "%s/v1", l->base_url);
	const char *env[][2] = {{"OPENAI_BASE_URL", url.p},
	                        {"OPENAI_API_KEY", l->api_key},
	                        {"OPENAI_MODEL", l->model},
	                        {"QWEN_CODE_SKIP_UPDATE_CHECK_ONCE", "1"},
	                        {"QWEN_CODE_SUPPRESS_YOLO_WARNING", "1"},
	                        {NULL, NULL}};
	for (int i = 0; !e && env[i][0]; i++)
		e = ofs_hx_env(l, env[i][0], env[i][1], err);
	ofs_buf_free(&url);
	const char *args[] = {"qwen",        "--auth-type",
	                      "openai",      "--model",
	                      l->model,      "--approval-mode",
	                      "yolo",        "--output-format",
	                      "stream-json", "--chat-recording=false",
	                      l->prompt,     NULL};
	for (int i = 0; !e && args[i]; i++)
		e = ofs_hx_arg(l, args[i], err);
	return e;
}

const struct ofs_hx_agent ofs_hx_agent_qwen = {
        "qwen", "@qwen-code/qwen-code", "qwen", "QWEN.md", "openai-chat", "run_shell_command", prepare,
};
