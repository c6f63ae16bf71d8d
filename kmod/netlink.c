// SPDX-License-Identifier: GPL-2.0
/*
 * The "sipfp" generic netlink family, as uapi/linux/sipfp.h specifies
 * it. Policies refuse what they can; the rest is refused here, each time
 * with an extack message and, where one is to blame, the attribute.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "flow.h"
#include "netlink.h"

/* 6.1 has no formatted extack messages yet */
#ifdef NL_SET_ERR_MSG_FMT_MOD
#define SIPFP_ERR_FULL(extack) \
	NL_SET_ERR_MSG_FMT_MOD(extack, "flow table full (max_flows=%u)", \
			       READ_ONCE(sipfp_max_flows))
#else
#define SIPFP_ERR_FULL(extack) \
	NL_SET_ERR_MSG_MOD(extack, "flow table full (max_flows)")
#endif

#define SIPFP_LATCH_MS_DEFAULT	10000
#define SIPFP_CLOCK_RATE_DEFAULT	8000

static const struct nla_policy sipfp_ep_policy[SIPFP_EP_A_MAX + 1] = {
	[SIPFP_EP_A_ADDR4] = NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[SIPFP_EP_A_ADDR6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[SIPFP_EP_A_PORT] = { .type = NLA_BE16 },
};

/* LATCHED and COUNTERS are replies only: strict parsing refuses them. */
static const struct nla_policy sipfp_flow_policy[SIPFP_FLOW_A_MAX + 1] = {
	[SIPFP_FLOW_A_COOKIE] = { .type = NLA_U64 },
	[SIPFP_FLOW_A_LOCAL] = NLA_POLICY_NESTED(sipfp_ep_policy),
	[SIPFP_FLOW_A_OUT] = NLA_POLICY_NESTED(sipfp_ep_policy),
	[SIPFP_FLOW_A_PEER] = NLA_POLICY_NESTED(sipfp_ep_policy),
	[SIPFP_FLOW_A_SRC_MODE] = NLA_POLICY_MAX(NLA_U8, SIPFP_SRC_MAX),
	[SIPFP_FLOW_A_SRC] = NLA_POLICY_NESTED(sipfp_ep_policy),
	[SIPFP_FLOW_A_LATCH_MS] = { .type = NLA_U32 },
	[SIPFP_FLOW_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __SIPFP_F_ALL),
	[SIPFP_FLOW_A_DSCP] = NLA_POLICY_MAX(NLA_U8, 63),
	[SIPFP_FLOW_A_CLOCK_RATE] = NLA_POLICY_MIN(NLA_U32, 1),
	[SIPFP_FLOW_A_IDLE_MS] = { .type = NLA_U32 },
	[SIPFP_FLOW_A_TIMEOUT_MS] = { .type = NLA_U32 },
};

static const struct nla_policy sipfp_policy[SIPFP_A_MAX + 1] = {
	[SIPFP_A_FLOW] = NLA_POLICY_NESTED(sipfp_flow_policy),
	[SIPFP_A_COOKIE] = { .type = NLA_U64 },
	[SIPFP_A_COOKIE_MASK] = { .type = NLA_U64 },
};

static struct genl_family sipfp_nl_family;

/* False while the family is not registered: events must not go out. */
static bool sipfp_nl_live;

static int sipfp_nl_get_ep(struct nlattr *nest, struct sipfp_ep *ep,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SIPFP_EP_A_MAX + 1];
	union nf_inet_addr addr = {};
	int err, family;

	err = nla_parse_nested(tb, SIPFP_EP_A_MAX, nest, sipfp_ep_policy,
			       extack);
	if (err)
		return err;
	if (!!tb[SIPFP_EP_A_ADDR4] == !!tb[SIPFP_EP_A_ADDR6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "endpoint needs exactly one of ADDR4 and ADDR6");
		return -EINVAL;
	}
	if (!tb[SIPFP_EP_A_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "endpoint needs a PORT");
		return -EINVAL;
	}
	if (tb[SIPFP_EP_A_ADDR4]) {
		family = AF_INET;
		nla_memcpy(&addr.ip, tb[SIPFP_EP_A_ADDR4], sizeof(addr.ip));
	} else {
		family = AF_INET6;
		nla_memcpy(&addr.in6, tb[SIPFP_EP_A_ADDR6], sizeof(addr.in6));
	}
	sipfp_ep_set(ep, family, &addr, nla_get_be16(tb[SIPFP_EP_A_PORT]));
	return 0;
}

