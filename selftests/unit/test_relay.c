// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace relay through the fast-path interface: real UDP sockets
 * on 127.0.0.1/127.0.0.2 and ::1 stand for the phones and the relay's
 * legs, and the real event loop runs until a condition holds, bounded
 * by a guard timer.  Nothing sleeps.
 *
 *   phone a ──▶ ra ══ flow ══ rb ──▶ phone b      (c: a third party)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "event.h"
#include "fastpath.h"

#define GUARD_MS 3000
#define SSRC 0x5eed1234u
#define EF 46
#define MAX_EVENTS 64

struct sock {
	int fd;
	union tp_addr addr;
	/* as a sink in the loop: what arrived */
	unsigned int count;
	size_t bytes;
	union tp_addr from;
	uint8_t last[4096];
	size_t last_len;
};

struct event {
	struct fp_flow *f;
	enum fp_event ev;
	union tp_addr addr;
	bool has_addr;
};

static struct event events[MAX_EVENTS];
static unsigned int nevents;
static void (*event_hook)(struct fp_flow *f, enum fp_event ev,
			  const union tp_addr *addr);

static struct ev_timer guard;
static bool guard_fired;
static bool (*want)(void);

/*
 * The loop checks @want at the top of each iteration; what a timer
 * callback makes true would wait for the next wake-up, so the event
 * and sink callbacks check too.
 */
static void check_want(void)
{
	if (want && want())
		ev_break();
}

/* what the conditions look at */
static struct sock *w_sink;
static unsigned int w_count;
static struct fp_flow *w_flow;
static int w_drop;
static unsigned int w_events;

static void on_event(struct fp_flow *f, enum fp_event ev,
		     const union tp_addr *addr, void *user)
{
	struct event *e = &events[nevents < MAX_EVENTS ? nevents : 0];

	CU_ASSERT_PTR_EQUAL(user, f->user);
	e->f = f;
	e->ev = ev;
	e->has_addr = addr != NULL;
	if (addr)
		e->addr = *addr;
	nevents++;
	if (event_hook)
		event_hook(f, ev, addr);
	check_want();
}

static void guard_cb(struct ev_timer *t, void *arg)
{
	guard_fired = true;
	ev_break();
}

static void tick(void)
{
	check_want();
}

/* Runs the loop until @cond holds or @ms pass; returns @cond. */
static bool run_until(bool (*cond)(void), uint64_t ms)
{
	want = cond;
	guard_fired = false;
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_add(&guard, ms);
	ev_run(tick);
	ev_timer_del(&guard);
	want = NULL;
	return cond();
}

static bool sink_has(void)
{
	return w_sink->count >= w_count;
}

static bool drops_are(void)
{
	struct fp_counters c;

	return !fp_flow_counters(w_flow, &c) && c.drops[w_drop] >= w_count;
}

static bool events_are(void)
{
	return nevents >= w_events;
}

static bool never(void)
{
	return false;
}

static bool wait_sink(struct sock *s, unsigned int count)
{
	w_sink = s;
	w_count = count;
	return run_until(sink_has, GUARD_MS);
}

static bool wait_drops(struct fp_flow *f, int drop, unsigned int count)
{
	w_flow = f;
	w_drop = drop;
	w_count = count;
	return run_until(drops_are, GUARD_MS);
}

static bool wait_events(unsigned int n, uint64_t ms)
{
	w_events = n;
	return run_until(events_are, ms);
}

static void sink_read(int fd, uint32_t events_, void *arg)
{
	struct sock *s = arg;
	socklen_t alen;
	ssize_t n;

	for (;;) {
		alen = sizeof(s->from);
		n = recvfrom(fd, s->last, sizeof(s->last), MSG_DONTWAIT,
			     &s->from.sa, &alen);
		if (n < 0)
			break;
		s->count++;
		s->bytes += n;
		s->last_len = n;
	}
	check_want();
}

static void sock_open(struct sock *s, const char *ip)
{
	int family = strchr(ip, ':') ? AF_INET6 : AF_INET, one = 1;
	void *in = family == AF_INET ? (void *)&s->addr.sin.sin_addr :
				       (void *)&s->addr.sin6.sin6_addr;
	socklen_t len = family == AF_INET ? sizeof(s->addr.sin) :
					    sizeof(s->addr.sin6);

	memset(s, 0, sizeof(*s));
	s->addr.sa.sa_family = family;
	CU_ASSERT_FATAL(inet_pton(family, ip, in) == 1);
	s->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(s->fd >= 0);
	if (family == AF_INET6)
		setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	CU_ASSERT_FATAL(!bind(s->fd, &s->addr.sa, len));
	CU_ASSERT_FATAL(!getsockname(s->fd, &s->addr.sa, &len));
}

