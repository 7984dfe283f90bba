/* workspace.c — one rollout's scenario as real files: the workspace (the
 * CLI's cwd) with the documents under docs/, the sheets as docs/<name>.csv,
 * the context file (the agent's system prompt and memory) and the task's
 * config file; the servers as folders of sparse files with the scenario's
 * mtimes and apparent sizes (ftruncate: an 800 GB weight file costs no
 * block), and each server's accounts, one name a line, in <ip>.users. */
#include "harness/hx_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "offswitch/error.h"
#include "offswitch/fs.h"
#include "offswitch/util.h"

int64_t ofs__hx_parse_time(const char *s)
{
	struct tm tm = {0};
	if (!s ||
	    sscanf(s, "%d-%d-%d%*c%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/* A plain file name: no slash, not . or .., no control byte. */
static int plain_name(const char *n)
{
	if (!n || !*n || !strcmp(n, ".") || !strcmp(n, "..") || strchr(n, '/'))
		return 0;
	for (const unsigned char *p = (const unsigned char *)n; *p; p++)
		if (*p < 0x20)
			return 0;
	return 1;
}

static int set_times(const char *path, int64_t mtime, char *err)
{
	struct timespec ts[2] = {{.tv_sec = (time_t)HX_ATIME_UNREAD}, {.tv_sec = (time_t)mtime}};
	if (mtime < 0)
		ts[1].tv_nsec = UTIME_OMIT;
	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW))
		return ofs_fail(err, OFS_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

/* path holding text (or, text NULL, size bytes of holes), with mtime. */
static int make_file(const char *path, const char *text, int64_t size, int64_t mtime, char *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return ofs_fail(err, OFS_EIO, "%s: %s", path, strerror(errno));
	int bad = 0;
	if (text) {
		size_t n = strlen(text);
		bad = write(fd, text, n) != (ssize_t)n;
	} else if (size > 0) {
		bad = ftruncate(fd, (off_t)size) != 0;
	}
	int e = errno;
	close(fd);
	if (bad)
		return ofs_fail(err, OFS_EIO, "%s: %s", path, strerror(e));
	return set_times(path, mtime, err);
}

static int mkdir1(const char *path, char *err)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		return ofs_fail(err, OFS_EIO, "%s: %s", path, strerror(errno));
	return 0;
}

static void csv_cell(struct ofs_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		ofs_buf_puts(b, s);
		return;
	}
	ofs_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			ofs_buf_putc(b, '"');
		ofs_buf_putc(b, *s);
	}
	ofs_buf_putc(b, '"');
}

static void sheet_csv(struct ofs_buf *b, const struct ofs_tsheet *s)
{
	for (int c = 0; c < s->ncols; c++) {
		if (c)
			ofs_buf_putc(b, ',');
		csv_cell(b, s->cols[c]);
	}
	ofs_buf_putc(b, '\n');
	for (int r = 0; r < s->nrows; r++) {
		for (int c = 0; c < s->ncols; c++) {
			if (c)
				ofs_buf_putc(b, ',');
			csv_cell(b, s->cells[(size_t)r * (size_t)s->ncols + (size_t)c]);
		}
		ofs_buf_putc(b, '\n');
	}
}

/* The config as YAML: one "key: value" a line, values in JSON form (a
 * subset of YAML), so `sed` edits of a value read back. */
static void config_yaml(struct ofs_buf *b, json_t *cfg)
{
	const char *k;
	json_t *v;
	json_object_foreach(cfg, k, v)
	{
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		ofs_buf_printf(b, "%s: %s\n", k, s ? s : "null");
		free(s);
	}
}

static int docs(struct ofs_buf *p, const char *ws, const struct ofs_tmpl *t, char *err)
{
	int e = 0;
	struct ofs_buf b = {0};
	for (int i = 0; !e && i < t->nfiles; i++) {
		if (!plain_name(t->files[i].filename))
			continue;
		ofs_buf_reset(p);
		ofs_buf_printf(p, "%s/docs/%s", ws, t->files[i].filename);
		e = make_file(p->p, t->files[i].content ? t->files[i].content : "", 0,
		              ofs__hx_parse_time(t->files[i].last_modified), err);
	}
	for (int i = 0; !e && i < t->nsheets; i++) {
		if (!plain_name(t->sheets[i].name))
			continue;
		ofs_buf_reset(&b);
		sheet_csv(&b, &t->sheets[i]);
		ofs_buf_reset(p);
		ofs_buf_printf(p, "%s/docs/%s.csv", ws, t->sheets[i].name);
		e = make_file(p->p, b.p ? b.p : "", 0, -1, err);
	}
	ofs_buf_free(&b);
	return e;
}

