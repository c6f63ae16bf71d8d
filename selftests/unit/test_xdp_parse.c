// SPDX-License-Identifier: GPL-2.0
/*
 * sipfp_xdp under BPF_PROG_TEST_RUN: the bytes on the wire.  Frames it
 * must leave to the stack unchanged (fragments, options, extension
 * headers, every truncation, inconsistent lengths, not UDP, not a flow's)
 * and checksums it must update exactly (RFC 1624's edge cases, IPv4's
 * zero UDP checksum, and random rewrites checked against full sums).
 * The harness and its topology: xdp/harness.h; skips (exit 4) without
 * root or BPF.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "harness.h"
#include "tutil.h"

static void test_fragments(void)
{
	struct xh_flow d = xh_fd4(30030);
	struct xf_spec in = xh_in(&d), out;
	struct xh_want w = xh_pass(SIPFP_XDP_X_PASS_FRAGMENT);
	static const uint8_t ext[] = { 44, 60, 43, 0 };

	xh_flow_put(&d);
	in.frag = 0x2000;
	xh_run("v4, more fragments", &in, xh_a0, NULL, &w);
	in.frag = 0x0010;
	xh_run("v4, offset 128", &in, xh_a0, NULL, &w);
	in.frag = 0;
	in.opt = 4;
	w = xh_pass(SIPFP_XDP_X_PASS_OPTIONS);
	xh_run("v4, options", &in, xh_a0, NULL, &w);
	in = xh_in(&d);
	in.frag = 0x4000;
	out = xh_out(&in, &d, xh_pb_mac, xh_b0_mac);
	w = xh_fwd(XDP_REDIRECT, &d, sizeof(xh_pl));
	xh_run("v4, don't fragment", &in, xh_a0, &out, &w);

	d = xh_fd6(30031);
	xh_flow_put(&d);
	in = xh_in(&d);
	w = xh_pass(SIPFP_XDP_X_PASS_FRAGMENT);
	for (int i = 0; ext[i]; i++) {
		char name[48];

		snprintf(name, sizeof(name), "v6, next header %u", ext[i]);
		in.ext = ext[i];
		xh_run(name, &in, xh_a0, NULL, &w);
	}
}

/* @hdrs: the length from which the program knows the frame is UDP. */
static void cut_all(const char *what, const struct xf_spec *in, size_t hdrs)
{
	uint8_t f[XF_MAX];
	size_t len = xf_build(f, in);

	CU_ASSERT_FATAL(len > hdrs);
	for (size_t n = 0; n < len; n++) {
		struct xh_want w =
			xh_pass(n < hdrs ? -1 : SIPFP_XDP_X_PASS_MALFORMED);
		char name[48];

		snprintf(name, sizeof(name), "%s cut at %zu", what, n);
		xh_run_raw(name, f, n, xh_a0, NULL, 0, &w);
	}
}

static void test_truncated(void)
{
	struct xh_flow d4 = xh_fd4(30040), d6 = xh_fd6(30041),
		       dv = xh_fd4(30042);
	struct xf_spec in;

	xh_flow_put(&d4);
	xh_flow_put(&d6);
	dv.local = "10.10.0.1";
	dv.src = "10.10.0.2";
	xh_flow_put(&dv);
	in = xh_in(&d4);
	cut_all("v4", &in, 14 + 20);
	in = xh_in(&d6);
	cut_all("v6", &in, 14 + 40);
	in = xh_in(&dv);
	in.vid = 10;
	cut_all("v4 in VLAN 10", &in, 18 + 20);
	if (xh_refused)
		printf("\n    %d frames under 14 bytes: the kernel runs no XDP on them ",
		       xh_refused);
}

/* Builds phone a's frame to @d, then lets @edit spoil it. */
static void spoilt(const char *name, const struct xh_flow *d,
		   void (*edit)(uint8_t *f, size_t *len))
{
	struct xf_spec in = xh_in(d);
	struct xh_want w = xh_pass(SIPFP_XDP_X_PASS_MALFORMED);
	uint8_t f[XF_MAX];
	size_t len = xf_build(f, &in);

	edit(f, &len);
	xh_run_raw(name, f, len, xh_a0, NULL, 0, &w);
}

/* Frame offsets: IPv4 at 14, its UDP at 34; IPv6 at 14, its UDP at 54. */
static void add16(uint8_t *p, int d)
{
	uint16_t v = (p[0] << 8 | p[1]) + d;

	p[0] = v >> 8;
	p[1] = v;
}

