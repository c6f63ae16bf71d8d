// SPDX-License-Identifier: GPL-2.0
/*
 * sipfp_xdp under BPF_PROG_TEST_RUN: what it does with a flow's packets.
 * Forwarding out of the same or another device, with or without VLAN
 * tags, the source check, what a flow leaves to the stack (latching, no
 * peer, TTL, no neighbour, no route, a device without XDP), DSCP, the
 * daemon's heartbeat and RTP statistics.  The harness and its topology:
 * xdp/harness.h; skips (exit 4) without root or BPF.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "tutil.h"

/* RFC 3550 A.1's MAX_DROPOUT, as the program has it */
#define MAX_DROPOUT 3000

/* Installs @d, then runs phone a's frame to it, out towards @dmac. */
static void forward(const char *name, const struct xh_flow *d, int verdict,
		    const uint8_t *dmac, const uint8_t *smac)
{
	struct xf_spec in = xh_in(d), out = xh_out(&in, d, dmac, smac);
	struct xh_want w = xh_fwd(verdict, d, sizeof(xh_pl));

	xh_flow_put(d);
	xh_run(name, &in, xh_a0, &out, &w);
}

static void test_forward(void)
{
	struct xh_flow d = xh_fd4(30001);

	d.dscp = 46;
	forward("v4, a0 to b0", &d, XDP_REDIRECT, xh_pb_mac, xh_b0_mac);
	d = xh_fd4(30002);
	d.out = "10.1.0.1";
	d.peer = "10.1.0.3";
	forward("v4, a0 back to a0", &d, XDP_TX, xh_pa3_mac, xh_a0_mac);
	d = xh_fd6(30003);
	d.dscp = 34;
	forward("v6, a0 to b0", &d, XDP_REDIRECT, xh_pb_mac, xh_b0_mac);
	d = xh_fd6(30004);
	d.out = "fd00:1::1";
	d.peer = "fd00:1::3";
	forward("v6, a0 back to a0", &d, XDP_TX, xh_pa3_mac, xh_a0_mac);
}

/* Ethernet pads short frames: the padding is not UDP's, and stays. */
static void test_padding(void)
{
	struct xh_flow d = xh_fd4(30005);
	struct xf_spec in = xh_in(&d),
		       out = xh_out(&in, &d, xh_pb_mac, xh_b0_mac);
	struct xh_want w = xh_fwd(XDP_REDIRECT, &d, 4);
	uint8_t fi[XF_MAX] = { 0 }, fo[XF_MAX] = { 0 };
	size_t li, lo;

	in.pl_len = out.pl_len = 4;
	li = xf_build(fi, &in);
	lo = xf_build(fo, &out);
	xh_flow_put(&d);
	xh_run_raw("v4, 8 bytes of padding", fi, li + 8, xh_a0, fo, lo + 8, &w);
}

static void test_source(void)
{
	struct xh_flow d = xh_fd4(30010);
	struct xf_spec in = xh_in(&d), out;
	struct xh_want w = { .verdict = XDP_DROP,
			     .xstat = SIPFP_XDP_X_DROP_SOURCE,
			     .slot = d.slot,
			     .drop_source = 1 };
	struct sipfp_xdp_stats st;
	uint8_t bad[16];

	xh_flow_put(&d);
	in.src = "10.1.0.9";
	xh_run("v4, wrong address", &in, xh_a0, NULL, &w);
	xh_stats_read(d.slot, &st);
	xf_addr16(bad, "10.1.0.9");
	CU_ASSERT_EQUAL(memcmp(st.bad_addr, bad, 16), 0);
	CU_ASSERT_EQUAL(st.bad_port, htons(20000));
	in = xh_in(&d);
	in.sport = 20001;
	xh_run("v4, wrong port", &in, xh_a0, NULL, &w);
	xh_stats_read(d.slot, &st);
	CU_ASSERT_EQUAL(st.bad_port, htons(20001));

	d = xh_fd6(30013);
	w.slot = d.slot;
	xh_flow_put(&d);
	in = xh_in(&d);
	in.src = "fd00:1::9";
	xh_run("v6, wrong address", &in, xh_a0, NULL, &w);

	d = xh_fd4(30011);
	d.sport = 0;
	xh_flow_put(&d);
	in = xh_in(&d);
	in.sport = 20005;
	out = xh_out(&in, &d, xh_pb_mac, xh_b0_mac);
	w = xh_fwd(XDP_REDIRECT, &d, sizeof(xh_pl));
	xh_run("v4, fixed address, any port", &in, xh_a0, &out, &w);

	d = xh_fd4(30012);
	d.mode = SIPFP_XDP_SRC_ANY;
	xh_flow_put(&d);
	in = xh_in(&d);
	in.src = "10.1.0.77";
	out = xh_out(&in, &d, xh_pb_mac, xh_b0_mac);
	w = xh_fwd(XDP_REDIRECT, &d, sizeof(xh_pl));
	xh_run("v4, any source", &in, xh_a0, &out, &w);
}

