#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The XDP fast path's figures (issue 6, "Measure"): RTP forwarded by
# sipfp_xdp, beside plain kernel IP forwarding and sipfpd's userspace
# relay, in the same topology, from the same generator, in the same run:
#
#   uac                        px                             uas
#   192.0.2.2/24     veth      192.0.2.1/24 (+ .11-.14)
#   xdpgen send     ------     198.51.100.1/24      veth      198.51.100.2/24
#   (CPU 0)            eth1    sipfp_xdp on eth1 | ------     xdpgen sink
#                              ip_forward | sipfpd           (XDP: counts
#                              (CPU 1)                        and drops)
#
# The generator is xdpgen: BPF_PROG_TEST_RUN in live-frames mode (the
# technique of xdp-trafficgen), an XDP program writing each RTP packet
# (12-byte RTP header, 160 bytes of PCMU; N streams, a packet of each in
# turn) over a recycled frame and sending it out of uac's veth with
# XDP_TX. It costs a fraction of a sendmmsg() sender, which tops out near
# 340 kpps here and drags kernel forwarding down to its own CPU. px's
# eth1 runs its NAPI in a kernel thread (threaded NAPI) pinned to CPU 1
# and real-time (router_rt says why), the generator has CPU 0: the router
# gets a core of its own. The sink's
# NAPI (uas's eth0) is not threaded: it runs as a softirq right after
# whatever sent to it, on CPU 1. The sink is an XDP program counting in a
# per-CPU map: every figure counts packets exactly, nothing is sampled.
#
# For N flows (1, 1 000, 100 000), each path in turn, flat out:
#
#   kfwd   the streams go to uas's address and px's IP forwarding routes
#          them (eth1 has GRO on, so it has NAPI, as a NIC does)
#   xdp    the streams go to px's addresses, one flow each (FIXED to the
#          sender, out from 198.51.100.1, to the sink, DSCP EF, RTP
#          statistics: as sipfpd makes them once latched), sipfp_xdp on
#          eth1 (native) loaded with the N flows by xdpflows; 20 000
#          flows an address, so 100 000 take five
#   relay  sipfpd's relay (fastpath = relay): rtpua.py places N calls
#          through it as in bench_rtp.sh, and the streams go to the
#          relay ports the 200s' SDP gave. Only for N up to
#          BENCH_RELAY_MAX: a relay holds four sockets and four ports a
#          call, and 100 000 calls need 400 000 ports, more than px's
#          two addresses have.
#
# *_pps_nN is what the sink got per second over the window, *_loss_pct_nN
# what the sink never got of all that was sent over the whole trial (flat
# out the generator outruns every path: that is the highest rate it can
# offer), *_router_cpu_pct_nN what px's NAPI thread (and the relay, and
# the sink's softirq that runs in their time) used of a core: with other
# load on the machine a path may get less than its core, and the pps
# with it; *_pps_per_core_nN is the pps over that share.
#
# xdp_ns_per_pkt_nN: sipfp_xdp itself under BPF_PROG_TEST_RUN with repeat,
# with its real maps (the N flows) in px, so its FIB lookups are px's and
# its verdict is XDP_REDIRECT (checked): xdpgen's "harness" writes each
# repetition's packet (the next flow's) and tail-calls it. The same
# harness tail-calling a program that only returns XDP_DROP is
# xdp_base_ns_per_pkt; xdp_prog_ns_per_pkt_nN is the difference, the
# program's own cost. xdp_ns_per_pkt is the highest over N.
#
# xdp_us_per_pkt, kfwd_us_per_pkt: at a fixed offered load (BENCH_FIXED_PPS
# over BENCH_FIXED_STREAMS flows, in bursts of BENCH_BURST, a NAPI budget,
# as a busy NIC hands them over), the router's busy CPU (px's NAPI thread,
# schedstat nanoseconds, the sink's softirq included) per packet
# forwarded, less the same thread's CPU per packet while the same
# generator sent the same load into an XDP_DROP sink on eth1 (what
# reaching the router costs: the frame, the wake-up, the poll): the
# three in turn, BENCH_FIXED_ROUNDS times, each round's path less that
# round's base, the median over rounds (other work on the machine moves
# a trial's figure by a third and more; a round's three move together,
# or one round does). The paced
# generator spins on CPU 0 whatever the load (it drops frames until each
# is due), so its CPU says nothing and is left out; the machine's
# /proc/stat figure is on stderr for reference. When other work takes
# CPU 0 from it the generator lets its schedule slip rather than catch up
# in one burst no ring holds, so the load it achieved (fixed_*_pps) can
# fall short of the target; the figures are per packet, so they compare.
# xdp_vs_kfwd_cpu is their ratio (the goal: 0.5 at most).
#
# stdout: key=value figures, the unit in the key (pps: packets a second;
# pct: percent; ns_per_pkt, us_per_pkt: per packet), ratios (xdp_vs_*),
# and "# " lines saying why a figure is missing. stderr: progress.
# Needs root, iproute2, ethtool, taskset, python3, xdpgen, xdpflows,
# sipfpd and sipfp_xdp.bpf.o built (make), and native XDP on veth; else
# it says why and exits 0. A set-up failure exits 1 before any traffic.
#
# Environment:
#   BENCH_QUICK=1        1 s windows after 0.3 s, flows 1 and 1 000, fewer
#                        timing rounds: for working on the script (about
#                        half a minute), not the benchmark
#   BENCH_SECONDS        window length (4)
#   BENCH_WARMUP_MS      warm-up before the window (1000)
#   BENCH_STREAMS        flow counts ("1 1000 100000")
#   BENCH_RELAY_MAX      the most calls the relay is measured with (1000)
#   BENCH_FIXED_PPS      the fixed offered load (200000)
#   BENCH_FIXED_STREAMS  over this many flows (1000); 0: skip
#   BENCH_FIXED_ROUNDS   rounds of the base and both paths (5; quick: 1)
#   BENCH_BURST          paced packets a burst (64)
#   BENCH_REPEAT         test-run repetitions a round (1000000)
#   BENCH_ROUNDS         test-run rounds, the median kept (5)
#   BENCH_KEEP=1         keep the scratch directory
#   O, SIPFPD            build tree (build), sipfpd

