// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 4475 §3.1.2 to §3.4: the invalid messages must be refused with the
 * status the RFC prescribes; the application-layer cases (§3.2, §3.3) and
 * the RFC 2543 one (§3.4) must parse and then be refused (or not) by
 * sip_req_check().  Each is read byte for byte from
 * selftests/unit/rfc4475/ and parsed as a UDP datagram.  The valid
 * messages are in test_rfc4475_valid.c; the table is in
 * selftests/unit/rfc4475/README.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "torture.h"

/*
 * §3.1.2: syntax errors.  A request is answered 400 (505 for badvers), a
 * response is dropped (status 0).  Where the RFC lets an element be
 * liberal instead, sipfp is strict: it never forwards what it would have
 * to repair first.
 */
static void test_badinv01(void)
{
	tt_refuse("badinv01", 400, "Via");
}

/* Over UDP the missing octets will never come: 400.  On a stream, wait. */
static void test_clerr(void)
{
	tt_refuse("clerr", 400, "Content-Length");
	memset(&tt_err, 0, sizeof(tt_err));
	CU_ASSERT_EQUAL(sip_msg_frame(tt_buf, tt_len, &tt_err), 0);
}

/* On a stream a bad length loses the framing for good. */
static void test_ncl(void)
{
	tt_refuse("ncl", 400, "Content-Length");
	memset(&tt_err, 0, sizeof(tt_err));
	CU_ASSERT_EQUAL(sip_msg_frame(tt_buf, tt_len, &tt_err), -EBADMSG);
}

/* The RFC wants the 400 for the CSeq, the first out-of-range field. */
static void test_scalar02(void)
{
	tt_refuse("scalar02", 400, "CSeq");
}

static void test_scalarlg(void)
{
	tt_refuse("scalarlg", 0, NULL);
}

static void test_quotbal(void)
{
	tt_refuse("quotbal", 400, "To");
}

static void test_ltgtruri(void)
{
	tt_refuse("ltgtruri", 400, "");
}

static void test_lwsruri(void)
{
	tt_refuse("lwsruri", 400, "");
}

static void test_lwsstart(void)
{
	tt_refuse("lwsstart", 400, "");
}

static void test_trws(void)
{
	tt_refuse("trws", 400, "");
}

static void test_escruri(void)
{
	tt_refuse("escruri", 400, "");
}

/*
 * "EST" is no rfc1123-date zone (only GMT is), but Date is informational:
 * a proxy forwards it untouched rather than fail a call over a clock
 * label (RFC 4475 §3.1.2.12 lets an element ignore a Date it doesn't use).
 */
static void test_baddate(void)
{
	int i;

	tt_accept("baddate");
	i = sip_hdr_find(&tt_msg, SIP_H_DATE);
	CU_ASSERT_TRUE_FATAL(i >= 0);
	EQ(tt_msg.hdr[i].value, "Fri, 01 Jan 2010 16:00:00 EST");
}

static void test_regbadct(void)
{
	tt_refuse("regbadct", 400, "Contact");
}

static void test_badaspec(void)
{
	tt_refuse("badaspec", 400, "To");
}

/*
 * The archived baddn.dat has no empty line after its headers, so it is
 * also checked with one added: the display names alone must get the 400.
 */
