#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests-timeout: 900
#
# The Debian packages, as an admin gets them: dpkg-buildpackage builds
# them from a copy of this tree with no network, lintian finds no error,
# apt installs them here; then DKMS has built and installed sipfp.ko for
# every kernel with headers (Debian's 6.1 and 6.12), refuses one older
# than 6.1, and builds again when a kernel's headers arrive; sipfpd runs
# from its unit's ExecStart line (no systemd here: in a network
# namespace, within the unit's capability bounding set), drops to the
# sipfp user, answers OPTIONS, and sipctl status talks to it; where
# forwarding is on it loads and attaches the XDP fast path. Removing
# leaves only the configuration and state; purging leaves nothing, not
# even the user.
#
# This installs for real (dpkg, /usr/src, /lib/modules, /etc, the user
# database) and undoes it all on exit. It skips if any of it is here
# already, unless what is here is what a killed run of this test left.
# /var/lib/sipfp and /run/sipfp left by a sipfpd run from the source tree
# are put aside in $saved and put back.

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd dpkg-buildpackage dh dh_dkms lintian dkms apt-get modinfo ip \
	python3 setpriv nsenter unshare flock adduser systemd-analyze
# the kernel's make reads O and MAKEFLAGS: dkms must not see ours
unset O MAKEFLAGS MFLAGS MAKELEVEL

# sipfp.ko is one file per kernel, whichever version put it there: one
# test at a time, this one or kmod_dkms.sh.
exec 9<"$(dirname "$0")/kmod_dkms.sh"
flock -w 300 9 || ksft_exit_skip "kmod_dkms.sh or pkg_deb.sh is running"

pkgs=(sipfp-dkms sipfpd sipctl libsipctl0 libsipctl-dev)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
unit=/lib/systemd/system/sipfpd.service
marker=/run/selftests-pkg_deb.marker
saved=/var/tmp/selftests-pkg_deb
top=$PWD
work=
ns=
daemon_pid=
healed=
had_mok=$([ -e /var/lib/dkms/mok.key ] && echo y)
mapfile -t kvers < <(ls -d /lib/modules/*/build/Makefile 2>/dev/null |
		     sort -V | awk -F/ '{ print $4 }')

apt_run()
{
	DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0 \
		-o DPkg::Lock::Timeout=300 --no-install-recommends "$@"
}

# Our packages dpkg knows of in any state but "not installed".
known_pkgs()
{
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${pkgs[@]}" \
		2>/dev/null | awk '$1 != "un" { print $2 }'
}

# Every path that names sipfp outside the test's own directories.
sipfp_paths()
{
	find /etc /usr /var /run /opt -xdev \
		\( -path /var/tmp -o -path /var/cache/apt -o -path /tmp \) \
		-prune -o \( -path '*sipfp*' -o -path '*sipctl*' \) -print \
		2>/dev/null | grep -vx "$marker" | sort
}

sipfp_kos()
{
	find /lib/modules/ -name 'sipfp.ko*' 2>/dev/null
}

# Whatever DKMS holds of sipfp, one line each.
dkms_leftovers()
{
	local k

	dkms status -m sipfp 2>/dev/null
	[ ! -e /var/lib/dkms/sipfp ] || echo /var/lib/dkms/sipfp
	ls -d /usr/src/sipfp-* 2>/dev/null
	sipfp_kos
	for k in "${kvers[@]}"; do
		! grep -qsE '(^|/)sipfp\.ko' "/lib/modules/$k/modules.dep" ||
			echo "depmod index of $k"
	done
}

# What this test would overwrite: the packages, an admin's /etc/sipfp,
# the user, sipfp in DKMS, or state a running program holds open.
in_the_way()
{
	local p

	known_pkgs | sed 's/^/package /'
	[ ! -e /etc/sipfp ] || echo /etc/sipfp
	getent passwd sipfp >/dev/null && echo "user sipfp"
	getent group sipfp >/dev/null && echo "group sipfp"
	dkms_leftovers
	for p in /var/lib/sipfp /run/sipfp; do
		[ -e "$p" ] || continue
		find /proc/[0-9]*/fd -lname "$p/*" 2>/dev/null | grep -q . &&
			echo "$p (open)"
	done
}

