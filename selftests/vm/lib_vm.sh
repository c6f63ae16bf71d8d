# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2034 # VM_* are for kmod_vm.sh and stage2.sh
#
# The VM harness: for one installed Debian kernel, build sipfp.ko against
# its headers, pack a busybox initramfs with the modules the guest needs,
# boot it in qemu (TCG: KVM hangs at boot on the machines we test on) with
# the host's root shared read-only over 9p, and collect what the guest
# reports. Sourced by kmod_vm.sh on the host and by guest/stage2.sh in the
# guest, which share the names of the guest's own test points below.
#
# The verdict comes only from a positive signal: the guest writes its
# results, then "success" when all passed, to a second serial port that
# qemu writes to a file. A guest that hangs, panics or powers off early
# never writes it, and the host's timeout stops a hung qemu.

# shellcheck source=selftests/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# What the guest reports besides the listed tests, in this order.
VM_FIRST=("modprobe what the tests use" "insmod sipfp.ko")
VM_LAST=("rmmod sipfp" "every flow created was destroyed"
	 "kernel not tainted")

# Loaded by busybox from the initramfs, each after what modules.dep says
# it needs (built-in ones skipped): what mounts the host's root.
VM_BOOT_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

# Loaded in the host's root by its modprobe, which also follows soft
# dependencies and aliases (libcrc32c wants a crc32c from the crypto API):
# what the tests use. Others load on demand the same way.
VM_MODULES=(
	veth bridge nf_tables nf_conntrack nf_nat nft_chain_nat nft_masq
	nft_ct inet_diag udp_diag tcp_diag
)

: "${VM_TEST_TIMEOUT:=90}"
# a net test runs a whole call or several under emulation
: "${VM_NET_TEST_TIMEOUT:=600}"

