#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# The proxy core's routing decisions (RFC 3261 §16): forking over the
# contacts of one user, in parallel within a q value and sequentially
# from the highest q down; a 6xx ends the search; the best response
# goes back; the dialog's ACK and BYE follow the Record-Route set; a
# request routed back to the proxy itself is a loop (482); a request
# for a foreign domain with no route is refused (403); an unknown user
# gets 404 and a known one with no contact 480. SIPp instances are the
# callees; a raw python3 UA is the caller, so every header it gets can
# be checked.
#
#   caller                      proxy                        callees
#   192.0.2.2/24   veth         192.0.2.1/24
#   (python3)     ------        198.51.100.1/24   veth       198.51.100.11
#                               sipfpd -d -v     ------      198.51.100.12
#                               require = no                 (SIPp UAS)
#                               * = sip:192.0.2.1 (a loop)

# shellcheck source=selftests/net/lib.sh
source "$(dirname "$0")/lib.sh"

CALLER=192.0.2.2
PX=192.0.2.1
PX2=198.51.100.1
U1=198.51.100.11
U2=198.51.100.12
UAS=$PWD/selftests/net/sipp/uas_status.xml
caller='' proxy='' callee='' # set by setup_ns

# ua MODE ARGS...: the caller. Prints what it saw; exit 0 on success.
ua()
{
	ua_in "$caller" "$CALLER" "$@"
}

# ua_in NS ADDRESS MODE ARGS...: the same from ADDRESS in NS
ua_in()
{
	local ns=$1

	shift
	ip netns exec "$ns" python3 - "$@" <<'EOF'
import random, socket, sys

ME, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
PX = "192.0.2.1" if ME.startswith("192.") else "198.51.100.1"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
# a registration comes from the contact's own address and port
s.bind((ME, 5060 if mode == "register" else 0))
port = s.getsockname()[1]
s.settimeout(5)
tag = "c%d" % random.randrange(1 << 30)
callid = "%d@%s" % (random.randrange(1 << 30), ME)


def send(msg):
    s.sendto(msg.encode(), (PX, 5060))


def recv():
    m = s.recv(65535).decode()
    return m


def hdrs(m, name):
    return [l.split(":", 1)[1].strip() for l in m.split("\r\n")
            if l.lower().startswith(name.lower() + ":")]


def request(method, ruri, cseq, branch, extra="", to_tag=""):
    return ("%s %s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%s;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:caller@example.com>;tag=%s\r\n"
            "To: <%s>%s\r\n"
            "Call-ID: %s\r\nCSeq: %d %s\r\n"
            "Contact: <sip:caller@%s:%d>\r\n%s"
            "Content-Length: 0\r\n\r\n" %
            (method, ruri, ME, port, branch, tag, ruri,
             ";tag=" + to_tag if to_tag else "", callid, cseq, method,
             ME, port, extra))


if mode == "register":
    # register AOR CONTACT Q: no auth in this test (require = no)
    aor, contact, q = args
    send("REGISTER sip:sip.test SIP/2.0\r\n"
         "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bKr%s\r\n"
         "Max-Forwards: 70\r\nFrom: <%s>;tag=%s\r\nTo: <%s>\r\n"
         "Call-ID: %s\r\nCSeq: 1 REGISTER\r\n"
         "Contact: <%s>;q=%s\r\nExpires: 300\r\n"
         "Content-Length: 0\r\n\r\n" %
         (ME, port, tag, aor, tag, aor, callid, contact, q))
    r = recv()
    print(r.split("\r\n")[0])
    sys.exit(0 if r.startswith("SIP/2.0 200") else 1)

# call RURI WANT: INVITE, wait for the final response; for a 2xx, ACK
# and BYE along the Record-Route set, each checked
ruri, want = args
send(request("INVITE", ruri, 1, "inv" + tag))
seen = []
while True:
    r = recv()
    first = r.split("\r\n")[0]
    seen.append(first.split(" ")[1])
    code = int(first.split(" ")[1])
    if code >= 200:
        break
print("responses:", " ".join(seen))
if first.split(" ")[1] != want:
    sys.exit(1)
if code >= 300:
    sys.exit(0)  # the proxy's transaction took the ACK for a non-2xx
to_tag = hdrs(r, "To")[0].split("tag=")[1]
rr = [v.strip() for h in hdrs(r, "Record-Route") for v in h.split(",")]
print("record-route:", rr)
# RFC 5658: one entry per side, the callee's side on top
if rr[0].split(";")[0] != "<sip:198.51.100.1:5060" or \
   rr[-1].split(";")[0] != "<sip:192.0.2.1:5060" or \
   not all(";lr" in x and "sfp=" in x for x in rr):
    sys.exit(1)
route = "Route: %s\r\n" % ", ".join(reversed(rr))
target = hdrs(r, "Contact")[0].strip("<>")
send(request("ACK", target, 1, "ack" + tag, route, to_tag))
send(request("BYE", target, 2, "bye" + tag, route, to_tag))
r = recv()
while r.split("\r\n")[0].split(" ")[1] == "100":
    r = recv()
print("BYE:", r.split("\r\n")[0])
sys.exit(0 if r.startswith("SIP/2.0 200") else 1)
EOF
}