set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
HERE=$PWD/tools/bench
# shellcheck source=tools/bench/lib.sh
. "$HERE/lib.sh"
O=$(realpath -m "${O:-build}")
SIPFPD=${SIPFPD:-$O/daemon/sipfpd}
GEN=$O/tools/bench/xdpgen
FLOWS=$O/tools/bench/xdpflows
XDP_OBJ=$O/daemon/bpf/sipfp_xdp.bpf.o

if [ -n "${BENCH_QUICK:-}" ]; then
	q_secs=1 q_warm=300 q_streams="1 1000" q_repeat=200000 q_rounds=3
	q_fixed=1
else
	q_secs=4 q_warm=1000 q_streams="1 1000 100000" q_repeat=1000000
	q_rounds=5 q_fixed=5
fi
WINDOW_S=${BENCH_SECONDS:-$q_secs}
WARMUP_MS=${BENCH_WARMUP_MS:-$q_warm}
STREAMS=${BENCH_STREAMS:-$q_streams}
RELAY_MAX=${BENCH_RELAY_MAX:-1000}
FIXED_PPS=${BENCH_FIXED_PPS:-200000}
FIXED_STREAMS=${BENCH_FIXED_STREAMS:-1000}
FIXED_ROUNDS=${BENCH_FIXED_ROUNDS:-$q_fixed}
BURST=${BENCH_BURST:-64}
REPEAT=${BENCH_REPEAT:-$q_repeat}
ROUNDS=${BENCH_ROUNDS:-$q_rounds}

SINK_PORT=40000
# the sender's ports; flow i of the xdp path is px's port 20000 + 2i of
# address i / 20000, as sipfpd's relay range would give
CALLER_PORT=20000
FLOW_PORT=20000
FLOWS_PER_ADDR=20000
SSRC=0x5eed0000
DOMAIN=bench.example.org
CALLEE=15550001
# the generator runs this long past the window, so it ends under load
TAIL_MS=300

NS_LIST=()
TMP_DIR=
uac='' px='' uas='' # namespace names, set by setup_ns
ROUTER_PID='' PX_MAC='' UAC_MAC='' SINK_ID=''
R='' FX_NS='' # fixed_run's round, fixed_trial's figure

