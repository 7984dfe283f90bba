/* proxy.c — starting, draining and stopping the proxy (proxy.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "offswitch/wire.h"
#include "proxy/proxy_int.h"

static char *dup_or_null(const char *s)
{
	return s ? ofs_xstrdup(s) : NULL;
}

static void release(struct ofs_proxy *p)
{
	ofs__proxy_share_free(p);
	ofs__h1_free(p);
	ofs_wire_cache_free(p->wc);
	p->wc = NULL;
	ofs__proxy_metrics_free(&p->m);
	ofs_proxy_keys_free(&p->keys);
	free(p->upstream);
	if (p->upstream_key)
		memset(p->upstream_key, 0, strlen(p->upstream_key));
	free(p->upstream_key);
	free(p->token);
	free((char *)p->o.audit_path);
	free(p);
}

static int copy_opts(struct ofs_proxy *p, const struct ofs_proxy_opts *o, char *err)
{
	p->o = *o;
	if (!o->upstream || (strncmp(o->upstream, "http://", 7) && strncmp(o->upstream, "https://", 8))) {
		snprintf(err, OFS_ERRLEN, "the upstream must be an http:// or https:// URL");
		return OFS_EINVAL;
	}
	p->upstream = ofs_xstrdup(o->upstream);
	size_t l = strlen(p->upstream);
	while (l > 8 && p->upstream[l - 1] == '/')
		p->upstream[--l] = 0;
	p->upstream_key = dup_or_null(o->upstream_key);
	p->token = dup_or_null(o->token);
	p->o.audit_path = dup_or_null(o->audit_path);
	if (o->keys) {
		p->has_keys = 1;
		for (int i = 0; i < o->keys->n; i++) {
			p->keys.v[i].agent = ofs_xstrdup(o->keys->v[i].agent);
			p->keys.v[i].key = ofs_xstrdup(o->keys->v[i].key);
		}
		p->keys.n = o->keys->n;
	}
	if (!p->o.max_request)
		p->o.max_request = OFS_PROXY_MAX_REQUEST;
	if (!p->o.record_cap)
		p->o.record_cap = OFS_PROXY_RECORD_CAP;
	if (p->o.timeout_s <= 0)
		p->o.timeout_s = 600;
	if (p->o.client_timeout_s <= 0)
		p->o.client_timeout_s = 60;
	return 0;
}

/* The log, with every key the proxy knows on its redaction list. */
static int open_audit(struct ofs_proxy *p, char *err)
{
	if (!p->o.audit_path)
		return 0;
	const char *secrets[OFS_AUDIT_MAX_SECRETS];
	int n = 0;
	if (p->upstream_key && strlen(p->upstream_key) >= OFS_AUDIT_MIN_SECRET)
		secrets[n++] = p->upstream_key;
	if (p->token && strlen(p->token) >= OFS_AUDIT_MIN_SECRET)
		secrets[n++] = p->token;
	for (int i = 0; i < p->keys.n && n < OFS_AUDIT_MAX_SECRETS; i++)
		secrets[n++] = p->keys.v[i].key;
	struct ofs_audit_opts ao = {.secrets = secrets, .nsecrets = n, .repair = p->o.audit_repair};
	int rc = ofs_audit_open(&p->audit, p->o.audit_path, &ao, err);
	if (!rc) { /* exchange numbers go on from the records already there */
		uint64_t size;
		uint8_t root[OFS_AUDIT_HASHLEN];
		ofs_audit_head(p->audit, &size, root);
		atomic_store(&p->seq, (long)size);
	}
	return rc;
}

int ofs_proxy_start(struct ofs_proxy **out, const struct ofs_proxy_opts *o, char *err)
{
	*out = NULL;
	struct ofs_proxy *p = ofs_xcalloc(1, sizeof *p);
	ofs__proxy_metrics_init(&p->m);
	ofs__proxy_share_init(p);
	int rc, fd = -1;
	if ((rc = copy_opts(p, o, err)) || (rc = open_audit(p, err)) ||
	    (rc = ofs_listen(&p->ls, p->o.host, p->o.port, p->o.allow_remote, err)))
		goto fail;
	fd = p->ls.fd;
	ofs__h1_init(p);
	p->wc = ofs_wire_cache_new();
	p->d = MHD_start_daemon(
	        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_TURBO, 0,
	        NULL, NULL, ofs__proxy_handler, p, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_URI_LOG_CALLBACK, ofs__proxy_uri_log,
	        p, MHD_OPTION_NOTIFY_COMPLETED, ofs__proxy_completed, p, MHD_OPTION_NOTIFY_CONNECTION, ofs__proxy_conn_notify, p,
	        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_CONNECTION_LIMIT, 1024u,
	        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)p->o.client_timeout_s, MHD_OPTION_END);
	if (!p->d) {
		close(fd);
		snprintf(err, OFS_ERRLEN, "cannot start the HTTP server on %s", p->ls.url);
		rc = OFS_ELISTEN;
		goto fail;
	}
	*out = p;
	return 0;
fail:
	ofs_audit_close(p->audit);
	release(p);
	return rc;
}

const char *ofs_proxy_url(const struct ofs_proxy *p)
{
	return p->ls.url;
}

struct ofs_audit *ofs_proxy_audit(struct ofs_proxy *p)
{
	return p->audit;
}

unsigned long long ofs_proxy_repaired(const struct ofs_proxy *p)
{
	return p->audit ? (unsigned long long)ofs_audit_repaired(p->audit) : 0;
}

int ofs_proxy_drain(struct ofs_proxy *p, double timeout_s)
{
	atomic_store(&p->stopping, 1);
	MHD_socket fd = MHD_quiesce_daemon(p->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	for (long waited = 0; atomic_load(&p->inflight) > 0 && waited < (long)(timeout_s * 1000); waited += 10) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return atomic_load(&p->inflight);
}

int ofs_proxy_stop(struct ofs_proxy *p, char *err)
{
	if (!p)
		return 0;
	atomic_store(&p->stopping, 1);
	if (p->d)
		MHD_stop_daemon(p->d);
	int rc = 0;
	if (p->audit) {
		rc = ofs_audit_close(p->audit);
		if (rc && err)
			snprintf(err, OFS_ERRLEN, "the audit log: %s", "commit failed at close");
	}
	release(p);
	return rc;
}
