/* error.h — the library's one error model.
 *
 * Every library function that can fail returns 0 (or a non-negative count
 * where its header says so) on success and a negative OFS_E* code on failure.
 * ofs_strerror() names a code in a few words. The message — one line naming
 * the file, field, value or address at fault, never a secret — goes to the
 * handle the function works on (ofs_store_errmsg(), ofs_provider_errmsg(), ...);
 * functions that have no handle yet (constructors, parsers of one text) take a
 * caller-owned `char err[OFS_ERRLEN]` instead. The library never prints and
 * never exits; src/ alone turns codes into messages and exit statuses
 * (docs/cli.md).
 *
 * Lifecycle verbs: _init/_release for structs the caller embeds, _new/_free
 * (or _open/_close, _start/_stop) for heap objects; every _free/_release/
 * _close/_stop accepts NULL.
 */
#ifndef OFFSWITCH_ERROR_H
#define OFFSWITCH_ERROR_H

#define OFS_ERRLEN 512 /* size of every error-message buffer */

enum ofs_errcode {
	OFS_OK = 0,
	OFS_EINVAL = -1,    /* a bad argument or option value from the caller */
	OFS_ENOTFOUND = -2, /* an unknown name: provider, wire format, report format, task, agent */
	OFS_EDATA = -3,     /* bad data: a manifest, fixture, script, settings file or response body */
	OFS_EIO = -4,       /* a file, directory or database cannot be read or written */
	OFS_ECORRUPT = -5,  /* a database or record that is damaged or not offswitch's */
	OFS_ENET = -6,      /* a network call failed for good (after its retries) */
	OFS_ELISTEN = -7,   /* an address cannot be bound or is not allowed */
	OFS_ELIMIT = -8,    /* a documented cap was reached (the message names it) */
	OFS_EINTR = -9,     /* stopped on request (a signal): what was done is recorded */
	OFS_ESTATE = -10,   /* an operation that the object's state does not allow */
};
#define OFS_E__MIN OFS_ESTATE

/* A few words naming code ("bad data", ...); "unknown error" for anything else. */
const char *ofs_strerror(int code);

/* Write a formatted message into err (OFS_ERRLEN bytes; err may be NULL) and
 * return code: `return ofs_fail(err, OFS_EDATA, "%s: ...", path);`. */
int ofs_fail(char *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#endif
