# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by the proxy tests (proxy_*.sh): the addresses of their topology,
# a sipfpd configuration with users, a trunk route and a trusted trunk,
# SIPp phones run in the foreground or the background with every message
# they saw kept in a file, a reader for those files, and the REGISTER
# client for what SIPp cannot do (sipreg.py). Sourced after nothing else:
# it sources lib.sh.

# shellcheck source=selftests/net/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOMAIN=sip.test
SCEN=$PWD/selftests/net/sipp
SIPREG=$PWD/selftests/net/sipreg.py

PX=192.0.2.1 # the proxy, phones' side
PA=192.0.2.2 # phone A: alice
PB=192.0.2.3 # phone B: bob
PX_T=198.51.100.1 # the proxy, trunk side
TRUNK=198.51.100.2
PX_N=203.0.113.1 # the proxy, facing the NAT
NAT_OUT=203.0.113.2
NAT_IN=203.0.113.129
PC=203.0.113.130 # phone C: carol, behind the NAT
TRUNK_PREFIX=+44

# Passwords of the users file; dave has only a SHA-256 HA1 (no MD5).
declare -A PW=([alice]=alice-secret [bob]=bob-secret [carol]=carol-secret
	       [dave]=dave-secret [erin]="erin secret")

phones='' proxy='' trunk='' nat='' natc='' # set by setup_ns

# topology flat|nat: phones, proxy and trunk namespaces, and with "nat" a
# masquerading NAT with carol behind it. Every namespace routes through
# the proxy's side of its link, so whichever of its addresses sipfpd puts
# in a Via or Record-Route is reachable; the proxy does not forward.
topology()
{
	setup_ns phones proxy trunk
	veth_pair "$phones" eth0 "$proxy" eth1
	veth_pair "$trunk" eth0 "$proxy" eth2
	addr "$phones" eth0 "$PA/24"
	addr "$phones" eth0 "$PB/24"
	addr "$proxy" eth1 "$PX/24"
	addr "$proxy" eth2 "$PX_T/24"
	addr "$trunk" eth0 "$TRUNK/24"
	ip -n "$phones" route add default via "$PX" ||
		setup_fail "default route of $phones"
	ip -n "$trunk" route add default via "$PX_T" ||
		setup_fail "default route of $trunk"
	[ "$1" = nat ] || return 0

	setup_ns nat natc
	veth_pair "$nat" eth0 "$proxy" eth3
	veth_pair "$natc" eth0 "$nat" eth1
	addr "$proxy" eth3 "$PX_N/25"
	addr "$nat" eth0 "$NAT_OUT/25"
	addr "$nat" eth1 "$NAT_IN/25"
	addr "$natc" eth0 "$PC/25"
	{ ip -n "$nat" route add default via "$PX_N" &&
		ip -n "$natc" route add default via "$NAT_IN"; } ||
		setup_fail "routes behind the NAT"
	# what makes the NAT matter: carol's own address is out of reach
	! ip -n "$proxy" route get "$PC" >/dev/null 2>&1 ||
		setup_fail "$proxy has a route to $PC"
	nat_masquerade
}

# nat_masquerade: $nat forwards and masquerades what leaves by its eth0;
# random, so the NAT's port is not carol's, as with most home routers.
nat_masquerade()
{
	ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1 ||
		setup_fail "forwarding in $nat"
	ip netns exec "$nat" nft -f - <<-EOF || setup_fail "nft in $nat"
		table ip nat {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "eth0" masquerade random
			}
		}
	EOF
}

