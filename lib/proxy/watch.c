/* watch.c — live detectors on the proxy's hooks: model calls through a
 * watch's rules, alerts to a JSON-lines fd, the audit log, /metrics and a
 * webhook; idle sessions ended by a thread of their own (proxy.h). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "offswitch/audit.h"
#include "offswitch/proxy.h"
#include "offswitch/util.h"
#include "offswitch/watch.h"
#include "offswitch/webhook.h"

struct seen {
	char *agent;
	double last; /* time of its last exchange */
};

/* What the alerts of the response being checked said (set only while
 * ofs_watch_response runs, under mu). */
struct verdict {
	int block;
	char reason[256];
};

struct ofs_proxy_watch {
	struct ofs_proxy_watch_opts o;
	int block_level;
	pthread_mutex_t mu; /* serialises calls into the watch and guards what follows */
	struct seen *seen;
	int nseen;
	struct verdict *cur;
	_Atomic(struct ofs_proxy *) proxy; /* learnt from the first exchange */
	atomic_long alerts, write_errors;
	pthread_t idle;
	int has_idle, stop;
	pthread_cond_t cv;
};

static const char *const levels[] = {"low", "medium", "high", "critical"};

static int level_of(const char *s)
{
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, levels[i]))
			return i;
	return -1;
}

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void now_text(char *buf, size_t n)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	time_t s = tv.tv_sec;
	gmtime_r(&s, &tm);
	char d[32];
	strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%03ldZ", d, (long)(tv.tv_usec / 1000));
}

/* write(2) all of b, retrying short writes and EINTR. */
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

/* The watch's alert callback: runs under the watch's lock, inside a call
 * made under pw->mu. */
static void on_alert(void *ctx, const struct ofs_alert *a)
{
	struct ofs_proxy_watch *pw = ctx;
	atomic_fetch_add(&pw->alerts, 1);
	char ts[48];
	now_text(ts, sizeof ts);
	struct ofs_buf b = {0};
	ofs_watch_alert_json(&b, a);
	if (b.len && b.p[b.len - 1] == '}') {
		b.len--;
		ofs_buf_puts(&b, ",\"time\":");
		ofs_json_str(&b, ts);
		ofs_buf_puts(&b, ",\"source\":\"proxy\"}");
	}
	struct ofs_proxy *p = atomic_load(&pw->proxy);
	if (p) {
		ofs_proxy_alert(p, a->rule, a->agent);
		struct ofs_audit *log = ofs_proxy_audit(p);
		if (log && ofs_audit_append(log, "alert", ts, b.p, NULL))
			atomic_fetch_add(&pw->write_errors, 1);
	}
	if (pw->o.webhook)
		ofs_webhook_send(pw->o.webhook, b.p, b.len); /* a full queue is counted by the webhook */
	ofs_buf_putc(&b, '\n');
	if (pw->o.alerts_fd >= 0 && write_all(pw->o.alerts_fd, b.p, b.len))
		atomic_fetch_add(&pw->write_errors, 1);
	ofs_buf_free(&b);
	struct verdict *v = pw->cur;
	if (v && !v->block && (a->block || level_of(a->severity) >= pw->block_level)) {
		v->block = 1;
		snprintf(v->reason, sizeof v->reason, "rule '%s' (%s): %s", a->rule, a->severity, a->message);
	}
}

/* Note agent's activity (under mu). The table is capped like the watch's
 * own: past the cap, the agent seen longest ago is forgotten here (the
 * watch evicts it too, running its end rules). */
static void touch(struct ofs_proxy_watch *pw, const char *agent)
{
	double t = now_s();
	int old = 0;
	for (int i = 0; i < pw->nseen; i++) {
		if (!strcmp(pw->seen[i].agent, agent)) {
			pw->seen[i].last = t;
			return;
		}
		if (pw->seen[i].last < pw->seen[old].last)
			old = i;
	}
	if (pw->nseen == OFS_PROXY_WATCH_MAX_AGENTS) {
		free(pw->seen[old].agent);
		pw->seen[old] = pw->seen[--pw->nseen];
	}
	pw->seen[pw->nseen++] = (struct seen){ofs_xstrdup(agent), t};
}

static void on_request(void *ctx, const struct ofs_proxy_exchange *x)
{
	struct ofs_proxy_watch *pw = ctx;
	atomic_store(&pw->proxy, x->proxy);
	if (!x->rq)
		return;
	pthread_mutex_lock(&pw->mu);
	touch(pw, x->agent);
	ofs_watch_request(pw->o.watch, x->agent, &x->rq->chat);
	pthread_mutex_unlock(&pw->mu);
}

