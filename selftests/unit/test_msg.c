// SPDX-License-Identifier: GPL-2.0
/*
 * The SIP message layer beyond RFC 4475: field access, error reports,
 * stream framing, iterators, the proxy checks and the serializer's edits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "sip/msg.h"

static struct sip_msg msg;
static struct sip_err err;
static char *buf;

#define CRLF "\r\n"
#define HDRS_REQ                                                          \
	"Via: SIP/2.0/UDP pc33.example.com:5070;branch=z9hG4bK776;rport" CRLF \
	"Max-Forwards: 70" CRLF                                           \
	"To: Bob <sip:bob@example.org>" CRLF                              \
	"From: \"Alice A.\" <sip:alice@example.com>;tag=1928" CRLF        \
	"Call-ID: a84b4c76e66710@pc33.example.com" CRLF                   \
	"CSeq: 314159 INVITE" CRLF

/* Parse a copy of exactly the literal's bytes, so ASan sees over-reads. */
static int parse_flags(const char *text, size_t len, int flags)
{
	free(buf);
	buf = malloc(len ? len : 1);
	memcpy(buf, text, len);
	memset(&err, 0, sizeof(err));
	return sip_msg_parse(&msg, buf, len, flags, &err);
}

#define PARSE(lit) parse_flags((lit), sizeof(lit) - 1, 0)
#define PARSE_STREAM(lit) parse_flags((lit), sizeof(lit) - 1, SIP_PARSE_STREAM)

static void test_fields(void)
{
	CU_ASSERT_EQUAL_FATAL(PARSE("INVITE sip:bob@example.org SIP/2.0" CRLF HDRS_REQ
				    "Content-Type: application/sdp" CRLF
				    "Content-Length: 5" CRLF CRLF "v=0" CRLF),
			      0);
	CU_ASSERT_TRUE(msg.is_request);
	CU_ASSERT_EQUAL(msg.method, SIP_INVITE);
	EQ(msg.ruri.user, "bob");
	EQ(msg.ruri.host, "example.org");
	CU_ASSERT_EQUAL(msg.nvia, 1);
	EQ(msg.via.transport, "UDP");
	EQ(msg.via.host, "pc33.example.com");
	CU_ASSERT_EQUAL(msg.via.port, 5070);
	EQ(msg.via.branch, "z9hG4bK776");
	CU_ASSERT_TRUE(msg.via.rport);
	CU_ASSERT_EQUAL(msg.via.rport_val, 0);
	EQ(msg.from.display, "Alice A.");
	CU_ASSERT_TRUE(msg.from.quoted);
	EQ(msg.from.tag, "1928");
	EQ(msg.to.display, "Bob");
	CU_ASSERT_EQUAL(msg.to.tag.len, 0);
	EQ(msg.call_id, "a84b4c76e66710@pc33.example.com");
	CU_ASSERT_EQUAL(msg.cseq.num, 314159);
	CU_ASSERT_EQUAL(msg.cseq.method, SIP_INVITE);
	CU_ASSERT_EQUAL(msg.max_forwards, 70);
	CU_ASSERT_EQUAL(msg.content_length, 5);
	EQ(msg.content_type, "application/sdp");
	EQ(msg.body, "v=0" CRLF);
	CU_ASSERT_EQUAL(msg.nhdrs, 8);
	CU_ASSERT_EQUAL(msg.expires, -1);
}

static void test_response(void)
{
	CU_ASSERT_EQUAL_FATAL(PARSE("SIP/2.0 180 Ringing" CRLF HDRS_REQ
				    "Content-Length: 0" CRLF CRLF),
			      0);
	CU_ASSERT_FALSE(msg.is_request);
	CU_ASSERT_EQUAL(msg.status, 180);
	EQ(msg.reason, "Ringing");
	CU_ASSERT_EQUAL(msg.method, SIP_INVITE);
}

