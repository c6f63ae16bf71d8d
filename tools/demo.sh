#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's main job: sipfpd set up with a working configuration, and
# two phones (SIPp) that register with it and call each other through it,
# each in its own network namespace:
#
#   alice                      sipfpd                        bob
#   192.0.2.2/24  ---veth---   192.0.2.1/24
#                              198.51.100.1/24  ---veth---   198.51.100.2/24
#                              udp+tcp :5060, domain sip.example.org
#
# The phones have no route to each other: every message goes through
# sipfpd.  Both REGISTER with MD5 digest (SIPp knows no other algorithm);
# bob waits for a call and alice calls him: INVITE with SDP, the proxy's
# 407 answered, 100/180/200, ACK, a few seconds of call, BYE, the ACK and
# BYE along the route sipfpd recorded.  sipfpd rewrites the SDP both ways,
# so the call's RTP (both phones play sip-tester's G.711 capture) flows
# through its relay ports and the fast path.  Then what happened, in
# words: the media each way as the fast path counted it, checked against
# the capture, and sipfpd's counters.  The configuration, users file, logs and SIPp traces
# stay in build/demo/; namespaces and processes go at exit.  Exits 1
# naming the steps that failed.  DEMO_CALL_MS sets the call's length
# (8000 ms: the capture lasts 7 s).  The scenarios and trace filters are in tools/demo/.
set -u
cd "$(dirname "$0")/.." || exit 1

SIPFPD=build/daemon/sipfpd
DEMO=$PWD/tools/demo
OUT=$PWD/build/demo
DOMAIN=sip.example.org
ALICE=192.0.2.2
PX_A=192.0.2.1
PX_B=198.51.100.1
BOB=198.51.100.2
CALL_MS=${DEMO_CALL_MS:-8000}
PCAP=/usr/share/sip-tester/g711a.pcap

NS_LIST=()
alice='' proxy='' bob='' # namespace names, set by setup_ns
declare -A RC # SIPp's exit code for each phone's run
SIPFPD_PID=
FAILED=()

die()
{
	echo "demo: $*" >&2
	exit 1
}

cleanup()
{
	local ns

	[ -n "$SIPFPD_PID" ] && kill -KILL "$SIPFPD_PID" 2>/dev/null
	for ns in "${NS_LIST[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL
		ip netns del "$ns" 2>/dev/null
	done
}

