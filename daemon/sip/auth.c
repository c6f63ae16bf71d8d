// SPDX-License-Identifier: GPL-2.0
/*
 * Authorization, Proxy-Authorization, WWW-Authenticate and
 * Proxy-Authenticate values (RFC 3261 §25.1, RFC 7616 §3.3-3.4):
 * a scheme token, then comma-separated auth-params.  Any scheme parses
 * (RFC 4475 regaut01); the Digest ones fill the named fields.
 */
#include <errno.h>

#include "chars.h"
#include "msg.h"
#include "parse.h"

struct auth_field {
	const char *name;
	uint8_t len;
	uint8_t off;
};

#define F(n) { #n, sizeof(#n) - 1, offsetof(struct sip_auth, n) }

static const struct auth_field fields[] = {
	F(username), F(realm),	F(nonce), F(uri),    F(response), F(algorithm),
	F(cnonce),   F(opaque), F(qop),	  F(nc),     F(stale),	  F(domain),
};

static void auth_field(struct sip_auth *a, struct sip_str name,
		       struct sip_str val)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (name.len == fields[i].len &&
		    !strncasecmp(name.s, fields[i].name, name.len)) {
			*(struct sip_str *)((char *)a + fields[i].off) =
				sip_unquote(val);
			return;
		}
	}
	if (sip_str_caseeq_lit(name, "userhash"))
		a->userhash = sip_str_caseeq_lit(sip_unquote(val), "true");
}

/* auth-param = auth-param-name EQUAL ( token / quoted-string ) */
static int auth_param(struct sip_auth *a, struct sip_str e)
{
	const char *p = e.s, *end = e.s + e.len, *n, *v;

	for (n = p; n < end && sip_is_token(*n); n++)
		;
	if (n == p)
		return -EBADMSG;
	p = sip_skip_lws(n, end);
	if (p == end || *p != '=')
		return -EBADMSG;
	p = sip_skip_lws(p + 1, end);
	if (p < end && *p == '"') {
		v = sip_quoted_end(p, end);
		if (!v)
			return -EBADMSG;
		v++;
	} else {
		/* RFC 7616 quotes some values, but old UAs send tokens */
		for (v = p; v < end && (sip_is_token(*v) || *v == '/' ||
					*v == ':' || *v == '=');
		     v++)
			;
		if (v == p)
			return -EBADMSG;
	}
	if (sip_skip_lws(v, end) != end)
		return -EBADMSG;
	auth_field(a, sip_str_make(e.s, n - e.s), sip_str_make(p, v - p));
	return 0;
}

int sip_auth_parse(struct sip_auth *a, struct sip_str value,
		   struct sip_err *err)
{
	const char *p = value.s, *end = value.s + value.len, *t;
	struct sip_str rest, e;
	uint32_t pos = 0;
	int ret;

	memset(a, 0, sizeof(*a));
	p = sip_skip_lws(p, end);
	for (t = p; t < end && sip_is_token(*t); t++)
		;
	if (t == p || (t < end && !sip_is_lws(*t)))
		return sip_fail(err, value.s, t, 400, "bad authentication scheme");
	a->scheme = sip_str_make(p, t - p);
	p = sip_skip_lws(t, end);
	rest = sip_str_make(p, end - p);
	a->params = rest;
	if (!rest.len)
		return 0;
	while ((ret = sip_list_next(rest, &pos, &e)) == 1)
		if (auth_param(a, e))
			return sip_fail(err, value.s, e.s, 400,
					"bad authentication parameter");
	if (ret < 0)
		return sip_fail(err, value.s, rest.s, 400,
				"bad authentication parameter list");
	return 0;
}
