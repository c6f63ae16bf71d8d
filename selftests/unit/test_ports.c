// SPDX-License-Identifier: GPL-2.0
/*
 * Relay port pools on real sockets, 127.0.0.1 and ::1, over a range of
 * five pairs below the ephemeral ports (so no connect() of another
 * program lands in it): even/odd pairs, bound sockets, exhaustion, a port
 * held by someone else, quarantine and the order pairs come back in.
 *
 * The event loop is faked: ev_now_ms() is a variable and the one timer
 * ports.c arms fires when a test says so.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "event.h"
#include "log.h"
#include "ports.h"

#define PMIN 27100
#define PMAX 27109
#define NPAIRS 5
#define QUAR_MS 5000

static uint64_t now = 1000;
static struct ev_timer *armed;

uint64_t ev_now_ms(void)
{
	return now;
}

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	t->cb = cb;
	t->arg = arg;
	t->heap_idx = -1;
}

void ev_timer_add(struct ev_timer *t, uint64_t ms)
{
	t->when_ms = now + ms;
	t->heap_idx = 0;
	armed = t;
}

void ev_timer_del(struct ev_timer *t)
{
	t->heap_idx = -1;
	if (armed == t)
		armed = NULL;
}

/* The loop's job: fire the timer if it is due at @now. */
static void run_timers(void)
{
	struct ev_timer *t = armed;

	if (!t || t->when_ms > now)
		return;
	ev_timer_del(t);
	t->cb(t, t->arg);
}

static struct config cfg;
static union tp_addr v4, v6;

static void addrs(void)
{
	memset(&v4, 0, sizeof(v4));
	v4.sin.sin_family = AF_INET;
	v4.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(&v6, 0, sizeof(v6));
	v6.sin6.sin6_family = AF_INET6;
	v6.sin6.sin6_addr = in6addr_loopback;
}

static int setup(void)
{
	addrs();
	memset(&cfg, 0, sizeof(cfg));
	cfg.port_min = PMIN;
	cfg.port_max = PMAX;
	cfg.port_quarantine = QUAR_MS / 1000;
	cfg.dscp = 46;
	now = 1000;
	return ports_init(&cfg);
}

static int teardown(void)
{
	ports_exit();
	CU_ASSERT_PTR_NULL(armed);
	return 0;
}

/* Whether another socket can bind @a port @port: 0, or its errno. */
static int try_bind(const union tp_addr *a, uint16_t port, int *keep)
{
	union tp_addr b = *a;
	int fd = socket(a->sa.sa_family, SOCK_DGRAM, 0), ret = 0;

	CU_ASSERT_FATAL(fd >= 0);
	if (a->sa.sa_family == AF_INET)
		b.sin.sin_port = htons(port);
	else
		b.sin6.sin6_port = htons(port);
	if (bind(fd, &b.sa,
		 a->sa.sa_family == AF_INET ? sizeof(b.sin) : sizeof(b.sin6)))
		ret = errno;
	if (!ret && keep)
		*keep = fd;
	else
		close(fd);
	return ret;
}

static uint16_t bound_port(int fd)
{
	union tp_addr a;
	socklen_t len = sizeof(a);

	CU_ASSERT_FATAL(getsockname(fd, &a.sa, &len) == 0);
	return ntohs(a.sa.sa_family == AF_INET ? a.sin.sin_port :
						 a.sin6.sin6_port);
}

static uint16_t next(uint16_t port)
{
	return port + 2 > PMAX ? PMIN : port + 2;
}

static void check_pair(const union tp_addr *a, const struct port_pair *pp)
{
	int tos = -1;
	socklen_t len = sizeof(tos);

	CU_ASSERT(pp->port >= PMIN && pp->port < PMAX);
	CU_ASSERT_EQUAL(pp->port % 2, 0);
	CU_ASSERT(pp->fd_rtp >= 0 && pp->fd_rtcp >= 0);
	CU_ASSERT_EQUAL(bound_port(pp->fd_rtp), pp->port);
	CU_ASSERT_EQUAL(bound_port(pp->fd_rtcp), pp->port + 1);
	CU_ASSERT(fcntl(pp->fd_rtp, F_GETFL) & O_NONBLOCK);
	CU_ASSERT(fcntl(pp->fd_rtcp, F_GETFD) & FD_CLOEXEC);
	/* really ours: nobody else gets either port, nor the wildcard */
	CU_ASSERT_EQUAL(try_bind(a, pp->port, NULL), EADDRINUSE);
	CU_ASSERT_EQUAL(try_bind(a, pp->port + 1, NULL), EADDRINUSE);
	if (a->sa.sa_family == AF_INET) {
		union tp_addr any = { .sin.sin_family = AF_INET };

		CU_ASSERT_EQUAL(try_bind(&any, pp->port, NULL), EADDRINUSE);
		getsockopt(pp->fd_rtp, IPPROTO_IP, IP_TOS, &tos, &len);
	} else {
		int v6only = 0;

		len = sizeof(v6only);
		getsockopt(pp->fd_rtp, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			   &len);
		CU_ASSERT_EQUAL(v6only, 1);
		len = sizeof(tos);
		getsockopt(pp->fd_rtp, IPPROTO_IPV6, IPV6_TCLASS, &tos, &len);
	}
	CU_ASSERT_EQUAL(tos, 46 << 2);
}

