// SPDX-License-Identifier: GPL-2.0
/*
 * SIP, SIPS, tel and other URIs: every field of parsed URIs, rejected
 * input with the exact fault and offset, RFC 3261 §19.1.4 and RFC 3966 §4
 * comparison, unescaping and printing.
 *
 * Every input is copied into a heap buffer of exactly its length, so
 * ASan catches any read past the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "sip/chars.h"
#include "sip/uri.h"

static char *buf;
static struct sip_err err;

static int parse_n(struct sip_uri *u, const char *s, size_t len)
{
	free(buf);
	buf = malloc(len ? len : 1);
	if (!buf)
		abort();
	memcpy(buf, s, len);
	memset(&err, 0, sizeof(err));
	return sip_uri_parse(u, buf, len, &err);
}

static void check(bool ok, const char *in, const char *what, int line)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s: %s", in, what);
	CU_assertImplementation(ok, (unsigned int)line, msg, __FILE__, "",
				CU_FALSE);
}

/* A field must equal @want and be a view into the parsed buffer. */
static void check_str(struct sip_str f, const char *want, const char *in,
		      const char *name, int line)
{
	size_t n = want ? strlen(want) : 0;
	bool ok = f.len == n && (!n || !memcmp(f.s, want, n));
	char what[256];

	if (ok && n)
		ok = f.s >= buf && f.s + f.len <= buf + strlen(in);
	snprintf(what, sizeof(what), "%s is \"%.*s\", want \"%s\"", name,
		 SIP_STR_FMT(f), want ? want : "");
	check(ok, in, what, line);
}

struct want {
	const char *in;
	uint8_t scheme;
	uint8_t host_type;
	const char *scheme_s, *user, *password, *host;
	uint16_t port;
	const char *params, *headers;
	const char *transport, *maddr, *user_param, *method;
	bool has_ttl;
	uint8_t ttl;
	bool lr;
	const char *opaque;
};

#define F(field) check_str(u.field, w->field, w->in, #field, line)

static void check_parse(const struct want *w, int line)
{
	struct sip_uri u;
	int ret = parse_n(&u, w->in, strlen(w->in));

	check(ret == 0, w->in, err.what ? err.what : "parse", line);
	if (ret)
		return;
	check(u.scheme == w->scheme, w->in, "scheme", line);
	check(u.host_type == w->host_type, w->in, "host_type", line);
	check(u.port == w->port, w->in, "port", line);
	check(u.has_ttl == w->has_ttl && u.ttl == w->ttl, w->in, "ttl", line);
	check(u.lr == w->lr, w->in, "lr", line);
	check(u.raw.s == buf && u.raw.len == strlen(w->in), w->in, "raw",
	      line);
	F(scheme_s);
	F(user);
	F(password);
	F(host);
	F(params);
	F(headers);
	F(transport);
	F(maddr);
	F(user_param);
	F(method);
	F(opaque);
}

#define PARSE(fn, ...)                                                   \
	static void fn(void)                                             \
	{                                                                \
		check_parse(&(const struct want){ __VA_ARGS__ }, __LINE__); \
	}

#define SIP .scheme = SIP_URI_SIP, .scheme_s = "sip"
#define NAME(h) .host_type = SIP_HOST_NAME, .host = (h)
#define IPV4(h) .host_type = SIP_HOST_IPV4, .host = (h)
#define IPV6(h) .host_type = SIP_HOST_IPV6, .host = (h)

/* RFC 3261 §19.1.3 examples */
PARSE(p_basic, "sip:alice@atlanta.com", SIP, .user = "alice",
      NAME("atlanta.com"))
PARSE(p_password_transport, "sip:alice:secretword@atlanta.com;transport=tcp",
      SIP, .user = "alice", .password = "secretword", NAME("atlanta.com"),
      .params = "transport=tcp", .transport = "tcp")
PARSE(p_sips_headers,
      "sips:alice@atlanta.com?subject=project%20x&priority=urgent",
      .scheme = SIP_URI_SIPS, .scheme_s = "sips", .user = "alice",
      NAME("atlanta.com"), .headers = "subject=project%20x&priority=urgent")
PARSE(p_phone_user, "sip:+1-212-555-1212:1234@gateway.com;user=phone", SIP,
      .user = "+1-212-555-1212", .password = "1234", NAME("gateway.com"),
      .params = "user=phone", .user_param = "phone")
PARSE(p_sips_digits, "sips:1212@gateway.com", .scheme = SIP_URI_SIPS,
      .scheme_s = "sips", .user = "1212", NAME("gateway.com"))
PARSE(p_ipv4, "sip:alice@192.0.2.4", SIP, .user = "alice",
      IPV4("192.0.2.4"))
PARSE(p_method_header, "sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com",
      SIP, NAME("atlanta.com"), .params = "method=REGISTER",
      .method = "REGISTER", .headers = "to=alice%40atlanta.com")
PARSE(p_semicolon_user, "sip:alice;day=tuesday@atlanta.com", SIP,
      .user = "alice;day=tuesday", NAME("atlanta.com"))

/* RFC 4475 URIs */
PARSE(p_unknownparam, "sip:vivekg@chair-dnrc.example.com;unknownparam", SIP,
      .user = "vivekg", NAME("chair-dnrc.example.com"),
      .params = "unknownparam")
PARSE(p_escaped_user, "sip:%61lice@atlanta.com;transport=TCP", SIP,
      .user = "%61lice", NAME("atlanta.com"), .params = "transport=TCP",
      .transport = "TCP")
PARSE(p_escnull, "sip:null-%00-null@example.com", SIP,
      .user = "null-%00-null", NAME("example.com"))