static void test_flow_pass(void)
{
	struct xh_flow d = xh_fd4(30020);
	struct xf_spec in;
	struct xh_want w;

	d.mode = SIPFP_XDP_SRC_LATCH;
	xh_flow_put(&d);
	in = xh_in(&d);
	w = xh_flow_pass(SIPFP_XDP_X_PASS_LATCH, &d);
	xh_run("latching", &in, xh_a0, NULL, &w);

	d = xh_fd4(30021);
	d.flags = SIPFP_XDP_F_NO_PEER;
	xh_flow_put(&d);
	in = xh_in(&d);
	w = xh_flow_pass(SIPFP_XDP_X_PASS_NO_PEER, &d);
	xh_run("no peer", &in, xh_a0, NULL, &w);
	/* the slow path drops and counts it, as the module does */
	in.src = "10.1.0.9";
	xh_run("no peer, wrong source", &in, xh_a0, NULL, &w);

	d = xh_fd4(30022);
	d.out = "fd00:2::1";
	d.peer = "fd00:2::2";
	xh_flow_put(&d);
	in = xh_in(&d);
	w = xh_flow_pass(SIPFP_XDP_X_PASS_FAMILY, &d);
	xh_run("v4 in, v6 out", &in, xh_a0, NULL, &w);
}

static void test_ttl(void)
{
	struct xh_flow d = xh_fd4(30060);
	struct xf_spec in = xh_in(&d), out;
	struct xh_want w = xh_flow_pass(SIPFP_XDP_X_PASS_TTL, &d);

	xh_flow_put(&d);
	in.ttl = 1;
	xh_run("v4, TTL 1", &in, xh_a0, NULL, &w);
	in.ttl = 0;
	xh_run("v4, TTL 0", &in, xh_a0, NULL, &w);
	in.ttl = 2;
	out = xh_out(&in, &d, xh_pb_mac, xh_b0_mac);
	w = xh_fwd(XDP_REDIRECT, &d, sizeof(xh_pl));
	xh_run("v4, TTL 2", &in, xh_a0, &out, &w);
	d = xh_fd6(30061);
	xh_flow_put(&d);
	in = xh_in(&d);
	in.ttl = 1;
	w = xh_flow_pass(SIPFP_XDP_X_PASS_TTL, &d);
	xh_run("v6, hop limit 1", &in, xh_a0, NULL, &w);
}

/* Phone a behind a0.10 and its flows, out through VLAN devices. */
static struct xh_flow fd_vlan(uint16_t lport, const char *out, const char *peer)
{
	struct xh_flow d = xh_fd4(lport);

	d.local = "10.10.0.1";
	d.src = "10.10.0.2";
	d.out = out;
	d.peer = peer;
	return d;
}

static void vlan_fwd(const char *name, const struct xh_flow *d, uint16_t tpid,
		     int vid_out, int verdict, const uint8_t *dmac,
		     const uint8_t *smac)
{
	struct xf_spec in = xh_in(d), out;
	struct xh_want w = xh_fwd(verdict, d, sizeof(xh_pl));

	in.vid = 10;
	in.tpid = tpid;
	out = xh_out(&in, d, dmac, smac);
	out.vid = vid_out;
	xh_flow_put(d);
	xh_run(name, &in, xh_a0, &out, &w);
}

