#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Calls per second through sipfpd beside Kamailio on this machine, and
# registrations per second with digest authentication (issue 3,
# "Measure"). SIPp places and answers the calls in namespaces made here:
#
#   uac                       proxy                         uas
#   192.0.2.2/24    veth      192.0.2.1/24
#   SIPp caller    ------     198.51.100.1/24      veth     198.51.100.2/24
#   (and REGISTERs)           sipfpd or Kamailio  ------    SIPp callee
#
# A call is INVITE with SDP, 100, 180, 200, ACK, BYE, 200, held
# BENCH_HOLD_MS; sipfpd trusts the caller's address (no digest), and
# routes every number to the callee ([routes] *), as Kamailio does with
# tools/bench/kamailio.cfg. With media (sipfpd_media, kamailio_media)
# the same calls have their SDP anchored: sipfpd's own relay ports, or
# Kamailio's rtpengine module driving rtpengine in userspace
# (--table=-1) in the proxy's namespace. No RTP flows: this is the cost
# of setting media up and tearing it down, and the goal (issue 4) is
# sipfpd with media at least as fast as Kamailio without.
# A registration is REGISTER, 401, REGISTER with
# MD5 digest, 200, for users taken in turn (Kamailio's: db_text
# subscriber table, bindings in memory; sipfpd's: its users file, its
# SQLite location store).
#
# Each proxy gets a rate search: short probes double the rate until one
# fails, then full trials (BENCH_SECONDS) from the best probe, halving
# until one holds, then bisecting. A trial holds when SIPp placed every
# call on time, under 0.1% were lost (failed at either end, never
# completed, or a message SIPp could not match to a call) and under 1%
# needed a retransmission. The figure is the highest rate a full trial
# held. Every trial starts its proxy afresh, so an overloaded trial cannot
# slow the next. CPU is the proxy's (every process in its namespace: all
# of Kamailio's) utime+stime over the trial's middle 80%, in percent of
# one core; the machine's cores are shared by the proxy and both SIPps,
# whose share the progress lines show too.
#
# stdout: key=value figures, the unit in the key. stderr: progress, and
# for a failed trial what SIPp, the proxy and the kernel counted.
# Needs root, sip-tester, kamailio and python3 (make deps), sipfpd built
# (make). Without root or those commands it says why on stderr and exits
# 0; a set-up failure exits 1 before any call is placed.
#
# Environment:
#   BENCH_QUICK=1            5 s trials (3 s registering), 2 s probes,
#                            15% resolution: for working on this script
#   BENCH_SECONDS            full trial length (30)
#   BENCH_PROBE_SECONDS      probe length (5)
#   BENCH_RESOLUTION_PCT     bisect until the bracket is this narrow (5)
#   BENCH_START_RATE         first probe, calls/s (2000)
#   BENCH_MAX_TRIALS         full trials per search at most (5)
#   BENCH_HOLD_MS            call hold time (100)
#   BENCH_PROXIES            whose calls to measure ("sipfpd kamailio
#                            sipfpd_media kamailio_media"; empty for none)
#   BENCH_REG                whose registrations ("sipfpd"; Kamailio's
#                            take three minutes more; empty for none)
#   BENCH_REG_SECONDS        registration trial length (30)
#   BENCH_REG_START_RATE     first registration probe, per second (4000)
#   BENCH_REG_USERS          users registering in turn (10000)
#   BENCH_KAMAILIO_CHILDREN  Kamailio UDP workers per listen socket (4)
#   BENCH_KEEP=1             keep the scratch directory (logs, SIPp CSVs)
#   O, SIPFPD                build tree (build), sipfpd binary

set -uo pipefail

cd "$(dirname "$0")/../.." || exit 1
HERE=$PWD/tools/bench
# shellcheck source=tools/bench/lib.sh
. "$HERE/lib.sh"
O=$(realpath -m "${O:-build}")
SIPFPD=${SIPFPD:-$O/daemon/sipfpd}

if [ -n "${BENCH_QUICK:-}" ]; then
	q_secs=5 q_probe=2 q_res=15 q_reg=3
else
	q_secs=30 q_probe=5 q_res=5 q_reg=30
