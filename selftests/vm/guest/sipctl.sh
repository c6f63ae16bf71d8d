#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317,SC2015 # cases run through case_ok; A && B || say
#
# In the VM: sipctl against sipfp.ko, in a namespace of its own with
# loopback up and no sipfpd.  `flow add` makes a flow whose every field
# `flows -j` then shows; packets sent to it are forwarded and counted by
# `flows packets`; `monitor -b kernel` sees its removal; the kernel's
# refusals exit 1 with its extack words; bad arguments exit 2 before
# anything is sent; `flow del` of a flow that is gone exits 1.
#
#   phone a 127.0.0.1:5002 ─▶ 127.0.0.1:5000 ══ flow ══ 127.0.0.1:5004
#                                                  ─▶ phone b 127.0.0.1:5006

# shellcheck source=selftests/net/lib.sh # wait_for, the bounded poll
source selftests/net/lib.sh
# shellcheck source=selftests/vm/guest/lib_guest.sh
source selftests/vm/guest/lib_guest.sh

set -u

guest_require
require_cmd ip python3

SIPCTL=${SIPCTL:-$O/sipctl/sipctl}
[ -x "$SIPCTL" ] || ksft_exit_fail "$SIPCTL not built (make)"
NS=sipctl-$(mktemp -u XXXXXX)
T=$(mktemp -d)
L=127.0.0.1:5000
MON_PID=

