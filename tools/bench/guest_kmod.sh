#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench_kmod.sh's half inside the VM, where sipfp.ko is loaded: the VM
# harness (selftests/vm/guest/stage2.sh) runs it as it runs a guest test,
# from the repo top, with O the host's build tree. Not a test: it
# prints figures, and fails only when it could not set up.
#
#   uac                    px                               uas
#   192.0.2.2/24   veth    192.0.2.1/24
#   rtpblast send  ------  198.51.100.1/24         veth     198.51.100.2/24
#                          kfwd: ip_forward=1     ------    rtpblast sink
#                          kmod: sipfp.ko's flows
#
# Stream i is RTP-shaped UDP (a 12-byte RTP header, 160 bytes of PCMU)
# from uac's port 20000 + 2i, sent flat out by rtpblast, a packet of each
# stream in turn; the sink on 198.51.100.2:40000 counts what arrives over
# a window. Each round runs two trials, one a path:
#
#   kfwd   straight to the sink's address; px forwards it (IP forwarding)
#   kmod   to 192.0.2.1:20000 + 2i, flow i of the module in px, which
#          sends it on from 198.51.100.1:20000 + 2i to the sink. Flows as
#          sipfpd makes them for RTP (flowadd.c), latched to uac.
#
# Both paths in the same namespaces, with the module loaded, the flows
# present and ip_forward on throughout; the figures are each path's
# median over the rounds. Then flowadd installs BENCH_FLOWS flows over
# netlink into a fresh namespace, one request at a time, and again
# batched (sipctl_flow_add_batch), each a round in a fresh namespace.
#
# stdout: key=value figures, the unit in the key; stderr: progress.
# Exit 0 with figures, 1 when set-up failed, 4 outside the VM.
# Knobs (bench_kmod.sh passes its own in $O/vm-bench/KVER/bench.conf):
# BENCH_QUICK, BENCH_SECONDS, BENCH_WARMUP_MS, BENCH_ROUNDS,
# BENCH_STREAMS, BENCH_FLOWS (bench_kmod.sh's header says what they do).

set -uo pipefail

HERE=$PWD/tools/bench
# shellcheck source=tools/bench/lib.sh
. "$HERE/lib.sh"
O=${O:-$PWD/build}
BLAST=$O/tools/bench/rtpblast
FLOWADD=$O/tools/bench/flowadd
NL_API=$PWD/selftests/vm/guest/nl_api.py
CONF=$O/vm-bench/$(uname -r)/bench.conf

PORT=20000
SINK_PORT=40000
SSRC=0x5eed0000
# the sender waits this long, so the sink (slow to start under
# emulation) is bound before the first packet
SEND_DELAY_MS=1000
TAIL_MS=1000
IDLE_MS=500

NS_LIST=()
TMP_DIR=
uac='' px='' uas='' # namespace names, set by setup_ns

knobs()
{
	local q_secs=3 q_warm=1000 q_rounds=5

	# shellcheck source=/dev/null # written by bench_kmod.sh
	[ ! -r "$CONF" ] || . "$CONF"
	if [ -n "${BENCH_QUICK:-}" ]; then
		q_secs=1 q_warm=500 q_rounds=1
	fi
	WINDOW_S=${BENCH_SECONDS:-$q_secs}
	WARMUP_MS=${BENCH_WARMUP_MS:-$q_warm}
	ROUNDS=${BENCH_ROUNDS:-$q_rounds}
	STREAMS=${BENCH_STREAMS:-100}
	FLOWS=${BENCH_FLOWS:-10000}
}

# The harness's contract: skip (4) outside the VM, where the module
# cannot be loaded; fail (1) when it should be and is not.
require()
{
	if [ "$(id -u)" -ne 0 ] || [ -z "${SIPFP_KO:-}" ]; then
		echo "runs inside the VM: tools/bench/bench_kmod.sh"
		exit 4
	fi
	[ -d /sys/module/sipfp ] || setup_fail "sipfp.ko is not loaded"
	[ -x "$BLAST" ] || setup_fail "no $BLAST (make on the host)"
	[ -x "$FLOWADD" ] || setup_fail "no $FLOWADD (make on the host)"
}

