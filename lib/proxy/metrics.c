/* metrics.c — the counters behind /metrics (Prometheus text exposition
 * format 0.0.4): requests by agent, format and status, a latency histogram,
 * bytes in and out, alerts by rule and agent, the audit log's size. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proxy/proxy_int.h"

static const double bounds[NBUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

void ofs__proxy_metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof *m);
	pthread_mutex_init(&m->mu, NULL);
	m->req = ofs_xcalloc(OFS_PROXY_MAX_SERIES, sizeof *m->req);
	m->alert = ofs_xcalloc(OFS_PROXY_MAX_SERIES, sizeof *m->alert);
}

static void free_series(struct series *s, int n)
{
	for (int i = 0; i < n; i++)
		free(s[i].agent), free(s[i].format);
	free(s);
}

void ofs__proxy_metrics_free(struct metrics *m)
{
	free_series(m->req, m->nreq);
	free_series(m->alert, m->nalert);
	pthread_mutex_destroy(&m->mu);
}

/* The series (a, f, status) of s, added if new; the last slot takes every
 * series past the cap (agent "_other"). Under m->mu. */
static struct series *find(struct series *s, int *n, const char *a, const char *f, int status)
{
	for (int i = 0; i < *n; i++)
		if (s[i].status == status && !strcmp(s[i].agent, a) && !strcmp(s[i].format, f))
			return &s[i];
	if (*n == OFS_PROXY_MAX_SERIES - 1) {
		a = "_other", f = "_other", status = 0;
		for (int i = 0; i < *n; i++)
			if (!strcmp(s[i].agent, a) && !strcmp(s[i].format, f))
				return &s[i];
	}
	if (*n == OFS_PROXY_MAX_SERIES)
		return &s[*n - 1];
	s[*n].agent = ofs_xstrdup(a);
	s[*n].format = ofs_xstrdup(f);
	s[*n].status = status;
	return &s[(*n)++];
}

void ofs__proxy_count(struct ofs_proxy *p, const char *agent, const char *format, int status, double secs, size_t in, size_t out)
{
	struct metrics *m = &p->m;
	pthread_mutex_lock(&m->mu);
	find(m->req, &m->nreq, agent, format, status)->n++;
	int b = 0;
	while (b < NBUCKETS && secs > bounds[b])
		b++;
	m->bucket[b]++;
	m->lat_sum += secs;
	m->lat_n++;
	m->bytes_in += in;
	m->bytes_out += out;
	pthread_mutex_unlock(&m->mu);
}

void ofs_proxy_alert(struct ofs_proxy *p, const char *rule, const char *agent)
{
	struct metrics *m = &p->m;
	pthread_mutex_lock(&m->mu);
	find(m->alert, &m->nalert, agent ? agent : "", rule ? rule : "", 0)->n++;
	pthread_mutex_unlock(&m->mu);
}

/* A label value: backslash, double quote and newline escaped. */
static void label(struct ofs_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			ofs_buf_putc(b, '\\'), ofs_buf_putc(b, *s);
		else if (*s == '\n')
			ofs_buf_puts(b, "\\n");
		else
			ofs_buf_putc(b, *s);
	}
}

static void series_text(struct ofs_buf *b, const struct metrics *m)
{
	ofs_buf_puts(b, "# HELP ofs_proxy_requests_total Exchanges by agent, wire format and the status the client got.\n"
	                "# TYPE ofs_proxy_requests_total counter\n");
	for (int i = 0; i < m->nreq; i++) {
		ofs_buf_puts(b, "ofs_proxy_requests_total{agent=\"");
		label(b, m->req[i].agent);
		ofs_buf_puts(b, "\",format=\"");
		label(b, m->req[i].format);
		ofs_buf_printf(b, "\",status=\"%d\"} %llu\n", m->req[i].status, m->req[i].n);
	}
	ofs_buf_puts(b, "# HELP ofs_proxy_alerts_total Detector alerts by rule and agent.\n"
	                "# TYPE ofs_proxy_alerts_total counter\n");
	for (int i = 0; i < m->nalert; i++) {
		ofs_buf_puts(b, "ofs_proxy_alerts_total{rule=\"");
		label(b, m->alert[i].format);
		ofs_buf_puts(b, "\",agent=\"");
		label(b, m->alert[i].agent);
		ofs_buf_printf(b, "\"} %llu\n", m->alert[i].n);
	}
}

void ofs__proxy_metrics_text(struct ofs_proxy *p, struct ofs_buf *b)
{
	struct metrics *m = &p->m;
	pthread_mutex_lock(&m->mu);
	series_text(b, m);
	ofs_buf_puts(b, "# HELP ofs_proxy_latency_seconds Time from a request's last byte to its response's last byte.\n"
	                "# TYPE ofs_proxy_latency_seconds histogram\n");
	unsigned long long acc = 0;
	for (int i = 0; i < NBUCKETS; i++) {
		acc += m->bucket[i];
		ofs_buf_printf(b, "ofs_proxy_latency_seconds_bucket{le=\"%g\"} %llu\n", bounds[i], acc);
	}
	acc += m->bucket[NBUCKETS];
	ofs_buf_printf(b, "ofs_proxy_latency_seconds_bucket{le=\"+Inf\"} %llu\n", acc);
	ofs_buf_printf(b, "ofs_proxy_latency_seconds_sum %.6f\nofs_proxy_latency_seconds_count %llu\n", m->lat_sum, m->lat_n);
	ofs_buf_printf(b,
	               "# HELP ofs_proxy_request_bytes_total Request body bytes from clients.\n"
	               "# TYPE ofs_proxy_request_bytes_total counter\nofs_proxy_request_bytes_total %llu\n"
	               "# HELP ofs_proxy_response_bytes_total Response body bytes from upstream.\n"
	               "# TYPE ofs_proxy_response_bytes_total counter\nofs_proxy_response_bytes_total %llu\n"
	               "# HELP ofs_proxy_audit_errors_total Records the audit log failed to append or commit.\n"
	               "# TYPE ofs_proxy_audit_errors_total counter\nofs_proxy_audit_errors_total %llu\n",
	               m->bytes_in, m->bytes_out, m->audit_errors);
	pthread_mutex_unlock(&m->mu);
	ofs_buf_printf(b,
	               "# HELP ofs_proxy_inflight Exchanges in flight.\n# TYPE ofs_proxy_inflight gauge\n"
	               "ofs_proxy_inflight %d\n",
	               atomic_load(&p->inflight));
	if (p->audit) {
		uint64_t size;
		uint8_t root[OFS_AUDIT_HASHLEN];
		ofs_audit_head(p->audit, &size, root);
		struct stat st;
		long long bytes = stat(p->o.audit_path, &st) ? -1 : (long long)st.st_size;
		ofs_buf_printf(b,
		               "# HELP ofs_proxy_audit_records Records committed to the audit log.\n"
		               "# TYPE ofs_proxy_audit_records gauge\nofs_proxy_audit_records %llu\n"
		               "# HELP ofs_proxy_audit_bytes Size of the audit log file.\n"
		               "# TYPE ofs_proxy_audit_bytes gauge\nofs_proxy_audit_bytes %lld\n",
		               (unsigned long long)size, bytes);
	}
}
