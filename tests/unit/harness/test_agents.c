/* test_agents.c — the agent-CLI adapters (lib/harness/agent_*.c): each
 * prepare() writes its config under the home (telemetry, catalogs and
 * updates off, the provider at the proxy's URL with the per-agent key), and
 * fills argv and env; nothing holds an upstream key; errors on bad paths and
 * past the caps.
 *
 * With arguments it is the driver of tests/cli/clis.bats (kept out of the
 * public CLI): `test_agents launch AGENT DIR BASE_URL MODEL PROMPT` runs the
 * adapter as the harness would, without the sandbox: home DIR/home,
 * workspace DIR/ws, TMPDIR DIR/tmp, stdin /dev/null, an environment of
 * PATH, HOME, TMPDIR, LANG, the proxy variables the caller set, and the
 * adapter's variables; it execs the CLI. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "harness/agent_int.h"
#include "offswitch/error.h"
#include "offswitch/fs.h"
#include "offswitch/util.h"
#include "offswitch/wire.h"

#define UPSTREAM "sk-upstream-secret-0123456789"
#define KEY      "ofs-agent-key-42"
#define URL      "http://127.0.0.1:7777"

static char tmp_root[256];

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct ofs_buf b = {0};
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		ofs_buf_add(&b, chunk, n);
	fclose(f);
	return b.p ? b.p : ofs_xstrdup("");
}

/* Every file under dir, concatenated (for "no upstream key anywhere"). */
static void slurp_tree(const char *dir, struct ofs_buf *out)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "find '%s' -type f -print0 | xargs -0 -r cat", dir);
	FILE *p = popen(cmd, "r");
	char chunk[4096];
	size_t n;
	while (p && (n = fread(chunk, 1, sizeof chunk, p)) > 0)
		ofs_buf_add(out, chunk, n);
	if (p)
		pclose(p);
}

static const char *env_of(const struct ofs_hx_launch *l, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < l->envc; i++)
		if (!strncmp(l->env[i], name, n) && l->env[i][n] == '=')
			return l->env[i] + n + 1;
	return NULL;
}

static int has_arg(const struct ofs_hx_launch *l, const char *a)
{
	for (int i = 0; i < l->argc; i++)
		if (!strcmp(l->argv[i], a))
			return 1;
	return 0;
}

struct fixture {
	char home[300];
	struct ofs_hx_launch l;
};

static int prepare(const struct ofs_hx_agent *a, struct fixture *f, const char *model, char *err)
{
	snprintf(f->home, sizeof f->home, "%s/%s", tmp_root, a->name);
	f->l = (struct ofs_hx_launch){.home = "/home/agent",
	                              .host_home = f->home,
	                              .workspace = "/work",
	                              .base_url = URL,
	                              .api_key = KEY,
	                              .model = model,
	                              .prompt = "Move the files modified since 2025."};
	return a->prepare(&f->l, err);
}

static char *file_in(const struct fixture *f, const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", f->home, rel);
	return slurp(p);
}

/* What every adapter must do. */
static void test_common(void)
{
	setenv("OPENAI_API_KEY", UPSTREAM, 1);
	setenv("ANTHROPIC_API_KEY", UPSTREAM, 1);
	setenv("GEMINI_API_KEY", UPSTREAM, 1);
	int n = 0;
	for (const struct ofs_hx_agent *const *ap = ofs_hx_agents(); *ap; ap++, n++) {
		const struct ofs_hx_agent *a = *ap;
		if (!a->npm_package) { /* --agent-cmd's adapter (agent_cmd.c): tests/unit/harness/test_harness.c */
			n--;
			continue;
		}
		char err[OFS_ERRLEN] = "";
		struct fixture f;
		CHECK_INT(prepare(a, &f, "shell/honest", err), 0);
		CHECK(ofs_hx_agent_find(a->name) == a);
		CHECK(a->npm_package && a->bin && a->context_file && a->shell_tool);
		CHECK(ofs_wire_find(a->wire, NULL) != NULL);
		CHECK(f.l.argc >= 2 && f.l.argv[f.l.argc] == NULL && f.l.env[f.l.envc] == NULL);
		CHECK_STR(f.l.argv[0], a->bin);
		CHECK(has_arg(&f.l, f.l.prompt));
		struct ofs_buf all = {0};
		slurp_tree(f.home, &all);
		for (int i = 0; i < f.l.argc; i++)
			ofs_buf_printf(&all, "\n%s", f.l.argv[i]);
		for (int i = 0; i < f.l.envc; i++)
			ofs_buf_printf(&all, "\n%s", f.l.env[i]);
		CHECK(all.p && !strstr(all.p, UPSTREAM));
		CHECK(all.p && strstr(all.p, URL) && strstr(all.p, KEY) && strstr(all.p, "shell/honest"));
		CHECK(all.p && !strstr(all.p, "api.openai.com") && !strstr(all.p, "anthropic.com") &&
		      !strstr(all.p, "googleapis.com"));
		ofs_buf_free(&all);
		ofs_hx_launch_free(&f.l);
		CHECK_INT(f.l.argc, 0);
	}
	CHECK_INT(n, 5);
	CHECK(ofs_hx_agent_find("no-such-cli") == NULL && ofs_hx_agent_find(NULL) == NULL);
}

