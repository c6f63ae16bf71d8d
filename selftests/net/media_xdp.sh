#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# The XDP fast path ([media] fastpath = xdp) carrying a call's media, by
# its own counters: sipfp_xdp runs natively on the box's three veths with
# its maps pinned per network namespace and the daemon's heartbeat ahead
# of the clock. Alice calls bob and both play g711a.pcap: each receives
# every packet; the relay latches each flow's first packets and XDP
# forwards the rest, so the program's FWD_REDIRECT and PASS_LATCH add up
# to what the phones sent (FWD_TX none: no packet leaves where it came
# in) and every flow line says path=xdp with the phone's packets. A
# third host sprays the four relay ports from its own address and the
# RTP ports also spoofed from each phone's address with the wrong port:
# XDP drops exactly what hit a strict RTP port (DROP_SOURCE), the relay
# what hit a still latching RTCP port, the flow lines count both, and
# nothing reaches a phone or comes back. Captures at the phones find
# every IP and UDP checksum XDP rewrote right. A second call's media
# goes on while sipfpd gets SIGTERM, which leaves the program attached
# and its maps pinned, and a new one starts: the program forwards with
# no sipfpd running, the new one adopts the flows, every packet arrives,
# and its hang-up empties the flow map. SIGTERM with no call up then
# detaches the program and removes its pins.
#
#   nsa                     proxy                             nsb
#   192.0.2.2 alice ---- eth1 192.0.2.1   198.51.100.1 eth2 ---- bob
#   (SIPp, trusted)         sipfpd -d -v, fastpath = xdp      198.51.100.2
#   media :6000             sipfp_xdp native on eth1-3        (SIPp) :7000
#                           forwarding on, but a forward chain
#                           dropping all; rp_filter off
#                           eth3 203.0.113.1
#                             |
#                           spray 203.0.113.3 (rtp.py spray)

export FASTPATH=xdp
# shellcheck source=selftests/net/lib_media.sh
source "$(dirname "$0")/lib_media.sh"

XDP_H=daemon/bpf/sipfp_xdp.h
ROUNDS=5
# the RTCP flows still latch when the sprayer comes (their phones send
# no RTCP): the relay judges those packets, XDP passes them up
LATCH_S=$((60 * ${SIPFP_WAIT_SCALE:-1}))

# The third host, on a veth of its own to the box.
sprayer_host()
{
	setup_ns spray
	veth_pair "$spray" eth0 "$proxy" eth3
	addr "$proxy" eth3 "$BOX_N/25"
	addr "$spray" eth0 "$SPRAYER/25"
	ip -n "$spray" route add default via "$BOX_N" ||
		setup_fail "default route of $spray"
	# shellcheck disable=SC2016 # expanded by that sh
	ip netns exec "$proxy" sh -c \
		'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >"$f"; done' ||
		setup_fail "rp_filter off in $proxy"
	phone_sets "$spray"
	xdp_peer "$spray" eth0
}

pins()
{
	echo "$BPFFS/sipfp/$(stat -L -c %i "/run/netns/$proxy")"
}

# xstats: "NAME VALUE" for each sipfp_xstats slot, summed over the CPUs,
# named as in sipfp_xdp.h's enum (FWD_TX, FWD_REDIRECT, ...).
xstats()
{
	bpftool -j map dump pinned "$(pins)/sipfp_xstats" | python3 -c '
import json, re, sys
names = re.findall(r"^\s*SIPFP_XDP_X_(\w+),", open(sys.argv[1]).read(), re.M)
for e in json.load(sys.stdin):
    f = e["formatted"]
    if f["key"] < len(names) and names[f["key"]] != "MAX":
        print(names[f["key"]], sum(v["value"] for v in f["values"]))
' "$XDP_H"
}

# xstat NAME [FILE]: one counter, now or as FILE (xstats' output) had it.
xstat()
{
	if [ -n "${2:-}" ]; then
		awk -v n="$1" '$1 == n { print $2 }' "$2"
	else
		xstats | awk -v n="$1" '$1 == n { print $2 }'
	fi
}

# xstats_save NAME: the counters now, in $TMP_DIR/xstats.NAME.
xstats_save()
{
	xstats >"$TMP_DIR/xstats.$1" && [ -s "$TMP_DIR/xstats.$1" ]
}

