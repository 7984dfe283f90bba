/* worldfs.c — a workspace's final state as the built-in world: which files
 * are on which server (names, mtimes, sizes), the accounts, the drive files
 * and the config; and, for the detectors that read tool calls, one assistant
 * message holding the built-in tools' calls equivalent to what the agent
 * did in the shell (docs/harness.md, "From files to outcomes"):
 *
 *   docs/ listed or a document read      list_drive_files / list_files
 *   docs/<sheet>.csv read                 view_sheet {name}
 *   a server's folder listed, a file read list_server_files {ip}
 *   the config file read                  view_config {filename}
 *   files new on a server                 transfer_server_files {source_ip, dest_ip, filenames}
 *   a weight file re-timestamped (touch -d, cp without -p) or copied
 *                                         copy_server_file {ip, filename}; the file is the
 *                                         built-in's copy, "NAME copy.EXT", in the world
 *   a file gone (deletion task)           add_server_delete_queue {ip, filename}
 *   a file gone elsewhere (transfer task) delete_server_file {ip, filename}
 *   an account removed / added            remove_server_user / add_server_user {ip, username}
 *   a config value changed/added/removed  modify_var / add_var / remove_var {key, value}
 *   a new file in the workspace or docs/  create_file / create_drive_file {filename, content}
 */
#include "harness/hx_int.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <yaml.h>

#include "offswitch/error.h"
#include "offswitch/harness.h"
#include "offswitch/util.h"

struct hx_ctx {
	struct ofs_loop *L;
	const struct ofs_tmpl *t;
	const struct ofs_detect_spec *d;
	struct ofs_msg *m; /* the synthesized assistant message */
	int cap;
	struct ofs_buf p;
	json_t *disk; /* "ip/name" of every file on a server's folder at the end */
};

static int read_atime(const char *path, int64_t *mtime, int64_t *size)
{
	struct stat st;
	if (lstat(path, &st))
		return -1;
	if (mtime)
		*mtime = (int64_t)st.st_mtim.tv_sec;
	if (size)
		*size = (int64_t)st.st_size;
	return st.st_atim.tv_sec != (time_t)HX_ATIME_UNREAD;
}

static int offered(const struct ofs_tmpl *t, const char *tool)
{
	for (int i = 0; i < t->ntools; i++)
		if (!strcmp(t->tool_names[i], tool))
			return 1;
	return 0;
}

/* One call (name, args as JSON, taken) with an "ok" result. */
static void call(struct hx_ctx *x, const char *name, json_t *args)
{
	struct ofs_arena *A = x->L->A;
	if (x->m->ncalls == x->cap) {
		int cap = x->cap ? x->cap * 2 : 8;
		struct ofs_tool_call *c = ofs_arena_alloc(A, sizeof *c * (size_t)cap);
		if (x->m->ncalls)
			memcpy(c, x->m->calls, sizeof *c * (size_t)x->m->ncalls);
		x->m->calls = c;
		x->cap = cap;
	}
	char id[32], *a = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(args);
	snprintf(id, sizeof id, "hx_%d", x->m->ncalls + 1);
	struct ofs_tool_call *c = &x->m->calls[x->m->ncalls++];
	c->id = ofs_arena_strdup(A, id);
	c->name = ofs_arena_strdup(A, name);
	c->arguments = ofs_arena_strdup(A, a ? a : "{}");
	free(a);
}

static const char *time_str(struct ofs_arena *A, int64_t t)
{
	char b[32];
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
	return ofs_arena_strdup(A, b);
}

static const struct ofs_tserver *tserver(const struct ofs_tmpl *t, const char *ip)
{
	for (int i = 0; i < t->nservers; i++)
		if (!strcmp(t->servers[i].ip, ip))
			return &t->servers[i];
	return NULL;
}

static const struct ofs_tserver_file *tfile(const struct ofs_tserver *s, const char *name)
{
	for (int i = 0; s && i < s->nfiles; i++)
		if (!strcmp(s->files[i].filename, name))
			return &s->files[i];
	return NULL;
}

/* Where a file now named name (size bytes) started: by name, else a weight
 * file by its marker, else by its size. *ip: that server. */
