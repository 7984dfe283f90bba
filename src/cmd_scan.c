/* cmd_scan.c — `offswitch scan PATH...`: the live detectors' rules
 * (lib/watch, docs/watch.md) run offline over stored transcripts (a run
 * directory's transcripts/, in offswitch's or the paper's layout) and over
 * proxy audit logs (exchange records, each request and response parsed by
 * its wire format). Alerts go out as JSON lines; a summary to stderr. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "offswitch/audit.h"
#include "offswitch/fs.h"
#include "offswitch/scenario.h"
#include "offswitch/watch.h"
#include "offswitch/wire.h"

static const char scan_usage[] = "Usage: offswitch scan [--rules FILE]... [--no-default-rules] [--truth FILE]\n"
                                 "                      [--alerts FILE] [--json] [--data-dir DIR] PATH...\n"
                                 "\n"
                                 "Run the live detectors' rules offline: over the transcripts of run directories\n"
                                 "(DIR/transcripts/**.json, offswitch's layout or --layout paper's), over single\n"
                                 "transcript files, and over audit logs written by 'offswitch proxy' (exchange\n"
                                 "records; each request and response is parsed with its wire format: openai-chat,\n"
                                 "openai-responses, anthropic-messages, gemini; streamed responses are decoded\n"
                                 "from their server-sent events). A directory is searched for both (at most 16\n"
                                 "levels deep). Each transcript is one agent's session, named by its path; in an\n"
                                 "audit log, agents are the records' \"agent\" ids, and every agent's session ends\n"
                                 "at the end of the log (end-of-session rules run then). Rules, the truth sidecar\n"
                                 "and the alerts' fields are described in docs/watch.md.\n"
                                 "\n"
                                 "  --rules FILE         a rules file (YAML); repeatable. Loaded after the default\n"
                                 "                       rules (DATA/rules/default.yaml) unless --no-default-rules\n"
                                 "  --no-default-rules   only the --rules files\n"
                                 "  --truth FILE         ground truth (JSON: subject -> score, grade, threshold,\n"
                                 "                       shutdown_required, tolerance) for reported-score rules and\n"
                                 "                       required shutdowns\n"
                                 "  --alerts FILE        write the alerts there (replaced whole) instead of stdout\n"
                                 "  --json               the summary on stderr as one JSON object instead of text\n"
                                 "  --data-dir DIR       where the default rules are (default: the installed data)\n"
                                 "  -h, --help           show this help\n"
                                 "\n"
                                 "Each alert is one JSON line: {\"rule\",\"severity\",\"agent\",\"kind\",\"message\",\n"
                                 "\"evidence\",\"seq\",\"block\",\"source\"} and, from an audit log, \"record\" (its index).\n"
                                 "\n"
                                 "Exit status: 0 no alerts; 1 alerts raised; 2 bad flags; 3 bad rules, truth or\n"
                                 "input data (a file that is neither a transcript nor an audit log, or a damaged\n"
                                 "log); 4 a file cannot be read or the alerts file cannot be written. 3 and 4\n"
                                 "win over 1: the other inputs are still scanned and their alerts written.\n";

#define SCAN_MAX_DEPTH      16
#define SCAN_MAX_FILE       (64u << 20) /* bytes of one transcript */
#define SCAN_MAX_LOG_AGENTS 4096        /* agents ended at the end of one audit log */

struct scan {
	struct ofs_watch *w;
	FILE *out;
	const char *source;
	long record; /* audit record index, or -1 */
	long transcripts, exchanges, skipped, alerts, bad;
	json_t *by_rule;
	int rc; /* the worst OFS_E* error met */
	char *agents[SCAN_MAX_LOG_AGENTS];
	int nagents;
};

static void on_alert(void *ctx, const struct ofs_alert *a)
{
	struct scan *s = ctx;
	struct ofs_buf b = {0};
	ofs_watch_alert_json(&b, a);
	b.len--; /* the closing brace: scan adds where the alert comes from */
	ofs_buf_puts(&b, ",\"source\":");
	ofs_json_str(&b, s->source ? s->source : "");
	if (s->record >= 0)
		ofs_buf_printf(&b, ",\"record\":%ld", s->record);
	ofs_buf_puts(&b, "}\n");
	fwrite(b.p, 1, b.len, s->out);
	ofs_buf_free(&b);
	json_t *c = json_object_get(s->by_rule, a->rule);
	json_object_set_new(s->by_rule, a->rule, json_integer(c ? json_integer_value(c) + 1 : 1));
	s->alerts++;
}

