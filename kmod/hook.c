// SPDX-License-Identifier: GPL-2.0
/*
 * The data plane: a netfilter hook per network namespace, for IPv4 and
 * IPv6, that forwards the UDP packets arriving at a flow's LOCAL endpoint.
 *
 * Where it sits: NF_INET_LOCAL_IN at the filter priority + 1. A LOCAL
 * endpoint is an address of this host with a port sipfpd has bound, so its
 * packets are routed to us anyway; by LOCAL_IN they are reassembled (IPv4
 * always, IPv6 when conntrack is loaded), conntrack has seen them, and the
 * admin's input filter at priority 0 has run, so `nft ... input ... drop`
 * stops relayed media as it would stop the relay's socket. We come before
 * conntrack confirms (last at LOCAL_IN), so the inbound leg never leaves
 * a conntrack entry behind: we drop its reference unconfirmed.
 *
 * What it claims it rewrites in place (or, between IPv4 and IPv6, under a
 * new IP header) and sends as a locally generated packet with
 * ip_local_out(), routed from OUT to PEER as a socket bound to OUT would
 * be: OUTPUT and POSTROUTING apply (filter, SNAT, masquerade) and
 * conntrack tracks the outbound leg afresh. What it does not claim goes on
 * untouched, to sipfpd's socket.
 *
 * Two choices differ from the relay, which sends from a socket:
 * - the TTL (hop limit) is the arriving one less one, not a fresh 64: a
 *   flow whose PEER is another flow's LOCAL on this host, which a
 *   misconfiguration can make, would otherwise circle in softirq forever;
 *   a packet that arrives with 1 left is dropped as DROP_ROUTE;
 * - the flow's DSCP replaces the arriving one but ECN passes through, as
 *   it does through a router: RFC 6679 ECN is negotiated end to end.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/checksum.h>
#include <net/dsfield.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "flow.h"
#include "hook.h"
#include "rtp.h"

/* A packet as the hook parsed it; addresses in LOCAL's family. */
struct pkt {
	int family;
	unsigned int nhlen;	/* to the UDP header */
	unsigned int ulen;	/* UDP header and payload, from the header */
	u8 ttl;			/* or hop limit */
	u8 ecn;
	union nf_inet_addr saddr;
	union nf_inet_addr daddr;
	__be16 sport;
	__be16 dport;
	__sum16 check;
};

/* Where a claimed packet goes. */
struct xmit {
	struct net *net;
	struct flowi fl;
	struct dst_entry *dst;
};

static bool parse_udp(struct sk_buff *skb, struct pkt *p)
{
	const struct udphdr *uh;
	struct udphdr buf;

	uh = skb_header_pointer(skb, p->nhlen, sizeof(buf), &buf);
	if (!uh)
		return false;
	p->sport = uh->source;
	p->dport = uh->dest;
	p->ulen = ntohs(uh->len);
	p->check = uh->check;
	return true;
}

/* At LOCAL_IN skb->data is the network header, pulled and trimmed. */
static bool parse4(struct sk_buff *skb, struct pkt *p)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (iph->protocol != IPPROTO_UDP)
		return false;
	p->family = AF_INET;
	p->nhlen = iph->ihl * 4;
	p->ttl = iph->ttl;
	p->ecn = ipv4_get_dsfield(iph) & INET_ECN_MASK;
	p->saddr = (union nf_inet_addr){ .ip = iph->saddr };
	p->daddr = (union nf_inet_addr){ .ip = iph->daddr };
	return parse_udp(skb, p);
}

/*
 * Extension headers are skipped only to find the port: a packet that has
 * them goes to the stack, as one with IPv4 options does. A fragment past
 * the first has no UDP header to find.
 */
static bool parse6(struct sk_buff *skb, struct pkt *p)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	u8 nexthdr = ip6h->nexthdr;
	__be16 frag_off;
	int off = sizeof(*ip6h);

	if (nexthdr != IPPROTO_UDP)
		off = ipv6_skip_exthdr(skb, off, &nexthdr, &frag_off);
	if (off < 0 || nexthdr != IPPROTO_UDP)
		return false;
	p->family = AF_INET6;
	p->nhlen = off;
	p->ttl = ip6h->hop_limit;
	p->ecn = ipv6_get_dsfield(ip6h) & INET_ECN_MASK;
	p->saddr.in6 = ip6h->saddr;
	p->daddr.in6 = ip6h->daddr;
	return parse_udp(skb, p);
}

