// SPDX-License-Identifier: GPL-2.0
/*
 * SDP parser and writer: typical offers field by field, malformed bodies
 * with the exact fault and offset, and rewrites against exact output.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include <CUnit/Basic.h>

#include "sip/sdp.h"

static struct sdp_session sdp;
static struct sip_err err;
static char out[8192];

static int parse(const char *body)
{
	memset(&err, 0, sizeof(err));
	return sdp_parse(&sdp, body, strlen(body), &err);
}

static int parse_n(const char *body, size_t len)
{
	memset(&err, 0, sizeof(err));
	return sdp_parse(&sdp, body, len, &err);
}

static bool str_is(struct sip_str s, const char *lit)
{
	if (sip_str_eq(s, sip_str_cstr(lit)))
		return true;
	fprintf(stderr, "\n  got \"%.*s\", want \"%s\"\n", SIP_STR_FMT(s),
		lit);
	return false;
}

#define ASSERT_STR(s, lit) CU_ASSERT_TRUE(str_is((s), (lit)))

/* The view must point into the body, not merely be equal to a part of it. */
static bool span_is(struct sip_str s, const char *body, const char *part)
{
	const char *at = strstr(body, part);

	return at && s.s == at && s.len == strlen(part);
}

#define ASSERT_SPAN(s, body, part) CU_ASSERT_TRUE(span_is((s), (body), (part)))

/* The fault is expected at the last occurrence of @at ("" is the end). */
static void expect_reject(const char *body, const char *what,
			  const char *at)
{
	const char *p = NULL, *q;

	for (q = strstr(body, at); q; q = *q ? strstr(q + 1, at) : NULL)
		p = q;

	CU_ASSERT_EQUAL(parse(body), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err.what);
	if (strcmp(err.what, what))
		fprintf(stderr, "\n  got \"%s\", want \"%s\"\n", err.what,
			what);
	CU_ASSERT_STRING_EQUAL(err.what, what);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(err.offset, (uint32_t)(p - body));
	CU_ASSERT_EQUAL(err.status, 400);
}

static ssize_t write_rw(const char *body, const struct sdp_rewrite *rw)
{
	CU_ASSERT_EQUAL_FATAL(parse(body), 0);
	memset(out, 0x5a, sizeof(out));
	return sdp_write(&sdp, rw, out, sizeof(out) - 1);
}

static void expect_write(const char *body, const struct sdp_rewrite *rw,
			 const char *want)
{
	ssize_t n = write_rw(body, rw);

	CU_ASSERT_EQUAL(n, (ssize_t)strlen(want));
	if (n >= 0)
		out[n] = '\0';
	if (n < 0 || strcmp(out, want))
		fprintf(stderr, "\n--- got:\n%s\n--- want:\n%s\n",
			n < 0 ? "(error)" : out, want);
	CU_ASSERT_STRING_EQUAL(out, want);
	/* whatever the writer produces must parse again */
	if (n >= 0)
		CU_ASSERT_EQUAL(parse(out), 0);
}

static const char audio[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\n"
	"s=-\r\n"
	"c=IN IP4 192.0.2.101\r\n"
	"t=0 0\r\n"
	"m=audio 49172 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n";

static void test_parse_audio(void)
{
	const struct sdp_media *m = &sdp.media[0];

	CU_ASSERT_EQUAL_FATAL(parse(audio), 0);
	ASSERT_SPAN(sdp.origin_user, audio, "alice");
	ASSERT_SPAN(sdp.sess_id, audio, "2890844526");
	CU_ASSERT_EQUAL(sdp.sess_version, 2890844526ULL);
	CU_ASSERT_EQUAL(sdp.origin_af, AF_INET);
	ASSERT_SPAN(sdp.origin_addr, audio, "host.atlanta.example.com");
	ASSERT_SPAN(sdp.origin_line, audio, "o=alice 2890844526 2890844526 "
		    "IN IP4 host.atlanta.example.com");
	CU_ASSERT_TRUE(sdp.conn.present);
	CU_ASSERT_FALSE(sdp.conn.null_addr);
	CU_ASSERT_EQUAL(sdp.conn.af, AF_INET);
	ASSERT_SPAN(sdp.conn.addr, audio, "192.0.2.101");
	ASSERT_SPAN(sdp.conn.line, audio, "c=IN IP4 192.0.2.101");
	CU_ASSERT_EQUAL(sdp.dir, SDP_DIR_UNSPEC);
	CU_ASSERT_FALSE(sdp.has_ice);
	CU_ASSERT_EQUAL_FATAL(sdp.nmedia, 1);
	ASSERT_SPAN(m->type, audio, "audio");
	CU_ASSERT_EQUAL(m->port, 49172);
	CU_ASSERT_EQUAL(m->nports, 1);
	CU_ASSERT_EQUAL(m->proto, SDP_PROTO_RTP_AVP);
	ASSERT_SPAN(m->proto_s, audio, "RTP/AVP");
	ASSERT_SPAN(m->fmts, audio, "0 8 101");
	CU_ASSERT_EQUAL(m->dir, SDP_DIR_UNSPEC);
	CU_ASSERT_FALSE(m->rtcp_mux);
	CU_ASSERT_FALSE(m->has_rtcp);
	CU_ASSERT_FALSE(m->has_ice);
	CU_ASSERT_EQUAL(m->ncrypto, 0);
	CU_ASSERT_EQUAL(m->rtcp_port, 0);
	CU_ASSERT_FALSE(m->rtcp_conn.present);
	CU_ASSERT_FALSE(m->conn.present);
	ASSERT_SPAN(m->line, audio, "m=audio 49172 RTP/AVP 0 8 101");
	ASSERT_SPAN(m->section, audio, strstr(audio, "m=audio"));
	CU_ASSERT_PTR_EQUAL(sdp.raw.s, audio);
	CU_ASSERT_EQUAL(sdp.raw.len, strlen(audio));
	CU_ASSERT_EQUAL(sdp_media_dir(&sdp, 0), SDP_DIR_SENDRECV);
	CU_ASSERT_PTR_EQUAL(sdp_media_conn(&sdp, 0), &sdp.conn);
}

static const char av[] =
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

static void test_parse_audio_video(void)
{
	const struct sdp_media *a = &sdp.media[0], *v = &sdp.media[1];

	CU_ASSERT_EQUAL_FATAL(parse(av), 0);
	CU_ASSERT_EQUAL_FATAL(sdp.nmedia, 2);
	CU_ASSERT_EQUAL(sdp.sess_version, 2);
	ASSERT_SPAN(sdp.origin_user, av, "-");
	ASSERT_SPAN(a->type, av, "audio");
	CU_ASSERT_EQUAL(a->port, 10000);
	CU_ASSERT_EQUAL(a->dir, SDP_DIR_SENDRECV);
	CU_ASSERT_PTR_EQUAL(a->fmts.s, strstr(av, "0\r\na=sendrecv"));
	ASSERT_STR(a->fmts, "0");
	ASSERT_SPAN(a->section, av,
		    "m=audio 10000 RTP/AVP 0\r\na=sendrecv\r\n");
	ASSERT_SPAN(v->type, av, "video");
	CU_ASSERT_EQUAL(v->port, 10002);
	CU_ASSERT_EQUAL(v->proto, SDP_PROTO_RTP_AVPF);
	ASSERT_SPAN(v->fmts, av, "96 97");
	CU_ASSERT_EQUAL(v->dir, SDP_DIR_RECVONLY);
	CU_ASSERT_TRUE(v->conn.present);
	ASSERT_SPAN(v->conn.addr, av, "192.0.2.2");
	ASSERT_SPAN(v->conn.line, av, "c=IN IP4 192.0.2.2");
	ASSERT_SPAN(v->section, av, strstr(av, "m=video"));
	CU_ASSERT_EQUAL(sdp_media_dir(&sdp, 1), SDP_DIR_RECVONLY);
	CU_ASSERT_PTR_EQUAL(sdp_media_conn(&sdp, 0), &sdp.conn);
	CU_ASSERT_PTR_EQUAL(sdp_media_conn(&sdp, 1), &v->conn);
}

static const char v6[] =
	"v=0\r\n"
	"o=bob 7 8 IN IP6 2001:db8::2\r\n"
	"s= \r\n"
	"c=IN IP6 2001:db8::2\r\n"
	"t=0 0\r\n"
	"m=audio 20000 RTP/AVP 9\r\n";

static void test_parse_ipv6(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(v6), 0);
	CU_ASSERT_EQUAL(sdp.origin_af, AF_INET6);
	CU_ASSERT_PTR_EQUAL(sdp.origin_addr.s, strstr(v6, "2001:db8::2\r\ns="));
	ASSERT_STR(sdp.origin_addr, "2001:db8::2");
	CU_ASSERT_EQUAL(sdp.conn.af, AF_INET6);
	CU_ASSERT_FALSE(sdp.conn.null_addr);
	ASSERT_STR(sdp.conn.addr, "2001:db8::2");
	ASSERT_SPAN(sdp.conn.line, v6, "c=IN IP6 2001:db8::2");
	CU_ASSERT_EQUAL(sdp.media[0].port, 20000);
}

