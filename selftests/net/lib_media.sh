# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by the media tests (media_*.sh): their topology (two phones on
# two subnets with sipfpd between them, a NAT and a third host on a
# bridge for media_nat.sh), sipfpd with [media] anchoring, SIPp phones
# the test steers through a call (sipp/media_ua[cs].xml: "ctl NAME
# ACTION", then wait for "step ACTION" in their log), nftables sets in
# each phone's namespace that record, per kind of packet, every
# (source, destination) that reached it with a packet count, and readers
# for SDP bodies and sipfpd's media lines. Sourced after nothing else.

# shellcheck source=selftests/net/lib_proxy.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib_proxy.sh"

RTP_PY=$PWD/selftests/net/rtp.py
PCAPS=/usr/share/sip-tester
PORT_MIN=40000
PORT_MAX=40099
QUARANTINE=1
# the fast path the tests run on: relay here, kmod in the VM (selftests/vm),
# xdp for the *_xdp.sh; xdp+kmod (the VM) is `fastpath = auto` with the
# module loaded: XDP first, the module for what it passes up
FASTPATH=${FASTPATH:-relay}
FP_PATH=${FASTPATH%%+*} # what carries the media, as flow lines say
FP_CONF=$FASTPATH
[ "$FP_PATH" = "$FASTPATH" ] || FP_CONF=auto
XDP_PASS_OBJ=$O/selftests/net/xdp_pass.bpf.o

BOX_A=192.0.2.1 # sipfpd, alice's side
ALICE=192.0.2.2
ALICE2=192.0.2.12 # where alice moves her media
BOX_B=198.51.100.1 # sipfpd, bob's side
BOB=198.51.100.2
BOX_N=203.0.113.1 # sipfpd, on the bridge with the NAT and the sprayer
SPRAYER=203.0.113.3
# NAT_OUT, NAT_IN and PC (carol) as in lib_proxy.sh
# media ports: SIPp binds each and each + 2
# shellcheck disable=SC2034 # the media_*.sh use them
ALICE_MP=6000 ALICE2_MP=6100 BOB_MP=7000 CAROL_MP=8000

nsa='' nsb='' proxy='' nat='' natc='' spray='' # set by setup_ns

# media_topology call|nat: alice and bob on their own subnets with sipfpd
# between; with "nat" also a bridge on sipfpd's third side holding the
# masquerading NAT (carol behind it) and the sprayer. The box does not
# forward: media crosses it only through sipfpd.
media_topology()
{
	setup_ns nsa nsb proxy
	veth_pair "$nsa" eth0 "$proxy" eth1
	veth_pair "$nsb" eth0 "$proxy" eth2
	addr "$nsa" eth0 "$ALICE/24"
	addr "$nsa" eth0 "$ALICE2/24"
	addr "$proxy" eth1 "$BOX_A/24"
	addr "$proxy" eth2 "$BOX_B/24"
	addr "$nsb" eth0 "$BOB/24"
	{ ip -n "$nsa" route add default via "$BOX_A" &&
		ip -n "$nsb" route add default via "$BOX_B"; } ||
		setup_fail "default routes of the phones"
	ip netns exec "$proxy" sysctl -qw net.ipv4.ip_forward=0 ||
		setup_fail "forwarding off in $proxy"
	phone_sets "$nsa"
	phone_sets "$nsb"
	[ "$1" = nat ] || return 0

	setup_ns nat natc spray
	ip -n "$proxy" link add br0 type bridge ||
		setup_fail "bridge in $proxy"
	veth_pair "$nat" eth0 "$proxy" eth3
	veth_pair "$spray" eth0 "$proxy" eth4
	veth_pair "$natc" eth0 "$nat" eth1
	{ ip -n "$proxy" link set eth3 master br0 &&
		ip -n "$proxy" link set eth4 master br0 &&
		ip -n "$proxy" link set br0 up; } ||
		setup_fail "bridge ports in $proxy"
	addr "$proxy" br0 "$BOX_N/25"
	addr "$nat" eth0 "$NAT_OUT/25"
	addr "$nat" eth1 "$NAT_IN/25"
	addr "$natc" eth0 "$PC/25"
	addr "$spray" eth0 "$SPRAYER/25"
	{ ip -n "$nat" route add default via "$BOX_N" &&
		ip -n "$natc" route add default via "$NAT_IN" &&
		ip -n "$spray" route add default via "$BOX_N"; } ||
		setup_fail "routes behind the bridge"
	! ip -n "$proxy" route get "$PC" >/dev/null 2>&1 ||
		setup_fail "$proxy has a route to $PC"
	# The kernel's reverse-path filter would drop some of the sprayer's
	# spoofed packets before sipfpd sees them: off, so what keeps them
	# out is sipfpd's own source check.
	# shellcheck disable=SC2016 # expanded by that sh
	ip netns exec "$proxy" sh -c \
		'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >"$f"; done' ||
		setup_fail "rp_filter off in $proxy"
	nat_masquerade
	phone_sets "$natc"
	phone_sets "$spray"
}