PARSE(p_semiuri, "sip:user;par=u%40example.net@example.com", SIP,
      .user = "user;par=u%40example.net", NAME("example.com"))
PARSE(p_esc01, "sip:sip%3Auser%40example.com@company.com;other-param=summit",
      SIP, .user = "sip%3Auser%40example.com", NAME("company.com"),
      .params = "other-param=summit")
PARSE(p_ipv6_port, "sip:[2001:db8::10]:5070", SIP, IPV6("[2001:db8::10]"),
      .port = 5070)
PARSE(p_ipv6_plain, "sip:[2001:db8::9:1]", SIP, IPV6("[2001:db8::9:1]"))
PARSE(p_route_header, "sip:user@example.com?Route=%3Csip:example.com%3E", SIP,
      .user = "user", NAME("example.com"),
      .headers = "Route=%3Csip:example.com%3E")
PARSE(p_wide_chars,
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
      "weird!*pas$wo~d_too.(doesn't-it)@example.com",
      SIP, .user = "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*",
      .password = "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)",
      NAME("example.com"))

/* hosts */
PARSE(p_scheme_mixed, "sIp:h", .scheme = SIP_URI_SIP, .scheme_s = "sIp",
      NAME("h"))
PARSE(p_scheme_sips_case, "SiPs:h", .scheme = SIP_URI_SIPS,
      .scheme_s = "SiPs", NAME("h"))
PARSE(p_scheme_case, "SIP:ALICE@AtLanTa.CoM;Transport=udp",
      .scheme = SIP_URI_SIP, .scheme_s = "SIP", .user = "ALICE",
      NAME("AtLanTa.CoM"), .params = "Transport=udp", .transport = "udp")
PARSE(p_no_user, "sip:atlanta.com", SIP, NAME("atlanta.com"))
PARSE(p_single_label, "sip:localhost:5060", SIP, NAME("localhost"),
      .port = 5060)
PARSE(p_trailing_dot, "sip:bob@example.com.", SIP, .user = "bob",
      NAME("example.com."))
PARSE(p_digit_labels, "sip:1a.2-b.example", SIP, NAME("1a.2-b.example"))
PARSE(p_ipv4_port, "sip:192.0.2.1:5060;transport=udp", SIP,
      IPV4("192.0.2.1"), .port = 5060, .params = "transport=udp",
      .transport = "udp")
PARSE(p_ipv4_zeros, "sip:010.000.002.255", SIP, IPV4("010.000.002.255"))
PARSE(p_ipv6_v4, "sip:user@[::ffff:192.0.2.1]", SIP, .user = "user",
      IPV6("[::ffff:192.0.2.1]"))
PARSE(p_ipv6_full, "sip:[2001:DB8:0:0:0:0:0:1]:1", SIP,
      IPV6("[2001:DB8:0:0:0:0:0:1]"), .port = 1)
PARSE(p_ipv6_any, "sip:[::]", SIP, IPV6("[::]"))
PARSE(p_ipv6_trailing_dbl, "sip:[2001:db8::]", SIP, IPV6("[2001:db8::]"))
PARSE(p_ipv6_v4_full, "sip:[1:2:3:4:5:6:192.0.2.1]", SIP,
      IPV6("[1:2:3:4:5:6:192.0.2.1]"))
/* RFC 5118 §4.4: a port-looking last group is part of the address */
PARSE(p_ipv6_portlike, "sip:[2001:db8::10:5070]", SIP,
      IPV6("[2001:db8::10:5070]"))

/* ports and parameters */
PARSE(p_port_max, "sip:h:65535", SIP, NAME("h"), .port = 65535)
PARSE(p_port_zeros, "sip:h:0005060", SIP, NAME("h"), .port = 5060)
PARSE(p_well_known,
      "sip:h;transport=tcp;user=ip;method=INVITE;ttl=15;"
      "maddr=239.255.255.1;lr",
      SIP, NAME("h"),
      .params = "transport=tcp;user=ip;method=INVITE;ttl=15;"
		"maddr=239.255.255.1;lr",
      .transport = "tcp", .user_param = "ip", .method = "INVITE",
      .has_ttl = true, .ttl = 15, .maddr = "239.255.255.1", .lr = true)
PARSE(p_ttl_zero, "sip:h;TTL=0", SIP, NAME("h"), .params = "TTL=0",
      .has_ttl = true, .ttl = 0)
PARSE(p_ttl_max, "sip:h;ttl=255", SIP, NAME("h"), .params = "ttl=255",
      .has_ttl = true, .ttl = 255)
PARSE(p_lr_value, "sip:proxy.example.com;lr=on", SIP,
      NAME("proxy.example.com"), .params = "lr=on", .lr = true)
PARSE(p_first_wins, "sip:h;transport=tcp;transport=udp;ttl=1;ttl=2", SIP,
      NAME("h"), .params = "transport=tcp;transport=udp;ttl=1;ttl=2",
      .transport = "tcp", .has_ttl = true, .ttl = 1)
PARSE(p_maddr_name, "sip:h;maddr=mcast.example.com.", SIP, NAME("h"),
      .params = "maddr=mcast.example.com.", .maddr = "mcast.example.com.")
PARSE(p_maddr_v6, "sip:h;maddr=[ff02::1]", SIP, NAME("h"),
      .params = "maddr=[ff02::1]", .maddr = "[ff02::1]")
PARSE(p_param_chars, "sip:h;a[]/:&+$=-_.!~*'()%20", SIP, NAME("h"),
      .params = "a[]/:&+$=-_.!~*'()%20")
PARSE(p_params_headers,
      "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
      SIP, NAME("biloxi.com"), .params = "transport=tcp;method=REGISTER",
      .transport = "tcp", .method = "REGISTER",
      .headers = "to=sip:bob%40biloxi.com")
