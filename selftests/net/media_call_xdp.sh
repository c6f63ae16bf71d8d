#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# media_call.sh with [media] fastpath = xdp: sipfp_xdp runs natively on
# the box's veths, stacked on the relay, and forwards the media. The same
# topology and cases: the call, hold, resume and move, counted exactly at
# the phones and in the flow lines, every flow line saying path=xdp.
# lib_media.sh skips it (exit 4) where native XDP does not attach to veth.

export FASTPATH=xdp
exec "$(dirname "$0")/media_call.sh"