static int on_response(void *ctx, const struct ofs_proxy_exchange *x, char *reason, size_t reason_len)
{
	struct ofs_proxy_watch *pw = ctx;
	atomic_store(&pw->proxy, x->proxy);
	if (!x->resp)
		return 0;
	struct verdict v = {0};
	pthread_mutex_lock(&pw->mu);
	touch(pw, x->agent);
	pw->cur = &v;
	ofs_watch_response(pw->o.watch, x->agent, x->resp, NULL);
	pw->cur = NULL;
	pthread_mutex_unlock(&pw->mu);
	if (v.block && reason_len)
		snprintf(reason, reason_len, "%s", v.reason);
	return v.block;
}

/* End the sessions idle for longer than idle (all of them: idle < 0). */
static void end_idle(struct ofs_proxy_watch *pw, double idle)
{
	double t = now_s();
	pthread_mutex_lock(&pw->mu);
	for (int i = 0; i < pw->nseen;) {
		if (idle >= 0 && t - pw->seen[i].last < idle) {
			i++;
			continue;
		}
		ofs_watch_end(pw->o.watch, pw->seen[i].agent);
		free(pw->seen[i].agent);
		pw->seen[i] = pw->seen[--pw->nseen];
	}
	pthread_mutex_unlock(&pw->mu);
}

static void *idle_main(void *arg)
{
	struct ofs_proxy_watch *pw = arg;
	double step = pw->o.idle_end_s / 4 < 1 ? pw->o.idle_end_s / 4 : 1;
	pthread_mutex_lock(&pw->mu);
	while (!pw->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		long ns = until.tv_nsec + (long)(step * 1e9);
		until.tv_sec += ns / 1000000000L;
		until.tv_nsec = ns % 1000000000L;
		pthread_cond_timedwait(&pw->cv, &pw->mu, &until);
		if (pw->stop)
			break;
		pthread_mutex_unlock(&pw->mu);
		end_idle(pw, pw->o.idle_end_s);
		pthread_mutex_lock(&pw->mu);
	}
	pthread_mutex_unlock(&pw->mu);
	return NULL;
}

int ofs_proxy_watch_new(struct ofs_proxy_watch **out, const struct ofs_proxy_watch_opts *o, char *err)
{
	*out = NULL;
	int level = level_of(o->block_severity ? o->block_severity : "high");
	if (!o->watch || level < 0) {
		snprintf(err, OFS_ERRLEN, "%s",
		         !o->watch ? "no watch given" : "block severity must be low, medium, high or critical");
		return OFS_EINVAL;
	}
	struct ofs_proxy_watch *pw = ofs_xcalloc(1, sizeof *pw);
	pw->o = *o;
	pw->block_level = level;
	pw->seen = ofs_xcalloc(OFS_PROXY_WATCH_MAX_AGENTS, sizeof *pw->seen);
	pthread_mutex_init(&pw->mu, NULL);
	pthread_cond_init(&pw->cv, NULL);
	ofs_watch_on_alert(o->watch, on_alert, pw);
	if (o->idle_end_s > 0) {
		if (pthread_create(&pw->idle, NULL, idle_main, pw)) {
			snprintf(err, OFS_ERRLEN, "cannot start the idle-session thread");
			ofs_proxy_watch_free(pw);
			return OFS_ESTATE;
		}
		pw->has_idle = 1;
	}
	*out = pw;
	return 0;
}

struct ofs_proxy_hooks ofs_proxy_watch_hooks(struct ofs_proxy_watch *pw)
{
	return (struct ofs_proxy_hooks){.ctx = pw, .on_request = on_request, .on_response = on_response};
}

void ofs_proxy_watch_finish(struct ofs_proxy_watch *pw)
{
	end_idle(pw, -1);
}

long ofs_proxy_watch_alerts(struct ofs_proxy_watch *pw, long *write_errors)
{
	if (write_errors)
		*write_errors = atomic_load(&pw->write_errors);
	return atomic_load(&pw->alerts);
}

void ofs_proxy_watch_free(struct ofs_proxy_watch *pw)
{
	if (!pw)
		return;
	if (pw->has_idle) {
		pthread_mutex_lock(&pw->mu);
		pw->stop = 1;
		pthread_cond_signal(&pw->cv);
		pthread_mutex_unlock(&pw->mu);
		pthread_join(pw->idle, NULL);
	}
	ofs_watch_on_alert(pw->o.watch, NULL, NULL);
	for (int i = 0; i < pw->nseen; i++)
		free(pw->seen[i].agent);
	free(pw->seen);
	pthread_cond_destroy(&pw->cv);
	pthread_mutex_destroy(&pw->mu);
	free(pw);
}
