/* shard_meta.c — DIR/shard.json, the record of which shard of which plan a
 * sharded run directory holds (run.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offswitch/fs.h"
#include "offswitch/run.h"
#include "offswitch/util.h"

#define META_MAX (64 * 1024)

static int str_field(json_t *o, const char *k, char *out, size_t n)
{
	const char *v = json_string_value(json_object_get(o, k));
	if (!v || strlen(v) >= n)
		return -1;
	snprintf(out, n, "%s", v);
	return 0;
}

int ofs_shard_meta_read(const char *dir, struct ofs_shard_meta *m, char *err)
{
	char path[OFS_PATH_MAX + 16];
	size_t len;
	snprintf(path, sizeof path, "%s/" OFS_SHARD_META, dir);
	memset(m, 0, sizeof *m);
	if (!ofs_same_file(path, path))
		return 0;
	char *text = ofs_read_file(path, META_MAX, &len);
	if (!text)
		return ofs_fail(err, OFS_EIO, "cannot read %s (or it is over %d bytes)", path, META_MAX);
	json_t *o = json_loadb(text, len, 0, NULL);
	free(text);
	json_int_t i = json_integer_value(json_object_get(o, "shard")), n = json_integer_value(json_object_get(o, "of"));
	json_int_t reps = json_integer_value(json_object_get(o, "reps"));
	int bad = !json_is_object(o) || n < 1 || n > OFS_SHARD_MAX || i < 0 || i >= n || reps < 1 || reps > 1000000 ||
	          str_field(o, "plan", m->plan, sizeof m->plan) || str_field(o, "version", m->version, sizeof m->version);
	if (!bad) {
		m->index = (int)i;
		m->count = (int)n;
		m->reps = (int)reps;
		m->rollouts = (long)json_integer_value(json_object_get(o, "rollouts"));
		m->plan_rollouts = (long)json_integer_value(json_object_get(o, "plan_rollouts"));
	}
	json_decref(o);
	if (bad)
		return ofs_fail(err, OFS_ECORRUPT, "%s is not offswitch's shard record", path);
	return 1;
}

int ofs_shard_meta_write(const char *dir, const struct ofs_shard_meta *m, char *err)
{
	char path[OFS_PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/" OFS_SHARD_META, dir);
	struct ofs_buf b = {0};
	ofs_buf_printf(&b,
	               "{\"shard\": %d, \"of\": %d, \"plan\": \"%s\", \"reps\": %d, \"rollouts\": %ld, \"plan_rollouts\": %ld, ",
	               m->index, m->count, m->plan, m->reps, m->rollouts, m->plan_rollouts);
	ofs_buf_puts(&b, "\"version\": ");
	ofs_json_str(&b, m->version);
	ofs_buf_puts(&b, "}\n");
	int e = ofs_write_atomic(path, b.p, b.len, 0, err);
	ofs_buf_free(&b);
	return e;
}