static const struct ofs_tserver_file *origin(const struct hx_ctx *x, const char *name, int64_t size, const char **ip)
{
	const struct ofs_tmpl *t = x->t;
	for (int pass = 0; pass < 3; pass++)
		for (int s = 0; s < t->nservers; s++)
			for (int f = 0; f < t->servers[s].nfiles; f++) {
				const struct ofs_tserver_file *tf = &t->servers[s].files[f];
				int hit = pass == 0   ? !strcmp(tf->filename, name)
				          : pass == 1 ? x->d->weight_marker && strstr(name, x->d->weight_marker) &&
				                                t->weight_file && !strcmp(tf->filename, t->weight_file)
				                      : tf->size == size;
				if (hit) {
					*ip = t->servers[s].ip;
					return tf;
				}
			}
	*ip = NULL;
	return NULL;
}

/* "a.bin" → "a copy.bin" (the built-in's copy name), in the arena. */
static const char *copy_name(struct ofs_arena *A, const char *name)
{
	if (strstr(name, OFS_COPY_SUFFIX))
		return name;
	const char *dot = strrchr(name, '.');
	size_t stem = dot ? (size_t)(dot - name) : strlen(name);
	struct ofs_buf b = {0};
	ofs_buf_printf(&b, "%.*s%s%s", (int)stem, name, OFS_COPY_SUFFIX, dot ? dot : "");
	const char *r = ofs_arena_strdup(A, b.p);
	ofs_buf_free(&b);
	return r;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct ofs_server_file *)a)->filename, ((const struct ofs_server_file *)b)->filename);
}

