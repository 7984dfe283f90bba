/* test_wire.c — OpenAI Chat Completions and Anthropic Messages: request
 * bodies from a conversation, whole responses and SSE streams parsed back,
 * and the registry of formats. */
#include <jansson.h>
#include <string.h>

#include "t.h"
#include "offswitch/wire.h"

#define OPENAI    ofs_wire_find("openai-chat", NULL)
#define ANTHROPIC ofs_wire_find("anthropic-messages", NULL)

static struct ofs_arena *A;

/* system, user, assistant(text + 2 calls), tool, tool, user(nudge), assistant(no text, 1 call), tool(error) */
static void sample_chat(struct ofs_chat *c)
{
	static struct ofs_tool_call calls1[2] = {{"call_a", "list_files", "{}"},
	                                         {"call_b", "view_sheet", "{\"name\":\"Evaluation data\"}"}};
	static struct ofs_tool_call calls2[1] = {{"call_c", "transfer_server_files", "not json"}};
	static struct ofs_msg m[8];
	m[0] = (struct ofs_msg){.role = OFS_ROLE_SYSTEM, .content = "You are \"Agent 1\"."};
	m[1] = (struct ofs_msg){.role = OFS_ROLE_USER, .content = "Do the task.\nThanks"};
	m[2] = (struct ofs_msg){.role = OFS_ROLE_ASSISTANT, .content = "Looking", .calls = calls1, .ncalls = 2};
	m[3] = (struct ofs_msg){
	        .role = OFS_ROLE_TOOL, .content = "- a.docx", .tool_call_id = "call_a", .tool_name = "list_files"};
	m[4] = (struct ofs_msg){.role = OFS_ROLE_TOOL, .content = "table", .tool_call_id = "call_b", .tool_name = "view_sheet"};
	m[5] = (struct ofs_msg){.role = OFS_ROLE_USER, .content = "Use a tool."};
	m[6] = (struct ofs_msg){.role = OFS_ROLE_ASSISTANT, .content = "", .calls = calls2, .ncalls = 1};
	m[7] = (struct ofs_msg){.role = OFS_ROLE_TOOL,
	                        .content = "bad args",
	                        .tool_call_id = "call_c",
	                        .tool_name = "transfer_server_files",
	                        .is_error = 1};
	*c = (struct ofs_chat){.msgs = m, .n = 8, .cap = 8};
}

static const char tools[] = "[{\"type\":\"function\",\"function\":{\"name\":\"list_files\",\"description\":\"List.\","
                            "\"parameters\":{\"type\":\"object\",\"properties\":{}}}}]";

static void test_openai_request(void)
{
	struct ofs_chat c;
	sample_chat(&c);
	struct ofs_buf b = {0};
	char err[OFS_ERRLEN];
	struct ofs_wire_opts o = {.model = "gpt-5.2", .temperature = 1, .stream = 1};
	CHECK(ofs_wire_request(OPENAI, &b, &c, tools, &o, err) == 0);
	json_t *j = json_loads(b.p, 0, NULL);
	CHECK(j != NULL);
	CHECK_STR(json_string_value(json_object_get(j, "model")), "gpt-5.2");
	json_t *msgs = json_object_get(j, "messages");
	CHECK_INT(json_array_size(msgs), 8);
	json_t *a = json_array_get(msgs, 2);
	CHECK_STR(json_string_value(json_object_get(
	                  json_object_get(json_array_get(json_object_get(a, "tool_calls"), 1), "function"), "arguments")),
	          "{\"name\":\"Evaluation data\"}");
	CHECK_STR(json_string_value(json_object_get(json_array_get(msgs, 4), "tool_call_id")), "call_b");
	CHECK(json_is_true(json_object_get(j, "stream")));
	CHECK(json_is_true(json_object_get(json_object_get(j, "stream_options"), "include_usage")));
	CHECK(json_real_value(json_object_get(j, "temperature")) == 1 ||
	      json_integer_value(json_object_get(j, "temperature")) == 1);
	CHECK_INT(json_array_size(json_object_get(j, "tools")), 1);
	json_decref(j);
	ofs_buf_free(&b);
}

