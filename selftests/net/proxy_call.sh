#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# Calls through sipfpd, SIPp as the phones and the trunk: a whole call
# (INVITE/100/180/200/ACK/BYE) with the Via stack, Record-Route and Route
# checked where they arrive; CANCEL before the answer; 486 passed back; a
# re-INVITE and the callee's BYE; the 407 challenge and who is spared it
# (a trusted trunk); no open relay (403); a number sent to the trunk by
# its [routes] prefix; sipfpd's decision counters; SIGHUP mid-call; a
# restart that keeps bob's registration and a dialog's route; calls over
# TCP and from UDP to TCP.
#
#   phones                                proxy                    trunk
#   192.0.2.2 alice (SIPp)     veth       192.0.2.1     veth       198.51.100.2
#   192.0.2.3 bob (SIPp)      ------      198.51.100.1 ------      (SIPp,
#   default via 192.0.2.1                 sipfpd -d -v             trusted)
#                                         udp+tcp 0.0.0.0:5060
#                                         domain sip.test, md5 only
#                                         +44 = sip:198.51.100.2:5060

# shellcheck source=selftests/net/lib_proxy.sh
source "$(dirname "$0")/lib_proxy.sh"

# alice_to USER [TRANSPORT]: alice's arguments to call USER@sip.test.
alice_to()
{
	A=(-s "$1" -au alice -ap "${PW[alice]}" -auth_uri "$1@$DOMAIN"
	   -key domain "$DOMAIN" -key me "alice@$DOMAIN")
}

bob_registers()
{
	phone breg "$phones" register.xml "$1" "$PB" "$PX:5060" -p 5060 \
		-s bob -ap "${PW[bob]}" -auth_uri "$DOMAIN" \
		-key domain "$DOMAIN" -key expires 3600
}

# alice_calls_bob A_TRANSPORT B_TRANSPORT [CALLER SCENARIO [CALLEE SCENARIO]]
alice_calls_bob()
{
	alice_to bob
	call a "$phones" "${3:-call_uac.xml}" "$1" "$PA" "$PX:5060" "${A[@]}" \
		-key auth yes -- \
		b "$phones" "${4:-uas_call.xml}" "$2" "$PB" -s bob
}