# vm_test_timeout PATH: seconds a guest test may take: the net tests'
# bound for net/ ones and for those that say they run one ("#
# selftests-vm-net: yes" among their first lines, e.g. a wrapper around a
# net test), else the short one.
vm_test_timeout()
{
	local f

	f=$(dirname "${BASH_SOURCE[0]}")/../$1
	case "$1" in
	net/*) echo "$VM_NET_TEST_TIMEOUT" ;;
	*)
		if head -n 20 "$f" 2>/dev/null |
			grep -q '^# selftests-vm-net: yes$'; then
			echo "$VM_NET_TEST_TIMEOUT"
		else
			echo "$VM_TEST_TIMEOUT"
		fi
		;;
	esac
}
VM_TESTS_FILE=selftests/vm/guest/tests.list

# vm_kernels: every kernel we can both boot and build for, oldest first.
vm_kernels()
{
	local d v

	for d in /lib/modules/*/build; do
		v=${d%/build}
		v=${v##*/}
		[ -e "/boot/vmlinuz-$v" ] && echo "$v"
	done | sort -V
}

# vm_tests: the guest tests to run, as paths under selftests/: $VM_TESTS
# (words) if set, else the list file without comments.
vm_tests()
{
	if [ -n "${VM_TESTS:-}" ]; then
		# shellcheck disable=SC2086 # a list of words
		printf '%s\n' $VM_TESTS
		return
	fi
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$VM_TESTS_FILE"
}

# vm_build_module KVER DIR: DIR/src/sipfp.ko, built in a scratch copy so
# that it races neither `make module` nor another kernel's build.
vm_build_module()
{
	local kver=$1 src=$2/src

	rm -rf "$src"
	mkdir -p "$src" && cp -a Kbuild kmod "$src/" || return 1
	if ! make -C "/lib/modules/$kver/build" M="$src" O= modules \
			>"$2/build.log" 2>&1; then
		cat "$2/build.log"
		return 1
	fi
	[ -f "$src/sipfp.ko" ]
}

# vm_module_order KVER NAME...: the files (relative to /lib/modules/KVER)
# to load for NAMEs, each after its dependencies, each once. A name the
# kernel has neither as a module nor built in is an error.
vm_module_order()
{
	local m=/lib/modules/$1

	shift
	awk -v want="$*" -v kver="${m##*/}" '
	function norm(p,  n) {
		n = p
		sub(/.*\//, "", n)
		sub(/\.ko(\.[a-z]+)?$/, "", n)
		gsub(/-/, "_", n)
		return n
	}
	function emit(n,  d, i, cnt) {
		if (n in done)
			return
		done[n] = 1
		cnt = split(deps[n], d, " ")
		for (i = cnt; i >= 1; i--)
			emit(norm(d[i]))
		print path[n]
	}
	FILENAME ~ /modules\.builtin$/ { builtin[norm($0)] = 1; next }
	{
		k = $1
		sub(/:$/, "", k)
		n = norm(k)
		path[n] = k
		$1 = ""
		deps[n] = $0
	}
	END {
		cnt = split(want, w, " ")
		for (i = 1; i <= cnt; i++) {
			n = norm(w[i])
			if (n in builtin)
				continue
			if (!(n in path)) {
				print kver ": no module " w[i] > "/dev/stderr"
				exit 1
			}
			emit(n)
		}
	}' "$m/modules.builtin" "$m/modules.dep"
}

# vm_copy_module SRC DST: uncompressed, since busybox insmod reads only
# plain ELF.
vm_copy_module()
{
	case "$1" in
	*.xz) xz -dc "$1" >"$2" ;;
	*.zst) zstd -qdc "$1" >"$2" ;;
	*.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# vm_conf KVER DIR: what the guest needs to know, as shell assignments.
vm_conf()
{
	printf 'VM_KVER=%q\n' "$1"
	printf 'VM_REPO=%q\n' "$PWD"
	printf 'VM_O=%q\n' "$O"
	printf 'VM_KO=%q\n' "$2/src/sipfp.ko"
	printf 'VM_TEST_TIMEOUT=%q\n' "$VM_TEST_TIMEOUT"
	printf 'VM_TESTS=%q\n' "$(vm_tests | tr '\n' ' ')"
}

# vm_initramfs KVER DIR: DIR/initramfs.cpio, uncompressed because
# decompressing under emulation costs more than copying.
vm_initramfs()
{
	local kver=$1 root=$2/initramfs f base order

	order=$(vm_module_order "$kver" "${VM_BOOT_MODULES[@]}") || return 1
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,lib/modules,proc,sys,lower,rw,newroot} ||
		return 1
	cp "$(command -v busybox)" "$root/bin/busybox" || return 1
	cp selftests/vm/guest/init.sh "$root/init" || return 1
	vm_conf "$kver" "$2" >"$root/vm.conf" || return 1
	: >"$root/modules.list"
	while read -r f; do
		base=${f##*/}
		base=${base%.ko*}.ko
		vm_copy_module "/lib/modules/$kver/$f" \
			"$root/lib/modules/$base" || return 1
		echo "$base" >>"$root/modules.list"
	done <<<"$order"
	(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) \
		>"$2/initramfs.cpio"
}

# vm_cmdline: panic_on_warn and oops=panic make any kernel warning end
# the run (no "success"); a big log buffer keeps every lifecycle line
# for the leak check, and devkmsg=on keeps the guest's markers. Under
# emulation on a busy host a vCPU can stall for seconds: no lockup
# watchdog, and a longer RCU stall timeout, so only real stalls show;
# no_timer_check, since a slow vCPU can miss the boot's IO-APIC timer
# test and panic ("IO-APIC + timer doesn't work"), seen once on 6.1.
vm_cmdline()
{
	echo "console=ttyS0 panic=-1 oops=panic panic_on_warn=1" \
	     "loglevel=${VM_LOGLEVEL:-4} log_buf_len=16M printk.devkmsg=on" \
	     "nowatchdog rcupdate.rcu_cpu_stall_timeout=60 no_timer_check" \
	     "mitigations=off edd=off"
}

# vm_plain: serial output as text: no CRs, no terminal escapes (the BIOS
# clears the screen).
vm_plain()
{
	sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g'
}

# vm_boot KVER DIR: boot and wait for qemu to exit (or the timeout to stop
# it); the console goes to DIR/console.log and, indented, to stdout, the
# guest's reports to DIR/result. Returns 0 only if the guest said success.
vm_boot()
{
	local kver=$1 dir=$2
	local fs=local,path=/,mount_tag=hostroot,security_model=none

	fs+=,readonly=on,multidevs=remap
	rm -f "$dir/result" "$dir/console.log"
	timeout -k 5 "$VM_TIMEOUT" qemu-system-x86_64 \
		-accel tcg -cpu max -smp 2 -m 1024 \
		-nographic -nodefaults -no-reboot -monitor none \
		-kernel "/boot/vmlinuz-$kver" \
		-initrd "$dir/initramfs.cpio" \
		-append "$(vm_cmdline)" \
		-virtfs "$fs" \
		-serial stdio -serial "file:$dir/result" </dev/null 2>&1 |
		vm_plain | tee "$dir/console.log" | sed -u 's/^/#   /'
	VM_QEMU_RC=${PIPESTATUS[0]}
	[ -f "$dir/result" ] && tr -d '\r' <"$dir/result" | grep -qx success
}
