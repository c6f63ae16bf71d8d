// SPDX-License-Identifier: GPL-2.0
/*
 * Relay port pools.  A pool is an array of pair slots (pair i is ports
 * port_min + 2i and the next) and two rings of slot numbers: the free
 * queue and the quarantine queue.  Every release quarantines for the
 * same time, so the quarantine queue is in expiry order and only its
 * head is ever looked at; one event-loop timer is armed for the earliest
 * head of all pools.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "ports.h"

/* A burst of late packets queues here unread until quarantine ends. */
#define RCVBUF (256 * 1024)

enum { SLOT_FREE, SLOT_USED, SLOT_QUAR };

struct slot {
	int fd[2]; /* RTP, RTCP; -1 when free */
	uint64_t until_ms; /* quarantine end */
	uint8_t state;
};

/* A FIFO of slot numbers; capacity the pool's pair count. */
struct ring {
	uint16_t *v;
	uint32_t head, n;
};

struct pool {
	union tp_addr addr; /* port 0 */
	struct slot *slot;
	struct ring freeq, quarq;
	uint32_t used;
	struct ports_stats st; /* events; the states are counted above */
};

static struct {
	uint16_t port_min;
	uint32_t npairs;
	uint64_t quarantine_ms;
	int tos; /* DSCP << 2 */
	struct pool *pool[PORTS_MAX_POOLS];
	unsigned int npools;
	struct ev_timer timer;
} P = { .timer.heap_idx = -1 };

static void ring_push(struct ring *r, uint16_t v)
{
	r->v[(r->head + r->n++) % P.npairs] = v;
}

/* Back to the head: a pair a failure left untried keeps its turn. */
static void ring_unpop(struct ring *r, uint16_t v)
{
	r->head = (r->head + P.npairs - 1) % P.npairs;
	r->v[r->head] = v;
	r->n++;
}

static uint16_t ring_pop(struct ring *r)
{
	uint16_t v = r->v[r->head];

	r->head = (r->head + 1) % P.npairs;
	r->n--;
	return v;
}

static uint16_t ring_peek(const struct ring *r)
{
	return r->v[r->head];
}

/* O(n): only ports_reserve() at start-up takes from the middle. */
static void ring_remove(struct ring *r, uint16_t v)
{
	for (uint32_t k = r->n; k; k--) {
		uint16_t x = ring_pop(r);

		if (x != v)
			ring_push(r, x);
	}
}

static bool same_addr(const union tp_addr *a, const union tp_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	return !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr,
		       sizeof(struct in6_addr)) &&
	       a->sin6.sin6_scope_id == b->sin6.sin6_scope_id;
}

static struct pool *find(const union tp_addr *local)
{
	for (unsigned int i = 0; i < P.npools; i++)
		if (same_addr(&P.pool[i]->addr, local))
			return P.pool[i];
	return NULL;
}

static void pool_free(struct pool *pl)
{
	if (!pl)
		return;
	for (uint32_t i = 0; pl->slot && i < P.npairs; i++) {
		if (pl->slot[i].fd[0] >= 0)
			close(pl->slot[i].fd[0]);
		if (pl->slot[i].fd[1] >= 0)
			close(pl->slot[i].fd[1]);
	}
	free(pl->slot);
	free(pl->freeq.v);
	free(pl->quarq.v);
	free(pl);
}

/*
 * The queue starts at a random pair, so a restarted daemon does not
 * hand out first the ports its previous life's calls may still get
 * packets on.
 */
static struct pool *pool_new(const union tp_addr *local)
{
	struct pool *pl = calloc(1, sizeof(*pl));
	uint32_t start = 0;

	if (!pl)
		return NULL;
	pl->slot = calloc(P.npairs, sizeof(*pl->slot));
	pl->freeq.v = calloc(P.npairs, sizeof(uint16_t));
	pl->quarq.v = calloc(P.npairs, sizeof(uint16_t));
	if (!pl->slot || !pl->freeq.v || !pl->quarq.v) {
		pool_free(pl);
		return NULL;
	}
	if (getrandom(&start, sizeof(start), GRND_NONBLOCK) != sizeof(start))
		start = 0;
	for (uint32_t i = 0; i < P.npairs; i++) {
		pl->slot[i].fd[0] = pl->slot[i].fd[1] = -1;
		ring_push(&pl->freeq, (start + i) % P.npairs);
	}
	if (local->sa.sa_family == AF_INET) {
		pl->addr.sin.sin_family = AF_INET;
		pl->addr.sin.sin_addr = local->sin.sin_addr;
	} else {
		pl->addr.sin6.sin6_family = AF_INET6;
		pl->addr.sin6.sin6_addr = local->sin6.sin6_addr;
		pl->addr.sin6.sin6_scope_id = local->sin6.sin6_scope_id;
	}
	return pl;
}

