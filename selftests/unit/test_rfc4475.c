// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 4475 (SIP Torture Test Messages) as the acceptance set of the SIP
 * parser: every message of the RFC, read byte for byte from
 * selftests/unit/rfc4475/, parsed as a UDP datagram.  Valid messages are
 * checked field by field against what the RFC's discussion points at;
 * invalid ones must be refused with the status the RFC prescribes; the
 * application-layer cases must parse and then be refused (or not) by
 * sip_req_check().  See selftests/unit/rfc4475/README.md for the table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "sip/msg.h"

#define DAT_DIR "selftests/unit/rfc4475/"

static char *buf; /* the message under test, allocated to its exact size */
static size_t buf_len;
static struct sip_msg msg;
static struct sip_err err;

/* Option tags this proxy supports, for the Proxy-Require check. */
static const char *const proxy_opts[] = { "path", "outbound", "gruu", NULL };

static void unload(void)
{
	free(buf);
	buf = NULL;
	buf_len = 0;
}

/* No slack after the last octet: ASan then flags any read past it. */
static int load(const char *name)
{
	char path[128];
	FILE *f;
	long n;

	unload();
	snprintf(path, sizeof(path), DAT_DIR "%s.dat", name);
	f = fopen(path, "rb");
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc(n)) ||
	    fread(buf, 1, n, f) != (size_t)n) {
		fclose(f);
		unload();
		return -1;
	}
	fclose(f);
	buf_len = n;
	return 0;
}

static int parse_buf(void)
{
	memset(&err, 0, sizeof(err));
	return sip_msg_parse(&msg, buf, buf_len, 0, &err);
}

static void accept_file(const char *name)
{
	int rc;

	CU_ASSERT_EQUAL_FATAL(load(name), 0);
	rc = parse_buf();
	if (rc)
		fprintf(stderr, "\n  %s refused: %s (status %d, offset %u)\n",
			name, err.what ? err.what : "-", err.status,
			err.offset);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static bool same(struct sip_str got, struct sip_str want)
{
	if (sip_str_eq(got, want))
		return true;
	fprintf(stderr, "\n  got \"");
	for (uint32_t i = 0; i < got.len; i++) {
		unsigned char c = got.s[i];

		fprintf(stderr, c < 0x20 ? "\\x%02x" : "%c", c);
	}
	fprintf(stderr, "\" (%u), want %u octets \"%.*s\"\n", got.len,
		want.len, SIP_STR_FMT(want));
	return false;
}

/* @hdr: the header blamed, "" for the start line, NULL not checked. */
static void refuse_buf(int status, const char *hdr)
{
	int rc = parse_buf();

	if (rc != -EBADMSG || err.status != status)
		fprintf(stderr, "\n  got %d, status %d: %s\n", rc, err.status,
			err.what ? err.what : "-");
	CU_ASSERT_EQUAL(rc, -EBADMSG);
	CU_ASSERT_EQUAL(err.status, status);
	CU_ASSERT_PTR_NOT_NULL(err.what);
	if (hdr)
		CU_ASSERT_TRUE(same(err.hdr, sip_str_cstr(hdr)));
}

static void refuse_file(const char *name, int status, const char *hdr)
{
	CU_ASSERT_EQUAL_FATAL(load(name), 0);
	refuse_buf(status, hdr);
}

/* Literals may hold NUL octets (intmeth), hence sizeof, not strlen. */
#define EQ(s, lit) CU_ASSERT_TRUE(same((s), SIP_STR(lit)))
#define EQS(s, cstr) CU_ASSERT_TRUE(same((s), sip_str_cstr(cstr)))

/* The RFC's <repeat count=n> notation: @pre, @n times @unit, @post. */
static const char *rep(char *dst, size_t size, const char *pre,
		       const char *unit, int n, const char *post)
{
	size_t len = snprintf(dst, size, "%s", pre);

	while (n-- > 0 && len < size)
		len += snprintf(dst + len, size - len, "%s", unit);
	if (len < size)
		snprintf(dst + len, size - len, "%s", post);
	return dst;
}

static void check_req(enum sip_method method, const char *method_s)
{
	CU_ASSERT_TRUE(msg.is_request);
	CU_ASSERT_EQUAL(msg.method, method);
	EQS(msg.method_s, method_s);
	EQ(msg.version, "SIP/2.0");
}

static void check_resp(uint16_t status, struct sip_str reason)
{
	CU_ASSERT_FALSE(msg.is_request);
	CU_ASSERT_EQUAL(msg.status, status);
	CU_ASSERT_TRUE(same(msg.reason, reason));
	EQ(msg.version, "SIP/2.0");
}

/* A sip: URI; the user part stays escaped as received. */
static void check_uri(const struct sip_uri *u, const char *user,
		      const char *host, uint16_t port, const char *params)
{
	CU_ASSERT_EQUAL(u->scheme, SIP_URI_SIP);
	EQ(u->scheme_s, "sip");
	EQS(u->user, user);
	EQS(u->host, host);
	CU_ASSERT_EQUAL(u->port, port);
	EQS(u->params, params);
}

static void check_addr(const struct sip_nameaddr *na, const char *display,
		       const char *user, const char *host, const char *tag)
{
	EQS(na->display, display);
	CU_ASSERT_EQUAL(na->uri.scheme, SIP_URI_SIP);
	EQS(na->uri.user, user);
	EQS(na->uri.host, host);
	EQS(na->tag, tag);
}

static void check_ids(const char *call_id, uint32_t cseq,
		      const char *cseq_method, int max_forwards)
{
	EQS(msg.call_id, call_id);
	CU_ASSERT_EQUAL(msg.cseq.num, cseq);
	EQS(msg.cseq.method_s, cseq_method);
	CU_ASSERT_EQUAL(msg.max_forwards, max_forwards);
}

/* Content-Length and the body it frames; the datagram holds nothing else. */
static void check_body(int64_t content_length, uint32_t body_len)
{
	CU_ASSERT_EQUAL(msg.content_length, content_length);
	CU_ASSERT_EQUAL(msg.body.len, body_len);
	CU_ASSERT_EQUAL(msg.len, buf_len);
}

struct via_want {
	const char *transport, *host;
	uint16_t port;
	const char *branch, *received; /* "" when absent */
};

static void check_via(const struct sip_via *v, const struct via_want *w)
{
	EQ(v->proto, "SIP");
	EQ(v->version, "2.0");
	EQS(v->transport, w->transport);
	EQS(v->host, w->host);
	CU_ASSERT_EQUAL(v->port, w->port);
	EQS(v->branch, w->branch);
	EQS(v->received, w->received);
}

/* msg.via is the top one; the iterator walks all Via lines in order. */
static void check_vias(const struct via_want *w, int n)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_via v;
	int i = 0, rc;

	CU_ASSERT_EQUAL(msg.nvia, n);
	check_via(&msg.via, &w[0]);
	while ((rc = sip_via_next(&msg, &it, &v)) == 1 && i < n)
		check_via(&v, &w[i++]);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(i, n);
}

