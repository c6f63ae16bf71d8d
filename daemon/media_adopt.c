// SPDX-License-Identifier: GPL-2.0
/*
 * Adopted calls (media_adopt.h).  Each is a list of flows and of the
 * port pairs they use, keyed by the Call-ID bits of their cookies.  A
 * pair belongs to one call: a flow whose pair another adopted call holds
 * is a stale leftover (or a hash collision) and is deleted.
 *
 * Symmetric RTP goes on: a flow that latches anew has its reverse flow
 * (the same cookie with the other side's bit) sent to the new source, as
 * media_sdp.c does for live sessions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fastpath.h"
#include "log.h"
#include "media_adopt.h"
#include "ports.h"

/* a call on hold may be silent; with no media_timeout, allow it an hour */
#define IDLE_DEFAULT_MS (3600 * 1000)
#define COOKIE_SIDE 2ULL

struct adopt_pair {
	union tp_addr local; /* port 0 */
	struct port_pair pp;
};

struct adopt_call {
	struct adopt_call *next;
	uint64_t key; /* cookie & FP_COOKIE_CALL_MASK */
	struct fp_flow **flows;
	unsigned int nflows;
	struct adopt_pair *pairs;
	unsigned int npairs;
	struct ev_timer idle;
};

struct media_adopt_stats media_adopt_stats;

static struct adopt_call *calls;
static uint64_t idle_ms;

static struct adopt_call *call_find(uint64_t key)
{
	struct adopt_call *c = calls;

	while (c && c->key != key)
		c = c->next;
	return c;
}

static void idle_check(struct ev_timer *t, void *arg);

static struct adopt_call *call_get(uint64_t key)
{
	struct adopt_call *c = call_find(key);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->key = key;
	ev_timer_init(&c->idle, idle_check, c);
	c->next = calls;
	calls = c;
	return c;
}

/* Flows first (they watch the sockets), then the ports, then the call. */
static void call_free(struct adopt_call *c)
{
	struct adopt_call **pp = &calls;

	for (unsigned int i = 0; i < c->nflows; i++)
		fp_flow_del(c->flows[i]);
	for (unsigned int i = 0; i < c->npairs; i++)
		ports_put(&c->pairs[i].local, &c->pairs[i].pp);
	media_adopt_stats.flows -= c->nflows;
	ev_timer_del(&c->idle);
	while (*pp && *pp != c)
		pp = &(*pp)->next;
	if (*pp)
		*pp = c->next;
	free(c->flows);
	free(c->pairs);
	free(c);
}

static void call_end(struct adopt_call *c, const char *reason)
{
	log_info("media: end adopted call=%010llx reason=%s flows=%u",
		 (unsigned long long)(c->key >> 8 & ((1ULL << 40) - 1)), reason,
		 c->nflows);
	media_adopt_stats.calls--;
	media_adopt_stats.ended++;
	call_free(c);
}

static uint64_t last_packet(struct adopt_call *c)
{
	struct fp_counters cnt;
	uint64_t last = 0;

	for (unsigned int i = 0; i < c->nflows; i++)
		if (!fp_flow_counters(c->flows[i], &cnt) && cnt.last_ms > last)
			last = cnt.last_ms;
	return last;
}

/* Ends @c once every flow was quiet for idle_ms; else looks again then. */
static void idle_check(struct ev_timer *t, void *arg)
{
	struct adopt_call *c = arg;
	uint64_t now = ev_now_ms(), last = last_packet(c);

	if (last && now - last < idle_ms) {
		ev_timer_add(t, idle_ms - (now - last) + 100);
		return;
	}
	call_end(c, "timeout");
}

/* The reverse of @f: same call, stream and kind, the other side. */
static struct fp_flow *reverse(struct adopt_call *c, struct fp_flow *f)
{
	for (unsigned int i = 0; i < c->nflows; i++)
		if (c->flows[i]->spec.cookie == (f->spec.cookie ^ COOKIE_SIDE))
			return c->flows[i];
	return NULL;
}

static void on_event(struct fp_flow *f, enum fp_event ev,
		     const union tp_addr *addr, void *user)
{
	struct adopt_call *c = user;
	struct fp_flow_spec sp;
	struct fp_flow *back;

	switch (ev) {
	case FP_EV_LATCHED:
		back = reverse(c, f);
		if (!back)
			break;
		sp = back->spec;
		sp.peer = *addr;
		fp_flow_update(back, &sp);
		break;
	case FP_EV_IDLE:
		/* may end the call, and free @f with it: the last thing done */
		idle_check(&c->idle, c);
		break;
	case FP_EV_SOURCE_MISMATCH:
	case FP_EV_REMOVED:
		break;
	}
}

static struct adopt_pair *pair_find(struct adopt_call *c,
				    const union tp_addr *a, uint16_t even)
{
	for (unsigned int i = 0; i < c->npairs; i++)
		if (c->pairs[i].pp.port == even &&
		    tp_addr_ip_eq(&c->pairs[i].local, a))
			return &c->pairs[i];
	return NULL;
}