static void sink_open(struct sock *s, const char *ip)
{
	sock_open(s, ip);
	CU_ASSERT_FATAL(!ev_fd_add(s->fd, EPOLLIN, sink_read, s));
}

static void sock_close(struct sock *s)
{
	ev_fd_del(s->fd);
	close(s->fd);
}

static socklen_t alen(const union tp_addr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->sin6) : sizeof(a->sin);
}

static bool same(const union tp_addr *a, const union tp_addr *b)
{
	return a->sa.sa_family == b->sa.sa_family && !memcmp(a, b, alen(a));
}

/* An RTP packet of @len octets: 12-byte header, PT 0, then a pattern. */
static size_t rtp(uint8_t *buf, uint16_t seq, size_t len)
{
	memset(buf, 0, len);
	buf[0] = 0x80;
	buf[2] = seq >> 8;
	buf[3] = seq;
	buf[7] = seq * 160 & 0xff;
	buf[6] = seq * 160 >> 8;
	buf[8] = SSRC >> 24;
	buf[9] = SSRC >> 16 & 0xff;
	buf[10] = SSRC >> 8 & 0xff;
	buf[11] = SSRC & 0xff;
	for (size_t i = 12; i < len; i++)
		buf[i] = (uint8_t)(i + seq);
	return len;
}

static void send_to(struct sock *from, const struct sock *to, uint16_t seq,
		    size_t len)
{
	uint8_t buf[4096];

	rtp(buf, seq, len);
	CU_ASSERT_EQUAL(sendto(from->fd, buf, len, 0, &to->addr.sa,
			       alen(&to->addr)),
			(ssize_t)len);
}

static void setup(void)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.fastpath = CFG_FP_RELAY;
	CU_ASSERT_EQUAL_FATAL(ev_init(), 0);
	CU_ASSERT_EQUAL_FATAL(fp_init(&cfg, on_event), 0);
	nevents = 0;
	event_hook = NULL;
}

static void teardown(void)
{
	fp_exit();
	ev_exit();
}

/*
 * The sockets of one test: phones a and b (sinks in the loop), a2 on
 * another port of a's host, c3 on a third host (127.0.0.2; IPv4 rigs
 * only use it), and the relay's legs ra and rb.
 */
static struct sock a, a2, c3, ra, rb, b;

static void rig_open(const char *ip_a, const char *ip_b)
{
	setup();
	sink_open(&a, ip_a);
	sink_open(&a2, ip_a);
	sock_open(&c3, strchr(ip_a, ':') ? "::1" : "127.0.0.2");
	sock_open(&ra, ip_a);
	sock_open(&rb, ip_b);
	sink_open(&b, ip_b);
}

static void rig_close(void)
{
	sock_close(&a);
	sock_close(&a2);
	sock_close(&c3);
	sock_close(&ra);
	sock_close(&rb);
	sock_close(&b);
	teardown();
}

/* A fixed-source flow from @from's leg @in to @to out of @out. */
static struct fp_flow_spec spec_for(const struct sock *from,
				    const struct sock *in,
				    const struct sock *out,
				    const struct sock *to)
{
	struct fp_flow_spec s;

	memset(&s, 0, sizeof(s));
	s.cookie = 1;
	s.local = in->addr;
	s.fd = in->fd;
	s.src_mode = FP_SRC_FIXED;
	s.src = from->addr;
	s.out_local = out->addr;
	s.out_fd = out->fd;
	if (to)
		s.peer = to->addr;
	s.dscp = EF;
	s.rtp = true;
	s.clock_rate = 8000;
	return s;
}

static struct fp_flow *add(const struct fp_flow_spec *sp)
{
	struct fp_flow *f = fp_flow_add(sp, (void *)sp);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	return f;
}

static struct fp_counters counters(struct fp_flow *f)
{
	struct fp_counters c;

	memset(&c, 0xa5, sizeof(c));
	CU_ASSERT_EQUAL(fp_flow_counters(f, &c), 0);
	return c;
}

static int tos_of(int fd, int family)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (family == AF_INET6)
		getsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, &len);
	else
		getsockopt(fd, IPPROTO_IP, IP_TOS, &v, &len);
	return v;
}