static void test_baddn(void)
{
	char *framed;

	tt_refuse("baddn", 400, NULL);
	framed = malloc(tt_len + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(framed);
	memcpy(framed, tt_buf, tt_len);
	memcpy(framed + tt_len, "\r\n", 2);
	free(tt_buf);
	tt_buf = framed;
	tt_len += 2;
	tt_refuse_buf(400, "From");
}

static void test_badvers(void)
{
	tt_refuse("badvers", 505, "");
}

static void test_mismatch01(void)
{
	tt_refuse("mismatch01", 400, "CSeq");
}

/* The RFC prefers 501 for an unknown method; the mismatch is found first. */
static void test_mismatch02(void)
{
	tt_refuse("mismatch02", 400, "CSeq");
}

static void test_bigcode(void)
{
	tt_refuse("bigcode", 0, "");
}

/*
 * §3.2.1: the magic cookie and nothing after it.  Syntactically a branch
 * like any other; the transaction layer falls back to RFC 2543 matching.
 */
static void test_badbranch(void)
{
	static const struct via_want via = {
		"UDP", "192.0.2.1", 0, "z9hG4bK", "",
	};

	tt_accept("badbranch");
	tt_check_req(SIP_OPTIONS, "OPTIONS");
	tt_check_addr(&tt_msg.from, "", "caller", "example.org", "33242");
	tt_check_ids("badbranch.sadonfo23i420jv0as0derf3j3n", 8, "OPTIONS", 3);
	tt_check_vias(&via, 1);
	tt_check_body(0, 0);
}

/* §3.3.1: no To, From or Call-ID; the Via and CSeq still allow a 400. */
static void test_insuf(void)
{
	static const struct via_want via = {
		"UDP", "192.0.2.95", 0, "z9hG4bKkdj.insuf", "",
	};

	tt_refuse("insuf", 400, NULL);
	CU_ASSERT_EQUAL(tt_msg.nvia, 1);
	tt_check_via(&tt_msg.via, &via);
	CU_ASSERT_EQUAL(tt_msg.cseq.num, 193942);
	EQ(tt_msg.cseq.method_s, "INVITE");
}

static void check_unknown_ruri(const char *scheme, const char *opaque)
{
	CU_ASSERT_EQUAL(tt_msg.ruri.scheme, SIP_URI_OTHER);
	EQS(tt_msg.ruri.scheme_s, scheme);
	EQS(tt_msg.ruri.opaque, opaque);
	/* routing on the SIP To URI instead would be the error */
	tt_check_addr(&tt_msg.to, "", "user", "example.com", "");
	CU_ASSERT_EQUAL(tt_proxy_check(NULL), -EBADMSG);
	CU_ASSERT_EQUAL(tt_err.status, 416);
}

/* §3.3.2: an unknown Request-URI scheme parses, and is refused 416. */
static void test_unkscm(void)
{
	tt_accept("unkscm");
	tt_check_req(SIP_OPTIONS, "OPTIONS");
	tt_check_ids("unkscm.nasdfasser0q239nwsdfasdkl34", 3923423, "OPTIONS",
		     3);
	check_unknown_ruri("nobodyKnowsThisScheme", "totallyopaquecontent");
}

/* §3.3.3: a registered scheme a proxy never routes: 416 as well. */
static void test_novelsc(void)
{
	tt_accept("novelsc");
	tt_check_req(SIP_OPTIONS, "OPTIONS");
	tt_check_ids("novelsc.asdfasser0q239nwsdfasdkl34", 3923423, "OPTIONS",
		     3);
	check_unknown_ruri("soap.beep", "//192.0.2.103:3002");
}

/* §3.3.4: non-SIP URIs in To, From, Contact: a proxy forwards it. */
static void test_unksm2(void)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;

	tt_accept("unksm2");
	tt_check_req(SIP_REGISTER, "REGISTER");
	CU_ASSERT_EQUAL(tt_msg.to.uri.scheme, SIP_URI_OTHER);
	EQ(tt_msg.to.uri.scheme_s, "isbn");
	EQ(tt_msg.to.uri.opaque, "2983792873");
	CU_ASSERT_EQUAL(tt_msg.from.uri.scheme, SIP_URI_OTHER);
	EQ(tt_msg.from.uri.scheme_s, "http");
	EQ(tt_msg.from.uri.opaque, "//www.example.com");
	EQ(tt_msg.from.tag, "3234233");
	CU_ASSERT_EQUAL(sip_contact_next(&tt_msg, &it, &c), 1);
	EQ(c.na.uri.scheme_s, "name");
	EQ(c.na.uri.opaque, "John_Smith");
	CU_ASSERT_EQUAL(sip_contact_next(&tt_msg, &it, &c), 0);
	tt_check_ids("unksm2.daksdj@hyphenated-host.example.com", 234902,
		     "REGISTER", 70);
	CU_ASSERT_EQUAL(tt_proxy_check(NULL), 0);
}

/* §3.3.5: a proxy answers 420 for Proxy-Require, leaves Require alone. */
static void test_bext01(void)
{
	static const char *const req[] = {
		"nothingSupportsThis", "nothingSupportsThisEither", NULL,
	};
	static const char *const preq[] = {
		"noProxiesSupportThis", "norDoAnyProxiesSupportThis", NULL,
	};
	struct sip_str unsup = SIP_STR_NULL;

	tt_accept("bext01");
	tt_check_req(SIP_OPTIONS, "OPTIONS");
	tt_check_tokens(SIP_H_REQUIRE, req);
	tt_check_tokens(SIP_H_PROXY_REQUIRE, preq);
	CU_ASSERT_EQUAL(tt_proxy_check(&unsup), -EBADMSG);
	CU_ASSERT_EQUAL(tt_err.status, 420);
	EQ(unsup, "noProxiesSupportThis");
	memset(&tt_err, 0, sizeof(tt_err));
	CU_ASSERT_EQUAL(sip_req_check(&tt_msg, NULL, NULL, &tt_err), 0);
}

