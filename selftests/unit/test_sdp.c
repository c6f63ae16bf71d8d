// SPDX-License-Identifier: GPL-2.0
/*
 * SDP parser: typical offers field by field, and malformed bodies with the
 * exact fault and offset.  The writer's tests are in test_sdp_write.c.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include <CUnit/CUnit.h>

#include "tsdp.h"

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

	CU_ASSERT_EQUAL(tsdp_parse(body), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tsdp_err.what);
	if (strcmp(tsdp_err.what, what))
		fprintf(stderr, "\n  got \"%s\", want \"%s\"\n", tsdp_err.what,
			what);
	CU_ASSERT_STRING_EQUAL(tsdp_err.what, what);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(tsdp_err.offset, (uint32_t)(p - body));
	CU_ASSERT_EQUAL(tsdp_err.status, 400);
}

static void test_parse_audio(void)
{
	const struct sdp_media *m = &tsdp.media[0];

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(tsdp_audio), 0);
	ASSERT_SPAN(tsdp.origin_user, tsdp_audio, "alice");
	ASSERT_SPAN(tsdp.sess_id, tsdp_audio, "2890844526");
	CU_ASSERT_EQUAL(tsdp.sess_version, 2890844526ULL);
	CU_ASSERT_EQUAL(tsdp.origin_af, AF_INET);
	ASSERT_SPAN(tsdp.origin_addr, tsdp_audio, "host.atlanta.example.com");
	ASSERT_SPAN(tsdp.origin_line, tsdp_audio,
		    "o=alice 2890844526 2890844526 "
		    "IN IP4 host.atlanta.example.com");
	CU_ASSERT_TRUE(tsdp.conn.present);
	CU_ASSERT_FALSE(tsdp.conn.null_addr);
	CU_ASSERT_EQUAL(tsdp.conn.af, AF_INET);
	ASSERT_SPAN(tsdp.conn.addr, tsdp_audio, "192.0.2.101");
	ASSERT_SPAN(tsdp.conn.line, tsdp_audio, "c=IN IP4 192.0.2.101");
	CU_ASSERT_EQUAL(tsdp.dir, SDP_DIR_UNSPEC);
	CU_ASSERT_FALSE(tsdp.has_ice);
	CU_ASSERT_EQUAL_FATAL(tsdp.nmedia, 1);
	ASSERT_SPAN(m->type, tsdp_audio, "audio");
	CU_ASSERT_EQUAL(m->port, 49172);
	CU_ASSERT_EQUAL(m->nports, 1);
	CU_ASSERT_EQUAL(m->proto, SDP_PROTO_RTP_AVP);
	ASSERT_SPAN(m->proto_s, tsdp_audio, "RTP/AVP");
	ASSERT_SPAN(m->fmts, tsdp_audio, "0 8 101");
	CU_ASSERT_EQUAL(m->dir, SDP_DIR_UNSPEC);
	CU_ASSERT_FALSE(m->rtcp_mux);
	CU_ASSERT_FALSE(m->has_rtcp);
	CU_ASSERT_FALSE(m->has_ice);
	CU_ASSERT_EQUAL(m->ncrypto, 0);
	CU_ASSERT_EQUAL(m->rtcp_port, 0);
	CU_ASSERT_FALSE(m->rtcp_conn.present);
	CU_ASSERT_FALSE(m->conn.present);
	ASSERT_SPAN(m->line, tsdp_audio, "m=audio 49172 RTP/AVP 0 8 101");
	ASSERT_SPAN(m->section, tsdp_audio, strstr(tsdp_audio, "m=audio"));
	CU_ASSERT_PTR_EQUAL(tsdp.raw.s, tsdp_audio);
	CU_ASSERT_EQUAL(tsdp.raw.len, strlen(tsdp_audio));
	CU_ASSERT_EQUAL(sdp_media_dir(&tsdp, 0), SDP_DIR_SENDRECV);
	CU_ASSERT_PTR_EQUAL(sdp_media_conn(&tsdp, 0), &tsdp.conn);
}

static void test_parse_audio_video(void)
{
	const struct sdp_media *a = &tsdp.media[0], *v = &tsdp.media[1];

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(tsdp_av), 0);
	CU_ASSERT_EQUAL_FATAL(tsdp.nmedia, 2);
	CU_ASSERT_EQUAL(tsdp.sess_version, 2);
	ASSERT_SPAN(tsdp.origin_user, tsdp_av, "-");
	ASSERT_SPAN(a->type, tsdp_av, "audio");
	CU_ASSERT_EQUAL(a->port, 10000);
	CU_ASSERT_EQUAL(a->dir, SDP_DIR_SENDRECV);
	CU_ASSERT_PTR_EQUAL(a->fmts.s, strstr(tsdp_av, "0\r\na=sendrecv"));
	EQS(a->fmts, "0");
	ASSERT_SPAN(a->section, tsdp_av,
		    "m=audio 10000 RTP/AVP 0\r\na=sendrecv\r\n");
	ASSERT_SPAN(v->type, tsdp_av, "video");
	CU_ASSERT_EQUAL(v->port, 10002);
	CU_ASSERT_EQUAL(v->proto, SDP_PROTO_RTP_AVPF);
	ASSERT_SPAN(v->fmts, tsdp_av, "96 97");
	CU_ASSERT_EQUAL(v->dir, SDP_DIR_RECVONLY);
	CU_ASSERT_TRUE(v->conn.present);
	ASSERT_SPAN(v->conn.addr, tsdp_av, "192.0.2.2");
	ASSERT_SPAN(v->conn.line, tsdp_av, "c=IN IP4 192.0.2.2");
	ASSERT_SPAN(v->section, tsdp_av, strstr(tsdp_av, "m=video"));
	CU_ASSERT_EQUAL(sdp_media_dir(&tsdp, 1), SDP_DIR_RECVONLY);
	CU_ASSERT_PTR_EQUAL(sdp_media_conn(&tsdp, 0), &tsdp.conn);
	CU_ASSERT_PTR_EQUAL(sdp_media_conn(&tsdp, 1), &v->conn);
}

static void test_parse_ipv6(void)
{
	CU_ASSERT_EQUAL_FATAL(tsdp_parse(tsdp_v6), 0);
	CU_ASSERT_EQUAL(tsdp.origin_af, AF_INET6);
	CU_ASSERT_PTR_EQUAL(tsdp.origin_addr.s,
			    strstr(tsdp_v6, "2001:db8::2\r\ns="));
	EQS(tsdp.origin_addr, "2001:db8::2");
	CU_ASSERT_EQUAL(tsdp.conn.af, AF_INET6);
	CU_ASSERT_FALSE(tsdp.conn.null_addr);
	EQS(tsdp.conn.addr, "2001:db8::2");
	ASSERT_SPAN(tsdp.conn.line, tsdp_v6, "c=IN IP6 2001:db8::2");
	CU_ASSERT_EQUAL(tsdp.media[0].port, 20000);
}

static void test_parse_rtcp_mux(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=rtcp-mux\r\n";

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_TRUE(tsdp.media[0].rtcp_mux);
	CU_ASSERT_FALSE(tsdp.media[0].has_rtcp);
}

static void test_parse_rtcp_port(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 49170 RTP/AVP 0\r\na=rtcp:53020\r\n";

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_TRUE(tsdp.media[0].has_rtcp);
	CU_ASSERT_EQUAL(tsdp.media[0].rtcp_port, 53020);
	CU_ASSERT_FALSE(tsdp.media[0].rtcp_conn.present);
	CU_ASSERT_FALSE(tsdp.media[0].rtcp_mux);
}

/* RFC 3605 §2.1's example */
static void test_parse_rtcp_addr(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 49170 RTP/AVP 0\r\n"
		"a=rtcp:53020 IN IP4 126.16.64.4\r\n";
	const struct sdp_media *m = &tsdp.media[0];

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
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

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_EQUAL(tsdp.dir, SDP_DIR_SENDONLY);
	CU_ASSERT_EQUAL(tsdp.media[0].dir, SDP_DIR_UNSPEC);
	CU_ASSERT_EQUAL(tsdp.media[1].dir, SDP_DIR_INACTIVE);
	CU_ASSERT_EQUAL(sdp_media_dir(&tsdp, 0), SDP_DIR_SENDONLY);
	CU_ASSERT_EQUAL(sdp_media_dir(&tsdp, 1), SDP_DIR_INACTIVE);
	CU_ASSERT_FALSE(tsdp.conn.null_addr);
}

