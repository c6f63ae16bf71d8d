/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flow table: the contract between the control plane (flow.c,
 * netlink.c) and the data plane (hook.c, rtp.c).
 *
 * Locking, in one place:
 * - Readers (the netfilter hook, softirq) hold rcu_read_lock() only. A
 *   flow found by sipfp_flow_lookup() stays valid until rcu_read_unlock();
 *   there is no reference count, because nothing outlives the hook call.
 * - Writers (netlink, the idle scanner) hold sipfp_net.lock, a mutex, for
 *   every change of the table, of a flow's config or of the totals.
 * - A flow's config is immutable once published, except its latch state;
 *   FLOW_SET publishes a new copy and frees the old one after a grace
 *   period, so the hook sees either config whole, never a mix.
 * - The latch state is written only under sipfp_flow.lock, by the one
 *   packet that latches (or by FLOW_SET), and published with a release
 *   store of cfg->latched: the steady-state path reads it with an acquire
 *   load and never takes the lock.
 * - Counters are per CPU (u64_stats); the control plane sums them.
 */
#ifndef _SIPFP_FLOW_H
#define _SIPFP_FLOW_H

#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/sipfp.h>

/*
 * An address and port in network byte order. family is AF_INET or
 * AF_INET6; the address bytes past an IPv4 address are zero, so that
 * endpoints compare and hash as plain memory.
 */
struct sipfp_ep {
	union nf_inet_addr addr;
	__be16 port;
	u8 family;
	u8 pad;
};

/* Per-flow counters, indexed the same way as their sums in sipfp_net. */
enum sipfp_fc {
	SIPFP_FC_PACKETS,
	SIPFP_FC_BYTES,
	SIPFP_FC_DROP_SOURCE,
	SIPFP_FC_DROP_NO_PEER,
	SIPFP_FC_DROP_ROUTE,
	SIPFP_FC_NUM
};

struct sipfp_flow_pcpu {
	u64_stats_t cnt[SIPFP_FC_NUM];
	struct u64_stats_sync syncp;
};

/*
 * What the hook reads for each packet, replaced whole by FLOW_SET. OUT and
 * PEER share a family, which may differ from LOCAL's (4 <-> 6).
 */
struct sipfp_flow_cfg {
	struct rcu_head rcu;
	struct sipfp_ep out;
	struct sipfp_ep peer;	/* valid only if has_peer */
	struct sipfp_ep src;	/* expected source; not with SRC_ANY */
	bool has_peer;		/* PEER given, not 0.0.0.0 or :: */
	u8 src_mode;		/* enum sipfp_src_mode */
	u8 dscp;		/* 0..63, not yet shifted into the TOS byte */
	u32 flags;		/* SIPFP_F_* */
	u32 clock_rate;		/* Hz, never 0 */
	u32 idle_ms;		/* control plane only */
	u32 timeout_ms;		/* control plane only */
	u32 latch_ms;		/* control plane only */
	unsigned long latch_until;	/* jiffies; LATCH only */
	/*
	 * LATCH only. latched goes false -> true once, under the flow's lock,
	 * after latched_src is written; latched_src never changes after.
	 */
	bool latched;
	struct sipfp_ep latched_src;
};

struct sipfp_rtp;

struct sipfp_flow {
	struct rhash_head node;
	struct sipfp_ep local;		/* the key, hashed whole */
	u64 cookie;
	struct net *net;
	struct sipfp_flow_cfg __rcu *cfg;
	spinlock_t lock;		/* latching and replacing cfg */
	struct sipfp_flow_pcpu __percpu *pcpu;
	struct sipfp_rtp *rtp;		/* rtp.c's, every flow has one */
	/* jiffies, written by the hook only when they change */
	unsigned long last_rx;		/* from an acceptable source */
	unsigned long last_fwd;		/* a forwarded packet */
	unsigned long mismatch_at;	/* the last SOURCE_MISMATCH event */
	/* control plane only, under sipfp_net.lock */
	struct list_head list;
	unsigned long idle_mark;	/* last_rx when IDLE was last sent */
	bool idle_sent;
	struct rcu_head rcu;
};

