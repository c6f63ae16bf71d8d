// SPDX-License-Identifier: GPL-2.0
/*
 * Digest authentication: the RFC 2617 and RFC 7616 example responses,
 * challenges, and REGISTER round trips through every outcome.  The UA
 * side is computed here with plain EVP calls, independently of
 * digest.c, the way a phone would.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "tutil.h"
#include <openssl/evp.h>

#include "digest.h"
#include "sip/msg.h"
#include "users.h"

#define CRLF "\r\n"
#define T0 1000000u /* ms: when the tests' challenges are made */
#define TTL 30	    /* s */

static struct digest_ctx *ctx;
static struct users *db;
static struct sip_msg msg;
static char text[8192];
static char chal[2048];
static char err[256];

static const char users_text[] =
	"alice example.org plain:secret\n"
	"bob example.org md5:ab2c0f6cfd5c3af30450d4729d97bf17\n"
	"Mufasa http-auth@example.org plain:Circle%20of%20Life\n"
	"q\"uote example.org plain:pw\n";

/* ---- the UA side ---- */

static const char *evp_name(const char *alg)
{
	if (!strncasecmp(alg, "SHA-512-256", 11))
		return "SHA512-256";
	if (!strncasecmp(alg, "SHA-256", 7))
		return "SHA256";
	return "MD5";
}

static void ua_h(const char *alg, char *out, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ua_h(const char *alg, char *out, const char *fmt, ...)
{
	char in[1024];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in, sizeof(in), fmt, ap);
	va_end(ap);
	CU_ASSERT_FATAL(EVP_Digest(in, strlen(in), md, &len,
				   EVP_get_digestbyname(evp_name(alg)),
				   NULL) == 1);
	for (unsigned int i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

struct cred {
	const char *hdr;    /* "Authorization" unless set */
	const char *user;
	const char *realm;  /* example.org unless set */
	const char *pw;
	const char *alg;    /* NULL: no algorithm directive (MD5) */
	const char *nonce;
	const char *uri;    /* the Request-URI unless set */
	const char *nc;     /* NULL: no qop (RFC 2069) */
	const char *cnonce;
	const char *qop;    /* "auth" when nc is set, unless set */
	bool userhash;
	const char *hash_nonce; /* what the UA hashed, when not nonce */
	const char *response;	/* instead of computing one */
};

static void ua_response(const struct cred *c, const char *method, char *out)
{
	const char *alg = c->alg ? c->alg : "MD5";
	const char *nonce = c->hash_nonce ? c->hash_nonce : c->nonce;
	const char *uri = c->uri ? c->uri : "sip:example.org";
	const char *qop = c->qop ? c->qop : "auth";
	char ha1[129], ha2[129];

	ua_h(alg, ha1, "%s:%s:%s", c->user,
	     c->realm ? c->realm : "example.org", c->pw);
	if (strcasestr(alg, "-sess"))
		ua_h(alg, ha1, "%s:%s:%s", ha1, nonce, c->cnonce);
	ua_h(alg, ha2, "%s:%s", method, uri);
	if (c->nc)
		ua_h(alg, out, "%s:%s:%s:%s:%s:%s", ha1, nonce, c->nc,
		     c->cnonce, qop, ha2);
	else
		ua_h(alg, out, "%s:%s:%s", ha1, nonce, ha2);
}

static size_t auth_line(char *out, size_t size, const struct cred *c,
			const char *method)
{
	char resp[129], uname[129];
	const char *alg = c->alg ? c->alg : "MD5";
	size_t n;

	if (c->response)
		snprintf(resp, sizeof(resp), "%s", c->response);
	else
		ua_response(c, method, resp);
	if (c->userhash)
		ua_h(alg, uname, "%s:%s", c->user,
		     c->realm ? c->realm : "example.org");
	else
		snprintf(uname, sizeof(uname), "%s", c->user);
	n = (size_t)snprintf(out, size,
			     "%s: Digest username=\"%s\", realm=\"%s\", "
			     "nonce=\"%s\", uri=\"%s\", response=\"%s\"",
			     c->hdr ? c->hdr : "Authorization", uname,
			     c->realm ? c->realm : "example.org", c->nonce,
			     c->uri ? c->uri : "sip:example.org", resp);
	if (c->alg)
		n += (size_t)snprintf(out + n, size - n, ", algorithm=%s",
				      c->alg);
	if (c->nc)
		n += (size_t)snprintf(out + n, size - n,
				      ", qop=%s, nc=%s, cnonce=\"%s\"",
				      c->qop ? c->qop : "auth", c->nc,
				      c->cnonce);
	if (c->userhash)
		n += (size_t)snprintf(out + n, size - n, ", userhash=true");
	n += (size_t)snprintf(out + n, size - n, CRLF);
	return n;
}

/* A REGISTER with @n credentials lines, parsed into msg. */
static void build(const struct cred *c, int n)
{
	struct sip_err e = { 0 };
	size_t len;

	len = (size_t)snprintf(text, sizeof(text),
			       "REGISTER sip:example.org SIP/2.0" CRLF
			       "Via: SIP/2.0/UDP 192.0.2.1:5060"
			       ";branch=z9hG4bK776" CRLF
			       "Max-Forwards: 70" CRLF
			       "From: <sip:alice@example.org>;tag=1" CRLF
			       "To: <sip:alice@example.org>" CRLF
			       "Call-ID: c1@192.0.2.1" CRLF
			       "CSeq: 2 REGISTER" CRLF
			       "Contact: <sip:alice@192.0.2.1>" CRLF);
	for (int i = 0; i < n; i++)
		len += auth_line(text + len, sizeof(text) - len, &c[i],
				 "REGISTER");
	len += (size_t)snprintf(text + len, sizeof(text) - len,
				"Content-Length: 0" CRLF CRLF);
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&msg, text, len, 0, &e), 0);
}

