/* agents.c — who answers a mock model call: a reference agent (with the
 * template its config key names), a script file, the --script default or
 * the fallback agent; templates and scripts are cached across requests. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mock/mock_int.h"

/* The template for a config key (cached; *transient set when the cache is
 * full and the caller must free it with free_tcache). */
static const struct ofs_tmpl *get_tmpl(struct ofs_mock *m, const char *key, struct ofs_mock_tcache **transient, char *err)
{
	*transient = NULL;
	const struct ofs_tmpl *t = NULL;
	pthread_mutex_lock(&m->mu);
	for (struct ofs_mock_tcache *e = m->tc; e; e = e->next)
		if (!strcmp(e->key, key)) {
			t = e->t;
			break;
		}
	if (t) {
		pthread_mutex_unlock(&m->mu);
		return t;
	}
	struct ofs_mock_tcache *e = ofs_xcalloc(1, sizeof *e);
	if (ofs_config_from_key(&m->cat, key, &e->cfg, err) || !(e->t = ofs_tmpl_build(m->fx, &e->cfg, err))) {
		ofs_config_release(&e->cfg);
		free(e);
		pthread_mutex_unlock(&m->mu);
		return NULL;
	}
	e->cfg.tmpl = e->t;
	e->key = ofs_xstrdup(key);
	if (m->ntc < OFS_MOCK_MAX_CACHED) {
		e->next = m->tc;
		m->tc = e;
		m->ntc++;
	} else
		*transient = e;
	pthread_mutex_unlock(&m->mu);
	return e->t;
}

static void free_tcache(struct ofs_mock_tcache *e)
{
	ofs_tmpl_free(e->t);
	ofs_config_release(&e->cfg);
	free(e->key);
	free(e);
}

static struct ofs_provider *get_script(struct ofs_mock *m, const char *path, int *transient, char *err)
{
	*transient = 0;
	pthread_mutex_lock(&m->mu);
	for (struct ofs_mock_scache *e = m->sc; e; e = e->next)
		if (!strcmp(e->path, path)) {
			pthread_mutex_unlock(&m->mu);
			return e->p;
		}
	struct ofs_provider *p = ofs_script_file_new(path, err);
	if (p && m->nsc < OFS_MOCK_MAX_CACHED) {
		struct ofs_mock_scache *e = ofs_xcalloc(1, sizeof *e);
		e->path = ofs_xstrdup(path);
		e->p = p;
		e->next = m->sc;
		m->sc = e;
		m->nsc++;
	} else if (p)
		*transient = 1;
	pthread_mutex_unlock(&m->mu);
	return p;
}

static int policy_index(const char *name)
{
	for (int i = 0; i < ofs_nscripted_policies; i++)
		if (!strcmp(name, ofs_scripted_policies[i]))
			return i;
	return -1;
}

static int answer_policy(struct ofs_mock *m, const char *config_key, const char *policy, const struct ofs_wire_req *rq,
                         struct ofs_arena *A, struct ofs_response *r, const char **agent, char *err)
{
	int pi = policy_index(policy);
	if (pi < 0) {
		snprintf(err, OFS_ERRLEN, "The model '%.200s' does not exist: no reference agent '%.100s'", rq->model, policy);
		return 404;
	}
	if (!config_key) {
		*agent = "fallback";
		ofs_mock_fallback(rq, A, r);
		return 0;
	}
	struct ofs_mock_tcache *tr;
	const struct ofs_tmpl *t = get_tmpl(m, config_key, &tr, err);
	if (!t)
		return 400;
	*agent = ofs_arena_strdup(A, rq->model);
	int rc = ofs_mock_replay(m->policies[pi], t, &rq->chat, A, r, err);
	if (tr)
		free_tcache(tr);
	return rc ? 500 : 0;
}

/* The canonical path of script `name` under --script-dir into real, or an
 * HTTP status with a message in err: outside the directory, missing, or not a
 * regular file (checked on a non-blocking descriptor, so a FIFO never hangs).
 * Messages name the request's script, never the file's contents. */
static int script_path(const struct ofs_mock *m, const char *name, char real[PATH_MAX], char *err)
{
	char full[PATH_MAX];
	if (!*name || snprintf(full, sizeof full, "%s/%s", m->script_dir, name) >= (int)sizeof full || !realpath(full, real)) {
		snprintf(err, OFS_ERRLEN, "script '%.200s' not found in the mock's --script-dir", name);
		return 404;
	}
	size_t dl = strlen(m->script_dir);
	if (strncmp(real, m->script_dir, dl) || real[dl] != '/') {
		snprintf(err, OFS_ERRLEN, "script '%.200s' is outside the mock's --script-dir", name);
		return 403;
	}
	int fd = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	int reg = fd >= 0 && !fstat(fd, &st) && S_ISREG(st.st_mode);
	if (fd >= 0)
		close(fd);
	if (!reg) {
		snprintf(err, OFS_ERRLEN, "script '%.200s' is not a readable regular file", name);
		return 403;
	}
	return 0;
}

