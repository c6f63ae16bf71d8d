// SPDX-License-Identifier: GPL-2.0
/*
 * sipfp_xdp: forwards a flow's RTP/RTCP before the stack sees it.
 *
 * A packet addressed to a flow's endpoint (our address and port) is
 * rewritten as the relay would send it, from our other leg to the peer,
 * and sent out with XDP_TX or a redirect through sipfp_tx.  Only a
 * flow's packets from the wrong source are dropped; everything else (not
 * ours, not understood, not forwardable yet) passes to the stack
 * unchanged, where the module or the relay handles it.
 *
 * The program reads no kernel struct beyond the UAPI xdp_md, so it needs
 * neither vmlinux.h nor CO-RE relocations: one object loads on every
 * kernel with the helpers below (6.1 onwards is what we test).
 *
 * Map layouts and byte order: sipfp_xdp.h.
 */
#include <stdbool.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sipfp_xdp.h"

/* <sys/socket.h> is not for BPF programs; the values are ABI. */
#define AF_INET 2
#define AF_INET6 10

#define NSEC_PER_SEC 1000000000ULL
#define IP_MF 0x2000
#define IP_OFFSET 0x1fff
#define VLAN_VID_MASK 0x0fff

/* RFC 3550 A.1 */
#define RTP_SEQ_MOD (1U << 16)
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100

/* What a step decided, when it is not an xstat: go on, or pass uncounted. */
#define GO_ON (-1)
#define NOT_UDP SIPFP_XDP_X_MAX

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIPFP_XDP_MAX_FLOWS);
	__type(key, struct sipfp_xdp_key);
	__type(value, struct sipfp_xdp_flow);
} sipfp_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIPFP_XDP_MAX_FLOWS);
	__type(key, __u32);
	__type(value, struct sipfp_xdp_stats);
} sipfp_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIPFP_XDP_X_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sipfp_xstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u32);
} sipfp_tx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sipfp_xdp_vlan_key);
	__type(value, __u32);
} sipfp_vlans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sipfp_xdp_vlan_key);
} sipfp_vlan_dev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sipfp_xdp_ctl);
} sipfp_ctl SEC(".maps");

/* <linux/if_vlan.h> is not UAPI. */
struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct rtp_hdr {
	__u8 vpxcc;
	__u8 mpt;
	__be16 seq;
	__be32 ts;
	__be32 ssrc;
};

/* One packet as the steps below learn about it. */
struct pkt {
	void *data_end;
	struct ethhdr *eth;
	struct vlan_hdr *vlan; /* NULL: untagged */
	/*
	 * One pointer and a scalar to tell which: the verifier follows a
	 * constant, but not the nullness of a packet pointer.
	 */
	union {
		struct iphdr *ip4;
		struct ipv6hdr *ip6;
	};
	bool v6;
	struct udphdr *udp;
	/* The verifier wants stack words aligned: they are read as such. */
	struct sipfp_xdp_key key __attribute__((aligned(8)));
	__u8 src[16] __attribute__((aligned(8))); /* net, as in the key */
	__u64 now;
	__u32 in_ifindex;
	__u32 out_ifindex; /* the device to send on: XDP's, not a VLAN's */
	__u32 ctl_flags; /* sipfp_xdp_ctl.flags */
	__u16 l3_len; /* host: IP header and payload */
	__u16 new_vid; /* host: the tag's VID on the way out */
};

static __always_inline void xstat_inc(__u32 x)
{
	__u64 *n = bpf_map_lookup_elem(&sipfp_xstats, &x);

	if (n)
		*n += 1;
}

static __always_inline void map4(__u8 *dst, __be32 a)
{
	__u32 *w = (__u32 *)dst;

	w[0] = 0;
	w[1] = 0;
	w[2] = bpf_htonl(0xffff);
	w[3] = a;
}

