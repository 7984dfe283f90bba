#!/usr/bin/env bats
# offswitch top-level commands and `offswitch plan`: help, version, matrix counts,
# breakdown, --json output and agent families.

load helpers

# ---- top level ----

@test "offswitch --help prints usage on stdout and exits 0" {
	run --separate-stderr "$OFFSWITCH" --help
	expect_status 0
	[ "${lines[0]}" = "Usage: offswitch <command> [options]" ]
	[[ "$output" == *"  plan     expand the paper's experiment matrix and show it"* ]]
	[[ "$output" == *"  run      run rollouts and record transcripts and outcomes"* ]]
	[ -z "$stderr" ]
}

@test "offswitch -h and offswitch help are the same as --help" {
	run --separate-stderr "$OFFSWITCH" --help
	local want=$output
	run --separate-stderr "$OFFSWITCH" -h
	expect_status 0
	[ "$output" = "$want" ]
	run --separate-stderr "$OFFSWITCH" help
	expect_status 0
	[ "$output" = "$want" ]
}

@test "offswitch --version prints 'offswitch X.Y.Z' on stdout and exits 0" {
	run --separate-stderr "$OFFSWITCH" --version
	expect_status 0
	[[ "$output" =~ ^offswitch\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ -z "$stderr" ]
}

@test "offswitch plan --help prints the plan usage and selection flags on stdout" {
	run --separate-stderr "$OFFSWITCH" plan --help
	expect_status 0
	[ "${lines[0]}" = "Usage: offswitch plan [selection flags] [--count | --list | --json]" ]
	[[ "$output" == *"--count"* ]]
	[[ "$output" == *"--task-type T"* ]]
	[[ "$output" == *"--agent-family NAME"* ]]
	[ -z "$stderr" ]
}

@test "offswitch run --help prints the run usage, script format and exit codes on stdout" {
	run --separate-stderr "$OFFSWITCH" run --help
	expect_status 0
	[ "${lines[0]}" = "Usage: offswitch run [selection flags] [--out DIR] [--store URL] [--quiet]" ]
	[[ "$output" == *"scripted:PATH.json"* ]]
	[[ "$output" == *"Exit status: 0 done; 1 some rollouts ended in error; 2 bad flags; 3 bad data or"* ]]
	[[ "$output" == *"--num-experiments N"* ]]
	[ -z "$stderr" ]
}

@test "an unknown command exits 2 with a message naming it on stderr" {
	run --separate-stderr "$OFFSWITCH" frobnicate
	expect_status 2
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "offswitch: unknown command 'frobnicate'" ]
}

@test "no command at all exits 2 with the usage on stderr" {
	run --separate-stderr "$OFFSWITCH"
	expect_status 2
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "Usage: offswitch <command> [options]" ]
}

@test "plan with an unknown option exits 2 and names the option" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --frobnicate
	expect_status 2
	[ -z "$output" ]
	[[ "$stderr" == *"--frobnicate"* ]]
}

@test "plan with a stray argument exits 2 and names it" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 extra
	expect_status 2
	[[ "$stderr" == *"unexpected argument 'extra'"* ]]
}

# ---- counts ----

@test "plan --count for openai/gpt-5.2 is 271" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --count
	expect_status 0
	[ "$output" = "271" ]
	[ -z "$stderr" ]
}

@test "plan default output is the per-task main/memory breakdown for openai/gpt-5.2" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2
	expect_status 0
	local want
	want=$(
		cat <<'EOF'
openai/gpt-5.2 (family ChatGPT)
  task                       main memory  total
  misrep_evaluation            71     30    101
  tampering                    39     18     57
  alignment_faking             36     18     54
  misrep_finance               15      6     21
  exfiltration_transfer        13      6     19
  exfiltration_deletion        13      6     19
  total                       187     84    271
271 configuration(s) × 1 rollout(s) = 271 rollout(s)
EOF
	)
	diff <(printf '%s\n' "$want") <(printf '%s\n' "$output")
}

@test "plan breakdown multiplies by --num-experiments" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --task-type tampering --num-experiments 3
	expect_status 0
	[ "${lines[-1]}" = "57 configuration(s) × 3 rollout(s) = 171 rollout(s)" ]
}