static void test_vlan(void)
{
	struct xh_flow d = fd_vlan(30080, "10.20.0.1", "10.20.0.2");
	struct xf_spec in;
	struct xh_want w;

	vlan_fwd("VLAN 10 to 20 on a0", &d, 0, 20, XDP_TX, xh_v20_mac,
		 xh_a0_mac);
	d = fd_vlan(30081, "10.20.0.1", "10.20.0.2");
	vlan_fwd("802.1ad VLAN 10 to 20", &d, 0x88a8, 20, XDP_TX, xh_v20_mac,
		 xh_a0_mac);
	d = fd_vlan(30082, "10.30.0.1", "10.30.0.2");
	vlan_fwd("VLAN 10 to 30 on b0", &d, 0, 30, XDP_REDIRECT, xh_v30_mac,
		 xh_b0_mac);

	d = fd_vlan(30083, "10.2.0.1", "10.2.0.2");
	xh_flow_put(&d);
	in = xh_in(&d);
	in.vid = 10;
	w = xh_flow_pass(SIPFP_XDP_X_PASS_NO_TX, &d);
	xh_run("VLAN 10 to untagged b0", &in, xh_a0, NULL, &w);
	in.vid = 99;
	w = xh_flow_pass(SIPFP_XDP_X_PASS_NO_ROUTE, &d);
	xh_run("VLAN 99, no device", &in, xh_a0, NULL, &w);

	d = xh_fd4(30084);
	d.out = "10.30.0.1";
	d.peer = "10.30.0.2";
	xh_flow_put(&d);
	in = xh_in(&d);
	w = xh_flow_pass(SIPFP_XDP_X_PASS_NO_TX, &d);
	xh_run("untagged to VLAN 30", &in, xh_a0, NULL, &w);
}

/*
 * SIPFP_XDP_CTL_VLANS set, an untagged frame is checked against
 * sipfp_vlan_dev even on its way out of a device the program sends on
 * (xdp_interfaces naming a VLAN device).  Clear, as the daemon leaves it
 * only while sipfp_vlan_dev is empty, untagged frames forward as ever.
 */
static void test_vlan_flag(void)
{
	uint64_t alive = xh_mono_ns() + 3600 * 1000000000ULL;
	struct xh_flow d = xh_fd4(30085);
	struct xf_spec in;
	struct xh_want w;

	CU_ASSERT_EQUAL_FATAL(xh_tx("a0.20", true), 0);
	d.out = "10.20.0.1";
	d.peer = "10.20.0.2";
	xh_flow_put(&d);
	in = xh_in(&d);
	w = xh_flow_pass(SIPFP_XDP_X_PASS_NO_TX, &d);
	xh_run("untagged to VLAN 20, itself in sipfp_tx", &in, xh_a0, NULL, &w);
	CU_ASSERT_EQUAL_FATAL(xh_tx("a0.20", false), 0);

	CU_ASSERT_EQUAL_FATAL(xh_ctl(alive, 0), 0);
	d = xh_fd4(30086);
	forward("v4, a0 to b0, no VLAN flagged", &d, XDP_REDIRECT, xh_pb_mac,
		xh_b0_mac);
	d = xh_fd6(30087);
	d.out = "fd00:1::1";
	d.peer = "fd00:1::3";
	forward("v6, a0 back to a0, no VLAN flagged", &d, XDP_TX, xh_pa3_mac,
		xh_a0_mac);
	CU_ASSERT_EQUAL(xh_heartbeat(alive), 0);
}

static void test_dscp(void)
{
	struct xh_flow d = xh_fd4(30100);
	struct xf_spec in = xh_in(&d), out;
	struct xh_want w = xh_fwd(XDP_REDIRECT, &d, sizeof(xh_pl));

	d.dscp = 46; /* EF */
	xh_flow_put(&d);
	in.tos = 0x03; /* ECN CE */
	out = xh_out(&in, &d, xh_pb_mac, xh_b0_mac);
	CU_ASSERT_EQUAL(out.tos, 0xbb);
	xh_run("v4, EF over CE", &in, xh_a0, &out, &w);
	d.dscp = 0;
	xh_flow_put(&d);
	in.tos = 0xfd;
	out = xh_out(&in, &d, xh_pb_mac, xh_b0_mac);
	CU_ASSERT_EQUAL(out.tos, 0x01);
	xh_run("v4, DSCP 63 to 0, ECT(1) kept", &in, xh_a0, &out, &w);
	d = xh_fd6(30101);
	d.dscp = 10;
	xh_flow_put(&d);
	in = xh_in(&d);
	in.tos = 0x02;
	out = xh_out(&in, &d, xh_pb_mac, xh_b0_mac);
	CU_ASSERT_EQUAL(out.tos, 0x2a);
	w.slot = d.slot;
	xh_run("v6, AF11 over ECT(0), flow label kept", &in, xh_a0, &out, &w);
}