fi
SECONDS_FULL=${BENCH_SECONDS:-$q_secs}
SECONDS_PROBE=${BENCH_PROBE_SECONDS:-$q_probe}
RES_PCT=${BENCH_RESOLUTION_PCT:-$q_res}
START_RATE=${BENCH_START_RATE:-2000}
REG_START_RATE=${BENCH_REG_START_RATE:-4000}
MAX_TRIALS=${BENCH_MAX_TRIALS:-5}
HOLD_MS=${BENCH_HOLD_MS:-100}
PROXIES=${BENCH_PROXIES-sipfpd kamailio sipfpd_media kamailio_media}
REG_PROXIES=${BENCH_REG-sipfpd}
[ "$REG_PROXIES" != 0 ] || REG_PROXIES=
REG_SECONDS=${BENCH_REG_SECONDS:-$q_reg}
REG_USERS=${BENCH_REG_USERS:-10000}
KAM_CHILDREN=${BENCH_KAMAILIO_CHILDREN:-4}
# Kamailio keeps each transaction with its messages in shared memory
# until 5 s after it ends; 512 MiB ran out past its limit. Mapped, not
# touched until used.
KAM_SHM_MB=4096
KAM_DBTEXT=/usr/share/kamailio/dbtext/kamailio
# No rate is searched below this: a proxy that cannot do it scores 0.
MIN_RATE=50
# A call that waits this long for a message has failed (INVITE is
# retransmitted at 0.5, 1, 2 s before).
RECV_TIMEOUT_MS=5000
# relay ports, for sipfpd and rtpengine alike
MEDIA_PORT_MIN=16384
MEDIA_PORT_MAX=65535

DOMAIN=bench.example.org
CALLEE=15550001

NS_LIST=()
TMP_DIR=
RTPENGINE_PID=
uac='' px='' uas='' # namespace names, set by setup_ns

# ticks PID: its CPU clock ticks, utime+stime (0 once it is gone). The
# fields counted from after the command name, which may hold spaces.
ticks()
{
	local line st

	line=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) ||
		{ echo 0; return; }
	read -r -a st <<<"$line"
	echo $((st[11] + st[12]))
}

# ns_ticks NS: the ticks of every process in a namespace.
ns_ticks()
{
	local p sum=0

	for p in $(ip netns pids "$1" 2>/dev/null); do
		sum=$((sum + $(ticks "$p")))
	done
	echo "$sum"
}

now_ms()
{
	date +%s%3N
}

# pct TICKS MS: ticks over a wall time, in percent of one core.
pct()
{
	echo $(($1 * 100000 / (CLK_TCK * ($2 > 0 ? $2 : 1))))
}

# --- the proxies ---

kamailio_config()
{
	local db=$TMP_DIR/kamailio-db

	sed -e "s/@CHILDREN@/$KAM_CHILDREN/" -e "s/@LEFT@/$PX_L/" \
	    -e "s/@RIGHT@/$PX_R/" -e "s/@NEXT_HOP@/$UAS:5060/" \
	    -e "s|@DB_DIR@|$db|" -e "s/@DOMAIN@/$DOMAIN/g" \
	    "$HERE/kamailio.cfg" >"$TMP_DIR/kamailio.cfg" ||
		setup_fail "kamailio.cfg"
	# db_text: a version table, and the subscriber table's columns
	# (id username domain password ha1 ha1b) as Kamailio ships them
	{ mkdir -p "$db" && cp "$KAM_DBTEXT/version" "$db/" &&
	  head -1 "$KAM_DBTEXT/subscriber" >"$db/subscriber"; } ||
		setup_fail "Kamailio's db_text tables ($KAM_DBTEXT)"
	# HA1s, as sipfpd keeps them (db_text allows no empty column)
	python3 - "$REG_USERS" "$DOMAIN" >>"$db/subscriber" <<'EOF' ||
import hashlib, sys

n, dom = int(sys.argv[1]), sys.argv[2]
for i in range(n):
    u, pw = "u%06d" % i, "pw%06d" % i
    ha1 = hashlib.md5(("%s:%s:%s" % (u, dom, pw)).encode()).hexdigest()
    ha1b = hashlib.md5(("%s@%s:%s:%s" % (u, dom, dom, pw)).encode()).hexdigest()
    print("%d:%s:%s:%s:%s:%s" % (i + 1, u, dom, pw, ha1, ha1b))
EOF
		setup_fail "Kamailio's subscriber table"
	for def in "" "-A WITH_REGISTRAR" "-A WITH_RTPENGINE"; do
		# shellcheck disable=SC2086 # none or two words
		kamailio $def -c -f "$TMP_DIR/kamailio.cfg" \
			>"$TMP_DIR/kamailio-c.log" 2>&1 || {
			cat "$TMP_DIR/kamailio-c.log" >&2
			setup_fail "kamailio -c $def"
		}
	done
}

