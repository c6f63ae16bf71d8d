// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP program's test harness; see harness.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "../tutil.h"
#include "sipfp_xdp.skel.h"

/* 02:00:00:00:X:Y, locally administered */
const uint8_t xh_a0_mac[6] = { 2, 0, 0, 0, 0x0a, 1 };
const uint8_t xh_b0_mac[6] = { 2, 0, 0, 0, 0x0b, 1 };
const uint8_t xh_pa_mac[6] = { 2, 0, 0, 0, 0xaa, 2 };
const uint8_t xh_pa3_mac[6] = { 2, 0, 0, 0, 0xaa, 3 };
const uint8_t xh_pb_mac[6] = { 2, 0, 0, 0, 0xbb, 2 };
const uint8_t xh_v20_mac[6] = { 2, 0, 0, 0, 0x20, 2 };
const uint8_t xh_v30_mac[6] = { 2, 0, 0, 0, 0x30, 2 };
/* RTP v2, PT 0, seq 0x1234, ts 0x140, SSRC 0xdeadbeef, then a voice */
uint8_t xh_pl[32] = "\x80\x00\x12\x34\x00\x00\x01\x40\xde\xad\xbe\xef"
		    "voice";
int xh_a0, xh_refused;
static int cases;

static const char setup[] =
	"set -e\n"
	"ip link set lo up\n"
	"for d in a b c; do\n"
	"  ip link add ${d}0 address 02:00:00:00:0$d:01 type veth peer ${d}1\n"
	"  ip link set ${d}1 up; ip link set ${d}0 up\n"
	"done\n"
	/*
	 * The program knows VLAN devices only through sipfp_vlans and
	 * sipfp_vlan_dev: where the kernel has no 802.1Q, a veth with the
	 * lower device's address stands in for each.
	 */
	"vlan() {\n"
	"  ip link add link $1 $1.$2 type vlan id $2 2>/dev/null ||\n"
	"  ip link add $1.$2 address $3 type veth peer $1.$2p\n"
	"  ip link set $1.$2 up; ip link set $1.$2p up 2>/dev/null || :\n"
	"}\n"
	"vlan a0 10 02:00:00:00:0a:01; vlan a0 20 02:00:00:00:0a:01\n"
	"vlan b0 30 02:00:00:00:0b:01\n"
	"if ip -d link show a0.10 | grep -q 802.1Q; then\n"
	"  echo 'VLAN devices: 802.1Q'\n"
	"else echo 'VLAN devices: veth stand-ins (no 802.1Q here)'; fi\n"
	"echo 1 >/proc/sys/net/ipv4/conf/all/forwarding\n"
	"echo 1 >/proc/sys/net/ipv6/conf/all/forwarding\n"
	"ip addr add 10.1.0.1/24 dev a0\n"
	"ip addr add 10.2.0.1/24 dev b0\n"
	"ip addr add 10.3.0.1/24 dev c0\n"
	"ip addr add 10.10.0.1/24 dev a0.10\n"
	"ip addr add 10.20.0.1/24 dev a0.20\n"
	"ip addr add 10.30.0.1/24 dev b0.30\n"
	"ip addr add fd00:1::1/64 dev a0 nodad\n"
	"ip addr add fd00:2::1/64 dev b0 nodad\n"
	"n() { ip neigh replace $1 lladdr 02:00:00:00:$2 dev $3 nud permanent; }\n"
	"n 10.1.0.2 aa:02 a0; n 10.1.0.3 aa:03 a0; n 10.2.0.2 bb:02 b0\n"
	"n 10.3.0.2 cc:02 c0; n 10.10.0.2 10:02 a0.10\n"
	"n 10.20.0.2 20:02 a0.20; n 10.30.0.2 30:02 b0.30\n"
	"n fd00:1::2 aa:02 a0; n fd00:1::3 aa:03 a0; n fd00:2::2 bb:02 b0\n";

static struct sipfp_xdp *skel;
static int prog_fd, ncpus;
struct xh_flow xh_fd4(uint16_t lport)
{
	return (struct xh_flow){
		.local = "10.1.0.1",
		.lport = lport,
		.src = "10.1.0.2",
		.sport = 20000,
		.mode = SIPFP_XDP_SRC_FIXED,
		.out = "10.2.0.1",
		.oport = lport + 10000,
		.peer = "10.2.0.2",
		.pport = 50000,
		.slot = lport % 256,
	};
}

struct xh_flow xh_fd6(uint16_t lport)
{
	return (struct xh_flow){
		.local = "fd00:1::1",
		.lport = lport,
		.src = "fd00:1::2",
		.sport = 20000,
		.mode = SIPFP_XDP_SRC_FIXED,
		.out = "fd00:2::1",
		.oport = lport + 10000,
		.peer = "fd00:2::2",
		.pport = 50000,
		.slot = lport % 256,
	};
}

