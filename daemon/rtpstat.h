/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receive statistics of one RTP stream, as RFC 3550 computes them:
 * sequence validation, cycles, expected and lost (A.1, A.3) and the
 * interarrival jitter (A.8).  Pure: the caller hands in each packet's
 * arrival time, so the figures can be checked without a clock.
 *
 * One difference from A.1: the MIN_SEQUENTIAL packets that validate a
 * source (and the two that re-synchronise it after a large jump) count
 * as received, and the base sequence is the first of them, so a stream
 * of N packets in order reports expected = received = N rather than
 * N - 1.  A relay's counters are compared with what a phone sent.
 */
#ifndef SIPFP_RTPSTAT_H
#define SIPFP_RTPSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_HDR_MIN 12

struct rtpstat {
	bool seen; /* a packet of @ssrc was accepted as RTP */
	bool valid; /* out of probation */
	bool have_transit;
	uint16_t max_seq;
	uint32_t ssrc;
	uint32_t cycles; /* count of wraps, shifted left 16 */
	int64_t base_seq; /* extended; one below 0 when validation wrapped */
	uint32_t bad_seq; /* after a large jump: the next one expected */
	uint32_t probation; /* sequential packets still needed */
	uint64_t received;
	uint32_t transit; /* of the previous packet, timestamp units */
	uint32_t jitter; /* J scaled by 16 (A.8's integer form) */
};

/* Starts over, as for a new source. */
void rtpstat_reset(struct rtpstat *s);

/**
 * rtpstat_hdr_len() - length of the RTP header at @pkt
 * @pkt: a UDP payload
 * @len: its length
 *
 * Checks version 2, the CSRC list, the extension and padding (A.1's
 * checks that need no profile), and rejects RTCP multiplexed on the
 * port (RFC 5761 §4: a second octet of 192..223).
 *
 * Return: the header length (fixed part, CSRCs, extension), or
 * -EBADMSG.
 */
int rtpstat_hdr_len(const uint8_t *pkt, size_t len);

/**
 * rtpstat_update() - account for one received packet
 * @s: the stream's state
 * @pkt: the UDP payload
 * @len: its length
 * @arrival_ms: when it arrived, any millisecond clock
 * @clock_rate: the RTP clock in Hz; 0 means 8000
 *
 * A new SSRC starts the source over.
 *
 * Return: 1 when the packet counts as received, 0 when A.1 sets it
 * aside (probation, a large jump), -EBADMSG when it is not RTP.
 */
int rtpstat_update(struct rtpstat *s, const uint8_t *pkt, size_t len,
		   uint64_t arrival_ms, uint32_t clock_rate);

/* cycles << 16 | highest sequence seen */
static inline uint32_t rtpstat_ext_max(const struct rtpstat *s)
{
	return s->cycles + s->max_seq;
}

/* A.3: highest extended sequence - base + 1; 0 in probation. */
uint64_t rtpstat_expected(const struct rtpstat *s);

/* A.3: expected - received; negative when duplicates arrived. */
int64_t rtpstat_lost(const struct rtpstat *s);

/* A.8: the jitter in timestamp units. */
static inline uint32_t rtpstat_jitter(const struct rtpstat *s)
{
	return s->jitter >> 4;
}

#endif
