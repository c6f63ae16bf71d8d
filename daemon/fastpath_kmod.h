/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the kmod fast-path backend: shared by fastpath_kmod.c (flows in
 * the kernel and the relay) and fastpath_kmod_ev.c (the kernel's events,
 * adoption).  Nothing else includes it.
 */
#ifndef SIPFP_FASTPATH_KMOD_H
#define SIPFP_FASTPATH_KMOD_H

#include <string.h>

#include <sipctl.h>

#include "fastpath.h"

#define KMOD_BUCKETS 4096

/* One flow: the session layer's @f, and its two copies. */
struct kflow {
	struct fp_flow *f;
	struct fp_flow shadow; /* the same flow in the relay */
	struct kflow *next; /* hash chain, by spec.local */
	bool in_kernel;
	bool told; /* FP_EV_LATCHED went up, for @told_src */
	union tp_addr told_src;
	struct sipctl_flow kl; /* as last read from the kernel */
	struct sipctl_counters kbase; /* of its earlier kernel lives */
};

struct kmod {
	struct sipctl *h;
	int ev_fd; /* the events socket, in the loop */
	uint32_t timeout_ms; /* of every kernel flow: orphans expire */
	struct kflow *tab[KMOD_BUCKETS];
};

extern struct kmod kmod;

/* fastpath_kmod.c */
void kmod_to_sctl(union sipctl_addr *dst, const union tp_addr *a);
static inline void kmod_from_sctl(union tp_addr *dst,
				  const union sipctl_addr *a)
{
	memcpy(dst, a, sizeof(*dst));
}
const char *kmod_err(int err);
struct kflow *kmod_find(const union tp_addr *local);
struct kflow *kmod_kf_new(struct fp_flow *f);
void kmod_link(struct kflow *kf);
/* The relay's copy of @kf->f->spec. */
void kmod_shadow_spec(struct kflow *kf);
/* Installs @kf in the kernel: 0 or -errno. */
int kmod_kadd(struct kflow *kf);
/* The kernel lost @kf (@why, for the log); the relay carries it. */
void kmod_gone(struct kflow *kf, const char *why);
/* FP_EV_LATCHED up, once per source whichever path saw it. */
void kmod_latched(struct kflow *kf, const union tp_addr *src);
/* Adds the kernel's part of a flow's counters, @k as last read. */
void kmod_merge(struct fp_counters *c, const struct sipctl_flow *k);

/* fastpath_kmod_ev.c */
void kmod_on_events(int fd, uint32_t events, void *arg);
int kmod_orphans(fp_orphan_fn fn, void *arg);
int kmod_adopt(struct fp_flow *f);
int kmod_orphan_del(const struct fp_flow_spec *sp);

#endif