# Everything the packages and their scripts can leave, by hand.
purge_all()
{
	local k
	local -a known

	if [ -n "$daemon_pid" ]; then
		kill -KILL "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
		daemon_pid=
	fi
	[ -z "$ns" ] || ip netns del "$ns" 2>/dev/null
	mapfile -t known < <(known_pkgs)
	if [ "${#known[@]}" -gt 0 ]; then
		apt_run purge "${known[@]}" >/dev/null 2>&1 ||
			dpkg --purge --force-all "${known[@]}" >/dev/null 2>&1
	fi
	if dkms status -m sipfp -v "$ver" 2>/dev/null | grep -q .; then
		dkms remove "sipfp/$ver" --all >/dev/null 2>&1
	fi
	rm -rf "/usr/src/sipfp-$ver" /etc/sipfp /var/lib/sipfp /run/sipfp \
		/sys/fs/bpf/sipfp
	for k in "${kvers[@]}"; do
		[ ! -e "/lib/modules/$k/updates/dkms/sipfp.ko" ] &&
		[ ! -e "/lib/modules/$k/updates/dkms/sipfp.ko.xz" ] && continue
		rm -f "/lib/modules/$k/updates/dkms"/sipfp.ko*
		depmod -a "$k"
	done
	getent passwd sipfp >/dev/null && deluser --system --quiet sipfp
	getent group sipfp >/dev/null && delgroup --system --quiet sipfp
	return 0
}

# What was put aside goes back, owner and mode as they were.
restore_saved()
{
	local d

	[ -d "$saved" ] || return 0
	for d in var/lib/sipfp run/sipfp; do
		[ -e "$saved/$d" ] || continue
		rm -rf "/${d:?}"
		mv "$saved/$d" "/$d"
	done
	rm -rf "$saved"
}

cleanup()
{
	[ -e "$marker" ] && purge_all
	restore_saved
	# dkms made a signing key for our build: gone too, unless some
	# other module was built with it meanwhile.
	if [ -z "$had_mok" ] &&
	   ! find /var/lib/dkms -mindepth 1 -maxdepth 1 ! -name mok.key \
		! -name mok.pub | grep -q .; then
		rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub
	fi
	rm -f "$marker"
	[ -z "$work" ] || rm -rf "$work"
}

if [ -e "$marker" ]; then
	healed="# a killed run left its packages: purged them first"
	purge_all
	rm -f "$marker"
fi
# a run killed before its marker was made may have put state aside
restore_saved
[ "${#kvers[@]}" -gt 0 ] ||
	ksft_exit_skip "no kernel headers in /lib/modules/*/build (make deps)"
way=$(in_the_way)
[ -z "$way" ] || ksft_exit_skip "not touching sipfp on this machine:" \
	"$(tr '\n' ' ' <<<"$way")"

trap cleanup EXIT
trap 'exit 1' TERM INT
work=$(mktemp -d)
# apt reads the .debs as _apt
chmod 755 "$work"
mkdir -p "$saved/var/lib" "$saved/run"
for d in var/lib/sipfp run/sipfp; do
	[ ! -e "/$d" ] || mv "/$d" "$saved/$d"
done
before=$(sipfp_paths)
echo "$$" >"$marker"

# step NAME CMD...: CMD's output is shown only if it fails (but for its
# own "# " lines), its time as a TAP comment. CMD returning 4 is a skip,
# its last line the reason.
step()
{
	local name=$1 t0=$SECONDS log=$work/log rc

	shift
	"$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		grep '^# ' "$log"
		echo "# $name: $((SECONDS - t0)) s"
		tap_ok "$name"
		return 0
	elif [ "$rc" -eq "$ksft_skip" ]; then
		tap_skip "$name" "$(tail -n 1 "$log")"
		return "$rc"
	fi
	sed 's/^/# /' "$log"
	tap_not_ok "$name"
	return 1
}