static void test_parse_hold_null_addr(void)
{
	static const char b[] =
		"v=0\r\no=- 1 2 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 0.0.0.0\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n"
		"m=audio 4002 RTP/AVP 0\r\nc=IN IP6 ::\r\n"
		"m=audio 4004 RTP/AVP 0\r\nc=IN IP6 ::1\r\n";

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_TRUE(tsdp.conn.null_addr);
	EQS(tsdp.conn.addr, "0.0.0.0");
	CU_ASSERT_TRUE(sdp_media_conn(&tsdp, 0)->null_addr);
	CU_ASSERT_TRUE(tsdp.media[1].conn.null_addr);
	CU_ASSERT_EQUAL(tsdp.media[1].conn.af, AF_INET6);
	CU_ASSERT_FALSE(tsdp.media[2].conn.null_addr);
	CU_ASSERT_EQUAL(sdp_media_dir(&tsdp, 0), SDP_DIR_SENDRECV);
}

static void test_parse_rejected_stream(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"t=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\n"
		"m=video 0 RTP/AVP 31\r\n";

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_EQUAL_FATAL(tsdp.nmedia, 2);
	CU_ASSERT_EQUAL(tsdp.media[1].port, 0);
	CU_ASSERT_FALSE(tsdp.conn.present);
	CU_ASSERT_PTR_EQUAL(sdp_media_conn(&tsdp, 0), &tsdp.media[0].conn);
	CU_ASSERT_PTR_NULL(sdp_media_conn(&tsdp, 1));
}