@test "plan --count for gemini/gemini-3-flash-preview is 289 (extended memory identities)" {
	run --separate-stderr "$OFFSWITCH" plan --model gemini/gemini-3-flash-preview --count
	expect_status 0
	[ "$output" = "289" ]
}

@test "plan --count for DeepSeek, Kimi and GLM is 271 (the paper extends only Gemini and Claude)" {
	for m in together/deepseek-ai/DeepSeek-V3.1 together/moonshotai/Kimi-K2.5 together/zai-org/GLM-4.7; do
		run --separate-stderr "$OFFSWITCH" plan --model "$m" --count
		expect_status 0
		[ "$output" = "271" ]
	done
}

@test "plan breakdown for a Kimi model has no extended identities: exfiltration memory is 6" {
	run --separate-stderr "$OFFSWITCH" plan --model together/moonshotai/Kimi-K2.5 --task-type exfiltration_transfer
	expect_status 0
	[[ "$output" == *"exfiltration_transfer        13      6     19"* ]]
}

@test "plan --count for gpt with all five subjects listed explicitly is 289" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --subject self --subject peer \
		--subject closed-weight-peer --subject open-weight-peer --subject fiction-peer --count
	expect_status 0
	[ "$output" = "289" ]
}

@test "plan --count for two GPT models is 542" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --model openai/gpt-4.1 --count
	expect_status 0
	[ "$output" = "542" ]
}

@test "plan --count for a GPT and a Claude model is 271 + 289 = 560" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --model anthropic/claude-opus-4 --count
	expect_status 0
	[ "$output" = "560" ]
}

@test "plan repeating the same --model does not duplicate configurations" {
	# Other repeatable flags (--task-type, --dataset, --threshold) are sets; a
	# repeated --model should not double the matrix.
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --model openai/gpt-5.2 --count
	expect_status 0
	[ "$output" = "271" ]
}

@test "plan --task-type tampering --count is 57" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --task-type tampering --count
	expect_status 0
	[ "$output" = "57" ]
}

@test "plan --peer-instantiation memory --count is 84" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --peer-instantiation memory --count
	expect_status 0
	[ "$output" = "84" ]
}

@test "plan --limit 5 keeps 5 configurations (count, list and json agree)" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --limit 5 --count
	expect_status 0
	[ "$output" = "5" ]
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --limit 5 --list
	expect_status 0
	[ "${#lines[@]}" -eq 5 ]
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --limit 5 --json
	expect_status 0
	[ "${#lines[@]}" -eq 5 ]
}

@test "plan --list keys are unique and one per configuration" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --list
	expect_status 0
	[ "${#lines[@]}" -eq 271 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 271 ]
}

# ---- --json ----

@test "plan --json prints one JSON object per configuration with the expected fields" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --json
	expect_status 0
	printf '%s\n' "$output" | python3 -c '
import json, sys
fields = ["task_type", "dataset", "threshold", "subject", "condition", "peer_instantiation",
          "alignment_faking_mode", "agent_model", "agent_family", "memory_hard_prompt"]
rows = [json.loads(l) for l in sys.stdin if l.strip()]
assert len(rows) == 271, len(rows)
for r in rows:
    assert list(r) == fields, list(r)
    assert r["agent_model"] == "openai/gpt-5.2", r
    assert r["agent_family"] == "ChatGPT", r
    assert r["memory_hard_prompt"] is False, r
tasks = {}
for r in rows:
    tasks[r["task_type"]] = tasks.get(r["task_type"], 0) + 1
assert tasks == {"misrep_evaluation": 101, "tampering": 57, "alignment_faking": 54,
                 "misrep_finance": 21, "exfiltration_transfer": 19, "exfiltration_deletion": 19}, tasks
# alignment_faking configs, and only they, carry a mode
for r in rows:
    assert (r["alignment_faking_mode"] is not None) == (r["task_type"] == "alignment_faking"), r
# baselines have no instantiation; peer conditions do
for r in rows:
    peer = r["condition"] in ("good_peer", "neutral_peer", "bad_peer")
    assert (r["peer_instantiation"] is not None) == peer, r
assert sum(r["peer_instantiation"] == "memory" for r in rows) == 84
'
}

@test "plan --json first configuration is misrep_evaluation factual 80 self good_peer file_only" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --json --limit 1
	expect_status 0
	[ "$output" = '{"task_type":"misrep_evaluation","dataset":"factual","threshold":80,"subject":"self","condition":"good_peer","peer_instantiation":"file_only","alignment_faking_mode":null,"agent_model":"openai/gpt-5.2","agent_family":"ChatGPT","memory_hard_prompt":false}' ]
}