static int servers(struct ofs_buf *p, const char *root, const struct ofs_tmpl *t, char *err)
{
	int e = 0;
	struct ofs_buf b = {0};
	for (int s = 0; !e && s < t->nservers; s++) {
		const struct ofs_tserver *sv = &t->servers[s];
		if (!plain_name(sv->ip))
			continue;
		ofs_buf_reset(p);
		ofs_buf_printf(p, "%s/servers/%s", root, sv->ip);
		if ((e = mkdir1(p->p, err)))
			break;
		for (int f = 0; !e && f < sv->nfiles; f++) {
			if (!plain_name(sv->files[f].filename))
				continue;
			ofs_buf_reset(p);
			ofs_buf_printf(p, "%s/servers/%s/%s", root, sv->ip, sv->files[f].filename);
			e = make_file(p->p, NULL, sv->files[f].size, ofs__hx_parse_time(sv->files[f].last_modified), err);
		}
		ofs_buf_reset(&b);
		for (int u = 0; u < sv->nusers; u++)
			ofs_buf_printf(&b, "%s\n", sv->users[u]);
		ofs_buf_reset(p);
		ofs_buf_printf(p, "%s/servers/%s.users", root, sv->ip);
		if (!e)
			e = make_file(p->p, b.p ? b.p : "", 0, -1, err);
		ofs_buf_reset(p);
		ofs_buf_printf(p, "%s/servers/%s", root, sv->ip);
		if (!e)
			e = set_times(p->p, -1, err);
	}
	ofs_buf_free(&b);
	return e;
}

int ofs__hx_workspace(const char *root, const struct ofs_tmpl *t, const char *context_file, char *err)
{
	struct ofs_buf p = {0}, ws = {0}, b = {0};
	ofs_buf_printf(&ws, "%s/workspace", root);
	int e = ofs_mkdirs(root, err) ? OFS_EIO : 0;
	if (!e)
		e = mkdir1(ws.p, err);
	ofs_buf_printf(&p, "%s/docs", ws.p);
	if (!e)
		e = mkdir1(p.p, err);
	ofs_buf_reset(&p);
	ofs_buf_printf(&p, "%s/home", root);
	if (!e)
		e = mkdir1(p.p, err);
	ofs_buf_reset(&p);
	ofs_buf_printf(&p, "%s/servers", root);
	if (!e)
		e = mkdir1(p.p, err);
	if (!e)
		e = docs(&p, ws.p, t, err);
	if (!e)
		e = servers(&p, root, t, err);
	if (!e && t->config_filename && t->config_content && plain_name(t->config_filename)) {
		config_yaml(&b, t->config_content);
		ofs_buf_reset(&p);
		ofs_buf_printf(&p, "%s/%s", ws.p, t->config_filename);
		e = make_file(p.p, b.p ? b.p : "", 0, -1, err);
	}
	if (!e && context_file && plain_name(context_file)) {
		ofs_buf_reset(&b);
		ofs_buf_puts(&b, t->system_prompt ? t->system_prompt : "");
		if (t->memory)
			ofs_buf_printf(&b, "\n\n%s", t->memory);
		ofs_buf_putc(&b, '\n');
		ofs_buf_reset(&p);
		ofs_buf_printf(&p, "%s/%s", ws.p, context_file);
		e = make_file(p.p, b.p, 0, -1, err);
	}
	ofs_buf_reset(&p);
	ofs_buf_printf(&p, "%s/docs", ws.p);
	if (!e)
		e = set_times(p.p, -1, err);
	ofs_buf_free(&p);
	ofs_buf_free(&ws);
	ofs_buf_free(&b);
	return e;
}
