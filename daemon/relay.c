// SPDX-License-Identifier: GPL-2.0
/*
 * The userspace relay: each flow's socket sits in the event loop; a
 * wake-up reads up to RELAY_ROUNDS batches with recvmmsg(), judges each
 * datagram (size, source, peer), and sends the survivors of a batch on
 * with one sendmmsg() from the other leg's socket, straight out of the
 * buffers they landed in.  Nothing is allocated or logged per packet.
 *
 * The sockets belong to the session layer: a flow registers and
 * unregisters its socket with the loop, never closes it.
 *
 * Events go out from the middle of a batch, and the session layer may
 * delete any flow from inside one (this one included).  A flow deleted
 * while a batch or the idle scan runs is only marked dead and freed when
 * that is over, so neither walks freed memory.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "event.h"
#include "fastpath.h"
#include "log.h"
#include "rtpstat.h"

#define RELAY_BATCH 32
/* a few batches per wake-up, so one flooded socket cannot starve others */
#define RELAY_ROUNDS 4
/* an RTP packet over an Ethernet MTU is not audio or video we carry */
#define RELAY_MTU 2048
#define RELAY_TICK_MS 1000
#define MISMATCH_EVERY_MS 5000

struct relay_flow {
	struct fp_flow *f; /* NULL once dead */
	struct relay_flow *prev, *next; /* every flow, for the idle scan */
	struct relay_flow *grave; /* dead, waiting for the batch to end */
	int fd; /* registered with the loop */
	int out_family; /* of spec.out_fd */
	union tp_addr src; /* spec.src, IPv4-mapped made IPv4 */
	union tp_addr peer; /* spec.peer in out_fd's family */
	socklen_t peer_len; /* 0: no peer */
	struct fp_counters c;
	struct rtpstat rtp;
	uint64_t add_ms;
	uint64_t rx_ms; /* last packet from the right source, 0: none */
	uint64_t mismatch_ms; /* last FP_EV_SOURCE_MISMATCH */
	bool mismatch_told, idle_told, dead;
};

static uint8_t bufs[RELAY_BATCH][RELAY_MTU];
static union tp_addr froms[RELAY_BATCH];
static struct iovec riovs[RELAY_BATCH], siovs[RELAY_BATCH];
static struct mmsghdr rmsgs[RELAY_BATCH], smsgs[RELAY_BATCH];

static struct relay_flow *flows;
static struct relay_flow *graveyard;
static unsigned int busy;
static struct ev_timer tick_timer;

/* ::ffff:a.b.c.d as a.b.c.d, so either form of an address compares. */
static void addr_norm(union tp_addr *dst, const union tp_addr *a)
{
	union tp_addr t;

	if (a->sa.sa_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&a->sin6.sin6_addr)) {
		if (dst != a)
			*dst = *a;
		return;
	}
	memset(&t, 0, sizeof(t));
	t.sin.sin_family = AF_INET;
	t.sin.sin_port = a->sin6.sin6_port;
	memcpy(&t.sin.sin_addr, &a->sin6.sin6_addr.s6_addr[12], 4);
	*dst = t;
}

/* Both normalised; the port is not compared. */
static bool same_host(const union tp_addr *a, const union tp_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	if (a->sa.sa_family == AF_INET6)
		return IN6_ARE_ADDR_EQUAL(&a->sin6.sin6_addr,
					  &b->sin6.sin6_addr);
	return false;
}

static uint16_t addr_port(const union tp_addr *a)
{
	return a->sa.sa_family == AF_INET6 ? a->sin6.sin6_port :
					     a->sin.sin_port;
}

static bool same_addr(const union tp_addr *a, const union tp_addr *b)
{
	return same_host(a, b) && addr_port(a) == addr_port(b);
}

static bool unspecified(const union tp_addr *a)
{
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&a->sin6.sin6_addr);
}

/*
 * The destination as @family's socket takes it.  No family, 0.0.0.0
 * (RFC 3264 §8.4 hold) or port 0 is no peer: Linux would deliver a
 * datagram sent to 0.0.0.0 to this host.
 */
static int peer_for(int family, const union tp_addr *spec_peer,
		    union tp_addr *peer, socklen_t *len)
{
	union tp_addr p;

