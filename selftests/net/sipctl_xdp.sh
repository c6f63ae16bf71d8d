#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# sipctl.sh with [media] fastpath = xdp: the flows carried by sipfp_xdp,
# and `sipctl flows` reading its pinned maps without the daemon.
# lib_media.sh skips it (exit 4) where native XDP does not attach to veth.

export FASTPATH=xdp
exec "$(dirname "$0")/sipctl.sh"
