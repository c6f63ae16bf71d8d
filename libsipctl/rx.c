// SPDX-License-Identifier: GPL-2.0
/*
 * The replies to a request, datagram by datagram: acks, errors with the
 * kernel's extended ack, a dump's parts and its end, matched to the
 * request (or the request of a batch) by sequence number.  The
 * attribute an extack names by offset is found in the request we sent
 * and named by the attribute tables of msg.c: "flow.local.port".
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/sipfp.h>

#include "internal.h"

/* --- naming attributes of a request --- */

static const struct sctl_space *walk(const char *p, size_t len, size_t pos,
				     uint32_t offset,
				     const struct sctl_space *sp, char *buf,
				     size_t size);

/* One attribute at @pos of the message: is @offset it, or inside it? */
static const struct sctl_space *walk_one(const struct nlattr *at, size_t pos,
					 uint32_t offset,
					 const struct sctl_space *sp, char *buf,
					 size_t size)
{
	uint16_t type = mnl_attr_get_type(at);
	const struct sctl_desc *d = type <= sp->max ? &sp->d[type] : NULL;
	size_t n = strlen(buf);

	if (!d || !d->name)
		return NULL;
	snprintf(buf + n, size - n, "%s%s", n ? "." : "", d->name);
	if (offset == pos)
		return d->nest ? d->nest : sp;
	if (d->len != SCTL_NEST || !d->nest)
		return NULL;
	return walk(mnl_attr_get_payload(at), mnl_attr_get_payload_len(at),
		    pos + MNL_ATTR_HDRLEN, offset, d->nest, buf, size);
}

static const struct sctl_space *walk(const char *p, size_t len, size_t pos,
				     uint32_t offset,
				     const struct sctl_space *sp, char *buf,
				     size_t size)
{
	const struct nlattr *at = (const struct nlattr *)p;
	int left = len > INT_MAX ? 0 : (int)len;

	for (; mnl_attr_ok(at, left); at = mnl_attr_next(at)) {
		size_t at_pos = pos + ((const char *)at - p);

		left = (int)len - (int)((const char *)mnl_attr_next(at) - p);
		if (offset < at_pos || offset >= at_pos + at->nla_len)
			continue;
		return walk_one(at, at_pos, offset, sp, buf, size);
	}
	return NULL;
}

/* The space of the nest at @offset (or the top's for 0), and its name. */
static const struct sctl_space *nest_at(const struct nlmsghdr *req,
					uint32_t offset, char *buf, size_t size)
{
	size_t hdr = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));

	buf[0] = 0;
	if (!offset)
		return &sctl_top_space;
	if (req->nlmsg_len < hdr)
		return NULL;
	return walk((const char *)req + hdr, req->nlmsg_len - hdr, hdr, offset,
		    &sctl_top_space, buf, size);
}

int sctl_attr_name(const struct nlmsghdr *req, size_t req_len, uint32_t offset,
		   char *buf, size_t size)
{
	if (!size || req_len < MNL_NLMSG_HDRLEN || req->nlmsg_len > req_len ||
	    !offset || !nest_at(req, offset, buf, size) || !buf[0])
		return -ENOENT;
	return 0;
}

/* "flow.local" + "." + the name of @type in that nest's space */
static int missing_name(const struct nlmsghdr *req, uint32_t nest,
			uint32_t type, char *buf, size_t size)
{
	const struct sctl_space *sp = nest_at(req, nest, buf, size);
	size_t n = strlen(buf);

	if (!sp || type > sp->max || !sp->d[type].name)
		return -ENOENT;
	snprintf(buf + n, size - n, "%s%s", n ? "." : "", sp->d[type].name);
	return 0;
}

/* --- replies --- */

bool sctl_msg_ok(const struct nlmsghdr *nlh, size_t left)
{
	return left >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= left;
}

const struct nlmsghdr *sctl_msg_next(const struct nlmsghdr *nlh, size_t *left)
{
	size_t step = MNL_ALIGN(nlh->nlmsg_len);

	/* the last message of a datagram may lack its padding */
	if (step > *left)
		step = *left;
	*left -= step;
	return (const struct nlmsghdr *)((const char *)nlh + step);
}

/* The request of a batch that bore @seq, or NULL. */
static const struct nlmsghdr *req_of(const struct sctl_rx *rx, uint32_t seq)
{
	const struct nlmsghdr *nlh = rx->req;
	size_t left = rx->req_len;

	if (!nlh)
		return NULL;
	for (; sctl_msg_ok(nlh, left); nlh = sctl_msg_next(nlh, &left))
		if (nlh->nlmsg_seq == seq)
			return nlh;
	return NULL;
}

