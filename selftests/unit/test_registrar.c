// SPDX-License-Identifier: GPL-2.0
/*
 * The registrar, RFC 3261 §10.3 step by step, over an in-memory location
 * store (and a file one for the restart case).  Time is a variable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"
#include <sqlite3.h>

#include "registrar.h"

#define CRLF "\r\n"
#define T0 1700000000 /* Tue, 14 Nov 2023 22:13:20 GMT */
#define AOR "sip:alice@example.com"
#define UA_C "<sip:alice@192.168.1.10:5060>"

static const char *const domains[] = { "example.com", "Example.NET", NULL };
static struct location *loc;
static struct registrar *reg;
static time_t now;
static const char *auth;
static struct peer_info src;
static char in[4096], out[8192], err[512];
static struct sip_msg req;

static struct registrar *mkreg(uint32_t per_aor, uint32_t total)
{
	struct registrar_conf c = {
		.domains = domains,
		.min_expires = 60,
		.max_expires = 7200,
		.max_per_aor = per_aor,
		.max_total = total,
	};

	return registrar_new(loc, &c);
}

static int setup(void)
{
	loc = loc_open(NULL, T0, err, sizeof(err));
	reg = mkreg(0, 0);
	now = T0;
	auth = "alice";
	src = (struct peer_info){ LOC_UDP, "192.168.1.10", 5060, 0 };
	return loc && reg ? 0 : -1;
}

static int teardown(void)
{
	registrar_free(reg);
	loc_close(loc);
	return 0;
}

/* A fresh store and registrar for every test. */
static void fresh(void)
{
	teardown();
	setup();
}

/*
 * Sends a REGISTER for @to with @call_id/@cseq and the header lines in
 * @fmt; returns the response status (0 when there was no response).
 */
static int regx(const char *to, const char *call_id, unsigned cseq,
		const char *fmt, ...)
{
	struct sip_err e;
	char hdrs[2048];
	va_list ap;
	ssize_t n;
	int len;

	va_start(ap, fmt);
	vsnprintf(hdrs, sizeof(hdrs), fmt, ap);
	va_end(ap);
	len = snprintf(in, sizeof(in),
		       "REGISTER sip:example.com SIP/2.0" CRLF
		       "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK%u"
		       ";rport" CRLF "Max-Forwards: 70" CRLF
		       "From: <%s>;tag=f1" CRLF "To: <%s>" CRLF
		       "Call-ID: %s" CRLF "CSeq: %u REGISTER" CRLF
		       "%sContent-Length: 0" CRLF CRLF,
		       cseq, to, to, call_id, cseq, hdrs);
	if (sip_msg_parse(&req, in, len, 0, &e))
		return -1;
	n = registrar_handle(reg, &req, auth, &src, now, out, sizeof(out) - 1);
	if (n < 0)
		return (int)n;
	out[n] = '\0';
	return atoi(out + 8);
}

#define REG(cseq, ...) regx(AOR, "c1@ua", cseq, __VA_ARGS__)

static bool has(const char *line)
{
	return strstr(out, line) != NULL;
}

static int ncontacts(void)
{
	int n = 0;

	for (const char *p = out; (p = strstr(p, CRLF "Contact: ")); p++)
		n++;
	return n;
}

static const struct binding *one(void)
{
	static const struct binding *b[4];

	return loc_lookup(loc, AOR, now, b, 4) == 1 ? b[0] : NULL;
}

