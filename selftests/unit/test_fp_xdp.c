// SPDX-License-Identifier: GPL-2.0
/*
 * The xdp fast-path backend on this kernel, in a network and mount
 * namespace of its own: a veth pair the program attaches to, the relay
 * beneath on real UDP sockets, and the maps read back through their
 * pins, field by field and byte by byte.  The program's own per-flow
 * counters are written straight into sipfp_stats, so the merge with the
 * relay's is checked exactly.  The event loop is faked: ev_now_ms() is
 * a variable and timers and descriptors fire when a test says so.
 * Without root it skips (exit 4).
 *
 *   sender 10.7.0.1:30000 ──lo──▶ ra 10.7.0.1:PA ══ flow ══ rb :PB ──▶ peer
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "tutil.h"

#include "bpf/sipfp_xdp.h"
#include "config_media.h"
#include "event.h"
#include "fake_ev.h"
#include "fastpath.h"

#define PA 20000
#define PB 20002
#define MAGIC (FP_COOKIE_MAGIC << 48)

/* --- the fake event loop: timers falling due (the rest is fp/) --- */

/* Time goes on by @ms; what fell due runs, once. */
static void advance(uint64_t ms)
{
	struct ev_timer *due[FAKE_EV_MAX];
	int n = 0;

	fake_now += ms;
	for (int i = 0; i < FAKE_EV_MAX; i++)
		if (fake_timers[i] && fake_timers[i]->when_ms <= fake_now)
			due[n++] = fake_timers[i];
	for (int i = 0; i < n; i++) {
		ev_timer_del(due[i]);
		due[i]->cb(due[i], due[i]->arg);
	}
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* --- events --- */

static struct {
	struct fp_flow *f;
	enum fp_event ev;
	union tp_addr addr;
} evs[32];
static int nevs;

static void on_event(struct fp_flow *f, enum fp_event ev,
		     const union tp_addr *addr, void *user)
{
	if (nevs == 32)
		return;
	evs[nevs].f = f;
	evs[nevs].ev = ev;
	if (addr)
		evs[nevs].addr = *addr;
	nevs++;
}

static int count_ev(struct fp_flow *f, enum fp_event ev)
{
	int n = 0;

	for (int i = 0; i < nevs; i++)
		n += evs[i].f == f && evs[i].ev == ev;
	return n;
}

/* --- the namespace, the config, sockets --- */

static const char setup_sh[] = "set -e\n"
			       "ip link set lo up\n"
			       "ip link add v0 type veth peer name v1\n"
			       "ip link set v0 up\n"
			       "ip link set v1 up\n"
			       "ip addr add 10.7.0.1/24 dev v0\n"
			       "ip addr add fd00:7::1/64 dev v0 nodad\n";

static struct config cfg;
static char pins[64];
static int ncpus;

static void conf(void)
{
	memset(&cfg, 0, sizeof(cfg));
	config_media_defaults(&cfg);
	cfg.fastpath = CFG_FP_XDP;
	cfg.port_min = PA;
	cfg.port_max = PA + 99;
	cfg.media_timeout = 20;
	strcpy(cfg.xdp_ifs[0], "v0");
	strcpy(cfg.xdp_ifs[1], "v1");
	cfg.nxdp_ifs = 2;
}

static void addr4(union tp_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin.sin_family = AF_INET;
	a->sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin.sin_addr);
}

static void addr6(union tp_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin6.sin6_family = AF_INET6;
	a->sin6.sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &a->sin6.sin6_addr);
}

