// SPDX-License-Identifier: GPL-2.0
/*
 * libsipctl against the real sipfp.ko: meant for the VM (selftests/vm),
 * where the module is loaded; anywhere without the sipfp family it skips
 * (exit 4).  It runs in a network namespace of its own, so the table
 * starts empty and nothing it does reaches another test.
 *
 * On loopback, one flow forwards for real:
 *
 *   phone a (127.0.0.1:A) ──▶ 127.0.0.1:L ══ flow ══ 127.0.0.1:O ──▶ phone b
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <sipctl.h>

#include "tutil.h"

#define COOKIE 0x5f9d00000000a100ULL
#define BATCH 200

static struct sipctl *h;

static void ep4(union sipctl_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin.sin_family = AF_INET;
	a->sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin.sin_addr);
}

static bool same_ep(const union sipctl_addr *a, const union sipctl_addr *b)
{
	return a->sa.sa_family == b->sa.sa_family &&
	       a->sin.sin_port == b->sin.sin_port &&
	       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
}

static void flow4(struct sipctl_flow *f, uint16_t local, uint64_t cookie)
{
	memset(f, 0, sizeof(*f));
	f->has = SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL |
		 SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_PEER |
		 SIPCTL_FLOW_HAS_SRC_MODE | SIPCTL_FLOW_HAS_SRC;
	f->cookie = cookie;
	ep4(&f->local, "127.0.0.1", local);
	ep4(&f->out, "127.0.0.1", local + 2);
	ep4(&f->peer, "127.0.0.1", 40000);
	f->src_mode = SIPCTL_SRC_FIXED;
	ep4(&f->src, "127.0.0.1", 40002);
}

static int count_cb(const struct sipctl_flow *f, void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

static unsigned int nflows(void)
{
	unsigned int n = 0;

	CU_ASSERT_EQUAL(sipctl_flow_dump(h, count_cb, &n), 0);
	return n;
}

static void test_add_get(void)
{
	struct sipctl_flow f, g;

	flow4(&f, 30000, COOKIE);
	f.has |= SIPCTL_FLOW_HAS_DSCP | SIPCTL_FLOW_HAS_FLAGS |
		 SIPCTL_FLOW_HAS_CLOCK_RATE | SIPCTL_FLOW_HAS_IDLE_MS |
		 SIPCTL_FLOW_HAS_TIMEOUT_MS;
	f.dscp = 46;
	f.flags = SIPCTL_F_RTP;
	f.clock_rate = 16000;
	f.idle_ms = 5000;
	f.timeout_ms = 60000;
	CU_ASSERT_EQUAL_FATAL(sipctl_flow_add(h, &f), 0);
	CU_ASSERT_PTR_NULL(sipctl_last_error(h));
	CU_ASSERT_EQUAL_FATAL(sipctl_flow_get(h, &f.local, &g), 0);
	CU_ASSERT_EQUAL(g.cookie, COOKIE);
	CU_ASSERT_TRUE(same_ep(&g.local, &f.local));
	CU_ASSERT_TRUE(same_ep(&g.out, &f.out));
	CU_ASSERT_TRUE(same_ep(&g.peer, &f.peer));
	CU_ASSERT_TRUE(same_ep(&g.src, &f.src));
	CU_ASSERT_EQUAL(g.src_mode, SIPCTL_SRC_FIXED);
	CU_ASSERT_EQUAL(g.dscp, 46);
	CU_ASSERT_EQUAL(g.flags, SIPCTL_F_RTP);
	CU_ASSERT_EQUAL(g.clock_rate, 16000);
	CU_ASSERT_EQUAL(g.idle_ms, 5000);
	CU_ASSERT_EQUAL(g.timeout_ms, 60000);
	CU_ASSERT_TRUE(g.has & SIPCTL_FLOW_HAS_COUNTERS);
	CU_ASSERT_FALSE(g.has & (SIPCTL_FLOW_HAS_LAST | SIPCTL_FLOW_HAS_RTP |
				 SIPCTL_FLOW_HAS_LATCHED));
	CU_ASSERT_EQUAL(g.counters.packets, 0);
	CU_ASSERT_EQUAL(sipctl_flow_add(h, &f), -EEXIST);
	CU_ASSERT_EQUAL(sipctl_flow_del(h, &f), 0);
	CU_ASSERT_EQUAL(sipctl_flow_get(h, &f.local, &g), -ENOENT);
	CU_ASSERT_EQUAL(sipctl_flow_del(h, &f), -ENOENT);
}

/* The kernel's words come back, naming the attribute at fault. */
static void test_extack(void)
{
	struct sipctl_flow f;
	const char *e;
	int ret;

	flow4(&f, 30010, COOKIE);
	f.has |= SIPCTL_FLOW_HAS_DSCP;
	f.dscp = 64;
	/* the kernel's range policies answer -ERANGE where the uapi says -EINVAL */
	ret = sipctl_flow_add(h, &f);
	CU_ASSERT(ret == -EINVAL || ret == -ERANGE);
	e = sipctl_last_error(h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	printf("\n# dscp 64: %s\n", e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e, "flow.dscp"));
	flow4(&f, 30010, COOKIE);
	f.local.sin.sin_port = 0;
	CU_ASSERT_EQUAL(sipctl_flow_add(h, &f), -EINVAL);
	e = sipctl_last_error(h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	printf("# local port 0: %s\n", e);
	CU_ASSERT_PTR_NOT_NULL(strstr(e, "flow.local"));
	CU_ASSERT_STRING_EQUAL(sipctl_strerror(h, -EINVAL), e);
	/* a success clears it */
	CU_ASSERT_EQUAL(sipctl_stats_get(h, &(struct sipctl_stats){ 0 }), 0);
	CU_ASSERT_PTR_NULL(sipctl_last_error(h));
}

static void test_set(void)
{
	struct sipctl_flow f, s = { 0 }, g;

	flow4(&f, 30020, COOKIE);
	CU_ASSERT_EQUAL_FATAL(sipctl_flow_add(h, &f), 0);
	s.has = SIPCTL_FLOW_HAS_LOCAL | SIPCTL_FLOW_HAS_PEER;
	s.local = f.local;
	ep4(&s.peer, "127.0.0.1", 41000);
	CU_ASSERT_EQUAL(sipctl_flow_set(h, &s), 0);
	CU_ASSERT_EQUAL_FATAL(sipctl_flow_get(h, &f.local, &g), 0);
	CU_ASSERT_TRUE(same_ep(&g.peer, &s.peer));
	CU_ASSERT_TRUE(same_ep(&g.src, &f.src));
	/* on hold: the unspecified address, port 0, takes the peer away */
	ep4(&s.peer, "0.0.0.0", 0);
	CU_ASSERT_EQUAL(sipctl_flow_set(h, &s), 0);
	CU_ASSERT_EQUAL_FATAL(sipctl_flow_get(h, &f.local, &g), 0);
	CU_ASSERT_FALSE(g.has & SIPCTL_FLOW_HAS_PEER);
	/* a cookie that is not the flow's is refused */
	s.has |= SIPCTL_FLOW_HAS_COOKIE;
	s.cookie = COOKIE + 1;
	CU_ASSERT_NOT_EQUAL(sipctl_flow_set(h, &s), 0);
	CU_ASSERT_NOT_EQUAL(sipctl_flow_del(h, &s), 0);
	CU_ASSERT_EQUAL(sipctl_flow_del(h, &f), 0);
}

static int stop_cb(const struct sipctl_flow *f, void *arg)
{
	(*(unsigned int *)arg)++;
	return 42;
}

/* Many flows, one round trip per 64; dumps, flushes by cookie. */
static void test_batch_dump_flush(void)
{
	static struct sipctl_flow f[BATCH];
	static int errs[BATCH];
	struct sipctl_stats st;
	unsigned int n = 0;

	for (int i = 0; i < BATCH; i++)
		flow4(&f[i], 20000 + 4 * i,
		      (i & 1 ? 0xaaULL : 0xbbULL) << 48 | i);
	/* the last one again: only it fails */
	f[BATCH - 1] = f[0];
	CU_ASSERT_EQUAL(sipctl_flow_add_batch(h, f, BATCH, errs), -EEXIST);
	for (int i = 0; i < BATCH - 1; i++)
		CU_ASSERT_EQUAL(errs[i], 0);
	CU_ASSERT_EQUAL(errs[BATCH - 1], -EEXIST);
	CU_ASSERT_EQUAL(nflows(), BATCH - 1);
	CU_ASSERT_EQUAL_FATAL(sipctl_stats_get(h, &st), 0);
	CU_ASSERT_TRUE(st.has & SIPCTL_STATS_HAS_FLOWS);
	CU_ASSERT_EQUAL(st.flows, BATCH - 1);
	/* a callback that stops: its value back, the socket still in step */
	CU_ASSERT_EQUAL(sipctl_flow_dump(h, stop_cb, &n), 42);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(nflows(), BATCH - 1);
	CU_ASSERT_EQUAL(sipctl_flush(h, 0xaaULL << 48, 0xffffULL << 48), 0);
	CU_ASSERT_EQUAL(nflows(), BATCH / 2);
	CU_ASSERT_EQUAL(sipctl_flush(h, 0, 0), 0);
	CU_ASSERT_EQUAL(nflows(), 0);
}

static struct sipctl_event evs[16];
static unsigned int nev;

static void ev_cb(const struct sipctl_event *ev, void *arg)
{
	if (nev < 16)
		evs[nev] = *ev;
	nev++;
}

/* Reads events until @n came, or a second passed. */
static void wait_events(unsigned int n)
{
	struct pollfd p = { .fd = sipctl_event_fd(h), .events = POLLIN };

	for (int i = 0; i < 100 && nev < n; i++) {
		if (poll(&p, 1, 10) > 0)
			CU_ASSERT(sipctl_event_read(h, ev_cb, NULL) >= 0);
	}
}

static int udp(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(!bind(fd, (struct sockaddr *)&a, sizeof(a)));
	return fd;
}

/* Real packets on loopback: latched, forwarded, counted, told. */
static void test_forward_events(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(30100),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int pa = udp(40002), pb = udp(40000), other = udp(40004);
	struct pollfd p = { .fd = pb, .events = POLLIN };
	struct sipctl_flow f, g;
	char buf[64];

	CU_ASSERT_FATAL(sipctl_event_fd(h) >= 0);
	nev = 0;
	flow4(&f, 30100, COOKIE);
	f.src_mode = SIPCTL_SRC_LATCH;
	f.src.sin.sin_port = 0;
	CU_ASSERT_EQUAL_FATAL(sipctl_flow_add(h, &f), 0);
	CU_ASSERT_EQUAL(sendto(pa, "hello", 5, 0, (struct sockaddr *)&to,
			       sizeof(to)),
			5);
	CU_ASSERT_EQUAL(poll(&p, 1, 1000), 1);
	CU_ASSERT_EQUAL(recv(pb, buf, sizeof(buf), MSG_DONTWAIT), 5);
	/* from a port it did not latch to: dropped, and said so */
	CU_ASSERT_EQUAL(sendto(other, "evil", 4, 0, (struct sockaddr *)&to,
			       sizeof(to)),
			4);
	wait_events(2);
	CU_ASSERT_EQUAL_FATAL(nev, 2);
	CU_ASSERT_EQUAL(evs[0].type, SIPCTL_EVENT_LATCHED);
	CU_ASSERT_EQUAL(evs[0].cookie, COOKIE);
	CU_ASSERT_TRUE(same_ep(&evs[0].local, &f.local));
	ep4(&g.src, "127.0.0.1", 40002);
	CU_ASSERT_TRUE(same_ep(&evs[0].source, &g.src));
	CU_ASSERT_EQUAL(evs[1].type, SIPCTL_EVENT_SOURCE_MISMATCH);
	CU_ASSERT_EQUAL_FATAL(sipctl_flow_get(h, &f.local, &g), 0);
	CU_ASSERT_EQUAL(g.counters.packets, 1);
	CU_ASSERT_EQUAL(g.counters.bytes, 5);
	CU_ASSERT_EQUAL(g.counters.drop_source, 1);
	CU_ASSERT_TRUE(g.has & SIPCTL_FLOW_HAS_LATCHED);
	CU_ASSERT_TRUE(g.has & SIPCTL_FLOW_HAS_LAST);
	CU_ASSERT_EQUAL(sipctl_flow_del(h, &f), 0);
	wait_events(3);
	CU_ASSERT_EQUAL_FATAL(nev, 3);
	CU_ASSERT_EQUAL(evs[2].type, SIPCTL_EVENT_REMOVED);
	CU_ASSERT_EQUAL(evs[2].reason, SIPCTL_REMOVED_DELETED);
	close(pa);
	close(pb);
	close(other);
}

/* Its own network namespace, with loopback up. */
static int netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, ret;

	if (unshare(CLONE_NEWNET))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!ret)
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return ret ? -errno : 0;
}

#define T(f)          \
	{             \
#f, f \
	}

static CU_TestInfo tests[] = {
	T(test_add_get),	  T(test_extack),	  T(test_set),
	T(test_batch_dump_flush), T(test_forward_events), CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "libsipctl and sipfp.ko", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	int ret = netns();

	if (ret) {
		printf("no network namespace of our own: %s\n", strerror(-ret));
		return 4;
	}
	ret = sipctl_open_kernel(&h);
	if (ret) {
		printf("%s\n", sipctl_strerror(NULL, ret));
		return 4;
	}
	ret = tu_run(suites);
	sipctl_close(h);
	return ret;
}