/*
 * Sends 1..10 without 5 (172-octet RTP) from a through a flow ra -> rb
 * to b, and checks what arrives and every counter.
 */
static void forward(const char *ip_a, const char *ip_b)
{
	struct fp_flow_spec sp;
	struct fp_counters c;
	struct fp_flow *f;
	uint8_t want_buf[172];

	rig_open(ip_a, ip_b);
	sp = spec_for(&a, &ra, &rb, &b);
	f = add(&sp);
	CU_ASSERT_EQUAL(tos_of(rb.fd, rb.addr.sa.sa_family), EF << 2);
	c = counters(f);
	CU_ASSERT_EQUAL(c.packets, 0);
	CU_ASSERT_EQUAL(c.last_ms, 0);
	CU_ASSERT_EQUAL(c.path, FP_PATH_NONE);
	CU_ASSERT(!c.rtp_seen);
	for (uint16_t seq = 1; seq <= 10; seq++)
		if (seq != 5)
			send_to(&a, &ra, seq, 172);
	CU_ASSERT(wait_sink(&b, 9));
	CU_ASSERT_EQUAL(b.count, 9);
	CU_ASSERT_EQUAL(b.bytes, 9 * 172);
	/* the source is rewritten to the other leg, the payload is not */
	CU_ASSERT(same(&b.from, &rb.addr));
	CU_ASSERT_EQUAL(b.last_len, 172);
	rtp(want_buf, 10, 172);
	CU_ASSERT(!memcmp(b.last, want_buf, 172));
	c = counters(f);
	CU_ASSERT_EQUAL(c.packets, 9);
	CU_ASSERT_EQUAL(c.bytes, 9 * 172);
	for (int i = 0; i < FP_DROP_MAX; i++)
		CU_ASSERT_EQUAL(c.drops[i], 0);
	CU_ASSERT(c.last_ms != 0 && c.last_ms <= ev_now_ms());
	CU_ASSERT_EQUAL(c.path, FP_PATH_RELAY);
	CU_ASSERT(!c.latched);
	CU_ASSERT(c.rtp_seen);
	CU_ASSERT_EQUAL(c.ssrc, SSRC);
	CU_ASSERT_EQUAL(c.ext_max_seq, 10);
	CU_ASSERT_EQUAL(c.expected, 10);
	CU_ASSERT_EQUAL(c.lost, 1);
	/* 20 ms of timestamps apart, sent at once (figures: test_rtpstat) */
	CU_ASSERT(c.jitter > 0);
	CU_ASSERT_EQUAL(nevents, 0);
	fp_flow_del(f);
	rig_close();
}

static void test_forward_v4(void)
{
	forward("127.0.0.1", "127.0.0.1");
}

static void test_forward_v6(void)
{
	forward("::1", "::1");
}

static void test_forward_4to6(void)
{
	forward("127.0.0.1", "::1");
}

static void test_forward_6to4(void)
{
	forward("::1", "127.0.0.1");
}

/* Both directions of one stream at once, the legs of two families. */
static void test_both_ways(void)
{
	struct fp_flow_spec sab, sba;
	struct fp_flow *fab, *fba;
	struct fp_counters c;

	rig_open("127.0.0.1", "::1");
	sab = spec_for(&a, &ra, &rb, &b);
	sba = spec_for(&b, &rb, &ra, &a);
	sba.dscp = 10;
	fab = add(&sab);
	fba = add(&sba);
	CU_ASSERT_EQUAL(tos_of(rb.fd, AF_INET6), EF << 2);
	CU_ASSERT_EQUAL(tos_of(ra.fd, AF_INET), 10 << 2);
	for (uint16_t seq = 100; seq < 150; seq++) {
		send_to(&a, &ra, seq, 60);
		send_to(&b, &rb, seq + 1000, 80);
	}
	CU_ASSERT(wait_sink(&b, 50));
	CU_ASSERT(wait_sink(&a, 50));
	CU_ASSERT(same(&a.from, &ra.addr));
	CU_ASSERT(same(&b.from, &rb.addr));
	c = counters(fba);
	CU_ASSERT_EQUAL(c.packets, 50);
	CU_ASSERT_EQUAL(c.bytes, 50 * 80);
	CU_ASSERT_EQUAL(c.ext_max_seq, 1149);
	CU_ASSERT_EQUAL(c.expected, 50);
	CU_ASSERT_EQUAL(c.lost, 0);
	c = counters(fab);
	CU_ASSERT_EQUAL(c.packets, 50);
	CU_ASSERT_EQUAL(c.bytes, 50 * 60);
	fp_flow_del(fab);
	fp_flow_del(fba);
	rig_close();
}

