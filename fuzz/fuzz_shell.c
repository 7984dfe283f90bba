/* fuzz_shell.c — libFuzzer target: the shell splitter (quotes, escapes,
 * separators, sh -c nesting) over the input as a command line, and the
 * shell-tool recogniser over it as a tool call's arguments. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	free(text);
	return 0;
}