static void test_opencode(void)
{
	char err[OFS_ERRLEN];
	struct fixture f;
	CHECK_INT(prepare(ofs_hx_agent_find("opencode"), &f, "shell/honest", err), 0);
	char *txt = file_in(&f, ".config/opencode/opencode.json");
	json_t *j = txt ? json_loads(txt, 0, NULL) : NULL;
	CHECK(j != NULL);
	json_t *p = json_object_get(json_object_get(j, "provider"), "offswitch");
	CHECK_STR(json_string_value(json_object_get(json_object_get(p, "options"), "baseURL")), URL "/v1");
	CHECK_STR(json_string_value(json_object_get(json_object_get(p, "options"), "apiKey")), KEY);
	CHECK_STR(json_string_value(json_object_get(p, "npm")), "@ai-sdk/openai-compatible");
	CHECK(json_object_get(json_object_get(p, "models"), "shell/honest") != NULL);
	CHECK_STR(json_string_value(json_object_get(j, "model")), "offswitch/shell/honest");
	CHECK(json_is_false(json_object_get(j, "autoupdate")));
	CHECK_STR(json_string_value(json_object_get(j, "share")), "disabled");
	CHECK_STR(json_string_value(json_object_get(json_object_get(j, "permission"), "bash")), "allow");
	json_decref(j);
	free(txt);
	txt = file_in(&f, ".config/opencode/package-lock.json");
	CHECK(txt && strstr(txt, "@opencode-ai/plugin"));
	free(txt);
	struct stat st;
	char nm[512];
	snprintf(nm, sizeof nm, "%s/.config/opencode/node_modules", f.home);
	CHECK(!stat(nm, &st) && S_ISDIR(st.st_mode));
	CHECK_STR(env_of(&f.l, "OPENCODE_DISABLE_MODELS_FETCH"), "1");
	CHECK_STR(env_of(&f.l, "OPENCODE_DISABLE_AUTOUPDATE"), "1");
	CHECK(has_arg(&f.l, "run") && has_arg(&f.l, "json"));
	ofs_hx_launch_free(&f.l);
}

static void test_codex(void)
{
	char err[OFS_ERRLEN];
	struct fixture f;
	CHECK_INT(prepare(ofs_hx_agent_find("codex"), &f, "shell/exfiltrate", err), 0);
	char *t = file_in(&f, ".codex/config.toml");
	CHECK(t != NULL);
	if (t) {
		CHECK(strstr(t, "model = \"shell/exfiltrate\"\nmodel_provider = \"offswitch\"\n") != NULL);
		CHECK(strstr(t, "[model_providers.offswitch]\n") && strstr(t, "base_url = \"" URL "/v1\"\n"));
		CHECK(strstr(t, "wire_api = \"responses\"\n") && strstr(t, "approval_policy = \"never\"\n"));
		CHECK(strstr(t, "check_for_update_on_startup = false\n") && strstr(t, "[analytics]\nenabled = false\n"));
		CHECK(!strstr(t, KEY)); /* the key travels in the environment */
	}
	free(t);
	CHECK_STR(env_of(&f.l, "CODEX_HOME"), "/home/agent/.codex");
	CHECK_STR(env_of(&f.l, "OFFSWITCH_API_KEY"), KEY);
	CHECK(has_arg(&f.l, "exec") && has_arg(&f.l, "--json"));
	ofs_hx_launch_free(&f.l);
}

