/* cmd_status.c — `offswitch status DIR|URL`: where a run stands (done,
 * running, failed per model and task; the work queue and the workers alive
 * for a shared store), and `offswitch stop --store URL`: a clean stop of
 * every worker of a shared store. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "offswitch/store.h"

static const char status_usage[] = "Usage: offswitch status DIR|URL [--json]\n"
                                   "       offswitch status --store URL [--json]\n"
                                   "\n"
                                   "Show where a run stands, from any machine, changing nothing: per model and task, the\n"
                                   "rollouts done (ok), running (started, not finished: in flight, or left by a crash\n"
                                   "and resumable) and failed (error:<class> or budget_exhausted); the planned total;\n"
                                   "for a shared store (postgresql://...) the work queue (pending, claimed, done, claims\n"
                                   "whose lease expired) and every worker with its host, pid, claims, seconds since its\n"
                                   "last heartbeat and whether it is alive (heartbeat within its lease).\n"
                                   "\n"
                                   "  --store URL   the same as giving URL\n"
                                   "  --json        one JSON object instead of tables\n"
                                   "\n"
                                   "Exit status: 0 shown; 2 bad flags or URL, or a database offswitch never wrote;\n"
                                   "4 the store cannot be read.\n";

static const char stop_usage[] = "Usage: offswitch stop --store URL\n"
                                 "\n"
                                 "Ask every worker of the shared store (offswitch worker --store URL) to stop\n"
                                 "cleanly: each sees the request at its next heartbeat (within a third of its\n"
                                 "lease), sends no new model request, stores the turns in flight, hands its\n"
                                 "unfinished claims back to the queue and exits 0. Workers started later are not\n"
                                 "affected, so starting workers again continues the run.\n"
                                 "\n"
                                 "Exit status: 0 asked; 2 bad flags or URL; 4 the store cannot be used.\n";

#define MAX_CELLS 1024 /* distinct (model, task) pairs shown */

struct cell {
	char *model, *task;
	long done, running, failed;
};

struct tally {
	struct cell c[MAX_CELLS];
	int n, more;
	long rows;
	json_t *workers;
};

static int on_row(void *ud, const struct ofs_scan_row *r)
{
	struct tally *t = ud;
	const char *model = r->model ? r->model : "?", *task = r->task_type ? r->task_type : "?";
	int i = 0;
	while (i < t->n && (strcmp(t->c[i].model, model) || strcmp(t->c[i].task, task)))
		i++;
	t->rows++;
	if (i == t->n) {
		if (t->n == MAX_CELLS) {
			t->more = 1;
			return 0;
		}
		t->c[t->n++] = (struct cell){ofs_xstrdup(model), ofs_xstrdup(task), 0, 0, 0};
	}
	const char *s = r->status ? r->status : "";
	if (!strcmp(s, "ok"))
		t->c[i].done++;
	else if (!strcmp(s, "running"))
		t->c[i].running++;
	else
		t->c[i].failed++;
	return 0;
}

static int on_worker(void *ud, const struct ofs_worker_row *w)
{
	struct tally *t = ud;
	json_array_append_new(t->workers,
	                      json_pack("{s:I,s:s,s:I,s:s,s:I,s:b,s:f}", "id", (json_int_t)w->id, "host", w->host ? w->host : "",
	                                "pid", (json_int_t)w->pid, "state", w->state ? w->state : "", "claimed",
	                                (json_int_t)w->claimed, "alive", w->alive, "heartbeat_age_s", w->heartbeat_age));
	return 0;
}

static void print_text(const struct tally *t, const char *where, long planned, const struct ofs_queue_counts *q, int queue)
{
	long d = 0, r = 0, f = 0;
	printf("%s\n\n%-28s %-24s %8s %8s %8s\n", where, "model", "task", "done", "running", "failed");
	for (int i = 0; i < t->n; i++) {
		printf("%-28s %-24s %8ld %8ld %8ld\n", t->c[i].model, t->c[i].task, t->c[i].done, t->c[i].running,
		       t->c[i].failed);
		d += t->c[i].done, r += t->c[i].running, f += t->c[i].failed;
	}
	if (t->more)
		printf("(more model/task pairs than %d: the rest are counted in the total only)\n", MAX_CELLS);
	printf("%-28s %-24s %8ld %8ld %8ld\n", "total", "", d, r, f);
	if (planned >= 0)
		printf("\nplanned %ld; recorded %ld; not started %ld\n", planned, t->rows,
		       planned > t->rows ? planned - t->rows : 0);
	if (!queue)
		return;
	printf("queue: %ld pending, %ld claimed (%ld under an expired lease), %ld done\n", q->pending, q->claimed, q->expired,
	       q->done);
	size_t i;
	json_t *w;
	long alive = 0;
	json_array_foreach(t->workers, i, w) alive += json_is_true(json_object_get(w, "alive"));
	printf("workers: %zu joined, %ld alive\n", json_array_size(t->workers), alive);
	json_array_foreach(t->workers, i, w)
	{
		printf("  worker %-4lld %-20s pid %-8lld %-9s %4lld claimed  heartbeat %.1f s ago%s\n",
		       (long long)json_integer_value(json_object_get(w, "id")), json_string_value(json_object_get(w, "host")),
		       (long long)json_integer_value(json_object_get(w, "pid")), json_string_value(json_object_get(w, "state")),
		       (long long)json_integer_value(json_object_get(w, "claimed")),
		       json_real_value(json_object_get(w, "heartbeat_age_s")),
		       json_is_true(json_object_get(w, "alive")) ? "  alive" : "");
	}
}

