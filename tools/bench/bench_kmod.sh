#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sipfp.ko's figures (issue 5, "Measure"). The host's kernel cannot load
# modules, so this boots one of Debian's kernels in qemu through the VM
# harness (selftests/vm/lib_vm.sh: the module built against it, the
# host's root over 9p, stage2.sh loading sipfp.ko) with one guest script,
# guest_kmod.sh, which measures in the same VM and the same run:
#
#   vm_kmod_pps, vm_kfwd_pps   RTP-shaped UDP (rtpblast, flat out, 100
#                              streams) forwarded through the module's
#                              flows, and by plain IP forwarding of the
#                              same traffic in the same namespaces: the
#                              median of each over the rounds
#   vm_kmod_vs_kfwd_ratio      their ratio: the figure to quote, since
#                              emulation (TCG) makes the rates themselves
#                              meaningless
#   flow_add_per_s             flows installed over netlink, a request
#                              and its ack each (sipctl_flow_add)
#   flow_add_batched_per_s     the same flows batched
#                              (sipctl_flow_add_batch), 10 000 by default
#
# guest_kmod.sh's header draws the topology. The guest's figures and its
# progress come back on the VM's console; this relays them.
#
#   tools/bench/bench_kmod.sh [KVER]   default: the oldest kernel with
#                                      both /boot/vmlinuz-KVER and
#                                      /lib/modules/KVER/build (6.1)
#
# stdout: key=value figures, the unit in the key (pps: packets forwarded
# a second; per_s: flows installed a second), and "# " progress lines.
# Needs root (Debian's /boot/vmlinuz-* is root's), qemu, busybox, and
# rtpblast and flowadd built (make); without them it says why and exits
# 0. Exit 1 when set-up fails: the module does not build, the VM does
# not boot, or the guest could not set up (its reason is relayed).
# About three minutes, most of it the trials in the VM; four on a busy host.
#
# Environment:
#   BENCH_QUICK=1     1 s windows, one round: for working on the script,
#                     not the benchmark (about a minute and a half)
#   BENCH_SECONDS     window length (3)
#   BENCH_WARMUP_MS   warm-up before each window (1000)
#   BENCH_ROUNDS      rounds of kfwd then kmod, and of flow adds (5)
#   BENCH_STREAMS     streams, one flow each (100)
#   BENCH_FLOWS       flows each flow-add round installs (10000)
#   VM_TEST_TIMEOUT   seconds the guest script may take (300)
#   VM_LOGLEVEL       the guest's console loglevel (4)
#   O                 the build tree (build); the VM's files go to
#                     $O/vm-bench/KVER/ (console.log: the whole console)

[ -n "${O:-}" ] && O=$(realpath -m "$O")
cd "$(dirname "$0")/../.." || exit 1
O=${O:-$PWD/build}
# before lib_vm.sh, which has its own default for tests
: "${VM_TEST_TIMEOUT:=300}"
# shellcheck source=selftests/vm/lib_vm.sh
source selftests/vm/lib_vm.sh

set -uo pipefail

# as the harness runs tests under selftests/
GUEST=../tools/bench/guest_kmod.sh
KNOBS=(BENCH_QUICK BENCH_SECONDS BENCH_WARMUP_MS BENCH_ROUNDS
       BENCH_STREAMS BENCH_FLOWS)

skip()
{
	echo "# skipped: $*"
	exit 0
}

setup_fail()
{
	echo "# set-up failed: $*"
	exit 1
}

# bench.conf: the knobs, for the guest, which reads them from the host's
# root over 9p (the VM's environment is its own).
knobs()
{
	local k

	for k in "${KNOBS[@]}"; do
		[ -z "${!k:-}" ] || printf '%s=%q\n' "$k" "${!k}"
	done
}