# The benchmark caller is trusted by address (no digest on INVITE, as
# for a trunk); registrations are challenged, MD5 being all SIPp does.
sipfpd_config()
{
	local conf=$TMP_DIR/sipfpd.conf media

	mkdir -p "$TMP_DIR/state" "$TMP_DIR/run"
	awk -v n="$REG_USERS" -v d="$DOMAIN" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "u%06d %s plain:pw%06d\n", i, d, i }' \
		>"$TMP_DIR/users"
	chmod 600 "$TMP_DIR/users"
	cat >"$conf" <<EOC
[general]
user =
state_dir = $TMP_DIR/state
run_dir = $TMP_DIR/run
[sip]
listen = udp:$PX_L:5060 udp:$PX_R:5060
domain = $DOMAIN
rate_limit = 0
; a call holds ~100 transaction-seconds (sipfpd.conf): room for 40 000/s,
; the memory (~4 GB at most) Kamailio gets as shared memory (-m)
max_transactions = $((KAM_SHM_MB * 1000))
[auth]
users_file = $TMP_DIR/users
realm = $DOMAIN
algorithms = md5
trusted = $UAC
[routes]
* = sip:$UAS:5060
[media]
anchor = no
EOC
	# with media: every call's SDP through relay ports; a released
	# pair waits 1 s, as rtpengine's (--delete-delay=1)
	media=$TMP_DIR/sipfpd_media.conf
	sed '/^anchor = no$/d' "$conf" >"$media"
	cat >>"$media" <<EOC
port_min = $MEDIA_PORT_MIN
port_max = $MEDIA_PORT_MAX
port_quarantine = 1
EOC
	for conf in "$conf" "$media"; do
		"$SIPFPD" -n -f "$conf" >"$TMP_DIR/sipfpd-n.log" 2>&1 ||
			{ cat "$TMP_DIR/sipfpd-n.log" >&2
			  setup_fail "sipfpd -n -f $conf"; }
	done
}

listening()
{
	[ "$(ip netns exec "$1" ss -Hlnu "sport = :5060" | wc -l)" -ge "$2" ]
}

proxy_ready()
{
	listening "$px" 2 || return 1
	[ "$(base "$1")" != sipfpd ] || grep -q ' started$' "$2"
}

# base NAME: the proxy a name runs, with or without media anchoring
base()
{
	echo "${1%_media}"
}

# proxy_start NAME LOG KIND: the proxy, fresh, in its namespace.
proxy_start()
{
	local def=()

	case $1 in
	kamailio_media)
		rtpengine_start
		def=(-A WITH_RTPENGINE)
		;&
	kamailio)
		[ "$3" = reg ] && def=(-A WITH_REGISTRAR)
		ip netns exec "$px" kamailio "${def[@]}" \
			-f "$TMP_DIR/kamailio.cfg" -DD -E -m "$KAM_SHM_MB" \
			-M 16 -w "$TMP_DIR" >"$2" 2>&1 &
		;;
	sipfpd | sipfpd_media)
		ip netns exec "$px" "$SIPFPD" -d -f "$TMP_DIR/$1.conf" \
			2>"$2" &
		;;
	esac
	PROXY_PID=$!
	wait_for 10000 proxy_ready "$1" "$2" ||
		{ tail -5 "$2" >&2; setup_fail "$1 did not start"; }
}

