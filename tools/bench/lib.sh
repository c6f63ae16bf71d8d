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
