// SPDX-License-Identifier: GPL-2.0
/*
 * libsipctl's netlink messages without a kernel: requests are built into
 * a buffer and their attributes read back byte by byte; replies, acks,
 * extended acks and dumps that the kernel would send are built here by
 * hand and fed to the parser.  The kernel side of the same API is tested
 * in the VM (selftests/vm).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/sipfp.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "internal.h"

#define FAMILY 0x1d
#define PORTID 4242
#define GENL_HDR (MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))

static uint8_t req[SCTL_REQ_SIZE], rep[8192];
static char err[SCTL_ERR_MAX];

static void ep4(union sipctl_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin.sin_family = AF_INET;
	a->sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin.sin_addr);
}

static void ep6(union sipctl_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin6.sin6_family = AF_INET6;
	a->sin6.sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &a->sin6.sin6_addr);
}

static bool same_ep(const union sipctl_addr *a, const union sipctl_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_port == b->sin.sin_port &&
		       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	return a->sin6.sin6_port == b->sin6.sin6_port &&
	       !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16);
}

/* A flow with every field a request can carry. */
static void full_flow(struct sipctl_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->has = SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL |
		 SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_PEER |
		 SIPCTL_FLOW_HAS_SRC_MODE | SIPCTL_FLOW_HAS_SRC |
		 SIPCTL_FLOW_HAS_LATCH_MS | SIPCTL_FLOW_HAS_FLAGS |
		 SIPCTL_FLOW_HAS_DSCP | SIPCTL_FLOW_HAS_CLOCK_RATE |
		 SIPCTL_FLOW_HAS_IDLE_MS | SIPCTL_FLOW_HAS_TIMEOUT_MS;
	f->cookie = 0x5f9d0123456789abULL;
	ep4(&f->local, "192.0.2.1", 30000);
	ep6(&f->out, "2001:db8::1", 30002);
	ep6(&f->peer, "2001:db8::99", 4000);
	f->src_mode = SIPCTL_SRC_LATCH;
	ep4(&f->src, "198.51.100.7", 0);
	f->latch_ms = 10000;
	f->flags = SIPCTL_F_RTP;
	f->dscp = 46;
	f->clock_rate = 48000;
	f->idle_ms = 30000;
	f->timeout_ms = 120000;
}

static struct nlmsghdr *build(uint8_t cmd, const struct sipctl_flow *f,
			      uint32_t allow, uint32_t need, int *ret)
{
	struct nlmsghdr *nlh =
		sctl_msg_start(req, sizeof(req), FAMILY, cmd, NLM_F_ACK, 7);

	err[0] = 0;
	*ret = sctl_put_flow(nlh, sizeof(req), f, allow, need, err,
			     sizeof(err));
	return nlh;
}

