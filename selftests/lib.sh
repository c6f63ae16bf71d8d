# SPDX-License-Identifier: GPL-2.0
#
# Sourced by every selftest script, with the repo top as cwd (the runner puts
# it there). Tests exit 0 pass, 1 fail, 4 skip, as kselftest's do; a script
# that runs several cases prints them as nested TAP (tap_* below), which the
# runner indents with "# " under its own result line.

ksft_pass=0
ksft_fail=1
ksft_skip=4

# The build tree; the runner exports it absolute.
: "${O:=$PWD/build}"

# The runner takes the last line printed before exit 4 as the skip reason.
ksft_exit_skip()
{
	echo "$*"
	exit "$ksft_skip"
}

ksft_exit_fail()
{
	echo "FAIL: $*"
	exit "$ksft_fail"
}

require_cmd()
{
	local c

	for c in "$@"; do
		command -v "$c" >/dev/null || ksft_exit_skip "$c not installed"
	done
}

require_root()
{
	[ "$(id -u)" -eq 0 ] || ksft_exit_skip "needs root"
}

tap_n=0
tap_failed=0
tap_skipped=0

tap_plan()
{
	echo "TAP version 13"
	echo "1..$1"
}

tap_ok()
{
	tap_n=$((tap_n + 1))
	echo "ok $tap_n $*"
}

tap_not_ok()
{
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n $*"
}

# tap_skip NAME REASON
tap_skip()
{
	tap_n=$((tap_n + 1))
	tap_skipped=$((tap_skipped + 1))
	echo "ok $tap_n $1 # SKIP $2"
}

# The script's own result: fail if any case failed, skip if all skipped.
tap_exit()
{
	[ "$tap_failed" -eq 0 ] || exit "$ksft_fail"
	[ "$tap_skipped" -lt "$tap_n" ] ||
		ksft_exit_skip "all $tap_n cases skipped"
	exit "$ksft_pass"
}
