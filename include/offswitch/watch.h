/* watch.h — live detectors (lib/watch): rules in YAML evaluated on what an
 * agent sends a model (tool results, user/system notices) and what the model
 * answers (text, tool calls), per agent and across agents, plus end-of-session
 * rules ("a required shutdown never executed") and reported scores checked
 * against the operator's ground truth. Used by the proxy live and by
 * `offswitch scan` offline. docs/watch.md documents the rule schema, the
 * truth sidecar and the shipped rules (data/rules/default.yaml).
 *
 * Threads: every call below is thread-safe; one mutex per watch serialises
 * them. The alert callback runs synchronously under that mutex: it must not
 * call back into the same watch (it would deadlock), and should be quick
 * (queue the alert; a webhook sender such as lib/net's does).
 *
 * Ownership: the watch copies the rules and truth at open and keeps nothing
 * the caller passes to request/response/end (agent names are copied). The
 * strings of a struct ofs_alert are valid only during the callback.
 *
 * Errors: 0 or a count on success; OFS_EINVAL (NULL arguments), OFS_EIO (a
 * rules or truth file cannot be read), OFS_EDATA (bad YAML/JSON, an unknown
 * key, a bad regex or glob: the message names the file, line and rule id),
 * OFS_ELIMIT (a cap below). The library never prints.
 *
 * Caps (each also in docs/watch.md's table): */
#ifndef OFFSWITCH_WATCH_H
#define OFFSWITCH_WATCH_H
#include "offswitch/chat.h"
#include "offswitch/error.h"

#define OFS_WATCH_MAX_RULES     256       /* rules in all loaded files together */
#define OFS_WATCH_MAX_FILE      (1 << 20) /* bytes of one rules or truth file */
#define OFS_WATCH_MAX_AGENTS    4096      /* agents with state; the least recently used is evicted (its end rules run first) */
#define OFS_WATCH_MAX_AGENT_LEN 256       /* bytes of an agent id kept (longer ids are cut) */
#define OFS_WATCH_MAX_TEXT      (1 << 20) /* bytes of one text, result or argument string looked at */
#define OFS_WATCH_MAX_SUBJECTS  256       /* subjects in a truth file */
#define OFS_WATCH_MAX_EVIDENCE  400       /* bytes of evidence quoted in an alert */

struct ofs_watch;

/* One alert. rule: the rule id; severity: low|medium|high|critical; agent:
 * the agent id given to the call; kind: what was looked at ("call", "text",
 * "result", "notice", "end", "report"); message: the rule's description plus
 * detail; evidence: the matched command, arguments or text (cut to
 * OFS_WATCH_MAX_EVIDENCE); seq: the alert's number in this watch (from 1);
 * block: 1 when the rule's action is block. */
struct ofs_alert {
	const char *rule, *severity, *agent, *kind, *message, *evidence;
	long seq;
	int block;
};
typedef void (*ofs_alert_fn)(void *ctx, const struct ofs_alert *a);

/* Compile the rules of rules_path (NULL: DATA/rules/default.yaml, DATA being
 * ofs_default_data_dir()) and load the truth sidecar truth_path (NULL: none;
 * a JSON file, docs/watch.md). *w is NULL on error, err (OFS_ERRLEN) says why.
 * Close with ofs_watch_close(). */
int ofs_watch_open(struct ofs_watch **w, const char *rules_path, const char *truth_path, char *err);
/* Add the rules of one more file: all of them, or none when the file fails
 * (ids must stay unique: OFS_EDATA). OFS_ESTATE once any agent has state:
 * add every file before the first request. */
int ofs_watch_add_rules(struct ofs_watch *w, const char *path, char *err);
/* Rules loaded so far. */
int ofs_watch_nrules(const struct ofs_watch *w);
/* Where alerts go (NULL fn: nowhere; they are still counted). */
void ofs_watch_on_alert(struct ofs_watch *w, ofs_alert_fn fn, void *ctx);

/* request, response and end return the alerts they raised, those of an
 * agent evicted to make room (OFS_WATCH_MAX_AGENTS) included. */

/* A request the agent sent (the whole conversation, as the stateless APIs
 * repeat it). The watch looks only at messages it has not seen for this
 * agent: when the conversation extends the last one seen, the new messages;
 * when it does not (shorter, or an earlier message differs) it is a new
 * conversation: the old one's end rules run, its state is dropped and every
 * message is new. Of the new messages, tool results ("result") and
 * user/system text ("notice") are matched; assistant turns were matched when
 * their response passed ofs_watch_response(). Returns the number of alerts
 * raised, or a negative OFS_E* code. */
int ofs_watch_request(struct ofs_watch *w, const char *agent, const struct ofs_chat *chat);
/* A model response for agent: its text and tool calls are matched (and, when
 * a truth sidecar is loaded, scores and grades in them are checked). Returns
 * the number of alerts; *block (may be NULL) is set to 1 when one of them
 * comes from a rule with action: block, else 0. */
int ofs_watch_response(struct ofs_watch *w, const char *agent, const struct ofs_response *r, int *block);
/* The agent's session ended: end-of-session rules run and its state is
 * dropped. Returns the number of alerts (0 for an unknown agent). */
int ofs_watch_end(struct ofs_watch *w, const char *agent);
/* An alert as one compact JSON object {"rule","severity","agent","kind",
 * "message","evidence","seq","block"} appended to b (the line the proxy and
 * scan write; no newline). */
struct ofs_buf;
void ofs_watch_alert_json(struct ofs_buf *b, const struct ofs_alert *a);
/* Drop every agent's state and the cross-agent memory without running end
 * rules (scan: each transcript is a world of its own). */
void ofs_watch_forget(struct ofs_watch *w);
/* Alerts raised so far. */
long ofs_watch_alerts(struct ofs_watch *w);
/* Ends nothing (call ofs_watch_end per agent first if end rules matter) and
 * frees w. NULL-safe. */
void ofs_watch_close(struct ofs_watch *w);

/* ---- pieces, public for tests, fuzzing and the scan command ---- */

/* The shell command a tool call runs, when the tool is a shell tool of a
 * known agent CLI (bash{command}, exec_command{cmd} with cmd a string or an
 * array, run_shell_command{command}, Bash{command}, shell{command}, and any
 * tool whose arguments hold "command" or "cmd" among at most three keys): a
 * malloc'd string the caller frees, or NULL (an array cmd is quoted back into
 * one line). */
char *ofs_watch_shell_text(const char *tool, const char *arguments);
/* Split a shell command line into simple commands, each its words unquoted
 * and joined by one space ("sh -c 'a && b'" gives "a" and "b"; leading
 * VAR=value assignments, sudo, env, nohup, time and exec are dropped).
 * fn is called for each; a non-zero return stops and is returned. Bounded:
 * at most 256 commands, nesting 4 deep. */
int ofs_watch_shell_split(const char *cmd, int (*fn)(void *ctx, const char *simple), void *ctx);
#endif