/* §3.3.6: an unknown body type is the UAS's 415, not the parser's. */
static void test_invut(void)
{
	tt_accept("invut");
	tt_check_req(SIP_INVITE, "INVITE");
	tt_check_ids("invut.0ha0isndaksdjadsfij34n23d", 235448, "INVITE", 70);
	EQ(tt_msg.content_type, "application/unknownformat");
	tt_check_body(40, 40);
	EQ(tt_msg.body, "<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n");
	CU_ASSERT_EQUAL(tt_proxy_check(NULL), 0);
}

/* §3.3.7: an unknown scheme is forwarded unmodified; it parses. */
static void test_regaut01(void)
{
	struct sip_auth a;
	int i;

	tt_accept("regaut01");
	tt_check_req(SIP_REGISTER, "REGISTER");
	tt_check_ids("regaut01.0ha0isndaksdj", 9338, "REGISTER", 8);
	i = sip_hdr_find(&tt_msg, SIP_H_AUTHORIZATION);
	CU_ASSERT_FATAL(i >= 0);
	memset(&tt_err, 0, sizeof(tt_err));
	CU_ASSERT_EQUAL_FATAL(sip_auth_parse(&a, tt_msg.hdr[i].value, &tt_err),
			      0);
	EQ(a.scheme, "NoOneKnowsThisScheme");
	EQ(a.params, "opaque-data=here");
	EQ(a.username, "");
	tt_check_body(0, 0);
	CU_ASSERT_EQUAL(tt_proxy_check(NULL), 0);
}

/* §3.3.8: To, From, Call-ID, CSeq and Max-Forwards twice: 400. */
static void test_multi01(void)
{
	tt_refuse("multi01", 400, NULL);
}

/* §3.3.9: conflicting lengths lose the framing, as ncl does. */
static void test_mcl01(void)
{
	tt_refuse("mcl01", 400, "Content-Length");
	memset(&tt_err, 0, sizeof(tt_err));
	CU_ASSERT_EQUAL(sip_msg_frame(tt_buf, tt_len, &tt_err), -EBADMSG);
}

/* §3.3.10: parses; response routing drops it rather than broadcast. */
static void test_bcast(void)
{
	static const struct via_want vias[] = {
		{ "UDP", "192.0.2.198", 0, "z9hG4bK1324923", "" },
		{ "UDP", "255.255.255.255", 0, "z9hG4bK1saber23", "" },
	};

	tt_accept("bcast");
	tt_check_resp(200, SIP_STR("OK"));
	tt_check_vias(vias, 2);
	tt_check_ids("bcast.0384840201234ksdfak3j2erwedfsASdf", 35, "INVITE",
		     -1);
	tt_check_body(154, 154);
}

/* §3.3.11: legal, but a proxy forwarding it answers 483. */
static void test_zeromf(void)
{
	tt_accept("zeromf");
	tt_check_req(SIP_OPTIONS, "OPTIONS");
	tt_check_ids("zeromf.jfasdlfnm2o2l43r5u0asdfas", 39234321, "OPTIONS",
		     0);
	CU_ASSERT_EQUAL(tt_proxy_check(NULL), -EBADMSG);
	CU_ASSERT_EQUAL(tt_err.status, 483);
}

/* §3.3.12: after an addr-spec, ";unknownparam" is a contact-param. */
static void test_cparam01(void)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;
	struct sip_str v;

	tt_accept("cparam01");
	tt_check_ids("cparam01.70710@saturn.example.com", 2, "REGISTER", 70);
	CU_ASSERT_EQUAL_FATAL(sip_contact_next(&tt_msg, &it, &c), 1);
	CU_ASSERT_FALSE(c.na.angle);
	tt_check_uri(&c.na.uri, "+19725552222", "gw1.example.net", 0, "");
	EQ(c.na.params, "unknownparam");
	CU_ASSERT_TRUE(sip_param_find(c.na.params, "unknownparam", &v));
	EQ(v, "");
	CU_ASSERT_EQUAL(sip_contact_next(&tt_msg, &it, &c), 0);
}

/* §3.3.13: inside <>, the same parameter belongs to the URI. */
static void test_cparam02(void)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;

	tt_accept("cparam02");
	tt_check_ids("cparam02.70710@saturn.example.com", 3, "REGISTER", 70);
	CU_ASSERT_EQUAL_FATAL(sip_contact_next(&tt_msg, &it, &c), 1);
	CU_ASSERT_TRUE(c.na.angle);
	tt_check_uri(&c.na.uri, "+19725552222", "gw1.example.net", 0,
		     "unknownparam");
	CU_ASSERT_TRUE(sip_uri_param(&c.na.uri, "unknownparam", NULL));
	EQ(c.na.params, "");
	CU_ASSERT_EQUAL(sip_contact_next(&tt_msg, &it, &c), 0);
}

