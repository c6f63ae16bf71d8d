// SPDX-License-Identifier: GPL-2.0
/*
 * name-addr / addr-spec values: From, To, Contact, Route, Record-Route,
 * Path (RFC 3261 §20.10, §20.20, §20.39, §25.1).
 */
#include <errno.h>

#include "chars.h"
#include "msg.h"
#include "parse.h"

static int uri_parse_at(struct sip_uri *u, const char *s, size_t len,
			const char *base, struct sip_err *err)
{
	bool fresh = err && !err->what;
	int ret = sip_uri_parse(u, s, len, err);

	if (ret && fresh)
		err->offset += s - base;
	return ret;
}

/* display-name = *(token LWS) / quoted-string, before '<' */
static int display_name(struct sip_nameaddr *na, const char *p,
			const char *lt)
{
	const char *end = sip_trim_lws(p, lt);

	if (p < lt && *p == '"') {
		const char *q = sip_quoted_end(p, lt);

		if (!q || sip_skip_lws(q + 1, lt) != lt)
			return -EBADMSG;
		na->quoted = true;
		na->display = sip_str_make(p + 1, q - p - 1);
		return 0;
	}
	for (const char *q = p; q < end; q++)
		if (!sip_is_token(*q) && !sip_is_lws(*q))
			return -EBADMSG;
	na->display = sip_str_make(p, end - p);
	return 0;
}

/* The '<' that opens a name-addr (outside a quoted display name), or NULL. */
static const char *find_laquot(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p == '"') {
			p = sip_quoted_end(p, end);
			if (!p)
				return NULL;
		} else if (*p == '<') {
			return p;
		} else if (*p == ';') {
			/* addr-spec form: parameters may quote a '<' */
			return NULL;
		}
	}
	return NULL;
}

static const char *addr_spec_end(const char *p, const char *end)
{
	while (p < end && *p != ';' && !sip_is_lws(*p))
		p++;
	return p;
}

static int nameaddr_params(struct sip_nameaddr *na, const char *p,
			   const char *end, const char *base,
			   struct sip_err *err)
{
	struct sip_str name, val;
	int ret;

	p = sip_skip_lws(p, end);
	if (p < end && *p == ';')
		na->params = sip_str_make(p + 1, end - p - 1);
	while ((ret = sip_param_next(&p, end, &name, &val)) == 1)
		if (sip_str_caseeq_lit(name, "tag"))
			na->tag = val;
	if (ret < 0)
		return sip_fail(err, base, p, 400, "bad header parameter");
	if (sip_skip_lws(p, end) != end)
		return sip_fail(err, base, p, 400, "junk after address");
	return 0;
}

int sip_nameaddr_parse_at(struct sip_nameaddr *na, const char *s, size_t len,
			  const char *base, struct sip_err *err)
{
	const char *end = s + len, *p = sip_skip_lws(s, end), *lt, *gt;

	memset(na, 0, sizeof(*na));
	na->raw = sip_str_make(s, len);
	lt = find_laquot(p, end);
	if (lt) {
		if (display_name(na, p, lt))
			return sip_fail(err, base, p, 400, "bad display name");
		gt = memchr(lt, '>', end - lt);
		if (!gt)
			return sip_fail(err, base, lt, 400, "unterminated <URI>");
		na->angle = true;
		/* LAQUOT and RAQUOT allow no white space inside the brackets */
		if (uri_parse_at(&na->uri, lt + 1, gt - lt - 1, base, err))
			return -EBADMSG;
		return nameaddr_params(na, gt + 1, end, base, err);
	}
	if (p < end && *p == '"')
		return sip_fail(err, base, p, 400,
				sip_quoted_end(p, end) ? "display name without <URI>"
						       : "unterminated quoted string");
	gt = addr_spec_end(p, end);
	/* §20: a URI with ',', '?' or ';' must be enclosed in <> */
	if (memchr(p, '?', gt - p))
		return sip_fail(err, base, p, 400, "URI with '?' not enclosed in <>");
	if (uri_parse_at(&na->uri, p, gt - p, base, err))
		return -EBADMSG;
	return nameaddr_params(na, gt, end, base, err);
}

int sip_nameaddr_parse(struct sip_nameaddr *na, const char *s, size_t len,
		       struct sip_err *err)
{
	return sip_nameaddr_parse_at(na, s, len, s, err);
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static int qvalue(struct sip_str v)
{
	int q, scale = 100;

	if (!v.len || (v.s[0] != '0' && v.s[0] != '1') || v.len > 5 ||
	    (v.len > 1 && v.s[1] != '.'))
		return -1;
	q = (v.s[0] - '0') * 1000;
	for (uint32_t i = 2; i < v.len; i++, scale /= 10) {
		if (!sip_is_digit(v.s[i]))
			return -1;
		q += (v.s[i] - '0') * scale;
	}
	return q <= 1000 ? q : -1;
}

static int contact_params(struct sip_contact *c)
{
	struct sip_str v;
	uint64_t n;

	if (sip_param_find(c->na.params, "q", &v) &&
	    (c->q = qvalue(v)) < 0)
		return -EBADMSG;
	if (sip_param_find(c->na.params, "expires", &v)) {
		/* §10.2.1.1: an over-large value means "as long as allowed" */
		int ret = sip_parse_uint(v, UINT32_MAX, &n);

		if (ret == -EINVAL)
			return -EBADMSG;
		c->expires = ret ? UINT32_MAX : n;
	}
	if (sip_param_find(c->na.params, "reg-id", &v)) {
		if (sip_parse_uint(v, INT32_MAX, &n) || !n)
			return -EBADMSG;
		c->reg_id = n;
	}
	if (sip_param_find(c->na.params, "+sip.instance", &v))
		c->instance = sip_unquote(v);
	return 0;
}

int sip_contact_parse_at(struct sip_contact *c, const char *s, size_t len,
			 const char *base, struct sip_err *err)
{
	const char *end = s + len, *p = sip_skip_lws(s, end);

	memset(c, 0, sizeof(*c));
	c->expires = -1;
	c->q = -1;
	c->reg_id = -1;
	if (p < end && *p == '*' && sip_skip_lws(p + 1, end) == end) {
		c->star = true;
		c->na.raw = sip_str_make(s, len);
		return 0;
	}
	if (sip_nameaddr_parse_at(&c->na, s, len, base, err))
		return -EBADMSG;
	if (contact_params(c))
		return sip_fail(err, base, c->na.params.s, 400,
				"bad Contact parameter");
	return 0;
}

int sip_contact_parse(struct sip_contact *c, const char *s, size_t len,
		      struct sip_err *err)
{
	return sip_contact_parse_at(c, s, len, s, err);
}