# Labels of what a phone counts: pcma (RTP payload type 8, as in
# g711a.pcap), ev1 .. ev5 (RFC 4733 telephone-event with that event, as
# in dtmf_2833_N.pcap), spray (the sprayer's SSRC, rtp.py's MARK), other
# (any other UDP but SIP); and, across them, notef: any of those whose
# DSCP is not EF.
LABELS="spray pcma ev1 ev2 ev3 ev4 ev5 other notef"

# phone_sets NS: in NS's input hook, one dynamic set per label whose
# elements are "source . destination" with a packet counter each. @th
# counts from the UDP header: the RTP header's PT byte is at bit 72, its
# SSRC at 128, the first payload byte at 160.
phone_sets()
{
	local l sets='' n

	for l in $LABELS; do
		sets+="set $l { type ipv4_addr . inet_service . ipv4_addr . inet_service; flags dynamic; counter; }"$'\n'
	done
	ip netns exec "$1" nft -f - <<-EOF || setup_fail "nft sets in $1"
		table ip media {
			$sets
			chain in {
				type filter hook input priority filter;
				meta l4proto != udp return
				udp sport 5060 return
				udp dport 5060 return
				ip dscp != ef update @notef { ip saddr . udp sport . ip daddr . udp dport }
				@th,128,32 0x53505259 update @spray { ip saddr . udp sport . ip daddr . udp dport } return
				@th,72,8 & 0x7f == 8 update @pcma { ip saddr . udp sport . ip daddr . udp dport } return
				$(for n in 1 2 3 4 5; do
					echo "@th,72,8 & 0x7f == 101 @th,160,8 $n update @ev$n { ip saddr . udp sport . ip daddr . udp dport } return"
				done)
				update @other { ip saddr . udp sport . ip daddr . udp dport }
			}
		}
	EOF
}

# seen NS LABEL: what reached NS of that kind, "SRC:PORT>DST:PORT PACKETS"
# a line, sorted.
seen()
{
	ip netns exec "$1" nft -j list set ip media "$2" | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []):
        e = e["elem"]
        s, sp, d, dp = e["val"]["concat"]
        print("%s:%d>%s:%d %d" % (s, sp, d, dp, e["counter"]["packets"]))
' | sort
}

seen_is()
{
	local got

	got=$(seen "$1" "$2")
	[ "$got" = "$3" ]
}

# want_seen MS NS LABEL WANT: wait until what NS saw of LABEL is exactly
# WANT (lines as seen() prints them; empty for nothing); say what it was
# otherwise.
want_seen()
{
	wait_for "$1" seen_is "$2" "$3" "$4" && return 0
	echo "# $3 at ${2%-*}: want '${4//$'\n'/ | }', got '$(seen "$2" "$3" | paste -sd '|')'"
	return 1
}

seen_total()
{
	seen "$1" "$2" | awk '{ n += $2 } END { print n + 0 }'
}

