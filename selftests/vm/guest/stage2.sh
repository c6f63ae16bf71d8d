#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test VM, in the host's root (read-only over 9p, with a tmpfs
# overlay): finishes the mounts a booted system has, loads sipfp.ko, runs
# the guest tests as run_tests.sh runs tests on the host, checks the kernel
# log and taint, and powers off. TAP goes to the console; each result also
# goes to the second serial port, and "success" after them only when
# nothing failed: that word is all the host trusts.

set -u

# shellcheck source=/dev/null # written by lib_vm.sh vm_conf
. /run/sipfp-vm/vm.conf
cd "$VM_REPO" || exit 1
# shellcheck source=selftests/vm/lib_vm.sh
source selftests/vm/lib_vm.sh
# shellcheck source=selftests/vm/guest/lib_guest.sh
source selftests/vm/guest/lib_guest.sh

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
# SIPFP_VM: for tests whose time bounds must allow for emulation;
# SIPFP_WAIT_SCALE stretches the net tests' bounds (selftests/net/lib.sh).
export O=$VM_O SIPFP_KO=$VM_KO FASTPATH=kmod SIPFP_VM=1
export SIPFP_WAIT_SCALE=${SIPFP_WAIT_SCALE:-10}

# /dev/fd: bash's process substitution; /dev/pts, /dev/shm: ip netns exec,
# python's multiprocessing, anything with a pty.
mounts()
{
	mkdir -p /dev/pts /dev/shm &&
		mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts &&
		mount -t tmpfs -o mode=1777 tmpfs /dev/shm &&
		ln -sf /proc/self/fd /dev/fd &&
		ln -sf /proc/self/fd/0 /dev/stdin &&
		ln -sf /proc/self/fd/1 /dev/stdout &&
		ln -sf /proc/self/fd/2 /dev/stderr || return 1
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null
	hostname sipfp-vm
	ip link set lo up
}

results_fd=
report()
{
	echo "$*" >&"$results_fd"
}

guest_n=0
guest_failed=0

# point RC NAME [LOG]: one TAP result, on the console and the result port.
point()
{
	local rc=$1 name=$2 log=${3:-} reason

	guest_n=$((guest_n + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $guest_n $name"
		report "ok $name"
	elif [ "$rc" -eq 4 ]; then
		reason=$(grep -v '^[[:space:]]*$' "$log" 2>/dev/null | tail -n 1)
		echo "ok $guest_n $name # SKIP ${reason:-no reason given}"
		report "ok $name # SKIP ${reason:-no reason given}"
	else
		guest_failed=$((guest_failed + 1))
		echo "not ok $guest_n $name # exit=$rc"
		report "not ok $name # exit=$rc"
	fi
}

# run_test PATH: one test under selftests/, bounded, output indented.
run_test()
{
	local t=selftests/$1 log=/tmp/sipfp-vm-test.log rc t0=$SECONDS

	echo "# selftests: $1"
	kmsg_mark "test $1"
	if [ ! -x "$t" ]; then
		echo "# $t is missing or not executable" | tee "$log"
		point 1 "$1" "$log"
		return
	fi
	timeout -k 5 "$(vm_test_timeout "$1")" "$t" </dev/null >"$log" 2>&1 \
		{results_fd}>&-
	rc=$?
	sed 's/^/# /' "$log"
	echo "# time: $((SECONDS - t0))s"
	point "$rc" "$1" "$log"
}

step_modprobe()
{
	local m rc=0

	for m in "${VM_MODULES[@]}"; do
		modprobe "$m" || rc=1
	done
	return "$rc"
}

step_insmod()
{
	local dep

	# Modules sipfp.ko needs that the initramfs did not load.
	for dep in $(modinfo -F depends "$SIPFP_KO" | tr ',' ' '); do
		modprobe "$dep" || return 1
	done
	insmod "$SIPFP_KO"
}

step_rmmod()
{
	if [ -d /sys/module/sipfp ]; then
		rmmod sipfp || return 1
	fi
	[ ! -d /sys/module/sipfp ]
}

step_leaks()
{
	kmsg_text | flow_leaks
}

# Taint bits a test run may leave: O (out-of-tree), E (unsigned).
step_taint()
{
	local t

	t=$(cat /proc/sys/kernel/tainted)
	[ $((t & ~(4096 | 8192))) -eq 0 ] && return 0
	echo "# tainted: $t"
	return 1
}

main()
{
	local tests t

	mounts || echo "# stage2: mounts failed"
	exec {results_fd}>/dev/ttyS1 || return
	# Only this script may write there: no test can say success.
	rm -f /dev/ttyS1
	read -r -a tests <<<"$VM_TESTS"
	# The BIOS leaves its last line open.
	echo
	echo "TAP version 13"
	echo "1..$((${#VM_FIRST[@]} + ${#tests[@]} + ${#VM_LAST[@]}))"
	echo "# $(uname -r), $(nproc) CPUs, up $(cut -d' ' -f1 /proc/uptime)s," \
	     "tests: ${tests[*]}"
	kmsg_mark "start"
	step_modprobe
	point $? "${VM_FIRST[0]}"
	step_insmod
	point $? "${VM_FIRST[1]}"
	for t in "${tests[@]}"; do
		run_test "$t"
	done
	step_rmmod
	point $? "${VM_LAST[0]}"
	step_leaks
	point $? "${VM_LAST[1]}"
	step_taint
	point $? "${VM_LAST[2]}"
	if [ "$guest_failed" -eq 0 ] && [ "$guest_n" -gt 0 ]; then
		report success
	else
		echo "# $guest_failed failed; the kernel log since the start:"
		kmsg_since "start" | tail -n 200 | sed 's/^/# /'
	fi
	# Closing waits until the UART has sent everything.
	exec {results_fd}>&-
}

main
busybox poweroff -f
# If even that failed, PID 1 exiting panics the kernel, and with panic=-1
# and qemu's -no-reboot that ends the VM as well.
exit 1
