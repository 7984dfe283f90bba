/* hx_int.h — the pieces of lib/harness/ that harness.c puts together:
 * the relay's outside half (relay.c), the workspace (workspace.c), its
 * final state read back (worldfs.c) and the bwrap command (sandbox.c).
 * Private to lib/harness/. */
#ifndef OFFSWITCH_HARNESS_HX_INT_H
#define OFFSWITCH_HARNESS_HX_INT_H
#include <stdint.h>
#include <sys/types.h>

#include "offswitch/loop.h"
#include "offswitch/scenario.h"
#include "harness/agent_int.h"

/* Where things are inside the sandbox. */
#define HX_IN_ROOT    "/ofs"
#define HX_IN_BOX     "/ofs/box"       /* the rollout's folder: workspace/, servers/, home/ */
#define HX_IN_WS      "/ofs/workspace" /* a link to box/workspace */
#define HX_IN_SERVERS "/ofs/servers"   /* a link to box/servers */
#define HX_IN_SHIMS   "/ofs/bin"       /* the shims and offswitch-relay */
#define HX_IN_SOCK    "/ofs/relay.sock"
#define HX_IN_EXE     "/ofs/offswitch"
#define HX_IN_RELAY   "/ofs/bin/offswitch-relay"
#define HX_IN_CLI     "/ofs/cli"
#define HX_IN_HOME    "/home/agent"    /* a link to /ofs/box/home */
#define HX_IN_AGENT   "/ofs/agent-cmd" /* --agent-cmd's program when it is a host file */

/* The atime every file and folder of a fresh workspace gets (2000-01-01):
 * a read or a listing under relatime moves it to now, which is how
 * worldfs.c tells what the agent looked at. */
#define HX_ATIME_UNREAD ((int64_t)946684800)

/* The host side of the relay: accept on the unix socket path, connect each
 * connection to 127.0.0.1:proxy_port. OFS_ELISTEN / OFS_EINVAL. */
struct ofs__hx_relay;
int ofs__hx_relay_host(struct ofs__hx_relay **out, const char *path, int proxy_port, char *err);
void ofs__hx_relay_stop(struct ofs__hx_relay *r);

/* Make root/workspace (docs/, context_file, the config file),
 * root/servers/<ip>/ (sparse files) and root/servers/<ip>.users, and
 * root/home. 0, or OFS_EIO / OFS_EDATA with a message. */
int ofs__hx_workspace(const char *root, const struct ofs_tmpl *t, const char *context_file, char *err);

/* Read root's final state into L->world (servers' files, users, deletion
 * queue, drive files, config) and append to L->chat one assistant message
 * with the built-in tools' calls equivalent to what changed, with their
 * results (docs/harness.md lists the mapping). L was started from t. */
int ofs__hx_worldfs(const char *root, const char *context_file, struct ofs_loop *L, char *err);

/* The config file's YAML (at most OFS_CONFIG_MAX bytes) as a JSON object
 * (json_t *, owned by the caller); NULL if too large or not a mapping. */
void *ofs__hx_config_parse(const char *text, size_t len);

/* "YYYY-MM-DD[ T]HH:MM:SS" (UTC) as epoch seconds; -1 if not such a date. */
int64_t ofs__hx_parse_time(const char *s);

/* The sandbox: bwrap with the layout above, running
 * `offswitch-relay HX_IN_SOCK OFS_HX_PORT -- argv...` (or `offswitch __relay
 * ...`) in HX_IN_WS with
 * env only. stdout/stderr to the files given. Returns the pid of bwrap. */
struct ofs__hx_box {
	const char *root;       /* the rollout's directory on the host */
	const char *sock;       /* the relay's unix socket on the host */
	const char *self_exe;   /* offswitch (its __relay) ... */
	const char *relay_exe;  /* ... or offswitch-relay when not NULL */
	const char *cli_dir;    /* NULL: none bound */
	const char *agent_file; /* NULL, or a host file bound read-only at HX_IN_AGENT */
	const char *etc;        /* the sandbox's /etc (ofs__hx_etc) */
	const char *bin;        /* the shims and offswitch-relay (ofs__hx_bin), at HX_IN_SHIMS */
	const char *out_path, *err_path;
	char *const *argv, *const *env;
};
int ofs__hx_spawn(const struct ofs__hx_box *b, pid_t *pid, char *err);
/* The sandbox's /etc in DIR, made once per run: passwd, group (one user
 * "agent", the harness's uid and gid, home HX_IN_HOME), hosts (localhost
 * only) — what node and the CLIs ask the C library for, nothing of the
 * host's — plus copies of the host's ld.so.cache and alternatives links
 * (what /usr's programs need). 0 or OFS_EIO. */
int ofs__hx_etc(const char *dir, char *err);
/* DIR holding copies of the shims of shim_dir and of relay_exe (NULL: none):
 * one mount instead of one per file. 0 or OFS_EIO / OFS_EDATA. */
int ofs__hx_bin(const char *dir, const char *shim_dir, const char *relay_exe, char *err);
/* Remove a directory tree (no symlink is followed). 0 or OFS_EIO. */
int ofs__hx_rmtree(const char *path, char *err);

/* The --agent-cmd adapter (agent_cmd.c). */
extern const struct ofs_hx_agent ofs__hx_agent_cmd;
#endif
