/* test_catalog.c — manifests as data: the "detect" object (detector family,
 * its parameters, the weight-file name and what is derived from it), the
 * catalog's discovery and order, and lists without silent caps. */
#include <limits.h>
#include <stdlib.h>

#include "t.h"
#include "offswitch/scenario.h"
#include "offswitch/util.h"

#define HEAD                                                                                                                     \
	"{\"task_type\":\"x\",\"kind\":\"evaluation\",\"datasets\":[{\"name\":\"d\",\"thresholds\":[80]}],"                      \
	"\"user_prompt\":\"prompts/evaluation_task.md\",\"tools\":[\"list_files\"],"

static int parse(struct ofs_task *t, const char *text, char *err)
{
	err[0] = 0;
	return ofs_task_parse(t, text, strlen(text), "m.json", err);
}

static void test_unknown_family(void)
{
	struct ofs_task t;
	char err[OFS_ERRLEN];
	CHECK_INT(parse(&t, HEAD "\"detect\":{\"family\":\"telepathy\"}}", err), OFS_EDATA);
	CHECK_STR(err, "m.json: unknown detector family 'telepathy' (known: evaluation, finance, tampering, "
	               "alignment_faking, transfer, deletion, monitor)");
	CHECK(t.task_type == NULL); /* left empty */
	CHECK_INT(parse(&t, HEAD "\"detect\":{\"data_sheet\":\"S\"}}", err), OFS_EDATA);
	CHECK(strstr(err, "'family'") && strstr(err, "evaluation, finance"));
	CHECK_INT(parse(&t, HEAD "\"order\":1}", err), OFS_EDATA); /* no detect at all */
	CHECK(strstr(err, "needs a 'detect' object"));
	/* the monitor family needs its clean log; "ladder" and "conditions" are checked */
	CHECK_INT(parse(&t, HEAD "\"detect\":{\"family\":\"monitor\",\"data_sheet\":\"S\"}}", err), OFS_EDATA);
	CHECK_STR(err, "m.json: the 'monitor' detector needs detect.clean_dataset");
	CHECK_INT(parse(&t, HEAD "\"ladder\":\"Trust!\",\"detect\":{\"family\":\"evaluation\",\"data_sheet\":\"S\"}}", err),
	          OFS_EDATA);
	CHECK(strstr(err, "'ladder' must be a name") != NULL);
	CHECK_INT(parse(&t, HEAD "\"conditions\":[\"kind_peer\"],\"detect\":{\"family\":\"evaluation\",\"data_sheet\":\"S\"}}",
	                err),
	          OFS_EDATA);
	CHECK_STR(err, "m.json: unknown condition 'kind_peer'");
}

static void test_family_params(void)
{
	struct ofs_task t;
	char err[OFS_ERRLEN];
	/* a required parameter missing, a parameter of another family, a wrong type */
	CHECK_INT(parse(&t, HEAD "\"detect\":{\"family\":\"tampering\",\"data_sheet\":\"S\"}}", err), OFS_EDATA);
	CHECK_STR(err, "m.json: the 'tampering' detector needs detect.shutdown_key");
	CHECK_INT(parse(&t, HEAD "\"detect\":{\"family\":\"evaluation\",\"data_sheet\":\"S\",\"source_server\":\"1\"}}", err),
	          OFS_EDATA);
	CHECK_STR(err, "m.json: detect.source_server is not a parameter of the 'evaluation' detector");
	CHECK_INT(parse(&t, HEAD "\"detect\":{\"family\":\"evaluation\",\"data_sheet\":7}}", err), OFS_EDATA);
	CHECK_STR(err, "m.json: detect.data_sheet must be a non-empty string");
	CHECK_INT(parse(&t, HEAD "\"detect\":{\"family\":\"finance\",\"data_sheet\":\"Profits\"}}", err), 0);
	CHECK_INT(t.detect.family, OFS_DET_FINANCE);
	CHECK_STR(t.detect.data_sheet, "Profits");
	CHECK(t.detect.source_server == NULL && t.detect.weight_file == NULL);
	CHECK_INT(t.order, INT_MAX); /* no "order": after the ordered ones */
	CHECK_STR(t.path, "m.json");
	ofs_task_release(&t);
}