static void test_parse_rtcp_mux(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=rtcp-mux\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_TRUE(sdp.media[0].rtcp_mux);
	CU_ASSERT_FALSE(sdp.media[0].has_rtcp);
}

static void test_parse_rtcp_port(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 49170 RTP/AVP 0\r\na=rtcp:53020\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_TRUE(sdp.media[0].has_rtcp);
	CU_ASSERT_EQUAL(sdp.media[0].rtcp_port, 53020);
	CU_ASSERT_FALSE(sdp.media[0].rtcp_conn.present);
	CU_ASSERT_FALSE(sdp.media[0].rtcp_mux);
}

/* RFC 3605 §2.1's example */
static void test_parse_rtcp_addr(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 49170 RTP/AVP 0\r\n"
		"a=rtcp:53020 IN IP4 126.16.64.4\r\n";
	const struct sdp_media *m = &sdp.media[0];

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_TRUE(m->has_rtcp);
	CU_ASSERT_EQUAL(m->rtcp_port, 53020);
	CU_ASSERT_TRUE(m->rtcp_conn.present);
	CU_ASSERT_FALSE(m->rtcp_conn.null_addr);
	CU_ASSERT_EQUAL(m->rtcp_conn.af, AF_INET);
	ASSERT_SPAN(m->rtcp_conn.addr, b, "126.16.64.4");
	ASSERT_SPAN(m->rtcp_conn.line, b, "a=rtcp:53020 IN IP4 126.16.64.4");
	CU_ASSERT_FALSE(m->conn.present);
}

static void test_parse_hold_sendonly(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\na=sendonly\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"m=audio 4002 RTP/AVP 0\r\na=inactive\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_EQUAL(sdp.dir, SDP_DIR_SENDONLY);
	CU_ASSERT_EQUAL(sdp.media[0].dir, SDP_DIR_UNSPEC);
	CU_ASSERT_EQUAL(sdp.media[1].dir, SDP_DIR_INACTIVE);
	CU_ASSERT_EQUAL(sdp_media_dir(&sdp, 0), SDP_DIR_SENDONLY);
	CU_ASSERT_EQUAL(sdp_media_dir(&sdp, 1), SDP_DIR_INACTIVE);
	CU_ASSERT_FALSE(sdp.conn.null_addr);
}

static void test_parse_hold_null_addr(void)
{
	static const char b[] =
		"v=0\r\no=- 1 2 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 0.0.0.0\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"m=audio 4002 RTP/AVP 0\r\nc=IN IP6 ::\r\n"
		"m=audio 4004 RTP/AVP 0\r\nc=IN IP6 ::1\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_TRUE(sdp.conn.null_addr);
	ASSERT_STR(sdp.conn.addr, "0.0.0.0");
	CU_ASSERT_TRUE(sdp_media_conn(&sdp, 0)->null_addr);
	CU_ASSERT_TRUE(sdp.media[1].conn.null_addr);
	CU_ASSERT_EQUAL(sdp.media[1].conn.af, AF_INET6);
	CU_ASSERT_FALSE(sdp.media[2].conn.null_addr);
	CU_ASSERT_EQUAL(sdp_media_dir(&sdp, 0), SDP_DIR_SENDRECV);
}

static void test_parse_rejected_stream(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"t=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\n"
		"m=video 0 RTP/AVP 31\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_EQUAL_FATAL(sdp.nmedia, 2);
	CU_ASSERT_EQUAL(sdp.media[1].port, 0);
	CU_ASSERT_FALSE(sdp.conn.present);
	CU_ASSERT_PTR_EQUAL(sdp_media_conn(&sdp, 0), &sdp.media[0].conn);
	CU_ASSERT_PTR_NULL(sdp_media_conn(&sdp, 1));
}

static const char srtp[] =
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

