// SPDX-License-Identifier: GPL-2.0
/*
 * URI parameter lookup and URI equivalence: RFC 3261 §19.1.4 for sip and
 * sips, RFC 3966 §4 for tel.
 *
 * Works on the escaped text the parser kept, decoding one octet at a time,
 * so comparing never copies.  Parameter and header lists are short (a few
 * entries), so lookups are linear scans.
 */
#include <arpa/inet.h>

#include "chars.h"
#include "uri.h"

struct kv {
	struct sip_str name;
	struct sip_str val; /* empty for a flag parameter */
};

/* Splits the next "name[=value]" off *rest, items separated by @sep. */
static bool next_kv(struct sip_str *rest, char sep, struct kv *kv)
{
	const char *p = rest->s, *end, *item, *eq;

	if (!rest->len)
		return false;
	end = p + rest->len;
	item = memchr(p, sep, rest->len);
	if (!item)
		item = end;
	eq = memchr(p, '=', (size_t)(item - p));
	kv->name = sip_str_make(p, (size_t)((eq ? eq : item) - p));
	kv->val = eq ? sip_str_make(eq + 1, (size_t)(item - eq - 1)) :
		       SIP_STR_NULL;
	*rest = item < end ? sip_str_make(item + 1, (size_t)(end - item - 1)) :
			     SIP_STR_NULL;
	return true;
}

bool sip_uri_param(const struct sip_uri *u, const char *name,
		   struct sip_str *val)
{
	struct sip_str rest = u->params;
	struct kv kv;

	while (next_kv(&rest, ';', &kv)) {
		if (sip_str_caseeq_lit(kv.name, name)) {
			if (val)
				*val = kv.val;
			return true;
		}
	}
	return false;
}

/* RFC 2396 §2.2 reserved: these stay distinct from their %HH form */
static bool reserved(unsigned char c)
{
	return c == ';' || c == '/' || c == '?' || c == ':' || c == '@' ||
	       c == '&' || c == '=' || c == '+' || c == '$' || c == ',';
}

/*
 * The next octet of a component as §19.1.4 compares it: escapes of
 * unreserved octets decode to the octet, escapes of reserved ones stay
 * apart from the literal (bit 8 set).
 */
static unsigned int unit(const char **pp, const char *end, bool fold)
{
	const char *p = *pp;
	unsigned int c = (unsigned char)*p;
	int hi, lo;

	*pp = p + 1;
	if (c == '%' && end - p >= 3 && (hi = sip_hexval(p[1])) >= 0 &&
	    (lo = sip_hexval(p[2])) >= 0) {
		c = (unsigned int)(hi << 4 | lo);
		*pp = p + 3;
		if (reserved((unsigned char)c))
			return c | 0x100;
	}
	if (fold && c >= 'A' && c <= 'Z')
		c |= 0x20;
	return c;
}

static bool comp_eq(struct sip_str a, struct sip_str b, bool fold)
{
	const char *p = a.s, *q = b.s, *pe, *qe;

	if (a.len == b.len && (!a.len || !memcmp(a.s, b.s, a.len)))
		return true;
	if (!a.len || !b.len)
		return false;
	pe = p + a.len;
	qe = q + b.len;
	while (p < pe && q < qe)
		if (unit(&p, pe, fold) != unit(&q, qe, fold))
			return false;
	return p == pe && q == qe;
}

/* The first parameter named like @name (case-insensitive, unescaped). */
static bool find_kv(struct sip_str list, char sep, struct sip_str name,
		    struct kv *out)
{
	while (next_kv(&list, sep, out))
		if (comp_eq(out->name, name, true))
			return true;
	return false;
}

/*
 * §19.1.4: present in only one URI, these make the URIs differ even with
 * their default value; its not-equal examples treat transport the same.
 */
