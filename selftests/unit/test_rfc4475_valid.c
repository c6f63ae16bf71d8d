// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 4475 §3.1.1, the valid messages, as the acceptance set of the SIP
 * parser: every one of them, read byte for byte from
 * selftests/unit/rfc4475/ and parsed as a UDP datagram, is checked field
 * by field against what the RFC's discussion points at.  The invalid and
 * application-layer cases are in test_rfc4475_invalid.c; the table is in
 * selftests/unit/rfc4475/README.md.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "torture.h"

/*
 * §3.1.1.1: folding everywhere, LWS around every separator, compact and
 * long names mixed, escaped quotes, unknown headers and parameters.
 */
static void test_wsinv(void)
{
	static const struct via_want vias[] = {
		{ "UDP", "192.0.2.2", 0, "390skdjuw", "" },
		{ "TCP", "spindle.example.com", 0, "z9hG4bK9ikj8", "" },
		{ "UDP", "192.168.255.111", 0, "z9hG4bK30239", "" },
	};
	static const struct contact_want contact = {
		"jdrosen", "example.com", 0, 330, -1,
		"Quoted string \\\"\\\"", NULL,
	};
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_nameaddr route;
	struct sip_contact c;
	struct sip_str v;

	tt_accept("wsinv");
	tt_check_req(SIP_INVITE, "INVITE");
	tt_check_uri(&tt_msg.ruri, "vivekg", "chair-dnrc.example.com", 0,
		     "unknownparam");
	tt_check_addr(&tt_msg.to, "", "vivekg", "chair-dnrc.example.com",
		      "1918181833n");
	tt_check_addr(&tt_msg.from, "J Rosenberg \\\\\\\"", "jdrosen",
		      "example.com", "98asjd8");
	CU_ASSERT_TRUE(tt_msg.from.quoted);
	tt_check_ids("wsinv.ndaksdj@192.0.2.1", 9, "INVITE", 68);
	tt_check_vias(vias, 3);
	tt_check_contacts(&contact, 1);
	CU_ASSERT_EQUAL(sip_contact_next(&tt_msg, &it, &c), 1);
	CU_ASSERT_TRUE(sip_param_find(c.na.params, "newparam", &v));
	EQ(v, "newvalue");
	CU_ASSERT_TRUE(sip_param_find(c.na.params, "secondparam", &v));
	EQ(v, "");
	it = (struct sip_iter)SIP_ITER_INIT;
	CU_ASSERT_EQUAL(sip_nameaddr_next(&tt_msg, SIP_H_ROUTE, &it, &route),
			1);
	EQ(route.uri.host, "services.example.com");
	CU_ASSERT_TRUE(route.uri.lr);
	CU_ASSERT_TRUE(sip_uri_param(&route.uri, "unknown-no-value", &v));
	EQ(v, "");
	/* proxies forward unknown headers unchanged, folding included */
	tt_check_hdr(
		"NewFangledHeader", SIP_H_OTHER,
		SIP_STR("newfangled value\r\n continued newfangled value"));
	tt_check_hdr("UnknownHeaderWithUnusualValue", SIP_H_OTHER,
		     SIP_STR(";;,,;;,;"));
	tt_check_hdr("s", SIP_H_SUBJECT, SIP_STR(""));
	EQ(tt_msg.content_type, "application/sdp");
	tt_check_body(150, 150);
}