/* RFC 3261 §7.3.3 compact forms, and names in any case */
static void test_compact_and_case(void)
{
	CU_ASSERT_EQUAL_FATAL(PARSE("OPTIONS sip:example.org SIP/2.0" CRLF
				    "v: SIP/2.0/TCP h.example.com;branch=z9hG4bKa" CRLF
				    "f: <sip:a@example.com>;tag=1" CRLF
				    "t: <sip:b@example.org>" CRLF
				    "i: cid1" CRLF "CSEQ: 2 OPTIONS" CRLF
				    "m: <sip:a@192.0.2.1>" CRLF "k: path" CRLF
				    "s: hello" CRLF "o: presence" CRLF "u: dialog" CRLF
				    "e: gzip" CRLF "c: text/plain" CRLF "l: 0" CRLF CRLF),
			      0);
	CU_ASSERT_EQUAL(msg.hdr[0].id, SIP_H_VIA);
	CU_ASSERT_EQUAL(msg.hdr[4].id, SIP_H_CSEQ);
	CU_ASSERT(sip_hdr_find(&msg, SIP_H_CONTACT) == 5);
	CU_ASSERT(sip_hdr_find(&msg, SIP_H_SUPPORTED) == 6);
	CU_ASSERT(sip_hdr_find(&msg, SIP_H_SUBJECT) == 7);
	CU_ASSERT(sip_hdr_find(&msg, SIP_H_EVENT) == 8);
	CU_ASSERT(sip_hdr_find(&msg, SIP_H_ALLOW_EVENTS) == 9);
	CU_ASSERT(sip_hdr_find(&msg, SIP_H_CONTENT_ENCODING) == 10);
	EQ(msg.content_type, "text/plain");
	CU_ASSERT_EQUAL(msg.content_length, 0);
	CU_ASSERT_EQUAL(sip_hdr_lookup(SIP_STR("proxy-AUTHORIZATION")),
			SIP_H_PROXY_AUTHORIZATION);
	CU_ASSERT_EQUAL(sip_hdr_lookup(SIP_STR("X-Unknown")), SIP_H_OTHER);
	CU_ASSERT_EQUAL(sip_hdr_lookup(SIP_STR("q")), SIP_H_OTHER);
	for (int id = SIP_H_OTHER + 1; id < SIP_H__COUNT; id++)
		CU_ASSERT_EQUAL(sip_hdr_lookup(sip_str_cstr(sip_hdr_name(id))), id);
}

static void test_folding_kept(void)
{
	int i;

	CU_ASSERT_EQUAL_FATAL(PARSE("OPTIONS sip:example.org SIP/2.0" CRLF HDRS_REQ
				    "X-Folded: one," CRLF "  two" CRLF
				    "Subject: I know you're there," CRLF
				    "\tpick up the phone" CRLF CRLF),
			      -EBADMSG); /* CSeq says INVITE */
	CU_ASSERT_EQUAL_FATAL(PARSE("INVITE sip:example.org SIP/2.0" CRLF HDRS_REQ
				    "X-Folded: one," CRLF "  two" CRLF
				    "Subject: I know you're there," CRLF
				    "\tpick up the phone" CRLF CRLF),
			      0);
	i = msg.first[SIP_H_OTHER];
	CU_ASSERT_TRUE_FATAL(i >= 0);
	EQ(msg.hdr[i].name, "X-Folded");
	EQ(msg.hdr[i].value, "one," CRLF "  two");
	EQ(msg.hdr[i].raw, "X-Folded: one," CRLF "  two" CRLF);
	i = sip_hdr_find(&msg, SIP_H_SUBJECT);
	EQ(msg.hdr[i].value, "I know you're there," CRLF "\tpick up the phone");
}

