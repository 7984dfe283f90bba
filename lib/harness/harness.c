/* harness.c — the plan's rollouts, each an agent CLI in a sandbox: at most
 * o->jobs at once (slots), each with its own workspace; one proxy for the
 * run (its audit log OUT/harness/audit.log; each slot has its own key,
 * agent "slot<i>", and its own relay socket), a "harness" record in that
 * log where each rollout starts; rollouts are recorded by the run
 * directory's recorder as they finish. Per rollout OUT/harness/<config
 * key>/rep_<r>/ holds agent.stdout, agent.stderr and (with keep) box/, the
 * sandbox's workspace, servers and home. */
#include "offswitch/harness.h"
#include "harness/collect.h"
#include "harness/hx_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "offswitch/audit.h"
#include "offswitch/error.h"
#include "offswitch/fs.h"
#include "offswitch/proxy.h"
#include "offswitch/run.h"
#include "offswitch/util.h"

/* One rollout in a slot. */
struct ro {
	int used, cfg, rep, timed_out, stopped; /* stopped: killed by a stop or a failure: not recorded */
	pid_t pid;
	double deadline;
	struct ofs_tmpl *t;
	struct ofs_hx_launch launch;
	char art[4096], box[4200];
};

struct slot {
	struct ofs__hx_relay *relay; /* the run's, on sock */
	char sock[128], key[33], agent[16];
	struct ro r;
};

struct hx {
	const struct ofs_harness_opts *o;
	const struct ofs_hx_agent *agent;
	const struct ofs_plan *plan;
	struct ofs_fixtures *fx;
	struct ofs_rundir *rd;
	struct ofs_harness_result *res;
	char tmpdir[64], etc[80], bin[80];
	double committed; /* when the store was last committed */
	struct slot *slots;
	int jobs;
	struct ofs_proxy *proxy;
	struct ofs__hx_collectors cols; /* one per slot */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void random_key(char out[33])
{
	unsigned char b[16] = {0};
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, b, sizeof b) != (ssize_t)sizeof b) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = (unsigned char)((ts.tv_nsec >> (i % 8)) ^ (getpid() << i));
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The rollout's folder: OUT/harness/<key, path-safe>/rep_<r>. */
static void art_dir(char *out, size_t n, const char *root, const struct ofs_config *c, int rep)
{
	char key[512];
	snprintf(key, sizeof key, "%s", c->key);
	for (char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '-' || *p == '_'))
			*p = '_';
	snprintf(out, n, "%s/harness/%s/rep_%d", root, key, rep);
}

/* The run's proxy (one key per slot) and each slot's relay to it. */
static int start_proxy(struct hx *h, char *err)
{
	struct ofs_proxy_keys keys = {0};
	for (int i = 0; i < h->jobs; i++) {
		struct slot *s = &h->slots[i];
		random_key(s->key);
		snprintf(s->agent, sizeof s->agent, "slot%d", i);
		keys.v[i] = (struct ofs_proxy_key){s->agent, s->key};
	}
	keys.n = h->jobs;
	char audit[4300];
	snprintf(audit, sizeof audit, "%s/harness", h->o->out_dir);
	int e = ofs_mkdirs(audit, err) ? OFS_EIO : 0;
	snprintf(audit, sizeof audit, "%s/harness/audit.log", h->o->out_dir);
	h->cols.n = h->jobs;
	h->cols.v = ofs_xcalloc((size_t)h->jobs, sizeof *h->cols.v);
	for (int i = 0; i < h->jobs; i++)
		ofs__hx_collect_init(&h->cols.v[i]);
	struct ofs_proxy_opts po = {.host = "127.0.0.1",
	                            .upstream = h->o->upstream,
	                            .upstream_key = h->o->upstream_key,
	                            .keys = &keys,
	                            .audit_path = audit,
	                            .audit_repair = 1,
	                            .timeout_s = h->o->timeout_s > 0 ? h->o->timeout_s : 600,
	                            .hooks = ofs__hx_collect_hooks(&h->cols)};
	if (!e)
		e = ofs_proxy_start(&h->proxy, &po, err);
	if (e)
		return e;
	const char *url = ofs_proxy_url(h->proxy), *colon = strrchr(url, ':');
	for (int i = 0; !e && i < h->jobs; i++) {
		struct slot *s = &h->slots[i];
		snprintf(s->sock, sizeof s->sock, "%s/%d.sock", h->tmpdir, i);
		e = ofs__hx_relay_host(&s->relay, s->sock, colon ? atoi(colon + 1) : 0, err);
	}
	return e;
}