PARSE(p_header_empty_value, "sip:h?a=&b=[]/?:+$", SIP, NAME("h"),
      .headers = "a=&b=[]/?:+$")
PARSE(p_user_question, "sip:a?b/c=d@h", SIP, .user = "a?b/c=d", NAME("h"))
PARSE(p_empty_password, "sip:alice:@h", SIP, .user = "alice", NAME("h"))

/* tel (RFC 3966) */
PARSE(p_tel_global, "tel:+1-201-555-0123;ext=12", .scheme = SIP_URI_TEL,
      .scheme_s = "tel", .user = "+1-201-555-0123", .params = "ext=12")
PARSE(p_tel_local, "tel:7042;phone-context=example.com",
      .scheme = SIP_URI_TEL, .scheme_s = "tel", .user = "7042",
      .params = "phone-context=example.com")
PARSE(p_tel_separators, "TEL:+1(201)555.0123", .scheme = SIP_URI_TEL,
      .scheme_s = "TEL", .user = "+1(201)555.0123")
PARSE(p_tel_star_hash, "tel:*21#;phone-context=+1-201",
      .scheme = SIP_URI_TEL, .scheme_s = "tel", .user = "*21#",
      .params = "phone-context=+1-201")

/* other schemes (RFC 4475 §3.1.1.10, §3.1.1.13 and friends) */
#define OTHER(s, o) .scheme = SIP_URI_OTHER, .scheme_s = (s), .opaque = (o)
PARSE(p_other_isbn, "isbn:2983792873", OTHER("isbn", "2983792873"))
PARSE(p_other_soap, "soap.beep://192.0.2.103:3002",
      OTHER("soap.beep", "//192.0.2.103:3002"))
PARSE(p_other_unknown, "nobodyknowsthisscheme:totallyopaquecontent",
      OTHER("nobodyknowsthisscheme", "totallyopaquecontent"))
PARSE(p_other_name, "name:John_Smith", OTHER("name", "John_Smith"))
PARSE(p_other_http, "http://www.example.com",
      OTHER("http", "//www.example.com"))
PARSE(p_other_sipx, "sipx:a@b", OTHER("sipx", "a@b"))

/* RFC 4475 §3.1.1.4 longreq: user and host parts of hundreds of octets */
static void p_long(void)
{
	char in[1200], want_user[800];
	struct sip_uri u;
	int n = 0;

	for (int i = 0; i < 60; i++)
		n += snprintf(want_user + n, sizeof(want_user) - (size_t)n,
			      "amazingly%%41");
	snprintf(in, sizeof(in), "sip:%s@host5.example.net;transport=tcp",
		 want_user);
	CU_ASSERT_EQUAL_FATAL(parse_n(&u, in, strlen(in)), 0);
	CU_ASSERT_EQUAL(u.user.len, 60 * 12);
	CU_ASSERT_EQUAL(memcmp(u.user.s, want_user, u.user.len), 0);
	CU_ASSERT_EQUAL(u.host.len, strlen("host5.example.net"));
	CU_ASSERT_EQUAL(u.transport.len, 3);
}

/* Only @len counts: text after it is never looked at. */
static void p_len_bound(void)
{
	const char *in = "sip:alice@atlanta.com;junk junk";
	struct sip_uri u;

	CU_ASSERT_EQUAL_FATAL(sip_uri_parse(&u, in, 21, &err), 0);
	CU_ASSERT_EQUAL(u.host.len, 11);
	CU_ASSERT_EQUAL(u.params.len, 0);
	CU_ASSERT_EQUAL(u.raw.len, 21);
}

/* A failed parse leaves no stale fields behind. */
static void p_overwritten_on_failure(void)
{
	struct sip_uri u;

	CU_ASSERT_EQUAL(parse_n(&u, "sip:a@b;lr", 10), 0);
	CU_ASSERT_TRUE(u.lr);
	CU_ASSERT_EQUAL(parse_n(&u, "sip:a@b:0", 9), -EBADMSG);
	CU_ASSERT_FALSE(u.lr);
	CU_ASSERT_EQUAL(u.user.len, 0);
	CU_ASSERT_EQUAL(u.port, 0);
}

/*
 * Every octet in every position, against the grammar as chars.h states
 * it: the parser's own class table must agree with it byte for byte.
 */
static bool in(unsigned char c, const char *set)
{
	return c && strchr(set, c);
}

static bool accepts(const char *pre, unsigned char c, const char *post)
{
	char text[32];
	struct sip_uri u;
	int n = snprintf(text, sizeof(text), "%s%c%s", pre, c, post);

	return parse_n(&u, text, (size_t)n) == 0;
}

static void p_classes(void)
{
	for (unsigned int i = 0; i < 256; i++) {
		unsigned char c = (unsigned char)i;
		bool unres = sip_is(c, SIP_C_UNRESERVED);
		bool alnum = sip_is(c, SIP_C_ALNUM);
		char what[64];

		if (c == '%')
			continue;
		snprintf(what, sizeof(what), "octet 0x%02x", c);
		/* ':' starts the password; '@' would end the userinfo early */
		check(accepts("sip:a", c, "b@h") ==
		      (sip_is(c, SIP_C_UNRESERVED | SIP_C_USER) || c == ':'),
		      what, "user", __LINE__);
		check(accepts("sip:a:b", c, "c@h") == (unres || in(c, "&=+$,")),
		      what, "password", __LINE__);
		/* '@' makes "h;x=a" a valid user, ';' starts a parameter */
		check(accepts("sip:h;x=a", c, "b") ==
		      (sip_is(c, SIP_C_UNRESERVED | SIP_C_PARAM) ||
		       in(c, ";@")),
		      what, "param", __LINE__);
		check(accepts("sip:h?x=a", c, "b") ==
		      (sip_is(c, SIP_C_UNRESERVED | SIP_C_HNV) || c == '@'),
		      what, "header", __LINE__);
		check(accepts("sip:a", c, "b") == (alnum || in(c, "-.;@")),
		      what, "host", __LINE__);
		check(accepts("x", c, "y:z") == (alnum || in(c, "+-.:")), what,
		      "scheme", __LINE__);
	}
}

