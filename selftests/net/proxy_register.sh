#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2317 # the cases run through case_ok
#
# sipfpd's registrar (RFC 3261 §10.3) and digest authentication: a SIPp
# phone registers with MD5 (401, then 200 echoing its Contact and
# expires); the registrar query (a REGISTER without Contact) lists the
# bindings; a foreign domain gets 403; a wrong password or an unknown
# user is refused and binds nothing; 423 below min_expires; a short
# registration expires (polled through the query) and a call to it then
# gets 480, one to an unknown user 404; Expires: 0 and "Contact: *"
# remove bindings; several contacts with q values. Then, with
# SHA-512-256, SHA-256 and MD5 offered in that order (RFC 8760),
# sipreg.py registers with SHA-256 a user who has only a SHA-256 HA1 (MD5
# is refused for him) and with SHA-512-256 one with a plain password.
# SIPp 3.6 knows only MD5; sipreg.py does the rest.
#
#   phones                                proxy
#   192.0.2.2 alice (SIPp, sipreg.py)     192.0.2.1
#   192.0.2.3 bob (SIPp, sipreg.py) ----- sipfpd -d -v, udp+tcp :5060
#                                         domain sip.test, min_expires 2

# shellcheck source=selftests/net/lib_proxy.sh
source "$(dirname "$0")/lib_proxy.sh"

# sipp_reg USER EXPIRES [SCENARIO [PASSWORD]]: USER's SIPp phone at
# alice's address registers.
sipp_reg()
{
	phone reg "$phones" "${3:-register.xml}" u1 "$PA" "$PX:5060" \
		-p 5060 -s "$1" -ap "${4:-${PW[$1]}}" -auth_uri "$DOMAIN" \
		-key domain "$DOMAIN" -key expires "$2"
}

# query USER: the registrar's list of USER's bindings (§10.2.3), asked
# with QUERY_ALG.
query()
{
	reg "$phones" --local "$PA" --proxy "$PX" --user "$1" \
		--password "${PW[$1]}" --alg "$QUERY_ALG"
}

# bindings USER REGEX...: USER has exactly these bindings, in any order.
bindings()
{
	local user=$1

	shift
	query "$user" && contacts | sort | expect_lines "$user's bindings" "$@"
}

no_binding()
{
	query "$1" >/dev/null && [ -z "$(contacts)" ]
}

md5()
{
	sipp_reg alice 60 &&
		bindings alice "^<sip:alice@$(q "$PA"):5060;transport=UDP>;expires=(59|60)$"
}

wrong_password()
{
	sipp_reg bob 60 register_refused.xml not-bobs-password &&
		bindings bob
}

too_brief()
{
	reg "$phones" --local "$PA" --proxy "$PX" --user erin \
		--password "${PW[erin]}" --alg MD5 --contact "<sip:erin@$PA:5070>" \
		--expires 1 --expect 423 --show Min-Expires &&
		grep -qx 'Min-Expires: 2' "$TMP_DIR/reg.out" && bindings erin
}

# §10.2.1.2: a binding ends when its expires runs out; the call to it
# then finds nobody.
expiry()
{
	sipp_reg carol 2 &&
		bindings carol "^<sip:carol@$(q "$PA"):5060;transport=UDP>;expires=[12]$" &&
		wait_for 5000 no_binding carol && bindings carol &&
		calls carol 480
}

# calls USER WANT: alice's INVITE to USER refused with WANT.
calls()
{
	phone a "$phones" invite_refused.xml u1 "$PA" "$PX:5060" -s "$1" \
		-au alice -ap "${PW[alice]}" -auth_uri "$1@$DOMAIN" \
		-key domain "$DOMAIN" -key me "alice@$DOMAIN" -key auth yes \
		-key want "$2"
}

# erin_adds IP Q: one more contact for erin, at IP:5070 with q Q.
erin_adds()
{
	reg "$phones" --local "$PB" --proxy "$PX" --user erin \
		--password "${PW[erin]}" --alg MD5 \
		--contact "<sip:erin@$1:5070>;q=$2" --expires 60
}

several()
{
	erin_adds "$PA" 0.5 && erin_adds "$PB" 1.0 &&
		bindings erin "^<sip:erin@$(q "$PA"):5070>;expires=(59|60);q=0\.5$" \
			"^<sip:erin@$(q "$PB"):5070>;expires=(59|60);q=1$"
}

star()
{
	reg "$phones" --local "$PB" --proxy "$PX" --user erin \
		--password "${PW[erin]}" --alg MD5 --contact '*' --expires 0 &&
		[ -z "$(contacts)" ] && bindings erin
}

removed()
{
	reg "$phones" --local "$PA" --proxy "$PX" --user alice \
		--password "${PW[alice]}" --alg MD5 --expires 0 \
		--contact "<sip:alice@$PA:5060;transport=UDP>" &&
		[ -z "$(contacts)" ] && bindings alice
}

# sha ALG USER: USER registers with ALG after a challenge offering
# SHA-512-256, SHA-256 and MD5 in that order.
sha()
{
	reg "$phones" --local "$PB" --proxy "$PX" --user "$2" \
		--password "${PW[$2]}" --alg "$1" --contact "<sip:$2@$PB:5062>" \
		--expires 60 &&
		grep -qx 'challenge: SHA-512-256 SHA-256 MD5' "$TMP_DIR/reg.out" &&
		bindings "$2" "^<sip:$2@$(q "$PB"):5062>;expires=(59|60)$"
}

dave_md5()
{
	reg "$phones" --local "$PB" --proxy "$PX" --user dave \
		--password "${PW[dave]}" --alg MD5 --contact "<sip:dave@$PB:5064>" \
		--expires 60 --expect 401,403 &&
		bindings dave "^<sip:dave@$(q "$PB"):5062>;expires=(5[0-9]|60)$"
}

proxy_setup flat
proxy_start md5 0
QUERY_ALG=MD5

tap_plan 15

name="REGISTER with MD5: 401, then 200 echoing Contact and expires"
case_ok md5

name="REGISTER for a domain not served gets 403, not relayed"
case_ok reg "$phones" --local "$PA" --proxy "$PX" --user alice \
	--password "${PW[alice]}" --alg MD5 --domain example.net \
	--contact "<sip:alice@$PA:5060>" --expect 403

name="wrong password: refused again, and nothing bound"
case_ok wrong_password

name="unknown user: refused"
case_ok sipp_reg mallory 60 register_refused.xml mallory-password

name="expires below min_expires: 423 with Min-Expires, nothing bound"
case_ok too_brief

name="a 2 s registration is gone when it expires; a call to it gets 480"
case_ok expiry

name="a call to an unknown user gets 404"
case_ok calls mallory 404

name="two contacts with q values for one AOR, both listed"
case_ok several

name="Contact: * with Expires: 0 removes every binding of the AOR"
case_ok star

name="Expires: 0 removes the binding"
case_ok removed

name="SIGTERM stops sipfpd with exit 0"
case_ok proxy_stop

proxy_start "sha-512-256 sha-256 md5" 0
QUERY_ALG=SHA-256

name="SHA-256 for a user with only a SHA-256 HA1 (RFC 8760 order offered)"
case_ok sha SHA-256 dave

name="MD5 for that user is refused, his binding untouched"
case_ok dave_md5

name="SHA-512-256 for a user with a plain password (one with a space)"
case_ok sha SHA-512-256 erin

name="SIGTERM stops sipfpd with exit 0"
case_ok proxy_stop

if [ "$tap_failed" -ne 0 ] || [ -n "${SHOW_LOG:-}" ]; then
	show_logs
fi
tap_exit
