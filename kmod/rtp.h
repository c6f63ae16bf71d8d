/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receive statistics of one flow's RTP stream, as RFC 3550 A.1 (sequence
 * validation, cycles), A.3 (expected, lost) and A.8 (interarrival jitter)
 * compute them: the kernel's twin of daemon/rtpstat.c, with the same
 * deviation from A.1 (the packets that validate a source count as
 * received), so the relay and the module report the same figures.
 *
 * Locking: only the flow's own packets write the state, under the
 * seqlock's spinlock; RSS keeps one flow on one CPU in practice, so the
 * lock is uncontended and stays in that CPU's cache. A per-CPU copy would
 * be cheaper still but wrong: sequence tracking and jitter are defined
 * over one ordered stream. Netlink readers take a lockless snapshot and
 * retry, so a dump never stalls the packet path.
 */
#ifndef _SIPFP_RTP_H
#define _SIPFP_RTP_H

#include <linux/seqlock.h>
#include <linux/types.h>

struct sk_buff;

struct sipfp_rtp_state {
	bool seen;		/* a packet was accepted as RTP */
	bool valid;		/* out of probation */
	bool have_transit;
	u16 max_seq;
	u32 ssrc;
	u32 cycles;		/* count of wraps, shifted left 16 */
	s64 base_seq;		/* extended; below 0 when validation wrapped */
	u32 bad_seq;		/* after a large jump: the next one expected */
	u32 probation;		/* sequential packets still needed */
	u64 received;
	u32 transit;		/* of the previous packet, timestamp units */
	u32 jitter;		/* J scaled by 16 (A.8's integer form) */
};

struct sipfp_rtp {
	seqlock_t lock;
	struct sipfp_rtp_state st;
};

/*
 * Accounts for the UDP payload at @off (@len bytes) of @skb, arriving
 * now, on a clock of @clock_rate Hz. Softirq, the flow's packets only.
 */
void sipfp_rtp_update(struct sipfp_rtp *rtp, const struct sk_buff *skb,
		      unsigned int off, unsigned int len, u32 clock_rate);

#endif /* _SIPFP_RTP_H */
