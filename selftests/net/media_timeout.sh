#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# The media timeout ([media] media_timeout = 2): a call whose phones stop
# sending, and one whose phones never send, are ended by sipfpd with a
# BYE to each phone in the dialog as the other side would send it (their
# tags, their Contact as Request-URI), no sooner than the timeout after
# the last packet and not much later; each phone answers 200 and its
# SIPp exits 0; sipfpd logs "media: end ... reason=timeout" and frees
# every relay port.
#
#   nsa                      proxy                          nsb
#   192.0.2.2 alice (SIPp)   192.0.2.1      198.51.100.1    198.51.100.2 bob
#   media :6000              sipfpd -d -v, no forwarding    (SIPp, registered)
#   trusted caller           media_timeout 2 s, quarantine 1 s

# shellcheck source=selftests/net/lib_media.sh
source "$(dirname "$0")/lib_media.sh"

# the VM runs everything ~10x slower: the timeout stretches with it
TIMEOUT_S=$((2 * ${SIPFP_WAIT_SCALE:-1}))

call()
{
	alice_calls_bob && T0=$(date +%s%3N)
}

# Both phones play a little, then fall silent; T0 is when the last of
# it had arrived.
media_then_silence()
{
	local ra rb

	ra=$(relay_ep a received '^SIP/2\.0 200 ')
	rb=$(relay_ep b received '^INVITE ')
	ctl a play-dtmf1 && ctl b play-dtmf2 &&
		wait_step 2000 a play-dtmf1 && wait_step 2000 b play-dtmf2 &&
		want_seen 3000 "$nsb" ev1 "$rb>$BOB:$BOB_MP $(pcap_packets dtmf_2833_1)" &&
		want_seen 3000 "$nsa" ev2 "$ra>$ALICE:$ALICE_MP $(pcap_packets dtmf_2833_2)" &&
		T0=$(date +%s%3N)
}

# Both phones get sipfpd's BYE, no sooner than the timeout after T0 (less
# what polling may have added to T0: each poll runs nft, up to a second on
# a busy machine, ten in the VM) and within 3 s more.
byes()
{
	local ms

	wait_step $(((TIMEOUT_S + 3) * 1000)) a got-bye &&
		wait_step 1000 b got-bye || return 1
	ms=$(($(date +%s%3N) - T0))
	echo "# BYEs in ${ms} ms"
	[ "$ms" -ge $((TIMEOUT_S * 1000 - 1000 * ${SIPFP_WAIT_SCALE:-1})) ]
}

# The BYE each phone got belongs to its dialog, sent as by the other.
bye_dialog()
{
	sipp_msg a received '^BYE ' | head -n 1 | expect_lines "alice's BYE" \
		"^BYE sip:$(q "$ALICE"):5060;transport=UDP SIP/2\.0\$" &&
		sipp_msg a received '^BYE ' | hdr From | expect_lines \
			"alice's BYE From" '^<sip:bob@sip\.test>;tag=[0-9]+SIPpTag01' &&
		sipp_msg a received '^BYE ' | hdr To | expect_lines \
			"alice's BYE To" '^<sip:alice@sip\.test>;tag=[0-9]+SIPpTag00' &&
		sipp_msg b received '^BYE ' | head -n 1 | expect_lines "bob's BYE" \
			"^BYE sip:bob@$(q "$BOB"):5060;transport=UDP SIP/2\.0\$" &&
		sipp_msg b received '^BYE ' | hdr From | expect_lines \
			"bob's BYE From" '^<sip:alice@sip\.test>;tag=[0-9]+SIPpTag00' &&
		sipp_msg b received '^BYE ' | hdr To | expect_lines \
			"bob's BYE To" '^<sip:bob@sip\.test>;tag=[0-9]+SIPpTag01'
}

# Both SIPps ended well; sipfpd says why the session ended, and what it
# forwarded (PACKETS_A from alice, PACKETS_B from bob).
ended()
{
	phones_rc a b || return 1
	wait_for 2000 media_line "media: end call=$CID reason=timeout " || {
		echo "# no 'media: end call=$CID reason=timeout' line"
		return 1
	}
	want_flow caller rtp packets="$1" && want_flow callee rtp packets="$2"
}

ports_freed()
{
	wait_for $(((QUARANTINE + 3) * 1000)) relay_free && return 0
	echo "# still bound after the quarantine:"
	ip netns exec "$proxy" ss -Huan | sed 's/^/#   /'
	return 1
}

media_setup call
media_start "$ALICE" "media_timeout = $TIMEOUT_S"

tap_plan 13

name="bob registers"
case_ok bob_registers

name="alice calls bob"
if case_ok call; then
	name="both play a little, then stop"
	case_ok media_then_silence
	name="${TIMEOUT_S} s after the last packet both phones get a BYE"
	case_ok byes
	name="the BYEs are in the dialog, as from the other side"
	case_ok bye_dialog
	name="both answer 200; sipfpd logs the end, reason=timeout"
	case_ok ended "$(pcap_packets dtmf_2833_1)" "$(pcap_packets dtmf_2833_2)"
else
	for n in 1 2 3 4; do
		tap_skip "timeout case $n" "the call failed"
	done
	phones_stop a b
fi

name="every relay port is closed after the quarantine"
case_ok ports_freed

CID=${CID%-1}-2
name="alice calls bob again; neither sends a packet"
if case_ok call; then
	name="${TIMEOUT_S} s after the answer both phones get a BYE"
	case_ok byes
	name="the BYEs are in the dialog, as from the other side"
	case_ok bye_dialog
	name="both answer 200; sipfpd logs the end, reason=timeout"
	case_ok ended 0 0
else
	for n in 1 2 3; do
		tap_skip "timeout case $n" "the call failed"
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