# proxy_stop NAME LOG: sipfpd logs its counters first (for BENCH_KEEP).
proxy_stop()
{
	[ -z "$RTPENGINE_PID" ] || kill -TERM "$RTPENGINE_PID" 2>/dev/null
	RTPENGINE_PID=
	if [ "$(base "$1")" = sipfpd ]; then
		kill -USR1 "$PROXY_PID" 2>/dev/null
		wait_for 2000 grep -q 'transport: udp_rx=' "$2"
	fi
	kill -TERM "$PROXY_PID" 2>/dev/null
	wait_for 10000 ns_empty "$px" || ns_kill "$px" KILL
	wait "$PROXY_PID" 2>/dev/null
}

# sipfpd's counters of things gone wrong, as its SIGUSR1 logs them
SIPFPD_FAULTS='answered_5xx|malformed|rate_limited|rate_dropped|send_errors'
SIPFPD_FAULTS+='|txn_full|dropped|udp_truncated|udp_tx_errors'

# proxy_says NAME LOG: what the proxy counted going wrong in a trial:
# sipfpd's non-zero fault counters, Kamailio's errors.
proxy_says()
{
	local c

	if [ "$(base "$1")" = sipfpd ]; then
		c=$(grep -oE "\\b($SIPFPD_FAULTS)=[1-9][0-9]*" "$2" |
			tr '\n' ' ')
		echo "${c:-no fault counted}"
		return
	fi
	echo "$(grep -c ERROR "$2") error lines, first:" \
		"$(grep -m1 ERROR "$2" | cut -c1-160)"
}

# Kamailio's media relay: rtpengine in userspace (--table=-1), told of
# each call over its ng socket by Kamailio's rtpengine module.
rtpengine_start()
{
	ip netns exec "$px" rtpengine --table=-1 --foreground --log-stderr \
		--interface="$PX_L" --listen-ng=127.0.0.1:2223 \
		--port-min="$MEDIA_PORT_MIN" --port-max="$MEDIA_PORT_MAX" \
		--delete-delay=1 --num-threads=2 \
		>"$TMP_DIR/rtpengine.log" 2>&1 &
	RTPENGINE_PID=$!
	wait_for 10000 rtpengine_ready ||
		{ tail -5 "$TMP_DIR/rtpengine.log" >&2
		  setup_fail "rtpengine did not start"; }
}

rtpengine_ready()
{
	ip netns exec "$px" ss -Hlnu "sport = :2223" | grep -q .
}

# --- SIPp ---

# The registering phones: user, and its credentials in the one form
# SIPp 3.6 takes them from an injection file.
users_csv()
{
	awk -v n="$REG_USERS" 'BEGIN { print "SEQUENTIAL"
		for (i = 0; i < n; i++) printf "u%06d;[authentication " \
			"username=u%06d password=pw%06d]\n", i, i, i }' \
		>"$TMP_DIR/users.csv"
}

# Both ends take 4 MiB socket buffers, as sipfpd does: with three busy
# processes on two cores, SIPp's default 64 KiB overflows while it waits
# for a core and the benchmark would measure SIPp's drops.
SIPP_COMMON=(-t u1 -nostdin -buff_size 4194304 -recv_timeout
	     "$RECV_TIMEOUT_MS" -fd 1 -trace_stat -trace_err)

# uas_start PREFIX: the callee, in the background; sets UAS_PID.
uas_start()
{
	(cd "$TMP_DIR" && exec ip netns exec "$uas" sipp \
		-sf "$HERE/sipp/uas.xml" -i "$UAS" -p 5060 "${SIPP_COMMON[@]}" \
		-stf "$1.csv" -error_file "$1.err" >"$1.out" 2>&1) &
	UAS_PID=$!
	wait_for 5000 listening "$uas" 1 || {
		tail -5 "$1.out" >&2
		setup_fail "the SIPp callee did not start"
	}
}

# SIPp exits on SIGUSR1 once its calls are over; those left waiting end at
# their receive timeout, and it writes its last counters on the way out.
uas_stop()
{
	kill -USR1 "$UAS_PID" 2>/dev/null
	wait_for $((RECV_TIMEOUT_MS + 3000)) ns_empty "$uas" ||
		ns_kill "$uas" KILL
	wait "$UAS_PID" 2>/dev/null
}