static bool sipfp_ep_any(const struct sipfp_ep *ep)
{
	if (ep->family == AF_INET)
		return ep->addr.ip == htonl(INADDR_ANY);
	return ipv6_addr_any(&ep->addr.in6);
}

/* LOCAL and OUT: a real endpoint, never port 0. */
static int sipfp_nl_get_bound(struct nlattr *nest, struct sipfp_ep *ep,
			      bool local, struct netlink_ext_ack *extack)
{
	int err = sipfp_nl_get_ep(nest, ep, extack);

	if (err || ep->port)
		return err;
	if (local)
		NL_SET_ERR_MSG_ATTR(extack, nest, "LOCAL port must not be 0");
	else
		NL_SET_ERR_MSG_ATTR(extack, nest, "OUT port must not be 0");
	return -EINVAL;
}

static int sipfp_nl_get_peer(struct nlattr *nest, struct sipfp_flow_cfg *c,
			     struct netlink_ext_ack *extack)
{
	int err = sipfp_nl_get_ep(nest, &c->peer, extack);

	if (err)
		return err;
	c->has_peer = !sipfp_ep_any(&c->peer);
	if (c->has_peer && !c->peer.port) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "PEER port must not be 0");
		return -EINVAL;
	}
	return 0;
}

/* The config as a whole, once every given attribute is in. */
static int sipfp_nl_check_cfg(struct nlattr **tb,
			      const struct sipfp_flow_cfg *c,
			      const struct sipfp_ep *local,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *src = tb[SIPFP_FLOW_A_SRC];

	if (c->peer.family && c->peer.family != c->out.family) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SIPFP_FLOW_A_PEER] ?:
				    tb[SIPFP_FLOW_A_OUT],
				    "PEER and OUT must be of the same family");
		return -EINVAL;
	}
	if (c->src_mode == SIPFP_SRC_ANY) {
		if (!src)
			return 0;
		NL_SET_ERR_MSG_ATTR(extack, src, "SRC_MODE ANY takes no SRC");
		return -EINVAL;
	}
	if (!c->src.family) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, SIPFP_FLOW_A_SRC);
		NL_SET_ERR_MSG_MOD(extack, "SRC_MODE FIXED and LATCH need a SRC");
		return -EINVAL;
	}
	if (c->src.family != local->family) {
		NL_SET_ERR_MSG_ATTR(extack, src ?: tb[SIPFP_FLOW_A_SRC_MODE],
				    "SRC and LOCAL must be of the same family");
		return -EINVAL;
	}
	if (c->src_mode == SIPFP_SRC_FIXED && !c->src.port) {
		NL_SET_ERR_MSG_ATTR(extack, src ?: tb[SIPFP_FLOW_A_SRC_MODE],
				    "SRC port 0 needs SRC_MODE LATCH");
		return -EINVAL;
	}
	return 0;
}

static void sipfp_nl_get_scalars(struct nlattr **tb, struct sipfp_flow_cfg *c)
{
	if (tb[SIPFP_FLOW_A_LATCH_MS])
		c->latch_ms = nla_get_u32(tb[SIPFP_FLOW_A_LATCH_MS]);
	if (tb[SIPFP_FLOW_A_FLAGS])
		c->flags = nla_get_u32(tb[SIPFP_FLOW_A_FLAGS]);
	if (tb[SIPFP_FLOW_A_DSCP])
		c->dscp = nla_get_u8(tb[SIPFP_FLOW_A_DSCP]);
	if (tb[SIPFP_FLOW_A_CLOCK_RATE])
		c->clock_rate = nla_get_u32(tb[SIPFP_FLOW_A_CLOCK_RATE]);
	if (tb[SIPFP_FLOW_A_IDLE_MS])
		c->idle_ms = nla_get_u32(tb[SIPFP_FLOW_A_IDLE_MS]);
	if (tb[SIPFP_FLOW_A_TIMEOUT_MS])
		c->timeout_ms = nla_get_u32(tb[SIPFP_FLOW_A_TIMEOUT_MS]);
}