static int answer_script(struct ofs_mock *m, const char *path, const struct ofs_wire_req *rq, struct ofs_arena *A,
                         struct ofs_response *r, const char **agent, char *err)
{
	if (m->o.allow_remote) {
		snprintf(err, OFS_ERRLEN, "script: models are refused when the mock accepts remote clients (--allow-remote)");
		return 403;
	}
	if (!m->script_dir) {
		snprintf(err, OFS_ERRLEN, "script: models are refused: the mock was started without --script-dir");
		return 403;
	}
	char real[PATH_MAX];
	int st = script_path(m, path, real, err);
	if (st)
		return st;
	int transient;
	char perr[OFS_ERRLEN];
	struct ofs_provider *p = get_script(m, real, &transient, perr);
	if (!p) {
		snprintf(err, OFS_ERRLEN, "script '%.200s' is not a valid script file", path);
		return 400;
	}
	*agent = "script";
	int rc = ofs_mock_replay(p, NULL, &rq->chat, A, r, err);
	if (transient)
		ofs_provider_free(p);
	return rc ? 500 : 0;
}

int ofs__mock_answer(struct ofs_mock *m, const char *config_key, const struct ofs_wire_req *rq, struct ofs_arena *A,
                     struct ofs_response *r, const char **agent, char *err)
{
	const char *model = rq->model;
	if (!strncmp(model, "shell/", 6)) {
		*agent = ofs_arena_strdup(A, model);
		return ofs__mock_shell_answer(model + 6, rq, A, r, err);
	}
	const char *policy = !strncmp(model, "scripted/", 9) ? model + 9 : policy_index(model) >= 0 ? model : NULL;
	if (policy)
		return answer_policy(m, config_key, policy, rq, A, r, agent, err);
	const char *path = !strncmp(model, "script:", 7) ? model + 7 : !strncmp(model, "scripted:", 9) ? model + 9 : NULL;
	if (path)
		return answer_script(m, path, rq, A, r, agent, err);
	if (m->script) {
		*agent = "script";
		return ofs_mock_replay(m->script, NULL, &rq->chat, A, r, err) ? 500 : 0;
	}
	*agent = "fallback";
	ofs_mock_fallback(rq, A, r);
	return 0;
}

int ofs__mock_agents_load(struct ofs_mock *m, char *err)
{
	if (ofs_catalog_load(&m->cat, m->o.data_dir ? m->o.data_dir : ofs_default_data_dir(), err))
		return OFS_EDATA;
	m->fx = ofs_fixtures_new(&m->cat);
	m->policies = ofs_xcalloc((size_t)ofs_nscripted_policies, sizeof *m->policies);
	for (int i = 0; i < ofs_nscripted_policies; i++)
		if (!(m->policies[i] = ofs_scripted_new(ofs_scripted_policies[i], err)))
			return OFS_EDATA;
	if (m->o.script_path && !(m->script = ofs_script_file_new(m->o.script_path, err)))
		return OFS_EDATA;
	char real[PATH_MAX];
	struct stat st;
	if (m->o.script_dir) {
		if (!realpath(m->o.script_dir, real) || stat(real, &st) || !S_ISDIR(st.st_mode))
			return ofs_fail(err, OFS_EINVAL, "--script-dir '%.200s' is not a directory", m->o.script_dir);
		m->script_dir = ofs_xstrdup(real);
	}
	return 0;
}

void ofs__mock_agents_release(struct ofs_mock *m)
{
	for (struct ofs_mock_tcache *e = m->tc, *n; e; e = n) {
		n = e->next;
		free_tcache(e);
	}
	for (struct ofs_mock_scache *e = m->sc, *n; e; e = n) {
		n = e->next;
		ofs_provider_free(e->p);
		free(e->path);
		free(e);
	}
	if (m->policies)
		for (int i = 0; i < ofs_nscripted_policies; i++)
			ofs_provider_free(m->policies[i]);
	free(m->policies);
	ofs_provider_free(m->script);
	free(m->script_dir);
	ofs_fixtures_free(m->fx);
	ofs_catalog_release(&m->cat);
}
