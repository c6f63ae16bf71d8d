/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the XDP fast-path backend: shared by fastpath_xdp.c (flows in
 * the map and the lower path), fastpath_xdp_load.c (the program, its
 * pins and the devices it is attached to) and fastpath_xdp_ev.c (the
 * per-second tick, counters, adoption).  Nothing else includes it.
 */
#ifndef SIPFP_FASTPATH_XDP_H
#define SIPFP_FASTPATH_XDP_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "fastpath.h"
#include "bpf/sipfp_xdp.h"

#define XDP_BUCKETS 4096
#define XDP_NO_SLOT UINT32_MAX
#define XDP_TICK_MS 1000

/* One flow: the session layer's @f, its map entry and its lower copy. */
struct xflow {
	struct fp_flow *f; /* NULL once dead */
	struct fp_flow low; /* the same flow in the lower path */
	struct xflow *prev, *next; /* every flow, for the tick */
	struct xflow *hnext; /* hash chain, by @key */
	struct xflow *grave; /* dead, freed when the tick is over */
	struct sipfp_xdp_key key; /* its map key, while @in_map */
	struct sipfp_xdp_flow v; /* the map value as last written */
	uint32_t slot; /* in sipfp_stats, for the flow's whole life */
	bool in_map, dead;
	bool latched; /* the lower latched to @latched_src */
	bool adopted_fixed; /* adopted latched: the lower keeps it FIXED */
	union tp_addr latched_src;
	uint64_t add_ms;
	uint64_t drops_seen; /* XDP drop_source at the last tick */
	uint64_t mismatch_ms; /* last FP_EV_SOURCE_MISMATCH from XDP */
	uint64_t idle_last; /* the last packet when IDLE went up; 0: not */
};

/* A map entry an earlier sipfpd left, not adopted (yet). */
struct xorphan {
	struct sipfp_xdp_key key;
	uint64_t cookie;
	uint32_t slot;
};

struct xdp_dev {
	int ifindex;
	char name[16];
	uint32_t mode; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
};

/* A network device, as rtnetlink lists it. */
struct xlink {
	int ifindex;
	char name[16];
	unsigned int flags; /* IFF_* */
	bool vlan;
	int lower; /* a VLAN's */
	uint16_t vid;
};

struct xdp_links {
	struct xlink *v;
	unsigned int n;
};

struct sipfp_xdp;

struct xdp_state {
	struct sipfp_xdp *skel;
	const struct fp_backend *lower;
	int prog_fd, flows_fd, stats_fd, tx_fd, vlans_fd, vlan_dev_fd, ctl_fd;
	char pin_dir[64];
	bool fresh; /* the pins are this process's own */
	bool vlans; /* sipfp_vlan_dev may hold an entry: SIPFP_XDP_CTL_VLANS */
	uint32_t max_flows;
	int ncpus;
	struct sipfp_xdp_stats *pcpu; /* one lookup's worth, ncpus long */
	uint64_t *slots; /* bitmap over sipfp_stats */
	uint32_t slot_next; /* where the next free slot is looked for */
	struct xdp_dev devs[CFG_MAX_XDP_IFS];
	unsigned int ndevs;
	struct xflow *flows, *graveyard;
	unsigned int busy;
	struct xflow *tab[XDP_BUCKETS];
	struct xorphan *orphans;
	size_t norphans;
	struct ev_timer tick;
	uint64_t alive_ms; /* the heartbeat's reach past now */
	uint64_t orphan_ms; /* an orphan quiet this long is deleted */
};

extern struct xdp_state xdp;

/* fastpath_xdp.c */
void xdp_key(struct sipfp_xdp_key *k, const union tp_addr *local);
void xdp_addr16(uint8_t dst[16], uint16_t *port, const union tp_addr *a);
void xdp_addr_from16(union tp_addr *dst, const uint8_t a[16], uint16_t port);
bool xdp_same_ep(const union tp_addr *a, const union tp_addr *b);
struct xflow *xdp_find(const struct sipfp_xdp_key *k);
struct xflow *xdp_xf_new(struct fp_flow *f);
void xdp_xf_free(struct xflow *x);
void xdp_link(struct xflow *x);
/* Writes @x's map entry from its spec (slot allocated): 0 or -errno. */
int xdp_put(struct xflow *x);
/* Deletes @x's map entry, if it wrote one. */
void xdp_map_del(struct xflow *x);
/* xdp_put(), or out of the map with a warning naming @what. */
void xdp_put_or_lower(struct xflow *x, const char *what);
/* The lower copy's spec, from @x->f->spec. */
void xdp_low_spec(struct xflow *x);
uint32_t xdp_slot_get(void);
void xdp_slot_take(uint32_t slot);
void xdp_slot_put(uint32_t slot);
/* The lower latched (or the map says so): FIXED to @src from now on. */
void xdp_latched(struct xflow *x, const union tp_addr *src, bool tell);

/* fastpath_xdp_dev.c */
int xdp_links_dump(struct xdp_links *ls);
bool xdp_is_sipfp(uint32_t prog_id);
uint32_t xdp_prev_prog(const struct xdp_links *ls);
/* Attaches, fills sipfp_tx and the VLAN maps: 0 or -errno. */
int xdp_attach_all(const struct config *cfg, const struct xdp_links *ls);
void xdp_detach_all(void);

/* fastpath_xdp_load.c */
int xdp_load(const struct config *cfg);
/* Detaches and unpins unless @keep; frees everything either way. */
void xdp_unload(bool keep);
void xdp_heartbeat(void);
int xdp_ctl_vlans(void);

/* fastpath_xdp_ev.c */
void xdp_on_tick(struct ev_timer *t, void *arg);
/* The CPUs' sum of @slot: 0 or -errno. */
int xdp_stats(uint32_t slot, struct sipfp_xdp_stats *sum);
/* Adds XDP's part (@slot) to @c, the lower's counters. */
void xdp_merge(struct fp_counters *c, uint32_t slot);
/* Records the map's entries no flow of ours holds, taking their slots. */
int xdp_orphans_scan(void);
int xdp_orphans(fp_orphan_fn fn, void *arg);
int xdp_adopt(struct fp_flow *f);
int xdp_orphan_del(const struct fp_flow_spec *sp);
/* A flow of ours takes @k: the orphan holding it, if any, goes. */
void xdp_orphan_evict(const struct sipfp_xdp_key *k);

#endif
