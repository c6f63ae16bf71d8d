// SPDX-License-Identifier: GPL-2.0
/*
 * The kmod fast-path backend and media adoption against a fake kernel:
 * this program defines libsipctl's public functions itself (so the
 * linker takes them rather than the library's), keeping a flow table
 * and a log of requests, and queueing events behind a pipe.  The event
 * loop is faked too: ev_now_ms() is a variable, descriptors and timers
 * are recorded and fired when a test says so.  The relay beneath runs
 * on real UDP sockets on 127.0.0.1.
 *
 *   phone a ──▶ ra ══ flow (kernel + relay) ══ rb ──▶ phone b
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include <sipctl.h>

#include "tutil.h"

#include "event.h"
#include "fake_ev.h"
#include "fastpath.h"
#include "media_adopt.h"
#include "ports.h"

#define MAXF 64
#define MAXLOG 256
#define PMIN 27300
#define PMAX 27319

/* --- the fake event loop: timers falling due (the rest is fp/) --- */

static void run_timers(void)
{
	for (int i = 0; i < FAKE_EV_MAX; i++) {
		struct ev_timer *t = fake_timers[i];

		if (t && t->when_ms <= fake_now) {
			ev_timer_del(t);
			t->cb(t, t->arg);
		}
	}
}

/* --- the fake kernel --- */

struct sipctl {
	int pipe[2];
};

enum { OP_ADD, OP_SET, OP_DEL, OP_GET, OP_DUMP };

static struct sipctl handle;
static bool loaded;
static struct sipctl_flow ktab[MAXF];
static bool kused[MAXF];
static struct {
	int op;
	struct sipctl_flow f;
} klog[MAXLOG];
static unsigned int nlog;
static int fail_add;
static struct sipctl_event evq[16];
static unsigned int nev;

static bool ep_eq(const union sipctl_addr *a, const union sipctl_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_port == b->sin.sin_port &&
		       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	return a->sin6.sin6_port == b->sin6.sin6_port &&
	       !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16);
}

static int kfind(const union sipctl_addr *local)
{
	for (int i = 0; i < MAXF; i++)
		if (kused[i] && ep_eq(&ktab[i].local, local))
			return i;
	return -1;
}

static void klog_add(int op, const struct sipctl_flow *f)
{
	if (nlog < MAXLOG) {
		klog[nlog].op = op;
		klog[nlog].f = *f;
		nlog++;
	}
}

/* The last request of @op, or NULL. */
static const struct sipctl_flow *last(int op)
{
	for (unsigned int i = nlog; i--;)
		if (klog[i].op == op)
			return &klog[i].f;
	return NULL;
}

static unsigned int count(int op)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nlog; i++)
		n += klog[i].op == op;
	return n;
}

int sipctl_open_kernel(struct sipctl **hp)
{
	if (!loaded)
		return -ENOENT;
	if (pipe2(handle.pipe, O_NONBLOCK | O_CLOEXEC))
		return -errno;
	*hp = &handle;
	return 0;
}

void sipctl_close(struct sipctl *h)
{
	if (!h)
		return;
	close(h->pipe[0]);
	close(h->pipe[1]);
}

const char *sipctl_backend(const struct sipctl *h)
{
	return "fake";
}

const char *sipctl_last_error(const struct sipctl *h)
{
	return NULL;
}

const char *sipctl_strerror(const struct sipctl *h, int err)
{
	return strerror(-err);
}

int sipctl_flow_add(struct sipctl *h, const struct sipctl_flow *f)
{
	int i;

	klog_add(OP_ADD, f);
	if (fail_add)
		return fail_add;
	if (kfind(&f->local) >= 0)
		return -EEXIST;
	for (i = 0; i < MAXF && kused[i]; i++)
		;
	CU_ASSERT_FATAL(i < MAXF);
	kused[i] = true;
	ktab[i] = *f;
	ktab[i].has &= 0xfff;
	return 0;
}

int sipctl_flow_add_batch(struct sipctl *h, const struct sipctl_flow *f,
			  size_t n, int *errs)
{
	return -EOPNOTSUPP;
}