static __always_inline bool addr_eq(const __u8 *a, const __u8 *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

static __always_inline bool is_mapped4(const __u8 *a)
{
	const __u32 *w = (const __u32 *)a;

	return !w[0] && !w[1] && w[2] == bpf_htonl(0xffff);
}

/* At most one 802.1Q or 802.1ad tag: QinQ is the stack's. */
static __always_inline int parse_eth(struct pkt *p, __be16 *proto)
{
	struct ethhdr *eth = p->eth;
	struct vlan_hdr *vlan;

	if ((void *)(eth + 1) > p->data_end)
		return NOT_UDP;
	*proto = eth->h_proto;
	if (*proto != bpf_htons(ETH_P_8021Q) &&
	    *proto != bpf_htons(ETH_P_8021AD))
		return GO_ON;
	vlan = (void *)(eth + 1);
	if ((void *)(vlan + 1) > p->data_end)
		return NOT_UDP;
	*proto = vlan->proto;
	if (*proto == bpf_htons(ETH_P_8021Q) ||
	    *proto == bpf_htons(ETH_P_8021AD))
		return NOT_UDP;
	p->vlan = vlan;
	return GO_ON;
}

/*
 * The UDP length must be what the IP header leaves for it, and the frame
 * must hold all of it (it may hold more: Ethernet pads short frames).
 */
static __always_inline int parse_udp(struct pkt *p, void *l3, __u16 l3_len,
				     __u16 hdr_len)
{
	struct udphdr *udp = l3 + hdr_len;
	__u32 len = l3_len;

	if ((void *)(udp + 1) > p->data_end)
		return SIPFP_XDP_X_PASS_MALFORMED;
	/*
	 * The verifier of 6.1 forgets the bounds of a byte swap's result
	 * and refuses it in pointer arithmetic: mask it where the compiler
	 * cannot see that the mask does nothing.
	 */
	barrier_var(len);
	len &= 0xffff;
	if (len < hdr_len + sizeof(*udp) || l3 + len > p->data_end ||
	    bpf_ntohs(udp->len) != len - hdr_len)
		return SIPFP_XDP_X_PASS_MALFORMED;
	p->udp = udp;
	p->l3_len = l3_len;
	p->key.port = udp->dest;
	return GO_ON;
}

static __always_inline int parse_ip4(struct pkt *p, void *l3)
{
	struct iphdr *ip = l3;

	if ((void *)(ip + 1) > p->data_end || ip->protocol != IPPROTO_UDP)
		return NOT_UDP;
	if (ip->version != 4 || ip->ihl < 5)
		return SIPFP_XDP_X_PASS_MALFORMED;
	if (ip->ihl > 5)
		return SIPFP_XDP_X_PASS_OPTIONS;
	/* A later fragment has no UDP header; the first has not all of it. */
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return SIPFP_XDP_X_PASS_FRAGMENT;
	p->ip4 = ip;
	map4(p->key.addr, ip->daddr);
	map4(p->src, ip->saddr);
	return parse_udp(p, ip, bpf_ntohs(ip->tot_len), sizeof(*ip));
}

/* The next headers that may stand between an IPv6 header and UDP. */
static __always_inline bool ipv6_ext(__u8 nexthdr)
{
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_AH:
	case IPPROTO_DSTOPTS:
	case IPPROTO_MH:
		return true;
	}
	return false;
}

static __always_inline int parse_ip6(struct pkt *p, void *l3)
{
	struct ipv6hdr *ip6 = l3;
	__u16 plen;
	int x;

	if ((void *)(ip6 + 1) > p->data_end)
		return NOT_UDP;
	if (ip6->nexthdr != IPPROTO_UDP)
		return ipv6_ext(ip6->nexthdr) ? SIPFP_XDP_X_PASS_FRAGMENT :
						NOT_UDP;
	if (ip6->version != 6)
		return SIPFP_XDP_X_PASS_MALFORMED;
	p->ip6 = ip6;
	p->v6 = true;
	__builtin_memcpy(p->key.addr, &ip6->daddr, 16);
	__builtin_memcpy(p->src, &ip6->saddr, 16);
	/*
	 * IPv4-mapped addresses never appear on the wire (RFC 4291
	 * 2.5.5.2); one here would find an IPv4 flow's key.
	 */
	if (is_mapped4(p->key.addr))
		return SIPFP_XDP_X_PASS_MALFORMED;
	/* Jumbograms (payload length 0) fail the UDP length check. */
	plen = bpf_ntohs(ip6->payload_len);
	if (plen > 0xffff - sizeof(*ip6))
		return SIPFP_XDP_X_PASS_MALFORMED;
	x = parse_udp(p, ip6, plen + sizeof(*ip6), sizeof(*ip6));
	/*
	 * RFC 8200 8.1: a zero checksum is invalid over IPv6; rewriting it
	 * incrementally would make it look valid.
	 */
	if (x == GO_ON && !p->udp->check)
		return SIPFP_XDP_X_PASS_MALFORMED;
	return x;
}