static int udp(const union tp_addr *a)
{
	int fd = socket(a->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	socklen_t len = a->sa.sa_family == AF_INET ? sizeof(a->sin) :
						     sizeof(a->sin6);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(!bind(fd, &a->sa, len));
	return fd;
}

/* A v4 flow ra:@pa -> rb:@pb -> 10.7.0.8:7000, strict from 10.7.0.9:6000. */
static void spec4(struct fp_flow_spec *sp, uint16_t pa, uint16_t pb)
{
	memset(sp, 0, sizeof(*sp));
	sp->cookie = MAGIC | (uint64_t)pa << 8;
	addr4(&sp->local, "10.7.0.1", pa);
	sp->fd = udp(&sp->local);
	sp->src_mode = FP_SRC_FIXED;
	addr4(&sp->src, "10.7.0.9", 6000);
	addr4(&sp->out_local, "10.7.0.1", pb);
	sp->out_fd = udp(&sp->out_local);
	addr4(&sp->peer, "10.7.0.8", 7000);
	sp->dscp = 46;
	sp->rtp = true;
}

static void close_spec(const struct fp_flow_spec *sp)
{
	close(sp->fd);
	close(sp->out_fd);
}

static int pinned(const char *map)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", pins, map);
	return bpf_obj_get(path);
}

static int map_flow(const union tp_addr *local, struct sipfp_xdp_flow *v)
{
	struct sipfp_xdp_key k = { 0 };
	int fd = pinned("sipfp_flows"), ret;

	if (local->sa.sa_family == AF_INET) {
		k.addr[10] = k.addr[11] = 0xff;
		memcpy(k.addr + 12, &local->sin.sin_addr, 4);
		k.port = local->sin.sin_port;
	} else {
		memcpy(k.addr, &local->sin6.sin6_addr, 16);
		k.port = local->sin6.sin6_port;
	}
	ret = fd < 0 ? -1 : bpf_map_lookup_elem(fd, &k, v);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* The program's part, as if it had forwarded: one CPU's slot values. */
static void stats_put(uint32_t slot, int cpu, const struct sipfp_xdp_stats *s)
{
	struct sipfp_xdp_stats *v = calloc(ncpus, sizeof(*v));
	int fd = pinned("sipfp_stats");

	CU_ASSERT_FATAL(fd >= 0 && v);
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(fd, &slot, v));
	v[cpu] = *s;
	CU_ASSERT_FATAL(!bpf_map_update_elem(fd, &slot, v, BPF_ANY));
	close(fd);
	free(v);
}

static uint32_t prog_on(const char *dev)
{
	uint32_t id = 0;

	bpf_xdp_query_id(if_nametoindex(dev), 0, &id);
	return id;
}

static void setup(void)
{
	struct stat st;

	CU_ASSERT_FATAL(!stat("/proc/self/ns/net", &st));
	snprintf(pins, sizeof(pins), "%s/%lu", SIPFP_XDP_PIN_DIR,
		 (unsigned long)st.st_ino);
	fake_now = mono_ns() / 1000000;
	nevs = 0;
	conf();
	CU_ASSERT_FATAL(!fp_init(&cfg, on_event));
}

static void teardown(void)
{
	fp_exit();
}

/* --- tests --- */

static void test_attached(void)
{
	uint32_t tx = if_nametoindex("v0"), v = 0;
	int fd = pinned("sipfp_tx");

	CU_ASSERT_STRING_EQUAL(fp_name(), "xdp");
	CU_ASSERT_STRING_EQUAL(fp_xdp_lower(), "relay");
	CU_ASSERT(prog_on("v0") != 0);
	CU_ASSERT_EQUAL(prog_on("v0"), prog_on("v1"));
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(!bpf_map_lookup_elem(fd, &tx, &v));
	CU_ASSERT_EQUAL(v, tx);
	tx = if_nametoindex("v1");
	CU_ASSERT(!bpf_map_lookup_elem(fd, &tx, &v));
	CU_ASSERT_EQUAL(v, tx);
	tx = if_nametoindex("lo");
	CU_ASSERT(bpf_map_lookup_elem(fd, &tx, &v));
	close(fd);
}

static void test_no_device(void)
{
	fp_exit();
	conf();
	strcpy(cfg.xdp_ifs[0], "nosuch0");
	cfg.nxdp_ifs = 1;
	CU_ASSERT_EQUAL(fp_init(&cfg, on_event), -ENODEV);
	CU_ASSERT_STRING_EQUAL(fp_name(), "none");
	CU_ASSERT_EQUAL(prog_on("v0"), 0);
	CU_ASSERT(access(pins, F_OK));
}

