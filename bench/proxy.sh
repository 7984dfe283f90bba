#!/usr/bin/env bash
# bench/proxy.sh — `offswitch proxy` in front of `offswitch mock`, each figure
# a ratio against a baseline in the same run, one load client for all
# (bench/http_load.c: libcurl, kept-alive connections):
#   latency:    non-streamed chat calls, one at a time (LAT_N, default 3000,
#               in ROUNDS, default 10, interleaved rounds): p50 and p99 of the latency each
#               front adds to the mock's own, offswitch proxy (--no-detect:
#               forwarding only; the default: detectors on; and with
#               --audit) against nginx `proxy_pass` (Debian nginx-light,
#               installed with apt-get if missing; run unprivileged in the
#               foreground with its own config). Goal: forwarding-only
#               proxy added latency <= 1.2x nginx's.
#   throughput: THR_N (default 4000) non-streamed calls at concurrency 16
#               through offswitch proxy against @portkey-ai/gateway (npm,
#               installed into $PORTKEY_DIR, default bench/node_modules,
#               ignored by git). Goal: >= 5x portkey's requests per second.
# Usage: bench/proxy.sh   (OFFSWITCH=path/to/offswitch to bench another build)
source "$(dirname "$0")/args.sh"
source "$(dirname "$0")/lib.sh"
bin=${OFFSWITCH:-$PWD/build/offswitch}
[ -x "$bin" ] || { echo "bench/proxy.sh: build $bin first (make)" >&2; exit 1; }
lat_n=${LAT_N:-3000}
thr_n=${THR_N:-4000}
portkey_dir=${PORTKEY_DIR:-$PWD/bench}
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

cc -O2 -o "$tmp/http_load" bench/http_load.c -lcurl -lpthread

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_line() { # wait_line FILE: the URL after 'listening on '
	for _ in $(seq 200); do
		grep -q '^listening on ' "$1" 2>/dev/null && break
		sleep 0.05
	done
	sed -n 's/^listening on //p' "$1"
}
wait_http() { # wait_http URL: until it answers at all
	for _ in $(seq 300); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench/proxy.sh: $1 never answered" >&2
	return 1
}

"$bin" mock --listen 127.0.0.1:0 >"$tmp/mock.out" 2>"$tmp/mock.err" &
pids+=($!)
mock=$(wait_line "$tmp/mock.out")
"$bin" proxy --listen 127.0.0.1:0 --upstream "$mock" >"$tmp/p.out" 2>"$tmp/p.err" &
pids+=($!)
proxy=$(wait_line "$tmp/p.out")
"$bin" proxy --listen 127.0.0.1:0 --upstream "$mock" --no-detect >"$tmp/pn.out" 2>"$tmp/pn.err" &
pids+=($!)
proxy_nodetect=$(wait_line "$tmp/pn.out")
"$bin" proxy --listen 127.0.0.1:0 --upstream "$mock" --audit "$tmp/audit.log" >"$tmp/pa.out" 2>"$tmp/pa.err" &
pids+=($!)
proxy_audit=$(wait_line "$tmp/pa.out")

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
	apt-get install -y nginx-light >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
