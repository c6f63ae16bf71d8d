// SPDX-License-Identifier: GPL-2.0
/*
 * RTP statistics (RFC 3550 A.1, A.3, A.8): header checks, sequence
 * validation, loss, reordering, duplicates, wrap, restarts and jitter,
 * each against figures worked out by hand in the comments.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "rtpstat.h"

#define SSRC_A 0x11223344u
#define SSRC_B 0xcafef00du

static uint8_t pkt[64];

/* A 12-byte header, PT 0, then @len - 12 octets of payload. */
static size_t mk(uint16_t seq, uint32_t ts, uint32_t ssrc)
{
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = 0;
	pkt[2] = seq >> 8;
	pkt[3] = seq & 0xff;
	pkt[4] = ts >> 24;
	pkt[5] = ts >> 16;
	pkt[6] = ts >> 8;
	pkt[7] = ts;
	pkt[8] = ssrc >> 24;
	pkt[9] = ssrc >> 16;
	pkt[10] = ssrc >> 8;
	pkt[11] = ssrc;
	return 12 + 20;
}

static int feed(struct rtpstat *s, uint16_t seq, uint32_t ts, uint64_t ms)
{
	size_t len = mk(seq, ts, SSRC_A);

	return rtpstat_update(s, pkt, len, ms, 8000);
}

/* Feeds @n sequence numbers, 20 ms and 160 timestamp units apart. */
static void feed_seqs(struct rtpstat *s, const uint16_t *seqs, int n)
{
	for (int i = 0; i < n; i++)
		feed(s, seqs[i], 160u * seqs[i], 20u * seqs[i]);
}

static void test_hdr(void)
{
	size_t len = mk(1, 0, SSRC_A);

	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), 12);
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 12), 12);
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 11), -EBADMSG);
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 0), -EBADMSG);
	/* version 1, version 3 */
	pkt[0] = 0x40;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), -EBADMSG);
	pkt[0] = 0xc0;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), -EBADMSG);
	/* two CSRCs: 20 octets of header */
	pkt[0] = 0x82;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 20), 20);
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 19), -EBADMSG);
	/* 15 CSRCs: 72 octets, longer than the 32 we have */
	pkt[0] = 0x8f;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), -EBADMSG);
}

static void test_hdr_ext(void)
{
	mk(1, 0, SSRC_A);
	/* extension of 2 words: 12 + 4 + 8 = 24 */
	pkt[0] = 0x90;
	pkt[12] = 0xbe;
	pkt[13] = 0xde;
	pkt[14] = 0;
	pkt[15] = 2;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 24), 24);
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 23), -EBADMSG);
	/* the extension header itself cut short */
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 15), -EBADMSG);
	/* a length field of 0xffff cannot fit */
	pkt[14] = 0xff;
	pkt[15] = 0xff;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 64), -EBADMSG);
	/* one CSRC before the extension: it starts at 16 */
	pkt[0] = 0x91;
	memset(pkt + 12, 0, 8);
	pkt[19] = 1;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 24), 24);
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, 23), -EBADMSG);
}

static void test_hdr_pad_rtcp(void)
{
	size_t len = mk(1, 0, SSRC_A);

	/* 4 octets of padding in a 32-octet packet */
	pkt[0] = 0xa0;
	pkt[len - 1] = 4;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), 12);
	/* all of the payload is padding: allowed */
	pkt[len - 1] = 20;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), 12);
	pkt[len - 1] = 21;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), -EBADMSG);
	pkt[len - 1] = 0;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), -EBADMSG);
	/* marker set, PT 8: RTP; second octet 200 (SR), 223: RTCP */
	pkt[0] = 0x80;
	pkt[1] = 0x88;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), 12);
	pkt[1] = 200;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), -EBADMSG);
	pkt[1] = 223;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), -EBADMSG);
	pkt[1] = 191;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), 12);
	pkt[1] = 224;
	CU_ASSERT_EQUAL(rtpstat_hdr_len(pkt, len), 12);
}

static void check(const struct rtpstat *s, uint32_t ext_max, uint64_t expected,
		  uint64_t received, int64_t lost)
{
	CU_ASSERT_EQUAL(rtpstat_ext_max(s), ext_max);
	CU_ASSERT_EQUAL(rtpstat_expected(s), expected);
	CU_ASSERT_EQUAL(s->received, received);
	CU_ASSERT_EQUAL(rtpstat_lost(s), lost);
}