/* Errors say what, where (header and offset) and what to answer. */
static void test_error_reports(void)
{
	static const char bad_mf[] = "INVITE sip:b@example.org SIP/2.0" CRLF
		"Via: SIP/2.0/UDP h;branch=z9hG4bK1" CRLF "Max-Forwards: seventy" CRLF;

	CU_ASSERT_EQUAL(parse_flags(bad_mf, sizeof(bad_mf) - 1, 0), -EBADMSG);
	CU_ASSERT_EQUAL(err.status, 400); /* message ends inside headers */
	CU_ASSERT_EQUAL(PARSE("INVITE sip:b@example.org SIP/2.0" CRLF HDRS_REQ
			      "Max-Forwards: seventy" CRLF CRLF),
			-EBADMSG);
	CU_ASSERT_EQUAL(err.status, 400);
	CU_ASSERT_STRING_EQUAL(err.what, "header must appear once");
	CU_ASSERT_EQUAL(PARSE("INVITE sip:b@example.org SIP/2.0" CRLF
			      "Max-Forwards: 7x" CRLF HDRS_REQ CRLF),
			-EBADMSG);
	CU_ASSERT_STRING_EQUAL(err.what, "bad Max-Forwards");
	EQ(err.hdr, "Max-Forwards");
	CU_ASSERT_EQUAL(err.offset, sizeof("INVITE sip:b@example.org SIP/2.0" CRLF
					   "Max-Forwards: ") - 1);
	/* the answer still has its Via, From, To, Call-ID and CSeq */
	EQ(msg.via.branch, "z9hG4bK776");
	EQ(msg.from.tag, "1928");
	CU_ASSERT_EQUAL(msg.cseq.num, 314159);
	/* a malformed response is dropped, never answered */
	CU_ASSERT_EQUAL(PARSE("SIP/2.0 200 OK" CRLF HDRS_REQ "Contact: <sip:a@h" CRLF CRLF),
			-EBADMSG);
	CU_ASSERT_EQUAL(err.status, 0);
	EQ(err.hdr, "Contact");
	/* without a Via there is nobody to answer */
	CU_ASSERT_EQUAL(PARSE("OPTIONS sip:b@example.org SIP/2.0" CRLF
			      "CSeq: 1 OPTIONS" CRLF CRLF),
			-EBADMSG);
	CU_ASSERT_EQUAL(err.status, 0);
	CU_ASSERT_EQUAL(PARSE("OPTIONS sip:b@example.org SIP/2.0" CRLF
			      "Bad Name: x" CRLF CRLF),
			-EBADMSG);
	CU_ASSERT_STRING_EQUAL(err.what, "header has no colon");
	CU_ASSERT_EQUAL(PARSE("OPTIONS sip:b@example.org SIP/2.0" CRLF
			      " folded: x" CRLF CRLF),
			-EBADMSG);
	CU_ASSERT_STRING_EQUAL(err.what, "continuation line without a header");
}

static void test_too_many_headers(void)
{
	char text[8192], *p = text;

	p += sprintf(p, "INVITE sip:b@example.org SIP/2.0" CRLF HDRS_REQ);
	for (int i = 0; i < SIP_MAX_HDRS; i++)
		p += sprintf(p, "X-H%d: %d" CRLF, i, i);
	p += sprintf(p, CRLF);
	CU_ASSERT_EQUAL(parse_flags(text, p - text, 0), -EBADMSG);
	CU_ASSERT_EQUAL(err.status, 513);
	/* one fewer than the limit fits */
	p = text + sprintf(text, "INVITE sip:b@example.org SIP/2.0" CRLF HDRS_REQ);
	for (int i = 0; i < SIP_MAX_HDRS - 6; i++)
		p += sprintf(p, "X-H%d: %d" CRLF, i, i);
	p += sprintf(p, CRLF);
	CU_ASSERT_EQUAL(parse_flags(text, p - text, 0), 0);
	CU_ASSERT_EQUAL(msg.nhdrs, SIP_MAX_HDRS);
}

static void test_stream_needs_length(void)
{
	CU_ASSERT_EQUAL(PARSE_STREAM("OPTIONS sip:b@example.org SIP/2.0" CRLF HDRS_REQ CRLF),
			-EBADMSG);
	CU_ASSERT_EQUAL(PARSE("INVITE sip:b@example.org SIP/2.0" CRLF HDRS_REQ CRLF "body"),
			0);
	EQ(msg.body, "body"); /* a datagram's body runs to its end */
	CU_ASSERT_EQUAL(PARSE("INVITE sip:b@example.org SIP/2.0" CRLF HDRS_REQ
			      "Content-Length: 2" CRLF CRLF "body"),
			0);
	EQ(msg.body, "bo");
	CU_ASSERT_EQUAL(msg.len, strlen("INVITE sip:b@example.org SIP/2.0" CRLF HDRS_REQ
					"Content-Length: 2" CRLF CRLF "bo"));
}