/* The frame phone a sends to the flow's endpoint. */
struct xf_spec xh_in(const struct xh_flow *d)
{
	struct xf_spec s = {
		.vid = -1,
		.src = d->src,
		.dst = d->local,
		.sport = d->sport ? d->sport : 20000,
		.dport = d->lport,
		.ttl = 64,
		.id = 0x1234,
		.pl = xh_pl,
		.pl_len = sizeof(xh_pl),
	};

	memcpy(s.dmac, xh_a0_mac, 6);
	memcpy(s.smac, xh_pa_mac, 6);
	return s;
}

/* The same frame as the flow sends it on, written independently. */
struct xf_spec xh_out(const struct xf_spec *in, const struct xh_flow *d,
		      const uint8_t *dmac, const uint8_t *smac)
{
	struct xf_spec s = *in;

	memcpy(s.dmac, dmac, 6);
	memcpy(s.smac, smac, 6);
	s.src = d->out;
	s.dst = d->peer;
	s.sport = d->oport;
	s.dport = d->pport;
	s.tos = d->dscp << 2 | (in->tos & 3);
	s.ttl = in->ttl - 1;
	return s;
}

static void stats_zero(uint32_t slot)
{
	struct sipfp_xdp_stats z[ncpus];

	memset(z, 0, sizeof(z));
	CU_ASSERT_EQUAL_FATAL(bpf_map__update_elem(skel->maps.sipfp_stats,
						   &slot, sizeof(slot), z,
						   sizeof(z), 0),
			      0);
}

void xh_flow_put(const struct xh_flow *d)
{
	struct sipfp_xdp_flow f = {
		.cookie = 0x5f9d0000 + d->lport,
		.src_port = htons(d->sport),
		.out_port = htons(d->oport),
		.peer_port = htons(d->pport),
		.src_mode = d->mode,
		.dscp = d->dscp,
		.flags = d->flags,
		.slot = d->slot,
		.clock_rate = d->clock_rate,
	};
	struct sipfp_xdp_key k = { .port = htons(d->lport) };

	xf_addr16(k.addr, d->local);
	xf_addr16(f.src_addr, d->src);
	xf_addr16(f.out_addr, d->out);
	xf_addr16(f.peer_addr, d->peer);
	CU_ASSERT_EQUAL_FATAL(bpf_map__update_elem(skel->maps.sipfp_flows, &k,
						   sizeof(k), &f, sizeof(f), 0),
			      0);
	stats_zero(d->slot);
}

static void xstats_read(uint64_t *sum)
{
	uint64_t v[ncpus];

	for (uint32_t x = 0; x < SIPFP_XDP_X_MAX; x++) {
		sum[x] = 0;
		CU_ASSERT_EQUAL_FATAL(
			bpf_map__lookup_elem(skel->maps.sipfp_xstats, &x,
					     sizeof(x), v, sizeof(v), 0),
			0);
		for (int c = 0; c < ncpus; c++)
			sum[x] += v[c];
	}
}

/* The counters summed over CPUs; the rest from the CPU that has them. */
void xh_stats_read(uint32_t slot, struct sipfp_xdp_stats *sum)
{
	struct sipfp_xdp_stats v[ncpus];

	memset(sum, 0, sizeof(*sum));
	CU_ASSERT_EQUAL_FATAL(bpf_map__lookup_elem(skel->maps.sipfp_stats,
						   &slot, sizeof(slot), v,
						   sizeof(v), 0),
			      0);
	for (int c = 0; c < ncpus; c++) {
		uint64_t p = sum->packets, b = sum->bytes;
		uint64_t d = sum->drop_source, s = sum->passed;

		if (v[c].packets || v[c].drop_source || v[c].passed)
			*sum = v[c];
		sum->packets = p + v[c].packets;
		sum->bytes = b + v[c].bytes;
		sum->drop_source = d + v[c].drop_source;
		sum->passed = s + v[c].passed;
	}
}

static void hexdump(const char *what, const uint8_t *f, size_t len)
{
	fprintf(stderr, "    %s (%zu):", what, len);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n     ", f[i]);
	fprintf(stderr, "\n");
}

static bool same_frame(const char *name, const uint8_t *got, size_t got_len,
		       const uint8_t *want, size_t want_len)
{
	if (got_len == want_len && !memcmp(got, want, got_len))
		return true;
	fprintf(stderr, "\n  %s: frame differs\n", name);
	hexdump("got", got, got_len);
	hexdump("want", want, want_len);
	return false;
}