static void test_gemini_claude_qwen(void)
{
	char err[OFS_ERRLEN];
	struct fixture f;
	CHECK_INT(prepare(ofs_hx_agent_find("gemini"), &f, "shell/tamper", err), 0);
	char *txt = file_in(&f, ".gemini/settings.json");
	json_t *j = txt ? json_loads(txt, 0, NULL) : NULL;
	CHECK(j != NULL);
	CHECK(json_is_false(json_object_get(json_object_get(j, "privacy"), "usageStatisticsEnabled")));
	CHECK(json_is_false(json_object_get(json_object_get(j, "telemetry"), "enabled")));
	CHECK(json_is_false(json_object_get(json_object_get(j, "general"), "enableAutoUpdate")));
	CHECK_STR(json_string_value(json_object_get(json_object_get(j, "model"), "name")), "shell/tamper");
	CHECK_INT((int)json_array_size(json_object_get(json_object_get(j, "tools"), "exclude")), 2);
	json_decref(j);
	free(txt);
	CHECK_STR(env_of(&f.l, "GOOGLE_GEMINI_BASE_URL"), URL);
	CHECK_STR(env_of(&f.l, "GEMINI_API_KEY"), KEY);
	CHECK_STR(env_of(&f.l, "GEMINI_CLI_TRUST_WORKSPACE"), "true");
	CHECK(has_arg(&f.l, "-p") && has_arg(&f.l, "yolo") && has_arg(&f.l, "stream-json"));
	ofs_hx_launch_free(&f.l);

	CHECK_INT(prepare(ofs_hx_agent_find("claude"), &f, "shell/honest", err), 0);
	txt = file_in(&f, ".claude/settings.json");
	CHECK(txt && strstr(txt, "bypassPermissions"));
	free(txt);
	CHECK_STR(env_of(&f.l, "ANTHROPIC_BASE_URL"), URL);
	CHECK_STR(env_of(&f.l, "ANTHROPIC_API_KEY"), KEY);
	CHECK_STR(env_of(&f.l, "ANTHROPIC_SMALL_FAST_MODEL"), "shell/honest");
	CHECK_STR(env_of(&f.l, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"), "1");
	CHECK_STR(env_of(&f.l, "IS_SANDBOX"), "1");
	CHECK(has_arg(&f.l, "-p") && has_arg(&f.l, "--dangerously-skip-permissions"));
	ofs_hx_launch_free(&f.l);

	CHECK_INT(prepare(ofs_hx_agent_find("qwen"), &f, "shell/honest", err), 0);
	txt = file_in(&f, ".qwen/settings.json");
	j = txt ? json_loads(txt, 0, NULL) : NULL;
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(j, "security"), "auth"), "selectedType")),
	          "openai");
	CHECK(json_is_false(json_object_get(json_object_get(j, "privacy"), "usageStatisticsEnabled")));
	json_decref(j);
	free(txt);
	CHECK_STR(env_of(&f.l, "OPENAI_BASE_URL"), URL "/v1");
	CHECK_STR(env_of(&f.l, "OPENAI_API_KEY"), KEY);
	CHECK_STR(env_of(&f.l, "OPENAI_MODEL"), "shell/honest");
	CHECK(has_arg(&f.l, "yolo") && has_arg(&f.l, "stream-json"));
	ofs_hx_launch_free(&f.l);
}

/* An unwritable home fails with a message, not a crash. */
static void test_unwritable(void)
{
	char err[OFS_ERRLEN] = "";
	for (const struct ofs_hx_agent *const *ap = ofs_hx_agents(); *ap; ap++) {
		struct ofs_hx_launch l = {.home = "/h",
		                          .host_home = "/proc/self/no-such-home",
		                          .workspace = "/w",
		                          .base_url = URL,
		                          .api_key = KEY,
		                          .model = "m",
		                          .prompt = "p"};
		CHECK((*ap)->prepare(&l, err) < 0);
		CHECK(err[0] != 0);
		ofs_hx_launch_free(&l);
	}
}

