#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# Media anchored on sipfpd's relay ([media] fastpath = relay): alice calls
# bob; each phone's SDP names sipfpd's address on its own side (ICE lines
# gone, a=rtcp on the relay's RTCP port, the rest kept, o= version going
# up); both play g711a.pcap (SIPp play_pcap_audio) and each receives
# every packet of the other's play, from the relay address and port its
# SDP named and from nowhere else, counted exactly by nftables in its
# namespace; hold (a=sendonly, answered recvonly) and resume, media
# flowing as they say; a re-INVITE moving alice's media to another
# address and port, where bob's then arrives while hers leaves from
# there; every relayed packet marked DSCP EF (the default); sipfpd's
# "media: flow" counters equal what the phones received;
# BYE ends the session and every relay port is closed after the
# quarantine.
#
#   nsa                      proxy                          nsb
#   192.0.2.2 alice (SIPp)   192.0.2.1      198.51.100.1    198.51.100.2 bob
#   192.0.2.12 (moved to)    sipfpd -d -v, no forwarding    (SIPp, registered)
#   media :6000, :6100       [media] interfaces = a=192.0.2.1 b=198.51.100.1
#   trusted caller           relay ports 40000-40099, quarantine 1 s
#
# Each phone counts what reaches it per kind (pcma, telephone-event N)
# and per (source, destination): lib_media.sh phone_sets.

# shellcheck source=selftests/net/lib_media.sh
source "$(dirname "$0")/lib_media.sh"

# The relay's address and port as each phone was told, by the SDP of
# the INVITE bob got and of the 200 alice got, for alice's INVITE with
# CSeq N (1 the call, 2 hold, 3 resume, 4 move).
relay_at_bob()
{
	sipp_sdp b received '^INVITE ' "${1:-1}" | sdp_media
}

relay_at_alice()
{
	sipp_sdp a received '^SIP/2\.0 200 ' "${1:-1}" | sdp_media
}

# sdp_for ADDR WHO: the relay's address and an even port of its range.
sdp_for()
{
	local a p

	read -r a p
	echo "# $2 is told $a:$p"
	[ "$a" = "$1" ] && [ -n "$p" ] && in_range "$p" && return 0
	echo "# want $1 and an even port in $PORT_MIN-$PORT_MAX"
	return 1
}

o_version()
{
	awk '/^o=/ { print $3; exit }'
}