static bool must_match(struct sip_str name)
{
	static const struct sip_str names[] = {
		SIP_STR("user"),  SIP_STR("ttl"),	SIP_STR("method"),
		SIP_STR("maddr"), SIP_STR("transport"),
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (comp_eq(name, names[i], true))
			return true;
	return false;
}

/*
 * Parameters of @a against @b.  The first occurrence of a name is the
 * one that counts, on both sides, so a URI always equals itself.
 */
static bool params_match(const struct sip_uri *a, const struct sip_uri *b)
{
	struct sip_str rest = a->params;
	struct kv kv, ka, kb;

	while (next_kv(&rest, ';', &kv)) {
		find_kv(a->params, ';', kv.name, &ka);
		if (find_kv(b->params, ';', kv.name, &kb)) {
			if (!comp_eq(ka.val, kb.val, true))
				return false;
		} else if (must_match(kv.name)) {
			return false;
		}
	}
	return true;
}

static unsigned int count_hdr(struct sip_str list, const struct kv *h)
{
	unsigned int n = 0;
	struct kv kv;

	while (next_kv(&list, '&', &kv))
		n += comp_eq(kv.name, h->name, true) &&
		     comp_eq(kv.val, h->val, true);
	return n;
}

/*
 * "URI header components are never ignored": the two header lists must
 * be equal as multisets.  Values follow §19.1.4's default of
 * case-insensitive comparison; the per-header rules of §20 are not
 * applied.
 */
static bool headers_match(struct sip_str a, struct sip_str b)
{
	struct sip_str rest = a;
	unsigned int na = 0, nb = 0;
	struct kv kv;

	while (next_kv(&rest, '&', &kv)) {
		na++;
		if (count_hdr(a, &kv) != count_hdr(b, &kv))
			return false;
	}
	rest = b;
	while (next_kv(&rest, '&', &kv))
		nb++;
	return na == nb;
}

/* RFC 5954 §3: IPv6 references are compared as addresses, not text. */
static bool ipv6_eq(struct sip_str a, struct sip_str b)
{
	struct in6_addr x, y;
	char buf[64];

	if (a.len < 2 || b.len < 2 || a.len - 2 >= sizeof(buf) ||
	    b.len - 2 >= sizeof(buf))
		return sip_str_caseeq(a, b);
	memcpy(buf, a.s + 1, a.len - 2);
	buf[a.len - 2] = '\0';
	if (inet_pton(AF_INET6, buf, &x) != 1)
		return sip_str_caseeq(a, b);
	memcpy(buf, b.s + 1, b.len - 2);
	buf[b.len - 2] = '\0';
	if (inet_pton(AF_INET6, buf, &y) != 1)
		return sip_str_caseeq(a, b);
	return !memcmp(&x, &y, sizeof(x));
}

static bool host_eq(const struct sip_uri *a, const struct sip_uri *b)
{
	if (a->host_type != b->host_type)
		return false;
	if (a->host_type == SIP_HOST_IPV6)
		return ipv6_eq(a->host, b->host);
	return comp_eq(a->host, b->host, true);
}

static int sip_cmp(const struct sip_uri *a, const struct sip_uri *b)
{
	/* userinfo is the one case-sensitive part (§19.1.4) */
	if (!comp_eq(a->user, b->user, false) ||
	    !comp_eq(a->password, b->password, false))
		return 1;
	/* an absent port is not 5060: the two may resolve differently */
	if (!host_eq(a, b) || a->port != b->port)
		return 1;
	if (!params_match(a, b) || !params_match(b, a))
		return 1;
	return headers_match(a->headers, b->headers) ? 0 : 1;
}

static bool visual_sep(unsigned char c)
{
	return c == '-' || c == '.' || c == '(' || c == ')';
}

/* RFC 3966 §4: digits compared without their visual separators */
static bool digits_eq(struct sip_str a, struct sip_str b)
{
	const char *p = a.s, *q = b.s;
	const char *pe = a.len ? p + a.len : p, *qe = b.len ? q + b.len : q;

	for (;;) {
		while (p < pe && visual_sep(*p))
			p++;
		while (q < qe && visual_sep(*q))
			q++;
		if (p == pe || q == qe)
			return p == pe && q == qe;
		if ((*p | 0x20) != (*q | 0x20))
			return false;
		p++;
		q++;
	}
}

static bool tel_value_eq(struct sip_str name, struct sip_str a,
			 struct sip_str b)
{
	bool digits = comp_eq(name, SIP_STR("ext"), true) ||
		      (comp_eq(name, SIP_STR("phone-context"), true) && a.len &&
		       a.s[0] == '+');

	return digits ? digits_eq(a, b) : comp_eq(a, b, true);
}

/* RFC 3966 §4: a parameter in only one URI makes them differ. */
static bool tel_params_match(const struct sip_uri *a, const struct sip_uri *b)
{
	struct sip_str rest = a->params;
	struct kv kv, ka, kb;

	while (next_kv(&rest, ';', &kv)) {
		find_kv(a->params, ';', kv.name, &ka);
		if (!find_kv(b->params, ';', kv.name, &kb) ||
		    !tel_value_eq(kv.name, ka.val, kb.val))
			return false;
	}
	return true;
}

static int tel_cmp(const struct sip_uri *a, const struct sip_uri *b)
{
	bool ga = a->user.len && a->user.s[0] == '+';
	bool gb = b->user.len && b->user.s[0] == '+';

	if (ga != gb || !digits_eq(a->user, b->user))
		return 1;
	return tel_params_match(a, b) && tel_params_match(b, a) ? 0 : 1;
}

int sip_uri_cmp(const struct sip_uri *a, const struct sip_uri *b)
{
	/* sip and sips never match each other (§19.1.4) */
	if (a->scheme != b->scheme)
		return 1;
	switch (a->scheme) {
	case SIP_URI_SIP:
	case SIP_URI_SIPS:
		return sip_cmp(a, b);
	case SIP_URI_TEL:
		return tel_cmp(a, b);
	}
	if (!sip_str_caseeq(a->scheme_s, b->scheme_s))
		return 1;
	return comp_eq(a->opaque, b->opaque, false) ? 0 : 1;
}
