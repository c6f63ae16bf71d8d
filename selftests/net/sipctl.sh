#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317,SC2015 # cases run through case_ok; A && B || say
#
# sipctl against sipfpd during a SIPp call, run in the box: status, reg,
# calls, call ID and flows checked field by field, in tables, in FIELD
# lines and in JSON (parsed by python3's json module); the RTP flows'
# packets counting up to exactly what each phone played; monitor seeing
# the call start and end; reload; hangup ending the call with a BYE to
# each phone; an unknown Call-ID and a stopped sipfpd exiting 1 with
# what was wrong.  FASTPATH=xdp (sipctl_xdp.sh) also reads the XDP maps
# straight, without the daemon, and finds the same packets.
#
#   nsa                      proxy                          nsb
#   192.0.2.2 alice (SIPp)   192.0.2.1      198.51.100.1    198.51.100.2 bob
#   media :6000              sipfpd -d -v, sipctl           (SIPp, registered)
#   trusted caller           [media] interfaces a=192.0.2.1 b=198.51.100.1
#                            run_dir $TMP_DIR/run: sipfpd.sock

# shellcheck source=selftests/net/lib_media.sh
source "$(dirname "$0")/lib_media.sh"
# shellcheck source=selftests/sipctl/lib.sh # say, works, json_is
source "$(dirname "$0")/../sipctl/lib.sh"

SIPCTL=${SIPCTL:-$O/sipctl/sipctl}
CTL_PY=$PWD/selftests/net/ctl.py
MON_PID=

# sc ARGS...: sipctl in the box on sipfpd's socket; $rc, and what it
# printed in $TMP_DIR/sc.out and sc.err.  With the XDP path it sees the
# test's bpf filesystem where sipfpd pinned its maps (start_sipfpd).
sc()
{
	if [ -n "${BPFFS:-}" ]; then
		# shellcheck disable=SC2016 # expanded by that sh
		ip netns exec "$proxy" sh -c 'mount --bind "$0" /sys/fs/bpf &&
			exec "$@"' "$BPFFS" "$SIPCTL" -s "$SOCK" "$@"
	else
		ip netns exec "$proxy" "$SIPCTL" -s "$SOCK" "$@"
	fi >"$TMP_DIR/sc.out" 2>"$TMP_DIR/sc.err"
	rc=$?
}

# fails TEXT ARGS...: exit 1 with TEXT on stderr
fails()
{
	local text=$1

	shift
	sc "$@"
	[ "$rc" -eq 1 ] && grep -qF -- "$text" "$TMP_DIR/sc.err" && return 0
	say "$@"
	echo "#   want exit 1 and '$text'"
	return 1
}

# out_has REGEX: a line of the last output matches (extended regex)
out_has()
{
	grep -qE -- "$1" "$TMP_DIR/sc.out" && return 0
	echo "# no line matches '$1'"
	sed 's/^/#   out: /' "$TMP_DIR/sc.out" | head -n 30
	return 1
}

# flow_local FROM KIND: the local endpoint of $CID's flow from FROM
# (caller, callee) of KIND (rtp, rtcp), from the FIELD lines
flow_local()
{
	works -b daemon flows from && cp "$TMP_DIR/sc.out" "$TMP_DIR/from" &&
		works -b daemon flows kind &&
		awk -F'\t' -v f="$1" -v k="$2" 'NR == FNR { from[$1] = $2; next }
			from[$1] == f && $2 == k { print $1 }' \
			"$TMP_DIR/from" "$TMP_DIR/sc.out"
}

# field BACKEND LOCAL FIELD: that flow's FIELD as `sipctl -b BACKEND
# flows FIELD` prints it
field()
{
	works -b "$1" flows "$3" &&
		awk -F'\t' -v l="$2" '$1 == l { print $2 }' "$TMP_DIR/sc.out"
}

# field_is BACKEND LOCAL FIELD OP VALUE: test(1)'s OP (= -eq -gt ...)
field_is()
{
	local v

	v=$(field "$1" "$2" "$3") && test "$v" "$4" "$5"
}

