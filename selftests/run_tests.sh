#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every selftest and prints TAP 13, as the kernel's kselftest runner
# does: one "ok"/"not ok" line per test, its output indented with "# ",
# exit 0 pass, 1 fail, 4 skip. The last line is the summary, so a reader (or
# CI) sees the verdict without scrolling.
#
#   selftests/run_tests.sh [PATTERN...]   only tests whose name contains one
#
# Environment: O (build tree, relative to the repo top; default build),
# SELFTESTS_TIMEOUT (seconds per test, default 300).

set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
O=$(realpath -m "${O:-build}")
export O
timeout_s=${SELFTESTS_TIMEOUT:-300}

# Tests start from a clean make environment: a variable given on the outer
# command line (O=...) would otherwise reach every make a test runs,
# including the kernel's.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES

# A test is a unit program (one per selftests/unit/test_*.c, so a source that
# did not build fails rather than vanishing), or a script; helpers that
# scripts source are named lib*.sh.
list_tests()
{
	local f

	for f in selftests/unit/test_*.c; do
		[ -e "$f" ] || continue
		f=${f##*/}
		echo "$O/san/selftests/unit/${f%.c}"
	done
	for f in selftests/*.sh selftests/fuzz/*.sh selftests/net/*.sh \
		 selftests/vm/*.sh; do
		case "${f##*/}" in
		lib*.sh | run_tests.sh) continue ;;
		esac
		[ -e "$f" ] && echo "$f"
	done
}

# "unit: test_uri" for $O/san/selftests/unit/test_uri, "fuzz: smoke.sh" for
# selftests/fuzz/smoke.sh, "kmod_build.sh" for selftests/kmod_build.sh.
test_name()
{
	local rel=${1#"$O/san/"}

	rel=${rel#selftests/}
	case "$rel" in
	*/*) echo "${rel%/*}: ${rel##*/}" ;;
	*) echo "$rel" ;;
	esac
}

selected()
{
	local p

	[ "${#patterns[@]}" -eq 0 ] && return 0
	for p in "${patterns[@]}"; do
		[[ "$1" == *"$p"* ]] && return 0
	done
	return 1
}

# A script may need longer than the default (the VM suite boots two
# kernels): a "# selftests-timeout: SECONDS" line in its head says so.
test_timeout()
{
	local t

	case "$1" in
	*.sh) t=$(head -n 30 "$1" | sed -n 's/^# selftests-timeout: \([0-9]*\)$/\1/p') ;;
	esac
	echo "${t:-$timeout_s}"
}

# Streams the test's output while it runs, but reads it from a file, so a
# child the test leaves behind holding stdout cannot stall the runner.
run_one()
{
	local num=$1 path=$2 hdr="selftests: $3"
	local log=$tmp/log pid rc t0 secs reason left limit

	echo "# $hdr"
	if [ ! -x "$path" ]; then
		if [ -e "$path" ]; then
			echo "# $path is not executable"
		else
			echo "# $path is missing (not built?)"
		fi
		echo "not ok $num $hdr"
		failed=$((failed + 1))
		return
	fi

	t0=$SECONDS
	: >"$log"
	limit=$(test_timeout "$path")
	timeout -k 10 "$limit" "$path" </dev/null >"$log" 2>&1 &
	pid=$!
	tail -n +1 -s 0.1 -f --pid="$pid" "$log" | sed -u 's/^/# /'
	wait "$pid"
	rc=$?
	secs=$((SECONDS - t0))

	# timeout(1) made the test a process group of its own; zombies
	# waiting for init to reap them are not leaks.
	left=$(pgrep -d, -g "$pid") &&
		left=$(ps -o pid=,stat=,args= -p "$left" | awk '$2 !~ /^Z/')
	if [ -n "$left" ]; then
		echo "# warning: killing what the test left running:"
		sed 's/^/#   /' <<<"$left"
		kill -KILL -- "-$pid" 2>/dev/null
	fi
	echo "# time: ${secs}s"

	if [ "$rc" -eq 0 ]; then
		echo "ok $num $hdr"
		passed=$((passed + 1))
	elif [ "$rc" -eq 4 ]; then
		reason=$(grep -v '^[[:space:]]*$' "$log" | tail -n 1)
		echo "ok $num $hdr # SKIP ${reason:-no reason given}"
		skipped=$((skipped + 1))
	elif { [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; } &&
	     [ "$secs" -ge "$limit" ]; then
		echo "not ok $num $hdr # TIMEOUT $limit seconds"
		failed=$((failed + 1))
	else
		echo "not ok $num $hdr # exit=$rc"
		failed=$((failed + 1))
	fi
}

patterns=("$@")
tests=()
names=()
while read -r t; do
	n=$(test_name "$t")
	selected "$n" || continue
	tests+=("$t")
	names+=("$n")
done < <(list_tests)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
skipped=0

echo "TAP version 13"
echo "1..${#tests[@]}"
for i in "${!tests[@]}"; do
	run_one "$((i + 1))" "${tests[$i]}" "${names[$i]}"
done
echo "selftests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