static void test_register_one(void)
{
	char want[1024];
	const char *tag;
	const struct binding *b;

	fresh();
	CU_ASSERT_EQUAL_FATAL(
		REG(1, "Contact: " UA_C CRLF "User-Agent: SIPp/3.6" CRLF), 200);
	tag = strstr(out, ";tag=");
	CU_ASSERT_PTR_NOT_NULL_FATAL(tag);
	tag = strstr(tag + 1, ";tag=");
	CU_ASSERT_PTR_NOT_NULL_FATAL(tag);
	snprintf(want, sizeof(want),
		 "SIP/2.0 200 OK" CRLF
		 "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK1;rport" CRLF
		 "From: <" AOR ">;tag=f1" CRLF "To: <" AOR ">;tag=%.16s" CRLF
		 "Call-ID: c1@ua" CRLF "CSeq: 1 REGISTER" CRLF "Contact: " UA_C
		 ";expires=3600" CRLF "Supported: path" CRLF
		 "Date: Tue, 14 Nov 2023 22:13:20 GMT" CRLF
		 "Content-Length: 0" CRLF CRLF,
		 tag + 5);
	CU_ASSERT_STRING_EQUAL(out, want);
	b = one();
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(b->contact, "sip:alice@192.168.1.10:5060");
	CU_ASSERT_EQUAL(b->expires_at, T0 + 3600);
	CU_ASSERT_STRING_EQUAL(b->call_id, "c1@ua");
	CU_ASSERT_EQUAL(b->cseq, 1);
	CU_ASSERT_EQUAL(b->q, -1);
	CU_ASSERT_PTR_NULL(b->path);
	CU_ASSERT_PTR_NULL(b->instance);
	CU_ASSERT_STRING_EQUAL(b->user_agent, "SIPp/3.6");
	CU_ASSERT_EQUAL(b->nated, false);
}

static void test_refresh_and_order(void)
{
	fresh();
	CU_ASSERT_EQUAL(REG(5, "Contact: " UA_C CRLF), 200);
	now += 100;
	CU_ASSERT_EQUAL(REG(6, "Contact: " UA_C CRLF "Expires: 1800" CRLF),
			200);
	CU_ASSERT_TRUE(has("Contact: " UA_C ";expires=1800" CRLF));
	CU_ASSERT_EQUAL(one()->cseq, 6);
	CU_ASSERT_EQUAL(one()->expires_at, T0 + 100 + 1800);
	/* §10.3 step 7: same Call-ID, CSeq not higher: the request fails */
	CU_ASSERT_EQUAL(REG(6, "Contact: " UA_C CRLF "Expires: 600" CRLF), 500);
	CU_ASSERT_TRUE(has("SIP/2.0 500 Out-Of-Order REGISTER" CRLF));
	CU_ASSERT_EQUAL(REG(4, "Contact: " UA_C CRLF "Expires: 600" CRLF), 500);
	CU_ASSERT_EQUAL(ncontacts(), 0);
	CU_ASSERT_EQUAL(one()->cseq, 6);
	CU_ASSERT_EQUAL(one()->expires_at, T0 + 100 + 1800);
	/* another Call-ID (a rebooted UA) may use any CSeq */
	CU_ASSERT_EQUAL(regx(AOR, "c2@ua", 1,
			     "Contact: " UA_C CRLF "Expires: 600" CRLF),
			200);
	CU_ASSERT_STRING_EQUAL(one()->call_id, "c2@ua");
	CU_ASSERT_EQUAL(one()->expires_at, T0 + 100 + 600);
	/* an older request fails even when it only removes */
	CU_ASSERT_EQUAL(
		regx(AOR, "c2@ua", 1, "Contact: " UA_C ";expires=0" CRLF), 500);
	CU_ASSERT_PTR_NOT_NULL(one());
}