status_before()
{
	json_is status -- "j['version'] and j['pid'] > 0 and j['uptime_s'] >= 0 and
j['fastpath'] == '$FASTPATH' and j['calls'] == 0 and
j['registrations'] == 0 and
[(i['name'], i['address']) for i in j['interfaces']] ==
 [('a', '$BOX_A'), ('b', '$BOX_B')] and
set(j['paths']) == {'none', 'relay', 'kmod', 'xdp'}" &&
		works status && out_has "^fast path: +$FASTPATH\$" &&
		out_has "^calls: +0 \(0 answered\), 0 since the start\$" &&
		out_has "^a +$BOX_A +[a-z]+\$" && out_has "^b +$BOX_B +[a-z]+\$" &&
		out_has '^PATH +PACKETS +BYTES +DROPS +FLOWS-ENDED$'
}

registered()
{
	json_is reg -- "len(j) == 1 and j[0]['aor'] == 'sip:bob@$DOMAIN' and
j[0]['source'] == '$BOB:5060' and j[0]['transport'] == 'udp' and
0 < j[0]['expires_s'] <= 3600 and j[0]['contact'].startswith('sip:') and
j[0]['nat'] is False" &&
		works reg && [ "$(wc -l <"$TMP_DIR/sc.out")" -eq 2 ] &&
		out_has "^sip:bob@$DOMAIN +sip:bob@$BOB:5060[^ ]* +[0-9][0-9hms]* +udp +$BOB:5060 +no "
}

# what the test's monitor has printed, one JSON object a line
monitor_has()
{
	python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if sys.argv[2] in [e["event"] + " " + e.get("call", "")
                              for e in ev] else 1)' "$TMP_DIR/monitor" "$1"
}

# the control socket's request count, and how many times it was asked
ctl_requests()
{
	python3 "$CTL_PY" "$SOCK" '{"cmd":"counters"}' |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["control"]["requests"])'
}

# monitor_subscribed: sipfpd counted a request besides the polls', and
# the monitor was not refused
monitor_subscribed()
{
	polls=$((polls + 1))
	[ $(($(ctl_requests) - req0 - polls)) -ge 1 ] &&
		kill -0 "$MON_PID" 2>/dev/null
}

monitor_started()
{
	local cmd=(ip netns exec "$proxy")

	req0=$(ctl_requests) && polls=0 || return 1
	# one command, no subshell: $! is sipctl itself, for the SIGTERM
	# shellcheck disable=SC2016 # expanded by that sh
	[ -z "${BPFFS:-}" ] ||
		cmd+=(sh -c 'mount --bind "$0" /sys/fs/bpf && exec "$@"' "$BPFFS")
	"${cmd[@]}" "$SIPCTL" -s "$SOCK" -j monitor >"$TMP_DIR/monitor" \
		2>"$TMP_DIR/monitor.err" &
	MON_PID=$!
	BG_PIDS+=("$MON_PID")
	wait_for 3000 monitor_subscribed &&
		return 0
	echo "# sipctl monitor did not subscribe: $(cat "$TMP_DIR/monitor.err")"
	return 1
}

call_listed()
{
	json_is calls -- "len(j) == 1 and j[0]['id'] == '$CID' and
j[0]['state'] == 'answered' and j[0]['media'] is True and
j[0]['caller']['signalling'] == '$ALICE:5060' and
j[0]['callee']['signalling'] == '$BOB:5060' and len(j[0]['streams']) == 1" &&
		works calls && [ "$(wc -l <"$TMP_DIR/sc.out")" -eq 2 ] &&
		out_has "^$CID +answered +[0-9]+s +$ALICE:5060 +$BOB:5060 +1 +[0-9]+ +0\$" &&
		wait_for 2000 monitor_has "call_start $CID" ||
		{ echo "# monitor: $(cat "$TMP_DIR/monitor")"; return 1; }
}

