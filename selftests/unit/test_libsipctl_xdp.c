// SPDX-License-Identifier: GPL-2.0
/*
 * libsipctl's XDP backend against maps of sipfp_xdp.h's layout that the
 * test makes, fills and pins itself on a bpffs of its own (in a mount
 * and network namespace of its own), found through SIPCTL_XDP_PIN_DIR:
 * every field a flow dump gives, the per-CPU counters summed, the RTP
 * view, the totals, and the refusals.  Needs root (exit 4 without).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "bpf/sipfp_xdp.h"
#include "internal.h"

#define MAX_FLOWS 64
#define COOKIE1 0x5f9d000000000100ULL

static char dir[64];
static int ncpus, flows_fd, stats_fd, xstats_fd;

static void key4(struct sipfp_xdp_key *k, const char *ip, uint16_t port)
{
	memset(k, 0, sizeof(*k));
	k->addr[10] = k->addr[11] = 0xff;
	inet_pton(AF_INET, ip, k->addr + 12);
	k->port = htons(port);
}

static void ip4(uint8_t *a, const char *ip)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	inet_pton(AF_INET, ip, a + 12);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A v4 RTP flow with a peer, a v6 latching one without, an ANY one. */
static int fill_flows(void)
{
	struct sipfp_xdp_flow f = { .cookie = COOKIE1 };
	struct sipfp_xdp_key k;
	int ret;

	key4(&k, "192.0.2.1", 20000);
	ip4(f.src_addr, "192.0.2.10");
	ip4(f.out_addr, "198.51.100.1");
	ip4(f.peer_addr, "198.51.100.20");
	f.src_port = htons(4000);
	f.out_port = htons(30000);
	f.peer_port = htons(6000);
	f.src_mode = SIPFP_XDP_SRC_FIXED;
	f.dscp = 46;
	f.flags = SIPFP_XDP_F_RTP;
	f.slot = 1;
	f.clock_rate = 48000;
	ret = bpf_map_update_elem(flows_fd, &k, &f, BPF_NOEXIST);

	memset(&f, 0, sizeof(f));
	memset(&k, 0, sizeof(k));
	f.cookie = 2;
	inet_pton(AF_INET6, "2001:db8::1", k.addr);
	k.port = htons(20002);
	inet_pton(AF_INET6, "2001:db8::10", f.src_addr);
	inet_pton(AF_INET6, "2001:db8::1", f.out_addr);
	f.out_port = htons(20004);
	f.src_mode = SIPFP_XDP_SRC_LATCH;
	f.flags = SIPFP_XDP_F_NO_PEER;
	f.slot = 2;
	ret = ret ?: bpf_map_update_elem(flows_fd, &k, &f, BPF_NOEXIST);

	memset(&f, 0, sizeof(f));
	key4(&k, "192.0.2.1", 20006);
	f.cookie = 3;
	f.slot = 3;
	return ret ?: bpf_map_update_elem(flows_fd, &k, &f, BPF_NOEXIST);
}

/* Slot 1 seen by CPU 0 (RTP) and, if there is one, CPU 1. */
static int fill_stats(void)
{
	struct sipfp_xdp_stats *p = calloc(ncpus, sizeof(*p));
	uint64_t *x = calloc(ncpus, sizeof(*x));
	uint32_t slot = 1;
	int ret;

	if (!p || !x)
		return -ENOMEM;
	p[0].packets = 10;
	p[0].bytes = 1600;
	p[0].drop_source = 1;
	p[0].last_ns = mono_ns() - 2000 * 1000000ULL;
	p[0].rtp_seen = 1;
	p[0].ssrc = 0xdeadbeef;
	p[0].cycles = 1 << 16;
	p[0].max_seq = 5;
	p[0].base_seq = 65530;
	p[0].received = 10;
	p[0].jitter = 160 << 4;
	p[ncpus - 1].packets += 5;
	p[ncpus - 1].bytes += 800;
	p[ncpus - 1].drop_source += 2;
	ret = bpf_map_update_elem(stats_fd, &slot, p, BPF_ANY);
	for (uint32_t i = 0; !ret && i < SIPFP_XDP_X_MAX; i++) {
		x[0] = 100 + i;
		x[ncpus - 1] += 1;
		ret = bpf_map_update_elem(xstats_fd, &i, x, BPF_ANY);
		x[ncpus - 1] = 0;
	}
	free(p);
	free(x);
	return ret;
}

