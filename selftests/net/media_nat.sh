#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# A phone behind a masquerading NAT gets two-way audio by latching, and a
# third host gets nothing out of the relay (RTP Bleed, media injection).
# carol registers through the NAT; bob calls her; her SDP names her
# private address, which sipfpd cannot reach, so her side of the relay
# learns the NAT's address and port from her first RTP ("media: latched"
# with the NAT's address). The sprayer, on the bridge beside the NAT,
# sends RTP-shaped packets marked with its own SSRC at the four relay
# ports and across the whole relay range on both of sipfpd's addresses:
# before anyone sends, while carol latches, and after; after latching
# also with the right address and a wrong port (spoofed: the NAT's
# address for carol's side, bob's for his), and before it from carol's
# private address, the one her SDP names. None of its packets reaches a
# phone or comes back to it, both phones still get every packet of each
# other's plays afterwards, and sipfpd counts every sprayed packet that
# hit a relay port as dropped for its source (exactly) and logs source
# mismatches.
#
#   nsb                  proxy                     bridge br0 (in proxy)
#   198.51.100.2 bob --- 198.51.100.1              203.0.113.1/25
#   (SIPp, trusted)      192.0.2.1 (nsa, idle)      |-- nat 203.0.113.2
#   media :7000          sipfpd -d -v, relay ports  |     masquerade random
#                        40000-40099, no forwarding |     203.0.113.129 --
#                        rp_filter off               |       carol 203.0.113.130
#                                                   |       (SIPp, media :8000)
#                                                   |-- spray 203.0.113.3

# shellcheck source=selftests/net/lib_media.sh
source "$(dirname "$0")/lib_media.sh"

probes()
{
	probe_sets "$nsb" "$BOB" && probe_sets "$natc" "$PC" &&
		probe_sets "$spray" "$SPRAYER"
}

carol_registers()
{
	phone creg "$natc" register.xml u1 "$PC" "$BOX_N:5060" -p 5060 \
		-s carol -ap "${PW[carol]}" -auth_uri "$DOMAIN" \
		-key domain "$DOMAIN" -key expires 3600
}

call()
{
	call_up b "$nsb" "$BOB" "$BOB_MP" -- c "$natc" "$PC" "$CAROL_MP" \
		-s carol -- -s carol -key me "bob@$DOMAIN"
}

# RELAY_B, RELAY_C: "ADDR:PORT" of the relay as bob and carol know it.
relays()
{
	RELAY_B=$(relay_ep b received '^SIP/2\.0 200 ')
	RELAY_C=$(relay_ep c received '^INVITE ')
}

sdps()
{
	local mine

	relays
	mine=$(sipp_sdp c sent '^SIP/2\.0 200 ' | sdp_media)
	echo "# carol is told $RELAY_C, bob $RELAY_B; carol's SDP says ${mine/ /:}"
	[ "${RELAY_C%:*}" = "$BOX_N" ] && in_range "${RELAY_C##*:}" &&
		[ "${RELAY_B%:*}" = "$BOX_B" ] && in_range "${RELAY_B##*:}" &&
		[ "$mine" = "$PC $CAROL_MP" ]
}

targets()
{
	echo "$RELAY_B,$(rtcp_of "$RELAY_B"),$RELAY_C,$(rtcp_of "$RELAY_C")"
}

ranges()
{
	echo --range "$BOX_B:$PORT_MIN-$PORT_MAX" \
		--range "$BOX_N:$PORT_MIN-$PORT_MAX"
}

# No marked packet at a phone, nothing at all from the box at the sprayer.
nothing_sprayed()
{
	local l

	want_seen 0 "$nsb" spray "" && want_seen 0 "$natc" spray "" || return 1
	for l in $LABELS; do
		want_seen 0 "$spray" "$l" "" || return 1
	done
	[ "$(sprayed received)" -eq 0 ] ||
		{ echo "# the sprayer got $(sprayed received) packets back"; return 1; }
}