static ssize_t frame(const char *lit, size_t len)
{
	memset(&err, 0, sizeof(err));
	free(buf);
	buf = malloc(len ? len : 1);
	memcpy(buf, lit, len);
	return sip_msg_frame(buf, len, &err);
}

#define FRAME(lit) frame((lit), sizeof(lit) - 1)

static void test_frame(void)
{
	static const char two[] = "OPTIONS sip:a SIP/2.0" CRLF "l: 3" CRLF CRLF "abc"
				  "OPTIONS sip:b SIP/2.0" CRLF;

	CU_ASSERT_EQUAL(FRAME(""), 0);
	CU_ASSERT_EQUAL(FRAME(CRLF CRLF), 4); /* RFC 5626 ping */
	CU_ASSERT_EQUAL(FRAME("OPTIONS sip:a SIP/2.0" CRLF "Content-Length: 3" CRLF),
			0);
	CU_ASSERT_EQUAL(FRAME("OPTIONS sip:a SIP/2.0" CRLF "Content-Length: 3" CRLF
			      CRLF "ab"),
			0);
	CU_ASSERT_EQUAL(frame(two, sizeof(two) - 1),
			(ssize_t)strlen("OPTIONS sip:a SIP/2.0" CRLF "l: 3" CRLF CRLF "abc"));
	CU_ASSERT_EQUAL(FRAME("OPTIONS sip:a SIP/2.0" CRLF "Via: x" CRLF CRLF), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err.what, "Content-Length missing on a stream");
	CU_ASSERT_EQUAL(FRAME("OPTIONS sip:a SIP/2.0" CRLF "Content-Length: -1" CRLF CRLF),
			-EBADMSG);
	CU_ASSERT_EQUAL(FRAME("OPTIONS sip:a SIP/2.0" CRLF "l: 1" CRLF "l: 1" CRLF CRLF "x"),
			-EBADMSG);
}

