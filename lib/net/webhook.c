/* webhook.c — alerts POSTed from a sender thread (offswitch/webhook.h). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "offswitch/webhook.h"

struct item {
	char *body;
	size_t len;
	struct item *next;
};

struct ofs_webhook {
	char *url;
	long timeout_s;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* an item queued, or stopping */
	struct item *head, *tail;
	int stopping;
	struct ofs_webhook_stats st;
};

/* The deadline ms from now, for pthread_cond_timedwait. */
static struct timespec after_ms(long ms)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static size_t discard(char *p, size_t sz, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return sz * n;
}

/* One POST: 1 when answered 2xx. */
static int post(CURL *c, const struct ofs_webhook *w, const struct item *it)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	long status = 0;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, it->body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, w->timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	return rc == CURLE_OK && status >= 200 && status < 300;
}

/* Send one item with its retries; the lock is not held. */
static void deliver(struct ofs_webhook *w, CURL *c, const struct item *it)
{
	long wait_ms = 500;
	for (int i = 0; i < OFS_WEBHOOK_TRIES; i++) {
		if (post(c, w, it)) {
			pthread_mutex_lock(&w->mu);
			w->st.sent++;
			pthread_mutex_unlock(&w->mu);
			return;
		}
		pthread_mutex_lock(&w->mu);
		if (i + 1 < OFS_WEBHOOK_TRIES && !w->stopping) {
			struct timespec t = after_ms(wait_ms);
			while (!w->stopping && pthread_cond_timedwait(&w->cv, &w->mu, &t) != ETIMEDOUT)
				;
		}
		int stop = w->stopping;
		pthread_mutex_unlock(&w->mu);
		if (stop)
			break;
		wait_ms *= 2;
	}
	pthread_mutex_lock(&w->mu);
	w->st.failed++;
	pthread_mutex_unlock(&w->mu);
}

static void *sender(void *arg)
{
	struct ofs_webhook *w = arg;
	CURL *c = curl_easy_init();
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->head || w->stopping)
			break;
		struct item *it = w->head;
		w->head = it->next;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);
		if (c)
			deliver(w, c, it);
		free(it->body);
		free(it);
		pthread_mutex_lock(&w->mu);
		w->st.queued--;
		if (!c)
			w->st.failed++;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	curl_easy_cleanup(c);
	return NULL;
}

/* "scheme://host[:port]" of url, for messages (never the path, query or user info). */
static void url_site(const char *url, char *out, size_t cap)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	const char *at = strchr(p, '@'), *end = p + strcspn(p, "/?#");
	if (at && at < end)
		p = at + 1;
	int scheme = (int)(strstr(url, "://") ? (size_t)(strstr(url, "://") - url) : 0);
	snprintf(out, cap, "%.*s://%.*s", scheme, url, (int)(end - p), p);
}

int ofs_webhook_open(struct ofs_webhook **out, const char *url, long timeout_s, char *err)
{
	*out = NULL;
	if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) || strlen(url) < 10 + (url[4] == 's'))
		return ofs_fail(err, OFS_EINVAL, "webhook: not an http:// or https:// URL");
	struct ofs_webhook *w = calloc(1, sizeof *w);
	if (!w || !(w->url = strdup(url))) {
		free(w);
		return ofs_fail(err, OFS_ESTATE, "webhook: out of memory");
	}
	w->timeout_s = timeout_s > 0 ? timeout_s : 10;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, sender, w) != 0) {
		char site[256];
		url_site(url, site, sizeof site);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w->url);
		free(w);
		return ofs_fail(err, OFS_ESTATE, "webhook %s: cannot start its thread", site);
	}
	*out = w;
	return 0;
}

int ofs_webhook_send(struct ofs_webhook *w, const char *body, size_t len)
{
	struct item *it = NULL;
	pthread_mutex_lock(&w->mu);
	if (len > OFS_WEBHOOK_MAX_BODY || w->st.queued >= OFS_WEBHOOK_MAX_QUEUE || w->stopping || !(it = calloc(1, sizeof *it)) ||
	    !(it->body = malloc(len + 1))) {
		free(it);
		w->st.dropped++;
		pthread_mutex_unlock(&w->mu);
		return OFS_ELIMIT;
	}
	memcpy(it->body, body, len);
	it->body[len] = '\0';
	it->len = len;
	if (w->tail)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	w->st.queued++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void ofs_webhook_stats(struct ofs_webhook *w, struct ofs_webhook_stats *s)
{
	pthread_mutex_lock(&w->mu);
	*s = w->st;
	pthread_mutex_unlock(&w->mu);
}

void ofs_webhook_close(struct ofs_webhook *w, long drain_ms)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	struct timespec t = after_ms(drain_ms > 0 ? drain_ms : 0);
	while (w->st.queued > 0 && pthread_cond_timedwait(&w->cv, &w->mu, &t) != ETIMEDOUT)
		;
	w->stopping = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	for (struct item *it = w->head, *next; it; it = next) {
		next = it->next;
		free(it->body);
		free(it);
		w->st.dropped++;
	}
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w->url);
	free(w);
}
