#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# In the VM: real UDP through sipfp.ko's hook, between two "phones" in
# their own namespaces and a relay namespace that holds the flows (added
# with nl_api.py), checking what arrives, what it looks like and what the
# module counted, exactly.
#
#  ns A ("phone a")        ns R (relay: the flows)          ns B ("phone b")
#  10.0.1.2, 10.0.1.3  va -- ra 10.0.1.1    rb 10.0.2.1 -- vb  10.0.2.2
#  fd00:1::2                  fd00:1::1       fd00:2::1        fd00:2::2
#  sender                     "daemon" sockets on              sinks on :30000
#                             10.0.1.1:20000, :20030,          (IPv4, IPv6)
#                             [fd00:1::1]:20000; a capture     and :30002 (RTP)
#                             on ra
#
# rb finishes every UDP checksum in software (no TX offload), so B's stack
# verifies each checksum the module rewrote; va runs with and without
# offload, so the module sees both a CHECKSUM_PARTIAL seed and a full sum.

# shellcheck source=selftests/lib.sh
source selftests/lib.sh
# shellcheck source=selftests/vm/guest/lib_guest.sh
source selftests/vm/guest/lib_guest.sh

set -u

guest_require
require_cmd ip nft jq python3

HERE=selftests/vm/guest
UDP=$HERE/forward_udp.py
sfx=$(mktemp -u XXXXXX)
A=fwd-a-$sfx
R=fwd-r-$sfx
B=fwd-b-$sfx
T=$(mktemp -d)
pids=()

F4=10.0.1.1:20000
F6='[fd00:1::1]:20000'
F46=10.0.1.1:20008
F64='[fd00:1::1]:20008'
FNP=10.0.1.1:20004
FRT=10.0.1.1:20020
FL=10.0.1.1:20014
FW=10.0.1.1:20024
FRTP=10.0.1.1:20016
FREE=10.0.1.1:20030

