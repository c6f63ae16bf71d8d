// SPDX-License-Identifier: GPL-2.0
/*
 * SIP message framing: start line, header index, body (RFC 3261 §7, §18.3).
 * The structured header values are parsed in hdr.c and checked in
 * validate.c; this file only finds where things are.
 */
#include <errno.h>

#include "chars.h"
#include "msg.h"
#include "parse.h"

/* A stream peer that sends this much without an empty line is broken. */
#define SIP_MAX_STREAM_HEADERS 65536

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', end - p);

	return nl ? nl : end;
}

/* Length of a line without its CR, given the position of its LF. */
static const char *trim_cr(const char *start, const char *nl)
{
	return (nl > start && nl[-1] == '\r') ? nl - 1 : nl;
}

static int parse_version(struct sip_msg *m, struct sip_str v,
			 struct sip_err *err, int status)
{
	m->version = v;
	/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, literal case-insensitive */
	if (v.len < 7 || strncasecmp(v.s, "SIP/", 4))
		return sip_fail(err, m->buf, v.s, status, "bad SIP version");
	if (!sip_str_eq(sip_str_make(v.s + 4, v.len - 4), SIP_STR("2.0")))
		return sip_fail(err, m->buf, v.s, m->is_request ? 505 : 0,
				"unsupported SIP version");
	return 0;
}

/* Request-Line = Method SP Request-URI SP SIP-Version CRLF: single spaces. */
static int parse_request_line(struct sip_msg *m, const char *p,
			      const char *eol, struct sip_err *err)
{
	const char *sp1, *sp2;

	m->is_request = true;
	for (sp1 = p; sp1 < eol && sip_is_token(*sp1); sp1++)
		;
	if (sp1 == p || sp1 == eol || *sp1 != ' ')
		return sip_fail(err, m->buf, sp1, 400, "bad request method");
	m->method_s = sip_str_make(p, sp1 - p);
	m->method = sip_method_parse(m->method_s);
	sp2 = memchr(sp1 + 1, ' ', eol - sp1 - 1);
	if (!sp2)
		return sip_fail(err, m->buf, eol, 400, "request line has no SIP version");
	m->ruri_s = sip_str_make(sp1 + 1, sp2 - sp1 - 1);
	if (!m->ruri_s.len)
		return sip_fail(err, m->buf, sp2, 400, "extra space in request line");
	if (memchr(sp2 + 1, ' ', eol - sp2 - 1) || memchr(sp2 + 1, '\t', eol - sp2 - 1))
		return sip_fail(err, m->buf, sp2 + 1, 400,
				"extra space in request line");
	if (parse_version(m, sip_str_make(sp2 + 1, eol - sp2 - 1), err, 400))
		return -EBADMSG;
	if (sip_uri_parse(&m->ruri, m->ruri_s.s, m->ruri_s.len, err)) {
		/* the URI parser counts from the URI; we count from the message */
		err->offset += m->ruri_s.s - m->buf;
		return -EBADMSG;
	}
	/* §19.1.1: headers are not allowed in a Request-URI */
	if (m->ruri.headers.len)
		return sip_fail(err, m->buf, m->ruri_s.s, 400,
				"headers in Request-URI");
	return 0;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF */
static int parse_status_line(struct sip_msg *m, const char *p, const char *eol,
			     struct sip_err *err)
{
	const char *sp = memchr(p, ' ', eol - p), *q;
	unsigned int code = 0;

	m->is_request = false;
	if (!sp)
		return sip_fail(err, m->buf, eol, 0, "bad status line");
	if (parse_version(m, sip_str_make(p, sp - p), err, 0))
		return -EBADMSG;
	for (q = sp + 1; q < eol && sip_is_digit(*q) && q - sp <= 4; q++)
		code = code * 10 + (*q - '0');
	if (q - sp != 4 || (q < eol && *q != ' ') || code < 100 || code > 699)
		return sip_fail(err, m->buf, sp + 1, 0, "bad status code");
	m->status = code;
	/* RFC 4475 noreason: the reason phrase may be empty */
	m->reason = q < eol ? sip_str_make(q + 1, eol - q - 1) : SIP_STR_NULL;
	for (q = m->reason.s; q && q < eol; q++)
		if ((unsigned char)*q < 0x20 && *q != '\t')
			return sip_fail(err, m->buf, q, 0, "control character in reason phrase");
	return 0;
}

static int parse_start_line(struct sip_msg *m, const char **pp,
			    const char *end, struct sip_err *err)
{
	const char *p = *pp, *nl, *eol;

	/* §7.5: CRLFs before the start line are ignored */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	nl = line_end(p, end);
	if (nl == end)
		return sip_fail(err, m->buf, end, 0, "no complete start line");
	eol = trim_cr(p, nl);
	m->start_line = sip_str_make(p, eol - p);
	*pp = nl + 1;
	if (eol - p >= 4 && !strncasecmp(p, "SIP/", 4))
		return parse_status_line(m, p, eol, err);
	return parse_request_line(m, p, eol, err);
}

static int add_header(struct sip_msg *m, const char *start, const char *name_end,
		      const char *val, const char *val_end, const char *raw_end,
		      struct sip_err *err)
{
	struct sip_hdr *h;
	int16_t *link;

	if (m->nhdrs == SIP_MAX_HDRS)
		return sip_fail(err, m->buf, start, 513, "too many headers");
	h = &m->hdr[m->nhdrs];
	h->name = sip_str_make(start, name_end - start);
	h->id = sip_hdr_lookup(h->name);
	h->flags = 0;
	h->next = -1;
	h->value = sip_str_make(val, val_end - val);
	h->raw = sip_str_make(start, raw_end - start);
	h->newval = SIP_STR_NULL;
	/* append to the per-id chain, keeping message order */
	for (link = &m->first[h->id]; *link >= 0; link = &m->hdr[*link].next)
		;
	*link = m->nhdrs++;
	return 0;
}

/*
 * One header field: name HCOLON value, continued over folded lines (a line
 * end followed by SP or HTAB, §7.3.1).  Folds stay inside the value; the
 * value parsers treat CR and LF as white space.
 */
static int parse_header(struct sip_msg *m, const char **pp, const char *end,
			struct sip_err *err)
{
	const char *start = *pp, *p = start, *name_end, *val, *val_end, *nl;

	while (p < end && sip_is_token(*p))
		p++;
	name_end = p;
	if (name_end == start)
		return sip_fail(err, m->buf, start, 400, "bad header name");
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p != ':')
		return sip_fail(err, m->buf, p, 400, "header has no colon");
	nl = line_end(++p, end);
	while (nl + 1 < end && (nl[1] == ' ' || nl[1] == '\t'))
		nl = line_end(nl + 1, end);
	if (nl == end)
		return sip_fail(err, m->buf, end, 400, "message ends inside headers");
	val = p;
	val_end = nl;
	while (val < val_end && sip_is_lws(*val))
		val++;
	while (val_end > val && sip_is_lws(val_end[-1]))
		val_end--;
	*pp = nl + 1;
	return add_header(m, start, name_end, val, val_end, nl + 1, err);
}

