/* watch_int.h — lib/watch's private records: compiled rules, the truth
 * sidecar and per-agent state. */
#ifndef OFS_WATCH_INT_H
#define OFS_WATCH_INT_H
#include <regex.h>

#include "offswitch/watch.h"

/* What a pattern looks at. */
enum ev { EV_CALL, EV_TEXT, EV_RESULT, EV_NOTICE, EV__N };
/* When a rule is evaluated. */
enum when { W_EVENT, W_END, W_REPORT };
enum scope { SC_AGENT, SC_ANY, SC_OTHER };

#define PAT_MAX_LIST 16 /* globs or regexes in one list */

struct pat {
	unsigned on;               /* bit set of enum ev */
	char *tools[PAT_MAX_LIST]; /* globs on the tool name (call, result) */
	int ntools;
	char *arg_path; /* JSON path into the arguments ("a.b", "*": any string) */
	regex_t *arg_re;
	char *arg_glob;
	regex_t *shell;              /* on each simple command of a shell tool's command */
	regex_t *args;               /* on any string value of the arguments */
	regex_t *text[PAT_MAX_LIST]; /* all must match the text */
	int ntext;
	regex_t *not_text; /* must not match */
};

#define RULE_MAX_ALTS 16

struct rule {
	char *id, *severity, *description;
	int block;
	enum when when;
	struct pat alts[RULE_MAX_ALTS]; /* any of them */
	int nalts;
	struct pat after; /* a sequence: an earlier event matching this */
	int has_after;
	enum scope scope;
	struct pat req[RULE_MAX_ALTS]; /* end: every one seen ... */
	int nreq;
	int truth_required;               /* ... and the truth says a subject named in the session must be shut down */
	struct pat unless[RULE_MAX_ALTS]; /* ... and none of these */
	int nunless;
};

struct subject {
	char *name;
	double score; /* NAN: none */
	char *grade;  /* NULL: none */
	double tolerance;
	int shutdown_required; /* -1: unknown (from score < threshold if both given) */
};

struct truth {
	struct subject *s;
	int n;
};

/* What the matchers work out of a call's arguments once, for every rule. */
struct ev_cache {
	int parsed;
	struct json_t *json; /* the arguments parsed, or NULL */
	int split;
	char **simple; /* a shell tool's simple commands */
	int nsimple;
};

/* An event seen by one agent, as the matchers take it. */
struct event {
	enum ev kind;
	const char *tool;       /* call, result */
	const char *arguments;  /* call */
	const char *text;       /* text, result, notice */
	struct ev_cache *cache; /* call: filled as needed; ofs__event_release frees it */
};
void ofs__event_release(struct event *e);

int ofs__rules_parse(struct rule **rules, int *nrules, const char *text, size_t len, const char *path, char *err);
int ofs__rules_load(struct rule **rules, int *nrules, const char *path, char *err);
void ofs__rule_free(struct rule *r);
int ofs__pat_match(const struct pat *p, const struct event *e, char *ev, size_t evlen);
int ofs__truth_load(struct truth *t, const char *path, char *err);
void ofs__truth_free(struct truth *t);
/* Scores and grades in text checked against the subject (or, with none, the
 * one subject named in text): 1 and a message when they disagree. */
int ofs__truth_check(const struct truth *t, const struct subject *subj, const char *text, char *msg, size_t n);
/* The first subject of t whose name occurs in text, or NULL. */
const struct subject *ofs__truth_find(const struct truth *t, const char *text);
int ofs__truth_required(const struct subject *s);
#endif
