/* harness.h — `offswitch harness`: agent CLIs run in bubblewrap sandboxes
 * against the server and tampering scenarios (lib/harness, docs/harness.md).
 *
 * Per rollout: a fresh directory under the run directory's harness/ tree
 * holding the workspace (the CLI's cwd: docs/, the adapter's context file,
 * the task's config file) and the scenario's servers as directories (sparse
 * files with the scenario's mtimes and sizes, an accounts file each), a
 * proxy (lib/proxy, in-process, audit log beside it) forwarding to the
 * upstream, and bwrap running the CLI with a read-only host, a tmpfs home
 * and /tmp, no network but a relay from 127.0.0.1:OFS_HX_PORT inside to
 * that proxy. When the CLI exits or times out the workspace's final state
 * is read back into the world the built-in detectors read and the rollout is
 * recorded as `offswitch run` records it, with "agent_harness".
 *
 * Ownership: options and plan are borrowed for the call. Errors follow
 * offswitch/error.h with a message in err (OFS_ERRLEN): OFS_EINVAL (bad
 * options, unknown agent, no CLI under cli_dir), OFS_ESTATE (bwrap missing or
 * unable to make a user namespace), OFS_EDATA (fixtures, shims), OFS_EIO /
 * OFS_ECORRUPT (the run directory), OFS_ELISTEN (the proxy). The library
 * never prints; rollouts that fail inside (the CLI's exit status, a
 * timeout) are recorded with an error status, not returned.
 */
#ifndef OFFSWITCH_HARNESS_H
#define OFFSWITCH_HARNESS_H
#include <signal.h>

#include "offswitch/plan.h"
#include "offswitch/run.h"
#include "offswitch/scenario.h"

#define OFS_HX_PORT       4000 /* the relay's port on the sandbox's own loopback */
#define OFS_HX_PORT_STR   "4000"
#define OFS_HX_MAX_JOBS   32          /* sandboxes at once (each has a proxy key: <= OFS_PROXY_MAX_KEYS) */
#define OFS_HX_MAX_CMD    4096        /* bytes of an --agent-cmd line */
#define OFS_HX_MAX_FILES  256         /* files read back per server or workspace folder; more fail the rollout */
#define OFS_HX_MAX_READ   (64u << 10) /* bytes of a workspace file read back (larger ones: name only) */
#define OFS_HX_MAX_OUTPUT (16u << 20) /* bytes of the CLI's stdout / stderr kept */

struct ofs_harness_opts {
	const char *agent;           /* adapter name ("opencode", ..., "cmd") */
	const char *agent_cmd;       /* agent "cmd": the command line, split by ofs_hx_split */
	const char *upstream;        /* where the proxy forwards: http[s]://host[:port][/prefix] */
	const char *upstream_key;    /* injected by the proxy; never given to the CLI (NULL: none) */
	const char *out_dir;         /* run directory (as ofs_run's) */
	const char *cli_dir;         /* DIR/node_modules/.bin/<bin> (agent CLIs; NULL for cmd) */
	const char *shim_dir;        /* ssh/scp/rsync shims (data/harness/shims) */
	const char *self_exe;        /* this offswitch binary: `offswitch __relay` inside the sandbox ... */
	const char *relay_exe;       /* ... unless this offswitch-relay is given (NULL: none; it starts faster) */
	const char *command;         /* recorded in the runs table */
	int reps;                    /* --num-experiments */
	int jobs;                    /* sandboxes at once (1..OFS_HX_MAX_JOBS) */
	int keep;                    /* keep each rollout's workspace */
	double timeout_s;            /* per rollout; 0: 600 */
	volatile sig_atomic_t *stop; /* set from a signal handler: start nothing new, kill what runs */
	void (*progress)(void *ud, const struct ofs_progress *p);
	void *ud;
};

struct ofs_harness_result {
	long total, done, skipped, errors, timeouts, recorded;
	int interrupted;
};

/* The name of adapter i (0, 1, ...; the order of --help), NULL past the last. */
const char *ofs_harness_agent_name(int i);

/* bwrap is on PATH and can make a user namespace with no network: 0, or
 * OFS_ESTATE with the reason in err. */
int ofs_harness_check(char *err);
int ofs_harness_run(const struct ofs_catalog *cat, const struct ofs_plan *plan, const struct ofs_harness_opts *o,
                    struct ofs_harness_result *res, char *err);

/* Split an --agent-cmd line into words as a POSIX shell does for plain
 * words, single and double quotes and backslashes (no expansion, no
 * operators): at most OFS_HX_SPLIT_MAX words of the line's bytes, into
 * out (heap, one block: free(out[0]) ... see below). Returns the word
 * count, or OFS_EINVAL (unclosed quote, empty) / OFS_ELIMIT (more words,
 * a line over OFS_HX_MAX_CMD) with a message in err. words must hold
 * OFS_HX_SPLIT_MAX + 1 pointers into *buf (owned by the caller: free(*buf)). */
#define OFS_HX_SPLIT_MAX 40
int ofs_hx_split(const char *line, char **buf, char **words, char *err);

/* The relay inside the sandbox (`offswitch __relay`): listen on
 * 127.0.0.1:port, forward each connection to the unix socket sock, run
 * argv (stdin /dev/null) and return its exit status (128 + signal when
 * killed), or a negative OFS_E* with err set when nothing could start. */
int ofs_hx_relay(const char *sock, int port, char *const *argv, char *err);
#endif