/*
 * One test run.  test_run refuses a frame shorter than an Ethernet header
 * (6.1, 6.12 and 6.18 do), as bpf_xdp_adjust_head() and _tail() never
 * make one: XDP does not see such frames.  They are offered anyway,
 * behind 32 bytes of XDP metadata that the program never reads (data_out
 * starts at the metadata), so a kernel that took them would test them.
 */
static int prog_run(const uint8_t *in, size_t len, uint32_t ifindex,
		    uint8_t *out, size_t *out_len, uint32_t *verdict)
{
	size_t meta = len < 14 ? 32 : 0;
	uint8_t buf[XF_MAX + 32] = { 0 }, obuf[XF_MAX + 64];
	struct xdp_md ctx = {
		.data = meta,
		.data_end = meta + len,
		.ingress_ifindex = ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf,
		    .data_size_in = meta + len, .data_out = obuf,
		    .data_size_out = sizeof(obuf), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int ret;

	memcpy(buf + meta, in, len);
	ret = bpf_prog_test_run_opts(prog_fd, &o);
	if (ret)
		return -errno;
	if (o.data_size_out < meta)
		return -EPROTO;
	*out_len = o.data_size_out - meta;
	memcpy(out, obuf + meta, *out_len);
	*verdict = o.retval;
	return 0;
}

static void check_xstats(const char *name, const uint64_t *before, int x)
{
	uint64_t after[SIPFP_XDP_X_MAX];

	xstats_read(after);
	for (int i = 0; i < SIPFP_XDP_X_MAX; i++) {
		uint64_t d = after[i] - before[i];

		if (d == (i == x))
			continue;
		fprintf(stderr, "\n  %s: xstat %d moved by %llu, want %d\n",
			name, i, (unsigned long long)d, i == x);
		CU_FAIL("xstats");
	}
}

static void check_stats(const char *name, const struct sipfp_xdp_stats *b,
			const struct xh_want *w)
{
	struct sipfp_xdp_stats a;

	xh_stats_read(w->slot, &a);
	if (a.packets - b->packets == w->packets &&
	    a.bytes - b->bytes == w->bytes &&
	    a.drop_source - b->drop_source == w->drop_source &&
	    a.passed - b->passed == w->passed)
		return;
	fprintf(stderr, "\n  %s: stats moved by %llu %llu %llu %llu\n", name,
		(unsigned long long)(a.packets - b->packets),
		(unsigned long long)(a.bytes - b->bytes),
		(unsigned long long)(a.drop_source - b->drop_source),
		(unsigned long long)(a.passed - b->passed));
	CU_FAIL("flow stats");
}

/* @want_f NULL: the frame must come out as it went in. */
void xh_run_raw(const char *name, const uint8_t *in, size_t len,
		uint32_t ifindex, const uint8_t *want_f, size_t want_len,
		const struct xh_want *w)
{
	uint64_t xs[SIPFP_XDP_X_MAX];
	struct sipfp_xdp_stats st = { 0 };
	uint8_t out[XF_MAX + 32];
	size_t out_len = 0;
	uint32_t verdict = ~0U;
	int ret;

	xstats_read(xs);
	if (w->slot >= 0)
		xh_stats_read(w->slot, &st);
	cases++;
	ret = prog_run(in, len, ifindex, out, &out_len, &verdict);
	if (ret == -EINVAL && len < 14) {
		xh_refused++;
		return;
	}
	if (ret) {
		fprintf(stderr, "\n  %s: test run: %s\n", name, strerror(-ret));
		CU_FAIL_FATAL("BPF_PROG_TEST_RUN");
	}
	if (verdict != (uint32_t)w->verdict) {
		fprintf(stderr, "\n  %s: verdict %u, want %d\n", name, verdict,
			w->verdict);
		CU_FAIL("verdict");
	}
	if (!want_f) {
		want_f = in;
		want_len = len;
	}
	CU_ASSERT_TRUE(same_frame(name, out, out_len, want_f, want_len));
	check_xstats(name, xs, w->xstat);
	if (w->slot >= 0)
		check_stats(name, &st, w);
}

/* Builds both frames, checking them first: a bad fixture is no test. */
void xh_run(const char *name, const struct xf_spec *in, uint32_t ifindex,
	    const struct xf_spec *out, const struct xh_want *w)
{
	uint8_t fi[XF_MAX], fo[XF_MAX];
	size_t li = xf_build(fi, in), lo = 0;

	CU_ASSERT_FATAL(li > 0);
	if (out) {
		lo = xf_build(fo, out);
		CU_ASSERT_FATAL(lo > 0);
		CU_ASSERT_TRUE(xf_valid(fo, lo));
	}
	xh_run_raw(name, fi, li, ifindex, out ? fo : NULL, lo, w);
}

int xh_ctl(uint64_t until, uint32_t flags)
{
	struct sipfp_xdp_ctl c = { .alive_until_ns = until, .flags = flags };
	uint32_t zero = 0;

	return bpf_map__update_elem(skel->maps.sipfp_ctl, &zero, sizeof(zero),
				    &c, sizeof(c), 0);
}

int xh_heartbeat(uint64_t until)
{
	return xh_ctl(until, SIPFP_XDP_CTL_VLANS);
}

uint64_t xh_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int tx_add(const char *dev)
{
	uint32_t i = if_nametoindex(dev);

	return bpf_map__update_elem(skel->maps.sipfp_tx, &i, sizeof(i), &i,
				    sizeof(i), 0);
}

int xh_tx(const char *dev, bool on)
{
	uint32_t i = if_nametoindex(dev);

	if (on)
		return tx_add(dev);
	return bpf_map__delete_elem(skel->maps.sipfp_tx, &i, sizeof(i), 0);
}

static int vlan_add(const char *lower, uint16_t vid, const char *dev)
{
	struct sipfp_xdp_vlan_key k = { if_nametoindex(lower), vid, 0 };
	uint32_t i = if_nametoindex(dev);

	if (bpf_map__update_elem(skel->maps.sipfp_vlans, &k, sizeof(k), &i,
				 sizeof(i), 0))
		return -1;
	return bpf_map__update_elem(skel->maps.sipfp_vlan_dev, &i, sizeof(i),
				    &k, sizeof(k), 0);
}

/* Small maps: the default sizes are the daemon's, not a test's. */
static int load(void)
{
	int ret;

	skel = sipfp_xdp__open();
	if (!skel)
		return -errno;
	bpf_map__set_max_entries(skel->maps.sipfp_flows, 1024);
	bpf_map__set_max_entries(skel->maps.sipfp_stats, 256);
	ret = sipfp_xdp__load(skel);
	if (ret)
		return ret;
	prog_fd = bpf_program__fd(skel->progs.sipfp_xdp);
	return 0;
}

static int maps_fill(void)
{
	xh_a0 = if_nametoindex("a0");
	if (!xh_a0 || tx_add("a0") || tx_add("b0") ||
	    vlan_add("a0", 10, "a0.10") || vlan_add("a0", 20, "a0.20") ||
	    vlan_add("b0", 30, "b0.30"))
		return -1;
	return xh_heartbeat(xh_mono_ns() + 3600 * 1000000000ULL);
}

/* RTP state lives per CPU: keep every run on the CPU we start on. */
static int pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static int skip(const char *why, int err)
{
	printf("skip: %s%s%s\n", why, err ? ": " : "",
	       err ? strerror(err) : "");
	return 4;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

struct xh_want xh_fwd(int verdict, const struct xh_flow *d, size_t bytes)
{
	return (struct xh_want){
		.verdict = verdict,
		.slot = d->slot,
		.packets = 1,
		.bytes = bytes,
		.xstat = verdict == XDP_TX ? SIPFP_XDP_X_FWD_TX :
					     SIPFP_XDP_X_FWD_REDIRECT,
	};
}

/* Left to the stack by a flow: its "passed" counter moves. */
struct xh_want xh_flow_pass(int x, const struct xh_flow *d)
{
	return (struct xh_want){
		.verdict = XDP_PASS, .xstat = x, .slot = d->slot, .passed = 1
	};
}

/* Left to the stack before any flow was looked up. */
struct xh_want xh_pass(int x)
{
	return (struct xh_want){ .verdict = XDP_PASS, .xstat = x, .slot = -1 };
}

/* 0, or the exit status to leave with: 4 (skip, having said why) or 1 */
static int xh_init(void)
{
	int ret;

	if (geteuid())
		return skip("not root", 0);
	if (unshare(CLONE_NEWNET))
		return skip("no network namespace of our own", errno);
	libbpf_set_print(quiet);
	ret = load();
	if (ret)
		return skip("cannot load sipfp_xdp", -ret);
	ncpus = libbpf_num_possible_cpus();
	if (system(setup))
		return skip("cannot build the namespace's network (iproute2)",
			    0);
	if (maps_fill() || pin_cpu()) {
		fprintf(stderr, "set-up: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static void xh_exit(void)
{
	printf("%d cases run, %d of them refused by the kernel\n", cases,
	       xh_refused);
	sipfp_xdp__destroy(skel);
}

int xh_main(CU_SuiteInfo *suites)
{
	int ret = xh_init();

	if (ret)
		return ret;
	ret = tu_run(suites);
	xh_exit();
	return ret;
}