/* Lays the fields @f names over the flow, as the kernel does. */
int sipctl_flow_set(struct sipctl *h, const struct sipctl_flow *f)
{
	int i = kfind(&f->local);
	struct sipctl_flow *k;

	klog_add(OP_SET, f);
	if (i < 0)
		return -ENOENT;
	k = &ktab[i];
	if (f->has & (SIPCTL_FLOW_HAS_SRC_MODE | SIPCTL_FLOW_HAS_SRC))
		k->has &= ~SIPCTL_FLOW_HAS_LATCHED;
	if (f->has & SIPCTL_FLOW_HAS_PEER)
		k->peer = f->peer;
	if (f->has & SIPCTL_FLOW_HAS_SRC_MODE)
		k->src_mode = f->src_mode;
	if (f->has & SIPCTL_FLOW_HAS_SRC)
		k->src = f->src;
	if (f->has & SIPCTL_FLOW_HAS_IDLE_MS)
		k->idle_ms = f->idle_ms;
	if (f->has & SIPCTL_FLOW_HAS_TIMEOUT_MS)
		k->timeout_ms = f->timeout_ms;
	k->has |= f->has & 0xfff;
	return 0;
}

int sipctl_flow_del(struct sipctl *h, const struct sipctl_flow *f)
{
	int i = kfind(&f->local);

	klog_add(OP_DEL, f);
	if (i < 0 ||
	    ((f->has & SIPCTL_FLOW_HAS_COOKIE) && f->cookie != ktab[i].cookie))
		return -ENOENT;
	kused[i] = false;
	return 0;
}

int sipctl_flow_get(struct sipctl *h, const union sipctl_addr *local,
		    struct sipctl_flow *f)
{
	int i = kfind(local);

	if (i < 0)
		return -ENOENT;
	*f = ktab[i];
	return 0;
}

