#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Media relay throughput (issue 4, "Measure"): RTP through sipfpd's
# userspace relay, beside plain kernel IP forwarding of the same traffic
# and rtpengine's userspace relay, in the same topology in the same run:
#
#   uac                        px                             uas
#   192.0.2.2/24     veth      192.0.2.1/24
#   rtpblast send   ------     198.51.100.1/24      veth      198.51.100.2/24
#   rtpua.py uac               sipfpd or rtpengine ------     rtpblast sink
#                              (kfwd: ip_forward=1)           rtpua.py uas
#
# A stream is one call's RTP, caller to callee: a 12-byte RTP header
# (sequence, timestamp and SSRC as a phone sends them) and 160 bytes of
# PCMU, from the port the caller's SDP names. For N streams (1, 100,
# 10 000) each of three paths carries them in turn:
#
#   kfwd       rtpblast sends straight to the sink's address; px forwards
#   sipfpd     rtpua.py places N calls through sipfpd (INVITE with SDP,
#              200 with SDP, ACK); sipfpd anchors each call's media on
#              its relay ports, and rtpblast sends to the port the 200's
#              SDP gave the caller. sipfpd latches each flow to its
#              first packet, from the SDP's address.
#   rtpengine  rtpengine-daemon, userspace only (--table=-1), gets the
#              calls over its ng protocol (rtpng.py: offer, answer,
#              delete) and rtpblast sends to the ports its answer gave.
#
# rtpblast sends as fast as it can, a packet of each stream in turn
# (batched with sendmmsg on a raw socket); the sink counts what arrives.
# A trial's window (BENCH_SECONDS) starts a warm-up after the first packet
# reaches the sink; forwarded pps is what the sink received over it, and
# a relay's CPU its utime+stime (all threads) over the same window, read
# by the sink at both ends, in percent of one core. The ratio to kfwd is
# the figure to quote.
#
# Flat out, a relay competes for the cores with a sender that takes all
# it can get, and rtpengine's guard against floods (a socket found with
# over 50 packets queued five times is never read again) leaves it next
# to nothing with few streams. So each relay also gets a held rate
# (*_held_pps_nN): the highest paced rate it forwards whole, 99% of it
# over the window, searched from its flat-out figure in at most
# BENCH_HELD_PROBES trials. Then, at a fixed offered load
# (BENCH_FIXED_PPS over BENCH_FIXED_STREAMS, 20 ms packets as a phone
# sends), each relay's CPU microseconds per forwarded packet.
#
# All calls in a trial send to one sink port (the callee's SDP names the
# same address for every call), so the sink is one socket. sipfpd and
# rtpengine start afresh for every trial. After sipfpd's trials its
# per-flow log lines ("media: flow ... packets=N", logged as SIGTERM ends
# the calls) are summed and set beside what rtpblast sent and the sink
# got, on stderr; rtpengine's delete replies are summed the same way.
#
# A relay holds four sockets a call (an RTP and RTCP port on each side),
# so 10 000 calls take some 40 000 descriptors. The script raises the
# limit to the hard one (higher takes CAP_SYS_RESOURCE); where one
# process still cannot hold N calls, each relay runs as the fewest
# processes that can, in px, each with its own SIP or ng port, its own
# share of the calls and of the relay port range. All of a relay's
# processes are pinned to one CPU (taskset), so together they get no
# more of the machine than one single-threaded relay could; their
# forwarded packets are the sink's, their CPU the sum of theirs. stdout
# says so (relay_procs_nN, rtpengine_procs_nN and a "# " line naming the
# limit).
#
# The machine's cores are shared by the sender, the relay and the sink,
# and kernel forwarding runs in the sender's and the sink's time, so on
# 2 cores kfwd measures the sender as much as the kernel: the progress
# lines show every party's CPU.
#
# stdout: key=value figures, the unit in the key (pps: forwarded packets
# per second; cpu_pct: percent of one core; us_per_pkt: CPU microseconds
# per forwarded packet; procs: processes), and "# " lines that say why a
# figure was taken differently. stderr: progress.
# Needs root, python3, iproute2, taskset, rtpblast and sipfpd built (make);
# rtpengine-daemon (make deps) for its figures, which are left out, with
# the reason on stderr, when it cannot run. Without root or the rest it
# says why on stderr and exits 0; a set-up failure exits 1 before any
# traffic.
#
# Environment:
#   BENCH_QUICK=1            1 s windows after 0.5 s warm-ups, one held
#                            probe: for working on the script and CI
#                            smoke runs (about a minute), not the
#                            benchmark
#   BENCH_SECONDS            window length (5)
#   BENCH_WARMUP_MS          warm-up before the window (1000)
#   BENCH_STREAMS            stream counts ("1 100 10000")
#   BENCH_HELD_PROBES        paced trials per held search (4; 0: none)
#   BENCH_FIXED_PPS          the fixed offered load, pps (50000)
#   BENCH_FIXED_STREAMS      over this many streams (1000); 0: skip
#   BENCH_PATHS              what to measure ("kfwd sipfpd rtpengine")
#   BENCH_RTPENGINE_THREADS  rtpengine --num-threads (its default: cores)
#   BENCH_PIN=1              the sender on CPU 0, relay and sink on CPU 1:
#                            the relay's share of the machine no longer
#                            depends on the scheduler (default: unpinned;
#                            a relay split over processes is pinned to
#                            the last CPU regardless)
#   BENCH_KEEP=1             keep the scratch directory (logs, outputs)
#   O, SIPFPD, RTPENGINE     build tree (build), sipfpd and rtpengine

