// SPDX-License-Identifier: GPL-2.0
/*
 * SIP, SIPS and tel URIs: parser, unescaper and printer (RFC 3261 §19.1,
 * §25.1; RFC 3966 §3).
 *
 * One forward pass over the input, one table lookup per octet, no copies
 * and no allocation: escapes are validated but left in place, so every
 * field is a view of the caller's text.  Error offsets count from the
 * first octet of the URI.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "chars.h"
#include "uri.h"

#define URI_BAD 400

struct uparse {
	struct sip_uri *u;
	const char *s; /* origin of error offsets */
	const char *end;
	struct sip_err *err;
};

static int fail(struct uparse *x, const char *at, const char *what)
{
	return sip_fail(x->err, x->s, at, URI_BAD, what);
}

static struct sip_str span_str(const char *p, const char *q)
{
	return sip_str_make(p, (size_t)(q - p));
}

/*
 * The URI grammar's own classes, so that every scanning loop costs one
 * lookup per octet.  They are unions of chars.h's classes (the unit test
 * checks each against them): labels are alphanum and '-'; user adds
 * user-unreserved to unreserved; password is user without ';' '?' '/';
 * param and hnv add their *-unreserved sets.
 */
enum {
	U_LABEL = 0x01,
	U_SCHEME = 0x02,
	U_USER = 0x04,
	U_PASS = 0x08,
	U_PARAM = 0x10,
	U_HNV = 0x20,
	U_ALNUM = 0x40,
};

#define U_AN (U_ALNUM | U_LABEL | U_SCHEME | U_USER | U_PASS | U_PARAM | U_HNV)
#define U_MARK (U_USER | U_PASS | U_PARAM | U_HNV)

static const uint8_t uri_ctype[256] = {
	['0' ... '9'] = U_AN,
	['a' ... 'z'] = U_AN,
	['A' ... 'Z'] = U_AN,
	['-'] = U_MARK | U_LABEL | U_SCHEME,
	['.'] = U_MARK | U_SCHEME,
	['_'] = U_MARK,
	['!'] = U_MARK,
	['~'] = U_MARK,
	['*'] = U_MARK,
	['\''] = U_MARK,
	['('] = U_MARK,
	[')'] = U_MARK,
	['&'] = U_USER | U_PASS | U_PARAM,
	['='] = U_USER | U_PASS,
	['+'] = U_USER | U_PASS | U_PARAM | U_HNV | U_SCHEME,
	['$'] = U_USER | U_PASS | U_PARAM | U_HNV,
	[','] = U_USER | U_PASS,
	[';'] = U_USER,
	['?'] = U_USER | U_HNV,
	['/'] = U_USER | U_PARAM | U_HNV,
	['['] = U_PARAM | U_HNV,
	[']'] = U_PARAM | U_HNV,
	[':'] = U_PARAM | U_HNV,
};

static inline bool uri_is(unsigned char c, uint8_t cls)
{
	return uri_ctype[c] & cls;
}

static inline bool escape_ok(const char *p, const char *end)
{
	return end - p >= 3 && sip_hexval(p[1]) >= 0 && sip_hexval(p[2]) >= 0;
}

/*
 * Skips *( class / escaped ) and returns where the run stops, or NULL
 * with *bad at a '%' that does not start a full %HH.
 */
static inline const char *span(const char *p, const char *end, uint8_t cls,
			       const char **bad)
{
	while (p < end) {
		if (uri_is(*p, cls)) {
			p++;
		} else if (*p == '%') {
			if (!escape_ok(p, end)) {
				*bad = p;
				return NULL;
			}
			p += 3;
		} else {
			break;
		}
	}
	return p;
}

/* userinfo without its '@': user [ ":" password ] */
static int parse_userinfo(struct uparse *x, const char *p, const char *at)
{
	const char *bad = NULL, *q;

	q = span(p, at, U_USER, &bad);
	if (!q)
		return fail(x, bad, "bad %-escape in URI user");
	if (q == p || (q != at && *q != ':'))
		return fail(x, q, "bad URI user");
	x->u->user = span_str(p, q);
	if (q == at)
		return 0;
	p = q + 1;
	q = span(p, at, U_PASS, &bad);
	if (!q)
		return fail(x, bad, "bad %-escape in URI password");
	if (q != at)
		return fail(x, q, "bad URI password");
	x->u->password = span_str(p, q);
	return 0;
}

