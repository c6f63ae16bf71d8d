#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds sipfp.ko against every kernel whose headers are installed
# (/lib/modules/*/build), with W=1, and fails on any warning: the module has
# to build on more than one kernel, and DKMS will build it on kernels we
# never tried. Each build happens in a scratch copy, so it neither races with
# `make module` nor leaves objects in the tree.

. "$(dirname "$0")/lib.sh"

mapfile -t kdirs < <(ls -d /lib/modules/*/build/Makefile 2>/dev/null |
		     sort -V | sed 's|/Makefile$||')
[ "${#kdirs[@]}" -gt 0 ] ||
	ksft_exit_skip "no kernel headers in /lib/modules/*/build (make deps)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_one()
{
	local kdir=$1 ver dir log lic magic

	ver=$(basename "$(dirname "$kdir")")
	dir=$work/$ver
	log=$work/$ver.log
	mkdir -p "$dir"
	cp -a Kbuild kmod "$dir/"
	if ! make -C "$kdir" M="$dir" O= W=1 modules >"$log" 2>&1; then
		cat "$log"
		return 1
	fi
	if grep -i 'warning' "$log"; then
		return 1
	fi
	command -v modinfo >/dev/null || return 0
	lic=$(modinfo -F license "$dir/sipfp.ko")
	magic=$(modinfo -F vermagic "$dir/sipfp.ko")
	if [ "$lic" != GPL ] || [ "${magic%% *}" != "$ver" ]; then
		echo "modinfo: license '$lic', vermagic '$magic'"
		return 1
	fi
}

tap_plan "${#kdirs[@]}"
for kdir in "${kdirs[@]}"; do
	ver=$(basename "$(dirname "$kdir")")
	if build_one "$kdir"; then
		tap_ok "sipfp.ko for $ver"
	else
		tap_not_ok "sipfp.ko for $ver"
	fi
done
tap_exit