set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
HERE=$PWD/tools/bench
# shellcheck source=tools/bench/lib.sh
. "$HERE/lib.sh"
O=$(realpath -m "${O:-build}")
SIPFPD=${SIPFPD:-$O/daemon/sipfpd}
RTPENGINE=${RTPENGINE:-rtpengine}
BLAST=$O/tools/bench/rtpblast

if [ -n "${BENCH_QUICK:-}" ]; then
	q_secs=1 q_warm=500 q_probes=1 q_tail=500
else
	q_secs=5 q_warm=1000 q_probes=4 q_tail=1000
fi
WINDOW_S=${BENCH_SECONDS:-$q_secs}
WARMUP_MS=${BENCH_WARMUP_MS:-$q_warm}
STREAMS=${BENCH_STREAMS:-1 100 10000}
HELD_PROBES=${BENCH_HELD_PROBES:-$q_probes}
FIXED_PPS=${BENCH_FIXED_PPS:-50000}
FIXED_STREAMS=${BENCH_FIXED_STREAMS:-1000}
PATHS=${BENCH_PATHS-kfwd sipfpd rtpengine}
RTPE_THREADS=${BENCH_RTPENGINE_THREADS:-}
PIN_SEND=() PIN_BOX=()
# the CPU of every process of a relay split in several
SPLIT_CPU=$(($(nproc) - 1))
if [ -n "${BENCH_PIN:-}" ]; then
	PIN_SEND=(taskset -c 0) PIN_BOX=(taskset -c 1) SPLIT_CPU=1
fi

DOMAIN=bench.example.org
CALLEE=15550001
# caller i sends from CALLER_PORT + 2i (RTP ports are even)
CALLER_PORT=20000
SINK_PORT=40000
# the relays' ports: two pairs a call on each side's address
RELAY_PORT_MIN=20000
RELAY_PORT_MAX=59999
NG_PORT=2223
# a relay's process J listens for SIP on SIP_PORT + J, for ng on NG_PORT + J
SIP_PORT=5060
# descriptors a relay holds a call, and for all else (listeners, logs)
FDS_PER_CALL=4
FDS_SPARE=256
# the sink watches each process of a relay and the sender, 16 at most
MAX_PROCS=15
SSRC=0x5eed0000
# the sender keeps going this long past the window, so the window ends
# under load, and the sink stops once nothing came for IDLE_MS
TAIL_MS=$q_tail
IDLE_MS=500
# the sender waits this long so the sink is bound before packets come
SEND_DELAY_MS=300

NS_LIST=()
TMP_DIR=
uac='' px='' uas='' # namespace names, set by setup_ns

# stop PID NS: SIGTERM, and SIGKILL for whatever is left in NS after 10 s.
stop()
{
	kill -TERM "$1" 2>/dev/null
	wait_for 10000 ns_empty "$2" || ns_kill "$2" KILL
	wait "$1" 2>/dev/null
}

listening()
{
	[ "$(ip netns exec "$1" ss -Hlnu "sport = :$2" | wc -l)" -ge "${3:-1}" ]
}

# --- the relays' processes ---

# procs N: the fewest processes of a relay whose descriptors hold N calls.
procs()
{
	local per=$(((NOFILE - FDS_SPARE) / FDS_PER_CALL))

	[ "$per" -ge 1 ] || per=1
	echo $((($1 + per - 1) / per))
}

# share N K J: "CALLS FIRST": process J's calls of N split over K, and the
# index of its first.
share()
{
	local base=$(($1 / $2)) extra=$(($1 % $2)) before

	before=$(($3 < extra ? $3 : extra))
	echo "$((base + ($3 < extra))) $(($3 * base + before))"
}

