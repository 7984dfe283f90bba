/* fs.h — files written whole or not at all, mkdir -p, directory identity.
 *
 * Every file offswitch rewrites (transcripts, rollouts.jsonl, reports) goes
 * through ofs_afile: the bytes go to PATH.tmp in the same directory, which is
 * flushed, fsync'ed and renamed over PATH, and the directory is fsync'ed, so
 * a reader (or a crash, or kill -9) sees the old file or the new one, never a
 * part. A stale PATH.tmp left by a killed writer is replaced by the next
 * write of PATH. One writer per PATH at a time.
 *
 * OFS_AFILE_LAZY skips the two fsyncs for files written by the thousand
 * (transcripts): the replacement is still whole under kill -9 (the rename is
 * atomic), and its bytes reach the disk at the next ofs_sync_fs() — one sync
 * for many files instead of two each.
 *
 * Errors: 0 or OFS_EIO (OFS_ELIMIT for a path over OFS_PATH_MAX) with a
 * one-line message naming the file in err (OFS_ERRLEN bytes, may be NULL).
 */
#ifndef OFFSWITCH_FS_H
#define OFFSWITCH_FS_H
#include <stddef.h>
#include <stdio.h>

#define OFS_PATH_MAX 4096 /* cap on every path these functions take, NUL included */

#define OFS_AFILE_LAZY 1 /* no fsync of the file or directory (see above) */

/* A file being replaced. Embed it; nothing to release after commit/abort. */
struct ofs_afile {
	FILE *f; /* write the new content here */
	int flags;
	char path[OFS_PATH_MAX], tmp[OFS_PATH_MAX + 4];
};

/* Start replacing path: opens path.tmp (created exclusively after removing
 * any stale one, never through a symlink). flags: 0 or OFS_AFILE_LAZY. On
 * failure a->f is NULL. */
int ofs_afile_open(struct ofs_afile *a, const char *path, int flags, char *err);
/* Flush, fsync, rename over the path, fsync the directory. On failure the
 * old file stays and the temporary is removed. */
int ofs_afile_commit(struct ofs_afile *a, char *err);
/* Drop the new content: the old file stays. NULL-safe, safe after commit. */
void ofs_afile_abort(struct ofs_afile *a);

/* Replace path with data[0..n) (ofs_afile in one call). Where the kernel
 * and file system allow it (Linux O_TMPFILE), a path that does not exist yet
 * is written as an unnamed file in its folder and linked in under path once
 * whole: one change to the folder instead of two, and nothing left behind by
 * a kill; a path that exists is replaced through path.tmp as above (and a
 * stale path.tmp with it). Either way a reader, a crash or kill -9 sees the
 * whole file or none. */
int ofs_write_atomic(const char *path, const void *data, size_t n, int flags, char *err);
/* ofs_write_atomic of dir/name, where dirfd is an open descriptor of dir
 * (O_DIRECTORY; the caller keeps and closes it): no walk of dir's path per
 * file, for files written by the thousand into one folder. name is one path
 * component; dir names the folder in messages and in the path.tmp way. */
int ofs_write_atomic_at(int dirfd, const char *dir, const char *name, const void *data, size_t n, int flags, char *err);
/* Make everything written on the file system of path (or of its directory,
 * when path does not exist yet) durable: one syncfs. */
int ofs_sync_fs(const char *path, char *err);

/* mkdir -p (mode 0777 less the umask). */
int ofs_mkdirs(const char *path, char *err);

/* 1 if a and b name the same existing directory or file (same device and
 * inode, however spelled: trailing slash, ./, a symlink), 0 if not or if
 * either does not exist. */
int ofs_same_file(const char *a, const char *b);
#endif
