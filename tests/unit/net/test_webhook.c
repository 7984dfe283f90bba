/* test_webhook.c — alerts POSTed to a real HTTP receiver on loopback (a
 * libmicrohttpd server in this test): order, retries, give-up, the caps, and
 * a close that does not wait on a dead receiver. */
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "offswitch/webhook.h"
#include "t.h"

/* The receiver: answers `fail_first` requests 500, then 200; keeps the bodies. */
struct recv {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	int fail_first, requests;
	char got[8][64];
	int ngot;
};

struct conn {
	char buf[64];
	size_t n;
};

static enum MHD_Result on_req(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *ver,
                              const char *data, size_t *size, void **ctx)
{
	struct recv *r = cls;
	struct conn *k = *ctx;
	if (!k) {
		*ctx = calloc(1, sizeof *k);
		return MHD_YES;
	}
	if (*size) {
		size_t room = sizeof k->buf - 1 - k->n, n = *size < room ? *size : room;
		memcpy(k->buf + k->n, data, n);
		k->n += n;
		*size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&r->mu);
	int fail = r->requests++ < r->fail_first;
	if (!fail && r->ngot < 8)
		snprintf(r->got[r->ngot++], sizeof r->got[0], "%s", k->buf);
	pthread_mutex_unlock(&r->mu);
	struct MHD_Response *resp = MHD_create_response_from_buffer(2, "ok", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(c, fail ? 500 : 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode t)
{
	free(*ctx);
	*ctx = NULL;
}

static void recv_start(struct recv *r, int fail_first)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->mu, NULL);
	r->fail_first = fail_first;
	r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_req, r, MHD_OPTION_NOTIFY_COMPLETED, on_done,
	                        NULL, MHD_OPTION_END);
	const union MHD_DaemonInfo *i = r->d ? MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
	r->port = i ? i->port : 0;
}

static void recv_stop(struct recv *r)
{
	if (r->d)
		MHD_stop_daemon(r->d);
	pthread_mutex_destroy(&r->mu);
}

static struct ofs_webhook *open_to(int port)
{
	char url[128], err[OFS_ERRLEN];
	struct ofs_webhook *w = NULL;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/hook?token=sekrit-token", port);
	CHECK_INT(ofs_webhook_open(&w, url, 5, err), 0);
	return w;
}

/* Wait (at most 10 s) until nothing is queued. */
static void settle(struct ofs_webhook *w)
{
	struct ofs_webhook_stats s;
	for (int i = 0; i < 1000; i++) {
		ofs_webhook_stats(w, &s);
		if (s.queued == 0)
			return;
		nanosleep(&(struct timespec){0, 10000000L}, NULL);
	}
}

static void delivers_in_order(void)
{
	struct recv r;
	recv_start(&r, 0);
	CHECK(r.port > 0);
	struct ofs_webhook *w = open_to(r.port);
	CHECK_INT(ofs_webhook_send(w, "{\"n\":1}", 7), 0);
	CHECK_INT(ofs_webhook_send(w, "{\"n\":2}", 7), 0);
	CHECK_INT(ofs_webhook_send(w, "{\"n\":3}", 7), 0);
	settle(w);
	struct ofs_webhook_stats s;
	ofs_webhook_stats(w, &s);
	CHECK_INT(s.sent, 3);
	CHECK_INT(s.failed, 0);
	ofs_webhook_close(w, 1000);
	CHECK_INT(r.ngot, 3);
	CHECK_STR(r.got[0], "{\"n\":1}");
	CHECK_STR(r.got[2], "{\"n\":3}");
	recv_stop(&r);
}

static void retries_then_succeeds(void)
{
	struct recv r;
	recv_start(&r, 2); /* two 500s, then 200: waits 0.5 s + 1 s */
	struct ofs_webhook *w = open_to(r.port);
	CHECK_INT(ofs_webhook_send(w, "{\"alert\":true}", 14), 0);
	settle(w);
	struct ofs_webhook_stats s;
	ofs_webhook_stats(w, &s);
	CHECK_INT(s.sent, 1);
	CHECK_INT(s.failed, 0);
	CHECK_INT(r.requests, 3);
	ofs_webhook_close(w, 0);
	recv_stop(&r);
}

static void dead_receiver_close_is_prompt(void)
{
	struct recv r;
	recv_start(&r, 0);
	int port = r.port;
	recv_stop(&r); /* nobody listens on port now */
	struct ofs_webhook *w = open_to(port);
	CHECK_INT(ofs_webhook_send(w, "{}", 2), 0);
	CHECK_INT(ofs_webhook_send(w, "{}", 2), 0);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	ofs_webhook_close(w, 100); /* the backoff (0.5 s, 1 s, 2 s) is cut short */
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	CHECK(s < 3.0);
}

static void caps_and_bad_urls(void)
{
	char err[OFS_ERRLEN] = "";
	struct ofs_webhook *w = NULL;
	CHECK_INT(ofs_webhook_open(&w, "ftp://example.org/x", 1, err), OFS_EINVAL);
	CHECK(w == NULL);
	CHECK(strstr(err, "http://") != NULL);
	CHECK_INT(ofs_webhook_open(&w, "http://", 1, err), OFS_EINVAL);
	w = open_to(9); /* the discard port: nothing answers, nothing is sent here */
	char *big = calloc(1, OFS_WEBHOOK_MAX_BODY + 2);
	memset(big, 'x', OFS_WEBHOOK_MAX_BODY + 1);
	CHECK_INT(ofs_webhook_send(w, big, OFS_WEBHOOK_MAX_BODY + 1), OFS_ELIMIT);
	free(big);
	struct ofs_webhook_stats s;
	ofs_webhook_stats(w, &s);
	CHECK_INT(s.dropped, 1);
	ofs_webhook_close(w, 0);
	ofs_webhook_close(NULL, 0);
}

int main(void)
{
	RUN(delivers_in_order);
	RUN(retries_then_succeeds);
	RUN(dead_receiver_close_is_prompt);
	RUN(caps_and_bad_urls);
	return DONE();
}
