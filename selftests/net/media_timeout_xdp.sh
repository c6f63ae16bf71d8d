#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# media_timeout.sh with [media] fastpath = xdp: sipfp_xdp runs natively on
# the box's veths, stacked on the relay, and forwards the media. The same
# topology and cases: both calls end by the media timeout, which sipfpd
# now judges by the XDP program's counters and the relay's together.
# lib_media.sh skips it (exit 4) where native XDP does not attach to veth.

export FASTPATH=xdp
exec "$(dirname "$0")/media_timeout.sh"