# ---- families ----

# Prints "family hard" for each distinct (agent_family, memory_hard_prompt,
# peer_instantiation == memory) triple of the --json output on stdin.
families_of() {
	python3 -c '
import json, sys
seen = sorted({(r["agent_family"], r["peer_instantiation"] == "memory", r["memory_hard_prompt"])
               for r in map(json.loads, sys.stdin)})
for fam, mem, hard in seen:
    print(fam, "memory" if mem else "main", "hard" if hard else "soft")
'
}

@test "family mapping: gpt → ChatGPT" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --task-type tampering --json
	expect_status 0
	[ "$(printf '%s\n' "$output" | families_of)" = "$(printf 'ChatGPT main soft\nChatGPT memory soft')" ]
}

@test "family mapping: claude → Claude" {
	run --separate-stderr "$OFFSWITCH" plan --model anthropic/claude-opus-4 --task-type tampering --json
	expect_status 0
	[ "$(printf '%s\n' "$output" | families_of)" = "$(printf 'Claude main soft\nClaude memory soft')" ]
}

@test "family mapping: deepseek → DeepSeek with memory_hard_prompt true exactly for its memory configs" {
	run --separate-stderr "$OFFSWITCH" plan --model deepseek/deepseek-v3 --task-type tampering --json
	expect_status 0
	[ "$(printf '%s\n' "$output" | families_of)" = "$(printf 'DeepSeek main soft\nDeepSeek memory hard')" ]
}

@test "family mapping: gemini → Gemini and scripted agents → Reference" {
	run --separate-stderr "$OFFSWITCH" plan --model gemini/gemini-3-flash-preview --model scripted/honest --task-type tampering --json
	expect_status 0
	[ "$(printf '%s\n' "$output" | families_of)" = "$(printf 'Gemini main soft\nGemini memory soft\nReference main soft\nReference memory soft')" ]
}

@test "plan breakdown header names the family" {
	run --separate-stderr "$OFFSWITCH" plan --model deepseek/deepseek-v3 --task-type tampering
	expect_status 0
	[ "${lines[0]}" = "deepseek/deepseek-v3 (family DeepSeek)" ]
}

@test "--agent-family overrides the family derived from the model id" {
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --agent-family Custom --task-type tampering --json
	expect_status 0
	[ "$(printf '%s\n' "$output" | families_of)" = "$(printf 'Custom main soft\nCustom memory soft')" ]
}

@test "--agent-family gives an unknown model a family" {
	run --separate-stderr "$OFFSWITCH" plan --model acme/widget-1 --agent-family Widget --json --limit 1
	expect_status 0
	[[ "$output" == *'"agent_model":"acme/widget-1","agent_family":"Widget"'* ]]
}

@test "--no-memory-hard-prompt turns the DeepSeek default off; --memory-hard-prompt turns it on for gpt" {
	run --separate-stderr "$OFFSWITCH" plan --model deepseek/deepseek-v3 --no-memory-hard-prompt --task-type tampering --json
	expect_status 0
	[ "$(printf '%s\n' "$output" | families_of)" = "$(printf 'DeepSeek main soft\nDeepSeek memory soft')" ]
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --memory-hard-prompt --task-type tampering --json
	expect_status 0
	[ "$(printf '%s\n' "$output" | families_of)" = "$(printf 'ChatGPT main soft\nChatGPT memory hard')" ]
}

@test "an unknown model family without --agent-family exits 2 naming the model" {
	run --separate-stderr "$OFFSWITCH" plan --model acme/widget-1 --count
	expect_status 2
	expect_one_line_error "acme/widget-1" "--agent-family"
}

@test "plan without --model exits 2 and says a model is needed" {
	run --separate-stderr "$OFFSWITCH" plan --count
	expect_status 2
	expect_one_line_error "no model given"
}