static int pin(int fd, const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fd < 0 ? fd : bpf_obj_pin(fd, path);
}

static int make_maps(void)
{
	flows_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "sipfp_flows",
				  sizeof(struct sipfp_xdp_key),
				  sizeof(struct sipfp_xdp_flow), MAX_FLOWS,
				  NULL);
	stats_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "sipfp_stats",
				  sizeof(uint32_t),
				  sizeof(struct sipfp_xdp_stats), MAX_FLOWS,
				  NULL);
	xstats_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "sipfp_xstats",
				   sizeof(uint32_t), sizeof(uint64_t),
				   SIPFP_XDP_X_MAX, NULL);
	if (pin(flows_fd, "sipfp_flows") || pin(stats_fd, "sipfp_stats") ||
	    pin(xstats_fd, "sipfp_xstats"))
		return -1;
	return fill_flows() || fill_stats() ? -1 : 0;
}

static bool is_ep(const union sipctl_addr *a, const char *ip, uint16_t port)
{
	union sipctl_addr b = { 0 };

	if (strchr(ip, ':')) {
		b.sin6.sin6_family = AF_INET6;
		inet_pton(AF_INET6, ip, &b.sin6.sin6_addr);
		return a->sa.sa_family == AF_INET6 &&
		       a->sin6.sin6_port == htons(port) &&
		       !memcmp(&a->sin6.sin6_addr, &b.sin6.sin6_addr, 16);
	}
	inet_pton(AF_INET, ip, &b.sin.sin_addr);
	return a->sa.sa_family == AF_INET && a->sin.sin_port == htons(port) &&
	       a->sin.sin_addr.s_addr == b.sin.sin_addr.s_addr;
}

static struct sipctl_flow got[4];
static int ngot;

static int dump_cb(const struct sipctl_flow *f, void *arg)
{
	/* the table's order is the hash's: put in the order made */
	if (f->cookie == COOKIE1)
		got[0] = *f;
	else if (f->cookie == 2 || f->cookie == 3)
		got[f->cookie - 1] = *f;
	ngot++;
	return 0;
}

static void check_rtp_flow(const struct sipctl_flow *f)
{
	const struct sipctl_counters *c = &f->counters;

	CU_ASSERT_EQUAL(f->has,
			SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL |
				SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_PEER |
				SIPCTL_FLOW_HAS_SRC_MODE |
				SIPCTL_FLOW_HAS_SRC | SIPCTL_FLOW_HAS_FLAGS |
				SIPCTL_FLOW_HAS_DSCP |
				SIPCTL_FLOW_HAS_CLOCK_RATE |
				SIPCTL_FLOW_HAS_COUNTERS |
				SIPCTL_FLOW_HAS_LAST | SIPCTL_FLOW_HAS_RTP);
	CU_ASSERT_EQUAL(f->cookie, COOKIE1);
	CU_ASSERT_TRUE(is_ep(&f->local, "192.0.2.1", 20000));
	CU_ASSERT_TRUE(is_ep(&f->src, "192.0.2.10", 4000));
	CU_ASSERT_TRUE(is_ep(&f->out, "198.51.100.1", 30000));
	CU_ASSERT_TRUE(is_ep(&f->peer, "198.51.100.20", 6000));
	CU_ASSERT_EQUAL(f->src_mode, SIPCTL_SRC_FIXED);
	CU_ASSERT_EQUAL(f->dscp, 46);
	CU_ASSERT_EQUAL(f->flags, SIPCTL_F_RTP);
	CU_ASSERT_EQUAL(f->clock_rate, 48000);
	CU_ASSERT_EQUAL(c->packets, 15);
	CU_ASSERT_EQUAL(c->bytes, 2400);
	CU_ASSERT_EQUAL(c->drop_source, 3);
	CU_ASSERT_TRUE(c->idle_ms >= 2000 && c->idle_ms < 60000);
	CU_ASSERT_EQUAL(c->ssrc, 0xdeadbeef);
	CU_ASSERT_EQUAL(c->ext_max_seq, 65541);
	CU_ASSERT_EQUAL(c->expected, 12);
	CU_ASSERT_EQUAL(c->lost, 2);
	CU_ASSERT_EQUAL(c->jitter, 160);
}