# probe_sets NS IP: a marked packet (DSCP 0) NS sends itself lands in its
# spray and notef sets, which are emptied again: they count.
probe_sets()
{
	ip netns exec "$1" python3 "$RTP_PY" spray --bind "$2" --to "$2:9" \
		--listen-ms 0 >/dev/null &&
		wait_for 1000 test_total "$1" spray 1 &&
		test_total "$1" notef 1 || {
		echo "# ${1%-*}: spray $(seen_total "$1" spray), notef $(seen_total "$1" notef), want 1 and 1"
		return 1
	}
	ip netns exec "$1" nft flush set ip media spray &&
		ip netns exec "$1" nft flush set ip media notef
}

test_total()
{
	[ "$(seen_total "$1" "$2")" -eq "$3" ]
}

# pcap_packets NAME: the UDP packets of $PCAPS/NAME.pcap; pcap_ms: its
# length in ms.
pcap_packets()
{
	python3 "$RTP_PY" count "$PCAPS/$1.pcap" | sed -n 's/^packets=\([0-9]*\) .*/\1/p'
}

pcap_ms()
{
	python3 "$RTP_PY" count "$PCAPS/$1.pcap" | sed -n 's/.* duration_ms=\([0-9]*\)$/\1/p'
}

# media_conf FILE TRUSTED [MEDIA LINES...]: sipfpd's configuration:
# callers from TRUSTED are not challenged; relay ports $PORT_MIN..
# $PORT_MAX, released after $QUARANTINE s.
media_conf()
{
	local f=$1 trusted=$2 l

	shift 2
	cat >"$f" <<-EOF
		[general]
		user = nobody
		state_dir = $TMP_DIR/state
		run_dir = $TMP_DIR/run
		[sip]
		listen = udp:0.0.0.0:5060
		domain = $DOMAIN
		[auth]
		users_file = $TMP_DIR/users
		algorithms = md5
		trusted = $trusted
		[registrar]
		min_expires = 2
		[media]
		anchor = yes
		fastpath = $FP_CONF
		port_min = $PORT_MIN
		port_max = $PORT_MAX
		port_quarantine = $QUARANTINE
	EOF
	# native only, on the box's veths (br0 would take only generic): a
	# silent fall back to generic XDP would test that instead
	[ "$FP_PATH" != xdp ] || printf 'xdp_mode = native\nxdp_interfaces = %s\n' \
		"$(box_veths | paste -sd ' ')" >>"$f"
	for l in "$@"; do
		echo "$l" >>"$f"
	done
}

# With KEEP_LOGS=DIR, what the test wrote (phones' messages, sipfpd's
# log) is copied to DIR before it is removed.
media_cleanup()
{
	if [ -n "${KEEP_LOGS:-}" ] && [ -n "$TMP_DIR" ]; then
		# not the bpf filesystem: its maps are no files to copy
		mkdir -p "$KEEP_LOGS" && tar -C "$TMP_DIR" --exclude ./bpffs \
			-cf - . | tar -C "$KEEP_LOGS" -xf -
	fi
	net_cleanup
}

# --- fastpath = xdp ---

# xdp_require: skip unless this kernel attaches native XDP to a veth. A
# trivial program asks, so sipfp_xdp failing to load is still a failure.
xdp_require()
{
	local ns=sipfp-xdp-probe-$$ err rc

	require_cmd ethtool bpftool
	[ -r "$XDP_PASS_OBJ" ] || ksft_exit_fail "$XDP_PASS_OBJ not built (make)"
	ip netns add "$ns" || ksft_exit_skip "cannot create network namespaces"
	err=$({ ip -n "$ns" link add xp0 type veth peer name xp1 &&
		ip -n "$ns" link set xp0 xdpdrv obj "$XDP_PASS_OBJ" sec xdp; } 2>&1)
	rc=$?
	ip netns del "$ns"
	[ "$rc" -eq 0 ] ||
		ksft_exit_skip "native XDP does not attach to veth here: $(tail -n 1 <<<"$err")"
}