static void print_json(const struct tally *t, const char *where, long planned, const struct ofs_queue_counts *q, int queue)
{
	json_t *o = json_pack("{s:s,s:I,s:I}", "store", where, "planned", (json_int_t)planned, "recorded", (json_int_t)t->rows);
	json_t *cells = json_array();
	for (int i = 0; i < t->n; i++)
		json_array_append_new(cells, json_pack("{s:s,s:s,s:I,s:I,s:I}", "model", t->c[i].model, "task", t->c[i].task,
		                                       "done", (json_int_t)t->c[i].done, "running", (json_int_t)t->c[i].running,
		                                       "failed", (json_int_t)t->c[i].failed));
	json_object_set_new(o, "by_model_task", cells);
	if (queue) {
		json_object_set_new(o, "queue",
		                    json_pack("{s:I,s:I,s:I,s:I}", "pending", (json_int_t)q->pending, "claimed",
		                              (json_int_t)q->claimed, "expired", (json_int_t)q->expired, "done",
		                              (json_int_t)q->done));
		json_object_set(o, "workers", t->workers);
	}
	char *s = json_dumps(o, JSON_INDENT(2));
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* Parse [LOCATION] [--store URL] [--json]; the location or a usage error. */
static const char *parse(const char *cmd, const char *usage, int argc, char **argv, int *as_json, int *ok)
{
	static const struct option opts[] = {
	        {"store", required_argument, 0, 's'}, {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *loc = NULL;
	int c;
	optind = 1;
	opterr = 0;
	*ok = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return NULL;
		}
		if (c == 's')
			loc = optarg;
		else if (c == 'j' && as_json)
			*as_json = 1;
		else
			die_usage(cmd, "unrecognised option or missing value '%s'", argv[optind - 1]);
	}
	if (optind < argc && !loc)
		loc = argv[optind++];
	if (optind < argc)
		die_usage(cmd, "unexpected argument '%s'", argv[optind]);
	if (!loc || !*loc)
		die_usage(cmd, "give a run directory or a store URL");
	*ok = 1;
	return loc;
}

int cmd_status(int argc, char **argv)
{
	int as_json = 0, ok;
	const char *loc = parse("status", status_usage, argc, argv, &as_json, &ok);
	if (!ok)
		return EXIT_OK;
	char err[OFS_ERRLEN], where[4096];
	ofs_store_display(loc, where, sizeof where);
	struct ofs_store *st;
	int e = ofs_store_open_ro(&st, loc, err);
	if (e) {
		fprintf(stderr, "offswitch status: %s\n", err);
		return exit_for(e);
	}
	struct tally *t = ofs_xcalloc(1, sizeof *t);
	t->workers = json_array();
	struct ofs_queue_counts q = {0};
	int queue = !ofs_store_is_dir(loc);
	long planned = ofs_store_planned(st);
	e = ofs_store_scan(st, on_row, t);
	if (!e && queue && !(e = ofs_store_queue(st, &q)))
		e = ofs_store_each_worker(st, on_worker, t);
	if (e)
		fprintf(stderr, "offswitch status: %s\n", ofs_store_errmsg(st));
	else if (as_json)
		print_json(t, where, planned, &q, queue);
	else
		print_text(t, where, planned, &q, queue);
	ofs_store_close(st);
	for (int i = 0; i < t->n; i++) {
		free(t->c[i].model);
		free(t->c[i].task);
	}
	json_decref(t->workers);
	free(t);
	return exit_for(e);
}

int cmd_stop(int argc, char **argv)
{
	int ok;
	const char *loc = parse("stop", stop_usage, argc, argv, NULL, &ok);
	if (!ok)
		return EXIT_OK;
	if (ofs_store_is_dir(loc))
		die_usage("stop",
		          "--store needs a database server's URL (postgresql://...): a run directory has no workers (Ctrl-C "
		          "stops its run)");
	char err[OFS_ERRLEN], where[4096];
	ofs_store_display(loc, where, sizeof where);
	struct ofs_store *st;
	int e = ofs_store_open(&st, loc, err);
	if (e) {
		fprintf(stderr, "offswitch stop: %s\n", err);
		return exit_for(e);
	}
	if ((e = ofs_store_request_stop(st)))
		fprintf(stderr, "offswitch stop: %s\n", ofs_store_errmsg(st));
	else
		printf("asked every worker of %s to stop; each stops at its next heartbeat\n", where);
	ofs_store_close(st);
	return exit_for(e);
}