	memset(peer, 0, sizeof(*peer));
	*len = 0;
	addr_norm(&p, spec_peer);
	if (p.sa.sa_family != AF_INET && p.sa.sa_family != AF_INET6)
		return 0;
	if (unspecified(&p) || !addr_port(&p))
		return 0;
	if (family == AF_INET) {
		if (p.sa.sa_family != AF_INET)
			return -EAFNOSUPPORT;
		peer->sin = p.sin;
		*len = sizeof(peer->sin);
		return 0;
	}
	if (p.sa.sa_family == AF_INET6) {
		peer->sin6 = p.sin6;
	} else {
		/* a dual-stack socket reaches IPv4 through a mapped address */
		peer->sin6.sin6_family = AF_INET6;
		peer->sin6.sin6_port = p.sin.sin_port;
		peer->sin6.sin6_addr.s6_addr[10] = 0xff;
		peer->sin6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&peer->sin6.sin6_addr.s6_addr[12], &p.sin.sin_addr, 4);
	}
	*len = sizeof(peer->sin6);
	return 0;
}

static int sock_family(int fd)
{
	int family;
	socklen_t len = sizeof(family);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len))
		return -errno;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	return family;
}

/* DSCP in the upper six bits of TOS / Traffic Class; ECN left 0. */
static void set_dscp(int fd, int family, uint8_t dscp, bool v4_peer)
{
	int tos = dscp << 2;

	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos,
			       sizeof(tos)))
			log_warn("relay: IPV6_TCLASS %d on socket %d", tos, fd);
		/* IPv4 from a dual-stack socket takes its IP_TOS */
		if (!v4_peer)
			return;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)))
		log_warn("relay: IP_TOS %d on socket %d", tos, fd);
}

static void flow_link(struct relay_flow *rf)
{
	rf->next = flows;
	if (flows)
		flows->prev = rf;
	flows = rf;
	if (!ev_timer_armed(&tick_timer))
		ev_timer_add(&tick_timer, RELAY_TICK_MS);
}

static void flow_unlink(struct relay_flow *rf)
{
	if (rf->prev)
		rf->prev->next = rf->next;
	else
		flows = rf->next;
	if (rf->next)
		rf->next->prev = rf->prev;
	if (!flows)
		ev_timer_del(&tick_timer);
}

static void reap(void)
{
	struct relay_flow *rf;

	if (busy)
		return;
	while (graveyard) {
		rf = graveyard;
		graveyard = rf->grave;
		flow_unlink(rf);
		free(rf);
	}
}

static void mismatch(struct relay_flow *rf, const union tp_addr *from,
		     uint64_t now)
{
	rf->c.drops[FP_DROP_SOURCE]++;
	if (rf->mismatch_told && now - rf->mismatch_ms < MISMATCH_EVERY_MS)
		return;
	rf->mismatch_told = true;
	rf->mismatch_ms = now;
	fp_event(rf->f, FP_EV_SOURCE_MISMATCH, from);
}

static void latch(struct relay_flow *rf, const union tp_addr *from)
{
	rf->c.latched = true;
	rf->c.source = *from;
	fp_event(rf->f, FP_EV_LATCHED, from);
}

/* Whether @from may send on this flow; may latch, may send events. */
static bool source_ok(struct relay_flow *rf, union tp_addr *from, uint64_t now)
{
	const struct fp_flow_spec *sp = &rf->f->spec;
	const union tp_addr *want = &rf->src;

	addr_norm(from, from);
	switch (sp->src_mode) {
	case FP_SRC_ANY:
		return true;
	case FP_SRC_LATCH:
		if (rf->c.latched) {
			want = &rf->c.source;
		} else if (now < sp->latch_until_ms && same_host(from, want)) {
			latch(rf, from);
			return true;
		}
		break;
	}
	if (same_addr(from, want))
		return true;
	mismatch(rf, from, now);
	return false;
}

/* Whether datagram @i goes on; counts it where it stops. */
static bool take(struct relay_flow *rf, int i, uint64_t now)
{
	const struct msghdr *mh = &rmsgs[i].msg_hdr;
	uint32_t len = rmsgs[i].msg_len;

	if ((mh->msg_flags & MSG_TRUNC) || !len) {
		rf->c.drops[FP_DROP_TRUNCATED]++;
		return false;
	}
	/* an event handler may have deleted the flow */
	if (!source_ok(rf, &froms[i], now) || rf->dead)
		return false;
	rf->rx_ms = now;
	rf->idle_told = false;
	if (rf->f->spec.rtp)
		rtpstat_update(&rf->rtp, bufs[i], len, now,
			       rf->f->spec.clock_rate);
	if (!rf->peer_len) {
		rf->c.drops[FP_DROP_NO_PEER]++;
		return false;
	}
	return true;
}

