#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# media_nat.sh with [media] fastpath = xdp: sipfp_xdp runs natively on the
# box's veths, stacked on the relay, and forwards the media. The same
# topology and cases: carol's side latches behind the NAT (the relay
# latches, then sipfpd makes the XDP flow strict), and the sprayer's
# packets are dropped, by XDP or the relay, each one counted. lib_media.sh
# skips it (exit 4) where native XDP does not attach to veth.

export FASTPATH=xdp
exec "$(dirname "$0")/media_nat.sh"
