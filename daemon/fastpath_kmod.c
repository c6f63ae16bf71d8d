// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel path: sipfp.ko through libsipctl, stacked on the relay.
 * Every flow is installed twice, in the relay (on the session layer's
 * sockets) and in the kernel: the kernel claims what it can at
 * LOCAL_IN, and whatever it leaves to the stack (fragments, packets that
 * queued on the socket before the flow existed, everything once the
 * kernel lost the flow) still reaches the relay.  Counters are the sum;
 * `path` says which carried the last packet.
 *
 * A flow the kernel refuses (table full, an address it cannot take) or
 * drops on its own (flushed, expired) stays in the relay alone; the next
 * update puts it back.  So the session layer never hears of a kernel
 * flow's removal: its flow still works.
 *
 * Kernel flows outlive the daemon (fp_leave()): each carries TIMEOUT_MS,
 * so one that no daemon comes back for goes once its media stops.
 *
 * Events come on the multicast socket, registered with the event loop,
 * and are matched to flows by LOCAL endpoint (unique per netns) and
 * cookie.  The session layer may delete any flow from inside an event,
 * so nothing touches a flow after handing it one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <sipctl.h>

#include "event.h"
#include "fastpath.h"
#include "fastpath_kmod.h"
#include "log.h"

/* a flow orphaned while media_timeout is off */
#define ORPHAN_MS (3600 * 1000)
#define ORPHAN_MIN_MS (60 * 1000)

_Static_assert(sizeof(union tp_addr) == sizeof(union sipctl_addr),
	       "tp_addr and sipctl_addr are the same sockaddr union");

struct kmod kmod = { .ev_fd = -1 };

/* --- addresses --- */

static void norm(union tp_addr *a)
{
	union tp_addr t;

	if (a->sa.sa_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&a->sin6.sin6_addr))
		return;
	memset(&t, 0, sizeof(t));
	t.sin.sin_family = AF_INET;
	t.sin.sin_port = a->sin6.sin6_port;
	memcpy(&t.sin.sin_addr, &a->sin6.sin6_addr.s6_addr[12], 4);
	*a = t;
}

void kmod_to_sctl(union sipctl_addr *dst, const union tp_addr *a)
{
	union tp_addr n = *a;

	norm(&n);
	memcpy(dst, &n, sizeof(*dst));
}

static bool unspecified(const union tp_addr *a)
{
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_addr.s_addr == htonl(INADDR_ANY);
	return a->sa.sa_family != AF_INET6 ||
	       IN6_IS_ADDR_UNSPECIFIED(&a->sin6.sin6_addr);
}

static uint32_t hash(const union tp_addr *local)
{
	union tp_addr n = *local;
	const uint8_t *p;
	size_t len;
	uint32_t h = 2166136261u;

	norm(&n);
	p = n.sa.sa_family == AF_INET ? (const uint8_t *)&n.sin.sin_addr :
					(const uint8_t *)&n.sin6.sin6_addr;
	len = n.sa.sa_family == AF_INET ? 4 : 16;
	while (len--)
		h = (h ^ *p++) * 16777619u;
	return (h ^ tp_addr_port(&n)) % KMOD_BUCKETS;
}

static bool same_ep(const union tp_addr *a, const union tp_addr *b)
{
	union tp_addr x = *a, y = *b;

	norm(&x);
	norm(&y);
	return tp_addr_eq(&x, &y);
}

struct kflow *kmod_find(const union tp_addr *local)
{
	struct kflow *kf = kmod.tab[hash(local)];

	while (kf && !same_ep(&kf->f->spec.local, local))
		kf = kf->next;
	return kf;
}

void kmod_link(struct kflow *kf)
{
	uint32_t b = hash(&kf->f->spec.local);

	kf->next = kmod.tab[b];
	kmod.tab[b] = kf;
}