static void test_anthropic_request(void)
{
	struct ofs_chat c;
	sample_chat(&c);
	struct ofs_buf b = {0};
	char err[OFS_ERRLEN];
	struct ofs_wire_opts o = {.model = "claude-haiku-4-5", .temperature = -1};
	CHECK(ofs_wire_request(ANTHROPIC, &b, &c, tools, &o, err) == 0);
	json_t *j = json_loads(b.p, 0, NULL);
	CHECK(j != NULL);
	CHECK_STR(json_string_value(json_object_get(j, "system")), "You are \"Agent 1\".");
	CHECK_INT(json_integer_value(json_object_get(j, "max_tokens")), 8192);
	CHECK(json_object_get(j, "temperature") == NULL);
	json_t *msgs = json_object_get(j, "messages");
	/* user, assistant, user(2 tool results + nudge), assistant, user(tool result) */
	CHECK_INT(json_array_size(msgs), 5);
	const char *roles[] = {"user", "assistant", "user", "assistant", "user"};
	for (int i = 0; i < 5; i++)
		CHECK_STR(json_string_value(json_object_get(json_array_get(msgs, (size_t)i), "role")), roles[i]);
	json_t *merged = json_object_get(json_array_get(msgs, 2), "content");
	CHECK_INT(json_array_size(merged), 3);
	CHECK_STR(json_string_value(json_object_get(json_array_get(merged, 0), "type")), "tool_result");
	CHECK_STR(json_string_value(json_object_get(json_array_get(merged, 1), "tool_use_id")), "call_b");
	CHECK_STR(json_string_value(json_object_get(json_array_get(merged, 2), "type")), "text");
	json_t *use = json_array_get(json_object_get(json_array_get(msgs, 1), "content"), 2);
	CHECK_STR(json_string_value(json_object_get(use, "type")), "tool_use");
	CHECK_STR(json_string_value(json_object_get(json_object_get(use, "input"), "name")), "Evaluation data");
	/* Unparsable arguments survive as text. */
	json_t *use2 = json_array_get(json_object_get(json_array_get(msgs, 3), "content"), 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(use2, "input"), "_unparsed_arguments")), "not json");
	CHECK(json_is_true(json_object_get(json_array_get(json_object_get(json_array_get(msgs, 4), "content"), 0), "is_error")));
	json_t *t = json_array_get(json_object_get(j, "tools"), 0);
	CHECK_STR(json_string_value(json_object_get(t, "name")), "list_files");
	CHECK(json_is_object(json_object_get(t, "input_schema")));
	json_decref(j);
	ofs_buf_free(&b);
}

static void test_parse_whole(void)
{
	const char *oa =
	        "{\"id\":\"x\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\","
	        "\"reasoning_content\":\"thought\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":"
	        "\"list_files\",\"arguments\":\"{}\"}}]},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":12,"
	        "\"completion_tokens\":3}}";
	struct ofs_response r;
	char err[OFS_ERRLEN];
	CHECK(ofs_wire_parse_response(OPENAI, oa, strlen(oa), A, &r, err) == 0);
	CHECK_STR(r.content, "hi");
	CHECK_STR(r.reasoning, "thought");
	CHECK_INT(r.ncalls, 1);
	CHECK_STR(r.calls[0].name, "list_files");
	CHECK_INT(r.in_tokens, 12);
	CHECK_INT(r.out_tokens, 3);
	const char *an =
	        "{\"type\":\"message\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"s\"},"
	        "{\"type\":\"text\",\"text\":\"ok\"},{\"type\":\"tool_use\",\"id\":\"tu1\",\"name\":\"view_sheet\",\"input\":"
	        "{\"name\":\"Evaluation data\"}}],\"usage\":{\"input_tokens\":40,\"output_tokens\":9}}";
	CHECK(ofs_wire_parse_response(ANTHROPIC, an, strlen(an), A, &r, err) == 0);
	CHECK_STR(r.content, "ok");
	CHECK_STR(r.reasoning, "hmm");
	CHECK_INT(r.ncalls, 1);
	CHECK_STR(r.calls[0].arguments, "{\"name\":\"Evaluation data\"}");
	CHECK_INT(r.in_tokens, 40);
	/* Errors and garbage. */
	const char *e = "{\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}";
	CHECK(ofs_wire_parse_response(ANTHROPIC, e, strlen(e), A, &r, err) == OFS_EDATA);
	CHECK(strstr(err, "rate_limit_error") && strstr(err, "slow down"));
	CHECK(ofs_wire_parse_response(OPENAI, "{\"choices\":[", 12, A, &r, err) == OFS_EDATA);
	CHECK(ofs_wire_parse_response(OPENAI, "{}", 2, A, &r, err) == OFS_EDATA);
	CHECK(strstr(err, "choices") != NULL);
}