static void queue(struct relay_flow *rf, int i, int k)
{
	struct msghdr *mh = &smsgs[k].msg_hdr;

	siovs[k].iov_base = bufs[i];
	siovs[k].iov_len = rmsgs[i].msg_len;
	mh->msg_name = &rf->peer;
	mh->msg_namelen = rf->peer_len;
}

/*
 * sendmmsg() stops at the first datagram it cannot send and returns
 * how many went: the next call starts at the failed one, which then
 * reports its error.  A full buffer drops the rest: never block.
 */
static void send_batch(struct relay_flow *rf, int n, uint64_t now)
{
	int fd = rf->f->spec.out_fd, sent = 0, r;
	uint64_t packets = rf->c.packets;

	while (sent < n) {
		r = sendmmsg(fd, smsgs + sent, n - sent, MSG_DONTWAIT);
		if (r > 0) {
			for (int j = sent; j < sent + r; j++)
				rf->c.bytes += siovs[j].iov_len;
			rf->c.packets += r;
			sent += r;
			continue;
		}
		if (!r || errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS) {
			rf->c.drops[FP_DROP_SEND] += n - sent;
			break;
		}
		rf->c.drops[FP_DROP_SEND]++;
		sent++;
	}
	if (rf->c.packets != packets) {
		rf->c.last_ms = now;
		rf->c.path = FP_PATH_RELAY;
	}
}

/* The fields of the batch headers that no call changes. */
static void prepare(void)
{
	for (int i = 0; i < RELAY_BATCH; i++) {
		riovs[i].iov_base = bufs[i];
		riovs[i].iov_len = sizeof(bufs[i]);
		rmsgs[i].msg_hdr.msg_name = &froms[i];
		rmsgs[i].msg_hdr.msg_iov = &riovs[i];
		rmsgs[i].msg_hdr.msg_iovlen = 1;
		smsgs[i].msg_hdr.msg_iov = &siovs[i];
		smsgs[i].msg_hdr.msg_iovlen = 1;
	}
}

