// SPDX-License-Identifier: GPL-2.0
/*
 * The sipfp netlink messages, in and out of bytes.  Nothing here owns a
 * socket: requests are built into the caller's buffer and replies fed
 * from the caller's, which is what lets the unit tests and the fuzzer
 * drive all of it.
 *
 * Replies are parsed against one table per attribute space, giving each
 * attribute's exact length (the kernel's policy is exact too) or its
 * nested space; an attribute this library does not know is skipped, so
 * a newer module can add some, but one it knows at a wrong length makes
 * the whole message -EPROTO.  The same tables name attributes in the
 * kernel's extack offsets.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/sipfp.h>

#include "internal.h"

#define SPACE(t)                                \
	{                                       \
		t, sizeof(t) / sizeof(t[0]) - 1 \
	}

static const struct sctl_desc ep_d[] = {
	[SIPFP_EP_A_ADDR4] = { "addr4", 4 },
	[SIPFP_EP_A_ADDR6] = { "addr6", 16 },
	[SIPFP_EP_A_PORT] = { "port", 2 },
};
static const struct sctl_space ep_s = SPACE(ep_d);

static const struct sctl_desc cnt_d[] = {
	[SIPFP_CNT_A_PACKETS] = { "packets", 8 },
	[SIPFP_CNT_A_BYTES] = { "bytes", 8 },
	[SIPFP_CNT_A_DROP_SOURCE] = { "drop-source", 8 },
	[SIPFP_CNT_A_DROP_NO_PEER] = { "drop-no-peer", 8 },
	[SIPFP_CNT_A_DROP_ROUTE] = { "drop-route", 8 },
	[SIPFP_CNT_A_IDLE_MS] = { "idle-ms", 8 },
	[SIPFP_CNT_A_SSRC] = { "ssrc", 4 },
	[SIPFP_CNT_A_EXT_MAX_SEQ] = { "ext-max-seq", 4 },
	[SIPFP_CNT_A_EXPECTED] = { "expected", 8 },
	[SIPFP_CNT_A_LOST] = { "lost", 8 },
	[SIPFP_CNT_A_JITTER] = { "jitter", 4 },
};
static const struct sctl_space cnt_s = SPACE(cnt_d);

static const struct sctl_desc flow_d[] = {
	[SIPFP_FLOW_A_COOKIE] = { "cookie", 8 },
	[SIPFP_FLOW_A_LOCAL] = { "local", SCTL_NEST, &ep_s },
	[SIPFP_FLOW_A_OUT] = { "out", SCTL_NEST, &ep_s },
	[SIPFP_FLOW_A_PEER] = { "peer", SCTL_NEST, &ep_s },
	[SIPFP_FLOW_A_SRC_MODE] = { "src-mode", 1 },
	[SIPFP_FLOW_A_SRC] = { "src", SCTL_NEST, &ep_s },
	[SIPFP_FLOW_A_LATCH_MS] = { "latch-ms", 4 },
	[SIPFP_FLOW_A_FLAGS] = { "flags", 4 },
	[SIPFP_FLOW_A_DSCP] = { "dscp", 1 },
	[SIPFP_FLOW_A_CLOCK_RATE] = { "clock-rate", 4 },
	[SIPFP_FLOW_A_IDLE_MS] = { "idle-ms", 4 },
	[SIPFP_FLOW_A_TIMEOUT_MS] = { "timeout-ms", 4 },
	[SIPFP_FLOW_A_LATCHED] = { "latched", SCTL_NEST, &ep_s },
	[SIPFP_FLOW_A_COUNTERS] = { "counters", SCTL_NEST, &cnt_s },
};
static const struct sctl_space flow_s = SPACE(flow_d);

static const struct sctl_desc stats_d[] = {
	[SIPFP_STATS_A_FLOWS] = { "flows", 4 },
	[SIPFP_STATS_A_MAX_FLOWS] = { "max-flows", 4 },
	[SIPFP_STATS_A_PACKETS] = { "packets", 8 },
	[SIPFP_STATS_A_BYTES] = { "bytes", 8 },
	[SIPFP_STATS_A_DROP_SOURCE] = { "drop-source", 8 },
	[SIPFP_STATS_A_DROP_NO_PEER] = { "drop-no-peer", 8 },
	[SIPFP_STATS_A_DROP_ROUTE] = { "drop-route", 8 },
	[SIPFP_STATS_A_PASSED] = { "passed", 8 },
	[SIPFP_STATS_A_EXPIRED] = { "expired", 8 },
};
static const struct sctl_space stats_s = SPACE(stats_d);

static const struct sctl_desc top_d[] = {
	[SIPFP_A_FLOW] = { "flow", SCTL_NEST, &flow_s },
	[SIPFP_A_STATS] = { "stats", SCTL_NEST, &stats_s },
	[SIPFP_A_EVENT] = { "event", 1 },
	[SIPFP_A_SOURCE] = { "source", SCTL_NEST, &ep_s },
	[SIPFP_A_REASON] = { "reason", 1 },
	[SIPFP_A_COOKIE] = { "cookie", 8 },
	[SIPFP_A_COOKIE_MASK] = { "cookie-mask", 8 },
};
const struct sctl_space sctl_top_space = SPACE(top_d);
static const struct sctl_space *const top = &sctl_top_space;

static const struct sctl_desc grp_d[] = {
	[CTRL_ATTR_MCAST_GRP_NAME] = { "name", SCTL_STR },
	[CTRL_ATTR_MCAST_GRP_ID] = { "id", 4 },
};
static const struct sctl_space grp_s = SPACE(grp_d);

static const struct sctl_desc ctrl_d[] = {
	[CTRL_ATTR_FAMILY_ID] = { "family-id", 2 },
	[CTRL_ATTR_FAMILY_NAME] = { "family-name", SCTL_STR },
	/* an array: each entry's type is its index, its payload a group */
	[CTRL_ATTR_MCAST_GROUPS] = { "mcast-groups", SCTL_NEST },
};
static const struct sctl_space ctrl_s = SPACE(ctrl_d);