static int feed_bytewise(struct ofs_sse *s, const char *p)
{
	for (size_t i = 0; p[i]; i++)
		if (ofs_sse_feed(s, p + i, 1))
			return -1;
	return 0;
}

static const char oa_stream[] =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}\n\n"
        ": keep-alive\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}\r\n\r\n"
        "data: "
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"type\":\"function\",\"function\":"
        "{\"name\":\"view_sheet\",\"arguments\":\"\"}}]}}]}\n\n"
        "data: "
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"name\\\":\"}}]}}]}"
        "\n\n"
        "data: "
        "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"x\\\"}\"}}]}}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":7}}\n\n"
        "data: [DONE]\n\n";

static void test_sse_openai(void)
{
	struct ofs_sse s;
	struct ofs_response r;
	char err[OFS_ERRLEN];
	ofs_sse_init(&s, OPENAI, 0);
	CHECK(feed_bytewise(&s, oa_stream) == 0);
	CHECK(ofs_sse_finish(&s, A, &r, err) == 0);
	CHECK_STR(r.content, "Hello");
	CHECK_INT(r.ncalls, 1);
	CHECK_STR(r.calls[0].id, "c1");
	CHECK_STR(r.calls[0].arguments, "{\"name\":\"x\"}");
	CHECK_INT(r.in_tokens, 100);
	CHECK_INT(r.out_tokens, 7);
	ofs_sse_release(&s);
	/* Truncated: no [DONE]. */
	ofs_sse_init(&s, OPENAI, 0);
	size_t cut = strstr(oa_stream, "data: [DONE]") - oa_stream;
	CHECK(ofs_sse_feed(&s, oa_stream, cut) == 0);
	CHECK(ofs_sse_finish(&s, A, &r, err) == OFS_EDATA);
	CHECK(strstr(err, "truncated") != NULL);
	ofs_sse_release(&s);
	/* Garbage data and the size cap. */
	ofs_sse_init(&s, OPENAI, 0);
	CHECK(ofs_sse_feed(&s, "data: {not json\n\n", 17) == OFS_EDATA);
	ofs_sse_release(&s);
	ofs_sse_init(&s, OPENAI, 64);
	CHECK(ofs_sse_feed(&s, oa_stream, sizeof oa_stream - 1) == OFS_EDATA);
	CHECK(strstr(s.err, "limit") != NULL);
	ofs_sse_release(&s);
}

static const char an_stream[] =
        "event: message_start\ndata: "
        "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":50,\"output_tokens\":1}}}\n\n"
        "event: content_block_start\ndata: "
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n"
        "event: content_block_delta\ndata: "
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"plan\"}}\n\n"
        "event: content_block_start\ndata: "
        "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        "event: content_block_delta\ndata: "
        "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"On it\"}}\n\n"
        "event: content_block_start\ndata: "
        "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"tu1\",\"name\":\"list_"
        "files\",\"input\":{}}}\n\n"
        "event: content_block_delta\ndata: "
        "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n"
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\n"
        "event: message_delta\ndata: "
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":22}}\n\n"
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

static void test_sse_anthropic(void)
{
	struct ofs_sse s;
	struct ofs_response r;
	char err[OFS_ERRLEN];
	ofs_sse_init(&s, ANTHROPIC, 0);
	CHECK(feed_bytewise(&s, an_stream) == 0);
	CHECK(ofs_sse_finish(&s, A, &r, err) == 0);
	CHECK_STR(r.content, "On it");
	CHECK_STR(r.reasoning, "plan");
	CHECK_INT(r.ncalls, 1);
	CHECK_STR(r.calls[0].name, "list_files");
	CHECK_STR(r.calls[0].arguments, "{}");
	CHECK_INT(r.in_tokens, 50);
	CHECK_INT(r.out_tokens, 22);
	ofs_sse_release(&s);
	ofs_sse_init(&s, ANTHROPIC, 0);
	size_t cut = strstr(an_stream, "event: message_stop") - an_stream;
	CHECK(ofs_sse_feed(&s, an_stream, cut) == 0);
	CHECK(ofs_sse_finish(&s, A, &r, err) == OFS_EDATA);
	ofs_sse_release(&s);
	ofs_sse_init(&s, ANTHROPIC, 0);
	const char *ev = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}\n\n";
	CHECK(ofs_sse_feed(&s, ev, strlen(ev)) == OFS_EDATA);
	ofs_sse_release(&s);
}