static int pair_reserve(struct adopt_call *c, const union tp_addr *a,
			uint16_t even, struct adopt_pair **out)
{
	struct adopt_pair *v = realloc(c->pairs, (c->npairs + 1) * sizeof(*v));
	union tp_addr addr = *a;
	int ret;

	if (!v)
		return -ENOMEM;
	c->pairs = v;
	if (addr.sa.sa_family == AF_INET6)
		addr.sin6.sin6_port = 0;
	else
		addr.sin.sin_port = 0;
	ret = ports_reserve(&addr, even, &v[c->npairs].pp);
	if (ret)
		return ret;
	v[c->npairs].local = addr;
	*out = &v[c->npairs++];
	return 0;
}

/* The pair holding @a's port: @c's already, or reserved for it now. */
static int pair_for(struct adopt_call *c, const union tp_addr *a, int *fd)
{
	uint16_t port = tp_addr_port(a), even = port & ~1;
	struct adopt_pair *p = pair_find(c, a, even);
	int ret;

	for (struct adopt_call *o = calls; o && !p; o = o->next)
		if (o != c && pair_find(o, a, even))
			return -EBUSY;
	if (!p) {
		ret = pair_reserve(c, a, even, &p);
		if (ret)
			return ret;
	}
	*fd = port & 1 ? p->pp.fd_rtcp : p->pp.fd_rtp;
	return 0;
}

static int flow_push(struct adopt_call *c, struct fp_flow *f)
{
	struct fp_flow **v = realloc(c->flows, (c->nflows + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	c->flows = v;
	c->flows[c->nflows++] = f;
	media_adopt_stats.flows++;
	return 0;
}

/* One orphan of ours into its call: 0, or -errno when it could not be. */
static int adopt_one(struct adopt_call *c, const struct fp_flow_spec *spec)
{
	struct fp_flow_spec sp = *spec;
	struct fp_flow *f;
	int ret;

	ret = pair_for(c, &sp.local, &sp.fd);
	if (!ret)
		ret = pair_for(c, &sp.out_local, &sp.out_fd);
	if (ret)
		return ret;
	sp.idle_ms = idle_ms < UINT32_MAX ? idle_ms : UINT32_MAX;
	f = fp_flow_adopt(&sp, on_event, c);
	if (!f)
		return -errno;
	ret = flow_push(c, f);
	if (ret)
		fp_flow_del(f);
	return ret;
}

static int orphan(const struct fp_flow_spec *spec,
		  const struct fp_counters *cnt, void *arg)
{
	struct adopt_call *c;
	int ret;

	if ((spec->cookie & FP_COOKIE_MAGIC_MASK) != FP_COOKIE_MAGIC << 48)
		return 0;
	c = call_get(spec->cookie & FP_COOKIE_CALL_MASK);
	ret = c ? adopt_one(c, spec) : -ENOMEM;
	/* ports another process holds: maybe another sipfpd's flow */
	if (ret == -EADDRINUSE) {
		media_adopt_stats.left++;
		return 0;
	}
	if (!ret)
		return 0;
	media_adopt_stats.dropped++;
	log_warnx("media: flow %016llx from the kernel cannot be adopted "
		  "(%s); deleted",
		  (unsigned long long)spec->cookie, strerror(-ret));
	fp_orphan_del(spec);
	return 0;
}

int media_adopt_init(const struct config *cfg)
{
	unsigned int n = 0;
	int ret;

	idle_ms = cfg->media_timeout ? cfg->media_timeout * 1000ull :
				       IDLE_DEFAULT_MS;
	ret = fp_orphans(orphan, NULL);
	if (ret == -EOPNOTSUPP)
		return 0;
	if (ret)
		log_warnx("media: reading the kernel's flows: %s",
			  strerror(-ret));
	for (struct adopt_call *c = calls, *next; c; c = next) {
		next = c->next;
		/* its pairs were kept for flows that did not come */
		if (!c->nflows) {
			call_free(c);
			continue;
		}
		ev_timer_add(&c->idle, idle_ms);
		n++;
	}
	media_adopt_stats.calls = n;
	if (n || media_adopt_stats.left || media_adopt_stats.dropped)
		log_info("media: adopted %llu flows of %u calls from the kernel"
			 " (left %llu, deleted %llu)",
			 (unsigned long long)media_adopt_stats.flows, n,
			 (unsigned long long)media_adopt_stats.left,
			 (unsigned long long)media_adopt_stats.dropped);
	return ret ? ret : (int)n;
}

bool media_adopt_end(struct sip_str call_id, const char *reason)
{
	char id[256];
	struct adopt_call *c;

	if (!calls || !call_id.len || call_id.len >= sizeof(id))
		return false;
	sip_str_copy(id, sizeof(id), call_id);
	c = call_find(fp_cookie_call(id) & FP_COOKIE_CALL_MASK);
	if (!c)
		return false;
	call_end(c, reason);
	return true;
}

void media_adopt_exit(void)
{
	while (calls)
		call_end(calls, "shutdown");
}