# uac_start PREFIX KIND RATE COUNT: the caller (or registering phones)
# in the background; sets UAC_PID.
uac_start()
{
	local args

	if [ "$2" = call ]; then
		args=(-sf "$HERE/sipp/uac.xml" -key callee "$UAS:5060"
		      -s "$CALLEE" -d "$HOLD_MS")
	else
		# -nd: a failed registration must not end in a BYE (SIPp's
		# default after any 200) that the registrar routes back here
		args=(-sf "$HERE/sipp/reg.xml" -inf "$TMP_DIR/users.csv"
		      -key domain "$DOMAIN" -nd)
	fi
	# -l: three seconds of calls open at once (a call lasts a tenth of
	# that) before SIPp holds new ones back, which then fails the trial
	# for lagging; -timeout: so does falling 15 s behind.
	args+=(-l $(($3 * 3 + 1000))
	       -timeout $(($4 / $3 + 15 + HOLD_MS / 1000)))
	(cd "$TMP_DIR" && exec ip netns exec "$uac" sipp "${args[@]}" \
		-i "$UAC" "${SIPP_COMMON[@]}" -r "$3" -rp 1000 -m "$4" \
		-stf "$1.csv" -error_file "$1.err" "$PX_L:5060" \
		>"$1.out" 2>&1) &
	UAC_PID=$!
}

# csv_last FILE NAME...: the named columns of a SIPp statistics file's
# last row (the final counters), "-" for a column it lacks.
csv_last()
{
	local f=$1

	shift
	if ! [ -s "$f" ]; then
		set -- "${@/*/-}"
		echo "$*"
		return
	fi
	awk -F';' -v names="$*" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ last = $0 }
		END {
			n = split(names, want, " ")
			split(last, v, ";")
			for (i = 1; i <= n; i++) {
				x = want[i] in col ? v[col[want[i]]] : "-"
				printf "%s%s", x, (i < n ? " " : "\n")
			}
		}' "$f"
}

# csv_placed_ms FILE COUNT: ms from SIPp's start until it had placed COUNT
# calls, interpolated between its rows (one a second); -1 if it never did.
csv_placed_ms()
{
	awk -F';' -v count="$2" '
		function at(field, t) {
			split(field, t, "\t")
			return t[3] * 1000
		}
		NR == 1 {
			for (i = 1; i <= NF; i++) col[$i] = i
			next
		}
		NR == 2 { start = at($col["StartTime"]) }
		{
			t = at($col["CurrentTime"]) - start
			c = $col["OutgoingCall(C)"]
		}
		c >= count {
			if (c > pc)
				t = pt + (t - pt) * (count - pc) / (c - pc)
			printf "%d\n", t
			found = 1
			exit
		}
		{ pt = t; pc = c }
		END { if (!found) print -1 }' "$1"
}

# csv_broke_ms FILE COUNT: ms from SIPp's start to the first row where
# failed calls were 0.1% of COUNT, -1 if they never were.
csv_broke_ms()
{
	awk -F';' -v count="$2" '
		NR == 1 {
			for (i = 1; i <= NF; i++) col[$i] = i
			next
		}
		NR == 2 {
			split($col["StartTime"], t, "\t")
			start = t[3]
		}
		$col["FailedCall(C)"] * 1000 >= count {
			split($col["CurrentTime"], t, "\t")
			printf "%d\n", (t[3] - start) * 1000
			found = 1
			exit
		}
		END { if (!found) print -1 }' "$1"
}

# first_error PREFIX: the first thing SIPp complained about, on one line:
# the event, with the first line of the message it quotes. SIPp runs its
# events together; each starts with a date and a tab.
first_error()
{
	local f tab

	tab=$(printf '\t')
	for f in "$1-uac.err" "$1-uas.err"; do
		[ -s "$f" ] || continue
		sed -E "s/([0-9]{4}-[0-9]{2}-[0-9]{2}$tab)/\n\1/g" "$f" |
			grep -v 'Maximum number of open sockets' |
			grep -m1 -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}$tab" |
			cut -d"$tab" -f3- | tr -s '\r\n' ' ' | cut -c1-300
		echo
		return
	done
}

# --- trials and the search ---

TRIAL_N=0
TRIAL_LINE='%-8s %4s %6d/s %2d s: %-4s lost %d of %d (failed %d+%d, '
TRIAL_LINE+='unexpected %d), retrans %d, placed in %s s; '
TRIAL_LINE+='cpu %%: proxy %d, uac %d, uas %d'