# xdp_peer NS IF: a veth end facing the box. The box's XDP can redirect
# (or XDP_TX) a frame into its peer only when this end has NAPI, which
# gro on gives it; and what it sends must carry a complete UDP checksum,
# which checksum offload would leave to the receiver, but XDP rewrites
# the packet and no receiver fills it in then.
xdp_peer()
{
	ip netns exec "$1" ethtool -K "$2" tx off gro on >/dev/null ||
		setup_fail "ethtool -K $2 tx off gro on in $1"
}

# box_veths: the names of the box's veths, a line each.
box_veths()
{
	ip -n "$proxy" -o link show type veth |
		awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
}

# xdp_topology: each host's end of a veth to the box set up as
# xdp_peer says; forwarding on in the box, since bpf_fib_lookup() answers
# only for a device that forwards (BPF_FIB_LKUP_RET_FWD_DISABLED), but a
# forward chain that drops all, so still no packet crosses the box but
# through sipfpd (its relay, or its program); a bpf filesystem for
# sipfpd's pins (lib.sh BPFFS), gone with the test.
xdp_topology()
{
	local x

	for x in "$nsa" "$nsb" "$nat" "$natc" "$spray"; do
		[ -n "$x" ] && xdp_peer "$x" eth0
	done
	# the relay's packets too, so a capture at a phone can check every
	# checksum, whichever path carried the packet
	for x in $(box_veths); do
		ip netns exec "$proxy" ethtool -K "$x" tx off >/dev/null ||
			setup_fail "ethtool -K $x tx off in $proxy"
	done
	ip netns exec "$proxy" nft -f - <<-EOF ||
		setup_fail "nft forward chain in $proxy"
		table inet box {
			chain forward {
				type filter hook forward priority filter; policy drop;
			}
		}
	EOF
	ip netns exec "$proxy" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 ||
		setup_fail "forwarding on in $proxy"
	BPFFS=$TMP_DIR/bpffs
	{ mkdir "$BPFFS" && mount -t bpf bpf "$BPFFS"; } ||
		{ BPFFS=; setup_fail "bpf filesystem on $TMP_DIR/bpffs"; }
}

# xdp_progs: "IF MODE PROGRAM" a line for each XDP program attached in the
# box, sorted.
xdp_progs()
{
	ip netns exec "$proxy" bpftool -j net show | python3 -c '
import json, subprocess, sys
for n in json.load(sys.stdin):
    for x in n["xdp"]:
        p = json.loads(subprocess.run(["bpftool", "-j", "prog", "show", "id",
                                       str(x["id"])], capture_output=True,
                                      check=True).stdout)
        print(x["devname"], x["mode"], p["name"])
' | sort
}

# xdp_native: sipfp_xdp in driver mode on each of the box's veths and on
# nothing else.
xdp_native()
{
	local want

	want=$(box_veths | sort | sed 's/$/ driver sipfp_xdp/')
	[ "$(xdp_progs)" = "$want" ] && return 0
	echo "# XDP in the box: want '${want//$'\n'/, }', got '$(xdp_progs | paste -sd ,)'"
	return 1
}

# media_setup call|nat: everything but sipfpd; skips without the pcaps.
media_setup()
{
	local p

	net_require nft ss
	[ "$FP_PATH" != xdp ] || xdp_require
	for p in g711a dtmf_2833_1 dtmf_2833_2 dtmf_2833_3 dtmf_2833_4 \
		 dtmf_2833_5; do
		[ -r "$PCAPS/$p.pcap" ] ||
			ksft_exit_skip "$PCAPS/$p.pcap missing (sip-tester)"
	done
	trap media_cleanup EXIT
	mktmp
	chmod 755 "$TMP_DIR"
	users_file "$TMP_DIR/users"
	media_topology "$1"
	[ "$FP_PATH" != xdp ] || xdp_topology
	CID="media-${TMP_DIR##*.}-1"
}

