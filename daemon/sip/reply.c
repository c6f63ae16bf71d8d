// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>

#include "parse.h"
#include "reply.h"

struct reason {
	int status;
	const char *text;
};

/* RFC 3261 §21 and the extensions a proxy and registrar send. */
static const struct reason reasons[] = {
	{ 100, "Trying" },
	{ 180, "Ringing" },
	{ 181, "Call Is Being Forwarded" },
	{ 182, "Queued" },
	{ 183, "Session Progress" },
	{ 200, "OK" },
	{ 202, "Accepted" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Moved Temporarily" },
	{ 305, "Use Proxy" },
	{ 380, "Alternative Service" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 410, "Gone" },
	{ 413, "Request Entity Too Large" },
	{ 414, "Request-URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Unsupported URI Scheme" },
	{ 420, "Bad Extension" },
	{ 421, "Extension Required" },
	{ 423, "Interval Too Brief" },
	{ 480, "Temporarily Unavailable" },
	{ 481, "Call/Transaction Does Not Exist" },
	{ 482, "Loop Detected" },
	{ 483, "Too Many Hops" },
	{ 484, "Address Incomplete" },
	{ 485, "Ambiguous" },
	{ 486, "Busy Here" },
	{ 487, "Request Terminated" },
	{ 488, "Not Acceptable Here" },
	{ 491, "Request Pending" },
	{ 493, "Undecipherable" },
	{ 500, "Server Internal Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Server Time-out" },
	{ 505, "Version Not Supported" },
	{ 513, "Message Too Large" },
	{ 600, "Busy Everywhere" },
	{ 603, "Decline" },
	{ 604, "Does Not Exist Anywhere" },
	{ 606, "Not Acceptable" },
};

const char *sip_reason(int status)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].text;
	return "Unknown";
}


static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_line(struct out *o, struct sip_str name, struct sip_str value)
{
	put(o, name.s, name.len);
	put(o, ": ", 2);
	put(o, value.s, value.len);
	put(o, "\r\n", 2);
}

static void put_hdrs(struct out *o, const struct sip_msg *m, enum sip_hdr_id id,
		     struct sip_str tag)
{
	for (int i = m->first[id]; i >= 0; i = m->hdr[i].next) {
		const struct sip_hdr *h = &m->hdr[i];

		if (h->flags & SIP_HDR_DELETED)
			continue;
		if (tag.len) {
			/* §8.2.6.2: the UAS adds a tag to To */
			put(o, h->name.s, h->name.len);
			put(o, ": ", 2);
			put(o, h->value.s, h->value.len);
			put(o, ";tag=", 5);
			put(o, tag.s, tag.len);
			put(o, "\r\n", 2);
		} else if (h->flags & SIP_HDR_REPLACED) {
			put_line(o, h->name, h->newval);
		} else {
			put_line(o, h->name, h->value);
		}
	}
}

ssize_t sip_reply_write(const struct sip_msg *req, const struct sip_reply *r,
			char *out, size_t size)
{
	struct out o = { out, out + size, false };
	struct sip_str tag = SIP_STR_NULL;
	char line[64];
	int n;

	n = snprintf(line, sizeof(line), "SIP/2.0 %d ", r->status);
	put(&o, line, n);
	puts_(&o, r->reason ? r->reason : sip_reason(r->status));
	put(&o, "\r\n", 2);
	put_hdrs(&o, req, SIP_H_VIA, SIP_STR_NULL);
	put_hdrs(&o, req, SIP_H_FROM, SIP_STR_NULL);
	if (r->status > 100 && !req->to.tag.len && req->to.raw.len)
		tag = r->to_tag;
	put_hdrs(&o, req, SIP_H_TO, tag);
	put_hdrs(&o, req, SIP_H_CALL_ID, SIP_STR_NULL);
	put_hdrs(&o, req, SIP_H_CSEQ, SIP_STR_NULL);
	if (r->extra)
		puts_(&o, r->extra);
	if (r->body.len) {
		put_line(&o, SIP_STR("Content-Type"), r->ctype);
	}
	n = snprintf(line, sizeof(line), "Content-Length: %u\r\n\r\n", r->body.len);
	put(&o, line, n);
	put(&o, r->body.s, r->body.len);
	return o.full ? -ENOSPC : o.p - out;
}

/* The top via-parm with rport filled in and received appended. */
static int stamp_top(const struct sip_via *v, const char *ip, uint16_t port,
		     char *buf, size_t size)
{
	/* params.s - 1 is the ';' that opened the parameters */
	const char *p = v->params.s ? v->params.s - 1 : NULL;
	const char *end = p ? v->params.s + v->params.len : NULL;
	const char *head = sip_trim_lws(v->raw.s, p ? p : v->raw.s + v->raw.len);
	struct sip_str name, val;
	int n;

	n = snprintf(buf, size, "%.*s", (int)(head - v->raw.s), v->raw.s);
	while (p && sip_param_next(&p, end, &name, &val) == 1) {
		if (sip_str_caseeq_lit(name, "received"))
			continue;
		if (sip_str_caseeq_lit(name, "rport"))
			n += snprintf(buf + n, size - n, ";rport=%u", port);
		else if (val.len)
			n += snprintf(buf + n, size - n, ";%.*s=%.*s", SIP_STR_FMT(name),
				      SIP_STR_FMT(val));
		else
			n += snprintf(buf + n, size - n, ";%.*s", SIP_STR_FMT(name));
		if ((size_t)n >= size)
			return -ENOSPC;
	}
	n += snprintf(buf + n, size - n, ";received=%s", ip);
	return (size_t)n >= size ? -ENOSPC : n;
}

/* An IPv6 reference without its brackets, to compare with a printed address. */
static struct sip_str host_bare(struct sip_str h)
{
	if (h.len >= 2 && h.s[0] == '[' && h.s[h.len - 1] == ']')
		return sip_str_make(h.s + 1, h.len - 2);
	return h;
}

int sip_via_stamp(struct sip_msg *m, const char *ip, uint16_t port)
{
	int i = m->first[SIP_H_VIA];
	const struct sip_hdr *h;
	char buf[1024];
	int n;

	if (i < 0 || !m->nvia)
		return -ENOENT;
	/* §18.2.1: received only when sent-by is not the source address */
	if (!m->via.rport && sip_str_caseeq(host_bare(m->via.host), sip_str_cstr(ip)))
		return 0;
	n = stamp_top(&m->via, ip, port, buf, sizeof(buf));
	if (n < 0)
		return n;
	h = &m->hdr[i];
	/* the rest of the line after the top via-parm, as received */
	if (m->via.raw.s + m->via.raw.len < h->value.s + h->value.len) {
		const char *rest = m->via.raw.s + m->via.raw.len;
		size_t len = h->value.s + h->value.len - rest;

		if (n + len >= sizeof(buf))
			return -ENOSPC;
		memcpy(buf + n, rest, len);
		n += len;
	}
	return sip_hdr_set(m, i, sip_str_make(buf, n));
}
