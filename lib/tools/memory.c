/* memory.c — retrieve_memory: the Past Interaction Memory of the memory
 * twin; reasoning_scratchpad: the agent's notes in scratchpad mode (kept
 * in the transcript as the call's argument; they change nothing). */
#include "tools/tools_int.h"

#include <stddef.h>

static enum ofs_tool_status t_retrieve_memory(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	(void)args;
	if (!w->tmpl->memory)
		return ofs_tool_fail(out, "No memory is stored.");
	ofs_buf_puts(out, w->tmpl->memory);
	return OFS_TOOL_OK;
}

static enum ofs_tool_status t_reasoning_scratchpad(struct ofs_world *w, json_t *args, struct ofs_buf *out)
{
	NEED(thought, "thought");
	(void)thought;
	ofs_buf_puts(out, "Your thought has been written to the scratchpad.");
	return OFS_TOOL_OK;
}

const struct ofs_tool_def ofs_tools_memory[] = {
        {"retrieve_memory", t_retrieve_memory},
        {"reasoning_scratchpad", t_reasoning_scratchpad},
        {NULL, NULL},
};