/* What the stack had better handle: reassembled, GSO, odd lengths. */
static bool unusual(const struct sk_buff *skb, const struct pkt *p)
{
	return skb_is_gso(skb) || p->ulen < sizeof(struct udphdr) ||
	       p->ulen != skb->len - p->nhlen;
}

static bool unusual4(const struct sk_buff *skb, const struct pkt *p)
{
	return p->nhlen != sizeof(struct iphdr) || IPCB(skb)->frag_max_size ||
	       unusual(skb, p);
}

/* A zero UDP checksum is not allowed over IPv6 (RFC 8200 §8.1). */
static bool unusual6(const struct sk_buff *skb, const struct pkt *p)
{
	return p->nhlen != sizeof(struct ipv6hdr) ||
	       IP6CB(skb)->frag_max_size || unusual(skb, p) ||
	       (!p->check && skb->ip_summed != CHECKSUM_PARTIAL);
}

/*
 * Whether the packet's source may send on the flow. Latching may lose a
 * race with another CPU or with FLOW_SET: the config now published then
 * judges the packet again.
 */
static bool source_ok(struct sipfp_flow *f, const struct sipfp_flow_cfg **c,
		      const struct pkt *p)
{
	switch (sipfp_flow_judge(*c, p->family, &p->saddr, p->sport)) {
	case SIPFP_J_PASS:
		return true;
	case SIPFP_J_LATCH:
		if (sipfp_flow_latched(f, &p->saddr, p->sport))
			return true;
		*c = sipfp_flow_cfg(f);
		return sipfp_flow_judge(*c, p->family, &p->saddr, p->sport) ==
		       SIPFP_J_PASS;
	default:
		return false;
	}
}

/* The route a socket bound to OUT would take to PEER, IPsec included. */
static int route4(struct xmit *x, const struct sipfp_flow_cfg *c)
{
	struct flowi4 *fl4 = &x->fl.u.ip4;
	struct rtable *rt;

	memset(fl4, 0, sizeof(*fl4));
	fl4->daddr = c->peer.addr.ip;
	fl4->saddr = c->out.addr.ip;
	/* as IP_TOS on a socket would, for policy routing by TOS */
	fl4->flowi4_tos = c->dscp << 2;
	fl4->flowi4_proto = IPPROTO_UDP;
	fl4->flowi4_uid = sock_net_uid(x->net, NULL);
	fl4->fl4_sport = c->out.port;
	fl4->fl4_dport = c->peer.port;
	/* fails, too, when OUT is no longer an address of this host */
	rt = ip_route_output_key(x->net, fl4);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	x->dst = &rt->dst;
	return 0;
}

static int route6(struct xmit *x, const struct sipfp_flow_cfg *c)
{
	struct flowi6 *fl6 = &x->fl.u.ip6;
	struct dst_entry *dst;

	/*
	 * IPv6's output route takes any source: refuse one this host does
	 * not have, as IPv4's route and bind() would.
	 */
	if (!ipv6_chk_addr(x->net, &c->out.addr.in6, NULL, 0))
		return -EADDRNOTAVAIL;
	memset(fl6, 0, sizeof(*fl6));
	fl6->daddr = c->peer.addr.in6;
	fl6->saddr = c->out.addr.in6;
	fl6->flowlabel = ip6_make_flowinfo(c->dscp << 2, 0);
	fl6->flowi6_proto = IPPROTO_UDP;
	fl6->flowi6_uid = sock_net_uid(x->net, NULL);
	fl6->fl6_sport = c->out.port;
	fl6->fl6_dport = c->peer.port;
	dst = ip6_dst_lookup_flow(x->net, NULL, fl6, NULL);
	if (IS_ERR(dst))
		return PTR_ERR(dst);
	x->dst = dst;
	return 0;
}

/*
 * Moves the UDP header under a new IP header of @family: the UDP header
 * stays where it is, so a CHECKSUM_PARTIAL's csum_start stays right.
 */