/*
 * RFC 3261's IPv4address: four 1*3DIGIT, leading zeros included;
 * each at most 255 (RFC 3986 dec-octet) since nothing larger routes.
 */
static bool ipv4_ok(const char *p, const char *end)
{
	for (int i = 0; i < 4; i++) {
		unsigned int v = 0, n = 0;

		if (i) {
			if (p == end || *p != '.')
				return false;
			p++;
		}
		for (; p < end && sip_is_digit(*p) && n < 3; p++, n++)
			v = v * 10 + (unsigned int)(*p - '0');
		if (!n || v > 255)
			return false;
	}
	return p == end;
}

/*
 * RFC 3261's IPv6address production is ambiguous about "::" and the
 * embedded IPv4 form; RFC 5954 §4.1 replaces it with RFC 3986's, which
 * this follows: 8 groups, or fewer with exactly one "::", where a
 * trailing dotted quad counts as two groups.
 */
static bool ipv6_ok(const char *p, const char *end)
{
	unsigned int groups = 0;
	bool dbl = false;

	if (p < end && *p == ':') {
		if (end - p < 2 || p[1] != ':')
			return false;
		dbl = true;
		p += 2;
		if (p == end)
			return true;
	}
	for (;;) {
		const char *g = p;

		while (p < end && p - g < 5 && sip_hexval(*p) >= 0)
			p++;
		if (p < end && *p == '.')
			return groups <= (dbl ? 5u : 6u) &&
			       (dbl || groups == 6) && ipv4_ok(g, end);
		if (p == g || p - g > 4)
			return false;
		groups++;
		if (p == end)
			break;
		if (*p++ != ':' || p == end)
			return false;
		if (*p == ':') {
			if (dbl)
				return false;
			dbl = true;
			if (++p == end)
				break;
		}
	}
	return dbl ? groups <= 7 : groups == 8;
}

static const char *scan_ipv6ref(const char *p, const char *end, uint8_t *type,
				const char **bad)
{
	const char *q = memchr(p, ']', (size_t)(end - p));

	if (!q || !ipv6_ok(p + 1, q)) {
		*bad = p;
		return NULL;
	}
	*type = SIP_HOST_IPV6;
	return q + 1;
}

/*
 * hostname = *( domainlabel "." ) toplabel [ "." ], where labels start
 * and end with alphanum and the toplabel starts with ALPHA.  A toplabel
 * starting with a digit can only be the last octet of an IPv4address.
 */
static const char *scan_host(const char *p, const char *end, uint8_t *type,
			     const char **bad)
{
	const char *h = p, *top;

	if (p < end && *p == '[')
		return scan_ipv6ref(p, end, type, bad);
	for (;;) {
		top = p;
		if (p == end || !uri_is(*p, U_ALNUM))
			goto bad;
		while (++p < end && uri_is(*p, U_LABEL))
			;
		if (p[-1] == '-')
			goto bad;
		if (p == end || *p != '.')
			break;
		/* a dot not followed by a label ends the name */
		if (++p == end || !uri_is(*p, U_ALNUM))
			break;
	}
	if (!sip_is_digit(*top)) {
		*type = SIP_HOST_NAME;
		return p;
	}
	if (ipv4_ok(h, p)) {
		*type = SIP_HOST_IPV4;
		return p;
	}
bad:
	*bad = p;
	return NULL;
}

static const char *scan_port(const char *p, const char *end, uint16_t *port)
{
	const char *d = p;
	unsigned int v = 0;

	for (; p < end && sip_is_digit(*p); p++) {
		v = v * 10 + (unsigned int)(*p - '0');
		if (v > 65535)
			return NULL;
	}
	if (p == d || !v)
		return NULL;
	*port = (uint16_t)v;
	return p;
}

static int set_ttl(struct uparse *x, const char *v, const char *vend)
{
	unsigned int ttl = 0;
	const char *p;

	if (vend - v > 3)
		return fail(x, v, "bad URI ttl");
	for (p = v; p < vend; p++) {
		if (!sip_is_digit(*p))
			return fail(x, p, "bad URI ttl");
		ttl = ttl * 10 + (unsigned int)(*p - '0');
	}
	if (ttl > 255)
		return fail(x, v, "bad URI ttl");
	if (!x->u->has_ttl) {
		x->u->ttl = (uint8_t)ttl;
		x->u->has_ttl = true;
	}
	return 0;
}