# Before anyone sends: from the sprayer's address, and from carol's
# private address (what her SDP says; her signalling came through the
# NAT, so only the NAT's address may latch her side).
before()
{
	# shellcheck disable=SC2046 # ranges is several words by design
	sprayer before --to "$(targets)" $(ranges) --rounds 3 &&
		sprayer before-pc --spoof "$PC:$CAROL_MP" \
			--to "$RELAY_C,$(rtcp_of "$RELAY_C")" --rounds 3 &&
		nothing_sprayed || return 1
	! media_line "media: latched call=$CID " ||
		{ grep -F "media: latched call=$CID " "$LOG" | sed 's/^/# /'; return 1; }
}

# latched SIDE: the src= of the first "media: latched" line of that side's
# RTP, empty while there is none.
latched()
{
	sed -n "s/.* media: latched call=$CID stream=0 side=$1 kind=rtp src=\([^ ]*\)\$/\1/p" \
		"$LOG" | head -n 1
}

latched_now()
{
	[ -n "$(latched "$1")" ]
}

# carol plays first, the sprayer at it all the while: her side latches
# to the NAT's address. Then bob plays (his packets have somewhere to go).
latching()
{
	local n ms src

	# shellcheck disable=SC2046 # ranges is several words by design
	sprayer during --to "$(targets)" --rounds 150 --gap-ms 10 &
	SPRAY_PID=$!
	BG_PIDS+=("$SPRAY_PID")
	ctl c play-g711a && wait_step 2000 c play-g711a || return 1
	wait_for 3000 latched_now callee ||
		{ echo "# carol's side did not latch"; return 1; }
	src=$(latched callee)
	echo "# carol's side latched to $src"
	NAT_PORT=${src##*:}
	[ "${src%:*}" = "$NAT_OUT" ] || return 1
	ctl b play-g711a && wait_step 2000 b play-g711a || return 1
	n=$(pcap_packets g711a)
	ms=$(($(pcap_ms g711a) + 5000))
	want_seen "$ms" "$natc" pcma "$RELAY_C>$PC:$CAROL_MP $n" &&
		want_seen 1000 "$nsb" pcma "$RELAY_B>$BOB:$BOB_MP $n"
}

during()
{
	wait_for 5000 gone "$SPRAY_PID" || return 1
	wait "$SPRAY_PID" && nothing_sprayed
}

# After latching: from the sprayer's address again, and spoofed from the
# right address with a wrong port at the latched RTP ports (the RTCP
# ones have not latched: any port of the right address may still).
after()
{
	# shellcheck disable=SC2046 # ranges is several words by design
	sprayer after --to "$(targets)" $(ranges) --rounds 3 &&
		sprayer after-nat --spoof "$NAT_OUT:$((NAT_PORT ^ 1))" \
			--to "$RELAY_C" --rounds 5 &&
		sprayer after-bob --spoof "$BOB:$((BOB_MP ^ 1))" \
			--to "$RELAY_B" --rounds 5 &&
		nothing_sprayed
}

# The relay still sends each phone's media to the other, nowhere else.
still()
{
	local n1 n2

	n1=$(pcap_packets dtmf_2833_1)
	n2=$(pcap_packets dtmf_2833_2)
	ctl c play-dtmf1 && ctl b play-dtmf2 &&
		wait_step 2000 c play-dtmf1 && wait_step 2000 b play-dtmf2 &&
		want_seen 3000 "$nsb" ev1 "$RELAY_B>$BOB:$BOB_MP $n1" &&
		want_seen 3000 "$natc" ev2 "$RELAY_C>$PC:$CAROL_MP $n2" &&
		want_seen 0 "$nsb" other "" && want_seen 0 "$natc" other ""
}

# The phones end (or are ended: they hold their ports) either way.
hangup()
{
	local ok=0

	ctl b bye && wait_step 3000 b bye && wait_step 1000 c got-bye || ok=1
	phones_rc b c && return "$ok"
}

# Every sprayed packet that reached a relay port is counted against its
# flow, none forwarded; latched only to the phones; mismatches logged.
counted()
{
	local ng sb sbr sc scr

	wait_for 3000 media_line "media: end call=$CID reason=bye " || {
		echo "# no 'media: end call=$CID reason=bye' line"
		return 1
	}
	ng=$(pcap_packets g711a)
	sb=$(sprayed "$RELAY_B")
	sbr=$(sprayed "$(rtcp_of "$RELAY_B")")
	sc=$(sprayed "$RELAY_C")
	scr=$(sprayed "$(rtcp_of "$RELAY_C")")
	echo "# sprayed: $RELAY_B $sb, RTCP $sbr; $RELAY_C $sc, RTCP $scr"
	want_flow caller rtp packets=$((ng + $(pcap_packets dtmf_2833_2))) \
		drop_source="$sb" drop_no_peer=0 drop_send=0 &&
		want_flow caller rtcp packets=0 drop_source="$sbr" &&
		want_flow callee rtp \
			packets=$((ng + $(pcap_packets dtmf_2833_1))) \
			drop_source="$sc" drop_no_peer=0 drop_send=0 &&
		want_flow callee rtcp packets=0 drop_source="$scr" || return 1
	grep -F " media: latched call=$CID " "$LOG" |
		grep -v -e " side=caller kind=rtp src=$BOB:$BOB_MP\$" \
			-e " side=callee kind=rtp src=$NAT_OUT:$NAT_PORT\$" |
		expect_lines "latched to anyone else" &&
		media_line "media: source mismatch call=$CID stream=0 side=callee kind=rtp src=$SPRAYER:" &&
		media_line "media: source mismatch call=$CID stream=0 side=caller kind=rtp src=$SPRAYER:"
}

ports_freed()
{
	wait_for $(((QUARANTINE + 3) * 1000)) relay_free && return 0
	echo "# still bound after the quarantine:"
	ip netns exec "$proxy" ss -Huan | sed 's/^/#   /'
	return 1
}

media_setup nat
# the window and the timeout stretch as the bounds do where everything
# runs slower (the VM), or the spraying outlasts them. Keep-alives as
# CRLF (proxy_nat.sh tests the OPTIONS kind): carol's SIPp waits for an
# INVITE and aborts on an OPTIONS, which falls anywhere in its interval,
# before the INVITE where the call comes slowly (seen in the VM); a CRLF
# it discards, and without keep-alives her NAT forgets her by the BYE
media_start "$BOB" "latch_window = $((10 * ${SIPFP_WAIT_SCALE:-1}))" \
	"media_timeout = $((60 * ${SIPFP_WAIT_SCALE:-1}))" \
	"[nat]" "keepalive_method = crlf"

tap_plan 13

name="the phones' and the sprayer's counters see a marked packet"
case_ok probes

name="carol registers through the NAT"
case_ok carol_registers

name="bob calls carol behind the NAT: INVITE, 200, ACK"
if case_ok call; then
	name="each is told sipfpd's address on their side; carol's SDP is private"
	case_ok sdps
	name="sprayed before anyone sends (also as carol's SDP address): nothing"
	case_ok before
	name="carol's side latches to the NAT; g711a both ways, every packet"
	case_ok latching
	name="sprayed while carol latched: nothing reached a phone or came back"
	case_ok during
	name="sprayed after latching, right address and wrong port too: nothing"
	case_ok after
	name="after all that, media still goes to the phones and only there"
	case_ok still
	name="bob hangs up: BYE, 200"
	case_ok hangup
	name="sipfpd dropped every sprayed packet for its source, latched right"
	case_ok counted
else
	for n in 1 2 3 4 5 6 7 8; do
		tap_skip "media case $n" "the call failed"
	done
	phones_stop b c
fi

name="every relay port is closed after the quarantine"
case_ok ports_freed

name="SIGTERM stops sipfpd with exit 0"
case_ok proxy_stop

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	show_logs
fi
tap_exit