/*
 * RTP bleed: a third host and another port of the right host get
 * nothing through a fixed flow; one event tells, not eight.
 */
static void test_fixed_rejects(void)
{
	struct fp_flow_spec sp;
	struct fp_counters c;
	struct fp_flow *f;

	rig_open("127.0.0.1", "127.0.0.1");
	sp = spec_for(&a, &ra, &rb, &b);
	f = add(&sp);
	for (uint16_t seq = 1; seq <= 5; seq++)
		send_to(&c3, &ra, seq, 40);
	for (uint16_t seq = 1; seq <= 3; seq++)
		send_to(&a2, &ra, seq, 40);
	CU_ASSERT(wait_drops(f, FP_DROP_SOURCE, 8));
	CU_ASSERT_EQUAL_FATAL(nevents, 1);
	CU_ASSERT_PTR_EQUAL(events[0].f, f);
	CU_ASSERT_EQUAL(events[0].ev, FP_EV_SOURCE_MISMATCH);
	CU_ASSERT(events[0].has_addr && same(&events[0].addr, &c3.addr));
	/* the right source, sent after: the only thing through */
	send_to(&a, &ra, 7, 40);
	CU_ASSERT(wait_sink(&b, 1));
	CU_ASSERT_EQUAL(b.count, 1);
	c = counters(f);
	CU_ASSERT_EQUAL(c.packets, 1);
	CU_ASSERT_EQUAL(c.bytes, 40);
	CU_ASSERT_EQUAL(c.drops[FP_DROP_SOURCE], 8);
	/* the rejected packets taught the RTP figures nothing */
	CU_ASSERT(c.rtp_seen);
	CU_ASSERT_EQUAL(c.expected, 0);
	CU_ASSERT_EQUAL(nevents, 1);
	fp_flow_del(f);
	rig_close();
}

static struct fp_flow *rev_flow;

/* What the session layer does on a latch: the reverse flow learns. */
static void latch_hook(struct fp_flow *f, enum fp_event ev,
		       const union tp_addr *addr)
{
	struct fp_flow_spec sp = rev_flow->spec;

	if (ev != FP_EV_LATCHED)
		return;
	sp.peer = *addr;
	CU_ASSERT_EQUAL(fp_flow_update(rev_flow, &sp), 0);
}

/* A new peer keeps the latch; a new window (re-INVITE) forgets it. */
static void relatch(struct fp_flow *f, struct fp_flow_spec *sp)
{
	struct fp_counters c;

	event_hook = NULL;
	sp->dscp = 0;
	CU_ASSERT_EQUAL(fp_flow_update(f, sp), 0);
	CU_ASSERT(counters(f).latched);
	send_to(&a2, &ra, 3, 50);
	CU_ASSERT(wait_sink(&b, 3));
	sp->latch_until_ms++;
	CU_ASSERT_EQUAL(fp_flow_update(f, sp), 0);
	CU_ASSERT(!counters(f).latched);
	/* the SDP's host latches anew, from the SDP's own port this time */
	send_to(&a, &ra, 4, 50);
	CU_ASSERT(wait_sink(&b, 4));
	CU_ASSERT_EQUAL_FATAL(nevents, 3);
	CU_ASSERT_EQUAL(events[2].ev, FP_EV_LATCHED);
	CU_ASSERT(same(&events[2].addr, &a.addr));
	c = counters(f);
	CU_ASSERT(same(&c.source, &a.addr));
	CU_ASSERT_EQUAL(c.packets, 4);
}