static int parse_headers(struct sip_msg *m, const char **pp, const char *end,
			 struct sip_err *err)
{
	const char *p = *pp;

	for (;;) {
		if (p == end)
			return sip_fail(err, m->buf, end, 400,
					"message ends before the empty line");
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			*pp = p + (*p == '\r' ? 2 : 1);
			return 0;
		}
		if (*p == ' ' || *p == '\t')
			return sip_fail(err, m->buf, p, 400,
					"continuation line without a header");
		if (parse_header(m, &p, end, err))
			return -EBADMSG;
	}
}

int sip_parse_uint(struct sip_str v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!v.len || v.len > 20)
		return -ERANGE;
	for (uint32_t i = 0; i < v.len; i++) {
		if (!sip_is_digit(v.s[i]))
			return -EINVAL;
		if (n > (max - (v.s[i] - '0')) / 10)
			return -ERANGE;
		n = n * 10 + (v.s[i] - '0');
	}
	*out = n;
	return 0;
}

/* §18.3 and §20.14: one Content-Length, digits only. */
static int content_length(struct sip_msg *m, struct sip_err *err)
{
	int i = m->first[SIP_H_CONTENT_LENGTH];
	int status = m->is_request ? 400 : 0;
	uint64_t n;

	if (i < 0)
		return 0;
	m->content_length = -1;
	if (m->hdr[i].next >= 0)
		return sip_hdr_fail(m, m->hdr[i].next, err, status,
				    "more than one Content-Length");
	if (sip_parse_uint(m->hdr[i].value, UINT32_MAX, &n))
		return sip_hdr_fail(m, i, err, status, "bad Content-Length");
	m->content_length = n;
	return 0;
}