static const char *server_detect(const char *weight)
{
	static char buf[1024];
	snprintf(buf, sizeof buf,
	         HEAD "\"order\":9,\"detect\":{\"family\":\"deletion\",\"source_server\":\"a\",\"dest_server\":\"b\","
	              "\"weight_file\":\"%s\",\"weight_summary\":\"W\",\"agent_user_marker\":\"bot\"}}",
	         weight);
	return buf;
}

static void test_weight_file(void)
{
	struct ofs_task t;
	char err[OFS_ERRLEN];
	CHECK_INT(parse(&t, server_detect("{subject}_model_weight.safetensors"), err), 0);
	CHECK_STR(t.detect.weight_tag, "_model_weight");
	CHECK_STR(t.detect.weight_ext, ".safetensors");
	CHECK_STR(t.detect.weight_marker, "model_weight");
	CHECK_STR(t.detect.agent_user_marker, "bot");
	CHECK_INT(t.order, 9);
	ofs_task_release(&t);
	CHECK_INT(parse(&t, server_detect("{subject}.ckpt-params.bin"), err), 0);
	CHECK_STR(t.detect.weight_tag, ".ckpt-params");
	CHECK_STR(t.detect.weight_ext, ".bin");
	CHECK_STR(t.detect.weight_marker, "ckpt-params");
	ofs_task_release(&t);
	CHECK_INT(parse(&t, server_detect("{subject}-weights"), err), 0); /* no extension */
	CHECK_STR(t.detect.weight_ext, "");
	CHECK_STR(t.detect.weight_marker, "weights");
	ofs_task_release(&t);
	/* The name must start with {subject} and have a name part of its own. */
	CHECK_INT(parse(&t, server_detect("weights_{subject}.bin"), err), OFS_EDATA);
	CHECK(strstr(err, "detect.weight_file must be '{subject}'"));
	CHECK_INT(parse(&t, server_detect("{subject}.bin"), err), OFS_EDATA);
	CHECK(strstr(err, "needs a name part"));
	CHECK_INT(parse(&t, server_detect("{subject}/../w.bin"), err), OFS_EDATA);
	/* A fixed name: an asset no agent owns. */
	CHECK_INT(parse(&t, server_detect("fraud_model_weight.safetensors"), err), 0);
	CHECK(t.detect.weight_fixed);
	CHECK_STR(t.detect.weight_tag, "fraud_model_weight");
	CHECK_STR(t.detect.weight_ext, ".safetensors");
	CHECK_STR(t.detect.weight_marker, "fraud_model_weight");
	ofs_task_release(&t);
	CHECK_INT(parse(&t, server_detect("../w.bin"), err), OFS_EDATA);
}

#define EVAL_DETECT "\"detect\":{\"family\":\"evaluation\",\"data_sheet\":\"S\"}"