/* §3.3.14: an escaped header inside <> is valid and must be kept. */
static void test_regescrt(void)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;

	tt_accept("regescrt");
	tt_check_ids("regescrt.k345asrl3fdbv@192.0.2.1", 14398234, "REGISTER",
		     70);
	CU_ASSERT_EQUAL_FATAL(sip_contact_next(&tt_msg, &it, &c), 1);
	CU_ASSERT_TRUE(c.na.angle);
	tt_check_uri(&c.na.uri, "user", "example.com", 0, "");
	EQ(c.na.uri.headers, "Route=%3Csip:sip.example.com%3E");
	tt_check_body(0, 0);
}

/* §3.3.15: the UAS's 406; nothing for the parser or the proxy. */
static void test_sdp01(void)
{
	tt_accept("sdp01");
	tt_check_req(SIP_INVITE, "INVITE");
	tt_check_ids("sdp01.ndaksdj9342dasdd", 8, "INVITE", 5);
	tt_check_hdr("Accept", SIP_H_ACCEPT, SIP_STR("text/nobodyKnowsThis"));
	EQ(tt_msg.content_type, "application/sdp");
	tt_check_body(150, 150);
	CU_ASSERT_EQUAL(tt_proxy_check(NULL), 0);
}

/*
 * §3.4.1: RFC 2543 syntax: no branch, no tags, no Max-Forwards, and over
 * UDP no Content-Length (the body runs to the end of the datagram).
 */
static void test_inv2543(void)
{
	static const struct via_want via = {
		"UDP", "iftgw.example.com", 0, "", "",
	};
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_nameaddr rr;

	tt_accept("inv2543");
	tt_check_req(SIP_INVITE, "INVITE");
	tt_check_uri(&tt_msg.ruri, "UserB", "example.com", 0, "");
	tt_check_vias(&via, 1);
	tt_check_addr(&tt_msg.from, "", "+13035551111",
		      "ift.client.example.net", "");
	EQ(tt_msg.from.uri.user_param, "phone");
	/* addr-spec form: ";user=phone" is a To parameter, not the URI's */
	tt_check_addr(&tt_msg.to, "", "+16505552222", "ss1.example.net", "");
	EQ(tt_msg.to.uri.user_param, "");
	EQ(tt_msg.to.params, "user=phone");
	CU_ASSERT_EQUAL(
		sip_nameaddr_next(&tt_msg, SIP_H_RECORD_ROUTE, &it, &rr), 1);
	tt_check_uri(&rr.uri, "UserB", "example.com", 0,
		     "maddr=ss1.example.com");
	EQ(rr.uri.maddr, "ss1.example.com");
	tt_check_ids("inv2543.1717@ift.client.example.com", 56, "INVITE", -1);
	tt_check_body(-1, 105);
	CU_ASSERT_EQUAL(tt_proxy_check(NULL), 0);
	/* a stream cannot frame it */
	memset(&tt_err, 0, sizeof(tt_err));
	CU_ASSERT_EQUAL(sip_msg_frame(tt_buf, tt_len, &tt_err), -EBADMSG);
}

#define T(name) { #name, test_##name }

static CU_TestInfo invalid_tests[] = {
	T(badinv01),   T(clerr),      T(ncl),	   T(scalar02), T(scalarlg),
	T(quotbal),    T(ltgtruri),   T(lwsruri),  T(lwsstart), T(trws),
	T(escruri),    T(baddate),    T(regbadct), T(badaspec), T(baddn),
	T(badvers),    T(mismatch01), T(mismatch02), T(bigcode),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo transaction_tests[] = {
	T(badbranch), CU_TEST_INFO_NULL,
};

static CU_TestInfo application_tests[] = {
	T(insuf),    T(unkscm),	  T(novelsc),  T(unksm2), T(bext01),
	T(invut),    T(regaut01), T(multi01),  T(mcl01),  T(bcast),
	T(zeromf),   T(cparam01), T(cparam02), T(regescrt), T(sdp01),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo compat_tests[] = {
	T(inv2543), CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "rfc4475_3.1.2_invalid", NULL, NULL, NULL, tt_unload, invalid_tests },
	{ "rfc4475_3.2_transaction", NULL, NULL, NULL, tt_unload,
	  transaction_tests },
	{ "rfc4475_3.3_application", NULL, NULL, NULL, tt_unload,
	  application_tests },
	{ "rfc4475_3.4_compat", NULL, NULL, NULL, tt_unload, compat_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tu_run(suites);
}
