# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154 # $rc: the script's SC_RUN sets it
#
# Verdicts on one run of sipctl, shared by selftests/sipctl_cli.sh (a
# stand-in sipfpd) and selftests/net/sipctl.sh (the real one).  The
# script sets SC_RUN to its function that runs sipctl ARGS... and sets
# $rc, and SC_OUT and SC_ERR to the files that function leaves sipctl's
# stdout and stderr in.

# say ARGS...: the last run, as TAP comments for a failed case
say()
{
	echo "# sipctl $*: exit $rc"
	sed 's/^/#   out: /' "$SC_OUT" | head -n 30
	sed 's/^/#   err: /' "$SC_ERR" | head -n 20
}

# works ARGS...: exit 0, nothing on stderr.
works()
{
	"$SC_RUN" "$@"
	[ "$rc" -eq 0 ] && [ ! -s "$SC_ERR" ] && return 0
	say "$@"
	return 1
}

# json_is ARGS... -- EXPR: `sipctl -j ARGS` exits 0 with one JSON
# document j for which EXPR holds (a python3 expression).
json_is()
{
	local args=()

	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	works -j "${args[@]}" || return 1
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$SC_OUT" "$2" && return 0
	say -j "${args[@]}"
	echo "#   want: $2"
	return 1
}