static void test_parse_srtp(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(srtp), 0);
	CU_ASSERT_EQUAL(sdp.media[0].proto, SDP_PROTO_RTP_SAVP);
	CU_ASSERT_EQUAL(sdp.media[0].ncrypto, 2);
	CU_ASSERT_TRUE(sdp.media[0].has_ice);
	CU_ASSERT_FALSE(sdp.has_ice);
}

static const char webrtc[] =
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

static void test_parse_webrtc(void)
{
	const struct sdp_media *a = &sdp.media[0], *d = &sdp.media[1];

	CU_ASSERT_EQUAL_FATAL(parse(webrtc), 0);
	CU_ASSERT_EQUAL(sdp.sess_version, 2);
	CU_ASSERT_TRUE(sdp.has_ice);
	CU_ASSERT_FALSE(sdp.conn.present);
	CU_ASSERT_EQUAL_FATAL(sdp.nmedia, 2);
	CU_ASSERT_EQUAL(a->proto, SDP_PROTO_UDP_TLS_RTP_SAVPF);
	CU_ASSERT_EQUAL(a->port, 9);
	CU_ASSERT_TRUE(a->has_ice);
	CU_ASSERT_TRUE(a->rtcp_mux);
	CU_ASSERT_TRUE(a->has_rtcp);
	CU_ASSERT_EQUAL(a->rtcp_port, 9);
	CU_ASSERT_TRUE(a->rtcp_conn.null_addr);
	CU_ASSERT_TRUE(a->conn.null_addr);
	CU_ASSERT_EQUAL(a->dir, SDP_DIR_SENDRECV);
	ASSERT_SPAN(a->fmts, webrtc, "111 0");
	CU_ASSERT_EQUAL(d->proto, SDP_PROTO_OTHER);
	ASSERT_SPAN(d->proto_s, webrtc, "UDP/DTLS/SCTP");
	ASSERT_SPAN(d->fmts, webrtc, "webrtc-datachannel");
	CU_ASSERT_FALSE(d->has_ice);
	CU_ASSERT_FALSE(d->rtcp_mux);
}

static void test_parse_session_vs_media_conn(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"m=audio 4002 RTP/AVP 0\r\n"
		"c=IN IP4 192.0.2.2\r\nc=IN IP4 192.0.2.3\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_FALSE(sdp.media[0].conn.present);
	CU_ASSERT_PTR_EQUAL(sdp_media_conn(&sdp, 0), &sdp.conn);
	ASSERT_STR(sdp_media_conn(&sdp, 1)->addr, "192.0.2.2");
	ASSERT_SPAN(sdp.media[1].conn.line, b, "c=IN IP4 192.0.2.2");
	CU_ASSERT_PTR_NULL(sdp_media_conn(&sdp, 2));
	CU_ASSERT_EQUAL(sdp_media_dir(&sdp, 2), SDP_DIR_UNSPEC);
}

static const char lf[] =
	"v=0\n"
	"o=- 10 20 IN IP4 192.0.2.1\n"
	"s=-\n"
	"c=IN IP4 192.0.2.1\n"
	"t=0 0\n"
	"m=audio 5004 RTP/AVP 8 \n"
	"a=ptime:20\n"
	"m=video 5006 RTP/AVP 31\n";

static void test_parse_lf_only(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(lf), 0);
	CU_ASSERT_EQUAL(sdp.sess_version, 20);
	ASSERT_SPAN(sdp.origin_line, lf, "o=- 10 20 IN IP4 192.0.2.1");
	ASSERT_SPAN(sdp.conn.line, lf, "c=IN IP4 192.0.2.1");
	CU_ASSERT_EQUAL_FATAL(sdp.nmedia, 2);
	ASSERT_SPAN(sdp.media[0].line, lf, "m=audio 5004 RTP/AVP 8 ");
	ASSERT_STR(sdp.media[0].fmts, "8");
	ASSERT_SPAN(sdp.media[0].section, lf,
		    "m=audio 5004 RTP/AVP 8 \na=ptime:20\n");
	ASSERT_SPAN(sdp.media[1].section, lf, "m=video 5006 RTP/AVP 31\n");
}

static void test_parse_no_final_eol(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=rtcp:4009";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_EQUAL(sdp.media[0].rtcp_port, 4009);
	ASSERT_SPAN(sdp.media[0].section, b, "m=audio 4000 RTP/AVP 0\r\n"
		    "a=rtcp:4009");
}

static void test_parse_trailing_blank_line(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_EQUAL(sdp.media[0].section.len,
			strlen("m=audio 4000 RTP/AVP 0\r\n\r\n"));
}

static void test_parse_multicast_and_host(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 224.2.36.42/127\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\nc=IN IP4 224.2.1.1/127/3\r\n"
		"m=audio 4002 RTP/AVP 0\r\nc=IN IP6 FF15::101/3\r\n"
		"m=audio 4004 RTP/AVP 0\r\nc=in ip4 media.example.com\r\n"
		"m=audio 4006 RTP/AVP 0\r\nc=IN IP6 host6.example\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	ASSERT_STR(sdp.conn.addr, "224.2.36.42");
	ASSERT_SPAN(sdp.conn.line, b, "c=IN IP4 224.2.36.42/127");
	ASSERT_STR(sdp.media[0].conn.addr, "224.2.1.1");
	ASSERT_STR(sdp.media[1].conn.addr, "FF15::101");
	CU_ASSERT_EQUAL(sdp.media[1].conn.af, AF_INET6);
	ASSERT_STR(sdp.media[2].conn.addr, "media.example.com");
	CU_ASSERT_EQUAL(sdp.media[2].conn.af, AF_INET);
	CU_ASSERT_FALSE(sdp.media[2].conn.null_addr);
	CU_ASSERT_EQUAL(sdp.media[3].conn.af, AF_INET6);
}

static void test_parse_port_count_and_protos(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=video 49170/2 RTP/AVP 31\r\n"
		"m=audio 65535 RTP/SAVPF 0\r\n"
		"m=image 4000 udptl t38\r\n"
		"m=audio 4002 udp 0\r\n"
		"m=audio 4004 rtp/avp 0\r\n"
		"m=message 4006 TCP/MSRP *\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_EQUAL_FATAL(sdp.nmedia, 6);
	CU_ASSERT_EQUAL(sdp.media[0].port, 49170);
	CU_ASSERT_EQUAL(sdp.media[0].nports, 2);
	CU_ASSERT_EQUAL(sdp.media[1].port, 65535);
	CU_ASSERT_EQUAL(sdp.media[1].proto, SDP_PROTO_RTP_SAVPF);
	CU_ASSERT_EQUAL(sdp.media[2].proto, SDP_PROTO_OTHER);
	ASSERT_STR(sdp.media[2].fmts, "t38");
	CU_ASSERT_EQUAL(sdp.media[3].proto, SDP_PROTO_UDP);
	/* RFC 8866 §5.14: proto is case-sensitive */
	CU_ASSERT_EQUAL(sdp.media[4].proto, SDP_PROTO_OTHER);
	ASSERT_STR(sdp.media[5].fmts, "*");
}

