/* fs.c — atomic file replacement (temporary file in the same directory,
 * fsync, rename, fsync of the directory; lazily synced in batches for
 * transcripts), mkdir -p and file identity. */
#include "offswitch/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "offswitch/error.h"

/* The directory holding path into dir. */
static void dir_of(const char *path, char dir[OFS_PATH_MAX])
{
	snprintf(dir, OFS_PATH_MAX, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, OFS_PATH_MAX, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
}

/* fsync the directory holding path, so that a rename into it is durable. */
static int sync_dir(const char *path)
{
	char dir[OFS_PATH_MAX];
	dir_of(path, dir);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	if (r && (errno == EINVAL || errno == EROFS))
		r = 0; /* a directory that cannot be synced (some file systems) */
	int saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int ofs_afile_open(struct ofs_afile *a, const char *path, int flags, char *err)
{
	a->f = NULL;
	a->flags = flags;
	a->tmp[0] = 0;
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof a->path)
		return ofs_fail(err, OFS_ELIMIT, "path longer than %d bytes (OFS_PATH_MAX): %.64s...", OFS_PATH_MAX - 1, path);
	memcpy(a->path, path, n + 1);
	snprintf(a->tmp, sizeof a->tmp, "%s.tmp", path);
	if (unlink(a->tmp) && errno != ENOENT)
		return ofs_fail(err, OFS_EIO, "cannot write %s: %s", a->tmp, strerror(errno));
	int fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0 || !(a->f = fdopen(fd, "w"))) {
		int saved = errno;
		if (fd >= 0) {
			close(fd);
			unlink(a->tmp);
		}
		return ofs_fail(err, OFS_EIO, "cannot write %s: %s", path, strerror(saved));
	}
	return 0;
}

int ofs_afile_commit(struct ofs_afile *a, char *err)
{
	if (!a->f)
		return ofs_fail(err, OFS_EIO, "cannot write %s: not open", a->path);
	int lazy = a->flags & OFS_AFILE_LAZY;
	int bad = ferror(a->f) || fflush(a->f) || (!lazy && fsync(fileno(a->f)));
	int saved = errno;
	if (fclose(a->f) && !bad) {
		bad = 1;
		saved = errno;
	}
	a->f = NULL;
	if (!bad && rename(a->tmp, a->path)) {
		bad = 1;
		saved = errno;
	}
	if (bad) {
		unlink(a->tmp);
		a->tmp[0] = 0;
		return ofs_fail(err, OFS_EIO, "cannot write %s: %s", a->path, saved ? strerror(saved) : "write error");
	}
	a->tmp[0] = 0;
	if (!lazy && sync_dir(a->path))
		return ofs_fail(err, OFS_EIO, "cannot sync the directory of %s: %s", a->path, strerror(errno));
	return 0;
}

void ofs_afile_abort(struct ofs_afile *a)
{
	if (!a)
		return;
	if (a->f)
		fclose(a->f);
	a->f = NULL;
	if (a->tmp[0])
		unlink(a->tmp);
	a->tmp[0] = 0;
}

/* The temporary of path, created exclusively (a stale one from a killed
 * writer is removed only when it is there: one system call in the common case). */
static int open_tmp(const char *tmp)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST && !unlink(tmp))
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The data as an unnamed file in path's folder (O_TMPFILE), linked in under
 * path once whole: no name exists before it is complete, none is left behind
 * by a kill, and the folder is changed once instead of twice (create, then
 * rename). 0 done; 1 not done, nothing written (a file system or kernel
 * without O_TMPFILE, a path that exists: linkat does not replace, a process
 * that may not link by descriptor and has no /proc); -1 failed, errno set. */
static int write_linked(int dirfd, const char *dir, const char *name, const void *data, size_t n, int lazy)
{
#if defined(O_TMPFILE) && defined(AT_EMPTY_PATH)
	int fd = openat(dirfd, dir, O_WRONLY | O_TMPFILE | O_CLOEXEC, 0666);
	if (fd < 0)
		return 1;
	if (write_all(fd, data, n) || (!lazy && fsync(fd))) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	int r = linkat(fd, "", dirfd, name, AT_EMPTY_PATH); /* needs CAP_DAC_READ_SEARCH before Linux 6.10 */
	if (r && errno != EEXIST) {
		char proc[32];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
		r = linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW);
	}
	int saved = errno;
	if (close(fd) && !r) { /* linked, but the data may not be whole */
		saved = errno;
		unlinkat(dirfd, name, 0);
		errno = saved;
		return -1;
	}
	errno = saved;
	return r ? 1 : 0;
#else
	(void)dirfd, (void)dir, (void)name, (void)data, (void)n, (void)lazy;
	return 1;
#endif
}

