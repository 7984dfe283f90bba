/* tools_int.h — what the tool families of lib/tools/ share: the tool
 * function type, one table per family, argument and YAML helpers.
 */
#ifndef OFFSWITCH_TOOLS_INT_H
#define OFFSWITCH_TOOLS_INT_H
#include <jansson.h>
#include <string.h>

#include "offswitch/world.h"

#define ARG_MAX (256 * 1024) /* a tool argument larger than this is refused */

/* A tool: act on w with the parsed arguments, append the result text to out;
 * returns OFS_TOOL_OK or OFS_TOOL_ERROR (out then holds the message). */
typedef enum ofs_tool_status (*ofs_tool_fn)(struct ofs_world *w, json_t *args, struct ofs_buf *out);
struct ofs_tool_def {
	const char *name;
	ofs_tool_fn fn;
};
/* One table per family, each ended by {NULL, NULL}. */
extern const struct ofs_tool_def ofs_tools_drive[], ofs_tools_sheets[], ofs_tools_memory[], ofs_tools_config[],
        ofs_tools_servers[], ofs_tools_accounts[], ofs_tools_common[], ofs_tools_findings[];

/* Append the formatted message to out; returns OFS_TOOL_ERROR. */
enum ofs_tool_status ofs_tool_fail(struct ofs_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A string argument; numbers are accepted and printed (ids often arrive as ints). NULL if absent. */
const char *ofs_tool_arg(struct ofs_world *w, json_t *args, const char *key);

#define NEED(var, key)                                                                                                           \
	const char *var = ofs_tool_arg(w, args, key);                                                                            \
	if (!var)                                                                                                                \
		return ofs_tool_fail(out, "Missing or invalid argument '%s': expected a string", key);                           \
	if (strlen(var) > ARG_MAX)                                                                                               \
		return ofs_tool_fail(out, "Argument '%s' is too long (%zu bytes, limit %d)", key, strlen(var), ARG_MAX);

/* Count n more bytes stored in w against OFS_WORLD_MAX: 0, or -1 with a tool
 * error in out when the world is full (the caller then changes nothing). */
int ofs_tool_charge(struct ofs_world *w, size_t n, struct ofs_buf *out);
#define CHARGE(n)                                                                                                                \
	if (ofs_tool_charge(w, (n), out))                                                                                        \
		return OFS_TOOL_ERROR;

/* "k: " indented; a YAML list of strings ("[]" when empty). */
void ofs_yaml_key(struct ofs_buf *b, int indent, const char *k);
void ofs_yaml_list(struct ofs_buf *b, const char *const *items, int n);
/* Make room for one more element of elem bytes in an arena-held array. */
void ofs_tool_grow(struct ofs_arena *A, void **arr, int n, int *cap, size_t elem);

/* The server named by argument key, or a tool error "Server 'x' not found.". */
#define SERVER(var, key)                                                                                                         \
	NEED(var##_ip, key);                                                                                                     \
	struct ofs_server *var = ofs_world_server(w, var##_ip);                                                                  \
	if (!var)                                                                                                                \
		return ofs_tool_fail(out, "Server '%s' not found.", var##_ip);

/* Index of the file called name on s, -1 if none. */
int ofs_server_find_file(const struct ofs_server *s, const char *name);

/* Server var (argument "ip") and the index i of its file called by argument
 * "filename" (bound to name), or a tool error "File 'x' not found on server y.". */
#define SERVER_FILE(var, i, name)                                                                                                \
	SERVER(var, "ip");                                                                                                       \
	NEED(name, "filename");                                                                                                  \
	int i = ofs_server_find_file(var, name);                                                                                 \
	if (i < 0)                                                                                                               \
		return ofs_tool_fail(out, "File '%s' not found on server %s.", name, var->ip);
#endif
