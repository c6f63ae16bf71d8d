// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP backend's other half: the per-second tick (heartbeat, latch
 * windows that closed, idle flows, wrong sources the program dropped),
 * the counters read back from the per-CPU map and merged with the lower
 * path's, and the flows an earlier sipfpd left in the pinned map,
 * listed and adopted after a restart.
 *
 * RTP figures: the program runs RFC 3550 A.1/A.8 per CPU, and the lower
 * path over what it carried (latching, fragments).  Each is exact for
 * the packets it saw.  Views of the flow's current SSRC are merged:
 * received is their sum, the highest and lowest sequence numbers are
 * put on the extended scale of the view that saw most packets (exact
 * while every other view ends within 32768 sequence numbers of its first
 * or its last), and the jitter is that of the view
 * that saw the last packet, computed over its packets only.  A flow
 * whose packets all arrive on one receive queue (one 5-tuple, the usual
 * case) has one XDP view after latching: exact figures.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "fastpath_xdp.h"
#include "log.h"

#define MISMATCH_EVERY_MS 5000
#define NS_PER_MS 1000000ULL

int xdp_stats(uint32_t slot, struct sipfp_xdp_stats *sum)
{
	const struct sipfp_xdp_stats *p = xdp.pcpu;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(xdp.stats_fd, &slot, xdp.pcpu))
		return -errno;
	for (int i = 0; i < xdp.ncpus; i++) {
		sum->packets += p[i].packets;
		sum->bytes += p[i].bytes;
		sum->drop_source += p[i].drop_source;
		sum->passed += p[i].passed;
		if (p[i].last_ns > sum->last_ns)
			sum->last_ns = p[i].last_ns;
	}
	return 0;
}

/* --- RTP: views merged --- */

struct rtpv {
	uint32_t ssrc;
	int64_t base, max; /* extended */
	uint64_t received;
	uint32_t jitter;
	uint64_t last_ns;
};

static int64_t floor64k(int64_t v)
{
	return v >= 0 ? v & ~0xffffLL : -((-v + 0xffff) & ~0xffffLL);
}

/* How far @p lies outside [@lo, @hi]. */
static int64_t dist(int64_t p, int64_t lo, int64_t hi)
{
	return p < lo ? lo - p : p > hi ? p - hi : 0;
}

/*
 * @v's sequence numbers on @acc's scale, then joined to it.  A view that
 * ran beside @acc (another CPU) ends near @acc's end, one that ran before
 * it (the lower path while latching) near its start, however long the
 * call: @v's end goes where it is nearest @acc's range.
 */
static void view_join(struct rtpv *acc, const struct rtpv *v)
{
	uint16_t end = v->max;
	int64_t late = acc->max + (int16_t)(end - (uint16_t)acc->max);
	int64_t early = acc->base + (int16_t)(end - (uint16_t)acc->base);
	int64_t max = late, base;

	if (dist(early, acc->base, acc->max) < dist(late, acc->base, acc->max))
		max = early;
	base = max - (v->max - v->base);

	if (base < acc->base)
		acc->base = base;
	if (max > acc->max)
		acc->max = max;
	acc->received += v->received;
}

static int views(const struct fp_counters *c, struct rtpv *v)
{
	const struct sipfp_xdp_stats *p = xdp.pcpu;
	int n = 0;

	if (c->rtp_seen) {
		v[n].ssrc = c->ssrc;
		v[n].max = c->ext_max_seq;
		v[n].base = v[n].max - (int64_t)c->expected + 1;
		v[n].received = c->expected - c->lost;
		/*
		 * Still on A.1's probation (the packet that latched, before
		 * XDP took over): it counts nothing yet, but carried the
		 * packet at @ext_max_seq, which the XDP view lacks.
		 */
		if (!c->expected && c->packets) {
			v[n].base = v[n].max;
			v[n].received = 1;
		}
		v[n].jitter = c->jitter;
		v[n++].last_ns = c->last_ms * NS_PER_MS;
	}
	for (int i = 0; i < xdp.ncpus; i++) {
		if (!p[i].rtp_seen)
			continue;
		v[n].ssrc = p[i].ssrc;
		v[n].base = p[i].base_seq;
		v[n].max = p[i].cycles | p[i].max_seq;
		v[n].received = p[i].received;
		v[n].jitter = p[i].jitter >> 4;
		v[n++].last_ns = p[i].last_ns;
	}
	return n;
}