static void test_iterators(void)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;
	struct sip_nameaddr na;
	struct sip_via v;
	struct sip_str tok;
	int n = 0;

	CU_ASSERT_EQUAL_FATAL(PARSE("REGISTER sip:example.org SIP/2.0" CRLF
				    "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, "
				    "SIP/2.0/TCP [2001:db8::1]:5062;branch=z9hG4bK2;received=192.0.2.9" CRLF
				    "Via: SIP/2.0/TLS 192.0.2.3;branch=z9hG4bK3;ttl=16;maddr=239.1.1.1" CRLF
				    "To: <sip:bob@example.org>" CRLF
				    "From: <sip:bob@example.org>;tag=9" CRLF
				    "Call-ID: r1" CRLF "CSeq: 7 REGISTER" CRLF
				    "Contact: <sip:bob@192.0.2.4>;q=0.7;expires=60, "
				    "\"Bob\" <sip:bob@192.0.2.5;transport=tcp>;+sip.instance=\"<urn:uuid:1>\";reg-id=2" CRLF
				    "Contact: sip:bob@192.0.2.6;q=1" CRLF
				    "Route: <sip:p1.example.org;lr>, <sip:p2.example.org;lr>" CRLF
				    "Supported: path, outbound" CRLF "Supported:" CRLF
				    "Content-Length: 0" CRLF CRLF),
			      0);
	CU_ASSERT_EQUAL(msg.nvia, 3);
	while (sip_via_next(&msg, &it, &v) == 1) {
		n++;
		if (n == 2) {
			EQ(v.host, "[2001:db8::1]");
			CU_ASSERT_EQUAL(v.host_type, SIP_HOST_IPV6);
			CU_ASSERT_EQUAL(v.port, 5062);
			EQ(v.received, "192.0.2.9");
		}
		if (n == 3) {
			EQ(v.transport, "TLS");
			CU_ASSERT_TRUE(v.has_ttl);
			CU_ASSERT_EQUAL(v.ttl, 16);
			EQ(v.maddr, "239.1.1.1");
		}
	}
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(sip_via_next(&msg, &it, &v), 0); /* stays at the end */

	it = (struct sip_iter)SIP_ITER_INIT;
	CU_ASSERT_EQUAL_FATAL(sip_contact_next(&msg, &it, &c), 1);
	CU_ASSERT_EQUAL(c.q, 700);
	CU_ASSERT_EQUAL(c.expires, 60);
	CU_ASSERT_EQUAL_FATAL(sip_contact_next(&msg, &it, &c), 1);
	EQ(c.na.display, "Bob");
	EQ(c.instance, "<urn:uuid:1>");
	CU_ASSERT_EQUAL(c.reg_id, 2);
	CU_ASSERT_EQUAL(c.q, -1);
	EQ(c.na.uri.transport, "tcp");
	CU_ASSERT_EQUAL_FATAL(sip_contact_next(&msg, &it, &c), 1);
	CU_ASSERT_EQUAL(c.q, 1000);
	CU_ASSERT_FALSE(c.na.angle);
	CU_ASSERT_EQUAL(sip_contact_next(&msg, &it, &c), 0);

	it = (struct sip_iter)SIP_ITER_INIT;
	CU_ASSERT_EQUAL(sip_nameaddr_next(&msg, SIP_H_ROUTE, &it, &na), 1);
	EQ(na.uri.host, "p1.example.org");
	CU_ASSERT_TRUE(na.uri.lr);
	CU_ASSERT_EQUAL(sip_nameaddr_next(&msg, SIP_H_ROUTE, &it, &na), 1);
	EQ(na.uri.host, "p2.example.org");
	CU_ASSERT_EQUAL(sip_nameaddr_next(&msg, SIP_H_ROUTE, &it, &na), 0);

	it = (struct sip_iter)SIP_ITER_INIT;
	CU_ASSERT_EQUAL(sip_token_next(&msg, SIP_H_SUPPORTED, &it, &tok), 1);
	EQ(tok, "path");
	CU_ASSERT_EQUAL(sip_token_next(&msg, SIP_H_SUPPORTED, &it, &tok), 1);
	EQ(tok, "outbound");
	CU_ASSERT_EQUAL(sip_token_next(&msg, SIP_H_SUPPORTED, &it, &tok), 0);
}

static void test_contact_rules(void)
{
	CU_ASSERT_EQUAL(PARSE("REGISTER sip:example.org SIP/2.0" CRLF
			      "Via: SIP/2.0/UDP a;branch=z9hG4bK1" CRLF
			      "To: <sip:b@example.org>" CRLF "From: <sip:b@example.org>;tag=1" CRLF
			      "Call-ID: r" CRLF "CSeq: 1 REGISTER" CRLF "Contact: *" CRLF
			      "Expires: 0" CRLF CRLF),
			0);
	CU_ASSERT_EQUAL(msg.expires, 0);
	CU_ASSERT_EQUAL(PARSE("REGISTER sip:example.org SIP/2.0" CRLF
			      "Via: SIP/2.0/UDP a;branch=z9hG4bK1" CRLF
			      "To: <sip:b@example.org>" CRLF "From: <sip:b@example.org>;tag=1" CRLF
			      "Call-ID: r" CRLF "CSeq: 1 REGISTER" CRLF
			      "Contact: *, <sip:b@h>" CRLF CRLF),
			-EBADMSG);
	CU_ASSERT_STRING_EQUAL(err.what, "Contact * with other contacts");
	CU_ASSERT_EQUAL(PARSE("REGISTER sip:example.org SIP/2.0" CRLF
			      "Via: SIP/2.0/UDP a;branch=z9hG4bK1" CRLF
			      "To: <sip:b@example.org>" CRLF "From: <sip:b@example.org>;tag=1" CRLF
			      "Call-ID: r" CRLF "CSeq: 1 REGISTER" CRLF
			      "Contact: <sip:b@h>;q=1.5" CRLF CRLF),
			-EBADMSG);
	CU_ASSERT_STRING_EQUAL(err.what, "bad Contact parameter");
}