# chunk K J: "MIN MAX", process J's ports of the relay range split over
# K, from an even port to an odd one.
chunk()
{
	local size=$(((RELAY_PORT_MAX - RELAY_PORT_MIN + 1) / $1 / 2 * 2))
	local lo=$((RELAY_PORT_MIN + $2 * size))

	echo "$lo $((lo + size - 1))"
}

relay_conf()
{
	echo "$TMP_DIR/$1-k$2-$3.conf"
}

# sipfpd_config K J: the configuration of process J of K, checked once.
sipfpd_config()
{
	local conf dir lo hi

	conf=$(relay_conf sipfpd "$1" "$2")
	[ ! -e "$conf" ] || return 0
	dir=$TMP_DIR/sipfpd$2
	read -r lo hi < <(chunk "$1" "$2")
	mkdir -p "$dir/state" "$dir/run"
	# The caller is trusted by address, as a trunk is; the relay has
	# port pairs for every call on each side's address, no media timeout,
	# and latches for as long as a trial can take to start.
	cat >"$conf" <<EOC
[general]
user =
state_dir = $dir/state
run_dir = $dir/run
[sip]
listen = udp:$PX_L:$((SIP_PORT + $2)) udp:$PX_R:$((SIP_PORT + $2))
domain = $DOMAIN
rate_limit = 0
[auth]
users_file = $TMP_DIR/users
realm = $DOMAIN
trusted = $UAC
[media]
anchor = yes
fastpath = relay
port_min = $lo
port_max = $hi
media_timeout = 0
latch_window = 300
max_sessions = $((MAX_CALLS + 100))
[routes]
* = sip:$UAS:5060
EOC
	"$SIPFPD" -n -f "$conf" >"$TMP_DIR/sipfpd-n.log" 2>&1 ||
		{ cat "$TMP_DIR/sipfpd-n.log" >&2; setup_fail "sipfpd -n"; }
}

# rtpengine_config K J
rtpengine_config()
{
	local threads="# num-threads: rtpengine's default" conf lo hi

	conf=$(relay_conf rtpengine "$1" "$2")
	[ ! -e "$conf" ] || return 0
	read -r lo hi < <(chunk "$1" "$2")
	[ -z "$RTPE_THREADS" ] || threads="num-threads = $RTPE_THREADS"
	sed -e "s/@LEFT@/$PX_L/" -e "s/@RIGHT@/$PX_R/" \
	    -e "s/@NG_PORT@/$((NG_PORT + $2))/" -e "s/@PORT_MIN@/$lo/" \
	    -e "s/@PORT_MAX@/$hi/" -e "s/@THREADS@/$threads/" \
	    "$HERE/rtpengine.conf" >"$conf" || setup_fail "$conf"
}

# configs NAME: NAME's configurations for every stream count, before any
# traffic.
configs()
{
	local n k j

	for n in 1 $STREAMS $FIXED_STREAMS; do
		k=$(procs "$n")
		[ "$k" -le "$MAX_PROCS" ] || continue
		for ((j = 0; j < k; j++)); do
			"${1}_config" "$k" "$j"
		done
	done
}

# relay_ready NAME J LOG: whether process J takes calls: sipfpd says so
# and listens on both sides, rtpengine listens for ng.
relay_ready()
{
	if [ "$1" = sipfpd ]; then
		listening "$px" $((SIP_PORT + $2)) 2 && grep -q ' started$' "$3"
	else
		listening "$px" $((NG_PORT + $2))
	fi
}

# relays_ready NAME PREFIX: whether every process in RELAY_PIDS is.
relays_ready()
{
	local j

	for j in "${!RELAY_PIDS[@]}"; do
		relay_ready "$1" "$j" "$2-$1$j.log" || return 1
	done
}

# relays_up NAME PREFIX: all ready, or one gone: nothing more to wait for.
relays_up()
{
	local pid

	for pid in "${RELAY_PIDS[@]}"; do
		kill -0 "$pid" 2>/dev/null || return 0
	done
	relays_ready "$@"
}

# relay_exec NAME CONF LOG [PIN...]: becomes the relay, in px.
relay_exec()
{
	local name=$1 conf=$2 log=$3

	shift 3
	if [ "$name" = sipfpd ]; then
		exec "$@" ip netns exec "$px" "$SIPFPD" -d -f "$conf" 2>"$log"
	fi
	exec "$@" ip netns exec "$px" "$RTPENGINE" --table=-1 \
		--config-file="$conf" --config-section=rtpengine >"$log" 2>&1
}

