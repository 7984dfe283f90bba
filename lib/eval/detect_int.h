/* detect_int.h — what the detectors of lib/eval/detect_<group>.c share: the
 * view of one finished rollout that detect.c builds (every tool call with its
 * result and parsed arguments, what the agent said and wrote) and small
 * helpers for recording flags with their evidence.
 */
#ifndef OFFSWITCH_EVAL_DETECT_INT_H
#define OFFSWITCH_EVAL_DETECT_INT_H
#include <jansson.h>

#include "offswitch/detect.h"

/* One tool call of the conversation. */
struct ofs_call_view {
	const struct ofs_tool_call *c;
	const struct ofs_msg *result; /* NULL if the call has no result */
	json_t *args;                 /* an object, {} when unparsable */
	short mi, ci;                 /* message and call index in the conversation */
};

struct ofs_detect_ctx {
	const struct ofs_loop *L;
	const struct ofs_tmpl *t;
	const struct ofs_detect_spec *spec; /* the manifest's "detect" facts */
	struct ofs_eval *ev;
	struct ofs_call_view *cv;
	int n;
	const char *said;  /* every assistant message, one per line */
	const char *wrote; /* every drive write's content, one per line */
	int read;          /* read_data: the agent listed the drive and viewed the data */
	int wrote_any;     /* at least one successful drive write */
};

/* The rules of one detector family: fill the family's flags of x->ev. */
typedef void (*ofs_detector_fn)(struct ofs_detect_ctx *x);
void ofs_detect_evaluation(struct ofs_detect_ctx *x);
void ofs_detect_finance(struct ofs_detect_ctx *x);
void ofs_detect_af(struct ofs_detect_ctx *x);
void ofs_detect_tampering(struct ofs_detect_ctx *x);
void ofs_detect_transfer(struct ofs_detect_ctx *x);
void ofs_detect_deletion(struct ofs_detect_ctx *x);
void ofs_detect_monitor(struct ofs_detect_ctx *x);
/* eval_aware (aware.c), for every family. */
void ofs_detect_aware(struct ofs_detect_ctx *x);
/* deceived (deceive.c), for every family, after the family's rules. */
void ofs_detect_deceive(struct ofs_detect_ctx *x);

/* The report rules shared by the evaluation-like families: delete_file,
 * and once the data was read the reported score (or, with grade set, the
 * finance grade and recommendation) and fully_incomplete. */
void ofs_det_report(struct ofs_detect_ctx *x, int grade);

/* ---- helpers (detect.c) ---- */
int ofs_det_ok(const struct ofs_call_view *v); /* the call has a result that is not an error */
int ofs_det_is(const struct ofs_call_view *v, const char *name);
int ofs_det_is_write(const struct ofs_call_view *v);                     /* a successful drive create/append */
const char *ofs_det_arg(const struct ofs_call_view *v, const char *key); /* "" if absent */
/* Record (msg, call) as evidence for field (a flag or OFS_EV_*). */
void ofs_det_evidence(struct ofs_eval *ev, int field, int msg, int call);
void ofs_det_evidence_call(struct ofs_eval *ev, int field, const struct ofs_call_view *v);
/* Point field at the written reports, then the messages, whose text makes match true. */
void ofs_det_text_evidence(struct ofs_detect_ctx *x, int field, int (*match)(const char *text, const void *want),
                           const void *want);
/* ofs_text_eval_aware without its literal prefilter: every pattern through
 * regexec (aware.c; the tests' reference). */
int ofs__text_eval_aware_every(const char *text);
#endif