static void udp_long(uint8_t *f, size_t *len)
{
	add16(f + 34 + 4, 2);
}
static void udp_short(uint8_t *f, size_t *len)
{
	add16(f + 34 + 4, -2);
}
static void ip_short(uint8_t *f, size_t *len)
{
	f[16] = 0;
	f[17] = 27;
	add16(f + 34 + 4, 7 - (f[38] << 8 | f[39]));
}
static void ip_long(uint8_t *f, size_t *len)
{
	add16(f + 16, 4);
	add16(f + 34 + 4, 4);
}
static void ihl_4(uint8_t *f, size_t *len)
{
	f[14] = 0x44;
}
static void version_6(uint8_t *f, size_t *len)
{
	f[14] = 0x65;
}
static void ip6_long(uint8_t *f, size_t *len)
{
	add16(f + 18, 4);
	add16(f + 54 + 4, 4);
}
static void ip6_udp_long(uint8_t *f, size_t *len)
{
	add16(f + 54 + 4, 2);
}
static void ip6_jumbo(uint8_t *f, size_t *len)
{
	f[18] = f[19] = 0;
}
static void ip6_no_csum(uint8_t *f, size_t *len)
{
	f[60] = f[61] = 0;
}

static void test_lengths(void)
{
	struct xh_flow d4 = xh_fd4(30050), d6 = xh_fd6(30051);

	xh_flow_put(&d4);
	xh_flow_put(&d6);
	spoilt("v4, UDP longer than IP", &d4, udp_long);
	spoilt("v4, UDP shorter than IP", &d4, udp_short);
	spoilt("v4, IP shorter than UDP's header", &d4, ip_short);
	spoilt("v4, IP longer than the frame", &d4, ip_long);
	spoilt("v4, IHL 4", &d4, ihl_4);
	spoilt("v4, version 6", &d4, version_6);
	spoilt("v6, payload longer than the frame", &d6, ip6_long);
	spoilt("v6, UDP longer than the payload", &d6, ip6_udp_long);
	spoilt("v6, jumbogram", &d6, ip6_jumbo);
	spoilt("v6, zero UDP checksum", &d6, ip6_no_csum);
}

static void test_not_ours(void)
{
	struct xh_flow d = xh_fd4(30070);
	struct xf_spec in = xh_in(&d);
	struct xh_want w = xh_pass(SIPFP_XDP_X_PASS_NO_FLOW);
	uint8_t f[XF_MAX];
	size_t len;

	xh_flow_put(&d);
	in.dport = 30999;
	xh_run("v4, no flow on the port", &in, xh_a0, NULL, &w);
	in = xh_in(&d);
	in.dst = "10.1.0.99";
	xh_run("v4, the port on another address", &in, xh_a0, NULL, &w);
	in = xh_in(&d);
	in.src = "fd00:1::2";
	in.dst = "::ffff:10.1.0.1";
	w = xh_pass(SIPFP_XDP_X_PASS_MALFORMED);
	xh_run("v6 to the v4 flow's mapped address", &in, xh_a0, NULL, &w);
	w = xh_pass(SIPFP_XDP_X_PASS_NO_FLOW);
	d = xh_fd6(30071);
	in = xh_in(&d);
	xh_run("v6, no flow", &in, xh_a0, NULL, &w);

	w = xh_pass(-1);
	in = xh_in(&d);
	len = xf_build(f, &in);
	f[20] = 6;
	xh_run_raw("v6 TCP", f, len, xh_a0, NULL, 0, &w);
	d = xh_fd4(30070);
	in = xh_in(&d);
	len = xf_build(f, &in);
	f[23] = 6;
	xh_run_raw("v4 TCP", f, len, xh_a0, NULL, 0, &w);
	f[12] = 0x08;
	f[13] = 0x06;
	xh_run_raw("ARP", f, len, xh_a0, NULL, 0, &w);
	in.vid = 10;
	in.tpid = 0x88a8;
	len = xf_build(f, &in);
	memmove(f + 16, f + 12, len - 12);
	f[16] = 0x81;
	f[17] = 0x00;
	xh_run_raw("two tags", f, len + 4, xh_a0, NULL, 0, &w);
}

static uint16_t udp_check(const struct xf_spec *s)
{
	uint8_t f[XF_MAX];
	size_t off = xf_udp_off(s);

	xf_build(f, s);
	return f[off + 6] << 8 | f[off + 7];
}