# trial KIND NAME RATE SECS: one run of SECS at RATE through proxy NAME;
# returns 0 when it held. Sets T_CPU, the proxy's CPU share.
trial()
{
	TRIAL_N=$((TRIAL_N + 1))
	T_PREFIX=$TMP_DIR/t$TRIAL_N-$2-$1-$3
	T_BROKE_MS=-1
	T_COUNT=$(($3 * $4))
	trial_run "$@"
	trial_judge "$@"
}

all_udp_drops()
{
	echo "$(udp_drops "$uac") $(udp_drops "$px") $(udp_drops "$uas")"
}

# trial_run KIND NAME RATE SECS: start the proxy and SIPp, take the CPU
# times over the middle 80% (past SIPp's start, before its last calls),
# stop everything.
trial_run()
{
	local n=$T_PREFIX t0 c0 a0 b0=0

	read -r -a T_DROPS0 <<<"$(all_udp_drops)"
	proxy_start "$2" "$n-proxy.log" "$1"
	[ "$1" = call ] && uas_start "$n-uas"
	uac_start "$n-uac" "$1" "$3" "$T_COUNT"
	sleep "$(awk -v s="$4" 'BEGIN { print s / 10 }')"
	t0=$(now_ms) c0=$(ns_ticks "$px") a0=$(ticks "$UAC_PID")
	[ "$1" = call ] && b0=$(ticks "$UAS_PID")
	sleep "$(awk -v s="$4" 'BEGIN { print s * 8 / 10 }')"
	T_MS=$(($(now_ms) - t0))
	T_CPU=$(pct $(($(ns_ticks "$px") - c0)) "$T_MS")
	T_CPU_UAC=$(pct $(($(ticks "$UAC_PID") - a0)) "$T_MS")
	T_CPU_UAS=0
	[ "$1" = call ] &&
		T_CPU_UAS=$(pct $(($(ticks "$UAS_PID") - b0)) "$T_MS")
	T_RC=0
	wait "$UAC_PID" || T_RC=$?
	[ "$1" = call ] && uas_stop
	proxy_stop "$2" "$n-proxy.log"
	read -r -a T_DROPS1 <<<"$(all_udp_drops)"
}

# trial_judge KIND NAME RATE SECS: the verdict on the trial just run, on a
# progress line. It held when SIPp placed every call on time, under 0.1%
# were lost, and under 1% needed a retransmission: a proxy that drops
# requests and lets the phones' retransmissions make up for it is not
# keeping up, even when every call ends well.
trial_judge()
{
	local n=$T_PREFIX ok fail ooc dead re ufail=0 uooc=0 udead=0 ure=0
	local unexp lost placed verdict=fail

	read -r ok fail ooc dead re < <(csv_last "$n-uac.csv" \
		'SuccessfulCall(C)' 'FailedCall(C)' 'OutOfCallMsgs(C)' \
		'DeadCallMsgs(C)' 'Retransmissions(C)')
	[ "$1" != call ] || read -r ufail uooc udead ure < <(csv_last \
		"$n-uas.csv" 'FailedCall(C)' 'OutOfCallMsgs(C)' \
		'DeadCallMsgs(C)' 'Retransmissions(C)')
	if ! [[ "$ok$fail$ooc$dead$re$ufail$uooc$udead$ure" =~ ^[0-9]+$ ]]; then
		say "$2: SIPp left no counters (exit $T_RC):" \
			"$(first_error "$n")"
		return 1
	fi
	unexp=$((ooc + dead + uooc + udead))
	lost=$((T_COUNT - ok + ufail + unexp))
	re=$((re + ure))
	placed=$(csv_placed_ms "$n-uac.csv" "$T_COUNT")
	T_BROKE_MS=$(csv_broke_ms "$n-uac.csv" "$T_COUNT")
	if [ "$T_RC" -le 1 ] && [ $((lost * 1000)) -lt "$T_COUNT" ] &&
	   [ $((re * 100)) -lt "$T_COUNT" ] && [ "$placed" -ge 0 ] &&
	   [ "$placed" -le $(($4 * 1020 + 250)) ]; then
		verdict=ok
	fi
	placed=$(awk -v m="$placed" \
		'BEGIN { printf (m < 0 ? "-" : "%.1f"), m / 1000 }')
	# shellcheck disable=SC2059 # the format is ours
	say "$(printf "$TRIAL_LINE" "$2" "$1" "$3" "$4" "$verdict" "$lost" \
		"$T_COUNT" "$fail" "$ufail" "$unexp" "$re" "$placed" \
		"$T_CPU" "$T_CPU_UAC" "$T_CPU_UAS")"
	[ "$verdict" = ok ] && return
	trial_why "$2" "$lost"
	return 1
}