static void test_parse_srtp(void)
{
	CU_ASSERT_EQUAL_FATAL(tsdp_parse(tsdp_srtp), 0);
	CU_ASSERT_EQUAL(tsdp.media[0].proto, SDP_PROTO_RTP_SAVP);
	CU_ASSERT_EQUAL(tsdp.media[0].ncrypto, 2);
	CU_ASSERT_TRUE(tsdp.media[0].has_ice);
	CU_ASSERT_FALSE(tsdp.has_ice);
}

static void test_parse_webrtc(void)
{
	const struct sdp_media *a = &tsdp.media[0], *d = &tsdp.media[1];

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(tsdp_webrtc), 0);
	CU_ASSERT_EQUAL(tsdp.sess_version, 2);
	CU_ASSERT_TRUE(tsdp.has_ice);
	CU_ASSERT_FALSE(tsdp.conn.present);
	CU_ASSERT_EQUAL_FATAL(tsdp.nmedia, 2);
	CU_ASSERT_EQUAL(a->proto, SDP_PROTO_UDP_TLS_RTP_SAVPF);
	CU_ASSERT_EQUAL(a->port, 9);
	CU_ASSERT_TRUE(a->has_ice);
	CU_ASSERT_TRUE(a->rtcp_mux);
	CU_ASSERT_TRUE(a->has_rtcp);
	CU_ASSERT_EQUAL(a->rtcp_port, 9);
	CU_ASSERT_TRUE(a->rtcp_conn.null_addr);
	CU_ASSERT_TRUE(a->conn.null_addr);
	CU_ASSERT_EQUAL(a->dir, SDP_DIR_SENDRECV);
	ASSERT_SPAN(a->fmts, tsdp_webrtc, "111 0");
	CU_ASSERT_EQUAL(d->proto, SDP_PROTO_OTHER);
	ASSERT_SPAN(d->proto_s, tsdp_webrtc, "UDP/DTLS/SCTP");
	ASSERT_SPAN(d->fmts, tsdp_webrtc, "webrtc-datachannel");
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

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_FALSE(tsdp.media[0].conn.present);
	CU_ASSERT_PTR_EQUAL(sdp_media_conn(&tsdp, 0), &tsdp.conn);
	EQS(sdp_media_conn(&tsdp, 1)->addr, "192.0.2.2");
	ASSERT_SPAN(tsdp.media[1].conn.line, b, "c=IN IP4 192.0.2.2");
	CU_ASSERT_PTR_NULL(sdp_media_conn(&tsdp, 2));
	CU_ASSERT_EQUAL(sdp_media_dir(&tsdp, 2), SDP_DIR_UNSPEC);
}

static void test_parse_lf_only(void)
{
	CU_ASSERT_EQUAL_FATAL(tsdp_parse(tsdp_lf), 0);
	CU_ASSERT_EQUAL(tsdp.sess_version, 20);
	ASSERT_SPAN(tsdp.origin_line, tsdp_lf, "o=- 10 20 IN IP4 192.0.2.1");
	ASSERT_SPAN(tsdp.conn.line, tsdp_lf, "c=IN IP4 192.0.2.1");
	CU_ASSERT_EQUAL_FATAL(tsdp.nmedia, 2);
	ASSERT_SPAN(tsdp.media[0].line, tsdp_lf, "m=audio 5004 RTP/AVP 8 ");
	EQS(tsdp.media[0].fmts, "8");
	ASSERT_SPAN(tsdp.media[0].section, tsdp_lf,
		    "m=audio 5004 RTP/AVP 8 \na=ptime:20\n");
	ASSERT_SPAN(tsdp.media[1].section, tsdp_lf,
		    "m=video 5006 RTP/AVP 31\n");
}

static void test_parse_no_final_eol(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\na=rtcp:4009";

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_EQUAL(tsdp.media[0].rtcp_port, 4009);
	ASSERT_SPAN(tsdp.media[0].section, b,
		    "m=audio 4000 RTP/AVP 0\r\n"
		    "a=rtcp:4009");
}

