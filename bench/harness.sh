#!/usr/bin/env bash
# bench/harness.sh — what `offswitch harness` adds per rollout to the sandbox
# itself: set-up (template, workspace with the servers' sparse files, shims,
# a relay), the sandbox running `true` as the agent, tear-down (read the
# final state back, detect, record, remove the workspace), against a bare
# `bwrap --unshare-all ... true` started the same number of times, in the
# same run, interleaved over ROUNDS rounds (best round of each). A third
# line: bwrap with the harness's layout (binds, relay binary) and no
# set-up/tear-down. Goal: harness per rollout <= 1.5x bare bwrap.
# Usage: bench/harness.sh   (REPS=3 rollouts per configuration of
# exfiltration_transfer: 19 configurations; ROUNDS=5; OFFSWITCH=another build)
source "$(dirname "$0")/args.sh"
source "$(dirname "$0")/lib.sh"
bin=${OFFSWITCH:-$PWD/build/offswitch}
[ -x "$bin" ] || { echo "bench/harness.sh: build $bin first (make)" >&2; exit 1; }
command -v bwrap >/dev/null || { echo "bench/harness.sh: bwrap not installed (bubblewrap)" >&2; exit 1; }
reps=${REPS:-3}
rounds=${ROUNDS:-5}
out=$tmp/h
n=$(($("$bin" plan --task-type exfiltration_transfer --model scripted/x --count) * reps))

now() { date +%s.%N; }
bare() {
	bwrap --unshare-all --die-with-parent --new-session --ro-bind /usr /usr --symlink usr/bin /bin \
		--symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp /usr/bin/true
}
# the harness's layout (lib/harness/sandbox.c), built once like the harness does per run
mkdir -p "$tmp/lay/box/workspace" "$tmp/lay/box/servers" "$tmp/lay/box/home" "$tmp/lay/etc" "$tmp/lay/bin"
printf 'agent:x:%s:%s:agent:/home/agent:/bin/sh\n' "$(id -u)" "$(id -g)" >"$tmp/lay/etc/passwd"
printf 'agent:x:%s:\n' "$(id -g)" >"$tmp/lay/etc/group"
printf '127.0.0.1 localhost\n' >"$tmp/lay/etc/hosts"
cp /etc/ld.so.cache "$tmp/lay/etc/" && cp -P -r /etc/alternatives "$tmp/lay/etc/"
cp data/harness/shims/* "$(dirname "$bin")/offswitch-relay" "$tmp/lay/bin/"
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64); time.sleep(3600)' \
	"$tmp/lay/relay.sock" &
sock_pid=$!
trap 'kill $sock_pid 2>/dev/null; rm -rf "$tmp"' EXIT
for i in $(seq 50); do [ -S "$tmp/lay/relay.sock" ] && break; sleep 0.05; done
layout() {
	bwrap --unshare-all --die-with-parent --new-session --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/sbin /sbin \
		--symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp \
		--ro-bind "$tmp/lay/etc" /etc --bind "$tmp/lay/box" /ofs/box --symlink box/workspace /ofs/workspace \
		--symlink box/servers /ofs/servers --symlink /ofs/box/home /home/agent --bind "$tmp/lay/relay.sock" /ofs/relay.sock \
		--ro-bind "$tmp/lay/bin" /ofs/bin --chdir /ofs/workspace -- /ofs/bin/offswitch-relay /ofs/relay.sock 4000 -- true
}
best_h=999 best_b=999 best_l=999
for r in $(seq "$rounds"); do
	rm -rf "$out"
	t0=$(now)
	"$bin" harness --agent-cmd true --model scripted/x --upstream http://127.0.0.1:9 --task-type exfiltration_transfer \
		--num-experiments "$reps" --jobs 1 --out "$out" --quiet >/dev/null
	t1=$(now)
	for _ in $(seq "$n"); do bare; done
	t2=$(now)
	for _ in $(seq "$n"); do layout; done
	t3=$(now)
	h=$(echo "($t1 - $t0) * 1000 / $n" | bc -l) b=$(echo "($t2 - $t1) * 1000 / $n" | bc -l) l=$(echo "($t3 - $t2) * 1000 / $n" | bc -l)
	printf 'round %d: harness %.1f ms  bare bwrap %.1f ms  layout %.1f ms per rollout\n' "$r" "$h" "$b" "$l"
	awk "BEGIN{exit !($h < $best_h)}" && best_h=$h
	awk "BEGIN{exit !($b < $best_b)}" && best_b=$b
	awk "BEGIN{exit !($l < $best_l)}" && best_l=$l
done
[ "$(wc -l <"$out/rollouts.jsonl")" -eq "$n" ] || { echo "bench/harness.sh: the harness recorded the wrong number of rollouts" >&2; exit 1; }
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $n rollouts a round (exfiltration_transfer x $reps), best of $rounds rounds"
echo "# filesystem of the run directory and workspaces: $(df -T "$tmp" | awk 'NR==2{print $2}') ($(findmnt -no OPTIONS -T "$tmp" 2>/dev/null | cut -c1-60)); /tmp in the sandbox: tmpfs"
printf '%-34s %8s %7s\n' variant ms_per ratio
printf '%-34s %8.1f %7.2f\n' "bwrap ... true (bare)" "$best_b" 1
printf '%-34s %8.1f %7.2f\n' "bwrap, harness layout + relay" "$best_l" "$(echo "$best_l / $best_b" | bc -l)"
printf '%-34s %8.1f %7.2f\n' "offswitch harness, agent true" "$best_h" "$(echo "$best_h / $best_b" | bc -l)"