# wait_for MS CMD...: run CMD until it succeeds, at most MS milliseconds.
wait_for()
{
	local deadline=$(($(date +%s%3N) + $1))

	shift
	until "$@"; do
		[ "$(date +%s%3N)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

say()
{
	printf '\n== %s\n' "$*"
}

check()
{
	[ "$(id -u)" -eq 0 ] ||
		die "needs root (network namespaces): sudo make demo"
	command -v sipp >/dev/null ||
		die "SIPp missing: run tools/deps.sh (Debian's sip-tester)"
	for c in ip ethtool nft; do
		command -v $c >/dev/null || die "$c missing: run tools/deps.sh"
	done
	[ -x "$SIPFPD" ] || die "$SIPFPD missing; run make first"
}

# setup_ns NAME...: namespace sipfp-demo-NAME-<random> with lo up, its
# name in the shell variable NAME.
setup_ns()
{
	local name ns

	for name in "$@"; do
		ns="sipfp-demo-$name-$(mktemp -u XXXXXX)"
		ip netns add "$ns" || die "set-up failed: ip netns add $ns"
		NS_LIST+=("$ns")
		ip -n "$ns" link set lo up || die "set-up failed: lo up in $ns"
		eval "$name=\$ns"
	done
}

# link NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair, addressed and up.
link()
{
	{ ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
		ip -n "$1" addr add "$3" dev "$2" &&
		ip -n "$4" addr add "$6" dev "$5" &&
		ip -n "$1" link set "$2" up &&
		ip -n "$4" link set "$5" up; } ||
		die "set-up failed: link $1/$2 - $4/$5"
}

topology()
{
	setup_ns alice proxy bob
	link "$alice" eth0 "$ALICE/24" "$proxy" eth1 "$PX_A/24"
	link "$bob" eth0 "$BOB/24" "$proxy" eth2 "$PX_B/24"
	fastpath_ready
}

# What the fastest path needs of the box and of a veth, the demo's wire.
# sipfp_xdp finds the next hop with bpf_fib_lookup(), which answers only
# on a device that forwards: forwarding on, and a forward chain that drops
# everything, so the phones still reach each other only through sipfpd.
# The phones' veths: NAPI (gro on), so the box's XDP can send into them,
# and no checksum offload, since a real wire carries full UDP checksums.
fastpath_ready()
{
	local p

	for p in "$alice" "$bob"; do
		ip netns exec "$p" ethtool -K eth0 tx off gro on >/dev/null ||
			die "set-up failed: ethtool -K eth0 tx off gro on in $p"
	done
	ip netns exec "$proxy" nft -f - <<-EOF || die "set-up failed: nft in $proxy"
		table inet demo {
			chain forward {
				type filter hook forward priority filter; policy drop;
			}
		}
	EOF
	ip netns exec "$proxy" sysctl -qw net.ipv4.ip_forward=1 ||
		die "set-up failed: forwarding on in $proxy"
}

write_config()
{
	local user=nobody

	# the state directory must stay reachable once root is dropped
	runuser -u nobody -- test -x "$OUT" 2>/dev/null || user=
	(umask 077 && cat >"$OUT/users") <<EOF || die "set-up: $OUT/users"
# The demo's phones; daemon/users.example explains the format.
alice $DOMAIN plain:alice-demo-secret
bob $DOMAIN plain:bob-demo-secret
EOF
	cat >"$OUT/sipfpd.conf" <<EOF || die "set-up: $OUT/sipfpd.conf"
# Written by tools/demo.sh; daemon/sipfpd.conf explains every key.
[general]
user = $user
state_dir = $OUT/state
run_dir = $OUT/run

[sip]
listen = udp:0.0.0.0:5060 tcp:0.0.0.0:5060
domain = $DOMAIN

[auth]
users_file = $OUT/users
# SIPp, the demo's phone, does only MD5; real phones take sha-256 first.
algorithms = md5
EOF
	"$SIPFPD" -n -f "$OUT/sipfpd.conf" >/dev/null 2>&1 ||
		die "set-up failed: $("$SIPFPD" -n -f "$OUT/sipfpd.conf" 2>&1)"
}

start_sipfpd()
{
	ip netns exec "$proxy" "$SIPFPD" -d -v -f "$OUT/sipfpd.conf" \
		2>"$OUT/sipfpd.log" &
	SIPFPD_PID=$!
	wait_for 5000 grep -q ' started$' "$OUT/sipfpd.log" || {
		cat "$OUT/sipfpd.log"
		die "set-up failed: sipfpd did not start"
	}
}

# The log without its time stamps and without the counters (shown apart).
show_log()
{
	sed -E 's/^[0-9-]+ [0-9:.]+ //' "$OUT/sipfpd.log" |
		grep -Ev '^(sip|proxy|keepalive|transport|tls): ' |
		sed "s|$OUT/|build/demo/|; s/^/  sipfpd: /"
}

# stats N: SIGUSR1, and wait for the Nth set of counters.
stats()
{
	kill -USR1 "$SIPFPD_PID"
	wait_for 3000 logged "$1"
}

logged()
{
	[ "$(grep -c ' proxy: ' "$OUT/sipfpd.log")" -ge "$1" ]
}

# counter NAME: its value in the last proxy: line.
counter()
{
	grep ' proxy: ' "$OUT/sipfpd.log" | tail -1 |
		sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}

# answers EV METHOD: the responses a phone got to its METHOD requests,
# the last one with its reason phrase.
answers()
{
	awk -F '\t' -v m="$2" '$3 == "<" && $5 ~ " " m "$" {
		if (last != "") s = s code ", "
		split($4, w, " "); code = w[2]; last = $4 }
		END { sub(/^SIP\/2\.0 /, "", last);
		print last == "" ? "no answer" : s last }' "$1"
}

# final EV METHOD: the last response to the last METHOD request.
final()
{
	awk -F '\t' -v m="$2" '$3 == ">" && $5 ~ " " m "$" { c = $5; f = "" }
		$3 == "<" && $5 == c { f = $4 } END { sub(/^SIP\/2\.0 /, "", f);
		print f }' "$1"
}

# got EV: the requests a phone received, in order.
got()
{
	awk -F '\t' '$3 == "<" && $4 !~ /^SIP\// { split($4, w, " ");
		s = s (s == "" ? "" : ", ") w[1] } END { print s }' "$1"
}

# at EV DIR METHOD: the time of the last such request.
at()
{
	awk -F '\t' -v d="$2" -v m="$3" '$3 == d && index($4, m " ") == 1 {
		t = $1 } END { print t }' "$1"
}

# phone NAME NS IP SCENARIO [SIPP ARGS...]: one SIPp run, its message
# trace turned into $OUT/NAME-SCENARIO.ev (events.awk), bounded in time.
phone()
{
	local name=$1 ns=$2 ip=$3 tag=$1-${4%.xml} ret

	(cd "$OUT" && ip netns exec "$ns" sipp -sf "$DEMO/$4" -t u1 \
		-i "$ip" -p 5060 -m 1 -nostdin -timeout 30 -timeout_error \
		-key domain "$DOMAIN" -trace_msg -message_file "$tag.msg" \
		-trace_err -error_file "$tag.err" "${@:5}" >"$tag.out" 2>&1)
	ret=$?
	awk -v who="$name" -f "$DEMO/events.awk" "$OUT/$tag.msg" \
		>"$OUT/$tag.ev" 2>/dev/null
	return $ret
}