static void test_two_contacts_q(void)
{
	const struct binding *b[4];

	fresh();
	CU_ASSERT_EQUAL(REG(1, "Contact: <sip:a@192.168.1.10>;q=0.5" CRLF),
			200);
	CU_ASSERT_EQUAL(REG(2, "Contact: <sip:b@192.168.1.10>;q=0.75" CRLF),
			200);
	CU_ASSERT_EQUAL(ncontacts(), 2);
	/* the 200 lists every binding, in forking order */
	CU_ASSERT_TRUE(has(CRLF "Contact: <sip:b@192.168.1.10>;expires=3600;"
				"q=0.75" CRLF "Contact: <sip:a@192.168.1.10>;"
				"expires=3600;q=0.5" CRLF));
	CU_ASSERT_EQUAL(REG(3, "Contact: <sip:c@192.168.1.10>;q=1, "
			       "<sip:d@192.168.1.10>;q=0" CRLF),
			200);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, now, b, 4), 4);
	CU_ASSERT_STRING_EQUAL(b[0]->contact, "sip:c@192.168.1.10");
	CU_ASSERT_EQUAL(b[0]->q, 1000);
	CU_ASSERT_STRING_EQUAL(b[1]->contact, "sip:b@192.168.1.10");
	CU_ASSERT_STRING_EQUAL(b[2]->contact, "sip:a@192.168.1.10");
	CU_ASSERT_STRING_EQUAL(b[3]->contact, "sip:d@192.168.1.10");
	CU_ASSERT_TRUE(has(";expires=3600;q=1" CRLF));
	CU_ASSERT_TRUE(has(";expires=3600;q=0" CRLF));
}

static void test_expires_sources(void)
{
	fresh();
	/* §10.2.1.1: the Contact parameter beats the header */
	CU_ASSERT_EQUAL(REG(1, "Contact: <sip:a@h>;expires=120, <sip:b@h>" CRLF
			       "Expires: 600" CRLF),
			200);
	CU_ASSERT_TRUE(has("Contact: <sip:a@h>;expires=120" CRLF));
	CU_ASSERT_TRUE(has("Contact: <sip:b@h>;expires=600" CRLF));
	/* Expires 0 on one Contact removes just that binding */
	CU_ASSERT_EQUAL(REG(2, "Contact: <sip:b@h>;expires=0" CRLF), 200);
	CU_ASSERT_EQUAL(ncontacts(), 1);
	CU_ASSERT_TRUE(has("Contact: <sip:a@h>;expires=120" CRLF));
	/* removing what is not there is no error */
	CU_ASSERT_EQUAL(REG(3, "Contact: <sip:z@h>" CRLF "Expires: 0" CRLF),
			200);
	CU_ASSERT_EQUAL(ncontacts(), 1);
	/* URI comparison (§19.1.4): host case does not matter */
	now += 20;
	CU_ASSERT_EQUAL(REG(4, "Contact: <sip:a@H>;expires=300" CRLF), 200);
	CU_ASSERT_EQUAL(ncontacts(), 1);
	CU_ASSERT_TRUE(has("Contact: <sip:a@H>;expires=300" CRLF));
}

static void test_star(void)
{
	fresh();
	CU_ASSERT_EQUAL(REG(1, "Contact: <sip:a@h>, <sip:b@h>" CRLF), 200);
	/* the parser already answers 400 for "*" beside other Contacts */
	CU_ASSERT_EQUAL(REG(2, "Contact: *" CRLF "Contact: <sip:a@h>" CRLF
			       "Expires: 0" CRLF),
			-1);
	CU_ASSERT_EQUAL(REG(2, "Contact: *" CRLF "Expires: 3600" CRLF), 400);
	CU_ASSERT_TRUE(has("SIP/2.0 400 Contact * Needs Expires: 0" CRLF));
	CU_ASSERT_EQUAL(REG(2, "Contact: *" CRLF), 400);
	CU_ASSERT_EQUAL(loc_count(loc), 2);
	/* an old request may not remove them either */
	CU_ASSERT_EQUAL(REG(1, "Contact: *" CRLF "Expires: 0" CRLF), 500);
	CU_ASSERT_EQUAL(loc_count(loc), 2);
	CU_ASSERT_EQUAL(REG(2, "Contact: *" CRLF "Expires: 0" CRLF), 200);
	CU_ASSERT_EQUAL(ncontacts(), 0);
	CU_ASSERT_EQUAL(loc_count(loc), 0);
	/* "*" with nothing registered */
	CU_ASSERT_EQUAL(REG(3, "Contact: *" CRLF "Expires: 0" CRLF), 200);
}