static void expect_stats(const union tp_addr *a, uint64_t in_use, uint64_t quar,
			 uint64_t free)
{
	struct ports_stats st;

	CU_ASSERT_EQUAL_FATAL(ports_stats(a, &st), 0);
	CU_ASSERT_EQUAL(st.in_use, in_use);
	CU_ASSERT_EQUAL(st.quarantined, quar);
	CU_ASSERT_EQUAL(st.free, free);
}

/* Every pair of @a, in rotating order, then no more. */
static void take_all(const union tp_addr *a, struct port_pair *pp)
{
	struct port_pair extra;

	for (int i = 0; i < NPAIRS; i++) {
		CU_ASSERT_EQUAL_FATAL(ports_get(a, &pp[i]), 0);
		check_pair(a, &pp[i]);
		if (i)
			CU_ASSERT_EQUAL(pp[i].port, next(pp[i - 1].port));
	}
	CU_ASSERT_EQUAL(ports_get(a, &extra), -EADDRINUSE);
	CU_ASSERT_EQUAL(extra.port, 0);
	CU_ASSERT_EQUAL(extra.fd_rtp, -1);
	CU_ASSERT_EQUAL(extra.fd_rtcp, -1);
}

static void test_init(void)
{
	struct config c = { .port_min = 30000, .port_max = 39999 };

	c.port_min = 30001;
	CU_ASSERT_EQUAL(ports_init(&c), -EINVAL);
	c.port_min = 30000;
	c.port_max = 39998;
	CU_ASSERT_EQUAL(ports_init(&c), -EINVAL);
	c.port_min = 40000;
	c.port_max = 39999;
	CU_ASSERT_EQUAL(ports_init(&c), -EINVAL);
	c.port_min = 1022;
	c.port_max = 1023;
	CU_ASSERT_EQUAL(ports_init(&c), -EINVAL);
	c.port_min = 65534;
	c.port_max = 65535;
	CU_ASSERT_EQUAL(ports_init(&c), 0);
	ports_exit();
}

static void test_pairs_and_exhaustion(void)
{
	struct port_pair p4[NPAIRS], p6[NPAIRS];
	struct ports_stats st;
	bool seen[NPAIRS] = { 0 };

	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	take_all(&v4, p4);
	for (int i = 0; i < NPAIRS; i++)
		seen[(p4[i].port - PMIN) / 2] = true;
	for (int i = 0; i < NPAIRS; i++)
		CU_ASSERT(seen[i]);
	expect_stats(&v4, NPAIRS, 0, 0);
	CU_ASSERT_EQUAL(ports_stats(&v4, &st), 0);
	CU_ASSERT_EQUAL(st.exhausted, 1);
	CU_ASSERT_EQUAL(st.allocs, NPAIRS);
	CU_ASSERT_EQUAL(st.busy, 0);
	/* ::1 has a pool of its own over the same range */
	CU_ASSERT_EQUAL(ports_stats(&v6, &st), -ENOENT);
	take_all(&v6, p6);
	expect_stats(NULL, 2 * NPAIRS, 0, 0);
	teardown();
	/* ports_exit() closed them all */
	for (int i = 0; i < NPAIRS; i++) {
		CU_ASSERT_EQUAL(try_bind(&v4, p4[i].port, NULL), 0);
		CU_ASSERT_EQUAL(try_bind(&v6, p6[i].port + 1, NULL), 0);
	}
}

static void test_held_port_skipped(void)
{
	struct port_pair a, b, c;
	struct ports_stats st;
	int held = -1;

	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &a), 0);
	/* another program takes the RTCP port of the pair due next */
	CU_ASSERT_EQUAL_FATAL(try_bind(&v4, next(a.port) + 1, &held), 0);
	CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &b), 0);
	CU_ASSERT_EQUAL(b.port, next(next(a.port)));
	check_pair(&v4, &b);
	CU_ASSERT_EQUAL(ports_stats(&v4, &st), 0);
	CU_ASSERT_EQUAL(st.busy, 1);
	/* its RTP port was not kept bound by the failed attempt */
	CU_ASSERT_EQUAL(try_bind(&v4, next(a.port), NULL), 0);
	/* the skipped pair went to the back of the queue */
	CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &c), 0);
	CU_ASSERT_EQUAL(c.port, next(b.port));
	CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &c), 0);
	CU_ASSERT_EQUAL(ports_get(&v4, &c), -EADDRINUSE);
	CU_ASSERT_EQUAL(ports_stats(&v4, &st), 0);
	CU_ASSERT_EQUAL(st.busy, 2);
	CU_ASSERT_EQUAL(st.exhausted, 1);
	close(held);
	CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &c), 0);
	CU_ASSERT_EQUAL(c.port, next(a.port));
	check_pair(&v4, &c);
	teardown();
}