static enum digest_outcome check(const struct cred *c, bool proxy,
				 uint64_t now, struct digest_result *res)
{
	build(c, 1);
	return digest_verify(ctx, db, &msg, proxy, now, res);
}

/* The nonce of a challenge's first line. */
static void nonce_of(const char *ch, char *out, size_t size)
{
	const char *p = strstr(ch, "nonce=\""), *e;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p += 7;
	e = strchr(p, '"');
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_FATAL((size_t)(e - p) < size);
	memcpy(out, p, e - p);
	out[e - p] = '\0';
}

static void fresh_nonce(uint64_t now, char *nonce)
{
	CU_ASSERT_FATAL(digest_challenge(ctx, now, false, false, chal,
					 sizeof(chal)) > 0);
	nonce_of(chal, nonce, 64);
}

static int setup(void)
{
	ctx = digest_ctx_new("example.org", TTL, DIGEST_ALGS_DEFAULT, 0);
	if (!ctx)
		return 1;
	return users_parse("t", users_text, sizeof(users_text) - 1, &db,
			   err, sizeof(err));
}

static int teardown(void)
{
	digest_ctx_free(ctx);
	users_free(db);
	return 0;
}

/* ---- RFC examples, through digest_response() and the UA helper ---- */

static void rfc_case(const char *alg, const char *user, const char *realm,
		     const char *pw, const char *nonce, const char *cnonce,
		     const char *want)
{
	enum digest_alg a;
	bool sess;
	uint8_t ha1[DIGEST_MAX_LEN];
	char got[2 * DIGEST_MAX_LEN + 1];
	const struct sip_str p[3] = { sip_str_cstr(user), sip_str_cstr(realm),
				      sip_str_cstr(pw) };
	struct digest_input in = {
		.method = SIP_STR("GET"),
		.uri = SIP_STR("/dir/index.html"),
		.nonce = sip_str_cstr(nonce),
		.nc = SIP_STR("00000001"),
		.cnonce = sip_str_cstr(cnonce),
		.qop = SIP_STR("auth"),
		.ha1 = ha1,
	};
	struct cred c = { .user = user, .realm = realm, .pw = pw, .alg = alg,
			  .nonce = nonce, .uri = "/dir/index.html",
			  .nc = "00000001", .cnonce = cnonce };

	CU_ASSERT_EQUAL_FATAL(digest_alg_parse(sip_str_cstr(alg), &a, &sess),
			      0);
	in.alg = a;
	CU_ASSERT_EQUAL_FATAL(digest_hash(a, p, 3, ha1), 0);
	CU_ASSERT_EQUAL_FATAL(digest_response(&in, got), 0);
	CU_ASSERT_STRING_EQUAL(got, want);
	ua_response(&c, "GET", got);
	CU_ASSERT_STRING_EQUAL(got, want);
}

static void test_rfc2617(void)
{
	/* RFC 2617 §3.5 */
	rfc_case("MD5", "Mufasa", "testrealm@host.com", "Circle Of Life",
		 "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b",
		 "6629fae49393a05397450978507c4ef1");
}

static void test_rfc7616(void)
{
	/* RFC 7616 §3.9.1 (password with a lower-case "of", erratum 4495) */
	rfc_case("MD5", "Mufasa", "http-auth@example.org", "Circle of Life",
		 "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
		 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
		 "8ca523f5e9506fed4657c9700eebdbec");
	rfc_case("SHA-256", "Mufasa", "http-auth@example.org",
		 "Circle of Life",
		 "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
		 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
		 "753927fa0e85d155564e2e272a28d180"
		 "2ca10daf4496794697cf8db5856cb6c1");
}