static void set_forwarding(const char *dev, int on)
{
	char path[96];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/forwarding",
		 dev);
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fprintf(f, "%d\n", on);
	fclose(f);
}

/* `auto` takes XDP only where bpf_fib_lookup() answers: a forwarding box. */
static void test_auto(void)
{
	fp_exit();
	conf();
	cfg.fastpath = CFG_FP_AUTO;
	CU_ASSERT_FATAL(!fp_init(&cfg, on_event));
	CU_ASSERT_STRING_EQUAL(fp_name(), "relay");
	CU_ASSERT_EQUAL(prog_on("v0"), 0);
	CU_ASSERT(access(pins, F_OK));
	fp_exit();
	set_forwarding("v1", 1);
	CU_ASSERT_FATAL(!fp_init(&cfg, on_event));
	CU_ASSERT_STRING_EQUAL(fp_name(), "xdp");
	CU_ASSERT_STRING_EQUAL(fp_xdp_lower(), "relay");
	CU_ASSERT(prog_on("v0") != 0);
	set_forwarding("v1", 0);
}

static const uint8_t m10_7_0[12] = { [10] = 0xff, [11] = 0xff };

static void test_fields(void)
{
	struct fp_flow_spec sp;
	struct sipfp_xdp_flow v;
	struct fp_flow *f;

	spec4(&sp, PA, PB);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(!map_flow(&sp.local, &v));
	CU_ASSERT_EQUAL(v.cookie, sp.cookie);
	CU_ASSERT(!memcmp(v.src_addr, m10_7_0, 12));
	CU_ASSERT(!memcmp(v.src_addr + 12, "\x0a\x07\x00\x09", 4));
	CU_ASSERT(!memcmp(&v.src_port, "\x17\x70", 2)); /* 6000 */
	CU_ASSERT(!memcmp(v.out_addr + 12, "\x0a\x07\x00\x01", 4));
	CU_ASSERT(!memcmp(&v.out_port, "\x4e\x22", 2)); /* 20002 */
	CU_ASSERT(!memcmp(v.peer_addr, m10_7_0, 12));
	CU_ASSERT(!memcmp(v.peer_addr + 12, "\x0a\x07\x00\x08", 4));
	CU_ASSERT(!memcmp(&v.peer_port, "\x1b\x58", 2)); /* 7000 */
	CU_ASSERT_EQUAL(v.src_mode, SIPFP_XDP_SRC_FIXED);
	CU_ASSERT_EQUAL(v.dscp, 46);
	CU_ASSERT_EQUAL(v.flags, SIPFP_XDP_F_RTP);
	CU_ASSERT_EQUAL(v.clock_rate, 8000);
	CU_ASSERT(v.slot < 2 * 100);
	fp_flow_del(f);
	CU_ASSERT(map_flow(&sp.local, &v));
	close_spec(&sp);
}

static void test_fields6(void)
{
	static const uint8_t a1[16] = { 0xfd, 0, 0, 7, [15] = 1 };
	static const uint8_t a8[16] = { 0xfd, 0, 0, 7, [15] = 8 };
	struct fp_flow_spec sp = { .cookie = MAGIC | 6, .dscp = 10 };
	struct sipfp_xdp_flow v;
	struct fp_flow *f;

	addr6(&sp.local, "fd00:7::1", PA + 10);
	sp.fd = udp(&sp.local);
	addr6(&sp.out_local, "fd00:7::1", PA + 12);
	sp.out_fd = udp(&sp.out_local);
	addr6(&sp.peer, "fd00:7::8", 8000);
	sp.src_mode = FP_SRC_ANY;
	sp.clock_rate = 48000;
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(!map_flow(&sp.local, &v));
	CU_ASSERT(!memcmp(v.out_addr, a1, 16));
	CU_ASSERT(!memcmp(v.peer_addr, a8, 16));
	CU_ASSERT(!memcmp(&v.peer_port, "\x1f\x40", 2)); /* 8000 */
	CU_ASSERT_EQUAL(v.src_mode, SIPFP_XDP_SRC_ANY);
	CU_ASSERT_EQUAL(v.flags, 0);
	CU_ASSERT_EQUAL(v.dscp, 10);
	CU_ASSERT_EQUAL(v.clock_rate, 48000);
	fp_flow_del(f);
	close_spec(&sp);
}

