#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317,SC2015 # cases run through case_ok; A && B || say
#
# sipctl's command line without a fast path or a real sipfpd: usage
# errors exit 2 with the usage on stderr and nothing on stdout; help
# and --version exit 0 on stdout; what cannot be reached (a socket
# nobody listens on, a module not loaded) exits 1 naming it; and against
# a stand-in control socket (sipctl/fake_sipfpd.py) every listing's -j
# parses as one JSON document holding what the socket said, the tables
# and the FIELD lines say the same, and a refused Call-ID exits 1 with
# the daemon's words.

cd "$(dirname "$0")/.." || exit 1
# shellcheck source=selftests/lib.sh
source selftests/lib.sh
# shellcheck source=selftests/sipctl/lib.sh # say, works, json_is
source selftests/sipctl/lib.sh

SIPCTL=${SIPCTL:-$O/sipctl/sipctl}
FAKE=$PWD/selftests/sipctl/fake_sipfpd.py
CID=fake-call-1@192.0.2.2

[ -x "$SIPCTL" ] || ksft_exit_fail "$SIPCTL not built (make)"
require_cmd python3

TMP=$(mktemp -d /tmp/sipctl-cli.XXXXXX) || ksft_exit_fail mktemp
SC_RUN=run SC_OUT=$TMP/out SC_ERR=$TMP/err
FAKE_PID=
cleanup()
{
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID"
	rm -rf "$TMP"
}
trap cleanup EXIT

# run ARGS...: sipctl; $rc, $TMP/out and $TMP/err hold what it did.
run()
{
	SIPCTL_SOCKET=${SOCK:-$TMP/nobody.sock} "$SIPCTL" "$@" >"$TMP/out" \
		2>"$TMP/err"
	rc=$?
}

# usage_err TEXT ARGS...: exit 2, stdout empty, TEXT and a usage line on
# stderr.
usage_err()
{
	local text=$1

	shift
	run "$@"
	[ "$rc" -eq 2 ] && [ ! -s "$TMP/out" ] &&
		grep -qF -- "$text" "$TMP/err" &&
		grep -q '^Usage: sipctl ' "$TMP/err" && return 0
	say "$@"
	return 1
}