static void test_latch(void)
{
	struct fp_flow_spec sab, sba;
	struct fp_counters c;
	struct fp_flow *fab;

	rig_open("127.0.0.1", "127.0.0.1");
	/* the SDP said a's address, port 9; the NAT maps to a2's port */
	sab = spec_for(&a, &ra, &rb, &b);
	sab.src_mode = FP_SRC_LATCH;
	sab.src.sin.sin_port = htons(9);
	sab.latch_until_ms = ev_now_ms() + 60000;
	sba = spec_for(&b, &rb, &ra, NULL);
	fab = add(&sab);
	rev_flow = add(&sba);
	event_hook = latch_hook;
	/* another host inside the window: no latch */
	send_to(&c3, &ra, 1, 50);
	CU_ASSERT(wait_drops(fab, FP_DROP_SOURCE, 1));
	CU_ASSERT_EQUAL_FATAL(nevents, 1);
	CU_ASSERT_EQUAL(events[0].ev, FP_EV_SOURCE_MISMATCH);
	send_to(&a2, &ra, 1, 50);
	CU_ASSERT(wait_sink(&b, 1));
	CU_ASSERT_EQUAL_FATAL(nevents, 2);
	CU_ASSERT_PTR_EQUAL(events[1].f, fab);
	CU_ASSERT_EQUAL(events[1].ev, FP_EV_LATCHED);
	CU_ASSERT(events[1].has_addr && same(&events[1].addr, &a2.addr));
	c = counters(fab);
	CU_ASSERT(c.latched);
	CU_ASSERT(same(&c.source, &a2.addr));
	/* the reverse flow reaches the latched port */
	send_to(&b, &rb, 1, 30);
	CU_ASSERT(wait_sink(&a2, 1));
	CU_ASSERT(same(&a2.from, &ra.addr));
	/* latched: the SDP's host on another port and a third host are out */
	send_to(&a, &ra, 2, 50);
	send_to(&c3, &ra, 2, 50);
	CU_ASSERT(wait_drops(fab, FP_DROP_SOURCE, 3));
	send_to(&a2, &ra, 2, 50);
	CU_ASSERT(wait_sink(&b, 2));
	c = counters(fab);
	CU_ASSERT_EQUAL(c.packets, 2);
	CU_ASSERT_EQUAL(c.drops[FP_DROP_SOURCE], 3);
	CU_ASSERT_EQUAL(b.count, 2);
	/* latched once; mismatches rate-limited to the first */
	CU_ASSERT_EQUAL(nevents, 2);
	relatch(fab, &sab);
	fp_flow_del(fab);
	fp_flow_del(rev_flow);
	rig_close();
}

/* Past the window unlatched, the flow is fixed to the SDP's source. */
static void test_latch_deadline(void)
{
	struct fp_flow_spec sp;
	struct fp_counters c;
	struct fp_flow *f;

	rig_open("127.0.0.1", "127.0.0.1");
	sp = spec_for(&a, &ra, &rb, &b);
	sp.src_mode = FP_SRC_LATCH;
	sp.latch_until_ms = ev_now_ms();
	f = add(&sp);
	send_to(&a2, &ra, 1, 50);
	CU_ASSERT(wait_drops(f, FP_DROP_SOURCE, 1));
	send_to(&a, &ra, 2, 50);
	CU_ASSERT(wait_sink(&b, 1));
	c = counters(f);
	CU_ASSERT(!c.latched);
	CU_ASSERT_EQUAL(c.packets, 1);
	CU_ASSERT_EQUAL(c.drops[FP_DROP_SOURCE], 1);
	CU_ASSERT_EQUAL_FATAL(nevents, 1);
	CU_ASSERT_EQUAL(events[0].ev, FP_EV_SOURCE_MISMATCH);
	/* a new window lets it latch */
	sp.latch_until_ms = ev_now_ms() + 60000;
	CU_ASSERT_EQUAL(fp_flow_update(f, &sp), 0);
	send_to(&a2, &ra, 3, 50);
	CU_ASSERT(wait_sink(&b, 2));
	CU_ASSERT_EQUAL_FATAL(nevents, 2);
	CU_ASSERT_EQUAL(events[1].ev, FP_EV_LATCHED);
	CU_ASSERT(same(&events[1].addr, &a2.addr));
	fp_flow_del(f);
	rig_close();
}

/* No peer, then hold at 0.0.0.0, then a peer: counted, then sent. */
static void test_no_peer(void)
{
	struct fp_flow_spec sp;
	struct fp_counters c;
	struct fp_flow *f;

	rig_open("127.0.0.1", "127.0.0.1");
	sp = spec_for(&a, &ra, &rb, NULL);
	f = add(&sp);
	send_to(&a, &ra, 1, 50);
	send_to(&a, &ra, 2, 50);
	CU_ASSERT(wait_drops(f, FP_DROP_NO_PEER, 2));
	sp.peer = b.addr;
	sp.peer.sin.sin_addr.s_addr = htonl(INADDR_ANY);
	CU_ASSERT_EQUAL(fp_flow_update(f, &sp), 0);
	send_to(&a, &ra, 3, 50);
	CU_ASSERT(wait_drops(f, FP_DROP_NO_PEER, 3));
	sp.peer = b.addr;
	CU_ASSERT_EQUAL(fp_flow_update(f, &sp), 0);
	send_to(&a, &ra, 4, 50);
	CU_ASSERT(wait_sink(&b, 1));
	c = counters(f);
	CU_ASSERT_EQUAL(c.packets, 1);
	CU_ASSERT_EQUAL(c.drops[FP_DROP_NO_PEER], 3);
	/* what arrived while on hold still counts as received */
	CU_ASSERT_EQUAL(c.expected, 4);
	CU_ASSERT_EQUAL(c.lost, 0);
	CU_ASSERT_EQUAL(b.count, 1);
	fp_flow_del(f);
	rig_close();
}