# trial_why NAME LOST: where a failed trial lost its calls, as far as
# SIPp, the proxy and the kernel say.
trial_why()
{
	local d=()

	[ "$2" -eq 0 ] || say "  SIPp: $(first_error "$T_PREFIX")"
	say "  $1: $(proxy_says "$1" "$T_PREFIX-proxy.log")"
	for i in 0 1 2; do
		d+=($((T_DROPS1[i] - T_DROPS0[i])))
	done
	say "  kernel UDP drops: uac ${d[0]}, proxy ${d[1]}, uas ${d[2]}"
}

# preflight KIND NAME: one call (or registration) at a walking pace; a
# proxy that cannot do that is not searched.
preflight()
{
	local n=$TMP_DIR/t0-$2-$1 rc=0

	proxy_start "$2" "$n-proxy.log" "$1"
	[ "$1" = call ] && uas_start "$n-uas"
	uac_start "$n-uac" "$1" 1 1
	wait "$UAC_PID" || rc=$?
	[ "$1" = call ] && uas_stop
	proxy_stop "$2" "$n-proxy.log"
	[ "$rc" -eq 0 ] && return
	say "$2: one $1 fails (SIPp exit $rc): $(first_error "$n")"
	return 1
}

# step_down RATE SECS: the rate to try after a full trial failed. When
# it broke part way (failures past the 0.1% only after T_BROKE_MS), the
# proxy ran out of something that fills with time, and a rate that fills
# it in SECS is the guess; else half. Never below a quarter, always a
# tenth down.
step_down()
{
	local r=$(($1 / 2))

	if [ "$T_BROKE_MS" -gt 0 ]; then
		r=$(($1 * T_BROKE_MS * 95 / ($2 * 100000)))
		[ "$r" -ge $(($1 / 4)) ] || r=$(($1 / 4))
		[ "$r" -le $(($1 * 9 / 10)) ] || r=$(($1 * 9 / 10))
	fi
	round_rate "$r"
}

round_rate()
{
	local r=$1

	[ "$r" -ge 1000 ] && echo $(((r + 25) / 50 * 50)) && return
	echo $(((r + 5) / 10 * 10))
}

# search KIND NAME: sets BEST (0 if no rate held) and BEST_CPU.
search()
{
	local kind=$1 name=$2 secs=$SECONDS_FULL lo=0 hi=0 r=$START_RATE n=0

	[ "$kind" = reg ] && secs=$REG_SECONDS r=$REG_START_RATE
	BEST=0 BEST_CPU=0
	preflight "$kind" "$name" || return 0
	# bracket with short probes: double until a failure, halve after one
	while [ "$r" -ge "$MIN_RATE" ] && [ "$r" -le 1000000 ]; do
		if trial "$kind" "$name" "$r" "$SECONDS_PROBE"; then
			lo=$r
			[ "$hi" -gt 0 ] && break
			r=$((r * 2))
		else
			hi=$r
			[ "$lo" -gt 0 ] && break
			r=$((r / 2))
		fi
	done
	[ "$lo" -gt 0 ] || return 0
	[ "$hi" -gt 0 ] || hi=$((lo * 2))
	# Full trials from the highest rate a probe held, stepping down until
	# one holds (a proxy can run out of something only a long trial
	# shows), then bisecting between the best held and the lowest failed.
	r=$lo
	while [ "$n" -lt "$MAX_TRIALS" ]; do
		n=$((n + 1))
		if trial "$kind" "$name" "$r" "$secs"; then
			BEST=$r BEST_CPU=$T_CPU
			break
		fi
		hi=$r
		r=$(step_down "$r" "$secs")
		[ "$r" -ge "$MIN_RATE" ] || return 0
	done
	[ "$BEST" -gt 0 ] || return 0
	while [ "$n" -lt "$MAX_TRIALS" ] &&
	      [ $(((hi - BEST) * 100)) -gt $((RES_PCT * BEST)) ]; do
		n=$((n + 1))
		r=$(round_rate $(((BEST + hi) / 2)))
		if trial "$kind" "$name" "$r" "$secs"; then
			BEST=$r BEST_CPU=$T_CPU
		else
			hi=$r
		fi
	done
}

ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", (b > 0 ? a / b : 0) }'
}

