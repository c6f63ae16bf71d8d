// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP path: sipfp_xdp on the network devices, stacked on a lower
 * path (sipfp.ko when `auto` finds it, else the relay).  Every flow is
 * installed twice, in the lower path and in the XDP map: the program
 * forwards what it can before the stack sees it, and passes up the rest
 * (fragments, packets with no neighbour yet, a flow still latching) to
 * the lower path, which forwards them as it would alone.
 *
 * Latching is the lower path's: a LATCH flow stays SIPFP_XDP_SRC_LATCH
 * in the map (every packet passes up) until the lower path reports
 * FP_EV_LATCHED; the map entry is then rewritten FIXED to that source.
 * Past the window unlatched, it becomes FIXED to the spec's source.
 *
 * A flow the map refuses (full, an address it cannot take) stays in the
 * lower path alone; the next update tries again.  The session layer
 * never hears of it: its flow still works.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath_xdp.h"
#include "log.h"

struct xdp_state xdp = { .prog_fd = -1 };

/* --- addresses --- */

/* @a as 16 bytes, IPv4 mapped, and its port, both in network order. */
void xdp_addr16(uint8_t dst[16], uint16_t *port, const union tp_addr *a)
{
	memset(dst, 0, 16);
	*port = 0;
	if (a->sa.sa_family == AF_INET) {
		dst[10] = dst[11] = 0xff;
		memcpy(dst + 12, &a->sin.sin_addr, 4);
		*port = a->sin.sin_port;
	} else if (a->sa.sa_family == AF_INET6) {
		memcpy(dst, &a->sin6.sin6_addr, 16);
		*port = a->sin6.sin6_port;
	}
}

/* The reverse: a mapped address comes back as IPv4. */
void xdp_addr_from16(union tp_addr *dst, const uint8_t a[16], uint16_t port)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(dst, 0, sizeof(*dst));
	if (!memcmp(a, mapped, 12)) {
		dst->sin.sin_family = AF_INET;
		memcpy(&dst->sin.sin_addr, a + 12, 4);
		dst->sin.sin_port = port;
		return;
	}
	dst->sin6.sin6_family = AF_INET6;
	memcpy(&dst->sin6.sin6_addr, a, 16);
	dst->sin6.sin6_port = port;
}

void xdp_key(struct sipfp_xdp_key *k, const union tp_addr *local)
{
	memset(k, 0, sizeof(*k));
	xdp_addr16(k->addr, &k->port, local);
}

bool xdp_same_ep(const union tp_addr *a, const union tp_addr *b)
{
	struct sipfp_xdp_key x, y;

	xdp_key(&x, a);
	xdp_key(&y, b);
	return !memcmp(&x, &y, sizeof(x));
}

static bool mapped(const uint8_t a[16])
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, pfx, 12);
}

static bool zero16(const uint8_t a[16])
{
	static const uint8_t z[16];

	return !memcmp(a, z, 16) || (mapped(a) && !memcmp(a + 12, z, 4));
}

/* --- the flow table --- */

static uint32_t hash(const struct sipfp_xdp_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h % XDP_BUCKETS;
}

struct xflow *xdp_find(const struct sipfp_xdp_key *k)
{
	struct xflow *x = xdp.tab[hash(k)];

	while (x && memcmp(&x->key, k, sizeof(*k)))
		x = x->hnext;
	return x;
}

/* In the hash by the key of its spec.local, and in the tick's list. */
void xdp_link(struct xflow *x)
{
	uint32_t b;

	xdp_key(&x->key, &x->f->spec.local);
	b = hash(&x->key);
	x->hnext = xdp.tab[b];
	xdp.tab[b] = x;
	x->next = xdp.flows;
	if (xdp.flows)
		xdp.flows->prev = x;
	xdp.flows = x;
}

static void unhash(struct xflow *x)
{
	struct xflow **pp = &xdp.tab[hash(&x->key)];

	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == x) {
			*pp = x->hnext;
			return;
		}
}

static void unlist(struct xflow *x)
{
	if (x->prev)
		x->prev->next = x->next;
	else
		xdp.flows = x->next;
	if (x->next)
		x->next->prev = x->prev;
}

/* --- slots in sipfp_stats --- */

void xdp_slot_take(uint32_t slot)
{
	if (slot < xdp.max_flows)
		xdp.slots[slot / 64] |= 1ULL << (slot % 64);
}

void xdp_slot_put(uint32_t slot)
{
	if (slot < xdp.max_flows)
		xdp.slots[slot / 64] &= ~(1ULL << (slot % 64));
}

