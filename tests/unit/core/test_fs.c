/* test_fs.c — ofs_afile / ofs_write_atomic replace a file whole or not at
 * all: the old content stays when the write fails or is dropped, no
 * temporary file is left behind, a stale one is replaced, a symlink planted
 * at the temporary name is not followed; ofs_mkdirs and ofs_same_file. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "offswitch/error.h"
#include "offswitch/fs.h"
#include "offswitch/util.h"
#include "t.h"

static char root[64];

static char *slurp(const char *path)
{
	size_t n;
	return ofs_read_file(path, 1 << 20, &n);
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void test_write_and_replace(void)
{
	char p[128], t[140], err[OFS_ERRLEN];
	snprintf(p, sizeof p, "%s/a.json", root);
	snprintf(t, sizeof t, "%s.tmp", p);
	CHECK_INT(ofs_write_atomic(p, "old\n", 4, 0, err), 0);
	CHECK_INT(ofs_write_atomic(p, "new content\n", 12, 0, err), 0);
	char *s = slurp(p);
	CHECK_STR(s, "new content\n");
	free(s);
	CHECK(!exists(t));
	CHECK_INT(ofs_write_atomic(p, "lazy\n", 5, OFS_AFILE_LAZY, err), 0);
	CHECK_INT(ofs_sync_fs(p, err), 0);
	s = slurp(p);
	CHECK_STR(s, "lazy\n");
	free(s);
	CHECK(!exists(t));
}

/* The rename fails (a directory with an entry sits at the path): the old
 * content — the directory — stays and the temporary is removed. Works as root. */
static void test_failed_rename_keeps_old(void)
{
	char p[128], q[160], t[140], err[OFS_ERRLEN];
	snprintf(p, sizeof p, "%s/dir", root);
	snprintf(q, sizeof q, "%s/keep", p);
	snprintf(t, sizeof t, "%s.tmp", p);
	CHECK_INT(ofs_mkdirs(p, err), 0);
	CHECK_INT(ofs_write_atomic(q, "kept", 4, 0, err), 0);
	CHECK_INT(ofs_write_atomic(p, "x", 1, 0, err), OFS_EIO);
	CHECK(strstr(err, p) != NULL);
	char *s = slurp(q);
	CHECK_STR(s, "kept");
	free(s);
	CHECK(!exists(t));
}

/* Not root: a read-only directory refuses the temporary; the old file stays. */
static void test_read_only_dir_keeps_old(void)
{
	if (geteuid() == 0) {
		printf("# skipped: root writes into read-only directories\n");
		return;
	}
	char d[128], p[160], t[170], err[OFS_ERRLEN];
	snprintf(d, sizeof d, "%s/ro", root);
	snprintf(p, sizeof p, "%s/f", d);
	snprintf(t, sizeof t, "%s.tmp", p);
	CHECK_INT(ofs_mkdirs(d, err), 0);
	CHECK_INT(ofs_write_atomic(p, "old", 3, 0, err), 0);
	chmod(d, 0555);
	CHECK_INT(ofs_write_atomic(p, "new", 3, 0, err), OFS_EIO);
	chmod(d, 0755);
	char *s = slurp(p);
	CHECK_STR(s, "old");
	free(s);
	CHECK(!exists(t));
}

/* A writer that drops its content half way (abort) leaves the old file. */
static void test_abort_keeps_old(void)
{
	char p[128], t[140], err[OFS_ERRLEN];
	snprintf(p, sizeof p, "%s/b", root);
	snprintf(t, sizeof t, "%s.tmp", p);
	CHECK_INT(ofs_write_atomic(p, "whole", 5, 0, err), 0);
	struct ofs_afile a;
	CHECK_INT(ofs_afile_open(&a, p, 0, err), 0);
	fputs("hal", a.f);
	fflush(a.f);
	CHECK(exists(t));
	char *s = slurp(p);
	CHECK_STR(s, "whole"); /* readers never see the part */
	free(s);
	ofs_afile_abort(&a);
	ofs_afile_abort(&a);
	s = slurp(p);
	CHECK_STR(s, "whole");
	free(s);
	CHECK(!exists(t));
}

/* A stale temporary (a killed writer's, replacing an existing file) is
 * replaced; a symlink there is not followed. */
static void test_stale_and_symlinked_tmp(void)
{
	char p[128], t[140], v[128], err[OFS_ERRLEN];
	snprintf(p, sizeof p, "%s/c", root);
	snprintf(t, sizeof t, "%s.tmp", p);
	snprintf(v, sizeof v, "%s/victim", root);
	CHECK_INT(ofs_write_atomic(p, "zero", 4, 0, err), 0);
	CHECK_INT(ofs_write_atomic(t, "stale partial", 13, 0, err), 0);
	CHECK_INT(ofs_write_atomic(p, "one", 3, 0, err), 0);
	CHECK(!exists(t));
	CHECK_INT(ofs_write_atomic(v, "victim", 6, 0, err), 0);
	CHECK_INT(symlink(v, t), 0);
	CHECK_INT(ofs_write_atomic(p, "two", 3, 0, err), 0);
	char *s = slurp(v);
	CHECK_STR(s, "victim");
	free(s);
	s = slurp(p);
	CHECK_STR(s, "two");
	free(s);
	CHECK(!exists(t));
}