static void unlink_kf(struct kflow *kf)
{
	struct kflow **pp = &kmod.tab[hash(&kf->f->spec.local)];

	for (; *pp; pp = &(*pp)->next)
		if (*pp == kf) {
			*pp = kf->next;
			return;
		}
}

/* --- the kernel copy --- */

const char *kmod_err(int err)
{
	return sipctl_strerror(kmod.h, err);
}

/* No peer (none yet, or on hold): the unspecified address of OUT's family. */
static int put_peer(const struct fp_flow_spec *sp, struct sipctl_flow *k)
{
	union tp_addr p = sp->peer;

	norm(&p);
	k->has |= SIPCTL_FLOW_HAS_PEER;
	if (unspecified(&p) || !tp_addr_port(&p)) {
		k->peer.sa.sa_family = k->out.sa.sa_family;
		return 0;
	}
	if (p.sa.sa_family != k->out.sa.sa_family)
		return -EAFNOSUPPORT;
	kmod_to_sctl(&k->peer, &p);
	return 0;
}

/*
 * The source rule.  The relay latches to any port of @src's address,
 * which for the kernel is SRC port 0; past the window unlatched, the
 * kernel then takes any port of that address where the relay wants
 * @src's own: a difference only for a peer that never spoke in time.
 */
static void put_src(const struct fp_flow_spec *sp, struct sipctl_flow *k)
{
	uint64_t now = ev_now_ms();

	k->has |= SIPCTL_FLOW_HAS_SRC_MODE;
	k->src_mode = sp->src_mode;
	if (sp->src_mode == FP_SRC_ANY)
		return;
	k->has |= SIPCTL_FLOW_HAS_SRC;
	kmod_to_sctl(&k->src, &sp->src);
	if (sp->src_mode != FP_SRC_LATCH)
		return;
	if (k->src.sa.sa_family == AF_INET)
		k->src.sin.sin_port = 0;
	else
		k->src.sin6.sin6_port = 0;
	k->has |= SIPCTL_FLOW_HAS_LATCH_MS;
	k->latch_ms = sp->latch_until_ms > now ?
			      (uint32_t)(sp->latch_until_ms - now) :
			      0;
}

/* @sp as the kernel takes it; the source rule only if @src. */
static int kspec(const struct fp_flow_spec *sp, bool src, struct sipctl_flow *k)
{
	memset(k, 0, sizeof(*k));
	k->has = SIPCTL_FLOW_HAS_LOCAL | SIPCTL_FLOW_HAS_OUT |
		 SIPCTL_FLOW_HAS_FLAGS | SIPCTL_FLOW_HAS_DSCP |
		 SIPCTL_FLOW_HAS_CLOCK_RATE | SIPCTL_FLOW_HAS_IDLE_MS |
		 SIPCTL_FLOW_HAS_TIMEOUT_MS;
	k->cookie = sp->cookie;
	kmod_to_sctl(&k->local, &sp->local);
	kmod_to_sctl(&k->out, &sp->out_local);
	k->flags = sp->rtp ? SIPCTL_F_RTP : 0;
	k->dscp = sp->dscp;
	k->clock_rate = sp->clock_rate ? sp->clock_rate : 8000;
	k->idle_ms = sp->idle_ms;
	k->timeout_ms = kmod.timeout_ms;
	if (src)
		put_src(sp, k);
	return put_peer(sp, k);
}

/* A flow at our LOCAL from an earlier life of ours goes; another's stays. */
static int clear_stale(const struct sipctl_flow *k)
{
	struct sipctl_flow old;
	int ret = sipctl_flow_get(kmod.h, &k->local, &old);

	if (ret)
		return ret == -ENOENT ? 0 : ret;
	if ((old.cookie & FP_COOKIE_MAGIC_MASK) != FP_COOKIE_MAGIC << 48)
		return -EEXIST;
	return sipctl_flow_del(kmod.h, &old);
}

