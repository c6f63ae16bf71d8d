#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS, as the sipfp-dkms package will use it: the module source goes to
# /usr/src/sipfp-VERSION, then `dkms add`, `dkms build` and `dkms install`
# for every kernel with headers (/lib/modules/*/build), and `dkms remove
# --all`, after which nothing of sipfp may be left. A kernel older than 6.1
# must be refused by dkms.conf before anything is compiled.
#
# This writes to the real /usr/src, /var/lib/dkms and /lib/modules, under a
# version of its own (VERSION-selftest), and undoes it all on exit. It skips
# if sipfp is registered with dkms or installed already, unless all of it
# is what a killed run of this test left: the .ko is named sipfp whatever
# the version, so a real install would be overwritten.

. "$(dirname "$0")/lib.sh"

require_root
require_cmd dkms modinfo depmod flock

# Two runs at once would remove each other's module.
exec 9<"$0"
flock -n 9 || ksft_exit_skip "another $0 is running"

mapfile -t kvers < <(ls -d /lib/modules/*/build/Makefile 2>/dev/null |
		     sort -V | awk -F/ '{ print $4 }')
[ "${#kvers[@]}" -gt 0 ] ||
	ksft_exit_skip "no kernel headers in /lib/modules/*/build (make deps)"

# Kernels dkms.conf must refuse: Debian 11's, and the last one before 6.1.
old_kvers=(5.10.0-32-amd64 6.0.12-1-amd64)

ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
src_ver=$(sed -n 's/^#define SIPFP_VERSION "\(.*\)"$/\1/p' kmod/main.c)
tver=$ver-selftest
src=/usr/src/sipfp-$tver
healed=
tree=/var/lib/dkms/sipfp
arch=$(uname -m)

# dkms as apt runs it: a make above us (make check) exports MAKEFLAGS
# with O=, which the kernel's make would take as its own output directory.
dkms_run()
{
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u O dkms "$@"
}

# sipfp.ko files under /lib/modules/KVER, any directory, any compression.
installed_kos()
{
	find "/lib/modules/$1" -name 'sipfp.ko*' 2>/dev/null
}

# depmod's index for KVER still names a sipfp.ko, as it does when dkms
# or depmod was killed between removing the file and rewriting the index.
indexed()
{
	grep -qsE '(^|/)sipfp\.ko' "/lib/modules/$1/modules.dep"
}

# The module dkms keeps for KVER: sipfp.ko, or sipfp.ko.xz where the
# kernel's own modules are compressed (6.12).
built_ko()
{
	ls "$tree/$tver/$1/$arch/module"/sipfp.ko* 2>/dev/null
}

# Whatever of sipfp is on this machine, one line each.
sipfp_here()
{
	local k

	dkms status -m sipfp 2>/dev/null
	[ ! -e "$src" ] || echo "$src"
	for k in "${kvers[@]}"; do
		installed_kos "$k"
		! indexed "$k" || echo "depmod index of $k"
	done
}

# All of sipfp_here is what a killed run of this test left: only our
# version is registered, and every sipfp.ko is a copy of one it built.
only_ours()
{
	local k ko

	dkms status -m sipfp 2>/dev/null | grep -qv "^sipfp/${tver}[,:]" &&
		return 1
	for k in "${kvers[@]}"; do
		for ko in $(installed_kos "$k"); do
			cmp -s "$ko" "$(built_ko "$k")" || return 1
		done
	done
}

# By hand, not with dkms remove: this also runs after the runner's
# SIGTERM, with seconds to go before its SIGKILL. So the modules go first,
# and depmod, the slow part (6.12's 4,000 compressed modules take it 6 to
# 13 s here), runs last, in parallel, only for kernels that need it.
remove_ours()
{
	local k f stale=()

	for k in "${kvers[@]}"; do
		mapfile -t f < <(installed_kos "$k")
		[ "${#f[@]}" -gt 0 ] || indexed "$k" || continue
		rm -f "${f[@]}"
		rmdir "/lib/modules/$k/updates/dkms" \
		      "/lib/modules/$k/updates" 2>/dev/null
		stale+=("$k")
	done
	# dkms's kernel-KVER-ARCH links name the version active on KVER.
	find "$tree" -maxdepth 1 -lname "$tver/*" -delete 2>/dev/null
	rm -rf "${tree:?}/$tver" "$src"
	rmdir "$tree" 2>/dev/null
	for k in "${stale[@]}"; do
		depmod -a "$k" &
	done
	wait
}

if [ -n "$(sipfp_here)" ]; then
	only_ours || ksft_exit_skip "sipfp is on this machine already," \
		"not touching it: $(sipfp_here | tr '\n' ' ')"
	healed="# sipfp/$tver was left by a killed run: removed it first"
	remove_ours
	[ -z "$(sipfp_here)" ] ||
		ksft_exit_fail "could not remove: $(sipfp_here | tr '\n' ' ')"
fi
had_mok=$([ -e /var/lib/dkms/mok.key ] && echo y)
src_before=$(ls -d /usr/src/sipfp-* 2>/dev/null)
work=$(mktemp -d)

cleanup()
{
	remove_ours
	rm -rf "$work"
	# dkms made a signing key for our build: gone too, unless some
	# other module was built with it meanwhile.
	if [ -z "$had_mok" ] &&
	   ! find /var/lib/dkms -mindepth 1 -maxdepth 1 ! -name mok.key \
		! -name mok.pub | grep -q .; then
		rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
}
trap cleanup EXIT

# The copy a package makes: dkms.conf, Kbuild and kmod/, without objects
# from a build in the tree.
install_source()
{
	mkdir -p "$src"
	cp -a dkms.conf Kbuild kmod "$src/" &&
	find "$src" \( -name '*.o' -o -name '*.cmd' -o -name '*.ko' -o \
		-name '*.mod' -o -name '*.mod.c' -o -name '*.d' \) -delete &&
	sed -i "s/^PACKAGE_VERSION=.*/PACKAGE_VERSION=\"$tver\"/" \
		"$src/dkms.conf" &&
	grep -qx "PACKAGE_VERSION=\"$tver\"" "$src/dkms.conf"
}

# step NAME CMD...: CMD's output is shown only if it fails, and its time
# as a TAP comment, so a slow dkms shows in the log.
step()
{
	local name=$1 t0=$SECONDS log=$work/log

	shift
	if "$@" >"$log" 2>&1; then
		echo "# $name: $((SECONDS - t0)) s"
		tap_ok "$name"
		return 0
	fi
	sed 's/^/# /' "$log"
	tap_not_ok "$name"
	return 1
}

check_version()
{
	echo "dkms.conf PACKAGE_VERSION '$ver', kmod/main.c SIPFP_VERSION" \
	     "'$src_ver'"
	[ -n "$ver" ] && [ "$ver" = "$src_ver" ]
}

add_module()
{
	install_source || return 1
	dkms_run add "sipfp/$tver" || return 1
	dkms status -m sipfp -v "$tver" | grep -q ': added$'
}

check_modinfo()
{
	local ko=$1 k=$2 magic mver

	magic=$(modinfo -F vermagic "$ko")
	mver=$(modinfo -F version "$ko")
	echo "$ko: vermagic '$magic', version '$mver'"
	[ "${magic%% *}" = "$k" ] && [ "$mver" = "$ver" ]
}

build_for()
{
	local k=$1 ko mlog=$tree/$tver/$1/$arch/log/make.log

	dkms_run build "sipfp/$tver" -k "$k" || return 1
	ko=$(built_ko "$k")
	[ -n "$ko" ] || { echo "no sipfp.ko* in $tree/$tver/$k"; return 1; }
	check_modinfo "$ko" "$k" || return 1
	! grep -i 'warning' "$mlog"
}

# Headers are there (--kernelsourcedir), so only BUILD_EXCLUSIVE_KERNEL
# stands between an old kernel and a compile.
refuse_old()
{
	local k=$1 out rc

	out=$(dkms_run build "sipfp/$tver" -k "$k" \
	      --kernelsourcedir "/lib/modules/${kvers[0]}/build" 2>&1)
	rc=$?
	echo "$out"
	echo "exit $rc"
	[ "$rc" -eq 77 ] && grep -q 'BUILD_EXCLUSIVE directive' <<<"$out" &&
	[ ! -e "$tree/$tver/$k" ]
}

install_for()
{
	local k=$1 dir=/lib/modules/$1/updates/dkms found

	dkms_run install "sipfp/$tver" -k "$k" || return 1
	found=$(modinfo -k "$k" -n sipfp)
	echo "depmod: sipfp for $k is '$found'"
	[ "$(dirname "$found")" = "$dir" ] || return 1
	cmp "$(built_ko "$k")" "$found" || return 1
	dkms status -m sipfp -v "$tver" -k "$k" | grep -q ': installed$'
}

# What the package's removal does: dkms remove, then dpkg deletes the
# source. Afterwards sipfp is in no dkms tree, source, module directory
# or depmod index.
remove_all()
{
	local k left=

	dkms_run remove "sipfp/$tver" --all || return 1
	rm -rf "$src"
	[ ! -e "$tree" ] || left+=" $tree"
	[ "$(ls -d /usr/src/sipfp-* 2>/dev/null)" = "$src_before" ] ||
		left+=" $(ls -d /usr/src/sipfp-*)"
	for k in "${kvers[@]}"; do
		left+=" $(installed_kos "$k")"
		! indexed "$k" || left+=" depmod-index-of-$k"
		! modinfo -k "$k" sipfp >/dev/null 2>&1 ||
			left+=" modinfo-finds-sipfp-for-$k"
	done
	[ -z "${left// /}" ] || { echo "left behind:$left"; return 1; }
}

tap_plan $((3 + 2 * ${#kvers[@]} + ${#old_kvers[@]}))
[ -z "$healed" ] || echo "$healed"
step "version: dkms.conf and kmod/main.c agree" check_version
if ! step "dkms add sipfp/$tver from $src" add_module; then
	ksft_exit_fail "dkms add failed, nothing else can run"
fi
for k in "${kvers[@]}"; do
	step "dkms build for $k: sipfp.ko with its vermagic" build_for "$k"
done
for k in "${old_kvers[@]}"; do
	step "dkms build for $k: refused by BUILD_EXCLUSIVE_KERNEL" \
		refuse_old "$k"
done
for k in "${kvers[@]}"; do
	step "dkms install for $k: in updates/dkms, found by depmod" \
		install_for "$k"
done
step "dkms remove --all: nothing of sipfp left" remove_all
tap_exit
