/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The XDP program's test harness, shared by the test_xdp_*.c programs
 * (and linked only into them: it needs libbpf).  xh_main() moves the
 * process into a network namespace of its own, builds a FIB there for
 * bpf_fib_lookup(), and loads sipfp_xdp from its skeleton:
 *
 *                 a0 (10.1.0.1, fd00:1::1)          b0 (10.2.0.1, fd00:2::1)
 *   phone a ───▶  ├─ a0.10 (10.10.0.1)   sipfp_xdp  ├─ b0.30 (10.30.0.1)
 *   10.1.0.2      └─ a0.20 (10.20.0.1)              c0 (10.3.0.1): no XDP
 *
 * Frames "arrive" on a0 (ingress_ifindex in the xdp_md); sipfp_tx holds
 * a0 and b0.  Every next hop has a PERMANENT neighbour but 10.2.0.3 and
 * fd00:2::3; 192.0.2.0/24 and 2001:db8::/32 have no route.
 *
 * A case is an input frame, the frame expected out (byte for byte, its
 * checksums computed in full by frame.c), the verdict, and the exact
 * change in sipfp_xstats and in the flow's sipfp_stats.
 */
#ifndef SIPFP_SELFTESTS_XDP_HARNESS_H
#define SIPFP_SELFTESTS_XDP_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <CUnit/CUnit.h>
#include <linux/bpf.h>

#include "frame.h"
#include "sipfp_xdp.h"

extern const uint8_t xh_a0_mac[6], xh_b0_mac[6]; /* our devices */
extern const uint8_t xh_pa_mac[6]; /* phone a, 10.1.0.2 */
extern const uint8_t xh_pa3_mac[6]; /* 10.1.0.3, on a0 too */
extern const uint8_t xh_pb_mac[6]; /* phone b, 10.2.0.2 */
extern const uint8_t xh_v20_mac[6], xh_v30_mac[6]; /* 10.20.0.2, 10.30.0.2 */
extern uint8_t xh_pl[32]; /* the default payload: an RTP header and more */
extern int xh_a0; /* a0's ifindex */
/* frames under 14 bytes that this kernel would not run XDP on */
extern int xh_refused;

/* A flow as the daemon would install it, by addresses written as text. */
struct xh_flow {
	const char *local, *src, *out, *peer;
	uint16_t lport, sport, oport, pport;
	uint8_t mode, dscp;
	uint32_t flags, slot, clock_rate;
};

/* What a case must do beside its output frame. */
struct xh_want {
	int verdict;
	int xstat; /* -1: none */
	int slot; /* -1: no flow's counters to check */
	uint64_t packets, bytes, drop_source, passed;
};

/*
 * A test_xdp_* program's main(): the set-up, @suites run, the tear-down.
 * Return: the exit status: 0, 4 (skip, having said why) or 1.
 */
int xh_main(CU_SuiteInfo *suites);

/* Phone a to a0's @lport, FIXED, out from b0 to phone b. */
struct xh_flow xh_fd4(uint16_t lport);
struct xh_flow xh_fd6(uint16_t lport);

/* The frame phone a sends to @d's endpoint. */
struct xf_spec xh_in(const struct xh_flow *d);

/* @in as @d sends it on towards @dmac from @smac, written independently. */
struct xf_spec xh_out(const struct xf_spec *in, const struct xh_flow *d,
		      const uint8_t *dmac, const uint8_t *smac);

/* Installs (or replaces) @d, its counters zeroed. */
void xh_flow_put(const struct xh_flow *d);

/* Forwarded (XDP_TX or XDP_REDIRECT) with @bytes of UDP payload. */
struct xh_want xh_fwd(int verdict, const struct xh_flow *d, uint64_t bytes);
/* Left to the stack by a flow: its "passed" counter moves. */
struct xh_want xh_flow_pass(int xstat, const struct xh_flow *d);
/* Left to the stack before any flow was looked up (@xstat -1: uncounted). */
struct xh_want xh_pass(int xstat);

/*
 * @out NULL: the frame must come out as it went in.  A frame under 14
 * bytes that the kernel refuses to run counts in xh_refused.
 */
void xh_run(const char *name, const struct xf_spec *in, uint32_t ifindex,
	    const struct xf_spec *out, const struct xh_want *w);
void xh_run_raw(const char *name, const uint8_t *in, size_t len,
		uint32_t ifindex, const uint8_t *out, size_t out_len,
		const struct xh_want *w);

/* The counters summed over CPUs; the rest from the CPU that has them. */
void xh_stats_read(uint32_t slot, struct sipfp_xdp_stats *sum);

/* sipfp_ctl: the harness has VLAN devices, so xh_heartbeat() flags them. */
int xh_ctl(uint64_t until_ns, uint32_t flags);
int xh_heartbeat(uint64_t until_ns);
/* @dev into sipfp_tx, or out of it */
int xh_tx(const char *dev, bool on);
uint64_t xh_mono_ns(void);

#endif