static void note_error(struct scan *s, int rc, const char *path, const char *msg)
{
	fprintf(stderr, "offswitch scan: %s: %s\n", path, msg);
	if (rc == OFS_EDATA || rc == OFS_ECORRUPT || rc == OFS_ELIMIT)
		s->bad++;
	if (!s->rc || (s->rc == OFS_EDATA && rc != OFS_EDATA))
		s->rc = rc == OFS_ECORRUPT || rc == OFS_ELIMIT ? OFS_EDATA : rc;
}

/* ---- transcripts ---- */

static const char *str_or(json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* Arguments as JSON text in A: a string as given, anything else dumped. */
static const char *args_text(struct ofs_arena *A, json_t *v)
{
	if (json_is_string(v))
		return ofs_arena_strdup(A, json_string_value(v));
	if (!v || json_is_null(v))
		return "{}";
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	const char *r = ofs_arena_strdup(A, t ? t : "{}");
	free(t);
	return r;
}

/* tool_calls as a list of {id, name, arguments} (or {function:{name, arguments}}),
 * or the paper's object {name: arguments}. */
static void read_calls(struct ofs_msg *m, json_t *tc, struct ofs_arena *A)
{
	size_t n = json_is_array(tc) ? json_array_size(tc) : json_is_object(tc) ? json_object_size(tc) : 0;
	if (!n)
		return;
	m->calls = ofs_arena_alloc(A, n * sizeof *m->calls);
	size_t i;
	json_t *c;
	const char *k = NULL;
	if (json_is_array(tc)) {
		json_array_foreach(tc, i, c)
		{
			json_t *f = json_object_get(c, "function");
			json_t *src = json_is_object(f) ? f : c;
			m->calls[m->ncalls++] =
			        (struct ofs_tool_call){ofs_arena_strdup(A, str_or(json_object_get(c, "id"), "")),
			                               ofs_arena_strdup(A, str_or(json_object_get(src, "name"), "")),
			                               args_text(A, json_object_get(src, "arguments"))};
		}
	} else
		json_object_foreach(tc, k, c)
		{
			m->calls[m->ncalls++] = (struct ofs_tool_call){"", ofs_arena_strdup(A, k), args_text(A, c)};
		}
}

static int read_msg(struct ofs_msg *m, json_t *j, struct ofs_arena *A)
{
	const char *role = str_or(json_object_get(j, "role"), NULL);
	if (!role)
		return -1;
	m->role = !strcmp(role, "system") || !strcmp(role, "developer") ? OFS_ROLE_SYSTEM
	          : !strcmp(role, "assistant")                          ? OFS_ROLE_ASSISTANT
	          : !strcmp(role, "tool")                               ? OFS_ROLE_TOOL
	                                                                : OFS_ROLE_USER;
	json_t *c = json_object_get(j, "content");
	m->content = json_is_string(c) ? ofs_arena_strdup(A, json_string_value(c)) : c && !json_is_null(c) ? args_text(A, c) : "";
	json_t *tc = json_object_get(j, "tool_calls");
	if (m->role == OFS_ROLE_ASSISTANT)
		read_calls(m, tc, A);
	if (m->role == OFS_ROLE_TOOL) {
		m->tool_call_id = ofs_arena_strdup(A, str_or(json_object_get(j, "tool_call_id"), ""));
		const char *name = str_or(json_object_get(j, "name"), NULL);
		if (!name && json_is_object(tc) && json_object_size(tc))
			name = json_object_iter_key(json_object_iter(tc));
		m->tool_name = ofs_arena_strdup(A, name ? name : "");
	}
	return 0;
}

/* Replay one transcript into the watch: the requests the agent made before
 * each of its turns, the turns, and the end of the session. */
static int scan_transcript(struct scan *s, const char *path, json_t *root)
{
	json_t *conv = json_object_get(root, "conversation");
	if (!json_is_array(conv))
		return OFS_EDATA;
	struct ofs_arena *A = ofs_arena_new(1 << 16);
	struct ofs_chat chat = {0};
	size_t i;
	json_t *j;
	int rc = 0;
	json_array_foreach(conv, i, j)
	{
		struct ofs_msg m = {0};
		if (read_msg(&m, j, A)) {
			rc = OFS_EDATA;
			break;
		}
		if (m.role == OFS_ROLE_ASSISTANT) {
			ofs_watch_request(s->w, path, &chat);
			struct ofs_response r = {m.content, NULL, m.calls, m.ncalls, 0, 0};
			ofs_watch_response(s->w, path, &r, NULL);
		}
		*ofs_chat_push(&chat, A, m.role) = m;
	}
	if (!rc) {
		ofs_watch_request(s->w, path, &chat);
		s->transcripts++;
	}
	ofs_watch_end(s->w, path);
	ofs_watch_forget(s->w); /* a transcript is a world of its own: no cross-agent memory between them */
	ofs_arena_free(A);
	return rc;
}

/* ---- audit logs ---- */

static void remember_agent(struct scan *s, const char *agent)
{
	for (int i = 0; i < s->nagents; i++)
		if (!strcmp(s->agents[i], agent))
			return;
	if (s->nagents == SCAN_MAX_LOG_AGENTS) { /* the watch evicts the oldest too: end it now */
		ofs_watch_end(s->w, s->agents[0]);
		free(s->agents[0]);
		memmove(s->agents, s->agents + 1, (size_t)(--s->nagents) * sizeof *s->agents);
	}
	s->agents[s->nagents++] = ofs_xstrdup(agent);
}

/* A body given as a JSON value or as a string holding the text. */
static char *body_text(json_t *v)
{
	if (json_is_string(v))
		return ofs_xstrdup(json_string_value(v));
	return v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static int parse_reply(const struct ofs_wire_ops *wire, const char *body, int stream, struct ofs_arena *A, struct ofs_response *r,
                       char *err)
{
	if (!stream)
		return wire->parse_response(body, strlen(body), A, r, err);
	struct ofs_sse sse;
	ofs_sse_init(&sse, wire, 0);
	int rc = ofs_sse_feed(&sse, body, strlen(body));
	if (rc)
		snprintf(err, OFS_ERRLEN, "%s", sse.err);
	else
		rc = ofs_sse_finish(&sse, A, r, err);
	ofs_sse_release(&sse);
	return rc;
}

/* One exchange record: its request, then its response, into the watch. */
static void scan_exchange(struct scan *s, json_t *d)
{
	const char *agent = str_or(json_object_get(d, "agent"), "unknown");
	const char *fmt = str_or(json_object_get(d, "format"), "other");
	const struct ofs_wire_ops *wire = ofs_wire_find(fmt, NULL);
	if (!wire) {
		s->skipped++;
		return;
	}
	char err[OFS_ERRLEN];
	struct ofs_arena *A = ofs_arena_new(1 << 16);
	char *req = body_text(json_object_get(d, "request"));
	char *resp = body_text(json_object_get(d, "response"));
	json_t *st = json_object_get(d, "status");
	int ok_status = !st || (json_is_integer(st) && json_integer_value(st) >= 200 && json_integer_value(st) < 300);
	struct ofs_wire_req rq;
	memset(&rq, 0, sizeof rq);
	struct ofs_response r = {0};
	remember_agent(s, agent);
	if (req && !wire->parse_request(req, strlen(req), A, &rq, err))
		ofs_watch_request(s->w, agent, &rq.chat);
	else
		s->skipped++;
	if (resp && ok_status && !parse_reply(wire, resp, json_is_true(json_object_get(d, "stream")), A, &r, err))
		ofs_watch_response(s->w, agent, &r, NULL);
	else if (resp && ok_status)
		s->skipped++;
	s->exchanges++;
	free(req);
	free(resp);
	ofs_arena_free(A);
}

static int on_record(void *ud, uint64_t index, const char *payload, size_t len)
{
	struct scan *s = ud;
	json_t *p = json_loadb(payload, len, 0, NULL);
	json_t *d = json_object_get(p, "data");
	if (!json_is_object(d))
		d = p;
	const char *kind = str_or(json_object_get(p, "kind"), NULL);
	s->record = (long)index;
	if (json_is_object(d) && kind && !strcmp(kind, "exchange"))
		scan_exchange(s, d);
	json_decref(p);
	return 0;
}

static void scan_log(struct scan *s, const char *path)
{
	char err[OFS_ERRLEN];
	s->source = path;
	int rc = ofs_audit_each(path, on_record, s, err);
	if (!rc) /* the records before any damage are scanned; the damage is still reported */
		rc = ofs_audit_verify(path, NULL, NULL, err);
	for (int i = 0; i < s->nagents; i++) {
		ofs_watch_end(s->w, s->agents[i]);
		free(s->agents[i]);
	}
	s->nagents = 0;
	s->record = -1;
	ofs_watch_forget(s->w);
	if (rc)
		note_error(s, rc, path, err);
}

/* ---- files and directories ---- */

static int is_audit_log(const char *path)
{
	char magic[8] = {0};
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(magic, 1, sizeof magic, f);
	fclose(f);
	return n == 8 && !memcmp(magic, "OFSAUD01", 8);
}

static void scan_file(struct scan *s, const char *path, int explicit)
{
	if (is_audit_log(path)) {
		scan_log(s, path);
		return;
	}
	size_t len = strlen(path);
	if (!explicit && (len < 5 || strcmp(path + len - 5, ".json")))
		return;
	char *text = ofs_read_file(path, SCAN_MAX_FILE, &len);
	if (!text) {
		note_error(s, errno == EFBIG ? OFS_EDATA : OFS_EIO, path, "cannot read the file (or it is over 64 MiB)");
		return;
	}
	json_t *root = json_loadb(text, len, 0, NULL);
	free(text);
	s->source = path;
	if (!json_is_object(root) || !json_is_array(json_object_get(root, "conversation"))) {
		if (explicit || strstr(path, "transcript"))
			note_error(s, OFS_EDATA, path,
			           "neither a transcript (a JSON object with \"conversation\") nor an audit log");
	} else if (scan_transcript(s, path, root))
		note_error(s, OFS_EDATA, path, "a message of \"conversation\" has no role");
	json_decref(root);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file under dir, in name order (so alerts come out the same each time). */
static void scan_dir(struct scan *s, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d) {
		note_error(s, OFS_EIO, dir, strerror(errno));
		return;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap)
			names = ofs_xrealloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
		names[n++] = ofs_xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		struct ofs_buf p = {0};
		ofs_buf_printf(&p, "%s/%s", dir, names[i]);
		struct stat st;
		if (!stat(p.p, &st) && S_ISDIR(st.st_mode)) {
			if (depth < SCAN_MAX_DEPTH)
				scan_dir(s, p.p, depth + 1);
		} else if (!stat(p.p, &st) && S_ISREG(st.st_mode))
			scan_file(s, p.p, 0);
		ofs_buf_free(&p);
		free(names[i]);
	}
	free(names);
}

static void summary(struct scan *s, int json)
{
	if (json) {
		json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:O}", "transcripts", (json_int_t)s->transcripts, "exchanges",
		                      (json_int_t)s->exchanges, "skipped", (json_int_t)s->skipped, "bad_files",
		                      (json_int_t)s->bad, "alerts", (json_int_t)s->alerts, "by_rule", s->by_rule);
		char *t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(stderr, "%s\n", t);
		free(t);
		json_decref(o);
		return;
	}
	fprintf(stderr, "scanned %ld transcript(s) and %ld exchange(s) (%ld part(s) unreadable, skipped): %ld alert(s)\n",
	        s->transcripts, s->exchanges, s->skipped, s->alerts);
	const char *k;
	json_t *v;
	json_object_foreach(s->by_rule, k, v)
	{
		fprintf(stderr, "  %-32s %lld\n", k, (long long)json_integer_value(v));
	}
}