struct contact_want {
	const char *user, *host;
	uint16_t port;
	int16_t q;	 /* thousandths, -1 when absent */
	int64_t expires; /* -1 when absent */
	const char *display, *uri_params;
};

static void check_contacts(const struct contact_want *w, int n)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;
	int i = 0, rc;

	while ((rc = sip_contact_next(&msg, &it, &c)) == 1 && i < n) {
		CU_ASSERT_FALSE(c.star);
		check_uri(&c.na.uri, w[i].user, w[i].host, w[i].port,
			  w[i].uri_params ? w[i].uri_params : "");
		CU_ASSERT_EQUAL(c.q, w[i].q);
		CU_ASSERT_EQUAL(c.expires, w[i].expires);
		EQS(c.na.display, w[i].display ? w[i].display : "");
		i++;
	}
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(i, n);
}

static void check_tokens(enum sip_hdr_id id, const char *const *want)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_str tok;
	int rc;

	while ((rc = sip_token_next(&msg, id, &it, &tok)) == 1 && *want)
		EQS(tok, *want++);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NULL(*want);
}

/* The header as received, name spelled as in the message. */
static void check_hdr(const char *name, enum sip_hdr_id id,
		      struct sip_str value)
{
	const struct sip_hdr *h = NULL;

	for (int i = 0; i < msg.nhdrs && !h; i++)
		if (sip_str_eq(msg.hdr[i].name, sip_str_cstr(name)))
			h = &msg.hdr[i];
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->id, id);
	CU_ASSERT_TRUE(same(h->value, value));
}

/* A proxy forwarding the request (not one addressed to itself). */
static int proxy_check(struct sip_str *unsupported)
{
	memset(&err, 0, sizeof(err));
	return sip_req_check(&msg, proxy_opts, unsupported, &err);
}

