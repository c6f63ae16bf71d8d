#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# sipfpd's control socket and metrics during a call: the socket is made
# 0660 in run_dir; bob's registration, the call with its streams, legs
# and flows, and the flows' packets counting up to exactly what each
# phone played are read from it as JSON and checked field by field
# (python3's json module); a malformed line is refused and the next
# request on the same connection answered; GET /metrics counts the same
# packets per interface; reload works; hangup ends the call with a BYE to
# each phone, which both answer; the socket is gone when sipfpd stops.
#
#   nsa                      proxy                          nsb
#   192.0.2.2 alice (SIPp)   192.0.2.1      198.51.100.1    198.51.100.2 bob
#   media :6000              sipfpd -d -v, no forwarding    (SIPp, registered)
#   trusted caller           [media] interfaces a=192.0.2.1 b=198.51.100.1
#                            run_dir $TMP_DIR/run: sipfpd.sock
#                            metrics on 127.0.0.1:9477

# shellcheck source=selftests/net/lib_media.sh
source "$(dirname "$0")/lib_media.sh"

CTL_PY=$PWD/selftests/net/ctl.py

# ask LINE... --check EXPR: ask the socket (from the host: it is a file)
ask()
{
	python3 "$CTL_PY" "$SOCK" "$@"
}

want()
{
	ask "$@" >"$TMP_DIR/q.out"
	local rc=$?

	[ "$rc" -eq 0 ] || cat "$TMP_DIR/q.out"
	return "$rc"
}

metrics()
{
	ip netns exec "$proxy" curl -sf --max-time 5 http://127.0.0.1:9477/metrics
}

# metric NAME{LABELS}: its value, empty when absent
metric()
{
	metrics | awk -v m="$1" '$1 == m { print $2 }'
}

metric_is()
{
	[ "$(metric "$1")" = "$2" ]
}

want_metric()
{
	wait_for "${3:-1000}" metric_is "$1" "$2" && return 0
	echo "# $1 is '$(metric "$1")', want $2"
	return 1
}

socket_made()
{
	local m

	m=$(stat -c '%a %F' "$SOCK") || return 1
	echo "# $SOCK: $m, group $(stat -c %G "$SOCK")"
	[ "$m" = "660 socket" ]
}

registered()
{
	want '{"cmd":"reg","tag":"r"}' --check "
len(r) == 2 and r[1] == {'end': True, 'count': 1, 'tag': 'r'} and
r[0]['aor'] == 'sip:bob@$DOMAIN' and r[0]['source'] == '$BOB:5060' and
r[0]['transport'] == 'udp' and 0 < r[0]['expires_s'] <= 3600 and
r[0]['contact'].startswith('sip:') and r[0]['nat'] is False"
}

# The call as the socket shows it, before any media.
call_shown()
{
	want '{"cmd":"calls"}' "{\"cmd\":\"call\",\"id\":\"$CID\"}" --check "
len(r) == 4 and r[1] == {'end': True, 'count': 1} and r[0] == r[2] and
r[3] == {'end': True, 'count': 1} and r[0]['id'] == '$CID' and
r[0]['state'] == 'answered' and r[0]['media'] is True and
r[0]['caller']['signalling'] == '$ALICE:5060' and
len(r[0]['streams']) == 1 and
[l['side'] for l in r[0]['streams'][0]['legs']] == ['caller', 'callee'] and
r[0]['streams'][0]['legs'][0]['local'].startswith('$BOX_A:') and
r[0]['streams'][0]['legs'][1]['local'].startswith('$BOX_B:') and
r[0]['streams'][0]['legs'][0]['remote_rtp'] == '$ALICE:$ALICE_MP' and
r[0]['streams'][0]['legs'][1]['remote_rtp'] == '$BOB:$BOB_MP' and
sorted((f['from'], f['kind']) for f in r[0]['streams'][0]['flows']) ==
 [('callee', 'rtcp'), ('callee', 'rtp'), ('caller', 'rtcp'),
  ('caller', 'rtp')] and
all(f['path'] in ('none', 'relay') for f in r[0]['streams'][0]['flows'])"
}

# rtp_packets FROM OP N: the RTP flow from FROM has OP N packets, none
# dropped, and its RTP figures are there once any came.
rtp_packets()
{
	ask "{\"cmd\":\"call\",\"id\":\"$CID\"}" --check "
[f for f in r[0]['streams'][0]['flows']
 if f['from'] == '$1' and f['kind'] == 'rtp'][0]['packets'] $2 $3 and
all(sum(f['drops'].values()) == 0 for f in r[0]['streams'][0]['flows'])"
}

audio_counted()
{
	local n

	n=$(pcap_packets g711a)
	echo "# g711a.pcap: $n packets each way"
	ctl a play-g711a && ctl b play-g711a || return 1
	# counting up while the phones play, then exactly what they played
	if ! wait_for 3000 rtp_packets caller '>' 0 >/dev/null ||
		! wait_for 3000 rtp_packets callee '>' 0 >/dev/null; then
		echo "# no packets counted within 3 s"
		return 1
	fi
	if ! wait_for $(($(pcap_ms g711a) + 5000)) rtp_packets caller == "$n" \
		>/dev/null ||
		! wait_for 2000 rtp_packets callee == "$n" >/dev/null; then
		rtp_packets caller == "$n" && rtp_packets callee == "$n"
		return 1
	fi
	want "{\"cmd\":\"call\",\"id\":\"$CID\"}" --check "
all(f['path'] == 'relay' and f['rtp_seen'] and f['lost'] == 0 and
    f['expected'] == $n and f['jitter_ms'] >= 0 and f['latched']
    for f in r[0]['streams'][0]['flows'] if f['kind'] == 'rtp')"
}

