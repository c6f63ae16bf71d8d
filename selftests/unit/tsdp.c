// SPDX-License-Identifier: GPL-2.0
/*
 * The SDP programs' fixture (test_sdp.c, test_sdp_write.c): the session
 * under test and the sample offers both parse.  Linked into every unit
 * program (see tutil.h), hence the tsdp prefix on all it exports.
 */
#include <string.h>

#include "tsdp.h"

struct sdp_session tsdp;
struct sip_err tsdp_err;

int tsdp_parse_n(const char *body, size_t len)
{
	memset(&tsdp_err, 0, sizeof(tsdp_err));
	return sdp_parse(&tsdp, body, len, &tsdp_err);
}

int tsdp_parse(const char *body)
{
	return tsdp_parse_n(body, strlen(body));
}

const char tsdp_audio[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.101\r\n"
	"t=0 0\r\n"
	"m=audio 49172 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n";

const char tsdp_av[] =
	"v=0\r\n"
	"o=- 1 2 IN IP4 192.0.2.1\r\n"
	"s=call\r\n"
	"c=IN IP4 192.0.2.1\r\n"
	"t=0 0\r\n"
	"m=audio 10000 RTP/AVP 0\r\n"
	"a=sendrecv\r\n"
	"m=video 10002 RTP/AVPF 96 97\r\n"
	"c=IN IP4 192.0.2.2\r\n"
	"b=AS:512\r\n"
	"a=rtpmap:96 H264/90000\r\n"
	"a=recvonly\r\n";

const char tsdp_v6[] =
	"v=0\r\n"
	"o=bob 7 8 IN IP6 2001:db8::2\r\n"
	"s= \r\n"
	"c=IN IP6 2001:db8::2\r\n"
	"t=0 0\r\n"
	"m=audio 20000 RTP/AVP 9\r\n";

const char tsdp_srtp[] =
	"v=0\r\n"
	"o=- 5 5 IN IP4 192.0.2.5\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.5\r\n"
	"t=0 0\r\n"
	"m=audio 30000 RTP/SAVP 0\r\n"
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
	"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
	"inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32\r\n"
	"a=ice-ufrag:8hhY\r\n"
	"a=candidate:1 1 UDP 2130706431 192.0.2.5 30000 typ host\r\n";

const char tsdp_webrtc[] =
	"v=0\r\n"
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0 1\r\n"
	"a=ice-options:trickle\r\n"
	"a=msid-semantic: WMS\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=candidate:842163049 1 udp 1677729535 198.51.100.9 46154 typ srflx "
	"raddr 10.0.0.9 rport 46154 generation 0\r\n"
	"a=end-of-candidates\r\n"
	"a=ice-ufrag:EsAw\r\n"
	"a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
	"a=fingerprint:sha-256 "
	"D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:3E:FD\r\n"
	"a=setup:actpass\r\n"
	"a=mid:0\r\n"
	"a=sendrecv\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=mid:1\r\n"
	"a=sctp-port:5000\r\n";

const char tsdp_lf[] =
	"v=0\n"
	"o=- 10 20 IN IP4 192.0.2.1\n"
	"s=-\n"
	"c=IN IP4 192.0.2.1\n"
	"t=0 0\n"
	"m=audio 5004 RTP/AVP 8 \n"
	"a=ptime:20\n"
	"m=video 5006 RTP/AVP 31\n";