static int set_maddr(struct uparse *x, const char *v, const char *vend)
{
	const char *bad = NULL, *q;
	uint8_t type;

	q = scan_host(v, vend, &type, &bad);
	if (q != vend)
		return fail(x, q ? q : bad, "bad URI maddr");
	if (!x->u->maddr.s)
		x->u->maddr = span_str(v, vend);
	return 0;
}

static void set_once(struct sip_str *f, const char *v, const char *vend)
{
	if (!f->s)
		*f = span_str(v, vend);
}

/*
 * ASCII case-insensitive match against a lower-case, letters-only
 * literal; inline because libc's strncasecmp costs more than a whole
 * short URI.  c | 0x20 equals a lower-case letter only for that letter.
 */
static inline bool lit_caseeq(const char *s, const char *lit, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] | 0x20) != lit[i])
			return false;
	return true;
}

static inline bool name_is(const char *n, size_t len, const char *lit,
			   size_t litlen)
{
	return len == litlen && lit_caseeq(n, lit, len);
}

#define NAME_IS(n, len, lit) name_is(n, len, lit, sizeof(lit) - 1)

/*
 * §19.1.1's well-known parameters.  The first occurrence wins; those
 * whose grammar demands a value reject the bare flag form.
 */
static int well_known(struct uparse *x, const char *n, const char *nend,
		      const char *v, const char *vend)
{
	struct sip_uri *u = x->u;
	size_t len = (size_t)(nend - n);

	if (NAME_IS(n, len, "lr")) {
		u->lr = true;
		return 0;
	}
	if (!NAME_IS(n, len, "transport") && !NAME_IS(n, len, "user") &&
	    !NAME_IS(n, len, "method") && !NAME_IS(n, len, "ttl") &&
	    !NAME_IS(n, len, "maddr"))
		return 0;
	if (!v)
		return fail(x, nend, "bad URI parameter");
	switch (len) {
	case 3:
		return set_ttl(x, v, vend);
	case 4:
		set_once(&u->user_param, v, vend);
		return 0;
	case 5:
		return set_maddr(x, v, vend);
	case 6:
		set_once(&u->method, v, vend);
		return 0;
	}
	set_once(&u->transport, v, vend);
	return 0;
}

/* *( ";" pname [ "=" pvalue ] ) from the first ';' */
static const char *parse_params(struct uparse *x, const char *p)
{
	const char *end = x->end, *start = p + 1, *bad = NULL;

	while (p < end && *p == ';') {
		const char *n = p + 1, *nend, *v = NULL, *vend;

		nend = span(n, end, U_PARAM, &bad);
		if (!nend)
			goto escape;
		if (nend == n) {
			fail(x, n, "bad URI parameter");
			return NULL;
		}
		vend = nend;
		if (nend < end && *nend == '=') {
			v = nend + 1;
			vend = span(v, end, U_PARAM, &bad);
			if (!vend)
				goto escape;
			if (vend == v) {
				fail(x, v, "bad URI parameter");
				return NULL;
			}
		}
		if (well_known(x, n, nend, v, vend))
			return NULL;
		p = vend;
	}
	x->u->params = span_str(start, p);
	return p;
escape:
	fail(x, bad, "bad %-escape in URI parameter");
	return NULL;
}

/* "?" hname "=" hvalue *( "&" hname "=" hvalue ), to the end */
static int parse_headers(struct uparse *x, const char *p)
{
	const char *end = x->end, *start = p + 1, *bad = NULL;

	do {
		const char *n = p + 1, *q;

		q = span(n, end, U_HNV, &bad);
		if (!q)
			return fail(x, bad, "bad %-escape in URI header");
		if (q == n || q == end || *q != '=')
			return fail(x, q, "bad URI header");
		p = span(q + 1, end, U_HNV, &bad);
		if (!p)
			return fail(x, bad, "bad %-escape in URI header");
	} while (p < end && *p == '&');
	if (p != end)
		return fail(x, p, "bad URI header");
	x->u->headers = span_str(start, end);
	return 0;
}