static void test_update(void)
{
	struct fp_flow_spec sp, sp2;
	struct sipfp_xdp_flow v, v2;
	struct fp_flow *f;
	int fd;

	spec4(&sp, PA, PB);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_FATAL(f && !map_flow(&sp.local, &v));
	/* on hold: no peer, the program passes up */
	sp2 = sp;
	memset(&sp2.peer, 0, sizeof(sp2.peer));
	CU_ASSERT_FATAL(!fp_flow_update(f, &sp2));
	CU_ASSERT_FATAL(!map_flow(&sp.local, &v2));
	CU_ASSERT_EQUAL(v2.flags, SIPFP_XDP_F_RTP | SIPFP_XDP_F_NO_PEER);
	CU_ASSERT_EQUAL(v2.peer_port, 0);
	CU_ASSERT(!memcmp(v2.peer_addr, (uint8_t[16]){ 0 }, 16));
	/* a new local port: the old key goes, the slot stays */
	addr4(&sp2.local, "10.7.0.1", PA + 4);
	fd = udp(&sp2.local);
	sp2.fd = fd;
	addr4(&sp2.peer, "10.7.0.8", 7002);
	CU_ASSERT_FATAL(!fp_flow_update(f, &sp2));
	CU_ASSERT(map_flow(&sp.local, &v2));
	CU_ASSERT_FATAL(!map_flow(&sp2.local, &v2));
	CU_ASSERT_EQUAL(v2.slot, v.slot);
	CU_ASSERT_EQUAL(v2.flags, SIPFP_XDP_F_RTP);
	CU_ASSERT(!memcmp(&v2.peer_port, "\x1b\x5a", 2));
	fp_flow_del(f);
	CU_ASSERT(map_flow(&sp2.local, &v2));
	close(fd);
	close_spec(&sp);
}

/* The relay latches on a packet that came up; the map follows. */
static void test_latch(void)
{
	union tp_addr from;
	struct fp_flow_spec sp;
	struct sipfp_xdp_flow v;
	struct fp_flow *f;
	int s;

	spec4(&sp, PA, PB);
	sp.src_mode = FP_SRC_LATCH;
	addr4(&sp.src, "10.7.0.1", 5000);
	sp.latch_until_ms = fake_now + 10000;
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_FATAL(f && !map_flow(&sp.local, &v));
	CU_ASSERT_EQUAL(v.src_mode, SIPFP_XDP_SRC_LATCH);
	addr4(&from, "10.7.0.1", 30000);
	s = udp(&from);
	CU_ASSERT_FATAL(sendto(s, "\x80\0\0\1", 4, 0, &sp.local.sa,
			       sizeof(sp.local.sin)) == 4);
	usleep(10000);
	CU_ASSERT_FATAL(fake_fire(sp.fd));
	CU_ASSERT_EQUAL(count_ev(f, FP_EV_LATCHED), 1);
	CU_ASSERT_FATAL(!map_flow(&sp.local, &v));
	CU_ASSERT_EQUAL(v.src_mode, SIPFP_XDP_SRC_FIXED);
	CU_ASSERT(!memcmp(v.src_addr + 12, "\x0a\x07\x00\x01", 4));
	CU_ASSERT(!memcmp(&v.src_port, "\x75\x30", 2)); /* 30000 */
	fp_flow_del(f);
	close(s);
	close_spec(&sp);
}