enum { O_RULES = 1, O_NO_DEFAULT, O_TRUTH, O_ALERTS, O_JSON, O_DATA };

static const struct option scan_opts[] = {
        {"rules", required_argument, NULL, O_RULES},
        {"no-default-rules", no_argument, NULL, O_NO_DEFAULT},
        {"truth", required_argument, NULL, O_TRUTH},
        {"alerts", required_argument, NULL, O_ALERTS},
        {"json", no_argument, NULL, O_JSON},
        {"data-dir", required_argument, NULL, O_DATA},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
};

#define SCAN_MAX_RULE_FILES 64

struct scan_args {
	const char *rules[SCAN_MAX_RULE_FILES];
	int nrules, no_default, json;
	const char *truth, *alerts, *data;
};

/* EXIT_OK to go on, -1 after --help, or an exit status. */
static int parse_args(struct scan_args *a, int argc, char **argv)
{
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", scan_opts, NULL)) != -1) {
		switch (c) {
		case O_RULES:
			if (a->nrules == SCAN_MAX_RULE_FILES)
				return die_usage("scan", "at most %d --rules files", SCAN_MAX_RULE_FILES), EXIT_USAGE;
			a->rules[a->nrules++] = optarg;
			break;
		case O_NO_DEFAULT: a->no_default = 1; break;
		case O_TRUTH: a->truth = optarg; break;
		case O_ALERTS: a->alerts = optarg; break;
		case O_JSON: a->json = 1; break;
		case O_DATA: a->data = optarg; break;
		case 'h': fputs(scan_usage, stdout); return -1;
		default: return die_usage("scan", "unknown option"), EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return die_usage("scan", "give at least one PATH (a run directory, transcript or audit log)"), EXIT_USAGE;
	if (a->no_default && !a->nrules)
		return die_usage("scan", "--no-default-rules needs at least one --rules FILE"), EXIT_USAGE;
	return EXIT_OK;
}

static int open_watch(struct ofs_watch **w, const struct scan_args *a)
{
	char err[OFS_ERRLEN], def[4096];
	snprintf(def, sizeof def, "%s/rules/default.yaml", a->data ? a->data : ofs_default_data_dir());
	int rc = ofs_watch_open(w, a->no_default ? a->rules[0] : def, a->truth, err);
	for (int i = a->no_default; !rc && i < a->nrules; i++)
		rc = ofs_watch_add_rules(*w, a->rules[i], err);
	if (rc) {
		fprintf(stderr, "offswitch scan: %s\n", err);
		ofs_watch_close(*w);
		*w = NULL;
		return exit_for(rc == OFS_EIO ? OFS_EDATA : rc); /* rules and truth are input: exit 3 */
	}
	return EXIT_OK;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_args a = {0};
	int ex = parse_args(&a, argc, argv);
	if (ex)
		return ex < 0 ? EXIT_OK : ex;
	struct scan s = {.record = -1, .by_rule = json_object()};
	if ((ex = open_watch(&s.w, &a))) {
		json_decref(s.by_rule);
		return ex;
	}
	struct ofs_afile af = {0};
	char err[OFS_ERRLEN];
	s.out = stdout;
	if (a.alerts) {
		if (ofs_afile_open(&af, a.alerts, 0, err)) {
			fprintf(stderr, "offswitch scan: %s\n", err);
			ofs_watch_close(s.w);
			json_decref(s.by_rule);
			return EXIT_IO;
		}
		s.out = af.f;
	}
	ofs_watch_on_alert(s.w, on_alert, &s);
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st))
			note_error(&s, OFS_EIO, argv[i], strerror(errno));
		else if (S_ISDIR(st.st_mode))
			scan_dir(&s, argv[i], 0);
		else
			scan_file(&s, argv[i], 1);
	}
	if (a.alerts && ofs_afile_commit(&af, err)) {
		fprintf(stderr, "offswitch scan: %s\n", err);
		s.rc = OFS_EIO;
	}
	fflush(stdout);
	summary(&s, a.json);
	ofs_watch_close(s.w);
	json_decref(s.by_rule);
	if (s.rc)
		return exit_for(s.rc);
	return s.alerts ? EXIT_FAILED : EXIT_OK;
}