static uint32_t slot_find(void)
{
	uint32_t words = (xdp.max_flows + 63) / 64, w = xdp.slot_next / 64;

	for (uint32_t i = 0; i < words; i++, w = (w + 1) % words) {
		uint64_t free = ~xdp.slots[w];
		uint32_t s;

		if (!free)
			continue;
		s = w * 64 + __builtin_ctzll(free);
		if (s < xdp.max_flows)
			return s;
	}
	return XDP_NO_SLOT;
}

/*
 * A free slot, its counters zeroed on every CPU: the last flow that held
 * it may have left numbers there.  Slots go round, so a packet of a flow
 * deleted a moment ago does not count in the next one's.
 */
uint32_t xdp_slot_get(void)
{
	uint32_t s = slot_find();

	if (s == XDP_NO_SLOT)
		return s;
	memset(xdp.pcpu, 0, xdp.ncpus * sizeof(*xdp.pcpu));
	if (bpf_map_update_elem(xdp.stats_fd, &s, xdp.pcpu, BPF_ANY)) {
		log_warnx_rl("xdp: zeroing stats slot %u: %s", s,
			     strerror(errno));
		return XDP_NO_SLOT;
	}
	xdp_slot_take(s);
	xdp.slot_next = s + 1 < xdp.max_flows ? s + 1 : 0;
	return s;
}

/* --- the map entry --- */

static void put_src(struct xflow *x, struct sipfp_xdp_flow *v)
{
	const struct fp_flow_spec *sp = &x->f->spec;
	const union tp_addr *src = &sp->src;

	switch (sp->src_mode) {
	case FP_SRC_ANY:
		v->src_mode = SIPFP_XDP_SRC_ANY;
		return;
	case FP_SRC_LATCH:
		if (x->latched)
			src = &x->latched_src;
		else if (ev_now_ms() < sp->latch_until_ms) {
			v->src_mode = SIPFP_XDP_SRC_LATCH;
			xdp_addr16(v->src_addr, &v->src_port, src);
			return;
		}
		break;
	}
	v->src_mode = SIPFP_XDP_SRC_FIXED;
	xdp_addr16(v->src_addr, &v->src_port, src);
}

/*
 * No peer (none yet, on hold, or of a family the out address cannot
 * reach): the program passes up, and the lower path drops or sends.
 */
static void put_peer(const struct fp_flow_spec *sp, struct sipfp_xdp_flow *v)
{
	xdp_addr16(v->peer_addr, &v->peer_port, &sp->peer);
	if (sp->peer.sa.sa_family == AF_UNSPEC || zero16(v->peer_addr) ||
	    !v->peer_port || mapped(v->peer_addr) != mapped(v->out_addr)) {
		memset(v->peer_addr, 0, sizeof(v->peer_addr));
		v->peer_port = 0;
		v->flags |= SIPFP_XDP_F_NO_PEER;
	}
}

static void value(struct xflow *x, struct sipfp_xdp_flow *v)
{
	const struct fp_flow_spec *sp = &x->f->spec;

	memset(v, 0, sizeof(*v));
	v->cookie = sp->cookie;
	xdp_addr16(v->out_addr, &v->out_port, &sp->out_local);
	v->flags = sp->rtp ? SIPFP_XDP_F_RTP : 0;
	put_peer(sp, v);
	put_src(x, v);
	v->dscp = sp->dscp;
	v->slot = x->slot;
	v->clock_rate = sp->clock_rate ? sp->clock_rate : 8000;
}

/* An earlier life's entry under our key goes; another's would too. */
int xdp_put(struct xflow *x)
{
	struct sipfp_xdp_flow v;

	if (x->slot == XDP_NO_SLOT)
		x->slot = xdp_slot_get();
	if (x->slot == XDP_NO_SLOT)
		return -ENOSPC;
	value(x, &v);
	if (bpf_map_update_elem(xdp.flows_fd, &x->key, &v, BPF_ANY))
		return -errno;
	x->v = v;
	x->in_map = true;
	return 0;
}

void xdp_map_del(struct xflow *x)
{
	if (!x->in_map)
		return;
	x->in_map = false;
	if (bpf_map_delete_elem(xdp.flows_fd, &x->key) && errno != ENOENT)
		log_warnx_rl("xdp: flow %016llx: delete: %s",
			     (unsigned long long)x->v.cookie, strerror(errno));
}

/*
 * Failing to write, XDP must not go on forwarding by @x's earlier rule:
 * the lower path carries the flow alone.
 */
void xdp_put_or_lower(struct xflow *x, const char *what)
{
	int ret = xdp_put(x);

	if (!ret)
		return;
	xdp_map_del(x);
	log_warnx_rl("xdp: flow %016llx: %s%s; the %s path carries it",
		     (unsigned long long)x->f->spec.cookie, what,
		     strerror(-ret), xdp.lower->name);
}

/* --- the lower copy --- */

static void low_event(struct fp_flow *low, enum fp_event ev,
		      const union tp_addr *addr, void *user);