static void test_req_check(void)
{
	static const char *const sup[] = { "path", NULL };
	struct sip_str unsup = SIP_STR_NULL;

	CU_ASSERT_EQUAL_FATAL(PARSE("INVITE sip:b@example.org SIP/2.0" CRLF HDRS_REQ
				    "Proxy-Require: path, foo" CRLF CRLF),
			      0);
	CU_ASSERT_EQUAL(sip_req_check(&msg, NULL, NULL, &err), 0);
	CU_ASSERT_EQUAL(sip_req_check(&msg, sup, &unsup, &err), -EBADMSG);
	CU_ASSERT_EQUAL(err.status, 420);
	EQ(unsup, "foo");
	CU_ASSERT_EQUAL_FATAL(PARSE("INVITE sip:b@example.org SIP/2.0" CRLF
				    "Via: SIP/2.0/UDP a;branch=z9hG4bK1" CRLF
				    "Max-Forwards: 0" CRLF "To: <sip:b@example.org>" CRLF
				    "From: <sip:a@example.org>;tag=1" CRLF "Call-ID: c" CRLF
				    "CSeq: 1 INVITE" CRLF CRLF),
			      0);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(sip_req_check(&msg, sup, NULL, &err), -EBADMSG);
	CU_ASSERT_EQUAL(err.status, 483);
	CU_ASSERT_EQUAL_FATAL(PARSE("INVITE mailto:b@example.org SIP/2.0" CRLF HDRS_REQ CRLF),
			      0);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(sip_req_check(&msg, sup, NULL, &err), -EBADMSG);
	CU_ASSERT_EQUAL(err.status, 416);
}

static void test_auth(void)
{
	struct sip_auth a;

	CU_ASSERT_EQUAL_FATAL(sip_auth_parse(&a, SIP_STR("Digest username=\"bob\",\r\n realm=\"b.example\", "
							  "nonce=\"n1\", uri=\"sip:b.example\", "
							  "response=\"0123\", algorithm=SHA-256, qop=auth, "
							  "nc=00000001, cnonce=\"c\", opaque=\"o\", userhash=true"),
					     &err),
			      0);
	EQ(a.scheme, "Digest");
	EQ(a.username, "bob");
	EQ(a.realm, "b.example");
	EQ(a.nonce, "n1");
	EQ(a.uri, "sip:b.example");
	EQ(a.response, "0123");
	EQ(a.algorithm, "SHA-256");
	EQ(a.qop, "auth");
	EQ(a.nc, "00000001");
	EQ(a.cnonce, "c");
	EQ(a.opaque, "o");
	CU_ASSERT_TRUE(a.userhash);
	CU_ASSERT_EQUAL(sip_auth_parse(&a, SIP_STR("Digest realm=\"unterminated"), &err),
			-EBADMSG);
	CU_ASSERT_EQUAL(sip_auth_parse(&a, SIP_STR("Digest realm"), &err), -EBADMSG);
	CU_ASSERT_EQUAL(sip_auth_parse(&a, SIP_STR("Basic"), &err), 0);
	EQ(a.scheme, "Basic");
}

static void test_param_find(void)
{
	struct sip_str v;

	CU_ASSERT_TRUE(sip_param_find(SIP_STR("a=1;B=\"x y\";c"), "b", &v));
	EQ(v, "\"x y\"");
	CU_ASSERT_TRUE(sip_param_find(SIP_STR(" ; a = 1 ; c"), "c", &v));
	CU_ASSERT_EQUAL(v.len, 0);
	CU_ASSERT_TRUE(sip_param_find(SIP_STR(";a=1"), "a", &v));
	EQ(v, "1");
	CU_ASSERT_FALSE(sip_param_find(SIP_STR("a=1;cc"), "c", NULL));
	CU_ASSERT_FALSE(sip_param_find(SIP_STR_NULL, "c", NULL));
}