int kmod_kadd(struct kflow *kf)
{
	struct sipctl_flow k;
	int ret = kspec(&kf->f->spec, true, &k);

	if (ret)
		return ret;
	k.has |= SIPCTL_FLOW_HAS_COOKIE;
	ret = sipctl_flow_add(kmod.h, &k);
	if (ret == -EEXIST && !clear_stale(&k))
		ret = sipctl_flow_add(kmod.h, &k);
	if (ret)
		return ret;
	kf->in_kernel = true;
	memset(&kf->kl, 0, sizeof(kf->kl));
	return 0;
}

static void kdel(struct kflow *kf, const union tp_addr *local)
{
	struct sipctl_flow k = { .has = SIPCTL_FLOW_HAS_LOCAL |
					SIPCTL_FLOW_HAS_COOKIE,
				 .cookie = kf->f->spec.cookie };
	int ret;

	kf->in_kernel = false;
	kmod_to_sctl(&k.local, local);
	ret = sipctl_flow_del(kmod.h, &k);
	if (ret && ret != -ENOENT)
		log_warnx("fast path kmod: flow %016llx: delete: %s",
			  (unsigned long long)k.cookie, kmod_err(ret));
}

static void shadow_sync(struct kflow *kf);

/* Its kernel counters so far join the base; the kernel starts again. */
void kmod_gone(struct kflow *kf, const char *why)
{
	struct sipctl_counters *b = &kf->kbase, *c = &kf->kl.counters;

	kf->in_kernel = false;
	b->packets += c->packets;
	b->bytes += c->bytes;
	b->drop_source += c->drop_source;
	b->drop_no_peer += c->drop_no_peer;
	b->drop_route += c->drop_route;
	memset(&kf->kl, 0, sizeof(kf->kl));
	log_info("fast path kmod: flow %016llx %s in the kernel; the relay "
		 "carries it",
		 (unsigned long long)kf->f->spec.cookie, why);
	shadow_sync(kf);
}

/* --- the relay copy --- */

static void relay_event(struct fp_flow *sh, enum fp_event ev,
			const union tp_addr *addr, void *user);

/* The relay watches idleness only while the kernel does not. */
void kmod_shadow_spec(struct kflow *kf)
{
	kf->shadow.spec = kf->f->spec;
	if (kf->in_kernel)
		kf->shadow.spec.idle_ms = 0;
}

static int shadow_update(struct kflow *kf)
{
	struct fp_flow_spec old = kf->shadow.spec;
	int ret;

	kmod_shadow_spec(kf);
	ret = fp_relay.update(&kf->shadow, &old);
	if (ret)
		kf->shadow.spec = old;
	return ret;
}

/* After the kernel took or lost the flow (once the relay has it). */
static void shadow_sync(struct kflow *kf)
{
	uint32_t idle = kf->in_kernel ? 0 : kf->f->spec.idle_ms;

	if (kf->shadow.priv && kf->shadow.spec.idle_ms != idle)
		shadow_update(kf);
}

/* LATCHED once per source, whichever path saw it first. */
void kmod_latched(struct kflow *kf, const union tp_addr *src)
{
	if (kf->told && same_ep(&kf->told_src, src))
		return;
	kf->told = true;
	kf->told_src = *src;
	fp_event(kf->f, FP_EV_LATCHED, src);
}

static void relay_event(struct fp_flow *sh, enum fp_event ev,
			const union tp_addr *addr, void *user)
{
	struct kflow *kf = user;

	if (ev == FP_EV_LATCHED)
		kmod_latched(kf, addr);
	else if (ev != FP_EV_REMOVED)
		fp_event(kf->f, ev, addr);
}

/* --- the backend --- */

struct kflow *kmod_kf_new(struct fp_flow *f)
{
	struct kflow *kf = calloc(1, sizeof(*kf));

	if (!kf)
		return NULL;
	kf->f = f;
	kf->shadow.user = kf;
	kf->shadow.cb = relay_event;
	kf->shadow.be = &fp_relay;
	return kf;
}