static void stop_proxy(struct hx *h)
{
	for (int i = 0; i < h->jobs; i++) {
		ofs__hx_relay_stop(h->slots[i].relay);
		h->slots[i].relay = NULL;
		if (h->slots[i].sock[0])
			unlink(h->slots[i].sock);
	}
	if (h->proxy) {
		char e2[OFS_ERRLEN];
		ofs_proxy_drain(h->proxy, 2);
		ofs_proxy_stop(h->proxy, e2);
		h->proxy = NULL;
	}
	for (int i = 0; i < h->cols.n; i++)
		ofs__hx_collect_release(&h->cols.v[i]);
	free(h->cols.v);
	h->cols.v = NULL;
	h->cols.n = 0;
}

/* A "harness" record in the audit log: which rollout the slot's key serves from now on. */
static void mark_start(struct hx *h, struct slot *s)
{
	struct ofs_audit *a = ofs_proxy_audit(h->proxy);
	if (!a)
		return;
	json_t *d = json_pack("{sssssiss}", "agent", s->agent, "config", h->plan->cfgs[s->r.cfg].key, "rep", s->r.rep, "event",
	                      "rollout_start");
	time_t now = time(NULL);
	struct tm tm;
	char ts[32];
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	ofs_audit_append_json(a, "harness", ts, d, NULL);
	json_decref(d);
}

static int launch(struct hx *h, struct slot *sl, char *err)
{
	struct ro *s = &sl->r;
	const struct ofs_config *c = &h->plan->cfgs[s->cfg];
	struct ofs_hx_launch *l = &s->launch;
	char home[4300];
	snprintf(home, sizeof home, "%s/home", s->box);
	l->api_key = sl->key;
	l->home = HX_IN_HOME;
	l->host_home = home;
	l->workspace = HX_IN_WS;
	l->base_url = "http://127.0.0.1:" OFS_HX_PORT_STR;
	l->model = c->model;
	l->prompt = s->t->user_prompt;
	l->cmd = h->o->agent_cmd;
	int e = h->agent->prepare(l, err);
	if (e)
		return e;
	/* --agent-cmd PATH: the program is bound in read-only (the host's /tmp,
	 * home and work folders are not in the sandbox). */
	char agent_file[PATH_MAX];
	int bind_agent = h->agent == &ofs__hx_agent_cmd && strchr(l->argv[0], '/') && realpath(l->argv[0], agent_file);
	if (bind_agent) {
		free(l->argv[0]);
		l->argv[0] = ofs_xstrdup(HX_IN_AGENT);
	}
	char *env[OFS_HX_MAX_ENV + 8];
	int n = 0;
	env[n++] = "PATH=" HX_IN_SHIMS ":" HX_IN_CLI "/node_modules/.bin:/usr/local/bin:/usr/bin:/bin";
	env[n++] = "HOME=" HX_IN_HOME;
	env[n++] = "TMPDIR=/tmp";
	env[n++] = "LANG=C.UTF-8";
	env[n++] = "OFS_SERVERS=" HX_IN_SERVERS;
	for (int i = 0; i < l->envc; i++)
		env[n++] = l->env[i];
	env[n] = NULL;
	char out[4300], errp[4300];
	snprintf(out, sizeof out, "%s/agent.stdout", s->art);
	snprintf(errp, sizeof errp, "%s/agent.stderr", s->art);
	struct ofs__hx_box b = {.root = s->box,
	                        .sock = sl->sock,
	                        .self_exe = h->o->self_exe,
	                        .relay_exe = h->o->relay_exe,
	                        .cli_dir = h->o->cli_dir,
	                        .agent_file = bind_agent ? agent_file : NULL,
	                        .etc = h->etc,
	                        .bin = h->bin,
	                        .out_path = out,
	                        .err_path = errp,
	                        .argv = l->argv,
	                        .env = env};
	return ofs__hx_spawn(&b, &s->pid, err);
}

/* Everything a rollout holds, released (its box removed unless keep). */
static void slot_clear(struct hx *h, struct slot *sl)
{
	struct ro *s = &sl->r;
	ofs__hx_collect_reset(&h->cols.v[sl - h->slots], 0);
	ofs_hx_launch_free(&s->launch);
	ofs_tmpl_free(s->t);
	if (!h->o->keep && s->box[0]) {
		char e2[OFS_ERRLEN];
		ofs__hx_rmtree(s->box, e2);
	}
	memset(s, 0, sizeof *s);
}

