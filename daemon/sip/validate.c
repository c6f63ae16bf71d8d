// SPDX-License-Identifier: GPL-2.0
/*
 * Structured parsing of the known headers, done once at parse time so a
 * malformed message is refused before a proxy acts on it (RFC 4475 §3.1.2),
 * and the mandatory-header rules of RFC 3261 §8.1.1 and §8.2.
 */
#include <errno.h>

#include "chars.h"
#include "msg.h"
#include "parse.h"

int sip_hdr_fail(struct sip_msg *m, int idx, struct sip_err *err, int status,
		 const char *what)
{
	bool fresh = err && !err->what;

	sip_fail(err, m->buf, m->hdr[idx].value.s, status, what);
	if (fresh)
		err->hdr = m->hdr[idx].name;
	return -EBADMSG;
}

/* Rebase an error found inside a value parser onto header @idx. */
static int hdr_err(struct sip_msg *m, int idx, struct sip_err *err)
{
	if (err && !err->hdr.len)
		err->hdr = m->hdr[idx].name;
	return -EBADMSG;
}

static int check_vias(struct sip_msg *m, int i, int status,
		      struct sip_err *err)
{
	struct sip_str v = m->hdr[i].value, e;
	uint32_t pos = 0;
	int ret;

	while ((ret = sip_list_next(v, &pos, &e)) == 1) {
		struct sip_via via, *dst = m->nvia ? &via : &m->via;

		if (sip_via_parse_at(dst, e.s, e.len, m->buf, err)) {
			err->status = status;
			return hdr_err(m, i, err);
		}
		m->nvia++;
	}
	return ret ? sip_hdr_fail(m, i, err, status, "empty or unbalanced Via value") : 0;
}

static int check_addrs(struct sip_msg *m, int i, int status,
		       struct sip_err *err)
{
	struct sip_str v = m->hdr[i].value, e;
	bool contact = m->hdr[i].id == SIP_H_CONTACT;
	uint32_t pos = 0, n = 0;
	bool star = false;
	int ret;

	while ((ret = sip_list_next(v, &pos, &e)) == 1) {
		struct sip_contact c;
		int r;

		n++;
		if (contact)
			r = sip_contact_parse_at(&c, e.s, e.len, m->buf, err);
		else
			r = sip_nameaddr_parse_at(&c.na, e.s, e.len, m->buf, err);
		if (r) {
			err->status = status;
			return hdr_err(m, i, err);
		}
		star |= contact && c.star;
	}
	if (ret)
		return sip_hdr_fail(m, i, err, status, "empty or unbalanced list value");
	/* §10.3 step 6: "*" stands alone */
	if (star && (n > 1 || m->hdr[m->first[SIP_H_CONTACT]].next >= 0))
		return sip_hdr_fail(m, i, err, status, "Contact * with other contacts");
	return 0;
}

static int check_tokens(struct sip_msg *m, int i, int status,
			struct sip_err *err)
{
	struct sip_str v = m->hdr[i].value, e;
	uint32_t pos = 0;
	int ret;

	if (!v.len)
		return 0;
	while ((ret = sip_list_next(v, &pos, &e)) == 1)
		for (uint32_t k = 0; k < e.len; k++)
			if (!sip_is_token(e.s[k]))
				return sip_hdr_fail(m, i, err, status, "bad token in list");
	return ret ? sip_hdr_fail(m, i, err, status, "empty list value") : 0;
}

/* CSeq = 1*DIGIT LWS Method; the number is below 2**31 (§8.1.1.5). */
static int parse_cseq(struct sip_msg *m, int i, int status, struct sip_err *err)
{
	struct sip_str v = m->hdr[i].value;
	const char *p = v.s, *end = v.s + v.len, *q;
	uint64_t n;

	for (q = p; q < end && sip_is_digit(*q); q++)
		;
	if (sip_parse_uint(sip_str_make(p, q - p), INT32_MAX, &n))
		return sip_hdr_fail(m, i, err, status, "bad CSeq number");
	if (q == end || !sip_is_lws(*q))
		return sip_hdr_fail(m, i, err, status, "bad CSeq");
	p = sip_skip_lws(q, end);
	for (q = p; q < end && sip_is_token(*q); q++)
		;
	if (q == p || q != end)
		return sip_hdr_fail(m, i, err, status, "bad CSeq method");
	m->cseq.num = n;
	m->cseq.method_s = sip_str_make(p, q - p);
	m->cseq.method = sip_method_parse(m->cseq.method_s);
	return 0;
}

