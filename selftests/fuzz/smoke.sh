#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A short libFuzzer run of every harness over its committed seed corpus: it
# proves each seed still parses without a sanitizer report, and gives the
# mutator a few seconds to find what the last change broke. `make fuzz` is
# the long run. A crash input is kept in $O/fuzz/smoke-artifacts/.

. "$(dirname "$0")/../lib.sh"

secs=${FUZZ_SMOKE_SECONDS:-20}
art=$O/fuzz/smoke-artifacts

srcs=(selftests/fuzz/fuzz_*.c)
[ -e "${srcs[0]}" ] || ksft_exit_skip "no fuzz harnesses yet"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$art"

# The committed corpus is read-only here: new inputs go to a scratch
# directory listed first, which is where libFuzzer writes.
fuzz_one()
{
	local name=$1 bin=$O/fuzz/$1 seeds=selftests/fuzz/corpus/$1
	local log=$work/$1.log

	[ -x "$bin" ] || { echo "$bin not built (make fuzz-build)"; return 1; }
	compgen -G "$seeds/*" >/dev/null ||
		{ echo "no seed corpus in $seeds/"; return 1; }
	mkdir -p "$work/$name"
	if "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$art/$name-" "$work/$name" "$seeds" \
		>"$log" 2>&1; then
		grep -E '^#[0-9]+[[:space:]]+DONE' "$log"
		return 0
	fi
	# libFuzzer ends with the input's bytes and where it saved them.
	tail -n 60 "$log"
	return 1
}

tap_plan "${#srcs[@]}"
for src in "${srcs[@]}"; do
	name=$(basename "$src" .c)
	if fuzz_one "$name"; then
		tap_ok "$name: ${secs}s"
	else
		tap_not_ok "$name"
	fi
done
tap_exit