static void rtp_merge(struct fp_counters *c)
{
	struct rtpv *v = calloc(xdp.ncpus + 1, sizeof(*v)), acc;
	int n = v ? views(c, v) : 0, last = 0, big;
	int64_t off;

	for (int i = 1; i < n; i++)
		if (v[i].last_ns > v[last].last_ns)
			last = i;
	if (!n) {
		free(v);
		return;
	}
	/* the others are placed against the view that saw most of it */
	big = last;
	for (int i = 0; i < n; i++)
		if (v[i].ssrc == v[last].ssrc &&
		    v[i].received > v[big].received)
			big = i;
	acc = v[big];
	acc.jitter = v[last].jitter;
	for (int i = 0; i < n; i++)
		if (i != big && v[i].ssrc == acc.ssrc)
			view_join(&acc, &v[i]);
	off = floor64k(acc.base);
	c->rtp_seen = true;
	c->ssrc = acc.ssrc;
	c->ext_max_seq = (uint32_t)(acc.max - off);
	c->expected = acc.max - acc.base + 1;
	c->lost = (int64_t)c->expected - (int64_t)acc.received;
	c->jitter = acc.jitter;
	free(v);
}

/*
 * Packets, bytes and wrong sources add up; the last packet is the later
 * of the two paths' (CLOCK_MONOTONIC both: ev_now_ms() and
 * bpf_ktime_get_ns()).
 */
void xdp_merge(struct fp_counters *c, uint32_t slot)
{
	struct sipfp_xdp_stats s;
	uint64_t last;

	if (xdp_stats(slot, &s))
		return;
	/* first: the lower's view is judged by its own last packet */
	rtp_merge(c);
	c->packets += s.packets;
	c->bytes += s.bytes;
	c->drops[FP_DROP_SOURCE] += s.drop_source;
	last = s.last_ns / NS_PER_MS;
	if (s.packets && last >= c->last_ms) {
		c->last_ms = last ? last : 1;
		c->path = FP_PATH_XDP;
	}
}

/* --- the tick --- */

static void reap(void)
{
	struct xflow *x;

	if (xdp.busy)
		return;
	while ((x = xdp.graveyard)) {
		xdp.graveyard = x->grave;
		if (x->prev)
			x->prev->next = x->next;
		else
			xdp.flows = x->next;
		if (x->next)
			x->next->prev = x->prev;
		free(x);
	}
}

/* The source of the last drop, from a CPU that dropped since. */
static void bad_source(union tp_addr *a)
{
	const struct sipfp_xdp_stats *p = xdp.pcpu;
	int best = 0;

	for (int i = 1; i < xdp.ncpus; i++)
		if (p[i].drop_source > p[best].drop_source)
			best = i;
	xdp_addr_from16(a, p[best].bad_addr, p[best].bad_port);
}

/* The last packet either path carried, in ev_now_ms() time. */
static uint64_t last_packet(struct xflow *x, const struct sipfp_xdp_stats *s)
{
	uint64_t last = s->last_ns / NS_PER_MS;
	struct fp_counters c;

	if (last < x->add_ms)
		last = x->add_ms;
	if (x->low.be && !x->low.be->counters(&x->low, &c) && c.last_ms > last)
		last = c.last_ms;
	return last;
}