static __always_inline int parse(struct xdp_md *ctx, struct pkt *p)
{
	__be16 proto;
	void *l3;
	int x;

	p->data_end = (void *)(long)ctx->data_end;
	p->eth = (void *)(long)ctx->data;
	p->in_ifindex = ctx->ingress_ifindex;
	x = parse_eth(p, &proto);
	if (x != GO_ON)
		return x;
	l3 = p->vlan ? (void *)(p->vlan + 1) : (void *)(p->eth + 1);
	if (proto == bpf_htons(ETH_P_IP))
		return parse_ip4(p, l3);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ip6(p, l3);
	return NOT_UDP;
}

/* Past the daemon's heartbeat, we forward nothing (see sipfp_xdp.h). */
static __always_inline bool alive(struct pkt *p)
{
	struct sipfp_xdp_ctl *ctl;
	__u32 zero = 0;

	ctl = bpf_map_lookup_elem(&sipfp_ctl, &zero);
	p->now = bpf_ktime_get_ns();
	if (!ctl)
		return false;
	p->ctl_flags = ctl->flags;
	return ctl->alive_until_ns > p->now;
}

static __always_inline bool source_ok(const struct sipfp_xdp_flow *f,
				      const struct pkt *p)
{
	if (f->src_mode != SIPFP_XDP_SRC_FIXED)
		return true;
	if (!addr_eq(f->src_addr, p->src))
		return false;
	return !f->src_port || f->src_port == p->udp->source;
}

static __always_inline void note_bad_source(struct sipfp_xdp_stats *s,
					    const struct pkt *p)
{
	s->drop_source++;
	__builtin_memcpy(s->bad_addr, p->src, 16);
	s->bad_port = p->udp->source;
}

/*
 * Decisions on the flow alone, before the next hop: each is a reason to
 * leave the packet to the stack (or, for a wrong source, to drop it).
 */
static __always_inline int check_flow(const struct sipfp_xdp_flow *f,
				      struct pkt *p, struct sipfp_xdp_stats *s)
{
	bool v4 = !p->v6;

	if (f->src_mode == SIPFP_XDP_SRC_LATCH)
		return SIPFP_XDP_X_PASS_LATCH;
	if (f->flags & SIPFP_XDP_F_NO_PEER)
		return SIPFP_XDP_X_PASS_NO_PEER;
	if (!source_ok(f, p)) {
		if (s)
			note_bad_source(s, p);
		return SIPFP_XDP_X_DROP_SOURCE;
	}
	if (is_mapped4(f->peer_addr) != v4 || is_mapped4(f->out_addr) != v4)
		return SIPFP_XDP_X_PASS_FAMILY;
	if (v4 ? p->ip4->ttl <= 1 : p->ip6->hop_limit <= 1)
		return SIPFP_XDP_X_PASS_TTL;
	return GO_ON;
}

static __always_inline __u8 new_tos(const struct sipfp_xdp_flow *f, __u8 tos)
{
	return (f->dscp << 2) | (tos & 3);
}

/* The traffic class straddles the first two bytes of the header. */
static __always_inline __u8 ip6_tclass(const struct ipv6hdr *ip6)
{
	return (ip6->priority << 4) | (ip6->flow_lbl[0] >> 4);
}

static __always_inline void fib_params4(struct bpf_fib_lookup *fib,
					const struct sipfp_xdp_flow *f,
					const struct pkt *p)
{
	fib->family = AF_INET;
	fib->tos = new_tos(f, p->ip4->tos);
	fib->tot_len = p->l3_len;
	fib->ipv4_src = *(__be32 *)&f->out_addr[12];
	fib->ipv4_dst = *(__be32 *)&f->peer_addr[12];
}

static __always_inline void fib_params6(struct bpf_fib_lookup *fib,
					const struct sipfp_xdp_flow *f,
					const struct pkt *p)
{
	__u8 tc = (f->dscp << 2) | (ip6_tclass(p->ip6) & 3);

	fib->family = AF_INET6;
	fib->flowinfo = bpf_htonl((__u32)tc << 20) |
			(*(__be32 *)p->ip6 & bpf_htonl(0x000fffff));
	fib->tot_len = p->l3_len;
	__builtin_memcpy(fib->ipv6_src, f->out_addr, 16);
	__builtin_memcpy(fib->ipv6_dst, f->peer_addr, 16);
}