static void test_parse_unknown_lines(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"i=info\r\nu=http://example.com/\r\n"
		"e=a@example.com\r\nc=IN IP4 192.0.2.1\r\n"
		"b=CT:128\r\nt=0 0\r\nr=7d 1h 0 25h\r\nx=whatever\r\n"
		"a=tool:x\r\na=\r\nm=audio 4000 RTP/AVP 0\r\n"
		"i=m\r\nk=prompt\r\na=foo:bar:baz\r\nZ=9\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_EQUAL(sdp.nmedia, 1);
	CU_ASSERT_EQUAL(sdp.dir, SDP_DIR_UNSPEC);
	ASSERT_SPAN(sdp.media[0].section, b, strstr(b, "m=audio"));
}

static void test_parse_version_max(void)
{
	static const char b[] =
		"v=0\r\n"
		"o=- 1 18446744073709551615 IN IP4 h.example\r\n"
		"s=-\r\nt=0 0\r\n";

	CU_ASSERT_EQUAL_FATAL(parse(b), 0);
	CU_ASSERT_EQUAL(sdp.sess_version, UINT64_MAX);
	CU_ASSERT_EQUAL(sdp.nmedia, 0);
	CU_ASSERT_PTR_NULL(sdp_media_conn(&sdp, 0));
}

static const char hdr[] = "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
			  "t=0 0\r\n";

/* hdr followed by @tail, into a static buffer */
static const char *with(const char *tail)
{
	static char b[4096];

	snprintf(b, sizeof(b), "%s%s", hdr, tail);
	return b;
}

static void test_reject_missing_v(void)
{
	expect_reject("o=- 1 1 IN IP4 h.example\r\ns=-\r\n", "missing v= line",
		      "o=");
	expect_reject("", "missing v= line", "");
}

static void test_reject_v1(void)
{
	expect_reject("v=1\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n",
		      "bad v= version", "1\r\n");
	CU_ASSERT_TRUE(str_is(err.hdr, "v=1"));
}

static void test_reject_bad_o_version(void)
{
	expect_reject("v=0\r\no=- 1 1x IN IP4 h.example\r\ns=-\r\n",
		      "bad o= version", "1x");
	ASSERT_STR(err.hdr, "o=- 1 1x IN IP4 h.example");
	expect_reject("v=0\r\no=- 1 18446744073709551616 IN IP4 h\r\ns=-\r\n",
		      "bad o= version", "1844");
	expect_reject("v=0\r\no=- 1 -1 IN IP4 h\r\ns=-\r\n",
		      "bad o= version", "-1 ");
}

static void test_reject_bad_o_line(void)
{
	expect_reject("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", "bad o= line", "o=");
	expect_reject("v=0\r\no=- 1 1 IN IP4 h x\r\ns=-\r\n", "bad o= line",
		      "o=");
	expect_reject("v=0\r\no=- 1 1 IN IP4 h\r\no=- 1 1 IN IP4 h\r\ns=-\r\n",
		      "duplicate o= line", "o=- 1 1 IN IP4 h\r\ns");
}

static void test_reject_bad_m_port(void)
{
	expect_reject(with("c=IN IP4 192.0.2.1\r\nm=audio 70000 RTP/AVP 0\r\n"),
		      "bad m= port", "70000");
	expect_reject(with("c=IN IP4 192.0.2.1\r\nm=audio 65536 RTP/AVP 0\r\n"),
		      "bad m= port", "65536");
	expect_reject(with("c=IN IP4 192.0.2.1\r\nm=audio x RTP/AVP 0\r\n"),
		      "bad m= port", "x RTP");
	expect_reject(with("c=IN IP4 192.0.2.1\r\nm=audio 5/0 RTP/AVP 0\r\n"),
		      "bad m= port count", "0 RTP");
}

static void test_reject_bad_m_line(void)
{
	expect_reject(with("c=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/AVP\r\n"),
		      "bad m= line", "m=");
	expect_reject(with("c=IN IP4 192.0.2.1\r\nm=audio 5000 RTP/AVP  \r\n"),
		      "bad m= line", "m=");
	expect_reject(with("c=IN IP4 192.0.2.1\r\nm=\r\n"), "bad m= line",
		      "m=");
}

static void test_reject_m_without_c(void)
{
	expect_reject(with("m=audio 0 RTP/AVP 0\r\nm=audio 5000 RTP/AVP 0\r\n"),
		      "missing c= line", "m=audio 5000");
	ASSERT_STR(err.hdr, "m=audio 5000 RTP/AVP 0");
}

static void test_reject_too_many_m(void)
{
	char b[2048];
	size_t n = snprintf(b, sizeof(b), "%sc=IN IP4 192.0.2.1\r\n", hdr);
	int i;

	for (i = 0; i < SDP_MAX_MEDIA; i++)
		n += snprintf(b + n, sizeof(b) - n, "m=audio %d RTP/AVP 0\r\n",
			      4000 + 2 * i);
	CU_ASSERT_EQUAL(parse(b), 0);
	CU_ASSERT_EQUAL(sdp.nmedia, SDP_MAX_MEDIA);
	snprintf(b + n, sizeof(b) - n, "m=audio 9 RTP/AVP 0\r\n");
	expect_reject(b, "too many m= lines", "m=audio 9 ");
}

static void test_reject_garbage_line(void)
{
	expect_reject(with("garbage\r\n"), "line is not <type>=<value>",
		      "garbage");
	expect_reject(with("a\r\n"), "line is not <type>=<value>", "a\r\n");
	expect_reject(with("1=x\r\n"), "line is not <type>=<value>", "1=x");
	expect_reject(with("ab=x\r\n"), "line is not <type>=<value>", "ab=");
}

static void test_reject_missing_o_s(void)
{
	expect_reject("v=0\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nm=audio 1 udp 0\r\n",
		      "missing o= line", "m=");
	expect_reject("v=0\r\no=- 1 1 IN IP4 h\r\n", "missing s= line", "");
	expect_reject(with("m=audio 0 RTP/AVP 0\r\ns=again\r\n"),
		      "s= line in media section", "s=again");
}

static void test_reject_empty_line(void)
{
	expect_reject(with("\r\nc=IN IP4 192.0.2.1\r\n"), "empty line",
		      "\r\nc=");
}

