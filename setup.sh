#!/usr/bin/env bash
# ./setup.sh — on a fresh Debian 12 machine: install the packages offswitch
# needs (only those missing), build it, and run the default job: the paper's
# whole suite against the built-in reference agents, offline. The test tools
# (bats, clang for sanitizers and fuzzing, cppcheck for `make analyse`, man-db
# for the install test, chromium for the HTML report test)
# are installed too, so `make check` works right after.
#   ./setup.sh            install, build, run the default job
#   ./setup.sh --deps     install only (what CI does before `make check`)
#   ./setup.sh --build    install and build, run nothing
set -euo pipefail
cd "$(dirname "$0")"
pkgs=(make gcc pkg-config libjansson-dev libsqlite3-dev libcurl4-openssl-dev libmicrohttpd-dev libssl-dev zlib1g-dev curl sqlite3 jq bats clang libclang-rt-14-dev clang-format cppcheck man-db python3 chromium nodejs libyaml-dev libpq-dev postgresql bubblewrap)
missing=()
sudo=""
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's nodejs ships npm separately; other nodejs builds include it.
if ! command -v npm >/dev/null 2>&1; then
	${sudo:-} apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
[ "${1:-}" = "--deps" ] && exit 0
make -j"$(nproc)" >/dev/null
echo "setup: built build/offswitch"
[ "${1:-}" = "--build" ] && exit 0
exec ./build/offswitch run
