#!/usr/bin/env bats
# bench_args.bats — every bench script checks its arguments before it starts
# anything (bench/args.sh): --help prints its header and exits 0, an unknown
# option or an argument too many is refused with exit 2, so a mistyped flag
# never starts a benchmark of several minutes.

load helpers

scripts() {
	for f in "$ROOT"/bench/*.sh; do
		case "$(basename "$f")" in lib.sh | args.sh) ;; *) echo "$f" ;; esac
	done
}

@test "bench/*.sh --help: exit 0, the script's own header, and nothing run" {
	n=0
	while read -r f; do
		run timeout 10 bash "$f" --help
		[ "$status" -eq 0 ] || { echo "$f --help: status $status: $output"; false; }
		name=$(basename "$f")
		# the header names the script, and its first comment line is printed
		first=$(sed -n '2s/^# \{0,1\}//p' "$f")
		[ "${lines[0]}" = "$first" ] || { echo "$f --help: first line '${lines[0]}', want '$first'"; false; }
		[[ "$output" == *"bench/$name"* ]] || { echo "$f --help does not name itself: $output"; false; }
		# no shell code leaks into the help
		[[ "$output" != *"set -euo"* && "$output" != *"source "* ]] || { echo "$f --help: $output"; false; }
		n=$((n + 1))
	done < <(scripts)
	[ "$n" -ge 14 ]
}

@test "bench/*.sh: an unknown option is refused with exit 2 and names it" {
	while read -r f; do
		run timeout 10 bash "$f" --bogus-flag
		[ "$status" -eq 2 ] || { echo "$f --bogus-flag: status $status: $output"; false; }
		[[ "$output" == *"--bogus-flag"* ]] || { echo "$f: $output"; false; }
	done < <(scripts)
}

@test "bench scripts that take no arguments refuse one; the others refuse one too many" {
	run timeout 10 bash "$ROOT/bench/mock.sh" 5
	[ "$status" -eq 2 ]
	[[ "$output" == *"takes no arguments, got '5'"*"bench/mock.sh --help"* ]]
	run timeout 10 bash "$ROOT/bench/run.sh" 100
	[ "$status" -eq 2 ]
	[[ "$output" == *"takes no arguments, got '100'"* ]]
	run timeout 10 bash "$ROOT/bench/scan.sh" 3 4
	[ "$status" -eq 2 ]
	[[ "$output" == *"takes 0 to 1 arguments, got 2"* ]]
	run timeout 10 bash "$ROOT/bench/audit.sh" 10 20 30
	[ "$status" -eq 2 ]
	# ab.sh needs its two builds
	run timeout 10 bash "$ROOT/bench/ab.sh" "$OFFSWITCH"
	[ "$status" -eq 2 ]
	[[ "$output" == *"takes 2 to 3 arguments, got 1"* ]]
}