/* Past the window unlatched: FIXED to the spec's source, port and all. */
static void test_latch_window(void)
{
	struct fp_flow_spec sp;
	struct sipfp_xdp_flow v;
	struct fp_flow *f;

	spec4(&sp, PA, PB);
	sp.src_mode = FP_SRC_LATCH;
	sp.latch_until_ms = fake_now + 1500;
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_FATAL(f && !map_flow(&sp.local, &v));
	CU_ASSERT_EQUAL(v.src_mode, SIPFP_XDP_SRC_LATCH);
	advance(1000);
	CU_ASSERT_FATAL(!map_flow(&sp.local, &v));
	CU_ASSERT_EQUAL(v.src_mode, SIPFP_XDP_SRC_LATCH);
	advance(1000);
	CU_ASSERT_FATAL(!map_flow(&sp.local, &v));
	CU_ASSERT_EQUAL(v.src_mode, SIPFP_XDP_SRC_FIXED);
	CU_ASSERT(!memcmp(v.src_addr + 12, "\x0a\x07\x00\x09", 4));
	CU_ASSERT(!memcmp(&v.src_port, "\x17\x70", 2));
	CU_ASSERT_EQUAL(count_ev(f, FP_EV_LATCHED), 0);
	fp_flow_del(f);
	close_spec(&sp);
}

static void test_counters(void)
{
	struct sipfp_xdp_stats s = { .packets = 10,
				     .bytes = 1600,
				     .drop_source = 2,
				     .rtp_seen = 1,
				     .ssrc = 0x1234,
				     .base_seq = 100,
				     .max_seq = 111,
				     .received = 10,
				     .jitter = 5 << 4 };
	struct fp_flow_spec sp;
	struct sipfp_xdp_flow v;
	struct fp_counters c;
	struct fp_flow *f;

	spec4(&sp, PA, PB);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_FATAL(f && !map_flow(&sp.local, &v));
	CU_ASSERT_FATAL(!fp_flow_counters(f, &c));
	CU_ASSERT_EQUAL(c.packets, 0);
	CU_ASSERT_EQUAL(c.path, FP_PATH_NONE);
	s.last_ns = fake_now * 1000000ULL + 500000;
	stats_put(v.slot, 0, &s);
	CU_ASSERT_FATAL(!fp_flow_counters(f, &c));
	CU_ASSERT_EQUAL(c.packets, 10);
	CU_ASSERT_EQUAL(c.bytes, 1600);
	CU_ASSERT_EQUAL(c.drops[FP_DROP_SOURCE], 2);
	CU_ASSERT_EQUAL(c.path, FP_PATH_XDP);
	CU_ASSERT_EQUAL(c.last_ms, fake_now);
	CU_ASSERT(c.rtp_seen);
	CU_ASSERT_EQUAL(c.ssrc, 0x1234);
	CU_ASSERT_EQUAL(c.ext_max_seq, 111);
	CU_ASSERT_EQUAL(c.expected, 12);
	CU_ASSERT_EQUAL(c.lost, 2);
	CU_ASSERT_EQUAL(c.jitter, 5);
	if (ncpus > 1) {
		/* a second queue saw 3 more, past a wrap: one scale */
		s = (struct sipfp_xdp_stats){ .packets = 3,
					      .bytes = 300,
					      .rtp_seen = 1,
					      .ssrc = 0x1234,
					      .base_seq = 112,
					      .max_seq = 114,
					      .received = 3,
					      .jitter = 9 << 4,
					      .last_ns =
						      fake_now * 1000000ULL };
		stats_put(v.slot, 1, &s);
		CU_ASSERT_FATAL(!fp_flow_counters(f, &c));
		CU_ASSERT_EQUAL(c.packets, 13);
		CU_ASSERT_EQUAL(c.ext_max_seq, 114);
		CU_ASSERT_EQUAL(c.expected, 15);
		CU_ASSERT_EQUAL(c.lost, 2);
		CU_ASSERT_EQUAL(c.jitter, 5); /* the last packet's CPU */
	}
	fp_flow_del(f);
	close_spec(&sp);
}

/*
 * A long call: one queue saw its first packets, another the 40000 since,
 * more than half the sequence space: both still on one scale.
 */