static void test_in_order(void)
{
	struct rtpstat s;

	rtpstat_reset(&s);
	CU_ASSERT_EQUAL(rtpstat_expected(&s), 0);
	/* the first packet is on probation, the second validates both */
	CU_ASSERT_EQUAL(feed(&s, 100, 0, 0), 0);
	CU_ASSERT(s.seen);
	CU_ASSERT(!s.valid);
	CU_ASSERT_EQUAL(rtpstat_expected(&s), 0);
	CU_ASSERT_EQUAL(rtpstat_lost(&s), 0);
	CU_ASSERT_EQUAL(feed(&s, 101, 160, 20), 1);
	CU_ASSERT(s.valid);
	check(&s, 101, 2, 2, 0);
	for (int i = 102; i < 110; i++)
		CU_ASSERT_EQUAL(feed(&s, i, 160 * (i - 100), 20 * (i - 100)),
				1);
	CU_ASSERT_EQUAL(s.ssrc, SSRC_A);
	check(&s, 109, 10, 10, 0);
}

static void test_loss(void)
{
	static const uint16_t seqs[] = { 1, 2, 3, 5, 6, 8, 9, 10 };
	struct rtpstat s;

	rtpstat_reset(&s);
	feed_seqs(&s, seqs, 8);
	/* 4 and 7 never came */
	check(&s, 10, 10, 8, 2);
}

static void test_reorder(void)
{
	static const uint16_t seqs[] = { 1, 2, 3, 5, 4, 6, 8, 7 };
	struct rtpstat s;

	rtpstat_reset(&s);
	feed_seqs(&s, seqs, 8);
	check(&s, 8, 8, 8, 0);
	/* a late packet past the highest does not lower it */
	CU_ASSERT_EQUAL(s.max_seq, 8);
}

static void test_duplicate(void)
{
	static const uint16_t seqs[] = { 1, 2, 3, 3, 4, 2 };
	struct rtpstat s;

	rtpstat_reset(&s);
	feed_seqs(&s, seqs, 6);
	/* A.3: duplicates count, so loss goes below zero */
	check(&s, 4, 4, 6, -2);
}

static void test_wrap(void)
{
	static const uint16_t seqs[] = { 65533, 65534, 65535, 0, 1, 2 };
	struct rtpstat s;

	rtpstat_reset(&s);
	feed_seqs(&s, seqs, 6);
	check(&s, 0x10002, 6, 6, 0);
	CU_ASSERT_EQUAL(s.cycles, 0x10000);
	/* a late 65535 after the wrap is reordering, not another cycle */
	feed(&s, 65535, 0, 200);
	check(&s, 0x10002, 6, 7, -1);
	/* loss across the wrap: 3 .. 65535 then 0 of the next cycle */
	rtpstat_reset(&s);
	feed(&s, 65530, 0, 0);
	feed(&s, 65531, 160, 20);
	feed(&s, 65534, 640, 60);
	feed(&s, 1, 1120, 120);
	/* 65530 .. 65535, 0, 1: 8 expected, 4 came */
	check(&s, 0x10001, 8, 4, 4);
}

/* The two packets that validate the source straddle the wrap. */
static void test_wrap_in_probation(void)
{
	static const uint16_t seqs[] = { 65535, 0, 1 };
	struct rtpstat s;

	rtpstat_reset(&s);
	feed_seqs(&s, seqs, 3);
	CU_ASSERT_EQUAL(s.base_seq, -1);
	check(&s, 1, 3, 3, 0);
}