# uses NAME: whether a proxy is measured at all, with media or without
uses()
{
	[[ " $PROXIES $REG_PROXIES " =~ \ $1(_media)?\  ]]
}

main()
{
	local p cps_sipfpd='' cps_kamailio='' reg_sipfpd='' reg_kamailio=''
	local cps_sipfpd_media='' cps_kamailio_media=''

	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
	for p in ip ss sipp awk python3; do
		command -v "$p" >/dev/null || skip "no $p (make deps)"
	done
	! uses kamailio || command -v kamailio >/dev/null ||
		skip "no kamailio (make deps)"
	! uses sipfpd || [ -x "$SIPFPD" ] || skip "no $SIPFPD (make)"
	! uses kamailio_media || command -v rtpengine >/dev/null ||
		skip "no rtpengine (make deps)"
	ip netns add "bench-probe-$$" 2>/dev/null ||
		skip "cannot create network namespaces"
	ip netns del "bench-probe-$$"

	trap cleanup EXIT
	TMP_DIR=$(mktemp -d /tmp/sipfp-bench.XXXXXX) || setup_fail mktemp
	CLK_TCK=$(getconf CLK_TCK)
	users_csv
	! uses kamailio || kamailio_config
	! uses sipfpd || sipfpd_config
	setup_topology

	echo "trial_s=$SECONDS_FULL"
	echo "call_hold_ms=$HOLD_MS"
	echo "cores=$(nproc)"
	for p in $PROXIES; do
		say "$p: calls, probes of $SECONDS_PROBE s from" \
			"$START_RATE/s, then $SECONDS_FULL s trials"
		search call "$p"
		echo "cps_$p=$BEST"
		echo "cpu_pct_$p=$BEST_CPU"
		eval "cps_$p=\$BEST"
	done
	if [ -n "$cps_sipfpd" ] && [ -n "$cps_kamailio" ]; then
		echo "cps_ratio_sipfpd_vs_kamailio=$(ratio "$cps_sipfpd" \
			"$cps_kamailio")"
	fi
	# the media goal: anchoring costs less than Kamailio's whole job
	if [ -n "$cps_sipfpd_media" ] && [ -n "$cps_kamailio" ]; then
		echo "cps_ratio_sipfpd_media_vs_kamailio=$(ratio \
			"$cps_sipfpd_media" "$cps_kamailio")"
	fi
	if [ -n "$cps_sipfpd_media" ] && [ -n "$cps_kamailio_media" ]; then
		echo "cps_ratio_sipfpd_media_vs_kamailio_media=$(ratio \
			"$cps_sipfpd_media" "$cps_kamailio_media")"
	fi
	[ -n "$cps_kamailio" ] && echo "kamailio_children=$KAM_CHILDREN"
	[ -n "$REG_PROXIES" ] || return 0
	echo "reg_trial_s=$REG_SECONDS"
	echo "reg_users=$REG_USERS"
	for p in $REG_PROXIES; do
		say "$p: registrations with MD5 digest, $REG_USERS users," \
			"probes of $SECONDS_PROBE s from $REG_START_RATE/s," \
			"then $REG_SECONDS s trials"
		search reg "$p"
		echo "reg_per_s_$p=$BEST"
		echo "cpu_pct_${p}_reg=$BEST_CPU"
		eval "reg_$p=\$BEST"
	done
	if [ -n "$reg_sipfpd" ] && [ -n "$reg_kamailio" ]; then
		echo "reg_ratio_sipfpd_vs_kamailio=$(ratio "$reg_sipfpd" \
			"$reg_kamailio")"
	fi
}

main "$@"
