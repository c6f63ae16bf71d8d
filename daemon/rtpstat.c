// SPDX-License-Identifier: GPL-2.0
/*
 * RTP receive statistics per RFC 3550 A.1 (sequence validation), A.3
 * (expected, lost) and A.8 (interarrival jitter, in the integer form
 * that keeps J scaled by 16).  Header fields are big-endian (§5.1).
 */
#include <errno.h>
#include <string.h>

#include "rtpstat.h"

#define RTP_SEQ_MOD (1u << 16)
/* A.1's suggested limits: at 50 packets/s, a minute of loss or 2 s early */
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define MIN_SEQUENTIAL 2

void rtpstat_reset(struct rtpstat *s)
{
	memset(s, 0, sizeof(*s));
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int rtpstat_hdr_len(const uint8_t *pkt, size_t len)
{
	size_t hl;

	if (len < RTP_HDR_MIN || pkt[0] >> 6 != 2)
		return -EBADMSG;
	/* RFC 5761 §4: RTCP SR..APP read as marker + PT 72..76 */
	if (pkt[1] >= 192 && pkt[1] <= 223)
		return -EBADMSG;
	hl = RTP_HDR_MIN + 4 * (pkt[0] & 0x0f);
	if (pkt[0] & 0x10) {
		/* §5.3.1: profile word, then a length in 32-bit words */
		if (len < hl + 4)
			return -EBADMSG;
		hl += 4 + 4 * (size_t)be16(pkt + hl + 2);
	}
	if (hl > len)
		return -EBADMSG;
	/* §5.1: the last octet counts the padding, itself included */
	if ((pkt[0] & 0x20) && (!pkt[len - 1] || pkt[len - 1] > len - hl))
		return -EBADMSG;
	return (int)hl;
}

/* A.1 init_seq() */
static void init_seq(struct rtpstat *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTP_SEQ_MOD + 1;
	s->cycles = 0;
	s->received = 0;
}

/* A.1: a new source starts on probation */
static void start(struct rtpstat *s, uint32_t ssrc, uint16_t seq)
{
	rtpstat_reset(s);
	s->seen = true;
	s->ssrc = ssrc;
	init_seq(s, seq);
	s->max_seq = seq - 1;
	s->probation = MIN_SEQUENTIAL;
}

/*
 * The @n packets in sequence ending at @seq made the source valid: they
 * all count (see rtpstat.h), so the base is the first of them, which may
 * lie before 0 when the run wrapped.
 */
static void validate(struct rtpstat *s, uint16_t seq, unsigned int n)
{
	init_seq(s, seq);
	s->valid = true;
	s->base_seq = (int64_t)seq - (n - 1);
	s->received = n;
}

static int probation(struct rtpstat *s, uint16_t seq)
{
	if (seq == (uint16_t)(s->max_seq + 1)) {
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
static int update_seq(struct rtpstat *s, uint16_t seq)
{
	uint16_t udelta = seq - s->max_seq;

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
 * A.8: D is the change in relative transit time, both sides in
 * timestamp units; J += (|D| - J) / 16, with J kept as 16 J.  Unsigned
 * arithmetic: transit times wrap like the timestamps they come from.
 */
static void update_jitter(struct rtpstat *s, uint32_t ts, uint64_t arrival_ms,
			  uint32_t clock_rate)
{
	uint32_t arrival = (uint32_t)(arrival_ms * clock_rate / 1000);
	uint32_t transit = arrival - ts;
	uint32_t d = transit - s->transit;

	if ((int32_t)d < 0)
		d = -d;
	if (s->have_transit)
		s->jitter += d - ((s->jitter + 8) >> 4);
	s->transit = transit;
	s->have_transit = true;
}

int rtpstat_update(struct rtpstat *s, const uint8_t *pkt, size_t len,
		   uint64_t arrival_ms, uint32_t clock_rate)
{
	uint32_t ssrc;
	uint16_t seq;
	int ret;

	if (rtpstat_hdr_len(pkt, len) < 0)
		return -EBADMSG;
	seq = be16(pkt + 2);
	ssrc = be32(pkt + 8);
	if (!s->seen || ssrc != s->ssrc)
		start(s, ssrc, seq);
	ret = update_seq(s, seq);
	/* a packet set aside as a jump would count its jump as jitter */
	if (ret || s->probation)
		update_jitter(s, be32(pkt + 4), arrival_ms,
			      clock_rate ? clock_rate : 8000);
	return ret;
}

uint64_t rtpstat_expected(const struct rtpstat *s)
{
	if (!s->valid)
		return 0;
	return (uint64_t)((int64_t)rtpstat_ext_max(s) - s->base_seq + 1);
}

int64_t rtpstat_lost(const struct rtpstat *s)
{
	return (int64_t)rtpstat_expected(s) - (int64_t)s->received;
}