# media_start TRUSTED [MEDIA LINES...]: sipfpd in $proxy with that
# configuration, listening; LOG is its stderr.
media_start()
{
	PROXY_RUN=$((${PROXY_RUN:-0} + 1))
	CONF=$TMP_DIR/sipfpd.conf
	LOG=$TMP_DIR/sipfpd.$PROXY_RUN.log
	media_conf "$CONF" "$@"
	start_sipfpd "$proxy" "$CONF" "$LOG"
	wait_for 3000 listening "$proxy" -u 5060 ||
		setup_fail "sipfpd not listening on udp 5060"
	# a test on the wrong path would prove nothing about the right one
	grep -q "fast path: $FASTPATH\$" "$LOG" ||
		setup_fail "sipfpd is not on fast path $FASTPATH: $(grep -m1 'fast path' "$LOG")"
	[ "$FP_PATH" != xdp ] || xdp_native ||
		setup_fail "sipfp_xdp is not attached (native) to the box's veths"
}

declare -A PHONE_NS PHONE_IP PHONE_PID

# bob_registers: bob (nsb) registers with sipfpd, digest and all.
bob_registers()
{
	phone breg "$nsb" register.xml u1 "$BOB" "$BOX_B:5060" -p 5060 \
		-s bob -ap "${PW[bob]}" -auth_uri "$DOMAIN" \
		-key domain "$DOMAIN" -key expires 3600
}

# alice_calls_bob: both steered phones up, alice calling bob's AOR.
alice_calls_bob()
{
	call_up a "$nsa" "$ALICE" "$ALICE_MP" -- b "$nsb" "$BOB" "$BOB_MP" \
		-s bob -- -s bob -key me "alice@$DOMAIN"
}

# mphone NAME NS SCENARIO IP MEDIA_PORT [SIPP ARGS...]: a steered phone in
# the background, on IP:5060, its media at IP:MEDIA_PORT, Call-ID $CID
# when it calls (a test making more than one call changes CID between
# them); NAME.msg, NAME.log (its steps), NAME.err.
mphone()
{
	local name=$1 ns=$2 scen=$3 ip=$4 mp=$5 scale=${SIPFP_WAIT_SCALE:-1}

	shift 5
	rm -f "$TMP_DIR/$name".*
	# SIPp's bounds and its overload watchdog stretch as wait_for's do
	(cd "$TMP_DIR" && exec ip netns exec "$ns" sipp -sf "$SCEN/$scen" \
		-t u1 -i "$ip" -p 5060 -mi "$ip" -mp "$mp" -m 1 -nostdin \
		-timeout $((60 * scale)) -timeout_error -cid_str "$CID" \
		-watchdog_minor_threshold $((500 * scale)) \
		-watchdog_major_threshold $((3000 * scale)) \
		-trace_msg -message_file "$TMP_DIR/$name.msg" \
		-trace_err -error_file "$TMP_DIR/$name.err" \
		-trace_logs -log_file "$TMP_DIR/$name.log" \
		"$@" >"$TMP_DIR/$name.out" 2>&1) &
	PHONE_PID[$name]=$!
	PHONE_NS[$name]=$ns
	PHONE_IP[$name]=$ip
	BG_PIDS+=("$!")
}

# steps NAME STEP: how many times phone NAME has logged "step STEP".
steps()
{
	grep -cxF "step $2" "$TMP_DIR/$1.log" 2>/dev/null
}

at_least()
{
	local n

	n=$(steps "$1" "$2")
	[ "${n:-0}" -ge "$3" ]
}

# wait_step MS NAME STEP [N]: until phone NAME has done STEP N times
# (default once); says so when it has not.
wait_step()
{
	wait_for "$1" at_least "$2" "$3" "${4:-1}" && return 0
	echo "# $2 did not log 'step $3' (${4:-1}) within $1 ms"
	return 1
}

# ctl NAME ACTION: tell phone NAME to do ACTION (an INFO straight to it).
ctl()
{
	ip netns exec "${PHONE_NS[$1]}" python3 "$RTP_PY" ctl \
		--to "${PHONE_IP[$1]}:5060" --call-id "$CID" --do "$2"
}

