// SPDX-License-Identifier: GPL-2.0
/*
 * Responses built from requests, and the server transport's Via stamp.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "sip/reply.h"

#define CRLF "\r\n"

static struct sip_msg msg;
static char out[4096];

static const char invite[] = "INVITE sip:bob@example.org SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport , "
	"SIP/2.0/TCP p.example.net;branch=z9hG4bK0" CRLF
	"Via: SIP/2.0/UDP uac.example.com;branch=z9hG4bKz" CRLF
	"Max-Forwards: 70" CRLF "f: <sip:alice@example.com>;tag=a1" CRLF
	"To: Bob <sip:bob@example.org>" CRLF "Call-ID: c@h" CRLF
	"CSeq: 7 INVITE" CRLF "Content-Length: 0" CRLF CRLF;

static void parse(void)
{
	struct sip_err err;

	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&msg, invite, sizeof(invite) - 1, 0, &err), 0);
}

static void test_reason(void)
{
	CU_ASSERT_STRING_EQUAL(sip_reason(486), "Busy Here");
	CU_ASSERT_STRING_EQUAL(sip_reason(100), "Trying");
	CU_ASSERT_STRING_EQUAL(sip_reason(799), "Unknown");
}

static void test_stamp_rport(void)
{
	parse();
	CU_ASSERT_EQUAL(sip_via_stamp(&msg, "192.0.2.7", 40123), 0);
	CU_ASSERT_EQUAL_FATAL(sip_msg_write(&msg, out, sizeof(out)) > 0, 1);
	/* RFC 3581 §4: rport filled, received added, the rest of the line kept */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, CRLF "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1"
					   ";rport=40123;received=192.0.2.7 , "
					   "SIP/2.0/TCP p.example.net;branch=z9hG4bK0" CRLF));
}

static void test_stamp_same_host(void)
{
	static const char req[] = "OPTIONS sip:p SIP/2.0" CRLF
		"Via: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK1" CRLF
		"From: <sip:a@b>;tag=1" CRLF "To: <sip:p>" CRLF "Call-ID: c" CRLF
		"CSeq: 1 OPTIONS" CRLF CRLF;
	struct sip_err err;

	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&msg, req, sizeof(req) - 1, 0, &err), 0);
	/* §18.2.1: sent-by is the source: nothing to add */
	CU_ASSERT_EQUAL(sip_via_stamp(&msg, "192.0.2.7", 5060), 0);
	CU_ASSERT_EQUAL(msg.hdr[0].flags, 0);
	CU_ASSERT_EQUAL(sip_via_stamp(&msg, "192.0.2.8", 5060), 0);
	CU_ASSERT_TRUE(sip_str_eq(msg.hdr[0].newval,
				  SIP_STR("SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK1;received=192.0.2.8")));
}

/* An IPv6 sent-by is bracketed; the source address printed is not. */
static void test_stamp_ipv6(void)
{
	static const char req[] = "OPTIONS sip:p SIP/2.0" CRLF
		"Via: SIP/2.0/UDP [2001:DB8::7];branch=z9hG4bK1" CRLF
		"From: <sip:a@b>;tag=1" CRLF "To: <sip:p>" CRLF "Call-ID: c" CRLF
		"CSeq: 1 OPTIONS" CRLF CRLF;
	struct sip_err err;

	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&msg, req, sizeof(req) - 1, 0, &err), 0);
	CU_ASSERT_EQUAL(sip_via_stamp(&msg, "2001:db8::7", 5060), 0);
	CU_ASSERT_EQUAL(msg.hdr[0].flags, 0);
	CU_ASSERT_EQUAL(sip_via_stamp(&msg, "2001:db8::8", 5060), 0);
	CU_ASSERT_TRUE(sip_str_eq(msg.hdr[0].newval,
				  SIP_STR("SIP/2.0/UDP [2001:DB8::7];branch=z9hG4bK1;received=2001:db8::8")));
}