/* One batch: false when the flow is gone or the socket ran dry. */
static bool relay_batch(struct relay_flow *rf, int fd)
{
	uint64_t now = ev_now_ms();
	int n, k = 0;

	/* recvmmsg() writes back each name's length */
	for (int i = 0; i < RELAY_BATCH; i++)
		rmsgs[i].msg_hdr.msg_namelen = sizeof(froms[i]);
	n = recvmmsg(fd, rmsgs, RELAY_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return false;
	for (int i = 0; i < n; i++) {
		if (take(rf, i, now))
			queue(rf, i, k++);
		/* its sockets may be closed already: send nothing */
		if (rf->dead)
			return false;
	}
	if (k)
		send_batch(rf, k, now);
	return n == RELAY_BATCH && rf->fd == fd;
}

static void relay_read(int fd, uint32_t events, void *arg)
{
	struct relay_flow *rf = arg;

	busy++;
	for (int round = 0; round < RELAY_ROUNDS; round++)
		if (!relay_batch(rf, fd))
			break;
	busy--;
	reap();
}

/* FP_EV_IDLE once per quiet spell, for flows that asked. */
static void relay_tick(struct ev_timer *t, void *arg)
{
	uint64_t now = ev_now_ms(), last;
	struct relay_flow *rf;

	busy++;
	for (rf = flows; rf; rf = rf->next) {
		if (rf->dead || rf->idle_told || !rf->f->spec.idle_ms)
			continue;
		last = rf->rx_ms ? rf->rx_ms : rf->add_ms;
		if (now - last < rf->f->spec.idle_ms)
			continue;
		rf->idle_told = true;
		fp_event(rf->f, FP_EV_IDLE, NULL);
	}
	busy--;
	reap();
	if (flows)
		ev_timer_add(&tick_timer, RELAY_TICK_MS);
}

/*
 * Everything of @spec that can fail, worked out before the flow
 * changes, so a refused update leaves it as it was.
 */
struct relay_conf {
	int out_family;
	union tp_addr peer;
	socklen_t peer_len;
};

static int conf_get(const struct fp_flow_spec *spec, struct relay_conf *rc)
{
	rc->out_family = sock_family(spec->out_fd);
	if (rc->out_family < 0)
		return rc->out_family;
	return peer_for(rc->out_family, &spec->peer, &rc->peer, &rc->peer_len);
}

static void conf_set(struct relay_flow *rf, const struct relay_conf *rc)
{
	const struct fp_flow_spec *spec = &rf->f->spec;

	rf->out_family = rc->out_family;
	rf->peer = rc->peer;
	rf->peer_len = rc->peer_len;
	addr_norm(&rf->src, &spec->src);
	set_dscp(spec->out_fd, rf->out_family, spec->dscp,
		 rf->out_family == AF_INET6 &&
			 IN6_IS_ADDR_V4MAPPED(&rf->peer.sin6.sin6_addr));
}

static int relay_add(struct fp_flow *f)
{
	struct relay_flow *rf;
	struct relay_conf rc;
	int ret;

	ret = conf_get(&f->spec, &rc);
	if (ret)
		return ret;
	rf = calloc(1, sizeof(*rf));
	if (!rf)
		return -ENOMEM;
	ret = ev_fd_add(f->spec.fd, EPOLLIN, relay_read, rf);
	if (ret) {
		free(rf);
		return ret;
	}
	rf->f = f;
	rf->fd = f->spec.fd;
	rf->add_ms = ev_now_ms();
	conf_set(rf, &rc);
	f->priv = rf;
	flow_link(rf);
	return 0;
}

/* A new source rule forgets what was latched under the old one. */
static bool same_rule(const struct fp_flow_spec *a,
		      const struct fp_flow_spec *b)
{
	union tp_addr sa, sb;

	addr_norm(&sa, &a->src);
	addr_norm(&sb, &b->src);
	return a->src_mode == b->src_mode &&
	       a->latch_until_ms == b->latch_until_ms &&
	       sa.sa.sa_family == sb.sa.sa_family &&
	       (!sa.sa.sa_family || same_addr(&sa, &sb));
}

static int relay_update(struct fp_flow *f, const struct fp_flow_spec *old)
{
	struct relay_flow *rf = f->priv;
	struct relay_conf rc;
	int ret;

	ret = conf_get(&f->spec, &rc);
	if (ret)
		return ret;
	if (f->spec.fd != rf->fd) {
		ret = ev_fd_add(f->spec.fd, EPOLLIN, relay_read, rf);
		if (ret)
			return ret;
		ev_fd_del(rf->fd);
		rf->fd = f->spec.fd;
	}
	if (!same_rule(&f->spec, old)) {
		rf->c.latched = false;
		memset(&rf->c.source, 0, sizeof(rf->c.source));
	}
	conf_set(rf, &rc);
	return 0;
}

static void relay_del(struct fp_flow *f)
{
	struct relay_flow *rf = f->priv;

	ev_fd_del(rf->fd);
	f->priv = NULL;
	if (!busy) {
		flow_unlink(rf);
		free(rf);
		return;
	}
	rf->dead = true;
	rf->f = NULL;
	rf->grave = graveyard;
	graveyard = rf;
}

static int relay_counters(struct fp_flow *f, struct fp_counters *c)
{
	const struct relay_flow *rf = f->priv;

	*c = rf->c;
	c->rtp_seen = rf->rtp.seen;
	if (!c->rtp_seen)
		return 0;
	c->ssrc = rf->rtp.ssrc;
	c->ext_max_seq = rtpstat_ext_max(&rf->rtp);
	c->expected = rtpstat_expected(&rf->rtp);
	c->lost = rtpstat_lost(&rf->rtp);
	c->jitter = rtpstat_jitter(&rf->rtp);
	return 0;
}

static int relay_init(const struct config *cfg)
{
	ev_timer_init(&tick_timer, relay_tick, NULL);
	prepare();
	return 0;
}

/* Lets go of flows still alive: their sockets leave the loop. */
static void relay_exit(void)
{
	struct relay_flow *rf;

	ev_timer_del(&tick_timer);
	while (flows) {
		rf = flows;
		flows = rf->next;
		if (!rf->dead) {
			ev_fd_del(rf->fd);
			rf->f->be = NULL;
			rf->f->priv = NULL;
		}
		free(rf);
	}
	graveyard = NULL;
}

const struct fp_backend fp_relay = {
	.name = "relay",
	.path = FP_PATH_RELAY,
	.init = relay_init,
	.exit = relay_exit,
	.add = relay_add,
	.update = relay_update,
	.del = relay_del,
	.counters = relay_counters,
};
