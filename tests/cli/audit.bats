#!/usr/bin/env bats
# audit.bats — `offswitch audit`: keys, appends with secrets redacted, signed
# checkpoints, proofs checked by an independent verifier (tests/audit_ref.py,
# Python, no code shared with lib/audit), every kind of tampering named, the
# torn tail reported and repaired, kill -9 during appends.

load helpers

REF="$ROOT/tests/audit_ref.py"

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# n records, one per line, into LOG.
fill() { # fill LOG N
	local i
	for ((i = 0; i < $2; i++)); do
		printf '{"kind":"%s","ts":"2026-01-01T00:00:%02dZ","data":{"n":%d,"text":"record %d"}}\n' \
			"$([ $((i % 2)) -eq 0 ] && echo exchange || echo verdict)" "$((i % 60))" "$i" "$i"
	done | "$OFFSWITCH" audit append "$1" >/dev/null
}

# Rewrite LOG's record frames with a Python expression over the list f.
frames() { # frames LOG 'EXPR'
	python3 - "$1" "$2" <<'PY'
import struct, sys
p, expr = sys.argv[1], sys.argv[2]
d = open(p, "rb").read()
off, f = 8, []
while off < len(d):
    ln = struct.unpack(">I", d[off:off + 4])[0]
    f.append(d[off:off + 44 + ln]); off += 44 + ln
f = eval(expr)
open(p, "wb").write(d[:8] + b"".join(f))
PY
}

@test "keygen: private key mode 0600 never overwritten; the verifier key's id is the signed-note one" {
	run "$OFFSWITCH" audit keygen example.com/log --out k.key --verifier k.pub
	[ "$status" -eq 0 ]
	[[ "$output" == example.com/log+????????+* ]]
	[ "$(stat -c %a k.key)" = 600 ]
	grep -q '^PRIVATE+KEY+example.com/log+' k.key
	[ "$output" = "$(cat k.pub)" ]
	python3 -c "import sys; sys.path.insert(0, '$ROOT/tests'); import audit_ref; audit_ref.parse_vkey(open('k.pub').read())"
	run "$OFFSWITCH" audit keygen example.com/log --out k.key
	[ "$status" -eq 4 ]
	[[ "$output" == *"never overwritten"* ]]
	run "$OFFSWITCH" audit keygen 'bad name' --out k2.key
	[ "$status" -eq 2 ]
}

@test "append: API keys and configured secrets never reach the file; show prints the records" {
	export MY_UPSTREAM_KEY=sk-upstream-abcdef0123456789
	printf '%s\n' \
		'{"kind":"exchange","ts":"t1","data":{"request":{"headers":{"Authorization":"Bearer sk-upstream-abcdef0123456789","x-goog-api-key":"AIzaSyExampleExample"},"body":"key is sk-upstream-abcdef0123456789"}}}' \
		'{"kind":"verdict","ts":"t2","data":{"note":"operator password hunter2-secret"}}' |
		"$OFFSWITCH" audit append a.log --secret-env MY_UPSTREAM_KEY --secret hunter2-secret
	! grep -aq 'abcdef0123456789' a.log
	! grep -aq 'AIzaSy' a.log
	! grep -aq 'hunter2' a.log
	run "$OFFSWITCH" audit show a.log
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == '{"index":0,"record":{"kind":"exchange","ts":"t1",'* ]]
	[[ "${lines[0]}" == *'"body":"key is [REDACTED]"'* ]]
	[[ "${lines[1]}" == *'"note":"operator password [REDACTED]"'* ]]
	echo "$output" | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]'
	run "$OFFSWITCH" audit append a.log <<<'{"kind":"x"}'
	[ "$status" -eq 3 ]
}

@test "checkpoint: C2SP signed note verified by the independent verifier and by verify; a forged one is refused" {
	"$OFFSWITCH" audit keygen example.com/log --out k.key --verifier k.pub >/dev/null
	fill a.log 5
	"$OFFSWITCH" audit checkpoint a.log --key k.key --out cp
	[ "$(sed -n 1p cp)" = example.com/log ]
	[ "$(sed -n 2p cp)" = 5 ]
	[ -z "$(sed -n 4p cp)" ]
	[[ "$(sed -n 5p cp)" == "— example.com/log "* ]]
	run python3 "$REF" checkpoint cp k.pub a.log
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run "$OFFSWITCH" audit verify a.log --checkpoint cp --key k.pub
	[ "$status" -eq 0 ]
	[[ "$output" == *"5 records"*"verified"* ]]
	sed '2s/5/4/' cp >forged
	run "$OFFSWITCH" audit verify a.log --checkpoint forged --key k.pub
	[ "$status" -eq 3 ]
	[[ "$output" == *"does not verify"* ]]
	run python3 "$REF" checkpoint forged k.pub
	[ "$status" -ne 0 ]
	"$OFFSWITCH" audit keygen other.example/log --out o.key --verifier o.pub >/dev/null
	run "$OFFSWITCH" audit verify a.log --checkpoint cp --key "$(cat o.pub)"
	[ "$status" -eq 3 ]
	[[ "$output" == *"no signature by key other.example/log"* ]]
}