# streams FILE DST_ADDR FIRST_DST_PORT STEP: rtpblast's streams.
streams()
{
	awk -v n="$STREAMS" -v sp="$PORT" -v ip="$2" -v dp="$3" -v s="$4" \
		'BEGIN { for (i = 0; i < n; i++)
			print sp + 2 * i, ip, dp + s * i }' >"$1"
}

setup_flows()
{
	local out

	streams "$TMP_DIR/kfwd.streams" "$UAS" "$SINK_PORT" 0
	streams "$TMP_DIR/kmod.streams" "$PX_L" "$PORT" 2
	out=$(ip netns exec "$px" "$FLOWADD" -l "$PX_L:$PORT" -o "$PX_R:$PORT" \
		-p "$UAS:$SINK_PORT" -s "$UAC" -n "$STREAMS" -b 2>&1) ||
		setup_fail "the forwarding flows in $px: $out"
}

# kv FILE KEY: the value of a key=value line ("" if none).
kv()
{
	sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -1
}

div()
{
	awk -v a="$1" -v b="$2" -v d="$3" \
		'BEGIN { printf "%.*f\n", d, (b > 0 ? a / b : 0) }'
}

# median N...: of integers.
median()
{
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
		END {
			if (NR % 2)
				print v[(NR + 1) / 2]
			else
				print int((v[NR / 2] + v[NR / 2 + 1]) / 2)
		}'
}

# veth_drops: packets the veths into px and into uas dropped for want of
# room in the receiving CPU's backlog, flat out (veth counts them as its
# sender's tx_dropped).
veth_drops()
{
	echo $(($(ip netns exec "$uac" cat \
		/sys/class/net/eth0/statistics/tx_dropped) + \
		$(ip netns exec "$px" cat \
		/sys/class/net/eth2/statistics/tx_dropped)))
}

# trial PATH ROUND: one path's packets, flat out, over the window. Sets
# T_PPS and T_TOTAL (all the sink got); 1 when rtpblast gave no figures.
trial()
{
	local p=$TMP_DIR/$1-r$2 secs gen sink d0 v0 dv ds pk us sent el seen

	secs=$(div $((WARMUP_MS + WINDOW_S * 1000 + TAIL_MS)) 1000 3)
	d0=$(udp_drops "$uas")
	v0=$(veth_drops)
	ip netns exec "$uac" "$BLAST" send -s "$UAC" -f "$TMP_DIR/$1.streams" \
		-t "$secs" -d "$SEND_DELAY_MS" -S "$SSRC" \
		>"$p-send.out" 2>"$p-send.err" &
	gen=$!
	ip netns exec "$uas" "$BLAST" sink -l "$UAS:$SINK_PORT" -n "$STREAMS" \
		-S "$SSRC" -w "$WARMUP_MS" -m $((WINDOW_S * 1000)) \
		-i "$IDLE_MS" -T $((SEND_DELAY_MS + 10000)) \
		>"$p-sink.out" 2>"$p-sink.err" &
	sink=$!
	wait "$gen"
	wait "$sink"
	pk=$(kv "$p-sink.out" window_packets)
	us=$(kv "$p-sink.out" window_us)
	sent=$(kv "$p-send.out" sent)
	el=$(kv "$p-send.out" elapsed_us)
	seen=$(kv "$p-sink.out" streams_seen)
	T_TOTAL=$(kv "$p-sink.out" total_packets)
	if ! [[ "$pk$us$sent$el$seen$T_TOTAL" =~ ^[0-9]+$ ]] || [ "$us" -eq 0 ]
	then
		say "$1 round $2: no figures from rtpblast: $(cat \
			"$p-send.err" "$p-sink.err" | head -3 | paste -sd' ')"
		return 1
	fi
	T_PPS=$((pk * 1000000 / us))
	dv=$(($(veth_drops) - v0))
	ds=$(($(udp_drops "$uas") - d0))
	say "$1 round $2: $T_PPS pps forwarded of" \
		"$((sent * 1000000 / (el > 0 ? el : 1))) sent; streams seen" \
		"$seen/$STREAMS; dropped: veth backlog $dv, sink socket $ds"
}

