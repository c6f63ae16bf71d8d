#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libsipctl against the real module: the unit program test_libsipctl_kernel
# (flows, dumps, events, extack messages, forwarding on loopback, in a
# network namespace of its own) skips on a host without sipfp.ko, so the
# VM runs it where the module is loaded. $O is the host's build tree.

t=${O:-build}/san/selftests/unit/test_libsipctl_kernel
[ -x "$t" ] || { echo "$t missing (make check builds it)"; exit 1; }
exec "$t"