static int pool_get(const union tp_addr *local, struct pool **out)
{
	struct pool *pl;

	if (local->sa.sa_family != AF_INET && local->sa.sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	*out = find(local);
	if (*out)
		return 0;
	if (P.npools == PORTS_MAX_POOLS)
		return -ENOSPC;
	pl = pool_new(local);
	if (!pl)
		return -ENOMEM;
	P.pool[P.npools++] = pl;
	*out = pl;
	return 0;
}

static void set_opts(int fd, int family)
{
	int one = 1, rcvbuf = RCVBUF;

	/* a failure only costs performance or marking: no reason to refuse */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &P.tos,
			   sizeof(P.tos));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_TOS, &P.tos, sizeof(P.tos));
	}
}

/* A socket bound to @a port @port: the descriptor or -errno. */
static int open_bound(const union tp_addr *a, uint16_t port)
{
	union tp_addr b = *a;
	socklen_t len;
	int fd, err;

	fd = socket(a->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	set_opts(fd, a->sa.sa_family);
	if (a->sa.sa_family == AF_INET) {
		b.sin.sin_port = htons(port);
		len = sizeof(b.sin);
	} else {
		b.sin6.sin6_port = htons(port);
		len = sizeof(b.sin6);
	}
	if (!bind(fd, &b.sa, len))
		return fd;
	err = -errno;
	close(fd);
	return err;
}

static int bind_pair(struct pool *pl, uint32_t i)
{
	uint16_t port = P.port_min + 2 * i;
	struct slot *s = &pl->slot[i];

	s->fd[0] = open_bound(&pl->addr, port);
	if (s->fd[0] < 0)
		return s->fd[0];
	s->fd[1] = open_bound(&pl->addr, port + 1);
	if (s->fd[1] >= 0)
		return 0;
	close(s->fd[0]);
	s->fd[0] = -1;
	return s->fd[1];
}

static void pair_close(struct slot *s)
{
	close(s->fd[0]);
	close(s->fd[1]);
	s->fd[0] = s->fd[1] = -1;
	s->state = SLOT_FREE;
}

static void expire(struct pool *pl, uint64_t now)
{
	while (pl->quarq.n && pl->slot[ring_peek(&pl->quarq)].until_ms <= now) {
		uint16_t i = ring_pop(&pl->quarq);

		pair_close(&pl->slot[i]);
		ring_push(&pl->freeq, i);
	}
}

/* Armed for the earliest quarantine end of all pools, if any. */
static void arm(uint64_t now)
{
	uint64_t when = UINT64_MAX;

	for (unsigned int i = 0; i < P.npools; i++) {
		const struct pool *pl = P.pool[i];

		if (pl->quarq.n &&
		    pl->slot[ring_peek(&pl->quarq)].until_ms < when)
			when = pl->slot[ring_peek(&pl->quarq)].until_ms;
	}
	if (when == UINT64_MAX)
		ev_timer_del(&P.timer);
	else
		ev_timer_add(&P.timer, when > now ? when - now : 0);
}

static void on_timer(struct ev_timer *t, void *arg)
{
	uint64_t now = ev_now_ms();

	for (unsigned int i = 0; i < P.npools; i++)
		expire(P.pool[i], now);
	arm(now);
}

int ports_get(const union tp_addr *local, struct port_pair *out)
{
	struct pool *pl;
	uint32_t tries;
	int ret;

	out->port = 0;
	out->fd_rtp = out->fd_rtcp = -1;
	ret = pool_get(local, &pl);
	if (ret)
		return ret;
	expire(pl, ev_now_ms());
	/* each free pair once at most: a port held elsewhere goes last */
	for (tries = pl->freeq.n; tries; tries--) {
		uint16_t i = ring_pop(&pl->freeq);

		ret = bind_pair(pl, i);
		if (!ret) {
			pl->slot[i].state = SLOT_USED;
			pl->used++;
			pl->st.allocs++;
			out->port = P.port_min + 2 * i;
			out->fd_rtp = pl->slot[i].fd[0];
			out->fd_rtcp = pl->slot[i].fd[1];
			return 0;
		}
		if (ret != -EADDRINUSE) {
			ring_unpop(&pl->freeq, i);
			pl->st.bind_errors++;
			return ret;
		}
		ring_push(&pl->freeq, i);
		pl->st.busy++;
	}
	pl->st.exhausted++;
	return -EADDRINUSE;
}

int ports_reserve(const union tp_addr *local, uint16_t port,
		  struct port_pair *out)
{
	uint32_t i = (uint32_t)(port - P.port_min) / 2;
	struct pool *pl;
	int ret;

	out->port = 0;
	out->fd_rtp = out->fd_rtcp = -1;
	if (port < P.port_min || i >= P.npairs)
		return -ERANGE;
	ret = pool_get(local, &pl);
	if (ret)
		return ret;
	if (pl->slot[i].state != SLOT_FREE)
		return -EBUSY;
	ret = bind_pair(pl, i);
	if (ret)
		return ret;
	ring_remove(&pl->freeq, i);
	pl->slot[i].state = SLOT_USED;
	pl->used++;
	pl->st.allocs++;
	out->port = P.port_min + 2 * i;
	out->fd_rtp = pl->slot[i].fd[0];
	out->fd_rtcp = pl->slot[i].fd[1];
	return 0;
}

int ports_put(const union tp_addr *local, struct port_pair *pp)
{
	struct pool *pl = find(local);
	uint32_t i = (uint32_t)(pp->port - P.port_min) / 2;
	struct slot *s;

	if (!pl || pp->port < P.port_min || (pp->port & 1) || i >= P.npairs ||
	    pl->slot[i].state != SLOT_USED || pl->slot[i].fd[0] != pp->fd_rtp ||
	    pl->slot[i].fd[1] != pp->fd_rtcp) {
		log_warnx("ports: release of pair %u fds %d/%d not handed out",
			  pp->port, pp->fd_rtp, pp->fd_rtcp);
		return -EINVAL;
	}
	s = &pl->slot[i];
	s->state = SLOT_QUAR;
	s->until_ms = ev_now_ms() + P.quarantine_ms;
	ring_push(&pl->quarq, i);
	pl->used--;
	if (!ev_timer_armed(&P.timer))
		arm(ev_now_ms());
	pp->port = 0;
	pp->fd_rtp = pp->fd_rtcp = -1;
	return 0;
}

static void add_stats(struct ports_stats *st, const struct pool *pl)
{
	st->in_use += pl->used;
	st->quarantined += pl->quarq.n;
	st->free += pl->freeq.n;
	st->busy += pl->st.busy;
	st->bind_errors += pl->st.bind_errors;
	st->exhausted += pl->st.exhausted;
	st->allocs += pl->st.allocs;
}

int ports_stats(const union tp_addr *local, struct ports_stats *st)
{
	struct pool *pl = local ? find(local) : NULL;

	memset(st, 0, sizeof(*st));
	if (local && !pl)
		return -ENOENT;
	for (unsigned int i = 0; i < P.npools; i++)
		if (!pl || P.pool[i] == pl)
			add_stats(st, P.pool[i]);
	return 0;
}

int ports_pool(unsigned int i, union tp_addr *local, struct ports_stats *st)
{
	if (i >= P.npools)
		return -ENOENT;
	*local = P.pool[i]->addr;
	memset(st, 0, sizeof(*st));
	add_stats(st, P.pool[i]);
	return 0;
}

/* Every pair is two descriptors: take what the hard limit allows. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		log_warn("ports: raising the descriptor limit");
}

/* A configured address this box cannot bind is worth a word at start. */
static void probe(const struct cfg_media_if *m)
{
	union tp_addr a = { 0 };
	int fd;

	memcpy(&a, &m->local,
	       m->local.ss_family == AF_INET ? sizeof(a.sin) : sizeof(a.sin6));
	fd = open_bound(&a, 0);
	if (fd < 0) {
		errno = -fd;
		log_warn("ports: media interface %s cannot bind its address",
			 m->name);
		return;
	}
	close(fd);
}

int ports_init(const struct config *cfg)
{
	struct pool *pl;

	if (cfg->port_min < 1024 || (cfg->port_min & 1) ||
	    !(cfg->port_max & 1) || cfg->port_max <= cfg->port_min) {
		log_warnx("ports: bad range %u..%u", cfg->port_min,
			  cfg->port_max);
		return -EINVAL;
	}
	ports_exit();
	P.port_min = cfg->port_min;
	P.npairs = (cfg->port_max - cfg->port_min + 1) / 2;
	P.quarantine_ms = (uint64_t)cfg->port_quarantine * 1000;
	P.tos = cfg->dscp << 2;
	ev_timer_init(&P.timer, on_timer, NULL);
	raise_nofile();
	for (unsigned int i = 0; i < cfg->nmedia_ifs; i++) {
		const struct cfg_media_if *m = &cfg->media_ifs[i];

		if (pool_get((const union tp_addr *)&m->local, &pl)) {
			log_warnx("ports: out of memory");
			ports_exit();
			return -ENOMEM;
		}
		probe(m);
	}
	return 0;
}

void ports_exit(void)
{
	ev_timer_del(&P.timer);
	for (unsigned int i = 0; i < P.npools; i++)
		pool_free(P.pool[i]);
	P.npools = 0;
}
