#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# sipfpd's core: it listens, answers OPTIONS to itself (a health check)
# over UDP, TCP and IPv6, answers a malformed request 400 naming the
# fault, frames TCP streams (pings, split and coalesced messages, no
# Content-Length, idle close), drops a stray response and counts it,
# rate-limits a flood from one source while serving another, reloads on
# SIGHUP, checks its configuration (-n) and stops cleanly on SIGTERM.
# SIPp plays the phone where a whole exchange is enough; raw probes in
# python3 send what SIPp will not (broken requests, stray responses).
#
#   phone1                               proxy                   phone2
#   192.0.2.2/24 (SIPp, probes)  veth    192.0.2.1/24
#   192.0.2.3/24 (the flood)    ------   2001:db8:1::1/64
#   2001:db8:1::2/64                     198.51.100.1/24  veth   198.51.100.2/24
#                                        sipfpd -d -v    ------  (SIPp)
#                                        udp+tcp 0.0.0.0:5060, [::]:5060
#                                        rate_limit = 50, rate_burst = 50
#                                        tcp_idle_timeout = 1

# shellcheck source=selftests/net/lib.sh
source "$(dirname "$0")/lib.sh"

P1=192.0.2.2
P1_FLOOD=192.0.2.3
P1_6=2001:db8:1::2
PX=192.0.2.1
PX_6=2001:db8:1::1
PX2=198.51.100.1
P2=198.51.100.2
SCEN=$PWD/selftests/net/sipp/options.xml
phone1='' proxy='' phone2='' # set by setup_ns

