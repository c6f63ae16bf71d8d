// SPDX-License-Identifier: GPL-2.0
/*
 * The kmod backend's other half: the kernel's events, read off the
 * multicast socket in the event loop and handed to the flow they name,
 * and the flows an earlier sipfpd left in the kernel, listed and
 * adopted after a restart.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sipctl.h>

#include "event.h"
#include "fastpath.h"
#include "fastpath_kmod.h"
#include "log.h"

#define DUMP_TRIES 3

static void kernel_idle(struct kflow *kf)
{
	struct fp_counters rc;

	/* the relay may have carried what the kernel did not see */
	if (!fp_relay.counters(&kf->shadow, &rc) && rc.last_ms &&
	    ev_now_ms() - rc.last_ms < kf->f->spec.idle_ms)
		return;
	fp_event(kf->f, FP_EV_IDLE, NULL);
}

static void on_kevent(const struct sipctl_event *ev, void *arg)
{
	union tp_addr local, src;
	struct kflow *kf;

	if (!(ev->has & SIPCTL_EVENT_HAS_LOCAL))
		return;
	kmod_from_sctl(&local, &ev->local);
	kmod_from_sctl(&src, &ev->source);
	kf = kmod_find(&local);
	if (!kf || !kf->in_kernel ||
	    ((ev->has & SIPCTL_EVENT_HAS_COOKIE) &&
	     ev->cookie != kf->f->spec.cookie))
		return;
	switch (ev->type) {
	case SIPCTL_EVENT_LATCHED:
		if (ev->has & SIPCTL_EVENT_HAS_SOURCE)
			kmod_latched(kf, &src);
		break;
	case SIPCTL_EVENT_IDLE:
		kernel_idle(kf);
		break;
	case SIPCTL_EVENT_SOURCE_MISMATCH:
		if (ev->has & SIPCTL_EVENT_HAS_SOURCE)
			fp_event(kf->f, FP_EV_SOURCE_MISMATCH, &src);
		break;
	case SIPCTL_EVENT_REMOVED:
		/* DELETED is our own delete's echo, or the next call finds it */
		if (ev->reason == SIPCTL_REMOVED_FLUSHED)
			kmod_gone(kf, "was flushed");
		else if (ev->reason == SIPCTL_REMOVED_EXPIRED)
			kmod_gone(kf, "expired");
		break;
	}
}

/* The kernel's table now, for what lost events would have said. */
struct snap {
	struct sipctl_flow *v;
	size_t n, cap;
};

