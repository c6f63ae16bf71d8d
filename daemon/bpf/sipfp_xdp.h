/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The XDP fast path's maps, shared by sipfp_xdp.bpf.c and its loader
 * (daemon/fastpath_xdp.c, tools/bench, selftests).  Byte order is given
 * for every field: "net" is network order, "host" the CPU's.
 *
 * Addresses are 16 bytes; an IPv4 address is stored IPv4-mapped
 * (::ffff:a.b.c.d), so one key type serves both families and a v4 and a
 * v6 flow can never collide.
 *
 * Maps (all pinned under SIPFP_XDP_PIN_DIR/<netns inode>/ by the daemon,
 * so a restarted sipfpd finds its flows and media never stops):
 *
 *   sipfp_flows  HASH        struct sipfp_xdp_key -> struct sipfp_xdp_flow
 *                written by the daemon only; the program reads it.
 *   sipfp_stats  PERCPU_ARRAY slot -> struct sipfp_xdp_stats
 *                per-flow counters, one slot per flow (sipfp_xdp_flow.slot),
 *                written by the program only; the daemon zeroes a slot
 *                before it gives it to a new flow and sums the CPUs.
 *   sipfp_xstats PERCPU_ARRAY enum sipfp_xdp_xstat -> __u64
 *                what happened to every UDP packet the program looked at.
 *   sipfp_tx     DEVMAP_HASH  ifindex -> ifindex: the interfaces the
 *                program may redirect to (those it is attached to).
 *   sipfp_vlans  HASH        struct sipfp_xdp_vlan_key -> __u32 ifindex of
 *                the VLAN device; and sipfp_vlan_dev the reverse
 *                (VLAN device ifindex -> struct sipfp_xdp_vlan_key).
 *   sipfp_ctl    ARRAY[1]    struct sipfp_xdp_ctl.
 */
#ifndef SIPFP_XDP_H
#define SIPFP_XDP_H

#include <linux/types.h>

#define SIPFP_XDP_PIN_DIR "/sys/fs/bpf/sipfp"
#define SIPFP_XDP_MAX_FLOWS 262144 /* default; the loader may resize */

/* sipfp_xdp_flow.src_mode */
enum sipfp_xdp_src {
	SIPFP_XDP_SRC_ANY, /* any source */
	/* exactly src_addr; src_port too unless it is 0 */
	SIPFP_XDP_SRC_FIXED,
	/*
	 * Still latching: every packet passes to the stack, where the module
	 * or the relay latches; the daemon then rewrites the flow as FIXED.
	 */
	SIPFP_XDP_SRC_LATCH,
};

/* sipfp_xdp_flow.flags */
#define SIPFP_XDP_F_RTP (1U << 0) /* track RTP sequence and jitter */
/* no peer (none yet, or on hold): pass, the slow path drops and counts */
#define SIPFP_XDP_F_NO_PEER (1U << 1)
#define SIPFP_XDP_F_ALL (SIPFP_XDP_F_RTP | SIPFP_XDP_F_NO_PEER)

/* A flow is named by the endpoint its packets are sent to: ours. */
struct sipfp_xdp_key {
	__u8 addr[16]; /* net; IPv4-mapped for IPv4 */
	__be16 port; /* net */
	__u16 pad; /* 0 */
};

struct sipfp_xdp_flow {
	__u64 cookie; /* host: the daemon's name for the flow */
	__u8 src_addr[16]; /* net: expected source (FIXED) */
	__u8 out_addr[16]; /* net: new source address, our other leg */
	__u8 peer_addr[16]; /* net: new destination */
	__be16 src_port; /* net; 0: any port of src_addr */
	__be16 out_port; /* net */
	__be16 peer_port; /* net */
	__u8 src_mode; /* enum sipfp_xdp_src */
	__u8 dscp; /* 0..63, written into every forwarded packet */
	__u32 flags; /* host: SIPFP_XDP_F_* */
	__u32 slot; /* host: index into sipfp_stats */
	__u32 clock_rate; /* host: RTP clock in Hz for jitter; 0: 8000 */
};