static void test_interval(void)
{
	fresh();
	CU_ASSERT_EQUAL(REG(1, "Contact: <sip:a@h>;expires=30" CRLF), 423);
	CU_ASSERT_TRUE(has("SIP/2.0 423 Interval Too Brief" CRLF));
	CU_ASSERT_TRUE(has(CRLF "Min-Expires: 60" CRLF "Content-Length: 0"));
	CU_ASSERT_EQUAL(loc_count(loc), 0);
	/* one short Contact fails the whole request */
	CU_ASSERT_EQUAL(REG(2, "Contact: <sip:b@h>, <sip:a@h>" CRLF
			       "Expires: 59" CRLF),
			423);
	CU_ASSERT_EQUAL(loc_count(loc), 0);
	CU_ASSERT_EQUAL(REG(3, "Contact: <sip:a@h>;expires=60" CRLF), 200);
	CU_ASSERT_TRUE(has("Contact: <sip:a@h>;expires=60" CRLF));
	/* above max_expires: cut to it */
	CU_ASSERT_EQUAL(
		REG(4, "Contact: <sip:a@h>" CRLF "Expires: 100000" CRLF), 200);
	CU_ASSERT_TRUE(has("Contact: <sip:a@h>;expires=7200" CRLF));
	CU_ASSERT_EQUAL(one()->expires_at, T0 + 7200);
}

static void test_domain_and_auth(void)
{
	fresh();
	CU_ASSERT_EQUAL(regx("sip:alice@other.org", "c", 1,
			     "Contact: " UA_C CRLF),
			404);
	CU_ASSERT_TRUE(has("SIP/2.0 404 Domain Not Served Here" CRLF));
	CU_ASSERT_EQUAL(regx("tel:+15551234", "c", 1, "Contact: " UA_C CRLF),
			404);
	CU_ASSERT_EQUAL(regx("sip:bob@example.com", "c", 1,
			     "Contact: " UA_C CRLF),
			403);
	CU_ASSERT_TRUE(has("SIP/2.0 403 Forbidden" CRLF));
	auth = "alice@other.org";
	CU_ASSERT_EQUAL(REG(1, "Contact: " UA_C CRLF), 403);
	CU_ASSERT_EQUAL(loc_count(loc), 0);
	/* the domain compares without case, the user with it */
	auth = "alice@EXAMPLE.com";
	CU_ASSERT_EQUAL(regx("sips:alice@Example.COM:5061", "c", 1,
			     "Contact: " UA_C CRLF),
			200);
	auth = "Alice";
	CU_ASSERT_EQUAL(REG(2, "Contact: " UA_C CRLF), 403);
	/* authentication turned off: any AOR of a served domain */
	auth = NULL;
	CU_ASSERT_EQUAL(regx("sip:carol@example.net", "c", 1,
			     "Contact: " UA_C CRLF),
			200);
	CU_ASSERT_EQUAL(loc_count(loc), 2);
}

static void test_path(void)
{
	const struct binding *b;

	fresh();
	CU_ASSERT_EQUAL(REG(1, "Path: <sip:edge1.example.net;lr>" CRLF
			       "Path: <sip:edge2.example.net;lr>" CRLF
			       "Supported: path" CRLF "Contact: " UA_C CRLF),
			200);
	CU_ASSERT_TRUE(has(CRLF "Path: <sip:edge1.example.net;lr>,"
				"<sip:edge2.example.net;lr>" CRLF));
	b = one();
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(b->path, "<sip:edge1.example.net;lr>,"
					"<sip:edge2.example.net;lr>");
	/* stored, but not echoed to a UA that did not say it knows Path */
	CU_ASSERT_EQUAL(REG(2, "Path: <sip:edge3.example.net;lr>" CRLF
			       "Contact: " UA_C CRLF),
			200);
	CU_ASSERT_FALSE(has("Path:"));
	CU_ASSERT_STRING_EQUAL(one()->path, "<sip:edge3.example.net;lr>");
	/* a refresh without Path drops it */
	CU_ASSERT_EQUAL(REG(3, "Contact: " UA_C CRLF), 200);
	CU_ASSERT_PTR_NULL(one()->path);
}