# ladder EV...: the phones' messages as one call flow.
ladder()
{
	awk -f "$DEMO/order.awk" <(cat "$@") <(cat "$@") | sort -n |
		awk -f "$DEMO/ladder.awk"
}

register()
{
	phone "$1" "$2" "$3" register.xml -s "$1" -au "$1" \
		-ap "$1-demo-secret" -auth_uri "$DOMAIN" -key expires 600 \
		"$4:5060"
	RC[$1-register]=$?
}

registrations()
{
	say "1. bob and alice register (digest authentication, MD5)"
	register bob "$bob" "$BOB" "$PX_B"
	register alice "$alice" "$ALICE" "$PX_A"
	ladder "$OUT/bob-register.ev" "$OUT/alice-register.ev"
	stats 1 || echo "  sipfpd did not log its counters (SIGUSR1)"
}

gone()
{
	! kill -0 "$1" 2>/dev/null
}

listening()
{
	ip netns exec "$1" ss -Hlun 'sport = :5060' | grep -q .
}

call()
{
	local bob_pid

	say "2. alice calls bob; he answers, and she hangs up after" \
		"$((CALL_MS / 1000)) s"
	phone bob "$bob" "$BOB" answer.xml -s bob &
	bob_pid=$!
	wait_for 3000 listening "$bob" || die "bob's phone did not start"
	phone alice "$alice" "$ALICE" call.xml -s bob -key caller alice \
		-au alice -ap alice-demo-secret -auth_uri "bob@$DOMAIN" \
		-d "$CALL_MS" "$PX_A:5060"
	RC[alice-call]=$?
	# a call that failed before reaching bob leaves him waiting
	wait_for 2000 gone "$bob_pid" ||
		ip netns pids "$bob" | xargs -r kill 2>/dev/null
	wait "$bob_pid"
	RC[bob-answer]=$?
	ladder "$OUT/alice-call.ev" "$OUT/bob-answer.ev"
}

# duration EV DIR: from the ACK to the BYE a phone sent (>) or got (<).
duration()
{
	local ack bye

	ack=$(at "$1" "$2" ACK)
	bye=$(at "$1" "$2" BYE)
	[ -n "$ack" ] && [ -n "$bye" ] &&
		awk -v a="$ack" -v b="$bye" 'BEGIN { printf "%.2f s", b - a }'
}

# step NAME RESULT TEST...: one line of the summary; TEST decides.
step()
{
	local name=$1 result=$2

	shift 2
	if "$@"; then
		printf '  %-26s %-32s ok\n' "$name" "$result"
	else
		printf '  %-26s %-32s FAILED\n' "$name" "$result"
		FAILED+=("$name")
	fi
}

# sipp_ok TAG ANSWER WANT: SIPp passed its scenario and ANSWER is WANT.
sipp_ok()
{
	[ "${RC[$1]}" -eq 0 ] && [ "$2" = "$3" ]
}

summary()
{
	local p a b ev=$OUT/alice-call.ev

	say "3. what happened"
	for p in bob alice; do
		a=$OUT/$p-register.ev
		step "$p registers" "$(answers "$a" REGISTER)" \
			sipp_ok "$p-register" "$(final "$a" REGISTER)" "200 OK"
	done
	step "sipfpd's registrations" "$(counter registrations)" \
		[ "$(counter registrations)" = 2 ]
	step "alice calls bob (INVITE)" "$(answers "$ev" INVITE)" \
		[ "$(final "$ev" INVITE)" = "200 OK" ]
	step "bob's phone gets" "$(got "$OUT/bob-answer.ev")" \
		sipp_ok bob-answer "$(got "$OUT/bob-answer.ev")" \
		"INVITE, ACK, BYE"
	a=$(duration "$ev" '>')
	b=$(duration "$OUT/bob-answer.ev" '<')
	step "the call lasts" "${a:-?} (bob: ${b:-?})" [ -n "$a" ]
	step "alice hangs up (BYE)" "$(answers "$ev" BYE)" \
		sipp_ok alice-call "$(final "$ev" BYE)" "200 OK"
	for p in bob-register alice-register alice-call bob-answer; do
		why "$p"
	done
	media
}

# same A B: A is known, and B is the same.
same()
{
	[ -n "$1" ] && [ "$1" = "$2" ]
}

# flow FROM KIND FIELD: a field of a flow's counters as sipfpd logged them.
flow()
{
	sed -nE "s/.* media: flow .* from=$1 kind=$2 .*\b$3=([^ ]+).*/\1/p" \
		"$OUT/sipfpd.log" | tail -1
}