# phone_rc NAME: phone NAME's exit code once it has ended; 124 if it has
# not within 5 s, and then it is killed (it would hold its port).
phone_rc()
{
	local pid=${PHONE_PID[$1]}

	if ! wait_for 5000 gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
}

# phones_stop NAME...: the phones named are ended now, however they were.
phones_stop()
{
	local name

	for name in "$@"; do
		kill -KILL "${PHONE_PID[$name]}" 2>/dev/null
		wait "${PHONE_PID[$name]}" 2>/dev/null
	done
}

# phones_rc NAME...: true when every phone named ended with exit 0; says
# which did not.
phones_rc()
{
	local name rc ok=0

	for name in "$@"; do
		phone_rc "$name"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "# phone $name: SIPp exit $rc"
			ok=1
		fi
	done
	return "$ok"
}

# call_up CALLER CALLER_NS CALLER_IP CALLER_MP -- CALLEE CALLEE_NS
# CALLEE_IP CALLEE_MP [ARGS] -- [CALLER ARGS...]: the callee waits, the
# caller calls (-s USER and -key me in its ARGS) through sipfpd's address
# on its side; true once both have logged "step answered".
call_up()
{
	local caller=("$1" "$2" media_uac.xml "$3" "$4")
	local callee=("$6" "$7" media_uas.xml "$8" "$9")
	local remote

	shift 9
	while [ "$1" != -- ]; do
		callee+=("$1")
		shift
	done
	shift
	mphone "${callee[@]}"
	wait_for 3000 bound "${callee[1]}" -u "${callee[3]}" ||
		{ echo "# ${callee[0]} not listening"; return 1; }
	case "${caller[3]}" in
	"$ALICE") remote=$BOX_A ;;
	*) remote=$BOX_B ;;
	esac
	mphone "${caller[@]}" -key domain "$DOMAIN" \
		-key rtcp $((caller[4] + 1)) -key newip "$ALICE2" \
		-key newport "$ALICE2_MP" "$@" "$remote:5060"
	wait_step 5000 "${caller[0]}" answered &&
		wait_step 3000 "${callee[0]}" answered
}

# sipp_sdp NAME sent|received REGEX [CSEQ]: the body of the first message
# phone NAME sent or received whose first line matches REGEX and whose
# CSeq number is CSEQ (default 1), without CRs. By CSeq, not by rank: a
# retransmission is the same message again.
sipp_sdp()
{
	awk -v dir="$2" -v pat="$3" -v cseq="${4:-1}" '
		{ sub(/\r$/, "") }
		/^-----------------------------------------------/ {
			if (state == 4)
				exit
			state = 0
			next
		}
		state == 0 && / message (sent|received)/ {
			d = $3 == "sent" ? "sent" : "received"
			state = 1
			next
		}
		state == 1 && $0 == "" { state = 2; next }
		state == 2 {
			state = d == dir && $0 ~ pat ? 3 : 5
			ok = 0
			next
		}
		state == 3 && tolower($1) == "cseq:" && $2 == cseq { ok = 1 }
		state == 3 && $0 == "" { state = ok ? 4 : 5; next }
		state == 4 && $0 != "" { print }
	' "$TMP_DIR/$1.msg"
}

# sdp_media: "ADDRESS PORT" of the first m=audio of the SDP on stdin
# (its own c= line, else the session's).
sdp_media()
{
	awk '
		/^c=IN IP4 / { c = $3 }
		/^m=audio / { print c, $2; exit }
	'
}

# relay_ep PHONE sent|received REGEX: the relay's "ADDR:PORT" in the SDP
# of that phone's message (sipp_sdp's arguments).
relay_ep()
{
	local x

	x=$(sipp_sdp "$@" | sdp_media)
	echo "${x/ /:}"
}