static void test_require(void)
{
	fresh();
	CU_ASSERT_EQUAL(REG(1, "Require: path, foo" CRLF "Require: bar" CRLF
			       "Contact: " UA_C CRLF),
			420);
	CU_ASSERT_TRUE(has(CRLF "Unsupported: foo, bar" CRLF));
	CU_ASSERT_EQUAL(loc_count(loc), 0);
	CU_ASSERT_EQUAL(REG(2, "Require: path" CRLF "Contact: " UA_C CRLF),
			200);
}

static void test_instance(void)
{
	const struct binding *b[4];

	fresh();
	CU_ASSERT_EQUAL(REG(1,
			    "Contact: <sip:alice@192.168.1.10:5060;ob>;"
			    "+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765"
			    "-00a0c91e6bf6>\";reg-id=1" CRLF),
			200);
	CU_ASSERT_TRUE(has("Contact: <sip:alice@192.168.1.10:5060;ob>;"
			   "expires=3600;+sip.instance=\"<urn:uuid:f81d4fae-"
			   "7dec-11d0-a765-00a0c91e6bf6>\";reg-id=1" CRLF));
	CU_ASSERT_STRING_EQUAL(
		one()->instance,
		"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>");
	CU_ASSERT_EQUAL(one()->reg_id, 1);
	/* RFC 5626 §6: the same instance and reg-id on a new port replaces */
	src.port = 5062;
	CU_ASSERT_EQUAL(regx(AOR, "c9@ua", 1,
			     "Contact: <sip:alice@192.168.1.10"
			     ":5062;ob>;+sip.instance=\"<urn:uuid:f81d4fae-7dec"
			     "-11d0-a765-00a0c91e6bf6>\";reg-id=1" CRLF),
			200);
	CU_ASSERT_EQUAL(ncontacts(), 1);
	CU_ASSERT_STRING_EQUAL(one()->contact,
			       "sip:alice@192.168.1.10:5062;ob");
	/* another reg-id is another flow, and another binding */
	CU_ASSERT_EQUAL(regx(AOR, "c9@ua", 2,
			     "Contact: <sip:alice@192.168.1.10"
			     ":5063;ob>;+sip.instance=\"<urn:uuid:f81d4fae-7dec"
			     "-11d0-a765-00a0c91e6bf6>\";reg-id=2" CRLF),
			200);
	CU_ASSERT_EQUAL(loc_lookup(loc, AOR, now, b, 4), 2);
}

static void test_nat(void)
{
	const struct binding *b;

	fresh();
	src = (struct peer_info){ LOC_UDP, "203.0.113.5", 40000, 0 };
	CU_ASSERT_EQUAL(REG(1, "Contact: " UA_C CRLF), 200);
	b = one();
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->nated, true);
	CU_ASSERT_EQUAL(b->received.transport, LOC_UDP);
	CU_ASSERT_STRING_EQUAL(b->received.ip, "203.0.113.5");
	CU_ASSERT_EQUAL(b->received.port, 40000);
	/* same address, other UDP port: still NAT (a port-mapping router) */
	src = (struct peer_info){ LOC_UDP, "192.168.1.10", 40000, 0 };
	CU_ASSERT_EQUAL(REG(2, "Contact: " UA_C CRLF), 200);
	CU_ASSERT_EQUAL(one()->nated, true);
	/* where it says it is: no NAT; the default port is 5060 */
	src = (struct peer_info){ LOC_UDP, "192.168.1.10", 5060, 0 };
	CU_ASSERT_EQUAL(REG(3, "Contact: <sip:alice@192.168.1.10>" CRLF
			       "Contact: " UA_C ";expires=0" CRLF),
			200);
	CU_ASSERT_STRING_EQUAL(one()->contact, "sip:alice@192.168.1.10");
	CU_ASSERT_EQUAL(one()->nated, false);
	/* TCP: the connection's source port is ephemeral and proves nothing */
	src = (struct peer_info){ LOC_TCP, "192.168.1.10", 51515, 42 };
	CU_ASSERT_EQUAL(
		REG(5, "Contact: <sip:alice@192.168.1.10;transport=tcp>" CRLF
		       "Contact: <sip:alice@192.168.1.10>;expires=0" CRLF),
		200);
	b = one();
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->nated, false);
	CU_ASSERT_EQUAL(b->received.transport, LOC_TCP);
	CU_ASSERT_EQUAL(b->conn_id, 42);
	/* IPv6, with the brackets of the URI and without those of the source */
	src = (struct peer_info){ LOC_UDP, "2001:db8::10", 5060, 0 };
	CU_ASSERT_EQUAL(regx(AOR, "v6", 1,
			     "Contact: <sip:alice@[2001:DB8::10]>" CRLF),
			200);
	CU_ASSERT_TRUE(has("Contact: <sip:alice@[2001:DB8::10]>;expires=3600"));
	/* a host name is never known to be the source */
	CU_ASSERT_EQUAL(regx(AOR, "v6", 2,
			     "Contact: <sip:alice@pc.example.com>" CRLF),
			200);
	{
		const struct binding *all[4];
		int n = loc_lookup(loc, AOR, now, all, 4);

		CU_ASSERT_EQUAL_FATAL(n, 3);
		CU_ASSERT_STRING_EQUAL(all[0]->contact,
				       "sip:alice@pc.example.com");
		CU_ASSERT_EQUAL(all[0]->nated, true);
		CU_ASSERT_STRING_EQUAL(all[1]->contact,
				       "sip:alice@[2001:DB8::10]");
		CU_ASSERT_EQUAL(all[1]->nated, false);
	}
}

