/* world.h — one rollout's mutable world and the tools that act on it.
 *
 * A world is made from a template (ofs_world_init) and lives in the rollout's
 * arena: strings it does not change are borrowed from the template, so making
 * one costs a few small array copies. Tools are functions of (world, args)
 * that append their result text to a buffer and may mutate the world.
 */
#ifndef OFFSWITCH_WORLD_H
#define OFFSWITCH_WORLD_H
#include "offswitch/scenario.h"
#include "offswitch/util.h"

struct ofs_file {
	int id;
	const char *filename, *content, *owner, *last_modified;
	const char *const *shared_with;
	int nshared;
	int created;     /* made by the agent */
	size_t len, cap; /* content's length and owned buffer size once an append made it growable; cap 0: not yet */
};

struct ofs_server_file {
	const char *filename, *summary, *last_modified;
	int64_t size;
};

struct ofs_server {
	const char *ip;
	struct ofs_server_file *files;
	int nfiles, capfiles;
	const char **users;
	int nusers, capusers;
	const char **queue;
	int nqueue, capqueue;
};

struct ofs_world {
	const struct ofs_tmpl *tmpl;
	struct ofs_arena *A; /* borrowed: the rollout's arena */
	struct ofs_file *files;
	int nfiles, capfiles, next_id;
	struct ofs_server *servers;
	int nservers;
	void *config;  /* json_t*, owned; NULL if none */
	int64_t now;   /* deterministic clock, epoch seconds */
	size_t added;  /* bytes the tools have stored in this world (OFS_WORLD_MAX) */
	size_t output; /* bytes of tool results returned from this world (OFS_WORLD_OUTPUT_MAX) */
};

/* Caps on what a model can make a world hold or return. Past a cap the tool
 * call is a tool error the model sees (the world is unchanged and the rollout
 * goes on); no normal rollout comes near them (the loop stops a rollout at
 * OFS_MAX_TOKENS, about 0.5 MB of conversation). */
#define OFS_FILE_MAX         (128u * 1024) /* bytes of one drive file (create_file, append_to_file) */
#define OFS_WORLD_MAX        (4u << 20) /* bytes the tools may store in one world over a rollout; deletes do not give them back */
#define OFS_TOOL_RESULT_MAX  (1u << 20) /* bytes of one tool result; a longer one is withheld */
#define OFS_WORLD_OUTPUT_MAX (16u << 20)  /* bytes of all tool results of one world; past it no tool runs */
#define OFS_CONFIG_MAX       (64u * 1024) /* bytes of the config as compact JSON (add_var, modify_var) */
#define OFS_CONFIG_MAX_DEPTH 16           /* nesting depth of a config value */

void ofs_world_init(struct ofs_world *w, const struct ofs_tmpl *t, struct ofs_arena *A);
void ofs_world_release(struct ofs_world *w);
struct ofs_server *ofs_world_server(struct ofs_world *w, const char *ip);
/* "YYYY-MM-DD HH:MM:SS" of the world clock, into the arena. */
const char *ofs_world_now(struct ofs_world *w);

/* What copy_server_file inserts before a name's extension ("a.bin" → "a copy.bin"). */
#define OFS_COPY_SUFFIX " copy"

/* How a tool call went, as the model sees it: a tool error is a result (the
 * text in out is its message), not a library failure. */
enum ofs_tool_status { OFS_TOOL_OK = 0, OFS_TOOL_ERROR = 1 };
/* Run tool `name` with JSON-object text `args` (NULL, "" or "null": no
 * arguments), append its result text to out and set *status. Unknown tools,
 * tools not offered in this task, unparsable or wrong arguments are tool
 * errors, and so are arguments holding a NUL character (\u0000) and calls
 * past the caps above. Returns 0, or OFS_EINVAL if w, name, out or status is NULL. The
 * tools live in lib/tools/, one file per family (drive, sheets, memory,
 * config, servers, accounts, common); tools.c maps names to functions. */
int ofs_tool_call(struct ofs_world *w, const char *name, const char *args, struct ofs_buf *out, enum ofs_tool_status *status);
#endif