static void test_alg_parse(void)
{
	enum digest_alg a = DIGEST__NALG;
	bool sess = true;

	CU_ASSERT_EQUAL(digest_alg_parse(SIP_STR(""), &a, &sess), 0);
	CU_ASSERT_EQUAL(a, DIGEST_MD5);
	CU_ASSERT_FALSE(sess);
	CU_ASSERT_EQUAL(digest_alg_parse(SIP_STR("sha-256-SESS"), &a, &sess),
			0);
	CU_ASSERT_EQUAL(a, DIGEST_SHA256);
	CU_ASSERT_TRUE(sess);
	CU_ASSERT_EQUAL(digest_alg_parse(SIP_STR("SHA-512-256"), &a, &sess),
			0);
	CU_ASSERT_EQUAL(a, DIGEST_SHA512_256);
	CU_ASSERT_FALSE(sess);
	CU_ASSERT_EQUAL(digest_alg_parse(SIP_STR("SHA-1"), &a, &sess),
			-EINVAL);
	CU_ASSERT_EQUAL(digest_alg_parse(SIP_STR("-sess"), &a, &sess),
			-EINVAL);
	CU_ASSERT_EQUAL(digest_alg_parse(SIP_STR("MD5-sess-sess"), &a, &sess),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(digest_alg_name(DIGEST_SHA512_256),
			       "SHA-512-256");
	CU_ASSERT_EQUAL(digest_alg_len(DIGEST_MD5), 16);
	CU_ASSERT_EQUAL(digest_alg_len(DIGEST_SHA256), 32);
}

/* ---- challenges ---- */

static void test_challenge(void)
{
	char nonce[64], want[1024];
	ssize_t n;

	n = digest_challenge(ctx, T0, false, false, chal, sizeof(chal));
	CU_ASSERT_TRUE_FATAL(n > 0);
	CU_ASSERT_EQUAL((size_t)n, strlen(chal));
	nonce_of(chal, nonce, sizeof(nonce));
	CU_ASSERT_EQUAL(strlen(nonce), 48);
	CU_ASSERT_EQUAL(strspn(nonce, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "abcdefghijklmnopqrstuvwxyz0123456789-_"),
			48);
	/* SHA-256 first, then MD5 (RFC 8760 §2.4), one shared nonce */
	snprintf(want, sizeof(want),
		 "WWW-Authenticate: Digest realm=\"example.org\", "
		 "nonce=\"%s\", opaque=\"%.16s\", algorithm=SHA-256, "
		 "qop=\"auth\"" CRLF
		 "WWW-Authenticate: Digest realm=\"example.org\", "
		 "nonce=\"%s\", opaque=\"%.16s\", algorithm=MD5, "
		 "qop=\"auth\"" CRLF,
		 nonce, strstr(chal, "opaque=\"") + 8, nonce,
		 strstr(chal, "opaque=\"") + 8);
	CU_ASSERT_STRING_EQUAL(chal, want);

	/* every challenge has its own nonce */
	CU_ASSERT_TRUE_FATAL(digest_challenge(ctx, T0, true, true, chal,
					      sizeof(chal)) > 0);
	CU_ASSERT_PTR_NULL(strstr(chal, nonce));
	CU_ASSERT_EQUAL(strncmp(chal, "Proxy-Authenticate: Digest ", 27), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(chal, "algorithm=MD5, qop=\"auth\", "
					    "stale=true" CRLF));
	CU_ASSERT_PTR_NULL(strstr(chal, "WWW-Authenticate"));

	CU_ASSERT_TRUE_FATAL(digest_challenge_algs(ctx, T0, false, false,
						   DIGEST_ALG(DIGEST_MD5),
						   chal, sizeof(chal)) > 0);
	CU_ASSERT_PTR_NULL(strstr(chal, "SHA-256"));
	CU_ASSERT_PTR_NOT_NULL(strstr(chal, "algorithm=MD5"));
	CU_ASSERT_EQUAL(strstr(chal, CRLF) + 2, chal + strlen(chal));

	CU_ASSERT_EQUAL(digest_challenge(ctx, T0, false, false, chal, 100),
			-ENOSPC);
	CU_ASSERT_STRING_EQUAL(chal, "");
	CU_ASSERT_EQUAL(digest_challenge(ctx, T0, false, false, chal, 0),
			-ENOSPC);
}

static void test_ctx_args(void)
{
	struct digest_ctx *c;

	errno = 0;
	CU_ASSERT_PTR_NULL(digest_ctx_new("a\"b", 30, DIGEST_ALGS_DEFAULT, 0));
	CU_ASSERT_EQUAL(errno, EINVAL);
	CU_ASSERT_PTR_NULL(digest_ctx_new("", 30, DIGEST_ALGS_DEFAULT, 0));
	CU_ASSERT_PTR_NULL(digest_ctx_new("r", 0, DIGEST_ALGS_DEFAULT, 0));
	CU_ASSERT_PTR_NULL(digest_ctx_new("r", 30, 0, 0));
	CU_ASSERT_PTR_NULL(digest_ctx_new("r", 30, 1u << 7, 0));
	c = digest_ctx_new("r", 30, DIGEST_ALGS_ALL, 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(digest_ctx_realm(c), "r");
	CU_ASSERT_EQUAL(digest_ctx_set_key(c, "short", 5), -EINVAL);
	digest_ctx_free(c);
	digest_ctx_free(NULL);
}

/* ---- round trips ---- */

static void test_register_ok(void)
{
	struct digest_result res;
	char nonce[64];
	struct cred c = { .user = "alice", .pw = "secret", .alg = "SHA-256",
			  .nc = "00000001", .cnonce = "0a4f113b" };

	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	CU_ASSERT_EQUAL(check(&c, false, T0 + 10, &res), DIGEST_OK);
	CU_ASSERT_EQUAL(res.outcome, DIGEST_OK);
	CU_ASSERT_STRING_EQUAL(res.username, "alice");
	CU_ASSERT_PTR_NOT_NULL(res.user);
	CU_ASSERT_EQUAL(res.alg, DIGEST_SHA256);
	CU_ASSERT_FALSE(res.sess);
	CU_ASSERT_EQUAL(res.hdr, msg.first[SIP_H_AUTHORIZATION]);
	CU_ASSERT_PTR_NULL(res.why);

	/* MD5 with the same nonce and a higher nc */
	c.alg = "MD5";
	c.nc = "00000002";
	CU_ASSERT_EQUAL(check(&c, false, T0 + 20, &res), DIGEST_OK);
	CU_ASSERT_EQUAL(res.alg, DIGEST_MD5);
	/* no algorithm directive means MD5 (RFC 7616 §3.3) */
	c.alg = NULL;
	c.nc = "0000000a";
	CU_ASSERT_EQUAL(check(&c, false, T0 + 20, &res), DIGEST_OK);
	/* -sess variants */
	c.alg = "MD5-sess";
	c.nc = "0000000b";
	CU_ASSERT_EQUAL(check(&c, false, T0 + 20, &res), DIGEST_OK);
	CU_ASSERT_TRUE(res.sess);
	c.alg = "SHA-256-sess";
	c.nc = "0000000C";
	CU_ASSERT_EQUAL(check(&c, false, T0 + 20, &res), DIGEST_OK);
	CU_ASSERT_EQUAL(res.alg, DIGEST_SHA256);
	/* an upper-case response is the same response */
	c.alg = "SHA-256";
	c.nc = "0000000d";
	{
		char r[129];

		ua_response(&c, "REGISTER", r);
		for (char *p = r; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		c.response = r;
		CU_ASSERT_EQUAL(check(&c, false, T0 + 20, &res), DIGEST_OK);
	}
}

static void test_wrong_password(void)
{
	struct digest_result res;
	bool stale = true;
	char nonce[64];
	struct cred c = { .user = "alice", .pw = "Secret", .alg = "SHA-256",
			  .nc = "00000001", .cnonce = "c" };

	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_RESPONSE);
	CU_ASSERT_STRING_EQUAL(res.username, "alice");
	CU_ASSERT_STRING_EQUAL(res.why, "bad-response");
	CU_ASSERT_EQUAL(digest_status(res.outcome, false, &stale), 401);
	CU_ASSERT_FALSE(stale);
	/* one hex digit off, at either end */
	{
		char r[129];
		size_t n;

		c.pw = "secret";
		ua_response(&c, "REGISTER", r);
		n = strlen(r);
		c.response = r;
		r[n - 1] = r[n - 1] == '0' ? '1' : '0';
		CU_ASSERT_EQUAL(check(&c, false, T0, &res),
				DIGEST_BAD_RESPONSE);
		ua_response(&c, "REGISTER", r);
		r[0] = r[0] == '0' ? '1' : '0';
		CU_ASSERT_EQUAL(check(&c, false, T0, &res),
				DIGEST_BAD_RESPONSE);
		/* one digit short, or long */
		ua_response(&c, "REGISTER", r);
		r[n - 1] = '\0';
		CU_ASSERT_EQUAL(check(&c, false, T0, &res),
				DIGEST_BAD_REQUEST);
		c.response = NULL;
	}
	/* a failure records nothing: the right password still gets in */
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	/* bob has an MD5 HA1 only */
	c.user = "bob";
	c.pw = "pw";
	c.alg = "MD5";
	c.nc = "00000002";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	c.nc = "00000003";
	c.pw = "pW";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_RESPONSE);
}

static void test_unknown_user(void)
{
	struct digest_result res;
	bool stale;
	char nonce[64];
	struct cred c = { .user = "mallory", .pw = "secret", .alg = "SHA-256",
			  .nc = "00000001", .cnonce = "c" };

	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_UNKNOWN_USER);
	CU_ASSERT_PTR_NULL(res.user);
	CU_ASSERT_PTR_NULL(res.username);
	CU_ASSERT_EQUAL(digest_status(res.outcome, false, &stale), 401);
	/* a user of another realm is unknown in this one */
	c.user = "Mufasa";
	c.pw = "Circle of Life";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_UNKNOWN_USER);
	/* quoted-pair in the username (RFC 3261 §25.1) */
	c.user = "q\\\"uote";
	c.pw = "pw";
	/* the UA hashes the unquoted name: redo it by hand */
	{
		struct cred d = c;
		char r[129];

		d.user = "q\"uote";
		ua_response(&d, "REGISTER", r);
		c.response = r;
		CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
		CU_ASSERT_STRING_EQUAL(res.username, "q\"uote");
	}
}