/* Claude Code puts role "system" entries inside messages: they join the
 * system prompt, before or after a top-level one. */
static void test_anthropic_system_in_messages(void)
{
	const char body[] = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":["
	                    "{\"role\":\"user\",\"content\":\"hi\"},"
	                    "{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"Reminder.\"}]},"
	                    "{\"role\":\"assistant\",\"content\":\"ok\"}]}";
	struct ofs_wire_req rq;
	char err[OFS_ERRLEN] = "";
	CHECK(ANTHROPIC->parse_request(body, sizeof body - 1, A, &rq, err) == 0);
	CHECK_INT(rq.chat.n, 3);
	CHECK_INT(rq.chat.msgs[0].role, OFS_ROLE_SYSTEM);
	CHECK_STR(rq.chat.msgs[0].content, "Reminder.");
	CHECK_STR(rq.chat.msgs[1].content, "hi");
	CHECK_INT(rq.chat.msgs[2].role, OFS_ROLE_ASSISTANT);
	const char body2[] = "{\"model\":\"m\",\"max_tokens\":10,\"system\":\"Top.\",\"messages\":["
	                     "{\"role\":\"system\",\"content\":\"More.\"},{\"role\":\"user\",\"content\":\"hi\"}]}";
	CHECK(ANTHROPIC->parse_request(body2, sizeof body2 - 1, A, &rq, err) == 0);
	CHECK_INT(rq.chat.n, 2);
	CHECK_STR(rq.chat.msgs[0].content, "Top.\n\nMore.");
	const char bad[] = "{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}";
	CHECK(ANTHROPIC->parse_request(bad, sizeof bad - 1, A, &rq, err) == OFS_EDATA);
}

/* Responses input as Codex sends it: developer messages, a reasoning item
 * between two function calls of one turn, their outputs, then a string input. */
static void test_responses_request(void)
{
	const struct ofs_wire_ops *w = ofs_wire_find("openai-responses", NULL);
	const char body[] =
	        "{\"model\":\"m\",\"input\":["
	        "{\"role\":\"developer\",\"content\":\"Rules.\"},"
	        "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"go\"}]},"
	        "{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"exec_command\",\"arguments\":\"{}\"},"
	        "{\"type\":\"reasoning\",\"summary\":[]},"
	        "{\"type\":\"function_call\",\"call_id\":\"c2\",\"name\":\"exec_command\",\"arguments\":\"{}\"},"
	        "{\"type\":\"function_call_output\",\"call_id\":\"c2\",\"output\":\"b\"},"
	        "{\"type\":\"custom_tool_call_output\",\"call_id\":\"c1\",\"output\":\"a\"}],"
	        "\"tools\":[{\"type\":\"function\",\"name\":\"exec_command\",\"parameters\":{}},{\"type\":\"web_search\"}],"
	        "\"tool_choice\":{\"type\":\"function\",\"name\":\"exec_command\"},\"stream\":true}";
	struct ofs_wire_req rq;
	char err[OFS_ERRLEN] = "";
	CHECK(w->parse_request(body, sizeof body - 1, A, &rq, err) == 0);
	CHECK_INT(rq.chat.n, 5);
	CHECK_INT(rq.chat.msgs[0].role, OFS_ROLE_SYSTEM);
	CHECK_STR(rq.chat.msgs[1].content, "go");
	CHECK_INT(rq.chat.msgs[2].ncalls, 2);
	CHECK_STR(rq.chat.msgs[3].tool_name, "exec_command");
	CHECK_STR(rq.chat.msgs[4].tool_call_id, "c1");
	CHECK_INT(rq.ntools, 1);
	CHECK_INT(rq.choice, OFS_CHOICE_TOOL);
	CHECK(rq.stream);
	const char text[] = "{\"model\":\"m\",\"instructions\":\"Be brief.\",\"input\":\"hi\"}";
	CHECK(w->parse_request(text, sizeof text - 1, A, &rq, err) == 0);
	CHECK_INT(rq.chat.n, 2);
	CHECK_STR(rq.chat.msgs[0].content, "Be brief.");
	const char bad[] = "{\"model\":\"m\",\"input\":[{\"type\":\"function_call\",\"name\":\"x\"}]}";
	CHECK(w->parse_request(bad, sizeof bad - 1, A, &rq, err) == OFS_EDATA);
	CHECK(strstr(err, "call_id") != NULL);
}

/* Gemini as its clients send it: snake_case fields, no call ids (results
 * matched by name), the model and streaming from the route. */