# fails TEXT ARGS...: exit 1, TEXT on stderr, no usage.
fails()
{
	local text=$1

	shift
	run "$@"
	[ "$rc" -eq 1 ] && grep -qF -- "$text" "$TMP/err" &&
		! grep -q '^Usage:' "$TMP/err" && return 0
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

usage_errors()
{
	usage_err "no command given" &&
		usage_err "unknown command 'bogus'" bogus &&
		usage_err "unknown backend 'nope'" -b nope flows &&
		usage_err "invalid option" -x status &&
		usage_err "option requires an argument" -s &&
		usage_err "unexpected 'x'" status x &&
		usage_err "unexpected 'x'" reg x &&
		usage_err "unexpected 'x'" calls x &&
		usage_err "unexpected 'x'" reload x &&
		usage_err "which CALL-ID?" call &&
		usage_err "one CALL-ID only" call a b &&
		usage_err "empty CALL-ID" hangup "" &&
		usage_err "COUNT is a number over 0, not '0'" monitor 0 &&
		usage_err "COUNT is a number over 0, not 'x'" monitor x &&
		usage_err "unknown field 'nope'" flows nope &&
		usage_err "too many arguments" flows packets bytes &&
		usage_err "-j prints every field" -j flows packets
}

flow_usage_errors()
{
	local l=192.0.2.1:4000 o=198.51.100.1:4000

	usage_err "add or del?" flow &&
		usage_err "'frob' is neither add nor del" flow frob &&
		usage_err "LOCAL missing" flow add &&
		usage_err "LOCAL missing" flow del &&
		usage_err "bad address '192.0.2' for local" flow add 192.0.2 out "$o" &&
		usage_err "bad address 'x' for out" flow add "$l" out x &&
		usage_err "bad address '[2001:db8::1]:70000' for peer" \
			flow add "$l" out "$o" peer '[2001:db8::1]:70000' &&
		usage_err "bad address '2001:db8::1]:4' for peer" \
			flow add "$l" out "$o" peer '2001:db8::1]:4' &&
		usage_err "bad address '192.0.2.9:x' for src" \
			flow add "$l" out "$o" src fixed 192.0.2.9:x &&
		usage_err "out ADDR:PORT missing" flow add "$l" &&
		usage_err "unknown keyword 'pear'" flow add "$l" out "$o" pear "$o" &&
		usage_err "peer needs a value" flow add "$l" out "$o" peer &&
		usage_err "src is any, fixed or latch, not 'some'" \
			flow add "$l" out "$o" src some &&
		usage_err "src latch needs an address" flow add "$l" out "$o" src latch &&
		usage_err "dscp takes a number up to 255, not '256'" \
			flow add "$l" out "$o" dscp 256 &&
		usage_err "latch-ms takes a number up to 4294967295, not '-1'" \
			flow add "$l" out "$o" latch-ms -1 &&
		usage_err "bad cookie '0xg'" flow add "$l" out "$o" cookie 0xg &&
		usage_err "unexpected 'peer'" flow del "$l" peer "$o"
}

helps()
{
	local c

	works -h && grep -q '^Usage: sipctl ' "$TMP/out" || return 1
	for c in status reg calls call flows flow hangup reload monitor; do
		grep -q "^  $c " "$TMP/out" || { say -h; return 1; }
	done
	for c in status reg calls call flows flow hangup reload monitor; do
		works "$c" --help && grep -q "^Usage: sipctl \[OPTIONS\] $c" \
			"$TMP/out" || return 1
	done
	works --version && grep -qE '^sipctl [0-9]+\.[0-9]+\.[0-9]+$' "$TMP/out"
}

no_daemon()
{
	local c

	for c in status reg calls "call x" "hangup x" reload monitor; do
		# shellcheck disable=SC2086 # c is the command and its argument
		fails "cannot talk to sipfpd at $TMP/none.sock: " \
			-s "$TMP/none.sock" $c || return 1
	done
	# $SIPCTL_SOCKET when there is no -s
	fails "cannot talk to sipfpd at $TMP/nobody.sock: " status &&
		fails "sipfpd at $TMP/none.sock" -s "$TMP/none.sock" flows
}

no_module()
{
	fails "is sipfp.ko loaded?" flow add 192.0.2.1:4000 out 192.0.2.1:4002 &&
		fails "is sipfp.ko loaded?" flow del 192.0.2.1:4000 &&
		fails "is sipfp.ko loaded?" -b kernel flows &&
		fails "is sipfp.ko loaded?" -b kernel monitor
}

fake_up()
{
	SOCK=$TMP/fake.sock
	python3 "$FAKE" "$SOCK" "$TMP/requests" &
	FAKE_PID=$!
	for _ in $(seq 100); do
		[ -S "$SOCK" ] && return 0
		sleep 0.05
	done
	echo "# $FAKE did not make $SOCK"
	return 1
}

status_shown()
{
	json_is status -- "j['version'] == '0.1.0' and j['pid'] == 4242 and
j['uptime_s'] == 3725 and j['fastpath'] == 'relay' and
j['interfaces'] == [{'name': 'a', 'address': '192.0.2.1', 'fastpath': 'relay'},
 {'name': 'b', 'address': '198.51.100.1', 'fastpath': 'relay'}] and
j['calls'] == 1 and j['calls_answered'] == 1 and j['calls_total'] == 3 and
j['registrations'] == 1 and j['transactions'] == 0 and
j['paths']['relay'] == {'packets': 503, 'bytes': 503 * 172, 'drops': 0,
 'flows_ended': 0}" &&
		works status &&
		grep -qx 'fast path:      relay' "$TMP/out" &&
		grep -qx 'uptime:         1h02m' "$TMP/out" &&
		grep -qE '^b +198\.51\.100\.1 +relay$' "$TMP/out" &&
		grep -qE '^relay +503 +86516 +0 +0$' "$TMP/out" || { say status; return 1; }
}

reg_shown()
{
	json_is reg -- "len(j) == 1 and j[0]['aor'] == 'sip:bob@example.test' and
j[0]['source'] == '198.51.100.2:5060' and j[0]['expires_s'] == 3599 and
j[0]['transport'] == 'udp' and j[0]['nat'] is False and
j[0]['user_agent'] == 'SIPp' and 'q' not in j" &&
		works reg && [ "$(wc -l <"$TMP/out")" -eq 2 ] &&
		grep -qE '^sip:bob@example.test +sip:bob@198.51.100.2:5060 +59m59s +udp +198.51.100.2:5060 +no +SIPp$' \
			"$TMP/out" || { say reg; return 1; }
}

# the fake's call as sipctl shows it in JSON
CALL_OK="j[0]['id'] == '$CID' and j[0]['state'] == 'answered' and
j[0]['media'] is True and j[0]['duration_s'] == 75 and
j[0]['caller'] == {'signalling': '192.0.2.2:5060', 'nat': False} and
len(j[0]['streams']) == 1 and j[0]['streams'][0]['clock_rate'] == 8000 and
[l['side'] for l in j[0]['streams'][0]['legs']] == ['caller', 'callee'] and
[(f['from'], f['kind'], f['counters']['packets'], f['path'])
 for f in j[0]['streams'][0]['flows']] == [('caller', 'rtp', 250, 'relay'),
 ('caller', 'rtcp', 2, 'relay'), ('callee', 'rtp', 249, 'relay'),
 ('callee', 'rtcp', 2, 'relay')] and
j[0]['streams'][0]['flows'][0]['counters']['drop_source'] == 1 and
j[0]['streams'][0]['flows'][0]['counters']['lost'] == 0 and
j[0]['streams'][0]['flows'][0]['counters']['jitter'] == 8"

calls_shown()
{
	json_is calls -- "len(j) == 1 and $CALL_OK" &&
		json_is call "$CID" -- "len(j) == 1 and $CALL_OK" &&
		works calls && [ "$(wc -l <"$TMP/out")" -eq 2 ] &&
		grep -qE "^$CID +answered +1m15s +192.0.2.2:5060 +198.51.100.2:5060 +1 +503 +0\$" \
			"$TMP/out" || { say calls; return 1; }
	works call "$CID" && grep -qx "call:           $CID" "$TMP/out" &&
		grep -qE '^callee +rtp +192.0.2.1:40002 +192.0.2.2:6000 +192.0.2.2:6000 latched +relay +249 +1 ' \
			"$TMP/out" || { say call "$CID"; return 1; }
}

flows_shown()
{
	json_is -b daemon flows -- "[(f['local'], f['call'], f['stream'],
 f['from'], f['counters']['packets']) for f in j] ==
 [('192.0.2.1:40002', '$CID', 0, 'callee', 249),
  ('192.0.2.1:40003', '$CID', 0, 'callee', 2),
  ('198.51.100.1:40000', '$CID', 0, 'caller', 250),
  ('198.51.100.1:40001', '$CID', 0, 'caller', 2)]" &&
		works -b daemon flows packets &&
		[ "$(cat "$TMP/out")" = "$(printf '%s\t%s\n' \
			192.0.2.1:40002 249 192.0.2.1:40003 2 \
			198.51.100.1:40000 250 198.51.100.1:40001 2)" ] &&
		works -b daemon flows dump &&
		[ "$(awk -F'\t' '{ print NF }' "$TMP/out" | sort -u)" = 26 ] &&
		works -b daemon flows peer &&
		grep -qxF "$(printf '198.51.100.1:40000\t198.51.100.2:7000')" \
			"$TMP/out" || { say flows; return 1; }
}