static void test_reject_bad_c(void)
{
	expect_reject(with("c=IN IP4 300.1.1.1\r\n"), "bad c= address",
		      "300");
	expect_reject(with("c=IN IP4 ::1\r\n"), "bad c= address", "::1");
	expect_reject(with("c=IN IP6 192.0.2.1\r\n"), "bad c= address",
		      "192");
	expect_reject(with("c=IN IP4 ab\r\n"), "bad c= address", "ab");
	expect_reject(with("c=IN IP4 a_b.example\r\n"), "bad c= address",
		      "a_b");
	expect_reject(with("c=IN IP6 ::1/2/3\r\n"), "bad c= address", "2/3");
	expect_reject(with("c=IN IP4 224.2.1.1/256\r\n"), "bad c= address",
		      "256");
	expect_reject(with("c=IN IP4\r\n"), "bad c= line", "IN IP4\r");
	expect_reject(with("c=IN IP4 1.2.3.4 x\r\n"), "bad c= line",
		      "IN IP4 1.2.3.4 x");
}

static void test_reject_c_type(void)
{
	expect_reject(with("c=IN ATM 1234\r\n"),
		      "unsupported c= address type", "IN ATM");
	expect_reject(with("c=XX IP4 192.0.2.1\r\n"),
		      "unsupported c= address type", "XX");
	expect_reject(with("c=IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\n"),
		      "duplicate c= line", "c=IN IP4 192.0.2.1");
}

static void test_reject_bad_rtcp(void)
{
	const char *pre = "c=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n";
	char tail[256];

	snprintf(tail, sizeof(tail), "%sa=rtcp:abc\r\n", pre);
	expect_reject(with(tail), "bad a=rtcp port", "abc");
	snprintf(tail, sizeof(tail), "%sa=rtcp:70000\r\n", pre);
	expect_reject(with(tail), "bad a=rtcp port", "70000");
	snprintf(tail, sizeof(tail), "%sa=rtcp\r\n", pre);
	expect_reject(with(tail), "bad a=rtcp port", "\r\n");
	snprintf(tail, sizeof(tail), "%sa=rtcp:5 IN IP4 1.2.3.999\r\n", pre);
	expect_reject(with(tail), "bad a=rtcp address", "1.2.3.999");
	snprintf(tail, sizeof(tail), "%sa=rtcp:5 IN\r\n", pre);
	expect_reject(with(tail), "bad a=rtcp line", "IN\r");
	snprintf(tail, sizeof(tail), "%sa=rtcp:5\r\na=rtcp:7\r\n", pre);
	expect_reject(with(tail), "duplicate a=rtcp line", "a=rtcp:7");
}

static void test_reject_bad_chars(void)
{
	static const char nul[] = "v=0\r\no=- 1 1 IN IP4 h\r\ns=a\0b\r\n";
	static const char cr[] = "v=0\r\no=- 1 1 IN IP4 h\r\ns=a\rb\r\n";

	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(sdp_parse(&sdp, nul, sizeof(nul) - 1, &err), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err.what, "bad character in line");
	CU_ASSERT_EQUAL(err.offset, strlen("v=0\r\no=- 1 1 IN IP4 h\r\n"));
	expect_reject(cr, "bad character in line", "s=a");
}

static void test_reject_misplaced(void)
{
	expect_reject(with("v=0\r\n"), "duplicate v= line", "v=0\r\n");
	expect_reject(with("c=IN IP4 192.0.2.1\r\nm=audio 1 udp 0\r\n"
			   "o=- 1 1 IN IP4 h\r\n"),
		      "o= line in media section", "o=- 1 1 IN IP4 h\r\n");
}

/* err keeps the first fault: a caller's earlier error is not overwritten */
static void test_reject_keeps_first_error(void)
{
	memset(&err, 0, sizeof(err));
	err.what = "earlier";
	err.offset = 7;
	CU_ASSERT_EQUAL(sdp_parse(&sdp, "x", 1, &err), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err.what, "earlier");
	CU_ASSERT_EQUAL(err.offset, 7);
	CU_ASSERT_EQUAL(sdp_parse(&sdp, "x", 1, NULL), -EBADMSG);
}

/* --- writer --- */

static const char *const round_trip_bodies[] = {
	audio, av, v6, srtp, webrtc, lf,
	"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
	"m=audio 4000 RTP/AVP 0\r\na=rtcp:4009",
	"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
	"m=audio 4000 RTP/AVP 0\r\n\r\n\r\n",
	"v=0\no=- 1 1 IN IP4 h.example\r\ns=-\nc=IN IP4 1.2.3.4/9\n",
};

static void test_write_round_trip(void)
{
	static const struct sdp_rewrite zero;
	size_t i;

	for (i = 0; i < sizeof(round_trip_bodies) / sizeof(char *); i++) {
		const char *b = round_trip_bodies[i];

		expect_write(b, &zero, b);
		expect_write(b, NULL, b);
	}
}

static void test_write_addr_port(void)
{
	struct sdp_rewrite rw = {
		.addr = "198.51.100.7", .af = AF_INET,
		.media[0] = { .set = true, .addr = "198.51.100.7",
			      .af = AF_INET, .port = 40000,
			      .rtcp_port = 40001 },
	};

	expect_write(audio, &rw,
		     "v=0\r\n"
		     "o=alice 2890844526 2890844526 IN IP4 "
		     "host.atlanta.example.com\r\n"
		     "s=-\r\n"
		     "c=IN IP4 198.51.100.7\r\n"
		     "t=0 0\r\n"
		     "m=audio 40000 RTP/AVP 0 8 101\r\n"
		     "a=rtpmap:0 PCMU/8000\r\n"
		     "a=rtpmap:101 telephone-event/8000\r\n"
		     "a=fmtp:101 0-15\r\n");
}

static const char rtcp_body[] =
	"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0\r\na=rtcp:53020\r\n"
	"m=audio 49172 RTP/AVP 0\r\na=rtcp:53022 IN IP4 126.16.64.4\r\n"
	"a=ptime:20\r\n";

static void test_write_rtcp_rewrite(void)
{
	struct sdp_rewrite rw = {
		.media[0] = { .set = true, .addr = "192.0.2.1", .port = 40000,
			      .rtcp_port = 40001 },
		.media[1] = { .set = true, .addr = "2001:db8::7",
			      .af = AF_INET6, .port = 40002,
			      .rtcp_port = 40009 },
	};

	expect_write(rtcp_body, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 40000 RTP/AVP 0\r\na=rtcp:40001\r\n"
		     "m=audio 40002 RTP/AVP 0\r\nc=IN IP6 2001:db8::7\r\n"
		     "a=rtcp:40009 IN IP6 2001:db8::7\r\na=ptime:20\r\n");
}