offer_at_bob()
{
	local body port

	relay_at_bob | sdp_for "$BOX_B" bob || return 1
	body=$(sipp_sdp b received '^INVITE ')
	port=$(sdp_media <<<"$body")
	port=${port#* }
	grep -v '^c=\|^m=\|^o=' <<<"$body" | expect_lines "bob's offer" \
		'^v=0$' '^s=-$' '^t=0 0$' '^a=rtpmap:8 PCMA/8000$' \
		'^a=rtpmap:101 telephone-event/8000$' '^a=ptime:20$' \
		"^a=rtcp:$((port + 1))( IN IP4 $(q "$BOX_B"))?\$" '^a=sendrecv$' &&
		grep '^o=' <<<"$body" | expect_lines "bob's o= line" \
			'^o=[^ ]+ [0-9]+ [0-9]+ IN IP4 [0-9.]+$'
}

answer_at_alice()
{
	relay_at_alice | sdp_for "$BOX_A" alice
}

# While the call lasts, sipfpd holds all four ports (RTP, RTCP per side).
ports_bound()
{
	local a p x

	for x in "$(relay_at_alice)" "$(relay_at_bob)"; do
		read -r a p <<<"$x"
		if ! relay_bound "$a" "$p" || ! relay_bound "$a" $((p + 1)); then
			echo "# nothing bound on $a:$p or $a:$((p + 1))"
			return 1
		fi
	done
}

# RELAY_A, RELAY_B: "ADDR:PORT" of the relay as alice and bob know it.
relays()
{
	local x

	x=$(relay_at_alice "${1:-1}")
	RELAY_A=${x/ /:}
	x=$(relay_at_bob "${2:-1}")
	RELAY_B=${x/ /:}
}

audio()
{
	local n ms

	n=$(pcap_packets g711a)
	ms=$(($(pcap_ms g711a) + 5000))
	relays
	echo "# g711a.pcap: $n packets"
	ctl a play-g711a && ctl b play-g711a &&
		wait_step 2000 a play-g711a && wait_step 2000 b play-g711a &&
		want_seen "$ms" "$nsb" pcma "$RELAY_B>$BOB:$BOB_MP $n" &&
		want_seen 1000 "$nsa" pcma "$RELAY_A>$ALICE:$ALICE_MP $n"
}

# RFC 3264 §8.4: alice puts bob on hold with a=sendonly; bob answers
# recvonly. Her telephone-events (ev1) still reach him through the relay.
hold()
{
	local n

	n=$(pcap_packets dtmf_2833_1)
	ctl a hold && wait_step 3000 a hold &&
		wait_step 1000 b reinvite-recvonly || return 1
	sipp_sdp b received '^INVITE ' 2 | grep '^a=.*only$' |
		expect_lines "bob's held offer" '^a=sendonly$' &&
		sipp_sdp a received '^SIP/2\.0 200 ' 2 | grep '^a=.*only$' |
		expect_lines "alice's held answer" '^a=recvonly$' &&
		relay_at_bob 2 | sdp_for "$BOX_B" bob &&
		relay_at_alice 2 | sdp_for "$BOX_A" alice || return 1
	relays 2 2
	ctl a play-dtmf1 && wait_step 2000 a play-dtmf1 &&
		want_seen 3000 "$nsb" ev1 "$RELAY_B>$BOB:$BOB_MP $n"
}

resume()
{
	local n2 n3

	n2=$(pcap_packets dtmf_2833_2)
	n3=$(pcap_packets dtmf_2833_3)
	ctl a resume && wait_step 3000 a resume &&
		wait_step 1000 b reinvite-sendrecv || return 1
	sipp_sdp b received '^INVITE ' 3 | grep '^a=send' |
		expect_lines "bob's resumed offer" '^a=sendrecv$' &&
		relay_at_bob 3 | sdp_for "$BOX_B" bob &&
		relay_at_alice 3 | sdp_for "$BOX_A" alice || return 1
	relays 3 3
	ctl a play-dtmf2 && ctl b play-dtmf3 &&
		wait_step 2000 a play-dtmf2 && wait_step 2000 b play-dtmf3 &&
		want_seen 3000 "$nsb" ev2 "$RELAY_B>$BOB:$BOB_MP $n2" &&
		want_seen 1000 "$nsa" ev3 "$RELAY_A>$ALICE:$ALICE_MP $n3"
}

# Each SDP sipfpd sent a phone has a higher o= version than the last,
# or the same version and the very same SDP (RFC 3264 §8: nothing that
# phone sees changed).
versions_up()
{
	local who dir pat i v last body prev

	for who in "b received ^INVITE " "a received ^SIP/2\.0 200 "; do
		read -r who dir pat <<<"$who"
		last=-1 prev=
		for i in 1 2 3 4; do
			body=$(sipp_sdp "$who" "$dir" "$pat" "$i")
			v=$(o_version <<<"$body")
			if [ -z "$v" ] || [ "$v" -lt "$last" ] ||
			   { [ "$v" -eq "$last" ] && [ "$body" != "$prev" ]; }; then
				echo "# $who: o= version ${v:-none} after $last"
				return 1
			fi
			last=$v prev=$body
		done
	done
}

# alice moves her media to $ALICE2:$ALICE2_MP: bob's telephone-events
# (ev4) arrive there and no longer at her first address; hers (ev5, sent
# by rtp.py from there, SIPp cannot) reach bob. Bob is told nothing new,
# the same SDP: his side of the relay stays where it was.
move()
{
	local n4 n5 pid rc

	n4=$(pcap_packets dtmf_2833_4)
	n5=$(pcap_packets dtmf_2833_5)
	ctl a move && wait_step 3000 a move &&
		wait_step 1000 b reinvite-sendrecv 2 || return 1
	relay_at_bob 4 | sdp_for "$BOX_B" bob &&
		relay_at_alice 4 | sdp_for "$BOX_A" alice || return 1
	relays 4 4
	ip netns exec "$nsa" python3 "$RTP_PY" play --bind "$ALICE2:$ALICE2_MP" \
		--to "$RELAY_A" --linger 3000 "$PCAPS/dtmf_2833_5.pcap" \
		>"$TMP_DIR/move.out" 2>&1 &
	pid=$!
	BG_PIDS+=("$pid")
	ctl b play-dtmf4 && wait_step 2000 b play-dtmf4 &&
		want_seen 3000 "$nsa" ev4 "$RELAY_A>$ALICE2:$ALICE2_MP $n4" &&
		want_seen 3000 "$nsb" ev5 "$RELAY_B>$BOB:$BOB_MP $n5"
	rc=$?
	wait_for 5000 gone "$pid"
	wait "$pid" || { cat "$TMP_DIR/move.out"; return 1; }
	return "$rc"
}

# [media] dscp: EF (46, RFC 3246) unless set.
dscp_ef()
{
	want_seen 0 "$nsa" notef "" && want_seen 0 "$nsb" notef ""
}

# Nothing reached either phone but what the cases above counted.
nothing_else()
{
	want_seen 0 "$nsa" other "" && want_seen 0 "$nsb" other "" &&
		want_seen 0 "$nsa" ev1 "" && want_seen 0 "$nsa" ev2 "" &&
		want_seen 0 "$nsb" ev3 "" && want_seen 0 "$nsb" ev4 "" &&
		want_seen 0 "$nsa" ev5 ""
}

# The phones end (or are ended: they hold their ports) either way.
hangup()
{
	local ok=0

	ctl a bye && wait_step 3000 a bye && wait_step 1000 b got-bye || ok=1
	phones_rc a b && return "$ok"
}

# sipfpd's counters for the session, logged when it ends: every packet
# forwarded, none dropped, no RTCP (SIPp sends none).
counted()
{
	local ng na nb

	wait_for 3000 media_line "media: end call=$CID reason=bye " || {
		echo "# no 'media: end call=$CID reason=bye' line"
		return 1
	}
	ng=$(pcap_packets g711a)
	na=$((ng + $(pcap_packets dtmf_2833_1) + $(pcap_packets dtmf_2833_2) +
	      $(pcap_packets dtmf_2833_5)))
	nb=$((ng + $(pcap_packets dtmf_2833_3) + $(pcap_packets dtmf_2833_4)))
	media_line "media: start call=$CID streams=1" &&
		want_flow caller rtp packets="$na" drop_source=0 \
			drop_no_peer=0 drop_send=0 &&
		want_flow callee rtp packets="$nb" drop_source=0 \
			drop_no_peer=0 drop_send=0 &&
		want_flow caller rtcp packets=0 &&
		want_flow callee rtcp packets=0 &&
		want_path caller rtp && want_path callee rtp
}

ports_freed()
{
	wait_for $(((QUARANTINE + 3) * 1000)) relay_free && return 0
	echo "# still bound after the quarantine:"
	ip netns exec "$proxy" ss -Huan | sed 's/^/#   /'
	return 1
}

media_setup call
media_start "$ALICE" "interfaces = a=$BOX_A b=$BOX_B"

tap_plan 16

name="bob registers"
case_ok bob_registers

name="alice calls bob through sipfpd: INVITE, 200, ACK"
if case_ok alice_calls_bob; then
	name="bob's INVITE: sipfpd's address on his side, ICE gone, the rest kept"
	case_ok offer_at_bob
	name="alice's 200: sipfpd's address on her side"
	case_ok answer_at_alice
	name="sipfpd holds the RTP and RTCP ports it offered, both sides"
	case_ok ports_bound
	name="g711a both ways: every packet arrives, from the relay only"
	case_ok audio
	name="hold (sendonly, recvonly): alice's media still reaches bob"
	case_ok hold
	name="resume (sendrecv): media both ways again"
	case_ok resume
	name="re-INVITE to a new address: media arrives and leaves there"
	case_ok move
	name="every SDP a phone got has a higher o= version, or is the same"
	case_ok versions_up
	name="nothing else reached either phone"
	case_ok nothing_else
	name="every packet the relay sent the phones is marked DSCP EF"
	case_ok dscp_ef
	name="alice hangs up: BYE, 200"
	case_ok hangup
	name="media: flow counters equal what the phones got, nothing dropped"
	case_ok counted
else
	for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
		tap_skip "media case $n" "the call failed"
	done
	phones_stop a b
fi

name="every relay port is closed after the quarantine"
case_ok ports_freed

name="SIGTERM stops sipfpd with exit 0"
case_ok proxy_stop

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	show_logs
fi
tap_exit