steer()
{
	fails "call 'nope': no call with Call-ID 'nope'" call nope &&
		fails "hangup 'nope': no call with Call-ID 'nope'" hangup nope &&
		works hangup "$CID" &&
		[ "$(cat "$TMP/out")" = "$CID: 1 session ended" ] &&
		json_is hangup "$CID" -- "j == {'call': '$CID', 'sessions': 1}" &&
		works reload && [ ! -s "$TMP/out" ] &&
		json_is reload -- "j == {'reloaded': True}"
}

monitored()
{
	works -j monitor 2 &&
		python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
want = [{"event": "call_start", "call": sys.argv[2]},
        {"event": "call_end", "call": sys.argv[2], "why": "hangup"}]
sys.exit(0 if [json.loads(l) for l in lines] == want else 1)' \
			"$TMP/out" "$CID" &&
		works monitor 1 &&
		[ "$(cat "$TMP/out")" = "call_start call=$CID" ] ||
		{ say monitor; return 1; }
}

# complete WORDS...: what completion/sipctl offers for the last word
# (bash-completion's _init_completion stood in for, as it may be absent)
complete_words()
(
	_init_completion()
	{
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${words[cword]}
		prev=${words[cword - 1]}
	}
	complete() { :; }
	# shellcheck source=completion/sipctl
	source completion/sipctl
	COMP_WORDS=("$SIPCTL" "$@")
	COMP_CWORD=$#
	_sipctl
	printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' '
)

completes()
{
	local want=$1 got

	shift
	got=$(complete_words "$@")
	[ "$got" = "$want" ] && return 0
	echo "# completing '$*': got '$got', want '$want'"
	return 1
}

completion()
{
	completes "flow flows" fl &&
		completes "packets path peer" flows p &&
		completes "daemon kernel xdp" -b "" &&
		completes "add del" -j flow "" &&
		completes "src" flow add 192.0.2.1:4 out 192.0.2.1:6 s &&
		completes "fixed" flow add 192.0.2.1:4 src f &&
		completes "$CID" -s "$SOCK" hangup "" &&
		completes "$CID" -s "$SOCK" call f &&
		completes "" -s "$SOCK" call x
}

tap_plan 12
name="usage errors exit 2, usage on stderr, nothing on stdout"
case_ok usage_errors
name="flow add|del: bad addresses and words exit 2 naming them"
case_ok flow_usage_errors
name="-h, COMMAND --help and --version exit 0 on stdout"
case_ok helps
name="no sipfpd: exit 1 naming the socket"
case_ok no_daemon
if [ -d /sys/module/sipfp ]; then
	tap_skip "no module: exit 1 saying so" "sipfp.ko is loaded here"
else
	name="no module: flow add|del and -b kernel exit 1 saying so"
	case_ok no_module
fi
if fake_up; then
	name="status: -j and the table"
	case_ok status_shown
	name="reg: -j and the table"
	case_ok reg_shown
	name="calls, call ID: -j and the tables"
	case_ok calls_shown
	name="flows -b daemon: -j, FIELD lines sorted by local, dump"
	case_ok flows_shown
	name="call and hangup of an unknown Call-ID exit 1; hangup; reload"
	case_ok steer
	name="monitor COUNT: call_start and call_end, -j a line each"
	case_ok monitored
	name="bash completion: commands, fields, flow words, Call-IDs"
	case_ok completion
else
	for n in 1 2 3 4 5 6 7; do
		tap_skip "fake sipfpd case $n" "the stand-in did not start"
	done
fi
tap_exit
