#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's main job, for as far as the project has come: the SIP
# message layer parsing real messages (a call set-up with SDP, a
# registration with digest credentials, RFC 4475's most tortuous INVITE)
# and refusing broken ones with the answer a proxy would send.
set -euo pipefail
cd "$(dirname "$0")/.."

dump=build/tools/sipdump
[ -x "$dump" ] || { echo "demo: $dump missing; run make first" >&2; exit 1; }

say() { printf '\n== %s\n' "$*"; }

say "an INVITE with SDP, as a phone sends it"
$dump selftests/unit/msgs/invite_sdp.sip
say "a REGISTER with digest credentials and RFC 5626 instance id"
$dump selftests/unit/msgs/register.sip
say "RFC 4475 3.1.1.1, a short tortuous INVITE (folding, odd spacing, escapes)"
$dump selftests/unit/rfc4475/wsinv.dat
say "broken messages: each refused with what, where, and the answer"
for m in ltgtruri badvers mismatch01 ncl bigcode; do
	$dump selftests/unit/rfc4475/$m.dat || true
done
say "parser speed on one core, GNU oSIP measured in the same run"
BENCH_SECONDS=${BENCH_SECONDS:-0.3} BENCH_ROUNDS=${BENCH_ROUNDS:-3} \
	build/tools/bench/bench_parse | grep -E '^invite_parse'
