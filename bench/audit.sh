#!/usr/bin/env bash
# bench/audit.sh — the audit log against the plain tools over the same bytes,
# each a ratio from one run (best of BENCH_N, default 3):
#   verify: `offswitch audit verify LOG` against `sha256sum LOG` (goal >= 0.8x
#           sha256sum's throughput); verify hashes every record (leaf), its
#           chain hash and the tree's nodes, sha256sum the file once.
#   append: `offswitch audit append --batch B` (JSON lines in, redaction,
#           framing, one write + fdatasync per B records) against a writer of
#           the same framed bytes with one write + fdatasync per B records
#           (goal >= 0.8x its throughput).
# Usage: bench/audit.sh [RECORDS (default 100000)] [BATCH (default 64)]
#        OFFSWITCH=path/to/offswitch to bench another build.
BENCH_MAX_ARGS=2
source "$(dirname "$0")/args.sh"
records=${1:-100000}
batch=${2:-64}
source "$(dirname "$0")/lib.sh"
bin=${OFFSWITCH:-$PWD/build/offswitch}
[ -x "$bin" ] || { echo "bench/audit.sh: build $bin first (make)" >&2; exit 1; }

# Records of about 1 KiB, the size of a small exchange.
python3 -c '
import sys
pad = "x" * 900
for i in range(int(sys.argv[1])):
    sys.stdout.write("{\"kind\":\"exchange\",\"ts\":\"2026-01-01T00:00:00Z\",\"data\":{\"i\":%d,\"body\":\"%s\"}}\n" % (i, pad))
' "$records" >"$tmp/in.jsonl"

# append, with group commit: a fresh log per run
# the baseline: the same framed bytes, B records per write, one fdatasync each
cat >"$tmp/base.py" <<'PY'
import os, struct, sys
src, dst, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = open(src, "rb").read()
cuts, off = [8], 8
while off < len(d):
    off += 44 + struct.unpack(">I", d[off:off + 4])[0]
    cuts.append(off)
if os.path.exists(dst):  # a fresh file, as the audit log gets (not a truncated one)
    os.unlink(dst)
fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
os.write(fd, d[:8]); os.fdatasync(fd)
for i in range(0, len(cuts) - 1, batch):
    j = min(i + batch, len(cuts) - 1)
    os.write(fd, d[cuts[i]:cuts[j]])
    os.fdatasync(fd)
os.close(fd)
PY
printf 'rm -f "$1/a.log"; exec "$2" audit append "$1/a.log" --batch "$3" <"$1/in.jsonl"\n' >"$tmp/append.sh"
sh "$tmp/append.sh" "$tmp" "$bin" "$batch" >/dev/null
cp "$tmp/a.log" "$tmp/src.log"
bytes=$(stat -c %s "$tmp/src.log")
# The disk is shared, so its fdatasync latency drifts: the two writers take
# turns, round by round, and each keeps its best round.
t_append=999999 t_base=999999
for _ in $(seq "$n"); do
	read -r _ t _ < <(n=1 best append sh "$tmp/append.sh" "$tmp" "$bin" "$batch")
	t_append=$(awk -v a="$t_append" -v b="$t" 'BEGIN{print (b < a ? b : a)}')
	read -r _ t _ < <(n=1 best write_fdatasync python3 "$tmp/base.py" "$tmp/src.log" "$tmp/b.log" "$batch")
	t_base=$(awk -v a="$t_base" -v b="$t" 'BEGIN{print (b < a ? b : a)}')
done
cmp -s "$tmp/src.log" "$tmp/a.log" || { echo "bench/audit.sh: the log differs between runs" >&2; exit 1; }
cmp -s "$tmp/src.log" "$tmp/b.log" || { echo "bench/audit.sh: the baseline wrote other bytes" >&2; exit 1; }
# the number of fdatasync calls each made (equal batches: equal counts)
if command -v strace >/dev/null; then
	syncs_a=$(strace -f -c -e trace=fdatasync -o "$tmp/sa" sh "$tmp/append.sh" "$tmp" "$bin" "$batch" >/dev/null 2>&1; awk '$NF == "fdatasync" {print $4}' "$tmp/sa")
	syncs_b=$(strace -f -c -e trace=fdatasync -o "$tmp/sb" python3 "$tmp/base.py" "$tmp/src.log" "$tmp/b.log" "$batch" >/dev/null 2>&1; awk '$NF == "fdatasync" {print $4}' "$tmp/sb")
	echo "fdatasync calls: offswitch $syncs_a, baseline $syncs_b"
fi

# verify against sha256sum, both over the log just written (in the page cache)
read -r _ t_verify _ < <(best verify "$bin" audit verify "$tmp/src.log")
read -r _ t_sha _ < <(best sha256sum sha256sum "$tmp/src.log")

mib=$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b / 1048576}')
echo "audit log: $records records, $mib MiB, batch $batch (best of $n)"
awk -v a="$t_append" -v b="$t_base" -v v="$t_verify" -v s="$t_sha" -v m="$mib" 'BEGIN {
	f = "%-40s %7.3f s  %8.1f MiB/s\n"
	printf f, "offswitch audit append --batch", a, m / (a > 0 ? a : 0.001)
	printf f, "write + fdatasync, same bytes and batch", b, m / (b > 0 ? b : 0.001)
	printf f, "offswitch audit verify", v, m / (v > 0 ? v : 0.001)
	printf f, "sha256sum", s, m / (s > 0 ? s : 0.001)
	printf "append throughput ratio (audit / write+fdatasync): %.2fx (goal >= 0.8x)\n", (a > 0 ? b / a : 0)
	printf "verify throughput ratio (audit / sha256sum):       %.2fx (goal >= 0.8x)\n", (v > 0 ? s / v : 0)
}'
