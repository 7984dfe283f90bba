/* lock.h — one owner per directory: an advisory lock (flock) on a lock file
 * in the directory, which holds its owner's pid so that a second writer can
 * be told who has it. The lock lasts until ofs_dirlock_release() or the
 * process's exit (kill -9 included: the kernel drops it); the file stays.
 */
#ifndef OFFSWITCH_LOCK_H
#define OFFSWITCH_LOCK_H
#include "offswitch/error.h"

struct ofs_dirlock;

/* Take DIR/NAME without waiting: exclusively (a writer; the file is created
 * and given our pid) or, with shared, beside other sharers (a reader that
 * must not overlap a writer; a missing file means no writer and is not
 * created). 0 with *out set (NULL for a shared lock on a missing file);
 * OFS_ESTATE "DIR is in use by pid N" when another process holds it;
 * OFS_EIO when the file cannot be created or opened (read-only directory). */
int ofs_dirlock_take(struct ofs_dirlock **out, const char *dir, const char *name, int shared, char *err);
/* Drop the lock and free l. NULL-safe. */
void ofs_dirlock_release(struct ofs_dirlock *l);
#endif