static void test_parse_trailing_blank_line(void)
{
	static const char b[] =
		"v=0\r\no=- 1 1 IN IP4 h.example\r\ns=-\r\n"
		"c=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		"m=audio 4000 RTP/AVP 0\r\n\r\n";

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_EQUAL(tsdp.media[0].section.len,
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

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	EQS(tsdp.conn.addr, "224.2.36.42");
	ASSERT_SPAN(tsdp.conn.line, b, "c=IN IP4 224.2.36.42/127");
	EQS(tsdp.media[0].conn.addr, "224.2.1.1");
	EQS(tsdp.media[1].conn.addr, "FF15::101");
	CU_ASSERT_EQUAL(tsdp.media[1].conn.af, AF_INET6);
	EQS(tsdp.media[2].conn.addr, "media.example.com");
	CU_ASSERT_EQUAL(tsdp.media[2].conn.af, AF_INET);
	CU_ASSERT_FALSE(tsdp.media[2].conn.null_addr);
	CU_ASSERT_EQUAL(tsdp.media[3].conn.af, AF_INET6);
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

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_EQUAL_FATAL(tsdp.nmedia, 6);
	CU_ASSERT_EQUAL(tsdp.media[0].port, 49170);
	CU_ASSERT_EQUAL(tsdp.media[0].nports, 2);
	CU_ASSERT_EQUAL(tsdp.media[1].port, 65535);
	CU_ASSERT_EQUAL(tsdp.media[1].proto, SDP_PROTO_RTP_SAVPF);
	CU_ASSERT_EQUAL(tsdp.media[2].proto, SDP_PROTO_OTHER);
	EQS(tsdp.media[2].fmts, "t38");
	CU_ASSERT_EQUAL(tsdp.media[3].proto, SDP_PROTO_UDP);
	/* RFC 8866 §5.14: proto is case-sensitive */
	CU_ASSERT_EQUAL(tsdp.media[4].proto, SDP_PROTO_OTHER);
	EQS(tsdp.media[5].fmts, "*");
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

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_EQUAL(tsdp.nmedia, 1);
	CU_ASSERT_EQUAL(tsdp.dir, SDP_DIR_UNSPEC);
	ASSERT_SPAN(tsdp.media[0].section, b, strstr(b, "m=audio"));
}

static void test_parse_version_max(void)
{
	static const char b[] =
		"v=0\r\n"
		"o=- 1 18446744073709551615 IN IP4 h.example\r\n"
		"s=-\r\nt=0 0\r\n";

	CU_ASSERT_EQUAL_FATAL(tsdp_parse(b), 0);
	CU_ASSERT_EQUAL(tsdp.sess_version, UINT64_MAX);
	CU_ASSERT_EQUAL(tsdp.nmedia, 0);
	CU_ASSERT_PTR_NULL(sdp_media_conn(&tsdp, 0));
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
	EQS(tsdp_err.hdr, "v=1");
}

static void test_reject_bad_o_version(void)
{
	expect_reject("v=0\r\no=- 1 1x IN IP4 h.example\r\ns=-\r\n",
		      "bad o= version", "1x");
	EQS(tsdp_err.hdr, "o=- 1 1x IN IP4 h.example");
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
	EQS(tsdp_err.hdr, "m=audio 5000 RTP/AVP 0");
}

static void test_reject_too_many_m(void)
{
	char b[2048];
	size_t n = snprintf(b, sizeof(b), "%sc=IN IP4 192.0.2.1\r\n", hdr);
	int i;

	for (i = 0; i < SDP_MAX_MEDIA; i++)
		n += snprintf(b + n, sizeof(b) - n, "m=audio %d RTP/AVP 0\r\n",
			      4000 + 2 * i);
	CU_ASSERT_EQUAL(tsdp_parse(b), 0);
	CU_ASSERT_EQUAL(tsdp.nmedia, SDP_MAX_MEDIA);
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

	memset(&tsdp_err, 0, sizeof(tsdp_err));
	CU_ASSERT_EQUAL(sdp_parse(&tsdp, nul, sizeof(nul) - 1, &tsdp_err),
			-EBADMSG);
	CU_ASSERT_STRING_EQUAL(tsdp_err.what, "bad character in line");
	CU_ASSERT_EQUAL(tsdp_err.offset, strlen("v=0\r\no=- 1 1 IN IP4 h\r\n"));
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
	memset(&tsdp_err, 0, sizeof(tsdp_err));
	tsdp_err.what = "earlier";
	tsdp_err.offset = 7;
	CU_ASSERT_EQUAL(sdp_parse(&tsdp, "x", 1, &tsdp_err), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(tsdp_err.what, "earlier");
	CU_ASSERT_EQUAL(tsdp_err.offset, 7);
	CU_ASSERT_EQUAL(sdp_parse(&tsdp, "x", 1, NULL), -EBADMSG);
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

static CU_SuiteInfo suites[] = {
	{ "sdp_parse", NULL, NULL, NULL, NULL, parse_tests },
	{ "sdp_reject", NULL, NULL, NULL, NULL, reject_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tu_run(suites);
}