mac_of()
{
	ip -n "$1" -br link show "$2" | awk '{ print $3 }'
}

# px_addr A: px's address number A on eth1 (0: PX_L)
px_addr()
{
	[ "$1" -eq 0 ] && echo "$PX_L" && return
	echo "192.0.2.$((10 + $1))"
}

# --- set-up ---

# napi_threads: the pids of every threaded NAPI kernel thread now.
napi_threads()
{
	ps -eo pid=,comm= | awk '$2 ~ /^napi\// { print $1 }' | sort
}

# The router's NAPI in a kernel thread of its own, on CPU 1: found as
# the one thread that appears when eth1 turns threaded.
router_thread()
{
	local before

	before=$(napi_threads)
	ip netns exec "$px" sh -c 'echo 1 >/sys/class/net/eth1/threaded' ||
		setup_fail "threaded NAPI on px's eth1"
	ROUTER_PID=$(comm -13 <(echo "$before") <(napi_threads))
	[ "$(echo "$ROUTER_PID" | wc -w)" -eq 1 ] ||
		setup_fail "px's eth1 NAPI thread: found '$ROUTER_PID'"
	taskset -p -c 1 "$ROUTER_PID" >/dev/null ||
		setup_fail "pinning the NAPI thread to CPU 1"
	router_rt on
}

# router_rt on|off: the router's NAPI thread real-time (FIFO), or not.
# NAPI in a softirq, as most drivers run it, preempts every task; a
# thread of ordinary priority waits its turn behind whatever else the
# machine runs, long enough for its ring of 256 frames to overflow at a
# few hundred kpps. Real-time restores the softirq's precedence (the
# kernel's RT throttling still leaves the CPU 5% for the rest). The relay
# needs the other way: a userspace relay behind a real-time NAPI on its
# CPU starves (receive livelock), so for its trials the thread shares
# CPU 1 with sipfpd as an ordinary one.
router_rt()
{
	if [ "$1" = on ]; then
		chrt -f -p 50 "$ROUTER_PID"
	else
		chrt -o -p 0 "$ROUTER_PID"
	fi || setup_fail "chrt $1 for the NAPI thread $ROUTER_PID"
}

setup()
{
	local a umac

	setup_topology forward
	for ((a = 1; a <= 4; a++)); do
		ip -n "$px" addr add "$(px_addr "$a")/24" dev eth1 ||
			setup_fail "px address $a"
	done
	# XDP forwards nothing without a resolved neighbour, and nothing it
	# forwards keeps one fresh: a permanent entry, the same for kfwd
	umac=$(mac_of "$uas" eth0)
	ip -n "$px" neigh replace "$UAS" lladdr "$umac" dev eth2 \
		nud permanent || setup_fail "px's neighbour entry"
	# GRO gives eth1 NAPI, as a NIC has, so frames sent to it from the
	# generator's XDP_TX arrive with no XDP program there (kfwd, relay)
	ip netns exec "$px" ethtool -K eth1 gro on >/dev/null ||
		setup_fail "GRO on px's eth1"
	router_thread
	PX_MAC=$(mac_of "$px" eth1)
	UAC_MAC=$(mac_of "$uac" eth0)
	SINK_ID=$(ip netns exec "$uas" "$GEN" sink -i eth0 -P "$SINK_PORT" |
		sed -n 's/^map_id=//p')
	[ -n "$SINK_ID" ] || setup_fail "the sink on uas's eth0"
}

# --- the streams: "SRC_PORT DST_ADDR DST_PORT", a line a flow ---

streams_kfwd()
{
	# ports wrap past 60 000 flows: kernel forwarding keeps no flow state
	awk -v n="$1" -v ip="$UAS" -v port="$SINK_PORT" \
		'BEGIN { for (i = 0; i < n; i++)
			print 1024 + i % 60000, ip, port }'
}

streams_xdp()
{
	local a addrs=()

	for ((a = 0; a <= ($1 - 1) / FLOWS_PER_ADDR; a++)); do
		addrs+=("$(px_addr "$a")")
	done
	awk -v n="$1" -v per="$FLOWS_PER_ADDR" -v base="$FLOW_PORT" \
		-v addrs="${addrs[*]}" \
		'BEGIN { split(addrs, ad, " ")
			for (i = 0; i < n; i++)
				print 1024 + i % 60000, ad[int(i / per) + 1],
					base + 2 * (i % per) }'
}