/* callid = word [ "@" word ] */
static bool callid_ok(struct sip_str v)
{
	static const char extra[] = "()<>:\\\"/[]?{}@";

	if (!v.len)
		return false;
	for (uint32_t i = 0; i < v.len; i++)
		if (!sip_is_token(v.s[i]) && !strchr(extra, v.s[i]))
			return false;
	return memchr(v.s, '@', v.len) == memrchr(v.s, '@', v.len);
}

static bool media_type_ok(struct sip_str v)
{
	const char *p = v.s, *end = v.s + v.len, *q;

	for (q = p; q < end && sip_is_token(*q); q++)
		;
	if (q == p || q == end)
		return false;
	p = sip_skip_lws(q, end);
	if (p == end || *p != '/')
		return false;
	p = sip_skip_lws(p + 1, end);
	for (q = p; q < end && sip_is_token(*q); q++)
		;
	return q > p;
}

/* delta-seconds: over 2**32-1 is taken as 2**32-1 (§20.19) */
static int delta_seconds(struct sip_str v, int64_t *out)
{
	uint64_t n;
	int ret = sip_parse_uint(v, UINT32_MAX, &n);

	if (ret == -EINVAL || !v.len)
		return -EBADMSG;
	*out = ret ? UINT32_MAX : n;
	return 0;
}

static int check_single(struct sip_msg *m, int i, int status,
			struct sip_err *err)
{
	struct sip_hdr *h = &m->hdr[i];
	uint64_t n;

	if (m->first[h->id] != i)
		return sip_hdr_fail(m, i, err, status, "header must appear once");
	switch (h->id) {
	case SIP_H_FROM:
	case SIP_H_TO:
		if (sip_nameaddr_parse_at(h->id == SIP_H_FROM ? &m->from : &m->to,
					  h->value.s, h->value.len, m->buf, err)) {
			err->status = status;
			return hdr_err(m, i, err);
		}
		return 0;
	case SIP_H_CALL_ID:
		m->call_id = h->value;
		return callid_ok(h->value) ? 0 : sip_hdr_fail(m, i, err, status, "bad Call-ID");
	case SIP_H_CSEQ:
		return parse_cseq(m, i, status, err);
	case SIP_H_MAX_FORWARDS:
		if (sip_parse_uint(h->value, 255, &n))
			return sip_hdr_fail(m, i, err, status, "bad Max-Forwards");
		m->max_forwards = n;
		return 0;
	case SIP_H_EXPIRES:
	case SIP_H_MIN_EXPIRES:
		if (delta_seconds(h->value, h->id == SIP_H_EXPIRES ? &m->expires
								 : &m->min_expires))
			return sip_hdr_fail(m, i, err, status, "bad delta-seconds");
		return 0;
	case SIP_H_CONTENT_TYPE:
		m->content_type = h->value;
		return media_type_ok(h->value) ? 0 : sip_hdr_fail(m, i, err, status, "bad Content-Type");
	}
	return 0;
}

static int check_header(struct sip_msg *m, int i, int status,
			struct sip_err *err)
{
	struct sip_auth a;