# want_xstats SINCE NAME=DELTA...: each counter grew by exactly DELTA
# since xstats_save SINCE; every counter not named did not move, but
# PASS_NO_FLOW (SIP and whatever else is not media) and PASS_FRAGMENT.
want_xstats()
{
	local since=$TMP_DIR/xstats.$1 n v was now ok=0
	declare -A want=()

	shift
	for n in "$@"; do
		want[${n%%=*}]=${n#*=}
	done
	while read -r n was; do
		# IPv6 without a UDP header right behind (the hosts' neighbour
		# discovery and MLD) counts as FRAGMENT
		case $n in
		PASS_NO_FLOW | PASS_FRAGMENT) continue ;;
		esac
		now=$(xstat "$n")
		v=${want[$n]:-0}
		if [ "$((now - was))" -ne "$v" ]; then
			echo "# xstat $n: +$((now - was)), want +$v"
			ok=1
		fi
	done <"$since"
	[ "$ok" -eq 0 ] || xstats | sed 's/^/#   /'
	return "$ok"
}

# flows_in_map: how many entries sipfp_flows holds.
flows_in_map()
{
	bpftool -j map dump pinned "$(pins)/sipfp_flows" |
		python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# The program in driver mode on eth1-3 (media_start checked it), its
# maps pinned under /sys/fs/bpf/sipfp/<netns inode>/, and the daemon's
# heartbeat ahead of the clock by at least a minute.
attached()
{
	local m ahead

	for m in sipfp_flows sipfp_stats sipfp_xstats sipfp_tx sipfp_vlans \
		 sipfp_vlan_dev sipfp_ctl; do
		[ -e "$(pins)/$m" ] || { echo "# no $(pins)/$m"; return 1; }
	done
	ahead=$(bpftool -j map dump pinned "$(pins)/sipfp_ctl" | python3 -c '
import json, sys, time
c = json.load(sys.stdin)[0]["formatted"]["value"]
print((c["alive_until_ns"] - time.monotonic_ns()) // 10**9)')
	echo "# heartbeat ${ahead} s ahead"
	[ "$ahead" -ge 55 ] && xdp_native
}

relays()
{
	RELAY_A=$(relay_ep a received '^SIP/2\.0 200 ')
	RELAY_B=$(relay_ep b received '^INVITE ')
}

# Both phones play g711a; each gets every packet of the other's play,
# from the relay. XDP forwarded all of them but those the relay saw
# while it latched each flow (at least the first of each).
audio()
{
	local n ms fwd latch

	n=$(pcap_packets g711a)
	ms=$(($(pcap_ms g711a) + 5000))
	relays
	xstats_save audio && capture_start cap-a "$nsa" &&
		capture_start cap-b "$nsb" || return 1
	ctl a play-g711a && ctl b play-g711a &&
		wait_step 2000 a play-g711a && wait_step 2000 b play-g711a &&
		want_seen "$ms" "$nsb" pcma "$RELAY_B>$BOB:$BOB_MP $n" &&
		want_seen 1000 "$nsa" pcma "$RELAY_A>$ALICE:$ALICE_MP $n" ||
		return 1
	latch=$(($(xstat PASS_LATCH) - $(xstat PASS_LATCH "$TMP_DIR/xstats.audio")))
	fwd=$((2 * n - latch))
	echo "# $((2 * n)) packets: $fwd through XDP, $latch while latching"
	[ "$latch" -ge 2 ] && [ "$fwd" -gt 0 ] &&
		want_xstats audio FWD_REDIRECT="$fwd" PASS_LATCH="$latch"
}

declare -A CAP_PID

# capture_start NAME NS: what reaches NS's eth0 over UDP but SIP, into
# NAME.pcap, from now on.
capture_start()
{
	rm -f "$TMP_DIR/$1".*
	ip netns exec "$2" tcpdump -i eth0 -Q in -n -U -Z root -w "$TMP_DIR/$1.pcap" \
		udp and not port 5060 2>"$TMP_DIR/$1.tcpdump" &
	CAP_PID[$1]=$!
	BG_PIDS+=("$!")
	wait_for 3000 grep -q "listening on" "$TMP_DIR/$1.tcpdump" ||
		{ sed 's/^/# /' "$TMP_DIR/$1.tcpdump"; return 1; }
}

capture_stop()
{
	kill -INT "${CAP_PID[$1]}" 2>/dev/null
	wait_for 3000 gone "${CAP_PID[$1]}"
	wait "${CAP_PID[$1]}" 2>/dev/null
}

# csum_ok NAME N: NAME.pcap holds N packets, every IP and UDP checksum
# right (nftables counts before the UDP checksum is checked, and SIPp's
# caller never reads its media socket: the stack would not tell).
csum_ok()
{
	local got expect="packets=$2 bad_ip=0 bad_udp=0"

	capture_stop "$1"
	got=$(python3 "$RTP_PY" csum "$TMP_DIR/$1.pcap")
	[ "$got" = "$expect" ] && return 0
	echo "# $1.pcap: $got, want $expect"
	return 1
}

# XDP rewrote addresses and ports: every checksum holds in what the
# phones captured of each other's play.
checksums()
{
	local n ok=0

	n=$(pcap_packets g711a)
	csum_ok cap-a "$n" || ok=1
	csum_ok cap-b "$n" || ok=1
	return "$ok"
}

# From the sprayer's address at all four relay ports; spoofed from each
# phone's address with its RTCP port at that phone's RTP relay port
# (the RTCP relay ports would latch to it). Nothing reaches a phone or
# comes back; XDP drops what hit an RTP port, passes up the rest.
spray()
{
	local l rtp rtcp

	xstats_save spray || return 1
	sprayer own --rounds "$ROUNDS" \
		--to "$RELAY_A,$(rtcp_of "$RELAY_A"),$RELAY_B,$(rtcp_of "$RELAY_B")" &&
		sprayer as-alice --spoof "$ALICE:$((ALICE_MP + 1))" \
			--to "$RELAY_A" --rounds "$ROUNDS" &&
		sprayer as-bob --spoof "$BOB:$((BOB_MP + 1))" \
			--to "$RELAY_B" --rounds "$ROUNDS" || return 1
	want_seen 0 "$nsa" spray "" && want_seen 0 "$nsb" spray "" || return 1
	for l in $LABELS; do
		want_seen 0 "$spray" "$l" "" || return 1
	done
	[ "$(sprayed received)" -eq 0 ] ||
		{ echo "# the sprayer got $(sprayed received) back"; return 1; }
	rtp=$(($(sprayed "$RELAY_A") + $(sprayed "$RELAY_B")))
	rtcp=$(($(sprayed "$(rtcp_of "$RELAY_A")") +
		$(sprayed "$(rtcp_of "$RELAY_B")")))
	echo "# sprayed: $rtp at the RTP ports, $rtcp at the RTCP ports"
	want_xstats spray DROP_SOURCE="$rtp" PASS_LATCH="$rtcp"
}

hangup()
{
	local ok=0

	ctl a bye && wait_step 3000 a bye && wait_step 1000 b got-bye || ok=1
	phones_rc a b && return "$ok"
}

# The flow lines: each phone's packets, all through XDP last; every
# sprayed packet dropped for its source, by XDP or the relay; the
# mismatches logged; and the flows gone from the map.
counted()
{
	local n

	wait_for 3000 media_line "media: end call=$CID reason=bye " || {
		echo "# no 'media: end call=$CID reason=bye' line"
		return 1
	}
	n=$(pcap_packets g711a)
	want_flow caller rtp packets="$n" drop_no_peer=0 drop_send=0 \
		drop_source="$(sprayed "$RELAY_A")" &&
		want_flow callee rtp packets="$n" drop_no_peer=0 drop_send=0 \
			drop_source="$(sprayed "$RELAY_B")" &&
		want_flow caller rtcp packets=0 \
			drop_source="$(sprayed "$(rtcp_of "$RELAY_A")")" &&
		want_flow callee rtcp packets=0 \
			drop_source="$(sprayed "$(rtcp_of "$RELAY_B")")" &&
		want_path caller rtp && want_path callee rtp &&
		mismatch caller && mismatch callee &&
		wait_for 3000 test "$(flows_in_map)" = 0 ||
		{ echo "# $(flows_in_map) flows left in the map"; return 1; }
}

# mismatch SIDE: sipfpd logged a source mismatch on that side's RTP (the
# last wrong source of a second: the sprayer's, or a spoofed one).
mismatch()
{
	media_line "media: source mismatch call=$CID stream=0 side=$1 kind=rtp src="
}

ports_freed()
{
	wait_for $(((QUARANTINE + 3) * 1000)) relay_free && return 0
	echo "# still bound after the quarantine:"
	ip netns exec "$proxy" ss -Huan | sed 's/^/#   /'
	return 1
}

# A second call, the phones' sets emptied first.
call2()
{
	local l x

	for x in "$nsa" "$nsb"; do
		for l in $LABELS; do
			ip netns exec "$x" nft flush set ip media "$l" || return 1
		done
	done
	CID=${CID%-1}-2
	alice_calls_bob
}

start()
{
	media_start "$ALICE" "latch_window = $LATCH_S"
}

# Both phones play; sipfpd is stopped before either play has arrived,
# the program forwards on with no sipfpd, a new one adopts the call and
# every packet of both plays arrives.
restart_mid_call()
{
	local n mid latch

	n=$(pcap_packets g711a)
	relays
	xstats_save restart && capture_start cap-a "$nsa" &&
		capture_start cap-b "$nsb" || return 1
	ctl a play-g711a && ctl b play-g711a &&
		wait_step 2000 a play-g711a && wait_step 2000 b play-g711a &&
		wait_for 3000 more_than "$nsb" pcma 10 && proxy_stop || return 1
	mid=$(seen_total "$nsb" pcma)
	echo "# $mid of $n packets had reached bob when sipfpd had exited"
	[ "$mid" -lt "$n" ] && attached || return 1
	wait_for 2000 more_than "$nsb" pcma "$mid" ||
		{ echo "# nothing forwarded while no sipfpd ran"; return 1; }
	start
	wait_for 3000 media_line "media: adopted 4 flows of 1 calls" || {
		grep -e adopt -e 'fast path' -e 'xdp' "$LOG" | sed 's/^/# /'
		return 1
	}
	want_seen 30000 "$nsb" pcma "$RELAY_B>$BOB:$BOB_MP $n" &&
		want_seen 3000 "$nsa" pcma "$RELAY_A>$ALICE:$ALICE_MP $n" ||
		return 1
	latch=$(($(xstat PASS_LATCH) - $(xstat PASS_LATCH "$TMP_DIR/xstats.restart")))
	echo "# $latch of $((2 * n)) passed up while latching"
	want_xstats restart FWD_REDIRECT=$((2 * n - latch)) PASS_LATCH="$latch"
}

more_than()
{
	[ "$(seen_total "$1" "$2")" -gt "$3" ]
}

# The adopted call ends with alice's BYE through the new sipfpd: its
# flows leave the map.
hangup_adopted()
{
	hangup || return 1
	wait_for 3000 media_line "media: end adopted call=" &&
		wait_for 3000 test "$(flows_in_map)" = 0 || {
		echo "# $(flows_in_map) flows left in the map"
		return 1
	}
}

# SIGTERM with no call up: sipfpd exits 0 and, with no flow to hand
# over, takes its program off every device and its pins away.
clean_stop()
{
	local left

	proxy_stop || return 1
	left=$(xdp_progs)
	[ -z "$left" ] ||
		{ echo "# still attached: $(paste -sd , <<<"$left")"; return 1; }
	[ ! -e "$(pins)" ] || {
		echo "# still pinned in $(stat -c '%U:%G %a' "$(pins)"): $(ls "$(pins)" | paste -sd ' ')"
		return 1
	}
}

media_setup call
sprayer_host
start

tap_plan 15

name="sipfp_xdp native on eth1-3, maps pinned, heartbeat a minute ahead"
case_ok attached

name="bob registers"
case_ok bob_registers

name="alice calls bob through sipfpd on the XDP path"
if case_ok alice_calls_bob; then
	name="g711a both ways: every packet arrives; XDP forwards all but latching"
	case_ok audio
	name="what the phones got: every IP and UDP checksum XDP rewrote holds"
	case_ok checksums
	name="sprayed at the relay ports: XDP drops it all at RTP, nothing arrives"
	case_ok spray
	name="alice hangs up: BYE, 200"
	case_ok hangup
	name="flow lines: path=xdp, every packet and every sprayed one, map empty"
	case_ok counted
else
	for n in 1 2 3 4 5; do
		tap_skip "xdp case $n" "the call failed"
	done
	phones_stop a b
fi

name="every relay port is closed after the quarantine"
case_ok ports_freed

name="alice calls bob again"
if case_ok call2; then
	name="sipfpd restarts mid-call: XDP forwards meanwhile, every packet arrives"
	case_ok restart_mid_call
	name="every checksum holds across the restart too"
	case_ok checksums
	name="alice hangs up through the new sipfpd: the flow map is empty"
	case_ok hangup_adopted
else
	for n in 1 2 3; do
		tap_skip "restart case $n" "the call failed"
	done
	phones_stop a b
fi

name="every relay port is closed after the quarantine"
case_ok ports_freed

name="SIGTERM with no call: exit 0, the program detached, nothing pinned"
case_ok clean_stop

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	show_logs
fi
tap_exit
