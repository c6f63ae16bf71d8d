// SPDX-License-Identifier: GPL-2.0
/*
 * Header value grammar of RFC 3261 §25.1: lists, parameters, Via,
 * name-addr/addr-spec, Contact, and the iterators over multi-valued
 * headers.  White space may include folded line ends everywhere LWS or
 * SWS is allowed, so CR and LF count as white space here.
 */
#include <errno.h>

#include "chars.h"
#include "msg.h"
#include "parse.h"

const char *sip_skip_lws(const char *p, const char *end)
{
	while (p < end && sip_is_lws(*p))
		p++;
	return p;
}

const char *sip_trim_lws(const char *start, const char *p)
{
	while (p > start && sip_is_lws(p[-1]))
		p--;
	return p;
}

/* p at the opening quote; returns the closing quote, or NULL. */
const char *sip_quoted_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			/* quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F) */
			if (++p == end || *p == '\r' || *p == '\n')
				return NULL;
		} else if (*p == '"') {
			return p;
		}
	}
	return NULL;
}

/* The octets that can end or nest a list element. */
static const bool list_special[256] = {
	['"'] = true, ['<'] = true, ['>'] = true, [','] = true,
};

int sip_list_next(struct sip_str value, uint32_t *pos, struct sip_str *elem)
{
	const char *start, *p, *end = value.s + value.len;
	bool angle = false;

	if (*pos > value.len)
		return 0;
	start = sip_skip_lws(value.s + *pos, end);
	/*
	 * Most lines hold one value: without a comma there is nothing to
	 * split, and the value's own parser checks its quotes and brackets.
	 */
	if (!memchr(start, ',', end - start)) {
		*elem = sip_str_make(start, sip_trim_lws(start, end) - start);
		*pos = value.len + 1;
		return elem->len ? 1 : -EBADMSG;
	}
	for (p = start; p < end; p++) {
		if (!list_special[(unsigned char)*p])
			continue;
		if (*p == '"') {
			p = sip_quoted_end(p, end);
			if (!p)
				return -EBADMSG;
		} else if (*p == '<') {
			angle = true;
		} else if (*p == '>') {
			angle = false;
		} else if (*p == ',' && !angle) {
			break;
		}
	}
	*elem = sip_str_make(start, sip_trim_lws(start, p) - start);
	*pos = p < end ? (uint32_t)(p + 1 - value.s) : value.len + 1;
	return elem->len ? 1 : -EBADMSG;
}

/* gen-value = token / host / quoted-string */
static const char *gen_value(const char *p, const char *end)
{
	const char *q = p;

	if (p < end && *p == '"') {
		q = sip_quoted_end(p, end);
		return q ? q + 1 : NULL;
	}
	/* host adds '[' ']' ':' to token for IPv6 references */
	while (q < end && (sip_is_token(*q) || sip_is(*q, SIP_C_HNV)) && *q != '/' &&
	       *q != '?' && *q != '$')
		q++;
	return q > p ? q : NULL;
}

struct param {
	struct sip_str name;
	struct sip_str value; /* quotes kept; empty for a flag */
};

/* "name[=value]" at *pp, white space allowed around '='. */
static int param_at(const char **pp, const char *end, struct param *pr)
{
	const char *p = sip_skip_lws(*pp, end), *n, *v;

	for (n = p; n < end && sip_is_token(*n); n++)
		;
	if (n == p)
		return -EBADMSG;
	pr->name = sip_str_make(p, n - p);
	pr->value = SIP_STR_NULL;
	p = sip_skip_lws(n, end);
	if (p < end && *p == '=') {
		p = sip_skip_lws(p + 1, end);
		v = gen_value(p, end);
		if (!v)
			return -EBADMSG;
		pr->value = sip_str_make(p, v - p);
		p = v;
	}
	*pp = p;
	return 1;
}

int sip_param_next(const char **pp, const char *end, struct sip_str *name,
		   struct sip_str *value)
{
	const char *p = sip_skip_lws(*pp, end);
	struct param pr;
	int ret;

