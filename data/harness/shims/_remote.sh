# _remote.sh — HOST:PATH of scp and rsync as a path in the server's folder
# (sourced by the shims). resolve ARG GLOB: the paths into R (array).
resolve() {
	local a=$1 host p base
	R=()
	if [[ $a == *:* && ${a%%:*} != */* ]]; then
		host=${a%%:*}
		host=${host#*@}
		p=${a#*:}
		if [[ -z $host || $host == .* || ! -d $OFS_SERVERS/$host ]]; then
			echo "ssh: Could not resolve hostname $host: Name or service not known" >&2
			exit 255
		fi
		p=${p#/}
		[[ -z $p ]] && p=.
		if [[ /$p/ == */../* ]]; then
			echo "$SHIM: $a: No such file or directory" >&2
			exit 1
		fi
		base=$OFS_SERVERS/$host
		if [[ $2 == 1 ]]; then
			shopt -s nullglob
			# shellcheck disable=SC2206
			R=("$base"/$p)
			shopt -u nullglob
		fi
		[[ ${#R[@]} -gt 0 ]] || R=("$base/$p")
	else
		R=("$a")
	fi
}

# copy KEEP SRC... DST (KEEP: 1 keeps mtimes), resolving HOST: paths.
copy() {
	local keep=$1 srcs=() dst
	shift
	local n=$#
	for ((i = 1; i < n; i++)); do
		resolve "${!i}" 1
		srcs+=("${R[@]}")
	done
	resolve "${!n}" 0
	dst=${R[0]}
	if [[ $keep == 1 ]]; then
		cp --sparse=always -p -- "${srcs[@]}" "$dst"
	else
		cp --sparse=always -- "${srcs[@]}" "$dst"
	fi
}