static void test_ssrc_change(void)
{
	static const uint16_t seqs[] = { 1, 2, 3, 4, 6 };
	struct rtpstat s;
	size_t len;

	rtpstat_reset(&s);
	feed_seqs(&s, seqs, 5);
	check(&s, 6, 6, 5, 1);
	s.jitter = 1600;
	len = mk(500, 0, SSRC_B);
	CU_ASSERT_EQUAL(rtpstat_update(&s, pkt, len, 1000, 8000), 0);
	CU_ASSERT_EQUAL(s.ssrc, SSRC_B);
	CU_ASSERT(!s.valid);
	CU_ASSERT_EQUAL(rtpstat_expected(&s), 0);
	CU_ASSERT_EQUAL(rtpstat_jitter(&s), 0);
	len = mk(501, 160, SSRC_B);
	CU_ASSERT_EQUAL(rtpstat_update(&s, pkt, len, 1020, 8000), 1);
	check(&s, 501, 2, 2, 0);
	/* and back: A starts over too */
	len = mk(7, 0, SSRC_A);
	CU_ASSERT_EQUAL(rtpstat_update(&s, pkt, len, 1040, 8000), 0);
	CU_ASSERT_EQUAL(s.ssrc, SSRC_A);
	CU_ASSERT_EQUAL(rtpstat_expected(&s), 0);
}

static void test_probation_restart(void)
{
	struct rtpstat s;

	rtpstat_reset(&s);
	CU_ASSERT_EQUAL(feed(&s, 10, 0, 0), 0);
	/* out of sequence: probation starts again from 20 */
	CU_ASSERT_EQUAL(feed(&s, 20, 0, 0), 0);
	CU_ASSERT(!s.valid);
	CU_ASSERT_EQUAL(feed(&s, 21, 0, 0), 1);
	CU_ASSERT_EQUAL(s.base_seq, 20);
	check(&s, 21, 2, 2, 0);
	/* a duplicate in probation is out of sequence too */
	rtpstat_reset(&s);
	CU_ASSERT_EQUAL(feed(&s, 10, 0, 0), 0);
	CU_ASSERT_EQUAL(feed(&s, 10, 0, 0), 0);
	CU_ASSERT_EQUAL(feed(&s, 11, 0, 0), 1);
	check(&s, 11, 2, 2, 0);
}

static void test_jump(void)
{
	static const uint16_t seqs[] = { 1, 2, 3, 4, 5 };
	struct rtpstat s;

	rtpstat_reset(&s);
	feed_seqs(&s, seqs, 5);
	/* 3000 ahead is over MAX_DROPOUT: set aside */
	CU_ASSERT_EQUAL(feed(&s, 3005, 0, 0), 0);
	check(&s, 5, 5, 5, 0);
	/* not the one after it: set aside again */
	CU_ASSERT_EQUAL(feed(&s, 4000, 0, 0), 0);
	check(&s, 5, 5, 5, 0);
	/* 2999 ahead is a gap, not a jump */
	CU_ASSERT_EQUAL(feed(&s, 3004, 0, 0), 1);
	check(&s, 3004, 3004, 6, 2998);
	/* two in sequence far away: the sender restarted; both count */
	CU_ASSERT_EQUAL(feed(&s, 40000, 0, 0), 0);
	CU_ASSERT_EQUAL(feed(&s, 40001, 0, 0), 1);
	CU_ASSERT_EQUAL(s.base_seq, 40000);
	check(&s, 40001, 2, 2, 0);
	/* 99 behind is reordering; 100 behind is a jump (A.1's <=) */
	CU_ASSERT_EQUAL(feed(&s, 40001 - 99, 0, 0), 1);
	CU_ASSERT_EQUAL(feed(&s, 40001 - 100, 0, 0), 0);
	check(&s, 40001, 2, 3, -1);
}

static void test_not_rtp(void)
{
	struct rtpstat s;
	size_t len;

	rtpstat_reset(&s);
	feed(&s, 1, 0, 0);
	feed(&s, 2, 160, 20);
	/* an RTCP SR muxed on the port: no restart, nothing counted */
	len = mk(3, 0, SSRC_B);
	pkt[1] = 200;
	CU_ASSERT_EQUAL(rtpstat_update(&s, pkt, len, 40, 8000), -EBADMSG);
	CU_ASSERT_EQUAL(rtpstat_update(&s, pkt, 5, 40, 8000), -EBADMSG);
	CU_ASSERT_EQUAL(s.ssrc, SSRC_A);
	check(&s, 2, 2, 2, 0);
}