# Raw SIP from a namespace: probe MODE LOCAL_IP REMOTE_IP. Prints what it
# saw; exits 0 when that was what MODE expects.
probe()
{
	ip netns exec "$phone1" python3 - "$@" <<'EOF'
import socket, sys, time

mode, lip, rip = sys.argv[1:4]
want = sys.argv[4] if len(sys.argv) > 4 else None
fam = socket.AF_INET6 if ":" in rip else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
# a flood's answers must not overflow our own queue (we are root)
s.setsockopt(socket.SOL_SOCKET, 33, 4 << 20)  # SO_RCVBUFFORCE
s.bind((lip, 0))
lport = s.getsockname()[1]


def options(n, mf="70", extra="", ruri=None):
    return ("OPTIONS sip:%s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%d;rport\r\n"
            "Max-Forwards: %s\r\n"
            "From: <sip:probe@%s>;tag=t%d\r\n"
            "To: <sip:%s:5060>\r\n"
            "Call-ID: probe-%d@%s\r\n"
            "CSeq: 1 OPTIONS\r\n%s"
            "Content-Length: 0\r\n\r\n" %
            (ruri or rip + ":5060", lip, lport, n, mf, lip, n, rip, n, lip,
             extra))


def replies(first, quiet, limit):
    """Messages: the first within `first` s, more until `quiet` s of
    silence, `limit` s in all."""
    out, end = [], time.time() + limit
    while time.time() < end:
        wait = quiet if out else first
        s.settimeout(max(min(wait, end - time.time()), 0.01))
        try:
            out.append(s.recv(65535).decode(errors="replace"))
        except socket.timeout:
            break
    return out


def header(msg, name):
    for line in msg.split("\r\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line
    return None


def expect_one(msg, status_line, hdr, want):
    s.sendto(msg.encode(), (rip, 5060))
    r = replies(3, 0.3, 3)
    got = (r[0].split("\r\n")[0], header(r[0], hdr)) if len(r) == 1 else r
    print("got:", got)
    return got == (status_line, want)


if mode == "malformed":
    m = options(1, mf="7x0")
    ok = expect_one(m, "SIP/2.0 400 Bad Max-Forwards", "Warning",
                    'Warning: 399 sipfpd "bad Max-Forwards at byte %d"' %
                    m.index("7x0"))
elif mode == "require":
    ok = expect_one(options(2, extra="Require: foo, 100rel\r\n"),
                    "SIP/2.0 420 Bad Extension", "Unsupported",
                    "Unsupported: foo, 100rel")
elif mode == "domain":
    s.sendto(options(3, ruri="example.net").encode(), (rip, 5060))
    r = replies(3, 0.3, 3)
    got = [x.split("\r\n")[0] for x in r]
    print("got:", got)
    ok = got == [want]
elif mode == "stray":
    s.sendto(("SIP/2.0 200 OK\r\n"
              "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-stray\r\n"
              "From: <sip:a@%s>;tag=a\r\nTo: <sip:b@%s>;tag=b\r\n"
              "Call-ID: stray@%s\r\nCSeq: 1 OPTIONS\r\n"
              "Content-Length: 0\r\n\r\n" %
              (lip, lport, lip, rip, lip)).encode(), (rip, 5060))
    r = replies(1, 1, 1)
    print("replies:", len(r))
    ok = not r
elif mode == "flood":
    for n in range(300):
        s.sendto(options(1000 + n).encode(), (rip, 5060))
    codes = [int(x.split(" ")[1]) for x in replies(3, 0.5, 5)]
    n200, n503 = codes.count(200), codes.count(503)
    print("200: %d, 503: %d, other: %d" %
          (n200, n503, len(codes) - n200 - n503))
    # the burst of each bucket, plus one per 20 ms the flood lasted
    # (bounded at half a second: a loaded machine is slower)
    ok = 50 <= n200 <= 75 and 50 <= n503 <= 75 and n200 + n503 == len(codes)
sys.exit(0 if ok else 1)
EOF
}

# TCP from phone1: tcp MODE. Prints what it saw; exits 0 when expected.
tcp()
{
	ip netns exec "$phone1" python3 - "$1" "$P1" "$PX" <<'EOF'
import socket, sys, time

mode, lip, rip = sys.argv[1:4]
c = socket.create_connection((rip, 5060), timeout=3, source_address=(lip, 0))
lport = c.getsockname()[1]


def options(n, cl="Content-Length: 0\r\n"):
    return ("OPTIONS sip:%s:5060 SIP/2.0\r\n"
            "Via: SIP/2.0/TCP %s:%d;branch=z9hG4bK-t%d\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:probe@%s>;tag=t%d\r\n"
            "To: <sip:%s:5060>\r\n"
            "Call-ID: tcp-%d@%s\r\n"
            "CSeq: 1 OPTIONS\r\n%s\r\n" %
            (rip, lip, lport, n, lip, n, rip, n, lip, cl)).encode()


def until_closed(limit):
    data, end = b"", time.time() + limit
    while time.time() < end:
        c.settimeout(max(end - time.time(), 0.01))
        try:
            more = c.recv(65536)
        except socket.timeout:
            return data, False
        if not more:
            return data, True
        data += more
    return data, False


if mode == "ping":
    c.sendall(b"\r\n\r\n")
    pong = c.recv(16)
    print("pong:", repr(pong))
    ok = pong == b"\r\n"
elif mode == "framing":
    # two messages in one segment, a third split across two
    third = options(3)
    c.sendall(options(1) + options(2) + third[:60])
    time.sleep(0.05)
    c.sendall(third[60:])
    c.shutdown(socket.SHUT_WR)
    data, closed = until_closed(3)
    lines = [x for x in data.split(b"\r\n") if x.startswith(b"SIP/2.0")]
    print("responses:", lines, "closed:", closed)
    ok = lines == [b"SIP/2.0 200 OK"] * 3 and closed
elif mode == "no-length":
    c.sendall(options(4, cl="") + b"more bytes")
    data, closed = until_closed(3)
    lines = data.split(b"\r\n")
    warn = [x for x in lines if x.startswith(b"Warning:")]
    print("got:", lines[0], warn, "closed:", closed)
    ok = (lines[0] == b"SIP/2.0 400 Content-Length missing on a stream" and
          warn == [b'Warning: 399 sipfpd "Content-Length missing on a '
                   b'stream at byte %d"' % len(options(4, cl=""))] and
          closed)
elif mode == "idle":
    t0 = time.time()
    data, closed = until_closed(4)
    print("closed after %.1f s" % (time.time() - t0))
    ok = closed and not data
sys.exit(0 if ok else 1)
EOF
}

# The flood's 503 count must be the daemon's rate_limited counter exactly.
flood()
{
	local out n503

	out=$(probe flood "$P1_FLOOD" "$PX")
	local rc=$?
	echo "# $out"
	[ "$rc" -eq 0 ] || return 1
	n503=$(sed -n 's/.*503: \([0-9]*\),.*/\1/p' <<<"$out")
	sipp_run "$phone2" "$SCEN" u1 "$P2" "$PX2:5060" &&
		stats_have " rate_limited=$n503 "
}

# -n: exit 1 and file:line for a bad key; "configuration OK" for ours.
check_conf()
{
	local rc

	printf '[general]\nuser =\n[sip]\nfoo = 1\n' >"$TMP_DIR/bad.conf"
	"$SIPFPD" -n -f "$TMP_DIR/bad.conf" 2>"$TMP_DIR/n.err"
	rc=$?
	echo "# exit $rc: $(cat "$TMP_DIR/n.err")"
	[ "$rc" -eq 1 ] &&
		[ "$(cat "$TMP_DIR/n.err")" = \
		  "sipfpd: $TMP_DIR/bad.conf:4: unknown key 'foo' in [sip]" ] &&
		[ "$("$SIPFPD" -n -f "$TMP_DIR/good.conf" 2>&1)" = "configuration OK" ]
}

stray()
{
	probe stray "$P1" "$PX" &&
		stats_have "malformed=2 malformed_dropped=0 stray_responses=1 "
}

# SIGHUP as the unprivileged user: a good file is taken, a bad one is
# refused with its file:line and the daemon keeps serving.
reload()
{
	probe domain "$P1" "$PX" "SIP/2.0 403 Relaying Forbidden" || return 1
	sed -i 's/^domain = .*/domain = sip.example.org example.net/' "$CONF"
	kill -HUP "$SIPFPD_PID"
	wait_for 3000 log_has "$LOG" "reloaded $CONF" &&
		probe domain "$P1" "$PX" "SIP/2.0 200 OK" || return 1
	printf '[sip]\nbogus = 1\n' >>"$CONF"
	kill -HUP "$SIPFPD_PID"
	wait_for 3000 log_has "$LOG" \
		"$CONF:12: unknown key 'bogus' in [sip]; keeping the running configuration" &&
		sipp_run "$phone2" "$SCEN" u1 "$P2" "$PX2:5060"
}

stats_have()
{
	kill -USR1 "$SIPFPD_PID"
	wait_for 3000 log_has "$LOG" "$1"
}

case_ok()
{
	if "$@"; then
		tap_ok "$name"
	else
		tap_not_ok "$name"
	fi
}

net_require ss
trap net_cleanup EXIT
mktmp
setup_ns phone1 proxy phone2
veth_pair "$phone1" eth0 "$proxy" eth1
veth_pair "$phone2" eth0 "$proxy" eth2
addr "$phone1" eth0 "$P1/24"
addr "$phone1" eth0 "$P1_FLOOD/24"
addr "$phone1" eth0 "$P1_6/64"
addr "$proxy" eth1 "$PX/24"
addr "$proxy" eth1 "$PX_6/64"
addr "$proxy" eth2 "$PX2/24"
addr "$phone2" eth0 "$P2/24"

CONF=$TMP_DIR/sipfpd.conf
LOG=$TMP_DIR/sipfpd.log
# SIGHUP re-reads the file after root is gone
chmod 755 "$TMP_DIR"
cat >"$CONF" <<EOF
[general]
user = nobody
state_dir = $TMP_DIR/state
run_dir = $TMP_DIR/run
[sip]
listen = udp:0.0.0.0:5060 tcp:0.0.0.0:5060 udp:[::]:5060 tcp:[::]:5060
domain = sip.example.org
rate_limit = 50
rate_burst = 50
tcp_idle_timeout = 1
EOF
# nobody keeps the registrations in $TMP_DIR/state
chmod 711 "$TMP_DIR"
cp "$CONF" "$TMP_DIR/good.conf"
start_sipfpd "$proxy" "$CONF" "$LOG"
for l in "-u 5060" "-t 5060"; do
	# shellcheck disable=SC2086 # two words by design
	wait_for 3000 listening "$proxy" ${l% *} ${l#* } ||
		setup_fail "sipfpd not listening ($l)"
done

tap_plan 15

name="OPTIONS over UDP gets 200 (SIPp)"
case_ok sipp_run "$phone1" "$SCEN" u1 "$P1" "$PX:5060"

name="OPTIONS over TCP gets 200 (SIPp)"
case_ok sipp_run "$phone1" "$SCEN" t1 "$P1" "$PX:5060"

name="OPTIONS over IPv6 gets 200 (SIPp)"
case_ok sipp_run "$phone1" "$SCEN" u1 "$P1_6" "[$PX_6]:5060"

name="malformed request gets 400 naming the fault"
case_ok probe malformed "$P1" "$PX"

name="OPTIONS after the malformed request still gets 200"
case_ok sipp_run "$phone1" "$SCEN" u1 "$P1" "$PX:5060"

name="unknown Require gets 420 with Unsupported"
case_ok probe require "$P1" "$PX"

name="CRLFCRLF ping over TCP gets a CRLF pong"
case_ok tcp ping

name="TCP: coalesced and split messages are all answered"
case_ok tcp framing

name="TCP: no Content-Length gets 400, then the connection closes"
case_ok tcp no-length

name="TCP: an idle connection is closed after tcp_idle_timeout"
case_ok eval 'tcp idle && stats_have " tcp_idle_closed=1 "'

name="stray response dropped silently and counted"
case_ok stray

name="flood from one source: 503s, and another source still served"
case_ok flood

name="SIGHUP reloads a good file and refuses a bad one"
case_ok reload

name="sipfpd -n names file and line of a bad key, passes a good file"
case_ok check_conf

name="SIGTERM stops sipfpd with exit 0"
kill -TERM "$SIPFPD_PID"
if wait_for 5000 log_has "$LOG" " exited"; then
	wait "$SIPFPD_PID"
	rc=$?
	echo "# sipfpd exit code $rc"
	case_ok [ "$rc" -eq 0 ]
else
	tap_not_ok "$name"
fi

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	echo "# sipfpd log:"
	sed 's/^/#   /' "$LOG"
	[ -f "$TMP_DIR/sipp-err.log" ] && sed 's/^/#   /' "$TMP_DIR/sipp-err.log"
fi
tap_exit