static void test_counters_long(void)
{
	struct sipfp_xdp_stats s = { .packets = 11,
				     .rtp_seen = 1,
				     .ssrc = 0x77,
				     .base_seq = 100,
				     .max_seq = 110,
				     .received = 11 };
	struct fp_flow_spec sp;
	struct sipfp_xdp_flow v;
	struct fp_counters c;
	struct fp_flow *f;

	if (ncpus < 2)
		return;
	spec4(&sp, PA, PB);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_FATAL(f && !map_flow(&sp.local, &v));
	s.last_ns = fake_now * 1000000ULL;
	stats_put(v.slot, 0, &s);
	s.packets = 40000;
	s.base_seq = 111;
	s.max_seq = 40110;
	s.received = 40000;
	s.last_ns += 800000000ULL;
	stats_put(v.slot, 1, &s);
	CU_ASSERT_FATAL(!fp_flow_counters(f, &c));
	CU_ASSERT_EQUAL(c.ext_max_seq, 40110);
	CU_ASSERT_EQUAL(c.expected, 40011);
	CU_ASSERT_EQUAL(c.lost, 0);
	fp_flow_del(f);
	close_spec(&sp);
}

/* A slot's leftover numbers never show in the next flow's counters. */
static void test_slot_zeroed(void)
{
	struct sipfp_xdp_stats junk = {
		.packets = 99, .bytes = 9, .drop_source = 7, .last_ns = 1
	};
	struct fp_flow_spec a, b;
	struct sipfp_xdp_flow v;
	struct fp_counters c;
	struct fp_flow *f, *g;

	spec4(&a, PA, PB);
	f = fp_flow_add(&a, NULL);
	CU_ASSERT_FATAL(f && !map_flow(&a.local, &v));
	/* the slot handed out next, dirty as a deleted flow leaves it */
	stats_put(v.slot + 1, ncpus - 1, &junk);
	spec4(&b, PA + 20, PA + 22);
	g = fp_flow_add(&b, NULL);
	CU_ASSERT_FATAL(g && !map_flow(&b.local, &v));
	CU_ASSERT_FATAL(!fp_flow_counters(g, &c));
	CU_ASSERT_EQUAL(c.packets, 0);
	CU_ASSERT_EQUAL(c.drops[FP_DROP_SOURCE], 0);
	CU_ASSERT_EQUAL(c.path, FP_PATH_NONE);
	fp_flow_del(f);
	fp_flow_del(g);
	close_spec(&a);
	close_spec(&b);
}

static void test_mismatch_idle(void)
{
	struct sipfp_xdp_stats s = {
		.packets = 1,
		.drop_source = 1,
		.bad_addr = { [10] = 0xff, [11] = 0xff, 203, 0, 113, 5 },
		.bad_port = htons(4444)
	};
	struct fp_flow_spec sp;
	struct sipfp_xdp_flow v;
	struct fp_flow *f;
	union tp_addr want;

	spec4(&sp, PA, PB);
	sp.idle_ms = 3000;
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_FATAL(f && !map_flow(&sp.local, &v));
	s.last_ns = fake_now * 1000000ULL;
	stats_put(v.slot, 0, &s);
	advance(1000);
	CU_ASSERT_EQUAL(count_ev(f, FP_EV_SOURCE_MISMATCH), 1);
	addr4(&want, "203.0.113.5", 4444);
	CU_ASSERT(tp_addr_eq(&evs[nevs - 1].addr, &want));
	advance(1000);
	/* no new drop: no new event */
	CU_ASSERT_EQUAL(count_ev(f, FP_EV_SOURCE_MISMATCH), 1);
	CU_ASSERT_EQUAL(count_ev(f, FP_EV_IDLE), 0);
	advance(1000);
	CU_ASSERT_EQUAL(count_ev(f, FP_EV_IDLE), 1);
	advance(1000);
	CU_ASSERT_EQUAL(count_ev(f, FP_EV_IDLE), 1);
	/* a packet, then quiet again: a second IDLE */
	s.last_ns = fake_now * 1000000ULL;
	stats_put(v.slot, 0, &s);
	advance(1000);
	CU_ASSERT_EQUAL(count_ev(f, FP_EV_IDLE), 1);
	advance(3000);
	CU_ASSERT_EQUAL(count_ev(f, FP_EV_IDLE), 2);
	fp_flow_del(f);
	close_spec(&sp);
}