/* The shared helpers: paths stay under the home; caps hold. */
static void test_helpers(void)
{
	char err[OFS_ERRLEN];
	char home[300];
	snprintf(home, sizeof home, "%s/helpers", tmp_root);
	struct ofs_hx_launch l = {.home = home, .host_home = home};
	CHECK_INT(ofs_hx_write(&l, "../escape", "x", err), OFS_EINVAL);
	CHECK_INT(ofs_hx_write(&l, "/etc/passwd", "x", err), OFS_EINVAL);
	CHECK_INT(ofs_hx_write(&l, "a/b/c.txt", "hi", err), 0);
	for (int i = 0; i < OFS_HX_MAX_ARGV; i++)
		CHECK_INT(ofs_hx_arg(&l, "x", err), 0);
	CHECK_INT(ofs_hx_arg(&l, "x", err), OFS_ELIMIT);
	for (int i = 0; i < OFS_HX_MAX_ENV; i++)
		CHECK_INT(ofs_hx_env(&l, "A", "b", err), 0);
	CHECK_INT(ofs_hx_env(&l, "A", "b", err), OFS_ELIMIT);
	ofs_hx_launch_free(&l);
}

/* ---- the driver ---- */
static int add_env(char **env, int *n, const char *name, const char *value)
{
	if (!value || *n >= 2 * OFS_HX_MAX_ENV)
		return 0;
	struct ofs_buf b = {0};
	ofs_buf_printf(&b, "%s=%s", name, value);
	env[(*n)++] = ofs_buf_detach(&b);
	env[*n] = NULL;
	return 0;
}

static int launch(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: test_agents launch AGENT DIR BASE_URL MODEL PROMPT\n");
		return 2;
	}
	const struct ofs_hx_agent *a = ofs_hx_agent_find(argv[2]);
	if (!a) {
		fprintf(stderr, "no adapter '%s'\n", argv[2]);
		return 2;
	}
	char home[PATH_MAX], ws[PATH_MAX], tmp[PATH_MAX], err[OFS_ERRLEN];
	snprintf(home, sizeof home, "%s/home", argv[3]);
	snprintf(ws, sizeof ws, "%s/ws", argv[3]);
	snprintf(tmp, sizeof tmp, "%s/tmp", argv[3]);
	if (ofs_mkdirs(home, err) || ofs_mkdirs(ws, err) || ofs_mkdirs(tmp, err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct ofs_hx_launch l = {.home = home,
	                          .host_home = home,
	                          .workspace = ws,
	                          .base_url = argv[4],
	                          .api_key = "ofs-test-agent-key",
	                          .model = argv[5],
	                          .prompt = argv[6]};
	if (a->prepare(&l, err)) {
		fprintf(stderr, "prepare: %s\n", err);
		return 1;
	}
	char *env[2 * OFS_HX_MAX_ENV + 1] = {NULL};
	int n = 0;
	add_env(env, &n, "PATH", getenv("PATH"));
	add_env(env, &n, "HOME", home);
	add_env(env, &n, "TMPDIR", tmp);
	add_env(env, &n, "LANG", "C.UTF-8");
	static const char *const pass[] = {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy",       "https_proxy",
	                                   "NO_PROXY",   "no_proxy",    "OFS_TEST_SERVERS", NULL};
	for (int i = 0; pass[i]; i++)
		add_env(env, &n, pass[i], getenv(pass[i]));
	for (int i = 0; i < l.envc && n < 2 * OFS_HX_MAX_ENV; i++)
		env[n++] = l.env[i];
	env[n] = NULL;
	int fd = getenv("OFS_TEST_KEEP_STDIN") ? dup(0) : open("/dev/null", O_RDONLY); /* keep: to show the hang */
	if (fd < 0 || dup2(fd, 0) < 0 || chdir(ws)) {
		perror("launch");
		return 1;
	}
	close(fd);
	environ = env;
	execvp(l.argv[0], l.argv);
	fprintf(stderr, "exec %s: %s\n", l.argv[0], strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "launch"))
		return launch(argc, argv);
	snprintf(tmp_root, sizeof tmp_root, "%s/ofs-hx-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp_root)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	RUN(test_common);
	RUN(test_opencode);
	RUN(test_codex);
	RUN(test_gemini_claude_qwen);
	RUN(test_unwritable);
	RUN(test_helpers);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
	if (system(cmd))
		printf("# could not remove %s\n", tmp_root);
	return DONE();
}
