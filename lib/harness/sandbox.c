/* sandbox.c — the bwrap command of one rollout: /usr read-only (and its
 * /bin, /sbin, /lib* links), the harness's own /etc, /proc, /dev, a tmpfs
 * /tmp, the rollout's folder (workspace, servers, home) read-write, the
 * shims with the relay and the CLI folder read-only; every namespace
 * unshared (network included: the relay is the only way out),
 * --die-with-parent and --new-session, an environment of the variables
 * given only, no descriptor but 0, 1, 2. Few mounts: each costs. */
#include "harness/hx_int.h"

#include <errno.h>
#include <dirent.h>
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
};

static void add(struct args *a, const char *s)
{
	if (a->n < BWRAP_MAX_ARGS)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
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

static void bind(struct args *a, const char *how, const char *from, const char *to)
{
	add(a, how);
	add(a, from);
	add(a, to);
}

int ofs__hx_spawn(const struct ofs__hx_box *b, pid_t *pid, char *err)
{
	struct args a = {0};
	base(&a);
	/* few mounts (each costs): /etc, the rollout's folder, the socket, the shims with the relay */
	bind(&a, "--ro-bind", b->etc, "/etc");
	bind(&a, "--bind", b->root, HX_IN_BOX);
	bind(&a, "--symlink", "box/workspace", HX_IN_WS);
	bind(&a, "--symlink", "box/servers", HX_IN_SERVERS);
	bind(&a, "--symlink", HX_IN_BOX "/home", HX_IN_HOME);
	bind(&a, "--bind", b->sock, HX_IN_SOCK);
	bind(&a, "--ro-bind", b->bin, HX_IN_SHIMS);
	if (!b->relay_exe)
		bind(&a, "--ro-bind", b->self_exe, HX_IN_EXE);
	if (b->cli_dir)
		bind(&a, "--ro-bind", b->cli_dir, HX_IN_CLI);
	if (b->agent_file)
		bind(&a, "--ro-bind", b->agent_file, HX_IN_AGENT);
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
	if (se)
		return ofs_fail(err, OFS_ESTATE, "cannot start bwrap: %s", strerror(se));
	*pid = p;
	return 0;
}

/* from → to (a new file, mode), whole; 0 or OFS_EIO. */
static int copy_file(const char *from, const char *to, mode_t mode, char *err)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, bad = in < 0;
	if (!bad)
		bad = (out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)) < 0;
	char buf[65536];
	ssize_t n;
	while (!bad && (n = read(in, buf, sizeof buf)) > 0)
		bad = write(out, buf, (size_t)n) != n;
	int en = errno;
	if (in >= 0)
		close(in);
	if (out >= 0 && (close(out) || fchmodat(AT_FDCWD, to, mode, 0)))
		bad = 1;
	return bad ? ofs_fail(err, OFS_EIO, "copying %s to %s: %s", from, to, strerror(en)) : 0;
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
	snprintf(path, sizeof path, "%s/ld.so.cache", dir);
	int e = copy_file("/etc/ld.so.cache", path, 0644, err);
	snprintf(path, sizeof path, "%s/alternatives", dir);
	if (!e && mkdir(path, 0755) && errno != EEXIST)
		e = ofs_fail(err, OFS_EIO, "%s: %s", path, strerror(errno));
	DIR *d = e ? NULL : opendir("/etc/alternatives");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char from[4200], to[4200], target[4096];
		snprintf(from, sizeof from, "/etc/alternatives/%s", de->d_name);
		ssize_t n = readlink(from, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		snprintf(to, sizeof to, "%s/alternatives/%s", dir, de->d_name);
		if (symlink(target, to) && errno != EEXIST)
			e = ofs_fail(err, OFS_EIO, "%s: %s", to, strerror(errno));
	}
	if (d)
		closedir(d);
	return e;
}

int ofs__hx_bin(const char *dir, const char *shim_dir, const char *relay_exe, char *err)
{
	if (mkdir(dir, 0755) && errno != EEXIST)
		return ofs_fail(err, OFS_EIO, "%s: %s", dir, strerror(errno));
	DIR *d = opendir(shim_dir);
	if (!d)
		return ofs_fail(err, OFS_EDATA, "the shims: %s: %s", shim_dir, strerror(errno));
	struct dirent *de;
	int e = 0;
	char from[4200], to[4200];
	while (!e && (de = readdir(d))) {
		struct stat st;
		snprintf(from, sizeof from, "%s/%s", shim_dir, de->d_name);
		if (de->d_name[0] == '.' || stat(from, &st) || !S_ISREG(st.st_mode))
			continue;
		snprintf(to, sizeof to, "%s/%s", dir, de->d_name);
		e = copy_file(from, to, (st.st_mode & 0111) ? 0755 : 0644, err);
	}
	closedir(d);
	snprintf(to, sizeof to, "%s/offswitch-relay", dir);
	if (!e && relay_exe)
		e = copy_file(relay_exe, to, 0755, err);
	return e;
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