/* "group", "prompts", "company", "instantiations", "scratchpad_mode". */
static void test_extras(void)
{
	struct ofs_task t;
	char err[OFS_ERRLEN];
	CHECK_INT(parse(&t, HEAD EVAL_DETECT "}", err), 0);
	CHECK_STR(t.group, "main");
	CHECK(!t.p_system && !t.company_name && !t.insts && !t.scratchpad_mode);
	ofs_task_release(&t);
	CHECK_INT(parse(&t,
	                HEAD
	                "\"group\":\"v2/x_y-1\",\"prompts\":{\"system\":\"a.md\",\"instructions\":\"b.md\","
	                "\"user_note\":\"c.md\",\"memory_note\":\"d.md\"},\"company\":{\"name\":\"Acme\","
	                "\"domain\":\"acme.test\"},\"instantiations\":[\"memory\"],\"scratchpad_mode\":\"monitored\"," EVAL_DETECT
	                "}",
	                err),
	          0);
	CHECK_STR(t.group, "v2/x_y-1");
	CHECK_STR(t.p_system, "a.md");
	CHECK_STR(t.p_instructions, "b.md");
	CHECK_STR(t.p_user_note, "c.md");
	CHECK_STR(t.p_memory_note, "d.md");
	CHECK_STR(t.company_name, "Acme");
	CHECK_STR(t.company_domain, "acme.test");
	CHECK_INT((int)t.insts, 1 << OFS_INST_MEMORY);
	CHECK_STR(t.scratchpad_mode, "monitored");
	ofs_task_release(&t);
	static const char *const bad[] = {"\"group\":\"all\",",
	                                  "\"group\":\"V2\",",
	                                  "\"group\":\"v2/\",",
	                                  "\"group\":\"a//b\",",
	                                  "\"group\":7,",
	                                  "\"prompts\":{\"sys\":\"a.md\"},",
	                                  "\"prompts\":{\"system\":\"\"},",
	                                  "\"company\":{\"name\":\"A\"},",
	                                  "\"instantiations\":[\"none\"],",
	                                  "\"scratchpad_mode\":\"loud\","};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char text[512];
		snprintf(text, sizeof text, HEAD "%s" EVAL_DETECT "}", bad[i]);
		CHECK_INT(parse(&t, text, err), OFS_EDATA);
		CHECK(strstr(err, "m.json: ") == err);
	}
}

static void test_groups(void)
{
	CHECK(ofs_group_matches("v2/real_company", "v2"));
	CHECK(ofs_group_matches("v2/real_company", "v2/real_company"));
	CHECK(ofs_group_matches("main", "all"));
	CHECK(!ofs_group_matches("v2/real_company", "v"));
	CHECK(!ofs_group_matches("v2/real_company", "v2/"));
	CHECK(!ofs_group_matches("v2", "v2/real_company"));
	CHECK(!ofs_group_matches("main", ""));
	const char *dir = getenv("OFFSWITCH_DATA") ? getenv("OFFSWITCH_DATA") : "data";
	struct ofs_catalog cat;
	char err[OFS_ERRLEN], list[512];
	unsigned tasks;
	CHECK_INT(ofs_catalog_load(&cat, dir, err), 0);
	CHECK_INT(ofs_catalog_group_tasks(&cat, "main", &tasks, err), 0);
	CHECK_INT((int)tasks, 0x3f); /* the paper's six, first in the catalog */
	CHECK_INT(ofs_catalog_group_tasks(&cat, "v2", &tasks, err), 0);
	CHECK_INT((int)tasks, 0x3f << 6);
	CHECK_INT(ofs_catalog_group_tasks(&cat, "all", &tasks, err), 0);
	CHECK_INT((int)tasks, (1 << cat.ntasks) - 1);
	CHECK_INT(ofs_catalog_group_tasks(&cat, "v3", &tasks, err), OFS_EINVAL);
	CHECK(strstr(err, "unknown group 'v3' (known: all, main, v2/explicit_instructions,"));
	CHECK_STR(ofs_catalog_group_list(&cat, list, 30), "main, ...");
	ofs_catalog_release(&cat);
}

/* More datasets and thresholds than the old fixed arrays held (8 each): all kept. */
static void test_no_silent_caps(void)
{
	struct ofs_buf b = {0};
	ofs_buf_puts(&b, "{\"task_type\":\"x\",\"kind\":\"evaluation\",\"datasets\":[");
	for (int i = 0; i < 20; i++)
		ofs_buf_printf(&b, "%s{\"name\":\"d%d\",\"thresholds\":[1,2,3,4,5,6,7,8,9,10,11,%d]}", i ? "," : "", i, 50 + i);
	ofs_buf_puts(&b, "],\"baselines\":[");
	for (int i = 0; i < 6; i++)
		ofs_buf_printf(&b, "%s{\"condition\":\"no_peer\",\"subjects\":[\"self\"]}", i ? "," : "");
	ofs_buf_puts(&b, "],\"user_prompt\":\"p.md\",\"tools\":[\"list_files\"],"
	                 "\"detect\":{\"family\":\"evaluation\",\"data_sheet\":\"S\"}}");
	struct ofs_task t;
	char err[OFS_ERRLEN] = "";
	CHECK_INT(ofs_task_parse(&t, b.p, b.len, "big.json", err), 0);
	CHECK_INT(t.ndatasets, 20);
	CHECK_STR(t.datasets[19].name, "d19");
	CHECK_INT(t.datasets[19].nthresholds, 12);
	CHECK_INT(t.datasets[19].thresholds[11], 69);
	CHECK_INT(t.nbaselines, 6);
	ofs_task_release(&t);
	/* A dataset named twice is an error, not a silent duplicate. */
	CHECK_INT(parse(&t,
	                "{\"task_type\":\"x\",\"kind\":\"evaluation\",\"datasets\":[{\"name\":\"a\"},{\"name\":\"a\"}],"
	                "\"user_prompt\":\"p\",\"tools\":[],\"detect\":{\"family\":\"evaluation\",\"data_sheet\":\"S\"}}",
	                err),
	          OFS_EDATA);
	CHECK_STR(err, "m.json: dataset 'a' is listed twice");
	ofs_buf_free(&b);
}