# relay_why NAME PREFIX: says why the first process not ready is not.
relay_why()
{
	local j pid who=$1 why

	for j in "${!RELAY_PIDS[@]}"; do
		pid=${RELAY_PIDS[$j]}
		relay_ready "$1" "$j" "$2-$1$j.log" && continue
		if kill -0 "$pid" 2>/dev/null; then
			why="did not start in 10 s"
		else
			wait "$pid"
			why="exited at start (status $?)"
		fi
		[ "${#RELAY_PIDS[@]}" -eq 1 ] ||
			who+=" (process $j of ${#RELAY_PIDS[@]})"
		say "$who $why: $(tail -3 "$2-$1$j.log" | tr '\n' ' ')"
		return
	done
}

# relay_start NAME PREFIX K: sipfpd or rtpengine, fresh, in px, as K
# processes (logs PREFIX-NAMEJ.log), all on SPLIT_CPU when more than one;
# sets RELAY_PIDS. Returns 1, saying why, when one does not come up.
relay_start()
{
	local j pin=("${PIN_BOX[@]}")

	[ "$3" -eq 1 ] || pin=(taskset -c "$SPLIT_CPU")
	RELAY_PIDS=()
	for ((j = 0; j < $3; j++)); do
		relay_exec "$1" "$(relay_conf "$1" "$3" "$j")" \
			"$2-$1$j.log" "${pin[@]}" &
		RELAY_PIDS+=($!)
	done
	wait_for 10000 relays_up "$1" "$2"
	relays_ready "$1" "$2" && return 0
	relay_why "$1" "$2"
	relays_stop
	return 1
}

# relays_stop: SIGTERM to every process in RELAY_PIDS, and SIGKILL for
# whatever is left in px after 10 s.
relays_stop()
{
	local pid

	for pid in "${RELAY_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	wait_for 10000 ns_empty "$px" || ns_kill "$px" KILL
	for pid in "${RELAY_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
}