static void test_next_hop(void)
{
	static const struct {
		const char *name, *out, *peer;
		int x;
	} c[] = {
		{ "v4, no neighbour", "10.2.0.1", "10.2.0.3",
		  SIPFP_XDP_X_PASS_NO_NEIGH },
		{ "v4, no route", "10.2.0.1", "192.0.2.1",
		  SIPFP_XDP_X_PASS_NO_ROUTE },
		{ "v4, out c0, not ours", "10.3.0.1", "10.3.0.2",
		  SIPFP_XDP_X_PASS_NO_TX },
		{ "v6, no neighbour", "fd00:2::1", "fd00:2::3",
		  SIPFP_XDP_X_PASS_NO_NEIGH },
		{ "v6, no route", "fd00:2::1", "2001:db8::1",
		  SIPFP_XDP_X_PASS_NO_ROUTE },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		bool v6 = strchr(c[i].out, ':');
		struct xh_flow d = v6 ? xh_fd6(30110 + i) : xh_fd4(30110 + i);
		struct xf_spec in;
		struct xh_want w = xh_flow_pass(c[i].x, &d);

		d.out = c[i].out;
		d.peer = c[i].peer;
		xh_flow_put(&d);
		in = xh_in(&d);
		xh_run(c[i].name, &in, xh_a0, NULL, &w);
	}
}

/* Without the daemon's heartbeat, every UDP packet goes to the stack. */
static void test_dormant(void)
{
	struct xh_flow d = xh_fd4(30120);
	struct xf_spec in = xh_in(&d), out;
	struct xh_want w = xh_pass(SIPFP_XDP_X_PASS_DORMANT);
	uint8_t f[XF_MAX];
	size_t len;

	xh_flow_put(&d);
	w.slot = d.slot; /* and no counter of the flow moves */
	CU_ASSERT_EQUAL_FATAL(xh_heartbeat(xh_mono_ns() - 1), 0);
	xh_run("heartbeat just past", &in, xh_a0, NULL, &w);
	in.ttl = 1;
	xh_run("TTL 1, dormant", &in, xh_a0, NULL, &w);
	CU_ASSERT_EQUAL_FATAL(xh_heartbeat(0), 0);
	in = xh_in(&d);
	xh_run("no heartbeat ever", &in, xh_a0, NULL, &w);
	len = xf_build(f, &in);
	f[23] = 6;
	w = xh_pass(-1);
	xh_run_raw("TCP, dormant", f, len, xh_a0, NULL, 0, &w);
	CU_ASSERT_EQUAL(xh_heartbeat(xh_mono_ns() + 3600 * 1000000000ULL), 0);
	in = xh_in(&d);
	out = xh_out(&in, &d, xh_pb_mac, xh_b0_mac);
	w = xh_fwd(XDP_REDIRECT, &d, sizeof(xh_pl));
	xh_run("heartbeat back", &in, xh_a0, &out, &w);
}

struct rtp_pkt {
	uint8_t vpxcc, mpt;
	uint16_t seq;
	uint32_t ts, ssrc;
};

/* Forwards one RTP packet (or not one: @r's first bytes say). */
static void rtp_send(const struct xh_flow *d, const struct rtp_pkt *r,
		     size_t len)
{
	uint8_t p[sizeof(xh_pl)] = { r->vpxcc, r->mpt, r->seq >> 8, r->seq };
	struct xf_spec in = xh_in(d), out;
	struct xh_want w = xh_fwd(XDP_REDIRECT, d, len);
	char name[48];

	for (int i = 0; i < 4; i++) {
		p[4 + i] = r->ts >> (24 - 8 * i);
		p[8 + i] = r->ssrc >> (24 - 8 * i);
	}
	in.pl = p;
	in.pl_len = len;
	out = xh_out(&in, d, xh_pb_mac, xh_b0_mac);
	snprintf(name, sizeof(name), "RTP seq %u", r->seq);
	xh_run(name, &in, xh_a0, &out, &w);
}