static int slot_start(struct hx *h, struct slot *sl, int cfg, int rep, char *err)
{
	struct ro *s = &sl->r;
	memset(s, 0, sizeof *s);
	s->used = 1;
	s->cfg = cfg;
	s->rep = rep;
	const struct ofs_config *c = &h->plan->cfgs[cfg];
	art_dir(s->art, sizeof s->art, h->o->out_dir, c, rep);
	/* kept: in the run directory; else in the run's scratch folder (tmpfs
	 * when /dev/shm is there: no journal, nothing reaches a disk) */
	if (h->o->keep)
		snprintf(s->box, sizeof s->box, "%s/box", s->art);
	else
		snprintf(s->box, sizeof s->box, "%s/box%d", h->tmpdir, (int)(sl - h->slots));
	ofs__hx_rmtree(s->box, err);
	int e = ofs_mkdirs(s->art, err) ? OFS_EIO : 0;
	if (!e)
		e = (s->t = ofs_tmpl_build(h->fx, c, err)) ? 0 : OFS_EDATA;
	if (!e)
		e = ofs__hx_workspace(s->box, s->t, h->agent->context_file, err);
	if (!e) {
		ofs__hx_collect_reset(&h->cols.v[sl - h->slots], 1);
		mark_start(h, sl);
		e = launch(h, sl, err);
	}
	if (e) {
		slot_clear(h, sl);
		return e;
	}
	s->deadline = now_s() + (h->o->timeout_s > 0 ? h->o->timeout_s : 600);
	return 0;
}

/* The proxied conversation after the template's system and user messages. */
static void add_conversation(struct ofs_loop *L, const struct ofs_chat *c)
{
	int i = 0;
	while (i < c->n && c->msgs[i].role != OFS_ROLE_ASSISTANT)
		i++;
	for (; i < c->n; i++) {
		struct ofs_msg *m = ofs_chat_push(&L->chat, L->A, c->msgs[i].role);
		*m = c->msgs[i];
		L->in_tokens += m->in_tokens;
		L->out_tokens += m->out_tokens;
		L->iters += m->role == OFS_ROLE_ASSISTANT;
	}
}

/* A finished sandbox: stop its proxy, read its world, record it. */
static int slot_finish(struct hx *h, struct slot *sl, int wstatus, char *err)
{
	struct ro *s = &sl->r;
	struct ofs__hx_collect *col = &h->cols.v[sl - h->slots];
	ofs__hx_collect_reset(col, 0); /* the sandbox is gone: nothing more is its */
	if (s->stopped) {              /* not recorded: the same command runs it again */
		slot_clear(h, sl);
		return 0;
	}
	int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	char status[64];
	if (s->timed_out)
		snprintf(status, sizeof status, "error:timeout");
	else if (code)
		snprintf(status, sizeof status, "error:agent_exit_%d", code);
	else
		snprintf(status, sizeof status, "ok");
	struct ofs_arena *A = ofs_arena_new(64 * 1024);
	struct ofs_loop L;
	ofs_loop_start(&L, s->t, h->plan->cfgs[s->cfg].max_iters, A);
	add_conversation(&L, &col->chat);
	char werr[OFS_ERRLEN];
	if (ofs__hx_worldfs(s->box, h->agent->context_file, &L, werr)) {
		/* a workspace past the caps (docs/harness.md): the rollout fails, not the run */
		snprintf(status, sizeof status, "error:workspace");
		char p[4200];
		snprintf(p, sizeof p, "%s/harness.err", s->art);
		ofs_write_atomic(p, werr, strlen(werr), OFS_AFILE_LAZY, err);
	}
	int e = 0;
	L.done = 1;
	L.stop = code || s->timed_out ? OFS_STOP_ERROR : OFS_STOP_END_TASK;
	if (!e)
		e = ofs_rundir_record(h->rd, s->cfg, s->rep, &L, status, err);
	if (!e && now_s() - h->committed >= 1) { /* a crash loses at most a second of rollouts: run again */
		e = ofs_rundir_commit(h->rd, err);
		h->committed = now_s();
	}
	ofs_loop_release(&L);
	ofs_arena_free(A);
	h->res->done++;
	h->res->errors += strcmp(status, "ok") != 0;
	h->res->timeouts += s->timed_out;
	slot_clear(h, sl);
	return e;
}