/* path.tmp, then rename over path (ofs_write_atomic's second way). */
static int write_renamed(const char *path, size_t len, const void *data, size_t n, int lazy, char *err)
{
	char tmp[OFS_PATH_MAX + 8];
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".tmp", 5);
	int fd = open_tmp(tmp);
	if (fd < 0)
		return ofs_fail(err, OFS_EIO, "cannot write %s: %s", path, strerror(errno));
	int bad = write_all(fd, data, n) || (!lazy && fsync(fd));
	int saved = errno;
	if (close(fd) && !bad) {
		bad = 1;
		saved = errno;
	}
	if (!bad && rename(tmp, path)) {
		bad = 1;
		saved = errno;
	}
	if (bad) {
		unlink(tmp);
		return ofs_fail(err, OFS_EIO, "cannot write %s: %s", path, saved ? strerror(saved) : "write error");
	}
	if (!lazy && sync_dir(path))
		return ofs_fail(err, OFS_EIO, "cannot sync the directory of %s: %s", path, strerror(errno));
	return 0;
}

/* ofs_afile's contract without stdio: an unnamed file linked in when whole
 * (write_linked), else open, one write, (fsync,) close, rename; then the
 * fsync of the directory — transcripts are written by the thousand. */
int ofs_write_atomic(const char *path, const void *data, size_t n, int flags, char *err)
{
	size_t len = strlen(path);
	if (len == 0 || len >= OFS_PATH_MAX)
		return ofs_fail(err, OFS_ELIMIT, "path longer than %d bytes (OFS_PATH_MAX): %.64s...", OFS_PATH_MAX - 1, path);
	int lazy = flags & OFS_AFILE_LAZY;
	char dir[OFS_PATH_MAX];
	dir_of(path, dir);
	int linked = write_linked(AT_FDCWD, dir, path, data, n, lazy);
	if (linked < 0)
		return ofs_fail(err, OFS_EIO, "cannot write %s: %s", path, strerror(errno));
	if (!linked) {
		if (!lazy && sync_dir(path))
			return ofs_fail(err, OFS_EIO, "cannot sync the directory of %s: %s", path, strerror(errno));
		return 0;
	}
	return write_renamed(path, len, data, n, lazy, err);
}

int ofs_write_atomic_at(int dirfd, const char *dir, const char *name, const void *data, size_t n, int flags, char *err)
{
	char path[OFS_PATH_MAX];
	int len = snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!*name || strchr(name, '/') || len < 0 || len >= OFS_PATH_MAX)
		return ofs_fail(err, OFS_ELIMIT, "not a file name, or a path longer than %d bytes: %.64s...", OFS_PATH_MAX - 1,
		                path);
	int lazy = flags & OFS_AFILE_LAZY;
	int linked = write_linked(dirfd, ".", name, data, n, lazy);
	if (linked < 0)
		return ofs_fail(err, OFS_EIO, "cannot write %s: %s", path, strerror(errno));
	if (!linked) {
		if (!lazy && fsync(dirfd) && errno != EINVAL && errno != EROFS)
			return ofs_fail(err, OFS_EIO, "cannot sync the directory of %s: %s", path, strerror(errno));
		return 0;
	}
	return write_renamed(path, (size_t)len, data, n, lazy, err);
}

int ofs_sync_fs(const char *path, char *err)
{
	char dir[OFS_PATH_MAX];
	dir_of(path, dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* a file yet to be written */
	if (fd < 0)
		return ofs_fail(err, OFS_EIO, "cannot open %s: %s", path, strerror(errno));
	int r = syncfs(fd), saved = errno;
	close(fd);
	return r ? ofs_fail(err, OFS_EIO, "cannot sync %s: %s", path, strerror(saved)) : 0;
}

/* mkdir -p of tmp (modified in place and restored): the parent first only
 * when the folder's own mkdir says it is missing, so that a new folder in
 * an existing parent costs one system call (a run's transcript folders). */
static int mkdirs_in(char *tmp, int depth)
{
	if (!mkdir(tmp, 0777) || errno == EEXIST)
		return 0;
	char *slash = strrchr(tmp, '/');
	if (errno != ENOENT || !slash || slash == tmp || depth > OFS_PATH_MAX / 2)
		return -1;
	*slash = 0;
	int r = mkdirs_in(tmp, depth + 1);
	*slash = '/';
	if (r)
		return r;
	return mkdir(tmp, 0777) && errno != EEXIST ? -1 : 0;
}

int ofs_mkdirs(const char *path, char *err)
{
	char tmp[OFS_PATH_MAX];
	if (strlen(path) >= sizeof tmp)
		return ofs_fail(err, OFS_ELIMIT, "path longer than %d bytes (OFS_PATH_MAX): %.64s...", OFS_PATH_MAX - 1, path);
	snprintf(tmp, sizeof tmp, "%s", path);
	while (strlen(tmp) > 1 && tmp[strlen(tmp) - 1] == '/')
		tmp[strlen(tmp) - 1] = 0; /* "a/b/" is "a/b" */
	if (mkdirs_in(tmp, 0))
		return ofs_fail(err, OFS_EIO, "cannot create directory %s: %s", path, strerror(errno));
	return 0;
}

int ofs_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) || stat(b, &sb))
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