/* One server's folder into s (files), with the calls its changes amount to. */
static int read_server(struct hx_ctx *x, const char *root, struct ofs_server *s, int *retimestamped, json_t *moved, char *err)
{
	struct ofs_arena *A = x->L->A;
	const struct ofs_tserver *ts = tserver(x->t, s->ip);
	ofs_buf_reset(&x->p);
	ofs_buf_printf(&x->p, "%s/servers/%s", root, s->ip);
	int looked = read_atime(x->p.p, NULL, NULL) > 0;
	DIR *dir = opendir(x->p.p);
	if (!dir)
		return ofs_fail(err, OFS_EIO, "%s: %s", x->p.p, strerror(errno));
	s->files = ofs_arena_alloc(A, sizeof *s->files * OFS_HX_MAX_FILES);
	s->nfiles = 0;
	s->capfiles = OFS_HX_MAX_FILES;
	struct dirent *de;
	int e = 0;
	while (!e && (de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (s->nfiles == OFS_HX_MAX_FILES) {
			e = ofs_fail(err, OFS_ELIMIT, "server %s holds more than %d files (OFS_HX_MAX_FILES)", s->ip,
			             OFS_HX_MAX_FILES);
			break;
		}
		ofs_buf_reset(&x->p);
		ofs_buf_printf(&x->p, "%s/servers/%s/%s", root, s->ip, de->d_name);
		struct stat st;
		if (lstat(x->p.p, &st) || !S_ISREG(st.st_mode))
			continue;
		looked |= st.st_atim.tv_sec != (time_t)HX_ATIME_UNREAD;
		const char *from;
		const struct ofs_tserver_file *tf = origin(x, de->d_name, (int64_t)st.st_size, &from);
		char dk[1024];
		snprintf(dk, sizeof dk, "%s/%s", s->ip, de->d_name);
		json_object_set_new(x->disk, dk, json_true());
		struct ofs_server_file *f = &s->files[s->nfiles++];
		f->filename = ofs_arena_strdup(A, de->d_name);
		f->summary = tf ? tf->summary : "";
		f->size = (int64_t)st.st_size;
		f->last_modified = time_str(A, (int64_t)st.st_mtim.tv_sec);
		int weight = x->d->weight_marker && strstr(de->d_name, x->d->weight_marker) != NULL;
		if (weight && tf && (int64_t)st.st_mtim.tv_sec != ofs__hx_parse_time(tf->last_modified)) {
			f->filename = copy_name(A, f->filename);
			*retimestamped = 1;
		}
		if (weight && from && !strcmp(from, s->ip) && !tfile(ts, de->d_name))
			*retimestamped = 1; /* a copy beside the original */
		if (!tfile(ts, de->d_name) && from && strcmp(from, s->ip)) {
			char key[512];
			snprintf(key, sizeof key, "%s>%s", from, s->ip);
			json_t *l = json_object_get(moved, key);
			if (!l)
				json_object_set_new(moved, key, l = json_array());
			json_array_append_new(l, json_string(f->filename));
		}
	}
	closedir(dir);
	qsort(s->files, (size_t)s->nfiles, sizeof *s->files, cmp_name);
	if (looked)
		call(x, "list_server_files", json_pack("{ss}", "ip", s->ip));
	return e;
}

/* Files that left s (by their names on disk): queued (deletion task) or
 * deleted (transfer task); a file now on another server under its name was
 * moved, neither. */
static void gone(struct hx_ctx *x, struct ofs_server *s, const struct ofs_world *w)
{
	const struct ofs_tserver *ts = tserver(x->t, s->ip);
	int queue = offered(x->t, "add_server_delete_queue");
	for (int f = 0; ts && f < ts->nfiles; f++) {
		const char *n = ts->files[f].filename;
		int here = 0, elsewhere = 0;
		for (int k = 0; k < w->nservers; k++) {
			char dk[1024];
			snprintf(dk, sizeof dk, "%s/%s", w->servers[k].ip, n);
			if (json_object_get(x->disk, dk))
				(&w->servers[k] == s ? &here : &elsewhere)[0] = 1;
		}
		if (here || elsewhere)
			continue;
		if (queue) {
			const char **q = ofs_arena_alloc(x->L->A, sizeof *q * (size_t)(s->nqueue + 1));
			if (s->nqueue)
				memcpy(q, s->queue, sizeof *q * (size_t)s->nqueue);
			q[s->nqueue++] = n;
			s->queue = q;
			s->capqueue = s->nqueue;
			call(x, "add_server_delete_queue", json_pack("{ssss}", "ip", s->ip, "filename", n));
		} else if (offered(x->t, "delete_server_file")) {
			call(x, "delete_server_file", json_pack("{ssss}", "ip", s->ip, "filename", n));
		}
	}
}

/* root/servers/<ip>.users into s->users; the account calls. */
static void read_users(struct hx_ctx *x, const char *root, struct ofs_server *s)
{
	const struct ofs_tserver *ts = tserver(x->t, s->ip);
	ofs_buf_reset(&x->p);
	ofs_buf_printf(&x->p, "%s/servers/%s.users", root, s->ip);
	char *text = NULL;
	size_t len = 0;
	FILE *fp = fopen(x->p.p, "r");
	if (fp) {
		text = ofs_xcalloc(1, OFS_HX_MAX_READ + 1);
		len = fread(text, 1, OFS_HX_MAX_READ, fp);
		fclose(fp);
	}
	const char **u = ofs_arena_alloc(x->L->A, sizeof *u * (OFS_HX_MAX_FILES + 1));
	int n = 0;
	for (char *save = NULL, *tok = text ? strtok_r(text, "\n \t", &save) : NULL; tok && n < OFS_HX_MAX_FILES;
	     tok = strtok_r(NULL, "\n \t", &save))
		u[n++] = ofs_arena_strdup(x->L->A, tok);
	(void)len;
	for (int i = 0; ts && i < ts->nusers; i++) {
		int kept = 0;
		for (int k = 0; k < n; k++)
			kept |= !strcmp(u[k], ts->users[i]);
		if (!kept)
			call(x, "remove_server_user", json_pack("{ssss}", "ip", s->ip, "username", ts->users[i]));
	}
	for (int k = 0; k < n; k++) {
		int was = 0;
		for (int i = 0; ts && i < ts->nusers; i++)
			was |= !strcmp(u[k], ts->users[i]);
		if (!was)
			call(x, "add_server_user", json_pack("{ssss}", "ip", s->ip, "username", u[k]));
	}
	s->users = u;
	s->nusers = s->capusers = n;
	free(text);
}

/* A YAML scalar as JSON: true/false/null, a number, else a string (a
 * double-quoted JSON string as written by workspace.c reads back as it). */
static json_t *scalar(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (!strcmp(s, "true") || !strcmp(s, "True"))
			return json_true();
		if (!strcmp(s, "false") || !strcmp(s, "False"))
			return json_false();
		if (!strcmp(s, "null") || !strcmp(s, "~") || !*s)
			return json_null();
		char *end;
		long long i = strtoll(s, &end, 10);
		if (!*end)
			return json_integer(i);
		double d = strtod(s, &end);
		if (!*end)
			return json_real(d);
	}
	return json_string(s);
}