/* what follows the host: [ ":" port ] uri-parameters [ headers ] */
static int parse_tail(struct uparse *x, const char *p)
{
	const char *end = x->end;
	const char *what = "bad URI host";

	if (p < end && *p == ':') {
		const char *q = scan_port(p + 1, end, &x->u->port);

		if (!q)
			return fail(x, p + 1, "bad URI port");
		p = q;
		what = "bad URI port";
	}
	if (p < end && *p == ';') {
		p = parse_params(x, p);
		if (!p)
			return -EBADMSG;
		what = "bad URI parameter";
	}
	if (p < end && *p == '?')
		return parse_headers(x, p);
	if (p != end)
		return fail(x, p, what);
	return 0;
}

static int parse_sip(struct uparse *x, const char *p)
{
	const char *end = x->end, *at, *h, *bad = NULL;
	struct sip_uri *u = x->u;
	int ret;

	/* user chars exclude '@', so the first one ends the userinfo */
	at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		ret = parse_userinfo(x, p, at);
		if (ret)
			return ret;
		p = at + 1;
	}
	h = p;
	p = scan_host(h, end, &u->host_type, &bad);
	if (!p)
		return fail(x, bad, "bad URI host");
	u->host = span_str(h, p);
	return parse_tail(x, p);
}

static inline bool visual_sep(unsigned char c)
{
	return c == '-' || c == '.' || c == '(' || c == ')';
}

/*
 * RFC 3966: global-number-digits ("+" and digits) or local-number-digits
 * (hex digits, '*', '#'), both with visual separators anywhere, then
 * parameters.  A local number without phone-context is accepted: the
 * MUST of §5.1.5 binds the sender, and rejecting breaks calls for nothing.
 */
static int parse_tel(struct uparse *x, const char *p)
{
	const char *end = x->end, *q;
	bool global = p < end && *p == '+';
	unsigned int digits = 0;

	for (q = p + global; q < end; q++) {
		unsigned char c = *q;

		if (sip_is_digit(c) ||
		    (!global && (sip_is(c, SIP_C_HEX) || c == '*' || c == '#')))
			digits++;
		else if (!visual_sep(c))
			break;
	}
	if (!digits)
		return fail(x, q, "bad tel number");
	x->u->user = span_str(p, q);
	if (q < end && *q == ';') {
		q = parse_params(x, q);
		if (!q)
			return -EBADMSG;
	}
	if (q != end)
		return fail(x, q, "bad tel number");
	return 0;
}

/*
 * Any other absoluteURI is carried opaquely.  It must still be one token
 * of a header value: no LWS, CTLs or the quoting and bracket characters
 * that delimit name-addr, and no broken escape.
 */
static int parse_other(struct uparse *x, const char *p)
{
	const char *end = x->end, *q;

	if (p == end)
		return fail(x, p, "bad URI");
	for (q = p; q < end;) {
		unsigned char c = *q;

		if (c == '%') {
			if (!escape_ok(q, end))
				return fail(x, q, "bad %-escape in URI");
			q += 3;
			continue;
		}
		if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"')
			return fail(x, q, "bad URI");
		q++;
	}
	x->u->opaque = span_str(p, end);
	return 0;
}

static uint8_t scheme_of(const char *s, size_t len)
{
	if (NAME_IS(s, len, "sip"))
		return SIP_URI_SIP;
	if (NAME_IS(s, len, "sips"))
		return SIP_URI_SIPS;
	if (NAME_IS(s, len, "tel"))
		return SIP_URI_TEL;
	return SIP_URI_OTHER;
}

static inline uint32_t load32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * RFC 3986 §3.1 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ),
 * with "sip:" checked first in one 4-octet load: it is nearly every URI
 * a proxy sees.  The mask lower-cases the three letters only, so no
 * other octet can alias one.
 */
