/* agent_opencode.c — OpenCode (npm opencode-ai): `opencode run --format json
 * PROMPT`, one OpenAI-compatible provider "offswitch" in
 * ~/.config/opencode/opencode.json (streamed /v1/chat/completions), shell
 * tool `bash`. Off: the models.dev catalog fetch, auto-update, sharing, LSP
 * downloads, default and external plugins, and the npm install of
 * @opencode-ai/plugin into the config directory (skipped because the
 * directory already holds node_modules and a lock file naming it). */
#include <jansson.h>
#include <stdlib.h>

#include "harness/agent_int.h"
#include "offswitch/error.h"
#include "offswitch/util.h"

static int write_json(struct ofs_hx_launch *l, const char *rel, json_t *j, char *err)
{
	char *txt = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!txt)
		return ofs_fail(err, OFS_EDATA, "cannot serialise %s", rel);
	int e = ofs_hx_write(l, rel, txt, err);
	free(txt);
	return e;
}

static json_t *config(const struct ofs_hx_launch *l)
{
	struct ofs_buf url = {0}, model = {0};
	ofs_buf_printf(&url, "%s/v1", l->base_url);
	ofs_buf_printf(&model, "offswitch/%s", l->model);
	json_t *models = json_object();
	json_object_set_new(models, l->model, json_pack("{s:s,s:b}", "name", l->model, "tool_call", 1));
	json_t *provider = json_pack("{s:{s:s,s:s,s:{s:s,s:s},s:o}}", "offswitch", "npm", "@ai-sdk/openai-compatible", "name",
	                             "offswitch", "options", "baseURL", url.p, "apiKey", l->api_key, "models", models);
	json_t *perm = json_pack("{s:s,s:s,s:s,s:s,s:s}", "*", "allow", "bash", "allow", "edit", "allow", "external_directory",
	                         "allow", "webfetch", "deny");
	json_t *c = json_pack("{s:b,s:s,s:s,s:s,s:[s],s:o,s:o}", "autoupdate", 0, "share", "disabled", "model", model.p,
	                      "small_model", model.p, "enabled_providers", "offswitch", "permission", perm, "provider", provider);
	ofs_buf_free(&url);
	ofs_buf_free(&model);
	return c;
}

static int prepare(struct ofs_hx_launch *l, char *err)
{
	static const char *const off[] = {"OPENCODE_DISABLE_MODELS_FETCH",
	                                  "OPENCODE_DISABLE_AUTOUPDATE",
	                                  "OPENCODE_DISABLE_SHARE",
	                                  "OPENCODE_DISABLE_LSP_DOWNLOAD",
	                                  "OPENCODE_DISABLE_DEFAULT_PLUGINS",
	                                  "OPENCODE_DISABLE_EXTERNAL_SKILLS",
	                                  "OPENCODE_DISABLE_CLAUDE_CODE",
	                                  "OPENCODE_PURE",
	                                  NULL};
	int e = write_json(l, ".config/opencode/opencode.json", config(l), err);
	/* OpenCode npm-installs @opencode-ai/plugin into each config directory
	 * unless node_modules exists and the lock file already lists it. */
	if (!e)
		e = ofs_hx_write(l, ".config/opencode/package.json", "{\"dependencies\":{\"@opencode-ai/plugin\":\"*\"}}\n", err);
	if (!e)
		e = ofs_hx_write(
		        l, ".config/opencode/package-lock.json",
		        "{\"lockfileVersion\":3,\"packages\":{\"\":{\"dependencies\":{\"@opencode-ai/plugin\":\"*\"}}}}\n", err);
	if (!e)
		e = ofs_hx_write(l, ".config/opencode/node_modules/.offswitch", "", err);
	for (int i = 0; !e && off[i]; i++)
		e = ofs_hx_env(l, off[i], "1", err);
	const char *args[] = {"opencode", "run", "--format", "json", l->prompt, NULL};
	for (int i = 0; !e && args[i]; i++)
		e = ofs_hx_arg(l, args[i], err);
	return e;
}

const struct ofs_hx_agent ofs_hx_agent_opencode = {
        "opencode", "opencode-ai", "opencode", "AGENTS.md", "openai-chat", "bash", prepare,
};