/*
 * Per flow, per CPU.  Exact when summed over CPUs: packets, bytes,
 * drop_source, passed.  last_ns: the maximum.  The RTP fields run RFC
 * 3550 A.1/A.8 over the packets this CPU saw: exact when one CPU sees
 * the flow (one receive queue, the usual case for one 5-tuple), see the
 * loader for how it merges CPUs otherwise.
 */
struct sipfp_xdp_stats {
	__u64 packets; /* host: forwarded */
	__u64 bytes; /* host: forwarded UDP payload bytes */
	__u64 drop_source; /* host: dropped, not from the expected source */
	__u64 passed; /* host: left to the stack (latching, no neighbour...) */
	__u64 last_ns; /* host: bpf_ktime_get_ns() of the last forwarded */
	__u8 bad_addr[16]; /* net: the last source dropped */
	__be16 bad_port; /* net */
	__u16 rtp_seen; /* host: 1 once a valid RTP header was seen */
	__u32 ssrc; /* host */
	__u32 cycles; /* host: sequence cycles << 16 */
	__u32 base_seq; /* host: first sequence of this SSRC */
	__u32 max_seq; /* host: highest sequence, 16 bits used */
	__u32 received; /* host: RTP packets of this SSRC */
	__u32 transit; /* host: last relative transit, timestamp units */
	__u32 jitter; /* host: RFC 3550 J << 4 */
};

/* sipfp_xstats indices: every UDP packet to the box lands in one. */
enum sipfp_xdp_xstat {
	SIPFP_XDP_X_FWD_TX, /* forwarded, same interface */
	SIPFP_XDP_X_FWD_REDIRECT, /* forwarded, another interface */
	SIPFP_XDP_X_DROP_SOURCE, /* a flow's port, wrong source */
	SIPFP_XDP_X_PASS_NO_FLOW, /* not a flow's endpoint */
	SIPFP_XDP_X_PASS_LATCH, /* flow still latching */
	SIPFP_XDP_X_PASS_NO_PEER, /* flow without a peer */
	SIPFP_XDP_X_PASS_FRAGMENT, /* IPv4 fragment or IPv6 extension header */
	SIPFP_XDP_X_PASS_OPTIONS, /* IPv4 header with options */
	SIPFP_XDP_X_PASS_MALFORMED, /* truncated or inconsistent lengths */
	SIPFP_XDP_X_PASS_TTL, /* TTL or hop limit would reach 0 */
	SIPFP_XDP_X_PASS_FAMILY, /* IPv4 in, IPv6 out or back: the stack's */
	SIPFP_XDP_X_PASS_NO_NEIGH, /* next hop not resolved yet */
	SIPFP_XDP_X_PASS_NO_ROUTE, /* fib lookup failed otherwise */
	SIPFP_XDP_X_PASS_NO_TX, /* next hop on an interface without us */
	SIPFP_XDP_X_PASS_DORMANT, /* no daemon heartbeat: pass everything */
	SIPFP_XDP_X_MAX,
};

/* For a tagged frame: the lower device it came in on and its VID. */
struct sipfp_xdp_vlan_key {
	__u32 ifindex; /* host: the lower (XDP) device */
	__u16 vid; /* host: 12 bits */
	__u16 pad; /* 0 */
};

/*
 * sipfp_xdp_ctl.flags: sipfp_vlan_dev may hold an entry.  The loader sets
 * it before it adds the first and clears it only once none is left, so
 * that without VLAN devices the program need not look an untagged
 * frame's way out up there (a map lookup is a call, a good part of what
 * a packet costs).
 */
#define SIPFP_XDP_CTL_VLANS (1U << 0)

/*
 * The daemon's heartbeat.  Past alive_until_ns (CLOCK_MONOTONIC, as
 * bpf_ktime_get_ns()) the program forwards nothing: a sipfpd that died
 * and was never restarted does not keep stealing its old ports' packets.
 */
struct sipfp_xdp_ctl {
	__u64 alive_until_ns; /* host */
	__u32 flags; /* host: SIPFP_XDP_CTL_* */
	__u32 pad; /* 0 */
};

#endif
