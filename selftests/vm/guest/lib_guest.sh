# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for tests that run inside the VM (stage2.sh exports SIPFP_KO,
# the module built for the running kernel, and loads it before the first
# test): the kernel log without timestamps, markers in it, and the leak
# check on the module's lifecycle lines. Sourced after selftests/lib.sh.

# guest_require: skip unless running in the VM, where the module can load.
guest_require()
{
	require_root
	if [ -z "${SIPFP_KO:-}" ] || [ ! -f "$SIPFP_KO" ]; then
		ksft_exit_skip "runs inside the VM: selftests/vm/kmod_vm.sh"
	fi
}

# kmsg_text: the kernel log, one message a line, without timestamps.
kmsg_text()
{
	dmesg | sed 's/^\[[^]]*\] //'
}

# kmsg_mark TEXT: "sipfp-vm: TEXT" in the kernel log, to find later.
kmsg_mark()
{
	echo "sipfp-vm: $*" >/dev/kmsg
}

# kmsg_since TEXT: the kernel log after the last mark TEXT (all of it if
# there is none).
kmsg_since()
{
	kmsg_text | awk -v m="sipfp-vm: $*" '
		$0 == m { n = 0; delete l; next }
		{ l[++n] = $0 }
		END { for (i = 1; i <= n; i++) print l[i] }'
}

# flow_leaks: reads kernel log text; prints every cookie whose
# "sipfp: flow COOKIE created" and "... destroyed" lines do not pair up,
# with both counts, and fails if there is one. A destroy before its
# create counts as unpaired too.
flow_leaks()
{
	awk '
	match($0, /sipfp: flow [^ ]+ (created|destroyed)( |$)/) {
		split(substr($0, RSTART, RLENGTH), w, " ")
		c = w[3]
		if (w[4] == "created") {
			made[c]++
		} else if (++gone[c] > made[c]) {
			early[c] = 1
		}
		seen[c] = 1
	}
	END {
		bad = 0
		for (c in seen) {
			if (made[c] == gone[c] && !(c in early))
				continue
			printf "flow %s: created %d, destroyed %d%s\n", c,
				made[c], gone[c],
				(c in early) ? ", destroyed before created" : ""
			bad = 1
		}
		exit bad
	}'
}

# module_loaded: sipfp is in the running kernel.
module_loaded()
{
	[ -d /sys/module/sipfp ]
}