call_shown()
{
	json_is call "$CID" -- "len(j) == 1 and j[0]['id'] == '$CID' and
[l['side'] for l in j[0]['streams'][0]['legs']] == ['caller', 'callee'] and
j[0]['streams'][0]['legs'][0]['local'].startswith('$BOX_A:') and
j[0]['streams'][0]['legs'][1]['local'].startswith('$BOX_B:') and
j[0]['streams'][0]['legs'][0]['remote_rtp'] == '$ALICE:$ALICE_MP' and
j[0]['streams'][0]['legs'][1]['remote_rtp'] == '$BOB:$BOB_MP' and
sorted((f['from'], f['kind']) for f in j[0]['streams'][0]['flows']) ==
 [('callee', 'rtcp'), ('callee', 'rtp'), ('caller', 'rtcp'),
  ('caller', 'rtp')] and
all(f['local'] and f['out'] and f['counters']['packets'] == 0
    for f in j[0]['streams'][0]['flows'])" &&
		works call "$CID" && out_has "^call: +$CID\$" &&
		out_has '^state: +answered, media yes, ' &&
		out_has "^caller: +$ALICE:5060\$" &&
		out_has "^caller +$BOX_A:[0-9]+ " && out_has "^callee +$BOX_B:[0-9]+ " &&
		out_has "^caller +rtp +$BOX_A:[0-9]+ +$BOB:$BOB_MP +[a-z]+ +none +0 +0 " &&
		out_has "^callee +rtp +$BOX_B:[0-9]+ +$ALICE:$ALICE_MP +[a-z]+ +none +0 +0 "
}

audio_counted()
{
	local n a b

	n=$(pcap_packets g711a)
	a=$(flow_local caller rtp) && b=$(flow_local callee rtp) &&
		[ -n "$a" ] && [ -n "$b" ] ||
		{ echo "# no RTP flows in 'flows from' and 'flows kind'"; return 1; }
	echo "# g711a.pcap: $n packets each way; RTP flows $a, $b"
	ctl a play-g711a && ctl b play-g711a || return 1
	if ! wait_for 3000 field_is daemon "$a" packets -gt 0 ||
		! wait_for 3000 field_is daemon "$b" packets -gt 0; then
		echo "# flows packets: nothing counted within 3 s"
		return 1
	fi
	if ! wait_for $(($(pcap_ms g711a) + 5000)) field_is daemon "$a" packets \
		-eq "$n" || ! wait_for 2000 field_is daemon "$b" packets -eq "$n"; then
		works -b daemon flows packets
		say -b daemon flows packets
		return 1
	fi
	field_is daemon "$a" lost = 0 && field_is daemon "$b" expected = "$n" &&
		field_is daemon "$a" path = "$FP_PATH" &&
		field_is daemon "$b" call = "$CID" || { say flows; return 1; }
}

flows_json()
{
	local n

	n=$(pcap_packets g711a)
	json_is -b daemon flows -- "len(j) == 4 and
all(f['call'] == '$CID' and f['stream'] == 0 and f['local'] and
    f['counters']['drop_source'] + f['counters']['drop_no_peer'] +
    f['counters']['drop_route'] == 0 for f in j) and
all(f['path'] == '$FP_PATH' and f['counters']['packets'] == $n and
    f['counters']['expected'] == $n and f['counters']['lost'] == 0 and
    f['latched'] for f in j if f['kind'] == 'rtp')" &&
		works -b daemon flows dump &&
		[ "$(awk -F'\t' '{ print NF }' "$TMP_DIR/sc.out" | sort -u)" = 26 ] &&
		works -b daemon flows &&
		out_has "^LOCAL +FROM +KIND +PEER +SOURCE +PATH +PACKETS +DROPS +IDLE +LOST +JITTER +CALL\$" &&
		out_has "^$BOX_A:[0-9]+ +caller +rtp +$BOB:$BOB_MP +$ALICE:$ALICE_MP latched +$FP_PATH +$n +0 +[0-9]+m?s +0 +[0-9]+ +$CID\$"
}

# With the XDP path, sipctl reads the pinned maps itself (by default,
# with no module here): the same flows, and the packets the program
# forwarded, which are all but those the relay took before the flow's
# source latched.
xdp_read()
{
	local n a

	n=$(pcap_packets g711a)
	a=$(flow_local caller rtp) || return 1
	works flows packets && cp "$TMP_DIR/sc.out" "$TMP_DIR/auto" &&
		works -b xdp flows packets &&
		cmp -s "$TMP_DIR/auto" "$TMP_DIR/sc.out" &&
		field_is xdp "$a" packets -gt 0 &&
		field_is xdp "$a" packets -le "$n" &&
		field_is xdp "$a" from = - &&
		works -b daemon flows cookie &&
		cut -f1 "$TMP_DIR/sc.out" >"$TMP_DIR/daemon" &&
		cut -f1 "$TMP_DIR/auto" | cmp -s - "$TMP_DIR/daemon" ||
		{ say -b xdp flows packets; return 1; }
}

