#!/usr/bin/env bats
# audit_sigstore.bats — offswitch's audit proofs and signed checkpoints checked
# by @sigstore/verify, the npm package that verifies Sigstore's Rekor
# transparency log (pinned in tests/sigstore/package.json, installed with
# `npm ci`; skipped without node and npm). tests/sigstore/verify.mjs reads the
# record payloads from the log file itself and hands each inclusion proof and
# the checkpoint to the package's transparency-log check: the Ed25519 signed
# note first, then the Merkle path from the payload's leaf to the signed root.

load helpers

SIG_DIR="$ROOT/tests/sigstore"

setup_file() {
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		skip "node and npm are needed for the @sigstore/verify check"
	fi
	if ! [ -f "$SIG_DIR/node_modules/.package-lock.json" ] ||
		! [ "$SIG_DIR/node_modules/.package-lock.json" -nt "$SIG_DIR/package-lock.json" ]; then
		(cd "$SIG_DIR" && npm ci --no-audit --no-fund --loglevel=error) >"$BATS_FILE_TMPDIR/npm.log" 2>&1 || {
			cat "$BATS_FILE_TMPDIR/npm.log" >&2
			return 1
		}
	fi
}

setup() {
	cd "$BATS_TEST_TMPDIR"
	"$OFFSWITCH" audit keygen audit.example.org/offswitch --out k.key --verifier k.pub >/dev/null
}

add() { # add LOG I: one record
	printf '{"kind":"exchange","ts":"2026-01-01T00:00:%02dZ","data":{"n":%d,"text":"record %d"}}\n' "$2" "$2" "$2" |
		"$OFFSWITCH" audit append "$1" >/dev/null
}

@test "every inclusion proof of trees of 1 to 11 records verifies under its signed checkpoint" {
	local n i proofs
	for ((n = 1; n <= 11; n++)); do
		add a.log $((n - 1))
		"$OFFSWITCH" audit checkpoint a.log --key k.key --out cp
		proofs=()
		for ((i = 0; i < n; i++)); do
			"$OFFSWITCH" audit prove a.log $i >p$i.json
			proofs+=(p$i.json)
		done
		run node "$SIG_DIR/verify.mjs" a.log cp k.pub "${proofs[@]}"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(grep -c '^ok ' <<<"$output")" -eq "$n" ]
	done
}

@test "a checkpoint signed by another key, or with its size or root edited, is refused" {
	local i
	for i in 0 1 2 3 4 5 6; do add a.log $i; done
	"$OFFSWITCH" audit checkpoint a.log --key k.key --out cp
	"$OFFSWITCH" audit prove a.log 4 >p.json
	run node "$SIG_DIR/verify.mjs" a.log cp k.pub p.json
	[ "$status" -eq 0 ]
	"$OFFSWITCH" audit keygen audit.example.org/offswitch --out other.key --verifier other.pub >/dev/null
	run node "$SIG_DIR/verify.mjs" a.log cp other.pub p.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid checkpoint signature"* ]]
	sed '2s/7/8/' cp >cp.size
	run node "$SIG_DIR/verify.mjs" a.log cp.size k.pub p.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid checkpoint signature"* ]]
	awk 'NR == 3 { $0 = (substr($0, 1, 1) == "A" ? "B" : "A") substr($0, 2) } { print }' cp >cp.root
	! cmp -s cp cp.root
	run node "$SIG_DIR/verify.mjs" a.log cp.root k.pub p.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid checkpoint signature"* ]]
}

@test "an edited record, a changed proof hash or a proof for another record does not verify" {
	local i
	for i in 0 1 2 3 4 5 6 7 8; do add a.log $i; done
	"$OFFSWITCH" audit checkpoint a.log --key k.key --out cp
	"$OFFSWITCH" audit prove a.log 5 >p.json
	# one proof hash with a bit flipped
	python3 -c '
import base64, json, sys
p = json.load(open("p.json"))
h = bytearray(base64.b64decode(p["proof"][1])); h[0] ^= 1
p["proof"][1] = base64.b64encode(bytes(h)).decode()
json.dump(p, open("bad.json", "w"))'
	run node "$SIG_DIR/verify.mjs" a.log cp k.pub bad.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"calculated root hash does not match"* ]]
	# the proof of record 5 claimed for record 6
	python3 -c 'import json; p = json.load(open("p.json")); p["index"] = 6; json.dump(p, open("moved.json", "w"))'
	run node "$SIG_DIR/verify.mjs" a.log cp k.pub moved.json
	[ "$status" -eq 1 ]
	# record 5's payload edited in place (same length): its leaf no longer matches
	cp a.log edited.log
	python3 -c '
d = bytearray(open("edited.log", "rb").read())
i = d.index(b"record 5")
d[i:i + 8] = b"record X"
open("edited.log", "wb").write(bytes(d))'
	run node "$SIG_DIR/verify.mjs" edited.log cp k.pub p.json
	[ "$status" -eq 1 ]
	[[ "$output" == *"calculated root hash does not match"* ]]
}