# callee NAME IP CODE REASON: a SIPp UAS answering CODE, in the background
callee()
{
	sed "s/CODE REASON/$3 $4/" "$UAS" >"$TMP_DIR/uas-$3.xml"
	(cd "$TMP_DIR" && ip netns exec "$callee" sipp -sf "uas-$3.xml" \
		-i "$2" -p 5060 -nostdin -m 1 \
		-timeout 20 -trace_msg -message_file "$TMP_DIR/$1.msg" \
		>"$TMP_DIR/$1.out" 2>&1) &
	BG_PIDS+=($!)
	wait_for 3000 listening "$callee" -u 5060 ||
		setup_fail "callee $1 not listening"
}

invites()
{
	cat "$TMP_DIR/$1.msg" 2>/dev/null | grep -c '^INVITE '
	true
}

stop_callees()
{
	ip netns exec "$callee" pkill -f "sipp -sf uas-" 2>/dev/null
	wait_for 3000 sh -c "! ip netns exec $callee ss -Hlnu 'sport = :5060' | grep -q ."
	rm -f "$TMP_DIR"/u?.msg
}

# fresh bob: both contacts, each registered from itself, with these q
register_bob()
{
	ua_in "$callee" "$U1" register sip:bob@sip.test "sip:bob@$U1:5060" \
		"$1" >/dev/null &&
		ua_in "$callee" "$U2" register sip:bob@sip.test \
			"sip:bob@$U2:5060" "$2" >/dev/null
}

parallel()
{
	register_bob 0.5 0.5 || return 1
	stats_have "registrations=2" || return 1
	callee u1 "$U1" 486 "Busy Here"
	callee u2 "$U2" 200 OK
	ua call sip:bob@sip.test 200 || return 1
	echo "INVITEs: u1 $(invites u1), u2 $(invites u2)"
	# the ACK and BYE reach u2 with the proxy's own Route entries gone
	wait_for 3000 grep -q '^BYE ' "$TMP_DIR/u2.msg" &&
		! grep '^Route:' "$TMP_DIR/u2.msg" &&
		[ "$(invites u1)" = 1 ] && [ "$(invites u2)" = 1 ]
}

sequential()
{
	stop_callees
	register_bob 1.0 0.3 || return 1
	callee u1 "$U1" 486 "Busy Here"
	callee u2 "$U2" 200 OK
	ua call sip:bob@sip.test 200 || return 1
	echo "INVITEs: u1 $(invites u1), u2 $(invites u2)"
	[ "$(invites u1)" = 1 ] && [ "$(invites u2)" = 1 ]
}

six_stops()
{
	stop_callees
	callee u1 "$U1" 603 Decline
	callee u2 "$U2" 200 OK
	ua call sip:bob@sip.test 603 || return 1
	echo "INVITEs: u1 $(invites u1), u2 $(invites u2)"
	[ "$(invites u1)" = 1 ] && [ "$(invites u2)" = 0 ]
}

first_wins()
{
	stop_callees
	callee u1 "$U1" 200 OK
	callee u2 "$U2" 486 "Busy Here"
	ua call sip:bob@sip.test 200 || return 1
	echo "INVITEs: u1 $(invites u1), u2 $(invites u2)"
	[ "$(invites u1)" = 1 ] && [ "$(invites u2)" = 0 ]
}

loop()
{
	ua call "sip:+4930123@elsewhere.example" 482 &&
		stats_have "loops=1 "
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

net_require
trap net_cleanup EXIT
mktmp
LOG=$TMP_DIR/sipfpd.log
CONF=$TMP_DIR/sipfpd.conf
setup_ns caller proxy callee
veth_pair "$caller" c0 "$proxy" p0
veth_pair "$proxy" p1 "$callee" u0
addr "$caller" c0 "$CALLER/24"
addr "$proxy" p0 "$PX/24"
addr "$proxy" p1 "$PX2/24"
addr "$callee" u0 "$U1/24"
addr "$callee" u0 "$U2/24"
ip -n "$caller" route add default via "$PX" || setup_fail "caller route"
ip -n "$callee" route add default via "$PX2" || setup_fail "callee route"
printf 'bob sip.test plain:secret\ncarol sip.test plain:secret\n' \
	>"$TMP_DIR/users"
cat >"$CONF" <<EOF
[general]
user =
state_dir = $TMP_DIR/state
run_dir = $TMP_DIR/run
[sip]
listen = udp:0.0.0.0:5060
domain = sip.test
rate_limit = 0
[auth]
users_file = $TMP_DIR/users
require = no
[routes]
* = sip:$PX:5060
EOF
start_sipfpd "$proxy" "$CONF" "$LOG"

tap_plan 8
name="equal q: both contacts rung at once, the 200 wins over a 486"
case_ok parallel
name="higher q first: a 486 there, then the lower q contact answers"
case_ok sequential
name="a 6xx ends the search: the lower q contact is never rung"
case_ok six_stops
name="a 2xx from the first group: the next group is never rung"
case_ok first_wins
name="a request routed back to the proxy itself gets 482"
case_ok loop
name="a foreign domain's user with no route gets 403"
case_ok ua call sip:alice@elsewhere.example 403
name="an unknown user of a served domain gets 404"
case_ok ua call sip:nobody@sip.test 404
name="a known user with no contact gets 480"
case_ok ua call sip:carol@sip.test 480
stop_callees
kill -TERM "$SIPFPD_PID"
wait_for 5000 log_has "$LOG" " exited" || echo "# sipfpd did not exit"
if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	echo "# sipfpd log:"
	sed 's/^/#   /' "$LOG"
	for f in "$TMP_DIR"/*.out; do
		[ -f "$f" ] && sed "s|^|#   ${f##*/}: |" "$f" | tail -5
	done
fi
tap_exit