static int check_opts(struct hx *h, char *err)
{
	const struct ofs_harness_opts *o = h->o;
	const char *name = o->agent ? o->agent : (o->agent_cmd ? "cmd" : NULL);
	if (!name)
		return ofs_fail(err, OFS_EINVAL, "no agent: give --agent NAME or --agent-cmd 'CMD ARGS'");
	if (!(h->agent = ofs_hx_agent_find(name)))
		return ofs_fail(err, OFS_EINVAL, "unknown agent '%s'", name);
	if (!strcmp(name, "cmd") && !o->agent_cmd)
		return ofs_fail(err, OFS_EINVAL, "agent 'cmd' needs --agent-cmd 'CMD ARGS'");
	if (!o->upstream || !o->out_dir || !o->self_exe || !o->shim_dir)
		return ofs_fail(err, OFS_EINVAL, "the harness needs an upstream, a run directory, its binary and the shims");
	if (o->jobs < 1 || o->jobs > OFS_HX_MAX_JOBS)
		return ofs_fail(err, OFS_EINVAL, "jobs must be from 1 to %d", OFS_HX_MAX_JOBS);
	if (h->agent->bin) {
		char p[4300];
		if (!o->cli_dir)
			return ofs_fail(err, OFS_EINVAL,
			                "agent '%s' needs the folder its CLI is installed in (--cli-dir or $OFS_CLI_DIR)", name);
		snprintf(p, sizeof p, "%s/node_modules/.bin/%s", o->cli_dir, h->agent->bin);
		if (access(p, X_OK))
			return ofs_fail(err, OFS_EINVAL, "the %s CLI is not installed: %s is missing (npm install %s in %s)",
			                name, p, h->agent->npm_package ? h->agent->npm_package : h->agent->bin, o->cli_dir);
	}
	char sp[4300];
	snprintf(sp, sizeof sp, "%s/ssh", o->shim_dir);
	if (access(sp, X_OK))
		return ofs_fail(err, OFS_EDATA, "the shims are missing: %s is not an executable file", sp);
	return 0;
}

/* The next (config, rep) not recorded yet, from *next on; 0 when none. */
static int next_rollout(struct hx *h, long *next, unsigned char *done, int *cfg, int *rep, char *err)
{
	int reps = h->o->reps > 0 ? h->o->reps : 1;
	for (; *next < (long)h->plan->n * reps; ++*next) {
		int c = (int)(*next / reps), r = (int)(*next % reps);
		if (r == 0 && ofs_rundir_done(h->rd, c, done, reps, err))
			return -1;
		if (done[r]) {
			h->res->skipped++;
			continue;
		}
		*cfg = c;
		*rep = r;
		++*next;
		return 1;
	}
	return 0;
}

/* Record every sandbox that has ended; how many. */
static int reap(struct hx *h, int *rc, char *err)
{
	pid_t p;
	int st, n = 0;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		for (int i = 0; i < h->jobs; i++)
			if (h->slots[i].r.used && h->slots[i].r.pid == p) {
				n++;
				int e = slot_finish(h, &h->slots[i], st, err);
				if (e && !*rc)
					*rc = e;
				if (h->o->progress)
					h->o->progress(h->o->ud,
					               &(struct ofs_progress){h->res->done + h->res->skipped, h->res->total,
					                                      h->res->skipped, 0, 0, h->res->errors, 0, 0});
			}
	return n;
}

static int loop(struct hx *h, char *err)
{
	int reps = h->o->reps > 0 ? h->o->reps : 1, rc = 0, more = 1;
	unsigned char *done = ofs_xcalloc((size_t)reps, 1);
	long next = 0;
	for (;;) {
		int busy = 0, stop = h->o->stop && *h->o->stop;
		for (int i = 0; i < h->jobs; i++) {
			struct slot *s = &h->slots[i];
			if (!s->r.used && more && !rc && !stop) {
				int cfg, rep, k = next_rollout(h, &next, done, &cfg, &rep, err);
				if (k < 0)
					rc = OFS_EIO;
				more = k > 0;
				if (k > 0 && (rc = slot_start(h, s, cfg, rep, err)))
					s->r.used = 0;
			}
			if (s->r.used && (stop || rc || now_s() > s->r.deadline) && !s->r.timed_out) {
				s->r.timed_out = 1;
				s->r.stopped = stop || rc;
				kill(s->r.pid, SIGKILL);
			}
			busy += s->r.used;
		}
		if (reap(h, &rc, err))
			continue; /* a slot is free: fill it now */
		if (!busy && (!more || rc || stop))
			break;
		/* until a sandbox ends (SIGCHLD, blocked in every thread), a
		 * deadline or a stop is due (checked every 100 ms) */
		sigset_t chld;
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		struct timespec ts = {0, 100 * 1000 * 1000};
		sigtimedwait(&chld, NULL, &ts);
	}
	h->res->interrupted = h->o->stop && *h->o->stop;
	free(done);
	return rc;
}