struct sipfp_net_pcpu {
	u64_stats_t passed;
	struct u64_stats_sync syncp;
};

struct sipfp_net {
	struct net *net;
	struct mutex lock;		/* every writer of what follows */
	struct rhashtable table;
	struct list_head flows;		/* creation order, for dumps */
	unsigned int nflows;
	unsigned int gen;		/* bumped by every change, for dumps */
	u64 retired[SIPFP_FC_NUM];	/* the counters of removed flows */
	u64 expired;
	struct sipfp_net_pcpu __percpu *pcpu;
	struct delayed_work scan;	/* idle events and expiry */
};

extern unsigned int sipfp_net_id;
extern unsigned int sipfp_max_flows;

static inline struct sipfp_net *sipfp_net(const struct net *net)
{
	return net_generic(net, sipfp_net_id);
}

/*
 * The data plane's side. All of these run in softirq (or with BH
 * disabled) under rcu_read_lock().
 */

/* The flow whose LOCAL endpoint is (daddr, dport), or NULL. */
struct sipfp_flow *sipfp_flow_lookup(struct net *net, int family,
				     const union nf_inet_addr *daddr,
				     __be16 dport);

static inline struct sipfp_flow_cfg *sipfp_flow_cfg(struct sipfp_flow *f)
{
	return rcu_dereference(f->cfg);
}

static inline bool sipfp_addr_eq(int family, const union nf_inet_addr *a,
				 const union nf_inet_addr *b)
{
	if (family == AF_INET)
		return a->ip == b->ip;
	return ipv6_addr_equal(&a->in6, &b->in6);
}

enum sipfp_judgement {
	SIPFP_J_PASS,	/* an acceptable source: forward */
	SIPFP_J_LATCH,	/* may latch: call sipfp_flow_latched() */
	SIPFP_J_DROP,	/* count DROP_SOURCE, call sipfp_flow_mismatch() */
};

/*
 * Judges the source of a packet against cfg, as the uapi header's
 * enum sipfp_src_mode says. The family is the flow's LOCAL family.
 */
static inline enum sipfp_judgement
sipfp_flow_judge(const struct sipfp_flow_cfg *c, int family,
		 const union nf_inet_addr *saddr, __be16 sport)
{
	const struct sipfp_ep *ep = &c->src;

	if (c->src_mode == SIPFP_SRC_ANY)
		return SIPFP_J_PASS;
	if (c->src_mode == SIPFP_SRC_LATCH && smp_load_acquire(&c->latched))
		ep = &c->latched_src;
	if (!sipfp_addr_eq(family, &ep->addr, saddr))
		return SIPFP_J_DROP;
	if (ep->port && ep->port != sport)
		return SIPFP_J_DROP;
	if (ep == &c->src && c->src_mode == SIPFP_SRC_LATCH &&
	    time_before(jiffies, c->latch_until))
		return SIPFP_J_LATCH;
	return SIPFP_J_PASS;
}

/*
 * Latches f to (saddr, sport) and sends SIPFP_EVENT_LATCHED, if the flow's
 * current config still allows it. True: the packet may pass (it latched,
 * or another CPU latched this same source first). False: another source
 * won, or FLOW_SET changed the rules meanwhile; judge the packet again.
 */
bool sipfp_flow_latched(struct sipfp_flow *f, const union nf_inet_addr *saddr,
			__be16 sport);

/* Sends SIPFP_EVENT_SOURCE_MISMATCH, at most once per second per flow. */
void sipfp_flow_mismatch(struct sipfp_flow *f, const union nf_inet_addr *saddr,
			 __be16 sport);

static inline void sipfp_touch(unsigned long *when)
{
	unsigned long now = jiffies;

	/* one store per jiffy at most, so the cache line stays shared */
	if (READ_ONCE(*when) != now)
		WRITE_ONCE(*when, now);
}