static void test_expiry_by_time(void)
{
	fresh();
	CU_ASSERT_EQUAL(
		REG(1, "Contact: <sip:a@h>;expires=120, <sip:b@h>" CRLF), 200);
	now += 119;
	CU_ASSERT_EQUAL(REG(2, ""), 200);
	CU_ASSERT_EQUAL(ncontacts(), 2);
	CU_ASSERT_TRUE(has("Contact: <sip:a@h>;expires=1" CRLF));
	CU_ASSERT_TRUE(has("Contact: <sip:b@h>;expires=3481" CRLF));
	now += 1;
	CU_ASSERT_EQUAL(REG(3, ""), 200);
	CU_ASSERT_EQUAL(ncontacts(), 1);
	CU_ASSERT_EQUAL(loc_expire(loc, now), 1);
	CU_ASSERT_EQUAL(loc_count(loc), 1);
	/* an expired binding comes back as a new one, whatever its CSeq was */
	CU_ASSERT_EQUAL(REG(1, "Contact: <sip:c@h>;expires=60" CRLF), 200);
	now += 60;
	CU_ASSERT_EQUAL(REG(2, "Contact: <sip:c@h>;expires=60" CRLF), 200);
	CU_ASSERT_EQUAL(loc_count(loc), 2);
}

static void test_limits(void)
{
	const struct binding *b[4];

	fresh();
	registrar_free(reg);
	reg = mkreg(2, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(reg);
	CU_ASSERT_EQUAL(REG(1, "Contact: <sip:a@h>" CRLF), 200);
	CU_ASSERT_EQUAL(REG(2, "Contact: <sip:b@h>" CRLF), 200);
	/* a third: the least recently refreshed binding makes room */
	CU_ASSERT_EQUAL(REG(3, "Contact: <sip:a@h>;expires=600" CRLF), 200);
	CU_ASSERT_EQUAL(REG(4, "Contact: <sip:c@h>" CRLF), 200);
	CU_ASSERT_EQUAL(ncontacts(), 2);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, now, b, 4), 2);
	CU_ASSERT_STRING_EQUAL(b[0]->contact, "sip:c@h");
	CU_ASSERT_STRING_EQUAL(b[1]->contact, "sip:a@h");
	/* more in one request than an AOR may hold */
	CU_ASSERT_EQUAL(REG(5, "Contact: <sip:d@h>, <sip:e@h>, <sip:f@h>" CRLF),
			403);
	CU_ASSERT_TRUE(has("SIP/2.0 403 Too Many Contacts" CRLF));
	CU_ASSERT_EQUAL(loc_count(loc), 2);
	/* the store is full: others' bindings are never evicted */
	auth = NULL;
	CU_ASSERT_EQUAL(regx("sip:bob@example.com", "b", 1,
			     "Contact: <sip:bob@h>" CRLF),
			200);
	CU_ASSERT_EQUAL(regx("sip:carol@example.com", "c", 1,
			     "Contact: <sip:carol@h>" CRLF),
			503);
	CU_ASSERT_TRUE(has("SIP/2.0 503 Registration Table Full" CRLF));
	CU_ASSERT_TRUE(has(CRLF "Retry-After: 300" CRLF));
	/* a full store still takes refreshes and removals */
	CU_ASSERT_EQUAL(regx("sip:bob@example.com", "b", 2,
			     "Contact: <sip:bob@h>" CRLF),
			200);
	CU_ASSERT_EQUAL(
		regx("sip:bob@example.com", "b", 3,
		     "Contact: <sip:bob@h>;expires=0, <sip:bob2@h>" CRLF),
		200);
	CU_ASSERT_EQUAL(loc_count(loc), 3);
}

