# SPDX-License-Identifier: GPL-2.0
#
# What the benchmarks share: progress and skips on stderr, a bounded
# wait, namespaces made here and emptied at exit. Sourced; the script
# sets NS_LIST=() and TMP_DIR, and its background processes are its
# jobs.

# say MSG...: progress, named by the script
say()
{
	local me=${0##*/}

	echo "${me%.sh}: $*" >&2
}

skip()
{
	say "skipped: $*"
	exit 0
}

setup_fail()
{
	say "set-up failed: $*"
	exit 1
}

cleanup()
{
	local p ns

	# only children still running: a pid waited for may be another's now
	for p in $(jobs -rp); do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ns in "${NS_LIST[@]}"; do
		ns_kill "$ns" KILL
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${BENCH_KEEP:-}" ] && [ -n "$TMP_DIR" ]; then
		say "kept $TMP_DIR"
	elif [ -n "$TMP_DIR" ]; then
		rm -rf "$TMP_DIR"
	fi
}

# wait_for MS CMD...: run CMD until it succeeds, at most MS milliseconds.
wait_for()
{
	local deadline=$(($(date +%s%3N) + $1))

	shift
	until "$@"; do
		[ "$(date +%s%3N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# ns_kill NS SIGNAL: signal every process left in a namespace we made.
ns_kill()
{
	local p

	for p in $(ip netns pids "$1" 2>/dev/null); do
		kill -"$2" "$p" 2>/dev/null
	done
}

ns_empty()
{
	[ -z "$(ip netns pids "$1" 2>/dev/null)" ]
}

# udp_drops NS: datagrams the kernel dropped in a namespace for want of
# socket buffer or memory (Udp: RcvbufErrors, SndbufErrors, MemErrors).
udp_drops()
{
	# shellcheck disable=SC2016 # awk's own $fields
	ip netns exec "$1" awk '
		$1 == "Udp:" && !h {
			for (i = 2; i <= NF; i++)
				col[$i] = i
			h = 1
			next
		}
		$1 == "Udp:" {
			n = $col["RcvbufErrors"] + $col["SndbufErrors"]
			print n + ("MemErrors" in col ? $col["MemErrors"] : 0)
		}' /proc/net/snmp
}

setup_ns()
{
	local name ns

	for name in "$@"; do
		ns="bench-$name-$(mktemp -u XXXXXX)"
		ip netns add "$ns" || setup_fail "ip netns add $ns"
		NS_LIST+=("$ns")
		ip -n "$ns" link set lo up || setup_fail "lo up in $ns"
		eval "$name=\$ns"
	done
}

# The benchmarks' topology: uac and uas on subnets of their own, px between.
UAC=192.0.2.2
PX_L=192.0.2.1
PX_R=198.51.100.1
UAS=198.51.100.2

# veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both up.
veth()
{
	{ ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	  ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up; } ||
		setup_fail "veth $2-$4"
}

# setup_topology [forward]: namespaces uac, px and uas, addressed and
# routed through px. A proxy may send from either of its addresses
# (Kamailio sends from its first socket); the phones reach both through
# px. With "forward", px also routes between them (the kernel forwarding
# baseline; a relay's packets are addressed to px and never take that
# path), and a datagram across resolves the neighbours on the way before
# a trial's first packets would wait for them.
setup_topology()
{
	setup_ns uac px uas
	veth "$uac" eth0 "$px" eth1
	veth "$uas" eth0 "$px" eth2
	{ ip -n "$uac" addr add "$UAC/24" dev eth0 &&
	  ip -n "$px" addr add "$PX_L/24" dev eth1 &&
	  ip -n "$px" addr add "$PX_R/24" dev eth2 &&
	  ip -n "$uas" addr add "$UAS/24" dev eth0; } || setup_fail "addresses"
	{ ip -n "$uac" route add default via "$PX_L" &&
	  ip -n "$uas" route add default via "$PX_R"; } || setup_fail "routes"
	[ "${1:-}" = forward ] || return 0
	ip netns exec "$px" sysctl -qw net.ipv4.ip_forward=1 ||
		setup_fail "ip_forward in $px"
	ip netns exec "$uac" bash -c "echo >/dev/udp/$UAS/9" ||
		setup_fail "a datagram across $px"
}

# kv FILE KEY: the value of a key=value line ("" if none).
kv()
{
	sed -n "s/^$2=//p" "$1" 2>/dev/null | tail -1
}

# div A B DECIMALS: A / B, 0 when B is 0.
div()
{
	awk -v a="$1" -v b="$2" -v d="$3" \
		'BEGIN { printf "%.*f\n", d, (b > 0 ? a / b : 0) }'
}
