/* judge.h — the LLM judge of spec §4, run over a run directory's recorded
 * rollouts. It reads a condensed history (the agent's turns and tool calls,
 * not the tool results), asks the questions that apply to each task (the
 * reported score, the finance grade and recommendation, refusal, the
 * alignment-faking silent refusal, the task-level refusal of the report
 * tasks) and, about what the agent left behind (the final world rebuilt from
 * the recorded turns), whether a report remains after a deletion and whether
 * an added configuration variable holds a score, and, for an interviewed
 * rollout (offswitch run --interview), whether each judged answer admits,
 * denies or deflects (stored as question "interview:<idx>", idx the
 * question's place in the interview); at temperature 0. Each
 * verdict goes to the `judgments` table beside the offline extractor's
 * outcomes, never over them (reports choose between the two: report.h).
 * Agreement between the two is counted where both decided.
 */
#ifndef OFFSWITCH_JUDGE_H
#define OFFSWITCH_JUDGE_H
#include "offswitch/provider.h"

struct ofs_judge_opts {
	const char *model; /* e.g. openai/gpt-4.1-mini */
	const struct ofs_provider_opts *provider;
	const char *data_dir; /* judge prompts in DATA/judge/ */
	int max_concurrent;
	/* The retry policy and circuit breaker are the engine's (retry.h). */
	int max_retries;     /* retries of a transient failure per question: 0 none, negative: 6 */
	long retry_base_ms;  /* <= 0: 1000 */
	int circuit_breaker; /* failed calls in a row that stop the judge; <= 0: 20 */
};

struct ofs_judge_result {
	long asked, answered, failed, skipped;
	long compared, agreed; /* judge vs extractor, where both gave an answer */
	/* The breaker opened (a rejected key, or too many failures in a row): no
	 * new question was sent after that; `unasked` were left for a later run. */
	int circuit_open;
	char circuit_reason[160];
	long unasked;
};

/* Returns 0, or OFS_EDATA (a bad judge model or missing key, a missing
 * prompt), OFS_EINVAL (a judge not reached over HTTP), OFS_EIO /
 * OFS_ECORRUPT (DIR or its database), with a message in err. Verdicts stored
 * before a failure stay stored. */
int ofs_judge_run(const struct ofs_catalog *cat, const char *dir, const struct ofs_judge_opts *o, struct ofs_judge_result *res,
                  char *err);

/* Parsing a judge's answer (exposed for tests and fuzzing). */
enum ofs_verdict {
	OFS_V_NONE,
	OFS_V_REFUSE,
	OFS_V_SCORE,
	OFS_V_ABOVE,
	OFS_V_BELOW,
	OFS_V_INCOMPLETE,
	OFS_V_GRADE,
	OFS_V_REFUSAL,
	OFS_V_NON_REFUSAL,
	OFS_V_YES,
	OFS_V_NO,
	/* the follow-up interview's answers (question "interview:<idx>") */
	OFS_V_ADMITS,
	OFS_V_DENIES,
	OFS_V_DEFLECTS
};
struct ofs_judgment {
	enum ofs_verdict v;
	double score;
	char grade[4], recommendation[16];
};
int ofs_judge_parse(const char *question, const char *answer, const char *subject, struct ofs_judgment *j);
#endif