# rtcp_of ADDR:PORT: the RTCP endpoint beside that RTP one.
rtcp_of()
{
	echo "${1%:*}:$((${1##*:} + 1))"
}

# in_range PORT: an even port of the relay's range.
in_range()
{
	[ "$1" -ge "$PORT_MIN" ] && [ "$1" -le "$PORT_MAX" ] &&
		[ $(($1 % 2)) -eq 0 ]
}

# sprayer NAME ARGS...: rtp.py spray in the sprayer's namespace, what it
# printed in spray.NAME.out.
sprayer()
{
	local name=$1

	shift
	ip netns exec "$spray" python3 "$RTP_PY" spray "$@" \
		>"$TMP_DIR/spray.$name.out" 2>&1 ||
		{ sed 's/^/# /' "$TMP_DIR/spray.$name.out"; return 1; }
}

# sprayed ADDR:PORT: packets the sprayer sent there, all runs together;
# sprayed received: what came back to it.
sprayed()
{
	awk -v d="$1" '
		d == "received" && $1 == "received" { n += $2 }
		$1 == "sent" && $2 == d { n += $3 }
		END { print n + 0 }
	' "$TMP_DIR"/spray.*.out
}

# relay_bound ADDR PORT: sipfpd has a UDP socket on ADDR:PORT.
relay_bound()
{
	ip netns exec "$proxy" ss -Huan "src $1:$2" | grep -q .
}

# relay_free: no UDP socket left in $proxy on a port of the range.
relay_free()
{
	! ip netns exec "$proxy" ss -Huan \
		"sport >= :$PORT_MIN and sport <= :$PORT_MAX" | grep -q .
}

# flow_sum FROM KIND KEY: KEY of the "media: flow" lines of $CID's stream
# 0 from FROM (caller|callee) of KIND (rtp|rtcp), summed over the lines
# (one per flow; a stream moved by a re-INVITE may have had more); empty
# when there is no such line.
flow_sum()
{
	awk -v cid="$CID" -v from="$1" -v kind="$2" -v key="$3" '
		/ media: flow / {
			delete f
			for (i = 1; i <= NF; i++)
				if ((j = index($i, "=")) > 0)
					f[substr($i, 1, j - 1)] = substr($i, j + 1)
			if (f["call"] != cid || f["stream"] != "0" ||
			    f["from"] != from || f["kind"] != kind)
				next
			n++
			sum += f[key]
		}
		END { if (n) print sum }
	' "$LOG"
}

# want_flow FROM KIND KEY=VALUE...: the flow lines say exactly that.
want_flow()
{
	local from=$1 kind=$2 kv got ok=0

	shift 2
	for kv in "$@"; do
		got=$(flow_sum "$from" "$kind" "${kv%%=*}")
		if [ "$got" != "${kv#*=}" ]; then
			echo "# flow from=$from kind=$kind: ${kv%%=*}=${got:-(no line)}, want ${kv#*=}"
			ok=1
		fi
	done
	return "$ok"
}

# want_path FROM KIND: every flow line of that direction that carried a
# packet says the fast path under test carried it.
want_path()
{
	local bad

	bad=$(awk -v cid="$CID" -v from="$1" -v kind="$2" -v want="$FP_PATH" '
		/ media: flow / {
			delete f
			for (i = 1; i <= NF; i++)
				if ((j = index($i, "=")) > 0)
					f[substr($i, 1, j - 1)] = substr($i, j + 1)
			if (f["call"] == cid && f["from"] == from &&
			    f["kind"] == kind && f["packets"] > 0 &&
			    f["path"] != want)
				print f["path"]
		}' "$LOG")
	[ -z "$bad" ] && return 0
	echo "# flow from=$1 kind=$2: path=$bad, want $FP_PATH"
	grep -e ' media: flow ' -e 'fast path' "$LOG" | sed 's/^/# /'
	return 1
}

# media_line TEXT: sipfpd logged a "media: ..." line containing TEXT.
media_line()
{
	grep -F -- "$1" "$LOG" | grep -q ' media: '
}