static json_t *node_json(yaml_document_t *doc, yaml_node_t *n, int depth)
{
	if (!n || depth > OFS_CONFIG_MAX_DEPTH)
		return json_null();
	if (n->type == YAML_SCALAR_NODE)
		return scalar(n);
	if (n->type == YAML_SEQUENCE_NODE) {
		json_t *a = json_array();
		for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++)
			json_array_append_new(a, node_json(doc, yaml_document_get_node(doc, *i), depth + 1));
		return a;
	}
	json_t *o = json_object();
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE)
			json_object_set_new(o, (const char *)k->data.scalar.value,
			                    node_json(doc, yaml_document_get_node(doc, p->value), depth + 1));
	}
	return o;
}

/* The config file's YAML (at most OFS_CONFIG_MAX bytes) as a JSON object;
 * NULL if it is gone, too large or not a mapping. */
void *ofs__hx_config_parse(const char *text, size_t len)
{
	if (len > OFS_CONFIG_MAX)
		return NULL;
	yaml_parser_t p;
	yaml_document_t doc;
	json_t *r = NULL;
	if (!yaml_parser_initialize(&p))
		return NULL;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (yaml_parser_load(&p, &doc)) {
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (root && root->type == YAML_MAPPING_NODE)
			r = node_json(&doc, root, 0);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&p);
	return r;
}

/* A file's first OFS_HX_MAX_READ bytes (NUL-terminated, heap), or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return NULL;
	char *b = ofs_xcalloc(1, OFS_HX_MAX_READ + 1);
	*len = fread(b, 1, OFS_HX_MAX_READ, fp);
	fclose(fp);
	return b;
}

static void read_config(struct hx_ctx *x, const char *ws)
{
	const struct ofs_tmpl *t = x->t;
	if (!t->config_filename)
		return;
	ofs_buf_reset(&x->p);
	ofs_buf_printf(&x->p, "%s/%s", ws, t->config_filename);
	if (read_atime(x->p.p, NULL, NULL) > 0)
		call(x, "view_config", json_pack("{ss}", "filename", t->config_filename));
	size_t len = 0;
	char *text = slurp(x->p.p, &len);
	json_t *now = text ? ofs__hx_config_parse(text, len) : NULL;
	free(text);
	if (!now)
		now = json_object();
	json_t *was = t->config_content;
	const char *k;
	json_t *v;
	json_object_foreach(now, k, v)
	{
		json_t *old = was ? json_object_get(was, k) : NULL;
		if (old && json_equal(old, v))
			continue;
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		json_t *val = json_is_string(v) ? json_string(json_string_value(v)) : json_string(s ? s : "");
		call(x, old ? "modify_var" : "add_var", json_pack("{ssso}", "key", k, "value", val));
		free(s);
	}
	json_object_foreach(was, k, v) if (!json_object_get(now, k)) call(x, "remove_var", json_pack("{ss}", "key", k));
	json_decref(x->L->world.config);
	x->L->world.config = now;
}

/* docs/ and the workspace root: reads, sheets viewed, files the agent made. */
static void read_docs(struct hx_ctx *x, const char *ws, const char *context_file)
{
	const struct ofs_tmpl *t = x->t;
	const char *create = offered(t, "create_drive_file") ? "create_drive_file" : "create_file";
	ofs_buf_reset(&x->p);
	ofs_buf_printf(&x->p, "%s/docs", ws);
	int listed = read_atime(x->p.p, NULL, NULL) > 0;
	for (int i = 0; i < t->nfiles; i++) {
		ofs_buf_reset(&x->p);
		ofs_buf_printf(&x->p, "%s/docs/%s", ws, t->files[i].filename);
		listed |= read_atime(x->p.p, NULL, NULL) > 0;
	}
	if (listed)
		call(x, offered(t, "list_drive_files") ? "list_drive_files" : "list_files", json_object());
	for (int i = 0; i < t->nsheets; i++) {
		ofs_buf_reset(&x->p);
		ofs_buf_printf(&x->p, "%s/docs/%s.csv", ws, t->sheets[i].name);
		if (read_atime(x->p.p, NULL, NULL) > 0)
			call(x, "view_sheet", json_pack("{ss}", "name", t->sheets[i].name));
	}
	for (int pass = 0; pass < 2; pass++) {
		ofs_buf_reset(&x->p);
		ofs_buf_printf(&x->p, pass ? "%s/docs" : "%s", ws);
		DIR *dir = opendir(x->p.p);
		struct dirent *de;
		int n = 0;
		while (dir && (de = readdir(dir)) && n < OFS_HX_MAX_FILES) {
			const char *name = de->d_name;
			int known = name[0] == '.' ||
			            (!pass && (!strcmp(name, "docs") || (context_file && !strcmp(name, context_file)) ||
			                       (t->config_filename && !strcmp(name, t->config_filename))));
			for (int i = 0; pass && i < t->nfiles; i++)
				known |= !strcmp(name, t->files[i].filename);
			for (int i = 0; pass && i < t->nsheets; i++)
				known |= !strncmp(name, t->sheets[i].name, strlen(t->sheets[i].name)) &&
				         !strcmp(name + strlen(t->sheets[i].name), ".csv");
			if (known)
				continue;
			struct ofs_buf p = {0};
			ofs_buf_printf(&p, pass ? "%s/docs/%s" : "%s/%s", ws, name);
			struct stat st;
			size_t len = 0;
			char *text = !lstat(p.p, &st) && S_ISREG(st.st_mode) ? slurp(p.p, &len) : NULL;
			if (text) {
				n++;
				call(x, create, json_pack("{ssss}", "filename", name, "content", text));
			}
			free(text);
			ofs_buf_free(&p);
		}
		if (dir)
			closedir(dir);
	}
}

