#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages sipfp needs to build and test. Silent when
# everything is already there, so `make deps && make check` costs nothing on
# a machine that has run it once.

set -euo pipefail

pkgs=(
	# build: compilers, CUnit, libFuzzer's runtime for -fsanitize=fuzzer
	build-essential clang llvm lld pkg-config libcunit1-dev
	libclang-rt-14-dev
	# benchmarks: GNU oSIP, the baseline bench_parse measures us against;
	# Kamailio, the proxy bench_cps.sh measures sipfpd against; rtpengine,
	# the media relay bench_rtp.sh measures sipfpd's relay against
	libosip2-dev kamailio rtpengine-daemon
	# daemon: TLS, registrar state, config, JSON output, netlink, XDP
	# loader; linux/bpf.h and linux/genetlink.h come from linux-libc-dev
	libssl-dev openssl libsqlite3-dev libinih-dev libjson-c-dev
	# daemon: keeping only CAP_NET_ADMIN (for the kernel fast path) when
	# it drops root
	libcap-ng-dev
	libmnl-dev libbpf-dev bpftool linux-libc-dev
	# tests: SIPp as the phones, namespaces and veth, firewall and
	# conntrack set-up, captures when a test fails, helper scripts, ps
	# for the runner's leak check; veth offloads for the XDP tests (a
	# veth peer needs NAPI to take redirected frames, and complete
	# checksums for XDP to rewrite)
	sip-tester iproute2 nftables tcpdump python3 procps ethtool
	# tests: control.sh scrapes the metrics listener with curl
	curl
	# `make man`: groff checks the man pages (sipctl.8, sipfpd.8 ...)
	groff-base
	# `make docs`: Sphinx, dot for the diagrams, yaml for the netlink
	# spec's tables; `make docs-plots`: matplotlib
	python3-sphinx graphviz python3-yaml python3-matplotlib
	# VM: the module is loaded in qemu, in both of Debian 12's kernels,
	# from a busybox initramfs
	qemu-system-x86 busybox-static cpio
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# module: modinfo, insmod, rmmod; dkms, which builds it for the
	# sipfp-dkms package and which selftests/kmod_dkms.sh checks
	kmod dkms
	# packages: dpkg-buildpackage (dpkg-dev, from build-essential) with
	# debhelper and dh_dkms, lintian; selftests/pkg_deb.sh builds them
	debhelper dh-dkms lintian
)

warn()
{
	echo "deps: warning: $*" >&2
}

die()
{
	echo "deps: $*" >&2
	exit 1
}

missing_pkgs()
{
	local have

	# dpkg-query fails for names it has never seen; those are missing too.
	have=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' \
		"${pkgs[@]}" 2>/dev/null |
	       awk '$1 == "installed" { print $2 }' || true)
	for p in "${pkgs[@]}"; do
		grep -qxF "$p" <<<"$have" || echo "$p"
	done
}

command -v dpkg-query >/dev/null || die "needs a Debian system (no dpkg-query)"
mapfile -t missing < <(missing_pkgs)
[ "${#missing[@]}" -eq 0 ] && exit 0

# shellcheck source=/dev/null
. /etc/os-release 2>/dev/null || true
if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
	warn "made for Debian 12, not ${PRETTY_NAME:-this}"
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null ||
		die "need root (or sudo) to install: ${missing[*]}"
	sudo=(sudo)
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y
	-o Dpkg::Use-Pty=0)

echo "deps: installing ${missing[*]}"
# An unreachable third-party source must not stop the Debian ones.
"${apt[@]}" update >"$log" 2>&1 ||
	warn "apt-get update failed, trying anyway"
if ! "${apt[@]}" install --no-install-recommends "${missing[@]}" \
		>>"$log" 2>&1; then
	cat "$log" >&2
	die "apt-get install failed"
fi

mapfile -t still < <(missing_pkgs)
[ "${#still[@]}" -eq 0 ] || die "still missing after install: ${still[*]}"
# Kamailio and rtpengine are only the benchmarks' baselines: they must
# not hold the host's port 5060 or relay ports as services
for svc in kamailio rtpengine-daemon; do
	if [[ " ${missing[*]} " == *" $svc "* ]] && [ -d /run/systemd/system ]
	then
		"${sudo[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 ||
			warn "could not disable the $svc service"
	fi
done
echo "deps: installed ${#missing[@]} packages"