static uint16_t ip_check(const struct xf_spec *s)
{
	uint8_t f[XF_MAX];

	xf_build(f, s);
	return f[14 + 10] << 8 | f[14 + 11];
}

/*
 * The sums that RFC 1624 section 3 is about: a result of 0 (sent as
 * 0xffff in UDP, RFC 768), 0xffff coming in, and IPv4's "no checksum".
 */
static void csum_edges(struct xh_flow *d)
{
	struct xf_spec in = xh_in(d),
		       out = xh_out(&in, d, xh_pb_mac, xh_b0_mac);
	struct xh_want w = xh_fwd(XDP_REDIRECT, d, sizeof(xh_pl));

	xh_flow_put(d);
	xf_aim_udp(&out, 0);
	in.csum_fix = out.csum_fix;
	CU_ASSERT_EQUAL(udp_check(&out), 0xffff);
	xh_run("UDP sum 0 out, 0xffff on the wire", &in, xh_a0, &out, &w);
	xf_aim_udp(&in, 0);
	out.csum_fix = in.csum_fix;
	CU_ASSERT_EQUAL(udp_check(&in), 0xffff);
	xh_run("UDP 0xffff in", &in, xh_a0, &out, &w);
	if (strchr(d->local, ':'))
		return;
	in = xh_in(d);
	xf_aim_ip(&out, 0);
	in.id = out.id;
	out.csum_fix = in.csum_fix = 0;
	CU_ASSERT_EQUAL(ip_check(&out), 0);
	xh_run("v4, header sum 0 out", &in, xh_a0, &out, &w);
	xf_aim_ip(&in, 0);
	out.id = in.id;
	CU_ASSERT_EQUAL(ip_check(&in), 0);
	xh_run("v4, header sum 0 in", &in, xh_a0, &out, &w);
	in.no_csum = out.no_csum = true;
	xh_run("v4, no UDP checksum stays none", &in, xh_a0, &out, &w);
}

/* Random rewrites, each checked against checksums computed in full. */
static void csum_sweep(struct xh_flow *d, const char *const *outs)
{
	static const uint8_t *const macs[] = { xh_pb_mac, xh_pa3_mac };
	static const uint8_t *const smacs[] = { xh_b0_mac, xh_a0_mac };
	uint8_t p[64];

	for (int i = 0; i < 300; i++) {
		int to = rand() & 1;
		struct xf_spec in, out;
		struct xh_want w;

		d->out = outs[2 * to];
		d->peer = outs[2 * to + 1];
		d->oport = rand();
		d->pport = rand();
		d->dscp = rand() & 63;
		xh_flow_put(d);
		in = xh_in(d);
		in.sport = rand();
		in.tos = rand();
		in.ttl = 2 + rand() % 254;
		in.id = rand();
		in.no_csum = !strchr(d->local, ':') && !(rand() & 7);
		for (size_t j = 0; j < sizeof(p); j++)
			p[j] = rand();
		in.pl = p;
		in.pl_len = 2 * (rand() % 33);
		out = xh_out(&in, d, macs[to], smacs[to]);
		w = xh_fwd(to ? XDP_TX : XDP_REDIRECT, d, in.pl_len);
		xh_run("random rewrite", &in, xh_a0, &out, &w);
	}
}

static void test_csum(void)
{
	static const char *const outs4[] = { "10.2.0.1", "10.2.0.2", "10.1.0.1",
					     "10.1.0.3" };
	static const char *const outs6[] = { "fd00:2::1", "fd00:2::2",
					     "fd00:1::1", "fd00:1::3" };
	struct xh_flow d = xh_fd4(30090);

	csum_edges(&d);
	d = xh_fd6(30091);
	csum_edges(&d);
	srand(6);
	d = xh_fd4(30092);
	d.mode = SIPFP_XDP_SRC_ANY;
	csum_sweep(&d, outs4);
	d = xh_fd6(30093);
	d.mode = SIPFP_XDP_SRC_ANY;
	csum_sweep(&d, outs6);
}

#define T(f)          \
	{             \
#f, f \
	}

static CU_TestInfo tests[] = {
	T(test_fragments), T(test_truncated), T(test_lengths),
	T(test_not_ours),  T(test_csum),      CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "sipfp_xdp: frames and checksums", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return xh_main(suites);
}