/* The lower path watches idleness only while XDP does not. */
void xdp_low_spec(struct xflow *x)
{
	x->low.spec = x->f->spec;
	if (x->in_map)
		x->low.spec.idle_ms = 0;
	if (x->adopted_fixed && x->f->spec.src_mode == FP_SRC_LATCH) {
		x->low.spec.src_mode = FP_SRC_FIXED;
		x->low.spec.src = x->latched_src;
	}
}

static int low_update(struct xflow *x)
{
	struct fp_flow_spec old = x->low.spec;
	int ret;

	xdp_low_spec(x);
	if (!memcmp(&old, &x->low.spec, sizeof(old)))
		return 0;
	ret = xdp.lower->update(&x->low, &old);
	if (ret)
		x->low.spec = old;
	return ret;
}

void xdp_latched(struct xflow *x, const union tp_addr *src, bool tell)
{
	int ret;

	if (x->latched && xdp_same_ep(&x->latched_src, src))
		return;
	x->latched = true;
	x->latched_src = *src;
	if (x->in_map) {
		ret = xdp_put(x);
		if (ret)
			log_warnx_rl("xdp: flow %016llx: latching: %s",
				     (unsigned long long)x->f->spec.cookie,
				     strerror(-ret));
	}
	if (tell)
		fp_event(x->f, FP_EV_LATCHED, src);
}

static void low_event(struct fp_flow *low, enum fp_event ev,
		      const union tp_addr *addr, void *user)
{
	struct xflow *x = user;

	if (x->dead)
		return;
	if (ev == FP_EV_LATCHED)
		xdp_latched(x, addr, true);
	else if (ev != FP_EV_REMOVED)
		fp_event(x->f, ev, addr);
}

/* --- the backend --- */

struct xflow *xdp_xf_new(struct fp_flow *f)
{
	struct xflow *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->f = f;
	x->slot = XDP_NO_SLOT;
	x->add_ms = ev_now_ms();
	x->low.user = x;
	x->low.cb = low_event;
	x->low.be = xdp.lower;
	return x;
}

/* One the lower path refused: out of the map and the table. */
void xdp_xf_free(struct xflow *x)
{
	xdp_map_del(x);
	xdp_slot_put(x->slot);
	unhash(x);
	unlist(x);
	free(x);
}

static void start_tick(void)
{
	if (!ev_timer_armed(&xdp.tick))
		ev_timer_add(&xdp.tick, XDP_TICK_MS);
}

static int xdp_add(struct fp_flow *f)
{
	struct xflow *x = xdp_xf_new(f);
	int ret;

	if (!x)
		return -ENOMEM;
	xdp_link(x);
	xdp_orphan_evict(&x->key);
	xdp_put_or_lower(x, "");
	xdp_low_spec(x);
	ret = xdp.lower->add(&x->low);
	if (ret) {
		xdp_xf_free(x);
		return ret;
	}
	f->priv = x;
	start_tick();
	return 0;
}

/* Same rule: what the lower path latched under it stands. */
static bool same_rule(const struct fp_flow_spec *a,
		      const struct fp_flow_spec *b)
{
	return a->src_mode == b->src_mode &&
	       a->latch_until_ms == b->latch_until_ms &&
	       (a->src_mode == FP_SRC_ANY || xdp_same_ep(&a->src, &b->src));
}

static int xdp_update(struct fp_flow *f, const struct fp_flow_spec *old)
{
	struct xflow *x = f->priv;
	bool rule = same_rule(&f->spec, old);
	bool latched = x->latched, fixed = x->adopted_fixed;
	int ret;

	if (!rule)
		x->latched = x->adopted_fixed = false;
	ret = low_update(x);
	if (ret) {
		x->latched = latched;
		x->adopted_fixed = fixed;
		return ret;
	}
	if (!xdp_same_ep(&f->spec.local, &old->local)) {
		xdp_map_del(x);
		unhash(x);
		unlist(x);
		xdp_link(x);
		xdp_orphan_evict(&x->key);
	}
	xdp_put_or_lower(x, "update: ");
	low_update(x);
	return 0;
}

/* Freed now, or after the tick when it walks the list. */
static void forget(struct fp_flow *f, bool keep_map)
{
	struct xflow *x = f->priv;

	if (x->low.be && keep_map && x->low.be->detach)
		x->low.be->detach(&x->low);
	else if (x->low.be)
		x->low.be->del(&x->low);
	if (!keep_map) {
		xdp_map_del(x);
		xdp_slot_put(x->slot);
	}
	unhash(x);
	f->priv = NULL;
	x->dead = true;
	x->f = NULL;
	if (xdp.busy) {
		x->grave = xdp.graveyard;
		xdp.graveyard = x;
		return;
	}
	unlist(x);
	free(x);
}

