#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# sipfpd over TLS: OPTIONS answered over TLS 1.2 and 1.3 with the
# certificate checked by the client; TLS 1.1, plain SIP, random bytes and
# half a ClientHello refused or timed out without disturbing the daemon
# (exact handshake counters); an idle TLS connection closed; bob
# registers over TLS and alice calls him over TLS; a number routed to a
# trunk over an outgoing TLS connection that sipfpd verifies; SIGHUP
# taking a new certificate and refusing a key that does not match it.
# python3's ssl module plays the phones and the trunk (selftests/net/
# siptls.py): Debian's SIPp is built without TLS.
#
#   phones                               proxy                   trunk
#   192.0.2.2 alice (siptls.py)   veth   192.0.2.1        veth   198.51.100.2
#   192.0.2.3 bob   (siptls.py)  ------  198.51.100.1    ------  (siptls.py,
#                                        sipfpd -d -v             TLS 5061,
#                                        udp+tcp :5060, tls :5061  cert by
#                                        tcp_idle_timeout = 2      address)
#                                        +44 = sip:198.51.100.2:5061;
#                                              transport=tls

# shellcheck source=selftests/net/lib_proxy.sh
source "$(dirname "$0")/lib_proxy.sh"

SIPTLS=$PWD/selftests/net/siptls.py
GENCERT=$PWD/tools/gencert.sh

# tls NAME NS MODE ARGS...: siptls.py in NS, output in NAME.out (and
# shown); true when it exits 0.
tls()
{
	local name=$1 ns=$2 rc

	shift 2
	ip netns exec "$ns" python3 "$SIPTLS" "$@" >"$TMP_DIR/$name.out" 2>&1
	rc=$?
	sed 's/^/# /' "$TMP_DIR/$name.out"
	return "$rc"
}

# A phone that checks sipfpd's certificate for the domain's name.
phone_tls()
{
	local name=$1

	shift
	tls "$name" "$phones" "$@" --cafile "$CERTS/$DOMAIN.crt" \
		--name "$DOMAIN"
}

out_has()
{
	grep -qE -- "$2" "$TMP_DIR/$1.out"
}

options()
{
	phone_tls opt options --local "$PA" "$@"
}

tls11()
{
	options --tls-min 1.1 --tls-max 1.1 \
		--expect-error TLSV1_ALERT_PROTOCOL_VERSION &&
		wait_for 3000 log_has "$LOG" \
			"TLS handshake failed: unsupported protocol"
}

# raw DATA: sipfpd closes the connection and answers nothing in SIP.
raw()
{
	tls raw "$phones" raw --local "$PA" --data "$1" --within 3
}

# Half a ClientHello holds a connection only until tcp_idle_timeout.
partial()
{
	tls raw "$phones" raw --local "$PA" --data partial --after 1.5 \
		--within 5
}

stats_have()
{
	kill -USR1 "$SIPFPD_PID"
	wait_for 3000 log_has "$LOG" "$1"
}

idle()
{
	phone_tls idle idle --local "$PA" --after 1.5 --within 5
}

# bob registers over TLS in the background and answers one call; alice
# calls him. Checked where it arrives: sipfpd's Via and Record-Route
# name TLS and port 5061.
call()
{
	local bpid rc

	phone_tls bob bob --local "$PB" --user bob --password "${PW[bob]}" \
		--wait 8 &
	bpid=$!
	BG_PIDS+=("$bpid")
	wait_for 3000 out_has bob '^registered' || return 1
	phone_tls alice alice --local "$PA" --user alice \
		--password "${PW[alice]}" --to bob --expect 200
	rc=$?
	wait_for 8000 gone "$bpid" && wait "$bpid" && [ "$rc" -eq 0 ] &&
		out_has bob "^via: SIP/2\.0/TLS $(q "$PX"):5061;branch=z9hG4bK" &&
		out_has bob "^via: SIP/2\.0/TLS $(q "$PA"):[0-9]+;rport=[0-9]+;branch=" &&
		out_has bob "^record-route: <sip:$(q "$PX"):5061;transport=tls;lr[;>]" &&
		out_has bob '^bye: BYE '
}

# The trunk's certificate names its address, which is all sipfpd knows
# of it: no server name is sent, the address is what is verified.
trunk_call()
{
	local tpid rc

	tls trunk "$trunk" trunk --local "$TRUNK" --cert "$CERTS/trunk.test.crt" \
		--key "$CERTS/trunk.test.key" --status 486 --wait 8 &
	tpid=$!
	BG_PIDS+=("$tpid")
	wait_for 3000 out_has trunk '^listening' || return 1
	phone_tls alice alice --local "$PA" --user alice \
		--password "${PW[alice]}" --to "${TRUNK_PREFIX}2079460000" \
		--expect 486
	rc=$?
	wait_for 8000 gone "$tpid" && wait "$tpid" && [ "$rc" -eq 0 ] &&
		out_has trunk '^server name: none$' &&
		out_has trunk "^via: SIP/2\.0/TLS $(q "$PX_T"):5061;branch=z9hG4bK" &&
		out_has trunk '^ack: ACK '
}

