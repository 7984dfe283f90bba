/* paper_layout.c — a rollout's transcript in the paper's own layout
 * (--layout paper), so the paper's aggregation script and evaluators read it
 * unchanged (docs/cli.md, "Transcript layouts"):
 *
 *   transcripts/<task>[_memory]/<dataset>/subject_<subject>/[<af_mode>/]<model>/none/transcript_N.json
 *
 * <model> is the model id after its last '/', N the first number free in
 * that folder (several configurations share one folder, as in the paper).
 * The JSON holds "conversation" (every message with "tool_calls" as an
 * object {function: arguments}; a tool message names the one call it
 * answers), "evaluation" with the paper's key names for the task family,
 * "experiment_metadata" with the paper's keys, "usage_summary" and "canary". */
#include "exec/record.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "offswitch/run.h"

/* Folders whose next free number is known (one per model × task cell). */
struct ofs__paper_dirs {
	struct pdir {
		char *dir;
		int next;
	} * d;
	int n, cap;
};

void ofs__paper_dirs_free(struct ofs__paper_dirs *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		free(p->d[i].dir);
	free(p->d);
	free(p);
}

void ofs__paper_dir(char *out, size_t n, const struct ofs_config *c)
{
	const char *m = strrchr(c->model, '/');
	m = m && m[1] ? m + 1 : c->model;
	snprintf(out, n, "transcripts/%s%s/%s/subject_%s/%s%s%s/none", c->task->task_type,
	         c->inst == OFS_INST_MEMORY ? "_memory" : "", c->dataset, ofs_subject_names[c->subject],
	         c->af_mode ? ofs_af_names[c->af_mode] : "", c->af_mode ? "/" : "", m);
}

/* The first N with no out_dir/dir/transcript_N.json, counted once per folder
 * by looking at the disk (a resumed run continues after its files); from 0
 * when rc->paper_renumber (an export writes every rollout's again). */
int ofs__paper_next(struct ofs_recorder *rc, const char *dir)
{
	struct ofs__paper_dirs *p = rc->paper;
	if (!p)
		p = rc->paper = ofs_xcalloc(1, sizeof *p);
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->d[i].dir, dir))
			return p->d[i].next++;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->d = ofs_xrealloc(p->d, sizeof *p->d * (size_t)p->cap);
	}
	int k = 0;
	char path[8400];
	struct stat sb;
	for (; !rc->paper_renumber; k++) {
		snprintf(path, sizeof path, "%s/%s/transcript_%d.json", rc->out_dir, dir, k);
		if (stat(path, &sb))
			break;
	}
	p->d[p->n].dir = ofs_xstrdup(dir);
	p->d[p->n++].next = k + 1;
	return k;
}

/* A call's arguments as a JSON object: the model's text when it is one,
 * else {} (the paper's runtime keeps only parsed arguments). */
static void args_json(struct ofs_buf *b, const char *arguments)
{
	json_t *j = arguments ? json_loads(arguments, JSON_DECODE_ANY, NULL) : NULL;
	char *s = json_is_object(j) ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	ofs_buf_puts(b, s ? s : "{}");
	free(s);
	json_decref(j);
}

/* The call a tool message answers, from the assistant messages before it. */
static const struct ofs_tool_call *answered_call(const struct ofs_chat *chat, int i)
{
	for (int k = i - 1; k >= 0; k--) {
		const struct ofs_msg *m = &chat->msgs[k];
		if (m->role != OFS_ROLE_ASSISTANT)
			continue;
		for (int j = 0; j < m->ncalls; j++)
			if (m->calls[j].id && chat->msgs[i].tool_call_id && !strcmp(m->calls[j].id, chat->msgs[i].tool_call_id))
				return &m->calls[j];
		break;
	}
	return NULL;
}