# --- build and lint ---

# The tree as a developer has it (tracked and new files, not what
# .gitignore names: build/, objects, sipfp.ko); no network in the build.
build()
{
	local p

	mkdir "$work/src"
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$top" ls-files -z --cached --others --exclude-standard |
			tar -C "$top" --null -T - --ignore-failed-read -cf - |
			tar -C "$work/src" -xf -
	else
		tar -C "$top" --exclude=./build -cf - . | tar -C "$work/src" -xf -
	fi
	(cd "$work/src" &&
	 DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
		unshare --net dpkg-buildpackage -us -uc -b) || return 1
	for p in "${pkgs[@]}"; do
		ls "$work/${p}_"*.deb || return 1
	done
}

lint()
{
	local out rc

	lintian --fail-on error --display-info "$work"/*.changes \
		>"$work/lintian" 2>&1
	rc=$?
	out=$(grep -v '^running with root privileges' "$work/lintian")
	echo "# lintian: $(grep -c '^E:' <<<"$out") errors," \
	     "$(grep -c '^W:' <<<"$out") warnings," \
	     "$(grep -c '^I:' <<<"$out") notes"
	[ -z "$out" ] || sed 's/^/#   /' <<<"$out"
	[ "$rc" -eq 0 ] && ! grep -q '^E:' <<<"$out"
}

# --- install and DKMS ---

debs()
{
	local p

	for p in "${pkgs[@]}"; do
		echo "$work/${p}_$ver"_*.deb
	done
}

# apt must not fetch anything: every dependency is here already.
install_pkgs()
{
	local extra
	local -a files

	mapfile -t files < <(debs)
	extra=$(apt_run -s install "${files[@]}" |
		awk '$1 == "Inst" { print $2 }' | grep -vxF -f <(printf '%s\n' \
		"${pkgs[@]}"))
	[ -z "$extra" ] || { echo "would also install: $extra"; return 1; }
	apt_run install "${files[@]}"
}

# KVER: dkms says installed, the .ko is in updates/dkms with KVER's
# vermagic and our version, and depmod finds it there.
dkms_for()
{
	local k=$1 ko magic

	dkms status -m sipfp -v "$ver" -k "$k" | tee /dev/stderr |
		grep -q ': installed$' || return 1
	ko=$(ls "/lib/modules/$k/updates/dkms"/sipfp.ko*) || return 1
	magic=$(modinfo -F vermagic "$ko")
	echo "$ko: vermagic '$magic', version '$(modinfo -F version "$ko")'"
	[ "${magic%% *}" = "$k" ] &&
		[ "$(modinfo -F version "$ko")" = "$ver" ] &&
		[ "$(modinfo -k "$k" -n sipfp)" = "$ko" ]
}

# The package's dkms.conf refuses Debian 11's kernel before compiling:
# headers are given, so only BUILD_EXCLUSIVE_KERNEL can stop it.
refuse_old()
{
	local k=5.10.0-32-amd64 out rc

	out=$(dkms build "sipfp/$ver" -k "$k" \
	      --kernelsourcedir "/lib/modules/${kvers[0]}/build" 2>&1)
	rc=$?
	echo "$out"
	echo "exit $rc"
	[ "$rc" -eq 77 ] && grep -q 'BUILD_EXCLUSIVE directive' <<<"$out" &&
		[ ! -e "/var/lib/dkms/sipfp/$ver/$k" ]
}

# A kernel's headers arriving run dkms's hook, which builds sipfp again
# (dkms.conf's AUTOINSTALL): as if the oldest kernel were new.
kernel_hook()
{
	local k=${kvers[0]}

	dkms remove "sipfp/$ver" -k "$k" || return 1
	[ -z "$(ls "/lib/modules/$k/updates/dkms"/sipfp.ko* 2>/dev/null)" ] ||
		return 1
	/etc/kernel/header_postinst.d/dkms "$k" && dkms_for "$k"
}

# --- sipfpd ---

# The user and group, the conffile, the secrets file, the state and run
# directories, each with its owner and mode.
daemon_files()
{
	local u

	u=$(getent passwd sipfp) || return 1
	echo "passwd: $u"
	[ "$(cut -d: -f3 <<<"$u")" -lt 1000 ] &&
		[ "$(cut -d: -f6,7 <<<"$u")" = /var/lib/sipfp:/usr/sbin/nologin ] &&
		getent group sipfp || return 1
	dpkg-query -W -f='${Conffiles}\n' sipfpd | tee /dev/stderr |
		grep -q '^ /etc/sipfp/sipfpd.conf ' || return 1
	stat -c '%n %a %U:%G' /etc/sipfp/users /var/lib/sipfp /run/sipfp |
		tee "$work/modes"
	diff - "$work/modes" <<EOF
/etc/sipfp/users 640 root:sipfp
/var/lib/sipfp 750 sipfp:sipfp
/run/sipfp 755 sipfp:sipfp
EOF
}

# systemd's own reading of the unit, which needs no running systemd.
verify_unit()
{
	local out

	out=$(systemd-analyze verify --man=no "$unit" 2>&1)
	echo "$out"
	[ -z "$out" ]
}

unit_key()
{
	sed -n "s/^$1=//p" "$unit"
}

# ExecStartPre: the default configuration passes sipfpd -n.
check_conf()
{
	local -a pre

	read -ra pre <<<"$(unit_key ExecStartPre)"
	echo "ExecStartPre: ${pre[*]}"
	[ "${pre[0]}" = /usr/sbin/sipfpd ] &&
		[ "$("${pre[@]}" 2>&1)" = "configuration OK" ]
}

# setpriv's spelling of the unit's CapabilityBoundingSet.
bounding_set()
{
	local c spec=-all

	for c in $(unit_key CapabilityBoundingSet); do
		c=${c#CAP_}
		spec+=,+${c,,}
	done
	echo "$spec"
}

# A namespace for sipfpd: lo alone (its fast path is then the relay), or
# for xdp a veth pair with forwarding on, where fastpath = auto takes XDP.
make_ns()
{
	ns=pkgdeb-$(mktemp -u XXXXXX)
	ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	[ "$1" = xdp ] || return 0
	ip -n "$ns" link add va type veth peer name vb &&
		ip -n "$ns" link set va up && ip -n "$ns" link set vb up &&
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.forwarding=1
}

# start_daemon [xdp]: ExecStart in a namespace of its own, within the
# unit's bounding set and NoNewPrivileges, with a private /run/sipfp (as
# tmpfiles.d makes it) so no other sipfpd's socket is in the way, and for
# xdp a bpffs (systemd mounts one at boot). It reads the installed
# /etc/sipfp/sipfpd.conf and keeps its state in /var/lib/sipfp.
start_daemon()
{
	local -a cmd nnp=()
	local uid mnt='mount -t tmpfs -o mode=0755 sipfp-run /run/sipfp &&
		chown sipfp:sipfp /run/sipfp'

	read -ra cmd <<<"$(unit_key ExecStart)"
	echo "ExecStart: ${cmd[*]}; bounding set $(bounding_set)"
	[ "${cmd[0]}" = /usr/sbin/sipfpd ] || return 1
	[ "$(unit_key NoNewPrivileges)" = yes ] && nnp=(--no-new-privs)
	make_ns "${1:-}" || return 1
	[ "${1:-}" != xdp ] ||
		mnt+=' && mount -t bpf -o mode=0700 bpf /sys/fs/bpf'
	: >"$work/sipfpd.log"
	ip netns exec "$ns" sh -c "$mnt"' && exec "$@"' sh \
		setpriv "${nnp[@]}" --bounding-set "$(bounding_set)" \
		"${cmd[@]}" >"$work/sipfpd.log" 2>&1 &
	daemon_pid=$!
	wait_log " started$" || { cat "$work/sipfpd.log"; return 1; }
	uid=$(id -u sipfp)
	grep -E '^(Uid|Gid|CapEff|CapBnd):' "/proc/$daemon_pid/status"
	grep -q "running as sipfp" "$work/sipfpd.log" &&
		grep -qE "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" \
			"/proc/$daemon_pid/status" &&
		grep -qE '^CapBnd:\s+0+$' "/proc/$daemon_pid/status"
}

# wait_log REGEX: up to 10 s for sipfpd's log to have a line matching it.
wait_log()
{
	for _ in $(seq 100); do
		grep -qE "$1" "$work/sipfpd.log" && return 0
		kill -0 "$daemon_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

options()
{
	ip netns exec "$ns" python3 - <<'EOF'
import socket, sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.sendto(("OPTIONS sip:127.0.0.1:5060 SIP/2.0\r\n"
          "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-pkg;rport\r\n"
          "Max-Forwards: 70\r\n"
          "From: <sip:probe@127.0.0.1>;tag=pkg\r\n"
          "To: <sip:127.0.0.1:5060>\r\n"
          "Call-ID: pkg-deb@127.0.0.1\r\n"
          "CSeq: 1 OPTIONS\r\n"
          "Content-Length: 0\r\n\r\n" % port).encode(), ("127.0.0.1", 5060))
s.settimeout(3)
first = s.recv(65535).decode(errors="replace").split("\r\n")[0]
print("got:", first)
sys.exit(0 if first == "SIP/2.0 200 OK" else 1)
EOF
}

# sipctl status as USER[:GROUP] in sipfpd's namespaces.
sipctl_as()
{
	local -a as=()

	[ "$1" = root ] ||
		as=(setpriv --reuid="${1%%:*}" --regid="${1##*:}" --clear-groups)
	nsenter -t "$daemon_pid" -m -n "${as[@]}" /usr/sbin/sipctl status
}

# The socket is root's and group sipfp's (mode 0660): others are refused.
sipctl_status()
{
	local out

	out=$(sipctl_as root) && echo "$out" &&
		grep -q "^sipfpd: .*, pid $daemon_pid$" <<<"$out" &&
		grep -q "^fast path: " <<<"$out" || return 1
	out=$(sipctl_as nobody:sipfp) && echo "$out" &&
		grep -q "pid $daemon_pid$" <<<"$out" || return 1
	! sipctl_as nobody:nogroup
}

# The XDP fast path, loaded and attached by root within the unit's
# bounding set: the verifier wants more than CAP_BPF from a loader.
xdp_daemon()
{
	local log=$work/sipfpd.log

	start_daemon xdp || return 1
	grep -E 'xdp|fast path' "$log"
	if grep -q 'fast path xdp unavailable' "$log" &&
	   ! grep -qE 'xdp.*(Permission denied|Operation not permitted)' "$log"
	then
		echo "no XDP on veth here: $(grep 'xdp unavailable' "$log")"
		return "$ksft_skip"
	fi
	grep -q ' fast path: xdp$' "$log" &&
		grep -q 'keeping CAP_NET_ADMIN and CAP_BPF' "$log" &&
		sipctl_as root | grep -qE '^fast path: +xdp$'
}

# SIGTERM: exit 0, the socket removed by the user it runs as, and with no
# call up, no XDP program left on a device.
stop_daemon()
{
	local rc attached

	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	rc=$?
	daemon_pid=
	cat "$work/sipfpd.log"
	echo "exit $rc"
	attached=$(ip -n "$ns" -d link show | grep -E 'xdp|prog/')
	ip netns del "$ns"
	ns=
	[ -z "$attached" ] || { echo "still attached: $attached"; return 1; }
	[ "$rc" -eq 0 ] && grep -q " exited$" "$work/sipfpd.log" &&
		! grep -q "control: unlink" "$work/sipfpd.log"
}

# --- removal ---

# After remove: the conffile, the users file, the state, what systemd's
# helper keeps of the unit until purge, dpkg's own records.
kept_on_remove()
{
	grep -vE '^(/etc/sipfp(/sipfpd\.conf|/users)?|/var/lib/sipfp(/.*)?|/var/lib/dpkg/info/.*|/var/lib/systemd/deb-systemd-helper-[a-z]+(/.*)?/sipfpd\.service(\.dsh-also)?|/etc/systemd/system/(multi-user\.target\.wants/)?sipfpd\.service)$'
}

remove_pkgs()
{
	local left

	apt_run remove "${pkgs[@]}" || return 1
	left=$(comm -13 <(grep . <<<"$before") <(sipfp_paths) | kept_on_remove)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
	comm -13 <(grep . <<<"$before") <(sipfp_paths) |
		grep -v '^/var/lib/dpkg/info/' | sed 's/^/# kept: /'
	[ -e /etc/sipfp/sipfpd.conf ] && [ -e /etc/sipfp/users ] &&
		getent passwd sipfp
}

no_dkms_left()
{
	local left

	left=$(dkms_leftovers)
	[ -z "$left" ] || { echo "left behind: $left"; return 1; }
}

purge_pkgs()
{
	local left p
	local -a known

	# apt no longer knows a package that left nothing at remove
	mapfile -t known < <(known_pkgs)
	echo "purging ${known[*]}"
	apt_run purge "${known[@]}" || return 1
	left=$(diff <(grep . <<<"$before") <(sipfp_paths))
	[ -z "$left" ] || { echo "before/after: $left"; return 1; }
	[ -z "$(known_pkgs)" ] || { echo "dpkg knows: $(known_pkgs)"; return 1; }
	for p in /usr/sbin/sipfpd /usr/sbin/sipctl /etc/sipfp "$unit"; do
		! dpkg -S "$p" 2>/dev/null || return 1
	done
	! getent passwd sipfp && ! getent group sipfp
}

tap_plan $((17 + ${#kvers[@]}))
[ -z "$healed" ] || echo "$healed"
step "dpkg-buildpackage -us -uc -b, no network: ${pkgs[*]}" build ||
	ksft_exit_fail "the packages did not build"
step "lintian: no errors" lint
step "apt installs the packages, fetching nothing" install_pkgs ||
	ksft_exit_fail "the packages did not install"
for k in "${kvers[@]}"; do
	step "sipfp-dkms: sipfp.ko built and installed for $k" dkms_for "$k"
done
step "sipfp-dkms: Linux 5.10 refused by BUILD_EXCLUSIVE_KERNEL" refuse_old
step "sipfp-dkms: new headers for ${kvers[0]} get the module again" \
	kernel_hook
step "sipfpd: user, group, conffile, users 0640, state and run dirs" \
	daemon_files
step "sipfpd.service: systemd-analyze verify finds nothing" verify_unit
step "sipfpd: ExecStartPre passes the default configuration" check_conf
if step "sipfpd: ExecStart within the unit's bounding set runs as sipfp" \
	start_daemon; then
	step "sipfpd: OPTIONS gets 200 with the default configuration" options
	step "sipctl status: root and group sipfp answered, others refused" \
		sipctl_status
	step "sipfpd: SIGTERM stops it with exit 0" stop_daemon
else
	for c in OPTIONS "sipctl status" SIGTERM; do
		tap_skip "$c" "sipfpd did not start"
	done
fi
if step "sipfpd: the same, with forwarding on, takes the XDP fast path" \
	xdp_daemon; then
	step "sipfpd (XDP): SIGTERM stops it, no program left attached" \
		stop_daemon
else
	[ -z "$daemon_pid" ] || stop_daemon >/dev/null 2>&1
	tap_skip "sipfpd (XDP): SIGTERM" "sipfpd did not take XDP"
fi
step "remove: only the conffile, users file, state and user are left" \
	remove_pkgs
step "remove: DKMS holds nothing of sipfp, no sipfp.ko anywhere" no_dkms_left
step "purge: no file, package, user or group of sipfp left" purge_pkgs
tap_exit