static int snap_one(const struct sipctl_flow *k, void *arg)
{
	struct snap *s = arg;
	struct sipctl_flow *v;

	if (s->n == s->cap) {
		v = realloc(s->v, (s->cap ? 2 * s->cap : 64) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = s->cap ? 2 * s->cap : 64;
	}
	s->v[s->n++] = *k;
	return 0;
}

static int snapshot(struct snap *s)
{
	int ret = -EINTR;

	for (int i = 0; i < DUMP_TRIES && ret == -EINTR; i++) {
		s->n = 0;
		ret = sipctl_flow_dump(kmod.h, snap_one, s);
	}
	return ret;
}

/*
 * Events were lost: latching is read back from the table, one flow at a
 * time by LOCAL, so a flow deleted by an event's handler is not touched.
 * A flow missing from the table is left to the next call on it.
 */
static void resync(void)
{
	struct snap s = { 0 };
	union tp_addr local, src;
	struct kflow *kf;
	int ret = snapshot(&s);

	if (ret)
		log_warnx("fast path kmod: events lost, and reading the table "
			  "back: %s",
			  kmod_err(ret));
	for (size_t i = 0; !ret && i < s.n; i++) {
		kmod_from_sctl(&local, &s.v[i].local);
		kf = kmod_find(&local);
		if (!kf || !kf->in_kernel ||
		    kf->f->spec.cookie != s.v[i].cookie ||
		    !(s.v[i].has & SIPCTL_FLOW_HAS_LATCHED))
			continue;
		kmod_from_sctl(&src, &s.v[i].latched);
		kmod_latched(kf, &src);
	}
	free(s.v);
}

void kmod_on_events(int fd, uint32_t events, void *arg)
{
	int ret;

	/* after a loss, the events behind it are still to be read */
	while ((ret = sipctl_event_read(kmod.h, on_kevent, NULL)) == -ENOBUFS) {
		log_warnx_rl("fast path kmod: kernel events were lost");
		resync();
	}
	if (ret < 0)
		log_warnx_rl("fast path kmod: reading events: %s",
			     kmod_err(ret));
}

/* --- adoption after a restart --- */

static void orphan_spec(const struct sipctl_flow *k, struct fp_flow_spec *sp,
			struct fp_counters *c)
{
	memset(sp, 0, sizeof(*sp));
	sp->cookie = k->cookie;
	kmod_from_sctl(&sp->local, &k->local);
	kmod_from_sctl(&sp->out_local, &k->out);
	if (k->has & SIPCTL_FLOW_HAS_PEER)
		kmod_from_sctl(&sp->peer, &k->peer);
	sp->fd = sp->out_fd = -1;
	sp->src_mode = k->src_mode;
	if (k->has & SIPCTL_FLOW_HAS_SRC)
		kmod_from_sctl(&sp->src, &k->src);
	/* the window is the kernel's to keep; the relay's is shut */
	sp->latch_until_ms = ev_now_ms();
	sp->dscp = k->dscp;
	sp->rtp = k->flags & SIPCTL_F_RTP;
	sp->clock_rate = k->clock_rate;
	sp->idle_ms = k->idle_ms;
	memset(c, 0, sizeof(*c));
	kmod_merge(c, k);
}

int kmod_orphans(fp_orphan_fn fn, void *arg)
{
	struct snap s = { 0 };
	struct fp_flow_spec sp;
	struct fp_counters c;
	union tp_addr local;
	int ret = snapshot(&s);

	for (size_t i = 0; !ret && i < s.n; i++) {
		kmod_from_sctl(&local, &s.v[i].local);
		if (kmod_find(&local))
			continue;
		orphan_spec(&s.v[i], &sp, &c);
		ret = fn(&sp, &c, arg);
	}
	free(s.v);
	return ret < 0 ? ret : 0;
}

/*
 * The kernel flow goes on as it is (its latching, its counters); only
 * what this daemon decides changes: idle and timeout.
 */
static int adopt_kernel(struct kflow *kf)
{
	const struct fp_flow_spec *sp = &kf->f->spec;
	struct sipctl_flow k = { .has = SIPCTL_FLOW_HAS_LOCAL |
					SIPCTL_FLOW_HAS_COOKIE |
					SIPCTL_FLOW_HAS_IDLE_MS |
					SIPCTL_FLOW_HAS_TIMEOUT_MS,
				 .cookie = sp->cookie,
				 .idle_ms = sp->idle_ms,
				 .timeout_ms = kmod.timeout_ms };
	union tp_addr src;
	int ret;

	kmod_to_sctl(&k.local, &sp->local);
	ret = sipctl_flow_set(kmod.h, &k);
	if (ret == -ENOENT)
		return kmod_kadd(kf);
	if (ret)
		return ret;
	kf->in_kernel = true;
	if (sipctl_flow_get(kmod.h, &k.local, &kf->kl) ||
	    !(kf->kl.has & SIPCTL_FLOW_HAS_LATCHED))
		return 0;
	kmod_from_sctl(&src, &kf->kl.latched);
	kf->told = true;
	kf->told_src = src;
	return 0;
}

int kmod_adopt(struct fp_flow *f)
{
	struct kflow *kf = kmod_kf_new(f);
	int ret;

	if (!kf)
		return -ENOMEM;
	ret = adopt_kernel(kf);
	if (ret)
		log_warnx("fast path kmod: adopting flow %016llx: %s; the "
			  "relay carries it",
			  (unsigned long long)f->spec.cookie, kmod_err(ret));
	kmod_shadow_spec(kf);
	/* what the kernel latched to, the relay takes too */
	if (kf->told) {
		kf->shadow.spec.src_mode = FP_SRC_FIXED;
		kf->shadow.spec.src = kf->told_src;
	}
	ret = fp_relay.add(&kf->shadow);
	if (ret) {
		free(kf);
		return ret;
	}
	f->priv = kf;
	kmod_link(kf);
	return 0;
}

int kmod_orphan_del(const struct fp_flow_spec *sp)
{
	struct sipctl_flow k = { .has = SIPCTL_FLOW_HAS_LOCAL |
					SIPCTL_FLOW_HAS_COOKIE,
				 .cookie = sp->cookie };

	kmod_to_sctl(&k.local, &sp->local);
	return sipctl_flow_del(kmod.h, &k);
}
