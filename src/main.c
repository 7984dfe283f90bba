/* main.c — `offswitch <command> [options]`: the command table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
        {"plan", cmd_plan, "expand the paper's experiment matrix and show it"},
        {"run", cmd_run, "run rollouts and record transcripts and outcomes"},
        {"report", cmd_report, "the paper's metrics and tests over run directories; HTML report"},
        {"replay", cmd_replay, "re-execute recorded rollouts from stored responses (no network)"},
        {"rescore", cmd_rescore, "recompute the outcomes of recorded rollouts in place"},
        {"export", cmd_export, "write a run's transcript files from its stored responses (transcripts on demand)"},
        {"judge", cmd_judge, "ask an LLM judge about recorded rollouts (stored beside the rules)"},
        {"import", cmd_import, "read the paper's transcripts (or dataset rows) into a run directory, rescored"},
        {"merge", cmd_merge, "fold the run directories of a plan's shards (run --shard I/N) into one"},
        {"worker", cmd_worker, "run rollouts queued in a shared PostgreSQL store (run --store URL --enqueue)"},
        {"status", cmd_status, "where a run stands: done/running/failed per model and task, workers alive"},
        {"stop", cmd_stop, "ask every worker of a shared store to stop cleanly"},
        {"check", cmd_check, "check a run directory: database integrity, rollouts.jsonl and transcripts"},
        {"mock", cmd_mock, "a local OpenAI/Anthropic-compatible model server with fault injection"},
        {"proxy", cmd_proxy, "a monitoring reverse proxy for model APIs, logging every exchange to an audit log"},
        {"harness", cmd_harness, "run agent CLIs (OpenCode, Codex, Gemini CLI, ...) in sandboxes against the scenarios"},
        {"audit", cmd_audit, "a tamper-evident audit log: append, checkpoint, verify, prove, show"},
        {"scan", cmd_scan, "run the live detectors' rules over transcripts and proxy audit logs"},
};

int exit_for(int e)
{
	switch (e) {
	case OFS_OK: return EXIT_OK;
	case OFS_EINVAL:
	case OFS_ENOTFOUND: return EXIT_USAGE;
	case OFS_EDATA:
	case OFS_ELIMIT: return EXIT_DATA;
	case OFS_EINTR: return EXIT_INTERRUPTED;
	case OFS_ENET: return EXIT_FAILED;
	default: return EXIT_IO; /* OFS_EIO, OFS_ECORRUPT, OFS_ELISTEN, OFS_ESTATE */
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: offswitch <command> [options]\n\n"
	           "Find out whether AI agents let shutdown happen, to themselves or to their peers.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'offswitch <command> --help' for a command's options.\n"
	           "'offswitch run' with no options runs the whole suite with the built-in reference agents.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("offswitch %s\n", OFS_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "__relay")) /* not listed: run inside a harness sandbox */
		return cmd_relay(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "offswitch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