# guest_lines DIR: what the guest script printed, from the console.
guest_lines()
{
	awk -v start="# selftests: $GUEST" '
		$0 == start { on = 1; next }
		on && /^# time: [0-9]+s$/ { exit }
		on { sub(/^# ?/, ""); print }' "$1/console.log"
}

# result DIR: the harness's line for the guest script ("ok", "not ok
# # exit=1"; nothing when it never reported one).
result()
{
	tr -d '\r' <"$1/result" 2>/dev/null | awk -v t="$GUEST" '
		{
			st = "ok"
			s = $0
			if (sub(/^not ok /, "", s))
				st = "not ok"
			else if (!sub(/^ok /, "", s))
				next
		}
		s == t || index(s, t " # ") == 1 {
			print st substr(s, length(t) + 1)
			exit
		}'
}

# relay DIR: the guest's figures to stdout, its other lines as progress;
# 1 when there was no figure.
relay()
{
	local line n=0

	while IFS= read -r line; do
		if [[ "$line" =~ ^[a-z][a-z0-9_]*=[0-9][0-9.]*$ ]]; then
			echo "$line"
			n=$((n + 1))
		else
			echo "# ${line}"
		fi
	done < <(guest_lines "$1")
	[ "$n" -gt 0 ]
}

# why DIR: what stopped the guest before it reported.
why()
{
	if [ "$VM_QEMU_RC" -eq 124 ] || [ "$VM_QEMU_RC" -eq 137 ]; then
		echo "the VM timed out after ${VM_TIMEOUT}s"
	elif grep -q 'Kernel panic' "$1/console.log"; then
		echo "the guest kernel panicked"
	else
		echo "the guest stopped early (qemu exit $VM_QEMU_RC)"
	fi
}

boot()
{
	local kver=$1 dir=$O/vm-bench/$1 t0=$SECONDS

	# a result of an earlier run must not stand in for this one's
	{ mkdir -p "$dir" && rm -f "$dir/result" "$dir/console.log"; } ||
		setup_fail "cannot write $dir"
	echo "# $kver: building sipfp.ko and the initramfs in $dir"
	vm_build_module "$kver" "$dir" > >(sed 's/^/#   /') 2>&1 ||
		setup_fail "sipfp.ko did not build against $kver"
	knobs >"$dir/bench.conf" || setup_fail "$dir/bench.conf"
	vm_initramfs "$kver" "$dir" || setup_fail "no initramfs"
	echo "# $kver: booting (TCG); console in $dir/console.log"
	vm_boot "$kver" "$dir" >/dev/null
	echo "# $kver: VM done in $((SECONDS - t0))s"
	report "$kver" "$dir"
}

# report KVER DIR: relays, and fails when set-up did.
report()
{
	local res rc

	res=$(result "$2")
	[ -n "$res" ] || setup_fail "no result from the guest: $(why "$2")"
	relay "$2"
	rc=$?
	case "$res" in
	ok) ;;
	"ok # SKIP "*) setup_fail "the guest skipped: ${res#ok # SKIP }" ;;
	*) setup_fail "the guest script: $res (its lines above say why)" ;;
	esac
	[ "$rc" -eq 0 ] || setup_fail "the guest script printed no figures"
	# the harness's own checks after the script (rmmod, leaks, taint)
	tr -d '\r' <"$2/result" | grep -qx success ||
		echo "# the VM did not say success: $(tr -d '\r' <"$2/result" |
			grep '^not ok' | paste -sd';')"
}

main()
{
	local kver=${1:-} p

	[ "$(id -u)" -eq 0 ] || skip "needs root (/boot/vmlinuz-* is root's)"
	for p in qemu-system-x86_64 busybox cpio make modinfo timeout xz; do
		command -v "$p" >/dev/null || skip "no $p (make deps)"
	done
	for p in rtpblast flowadd; do
		[ -x "$O/tools/bench/$p" ] || skip "no $O/tools/bench/$p (make)"
	done
	[ -n "$kver" ] || kver=$(vm_kernels | head -n 1)
	[ -n "$kver" ] || skip "no kernel with both /boot/vmlinuz-V and" \
		"/lib/modules/V/build (make deps)"
	[ -r "/boot/vmlinuz-$kver" ] || skip "cannot read /boot/vmlinuz-$kver"
	[ -d "/lib/modules/$kver/build" ] ||
		skip "no headers for $kver in /lib/modules/$kver/build"
	VM_TESTS=$GUEST
	VM_TIMEOUT=${VM_TIMEOUT:-$((45 + VM_TEST_TIMEOUT))}
	boot "$kver"
}

main "$@"