# --- a trial ---

# trial NAME FILE RATE [PID...]: the generator sends FILE's streams at
# RATE (0: flat out) for a window; the router thread's CPU and the PIDs'.
# The sink counted is uas's, or T_SINK's (a map id) when set.
# Sets T_PPS (received a second over the window), T_OFFERED, T_LOSS
# (percent, the whole trial), T_CPU_NS (router and PIDs, the window),
# T_WIN_US, T_RECV (window), T_SENT and T_GOT (the whole trial), T_LINE.
trial()
{
	local p=$TMP_DIR/$1 secs pid watch=(-p "$ROUTER_PID") sent recv us
	local cpu=0 k i

	secs=$(div $((WARMUP_MS + WINDOW_S * 1000 + TAIL_MS)) 1000 3)
	for pid in "${@:4}"; do
		watch+=(-p "$pid")
	done
	taskset -c 0 ip netns exec "$uac" "$GEN" send -i eth0 -M "$PX_MAC" \
		-s "$UAC" -f "$2" -S "$SSRC" -r "$3" -B "$BURST" -t "$secs" \
		-w "$WARMUP_MS" -m $((WINDOW_S * 1000)) \
		-c "${T_SINK:-$SINK_ID}" "${watch[@]}" >"$p.out" 2>"$p.err"
	us=$(kv "$p.out" window_us)
	T_RECV=$(kv "$p.out" window_recv)
	sent=$(kv "$p.out" sent)
	recv=$(kv "$p.out" recv)
	if ! [[ "$us$T_RECV$sent$recv" =~ ^[0-9]+$ ]] || [ "$us" -eq 0 ]; then
		say "  $1: no figures from xdpgen: $(head -3 "$p.err" |
			tr '\n' ' ')"
		return 1
	fi
	k=$((${#watch[@]} / 2))
	for ((i = 0; i < k; i++)); do
		cpu=$((cpu + $(kv "$p.out" "window_cpu_ns_$i")))
	done
	T_WIN_US=$us T_CPU_NS=$cpu T_SENT=$sent T_GOT=$recv
	T_PPS=$((T_RECV * 1000000 / us))
	T_OFFERED=$(($(kv "$p.out" window_sent) * 1000000 / us))
	T_LOSS=$(awk -v s="$sent" -v r="$recv" \
		'BEGIN { printf "%.2f\n", (s > 0 ? 100 * (s - r) / s : 0) }')
	T_LINE="$T_PPS pps of $T_OFFERED offered, loss $T_LOSS%;"
	T_LINE+=" cpu %: router $(div $((cpu / 10)) "$us" 1)"
	T_LINE+=", generator $(div $(($(kv "$p.out" window_gen_ns) / 10)) \
		"$us" 1), machine $(div $(($(kv "$p.out" window_busy_ns) / \
		10)) "$us" 1) of $(($(nproc) * 100))"
}

# --- the paths ---

xdp_off()
{
	ip -n "$px" link set dev eth1 xdpdrv off 2>/dev/null
}

xdp_load()
{
	xdp_off
	ip netns exec "$px" "$FLOWS" load -o "$XDP_OBJ" -i eth1 -t eth1,eth2 \
		-f "$1" -s "$UAC" -O "$PX_R" -P "$UAS:$SINK_PORT" \
		>"$TMP_DIR/xdpflows.out" 2>&1 || {
		say "  xdpflows: $(tail -2 "$TMP_DIR/xdpflows.out")"
		return 1
	}
}

# xdp_check: sipfp_xdp's own count of what it forwarded beside the sink's.
xdp_check()
{
	local s=$TMP_DIR/xdp-stats

	ip netns exec "$px" "$FLOWS" stats -i eth1 >"$s" 2>&1 || return 0
	say "  sent $T_SENT, sink got $T_GOT; sipfp_xdp: redirected" \
		"$(kv "$s" xstat_fwd_redirect), flows" \
		"counted $(kv "$s" flow_packets), passed" \
		"$(awk -F= '/^xstat_pass_/ { n += $2 } END { print n + 0 }' \
			"$s"), dropped $(kv "$s" xstat_drop_source)"
}

# xdp_time N FILE: the per-packet figures of sipfp_xdp with N flows.
xdp_time()
{
	local t=$TMP_DIR/time-n$1 v

	ip netns exec "$px" "$GEN" time -i eth1 -M "$PX_MAC" -A "$UAC_MAC" \
		-s "$UAC" -f "$2" -S "$SSRC" -n "$REPEAT" -k "$ROUNDS" \
		>"$t" 2>&1 || { say "  xdpgen time: $(tail -2 "$t")"; return; }
	v=$(kv "$t" verdict)
	# 4: XDP_REDIRECT, 3: XDP_TX
	if [ "$v" != 4 ] && [ "$v" != 3 ]; then
		echo "# xdp_ns_per_pkt_n$1: sipfp_xdp's verdict was $v, not" \
			"a forward: not measured"
		return
	fi
	echo "xdp_ns_per_pkt_n$1=$(kv "$t" ns_per_pkt)"
	echo "xdp_prog_ns_per_pkt_n$1=$(($(kv "$t" ns_per_pkt) - \
		$(kv "$t" base_ns_per_pkt)))"
	BASE_NS=$(kv "$t" base_ns_per_pkt)
	[ "$(kv "$t" ns_per_pkt)" -le "${MAX_NS:-0}" ] ||
		MAX_NS=$(kv "$t" ns_per_pkt)
}

# --- the relay ---

sipfpd_config()
{
	local dir=$TMP_DIR/sipfpd

	mkdir -p "$dir/state" "$dir/run"
	: >"$TMP_DIR/users"
	chmod 600 "$TMP_DIR/users"
	# as bench_rtp.sh's: the caller trusted by address, port pairs for
	# every call on each side, no media timeout, a long latch window
	cat >"$TMP_DIR/sipfpd.conf" <<EOC
[general]
user =
state_dir = $dir/state
run_dir = $dir/run
[sip]
listen = udp:$PX_L:5060 udp:$PX_R:5060
domain = $DOMAIN
rate_limit = 0
[auth]
users_file = $TMP_DIR/users
realm = $DOMAIN
trusted = $UAC
[media]
anchor = yes
fastpath = relay
port_min = 20000
port_max = 59999
media_timeout = 0
latch_window = 300
max_sessions = $((RELAY_MAX + 100))
[routes]
* = sip:$UAS:5060
EOC
	"$SIPFPD" -n -f "$TMP_DIR/sipfpd.conf" >"$TMP_DIR/sipfpd-n.log" 2>&1 ||
		{ cat "$TMP_DIR/sipfpd-n.log" >&2; setup_fail "sipfpd -n"; }
}

sipfpd_ready()
{
	[ "$(ip netns exec "$px" ss -Hlnu 'sport = :5060' | wc -l)" -ge 2 ] &&
		grep -q ' started$' "$1"
}

listening()
{
	[ "$(ip netns exec "$1" ss -Hlnu "sport = :$2" | wc -l)" -ge 1 ]
}

# relay_calls N FILE LOG: N calls through sipfpd (pid RELAY_PID); FILE
# gets the streams to its relay ports.
relay_calls()
{
	local uas_pid rc=0

	ip netns exec "$uas" python3 "$HERE/rtpua.py" uas \
		--listen "$UAS:5060" --media "$UAS:$SINK_PORT" 2>"$3-uas.log" &
	uas_pid=$!
	wait_for 5000 listening "$uas" 5060 ||
		{ say "  the callee did not start"; return 1; }
	ip netns exec "$uac" python3 "$HERE/rtpua.py" uac \
		--proxy "$PX_L:5060" --local "$UAC" \
		--callee "sip:$CALLEE@$UAS:5060" --calls "$1" \
		--port-base "$CALLER_PORT" --out "$2" 2>"$3-uac.log" || rc=1
	kill -TERM "$uas_pid" 2>/dev/null
	wait "$uas_pid" 2>/dev/null
	say "  $(tail -1 "$3-uac.log")"
	return $rc
}

# run_relay N: sets R_OK, and the trial's T_*.
run_relay()
{
	local p=$TMP_DIR/relay-n$1 pid ok=0

	router_rt off
	taskset -c 1 ip netns exec "$px" "$SIPFPD" -d \
		-f "$TMP_DIR/sipfpd.conf" 2>"$p-sipfpd.log" &
	pid=$!
	if ! wait_for 10000 sipfpd_ready "$p-sipfpd.log"; then
		say "  sipfpd did not start: $(tail -2 "$p-sipfpd.log" |
			tr '\n' ' ')"
		ok=1
	elif ! relay_calls "$1" "$p.streams" "$p"; then
		say "  not every call was set up"
		ok=1
	else
		trial "relay-n$1" "$p.streams" 0 "$pid" || ok=1
	fi
	kill -TERM "$pid" 2>/dev/null
	wait_for 10000 ns_empty "$px" || ns_kill "$px" KILL
	wait "$pid" 2>/dev/null
	router_rt on
	return $ok
}

# --- the figures ---

# flows_run N: every path's flat-out figures for N flows.
flows_run()
{
	local n=$1 f k
	local -A pps

	f=$TMP_DIR/kfwd-n$n.streams
	streams_kfwd "$n" >"$f"
	xdp_off
	if trial "kfwd-n$n" "$f" 0; then
		say "kfwd  n=$n: $T_LINE"
		pps[kfwd]=$T_PPS
		flat_figures kfwd "$n"
	fi
	f=$TMP_DIR/xdp-n$n.streams
	streams_xdp "$n" >"$f"
	if xdp_load "$f" && trial "xdp-n$n" "$f" 0; then
		say "xdp   n=$n: $T_LINE"
		xdp_check
		pps[xdp]=$T_PPS
		flat_figures xdp "$n"
		xdp_time "$n" "$f"
	fi
	xdp_off
	if [ $((4 * n)) -gt $((2 * 64512)) ]; then
		echo "# relay_pps_n$n: not measured: $n calls need $((4 * n))" \
			"relay ports (an RTP and RTCP pair on each side)," \
			"more than px's two addresses have (2 x 64 512)"
	elif [ "$n" -gt "$RELAY_MAX" ]; then
		echo "# relay_pps_n$n: not measured: past BENCH_RELAY_MAX" \
			"($RELAY_MAX)"
	elif run_relay "$n"; then
		say "relay n=$n: $T_LINE"
		pps[relay]=$T_PPS
		flat_figures relay "$n"
	fi
	for k in kfwd relay; do
		[ -z "${pps[xdp]:-}" ] || [ -z "${pps[$k]:-}" ] ||
			echo "xdp_vs_${k}_n$n=$(div "${pps[xdp]}" \
				"${pps[$k]}" 2)"
	done
}

# flat_figures PATH N: a flat-out trial's lines.
flat_figures()
{
	echo "${1}_pps_n$2=$T_PPS"
	echo "${1}_offered_pps_n$2=$T_OFFERED"
	echo "${1}_loss_pct_n$2=$T_LOSS"
	echo "${1}_router_cpu_pct_n$2=$(div $((T_CPU_NS / 10)) "$T_WIN_US" 1)"
	echo "${1}_pps_per_core_n$2=$(div $((T_RECV * 1000000000)) \
		"$T_CPU_NS" 0)"
}

# ns_per_pkt: the trial's watched CPU over the packets the sink counted
ns_per_pkt()
{
	div "$T_CPU_NS" "$T_RECV" 1
}

# fixed_trial PATH FILE: one trial of PATH (base: an XDP_DROP sink on
# px's eth1) at FIXED_PPS; FX_NS its router ns per packet. 1: no figure.
fixed_trial()
{
	local id

	case $1 in
	base)
		id=$(ip netns exec "$px" "$GEN" sink -i eth1 |
			sed -n 's/^map_id=//p')
		[ -n "$id" ] || { say "  no XDP_DROP sink on px's eth1"; return 1; }
		T_SINK=$id trial "fixed-base-$R" "$2" "$FIXED_PPS"
		;;
	xdp)
		xdp_load "$2" && trial "fixed-xdp-$R" "$2" "$FIXED_PPS"
		;;
	kfwd)
		trial "fixed-kfwd-$R" "$2" "$FIXED_PPS"
		;;
	esac || { xdp_off; return 1; }
	xdp_off
	say "  $1 at $FIXED_PPS pps: $T_LINE; $(ns_per_pkt) ns a packet"
	[ "$1" = base ] ||
		[ "$(awk -v l="$T_LOSS" 'BEGIN { print (l > 1) }')" = 0 ] ||
		echo "# ${1}_us_per_pkt: $T_LOSS% lost in round $R: over what" \
			"was forwarded"
	FX_NS=$(ns_per_pkt)
}

