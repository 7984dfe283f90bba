/* redact.h — lib/audit's payload builder and secret redactor (private). */
#ifndef OFS_AUDIT_REDACT_H
#define OFS_AUDIT_REDACT_H
#include <jansson.h>
#include <stddef.h>

#include "offswitch/audit.h"

struct redactor {
	char **secrets; /* owned copies */
	int n;
};
/* Copy o's secrets and the values of its environment names. OFS_ELIMIT over
 * OFS_AUDIT_MAX_SECRETS, OFS_EINVAL for a secret under OFS_AUDIT_MIN_SECRET. */
int redactor_init(struct redactor *r, const struct ofs_audit_opts *o, char *err);
void redactor_release(struct redactor *r);
/* The record's payload (malloc'd, NUL-terminated, *len bytes): compact ASCII
 * JSON, secrets redacted. */
char *redact_payload(const struct redactor *r, const char *kind, const char *ts, const char *data, size_t *len);
/* The same from a parsed value (NULL: no data; not modified). */
char *redact_value(const struct redactor *r, const char *kind, const char *ts, json_t *data, size_t *len);
#endif