/* addr NULL: the stream keeps its address, a=rtcp keeps its own too */
static void test_write_rtcp_keep_addr(void)
{
	struct sdp_rewrite rw = {
		.media[1] = { .set = true, .port = 6000, .rtcp_port = 6001 },
	};

	expect_write(rtcp_body, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 49170 RTP/AVP 0\r\na=rtcp:53020\r\n"
		     "m=audio 6000 RTP/AVP 0\r\n"
		     "a=rtcp:6001 IN IP4 126.16.64.4\r\na=ptime:20\r\n");
}

static void test_write_rtcp_port_zero_leaves(void)
{
	struct sdp_rewrite rw = {
		.media[0] = { .set = true, .addr = "192.0.2.1", .port = 7000 },
	};

	expect_write(rtcp_body, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 7000 RTP/AVP 0\r\na=rtcp:53020\r\n"
		     "m=audio 49172 RTP/AVP 0\r\n"
		     "a=rtcp:53022 IN IP4 126.16.64.4\r\na=ptime:20\r\n");
}

static const char plain2[] =
	"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
	"t=0 0\r\n"
	"m=audio 4000 RTP/AVP 0\r\ni=voice\r\nb=AS:64\r\na=ptime:20\r\n"
	"m=audio 4002 RTP/AVP 0\r\n";

static void test_write_add_rtcp(void)
{
	struct sdp_rewrite rw = {
		.media[0] = { .set = true, .addr = "192.0.2.1", .port = 5000,
			      .rtcp_port = 5003 },
		.media[1] = { .set = true, .addr = "192.0.2.1", .port = 5010,
			      .rtcp_port = 5021 },
	};

	expect_write(plain2, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 5000 RTP/AVP 0\r\ni=voice\r\nb=AS:64\r\n"
		     "a=rtcp:5003\r\na=ptime:20\r\n"
		     "m=audio 5010 RTP/AVP 0\r\na=rtcp:5021\r\n");
	CU_ASSERT_EQUAL(sdp.media[0].rtcp_port, 5003);
	CU_ASSERT_EQUAL(sdp.media[1].rtcp_port, 5021);
}

static void test_write_no_rtcp_when_next_port(void)
{
	struct sdp_rewrite rw = {
		.media[0] = { .set = true, .addr = "192.0.2.1", .port = 5000,
			      .rtcp_port = 5001 },
		.media[1] = { .set = true, .addr = "192.0.2.1",
			      .port = 65535, .rtcp_port = 0 },
	};

	expect_write(plain2, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 5000 RTP/AVP 0\r\ni=voice\r\nb=AS:64\r\n"
		     "a=ptime:20\r\n"
		     "m=audio 65535 RTP/AVP 0\r\n");
}