static void check_unescaped(struct sip_str s, struct sip_str want)
{
	char out[64];
	int n = sip_unescape(out, sizeof(out), s);

	CU_ASSERT_EQUAL(n, (int)want.len);
	if (n == (int)want.len)
		CU_ASSERT_EQUAL(memcmp(out, want.s, n), 0);
}

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

	accept_file("wsinv");
	check_req(SIP_INVITE, "INVITE");
	check_uri(&msg.ruri, "vivekg", "chair-dnrc.example.com", 0,
		  "unknownparam");
	check_addr(&msg.to, "", "vivekg", "chair-dnrc.example.com",
		   "1918181833n");
	check_addr(&msg.from, "J Rosenberg \\\\\\\"", "jdrosen", "example.com",
		   "98asjd8");
	CU_ASSERT_TRUE(msg.from.quoted);
	check_ids("wsinv.ndaksdj@192.0.2.1", 9, "INVITE", 68);
	check_vias(vias, 3);
	check_contacts(&contact, 1);
	CU_ASSERT_EQUAL(sip_contact_next(&msg, &it, &c), 1);
	CU_ASSERT_TRUE(sip_param_find(c.na.params, "newparam", &v));
	EQ(v, "newvalue");
	CU_ASSERT_TRUE(sip_param_find(c.na.params, "secondparam", &v));
	EQ(v, "");
	it = (struct sip_iter)SIP_ITER_INIT;
	CU_ASSERT_EQUAL(sip_nameaddr_next(&msg, SIP_H_ROUTE, &it, &route), 1);
	EQ(route.uri.host, "services.example.com");
	CU_ASSERT_TRUE(route.uri.lr);
	CU_ASSERT_TRUE(sip_uri_param(&route.uri, "unknown-no-value", &v));
	EQ(v, "");
	/* proxies forward unknown headers unchanged, folding included */
	check_hdr("NewFangledHeader", SIP_H_OTHER,
		  SIP_STR("newfangled value\r\n continued newfangled value"));
	check_hdr("UnknownHeaderWithUnusualValue", SIP_H_OTHER,
		  SIP_STR(";;,,;;,;"));
	check_hdr("s", SIP_H_SUBJECT, SIP_STR(""));
	EQ(msg.content_type, "application/sdp");
	check_body(150, 150);
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

	accept_file("intmeth");
	check_req(SIP_METHOD_UNKNOWN, meth);
	check_uri(&msg.ruri, user, "example.com", 0, "");
	EQ(msg.ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
	check_vias(&via, 1);
	EQ(msg.to.display, "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F");
	EQS(msg.to.uri.user, user);
	EQ(msg.to.tag, "");
	check_addr(&msg.from, "token1~` token2'+_ token3*%!.-", "mundane",
		   "example.com", "_token~1'+`*%!-.");
	CU_ASSERT_FALSE(msg.from.quoted);
	CU_ASSERT_TRUE(sip_param_find(msg.from.params, "fromParam''~+*_!.-%",
				      &v));
	EQ(v, "\"\xD1\x80\xD0\xB0\xD0\xB1\xD0\xBE\xD1\x82\xD0\xB0\xD1\x8E"
	      "\xD1\x89\xD0\xB8\xD0\xB9\"");
	check_ids("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", 139122385,
		  meth, 255);
	/* % is no escape in a method: this is not REGISTER or INVITE */
	CU_ASSERT_EQUAL(msg.cseq.method, SIP_METHOD_UNKNOWN);
	check_hdr("extensionHeader-!.%*+_`'~", SIP_H_OTHER,
		  SIP_STR("\xEF\xBB\xBF\xE5\xA4\xA7\xE5\x81\x9C\xE9\x9B\xBB"));
	check_body(0, 0);
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

	accept_file("esc01");
	check_req(SIP_INVITE, "INVITE");
	check_uri(&msg.ruri, "sips%3Auser%40example.com", "example.net", 0, "");
	check_unescaped(msg.ruri.user, SIP_STR("sips:user@example.com"));
	check_addr(&msg.to, "", "%75se%72", "example.com", "");
	check_unescaped(msg.to.uri.user, SIP_STR("user"));
	check_addr(&msg.from, "", "I%20have%20spaces", "example.net", "938");
	check_unescaped(msg.from.uri.user, SIP_STR("I have spaces"));
	check_ids("esc01.239409asdfakjkn23onasd0-3234", 234234, "INVITE", 87);
	check_vias(&via, 1);
	check_contacts(&contact, 1);
	/* "value%41", not "valueA": unescaping is never recursive */
	check_unescaped(SIP_STR("v%61lue%25%34%31"), SIP_STR("value%41"));
	EQ(msg.content_type, "application/sdp");
	check_body(150, 150);
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

	accept_file("escnull");
	check_req(SIP_REGISTER, "REGISTER");
	check_uri(&msg.ruri, "", "example.com", 0, "");
	check_addr(&msg.to, "", "null-%00-null", "example.com", "");
	check_unescaped(msg.to.uri.user, SIP_STR("null-\0-null"));
	check_addr(&msg.from, "", "null-%00-null", "example.com", "839923423");
	check_ids("escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", 14398234,
		  "REGISTER", 70);
	check_vias(&via, 1);
	check_contacts(contacts, 2);
	check_body(0, 0);
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

	accept_file("esc02");
	check_req(SIP_METHOD_UNKNOWN, "RE%47IST%45R");
	check_uri(&msg.ruri, "", "registrar.example.com", 0, "");
	check_addr(&msg.to, "%Z%45", "resource", "example.com", "");
	CU_ASSERT_TRUE(msg.to.quoted);
	check_addr(&msg.from, "%Z%45", "resource", "example.com",
		   "f232jadfj23");
	check_ids("esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", 29344,
		  "RE%47IST%45R", 70);
	CU_ASSERT_EQUAL(msg.cseq.method, SIP_METHOD_UNKNOWN);
	check_vias(&via, 1);
	check_contacts(contacts, 2);
	check_hdr("C%6Fntact", SIP_H_OTHER,
		  SIP_STR("<sip:alias2@host2.example.com>"));
	check_body(0, 0);
}