static void test_quarantine(void)
{
	struct port_pair pp[NPAIRS], got;
	uint16_t port;

	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	take_all(&v6, pp);
	port = pp[2].port;
	CU_ASSERT_EQUAL(ports_put(&v6, &pp[2]), 0);
	CU_ASSERT_EQUAL(pp[2].port, 0);
	CU_ASSERT_EQUAL(pp[2].fd_rtp, -1);
	expect_stats(&v6, NPAIRS - 1, 1, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(armed);
	CU_ASSERT_EQUAL(armed->when_ms, now + QUAR_MS);
	/* still bound, and not handed out, until the quarantine ends */
	CU_ASSERT_EQUAL(try_bind(&v6, port, NULL), EADDRINUSE);
	CU_ASSERT_EQUAL(try_bind(&v6, port + 1, NULL), EADDRINUSE);
	now += QUAR_MS - 1;
	run_timers();
	CU_ASSERT_EQUAL(ports_get(&v6, &got), -EADDRINUSE);
	CU_ASSERT_EQUAL(try_bind(&v6, port, NULL), EADDRINUSE);
	expect_stats(&v6, NPAIRS - 1, 1, 0);
	/* the timer closes the sockets; the pair is free again */
	now += 1;
	run_timers();
	CU_ASSERT_PTR_NULL(armed);
	expect_stats(&v6, NPAIRS - 1, 0, 1);
	CU_ASSERT_EQUAL(try_bind(&v6, port, NULL), 0);
	CU_ASSERT_EQUAL(try_bind(&v6, port + 1, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(ports_get(&v6, &got), 0);
	CU_ASSERT_EQUAL(got.port, port);
	check_pair(&v6, &got);
	teardown();
}

/* Without the timer, ports_get() itself ends a quarantine that is due. */
static void test_quarantine_lazy(void)
{
	struct port_pair pp[NPAIRS], got;
	uint16_t first, second;

	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	take_all(&v4, pp);
	first = pp[0].port;
	second = pp[1].port;
	CU_ASSERT_EQUAL(ports_put(&v4, &pp[0]), 0);
	now += 1000;
	CU_ASSERT_EQUAL(ports_put(&v4, &pp[1]), 0);
	/* one timer, for the earlier end */
	CU_ASSERT_EQUAL(armed->when_ms, now - 1000 + QUAR_MS);
	now += QUAR_MS - 1000;
	CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &got), 0);
	CU_ASSERT_EQUAL(got.port, first);
	CU_ASSERT_EQUAL(ports_get(&v4, &got), -EADDRINUSE);
	expect_stats(&v4, NPAIRS - 1, 1, 0);
	run_timers();
	CU_ASSERT_EQUAL(armed->when_ms, now + 1000);
	now += 1000;
	run_timers();
	CU_ASSERT_PTR_NULL(armed);
	CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &got), 0);
	CU_ASSERT_EQUAL(got.port, second);
	teardown();
}

/* A just-freed pair is the last to be handed out again. */
static void test_rotation(void)
{
	struct port_pair a, b;
	uint16_t freed;

	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &a), 0);
	freed = a.port;
	CU_ASSERT_EQUAL(ports_put(&v4, &a), 0);
	now += QUAR_MS;
	run_timers();
	expect_stats(&v4, 0, 0, NPAIRS);
	for (int i = 1; i < NPAIRS; i++) {
		CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &b), 0);
		CU_ASSERT_NOT_EQUAL(b.port, freed);
	}
	CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &b), 0);
	CU_ASSERT_EQUAL(b.port, freed);
	teardown();
}

