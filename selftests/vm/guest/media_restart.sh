#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests-vm-net: yes
# shellcheck disable=SC2317 # the cases run through case_ok
#
# sipfpd restarts in the middle of a call whose media the kernel carries
# (fastpath = kmod): both phones play g711a.pcap; sipfpd gets SIGTERM
# while they do and exits, leaving its flows in sipfp.ko; a new sipfpd
# adopts them ("media: adopted 4 flows of 1 calls"); every packet of
# both plays arrives, the ones sent while no sipfpd ran included. Then
# alice hangs up through the new sipfpd, which ends the adopted call:
# no flow is left in the kernel and every relay port closes.
#
#   nsa                      proxy                          nsb
#   192.0.2.2 alice (SIPp)   192.0.2.1      198.51.100.1    198.51.100.2 bob
#   media :6000              sipfpd (kmod), sipfp.ko        (SIPp, registered)
#   trusted caller           SIGTERM, then a new sipfpd
#
# Only the kernel path outlives the daemon, so this runs in the VM
# (selftests/vm), which loads sipfp.ko and sets FASTPATH=kmod.

here=$(dirname "$0")
# shellcheck source=selftests/net/lib_media.sh
source "$here/../../net/lib_media.sh"

NL_API=$here/nl_api.py
[ "$FASTPATH" = kmod ] ||
	ksft_exit_skip "only a kernel fast path outlives sipfpd: run in the VM (selftests/vm/kmod_vm.sh)"

kernel_flows()
{
	ip netns exec "$proxy" python3 "$NL_API" stats --field flows
}

# Both phones start playing; sipfpd is stopped before either play has
# fully arrived, so part of it crosses the box with no sipfpd running.
restart_mid_call()
{
	local n ra rb x

	n=$(pcap_packets g711a)
	x=$(sipp_sdp a received '^SIP/2\.0 200 ' | sdp_media)
	ra=${x/ /:}
	x=$(sipp_sdp b received '^INVITE ' | sdp_media)
	rb=${x/ /:}
	ctl a play-g711a && ctl b play-g711a &&
		wait_step 2000 a play-g711a && wait_step 2000 b play-g711a &&
		proxy_stop || return 1
	MID=$(seen_total "$nsb" pcma)
	echo "# $MID of $n packets had reached bob when sipfpd had exited"
	[ "$MID" -lt "$n" ] || return 1
	media_start "$ALICE" "interfaces = a=$BOX_A b=$BOX_B"
	wait_for 3000 media_line "media: adopted 4 flows of 1 calls" || {
		grep -e adopt -e 'fast path' "$LOG" | sed 's/^/# /'
		return 1
	}
	want_seen 30000 "$nsb" pcma "$rb>$BOB:$BOB_MP $n" &&
		want_seen 3000 "$nsa" pcma "$ra>$ALICE:$ALICE_MP $n"
}

# The adopted flows end with the call, through the new sipfpd.
hangup()
{
	ctl a bye && wait_step 3000 a bye && wait_step 1000 b got-bye &&
		phones_rc a b || return 1
	wait_for 3000 media_line "media: end adopted call=" &&
		wait_for 3000 test "$(kernel_flows)" = 0 || {
		echo "# kernel flows: $(kernel_flows)"
		return 1
	}
}

ports_freed()
{
	wait_for $(((QUARANTINE + 3) * 1000)) relay_free && return 0
	ip netns exec "$proxy" ss -Huan \
		"sport >= :$PORT_MIN and sport <= :$PORT_MAX" | sed 's/^/# /'
	return 1
}

media_setup call
media_start "$ALICE" "interfaces = a=$BOX_A b=$BOX_B"

tap_plan 5

name="bob registers"
case_ok bob_registers

name="alice calls bob through sipfpd on the kernel path"
if case_ok alice_calls_bob; then
	name="sipfpd restarts mid-call: flows adopted, every packet arrives"
	case_ok restart_mid_call
	name="alice hangs up: the new sipfpd ends the adopted call's flows"
	case_ok hangup
else
	tap_skip "restart" "the call failed"
	tap_skip "hangup" "the call failed"
	phones_stop a b
fi

name="every relay port is closed after the quarantine"
case_ok ports_freed

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	show_logs
fi
tap_exit