# What the module counted against what the sink got on its flows.
module_counts()
{
	local json

	command -v jq >/dev/null || return 0
	json=$(ip netns exec "$px" python3 "$NL_API" stats --json) || return 0
	say "the module in $px: $(jq -r '"forwarded \(.packets), dropped:" +
		" source \(.drop_source), no peer \(.drop_no_peer)," +
		" route \(.drop_route); passed \(.passed)"' <<<"$json");" \
		"the sink got $1 in the kmod trials (with warm-ups)"
}

forwarding()
{
	local r path kfwd=() kmod=() got=0 a b

	for ((r = 1; r <= ROUNDS; r++)); do
		for path in kfwd kmod; do
			trial "$path" "$r" || setup_fail "$path trial $r"
			[ "$path" = kfwd ] && kfwd+=("$T_PPS") &&
				continue
			kmod+=("$T_PPS")
			got=$((got + T_TOTAL))
		done
	done
	module_counts "$got"
	a=$(median "${kmod[@]}")
	b=$(median "${kfwd[@]}")
	echo "vm_streams=$STREAMS"
	echo "vm_window_s=$WINDOW_S"
	echo "vm_rounds=$ROUNDS"
	echo "vm_kfwd_pps=$b"
	echo "vm_kmod_pps=$a"
	echo "vm_kmod_vs_kfwd_ratio=$(div "$a" "$b" 2)"
}

# flow_rate NS ROUND [-b]: FLOWS flows into NS, empty; prints per_s.
flow_rate()
{
	local out rate

	out=$(ip netns exec "$1" "$FLOWADD" -l "$PX_L:$PORT" \
		-o "$PX_R:$PORT" -p "$UAS:$SINK_PORT" -s "$UAC" -n "$FLOWS" \
		"${@:3}" 2>&1)
	rate=$(sed -n 's/^per_s=//p' <<<"$out")
	[ -n "$rate" ] || setup_fail "flowadd ${*:3} in $1: $out"
	say "flow adds round $2${3:+ (batched)}: $rate/s" \
		"($(sed -n 's/^elapsed_us=//p' <<<"$out") us for $FLOWS)"
	echo "$rate"
}

# Each round's flows go into namespaces of their own, kept to the end:
# a namespace deleted frees its flows in the background, in the next
# round's time.
flow_adds()
{
	local r one=() batch=() rate fa fb

	for ((r = 1; r <= ROUNDS; r++)); do
		setup_ns fa fb
		rate=$(flow_rate "$fa" "$r") || exit 1
		one+=("$rate")
		rate=$(flow_rate "$fb" "$r" -b) || exit 1
		batch+=("$rate")
	done
	echo "flow_add_flows=$FLOWS"
	echo "flow_add_per_s=$(median "${one[@]}")"
	echo "flow_add_batched_per_s=$(median "${batch[@]}")"
}

main()
{
	knobs
	require
	trap cleanup EXIT
	TMP_DIR=$(mktemp -d /tmp/sipfp-bench-kmod.XXXXXX) ||
		setup_fail mktemp
	say "$(uname -r), $(nproc) CPUs; $STREAMS streams, ${WINDOW_S} s" \
		"windows, $ROUNDS rounds; $FLOWS flow adds"
	setup_topology forward
	setup_flows
	forwarding
	flow_adds
}

main "$@"