/* RFC 3550 A.8 in floating point, as its text (6.4.1) gives it. */
static double jitter_of(const uint32_t *ts, int n)
{
	double j = 0;

	for (int i = 1; i < n; i++) {
		double dd = fabs((double)(int32_t)(ts[i] - ts[i - 1]));

		j += (dd - j) / 16;
	}
	return j;
}

static void rtp_expect(uint32_t slot, uint32_t ssrc, uint32_t base,
		       uint32_t cycles, uint32_t max, uint32_t received)
{
	struct sipfp_xdp_stats s;

	xh_stats_read(slot, &s);
	CU_ASSERT_EQUAL(s.rtp_seen, 1);
	CU_ASSERT_EQUAL(s.ssrc, ssrc);
	CU_ASSERT_EQUAL(s.base_seq, base);
	CU_ASSERT_EQUAL(s.cycles, cycles);
	CU_ASSERT_EQUAL(s.max_seq, max);
	CU_ASSERT_EQUAL(s.received, received);
}

/*
 * A wrap, a duplicate, a late packet and a gap (RFC 3550 A.1); jitter
 * (A.8) against packets that arrive together, so that each transit
 * differs by the timestamps' difference, give or take the time the runs
 * took.
 */
static void test_rtp(void)
{
	static const uint16_t seq[] = { 65533, 65534, 65535, 0, 1, 1, 65535, 5 };
	static const uint32_t ts[] = { 0, 160, 320, 480, 640, 640, 320, 1280 };
	const int n = sizeof(seq) / sizeof(seq[0]);
	struct xh_flow d = xh_fd4(30130);
	struct rtp_pkt r = { 0x80, 0x08, 0, 0, 0xc0ffee };
	struct sipfp_xdp_stats s;
	uint64_t t0, t1;
	double slack;

	d.flags = SIPFP_XDP_F_RTP;
	xh_flow_put(&d);
	t0 = xh_mono_ns();
	for (int i = 0; i < n; i++) {
		r.seq = seq[i];
		r.ts = ts[i];
		rtp_send(&d, &r, sizeof(xh_pl));
	}
	t1 = xh_mono_ns();
	rtp_expect(d.slot, 0xc0ffee, 65533, 65536, 5, n);
	xh_stats_read(d.slot, &s);
	CU_ASSERT(s.last_ns >= t0 && s.last_ns <= t1);
	/* how far apart in 8 kHz units the arrivals may be, plus rounding */
	slack = 2 + (t1 - t0) * 8000.0 / 1e9;
	CU_ASSERT(fabs(s.jitter / 16.0 - jitter_of(ts, n)) <= slack);

	r.vpxcc = 0x40;
	rtp_send(&d, &r, sizeof(xh_pl));
	r.vpxcc = 0x80;
	r.mpt = 200;
	rtp_send(&d, &r, sizeof(xh_pl));
	r.mpt = 0x08;
	rtp_send(&d, &r, 10);
	rtp_expect(d.slot, 0xc0ffee, 65533, 65536, 5, n);

	r.ssrc = 0xbeef;
	r.seq = 100;
	rtp_send(&d, &r, sizeof(xh_pl));
	rtp_expect(d.slot, 0xbeef, 100, 0, 100, 1);
	xh_stats_read(d.slot, &s);
	CU_ASSERT_EQUAL(s.jitter, 0);
	r.seq = 101;
	rtp_send(&d, &r, sizeof(xh_pl));
	r.seq = 101 + MAX_DROPOUT;
	rtp_send(&d, &r, sizeof(xh_pl));
	rtp_expect(d.slot, 0xbeef, r.seq, 0, r.seq, 1);

	d = xh_fd4(30131);
	xh_flow_put(&d);
	rtp_send(&d, &r, sizeof(xh_pl));
	xh_stats_read(d.slot, &s);
	CU_ASSERT_EQUAL(s.rtp_seen, 0);
	CU_ASSERT_EQUAL(s.received, 0);
}

#define T(f)          \
	{             \
#f, f \
	}

static CU_TestInfo tests[] = {
	T(test_forward),  T(test_padding), T(test_source),    T(test_flow_pass),
	T(test_ttl),	  T(test_vlan),	   T(test_vlan_flag), T(test_dscp),
	T(test_next_hop), T(test_dormant), T(test_rtp),	      CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "sipfp_xdp: flows", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return xh_main(suites);
}