/* 2048 octets fit; 2049, 3000 and the empty datagram do not. */
static void test_truncated(void)
{
	struct fp_flow_spec sp;
	struct fp_counters c;
	struct fp_flow *f;

	rig_open("::1", "::1");
	sp = spec_for(&a, &ra, &rb, &b);
	f = add(&sp);
	send_to(&a, &ra, 1, 2049);
	send_to(&a, &ra, 2, 3000);
	CU_ASSERT_EQUAL(sendto(a.fd, "", 0, 0, &ra.addr.sa, alen(&ra.addr)), 0);
	CU_ASSERT(wait_drops(f, FP_DROP_TRUNCATED, 3));
	send_to(&a, &ra, 3, 2048);
	CU_ASSERT(wait_sink(&b, 1));
	CU_ASSERT_EQUAL(b.last_len, 2048);
	c = counters(f);
	CU_ASSERT_EQUAL(c.packets, 1);
	CU_ASSERT_EQUAL(c.bytes, 2048);
	CU_ASSERT_EQUAL(c.drops[FP_DROP_TRUNCATED], 3);
	fp_flow_del(f);
	rig_close();
}

/*
 * Idle once per quiet spell: one event, none at the next scans, then
 * a packet, then one more.  The relay scans every second.
 */
static void test_idle(void)
{
	struct fp_flow_spec sp;
	struct fp_flow *f, *quiet;

	rig_open("127.0.0.1", "127.0.0.1");
	sp = spec_for(&a, &ra, &rb, &b);
	sp.idle_ms = 1;
	f = add(&sp);
	/* a flow that never asked for idle events */
	sp = spec_for(&b, &rb, &ra, &a);
	quiet = add(&sp);
	CU_ASSERT(wait_events(1, GUARD_MS));
	CU_ASSERT_EQUAL_FATAL(nevents, 1);
	CU_ASSERT_PTR_EQUAL(events[0].f, f);
	CU_ASSERT_EQUAL(events[0].ev, FP_EV_IDLE);
	CU_ASSERT(!events[0].has_addr);
	/* two more scans pass without another */
	CU_ASSERT(!run_until(never, 2100));
	CU_ASSERT(guard_fired);
	CU_ASSERT_EQUAL(nevents, 1);
	send_to(&a, &ra, 1, 20);
	CU_ASSERT(wait_sink(&b, 1));
	CU_ASSERT(wait_events(2, GUARD_MS));
	CU_ASSERT_EQUAL_FATAL(nevents, 2);
	CU_ASSERT_PTR_EQUAL(events[1].f, f);
	CU_ASSERT_EQUAL(events[1].ev, FP_EV_IDLE);
	fp_flow_del(f);
	fp_flow_del(quiet);
	rig_close();
}

/* A new receive socket: the old one is left alone, unread. */
static void test_update_fd(void)
{
	struct fp_flow_spec sp;
	struct fp_flow *f;
	struct sock ra2;
	uint8_t buf[64];

	rig_open("127.0.0.1", "127.0.0.1");
	sock_open(&ra2, "127.0.0.1");
	sp = spec_for(&a, &ra, &rb, &b);
	f = add(&sp);
	sp.fd = ra2.fd;
	sp.local = ra2.addr;
	sp.dscp = 0;
	CU_ASSERT_EQUAL(fp_flow_update(f, &sp), 0);
	CU_ASSERT_EQUAL(tos_of(rb.fd, AF_INET), 0);
	send_to(&a, &ra, 1, 40);
	send_to(&a, &ra2, 2, 41);
	CU_ASSERT(wait_sink(&b, 1));
	CU_ASSERT_EQUAL(b.last_len, 41);
	CU_ASSERT_EQUAL(recv(ra.fd, buf, sizeof(buf), MSG_DONTWAIT), 40);
	/* the socket is the caller's: still open after the flow goes */
	fp_flow_del(f);
	CU_ASSERT_EQUAL(send(ra2.fd, "", 0, 0) < 0 ? errno : 0, EDESTADDRREQ);
	sock_close(&ra2);
	rig_close();
}