/* §3.1.1.6: no LWS between a token display name and '<'. */
static void test_lwsdisp(void)
{
	static const struct via_want via = {
		"UDP", "funky.example.com", 0, "z9hG4bKkdjuw", "",
	};

	accept_file("lwsdisp");
	check_req(SIP_OPTIONS, "OPTIONS");
	check_uri(&msg.ruri, "user", "example.com", 0, "");
	check_addr(&msg.to, "", "user", "example.com", "");
	check_addr(&msg.from, "caller", "caller", "example.com", "323");
	CU_ASSERT_FALSE(msg.from.quoted);
	CU_ASSERT_TRUE(msg.from.angle);
	check_ids("lwsdisp.1234abcd@funky.example.com", 60, "OPTIONS", 70);
	check_vias(&via, 1);
	check_body(0, 0);
}

static void longreq_to_from(void)
{
	char a[512], b[512];
	struct sip_str v;

	EQS(msg.to.display, rep(a, sizeof(a), "I have a user name of ",
				"extreme", 10, " proportion"));
	CU_ASSERT_EQUAL(msg.to.uri.port, 6000);
	CU_ASSERT_TRUE(sip_uri_param(&msg.to.uri, "unknownparam1", &v));
	EQS(v, rep(a, sizeof(a), "very", "long", 20, "value"));
	rep(a, sizeof(a), "longparam", "name", 25, "");
	CU_ASSERT_TRUE(sip_uri_param(&msg.to.uri, a, &v));
	EQ(v, "shortvalue");
	rep(a, sizeof(a), "very", "long", 25, "ParameterNameWithNoValue");
	CU_ASSERT_TRUE(sip_uri_param(&msg.to.uri, a, &v));
	EQ(v, "");
	rep(a, sizeof(a), "", "amazinglylongcallername", 5, "");
	rep(b, sizeof(b), "12", "982", 50, "424");
	check_addr(&msg.from, "", a, "example.net", b);
	rep(a, sizeof(a), "unknownheaderparam", "name", 20, "");
	CU_ASSERT_TRUE(sip_param_find(msg.from.params, a, &v));
	EQS(v, rep(a, sizeof(a), "unknowheaderparam", "value", 15, ""));
	rep(a, sizeof(a), "unknownValueless", "paramname", 10, "");
	CU_ASSERT_TRUE(sip_param_find(msg.from.params, a, &v));
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
		rep(branch, sizeof(branch), "very", "long", 50, "branchvalue"),
		"192.0.2.5" };
	rep(user, sizeof(user), "", "amazinglylongcallername", 5, "");
	accept_file("longreq");
	check_req(SIP_INVITE, "INVITE");
	check_uri(&msg.ruri, "user", "example.com", 0, "");
	longreq_to_from();
	check_ids(rep(a, sizeof(a), "longreq.one", "really", 20, "longcallid"),
		  3882340, "INVITE", 70);
	rep(l, sizeof(l), "", "long", 20, "");
	snprintf(a, sizeof(a), "unknown-%s-value; unknown-%s-parameter-name = "
		 "unknown-%s-parameter-value", l, l, l);
	check_hdr(rep(name, sizeof(name), "Unknown-", "Long", 20, "-Name"),
		  SIP_H_OTHER, sip_str_cstr(a));
	check_vias(vias, 34);
	check_contacts(&contact, 1);
	EQ(msg.content_type, "application/sdp");
	check_body(150, 150);
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

	accept_file("dblreq");
	check_req(SIP_REGISTER, "REGISTER");
	check_addr(&msg.to, "", "j.user", "example.com", "");
	check_addr(&msg.from, "", "j.user", "example.com", "43251j3j324");
	check_ids("dblreq.0ha0isndaksdj99sdfafnl3lk233412", 8, "REGISTER", 8);
	check_vias(&via, 1);
	check_contacts(&contact, 1);
	CU_ASSERT_EQUAL(msg.content_length, 0);
	CU_ASSERT_EQUAL(msg.body.len, 0);
	eoh = memmem(buf, buf_len, "\r\n\r\n", 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(eoh);
	CU_ASSERT_EQUAL(msg.len, eoh + 4 - buf);
	CU_ASSERT_EQUAL(msg.len, 300);
	/* nothing of the trailing INVITE made it into the REGISTER */
	CU_ASSERT_EQUAL(msg.nhdrs, 8);
	CU_ASSERT_EQUAL(sip_hdr_find(&msg, SIP_H_CONTENT_TYPE), -1);
}