status_shown()
{
	want '{"cmd":"status"}' '{"cmd":"flows","tag":9}' --check "
r[0]['ok'] and r[0]['version'] and r[0]['pid'] > 0 and
r[0]['fastpath'] == '$FASTPATH' and r[0]['calls'] == 1 and
r[0]['calls_answered'] == 1 and r[0]['registrations'] == 1 and
[i['name'] for i in r[0]['interfaces']] == ['a', 'b'] and
len(r) == 6 and all(f['call'] == '$CID' and f['tag'] == 9 for f in r[1:5])
and r[5] == {'end': True, 'count': 4, 'tag': 9}"
}

malformed()
{
	want '{"cmd":"status"' '{"cmd":"calls","id":"x"}' '{"cmd":"hangup"}' \
		'{"cmd":"bogus","tag":"t"}' '{"cmd":"status"}' --check "
r[0]['ok'] is False and r[0]['error'] == 'EINVAL' and
'malformed JSON at byte' in r[0]['message'] and
'does not apply' in r[1]['message'] and
'missing field' in r[2]['message'] and
r[3]['message'] == \"unknown command 'bogus'\" and r[3]['tag'] == 't' and
r[4]['ok'] is True and r[4]['calls'] == 1 and len(r) == 5"
}

metrics_counted()
{
	local n

	n=$(pcap_packets g711a)
	want_metric sipfpd_calls 1 &&
		want_metric sipfpd_registrations 1 &&
		want_metric 'sipfpd_media_packets_total{path="relay",interface="a"}' "$n" &&
		want_metric 'sipfpd_media_packets_total{path="relay",interface="b"}' "$n" &&
		want_metric 'sipfpd_media_drops_total{path="relay",interface="a"}' 0 &&
		metrics | grep -q '^# TYPE sipfpd_media_packets_total counter$' &&
		[ "$(ip netns exec "$proxy" curl -s -o /dev/null -w '%{http_code}' \
			http://127.0.0.1:9477/)" = 404 ]
}

reloaded()
{
	want '{"cmd":"reload"}' --check "r == [{'ok': True, 'reloaded': True}]" &&
		wait_for 1000 log_has "$LOG" "reloaded $CONF"
}

hung_up()
{
	want "{\"cmd\":\"hangup\",\"id\":\"$CID\"}" --check "
r == [{'ok': True, 'sessions': 1, 'byes': 2}]" &&
		wait_step 3000 a got-bye && wait_step 3000 b got-bye &&
		phones_rc a b &&
		want '{"cmd":"calls"}' "{\"cmd\":\"hangup\",\"id\":\"$CID\"}" \
			--check "r[0] == {'end': True, 'count': 0} and
r[1]['error'] == 'ENOENT'" &&
		media_line "media: end call=$CID reason=hangup "
}

# What ended stays counted.
metrics_after()
{
	local n

	n=$(pcap_packets g711a)
	want_metric sipfpd_calls 0 && want_metric sipfpd_calls_ended_total 1 &&
		want_metric 'sipfpd_media_packets_total{path="relay",interface="a"}' "$n" &&
		want_metric 'sipfpd_media_flows_ended_total{path="relay",interface="b"}' 1
}

socket_removed()
{
	proxy_stop && [ ! -e "$SOCK" ]
}

net_require curl
media_setup call
SOCK=$TMP_DIR/run/sipfpd.sock
# media_conf puts run_dir in $TMP_DIR/run
media_start "$ALICE" "interfaces = a=$BOX_A b=$BOX_B" "[general]" \
	"metrics = 9477"
wait_for 3000 test -S "$SOCK" || setup_fail "no control socket at $SOCK"

tap_plan 12

name="the control socket is made 0660 in run_dir"
case_ok socket_made
name="bob registers"
case_ok bob_registers
name="reg: bob's binding, then the end record"
case_ok registered

if alice_calls_bob; then
	name="calls, call ID: the call with its legs and four flows"
	case_ok call_shown
	name="call ID: RTP packets count up to what each phone played"
	case_ok audio_counted
	name="status and flows, a tag on every record"
	case_ok status_shown
	name="malformed and wrong requests refused, the next one answered"
	case_ok malformed
	name="GET /metrics: the call, its packets per interface, 404 elsewhere"
	case_ok metrics_counted
	name="reload over the socket"
	case_ok reloaded
	name="hangup: a BYE to each phone, the call gone"
	case_ok hung_up
	name="metrics: what ended stays counted"
	case_ok metrics_after
else
	for n in 1 2 3 4 5 6 7 8; do
		tap_skip "control case $n" "the call failed"
	done
	phones_stop a b
fi

name="SIGTERM stops sipfpd, the socket is removed"
case_ok socket_removed

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	show_logs
fi
tap_exit