cleanup()
{
	local p

	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "$A" "$R" "$B"; do
		ip netns del "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

# server NS NAME: a forward_udp.py server in NS, talked to through FIFOs
# whose descriptors end up in ${NAME}_IN and ${NAME}_OUT.
server()
{
	local ns=$1 name=$2 fin fout

	mkfifo "$T/$name.in" "$T/$name.out" || return 1
	ip netns exec "$ns" python3 "$UDP" serve \
		<"$T/$name.in" >"$T/$name.out" &
	pids+=($!)
	exec {fin}>"$T/$name.in" {fout}<"$T/$name.out"
	printf -v "${name}_IN" %s "$fin"
	printf -v "${name}_OUT" %s "$fout"
}

# call IN OUT WORD...: one request to a server; prints its output and
# returns its exit code.
call()
{
	local in=$1 out=$2 rc line

	shift 2
	printf '%q ' "$@" >&"$in" && echo >&"$in" || return 1
	if ! read -r -t 120 rc line <&"$out"; then
		echo "# no answer to: $*"
		return 1
	fi
	[ -z "$line" ] || echo "$line"
	return "$rc"
}

# nl_api.py's commands, in the relay's namespace.
nl()
{
	call "$R_IN" "$R_OUT" nl "$@"
}

# send SRC DST COUNT [forward_udp.py send options]: from phone a.
send()
{
	call "$A_IN" "$A_OUT" send "$@"
}

# sink NS ADDR LOG [ADDR LOG...]: a background sink, once it is bound.
sink()
{
	local ns=$1 t0=$SECONDS

	shift
	ip netns exec "$ns" python3 "$UDP" sink "$@" &
	pids+=($!)
	until grep -qx ready "$2" 2>/dev/null; do
		[ $((SECONDS - t0)) -lt 60 ] || return 1
		sleep 0.2
	done
}

setup_links()
{
	local ns

	for ns in "$A" "$R" "$B"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
	done
	ip link add va netns "$A" type veth peer name ra netns "$R" &&
		ip link add rb netns "$R" type veth peer name vb netns "$B" &&
		ip -n "$A" addr add 10.0.1.2/24 dev va &&
		ip -n "$A" addr add 10.0.1.3/24 dev va &&
		ip -n "$A" addr add fd00:1::2/64 dev va nodad &&
		ip -n "$R" addr add 10.0.1.1/24 dev ra &&
		ip -n "$R" addr add fd00:1::1/64 dev ra nodad &&
		ip -n "$R" addr add 10.0.2.1/24 dev rb &&
		ip -n "$R" addr add fd00:2::1/64 dev rb nodad &&
		ip -n "$B" addr add 10.0.2.2/24 dev vb &&
		ip -n "$B" addr add fd00:2::2/64 dev vb nodad || return 1
	for ns in "$A:va" "$R:ra" "$R:rb" "$B:vb"; do
		ip -n "${ns%:*}" link set "${ns#*:}" up || return 1
	done
}

# Python starts slowly under emulation: all of them at once.
setup_helpers()
{
	server "$R" R && server "$A" A || return 1
	sink "$B" 10.0.2.2:30000 "$T/b4.log" "[fd00:2::2]:30000" \
		"$T/b6.log" 10.0.2.2:30002 "$T/brtp.log" &&
		sink "$R" "$F4" "$T/r4.log" "$F6" "$T/r6.log" \
			"$FREE" "$T/rfree.log" packet:ra "$T/rcap.log" &&
		call "$R_IN" "$R_OUT" csum rb off
}

setup_flows()
{
	local c=0x5f0000

	nl add --cookie $((c + 1)) --local "$F4" --out 10.0.2.1:20002 \
		--peer 10.0.2.2:30000 --src-mode fixed --src 10.0.1.2:4000 \
		--dscp 46 &&
	nl add --cookie $((c + 2)) --local "$F6" --out "[fd00:2::1]:20002" \
		--peer "[fd00:2::2]:30000" --src-mode fixed \
		--src "[fd00:1::2]:4000" --dscp 46 &&
	nl add --cookie $((c + 3)) --local "$F46" \
		--out "[fd00:2::1]:20010" --peer "[fd00:2::2]:30000" \
		--src-mode fixed --src 10.0.1.2:4000 --dscp 34 &&
	nl add --cookie $((c + 4)) --local "$F64" --out 10.0.2.1:20012 \
		--peer 10.0.2.2:30000 --src-mode fixed \
		--src "[fd00:1::2]:4000" --dscp 34 &&
	nl add --cookie $((c + 5)) --local "$FNP" --out 10.0.2.1:20006 \
		--src-mode any &&
	nl add --cookie $((c + 6)) --local "$FRT" --out 10.0.2.1:20022 \
		--peer 10.9.9.9:30000 --src-mode any &&
	nl add --cookie $((c + 8)) --local "$FRTP" --out 10.0.2.1:20018 \
		--peer 10.0.2.2:30002 --src-mode any --rtp
}

# got LOG TAG: how many datagrams tagged TAG the sink wrote to LOG.
got()
{
	grep -c " tag=$2" "$1"
}

# wait_got LOG TAG N: until LOG holds N datagrams tagged TAG (bounded),
# and then exactly N.
wait_got()
{
	local t0=$SECONDS

	while [ "$(got "$1" "$2")" -lt "$3" ] && [ $((SECONDS - t0)) -lt 10 ]
	do
		sleep 0.1
	done
	[ "$(got "$1" "$2")" -eq "$3" ] && return 0
	echo "# ${1##*/}: $(got "$1" "$2") datagrams tagged $2, want $3"
	return 1
}

# fields JSON FIELD...: the FIELDs (jq paths without the dot) of JSON,
# space-separated, "null" for those absent.
fields()
{
	local json=$1 filter

	shift
	filter=$(printf '(.%s),' "$@")
	jq -r "${filter%,}" <<<"$json" | paste -sd' '
}

# want_json CMD... -- FIELD=VALUE...: polls CMD's JSON until every FIELD
# has its VALUE (bounded): counters move when softirq gets to the packets.
want_json()
{
	local cmd=() names=() vals=() kv json t0=$SECONDS

	while [ "$1" != -- ]; do
		cmd+=("$1")
		shift
	done
	shift
	for kv; do
		names+=("${kv%%=*}")
		vals+=("${kv#*=}")
	done
	while :; do
		json=$("${cmd[@]}") || return 1
		[ "$(fields "$json" "${names[@]}")" = "${vals[*]}" ] && return 0
		[ $((SECONDS - t0)) -lt 10 ] || break
		sleep 0.2
	done
	echo "# ${cmd[*]}: want ${names[*]} = ${vals[*]}"
	echo "#   has $(fields "$json" "${names[@]}")"
	return 1
}

# want LOCAL FIELD=VALUE...: the flow at LOCAL.
want()
{
	local at=$1

	shift
	want_json nl get --local "$at" --json -- "$@"
}

# want_stats FIELD=VALUE...: the namespace's totals.
want_stats()
{
	want_json nl stats --json -- "$@"
}

# counter LOCAL FIELD: one field of the flow now.
counter()
{
	local v

	v=$(nl get --local "$1" --json | jq -r ".$2") || return 1
	[ "$v" = null ] && v=0
	echo "$v"
}

stat()
{
	nl stats --json | jq -r ".$1"
}

# rewritten LOG TAG LINE: every datagram tagged TAG arrived as LINE says
# ("from=ADDR tos=N ttl=N len=N").
rewritten()
{
	local bad

	bad=$(awk -v t=" tag=$2" -v want="$3 tag=" \
		'index($0, t) && index($0, want) != 1' "$1")
	[ -z "$bad" ] && return 0
	echo "# ${1##*/}: datagrams tagged $2 not as '$3':"
	head -n 3 <<<"$bad" | sed 's/^/#   /'
	return 1
}

# forwards LOCAL SRC TAG FROM TOS LOG [send options]: 10 datagrams from
# SRC to the flow at LOCAL arrive in LOG, from FROM, with TOS and TTL 63,
# whole, and the flow counted exactly them.
forwards()
{
	local at=$1 src=$2 tag=$3 from=$4 tos=$5 log=$6 n=10 p0 b0

	shift 6
	p0=$(counter "$at" counters.packets) &&
		b0=$(counter "$at" counters.bytes) || return 1
	send "$src" "$at" "$n" --tag "$tag" "$@" || return 1
	want "$at" counters.packets=$((p0 + n)) \
		counters.bytes=$((b0 + n * 100)) || return 1
	wait_got "$log" "$tag" "$n" &&
		rewritten "$log" "$tag" "from=$from tos=$tos ttl=63 len=100"
}

# offload on|off: whether phone a's checksums reach the relay as a
# CHECKSUM_PARTIAL seed (on) or summed in full (off).
offload()
{
	call "$A_IN" "$A_OUT" csum va "$1"
}

t_v4()
{
	offload "$1" &&
		forwards "$F4" 10.0.1.2:4000 "v4$1" 10.0.2.1:20002 184 \
			"$T/b4.log"
}

t_v4_nocheck()
{
	forwards "$F4" 10.0.1.2:4000 v4nc 10.0.2.1:20002 184 "$T/b4.log" \
		--no-check
}

# DSCP 10 with ECT(1) in: the flow's EF out, ECT(1) kept.
t_v4_ecn()
{
	forwards "$F4" 10.0.1.2:4000 v4ecn 10.0.2.1:20002 185 "$T/b4.log" \
		--tos $((10 << 2 | 1))
}

t_v6()
{
	offload "$1" &&
		forwards "$F6" "[fd00:1::2]:4000" "v6$1" "[fd00:2::1]:20002" \
			184 "$T/b6.log"
}

t_46()
{
	offload "$1" &&
		forwards "$F46" 10.0.1.2:4000 "x46$1" "[fd00:2::1]:20010" 136 \
			"$T/b6.log"
}

# RFC 768 lets IPv4 leave the checksum out; IPv6 needs one (B checks).
t_46_nocheck()
{
	forwards "$F46" 10.0.1.2:4000 x46nc "[fd00:2::1]:20010" 136 \
		"$T/b6.log" --no-check
}

t_64()
{
	offload "$1" &&
		forwards "$F64" "[fd00:1::2]:4000" "x64$1" 10.0.2.1:20012 136 \
			"$T/b4.log"
}

# Neither forwarded nor left to the daemon's socket: no RTP bleed.
t_source()
{
	local d0 p0

	d0=$(counter "$F4" counters.drop_source) &&
		p0=$(counter "$F4" counters.packets) || return 1
	send 10.0.1.2:4001 "$F4" 3 --tag srcp &&
		send 10.0.1.3:4000 "$F4" 2 --tag srca || return 1
	want "$F4" counters.drop_source=$((d0 + 5)) \
		counters.packets="$p0" || return 1
	wait_got "$T/b4.log" src 0 && wait_got "$T/r4.log" src 0
}

t_noflow()
{
	local s0

	s0=$(stat passed) || return 1
	send 10.0.1.2:4000 "$FREE" 3 --tag free || return 1
	wait_got "$T/rfree.log" free 3 &&
		rewritten "$T/rfree.log" free \
			"from=10.0.1.2:4000 tos=0 ttl=64 len=100" &&
		want_stats passed="$s0"
}

# IPv4 options, and a datagram over the MTU (reassembled before LOCAL_IN).
t_passed4()
{
	local s0 p0

	s0=$(stat passed) && p0=$(counter "$F4" counters.packets) || return 1
	send 10.0.1.2:4000 "$F4" 2 --tag opt4 --ip-options &&
		send 10.0.1.2:4000 "$F4" 1 --tag frag4 --size 3000 || return 1
	want_stats passed=$((s0 + 3)) || return 1
	wait_got "$T/r4.log" opt4 2 && wait_got "$T/r4.log" frag4 1 &&
		want "$F4" counters.packets="$p0"
}

# The first fragment carries the port (the rest, without, are not ours);
# with conntrack in the namespace they come reassembled: once either way.
t_passed6()
{
	local s0

	s0=$(stat passed) || return 1
	send "[fd00:1::2]:4000" "$F6" 1 --tag frag6 --size 3000 || return 1
	want_stats passed=$((s0 + 1)) && wait_got "$T/r6.log" frag6 1
}

t_nft()
{
	local p0

	p0=$(counter "$F4" counters.packets) || return 1
	ip netns exec "$R" nft -f - <<-EOF || return 1
		table inet fwdtest {
			chain input {
				type filter hook input priority filter;
				udp dport 20000 counter drop
			}
		}
	EOF
	send 10.0.1.2:4000 "$F4" 5 --tag nft || return 1
	want_json nft_json -- \
		"nftables[]|.rule?|.expr[]?|.counter?|.packets?|numbers"=5 ||
		return 1
	ip netns exec "$R" nft delete table inet fwdtest || return 1
	want "$F4" counters.packets="$p0" && wait_got "$T/b4.log" nft 0 &&
		forwards "$F4" 10.0.1.2:4000 nfok 10.0.2.1:20002 184 \
			"$T/b4.log"
}

nft_json()
{
	ip netns exec "$R" nft -j list table inet fwdtest
}

t_nopeer()
{
	send 10.0.1.2:4000 "$FNP" 4 --tag nop &&
		want "$FNP" counters.drop_no_peer=4 counters.packets=0
}

t_noroute()
{
	send 10.0.1.2:4000 "$FRT" 3 --tag nrt &&
		want "$FRT" counters.drop_route=3 counters.packets=0
}

# The daemon learns the peer from the answer: FLOW_SET gives it PEER.
t_peer_later()
{
	nl set --local "$FNP" --peer 10.0.2.2:30000 --dscp 46 &&
		forwards "$FNP" 10.0.1.2:4000 late 10.0.2.1:20006 184 \
			"$T/b4.log" &&
		want "$FNP" counters.drop_no_peer=4
}

# Two flows whose PEERs are each other's LOCAL: one datagram sent with
# TTL 64 goes round until the TTL runs out, 63 hops, and stops.
t_loop()
{
	local l1=10.0.1.1:20040 l2=10.0.1.1:20042

	nl add --cookie 0x5f000a --local "$l1" --out 10.0.1.1:20041 \
		--peer "$l2" --src-mode any &&
		nl add --cookie 0x5f000b --local "$l2" \
			--out 10.0.1.1:20043 --peer "$l1" --src-mode any &&
		send 10.0.1.2:4000 "$l1" 1 --tag loop || return 1
	want "$l1" counters.packets=32 counters.drop_route=0 &&
		want "$l2" counters.packets=31 counters.drop_route=1
}

# Another address never latches; SRC's address latches its port, which
# from then on is the only one that passes. The window opens here, as
# this slow emulator may take minutes to get to this case.
t_latch()
{
	nl add --cookie 0x5f0007 --local "$FL" --out 10.0.2.1:20016 \
		--peer 10.0.2.2:30000 --src-mode latch --src 10.0.1.2:0 \
		--latch-ms 60000 || return 1
	send 10.0.1.3:4100 "$FL" 1 --tag lta &&
		want "$FL" counters.drop_source=1 latched=null || return 1
	send 10.0.1.2:4100 "$FL" 2 --tag ltb &&
		want "$FL" counters.packets=2 latched=10.0.1.2:4100 || return 1
	send 10.0.1.2:4101 "$FL" 1 --tag ltc &&
		send 10.0.1.2:4100 "$FL" 1 --tag ltd || return 1
	want "$FL" counters.packets=3 counters.drop_source=2 \
		latched=10.0.1.2:4100 || return 1
	wait_got "$T/b4.log" ltb 2 && wait_got "$T/b4.log" ltd 1 &&
		wait_got "$T/b4.log" lta 0 && wait_got "$T/b4.log" ltc 0
}

# Past the window unlatched, the flow is FIXED to SRC and learns nothing.
t_latch_window()
{
	nl add --cookie 0x5f0009 --local "$FW" --out 10.0.2.1:20026 \
		--peer 10.0.2.2:30000 --src-mode latch --src 10.0.1.2:4000 \
		--latch-ms 200 || return 1
	sleep 0.5
	send 10.0.1.2:4001 "$FW" 1 --tag lwa &&
		send 10.0.1.2:4000 "$FW" 2 --tag lwb &&
		want "$FW" counters.packets=2 counters.drop_source=1 latched=null
}

# 100..109 without 105, SSRC 0x12345678: RFC 3550 A.1 and A.3 figures;
# then another SSRC across the sequence's wrap.
t_rtp()
{
	send 10.0.1.2:4000 "$FRTP" 10 --tag rtp --rtp-ssrc 0x12345678 \
		--rtp-seq 100 --skip 5 || return 1
	want "$FRTP" counters.packets=9 counters.bytes=$((9 * 112)) \
		counters.ssrc=305419896 counters.ext_max_seq=109 \
		counters.expected=10 counters.lost=1 \
		"counters.jitter|type=number" &&
		wait_got "$T/brtp.log" rtp 9 || return 1
	# A.1: a new SSRC starts over; a wrap adds a cycle of 65536
	send 10.0.1.2:4000 "$FRTP" 10 --tag rtw --rtp-ssrc 0xabcdef01 \
		--rtp-seq 65530 || return 1
	want "$FRTP" counters.packets=19 counters.ssrc=2882400001 \
		counters.ext_max_seq=$((65536 + 3)) counters.expected=10 \
		counters.lost=0 && wait_got "$T/brtp.log" rtw 10
}

# The totals are the sums over the flows, and keep a removed flow's
# counts; its port then belongs to the daemon's socket again.
t_totals()
{
	local f pk by ds dn dr

	f=$(printf '([.[].counters.%s] | add),' packets bytes drop_source \
		drop_no_peer drop_route)
	read -r pk by ds dn dr < <(nl dump | jq -r "${f%,}" | paste -sd' ')
	want_stats flows=11 packets="$pk" bytes="$by" drop_source="$ds" \
		drop_no_peer="$dn" drop_route="$dr" || return 1
	nl del --local "$F4" || return 1
	send 10.0.1.2:4000 "$F4" 2 --tag gone &&
		wait_got "$T/r4.log" gone 2 &&
		want_stats flows=10 packets="$pk" drop_source="$ds"
}

# A capture shares the packet's data with the hook (a clone): the hook
# must have copied what it rewrote, so the capture still holds phone a's
# packets as sent.
t_capture()
{
	wait_got "$T/rcap.log" v4on 10 &&
		rewritten "$T/rcap.log" v4on \
			"cap from=10.0.1.2:4000 to=10.0.1.1:20000"
}

# What B's stack verified: every checksum the module wrote was right.
# shellcheck disable=SC2016 # awk's own $fields
t_checksums()
{
	local e4 e6

	e4=$(ip netns exec "$B" awk '/^Udp:/ { for (i = 2; i <= NF; i++)
		if (n) { if (h[i] == "InCsumErrors") print $i }
		else h[i] = $i; n++ }' /proc/net/snmp)
	e6=$(ip netns exec "$B" awk '$1 == "Udp6InCsumErrors" { print $2 }' \
		/proc/net/snmp6)
	[ "$e4" = 0 ] && [ "$e6" = 0 ] && return 0
	echo "# B: Udp InCsumErrors '$e4', Udp6InCsumErrors '$e6'"
	return 1
}

case_ok()
{
	local name=$1

	shift
	if "$@"; then
		tap_ok "$name"
	else
		tap_not_ok "$name"
	fi
}

modprobe -q nf_tables 2>/dev/null
setup_links || ksft_exit_fail "namespaces and links"
setup_helpers || ksft_exit_fail "the UDP helpers"
nl stats >/dev/null || ksft_exit_fail "the sipfp genetlink family"
setup_flows || ksft_exit_fail "adding the flows"

tap_plan 26
case_ok "IPv4: OUT -> PEER, DSCP EF, TTL - 1 (sender offloads its sum)" \
	t_v4 on
case_ok "IPv4: the same with the sender's checksum summed in full" t_v4 off
case_ok "IPv4: a datagram without a checksum stays without" t_v4_nocheck
case_ok "IPv4: the flow's DSCP replaces the sender's, ECN passes" t_v4_ecn
case_ok "IPv6: OUT -> PEER, DSCP EF, hop limit - 1 (offloaded sum)" t_v6 on
case_ok "IPv6: the same with the sum in full" t_v6 off
case_ok "IPv4 -> IPv6: a new header, the sum carried (offloaded)" t_46 on
case_ok "IPv4 -> IPv6: the same with the sum in full" t_46 off
case_ok "IPv4 -> IPv6: a datagram without a checksum gets one" \
	t_46_nocheck
case_ok "IPv6 -> IPv4: a new header, the sum carried (offloaded)" t_64 on
case_ok "IPv6 -> IPv4: the same with the sum in full" t_64 off
case_ok "a wrong source port or address: DROP_SOURCE, never to the socket" \
	t_source
case_ok "a port without a flow reaches its socket untouched, not counted" \
	t_noflow
case_ok "IPv4 options and fragments go to the socket, counted as PASSED" \
	t_passed4
case_ok "IPv6 fragments go to the socket, counted as PASSED" t_passed6
case_ok "an nft input drop stops relayed media; without it, media flows" \
	t_nft
case_ok "no PEER: DROP_NO_PEER" t_nopeer
case_ok "no route to PEER: DROP_ROUTE" t_noroute
case_ok "PEER given later by FLOW_SET: media flows from then on" \
	t_peer_later
case_ok "a loop between two flows stops when the TTL runs out" t_loop
case_ok "latching: SRC's address latches its port, others are dropped" \
	t_latch
case_ok "past the latch window: fixed to SRC, nothing latched" \
	t_latch_window
case_ok "RTP: SSRC, sequence, expected, lost, jitter; new SSRC, wrap" \
	t_rtp
case_ok "totals sum the flows and keep a removed flow's counts" t_totals
case_ok "B's stack found every rewritten checksum right" t_checksums
case_ok "a capture on the relay saw the packets as they came, unrewritten" \
	t_capture
# The flows as the module counted them, for whoever reads the log.
nl dump | jq -r '.[] | "# \(.local): \(.counters | tostring)"'
tap_exit