# users_file FILE: the users of the tests, realm sip.test.
users_file()
{
	local dave_ha1

	dave_ha1=$(printf '%s' "dave:$DOMAIN:${PW[dave]}" | sha256sum)
	cat >"$1" <<-EOF
		# SPDX-License-Identifier: GPL-2.0
		alice $DOMAIN plain:${PW[alice]}
		bob $DOMAIN plain:${PW[bob]}
		carol $DOMAIN plain:${PW[carol]}
		dave $DOMAIN sha256:${dave_ha1%% *}
		erin $DOMAIN plain:${PW[erin]// /%20}
	EOF
	chown root:nogroup "$1" && chmod 640 "$1"
}

# write_conf FILE ALGORITHMS KEEPALIVE: sipfpd's configuration, state in
# $TMP_DIR/state (kept across restarts).
write_conf()
{
	cat >"$1" <<-EOF
		[general]
		user = nobody
		state_dir = $TMP_DIR/state
		run_dir = $TMP_DIR/run
		[sip]
		listen = udp:0.0.0.0:5060 tcp:0.0.0.0:5060
		domain = $DOMAIN
		rate_limit = 1000
		rate_burst = 1000
		[auth]
		users_file = $TMP_DIR/users
		algorithms = $2
		trusted = $TRUNK
		[registrar]
		min_expires = 2
		[nat]
		keepalive_interval = $3
		[routes]
		$TRUNK_PREFIX = sip:$TRUNK:5060
	EOF
}

# proxy_start ALGORITHMS KEEPALIVE: sipfpd in $proxy, listening, with
# [auth] algorithms and [nat] keepalive_interval as given; each start logs
# to a file of its own (LOG), so "started" is this run's.
proxy_start()
{
	local l

	PROXY_RUN=$((${PROXY_RUN:-0} + 1))
	CONF=$TMP_DIR/sipfpd.conf
	LOG=$TMP_DIR/sipfpd.$PROXY_RUN.log
	write_conf "$CONF" "$1" "$2"
	start_sipfpd "$proxy" "$CONF" "$LOG"
	for l in "-u 5060" "-t 5060"; do
		# shellcheck disable=SC2086 # two words by design
		wait_for 3000 listening "$proxy" ${l% *} ${l#* } ||
			setup_fail "sipfpd not listening ($l)"
	done
}

# proxy_stop: SIGTERM; true when sipfpd logged "exited" and exited 0.
proxy_stop()
{
	local rc

	kill -TERM "$SIPFPD_PID"
	wait_for 5000 log_has "$LOG" " exited" || return 1
	wait "$SIPFPD_PID"
	rc=$?
	echo "# sipfpd exit code $rc"
	[ "$rc" -eq 0 ]
}

# proxy_setup flat|nat: everything but sipfpd.
proxy_setup()
{
	if [ "$1" = nat ]; then
		net_require nft ss
	else
		net_require ss
	fi
	trap net_cleanup EXIT
	mktmp
	# sipfpd drops to nobody, who must reach its state directory
	chmod 755 "$TMP_DIR"
	users_file "$TMP_DIR/users"
	topology "$@"
}

# sipp_args NAME TRANSPORT LOCAL_IP: what every phone gets. Each keeps
# its messages in NAME.msg and its errors in NAME.err; SIPp's own timeout
# bounds it (and fails it).
sipp_args()
{
	SIPP_ARGS=(-t "$2" -i "$3" -m 1 -nostdin -timeout 6 -timeout_error
		   -trace_msg -message_file "$TMP_DIR/$1.msg"
		   -trace_err -error_file "$TMP_DIR/$1.err"
		   -trace_logs -log_file "$TMP_DIR/$1.log")
	rm -f "$TMP_DIR/$1".*
}

# phone NAME NS SCENARIO TRANSPORT LOCAL_IP REMOTE [SIPP ARGS...]: a SIPp
# client in the foreground; true when its one call succeeded.
phone()
{
	local name=$1 ns=$2 scen=$3 remote=$6

	sipp_args "$name" "$4" "$5"
	shift 6
	(cd "$TMP_DIR" && ip netns exec "$ns" sipp -sf "$SCEN/$scen" \
		"${SIPP_ARGS[@]}" "$@" "$remote" >"$TMP_DIR/$name.out" 2>&1)
}

# answer NAME NS SCENARIO TRANSPORT LOCAL_IP [SIPP ARGS...]: a SIPp server
# in the background on LOCAL_IP:5060 (after its REGISTER from the same
# port); sets ANSWER_PID once it listens.
answer()
{
	local name=$1 ns=$2 scen=$3 ip=$5 proto=-u

	sipp_args "$name" "$4" "$5"
	[ "$4" = t1 ] && proto=-t
	shift 5
	(cd "$TMP_DIR" && exec ip netns exec "$ns" sipp -sf "$SCEN/$scen" \
		"${SIPP_ARGS[@]}" -p 5060 "$@" >"$TMP_DIR/$name.out" 2>&1) &
	ANSWER_PID=$!
	BG_PIDS+=("$ANSWER_PID")
	wait_for 3000 bound "$ns" "$proto" "$ip"
}

bound()
{
	ip netns exec "$1" ss -Hln "$2" "src $3:5060" | grep -q .
}

gone()
{
	! kill -0 "$1" 2>/dev/null
}

# answered: true when the answer() in the background succeeded.
answered()
{
	wait_for 8000 gone "$ANSWER_PID" || return 1
	wait "$ANSWER_PID"
}

# call NAME NS SCENARIO TRANSPORT LOCAL_IP REMOTE [ARGS] -- CALLEE_NAME
# CALLEE_NS CALLEE_SCENARIO CALLEE_TRANSPORT CALLEE_IP [ARGS]: the callee
# answers in the background, the caller calls; true when both succeeded.
call()
{
	local a=() rc

	while [ "$1" != -- ]; do
		a+=("$1")
		shift
	done
	shift
	answer "$@" || return 1
	phone "${a[@]}"
	rc=$?
	answered && [ "$rc" -eq 0 ]
}

# sipp_msg NAME sent|received REGEX [N]: the headers of the Nth message
# (default the first) that phone NAME sent or received whose first line
# matches REGEX (awk), without CRs.
sipp_msg()
{
	awk -v dir="$2" -v pat="$3" -v want="${4:-1}" '
		{ sub(/\r$/, "") }
		/^-----------------------------------------------/ {
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
			state = 4
			if (d == dir && $0 ~ pat && ++n == want) {
				print
				state = 3
			}
			next
		}
		state == 3 { if ($0 == "") exit; print }
	' "$TMP_DIR/$1.msg"
}

# hdr NAME: the values of header NAME from a message on stdin, one entry
# per line (comma-separated entries split, which is right for Via, Route
# and Record-Route).
hdr()
{
	awk -v h="$1" '
		{
			i = index($0, ":")
			if (!i || tolower(substr($0, 1, i - 1)) != tolower(h))
				next
			v = substr($0, i + 1)
			sub(/^[ \t]+/, "", v)
			n = split(v, e, /,[ \t]*/)
			for (k = 1; k <= n; k++)
				print e[k]
		}'
}

# expect_lines WHAT REGEX... : stdin has exactly one line per REGEX (grep
# -E), in that order; says what it got otherwise.
expect_lines()
{
	local what=$1 got i=0 line

	shift
	mapfile -t got
	if [ "${#got[@]}" -ne "$#" ]; then
		echo "# $what: ${#got[@]} entries, want $#:"
		printf '#   %s\n' "${got[@]}"
		return 1
	fi
	for line in "${got[@]}"; do
		i=$((i + 1))
		if ! grep -Eq -- "${!i}" <<<"$line"; then
			echo "# $what $i: '$line' does not match '${!i}'"
			return 1
		fi
	done
}

# A dot or plus in an address or number stands for itself in a regex.
q()
{
	local s=${1//./\\.}

	echo "${s//+/\\+}"
}

# reg NS ARGS...: sipreg.py in NS, for sip.test unless ARGS name another
# --domain; what it printed goes to the TAP output and stays in reg.out.
reg()
{
	local ns=$1 rc

	shift
	ip netns exec "$ns" python3 "$SIPREG" --domain "$DOMAIN" "$@" \
		>"$TMP_DIR/reg.out" 2>&1
	rc=$?
	sed 's/^/# /' "$TMP_DIR/reg.out"
	return "$rc"
}

# contacts: the contact: lines sipreg.py printed last.
contacts()
{
	sed -n 's/^contact: //p' "$TMP_DIR/reg.out"
}

# case_ok CMD...: one TAP line for CMD; when it fails, what the phones it
# ran said (their errors and SIPp logs).
case_ok()
{
	local f

	touch "$TMP_DIR/.case"
	if "$@"; then
		tap_ok "$name"
		return 0
	fi
	tap_not_ok "$name"
	for f in "$TMP_DIR"/*.err "$TMP_DIR"/*.log; do
		case "$f" in
		*/sipfpd.*) continue ;;
		esac
		if [ -s "$f" ] && [ "$f" -nt "$TMP_DIR/.case" ]; then
			echo "# ${f##*/}:"
			# awk ends SIPp's last line, which has no newline
			awk '{ print "#   " $0 }' "$f"
		fi
	done
	return 1
}

# show_logs: what sipfpd said, after a failure.
show_logs()
{
	local f

	for f in "$TMP_DIR"/sipfpd.*.log; do
		echo "# ${f##*/}:"
		sed 's/^/#   /' "$f"
	done
}