/* §3.1.1.9: ';' in the user part is not a URI parameter. */
static void test_semiuri(void)
{
	static const struct via_want via = {
		"UDP", "192.0.2.1", 0, "z9hG4bKkdjuw", "",
	};

	accept_file("semiuri");
	check_req(SIP_OPTIONS, "OPTIONS");
	check_uri(&msg.ruri, "user;par=u%40example.net", "example.com", 0, "");
	check_addr(&msg.to, "", "j_user", "example.com", "");
	check_addr(&msg.from, "", "caller", "example.org", "33242");
	check_ids("semiuri.0ha0isndaksdj", 8, "OPTIONS", 3);
	check_vias(&via, 1);
	check_hdr("Accept", SIP_H_ACCEPT,
		  SIP_STR("application/sdp, application/pkcs7-mime,\r\n"
			  "        multipart/mixed, multipart/signed,\r\n"
			  "        message/sip, message/sipfrag"));
	check_body(0, 0);
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

	accept_file("transports");
	check_req(SIP_OPTIONS, "OPTIONS");
	check_uri(&msg.ruri, "user", "example.com", 0, "");
	check_addr(&msg.to, "", "user", "example.com", "");
	check_addr(&msg.from, "", "caller", "example.com", "323");
	check_ids("transports.kijh4akdnaqjkwendsasfdj", 60, "OPTIONS", 70);
	check_vias(vias, 5);
	check_body(0, 0);
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

	accept_file("mpart01");
	check_req(SIP_MESSAGE, "MESSAGE");
	check_uri(&msg.ruri, "kumiko", "example.org", 0, "");
	check_vias(&via, 1);
	CU_ASSERT_TRUE(msg.via.rport);
	CU_ASSERT_EQUAL(msg.via.rport_val, 0);
	CU_ASSERT_EQUAL(sip_nameaddr_next(&msg, SIP_H_ROUTE, &it, &route), 1);
	check_uri(&route.uri, "", "127.0.0.1", 5080, "");
	check_hdr("Identity", SIP_H_OTHER, SIP_STR(
		"r5mwreLuyDRYBi/0TiPwEsY3rEVsk/G2WxhgTV1PF7hHuLIK0YWVKZhKv9Mj8U"
		"eXqkMVbnVq37CD+813gvYjcBUaZngQmXc9WNZSDNGCzA+fWl9MEUHWIZo1CeJ"
		"ebdY/XlgKeTa0Olvq0rt70Q5jiSfbqMJmQFteeivUhkMWYUA="));
	check_contacts(&contact, 1);
	check_addr(&msg.to, "", "kumiko", "example.org", "");
	check_addr(&msg.from, "", "fluffy", "example.com", "2fb0dcc9");
	check_ids("3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", 1,
		  "MESSAGE", 70);
	check_hdr("Content-Transfer-Encoding", SIP_H_OTHER, SIP_STR("binary"));
	EQ(msg.content_type, "multipart/mixed;boundary=7a9cbec02ceef655");
	check_hdr("Date", SIP_H_DATE, SIP_STR("Sat, 15 Oct 2005 04:44:56 GMT"));
	check_hdr("User-Agent", SIP_H_USER_AGENT,
		  SIP_STR("SIPimp.org/0.2.5 (curses)"));
	check_body(553, 553);
	CU_ASSERT_FATAL(msg.body.len == 553);
	CU_ASSERT_PTR_NOT_NULL(memchr(msg.body.s, '\0', msg.body.len));
	CU_ASSERT_EQUAL(memcmp(msg.body.s + 553 - (sizeof(end) - 1), end,
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

	accept_file("unreason");
	/* "199 is prime" in Russian, after the arithmetic */
	check_resp(200, SIP_STR("= 2**3 * 5**2 "
		"\xD0\xBD\xD0\xBE\x20\xD1\x81\xD1\x82\xD0\xBE\x20\xD0\xB4"
		"\xD0\xB5\xD0\xB2\xD1\x8F\xD0\xBD\xD0\xBE\xD1\x81\xD1\x82"
		"\xD0\xBE\x20\xD0\xB4\xD0\xB5\xD0\xB2\xD1\x8F\xD1\x82\xD1"
		"\x8C\x20\x2D\x20\xD0\xBF\xD1\x80\xD0\xBE\xD1\x81\xD1\x82"
		"\xD0\xBE\xD0\xB5"));
	check_vias(&via, 1);
	check_ids("unreason.1234ksdfak3j2erwedfsASdf", 35, "INVITE", -1);
	CU_ASSERT_EQUAL(msg.method, SIP_INVITE);
	check_addr(&msg.from, "", "user", "example.com", "11141343");
	check_addr(&msg.to, "", "user", "example.edu", "2229");
	check_contacts(&contact, 1);
	EQ(msg.content_type, "application/sdp");
	check_body(154, 154);
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

	accept_file("noreason");
	check_resp(100, SIP_STR(""));
	check_vias(&via, 1);
	check_ids("noreason.asndj203insdf99223ndf", 35, "INVITE", -1);
	check_addr(&msg.from, "", "user", "example.com", "39ansfi3");
	check_addr(&msg.to, "", "user", "example.edu", "902jndnke3");
	check_contacts(&contact, 1);
	check_body(0, 0);
}

/*
 * §3.1.2: syntax errors.  A request is answered 400 (505 for badvers), a
 * response is dropped (status 0).  Where the RFC lets an element be
 * liberal instead, sipfp is strict: it never forwards what it would have
 * to repair first.
 */
static void test_badinv01(void)
{
	refuse_file("badinv01", 400, "Via");
}

/* Over UDP the missing octets will never come: 400.  On a stream, wait. */
static void test_clerr(void)
{
	refuse_file("clerr", 400, "Content-Length");
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(sip_msg_frame(buf, buf_len, &err), 0);
}

/* On a stream a bad length loses the framing for good. */
static void test_ncl(void)
{
	refuse_file("ncl", 400, "Content-Length");
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(sip_msg_frame(buf, buf_len, &err), -EBADMSG);
}

/* The RFC wants the 400 for the CSeq, the first out-of-range field. */
static void test_scalar02(void)
{
	refuse_file("scalar02", 400, "CSeq");
}

static void test_scalarlg(void)
{
	refuse_file("scalarlg", 0, NULL);
}

static void test_quotbal(void)
{
	refuse_file("quotbal", 400, "To");
}

static void test_ltgtruri(void)
{
	refuse_file("ltgtruri", 400, "");
}

static void test_lwsruri(void)
{
	refuse_file("lwsruri", 400, "");
}

static void test_lwsstart(void)
{
	refuse_file("lwsstart", 400, "");
}

static void test_trws(void)
{
	refuse_file("trws", 400, "");
}

static void test_escruri(void)
{
	refuse_file("escruri", 400, "");
}

/*
 * "EST" is no rfc1123-date zone (only GMT is), but Date is informational:
 * a proxy forwards it untouched rather than fail a call over a clock
 * label (RFC 4475 §3.1.2.12 lets an element ignore a Date it doesn't use).
 */
static void test_baddate(void)
{
	int i;

	accept_file("baddate");
	i = sip_hdr_find(&msg, SIP_H_DATE);
	CU_ASSERT_TRUE_FATAL(i >= 0);
	EQ(msg.hdr[i].value, "Fri, 01 Jan 2010 16:00:00 EST");
}

static void test_regbadct(void)
{
	refuse_file("regbadct", 400, "Contact");
}

static void test_badaspec(void)
{
	refuse_file("badaspec", 400, "To");
}

/*
 * The archived baddn.dat has no empty line after its headers, so it is
 * also checked with one added: the display names alone must get the 400.
 */
static void test_baddn(void)
{
	char *framed;

	refuse_file("baddn", 400, NULL);
	framed = malloc(buf_len + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(framed);
	memcpy(framed, buf, buf_len);
	memcpy(framed + buf_len, "\r\n", 2);
	free(buf);
	buf = framed;
	buf_len += 2;
	refuse_buf(400, "From");
}

static void test_badvers(void)
{
	refuse_file("badvers", 505, "");
}

static void test_mismatch01(void)
{
	refuse_file("mismatch01", 400, "CSeq");
}

/* The RFC prefers 501 for an unknown method; the mismatch is found first. */
static void test_mismatch02(void)
{
	refuse_file("mismatch02", 400, "CSeq");
}

static void test_bigcode(void)
{
	refuse_file("bigcode", 0, "");
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

	accept_file("badbranch");
	check_req(SIP_OPTIONS, "OPTIONS");
	check_addr(&msg.from, "", "caller", "example.org", "33242");
	check_ids("badbranch.sadonfo23i420jv0as0derf3j3n", 8, "OPTIONS", 3);
	check_vias(&via, 1);
	check_body(0, 0);
}

/* §3.3.1: no To, From or Call-ID; the Via and CSeq still allow a 400. */
static void test_insuf(void)
{
	static const struct via_want via = {
		"UDP", "192.0.2.95", 0, "z9hG4bKkdj.insuf", "",
	};

	refuse_file("insuf", 400, NULL);
	CU_ASSERT_EQUAL(msg.nvia, 1);
	check_via(&msg.via, &via);
	CU_ASSERT_EQUAL(msg.cseq.num, 193942);
	EQ(msg.cseq.method_s, "INVITE");
}

static void check_unknown_ruri(const char *scheme, const char *opaque)
{
	CU_ASSERT_EQUAL(msg.ruri.scheme, SIP_URI_OTHER);
	EQS(msg.ruri.scheme_s, scheme);
	EQS(msg.ruri.opaque, opaque);
	/* routing on the SIP To URI instead would be the error */
	check_addr(&msg.to, "", "user", "example.com", "");
	CU_ASSERT_EQUAL(proxy_check(NULL), -EBADMSG);
	CU_ASSERT_EQUAL(err.status, 416);
}

/* §3.3.2: an unknown Request-URI scheme parses, and is refused 416. */
static void test_unkscm(void)
{
	accept_file("unkscm");
	check_req(SIP_OPTIONS, "OPTIONS");
	check_ids("unkscm.nasdfasser0q239nwsdfasdkl34", 3923423, "OPTIONS", 3);
	check_unknown_ruri("nobodyKnowsThisScheme", "totallyopaquecontent");
}

/* §3.3.3: a registered scheme a proxy never routes: 416 as well. */
static void test_novelsc(void)
{
	accept_file("novelsc");
	check_req(SIP_OPTIONS, "OPTIONS");
	check_ids("novelsc.asdfasser0q239nwsdfasdkl34", 3923423, "OPTIONS", 3);
	check_unknown_ruri("soap.beep", "//192.0.2.103:3002");
}

/* §3.3.4: non-SIP URIs in To, From, Contact: a proxy forwards it. */
static void test_unksm2(void)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;

	accept_file("unksm2");
	check_req(SIP_REGISTER, "REGISTER");
	CU_ASSERT_EQUAL(msg.to.uri.scheme, SIP_URI_OTHER);
	EQ(msg.to.uri.scheme_s, "isbn");
	EQ(msg.to.uri.opaque, "2983792873");
	CU_ASSERT_EQUAL(msg.from.uri.scheme, SIP_URI_OTHER);
	EQ(msg.from.uri.scheme_s, "http");
	EQ(msg.from.uri.opaque, "//www.example.com");
	EQ(msg.from.tag, "3234233");
	CU_ASSERT_EQUAL(sip_contact_next(&msg, &it, &c), 1);
	EQ(c.na.uri.scheme_s, "name");
	EQ(c.na.uri.opaque, "John_Smith");
	CU_ASSERT_EQUAL(sip_contact_next(&msg, &it, &c), 0);
	check_ids("unksm2.daksdj@hyphenated-host.example.com", 234902,
		  "REGISTER", 70);
	CU_ASSERT_EQUAL(proxy_check(NULL), 0);
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

	accept_file("bext01");
	check_req(SIP_OPTIONS, "OPTIONS");
	check_tokens(SIP_H_REQUIRE, req);
	check_tokens(SIP_H_PROXY_REQUIRE, preq);
	CU_ASSERT_EQUAL(proxy_check(&unsup), -EBADMSG);
	CU_ASSERT_EQUAL(err.status, 420);
	EQ(unsup, "noProxiesSupportThis");
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(sip_req_check(&msg, NULL, NULL, &err), 0);
}

/* §3.3.6: an unknown body type is the UAS's 415, not the parser's. */
static void test_invut(void)
{
	accept_file("invut");
	check_req(SIP_INVITE, "INVITE");
	check_ids("invut.0ha0isndaksdjadsfij34n23d", 235448, "INVITE", 70);
	EQ(msg.content_type, "application/unknownformat");
	check_body(40, 40);
	EQ(msg.body, "<audio>\r\n <pcmu port=\"443\"/>\r\n</audio>\r\n");
	CU_ASSERT_EQUAL(proxy_check(NULL), 0);
}

/* §3.3.7: an unknown scheme is forwarded unmodified; it parses. */
static void test_regaut01(void)
{
	struct sip_auth a;
	int i;

	accept_file("regaut01");
	check_req(SIP_REGISTER, "REGISTER");
	check_ids("regaut01.0ha0isndaksdj", 9338, "REGISTER", 8);
	i = sip_hdr_find(&msg, SIP_H_AUTHORIZATION);
	CU_ASSERT_FATAL(i >= 0);
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(sip_auth_parse(&a, msg.hdr[i].value, &err), 0);
	EQ(a.scheme, "NoOneKnowsThisScheme");
	EQ(a.params, "opaque-data=here");
	EQ(a.username, "");
	check_body(0, 0);
	CU_ASSERT_EQUAL(proxy_check(NULL), 0);
}

/* §3.3.8: To, From, Call-ID, CSeq and Max-Forwards twice: 400. */
static void test_multi01(void)
{
	refuse_file("multi01", 400, NULL);
}

/* §3.3.9: conflicting lengths lose the framing, as ncl does. */
static void test_mcl01(void)
{
	refuse_file("mcl01", 400, "Content-Length");
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(sip_msg_frame(buf, buf_len, &err), -EBADMSG);
}

/* §3.3.10: parses; response routing drops it rather than broadcast. */
static void test_bcast(void)
{
	static const struct via_want vias[] = {
		{ "UDP", "192.0.2.198", 0, "z9hG4bK1324923", "" },
		{ "UDP", "255.255.255.255", 0, "z9hG4bK1saber23", "" },
	};

	accept_file("bcast");
	check_resp(200, SIP_STR("OK"));
	check_vias(vias, 2);
	check_ids("bcast.0384840201234ksdfak3j2erwedfsASdf", 35, "INVITE", -1);
	check_body(154, 154);
}

/* §3.3.11: legal, but a proxy forwarding it answers 483. */
static void test_zeromf(void)
{
	accept_file("zeromf");
	check_req(SIP_OPTIONS, "OPTIONS");
	check_ids("zeromf.jfasdlfnm2o2l43r5u0asdfas", 39234321, "OPTIONS", 0);
	CU_ASSERT_EQUAL(proxy_check(NULL), -EBADMSG);
	CU_ASSERT_EQUAL(err.status, 483);
}

/* §3.3.12: after an addr-spec, ";unknownparam" is a contact-param. */
static void test_cparam01(void)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;
	struct sip_str v;

	accept_file("cparam01");
	check_ids("cparam01.70710@saturn.example.com", 2, "REGISTER", 70);
	CU_ASSERT_EQUAL_FATAL(sip_contact_next(&msg, &it, &c), 1);
	CU_ASSERT_FALSE(c.na.angle);
	check_uri(&c.na.uri, "+19725552222", "gw1.example.net", 0, "");
	EQ(c.na.params, "unknownparam");
	CU_ASSERT_TRUE(sip_param_find(c.na.params, "unknownparam", &v));
	EQ(v, "");
	CU_ASSERT_EQUAL(sip_contact_next(&msg, &it, &c), 0);
}

/* §3.3.13: inside <>, the same parameter belongs to the URI. */
static void test_cparam02(void)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;

	accept_file("cparam02");
	check_ids("cparam02.70710@saturn.example.com", 3, "REGISTER", 70);
	CU_ASSERT_EQUAL_FATAL(sip_contact_next(&msg, &it, &c), 1);
	CU_ASSERT_TRUE(c.na.angle);
	check_uri(&c.na.uri, "+19725552222", "gw1.example.net", 0,
		  "unknownparam");
	CU_ASSERT_TRUE(sip_uri_param(&c.na.uri, "unknownparam", NULL));
	EQ(c.na.params, "");
	CU_ASSERT_EQUAL(sip_contact_next(&msg, &it, &c), 0);
}

