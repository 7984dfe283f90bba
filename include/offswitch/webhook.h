/* webhook.h — alerts POSTed to an operator's URL (lib/net/webhook.c).
 *
 * A webhook has its own sender thread and a bounded queue, so whoever raises
 * an alert (the proxy, on a connection's thread) never waits on the
 * receiver: ofs_webhook_send() copies the body and returns. The thread POSTs
 * each body as application/json, in order, one at a time; a failure (no
 * connection, a timeout, a status outside 2xx) is retried up to
 * OFS_WEBHOOK_TRIES times in all, 0.5 s, 1 s, 2 s ... apart, and then counted
 * as failed. Nothing here prints: the counters say what happened.
 *
 * Secrets: the URL may carry a token (in its query or user info); messages
 * name only its scheme, host and port.
 *
 * Errors: 0 or a negative OFS_E* code. ofs_webhook_open: OFS_EINVAL (not an
 * http:// or https:// URL), OFS_ESTATE (the thread cannot start), with a
 * message in err (OFS_ERRLEN). ofs_webhook_send: OFS_ELIMIT when the queue
 * is full or the body is over the cap (the body is dropped and counted).
 */
#ifndef OFFSWITCH_WEBHOOK_H
#define OFFSWITCH_WEBHOOK_H
#include <stddef.h>

#include "offswitch/error.h"

#define OFS_WEBHOOK_MAX_QUEUE 4096       /* bodies waiting to be sent */
#define OFS_WEBHOOK_MAX_BODY  (1u << 20) /* bytes of one body */
#define OFS_WEBHOOK_TRIES     4          /* attempts per body */

struct ofs_webhook;

struct ofs_webhook_stats {
	long sent;    /* answered 2xx */
	long failed;  /* given up after OFS_WEBHOOK_TRIES attempts */
	long dropped; /* refused by ofs_webhook_send (queue full, too large) */
	long queued;  /* waiting now */
};

/* Start a webhook to url; timeout_s bounds each POST (<= 0: 10 s). *w is
 * NULL on error. */
int ofs_webhook_open(struct ofs_webhook **w, const char *url, long timeout_s, char *err);
/* Queue a copy of body (len bytes, JSON text). Thread-safe. */
int ofs_webhook_send(struct ofs_webhook *w, const char *body, size_t len);
/* A snapshot of the counters. Thread-safe. */
void ofs_webhook_stats(struct ofs_webhook *w, struct ofs_webhook_stats *s);
/* Wait up to drain_ms for the queue to empty (what is left is counted as
 * dropped), stop the thread and free w. NULL-safe. */
void ofs_webhook_close(struct ofs_webhook *w, long drain_ms);
#endif
