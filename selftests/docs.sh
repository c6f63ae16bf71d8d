#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/ builds with `make docs` (Sphinx, -W) without a single
# warning, and says what the code says:
#
# - the configuration reference has every key of daemon/config.c's table
#   and of the shipped daemon/sipfpd.conf, no other, with the parser's
#   bounds and numeric defaults (Documentation/tools/sipfp_check.py); and
#   the check bites: copies with a key dropped, a key added and a default
#   changed each fail it, naming the key;
# - the netlink page's tables hold every name of kmod/uapi/linux/sipfp.h
#   with its value (selftests/ynl_spec.sh ties the header to the YAML the
#   tables are made from);
# - the XDP page's offsets and sizes are what the compiler lays out for
#   daemon/bpf/sipfp_xdp.h;
# - the performance page's plots are the ones Documentation/tools/
#   perfplot.py draws from the numbers committed beside them.

. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3

HTML=$O/docs/html/architecture
CHECK=Documentation/tools/sipfp_check.py

[ -x "$PY" ] || ksft_exit_skip "no Debian python3 at $PY"
"$PY" -c 'import sphinx, yaml' 2>/dev/null ||
	ksft_exit_skip "python3-sphinx or python3-yaml not installed"
require_cmd dot gcc make

TMP=$(mktemp -d) || ksft_exit_fail "mktemp"
trap 'rm -rf "$TMP"' EXIT

tap_plan 8

# 1: the build, its output kept for the checks below
if make --no-print-directory docs O="$O" >"$TMP/build.log" 2>&1 &&
   ! grep -q 'WARNING\|ERROR' "$TMP/build.log"; then
	tap_ok "make docs: no warning"
else
	sed 's/^/# /' "$TMP/build.log"
	tap_not_ok "make docs: no warning"
fi

# 2: the reference against the parser and the shipped file
if "$PY" "$CHECK" . >"$TMP/check.log" 2>&1; then
	tap_ok "config reference: every key, bounds and defaults"
else
	sed 's/^/# /' "$TMP/check.log"
	tap_not_ok "config reference: every key, bounds and defaults"
fi

# a copy of the three files the check reads, for breaking
copy_tree()
{
	rm -rf "$TMP/t"
	mkdir -p "$TMP/t/daemon" "$TMP/t/Documentation/admin-guide"
	cp daemon/sipfpd.conf daemon/config.c daemon/config_media.c \
		"$TMP/t/daemon/"
	cp Documentation/admin-guide/config.rst \
		"$TMP/t/Documentation/admin-guide/"
}

# broken NAME WANT: the check fails on the copy and names WANT
broken()
{
	local out

	if out=$("$PY" "$CHECK" "$TMP/t" 2>&1); then
		tap_not_ok "$1: the check passed a broken copy"
	elif grep -q -- "$2" <<<"$out"; then
		tap_ok "$1"
	else
		echo "$out" | sed 's/^/# /'
		tap_not_ok "$1: the check did not name $2"
	fi
}

copy_tree
sed -i '/^latch_window - /,/^$/d' "$TMP/t/Documentation/admin-guide/config.rst"
broken "a key missing from the reference is caught" "\[media\] latch_window"

copy_tree
sed -i 's/^;rate_burst = 100$/&\n;rate_bursts = 5/' "$TMP/t/daemon/sipfpd.conf"
broken "a key only in sipfpd.conf is caught" "\[sip\] rate_bursts"

copy_tree
sed -i 's/c->nonce_ttl = 300;/c->nonce_ttl = 301;/' "$TMP/t/daemon/config.c"
broken "a default the reference does not give is caught" "nonce_ttl"

# 6: the netlink tables against the C header
if "$PY" selftests/docs_html.py netlink "$HTML/netlink.html" \
		kmod/uapi/linux/sipfp.h >"$TMP/nl.log" 2>&1; then
	tap_ok "netlink page: every name and value of the uapi header"
else
	sed 's/^/# /' "$TMP/nl.log"
	tap_not_ok "netlink page: every name and value of the uapi header"
fi

# 7: the XDP tables against the compiler
if "$PY" selftests/docs_html.py xdp "$HTML/xdp-maps.html" sipfp_xdp.h \
		>"$TMP/xdp.c" 2>"$TMP/xdp.log" &&
   gcc -fsyntax-only -Idaemon/bpf "$TMP/xdp.c" >>"$TMP/xdp.log" 2>&1; then
	tap_ok "XDP page: $(grep -c offsetof "$TMP/xdp.c") fields at the" \
		"compiler's offsets"
else
	sed 's/^/# /' "$TMP/xdp.log"
	tap_not_ok "XDP page: fields at the compiler's offsets"
fi

# 8: the plots redrawn from their numbers, byte for byte
if ! "$PY" -c 'import matplotlib' 2>/dev/null; then
	tap_skip "plots match their numbers" "python3-matplotlib not installed"
else
	mkdir "$TMP/perf"
	cp Documentation/perf/*.txt "$TMP/perf/"
	stale=
	if "$PY" Documentation/tools/perfplot.py "$TMP/perf" >"$TMP/plot.log" 2>&1
	then
		for png in "$TMP"/perf/*.png; do
			cmp -s "$png" "Documentation/perf/${png##*/}" ||
				stale+=" ${png##*/}"
		done
	else
		sed 's/^/# /' "$TMP/plot.log"
		stale=" (perfplot.py failed)"
	fi
	if [ -z "$stale" ]; then
		tap_ok "plots match their numbers"
	else
		tap_not_ok "plots match their numbers: make docs-plots:$stale"
	fi
fi

tap_exit