static int kmod_add(struct fp_flow *f)
{
	struct kflow *kf = kmod_kf_new(f);
	int ret;

	if (!kf)
		return -ENOMEM;
	kmod_shadow_spec(kf);
	ret = fp_relay.add(&kf->shadow);
	if (ret) {
		free(kf);
		return ret;
	}
	f->priv = kf;
	kmod_link(kf);
	ret = kmod_kadd(kf);
	if (ret)
		log_warnx_rl("fast path kmod: flow %016llx: %s; the relay "
			     "carries it",
			     (unsigned long long)f->spec.cookie, kmod_err(ret));
	shadow_sync(kf);
	return 0;
}

/* Same rule: what the kernel latched under it stands. */
static bool same_rule(const struct fp_flow_spec *a,
		      const struct fp_flow_spec *b)
{
	return a->src_mode == b->src_mode &&
	       a->latch_until_ms == b->latch_until_ms &&
	       (a->src_mode == FP_SRC_ANY || same_ep(&a->src, &b->src));
}

static int kset(struct kflow *kf, const struct fp_flow_spec *old)
{
	bool rule = !same_rule(&kf->f->spec, old);
	struct sipctl_flow k;
	int ret = kspec(&kf->f->spec, rule, &k);

	if (ret)
		return ret;
	ret = sipctl_flow_set(kmod.h, &k);
	if (ret == -ENOENT) {
		kmod_gone(kf, "was gone");
		return kmod_kadd(kf);
	}
	return ret;
}

static int kmod_update(struct fp_flow *f, const struct fp_flow_spec *old)
{
	struct kflow *kf = f->priv;
	int ret = shadow_update(kf);

	if (ret)
		return ret;
	if (!same_rule(&f->spec, old))
		kf->told = false;
	if (!same_ep(&f->spec.local, &old->local)) {
		if (kf->in_kernel)
			kdel(kf, &old->local);
		unlink_kf(kf);
		kmod_link(kf);
	}
	ret = kf->in_kernel ? kset(kf, old) : kmod_kadd(kf);
	/* never leave the kernel forwarding by a stale spec */
	if (ret && kf->in_kernel)
		kdel(kf, &f->spec.local);
	if (ret)
		log_warnx_rl("fast path kmod: flow %016llx: update: %s; the "
			     "relay carries it",
			     (unsigned long long)f->spec.cookie, kmod_err(ret));
	shadow_sync(kf);
	return 0;
}

static void forget(struct fp_flow *f, bool keep_kernel)
{
	struct kflow *kf = f->priv;

	fp_relay.del(&kf->shadow);
	if (kf->in_kernel && !keep_kernel)
		kdel(kf, &f->spec.local);
	unlink_kf(kf);
	f->priv = NULL;
	free(kf);
}

static void kmod_del(struct fp_flow *f)
{
	forget(f, false);
}

static void kmod_detach(struct fp_flow *f)
{
	forget(f, true);
}

static void add_kernel(struct fp_counters *c, const struct sipctl_counters *k)
{
	c->packets += k->packets;
	c->bytes += k->bytes;
	c->drops[FP_DROP_SOURCE] += k->drop_source;
	c->drops[FP_DROP_NO_PEER] += k->drop_no_peer;
	c->drops[FP_DROP_SEND] += k->drop_route;
}

/* The kernel's part of @c, from the flow as last read. */
void kmod_merge(struct fp_counters *c, const struct sipctl_flow *k)
{
	uint64_t now = ev_now_ms(), last;

	if (k->has & SIPCTL_FLOW_HAS_COUNTERS)
		add_kernel(c, &k->counters);
	if (k->has & SIPCTL_FLOW_HAS_LAST) {
		last = k->counters.idle_ms < now ? now - k->counters.idle_ms :
						   1;
		if (last >= c->last_ms) {
			c->last_ms = last;
			c->path = FP_PATH_KMOD;
		}
	}
	if (k->has & SIPCTL_FLOW_HAS_LATCHED) {
		c->latched = true;
		kmod_from_sctl(&c->source, &k->latched);
	}
	if (!(k->has & SIPCTL_FLOW_HAS_RTP))
		return;
	c->rtp_seen = true;
	c->ssrc = k->counters.ssrc;
	c->ext_max_seq = k->counters.ext_max_seq;
	c->expected = k->counters.expected;
	c->lost = k->counters.lost;
	c->jitter = k->counters.jitter;
}