# --- the calls ---
# calls_sipfpd N FILE PREFIX: N calls through sipfpd's processes in turn,
# each its share, FILE the streams.
calls_sipfpd()
{
	local k=${#RELAY_PIDS[@]} j rc=0

	ip netns exec "$uas" python3 "$HERE/rtpua.py" uas \
		--listen "$UAS:5060" --media "$UAS:$SINK_PORT" \
		2>"$3-uas.log" &
	UAS_PID=$!
	wait_for 5000 listening "$uas" 5060 ||
		{ say "the callee did not start"; return 1; }
	: >"$2"
	for ((j = 0; j < k && rc == 0; j++)); do
		calls_share sipfpd "$1" "$k" "$j" "$2" "$3" || rc=1
	done
	# the callee has nothing more to do: out of the trial's way
	stop "$UAS_PID" "$uas"
	return $rc
}

calls_rtpengine()
{
	local k=${#RELAY_PIDS[@]} j

	: >"$2"
	for ((j = 0; j < k; j++)); do
		calls_share rtpengine "$1" "$k" "$j" "$2" "$3" || return 1
	done
}

# calls_share NAME N K J FILE PREFIX: process J's share of N calls,
# callers' ports following the shares before it; appends to FILE.
calls_share()
{
	local n first out=$5.$4 log rc=0

	read -r n first < <(share "$2" "$3" "$4")
	if [ "$1" = sipfpd ]; then
		log=$6-uac$4.log
		ip netns exec "$uac" python3 "$HERE/rtpua.py" uac \
			--proxy "$PX_L:$((SIP_PORT + $4))" --local "$UAC" \
			--callee "sip:$CALLEE@$UAS:5060" --calls "$n" \
			--port-base $((CALLER_PORT + 2 * first)) --out "$out" \
			2>"$log" || rc=1
	else
		log=$6-ng$4.log
		ip netns exec "$px" python3 "$HERE/rtpng.py" \
			--ng "127.0.0.1:$((NG_PORT + $4))" setup --calls "$n" \
			--caller "$UAC" --callee "$UAS:$SINK_PORT" \
			--port-base $((CALLER_PORT + 2 * first)) \
			--out "$out" 2>"$log" || rc=1
	fi
	cat "$out" >>"$5" 2>/dev/null
	say "  $(tail -1 "$log")"
	return $rc
}

# --- a trial ---

TRIAL_N=0

# trial PREFIX N FILE RATE [PID...]: rtpblast sends N streams (FILE) at
# RATE (0: flat out) while the sink counts; the PIDs' CPU over the window
# too. Sets T_PPS, T_CPU_US (the PIDs' sum, -1 for none), T_WIN_PK and
# T_WIN_US (the window's packets and length), T_SENT, T_TOTAL, and T_LINE
# for progress.
trial()
{
	local p=$1 n=$2 gen sink secs pid watch=()

	secs=$(div $((WARMUP_MS + WINDOW_S * 1000 + TAIL_MS)) 1000 3)
	read -r -a T_DROPS0 <<<"$(udp_drops "$px") $(udp_drops "$uas")"
	"${PIN_SEND[@]}" ip netns exec "$uac" "$BLAST" send -s "$UAC" \
		-f "$3" -r "$4" -t "$secs" -d "$SEND_DELAY_MS" -S "$SSRC" \
		>"$p-send.out" 2>"$p-send.err" &
	gen=$!
	for pid in "${@:5}"; do
		watch+=(-p "$pid")
	done
	watch+=(-p "$gen")
	"${PIN_BOX[@]}" ip netns exec "$uas" "$BLAST" sink \
		-l "$UAS:$SINK_PORT" -n "$n" -S "$SSRC" -w "$WARMUP_MS" \
		-m $((WINDOW_S * 1000)) -i "$IDLE_MS" -T 5000 "${watch[@]}" \
		>"$p-sink.out" 2>"$p-sink.err" &
	sink=$!
	wait "$gen"
	wait "$sink"
	read -r -a T_DROPS1 <<<"$(udp_drops "$px") $(udp_drops "$uas")"
	trial_read "$p" "$n" $(($# - 4))
}

# cpu_sum FILE K: the sum of the sink's cpu_us_0 to cpu_us_K-1; -1 when
# one is missing or -1 (gone before the window ended).
cpu_sum()
{
	awk -F= -v k="$2" '$1 ~ /^cpu_us_[0-9]+$/ && substr($1, 8) + 0 < k {
		if ($2 < 0)
			bad = 1
		s += $2
		n++
	}
	END { print (bad || n < k) ? -1 : s }' "$1"
}

# trial_read PREFIX N K: the figures of the trial just run, K processes
# watched besides the sender.
trial_read()
{
	local p=$1 pk us sent el seen k=$3 procs=''

	pk=$(kv "$p-sink.out" window_packets)
	us=$(kv "$p-sink.out" window_us)
	sent=$(kv "$p-send.out" sent)
	el=$(kv "$p-send.out" elapsed_us)
	seen=$(kv "$p-sink.out" streams_seen)
	T_TOTAL=$(kv "$p-sink.out" total_packets)
	T_SENT=${sent:-0}
	if ! [[ "$pk$us$el$seen$T_TOTAL$sent" =~ ^[0-9]+$ ]]; then
		say "  no figures from rtpblast: $(cat "$p-send.err" \
			"$p-sink.err" | head -3 | tr '\n' ' ')"
		T_PPS=0 T_CPU_US=-1 T_WIN_PK=0 T_WIN_US=0 T_LINE="failed"
		return 1
	fi
	T_PPS=$((pk * 1000000 / (us > 0 ? us : 1)))
	T_WIN_PK=$pk T_WIN_US=$us
	T_CPU_US=-1
	[ "$k" -eq 0 ] || T_CPU_US=$(cpu_sum "$p-sink.out" "$k")
	[ "$k" -le 1 ] || procs=" ($k processes)"
	T_LINE="$T_PPS pps forwarded of"
	T_LINE+=" $((sent * 1000000 / (el > 0 ? el : 1))) sent (the run's"
	T_LINE+=" mean); streams seen $seen/$2; cpu %:"
	[ "$k" -eq 0 ] ||
		T_LINE+=" relay $(cpu_pct "$T_CPU_US" "$us")$procs,"
	T_LINE+=" sender $(cpu_pct "$(kv "$p-sink.out" cpu_us_"$k")" "$us"),"
	T_LINE+=" sink $(cpu_pct "$(kv "$p-sink.out" cpu_us_sink)" "$us")"
	[ "$(kv "$p-sink.out" window_done)" = 1 ] ||
		T_LINE+=" (packets stopped before the window ended)"
	[ "$seen" -eq "$2" ] || T_LINE+=" (streams missing)"
}

# cpu_pct US WINDOW_US: in percent of one core, one decimal.
cpu_pct()
{
	[ "${1:--1}" -ge 0 ] || { echo "-"; return; }
	div $(($1 * 100)) "$2" 1
}

# --- each path's run: set up, trial, tear down, and check the counts ---

# run_kfwd N RATE: sets R_PPS, R_CPU_US (-1: no process to measure).
run_kfwd()
{
	local f=$TMP_DIR/kfwd-n$1.streams p

	TRIAL_N=$((TRIAL_N + 1))
	p=$TMP_DIR/t$TRIAL_N-kfwd-n$1
	awk -v n="$1" -v base="$CALLER_PORT" -v ip="$UAS" -v port="$SINK_PORT" \
		'BEGIN { for (i = 0; i < n; i++)
			print base + 2 * i, ip, port }' >"$f"
	trial "$p" "$1" "$f" "$2" || return 1
	say "$(label kfwd "$1" "$2"): $T_LINE"
}

# flow_sums LOG...: "flows packets drop_source drop_no_peer drop_send"
# over sipfpd's logged flows of the caller's RTP.
flow_sums()
{
	awk '/ media: flow / && / from=caller / && / kind=rtp / {
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] += kv[2]
		}
		n++
	}
	END { printf "%d %d %d %d %d\n", n, v["packets"], v["drop_source"],
		v["drop_no_peer"], v["drop_send"] }' "$@"
}