/*
 * The routing decision for the packet as it will leave: the new
 * addresses, ports and DSCP, from the device it came in on (the VLAN
 * device for a tagged frame, so that its routes and forwarding setting
 * apply).  The lookup needs forwarding enabled on that device.
 */
static __always_inline int route(struct bpf_fib_lookup *fib,
				 const struct sipfp_xdp_flow *f,
				 struct xdp_md *ctx, struct pkt *p)
{
	long rc;

	fib->ifindex = p->in_ifindex;
	if (p->vlan) {
		struct sipfp_xdp_vlan_key vk = {
			.ifindex = p->in_ifindex,
			.vid = bpf_ntohs(p->vlan->tci) & VLAN_VID_MASK,
		};
		__u32 *dev = bpf_map_lookup_elem(&sipfp_vlans, &vk);

		if (!dev)
			return SIPFP_XDP_X_PASS_NO_ROUTE;
		fib->ifindex = *dev;
	}
	fib->l4_protocol = IPPROTO_UDP;
	fib->sport = f->out_port;
	fib->dport = f->peer_port;
	if (!p->v6)
		fib_params4(fib, f, p);
	else
		fib_params6(fib, f, p);
	rc = bpf_fib_lookup(ctx, fib, sizeof(*fib), 0);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS)
		return GO_ON;
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return SIPFP_XDP_X_PASS_NO_NEIGH;
	return SIPFP_XDP_X_PASS_NO_ROUTE;
}

/*
 * Where the frame goes: a device the program may send on, and for a VLAN
 * device its lower one with the VID swapped.  Adding or removing a tag
 * would move the headers; the stack does that.
 *
 * To another device, bpf_redirect_map() is the check: it finds the
 * device in sipfp_tx or fails, and what it found is what the redirect
 * uses once the program returns XDP_REDIRECT.  A lookup before it would
 * search the devmap twice a packet, and each is a call: calls (FIB, map
 * lookups, the clock) are most of what a packet costs.
 */
static __always_inline int pick_tx(const struct bpf_fib_lookup *fib,
				   struct pkt *p)
{
	struct sipfp_xdp_vlan_key *vk = NULL;
	__u32 out = fib->ifindex;

	/*
	 * Only an entry in sipfp_vlan_dev stops an untagged frame here, and
	 * with no entry there (the flag says) the lookup could find none.
	 */
	if (p->vlan || (p->ctl_flags & SIPFP_XDP_CTL_VLANS))
		vk = bpf_map_lookup_elem(&sipfp_vlan_dev, &out);
	if (!vk != !p->vlan)
		return SIPFP_XDP_X_PASS_NO_TX;
	if (vk) {
		out = vk->ifindex;
		p->new_vid = vk->vid & VLAN_VID_MASK;
	}
	p->out_ifindex = out;
	if (out != p->in_ifindex)
		return bpf_redirect_map(&sipfp_tx, out, 0) == XDP_REDIRECT ?
			       GO_ON :
			       SIPFP_XDP_X_PASS_NO_TX;
	if (!bpf_map_lookup_elem(&sipfp_tx, &out))
		return SIPFP_XDP_X_PASS_NO_TX;
	return GO_ON;
}

/*
 * RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), one changed word at a time.
 * A one's complement sum does not depend on byte order (RFC 1071 2.B),
 * so words are added as loaded, in network order, and the 64-bit
 * accumulator is folded once at the end.
 */
static __always_inline __u64 csum_sub_add32(__u64 acc, __u32 from, __u32 to)
{
	return acc + (__u32)~from + to;
}

static __always_inline __u64 csum_sub_add16(__u64 acc, __u16 from, __u16 to)
{
	return acc + (__u16)~from + to;
}

static __always_inline __u16 csum_replace(__u16 check, __u64 acc)
{
	acc += (__u16)~check;
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return ~acc;
}

/* RFC 768: a sum that comes out 0 is sent as 0xffff, 0 meaning "none". */
static __always_inline void udp_csum_update(struct udphdr *udp, __u64 acc)
{
	__u16 check = csum_replace(udp->check, acc);

	udp->check = check ? check : 0xffff;
}

static __always_inline __u64 ports_rewrite(struct udphdr *udp,
					   const struct sipfp_xdp_flow *f)
{
	__u64 acc = 0;

	acc = csum_sub_add16(acc, udp->source, f->out_port);
	acc = csum_sub_add16(acc, udp->dest, f->peer_port);
	udp->source = f->out_port;
	udp->dest = f->peer_port;
	return acc;
}