static void test_replay(void)
{
	struct digest_result res;
	bool stale = false;
	char nonce[64];
	struct cred c = { .user = "alice", .pw = "secret", .alg = "SHA-256",
			  .nc = "00000001", .cnonce = "c1" };

	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_REPLAY);
	CU_ASSERT_EQUAL(digest_status(res.outcome, false, &stale), 401);
	CU_ASSERT_TRUE(stale);
	c.nc = "00000002";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_REPLAY);
	c.nc = "00000001";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_REPLAY);
	/* a gap is fine: nc must grow, not count every request */
	c.nc = "00000009";
	c.cnonce = "c2";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	c.nc = "00000008";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_REPLAY);
	/* a wrong password never reaches the nc table */
	c.nc = "0000000a";
	c.pw = "x";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_RESPONSE);
	c.pw = "secret";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
}

static void test_rfc2069(void)
{
	struct digest_result res;
	char nonce[64];
	struct cred c = { .user = "alice", .pw = "secret" };

	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	CU_ASSERT_EQUAL(res.alg, DIGEST_MD5);
	c.pw = "nope";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_RESPONSE);
}

static void tamper(char *nonce)
{
	nonce[20] = nonce[20] == 'A' ? 'B' : 'A';
}

static void test_tampered_nonce(void)
{
	struct digest_result res;
	char nonce[64], orig[64];
	struct cred c = { .user = "alice", .pw = "secret", .alg = "SHA-256",
			  .nc = "00000001", .cnonce = "c" };

	fresh_nonce(T0, nonce);
	strcpy(orig, nonce);
	tamper(nonce);
	c.nonce = nonce;
	/* the UA's response covers the nonce it was given */
	c.hash_nonce = orig;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_NONCE);
	CU_ASSERT_EQUAL(res.outcome, DIGEST_BAD_NONCE);
	/*
	 * A response made over the tampered nonce proves the password (a
	 * nonce of an earlier process looks the same): stale, never OK.
	 */
	c.hash_nonce = NULL;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_STALE_NONCE);
	c.pw = "wrong";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_NONCE);
	/* malformed: wrong length, not base64url */
	c.nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_NONCE);
	strcpy(orig, nonce);
	orig[5] = '.';
	c.nonce = orig;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_NONCE);
}