cleanup()
{
	[ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null && wait "$MON_PID"
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$NS" || ksft_exit_fail "ip netns add $NS"
ip -n "$NS" link set lo up || ksft_exit_fail "lo up in $NS"

# run ARGS...: sipctl in the namespace; $rc, $T/out, $T/err
run()
{
	ip netns exec "$NS" "$SIPCTL" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

say()
{
	echo "# sipctl $*: exit $rc"
	sed 's/^/#   out: /' "$T/out" | head -n 20
	sed 's/^/#   err: /' "$T/err" | head -n 20
}

# expect RC TEXT ARGS...: exit RC with TEXT on stderr (or none for 0)
expect()
{
	local want=$1 text=$2

	shift 2
	run "$@"
	if [ "$rc" -eq "$want" ] && { [ -z "$text" ] && [ ! -s "$T/err" ] ||
		grep -qF -- "$text" "$T/err"; }; then
		return 0
	fi
	say "$@"
	return 1
}

case_ok()
{
	if "$@"; then
		tap_ok "$name"
	else
		tap_not_ok "$name"
	fi
}

added()
{
	expect 0 "" flow add "$L" out 127.0.0.1:5004 peer 127.0.0.1:5006 \
		src latch 127.0.0.1 latch-ms 60000 cookie 0x5170 rtp \
		clock-rate 8000 dscp 46 idle-ms 0 timeout-ms 600000
}

shown()
{
	expect 0 "" -j flows &&
		python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
f = j[0]
ok = (len(j) == 1 and f["local"] == "127.0.0.1:5000" and
      f["out"] == "127.0.0.1:5004" and f["peer"] == "127.0.0.1:5006" and
      f["src_mode"] == "latch" and f["src"] == "127.0.0.1:0" and
      f["cookie"] == 0x5170 and f["rtp"] is True and f["dscp"] == 46 and
      f["clock_rate"] == 8000 and f["timeout_ms"] == 600000 and
      f["counters"]["packets"] == 0)
sys.exit(0 if ok else 1)' "$T/out" || { say -j flows; return 1; }
	expect 0 "" flows &&
		grep -qE '^127\.0\.0\.1:5000 +127\.0\.0\.1:5006 +127\.0\.0\.1:5004 +latch 127\.0\.0\.1:0 +0 +0 +0 ' \
			"$T/out" || { say flows; return 1; }
	expect 0 "" flows cookie &&
		[ "$(cat "$T/out")" = "$(printf '%s\t0x%016x' "$L" 0x5170)" ] ||
		{ say flows cookie; return 1; }
}

# send N: N RTP packets from 127.0.0.1:5002 to the flow, phone b bound
send()
{
	ip netns exec "$NS" python3 -c '
import socket, struct, sys
n = int(sys.argv[1])
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b.bind(("127.0.0.1", 5006))
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
a.bind(("127.0.0.1", 5002))
for i in range(n):
    a.sendto(struct.pack("!BBHII", 0x80, 8, i, i * 160, 0x5170) + bytes(160),
             ("127.0.0.1", 5000))
b.settimeout(5)
got = 0
while got < n:
    b.recv(2048)
    got += 1
' "$1"
}

packets_is()
{
	run flows packets
	[ "$rc" -eq 0 ] && [ "$(cat "$T/out")" = "$(printf '%s\t%s' "$L" "$1")" ]
}

counted()
{
	send 10 || { echo "# phone b did not get 10 packets"; return 1; }
	wait_for 2000 packets_is 10 || { say flows packets; return 1; }
	expect 0 "" flows latched &&
		[ "$(cat "$T/out")" = "$(printf '%s\t127.0.0.1:5002' "$L")" ] ||
		{ say flows latched; return 1; }
	expect 0 "" flows expected && [ "$(cut -f2 "$T/out")" = 10 ] &&
		expect 0 "" flows lost && [ "$(cut -f2 "$T/out")" = 0 ] ||
		{ say flows; return 1; }
}

refused()
{
	expect 1 "flow add $L: sipfp: LOCAL endpoint already has a flow" \
		flow add "$L" out 127.0.0.1:5004 &&
		expect 1 "flow.dscp" flow add 127.0.0.1:5010 out 127.0.0.1:5012 dscp 64 &&
		expect 1 "SRC port 0 needs SRC_MODE LATCH" \
			flow add 127.0.0.1:5010 out 127.0.0.1:5012 src fixed 127.0.0.1 &&
		expect 1 "PEER and OUT must be of the same family" \
			flow add 127.0.0.1:5010 out 127.0.0.1:5012 peer '[::1]:5014' &&
		expect 1 "LOCAL port must not be 0" \
			flow add 127.0.0.1 out 127.0.0.1:5012 &&
		expect 0 "" flows cookie && [ "$(wc -l <"$T/out")" -eq 1 ] ||
		{ say flows cookie; return 1; }
}

bad_args()
{
	expect 2 "bad address '127.0.0.1:x' for out" \
		flow add "$L" out 127.0.0.1:x &&
		expect 2 "unknown keyword 'pier'" \
			flow add "$L" out 127.0.0.1:5004 pier 127.0.0.1:5006 &&
		expect 2 "unknown field 'speed'" flows speed &&
		[ ! -s "$T/out" ] && expect 0 "" flows cookie &&
		[ "$(wc -l <"$T/out")" -eq 1 ]
}

# monitor_joined: a generic netlink socket of the namespace is in a
# multicast group (what `sipctl monitor` opens before it waits)
monitor_joined()
{
	# shellcheck disable=SC2016 # awk's fields
	ip netns exec "$NS" awk '$2 == 16 && $4 != "00000000" { f = 1 }
		END { exit !f }' /proc/net/netlink
}

deleted()
{
	ip netns exec "$NS" "$SIPCTL" -b kernel monitor 1 >"$T/mon" 2>&1 &
	MON_PID=$!
	wait_for 3000 monitor_joined || { echo "# monitor did not join"; return 1; }
	expect 0 "" flow del "$L" cookie 0x5170 &&
		wait_for 3000 gone_pid "$MON_PID" || { say flow del; return 1; }
	wait "$MON_PID"
	rc=$?
	MON_PID=
	grep -qx "removed local=$L reason=deleted cookie=0x0000000000005170" \
		"$T/mon" && [ "$rc" -eq 0 ] ||
		{ echo "# monitor exit $rc: $(cat "$T/mon")"; return 1; }
	expect 0 "" flows cookie && [ ! -s "$T/out" ] &&
		expect 1 "flow del $L: " flow del "$L"
}

gone_pid()
{
	! kill -0 "$1" 2>/dev/null
}

# the module destroys a flow after an RCU grace period: poll for it
no_leaks()
{
	kmsg_since "test vm/guest/sipctl.sh" | flow_leaks >/dev/null && return 0
	kmsg_since "test vm/guest/sipctl.sh" | flow_leaks | sed 's/^/# /'
	return 1
}

tap_plan 7
name="flow add: a flow with every field"
case_ok added
name="flows -j, the table and flows cookie show it"
case_ok shown
name="flows packets: 10 packets forwarded, latched, RTP counted"
case_ok counted
name="kernel refusals exit 1 with the extack message"
case_ok refused
name="bad arguments exit 2 and change nothing"
case_ok bad_args
name="flow del: gone, monitor -b kernel saw it, a second del exits 1"
case_ok deleted
name="every flow sipctl made was destroyed"
case_ok wait_for 3000 no_leaks
tap_exit