static int find_body(struct sip_msg *m, const char *p, const char *end,
		     int flags, struct sip_err *err)
{
	int status = m->is_request ? 400 : 0;
	size_t avail = end - p;

	if (content_length(m, err))
		return -EBADMSG;
	if (m->content_length < 0) {
		if (flags & SIP_PARSE_STREAM)
			return sip_fail(err, m->buf, p, status,
					"Content-Length missing on a stream");
		m->body = sip_str_make(p, avail);
	} else if ((uint64_t)m->content_length > avail) {
		return sip_hdr_fail(m, m->first[SIP_H_CONTENT_LENGTH], err,
				    status, "Content-Length exceeds the message");
	} else {
		/* §18.3: octets past Content-Length in a datagram are dropped */
		m->body = sip_str_make(p, m->content_length);
	}
	m->len = m->body.s + m->body.len - m->buf;
	return 0;
}

static void msg_reset(struct sip_msg *m, const char *buf, size_t len)
{
	/* The header array and the scratch arena are not cleared: too big. */
	memset(m, 0, offsetof(struct sip_msg, hdr));
	memset(m->first, 0xff, sizeof(m->first));
	memset(&m->nvia, 0, offsetof(struct sip_msg, scratch) -
				    offsetof(struct sip_msg, nvia));
	m->buf = buf;
	m->len = len;
	m->max_forwards = -1;
	m->expires = -1;
	m->min_expires = -1;
	m->content_length = -1;
}

int sip_msg_parse(struct sip_msg *m, const char *buf, size_t len, int flags,
		  struct sip_err *err)
{
	const char *p = buf, *end = buf + len;
	struct sip_err dummy;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (len > UINT32_MAX)
		return sip_fail(err, buf, buf, 513, "message too large");
	msg_reset(m, buf, len);
	if (parse_start_line(m, &p, end, err)) {
		struct sip_err ignore = { 0 };

		/* index the headers anyway: the answer needs the Via */
		if (m->start_line.s)
			parse_headers(m, &p, end, &ignore);
		goto fail;
	}
	if (parse_headers(m, &p, end, err))
		goto fail;
	if (find_body(m, p, end, flags, err))
		goto fail;
	if (sip_msg_validate(m, err))
		goto fail;
	return 0;
fail:
	/* Parse what we can so the caller can still answer (and log). */
	sip_msg_salvage(m, err);
	return -EBADMSG;
}

/* The Content-Length of a header block, or -1 when it has none. */
static int64_t frame_content_length(const char *p, const char *hend,
				    const char *buf, struct sip_err *err)
{
	int64_t cl = -1;
	uint64_t n;

	for (p = line_end(p, hend) + 1; p < hend; p = line_end(p, hend) + 1) {
		const char *c = p, *v;

		while (c < hend && sip_is_token(*c))
			c++;
		if (sip_hdr_lookup(sip_str_make(p, c - p)) != SIP_H_CONTENT_LENGTH)
			continue;
		while (c < hend && (*c == ' ' || *c == '\t' || *c == ':'))
			c++;
		for (v = c; v < hend && sip_is_digit(*v); v++)
			;
		if (cl >= 0 || sip_parse_uint(sip_str_make(c, v - c), UINT32_MAX, &n))
			return sip_fail(err, buf, c, 400, "bad Content-Length");
		cl = n;
	}
	return cl;
}

ssize_t sip_msg_frame(const char *buf, size_t len, struct sip_err *err)
{
	const char *p = buf, *end = buf + len, *hend;
	int64_t cl;

	/* RFC 5626 §3.5.1 keep-alives: CRLFs between messages */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end || p > buf)
		return p - buf;
	hend = memmem(p, end - p, "\r\n\r\n", 4);
	if (!hend) {
		if (len > SIP_MAX_STREAM_HEADERS)
			return sip_fail(err, buf, end, 513, "header block too long");
		return 0;
	}
	hend += 4;
	cl = frame_content_length(p, hend, buf, err);
	if (cl == -EBADMSG)
		return -EBADMSG;
	if (cl < 0)
		return sip_fail(err, buf, hend, 400,
				"Content-Length missing on a stream");
	if (end - hend < cl)
		return 0;
	return hend - buf + cl;
}