int sipctl_flow_dump(struct sipctl *h, sipctl_flow_cb cb, void *arg)
{
	struct sipctl_flow f;
	int ret;

	for (int i = 0; i < MAXF; i++) {
		if (!kused[i])
			continue;
		f = ktab[i];
		ret = cb(&f, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int sipctl_flush(struct sipctl *h, uint64_t cookie, uint64_t mask)
{
	return -EOPNOTSUPP;
}

int sipctl_stats_get(struct sipctl *h, struct sipctl_stats *st)
{
	memset(st, 0, sizeof(*st));
	return 0;
}

int sipctl_event_fd(struct sipctl *h)
{
	return h->pipe[0];
}

int sipctl_event_read(struct sipctl *h, sipctl_event_cb cb, void *arg)
{
	char b[64];
	unsigned int n = nev;

	while (read(h->pipe[0], b, sizeof(b)) > 0)
		;
	nev = 0;
	for (unsigned int i = 0; i < n; i++)
		cb(&evq[i], arg);
	return n;
}

/* An event of the kernel for the flow at @local, delivered by the loop. */
static void kevent(uint8_t type, const union tp_addr *local, uint64_t cookie,
		   const union tp_addr *src, int reason)
{
	struct sipctl_event *ev = &evq[nev++];

	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->has = SIPCTL_EVENT_HAS_LOCAL | SIPCTL_EVENT_HAS_COOKIE;
	memcpy(&ev->local, local, sizeof(ev->local));
	ev->cookie = cookie;
	if (src) {
		ev->has |= SIPCTL_EVENT_HAS_SOURCE;
		memcpy(&ev->source, src, sizeof(ev->source));
	}
	if (reason >= 0) {
		ev->has |= SIPCTL_EVENT_HAS_REASON;
		ev->reason = reason;
	}
	CU_ASSERT_EQUAL(write(handle.pipe[1], "e", 1), 1);
	CU_ASSERT_TRUE(fake_fire(handle.pipe[0]));
}

/* --- sockets, flows, events --- */

struct sock {
	int fd;
	union tp_addr addr;
};

static struct sock pa, pb, ra, rb;
static struct config cfg;

static struct {
	struct fp_flow *f;
	enum fp_event ev;
	union tp_addr addr;
} events[32];
static unsigned int nevents;

static void on_event(struct fp_flow *f, enum fp_event ev,
		     const union tp_addr *addr, void *user)
{
	if (nevents < 32) {
		events[nevents].f = f;
		events[nevents].ev = ev;
		if (addr)
			events[nevents].addr = *addr;
	}
	nevents++;
}

static void sock_open(struct sock *s, uint16_t port)
{
	socklen_t len = sizeof(s->addr.sin);

	memset(s, 0, sizeof(*s));
	s->addr.sin.sin_family = AF_INET;
	s->addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->addr.sin.sin_port = htons(port);
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(s->fd >= 0);
	CU_ASSERT_FATAL(!bind(s->fd, &s->addr.sa, len));
	CU_ASSERT_FATAL(!getsockname(s->fd, &s->addr.sa, &len));
}

static void kreset(void)
{
	memset(kused, 0, sizeof(kused));
	nlog = 0;
	nev = 0;
	fail_add = 0;
	nevents = 0;
}

static void setup(void)
{
	kreset();
	memset(&cfg, 0, sizeof(cfg));
	cfg.fastpath = CFG_FP_KMOD;
	cfg.media_timeout = 30;
	cfg.port_min = PMIN;
	cfg.port_max = PMAX;
	cfg.port_quarantine = 5;
	loaded = true;
	sock_open(&pa, 0);
	sock_open(&pb, 0);
	sock_open(&ra, 0);
	sock_open(&rb, 0);
	CU_ASSERT_EQUAL(fp_init(&cfg, on_event), 0);
}

static void teardown(void)
{
	fp_exit();
	close(pa.fd);
	close(pb.fd);
	close(ra.fd);
	close(rb.fd);
}

static void spec_ab(struct fp_flow_spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->cookie = fp_cookie("call-1@host", 0, 0, false);
	sp->local = ra.addr;
	sp->fd = ra.fd;
	sp->out_local = rb.addr;
	sp->out_fd = rb.fd;
	sp->peer = pb.addr;
	sp->src_mode = FP_SRC_LATCH;
	sp->src = pa.addr;
	sp->latch_until_ms = fake_now + 10000;
	sp->dscp = 46;
	sp->rtp = true;
}

static const struct sipctl_flow *kflow(const union tp_addr *local)
{
	union sipctl_addr l;
	int i;

	memcpy(&l, local, sizeof(l));
	i = kfind(&l);
	return i < 0 ? NULL : &ktab[i];
}

static bool ep_is(const union sipctl_addr *a, const union tp_addr *want,
		  bool port)
{
	union sipctl_addr w;

	memcpy(&w, want, sizeof(w));
	if (!port)
		w.sin.sin_port = 0;
	return ep_eq(a, &w);
}

/* A datagram from @from to @to; the relay reads it when @to's turn comes. */
static void send_to(struct sock *from, struct sock *to, const char *p)
{
	CU_ASSERT_EQUAL(sendto(from->fd, p, strlen(p), 0, &to->addr.sa,
			       sizeof(to->addr.sin)),
			(ssize_t)strlen(p));
}

static ssize_t recv_on(struct sock *s, char *buf, size_t size)
{
	return recv(s->fd, buf, size, MSG_DONTWAIT);
}

/* --- tests --- */

static void test_select(void)
{
	struct config c = cfg;

	fp_exit();
	loaded = false;
	c.fastpath = CFG_FP_KMOD;
	CU_ASSERT_EQUAL(fp_init(&c, on_event), -ENOENT);
	CU_ASSERT_STRING_EQUAL(fp_name(), "none");
	c.fastpath = CFG_FP_AUTO;
	CU_ASSERT_EQUAL(fp_init(&c, on_event), 0);
	CU_ASSERT_STRING_EQUAL(fp_name(), "relay");
	fp_exit();
	loaded = true;
	CU_ASSERT_EQUAL(fp_init(&c, on_event), 0);
	CU_ASSERT_STRING_EQUAL(fp_name(), "kmod");
	/* its events come through the loop */
	CU_ASSERT_TRUE(fake_fire(handle.pipe[0]));
}

static void test_add(void)
{
	const struct sipctl_flow *k;
	struct fp_flow_spec sp;
	struct fp_flow *f;

	spec_ab(&sp);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	k = kflow(&ra.addr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_EQUAL(k->cookie, sp.cookie);
	CU_ASSERT_TRUE(ep_is(&k->out, &rb.addr, true));
	CU_ASSERT_TRUE(ep_is(&k->peer, &pb.addr, true));
	CU_ASSERT_EQUAL(k->src_mode, SIPCTL_SRC_LATCH);
	/* the relay latches to any port of the address: so does the kernel */
	CU_ASSERT_TRUE(ep_is(&k->src, &pa.addr, false));
	CU_ASSERT_EQUAL(k->latch_ms, 10000);
	CU_ASSERT_EQUAL(k->flags, SIPCTL_F_RTP);
	CU_ASSERT_EQUAL(k->dscp, 46);
	CU_ASSERT_EQUAL(k->clock_rate, 8000);
	CU_ASSERT_EQUAL(k->idle_ms, 0);
	/* twice media_timeout: the orphan safety net */
	CU_ASSERT_EQUAL(k->timeout_ms, 60000);
	CU_ASSERT_TRUE(fake_fire(ra.fd));
	fp_flow_del(f);
	CU_ASSERT_PTR_NULL(kflow(&ra.addr));
	CU_ASSERT_FALSE(fake_fire(ra.fd));
}

/* No peer yet: the unspecified address of OUT's family, port 0. */
static void test_no_peer(void)
{
	const struct sipctl_flow *k;
	struct fp_flow_spec sp;
	struct fp_flow *f;

	spec_ab(&sp);
	memset(&sp.peer, 0, sizeof(sp.peer));
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	k = kflow(&ra.addr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	CU_ASSERT_TRUE(k->has & SIPCTL_FLOW_HAS_PEER);
	CU_ASSERT_EQUAL(k->peer.sa.sa_family, AF_INET);
	CU_ASSERT_EQUAL(k->peer.sin.sin_addr.s_addr, 0);
	CU_ASSERT_EQUAL(k->peer.sin.sin_port, 0);
	fp_flow_del(f);
}

/* What the kernel leaves to the stack, the relay beneath carries. */
static void test_relay_beneath(void)
{
	struct fp_counters c;
	struct fp_flow_spec sp;
	struct sipctl_flow *k;
	struct fp_flow *f;
	char buf[64];

	spec_ab(&sp);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	send_to(&pa, &ra, "hello");
	CU_ASSERT_TRUE(fake_fire(ra.fd));
	CU_ASSERT_EQUAL(recv_on(&pb, buf, sizeof(buf)), 5);
	CU_ASSERT_EQUAL_FATAL(fp_flow_counters(f, &c), 0);
	CU_ASSERT_EQUAL(c.packets, 1);
	CU_ASSERT_EQUAL(c.bytes, 5);
	CU_ASSERT_EQUAL(c.path, FP_PATH_RELAY);
	CU_ASSERT_EQUAL(c.last_ms, fake_now);
	/* the relay latched first: that goes up once */
	CU_ASSERT_EQUAL(nevents, 1);
	CU_ASSERT_EQUAL(events[0].ev, FP_EV_LATCHED);

	/* then the kernel carries on; its counters add up */
	k = (struct sipctl_flow *)kflow(&ra.addr);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	k->has |= SIPCTL_FLOW_HAS_COUNTERS | SIPCTL_FLOW_HAS_LAST |
		  SIPCTL_FLOW_HAS_RTP | SIPCTL_FLOW_HAS_LATCHED;
	k->counters.packets = 100;
	k->counters.bytes = 16000;
	k->counters.drop_source = 2;
	k->counters.drop_route = 3;
	k->counters.idle_ms = 0;
	k->counters.ssrc = 0x5eed;
	k->counters.expected = 101;
	k->counters.lost = 0;
	memcpy(&k->latched, &pa.addr, sizeof(k->latched));
	fake_now += 20;
	CU_ASSERT_EQUAL_FATAL(fp_flow_counters(f, &c), 0);
	CU_ASSERT_EQUAL(c.packets, 101);
	CU_ASSERT_EQUAL(c.bytes, 16005);
	CU_ASSERT_EQUAL(c.drops[FP_DROP_SOURCE], 2);
	CU_ASSERT_EQUAL(c.drops[FP_DROP_SEND], 3);
	CU_ASSERT_EQUAL(c.path, FP_PATH_KMOD);
	CU_ASSERT_EQUAL(c.last_ms, fake_now);
	CU_ASSERT_TRUE(c.rtp_seen);
	CU_ASSERT_EQUAL(c.ssrc, 0x5eed);
	CU_ASSERT_EQUAL(c.expected, 101);
	CU_ASSERT_TRUE(c.latched);
	CU_ASSERT_TRUE(tp_addr_eq(&c.source, &pa.addr));
	/* the kernel latching to the same source says nothing new */
	kevent(SIPCTL_EVENT_LATCHED, &ra.addr, sp.cookie, &pa.addr, -1);
	CU_ASSERT_EQUAL(nevents, 1);
	fp_flow_del(f);
}

static void test_update(void)
{
	const struct sipctl_flow *r;
	struct fp_flow_spec sp;
	struct fp_flow *f;

	spec_ab(&sp);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	/* a new peer under the same rule keeps what was latched */
	sp.peer = pa.addr;
	CU_ASSERT_EQUAL(fp_flow_update(f, &sp), 0);
	r = last(OP_SET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_TRUE(ep_is(&r->peer, &pa.addr, true));
	CU_ASSERT_FALSE(r->has &
			(SIPCTL_FLOW_HAS_SRC_MODE | SIPCTL_FLOW_HAS_SRC |
			 SIPCTL_FLOW_HAS_LATCH_MS));
	CU_ASSERT_FALSE(r->has & SIPCTL_FLOW_HAS_COOKIE);
	/* a new rule is sent, with what is left of the window */
	fake_now += 4000;
	sp.latch_until_ms = fake_now + 5000;
	CU_ASSERT_EQUAL(fp_flow_update(f, &sp), 0);
	r = last(OP_SET);
	CU_ASSERT_TRUE(r->has & SIPCTL_FLOW_HAS_SRC_MODE);
	CU_ASSERT_TRUE(r->has & SIPCTL_FLOW_HAS_SRC);
	CU_ASSERT_EQUAL(r->latch_ms, 5000);
	/* hold: no peer */
	memset(&sp.peer, 0, sizeof(sp.peer));
	CU_ASSERT_EQUAL(fp_flow_update(f, &sp), 0);
	r = last(OP_SET);
	CU_ASSERT_EQUAL(r->peer.sa.sa_family, AF_INET);
	CU_ASSERT_EQUAL(r->peer.sin.sin_addr.s_addr, 0);
	/* gone from the kernel behind our back: made again */
	kused[kfind(&r->local)] = false;
	CU_ASSERT_EQUAL(count(OP_ADD), 1);
	sp.peer = pb.addr;
	CU_ASSERT_EQUAL(fp_flow_update(f, &sp), 0);
	CU_ASSERT_EQUAL(count(OP_ADD), 2);
	CU_ASSERT_PTR_NOT_NULL(kflow(&ra.addr));
	fp_flow_del(f);
}

static void test_events(void)
{
	struct fp_flow_spec sp;
	struct fp_flow *f;
	struct sock other;

	spec_ab(&sp);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	kevent(SIPCTL_EVENT_LATCHED, &ra.addr, sp.cookie, &pa.addr, -1);
	CU_ASSERT_EQUAL_FATAL(nevents, 1);
	CU_ASSERT_PTR_EQUAL(events[0].f, f);
	CU_ASSERT_EQUAL(events[0].ev, FP_EV_LATCHED);
	CU_ASSERT_TRUE(tp_addr_eq(&events[0].addr, &pa.addr));
	/* the relay latching to the same source says nothing new */
	send_to(&pa, &ra, "x");
	CU_ASSERT_TRUE(fake_fire(ra.fd));
	CU_ASSERT_EQUAL(nevents, 1);
	kevent(SIPCTL_EVENT_SOURCE_MISMATCH, &ra.addr, sp.cookie, &pb.addr, -1);
	CU_ASSERT_EQUAL_FATAL(nevents, 2);
	CU_ASSERT_EQUAL(events[1].ev, FP_EV_SOURCE_MISMATCH);
	CU_ASSERT_TRUE(tp_addr_eq(&events[1].addr, &pb.addr));
	kevent(SIPCTL_EVENT_IDLE, &ra.addr, sp.cookie, NULL, -1);
	CU_ASSERT_EQUAL_FATAL(nevents, 3);
	CU_ASSERT_EQUAL(events[2].ev, FP_EV_IDLE);
	/* another flow's cookie, or a LOCAL we have no flow at */
	kevent(SIPCTL_EVENT_IDLE, &ra.addr, sp.cookie + 1, NULL, -1);
	sock_open(&other, 0);
	kevent(SIPCTL_EVENT_IDLE, &other.addr, sp.cookie, NULL, -1);
	close(other.fd);
	/* our own delete's echo changes nothing */
	kevent(SIPCTL_EVENT_REMOVED, &ra.addr, sp.cookie, NULL,
	       SIPCTL_REMOVED_DELETED);
	CU_ASSERT_EQUAL(nevents, 3);
	fp_flow_del(f);
}

/* Events may delete their flow: nothing touches it afterwards. */
static void delete_on_event(struct fp_flow *f, enum fp_event ev,
			    const union tp_addr *addr, void *user)
{
	nevents++;
	fp_flow_del(f);
}

static void test_delete_from_event(void)
{
	struct fp_flow_spec sp;
	struct fp_flow *f;

	fp_exit();
	CU_ASSERT_EQUAL_FATAL(fp_init(&cfg, delete_on_event), 0);
	spec_ab(&sp);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	kevent(SIPCTL_EVENT_LATCHED, &ra.addr, sp.cookie, &pa.addr, -1);
	CU_ASSERT_EQUAL(nevents, 1);
	CU_ASSERT_PTR_NULL(kflow(&ra.addr));
	/* and from the relay's batch */
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	send_to(&pa, &ra, "x");
	send_to(&pa, &ra, "y");
	CU_ASSERT_TRUE(fake_fire(ra.fd));
	CU_ASSERT_EQUAL(nevents, 2);
	CU_ASSERT_PTR_NULL(kflow(&ra.addr));
	CU_ASSERT_FALSE(fake_fire(ra.fd));
}

/* Flushed or expired in the kernel: the relay carries it, counts stay. */
static void test_removed(void)
{
	struct sipctl_flow *k;
	struct fp_flow_spec sp;
	struct fp_counters c;
	struct fp_flow *f;
	char buf[16];

	spec_ab(&sp);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	k = (struct sipctl_flow *)kflow(&ra.addr);
	k->has |= SIPCTL_FLOW_HAS_COUNTERS;
	k->counters.packets = 7;
	CU_ASSERT_EQUAL_FATAL(fp_flow_counters(f, &c), 0);
	CU_ASSERT_EQUAL(c.packets, 7);
	kused[kfind(&k->local)] = false;
	kevent(SIPCTL_EVENT_REMOVED, &ra.addr, sp.cookie, NULL,
	       SIPCTL_REMOVED_FLUSHED);
	CU_ASSERT_EQUAL(nevents, 0);
	send_to(&pa, &ra, "abc");
	CU_ASSERT_TRUE(fake_fire(ra.fd));
	CU_ASSERT_EQUAL(recv_on(&pb, buf, sizeof(buf)), 3);
	CU_ASSERT_EQUAL_FATAL(fp_flow_counters(f, &c), 0);
	CU_ASSERT_EQUAL(c.packets, 8);
	CU_ASSERT_EQUAL(c.path, FP_PATH_RELAY);
	/* the next update puts it back */
	CU_ASSERT_EQUAL(fp_flow_update(f, &sp), 0);
	CU_ASSERT_PTR_NOT_NULL(kflow(&ra.addr));
	fp_flow_del(f);
}

static void test_refused(void)
{
	struct fp_flow_spec sp;
	struct fp_flow *f;
	char buf[16];

	fail_add = -ENOSPC;
	spec_ab(&sp);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NULL(kflow(&ra.addr));
	send_to(&pa, &ra, "abc");
	CU_ASSERT_TRUE(fake_fire(ra.fd));
	CU_ASSERT_EQUAL(recv_on(&pb, buf, sizeof(buf)), 3);
	fail_add = 0;
	CU_ASSERT_EQUAL(fp_flow_update(f, &sp), 0);
	CU_ASSERT_PTR_NOT_NULL(kflow(&ra.addr));
	fp_flow_del(f);
	CU_ASSERT_EQUAL(count(OP_DEL), 1);
}

/* A flow of an earlier life at our LOCAL goes; another owner's stays. */
static void test_stale(void)
{
	struct sipctl_flow old = { .has = SIPCTL_FLOW_HAS_LOCAL |
					  SIPCTL_FLOW_HAS_COOKIE };
	struct fp_flow_spec sp;
	struct fp_flow *f;

	spec_ab(&sp);
	memcpy(&old.local, &ra.addr, sizeof(old.local));
	old.cookie = fp_cookie("an earlier call", 1, 1, true);
	CU_ASSERT_EQUAL(sipctl_flow_add(&handle, &old), 0);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(kflow(&ra.addr)->cookie, sp.cookie);
	fp_flow_del(f);
	old.cookie = 0x1234;
	CU_ASSERT_EQUAL(sipctl_flow_add(&handle, &old), 0);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(kflow(&ra.addr)->cookie, 0x1234);
	fp_flow_del(f);
	/* a delete names our cookie: the other owner's flow stays */
	CU_ASSERT_PTR_NOT_NULL(kflow(&ra.addr));
}

/* After fp_leave(), a deleted flow's kernel copy forwards on. */
static void test_leave(void)
{
	struct fp_flow_spec sp;
	struct fp_flow *f;

	spec_ab(&sp);
	f = fp_flow_add(&sp, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fp_leave();
	fp_flow_del(f);
	CU_ASSERT_PTR_NOT_NULL(kflow(&ra.addr));
	CU_ASSERT_EQUAL(count(OP_DEL), 0);
	CU_ASSERT_FALSE(fake_fire(ra.fd));
}

static void test_cookie(void)
{
	uint64_t a = fp_cookie("a@b", 3, 1, true);
	uint64_t b = fp_cookie("a@c", 3, 1, true);

	CU_ASSERT_EQUAL(a >> 48, FP_COOKIE_MAGIC);
	CU_ASSERT_EQUAL(a & 0xff, 3 << 2 | 2 | 1);
	CU_ASSERT_EQUAL(a & FP_COOKIE_CALL_MASK, fp_cookie_call("a@b"));
	CU_ASSERT_EQUAL(fp_cookie("a@b", 0, 0, false), fp_cookie_call("a@b"));
	CU_ASSERT_NOT_EQUAL(a & FP_COOKIE_CALL_MASK, b & FP_COOKIE_CALL_MASK);
	/* streams past 63 wrap: the cookie need not be unique */
	CU_ASSERT_EQUAL(fp_cookie("a@b", 67, 1, true), a);
}

/* --- adoption --- */

static union tp_addr lo(uint16_t port)
{
	union tp_addr a = { 0 };

	a.sin.sin_family = AF_INET;
	a.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin.sin_port = htons(port);
	return a;
}

/* A flow an earlier sipfpd left: @local -> @out, latched. */
static void orphan(const char *call, unsigned int stream, int side, bool rtcp,
		   uint16_t local, uint16_t out)
{
	struct sipctl_flow k = { 0 };
	union tp_addr l = lo(local), o = lo(out), p = lo(40000 + local);

	k.has = SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL |
		SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_PEER |
		SIPCTL_FLOW_HAS_SRC_MODE | SIPCTL_FLOW_HAS_SRC |
		SIPCTL_FLOW_HAS_LATCHED | SIPCTL_FLOW_HAS_COUNTERS |
		SIPCTL_FLOW_HAS_LAST;
	k.cookie = call ? fp_cookie(call, stream, side, rtcp) : 0x1234;
	memcpy(&k.local, &l, sizeof(k.local));
	memcpy(&k.out, &o, sizeof(k.out));
	memcpy(&k.peer, &p, sizeof(k.peer));
	k.src_mode = SIPCTL_SRC_LATCH;
	memcpy(&k.src, &p, sizeof(k.src));
	k.src.sin.sin_port = 0;
	memcpy(&k.latched, &p, sizeof(k.latched));
	k.counters.packets = 500;
	k.counters.idle_ms = 10;
	k.flags = rtcp ? 0 : SIPCTL_F_RTP;
	k.clock_rate = 8000;
	CU_ASSERT_EQUAL(sipctl_flow_add(&handle, &k), 0);
	/* what only the kernel sets */
	ktab[kfind(&k.local)].has = k.has;
}

static const struct sipctl_flow *kflow_at(uint16_t port)
{
	union tp_addr a = lo(port);

	return kflow(&a);
}

static uint64_t in_use(void)
{
	struct ports_stats st;

	ports_stats(NULL, &st);
	return st.in_use;
}

static void idle_everywhere(uint64_t ms)
{
	for (int i = 0; i < MAXF; i++)
		ktab[i].counters.idle_ms = ms;
}

static void test_adopt(void)
{
	union tp_addr held = lo(PMIN + 10);
	const struct sipctl_flow *k;
	int hold_fd, ndel;

	memset(&media_adopt_stats, 0, sizeof(media_adopt_stats));
	CU_ASSERT_EQUAL_FATAL(ports_init(&cfg), 0);
	/* call A: RTP and RTCP both ways over two pairs */
	orphan("call-a", 0, 0, false, PMIN, PMIN + 2);
	orphan("call-a", 0, 1, false, PMIN + 2, PMIN);
	orphan("call-a", 0, 0, true, PMIN + 1, PMIN + 3);
	orphan("call-a", 0, 1, true, PMIN + 3, PMIN + 1);
	/* call B: rtcp-mux */
	orphan("call-b", 0, 0, false, PMIN + 4, PMIN + 6);
	orphan("call-b", 0, 1, false, PMIN + 6, PMIN + 4);
	/* another owner's, one whose port a process holds, one out of range */
	orphan(NULL, 0, 0, false, PMIN + 8, PMIN + 9);
	orphan("call-c", 0, 0, false, PMIN + 10, PMIN + 12);
	orphan("call-d", 0, 0, false, PMIN + 100, PMIN + 102);
	hold_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(!bind(hold_fd, &held.sa, sizeof(held.sin)));
	nlog = 0;

	CU_ASSERT_EQUAL(media_adopt_init(&cfg), 2);
	CU_ASSERT_EQUAL(media_adopt_stats.calls, 2);
	CU_ASSERT_EQUAL(media_adopt_stats.flows, 6);
	CU_ASSERT_EQUAL(media_adopt_stats.left, 1);
	CU_ASSERT_EQUAL(media_adopt_stats.dropped, 1);
	CU_ASSERT_EQUAL(in_use(), 4);
	/* each adopted flow keeps its rule and latching: idle and timeout */
	CU_ASSERT_EQUAL(count(OP_SET), 6);
	CU_ASSERT_EQUAL(count(OP_ADD), 0);
	k = last(OP_SET);
	CU_ASSERT_EQUAL(k->has, SIPCTL_FLOW_HAS_LOCAL | SIPCTL_FLOW_HAS_COOKIE |
					SIPCTL_FLOW_HAS_IDLE_MS |
					SIPCTL_FLOW_HAS_TIMEOUT_MS);
	CU_ASSERT_EQUAL(k->idle_ms, 30000);
	CU_ASSERT_EQUAL(k->timeout_ms, 60000);
	/* the one out of range is gone; the others' untouched */
	CU_ASSERT_EQUAL(count(OP_DEL), 1);
	CU_ASSERT_PTR_NULL(kflow_at(PMIN + 100));
	CU_ASSERT_PTR_NOT_NULL(kflow(&held));
	/* a BYE no session claims ends call A */
	CU_ASSERT_FALSE(media_adopt_end(SIP_STR("call-z"), "bye"));
	CU_ASSERT_TRUE(media_adopt_end(SIP_STR("call-a"), "bye"));
	CU_ASSERT_EQUAL(count(OP_DEL), 5);
	CU_ASSERT_EQUAL(media_adopt_stats.calls, 1);
	CU_ASSERT_EQUAL(in_use(), 2);
	CU_ASSERT_PTR_NULL(kflow_at(PMIN));

	/* call B, silent for the media timeout, ends by itself */
	idle_everywhere(1000);
	fake_now += 30000;
	run_timers();
	CU_ASSERT_EQUAL(media_adopt_stats.calls, 1);
	idle_everywhere(31000);
	fake_now += 30000;
	run_timers();
	CU_ASSERT_EQUAL(media_adopt_stats.calls, 0);
	ndel = count(OP_DEL);
	CU_ASSERT_EQUAL(ndel, 7);
	CU_ASSERT_EQUAL(in_use(), 0);
	media_adopt_exit();
	close(hold_fd);
	ports_exit();
}

/* Adopted calls at shutdown: let go of, their kernel flows kept. */
static void test_adopt_leave(void)
{
	union tp_addr a = lo(PMIN);

	CU_ASSERT_EQUAL_FATAL(ports_init(&cfg), 0);
	orphan("call-e", 0, 0, false, PMIN, PMIN + 2);
	orphan("call-e", 0, 1, false, PMIN + 2, PMIN);
	memset(&media_adopt_stats, 0, sizeof(media_adopt_stats));
	CU_ASSERT_EQUAL(media_adopt_init(&cfg), 1);
	/* a latch anew answers where it speaks from (symmetric RTP) */
	kevent(SIPCTL_EVENT_LATCHED, &a, fp_cookie("call-e", 0, 0, false),
	       &pa.addr, -1);
	CU_ASSERT_TRUE(ep_is(&kflow_at(PMIN + 2)->peer, &pa.addr, true));
	nlog = 0;
	fp_leave();
	media_adopt_exit();
	CU_ASSERT_EQUAL(count(OP_DEL), 0);
	CU_ASSERT_PTR_NOT_NULL(kflow_at(PMIN));
	ports_exit();
}

#define T(f)          \
	{             \
#f, f \
	}

static CU_TestInfo tests[] = {
	T(test_select),
	T(test_add),
	T(test_no_peer),
	T(test_relay_beneath),
	T(test_update),
	T(test_events),
	T(test_delete_from_event),
	T(test_removed),
	T(test_refused),
	T(test_stale),
	T(test_leave),
	T(test_cookie),
	T(test_adopt),
	T(test_adopt_leave),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "fastpath kmod", NULL, NULL, setup, teardown, tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	fake_now = 1000000;
	return tu_run(suites);
}