/*
 * Lays the attributes in tb over c. *reset tells whether sources are to
 * be judged afresh; a LATCH flow's window then starts again, and so it
 * does when LATCH_MS is given.
 */
static int sipfp_nl_get_cfg(struct nlattr **tb, struct sipfp_flow_cfg *c,
			    const struct sipfp_ep *local, bool *reset,
			    struct netlink_ext_ack *extack)
{
	int err;

	if (tb[SIPFP_FLOW_A_OUT]) {
		err = sipfp_nl_get_bound(tb[SIPFP_FLOW_A_OUT], &c->out,
					 false, extack);
		if (err)
			return err;
	}
	if (tb[SIPFP_FLOW_A_PEER]) {
		err = sipfp_nl_get_peer(tb[SIPFP_FLOW_A_PEER], c, extack);
		if (err)
			return err;
	}
	if (tb[SIPFP_FLOW_A_SRC]) {
		err = sipfp_nl_get_ep(tb[SIPFP_FLOW_A_SRC], &c->src, extack);
		if (err)
			return err;
	}
	if (tb[SIPFP_FLOW_A_SRC_MODE])
		c->src_mode = nla_get_u8(tb[SIPFP_FLOW_A_SRC_MODE]);
	*reset = tb[SIPFP_FLOW_A_SRC_MODE] || tb[SIPFP_FLOW_A_SRC];
	sipfp_nl_get_scalars(tb, c);
	if (tb[SIPFP_FLOW_A_LATCH_MS] && c->src_mode != SIPFP_SRC_LATCH) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SIPFP_FLOW_A_LATCH_MS],
				    "LATCH_MS needs SRC_MODE LATCH");
		return -EINVAL;
	}
	err = sipfp_nl_check_cfg(tb, c, local, extack);
	if (err)
		return err;
	if (*reset || tb[SIPFP_FLOW_A_LATCH_MS])
		c->latch_until = jiffies + msecs_to_jiffies(c->latch_ms);
	return 0;
}

/* The nested SIPFP_A_FLOW, parsed, and its LOCAL endpoint. */
static int sipfp_nl_get_flow(struct genl_info *info, struct nlattr **tb,
			     struct sipfp_ep *local)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[SIPFP_A_FLOW];
	int err;

	if (!nest) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, SIPFP_A_FLOW);
		NL_SET_ERR_MSG_MOD(extack, "missing SIPFP_A_FLOW");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, SIPFP_FLOW_A_MAX, nest, sipfp_flow_policy,
			       extack);
	if (err)
		return err;
	if (!tb[SIPFP_FLOW_A_LOCAL]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, SIPFP_FLOW_A_LOCAL);
		NL_SET_ERR_MSG_MOD(extack, "flow needs a LOCAL endpoint");
		return -EINVAL;
	}
	return sipfp_nl_get_bound(tb[SIPFP_FLOW_A_LOCAL], local,
				  true, extack);
}

/* NL_SET_ERR_MSG wants a literal, hence a macro. */
#define SIPFP_NEED(tb, nest, type, msg, extack) ({			\
	bool __miss = !(tb)[type];					\
	if (__miss) {							\
		NL_SET_ERR_ATTR_MISS(extack, nest, type);		\
		NL_SET_ERR_MSG_MOD(extack, msg);			\
	}								\
	__miss;								\
})

static int sipfp_nl_new_check(struct genl_info *info, struct nlattr **tb)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[SIPFP_A_FLOW];

	if (SIPFP_NEED(tb, nest, SIPFP_FLOW_A_COOKIE,
		       "flow needs a COOKIE", extack) ||
	    SIPFP_NEED(tb, nest, SIPFP_FLOW_A_OUT,
		       "flow needs an OUT endpoint", extack) ||
	    SIPFP_NEED(tb, nest, SIPFP_FLOW_A_SRC_MODE,
		       "flow needs a SRC_MODE", extack))
		return -EINVAL;
	return 0;
}

static int sipfp_nl_insert(struct sipfp_net *sn, struct sipfp_flow *f,
			   struct sipfp_flow_cfg *c,
			   struct netlink_ext_ack *extack)
{
	int err;