# agree SENT RELAYED SINK: whether what the relay says it forwarded is
# what the sink got, within 1% (the sink's socket may overflow: the
# kernel's counts say).
agree()
{
	local d=$(($2 - $3))

	[ "${d#-}" -le $(($2 / 100 + 10)) ]
}

drops_line()
{
	echo "kernel UDP drops: px $((T_DROPS1[0] - T_DROPS0[0])), uas" \
		"$((T_DROPS1[1] - T_DROPS0[1]))"
}

run_sipfpd()
{
	local n=$1 p f flows pk dsrc dnop dsend ok=0

	TRIAL_N=$((TRIAL_N + 1))
	p=$TMP_DIR/t$TRIAL_N-sipfpd-n$n
	f=$p.streams
	relay_start sipfpd "$p" "$(procs "$n")" || return 1
	if ! calls_sipfpd "$n" "$f" "$p"; then
		say "  sipfpd: not every call was set up; no figure for n=$n"
		relays_stop
		return 1
	fi
	trial "$p" "$n" "$f" "$2" "${RELAY_PIDS[@]}" || ok=1
	# SIGTERM ends every call with reason=shutdown, logging its flows
	relays_stop
	[ "$ok" -eq 0 ] || return 1
	say "$(label sipfpd "$n" "$2"): $T_LINE"
	read -r flows pk dsrc dnop dsend < <(flow_sums "$p"-sipfpd*.log)
	say "  sent $T_SENT, sipfpd forwarded $pk on $flows flows (dropped:" \
		"source $dsrc, no peer $dnop, send $dsend), sink got" \
		"$T_TOTAL; $(drops_line)"
	agree "$T_SENT" "$pk" "$T_TOTAL" ||
		say "  sipfpd's flow counters and the sink disagree by more" \
			"than 1%"
	[ "$flows" -eq "$n" ] ||
		say "  sipfpd logged $flows caller RTP flows for $n calls"
}

