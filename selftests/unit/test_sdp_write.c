// SPDX-License-Identifier: GPL-2.0
/*
 * SDP writer: rewrites of parsed offers against exact output, and every
 * output parsed again.  The parser's own tests are in test_sdp.c.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

#include <CUnit/CUnit.h>

#include "tsdp.h"

static char out[8192];

static ssize_t write_rw(const char *body, const struct sdp_rewrite *rw)
{
	CU_ASSERT_EQUAL_FATAL(tsdp_parse(body), 0);
	memset(out, 0x5a, sizeof(out));
	return sdp_write(&tsdp, rw, out, sizeof(out) - 1);
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
		CU_ASSERT_EQUAL(tsdp_parse(out), 0);
}

static const char *const round_trip_bodies[] = {
	tsdp_audio, tsdp_av, tsdp_v6, tsdp_srtp, tsdp_webrtc, tsdp_lf,
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

	expect_write(tsdp_audio, &rw,
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
	CU_ASSERT_EQUAL(tsdp.media[0].rtcp_port, 5003);
	CU_ASSERT_EQUAL(tsdp.media[1].rtcp_port, 5021);
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

	expect_write(tsdp_audio, &rw,
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
	CU_ASSERT_EQUAL(tsdp.sess_version, 2890844527ULL);
	rw.version = UINT64_MAX;
	expect_write("v=0\no=- 1  7  IN IP4 h\ns=-\n", &rw,
		     "v=0\no=- 1  18446744073709551615  IN IP4 h\ns=-\n");
	CU_ASSERT_EQUAL(tsdp.sess_version, UINT64_MAX);
}

static void test_write_strip_ice(void)
{
	struct sdp_rewrite rw = { .strip_ice = true };

	expect_write(tsdp_srtp, &rw,
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
	CU_ASSERT_EQUAL(tsdp.media[0].ncrypto, 2);
	CU_ASSERT_FALSE(tsdp.media[0].has_ice);
}

static void test_write_webrtc_strip_ice(void)
{
	struct sdp_rewrite rw = {
		.addr = "203.0.113.1", .strip_ice = true,
		.media[0] = { .set = true, .addr = "203.0.113.1",
			      .af = AF_INET, .port = 30000,
			      .rtcp_port = 30000 },
	};

	expect_write(tsdp_webrtc, &rw,
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
	CU_ASSERT_FALSE(tsdp.has_ice);
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

	expect_write(tsdp_av, &rw,
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
	CU_ASSERT_EQUAL(tsdp.conn.af, AF_INET6);
	CU_ASSERT_EQUAL(tsdp.media[1].conn.af, AF_INET6);
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
	CU_ASSERT_EQUAL(tsdp.media[1].port, 0);
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

	expect_write(tsdp_lf, &rw,
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
	CU_ASSERT_EQUAL(tsdp.media[0].nports, 2);
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

	expect_write(tsdp_av, &rw,
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

	full = write_rw(tsdp_srtp, &rw);
	CU_ASSERT_FATAL(full > 0 && full < (ssize_t)sizeof(small));
	for (size = 0; size < (size_t)full; size++) {
		memset(small, 0x5a, sizeof(small));
		n = sdp_write(&tsdp, &rw, small, size);
		CU_ASSERT_EQUAL(n, -ENOSPC);
		/* never a byte past @size */
		CU_ASSERT_EQUAL(small[size], 0x5a);
	}
	CU_ASSERT_EQUAL(sdp_write(&tsdp, &rw, small, full), full);
	CU_ASSERT_EQUAL(memcmp(small, out, full), 0);
	CU_ASSERT_EQUAL(sdp_write(&tsdp, &rw, NULL, 0), -ENOSPC);
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
	ssize_t n = write_rw(tsdp_av, &rw);

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(tsdp_parse_n(out, n), 0);
	CU_ASSERT_EQUAL(tsdp.sess_version, 3);
	EQS(tsdp.conn.addr, "198.51.100.1");
	CU_ASSERT_EQUAL(tsdp.media[0].port, 3000);
	EQS(tsdp.media[0].conn.addr, "2001:db8::9");
	CU_ASSERT_EQUAL(tsdp.media[0].conn.af, AF_INET6);
	CU_ASSERT_EQUAL(tsdp.media[0].rtcp_port, 3003);
	CU_ASSERT_EQUAL(tsdp.media[0].dir, SDP_DIR_SENDRECV);
	CU_ASSERT_EQUAL(tsdp.media[1].port, 3010);
	EQS(sdp_media_conn(&tsdp, 1)->addr, "198.51.100.1");
	CU_ASSERT_FALSE(tsdp.media[1].has_rtcp);
}

#define T(f) { #f, f }

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
	{ "sdp_write", NULL, NULL, NULL, NULL, write_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tu_run(suites);
}