# SIGHUP with a new pair: new connections get it; the old certificate
# no longer verifies them.
new_cert()
{
	"$GENCERT" "$CERTS/new" "$DOMAIN" "$PX" "$PX_T" >/dev/null &&
		chown nobody "$CERTS/new/$DOMAIN.key" || return 1
	sed -i "s|^cert = .*|cert = $CERTS/new/$DOMAIN.crt|;
		s|^key = .*|key = $CERTS/new/$DOMAIN.key|" "$CONF"
	kill -HUP "$SIPFPD_PID"
	wait_for 3000 log_has "$LOG" "TLS: reloaded $CERTS/new/$DOMAIN.crt" &&
		tls opt "$phones" options --local "$PA" --name "$DOMAIN" \
			--cafile "$CERTS/new/$DOMAIN.crt" &&
		options --expect-error CERTIFICATE_VERIFY_FAILED
}

# SIGHUP with a key of another pair: refused, naming the file; the
# running pair still serves.
bad_key()
{
	sed -i "s|^key = .*|key = $CERTS/trunk.test.key|" "$CONF"
	chown nobody "$CERTS/trunk.test.key"
	kill -HUP "$SIPFPD_PID"
	wait_for 3000 log_has "$LOG" \
		"$CERTS/trunk.test.key: not the key of the certificate in $CERTS/new/$DOMAIN.crt" &&
		log_has "$LOG" "TLS: keeping the running certificate and CAs" &&
		tls opt "$phones" options --local "$PA" --name "$DOMAIN" \
			--cafile "$CERTS/new/$DOMAIN.crt"
}

proxy_setup flat
CERTS=$TMP_DIR/certs
"$GENCERT" "$CERTS" "$DOMAIN" "$PX" "$PX_T" >/dev/null &&
	"$GENCERT" "$CERTS" trunk.test "$TRUNK" >/dev/null ||
	setup_fail "gencert.sh"
# SIGHUP re-reads the key as nobody
chown nobody "$CERTS/$DOMAIN.key"
chmod 755 "$CERTS"

CONF=$TMP_DIR/sipfpd.conf
LOG=$TMP_DIR/sipfpd.1.log
cat >"$CONF" <<EOF
[general]
user = nobody
state_dir = $TMP_DIR/state
run_dir = $TMP_DIR/run
[sip]
listen = udp:0.0.0.0:5060 tcp:0.0.0.0:5060 tls:0.0.0.0:5061
domain = $DOMAIN
rate_limit = 1000
rate_burst = 1000
tcp_idle_timeout = 2
[tls]
cert = $CERTS/$DOMAIN.crt
key = $CERTS/$DOMAIN.key
ca_file = $CERTS/trunk.test.crt
verify = yes
[auth]
users_file = $TMP_DIR/users
trusted = $TRUNK
[nat]
keepalive_interval = 0
[routes]
$TRUNK_PREFIX = sip:$TRUNK:5061;transport=tls
EOF
start_sipfpd "$proxy" "$CONF" "$LOG"
wait_for 3000 listening "$proxy" -t 5061 ||
	{ cat "$LOG"; setup_fail "sipfpd not listening on tls 5061"; }

tap_plan 15

name="OPTIONS over TLS gets 200 (the phone verifies $DOMAIN)"
case_ok options

name="TLS 1.2 is accepted"
case_ok eval 'options --tls-max 1.2 && out_has opt "^version: TLSv1\.2$"'

name="TLS 1.3 is accepted"
case_ok eval 'options --tls-min 1.3 && out_has opt "^version: TLSv1\.3$"'

name="TLS 1.1 is refused (protocol version alert), and logged"
case_ok tls11

name="plain SIP on the TLS port: closed, no answer"
case_ok raw plain

name="random bytes on the TLS port: closed"
case_ok raw random

name="half a ClientHello: held only until tcp_idle_timeout"
case_ok partial

name="after them OPTIONS over TLS still gets 200; counters exact"
case_ok eval 'options && stats_have "tls: handshakes=4 failed=3"'

name="an idle TLS connection is closed after tcp_idle_timeout"
case_ok idle

name="bob registers over TLS and alice calls him over TLS"
case_ok call

name="a +44 number goes to the trunk over TLS, verified by address"
case_ok trunk_call

name="nine handshakes so far, both ways, and still only three failed"
case_ok stats_have "tls: handshakes=9 failed=3"

name="SIGHUP takes a new certificate for new connections"
case_ok new_cert

name="SIGHUP refuses a key that does not match; the running pair serves"
case_ok bad_key

name="SIGTERM stops sipfpd with exit 0"
case_ok proxy_stop

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	show_logs
fi
tap_exit