/* ---- rejects ---- */

struct bad {
	const char *in;
	size_t len;
	uint32_t offset;
	const char *what;
};

#define B(lit, off, w) { (lit), sizeof(lit) - 1, (off), (w) }

static void check_rejects(const struct bad *b, size_t n, int line)
{
	for (size_t i = 0; i < n; i++) {
		struct sip_uri u;
		char what[256];
		int ret = parse_n(&u, b[i].in, b[i].len);

		snprintf(what, sizeof(what),
			 "got %d \"%s\" at %u status %d, want \"%s\" at %u",
			 ret, err.what ? err.what : "", err.offset, err.status,
			 b[i].what, b[i].offset);
		check(ret == -EBADMSG && err.status == 400 &&
		      err.offset == b[i].offset && err.what &&
		      !strcmp(err.what, b[i].what), b[i].in, what, line);
	}
}

#define REJECTS(fn, ...)                                                 \
	static void fn(void)                                             \
	{                                                                \
		static const struct bad b[] = { __VA_ARGS__ };           \
		check_rejects(b, sizeof(b) / sizeof(b[0]), __LINE__);    \
	}

#define SCH "bad URI scheme"
#define HOST "bad URI host"
#define USER "bad URI user"
#define PASS "bad URI password"
#define PORT "bad URI port"
#define PARAM "bad URI parameter"
#define HDR "bad URI header"
#define TEL "bad tel number"

REJECTS(r_scheme, B("", 0, SCH), B("1sip:a@b", 0, SCH), B("sip", 3, SCH),
	B("s p:x", 1, SCH), B(":foo", 0, SCH), B(" sip:a@b", 0, SCH),
	B("si_p:a@b", 2, SCH), B("<sip:a@b>", 0, SCH),
	B("sip\x1a" "a@b", 3, SCH), B("sIp", 3, SCH))
REJECTS(r_empty_host, B("sip:", 4, HOST), B("sips:", 5, HOST),
	B("sip:user@", 9, HOST), B("sip:user@;x", 9, HOST),
	B("sip:user@:5060", 9, HOST), B("sip:;lr", 4, HOST),
	B("sip:?a=b", 4, HOST))
REJECTS(r_hostname, B("sip:-a.com", 4, HOST), B("sip:a-.com", 6, HOST),
	B("sip:a..com", 6, HOST), B("sip:.a.com", 4, HOST),
	B("sip:a.1", 7, HOST), B("sip:a-", 6, HOST), B("sip:a_b.com", 5, HOST),
	B("sip:user@host@host", 13, HOST), B("sip:h%41", 5, HOST),
	B("sip:h.com/x", 9, HOST))
REJECTS(r_ipv4, B("sip:1.2.3", 9, HOST), B("sip:256.1.1.1", 13, HOST),
	B("sip:1.2.3.4.5", 13, HOST), B("sip:1234.1.1.1", 14, HOST),
	B("sip:1.2.3.4.", 12, HOST), B("sip:2001:db8::10", 8, HOST))
REJECTS(r_ipv6, B("sip:[::1", 4, HOST), B("sip:::1]", 4, HOST),
	B("sip:[]", 4, HOST), B("sip:[2001:db8:::192.0.2.1]", 4, HOST),
	B("sip:[1:2:3:4:5:6:7:8:9]", 4, HOST),
	B("sip:[1:2:3:4:5:6:7]", 4, HOST), B("sip:[1::2::3]", 4, HOST),
	B("sip:[::1.2.3]", 4, HOST), B("sip:[12345::1]", 4, HOST),
	B("sip:[:1::2]", 4, HOST), B("sip:[1::2:]", 4, HOST),
	B("sip:[::1]x", 9, HOST), B("sip:[1:2:3:4:5:6:7:1.2.3.4]", 4, HOST),
	B("sip:[::g]", 4, HOST), B("sip:[::1]]", 9, HOST))
REJECTS(r_user, B("sip:@h", 4, USER), B("sip::pw@h", 4, USER),
	B("sip:a b@c", 5, USER), B("sip:a\"b@h", 5, USER),
	B("sip:a#b@h", 5, USER), B("sip:a<b@h", 5, USER),
	B("sip:\xc3\xa9@h", 4, USER), B("sip:a\0b@h", 5, USER))
REJECTS(r_password, B("sip:a:b;c@h", 7, PASS), B("sip:a:b:c@h", 7, PASS),
	B("sip:a:b/c@h", 7, PASS), B("sip:a:b?@h", 7, PASS),
	B("sip:a:b c@h", 7, PASS))
REJECTS(r_escapes, B("sip:%G1@h", 4, "bad %-escape in URI user"),
	B("sip:a%4@h", 5, "bad %-escape in URI user"),
	B("sip:a%@h", 5, "bad %-escape in URI user"),
	B("sip:a:%zz@h", 6, "bad %-escape in URI password"),
	B("sip:h;a=%4", 8, "bad %-escape in URI parameter"),
	B("sip:h;%G0=b", 6, "bad %-escape in URI parameter"),
	B("sip:h?a=%3", 8, "bad %-escape in URI header"),
	B("sip:h?%=1", 6, "bad %-escape in URI header"),
	B("foo:%zz", 4, "bad %-escape in URI"), B("sip:%4", 4, HOST))