static int kmod_counters(struct fp_flow *f, struct fp_counters *c)
{
	struct kflow *kf = f->priv;
	union sipctl_addr local;
	int ret = fp_relay.counters(&kf->shadow, c);

	if (ret)
		return ret;
	if (kf->in_kernel) {
		kmod_to_sctl(&local, &f->spec.local);
		ret = sipctl_flow_get(kmod.h, &local, &kf->kl);
		if (ret == -ENOENT)
			kmod_gone(kf, "was gone");
		else if (ret)
			log_warnx_rl("fast path kmod: flow %016llx: counters: "
				     "%s",
				     (unsigned long long)f->spec.cookie,
				     kmod_err(ret));
	}
	add_kernel(c, &kf->kbase);
	kmod_merge(c, &kf->kl);
	return 0;
}

/* --- start and stop --- */

static int open_kernel(const struct config *cfg)
{
	int ret = sipctl_open_kernel(&kmod.h);

	if (ret) {
		if (cfg->fastpath == CFG_FP_KMOD)
			log_warnx("fast path kmod: %s",
				  sipctl_strerror(NULL, ret));
		else
			log_info("fast path kmod: %s",
				 sipctl_strerror(NULL, ret));
		return ret;
	}
	ret = sipctl_event_fd(kmod.h);
	if (ret < 0) {
		log_warnx("fast path kmod: joining the flow events: %s",
			  kmod_err(ret));
		return ret;
	}
	kmod.ev_fd = ret;
	return ev_fd_add(kmod.ev_fd, EPOLLIN, kmod_on_events, NULL);
}

static void close_kernel(void)
{
	if (kmod.ev_fd >= 0)
		ev_fd_del(kmod.ev_fd);
	kmod.ev_fd = -1;
	sipctl_close(kmod.h);
	kmod.h = NULL;
}

static int kmod_init(const struct config *cfg)
{
	struct sipctl_stats st;
	int ret = open_kernel(cfg);

	if (!ret)
		ret = fp_relay.init(cfg);
	if (ret) {
		close_kernel();
		return ret;
	}
	kmod.timeout_ms = cfg->media_timeout ? cfg->media_timeout * 2000 :
					       ORPHAN_MS;
	if (kmod.timeout_ms < ORPHAN_MIN_MS)
		kmod.timeout_ms = ORPHAN_MIN_MS;
	if (!sipctl_stats_get(kmod.h, &st))
		log_info("fast path kmod: sipfp.ko holds %u flows of at most "
			 "%u",
			 st.flows, st.max_flows);
	return 0;
}

/*
 * Flows still alive are let go of: the relay drops its copies first
 * (clearing the shadows it pointed to), then each flow's @be is cleared.
 * Their kernel copies stay, as after fp_leave().
 */
static void kmod_exit(void)
{
	struct kflow *kf;

	fp_relay.exit();
	for (unsigned int b = 0; b < KMOD_BUCKETS; b++)
		while ((kf = kmod.tab[b])) {
			kmod.tab[b] = kf->next;
			kf->f->be = NULL;
			kf->f->priv = NULL;
			free(kf);
		}
	close_kernel();
}

const struct fp_backend fp_kmod = {
	.name = "kmod",
	.path = FP_PATH_KMOD,
	.init = kmod_init,
	.exit = kmod_exit,
	.add = kmod_add,
	.update = kmod_update,
	.del = kmod_del,
	.counters = kmod_counters,
	.detach = kmod_detach,
	.orphans = kmod_orphans,
	.adopt = kmod_adopt,
	.orphan_del = kmod_orphan_del,
};
