#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sipfp_xdp's BPF_PROG_TEST_RUN tables on the VM's kernel: the host runs
# them on its own kernel; here they prove that the same object loads and
# behaves the same on Debian's kernels (6.1's verifier is the oldest we
# support), with real 802.1Q devices where the host has none. $O is the
# host's build tree.

failed=0 skipped=0
for t in test_xdp_prog test_xdp_parse; do
	p=${O:-build}/san/selftests/unit/$t
	[ -x "$p" ] || { echo "$p missing (make check builds it)"; exit 1; }
	"$p"
	case $? in
	0) ;;
	4) skipped=1 ;;
	*) failed=1 ;;
	esac
done
[ "$failed" = 1 ] && exit 1
[ "$skipped" = 1 ] && exit 4
exit 0
