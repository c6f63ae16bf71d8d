// SPDX-License-Identifier: GPL-2.0
/*
 * RTP receive statistics per RFC 3550 A.1 (sequence validation), A.3
 * (expected, lost) and A.8 (interarrival jitter, in the integer form that
 * keeps J scaled by 16). Function for function the maths of
 * daemon/rtpstat.c; only the clock differs: arrival times come from the
 * monotonic clock in nanoseconds rather than the event loop's
 * milliseconds, which at 8 kHz would add up to 8 units of noise per
 * packet to the jitter. Header fields are big-endian (RFC 3550 §5.1).
 */
#include <linux/math64.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/netlink.h>

#include "flow.h"
#include "rtp.h"

#define RTP_HDR_MIN 12
#define RTP_SEQ_MOD (1U << 16)
/* A.1's suggested limits: at 50 packets/s, a minute of loss or 2 s early */
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define MIN_SEQUENTIAL 2

/* RFC 3550 §5.1, the fixed part */
struct rtp_hdr {
	u8 vpxcc;
	u8 mpt;
	__be16 seq;
	__be32 ts;
	__be32 ssrc;
};

/*
 * A.1's checks that need no profile, as rtpstat_hdr_len() makes them, on
 * a payload that may not be linear: version 2, CSRCs, extension, padding,
 * and no RTCP multiplexed on the port (RFC 5761 §4: a second octet of
 * 192..223 is an RTCP SR..APP read as marker + PT 72..76).
 */
static bool hdr_ok(const struct sk_buff *skb, unsigned int off,
		   unsigned int len, const struct rtp_hdr *h)
{
	unsigned int hl = RTP_HDR_MIN + 4 * (h->vpxcc & 0x0f);
	const __be16 *ext;
	__be16 ebuf[2];
	const u8 *pad;
	u8 pbuf;

	if (h->vpxcc >> 6 != 2 || (h->mpt >= 192 && h->mpt <= 223))
		return false;
	if (h->vpxcc & 0x10) {
		/* §5.3.1: profile word, then a length in 32-bit words */
		if (len < hl + 4)
			return false;
		ext = skb_header_pointer(skb, off + hl, sizeof(ebuf), ebuf);
		if (!ext)
			return false;
		hl += 4 + 4 * be16_to_cpu(ext[1]);
	}
	if (hl > len)
		return false;
	if (!(h->vpxcc & 0x20))
		return true;
	/* §5.1: the last octet counts the padding, itself included */
	pad = skb_header_pointer(skb, off + len - 1, 1, &pbuf);
	return pad && *pad && *pad <= len - hl;
}

/* A.1 init_seq() */
static void init_seq(struct sipfp_rtp_state *s, u16 seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTP_SEQ_MOD + 1;
	s->cycles = 0;
	s->received = 0;
}

/* A.1: a new source starts on probation */
static void start(struct sipfp_rtp_state *s, u32 ssrc, u16 seq)
{
	memset(s, 0, sizeof(*s));
	s->seen = true;
	s->ssrc = ssrc;
	init_seq(s, seq);
	s->max_seq = seq - 1;
	s->probation = MIN_SEQUENTIAL;
}

/*
 * The @n packets in sequence ending at @seq made the source valid: they
 * all count, so the base is the first of them, which may lie before 0
 * when the run wrapped.
 */
static void validate(struct sipfp_rtp_state *s, u16 seq, unsigned int n)
{
	init_seq(s, seq);
	s->valid = true;
	s->base_seq = (s64)seq - (n - 1);
	s->received = n;
}

static int probation(struct sipfp_rtp_state *s, u16 seq)
{
	if (seq == (u16)(s->max_seq + 1)) {
		s->probation--;
		s->max_seq = seq;
		if (!s->probation) {
			validate(s, seq, MIN_SEQUENTIAL);
			return 1;
		}
	} else {
		s->probation = MIN_SEQUENTIAL - 1;
		s->max_seq = seq;
	}
	return 0;
}

