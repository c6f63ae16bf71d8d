#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# In the VM: sipfp.ko as stage2.sh loaded it, built for the running
# kernel; its banner; unloaded and loaded again, one banner more; and the
# leak check's own verdicts on a made-up log, so a leak check that passes
# is known to be able to fail. Leaves the module loaded.

# shellcheck source=selftests/lib.sh
source selftests/lib.sh
# shellcheck source=selftests/vm/guest/lib_guest.sh
source selftests/vm/guest/lib_guest.sh

set -u

guest_require

VERSION=$(modinfo -F version "$SIPFP_KO")
BANNER="sipfp: version $VERSION loaded"

banners()
{
	kmsg_text | grep -cxF -- "$BANNER"
}

case_ok()
{
	local name=$1

	shift
	if "$@"; then
		tap_ok "$name"
	else
		tap_not_ok "$name"
	fi
}

built_for_this_kernel()
{
	local magic

	magic=$(modinfo -F vermagic "$SIPFP_KO")
	[ "${magic%% *}" = "$(uname -r)" ] && return 0
	echo "# vermagic '$magic', running $(uname -r)"
	return 1
}

# One banner per load so far; stage2.sh loaded it once.
banner_once()
{
	local n

	n=$(banners)
	[ "$n" -eq 1 ] && return 0
	echo "# '$BANNER' $n times in the kernel log"
	return 1
}

unload()
{
	local refs

	refs=$(cat /sys/module/sipfp/refcnt) || return 1
	[ "$refs" -eq 0 ] || { echo "# refcnt $refs"; return 1; }
	rmmod sipfp || return 1
	! module_loaded
}

reload()
{
	local n

	insmod "$SIPFP_KO" && module_loaded || return 1
	n=$(banners)
	[ "$n" -eq 2 ] && return 0
	echo "# '$BANNER' $n times after the second load"
	return 1
}

leak_check_balanced()
{
	flow_leaks <<-EOF
		sipfp: version 0.1.0 loaded
		sipfp: flow 0x1 created
		sipfp: flow 0x2 created
		sipfp: flow 0x1 destroyed
		sipfp: flow 0x1 created
		sipfp: flow 0x1 destroyed
		sipfp: flow 0x2 destroyed
	EOF
}

leak_check_finds()
{
	local out

	out=$(flow_leaks <<-EOF
		sipfp: flow 0x1 created
		sipfp: flow 0x2 created
		sipfp: flow 0x2 destroyed
		sipfp: flow 0x3 destroyed
		sipfp: flow 0x3 created
	EOF
	) && return 1
	[ "$(sort <<<"$out")" = "flow 0x1: created 1, destroyed 0
flow 0x3: created 1, destroyed 1, destroyed before created" ]
}

tap_plan 7
case_ok "sipfp is loaded" module_loaded
case_ok "built for $(uname -r)" built_for_this_kernel
case_ok "banner '$BANNER' once" banner_once
case_ok "rmmod with no users" unload
case_ok "insmod again, a second banner" reload
case_ok "leak check passes balanced lifecycles" leak_check_balanced
case_ok "leak check names unbalanced cookies" leak_check_finds
tap_exit