static __always_inline void rewrite4(struct iphdr *ip, struct udphdr *udp,
				     const struct sipfp_xdp_flow *f)
{
	__be32 saddr = *(__be32 *)&f->out_addr[12];
	__be32 daddr = *(__be32 *)&f->peer_addr[12];
	__u16 *w = (__u16 *)ip;
	__u16 w0 = w[0], w4 = w[4];
	__u64 acc = 0;

	/* The addresses are in the UDP pseudo-header too. */
	acc = csum_sub_add32(acc, ip->saddr, saddr);
	acc = csum_sub_add32(acc, ip->daddr, daddr);
	ip->saddr = saddr;
	ip->daddr = daddr;
	/* IPv4 allows "no checksum", and a rewrite must not invent one. */
	if (udp->check)
		udp_csum_update(udp, acc + ports_rewrite(udp, f));
	else
		ports_rewrite(udp, f);
	ip->tos = new_tos(f, ip->tos);
	ip->ttl--;
	acc = csum_sub_add16(acc, w0, w[0]);
	acc = csum_sub_add16(acc, w4, w[4]);
	ip->check = csum_replace(ip->check, acc);
}

static __always_inline __u64 addr6_rewrite(__u32 *old, const __u8 *new)
{
	const __u32 *n = (const __u32 *)new;
	__u64 acc = 0;

#pragma unroll
	for (int i = 0; i < 4; i++) {
		acc = csum_sub_add32(acc, old[i], n[i]);
		old[i] = n[i];
	}
	return acc;
}

static __always_inline void rewrite6(struct ipv6hdr *ip6, struct udphdr *udp,
				     const struct sipfp_xdp_flow *f)
{
	__u8 tc = (f->dscp << 2) | (ip6_tclass(ip6) & 3);
	__u64 acc;

	acc = addr6_rewrite((__u32 *)&ip6->saddr, f->out_addr);
	acc += addr6_rewrite((__u32 *)&ip6->daddr, f->peer_addr);
	udp_csum_update(udp, acc + ports_rewrite(udp, f));
	ip6->priority = tc >> 4;
	ip6->flow_lbl[0] = (tc << 4) | (ip6->flow_lbl[0] & 0x0f);
	ip6->hop_limit--;
}

static __always_inline void rewrite(struct pkt *p,
				    const struct sipfp_xdp_flow *f,
				    const struct bpf_fib_lookup *fib)
{
	__builtin_memcpy(p->eth->h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(p->eth->h_source, fib->smac, ETH_ALEN);
	if (p->vlan)
		p->vlan->tci = (p->vlan->tci & bpf_htons(~VLAN_VID_MASK)) |
			       bpf_htons(p->new_vid);
	if (!p->v6)
		rewrite4(p->ip4, p->udp, f);
	else
		rewrite6(p->ip6, p->udp, f);
}

/* RFC 3550 A.1 init_seq(); A.8's transit starts here too. */
static __always_inline void rtp_init(struct sipfp_xdp_stats *s, __u32 ssrc,
				     __u16 seq, __u32 transit)
{
	s->rtp_seen = 1;
	s->ssrc = ssrc;
	s->base_seq = seq;
	s->max_seq = seq;
	s->cycles = 0;
	s->received = 0;
	s->transit = transit;
	s->jitter = 0;
}

/*
 * RFC 3550 A.1 update_seq() without probation: the flow's source is
 * already checked (or latched), so its first packet is trusted.  And with
 * no room for bad_seq, a jump past MAX_DROPOUT re-bases at once, not on
 * the second packet in sequence after it.  Return: whether A.8 may use
 * this packet's transit (not the first of a base).
 */
static __always_inline bool rtp_seq(struct sipfp_xdp_stats *s, __u32 ssrc,
				    __u16 seq, __u32 transit)
{
	__u16 udelta = seq - (__u16)s->max_seq;
	bool cont = true;

	if (!s->rtp_seen || s->ssrc != ssrc) {
		rtp_init(s, ssrc, seq, transit);
		cont = false;
	} else if (udelta < MAX_DROPOUT) {
		if (seq < (__u16)s->max_seq)
			s->cycles += RTP_SEQ_MOD;
		s->max_seq = seq;
	} else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
		rtp_init(s, ssrc, seq, transit);
		cont = false;
	}
	s->received++;
	return cont;
}