static void tick_flow(struct xflow *x, uint64_t now)
{
	const struct fp_flow_spec *sp = &x->f->spec;
	struct sipfp_xdp_stats s;
	union tp_addr bad;
	uint64_t last;

	if (x->v.src_mode == SIPFP_XDP_SRC_LATCH && now >= sp->latch_until_ms &&
	    xdp_put(x))
		log_warnx_rl("xdp: flow %016llx: closing the latch window "
			     "failed",
			     (unsigned long long)sp->cookie);
	if (xdp_stats(x->slot, &s))
		return;
	if (s.drop_source > x->drops_seen) {
		x->drops_seen = s.drop_source;
		if (!x->mismatch_ms ||
		    now - x->mismatch_ms >= MISMATCH_EVERY_MS) {
			x->mismatch_ms = now;
			bad_source(&bad);
			fp_event(x->f, FP_EV_SOURCE_MISMATCH, &bad);
			if (x->dead)
				return;
		}
	}
	if (!sp->idle_ms || s.last_ns / NS_PER_MS + sp->idle_ms > now)
		return;
	last = last_packet(x, &s);
	if (now - last < sp->idle_ms || x->idle_last == last)
		return;
	x->idle_last = last;
	fp_event(x->f, FP_EV_IDLE, NULL);
}

/* Orphans nobody adopted go once quiet for orphan_ms. */
static void orphans_expire(uint64_t now)
{
	struct sipfp_xdp_stats s;

	for (size_t i = 0; i < xdp.norphans;) {
		struct xorphan *o = &xdp.orphans[i];

		if (xdp_stats(o->slot, &s) ||
		    now - s.last_ns / NS_PER_MS < xdp.orphan_ms) {
			i++;
			continue;
		}
		bpf_map_delete_elem(xdp.flows_fd, &o->key);
		xdp_slot_put(o->slot);
		log_info("xdp: flow %016llx left by an earlier sipfpd expired",
			 (unsigned long long)o->cookie);
		*o = xdp.orphans[--xdp.norphans];
	}
}

void xdp_on_tick(struct ev_timer *t, void *arg)
{
	uint64_t now = ev_now_ms();
	struct xflow *x;

	xdp_heartbeat();
	xdp.busy++;
	for (x = xdp.flows; x; x = x->next)
		if (!x->dead && x->in_map && x->slot != XDP_NO_SLOT)
			tick_flow(x, now);
	xdp.busy--;
	reap();
	orphans_expire(now);
	ev_timer_add(&xdp.tick, XDP_TICK_MS);
}

/* --- adoption after a restart --- */

static int orphan_push(const struct sipfp_xdp_key *k,
		       const struct sipfp_xdp_flow *v)
{
	struct xorphan *o;

	if (xdp.norphans % 64 == 0) {
		o = realloc(xdp.orphans, (xdp.norphans + 64) * sizeof(*o));
		if (!o)
			return -ENOMEM;
		xdp.orphans = o;
	}
	o = &xdp.orphans[xdp.norphans++];
	o->key = *k;
	o->cookie = v->cookie;
	o->slot = v->slot;
	xdp_slot_take(v->slot);
	return 0;
}

/* At start: every entry is an earlier sipfpd's. */
int xdp_orphans_scan(void)
{
	struct sipfp_xdp_key k, next;
	struct sipfp_xdp_flow v;
	int ret = bpf_map_get_next_key(xdp.flows_fd, NULL, &next);

	while (!ret) {
		k = next;
		ret = bpf_map_get_next_key(xdp.flows_fd, &k, &next);
		if (bpf_map_lookup_elem(xdp.flows_fd, &k, &v))
			continue;
		if (v.slot >= xdp.max_flows) {
			bpf_map_delete_elem(xdp.flows_fd, &k);
			continue;
		}
		if (orphan_push(&k, &v))
			return -ENOMEM;
	}
	if (xdp.norphans)
		log_info("xdp: %zu flows left by an earlier sipfpd",
			 xdp.norphans);
	return 0;
}

static struct xorphan *orphan_find(const struct sipfp_xdp_key *k)
{
	for (size_t i = 0; i < xdp.norphans; i++)
		if (!memcmp(&xdp.orphans[i].key, k, sizeof(*k)))
			return &xdp.orphans[i];
	return NULL;
}

static void orphan_drop(struct xorphan *o)
{
	*o = xdp.orphans[--xdp.norphans];
}

