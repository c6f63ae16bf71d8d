#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sipfp.ko in Debian's own kernels, in qemu: for each kernel with both an
# image in /boot and headers in /lib/modules, builds the module, boots the
# kernel with a busybox initramfs and the host's root over 9p, and runs
# guest/tests.list inside (lib_vm.sh, guest/stage2.sh). One TAP point per
# guest result, relayed from the VM, and one per kernel for the positive
# signal: the guest wrote "success". The console is copied here, indented.
#
#   selftests/vm/kmod_vm.sh [KVER...]     default: every bootable kernel
#
# Environment: VM_TESTS (guest tests instead of the list), VM_TEST_TIMEOUT
# (seconds per guest test, default 90; VM_NET_TEST_TIMEOUT for net/ ones,
# default 600), VM_TIMEOUT (seconds per VM, default 45 + those), VM_LOGLEVEL
# (console loglevel, default 4), SIPFP_WAIT_SCALE (how much longer the net
# tests' bounds are in the VM, default 10).
#
# selftests-timeout: 3600
# What the last run left: $O/vm/KVER/ (README.md).

# The guest runs the tests from the repo top, as the runner does.
[ -n "${O:-}" ] && O=$(realpath -m "$O")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=selftests/vm/lib_vm.sh
source selftests/vm/lib_vm.sh

set -u

# secs_since T0: the time since T0 (date +%s%3N), in seconds, "S.s".
secs_since()
{
	local ms=$(($(date +%s%3N) - $1))

	printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

# result_of DIR NAME: the guest's line for NAME: "ok", "ok # SKIP why",
# "not ok # why"; nothing if it never reported it.
result_of()
{
	tr -d '\r' <"$1/result" 2>/dev/null | awk -v name="$2" '
		{
			st = "ok"
			s = $0
			if (sub(/^not ok /, "", s))
				st = "not ok"
			else if (!sub(/^ok /, "", s))
				next
			d = ""
			if ((i = index(s, " # ")) > 0) {
				d = substr(s, i)
				s = substr(s, 1, i - 1)
			}
			if (s == name) {
				print st d
				exit
			}
		}'
}

# relay KVER DIR REASON: a TAP point per guest result; REASON is what a
# result the guest never sent is put down to.
relay()
{
	local kver=$1 dir=$2 why=$3 name res

	for name in "${points[@]}"; do
		res=$(result_of "$dir" "$name")
		case "$res" in
		"ok # SKIP "*) tap_skip "$kver: $name" "${res#ok # SKIP }" ;;
		ok*) tap_ok "$kver: $name" ;;
		"not ok"*) tap_not_ok "$kver: $name${res#not ok}" ;;
		*) tap_not_ok "$kver: $name # no result: $why" ;;
		esac
	done
}

run_kernel()
{
	local kver=$1 dir=$O/vm/$1 t0 build boot why

	# A result of an earlier run must not stand in for this one's.
	mkdir -p "$dir" && rm -f "$dir/result" "$dir/console.log"
	t0=$(date +%s%3N)
	echo "# $kver: building sipfp.ko and the initramfs in $dir"
	if ! vm_build_module "$kver" "$dir" > >(sed 's/^/#   /') 2>&1; then
		relay "$kver" "$dir" "sipfp.ko did not build"
		tap_not_ok "$kver: success # sipfp.ko did not build"
		return
	fi
	if ! vm_initramfs "$kver" "$dir"; then
		relay "$kver" "$dir" "no initramfs"
		tap_not_ok "$kver: success # no initramfs"
		return
	fi
	build=$(secs_since "$t0")
	t0=$(date +%s%3N)
	echo "# $kver: booting; console in $dir/console.log"
	vm_boot "$kver" "$dir"
	rc=$?
	boot=$(secs_since "$t0")
	if [ "$VM_QEMU_RC" -eq 124 ] || [ "$VM_QEMU_RC" -eq 137 ]; then
		why="the VM timed out after ${VM_TIMEOUT}s"
	elif grep -q 'Kernel panic' "$dir/console.log"; then
		why="the guest kernel panicked"
	elif grep -q '^not ok ' "$dir/result" 2>/dev/null; then
		why="a guest test failed"
	else
		why="the guest stopped early (qemu exit $VM_QEMU_RC)"
	fi
	relay "$kver" "$dir" "$why"
	echo "# $kver: build ${build}s, boot and tests ${boot}s"
	if [ "$rc" -eq 0 ]; then
		tap_ok "$kver: success (${boot}s)"
	else
		tap_not_ok "$kver: success # not said: $why"
	fi
}

require_cmd qemu-system-x86_64 busybox cpio make modinfo timeout xz
if [ "$#" -gt 0 ]; then
	kernels=("$@")
else
	mapfile -t kernels < <(vm_kernels)
fi
[ "${#kernels[@]}" -gt 0 ] ||
	ksft_exit_skip "no kernel with both /boot/vmlinuz-V and /lib/modules/V/build (make deps)"
for k in "${kernels[@]}"; do
	[ -r "/boot/vmlinuz-$k" ] ||
		ksft_exit_skip "cannot read /boot/vmlinuz-$k (root only on Debian)"
	[ -d "/lib/modules/$k/build" ] ||
		ksft_exit_skip "no headers for $k in /lib/modules/$k/build"
done
# The guest sees the host's paths, but its own /run and kernel file systems.
for p in "$PWD" "$O"; do
	case "$p/" in
	/run/* | /proc/* | /sys/* | /dev/*)
		ksft_exit_skip "$p is hidden from the guest (under /run, /proc, /sys or /dev)"
		;;
	esac
done

mapfile -t tests < <(vm_tests)
# Long enough for every guest test to use its own timeout, so a hang
# inside one is reported as that test's.
if [ -z "${VM_TIMEOUT:-}" ]; then
	VM_TIMEOUT=45
	for t in "${tests[@]}"; do
		VM_TIMEOUT=$((VM_TIMEOUT + $(vm_test_timeout "$t")))
	done
fi
points=("${VM_FIRST[@]}" "${tests[@]}" "${VM_LAST[@]}")
tap_plan $((${#kernels[@]} * (${#points[@]} + 1)))
for k in "${kernels[@]}"; do
	run_kernel "$k"
done
tap_exit