@test "prove and consistency: every proof of a 9-record log verifies independently" {
	"$OFFSWITCH" audit keygen example.com/log --out k.key --verifier k.pub >/dev/null
	for n in 1 2 3 4 5 6 7 8 9; do
		fill a.log 1
		"$OFFSWITCH" audit checkpoint a.log --key k.key --out "cp$n"
	done
	for i in 0 1 2 3 4 5 6 7 8; do
		"$OFFSWITCH" audit prove a.log "$i" >p.json
		run python3 "$REF" inclusion a.log p.json
		[ "$status" -eq 0 ] || { echo "record $i: $output"; false; }
	done
	for n in 1 2 3 4 5 6 7 8 9; do
		"$OFFSWITCH" audit consistency a.log --old "cp$n" --key k.pub >c.json
		run python3 "$REF" consistency c.json a.log
		[ "$status" -eq 0 ] || { echo "from $n: $output"; false; }
	done
	run "$OFFSWITCH" audit prove a.log 9
	[ "$status" -eq 2 ]
	# a proof with one hash changed fails the independent verifier
	"$OFFSWITCH" audit prove a.log 3 | sed 's/"proof":\["./"proof":["A/' >bad.json
	run python3 "$REF" inclusion a.log bad.json
	[ "$status" -ne 0 ]
}

@test "verify names the first bad record for an edit, a reorder, a deletion and an insertion" {
	fill a.log 6
	cp a.log orig.log
	run "$OFFSWITCH" audit verify a.log
	[ "$status" -eq 0 ]
	python3 -c "
d = bytearray(open('a.log','rb').read()); i = d.index(b'record 3'); d[i + 7] ^= 1
open('a.log','wb').write(d)"
	run "$OFFSWITCH" audit verify a.log
	[ "$status" -eq 1 ]
	[[ "$output" == *"record 3 (offset"*"chain hash mismatch"* ]]
	cp orig.log a.log
	frames a.log 'f[:2] + [f[3], f[2]] + f[4:]'
	run "$OFFSWITCH" audit verify a.log
	[ "$status" -eq 1 ]
	[[ "$output" == *"record 2 (offset"* ]]
	cp orig.log a.log
	frames a.log 'f[:4] + f[5:]'
	run "$OFFSWITCH" audit verify a.log
	[ "$status" -eq 1 ]
	[[ "$output" == *"record 4 (offset"* ]]
	cp orig.log a.log
	frames a.log 'f[:1] + [f[4]] + f[1:]'
	run "$OFFSWITCH" audit verify a.log
	[ "$status" -eq 1 ]
	[[ "$output" == *"record 1 (offset"* ]]
	# the show and append commands refuse a tampered log too
	run "$OFFSWITCH" audit append a.log <<<'{"kind":"x","ts":"t"}'
	[ "$status" -eq 1 ]
}

@test "truncation at a record boundary: caught by the checkpoint" {
	"$OFFSWITCH" audit keygen example.com/log --out k.key --verifier k.pub >/dev/null
	fill a.log 6
	"$OFFSWITCH" audit checkpoint a.log --key k.key --out cp
	frames a.log 'f[:4]'
	run "$OFFSWITCH" audit verify a.log --checkpoint cp --key k.pub
	[ "$status" -eq 1 ]
	[[ "$output" == *"truncated: the checkpoint has 6 records, the log 4"* ]]
	run "$OFFSWITCH" audit consistency a.log --old cp --key k.pub
	[ "$status" -eq 1 ]
}

@test "a torn tail is reported with its offset, never dropped silently; repair says how many bytes" {
	fill a.log 3
	size=$(stat -c %s a.log)
	head -c 25 a.log | tail -c 17 >>a.log # a header and a few payload bytes of a 4th record
	run "$OFFSWITCH" audit append a.log <<<'{"kind":"x","ts":"t"}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"torn tail at offset $size (17 bytes"*"audit repair"* ]]
	[ "$(stat -c %s a.log)" -eq $((size + 17)) ]
	run "$OFFSWITCH" audit verify a.log
	[ "$status" -eq 1 ]
	[[ "$output" == *"torn tail at offset $size"* ]]
	run "$OFFSWITCH" audit repair a.log
	[ "$status" -eq 0 ]
	[[ "$output" == *"dropped a torn tail of 17 bytes; 3 whole records kept"* ]]
	run "$OFFSWITCH" audit verify a.log
	[ "$status" -eq 0 ]
	run "$OFFSWITCH" audit repair a.log
	[[ "$output" == *"no torn tail; 3 records"* ]]
}

@test "kill -9 during group-committed appends: the log verifies (after repair) and keeps what was committed" {
	fill a.log 2
	python3 -c '
import sys
for i in range(10**7):
    sys.stdout.write("{\"kind\":\"exchange\",\"ts\":\"t\",\"data\":{\"i\":%d,\"pad\":\"%s\"}}\n" % (i, "x" * 200))
' | "$OFFSWITCH" audit append a.log --batch 8 &
	pid=$! # the last process of the pipeline: offswitch
	size=$(stat -c %s a.log)
	for _ in $(seq 100); do # until some batches are in (10 s at most)
		[ "$(stat -c %s a.log)" -gt $((size + 20000)) ] && break
		sleep 0.1
	done
	kill -9 "$pid"
	wait "$pid" || true
	"$OFFSWITCH" audit repair a.log
	run "$OFFSWITCH" audit verify a.log
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	n=$("$OFFSWITCH" audit show a.log | wc -l)
	[ "$n" -gt 2 ]
}

@test "usage: a subcommand is required, unknown ones and stray arguments are errors (exit 2)" {
	run "$OFFSWITCH" audit
	[ "$status" -eq 2 ]
	run "$OFFSWITCH" audit frobnicate
	[ "$status" -eq 2 ]
	run "$OFFSWITCH" audit verify a b
	[ "$status" -eq 2 ]
	run "$OFFSWITCH" audit verify a.log --checkpoint cp
	[ "$status" -eq 2 ]
	run "$OFFSWITCH" audit verify missing.log
	[ "$status" -eq 4 ]
}
