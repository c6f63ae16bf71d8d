#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test VM's initramfs (busybox only). Loads the modules
# lib_vm.sh packed, mounts the host's root read-only over 9p under a tmpfs
# overlay, so the tests can write anywhere without touching the host, and
# hands PID 1 to guest/stage2.sh in that root. PID 1 itself switches root
# (rather than a chroot in a child) so the kernel's own module requests run
# the host's modprobe against the host's /lib/modules.
#
# Any failure powers off without writing "success": the host sees a fail.

/bin/busybox --install -s /bin
export PATH=/bin

die()
{
	echo "init: $*"
	poweroff -f
	sleep 30
}

mount -t proc proc /proc || die "mount /proc"
mount -t sysfs sysfs /sys || die "mount /sys"
mount -t devtmpfs devtmpfs /dev || die "mount /dev"
# shellcheck source=/dev/null # written by lib_vm.sh vm_conf
. /vm.conf || die "no /vm.conf"

while read -r m; do
	insmod "/lib/modules/$m" || die "insmod $m"
done </modules.list

# Read-only, so the page cache may keep what it read: nothing changes
# under it during a run.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 \
	hostroot /lower || die "mount the host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /rw || die "mount /rw"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work \
	overlay /newroot || die "mount the overlay root"

for d in dev proc sys; do
	mount --move "/$d" "/newroot/$d" || die "move /$d"
done
# The host's /run (its netns, pid files, locks) must not leak in.
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run ||
	die "mount /run"
mkdir -p /newroot/run/sipfp-vm
cp /vm.conf /newroot/run/sipfp-vm/vm.conf || die "copy vm.conf"

stage2=$VM_REPO/selftests/vm/guest/stage2.sh
[ -f "/newroot$stage2" ] || die "no $stage2 in the host root"
exec switch_root /newroot /bin/bash "$stage2"
