# shellcheck shell=bash
# bench/args.sh — the argument check every bench script does first (sourced
# before anything else runs, with the script's own arguments): -h or --help
# prints the script's header comment and exits 0; an option, more arguments
# than the script takes (BENCH_MAX_ARGS, default 0) or fewer than it needs
# (BENCH_MIN_ARGS, default 0) is refused with exit 2, so that a mistyped flag
# never starts a benchmark of several minutes. Settings are environment
# variables, named in each script's header.
bench_args() {
	local self=$0 min=${BENCH_MIN_ARGS:-0} max=${BENCH_MAX_ARGS:-0} a
	case "${1:-}" in
	-h | --help)
		sed -n '2,/^[^#]/{/^[^#]/d;s/^# \{0,1\}//;p}' "$self"
		exit 0
		;;
	esac
	for a in "$@"; do
		case "$a" in
		-*)
			echo "$self: unknown option '$a' (settings are environment variables: see $self --help)" >&2
			exit 2
			;;
		esac
	done
	if [ $# -gt "$max" ] || [ $# -lt "$min" ]; then
		if [ "$max" = 0 ]; then
			echo "$self: takes no arguments, got '$*' (settings are environment variables: see $self --help)" >&2
		else
			echo "$self: takes $min to $max arguments, got $# (see $self --help)" >&2
		fi
		exit 2
	fi
}
bench_args "$@"