static int new_iphdr(struct sk_buff *skb, const struct pkt *p, int family)
{
	unsigned int nhlen = family == AF_INET ? sizeof(struct iphdr) :
						 sizeof(struct ipv6hdr);
	unsigned int grow = nhlen > p->nhlen ? nhlen - p->nhlen : 0;

	if (skb_cow_head(skb, grow))
		return -ENOMEM;
	__skb_pull(skb, p->nhlen);
	skb_reset_transport_header(skb);
	skb_push(skb, nhlen);
	skb_reset_network_header(skb);
	memset(skb->data, 0, nhlen);
	if (family == AF_INET) {
		ip_hdr(skb)->version = 4;
		ip_hdr(skb)->ihl = 5;
		ip_hdr(skb)->protocol = IPPROTO_UDP;
		/* an IPv6 packet is never fragmented on its way */
		ip_hdr(skb)->frag_off = htons(IP_DF);
	} else {
		ipv6_hdr(skb)->nexthdr = IPPROTO_UDP;
	}
	return 0;
}

/*
 * The UDP checksum after new addresses and ports. The pseudo-header's
 * length and protocol words sum the same over IPv4 and IPv6 (RFC 768,
 * RFC 8200 §8.1), so only addresses and ports change it, whatever the
 * families. By hand rather than inet_proto_csum_replace_by_diff(), whose
 * arguments differ between kernels; skb_forward_csum() has ruled out its
 * CHECKSUM_COMPLETE case already.
 */
static void fix_csum(struct sk_buff *skb, struct udphdr *uh,
		     const struct pkt *p, const struct sipfp_flow_cfg *c)
{
	int olen = p->family == AF_INET ? 4 : 16;
	int nlen = c->out.family == AF_INET ? 4 : 16;
	__be16 oports[2] = { p->sport, p->dport };
	__be16 nports[2] = { c->out.port, c->peer.port };
	__wsum diff;

	diff = csum_partial(&c->out.addr, nlen, 0);
	diff = csum_partial(&c->peer.addr, nlen, diff);
	diff = csum_sub(diff, csum_partial(&p->saddr, olen, 0));
	diff = csum_sub(diff, csum_partial(&p->daddr, olen, 0));
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		/* the seed is the pseudo-header's sum, not complemented */
		uh->check = ~csum_fold(csum_add(csum_unfold(uh->check), diff));
	} else {
		diff = csum_add(diff, csum_partial(nports, sizeof(nports), 0));
		diff = csum_sub(diff, csum_partial(oports, sizeof(oports), 0));
		csum_replace_by_diff(&uh->check, diff);
	}
	/* RFC 768: a computed 0 is sent as all ones; 0 means none */
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
}

static void set_ip4(struct xmit *x, struct sk_buff *skb, const struct pkt *p,
		    const struct sipfp_flow_cfg *c)
{
	struct iphdr *iph = ip_hdr(skb);

	iph->tos = c->dscp << 2 | p->ecn;
	iph->ttl = p->ttl - 1;
	iph->saddr = c->out.addr.ip;
	iph->daddr = c->peer.addr.ip;
	/* a new header needs an ID; ip_local_out() sets length and sum */
	if (p->family != AF_INET)
		ip_select_ident(x->net, skb, NULL);
}

static void set_ip6(struct xmit *x, struct sk_buff *skb, const struct pkt *p,
		    const struct sipfp_flow_cfg *c)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	__be32 label;

	/* an automatic label, as a socket's, from the outbound flow */
	label = ip6_make_flowlabel(x->net, skb, 0, true, &x->fl.u.ip6);
	ip6_flow_hdr(ip6h, c->dscp << 2 | p->ecn, label);
	ip6h->hop_limit = p->ttl - 1;
	ip6h->saddr = c->out.addr.in6;
	ip6h->daddr = c->peer.addr.in6;
	/* an IPv4 sender may have left the checksum out (RFC 768) */
	if (p->family != AF_INET6 && !udp_hdr(skb)->check)
		udp6_set_csum(false, skb, &ip6h->saddr, &ip6h->daddr, p->ulen);
}

/*
 * The packet made ready to leave as if sent from OUT: everything the
 * receive path attached (conntrack entry, socket of early demux, input
 * route, mark, hash, control block) is dropped first.
 */