/* New files (linked in whole where O_TMPFILE works, lazily or not) in a
 * folder of their own: the content whole, no temporary, the same mode as a
 * file made through path.tmp; a second write of each replaces it. */
static void test_new_files(void)
{
	char d[128], p[160], t[170], err[OFS_ERRLEN];
	snprintf(d, sizeof d, "%s/new", root);
	CHECK_INT(ofs_mkdirs(d, err), 0);
	int bad = 0;
	for (int i = 0; i < 40; i++) {
		snprintf(p, sizeof p, "%s/f%d.json", d, i);
		snprintf(t, sizeof t, "%s.tmp", p);
		char want[64];
		int n = snprintf(want, sizeof want, "content %d\n", i);
		bad += ofs_write_atomic(p, want, (size_t)n, i % 2 ? OFS_AFILE_LAZY : 0, err) != 0;
		char *s = slurp(p);
		bad += !s || strcmp(s, want);
		free(s);
		bad += exists(t);
		n = snprintf(want, sizeof want, "again %d\n", i);
		bad += ofs_write_atomic(p, want, (size_t)n, OFS_AFILE_LAZY, err) != 0;
		s = slurp(p);
		bad += !s || strcmp(s, want);
		free(s);
		bad += exists(t);
	}
	CHECK_INT(bad, 0);
	CHECK_INT(ofs_sync_fs(d, err), 0);
	char q[160];
	snprintf(p, sizeof p, "%s/f0.json", d);
	snprintf(q, sizeof q, "%s/through_tmp", d);
	struct ofs_afile a;
	CHECK_INT(ofs_afile_open(&a, q, 0, err), 0);
	fputs("x", a.f);
	CHECK_INT(ofs_afile_commit(&a, err), 0);
	struct stat sp, sq;
	CHECK(!stat(p, &sp) && !stat(q, &sq));
	CHECK_INT((int)(sp.st_mode & 07777), (int)(sq.st_mode & 07777));
	CHECK_INT((int)sp.st_nlink, 1);
}

/* Through the folder's descriptor: a new file, the same file replaced, no
 * temporary left; a name that is not one component is refused. */
static void test_write_at(void)
{
	char d[128], p[160], t[170], err[OFS_ERRLEN];
	snprintf(d, sizeof d, "%s/at", root);
	snprintf(p, sizeof p, "%s/x.json", d);
	snprintf(t, sizeof t, "%s.tmp", p);
	CHECK_INT(ofs_mkdirs(d, err), 0);
	int fd = open(d, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK_INT(ofs_write_atomic_at(fd, d, "x.json", "one\n", 4, OFS_AFILE_LAZY, err), 0);
	char *s = slurp(p);
	CHECK_STR(s, "one\n");
	free(s);
	CHECK_INT(ofs_write_atomic_at(fd, d, "x.json", "two\n", 4, 0, err), 0);
	s = slurp(p);
	CHECK_STR(s, "two\n");
	free(s);
	CHECK(!exists(t));
	CHECK_INT(ofs_write_atomic_at(fd, d, "a/b", "x", 1, 0, err), OFS_ELIMIT);
	CHECK_INT(ofs_write_atomic_at(fd, d, "", "x", 1, 0, err), OFS_ELIMIT);
	close(fd);
}

static void test_same_file(void)
{
	char d[128], d2[140], l[128], err[OFS_ERRLEN];
	snprintf(d, sizeof d, "%s/run", root);
	snprintf(d2, sizeof d2, "%s/./run/", root);
	snprintf(l, sizeof l, "%s/link", root);
	CHECK_INT(ofs_mkdirs(d, err), 0);
	CHECK_INT(symlink(d, l), 0);
	CHECK(ofs_same_file(d, d2));
	CHECK(ofs_same_file(d, l));
	CHECK(!ofs_same_file(d, root));
	CHECK(!ofs_same_file(d, "/nonexistent/x"));
}

int main(void)
{
	snprintf(root, sizeof root, "/tmp/ofs-test-fs-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	RUN(test_write_and_replace);
	RUN(test_failed_rename_keeps_old);
	RUN(test_read_only_dir_keeps_old);
	RUN(test_abort_keeps_old);
	RUN(test_stale_and_symlinked_tmp);
	RUN(test_new_files);
	RUN(test_write_at);
	RUN(test_same_file);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	if (system(cmd))
		return 1;
	return DONE();
}