REJECTS(r_port, B("sip:h:", 6, PORT), B("sip:h:99999", 6, PORT),
	B("sip:h:65536", 6, PORT), B("sip:h:0", 6, PORT),
	B("sip:h:5060x", 10, PORT), B("sip:h:-1", 6, PORT),
	B("sip:h:99999999999999999999", 6, PORT), B("sip:h:50:60", 8, PORT),
	B("sip:[::1]:", 10, PORT))
REJECTS(r_params, B("sip:h;", 6, PARAM), B("sip:h;;a", 6, PARAM),
	B("sip:h;a=", 8, PARAM), B("sip:h;=b", 6, PARAM),
	B("sip:h;a b", 7, PARAM), B("sip:h;a=b\"", 9, PARAM),
	B("sip:h;a=b=c", 9, PARAM), B("sip:h;transport", 15, PARAM),
	B("sip:h;ttl", 9, PARAM), B("sip:h;lr;maddr", 14, PARAM),
	B("sip:h;a=b;", 10, PARAM))
REJECTS(r_well_known, B("sip:h;ttl=256", 10, "bad URI ttl"),
	B("sip:h;ttl=1000", 10, "bad URI ttl"),
	B("sip:h;ttl=x", 10, "bad URI ttl"),
	B("sip:h;ttl=1x", 11, "bad URI ttl"),
	B("sip:h;maddr=a..b", 14, "bad URI maddr"),
	B("sip:h;maddr=[::1", 12, "bad URI maddr"),
	B("sip:h;maddr=a:1", 13, "bad URI maddr"))
REJECTS(r_headers, B("sip:h?", 6, HDR), B("sip:h?a", 7, HDR),
	B("sip:h?=b", 6, HDR), B("sip:h?a=b&", 10, HDR),
	B("sip:h?a=b&&c=d", 10, HDR), B("sip:h?a=b c", 9, HDR),
	B("sip:h?a=<b>", 8, HDR), B("sip:h?a=b;c", 9, HDR),
	B("sip:h?a=b?c=d", 11, HDR))
/* LWS and CTLs end a URI in a header; inside the span they are faults */
REJECTS(r_whitespace, B("sip:alice@atlanta.com ", 21, HOST),
	B("sip:alice@atlanta.com\r\n", 21, HOST),
	B("sip:a\tb@c", 5, USER), B("sip:alice@atlanta.com;lr\n", 24, PARAM),
	B("sip:h:5060 ", 10, PORT), B("sip:h?a=b\x7f", 9, HDR),
	B("sip:h\0", 5, HOST))
REJECTS(r_tel, B("tel:", 4, TEL), B("tel:+", 5, TEL), B("tel:+-", 6, TEL),
	B("tel:+1a", 6, TEL), B("tel:--", 6, TEL), B("tel:+1;", 7, PARAM),
	B("tel:+1?x=y", 6, TEL), B("tel:+1 2", 6, TEL), B("tel:1@h", 5, TEL),
	B("tel:+1;ext=1;", 13, PARAM))
REJECTS(r_other, B("foo:", 4, "bad URI"), B("foo:a b", 5, "bad URI"),
	B("foo:<x>", 4, "bad URI"), B("foo:a\"b", 5, "bad URI"),
	B("foo:a\x7f", 5, "bad URI"), B("foo:a\n", 5, "bad URI"),
	B("foo:\x80", 4, "bad URI"))

/* ---- comparison ---- */

static struct sip_uri ua, ub;

static int cmp(const char *a, const char *b, int line)
{
	static char sa[512], sb[512];
	struct sip_err e = { 0 };
	int r1, r2;

	/* two buffers: both URIs must stay alive while compared */
	snprintf(sa, sizeof(sa), "%s", a);
	snprintf(sb, sizeof(sb), "%s", b);
	if (sip_uri_parse(&ua, sa, strlen(sa), &e) ||
	    sip_uri_parse(&ub, sb, strlen(sb), &e)) {
		check(false, a, e.what, line);
		return -1;
	}
	r1 = sip_uri_cmp(&ua, &ub);
	r2 = sip_uri_cmp(&ub, &ua);
	/* equivalence is symmetric: a verdict that depends on order is a bug */
	check((r1 == 0) == (r2 == 0), a, b, line);
	return r1;
}

/* here EQ compares two URIs, not a field with a literal as in tutil.h */
#undef EQ
#define EQ(a, b) check(cmp((a), (b), __LINE__) == 0, (a), "== " b, __LINE__)
#define NE(a, b) check(cmp((a), (b), __LINE__) > 0, (a), "!= " b, __LINE__)

/* RFC 3261 §19.1.4, the equivalent pairs */
static void c_rfc_equal(void)
{
	EQ("sip:%61lice@atlanta.com;transport=TCP",
	   "sip:alice@AtLanTa.CoM;Transport=tcp");
	EQ("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5");
	EQ("sip:carol@chicago.com", "sip:carol@chicago.com;security=on");
	EQ("sip:carol@chicago.com;newparam=5",
	   "sip:carol@chicago.com;security=on");
	EQ("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
	   "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com");
	EQ("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
	   "sip:alice@atlanta.com?priority=urgent&subject=project%20x");
}

/* RFC 3261 §19.1.4, the non-equivalent pairs and the transitivity note */
static void c_rfc_not_equal(void)
{
	NE("SIP:ALICE@AtLanTa.CoM;Transport=udp",
	   "sip:alice@AtLanTa.CoM;Transport=UDP");
	NE("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060");
	NE("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp");
	NE("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp");
	NE("sip:carol@chicago.com",
	   "sip:carol@chicago.com?Subject=next%20meeting");
	NE("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4");
	EQ("sip:carol@chicago.com", "sip:carol@chicago.com;security=off");
	NE("sip:carol@chicago.com;security=on",
	   "sip:carol@chicago.com;security=off");
}