/*
 * An earlier sipfpd's entry under a key a new flow of ours now holds is
 * deleted before ours is written: should ours fail, nothing forwards by
 * that sipfpd's rule, and the orphan's expiry cannot delete ours later.
 */
void xdp_orphan_evict(const struct sipfp_xdp_key *k)
{
	struct xorphan *o = orphan_find(k);

	if (!o)
		return;
	if (bpf_map_delete_elem(xdp.flows_fd, k) && errno != ENOENT) {
		log_warnx_rl("xdp: flow %016llx left by an earlier sipfpd: "
			     "delete: %s",
			     (unsigned long long)o->cookie, strerror(errno));
		return;
	}
	xdp_slot_put(o->slot);
	orphan_drop(o);
}

/* The spec a map entry says, as far as it can. */
static void orphan_spec(const struct sipfp_xdp_key *k,
			const struct sipfp_xdp_flow *v, struct fp_flow_spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	sp->cookie = v->cookie;
	xdp_addr_from16(&sp->local, k->addr, k->port);
	xdp_addr_from16(&sp->out_local, v->out_addr, v->out_port);
	if (!(v->flags & SIPFP_XDP_F_NO_PEER))
		xdp_addr_from16(&sp->peer, v->peer_addr, v->peer_port);
	sp->fd = sp->out_fd = -1;
	sp->src_mode = v->src_mode == SIPFP_XDP_SRC_ANY	  ? FP_SRC_ANY :
		       v->src_mode == SIPFP_XDP_SRC_FIXED ? FP_SRC_FIXED :
							    FP_SRC_LATCH;
	if (sp->src_mode != FP_SRC_ANY)
		xdp_addr_from16(&sp->src, v->src_addr, v->src_port);
	/* the window is the lower path's to keep; ours is shut */
	sp->latch_until_ms = ev_now_ms();
	sp->dscp = v->dscp;
	sp->rtp = v->flags & SIPFP_XDP_F_RTP;
	sp->clock_rate = v->clock_rate;
}

/* The lower path's orphans, read in full first. */
struct lorphans {
	struct fp_flow_spec *sp;
	struct fp_counters *c;
	size_t n;
};

static int lower_one(const struct fp_flow_spec *sp, const struct fp_counters *c,
		     void *arg)
{
	struct lorphans *l = arg;
	struct fp_flow_spec *s = realloc(l->sp, (l->n + 1) * sizeof(*s));
	struct fp_counters *cc;

	if (!s)
		return -ENOMEM;
	l->sp = s;
	cc = realloc(l->c, (l->n + 1) * sizeof(*cc));
	if (!cc)
		return -ENOMEM;
	l->c = cc;
	l->sp[l->n] = *sp;
	l->c[l->n++] = *c;
	return 0;
}

static int lower_orphans(struct lorphans *l)
{
	int ret;

	memset(l, 0, sizeof(*l));
	if (!xdp.lower->orphans)
		return 0;
	ret = xdp.lower->orphans(lower_one, l);
	return ret == -EOPNOTSUPP ? 0 : ret;
}

/* The lower's copy of @sp, taken out of @l; NULL if none. */
static bool lower_take(struct lorphans *l, const struct fp_flow_spec *sp,
		       struct fp_flow_spec *out, struct fp_counters *c)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->sp[i].cookie != sp->cookie ||
		    !xdp_same_ep(&l->sp[i].local, &sp->local))
			continue;
		*out = l->sp[i];
		*c = l->c[i];
		l->sp[i] = l->sp[--l->n];
		l->c[i] = l->c[l->n];
		return true;
	}
	return false;
}

static int offer(struct xorphan *o, struct lorphans *l, fp_orphan_fn fn,
		 void *arg)
{
	struct sipfp_xdp_flow v;
	struct fp_flow_spec sp, lsp;
	struct fp_counters c = { 0 };

	if (bpf_map_lookup_elem(xdp.flows_fd, &o->key, &v))
		return 0;
	orphan_spec(&o->key, &v, &sp);
	/* the module knows more (latching), the map as much of the rest */
	if (lower_take(l, &sp, &lsp, &c) && lsp.src_mode == FP_SRC_LATCH &&
	    c.latched)
		sp = lsp;
	xdp_merge(&c, o->slot);
	return fn(&sp, &c, arg);
}