/* OUT/harness/scratch names the scratch folder of the run that is (or was,
 * if killed) using OUT: remove that folder (one of ours only) and the file. */
static void clean_scratch(const char *out)
{
	char p[4200], old[128] = "", e2[OFS_ERRLEN];
	snprintf(p, sizeof p, "%s/harness/scratch", out);
	FILE *f = fopen(p, "r");
	if (!f)
		return;
	size_t n = fread(old, 1, sizeof old - 1, f);
	fclose(f);
	old[n] = '\0';
	if ((!strncmp(old, "/dev/shm/ofs-hx-", 16) || !strncmp(old, "/tmp/ofs-hx-", 12)) && !strstr(old, ".."))
		ofs__hx_rmtree(old, e2);
	unlink(p);
}

int ofs_harness_run(const struct ofs_catalog *cat, const struct ofs_plan *plan, const struct ofs_harness_opts *o,
                    struct ofs_harness_result *res, char *err)
{
	memset(res, 0, sizeof *res);
	struct hx h = {.o = o, .plan = plan, .res = res};
	int e = check_opts(&h, err);
	if (!e)
		e = ofs_harness_check(err);
	if (e)
		return e;
	snprintf(h.tmpdir, sizeof h.tmpdir, "/dev/shm/ofs-hx-XXXXXX");
	if (!mkdtemp(h.tmpdir)) {
		snprintf(h.tmpdir, sizeof h.tmpdir, "/tmp/ofs-hx-XXXXXX");
		if (!mkdtemp(h.tmpdir))
			return ofs_fail(err, OFS_EIO, "cannot make a scratch folder in /dev/shm or /tmp: %s", strerror(errno));
	}
	res->total = (long)plan->n * (o->reps > 0 ? o->reps : 1);
	struct ofs_run_opts ro = {
	        .out_dir = o->out_dir, .reps = o->reps, .command = o->command, .write_transcripts = OFS_TRANSCRIPTS_OFFSWITCH};
	/* SIGCHLD blocked before any thread starts, so that every thread has it
	 * blocked and the loop's sigtimedwait sees it */
	sigset_t chld, old;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &old);
	h.fx = ofs_fixtures_new(cat);
	h.jobs = o->jobs;
	h.slots = ofs_xcalloc((size_t)h.jobs, sizeof *h.slots);
	e = ofs_rundir_open(&h.rd, plan, &ro, h.agent->name, err);
	if (!e) /* the run directory is ours now (its lock): a killed run's scratch can go */
		clean_scratch(o->out_dir);
	snprintf(h.etc, sizeof h.etc, "%s/etc", h.tmpdir);
	char marker[4200];
	snprintf(marker, sizeof marker, "%s/harness/scratch", o->out_dir);
	if (!e)
		e = ofs_mkdirs(marker, err) ? OFS_EIO : 0; /* the folder, then the file beside it */
	if (!e) {
		rmdir(marker);
		e = ofs_write_atomic(marker, h.tmpdir, strlen(h.tmpdir), OFS_AFILE_LAZY, err);
	}
	snprintf(h.bin, sizeof h.bin, "%s/bin", h.tmpdir);
	if (!e)
		e = ofs__hx_etc(h.etc, err);
	if (!e)
		e = ofs__hx_bin(h.bin, o->shim_dir, o->relay_exe, err);
	if (!e)
		e = start_proxy(&h, err);
	if (!e)
		e = loop(&h, err);
	for (int i = 0; i < h.jobs; i++)
		if (h.slots[i].r.used) {
			kill(h.slots[i].r.pid, SIGKILL);
			waitpid(h.slots[i].r.pid, NULL, 0);
			slot_clear(&h, &h.slots[i]);
		}
	stop_proxy(&h);
	if (h.rd) /* before the lock goes */
		clean_scratch(o->out_dir);
	char e2[OFS_ERRLEN];
	int ce = ofs_rundir_close(h.rd, &res->recorded, e ? e2 : err);
	if (!e)
		e = ce;
	char e3[OFS_ERRLEN];
	ofs__hx_rmtree(h.tmpdir, e3);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(h.slots);
	ofs_fixtures_free(h.fx);
	return e;
}