static void test_duplicates_and_query(void)
{
	fresh();
	/* the same Contact twice in one request: the later one counts */
	CU_ASSERT_EQUAL(REG(1, "Contact: <sip:a@h>;expires=100, "
			       "<sip:a@h>;expires=200;q=0.1" CRLF),
			200);
	CU_ASSERT_EQUAL(ncontacts(), 1);
	CU_ASSERT_TRUE(has("Contact: <sip:a@h>;expires=200;q=0.1" CRLF));
	/* §10.2.3: no Contact is a query and changes nothing */
	CU_ASSERT_EQUAL(REG(2, "Expires: 0" CRLF), 200);
	CU_ASSERT_TRUE(has("Contact: <sip:a@h>;expires=200;q=0.1" CRLF));
	CU_ASSERT_EQUAL(one()->cseq, 1);
}

static void test_bad_requests(void)
{
	struct registrar_conf bad = { .domains = domains,
				      .min_expires = 4000,
				      .max_expires = 8000 };
	struct sip_err e;
	static const char opt[] = "OPTIONS sip:example.com SIP/2.0" CRLF
				  "Via: SIP/2.0/UDP h;branch=z9hG4bK1" CRLF
				  "From: <sip:a@h>;tag=1" CRLF
				  "To: <sip:a@h>" CRLF "Call-ID: x" CRLF
				  "CSeq: 1 OPTIONS" CRLF CRLF;

	fresh();
	CU_ASSERT_EQUAL(REG(1, "Contact: <mailto:alice@example.com>" CRLF),
			400);
	CU_ASSERT_TRUE(has("SIP/2.0 400 Contact Is Not A SIP URI" CRLF));
	CU_ASSERT_EQUAL(REG(1, "Contact: " UA_C CRLF), 200);
	/* the response does not fit: nothing is written, the binding stays */
	CU_ASSERT_EQUAL(registrar_handle(reg, &req, auth, &src, now, out, 100),
			-ENOSPC);
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&req, opt, sizeof(opt) - 1, 0, &e),
			      0);
	CU_ASSERT_EQUAL(registrar_handle(reg, &req, auth, &src, now, out,
					 sizeof(out)),
			-EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(registrar_new(loc, &bad));
	CU_ASSERT_EQUAL(errno, EINVAL);
	bad = (struct registrar_conf){ 0 };
	CU_ASSERT_PTR_NULL(registrar_new(loc, &bad));
	CU_ASSERT_EQUAL(errno, EINVAL);
}