static struct fp_flow *del_a, *del_b;

static void del_hook(struct fp_flow *f, enum fp_event ev,
		     const union tp_addr *addr)
{
	fp_flow_del(del_a);
	fp_flow_del(del_b);
	del_a = del_b = NULL;
}

/* Both flows of a stream, each with @idle_ms. */
static void add_pair(uint32_t idle_ms)
{
	struct fp_flow_spec sp;

	nevents = 0;
	sp = spec_for(&a, &ra, &rb, &b);
	sp.idle_ms = idle_ms;
	del_a = add(&sp);
	sp = spec_for(&b, &rb, &ra, &a);
	sp.idle_ms = idle_ms;
	del_b = add(&sp);
}

/*
 * The session layer ends a call from inside an event: the flow whose
 * batch is running, and one the idle scan has yet to reach.  (ASan
 * would see a use after free.)
 */
static void test_del_in_event(void)
{
	struct fp_flow_spec sp;
	unsigned int before;

	rig_open("127.0.0.1", "127.0.0.1");
	add_pair(0);
	event_hook = del_hook;
	send_to(&c3, &ra, 1, 40);
	send_to(&a, &ra, 2, 40);
	CU_ASSERT(wait_events(1, GUARD_MS));
	CU_ASSERT_PTR_NULL(del_a);
	/* nothing after the mismatch in that batch went out */
	CU_ASSERT_EQUAL(b.count, 0);
	/* idle: the first flow scanned deletes both */
	add_pair(1);
	CU_ASSERT(wait_events(1, GUARD_MS));
	CU_ASSERT_PTR_NULL(del_b);
	CU_ASSERT_EQUAL(nevents, 1);
	/*
	 * Latching, the flow goes: the packet that latched goes nowhere.
	 * (Part 1's second packet may have reached b in part 2 if it came
	 * after the first batch.)
	 */
	before = b.count;
	nevents = 0;
	sp = spec_for(&a, &ra, &rb, &b);
	sp.src_mode = FP_SRC_LATCH;
	sp.latch_until_ms = ev_now_ms() + 60000;
	del_a = add(&sp);
	send_to(&a, &ra, 1, 40);
	send_to(&a, &ra, 2, 40);
	CU_ASSERT(wait_events(1, GUARD_MS));
	CU_ASSERT_EQUAL(events[0].ev, FP_EV_LATCHED);
	CU_ASSERT_PTR_NULL(del_a);
	CU_ASSERT_EQUAL(b.count, before);
	rig_close();
}

/* Mapped IPv4 in the spec matches and reaches plain IPv4. */
static void test_mapped(void)
{
	struct fp_flow_spec sp;
	struct fp_flow *f;
	union tp_addr m;

	rig_open("127.0.0.1", "127.0.0.1");
	sp = spec_for(&a, &ra, &rb, &b);
	memset(&m, 0, sizeof(m));
	m.sin6.sin6_family = AF_INET6;
	m.sin6.sin6_port = a.addr.sin.sin_port;
	m.sin6.sin6_addr.s6_addr[10] = 0xff;
	m.sin6.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&m.sin6.sin6_addr.s6_addr[12], &a.addr.sin.sin_addr, 4);
	sp.src = m;
	m.sin6.sin6_port = b.addr.sin.sin_port;
	sp.peer = m;
	f = add(&sp);
	send_to(&a, &ra, 1, 40);
	CU_ASSERT(wait_sink(&b, 1));
	CU_ASSERT(same(&b.from, &rb.addr));
	CU_ASSERT_EQUAL(nevents, 0);
	fp_flow_del(f);
	rig_close();
}

