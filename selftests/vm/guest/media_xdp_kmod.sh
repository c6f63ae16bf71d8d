#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests-vm-net: yes
#
# `fastpath = auto` with sipfp.ko loaded: sipfp_xdp on the box's veths,
# the module under it for what XDP passes up (a flow's packets while it
# latches), the relay under both. media_call.sh's calls, whose flow lines
# must say XDP carried the media, on Debian's kernels rather than the
# host's.
export FASTPATH=xdp+kmod
exec "$(dirname "$0")/../../net/media_call.sh" "$@"
