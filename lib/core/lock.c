/* lock.c — directory ownership: flock on a lock file holding the owner's pid
 * (see lock.h). */
#include "offswitch/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "offswitch/util.h"

struct ofs_dirlock {
	int fd;
};

/* The pid written in the lock file open on fd, or 0 if none can be read. */
static long owner_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static int busy(int fd, const char *dir, char *err)
{
	long pid = owner_pid(fd);
	close(fd);
	if (pid > 0)
		return ofs_fail(err, OFS_ESTATE, "%s is in use by pid %ld (another offswitch command is writing it)", dir, pid);
	return ofs_fail(err, OFS_ESTATE, "%s is in use by another offswitch process", dir);
}

int ofs_dirlock_take(struct ofs_dirlock **out, const char *dir, const char *name, int shared, char *err)
{
	*out = NULL;
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return ofs_fail(err, OFS_EIO, "path too long: %s/%s", dir, name);
	int fd = shared ? open(path, O_RDONLY | O_CLOEXEC) : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (shared && errno == ENOENT)
			return 0;
		return ofs_fail(err, OFS_EIO, "cannot %s %s: %s", shared ? "open" : "create", path, strerror(errno));
	}
	while (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return busy(fd, dir, err);
		int e = ofs_fail(err, OFS_EIO, "cannot lock %s: %s", path, strerror(errno));
		close(fd);
		return e;
	}
	if (!shared) {
		char pid[32];
		int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
		if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
			int e = ofs_fail(err, OFS_EIO, "cannot write %s: %s", path, strerror(errno));
			close(fd);
			return e;
		}
	}
	*out = ofs_xcalloc(1, sizeof **out);
	(*out)->fd = fd;
	return 0;
}

void ofs_dirlock_release(struct ofs_dirlock *l)
{
	if (!l)
		return;
	close(l->fd);
	free(l);
}