static void test_reply_exact(void)
{
	struct sip_reply r = {
		.status = 486, .to_tag = SIP_STR("b2"),
		.extra = "Server: sipfpd" CRLF,
	};
	static const char want[] = "SIP/2.0 486 Busy Here" CRLF
		"Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport=40123;received=192.0.2.7 , "
		"SIP/2.0/TCP p.example.net;branch=z9hG4bK0" CRLF
		"Via: SIP/2.0/UDP uac.example.com;branch=z9hG4bKz" CRLF
		"f: <sip:alice@example.com>;tag=a1" CRLF
		"To: Bob <sip:bob@example.org>;tag=b2" CRLF "Call-ID: c@h" CRLF
		"CSeq: 7 INVITE" CRLF "Server: sipfpd" CRLF "Content-Length: 0" CRLF CRLF;
	ssize_t n;

	parse();
	sip_via_stamp(&msg, "192.0.2.7", 40123);
	n = sip_reply_write(&msg, &r, out, sizeof(out));
	CU_ASSERT_EQUAL_FATAL(n, (ssize_t)sizeof(want) - 1);
	out[n] = '\0';
	CU_ASSERT_STRING_EQUAL(out, want);
	/* 100 Trying never carries a To tag (§8.2.6.1) */
	r.status = 100;
	r.extra = NULL;
	n = sip_reply_write(&msg, &r, out, sizeof(out));
	CU_ASSERT_TRUE_FATAL(n > 0);
	out[n] = '\0';
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "To: Bob <sip:bob@example.org>" CRLF));
	for (ssize_t size = 0; size < n; size++)
		CU_ASSERT_EQUAL(sip_reply_write(&msg, &r, out, size), -ENOSPC);
}

static void test_reply_body(void)
{
	struct sip_reply r = { .status = 200, .ctype = SIP_STR("application/sdp"),
			       .body = SIP_STR("v=0" CRLF) };
	struct sip_msg again;
	struct sip_err err;
	ssize_t n;

	parse();
	n = sip_reply_write(&msg, &r, out, sizeof(out));
	CU_ASSERT_TRUE_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&again, out, n, SIP_PARSE_STREAM, &err), 0);
	CU_ASSERT_EQUAL(again.status, 200);
	CU_ASSERT_EQUAL(again.body.len, 5);
	CU_ASSERT_TRUE(sip_str_eq(again.content_type, SIP_STR("application/sdp")));
	CU_ASSERT_EQUAL(again.nvia, 3);
}

/* A request that failed to parse is still answered with what it had. */
static void test_reply_to_broken(void)
{
	static const char bad[] = "INVITE sip:b@example.org SIP/2.0" CRLF
		"Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK9" CRLF
		"From: <sip:a@example.com>;tag=1" CRLF "To: <sip:b@example.org>" CRLF
		"Call-ID: x" CRLF "CSeq: 1 INVITE" CRLF "Max-Forwards: many" CRLF CRLF;
	struct sip_reply r = { .status = 400, .reason = "Bad Max-Forwards" };
	struct sip_err err;
	ssize_t n;

	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&msg, bad, sizeof(bad) - 1, 0, &err), -EBADMSG);
	CU_ASSERT_EQUAL(err.status, 400);
	n = sip_reply_write(&msg, &r, out, sizeof(out));
	CU_ASSERT_TRUE_FATAL(n > 0);
	out[n] = '\0';
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "SIP/2.0 400 Bad Max-Forwards" CRLF
					   "Via: SIP/2.0/UDP h.example.com;branch=z9hG4bK9" CRLF));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "CSeq: 1 INVITE" CRLF));
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "reason phrases", test_reason },
		{ "via stamp with rport", test_stamp_rport },
		{ "via stamp, same host", test_stamp_same_host },
		{ "via stamp, IPv6", test_stamp_ipv6 },
		{ "reply, exact bytes", test_reply_exact },
		{ "reply with body parses", test_reply_body },
		{ "reply to a broken request", test_reply_to_broken },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "reply", NULL, NULL, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};
	return tu_run(suites);
}