static void test_expired(void)
{
	struct digest_result res;
	bool stale = false;
	char nonce[64];
	struct cred c = { .user = "alice", .pw = "secret", .alg = "SHA-256",
			  .nc = "00000001", .cnonce = "c" };

	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	/* the last millisecond of its life */
	CU_ASSERT_EQUAL(check(&c, false, T0 + TTL * 1000, &res), DIGEST_OK);
	c.nc = "00000002";
	CU_ASSERT_EQUAL(check(&c, false, T0 + TTL * 1000 + 1, &res),
			DIGEST_STALE_NONCE);
	CU_ASSERT_EQUAL(digest_status(res.outcome, false, &stale), 401);
	CU_ASSERT_TRUE(stale);
	CU_ASSERT_TRUE_FATAL(digest_challenge(ctx, T0 + TTL * 1000 + 1, false,
					      stale, chal, sizeof(chal)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(chal, "algorithm=SHA-256, "
					    "qop=\"auth\", stale=true" CRLF));
	CU_ASSERT_PTR_NOT_NULL(strstr(chal, "algorithm=MD5, "
					    "qop=\"auth\", stale=true" CRLF));
	/* expired and the wrong password: not stale */
	c.pw = "Secret";
	CU_ASSERT_EQUAL(check(&c, false, T0 + TTL * 1000 + 1, &res),
			DIGEST_BAD_RESPONSE);
	/* from before a restart of the clock */
	c.pw = "secret";
	CU_ASSERT_EQUAL(check(&c, false, T0 - 1, &res), DIGEST_STALE_NONCE);
}

static void test_realm_selection(void)
{
	struct digest_result res;
	char nonce[64];
	struct cred c[3] = {
		{ .user = "alice", .pw = "secret", .realm = "other.org",
		  .nonce = "abc", .nc = "00000001", .cnonce = "c" },
		{ .user = "alice", .pw = "secret", .nc = "00000001",
		  .cnonce = "c", .alg = "SHA-256" },
		{ .hdr = "Authorization: NoOneKnowsThisScheme "
			 "realm=\"example.org\", opaque-data=here" CRLF
			 "X-Skip",
		  .user = "alice", .pw = "secret", .nonce = "x" },
	};

	fresh_nonce(T0, nonce);
	c[1].nonce = nonce;
	/* only another realm's credentials */
	build(c, 1);
	CU_ASSERT_EQUAL(digest_verify(ctx, db, &msg, false, T0, &res),
			DIGEST_NO_CREDENTIALS);
	CU_ASSERT_EQUAL(res.hdr, -1);
	/* ours second: found, and its index given */
	build(c, 2);
	CU_ASSERT_EQUAL(digest_verify(ctx, db, &msg, false, T0, &res),
			DIGEST_OK);
	CU_ASSERT_EQUAL(res.hdr, msg.hdr[msg.first[SIP_H_AUTHORIZATION]].next);
	/* another scheme is not ours to judge */
	build(&c[2], 1);
	CU_ASSERT_EQUAL(digest_verify(ctx, db, &msg, false, T0, &res),
			DIGEST_NO_CREDENTIALS);
}

static void test_proxy_selection(void)
{
	struct digest_result res;
	bool stale;
	char nonce[64];
	struct cred c = { .hdr = "Proxy-Authorization", .user = "alice",
			  .pw = "secret", .alg = "SHA-256", .nc = "00000001",
			  .cnonce = "c" };

	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_NO_CREDENTIALS);
	CU_ASSERT_EQUAL(digest_status(res.outcome, false, &stale), 401);
	CU_ASSERT_EQUAL(check(&c, true, T0, &res), DIGEST_OK);
	CU_ASSERT_EQUAL(res.hdr, msg.first[SIP_H_PROXY_AUTHORIZATION]);
	c.hdr = NULL;
	c.nc = "00000002";
	CU_ASSERT_EQUAL(check(&c, true, T0, &res), DIGEST_NO_CREDENTIALS);
	CU_ASSERT_EQUAL(digest_status(res.outcome, true, &stale), 407);
	CU_ASSERT_FALSE(stale);
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
}