/* Transit constant: every packet 20 ms and 160 units after the last. */
static void test_jitter_zero(void)
{
	struct rtpstat s;
	size_t len;

	rtpstat_reset(&s);
	for (uint32_t i = 0; i < 50; i++)
		feed(&s, i, 160 * i + 12345, 20 * i + 777);
	CU_ASSERT_EQUAL(rtpstat_jitter(&s), 0);
	CU_ASSERT_EQUAL(s.jitter, 0);
	/* the same at 48 kHz, timestamps wrapping, a large clock */
	rtpstat_reset(&s);
	for (uint32_t i = 0; i < 50; i++) {
		len = mk(i, 0xfffff000u + 960 * i, SSRC_A);
		rtpstat_update(&s, pkt, len, 5000000000ull + 20 * i, 48000);
	}
	CU_ASSERT_EQUAL(rtpstat_jitter(&s), 0);
}

/*
 * 8 kHz, timestamps 160 apart; arrivals at 0, 20, 45, 60, 80, 110 ms,
 * i.e. 0, 160, 360, 480, 640, 880 units.  Transit (arrival - ts): 0, 0,
 * 40, 0, 0, 80; |D|: -, 0, 40, 40, 0, 80.  With J16 += |D| - (J16 + 8)
 * / 16:  0 -> 0 -> 40 -> 40 + 40 - 3 = 77 -> 77 - 5 = 72 ->
 * 72 + 80 - 5 = 147; J = 147 / 16 = 9 (the float form gives 9.26).
 */
static void test_jitter_pattern(void)
{
	static const uint32_t ms[] = { 0, 20, 45, 60, 80, 110 };
	static const uint32_t j16[] = { 0, 0, 40, 77, 72, 147 };
	struct rtpstat s;

	rtpstat_reset(&s);
	for (int i = 0; i < 6; i++) {
		feed(&s, i, 160 * i, ms[i]);
		CU_ASSERT_EQUAL(s.jitter, j16[i]);
	}
	CU_ASSERT_EQUAL(rtpstat_jitter(&s), 9);
	/* clock rate 0 means 8000: the same figures */
	rtpstat_reset(&s);
	for (int i = 0; i < 6; i++) {
		size_t len = mk(i, 160 * i, SSRC_A);

		rtpstat_update(&s, pkt, len, ms[i], 0);
	}
	CU_ASSERT_EQUAL(s.jitter, 147);
}

/*
 * A packet that arrives early counts as much as one that arrives late:
 * 16 kHz, arrivals 0, 20, 30 ms = 0, 320, 480 units against timestamps
 * 0, 320, 640: transit 0, 0, -160; |D| 160; J16 = 160, J = 10.
 * Then a packet set aside as a jump must not move J.
 */
static void test_jitter_early(void)
{
	static const uint32_t ms[] = { 0, 20, 30 };
	struct rtpstat s;
	size_t len;

	rtpstat_reset(&s);
	for (int i = 0; i < 3; i++) {
		len = mk(i, 320 * i, SSRC_A);
		rtpstat_update(&s, pkt, len, ms[i], 16000);
	}
	CU_ASSERT_EQUAL(s.jitter, 160);
	CU_ASSERT_EQUAL(rtpstat_jitter(&s), 10);
	len = mk(20000, 0x7fffffff, SSRC_A);
	CU_ASSERT_EQUAL(rtpstat_update(&s, pkt, len, 40, 16000), 0);
	CU_ASSERT_EQUAL(s.jitter, 160);
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("rtpstat", NULL, NULL);
	CU_add_test(s, "header: length, version, CSRCs", test_hdr);
	CU_add_test(s, "header: extension", test_hdr_ext);
	CU_add_test(s, "header: padding, muxed RTCP", test_hdr_pad_rtcp);
	CU_add_test(s, "in order", test_in_order);
	CU_add_test(s, "loss", test_loss);
	CU_add_test(s, "reorder", test_reorder);
	CU_add_test(s, "duplicates", test_duplicate);
	CU_add_test(s, "wrap at 65535", test_wrap);
	CU_add_test(s, "wrap during probation", test_wrap_in_probation);
	CU_add_test(s, "SSRC change restarts", test_ssrc_change);
	CU_add_test(s, "probation restarts", test_probation_restart);
	CU_add_test(s, "large jumps and re-sync", test_jump);
	CU_add_test(s, "RTCP and short packets ignored", test_not_rtp);
	CU_add_test(s, "jitter: constant transit", test_jitter_zero);
	CU_add_test(s, "jitter: worked example", test_jitter_pattern);
	CU_add_test(s, "jitter: early arrival", test_jitter_early);
	return tu_run_registered();
}