media()
{
	local want from to path fp

	want=$(python3 "$PWD/selftests/net/rtp.py" count "$PCAP" |
		sed -nE 's/^packets=([0-9]+).*/\1/p')
	path=$(flow caller rtp path)
	fp=$(sed -nE 's/.* fast path: ([a-z+]+)$/\1/p' "$OUT/sipfpd.log" | tail -1)
	say "the call's media: RTP through sipfpd's fast path (${path:-none})," \
		"${want:-?} packets each way in the capture"
	# auto takes the fastest this box has: XDP here, stacked on the
	# module where it is loaded, the relay under both
	step "fast path (fastpath = auto)" "${fp:-?}, the last packets by ${path:-none}" \
		same "${fp%%+*}" "$path"
	for from in caller callee; do
		to="alice -> bob"
		[ $from = callee ] && to="bob -> alice"
		step "RTP $to" \
			"$(flow $from rtp packets) packets, lost $(flow $from rtp lost)" \
			same "$want" "$(flow $from rtp packets)"
		printf '  %-26s jitter %s ms, dropped from strangers %s\n' "" \
			"$(flow $from rtp jitter_ms)" "$(flow $from rtp drop_source)"
	done
}

# why TAG: what SIPp said when that phone's scenario failed.
why()
{
	local stamp='^[^\t]*\t[^\t]*\t[0-9.]*: '

	[ "${RC[$1]}" -eq 0 ] && return
	printf '  SIPp, %s: ' "$1"
	sed -n "2{s/$stamp//; s/ for Call-Id '[^']*'//; p}" "$OUT/$1.err" \
		2>/dev/null | grep . || echo "exit code ${RC[$1]}"
}

counters()
{
	local rc

	say "4. sipfpd's counters (SIGUSR1; those at zero left out)"
	stats 2
	grep -E ' (sip|proxy|transport): ' "$OUT/sipfpd.log" | tail -3 |
		sed -E 's/^[0-9-]+ [0-9:.]+ //; s/ [a-z_0-9]+=0\b//g; s/^/  /'
	kill -TERM "$SIPFPD_PID"
	wait "$SIPFPD_PID"
	rc=$?
	SIPFPD_PID=
	step "sipfpd stops (SIGTERM)" "exit code $rc" [ "$rc" -eq 0 ]
	say "the log of sipfpd (build/demo/sipfpd.log, counters left out)"
	show_log
}

softphone()
{
	say "your turn: a real softphone"
	cat <<EOF
  The demo's configuration is build/demo/sipfpd.conf (users in
  build/demo/users, traces in build/demo/).  To serve real phones with the
  shipped configuration and users file:

    sudo install -d /etc/sipfp
    sudo install -m 644 daemon/sipfpd.conf /etc/sipfp/sipfpd.conf
    sudo install -m 600 daemon/users.example /etc/sipfp/users
    # in /etc/sipfp/sipfpd.conf, [sip]: domain = sip.example.org
    # (the realm of users.example; then change its passwords)
    sudo useradd --system --no-create-home sipfp   # it drops root to
    sudo $SIPFPD -d -f /etc/sipfp/sipfpd.conf

  Then set up a softphone with: user 1001, password 1001-secret, domain
  sip.example.org, proxy/registrar this machine's address, port 5060
  (UDP or TCP); a second phone as 1002 (1002-secret) can call it.
EOF
}

parser_speed()
{
	local bench=build/tools/bench/bench_parse

	[ -x "$bench" ] || return 0
	say "the SIP parser on one core, GNU oSIP measured in the same run"
	BENCH_SECONDS=0.3 BENCH_ROUNDS=3 "$bench" 2>/dev/null |
		awk '/^invite_parse/ { print "  " $0 } /ratio/ { exit }'
}

main()
{
	check
	trap cleanup EXIT
	trap 'exit 1' INT TERM
	rm -rf "$OUT"
	mkdir -p "$OUT" || die "cannot make $OUT"
	echo "sipfp demo: sipfpd between two SIPp phones in network namespaces"
	echo "  alice $ALICE -- $PX_A [sipfpd] $PX_B -- $BOB bob" \
		"(domain $DOMAIN)"
	topology
	write_config
	start_sipfpd
	registrations
	call
	summary
	counters
	softphone
	parser_speed
	if [ ${#FAILED[@]} -ne 0 ]; then
		printf '\ndemo FAILED: %s' "${FAILED[0]}"
		printf '; %s' "${FAILED[@]:1}"
		printf '\n  (sipfpd log, SIPp traces and errors: build/demo/)\n'
		exit 1
	fi
	printf '\ndemo OK: two registrations and a call through sipfpd,'
	printf ' its media through the fast path\n'
}

main "$@"