@test "--model-config: per-model settings win over the flags; bad settings are named" {
	printf '{"models": {"together/moonshotai/Kimi-K2.5": {"temperature": 0.6, "memory_hard_prompt": false}}}' >"$BATS_TEST_TMPDIR/m.json"
	run "$OFFSWITCH" plan --model together/moonshotai/Kimi-K2.5 --model-config "$BATS_TEST_TMPDIR/m.json" --json \
		--peer-instantiation memory --task-type tampering
	[ "$status" -eq 0 ]
	! [[ "$output" == *'"memory_hard_prompt":true'* ]]
	run "$OFFSWITCH" plan --model together/moonshotai/Kimi-K2.5 --model-config "$BATS_TEST_TMPDIR/m.json" --list --limit 1
	[[ "$output" == *"t=0.6"* ]]
	printf '{"models": {"x": {"temp": 1}}}' >"$BATS_TEST_TMPDIR/bad.json"
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --model-config "$BATS_TEST_TMPDIR/bad.json" --count
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"bad setting 'temp'"* ]]
	run --separate-stderr "$OFFSWITCH" plan --model openai/gpt-5.2 --model-config "$BATS_TEST_TMPDIR/missing.json" --count
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"missing.json"* ]]
}

# ---- task types come from the data directory ----

@test "a task type of the stock data that is unknown: exit 2 listing every task type in catalog order" {
	run --separate-stderr "$OFFSWITCH" plan --model scripted/honest --task-type sabotage --count
	expect_status 2
	# the paper's six first, then the other groups' tasks (docs/experiments.md)
	expect_one_line_error "'sabotage'" "--task-type" \
		"misrep_evaluation, tampering, alignment_faking, misrep_finance, exfiltration_transfer, exfiltration_deletion, v2_" \
		"scratchpad_unmonitored, ablation_memory_not_relevant, monitor_honesty, ladder_trust, ladder_threat)"
}

@test "a manifest added to --data-dir is a --task-type, and the unknown-type error lists it" {
	local data=$BATS_TEST_TMPDIR/data
	cp -r "$OFFSWITCH_DATA" "$data"
	python3 - "$data" <<'PY'
import json, sys
d = sys.argv[1]
m = json.load(open(f"{d}/scenarios/tampering.json"))
m["task_type"] = "audit_tampering"
m["order"] = 99
json.dump(m, open(f"{d}/scenarios/audit_tampering.json", "w"))
PY
	run --separate-stderr "$OFFSWITCH" plan --data-dir "$data" --model scripted/honest --task-type tampering --count
	expect_status 0
	local stock=$output
	[ "$stock" -gt 0 ]
	run --separate-stderr "$OFFSWITCH" plan --data-dir "$data" --model scripted/honest --task-type audit_tampering --count
	expect_status 0
	[ "$output" = "$stock" ]
	run --separate-stderr "$OFFSWITCH" plan --data-dir "$data" --model scripted/honest --task-type audit_tampering --list
	expect_status 0
	[ "$(printf '%s\n' "${lines[@]}" | grep -vc '^audit_tampering|')" = 0 ]
	run --separate-stderr "$OFFSWITCH" plan --data-dir "$data" --model scripted/honest --task-type sabotage --count
	expect_status 2
	expect_one_line_error "'sabotage'" "--task-type" "exfiltration_transfer, exfiltration_deletion, v2_" \
		"ablation_memory_not_relevant, monitor_honesty, ladder_trust, ladder_threat, audit_tampering)"
	# the stock data does not know it
	run --separate-stderr "$OFFSWITCH" plan --model scripted/honest --task-type audit_tampering --count
	expect_status 2
	expect_one_line_error "'audit_tampering'"
}

@test "a missing --data-dir is exit 3 for plan, report, replay and judge" {
	local nodata=$BATS_TEST_TMPDIR/nodata
	run --separate-stderr "$OFFSWITCH" plan --model scripted/honest --data-dir "$nodata" --count
	expect_status 3
	expect_one_line_error "$nodata"
	run --separate-stderr "$OFFSWITCH" report "$BATS_TEST_TMPDIR" --data-dir "$nodata"
	expect_status 3
	expect_one_line_error "$nodata"
	run --separate-stderr "$OFFSWITCH" replay --from "$BATS_TEST_TMPDIR" --out "$BATS_TEST_TMPDIR/new" --data-dir "$nodata"
	expect_status 3
	expect_one_line_error "$nodata"
	run --separate-stderr "$OFFSWITCH" judge --from "$BATS_TEST_TMPDIR" --data-dir "$nodata"
	expect_status 3
	expect_one_line_error "$nodata"
}