static void c_scheme(void)
{
	NE("sip:alice@atlanta.com", "sips:alice@atlanta.com");
	EQ("SIPS:alice@atlanta.com", "sips:alice@atlanta.com");
	NE("sip:alice@atlanta.com", "tel:+1");
	NE("sip:alice@atlanta.com", "foo:alice@atlanta.com");
}

static void c_userinfo(void)
{
	NE("sip:alice@h", "sip:h");
	NE("sip:alice@h", "sip:Alice@h");
	EQ("sip:%61lice@h", "sip:%61%6C%69%63%65@h");
	NE("sip:alice:pw@h", "sip:alice:PW@h");
	NE("sip:alice:pw@h", "sip:alice@h");
	EQ("sip:alice:p%77@h", "sip:alice:pw@h");
	EQ("sip:null-%00-null@h", "sip:null-%00-null@h");
	NE("sip:null-%00-null@h", "sip:null--null@h");
}

/* reserved octets differ from their escapes; unreserved ones do not */
static void c_escaped_reserved(void)
{
	NE("sip:a%3Bb@h", "sip:a;b@h");
	NE("sip:a%40b@h", "sip:a%2540b@h");
	EQ("sip:a%3Bb@h", "sip:a%3bb@h");
	EQ("sip:a%2Db@h", "sip:a-b@h");
	NE("sip:h;x=a%2Bb", "sip:h;x=a+b");
	EQ("sip:h;x=a%42b", "sip:h;X=AbB");
}

static void c_host_port(void)
{
	EQ("sip:a@ATLANTA.com", "sip:a@atlanta.COM");
	NE("sip:a@atlanta.com", "sip:a@atlanta.com.");
	EQ("sip:a@h:5060", "sip:a@h:05060");
	NE("sip:a@h:5060", "sip:a@h:5061");
	EQ("sip:[2001:db8::1]", "sip:[2001:DB8:0:0::1]");
	EQ("sip:[::ffff:192.0.2.1]", "sip:[::FFFF:c000:0201]");
	NE("sip:[2001:db8::1]", "sip:[2001:db8::2]");
	NE("sip:[::ffff:192.0.2.1]", "sip:192.0.2.1");
	EQ("sip:192.0.2.1", "sip:192.0.2.1");
}

/* §19.1.4: user, ttl, method, maddr (and transport) only in one differ */
static void c_params(void)
{
	NE("sip:h", "sip:h;user=phone");
	NE("sip:h", "sip:h;ttl=1");
	NE("sip:h", "sip:h;method=INVITE");
	NE("sip:h", "sip:h;maddr=239.1.1.1");
	NE("sip:h", "sip:h;TRANSPORT=udp");
	NE("sip:h;user=phone", "sip:h;user=ip");
	EQ("sip:h;user=phone;ttl=1", "sip:h;TTL=1;User=PHONE");
	EQ("sip:h", "sip:h;lr");
	EQ("sip:h;lr", "sip:h;lr");
	NE("sip:h;lr", "sip:h;lr=on");
	EQ("sip:h;a;b=1", "sip:h;b=1;a;c=2");
	NE("sip:h;a", "sip:h;a=1");
	EQ("sip:h;x=1;x=2", "sip:h;x=1;x=2");
	EQ("sip:h;%6Dethod=INVITE", "sip:h;method=invite");
	NE("sip:h;%6Dethod=INVITE", "sip:h");
}

static void c_headers(void)
{
	EQ("sip:h?Subject=x", "sip:h?subject=x");
	EQ("sip:h?a=project%20x", "sip:h?a=Project%20X");
	EQ("sip:h?a=%41", "sip:h?a=a");
	NE("sip:h?a=1", "sip:h?a=2");
	NE("sip:h?a=1", "sip:h?a=1&a=1");
	NE("sip:h?a=1&a=1&b=2", "sip:h?a=1&b=2&b=2");
	EQ("sip:h?a=1&b=2&a=1", "sip:h?a=1&a=1&b=2");
	NE("sip:h?a=", "sip:h?a=x");
	EQ("sip:h?a=", "sip:h?A=");
	NE("sip:h?a=%3F", "sip:h?a=?");
	EQ("sip:h?a=%3f", "sip:h?a=%3F");
}

/* RFC 3966 §4 */
static void c_tel(void)
{
	EQ("tel:+1-201-555-0123", "tel:+12015550123");
	EQ("tel:+1(201)555.0123", "TEL:+1-201-555-0123");
	NE("tel:+12015550123", "tel:12015550123");
	NE("tel:+12015550123", "tel:+12015550124");
	EQ("tel:7a;phone-context=EXAMPLE.com",
	   "tel:7A;phone-context=example.com");
	NE("tel:7042;phone-context=example.com", "tel:7042");
	NE("tel:+1;foo=bar", "tel:+1");
	EQ("tel:+1;ext=1-2;isub=x", "tel:+1;isub=X;ext=12");
	EQ("tel:7;phone-context=+1-201", "tel:7;phone-context=+1201");
	NE("tel:7;phone-context=+1201", "tel:7;phone-context=+1202");
	NE("tel:+1;ext=12", "tel:+1;ext=13");
}

static void c_other(void)
{
	EQ("http://www.example.com", "HTTP://www.example.com");
	NE("http://www.example.com", "http://WWW.example.com");
	NE("isbn:2983792873", "urn:2983792873");
	EQ("urn:a%62c", "urn:abc");
}