/*
 * RFC 3550 A.8: arrival in the stream's clock units.  Split at the second
 * so ns * rate cannot overflow; only differences count, so u32 wraps.
 */
static __always_inline __u32 rtp_arrival(__u64 now, __u32 rate)
{
	__u64 sec = now / NSEC_PER_SEC, ns = now % NSEC_PER_SEC;

	if (!rate)
		rate = 8000;
	return sec * rate + ns * rate / NSEC_PER_SEC;
}

static __always_inline void rtp_jitter(struct sipfp_xdp_stats *s, __u32 transit)
{
	__s32 d = transit - s->transit;

	s->transit = transit;
	if (d < 0)
		d = -d;
	s->jitter += d - ((s->jitter + 8) >> 4);
}

/*
 * RTP version 2 with a full fixed header; RFC 5761 4 tells RTCP apart
 * on a muxed port by its packet types 192-223 in the second byte.
 */
static __always_inline void rtp_track(struct sipfp_xdp_stats *s,
				      const struct sipfp_xdp_flow *f,
				      struct pkt *p)
{
	struct rtp_hdr *rtp = (void *)(p->udp + 1);
	__u32 transit;

	if ((void *)(rtp + 1) > p->data_end ||
	    bpf_ntohs(p->udp->len) < sizeof(struct udphdr) + sizeof(*rtp))
		return;
	if ((rtp->vpxcc >> 6) != 2 || (rtp->mpt >= 192 && rtp->mpt <= 223))
		return;
	transit = rtp_arrival(p->now, f->clock_rate) - bpf_ntohl(rtp->ts);
	if (rtp_seq(s, bpf_ntohl(rtp->ssrc), bpf_ntohs(rtp->seq), transit))
		rtp_jitter(s, transit);
}

/* Plain increments: the slot is this CPU's (see sipfp_xdp.h for sums). */
static __always_inline void count_fwd(struct sipfp_xdp_stats *s,
				      const struct sipfp_xdp_flow *f,
				      struct pkt *p)
{
	s->packets++;
	s->bytes += bpf_ntohs(p->udp->len) - sizeof(struct udphdr);
	s->last_ns = p->now;
	if (f->flags & SIPFP_XDP_F_RTP)
		rtp_track(s, f, p);
}

static __always_inline int send(struct pkt *p)
{
	if (p->out_ifindex == p->in_ifindex) {
		xstat_inc(SIPFP_XDP_X_FWD_TX);
		return XDP_TX;
	}
	/* pick_tx() has set the redirect up */
	xstat_inc(SIPFP_XDP_X_FWD_REDIRECT);
	return XDP_REDIRECT;
}

static __always_inline int flow_verdict(int x, struct sipfp_xdp_stats *s)
{
	xstat_inc(x);
	if (x == SIPFP_XDP_X_DROP_SOURCE)
		return XDP_DROP;
	if (s)
		s->passed++;
	return XDP_PASS;
}

static __always_inline int forward(struct xdp_md *ctx, struct pkt *p,
				   const struct sipfp_xdp_flow *f)
{
	struct bpf_fib_lookup fib = {};
	struct sipfp_xdp_stats *s;
	int x;

	s = bpf_map_lookup_elem(&sipfp_stats, &f->slot);
	x = check_flow(f, p, s);
	if (x == GO_ON)
		x = route(&fib, f, ctx, p);
	if (x == GO_ON)
		x = pick_tx(&fib, p);
	if (x != GO_ON)
		return flow_verdict(x, s);
	if (s)
		count_fwd(s, f, p);
	rewrite(p, f, &fib);
	return send(p);
}

SEC("xdp")
int sipfp_xdp(struct xdp_md *ctx)
{
	struct sipfp_xdp_flow *f;
	struct pkt p = {};
	int x;

	x = parse(ctx, &p);
	if (x == NOT_UDP)
		return XDP_PASS;
	if (!alive(&p))
		x = SIPFP_XDP_X_PASS_DORMANT;
	if (x != GO_ON) {
		xstat_inc(x);
		return XDP_PASS;
	}
	f = bpf_map_lookup_elem(&sipfp_flows, &p.key);
	if (!f) {
		xstat_inc(SIPFP_XDP_X_PASS_NO_FLOW);
		return XDP_PASS;
	}
	return forward(ctx, &p, f);
}

char LICENSE[] SEC("license") = "GPL";