static const char invite[] = "INVITE sip:bob@example.org SIP/2.0" CRLF
	"Via: SIP/2.0/UDP p1.example.net;branch=z9hG4bKp1, "
	"SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776" CRLF
	"Route: <sip:p2.example.org;lr>,<sip:p3.example.org;lr>" CRLF
	"Max-Forwards:   69" CRLF
	"To: Bob <sip:bob@example.org>" CRLF
	"X-Odd  :  kept ,  as" CRLF "\tit was" CRLF
	"From: <sip:alice@example.com>;tag=1928" CRLF
	"Call-ID: c1" CRLF "CSeq: 1 INVITE" CRLF
	"Content-Length: 3" CRLF CRLF "abc";

static char out[2048];

static ssize_t write_out(void)
{
	ssize_t n = sip_msg_write(&msg, out, sizeof(out));

	if (n >= 0 && n < (ssize_t)sizeof(out))
		out[n] = '\0';
	return n;
}

static void test_write_untouched(void)
{
	CU_ASSERT_EQUAL_FATAL(parse_flags(invite, sizeof(invite) - 1, 0), 0);
	CU_ASSERT_EQUAL_FATAL(write_out(), (ssize_t)sizeof(invite) - 1);
	CU_ASSERT_EQUAL(memcmp(out, invite, sizeof(invite) - 1), 0);
}

/* §16.6: what a proxy does to a request it forwards */
static void test_write_proxy_edits(void)
{
	static const char want[] = "INVITE sip:bob@192.0.2.7:5062 SIP/2.0" CRLF
		"Via: SIP/2.0/UDP p2.example.org;branch=z9hG4bKp2" CRLF
		"Record-Route: <sip:p2.example.org;lr>" CRLF
		"Via: SIP/2.0/UDP p1.example.net;branch=z9hG4bKp1, "
		"SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776" CRLF
		"Route: <sip:p3.example.org;lr>" CRLF
		"Max-Forwards: 68" CRLF
		"To: Bob <sip:bob@example.org>" CRLF
		"X-Odd  :  kept ,  as" CRLF "\tit was" CRLF
		"From: <sip:alice@example.com>;tag=1928" CRLF
		"Call-ID: c1" CRLF "CSeq: 1 INVITE" CRLF
		"Content-Length: 5" CRLF "X-Added: yes" CRLF CRLF "hello";

	CU_ASSERT_EQUAL_FATAL(parse_flags(invite, sizeof(invite) - 1, 0), 0);
	CU_ASSERT_EQUAL(sip_route_pop(&msg), 0);
	CU_ASSERT_EQUAL(sip_via_push(&msg, SIP_STR("SIP/2.0/UDP p2.example.org;branch=z9hG4bKp2")), 0);
	CU_ASSERT_EQUAL(sip_rr_push(&msg, SIP_STR("<sip:p2.example.org;lr>")), 0);
	CU_ASSERT_EQUAL(sip_set_ruri(&msg, SIP_STR("sip:bob@192.0.2.7:5062")), 0);
	CU_ASSERT_EQUAL(sip_hdr_set(&msg, sip_hdr_find(&msg, SIP_H_MAX_FORWARDS), SIP_STR("68")), 0);
	CU_ASSERT_EQUAL(sip_hdr_add_named(&msg, -1, SIP_STR("X-Added"), SIP_STR("yes")), 0);
	CU_ASSERT_EQUAL(sip_set_body(&msg, SIP_STR("hello")), 0);
	CU_ASSERT_EQUAL_FATAL(write_out(), (ssize_t)sizeof(want) - 1);
	CU_ASSERT_STRING_EQUAL(out, want);
	if (strcmp(out, want))
		fprintf(stderr, "\n---got\n%s\n---want\n%s\n", out, want);
	/* what we wrote is a valid message again */
	CU_ASSERT_EQUAL(parse_flags(out, sizeof(want) - 1, SIP_PARSE_STREAM), 0);
	CU_ASSERT_EQUAL(msg.nvia, 3);
	CU_ASSERT_EQUAL(msg.max_forwards, 68);
}