	if (p == end || *p != ';')
		return 0;
	*pp = p + 1;
	ret = param_at(pp, end, &pr);
	if (ret == 1) {
		*name = pr.name;
		*value = pr.value;
	}
	return ret;
}

struct sip_str sip_unquote(struct sip_str v)
{
	if (v.len >= 2 && v.s[0] == '"' && v.s[v.len - 1] == '"')
		return sip_str_make(v.s + 1, v.len - 2);
	return v;
}

bool sip_param_find(struct sip_str params, const char *name,
		    struct sip_str *val)
{
	const char *p, *end;
	struct param pr;

	if (!params.len)
		return false;
	end = params.s + params.len;
	p = sip_skip_lws(params.s, end);
	if (p < end && *p == ';')
		p++;
	while (param_at(&p, end, &pr) == 1) {
		if (sip_str_caseeq_lit(pr.name, name)) {
			if (val)
				*val = pr.value;
			return true;
		}
		p = sip_skip_lws(p, end);
		if (p == end || *p != ';')
			break;
		p++;
	}
	return false;
}

/*
 * Iterators: walk every value of every header line with the given id, in
 * message order.  it->pos is the list position inside the current line.
 */
static int iter_next(const struct sip_msg *m, enum sip_hdr_id id,
		     struct sip_iter *it, struct sip_str *elem)
{
	int ret;

	if (it->hdr < 0) {
		it->hdr = m->first[id];
		it->pos = 0;
	}
	while (it->hdr >= 0 && it->hdr < SIP_MAX_HDRS) {
		const struct sip_hdr *h = &m->hdr[it->hdr];

		struct sip_str v = (h->flags & SIP_HDR_REPLACED) ? h->newval
								 : h->value;

		/* an empty line ("Supported:") holds no values */
		if (!(h->flags & SIP_HDR_DELETED) && v.len) {
			ret = sip_list_next(v, &it->pos, elem);
			if (ret)
				return ret;
		}
		it->hdr = h->next;
		it->pos = 0;
		if (it->hdr < 0)
			it->hdr = SIP_MAX_HDRS; /* exhausted: stay at the end */
	}
	return 0;
}

static bool iter_done(const struct sip_iter *it)
{
	return it->hdr >= SIP_MAX_HDRS;
}

int sip_via_next(const struct sip_msg *m, struct sip_iter *it,
		 struct sip_via *v)
{
	struct sip_str e;
	int ret;

	if (iter_done(it))
		return 0;
	ret = iter_next(m, SIP_H_VIA, it, &e);
	if (ret <= 0)
		return ret;
	return sip_via_parse_at(v, e.s, e.len, m->buf, NULL) ? -EBADMSG : 1;
}

int sip_contact_next(const struct sip_msg *m, struct sip_iter *it,
		     struct sip_contact *c)
{
	struct sip_str e;
	int ret;

	if (iter_done(it))
		return 0;
	ret = iter_next(m, SIP_H_CONTACT, it, &e);
	if (ret <= 0)
		return ret;
	return sip_contact_parse_at(c, e.s, e.len, m->buf, NULL) ? -EBADMSG : 1;
}

int sip_nameaddr_next(const struct sip_msg *m, enum sip_hdr_id id,
		      struct sip_iter *it, struct sip_nameaddr *na)
{
	struct sip_str e;
	int ret;

	if (iter_done(it))
		return 0;
	ret = iter_next(m, id, it, &e);
	if (ret <= 0)
		return ret;
	return sip_nameaddr_parse_at(na, e.s, e.len, m->buf, NULL) ? -EBADMSG : 1;
}

int sip_token_next(const struct sip_msg *m, enum sip_hdr_id id,
		   struct sip_iter *it, struct sip_str *tok)
{
	int ret;

	if (iter_done(it))
		return 0;
	ret = iter_next(m, id, it, tok);
	if (ret <= 0)
		return ret;
	for (uint32_t i = 0; i < tok->len; i++)
		if (!sip_is_token(tok->s[i]))
			return -EBADMSG;
	return 1;
}
