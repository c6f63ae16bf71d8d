# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by the network-namespace tests: namespaces with random suffixes,
# veth pairs, a bounded poll, sipfpd and SIPp in a namespace, and an EXIT
# trap that removes everything a test made. Sourced after selftests/lib.sh
# (TAP helpers, skip and fail). Traffic goes only to addresses inside the
# namespaces made here.

# shellcheck source=selftests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

NS_LIST=()
BG_PIDS=()
TMP_DIR=
SIPFPD=${SIPFPD:-$O/daemon/sipfpd}

net_cleanup()
{
	local p ns

	for p in "${BG_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	# what sipfpd pinned goes with the mount, once nothing is attached
	[ -n "${BPFFS:-}" ] && umount "$BPFFS"
	[ -n "$TMP_DIR" ] && rm -rf "$TMP_DIR"
}

# Skip (exit 4, with the reason) unless this machine can run the test.
net_require()
{
	require_root
	require_cmd ip sipp python3 "$@"
	[ -x "$SIPFPD" ] || ksft_exit_fail "$SIPFPD not built (make)"
	ip netns add "sipfp-probe-$$" 2>/dev/null ||
		ksft_exit_skip "cannot create network namespaces"
	ip netns del "sipfp-probe-$$"
}

# Set-up failed: nothing has been sent yet; stop before anything is.
setup_fail()
{
	echo "set-up failed: $*"
	exit "$ksft_fail"
}

# setup_ns NAME...: make namespace NAME-<random> for each NAME and set the
# shell variable NAME to its full name, with lo up.
setup_ns()
{
	local name ns

	for name in "$@"; do
		ns="$name-$(mktemp -u XXXXXX)"
		ip netns add "$ns" || setup_fail "ip netns add $ns"
		NS_LIST+=("$ns")
		ip -n "$ns" link set lo up || setup_fail "lo up in $ns"
		eval "$name=\$ns"
	done
}

# veth_pair NS1 IF1 NS2 IF2: a veth pair between two namespaces, both up.
veth_pair()
{
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" ||
		setup_fail "veth $1/$2 - $3/$4"
	{ ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up; } ||
		setup_fail "veth up $2, $4"
}

# addr NS IF ADDR/LEN: an address, usable at once (no IPv6 DAD wait).
addr()
{
	local flags=

	[[ "$3" == *:* ]] && flags=nodad
	# shellcheck disable=SC2086 # flags is one word or none
	ip -n "$1" addr add "$3" dev "$2" $flags ||
		setup_fail "address $3 on $1/$2"
}

# wait_for MS CMD...: run CMD until it succeeds, at most MS milliseconds,
# times SIPFP_WAIT_SCALE where everything runs slower (the VM's emulated
# CPU): a bound, never a delay, so it costs nothing where things are fast.
wait_for()
{
	local deadline=$(($(date +%s%3N) + $1 * ${SIPFP_WAIT_SCALE:-1}))

	shift
	until "$@"; do
		[ "$(date +%s%3N)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

# mktmp: the test's scratch directory, removed at exit.
mktmp()
{
	TMP_DIR=$(mktemp -d /tmp/sipfp-net.XXXXXX) || setup_fail mktemp
}

listening()
{
	ip netns exec "$1" ss -Hln "$2" "sport = :$3" | grep -q .
}

# start_sipfpd NS CONF LOG: sipfpd -d -v in NS; sets SIPFPD_PID. Waits
# until it has said "started" (or failed). With BPFFS set (a bpf
# filesystem the test mounted), sipfpd finds it at /sys/fs/bpf: `ip netns
# exec` mounts a /sys of its own for each command, so what one sipfpd
# pinned there would otherwise be gone for the next.
start_sipfpd()
{
	if [ -n "${BPFFS:-}" ]; then
		# shellcheck disable=SC2016 # expanded by that sh
		ip netns exec "$1" sh -c 'mount --bind "$0" /sys/fs/bpf &&
			exec "$@"' "$BPFFS" "$SIPFPD" -d -v -f "$2" 2>"$3" &
	else
		ip netns exec "$1" "$SIPFPD" -d -v -f "$2" 2>"$3" &
	fi
	SIPFPD_PID=$!
	BG_PIDS+=("$SIPFPD_PID")
	wait_for 5000 grep -q ' started$' "$3" ||
		{ cat "$3"; setup_fail "sipfpd did not start"; }
}

# sipp_run NS SCENARIO TRANSPORT LOCAL_IP REMOTE: one call, bounded.
sipp_run()
{
	(cd "$TMP_DIR" && ip netns exec "$1" sipp -sf "$2" -t "$3" \
		-i "$4" -m 1 -nostdin -timeout 10 -timeout_error \
		-trace_err -error_file "$TMP_DIR/sipp-err.log" "$5" \
		>"$TMP_DIR/sipp.out" 2>&1)
}

# log_has FILE TEXT: a fixed string in a log.
log_has()
{
	grep -qF -- "$2" "$1"
}