static void test_put_errors(void)
{
	struct port_pair a, copy, bad;

	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	CU_ASSERT_EQUAL_FATAL(ports_get(&v4, &a), 0);
	copy = a;
	/* another address, another port, other descriptors */
	CU_ASSERT_EQUAL(ports_put(&v6, &a), -EINVAL);
	bad = a;
	bad.port = next(a.port);
	CU_ASSERT_EQUAL(ports_put(&v4, &bad), -EINVAL);
	bad = a;
	bad.port = a.port + 1;
	CU_ASSERT_EQUAL(ports_put(&v4, &bad), -EINVAL);
	bad = a;
	bad.fd_rtcp = a.fd_rtp;
	CU_ASSERT_EQUAL(ports_put(&v4, &bad), -EINVAL);
	bad.port = 0;
	CU_ASSERT_EQUAL(ports_put(&v4, &bad), -EINVAL);
	expect_stats(&v4, 1, 0, NPAIRS - 1);
	CU_ASSERT_EQUAL(ports_put(&v4, &a), 0);
	/* twice is a bug, and changes nothing */
	CU_ASSERT_EQUAL(ports_put(&v4, &copy), -EINVAL);
	expect_stats(&v4, 0, 1, NPAIRS - 1);
	teardown();
}

static void test_bad_addresses(void)
{
	union tp_addr doc = { .sin.sin_family = AF_INET }, unix_ = { 0 };
	struct port_pair pp;
	struct ports_stats st;

	CU_ASSERT_EQUAL_FATAL(setup(), 0);
	/* TEST-NET-1 is on no interface of this box */
	inet_pton(AF_INET, "192.0.2.1", &doc.sin.sin_addr);
	CU_ASSERT_EQUAL(ports_get(&doc, &pp), -EADDRNOTAVAIL);
	CU_ASSERT_EQUAL(ports_stats(&doc, &st), 0);
	CU_ASSERT_EQUAL(st.bind_errors, 1);
	CU_ASSERT_EQUAL(st.free, NPAIRS);
	unix_.sa.sa_family = AF_UNIX;
	CU_ASSERT_EQUAL(ports_get(&unix_, &pp), -EAFNOSUPPORT);
	teardown();
}

static void test_pools(void)
{
	struct port_pair pp;
	struct ports_stats st;
	union tp_addr a, lo = v4;
	int i;

	addrs();
	memset(&cfg, 0, sizeof(cfg));
	cfg.port_min = PMIN;
	cfg.port_max = PMAX;
	/* configured interfaces have their pools from the start */
	strcpy(cfg.media_ifs[0].name, "lo6");
	memcpy(&cfg.media_ifs[0].local, &v6.sin6, sizeof(v6.sin6));
	cfg.nmedia_ifs = 1;
	CU_ASSERT_EQUAL_FATAL(ports_init(&cfg), 0);
	CU_ASSERT_EQUAL_FATAL(ports_pool(0, &a, &st), 0);
	CU_ASSERT_EQUAL(a.sa.sa_family, AF_INET6);
	CU_ASSERT(IN6_IS_ADDR_LOOPBACK(&a.sin6.sin6_addr));
	CU_ASSERT_EQUAL(st.free, NPAIRS);
	CU_ASSERT_EQUAL(ports_pool(1, &a, &st), -ENOENT);
	/* the port of @local is not part of its name */
	lo.sin.sin_port = htons(5060);
	CU_ASSERT_EQUAL_FATAL(ports_get(&lo, &pp), 0);
	CU_ASSERT_EQUAL(ports_put(&v4, &pp), 0);
	CU_ASSERT_EQUAL_FATAL(ports_pool(1, &a, &st), 0);
	CU_ASSERT_EQUAL(a.sin.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	CU_ASSERT_EQUAL(a.sin.sin_port, 0);
	CU_ASSERT_EQUAL(st.quarantined, 1);
	/* all of 127/8 is local: fill the pool table */
	for (i = 2; i < PORTS_MAX_POOLS; i++) {
		lo.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK + i);
		CU_ASSERT_EQUAL_FATAL(ports_get(&lo, &pp), 0);
	}
	lo.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK + i);
	CU_ASSERT_EQUAL(ports_get(&lo, &pp), -ENOSPC);
	expect_stats(NULL, PORTS_MAX_POOLS - 2, 1,
		     PORTS_MAX_POOLS * NPAIRS - (PORTS_MAX_POOLS - 2) - 1);
	teardown();
}

int main(void)
{
	CU_pSuite s;

	/* the bad releases above warn; that is their point */
	log_set_level(LOG_LVL_ERR);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ports", NULL, NULL);
	CU_add_test(s, "init checks the range", test_init);
	CU_add_test(s, "pairs, exhaustion, v4 and v6",
		    test_pairs_and_exhaustion);
	CU_add_test(s, "a port held elsewhere is skipped",
		    test_held_port_skipped);
	CU_add_test(s, "quarantine", test_quarantine);
	CU_add_test(s, "quarantine ends in ports_get", test_quarantine_lazy);
	CU_add_test(s, "a freed pair comes back last", test_rotation);
	CU_add_test(s, "bad releases", test_put_errors);
	CU_add_test(s, "bad addresses", test_bad_addresses);
	CU_add_test(s, "pools per address", test_pools);
	return tu_run_registered();
}