static const char *scan_scheme(struct uparse *x)
{
	const char *s = x->s, *p = s;
	struct sip_uri *u = x->u;

	if (x->end - s >= 4 &&
	    (load32(s) | load32("\x20\x20\x20\x00")) == load32("sip:")) {
		u->scheme_s = span_str(s, s + 3);
		u->scheme = SIP_URI_SIP;
		return s + 3;
	}
	if (!sip_is(*p, SIP_C_ALNUM) || sip_is_digit(*p)) {
		fail(x, p, "bad URI scheme");
		return NULL;
	}
	while (++p < x->end && uri_is(*p, U_SCHEME))
		;
	if (p == x->end || *p != ':') {
		fail(x, p, "bad URI scheme");
		return NULL;
	}
	u->scheme_s = span_str(s, p);
	u->scheme = scheme_of(s, (size_t)(p - s));
	return p;
}

int sip_uri_parse(struct sip_uri *u, const char *s, size_t len,
		  struct sip_err *err)
{
	struct uparse x = { u, s, s, err };
	const char *p = s;
	int ret;

	memset(u, 0, sizeof(*u));
	if (!len || len > UINT32_MAX)
		return fail(&x, s, "bad URI scheme");
	x.end = s + len;
	u->raw = sip_str_make(s, len);
	p = scan_scheme(&x);
	if (!p)
		return -EBADMSG;
	switch (u->scheme) {
	case SIP_URI_SIP:
	case SIP_URI_SIPS:
		ret = parse_sip(&x, p + 1);
		break;
	case SIP_URI_TEL:
		ret = parse_tel(&x, p + 1);
		break;
	default:
		ret = parse_other(&x, p + 1);
	}
	/* no half-parsed fields for a caller that ignores the error */
	if (ret) {
		memset(u, 0, sizeof(*u));
		u->raw = sip_str_make(s, len);
	}
	return ret;
}

int sip_unescape(char *dst, size_t size, struct sip_str src)
{
	const char *p = src.s, *end;
	size_t n = 0;

	if (!src.len)
		return 0;
	if (src.len > INT_MAX)
		return -ENOSPC;
	/* in place is safe: each output octet is written behind the input */
	for (end = p + src.len; p < end; n++) {
		char c = *p;

		if (c == '%') {
			if (!escape_ok(p, end))
				return -EINVAL;
			c = (char)(sip_hexval(p[1]) << 4 | sip_hexval(p[2]));
			p += 3;
		} else {
			p++;
		}
		if (n >= size)
			return -ENOSPC;
		dst[n] = c;
	}
	return (int)n;
}

struct out {
	char *buf;
	size_t size;
	size_t n;
};

static void put(struct out *o, const char *s, size_t len, bool lower)
{
	for (size_t i = 0; i < len; i++, o->n++) {
		char c = s[i];

		if (lower && c >= 'A' && c <= 'Z')
			c = (char)(c | 0x20);
		if (o->n + 1 < o->size)
			o->buf[o->n] = c;
	}
}

static void put_str(struct out *o, struct sip_str a, bool lower)
{
	if (a.len)
		put(o, a.s, a.len, lower);
}

static void put_c(struct out *o, char c)
{
	put(o, &c, 1, false);
}

/*
 * Canonical: scheme and host name in lower case, the port as a plain
 * number; the rest as written, so the output parses back to a URI that
 * sip_uri_cmp() finds equal.
 */
int sip_uri_print(char *buf, size_t size, const struct sip_uri *u)
{
	struct out o = { buf, size, 0 };

	put_str(&o, u->scheme_s, true);
	put_c(&o, ':');
	if (u->scheme == SIP_URI_OTHER) {
		put_str(&o, u->opaque, false);
	} else {
		put_str(&o, u->user, false);
		if (u->password.len) {
			put_c(&o, ':');
			put_str(&o, u->password, false);
		}
		if (u->scheme != SIP_URI_TEL) {
			if (u->user.len)
				put_c(&o, '@');
			put_str(&o, u->host, true);
		}
		if (u->port) {
			char num[8];
			int n = snprintf(num, sizeof(num), ":%u", u->port);

			put(&o, num, (size_t)n, false);
		}
		if (u->params.len) {
			put_c(&o, ';');
			put_str(&o, u->params, false);
		}
		if (u->headers.len) {
			put_c(&o, '?');
			put_str(&o, u->headers, false);
		}
	}
	if (size)
		buf[o.n < size ? o.n : size - 1] = '\0';
	return o.n > INT_MAX ? INT_MAX : (int)o.n;
}
