// SPDX-License-Identifier: GPL-2.0
/*
 * Via (RFC 3261 §20.42, §25.1; rport from RFC 3581).
 *
 * via-parm = sent-protocol LWS sent-by *( SEMI via-params ), with SWS
 * allowed around every '/', ':', ';' and '='.
 */
#include <errno.h>

#include "chars.h"
#include "msg.h"
#include "parse.h"

static bool dotted_quad(struct sip_str h)
{
	unsigned int dots = 0, val = 0, digits = 0;

	for (uint32_t i = 0; i < h.len; i++) {
		if (h.s[i] == '.') {
			if (!digits)
				return false;
			dots++;
			val = digits = 0;
		} else if (sip_is_digit(h.s[i])) {
			val = val * 10 + (h.s[i] - '0');
			if (++digits > 3 || val > 255)
				return false;
		} else {
			return false;
		}
	}
	return dots == 3 && digits;
}

const char *sip_host_scan(const char *p, const char *end, uint8_t *type)
{
	const char *q = p;
	bool digits_only = true;

	if (p < end && *p == '[') {
		for (q++; q < end && (sip_is(*q, SIP_C_HEX) || *q == ':' || *q == '.'); q++)
			;
		if (q == end || *q != ']' || q == p + 1)
			return NULL;
		*type = SIP_HOST_IPV6;
		return q + 1;
	}
	for (; q < end && (sip_is(*q, SIP_C_ALNUM) || *q == '-' || *q == '.'); q++)
		if (!sip_is_digit(*q) && *q != '.')
			digits_only = false;
	if (q == p || *p == '-' || *p == '.')
		return NULL;
	if (digits_only) {
		if (!dotted_quad(sip_str_make(p, q - p)))
			return NULL;
		*type = SIP_HOST_IPV4;
	} else {
		*type = SIP_HOST_NAME;
	}
	return q;
}

static const char *token_end(const char *p, const char *end)
{
	while (p < end && sip_is_token(*p))
		p++;
	return p;
}

/* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
static const char *sent_protocol(struct sip_via *v, const char *p,
				 const char *end)
{
	struct sip_str *part[3] = { &v->proto, &v->version, &v->transport };

	for (int i = 0; i < 3; i++) {
		const char *t;

		p = sip_skip_lws(p, end);
		if (i) {
			if (p == end || *p != '/')
				return NULL;
			p = sip_skip_lws(p + 1, end);
		}
		t = token_end(p, end);
		if (t == p)
			return NULL;
		*part[i] = sip_str_make(p, t - p);
		p = t;
	}
	return p;
}

static const char *sent_by(struct sip_via *v, const char *p, const char *end)
{
	const char *h = p, *q;
	uint64_t port;

	p = sip_host_scan(p, end, &v->host_type);
	if (!p)
		return NULL;
	v->host = sip_str_make(h, p - h);
	q = sip_skip_lws(p, end);
	if (q == end || *q != ':')
		return p;
	q = sip_skip_lws(q + 1, end);
	for (p = q; p < end && sip_is_digit(*p); p++)
		;
	if (sip_parse_uint(sip_str_make(q, p - q), 65535, &port) || !port)
		return NULL;
	v->port = port;
	return p;
}

static int via_param(struct sip_via *v, struct sip_str n, struct sip_str val)
{
	uint64_t num;
	uint8_t type;

	if (sip_str_caseeq_lit(n, "branch")) {
		v->branch = val;
		return val.len ? 0 : -EBADMSG;
	}
	if (sip_str_caseeq_lit(n, "received")) {
		v->received = val;
		/* an IP address, IPv6 with or without brackets (RFC 5118 §4.5) */
		if (!val.len)
			return -EBADMSG;
		if (sip_host_scan(val.s, val.s + val.len, &type) == val.s + val.len)
			return type == SIP_HOST_NAME ? -EBADMSG : 0;
		return memchr(val.s, ':', val.len) ? 0 : -EBADMSG;
	}
	if (sip_str_caseeq_lit(n, "maddr")) {
		v->maddr = val;
		if (!val.len)
			return -EBADMSG;
		return sip_host_scan(val.s, val.s + val.len, &type) == val.s + val.len
			       ? 0 : -EBADMSG;
	}
	if (sip_str_caseeq_lit(n, "ttl")) {
		if (sip_parse_uint(val, 255, &num))
			return -EBADMSG;
		v->has_ttl = true;
		v->ttl = num;
		return 0;
	}
	if (sip_str_caseeq_lit(n, "rport")) {
		v->rport = true;
		if (!val.len)
			return 0;
		if (sip_parse_uint(val, 65535, &num) || !num)
			return -EBADMSG;
		v->rport_val = num;
	}
	return 0;
}

int sip_via_parse_at(struct sip_via *v, const char *s, size_t len,
		     const char *base, struct sip_err *err)
{
	const char *p = s, *end = s + len;
	struct sip_str name, val;
	int ret;

	memset(v, 0, sizeof(*v));
	v->raw = sip_str_make(s, len);
	p = sent_protocol(v, p, end);
	if (!p || p == end || !sip_is_lws(*p))
		return sip_fail(err, base, p ? p : s, 400, "bad Via sent-protocol");
	p = sent_by(v, sip_skip_lws(p, end), end);
	if (!p)
		return sip_fail(err, base, s, 400, "bad Via sent-by");
	p = sip_skip_lws(p, end);
	if (p < end && *p == ';')
		v->params = sip_str_make(p + 1, end - p - 1);
	while ((ret = sip_param_next(&p, end, &name, &val)) == 1)
		if (via_param(v, name, val))
			return sip_fail(err, base, name.s, 400, "bad Via parameter");
	if (ret < 0)
		return sip_fail(err, base, p, 400, "bad Via parameter");
	if (sip_skip_lws(p, end) != end)
		return sip_fail(err, base, p, 400, "junk after Via");
	return 0;
}

int sip_via_parse(struct sip_via *v, const char *s, size_t len,
		  struct sip_err *err)
{
	return sip_via_parse_at(v, s, len, s, err);
}
