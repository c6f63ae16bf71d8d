#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/netlink/specs/sipfp.yaml says the same as
# kmod/uapi/linux/sipfp.h: every enum, attribute and command by name and
# value (selftests/vm/guest/ynl_check.py). Skips without python3-yaml.

cd "$(dirname "$0")/.." || exit 1
exec python3 selftests/vm/guest/nl_api.py check-spec \
	Documentation/netlink/specs/sipfp.yaml
