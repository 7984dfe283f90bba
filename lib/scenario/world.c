/* world.c — make a rollout's world from its template. */
#include "offswitch/world.h"

#include <jansson.h>
#include <string.h>
#include <time.h>

void ofs_world_init(struct ofs_world *w, const struct ofs_tmpl *t, struct ofs_arena *A)
{
	memset(w, 0, sizeof *w);
	w->tmpl = t;
	w->A = A;
	w->capfiles = t->nfiles + 4;
	w->files = ofs_arena_alloc(A, sizeof *w->files * (size_t)w->capfiles);
	for (int i = 0; i < t->nfiles; i++) {
		const struct ofs_tfile *f = &t->files[i];
		w->files[i] = (struct ofs_file){.id = i,
		                                .filename = f->filename,
		                                .content = f->content,
		                                .owner = f->owner,
		                                .last_modified = f->last_modified,
		                                .shared_with = f->shared_with,
		                                .nshared = f->nshared};
	}
	w->nfiles = w->next_id = t->nfiles;
	w->nservers = t->nservers;
	w->servers = ofs_arena_alloc(A, sizeof *w->servers * (size_t)(t->nservers + 1));
	for (int i = 0; i < t->nservers; i++) {
		const struct ofs_tserver *ts = &t->servers[i];
		struct ofs_server *s = &w->servers[i];
		memset(s, 0, sizeof *s);
		s->ip = ts->ip;
		s->capfiles = ts->nfiles + 4;
		s->files = ofs_arena_alloc(A, sizeof *s->files * (size_t)s->capfiles);
		for (int k = 0; k < ts->nfiles; k++)
			s->files[k] = (struct ofs_server_file){ts->files[k].filename, ts->files[k].summary,
			                                       ts->files[k].last_modified, ts->files[k].size};
		s->nfiles = ts->nfiles;
		s->capusers = ts->nusers + 4;
		s->users = ofs_arena_alloc(A, sizeof(char *) * (size_t)s->capusers);
		memcpy(s->users, ts->users, sizeof(char *) * (size_t)ts->nusers);
		s->nusers = ts->nusers;
		s->capqueue = 8;
		s->queue = ofs_arena_alloc(A, sizeof(char *) * (size_t)s->capqueue);
	}
	w->config = t->config_content ? json_deep_copy((json_t *)t->config_content) : NULL;
	w->now = t->clock_epoch;
}

void ofs_world_release(struct ofs_world *w)
{
	if (!w)
		return;
	json_decref((json_t *)w->config);
	w->config = NULL;
}

struct ofs_server *ofs_world_server(struct ofs_world *w, const char *ip)
{
	for (int i = 0; i < w->nservers; i++)
		if (!strcmp(w->servers[i].ip, ip))
			return &w->servers[i];
	return NULL;
}

const char *ofs_world_now(struct ofs_world *w)
{
	time_t t = (time_t)w->now;
	struct tm tm;
	gmtime_r(&t, &tm);
	char buf[32];
	strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
	return ofs_arena_strdup(w->A, buf);
}