/* §3.3.14: an escaped header inside <> is valid and must be kept. */
static void test_regescrt(void)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;

	accept_file("regescrt");
	check_ids("regescrt.k345asrl3fdbv@192.0.2.1", 14398234, "REGISTER", 70);
	CU_ASSERT_EQUAL_FATAL(sip_contact_next(&msg, &it, &c), 1);
	CU_ASSERT_TRUE(c.na.angle);
	check_uri(&c.na.uri, "user", "example.com", 0, "");
	EQ(c.na.uri.headers, "Route=%3Csip:sip.example.com%3E");
	check_body(0, 0);
}

/* §3.3.15: the UAS's 406; nothing for the parser or the proxy. */
static void test_sdp01(void)
{
	accept_file("sdp01");
	check_req(SIP_INVITE, "INVITE");
	check_ids("sdp01.ndaksdj9342dasdd", 8, "INVITE", 5);
	check_hdr("Accept", SIP_H_ACCEPT, SIP_STR("text/nobodyKnowsThis"));
	EQ(msg.content_type, "application/sdp");
	check_body(150, 150);
	CU_ASSERT_EQUAL(proxy_check(NULL), 0);
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

	accept_file("inv2543");
	check_req(SIP_INVITE, "INVITE");
	check_uri(&msg.ruri, "UserB", "example.com", 0, "");
	check_vias(&via, 1);
	check_addr(&msg.from, "", "+13035551111", "ift.client.example.net", "");
	EQ(msg.from.uri.user_param, "phone");
	/* addr-spec form: ";user=phone" is a To parameter, not the URI's */
	check_addr(&msg.to, "", "+16505552222", "ss1.example.net", "");
	EQ(msg.to.uri.user_param, "");
	EQ(msg.to.params, "user=phone");
	CU_ASSERT_EQUAL(sip_nameaddr_next(&msg, SIP_H_RECORD_ROUTE, &it, &rr),
			1);
	check_uri(&rr.uri, "UserB", "example.com", 0, "maddr=ss1.example.com");
	EQ(rr.uri.maddr, "ss1.example.com");
	check_ids("inv2543.1717@ift.client.example.com", 56, "INVITE", -1);
	check_body(-1, 105);
	CU_ASSERT_EQUAL(proxy_check(NULL), 0);
	/* a stream cannot frame it */
	memset(&err, 0, sizeof(err));
	CU_ASSERT_EQUAL(sip_msg_frame(buf, buf_len, &err), -EBADMSG);
}

#define T(name) { #name, test_##name }

static CU_TestInfo valid_tests[] = {
	T(wsinv),    T(intmeth),    T(esc01),	T(escnull),  T(esc02),
	T(lwsdisp),  T(longreq),    T(dblreq),	T(semiuri),  T(transports),
	T(mpart01),  T(unreason),   T(noreason), CU_TEST_INFO_NULL,
};

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
	{ "rfc4475_3.1.1_valid", NULL, NULL, NULL, unload, valid_tests },
	{ "rfc4475_3.1.2_invalid", NULL, NULL, NULL, unload, invalid_tests },
	{ "rfc4475_3.2_transaction", NULL, NULL, NULL, unload,
	  transaction_tests },
	{ "rfc4475_3.3_application", NULL, NULL, NULL, unload,
	  application_tests },
	{ "rfc4475_3.4_compat", NULL, NULL, NULL, unload, compat_tests },
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