	switch (m->hdr[i].id) {
	case SIP_H_VIA:
		return check_vias(m, i, status, err);
	case SIP_H_CONTACT:
	case SIP_H_ROUTE:
	case SIP_H_RECORD_ROUTE:
	case SIP_H_PATH:
		return check_addrs(m, i, status, err);
	case SIP_H_SUPPORTED:
	case SIP_H_REQUIRE:
	case SIP_H_PROXY_REQUIRE:
	case SIP_H_UNSUPPORTED:
	case SIP_H_ALLOW:
		return check_tokens(m, i, status, err);
	case SIP_H_AUTHORIZATION:
	case SIP_H_PROXY_AUTHORIZATION:
	case SIP_H_WWW_AUTHENTICATE:
	case SIP_H_PROXY_AUTHENTICATE:
		if (sip_auth_parse(&a, m->hdr[i].value, NULL))
			return sip_hdr_fail(m, i, err, status, "bad credentials");
		return 0;
	case SIP_H_FROM:
	case SIP_H_TO:
	case SIP_H_CALL_ID:
	case SIP_H_CSEQ:
	case SIP_H_MAX_FORWARDS:
	case SIP_H_EXPIRES:
	case SIP_H_MIN_EXPIRES:
	case SIP_H_CONTENT_TYPE:
		return check_single(m, i, status, err);
	}
	return 0;
}

static int check_mandatory(struct sip_msg *m, int status, struct sip_err *err)
{
	static const struct {
		uint8_t id;
		const char *what;
	} need[] = {
		{ SIP_H_VIA, "missing Via" },	  { SIP_H_FROM, "missing From" },
		{ SIP_H_TO, "missing To" },	  { SIP_H_CALL_ID, "missing Call-ID" },
		{ SIP_H_CSEQ, "missing CSeq" },
	};

	for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++)
		if (m->first[need[k].id] < 0)
			return sip_fail(err, m->buf, m->start_line.s, status, need[k].what);
	return 0;
}

int sip_msg_validate(struct sip_msg *m, struct sip_err *err)
{
	int status = m->is_request ? 400 : 0;

	for (int i = 0; i < m->nhdrs; i++)
		if (check_header(m, i, status, err))
			return -EBADMSG;
	if (check_mandatory(m, status, err))
		return -EBADMSG;
	if (!m->is_request) {
		m->method = m->cseq.method;
		return 0;
	}
	/* §8.2.1 / RFC 4475 mismatch01-02: CSeq names the request's method */
	if (!sip_str_eq(m->cseq.method_s, m->method_s))
		return sip_hdr_fail(m, m->first[SIP_H_CSEQ], err, 400,
				    "CSeq method does not match the request");
	return 0;
}

/* Best effort after a failure: the fields an error response copies. */
void sip_msg_salvage(struct sip_msg *m, struct sip_err *err)
{
	struct sip_err ignore = { 0 };
	int i = m->first[SIP_H_VIA];
	struct sip_str e;
	uint32_t pos = 0;

	if (!m->nvia && i >= 0 && sip_list_next(m->hdr[i].value, &pos, &e) == 1) {
		const char *semi = memchr(e.s, ';', e.len);

		/* a broken parameter still leaves the sent-by to answer to */
		if (!sip_via_parse_at(&m->via, e.s, e.len, m->buf, &ignore) ||
		    (semi && !sip_via_parse_at(&m->via, e.s, semi - e.s, m->buf,
					      &ignore)))
			m->nvia = 1;
	}
	for (i = 0; i < m->nhdrs; i++) {
		struct sip_hdr *h = &m->hdr[i];

		memset(&ignore, 0, sizeof(ignore));
		if (h->id == SIP_H_CALL_ID && !m->call_id.len)
			m->call_id = h->value;
		else if (h->id == SIP_H_CSEQ && !m->cseq.method_s.len)
			parse_cseq(m, i, 0, &ignore);
		else if (h->id == SIP_H_FROM && !m->from.raw.len)
			sip_nameaddr_parse_at(&m->from, h->value.s, h->value.len, m->buf, &ignore);
		else if (h->id == SIP_H_TO && !m->to.raw.len)
			sip_nameaddr_parse_at(&m->to, h->value.s, h->value.len, m->buf, &ignore);
	}
	/* §18.2.2: a response goes where the top Via says; without one, drop */
	if (!m->nvia)
		err->status = 0;
}