static void test_heartbeat(void)
{
	struct sipfp_xdp_ctl ctl = { 0 };
	uint32_t zero = 0;
	uint64_t t0;
	int fd = pinned("sipfp_ctl");

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(!bpf_map_update_elem(fd, &zero, &ctl, BPF_ANY));
	t0 = mono_ns();
	advance(1000);
	CU_ASSERT(!bpf_map_lookup_elem(fd, &zero, &ctl));
	/* max(2 x media_timeout, 60 s) ahead */
	CU_ASSERT(ctl.alive_until_ns >= t0 + 60000000000ULL);
	CU_ASSERT(ctl.alive_until_ns <= mono_ns() + 60000000000ULL);
	/* no VLAN device here: the program need not look for one */
	CU_ASSERT_EQUAL(ctl.flags, 0);
	close(fd);
}

struct found {
	struct fp_flow_spec sp[4];
	struct fp_counters c[4];
	int n;
};

static int collect(const struct fp_flow_spec *sp, const struct fp_counters *c,
		   void *arg)
{
	struct found *fo = arg;

	if (fo->n < 4) {
		fo->sp[fo->n] = *sp;
		fo->c[fo->n++] = *c;
	}
	return 0;
}

/* fp_leave() and a new start: the flows go on and are adopted. */
static void test_leave_adopt(void)
{
	struct sipfp_xdp_stats s = { .packets = 7, .bytes = 70 };
	struct fp_flow_spec a, b;
	struct sipfp_xdp_flow v, v2;
	struct found fo = { 0 };
	struct fp_counters c;
	struct fp_flow *f, *g;
	uint32_t prog;

	spec4(&a, PA, PB);
	spec4(&b, PA + 20, PA + 22);
	f = fp_flow_add(&a, NULL);
	g = fp_flow_add(&b, NULL);
	CU_ASSERT_FATAL(f && g && !map_flow(&a.local, &v));
	s.last_ns = fake_now * 1000000ULL;
	stats_put(v.slot, 0, &s);
	prog = prog_on("v0");
	fp_leave();
	fp_flow_del(f);
	fp_flow_del(g);
	fp_exit();
	CU_ASSERT_EQUAL(prog_on("v0"), prog);
	CU_ASSERT_FATAL(!map_flow(&a.local, &v2));
	CU_ASSERT(!memcmp(&v, &v2, sizeof(v)));
	CU_ASSERT_FATAL(!fp_init(&cfg, on_event));
	/* a new program, atomically over the old one */
	CU_ASSERT(prog_on("v0") != 0 && prog_on("v0") != prog);
	CU_ASSERT(!fp_orphans(collect, &fo));
	CU_ASSERT_EQUAL_FATAL(fo.n, 2);
	if (fo.sp[0].cookie != a.cookie) {
		struct fp_flow_spec t = fo.sp[0];
		struct fp_counters tc = fo.c[0];

		fo.sp[0] = fo.sp[1];
		fo.c[0] = fo.c[1];
		fo.sp[1] = t;
		fo.c[1] = tc;
	}
	CU_ASSERT_EQUAL(fo.sp[0].cookie, a.cookie);
	CU_ASSERT(tp_addr_eq(&fo.sp[0].local, &a.local));
	CU_ASSERT(tp_addr_eq(&fo.sp[0].out_local, &a.out_local));
	CU_ASSERT(tp_addr_eq(&fo.sp[0].peer, &a.peer));
	CU_ASSERT(tp_addr_eq(&fo.sp[0].src, &a.src));
	CU_ASSERT_EQUAL(fo.sp[0].src_mode, FP_SRC_FIXED);
	CU_ASSERT_EQUAL(fo.sp[0].dscp, 46);
	CU_ASSERT(fo.sp[0].rtp);
	CU_ASSERT_EQUAL(fo.sp[0].fd, -1);
	CU_ASSERT_EQUAL(fo.c[0].packets, 7);
	CU_ASSERT_EQUAL(fo.c[0].path, FP_PATH_XDP);
	/* one adopted with its sockets, the other let go */
	fo.sp[0].fd = a.fd;
	fo.sp[0].out_fd = a.out_fd;
	f = fp_flow_adopt(&fo.sp[0], on_event, NULL);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(!fp_orphan_del(&fo.sp[1]));
	CU_ASSERT(map_flow(&b.local, &v2));
	CU_ASSERT_FATAL(!map_flow(&a.local, &v2));
	CU_ASSERT_EQUAL(v2.slot, v.slot);
	CU_ASSERT_FATAL(!fp_flow_counters(f, &c));
	CU_ASSERT_EQUAL(c.packets, 7);
	fo.n = 0;
	CU_ASSERT(!fp_orphans(collect, &fo));
	CU_ASSERT_EQUAL(fo.n, 0);
	fp_flow_del(f);
	CU_ASSERT(map_flow(&a.local, &v2));
	close_spec(&a);
	close_spec(&b);
}