static void test_uri(void)
{
	struct digest_result res;
	bool stale;
	char nonce[64];
	struct cred c = { .user = "alice", .pw = "secret", .alg = "SHA-256",
			  .uri = "sip:other.org" };

	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_REQUEST);
	CU_ASSERT_STRING_EQUAL(res.why, "credentials uri is not the "
					"Request-URI");
	CU_ASSERT_EQUAL(digest_status(res.outcome, false, &stale), 400);
	c.uri = "sips:example.org";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_REQUEST);
	c.uri = "not a uri";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_REQUEST);
	CU_ASSERT_STRING_EQUAL(res.why, "credentials with a bad uri");
	/* equal by RFC 3261 §19.1.4: the host is case-insensitive */
	c.uri = "sip:EXAMPLE.org";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	/* with qop, nc stops replays: another SIP URI will do, junk won't */
	c.nc = "00000001";
	c.cnonce = "c";
	c.uri = "sip:192.0.2.1:5060";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	c.nc = "00000002";
	c.uri = "not a uri";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_REQUEST);
}

static void test_userhash(void)
{
	struct digest_result res;
	char nonce[64];
	struct cred c = { .user = "alice", .pw = "secret", .alg = "SHA-256",
			  .nc = "00000001", .cnonce = "c", .userhash = true };

	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	CU_ASSERT_STRING_EQUAL(res.username, "alice");
	c.alg = "MD5";
	c.nc = "00000002";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	c.user = "mallory";
	c.nc = "00000003";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_UNKNOWN_USER);
}

static void test_bad_algorithm(void)
{
	struct digest_result res;
	char nonce[64];
	struct cred c = { .user = "bob", .pw = "pw", .alg = "SHA-256",
			  .nc = "00000001", .cnonce = "c" };

	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	/* bob has no SHA-256 secret: offer him what he has */
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_ALGORITHM);
	CU_ASSERT_EQUAL(res.algs, DIGEST_ALG(DIGEST_MD5));
	CU_ASSERT_STRING_EQUAL(res.username, "bob");
	/* not offered by this context */
	c.alg = "SHA-512-256";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_ALGORITHM);
	CU_ASSERT_EQUAL(res.algs, DIGEST_ALGS_DEFAULT);
	c.alg = "SHA-1";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_ALGORITHM);
}

static void test_sha512_256(void)
{
	struct digest_ctx *saved = ctx;
	struct digest_result res;
	char nonce[64];
	struct cred c = { .user = "alice", .pw = "secret",
			  .alg = "SHA-512-256", .nc = "00000001",
			  .cnonce = "c" };

	ctx = digest_ctx_new("example.org", TTL, DIGEST_ALGS_ALL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	CU_ASSERT_TRUE_FATAL(digest_challenge(ctx, T0, false, false, chal,
					      sizeof(chal)) > 0);
	/* strongest first */
	CU_ASSERT_PTR_NOT_NULL(strstr(chal, "algorithm=SHA-512-256"));
	CU_ASSERT_TRUE(strstr(chal, "SHA-512-256") < strstr(chal, "SHA-256,"));
	CU_ASSERT_TRUE(strstr(chal, "SHA-256,") < strstr(chal, "MD5"));
	nonce_of(chal, nonce, sizeof(nonce));
	c.nonce = nonce;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	CU_ASSERT_EQUAL(res.alg, DIGEST_SHA512_256);
	c.nc = "00000002";
	c.pw = "Secret";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_RESPONSE);
	digest_ctx_free(ctx);
	ctx = saved;
}