	mutex_lock(&sn->lock);
	/* published first: the hook may find the flow at once */
	sipfp_flow_publish(sn, f, c, true);
	err = sipfp_flow_insert(sn, f);
	mutex_unlock(&sn->lock);
	if (err == -EEXIST)
		NL_SET_ERR_MSG_MOD(extack, "LOCAL endpoint already has a flow");
	else if (err == -ENOSPC)
		SIPFP_ERR_FULL(extack);
	return err;
}

static int sipfp_nl_flow_new(struct sk_buff *skb, struct genl_info *info)
{
	struct sipfp_net *sn = sipfp_net(genl_info_net(info));
	struct nlattr *tb[SIPFP_FLOW_A_MAX + 1];
	struct sipfp_flow_cfg *c;
	struct sipfp_flow *f;
	struct sipfp_ep local;
	bool reset;
	int err;

	err = sipfp_nl_get_flow(info, tb, &local) ?:
	      sipfp_nl_new_check(info, tb);
	if (err)
		return err;
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->latch_ms = SIPFP_LATCH_MS_DEFAULT;
	c->clock_rate = SIPFP_CLOCK_RATE_DEFAULT;
	err = sipfp_nl_get_cfg(tb, c, &local, &reset, info->extack);
	if (err)
		goto err_cfg;
	f = sipfp_flow_alloc(genl_info_net(info), &local,
			     nla_get_u64(tb[SIPFP_FLOW_A_COOKIE]));
	if (!f) {
		err = -ENOMEM;
		goto err_cfg;
	}
	err = sipfp_nl_insert(sn, f, c, info->extack);
	if (err)
		sipfp_flow_destroy(f);	/* c is f's now */
	return err;

err_cfg:
	kfree(c);
	return err;
}

/* The flow named by tb's LOCAL (and COOKIE, if given), under sn->lock. */
static struct sipfp_flow *sipfp_nl_find(struct sipfp_net *sn,
					struct nlattr **tb,
					const struct sipfp_ep *local,
					struct netlink_ext_ack *extack)
{
	struct sipfp_flow *f = sipfp_flow_find(sn, local);
	struct nlattr *cookie = tb[SIPFP_FLOW_A_COOKIE];

	if (!f) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SIPFP_FLOW_A_LOCAL],
				    "no flow at LOCAL");
		return NULL;
	}
	if (cookie && nla_get_u64(cookie) != f->cookie) {
		NL_SET_ERR_MSG_ATTR(extack, cookie,
				    "the flow at LOCAL has another COOKIE");
		return NULL;
	}
	return f;
}

static int sipfp_nl_set(struct sipfp_net *sn, struct sipfp_flow *f,
			struct nlattr **tb, struct netlink_ext_ack *extack)
{
	struct sipfp_flow_cfg *c;
	bool reset;
	int err;