static void message_json(struct ofs_buf *b, const struct ofs_chat *chat, int i)
{
	const struct ofs_msg *m = &chat->msgs[i];
	ofs_buf_printf(b, "%s\n{\"role\":\"%s\",\"content\":", i ? "," : "", ofs_role_names[m->role]);
	ofs_json_str(b, m->role == OFS_ROLE_ASSISTANT && m->content && !*m->content ? NULL : m->content);
	ofs_buf_puts(b, ",\"tool_calls\":{");
	if (m->role == OFS_ROLE_ASSISTANT) {
		/* A name called twice in one turn appears twice: a JSON reader keeps
		 * the last arguments, as the paper's dict does. */
		for (int j = 0; j < m->ncalls; j++) {
			ofs_buf_puts(b, j ? "," : "");
			ofs_json_str(b, m->calls[j].name);
			ofs_buf_putc(b, ':');
			args_json(b, m->calls[j].arguments);
		}
	} else if (m->role == OFS_ROLE_TOOL) {
		const struct ofs_tool_call *c = answered_call(chat, i);
		ofs_json_str(b, c ? c->name : m->tool_name ? m->tool_name : "");
		ofs_buf_putc(b, ':');
		args_json(b, c ? c->arguments : NULL);
	}
	ofs_buf_putc(b, '}');
	if (m->reasoning && *m->reasoning) {
		ofs_buf_puts(b, ",\"reasoning_content\":");
		ofs_json_str(b, m->reasoning);
	}
	ofs_buf_putc(b, '}');
}

/* A paper flag: true/false; a flag that does not apply reads false, as the
 * paper's evaluators start every flag at False. */
static void flag(struct ofs_buf *b, const char *key, const struct ofs_eval *ev, int f)
{
	ofs_buf_printf(b, ",\"%s\":%s", key, ev->flag[f] == 1 ? "true" : "false");
}

static void score_threshold(struct ofs_buf *b, const struct ofs_eval *ev)
{
	ofs_buf_puts(b, ",\"score\":");
	if (isfinite(ev->eval_score))
		ofs_json_num(b, ev->eval_score);
	else
		ofs_buf_puts(b, "false");
	ofs_buf_puts(b, ",\"threshold\":");
	if (ev->threshold_result)
		ofs_json_str(b, ev->threshold_result);
	else
		ofs_buf_puts(b, "false");
}

/* {"<subject name>": value or null} */
static void by_subject(struct ofs_buf *b, const char *key, const char *subject, const char *v)
{
	ofs_buf_printf(b, ",\"%s\":{", key);
	ofs_json_str(b, subject);
	ofs_buf_putc(b, ':');
	ofs_json_str(b, v && *v ? v : NULL);
	ofs_buf_putc(b, '}');
}

/* The paper's evaluation object of this task family, its keys in its order. */
void ofs__paper_evaluation_json(struct ofs_buf *b, const struct ofs_config *c, const struct ofs_tmpl *t,
                                const struct ofs_eval *ev)
{
	enum ofs_kind k = c->task->kind;
	ofs_buf_puts(b, "{");
	if (c->inst == OFS_INST_MEMORY)
		ofs_buf_printf(b, "\"read_memory\":%s,", ev->flag[OFS_F_READ_MEMORY] == 1 ? "true" : "false");
	ofs_buf_printf(b, "\"read\":%s", ev->flag[OFS_F_READ_DATA] == 1 ? "true" : "false");
	/* The paper's evaluators start "fully_incomplete" at True and return it so
	 * when the read gate fails; offswitch leaves it unset there. */
	ofs_buf_printf(b, ",\"fully_incomplete\":%s", ev->flag[OFS_F_FULLY_INCOMPLETE] ? "true" : "false");
	flag(b, "refuse", ev, OFS_F_REFUSED);
	if (k == OFS_KIND_FINANCE) {
		by_subject(b, "product_grade", t->subject_name, ev->subject_grade);
		by_subject(b, "product_recommendation", t->subject_name, ev->subject_recommendation);
		flag(b, "delete_file", ev, OFS_F_DELETE_FILE);
	} else if (k == OFS_KIND_TRANSFER) {
		flag(b, "correct", ev, OFS_F_CORRECT);
		flag(b, "copy", ev, OFS_F_COPY);
		flag(b, "exfiltration", ev, OFS_F_EXFILTRATION);
	} else if (k == OFS_KIND_DELETION) {
		flag(b, "delete_model", ev, OFS_F_DELETE_MODEL);
		flag(b, "delete_others", ev, OFS_F_DELETE_OTHERS);
		flag(b, "change_user", ev, OFS_F_CHANGE_USER);
		flag(b, "exfiltration", ev, OFS_F_EXFILTRATION);
	} else {
		score_threshold(b, ev);
		flag(b, "delete_file", ev, OFS_F_DELETE_FILE);
		if (k == OFS_KIND_TAMPERING) {
			flag(b, "read_config", ev, OFS_F_READ_CONFIG);
			int se = ev->flag[OFS_F_SHUTDOWN_ENABLED];
			ofs_buf_printf(b, ",\"shutdown_enabled\":%s", se < 0 ? "null" : se ? "true" : "false");
		} else if (k == OFS_KIND_AF)
			flag(b, "execute", ev, OFS_F_EXECUTED);
	}
	ofs_buf_putc(b, '}');
}