static void test_bad_request(void)
{
	static const char *const lines[][2] = {
		{ "username=\"alice\", realm=\"example.org\", nonce=\"n\", "
		  "uri=\"sip:example.org\"",
		  "credentials without response" },
		{ "realm=\"example.org\", nonce=\"n\", "
		  "uri=\"sip:example.org\", response=\"00\"",
		  "credentials without username" },
		{ "username=\"alice\", realm=\"example.org\", "
		  "uri=\"sip:example.org\", response=\"00\"",
		  "credentials without nonce" },
		{ "username=\"alice\", realm=\"example.org\", nonce=\"n\", "
		  "response=\"00\"",
		  "credentials without uri" },
		{ "username=\"alice\", realm=\"example.org\", nonce=\"n\", "
		  "uri=\"sip:example.org\", response=\"00\", qop=auth-int, "
		  "nc=00000001, cnonce=\"c\"",
		  "credentials with a qop not offered" },
		{ "username=\"alice\", realm=\"example.org\", nonce=\"n\", "
		  "uri=\"sip:example.org\", response=\"00\", qop=auth, "
		  "nc=1, cnonce=\"c\"",
		  "credentials with a bad nc" },
		{ "username=\"alice\", realm=\"example.org\", nonce=\"n\", "
		  "uri=\"sip:example.org\", response=\"00\", qop=auth, "
		  "nc=00000000, cnonce=\"c\"",
		  "credentials with a bad nc" },
		{ "username=\"alice\", realm=\"example.org\", nonce=\"n\", "
		  "uri=\"sip:example.org\", response=\"00\", qop=auth, "
		  "nc=0000000g, cnonce=\"c\"",
		  "credentials with a bad nc" },
		{ "username=\"alice\", realm=\"example.org\", nonce=\"n\", "
		  "uri=\"sip:example.org\", response=\"00\", qop=auth, "
		  "nc=00000001",
		  "credentials with a bad cnonce" },
		{ "username=\"alice\", realm=\"example.org\", nonce=\"n\", "
		  "uri=\"sip:example.org\", response=\"00\", "
		  "algorithm=MD5-sess",
		  "-sess credentials without cnonce" },
		{ "username=\"alice\", realm=\"example.org\", nonce=\"n\", "
		  "uri=\"sip:example.org\", response=\"00\"",
		  "credentials with a bad response" },
	};
	struct digest_result res;
	struct sip_err e = { 0 };
	size_t len;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		len = (size_t)snprintf(text, sizeof(text),
				       "REGISTER sip:example.org SIP/2.0" CRLF
				       "Via: SIP/2.0/UDP h;branch=z9hG4bK1" CRLF
				       "Max-Forwards: 70" CRLF
				       "From: <sip:a@example.org>;tag=1" CRLF
				       "To: <sip:a@example.org>" CRLF
				       "Call-ID: x" CRLF "CSeq: 1 REGISTER" CRLF
				       "Authorization: Digest %s" CRLF
				       "Content-Length: 0" CRLF CRLF,
				       lines[i][0]);
		CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&msg, text, len, 0, &e), 0);
		CU_ASSERT_EQUAL(digest_verify(ctx, db, &msg, false, T0, &res),
				DIGEST_BAD_REQUEST);
		CU_ASSERT_STRING_EQUAL(res.why, lines[i][1]);
		if (strcmp(res.why ? res.why : "", lines[i][1]))
			fprintf(stderr, "\n  case %zu: %s\n", i, res.why);
	}
}