/* §3.1.1.2: every token, word and quoted-pair character, UTF-8 values. */
static void test_intmeth(void)
{
	static const char meth[] =
		"!interesting-Method0123456789_*+`.%indeed'~";
	static const char user[] =
		"1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*";
	static const struct via_want via = {
		"TCP", "host1.example.com", 0, "z9hG4bK-.!%66*_+`'~", "",
	};
	struct sip_str v;

	tt_accept("intmeth");
	tt_check_req(SIP_METHOD_UNKNOWN, meth);
	tt_check_uri(&tt_msg.ruri, user, "example.com", 0, "");
	EQ(tt_msg.ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	tt_check_vias(&via, 1);
	EQ(tt_msg.to.display, "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F");
	EQS(tt_msg.to.uri.user, user);
	EQ(tt_msg.to.tag, "");
	tt_check_addr(&tt_msg.from, "token1~` token2'+_ token3*%!.-", "mundane",
		      "example.com", "_token~1'+`*%!-.");
	CU_ASSERT_FALSE(tt_msg.from.quoted);
	CU_ASSERT_TRUE(
		sip_param_find(tt_msg.from.params, "fromParam''~+*_!.-%", &v));
	EQ(v, "\"\xD1\x80\xD0\xB0\xD0\xB1\xD0\xBE\xD1\x82\xD0\xB0\xD1\x8E"
	      "\xD1\x89\xD0\xB8\xD0\xB9\"");
	tt_check_ids("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", 139122385,
		     meth, 255);
	/* % is no escape in a method: this is not REGISTER or INVITE */
	CU_ASSERT_EQUAL(tt_msg.cseq.method, SIP_METHOD_UNKNOWN);
	tt_check_hdr(
		"extensionHeader-!.%*+_`'~", SIP_H_OTHER,
		SIP_STR("\xEF\xBB\xBF\xE5\xA4\xA7\xE5\x81\x9C\xE9\x9B\xBB"));
	tt_check_body(0, 0);
}

/* §3.1.1.3: %HH stays escaped in the fields and decodes only once. */
static void test_esc01(void)
{
	static const struct via_want via = {
		"UDP", "host5.example.net", 0, "z9hG4bKkdjuw", "",
	};
	static const struct contact_want contact = {
		"cal%6Cer", "host5.example.net", 0, -1, -1, NULL,
		"%6C%72;n%61me=v%61lue%25%34%31",
	};

	tt_accept("esc01");
	tt_check_req(SIP_INVITE, "INVITE");
	tt_check_uri(&tt_msg.ruri, "sips%3Auser%40example.com", "example.net",
		     0, "");
	tt_check_unescaped(tt_msg.ruri.user, SIP_STR("sips:user@example.com"));
	tt_check_addr(&tt_msg.to, "", "%75se%72", "example.com", "");
	tt_check_unescaped(tt_msg.to.uri.user, SIP_STR("user"));
	tt_check_addr(&tt_msg.from, "", "I%20have%20spaces", "example.net",
		      "938");
	tt_check_unescaped(tt_msg.from.uri.user, SIP_STR("I have spaces"));
	tt_check_ids("esc01.239409asdfakjkn23onasd0-3234", 234234, "INVITE",
		     87);
	tt_check_vias(&via, 1);
	tt_check_contacts(&contact, 1);
	/* "value%41", not "valueA": unescaping is never recursive */
	tt_check_unescaped(SIP_STR("v%61lue%25%34%31"), SIP_STR("value%41"));
	EQ(tt_msg.content_type, "application/sdp");
	tt_check_body(150, 150);
}

/* §3.1.1.4: escaped NULs must not shorten the AOR or the contacts. */
static void test_escnull(void)
{
	static const struct via_want via = {
		"UDP", "host5.example.com", 0, "z9hG4bKkdjuw", "",
	};
	static const struct contact_want contacts[] = {
		{ "%00", "host5.example.com", 0, -1, -1, NULL, NULL },
		{ "%00%00", "host5.example.com", 0, -1, -1, NULL, NULL },
	};

	tt_accept("escnull");
	tt_check_req(SIP_REGISTER, "REGISTER");
	tt_check_uri(&tt_msg.ruri, "", "example.com", 0, "");
	tt_check_addr(&tt_msg.to, "", "null-%00-null", "example.com", "");
	tt_check_unescaped(tt_msg.to.uri.user, SIP_STR("null-\0-null"));
	tt_check_addr(&tt_msg.from, "", "null-%00-null", "example.com",
		      "839923423");
	tt_check_ids("escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", 14398234,
		     "REGISTER", 70);
	tt_check_vias(&via, 1);
	tt_check_contacts(contacts, 2);
	tt_check_body(0, 0);
}

/* §3.1.1.5: % where it is no escape; C%6Fntact is not a Contact. */
static void test_esc02(void)
{
	static const struct via_want via = {
		"TCP", "host.example.com", 0, "z9hG4bK209%fzsnel234", "",
	};
	static const struct contact_want contacts[] = {
		{ "alias1", "host1.example.com", 0, -1, -1, NULL, NULL },
		{ "alias3", "host3.example.com", 0, -1, -1, NULL, NULL },
	};

	tt_accept("esc02");
	tt_check_req(SIP_METHOD_UNKNOWN, "RE%47IST%45R");
	tt_check_uri(&tt_msg.ruri, "", "registrar.example.com", 0, "");
	tt_check_addr(&tt_msg.to, "%Z%45", "resource", "example.com", "");
	CU_ASSERT_TRUE(tt_msg.to.quoted);
	tt_check_addr(&tt_msg.from, "%Z%45", "resource", "example.com",
		      "f232jadfj23");
	tt_check_ids("esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", 29344,
		     "RE%47IST%45R", 70);
	CU_ASSERT_EQUAL(tt_msg.cseq.method, SIP_METHOD_UNKNOWN);
	tt_check_vias(&via, 1);
	tt_check_contacts(contacts, 2);
	tt_check_hdr("C%6Fntact", SIP_H_OTHER,
		     SIP_STR("<sip:alias2@host2.example.com>"));
	tt_check_body(0, 0);
}

/* §3.1.1.6: no LWS between a token display name and '<'. */
static void test_lwsdisp(void)
{
	static const struct via_want via = {
		"UDP", "funky.example.com", 0, "z9hG4bKkdjuw", "",
	};

	tt_accept("lwsdisp");
	tt_check_req(SIP_OPTIONS, "OPTIONS");
	tt_check_uri(&tt_msg.ruri, "user", "example.com", 0, "");
	tt_check_addr(&tt_msg.to, "", "user", "example.com", "");
	tt_check_addr(&tt_msg.from, "caller", "caller", "example.com", "323");
	CU_ASSERT_FALSE(tt_msg.from.quoted);
	CU_ASSERT_TRUE(tt_msg.from.angle);
	tt_check_ids("lwsdisp.1234abcd@funky.example.com", 60, "OPTIONS", 70);
	tt_check_vias(&via, 1);
	tt_check_body(0, 0);
}

static void longreq_to_from(void)
{
	char a[512], b[512];
	struct sip_str v;

	EQS(tt_msg.to.display, tt_rep(a, sizeof(a), "I have a user name of ",
				      "extreme", 10, " proportion"));
	CU_ASSERT_EQUAL(tt_msg.to.uri.port, 6000);
	CU_ASSERT_TRUE(sip_uri_param(&tt_msg.to.uri, "unknownparam1", &v));
	EQS(v, tt_rep(a, sizeof(a), "very", "long", 20, "value"));
	tt_rep(a, sizeof(a), "longparam", "name", 25, "");
	CU_ASSERT_TRUE(sip_uri_param(&tt_msg.to.uri, a, &v));
	EQ(v, "shortvalue");
	tt_rep(a, sizeof(a), "very", "long", 25, "ParameterNameWithNoValue");
	CU_ASSERT_TRUE(sip_uri_param(&tt_msg.to.uri, a, &v));
	EQ(v, "");
	tt_rep(a, sizeof(a), "", "amazinglylongcallername", 5, "");
	tt_rep(b, sizeof(b), "12", "982", 50, "424");
	tt_check_addr(&tt_msg.from, "", a, "example.net", b);
	tt_rep(a, sizeof(a), "unknownheaderparam", "name", 20, "");
	CU_ASSERT_TRUE(sip_param_find(tt_msg.from.params, a, &v));
	EQS(v, tt_rep(a, sizeof(a), "unknowheaderparam", "value", 15, ""));
	tt_rep(a, sizeof(a), "unknownValueless", "paramname", 10, "");
	CU_ASSERT_TRUE(sip_param_find(tt_msg.from.params, a, &v));
	EQ(v, "");
}

/* §3.1.1.7: long names and values, 34 Via values under every spelling. */
static void test_longreq(void)
{
	static struct via_want vias[34];
	static char hosts[33][24], branch[256], user[128];
	const struct contact_want contact = {
		user, "host5.example.net", 0, -1, -1, NULL, NULL,
	};
	char a[512], l[128], name[128];

	for (int i = 0; i < 33; i++) {
		snprintf(hosts[i], sizeof(hosts[i]), "sip%d.example.com",
			 33 - i);
		vias[i] = (struct via_want){ "TCP", hosts[i], 0, "", "" };
	}
	vias[33] = (struct via_want){ "TCP", "host.example.com", 0,
				      tt_rep(branch, sizeof(branch), "very",
					     "long", 50, "branchvalue"),
				      "192.0.2.5" };
	tt_rep(user, sizeof(user), "", "amazinglylongcallername", 5, "");
	tt_accept("longreq");
	tt_check_req(SIP_INVITE, "INVITE");
	tt_check_uri(&tt_msg.ruri, "user", "example.com", 0, "");
	longreq_to_from();
	tt_check_ids(tt_rep(a, sizeof(a), "longreq.one", "really", 20,
			    "longcallid"),
		     3882340, "INVITE", 70);
	tt_rep(l, sizeof(l), "", "long", 20, "");
	snprintf(a, sizeof(a), "unknown-%s-value; unknown-%s-parameter-name = "
		 "unknown-%s-parameter-value", l, l, l);
	tt_check_hdr(tt_rep(name, sizeof(name), "Unknown-", "Long", 20,
			    "-Name"),
		     SIP_H_OTHER, sip_str_cstr(a));
	tt_check_vias(vias, 34);
	tt_check_contacts(&contact, 1);
	EQ(tt_msg.content_type, "application/sdp");
	tt_check_body(150, 150);
}

/* §3.1.1.8 and RFC 3261 §18.3: octets after Content-Length are dropped. */
static void test_dblreq(void)
{
	static const struct via_want via = {
		"UDP", "192.0.2.125", 0, "z9hG4bKkdjuw23492", "",
	};
	static const struct contact_want contact = {
		"j.user", "host.example.com", 0, -1, -1, NULL, NULL,
	};
	const char *eoh;

	tt_accept("dblreq");
	tt_check_req(SIP_REGISTER, "REGISTER");
	tt_check_addr(&tt_msg.to, "", "j.user", "example.com", "");
	tt_check_addr(&tt_msg.from, "", "j.user", "example.com", "43251j3j324");
	tt_check_ids("dblreq.0ha0isndaksdj99sdfafnl3lk233412", 8, "REGISTER",
		     8);
	tt_check_vias(&via, 1);
	tt_check_contacts(&contact, 1);
	CU_ASSERT_EQUAL(tt_msg.content_length, 0);
	CU_ASSERT_EQUAL(tt_msg.body.len, 0);
	eoh = memmem(tt_buf, tt_len, "\r\n\r\n", 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(eoh);
	CU_ASSERT_EQUAL(tt_msg.len, eoh + 4 - tt_buf);
	CU_ASSERT_EQUAL(tt_msg.len, 300);
	/* nothing of the trailing INVITE made it into the REGISTER */
	CU_ASSERT_EQUAL(tt_msg.nhdrs, 8);
	CU_ASSERT_EQUAL(sip_hdr_find(&tt_msg, SIP_H_CONTENT_TYPE), -1);
}

/* §3.1.1.9: ';' in the user part is not a URI parameter. */
static void test_semiuri(void)
{
	static const struct via_want via = {
		"UDP", "192.0.2.1", 0, "z9hG4bKkdjuw", "",
	};

	tt_accept("semiuri");
	tt_check_req(SIP_OPTIONS, "OPTIONS");
	tt_check_uri(&tt_msg.ruri, "user;par=u%40example.net", "example.com", 0,
		     "");
	tt_check_addr(&tt_msg.to, "", "j_user", "example.com", "");
	tt_check_addr(&tt_msg.from, "", "caller", "example.org", "33242");
	tt_check_ids("semiuri.0ha0isndaksdj", 8, "OPTIONS", 3);
	tt_check_vias(&via, 1);
	tt_check_hdr("Accept", SIP_H_ACCEPT,
		     SIP_STR("application/sdp, application/pkcs7-mime,\r\n"
			     "        multipart/mixed, multipart/signed,\r\n"
			     "        message/sip, message/sipfrag"));
	tt_check_body(0, 0);
}

/* §3.1.1.10: every known transport and an unknown one. */
static void test_transports(void)
{
	static const struct via_want vias[] = {
		{ "UDP", "t1.example.com", 0, "z9hG4bKkdjuw", "" },
		{ "SCTP", "t2.example.com", 0, "z9hG4bKklasjdhf", "" },
		{ "TLS", "t3.example.com", 0, "z9hG4bK2980unddj", "" },
		{ "UNKNOWN", "t4.example.com", 0, "z9hG4bKasd0f3en", "" },
		{ "TCP", "t5.example.com", 0, "z9hG4bK0a9idfnee", "" },
	};

	tt_accept("transports");
	tt_check_req(SIP_OPTIONS, "OPTIONS");
	tt_check_uri(&tt_msg.ruri, "user", "example.com", 0, "");
	tt_check_addr(&tt_msg.to, "", "user", "example.com", "");
	tt_check_addr(&tt_msg.from, "", "caller", "example.com", "323");
	tt_check_ids("transports.kijh4akdnaqjkwendsasfdj", 60, "OPTIONS", 70);
	tt_check_vias(vias, 5);
	tt_check_body(0, 0);
}

/* §3.1.1.11: a binary body with NUL and bare CR octets, framed by length. */
static void test_mpart01(void)
{
	static const struct via_want via = {
		"UDP", "127.0.0.1", 5070,
		"z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-", "",
	};
	static const struct contact_want contact = {
		"fluffy", "127.0.0.1", 5070, -1, -1, NULL, NULL,
	};
	static const char end[] = "\r\n--7a9cbec02ceef655--\r\n";
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_nameaddr route;

	tt_accept("mpart01");
	tt_check_req(SIP_MESSAGE, "MESSAGE");
	tt_check_uri(&tt_msg.ruri, "kumiko", "example.org", 0, "");
	tt_check_vias(&via, 1);
	CU_ASSERT_TRUE(tt_msg.via.rport);
	CU_ASSERT_EQUAL(tt_msg.via.rport_val, 0);
	CU_ASSERT_EQUAL(sip_nameaddr_next(&tt_msg, SIP_H_ROUTE, &it, &route),
			1);
	tt_check_uri(&route.uri, "", "127.0.0.1", 5080, "");
	tt_check_hdr("Identity", SIP_H_OTHER, SIP_STR(
		"r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0YWVKZhKv9Mj8U"
		"eXqkMVbnVq37CD+813gvYjcBUaZngQmXc9WNZSDNGCzA+fWl9MEUHWIZo1CeJ"
		"ebdY/XlgKeTa0Olvq0rt70Q5jiSfbqMJmQFteeivUhkMWYUA="));
	tt_check_contacts(&contact, 1);
	tt_check_addr(&tt_msg.to, "", "kumiko", "example.org", "");
	tt_check_addr(&tt_msg.from, "", "fluffy", "example.com", "2fb0dcc9");
	tt_check_ids("3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", 1,
		     "MESSAGE", 70);
	tt_check_hdr("Content-Transfer-Encoding", SIP_H_OTHER,
		     SIP_STR("binary"));
	EQ(tt_msg.content_type, "multipart/mixed;boundary=7a9cbec02ceef655");
	tt_check_hdr("Date", SIP_H_DATE,
		     SIP_STR("Sat, 15 Oct 2005 04:44:56 GMT"));
	tt_check_hdr("User-Agent", SIP_H_USER_AGENT,
		     SIP_STR("SIPimp.org/0.2.5 (curses)"));
	tt_check_body(553, 553);
	CU_ASSERT_FATAL(tt_msg.body.len == 553);
	CU_ASSERT_PTR_NOT_NULL(memchr(tt_msg.body.s, '\0', tt_msg.body.len));
	CU_ASSERT_EQUAL(memcmp(tt_msg.body.s + 553 - (sizeof(end) - 1), end,
			       sizeof(end) - 1), 0);
}

/* §3.1.1.12: a reason phrase of reserved, unreserved and UTF-8 octets. */
static void test_unreason(void)
{
	static const struct via_want via = {
		"UDP", "192.0.2.198", 0, "z9hG4bK1324923", "",
	};
	static const struct contact_want contact = {
		"user", "host198.example.com", 0, -1, -1, NULL, NULL,
	};

	tt_accept("unreason");
	/* "199 is prime" in Russian, after the arithmetic */
	tt_check_resp(200, SIP_STR("= 2**3 * 5**2 "
		"\xD0\xBD\xD0\xBE\x20\xD1\x81\xD1\x82\xD0\xBE\x20\xD0\xB4"
		"\xD0\xB5\xD0\xB2\xD1\x8F\xD0\xBD\xD0\xBE\xD1\x81\xD1\x82"
		"\xD0\xBE\x20\xD0\xB4\xD0\xB5\xD0\xB2\xD1\x8F\xD1\x82\xD1"
		"\x8C\x20\x2D\x20\xD0\xBF\xD1\x80\xD0\xBE\xD1\x81\xD1\x82"
		"\xD0\xBE\xD0\xB5"));
	tt_check_vias(&via, 1);
	tt_check_ids("unreason.1234ksdfak3j2erwedfsASdf", 35, "INVITE", -1);
	CU_ASSERT_EQUAL(tt_msg.method, SIP_INVITE);
	tt_check_addr(&tt_msg.from, "", "user", "example.com", "11141343");
	tt_check_addr(&tt_msg.to, "", "user", "example.edu", "2229");
	tt_check_contacts(&contact, 1);
	EQ(tt_msg.content_type, "application/sdp");
	tt_check_body(154, 154);
}

/* §3.1.1.13: the SP after the code is there, the phrase is empty. */
static void test_noreason(void)
{
	static const struct via_want via = {
		"UDP", "192.0.2.105", 0, "z9hG4bK2398ndaoe", "",
	};
	static const struct contact_want contact = {
		"user", "host105.example.com", 0, -1, -1, NULL, NULL,
	};

	tt_accept("noreason");
	tt_check_resp(100, SIP_STR(""));
	tt_check_vias(&via, 1);
	tt_check_ids("noreason.asndj203insdf99223ndf", 35, "INVITE", -1);
	tt_check_addr(&tt_msg.from, "", "user", "example.com", "39ansfi3");
	tt_check_addr(&tt_msg.to, "", "user", "example.edu", "902jndnke3");
	tt_check_contacts(&contact, 1);
	tt_check_body(0, 0);
}

#define T(name) { #name, test_##name }

static CU_TestInfo valid_tests[] = {
	T(wsinv),    T(intmeth),    T(esc01),	T(escnull),  T(esc02),
	T(lwsdisp),  T(longreq),    T(dblreq),	T(semiuri),  T(transports),
	T(mpart01),  T(unreason),   T(noreason), CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "rfc4475_3.1.1_valid", NULL, NULL, NULL, tt_unload, valid_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tu_run(suites);
}