/* A registration survives a restart: the same fields from the file. */
static void test_restart(void)
{
	char dir[] = "/tmp/sipfp-reg-XXXXXX", db[64], p[80];
	const struct binding *b;

	fresh();
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/reg.db", dir);
	registrar_free(reg);
	loc_close(loc);
	loc = loc_open(db, now, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	reg = mkreg(0, 0);
	src = (struct peer_info){ LOC_TLS, "203.0.113.5", 40001, 9 };
	CU_ASSERT_EQUAL(REG(7, "Path: <sip:edge.example.net;lr>" CRLF
			       "Contact: <sips:alice@192.168.1.10>;q=0.9;"
			       "+sip.instance=\"<urn:uuid:1>\";reg-id=3" CRLF
			       "User-Agent: phone/1.0" CRLF),
			200);
	registrar_free(reg);
	loc_close(loc);

	now += 1000;
	loc = loc_open(db, now, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	reg = mkreg(0, 0);
	b = one();
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(b->contact, "sips:alice@192.168.1.10");
	CU_ASSERT_EQUAL(b->q, 900);
	CU_ASSERT_EQUAL(b->expires_at, T0 + 3600);
	CU_ASSERT_STRING_EQUAL(b->call_id, "c1@ua");
	CU_ASSERT_EQUAL(b->cseq, 7);
	CU_ASSERT_STRING_EQUAL(b->instance, "<urn:uuid:1>");
	CU_ASSERT_EQUAL(b->reg_id, 3);
	CU_ASSERT_STRING_EQUAL(b->path, "<sip:edge.example.net;lr>");
	CU_ASSERT_EQUAL(b->received.transport, LOC_TLS);
	CU_ASSERT_STRING_EQUAL(b->received.ip, "203.0.113.5");
	CU_ASSERT_EQUAL(b->received.port, 40001);
	CU_ASSERT_EQUAL(b->nated, true);
	CU_ASSERT_STRING_EQUAL(b->user_agent, "phone/1.0");
	/* and the CSeq ordering holds across the restart */
	CU_ASSERT_EQUAL(REG(7, "Contact: <sips:alice@192.168.1.10>" CRLF), 500);
	CU_ASSERT_EQUAL(REG(8, "Contact: <sips:alice@192.168.1.10>" CRLF), 200);
	CU_ASSERT_TRUE(
		has("Contact: <sips:alice@192.168.1.10>;expires=3600" CRLF));

	/* the database refuses the write: 500, and nothing changed */
	{
		sqlite3 *other;
		char want[128];

		CU_ASSERT_EQUAL_FATAL(sqlite3_open(db, &other), SQLITE_OK);
		CU_ASSERT_EQUAL(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL,
					     NULL, NULL),
				SQLITE_OK);
		CU_ASSERT_EQUAL(REG(9, "Contact: <sip:new@h>" CRLF), 500);
		CU_ASSERT_TRUE(has("SIP/2.0 500 Registration Store Failed"));
		snprintf(want, sizeof(want), "%s: database is locked", db);
		CU_ASSERT_STRING_EQUAL(loc_error(loc), want);
		CU_ASSERT_EQUAL(loc_count(loc), 1);
		sqlite3_close(other);
		CU_ASSERT_EQUAL(REG(9, "Contact: <sip:new@h>" CRLF), 200);
		CU_ASSERT_EQUAL(loc_count(loc), 2);
	}

	teardown();
	setup();
	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
	CU_ASSERT_EQUAL(rmdir(dir), 0);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "register one contact", test_register_one },
		{ "refresh and CSeq order", test_refresh_and_order },
		{ "several contacts, q order", test_two_contacts_q },
		{ "expires: param, header, 0", test_expires_sources },
		{ "Contact *", test_star },
		{ "423 and the max cap", test_interval },
		{ "404 domain, 403 user", test_domain_and_auth },
		{ "Path stored and echoed", test_path },
		{ "Require", test_require },
		{ "+sip.instance and reg-id", test_instance },
		{ "NAT: observed source", test_nat },
		{ "expiry by time", test_expiry_by_time },
		{ "limits", test_limits },
		{ "duplicates and queries", test_duplicates_and_query },
		{ "bad requests", test_bad_requests },
		{ "restart keeps bindings", test_restart },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "registrar", setup, teardown, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};
	return tu_run(suites);
}