# median: the middle of the numbers on stdin (the lower of two)
median()
{
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# fixed_run: xdp_us_per_pkt and kfwd_us_per_pkt at FIXED_PPS, over
# FIXED_ROUNDS rounds of the base and both paths in turn: each round's
# path less the same round's base, the median kept, so that other load
# on the machine, which moves a trial's figure, moves a round's three
# alike or one round only.
fixed_run()
{
	local n=$FIXED_STREAMS fx fk f base path pps
	local -A d

	[ "$n" -gt 0 ] || return 0
	fx=$TMP_DIR/fixed-xdp.streams fk=$TMP_DIR/fixed-kfwd.streams
	streams_xdp "$n" >"$fx"
	streams_kfwd "$n" >"$fk"
	say "fixed load: $FIXED_PPS pps over $n flows, bursts of $BURST," \
		"$FIXED_ROUNDS rounds"
	echo "fixed_target_pps=$FIXED_PPS"
	echo "fixed_streams=$n"
	echo "fixed_rounds=$FIXED_ROUNDS"
	for ((R = 1; R <= FIXED_ROUNDS; R++)); do
		# the generator's packets dropped at px's door: what reaching
		# the router costs, without forwarding
		fixed_trial base "$fx" || continue
		base=$FX_NS
		echo "$T_PPS" >>"$TMP_DIR/fixed-base.pps"
		for path in kfwd xdp; do
			[ $path = kfwd ] && f=$fk || f=$fx
			fixed_trial $path "$f" || continue
			echo "$T_PPS" >>"$TMP_DIR/fixed-$path.pps"
			awk -v c="$FX_NS" -v b="$base" \
				'BEGIN { printf "%.3f\n", (c - b) / 1000 }' \
				>>"$TMP_DIR/fixed-$path.us"
		done
	done
	for path in base kfwd xdp; do
		pps=$(median <"$TMP_DIR/fixed-$path.pps" 2>/dev/null)
		[ -z "$pps" ] || echo "fixed_${path}_pps=$pps"
		[ $path = base ] && continue
		d[$path]=$(median <"$TMP_DIR/fixed-$path.us" 2>/dev/null)
		[ -z "${d[$path]}" ] || echo "${path}_us_per_pkt=${d[$path]}"
	done
	[ -z "${d[xdp]}" ] || [ -z "${d[kfwd]}" ] ||
		echo "xdp_vs_kfwd_cpu=$(div "${d[xdp]}" "${d[kfwd]}" 2)"
}

main()
{
	local p n

	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
	for p in ip ss awk python3 ethtool taskset chrt comm; do
		command -v "$p" >/dev/null || skip "no $p (make deps)"
	done
	for p in "$GEN" "$FLOWS" "$SIPFPD"; do
		[ -x "$p" ] || skip "no $p (make)"
	done
	[ -f "$XDP_OBJ" ] || skip "no $XDP_OBJ (make)"
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs: the generator's and" \
		"the router's"
	ip netns add "bench-probe-$$" 2>/dev/null ||
		skip "cannot create network namespaces"
	ip netns del "bench-probe-$$"

	trap cleanup EXIT
	TMP_DIR=$(mktemp -d /tmp/sipfp-bench-xdp.XXXXXX) || setup_fail mktemp
	ulimit -n "$(ulimit -Hn)" 2>/dev/null
	setup
	sipfpd_config

	echo "window_s=$WINDOW_S"
	echo "frame_bytes=214"
	echo "cores=$(nproc)"
	say "flows: $STREAMS; ${WINDOW_S} s windows; generator CPU 0, router" \
		"CPU 1 (NAPI thread $ROUTER_PID)"
	MAX_NS='' BASE_NS=''
	for n in $STREAMS; do
		flows_run "$n"
	done
	if [ -n "$MAX_NS" ]; then
		echo "xdp_ns_per_pkt=$MAX_NS"
		echo "xdp_base_ns_per_pkt=$BASE_NS"
	fi
	fixed_run
}

main "$@"