static void test_dump(void)
{
	struct sipctl *h;
	const struct sipctl_flow *f;

	CU_ASSERT_EQUAL_FATAL(sipctl_open_xdp(&h), 0);
	CU_ASSERT_STRING_EQUAL(sipctl_backend(h), "xdp");
	ngot = 0;
	memset(got, 0, sizeof(got));
	CU_ASSERT_EQUAL(sipctl_flow_dump(h, dump_cb, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(ngot, 3);
	check_rtp_flow(&got[0]);

	f = &got[1];
	CU_ASSERT_EQUAL(f->has,
			SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL |
				SIPCTL_FLOW_HAS_OUT |
				SIPCTL_FLOW_HAS_SRC_MODE |
				SIPCTL_FLOW_HAS_SRC | SIPCTL_FLOW_HAS_FLAGS |
				SIPCTL_FLOW_HAS_DSCP |
				SIPCTL_FLOW_HAS_CLOCK_RATE |
				SIPCTL_FLOW_HAS_COUNTERS);
	CU_ASSERT_TRUE(is_ep(&f->local, "2001:db8::1", 20002));
	CU_ASSERT_TRUE(is_ep(&f->src, "2001:db8::10", 0));
	CU_ASSERT_TRUE(is_ep(&f->out, "2001:db8::1", 20004));
	CU_ASSERT_EQUAL(f->peer.sa.sa_family, 0);
	CU_ASSERT_EQUAL(f->src_mode, SIPCTL_SRC_LATCH);
	CU_ASSERT_EQUAL(f->flags, 0);
	CU_ASSERT_EQUAL(f->clock_rate, 8000);
	CU_ASSERT_EQUAL(f->counters.packets, 0);

	f = &got[2];
	CU_ASSERT_EQUAL(f->src_mode, SIPCTL_SRC_ANY);
	CU_ASSERT_FALSE(f->has & SIPCTL_FLOW_HAS_SRC);
	/* an unset out address is the IPv6 :: , not a v4 one */
	CU_ASSERT_EQUAL(f->out.sa.sa_family, AF_INET6);
	sipctl_close(h);
}

static int stop_cb(const struct sipctl_flow *f, void *arg)
{
	return ++ngot == 2 ? 42 : 0;
}

static void test_get_stats(void)
{
	union sipctl_addr local = { 0 };
	struct sipctl_stats st;
	struct sipctl_flow f;
	struct sipctl *h;

	CU_ASSERT_EQUAL_FATAL(sipctl_open_xdp(&h), 0);
	local.sin.sin_family = AF_INET;
	local.sin.sin_port = htons(20000);
	inet_pton(AF_INET, "192.0.2.1", &local.sin.sin_addr);
	CU_ASSERT_EQUAL(sipctl_flow_get(h, &local, &f), 0);
	check_rtp_flow(&f);
	local.sin.sin_port = htons(20001);
	CU_ASSERT_EQUAL(sipctl_flow_get(h, &local, &f), -ENOENT);

	CU_ASSERT_EQUAL(sipctl_stats_get(h, &st), 0);
	CU_ASSERT_EQUAL(st.has,
			SIPCTL_STATS_HAS_FLOWS | SIPCTL_STATS_HAS_MAX_FLOWS |
				SIPCTL_STATS_HAS_PACKETS |
				SIPCTL_STATS_HAS_DROP_SOURCE |
				SIPCTL_STATS_HAS_PASSED);
	CU_ASSERT_EQUAL(st.flows, 3);
	CU_ASSERT_EQUAL(st.max_flows, MAX_FLOWS);
	/* 101 + i over the CPUs for xstat i: forwarded are 0 and 1 */
	CU_ASSERT_EQUAL(st.packets, 101 + 102);
	CU_ASSERT_EQUAL(st.drop_source, 103);
	/* PASS_LATCH (4) .. PASS_DORMANT (14) */
	CU_ASSERT_EQUAL(st.passed, 11 * 101 + 99);

	ngot = 0;
	CU_ASSERT_EQUAL(sipctl_flow_dump(h, stop_cb, NULL), 42);
	CU_ASSERT_EQUAL(ngot, 2);

	CU_ASSERT_EQUAL(sipctl_flow_add(h, &f), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(sipctl_last_error(h), "sipfpd's"));
	CU_ASSERT_EQUAL(sipctl_flow_del(h, &f), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(sipctl_flush(h, 0, 0), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(sipctl_event_fd(h), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(sipctl_reload(h), -EOPNOTSUPP);
	sipctl_close(h);
}

static void test_open(void)
{
	char other[96];
	struct sipctl *h;
	int fd;

	/* the module is not loaded on this host: auto falls to the pins */
	if (!sipctl_open_kernel(&h)) {
		sipctl_close(h);
	} else {
		CU_ASSERT_EQUAL_FATAL(sipctl_open_auto(&h), 0);
		CU_ASSERT_STRING_EQUAL(sipctl_backend(h), "xdp");
		sipctl_close(h);
	}

	/* nothing pinned here */
	snprintf(other, sizeof(other), "%s/none", dir);
	mkdir(other, 0700);
	setenv("SIPCTL_XDP_PIN_DIR", other, 1);
	CU_ASSERT_EQUAL(sipctl_open_xdp(&h), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(sipctl_strerror(NULL, -ENOENT),
				      "no XDP maps pinned"));

	/* a map of another layout */
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "sipfp_flows", 8, 8, 4, NULL);
	snprintf(other, sizeof(other), "%s/none/sipfp_flows", dir);
	CU_ASSERT_EQUAL_FATAL(bpf_obj_pin(fd, other), 0);
	close(fd);
	CU_ASSERT_EQUAL(sipctl_open_xdp(&h), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(sipctl_strerror(NULL, -EPROTO),
				      "another sipfpd's layout"));
	unlink(other);
	setenv("SIPCTL_XDP_PIN_DIR", dir, 1);
}

static int skip(const char *why, int err)
{
	printf("skip: %s%s%s\n", why, err ? ": " : "", err ? strerror(err) : "");
	return 4;
}

static CU_TestInfo tests[] = {
	{ "test_dump", test_dump },
	{ "test_get_stats", test_get_stats },
	{ "test_open", test_open },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "libsipctl xdp backend", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	int ret;

	if (geteuid())
		return skip("not root", 0);
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return skip("no mount and network namespace of our own", errno);
	strcpy(dir, "/tmp/sipctl-xXXXXXX");
	if (!mkdtemp(dir))
		return skip("mkdtemp", errno);
	if (mount("bpf", dir, "bpf", 0, "mode=0700"))
		return skip("cannot mount a bpffs", errno);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0 || make_maps()) {
		umount(dir);
		rmdir(dir);
		return skip("cannot make the maps", errno);
	}
	setenv("SIPCTL_XDP_PIN_DIR", dir, 1);
	ret = tu_run(suites);

	umount(dir);
	rmdir(dir);
	return ret;
}