static int rewrite(struct xmit *x, struct sk_buff *skb, const struct pkt *p,
		   const struct sipfp_flow_cfg *c)
{
	int family = c->out.family;
	struct udphdr *uh;

	if (skb_ensure_writable(skb, p->nhlen + sizeof(*uh)))
		return -ENOMEM;
	if (family == p->family)
		skb_set_transport_header(skb, p->nhlen);
	else if (new_iphdr(skb, p, family))
		return -ENOMEM;
	skb_orphan(skb);
	skb_scrub_packet(skb, true);
	skb_clear_hash(skb);
	memset(skb->cb, 0, sizeof(skb->cb));
	/* the receive side's CHECKSUM_COMPLETE covered the old headers */
	skb_forward_csum(skb);
	uh = udp_hdr(skb);
	if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL)
		fix_csum(skb, uh, p, c);
	uh->source = c->out.port;
	uh->dest = c->peer.port;
	if (family == AF_INET)
		set_ip4(x, skb, p, c);
	else
		set_ip6(x, skb, p, c);
	skb_dst_set(skb, x->dst);
	return 0;
}

static int send(struct xmit *x, struct sk_buff *skb, int family)
{
	int err;

	if (family == AF_INET)
		err = ip_local_out(x->net, NULL, skb);
	else
		err = ip6_local_out(x->net, NULL, skb);
	return net_xmit_eval(err);
}

static unsigned int forward(struct net *net, struct sipfp_flow *f,
			    const struct sipfp_flow_cfg *c,
			    struct sk_buff *skb, const struct pkt *p)
{
	unsigned int payload = p->ulen - sizeof(struct udphdr);
	struct xmit x = { .net = net };
	int err;

	if (p->ttl <= 1)
		goto drop;
	if (c->out.family == AF_INET)
		err = route4(&x, c);
	else
		err = route6(&x, c);
	if (err)
		goto drop;
	if (rewrite(&x, skb, p, c)) {
		dst_release(x.dst);
		goto drop;
	}
	/* sent or not, the skb is gone: it was stolen */
	if (send(&x, skb, c->out.family))
		sipfp_flow_drop(f, SIPFP_FC_DROP_ROUTE);
	else
		sipfp_flow_fwd(f, payload);
	return NF_STOLEN;
drop:
	sipfp_flow_drop(f, SIPFP_FC_DROP_ROUTE);
	return NF_DROP;
}

/*
 * Runs under rcu_read_lock() (nf_hook() holds it), which keeps the flow
 * and its config alive until we return.
 */
static unsigned int claim(struct net *net, struct sk_buff *skb,
			  const struct pkt *p, bool odd)
{
	const struct sipfp_flow_cfg *c;
	struct sipfp_flow *f;

	f = sipfp_flow_lookup(net, p->family, &p->daddr, p->dport);
	if (!f)
		return NF_ACCEPT;
	if (odd) {
		sipfp_net_passed(net);
		return NF_ACCEPT;
	}
	c = sipfp_flow_cfg(f);
	if (!source_ok(f, &c, p)) {
		sipfp_flow_drop(f, SIPFP_FC_DROP_SOURCE);
		sipfp_flow_mismatch(f, &p->saddr, p->sport);
		return NF_DROP;
	}
	/* as the relay does: what a peer sends on hold is counted too */
	if (c->flags & SIPFP_F_RTP)
		sipfp_rtp_update(f->rtp, skb, p->nhlen + sizeof(struct udphdr),
				 p->ulen - sizeof(struct udphdr),
				 c->clock_rate);
	if (!c->has_peer) {
		sipfp_flow_drop(f, SIPFP_FC_DROP_NO_PEER);
		return NF_DROP;
	}
	return forward(net, f, c, skb, p);
}

static unsigned int hook4(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	struct pkt p;

	if (!parse4(skb, &p))
		return NF_ACCEPT;
	return claim(state->net, skb, &p, unusual4(skb, &p));
}

static unsigned int hook6(void *priv, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	struct pkt p;

	if (!parse6(skb, &p))
		return NF_ACCEPT;
	return claim(state->net, skb, &p, unusual6(skb, &p));
}

static const struct nf_hook_ops sipfp_hook_ops[] = {
	{
		.hook = hook4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP_PRI_FILTER + 1,
	},
	{
		.hook = hook6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = NF_IP6_PRI_FILTER + 1,
	},
};

int sipfp_hook_net_init(struct net *net)
{
	return nf_register_net_hooks(net, sipfp_hook_ops,
				     ARRAY_SIZE(sipfp_hook_ops));
}

void sipfp_hook_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, sipfp_hook_ops,
				ARRAY_SIZE(sipfp_hook_ops));
}