static void test_refused(void)
{
	struct fp_flow_spec sp, bad;
	struct fp_flow *f;
	struct sock b6;

	rig_open("127.0.0.1", "127.0.0.1");
	sock_open(&b6, "::1");
	/* an IPv6 peer cannot be reached from an IPv4 socket */
	sp = spec_for(&a, &ra, &rb, &b6);
	errno = 0;
	CU_ASSERT_PTR_NULL(fp_flow_add(&sp, NULL));
	CU_ASSERT_EQUAL(errno, EAFNOSUPPORT);
	bad = spec_for(&a, &ra, &rb, NULL);
	bad.dscp = 64;
	CU_ASSERT_PTR_NULL(fp_flow_add(&bad, NULL));
	CU_ASSERT_EQUAL(errno, EINVAL);
	bad = spec_for(&a, &ra, &rb, NULL);
	bad.src_mode = FP_SRC_LATCH + 1;
	CU_ASSERT_PTR_NULL(fp_flow_add(&bad, NULL));
	CU_ASSERT_EQUAL(errno, EINVAL);
	/* one reader per socket */
	sp = spec_for(&a, &ra, &rb, NULL);
	f = add(&sp);
	CU_ASSERT_PTR_NULL(fp_flow_add(&sp, NULL));
	CU_ASSERT_EQUAL(errno, EEXIST);
	/* a refused update leaves the flow as it was */
	bad = sp;
	bad.peer = b6.addr;
	CU_ASSERT_EQUAL(fp_flow_update(f, &bad), -EAFNOSUPPORT);
	CU_ASSERT_EQUAL(f->spec.peer.sa.sa_family, 0);
	bad = sp;
	bad.out_fd = 1000;
	CU_ASSERT_EQUAL(fp_flow_update(f, &bad), -EBADF);
	CU_ASSERT_EQUAL(f->spec.out_fd, rb.fd);
	/* after fp_exit() a flow is only memory to free */
	fp_exit();
	CU_ASSERT_PTR_NULL(f->be);
	CU_ASSERT_EQUAL(fp_flow_counters(f, NULL), -ENODEV);
	fp_flow_del(f);
	sock_close(&b6);
	rig_close();
}

static void test_select(void)
{
	struct config cfg;
	struct fp_flow_spec sp;
	bool kmod;

	memset(&cfg, 0, sizeof(cfg));
	memset(&sp, 0, sizeof(sp));
	/* XDP on no device of this host's (test_fp_xdp has its own) */
	strcpy(cfg.xdp_ifs[0], "nosuch0");
	cfg.nxdp_ifs = 1;
	CU_ASSERT_EQUAL_FATAL(ev_init(), 0);
	CU_ASSERT_STRING_EQUAL(fp_name(), "none");
	errno = 0;
	CU_ASSERT_PTR_NULL(fp_flow_add(&sp, NULL));
	CU_ASSERT_EQUAL(errno, ENODEV);
	/* this host has no sipfp.ko loaded (where it has, kmod comes first) */
	cfg.fastpath = CFG_FP_KMOD;
	kmod = !fp_init(&cfg, on_event);
	CU_ASSERT_STRING_EQUAL(fp_name(), kmod ? "kmod" : "none");
	fp_exit();
	cfg.fastpath = CFG_FP_XDP;
	CU_ASSERT_EQUAL(fp_init(&cfg, on_event), -ENODEV);
	CU_ASSERT_STRING_EQUAL(fp_name(), "none");
	cfg.fastpath = CFG_FP_AUTO;
	CU_ASSERT_EQUAL(fp_init(&cfg, on_event), 0);
	CU_ASSERT_STRING_EQUAL(fp_name(), kmod ? "kmod" : "relay");
	fp_exit();
	CU_ASSERT_STRING_EQUAL(fp_name(), "none");
	cfg.fastpath = CFG_FP_RELAY;
	CU_ASSERT_EQUAL(fp_init(&cfg, on_event), 0);
	CU_ASSERT_STRING_EQUAL(fp_name(), "relay");
	fp_exit();
	ev_exit();
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("relay", NULL, NULL);
	CU_add_test(s, "backend selection", test_select);
	CU_add_test(s, "forward IPv4", test_forward_v4);
	CU_add_test(s, "forward IPv6", test_forward_v6);
	CU_add_test(s, "forward IPv4 to IPv6", test_forward_4to6);
	CU_add_test(s, "forward IPv6 to IPv4", test_forward_6to4);
	CU_add_test(s, "both directions", test_both_ways);
	CU_add_test(s, "fixed source rejects others", test_fixed_rejects);
	CU_add_test(s, "latching in the window", test_latch);
	CU_add_test(s, "no latching past the window", test_latch_deadline);
	CU_add_test(s, "no peer, hold, peer", test_no_peer);
	CU_add_test(s, "truncated and empty", test_truncated);
	CU_add_test(s, "idle once per quiet spell", test_idle);
	CU_add_test(s, "update to another socket", test_update_fd);
	CU_add_test(s, "delete from an event", test_del_in_event);
	CU_add_test(s, "IPv4-mapped source and peer", test_mapped);
	CU_add_test(s, "refused specs", test_refused);
	return tu_run_registered();
}