/* The attribute @type directly inside @nest, or NULL. */
static const struct nlattr *child(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static const struct nlattr *top(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static void test_request_header(void)
{
	struct sipctl_flow f;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int ret;

	full_flow(&f);
	nlh = build(SIPFP_CMD_FLOW_NEW, &f, ~0u, 0, &ret);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(nlh->nlmsg_type, FAMILY);
	CU_ASSERT_EQUAL(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	CU_ASSERT_EQUAL(nlh->nlmsg_seq, 7);
	g = mnl_nlmsg_get_payload(nlh);
	CU_ASSERT_EQUAL(g->cmd, SIPFP_CMD_FLOW_NEW);
	CU_ASSERT_EQUAL(g->version, SIPFP_GENL_VERSION);
	/* too small for even the headers */
	CU_ASSERT_PTR_NULL(sctl_msg_start(req, GENL_HDR - 1, FAMILY, 1, 0, 1));
}

static void test_request_attrs(void)
{
	const struct nlattr *fl, *a, *ep;
	struct sipctl_flow f;
	struct nlmsghdr *nlh;
	uint16_t port;
	int ret;

	full_flow(&f);
	nlh = build(SIPFP_CMD_FLOW_NEW, &f, ~0u, 0, &ret);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	fl = top(nlh, SIPFP_A_FLOW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
	/* strict kernel parsing wants the nested flag */
	CU_ASSERT_TRUE(fl->nla_type & NLA_F_NESTED);
	a = child(fl, SIPFP_FLOW_A_COOKIE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(mnl_attr_get_payload_len(a), 8);
	CU_ASSERT_EQUAL(mnl_attr_get_u64(a), 0x5f9d0123456789abULL);
	ep = child(fl, SIPFP_FLOW_A_LOCAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ep);
	CU_ASSERT_TRUE(ep->nla_type & NLA_F_NESTED);
	a = child(ep, SIPFP_EP_A_ADDR4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(mnl_attr_get_payload_len(a), 4);
	CU_ASSERT_EQUAL(memcmp(mnl_attr_get_payload(a), "\xc0\x00\x02\x01", 4),
			0);
	CU_ASSERT_PTR_NULL(child(ep, SIPFP_EP_A_ADDR6));
	a = child(ep, SIPFP_EP_A_PORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(mnl_attr_get_payload_len(a), 2);
	memcpy(&port, mnl_attr_get_payload(a), 2);
	/* network byte order on the wire */
	CU_ASSERT_EQUAL(port, htons(30000));
	ep = child(fl, SIPFP_FLOW_A_OUT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ep);
	a = child(ep, SIPFP_EP_A_ADDR6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(mnl_attr_get_payload_len(a), 16);
	a = child(fl, SIPFP_FLOW_A_DSCP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(mnl_attr_get_payload_len(a), 1);
	CU_ASSERT_EQUAL(mnl_attr_get_u8(a), 46);
	a = child(fl, SIPFP_FLOW_A_SRC_MODE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(mnl_attr_get_u8(a), SIPFP_SRC_LATCH);
	a = child(fl, SIPFP_FLOW_A_CLOCK_RATE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a), 48000);
	a = child(fl, SIPFP_FLOW_A_FLAGS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(mnl_attr_get_u32(a), SIPFP_F_RTP);
	CU_ASSERT_PTR_NULL(child(fl, SIPFP_FLOW_A_LATCHED));
	CU_ASSERT_PTR_NULL(child(fl, SIPFP_FLOW_A_COUNTERS));
}

/* What is not in @has is not sent: a SET changes only what it names. */
static void test_request_only_has(void)
{
	struct sipctl_flow f;
	struct nlmsghdr *nlh;
	const struct nlattr *fl, *a;
	unsigned int n = 0;
	int ret;

	full_flow(&f);
	f.has = SIPCTL_FLOW_HAS_LOCAL | SIPCTL_FLOW_HAS_PEER |
		SIPCTL_FLOW_HAS_LATCHED | SIPCTL_FLOW_HAS_COUNTERS;
	nlh = build(SIPFP_CMD_FLOW_SET, &f,
		    SIPCTL_FLOW_HAS_LOCAL | SIPCTL_FLOW_HAS_PEER,
		    SIPCTL_FLOW_HAS_LOCAL, &ret);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	fl = top(nlh, SIPFP_A_FLOW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fl);
	mnl_attr_for_each_nested(a, fl)
		n++;
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_PTR_NOT_NULL(child(fl, SIPFP_FLOW_A_LOCAL));
	CU_ASSERT_PTR_NOT_NULL(child(fl, SIPFP_FLOW_A_PEER));
}

static void test_request_mapped(void)
{
	struct sipctl_flow f = { .has = SIPCTL_FLOW_HAS_LOCAL };
	struct sipctl_flow back;
	struct nlmsghdr *nlh;
	union sipctl_addr want;
	int ret;

	ep6(&f.local, "::ffff:192.0.2.5", 5004);
	nlh = build(SIPFP_CMD_FLOW_DEL, &f, ~0u, SIPCTL_FLOW_HAS_LOCAL, &ret);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	/* a request parses as a reply would: read it back */
	CU_ASSERT_EQUAL_FATAL(sctl_parse_flow(nlh, &back), 0);
	ep4(&want, "192.0.2.5", 5004);
	CU_ASSERT_EQUAL(back.has, SIPCTL_FLOW_HAS_LOCAL);
	CU_ASSERT_TRUE(same_ep(&back.local, &want));
}

static void test_request_refused(void)
{
	struct sipctl_flow f;
	int ret;

	full_flow(&f);
	f.has &= ~SIPCTL_FLOW_HAS_COOKIE;
	build(SIPFP_CMD_FLOW_NEW, &f, ~0u, SIPCTL_FLOW_HAS_COOKIE, &ret);
	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "flow.cookie: missing");
	full_flow(&f);
	f.peer.sa.sa_family = AF_UNIX;
	build(SIPFP_CMD_FLOW_NEW, &f, ~0u, 0, &ret);
	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "flow.peer: not an IPv4 or IPv6 address");
	/* room for the headers only */
	full_flow(&f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(
		sctl_msg_start(req, GENL_HDR + 40, FAMILY, 1, 0, 1));
	ret = sctl_put_flow((struct nlmsghdr *)req, GENL_HDR + 40, &f, ~0u, 0,
			    err, sizeof(err));
	CU_ASSERT_EQUAL(ret, -EMSGSIZE);
}

static void test_request_flush_family(void)
{
	struct nlmsghdr *nlh;
	const struct nlattr *a;

	nlh = sctl_msg_start(req, sizeof(req), FAMILY, SIPFP_CMD_FLUSH, 0, 1);
	CU_ASSERT_EQUAL(sctl_put_flush(nlh, sizeof(req), 5, 0), 0);
	CU_ASSERT_EQUAL(nlh->nlmsg_len, GENL_HDR);
	CU_ASSERT_EQUAL(sctl_put_flush(nlh, sizeof(req), 0x5f9dULL << 48,
				       0xffffULL << 48),
			0);
	a = top(nlh, SIPFP_A_COOKIE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(mnl_attr_get_u64(a), 0x5f9dULL << 48);
	a = top(nlh, SIPFP_A_COOKIE_MASK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(mnl_attr_get_u64(a), 0xffffULL << 48);

	nlh = sctl_msg_start(req, sizeof(req), 0, 0, 0, 2);
	CU_ASSERT_EQUAL(sctl_put_family(nlh, sizeof(req)), 0);
	CU_ASSERT_EQUAL(nlh->nlmsg_type, GENL_ID_CTRL);
	a = top(nlh, CTRL_ATTR_FAMILY_NAME);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(mnl_attr_get_str(a), "sipfp");
}

/* --- replies, as the kernel builds them --- */

static struct nlmsghdr *reply(uint16_t type, uint8_t cmd, uint32_t seq,
			      uint16_t flags)
{
	struct nlmsghdr *nlh =
		sctl_msg_start(rep, sizeof(rep), type, cmd, 0, seq);

	nlh->nlmsg_flags = flags;
	nlh->nlmsg_pid = PORTID;
	return nlh;
}

static void put_ep4(struct nlmsghdr *nlh, uint16_t type, const char *ip,
		    uint16_t port)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);
	struct in_addr a;

	inet_pton(AF_INET, ip, &a);
	mnl_attr_put(nlh, SIPFP_EP_A_ADDR4, 4, &a);
	mnl_attr_put_u16(nlh, SIPFP_EP_A_PORT, htons(port));
	mnl_attr_nest_end(nlh, n);
}

/* u64 attributes after a PAD, as nla_put_u64_64bit aligns them */
static void put_u64(struct nlmsghdr *nlh, uint16_t type, uint64_t v)
{
	mnl_attr_put(nlh, SIPFP_CNT_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, type, v);
}

static struct nlmsghdr *flow_reply(bool rtp)
{
	struct nlmsghdr *nlh = reply(FAMILY, SIPFP_CMD_FLOW_GET, 9, 0);
	struct nlattr *fl = mnl_attr_nest_start(nlh, SIPFP_A_FLOW);
	struct nlattr *c;

	put_u64(nlh, SIPFP_FLOW_A_COOKIE, 77);
	put_ep4(nlh, SIPFP_FLOW_A_LOCAL, "192.0.2.1", 30000);
	put_ep4(nlh, SIPFP_FLOW_A_OUT, "192.0.2.1", 30002);
	mnl_attr_put_u8(nlh, SIPFP_FLOW_A_SRC_MODE, SIPFP_SRC_LATCH);
	put_ep4(nlh, SIPFP_FLOW_A_SRC, "198.51.100.7", 0);
	mnl_attr_put_u32(nlh, SIPFP_FLOW_A_LATCH_MS, 10000);
	put_ep4(nlh, SIPFP_FLOW_A_LATCHED, "198.51.100.7", 40000);
	mnl_attr_put_u32(nlh, SIPFP_FLOW_A_CLOCK_RATE, 8000);
	/* a newer module's attribute: skipped */
	mnl_attr_put_u32(nlh, SIPFP_FLOW_A_MAX + 5, 1);
	c = mnl_attr_nest_start(nlh, SIPFP_FLOW_A_COUNTERS);
	put_u64(nlh, SIPFP_CNT_A_PACKETS, 1000);
	put_u64(nlh, SIPFP_CNT_A_BYTES, 160000);
	put_u64(nlh, SIPFP_CNT_A_DROP_SOURCE, 3);
	put_u64(nlh, SIPFP_CNT_A_DROP_NO_PEER, 4);
	put_u64(nlh, SIPFP_CNT_A_DROP_ROUTE, 5);
	put_u64(nlh, SIPFP_CNT_A_IDLE_MS, 20);
	if (rtp) {
		mnl_attr_put_u32(nlh, SIPFP_CNT_A_SSRC, 0x5eed1234);
		mnl_attr_put_u32(nlh, SIPFP_CNT_A_EXT_MAX_SEQ, 0x10005);
		put_u64(nlh, SIPFP_CNT_A_EXPECTED, 1002);
		put_u64(nlh, SIPFP_CNT_A_LOST, (uint64_t)-2);
		mnl_attr_put_u32(nlh, SIPFP_CNT_A_JITTER, 12);
	}
	mnl_attr_nest_end(nlh, c);
	mnl_attr_nest_end(nlh, fl);
	return nlh;
}

static void test_parse_flow(void)
{
	struct sipctl_flow f;
	union sipctl_addr want;

	CU_ASSERT_EQUAL_FATAL(sctl_parse_flow(flow_reply(true), &f), 0);
	CU_ASSERT_EQUAL(f.has,
			SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL |
				SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_SRC_MODE |
				SIPCTL_FLOW_HAS_SRC | SIPCTL_FLOW_HAS_LATCH_MS |
				SIPCTL_FLOW_HAS_CLOCK_RATE |
				SIPCTL_FLOW_HAS_LATCHED |
				SIPCTL_FLOW_HAS_COUNTERS |
				SIPCTL_FLOW_HAS_LAST | SIPCTL_FLOW_HAS_RTP);
	CU_ASSERT_EQUAL(f.cookie, 77);
	ep4(&want, "192.0.2.1", 30002);
	CU_ASSERT_TRUE(same_ep(&f.out, &want));
	ep4(&want, "198.51.100.7", 40000);
	CU_ASSERT_TRUE(same_ep(&f.latched, &want));
	CU_ASSERT_EQUAL(f.src_mode, SIPCTL_SRC_LATCH);
	CU_ASSERT_EQUAL(f.latch_ms, 10000);
	CU_ASSERT_EQUAL(f.counters.packets, 1000);
	CU_ASSERT_EQUAL(f.counters.bytes, 160000);
	CU_ASSERT_EQUAL(f.counters.drop_source, 3);
	CU_ASSERT_EQUAL(f.counters.drop_no_peer, 4);
	CU_ASSERT_EQUAL(f.counters.drop_route, 5);
	CU_ASSERT_EQUAL(f.counters.idle_ms, 20);
	CU_ASSERT_EQUAL(f.counters.ssrc, 0x5eed1234);
	CU_ASSERT_EQUAL(f.counters.ext_max_seq, 0x10005);
	CU_ASSERT_EQUAL(f.counters.expected, 1002);
	CU_ASSERT_EQUAL(f.counters.lost, -2);
	CU_ASSERT_EQUAL(f.counters.jitter, 12);

	CU_ASSERT_EQUAL_FATAL(sctl_parse_flow(flow_reply(false), &f), 0);
	CU_ASSERT_FALSE(f.has & SIPCTL_FLOW_HAS_RTP);
	CU_ASSERT_EQUAL(f.counters.ssrc, 0);
}

static void test_parse_malformed(void)
{
	struct nlmsghdr *nlh;
	struct nlattr *fl, *ep;
	struct sipctl_flow f;
	struct in_addr a = { 0 };

	/* no flow at all */
	nlh = reply(FAMILY, SIPFP_CMD_FLOW_GET, 1, 0);
	CU_ASSERT_EQUAL(sctl_parse_flow(nlh, &f), -EPROTO);
	/* a cookie of 4 bytes */
	fl = mnl_attr_nest_start(nlh, SIPFP_A_FLOW);
	mnl_attr_put_u32(nlh, SIPFP_FLOW_A_COOKIE, 1);
	mnl_attr_nest_end(nlh, fl);
	CU_ASSERT_EQUAL(sctl_parse_flow(nlh, &f), -EPROTO);
	/* an endpoint with two addresses */
	nlh = reply(FAMILY, SIPFP_CMD_FLOW_GET, 1, 0);
	fl = mnl_attr_nest_start(nlh, SIPFP_A_FLOW);
	ep = mnl_attr_nest_start(nlh, SIPFP_FLOW_A_LOCAL);
	mnl_attr_put(nlh, SIPFP_EP_A_ADDR4, 4, &a);
	mnl_attr_put(nlh, SIPFP_EP_A_ADDR6, 16, "0123456789abcdef");
	mnl_attr_put_u16(nlh, SIPFP_EP_A_PORT, 1);
	mnl_attr_nest_end(nlh, ep);
	mnl_attr_nest_end(nlh, fl);
	CU_ASSERT_EQUAL(sctl_parse_flow(nlh, &f), -EPROTO);
	/* an endpoint without a port */
	nlh = reply(FAMILY, SIPFP_CMD_FLOW_GET, 1, 0);
	fl = mnl_attr_nest_start(nlh, SIPFP_A_FLOW);
	ep = mnl_attr_nest_start(nlh, SIPFP_FLOW_A_PEER);
	mnl_attr_put(nlh, SIPFP_EP_A_ADDR4, 4, &a);
	mnl_attr_nest_end(nlh, ep);
	mnl_attr_nest_end(nlh, fl);
	CU_ASSERT_EQUAL(sctl_parse_flow(nlh, &f), -EPROTO);
	/* shorter than its generic netlink header */
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	CU_ASSERT_EQUAL(sctl_parse_flow(nlh, &f), -EPROTO);
}

static void test_parse_stats(void)
{
	struct nlmsghdr *nlh = reply(FAMILY, SIPFP_CMD_STATS_GET, 1, 0);
	struct nlattr *st = mnl_attr_nest_start(nlh, SIPFP_A_STATS);
	struct sipctl_stats s;

	mnl_attr_put_u32(nlh, SIPFP_STATS_A_FLOWS, 12);
	mnl_attr_put_u32(nlh, SIPFP_STATS_A_MAX_FLOWS, 65536);
	put_u64(nlh, SIPFP_STATS_A_PACKETS, 99);
	put_u64(nlh, SIPFP_STATS_A_PASSED, 2);
	put_u64(nlh, SIPFP_STATS_A_EXPIRED, 1);
	mnl_attr_nest_end(nlh, st);
	CU_ASSERT_EQUAL_FATAL(sctl_parse_stats(nlh, &s), 0);
	CU_ASSERT_EQUAL(s.has, SIPCTL_STATS_HAS_FLOWS |
				       SIPCTL_STATS_HAS_MAX_FLOWS |
				       SIPCTL_STATS_HAS_PACKETS |
				       SIPCTL_STATS_HAS_PASSED |
				       SIPCTL_STATS_HAS_EXPIRED);
	CU_ASSERT_EQUAL(s.flows, 12);
	CU_ASSERT_EQUAL(s.max_flows, 65536);
	CU_ASSERT_EQUAL(s.packets, 99);
	CU_ASSERT_EQUAL(s.passed, 2);
	CU_ASSERT_EQUAL(s.expired, 1);
}

static struct nlmsghdr *event(uint8_t type, bool source, int reason)
{
	struct nlmsghdr *nlh = reply(FAMILY, SIPFP_CMD_EVENT, 0, 0);
	struct nlattr *fl;

	mnl_attr_put_u8(nlh, SIPFP_A_EVENT, type);
	fl = mnl_attr_nest_start(nlh, SIPFP_A_FLOW);
	put_u64(nlh, SIPFP_FLOW_A_COOKIE, 0xabc);
	put_ep4(nlh, SIPFP_FLOW_A_LOCAL, "192.0.2.1", 30000);
	mnl_attr_nest_end(nlh, fl);
	if (source)
		put_ep4(nlh, SIPFP_A_SOURCE, "203.0.113.9", 5555);
	if (reason >= 0)
		mnl_attr_put_u8(nlh, SIPFP_A_REASON, reason);
	return nlh;
}

static void test_parse_event(void)
{
	struct sipctl_event ev;
	union sipctl_addr want;
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;

	CU_ASSERT_EQUAL_FATAL(
		sctl_parse_event(event(SIPFP_EVENT_LATCHED, true, -1), &ev), 0);
	CU_ASSERT_EQUAL(ev.type, SIPCTL_EVENT_LATCHED);
	CU_ASSERT_EQUAL(ev.has, SIPCTL_EVENT_HAS_COOKIE |
					SIPCTL_EVENT_HAS_LOCAL |
					SIPCTL_EVENT_HAS_SOURCE);
	CU_ASSERT_EQUAL(ev.cookie, 0xabc);
	ep4(&want, "203.0.113.9", 5555);
	CU_ASSERT_TRUE(same_ep(&ev.source, &want));
	ep4(&want, "192.0.2.1", 30000);
	CU_ASSERT_TRUE(same_ep(&ev.local, &want));

	CU_ASSERT_EQUAL_FATAL(sctl_parse_event(event(SIPFP_EVENT_REMOVED, false,
						     SIPFP_REMOVED_EXPIRED),
					       &ev),
			      0);
	CU_ASSERT_EQUAL(ev.type, SIPCTL_EVENT_REMOVED);
	CU_ASSERT_TRUE(ev.has & SIPCTL_EVENT_HAS_REASON);
	CU_ASSERT_FALSE(ev.has & SIPCTL_EVENT_HAS_SOURCE);
	CU_ASSERT_EQUAL(ev.reason, SIPCTL_REMOVED_EXPIRED);

	/* not an event command, or no event type */
	nlh = event(SIPFP_EVENT_IDLE, false, -1);
	g = mnl_nlmsg_get_payload(nlh);
	g->cmd = SIPFP_CMD_FLOW_GET;
	CU_ASSERT_EQUAL(sctl_parse_event(nlh, &ev), -EPROTO);
	nlh = reply(FAMILY, SIPFP_CMD_EVENT, 0, 0);
	CU_ASSERT_EQUAL(sctl_parse_event(nlh, &ev), -EPROTO);
}

static void test_parse_family(void)
{
	struct nlmsghdr *nlh = reply(GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 1, 0);
	struct nlattr *groups, *g;
	uint32_t group = 99;
	uint16_t id = 0;

	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x23);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, "sipfp");
	groups = mnl_attr_nest_start(nlh, CTRL_ATTR_MCAST_GROUPS);
	g = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "other");
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 3);
	mnl_attr_nest_end(nlh, g);
	g = mnl_attr_nest_start(nlh, 2);
	mnl_attr_put_strz(nlh, CTRL_ATTR_MCAST_GRP_NAME, "events");
	mnl_attr_put_u32(nlh, CTRL_ATTR_MCAST_GRP_ID, 11);
	mnl_attr_nest_end(nlh, g);
	mnl_attr_nest_end(nlh, groups);
	CU_ASSERT_EQUAL_FATAL(sctl_parse_family(nlh, &id, &group), 0);
	CU_ASSERT_EQUAL(id, 0x23);
	CU_ASSERT_EQUAL(group, 11);
}

/* --- acks, errors, dumps --- */

static char msg[SCTL_ERR_MAX];
static unsigned int ncb;
static int cb_ret;

static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	ncb++;
	return cb_ret;
}

static void rx_init(struct sctl_rx *rx, uint32_t seq, uint32_t n,
		    const struct nlmsghdr *r, int *errs)
{
	memset(rx, 0, sizeof(*rx));
	rx->seq = seq;
	rx->n = n;
	rx->portid = PORTID;
	rx->req = r;
	rx->req_len = r ? r->nlmsg_len : 0;
	rx->cb = count_cb;
	rx->errs = errs;
	rx->msg = msg;
	rx->msg_size = sizeof(msg);
	msg[0] = 0;
	ncb = 0;
	cb_ret = 0;
}

/*
 * An NLMSG_ERROR for @r as the kernel writes it: the request's header
 * (CAPPED) or all of it, then the extack TLVs.
 */
static struct nlmsghdr *ack(const struct nlmsghdr *r, int error, bool capped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(rep);
	struct nlmsgerr *e;
	size_t copy = capped || !error ? sizeof(*r) : r->nlmsg_len;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = r->nlmsg_seq;
	nlh->nlmsg_pid = PORTID;
	nlh->nlmsg_flags = capped ? NLM_F_CAPPED : 0;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(int) + copy);
	e->error = error;
	memcpy(&e->msg, r, copy);
	return nlh;
}

static uint32_t offset_of(const struct nlmsghdr *r, uint16_t type)
{
	const struct nlattr *fl = top(r, SIPFP_A_FLOW);
	const struct nlattr *a = child(fl, type);

	return (const char *)a - (const char *)r;
}

static void test_ack(void)
{
	struct sipctl_flow f;
	struct nlmsghdr *r;
	struct sctl_rx rx;
	int ret;

	full_flow(&f);
	r = build(SIPFP_CMD_FLOW_NEW, &f, ~0u, 0, &ret);
	rx_init(&rx, 7, 1, r, NULL);
	CU_ASSERT_EQUAL(sctl_rx_feed(&rx, ack(r, 0, true),
				     ((struct nlmsghdr *)rep)->nlmsg_len),
			0);
	CU_ASSERT_TRUE(rx.done);
	CU_ASSERT_EQUAL(rx.err, 0);
	CU_ASSERT_STRING_EQUAL(msg, "");
	/* garbage is refused, not walked */
	rx_init(&rx, 7, 1, r, NULL);
	CU_ASSERT_EQUAL(sctl_rx_feed(&rx, "abc", 3), -EPROTO);
	CU_ASSERT_FALSE(rx.done);
}

static void test_extack_offset(void)
{
	struct sipctl_flow f;
	struct nlmsghdr *r, *e;
	struct sctl_rx rx;
	bool capped;
	int ret;

	full_flow(&f);
	r = build(SIPFP_CMD_FLOW_NEW, &f, ~0u, 0, &ret);
	for (int i = 0; i < 2; i++) {
		capped = i;
		e = ack(r, -EINVAL, capped);
		e->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(e, NLMSGERR_ATTR_MSG,
				  "sipfp: DSCP out of range");
		mnl_attr_put_u32(e, NLMSGERR_ATTR_OFFS,
				 offset_of(r, SIPFP_FLOW_A_DSCP));
		rx_init(&rx, 7, 1, r, NULL);
		CU_ASSERT_EQUAL(sctl_rx_feed(&rx, e, e->nlmsg_len), 0);
		CU_ASSERT_TRUE(rx.done);
		CU_ASSERT_EQUAL(rx.err, -EINVAL);
		CU_ASSERT_STRING_EQUAL(msg, "sipfp: DSCP out of range "
					    "(attribute flow.dscp)");
	}
	/* an offset inside a nest names the path */
	e = ack(r, -EINVAL, true);
	e->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_u32(
		e, NLMSGERR_ATTR_OFFS,
		(const char *)child(top(r, SIPFP_A_FLOW), SIPFP_FLOW_A_LOCAL) +
			MNL_ATTR_HDRLEN + MNL_ALIGN(MNL_ATTR_HDRLEN + 4) -
			(const char *)r);
	rx_init(&rx, 7, 1, r, NULL);
	sctl_rx_feed(&rx, e, e->nlmsg_len);
	CU_ASSERT_STRING_EQUAL(msg, "attribute flow.local.port");
	/* an offset that hits no attribute: the words alone */
	e = ack(r, -ENOSPC, true);
	e->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(e, NLMSGERR_ATTR_MSG,
			  "sipfp: flow table full (max_flows=2)");
	mnl_attr_put_u32(e, NLMSGERR_ATTR_OFFS, 3);
	rx_init(&rx, 7, 1, r, NULL);
	sctl_rx_feed(&rx, e, e->nlmsg_len);
	CU_ASSERT_EQUAL(rx.err, -ENOSPC);
	CU_ASSERT_STRING_EQUAL(msg, "sipfp: flow table full (max_flows=2)");
}

static void test_extack_missing(void)
{
	struct sipctl_flow f;
	struct nlmsghdr *r, *e;
	struct sctl_rx rx;
	int ret;

	full_flow(&f);
	r = build(SIPFP_CMD_FLOW_NEW, &f, ~0u, 0, &ret);
	e = ack(r, -EINVAL, true);
	e->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(e, NLMSGERR_ATTR_MSG,
			  "sipfp: SRC_MODE FIXED and LATCH need a SRC");
	mnl_attr_put_u32(e, NLMSGERR_ATTR_MISS_TYPE, SIPFP_FLOW_A_SRC);
	mnl_attr_put_u32(e, NLMSGERR_ATTR_MISS_NEST,
			 (const char *)top(r, SIPFP_A_FLOW) - (const char *)r);
	rx_init(&rx, 7, 1, r, NULL);
	sctl_rx_feed(&rx, e, e->nlmsg_len);
	CU_ASSERT_STRING_EQUAL(msg, "sipfp: SRC_MODE FIXED and LATCH need a "
				    "SRC (missing attribute flow.src)");
	/* at the top level, and without words */
	e = ack(r, -EINVAL, true);
	e->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_u32(e, NLMSGERR_ATTR_MISS_TYPE, SIPFP_A_FLOW);
	rx_init(&rx, 7, 1, r, NULL);
	sctl_rx_feed(&rx, e, e->nlmsg_len);
	CU_ASSERT_STRING_EQUAL(msg, "missing attribute flow");
}

/* Replies of a dump, one NLM_F_DUMP_INTR among them, then DONE. */
static void test_dump(void)
{
	uint8_t buf[4096];
	struct nlmsghdr *nlh, *r;
	struct sctl_rx rx;
	size_t len = 0;

	r = sctl_msg_start(req, sizeof(req), FAMILY, SIPFP_CMD_FLOW_GET,
			   NLM_F_DUMP, 20);
	for (int i = 0; i < 3; i++) {
		nlh = flow_reply(false);
		nlh->nlmsg_seq = 20;
		nlh->nlmsg_flags = NLM_F_MULTI | (i == 1 ? NLM_F_DUMP_INTR : 0);
		memcpy(buf + len, nlh, nlh->nlmsg_len);
		len += MNL_ALIGN(nlh->nlmsg_len);
	}
	/* a stale answer to an earlier request, and one for another socket */
	nlh = flow_reply(false);
	nlh->nlmsg_seq = 19;
	memcpy(buf + len, nlh, nlh->nlmsg_len);
	len += MNL_ALIGN(nlh->nlmsg_len);
	nlh = flow_reply(false);
	nlh->nlmsg_seq = 20;
	nlh->nlmsg_pid = PORTID + 1;
	memcpy(buf + len, nlh, nlh->nlmsg_len);
	len += MNL_ALIGN(nlh->nlmsg_len);

	rx_init(&rx, 20, 1, r, NULL);
	CU_ASSERT_EQUAL(sctl_rx_feed(&rx, buf, len), 0);
	CU_ASSERT_FALSE(rx.done);
	CU_ASSERT_EQUAL(ncb, 3);
	CU_ASSERT_TRUE(rx.intr);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = 20;
	nlh->nlmsg_pid = PORTID;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	CU_ASSERT_EQUAL(sctl_rx_feed(&rx, buf, nlh->nlmsg_len), 0);
	CU_ASSERT_TRUE(rx.done);
	CU_ASSERT_EQUAL(rx.err, 0);

	/* a dump that fails at its end says why in its DONE */
	rx_init(&rx, 20, 1, r, NULL);
	*(int *)mnl_nlmsg_get_payload(nlh) = -EMSGSIZE;
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "sipfp: no room");
	CU_ASSERT_EQUAL(sctl_rx_feed(&rx, buf, nlh->nlmsg_len), 0);
	CU_ASSERT_TRUE(rx.done);
	CU_ASSERT_EQUAL(rx.err, -EMSGSIZE);
	CU_ASSERT_STRING_EQUAL(msg, "sipfp: no room");
}

/* A callback that stops: no more calls, but the replies are drained. */
static void test_dump_stop(void)
{
	uint8_t buf[4096];
	struct nlmsghdr *nlh, *r;
	struct sctl_rx rx;
	size_t len = 0;

	r = sctl_msg_start(req, sizeof(req), FAMILY, SIPFP_CMD_FLOW_GET,
			   NLM_F_DUMP, 30);
	rx_init(&rx, 30, 1, r, NULL);
	cb_ret = -ECANCELED;
	for (int i = 0; i < 3; i++) {
		nlh = flow_reply(false);
		nlh->nlmsg_seq = 30;
		memcpy(buf + len, nlh, nlh->nlmsg_len);
		len += MNL_ALIGN(nlh->nlmsg_len);
	}
	nlh = (struct nlmsghdr *)(buf + len);
	mnl_nlmsg_put_header(nlh);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_seq = 30;
	nlh->nlmsg_pid = PORTID;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	len += nlh->nlmsg_len;
	CU_ASSERT_EQUAL(sctl_rx_feed(&rx, buf, len), 0);
	CU_ASSERT_EQUAL(ncb, 1);
	CU_ASSERT_TRUE(rx.done);
	CU_ASSERT_EQUAL(rx.cb_ret, -ECANCELED);
}

/* Three requests in one send: each gets its own result. */
static void test_batch(void)
{
	int errs[3] = { 1, 1, 1 };
	uint8_t buf[4096], b[1024];
	struct sipctl_flow f;
	struct nlmsghdr *nlh, *e;
	struct sctl_rx rx;
	size_t len = 0;

	full_flow(&f);
	for (int i = 0; i < 3; i++) {
		nlh = sctl_msg_start(buf + len, sizeof(buf) - len, FAMILY,
				     SIPFP_CMD_FLOW_NEW, NLM_F_ACK, 50 + i);
		CU_ASSERT_EQUAL(sctl_put_flow(nlh, sizeof(buf) - len, &f, ~0u,
					      0, err, sizeof(err)),
				0);
		len += MNL_ALIGN(nlh->nlmsg_len);
	}
	rx_init(&rx, 50, 3, (struct nlmsghdr *)buf, errs);
	rx.req_len = len;
	for (int i = 0; i < 3; i++) {
		nlh = (struct nlmsghdr *)buf;
		for (int k = 0; k < i; k++)
			nlh = (struct nlmsghdr *)((uint8_t *)nlh +
						  MNL_ALIGN(nlh->nlmsg_len));
		e = ack(nlh, i == 1 ? -EEXIST : 0, true);
		if (i == 1) {
			e->nlmsg_flags |= NLM_F_ACK_TLVS;
			mnl_attr_put_u32(e, NLMSGERR_ATTR_OFFS,
					 offset_of(nlh, SIPFP_FLOW_A_LOCAL));
		}
		memcpy(b, e, e->nlmsg_len);
		CU_ASSERT_EQUAL(sctl_rx_feed(&rx, b, e->nlmsg_len), 0);
		CU_ASSERT_EQUAL(rx.done, i == 2);
	}
	CU_ASSERT_EQUAL(errs[0], 0);
	CU_ASSERT_EQUAL(errs[1], -EEXIST);
	CU_ASSERT_EQUAL(errs[2], 0);
	CU_ASSERT_EQUAL(rx.err, -EEXIST);
	/* the second request's attribute, found in the batch by sequence */
	CU_ASSERT_STRING_EQUAL(msg, "attribute flow.local");
}

static void test_attr_name(void)
{
	struct sipctl_flow f;
	struct nlmsghdr *r;
	char name[64];
	int ret;

	full_flow(&f);
	r = build(SIPFP_CMD_FLOW_NEW, &f, ~0u, 0, &ret);
	CU_ASSERT_EQUAL(sctl_attr_name(r, r->nlmsg_len,
				       offset_of(r, SIPFP_FLOW_A_CLOCK_RATE),
				       name, sizeof(name)),
			0);
	CU_ASSERT_STRING_EQUAL(name, "flow.clock-rate");
	CU_ASSERT_EQUAL(sctl_attr_name(r, r->nlmsg_len, GENL_HDR, name,
				       sizeof(name)),
			0);
	CU_ASSERT_STRING_EQUAL(name, "flow");
	CU_ASSERT_EQUAL(sctl_attr_name(r, r->nlmsg_len, r->nlmsg_len + 4, name,
				       sizeof(name)),
			-ENOENT);
	CU_ASSERT_EQUAL(sctl_attr_name(r, r->nlmsg_len, 0, name, sizeof(name)),
			-ENOENT);
	CU_ASSERT_EQUAL(sctl_attr_name(r, 8, GENL_HDR, name, sizeof(name)),
			-ENOENT);
}

/* The façade: no handle, and words for the errors it knows. */
static void test_facade(void)
{
	struct sipctl_flow f = { 0 };

	CU_ASSERT_EQUAL(sipctl_flow_add(NULL, &f), -EINVAL);
	CU_ASSERT_EQUAL(sipctl_event_read(NULL, NULL, NULL), -EINVAL);
	CU_ASSERT_PTR_NULL(sipctl_last_error(NULL));
	CU_ASSERT_STRING_EQUAL(sipctl_backend(NULL), "none");
	CU_ASSERT_PTR_NOT_NULL(
		strstr(sipctl_strerror(NULL, -ENOENT), "is sipfp.ko loaded?"));
	CU_ASSERT_STRING_EQUAL(sipctl_strerror(NULL, -EEXIST), "File exists");
}

#define T(f)          \
	{             \
#f, f \
	}

static CU_TestInfo request_tests[] = {
	T(test_request_header),	  T(test_request_attrs),
	T(test_request_only_has), T(test_request_mapped),
	T(test_request_refused),  T(test_request_flush_family),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo reply_tests[] = {
	T(test_parse_flow),    T(test_parse_malformed), T(test_parse_stats),
	T(test_parse_event),   T(test_parse_family),	T(test_ack),
	T(test_extack_offset), T(test_extack_missing),	T(test_dump),
	T(test_dump_stop),     T(test_batch),		T(test_attr_name),
	T(test_facade),	       CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "libsipctl requests", NULL, NULL, NULL, NULL, request_tests },
	{ "libsipctl replies", NULL, NULL, NULL, NULL, reply_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tu_run(suites);
}
