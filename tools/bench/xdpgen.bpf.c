// SPDX-License-Identifier: GPL-2.0
/*
 * xdpgen's programs (bench_xdp.sh):
 *
 *   gen      the generator: run by BPF_PROG_TEST_RUN in live-frames mode,
 *            it writes the next stream's RTP packet over the frame and
 *            sends it out of the interface the run names (XDP_TX)
 *   harness  the same packet, then a tail call into the program under
 *            measurement (slot 0 of "target"), for a non-live test run
 *            with repeat: every repetition sees a fresh packet
 *   sink     counts IPv4 UDP frames to its port (per CPU, so exact and
 *            cheap) and drops them; passes anything else (SIP, ARP)
 *   drop     XDP_DROP and nothing else: the baseline beside what
 *            "harness" runs
 *
 * The frame must be rewritten whole each time: a live run recycles its
 * pages without restoring them, and the router rewrites addresses, MACs
 * and TTL in place before the page comes back.  Only the headers are
 * written; the payload never changes after the run's template.
 *
 * Only UAPI structs are read (xdp_md), so neither vmlinux.h nor CO-RE.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xdpgen.h"

/* set by the loader before load: the frame's first bytes, the streams */
const volatile __u64 tmpl[XDPGEN_TMPL_WORDS];
const volatile __u32 nflows = 1;
const volatile __u32 ssrc_base;
/* packets a second; 0: as many as the CPU makes */
const volatile __u64 rate;
/* paced packets leave in bursts of this many */
const volatile __u64 burst = 1;
/* the sink's UDP port (net); 0: any */
const volatile __be16 sink_port;

/*
 * Packets sent, and frames dropped for being ahead of the rate: a test
 * run stays on one CPU, so no atomics; userspace reads them as they run.
 */
__u64 made;
__u64 skipped;
__u64 start_ns;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* the loader makes it nflows */
	__type(key, __u32);
	__type(value, struct xdpgen_flow);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sink_count SEC(".maps");

static __always_inline __u16 fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The next packet over the frame; 0, or -1 if the frame is too short. */
static __always_inline int fill(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + XDPGEN_OFF_IP;
	struct udphdr *udp = data + XDPGEN_OFF_UDP;
	__u8 *rtp = data + XDPGEN_OFF_RTP;
	struct xdpgen_flow *fl;
	__u32 f, seq, ts, sum;
	__u64 n = made;
	__u16 ck;

	if (data + XDPGEN_HDR_LEN > end)
		return -1;
	f = n % nflows;
	fl = bpf_map_lookup_elem(&flows, &f);
	if (!fl)
		return -1;
	for (int i = 0; i < XDPGEN_TMPL_WORDS; i++)
		((__u64 *)data)[i] = tmpl[i];
	/* each stream counts its own packets, as a phone would */
	seq = bpf_htons(n / nflows);
	ts = bpf_htonl((__u32)(n / nflows) * XDPGEN_TS_STEP + fl->ts0);
	ip->daddr = fl->daddr;
	ip->check = fl->ip_check;
	udp->source = fl->sport;
	udp->dest = fl->dport;
	*(__u16 *)(rtp + 2) = seq;
	*(__u32 *)(rtp + 4) = ts;
	*(__u32 *)(rtp + 8) = bpf_htonl(ssrc_base + f);
	made = n + 1;
	/* words as they lie in memory: the sum is the same either way */
	sum = fl->udp_sum + seq + (ts >> 16) + (ts & 0xffff);
	ck = ~fold(sum);
	/* 0 is "no checksum" in UDP over IPv4 */
	udp->check = ck ? ck : 0xffff;
	return 0;
}

/*
 * Paced: packets only when their time has come, a burst at a time (as a
 * NIC's interrupt coalescing hands a driver several, so the receiver is
 * not woken for every packet); until then each frame is dropped, which
 * recycles its page at once.  The run spins on the CPU either way, and
 * the pace holds with no timer at all.
 */
static __always_inline int early(void)
{
	__u64 now, due;

	if (!rate)
		return 0;
	now = bpf_ktime_get_ns();
	if (!start_ns)
		start_ns = now;
	due = (now - start_ns) * rate / 1000000000ull;
	/*
	 * Fallen behind (the CPU was taken from us): the schedule slips
	 * rather than catch up in one long burst no receiver's ring holds;
	 * the rate offered is what userspace counts, so it stays honest.
	 */
	if (due > made + 2 * burst) {
		start_ns = now - made * 1000000000ull / rate;
		due = made;
	}
	if (made < due - due % burst)
		return 0;
	skipped++;
	return 1;
}

SEC("xdp")
int gen(struct xdp_md *ctx)
{
	if (early())
		return XDP_DROP;
	return fill(ctx) ? XDP_ABORTED : XDP_TX;
}

SEC("xdp")
int harness(struct xdp_md *ctx)
{
	if (fill(ctx))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u32 zero = 0;
	__u64 *n;

	struct udphdr *udp = (void *)(ip + 1);

	/* no options: the generator sends none, and the router adds none */
	if ((void *)(udp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return XDP_PASS;
	if (sink_port && udp->dest != sink_port)
		return XDP_PASS;
	n = bpf_map_lookup_elem(&sink_count, &zero);
	if (n)
		(*n)++;
	return XDP_DROP;
}

SEC("xdp")
int drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