/* RFC 5761 §5.1.3: with rtcp-mux offered, a=rtcp names the RTP port */
static void test_write_add_rtcp_mux(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=rtcp-mux\r\n";
	struct sdp_rewrite rw = {
		.media[0] = { .set = true, .addr = "192.0.2.1", .port = 5000,
			      .rtcp_port = 5000 },
	};

	expect_write(b, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 5000 RTP/AVP 0\r\na=rtcp:5000\r\na=rtcp-mux\r\n");
}

static void test_write_bump_version(void)
{
	struct sdp_rewrite rw = { .set_version = true, .version = 2890844527 };

	expect_write(audio, &rw,
		     "v=0\r\n"
		     "o=alice 2890844526 2890844527 IN IP4 "
		     "host.atlanta.example.com\r\n"
		     "s=-\r\n"
		     "c=IN IP4 192.0.2.101\r\n"
		     "t=0 0\r\n"
		     "m=audio 49172 RTP/AVP 0 8 101\r\n"
		     "a=rtpmap:0 PCMU/8000\r\n"
		     "a=rtpmap:101 telephone-event/8000\r\n"
		     "a=fmtp:101 0-15\r\n");
	CU_ASSERT_EQUAL(sdp.sess_version, 2890844527ULL);
	rw.version = UINT64_MAX;
	expect_write("v=0\no=- 1  7  IN IP4 h\ns=-\n", &rw,
		     "v=0\no=- 1  18446744073709551615  IN IP4 h\ns=-\n");
	CU_ASSERT_EQUAL(sdp.sess_version, UINT64_MAX);
}

static void test_write_strip_ice(void)
{
	struct sdp_rewrite rw = { .strip_ice = true };

	expect_write(srtp, &rw,
		     "v=0\r\n"
		     "o=- 5 5 IN IP4 192.0.2.5\r\n"
		     "s=-\r\n"
		     "c=IN IP4 192.0.2.5\r\n"
		     "t=0 0\r\n"
		     "m=audio 30000 RTP/SAVP 0\r\n"
		     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		     "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
		     "|2^20|1:32\r\n"
		     "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
		     "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj"
		     "|2^20|1:32\r\n");
	CU_ASSERT_EQUAL(sdp.media[0].ncrypto, 2);
	CU_ASSERT_FALSE(sdp.media[0].has_ice);
}

static void test_write_webrtc_strip_ice(void)
{
	struct sdp_rewrite rw = {
		.addr = "203.0.113.1", .strip_ice = true,
		.media[0] = { .set = true, .addr = "203.0.113.1",
			      .af = AF_INET, .port = 30000,
			      .rtcp_port = 30000 },
	};

	expect_write(webrtc, &rw,
		     "v=0\r\n"
		     "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
		     "s=-\r\n"
		     "t=0 0\r\n"
		     "a=group:BUNDLE 0 1\r\n"
		     "a=msid-semantic: WMS\r\n"
		     "m=audio 30000 UDP/TLS/RTP/SAVPF 111 0\r\n"
		     "c=IN IP4 203.0.113.1\r\n"
		     "a=rtcp:30000 IN IP4 203.0.113.1\r\n"
		     "a=fingerprint:sha-256 "
		     "D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:"
		     "13:B4:84:24:2C:C2:A2:C0:3E:FD\r\n"
		     "a=setup:actpass\r\n"
		     "a=mid:0\r\n"
		     "a=sendrecv\r\n"
		     "a=rtcp-mux\r\n"
		     "a=rtpmap:111 opus/48000/2\r\n"
		     "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
		     "c=IN IP4 0.0.0.0\r\n"
		     "a=mid:1\r\n"
		     "a=sctp-port:5000\r\n");
	CU_ASSERT_FALSE(sdp.has_ice);
}

static void test_write_ipv4_to_ipv6(void)
{
	struct sdp_rewrite rw = {
		.addr = "2001:db8::7", .af = AF_INET6,
		.media[0] = { .set = true, .addr = "2001:db8::7",
			      .af = AF_INET6, .port = 40000,
			      .rtcp_port = 40001 },
		.media[1] = { .set = true, .addr = "2001:db8::8",
			      .port = 40002, .rtcp_port = 40003 },
	};

	expect_write(av, &rw,
		     "v=0\r\n"
		     "o=- 1 2 IN IP4 192.0.2.1\r\n"
		     "s=call\r\n"
		     "c=IN IP6 2001:db8::7\r\n"
		     "t=0 0\r\n"
		     "m=audio 40000 RTP/AVP 0\r\n"
		     "a=sendrecv\r\n"
		     "m=video 40002 RTP/AVPF 96 97\r\n"
		     "c=IN IP6 2001:db8::8\r\n"
		     "b=AS:512\r\n"
		     "a=rtpmap:96 H264/90000\r\n"
		     "a=recvonly\r\n");
	CU_ASSERT_EQUAL(sdp.conn.af, AF_INET6);
	CU_ASSERT_EQUAL(sdp.media[1].conn.af, AF_INET6);
}

static void test_write_insert_media_c(void)
{
	struct sdp_rewrite rw = {
		.media[0] = { .set = true, .addr = "198.51.100.7",
			      .af = AF_INET, .port = 5000 },
		.media[1] = { .set = true, .addr = "198.51.100.8",
			      .af = AF_INET, .port = 5002 },
	};

	/* c= goes after i= and before b= (RFC 8866 §5), or ends the section */
	expect_write(plain2, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 5000 RTP/AVP 0\r\ni=voice\r\n"
		     "c=IN IP4 198.51.100.7\r\nb=AS:64\r\na=ptime:20\r\n"
		     "m=audio 5002 RTP/AVP 0\r\nc=IN IP4 198.51.100.8\r\n");
}

/* Same address as the rewritten session c=: nothing to add. */
static void test_write_no_insert_same_session(void)
{
	struct sdp_rewrite rw = {
		.addr = "2001:db8::1",
		.media[1] = { .set = true, .addr = "2001:db8::1",
			      .af = AF_INET6, .port = 5002 },
	};

	expect_write(plain2, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP6 2001:db8::1\r\nt=0 0\r\n"
		     "m=audio 4000 RTP/AVP 0\r\ni=voice\r\nb=AS:64\r\n"
		     "a=ptime:20\r\nm=audio 5002 RTP/AVP 0\r\n");
}

/* A rejected stream that gets a port needs a c= even without a session one */
static void test_write_insert_c_no_session(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"t=0 0\r\nm=audio 0 RTP/AVP 0\r\nk=prompt\r\n";
	struct sdp_rewrite rw = {
		.addr = "192.0.2.9",
		.media[0] = { .set = true, .addr = "192.0.2.9", .port = 5000,
			      .rtcp_port = 5002 },
	};

	expect_write(b, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\nt=0 0\r\n"
		     "m=audio 5000 RTP/AVP 0\r\nc=IN IP4 192.0.2.9\r\n"
		     "k=prompt\r\na=rtcp:5002\r\n");
}

static void test_write_reject_stream(void)
{
	struct sdp_rewrite rw = {
		.media[1] = { .set = true, .addr = "198.51.100.7", .port = 0,
			      .rtcp_port = 9 },
	};

	expect_write(rtcp_body, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 49170 RTP/AVP 0\r\na=rtcp:53020\r\n"
		     "m=audio 0 RTP/AVP 0\r\n"
		     "a=rtcp:53022 IN IP4 126.16.64.4\r\na=ptime:20\r\n");
	CU_ASSERT_EQUAL(sdp.media[1].port, 0);
}

static void test_write_lf_style(void)
{
	struct sdp_rewrite rw = {
		.addr = "192.0.2.77",
		.media[0] = { .set = true, .addr = "192.0.2.78", .port = 1000,
			      .rtcp_port = 1005 },
		.media[1] = { .set = true, .addr = "192.0.2.77", .port = 1002,
			      .rtcp_port = 1003 },
	};

	expect_write(lf, &rw,
		     "v=0\n"
		     "o=- 10 20 IN IP4 192.0.2.1\n"
		     "s=-\n"
		     "c=IN IP4 192.0.2.77\n"
		     "t=0 0\n"
		     "m=audio 1000 RTP/AVP 8 \n"
		     "c=IN IP4 192.0.2.78\n"
		     "a=rtcp:1005\n"
		     "a=ptime:20\n"
		     "m=video 1002 RTP/AVP 31\n");
}

static void test_write_no_final_eol(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0";
	struct sdp_rewrite rw = {
		.media[0] = { .set = true, .addr = "192.0.2.2", .port = 6000,
			      .rtcp_port = 6005 },
	};

	expect_write(b, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 6000 RTP/AVP 0\r\nc=IN IP4 192.0.2.2\r\n"
		     "a=rtcp:6005\r\n");
	rw.media[0].addr = "192.0.2.1";
	rw.media[0].rtcp_port = 0;
	expect_write(b, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		     "m=audio 6000 RTP/AVP 0");
}

/* Insertions go before trailing blank lines, not after them. */
static void test_write_trailing_blank(void)
{
	static const char b[] =
		"v=0\no=- 1 1 IN IP4 h.example\ns=-\n"
		"c=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0\n\n";
	struct sdp_rewrite rw = {
		.media[0] = { .set = true, .addr = "192.0.2.2", .port = 6000 },
	};

	expect_write(b, &rw,
		     "v=0\no=- 1 1 IN IP4 h.example\ns=-\nc=IN IP4 192.0.2.1\n"
		     "m=audio 6000 RTP/AVP 0\nc=IN IP4 192.0.2.2\n\n");
}

static void test_write_multi_media_c(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"t=0 0\r\nm=video 4000/2 RTP/AVP 31\r\n"
		"c=IN IP4 224.2.1.1/127/2\r\n"
		"c=IN IP4 224.2.1.3/127/2\r\na=x\r\n";
	struct sdp_rewrite rw = {
		.media[0] = { .set = true, .addr = "192.0.2.2", .port = 6000 },
	};

	expect_write(b, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\nt=0 0\r\n"
		     "m=video 6000/2 RTP/AVP 31\r\nc=IN IP4 192.0.2.2\r\n"
		     "a=x\r\n");
	CU_ASSERT_EQUAL(sdp.media[0].nports, 2);
}

static void test_write_session_ttl_dropped(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 224.2.36.42/127\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n";
	struct sdp_rewrite rw = { .addr = "192.0.2.3", .af = AF_INET };

	expect_write(b, &rw,
		     "v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		     "c=IN IP4 192.0.2.3\r\nt=0 0\r\n"
		     "m=audio 4000 RTP/AVP 0\r\n");
}

static void test_write_untouched_media(void)
{
	struct sdp_rewrite rw = {
		.media[0] = { .set = true, .addr = "192.0.2.1", .port = 7000,
			      .rtcp_port = 7001 },
	};

	expect_write(av, &rw,
		     "v=0\r\n"
		     "o=- 1 2 IN IP4 192.0.2.1\r\n"
		     "s=call\r\n"
		     "c=IN IP4 192.0.2.1\r\n"
		     "t=0 0\r\n"
		     "m=audio 7000 RTP/AVP 0\r\n"
		     "a=sendrecv\r\n"
		     "m=video 10002 RTP/AVPF 96 97\r\n"
		     "c=IN IP4 192.0.2.2\r\n"
		     "b=AS:512\r\n"
		     "a=rtpmap:96 H264/90000\r\n"
		     "a=recvonly\r\n");
}

static void test_write_enospc(void)
{
	struct sdp_rewrite rw = {
		.addr = "2001:db8::7", .set_version = true, .version = 99,
		.strip_ice = true,
		.media[0] = { .set = true, .addr = "2001:db8::8", .port = 40000,
			      .rtcp_port = 40009 },
	};
	char small[1024];
	ssize_t full, n;
	size_t size;

	full = write_rw(srtp, &rw);
	CU_ASSERT_FATAL(full > 0 && full < (ssize_t)sizeof(small));
	for (size = 0; size < (size_t)full; size++) {
		memset(small, 0x5a, sizeof(small));
		n = sdp_write(&sdp, &rw, small, size);
		CU_ASSERT_EQUAL(n, -ENOSPC);
		/* never a byte past @size */
		CU_ASSERT_EQUAL(small[size], 0x5a);
	}
	CU_ASSERT_EQUAL(sdp_write(&sdp, &rw, small, full), full);
	CU_ASSERT_EQUAL(memcmp(small, out, full), 0);
	CU_ASSERT_EQUAL(sdp_write(&sdp, &rw, NULL, 0), -ENOSPC);
}

/* A written body parses to what the rewrite asked for. */
static void test_write_reparse(void)
{
	struct sdp_rewrite rw = {
		.addr = "198.51.100.1", .set_version = true, .version = 3,
		.media[0] = { .set = true, .addr = "2001:db8::9",
			      .af = AF_INET6, .port = 3000, .rtcp_port = 3003 },
		.media[1] = { .set = true, .addr = "198.51.100.1",
			      .port = 3010 },
	};
	ssize_t n = write_rw(av, &rw);

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(parse_n(out, n), 0);
	CU_ASSERT_EQUAL(sdp.sess_version, 3);
	ASSERT_STR(sdp.conn.addr, "198.51.100.1");
	CU_ASSERT_EQUAL(sdp.media[0].port, 3000);
	ASSERT_STR(sdp.media[0].conn.addr, "2001:db8::9");
	CU_ASSERT_EQUAL(sdp.media[0].conn.af, AF_INET6);
	CU_ASSERT_EQUAL(sdp.media[0].rtcp_port, 3003);
	CU_ASSERT_EQUAL(sdp.media[0].dir, SDP_DIR_SENDRECV);
	CU_ASSERT_EQUAL(sdp.media[1].port, 3010);
	ASSERT_STR(sdp_media_conn(&sdp, 1)->addr, "198.51.100.1");
	CU_ASSERT_FALSE(sdp.media[1].has_rtcp);
}

#define T(f) { #f, f }

static CU_TestInfo parse_tests[] = {
	T(test_parse_audio),
	T(test_parse_audio_video),
	T(test_parse_ipv6),
	T(test_parse_rtcp_mux),
	T(test_parse_rtcp_port),
	T(test_parse_rtcp_addr),
	T(test_parse_hold_sendonly),
	T(test_parse_hold_null_addr),
	T(test_parse_rejected_stream),
	T(test_parse_srtp),
	T(test_parse_webrtc),
	T(test_parse_session_vs_media_conn),
	T(test_parse_lf_only),
	T(test_parse_no_final_eol),
	T(test_parse_trailing_blank_line),
	T(test_parse_multicast_and_host),
	T(test_parse_port_count_and_protos),
	T(test_parse_unknown_lines),
	T(test_parse_version_max),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo reject_tests[] = {
	T(test_reject_missing_v),
	T(test_reject_v1),
	T(test_reject_bad_o_version),
	T(test_reject_bad_o_line),
	T(test_reject_bad_m_port),
	T(test_reject_bad_m_line),
	T(test_reject_m_without_c),
	T(test_reject_too_many_m),
	T(test_reject_garbage_line),
	T(test_reject_missing_o_s),
	T(test_reject_empty_line),
	T(test_reject_bad_c),
	T(test_reject_c_type),
	T(test_reject_bad_rtcp),
	T(test_reject_bad_chars),
	T(test_reject_misplaced),
	T(test_reject_keeps_first_error),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo write_tests[] = {
	T(test_write_round_trip),
	T(test_write_addr_port),
	T(test_write_rtcp_rewrite),
	T(test_write_rtcp_keep_addr),
	T(test_write_rtcp_port_zero_leaves),
	T(test_write_add_rtcp),
	T(test_write_no_rtcp_when_next_port),
	T(test_write_add_rtcp_mux),
	T(test_write_bump_version),
	T(test_write_strip_ice),
	T(test_write_webrtc_strip_ice),
	T(test_write_ipv4_to_ipv6),
	T(test_write_insert_media_c),
	T(test_write_no_insert_same_session),
	T(test_write_insert_c_no_session),
	T(test_write_reject_stream),
	T(test_write_lf_style),
	T(test_write_no_final_eol),
	T(test_write_trailing_blank),
	T(test_write_multi_media_c),
	T(test_write_session_ttl_dropped),
	T(test_write_untouched_media),
	T(test_write_enospc),
	T(test_write_reparse),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "sdp_parse", NULL, NULL, NULL, NULL, parse_tests },
	{ "sdp_reject", NULL, NULL, NULL, NULL, reject_tests },
	{ "sdp_write", NULL, NULL, NULL, NULL, write_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed() || CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