/* A packet forwarded; payload is the UDP payload's length in bytes. */
static inline void sipfp_flow_fwd(struct sipfp_flow *f, unsigned int payload)
{
	struct sipfp_flow_pcpu *c = this_cpu_ptr(f->pcpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->cnt[SIPFP_FC_PACKETS]);
	u64_stats_add(&c->cnt[SIPFP_FC_BYTES], payload);
	u64_stats_update_end(&c->syncp);
	sipfp_touch(&f->last_rx);
	sipfp_touch(&f->last_fwd);
}

/*
 * A packet dropped for why (SIPFP_FC_DROP_*). A packet from an acceptable
 * source still shows that the call is alive, so it defers IDLE and
 * TIMEOUT; one from a wrong source does not.
 */
static inline void sipfp_flow_drop(struct sipfp_flow *f, enum sipfp_fc why)
{
	struct sipfp_flow_pcpu *c = this_cpu_ptr(f->pcpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->cnt[why]);
	u64_stats_update_end(&c->syncp);
	if (why != SIPFP_FC_DROP_SOURCE)
		sipfp_touch(&f->last_rx);
}

/* A packet to a flow's endpoint left to the stack (STATS_A_PASSED). */
static inline void sipfp_net_passed(struct net *net)
{
	struct sipfp_net_pcpu *c = this_cpu_ptr(sipfp_net(net)->pcpu);

	u64_stats_update_begin(&c->syncp);
	u64_stats_inc(&c->passed);
	u64_stats_update_end(&c->syncp);
}

/*
 * rtp.c's side of a flow, called by flow.c in process context:
 * sipfp_rtp_alloc() at FLOW_NEW, sipfp_rtp_free() after the flow's grace
 * period, and sipfp_rtp_fill() into the open SIPFP_FLOW_A_COUNTERS nest,
 * adding SIPFP_CNT_A_SSRC .. _JITTER once a valid RTP header was seen
 * (0 or -EMSGSIZE).
 */
struct sk_buff;
struct sipfp_rtp *sipfp_rtp_alloc(gfp_t gfp);
void sipfp_rtp_free(struct sipfp_rtp *rtp);
int sipfp_rtp_fill(struct sk_buff *skb, const struct sipfp_rtp *rtp);

/* The control plane's side (flow.c), for main.c and netlink.c. */
int sipfp_flow_init(void);
void sipfp_flow_exit(void);
void sipfp_ep_set(struct sipfp_ep *ep, int family,
		  const union nf_inet_addr *addr, __be16 port);
struct sipfp_flow *sipfp_flow_alloc(struct net *net,
				    const struct sipfp_ep *local, u64 cookie);
void sipfp_flow_destroy(struct sipfp_flow *f);
void sipfp_flow_sum(const struct sipfp_flow *f, u64 sum[SIPFP_FC_NUM]);
u64 sipfp_net_passed_sum(const struct sipfp_net *sn);
/* these under sipfp_net.lock */
struct sipfp_flow *sipfp_flow_find(struct sipfp_net *sn,
				   const struct sipfp_ep *local);
struct sipfp_flow_cfg *sipfp_flow_cfg_locked(struct sipfp_net *sn,
					     struct sipfp_flow *f);
int sipfp_flow_insert(struct sipfp_net *sn, struct sipfp_flow *f);
void sipfp_flow_publish(struct sipfp_net *sn, struct sipfp_flow *f,
			struct sipfp_flow_cfg *cfg, bool reset);
void sipfp_flow_remove(struct sipfp_net *sn, struct sipfp_flow *f,
		       int reason);
unsigned int sipfp_flow_flush(struct sipfp_net *sn, u64 cookie, u64 mask,
			      int reason);
void sipfp_net_totals(struct sipfp_net *sn, u64 sum[SIPFP_FC_NUM]);

#endif /* _SIPFP_FLOW_H */