/* ---- sip_uri_param ---- */

static void param_lookup(void)
{
	struct sip_uri u;
	struct sip_str v;

	CU_ASSERT_EQUAL_FATAL(parse_n(&u, "sip:h;Transport=TCP;lr;x=a%20b?lr=1",
				      35), 0);
	CU_ASSERT_TRUE(sip_uri_param(&u, "transport", &v));
	CU_ASSERT_TRUE(sip_str_eq(v, SIP_STR("TCP")));
	CU_ASSERT_TRUE(sip_uri_param(&u, "LR", &v));
	CU_ASSERT_EQUAL(v.len, 0);
	CU_ASSERT_TRUE(sip_uri_param(&u, "x", &v));
	CU_ASSERT_TRUE(sip_str_eq(v, SIP_STR("a%20b")));
	CU_ASSERT_TRUE(sip_uri_param(&u, "x", NULL));
	CU_ASSERT_FALSE(sip_uri_param(&u, "trans", &v));
	CU_ASSERT_FALSE(sip_uri_param(&u, "transports", &v));
	CU_ASSERT_FALSE(sip_uri_param(&u, "", &v));
}

static void param_none(void)
{
	struct sip_uri u;

	CU_ASSERT_EQUAL_FATAL(parse_n(&u, "sip:a;lr=1@h?lr=1", 17), 0);
	CU_ASSERT_FALSE(sip_uri_param(&u, "lr", NULL));
	CU_ASSERT_FALSE(u.lr);
	CU_ASSERT_EQUAL_FATAL(parse_n(&u, "foo:x;lr", 8), 0);
	CU_ASSERT_FALSE(sip_uri_param(&u, "lr", NULL));
}

static void param_tel(void)
{
	struct sip_uri u;
	struct sip_str v;

	CU_ASSERT_EQUAL_FATAL(parse_n(&u, "tel:+1;ext=22;isub=1", 20), 0);
	CU_ASSERT_TRUE(sip_uri_param(&u, "EXT", &v));
	CU_ASSERT_TRUE(sip_str_eq(v, SIP_STR("22")));
	CU_ASSERT_TRUE(sip_uri_param(&u, "isub", &v));
	CU_ASSERT_TRUE(sip_str_eq(v, SIP_STR("1")));
}

/* ---- sip_unescape ---- */

static void unescape_basic(void)
{
	char out[32];

	CU_ASSERT_EQUAL(sip_unescape(out, sizeof(out), SIP_STR("%61lice")), 5);
	CU_ASSERT_EQUAL(memcmp(out, "alice", 5), 0);
	CU_ASSERT_EQUAL(sip_unescape(out, sizeof(out), SIP_STR("%3a%3A%7e")),
			3);
	CU_ASSERT_EQUAL(memcmp(out, "::~", 3), 0);
	CU_ASSERT_EQUAL(sip_unescape(out, sizeof(out), SIP_STR("plain")), 5);
	CU_ASSERT_EQUAL(memcmp(out, "plain", 5), 0);
	CU_ASSERT_EQUAL(sip_unescape(out, sizeof(out), SIP_STR_NULL), 0);
	CU_ASSERT_EQUAL(sip_unescape(out, sizeof(out), SIP_STR("%FF")), 1);
	CU_ASSERT_EQUAL((unsigned char)out[0], 0xff);
}

static void unescape_nul(void)
{
	char out[32];

	CU_ASSERT_EQUAL(sip_unescape(out, sizeof(out),
				     SIP_STR("null-%00-null")), 11);
	CU_ASSERT_EQUAL(memcmp(out, "null-\0-null", 11), 0);
}

static void unescape_in_place(void)
{
	char text[] = "sip%3Auser%40example.com";
	struct sip_str s = sip_str_make(text, strlen(text));

	CU_ASSERT_EQUAL(sip_unescape(text, sizeof(text), s), 20);
	CU_ASSERT_EQUAL(memcmp(text, "sip:user@example.com", 20), 0);
}

static void unescape_bad(void)
{
	char out[32];

	CU_ASSERT_EQUAL(sip_unescape(out, sizeof(out), SIP_STR("%4")), -EINVAL);
	CU_ASSERT_EQUAL(sip_unescape(out, sizeof(out), SIP_STR("%G1")),
			-EINVAL);
	CU_ASSERT_EQUAL(sip_unescape(out, sizeof(out), SIP_STR("abc%")),
			-EINVAL);
	CU_ASSERT_EQUAL(sip_unescape(out, sizeof(out), SIP_STR("a%1g")),
			-EINVAL);
}

static void unescape_space(void)
{
	char out[5];

	CU_ASSERT_EQUAL(sip_unescape(out, 5, SIP_STR("%61lice")), 5);
	CU_ASSERT_EQUAL(sip_unescape(out, 4, SIP_STR("%61lice")), -ENOSPC);
	CU_ASSERT_EQUAL(sip_unescape(out, 0, SIP_STR("a")), -ENOSPC);
	CU_ASSERT_EQUAL(sip_unescape(NULL, 0, SIP_STR("")), 0);
}

/* ---- sip_uri_print ---- */

static void check_print(const char *in, const char *want, int line)
{
	struct sip_uri u;
	char out[256];
	int n;

	if (parse_n(&u, in, strlen(in))) {
		check(false, in, err.what, line);
		return;
	}
	n = sip_uri_print(out, sizeof(out), &u);
	check(n == (int)strlen(want) && !strcmp(out, want), in, want, line);
}

#define PRINT(in, want) check_print((in), (want), __LINE__)