/* A response loses its top Via: a value from a list, or the whole line. */
static void test_write_via_pop(void)
{
	static const char resp[] = "SIP/2.0 200 OK" CRLF
		"Via: SIP/2.0/UDP p1.example.net;branch=z9hG4bKp1 ,  "
		"SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776" CRLF
		"Via: SIP/2.0/UDP pc34.example.com;branch=z9hG4bK777" CRLF
		"To: <sip:b@example.org>;tag=2" CRLF "From: <sip:a@example.com>;tag=1" CRLF
		"Call-ID: c1" CRLF "CSeq: 1 INVITE" CRLF "Content-Length: 0" CRLF CRLF;

	CU_ASSERT_EQUAL_FATAL(parse_flags(resp, sizeof(resp) - 1, 0), 0);
	CU_ASSERT_EQUAL(sip_via_pop(&msg), 0);
	CU_ASSERT_TRUE_FATAL(write_out() > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, CRLF "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776" CRLF
					   "Via: SIP/2.0/UDP pc34"));
	CU_ASSERT_EQUAL(sip_via_pop(&msg), 0);
	CU_ASSERT_TRUE_FATAL(write_out() > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "OK" CRLF "Via: SIP/2.0/UDP pc34.example.com"));
	CU_ASSERT_EQUAL(sip_via_pop(&msg), 0);
	CU_ASSERT_TRUE_FATAL(write_out() > 0);
	CU_ASSERT_PTR_NULL(strstr(out, "Via"));
	CU_ASSERT_EQUAL(sip_via_pop(&msg), -ENOENT);
}

static void test_write_nospace(void)
{
	ssize_t full;

	CU_ASSERT_EQUAL_FATAL(parse_flags(invite, sizeof(invite) - 1, 0), 0);
	sip_via_push(&msg, SIP_STR("SIP/2.0/UDP p2.example.org;branch=z9hG4bKp2"));
	full = sip_msg_write(&msg, out, sizeof(out));
	CU_ASSERT_TRUE_FATAL(full > 0);
	for (ssize_t size = 0; size < full; size++) {
		char *small = malloc(size ? size : 1);

		CU_ASSERT_EQUAL(sip_msg_write(&msg, small, size), -ENOSPC);
		free(small);
	}
}

static void test_scratch_limits(void)
{
	char big[SIP_SCRATCH + 1];

	memset(big, 'a', sizeof(big));
	CU_ASSERT_EQUAL_FATAL(parse_flags(invite, sizeof(invite) - 1, 0), 0);
	CU_ASSERT_EQUAL(sip_hdr_add_named(&msg, -1, SIP_STR("X"), sip_str_make(big, sizeof(big))),
			-ENOSPC);
	CU_ASSERT_EQUAL(sip_hdr_set(&msg, msg.nhdrs, SIP_STR("x")), -EINVAL);
	for (int i = 0; i < SIP_MAX_ADDS; i++)
		CU_ASSERT_EQUAL(sip_hdr_add(&msg, -1, SIP_H_SUBJECT, SIP_STR("s")), 0);
	CU_ASSERT_EQUAL(sip_hdr_add(&msg, -1, SIP_H_SUBJECT, SIP_STR("s")), -ENOSPC);
}

int main(void)
{
	CU_TestInfo parse[] = {
		{ "fields", test_fields },
		{ "response", test_response },
		{ "compact forms and case", test_compact_and_case },
		{ "folding kept", test_folding_kept },
		{ "error reports", test_error_reports },
		{ "too many headers", test_too_many_headers },
		{ "stream needs Content-Length", test_stream_needs_length },
		{ "stream framing", test_frame },
		{ "iterators", test_iterators },
		{ "contact rules", test_contact_rules },
		{ "request checks", test_req_check },
		{ "auth", test_auth },
		{ "param find", test_param_find },
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo write[] = {
		{ "untouched is byte for byte", test_write_untouched },
		{ "proxy edits", test_write_proxy_edits },
		{ "via pop", test_write_via_pop },
		{ "no space", test_write_nospace },
		{ "scratch limits", test_scratch_limits },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "msg-parse", NULL, NULL, NULL, NULL, parse },
		{ "msg-write", NULL, NULL, NULL, NULL, write },
		CU_SUITE_INFO_NULL,
	};
	int ret = tu_run(suites);

	free(buf);
	return ret;
}