struct ext {
	const char *msg;
	bool has_offs, has_miss, has_nest;
	uint32_t offs, miss, nest;
};

static int ext_one(const struct nlattr *at, void *data)
{
	struct ext *e = data;

	switch (mnl_attr_get_type(at)) {
	case NLMSGERR_ATTR_MSG:
		if (sctl_str_ok(at))
			e->msg = mnl_attr_get_str(at);
		break;
	case NLMSGERR_ATTR_OFFS:
	case NLMSGERR_ATTR_MISS_TYPE:
	case NLMSGERR_ATTR_MISS_NEST:
		if (mnl_attr_get_payload_len(at) != 4)
			break;
		if (mnl_attr_get_type(at) == NLMSGERR_ATTR_OFFS) {
			e->has_offs = true;
			e->offs = sctl_get_u32(at);
		} else if (mnl_attr_get_type(at) == NLMSGERR_ATTR_MISS_TYPE) {
			e->has_miss = true;
			e->miss = sctl_get_u32(at);
		} else {
			e->has_nest = true;
			e->nest = sctl_get_u32(at);
		}
		break;
	}
	return MNL_CB_OK;
}

/* The kernel's words, with the attribute at fault named. */
static void explain(struct sctl_rx *rx, const struct ext *e,
		    const struct nlmsghdr *req)
{
	char name[128];
	size_t n;

	if (!rx->msg || !rx->msg_size)
		return;
	snprintf(rx->msg, rx->msg_size, "%s", e->msg ? e->msg : "");
	n = strlen(rx->msg);
	if (req && e->has_offs &&
	    !sctl_attr_name(req, req->nlmsg_len, e->offs, name, sizeof(name)))
		snprintf(rx->msg + n, rx->msg_size - n, "%sattribute %s%s",
			 n ? " (" : "", name, n ? ")" : "");
	else if (req && e->has_miss &&
		 !missing_name(req, e->has_nest ? e->nest : 0, e->miss, name,
			       sizeof(name)))
		snprintf(rx->msg + n, rx->msg_size - n,
			 "%smissing attribute %s%s", n ? " (" : "", name,
			 n ? ")" : "");
}

/* The TLVs after an error's or DONE's fixed part, at @off of its payload. */
static void ext_parse(struct sctl_rx *rx, const struct nlmsghdr *nlh,
		      size_t off)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	struct ext e = { 0 };

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= plen)
		return;
	mnl_attr_parse_payload((const char *)mnl_nlmsg_get_payload(nlh) + off,
			       plen - off, ext_one, &e);
	if (e.msg || e.has_offs || e.has_miss)
		explain(rx, &e, req_of(rx, nlh->nlmsg_seq));
}

static int parse_error(struct sctl_rx *rx, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh), off;
	int err;

	if (plen < sizeof(*e))
		return -EPROTO;
	err = e->error > 0 ? -EPROTO : e->error;
	if (!err)
		return 0;
	off = nlh->nlmsg_flags & NLM_F_CAPPED ?
		      sizeof(*e) :
		      sizeof(e->error) + (size_t)e->msg.nlmsg_len;
	ext_parse(rx, nlh, MNL_ALIGN(off));
	return err;
}

static int parse_done(struct sctl_rx *rx, const struct nlmsghdr *nlh)
{
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err > 0)
		err = -EPROTO;
	if (err)
		ext_parse(rx, nlh, MNL_ALIGN(sizeof(err)));
	return err;
}

static void record(struct sctl_rx *rx, uint32_t i, int err)
{
	if (rx->errs)
		rx->errs[i] = err;
	if (err && !rx->err)
		rx->err = err;
	if (++rx->acked >= rx->n)
		rx->done = true;
}

static void rx_one(struct sctl_rx *rx, const struct nlmsghdr *nlh)
{
	uint32_t i = nlh->nlmsg_seq - rx->seq;

	if (i >= rx->n || (rx->portid && nlh->nlmsg_pid != rx->portid))
		return;
	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return;
	case NLMSG_ERROR:
		record(rx, i, parse_error(rx, nlh));
		return;
	case NLMSG_DONE:
		record(rx, i, parse_done(rx, nlh));
		return;
	case NLMSG_OVERRUN:
		record(rx, i, -EIO);
		return;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		rx->intr = true;
	if (rx->cb && !rx->cb_ret)
		rx->cb_ret = rx->cb(nlh, rx->arg);
}

int sctl_rx_feed(struct sctl_rx *rx, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	if (!sctl_msg_ok(nlh, len))
		return -EPROTO;
	for (; sctl_msg_ok(nlh, len) && !rx->done;
	     nlh = sctl_msg_next(nlh, &len))
		rx_one(rx, nlh);
	return 0;
}