# refused AUTH WANT USER@DOMAIN [FROM]: alice's INVITE to USER@DOMAIN
# (From FROM, default alice@sip.test) refused with WANT.
refused()
{
	local user=${3%@*} dom=${3#*@}

	phone a "$phones" invite_refused.xml u1 "$PA" "$PX:5060" -s "$user" \
		-au alice -ap "${PW[alice]}" -auth_uri "$user@$dom" \
		-key domain "$dom" -key me "${4:-alice@$DOMAIN}" -key auth "$1" \
		-key want "$2"
}

vias_at_bob()
{
	sipp_msg b received "^$1 " | hdr Via | expect_lines "bob's $1 Via" \
		"^SIP/2\.0/$2 $(q "$PX"):5060;branch=z9hG4bK" \
		"^SIP/2\.0/$3 $(q "$PA"):5060;branch=z9hG4bK-.*;rport=[0-9]+"
}

invite_at_bob()
{
	sipp_msg b received '^INVITE ' | hdr Record-Route |
		expect_lines "bob's Record-Route" "^<sip:$(q "$PX"):5060;lr[;>]" &&
		sipp_msg b received '^INVITE ' | hdr Max-Forwards |
		expect_lines "bob's Max-Forwards" '^69$' &&
		sipp_msg b received '^INVITE ' | hdr Proxy-Authorization |
		expect_lines "credentials for the proxy passed on to bob"
}

bye_routed()
{
	sipp_msg a sent '^BYE ' | hdr Route |
		expect_lines "alice's BYE Route" "^<sip:$(q "$PX"):5060;lr[;>]" &&
		sipp_msg b received '^BYE ' | head -n 1 |
		expect_lines "bob's BYE" \
			"^BYE sip:bob@$(q "$PB"):5060;transport=UDP SIP/2\.0$" &&
		sipp_msg b received '^BYE ' | hdr Route |
		expect_lines "Route left in bob's BYE" &&
		vias_at_bob BYE UDP UDP
}

challenged()
{
	refused no 407 "bob@$DOMAIN" &&
		sipp_msg a received '^SIP/2\.0 407 ' |
		grep '^Proxy-Authenticate:' | expect_lines "the 407's challenge" \
			"^Proxy-Authenticate: Digest realm=\"$(q "$DOMAIN")\".*[ ,]algorithm=MD5([ ,]|$)"
}

from_mismatch()
{
	refused yes 403 "bob@$DOMAIN" "bob@$DOMAIN"
}

foreign()
{
	refused no 403 carol@example.net
}

trunk_foreign()
{
	phone t "$trunk" invite_refused.xml u1 "$TRUNK" "$PX_T:5060" \
		-s carol -key domain example.net -key me "+442079460001@$DOMAIN" \
		-key auth no -key want 403
}

busy()
{
	local rc

	answer b "$phones" uas_busy.xml u1 "$PB" -s bob || return 1
	refused yes 486 "bob@$DOMAIN"
	rc=$?
	answered && [ "$rc" -eq 0 ]
}

to_trunk()
{
	local num=${TRUNK_PREFIX}2079460000

	alice_to "$num"
	call a "$phones" call_uac.xml u1 "$PA" "$PX:5060" "${A[@]}" \
		-key auth yes -- t "$trunk" uas_call.xml u1 "$TRUNK" -s trunk &&
		sipp_msg t received '^INVITE ' | head -n 1 |
		expect_lines "the trunk's INVITE" \
			"^INVITE sip:$(q "$num")@$(q "$DOMAIN") SIP/2\.0$" &&
		sipp_msg t received '^INVITE ' | hdr Record-Route |
		expect_lines "the trunk's Record-Route (RFC 5658: one per side)" \
			"^<sip:$(q "$PX_T"):5060;lr[;>]" \
			"^<sip:$(q "$PX"):5060;lr[;>]"
}

# A trunk presenting a caller in our domain would be challenged were it
# not [auth] trusted.
from_trunk()
{
	call t "$trunk" call_uac.xml u1 "$TRUNK" "$PX_T:5060" -s bob \
		-key domain "$DOMAIN" -key me "+442079460001@$DOMAIN" \
		-key auth no -- b "$phones" uas_call.xml u1 "$PB" -s bob
}

# Phones set up with the box's address instead of the domain.
by_address()
{
	call a "$phones" call_uac.xml u1 "$PA" "$PX:5060" -s bob -au alice \
		-ap "${PW[alice]}" -auth_uri "bob@$PX" -key domain "$PX" \
		-key me "alice@$DOMAIN" -key auth yes -- \
		b "$phones" uas_call.xml u1 "$PB" -s bob
}

# What sipfpd decided so far, exactly: one 401 and eight 407s, the 403s
# of from_mismatch (credentials), foreign and trunk_foreign (relay), one
# CANCEL, and nothing dropped. Retransmissions would only add to the
# forwarding counters, which are left out.
counters()
{
	kill -USR1 "$SIPFPD_PID"
	wait_for 3000 log_has "$LOG" " registers=1 challenged=9 auth_failed=1 relay_denied=2 not_found=0 loops=0 cancelled=1 txn_full=0 dropped=0 "
}

acked()
{
	sipp_msg b received '^ACK ' | grep -q .
}

# SIGHUP mid-call (alice hangs up 1.5 s after her ACK): the call goes on,
# and the new users file and [routes] are in force after it.
reload()
{
	local apid rc

	alice_to bob
	answer b "$phones" uas_call.xml u1 "$PB" -s bob || return 1
	phone a "$phones" call_uac.xml u1 "$PA" "$PX:5060" "${A[@]}" \
		-key auth yes -d 1500 &
	apid=$!
	BG_PIDS+=("$apid")
	wait_for 3000 acked || return 1
	echo "frank $DOMAIN plain:frank-secret" >>"$TMP_DIR/users"
	echo "+33 = sip:$TRUNK:5060" >>"$CONF"
	kill -HUP "$SIPFPD_PID"
	wait_for 3000 log_has "$LOG" "reloaded $CONF" &&
		wait_for 8000 gone "$apid" || return 1
	wait "$apid"
	rc=$?
	answered && [ "$rc" -eq 0 ] || return 1
	reg "$phones" --local "$PA" --proxy "$PX" --user frank \
		--password frank-secret --alg MD5 \
		--contact "<sip:frank@$PA:5070>" --expires 60 || return 1
	alice_to +33123456789
	call a "$phones" call_uac.xml u1 "$PA" "$PX:5060" "${A[@]}" \
		-key auth yes -- t "$trunk" uas_call.xml u1 "$TRUNK" -s trunk
}

restart()
{
	proxy_stop || return 1
	proxy_start md5 0
	alice_calls_bob u1 u1
}

# The Record-Route key lives in the state directory: a dialog set up
# before a restart is still loose-routed after it. alice hangs up 2 s
# after her ACK; sipfpd restarts as soon as bob has that ACK (a BYE sent
# while it is down is retransmitted).
dialog_restart()
{
	local apid rc

	alice_to bob
	answer b "$phones" uas_call.xml u1 "$PB" -s bob || return 1
	phone a "$phones" call_uac.xml u1 "$PA" "$PX:5060" "${A[@]}" \
		-key auth yes -d 2000 &
	apid=$!
	BG_PIDS+=("$apid")
	wait_for 3000 acked && proxy_stop && proxy_start md5 0 || return 1
	wait_for 8000 gone "$apid" || return 1
	wait "$apid"
	rc=$?
	answered && [ "$rc" -eq 0 ] && vias_at_bob BYE UDP UDP
}

to_tcp()
{
	reg "$phones" --local "$PB" --proxy "$PX" --user bob \
		--password "${PW[bob]}" --alg MD5 \
		--contact "<sip:bob@$PB:5060;transport=UDP>" --expires 0 &&
		[ -z "$(contacts)" ] && bob_registers t1
}

tcp_call()
{
	alice_calls_bob t1 t1 && vias_at_bob INVITE TCP TCP &&
		sipp_msg b received '^INVITE ' | hdr Record-Route |
		expect_lines "bob's Record-Route" \
			"^<sip:$(q "$PX"):5060;transport=tcp;lr[;>]"
}

udp_to_tcp()
{
	alice_calls_bob u1 t1 && vias_at_bob INVITE TCP UDP &&
		sipp_msg b received '^INVITE ' | hdr Record-Route |
		expect_lines "bob's Record-Route (RFC 5658: one per side)" \
			"^<sip:$(q "$PX"):5060;transport=tcp;lr[;>]" \
			"^<sip:$(q "$PX"):5060;lr[;>]"
}

proxy_setup flat
proxy_start md5 0

tap_plan 23

name="bob registers over UDP (MD5 digest: 401, then 200)"
case_ok bob_registers u1

name="alice calls bob: INVITE/100/180/200/ACK/BYE through the proxy"
if case_ok alice_calls_bob u1 u1; then
	name="bob's INVITE: the proxy's Via on top of alice's (rport filled)"
	case_ok vias_at_bob INVITE UDP UDP
	name="bob's INVITE: Record-Route with lr, Max-Forwards 69, no credentials"
	case_ok invite_at_bob
	name="BYE: sent along the Route, reaches bob's Contact without it"
	case_ok bye_routed
else
	for n in 1 2 3; do
		tap_skip "call details $n" "the call failed"
	done
fi

name="CANCEL before the answer: alice gets 200 and 487, bob the CANCEL"
case_ok alice_calls_bob u1 u1 cancel_uac.xml uas_cancel.xml

name="486 Busy Here from bob reaches alice, the proxy ACKs bob"
case_ok busy

name="re-INVITE in the dialog, then bob's BYE back along the route"
case_ok alice_calls_bob u1 u1 call_reinvite.xml uas_reinvite.xml

name="alice's INVITE without credentials gets 407 (MD5, realm sip.test)"
case_ok challenged

name="alice calling as bob gets 403"
case_ok from_mismatch

name="INVITE to a foreign domain without credentials gets 403"
case_ok foreign

name="trusted trunk's INVITE to a foreign domain gets 403 (no open relay)"
case_ok trunk_foreign

name="a +44 number goes to the trunk by [routes], double Record-Route"
case_ok to_trunk

name="the trusted trunk calls bob without a challenge"
case_ok from_trunk

name="INVITE sip:bob@<the proxy's address> reaches bob too"
case_ok by_address

name="sipfpd's counters: challenges, refusals, CANCEL, nothing dropped"
case_ok counters

name="SIGHUP mid-call: the call goes on; a new user and route then work"
case_ok reload

name="SIGTERM and a new start keep bob's registration: the call reaches him"
case_ok restart

name="a call set up before a restart: its BYE is routed after it"
case_ok dialog_restart

name="bob moves to TCP: UDP binding removed (Expires: 0), TCP one added"
case_ok to_tcp

name="alice calls bob over TCP"
case_ok tcp_call

name="alice over UDP calls bob over TCP"
case_ok udp_to_tcp

name="SIGTERM stops sipfpd with exit 0"
case_ok proxy_stop

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	show_logs
fi
tap_exit