static void print_sip(void)
{
	PRINT("SIP:Alice@AtLanTa.CoM:05060;Transport=TCP?Subject=Hi",
	      "sip:Alice@atlanta.com:5060;Transport=TCP?Subject=Hi");
	PRINT("sips:alice:secret@h", "sips:alice:secret@h");
	PRINT("sip:alice:@h", "sip:alice@h");
	PRINT("sip:%61lice@h;lr", "sip:%61lice@h;lr");
	PRINT("sip:h", "sip:h");
}

static void print_hosts(void)
{
	PRINT("sip:[2001:DB8::1]:5070", "sip:[2001:db8::1]:5070");
	PRINT("sip:u@192.0.2.1:65535", "sip:u@192.0.2.1:65535");
}

static void print_tel_other(void)
{
	PRINT("TEL:+1-201;ext=1", "tel:+1-201;ext=1");
	PRINT("HTTP://www.Example.com", "http://www.Example.com");
	PRINT("Soap.Beep://192.0.2.103:3002", "soap.beep://192.0.2.103:3002");
}

static void print_truncated(void)
{
	struct sip_uri u;
	char out[8];

	memset(out, 'x', sizeof(out));
	CU_ASSERT_EQUAL_FATAL(parse_n(&u, "sip:alice@h", 11), 0);
	CU_ASSERT_EQUAL(sip_uri_print(out, sizeof(out), &u), 11);
	CU_ASSERT_STRING_EQUAL(out, "sip:ali");
	CU_ASSERT_EQUAL(sip_uri_print(NULL, 0, &u), 11);
	CU_ASSERT_EQUAL(sip_uri_print(out, 1, &u), 11);
	CU_ASSERT_EQUAL(out[0], '\0');
}

/* printing then parsing gives back an equivalent URI */
static void print_round_trip(void)
{
	static const char *const in[] = {
		"SIP:%61lice:pw@AtLanTa.CoM:05060;Transport=TCP;lr?a=b&c=",
		"sips:[::FFFF:192.0.2.1]:1;maddr=[ff02::1];ttl=0",
		"tel:+1(201)555.0123;ext=12",
		"urn:service:sos",
	};
	char out[256], copy[256];
	struct sip_uri u, v;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		snprintf(copy, sizeof(copy), "%s", in[i]);
		CU_ASSERT_EQUAL_FATAL(sip_uri_parse(&u, copy, strlen(copy),
						    &err), 0);
		sip_uri_print(out, sizeof(out), &u);
		CU_ASSERT_EQUAL_FATAL(sip_uri_parse(&v, out, strlen(out),
						    &err), 0);
		CU_ASSERT_EQUAL(sip_uri_cmp(&u, &v), 0);
	}
}

#define T(fn) { #fn, fn }

static CU_TestInfo parse_tests[] = {
	T(p_basic), T(p_password_transport), T(p_sips_headers),
	T(p_phone_user), T(p_sips_digits), T(p_ipv4), T(p_method_header),
	T(p_semicolon_user), T(p_unknownparam), T(p_escaped_user),
	T(p_escnull), T(p_semiuri), T(p_esc01), T(p_ipv6_port),
	T(p_ipv6_plain), T(p_route_header), T(p_wide_chars),
	T(p_scheme_mixed), T(p_scheme_sips_case), T(p_scheme_case),
	T(p_no_user), T(p_single_label), T(p_trailing_dot),
	T(p_digit_labels), T(p_ipv4_port), T(p_ipv4_zeros), T(p_ipv6_v4),
	T(p_ipv6_full), T(p_ipv6_any), T(p_ipv6_trailing_dbl),
	T(p_ipv6_v4_full), T(p_ipv6_portlike), T(p_port_max),
	T(p_port_zeros), T(p_well_known), T(p_ttl_zero), T(p_ttl_max),
	T(p_lr_value), T(p_first_wins), T(p_maddr_name), T(p_maddr_v6),
	T(p_param_chars), T(p_params_headers), T(p_header_empty_value),
	T(p_user_question), T(p_empty_password), T(p_tel_global),
	T(p_tel_local), T(p_tel_separators), T(p_tel_star_hash),
	T(p_other_isbn), T(p_other_soap), T(p_other_unknown),
	T(p_other_name), T(p_other_http), T(p_other_sipx), T(p_long),
	T(p_len_bound), T(p_overwritten_on_failure), T(p_classes),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo reject_tests[] = {
	T(r_scheme), T(r_empty_host), T(r_hostname), T(r_ipv4), T(r_ipv6),
	T(r_user), T(r_password), T(r_escapes), T(r_port), T(r_params),
	T(r_well_known), T(r_headers), T(r_whitespace), T(r_tel), T(r_other),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo cmp_tests[] = {
	T(c_rfc_equal), T(c_rfc_not_equal), T(c_scheme), T(c_userinfo),
	T(c_escaped_reserved), T(c_host_port), T(c_params), T(c_headers),
	T(c_tel), T(c_other),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo param_tests[] = {
	T(param_lookup), T(param_none), T(param_tel),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo unescape_tests[] = {
	T(unescape_basic), T(unescape_nul), T(unescape_in_place),
	T(unescape_bad), T(unescape_space),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo print_tests[] = {
	T(print_sip), T(print_hosts), T(print_tel_other), T(print_truncated),
	T(print_round_trip),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "parse", NULL, NULL, NULL, NULL, parse_tests },
	{ "rejects", NULL, NULL, NULL, NULL, reject_tests },
	{ "comparison", NULL, NULL, NULL, NULL, cmp_tests },
	{ "param", NULL, NULL, NULL, NULL, param_tests },
	{ "unescape", NULL, NULL, NULL, NULL, unescape_tests },
	{ "print", NULL, NULL, NULL, NULL, print_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	int ret = tu_run(suites);

	free(buf);
	return ret;
}