/* A.1 update_seq(): 1 when the packet counts as received */
static int update_seq(struct sipfp_rtp_state *s, u16 seq)
{
	u16 udelta = seq - s->max_seq;

	if (s->probation)
		return probation(s, seq);
	if (udelta < MAX_DROPOUT) {
		/* in order, with a permissible gap */
		if (seq < s->max_seq)
			s->cycles += RTP_SEQ_MOD;
		s->max_seq = seq;
	} else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
		/*
		 * A large jump: two in sequence mean the sender restarted
		 * without a new SSRC, so start over from them.
		 */
		if (seq != s->bad_seq) {
			s->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
			return 0;
		}
		validate(s, seq, 2);
		return 1;
	}
	/* else a duplicate or a reordered packet: counted, A.3 allows it */
	s->received++;
	return 1;
}

/*
 * A.8: D is the change in relative transit time, both sides in timestamp
 * units; J += (|D| - J) / 16, with J kept as 16 J. Unsigned arithmetic:
 * transit times wrap like the timestamps they come from, so only the low
 * 32 bits of the arrival time matter, but the product needs 96.
 */
static void update_jitter(struct sipfp_rtp_state *s, u32 ts, u64 now_ns,
			  u32 clock_rate)
{
	u32 arrival = (u32)mul_u64_u32_div(now_ns, clock_rate, NSEC_PER_SEC);
	u32 transit = arrival - ts;
	u32 d = transit - s->transit;

	if ((s32)d < 0)
		d = -d;
	if (s->have_transit)
		s->jitter += d - ((s->jitter + 8) >> 4);
	s->transit = transit;
	s->have_transit = true;
}

static void account(struct sipfp_rtp_state *s, const struct rtp_hdr *h,
		    u64 now_ns, u32 clock_rate)
{
	u16 seq = be16_to_cpu(h->seq);
	u32 ssrc = be32_to_cpu(h->ssrc);
	int ret;

	if (!s->seen || ssrc != s->ssrc)
		start(s, ssrc, seq);
	ret = update_seq(s, seq);
	/* a packet set aside as a jump would count its jump as jitter */
	if (ret || s->probation)
		update_jitter(s, be32_to_cpu(h->ts), now_ns,
			      clock_rate ? clock_rate : 8000);
}

void sipfp_rtp_update(struct sipfp_rtp *rtp, const struct sk_buff *skb,
		      unsigned int off, unsigned int len, u32 clock_rate)
{
	const struct rtp_hdr *h;
	struct rtp_hdr buf;
	u64 now;

	if (len < RTP_HDR_MIN)
		return;
	h = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!h || !hdr_ok(skb, off, len, h))
		return;
	now = ktime_get_ns();
	write_seqlock(&rtp->lock);
	account(&rtp->st, h, now, clock_rate);
	write_sequnlock(&rtp->lock);
}

struct sipfp_rtp *sipfp_rtp_alloc(gfp_t gfp)
{
	struct sipfp_rtp *rtp = kzalloc(sizeof(*rtp), gfp);

	if (rtp)
		seqlock_init(&rtp->lock);
	return rtp;
}

void sipfp_rtp_free(struct sipfp_rtp *rtp)
{
	kfree(rtp);
}

/* A.3 */
static u64 expected(const struct sipfp_rtp_state *s)
{
	if (!s->valid)
		return 0;
	return (u64)((s64)(s->cycles + s->max_seq) - s->base_seq + 1);
}

int sipfp_rtp_fill(struct sk_buff *skb, const struct sipfp_rtp *rtp)
{
	struct sipfp_rtp_state s;
	unsigned int seq;
	u64 exp;

	do {
		seq = read_seqbegin(&rtp->lock);
		s = rtp->st;
	} while (read_seqretry(&rtp->lock, seq));
	if (!s.seen)
		return 0;
	exp = expected(&s);
	if (nla_put_u32(skb, SIPFP_CNT_A_SSRC, s.ssrc) ||
	    nla_put_u32(skb, SIPFP_CNT_A_EXT_MAX_SEQ, s.cycles + s.max_seq) ||
	    nla_put_u64_64bit(skb, SIPFP_CNT_A_EXPECTED, exp,
			      SIPFP_CNT_A_PAD) ||
	    nla_put_s64(skb, SIPFP_CNT_A_LOST, (s64)exp - (s64)s.received,
			SIPFP_CNT_A_PAD) ||
	    nla_put_u32(skb, SIPFP_CNT_A_JITTER, s.jitter >> 4))
		return -EMSGSIZE;
	return 0;
}