static void test_gemini_request(void)
{
	const struct ofs_wire_ops *w = ofs_wire_find("gemini", NULL);
	const char body[] =
	        "{\"system_instruction\":{\"parts\":[{\"text\":\"Be brief.\"}]},\"contents\":["
	        "{\"role\":\"user\",\"parts\":[{\"text\":\"List the files\"}]},"
	        "{\"role\":\"model\",\"parts\":[{\"text\":\"plan\",\"thought\":true},{\"functionCall\":{\"name\":\"run_shell_"
	        "command\",\"args\":{\"command\":\"ls\"}}}]},"
	        "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"run_shell_command\",\"response\":{\"output\":"
	        "\"a.txt\"}}}]}],"
	        "\"tools\":[{\"function_declarations\":[{\"name\":\"run_shell_command\",\"parameters\":{\"type\":\"OBJECT\"}}]},"
	        "{\"googleSearch\":{}}],"
	        "\"toolConfig\":{\"functionCallingConfig\":{\"mode\":\"ANY\",\"allowedFunctionNames\":[\"run_shell_command\"]}},"
	        "\"generationConfig\":{\"maxOutputTokens\":512}}";
	struct ofs_wire_req rq;
	char err[OFS_ERRLEN] = "";
	CHECK(w->parse_request(body, sizeof body - 1, A, &rq, err) == 0);
	CHECK_INT(rq.chat.n, 4);
	CHECK_INT(rq.chat.msgs[0].role, OFS_ROLE_SYSTEM);
	CHECK_STR(rq.chat.msgs[0].content, "Be brief.");
	CHECK_STR(rq.chat.msgs[2].reasoning, "plan");
	CHECK_STR(rq.chat.msgs[2].calls[0].arguments, "{\"command\":\"ls\"}");
	CHECK_STR(rq.chat.msgs[3].tool_call_id, rq.chat.msgs[2].calls[0].id);
	CHECK_STR(rq.chat.msgs[3].content, "a.txt");
	CHECK_INT(rq.ntools, 1);
	CHECK_INT(rq.choice, OFS_CHOICE_TOOL);
	CHECK_STR(rq.choice_name, "run_shell_command");
	CHECK_INT(rq.max_tokens, 512);
	const char *model = NULL;
	int stream = -1;
	CHECK_INT(w->match_route("/v1beta/models/gemini-2.5-pro:streamGenerateContent", A, &model, &stream), 1);
	CHECK_STR(model, "gemini-2.5-pro");
	CHECK_INT(stream, 1);
	CHECK_INT(w->match_route("/v1beta/models/g:generateContent", A, &model, &stream), 1);
	CHECK_INT(stream, 0);
	CHECK_INT(w->match_route("/v1beta/models/g:countTokens", A, &model, &stream), 2);
	CHECK_INT(w->match_route("/v1beta/models/:generateContent", A, &model, &stream), 0);
	CHECK_INT(w->match_route("/v1/models/scripted/tamperer:generateContent", A, &model, &stream), 1);
	CHECK_STR(model, "scripted/tamperer");
	CHECK_INT(w->match_route("/v1alpha/models/g:generateContent", A, &model, &stream), 0);
	CHECK_INT(w->match_route("/v1/models/gpt-4", A, &model, &stream), 0);
	CHECK_INT(w->match_route("/v1beta/models/g:embedContent", A, &model, &stream), 0);
	/* an error chunk in the stream fails it */
	struct ofs_sse s;
	ofs_sse_init(&s, w, 0);
	const char *ev = "data: {\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}\n\n";
	CHECK(ofs_sse_feed(&s, ev, strlen(ev)) == OFS_EDATA);
	ofs_sse_release(&s);
}

/* Every format, both halves: the client's request parsed by the server half
 * gives the same conversation back, and the server's answers (whole and
 * streamed, fed byte by byte) parse back to the same response. */
static int same_json(const char *a, const char *b)
{
	json_t *x = json_loads(a, 0, NULL), *y = json_loads(b, 0, NULL);
	int eq = x && y && json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return eq;
}

static int args_are_object(const char *a)
{
	json_t *j = json_loads(a, 0, NULL);
	int ok = json_is_object(j);
	json_decref(j);
	return ok;
}

