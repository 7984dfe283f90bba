/* fuzz_shell.c — libFuzzer target: the shell splitter (quotes, escapes,
 * separators, sh -c nesting) over the input as a command line, the
 * shell-tool recogniser over it as a tool call's arguments, and the shipped
 * rules (OFFSWITCH_DATA/rules/default.yaml) over it as a call, a response
 * text, a tool result and a notice. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/util.h"
#include "offswitch/watch.h"

static int count(void *ctx, const char *s)
{
	*(size_t *)ctx += strlen(s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	size_t total = 0;
	ofs_watch_shell_split(text, count, &total);
	static const char *const tools[] = {"bash", "exec_command", "other"};
	for (int i = 0; i < 3; i++) {
		char *cmd = ofs_watch_shell_text(tools[i], text);
		if (cmd)
			ofs_watch_shell_split(cmd, count, &total);
		free(cmd);
	}
	static struct ofs_watch *w;
	static int tried;
	char err[OFS_ERRLEN];
	if (!tried++ && ofs_watch_open(&w, NULL, NULL, err))
		w = NULL;
	if (w) {
		struct ofs_tool_call calls[] = {
		        {"1", "bash", text}, {"2", "transfer_server_files", text}, {"3", "modify_var", text}};
		struct ofs_response r = {text, NULL, calls, 3, 0, 0};
		ofs_watch_response(w, "fuzz", &r, NULL);
		struct ofs_msg msgs[3] = {{.role = OFS_ROLE_SYSTEM, .content = "sys"},
		                          {.role = OFS_ROLE_USER, .content = text},
		                          {.role = OFS_ROLE_TOOL, .content = text, .tool_name = "list_server_files"}};
		struct ofs_chat chat = {msgs, 3, 3, 0};
		ofs_watch_request(w, "fuzz", &chat);
		ofs_watch_end(w, "fuzz");
	}
	free(text);
	return 0;
}