/*
 * A new flow on a port an earlier sipfpd's flow held, not adopted: its
 * entry is ours, and the orphan is gone with its slot, so that it can
 * neither expire our entry nor forward by its rule.
 */
static void test_orphan_key(void)
{
	struct fp_flow_spec a, b;
	struct sipfp_xdp_flow v, v2;
	struct found fo = { 0 };
	struct fp_flow *f;

	spec4(&a, PA, PB);
	f = fp_flow_add(&a, NULL);
	CU_ASSERT_FATAL(f && !map_flow(&a.local, &v));
	fp_leave();
	fp_flow_del(f);
	fp_exit();
	CU_ASSERT_FATAL(!fp_init(&cfg, on_event));
	b = a;
	b.cookie ^= 1;
	addr4(&b.peer, "10.7.0.8", 7010);
	f = fp_flow_add(&b, NULL);
	CU_ASSERT_FATAL(f && !map_flow(&b.local, &v2));
	CU_ASSERT_EQUAL(v2.cookie, b.cookie);
	CU_ASSERT_EQUAL(v2.peer_port, htons(7010));
	CU_ASSERT(!fp_orphans(collect, &fo));
	CU_ASSERT_EQUAL(fo.n, 0);
	CU_ASSERT_EQUAL(fp_orphan_del(&a), -ENOENT);
	CU_ASSERT(!map_flow(&b.local, &v2));
	fp_flow_del(f);
	CU_ASSERT(map_flow(&a.local, &v2));
	close_spec(&a);
}

/* An exit without fp_leave() takes the program and the pins away. */
static void test_exit_detaches(void)
{
	struct fp_flow_spec sp;
	struct fp_flow *f;

	spec4(&sp, PA, PB);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(!access(pins, F_OK));
	fp_exit();
	CU_ASSERT_PTR_NULL(f->be);
	free(f);
	CU_ASSERT_EQUAL(prog_on("v0"), 0);
	CU_ASSERT_EQUAL(prog_on("v1"), 0);
	CU_ASSERT(access(pins, F_OK));
	close_spec(&sp);
}

#define T(f)          \
	{             \
#f, f \
	}

static CU_TestInfo tests[] = {
	T(test_attached),      T(test_no_device),     T(test_auto),
	T(test_fields),	       T(test_fields6),	      T(test_update),
	T(test_latch),	       T(test_latch_window),  T(test_counters),
	T(test_slot_zeroed),   T(test_mismatch_idle), T(test_heartbeat),
	T(test_leave_adopt),   T(test_orphan_key),    T(test_exit_detaches),
	T(test_counters_long), CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "fastpath xdp", NULL, NULL, setup, teardown, tests },
	CU_SUITE_INFO_NULL,
};

static int skip(const char *why, int err)
{
	printf("skip: %s%s%s\n", why, err ? ": " : "",
	       err ? strerror(err) : "");
	return 4;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int main(void)
{
	if (geteuid())
		return skip("not root", 0);
	/* bpffs, if this mounts one, goes with the namespace */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return skip("no network and mount namespace of our own", errno);
	if (system(setup_sh))
		return skip("cannot build the namespace's network (iproute2)",
			    0);
	libbpf_set_print(quiet);
	ncpus = libbpf_num_possible_cpus();
	return tu_run(suites);
}