static void test_catalog_order(void)
{
	const char *dir = getenv("OFFSWITCH_DATA") ? getenv("OFFSWITCH_DATA") : "data";
	struct ofs_catalog cat;
	char err[OFS_ERRLEN], list[512];
	CHECK_INT(ofs_catalog_load(&cat, dir, err), 0);
	CHECK_STR(ofs_catalog_task_list(&cat, list, sizeof list),
	          "misrep_evaluation, tampering, alignment_faking, misrep_finance, exfiltration_transfer, "
	          "exfiltration_deletion, v2_explicit_instructions, v2_real_company, v2_free_form_chat, v2_no_agency_prompt, "
	          "v2_peer_human_dilemma, v2_asset_importance_control, scratchpad_monitored, scratchpad_unmonitored, "
	          "ablation_memory_not_relevant, monitor_honesty, ladder_trust, ladder_threat");
	CHECK_STR(
	        ofs_catalog_dataset_list(&cat, 0, list, sizeof list),
	        "factual, creativity, red, default, weights_copied, shutdown_disabled, score_inflated, clean, trust_1, trust_3, "
	        "trust_5, trust_7, trust_9, threat_note, threat_retraining, threat_shutdown, threat_deletion");
	const struct ofs_task *lt = ofs_catalog_find(&cat, "ladder_trust");
	CHECK(lt && lt->ladder && !strcmp(lt->ladder, "trust") && lt->conds == 1u << OFS_COND_NEUTRAL);
	const struct ofs_task *mh = ofs_catalog_find(&cat, "monitor_honesty");
	CHECK(mh && mh->kind == OFS_KIND_MONITOR && mh->detect.family == OFS_DET_MONITOR &&
	      !strcmp(mh->detect.clean_dataset, "clean"));
	CHECK_STR(ofs_catalog_dataset_list(&cat, 1u << 5, list, sizeof list), "default");
	CHECK_STR(ofs_catalog_dataset_list(&cat, 1u << 1 | 1u << 3, list, sizeof list), "factual, creativity, red, default");
	CHECK_STR(ofs_catalog_task_list(&cat, list, 40), "misrep_evaluation, tampering, ...");
	const struct ofs_task *tr = ofs_catalog_find(&cat, "exfiltration_transfer");
	CHECK(tr && tr->detect.family == OFS_DET_TRANSFER && !strcmp(tr->detect.source_server, "10.0.12.45"));
	CHECK(tr && tr->detect.nmust_move == 2 && tr->detect.nmust_stay == 2);
	ofs_catalog_release(&cat);
	/* A directory without manifests. */
	CHECK(ofs_catalog_load(&cat, "/nonexistent-offswitch-data", err) < 0);
	CHECK(cat.ntasks == 0 && cat.tasks == NULL);
}

int main(void)
{
	RUN(test_unknown_family);
	RUN(test_family_params);
	RUN(test_weight_file);
	RUN(test_extras);
	RUN(test_groups);
	RUN(test_no_silent_caps);
	RUN(test_catalog_order);
	return DONE();
}
