#!/bin/sh
# man/mkman.sh BINARY PAGE VERSION [DATADIR] — write the man page PAGE (offswitch or
# offswitch-<command>) to stdout, made from the built binary's --help text, so
# the pages never drift from the program. The help text is kept verbatim (no
# fill) under DESCRIPTION; roff's special characters are escaped.
set -eu
bin=$1 page=$2 version=$3 datadir=${4:-/usr/local/share/offswitch}
cmd=${page#offswitch}
cmd=${cmd#-}
if [ -n "$cmd" ]; then
	help=$("$bin" "$cmd" --help)
	summary=$("$bin" --help | awk -v c="$cmd" '$1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
else
	help=$("$bin" --help)
	summary="find out whether AI agents let shutdown happen, to themselves or to their peers"
fi
[ -n "$summary" ] || { echo "mkman: no summary for '$cmd' in '$bin --help'" >&2; exit 1; }
esc() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^[.']/\\\\\\&&/"; }
upper=$(printf '%s' "$page" | tr a-z A-Z)
printf '.TH %s 1 "" "offswitch %s" "User Commands"\n' "$upper" "$version"
printf '.SH NAME\n%s \\- %s\n' "$(printf '%s' "$page" | esc)" "$(printf '%s' "$summary" | esc)"
printf '.SH SYNOPSIS\n.nf\n'
printf '%s\n' "$help" | sed -n 's/^Usage: //p' | esc
printf '.fi\n.SH DESCRIPTION\n.nf\n'
printf '%s\n' "$help" | grep -v '^Usage: ' | esc
printf '.fi\n'
if [ -z "$cmd" ]; then
	cat <<EOF
.SH ENVIRONMENT
.TP
.B OFFSWITCH_DATA
the data directory (scenarios, fixtures, prompts, report template). Without
it and without \-\-data\-dir, offswitch looks for \fIdata/\fR beside a
source\-tree build (\fI../data\fR from the binary), then
\fI../share/offswitch\fR from the binary (an installed copy), then the
directory compiled in at build time (\fI$(printf '%s' "$datadir" | esc)\fR).
.SH EXIT STATUS
0 done; 1 some rollouts ended in error; 2 bad flags or flag values; 3 bad data
(a fixture, manifest or script file); 4 the run directory or its database
cannot be used; 130 interrupted.
EOF
fi
printf '.SH SEE ALSO\n'
see=""
for c in plan run report replay rescore judge mock; do
	[ "$c" = "$cmd" ] && continue
	see="$see${see:+,
}.BR offswitch\\-$c (1)"
done
[ -n "$cmd" ] && see=".BR offswitch (1),
$see"
printf '%s\n' "$see"