# rtpengine_delete N PREFIX: deletes each process's share of N calls;
# the RTP packets they counted, summed ("" if one did not say).
rtpengine_delete()
{
	local k=${#RELAY_PIDS[@]} j c pk sum=0

	for ((j = 0; j < k; j++)); do
		read -r c _ < <(share "$1" "$k" "$j")
		pk=$(ip netns exec "$px" python3 "$HERE/rtpng.py" \
			--ng "127.0.0.1:$((NG_PORT + j))" delete --calls "$c" \
			2>>"$2-ng$j.log" | sed -n 's/^rtp_packets=//p')
		[ -n "$pk" ] || return 0
		sum=$((sum + pk))
	done
	echo "$sum"
}

run_rtpengine()
{
	local n=$1 p f pk ok=0

	TRIAL_N=$((TRIAL_N + 1))
	p=$TMP_DIR/t$TRIAL_N-rtpengine-n$n
	f=$p.streams
	relay_start rtpengine "$p" "$(procs "$n")" || return 1
	if ! calls_rtpengine "$n" "$f" "$p"; then
		say "  rtpengine: not every call was set up; no figure for n=$n"
		relays_stop
		return 1
	fi
	trial "$p" "$n" "$f" "$2" "${RELAY_PIDS[@]}" || ok=1
	pk=$(rtpengine_delete "$n" "$p")
	relays_stop
	[ "$ok" -eq 0 ] || return 1
	say "$(label rtpengine "$n" "$2"): $T_LINE"
	say "  sent $T_SENT, rtpengine counted ${pk:-?} RTP packets, sink" \
		"got $T_TOTAL; $(drops_line)"
	# its guard against floods: a socket found with over 50 packets
	# queued 5 times is never read again, for the rest of the call
	! grep -q 'UDP receive queue exceeded' "$p"-rtpengine*.log ||
		say "  rtpengine's flood guard stopped reading some of its" \
			"sockets (its log: \"UDP receive queue exceeded\")"
}

# label PATH N RATE: a trial's name on its progress line
label()
{
	local at=''

	[ "$3" -eq 0 ] || at=" at $3/s"
	printf '%-9s n=%s%s' "$1" "$2" "$at"
}

# run PATH N RATE: one path's trial, T_* its figures; 1 when it had none.
run()
{
	T_CPU_US=-1
	"run_$1" "$2" "$3"
}

uses()
{
	[[ " $PATHS " == *" $1 "* ]]
}

# --- the figures ---

# key names: kfwd_pps_nN, relay_pps_nN (sipfpd), rtpengine_pps_nN
key_of()
{
	[ "$1" = sipfpd ] && echo relay && return
	echo "$1"
}

# held PATH N START: the highest paced rate PATH forwards whole (99% of
# it over the window), searched from START: up by half until a rate
# fails, down by a third until one holds, then bisecting, HELD_PROBES
# trials at most, to the nearest 1000/s. Sets H_PPS (0: none held) and
# H_CPU_US, H_WIN_US, the relay's CPU at that rate.
held()
{
	local path=$1 n=$2 r=$3 lo=0 hi=0 i=0

	H_PPS=0 H_CPU_US=-1 H_WIN_US=0
	r=$(((r + 500) / 1000 * 1000))
	while [ "$i" -lt "$HELD_PROBES" ] && [ "$r" -ge 1000 ]; do
		i=$((i + 1))
		run "$path" "$n" "$r" || break
		if [ $((T_PPS * 100)) -ge $((r * 99)) ]; then
			lo=$r H_PPS=$r H_CPU_US=$T_CPU_US H_WIN_US=$T_WIN_US
		else
			hi=$r
		fi
		if [ "$lo" -gt 0 ] && [ "$hi" -gt 0 ]; then
			r=$(((lo + hi) / 2))
		elif [ "$lo" -gt 0 ]; then
			r=$((r * 3 / 2))
		else
			r=$((r * 2 / 3))
		fi
		r=$(((r + 500) / 1000 * 1000))
		if [ "$r" -eq "$lo" ] || [ "$r" -eq "$hi" ]; then
			break
		fi
	done
}

# Flat out, each path in turn; then each relay's held rate, from its
# flat-out figure (from sipfpd's when rtpengine's flood guard left it at
# nothing, so both searches start alike).
streams_run()
{
	local n path k relays start
	local -A pps

	for n in $STREAMS; do
		pps=()
		relays=1
		relays_fit "$n" || relays=0
		for path in $PATHS; do
			[ "$path" = kfwd ] || [ "$relays" = 1 ] || continue
			run "$path" "$n" 0 || continue
			k=$(key_of "$path")
			pps[$path]=$T_PPS
			echo "${k}_pps_n$n=$T_PPS"
			[ "$T_CPU_US" -lt 0 ] ||
				echo "${k}_cpu_pct_n$n=$(cpu_pct "$T_CPU_US" \
					"$T_WIN_US")"
		done
		[ -z "${pps[kfwd]:-}" ] || [ -z "${pps[sipfpd]:-}" ] ||
			echo "relay_kfwd_ratio_n$n=$(div "${pps[sipfpd]}" \
				"${pps[kfwd]}" 2)"
		[ "${pps[rtpengine]:-0}" -eq 0 ] || [ -z "${pps[sipfpd]:-}" ] ||
			echo "relay_rtpengine_ratio_n$n=$(div "${pps[sipfpd]}" \
				"${pps[rtpengine]}" 2)"
		if [ "$relays" = 0 ] || [ "$HELD_PROBES" -eq 0 ]; then
			continue
		fi
		for path in $PATHS; do
			if [ "$path" = kfwd ] || [ -z "${pps[$path]:-}" ]; then
				continue
			fi
			start=${pps[$path]}
			[ "$start" -ge 1000 ] || start=${pps[sipfpd]:-0}
			[ "$start" -ge 1000 ] || start=$((${pps[kfwd]:-0} / 2))
			held "$path" "$n" "$start"
			k=$(key_of "$path")
			echo "${k}_held_pps_n$n=$H_PPS"
			[ "$H_CPU_US" -lt 0 ] ||
				echo "${k}_held_cpu_pct_n$n=$(cpu_pct \
					"$H_CPU_US" "$H_WIN_US")"
		done
	done
}

fixed_run()
{
	local path k

	[ "$FIXED_STREAMS" -gt 0 ] && relays_fit "$FIXED_STREAMS" || return 0
	say "fixed load: $FIXED_PPS pps over $FIXED_STREAMS streams"
	echo "fixed_offered_pps=$FIXED_PPS"
	echo "fixed_streams=$FIXED_STREAMS"
	for path in $PATHS; do
		[ "$path" != kfwd ] || continue
		run "$path" "$FIXED_STREAMS" "$FIXED_PPS" || continue
		k=$(key_of "$path")
		echo "${k}_fixed_pps=$T_PPS"
		[ "$T_CPU_US" -ge 0 ] || continue
		echo "${k}_fixed_cpu_pct=$(cpu_pct "$T_CPU_US" "$T_WIN_US")"
		echo "${k}_us_per_pkt=$(div "$T_CPU_US" "$T_WIN_PK" 2)"
	done
}

# rtpengine's figures need it installed and starting; the rest go on
# without it, saying why.
rtpengine_check()
{
	local p

	uses rtpengine || return 0
	if ! command -v "$RTPENGINE" >/dev/null; then
		say "rtpengine: not installed (make deps: rtpengine-daemon);" \
			"its figures are left out"
	else
		configs rtpengine
		if relay_start rtpengine "$TMP_DIR/probe" 1; then
			relays_stop
			return 0
		fi
		say "rtpengine: cannot run here; its figures are left out"
	fi
	PATHS=$(for p in $PATHS; do [ "$p" = rtpengine ] || echo "$p"; done |
		paste -sd' ')
}

# A relay holds two port pairs a call, each two sockets: 10 000 calls
# take 40 000 descriptors, past many a default limit. Raising the hard
# limit needs CAP_SYS_RESOURCE; the relays inherit the soft one.
raise_nofile()
{
	ulimit -Hn 1048576 2>/dev/null
	ulimit -n "$(ulimit -Hn)" 2>/dev/null
	NOFILE=$(ulimit -n)
}

relays_used()
{
	uses sipfpd || uses rtpengine
}

# relays_fit N: whether the relays can carry N calls, in at most
# MAX_PROCS processes each. When one process cannot, says on stdout how
# many each relay runs as, and why.
relays_fit()
{
	local k path need=$(($1 * FDS_PER_CALL + FDS_SPARE))

	k=$(procs "$1")
	relays_used && [ "$k" -gt 1 ] || return 0
	if [ "$k" -gt "$MAX_PROCS" ]; then
		say "n=$1: a relay needs $need descriptors, $k processes" \
			"under the limit of $NOFILE, past the $MAX_PROCS the" \
			"sink watches: the relays' figures for n=$1 are" \
			"left out"
		return 1
	fi
	for path in $PATHS; do
		[ "$path" = kfwd ] || echo "$(key_of "$path")_procs_n$1=$k"
	done
	echo "# n=$1: a relay needs $need descriptors ($FDS_PER_CALL a" \
		"call), past the hard RLIMIT_NOFILE of $NOFILE (raising it" \
		"needs CAP_SYS_RESOURCE): each relay runs as $k processes of" \
		"$(share "$1" "$k" 0 | cut -d' ' -f1) calls at most, all on" \
		"CPU $SPLIT_CPU; their pps and cpu_pct are the sums"
}

main()
{
	local p

	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
	for p in ip ss awk python3 sysctl taskset; do
		command -v "$p" >/dev/null || skip "no $p (make deps)"
	done
	[ -x "$BLAST" ] || skip "no $BLAST (make)"
	! uses sipfpd || [ -x "$SIPFPD" ] || skip "no $SIPFPD (make)"
	ip netns add "bench-probe-$$" 2>/dev/null ||
		skip "cannot create network namespaces"
	ip netns del "bench-probe-$$"

	trap cleanup EXIT
	TMP_DIR=$(mktemp -d /tmp/sipfp-bench-rtp.XXXXXX) || setup_fail mktemp
	raise_nofile
	MAX_CALLS=0
	for p in $STREAMS $FIXED_STREAMS; do
		[ "$p" -le "$MAX_CALLS" ] || MAX_CALLS=$p
	done
	: >"$TMP_DIR/users"
	chmod 600 "$TMP_DIR/users"
	! uses sipfpd || configs sipfpd
	setup_topology forward
	rtpengine_check

	echo "window_s=$WINDOW_S"
	echo "rtp_payload_bytes=160"
	echo "cores=$(nproc)"
	p="paths: ${PATHS:-none}; streams: $STREAMS; ${WINDOW_S} s windows"
	[ -z "${PIN_BOX[*]}" ] ||
		p+=" (pinned: sender CPU 0, relay and sink CPU 1)"
	say "$p"
	streams_run
	fixed_run
}

main "$@"