/*
 * The map's orphans and the lower path's, once each: a flow in both
 * comes with both paths' counters.  Copies first, so @fn may adopt or
 * delete as it goes.
 */
int xdp_orphans(fp_orphan_fn fn, void *arg)
{
	struct xorphan *v = NULL;
	size_t n = xdp.norphans;
	struct lorphans l;
	int ret = lower_orphans(&l);

	if (!ret && n) {
		v = malloc(n * sizeof(*v));
		ret = v ? 0 : -ENOMEM;
	}
	if (!ret && n)
		memcpy(v, xdp.orphans, n * sizeof(*v));
	for (size_t i = 0; !ret && i < n; i++)
		ret = offer(&v[i], &l, fn, arg);
	for (size_t i = 0; !ret && i < l.n; i++)
		ret = fn(&l.sp[i], &l.c[i], arg);
	free(v);
	free(l.sp);
	free(l.c);
	return ret < 0 ? ret : 0;
}

/*
 * The map entry goes on as it is (its slot, its counters); a FIXED
 * entry for a LATCH spec is what the earlier sipfpd latched to, and the
 * lower path takes it too.
 */
static void adopt_entry(struct xflow *x)
{
	struct xorphan *o = orphan_find(&x->key);
	const struct fp_flow_spec *sp = &x->f->spec;
	struct sipfp_xdp_flow v;

	if (!o || bpf_map_lookup_elem(xdp.flows_fd, &o->key, &v) ||
	    v.cookie != sp->cookie)
		return;
	x->slot = o->slot;
	orphan_drop(o);
	x->in_map = true;
	x->v = v;
	if (sp->src_mode == FP_SRC_LATCH && v.src_mode == SIPFP_XDP_SRC_FIXED) {
		x->latched = x->adopted_fixed = true;
		xdp_addr_from16(&x->latched_src, v.src_addr, v.src_port);
	}
}

/*
 * The lower path may have latched after the earlier sipfpd read its last
 * event: the map entry still says LATCH.  Left so, it would turn FIXED
 * to the SDP's source once the window closed and drop the NATed media
 * the lower path accepts.
 */
static void adopt_latched(struct xflow *x)
{
	struct fp_counters c;

	if (x->f->spec.src_mode != FP_SRC_LATCH || x->latched)
		return;
	memset(&c, 0, sizeof(c));
	if (!xdp.lower->counters(&x->low, &c) && c.latched)
		xdp_latched(x, &c.source, false);
}

int xdp_adopt(struct fp_flow *f)
{
	struct xflow *x = xdp_xf_new(f);
	int ret;

	if (!x)
		return -ENOMEM;
	xdp_link(x);
	adopt_entry(x);
	/* another cookie's entry under our key: not ours to keep */
	xdp_orphan_evict(&x->key);
	/* the earlier sipfpd's entry must not forward by its rule */
	xdp_put_or_lower(x, "adopting: ");
	xdp_low_spec(x);
	ret = xdp.lower->adopt ? xdp.lower->adopt(&x->low) :
				 xdp.lower->add(&x->low);
	if (ret) {
		xdp_xf_free(x);
		return ret;
	}
	f->priv = x;
	adopt_latched(x);
	return 0;
}

int xdp_orphan_del(const struct fp_flow_spec *sp)
{
	struct sipfp_xdp_key k;
	struct xorphan *o;
	int ret = -ENOENT, lret;

	xdp_key(&k, &sp->local);
	o = orphan_find(&k);
	if (o && o->cookie == sp->cookie) {
		ret = bpf_map_delete_elem(xdp.flows_fd, &k) ? -errno : 0;
		xdp_slot_put(o->slot);
		orphan_drop(o);
	}
	if (xdp.lower->orphan_del) {
		lret = xdp.lower->orphan_del(sp);
		if (ret == -ENOENT)
			ret = lret;
	}
	return ret;
}