status_during()
{
	json_is status -- "j['calls'] == 1 and j['calls_answered'] == 1 and
j['calls_total'] == 1 and j['registrations'] == 1" &&
		works status &&
		out_has '^calls: +1 \(1 answered\), 1 since the start$' &&
		out_has '^registrations: +1$'
}

reloaded()
{
	works reload && [ ! -s "$TMP_DIR/sc.out" ] &&
		wait_for 1000 log_has "$LOG" "reloaded $CONF" &&
		json_is reload -- "j == {'reloaded': True}"
}

hung_up()
{
	works hangup "$CID" && [ "$(cat "$TMP_DIR/sc.out")" = "$CID: 1 session ended" ] &&
		wait_step 3000 a got-bye && wait_step 3000 b got-bye &&
		phones_rc a b && json_is calls -- "j == []" &&
		fails "hangup '$CID': no call with Call-ID '$CID'" hangup "$CID" &&
		fails "call 'nope': no call with Call-ID 'nope'" call nope
}

monitor_saw_end()
{
	local rc

	wait_for 2000 monitor_has "call_end $CID" ||
		{ echo "# monitor: $(cat "$TMP_DIR/monitor")"; return 1; }
	kill -TERM "$MON_PID"
	wait "$MON_PID"
	rc=$?
	[ "$rc" -eq 0 ] || { echo "# monitor exit $rc: $(cat "$TMP_DIR/monitor.err")"; return 1; }
	grep -qF "\"why\":\"hangup\"" "$TMP_DIR/monitor" ||
		{ echo "# monitor: $(cat "$TMP_DIR/monitor")"; return 1; }
}

stopped()
{
	proxy_stop && fails "cannot talk to sipfpd at $SOCK: " status &&
		fails "and sipfpd at $SOCK: " flows
}

net_require
[ -x "$SIPCTL" ] || ksft_exit_fail "$SIPCTL not built (make)"
media_setup call
SC_RUN=sc SC_OUT=$TMP_DIR/sc.out SC_ERR=$TMP_DIR/sc.err
SOCK=$TMP_DIR/run/sipfpd.sock
media_start "$ALICE" "interfaces = a=$BOX_A b=$BOX_B"
wait_for 3000 test -S "$SOCK" || setup_fail "no control socket at $SOCK"

tap_plan 14

name="status: version, fast path $FASTPATH, interfaces, no call"
case_ok status_before
name="bob registers"
case_ok bob_registers
name="reg: bob's binding"
case_ok registered
name="monitor subscribes"
case_ok monitor_started

if alice_calls_bob; then
	name="calls: the call, a line; monitor saw it start"
	case_ok call_listed
	name="call ID: legs and four flows"
	case_ok call_shown
	name="flows FIELD: RTP packets count up to what each phone played"
	case_ok audio_counted
	name="flows -j, dump and the table: every flow, field by field"
	case_ok flows_json
	if [ "$FP_PATH" = xdp ]; then
		name="flows from the XDP maps: the same packets, no daemon fields"
		case_ok xdp_read
	else
		tap_skip "flows from the XDP maps" "fast path $FASTPATH"
	fi
	name="status: one call, one registration"
	case_ok status_during
	name="reload"
	case_ok reloaded
	name="hangup: a BYE to each phone, the call gone; unknown Call-IDs exit 1"
	case_ok hung_up
	name="monitor: the call ended (hangup); SIGTERM ends it"
	case_ok monitor_saw_end
else
	for n in 1 2 3 4 5 6 7 8 9; do
		tap_skip "sipctl case $n" "the call failed"
	done
	phones_stop a b
fi

name="sipfpd stopped: status and flows exit 1 naming the socket"
case_ok stopped

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	show_logs
fi
tap_exit
