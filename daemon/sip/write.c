// SPDX-License-Identifier: GPL-2.0
/*
 * A proxy's edits (RFC 3261 §16.6: Request-URI, Via, Record-Route, Route,
 * Max-Forwards; body rewriting for media anchoring) and the serializer
 * that applies them.  Headers nobody touched are copied as received,
 * folding and odd spacing included, so a message is changed only where
 * the proxy meant to change it.
 */
#include <errno.h>
#include <stdio.h>

#include "msg.h"
#include "parse.h"

static int scratch_copy(struct sip_msg *m, struct sip_str src,
			struct sip_str *dst)
{
	if (src.len > SIP_SCRATCH - m->scratch_used)
		return -ENOSPC;
	memcpy(m->scratch + m->scratch_used, src.s, src.len);
	*dst = sip_str_make(m->scratch + m->scratch_used, src.len);
	m->scratch_used += src.len;
	return 0;
}

int sip_set_ruri(struct sip_msg *m, struct sip_str uri)
{
	return scratch_copy(m, uri, &m->new_ruri);
}

static int add(struct sip_msg *m, int before, uint8_t id, struct sip_str name,
	       struct sip_str value)
{
	struct sip_add *a;

	if (m->nadds == SIP_MAX_ADDS || before >= m->nhdrs)
		return before >= m->nhdrs ? -EINVAL : -ENOSPC;
	a = &m->adds[m->nadds];
	if (scratch_copy(m, value, &a->value))
		return -ENOSPC;
	a->before = before;
	a->id = id;
	a->name = name;
	m->nadds++;
	return 0;
}

int sip_hdr_add(struct sip_msg *m, int before, enum sip_hdr_id id,
		struct sip_str value)
{
	const char *name = sip_hdr_name(id);

	if (!name)
		return -EINVAL;
	return add(m, before, id, sip_str_cstr(name), value);
}

int sip_hdr_add_named(struct sip_msg *m, int before, struct sip_str name,
		      struct sip_str value)
{
	struct sip_str copy;

	if (scratch_copy(m, name, &copy))
		return -ENOSPC;
	return add(m, before, sip_hdr_lookup(name), copy, value);
}

int sip_hdr_del(struct sip_msg *m, int idx)
{
	if (idx < 0 || idx >= m->nhdrs)
		return -EINVAL;
	m->hdr[idx].flags |= SIP_HDR_DELETED;
	return 0;
}

int sip_hdr_set(struct sip_msg *m, int idx, struct sip_str value)
{
	if (idx < 0 || idx >= m->nhdrs)
		return -EINVAL;
	if (scratch_copy(m, value, &m->hdr[idx].newval))
		return -ENOSPC;
	m->hdr[idx].flags |= SIP_HDR_REPLACED;
	return 0;
}

/* The first header with @id that an edit has not deleted, or -1. */
static int first_live(const struct sip_msg *m, enum sip_hdr_id id)
{
	int i = m->first[id];

	while (i >= 0 && (m->hdr[i].flags & SIP_HDR_DELETED))
		i = m->hdr[i].next;
	return i;
}

int sip_via_push(struct sip_msg *m, struct sip_str value)
{
	int i = first_live(m, SIP_H_VIA);

	return sip_hdr_add(m, i < 0 ? 0 : i, SIP_H_VIA, value);
}

int sip_rr_push(struct sip_msg *m, struct sip_str value)
{
	int i = first_live(m, SIP_H_RECORD_ROUTE);

	return sip_hdr_add(m, i < 0 ? 0 : i, SIP_H_RECORD_ROUTE, value);
}

/*
 * Drop the first value of a possibly multi-valued line: the rest of the
 * line stays as it was received (zero-copy: newval points into it).
 */
static int pop_first(struct sip_msg *m, enum sip_hdr_id id)
{
	int i = first_live(m, id);
	struct sip_hdr *h;
	struct sip_str v, e;
	uint32_t pos = 0;

	if (i < 0)
		return -ENOENT;
	h = &m->hdr[i];
	v = (h->flags & SIP_HDR_REPLACED) ? h->newval : h->value;
	if (sip_list_next(v, &pos, &e) != 1)
		return -EBADMSG;
	if (pos > v.len) {
		h->flags |= SIP_HDR_DELETED;
		return 0;
	}
	e.s = sip_skip_lws(v.s + pos, v.s + v.len);
	h->newval = sip_str_make(e.s, v.s + v.len - e.s);
	h->flags |= SIP_HDR_REPLACED;
	return 0;
}

int sip_via_pop(struct sip_msg *m)
{
	return pop_first(m, SIP_H_VIA);
}

int sip_route_pop(struct sip_msg *m)
{
	return pop_first(m, SIP_H_ROUTE);
}

int sip_set_body(struct sip_msg *m, struct sip_str body)
{
	/* the body is large: it is referenced, not copied */
	m->new_body = body;
	m->body_set = true;
	return 0;
}


static void put_str(struct out *o, struct sip_str s)
{
	put(o, s.s, s.len);
}

static void put_hdr(struct out *o, struct sip_str name, struct sip_str value)
{
	put_str(o, name);
	put(o, ": ", 2);
	put_str(o, value);
	put(o, "\r\n", 2);
}

static void put_adds(struct out *o, const struct sip_msg *m, int before)
{
	for (int k = 0; k < m->nadds; k++)
		if (m->adds[k].before == before)
			put_hdr(o, m->adds[k].name, m->adds[k].value);
}

static void put_start_line(struct out *o, const struct sip_msg *m)
{
	if (m->is_request && m->new_ruri.len) {
		put_str(o, m->method_s);
		put(o, " ", 1);
		put_str(o, m->new_ruri);
		put(o, " ", 1);
		put_str(o, m->version);
		put(o, "\r\n", 2);
		return;
	}
	/* the line end as received: up to the first header, or the body */
	put(o, m->start_line.s,
	    (m->nhdrs ? m->hdr[0].raw.s : m->body.s) - m->start_line.s);
}

static void put_content_length(struct out *o, const struct sip_hdr *h,
			       uint32_t len)
{
	char num[16];
	int n = snprintf(num, sizeof(num), "%u", len);

	put_hdr(o, h ? h->name : SIP_STR("Content-Length"), sip_str_make(num, n));
}

ssize_t sip_msg_write(const struct sip_msg *m, char *buf, size_t size)
{
	struct out o = { buf, buf + size, false };
	struct sip_str body = m->body_set ? m->new_body : m->body;
	bool have_cl = false;

	put_start_line(&o, m);
	for (int i = 0; i < m->nhdrs; i++) {
		const struct sip_hdr *h = &m->hdr[i];

		put_adds(&o, m, i);
		if (h->flags & SIP_HDR_DELETED)
			continue;
		if (h->id == SIP_H_CONTENT_LENGTH) {
			have_cl = true;
			if (m->body_set) {
				put_content_length(&o, h, body.len);
				continue;
			}
		}
		if (h->flags & SIP_HDR_REPLACED)
			put_hdr(&o, h->name, h->newval);
		else
			put_str(&o, h->raw);
	}
	put_adds(&o, m, -1);
	if (!have_cl)
		put_content_length(&o, NULL, body.len);
	/* the empty line as received (CRLF, or a lenient lone LF) */
	if (m->nhdrs) {
		const struct sip_hdr *last = &m->hdr[m->nhdrs - 1];

		put(&o, last->raw.s + last->raw.len,
		    m->body.s - (last->raw.s + last->raw.len));
	} else {
		put(&o, "\r\n", 2);
	}
	put_str(&o, body);
	return o.full ? -ENOSPC : o.p - buf;
}