	c = kmemdup(sipfp_flow_cfg_locked(sn, f), sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	err = sipfp_nl_get_cfg(tb, c, &f->local, &reset, extack);
	if (err) {
		kfree(c);
		return err;
	}
	sipfp_flow_publish(sn, f, c, reset);
	return 0;
}

static int sipfp_nl_flow_set(struct sk_buff *skb, struct genl_info *info)
{
	struct sipfp_net *sn = sipfp_net(genl_info_net(info));
	struct nlattr *tb[SIPFP_FLOW_A_MAX + 1];
	struct sipfp_flow *f;
	struct sipfp_ep local;
	int err;

	err = sipfp_nl_get_flow(info, tb, &local);
	if (err)
		return err;
	mutex_lock(&sn->lock);
	f = sipfp_nl_find(sn, tb, &local, info->extack);
	err = f ? sipfp_nl_set(sn, f, tb, info->extack) : -ENOENT;
	mutex_unlock(&sn->lock);
	return err;
}

static int sipfp_nl_flow_del(struct sk_buff *skb, struct genl_info *info)
{
	struct sipfp_net *sn = sipfp_net(genl_info_net(info));
	struct nlattr *tb[SIPFP_FLOW_A_MAX + 1];
	struct sipfp_flow *f;
	struct sipfp_ep local;
	int err;

	err = sipfp_nl_get_flow(info, tb, &local);
	if (err)
		return err;
	mutex_lock(&sn->lock);
	f = sipfp_nl_find(sn, tb, &local, info->extack);
	if (f)
		sipfp_flow_remove(sn, f, SIPFP_REMOVED_DELETED);
	mutex_unlock(&sn->lock);
	return f ? 0 : -ENOENT;
}

static int sipfp_nl_put_ep(struct sk_buff *skb, int type,
			   const struct sipfp_ep *ep)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (ep->family == AF_INET) {
		if (nla_put_in_addr(skb, SIPFP_EP_A_ADDR4, ep->addr.ip))
			goto cancel;
	} else {
		if (nla_put_in6_addr(skb, SIPFP_EP_A_ADDR6, &ep->addr.in6))
			goto cancel;
	}
	if (nla_put_be16(skb, SIPFP_EP_A_PORT, ep->port))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int sipfp_nl_put_counters(struct sk_buff *skb,
				 const struct sipfp_flow *f)
{
	static const int type[SIPFP_FC_NUM] = {
		[SIPFP_FC_PACKETS] = SIPFP_CNT_A_PACKETS,
		[SIPFP_FC_BYTES] = SIPFP_CNT_A_BYTES,
		[SIPFP_FC_DROP_SOURCE] = SIPFP_CNT_A_DROP_SOURCE,
		[SIPFP_FC_DROP_NO_PEER] = SIPFP_CNT_A_DROP_NO_PEER,
		[SIPFP_FC_DROP_ROUTE] = SIPFP_CNT_A_DROP_ROUTE,
	};
	struct nlattr *nest;
	u64 sum[SIPFP_FC_NUM];
	u64 idle;
	int i;

	nest = nla_nest_start(skb, SIPFP_FLOW_A_COUNTERS);
	if (!nest)
		return -EMSGSIZE;
	sipfp_flow_sum(f, sum);
	for (i = 0; i < SIPFP_FC_NUM; i++)
		if (nla_put_u64_64bit(skb, type[i], sum[i], SIPFP_CNT_A_PAD))
			goto cancel;
	idle = jiffies_to_msecs(jiffies - READ_ONCE(f->last_fwd));
	if (sum[SIPFP_FC_PACKETS] &&
	    nla_put_u64_64bit(skb, SIPFP_CNT_A_IDLE_MS, idle, SIPFP_CNT_A_PAD))
		goto cancel;
	if (sipfp_rtp_fill(skb, f->rtp))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int sipfp_nl_put_src(struct sk_buff *skb,
			    const struct sipfp_flow_cfg *c)
{
	if (c->src_mode == SIPFP_SRC_ANY)
		return 0;
	if (sipfp_nl_put_ep(skb, SIPFP_FLOW_A_SRC, &c->src))
		return -EMSGSIZE;
	if (c->src_mode != SIPFP_SRC_LATCH)
		return 0;
	if (nla_put_u32(skb, SIPFP_FLOW_A_LATCH_MS, c->latch_ms))
		return -EMSGSIZE;
	/* pairs with the release in sipfp_flow_latched() */
	if (smp_load_acquire(&c->latched) &&
	    sipfp_nl_put_ep(skb, SIPFP_FLOW_A_LATCHED, &c->latched_src))
		return -EMSGSIZE;
	return 0;
}

static int sipfp_nl_put_cfg(struct sk_buff *skb,
			    const struct sipfp_flow_cfg *c)
{
	if (sipfp_nl_put_ep(skb, SIPFP_FLOW_A_OUT, &c->out) ||
	    (c->has_peer &&
	     sipfp_nl_put_ep(skb, SIPFP_FLOW_A_PEER, &c->peer)) ||
	    nla_put_u8(skb, SIPFP_FLOW_A_SRC_MODE, c->src_mode) ||
	    sipfp_nl_put_src(skb, c) ||
	    nla_put_u32(skb, SIPFP_FLOW_A_FLAGS, c->flags) ||
	    nla_put_u8(skb, SIPFP_FLOW_A_DSCP, c->dscp) ||
	    nla_put_u32(skb, SIPFP_FLOW_A_CLOCK_RATE, c->clock_rate) ||
	    nla_put_u32(skb, SIPFP_FLOW_A_IDLE_MS, c->idle_ms) ||
	    nla_put_u32(skb, SIPFP_FLOW_A_TIMEOUT_MS, c->timeout_ms))
		return -EMSGSIZE;
	return 0;
}

/* One SIPFP_A_FLOW; without c, only the COOKIE and LOCAL an event names. */
static int sipfp_nl_put_flow(struct sk_buff *skb, struct sipfp_flow *f,
			     const struct sipfp_flow_cfg *c)
{
	struct nlattr *nest = nla_nest_start(skb, SIPFP_A_FLOW);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, SIPFP_FLOW_A_COOKIE, f->cookie,
			      SIPFP_FLOW_A_PAD) ||
	    sipfp_nl_put_ep(skb, SIPFP_FLOW_A_LOCAL, &f->local) ||
	    (c && (sipfp_nl_put_cfg(skb, c) ||
		   sipfp_nl_put_counters(skb, f)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sipfp_nl_flow_msg(struct sk_buff *skb, struct sipfp_net *sn,
			     struct sipfp_flow *f, u32 portid, u32 seq,
			     int flags, struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &sipfp_nl_family, flags,
			  SIPFP_CMD_FLOW_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (sipfp_nl_put_flow(skb, f, sipfp_flow_cfg_locked(sn, f))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int sipfp_nl_flow_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sipfp_net *sn = sipfp_net(genl_info_net(info));
	struct nlattr *tb[SIPFP_FLOW_A_MAX + 1];
	struct sipfp_flow *f;
	struct sipfp_ep local;
	struct sk_buff *msg;
	int err;

	err = sipfp_nl_get_flow(info, tb, &local);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&sn->lock);
	f = sipfp_nl_find(sn, tb, &local, info->extack);
	err = f ? sipfp_nl_flow_msg(msg, sn, f, info->snd_portid,
				    info->snd_seq, 0, NULL) : -ENOENT;
	mutex_unlock(&sn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * cb->args[0] counts the flows already sent. A change in between moves
 * the list under the cursor; the generation in cb->seq makes the next
 * message carry NLM_F_DUMP_INTR then.
 */
static int sipfp_nl_flow_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sipfp_net *sn = sipfp_net(sock_net(cb->skb->sk));
	unsigned long i = 0, skip = cb->args[0];
	struct sipfp_flow *f;

	mutex_lock(&sn->lock);
	cb->seq = sn->gen;
	list_for_each_entry(f, &sn->flows, list) {
		if (i++ < skip)
			continue;
		if (sipfp_nl_flow_msg(skb, sn, f, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI, cb)) {
			i--;
			break;
		}
	}
	mutex_unlock(&sn->lock);
	cb->args[0] = i;
	return skb->len;
}

static int sipfp_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct sipfp_net *sn = sipfp_net(genl_info_net(info));
	struct nlattr *cookie = info->attrs[SIPFP_A_COOKIE];
	struct nlattr *mask = info->attrs[SIPFP_A_COOKIE_MASK];

	if (!cookie != !mask) {
		NL_SET_ERR_MSG_ATTR(info->extack, cookie ?: mask,
				    "COOKIE and COOKIE_MASK go together");
		return -EINVAL;
	}
	mutex_lock(&sn->lock);
	sipfp_flow_flush(sn, cookie ? nla_get_u64(cookie) : 0,
			 mask ? nla_get_u64(mask) : 0, SIPFP_REMOVED_FLUSHED);
	mutex_unlock(&sn->lock);
	return 0;
}

static int sipfp_nl_put_stats(struct sk_buff *skb, struct sipfp_net *sn)
{
	static const int type[SIPFP_FC_NUM] = {
		[SIPFP_FC_PACKETS] = SIPFP_STATS_A_PACKETS,
		[SIPFP_FC_BYTES] = SIPFP_STATS_A_BYTES,
		[SIPFP_FC_DROP_SOURCE] = SIPFP_STATS_A_DROP_SOURCE,
		[SIPFP_FC_DROP_NO_PEER] = SIPFP_STATS_A_DROP_NO_PEER,
		[SIPFP_FC_DROP_ROUTE] = SIPFP_STATS_A_DROP_ROUTE,
	};
	struct nlattr *nest = nla_nest_start(skb, SIPFP_A_STATS);
	u64 sum[SIPFP_FC_NUM];
	int i;

	if (!nest)
		return -EMSGSIZE;
	sipfp_net_totals(sn, sum);
	if (nla_put_u32(skb, SIPFP_STATS_A_FLOWS, sn->nflows) ||
	    nla_put_u32(skb, SIPFP_STATS_A_MAX_FLOWS,
			READ_ONCE(sipfp_max_flows)))
		return -EMSGSIZE;
	for (i = 0; i < SIPFP_FC_NUM; i++)
		if (nla_put_u64_64bit(skb, type[i], sum[i], SIPFP_STATS_A_PAD))
			return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, SIPFP_STATS_A_PASSED,
			      sipfp_net_passed_sum(sn), SIPFP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SIPFP_STATS_A_EXPIRED, sn->expired,
			      SIPFP_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int sipfp_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sipfp_net *sn = sipfp_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &sipfp_nl_family, 0,
				SIPFP_CMD_STATS_GET);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	mutex_lock(&sn->lock);
	err = sipfp_nl_put_stats(msg, sn);
	mutex_unlock(&sn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int sipfp_nl_event_msg(struct sk_buff *skb, struct sipfp_flow *f,
			      u8 event, const struct sipfp_ep *src,
			      int reason)
{
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &sipfp_nl_family, 0, SIPFP_CMD_EVENT);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u8(skb, SIPFP_A_EVENT, event) ||
	    sipfp_nl_put_flow(skb, f, NULL) ||
	    (src && sipfp_nl_put_ep(skb, SIPFP_A_SOURCE, src)) ||
	    (reason >= 0 && nla_put_u8(skb, SIPFP_A_REASON, reason)))
		return -EMSGSIZE;
	genlmsg_end(skb, hdr);
	return 0;
}

void sipfp_nl_event(struct sipfp_flow *f, u8 event,
		    const struct sipfp_ep *src, int reason)
{
	struct sk_buff *skb;

	rcu_read_lock();
	if (!READ_ONCE(sipfp_nl_live) ||
	    !genl_has_listeners(&sipfp_nl_family, f->net, 0))
		goto out;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto out;
	if (sipfp_nl_event_msg(skb, f, event, src, reason)) {
		nlmsg_free(skb);
		goto out;
	}
	genlmsg_multicast_netns(&sipfp_nl_family, f->net, skb, 0, 0,
				GFP_ATOMIC);
out:
	rcu_read_unlock();
}

static const struct genl_small_ops sipfp_nl_ops[] = {
	{
		.cmd = SIPFP_CMD_FLOW_NEW,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = sipfp_nl_flow_new,
	},
	{
		.cmd = SIPFP_CMD_FLOW_SET,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = sipfp_nl_flow_set,
	},
	{
		.cmd = SIPFP_CMD_FLOW_DEL,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = sipfp_nl_flow_del,
	},
	{
		.cmd = SIPFP_CMD_FLOW_GET,
		.doit = sipfp_nl_flow_get,
		.dumpit = sipfp_nl_flow_dump,
	},
	{
		.cmd = SIPFP_CMD_FLUSH,
		.flags = GENL_UNS_ADMIN_PERM,
		.doit = sipfp_nl_flush,
	},
	{
		.cmd = SIPFP_CMD_STATS_GET,
		.doit = sipfp_nl_stats_get,
	},
};

static const struct genl_multicast_group sipfp_nl_mcgrps[] = {
	{ .name = SIPFP_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

/* Writers lock per namespace, so requests need not take genl_mutex. */
static struct genl_family sipfp_nl_family __ro_after_init = {
	.name = SIPFP_GENL_NAME,
	.version = SIPFP_GENL_VERSION,
	.maxattr = SIPFP_A_MAX,
	.policy = sipfp_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.small_ops = sipfp_nl_ops,
	.n_small_ops = ARRAY_SIZE(sipfp_nl_ops),
	.resv_start_op = SIPFP_CMD_EVENT + 1,
	.mcgrps = sipfp_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(sipfp_nl_mcgrps),
};

int __init sipfp_nl_init(void)
{
	int err = genl_register_family(&sipfp_nl_family);

	if (!err)
		WRITE_ONCE(sipfp_nl_live, true);
	return err;
}

void sipfp_nl_exit(void)
{
	WRITE_ONCE(sipfp_nl_live, false);
	/* an event sender that saw it true is done after this */
	synchronize_rcu();
	genl_unregister_family(&sipfp_nl_family);
}