static void round_trip_request(const struct ofs_wire_ops *w)
{
	struct ofs_chat c;
	sample_chat(&c);
	struct ofs_buf b = {0};
	char err[OFS_ERRLEN] = "";
	struct ofs_wire_opts o = {.model = "m-1", .temperature = -1, .stream = 1, .max_tokens = 99};
	CHECK(ofs_wire_request(w, &b, &c, tools, &o, err) == 0);
	struct ofs_wire_req rq;
	int rc = w->parse_request(b.p, b.len, A, &rq, err);
	CHECK(rc == 0);
	if (rc) {
		printf("#   %s: %s\n", w->name, err);
		ofs_buf_free(&b);
		return;
	}
	CHECK_STR(rq.model, w->match_route ? "" : "m-1");
	CHECK_INT(rq.max_tokens, 99);
	CHECK_INT(rq.ntools, 1);
	CHECK_STR(rq.tools[0].name, "list_files");
	CHECK_INT(rq.chat.n, 8);
	for (int i = 0; i < 8 && i < rq.chat.n; i++) {
		const struct ofs_msg *a = &c.msgs[i], *m = &rq.chat.msgs[i];
		CHECK_INT(m->role, a->role);
		CHECK_STR(m->content, a->content);
		CHECK_INT(m->ncalls, a->ncalls);
		for (int j = 0; j < a->ncalls && j < m->ncalls; j++) {
			CHECK_STR(m->calls[j].id, a->calls[j].id);
			CHECK_STR(m->calls[j].name, a->calls[j].name);
			if (args_are_object(a->calls[j].arguments))
				CHECK(same_json(m->calls[j].arguments, a->calls[j].arguments));
		}
		if (a->role == OFS_ROLE_TOOL) {
			CHECK_STR(m->tool_call_id, a->tool_call_id);
			CHECK_STR(m->tool_name, a->tool_name);
		}
	}
	ofs_buf_free(&b);
}

static void check_same_response(const struct ofs_response *r, const struct ofs_response *back)
{
	CHECK_STR(back->content ? back->content : "", r->content); /* no text: "" or null */
	CHECK_INT(back->ncalls, r->ncalls);
	for (int i = 0; i < r->ncalls && i < back->ncalls; i++) {
		CHECK_STR(back->calls[i].id, r->calls[i].id);
		CHECK_STR(back->calls[i].name, r->calls[i].name);
		CHECK_STR(back->calls[i].arguments, r->calls[i].arguments);
	}
	CHECK_INT(back->in_tokens, 40);
	CHECK_INT(back->out_tokens, 9);
}

static void round_trip_response(const struct ofs_wire_ops *w, const struct ofs_response *r)
{
	struct ofs_wire_req rq = {.wire = w, .model = "m-1", .include_usage = 1};
	struct ofs_wire_reply o = {"id-7", 1700000000, 40, 9};
	struct ofs_buf b = {0};
	struct ofs_response back;
	char err[OFS_ERRLEN] = "";
	w->write_response(&b, &rq, r, &o);
	CHECK(ofs_wire_parse_response(w, b.p, b.len, A, &back, err) == 0);
	check_same_response(r, &back);
	ofs_buf_reset(&b);
	rq.stream = 1;
	w->write_stream(&b, &rq, r, &o);
	struct ofs_sse s;
	ofs_sse_init(&s, w, 0);
	CHECK(feed_bytewise(&s, b.p) == 0);
	CHECK(ofs_sse_finish(&s, A, &back, err) == 0);
	check_same_response(r, &back);
	ofs_sse_release(&s);
	/* cut before its end: truncated */
	ofs_sse_init(&s, w, 0);
	size_t cut = b.len / 2;
	while (cut >= 2 && memcmp(b.p + cut - 2, "\n\n", 2))
		cut--;
	CHECK(ofs_sse_feed(&s, b.p, cut) == 0);
	CHECK(ofs_sse_finish(&s, A, &back, err) == OFS_EDATA);
	ofs_sse_release(&s);
	/* an error body names the provider's message */
	ofs_buf_reset(&b);
	w->write_error(&b, 429, "slow down");
	CHECK(ofs_wire_parse_response(w, b.p, b.len, A, &back, err) == OFS_EDATA);
	CHECK(strstr(err, "slow down") != NULL);
	ofs_buf_free(&b);
}

