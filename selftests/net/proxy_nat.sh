#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# A phone behind a masquerading NAT (RFC 3581): carol registers through
# it and the 200 names the NAT's address and port (received, rport);
# bob's call reaches carol through that binding although her Contact is
# an address sipfpd has no route to, and the ACK and BYE follow (her
# Contact rewritten to the NAT's); carol calls bob and the responses find
# their way back through the NAT; after a restart with keep-alives every
# second, carol gets OPTIONS through the NAT and her binding is still
# there.
#
#   phones            proxy                 nat                     natc
#   192.0.2.3 bob --- 192.0.2.1             203.0.113.2   masquerade
#   (SIPp)            203.0.113.1 --------- 203.0.113.129 --------- 203.0.113.130
#                     sipfpd -d -v          random ports            carol (SIPp)
#                     no route to 203.0.113.128/25                  default via .129

# shellcheck source=selftests/net/lib_proxy.sh
source "$(dirname "$0")/lib_proxy.sh"

carol_registers()
{
	phone creg "$natc" register.xml u1 "$PC" "$PX_N:5060" -p 5060 \
		-s carol -ap "${PW[carol]}" -auth_uri "$DOMAIN" \
		-key domain "$DOMAIN" -key expires 3600
}

# The NAT's port for carol, from the rport the registrar gave her.
nat_port()
{
	sipp_msg creg received '^SIP/2\.0 200 ' | hdr Via |
		sed -n 's/.*;rport=\([0-9]*\).*/\1/p'
}

registered()
{
	carol_registers &&
		sipp_msg creg received '^SIP/2\.0 200 ' | hdr Via |
		expect_lines "the Via of carol's 200" \
			"^SIP/2\.0/UDP $(q "$PC"):5060;branch=z9hG4bK-[^;]*;rport=[0-9]+;received=$(q "$NAT_OUT")$" &&
		[ -n "$(nat_port)" ] && echo "# the NAT maps carol's 5060 to $(nat_port)"
}

bob_registers()
{
	phone breg "$phones" register.xml u1 "$PB" "$PX:5060" -p 5060 \
		-s bob -ap "${PW[bob]}" -auth_uri "$DOMAIN" \
		-key domain "$DOMAIN" -key expires 3600
}

bob_calls_carol()
{
	call b "$phones" call_uac.xml u1 "$PB" "$PX:5060" -s carol -au bob \
		-ap "${PW[bob]}" -auth_uri "carol@$DOMAIN" -key domain "$DOMAIN" \
		-key me "bob@$DOMAIN" -key auth yes -- \
		c "$natc" uas_call.xml u1 "$PC" -s carol &&
		sipp_msg c received '^INVITE ' | head -n 1 |
		expect_lines "carol's INVITE" \
			"^INVITE sip:carol@$(q "$PC"):5060;transport=UDP SIP/2\.0$" &&
		sipp_msg b received '^SIP/2\.0 200 ' | hdr Contact |
		expect_lines "carol's Contact as bob got it" \
			"^<sip:carol@$(q "$NAT_OUT"):$(nat_port)>$"
}

carol_calls_bob()
{
	call c "$natc" call_uac.xml u1 "$PC" "$PX_N:5060" -s bob -au carol \
		-ap "${PW[carol]}" -auth_uri "bob@$DOMAIN" -key domain "$DOMAIN" \
		-key me "carol@$DOMAIN" -key auth yes -- \
		b "$phones" uas_call.xml u1 "$PB" -s bob &&
		sipp_msg b received '^INVITE ' | hdr Via | sed -n 2p |
		expect_lines "carol's Via as bob got it" \
			"^SIP/2\.0/UDP $(q "$PC"):5060;.*rport=$(nat_port);received=$(q "$NAT_OUT")$"
}

# carol's phone, now a listener on her port: the first request it gets
# within 5 s, answered 200 as a phone would, printed.
keepalive_listen()
{
	ip netns exec "$natc" python3 - "$PC" <<'EOF'
import socket, sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5060))
s.settimeout(5)
try:
    req, src = s.recvfrom(65535)
except socket.timeout:
    print("nothing within 5 s")
    sys.exit(1)
lines = req.decode(errors="replace").split("\r\n")
print(lines[0], "from %s:%d" % src)
keep = ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")
hdrs = [x for x in lines[1:] if x.split(":")[0].strip().lower() in keep]
s.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(hdrs) +
          "\r\nContent-Length: 0\r\n\r\n").encode(), src)
sys.exit(0 if lines[0].startswith("OPTIONS sip:carol@") else 1)
EOF
}

keepalive()
{
	local out

	proxy_stop || return 1
	proxy_start md5 1
	out=$(keepalive_listen)
	local rc=$?
	echo "# $out"
	[ "$rc" -eq 0 ] && [[ "$out" == *" from $PX_N:5060" ]]
}

proxy_setup nat
proxy_start md5 0

tap_plan 6

name="carol registers through the NAT; the 200 names the NAT (rport, received)"
case_ok registered

name="bob registers"
case_ok bob_registers

name="bob calls carol: reaches her through the NAT binding, ACK and BYE too"
case_ok bob_calls_carol

name="carol calls bob from behind the NAT: the answers come back through it"
case_ok carol_calls_bob

name="after a restart, keep-alive OPTIONS reach carol through the NAT"
case_ok keepalive

name="SIGTERM stops sipfpd with exit 0"
case_ok proxy_stop

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	show_logs
fi
tap_exit