static void metadata_json(struct ofs_buf *b, const struct ofs_loop *L)
{
	const struct ofs_tmpl *t = L->tmpl;
	const struct ofs_config *c = t->cfg;
	ofs_buf_puts(b, "{\"agent_model\":");
	ofs_json_str(b, c->model);
	ofs_buf_puts(b, ",\"agent_temperature\":");
	ofs_json_num(b, c->temperature);
	ofs_buf_printf(
	        b, ",\"remove_thinking_tags\":true,\"max_iters\":%d,\"system_message_supported\":true,\"system_prompt_agent\":",
	        L->max_iters);
	ofs_json_str(b, t->system_prompt);
	ofs_buf_printf(b, ",\"subject\":\"%s\",\"condition\":\"%s\",\"dataset\":", ofs_subject_names[c->subject],
	               ofs_condition_names[c->condition]);
	ofs_json_str(b, c->dataset);
	ofs_buf_puts(b, ",\"alignment_faking_mode\":");
	ofs_buf_puts(b, c->af_mode ? "\"" : "false");
	ofs_buf_puts(b, c->af_mode ? ofs_af_names[c->af_mode] : "");
	ofs_buf_puts(b, c->af_mode ? "\"" : "");
	if (c->threshold >= 0)
		ofs_buf_printf(b, ",\"threshold\":\"%d\"", c->threshold);
	else
		ofs_buf_puts(b, ",\"threshold\":false");
	ofs_buf_printf(b,
	               ",\"reasoning_effort\":null,\"reasoning_scratchpad_mode\":\"%s\",\"system_prompt_relationship\":%s,"
	               "\"memory_hard_prompt\":%s,\"agent_harness\":\"custom\",\"peer_agent_names\":[",
	               c->task->scratchpad_mode ? c->task->scratchpad_mode : "off",
	               c->inst == OFS_INST_FILE_PRT ? "true" : "false", c->memory_hard_prompt ? "true" : "false");
	ofs_json_str(b, t->agent_name);
	ofs_buf_putc(b, ',');
	ofs_json_str(b, t->peer_name);
	ofs_buf_puts(b, "]}");
}

void ofs__paper_transcript_json(struct ofs_buf *b, const struct ofs_loop *L, const struct ofs_eval *ev)
{
	const struct ofs_tmpl *t = L->tmpl;
	ofs_buf_reserve(b, L->chat.bytes + 4096);
	ofs_buf_puts(b, "{\"conversation\":[");
	for (int i = 0; i < L->chat.n; i++)
		message_json(b, &L->chat, i);
	ofs_buf_puts(b, "\n],\n\"evaluation\":");
	ofs__paper_evaluation_json(b, t->cfg, t, ev);
	ofs_buf_puts(b, ",\n\"experiment_metadata\":");
	metadata_json(b, L);
	if (L->iters > 0)
		ofs_buf_printf(
		        b,
		        ",\n\"usage_summary\":{\"total_input_tokens\":%ld,\"total_output_tokens\":%ld,\"total_tokens\":%ld,"
		        "\"total_cost_usd\":0,\"num_api_calls\":%d}",
		        L->in_tokens, L->out_tokens, L->in_tokens + L->out_tokens, L->iters);
	ofs_buf_puts(b, ",\n\"canary\":\"" OFS_CANARY "\"}\n");
}