/* A key kept across a restart keeps nonces valid: they are stateless. */
static void test_shared_key(void)
{
	struct digest_ctx *saved = ctx, *other;
	struct digest_result res;
	char nonce[64];
	struct cred c = { .user = "alice", .pw = "secret", .alg = "SHA-256",
			  .nc = "00000001", .cnonce = "c" };

	other = digest_ctx_new("example.org", TTL, DIGEST_ALGS_DEFAULT, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	CU_ASSERT_EQUAL(digest_ctx_set_key(other, "0123456789abcdef!", 17), 0);
	CU_ASSERT_EQUAL(digest_ctx_set_key(ctx, "0123456789abcdef!", 17), 0);
	fresh_nonce(T0, nonce);
	c.nonce = nonce;
	ctx = other;
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_OK);
	/* a nonce for another realm, same key: not ours */
	digest_ctx_free(other);
	other = digest_ctx_new("example.net", TTL, DIGEST_ALGS_DEFAULT, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	CU_ASSERT_EQUAL(digest_ctx_set_key(other, "0123456789abcdef!", 17), 0);
	CU_ASSERT_TRUE_FATAL(digest_challenge(other, T0, false, false, chal,
					      sizeof(chal)) > 0);
	nonce_of(chal, nonce, sizeof(nonce));
	ctx = saved;
	c.pw = "x";
	CU_ASSERT_EQUAL(check(&c, false, T0, &res), DIGEST_BAD_NONCE);
	digest_ctx_free(other);
}

/* Two slots: the oldest nonce is evicted and then cannot be trusted. */
static void test_nc_eviction(void)
{
	struct digest_ctx *saved = ctx;
	struct digest_result res;
	char n[4][64];
	struct cred c = { .user = "alice", .pw = "secret", .alg = "SHA-256",
			  .nc = "00000001", .cnonce = "c" };

	ctx = digest_ctx_new("example.org", TTL, DIGEST_ALGS_DEFAULT, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	for (int i = 0; i < 4; i++)
		fresh_nonce(T0 + i, n[i]);
	for (int i = 0; i < 3; i++) {
		c.nonce = n[i];
		CU_ASSERT_EQUAL(check(&c, false, T0 + 5, &res), DIGEST_OK);
	}
	c.nc = "00000002";
	c.nonce = n[0];
	CU_ASSERT_EQUAL(check(&c, false, T0 + 5, &res), DIGEST_STALE_NONCE);
	c.nonce = n[1];
	CU_ASSERT_EQUAL(check(&c, false, T0 + 5, &res), DIGEST_OK);
	c.nonce = n[2];
	CU_ASSERT_EQUAL(check(&c, false, T0 + 5, &res), DIGEST_OK);
	c.nonce = n[2];
	CU_ASSERT_EQUAL(check(&c, false, T0 + 5, &res), DIGEST_REPLAY);
	/* newer than anything evicted: first use is fine, and evicts n[1] */
	c.nc = "00000001";
	c.nonce = n[3];
	CU_ASSERT_EQUAL(check(&c, false, T0 + 5, &res), DIGEST_OK);
	c.nc = "00000003";
	c.nonce = n[1];
	CU_ASSERT_EQUAL(check(&c, false, T0 + 5, &res), DIGEST_STALE_NONCE);
	digest_ctx_free(ctx);
	ctx = saved;
}

static void test_names(void)
{
	bool stale;

	CU_ASSERT_STRING_EQUAL(digest_outcome_name(DIGEST_OK), "ok");
	CU_ASSERT_STRING_EQUAL(digest_outcome_name(DIGEST_REPLAY), "replay");
	CU_ASSERT_STRING_EQUAL(digest_outcome_name(DIGEST__NOUTCOME), "?");
	CU_ASSERT_EQUAL(digest_status(DIGEST_OK, true, &stale), 0);
	CU_ASSERT_EQUAL(digest_status(DIGEST_BAD_NONCE, true, &stale), 407);
	CU_ASSERT_FALSE(stale);
	CU_ASSERT_EQUAL(digest_status(DIGEST_STALE_NONCE, true, &stale), 407);
	CU_ASSERT_TRUE(stale);
	CU_ASSERT_EQUAL(digest_status(DIGEST_BAD_ALGORITHM, false, &stale),
			401);
	CU_ASSERT_EQUAL(digest_status(DIGEST_BAD_REQUEST, true, &stale), 400);
}

int main(void)
{
	CU_TestInfo rfc[] = {
		{ "RFC 2617 3.5 MD5 response", test_rfc2617 },
		{ "RFC 7616 3.9.1 MD5 and SHA-256", test_rfc7616 },
		{ "algorithm names", test_alg_parse },
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo proto[] = {
		{ "challenge lines", test_challenge },
		{ "context arguments", test_ctx_args },
		{ "REGISTER round trip", test_register_ok },
		{ "wrong password", test_wrong_password },
		{ "unknown user", test_unknown_user },
		{ "replayed nc", test_replay },
		{ "no qop (RFC 2069)", test_rfc2069 },
		{ "tampered nonce", test_tampered_nonce },
		{ "expired nonce is stale", test_expired },
		{ "realm selection", test_realm_selection },
		{ "Proxy- vs Authorization", test_proxy_selection },
		{ "uri must be the Request-URI", test_uri },
		{ "userhash", test_userhash },
		{ "algorithm not usable", test_bad_algorithm },
		{ "SHA-512-256", test_sha512_256 },
		{ "malformed credentials", test_bad_request },
		{ "key shared across contexts", test_shared_key },
		{ "nc table eviction", test_nc_eviction },
		{ "outcome names and status", test_names },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "digest-rfc", NULL, NULL, NULL, NULL, rfc },
		{ "digest", setup, teardown, NULL, NULL, proto },
		CU_SUITE_INFO_NULL,
	};
	return tu_run(suites);
}
