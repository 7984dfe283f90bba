/* mock_int.h — the mock server's state, shared by server.c (HTTP, routes,
 * faults) and agents.c (which agent answers, with its caches). lib/mock/ only. */
#ifndef OFFSWITCH_MOCK_INT_H
#define OFFSWITCH_MOCK_INT_H
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

#include "offswitch/listen.h"
#include "offswitch/mock.h"

#define OFS_MOCK_MAX_CACHED                                                                                                      \
	1024 /* templates and script files kept (the paper matrix has 271 configs); more are built per request */

struct ofs_mock_tcache {
	char *key;
	struct ofs_config cfg;
	struct ofs_tmpl *t;
	struct ofs_mock_tcache *next;
};

struct ofs_mock_scache {
	char *path;
	struct ofs_provider *p;
	struct ofs_mock_scache *next;
};

struct ofs__mock_conn; /* server.c's per-request state */

struct ofs_mock {
	struct ofs_mock_opts o;
	struct ofs_wire_cache *wc; /* parsed tool lists, shared by the connections */
	struct MHD_Daemon *d;
	long started;           /* epoch seconds: the models' `created` */
	struct ofs_listener ls; /* the socket: its URL and bound address (accepted in Host) */
	char *script_dir;       /* canonical --script-dir, or NULL: script: models refused */
	struct ofs_catalog cat;
	struct ofs_fixtures *fx;
	struct ofs_provider **policies; /* one per reference policy */
	struct ofs_provider *script;    /* --script default, or NULL */
	pthread_mutex_t mu;             /* caches, PRNG, fixtures */
	pthread_mutex_t log_mu;
	struct ofs_mock_tcache *tc;
	int ntc;
	struct ofs_mock_scache *sc;
	int nsc;
	uint64_t rng;
	atomic_long counter;
	atomic_int stopping;
	/* Requests held by a latency or a hang (suspended), resumed by the
	 * waker thread at their time (server.c); under wmu. */
	pthread_t waker;
	int waker_up;
	pthread_mutex_t wmu;
	pthread_cond_t wcv;
	struct ofs__mock_conn *waiting;
};

/* Load the catalog, the reference agents and the default script. 0 or OFS_EDATA. */
int ofs__mock_agents_load(struct ofs_mock *m, char *err);
/* Whether GET /v1/models lists id (GET /v1/models/ID answers 404 otherwise). */
int ofs__mock_model_known(const char *id);
/* Free what ofs__mock_agents_load and the caches hold. */
void ofs__mock_agents_release(struct ofs_mock *m);
/* Answer a model call (config_key: the X-Offswitch-Config header, or NULL).
 * Returns 0 with *agent naming who answered, or an HTTP status with a
 * message in err. */
int ofs__mock_answer(struct ofs_mock *m, const char *config_key, const struct ofs_wire_req *rq, struct ofs_arena *A,
                     struct ofs_response *r, const char **agent, char *err);
/* shell.c: the shell agents `shell/<policy>` (NULL-terminated names). Answer
 * a model call as the agent policy: 0 with r filled (arena A), or 404 with a
 * message in err for an unknown policy. */
extern const char *const ofs__mock_shell_policies[];
int ofs__mock_shell_answer(const char *policy, const struct ofs_wire_req *rq, struct ofs_arena *A, struct ofs_response *r,
                           char *err);
#endif