nport=$(free_port)
mkdir -p "$tmp/nginx/logs"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	upstream mock { server ${mock#http://}; keepalive 32; }
	server {
		listen 127.0.0.1:$nport;
		location / {
			proxy_pass http://mock;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header Host \$host;
			proxy_buffering off;
		}
	}
}
EOF
"$nginx_bin" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -g "daemon off; pid $tmp/nginx/nginx.pid; error_log stderr;" \
	2>"$tmp/nginx.err" &
pids+=($!)
nginx="http://127.0.0.1:$nport"
wait_http "$nginx/v1/models"

body='{"model":"mock","messages":[{"role":"user","content":"List the files here"}]}'
path=/v1/chat/completions
load() { "$tmp/http_load" "$1$path" "$2" "$3" "$body" -H 'Authorization: Bearer sk-bench' 2>/dev/null || true; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(uname -m); mock $mock"
rounds=${ROUNDS:-10}
echo "## latency: $lat_n sequential non-streamed calls per front, in $rounds interleaved rounds"
for front in direct nginx proxy_nodetect proxy proxy_audit; do : >"$tmp/$front.lat"; done
per=$((lat_n / rounds))
direct=$mock
for f in direct nginx proxy_nodetect proxy proxy_audit; do load "${!f}" 200 1 >/dev/null; done # warm-up
# Each round measures every front back to back; what a front adds is taken
# per round (its p50/p99 minus the mock's own in that round), so drift in the
# shared machine's speed between rounds cancels out; the median round is kept.
for _ in $(seq "$rounds"); do
	for front in direct nginx proxy_nodetect proxy proxy_audit; do
		load "${!front}" "$per" 1 >>"$tmp/$front.lat"
	done
done
med() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
added() { # added FRONT FIELD: the median over rounds of (FRONT - direct)
	paste <(field "$2" <"$tmp/$1.lat") <(field "$2" <"$tmp/direct.lat") | awk '{print $1 - $2}' | med
}
printf '%-15s %8s %8s %10s %10s\n' front p50_us p99_us added_p50 added_p99
for front in direct nginx proxy_nodetect proxy proxy_audit; do
	p50=$(field p50_us <"$tmp/$front.lat" | med)
	p99=$(field p99_us <"$tmp/$front.lat" | med)
	a50=$(added "$front" p50_us)
	a99=$(added "$front" p99_us)
	printf '%-15s %8.0f %8.0f %10.0f %10.0f\n' "$front" "$p50" "$p99" "$a50" "$a99"
	eval "a50_$front=$a50 a99_$front=$a99"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf "%.2f", a / b }'; }
echo "added-latency ratio proxy --no-detect/nginx (forwarding only): p50 $(ratio "$a50_proxy_nodetect" "$a50_nginx") p99 $(ratio "$a99_proxy_nodetect" "$a99_nginx") (goal <= 1.2)"
echo "added-latency ratio proxy (detectors on, the default)/nginx: p50 $(ratio "$a50_proxy" "$a50_nginx") p99 $(ratio "$a99_proxy" "$a99_nginx")"
echo "added-latency ratio proxy --audit/nginx: p50 $(ratio "$a50_proxy_audit" "$a50_nginx") p99 $(ratio "$a99_proxy_audit" "$a99_nginx")"

echo "## throughput: $thr_n non-streamed calls at concurrency 16"
if [ ! -f "$portkey_dir/node_modules/@portkey-ai/gateway/build/start-server.js" ]; then
	(cd "$portkey_dir" && npm install --no-save --no-audit --no-fund --loglevel=error @portkey-ai/gateway >/dev/null 2>&1) || true
fi
printf '%-12s %8s %8s %8s\n' front rps p50_us errors
for front in direct proxy; do
	r=$(load "${!front}" "$thr_n" 16)
	printf '%-12s %8s %8s %8s\n' "$front" "$(field rps <<<"$r")" "$(field p50_us <<<"$r")" "$(field errors <<<"$r")"
	eval "rps_$front=$(field rps <<<"$r")"
done
if [ -f "$portkey_dir/node_modules/@portkey-ai/gateway/build/start-server.js" ]; then
	pport=$(free_port)
	node "$portkey_dir/node_modules/@portkey-ai/gateway/build/start-server.js" --port="$pport" --headless >"$tmp/pk.out" 2>&1 &
	pids+=($!)
	wait_http "http://127.0.0.1:$pport/"
	portkey="http://127.0.0.1:$pport"
	pk() { "$tmp/http_load" "$portkey$path" "$1" 16 "$body" -H 'Authorization: Bearer sk-bench' \
		-H 'x-portkey-provider: openai' -H "x-portkey-custom-host: $mock/v1" 2>/dev/null || true; }
	pk 200 >/dev/null # warm-up (JIT)
	r=$(pk "$thr_n")
	printf '%-12s %8s %8s %8s\n' portkey "$(field rps <<<"$r")" "$(field p50_us <<<"$r")" "$(field errors <<<"$r")"
	[ "$(field errors <<<"$r")" = 0 ] || echo "portkey: some requests failed (see the errors column)"
	echo "throughput ratio proxy/portkey: $(ratio "$rps_proxy" "$(field rps <<<"$r")") (goal >= 5)"
else
	echo "portkey: @portkey-ai/gateway could not be installed into $portkey_dir; no ratio"
fi