/* --- requests --- */

struct nlmsghdr *sctl_msg_start(void *buf, size_t size, uint16_t family,
				uint8_t cmd, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)))
		return NULL;
	memset(buf, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*g)));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = SIPFP_GENL_VERSION;
	return nlh;
}

/* ::ffff:a.b.c.d as a.b.c.d: the kernel compares addresses as given. */
static void addr_norm(union sipctl_addr *dst, const union sipctl_addr *a)
{
	*dst = *a;
	if (a->sa.sa_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&a->sin6.sin6_addr))
		return;
	memset(dst, 0, sizeof(*dst));
	dst->sin.sin_family = AF_INET;
	dst->sin.sin_port = a->sin6.sin6_port;
	memcpy(&dst->sin.sin_addr, &a->sin6.sin6_addr.s6_addr[12], 4);
}

static int put_ep(struct nlmsghdr *nlh, size_t size, uint16_t type,
		  const union sipctl_addr *a)
{
	union sipctl_addr n;
	struct nlattr *nest;
	bool ok;

	addr_norm(&n, a);
	if (n.sa.sa_family != AF_INET && n.sa.sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	nest = mnl_attr_nest_start_check(nlh, size, type);
	if (!nest)
		return -EMSGSIZE;
	if (n.sa.sa_family == AF_INET)
		ok = mnl_attr_put_check(nlh, size, SIPFP_EP_A_ADDR4, 4,
					&n.sin.sin_addr) &&
		     mnl_attr_put_check(nlh, size, SIPFP_EP_A_PORT, 2,
					&n.sin.sin_port);
	else
		ok = mnl_attr_put_check(nlh, size, SIPFP_EP_A_ADDR6, 16,
					&n.sin6.sin6_addr) &&
		     mnl_attr_put_check(nlh, size, SIPFP_EP_A_PORT, 2,
					&n.sin6.sin6_port);
	if (!ok)
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* The endpoints of a flow, by has bit. */
static const struct {
	uint32_t bit;
	uint16_t type;
	size_t off;
} flow_eps[] = {
	{ SIPCTL_FLOW_HAS_LOCAL, SIPFP_FLOW_A_LOCAL,
	  offsetof(struct sipctl_flow, local) },
	{ SIPCTL_FLOW_HAS_OUT, SIPFP_FLOW_A_OUT,
	  offsetof(struct sipctl_flow, out) },
	{ SIPCTL_FLOW_HAS_PEER, SIPFP_FLOW_A_PEER,
	  offsetof(struct sipctl_flow, peer) },
	{ SIPCTL_FLOW_HAS_SRC, SIPFP_FLOW_A_SRC,
	  offsetof(struct sipctl_flow, src) },
};

static int put_eps(struct nlmsghdr *nlh, size_t size,
		   const struct sipctl_flow *f, uint32_t has, char *err,
		   size_t errsize)
{
	for (size_t i = 0; i < sizeof(flow_eps) / sizeof(flow_eps[0]); i++) {
		const union sipctl_addr *a =
			(const void *)((const char *)f + flow_eps[i].off);
		int ret;

		if (!(has & flow_eps[i].bit))
			continue;
		ret = put_ep(nlh, size, flow_eps[i].type, a);
		if (ret == -EAFNOSUPPORT) {
			snprintf(err, errsize,
				 "flow.%s: not an IPv4 or IPv6 "
				 "address",
				 flow_d[flow_eps[i].type].name);
			return -EINVAL;
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* The scalars of a flow, by has bit: type, size, offset. */
static const struct {
	uint32_t bit;
	uint16_t type;
	uint8_t len;
	size_t off;
} flow_vals[] = {
	{ SIPCTL_FLOW_HAS_COOKIE, SIPFP_FLOW_A_COOKIE, 8,
	  offsetof(struct sipctl_flow, cookie) },
	{ SIPCTL_FLOW_HAS_SRC_MODE, SIPFP_FLOW_A_SRC_MODE, 1,
	  offsetof(struct sipctl_flow, src_mode) },
	{ SIPCTL_FLOW_HAS_LATCH_MS, SIPFP_FLOW_A_LATCH_MS, 4,
	  offsetof(struct sipctl_flow, latch_ms) },
	{ SIPCTL_FLOW_HAS_FLAGS, SIPFP_FLOW_A_FLAGS, 4,
	  offsetof(struct sipctl_flow, flags) },
	{ SIPCTL_FLOW_HAS_DSCP, SIPFP_FLOW_A_DSCP, 1,
	  offsetof(struct sipctl_flow, dscp) },
	{ SIPCTL_FLOW_HAS_CLOCK_RATE, SIPFP_FLOW_A_CLOCK_RATE, 4,
	  offsetof(struct sipctl_flow, clock_rate) },
	{ SIPCTL_FLOW_HAS_IDLE_MS, SIPFP_FLOW_A_IDLE_MS, 4,
	  offsetof(struct sipctl_flow, idle_ms) },
	{ SIPCTL_FLOW_HAS_TIMEOUT_MS, SIPFP_FLOW_A_TIMEOUT_MS, 4,
	  offsetof(struct sipctl_flow, timeout_ms) },
};

static int put_vals(struct nlmsghdr *nlh, size_t size,
		    const struct sipctl_flow *f, uint32_t has)
{
	for (size_t i = 0; i < sizeof(flow_vals) / sizeof(flow_vals[0]); i++)
		if ((has & flow_vals[i].bit) &&
		    !mnl_attr_put_check(nlh, size, flow_vals[i].type,
					flow_vals[i].len,
					(const char *)f + flow_vals[i].off))
			return -EMSGSIZE;
	return 0;
}

static const char *has_name(uint32_t bit)
{
	for (size_t i = 0; i < sizeof(flow_eps) / sizeof(flow_eps[0]); i++)
		if (flow_eps[i].bit == bit)
			return flow_d[flow_eps[i].type].name;
	for (size_t i = 0; i < sizeof(flow_vals) / sizeof(flow_vals[0]); i++)
		if (flow_vals[i].bit == bit)
			return flow_d[flow_vals[i].type].name;
	return "?";
}

int sctl_put_flow(struct nlmsghdr *nlh, size_t size,
		  const struct sipctl_flow *f, uint32_t allow, uint32_t need,
		  char *err, size_t errsize)
{
	uint32_t has = f->has & allow, missing = need & ~f->has;
	struct nlattr *nest;
	int ret;

	if (missing) {
		snprintf(err, errsize, "flow.%s: missing",
			 has_name(missing & -missing));
		return -EINVAL;
	}
	nest = mnl_attr_nest_start_check(nlh, size, SIPFP_A_FLOW);
	if (!nest)
		return -EMSGSIZE;
	ret = put_vals(nlh, size, f, has);
	if (!ret)
		ret = put_eps(nlh, size, f, has, err, errsize);
	if (ret)
		return ret;
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int sctl_put_flush(struct nlmsghdr *nlh, size_t size, uint64_t cookie,
		   uint64_t mask)
{
	if (!mask)
		return 0;
	if (!mnl_attr_put_check(nlh, size, SIPFP_A_COOKIE, 8, &cookie) ||
	    !mnl_attr_put_check(nlh, size, SIPFP_A_COOKIE_MASK, 8, &mask))
		return -EMSGSIZE;
	return 0;
}

int sctl_put_family(struct nlmsghdr *nlh, size_t size)
{
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	nlh->nlmsg_type = GENL_ID_CTRL;
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	return mnl_attr_put_strz_check(nlh, size, CTRL_ATTR_FAMILY_NAME,
				       SIPFP_GENL_NAME) ?
		       0 :
		       -EMSGSIZE;
}

/* --- parsing --- */

struct tb {
	const struct sctl_space *sp;
	const struct nlattr **a; /* sp->max + 1 */
};

bool sctl_str_ok(const struct nlattr *attr)
{
	uint16_t len = mnl_attr_get_payload_len(attr);

	return len && !((const char *)mnl_attr_get_payload(attr))[len - 1];
}

static int collect(const struct nlattr *attr, void *data)
{
	struct tb *tb = data;
	uint16_t type = mnl_attr_get_type(attr);
	const struct sctl_desc *d;

	if (type > tb->sp->max || !tb->sp->d[type].len)
		return MNL_CB_OK;
	d = &tb->sp->d[type];
	if (d->len == SCTL_NEST) {
		if (mnl_attr_get_payload_len(attr) &&
		    mnl_attr_get_payload_len(attr) < MNL_ATTR_HDRLEN)
			return MNL_CB_ERROR;
	} else if (d->len == SCTL_STR) {
		if (!sctl_str_ok(attr))
			return MNL_CB_ERROR;
	} else if (mnl_attr_get_payload_len(attr) != d->len) {
		return MNL_CB_ERROR;
	}
	tb->a[type] = attr;
	return MNL_CB_OK;
}

static int parse_nest(const struct nlattr *nest, const struct sctl_space *sp,
		      const struct nlattr **a)
{
	struct tb tb = { sp, a };

	memset(a, 0, (sp->max + 1) * sizeof(*a));
	return mnl_attr_parse_nested(nest, collect, &tb) < 0 ? -EPROTO : 0;
}

/* A generic netlink message's attributes, by @sp. */
static int parse_genl(const struct nlmsghdr *nlh, const struct sctl_space *sp,
		      const struct nlattr **a)
{
	size_t hdr = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));
	struct tb tb = { sp, a };

	memset(a, 0, (sp->max + 1) * sizeof(*a));
	if (nlh->nlmsg_len < hdr)
		return -EPROTO;
	if (mnl_attr_parse_payload((const char *)nlh + hdr,
				   nlh->nlmsg_len - hdr, collect, &tb) < 0)
		return -EPROTO;
	return 0;
}

static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

uint32_t sctl_get_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

static int parse_ep(const struct nlattr *nest, union sipctl_addr *out)
{
	const struct nlattr *a[SIPFP_EP_A_MAX + 1];
	uint16_t port;

	memset(out, 0, sizeof(*out));
	if (parse_nest(nest, &ep_s, a))
		return -EPROTO;
	if (!a[SIPFP_EP_A_PORT] || !a[SIPFP_EP_A_ADDR4] == !a[SIPFP_EP_A_ADDR6])
		return -EPROTO;
	memcpy(&port, mnl_attr_get_payload(a[SIPFP_EP_A_PORT]), 2);
	if (a[SIPFP_EP_A_ADDR4]) {
		out->sin.sin_family = AF_INET;
		out->sin.sin_port = port;
		memcpy(&out->sin.sin_addr,
		       mnl_attr_get_payload(a[SIPFP_EP_A_ADDR4]), 4);
	} else {
		out->sin6.sin6_family = AF_INET6;
		out->sin6.sin6_port = port;
		memcpy(&out->sin6.sin6_addr,
		       mnl_attr_get_payload(a[SIPFP_EP_A_ADDR6]), 16);
	}
	return 0;
}

/* Counter attribute -> offset in struct sipctl_counters, 8 bytes each. */
static const size_t cnt_off[] = {
	[SIPFP_CNT_A_PACKETS] = offsetof(struct sipctl_counters, packets),
	[SIPFP_CNT_A_BYTES] = offsetof(struct sipctl_counters, bytes),
	[SIPFP_CNT_A_DROP_SOURCE] =
		offsetof(struct sipctl_counters, drop_source),
	[SIPFP_CNT_A_DROP_NO_PEER] =
		offsetof(struct sipctl_counters, drop_no_peer),
	[SIPFP_CNT_A_DROP_ROUTE] = offsetof(struct sipctl_counters, drop_route),
	[SIPFP_CNT_A_IDLE_MS] = offsetof(struct sipctl_counters, idle_ms),
	[SIPFP_CNT_A_EXPECTED] = offsetof(struct sipctl_counters, expected),
	[SIPFP_CNT_A_LOST] = offsetof(struct sipctl_counters, lost),
};

static int parse_counters(const struct nlattr *nest, struct sipctl_flow *f)
{
	const struct nlattr *a[SIPFP_CNT_A_MAX + 1];
	struct sipctl_counters *c = &f->counters;

	if (parse_nest(nest, &cnt_s, a))
		return -EPROTO;
	f->has |= SIPCTL_FLOW_HAS_COUNTERS;
	for (unsigned int t = 0; t <= SIPFP_CNT_A_MAX; t++)
		if (a[t] && cnt_d[t].len == 8) {
			uint64_t v = get_u64(a[t]);

			memcpy((char *)c + cnt_off[t], &v, sizeof(v));
		}
	if (a[SIPFP_CNT_A_IDLE_MS])
		f->has |= SIPCTL_FLOW_HAS_LAST;
	if (!a[SIPFP_CNT_A_SSRC])
		return 0;
	f->has |= SIPCTL_FLOW_HAS_RTP;
	c->ssrc = sctl_get_u32(a[SIPFP_CNT_A_SSRC]);
	if (a[SIPFP_CNT_A_EXT_MAX_SEQ])
		c->ext_max_seq = sctl_get_u32(a[SIPFP_CNT_A_EXT_MAX_SEQ]);
	if (a[SIPFP_CNT_A_JITTER])
		c->jitter = sctl_get_u32(a[SIPFP_CNT_A_JITTER]);
	return 0;
}

static int parse_flow_eps(const struct nlattr **a, struct sipctl_flow *f)
{
	for (size_t i = 0; i < sizeof(flow_eps) / sizeof(flow_eps[0]); i++) {
		const struct nlattr *at = a[flow_eps[i].type];

		if (!at)
			continue;
		if (parse_ep(at, (void *)((char *)f + flow_eps[i].off)))
			return -EPROTO;
		f->has |= flow_eps[i].bit;
	}
	if (!a[SIPFP_FLOW_A_LATCHED])
		return 0;
	if (parse_ep(a[SIPFP_FLOW_A_LATCHED], &f->latched))
		return -EPROTO;
	f->has |= SIPCTL_FLOW_HAS_LATCHED;
	return 0;
}

/* The flow nest's contents; shared by replies and events. */
static int parse_flow_nest(const struct nlattr *nest, struct sipctl_flow *f)
{
	const struct nlattr *a[SIPFP_FLOW_A_MAX + 1];

	memset(f, 0, sizeof(*f));
	if (parse_nest(nest, &flow_s, a))
		return -EPROTO;
	for (size_t i = 0; i < sizeof(flow_vals) / sizeof(flow_vals[0]); i++) {
		const struct nlattr *at = a[flow_vals[i].type];

		if (!at)
			continue;
		memcpy((char *)f + flow_vals[i].off, mnl_attr_get_payload(at),
		       flow_vals[i].len);
		f->has |= flow_vals[i].bit;
	}
	if (parse_flow_eps(a, f))
		return -EPROTO;
	if (a[SIPFP_FLOW_A_COUNTERS])
		return parse_counters(a[SIPFP_FLOW_A_COUNTERS], f);
	return 0;
}

int sctl_parse_flow(const struct nlmsghdr *nlh, struct sipctl_flow *f)
{
	const struct nlattr *a[SIPFP_A_MAX + 1];

	memset(f, 0, sizeof(*f));
	if (parse_genl(nlh, top, a) || !a[SIPFP_A_FLOW])
		return -EPROTO;
	return parse_flow_nest(a[SIPFP_A_FLOW], f);
}

/* Stats attribute -> offset in struct sipctl_stats and has bit. */
static const struct {
	size_t off;
	uint32_t bit;
} stats_f[] = {
	[SIPFP_STATS_A_FLOWS] = { offsetof(struct sipctl_stats, flows),
				  SIPCTL_STATS_HAS_FLOWS },
	[SIPFP_STATS_A_MAX_FLOWS] = { offsetof(struct sipctl_stats, max_flows),
				      SIPCTL_STATS_HAS_MAX_FLOWS },
	[SIPFP_STATS_A_PACKETS] = { offsetof(struct sipctl_stats, packets),
				    SIPCTL_STATS_HAS_PACKETS },
	[SIPFP_STATS_A_BYTES] = { offsetof(struct sipctl_stats, bytes),
				  SIPCTL_STATS_HAS_BYTES },
	[SIPFP_STATS_A_DROP_SOURCE] = { offsetof(struct sipctl_stats,
						 drop_source),
					SIPCTL_STATS_HAS_DROP_SOURCE },
	[SIPFP_STATS_A_DROP_NO_PEER] = { offsetof(struct sipctl_stats,
						  drop_no_peer),
					 SIPCTL_STATS_HAS_DROP_NO_PEER },
	[SIPFP_STATS_A_DROP_ROUTE] = { offsetof(struct sipctl_stats,
						drop_route),
				       SIPCTL_STATS_HAS_DROP_ROUTE },
	[SIPFP_STATS_A_PASSED] = { offsetof(struct sipctl_stats, passed),
				   SIPCTL_STATS_HAS_PASSED },
	[SIPFP_STATS_A_EXPIRED] = { offsetof(struct sipctl_stats, expired),
				    SIPCTL_STATS_HAS_EXPIRED },
};

int sctl_parse_stats(const struct nlmsghdr *nlh, struct sipctl_stats *st)
{
	const struct nlattr *a[SIPFP_A_MAX + 1];
	const struct nlattr *s[SIPFP_STATS_A_MAX + 1];

	memset(st, 0, sizeof(*st));
	if (parse_genl(nlh, top, a) || !a[SIPFP_A_STATS] ||
	    parse_nest(a[SIPFP_A_STATS], &stats_s, s))
		return -EPROTO;
	for (unsigned int t = 1; t <= SIPFP_STATS_A_MAX; t++) {
		if (!s[t] || !stats_f[t].bit)
			continue;
		memcpy((char *)st + stats_f[t].off, mnl_attr_get_payload(s[t]),
		       stats_d[t].len);
		st->has |= stats_f[t].bit;
	}
	return 0;
}

/* The library's numbers are the kernel's, so events pass through as is. */
#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(SIPCTL_EVENT_LATCHED, SIPFP_EVENT_LATCHED) &&
		       SAME(SIPCTL_EVENT_IDLE, SIPFP_EVENT_IDLE) &&
		       SAME(SIPCTL_EVENT_SOURCE_MISMATCH,
			    SIPFP_EVENT_SOURCE_MISMATCH) &&
		       SAME(SIPCTL_EVENT_REMOVED, SIPFP_EVENT_REMOVED),
	       "sipctl events are the kernel's");
_Static_assert(SAME(SIPCTL_REMOVED_DELETED, SIPFP_REMOVED_DELETED) &&
		       SAME(SIPCTL_REMOVED_FLUSHED, SIPFP_REMOVED_FLUSHED) &&
		       SAME(SIPCTL_REMOVED_EXPIRED, SIPFP_REMOVED_EXPIRED),
	       "sipctl removal reasons are the kernel's");
_Static_assert(SAME(SIPCTL_SRC_ANY, SIPFP_SRC_ANY) &&
		       SAME(SIPCTL_SRC_FIXED, SIPFP_SRC_FIXED) &&
		       SAME(SIPCTL_SRC_LATCH, SIPFP_SRC_LATCH) &&
		       SAME(SIPCTL_F_RTP, SIPFP_F_RTP),
	       "sipctl flow modes are the kernel's");

static int parse_event_flow(const struct nlattr *nest, struct sipctl_event *ev)
{
	struct sipctl_flow f;

	if (parse_flow_nest(nest, &f))
		return -EPROTO;
	if (f.has & SIPCTL_FLOW_HAS_COOKIE) {
		ev->cookie = f.cookie;
		ev->has |= SIPCTL_EVENT_HAS_COOKIE;
	}
	if (f.has & SIPCTL_FLOW_HAS_LOCAL) {
		ev->local = f.local;
		ev->has |= SIPCTL_EVENT_HAS_LOCAL;
	}
	return 0;
}

int sctl_parse_event(const struct nlmsghdr *nlh, struct sipctl_event *ev)
{
	const struct nlattr *a[SIPFP_A_MAX + 1];
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	memset(ev, 0, sizeof(*ev));
	if (parse_genl(nlh, top, a) || g->cmd != SIPFP_CMD_EVENT ||
	    !a[SIPFP_A_EVENT])
		return -EPROTO;
	ev->type = *(const uint8_t *)mnl_attr_get_payload(a[SIPFP_A_EVENT]);
	if (a[SIPFP_A_FLOW] && parse_event_flow(a[SIPFP_A_FLOW], ev))
		return -EPROTO;
	if (a[SIPFP_A_SOURCE]) {
		if (parse_ep(a[SIPFP_A_SOURCE], &ev->source))
			return -EPROTO;
		ev->has |= SIPCTL_EVENT_HAS_SOURCE;
	}
	if (a[SIPFP_A_REASON]) {
		ev->reason = *(const uint8_t *)mnl_attr_get_payload(
			a[SIPFP_A_REASON]);
		ev->has |= SIPCTL_EVENT_HAS_REASON;
	}
	return 0;
}

struct grp_find {
	uint32_t id;
	bool bad;
};

static int grp_one(const struct nlattr *entry, void *data)
{
	const struct nlattr *a[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct grp_find *gf = data;

	if (parse_nest(entry, &grp_s, a)) {
		gf->bad = true;
		return MNL_CB_ERROR;
	}
	if (a[CTRL_ATTR_MCAST_GRP_NAME] && a[CTRL_ATTR_MCAST_GRP_ID] &&
	    !strcmp(mnl_attr_get_str(a[CTRL_ATTR_MCAST_GRP_NAME]),
		    SIPFP_MCGRP_EVENTS))
		gf->id = sctl_get_u32(a[CTRL_ATTR_MCAST_GRP_ID]);
	return MNL_CB_OK;
}

int sctl_parse_family(const struct nlmsghdr *nlh, uint16_t *id, uint32_t *group)
{
	const struct nlattr *a[CTRL_ATTR_MAX + 1];
	struct grp_find gf = { 0 };

	if (parse_genl(nlh, &ctrl_s, a) || !a[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	memcpy(id, mnl_attr_get_payload(a[CTRL_ATTR_FAMILY_ID]), 2);
	if (a[CTRL_ATTR_MCAST_GROUPS] &&
	    (mnl_attr_parse_nested(a[CTRL_ATTR_MCAST_GROUPS], grp_one, &gf) <
		     0 ||
	     gf.bad))
		return -EPROTO;
	*group = gf.id;
	return 0;
}
