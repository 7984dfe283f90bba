/* http_load.c — the load client of bench/proxy.sh: N POST requests of BODY
 * to URL from CONC threads, each on one kept-alive connection (libcurl easy
 * handle), sequential within a thread. Prints one line:
 *   requests=N errors=E seconds=S rps=R p50_us=A p99_us=B
 * Non-2xx answers count as errors. Usage:
 *   http_load URL N CONC BODY [HEADER...] */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct job {
	const char *url, *body;
	struct curl_slist *hdrs;
	long n;
	double *lat; /* this thread's latencies, seconds */
	long errors;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
	(void)p, (void)u;
	return sz * n;
}

static void *run(void *u)
{
	struct job *j = u;
	CURL *h = curl_easy_init();
	curl_easy_setopt(h, CURLOPT_URL, j->url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, j->body);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, j->hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	for (long i = 0; i < j->n; i++) {
		double t0 = now();
		long code = 0;
		if (curl_easy_perform(h) == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		j->lat[i] = now() - t0;
		if (code < 200 || code > 299)
			j->errors++;
	}
	curl_easy_cleanup(h);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fputs("usage: http_load URL N CONC BODY [HEADER...]\n", stderr);
		return 2;
	}
	long n = atol(argv[2]), conc = atol(argv[3]);
	if (n < 1 || conc < 1 || conc > 256)
		return 2;
	curl_global_init(CURL_GLOBAL_ALL);
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (int i = 5; i < argc; i++)
		hdrs = curl_slist_append(hdrs, argv[i]);
	struct job *jobs = calloc((size_t)conc, sizeof *jobs);
	pthread_t *th = calloc((size_t)conc, sizeof *th);
	double *lat = calloc((size_t)n, sizeof *lat);
	long off = 0;
	for (long t = 0; t < conc; t++) {
		long k = n / conc + (t < n % conc);
		jobs[t] = (struct job){argv[1], argv[4], hdrs, k, lat + off, 0};
		off += k;
	}
	double t0 = now();
	for (long t = 0; t < conc; t++)
		pthread_create(&th[t], NULL, run, &jobs[t]);
	long errors = 0;
	for (long t = 0; t < conc; t++) {
		pthread_join(th[t], NULL);
		errors += jobs[t].errors;
	}
	double secs = now() - t0;
	qsort(lat, (size_t)n, sizeof *lat, cmp);
	printf("requests=%ld errors=%ld seconds=%.3f rps=%.0f p50_us=%.0f p99_us=%.0f\n", n, errors, secs, n / secs,
	       lat[n / 2] * 1e6, lat[(long)(n * 0.99)] * 1e6);
	curl_slist_free_all(hdrs);
	free(jobs);
	free(th);
	free(lat);
	curl_global_cleanup();
	return errors ? 1 : 0;
}