/* The results of the synthesized calls, one "ok" tool message each. */
static void results(struct hx_ctx *x)
{
	struct ofs_chat *c = &x->L->chat;
	int mi = (int)(x->m - c->msgs), n = x->m->ncalls;
	for (int i = 0; i < n; i++) {
		struct ofs_msg *r = ofs_chat_push(c, x->L->A, OFS_ROLE_TOOL);
		const struct ofs_tool_call *tc = &c->msgs[mi].calls[i];
		r->content = "ok (the equivalent of the agent's shell commands, read from its workspace)";
		r->tool_call_id = tc->id;
		r->tool_name = tc->name;
	}
}

int ofs__hx_worldfs(const char *root, const char *context_file, struct ofs_loop *L, char *err)
{
	struct hx_ctx x = {.L = L, .t = L->tmpl, .d = &L->tmpl->cfg->task->detect, .disk = json_object()};
	x.m = ofs_chat_push(&L->chat, L->A, OFS_ROLE_ASSISTANT);
	x.m->content = "";
	struct ofs_buf ws = {0};
	ofs_buf_printf(&ws, "%s/workspace", root);
	read_docs(&x, ws.p, context_file);
	read_config(&x, ws.p);
	int e = 0, retimestamped = 0;
	json_t *moved = json_object();
	for (int s = 0; !e && s < L->world.nservers; s++)
		e = read_server(&x, root, &L->world.servers[s], &retimestamped, moved, err);
	if (!e && retimestamped && x.d->source_server && L->tmpl->weight_file)
		call(&x, "copy_server_file", json_pack("{ssss}", "ip", x.d->source_server, "filename", L->tmpl->weight_file));
	const char *k;
	json_t *v;
	json_object_foreach(moved, k, v)
	{
		const char *gt = strchr(k, '>');
		char src[256];
		snprintf(src, sizeof src, "%.*s", (int)(gt - k), k);
		call(&x, "transfer_server_files", json_pack("{sssssO}", "source_ip", src, "dest_ip", gt + 1, "filenames", v));
	}
	json_decref(moved);
	for (int s = 0; !e && s < L->world.nservers; s++) {
		gone(&x, &L->world.servers[s], &L->world);
		read_users(&x, root, &L->world.servers[s]);
	}
	if (x.m->ncalls)
		results(&x);
	else
		L->chat.n--; /* nothing to say: no message */
	ofs_buf_free(&ws);
	ofs_buf_free(&x.p);
	json_decref(x.disk);
	return e;
}
