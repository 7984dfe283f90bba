/* sandbox.c — the bwrap command of one rollout: a read-only host (/usr and
 * its /bin, /lib* links, a few files of /etc), /proc, /dev, a tmpfs /tmp,
 * the rollout's workspace, servers and home read-write, the shims, this
 * offswitch and the CLI folder read-only; every namespace unshared (network
 * included: the relay is the only way out), --die-with-parent and
 * --new-session, and an environment of the variables given only. */
#include "harness/hx_int.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <signal.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "offswitch/error.h"
#include "offswitch/fs.h"
#include "offswitch/harness.h"
#include "offswitch/util.h"

#define BWRAP_MAX_ARGS 160

struct args {
	char *v[BWRAP_MAX_ARGS + 1];
	int n;
	struct ofs_buf own[12]; /* paths built here */
	int nown;
};

static void add(struct args *a, const char *s)
{
	if (a->n < BWRAP_MAX_ARGS)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static const char *path(struct args *a, const char *root, const char *rel)
{
	struct ofs_buf *b = &a->own[a->nown++];
	ofs_buf_printf(b, "%s/%s", root, rel);
	return b->p;
}

static void base(struct args *a)
{
	static const char *const fixed[] = {"bwrap",
	                                    "--unshare-all",
	                                    "--die-with-parent",
	                                    "--new-session",
	                                    "--ro-bind",
	                                    "/usr",
	                                    "/usr",
	                                    "--symlink",
	                                    "usr/bin",
	                                    "/bin",
	                                    "--symlink",
	                                    "usr/sbin",
	                                    "/sbin",
	                                    "--symlink",
	                                    "usr/lib",
	                                    "/lib",
	                                    "--symlink",
	                                    "usr/lib64",
	                                    "/lib64",
	                                    "--ro-bind-try",
	                                    "/etc/alternatives",
	                                    "/etc/alternatives",
	                                    "--ro-bind-try",
	                                    "/etc/ld.so.cache",
	                                    "/etc/ld.so.cache",
	                                    "--ro-bind-try",
	                                    "/etc/ssl",
	                                    "/etc/ssl",
	                                    "--proc",
	                                    "/proc",
	                                    "--dev",
	                                    "/dev",
	                                    "--tmpfs",
	                                    "/tmp",
	                                    NULL};
	for (int i = 0; fixed[i]; i++)
		add(a, fixed[i]);
}

static void release(struct args *a)
{
	for (int i = 0; i < a->nown; i++)
		ofs_buf_free(&a->own[i]);
}

int ofs__hx_spawn(const struct ofs__hx_box *b, pid_t *pid, char *err)
{
	struct args a = {0};
	base(&a);
	static const char *const etc_files[][2] = {{"passwd", "/etc/passwd"}, {"group", "/etc/group"}, {"hosts", "/etc/hosts"}};
	for (size_t i = 0; b->etc && i < sizeof etc_files / sizeof *etc_files; i++) {
		add(&a, "--ro-bind");
		add(&a, path(&a, b->etc, etc_files[i][0]));
		add(&a, etc_files[i][1]);
	}
	const char *binds[][2] = {{path(&a, b->root, "workspace"), HX_IN_WS},
	                          {path(&a, b->root, "servers"), HX_IN_SERVERS},
	                          {path(&a, b->root, "home"), HX_IN_HOME},
	                          {b->sock, HX_IN_SOCK}};
	for (size_t i = 0; i < sizeof binds / sizeof *binds; i++) {
		add(&a, "--bind");
		add(&a, binds[i][0]);
		add(&a, binds[i][1]);
	}
	const char *ro[][2] = {{b->shim_dir, HX_IN_SHIMS},
	                       {b->relay_exe ? b->relay_exe : b->self_exe, b->relay_exe ? HX_IN_RELAY : HX_IN_EXE},
	                       {b->cli_dir, HX_IN_CLI},
	                       {b->agent_file, HX_IN_AGENT}};
	for (size_t i = 0; i < sizeof ro / sizeof *ro; i++)
		if (ro[i][0]) {
			add(&a, "--ro-bind");
			add(&a, ro[i][0]);
			add(&a, ro[i][1]);
		}
	add(&a, "--chdir");
	add(&a, HX_IN_WS);
	add(&a, "--");
	if (b->relay_exe) {
		add(&a, HX_IN_RELAY);
	} else {
		add(&a, HX_IN_EXE);
		add(&a, "__relay");
	}
	add(&a, HX_IN_SOCK);
	char port[16];
	snprintf(port, sizeof port, "%d", OFS_HX_PORT);
	add(&a, port);
	add(&a, "--");
	for (int i = 0; b->argv[i]; i++)
		add(&a, b->argv[i]);
	if (a.n >= BWRAP_MAX_ARGS) {
		release(&a);
		return ofs_fail(err, OFS_ELIMIT, "the sandbox command has more than %d arguments", BWRAP_MAX_ARGS);
	}
	int out = open(b->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int er = open(b->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0 || er < 0) {
		int e = errno;
		if (out >= 0)
			close(out);
		if (er >= 0)
			close(er);
		release(&a);
		return ofs_fail(err, OFS_EIO, "%s: %s", b->out_path, strerror(e));
	}
	/* posix_spawn (vfork underneath: the harness is threaded and large):
	 * stdin /dev/null, stdout and stderr the files, every other descriptor
	 * closed (nothing of the harness's — a test runner's pipes, sockets —
	 * reaches the sandbox), no signal blocked (the harness blocks SIGCHLD) */
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none;
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, er, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
	pid_t p;
	int se = posix_spawn(&p, "/usr/bin/bwrap", &fa, &at, a.v, b->env);
	if (se == ENOENT)
		se = posix_spawnp(&p, "bwrap", &fa, &at, a.v, b->env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(out);
	close(er);
	release(&a);
	if (se)
		return ofs_fail(err, OFS_ESTATE, "cannot start bwrap: %s", strerror(se));
	*pid = p;
	return 0;
}

int ofs__hx_etc(const char *dir, char *err)
{
	char path[4200], text[512];
	if (mkdir(dir, 0755) && errno != EEXIST)
		return ofs_fail(err, OFS_EIO, "%s: %s", dir, strerror(errno));
	const char *names[] = {"passwd", "group", "hosts"};
	for (int i = 0; i < 3; i++) {
		if (i == 0)
			snprintf(text, sizeof text, "agent:x:%u:%u:agent:" HX_IN_HOME ":/bin/sh\n", (unsigned)getuid(),
			         (unsigned)getgid());
		else if (i == 1)
			snprintf(text, sizeof text, "agent:x:%u:\n", (unsigned)getgid());
		else
			snprintf(text, sizeof text, "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n");
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		int e = ofs_write_atomic(path, text, strlen(text), OFS_AFILE_LAZY, err);
		if (e)
			return e;
	}
	return 0;
}

static int rm1(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p) ? -1 : 0;
}

int ofs__hx_rmtree(const char *p, char *err)
{
	if (nftw(p, rm1, 16, FTW_DEPTH | FTW_PHYS) && errno != ENOENT)
		return ofs_fail(err, OFS_EIO, "cannot remove %s: %s", p, strerror(errno));
	return 0;
}

int ofs_harness_check(char *err)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		return ofs_fail(err, OFS_ESTATE, "pipe: %s", strerror(errno));
	pid_t p = fork();
	if (p == 0) {
		dup2(fds[1], 2);
		int nul = open("/dev/null", O_RDWR);
		dup2(nul, 0);
		dup2(nul, 1);
		char *const argv[] = {"bwrap",
		                      "--unshare-all",
		                      "--die-with-parent",
		                      "--ro-bind",
		                      "/usr",
		                      "/usr",
		                      "--symlink",
		                      "usr/lib",
		                      "/lib",
		                      "--symlink",
		                      "usr/lib64",
		                      "/lib64",
		                      "--symlink",
		                      "usr/bin",
		                      "/bin",
		                      "/usr/bin/true",
		                      NULL};
		execvp("bwrap", argv);
		fprintf(stderr, "bwrap not found: install bubblewrap (Debian: apt-get install bubblewrap)");
		_exit(127);
	}
	close(fds[1]);
	char msg[512] = "";
	ssize_t n = p > 0 ? read(fds[0], msg, sizeof msg - 1) : 0;
	msg[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	msg[strcspn(msg, "\n")] = '\0';
	int st = 0;
	if (p < 0)
		return ofs_fail(err, OFS_ESTATE, "fork: %s", strerror(errno));
	while (waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return ofs_fail(err, OFS_ESTATE, "%s", msg);
	return ofs_fail(err, OFS_ESTATE,
	                "bwrap cannot make a sandbox here (%s): user namespaces may be off "
	                "(sysctl kernel.unprivileged_userns_clone=1, or user.max_user_namespaces > 0)",
	                *msg ? msg : "no message");
}