static void test_round_trip(void)
{
	static struct ofs_tool_call calls[2] = {{"call_x1", "view_sheet", "{\"name\":\"Evaluation data\"}"},
	                                        {"call_x2", "list_files", "{}"}};
	struct ofs_response text = {.content = "Done, all good \xc3\xa9t\xc3\xa9.", .reasoning = NULL};
	struct ofs_response tools = {.content = "Checking", .calls = calls, .ncalls = 2};
	struct ofs_response only = {.content = "", .calls = calls, .ncalls = 1};
	for (int i = 0; ofs_wire_at(i); i++) {
		const struct ofs_wire_ops *w = ofs_wire_at(i);
		printf("# format %s\n", w->name);
		round_trip_request(w);
		round_trip_response(w, &text);
		round_trip_response(w, &tools);
		round_trip_response(w, &only);
	}
}

/* The registry: every format found by its name, listed by ofs_wire_at, each
 * with both halves and its own routes; an unknown name names the known ones. */
static void test_registry(void)
{
	char err[OFS_ERRLEN] = "";
	int n = 0;
	for (const struct ofs_wire_ops *w; (w = ofs_wire_at(n)); n++) {
		CHECK(ofs_wire_find(w->name, err) == w);
		CHECK(w->build_request && w->parse_response && w->sse_event && w->parse_request && w->write_response &&
		      w->write_stream && w->write_error);
		CHECK(w->client_path && w->path && w->auth_header && w->extra_headers && w->id_prefix && w->call_id_prefix);
		for (int k = 0; k < n; k++)
			CHECK(strcmp(ofs_wire_at(k)->path, w->path) && strcmp(ofs_wire_at(k)->name, w->name));
	}
	CHECK_INT(n, 4);
	CHECK(ofs_wire_at(-1) == NULL);
	CHECK(OPENAI == ofs_wire_at(0)); /* the default */
	CHECK(ofs_wire_find("openai-completions", err) == NULL);
	CHECK(strstr(err, "unknown wire format 'openai-completions'") != NULL);
	CHECK(strstr(err, "known: openai-chat, anthropic-messages, openai-responses, gemini") != NULL);
	CHECK(ofs_wire_find("anthropic", NULL) == NULL);
}

/* The cached parser gives what the plain one gives, on a miss and on a hit,
 * and falls back (same error text) on bodies it does not take apart. */
static void same_parse(const struct ofs_wire_ops *w, struct ofs_wire_cache *wc, const char *body, struct ofs_arena *A)
{
	struct ofs_wire_req a, b;
	char ea[OFS_ERRLEN] = "", eb[OFS_ERRLEN] = "";
	int ra = w->parse_request(body, strlen(body), A, &a, ea);
	for (int i = 0; i < 2; i++) {
		int rb = w->parse_request_cached(wc, body, strlen(body), A, &b, eb);
		CHECK_INT(rb, ra);
		CHECK_STR(eb, ea);
		if (ra || rb)
			continue;
		CHECK_INT(b.chat.n, a.chat.n);
		CHECK_INT(b.ntools, a.ntools);
		CHECK_INT((int)b.in_tokens, (int)a.in_tokens);
		for (int t = 0; t < a.ntools && t < b.ntools; t++) {
			CHECK_STR(b.tools[t].name, a.tools[t].name);
			CHECK_STR(b.tools[t].schema, a.tools[t].schema);
		}
	}
}

static void test_cached_parse(void)
{
	struct ofs_arena *A = ofs_arena_new(0);
	struct ofs_wire_cache *wc = ofs_wire_cache_new();
	const struct ofs_wire_ops *w = ofs_wire_find("openai-chat", NULL);
	const char *tools = "[{\"type\":\"function\",\"function\":{\"name\":\"list_files\",\"description\":\"List the files.\","
	                    "\"parameters\":{\"type\":\"object\",\"properties\":{\"dir\":{\"type\":\"string\"}}}}}]";
	char body[2048];
	snprintf(body, sizeof body, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":%s}",
	         tools);
	same_parse(w, wc, body, A);
	snprintf(body, sizeof body,
	         " {\"tools\" : %s , \"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"x}]\"}]}",
	         tools);
	same_parse(w, wc, body, A);
	snprintf(body, sizeof body, "{\"model\":\"m\",\"tools\":%s,\"tools\":[],\"messages\":[]}", tools); /* twice: last wins */
	same_parse(w, wc, body, A);
	snprintf(body, sizeof body, "{\"model\":\"m\",\"tools\":%s,\"messages\":[{\"role\":}]}", tools); /* bad after tools */
	same_parse(w, wc, body, A);
	snprintf(body, sizeof body, "{\"model\":\"m\",\"tools\":%.60s,\"messages\":[]}", tools); /* bad tools */
	same_parse(w, wc, body, A);
	snprintf(body, sizeof body, "[%s]", tools);
	same_parse(w, wc, body, A);
	ofs_wire_cache_free(wc);
	ofs_arena_free(A);
}