static void xdp_del(struct fp_flow *f)
{
	forget(f, false);
}

static void xdp_detach(struct fp_flow *f)
{
	forget(f, true);
}

static int xdp_counters(struct fp_flow *f, struct fp_counters *c)
{
	struct xflow *x = f->priv;
	int ret = x->low.be ? x->low.be->counters(&x->low, c) : -ENODEV;

	if (ret)
		return ret;
	if (x->latched && !c->latched) {
		c->latched = true;
		c->source = x->latched_src;
	}
	if (x->slot != XDP_NO_SLOT)
		xdp_merge(c, x->slot);
	return 0;
}

/* --- start and stop --- */

static int state_init(const struct config *cfg)
{
	xdp.ncpus = libbpf_num_possible_cpus();
	if (xdp.ncpus <= 0)
		return xdp.ncpus ? xdp.ncpus : -EINVAL;
	xdp.pcpu = calloc(xdp.ncpus, sizeof(*xdp.pcpu));
	xdp.slots = calloc((xdp.max_flows + 63) / 64, sizeof(uint64_t));
	if (!xdp.pcpu || !xdp.slots)
		return -ENOMEM;
	ev_timer_init(&xdp.tick, xdp_on_tick, NULL);
	return xdp_orphans_scan();
}

static void state_free(void)
{
	ev_timer_del(&xdp.tick);
	free(xdp.pcpu);
	free(xdp.slots);
	free(xdp.orphans);
	xdp.pcpu = NULL;
	xdp.slots = NULL;
	xdp.orphans = NULL;
	xdp.norphans = 0;
}

/* `xdp` stacks on the relay; `auto` on the module when it is there. */
static int lower_init(const struct config *cfg)
{
	int ret;

	if (cfg->fastpath == CFG_FP_AUTO) {
		ret = fp_kmod.init(cfg);
		if (!ret) {
			xdp.lower = &fp_kmod;
			return 0;
		}
	}
	xdp.lower = &fp_relay;
	return fp_relay.init(cfg);
}

static int xdp_init(const struct config *cfg)
{
	uint64_t t = cfg->media_timeout * 2000ULL;
	int ret;

	memset(&xdp, 0, sizeof(xdp));
	xdp.alive_ms = t > 60000 ? t : 60000;
	xdp.orphan_ms = cfg->media_timeout ? xdp.alive_ms : 3600 * 1000;
	ret = xdp_load(cfg);
	if (ret)
		return ret;
	ret = state_init(cfg);
	if (!ret)
		ret = lower_init(cfg);
	if (ret) {
		state_free();
		/*
		 * Attached, nobody would feed the map or watch it: the path
		 * that takes over carries everything.  An earlier sipfpd's
		 * pins stay for the next start.
		 */
		xdp_detach_all();
		xdp_unload(!xdp.fresh);
		return ret;
	}
	start_tick();
	return 0;
}

/* Whether the flow map still holds a flow for a next sipfpd to adopt. */
static bool map_empty(void)
{
	struct sipfp_xdp_key k;

	return bpf_map_get_next_key(xdp.flows_fd, NULL, &k) != 0;
}

/*
 * Flows still alive are let go of: the lower path first (it clears the
 * copies it holds), then each flow's @be.  Their map entries stay when
 * leaving, as after fp_leave(), and the program with them, so a
 * restarted sipfpd takes over without a gap; the heartbeat turns them
 * off if none comes.  With no flow to keep, the program goes, and its
 * pins: an exit with no call up leaves nothing behind.
 */
static void xdp_exit(void)
{
	bool keep = fp_leaving() && !map_empty();
	struct xflow *x;

	xdp.lower->exit();
	while ((x = xdp.flows)) {
		xdp.flows = x->next;
		if (x->f) {
			x->f->be = NULL;
			x->f->priv = NULL;
		}
		free(x);
	}
	memset(xdp.tab, 0, sizeof(xdp.tab));
	xdp.graveyard = NULL;
	state_free();
	if (keep)
		log_info("xdp: left attached, its flows forwarding for the "
			 "next sipfpd (for %llu s if none comes)",
			 (unsigned long long)xdp.alive_ms / 1000);
	xdp_unload(keep);
	xdp.lower = NULL;
}

const char *fp_xdp_lower(void)
{
	return xdp.lower ? xdp.lower->name : "none";
}

const struct fp_backend fp_xdp = {
	.name = "xdp",
	.path = FP_PATH_XDP,
	.init = xdp_init,
	.exit = xdp_exit,
	.add = xdp_add,
	.update = xdp_update,
	.del = xdp_del,
	.counters = xdp_counters,
	.detach = xdp_detach,
	.orphans = xdp_orphans,
	.adopt = xdp_adopt,
	.orphan_del = xdp_orphan_del,
};