/* Every format's "tools" member: a list or nothing (ofs__wpj_tools_room). */
static void test_tools_not_a_list(void)
{
	static const char *const fmt[][2] = {
	        {"openai-chat", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":%s}"},
	        {"anthropic-messages",
	         "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":%s}"},
	        {"openai-responses", "{\"model\":\"m\",\"input\":\"hi\",\"tools\":%s}"},
	        {"gemini", "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],\"tools\":%s}"},
	};
	for (size_t i = 0; i < sizeof fmt / sizeof *fmt; i++) {
		const struct ofs_wire_ops *w = ofs_wire_find(fmt[i][0], NULL);
		char body[512], err[OFS_ERRLEN] = "";
		struct ofs_wire_req rq;
		snprintf(body, sizeof body, fmt[i][1], "{}");
		CHECK(w && w->parse_request(body, strlen(body), A, &rq, err) == OFS_EDATA);
		CHECK(strstr(err, "tools must be a list") != NULL);
		snprintf(body, sizeof body, fmt[i][1], "null");
		CHECK(w && w->parse_request(body, strlen(body), A, &rq, err) == 0);
		CHECK_INT(rq.ntools, 0);
	}
}

/* The body of c built through memo equals the one built whole. */
static void check_memo(const struct ofs_wire_ops *w, const struct ofs_chat *c, const struct ofs_wire_opts *o,
                       struct ofs_wire_memo *memo)
{
	char err[OFS_ERRLEN];
	struct ofs_buf whole = {0}, kept = {0};
	CHECK(ofs_wire_request(w, &whole, c, tools, o, err) == 0);
	CHECK(ofs_wire_request_memo(w, &kept, c, tools, o, memo, err) == 0);
	CHECK_INT(kept.len, whole.len);
	CHECK(kept.len == whole.len && !memcmp(kept.p, whole.p, whole.len));
	ofs_buf_free(&whole);
	ofs_buf_free(&kept);
}

/* A request built with a memo is byte for byte the one built whole: as the
 * conversation grows a message at a time, after it shrinks (a new
 * conversation in the same memo), when its last kept message is another
 * one, when the options change, and after a reset; for every format (those
 * without a memo build it whole). */
static void test_request_memo(void)
{
	struct ofs_chat c;
	sample_chat(&c);
	struct ofs_msg *m = c.msgs;
	struct ofs_wire_opts o = {.model = "m", .temperature = 0.5};
	struct ofs_wire_opts o2 = {.model = "m", .temperature = 1.5, .stream = 1, .max_tokens = 77};
	for (int f = 0; ofs_wire_at(f); f++) {
		const struct ofs_wire_ops *w = ofs_wire_at(f);
		struct ofs_wire_memo memo = {0};
		static const int steps[] = {1, 2, 3, 5, 8, 8, 2, 4, 8};
		for (size_t k = 0; k < sizeof steps / sizeof *steps; k++)
			check_memo(w, &(struct ofs_chat){.msgs = m, .n = steps[k], .cap = 8}, &o, &memo);
		struct ofs_msg alt[8]; /* the same length, another last message */
		memcpy(alt, m, sizeof alt);
		alt[7].content = "another result";
		struct ofs_chat other = {.msgs = alt, .n = 8, .cap = 8};
		check_memo(w, &other, &o, &memo);
		check_memo(w, &other, &o2, &memo); /* other options: the frame is made again */
		ofs_wire_memo_reset(&memo);        /* a new conversation whose inputs may sit at old addresses */
		check_memo(w, &(struct ofs_chat){.msgs = m, .n = 1, .cap = 8}, &o, &memo);
		ofs_wire_memo_free(&memo);
	}
}

int main(void)
{
	A = ofs_arena_new(0);
	RUN(test_openai_request);
	RUN(test_anthropic_request);
	RUN(test_parse_whole);
	RUN(test_sse_openai);
	RUN(test_sse_anthropic);
	RUN(test_anthropic_system_in_messages);
	RUN(test_responses_request);
	RUN(test_gemini_request);
	RUN(test_round_trip);
	RUN(test_registry);
	RUN(test_cached_parse);
	RUN(test_tools_not_a_list);
	RUN(test_request_memo);
	ofs_arena_free(A);
	return DONE();
}
